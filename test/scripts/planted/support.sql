-- The attacker's recorder, in public: every planted object calls public.planted_hit(what).
-- The sequence is not transactional, so a hit counts even when the victim's transaction fails.
SET search_path = pg_catalog, pg_temp;
CREATE SEQUENCE public.planted_seq MINVALUE 0 START 0;
SELECT pg_catalog.nextval('public.planted_seq');  -- last_value 0: no hit yet
CREATE TABLE public.planted_hits (what text, by_user name, session_user_name name);
GRANT USAGE, SELECT, UPDATE ON SEQUENCE public.planted_seq TO PUBLIC;
GRANT INSERT, SELECT ON public.planted_hits TO PUBLIC;
CREATE FUNCTION public.planted_hit(what text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM pg_catalog.nextval('public.planted_seq'::pg_catalog.regclass);
  INSERT INTO public.planted_hits (what, by_user, session_user_name) VALUES (what, current_user, session_user);
  RAISE LOG 'PLANTED OBJECT EXECUTED: % (current_user %, session_user %)', what, current_user, session_user;
  RETURN true;
END $$;
CREATE FUNCTION public.planted_rows(what text) RETURNS TABLE (x integer)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM public.planted_hit(what);
  RETURN;
END $$;
CREATE FUNCTION public.planted_trigger() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM public.planted_hit(TG_ARGV[0]);
  RETURN NULL;
END $$;
RESET search_path;

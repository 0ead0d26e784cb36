-- pg_temp.probe(label, sql): run one entry point and describe its outcome in one line: the
-- SQLSTATE and message, or the number of rows and an md5 of their contents (rows as text,
-- timestamps masked, bytea cut to its first 4 bytes, rows sorted), after the number of planted
-- objects that ran meanwhile.
-- Every name in it is qualified: it runs under the hostile search_path it tests with.
CREATE FUNCTION pg_temp.probe(label pg_catalog.text, call pg_catalog.text) RETURNS pg_catalog.text
LANGUAGE plpgsql AS $probe$
DECLARE
  n pg_catalog.int8;
  h pg_catalog.text;
  before pg_catalog.int8 := (SELECT s.last_value FROM public.planted_seq s);
  hits pg_catalog.text;
BEGIN
  -- rows as text (record_out: the types' C output functions, no SQL), timestamps and bytea cut
  EXECUTE 'SELECT pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x.t, pg_catalog.chr(10) ORDER BY x.t))
             FROM (SELECT pg_catalog.regexp_replace(pg_catalog.regexp_replace((c.*)::pg_catalog.text,
                            ''\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:\d{2})?)?''::pg_catalog.text, ''TS''::pg_catalog.text, ''g''::pg_catalog.text),
                          ''\\\\x([0-9a-f]{8})[0-9a-f]*''::pg_catalog.text, ''bytea:\1''::pg_catalog.text, ''g''::pg_catalog.text) AS t
                     FROM (' OPERATOR(pg_catalog.||) call OPERATOR(pg_catalog.||) ') c) x'
    INTO n, h;
  hits := ((SELECT s.last_value FROM public.planted_seq s) OPERATOR(pg_catalog.-) before)::pg_catalog.text;
  RETURN 'hits ' OPERATOR(pg_catalog.||) hits OPERATOR(pg_catalog.||) ' | ' OPERATOR(pg_catalog.||) label OPERATOR(pg_catalog.||) ' | ok ' OPERATOR(pg_catalog.||) n::pg_catalog.text
         OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) coalesce(h, '-'::pg_catalog.text);
EXCEPTION WHEN OTHERS THEN
  hits := ((SELECT s.last_value FROM public.planted_seq s) OPERATOR(pg_catalog.-) before)::pg_catalog.text;
  RETURN 'hits ' OPERATOR(pg_catalog.||) hits OPERATOR(pg_catalog.||) ' | ' OPERATOR(pg_catalog.||) label OPERATOR(pg_catalog.||) ' | ' OPERATOR(pg_catalog.||) SQLSTATE OPERATOR(pg_catalog.||) ' '
         OPERATOR(pg_catalog.||) SQLERRM;
END
$probe$;

-- Plant look-alikes of every name skolval uses in the schema :'target' (public or pg_temp), each
-- recording that it ran (public.planted_hit: a non-transactional sequence, a row, a WARNING).
-- Run by test/scripts/planted_names.sh; psql variable target = public | pg_temp.
-- The planting itself runs under pg_catalog, pg_temp so that it never calls its own plants.
SET search_path = pg_catalog, pg_temp;
SET client_min_messages = warning;
SET planted.target = :'target';
DO $plant$
DECLARE
  target text := current_setting('planted.target');
  -- every lower-case word in the source of skolval's functions, and the names of its objects
  words text[];
  temp_tables text[];
  concrete text[] := ARRAY['text', 'integer', 'bigint', 'smallint', 'double precision', 'numeric', 'boolean',
                           'date', 'jsonb', 'timestamp with time zone', 'character varying'];
  n_types int := 0; n_rel int := 0; n_fn int := 0; n_op int := 0; n_fail int := 0;
  r record;
  v record;
  sig text;
  fname text;
  k int := 0;
BEGIN
  SELECT array_agg(DISTINCT w) INTO words FROM (
    SELECT regexp_split_to_table(lower(p.prosrc), '[^a-z0-9_]+') AS w
      FROM pg_proc p WHERE p.pronamespace = 'skolval'::regnamespace
    UNION SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'skolval'::regnamespace
    UNION SELECT p.proname::text FROM pg_proc p WHERE p.pronamespace = 'skolval'::regnamespace
    UNION SELECT t.typname::text FROM pg_type t
     WHERE t.oid IN (SELECT a.atttypid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                      WHERE c.relnamespace = 'skolval'::regnamespace AND a.attnum > 0)
        OR t.oid IN (SELECT unnest(p.proargtypes::oid[] || p.prorettype) FROM pg_proc p
                      WHERE p.pronamespace = 'skolval'::regnamespace)) x
   WHERE w ~ '^[a-z_][a-z0-9_]*$' AND w NOT IN (SELECT word FROM pg_get_keywords() WHERE catcode = 'R');
  -- names the extension itself creates as temporary tables: a pg_temp look-alike of those would
  -- only make the session's own call fail, so they are planted in public only
  SELECT array_agg(DISTINCT m[1]) INTO temp_tables
    FROM pg_proc p, regexp_matches(lower(p.prosrc),
         'create\s+temp(?:orary)?\s+table\s+(?:if\s+not\s+exists\s+)?(?:pg_temp\.)?([a-z_][a-z0-9_]*)', 'g') m
   WHERE p.pronamespace = 'skolval'::regnamespace;

  -- types: a domain over integer whose check records the use, for every word that names a type
  FOR r IN SELECT DISTINCT t.typname::text AS name FROM pg_type t
            WHERE t.typname::text = ANY (words) AND t.typtype IN ('b', 'd', 'e', 'r')
              AND t.typnamespace IN ('pg_catalog'::regnamespace, 'skolval'::regnamespace, 'public'::regnamespace)
  LOOP
    BEGIN
      EXECUTE format('CREATE DOMAIN %s.%I AS pg_catalog.int4 CHECK (public.planted_hit(%L))',
                     target, r.name, 'type ' || target || '.' || r.name);
      n_types := n_types + 1;
    EXCEPTION WHEN OTHERS THEN n_fail := n_fail + 1;
    END;
  END LOOP;

  -- relations: a view whose every read records, with INSTEAD OF triggers recording every write
  FOR r IN SELECT w AS name FROM unnest(words) w
            WHERE NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.typname = w AND t.typnamespace IN
                              ('pg_catalog'::regnamespace, 'skolval'::regnamespace, 'public'::regnamespace))
              AND NOT (target = 'pg_temp' AND w = ANY (coalesce(temp_tables, '{}')))
  LOOP
    BEGIN
      EXECUTE format('CREATE VIEW %s.%I AS SELECT h.x FROM public.planted_rows(%L) h', target, r.name,
                     'relation ' || target || '.' || r.name);
      EXECUTE format('CREATE TRIGGER planted INSTEAD OF INSERT OR UPDATE OR DELETE ON %s.%I
                      FOR EACH ROW EXECUTE FUNCTION public.planted_trigger(%L)', target, r.name,
                     'relation ' || target || '.' || r.name);
      n_rel := n_rel + 1;
    EXCEPTION WHEN OTHERS THEN n_fail := n_fail + 1;
    END;
    IF n_rel % 100 = 0 THEN COMMIT; END IF;   -- a few locks per object: keep transactions small
  END LOOP;
  COMMIT;

  -- functions: for every function of pg_catalog, PostGIS, pgRouting or skolval named by a word,
  -- overloads that match a call better: one argument of a type that casts implicitly to the
  -- declared one (varchar for text, int2 for int4, ...), or concrete types for polymorphic and
  -- variadic arguments (text[] for anyarray, three text arguments for VARIADIC "any").
  FOR r IN
    SELECT p.oid, p.proname, p.proargtypes::oid[] AS args, p.prorettype, p.proretset, p.provariadic, p.prokind
      FROM pg_proc p
     WHERE lower(p.proname) = ANY (words) AND p.prokind IN ('f', 'a', 'w')
       AND (p.proargmodes IS NULL OR p.proargmodes::text[] <@ ARRAY['i', 'v'])
       AND p.pronamespace IN (SELECT e.extnamespace FROM pg_extension e
                               WHERE e.extname IN ('postgis', 'pgrouting', 'skolval')
                              UNION SELECT 'pg_catalog'::regnamespace)
       AND p.pronargs <= 6
  LOOP
    FOR v IN
      WITH pos AS (SELECT i, r.args[i] AS t FROM generate_subscripts(r.args, 1) i),
      single AS (   -- one position narrowed
        SELECT (SELECT array_agg(CASE WHEN q.i = pos.i THEN c.castsource ELSE q.t END ORDER BY q.i) FROM pos q) AS a,
               NULL::oid AS poly
          FROM pos JOIN pg_cast c ON c.casttarget = pos.t AND c.castcontext = 'i' AND c.castsource <> pos.t
          JOIN pg_type st ON st.oid = c.castsource AND st.typtype IN ('b', 'd', 'e') AND st.typisdefined
         WHERE NOT EXISTS (SELECT 1 FROM pos q JOIN pg_type qt ON qt.oid = q.t WHERE qt.typtype = 'p')),
      poly AS (     -- every polymorphic position instantiated with one concrete type
        SELECT (SELECT array_agg(CASE WHEN qt.typname IN ('anyarray', 'anycompatiblearray') THEN ct.typarray
                                      WHEN qt.typtype = 'p' THEN ct.oid ELSE q.t END ORDER BY q.i)
                  FROM pos q JOIN pg_type qt ON qt.oid = q.t) AS a,
               ct.oid AS poly
          FROM unnest(concrete) cn JOIN pg_type ct ON ct.oid = cn::regtype
         WHERE EXISTS (SELECT 1 FROM pos q JOIN pg_type qt ON qt.oid = q.t
                        WHERE qt.typname IN ('anyelement', 'anynonarray', 'anycompatible', 'anycompatiblenonarray',
                                             'anyarray', 'anycompatiblearray', 'any'))
           AND NOT EXISTS (SELECT 1 FROM pos q JOIN pg_type qt ON qt.oid = q.t
                            WHERE qt.typtype = 'p' AND qt.typname NOT IN ('anyelement', 'anynonarray', 'anycompatible',
                                  'anycompatiblenonarray', 'anyarray', 'anycompatiblearray', 'any'))),
      variad AS ( -- a variadic array as 1 to 3 plain arguments of its element (text for "any")
        SELECT r.args[1:cardinality(r.args) - 1] || array_fill(
                 CASE WHEN r.provariadic = 'pg_catalog.any'::regtype OR et.typtype = 'p' THEN 'text'::regtype::oid
                      ELSE r.provariadic END, ARRAY[k3]) AS a,
               NULL::oid AS poly
          FROM generate_series(1, 3) k3 LEFT JOIN pg_type et ON et.oid = r.provariadic
         WHERE r.provariadic <> 0
           AND NOT EXISTS (SELECT 1 FROM unnest(r.args[1:cardinality(r.args) - 1]) q JOIN pg_type qt ON qt.oid = q
                            WHERE qt.typtype = 'p'))
      SELECT DISTINCT a, poly FROM (SELECT * FROM single UNION ALL SELECT * FROM poly UNION ALL SELECT * FROM variad) x
       WHERE a IS NOT NULL AND cardinality(a) > 0
    LOOP
      DECLARE
        rettype text;
        argl text;
      BEGIN
        SELECT string_agg(format_type(t, NULL), ', ' ORDER BY o) INTO argl FROM unnest(v.a) WITH ORDINALITY u(t, o);
        rettype := CASE
          WHEN r.prorettype IN ('pg_catalog.anyarray'::regtype, 'pg_catalog.anycompatiblearray'::regtype)
            THEN format_type(coalesce((SELECT typarray FROM pg_type WHERE oid = v.poly), 'text[]'::regtype), NULL)
          WHEN (SELECT typtype FROM pg_type WHERE oid = r.prorettype) = 'p'
               AND r.prorettype NOT IN ('pg_catalog.void'::regtype)
            THEN CASE WHEN r.prorettype IN ('pg_catalog.record'::regtype, 'pg_catalog.trigger'::regtype,
                                             'pg_catalog.internal'::regtype, 'pg_catalog.event_trigger'::regtype)
                      THEN NULL ELSE format_type(coalesce(v.poly, 'text'::regtype), NULL) END
          ELSE format_type(r.prorettype, NULL) END;
        CONTINUE WHEN rettype IS NULL;
        sig := format('%s.%I(%s)', target, r.proname, argl);
        IF r.prokind = 'f' OR r.prokind = 'w' OR cardinality(v.a) <> 1 THEN
          EXECUTE format($f$CREATE FUNCTION %s RETURNS %s%s LANGUAGE plpgsql AS $body$
                            BEGIN PERFORM public.planted_hit(%L); RETURN%s; END $body$$f$,
                         sig, CASE WHEN r.proretset THEN 'SETOF ' ELSE '' END, rettype, 'function ' || sig,
                         CASE WHEN r.proretset OR rettype = 'void' THEN '' ELSE ' NULL' END);
        ELSE
          -- an aggregate look-alike: its transition function records
          k := k + 1;
          fname := format('%s.planted_sfunc_%s', target, k);
          EXECUTE format($f$CREATE FUNCTION %s(%s, %s) RETURNS %s LANGUAGE plpgsql AS $body$
                            BEGIN PERFORM public.planted_hit(%L); RETURN NULL; END $body$$f$,
                         fname, rettype, argl, rettype, 'aggregate ' || sig);
          EXECUTE format('CREATE AGGREGATE %s (SFUNC = %s, STYPE = %s)', sig, fname, rettype);
        END IF;
        n_fn := n_fn + 1;
      EXCEPTION WHEN OTHERS THEN n_fail := n_fail + 1;
      END;
    END LOOP;
    COMMIT;
  END LOOP;

  -- operators: every operator symbol in the source, for every existing operator of that name,
  -- with one operand narrowed (implicit cast source), with skolval's domains as operands (an
  -- operator on the domain itself is an exact match), and polymorphic operands instantiated.
  FOR r IN
    WITH syms AS (
      SELECT DISTINCT m[1] AS sym FROM pg_proc p,
             regexp_matches(p.prosrc, '([-+*/<>=~!@#%^&|`?]+)', 'g') m
       WHERE p.pronamespace = 'skolval'::regnamespace),
    ops AS (
      SELECT o.oprname, o.oprleft, o.oprright, o.oprresult FROM pg_operator o JOIN syms ON syms.sym = o.oprname
       WHERE o.oprnamespace IN (SELECT e.extnamespace FROM pg_extension e WHERE e.extname IN ('postgis', 'pgrouting'))
          OR o.oprnamespace = 'pg_catalog'::regnamespace),
    doms AS (SELECT t.oid, t.typbasetype FROM pg_type t WHERE t.typnamespace = 'skolval'::regnamespace AND t.typtype = 'd'),
    variants AS (
      SELECT o.oprname, c.castsource AS l, o.oprright AS r, o.oprresult AS res FROM ops o
        JOIN pg_cast c ON c.casttarget = o.oprleft AND c.castcontext = 'i' AND c.castsource <> o.oprleft
      UNION
      SELECT o.oprname, o.oprleft, c.castsource, o.oprresult FROM ops o
        JOIN pg_cast c ON c.casttarget = o.oprright AND c.castcontext = 'i' AND c.castsource <> o.oprright
      UNION
      SELECT o.oprname, d.oid, CASE WHEN o.oprright = d.typbasetype THEN d.oid ELSE o.oprright END, o.oprresult
        FROM ops o JOIN doms d ON d.typbasetype = o.oprleft
      UNION
      SELECT o.oprname, o.oprleft, d.oid, o.oprresult FROM ops o JOIN doms d ON d.typbasetype = o.oprright
      UNION
      SELECT o.oprname, CASE WHEN lt.typtype = 'p' THEN CASE WHEN lt.typname LIKE '%array' THEN ct.typarray ELSE ct.oid END ELSE o.oprleft END,
             CASE WHEN rt.typtype = 'p' THEN CASE WHEN rt.typname LIKE '%array' THEN ct.typarray ELSE ct.oid END ELSE o.oprright END,
             CASE WHEN res.typtype = 'p' THEN CASE WHEN res.typname LIKE '%array' THEN ct.typarray ELSE ct.oid END ELSE o.oprresult END
        FROM ops o LEFT JOIN pg_type lt ON lt.oid = o.oprleft LEFT JOIN pg_type rt ON rt.oid = o.oprright
        JOIN pg_type res ON res.oid = o.oprresult
        CROSS JOIN unnest(concrete) cn JOIN pg_type ct ON ct.oid = cn::regtype
       WHERE (lt.typtype = 'p' OR rt.typtype = 'p')
         AND coalesce(lt.typname, 'anyelement') IN ('anyelement', 'anynonarray', 'anycompatible', 'anycompatiblenonarray', 'anyarray', 'anycompatiblearray', 'anyenum')
         AND coalesce(rt.typname, 'anyelement') IN ('anyelement', 'anynonarray', 'anycompatible', 'anycompatiblenonarray', 'anyarray', 'anycompatiblearray', 'anyenum'))
    SELECT DISTINCT * FROM variants vv
     WHERE (SELECT typtype FROM pg_type WHERE oid = vv.res) <> 'p'
       AND coalesce((SELECT typtype FROM pg_type WHERE oid = vv.l), 'b') <> 'p'
       AND coalesce((SELECT typtype FROM pg_type WHERE oid = vv.r), 'b') <> 'p'
  LOOP
    BEGIN
      k := k + 1;
      fname := format('%s.planted_op_%s', target, k);
      sig := format('%s %s (%s, %s)', target, r.oprname, coalesce(format_type(r.l, NULL), 'NONE'), format_type(r.r, NULL));
      IF r.l = 0 THEN
        EXECUTE format($f$CREATE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql AS $body$
                          BEGIN PERFORM public.planted_hit(%L); RETURN NULL; END $body$$f$,
                       fname, format_type(r.r, NULL), format_type(r.res, NULL), 'operator ' || sig);
        EXECUTE format('CREATE OPERATOR %s.%s (RIGHTARG = %s, FUNCTION = %s)', target, r.oprname,
                       format_type(r.r, NULL), fname);
      ELSE
        EXECUTE format($f$CREATE FUNCTION %s(%s, %s) RETURNS %s LANGUAGE plpgsql AS $body$
                          BEGIN PERFORM public.planted_hit(%L); RETURN NULL; END $body$$f$,
                       fname, format_type(r.l, NULL), format_type(r.r, NULL), format_type(r.res, NULL), 'operator ' || sig);
        EXECUTE format('CREATE OPERATOR %s.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = %s)', target, r.oprname,
                       format_type(r.l, NULL), format_type(r.r, NULL), fname);
      END IF;
      n_op := n_op + 1;
    EXCEPTION WHEN OTHERS THEN n_fail := n_fail + 1;
    END;
    IF n_op % 100 = 0 THEN COMMIT; END IF;
  END LOOP;
  RAISE WARNING 'planted in %: % types, % relations, % functions and aggregates, % operators (% refused)',
    target, n_types, n_rel, n_fn, n_op, n_fail;
END
$plant$;
RESET search_path;

-- Every public entry point the role :'role' may run, as one call per line ("label<TAB>SQL"),
-- generated from the catalog: every skolval function without a leading underscore that is not a
-- trigger and that the role may EXECUTE, and every view or table it may SELECT. Arguments with
-- defaults are left out; the others get a value by name (the runs, round, child and unit the
-- test set up) or else by type. Read-only calls first, then volatile ones, demo_municipality()
-- (which rebuilds everything) last.
SET search_path = pg_catalog, pg_temp;
WITH fn AS (
  SELECT p.oid, p.proname, p.provolatile,
         p.proargnames, p.proargtypes::oid[] AS types, p.pronargs - p.pronargdefaults AS required
    FROM pg_proc p
   WHERE p.pronamespace = 'skolval'::regnamespace AND p.proname !~ '^_'
     AND p.prorettype <> 'trigger'::regtype AND p.prokind = 'f'
     AND has_function_privilege(:'role', p.oid, 'EXECUTE')),
arg AS (
  SELECT fn.oid, i, fn.proargnames[i] AS name, fn.types[i] AS type
    FROM fn, generate_series(1, fn.required) i),
val AS (
  SELECT arg.oid, i, format('%I => %s', arg.name, CASE
    WHEN arg.name = 'run_id' AND f.proname ~ '(payment|statement|xlsx)' THEN :'payment_run'
    WHEN arg.name = 'run_id' THEN :'placement_run'
    WHEN arg.name = 'round_id' THEN :'round_id'
    WHEN arg.name = 'child_id' THEN :'child_id'
    WHEN arg.name = 'unit_id' AND f.proname ~ '(payment|statement)' THEN :'payment_unit'
    WHEN arg.name = 'unit_id' THEN :'unit_id'
    WHEN arg.name = 'residence_id' THEN :'residence_id'
    WHEN arg.name = 'network_id' THEN :'network_id'
    WHEN arg.name IN ('month', 'from_month', 'to_month') THEN quote_literal(:'payment_month')
    WHEN arg.name = 'personal_number' THEN quote_literal('201203042386')
    WHEN arg.name = 'criterion' THEN quote_literal('sibling')
    WHEN arg.name = 'form' THEN quote_literal('forskoleklass')
    WHEN arg.name = 'flag' THEN quote_literal('no_rate')
    WHEN arg.name = 'status' THEN quote_literal('locked')
    WHEN arg.name = 'round_name' THEN quote_literal(:'round_name')
    WHEN arg.name = 'applications' THEN quote_literal('[]')
    WHEN arg.name = 'seed' THEN '3'
    WHEN arg.name = 'target_edges' THEN '500'
    WHEN arg.name = 'serial' THEN '7'
    WHEN arg.type = 'pg_catalog.date'::regtype THEN quote_literal('2026-10-01')
    WHEN arg.type IN ('pg_catalog.int8'::regtype, 'pg_catalog.int4'::regtype) THEN '1'
    WHEN arg.type IN ('pg_catalog.float8'::regtype, 'pg_catalog.numeric'::regtype) THEN '1234.5'
    WHEN arg.type = 'pg_catalog.bool'::regtype THEN 'true'
    WHEN arg.type = 'pg_catalog.jsonb'::regtype THEN quote_literal('{}')
    WHEN format_type(arg.type, NULL) ~ 'geometry' THEN '(SELECT u.location FROM skolval.unit u ORDER BY u.unit_id LIMIT 1)'
    ELSE quote_literal('x') END) AS v
    FROM arg JOIN fn f ON f.oid = arg.oid),
calls AS (
  SELECT CASE WHEN fn.proname = 'demo_municipality' THEN 3 WHEN fn.provolatile = 'v' THEN 2 ELSE 1 END AS phase,
         fn.oid::regprocedure::text AS label,
         format('SELECT * FROM skolval.%I(%s)', fn.proname,
                CASE WHEN fn.proname = 'demo_municipality' THEN 'children => 60, seed => 3, network_edges => 800, replace => true'
                     WHEN fn.proname = 'allocate' THEN 'round_id => ' || :'round_id' || ', what_if => true'
                     ELSE coalesce((SELECT string_agg(val.v, ', ' ORDER BY val.i) FROM val WHERE val.oid = fn.oid), '') END) AS sql
    FROM fn
  UNION ALL
  SELECT 0, 'relation ' || c.oid::regclass::text, format('SELECT * FROM %s', c.oid::regclass)
    FROM pg_class c
   WHERE c.relnamespace = 'skolval'::regnamespace AND c.relkind IN ('r', 'v', 'm')
     AND has_table_privilege(:'role', c.oid, 'SELECT'))
SELECT label || E'\t' || sql FROM calls ORDER BY phase, label;

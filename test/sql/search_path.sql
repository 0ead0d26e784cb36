-- Nothing the caller puts on its search_path, in pg_temp or in a schema of its own, changes what
-- skolval computes or crashes the server (issue 11 item 1): C pins its own path and checks the
-- type of every column it reads, SRFs check the descriptor they fill, internal functions are not
-- executable by analysts, and SQL helpers with SQL-standard bodies are bound when created and
-- inlined. test/scripts/planted_names.sh attacks every entry point with each role's rights.
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.expect_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT municipality_code FROM skolval.configure(municipality_code => '1281', municipality_name => 'Lund');

-- ---- a hostile path: look-alike types in pg_temp, look-alike functions before pg_catalog ----
CREATE SCHEMA hostile;
CREATE FUNCTION hostile.substr(text, integer, integer) RETURNS text LANGUAGE sql AS $$ SELECT 'HIJACKED'::pg_catalog.text $$;
CREATE FUNCTION hostile.regexp_replace(text, text, text, text) RETURNS text LANGUAGE sql AS $$ SELECT 'HIJACKED'::pg_catalog.text $$;
CREATE FUNCTION hostile.round(numeric, integer) RETURNS numeric LANGUAGE sql AS $$ SELECT 0::numeric $$;
CREATE DOMAIN pg_temp.text AS integer;
CREATE DOMAIN pg_temp.int8 AS integer;
CREATE DOMAIN pg_temp.int4 AS smallint;
CREATE DOMAIN pg_temp.date AS integer;
CREATE DOMAIN pg_temp.float8 AS integer;
SET search_path = hostile, pg_catalog, public;
-- the SQL helpers (SQL-standard bodies) and the payment computation (C over SPI)
SELECT skolval.personal_number_display('201203042386') AS display,
       skolval.amount_sv(-1234567.5) AS amount, skolval.month_sv('2027-03-01') AS month,
       skolval.srid() AS srid, skolval.municipality_code() AS municipality;
SELECT count(*) AS rows_of_an_empty_register FROM skolval._payment_compute('2026-10-01');
SELECT count(*) AS payment_rows, count(*) FILTER (WHERE held) AS held FROM skolval.payment_rows('2026-10-01');
RESET search_path;
DROP DOMAIN pg_temp.text, pg_temp.int8, pg_temp.int4, pg_temp.date, pg_temp.float8;

-- ---- analysts cannot call internals at all, and their entry points ignore their pg_temp ----
DROP ROLE IF EXISTS skolval_regress_path_analyst;
CREATE ROLE skolval_regress_path_analyst IN ROLE skolval_analyst;
SET ROLE skolval_regress_path_analyst;
CREATE DOMAIN pg_temp.text AS integer;
SELECT pg_temp.expect_error($$ SELECT count(*) FROM skolval._payment_compute('2026-10-01') $$);
SELECT count(*) AS analyst_payment_rows FROM skolval.payment_rows('2026-10-01');
SELECT count(*) AS analyst_payment_issues FROM skolval.payment_check('2026-10-01');
DROP DOMAIN pg_temp.text;
RESET ROLE;
DROP OWNED BY skolval_regress_path_analyst;
DROP ROLE skolval_regress_path_analyst;

-- ---- a result that does not have the columns C fills is a clean error, never a crash ----
-- the payment SRF declared with the wrong result columns (as a stale .so against new SQL would be)
CREATE FUNCTION pg_temp.wrong_payment_compute(date, jsonb) RETURNS TABLE (a integer, b text)
  LANGUAGE c AS '$libdir/skolval', 'skolval_payment_rows';
SELECT pg_temp.expect_error($$ SELECT count(*) FROM pg_temp.wrong_payment_compute('2026-10-01', '{}') $$);
CREATE FUNCTION pg_temp.wrong_payment_args(date) RETURNS TABLE (a integer, b text)
  LANGUAGE c AS '$libdir/skolval', 'skolval_payment_rows';
SELECT pg_temp.expect_error($$ SELECT count(*) FROM pg_temp.wrong_payment_args('2026-10-01') $$);
CREATE FUNCTION pg_temp.wrong_edges(bigint, integer, double precision, double precision)
  RETURNS TABLE (edge_id bigint, source bigint, target bigint, kind integer)
  LANGUAGE c AS '$libdir/skolval', 'skolval_demo_network_edges';
SELECT pg_temp.expect_error($$ SELECT count(*) FROM pg_temp.wrong_edges(1, 500, 0, 0) $$);
-- a query C reads whose column is not of the type C expects: document_setup() replaced, inside
-- a transaction that is rolled back, by one returning an integer font path
BEGIN;
ALTER EXTENSION skolval DROP FUNCTION skolval.document_setup();
DROP FUNCTION skolval.document_setup();
CREATE FUNCTION skolval.document_setup(OUT font_path integer, OUT bold_font_path text)
  LANGUAGE sql AS $$ SELECT 42, NULL::text $$;
SELECT pg_temp.expect_error($$ SELECT skolval.decision_letter(1, 1) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.payment_statement(1, 1) $$);
ROLLBACK;

-- ---- SQL helpers need no pinned path and are inlined: the plan shows their bodies ----
SELECT p.oid::regprocedure AS sql_standard_helper, p.proconfig
  FROM pg_proc p
 WHERE p.oid IN ('skolval.personal_number_display(text)'::regprocedure, 'skolval.amount_sv(numeric)'::regprocedure,
                 'skolval.month_sv(date)'::regprocedure, 'skolval.srid()'::regprocedure)
   AND p.prosqlbody IS NOT NULL ORDER BY 1;
CREATE TEMP TABLE pn (n text, m date);
EXPLAIN (VERBOSE, COSTS OFF) SELECT skolval.personal_number_display(pn.n), skolval.month_sv(pn.m) FROM pn;

DROP SCHEMA hostile CASCADE;
DELETE FROM skolval.settings;

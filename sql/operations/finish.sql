-- skolval: finishing touches that must run after every object exists.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

CREATE OR REPLACE TRIGGER settings_guard BEFORE INSERT OR UPDATE ON skolval.settings
  FOR EACH ROW EXECUTE FUNCTION skolval._settings_guard();

-- Pin the search_path of every function that parses SQL when it runs (task "paths"; the rule is
-- in doc/operations.md, "search_path and who may create what"):
--   * plpgsql functions, and SQL functions with a string body ($$ ... $$);
--   * C functions that are not IMMUTABLE (they may run SPI; the C also pins pg_catalog, pg_temp
--     itself while it does, src/common/spi_util.c).
-- The path: pg_catalog first, then skolval and the schemas PostGIS and pgRouting live in
-- (wherever they were installed), pg_temp last, so temporary objects never shadow a relation or
-- type. Not pinned: SQL functions with a SQL-standard body (RETURN ... or BEGIN ATOMIC ... END),
-- whose names were bound when they were created, so that they stay inlinable, and IMMUTABLE C
-- functions, which compute from their arguments only.
DO $finish$
DECLARE
  path text;
  f regprocedure;
  w record;
BEGIN
  SELECT pg_catalog.concat_ws(', ', 'pg_catalog', 'skolval',
           pg_catalog.string_agg(DISTINCT pg_catalog.quote_ident(n.nspname), ', '), 'pg_temp')
    INTO path
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname IN ('postgis', 'pgrouting') AND n.nspname NOT IN ('pg_catalog', 'skolval');
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_language l ON l.oid = p.prolang
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE (l.lanname = 'plpgsql')
        OR (l.lanname = 'sql' AND p.prosqlbody IS NULL)
        OR (l.lanname = 'c' AND p.provolatile <> 'i')
  LOOP
    EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = %s', f, path);
  END LOOP;
  -- Warn when a role that is not a superuser could plant look-alikes on that path.
  FOR w IN SELECT * FROM skolval.schema_safety() LOOP
    RAISE WARNING 'skolval: %', w.problem
      USING HINT = 'REVOKE CREATE ON SCHEMA ' || pg_catalog.quote_ident(w.schema_name) || ' FROM '
                   || pg_catalog.quote_ident(w.role_name) || '; see skolval.schema_safety() and doc/operations.md.';
  END LOOP;
END
$finish$;

-- The tables hold the municipality's data, not extension objects: pg_dump must dump their rows
-- (and the identity sequences' positions).
DO $dump$
DECLARE
  t regclass;
  s text;
BEGIN
  FOR t IN
    SELECT c.oid::regclass FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE c.relkind = 'r'
  LOOP
    PERFORM pg_catalog.pg_extension_config_dump(t, '');
    FOR s IN
      SELECT pg_catalog.pg_get_serial_sequence(t::text, a.attname)
        FROM pg_catalog.pg_attribute a
       WHERE a.attrelid = t AND a.attidentity <> '' AND NOT a.attisdropped
    LOOP
      PERFORM pg_catalog.pg_extension_config_dump(s::regclass, '');
    END LOOP;
  END LOOP;
END
$dump$;

-- skolval: finishing touches that must run after every object exists.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

CREATE OR REPLACE TRIGGER settings_guard BEFORE INSERT OR UPDATE ON skolval.settings
  FOR EACH ROW EXECUTE FUNCTION skolval._settings_guard();

-- Pin the search_path of every function that parses SQL when it runs (task "paths"; the rule is
-- in doc/operations.md, "search_path and who may create what"):
--   * plpgsql functions, and SQL functions with a string body ($$ ... $$);
--   * C functions that are not IMMUTABLE (they may run SPI; the C also pins pg_catalog, pg_temp
--     itself while it does, src/common/spi_util.c).
-- Two paths, pg_catalog first and pg_temp last (so temporary objects never shadow a relation or
-- type; pg_temp is never searched for functions or operators):
--   pg_catalog, skolval, pg_temp               for every function that uses no PostGIS or
--                                              pgRouting object: nothing on it but superusers'
--   pg_catalog, skolval, <their schemas>, pg_temp  for a function that does: its source names a
--                                              function, type or table of PostGIS or pgRouting
--                                              or a skolval column of a PostGIS type (and no
--                                              pg_catalog object of that name), uses one
--                                              of their operators (<->, &&), or has a PostGIS
--                                              type in its signature.
--   A function whose source says "pinned without PostGIS" gets the first path although a word of
--   its source looks like a PostGIS name (placement_map_svg: "home" and "route" are SVG class
--   names in its text literals); if it did use PostGIS, it would fail at once, never run a plant.
-- Not pinned: SQL functions with a SQL-standard body (RETURN ... or BEGIN ATOMIC ... END), whose
-- names were bound when they were created, so that they stay inlinable, and IMMUTABLE C
-- functions, which compute from their arguments only.
DO $finish$
DECLARE
  gis_path text;
  f record;
  warning record;
BEGIN
  SELECT pg_catalog.concat_ws(', ', 'pg_catalog', 'skolval',
           pg_catalog.string_agg(DISTINCT pg_catalog.quote_ident(n.nspname), ', '), 'pg_temp')
    INTO gis_path
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname IN ('postgis', 'pgrouting') AND n.nspname NOT IN ('pg_catalog', 'skolval');
  FOR f IN
    WITH gis_object AS (
      SELECT d.classid, d.objid
        FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
       WHERE d.deptype = 'e' AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass::pg_catalog.oid
         AND e.extname IN ('postgis', 'pgrouting')),
    gis_name AS (
      SELECT pg_catalog.lower(p.proname) AS name FROM pg_catalog.pg_proc p
        JOIN gis_object g ON g.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid AND g.objid = p.oid
      UNION SELECT t.typname::text FROM pg_catalog.pg_type t
        JOIN gis_object g ON g.classid = 'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid AND g.objid = t.oid
      UNION SELECT c.relname::text FROM pg_catalog.pg_class c
        JOIN gis_object g ON g.classid = 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid AND g.objid = c.oid
      -- columns of a PostGIS type: comparing them (IS DISTINCT FROM) needs PostGIS's operators
      UNION SELECT a.attname::text FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relnamespace = 'skolval'::pg_catalog.regnamespace::pg_catalog.oid
        JOIN gis_object g ON g.classid = 'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid AND g.objid = a.atttypid
       WHERE a.attnum > 0 AND NOT a.attisdropped
      EXCEPT SELECT pg_catalog.lower(p.proname) FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace::pg_catalog.oid
      EXCEPT SELECT t.typname::text FROM pg_catalog.pg_type t WHERE t.typnamespace = 'pg_catalog'::pg_catalog.regnamespace::pg_catalog.oid),
    gis_type AS (
      SELECT g.objid AS oid FROM gis_object g WHERE g.classid = 'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid)
    SELECT p.oid::regprocedure AS fn,
           p.prosrc !~ 'pinned without PostGIS' AND (EXISTS (SELECT 1 FROM pg_catalog.regexp_split_to_table(pg_catalog.lower(p.prosrc), '[^a-z0-9_]+') word(w)
                     JOIN gis_name g ON g.name = word.w)
            OR p.prosrc ~ '<->|&&'
            OR EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proargtypes::oid[] || coalesce(p.proallargtypes, '{}') || p.prorettype) a
                        JOIN gis_type t ON t.oid = a)) AS uses_gis
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_language l ON l.oid = p.prolang
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid AND d.objid = p.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE (l.lanname = 'plpgsql')
        OR (l.lanname = 'sql' AND p.prosqlbody IS NULL)
        OR (l.lanname = 'c' AND p.provolatile <> 'i')
  LOOP
    EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = %s', f.fn,
                              CASE WHEN f.uses_gis THEN gis_path ELSE 'pg_catalog, skolval, pg_temp' END);
  END LOOP;
  -- Warn when a role that is not a superuser could plant look-alikes on those paths.
  FOR warning IN SELECT * FROM skolval.schema_safety() LOOP
    RAISE WARNING 'skolval: %', warning.problem
      USING HINT = 'REVOKE CREATE ON SCHEMA ' || pg_catalog.quote_ident(warning.schema_name) || ' FROM '
                   || pg_catalog.quote_ident(warning.role_name) || '; see skolval.schema_safety() and doc/operations.md.';
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
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid AND d.objid = c.oid
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

-- The installed extension: dependencies, library version, comments, search_path safety, dumps.

SELECT e.extname, e.extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'skolval') AS current,
       e.extnamespace::regnamespace AS schema, e.extrelocatable
  FROM pg_extension e WHERE e.extname = 'skolval';
SELECT array_agg(r.extname ORDER BY r.extname) AS requires
  FROM pg_extension e
  JOIN pg_depend d ON d.objid = e.oid AND d.classid = 'pg_extension'::regclass AND d.refclassid = 'pg_extension'::regclass
  JOIN pg_extension r ON r.oid = d.refobjid
 WHERE e.extname = 'skolval';
SELECT skolval.library_version() = (SELECT extversion FROM pg_extension WHERE extname = 'skolval') AS library_matches_sql;

-- Every table, view and column of the extension has a COMMENT.
SELECT c.relname, a.attname AS column_without_comment
  FROM pg_class c
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relkind IN ('r', 'v') AND col_description(c.oid, a.attnum) IS NULL
 ORDER BY 1, 2;
SELECT c.relname AS relation_without_comment
  FROM pg_class c
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
 WHERE c.relkind IN ('r', 'v', 'm') AND obj_description(c.oid, 'pg_class') IS NULL;

-- Every public function (no leading underscore) has a COMMENT.
SELECT p.oid::regprocedure AS function_without_comment
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
 WHERE p.proname NOT LIKE '\_%' AND obj_description(p.oid, 'pg_proc') IS NULL
 ORDER BY 1;

-- Every function that parses SQL when it runs (plpgsql, SQL with a string body, C that is not
-- immutable) has a pinned search_path that starts with pg_catalog and ends with pg_temp; SQL
-- functions with a SQL-standard body are bound when created (test/sql/search_path.sql).
SELECT p.oid::regprocedure AS function_without_pinned_path
  FROM pg_proc p
  JOIN pg_language l ON l.oid = p.prolang
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
 WHERE (l.lanname = 'plpgsql' OR (l.lanname = 'sql' AND p.prosqlbody IS NULL)
        OR (l.lanname = 'c' AND p.provolatile <> 'i'))
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                    WHERE c LIKE 'search\_path=pg\_catalog, skolval, %pg\_temp')
 ORDER BY 1;

-- Every table is registered for pg_dump, so a dump carries the municipality's data.
SELECT c.relname AS table_not_dumped
  FROM pg_class c
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
 WHERE c.relkind = 'r' AND NOT c.oid = ANY (e.extconfig);

-- The extension works whatever the caller's search_path: with a hostile schema placed before
-- pg_catalog that shadows functions the extension's plpgsql calls, and with an empty path.
CREATE SCHEMA hostile;
CREATE FUNCTION hostile.cardinality(anyarray) RETURNS integer LANGUAGE sql AS 'SELECT 0';
CREATE FUNCTION hostile.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '1999-01-01'::timestamptz $$;
SET search_path = hostile, pg_catalog, public;
SELECT municipality_code, srid, updated_at > '2000-01-01' AS real_now
  FROM skolval.configure(municipality_code => '1281', municipality_name => 'Lund');
INSERT INTO skolval.placement_round (name, municipality_code, start_date) VALUES ('r', '1281', '2027-08-16');
SET search_path = '';
SELECT skolval.srid(), skolval.municipality_code(), pg_catalog.count(*) AS rounds FROM skolval.placement_round;
RESET search_path;
DROP SCHEMA hostile CASCADE;
DELETE FROM skolval.placement_round;
DELETE FROM skolval.settings;

-- skolval: the health check of what the extension's functions trust (see doc/operations.md,
-- "search_path and who may create what").
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.
--
-- Every function of the extension that parses SQL when it runs is pinned to
--   search_path = pg_catalog, skolval, <the schemas of PostGIS and pgRouting>, pg_temp
-- (sql/operations/finish.sql). Only a superuser can create objects in pg_catalog and skolval;
-- pg_temp comes last, so a session's temporary objects never shadow a relation or type. The
-- PostGIS and pgRouting schemas must be on the path (their functions, operators and types are
-- not qualified: on PostgreSQL 15 an extension cannot name another extension's schema), so a
-- role that may CREATE in them could plant a better-matching overload of a function or operator
-- (CVE-2018-1058). The extension calls them with exact argument types (test/scripts/planted_names.sh
-- plants such overloads and proves none runs), and this check reports every role that could.

CREATE OR REPLACE FUNCTION skolval.schema_safety()
RETURNS TABLE (schema_name name, extension name, role_name name, problem text)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH dbo AS (
    -- PostgreSQL 15's public schema is owned by (and grants CREATE to) pg_database_owner, which
    -- stands for the database's owner
    SELECT o.oid AS role,
           (SELECT d.datdba FROM pg_catalog.pg_database d
             WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()) AS owner
      FROM pg_catalog.pg_roles o WHERE o.rolname OPERATOR(pg_catalog.=) 'pg_database_owner'::pg_catalog.name),
  s AS (
    SELECT n.oid, n.nspname, e.extname, n.nspacl, n.nspowner
      FROM pg_catalog.pg_extension e
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
     WHERE e.extname OPERATOR(pg_catalog.=) ANY (ARRAY['skolval', 'postgis', 'pgrouting']::pg_catalog.name[])),
  g0 AS (
    SELECT s.nspname, s.extname, s.nspowner AS grantee, 'owns the schema'::pg_catalog.text AS how FROM s
    UNION ALL
    SELECT s.nspname, s.extname, a.grantee, 'may CREATE in the schema'::pg_catalog.text
      FROM s, pg_catalog.aclexplode(coalesce(s.nspacl, pg_catalog.acldefault('n'::"char", s.nspowner))) a
     WHERE a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'::pg_catalog.text),
  g AS (
    SELECT g0.nspname, g0.extname, g0.how,
           CASE WHEN g0.grantee OPERATOR(pg_catalog.=) dbo.role THEN dbo.owner ELSE g0.grantee END AS grantee
      FROM g0 LEFT JOIN dbo ON true)
  SELECT DISTINCT g.nspname, g.extname, coalesce(r.rolname, 'PUBLIC'::pg_catalog.name),
         pg_catalog.concat(coalesce(r.rolname::pg_catalog.text, 'PUBLIC'::pg_catalog.text), ' ', g.how,
                           ' ', g.nspname::pg_catalog.text, ' (', g.extname::pg_catalog.text,
                           ') and is not a superuser: it could plant functions, operators or types',
                           ' that skolval''s functions would find on their search_path')
    FROM g LEFT JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) g.grantee
   WHERE g.grantee OPERATOR(pg_catalog.=) 0::pg_catalog.oid OR NOT r.rolsuper
   ORDER BY 1, 3;
END;
COMMENT ON FUNCTION skolval.schema_safety() IS
  'Health check: every role that is not a superuser and owns or may CREATE in the schema of skolval, PostGIS or pgRouting (the schemas on every skolval function''s search_path). No row means nobody but superusers can plant a look-alike there';

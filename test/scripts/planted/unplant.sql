-- Drop this session's pg_temp plants a hundred at a time: left to the end of the session,
-- thousands of temporary objects would be dropped in one transaction and need more locks than
-- the server has (max_locks_per_transaction).
SET search_path = pg_catalog, pg_temp;
DO $unplant$
DECLARE
  o record;
  n int := 0;
BEGIN
  FOR o IN
    SELECT 1 AS ord, format('DROP OPERATOR IF EXISTS %s CASCADE', oid::regoperator) AS sql FROM pg_operator
     WHERE oprnamespace = pg_my_temp_schema()
    UNION ALL
    SELECT 2, format('DROP ROUTINE IF EXISTS %s CASCADE', oid::regprocedure) FROM pg_proc
     WHERE pronamespace = pg_my_temp_schema()
    UNION ALL
    SELECT 3, format('DROP VIEW IF EXISTS %s CASCADE', oid::regclass) FROM pg_class
     WHERE relnamespace = pg_my_temp_schema() AND relkind = 'v'
    UNION ALL
    SELECT 4, format('DROP DOMAIN IF EXISTS %s CASCADE', oid::regtype) FROM pg_type
     WHERE typnamespace = pg_my_temp_schema() AND typtype = 'd'
    ORDER BY 1
  LOOP
    EXECUTE o.sql;
    n := n + 1;
    IF n % 100 = 0 THEN COMMIT; END IF;
  END LOOP;
END
$unplant$;
RESET search_path;

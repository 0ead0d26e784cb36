-- skolval 0.2.0 -> 0.3.0: changes to what holds data (tables, domains, indexes, constraint
-- triggers), and drops of functions and views whose signature or columns changed. Everything
-- re-runnable (functions, views, triggers, grants) follows from the install's own files.

-- ---- placement: allocate() end to end in C (task "placement") -------------------------------
-- allocate() no longer goes through session temp tables and SQL helpers: the helpers that
-- carried data between its steps are gone (src/placement/allocate_sql.c does those steps).
DROP FUNCTION skolval._placement_applications(skolval.placement_round);
DROP FUNCTION skolval._placement_store(skolval.placement_round, text, text, boolean, bigint, text, integer[], integer[], timestamptz);
DROP FUNCTION skolval._criteria_json(text[], integer, integer, integer, double precision, double precision, double precision);
DROP FUNCTION skolval._criterion_value(text, integer, integer, integer, double precision, double precision, double precision);
DROP FUNCTION skolval._criteria_sv(text[], integer, integer, integer, double precision, double precision, double precision);
DROP FUNCTION skolval._key_difference(double precision[], double precision[]);
DROP FUNCTION skolval._seats_sv(integer);
-- The nearest units of every child and the candidate units of children placed
-- administratively, read per child in walking order instead of sorting all of a round's
-- distances (sql/placement/placement.tables.sql).
CREATE INDEX distance_walking_order_idx ON skolval.distance (network_id, residence_id, walking_m, unit_id)
  WHERE status = 'ok';

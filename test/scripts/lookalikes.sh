#!/usr/bin/env bash
# Look-alikes cannot hijack the register, network, distance, nightly and demo jobs.
#
# Two databases get the same example municipality. In one, look-alikes of every name these jobs
# use or used are planted: tables in public named like their old session temp tables
# (_sv_pairs, _sv_walk, _sv_load, _demo_unit, ...) and like their own tables (edge, network,
# snap, ...), with triggers and row-level-security policies that record current_user; tables of
# the old temp names in the admin's own pg_temp with the same triggers; functions in public
# named like the ones they call (network_edges_sql, _route_pairs, st_length, round, ...);
# domains named like the types they use (public.int8, pg_temp.text, ...); an operator
# public.= (bigint, integer). Then, as skolval_admin, compute_distances, network_load,
# staging_merge and the nightly job run in both databases, and demo_municipality as the
# extension's owner. Must hold: no planted code ran (the record is empty), the results are equal
# in both databases, and a scratch table of a job's own name planted in pg_temp makes the job
# refuse (42P07) before doing anything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# A hijacked loop must fail the test, not hang it.
export PGOPTIONS="${PGOPTIONS:-} -c statement_timeout=300s"

clean=skolval_test_lookalike_clean
planted=skolval_test_lookalike_planted
for db in $clean $planted; do
    dropdb --if-exists $db >/dev/null 2>&1 || true
    createdb $db
done
trap 'dropdb --if-exists $clean >/dev/null 2>&1 || true; dropdb --if-exists $planted >/dev/null 2>&1 || true' EXIT

for db in $clean $planted; do
    "${PSQL[@]}" -d $db -c 'CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval;' \
        -c "SET client_min_messages = warning; SELECT count(*) FROM skolval.demo_municipality(children => 300, seed => 5, network_edges => 4000)" >/dev/null
done

# ---- the look-alikes (planted by the superuser; they record whoever runs them) -------------
"${PSQL[@]}" -d $planted >/dev/null <<'SQL'
CREATE TABLE public.planted_log (who text, what text, at timestamptz DEFAULT clock_timestamp());
GRANT ALL ON public.planted_log TO PUBLIC;
CREATE FUNCTION public.planted_fire() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.planted_log (who, what) VALUES (current_user, TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME || ' ' || TG_OP);
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE FUNCTION public.planted_seen(what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.planted_log (who, what) VALUES (current_user, what || ' read');
  RETURN true;
END $$;
GRANT EXECUTE ON FUNCTION public.planted_fire(), public.planted_seen(text) TO PUBLIC;

-- Tables named like the jobs' old temp tables, their scratch tables and their own tables.
DO $plant$
DECLARE
  n text;
BEGIN
  FOREACH n IN ARRAY ARRAY[
      '_sv_load', '_sv_network_load', '_sv_component', '_sv_homes', '_sv_units', '_sv_all_pairs',
      '_sv_snap_todo', '_sv_pairs', '_sv_pts', '_sv_walk', '_sv_issue', '_sv_route_points',
      '_sv_dist_homes', '_sv_dist_units', '_sv_dist_all_pairs', '_sv_dist_snap_todo', '_sv_dist_pairs',
      '_sv_dist_walk', '_sv_sibling', '_sv_enrollment', '_sv_wish', '_demo_slot', '_demo_unit',
      '_demo_person', '_demo_home', '_demo_cohort', '_demo_enrol', '_demo_link', '_demo_year',
      '_demo_site', '_demo_change', 'edge', 'network', 'snap', 'distance', 'unit', 'child', 'residence',
      'district', 'wish', 'round_home', 'round_cohort', 'placement_round', 'settings', 'data_issue',
      'job_run', 'staging_unit', 'staging_residence', 'staging_district', 'staging_wish',
      'staging_sibling', 'staging_enrollment', 'component', 'slot', 'gone', 'biggest', 'k', 'p']
  LOOP
    EXECUTE format('CREATE TABLE public.%I (id bigint, source bigint, target bigint, geom geometry, kind text,
                      name text, residence_id bigint, child_id bigint, unit_id bigint, point_kind text,
                      ref_id bigint, pt geometry, pid bigint, edge_id bigint, fraction float8, snap_m float8,
                      walking_m float8, node bigint, component bigint, network_id bigint, home geometry,
                      location geometry, x float8, y float8)', n);
    EXECUTE format('INSERT INTO public.%I (id, residence_id, unit_id, child_id, network_id) VALUES (1, 1, 1, 1, 1)', n);
    EXECUTE format('GRANT ALL ON public.%I TO PUBLIC', n);
    EXECUTE format('CREATE TRIGGER planted BEFORE INSERT OR UPDATE OR DELETE ON public.%I FOR EACH ROW EXECUTE FUNCTION public.planted_fire()', n);
    EXECUTE format('CREATE TRIGGER planted_stmt BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION public.planted_fire()', n);
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', n);
    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', n);
    EXECUTE format('CREATE POLICY planted ON public.%I USING (public.planted_seen(%L))', n, 'public.' || n);
  END LOOP;
END
$plant$;

-- Functions named like the ones the jobs call (other argument types where the real one lives
-- in public: PostGIS and pgRouting are installed there).
DO $plant$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY[
      '_route_pairs(bigint, bigint[], bigint[], integer) RETURNS SETOF record',
      '_reconcile_issues(bigint, text[], jsonb) RETURNS void', '_require_no_scratch(VARIADIC text[]) RETURNS void',
      'staging_check() RETURNS SETOF record', 'staging_clear() RETURNS void',
      '_snap_points(bigint, text[], bigint[], geometry[]) RETURNS SETOF bigint',
      '_demo_locate(bigint, text, bigint[]) RETURNS SETOF record', 'network_finish(bigint, boolean) RETURNS void',
      'unnest(bigint[]) RETURNS SETOF bigint', 'unnest(text[]) RETURNS SETOF text',
      'unnest(double precision[]) RETURNS SETOF double precision', 'unnest(geometry[]) RETURNS SETOF geometry',
      'pgr_withpointscost(text, text, integer[], integer[], boolean) RETURNS SETOF record',
      'pgr_connectedcomponents(varchar) RETURNS SETOF record']
  LOOP
    EXECUTE format($f$CREATE FUNCTION public.%s LANGUAGE plpgsql AS $b$
      BEGIN PERFORM public.planted_seen(%L); RETURN; END $b$$f$,
      f, 'function ' || f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION public.%s TO PUBLIC', regexp_replace(f, ' RETURNS .*$', ''));
  END LOOP;
EXCEPTION WHEN others THEN
  RAISE EXCEPTION 'planting % failed: %', f, SQLERRM;
END
$plant$;
SQL
# (functions returning a value need RETURN <value>; plant those separately)
"${PSQL[@]}" -d $planted >/dev/null <<'SQL'
DO $plant$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
      ('network_edges_sql(bigint)', 'text', '''SELECT 1'''),
      ('active_network_id()', 'bigint', '1'),
      ('srid()', 'integer', '3006'),
      ('_staging_personal_number(text)', 'text', '''x'''),
      ('personal_number_normalize(text, date)', 'text', '''x'''),
      ('local_point(geometry, text)', 'geometry', 'NULL'),
      ('seeded_random(bigint, text, bigint)', 'float8', '0'),
      ('st_length(integer)', 'float8', '0'), ('st_x(integer)', 'float8', '0'), ('st_distance(integer, integer)', 'float8', '0'),
      ('st_makepoint(integer, integer)', 'geometry', 'NULL'), ('st_transform(geometry, bigint)', 'geometry', 'NULL'),
      ('round(double precision)', 'float8', '0'), ('sqrt(double precision)', 'float8', '0'),
      ('format(text, bigint)', 'text', '''x'''),
      ('array_to_string(text[], text)', 'text', '''x'''), ('array_position(text[], text)', 'integer', '1'),
      ('to_char(date, text)', 'text', '''x'''), ('date_trunc(text, date)', 'timestamp', 'NULL'),
      ('array_append(double precision[], double precision)', 'double precision[]', '''{}'''),
      ('array_append(text[], text)', 'text[]', '''{}'''),
      ('jsonb_build_object(text, bigint)', 'jsonb', '''{}''')) v(sig, ret, val)
  LOOP
    IF pg_catalog.to_regprocedure('public.' || r.sig) IS NOT NULL THEN
      RAISE EXCEPTION 'public.% exists already: plant another signature', r.sig;
    END IF;
    EXECUTE format($f$CREATE FUNCTION public.%s RETURNS %s LANGUAGE plpgsql AS $b$
      BEGIN PERFORM public.planted_seen(%L); RETURN %s; END $b$$f$, r.sig, r.ret, 'function ' || r.sig, r.val);
    EXECUTE format('GRANT EXECUTE ON FUNCTION public.%s TO PUBLIC', r.sig);
  END LOOP;
END
$plant$;
CREATE FUNCTION public.planted_eq(bigint, integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.planted_seen('operator public.=(bigint, integer)'); RETURN true; END $$;
CREATE OPERATOR public.= (leftarg = bigint, rightarg = integer, function = public.planted_eq);
CREATE FUNCTION public.planted_count(bigint, bigint) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM public.planted_seen('aggregate public.count(bigint)'); RETURN 0; END $$;
CREATE AGGREGATE public.count(bigint) (sfunc = public.planted_count, stype = bigint, initcond = '0');
CREATE DOMAIN public.int8 AS integer;
CREATE DOMAIN public.float8 AS integer;
CREATE DOMAIN public.text AS integer;
CREATE DOMAIN public.school_form AS integer;
SQL

# ---- the jobs, as skolval_admin (the same in both databases) --------------------------------
jobs() {
    "${PSQL[@]}" -d "$1" <<'SQL'
SET client_min_messages = error;
SET ROLE skolval_admin;
-- the admin's own pg_temp holds tables of the old temp names, with the same triggers
DO $plant$
DECLARE
  n text;
BEGIN
  IF pg_catalog.to_regclass('public.planted_log') IS NULL THEN
    RETURN;
  END IF;
  FOREACH n IN ARRAY ARRAY['_sv_load', '_sv_component', '_sv_homes', '_sv_units', '_sv_all_pairs', '_sv_snap_todo',
                           '_sv_pairs', '_sv_pts', '_sv_walk', '_sv_issue', '_sv_sibling', '_sv_enrollment',
                           '_sv_wish', '_demo_slot', 'edge', 'unit', 'snap']
  LOOP
    EXECUTE format('CREATE TEMP TABLE %I (id bigint, residence_id bigint, unit_id bigint, child_id bigint, point_kind text,
                      ref_id bigint, pt geometry, pid bigint, edge_id bigint, fraction float8, snap_m float8, walking_m float8)', n);
    EXECUTE format('INSERT INTO pg_temp.%I (id) VALUES (1)', n);
    EXECUTE format('CREATE TRIGGER planted BEFORE INSERT OR UPDATE OR DELETE ON pg_temp.%I FOR EACH ROW EXECUTE FUNCTION public.planted_fire()', n);
  END LOOP;
  CREATE DOMAIN pg_temp.text AS integer;
  CREATE DOMAIN pg_temp.int8 AS text;
  CREATE DOMAIN pg_temp.float8 AS text;
END
$plant$;
SELECT 'distances', children, units, pairs, pairs_computed, ok, unreachable, off_network, no_home
  FROM skolval.compute_distances(1, radius_m => 1500);
SELECT 'network', edge_count, vertex_count, round(total_length_m), dropped_edge_count, content_hash, is_active
  FROM skolval.network_load('copy', 'test',
         'SELECT edge_id AS id, source, target, geom, kind, name FROM skolval.edge WHERE network_id = 1', false);
SELECT skolval.staging_clear();
INSERT INTO skolval.staging_district (district_code, name, administration) VALUES ('05', 'Nyby', 'Förvaltning Nyby');
INSERT INTO skolval.staging_residence (personal_number, given_name, family_name, municipality_code, address, district_code,
                                       east, north, valid_from)
SELECT substr(pn, 3, 6) || '-' || substr(pn, 9, 4), 'Ny', 'Barn', '9999', 'Nygatan ' || i, '05',
       (round(ST_X(h.home)) + i)::text, round(ST_Y(h.home))::text, '2021-06-01'
  FROM generate_series(1, 3) i
 CROSS JOIN LATERAL (SELECT skolval.personal_number_make(date '2021-06-01', 700 + i) AS pn) n
 CROSS JOIN LATERAL (SELECT r.home FROM skolval.residence r WHERE r.home IS NOT NULL ORDER BY r.residence_id LIMIT 1) h;
INSERT INTO skolval.staging_wish (round_name, personal_number, rank, unit_code)
SELECT 'Förskoleklass HT2027', substr(pn, 3, 6) || '-' || substr(pn, 9, 4), '1',
       (SELECT u.unit_code FROM skolval.unit u WHERE 'forskoleklass' = ANY (u.school_forms) ORDER BY u.unit_id LIMIT 1)
  FROM generate_series(1, 3) i CROSS JOIN LATERAL (SELECT skolval.personal_number_make(date '2021-06-01', 700 + i) AS pn) n;
SELECT 'staging problems', count(*) FROM skolval.staging_merge();
SELECT 'nightly', round_id, pairs, pairs_computed, open_issues FROM skolval.nightly(date '2026-10-02');
SELECT 'distances again', children, units, pairs, pairs_computed, ok FROM skolval.compute_distances(1, full_refresh => true);
RESET ROLE;
-- what the jobs wrote
SELECT 'distance', count(*), md5(string_agg(concat_ws(',', network_id, residence_id, unit_id, child_id, status, walking_m, straight_m), ';'
         ORDER BY network_id, residence_id, unit_id)) FROM skolval.distance;
SELECT 'snap', count(*), md5(string_agg(concat_ws(',', network_id, point_kind, ref_id, edge_id, fraction, snap_m), ';'
         ORDER BY network_id, point_kind, ref_id)) FROM skolval.snap;
SELECT 'issues', count(*), md5(string_agg(concat_ws(',', category, child_id, unit_id, message, resolved_at IS NULL), ';'
         ORDER BY category, child_id, unit_id)) FROM skolval.data_issue;
SELECT 'register', (SELECT count(*) FROM skolval.child), (SELECT count(*) FROM skolval.residence),
       (SELECT count(*) FROM skolval.district), (SELECT count(*) FROM skolval.wish),
       (SELECT md5(string_agg(concat_ws(',', c.personal_number, r.address, r.district_code, ST_AsText(r.home)), ';' ORDER BY c.personal_number, r.valid_from))
          FROM skolval.residence r JOIN skolval.child c USING (child_id));
SELECT 'job_run', count(*) FROM skolval.job_run;
SELECT 'staged', count(*), count(w.*) FROM skolval.residence r LEFT JOIN skolval.wish w USING (child_id) WHERE r.district_code = '05';
SQL
}
out_clean=$(jobs $clean)
out_planted=$(jobs $planted)
echo "$out_planted"
[ "$out_clean" = "$out_planted" ] || { diff <(echo "$out_clean") <(echo "$out_planted"); fail "the jobs' results differ with look-alikes planted"; }
echo "ok: compute_distances, network_load, staging_merge and nightly give the same results with look-alikes planted"
grep -q '^staging problems|0$' <<<"$out_planted" || fail "the staged extract did not load"
grep -q '^staged|3|3$' <<<"$out_planted" || fail "the staged children are not in the register with their district and wish"

# ---- the demo, as the extension's owner ------------------------------------------------------
demo_fp() {
    "${PSQL[@]}" -d "$1" <<'SQL'
SET client_min_messages = warning;
SELECT string_agg(item || '=' || value, ' ' ORDER BY item) FROM skolval.demo_municipality(children => 200, seed => 9, network_edges => 3000, replace => true);
SELECT md5(string_agg(concat_ws(',', u.unit_code, u.name, ST_AsText(u.location)), ';' ORDER BY u.unit_id)) FROM skolval.unit u;
SELECT md5(string_agg(concat_ws(',', c.personal_number, c.given_name, r.address, ST_AsText(r.home), r.valid_from), ';' ORDER BY c.child_id, r.valid_from))
  FROM skolval.child c JOIN skolval.residence r USING (child_id);
SELECT md5(string_agg(concat_ws(',', w.child_id, w.rank, w.unit_id, w.sibling_claim), ';' ORDER BY w.child_id, w.rank)) FROM skolval.wish w;
SQL
}
[ "$(demo_fp $clean)" = "$(demo_fp $planted)" ] || fail "the example municipality differs with look-alikes planted"
echo "ok: demo_municipality gives the same municipality with look-alikes planted"

# ---- nothing planted ran ---------------------------------------------------------------------
ran=$("${PSQL[@]}" -d $planted -c "SELECT count(*) || coalesce(': ' || string_agg(DISTINCT who || ' ' || what, '; '), '') FROM public.planted_log")
assert_eq "planted code that ran" "0" "$ran"

# ---- a scratch table of a job's own name in pg_temp: the job refuses, nothing runs ------------
refuse() {
    "${PSQL[@]}" -d $planted -v ON_ERROR_STOP=0 2>&1 <<SQL
SET ROLE skolval_admin;
CREATE TEMP TABLE $1 (id bigint);
CREATE TRIGGER planted BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pg_temp.$1 FOR EACH STATEMENT EXECUTE FUNCTION public.planted_fire();
\set VERBOSITY sqlstate
$2;
SQL
}
for case in "_sv_dist_pairs|SELECT * FROM skolval.compute_distances(1)" \
            "_sv_route_points|SELECT * FROM skolval._route_pairs(1, '{1}', '{1}')" \
            "_sv_network_load|SELECT * FROM skolval.network_load('x', 'test', 'SELECT edge_id AS id, source, target, geom FROM skolval.edge')" \
            "_demo_unit|SELECT * FROM skolval.demo_municipality(children => 50, network_edges => 500, replace => true)"; do
    t=${case%%|*}; q=${case#*|}
    got=$(refuse "$t" "$q" | tr -d '\n')
    [[ $got == *42P07* ]] || fail "with pg_temp.$t planted, '$q' did not refuse with 42P07: $got"
    echo "ok: pg_temp.$t planted: refused with 42P07"
done
ran=$("${PSQL[@]}" -d $planted -c "SELECT count(*) FROM public.planted_log")
assert_eq "planted code that ran after the refusals" "0" "$ran"

#!/usr/bin/env bash
# Nothing planted in public or pg_temp runs inside allocate() (SECURITY DEFINER, so anything it
# ran would run as the extension's owner), and the results do not change.
#
# An analyst and an admin who may create objects in public (as 0.2.0's attack assumed) plant
# look-alikes of every name allocate() used to use or uses now: the session tables of 0.2.0
# (_sv_app, ...) as tables with triggers; every skolval relation allocate() reads or writes as
# a view in public and a temporary view in pg_temp whose rows call a logging function; and
# functions and operators (lower, btrim, unnest, md5, format, now, seeded_random, st_dwithin with
# an integer distance, =, <=) in public and pg_temp. Every planted function records
# current_user. Then the analyst makes what-if runs and the admin a real run: nothing is
# recorded, and the runs equal the runs made before anything was planted, row for row.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scratch_db skolval_test_placement_trust
db=skolval_test_placement_trust
q() { "${PSQL[@]}" -d "$db" "$@"; }
analyst=skolval_trust_analyst
admin=skolval_trust_admin

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 300, seed => 3, network_edges => 3000)" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" >/dev/null
for r in $analyst $admin; do
    q -c "DROP ROLE IF EXISTS $r" 2>/dev/null || true
done
q <<SQL
CREATE ROLE $analyst LOGIN IN ROLE skolval_analyst;
CREATE ROLE $admin LOGIN IN ROLE skolval_admin;
GRANT CREATE ON SCHEMA public TO $analyst, $admin;
CREATE TABLE public.planted_log (who text, what text, at timestamptz DEFAULT now());
GRANT INSERT, SELECT ON public.planted_log TO PUBLIC;
SQL
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true; for r in '"$analyst $admin"'; do "${PSQL[@]}" -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true; done' EXIT

# Reference runs, before anything is planted.
q -c "SET client_min_messages = warning" \
  -c "SELECT run_id FROM skolval.allocate(1, what_if => true)" \
  -c "SELECT run_id FROM skolval.allocate(1, 'immediate_acceptance', 'nearest_free', what_if => true)" \
  -c "SELECT run_id FROM skolval.allocate(1)" >/dev/null

relations="placement_round round_cohort round_home round_capacity wish unit distance residence sibling sibling_pair
           enrollment network data_issue placement_run placement placement_wish placement_unit child_nearest_unit
           child settings"
session_tables="_sv_app _sv_near _sv_child _sv_unit _sv_match _sv_cand _sv_admin _sv_final _sv_json_problem _sv_json_map"

# plant SCHEMA: the schema's look-alikes (public: persistent; pg_temp: for this session).
plant() {
    local s=$1
    echo "CREATE FUNCTION $s.planted(what text) RETURNS boolean LANGUAGE plpgsql AS \$f\$
          BEGIN INSERT INTO public.planted_log (who, what) VALUES (current_user, what); RETURN true; END \$f\$;"
    echo "CREATE FUNCTION $s.planted_trigger() RETURNS trigger LANGUAGE plpgsql AS \$f\$
          BEGIN PERFORM $s.planted(TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME || ' ' || TG_OP); RETURN NULL; END \$f\$;"
    for t in $session_tables; do
        echo "CREATE TABLE $s.$t (child_id bigint, unit_id bigint, key double precision[]);"
        echo "CREATE TRIGGER planted AFTER INSERT OR UPDATE OR DELETE ON $s.$t FOR EACH STATEMENT EXECUTE FUNCTION $s.planted_trigger();"
    done
    for t in $relations; do
        echo "CREATE VIEW $s.$t AS SELECT 1::bigint AS round_id, 1::bigint AS child_id, 1::bigint AS unit_id WHERE $s.planted('$s.$t read');"
    done
    echo "CREATE FUNCTION $s.lower(text) RETURNS text LANGUAGE sql AS \$f\$ SELECT CASE WHEN $s.planted('$s.lower') THEN \$1 END \$f\$;"
    echo "CREATE FUNCTION $s.btrim(text) RETURNS text LANGUAGE sql AS \$f\$ SELECT CASE WHEN $s.planted('$s.btrim') THEN \$1 END \$f\$;"
    echo "CREATE FUNCTION $s.md5(text) RETURNS text LANGUAGE sql AS \$f\$ SELECT CASE WHEN $s.planted('$s.md5') THEN \$1 END \$f\$;"
    echo "CREATE FUNCTION $s.now() RETURNS timestamptz LANGUAGE sql AS \$f\$ SELECT CASE WHEN $s.planted('$s.now') THEN pg_catalog.now() END \$f\$;"
    echo "CREATE FUNCTION $s.format(text, bigint, bigint, date) RETURNS text LANGUAGE sql AS \$f\$ SELECT CASE WHEN $s.planted('$s.format') THEN \$1 END \$f\$;"
    echo "CREATE FUNCTION $s.unnest(bigint[]) RETURNS SETOF bigint LANGUAGE sql AS \$f\$ SELECT x FROM pg_catalog.unnest(\$1) x WHERE $s.planted('$s.unnest') \$f\$;"
    echo "CREATE FUNCTION $s.seeded_random(bigint, text, bigint) RETURNS double precision LANGUAGE sql AS \$f\$ SELECT CASE WHEN $s.planted('$s.seeded_random') THEN 0.5::float8 END \$f\$;"
    echo "CREATE FUNCTION $s.jsonb_build_object(text, smallint) RETURNS jsonb LANGUAGE sql AS \$f\$ SELECT CASE WHEN $s.planted('$s.jsonb_build_object') THEN '{}'::jsonb END \$f\$;"
    echo "CREATE FUNCTION $s.st_dwithin(geometry, geometry, integer) RETURNS boolean LANGUAGE sql AS \$f\$ SELECT $s.planted('$s.st_dwithin') \$f\$;"
    echo "CREATE FUNCTION $s.planted_eq(bigint, bigint) RETURNS boolean LANGUAGE sql AS \$f\$ SELECT $s.planted('$s.=') AND \$1 OPERATOR(pg_catalog.=) \$2 \$f\$;"
    echo "CREATE FUNCTION $s.planted_le(date, date) RETURNS boolean LANGUAGE sql AS \$f\$ SELECT $s.planted('$s.<=') AND \$1 OPERATOR(pg_catalog.<=) \$2 \$f\$;"
}
plant_operators() {
    # Operators cannot live in pg_temp; these are in public.
    echo "CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.planted_eq);"
    echo "CREATE OPERATOR public.<= (LEFTARG = date, RIGHTARG = date, FUNCTION = public.planted_le);"
}
# Temp look-alikes of the types the SQL names (a domain over integer named text, ...).
plant_types() {
    echo "CREATE DOMAIN pg_temp.text AS integer; CREATE DOMAIN pg_temp.int8 AS integer; CREATE DOMAIN pg_temp.float8 AS integer;"
}

{ plant public; plant_operators; } | "${PSQL[@]}" -d "$db" -U $analyst >/dev/null
assert_eq "planting in public recorded nothing yet" 0 "$(q -c "SELECT count(*) FROM public.planted_log")"

# The analyst, with its own pg_temp look-alikes, makes the two what-if runs.
{ plant pg_temp; plant_types
  echo "SET client_min_messages = warning;"
  echo "SELECT run_id FROM skolval.allocate(1, what_if => true);"
  echo "SELECT run_id FROM skolval.allocate(1, 'immediate_acceptance', 'nearest_free', what_if => true);"
} | "${PSQL[@]}" -d "$db" -U $analyst >/dev/null
# The admin, with its own, the real run.
{ plant pg_temp; plant_types
  echo "SET client_min_messages = warning;"
  echo "SELECT run_id FROM skolval.allocate(1);"
} | "${PSQL[@]}" -d "$db" -U $admin >/dev/null

assert_eq "planted functions, triggers and views run inside allocate()" "" \
    "$(q -c "SELECT string_agg(DISTINCT who || ': ' || what, '; ') FROM public.planted_log")"
# The planting itself worked: an unqualified call in the attacker's own session reaches it.
"${PSQL[@]}" -d "$db" -U $analyst -c "SELECT count(*) FROM distance" >/dev/null
assert_eq "the look-alikes are live (a plain query of the analyst's reads public.distance)" 1 \
    "$(q -c "SELECT count(*) FROM public.planted_log WHERE what = 'public.distance read'")"

assert_eq "runs: 3 before, 3 after planting, made by whom" \
    "postgres,postgres,postgres,$analyst,$analyst,$admin" \
    "$(q -c "SELECT string_agg(created_by, ',' ORDER BY run_id) FROM skolval.placement_run")"
# Run n (after planting) equals run n - 3 (before), every column but ids and timings.
for t in placement placement_wish placement_unit; do
    case $t in
        placement) cols="child_id, unit_id, kind, wish_rank, walking_m, decisive_criterion, lottery_number, decision_sv, motivation_sv, explanation" ;;
        placement_wish) cols="child_id, rank, unit_id, implicit, outcome, decisive_criterion, child_values, cutoff_values, explanation_sv" ;;
        placement_unit) cols="unit_id, seats, applicants, first_choice_applicants, admitted, placed, oversubscribed, cutoff_child_id, cutoff_values, cutoff_sv" ;;
    esac
    assert_eq "$t: rows of the runs after planting that differ from those before" 0 \
        "$(q -c "SELECT count(*) FROM (
                   (SELECT run_id - 3 AS r, $cols FROM skolval.$t WHERE run_id > 3
                    EXCEPT SELECT run_id, $cols FROM skolval.$t WHERE run_id <= 3)
                   UNION ALL
                   (SELECT run_id, $cols FROM skolval.$t WHERE run_id <= 3
                    EXCEPT SELECT run_id - 3, $cols FROM skolval.$t WHERE run_id > 3)) d")"
    [ "$(q -c "SELECT count(*) FROM skolval.$t WHERE run_id > 3")" -gt 0 ] || fail "no $t rows after planting"
done
assert_eq "the runs' inputs were the same (fingerprints)" 3 \
    "$(q -c "SELECT count(*) FROM skolval.placement_run a JOIN skolval.placement_run b ON b.run_id = a.run_id + 3 AND b.input_fingerprint = a.input_fingerprint")"

#!/usr/bin/env bash
# allocate() of this version gives exactly the results of the frozen 0.2.0 release.
#
# For each seed: a database gets skolval 0.2.0 (sql/versions/skolval--0.2.0.sql) and the example
# municipality, and allocates its round with every mechanism and administrative policy, under
# two configurations (the demo's criteria and seats; then other criteria without the lottery,
# another near-home distance and a popular unit without seats). Then ALTER EXTENSION UPDATE
# and the same runs again with this version's allocate(). Every column of placement_run,
# placement, placement_wish and placement_unit except the run id and the timings must be
# equal, row for row.
#
#   SKOLVAL_IDENTICAL_SEEDS="1 2" SKOLVAL_IDENTICAL_CHILDREN=1500 bash test/scripts/placement_identical.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
seeds=${SKOLVAL_IDENTICAL_SEEDS:-1 2}
children=${SKOLVAL_IDENTICAL_CHILDREN:-1500}
db=skolval_test_identical
out=$(mktemp -d)
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
q() { "${PSQL[@]}" -d "$db" "$@"; }

# The runs, in order: mechanism, admin_policy, what_if.
runs="deferred_acceptance min_cost false
deferred_acceptance nearest_free false
deferred_acceptance min_cost true
immediate_acceptance min_cost true
immediate_acceptance nearest_free true
top_trading_cycles min_cost true
top_trading_cycles nearest_free true"

allocate_all() {
    while read -r mech policy wi; do
        q -c "SET client_min_messages = warning" \
          -c "SELECT run_id FROM skolval.allocate(1, '$mech', '$policy', $wi)" >/dev/null
    done <<<"$runs"
}

# Configuration 2: other criteria (no lottery among them, so it is appended to the key), a
# shorter near-home distance, and the most wished unit without seats (its seats moved to the
# least wished one, so that every child still has a seat somewhere).
config2() {
    q <<'SQL'
UPDATE skolval.placement_round SET criteria = '{distance,sibling,relative_proximity,near_home}',
       near_home_distance_m = 1500 WHERE round_id = 1;
WITH pop AS (SELECT w.unit_id, count(*) AS n FROM skolval.wish w JOIN skolval.round_capacity c USING (round_id, unit_id)
              WHERE w.round_id = 1 GROUP BY 1),
     top AS (SELECT unit_id FROM pop ORDER BY n DESC, unit_id LIMIT 1),
     bottom AS (SELECT unit_id FROM pop ORDER BY n, unit_id LIMIT 1),
     moved AS (SELECT c.seats FROM skolval.round_capacity c JOIN top USING (unit_id) WHERE c.round_id = 1)
UPDATE skolval.round_capacity c
   SET seats = CASE WHEN c.unit_id = (SELECT unit_id FROM top) THEN 0 ELSE c.seats + (SELECT seats FROM moved) END
 WHERE c.round_id = 1 AND c.unit_id IN (SELECT unit_id FROM top UNION SELECT unit_id FROM bottom);
SQL
}
config1() {
    q -c "UPDATE skolval.placement_round r SET criteria = s.criteria, near_home_distance_m = s.near_home_distance_m FROM saved_round s WHERE r.round_id = 1" \
      -c "UPDATE skolval.round_capacity c SET seats = s.seats FROM saved_capacity s WHERE s.unit_id = c.unit_id AND c.round_id = 1"
}

# Every stored column but ids and timings, one file per table; runs numbered in order.
dump() {
    local tag=$1 from=$2
    q <<SQL
CREATE TEMP VIEW r AS SELECT run_id, row_number() OVER (ORDER BY run_id) AS n FROM skolval.placement_run WHERE run_id > $from;
\o $out/$tag.run
SELECT r.n, x.round_id, x.mechanism, x.admin_policy, x.what_if, x.criteria, x.lottery_seed, x.near_home_distance_m,
       x.network_id, x.network_hash, x.input_fingerprint, x.status, x.children, x.by_wish, x.first_choice,
       x.near_home_offer, x.administrative, x.total_walking_m, x.created_by, x.published_by
  FROM skolval.placement_run x JOIN r USING (run_id) ORDER BY r.n;
\o $out/$tag.placement
SELECT r.n, x.child_id, x.unit_id, x.kind, x.wish_rank, x.walking_m, x.decisive_criterion, x.lottery_number,
       x.decision_sv, x.motivation_sv, x.explanation
  FROM skolval.placement x JOIN r USING (run_id) ORDER BY r.n, x.child_id;
\o $out/$tag.wish
SELECT r.n, x.child_id, x.rank, x.unit_id, x.implicit, x.outcome, x.decisive_criterion, x.child_values,
       x.cutoff_values, x.explanation_sv
  FROM skolval.placement_wish x JOIN r USING (run_id) ORDER BY r.n, x.child_id, x.rank;
\o $out/$tag.unit
SELECT r.n, x.unit_id, x.seats, x.applicants, x.first_choice_applicants, x.admitted, x.placed, x.oversubscribed,
       x.cutoff_child_id, x.cutoff_values, x.cutoff_sv
  FROM skolval.placement_unit x JOIN r USING (run_id) ORDER BY r.n, x.unit_id;
\o
SQL
}

for seed in $seeds; do
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    createdb "$db"
    q -c "SET client_min_messages = warning" -c "CREATE EXTENSION skolval VERSION '0.2.0' CASCADE"
    q -c "SET client_min_messages = warning" \
      -c "SELECT count(*) FROM skolval.demo_municipality(children => $children, seed => $seed)" \
      -c "SELECT count(*) FROM skolval.compute_distances(1)" \
      -c "CREATE TABLE saved_capacity AS SELECT unit_id, seats FROM skolval.round_capacity WHERE round_id = 1" \
      -c "CREATE TABLE saved_round AS SELECT criteria, near_home_distance_m FROM skolval.placement_round WHERE round_id = 1" >/dev/null
    allocate_all; config2; allocate_all
    n_old=$(q -c "SELECT max(run_id) FROM skolval.placement_run")
    dump old 0

    q -c "SET client_min_messages = warning" -c "ALTER EXTENSION skolval UPDATE"
    assert_eq "seed $seed: extension version after the update" \
        "$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$SKOLVAL_ROOT/skolval.control")" \
        "$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'skolval'")"
    # This version's allocate() is the C one: no SQL helper of 0.2.0 is left.
    assert_eq "seed $seed: allocate() calls the C run, 0.2.0's helpers are gone" "1|0" \
        "$(q -c "SELECT count(*) FILTER (WHERE proname = '_allocate_run') || '|' || count(*) FILTER (WHERE proname IN ('_placement_store', '_placement_applications')) FROM pg_proc WHERE pronamespace = 'skolval'::regnamespace")"
    config1; allocate_all; config2; allocate_all
    dump new "$n_old"

    for t in run placement wish unit; do
        rows=$(wc -l <"$out/old.$t")
        [ "$rows" -gt 0 ] || fail "seed $seed: no $t rows"
        if ! cmp -s "$out/old.$t" "$out/new.$t"; then
            diff "$out/old.$t" "$out/new.$t" | head -n 20
            fail "seed $seed: $t rows differ between 0.2.0 and this version"
        fi
        echo "ok: seed $seed, $children children: $rows $t rows identical to 0.2.0's"
    done
    # The comparison covers what it should: administrative placements, rejected wishes with
    # a cut-off, a unit without seats, earlier-round rejections (immediate acceptance).
    assert_eq "seed $seed: runs compared" 14 "$(wc -l <"$out/old.run")"
    q -At -c "SELECT count(*) FILTER (WHERE kind = 'administrative') > 0, count(*) FILTER (WHERE kind = 'near_home_offer') > 0 FROM skolval.placement" | grep -qx 't|t' \
        || fail "seed $seed: no administrative placements or near-home offers to compare"
    q -At -c "SELECT count(DISTINCT decisive_criterion) >= 4, bool_or(explanation_sv LIKE '%inga platser%'), bool_or(decisive_criterion = 'earlier_round') FROM skolval.placement_wish" | grep -qx 't|t|t' \
        || fail "seed $seed: the wishes compared lack some kind of outcome"
done

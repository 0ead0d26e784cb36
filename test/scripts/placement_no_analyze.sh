#!/usr/bin/env bash
# allocate() does not depend on planner statistics: a round allocated right after loading,
# with every skolval table's statistics removed (as after a copy-in that no ANALYZE has
# followed: no pg_statistic rows, reltuples unknown, autovacuum off), finishes quickly and gives
# exactly what it gives after ANALYZE. (0.2.0 took 267-330 s on such a round.)
#
#   SKOLVAL_NO_ANALYZE_CHILDREN=1500 SKOLVAL_NO_ANALYZE_LIMIT_MS=5000 bash test/scripts/placement_no_analyze.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
children=${SKOLVAL_NO_ANALYZE_CHILDREN:-1500}
limit_ms=${SKOLVAL_NO_ANALYZE_LIMIT_MS:-5000}
scratch_db skolval_test_no_analyze
db=skolval_test_no_analyze
q() { "${PSQL[@]}" -d "$db" "$@"; }

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => $children, seed => 4)" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" >/dev/null
# Forget every statistic of the extension's tables.
q <<'SQL'
DO $$
DECLARE t regclass;
BEGIN
  FOR t IN SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'skolval'::regnamespace AND c.relkind = 'r' LOOP
    EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false)', t);
  END LOOP;
END $$;
DELETE FROM pg_statistic s USING pg_class c WHERE c.oid = s.starelid AND c.relnamespace = 'skolval'::regnamespace;
UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0
 WHERE relnamespace = 'skolval'::regnamespace AND relkind IN ('r', 'i');
SQL
assert_eq "no statistics left on skolval's tables" 0 \
    "$(q -c "SELECT count(*) FROM pg_statistic s JOIN pg_class c ON c.oid = s.starelid WHERE c.relnamespace = 'skolval'::regnamespace")"
assert_eq "distance has never been analysed" "-1" \
    "$(q -c "SELECT reltuples::int FROM pg_class WHERE oid = 'skolval.distance'::regclass")"

t0=$(date +%s%3N)
q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1)" >/dev/null
ms=$(( $(date +%s%3N) - t0 ))
echo "ok: allocate() without statistics: $ms ms for $children children"
[ "$ms" -lt "$limit_ms" ] || fail "allocate() without statistics took $ms ms (limit $limit_ms ms)"

q -c "ANALYZE" >/dev/null
q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1)" >/dev/null
assert_eq "the run without statistics equals the run after ANALYZE (placements, wishes, units, fingerprint)" "0|0|0|true" \
    "$(q -c "SELECT (SELECT count(*) FROM (SELECT child_id, unit_id, kind, decision_sv, motivation_sv, explanation FROM skolval.placement WHERE run_id = 1
                                         EXCEPT SELECT child_id, unit_id, kind, decision_sv, motivation_sv, explanation FROM skolval.placement WHERE run_id = 2) d)
              || '|' || (SELECT count(*) FROM (SELECT child_id, rank, outcome, explanation_sv, child_values FROM skolval.placement_wish WHERE run_id = 1
                                         EXCEPT SELECT child_id, rank, outcome, explanation_sv, child_values FROM skolval.placement_wish WHERE run_id = 2) d)
              || '|' || (SELECT count(*) FROM (SELECT unit_id, admitted, cutoff_sv FROM skolval.placement_unit WHERE run_id = 1
                                         EXCEPT SELECT unit_id, admitted, cutoff_sv FROM skolval.placement_unit WHERE run_id = 2) d)
              || '|' || (SELECT count(DISTINCT input_fingerprint) = 1 FROM skolval.placement_run)")"

#!/usr/bin/env bash
# A backend killed (kill -9) in the middle of allocate(), while it is writing the run: the server
# recovers from the crash, no part of the run is visible (one complete earlier run, nothing else),
# and the next allocation succeeds with the same result as the earlier run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/server.bash"
require_private_cluster
scratch_db skolval_test_crash_allocate
db=skolval_test_crash_allocate
q() { "${PSQL[@]}" -d "$db" "$@"; }

children=${SKOLVAL_CRASH_CHILDREN:-3000}
t=$(now_ms)
q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => $children, seed => 2, network_edges => 20000, replace => true)" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" >/dev/null
echo "ok: example municipality with $children children and its distances ($(( $(now_ms) - t )) ms)"

# One complete run first.
t=$(now_ms)
q -c "SELECT run_id FROM skolval.allocate(1)" >/dev/null
alloc_ms=$(( $(now_ms) - t ))
echo "ok: a first allocation took $alloc_ms ms"

# The second allocation is killed once it holds the new run row (uncommitted).
before=$(checkpointer_start)
out=/tmp/skolval-crash-allocate.$$
q -c "SELECT run_id FROM skolval.allocate(1)" > "$out" 2>&1 &
bg=$!
started=$(now_ms)
pid=$(wait_for_writer "$db" "skolval.allocate(1)" skolval.placement_run) \
    || { kill $bg 2>/dev/null; fail "the second allocation never started writing its run"; }
in_run=$(( $(now_ms) - started ))
as_cluster_owner kill -9 "$pid"
killed=$(now_ms)
set +e; wait $bg; rc=$?; set -e
[ "$rc" != 0 ] || fail "the allocation finished before it was killed: $(cat "$out")"
grep -q "server closed the connection unexpectedly\|terminating connection" "$out" \
    || fail "the killed session did not lose its connection: $(cat "$out")"
rm -f "$out"
echo "ok: backend $pid killed with SIGKILL ${in_run} ms into the allocation, while writing its run"
wait_for_server
recovered=$(( $(now_ms) - killed ))
[ "$(checkpointer_start)" != "$before" ] || fail "the server did not go through crash recovery"
echo "ok: the server went through crash recovery and accepts connections again after $recovered ms"

# Nothing of the killed run is visible: one run, complete.
assert_eq "runs after the crash" 1 "$(q -c "SELECT count(*) FROM skolval.placement_run")"
assert_eq "the run is complete: placements, units, wishes" \
    "$children|$(q -c "SELECT count(*) FROM skolval.placement_unit WHERE run_id = 1")|$(q -c "SELECT count(*) FROM skolval.placement_wish WHERE run_id = 1")" \
    "$(q -c "SELECT (SELECT count(*) FROM skolval.placement) || '|' || (SELECT count(*) FROM skolval.placement_unit) || '|' || (SELECT count(*) FROM skolval.placement_wish)")"
assert_eq "placements agree with the run's summary" t \
    "$(q -c "SELECT r.children = (SELECT count(*) FROM skolval.placement p WHERE p.run_id = r.run_id)
               AND r.first_choice = (SELECT count(*) FROM skolval.placement p WHERE p.run_id = r.run_id AND p.wish_rank = 1)
               AND r.administrative = (SELECT count(*) FROM skolval.placement p WHERE p.run_id = r.run_id AND p.kind = 'administrative')
              FROM skolval.placement_run r")"
assert_eq "rows of runs that do not exist" 0 \
    "$(q -c "SELECT (SELECT count(*) FROM skolval.placement p WHERE NOT EXISTS (SELECT 1 FROM skolval.placement_run r WHERE r.run_id = p.run_id))
                  + (SELECT count(*) FROM skolval.placement_wish p WHERE NOT EXISTS (SELECT 1 FROM skolval.placement_run r WHERE r.run_id = p.run_id))
                  + (SELECT count(*) FROM skolval.placement_unit p WHERE NOT EXISTS (SELECT 1 FROM skolval.placement_run r WHERE r.run_id = p.run_id))")"
assert_eq "audit log: one allocate entry" 1 "$(q -c "SELECT count(*) FROM skolval.audit_log WHERE action = 'allocate'")"

# The next allocation succeeds, and gives the same placements as the first run.
t=$(now_ms)
run=$(q -c "SELECT run_id FROM skolval.allocate(1)")
echo "ok: the next allocation (run $run) succeeded in $(( $(now_ms) - t )) ms"
assert_eq "complete runs" "2|$((2 * children))" "$(q -c "SELECT count(*) || '|' || (SELECT count(*) FROM skolval.placement) FROM skolval.placement_run")"
assert_eq "same input fingerprint and placements as the first run" "true|0" \
    "$(q -c "SELECT (SELECT count(DISTINCT input_fingerprint) = 1 FROM skolval.placement_run) || '|' ||
                    (SELECT count(*) FROM skolval.placement a JOIN skolval.placement b ON b.child_id = a.child_id AND b.run_id = $run
                      WHERE a.run_id = 1 AND a.unit_id <> b.unit_id)")"

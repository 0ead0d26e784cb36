#!/usr/bin/env bash
# Two sessions allocating, or allocating and publishing, the same round: the second waits for
# the first (the round row lock); with a lock timeout it fails cleanly with 55P03 and writes
# nothing. Both runs that do finish are complete.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scratch_db skolval_test_locks
q() { "${PSQL[@]}" -d skolval_test_locks "$@"; }

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 120, seed => 7, network_edges => 1500)" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" >/dev/null

# Session A holds the round for three seconds inside its allocation's transaction.
q -c "BEGIN" -c "SELECT run_id FROM skolval.allocate(1)" -c "SELECT pg_sleep(3)" -c "COMMIT" > /tmp/skolval-lock-a.$$ 2>&1 &
a=$!
sleep 1
# Session B with a lock timeout: a clean error, nothing written.
b=$(q -c "SET lock_timeout = '500ms'" -c "SELECT run_id FROM skolval.allocate(1)" 2>&1 || true)
grep -q 'canceling statement due to lock timeout' <<<"$b" || fail "session B did not time out on the lock: $b"
echo "ok: a second allocation of the same round times out cleanly on the lock (55P03)"
# Session C waits, then allocates after A committed.
c=$(q -c "SELECT run_id FROM skolval.allocate(1)")
wait $a || fail "session A failed: $(cat /tmp/skolval-lock-a.$$)"
rm -f /tmp/skolval-lock-a.$$
assert_eq "session C got the next run" 2 "$c"
assert_eq "two complete runs, every child placed in each" "2|240" \
    "$(q -c "SELECT count(DISTINCT run_id) || '|' || count(*) FROM skolval.placement")"
# Publishing while another session allocates waits too, then sees the newer run.
q -c "BEGIN" -c "SELECT run_id FROM skolval.allocate(1)" -c "SELECT pg_sleep(2)" -c "COMMIT" >/dev/null 2>&1 &
a=$!
sleep 1
p=$(q -c "SELECT skolval.publish(2)" 2>&1 || true)
wait $a
grep -q 'is not the latest run' <<<"$p" || fail "publishing a run superseded meanwhile was not refused: $p"
echo "ok: publishing waited for the concurrent allocation and refused the superseded run"
assert_eq "published runs" 0 "$(q -c "SELECT count(*) FROM skolval.placement_run WHERE status = 'published'")"

# A what-if run never blocks a real run: an analyst's what-if allocation held open in its
# transaction, and an admin's real run (with a lock timeout) goes through; and the other way.
q -c "DROP ROLE IF EXISTS skolval_locks_analyst" >/dev/null 2>&1 || true
q -c "CREATE ROLE skolval_locks_analyst LOGIN IN ROLE skolval_analyst" >/dev/null
trap 'dropdb --if-exists skolval_test_locks >/dev/null 2>&1 || true; "${PSQL[@]}" -d postgres -c "DROP ROLE IF EXISTS skolval_locks_analyst" >/dev/null 2>&1 || true' EXIT
q -c "DELETE FROM skolval.placement_run WHERE what_if" >/dev/null
"${PSQL[@]}" -d skolval_test_locks -U skolval_locks_analyst -c "BEGIN" -c "SELECT run_id FROM skolval.allocate(1, what_if => true)" \
    -c "SELECT pg_sleep(4)" -c "COMMIT" > /tmp/skolval-lock-w.$$ 2>&1 &
w=$!
sleep 1.5
b=$(q -c "SET lock_timeout = '1s'" -c "SELECT what_if FROM skolval.allocate(1)" 2>&1 || true)
assert_eq "a real run while an analyst's what-if run is open" "f" "$b"
wait $w || fail "the what-if session failed: $(cat /tmp/skolval-lock-w.$$)"
rm -f /tmp/skolval-lock-w.$$
q -c "BEGIN" -c "SELECT run_id FROM skolval.allocate(1)" -c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null 2>&1 &
a=$!
sleep 1.5
b=$("${PSQL[@]}" -d skolval_test_locks -U skolval_locks_analyst -c "SET lock_timeout = '1s'" \
      -c "SELECT what_if FROM skolval.allocate(1, what_if => true)" 2>&1 || true)
assert_eq "a what-if run while a real run is open" "t" "$b"
wait $a
assert_eq "runs: five real, two what-if by the analyst, every child placed in each" "5|2|skolval_locks_analyst|true" \
    "$(q -c "SELECT count(*) FILTER (WHERE NOT what_if) || '|' || count(*) FILTER (WHERE what_if) || '|'
                    || string_agg(DISTINCT created_by, ',') FILTER (WHERE what_if) || '|'
                    || bool_and((SELECT count(*) FROM skolval.placement p WHERE p.run_id = r.run_id) = 120)
               FROM skolval.placement_run r")"

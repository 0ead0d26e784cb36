#!/usr/bin/env bash
# A backend killed (kill -9) in the middle of a payment run: it has written the run row, its
# payment rows and issues and the open-issue list, but not committed (the run is created inside
# a longer transaction, as a nightly job would). After crash recovery no part of it is visible:
# the month has its earlier locked run only, or no run at all; the next create_payment_run()
# succeeds and equals a run made without the crash.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/server.bash"
require_private_cluster
scratch_db skolval_test_crash_payments
db=skolval_test_crash_payments
q() { "${PSQL[@]}" -d "$db" "$@"; }

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 1500, seed => 3, network_edges => 5000, replace => true)" \
  -c "SELECT skolval.set_four_eyes(false, 'crash_payment_run: one login runs every step; four eyes has its own test')" \
  -c "SELECT count(*) FROM skolval.demo_payments()" >/dev/null
# September is paid and locked; October's run is the one that is killed.
q -c "SELECT skolval.lock_payment_run((skolval.approve_payment_run((skolval.create_payment_run('2026-09-01')).run_id)).run_id)" >/dev/null
expected=$(q -c "SELECT count(*) || '|' || sum(amount) FILTER (WHERE NOT held) FROM skolval.payment_rows('2026-10-01')")
issues_before=$(q -c "SELECT count(*) FROM skolval.data_issue")

before=$(checkpointer_start)
out=/tmp/skolval-crash-payments.$$
q -c "BEGIN" -c "SELECT run_id FROM skolval.create_payment_run('2026-10-01')" -c "SELECT pg_sleep(30)" -c "COMMIT" > "$out" 2>&1 &
bg=$!
pid=$(wait_for_writer "$db" "pg_sleep" skolval.payment_row) \
    || { kill $bg 2>/dev/null; fail "the payment run never started writing its rows"; }
written=$(q -c "SELECT count(*) FROM pg_locks WHERE pid = $pid AND relation = 'skolval.payment_issue'::regclass AND mode = 'RowExclusiveLock'")
assert_eq "the killed session had written rows and issues (uncommitted)" 1 "$written"
as_cluster_owner kill -9 "$pid"
killed=$(now_ms)
set +e; wait $bg; rc=$?; set -e
[ "$rc" != 0 ] || fail "the payment run committed before it was killed: $(cat "$out")"
rm -f "$out"
echo "ok: backend $pid killed with SIGKILL inside the payment run's transaction"
wait_for_server
[ "$(checkpointer_start)" != "$before" ] || fail "the server did not go through crash recovery"
echo "ok: the server went through crash recovery and accepts connections again after $(( $(now_ms) - killed )) ms"

assert_eq "runs after the crash: September only, locked" "2026-09-01 locked" \
    "$(q -c "SELECT string_agg(month || ' ' || status, ',') FROM skolval.payment_run")"
assert_eq "rows and issues of runs that do not exist" 0 \
    "$(q -c "SELECT (SELECT count(*) FROM skolval.payment_row p WHERE NOT EXISTS (SELECT 1 FROM skolval.payment_run r WHERE r.run_id = p.run_id))
                  + (SELECT count(*) FROM skolval.payment_issue p WHERE NOT EXISTS (SELECT 1 FROM skolval.payment_run r WHERE r.run_id = p.run_id))")"
assert_eq "the locked September run is whole" t \
    "$(q -c "SELECT r.rows = (SELECT count(*) FROM skolval.payment_row x WHERE x.run_id = r.run_id) FROM skolval.payment_run r")"
assert_eq "open-issue list as before the killed run" "$issues_before" "$(q -c "SELECT count(*) FROM skolval.data_issue")"
assert_eq "audit log: no create_payment_run entry for October" 0 \
    "$(q -c "SELECT count(*) FROM skolval.audit_log WHERE action = 'create_payment_run' AND new_row->>'month' = '2026-10-01'")"

# The next run succeeds and equals the what-if computation made before the crash.
run=$(q -c "SELECT run_id FROM skolval.create_payment_run('2026-10-01')")
assert_eq "October's run after the crash: rows and amount as computed before it" "$expected" \
    "$(q -c "SELECT count(*) || '|' || sum(amount) FILTER (WHERE NOT held) FROM skolval.payment_row WHERE run_id = $run AND corrects_month IS NULL")"

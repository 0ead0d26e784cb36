#!/usr/bin/env bash
# Two sessions on the same payment month: computations of a month are serialised (the second
# waits, or fails cleanly with 55P03 under a lock timeout, writing nothing); approve and lock of
# one run are serialised by its row lock, so a run is approved once and locked only after its
# approval is committed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scratch_db skolval_test_paylocks
q() { "${PSQL[@]}" -d skolval_test_paylocks "$@"; }

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 120, seed => 7, network_edges => 1500)" \
  -c "SELECT skolval.set_four_eyes(false, 'payment_concurrency: one login runs every step; four eyes has its own test')" \
  -c "SELECT count(*) FROM skolval.demo_payments()" >/dev/null
tmp=$(mktemp)
trap 'rm -f "$tmp"; dropdb --if-exists skolval_test_paylocks >/dev/null 2>&1 || true' EXIT

# Session A computes March and holds its transaction open for three seconds.
q -c "BEGIN" -c "SELECT run_id FROM skolval.create_payment_run('2026-03-01')" -c "SELECT pg_sleep(3)" -c "COMMIT" >"$tmp" 2>&1 &
a=$!
sleep 1
b=$(q -c "SET lock_timeout = '500ms'" -c "SELECT run_id FROM skolval.create_payment_run('2026-03-01')" 2>&1 || true)
grep -q 'canceling statement due to lock timeout' <<<"$b" || fail "a second computation of the month did not wait: $b"
echo "ok: a second computation of the same month times out cleanly on the lock (55P03)"
# Session C waits for A, then replaces A's draft.
c=$(q -c "SELECT run_id FROM skolval.create_payment_run('2026-03-01')")
wait $a || fail "session A failed: $(cat "$tmp")"
assert_eq "session C replaced the draft with the next run" 2 "$c"
assert_eq "one run for the month, with its rows" "1|true" \
    "$(q -c "SELECT count(*) || '|' || bool_and(r.rows > 0 AND r.rows = (SELECT count(*) FROM skolval.payment_row x WHERE x.run_id = r.run_id)) FROM skolval.payment_run r WHERE r.month = '2026-03-01'")"

# Approve in A, held open; B tries to lock meanwhile: it waits, then locks the approved run.
q -c "BEGIN" -c "SELECT status FROM skolval.approve_payment_run(2)" -c "SELECT pg_sleep(2)" -c "COMMIT" >"$tmp" 2>&1 &
a=$!
sleep 1
l=$(q -c "SELECT status FROM skolval.lock_payment_run(2)" 2>&1 || true)
wait $a || fail "approval failed: $(cat "$tmp")"
assert_eq "lock waited for the approval and then locked" locked "$l"
# Two approvals at once: one succeeds, the other is refused.
q -c "SELECT run_id FROM skolval.create_payment_run('2026-04-01')" >/dev/null
q -c "BEGIN" -c "SELECT status FROM skolval.approve_payment_run(3)" -c "SELECT pg_sleep(2)" -c "COMMIT" >"$tmp" 2>&1 &
a=$!
sleep 1
second=$(q -c "SELECT status FROM skolval.approve_payment_run(3)" 2>&1 || true)
wait $a
grep -q 'is already approved' <<<"$second" || fail "a concurrent second approval was not refused: $second"
echo "ok: of two concurrent approvals the second is refused after the first commits"
# Recomputing a month while its run is being locked: refused once the lock commits.
q -c "BEGIN" -c "SELECT status FROM skolval.lock_payment_run(3)" -c "SELECT pg_sleep(2)" -c "COMMIT" >"$tmp" 2>&1 &
a=$!
sleep 1
again=$(q -c "SELECT run_id FROM skolval.create_payment_run('2026-04-01')" 2>&1 || true)
wait $a
grep -q 'already locked' <<<"$again" || fail "recomputing a month being locked was not refused: $again"
echo "ok: a computation that waited for a concurrent lock is refused, the locked run untouched"
assert_eq "runs and their states" "2026-03-01 locked,2026-04-01 locked" \
    "$(q -c "SELECT string_agg(month || ' ' || status, ',' ORDER BY month) FROM skolval.payment_run")"

# Two drafts carrying the same correction, approved at once (correction window 2): April is
# paid, then found to differ; May's and June's drafts both correct April. May is approved in A,
# held open; June's approval in B waits for it (approvals are serialised), then computes June
# again, sees April's corrections paid by May and refuses the stale draft: nothing paid twice.
q -c "UPDATE skolval.payment_policy SET correction_window_months = 2" \
  -c "UPDATE skolval.enrollment SET valid_to = '2026-03-31' WHERE enrollment_id % 40 = 0 AND valid_from < '2026-03-31' AND (valid_to IS NULL OR valid_to > '2026-04-30')" >/dev/null
may=$(q -c "SELECT run_id FROM skolval.create_payment_run('2026-05-01')")
june=$(q -c "SELECT run_id FROM skolval.create_payment_run('2026-06-01')")
both=$(q -c "SELECT count(DISTINCT run_id) || '|' || (sum(amount) FILTER (WHERE run_id = $may) = sum(amount) FILTER (WHERE run_id = $june))
               FROM skolval.payment_row WHERE corrects_month = '2026-04-01' AND run_id IN ($may, $june)")
assert_eq "May's and June's drafts both carry the same corrections for April" "2|true" "$both"
q -c "BEGIN" -c "SELECT status FROM skolval.approve_payment_run($may)" -c "SELECT pg_sleep(2)" -c "COMMIT" >"$tmp" 2>&1 &
a=$!
sleep 1
second=$(q -c "SELECT status FROM skolval.approve_payment_run($june)" 2>&1 || true)
wait $a || fail "May's approval failed: $(cat "$tmp")"
grep -q 'is stale' <<<"$second" || fail "June's draft, approved while May's approval with the same corrections was open, was not refused: $second"
echo "ok: June's draft with April's corrections is refused as stale once May's approval (with them) commits"
june=$(q -c "SELECT run_id FROM skolval.create_payment_run('2026-06-01')")
assert_eq "June computed again carries no correction for April" 0 \
    "$(q -c "SELECT count(*) FROM skolval.payment_row WHERE run_id = $june AND corrects_month = '2026-04-01'")"
assert_eq "approved" approved "$(q -c "SELECT status FROM skolval.approve_payment_run($june)")"
assert_eq "April reconciles to nothing: each difference paid once" 0 \
    "$(q -c "SELECT count(*) FROM skolval.reconcile_payments('2026-04-01')")"

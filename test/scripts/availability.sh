#!/usr/bin/env bash
# No read-only role can block the admin's jobs (issue 11, item 10). The payment and distance
# jobs serialise on row locks in skolval.job_lock, not on advisory locks: a BI or analyst login
# holding the advisory lock keys the jobs used to take, holding its read locks in an open
# transaction, or trying to lock the job rows, does not make create_payment_run() or
# compute_distances() wait (both run with lock_timeout = 1 s while the other session holds on).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
db=skolval_test_availability
scratch_db $db
tmp=$(mktemp)
cleanup() {
    rm -f "$tmp"
    dropdb --if-exists $db >/dev/null 2>&1 || true
    "${PSQL[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS skolval_test_bi, skolval_test_analyst" >/dev/null 2>&1 || true
}
trap cleanup EXIT
q() { "${PSQL[@]}" -d $db "$@"; }
as() { local who=$1; shift; "${PSQL[@]}" -d $db -U "skolval_test_$who" -v VERBOSITY=verbose "$@"; }
expect_refused() {
    grep -q "$2" <<<"$3" || fail "$1: expected an error matching '$2', got: $3"
    echo "ok: $1 is refused ($(grep -o -m1 'ERROR: .*' <<<"$3" | cut -c8-110))"
}
"${PSQL[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS skolval_test_bi, skolval_test_analyst" \
    -c "CREATE ROLE skolval_test_bi LOGIN IN ROLE skolval_bi" -c "CREATE ROLE skolval_test_analyst LOGIN IN ROLE skolval_analyst" >/dev/null
as bi -c "SELECT 1" >/dev/null 2>&1 || skip "cannot log in as a new role here (pg_hba.conf)"
q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 60, seed => 5, network_edges => 800)" \
  -c "SELECT count(*) FROM skolval.demo_payments()" >/dev/null

assert_eq "no function of the extension takes an advisory lock" 0 \
    "$(q -c "SELECT count(*) FROM pg_proc WHERE pronamespace = 'skolval'::regnamespace AND prosrc ~* 'pg_advisory|pg_try_advisory'")"
# What a job's lock would need: UPDATE on skolval.job_lock (row locks), or a table lock stronger
# than ACCESS SHARE. Neither read-only role has it.
for who in bi analyst; do
    expect_refused "$who locking the job rows (FOR UPDATE)" "42501" "$(as $who -c "SELECT * FROM skolval.job_lock FOR UPDATE" 2>&1 || true)"
    expect_refused "$who locking the job rows (FOR KEY SHARE)" "42501" "$(as $who -c "SELECT * FROM skolval.job_lock FOR KEY SHARE" 2>&1 || true)"
    expect_refused "$who locking payment runs (FOR SHARE)" "42501" "$(as $who -c "SELECT run_id FROM skolval.payment_run FOR SHARE" 2>&1 || true)"
    for t in job_lock payment_run placement_round distance round_home; do
        expect_refused "$who taking a SHARE lock on $t" "42501" "$(as $who -c "BEGIN" -c "LOCK TABLE skolval.$t IN SHARE MODE" 2>&1 || true)"
    done
done

# BI holds the old advisory keys for five seconds (and, as the analyst, every read lock it can
# get); the admin's jobs do not wait.
month_key=$(q -c "SELECT date '2026-09-01' - date '2000-01-01'")
as bi -c "BEGIN" -c "SELECT pg_advisory_xact_lock(hashtext('skolval.payment_run'), $month_key)" \
      -c "SELECT pg_advisory_xact_lock(hashtext('skolval.compute_distances'), 1)" -c "SELECT pg_advisory_lock(hashtext('skolval.payment_run'), $month_key)" \
      -c "SELECT pg_sleep(5)" -c "COMMIT" >"$tmp" 2>&1 &
bi=$!
as analyst -c "BEGIN" -c "SELECT count(*) FROM skolval.job_lock" -c "SELECT count(*) FROM skolval.payment_run" \
      -c "SELECT count(*) FROM skolval.placement_round" -c "SELECT count(*) FROM skolval.distance" \
      -c "SELECT count(*) FROM skolval.round_home" -c "SELECT pg_sleep(5)" -c "COMMIT" >/dev/null 2>&1 &
an=$!
sleep 1
kill -0 $bi 2>/dev/null || fail "the BI session did not hold on: $(cat "$tmp")"
t0=$(date +%s%N)
d=$(q -c "SET client_min_messages = warning" -c "SET lock_timeout = '1s'" -c "SELECT pairs > 0 FROM skolval.compute_distances(1)")
p=$(q -c "SET lock_timeout = '1s'" -c "SELECT status FROM skolval.create_payment_run('2026-09-01')")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill -0 $bi 2>/dev/null || fail "the BI session ended before the jobs ran; the test proves nothing"
wait $bi || fail "the BI session failed: $(cat "$tmp")"
wait $an || true
assert_eq "compute_distances and create_payment_run ran while BI held the advisory keys and the analyst its read locks (${ms} ms)" "t|draft" "$d|$p"
# The job lock itself still serialises two admin runs of the same month.
q -c "BEGIN" -c "SELECT status FROM skolval.create_payment_run('2026-10-01')" -c "SELECT pg_sleep(2)" -c "COMMIT" >/dev/null 2>&1 &
a=$!
sleep 0.7
out=$(q -v VERBOSITY=verbose -c "SET lock_timeout = '300ms'" -c "SELECT status FROM skolval.create_payment_run('2026-10-01')" 2>&1 || true)
wait $a
expect_refused "a second computation of a month while the first is open (it waits on the job row)" "55P03" "$out"

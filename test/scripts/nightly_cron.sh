#!/usr/bin/env bash
# The nightly job under pg_cron: schedule skolval.nightly() for a database, wait for pg_cron to
# run it, and check cron.job_run_details, skolval.job_run and the distances it refreshed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
crondb=$("${PSQL[@]}" -d postgres -c "SELECT current_setting('cron.database_name', true)")
[ -n "$crondb" ] || skip "pg_cron is not preloaded on this server"
scratch_db skolval_test_cron
q() { "${PSQL[@]}" -d skolval_test_cron "$@"; }
c() { "${PSQL[@]}" -d "$crondb" "$@"; }

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 60, seed => 11, network_edges => 800)" >/dev/null
c -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pg_cron" \
  -c "CREATE EXTENSION IF NOT EXISTS skolval CASCADE" >/dev/null

# Without pg_cron in this database the helper says where to call it.
err=$(q -c "SELECT skolval.schedule_nightly()" 2>&1 || true)
grep -q "pg_cron is not installed in database skolval_test_cron" <<<"$err" || fail "expected a clear error, got: $err"
echo "ok: schedule_nightly() outside the pg_cron database says where to call it"

# (The pg_cron database may hold an older build of skolval, from an earlier demo; then schedule
# the same command by hand.)
if [ -n "$(c -c "SELECT to_regprocedure('skolval.schedule_nightly(text,text)')")" ]; then
    job=$(c -c "SELECT skolval.schedule_nightly('* * * * *', 'skolval_test_cron')")
else
    echo "note: $crondb has an older skolval; scheduling with cron.schedule_in_database directly"
    job=$(c -c "SELECT cron.schedule_in_database('skolval-nightly', '* * * * *', 'SELECT count(*) FROM skolval.nightly()', 'skolval_test_cron')")
fi
trap 'c -c "SELECT cron.unschedule($job)" >/dev/null 2>&1 || true; dropdb --if-exists skolval_test_cron >/dev/null 2>&1 || true' EXIT
echo "ok: scheduled as pg_cron job $job (every minute)"
for i in $(seq 1 40); do
    status=$(c -c "SELECT status FROM cron.job_run_details WHERE jobid = $job AND status IN ('succeeded', 'failed') ORDER BY runid DESC LIMIT 1")
    [ -n "$status" ] && break
    sleep 3
done
[ -n "$status" ] || fail "pg_cron did not run the job within two minutes"
assert_eq "cron.job_run_details status" succeeded "$status"
assert_eq "skolval.job_run rows for the nightly job" 1 "$(q -c "SELECT count(*) FROM skolval.job_run WHERE job = 'nightly'")"
assert_eq "distances the job computed (60 children x units)" t \
    "$(q -c "SELECT count(*) = 60 * (SELECT count(*) FROM skolval.unit WHERE 'forskoleklass' = ANY (school_forms::text[])) FROM skolval.distance")"

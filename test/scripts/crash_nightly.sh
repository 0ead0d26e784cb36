#!/usr/bin/env bash
# The server restarted (pg_ctl restart -m immediate: no shutdown checkpoint, crash recovery on
# start) in the middle of skolval.nightly(), while it is storing distances: nothing of the
# interrupted night is kept (no distances, no job_run row), and the next run completes and is
# recorded in skolval.job_run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/server.bash"
require_private_cluster
scratch_db skolval_test_crash_nightly
db=skolval_test_crash_nightly
q() { "${PSQL[@]}" -d "$db" "$@"; }

children=${SKOLVAL_CRASH_CHILDREN:-3000}
t=$(now_ms)
q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => $children, seed => 2, network_edges => 20000, replace => true)" >/dev/null
units=$(q -c "SELECT count(*) FROM skolval.unit WHERE 'forskoleklass' = ANY (school_forms::text[])")
echo "ok: example municipality with $children children and $units förskoleklass units ($(( $(now_ms) - t )) ms); no distances yet"

# The nightly job measures every pair; restart the server once it is storing them.
before=$(checkpointer_start)
out=/tmp/skolval-crash-nightly.$$
q -c "SET client_min_messages = warning" -c "SELECT count(*) FROM skolval.nightly()" > "$out" 2>&1 &
bg=$!
started=$(now_ms)
pid=$(wait_for_writer "$db" "skolval.nightly()" skolval.distance) \
    || { kill $bg 2>/dev/null; fail "the nightly job never started storing distances"; }
in_job=$(( $(now_ms) - started ))
restart_started=$(now_ms)
as_cluster_owner "$SERVER_BIN/pg_ctl" -D "$DATADIR" -m immediate -w -t 120 -l "$SERVER_LOG" restart >/dev/null \
    || fail "pg_ctl restart -m immediate failed"
set +e; wait $bg; rc=$?; set -e
[ "$rc" != 0 ] || fail "the nightly job finished before the restart: $(cat "$out")"
rm -f "$out"
wait_for_server
restarted=$(( $(now_ms) - restart_started ))
[ "$(checkpointer_start)" != "$before" ] || fail "the server was not restarted"
echo "ok: server restarted (immediate mode) ${in_job} ms into the nightly job, while backend $pid stored distances; up again after $restarted ms"

# Nothing of the interrupted night survived.
assert_eq "job_run rows after the restart" 0 "$(q -c "SELECT count(*) FROM skolval.job_run")"
assert_eq "distances, snaps and round homes after the restart" "0|0|0" \
    "$(q -c "SELECT (SELECT count(*) FROM skolval.distance) || '|' || (SELECT count(*) FROM skolval.snap) || '|' || (SELECT count(*) FROM skolval.round_home)")"

# The next night completes and records itself.
t=$(now_ms)
q -c "SET client_min_messages = warning" -c "SELECT count(*) FROM skolval.nightly()" >/dev/null
echo "ok: the next nightly run completed in $(( $(now_ms) - t )) ms"
assert_eq "job_run rows" "1|nightly|true" \
    "$(q -c "SELECT count(*) || '|' || min(job) || '|' || bool_and(finished_at >= started_at) FROM skolval.job_run")"
assert_eq "pairs the job recorded = pairs stored = children x units" "$((children * units))|$((children * units))|$((children * units))" \
    "$(q -c "SELECT (SELECT (outcome -> 'rounds' -> 0 ->> 'pairs') FROM skolval.job_run) || '|' ||
                    (SELECT (outcome -> 'rounds' -> 0 ->> 'pairs_computed') FROM skolval.job_run) || '|' ||
                    (SELECT count(*) FROM skolval.distance WHERE status = 'ok')")"

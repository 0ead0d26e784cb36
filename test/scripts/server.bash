# Helpers for the scripted tests that kill or restart the server (crash_*.sh); sourced after
# lib.sh. Not a test itself (scripts/test.sh runs test/scripts/*.sh only).
#
# These tests need the private cluster: they kill backends and restart the server as the OS
# user that owns the data directory. With SKOLVAL_EXTERNAL=1 they skip.

require_private_cluster() {
    [ "${SKOLVAL_EXTERNAL:-0}" != 1 ] || skip "running against an external server (SKOLVAL_EXTERNAL=1): the server is not ours to kill"
    [ "$("${PSQL[@]}" -d postgres -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" = t ] \
        || skip "not connected as a superuser: cannot find the data directory"
    DATADIR=$("${PSQL[@]}" -d postgres -c "SELECT current_setting('data_directory')")
    POSTMASTER_PID=$(head -n 1 "$DATADIR/postmaster.pid" 2>/dev/null) || skip "cannot read $DATADIR/postmaster.pid"
    SERVER_BIN=$(dirname "$(readlink -f "/proc/$POSTMASTER_PID/exe")")
    CLUSTER_OWNER=$(stat -c %U "$DATADIR")
    [ -x "$SERVER_BIN/pg_ctl" ] || skip "no pg_ctl next to the running server ($SERVER_BIN)"
    if [ "$(id -u)" != 0 ] && [ "$(id -un)" != "$CLUSTER_OWNER" ]; then
        skip "the server runs as $CLUSTER_OWNER; run as root or as $CLUSTER_OWNER to kill and restart it"
    fi
    # scripts/cluster.sh keeps the server log next to the data directory.
    SERVER_LOG=$(dirname "$DATADIR")/postgresql.log
}

# Run a command as the OS user that owns the cluster.
as_cluster_owner() {
    if [ "$(id -u)" = 0 ] && [ "$CLUSTER_OWNER" != root ]; then
        (cd / && runuser -u "$CLUSTER_OWNER" -- "$@")
    else
        "$@"
    fi
}

# Milliseconds since the epoch.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Wait (up to 120 s) until the server accepts connections and has finished recovery.
wait_for_server() {
    local i
    for i in $(seq 1 1200); do
        [ "$("${PSQL[@]}" -d postgres -c "SELECT NOT pg_is_in_recovery()" 2>/dev/null)" = t ] && return 0
        sleep 0.1
    done
    fail "the server did not come back within 120 s"
}

# When the checkpointer started: crash recovery and restarts start every server process again.
checkpointer_start() {
    "${PSQL[@]}" -d postgres -c "SELECT backend_start FROM pg_stat_activity WHERE backend_type = 'checkpointer'"
}

# Wait (up to 120 s) until the backend running a query that matches $2 in database $1 holds a
# RowExclusiveLock on table $3 (it has started writing there, uncommitted); print its pid.
wait_for_writer() {
    local db=$1 pattern=$2 table=$3 pid="" i
    for i in $(seq 1 1200); do
        pid=$("${PSQL[@]}" -d "$db" -c "SELECT a.pid FROM pg_stat_activity a
                 JOIN pg_locks l ON l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock'
                                AND l.relation = '$table'::regclass
                WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
                  AND a.query LIKE '%$pattern%' LIMIT 1" 2>/dev/null)
        [ -n "$pid" ] && { echo "$pid"; return 0; }
        sleep 0.1
    done
    return 1
}

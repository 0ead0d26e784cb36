#!/usr/bin/env bash
# The private PostgreSQL cluster skolval's commands run on: a real server with its own data
# directory, port and socket directory, run as a non-root OS user, pg_cron preloaded.
#
#   scripts/cluster.sh start | stop | status | psql [args] | destroy
set -euo pipefail
source "$(dirname "$0")/env.sh"

DATA=$SKOLVAL_CLUSTER_DIR/data
SOCK=$SKOLVAL_CLUSTER_DIR/sock
LOG=$SKOLVAL_CLUSTER_DIR/postgresql.log

# Run a command as the cluster's OS user.
as_owner() {
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$SKOLVAL_OS_USER" -- "$@"); else "$@"; fi
}

ensure_owner() {
    [ "$(id -u)" = 0 ] || return 0
    if ! id "$SKOLVAL_OS_USER" >/dev/null 2>&1; then
        say "creating OS user $SKOLVAL_OS_USER for the private cluster"
        useradd --system --no-create-home --shell /usr/sbin/nologin "$SKOLVAL_OS_USER"
    fi
    mkdir -p "$SKOLVAL_CLUSTER_DIR"
    chown "$SKOLVAL_OS_USER" "$SKOLVAL_CLUSTER_DIR"
    if ! as_owner test -w "$SKOLVAL_CLUSTER_DIR"; then
        say "error: $SKOLVAL_OS_USER cannot reach $SKOLVAL_CLUSTER_DIR; set SKOLVAL_CLUSTER_DIR to a directory it can use"
        exit 1
    fi
}

init_cluster() {
    [ -f "$DATA/PG_VERSION" ] && return 0
    say "initialising private cluster in $DATA"
    as_owner mkdir -p "$DATA" "$SOCK"
    as_owner "$PG_BIN/initdb" -D "$DATA" -U "$PGUSER" --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$SKOLVAL_CLUSTER_DIR/initdb.log" 2>&1 \
        || { cat "$SKOLVAL_CLUSTER_DIR/initdb.log" >&2; exit 1; }
    as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<CONF

# ---- skolval private cluster (scripts/cluster.sh) ----
port = $SKOLVAL_PGPORT
listen_addresses = ''
unix_socket_directories = '$SOCK'
shared_preload_libraries = 'pg_cron'
cron.database_name = '$SKOLVAL_DB'
cron.host = '$SOCK'
max_connections = 40
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 512MB
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
timezone = 'Europe/Stockholm'
CONF
}

start() {
    ensure_owner
    init_cluster
    as_owner mkdir -p "$SOCK"
    if as_owner "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        say "private cluster already running (port $SKOLVAL_PGPORT)"
    else
        as_owner "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null \
            || { tail -n 30 "$LOG" >&2; exit 1; }
        say "private cluster started (port $SKOLVAL_PGPORT, socket dir $SOCK)"
    fi
    # pg_cron's launcher connects to this database; create it so it does not complain.
    "$PG_BIN/psql" -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$SKOLVAL_DB'" | grep -q 1 \
        || "$PG_BIN/createdb" "$SKOLVAL_DB"
}

stop() {
    if [ -f "$DATA/postmaster.pid" ]; then
        as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null && say "private cluster stopped"
    fi
}

case "${1:-}" in
    start)   start ;;
    stop)    stop ;;
    status)  as_owner "$PG_BIN/pg_ctl" -D "$DATA" status ;;
    psql)    shift; exec "$PG_BIN/psql" -d "$SKOLVAL_DB" "$@" ;;
    destroy) stop; rm -rf "$SKOLVAL_CLUSTER_DIR"; say "private cluster removed" ;;
    *) echo "usage: $0 start|stop|status|psql|destroy" >&2; exit 2 ;;
esac

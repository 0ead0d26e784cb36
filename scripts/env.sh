# Shared settings for the skolval scripts; sourced, not run.
# Every value can be overridden from the environment.

SKOLVAL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/$PG_MAJOR/bin}
export PG_CONFIG=${PG_CONFIG:-$PG_BIN/pg_config}

# The private cluster: its own data dir, port and socket dir, run as a non-root OS user.
SKOLVAL_CLUSTER_DIR=${SKOLVAL_CLUSTER_DIR:-$SKOLVAL_ROOT/.cluster}
SKOLVAL_PGPORT=${SKOLVAL_PGPORT:-54315}
SKOLVAL_OS_USER=${SKOLVAL_OS_USER:-skolval}
SKOLVAL_DB=${SKOLVAL_DB:-skolval}

# SKOLVAL_EXTERNAL=1 means: use the server that PGHOST/PGPORT/PGUSER/PGDATABASE already
# point at, do not start or stop a private cluster.
SKOLVAL_EXTERNAL=${SKOLVAL_EXTERNAL:-0}

if [ "$SKOLVAL_EXTERNAL" != 1 ]; then
    export PGHOST=$SKOLVAL_CLUSTER_DIR/sock
    export PGPORT=$SKOLVAL_PGPORT
    # The cluster's superuser is always "postgres": a role named like a schema (skolval) would
    # put that schema first in its search_path via "\$user".
    export PGUSER=postgres
fi

# Run a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

say() { printf '%s\n' "skolval: $*" >&2; }

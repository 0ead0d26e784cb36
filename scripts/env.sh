# Shared settings for the skolval scripts; sourced, not run.
# Every value can be overridden from the environment.

SKOLVAL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/$PG_MAJOR/bin}
export PG_CONFIG=${PG_CONFIG:-$PG_BIN/pg_config}

# The private cluster: its own data dir, port and socket dir, run as a non-root OS user.
# Can other users (the cluster's OS user) walk down to this directory?
path_traversable() {
    local d=$1 perms
    while [ "$d" != / ]; do
        perms=$(stat -c %a "$d") || return 1
        [ $((0$perms & 1)) -eq 1 ] || return 1
        d=$(dirname "$d")
    done
}

# The cluster lives in .cluster/ of the checkout; when root runs from a checkout the cluster's
# OS user cannot reach (a private temporary directory, say), it moves to /var/tmp.
if [ -z "${SKOLVAL_CLUSTER_DIR:-}" ]; then
    if [ "$(id -u)" != 0 ] || path_traversable "$SKOLVAL_ROOT"; then
        SKOLVAL_CLUSTER_DIR=$SKOLVAL_ROOT/.cluster
    else
        SKOLVAL_CLUSTER_DIR=/var/tmp/skolval-cluster-$(printf '%s' "$SKOLVAL_ROOT" | md5sum | cut -c1-8)
    fi
fi
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

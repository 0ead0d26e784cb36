# Helpers for the scripted tests; sourced. scripts/test.sh has already set PGHOST/PGPORT/PGUSER
# for the private cluster (or the caller for an external server).

SKOLVAL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OSM_DIR=${SKOLVAL_OSM_DIR:-$SKOLVAL_ROOT/../shared/osm}
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -At)

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

# Skip (exit 77) with a clear line when an OpenStreetMap extract is not available.
require_osm() {
    [ -f "$OSM_DIR/$1" ] || skip "OpenStreetMap extract $OSM_DIR/$1 not found (the ../shared/osm folder is absent)"
}

require_cmd() {
    command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"
}

# A fresh scratch database with the extension, dropped again when the script exits.
scratch_db() {
    SCRATCH_DB=$1
    dropdb --if-exists "$SCRATCH_DB" >/dev/null 2>&1 || true
    createdb "$SCRATCH_DB"
    trap 'dropdb --if-exists "$SCRATCH_DB" >/dev/null 2>&1 || true' EXIT
    "${PSQL[@]}" -d "$SCRATCH_DB" -c 'CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval;'
}

# assert_eq LABEL EXPECTED ACTUAL
assert_eq() {
    [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
    echo "ok: $1 = $3"
}

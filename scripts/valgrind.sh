#!/usr/bin/env bash
# `make valgrind`: the pg_regress suite against a PostgreSQL server running under valgrind
# (memcheck), plus the plain C placement core under valgrind. Too slow for `make test`.
#
# Debian's PostgreSQL is not built with USE_VALGRIND: palloc'd chunks are not marked, so
# memcheck sees PostgreSQL's memory contexts as large malloc'd blocks. It still catches reads
# of memory never written (uninitialised values), writes and reads outside malloc'd blocks
# (a context's block, not the single chunk), bad frees and bad system call arguments, but
# not an overrun into the next palloc chunk of the same block. The plain C core is tested with
# malloc, where every allocation is its own block and every overrun is seen.
#
# Only errors with a frame in skolval's code count (PostgreSQL, PostGIS, PROJ, GEOS, Boost
# report their own noise): the script prints those and exits non-zero when there is one, or
# when the regression suite fails under valgrind. Full logs stay in $VG_DIR/logs.
#
#   SKOLVAL_VALGRIND_TESTS="common placement"   only these pg_regress tests (default: all)
#   SKOLVAL_VALGRIND_ORIGINS=0                  --track-origins=no (faster; default yes, so that
#                                               a report names where an uninitialised value
#                                               was allocated, skolval's code included)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SKOLVAL_ROOT"

t_start=$(date +%s)
command -v valgrind >/dev/null 2>&1 || {
    say "installing valgrind"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind
}
bash scripts/deps.sh
bash scripts/build.sh

[ "$SKOLVAL_EXTERNAL" != 1 ] || { say "make valgrind starts its own server under valgrind; SKOLVAL_EXTERNAL=1 is not supported"; exit 2; }

VG_DIR=${SKOLVAL_VALGRIND_DIR:-$SKOLVAL_CLUSTER_DIR-valgrind}
VG_PORT=${SKOLVAL_VALGRIND_PORT:-$((SKOLVAL_PGPORT + 1))}
DATA=$VG_DIR/data
SOCK=$VG_DIR/sock
LOGS=$VG_DIR/logs

as_owner() {
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$SKOLVAL_OS_USER" -- "$@"); else "$@"; fi
}
if [ "$(id -u)" = 0 ] && ! id "$SKOLVAL_OS_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$SKOLVAL_OS_USER"
fi

# A fresh cluster for every run, so the logs are this run's only.
if [ -f "$DATA/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
fi
rm -rf "$VG_DIR"
mkdir -p "$VG_DIR"
[ "$(id -u)" != 0 ] || chown "$SKOLVAL_OS_USER" "$VG_DIR"
as_owner mkdir -p "$DATA" "$SOCK" "$LOGS"
as_owner "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$VG_DIR/initdb.log" 2>&1 || { cat "$VG_DIR/initdb.log" >&2; exit 1; }
as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<CONF

# ---- skolval valgrind cluster (scripts/valgrind.sh) ----
port = $VG_PORT
listen_addresses = ''
unix_socket_directories = '$SOCK'
max_connections = 20
shared_buffers = 128MB
work_mem = 64MB
maintenance_work_mem = 256MB
# fewer processes under valgrind: no autovacuum workers, no parallel workers, no JIT
autovacuum = off
max_parallel_workers_per_gather = 0
max_parallel_maintenance_workers = 0
jit = off
fsync = off
dynamic_shared_memory_type = posix
huge_pages = off
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
timezone = 'Europe/Stockholm'
CONF

origins=yes
[ "${SKOLVAL_VALGRIND_ORIGINS:-1}" = 0 ] && origins=no
say "starting PostgreSQL under valgrind (port $VG_PORT, logs in $LOGS)"
as_owner bash -c "exec valgrind --tool=memcheck --trace-children=yes --leak-check=no \
    --num-callers=40 --track-origins=$origins --read-var-info=no --error-limit=no \
    --suppressions='$SKOLVAL_ROOT/test/valgrind.supp' --gen-suppressions=all \
    --error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \
    --log-file='$LOGS/%p.log' '$PG_BIN/postgres' -D '$DATA' >'$VG_DIR/postgresql.log' 2>&1" &
vg_pid=$!
stop_server() {
    as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 300 stop >/dev/null 2>&1 \
        || as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
    wait "$vg_pid" 2>/dev/null || true
}
trap stop_server EXIT
export PGHOST=$SOCK PGPORT=$VG_PORT PGUSER=postgres
for i in $(seq 1 600); do
    "$PG_BIN/pg_isready" -q && break
    kill -0 "$vg_pid" 2>/dev/null || { tail -n 30 "$VG_DIR/postgresql.log" >&2; say "the server under valgrind did not start"; exit 1; }
    sleep 0.5
done
"$PG_BIN/pg_isready" -q || { say "the server under valgrind did not start within 5 minutes"; exit 1; }
say "server up after $(( $(date +%s) - t_start )) s (since the script started); running the pg_regress suite"

t_regress=$(date +%s)
set +e
if [ -n "${SKOLVAL_VALGRIND_TESTS:-}" ]; then
    make -s PG_CONFIG="$PG_CONFIG" installcheck REGRESS="$SKOLVAL_VALGRIND_TESTS" 2>&1 | tee "$VG_DIR/regress.log"
else
    make -s PG_CONFIG="$PG_CONFIG" installcheck 2>&1 | tee "$VG_DIR/regress.log"
fi
regress_rc=${PIPESTATUS[0]}
set -e
regress_s=$(( $(date +%s) - t_regress ))
[ "$regress_rc" = 0 ] || { [ -f regression.diffs ] && cp regression.diffs "$VG_DIR/regression.diffs"; }
stop_server
trap - EXIT

# The plain C cores under valgrind (malloc: exact bounds, leaks counted): the placement core
# (test/c/placement_test.c) and the payment core (test/c/payments_test.c), compiled as their
# scripted tests compile them, with -O1 -g for exact lines.
t_core=$(date +%s)
core_rc=0
core_report=""
run_core() {   # name, sources...
    local name=$1 rc; shift
    cc -O1 -g -std=gnu11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -I src "$@" -lm -o "$VG_DIR/$name" || return 1
    set +e
    valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
        --num-callers=30 --log-file="$VG_DIR/$name.valgrind.log" "$VG_DIR/$name" > "$VG_DIR/$name.out" 2>&1
    rc=$?
    set -e
    core_report+="  $name: $(case $rc in 0) echo "no errors";; 99) echo "VALGRIND ERRORS, see $VG_DIR/$name.valgrind.log";; *) echo "test FAILED (exit $rc)";; esac); $(tail -n 1 "$VG_DIR/$name.out")"$'\n'
    [ "$rc" = 0 ] || core_rc=$rc
}
placement_core=()
for f in src/placement/*.c; do case $f in *_sql.c) ;; *) placement_core+=("$f") ;; esac; done
run_core placement_test test/c/placement_test.c "${placement_core[@]}" src/common/prng.c
[ ! -f test/c/payments_test.c ] || run_core payments_test test/c/payments_test.c src/payments/payments.c
core_s=$(( $(date +%s) - t_core ))

# Errors with a frame in skolval: the library (when it has no debug information), its entry
# points (skolval_*) or one of its source files (file:line).
srcs=$(find src -name '*.c' -printf '%f\n' | sed 's/\./\\./g' | paste -sd'|')
set +e
python3 - "$LOGS" "$VG_DIR/skolval-errors.txt" "$srcs" <<'PY'
import glob, os, re, sys
logs, out, srcs = sys.argv[1:]
ours = re.compile(r'/skolval\.so\)|: skolval_\w+ \(|\((' + srcs + r'):\d+\)')
total = kept = 0
kinds = {}
with open(out, 'w') as f:
    for path in sorted(glob.glob(os.path.join(logs, '*.log'))):
        block = None
        for line in open(path, errors='replace'):
            if 'VALGRINDERROR-BEGIN' in line:
                block = []
            elif 'VALGRINDERROR-END' in line:
                total += 1
                text = ''.join(block)
                if ours.search(text):
                    kept += 1
                    f.write('==== %s\n%s\n' % (os.path.basename(path), text))
                else:
                    first = re.sub(r'^==\d+==\s*', '', block[0]).strip() if block else '?'
                    kinds[first] = kinds.get(first, 0) + 1
                block = None
            elif block is not None:
                block.append(line)
print('valgrind: %d error(s) in %d process logs; %d with a frame in skolval' % (
    total, len(glob.glob(os.path.join(logs, '*.log'))), kept))
for k, n in sorted(kinds.items(), key=lambda x: -x[1])[:10]:
    print('  not ours: %4d x %s' % (n, k))
sys.exit(1 if kept else 0)
PY
ours_rc=$?
set -e

echo "pg_regress under valgrind: $([ "$regress_rc" = 0 ] && echo passed || echo FAILED) ($regress_s s)"
echo "plain C cores under valgrind ($core_s s):"
printf '%s' "$core_report"
echo "wall time: $(( $(date +%s) - t_start )) s; logs: $LOGS"
if [ "$ours_rc" != 0 ]; then
    echo "==== errors with a frame in skolval ($VG_DIR/skolval-errors.txt):"
    cat "$VG_DIR/skolval-errors.txt"
fi
[ "$regress_rc" = 0 ] && [ "$core_rc" = 0 ] && [ "$ours_rc" = 0 ]

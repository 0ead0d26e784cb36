#!/usr/bin/env bash
# The placement core in plain C, without a database (test/c/placement_test.c): the table of
# criteria, textbook instances, properties on generated instances against naive references,
# brute-force strategy-proofness and Pareto efficiency, administrative placement against brute
# force, and informative timings.  Compiles every src/placement/*.c except the SQL glue, twice:
# optimised with the core's Assert()s on, and with AddressSanitizer and UndefinedBehaviorSanitizer
# (every out-of-bounds access, overflow or misaligned read fails the run).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd cc
bin=$(mktemp)
trap 'rm -f "$bin" "$bin.san"' EXIT
core=()
for f in "$SKOLVAL_ROOT"/src/placement/*.c; do
    case $f in *_sql.c) ;; *) core+=("$f") ;; esac
done
build() {
    cc -std=c11 -D_POSIX_C_SOURCE=200809L -DSV_ASSERT -Wall -Wextra -Werror -I "$SKOLVAL_ROOT/src" "$@" \
       "$SKOLVAL_ROOT/test/c/placement_test.c" "${core[@]}" "$SKOLVAL_ROOT/src/common/prng.c" -lm
}
run() {
    local out rc summary
    out=$("$1") && rc=0 || rc=$?
    echo "$out"
    summary=$(tail -n 1 <<<"$out")
    [[ $summary =~ ^[0-9]+\ passed,\ 0\ failed$ ]] || fail "placement core ($2): $summary"
    [ "$rc" = 0 ] || fail "placement core test ($2) exited $rc"
}
build -O2 -o "$bin"
run "$bin" "-O2, assertions on"
if build -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -o "$bin.san" 2>/dev/null; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run "$bin.san" "address and undefined-behaviour sanitizers" | grep -v timing | tail -n 1
    echo "ok: the core tests pass under -fsanitize=address,undefined"
else
    fail "the compiler cannot build with -fsanitize=address,undefined"
fi

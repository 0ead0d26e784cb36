#!/usr/bin/env bash
# The placement core in plain C, without a database (test/c/placement_test.c): textbook
# instances, properties on generated instances against naive references, brute-force
# strategy-proofness and Pareto efficiency, administrative placement against brute force,
# and informative timings.  Compiles every src/placement/*.c except the SQL glue.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd cc
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
core=()
for f in "$SKOLVAL_ROOT"/src/placement/*.c; do
    case $f in *_sql.c) ;; *) core+=("$f") ;; esac
done
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -I "$SKOLVAL_ROOT/src" \
   "$SKOLVAL_ROOT/test/c/placement_test.c" "${core[@]}" "$SKOLVAL_ROOT/src/common/prng.c" \
   -lm -o "$bin"
out=$("$bin") && rc=0 || rc=$?
echo "$out"
summary=$(tail -n 1 <<<"$out")
[[ $summary =~ ^[0-9]+\ passed,\ 0\ failed$ ]] || fail "placement core: $summary"
[ "$rc" = 0 ] || fail "placement core test exited $rc"

#!/usr/bin/env bash
# The placement core in plain C, without a database: textbook instances, properties of
# deferred acceptance on generated instances, a naive reference, strategy-proofness by brute
# force, and administrative placement against brute force.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd cc
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
cc -O2 -std=gnu11 -Wall -Wextra -Werror -I "$SKOLVAL_ROOT/src" \
   "$SKOLVAL_ROOT/test/c/placement_test.c" "$SKOLVAL_ROOT"/src/placement/placement.c \
   "$SKOLVAL_ROOT"/src/placement/admin.c "$SKOLVAL_ROOT/src/common/prng.c" -lm -o "$bin"
"$bin" | grep -v '^ok' | tail -n 8
"$bin" > /dev/null

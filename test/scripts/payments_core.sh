#!/usr/bin/env bash
# The payment core in plain C, without a database (test/c/payments_test.c): the calendar
# helpers against a day-by-day calendar walk, hand-computed months built as PayInput structs,
# and properties of 2,000 generated months against a naive day-by-day reference.  Compiles
# src/payments/payments.c without the SQL glue.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd cc
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
cc -O2 -std=gnu11 -Wall -Wextra -Werror -I "$SKOLVAL_ROOT/src" \
   "$SKOLVAL_ROOT/test/c/payments_test.c" "$SKOLVAL_ROOT/src/payments/payments.c" -o "$bin"
out=$("$bin") && rc=0 || rc=$?
echo "$out"
summary=$(tail -n 1 <<<"$out")
[ "$rc" = 0 ] || fail "payment core test exited $rc"
[[ $summary =~ ^ok:\ [0-9]+\ instances,\ [0-9]+\ rows\ checked$ ]] || fail "payment core: $summary"

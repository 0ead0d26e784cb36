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
# Twice: optimised with the core's Assert()s on, and under AddressSanitizer and
# UndefinedBehaviorSanitizer (any finding aborts the run).
for flags in "-O2" "-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"; do
    # shellcheck disable=SC2086
    cc $flags -DUSE_ASSERT_CHECKING -std=gnu11 -Wall -Wextra -Werror -I "$SKOLVAL_ROOT/src" \
       "$SKOLVAL_ROOT/test/c/payments_test.c" "$SKOLVAL_ROOT/src/payments/payments.c" -o "$bin"
    out=$(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 "$bin" 2>&1) && rc=0 || rc=$?
    echo "$out" | tail -n 3
    summary=$(tail -n 1 <<<"$out")
    [ "$rc" = 0 ] || fail "payment core test ($flags) exited $rc"
    [[ $summary =~ ^ok:\ [0-9]+\ instances,\ [0-9]+\ rows\ checked$ ]] || fail "payment core ($flags): $summary"
    echo "ok: payment core with $flags"
done

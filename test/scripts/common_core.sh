#!/usr/bin/env bash
# The personal identity number core in plain C, without a database (test/c/common_test.c):
# twelve- and ten-digit forms, the century of YYMMDD-NNNC and YYMMDD+NNNC relative to a
# reference date, hand cases and 80,000 generated cases against a brute-force reference.
# Compiles src/common/personnummer.c without the SQL glue, with AddressSanitizer and UBSan.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd cc
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
cc -O1 -g -std=gnu11 -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all \
   -I "$SKOLVAL_ROOT/src" "$SKOLVAL_ROOT/test/c/common_test.c" "$SKOLVAL_ROOT/src/common/personnummer.c" -o "$bin"
out=$("$bin") && rc=0 || rc=$?
echo "$out"
summary=$(tail -n 1 <<<"$out")
[ "$rc" = 0 ] || fail "personal number core test exited $rc"
[[ $summary =~ ^ok:\ [0-9]+\ cases\ checked$ ]] || fail "personal number core: $summary"

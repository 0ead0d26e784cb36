#!/usr/bin/env bash
# The document cores in plain C, without a database (test/c/documents_test.c): letters and
# statements with libharu, the payment file with libxlsxwriter, and every failure path (missing
# font, a file that is not a font, unwritable file, a string too long for a cell, a bad date).
# Under valgrind when it is installed: no invalid access and no leak, failures included.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd cc
[ -f /usr/include/hpdf.h ] && [ -f /usr/include/xlsxwriter.h ] || skip "libhpdf-dev or libxlsxwriter-dev is not installed"
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || skip "fonts-dejavu-core is not installed"
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
core=()
for f in "$SKOLVAL_ROOT"/src/documents/*.c; do
    case $f in *_sql.c) ;; *) core+=("$f") ;; esac
done
cc -O1 -g -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers -I "$SKOLVAL_ROOT/src" \
   "$SKOLVAL_ROOT/test/c/documents_test.c" "${core[@]}" -lhpdf -lxlsxwriter -o "$bin"
if command -v valgrind >/dev/null 2>&1; then
    out=$(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
          "$bin" 2>&1) && rc=0 || rc=$?
    echo "$out"
    [ "$rc" != 99 ] || fail "valgrind found invalid accesses or leaks (above)"
    echo "ok: no invalid access and no leak under valgrind"
else
    out=$("$bin") && rc=0 || rc=$?
    echo "$out"
fi
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -n 1)
[[ $summary =~ ^[0-9]+\ passed,\ 0\ failed$ ]] || fail "document cores: ${summary:-no summary}"
[ "$rc" = 0 ] || fail "document core test exited $rc"

# Again with the Assert()s on, under AddressSanitizer and UndefinedBehaviorSanitizer (leaks
# are valgrind's part above: the libraries keep some allocations for the process).
cc -O1 -g -DUSE_ASSERT_CHECKING -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
   -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers -I "$SKOLVAL_ROOT/src" \
   "$SKOLVAL_ROOT/test/c/documents_test.c" "${core[@]}" -lhpdf -lxlsxwriter -o "$bin"
out=$(ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 "$bin" 2>&1) && rc=0 || rc=$?
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -n 1)
[ "$rc" = 0 ] || { echo "$out" | tail -n 30; fail "document core test under ASan/UBSan exited $rc"; }
[[ $summary =~ ^[0-9]+\ passed,\ 0\ failed$ ]] || fail "document cores under ASan/UBSan: ${summary:-no summary}"
echo "ok: document cores under AddressSanitizer and UndefinedBehaviorSanitizer: $summary"

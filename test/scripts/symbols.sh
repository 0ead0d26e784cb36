#!/usr/bin/env bash
# The shared library exports one family of names (issue 12 item 5): skolval_* for the
# SQL-callable V1 functions (with their pg_finfo_skolval_* records), sv_* for the C helpers the
# rooms share, PostgreSQL's module magic, and nothing generic (pdf_open, xlsx_write,
# pay_compute ... once were) that could collide with another library loaded into the server.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd nm
so=$SKOLVAL_ROOT/skolval.so
[ -f "$so" ] || so=$("$PG_CONFIG" --pkglibdir)/skolval.so
[ -f "$so" ] || skip "skolval.so is not built"
all=$(nm -D --defined-only "$so" | awk '{print $3}')
n=$(wc -l <<<"$all")
bad=$(grep -vE '^(skolval_[a-z0-9_]+|pg_finfo_skolval_[a-z0-9_]+|sv_[a-z0-9_]+|Pg_magic_func|_PG_init|_init|_fini|__bss_start|_edata|_end)$' <<<"$all" || true)
[ -z "$bad" ] || fail "exported symbols without the skolval_ or sv_ prefix: $(tr '\n' ' ' <<<"$bad")"
v1=$(grep -c '^pg_finfo_skolval_' <<<"$all")
nofn=$(grep '^pg_finfo_' <<<"$all" | sed 's/^pg_finfo_//' | while read -r s; do grep -qx "$s" <<<"$all" || echo "$s"; done)
[ -z "$nofn" ] || fail "pg_finfo records without their function: $nofn"
# every C function the SQL declares is one of them
missing=$(grep -ohE "MODULE_PATHNAME', *'skolval_[a-z0-9_]+'" "$SKOLVAL_ROOT"/sql/*/*.sql | grep -oE "'skolval_[a-z0-9_]+'" | tr -d "'" | sort -u | while read -r s; do
    grep -qx "$s" <<<"$all" || echo "$s"; done)
[ -z "$missing" ] || fail "declared in SQL but not exported: $missing"
echo "ok: $n exported symbols, $v1 V1 functions, all prefixed"

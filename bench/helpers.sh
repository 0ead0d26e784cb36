#!/usr/bin/env bash
# SQL helpers: a pinned search_path (SET search_path on a string-bodied SQL function) against the
# same helper with a SQL-standard body (bound at creation, no SET, inlinable). 200,000 calls
# each, best of 3, in a scratch database. Usage: bash bench/helpers.sh
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
db=skolval_bench_helpers
dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
psql -X -q -d "$db" -c 'CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval;' 2>/dev/null
psql -X -q -d "$db" <<'SQL'
CREATE FUNCTION public.display_pinned(personal_number text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, skolval, pg_temp
  AS $$ SELECT substr(personal_number, 1, 8) || '-' || substr(personal_number, 9, 4) $$;
CREATE FUNCTION public.amount_pinned(amount numeric) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, skolval, pg_temp
  AS $$ SELECT CASE WHEN round(amount, 2) < 0 THEN '-' ELSE '' END
               || replace(regexp_replace(to_char(abs(round(amount, 2)), 'FM999999999999990.00'),
                                         '(\d)(?=(\d{3})+\.)', '\1 ', 'g'), '.', ',') $$;
CREATE TABLE public.b AS SELECT lpad(i::text, 12, '2') AS pn, (i * 13.37)::numeric AS amount FROM generate_series(1, 200000) i;
ANALYZE public.b;
SQL
t() { # label sql
    local best=
    for _ in 1 2 3; do
        ms=$(psql -X -q -d "$db" -At -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1)
        best=$(awk -v a="$ms" -v b="${best:-1e18}" 'BEGIN { print (a < b ? a : b) }')
    done
    printf '%-44s %8.1f ms\n' "$1" "$best"
}
t "personal_number_display, pinned SET" "SELECT count(public.display_pinned(pn)) FROM public.b"
t "personal_number_display, SQL-standard body" "SELECT count(skolval.personal_number_display(pn)) FROM public.b"
t "amount_sv, pinned SET" "SELECT count(public.amount_pinned(amount)) FROM public.b"
t "amount_sv, SQL-standard body" "SELECT count(skolval.amount_sv(amount)) FROM public.b"

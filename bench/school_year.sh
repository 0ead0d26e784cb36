#!/usr/bin/env bash
# School-year benchmark (issue 16): a later round end to end (run_later_round: wishes in force,
# priorities through placement_applications(), the matching with guarantees, decisions, letters,
# waiting lists) on the example municipality at Lund scale, against the matching alone on the same
# arrays (skolval._match_guaranteed: the lower bound) and against the obvious alternative, running
# the main round's allocate() again (what-if). Prints a markdown table; not a test.
# CHILDREN (default 1500) and DECLINES (default 100) set the size.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$SKOLVAL_ROOT"
if [ "$SKOLVAL_EXTERNAL" != 1 ]; then
    bash scripts/cluster.sh start >/dev/null
fi
n=${CHILDREN:-1500}
declines=${DECLINES:-100}
db=skolval_bench_year
dropdb --if-exists "$db" >/dev/null 2>&1; createdb "$db"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
ms() { # ms SQL: wall milliseconds of one statement, best of 3 (each in a rolled-back transaction)
    local best=999999999 t
    for _ in 1 2 3; do
        t=$(q -c "BEGIN" -c "\\timing on" -c "$1" -c "ROLLBACK" 2>&1 | grep -oE 'Time: [0-9.]+' | head -1 | grep -oE '[0-9.]+')
        t=${t%.*}
        [ "$t" -lt "$best" ] && best=$t
    done
    echo "$best"
}
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => $n, seed => 5, network_edges => ${EDGES:-8000})" \
  -c "SELECT skolval.set_four_eyes(false, 'bench')" -c "SELECT count(*) FROM skolval.compute_distances(1)" >/dev/null
run=$(q -c "SELECT run_id FROM skolval.allocate(1)")
q -c "SET client_min_messages = warning" -c "SELECT skolval.override_blocking_issues($run, 'bench: the example''s unconfirmed sibling claims are known')" \
  -c "SELECT skolval.publish($run)" >/dev/null
q -c "SELECT count(*) FROM (SELECT skolval.decline_place(1, child_id, '2027-04-10') FROM skolval.current_placement ORDER BY md5(child_id::text) LIMIT $declines) x" >/dev/null
q -c "SET client_min_messages = warning" -c "SELECT count(*) FROM skolval.compute_distances(skolval.year_prepare(1, '2027-04-15'))" >/dev/null
lr=$(q -c "SELECT later_round_id FROM skolval.open_later_round(1, 'Bench', 'refill', '2027-04-20')")
round_ms=$(ms "SELECT skolval.run_later_round($lr)")
alloc_ms=$(ms "SELECT skolval.allocate(1, what_if => true)")
# the matching alone, on the arrays of the same round (made once, kept)
q -c "SELECT skolval.run_later_round($lr)" >/dev/null
q <<SQL >/dev/null
CREATE TABLE arrays AS
WITH w AS (SELECT lw.*, (row_number() OVER (ORDER BY child_id, rank) - 1)::int AS widx,
                  (dense_rank() OVER (ORDER BY child_id) - 1)::int AS cidx
             FROM skolval.later_round_wish lw WHERE later_round_id = $lr),
units AS (SELECT unit_id, (row_number() OVER (ORDER BY unit_id) - 1)::int AS uidx FROM skolval.round_capacity WHERE round_id = 1)
SELECT (SELECT array_agg(rc.seats ORDER BY uidx) FROM units JOIN skolval.round_capacity rc ON rc.round_id = 1 AND rc.unit_id = units.unit_id) AS cap,
       (SELECT array_agg(s ORDER BY cidx) FROM (SELECT cidx, min(widx) s FROM w GROUP BY 1) x) || (SELECT count(*)::int FROM w) AS st,
       (SELECT array_agg(uidx ORDER BY widx) FROM w JOIN units USING (unit_id)) AS un,
       (SELECT cardinality(priority_key) FROM w LIMIT 1) AS nk,
       (SELECT array_agg(k ORDER BY widx, o) FROM w, unnest(priority_key) WITH ORDINALITY e(k, o)) AS keys,
       (SELECT array_agg(g ORDER BY cidx) FROM (SELECT cidx, coalesce(max(widx) FILTER (WHERE guaranteed), -1) g FROM w GROUP BY 1) x) AS gu;
SQL
match_ms=$(ms "SELECT (skolval._match_guaranteed(cap, st, un, nk, keys, gu)).admitted FROM arrays")
wishes=$(q -c "SELECT count(*) FROM skolval.later_round_wish WHERE later_round_id = $lr")
moved=$(q -c "SELECT summary->>'moved' FROM skolval.later_round WHERE later_round_id = $lr")
echo "| children | declines | wishes in force (incl. guarantees) | moved | run_later_round() | allocate() again (what-if) | _match_guaranteed() alone |"
echo "|---|---|---|---|---|---|---|"
echo "| $n | $declines | $wishes | $moved | $round_ms ms | $alloc_ms ms | $match_ms ms |"
[ -n "${KEEP:-}" ] || dropdb "$db"

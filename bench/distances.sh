#!/usr/bin/env bash
# Distance benchmark: skolval.compute_distances() per phase, against (a) the naive query an
# analyst would write (one pgRouting call per child), the bare pgRouting many-to-many call on
# the same snapped points, and (b) a plain C one-to-all Dijkstra over the same edges
# (bench/csr_dijkstra.c, the lower bound), plus a nightly refresh of 50 moved homes.
#   bash bench/distances.sh [lund-demo] [lund-kbh] [stockholm]     (default: all)
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$SKOLVAL_ROOT"
[ "$SKOLVAL_EXTERNAL" = 1 ] || bash scripts/cluster.sh start >/dev/null
scenarios=${*:-lund-demo lund-kbh stockholm}
db=skolval_bench_distances
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/csr" bench/csr_dijkstra.c
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
ms_of() { local t0=$(date +%s%N); "$@" >/dev/null; echo $(( ($(date +%s%N) - t0) / 1000000 )); }

setup() {
    dropdb --if-exists "$db" >/dev/null 2>&1; createdb "$db"
    q -c "SET client_min_messages = warning" -c "CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval"
    case $1 in
      lund-demo) q -c "SELECT count(*) FROM skolval.demo_municipality(children => 1500, network_edges => 30000)" >/dev/null ;;
      stockholm) q -c "SELECT count(*) FROM skolval.demo_municipality(children => 10000, network_edges => 500000)" >/dev/null ;;
      lund-kbh)
        q -c "SELECT skolval.configure(municipality_code => '0001', srid => 32633)" >/dev/null
        bash scripts/load-osm.sh "$SKOLVAL_ROOT/../shared/osm/kbh.osm.pbf" "kbh" "$db" >/dev/null 2>&1
        q <<'SQL'
SET client_min_messages = warning;
INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
SELECT 'U' || n, 'Skola ' || n, CASE WHEN n % 8 = 0 THEN 'independent' ELSE 'municipal' END, '{forskoleklass}',
       ST_LineInterpolatePoint(e.geom, 0.5)
  FROM generate_series(1, 40) n,
       LATERAL (SELECT geom FROM skolval.edge ORDER BY skolval.seeded_random(1, 'unit', n * 100000 + edge_id) LIMIT 1) e;
INSERT INTO skolval.child (child_id, personal_number)
SELECT n, skolval.personal_number_make('2021-01-01'::date + (n % 365), n % 1000) FROM generate_series(1, 1500) n;
INSERT INTO skolval.residence (child_id, municipality_code, home, valid_from)
SELECT n, '0001', ST_Translate(ST_LineInterpolatePoint(e.geom, 0.3), 12, 7), '2021-01-01'
  FROM generate_series(1, 1500) n,
       LATERAL (SELECT geom FROM skolval.edge ORDER BY skolval.seeded_random(2, 'home', n * 100000 + edge_id) LIMIT 1) e;
INSERT INTO skolval.placement_round (name, municipality_code, start_date, cohort_birth_year) VALUES ('kbh', '0001', '2027-08-16', 2021);
SELECT skolval.round_fill_cohort(1);
ANALYZE;
SQL
        ;;
    esac
}

echo "| scenario | edges | homes x units | compute_distances (prepare / snap / route / store) | bare pgRouting many-to-many | (a) naive, one call per child | (b) plain C Dijkstra (build + search) | end-to-end / bare | (a) / end-to-end | end-to-end / (b) | refresh of 50 moved homes |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for s in $scenarios; do
    if [ "$s" = lund-kbh ] && [ ! -f "$SKOLVAL_ROOT/../shared/osm/kbh.osm.pbf" ]; then
        echo "| lund-kbh | skipped: ../shared/osm/kbh.osm.pbf not found | | | | | | | | | |"; continue
    fi
    setup "$s"
    q -c "SET client_min_messages = warning" -c "SELECT count(*) FROM skolval.compute_distances(1)" >/dev/null   # warm-up, snaps
    IFS='|' read -r children units pairs prep snap route store total <<<"$(q -c "SET client_min_messages = warning" \
        -c "SELECT children, units, pairs, prepare_ms, snap_ms, route_ms, store_ms, milliseconds FROM skolval.compute_distances(1, full_refresh => true)")"
    edges=$(q -c "SELECT edge_count FROM skolval.network WHERE is_active")
    # The bare many-to-many call on the same snapped points.
    q -c "CREATE TABLE pts AS SELECT row_number() OVER (ORDER BY point_kind, ref_id) AS pid, point_kind, edge_id, fraction FROM skolval.snap WHERE edge_id IS NOT NULL"
    bare=$(ms_of q -c "SELECT count(*) FROM pgr_withPointsCost(skolval.network_edges_sql(skolval.active_network_id()), 'SELECT pid, edge_id, fraction FROM pts', (SELECT array_agg(-pid) FROM pts WHERE point_kind = 'unit'), (SELECT array_agg(-pid) FROM pts WHERE point_kind = 'home'), directed => false)")
    # (a) One call per child, as an analyst would loop: 50 children timed, scaled to all.
    sample=$(ms_of q -c "SELECT count(*) FROM (SELECT h.pid FROM pts h WHERE h.point_kind = 'home' ORDER BY h.pid LIMIT 50) c, LATERAL pgr_withPointsCost(skolval.network_edges_sql(skolval.active_network_id()), 'SELECT pid, edge_id, fraction FROM pts WHERE point_kind = ''unit'' OR pid = ' || c.pid, (SELECT array_agg(-pid) FROM pts WHERE point_kind = 'unit'), -c.pid, directed => false)")
    naive=$(( sample * children / 50 ))
    # (b) Plain C over the same edges and snapped points.
    q -c "\copy (SELECT edge_id, source, target, length_m FROM skolval.edge WHERE network_id = skolval.active_network_id()) TO '$work/e.csv' CSV"
    q -c "\copy (SELECT point_kind, ref_id, edge_id, fraction, snap_m FROM skolval.snap WHERE network_id = skolval.active_network_id() AND edge_id IS NOT NULL) TO '$work/p.csv' CSV"
    "$work/csr" "$work/e.csv" "$work/p.csv" > "$work/c.out"
    cb=$(awk '/build_ms/{print $2}' "$work/c.out"); cs=$(awk '/search_ms/{print $2}' "$work/c.out"); csum=$(awk '/sum_walking_m/{print $2}' "$work/c.out")
    ssum=$(q -c "SELECT round(sum(walking_m)::numeric, 3) FROM skolval.distance WHERE status = 'ok' AND network_id = skolval.active_network_id()")
    [ "$csum" = "$ssum" ] || echo "WARNING: C sum $csum differs from skolval's $ssum" >&2
    # A nightly refresh after 50 homes moved 5 m.
    q -c "UPDATE skolval.residence SET home = ST_Translate(home, 5, 5) WHERE residence_id IN (SELECT residence_id FROM skolval.round_home ORDER BY child_id LIMIT 50)"
    refresh=$(q -c "SET client_min_messages = warning" -c "SELECT milliseconds FROM skolval.compute_distances(1)")
    c_total=$(awk "BEGIN{printf \"%.0f\", $cb + $cs}")
    echo "| $s | $edges | $children x $units = $pairs | $total ms ($prep / $snap / $route / $store) | $bare ms | ~$naive ms | $c_total ms ($cb + $cs) | $(awk "BEGIN{printf \"%.1f\", $total / $bare}")x | $(awk "BEGIN{printf \"%.0f\", $naive / $total}")x | $(awk "BEGIN{printf \"%.1f\", $total / ($cb + $cs)}")x | $refresh ms |"
done
dropdb --if-exists "$db" >/dev/null 2>&1

#!/usr/bin/env bash
# Distance benchmark (not a test): skolval.compute_distances() end to end and per phase, in the
# same run as
#   - the bare pgRouting many-to-many call on the same snapped points (one pgr_withPointsCost,
#     units as starts, homes as ends, as skolval routes),
#   - (a) the naive query an analyst would write: one pgr_withPointsCost call per child (timed on
#     a sample of children and scaled to all of them),
#   - (b) plain C: bench/csr_dijkstra.c, a CSR graph and one binary-heap Dijkstra per unit over
#     the same edges and snapped points (the lower bound), checked pair by pair against
#     skolval.distance,
#   - a nightly refresh after 50 homes moved 5 m.
#
#   bash bench/distances.sh [lund-demo] [lund-kbh] [stockholm]      (default: all three)
#
# Environment: the private cluster of scripts/env.sh (SKOLVAL_CLUSTER_DIR, SKOLVAL_PGPORT), or
# SKOLVAL_EXTERNAL=1 for the server PGHOST/PGPORT/PGUSER point at.  BENCH_DB (skolval_bench) is
# dropped and recreated for every scenario.  NAIVE_SAMPLE_LUND (100) and NAIVE_SAMPLE_STOCKHOLM
# (20) set how many children the naive per-child query is timed on.
# Markdown goes to stdout and bench/results/distances.md, raw numbers to bench/results/.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$SKOLVAL_ROOT"
[ "$SKOLVAL_EXTERNAL" = 1 ] || bash scripts/cluster.sh start >/dev/null

scenarios=${*:-lund-demo lund-kbh stockholm}
db=${BENCH_DB:-skolval_bench}
kbh=${SKOLVAL_OSM_DIR:-$SKOLVAL_ROOT/../shared/osm}/kbh.osm.pbf
results=$SKOLVAL_ROOT/bench/results
mkdir -p "$results"
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

cc -O2 -std=gnu11 -o "$work/csr_dijkstra" bench/csr_dijkstra.c -lm

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
qf() { q -F'|' -c "SET client_min_messages = warning" "$@"; }
now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "?" }'; }

md=$results/distances.md
{
    echo "# Distance benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM"
} > "$md"

new_db() {
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    createdb "$db"
    q -c "SET client_min_messages = warning" \
      -c "CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval" >/dev/null
    # Time a statement inside the server: run it, return the milliseconds.
    q <<'SQL'
CREATE FUNCTION public.bench_ms(statement text, OUT ms numeric, OUT result bigint) LANGUAGE plpgsql AS $$
DECLARE t timestamptz := clock_timestamp();
BEGIN
  EXECUTE statement INTO result;
  ms := round((extract(epoch FROM clock_timestamp() - t) * 1000)::numeric, 1);
END $$;
SQL
}

# The Copenhagen extract as the network, 40 units and 1,500 homes placed on it by seeded_random.
setup_kbh() {
    q -c "SELECT skolval.configure(municipality_code => '9999', municipality_name => 'Köpenhamn (benchmark)', srid => 32633)" >/dev/null
    bash scripts/load-osm.sh "$kbh" "kbh (benchmark)" "$db" >"$work/load-osm.log" 2>&1 \
        || { cat "$work/load-osm.log" >&2; exit 1; }
    q <<'SQL'
SET client_min_messages = warning;
CREATE TEMP TABLE e AS
  SELECT row_number() OVER (ORDER BY edge_id) AS k, geom FROM skolval.edge
   WHERE network_id = skolval.active_network_id() AND length_m > 5;
-- A point on the k-th edge, a few metres off it (like an entrance set back from the street).
CREATE TEMP TABLE placed AS
  SELECT kind, n, ST_Translate(ST_LineInterpolatePoint(e.geom, 0.05 + 0.9 * skolval.seeded_random(7, kind || '-at', n)),
                               40 * skolval.seeded_random(7, kind || '-dx', n) - 20,
                               40 * skolval.seeded_random(7, kind || '-dy', n) - 20) AS pt
    FROM (SELECT 'unit' AS kind, generate_series(1, 40) AS n
          UNION ALL SELECT 'home', generate_series(1, 1500)) x
    JOIN e ON e.k = 1 + floor(skolval.seeded_random(7, x.kind, x.n) * (SELECT count(*) FROM e))::bigint;
INSERT INTO skolval.unit (unit_code, name, organizer, organizer_name, school_forms, municipality_code, location)
SELECT 'B' || lpad(n::text, 4, '0'), 'Benchmarkskolan ' || n, 'municipal', 'Köpenhamn (benchmark)',
       ARRAY['forskoleklass', 'grundskola']::skolval.school_form[], '9999', pt
  FROM placed WHERE kind = 'unit' ORDER BY n;
INSERT INTO skolval.child (personal_number, birth_date)
SELECT skolval.personal_number_make(date '2021-01-01' + (n % 365), n / 365 + 1), date '2021-01-01' + (n % 365)
  FROM placed WHERE kind = 'home' ORDER BY n;
INSERT INTO skolval.residence (child_id, municipality_code, home, valid_from)
SELECT c.child_id, '9999', p.pt, date '2021-01-01'
  FROM placed p JOIN skolval.child c
    ON c.personal_number = skolval.personal_number_make(date '2021-01-01' + (p.n % 365), p.n / 365 + 1)
 WHERE p.kind = 'home';
INSERT INTO skolval.placement_round (name, municipality_code, school_form, start_date, cohort_birth_year)
VALUES ('Förskoleklass (benchmark)', '9999', 'forskoleklass', date '2027-08-16', 2021);
SELECT skolval.round_fill_cohort(round_id) FROM skolval.placement_round \g /dev/null
ANALYZE skolval.unit, skolval.child, skolval.residence, skolval.round_cohort;
SQL
}

# The snapped points of the round, numbered for pgRouting (pid > 0; negated in start/end arrays).
make_points() {
    q <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_pts;
CREATE TABLE bench_pts AS
SELECT row_number() OVER (ORDER BY s.point_kind DESC, s.ref_id) AS pid, s.point_kind, s.ref_id,
       s.edge_id, s.fraction, s.snap_m
  FROM skolval.snap s
 WHERE s.network_id = $nid AND s.edge_id IS NOT NULL
   AND ((s.point_kind = 'home' AND s.ref_id IN (SELECT h.residence_id FROM skolval.round_home h WHERE h.round_id = $rid))
     OR (s.point_kind = 'unit' AND s.ref_id IN (SELECT u.unit_id FROM skolval.unit u JOIN skolval.placement_round r
                                                    ON r.school_form = ANY (u.school_forms::text[]) WHERE r.round_id = $rid)));
ALTER TABLE bench_pts ADD PRIMARY KEY (pid);
ANALYZE bench_pts;
SQL
}

bare_sql() {   # $1: extra condition on the start units
    echo "SELECT count(*) FROM pgr_withPointsCost(skolval.network_edges_sql($nid),
      'SELECT pid, edge_id, fraction FROM bench_pts',
      (SELECT array_agg(-pid ORDER BY pid) FROM bench_pts WHERE point_kind = 'unit' ${1:-}),
      (SELECT array_agg(-pid ORDER BY pid) FROM bench_pts WHERE point_kind = 'home'),
      directed => false)"
}

run_scenario() {
    local s=$1 children_arg edges_arg sample label raw
    raw=$results/distances-$s.txt
    : > "$raw"
    kv() { echo "$1=$2" >> "$raw"; }
    case $s in
        lund-demo) label="Lund scale, example municipality"; children_arg=1500; edges_arg=30000; sample=${NAIVE_SAMPLE_LUND:-100} ;;
        lund-kbh)  label="Lund scale, Copenhagen OSM extract (kbh.osm.pbf)"; sample=${NAIVE_SAMPLE_LUND:-100} ;;
        stockholm) label="Stockholm scale, generated network"; children_arg=10000; edges_arg=500000; sample=${NAIVE_SAMPLE_STOCKHOLM:-20} ;;
        *) echo "unknown scenario $s" >&2; exit 2 ;;
    esac
    if [ "$s" = lund-kbh ] && [ ! -r "$kbh" ]; then
        echo "SKIP lund-kbh: ../shared/osm/kbh.osm.pbf is absent (scenario skipped)" | tee -a "$md"
        return 0
    fi
    say "benchmark $s: setting up"
    new_db
    local t=$(now_ns)
    if [ "$s" = lund-kbh ]; then
        setup_kbh
    else
        q -c "SET client_min_messages = warning" \
          -c "SELECT count(*) FROM skolval.demo_municipality(children => $children_arg, seed => 1, network_edges => $edges_arg)" >/dev/null
    fi
    local load_ms=$(ms_since "$t")
    kv load_ms "$load_ms"
    nid=$(q -c "SELECT skolval.active_network_id()")
    rid=$(q -c "SELECT min(round_id) FROM skolval.placement_round")
    local edges vertices
    IFS='|' read -r edges vertices <<<"$(qf -c "SELECT edge_count, vertex_count FROM skolval.network WHERE network_id = $nid")"
    kv edges "$edges"; kv vertices "$vertices"

    # skolval end to end: a first computation (snaps everything), then the full refresh timed.
    # Lund: best of two full refreshes; Stockholm: the first computation and one full refresh.
    say "benchmark $s: compute_distances"
    local cols="children, units, pairs, pairs_computed, ok, unreachable, off_network, no_home, prepare_ms, snap_ms, route_ms, store_ms, milliseconds"
    local first best="" line
    first=$(qf -c "SELECT $cols FROM skolval.compute_distances($rid)")
    kv first_run "$first"
    local runs=2; [ "$s" = stockholm ] && runs=1
    for i in $(seq $runs); do
        line=$(qf -c "SELECT $cols FROM skolval.compute_distances($rid, full_refresh => true)")
        kv full_refresh_run "$line"
        if [ -z "$best" ] || [ "$(cut -d'|' -f13 <<<"$line")" -lt "$(cut -d'|' -f13 <<<"$best")" ]; then best=$line; fi
    done
    local children units pairs pc ok unr off noh prep snap route store total
    IFS='|' read -r children units pairs pc ok unr off noh prep snap route store total <<<"$best"

    make_points
    local npts_u npts_h
    IFS='|' read -r npts_u npts_h <<<"$(qf -c "SELECT count(*) FILTER (WHERE point_kind = 'unit'), count(*) FILTER (WHERE point_kind = 'home') FROM bench_pts")"

    # The bare many-to-many call (best of 2 at Lund scale).
    say "benchmark $s: bare pgRouting many-to-many"
    local bare="" bare_rows r
    for i in $(seq $runs); do
        r=$(qf -c "SELECT ms, result FROM public.bench_ms(\$b\$$(bare_sql)\$b\$)")
        kv bare_run "$r"
        if [ -z "$bare" ] || awk -v a="${r%|*}" -v b="$bare" 'BEGIN { exit !(a < b) }'; then bare=${r%|*}; fi
        bare_rows=${r#*|}
    done

    # At Stockholm scale: the same call split over two connections, one per core.
    local bare2=""
    if [ "$s" = stockholm ]; then
        say "benchmark $s: bare pgRouting split over 2 connections"
        t=$(now_ns)
        qf -c "SELECT result FROM public.bench_ms(\$b\$$(bare_sql 'AND pid % 2 = 0')\$b\$)" > "$work/half0" &
        local p0=$!
        qf -c "SELECT result FROM public.bench_ms(\$b\$$(bare_sql 'AND pid % 2 = 1')\$b\$)" > "$work/half1" &
        local p1=$!
        wait $p0 $p1
        bare2=$(ms_since "$t")
        kv bare_2_connections_ms "$bare2"
    fi

    # (a) The naive query: one call per child, from its home to every unit.
    say "benchmark $s: naive per-child query on $sample children"
    local naive_sample naive
    naive_sample=$(qf -c "SELECT ms FROM public.bench_ms(\$n\$
      SELECT count(*)
        FROM (SELECT pid FROM bench_pts WHERE point_kind = 'home' ORDER BY pid LIMIT $sample) c
        CROSS JOIN LATERAL pgr_withPointsCost(
               skolval.network_edges_sql($nid),
               'SELECT pid, edge_id, fraction FROM bench_pts WHERE point_kind = ''unit'' OR pid = ' || c.pid,
               -c.pid,
               (SELECT array_agg(-u.pid) FROM bench_pts u WHERE u.point_kind = 'unit'),
               directed => false)\$n\$)")
    naive=$(awk -v s="$naive_sample" -v n="$npts_h" -v k="$sample" 'BEGIN { printf "%.0f", s * n / k }')
    kv naive_sample "$sample children in $naive_sample ms"
    kv naive_extrapolated_ms "$naive"

    # (b) Plain C over the same edges and points.
    say "benchmark $s: plain C Dijkstra"
    t=$(now_ns)
    q -c "\\copy (SELECT edge_id, source, target, length_m FROM skolval.edge WHERE network_id = $nid) TO '$work/edges.csv' CSV"
    q -c "\\copy (SELECT point_kind, ref_id, edge_id, fraction, snap_m FROM bench_pts ORDER BY pid) TO '$work/points.csv' CSV"
    local export_ms=$(ms_since "$t")
    "$work/csr_dijkstra" "$work/edges.csv" "$work/points.csv" "$work/pairs.csv" > "$work/c.out"
    cat "$work/c.out" >> "$raw"
    local c_read c_build c_search c_pairs c_sum
    c_read=$(awk '$1 == "read_ms" { print $2 }' "$work/c.out")
    c_build=$(awk '$1 == "build_ms" { print $2 }' "$work/c.out")
    c_search=$(awk '$1 == "search_ms" { print $2 }' "$work/c.out")
    c_pairs=$(awk '$1 == "pairs" { print $2 }' "$work/c.out")
    c_sum=$(awk '$1 == "pairs" { print $4 }' "$work/c.out")
    local c_total=$(awk -v a="$c_build" -v b="$c_search" 'BEGIN { printf "%.0f", a + b }')
    kv export_ms "$export_ms"
    q <<SQL
SET client_min_messages = warning;
CREATE TABLE bench_c (residence_id bigint, unit_id bigint, walking_m double precision);
\\copy bench_c FROM '$work/pairs.csv' CSV
SQL
    local cmp sv_sum matched maxdiff only_c only_sv
    cmp=$(qf -c "
      WITH d AS (SELECT d.residence_id, d.unit_id, d.walking_m FROM skolval.distance d
                  JOIN skolval.round_home h ON h.network_id = d.network_id AND h.residence_id = d.residence_id
                 WHERE d.network_id = $nid AND h.round_id = $rid AND d.status = 'ok')
      SELECT (SELECT round(sum(walking_m)::numeric, 3) FROM d),
             count(*) FILTER (WHERE d.unit_id IS NOT NULL AND c.unit_id IS NOT NULL),
             round(max(abs(d.walking_m - c.walking_m))::numeric, 4),
             count(*) FILTER (WHERE d.unit_id IS NULL),
             count(*) FILTER (WHERE c.unit_id IS NULL)
        FROM d FULL JOIN bench_c c USING (residence_id, unit_id)")
    IFS='|' read -r sv_sum matched maxdiff only_c only_sv <<<"$cmp"
    kv c_vs_skolval "skolval_sum=$sv_sum c_sum=$c_sum matched=$matched max_abs_diff_m=$maxdiff only_in_c=$only_c only_in_skolval=$only_sv"

    # The nightly refresh: 50 cohort homes move 5 m, compute_distances() picks up just those.
    say "benchmark $s: refresh after 50 moved homes"
    local refresh_best="" rline
    for dxy in 5 -5; do
        q -c "UPDATE skolval.residence SET home = ST_Translate(home, $dxy, $dxy)
               WHERE residence_id IN (SELECT h.residence_id FROM skolval.round_home h
                                       WHERE h.round_id = $rid AND h.residence_id IS NOT NULL
                                       ORDER BY skolval.seeded_random(11, 'bench-move', h.child_id), h.child_id LIMIT 50)"
        rline=$(qf -c "SELECT $cols FROM skolval.compute_distances($rid)")
        kv refresh_run "$rline"
        if [ -z "$refresh_best" ] || [ "$(cut -d'|' -f13 <<<"$rline")" -lt "$(cut -d'|' -f13 <<<"$refresh_best")" ]; then refresh_best=$rline; fi
    done
    local r_pc r_prep r_snap r_route r_store r_total
    IFS='|' read -r _ _ _ r_pc _ _ _ _ r_prep r_snap r_route r_store r_total <<<"$refresh_best"

    {
        echo
        echo "## $label ($s)"
        echo
        echo "Network: $edges edges, $vertices vertices (set-up: $load_ms ms). Round: $children children, $units units offering the form, $pairs pairs ($ok ok, $unr unreachable, $off off the network, $noh without a home point); $npts_h homes and $npts_u units snapped."
        echo
        echo "| what | ms | phases / notes |"
        echo "|---|---:|---|"
        echo "| skolval.compute_distances(full_refresh => true), end to end$( [ "$runs" = 2 ] && echo ', best of 2') | $total | prepare (load homes, pairs) $prep · snap $snap · route $route · store $store |"
        echo "| bare pgRouting many-to-many: one pgr_withPointsCost, $npts_u units × $npts_h homes$( [ "$runs" = 2 ] && echo ', best of 2') | $bare | $bare_rows rows |"
        [ -n "$bare2" ] && echo "| the same bare call split over 2 connections (wall clock) | $bare2 | half of the units each |"
        echo "| (a) naive: one pgr_withPointsCost per child, scaled from $sample children | $naive | $sample children took $naive_sample ms |"
        echo "| (b) plain C CSR Dijkstra, one-to-all per unit, 1 core: build + search | $c_total | build $c_build · search $c_search (read CSV $c_read, psql \\copy export $export_ms, not counted) |"
        echo "| refresh: compute_distances() after 50 homes moved 5 m, best of 2 | $r_total | $r_pc pairs recomputed; prepare $r_prep · snap $r_snap · route $r_route · store $r_store |"
        echo
        echo "| target | measured | |"
        echo "|---|---|---|"
        echo "| ≥ 40× faster than (a) naive | $(ratio "$naive" "$total")× | $(awk -v a="$naive" -v b="$total" 'BEGIN { print (a / b >= 40) ? "met" : "not met" }') |"
        echo "| end to end ≤ 2× the bare many-to-many call | $(awk -v a="$total" -v b="$bare" 'BEGIN { printf "%.2f", a / b }')× | $(awk -v a="$total" -v b="$bare" 'BEGIN { print (a / b <= 2) ? "met" : "not met" }') |"
        echo "| end to end vs single-core C (b) (Stockholm target ≤ 4×) | $(ratio "$total" "$c_total")× | $( [ "$s" = stockholm ] && awk -v a="$total" -v b="$c_total" 'BEGIN { print (a / b <= 4) ? "met" : "not met" }' || echo "for reference") |"
        echo "| refresh of 50 changed homes < 1 s | $r_total ms | $( [ "$r_total" -lt 1000 ] && echo met || echo "not met") |"
        echo
        echo "C vs skolval.distance: $matched pairs compared, max |difference| $maxdiff m, sums $c_sum (C) vs $sv_sum (skolval), $only_c pairs only in C, $only_sv only in skolval."
    } | tee -a "$md"
}

for s in $scenarios; do
    run_scenario "$s"
done
dropdb --if-exists "$db" >/dev/null 2>&1 || true
say "benchmark results in bench/results/"

#!/usr/bin/env bash
# scripts/load-osm.sh's walking profile (issue 17, item 4) on a generated OpenStreetMap file near
# Lund: one short way per case, tagged as OSM maps it; after loading, a way counts as loaded when
# its id is the source_id of an edge or of a dropped edge (skolval.network_dropped_edge). Also:
# cutting with --boundary keeps a way 1.6 km outside the boundary (the default 2,500 m buffer)
# and drops one 13 km away; --buffer-m 0 drops both; the output is one line per step, without
# NOTICEs or "does not exist".
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd osmium
require_cmd osm2pgrouting
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists skolval_test_osm_profile >/dev/null 2>&1 || true' EXIT

# way id | tags | loaded?   (lon offset: 0 inside the boundary, 1 = 1.6 km outside, 2 = 13 km)
cases="1|highway=footway|yes|0
2|highway=residential foot=private|no|0
3|highway=service access=delivery|no|0
4|highway=service access=delivery foot=yes|yes|0
5|highway=trunk|yes|0
6|highway=trunk motorroad=yes|no|0
7|highway=trunk expressway=yes|no|0
8|highway=trunk_link expressway=yes foot=designated|yes|0
9|highway=motorway|no|0
10|highway=footway foot=no|no|0
11|highway=residential access=private foot=permissive|yes|0
12|highway=primary access=psv|no|0
13|highway=track access=emergency|no|0
14|highway=path access=restricted|no|0
15|highway=cycleway foot=designated|yes|0
16|highway=residential foot=use_sidepath|no|0
17|building=yes|no|0
18|highway=footway|yes|2
19|highway=footway|yes|1
20|highway=residential access=no|no|0
21|highway=steps|yes|0"

{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<osm version="0.6" generator="skolval test">'
    while IFS='|' read -r id tags _ where; do
        lon0=$(awk -v w="$where" 'BEGIN { printf "%.6f", w == 0 ? 13.19 : (w == 1 ? 13.225 : 13.40) }')
        lat=$(awk -v i="$id" 'BEGIN { printf "%.6f", 55.70 + i * 0.0005 }')
        lon1=$(awk -v l="$lon0" 'BEGIN { printf "%.6f", l + 0.002 }')
        echo "  <node id=\"$((id * 10 + 1))\" version=\"1\" lat=\"$lat\" lon=\"$lon0\"/>"
        echo "  <node id=\"$((id * 10 + 2))\" version=\"1\" lat=\"$lat\" lon=\"$lon1\"/>"
    done <<<"$cases"
    while IFS='|' read -r id tags _ _; do
        echo "  <way id=\"$id\" version=\"1\"><nd ref=\"$((id * 10 + 1))\"/><nd ref=\"$((id * 10 + 2))\"/>"
        for kv in $tags; do echo "    <tag k=\"${kv%%=*}\" v=\"${kv#*=}\"/>"; done
        echo "  </way>"
    done <<<"$cases"
    echo '</osm>'
} > "$work/town.osm"
osmium cat --no-progress "$work/town.osm" -o "$work/town.osm.pbf"
# The municipality: lon 13.185-13.200, lat 55.695-55.715 (way 19 lies 1.6 km east of it).
cat > "$work/kommun.poly" <<'EOF'
testkommun
1
   13.185 55.695
   13.200 55.695
   13.200 55.715
   13.185 55.715
   13.185 55.695
END
END
EOF

scratch_db skolval_test_osm_profile
load() {
    bash "$SKOLVAL_ROOT/scripts/load-osm.sh" "$@" "$work/town.osm.pbf" "profile test" skolval_test_osm_profile > "$work/out.txt" 2>&1 \
        || { cat "$work/out.txt"; fail "load-osm.sh $* failed"; }
    loaded=$("${PSQL[@]}" -d skolval_test_osm_profile -c "
      SELECT string_agg(DISTINCT s::text, ' ' ORDER BY s::text) FROM (
        SELECT source_id AS s FROM skolval.edge WHERE network_id = skolval.active_network_id()
        UNION SELECT source_id FROM skolval.network_dropped_edge WHERE network_id = skolval.active_network_id()) x")
}
expected() {  # expected loaded ids for the given lon offsets kept
    while IFS='|' read -r id _ ok where; do
        [ "$ok" = yes ] && [[ " $* " == *" $where "* ]] && echo "$id"
    done <<<"$cases" | sort | tr '\n' ' ' | sed 's/ $//'
}

load
cat "$work/out.txt"
assert_eq "the whole extract: ways loaded" "$(expected 0 1 2)" "$loaded"
assert_eq "five progress lines and nothing else" 5 "$(wc -l < "$work/out.txt")"
assert_eq "every line a progress line" 5 "$(grep -c '^skolval: load-osm \[[1-5]/5\]' "$work/out.txt")"
grep -qiE 'notice|does not exist|cascade' "$work/out.txt" && fail "load-osm.sh printed NOTICEs: $(cat "$work/out.txt")"
echo "ok: no NOTICE, no 'does not exist'"
grep -q '\[3/5\] 10 ways closed to pedestrians' "$work/out.txt" || fail "the closed ways are not counted right: $(sed -n 3p "$work/out.txt")"
echo "ok: 10 closed ways counted (the motorway and the building are not walkable highways at all)"

load --boundary "$work/kommun.poly"
assert_eq "cut with the default 2,500 m buffer" "$(expected 0 1)" "$loaded"
grep -q 'plus 2500 m' "$work/out.txt" || fail "the buffer is not reported: $(sed -n 1p "$work/out.txt")"

load --boundary "$work/kommun.poly" --buffer-m 0
assert_eq "cut without a buffer" "$(expected 0)" "$loaded"

# A GeoJSON boundary (a Feature) works the same.
printf '{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[13.185,55.695],[13.2,55.695],[13.2,55.715],[13.185,55.715],[13.185,55.695]]]}}' > "$work/kommun.geojson"
load --boundary "$work/kommun.geojson" --buffer-m 3000
assert_eq "GeoJSON boundary with a 3,000 m buffer" "$(expected 0 1)" "$loaded"

bash "$SKOLVAL_ROOT/scripts/load-osm.sh" --buffer-m -5 "$work/town.osm.pbf" x skolval_test_osm_profile > "$work/out.txt" 2>&1 \
    && fail "a negative buffer was accepted"
grep -q 'buffer-m must be a number' "$work/out.txt" || fail "no clear message for a bad buffer: $(cat "$work/out.txt")"
echo "ok: a negative buffer is refused with a clear message"

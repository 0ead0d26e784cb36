#!/usr/bin/env bash
# Load an OpenStreetMap extract (.osm.pbf) as a skolval walking network.
#
#   scripts/load-osm.sh [--boundary FILE] [--buffer-m METRES] FILE.osm.pbf "NETWORK NAME" [DATABASE]
#
#   --boundary FILE   cut the extract to the municipality first: an osmium/Osmosis .poly file or a
#                     GeoJSON Polygon/MultiPolygon (a geometry, a Feature or the first Feature of a
#                     FeatureCollection), in WGS84
#   --buffer-m M      widen the boundary by M metres before cutting (default 2500; 0 for none):
#                     walks that pass through the neighbouring municipality must not get lost
#
# Steps (the walking profile, doc/distances.md "Loading a network"):
#   1. cut to the buffered boundary (when one is given), whole ways kept (complete_ways);
#   2. keep walkable highways; drop those of them with missing node references (clipped extracts);
#   3. remove ways closed to pedestrians: foot=no/private/use_sidepath; motorroad=yes;
#      access=no/private/psv/emergency/delivery/restricted without foot=yes/designated/permissive;
#      trunk and trunk_link tagged expressway=yes without such a foot permission;
#   4. import with osm2pgrouting and skolval's walking profile (scripts/osm/walking-mapconfig.xml);
#   5. move the edges into skolval.edge with skolval.network_load() (transformed to the settings'
#      SRID, lengths in metres on the ground, each edge with its OSM way id as source_id, the
#      largest component kept, the pieces not connected to it in skolval.network_dropped_edge),
#      and activate the network.
# Prints one line per step and a summary; details of osmium and osm2pgrouting only on failure.
# Uses the libpq environment (PGHOST, PGPORT, PGUSER) of scripts/env.sh: the private cluster
# unless SKOLVAL_EXTERNAL=1.
set -euo pipefail
source "$(dirname "$0")/env.sh"

usage() { echo "usage: $0 [--boundary FILE.poly|FILE.geojson] [--buffer-m METRES] FILE.osm.pbf \"NETWORK NAME\" [DATABASE]" >&2; exit 2; }
boundary='' buffer_m=2500
while [ $# -gt 0 ]; do
    case $1 in
        --boundary) [ $# -ge 2 ] || usage; boundary=$2; shift 2 ;;
        --buffer-m) [ $# -ge 2 ] || usage; buffer_m=$2; shift 2 ;;
        --) shift; break ;;
        -*) usage ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || usage
pbf=$1 name=$2 db=${3:-$SKOLVAL_DB}
[ -r "$pbf" ] || { say "cannot read $pbf"; exit 1; }
[[ $buffer_m =~ ^[0-9]+([.][0-9]+)?$ ]] && awk -v b="$buffer_m" 'BEGIN { exit !(b <= 50000) }' \
    || { say "--buffer-m must be a number of metres from 0 to 50000, got '$buffer_m'"; exit 2; }
[ -z "$boundary" ] || [ -r "$boundary" ] || { say "cannot read the boundary $boundary"; exit 1; }
for c in osmium osm2pgrouting psql; do
    command -v "$c" >/dev/null || { say "$c is missing: run scripts/deps.sh"; exit 1; }
done
# NOTICEs (a schema that does not exist yet, cascades) are not news; warnings and errors are.
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s.%N)
step() { say "load-osm [$1/5] $2 ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)"; }
# Run a tool quietly; show its output only when it fails.
quiet() { "$@" > "$work/tool.log" 2>&1 || { tail -n 20 "$work/tool.log" >&2; say "failed: $*"; exit 1; }; }
count_ways() { osmium fileinfo -e -g data.count.ways "$1"; }

# 1. Cut to the municipality plus a buffer.
src=$pbf
if [ -n "$boundary" ]; then
    case $boundary in
        *.poly)
            # .poly: a name line, then rings of "lon lat" lines each ended by END (holes start
            # with '!': enclaves of another municipality, walked through like the buffer), END.
            wkt=$(awk 'NR == 1 { next }
                       /^[[:space:]]*END[[:space:]]*$/ { if (inring) { if (!hole) { rings = rings (rings ? "," : "") "((" ring "))" } inring = 0; ring = "" } next }
                       !inring { inring = 1; hole = ($1 ~ /^!/); next }
                       { ring = ring (ring ? "," : "") $1 " " $2 }
                       END { print "MULTIPOLYGON(" rings ")" }' "$boundary")
            [ "$wkt" != "MULTIPOLYGON()" ] || { say "no ring found in $boundary"; exit 1; }
            geom_sql="ST_GeomFromText(:'wkt', 4326)" ;;
        *.geojson|*.json)
            wkt=$(cat "$boundary")
            geom_sql="ST_SetSRID(ST_GeomFromGeoJSON((SELECT CASE j->>'type' WHEN 'FeatureCollection' THEN j->'features'->0->'geometry'
                                                                          WHEN 'Feature' THEN j->'geometry' ELSE j END
                                                       FROM (SELECT (:'wkt')::jsonb AS j) x)::text), 4326)" ;;
        *) say "the boundary must be a .poly or a .geojson file, got $boundary"; exit 2 ;;
    esac
    "${PSQL[@]}" -v wkt="$wkt" -v buf="$buffer_m" > "$work/boundary.geojson" <<SQL \
        || { say "the boundary $boundary is not a valid polygon in WGS84"; exit 1; }
SELECT pg_catalog.json_build_object('type', 'Feature', 'properties', pg_catalog.json_build_object(),
         'geometry', ST_AsGeoJSON(ST_Multi(CASE WHEN :'buf'::float8 > 0
                                              THEN ST_Buffer(g::geography, :'buf'::float8)::geometry ELSE g END))::json)
  FROM (SELECT ST_MakeValid($geom_sql) AS g) b
 WHERE GeometryType(g) IN ('POLYGON', 'MULTIPOLYGON');
SQL
    [ -s "$work/boundary.geojson" ] || { say "the boundary $boundary is not a polygon"; exit 1; }
    quiet osmium extract --no-progress --overwrite -p "$work/boundary.geojson" --strategy=complete_ways "$pbf" -o "$work/cut.pbf"
    src=$work/cut.pbf
    step 1 "cut to $(basename "$boundary") plus ${buffer_m} m: $(count_ways "$src") ways"
else
    step 1 "no --boundary: the whole extract is used ($(count_ways "$src") ways)"
fi

# 2. Walkable highways; those with missing node references (cut off at the extract's edge:
#    osm2pgrouting would join the surviving nodes across the gap) go.
quiet osmium tags-filter --no-progress --overwrite "$src" \
    w/highway=primary,primary_link,secondary,secondary_link,tertiary,tertiary_link,trunk,trunk_link,unclassified,residential,living_street,service,track,pedestrian,road,path,cycleway,footway,bridleway,steps \
    -o "$work/walk_all.pbf"
osmium check-refs --show-ids "$work/walk_all.pbf" 2>&1 | grep -oE 'in w[0-9]+' | cut -d' ' -f2 | sort -u > "$work/broken.ids" || true
if [ -s "$work/broken.ids" ]; then
    quiet osmium removeid --no-progress --overwrite "$work/walk_all.pbf" -i "$work/broken.ids" -o "$work/walk.pbf"
else
    cp "$work/walk_all.pbf" "$work/walk.pbf"
fi
step 2 "$(count_ways "$work/walk.pbf") walkable highways kept, $(wc -l < "$work/broken.ids") with missing nodes removed"

# 3. Ways closed to pedestrians.
ids() { osmium cat --no-progress "$1" -f opl | cut -d' ' -f1 | grep '^w' || true; }
quiet osmium tags-filter --no-progress --overwrite -R "$work/walk.pbf" w/foot=no,private,use_sidepath w/motorroad=yes -o "$work/closed_foot.pbf"
quiet osmium tags-filter --no-progress --overwrite -R "$work/walk.pbf" w/access=no,private,psv,emergency,delivery,restricted -o "$work/access.pbf"
quiet osmium tags-filter --no-progress --overwrite -R -i "$work/access.pbf" w/foot=yes,designated,permissive -o "$work/closed_access.pbf"
quiet osmium tags-filter --no-progress --overwrite -R "$work/walk.pbf" w/highway=trunk,trunk_link -o "$work/trunk.pbf"
quiet osmium tags-filter --no-progress --overwrite -R "$work/trunk.pbf" w/expressway=yes -o "$work/expressway.pbf"
quiet osmium tags-filter --no-progress --overwrite -R -i "$work/expressway.pbf" w/foot=yes,designated,permissive -o "$work/closed_expressway.pbf"
{ ids "$work/closed_foot.pbf"; ids "$work/closed_access.pbf"; ids "$work/closed_expressway.pbf"; } | sort -u > "$work/closed.ids"
if [ -s "$work/closed.ids" ]; then
    quiet osmium removeid --no-progress --overwrite "$work/walk.pbf" -i "$work/closed.ids" -o "$work/open.pbf"
else
    cp "$work/walk.pbf" "$work/open.pbf"
fi
quiet osmium cat --no-progress --overwrite "$work/open.pbf" -o "$work/open.osm"
step 3 "$(wc -l < "$work/closed.ids") ways closed to pedestrians removed (foot, motorroad, access, expressway)"

# 4. Import into a scratch schema.
"${PSQL[@]}" -c 'DROP SCHEMA IF EXISTS skolval_osm_import CASCADE' -c 'CREATE SCHEMA skolval_osm_import'
quiet osm2pgrouting -f "$work/open.osm" -c "$SKOLVAL_ROOT/scripts/osm/walking-mapconfig.xml" -d "$db" \
    ${PGUSER:+-U "$PGUSER"} ${PGHOST:+-h "$PGHOST"} ${PGPORT:+-p "$PGPORT"} \
    --schema skolval_osm_import --clean
step 4 "osm2pgrouting: $("${PSQL[@]}" -c 'SELECT count(*) FROM skolval_osm_import.ways') edges"

# 5. Into skolval (the scratch schema goes in every case).
out=$("${PSQL[@]}" -F ' ' -v name="$name" -v source="osm:$(basename "$pbf")" <<'SQL'
SELECT network_id FROM skolval.network_load(:'name', :'source',
         'SELECT w.gid AS id, w.source, w.target, w.the_geom AS geom, c.tag_value AS kind, w.name, w.osm_id AS source_id
            FROM skolval_osm_import.ways w
            JOIN skolval_osm_import.configuration c USING (tag_id)') \gset
SELECT n.network_id, n.edge_count, round(n.total_length_m / 1000), n.dropped_edge_count,
       (SELECT count(DISTINCT d.component) FROM skolval.network_dropped_edge d WHERE d.network_id = n.network_id)
  FROM skolval.network n WHERE n.network_id = :network_id;
SQL
) || { "${PSQL[@]}" -c 'DROP SCHEMA IF EXISTS skolval_osm_import CASCADE' || true; say "network_load failed"; exit 1; }
"${PSQL[@]}" -c 'DROP SCHEMA skolval_osm_import CASCADE'
read -r nid edges km dropped islands <<<"$out"
step 5 "network $nid \"$name\" active: $edges edges, $km km; $dropped edges in $islands pieces not connected to it kept in skolval.network_dropped_edge"

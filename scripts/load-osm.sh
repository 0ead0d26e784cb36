#!/usr/bin/env bash
# Load an OpenStreetMap extract (.osm.pbf) as a skolval walking network.
#
#   scripts/load-osm.sh FILE.osm.pbf "NETWORK NAME" [DATABASE]
#
# Steps: drop ways with missing node references (clipped extracts), keep walkable highways,
# remove ways closed to pedestrians (foot=no; access=no/private without a foot permission;
# motorroad=yes), import with osm2pgrouting and skolval's walking profile, then move the edges
# into skolval.edge with skolval.network_load() (transformed to the settings' SRID, largest
# component kept, activated). Uses the libpq environment (PGHOST, PGPORT, PGUSER) of
# scripts/env.sh: the private cluster unless SKOLVAL_EXTERNAL=1.
set -euo pipefail
source "$(dirname "$0")/env.sh"

[ $# -ge 2 ] || { echo "usage: $0 FILE.osm.pbf \"NETWORK NAME\" [DATABASE]" >&2; exit 2; }
pbf=$1 name=$2 db=${3:-$SKOLVAL_DB}
[ -r "$pbf" ] || { say "cannot read $pbf"; exit 1; }
for c in osmium osm2pgrouting psql; do
    command -v "$c" >/dev/null || { say "$c is missing: run scripts/deps.sh"; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s.%N)

# 1. Clipped extracts reference nodes outside the clip; osm2pgrouting would join the surviving
#    nodes across the gap, so such ways go.
osmium check-refs --show-ids "$pbf" 2>&1 | grep -oE 'in w[0-9]+' | cut -d' ' -f2 | sort -u > "$work/broken.ids" || true
if [ -s "$work/broken.ids" ]; then
    osmium removeid --no-progress "$pbf" -i "$work/broken.ids" -o "$work/clean.pbf"
else
    cp "$pbf" "$work/clean.pbf"
fi

# 2. Walkable highways only.
osmium tags-filter --no-progress "$work/clean.pbf" \
    w/highway=primary,primary_link,secondary,secondary_link,tertiary,tertiary_link,trunk,trunk_link,unclassified,residential,living_street,service,track,pedestrian,road,path,cycleway,footway,bridleway,steps \
    -o "$work/walk.pbf"

# 3. Ways closed to pedestrians.
osmium tags-filter --no-progress -R "$work/walk.pbf" w/foot=no w/motorroad=yes -o "$work/closed1.pbf"
osmium tags-filter --no-progress -R "$work/walk.pbf" w/access=no,private -o "$work/private.pbf"
osmium tags-filter --no-progress -R -i "$work/private.pbf" w/foot=yes,designated,permissive -o "$work/closed2.pbf"
osmium cat --no-progress "$work/closed1.pbf" "$work/closed2.pbf" -f opl | cut -d' ' -f1 | grep '^w' | sort -u > "$work/closed.ids" || true
if [ -s "$work/closed.ids" ]; then
    osmium removeid --no-progress "$work/walk.pbf" -i "$work/closed.ids" -o "$work/open.pbf"
else
    cp "$work/walk.pbf" "$work/open.pbf"
fi
osmium cat --no-progress "$work/open.pbf" -o "$work/open.osm"
say "$(wc -l < "$work/broken.ids") ways with missing nodes and $(wc -l < "$work/closed.ids") ways closed to pedestrians removed"

# 4. Import into a scratch schema, move into skolval, drop the scratch schema.
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'DROP SCHEMA IF EXISTS skolval_osm_import CASCADE; CREATE SCHEMA skolval_osm_import'
osm2pgrouting -f "$work/open.osm" -c "$SKOLVAL_ROOT/scripts/osm/walking-mapconfig.xml" -d "$db" \
    ${PGUSER:+-U "$PGUSER"} ${PGHOST:+-h "$PGHOST"} ${PGPORT:+-p "$PGPORT"} \
    --schema skolval_osm_import --clean > "$work/osm2pgrouting.log" 2>&1 \
    || { tail -n 20 "$work/osm2pgrouting.log" >&2; say "osm2pgrouting failed"; exit 1; }
psql -X -v ON_ERROR_STOP=1 -d "$db" -v name="$name" -v source="osm:$(basename "$pbf")" <<'SQL'
SELECT network_id, name, edge_count, vertex_count, round(total_length_m / 1000) AS km,
       dropped_edge_count, content_hash
  FROM skolval.network_load(:'name', :'source',
         'SELECT w.gid AS id, w.source, w.target, w.the_geom AS geom, c.tag_value AS kind, w.name
            FROM skolval_osm_import.ways w
            JOIN skolval_osm_import.configuration c USING (tag_id)');
DROP SCHEMA skolval_osm_import CASCADE;
SQL
say "loaded in $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo '?') s"

#!/usr/bin/env bash
# Real OpenStreetMap data in the data model: import the Liechtenstein extract with osm2pgrouting
# (Debian's pedestrian profile, fixed), store it as a skolval network in the local UTM zone
# (EPSG:32632, the settings' SRID), finish it, and check units and homes against it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_osm liechtenstein.osm.pbf
require_cmd osmium
require_cmd osm2pgrouting

work=$(mktemp -d)
scratch_db skolval_test_osm
trap 'rm -rf "$work"; dropdb --if-exists skolval_test_osm >/dev/null 2>&1 || true' EXIT

osmium tags-filter --no-progress "$OSM_DIR/liechtenstein.osm.pbf" w/highway -o "$work/hw.osm.pbf"
osmium cat --no-progress "$work/hw.osm.pbf" -o "$work/hw.osm"
# Debian's pedestrian config has an XML comment containing "--" on its last lines; drop it.
grep -v -- '<!-- use command line' /usr/share/osm2pgrouting/mapconfig_for_pedestrian.xml > "$work/ped.xml"
"${PSQL[@]}" -d skolval_test_osm -c 'CREATE SCHEMA osm'
osm2pgrouting -f "$work/hw.osm" -c "$work/ped.xml" -d skolval_test_osm -U "$PGUSER" -h "$PGHOST" -p "$PGPORT" \
    --schema osm --clean >"$work/import.log" 2>&1 || { tail -20 "$work/import.log"; fail "osm2pgrouting failed"; }

out=$("${PSQL[@]}" -d skolval_test_osm <<'SQL'
SELECT srid FROM skolval.configure(municipality_code => '9001', municipality_name => 'Liechtenstein (test)', srid => 32632);
INSERT INTO skolval.network (network_id, name, source, srid) VALUES (1, 'Liechtenstein 2015', 'osm:liechtenstein.osm.pbf', 32632);
INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, kind, name, geom)
SELECT 1, w.gid, w.source, w.target, ST_Length(g), c.tag_value, w.name, g
  FROM osm.ways w
  JOIN osm.configuration c USING (tag_id),
       LATERAL (SELECT ST_Transform(w.the_geom, 32632) AS g) x
 WHERE ST_Length(g) > 0;
SELECT edge_count > 7000, dropped_edge_count > 0, vertex_count > 5000, round(total_length_m / 1000) > 900, is_active
  FROM skolval.network_finish(1);
-- A school in Vaduz given in WGS84 is stored in UTM 32N; one in Zürich is rejected.
INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
VALUES ('LI000001', 'Primarschule Vaduz', 'municipal', '{forskoleklass,grundskola}',
        ST_SetSRID(ST_MakePoint(9.5209, 47.1410), 4326));
SELECT ST_SRID(location), round(ST_X(location)) BETWEEN 530000 AND 550000 AND round(ST_Y(location)) BETWEEN 5210000 AND 5230000 FROM skolval.unit;
DO $$ BEGIN
  INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
  VALUES ('CH000001', 'Zürich', 'municipal', '{grundskola}', ST_SetSRID(ST_MakePoint(8.5417, 47.3769), 4326));
  RAISE EXCEPTION 'Zürich was accepted';
EXCEPTION WHEN check_violation THEN RAISE NOTICE 'rejected: %', SQLERRM;
END $$;
-- Walking is never shorter than the straight line between the two ends of a route.
WITH v AS (SELECT source AS id, ST_StartPoint(geom) AS p FROM skolval.edge ORDER BY edge_id LIMIT 40),
     d AS (SELECT * FROM pgr_dijkstraCost(skolval.network_edges_sql(1),
                                          (SELECT array_agg(id) FROM v), (SELECT array_agg(id) FROM v), directed => false))
SELECT count(*) > 100, count(*) FILTER (WHERE d.agg_cost + 0.01 < ST_Distance(a.p, b.p))
  FROM d JOIN v a ON a.id = d.start_vid JOIN v b ON b.id = d.end_vid;
SQL
) || fail "SQL failed: $out"
echo "$out"
assert_eq "settings srid" 32632 "$(sed -n 1p <<<"$out")"
assert_eq "network counts" "t|t|t|t|t" "$(sed -n 2p <<<"$out")"
assert_eq "unit stored in UTM 32N" "32632|t" "$(sed -n 3p <<<"$out")"
assert_eq "routes checked, none shorter than the straight line" "t|0" "$(sed -n 4p <<<"$out")"

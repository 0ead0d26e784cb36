#!/usr/bin/env bash
# Real OpenStreetMap data end to end: load the Liechtenstein extract with the shipped
# scripts/load-osm.sh into a network stored in the local UTM zone (EPSG:32632, the settings'
# SRID), check units against it, compute walking distances for a round, and compare them with
# pgRouting's own Dijkstra where homes and units stand exactly on network vertices.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_osm liechtenstein.osm.pbf
require_cmd osmium
require_cmd osm2pgrouting

scratch_db skolval_test_osm
"${PSQL[@]}" -d skolval_test_osm -c "SELECT skolval.configure(municipality_code => '9001', srid => 32632)" >/dev/null
bash "$SKOLVAL_ROOT/scripts/load-osm.sh" "$OSM_DIR/liechtenstein.osm.pbf" "Liechtenstein 2015" skolval_test_osm \
    > /tmp/skolval-osm-load.$$ 2>&1 || { cat /tmp/skolval-osm-load.$$; fail "load-osm.sh failed"; }
rm -f /tmp/skolval-osm-load.$$

out=$("${PSQL[@]}" -d skolval_test_osm <<'SQL'
SET client_min_messages = warning;
SELECT edge_count > 7000, dropped_edge_count > 0, round(total_length_m / 1000) > 900, is_active, srid
  FROM skolval.network WHERE is_active;
-- A school in Vaduz given in WGS84 is stored in UTM 32N; one in Zürich is rejected.
INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, school_forms, location)
VALUES (1000, 'LI000001', 'Primarschule Vaduz', 'municipal', '{forskoleklass,grundskola}',
        ST_SetSRID(ST_MakePoint(9.5209, 47.1410), 4326));
SELECT ST_SRID(location), round(ST_X(location)) BETWEEN 530000 AND 550000 AND round(ST_Y(location)) BETWEEN 5210000 AND 5230000
  FROM skolval.unit;
DO $$ BEGIN
  INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
  VALUES ('CH000001', 'Zürich', 'municipal', '{grundskola}', ST_SetSRID(ST_MakePoint(8.5417, 47.3769), 4326));
  RAISE EXCEPTION 'Zürich was accepted';
EXCEPTION WHEN check_violation THEN NULL;
END $$;
SELECT 'zurich rejected';
-- Eight more units and 300 homes standing exactly on vertices of the network.
CREATE TEMP TABLE vtx AS
  SELECT DISTINCT ON (source) source AS vid, ST_StartPoint(geom) AS pt FROM skolval.edge ORDER BY source, edge_id;
INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, school_forms, location)
SELECT n, 'LI' || n, 'Schule ' || n, CASE WHEN n % 3 = 0 THEN 'independent' ELSE 'municipal' END, '{forskoleklass}', v.pt
  FROM generate_series(1, 8) n,
       LATERAL (SELECT pt FROM vtx ORDER BY skolval.seeded_random(5, 'unit', n * 100000 + vid) LIMIT 1) v;
INSERT INTO skolval.child (child_id, personal_number)
SELECT n, skolval.personal_number_make('2021-01-01'::date + n % 365, n % 1000) FROM generate_series(1, 300) n;
INSERT INTO skolval.residence (residence_id, child_id, municipality_code, home, valid_from)
SELECT n, n, '9001', v.pt, '2021-01-01'
  FROM generate_series(1, 300) n,
       LATERAL (SELECT pt FROM vtx OFFSET floor(skolval.seeded_random(5, 'home', n) * (SELECT count(*) FROM vtx)) LIMIT 1) v;
INSERT INTO skolval.placement_round (round_id, name, municipality_code, start_date, cohort_birth_year)
VALUES (1, 'LI 2027', '9001', '2027-08-16', 2021);
SELECT skolval.round_fill_cohort(1);
SELECT pairs = children * units, pairs, unreachable + off_network + no_home FROM skolval.compute_distances(1);
-- Every pair has a row; walking is never shorter than the straight line; on vertices the walk
-- equals pgr_dijkstraCost between the two vertices (to the centimetre).
SELECT count(*) FILTER (WHERE walking_m < straight_m - 0.5) FROM skolval.distance;
WITH hv AS (SELECT r.residence_id, v.vid FROM skolval.residence r JOIN vtx v ON ST_Equals(v.pt, r.home)),
     uv AS (SELECT u.unit_id, v.vid FROM skolval.unit u JOIN vtx v ON ST_Equals(v.pt, u.location)),
     dj AS (SELECT * FROM pgr_dijkstraCost(skolval.network_edges_sql(skolval.active_network_id()),
                       (SELECT array_agg(DISTINCT vid) FROM uv), (SELECT array_agg(DISTINCT vid) FROM hv), directed => false))
SELECT count(*) > 1000, max(abs(d.walking_m - coalesce(dj.agg_cost, 0))) < 0.01
  FROM skolval.distance d
  JOIN hv ON hv.residence_id = d.residence_id
  JOIN uv ON uv.unit_id = d.unit_id
  LEFT JOIN dj ON dj.start_vid = uv.vid AND dj.end_vid = hv.vid;
SQL
) || fail "SQL failed: $out"
echo "$out"
assert_eq "network loaded by load-osm.sh" "t|t|t|t|32632" "$(sed -n 1p <<<"$out")"
assert_eq "unit stored in UTM 32N" "32632|t" "$(sed -n 2p <<<"$out")"
assert_eq "far point rejected" "zurich rejected" "$(sed -n 3p <<<"$out")"
assert_eq "cohort" 300 "$(sed -n 4p <<<"$out")"
assert_eq "every pair has a distance, all reachable" "t|2700|0" "$(sed -n 5p <<<"$out")"
assert_eq "walks shorter than the straight line" 0 "$(sed -n 6p <<<"$out")"
assert_eq "agreement with pgr_dijkstraCost on vertices" "t|t" "$(sed -n 7p <<<"$out")"

#!/usr/bin/env bash
# The route drawn is the walk measured, on real OpenStreetMap data (issue 17, item 1): load
# Monaco and central Copenhagen with scripts/load-osm.sh, place units and homes where routes
# went wrong before (on loop edges whose two ends are one vertex, such as turning loops; home and
# unit on one edge, where going round the block can be shorter than along it) and at random
# points near the network, compute the distances of a round, and check for EVERY pair of the
# round that the ground length of skolval.route() equals the stored walking distance to a
# millimetre, and that the routes a run's documents record (_routes) are route()'s. Also: every edge carries its OSM way id, and every dropped piece is kept.
# Generated instances: the seed is printed; SKOLVAL_SEED chooses another.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd osmium
require_cmd osm2pgrouting
seed=${SKOLVAL_SEED:-$(( $(date +%s) % 100000 ))}
echo "seed $seed (SKOLVAL_SEED=$seed reruns this instance)"
export PGOPTIONS="${PGOPTIONS:-} -c statement_timeout=600s"

check_extract() {
    local file=$1 srid=$2
    require_osm "$file"
    scratch_db skolval_test_osm_routes
    "${PSQL[@]}" -d skolval_test_osm_routes -c "SELECT skolval.configure(municipality_code => '9001', srid => $srid)" >/dev/null
    bash "$SKOLVAL_ROOT/scripts/load-osm.sh" "$OSM_DIR/$file" "$file" skolval_test_osm_routes \
        > /tmp/skolval-osm-routes.$$ 2>&1 || { cat /tmp/skolval-osm-routes.$$; fail "load-osm.sh failed on $file"; }
    rm -f /tmp/skolval-osm-routes.$$
    out=$("${PSQL[@]}" -d skolval_test_osm_routes -v seed="$seed" <<'SQL'
SET client_min_messages = warning;
-- Every edge keeps its OSM way id; the dropped pieces are kept with theirs.
SELECT count(*) > 1000, count(*) FILTER (WHERE source_id IS NULL OR source_id <= 0) FROM skolval.edge;
SELECT n.dropped_edge_count = (SELECT count(*) FROM skolval.network_dropped_edge d WHERE d.network_id = n.network_id),
       (SELECT count(*) FROM skolval.network_dropped_edge d WHERE d.source_id IS NULL)
  FROM skolval.network n WHERE n.is_active;
-- Points along edges, 0-3 m to one side: on loop edges, on shared edges, anywhere.
CREATE TEMP TABLE e AS
  SELECT row_number() OVER (ORDER BY edge_id) AS k, edge_id, geom, source = target AS loop FROM skolval.edge;
CREATE FUNCTION pg_temp.along(g geometry, f float8, off float8) RETURNS geometry LANGUAGE sql AS $$
  SELECT ST_Translate(ST_LineInterpolatePoint(g, f), off, off) $$;
CREATE FUNCTION pg_temp.pick(seed bigint, stream text, n bigint, only_loops boolean) RETURNS bigint LANGUAGE sql AS $$
  SELECT edge_id FROM e WHERE loop OR NOT only_loops
   ORDER BY skolval.seeded_random(seed, stream, n * 100000 + k) LIMIT 1 $$;
-- Six units: two on loop edges, four anywhere.
INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, school_forms, location)
SELECT n, 'T' || n, 'Skola ' || n, CASE WHEN n = 6 THEN 'independent' ELSE 'municipal' END, '{forskoleklass}',
       pg_temp.along(x.geom, 0.02 + 0.96 * skolval.seeded_random(:seed, 'uf', n), 3 * skolval.seeded_random(:seed, 'uo', n))
  FROM (SELECT n, pg_temp.pick(:seed, 'unit', n, n <= 2) AS edge_id FROM generate_series(1, 6) n OFFSET 0) c
  JOIN e x USING (edge_id);
-- 90 homes: 30 on loop edges, 30 on the edge of a unit (each unit's), 30 anywhere.
INSERT INTO skolval.child (child_id, personal_number)
SELECT n, skolval.personal_number_make('2021-01-01'::date + n % 365, n % 1000) FROM generate_series(1, 90) n;
INSERT INTO skolval.residence (residence_id, child_id, municipality_code, home, valid_from)
SELECT c.n, c.n, '9001',
       pg_temp.along(x.geom, 0.02 + 0.96 * skolval.seeded_random(:seed, 'hf', n), 3 * skolval.seeded_random(:seed, 'ho', n)),
       '2021-01-01'
  FROM (SELECT n, CASE WHEN n <= 30 THEN pg_temp.pick(:seed, 'home', n, true)
                       WHEN n <= 60 THEN (SELECT s.edge_id FROM skolval.edge s
                                           ORDER BY s.geom <-> (SELECT u.location FROM skolval.unit u WHERE u.unit_id = 1 + n % 6) LIMIT 1)
                       ELSE pg_temp.pick(:seed, 'home', n, false) END AS edge_id
          FROM generate_series(1, 90) n OFFSET 0) c
  JOIN e x USING (edge_id);
INSERT INTO skolval.placement_round (round_id, name, municipality_code, start_date, cohort_birth_year)
VALUES (1, 'OSM 2027', '9001', '2027-08-16', 2021);
SELECT skolval.round_fill_cohort(1);
SELECT pairs, ok > pairs / 2 FROM skolval.compute_distances(1);
-- Where the old routes went wrong: pairs whose home or unit is on a loop edge, and pairs on one
-- edge (some of them going round).
SELECT count(*) FILTER (WHERE hl.loop OR ul.loop) >= 100, count(*) FILTER (WHERE hs.edge_id = us.edge_id) >= 20
  FROM skolval.distance d
  JOIN skolval.snap hs ON hs.point_kind = 'home' AND hs.ref_id = d.residence_id
  JOIN skolval.snap us ON us.point_kind = 'unit' AND us.ref_id = d.unit_id
  JOIN e hl ON hl.edge_id = hs.edge_id JOIN e ul ON ul.edge_id = us.edge_id
 WHERE d.status = 'ok';
-- Every pair of the round: length(route) on the ground = the stored distance (1 mm).
SELECT count(*),
       count(*) FILTER (WHERE abs(skolval.ground_length(skolval.route(d.residence_id, d.unit_id)) - d.walking_m) < 0.001),
       coalesce(string_agg(d.residence_id || '->' || d.unit_id || ': stored ' || round(d.walking_m::numeric, 3) || ', drawn '
                           || round(skolval.ground_length(skolval.route(d.residence_id, d.unit_id))::numeric, 3), '; ')
                  FILTER (WHERE abs(skolval.ground_length(skolval.route(d.residence_id, d.unit_id)) - d.walking_m) >= 0.001), '-')
  FROM skolval.round_home h
  JOIN skolval.distance d ON d.residence_id = h.residence_id AND d.network_id = h.network_id
 WHERE h.round_id = 1 AND d.status = 'ok';
-- The routes a published run's documents record (skolval._routes(): all pairs in one
-- pgRouting call) are route()'s, byte for byte, for every pair of the round.
WITH pairs AS (
  SELECT d.residence_id, d.unit_id FROM skolval.round_home h
    JOIN skolval.distance d ON d.residence_id = h.residence_id AND d.network_id = h.network_id
   WHERE h.round_id = 1 AND d.status = 'ok'),
r AS (SELECT * FROM skolval._routes(skolval.active_network_id(),
                                    ARRAY(SELECT p.residence_id FROM pairs p ORDER BY p.residence_id, p.unit_id),
                                    ARRAY(SELECT p.unit_id FROM pairs p ORDER BY p.residence_id, p.unit_id)))
SELECT (SELECT count(*) FROM pairs), count(*),
       count(*) FILTER (WHERE ST_AsEWKB(r.route) = ST_AsEWKB(skolval.route(r.residence_id, r.unit_id))),
       coalesce(string_agg(r.residence_id || '->' || r.unit_id, ' ')
                  FILTER (WHERE ST_AsEWKB(r.route) IS DISTINCT FROM ST_AsEWKB(skolval.route(r.residence_id, r.unit_id))), '-')
  FROM r;
SQL
) || fail "SQL failed on $file: $out"
    echo "$out"
    assert_eq "$file: edges with an OSM way id" "t|0" "$(sed -n 1p <<<"$out")"
    assert_eq "$file: every dropped edge kept, with its way id" "t|0" "$(sed -n 2p <<<"$out")"
    assert_eq "$file: every pair has a row, most reachable" "540|t" "$(sed -n 4p <<<"$out")"
    assert_eq "$file: loop and shared-edge pairs present" "t|t" "$(sed -n 5p <<<"$out")"
    IFS='|' read -r n agree bad <<<"$(sed -n 6p <<<"$out")"
    [ "$n" -gt 270 ] || fail "$file: only $n reachable pairs"
    assert_eq "$file: routes as long as the stored distance ($n pairs; wrong: $bad)" "$n" "$agree"
    IFS='|' read -r n_pairs n_drawn n_same differ <<<"$(sed -n 7p <<<"$out")"
    assert_eq "$file: the documents' routes (_routes) are route()'s for every pair (differ: $differ)" "$n|$n|$n" "$n_pairs|$n_drawn|$n_same"
    dropdb --if-exists skolval_test_osm_routes >/dev/null 2>&1 || true
}

check_extract monaco.osm.pbf 32632
check_extract kbh.osm.pbf 32633

#!/usr/bin/env bash
# The example municipality: install what is missing, build and install skolval, start the
# private cluster, (re)create the extension in $SKOLVAL_DB, fill it with
# skolval.demo_municipality() and print a short summary.
#
#   SKOLVAL_DEMO_CHILDREN (1500), SKOLVAL_DEMO_SEED (1), SKOLVAL_DEMO_EDGES (30000) size it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SKOLVAL_ROOT"

children=${SKOLVAL_DEMO_CHILDREN:-1500}
seed=${SKOLVAL_DEMO_SEED:-1}
edges=${SKOLVAL_DEMO_EDGES:-30000}

bash scripts/deps.sh
bash scripts/build.sh

if [ "$SKOLVAL_EXTERNAL" != 1 ]; then
    bash scripts/cluster.sh start
    trap 'bash scripts/cluster.sh stop' EXIT
fi

run_psql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$SKOLVAL_DB" "$@"
}

say "creating the extension in database $SKOLVAL_DB"
run_psql -c "SET client_min_messages = warning" \
         -c "DROP EXTENSION IF EXISTS skolval CASCADE" \
         -c "CREATE EXTENSION IF NOT EXISTS postgis" \
         -c "CREATE EXTENSION IF NOT EXISTS pgrouting" \
         -c "CREATE EXTENSION skolval"

say "generating the example municipality ($children children, seed $seed, about $edges edges)"
started=$(date +%s%N)
# One session: generate, then one line per topic from the summary and the generated data.
run_psql -At -v children="$children" -v seed="$seed" -v edges="$edges" <<'SQL'
SET client_min_messages = warning;
SELECT pg_catalog.clock_timestamp() AS t0 \gset
CREATE TEMP TABLE summary AS
  SELECT * FROM skolval.demo_municipality(children => :children, seed => :seed, network_edges => :edges);
SELECT round(extract(epoch FROM pg_catalog.clock_timestamp() - :'t0'::timestamptz)::numeric, 1) AS seconds \gset
-- Walking distances from every cohort home to every förskoleklass unit.
CREATE TEMP TABLE dist AS
  SELECT * FROM skolval.compute_distances((SELECT round_id FROM skolval.placement_round ORDER BY round_id LIMIT 1));
-- Per child: the nearest unit by straight line and by walking, and whether the river lies
-- between the child and the straight-line nearest one.
CREATE TEMP TABLE near AS
  SELECT h.child_id, h.residence_id, s.unit_id AS by_straight, w.unit_id AS by_walking
    FROM skolval.round_home h
    JOIN (SELECT DISTINCT ON (d.residence_id) d.residence_id, d.unit_id FROM skolval.distance d
           WHERE d.status = 'ok' ORDER BY d.residence_id, d.straight_m, d.unit_id) s USING (residence_id)
    JOIN (SELECT DISTINCT ON (d.residence_id) d.residence_id, d.unit_id FROM skolval.distance d
           WHERE d.status = 'ok' ORDER BY d.residence_id, d.walking_m, d.unit_id) w USING (residence_id);
CREATE TEMP TABLE walk AS
  SELECT n.child_id, x.straight_m AS straight, x.walking_m AS walking
    FROM near n
    JOIN skolval.distance x ON x.residence_id = n.residence_id AND x.unit_id = n.by_straight
    JOIN skolval.residence r ON r.residence_id = n.residence_id
    JOIN skolval.unit u ON u.unit_id = n.by_straight
   CROSS JOIN (SELECT geom FROM skolval.demo_feature WHERE feature = 'north_of_river') f
   WHERE ST_Contains(f.geom, r.home) <> ST_Contains(f.geom, u.location);

-- Placement: deferred acceptance over Lund's criteria, then administrative placement.
CREATE TEMP TABLE run AS
  SELECT * FROM skolval.allocate((SELECT round_id FROM skolval.placement_round ORDER BY round_id LIMIT 1));
CREATE TEMP TABLE cmp AS SELECT * FROM skolval.mechanism_comparison WHERE run_id = (SELECT run_id FROM run);

WITH s AS (SELECT pg_catalog.jsonb_object_agg(item, value) AS j FROM summary),
     g AS (SELECT (s.j ->> k)::bigint AS n, k FROM s, jsonb_object_keys(s.j) k)
SELECT line FROM (
SELECT o, line FROM (VALUES
  (1, format('Exempelkommun (municipality code 9999), seed %s, generated in %s s', :seed, :'seconds')),
  (2, format('Network    %s edges, %s vertices, %s km of streets and paths (EPSG:3006)',
             (SELECT n FROM g WHERE k = 'network edges'), (SELECT n FROM g WHERE k = 'network vertices'),
             (SELECT n FROM g WHERE k = 'network km'))),
  (3, format('           %s bridges over the river, %s underpasses under the railway, %s edges dropped (not connected)',
             (SELECT n FROM g WHERE k = 'bridges'), (SELECT n FROM g WHERE k = 'underpasses'),
             (SELECT n FROM g WHERE k = 'edges dropped (not connected)'))),
  (4, format('Districts  %s, under %s administrations', (SELECT count(*) FROM skolval.district),
             (SELECT count(DISTINCT administration) FROM skolval.district))),
  (5, format('Schools    %s municipal + %s independent (förskoleklass, grundskola, fritidshem)',
             (SELECT n FROM g WHERE k = 'municipal schools'), (SELECT n FROM g WHERE k = 'independent schools'))),
  (6, format('Preschools %s municipal + %s independent (förskola)',
             (SELECT n FROM g WHERE k = 'municipal preschools'), (SELECT n FROM g WHERE k = 'independent preschools'))),
  (7, format('Cohort     %s children born 2021 in "%s": %s with wishes (%s wishes), %s without',
             (SELECT n FROM g WHERE k = 'cohort children'), (SELECT name FROM skolval.placement_round LIMIT 1),
             (SELECT n FROM g WHERE k = 'with wishes'), (SELECT n FROM g WHERE k = 'wishes'),
             (SELECT n FROM g WHERE k = 'without wishes'))),
  (8, format('           %s with an older sibling (%s sibling claims), %s twin pairs, %s with protected identity',
             (SELECT n FROM g WHERE k = 'with an older sibling'), (SELECT n FROM g WHERE k = 'sibling claims'),
             (SELECT n FROM g WHERE k = 'twin pairs'), (SELECT n FROM g WHERE k = 'protected identity'))),
  (9, format('Capacity   %s seats = %s %% of the cohort; %s of %s schools get more first choices than seats',
             (SELECT n FROM g WHERE k = 'seats'),
             round(100.0 * (SELECT n FROM g WHERE k = 'seats') / (SELECT n FROM g WHERE k = 'cohort children')),
             (SELECT count(*) FROM skolval.round_capacity rc
               WHERE rc.seats < (SELECT count(*) FROM skolval.wish w WHERE w.unit_id = rc.unit_id AND w.rank = 1)),
             (SELECT count(*) FROM skolval.round_capacity))),
  (10, format('Register   %s enrollments at independent units in 2026; %s children in all',
             (SELECT n FROM g WHERE k = 'enrollments in 2026 at independent units'),
             (SELECT n FROM g WHERE k = 'children in the register'))),
  (11, format('Distances  %s pairs (%s children x %s units) walked in %s s: snap %s ms, route %s ms, store %s ms',
             (SELECT pairs FROM dist), (SELECT children FROM dist), (SELECT units FROM dist),
             round((SELECT milliseconds FROM dist) / 1000.0, 1),
             (SELECT snap_ms FROM dist), (SELECT route_ms FROM dist), (SELECT store_ms FROM dist))),
  (12, format('           %s ok, %s unreachable, %s off the network, %s without a home point',
             (SELECT ok FROM dist), (SELECT unreachable FROM dist), (SELECT off_network FROM dist), (SELECT no_home FROM dist))),
  (13, format('           %s of %s children (%s %%) have a nearer school by straight line than by walking',
             (SELECT count(*) FROM near WHERE by_straight <> by_walking), (SELECT count(*) FROM near),
             round(100.0 * (SELECT count(*) FROM near WHERE by_straight <> by_walking) / greatest(1, (SELECT count(*) FROM near)), 1))),
  (14, format('River      %s children have their nearest school by straight line across the river', (SELECT count(*) FROM walk))),
  (15, format('           for them: straight line median %s m, walking median %s m (a median %s times as far)',
             (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY straight)) FROM walk),
             (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY walking)) FROM walk),
             (SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY walking / greatest(straight, 1)))::numeric, 1) FROM walk))),
  (16, format('Placement run %s (deferred acceptance, %s ms): %s children placed, %s %% first choice, %s %% one of the top three',
             (SELECT run_id FROM run), (SELECT milliseconds FROM run), (SELECT children FROM run),
             (SELECT first_choice_pct FROM cmp), (SELECT top3_pct FROM cmp))),
  (17, format('           %s without wishes offered their nearest school, %s placed administratively (least total walking)',
             (SELECT near_home_offer FROM run), (SELECT administrative FROM run))),
  (18, 'Most oversubscribed (first choices / seats) and their cut-offs:')
) v(o, line)
UNION ALL
SELECT * FROM (
  SELECT 19 + row_number() OVER (ORDER BY s.first_choice_applicants::numeric / s.seats DESC, s.unit_name),
         format('  %-28s %3s seats, %3s first choices; last admitted: %s', s.unit_name, s.seats,
                s.first_choice_applicants, s.cutoff_sv)
    FROM skolval.placement_unit_stats s
   WHERE s.run_id = (SELECT run_id FROM run) AND s.seats > 0 AND s.oversubscribed
   ORDER BY s.first_choice_applicants::numeric / s.seats DESC, s.unit_name
   LIMIT 3) top
) lines
ORDER BY o;
SQL
ms=$(( ($(date +%s%N) - started) / 1000000 ))
say "done in $((ms / 1000)).$((ms % 1000 / 100)) s wall time; the data stays in database $SKOLVAL_DB"

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
CREATE TEMP TABLE v AS
  SELECT e.source AS id, ST_StartPoint(e.geom) AS geom FROM skolval.edge e
  UNION SELECT e.target, ST_EndPoint(e.geom) FROM skolval.edge e;
CREATE INDEX ON v USING gist (geom);
-- Each cohort child's nearest förskoleklass school by straight line, and whether the river
-- lies between them.
CREATE TEMP TABLE near AS
  SELECT rc.child_id, r.home, s.location AS school,
         ST_Contains(f.geom, r.home) <> ST_Contains(f.geom, s.location) AS across
    FROM skolval.round_cohort rc
    JOIN skolval.residence r ON r.child_id = rc.child_id AND r.home IS NOT NULL
   CROSS JOIN LATERAL (SELECT u.location FROM skolval.unit u
                        WHERE 'forskoleklass' = ANY (u.school_forms::text[])
                        ORDER BY u.location <-> r.home LIMIT 1) s
   CROSS JOIN (SELECT geom FROM skolval.demo_feature WHERE feature = 'north_of_river') f;
-- Walking distance (between the nearest network vertices) for those across the river.
CREATE TEMP TABLE walk AS
  SELECT n.child_id, ST_Distance(n.home, n.school) AS straight, d.agg_cost AS walking
    FROM near n
   CROSS JOIN LATERAL (SELECT v.id FROM v ORDER BY v.geom <-> n.home LIMIT 1) a
   CROSS JOIN LATERAL (SELECT v.id FROM v ORDER BY v.geom <-> n.school LIMIT 1) b
   CROSS JOIN LATERAL pgr_dijkstraCost(skolval.network_edges_sql(skolval.active_network_id()), a.id, b.id, false) d
   WHERE n.across;

WITH s AS (SELECT pg_catalog.jsonb_object_agg(item, value) AS j FROM summary),
     g AS (SELECT (s.j ->> k)::bigint AS n, k FROM s, jsonb_object_keys(s.j) k)
SELECT line FROM (VALUES
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
  (11, format('River      %s of %s cohort children (%s %%) have their nearest school by straight line across the river',
             (SELECT count(*) FROM near WHERE across), (SELECT count(*) FROM near),
             round(100.0 * (SELECT count(*) FROM near WHERE across) / greatest(1, (SELECT count(*) FROM near)), 1))),
  (12, format('           for them: straight line median %s m, walking median %s m (a median %s times as far)',
             (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY straight)) FROM walk),
             (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY walking)) FROM walk),
             (SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY walking / greatest(straight, 1)))::numeric, 1) FROM walk)))
) v(o, line)
ORDER BY o;
SQL
ms=$(( ($(date +%s%N) - started) / 1000000 ))
say "done in $((ms / 1000)).$((ms % 1000 / 100)) s wall time; the data stays in database $SKOLVAL_DB"

#!/usr/bin/env bash
# compute_distances() against an independent recomputation (issue 17): after each of four
# computations of the example municipality (a first one within 2.5 km, 20 homes moved and an
# incremental refresh, a tight snap limit with two children without a residence and a moved unit
# and a full refresh, then every unit), every pair of the round is recomputed WITHOUT skolval
# and without pgRouting:
#   * snapping by brute force (every edge's distance to the point, no index), the snap segment
#     and the edge lengths in metres on the ground by ST_DistanceSpheroid / ST_LengthSpheroid on
#     WGS 84 (not skolval's geography functions), the fraction as the share of the ground length;
#   * the walk by bench/csr_dijkstra.c, a plain C Dijkstra over the edges' ground lengths;
#   * which pairs exist from the straight line on the ground (the radius) and the wishes;
#   * each pair's status from the oracle's snaps and paths.
# Asserts: the same pairs, every status equal, every walking distance within 1 mm, every straight
# line within 1 mm per km, and the home_off_network issues exactly the oracle's off-network homes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd cc
export PGOPTIONS="${PGOPTIONS:-} -c statement_timeout=300s"
work=$(mktemp -d)
db=skolval_test_dist_oracle
trap 'rm -rf "$work"; dropdb --if-exists $db >/dev/null 2>&1 || true' EXIT
cc -O2 -std=gnu11 -o "$work/csr_dijkstra" "$SKOLVAL_ROOT/bench/csr_dijkstra.c" -lm || fail "bench/csr_dijkstra.c does not compile"

dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
q() { "${PSQL[@]}" -d "$db" "$@"; }
q -c "CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval;" >/dev/null
q >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT count(*) FROM skolval.demo_municipality(children => 600, seed => 3, network_edges => 8000);
SQL

total=0
# check STEP RADIUS: recompute the round's pairs independently and compare.
check() {
    local step=$1 radius=$2
    q >/dev/null <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS o_pts, o_pairs, o_walk;
CREATE TABLE o_pts AS
WITH pts AS (
  SELECT DISTINCT 'home'::text AS kind, r.residence_id AS ref, r.home AS pt
    FROM skolval.round_home h JOIN skolval.residence r USING (residence_id)
   WHERE h.round_id = 1 AND r.home IS NOT NULL
  UNION ALL
  SELECT 'unit', u.unit_id, u.location FROM skolval.unit u, skolval.placement_round pr
   WHERE pr.round_id = 1 AND pr.school_form::text = ANY (u.school_forms::text[]))
SELECT p.kind, p.ref, p.pt, n.edge_id, n.snap_m, n.frac,
       n.snap_m <= coalesce((SELECT s.snap_limit_m FROM skolval.settings s), 250) AS on_network
  FROM pts p
  CROSS JOIN LATERAL (
    SELECT e.edge_id,
           ST_DistanceSpheroid(ST_Transform(p.pt, 4326), ST_Transform(ST_ClosestPoint(e.geom, p.pt), 4326),
                               'SPHEROID["WGS 84",6378137,298.257223563]') AS snap_m,
           ST_LengthSpheroid(ST_Transform(ST_LineSubstring(e.geom, 0, ST_LineLocatePoint(e.geom, p.pt)), 4326),
                             'SPHEROID["WGS 84",6378137,298.257223563]')
             / ST_LengthSpheroid(ST_Transform(e.geom, 4326), 'SPHEROID["WGS 84",6378137,298.257223563]') AS frac
      FROM skolval.edge e WHERE e.network_id = skolval.active_network_id()
     ORDER BY ST_Distance(e.geom, p.pt), e.edge_id LIMIT 1) n;
-- The pairs: every home of the round with every unit of the form within the radius on the
-- ground, and every wished unit.
CREATE TABLE o_pairs AS
SELECT h.residence_id, h.child_id, u.ref AS unit_id, r.home IS NULL AS no_point,
       ST_DistanceSpheroid(ST_Transform(r.home, 4326), ST_Transform(u.pt, 4326), 'SPHEROID["WGS 84",6378137,298.257223563]') AS straight
  FROM skolval.round_home h JOIN skolval.residence r USING (residence_id)
  JOIN o_pts u ON u.kind = 'unit'
 WHERE h.round_id = 1
   AND ($radius::float8 IS NULL
        OR ST_DistanceSpheroid(ST_Transform(r.home, 4326), ST_Transform(u.pt, 4326), 'SPHEROID["WGS 84",6378137,298.257223563]') <= $radius::float8
        OR EXISTS (SELECT 1 FROM skolval.wish w WHERE w.round_id = 1 AND w.child_id = h.child_id AND w.unit_id = u.ref));
\copy (SELECT e.edge_id, e.source, e.target, ST_LengthSpheroid(ST_Transform(e.geom, 4326), 'SPHEROID["WGS 84",6378137,298.257223563]') FROM skolval.edge e WHERE e.network_id = skolval.active_network_id()) TO '$work/edges.csv' CSV
\copy (SELECT kind, ref, edge_id, frac, snap_m FROM o_pts WHERE on_network ORDER BY kind DESC, ref) TO '$work/points.csv' CSV
SQL
    "$work/csr_dijkstra" "$work/edges.csv" "$work/points.csv" "$work/walk.csv" > "$work/c.out" || fail "csr_dijkstra failed"
    out=$(q <<SQL
SET client_min_messages = warning;
CREATE TABLE o_walk (residence_id bigint, unit_id bigint, walking_m float8);
\copy o_walk FROM '$work/walk.csv' CSV
WITH oracle AS (
  SELECT p.residence_id, p.unit_id, p.straight, w.walking_m,
         CASE WHEN p.no_point THEN 'no_home_point'
              WHEN NOT hp.on_network THEN 'home_off_network'
              WHEN NOT up.on_network THEN 'unit_off_network'
              WHEN w.walking_m IS NULL THEN 'unreachable' ELSE 'ok' END AS status
    FROM o_pairs p
    LEFT JOIN o_pts hp ON hp.kind = 'home' AND hp.ref = p.residence_id
    JOIN o_pts up ON up.kind = 'unit' AND up.ref = p.unit_id
    LEFT JOIN o_walk w ON w.residence_id = p.residence_id AND w.unit_id = p.unit_id),
stored AS (
  SELECT d.* FROM skolval.round_home h
    JOIN skolval.distance d ON d.residence_id = h.residence_id AND d.network_id = skolval.active_network_id()
   WHERE h.round_id = 1)
SELECT (SELECT count(*) FROM oracle),
       (SELECT count(*) FROM oracle o JOIN stored s USING (residence_id, unit_id)
         WHERE s.status = o.status
           AND (s.status <> 'ok' OR abs(s.walking_m - o.walking_m) < 0.001)
           AND (o.straight IS NULL AND s.straight_m IS NULL OR abs(s.straight_m - o.straight) <= 0.001 + o.straight * 1e-6)),
       (SELECT count(*) FROM oracle o WHERE o.status = 'ok'),
       (SELECT count(*) FROM oracle o WHERE o.status <> 'ok'),
       (SELECT coalesce(max(abs(s.walking_m - o.walking_m)), 0)::numeric(12, 6) FROM oracle o JOIN stored s USING (residence_id, unit_id)
         WHERE s.status = 'ok' AND o.status = 'ok'),
       (SELECT coalesce(string_agg(concat_ws(' ', o.residence_id, o.unit_id, o.status, s.status, round(o.walking_m::numeric, 4), round(s.walking_m::numeric, 4)), '; '), '-')
          FROM oracle o LEFT JOIN stored s USING (residence_id, unit_id)
         WHERE s.status IS DISTINCT FROM o.status OR abs(s.walking_m - o.walking_m) >= 0.001
            OR NOT (o.straight IS NULL AND s.straight_m IS NULL OR abs(s.straight_m - o.straight) <= 0.001 + o.straight * 1e-6)),
       (SELECT count(*) FROM stored s WHERE NOT EXISTS (SELECT 1 FROM oracle o WHERE o.residence_id = s.residence_id AND o.unit_id = s.unit_id)
           AND EXISTS (SELECT 1 FROM skolval.unit u WHERE u.unit_id = s.unit_id AND 'forskoleklass' = ANY (u.school_forms::text[]))
           AND ($radius::float8 IS NULL)),
       (SELECT array_agg(DISTINCT i.child_id ORDER BY i.child_id) FROM skolval.data_issue i
         WHERE i.category = 'home_off_network' AND i.resolved_at IS NULL)
       IS NOT DISTINCT FROM
       (SELECT array_agg(DISTINCT p.child_id ORDER BY p.child_id) FROM o_pairs p JOIN o_pts hp ON hp.kind = 'home' AND hp.ref = p.residence_id
         WHERE NOT hp.on_network);
SQL
) || fail "step $step: SQL failed: $out"
    IFS='|' read -r pairs agree ok notok maxdiff wrong extra issues <<<"$out"
    echo "step $step: $pairs pairs ($ok ok, $notok without a distance), largest difference $maxdiff m"
    [ "$pairs" -gt 1000 ] || fail "step $step: only $pairs pairs: the scenario is too small"
    assert_eq "step $step: pairs equal to the oracle's (wrong: $wrong)" "$pairs" "$agree"
    assert_eq "step $step: no stored pair the oracle does not have" 0 "$extra"
    assert_eq "step $step: home_off_network issues = the oracle's off-network homes" t "$issues"
    total=$((total + pairs))
    [ "$step" != C ] || [ "$notok" -gt 100 ] || fail "step C has only $notok pairs without a distance: it does not test what it should"
}

run() { q -c "SET client_min_messages = warning" -c "SELECT pairs, pairs_computed FROM skolval.compute_distances($1)" > /dev/null; }
run "1, radius_m => 2500"; check A 2500
q -c "UPDATE skolval.residence SET home = ST_Translate(home, 30, 0) WHERE residence_id IN (SELECT residence_id FROM skolval.round_home ORDER BY child_id LIMIT 20)" >/dev/null
run "1, radius_m => 2500"; check B 2500
q >/dev/null <<'SQL'
SELECT skolval.configure(snap_limit_m => 15);
DELETE FROM skolval.residence WHERE residence_id IN (SELECT residence_id FROM skolval.round_home ORDER BY child_id OFFSET 40 LIMIT 2);
UPDATE skolval.unit SET location = ST_Translate(location, 0, 20)
 WHERE unit_id = (SELECT min(unit_id) FROM skolval.unit WHERE 'forskoleklass' = ANY (school_forms));
SQL
run "1, radius_m => 2500, full_refresh => true"; check C 2500
run "1"; check D NULL
echo "ok: $total pairs after four computations equal to an independent recomputation"

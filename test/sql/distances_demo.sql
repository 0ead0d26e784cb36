-- Walking distances on the example municipality: complete, consistent with the route geometry,
-- never shorter than the straight line, and reproducible.
SELECT count(*) AS summary_rows
  FROM skolval.demo_municipality(children => 200, seed => 3, network_edges => 3000, replace => true);

CREATE TEMP TABLE run1 AS SELECT * FROM skolval.compute_distances(1);
SELECT children, units, pairs, pairs = children * units AS every_pair, ok, unreachable, off_network, no_home
  FROM run1;

-- One row for every cohort child and every unit offering förskoleklass: none missing, none extra.
SELECT count(*) AS missing
  FROM skolval.round_home h
 CROSS JOIN skolval.unit u
 WHERE 'forskoleklass' = ANY (u.school_forms::text[])
   AND NOT EXISTS (SELECT 1 FROM skolval.distance d WHERE d.residence_id = h.residence_id AND d.unit_id = u.unit_id);
SELECT count(*) AS rows, count(DISTINCT (residence_id, unit_id)) AS distinct_pairs FROM skolval.distance;

-- Walking is never shorter than the straight line; the median detour is modest, the worst large.
SELECT count(*) FILTER (WHERE walking_m < straight_m - 0.5) AS shorter_than_straight,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY walking_m / straight_m) BETWEEN 1.1 AND 2 AS median_detour_plausible,
       max(walking_m / straight_m) > 2 AS some_long_detours
  FROM skolval.distance WHERE straight_m > 100;

-- The route geometry a case officer shows has the stored length (30 pairs, incl. across the river).
SELECT count(*) AS routes, max(abs(skolval.ground_length(skolval.route(d.residence_id, d.unit_id)) - d.walking_m)) < 0.001 AS lengths_agree
  FROM (SELECT * FROM skolval.distance ORDER BY skolval.seeded_random(9, 'sample', residence_id * 1000 + unit_id) LIMIT 30) d;

-- Every child has a nearest and second-nearest municipal unit; RN of a wish for the nearest
-- unit is never negative, for any other unit never positive.
SELECT count(*) FILTER (WHERE nearest_unit_id IS NULL OR second_unit_id IS NULL) AS without_nearest,
       count(*) FILTER (WHERE nearest_m > second_m) AS misordered
  FROM skolval.child_nearest_unit;
SELECT count(*) FILTER (WHERE w.status <> 'ok') AS wishes_without_distance,
       count(*) FILTER (WHERE w.unit_id = n.nearest_unit_id AND w.relative_proximity_m < 0) AS nearest_negative,
       count(*) FILTER (WHERE u.organizer = 'municipal' AND w.unit_id <> n.nearest_unit_id AND w.relative_proximity_m > 0) AS other_positive
  FROM skolval.wish_proximity w
  JOIN skolval.child_nearest_unit n USING (round_id, child_id)
  JOIN skolval.unit u ON u.unit_id = w.unit_id;

-- (The river's effect on walking distances is asserted in demo.sql, away from the bridges, and
-- exactly in distances.sql.)

-- Reproducible: a full recomputation stores exactly the same metres.
CREATE TEMP TABLE before AS SELECT residence_id, unit_id, walking_m FROM skolval.distance;
SELECT pairs_computed FROM skolval.compute_distances(1, full_refresh => true);
SELECT count(*) AS changed
  FROM before b JOIN skolval.distance d USING (residence_id, unit_id)
 WHERE d.walking_m IS DISTINCT FROM b.walking_m;
SELECT count(*) AS open_issues FROM skolval.data_issue WHERE resolved_at IS NULL;

SELECT skolval._demo_clear(true);

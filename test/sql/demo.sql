-- The built-in example municipality: skolval.demo_municipality() and its street network.
SET client_min_messages = warning;

-- Runs a statement and reports its SQLSTATE and message instead of failing.
CREATE FUNCTION pg_temp.outcome(statement text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Start from an empty skolval, whatever earlier tests left behind.
SELECT skolval._demo_clear(true);

-- Bad arguments are refused with invalid_parameter_value (22023) before anything is written.
SELECT pg_temp.outcome(s) AS outcome
  FROM (VALUES ('SELECT * FROM skolval.demo_municipality(children => 0)'),
               ('SELECT * FROM skolval.demo_municipality(children => NULL)'),
               ('SELECT * FROM skolval.demo_municipality(network_edges => 99)'),
               ('SELECT * FROM skolval.demo_municipality(network_edges => 2000001)'),
               ('SELECT * FROM skolval.demo_network_edges(1, 50)'),
               ('SELECT * FROM skolval.demo_network_edges(1, 1000, ''NaN'', 6176500)'),
               ('SELECT * FROM skolval.demo_network_features(1, 3000000)')) v(s);
SELECT count(*) AS edges_written FROM skolval.edge;

-- A small municipality: 200 children on about 3,000 edges.  Every count is fixed by the seed.
SELECT * FROM skolval.demo_municipality(children => 200, network_edges => 3000);

-- The same tables real data uses.
SELECT municipality_code, municipality_name, srid FROM skolval.settings;
SELECT name, source, is_active, edge_count BETWEEN 2700 AND 3300 AS edges_near_target,
       ST_SRID(extent) AS srid, round(ST_X(ST_Centroid(extent))::numeric, -3) AS east,
       round(ST_Y(ST_Centroid(extent))::numeric, -3) AS north
  FROM skolval.network;
SELECT kind, count(*) > 0 AS present FROM skolval.edge GROUP BY kind ORDER BY kind;
SELECT district_code, name, administration FROM skolval.district ORDER BY 1;
SELECT organizer, school_forms, count(*) AS units,
       count(*) FILTER (WHERE unit_code ~ '^[1-9][0-9]{7}$') AS eight_digit_codes,
       count(*) FILTER (WHERE organizer_name IS NOT NULL) AS with_organizer
  FROM skolval.unit GROUP BY 1, 2 ORDER BY 1, 2;

-- One connected component; only bridges cross the river and only underpasses the railway.
SELECT count(DISTINCT component) AS components
  FROM pgr_connectedComponents(skolval.network_edges_sql(skolval.active_network_id()));
SELECT f.feature, count(*) FILTER (WHERE e.kind = 'bridge') AS bridges,
       count(*) FILTER (WHERE e.kind = 'underpass') AS underpasses,
       count(*) FILTER (WHERE e.kind NOT IN ('bridge', 'underpass')) AS other_edges
  FROM skolval.demo_feature f
  JOIN skolval.edge e ON e.network_id = f.network_id AND ST_Intersects(e.geom, f.geom)
 WHERE f.feature IN ('river', 'railway')
 GROUP BY f.feature ORDER BY 1;
SELECT ST_Equals(skolval.demo_river(), f.geom) AS demo_river_is_the_river
  FROM skolval.demo_feature f WHERE f.feature = 'river';

-- Walking across the river far from a bridge is much longer than the straight line; on one
-- side of the river, walking is only somewhat longer.
WITH v AS (
  SELECT DISTINCT ON (e.source) e.source AS id, ST_StartPoint(e.geom) AS geom FROM skolval.edge e ORDER BY e.source
), far AS (
  SELECT d.geom AS p, (SELECT geom FROM skolval.demo_feature WHERE feature = 'north_of_river') AS north
    FROM ST_DumpPoints(skolval.demo_river()) d, skolval.network n
   WHERE n.is_active AND ST_Contains(ST_Buffer(n.extent, -500), d.geom)
   ORDER BY (SELECT min(ST_Distance(e.geom, d.geom)) FROM skolval.edge e WHERE e.kind = 'bridge') DESC
   LIMIT 1
), pair AS (
  SELECT (SELECT v.id FROM v WHERE ST_Contains(far.north, v.geom) ORDER BY v.geom <-> far.p LIMIT 1) AS a,
         (SELECT v.id FROM v WHERE NOT ST_Contains(far.north, v.geom) ORDER BY v.geom <-> far.p LIMIT 1) AS b,
         (SELECT v.id FROM v WHERE NOT ST_Contains(far.north, v.geom) ORDER BY v.geom <-> far.p OFFSET 8 LIMIT 1) AS c
    FROM far
), cost AS (
  SELECT x.label, ST_Distance(va.geom, vb.geom) AS straight, d.agg_cost AS walking
    FROM pair, LATERAL (VALUES ('across the river', pair.a, pair.b), ('same side', pair.b, pair.c)) x(label, s, t)
    JOIN v va ON va.id = x.s JOIN v vb ON vb.id = x.t,
    LATERAL pgr_dijkstraCost(skolval.network_edges_sql(skolval.active_network_id()), x.s, x.t, false) d
)
SELECT label, straight < 400 AS close_by_straight_line,
       walking > straight + 1000 AS detour_over_1km, walking < 3 * straight AS walking_under_3x_straight
  FROM cost ORDER BY label;

-- The cohort: born 2021, living in Exempelkommun on the start day, valid and unique numbers.
SELECT r.name, r.municipality_code, r.start_date, r.cohort_birth_year, r.criteria,
       r.lottery_seed = (SELECT floor((skolval.seeded_random(1, 'lottery-seed', 0) - 0.5) * 1.8e19)::bigint) AS seeded_lottery,
       (SELECT count(*) FROM skolval.round_cohort rc WHERE rc.round_id = r.round_id) AS cohort
  FROM skolval.placement_round r;
SELECT count(*) AS children, count(DISTINCT c.personal_number) AS distinct_numbers,
       count(*) FILTER (WHERE skolval.personal_number_problem(c.personal_number) IS NULL) AS valid_numbers,
       count(*) FILTER (WHERE extract(year FROM c.birth_date) = 2021) AS born_2021,
       count(*) FILTER (WHERE r.home IS NOT NULL AND r.address ~ ' [0-9]+$' AND r.postal_code ~ '^[0-9]{3} [0-9]{2}$'
                          AND r.district_code IS NOT NULL) AS located
  FROM skolval.round_cohort rc JOIN skolval.child c USING (child_id)
  JOIN skolval.residence r ON r.child_id = c.child_id AND r.municipality_code = '9999';

-- Homes lie beside a street (8-25 m from it, a little nearer a corner's cross street); units too.
SELECT min(d) >= 2 AS not_on_a_street, max(d) <= 25.1 AS beside_it
  FROM (SELECT (SELECT ST_Distance(e.geom, x.p) FROM skolval.edge e
                 WHERE e.kind IN ('residential', 'tertiary') ORDER BY e.geom <-> x.p LIMIT 1) AS d
          FROM (SELECT home AS p FROM skolval.residence WHERE home IS NOT NULL
                UNION ALL SELECT location FROM skolval.unit) x) y;

-- Siblings: 15-25 % of the cohort has an older sibling in the same home; sibling claims
-- mostly name the sibling's school in F-3 on the start day.  Twins share birth day and home.
WITH cohort AS (SELECT child_id FROM skolval.round_cohort),
older AS (
  SELECT DISTINCT sp.child_id
    FROM skolval.sibling_pair sp JOIN cohort USING (child_id)
    JOIN skolval.child o ON o.child_id = sp.sibling_id AND extract(year FROM o.birth_date) BETWEEN 2014 AND 2020
    JOIN skolval.residence ro ON ro.child_id = o.child_id
    JOIN skolval.residence rc ON rc.child_id = sp.child_id AND ST_Equals(rc.home, ro.home))
SELECT (SELECT count(*) FROM older) * 100 / (SELECT count(*) FROM cohort) BETWEEN 15 AND 25 AS share_15_to_25,
       (SELECT count(*) FROM skolval.sibling s
          JOIN skolval.child a ON a.child_id = s.child_id JOIN skolval.child b ON b.child_id = s.sibling_id
         WHERE a.birth_date = b.birth_date) AS twin_pairs;
SELECT count(*) FILTER (WHERE verified) AS verified_claims, count(*) FILTER (WHERE NOT verified) AS unverified_claims
  FROM (SELECT EXISTS (SELECT 1 FROM skolval.sibling_pair sp
                         JOIN skolval.enrollment e ON e.child_id = sp.sibling_id AND e.unit_id = w.unit_id
                        WHERE sp.child_id = w.child_id
                          AND (e.school_form = 'forskoleklass' OR e.school_form = 'grundskola' AND e.grade <= 3)
                          AND e.valid_from <= r.start_date AND (e.valid_to IS NULL OR e.valid_to >= r.start_date)) AS verified
          FROM skolval.wish w JOIN skolval.placement_round r USING (round_id) WHERE w.sibling_claim) x;

-- Wishes: ranks 1-3 without gaps, some children without wishes; capacities 100-110 % of the
-- cohort, with popular schools oversubscribed by first choices.
SELECT count(DISTINCT child_id) AS with_wishes, max(rank) AS max_rank,
       bool_and(rank <= n) AS gapless
  FROM (SELECT child_id, rank, count(*) OVER (PARTITION BY child_id) AS n FROM skolval.wish) w;
SELECT sum(seats) * 100 / (SELECT count(*) FROM skolval.round_cohort) BETWEEN 100 AND 110 AS capacity_100_to_110,
       count(*) FILTER (WHERE first_choices > seats) > 0 AS some_oversubscribed
  FROM (SELECT rc.seats, (SELECT count(*) FROM skolval.wish w WHERE w.unit_id = rc.unit_id AND w.rank = 1) AS first_choices
          FROM skolval.round_capacity rc) x;

-- The 2026 register of independent units: every form, förskola hours, starts and ends during
-- the year, parallel placements, children living in another municipality.
SELECT e.school_form, count(*) > 0 AS rows, min(e.grade) AS min_grade, max(e.grade) AS max_grade,
       array_agg(DISTINCT e.hours_per_week) FILTER (WHERE e.hours_per_week IS NOT NULL) AS hours
  FROM skolval.enrollment e JOIN skolval.unit u USING (unit_id)
 WHERE u.organizer = 'independent' AND e.valid_from <= '2026-12-31' AND coalesce(e.valid_to, '2026-12-31') >= '2026-01-01'
 GROUP BY 1 ORDER BY 1;
SELECT count(*) FILTER (WHERE e.valid_from BETWEEN '2026-01-02' AND '2026-12-31' AND e.valid_from NOT IN ('2026-08-17')) > 0 AS mid_year_starts,
       count(*) FILTER (WHERE e.valid_to BETWEEN '2026-01-01' AND '2026-12-30' AND e.valid_to <> '2026-06-12') > 0 AS mid_year_ends
  FROM skolval.enrollment e JOIN skolval.unit u USING (unit_id) WHERE u.organizer = 'independent';
SELECT count(*) > 0 AS parallel_placements
  FROM skolval.enrollment a JOIN skolval.enrollment b
    ON a.child_id = b.child_id AND a.school_form = b.school_form AND a.unit_id < b.unit_id
   AND daterange(a.valid_from, a.valid_to, '[]') && daterange(b.valid_from, b.valid_to, '[]');
SELECT count(DISTINCT municipality_code) > 1 AS other_municipalities,
       count(*) FILTER (WHERE municipality_code <> '9999' AND home IS NOT NULL) AS located_elsewhere
  FROM skolval.residence;

-- Existing data is never overwritten by accident: object_not_in_prerequisite_state (55000).
SELECT pg_temp.outcome('SELECT * FROM skolval.demo_municipality(children => 200, network_edges => 3000)') AS outcome;

-- Deterministic: the same seed gives the same network, children and wishes; another seed not.
CREATE TEMP TABLE fingerprint AS
SELECT 1 AS run,
       (SELECT content_hash FROM skolval.network WHERE is_active) AS network,
       (SELECT md5(string_agg(concat_ws('|', child_id, personal_number, given_name, family_name, protected_identity), ',' ORDER BY child_id)) FROM skolval.child) AS children,
       (SELECT md5(string_agg(concat_ws('|', child_id, rank, unit_id, sibling_claim, submitted_at), ',' ORDER BY child_id, rank)) FROM skolval.wish) AS wishes,
       (SELECT md5(string_agg(concat_ws('|', child_id, unit_id, school_form, grade, hours_per_week, valid_from, valid_to), ',' ORDER BY enrollment_id)) FROM skolval.enrollment) AS enrollments;
SELECT item, value FROM skolval.demo_municipality(children => 200, network_edges => 3000, replace => true)
 WHERE item = 'cohort children';
INSERT INTO fingerprint
SELECT 2, (SELECT content_hash FROM skolval.network WHERE is_active),
       (SELECT md5(string_agg(concat_ws('|', child_id, personal_number, given_name, family_name, protected_identity), ',' ORDER BY child_id)) FROM skolval.child),
       (SELECT md5(string_agg(concat_ws('|', child_id, rank, unit_id, sibling_claim, submitted_at), ',' ORDER BY child_id, rank)) FROM skolval.wish),
       (SELECT md5(string_agg(concat_ws('|', child_id, unit_id, school_form, grade, hours_per_week, valid_from, valid_to), ',' ORDER BY enrollment_id)) FROM skolval.enrollment);
SELECT item, value FROM skolval.demo_municipality(children => 200, seed => 2, network_edges => 3000, replace => true)
 WHERE item = 'cohort children';
INSERT INTO fingerprint
SELECT 3, (SELECT content_hash FROM skolval.network WHERE is_active),
       (SELECT md5(string_agg(concat_ws('|', child_id, personal_number, given_name, family_name, protected_identity), ',' ORDER BY child_id)) FROM skolval.child),
       (SELECT md5(string_agg(concat_ws('|', child_id, rank, unit_id, sibling_claim, submitted_at), ',' ORDER BY child_id, rank)) FROM skolval.wish),
       (SELECT md5(string_agg(concat_ws('|', child_id, unit_id, school_form, grade, hours_per_week, valid_from, valid_to), ',' ORDER BY enrollment_id)) FROM skolval.enrollment);
SELECT b.run, a.network = b.network AS same_network, a.children = b.children AS same_children,
       a.wishes = b.wishes AS same_wishes, a.enrollments = b.enrollments AS same_enrollments
  FROM fingerprint a JOIN fingerprint b ON a.run = 1 AND b.run > 1 ORDER BY b.run;
SELECT count(*) AS networks, max(network_id) AS network_id FROM skolval.network;

-- The network generator alone: deterministic, near the target size, and it scales.
SELECT count(*) BETWEEN 45000 AND 55000 AS near_50000,
       count(DISTINCT kind) AS kinds,
       count(*) FILTER (WHERE kind = 'bridge') BETWEEN 4 AND 8 AS few_bridges,
       count(*) FILTER (WHERE kind = 'underpass') BETWEEN 3 AND 5 AS few_underpasses
  FROM skolval.demo_network_edges(5, 50000);

-- Leave skolval empty for the tests that follow.
SELECT skolval._demo_clear(true);
DELETE FROM skolval.settings;

-- Placement on a hand-made street where every number can be checked by hand.
--
-- One street, x = 0..1000 m. Units: A at x=100 (1 seat), B at x=500 (1 seat), C at x=900
-- (3 seats), all municipal. Homes on the street: c1 x=50, c2 x=150, c3 x=450, c4 x=800,
-- c5 x=950 (no wishes). Near home = within 100 m. Wishes: c1 A,B; c2 A,C; c3 A,B; c4 B.
-- Deferred acceptance: A keeps c1 (relative proximity 400 m against c2's 300 m; c3 is not
-- near A); B keeps c3 (near home) over c4; C takes c5 (no wishes: its near-home unit) and c2;
-- c4 lost its only wish and keeps its near-home claim on C (100 m: near home), appended after
-- its wishes by the near-home guarantee (issue 13), so it is placed there by the matching
-- itself, not administratively.
SET datestyle = ISO;
-- One login role runs this whole test: four eyes (separation of duties) is off here, with the
-- reason recorded; test/sql/workflow.sql tests it with two people.
SELECT skolval.set_four_eyes(false, 'single-user regression test (placement.sql)');
CREATE FUNCTION pg_temp.expect_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION pg_temp.pt(x float8) RETURNS geometry LANGUAGE sql AS
  'SELECT ST_SetSRID(ST_MakePoint(386000 + x, 6176000), 3006)';

SELECT municipality_code FROM skolval.configure(municipality_code => '1281');
INSERT INTO skolval.network (network_id, name, source, srid) VALUES (1, 'street', 'test', 3006);
INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, kind, geom)
SELECT 1, i, i, i + 1, 100, 'residential', ST_MakeLine(pg_temp.pt(100 * (i - 1)), pg_temp.pt(100 * i))
  FROM generate_series(1, 10) i;
SELECT edge_count FROM skolval.network_finish(1);
INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, school_forms, location) VALUES
  (1, 'A', 'Ängsskolan', 'municipal', '{forskoleklass}', pg_temp.pt(100)),
  (2, 'B', 'Björkskolan', 'municipal', '{forskoleklass}', pg_temp.pt(500)),
  (3, 'C', 'Cederskolan', 'municipal', '{forskoleklass}', pg_temp.pt(900));
INSERT INTO skolval.child (child_id, personal_number)
SELECT n, skolval.personal_number_make('2021-01-01'::date + n, n) FROM generate_series(1, 5) n;
INSERT INTO skolval.residence (child_id, municipality_code, address, home, valid_from)
SELECT n, '1281', 'Gatan ' || n, pg_temp.pt(x), '2021-01-01'
  FROM (VALUES (1, 50), (2, 150), (3, 450), (4, 800), (5, 950)) v(n, x);
INSERT INTO skolval.placement_round (round_id, name, municipality_code, start_date, cohort_birth_year,
                                     lottery_seed, near_home_distance_m)
VALUES (1, 'Gatan HT2027', '1281', '2027-08-16', 2021, 42, 100);
SELECT skolval.round_fill_cohort(1);
INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) VALUES
  (1, 1, 1, 1), (1, 1, 2, 2), (1, 2, 1, 1), (1, 2, 2, 3), (1, 3, 1, 1), (1, 3, 2, 2), (1, 4, 1, 2);

-- Bad input before anything is in place: no capacities, no distances.
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1) $$);
INSERT INTO skolval.round_capacity VALUES (1, 1, 1), (1, 2, 1), (1, 3, 2);
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1) $$);
SELECT pairs, ok FROM skolval.compute_distances(1);
-- Four seats for five children: the error says how many are missing.
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1) $$);
UPDATE skolval.round_capacity SET seats = 3 WHERE unit_id = 3;
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1, mechanism => 'immediate_acceptance') $$);
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1, mechanism => 'serial_dictatorship', what_if => true) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1, admin_policy => 'random') $$);
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(99) $$);
SELECT count(*) AS runs_after_errors FROM skolval.placement_run;

-- The real run.
SELECT run_id, mechanism, admin_policy, children, by_wish, first_choice, near_home_offer, administrative,
       round(total_walking_m) AS total_walking_m, length(input_fingerprint) AS fp
  FROM skolval.allocate(1);
SELECT p.child_id, u.unit_code, p.kind, p.wish_rank, round(p.walking_m) AS walking_m, p.decisive_criterion
  FROM skolval.placement p JOIN skolval.unit u USING (unit_id) WHERE p.run_id = 1 ORDER BY p.child_id;
SELECT w.child_id, w.rank, u.unit_code, w.implicit, w.outcome, w.decisive_criterion, w.explanation_sv
  FROM skolval.placement_wish w JOIN skolval.unit u USING (unit_id) WHERE w.run_id = 1 ORDER BY 1, 2;
SELECT u.unit_code, pu.seats, pu.applicants, pu.first_choice_applicants, pu.admitted, pu.placed,
       pu.oversubscribed, pu.cutoff_child_id, pu.cutoff_sv
  FROM skolval.placement_unit pu JOIN skolval.unit u USING (unit_id) WHERE pu.run_id = 1 ORDER BY 1;
SELECT decision_sv, motivation_sv FROM skolval.placement WHERE run_id = 1 AND child_id = 2;
SELECT decision_sv FROM skolval.placement WHERE run_id = 1 AND child_id IN (4, 5) ORDER BY child_id;
SELECT explanation -> 'wishes' -> 0 AS first_wish FROM skolval.placement WHERE run_id = 1 AND child_id = 2;

-- Same inputs, same result: a second draft has the same fingerprint and the same placements.
SELECT run_id FROM skolval.allocate(1);
SELECT (SELECT input_fingerprint FROM skolval.placement_run WHERE run_id = 1)
     = (SELECT input_fingerprint FROM skolval.placement_run WHERE run_id = 2) AS same_fingerprint,
       (SELECT count(*) FROM (SELECT child_id, unit_id, kind, decision_sv, motivation_sv FROM skolval.placement WHERE run_id = 1
                              EXCEPT SELECT child_id, unit_id, kind, decision_sv, motivation_sv FROM skolval.placement WHERE run_id = 2) d)
         AS differing_placements;

-- The nearest-free policy and the what-if mechanisms, compared.
SELECT run_id, administrative FROM skolval.allocate(1, admin_policy => 'nearest_free', what_if => true);
SELECT run_id FROM skolval.allocate(1, mechanism => 'immediate_acceptance', what_if => true);
SELECT run_id FROM skolval.allocate(1, mechanism => 'top_trading_cycles', what_if => true);
SELECT run_id, mechanism, admin_policy, what_if, first_choice_pct, top3_pct, near_home_offer, administrative, mean_walking_m
  FROM skolval.mechanism_comparison ORDER BY run_id;
-- Immediate acceptance: c3 ranked A first but A filled in round 1; in round 2 B is already
-- taken by c4, who ranked it first, so c3 is placed administratively.
SELECT p.child_id, u.unit_code, p.kind FROM skolval.placement p JOIN skolval.unit u USING (unit_id)
 WHERE p.run_id = 4 ORDER BY 1;

-- BI view and the distribution view.
SELECT unit_code, seats, placed, fill_rate_pct, first_choice_share_pct, admitted_by_criterion
  FROM skolval.placement_unit_stats WHERE run_id = 1 ORDER BY unit_code;
UPDATE skolval.child SET protected_identity = true, given_name = 'Hemlig' WHERE child_id = 3;
SELECT child_id, protected_identity, personal_number IS NULL AS number_withheld, given_name, address, unit_code
  FROM skolval.placement_decision WHERE run_id = 1 ORDER BY child_id;

-- Publishing: the latest real run only; afterwards the run is immutable and the round final.
SELECT pg_temp.expect_error($$ SELECT skolval.publish(1) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.publish(3) $$);
SELECT run_id, status FROM skolval.publish(2);
SELECT pg_temp.expect_error($$ UPDATE skolval.placement SET unit_id = 1 WHERE run_id = 2 AND child_id = 4 $$);
SELECT pg_temp.expect_error($$ DELETE FROM skolval.placement_wish WHERE run_id = 2 $$);
SELECT pg_temp.expect_error($$ DELETE FROM skolval.placement_run WHERE run_id = 2 $$);
SELECT pg_temp.expect_error($$ UPDATE skolval.placement_run SET status = 'draft' WHERE run_id = 2 $$);
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.publish(2) $$);
SELECT status FROM skolval.placement_round WHERE round_id = 1;
-- A what-if run after publication is allowed; the difference view shows what it changes.
SELECT run_id FROM skolval.allocate(1, admin_policy => 'nearest_free', what_if => true);
SELECT run_id, published_run_id, count(*) AS children_moved FROM skolval.placement_run_difference
 WHERE run_id IN (4, 6) GROUP BY 1, 2 ORDER BY 1;
SELECT count(*) AS unit_rows_of_published_run FROM skolval.placement_unit WHERE run_id = 2;

-- The C entry points check their arrays before the core reads them.
SELECT pg_temp.expect_error($$ SELECT skolval._match('deferred_acceptance', '{1}', '{0,2}', '{0}', 1, '{0}') $$);
SELECT pg_temp.expect_error($$ SELECT skolval._match('deferred_acceptance', '{1}', '{0,1}', '{3}', 1, '{0}') $$);
SELECT pg_temp.expect_error($$ SELECT skolval._match('deferred_acceptance', '{-1}', '{0,1}', '{0}', 1, '{0}') $$);
SELECT pg_temp.expect_error($$ SELECT skolval._match('deferred_acceptance', '{1}', '{0,1}', '{0}', 2, '{0}') $$);
SELECT pg_temp.expect_error($$ SELECT skolval._match('deferred_acceptance', '{1}', '{0,1}', '{0}', 1, '{NaN}') $$);
SELECT pg_temp.expect_error($$ SELECT skolval._match('deferred_acceptance', '{1,NULL}', '{0,1}', '{0}', 1, '{0}') $$);
SELECT pg_temp.expect_error($$ SELECT skolval._admin_place('min_cost', '{1}', '{0,1}', '{0}', '{-5}', '{0.5}') $$);
SELECT pg_temp.expect_error($$ SELECT skolval._admin_place('fifo', '{1}', '{0,1}', '{0}', '{5}', '{0.5}') $$);
SELECT (skolval._admin_place('min_cost', '{1,1}', '{0,2,4}', '{0,1,0,1}', '{10,20,10,100}', '{0.1,0.2}')).*;

-- The criteria, defined once (src/placement/criteria.c): the catalogue, the table and the
-- Swedish texts all come from it, and a key runs lower-first.
SELECT skolval.criteria_catalogue();
SELECT default_position, criterion, name_sv, value_kind, key_direction, key_value FROM skolval.placement_criteria();
SELECT skolval.criterion_rule_sv('near_home', 12345.6) AS near_home_rule,
       skolval.criterion_value_sv('distance', -1234.5) AS negative_metres,
       skolval.criterion_value_sv('lottery', 0.1234565) AS lottery,
       skolval.criterion_value_sv('sibling', NULL) AS sibling_unknown,
       skolval.criterion_value_sv('distance', NULL) AS distance_unknown,
       skolval.criterion_sv('free_seat') AS free_seat, skolval.criterion_sv('nonsense') AS unknown,
       skolval.date_sv('2027-08-16') AS start_day;
-- allocate() refuses NULL arguments before any work.
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1, what_if => NULL) $$);
SELECT count(*) AS runs FROM skolval.placement_run;

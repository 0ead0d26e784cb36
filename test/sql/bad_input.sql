-- The bad-input catalogue: distinct bad inputs across the public functions and tables, each
-- with the SQLSTATE and message it gets, and proof that it changed nothing: pg_temp.bad()
-- fingerprints every skolval table (row count and content hash) before and after, and says
-- "DATA CHANGED" if anything differs.
SET datestyle = ISO;
-- One login role runs this whole test: four eyes (separation of duties) is off here, with the
-- reason recorded; test/sql/workflow.sql tests it with two people.
SELECT skolval.set_four_eyes(false, 'single-user regression test (bad_input.sql)');
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.fingerprint() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  t regclass;
  acc text := '';
  h text;
BEGIN
  FOR t IN SELECT c.oid::regclass FROM pg_class c JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass
             AND d.deptype = 'e' JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
            WHERE c.relkind = 'r' AND c.relname NOT IN ('audit_log') ORDER BY c.relname LOOP
    EXECUTE format('SELECT count(*) || '':'' || coalesce(md5(string_agg(x::text, '','' ORDER BY x::text)), '''') FROM %s x', t) INTO h;
    acc := acc || t::text || '=' || h || ';';
  END LOOP;
  RETURN md5(acc);
END $$;
CREATE FUNCTION pg_temp.bad(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  before text := pg_temp.fingerprint();
  result text;
BEGIN
  BEGIN
    EXECUTE sql;
    result := 'NO ERROR';
  EXCEPTION WHEN OTHERS THEN
    result := SQLSTATE || ': ' || SQLERRM;
  END;
  RETURN result || CASE WHEN pg_temp.fingerprint() = before THEN '' ELSE ' [DATA CHANGED]' END;
END $$;
CREATE FUNCTION pg_temp.pt(x float8, y float8 DEFAULT 0) RETURNS geometry LANGUAGE sql AS
  'SELECT ST_SetSRID(ST_MakePoint(386000 + x, 6176000 + y), 3006)';

-- A small valid world to be wrong against: a street, three units, three children, a round
-- with wishes and distances, a payment configuration and a locked and a draft payment run.
SELECT municipality_code FROM skolval.configure(municipality_code => '1281', municipality_name => 'Testkommun');
INSERT INTO skolval.network (network_id, name, source, srid) VALUES (1, 'street', 'test', 3006);
INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, kind, geom)
SELECT 1, i, i, i + 1, 100, 'residential', ST_MakeLine(pg_temp.pt(100 * (i - 1)), pg_temp.pt(100 * i))
  FROM generate_series(1, 10) i;
SELECT edge_count FROM skolval.network_finish(1);
INSERT INTO skolval.district VALUES ('N', 'Norr', 'BSN');
INSERT INTO skolval.cost_account (administration, account) VALUES ('BSN', '4610');
INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, school_forms, location) VALUES
  (1, 'A', 'Ängsskolan', 'municipal', '{forskoleklass}', pg_temp.pt(100)),
  (2, 'B', 'Björkskolan', 'independent', '{forskoleklass,grundskola}', pg_temp.pt(500)),
  (3, 'C', 'Cederförskolan', 'independent', '{forskola}', pg_temp.pt(900));
INSERT INTO skolval.child (child_id, personal_number)
SELECT n, skolval.personal_number_make('2021-01-01'::date + n, n) FROM generate_series(1, 3) n;
INSERT INTO skolval.residence (child_id, municipality_code, address, district_code, home, valid_from)
SELECT n, '1281', 'Gatan ' || n, 'N', pg_temp.pt(200 * n), '2021-01-01' FROM generate_series(1, 3) n;
INSERT INTO skolval.enrollment (enrollment_id, child_id, unit_id, school_form, grade, valid_from)
VALUES (1, 1, 2, 'forskoleklass', 0, '2026-08-15');
INSERT INTO skolval.placement_round (round_id, name, municipality_code, start_date, cohort_birth_year, lottery_seed, near_home_distance_m)
VALUES (1, 'HT2027', '1281', '2027-08-16', 2021, 42, 100);
SELECT skolval.round_fill_cohort(1);
INSERT INTO skolval.round_capacity VALUES (1, 1, 2), (1, 2, 2);
INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) VALUES (1, 1, 1, 1), (1, 2, 1, 2);
SELECT pairs FROM skolval.compute_distances(1);
SELECT children FROM skolval.allocate(1);
SELECT children FROM skolval.allocate(1, mechanism => 'immediate_acceptance', what_if => true);
INSERT INTO skolval.payment_category (category_code, name_sv, school_form) VALUES ('FK', 'Förskoleklass', 'forskoleklass');
INSERT INTO skolval.payment_rate (category_code, valid_from, valid_to, base_annual) VALUES ('FK', '2026-01-01', '2026-12-31', 60000);
SELECT status FROM skolval.approve_payment_run((SELECT run_id FROM skolval.create_payment_run('2026-09-01')));
SELECT status FROM skolval.lock_payment_run((SELECT run_id FROM skolval.payment_run WHERE month = '2026-09-01'));
SELECT status FROM skolval.create_payment_run('2026-10-01');
INSERT INTO skolval.staging_unit (unit_code, name, organizer, school_forms, municipality_code, east, north)
VALUES ('X1', 'Fel', 'private', 'forskoleklass', '1281', '386500', '6176000');

-- Settings
SELECT pg_temp.bad($$ SELECT skolval.configure(municipality_code => '12') $$);
SELECT pg_temp.bad($$ SELECT skolval.configure(srid => 4326) $$);
SELECT pg_temp.bad($$ SELECT skolval.configure(srid => 999999) $$);
SELECT pg_temp.bad($$ SELECT skolval.configure(snap_limit_m => -1) $$);
-- Network
SELECT pg_temp.bad($$ SELECT skolval.network_load('x', 'test', 'SELECT 1 AS a') $$);
SELECT pg_temp.bad($$ SELECT skolval.network_load('x', 'test', 'SELECT * FROM no_such_table') $$);
SELECT pg_temp.bad($$ SELECT skolval.network_finish(999) $$);
SELECT pg_temp.bad($$ SELECT skolval.route(999, 1) $$);
-- Units
SELECT pg_temp.bad($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES (' ', 'x', 'municipal', '{forskoleklass}', ST_SetSRID(ST_MakePoint(386100, 6176000), 3006)) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{}', ST_SetSRID(ST_MakePoint(386100, 6176000), 3006)) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'private', '{forskoleklass}', ST_SetSRID(ST_MakePoint(386100, 6176000), 3006)) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', ST_MakePoint(386100, 6176000)) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', ST_SetSRID(ST_MakePoint(6176000, 386100), 3006)) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('A', 'dup', 'municipal', '{forskoleklass}', ST_SetSRID(ST_MakePoint(386100, 6176000), 3006)) $$);
-- Children
SELECT pg_temp.bad($$ INSERT INTO skolval.child (personal_number) VALUES ('202101011235') $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.child (personal_number, birth_date) VALUES (skolval.personal_number_make('2021-05-05', 7), '2021-05-06') $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.child (child_id, personal_number) VALUES (99, (SELECT personal_number FROM skolval.child WHERE child_id = 1)) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.child (personal_number) VALUES ('not a number') $$);
-- Residence
SELECT pg_temp.bad($$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from) VALUES (1, '1281', '2025-01-01') $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from, valid_to) VALUES (1, '1281', '2019-01-01', '2018-01-01') $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from, valid_to) VALUES (1, 'abc', '2019-01-01', '2019-12-31') $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from, valid_to) VALUES (999, '1281', '2019-01-01', '2019-12-31') $$);
-- Enrollments and siblings
SELECT pg_temp.bad($$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, valid_from) VALUES (2, 3, 'forskoleklass', '2026-08-15') $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, valid_from) VALUES (2, 2, 'forskoleklass', 3, '2026-08-15') $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, hours_per_week, valid_from) VALUES (2, 3, 'forskola', 80, '2026-08-15') $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, valid_from) VALUES (2, 3, 'gymnasium', '2026-08-15') $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.sibling (child_id, sibling_id) VALUES (1, 1) $$);
-- Rounds, wishes, capacities
SELECT pg_temp.bad($$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, near_home_distance_m) VALUES ('X', '1281', '2027-08-16', -5) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, mechanism) VALUES ('X', '1281', '2027-08-16', 'boston') $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.placement_round (name, municipality_code, start_date) VALUES ('HT2027', '1281', '2027-08-16') $$);
SELECT pg_temp.bad($$ SELECT skolval.round_fill_cohort(999) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) VALUES (1, 3, 1, 3) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) VALUES (1, 3, 0, 1) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) VALUES (1, 1, 2, 1) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.round_capacity VALUES (1, 3, 5) $$);
SELECT pg_temp.bad($$ UPDATE skolval.round_capacity SET seats = -1 WHERE unit_id = 1 $$);
-- Distances and placement
SELECT pg_temp.bad($$ SELECT skolval.compute_distances(999) $$);
SELECT pg_temp.bad($$ SELECT skolval.compute_distances(1, radius_m => -5) $$);
SELECT pg_temp.bad($$ SELECT skolval.allocate(999) $$);
SELECT pg_temp.bad($$ SELECT skolval.allocate(1, mechanism => 'boston') $$);
SELECT pg_temp.bad($$ SELECT skolval.allocate(1, mechanism => 'immediate_acceptance') $$);
SELECT pg_temp.bad($$ SELECT skolval.allocate(1, admin_policy => 'fifo') $$);
SELECT pg_temp.bad($$ SELECT skolval.publish(999) $$);
SELECT pg_temp.bad($$ SELECT skolval.publish((SELECT run_id FROM skolval.placement_run WHERE what_if)) $$);
-- Loading
SELECT pg_temp.bad($$ SELECT skolval.import_applications('no such round', '[]') $$);
SELECT pg_temp.bad($$ SELECT skolval.import_applications('HT2027', '{"not": "an array"}') $$);
SELECT pg_temp.bad($$ SELECT skolval.staging_clear(); INSERT INTO skolval.staging_unit (unit_code) VALUES (NULL); SELECT skolval.demo_payments() $$);
-- The example municipality
SELECT pg_temp.bad($$ SELECT skolval.demo_municipality(children => 0) $$);
SELECT pg_temp.bad($$ SELECT skolval.demo_municipality(children => 100) $$);
SELECT pg_temp.bad($$ SELECT skolval.demo_payments() $$);
-- Payments
SELECT pg_temp.bad($$ SELECT skolval.create_payment_run('2026-05-15') $$);
SELECT pg_temp.bad($$ SELECT skolval.create_payment_run(NULL) $$);
SELECT pg_temp.bad($$ SELECT skolval.create_payment_run('infinity') $$);
SELECT pg_temp.bad($$ SELECT skolval.create_payment_run('2026-09-01') $$);
SELECT pg_temp.bad($$ SELECT * FROM skolval.payment_rows('2026-05-02') $$);
SELECT pg_temp.bad($$ SELECT * FROM skolval.payment_check('-infinity') $$);
SELECT pg_temp.bad($$ SELECT * FROM skolval.reconcile_payments('2026-10-01', '2026-09-01') $$);
SELECT pg_temp.bad($$ SELECT skolval.approve_payment_run(999) $$);
SELECT pg_temp.bad($$ SELECT skolval.lock_payment_run((SELECT run_id FROM skolval.payment_run WHERE month = '2026-10-01')) $$);
SELECT pg_temp.bad($$ SELECT skolval.approve_payment_run((SELECT run_id FROM skolval.payment_run WHERE month = '2026-09-01')) $$);
SELECT pg_temp.bad($$ UPDATE skolval.payment_row SET amount = 0 WHERE run_id = (SELECT run_id FROM skolval.payment_run WHERE month = '2026-09-01') $$);
SELECT pg_temp.bad($$ DELETE FROM skolval.payment_run WHERE month = '2026-09-01' $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual) VALUES ('FK', '2026-06-01', 1) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual) VALUES ('FK', '2027-03-01', 1) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual) VALUES ('XX', '2026-01-01', 1) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.supplement (child_id, unit_id, amount_monthly, valid_from) VALUES (1, 1, 100, '2026-01-01') $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.payment_policy (count_day) VALUES (31) $$);
SELECT pg_temp.bad($$ INSERT INTO skolval.payment_category (category_code, name_sv, school_form, age_from, age_to) VALUES ('F', 'F', 'forskola', 5, 1) $$);
-- Documents
SELECT pg_temp.bad($$ SELECT skolval.decision_letter(999, 1) $$);
SELECT pg_temp.bad($$ SELECT skolval.decision_letter((SELECT run_id FROM skolval.placement_run WHERE NOT what_if), 1) $$);
SELECT pg_temp.bad($$ SELECT skolval.placement_map_svg(999) $$);
SELECT pg_temp.bad($$ SELECT skolval.payment_statement(999, 2) $$);
SELECT pg_temp.bad($$ SELECT skolval.payment_statement((SELECT run_id FROM skolval.payment_run WHERE month = '2026-09-01'), 1) $$);
SELECT pg_temp.bad($$ SELECT skolval.payment_xlsx(999) $$);
SELECT pg_temp.bad($$ SELECT skolval.configure_documents(font_path => '/no/such/font.ttf');
                       SELECT skolval.payment_statement((SELECT run_id FROM skolval.payment_run WHERE month = '2026-09-01'), 2) $$);
-- The nightly job
SELECT pg_temp.bad($$ SELECT skolval.schedule_nightly() $$);
-- Helpers
SELECT pg_temp.bad($$ SELECT skolval.personal_number_normalize('19990101-00X1') $$);
SELECT pg_temp.bad($$ SELECT skolval.personal_number_birth_date('19991301-0001') $$);
SELECT pg_temp.bad($$ SELECT skolval.personal_number_make('2021-01-01', 1000) $$);
SELECT pg_temp.bad($$ SELECT skolval.local_point(ST_MakePoint(1, 1), 'a test point') $$);
SELECT pg_temp.bad($$ SELECT skolval.require_unit_offers(3, 'grundskola', 'a test') $$);

-- Clean up for the next test.
TRUNCATE skolval.payment_run, skolval.payment_row, skolval.payment_issue RESTART IDENTITY;
DELETE FROM skolval.staging_unit;
DELETE FROM skolval.data_issue;
DELETE FROM skolval.payment_rate;
DELETE FROM skolval.payment_category;
DELETE FROM skolval.cost_account;
TRUNCATE skolval.placement_run, skolval.placement, skolval.placement_wish, skolval.placement_unit RESTART IDENTITY;
DELETE FROM skolval.placement_round;
DELETE FROM skolval.child;
DELETE FROM skolval.unit;
DELETE FROM skolval.district;
DELETE FROM skolval.network;
DELETE FROM skolval.settings;

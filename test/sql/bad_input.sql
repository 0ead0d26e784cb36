-- The bad-input catalogue: distinct bad inputs across the public functions and tables, each
-- with the SQLSTATE it must get and the message it gets, and proof that it changed nothing:
-- pg_temp.bad(expected_sqlstate, sql) runs the statement, says "[EXPECTED xxxxx]" when it
-- fails with another SQLSTATE (or not at all), and fingerprints every skolval table (row count
-- and content hash) before and after, saying "[DATA CHANGED]" if anything differs.
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
CREATE FUNCTION pg_temp.bad(expected text, sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  before text := pg_temp.fingerprint();
  state text;
  result text;
BEGIN
  BEGIN
    EXECUTE sql;
    result := 'NO ERROR';
  EXCEPTION WHEN OTHERS THEN
    state := SQLSTATE;
    result := SQLSTATE || ': ' || SQLERRM;
  END;
  RETURN CASE WHEN state IS DISTINCT FROM expected THEN '[EXPECTED ' || expected || '] ' ELSE '' END
         || result || CASE WHEN pg_temp.fingerprint() = before THEN '' ELSE ' [DATA CHANGED]' END;
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
INSERT INTO skolval.data_issue (category, severity, message) VALUES ('test', 'warning', 'an issue for a case officer');

-- Settings
SELECT pg_temp.bad('23514', $$ SELECT skolval.configure(municipality_code => '12') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.configure(srid => 4326) $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.configure(srid => 999999) $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.configure(snap_limit_m => -1) $$);
-- Network
SELECT pg_temp.bad('42703', $$ SELECT skolval.network_load('x', 'test', 'SELECT 1 AS a') $$);
SELECT pg_temp.bad('42P01', $$ SELECT skolval.network_load('x', 'test', 'SELECT * FROM no_such_table') $$);
SELECT pg_temp.bad('P0002', $$ SELECT skolval.network_finish(999) $$);
SELECT pg_temp.bad('P0002', $$ SELECT skolval.route(999, 1) $$);
-- Units
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES (' ', 'x', 'municipal', '{forskoleklass}', ST_SetSRID(ST_MakePoint(386100, 6176000), 3006)) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{}', ST_SetSRID(ST_MakePoint(386100, 6176000), 3006)) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'private', '{forskoleklass}', ST_SetSRID(ST_MakePoint(386100, 6176000), 3006)) $$);
SELECT pg_temp.bad('22023', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', ST_MakePoint(386100, 6176000)) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', ST_SetSRID(ST_MakePoint(6176000, 386100), 3006)) $$);
SELECT pg_temp.bad('23505', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('A', 'dup', 'municipal', '{forskoleklass}', ST_SetSRID(ST_MakePoint(386100, 6176000), 3006)) $$);
-- Children
SELECT pg_temp.bad('22P02', $$ INSERT INTO skolval.child (personal_number) VALUES ('202101011235') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.child (personal_number, birth_date) VALUES (skolval.personal_number_make('2021-05-05', 7), '2021-05-06') $$);
SELECT pg_temp.bad('23505', $$ INSERT INTO skolval.child (child_id, personal_number) VALUES (99, (SELECT personal_number FROM skolval.child WHERE child_id = 1)) $$);
SELECT pg_temp.bad('22P02', $$ INSERT INTO skolval.child (personal_number) VALUES ('not a number') $$);
-- Residence
SELECT pg_temp.bad('23P01', $$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from) VALUES (1, '1281', '2025-01-01') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from, valid_to) VALUES (1, '1281', '2019-01-01', '2018-01-01') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from, valid_to) VALUES (1, 'abc', '2019-01-01', '2019-12-31') $$);
SELECT pg_temp.bad('23503', $$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from, valid_to) VALUES (999, '1281', '2019-01-01', '2019-12-31') $$);
-- Enrollments and siblings
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, valid_from) VALUES (2, 3, 'forskoleklass', '2026-08-15') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, valid_from) VALUES (2, 2, 'forskoleklass', 3, '2026-08-15') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, hours_per_week, valid_from) VALUES (2, 3, 'forskola', 80, '2026-08-15') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, valid_from) VALUES (2, 3, 'gymnasium', '2026-08-15') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.sibling (child_id, sibling_id) VALUES (1, 1) $$);
-- Rounds, wishes, capacities
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, near_home_distance_m) VALUES ('X', '1281', '2027-08-16', -5) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, mechanism) VALUES ('X', '1281', '2027-08-16', 'boston') $$);
SELECT pg_temp.bad('23505', $$ INSERT INTO skolval.placement_round (name, municipality_code, start_date) VALUES ('HT2027', '1281', '2027-08-16') $$);
SELECT pg_temp.bad('P0002', $$ SELECT skolval.round_fill_cohort(999) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) VALUES (1, 3, 1, 3) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) VALUES (1, 3, 0, 1) $$);
SELECT pg_temp.bad('23505', $$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) VALUES (1, 1, 2, 1) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.round_capacity VALUES (1, 3, 5) $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.round_capacity SET seats = -1 WHERE unit_id = 1 $$);
-- Distances and placement
SELECT pg_temp.bad('P0002', $$ SELECT skolval.compute_distances(999) $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.compute_distances(1, radius_m => -5) $$);
SELECT pg_temp.bad('P0002', $$ SELECT skolval.allocate(999) $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.allocate(1, mechanism => 'boston') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.allocate(1, mechanism => 'immediate_acceptance') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.allocate(1, admin_policy => 'fifo') $$);
SELECT pg_temp.bad('P0002', $$ SELECT skolval.publish(999) $$);
SELECT pg_temp.bad('55000', $$ SELECT skolval.publish((SELECT run_id FROM skolval.placement_run WHERE what_if)) $$);
-- Loading
SELECT pg_temp.bad('55000', $$ SELECT skolval.import_applications('no such round', '[]') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.import_applications('HT2027', '{"not": "an array"}') $$);
SELECT pg_temp.bad('55000', $$ SELECT skolval.staging_clear(); INSERT INTO skolval.staging_unit (unit_code) VALUES (NULL); SELECT skolval.demo_payments() $$);
-- The example municipality
SELECT pg_temp.bad('22023', $$ SELECT skolval.demo_municipality(children => 0) $$);
SELECT pg_temp.bad('55000', $$ SELECT skolval.demo_municipality(children => 100) $$);
SELECT pg_temp.bad('55000', $$ SELECT skolval.demo_payments() $$);
-- Payments
SELECT pg_temp.bad('22023', $$ SELECT skolval.create_payment_run('2026-05-15') $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.create_payment_run(NULL) $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.create_payment_run('infinity') $$);
SELECT pg_temp.bad('55000', $$ SELECT skolval.create_payment_run('2026-09-01') $$);
SELECT pg_temp.bad('22023', $$ SELECT * FROM skolval.payment_rows('2026-05-02') $$);
SELECT pg_temp.bad('22023', $$ SELECT * FROM skolval.payment_check('-infinity') $$);
SELECT pg_temp.bad('22023', $$ SELECT * FROM skolval.reconcile_payments('2026-10-01', '2026-09-01') $$);
SELECT pg_temp.bad('P0002', $$ SELECT skolval.approve_payment_run(999) $$);
SELECT pg_temp.bad('55000', $$ SELECT skolval.lock_payment_run((SELECT run_id FROM skolval.payment_run WHERE month = '2026-10-01')) $$);
SELECT pg_temp.bad('55000', $$ SELECT skolval.approve_payment_run((SELECT run_id FROM skolval.payment_run WHERE month = '2026-09-01')) $$);
SELECT pg_temp.bad('55000', $$ UPDATE skolval.payment_row SET amount = 0 WHERE run_id = (SELECT run_id FROM skolval.payment_run WHERE month = '2026-09-01') $$);
SELECT pg_temp.bad('55000', $$ DELETE FROM skolval.payment_run WHERE month = '2026-09-01' $$);
SELECT pg_temp.bad('23P01', $$ INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual) VALUES ('FK', '2026-06-01', 1) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual) VALUES ('FK', '2027-03-01', 1) $$);
SELECT pg_temp.bad('23503', $$ INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual) VALUES ('XX', '2026-01-01', 1) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.supplement (child_id, unit_id, amount_monthly, valid_from) VALUES (1, 1, 100, '2026-01-01') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.payment_policy (count_day) VALUES (31) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.payment_category (category_code, name_sv, school_form, age_from, age_to) VALUES ('F', 'F', 'forskola', 5, 1) $$);
-- Documents
SELECT pg_temp.bad('P0002', $$ SELECT skolval.decision_letter(999, 1) $$);
SELECT pg_temp.bad('55000', $$ SELECT skolval.decision_letter((SELECT run_id FROM skolval.placement_run WHERE NOT what_if), 1) $$);
SELECT pg_temp.bad('P0002', $$ SELECT skolval.placement_map_svg(999) $$);
SELECT pg_temp.bad('P0002', $$ SELECT skolval.payment_statement(999, 2) $$);
SELECT pg_temp.bad('P0002', $$ SELECT skolval.payment_statement((SELECT run_id FROM skolval.payment_run WHERE month = '2026-09-01'), 1) $$);
SELECT pg_temp.bad('P0002', $$ SELECT skolval.payment_xlsx(999) $$);
SELECT pg_temp.bad('58P01', $$ SELECT skolval.configure_documents(font_path => '/no/such/font.ttf');
                       SELECT skolval.payment_statement((SELECT run_id FROM skolval.payment_run WHERE month = '2026-09-01'), 2) $$);
-- The nightly job
SELECT pg_temp.bad('55000', $$ SELECT skolval.schedule_nightly() $$);
-- Helpers
SELECT pg_temp.bad('22P02', $$ SELECT skolval.personal_number_normalize('19990101-00X1') $$);
SELECT pg_temp.bad('22P02', $$ SELECT skolval.personal_number_birth_date('19991301-0001') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.personal_number_make('2021-01-01', 1000) $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.local_point(ST_MakePoint(1, 1), 'a test point') $$);
SELECT pg_temp.bad('23514', $$ SELECT skolval.require_unit_offers(3, 'grundskola', 'a test') $$);

-- ---------------------------------------------------------------------------------------
-- Bounds (issue 11, items 9 and 11): every bad value below is refused before any work, by the
-- function's own check (22023, 22004) or by the table's bound (23514, doc/data-model.md).
-- ---------------------------------------------------------------------------------------
-- NaN and infinite numbers
SELECT pg_temp.bad('22023', $$ SELECT skolval.configure(network_margin_m => 'NaN') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.configure(network_margin_m => 'Infinity') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.configure(snap_limit_m => 'NaN') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.configure(snap_limit_m => 1e9) $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.configure(srid => -1) $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.settings SET network_margin_m = 'NaN' $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.settings SET snap_limit_m = 'Infinity' $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual) VALUES ('FK', '2027-01-01', 'NaN') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual, premises_annual) VALUES ('FK', '2027-01-01', 1, 'NaN') $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.payment_rate SET base_annual = 'NaN' $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.supplement (child_id, unit_id, amount_monthly, valid_from) VALUES (1, 2, 'NaN', '2026-01-01') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.payment_category (category_code, name_sv, school_form, hours_over) VALUES ('F', 'F', 'forskola', 'NaN') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, hours_per_week, valid_from) VALUES (2, 3, 'forskola', 'NaN', '2026-08-15') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, near_home_distance_m) VALUES ('X', '1281', '2027-08-16', 'NaN') $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.placement_round SET near_home_distance_m = 'Infinity' $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, geom) VALUES (1, 99, 1, 2, 'NaN', ST_MakeLine(pg_temp.pt(0), pg_temp.pt(1))) $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.edge SET length_m = 'Infinity' WHERE edge_id = 1 $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.compute_distances(1, radius_m => 'NaN') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.compute_distances(1, radius_m => '-Infinity') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.compute_distances(1, radius_m => 1e308) $$);
SELECT pg_temp.bad('22023', $$ SELECT count(*) FROM skolval.demo_network_edges(1, 100, 1e308, 1e308) $$);
SELECT pg_temp.bad('22023', $$ SELECT count(*) FROM skolval.demo_network_edges(1, 100, 'NaN', 6176500) $$);
SELECT pg_temp.bad('22023', $$ SELECT count(*) FROM skolval.demo_network_features(1, 100, 386500, -3e7) $$);
SELECT pg_temp.bad('22023', $$ SELECT count(*) FROM skolval.demo_network_edges(1, 2000001) $$);
-- Points: empty, not a point, NaN or infinite, unknown SRID, outside the coordinate system
SELECT pg_temp.bad('22023', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', ST_SetSRID('POINT EMPTY'::geometry, 3006)) $$);
SELECT pg_temp.bad('22023', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', ST_SetSRID(ST_MakePoint(200, 100), 4326)) $$);
SELECT pg_temp.bad('22023', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', ST_SetSRID(ST_MakePoint('NaN', 6176000), 3006)) $$);
SELECT pg_temp.bad('22023', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', ST_SetSRID(ST_MakePoint(386100, 'Infinity'), 3006)) $$);
SELECT pg_temp.bad('22023', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', ST_SetSRID(ST_MakePoint(13.2, 55.7), 999999)) $$);
SELECT pg_temp.bad('22023', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', ST_SetSRID(ST_MakePoint(386100, 6176000, 5), 3006)) $$);
SELECT pg_temp.bad('22023', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', ST_MakeLine(pg_temp.pt(0), pg_temp.pt(1))) $$);
SELECT pg_temp.bad('22023', $$ UPDATE skolval.unit SET location = ST_SetSRID('POINT EMPTY'::geometry, 3006) WHERE unit_id = 1 $$);
SELECT pg_temp.bad('22023', $$ UPDATE skolval.unit SET location = ST_SetSRID(ST_MakePoint(13.2, 95), 4326) WHERE unit_id = 1 $$);
SELECT pg_temp.bad('22023', $$ UPDATE skolval.unit SET location = ST_SetSRID(ST_MakePoint(2e7, 2e7), 3035) WHERE unit_id = 1 $$);
SELECT pg_temp.bad('22023', $$ INSERT INTO skolval.residence (child_id, municipality_code, home, valid_from, valid_to) VALUES (1, '1281', ST_SetSRID('POINT EMPTY'::geometry, 3006), '2019-01-01', '2019-12-31') $$);
SELECT pg_temp.bad('22023', $$ INSERT INTO skolval.residence (child_id, municipality_code, home, valid_from, valid_to) VALUES (1, '1281', ST_SetSRID(ST_MakePoint(386100, 'NaN'), 3006), '2019-01-01', '2019-12-31') $$);
SELECT pg_temp.bad('22023', $$ INSERT INTO skolval.residence (child_id, municipality_code, home, valid_from, valid_to) VALUES (1, '1281', ST_SetSRID(ST_MakePoint(-181, 55.7), 4326), '2019-01-01', '2019-12-31') $$);
SELECT pg_temp.bad('22023', $$ UPDATE skolval.residence SET home = ST_SetSRID(ST_MakePoint('-Infinity', 0), 3006) WHERE child_id = 2 $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.local_point(ST_SetSRID(ST_MakePoint(1, 'NaN'), 3006), 'a test point') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.local_point(ST_SetSRID('POINT EMPTY'::geometry, 4326), 'a test point') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, geom) VALUES (1, 99, 1, 2, 1, ST_SetSRID('LINESTRING EMPTY'::geometry, 3006)) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, geom) VALUES (1, 99, 1, 2, 1, ST_MakeLine(pg_temp.pt(0), pg_temp.pt('NaN'))) $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.network_load('x', 'test', 'SELECT 1 AS id, 1 AS source, 2 AS target, ST_SetSRID(''LINESTRING EMPTY''::geometry, 3006) AS geom') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.network_load('x', 'test', 'SELECT 1 AS id, 1 AS source, 2 AS target, ST_SetSRID(ST_MakeLine(ST_MakePoint(0, ''NaN''), ST_MakePoint(1, 1)), 3006) AS geom') $$);
-- Arrays: two-dimensional, not starting at 1, NULL elements, repeated school forms
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, criteria) VALUES ('X', '1281', '2027-08-16', '{{near_home,sibling},{distance,lottery}}') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, criteria) VALUES ('X', '1281', '2027-08-16', '[0:1]={near_home,lottery}') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, criteria) VALUES ('X', '1281', '2027-08-16', '{near_home,NULL,lottery}') $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.placement_round SET criteria = '{{near_home},{lottery}}' WHERE round_id = 1 $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{forskoleklass,forskoleklass}', pg_temp.pt(150)) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '{{forskoleklass},{grundskola}}', pg_temp.pt(150)) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', 'x', 'municipal', '[2:2]={forskoleklass}', pg_temp.pt(150)) $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.unit SET school_forms = school_forms || 'forskoleklass'::skolval.school_form WHERE unit_id = 1 $$);
-- Dates outside 1900-01-01 .. 2200-12-31 (infinity, year 1, 9999, 4713 BC, 5874897)
SELECT pg_temp.bad('22023', $$ SELECT skolval.create_payment_run('0001-01-01') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.create_payment_run('9999-12-01') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.create_payment_run('4713-01-01 BC') $$);
SELECT pg_temp.bad('22023', $$ SELECT * FROM skolval.payment_rows('2201-01-01') $$);
SELECT pg_temp.bad('22023', $$ SELECT * FROM skolval.payment_check('1899-12-01') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.payment_count_date('5874897-01-01') $$);
SELECT pg_temp.bad('22023', $$ SELECT * FROM skolval.reconcile_payments('2026-09-01', '9999-01-01') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, valid_from) VALUES (2, 2, 'forskoleklass', 0, '5874897-01-01') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, valid_from, valid_to) VALUES (2, 2, 'forskoleklass', 0, '2026-08-15', 'infinity') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.placement_round (name, municipality_code, start_date) VALUES ('X', '1281', 'infinity') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, cohort_date) VALUES ('X', '1281', '2027-08-16', '1800-01-01') $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.placement_round SET start_date = '4713-01-01 BC' WHERE round_id = 1 $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from, valid_to) VALUES (1, '1281', '-infinity', '2019-12-31') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual) VALUES ('FK', 'infinity', 1) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.supplement (child_id, unit_id, amount_monthly, valid_from, valid_to) VALUES (1, 2, 100, '2026-01-01', '3000-01-01') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.payment_holiday (day, name) VALUES ('infinity', 'Aldrig') $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.wish SET submitted_at = 'infinity' WHERE child_id = 1 $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.child (personal_number) VALUES (skolval.personal_number_make('1899-12-31', 1)) $$);
SELECT pg_temp.bad('22023', $$ SELECT * FROM skolval.nightly('infinity') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.date_sv('infinity') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.month_sv('-infinity') $$);
SELECT pg_temp.bad('22023', $$ SELECT * FROM skolval.nightly('5874897-12-31') $$);
-- Lengths: codes 50, names 200, addresses 300 characters
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES (repeat('D', 51), 'x', 'municipal', '{forskoleklass}', pg_temp.pt(150)) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', repeat('n', 201), 'municipal', '{forskoleklass}', pg_temp.pt(150)) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, address, location) VALUES ('D', 'x', 'municipal', '{forskoleklass}', repeat('a', 301), pg_temp.pt(150)) $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.unit SET organizer_name = repeat('o', 201) WHERE unit_id = 2 $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.child SET given_name = repeat('n', 1300000) WHERE child_id = 1 $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.child SET family_name = repeat('n', 201) WHERE child_id = 1 $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.residence (child_id, municipality_code, address, valid_from, valid_to) VALUES (1, '1281', repeat('a', 301), '2019-01-01', '2019-12-31') $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.residence SET postal_town = repeat('t', 201) WHERE child_id = 1 $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.district VALUES (repeat('S', 51), 'Söder', 'BSN') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.district VALUES ('S', repeat('s', 201), 'BSN') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.placement_round (name, municipality_code, start_date) VALUES (repeat('r', 201), '1281', '2027-08-16') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.payment_category (category_code, name_sv, school_form) VALUES ('F', repeat('k', 201), 'forskola') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.cost_account (administration, account) VALUES ('BSN', repeat('4', 51)) $$);
SELECT pg_temp.bad('23514', $$ SELECT skolval.configure(municipality_name => repeat('k', 201)) $$);
SELECT pg_temp.bad('23514', $$ SELECT skolval.configure_documents(board_name => repeat('b', 201)) $$);
SELECT pg_temp.bad('23514', $$ SELECT skolval.network_load(repeat('n', 201), 'test', 'SELECT 1 AS id, 1 AS source, 2 AS target, ST_MakeLine(pg_temp.pt(0), pg_temp.pt(50)) AS geom') $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.data_issue SET resolution = repeat('r', 2001) WHERE issue_id = (SELECT min(issue_id) FROM skolval.data_issue) $$);
-- Control characters in names, codes and addresses (they made the SVG map invalid XML)
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', E'Skolan\x07', 'municipal', '{forskoleklass}', pg_temp.pt(150)) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', E'Skolan\nNorr', 'municipal', '{forskoleklass}', pg_temp.pt(150)) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES (E'D\t1', 'x', 'municipal', '{forskoleklass}', pg_temp.pt(150)) $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.child SET family_name = E'Svensson\x1b[2J' WHERE child_id = 1 $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.residence SET address = E'Gatan\r1' WHERE child_id = 1 $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.district VALUES ('S', E'S\u0085der', 'BSN') $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.placement_round SET name = E'HT2027\x7f' WHERE round_id = 1 $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.payment_holiday (day, name) VALUES ('2026-12-24', E'Jul\x0cafton') $$);
SELECT pg_temp.bad('23514', $$ SELECT skolval.configure(municipality_name => E'Lund\x0b') $$);
SELECT pg_temp.bad('23514', $$ SELECT skolval.configure_documents(board_address => E'Box 1\x1f') $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.edge SET name = E'V\x02e4gen' WHERE edge_id = 1 $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.network_load('x', 'test', 'SELECT 7 AS id, 1 AS source, 2 AS target, E''Storgatan\x1b'' AS name, ST_MakeLine(pg_temp.pt(0), pg_temp.pt(50)) AS geom') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.network_load('x', 'test', 'SELECT 7 AS id, 1 AS source, 2 AS target, repeat(''k'', 51) AS kind, ST_MakeLine(pg_temp.pt(0), pg_temp.pt(50)) AS geom') $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.cost_account SET account = E'4610\x01' $$);
-- NULL arguments refused before any work (the generated probe below covers every function)
SELECT pg_temp.bad('22004', $$ SELECT skolval.allocate(1, what_if => NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.allocate(NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.allocate(1, admin_policy => NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.network_load('x', 'test', edges_sql => NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.network_finish(1, activate => NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.compute_distances(NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.compute_distances(1, full_refresh => NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.publish(NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.round_fill_cohort(NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT * FROM skolval.import_applications(NULL, '[]') $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.route(NULL, 1) $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.schedule_nightly(schedule => NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT * FROM skolval.demo_municipality(children => NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT * FROM skolval.reconcile_payments(NULL) $$);
SELECT pg_temp.bad('22004', $$ SELECT skolval.placement_map_svg(NULL) $$);
-- The same with each role's own rights: the bounds hold for the administrator's hand-written
-- statements, and an analyst's NULL what-if is refused before the role is even considered.
SET ROLE skolval_admin;
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location) VALUES ('D', E'<svg>\x01', 'municipal', '{forskoleklass}', pg_temp.pt(150)) $$);
SELECT pg_temp.bad('22023', $$ UPDATE skolval.residence SET home = ST_SetSRID('POINT EMPTY'::geometry, 3006) WHERE child_id = 1 $$);
SELECT pg_temp.bad('23514', $$ UPDATE skolval.placement_round SET criteria = '{{near_home,lottery}}' WHERE round_id = 1 $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.create_payment_run('9999-12-01') $$);
RESET ROLE;
SET ROLE skolval_analyst;
SELECT pg_temp.bad('22004', $$ SELECT skolval.allocate(1, what_if => NULL) $$);
SELECT pg_temp.bad('22023', $$ SELECT * FROM skolval.payment_rows('0001-01-01') $$);
RESET ROLE;

-- Staging reports the same bounds as problem rows naming the source row and column (values of
-- names and addresses are not shown), and merges nothing.
INSERT INTO skolval.staging_unit (source_row, unit_code, name, organizer, school_forms, address, east, north)
VALUES (101, repeat('U', 51), repeat('n', 201), 'municipal', 'forskoleklass', E'Gatan 1\n2 tr', '386500', '6176000');
INSERT INTO skolval.staging_residence (source_row, personal_number, given_name, family_name, municipality_code, postal_town, east, north, valid_from, valid_to)
VALUES (102, '20210101-0008', repeat('g', 1300000), E'Fam\x07ilj', '1281', repeat('t', 201), '386500', '999999999999999', '9999-01-01', '18991231');
INSERT INTO skolval.staging_enrollment (source_row, personal_number, unit_code, school_form, valid_from)
VALUES (103, '20210101-0008', 'A', 'forskoleklass', '2201-01-01');
INSERT INTO skolval.staging_wish (source_row, round_name, personal_number, rank, unit_code)
VALUES (104, repeat('r', 201), '20210101-0008', '1', E'A\x1b');
SELECT staging_table, source_row, column_name, value, problem FROM skolval.staging_check()
 WHERE source_row >= 101 AND (problem ~ 'too long|control character|out of range|outside Sweden') ORDER BY 1, 2, 3, 5;
SELECT pg_temp.bad('P0001', $$ DO $do$ BEGIN IF EXISTS (SELECT FROM skolval.staging_merge()) THEN RAISE EXCEPTION 'staging_merge() refused: % problems', (SELECT count(*) FROM skolval.staging_check()); END IF; END $do$ $$);
DELETE FROM skolval.staging_unit WHERE source_row >= 101;
DELETE FROM skolval.staging_residence; DELETE FROM skolval.staging_enrollment; DELETE FROM skolval.staging_wish;

-- issue 15 (delivery): the guardian register, the settings and the staged relations refuse
-- values out of bounds by themselves (23514), and staging names the row and column.
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.guardian (personal_number, given_name, family_name) VALUES (skolval.personal_number_make('1970-01-01', 1), repeat('a', 201), 'B') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.guardian (personal_number, given_name, family_name) VALUES (skolval.personal_number_make('1970-01-01', 1), E'A\x1b', 'B') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.guardian (personal_number, given_name, family_name) VALUES ('197001010000', 'A', 'B') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.guardian (personal_number, given_name, family_name, address, postal_code, postal_town) VALUES (skolval.personal_number_make('1970-01-01', 1), 'A', 'B', repeat('g', 301), '123 45', 'Staden') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.guardian (personal_number, given_name, family_name, address, postal_code, postal_town) VALUES (skolval.personal_number_make('1970-01-01', 1), 'A', 'B', 'Gatan 1', '1234', 'Staden') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.guardian (personal_number, given_name, family_name, address) VALUES (skolval.personal_number_make('1970-01-01', 1), 'A', 'B', 'Gatan 1') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.guardian (personal_number, given_name, family_name, address, postal_code, postal_town, sekretessmarkering) VALUES (skolval.personal_number_make('1970-01-01', 1), 'A', 'B', 'Gatan 1', '123 45', 'Staden', true) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.delivery_settings (case_prefix) VALUES ('bsn') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.delivery_settings (forwarding_address) VALUES (ARRAY[E'Skatteverket\n', 'x']) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.delivery_settings (claim_timeout) VALUES ('1 second') $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.delivery_settings (max_attempts) VALUES (0) $$);
SELECT pg_temp.bad('23514', $$ INSERT INTO skolval.child_protection (child_id) VALUES (1) $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.configure_delivery(disagreement_rule => 'coin') $$);
SELECT pg_temp.bad('22023', $$ SELECT skolval.easter_sunday(1000) $$);
INSERT INTO skolval.staging_guardian (source_row, child_personal_number, guardian_personal_number, given_name, family_name, address, postal_code, postal_town, channel, custody, guardian_protection, child_protection)
VALUES (201, '20210101-0008', '1', repeat('g', 201), E'Fam\x07ilj', repeat('a', 301), '99', repeat('t', 201), 'duva', 'ibland', 'hemlig', 'hemlig');
SELECT source_row, column_name, value, problem FROM skolval.guardian_staging_check() ORDER BY 1, 2, 4;
SELECT pg_temp.bad('P0001', $$ DO $do$ BEGIN IF EXISTS (SELECT FROM skolval.guardian_staging_merge()) THEN RAISE EXCEPTION 'guardian_staging_merge() refused: % problems', (SELECT count(*) FROM skolval.guardian_staging_check()); END IF; END $do$ $$);
DELETE FROM skolval.staging_guardian;

-- ---------------------------------------------------------------------------------------
-- NULL arguments, generated from the catalogue: every public function (no leading _) is called
-- with each of its arguments NULL in turn, the others valid. The rule (doc/sql-reference.md):
-- a STRICT function returns NULL (no rows); an argument documented as "NULL: ..." has that
-- meaning; a read-only (STABLE or IMMUTABLE) function may return NULL or no rows; every other
-- NULL is refused with null_value_not_allowed (22004) naming the argument, before any work.
-- Every call is rolled back. Any other outcome -- an error from inside (XX000, 42xxx, 23502,
-- 22P02), a write by a call that should do nothing, or a function without sample arguments
-- below -- is reported as BAD.
-- ---------------------------------------------------------------------------------------
CREATE TEMP TABLE null_sample (arg text PRIMARY KEY, value text NOT NULL);
INSERT INTO null_sample VALUES
  ('activate', 'false'), ('admin_policy', '''min_cost'''), ('amount', '1.5'), ('applications', '''[]'''),
  ('birth_date', '''2021-01-02'''), ('board_address', '''Gatan 1'''), ('board_name', '''Nämnden'''),
  ('bold', 'false'), ('bold_font_path', '''/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'''),
  ('child_id', '1'), ('children', '60'), ('contact', '''Tel 1'''), ('criterion', '''distance'''),
  ('d', '''2027-08-16'''), ('database', 'current_database()'), ('day', '''2027-01-01'''), ('enabled', 'true'),
  ('edges_sql', '''SELECT 1 AS id, 1 AS source, 2 AS target, ST_SetSRID(ST_MakePoint(0, 0), 3006) AS geom WHERE false'''),
  ('flag', '''owed'''), ('font_path', '''/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'''),
  ('form', '''forskoleklass'''), ('from_month', '''2026-09-01'''), ('full_refresh', 'false'),
  ('g', 'pg_temp.pt(150)'), ('mechanism', '''deferred_acceptance'''), ('month', '''2026-10-01'''),
  ('municipality_code', '''1281'''), ('municipality_name', '''Testkommun'''), ('n', '1'),
  ('name', '''probe'''), ('near_home_distance_m', '2000'), ('network_edges', '800'),
  ('network_id', '1'), ('network_margin_m', '5000'), ('origin_e', '386500'), ('origin_n', '6176500'),
  ('personal_number', 'skolval.personal_number_make(''2021-01-02'', 1)'), ('radius_m', '1000'),
  ('reason', '''probe'''), ('reference_date', '''2027-01-01'''), ('replace', 'false'), ('residence_id', '(SELECT min(residence_id) FROM skolval.residence)'),
  ('round_id', '1'), ('round_name', '''HT2027'''), ('run_id', '1'), ('schedule', '''30 2 * * *'''),
  ('seed', '1'), ('serial', '1'), ('snap_limit_m', '250'), ('source', '''probe'''), ('srid', '3006'),
  ('status', '''draft'''), ('stream', '''lottery'''), ('target_edges', '100'), ('to_month', '''2026-09-01'''),
  ('today', '''2026-10-01'''), ('unit_id', '2'), ('value', '100'), ('what', '''a probe'''), ('what_if', 'true');
-- walking distances (issue 17): the second geometry of ground_distance
INSERT INTO null_sample VALUES ('to_g', 'pg_temp.pt(300)');
-- Arguments whose NULL has a documented meaning.
CREATE TEMP TABLE null_meaning (fn text, arg text, meaning text, PRIMARY KEY (fn, arg));
INSERT INTO null_meaning VALUES
  ('allocate', 'mechanism', 'the round''s mechanism'), ('criterion_rule_sv', 'near_home_distance_m', '2000 m'),
  ('document_font', 'bold', 'the regular font'), ('require_unit_offers', 'unit_id', 'nothing to check'),
  ('require_unit_offers', 'form', 'nothing to check'), ('compute_distances', 'radius_m', 'no radius'),
  ('configure', 'municipality_code', 'keep'), ('configure', 'municipality_name', 'keep'), ('configure', 'srid', 'keep'),
  ('configure', 'network_margin_m', 'keep'), ('configure', 'snap_limit_m', 'keep'),
  ('configure_documents', 'board_name', 'keep'), ('configure_documents', 'board_address', 'keep'),
  ('configure_documents', 'contact', 'keep'), ('configure_documents', 'font_path', 'keep'),
  ('configure_documents', 'bold_font_path', 'keep'), ('nightly', 'today', 'today'),
  ('placement_map_svg', 'child_id', 'the whole round'), ('reconcile_payments', 'to_month', 'from_month only'),
  ('route', 'network_id', 'the active network'), ('schedule_nightly', 'database', 'the current database'),
  ('set_four_eyes', 'reason', 'no reason (needed only to turn four eyes off)');
-- The school year (sql/year, issue 16): sample values and documented NULLs.
INSERT INTO null_sample VALUES
  ('accept', 'false'), ('amendment_id', '1'), ('answer_days', '14'), ('answered_on', '''2027-06-15'''),
  ('appeal_days', '21'), ('appeal_id', '1'), ('application_id', '1'), ('change', 'false'), ('class_size', '24'),
  ('decision_date', '''2027-04-20'''), ('delivered_date', '''2027-03-30'''), ('effective_date', '''2027-04-10'''),
  ('grounds_sv', '''probe'''), ('id', '1'), ('in_movers', '''place_now'''),
  ('late_applications', '''wait'''), ('later_round_id', '1'), ('new_unit_id', '2'), ('note', '''probe'''),
  ('offer_id', '1'), ('on_day', '''2027-04-15'''), ('ordered_unit_id', '2'), ('outcome', '''rejected'''),
  ('outcome_date', '''2027-06-20'''), ('reason_sv', '''probe'''), ('received_date', '''2027-04-14'''),
  ('reference', '''BSN 1'''), ('review_date', '''2027-04-26'''), ('rooms', '2'), ('show_position_to_family', 'false'),
  ('sibling_units', '''{}'''), ('submitted_at', '''2027-05-01 08:00'''), ('tie_break', '''lottery'''),
  ('units', '''{}'''), ('uses_offers', 'false'), ('wished_unit_id', '2');
INSERT INTO null_meaning VALUES
  ('set_school_year', 'in_movers', 'keep'), ('set_school_year', 'late_applications', 'keep'),
  ('set_school_year', 'show_position_to_family', 'keep'), ('set_school_year', 'appeal_days', 'keep'),
  ('decline_place', 'note', 'no note'), ('record_move_away', 'note', 'no note'),
  ('year_apply', 'later_round_id', 'the next later round'),
  ('set_capacity_justification', 'rooms', 'not stated'), ('set_capacity_justification', 'class_size', 'not stated'),
  ('set_capacity_justification', 'later_round_id', 'the main round'),
  ('register_appeal', 'wished_unit_id', 'the first wish not met'), ('register_appeal', 'grounds_sv', 'none given'),
  ('register_appeal', 'amendment_id', 'the published run''s decision'),
  ('register_appeal', 'delivered_date', 'the delivery the outbox recorded'),
  ('review_appeal', 'new_unit_id', 'no new unit (unchanged)'),
  ('record_appeal_outcome', 'reference', 'no reference'), ('record_appeal_outcome', 'ordered_unit_id', 'the wished unit');
-- Task "pay" (issue 14): retroactive rate decisions.
INSERT INTO null_sample VALUES ('allow_reclaim', 'false'), ('home_municipality', '''0180'''), ('decision_ref', '''BSN 2026/1'''),
  ('invoice', '''personnummer;enhetskod;fran;till;belopp'''), ('flags', '''{owed}''');
INSERT INTO null_meaning VALUES ('revise_payment_rates', 'decision_ref', 'no decision reference');
-- issue 15 (delivery): sample values and documented NULLs of the delivery functions
INSERT INTO null_sample VALUES
  ('batch_id', '1'), ('batch_size', '10'), ('case_prefix', '''BSN'''), ('channel', '''paper'''),
  ('claim_timeout', '''1 hour'''), ('delegation', '''Delegation 1'''), ('delivered_at', 'now()'),
  ('delivered_on', '''2027-03-20'''), ('disagreement_rule', '''no_choice'''),
  ('forwarding_address', 'ARRAY[''Skatteverket'']'), ('kind', '''wish'''), ('max_attempts', '3'),
  ('outbox_id', '1'), ('outbox_ids', 'ARRAY[1]::bigint[]'), ('read_at', 'now()'), ('role_title', '''Handläggare'''),
  ('school_form', '''forskoleklass'''), ('had_wishes', 'true'), ('independent', 'false'), ('sent_at', 'now()'), ('start_date', '''2027-08-16'''),
  ('unit_name', '''Skolan'''), ('wish_rank', '1'), ('worker', '''probe'''), ('year', '2027');
INSERT INTO null_meaning VALUES
  ('configure_delivery', 'case_prefix', 'keep'), ('configure_delivery', 'disagreement_rule', 'keep'),
  ('configure_delivery', 'forwarding_address', 'keep'), ('configure_delivery', 'max_attempts', 'keep'),
  ('configure_delivery', 'claim_timeout', 'keep'), ('decision_delivery', 'run_id', 'every published run'),
  ('outbox_mark_sent', 'sent_at', 'now'), ('outbox_control_notice', 'sent_at', 'now'),
  ('outbox_mark_delivered', 'delivered_at', 'only read'), ('outbox_mark_delivered', 'read_at', 'only delivered'),
  ('decision_sentence_sv', 'had_wishes', 'not needed for a placement by wish');
CREATE FUNCTION pg_temp.null_probe() RETURNS TABLE (call text, outcome text, verdict text) LANGUAGE plpgsql AS $$
DECLARE
  f record;
  i integer;
  args text[];
  sql text;
  before text;
  n bigint;
  all_null boolean;
  state text;
  msg text;
  missing text;
  changed boolean;
BEGIN
  FOR f IN
    SELECT p.oid, p.proname::text AS fn, p.proisstrict, p.provolatile, p.proargnames, p.proargtypes::oid[] AS types,  -- (0-based)
           p.pronargs, coalesce(p.proargmodes, '{}') AS modes
      FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
      JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE p.proname !~ '^_' AND p.pronargs > 0 AND p.prokind = 'f'
     ORDER BY p.proname, p.oid::regprocedure::text
  LOOP
    SELECT string_agg(a, ', ') INTO missing
      FROM unnest(f.proargnames[1:f.pronargs]) a WHERE NOT EXISTS (SELECT 1 FROM null_sample s WHERE s.arg = a);
    IF missing IS NOT NULL THEN
      call := f.fn; outcome := 'no sample value for ' || missing; verdict := 'BAD'; RETURN NEXT; CONTINUE;
    END IF;
    FOR i IN 1 .. f.pronargs LOOP
      SELECT array_agg(CASE WHEN k = i THEN pg_catalog.format('%I => NULL::%s', f.proargnames[k], format_type(f.types[k - 1], NULL))
                            ELSE pg_catalog.format('%I => %s', f.proargnames[k], (SELECT s.value FROM null_sample s WHERE s.arg = f.proargnames[k])) END
                       ORDER BY k)
        INTO args FROM generate_series(1, f.pronargs) k;
      call := pg_catalog.format('%s(%s => NULL)', f.fn, f.proargnames[i]);
      sql := pg_catalog.format('SELECT count(*), bool_and(x IS NULL) FROM skolval.%I(%s) x', f.fn, array_to_string(args, ', '));
      before := pg_temp.fingerprint();
      state := NULL;
      BEGIN
        BEGIN
          EXECUTE sql INTO n, all_null;
          changed := pg_temp.fingerprint() IS DISTINCT FROM before;   -- seen before the rollback
          RAISE SQLSTATE 'SVOK0';
        EXCEPTION WHEN SQLSTATE 'SVOK0' THEN
          state := 'ok';
        END;
      EXCEPTION WHEN OTHERS THEN
        state := SQLSTATE; msg := SQLERRM;
      END;
      IF state = 'ok' THEN
        outcome := CASE WHEN n = 0 THEN 'no rows' WHEN n = 1 AND all_null THEN 'NULL' ELSE 'a result' END;
      ELSE
        outcome := state || ': ' || msg;
      END IF;
      verdict := CASE
        WHEN state IN ('XX000', '23502', '22P02') OR state LIKE '42%' THEN 'BAD: an error from inside'
        WHEN state = '22004' AND msg ~ ('\m' || f.proargnames[i] || '\M') THEN 'ok: refused'
        WHEN EXISTS (SELECT 1 FROM null_meaning m WHERE m.fn = f.fn AND m.arg = f.proargnames[i])
          THEN 'ok: NULL means ' || (SELECT m.meaning FROM null_meaning m WHERE m.fn = f.fn AND m.arg = f.proargnames[i])
        WHEN state = 'ok' AND changed THEN 'BAD: wrote data'
        WHEN state = 'ok' AND outcome IN ('NULL', 'no rows') AND f.proisstrict THEN 'ok: strict'
        WHEN state = 'ok' AND outcome IN ('NULL', 'no rows') AND f.provolatile <> 'v' THEN 'ok: read-only, nothing out'
        ELSE 'BAD' END;
      RETURN NEXT;
    END LOOP;
  END LOOP;
END $$;
SELECT call, outcome, verdict FROM pg_temp.null_probe();
SELECT count(*) AS calls, count(*) FILTER (WHERE verdict ~ '^BAD') AS bad FROM pg_temp.null_probe();

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

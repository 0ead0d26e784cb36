-- Grant payments, computed by hand.
--
-- Rates are annual and divisible by twelve, so a month is easy to check:
--   FK (förskoleklass) until 30 June 2026: 60 000 base + 12 000 premises a year
--      -> 5 000 + 1 000 a month, admin 3 % of 6 000 = 180, VAT 6 % of 6 180 = 370.80: 6 550.80
--   FK from 1 July 2026: 66 000 + 12 000 -> 5 500 + 1 000, admin 195, VAT 6 % of 6 695 = 401.70: 7 096.70
--   GR1-3: 84 000 + 12 000 -> 7 000 + 1 000, admin 240, VAT 494.40: 8 734.40
--   GR4-6: 90 000 + 12 000 -> 7 500 + 1 000, admin 255, VAT 525.30: 9 280.30
--   GR7-9: 108 000 + 12 000 -> 9 000 + 1 000, admin 300, VAT 618: 10 918.00
--   Förskola 1-2 years, over 15 h: 120 000 + 24 000 -> 10 000 + 2 000, admin 360, VAT 741.60: 13 101.60
--   Förskola 3-5 years, over 15 h: 96 000 + 24 000 -> 8 000 + 2 000, admin 300, VAT 618: 10 918.00
--   Förskola 3-5 years, at most 15 h: 48 000 + 12 000 -> 4 000 + 1 000, admin 150, VAT 309: 5 459.00
--   Tilläggsbelopp 5 000 a month + 6 % VAT: 5 300.00
-- Count date: the 15th, moved to the next weekday; 15 March 2026 is a Sunday, so 16 March.
SET datestyle = ISO;
-- One login role runs this whole test: four eyes (separation of duties) is off here, with the
-- reason recorded; test/sql/workflow.sql tests it with two people.
SELECT skolval.set_four_eyes(false, 'single-user regression test (payments.sql)');
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

INSERT INTO skolval.district VALUES ('N', 'Norr', 'Barn- och skolnämnden Norr'), ('S', 'Söder', 'Barn- och skolnämnden Söder');
INSERT INTO skolval.cost_account (administration, school_form, account) VALUES
  ('Barn- och skolnämnden Norr', NULL, '4610 100'),
  ('Barn- och skolnämnden Söder', NULL, '4610 200'),
  ('Barn- och skolnämnden Söder', 'forskola', '4620 200');
INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, school_forms, location) VALUES
  (10, '10000010', 'Friskolan Ekorren', 'independent', '{forskola,forskoleklass,grundskola,fritidshem}', pg_temp.pt(100)),
  (11, '10000011', 'Förskolan Ugglan', 'independent', '{forskola}', pg_temp.pt(500)),
  (12, '10000012', 'Kommunala skolan', 'municipal', '{forskoleklass,grundskola}', pg_temp.pt(900));

INSERT INTO skolval.payment_category (category_code, name_sv, school_form, grade_from, grade_to, age_from, age_to, hours_over, hours_up_to, sort_order) VALUES
  ('FSK12',    'Förskola 1–2 år, över 15 h/v',   'forskola', NULL, NULL, 1, 2, 15, NULL, 1),
  ('FSK12-15', 'Förskola 1–2 år, högst 15 h/v',  'forskola', NULL, NULL, 1, 2, NULL, 15, 2),
  ('FSK35',    'Förskola 3–5 år, över 15 h/v',   'forskola', NULL, NULL, 3, 5, 15, NULL, 3),
  ('FSK35-15', 'Förskola 3–5 år, högst 15 h/v',  'forskola', NULL, NULL, 3, 5, NULL, 15, 4),
  ('FK',       'Förskoleklass',                  'forskoleklass', NULL, NULL, NULL, NULL, NULL, NULL, 5),
  ('GR1-3',    'Grundskola åk 1–3',              'grundskola', 1, 3, NULL, NULL, NULL, NULL, 6),
  ('GR4-6',    'Grundskola åk 4–6',              'grundskola', 4, 6, NULL, NULL, NULL, NULL, 7),
  ('GR7-9',    'Grundskola åk 7–9',              'grundskola', 7, 9, NULL, NULL, NULL, NULL, 8),
  ('FRI0-3',   'Fritidshem F–åk 3',              'fritidshem', 0, 3, NULL, NULL, NULL, NULL, 9),
  ('FRI4-6',   'Fritidshem åk 4–6',              'fritidshem', 4, 6, NULL, NULL, NULL, NULL, 10);
INSERT INTO skolval.payment_rate (category_code, valid_from, valid_to, base_annual, premises_annual) VALUES
  ('FSK12',    '2026-01-01', '2026-12-31', 120000, 24000),
  ('FSK12-15', '2026-01-01', '2026-12-31',  60000, 12000),
  ('FSK35',    '2026-01-01', '2026-12-31',  96000, 24000),
  ('FSK35-15', '2026-01-01', '2026-12-31',  48000, 12000),
  ('FK',       '2026-01-01', '2026-06-30',  60000, 12000),
  ('FK',       '2026-07-01', '2026-12-31',  66000, 12000),
  ('GR1-3',    '2026-01-01', '2026-12-31',  84000, 12000),
  ('GR4-6',    '2026-01-01', '2026-12-31',  90000, 12000),
  ('GR7-9',    '2026-01-01', '2026-12-31', 108000, 12000),
  ('FRI0-3',   '2026-01-01', '2026-12-31',  36000, 0);
-- FRI4-6 has no rate on purpose.
INSERT INTO skolval.payment_policy (basis, count_day, weekend_shift, age_cutover_month, age_cutover_day, correction_window_months)
VALUES ('count_day', 15, 'next', 9, 1, 1);
INSERT INTO skolval.payment_special_month VALUES (6, -1, 15), (7, 1, 22);

-- Children 1-20, born so that the personal numbers are valid; 18 has protected identity.
INSERT INTO skolval.child (child_id, personal_number, given_name, family_name, protected_identity)
SELECT n, skolval.personal_number_make(b, n), 'Barn' || n, 'Efternamn', n = 18
  FROM (VALUES (1, date '2020-03-01'), (2, '2020-04-01'), (3, '2018-05-01'), (4, '2015-06-01'),
               (5, '2015-07-01'), (6, '2012-08-01'), (7, '2011-09-01'), (8, '2023-10-20'),
               (9, '2020-11-01'), (10, '2017-12-01'), (11, '2022-05-01'), (12, '2019-01-10'),
               (13, '2015-02-10'), (14, '2025-06-01'), (15, '2020-03-10'), (16, '2020-04-10'),
               (17, '2020-05-10'), (18, '2020-06-10'), (19, '2018-07-10'), (20, '2021-02-01')) v(n, b);
-- Everyone lives in district N of the municipality since 2020, except: 9 moves to Malmö (1280)
-- on 11 March; 16 has no address; 17 has no residence at all; 19 and 20 live in district S.
INSERT INTO skolval.residence (child_id, municipality_code, address, district_code, valid_from, valid_to)
SELECT n, '1281', CASE WHEN n <> 16 THEN 'Gatan ' || n END, CASE WHEN n IN (19, 20) THEN 'S' ELSE 'N' END,
       '2020-01-01', CASE WHEN n = 9 THEN date '2026-03-10' END
  FROM generate_series(1, 20) n WHERE n <> 17;
INSERT INTO skolval.residence (child_id, municipality_code, address, valid_from) VALUES (9, '1280', 'Annan gata 1', '2026-03-11');

INSERT INTO skolval.enrollment (enrollment_id, child_id, unit_id, school_form, grade, hours_per_week, valid_from, valid_to) VALUES
  (101, 1, 10, 'forskoleklass', 0, NULL, '2025-08-15', NULL),          -- all year
  (102, 2, 10, 'forskoleklass', 0, NULL, '2026-03-10', NULL),          -- starts before the count date
  (103, 3, 10, 'grundskola', 2, NULL, '2026-03-20', NULL),             -- starts after it
  (104, 4, 10, 'grundskola', 5, NULL, '2025-08-15', '2026-03-16'),     -- stops on the count date
  (105, 5, 10, 'grundskola', 5, NULL, '2025-08-15', '2026-03-13'),     -- stops before it
  (106, 6, 10, 'grundskola', 7, NULL, '2026-03-16', NULL),             -- starts on the moved count date
  (107, 7, 10, 'grundskola', 8, NULL, '2025-08-15', '2026-03-15'),     -- stops on the Sunday
  (108, 8, 11, 'forskola', NULL, 40, '2025-01-01', NULL),              -- crosses the age cut-over in September
  (109, 9, 10, 'forskoleklass', 0, NULL, '2025-08-15', NULL),          -- moved out of the municipality
  (110, 10, 10, 'grundskola', 3, NULL, '2025-08-15', NULL),            -- parallel school placement ...
  (111, 10, 12, 'grundskola', 3, NULL, '2026-02-01', NULL),            -- ... at a municipal school
  (112, 11, 10, 'forskola', NULL, 20, '2025-01-01', NULL),             -- two förskola placements
  (113, 11, 11, 'forskola', NULL, 10, '2025-01-01', NULL),
  (114, 12, 10, 'grundskola', 1, NULL, '2025-08-15', NULL),            -- with tilläggsbelopp
  (115, 13, 10, 'grundskola', 5, NULL, '2025-08-15', NULL),            -- grundskola and ...
  (116, 13, 10, 'fritidshem', 5, NULL, '2025-08-15', NULL),            -- ... fritidshem without a rate
  (117, 14, 11, 'forskola', NULL, 30, '2026-01-01', NULL),             -- too young for every category
  (118, 15, 10, 'forskoleklass', 0, NULL, '2025-08-15', NULL),         -- registered twice
  (119, 15, 10, 'forskoleklass', 0, NULL, '2026-01-01', NULL),
  (120, 16, 10, 'forskoleklass', 0, NULL, '2025-08-15', NULL),         -- no address
  (121, 17, 10, 'forskoleklass', 0, NULL, '2025-08-15', NULL),         -- no residence
  (122, 18, 10, 'forskoleklass', 0, NULL, '2025-08-15', NULL),         -- protected identity
  (123, 19, 10, 'grundskola', 1, NULL, '2025-08-15', NULL),            -- district S
  (124, 20, 11, 'forskola', NULL, 40, '2024-01-01', NULL);             -- district S, förskola account
INSERT INTO skolval.supplement (supplement_id, child_id, unit_id, amount_monthly, valid_from, valid_to, decision_ref) VALUES
  (1, 12, 10, 5000, '2026-01-01', '2026-06-30', 'BSN 2025/1234'),
  (2, 3, 11, 2000, '2026-03-01', '2026-03-31', 'BSN 2026/0007');  -- child 3 is not at unit 11

-- The count dates: weekend shift, June on the May count, July on the August count.
SELECT m::date AS month, skolval.payment_count_date(m::date) AS count_date, to_char(skolval.payment_count_date(m::date), 'Dy') AS weekday
  FROM generate_series(date '2026-01-01', '2026-09-01', '1 month') m;

-- March 2026, row by row.
SELECT child_id AS child, unit_id AS unit, kind, category_code, count_date, base, premises, admin, vat, amount,
       administration, account, held, flags
  FROM skolval.payment_rows('2026-03-01') ORDER BY child_id, unit_id, kind, category_code;
-- Totals: paid 125 398.00 (unit 10: 95 919.40, unit 11: 29 478.60), held 21 836.00.
SELECT unit_id, sum(amount) FILTER (WHERE NOT held) AS paid, sum(amount) FILTER (WHERE held) AS held, count(*) AS rows
  FROM skolval.payment_rows('2026-03-01') GROUP BY ROLLUP (unit_id) ORDER BY unit_id;
SELECT category, severity, child_id, unit_id, message FROM skolval.payment_check('2026-03-01');

-- Two categories matching the same enrollment are an error, not a guess.
INSERT INTO skolval.payment_category (category_code, name_sv, school_form) VALUES ('FK-B', 'Förskoleklass B', 'forskoleklass');
SELECT category, count(*) FROM skolval.payment_check('2026-03-01') WHERE category = 'ambiguous_category' GROUP BY 1;
DELETE FROM skolval.payment_category WHERE category_code = 'FK-B';

-- The förskola age cut-over (1 September): child 8, born 20 October 2023, is in the 1-2 band
-- in August and in the 3-5 band from September, before the third birthday.
SELECT m AS month, category_code, age, amount FROM (VALUES (date '2026-08-01'), ('2026-09-01')) v(m),
       LATERAL skolval.payment_rows(m) r WHERE r.child_id = 8;
-- The mid-year rate change: June is counted on 15 May but paid at June's rate, July on the
-- 24 August count at July's new rate.
SELECT m AS month, count_date, (SELECT x.valid_from FROM skolval.payment_rate x WHERE x.rate_id = r.rate_id) AS rate_valid_from, amount FROM (VALUES (date '2026-06-01'), ('2026-07-01')) v(m),
       LATERAL skolval.payment_rows(m) r WHERE r.child_id = 1;

-- Per-day basis: child 3 starts on 20 March: 12 of 31 days.
--   base 84 000 × 12 / 372 = 2 709.68, premises 387.10, admin 3 % of 3 096.78 = 92.90,
--   VAT 6 % of 3 189.68 = 191.38, total 3 381.06. Child 4 stops on the 16th: 16 days of GR4-6.
UPDATE skolval.payment_policy SET basis = 'per_day';
SELECT child_id, category_code, days, days_in_month, base, premises, admin, vat, amount
  FROM skolval.payment_rows('2026-03-01') WHERE child_id IN (3, 4, 5, 9) ORDER BY child_id;
UPDATE skolval.payment_policy SET basis = 'count_day';

-- A month's run: create, approve, lock.
SELECT run_id, month, status, basis, count_date, rows, children, amount, held_rows, held_amount, errors, warnings
  FROM skolval.create_payment_run('2026-03-01');
SELECT category, severity, count(*) FROM skolval.data_issue WHERE detail->>'payment_month' = '2026-03' AND resolved_at IS NULL
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT pg_temp.expect_error($$ SELECT skolval.lock_payment_run(1) $$);
SELECT status FROM skolval.approve_payment_run(1);
SELECT pg_temp.expect_error($$ SELECT skolval.approve_payment_run(1) $$);
SELECT status, locked_by IS NOT NULL AS locked_by_known FROM skolval.lock_payment_run(1);
-- A locked run is immutable.
SELECT pg_temp.expect_error($$ UPDATE skolval.payment_row SET amount = 0 WHERE run_id = 1 AND row_no = 1 $$);
SELECT pg_temp.expect_error($$ DELETE FROM skolval.payment_row WHERE run_id = 1 $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.payment_row (run_id, row_no, child_id, unit_id, kind, category_name, days, days_in_month, base, premises, admin, vat, amount)
                               VALUES (1, 999, 1, 10, 'grant', 'x', 1, 1, 0, 0, 0, 0, 0) $$);
SELECT pg_temp.expect_error($$ UPDATE skolval.payment_issue SET message = 'x' WHERE run_id = 1 $$);
SELECT pg_temp.expect_error($$ UPDATE skolval.payment_run SET amount = 0 WHERE run_id = 1 $$);
SELECT pg_temp.expect_error($$ DELETE FROM skolval.payment_run WHERE run_id = 1 $$);
SELECT pg_temp.expect_error($$ SELECT skolval.create_payment_run('2026-03-01') $$);
SELECT rows, amount, (rules->'policy'->>'count_day') AS count_day, jsonb_array_length(rules->'rates') AS rates
  FROM skolval.payment_run WHERE run_id = 1;

-- Late register changes: child 5 in fact stayed until 31 March (owed 9 280.30), child 4 in
-- fact left on 28 February (reclaim 9 280.30), child 17's residence is found (owed 6 550.80:
-- the held row is paid now). Reconciliation finds exactly these.
UPDATE skolval.enrollment SET valid_to = '2026-03-31' WHERE enrollment_id = 105;
UPDATE skolval.enrollment SET valid_to = '2026-02-28' WHERE enrollment_id = 104;
INSERT INTO skolval.residence (child_id, municipality_code, address, district_code, valid_from) VALUES (17, '1281', 'Gatan 17', 'N', '2020-01-01');
SELECT month, child_id, unit_id, kind, category_code, paid, recomputed, difference, direction, within_window
  FROM skolval.reconcile_payments('2026-03-01');
-- April's run carries them as correction rows pointing at March.
SELECT run_id, month, rows, amount, corrections FROM skolval.create_payment_run('2026-04-01');
SELECT child_id, unit_id, category_code, corrects_month, amount, flags FROM skolval.payment_row
 WHERE run_id = 2 AND corrects_month IS NOT NULL ORDER BY child_id;
-- Recomputing April's draft gives the same corrections, not twice.
SELECT run_id, corrections FROM skolval.create_payment_run('2026-04-01');
SELECT count(*) FROM skolval.payment_row pr JOIN skolval.payment_run r USING (run_id) WHERE r.month = '2026-04-01' AND pr.corrects_month IS NOT NULL;
-- Once April is locked, March reconciles to nothing, and March's issue for child 17 is still
-- listed in March's run as it was.
SELECT status FROM skolval.approve_payment_run(3);
SELECT status FROM skolval.lock_payment_run(3);
SELECT count(*) AS open_differences FROM skolval.reconcile_payments('2026-03-01', '2026-04-01');
SELECT category, child_id FROM skolval.payment_issue WHERE run_id = 1 AND child_id = 17;

-- BI views.
SELECT month, unit_code, category_code, corrects_month, children, amount, held_rows, held_amount
  FROM skolval.payment_unit_summary ORDER BY month, unit_code, corrects_month NULLS FIRST, category_code;
SELECT month, administration, account, school_form, children, amount
  FROM skolval.payment_administration_summary WHERE month = '2026-03-01' ORDER BY administration, account, school_form;
SELECT paid_in_month, corrects_month, unit_code, child_id, amount, direction FROM skolval.payment_correction ORDER BY child_id;
SELECT month, category, count(*) FROM skolval.payment_open_issue GROUP BY 1, 2 ORDER BY 1, 2;

-- Bad input: a clear error with its SQLSTATE, and nothing written.
SELECT count(*) AS runs_before FROM skolval.payment_run;
SELECT pg_temp.expect_error($$ SELECT skolval.create_payment_run('2026-05-15') $$);
SELECT pg_temp.expect_error($$ SELECT skolval.create_payment_run(NULL) $$);
SELECT pg_temp.expect_error($$ SELECT * FROM skolval.payment_rows('2026-05-02') $$);
SELECT pg_temp.expect_error($$ SELECT skolval.create_payment_run('infinity') $$);
SELECT pg_temp.expect_error($$ SELECT * FROM skolval.reconcile_payments('2026-04-01', '2026-03-01') $$);
SELECT pg_temp.expect_error($$ SELECT skolval.approve_payment_run(999) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.lock_payment_run(NULL) $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.payment_rate (category_code, valid_from, valid_to, base_annual) VALUES ('GR1-3', '2026-12-01', '2027-06-30', 1) $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.payment_rate (category_code, valid_from, valid_to, base_annual) VALUES ('GR1-3', '2027-02-01', NULL, 1) $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual) VALUES ('GR10', '2026-01-01', 1) $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.payment_rate (category_code, valid_from, valid_to, base_annual) VALUES ('FRI4-6', '2026-02-01', '2026-01-01', 1) $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual) VALUES ('FRI4-6', '2026-01-01', -5) $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.payment_category (category_code, name_sv, school_form, grade_from, grade_to) VALUES ('X', 'X', 'grundskola', 5, 3) $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.payment_category (category_code, name_sv, school_form, hours_over) VALUES ('Y', 'Y', 'grundskola', 15) $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.payment_category (category_code, name_sv, school_form) VALUES ('Z', 'Z', 'gymnasium') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.supplement (child_id, unit_id, amount_monthly, valid_from) VALUES (1, 12, 100, '2026-01-01') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.supplement (child_id, unit_id, amount_monthly, valid_from) VALUES (1, 10, 0, '2026-01-01') $$);
SELECT pg_temp.expect_error($$ UPDATE skolval.payment_policy SET count_day = 31 $$);
SELECT pg_temp.expect_error($$ UPDATE skolval.payment_policy SET basis = 'weekly' $$);
SELECT pg_temp.expect_error($$ UPDATE skolval.payment_policy SET age_cutover_day = NULL $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.payment_special_month VALUES (13, 0, 15) $$);
SELECT count(*) AS runs_after, (SELECT count(*) FROM skolval.payment_rate) AS rates FROM skolval.payment_run;

-- The nightly job: every night the month's checks, on the first day of a month its draft run.
SELECT count(*) FROM skolval.nightly('2026-05-14');
SELECT count(*) AS may_runs FROM skolval.payment_run WHERE month = '2026-05-01';
SELECT count(*) FROM skolval.nightly('2026-05-01');
SELECT status, rows, amount FROM skolval.payment_run WHERE month = '2026-05-01';
SELECT outcome->'payments' AS payments FROM skolval.job_run ORDER BY job_run_id;
SELECT count(*) FROM skolval.nightly('2026-05-01');  -- the draft exists: not made again
SELECT count(*) AS may_runs FROM skolval.payment_run WHERE month = '2026-05-01';

-- Clean up for the next test. TRUNCATE is the owner's escape hatch past the locked runs'
-- row triggers; the roles granted to users have no TRUNCATE.
TRUNCATE skolval.payment_run, skolval.payment_row, skolval.payment_issue RESTART IDENTITY;
DELETE FROM skolval.data_issue;
DELETE FROM skolval.job_run;
DELETE FROM skolval.supplement;
DELETE FROM skolval.child;
DELETE FROM skolval.unit;
DELETE FROM skolval.district;
DELETE FROM skolval.cost_account;
DELETE FROM skolval.payment_rate;
DELETE FROM skolval.payment_category;
DELETE FROM skolval.payment_special_month;
DELETE FROM skolval.payment_policy;
DELETE FROM skolval.network;
DELETE FROM skolval.settings;

-- staging_in_place: staging_merge() writes only what changed (reloading an unchanged extract
-- changes no row, no id and writes no audit entry; one changed address changes exactly that
-- row, in place), districts have a staging path, wishes can be checked before their round
-- exists and the school-form check is never skipped, the problem report's summary by kind,
-- and ten-digit personal identity numbers (YYMMDD-NNNC, YYMMDD+NNNC).
-- One transaction, rolled back at the end.
BEGIN;
SET LOCAL TimeZone = 'Europe/Stockholm';
SELECT skolval.staging_clear();
SELECT municipality_code FROM skolval.configure('1281', 'Lund');
INSERT INTO skolval.placement_round (name, municipality_code, start_date, cohort_birth_year, max_wishes)
VALUES ('Förskoleklass HT2026 (in place)', '1281', '2026-08-17', 2020, 3);

-- Everything the merge can write, with every column (ids included), as one fingerprint per table.
CREATE TEMP VIEW register_rows AS
SELECT 'district' AS t, count(*) AS n, md5(coalesce(string_agg(row_to_json(x)::text, '|' ORDER BY x.district_code), '')) AS fp FROM skolval.district x
UNION ALL SELECT 'unit', count(*), md5(coalesce(string_agg(row_to_json(x)::text, '|' ORDER BY x.unit_id), '')) FROM skolval.unit x
UNION ALL SELECT 'child', count(*), md5(coalesce(string_agg(row_to_json(x)::text, '|' ORDER BY x.child_id), '')) FROM skolval.child x
UNION ALL SELECT 'residence', count(*), md5(coalesce(string_agg(row_to_json(x)::text, '|' ORDER BY x.residence_id), '')) FROM skolval.residence x
UNION ALL SELECT 'sibling', count(*), md5(coalesce(string_agg(row_to_json(x)::text, '|' ORDER BY x.child_id, x.sibling_id), '')) FROM skolval.sibling x
UNION ALL SELECT 'enrollment', count(*), md5(coalesce(string_agg(row_to_json(x)::text, '|' ORDER BY x.enrollment_id), '')) FROM skolval.enrollment x
UNION ALL SELECT 'round_cohort', count(*), md5(coalesce(string_agg(row_to_json(x)::text, '|' ORDER BY x.round_id, x.child_id), '')) FROM skolval.round_cohort x
UNION ALL SELECT 'wish', count(*), md5(coalesce(string_agg(row_to_json(x)::text, '|' ORDER BY x.round_id, x.child_id, x.rank), '')) FROM skolval.wish x
UNION ALL SELECT 'round_home', count(*), md5(coalesce(string_agg(row_to_json(x)::text, '|' ORDER BY x.round_id, x.child_id), '')) FROM skolval.round_home x
UNION ALL SELECT 'audit_log', count(*), '' FROM skolval.audit_log x;

-- The extract, as a municipality would load it: districts first, ten-digit numbers.
CREATE TEMP TABLE extract_district (district_code text, name text, administration text);
INSERT INTO extract_district VALUES ('IP1', 'Centrum', 'Förvaltning Centrum'), ('IP2', 'Norr', 'Förvaltning Norr');
CREATE TEMP TABLE extract_unit AS
SELECT * FROM (VALUES ('20000001', 'Solskolan', 'kommunal', 'förskoleklass, grundskola, fritidshem', '386250', '6174180'),
                      ('20000002', 'Ekskolan', 'fristående', 'förskoleklass, grundskola', '386900', '6175270'),
                      ('20000003', 'Björkens förskola', 'kommunal', 'förskola', '387000', '6175000')) v(unit_code, name, organizer, school_forms, east, north);
CREATE TEMP TABLE extract_residence AS
SELECT * FROM (VALUES ('200314-1237', 'Alva', 'Andersson', '1281', 'Gatan 1', 'IP1', '386400', '6174300', '2020-03-14', '2023-06-30'),
                      ('200314-1237', 'Alva', 'Andersson', '1281', 'Gatan 9', 'IP2', '386450', '6174350', '2023-07-01', NULL),
                      ('200702-4561', 'Bo', 'Berg', '1281', 'Vägen 2', 'IP1', '386500', '6174400', '2020-07-02', NULL),
                      ('181130-7899', 'Cid', 'Berg', '1281', 'Vägen 2', 'IP1', '386500', '6174400', '2018-11-30', NULL))
       v(personal_number, given_name, family_name, municipality_code, address, district_code, east, north, valid_from, valid_to);
CREATE TEMP TABLE extract_sibling AS SELECT * FROM (VALUES ('200702-4561', '181130-7899')) v(a, b);
CREATE TEMP TABLE extract_enrollment AS
SELECT * FROM (VALUES ('200314-1237', '20000003', 'förskola', NULL, '37,5', '2021-08-15', '2026-06-30'),
                      ('181130-7899', '20000001', 'förskoleklass', 'F', NULL, '2025-08-18', NULL))
       v(personal_number, unit_code, school_form, grade, hours, valid_from, valid_to);
CREATE TEMP TABLE extract_wish AS
SELECT * FROM (VALUES ('200314-1237', '1', '20000002', 'N', '2026-01-15 10:30'),
                      ('200314-1237', '2', '20000001', NULL, '2026-01-15 10:30'),
                      ('200702-4561', '1', '20000001', 'J', '2026-01-20 08:00'))
       v(personal_number, rank, unit_code, sibling_claim, submitted_at);

CREATE FUNCTION pg_temp.stage() RETURNS void LANGUAGE sql AS $$
  INSERT INTO skolval.staging_district (district_code, name, administration) SELECT * FROM extract_district;
  INSERT INTO skolval.staging_unit (unit_code, name, organizer, school_forms, east, north) SELECT * FROM extract_unit;
  INSERT INTO skolval.staging_residence (personal_number, given_name, family_name, municipality_code, address,
                                         district_code, east, north, valid_from, valid_to)
  SELECT * FROM extract_residence;
  INSERT INTO skolval.staging_sibling (personal_number, sibling_personal_number) SELECT * FROM extract_sibling;
  INSERT INTO skolval.staging_enrollment (personal_number, unit_code, school_form, grade, hours_per_week, valid_from, valid_to)
  SELECT * FROM extract_enrollment;
  INSERT INTO skolval.staging_wish (round_name, personal_number, rank, unit_code, sibling_claim, submitted_at)
  SELECT 'Förskoleklass HT2026 (in place)', w.* FROM extract_wish w;
$$;

-- ===========================================================================================
-- 1. The first load: the ten-digit numbers are read with their century, districts are loaded
--    before the residences that name them (they were not in skolval.district).
-- ===========================================================================================
SELECT pg_temp.stage();
SELECT source_row, personal_number, birth_date FROM skolval.staging_residence_parsed ORDER BY source_row;
SELECT * FROM skolval.staging_summary();
SELECT * FROM skolval.staging_merge();
SELECT district_code, name, administration FROM skolval.district WHERE district_code LIKE 'IP_' ORDER BY 1;
SELECT personal_number, birth_date FROM skolval.child
 WHERE personal_number IN ('202003141237', '202007024561', '201811307899') ORDER BY 1;

-- A round measured from Alva's current home (as compute_distances() records it).
INSERT INTO skolval.round_home (round_id, child_id, residence_id)
SELECT r.round_id, c.child_id, x.residence_id
  FROM skolval.placement_round r, skolval.child c JOIN skolval.residence x USING (child_id)
 WHERE r.name = 'Förskoleklass HT2026 (in place)' AND c.personal_number = '202003141237' AND x.valid_to IS NULL;
CREATE TEMP TABLE after_first AS SELECT * FROM register_rows;
CREATE TEMP TABLE residence_first AS SELECT * FROM skolval.residence;

-- ===========================================================================================
-- 2. The same extract again: nothing changes — no row, no id, no audit entry.
-- ===========================================================================================
SELECT pg_temp.stage();
SELECT * FROM skolval.staging_merge();
SELECT a.t, a.n = b.n AND a.fp = b.fp AS unchanged
  FROM register_rows a JOIN after_first b USING (t) ORDER BY a.t;

-- ===========================================================================================
-- 3. One changed address (Alva's current period): exactly that row changes, in place; the
--    round still measures from it. One audit entry (the update), nothing else written.
-- ===========================================================================================
UPDATE extract_residence SET address = 'Gatan 11', east = '386460'
 WHERE personal_number = '200314-1237' AND valid_from = '2023-07-01';
SELECT pg_temp.stage();
SELECT * FROM skolval.staging_merge();
SELECT a.t, a.n - b.n AS added, a.fp = b.fp AS unchanged
  FROM register_rows a JOIN after_first b USING (t) ORDER BY a.t;
-- the residence rows that differ from after the first load: only that one, same residence_id
SELECT r.residence_id = f.residence_id AS same_id, f.address AS was, r.address AS now,
       round(ST_X(f.home)) AS east_was, round(ST_X(r.home)) AS east_now
  FROM skolval.residence r JOIN residence_first f USING (residence_id)
 WHERE row_to_json(r)::text <> row_to_json(f)::text;
SELECT count(*) AS gone_or_new FROM (
  SELECT residence_id FROM skolval.residence EXCEPT SELECT residence_id FROM residence_first
  UNION ALL
  SELECT residence_id FROM residence_first EXCEPT SELECT residence_id FROM skolval.residence) x;
SELECT h.residence_id = x.residence_id AS round_home_still_points_at_it, x.address
  FROM skolval.round_home h JOIN skolval.residence x USING (residence_id)
  JOIN skolval.placement_round r ON r.round_id = h.round_id
 WHERE r.name = 'Förskoleklass HT2026 (in place)';
SELECT action, table_name, row_key = jsonb_build_object('residence_id', (SELECT x.residence_id FROM skolval.residence x WHERE x.address = 'Gatan 11')) AS that_row FROM skolval.audit_log
 WHERE audit_id > (SELECT max(audit_id) FROM skolval.audit_log) - (SELECT (a.n - b.n) FROM register_rows a JOIN after_first b USING (t) WHERE t = 'audit_log')
 ORDER BY audit_id;

-- ===========================================================================================
-- 4. A child moves: the current period is closed (updated in place, same id), a new one added;
--    a wish's claim changes in place; a wish whose unit changed is replaced.
-- ===========================================================================================
UPDATE extract_residence SET valid_to = '2026-09-30'
 WHERE personal_number = '200314-1237' AND valid_from = '2023-07-01';
INSERT INTO extract_residence VALUES ('200314-1237', 'Alva', 'Andersson', '1281', 'Nya vägen 3', 'IP2', '386700', '6174600', '2026-10-01', NULL);
UPDATE extract_wish SET sibling_claim = 'N' WHERE personal_number = '200702-4561';
UPDATE extract_wish SET unit_code = CASE rank WHEN '1' THEN '20000001' ELSE '20000002' END
 WHERE personal_number = '200314-1237';
SELECT pg_temp.stage();
SELECT * FROM skolval.staging_merge();
SELECT r.residence_id IN (SELECT residence_id FROM residence_first) AS kept_id, r.address, r.valid_from, r.valid_to
  FROM skolval.residence r JOIN skolval.child c USING (child_id)
 WHERE c.personal_number = '202003141237' ORDER BY r.valid_from;
SELECT c.personal_number, w.rank, u.unit_code, w.sibling_claim
  FROM skolval.wish w JOIN skolval.child c USING (child_id) JOIN skolval.unit u USING (unit_id)
  JOIN skolval.placement_round r USING (round_id)
 WHERE r.name = 'Förskoleklass HT2026 (in place)' ORDER BY 1, 2;

-- ===========================================================================================
-- 5. Only rows allowed to go: a period a published round measured from stays (refused).
-- ===========================================================================================
UPDATE skolval.placement_round SET status = 'published' WHERE name = 'Förskoleklass HT2026 (in place)';
CREATE TEMP TABLE before_refused AS SELECT * FROM register_rows;
INSERT INTO skolval.staging_residence (personal_number, municipality_code, address, valid_from)
VALUES ('200314-1237', '1281', 'Nya vägen 3', '2026-10-01');
SELECT * FROM skolval.staging_check();
SELECT count(*) AS problems FROM skolval.staging_merge();
SELECT count(*) AS tables_changed FROM register_rows a JOIN before_refused b USING (t) WHERE a.fp <> b.fp OR a.n <> b.n;
SELECT skolval.staging_clear();

-- ===========================================================================================
-- 6. Wishes checked before their round exists; the school-form check never skipped.
-- ===========================================================================================
INSERT INTO skolval.staging_wish (round_name, personal_number, rank, unit_code, school_form) VALUES
  ('Förskoleklass HT2027 (in place)', '200702-4561', '1', '20000001', NULL),            -- no form: said so
  ('Förskoleklass HT2027 (in place)', '181130-7899', '1', '20000003', 'förskoleklass'),  -- a preschool
  ('Förskoleklass HT2027 (in place)', '181130-7899', '2', '20000002', 'förskoleklass'),  -- fine but for the round
  ('Förskoleklass HT2026 (in place)', '200314-1237', '1', '20000001', 'grundskola');     -- not the round's form
SELECT * FROM skolval.staging_check();
SELECT * FROM skolval.staging_summary();
-- the round is created: only the rows' own problems remain
INSERT INTO skolval.placement_round (name, municipality_code, start_date, cohort_birth_year)
VALUES ('Förskoleklass HT2027 (in place)', '1281', '2027-08-16', 2021);
DELETE FROM skolval.staging_wish WHERE round_name = 'Förskoleklass HT2026 (in place)';
SELECT * FROM skolval.staging_check();
UPDATE skolval.staging_wish SET unit_code = '20000001' WHERE unit_code = '20000003';
UPDATE skolval.staging_wish SET rank = '1' WHERE unit_code = '20000002';
DELETE FROM skolval.staging_wish WHERE personal_number = '181130-7899' AND unit_code = '20000001';
SELECT * FROM skolval.staging_check();
SELECT * FROM skolval.staging_merge();

-- ===========================================================================================
-- 7. Districts: checked and merged in place (a renamed administration is one update).
-- ===========================================================================================
INSERT INTO skolval.staging_district (district_code, name, administration) VALUES
  ('IP1', 'Centrum', 'Förvaltning Centrum'), ('IP2', 'Norr', 'Förvaltning Norr och Väster'),
  ('IP3', NULL, 'Förvaltning Öster'), ('IP3', 'Öster', NULL), (' ', 'Tom', 'Förvaltning');
SELECT * FROM skolval.staging_check();
DELETE FROM skolval.staging_district WHERE source_row > 2;
SELECT * FROM skolval.staging_merge();
SELECT district_code, name, administration FROM skolval.district WHERE district_code LIKE 'IP_' ORDER BY 1;

-- ===========================================================================================
-- 8. Ten-digit numbers: the century from the separator relative to a reference date.
-- ===========================================================================================
SELECT v.pn, v.ref, skolval.personal_number_normalize(v.pn, v.ref) AS twelve
  FROM (VALUES ('200314-1237', date '2026-12-01'), ('200314+1237', date '2026-12-01'),
               ('200314-1237', date '2020-03-14'), ('200314-1237', date '2020-03-13'),
               ('20200314-1237', date '2026-12-01'), ('202003141237', date '1900-01-01')) v(pn, ref);
SELECT v.pn, skolval.personal_number_problem(v.pn, date '2026-12-01') AS problem
  FROM (VALUES ('200314-1237'), ('2003141237'), ('200314-1238'), ('200230-1234'), ('200314*1237'), ('20031-41237')) v(pn);
-- a bad number is refused without being echoed
DO $$
BEGIN
  PERFORM skolval.personal_number_normalize('200314-1238', date '2026-12-01');
EXCEPTION WHEN invalid_text_representation THEN
  RAISE NOTICE '%: % (number echoed: %)', SQLSTATE, SQLERRM, strpos(SQLERRM, '200314') > 0;
END $$;
DO $$
BEGIN
  PERFORM skolval.personal_number_normalize('200314-1237', 'infinity');
EXCEPTION WHEN invalid_parameter_value THEN
  RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
END $$;
-- staging: ten digits without a separator are a problem, never guessed
INSERT INTO skolval.staging_residence (personal_number, municipality_code, valid_from) VALUES ('2003141237', '1281', '2020-03-14');
SELECT * FROM skolval.staging_check();
ROLLBACK;

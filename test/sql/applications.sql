-- Importing applications from the e-service as JSON: every bad entry reported with its
-- position, nothing loaded while any is bad; a clean import replaces the children's wishes.
SET datestyle = ISO;
CREATE FUNCTION pg_temp.expect_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SET client_min_messages = warning;

SELECT municipality_code FROM skolval.configure(municipality_code => '1281');
INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, school_forms, location) VALUES
  (1, '11111111', 'Ängsskolan', 'municipal', '{forskoleklass,grundskola}', 'SRID=3006;POINT(386000 6176000)'),
  (2, '22222222', 'Björkskolan', 'independent', '{forskoleklass}', 'SRID=3006;POINT(386500 6176000)'),
  (3, '33333333', 'Förskolan Humlan', 'municipal', '{forskola}', 'SRID=3006;POINT(386200 6176000)');
INSERT INTO skolval.child (child_id, personal_number)
VALUES (1, skolval.personal_number_make('2021-03-01', 1)), (2, skolval.personal_number_make('2021-04-01', 2));
INSERT INTO skolval.residence (child_id, municipality_code, valid_from) VALUES (1, '1281', '2021-03-01'), (2, '1281', '2021-04-01');
INSERT INTO skolval.placement_round (round_id, name, municipality_code, start_date, cohort_birth_year)
VALUES (1, 'HT2027', '1281', '2027-08-16', 2021);
SELECT skolval.round_fill_cohort(1);
SELECT skolval.personal_number_make('2021-03-01', 1) AS pn1, skolval.personal_number_make('2021-04-01', 2) AS pn2 \gset

SELECT pg_temp.expect_error($$ SELECT * FROM skolval.import_applications('HT2027', '{"not": "an array"}') $$);

-- Shape errors are reported by position before anything is staged.
SELECT * FROM skolval.import_applications('HT2027', '[
  {"personal_number": "", "wishes": [{"unit_code": "11111111"}]},
  {"personal_number": "x", "wishes": "11111111"},
  "just a string",
  {"personal_number": "x", "wishes": [42]}]');

-- Content errors come from the staging checks, mapped back to application and wish.
SELECT application, wish, column_name, problem FROM skolval.import_applications('HT2027', format('[
  {"personal_number": "%s", "wishes": [{"unit_code": "11111111"}, {"unit_code": "11111111"}, {"unit_code": "33333333"}]},
  {"personal_number": "%s", "wishes": [{"unit_code": "99999999"}, {"unit_code": "22222222", "sibling_claim": "kanske"}]},
  {"personal_number": "202101012384", "wishes": [{"unit_code": "11111111"}]}]', :'pn1', :'pn2')::jsonb);
SELECT count(*) AS wishes_after_bad_imports FROM skolval.wish;
SELECT count(*) AS staged_rows_left FROM skolval.staging_wish;

-- A clean import, then a second one that replaces child 1's wishes.
SELECT * FROM skolval.import_applications('HT2027', format('[
  {"personal_number": "%s", "submitted_at": "2027-01-20 10:00+01", "wishes": [{"unit_code": "22222222"}, {"unit_code": "11111111", "sibling_claim": true}]},
  {"personal_number": "%s", "wishes": [{"unit_code": "11111111"}]}]', :'pn1', :'pn2')::jsonb);
SELECT w.child_id, w.rank, u.unit_code, w.sibling_claim, w.submitted_at FROM skolval.wish w JOIN skolval.unit u USING (unit_id) ORDER BY 1, 2;
SELECT * FROM skolval.import_applications('HT2027', format('[{"personal_number": "%s", "wishes": [{"unit_code": "11111111"}]}]', :'pn1')::jsonb);
SELECT w.child_id, w.rank, u.unit_code FROM skolval.wish w JOIN skolval.unit u USING (unit_id) ORDER BY 1, 2;

-- Other staged data must be merged or cleared first.
INSERT INTO skolval.staging_sibling (personal_number, sibling_personal_number) VALUES ('x', 'y');
SELECT pg_temp.expect_error($$ SELECT * FROM skolval.import_applications('HT2027', '[]') $$);
SELECT skolval.staging_clear();

DELETE FROM skolval.placement_round;
DELETE FROM skolval.child;
DELETE FROM skolval.unit;
DELETE FROM skolval.settings;

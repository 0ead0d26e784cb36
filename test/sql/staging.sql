-- staging: loading a municipality's own data through the staging tables, staging_check()
-- and staging_merge(). Everything runs in one transaction that is rolled back at the end,
-- so the database is left as the test found it.
BEGIN;
SET LOCAL TimeZone = 'Europe/Stockholm';
SELECT skolval.staging_clear();

-- A municipality, two districts, a round, and a small active network around central Lund
-- (so the "far outside the network" check is live).
SELECT municipality_code, srid, network_margin_m FROM skolval.configure('1281', 'Lund');
INSERT INTO skolval.district (district_code, name, administration)
VALUES ('D1', 'Centrum', 'Förvaltning Centrum'), ('D2', 'Norr', 'Förvaltning Norr');
INSERT INTO skolval.placement_round (name, municipality_code, start_date, cohort_birth_year, max_wishes)
VALUES ('Förskoleklass HT2026', '1281', '2026-08-17', 2020, 3);
INSERT INTO skolval.placement_round (name, municipality_code, start_date, cohort_birth_year, status)
VALUES ('Förskoleklass HT2025', '1281', '2025-08-18', 2019, 'published');
UPDATE skolval.network SET is_active = false WHERE is_active;
INSERT INTO skolval.network (name, source, srid) VALUES ('staging test net', 'test', 3006);
INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, geom)
SELECT n.network_id, e.id, e.s, e.t, 1000, ST_SetSRID(ST_GeomFromText(e.wkt), 3006)
  FROM skolval.network n,
       (VALUES (1, 1, 2, 'LINESTRING(386000 6174000, 387000 6174000)'),
               (2, 2, 3, 'LINESTRING(387000 6174000, 387000 6175000)')) e(id, s, t, wkt)
 WHERE n.name = 'staging test net';
SELECT edge_count, is_active, ST_AsText(extent)
  FROM skolval.network_finish((SELECT network_id FROM skolval.network WHERE name = 'staging test net'));

-- Counts of everything the merge can touch, relative to the start.
CREATE TEMP TABLE base AS
SELECT (SELECT count(*) FROM skolval.unit) AS units, (SELECT count(*) FROM skolval.child) AS children,
       (SELECT count(*) FROM skolval.residence) AS residences, (SELECT count(*) FROM skolval.sibling) AS siblings,
       (SELECT count(*) FROM skolval.enrollment) AS enrollments, (SELECT count(*) FROM skolval.wish) AS wishes,
       (SELECT count(*) FROM skolval.round_cohort) AS cohort;
CREATE TEMP VIEW added AS
SELECT (SELECT count(*) FROM skolval.unit) - b.units AS units,
       (SELECT count(*) FROM skolval.child) - b.children AS children,
       (SELECT count(*) FROM skolval.residence) - b.residences AS residences,
       (SELECT count(*) FROM skolval.sibling) - b.siblings AS siblings,
       (SELECT count(*) FROM skolval.enrollment) - b.enrollments AS enrollments,
       (SELECT count(*) FROM skolval.wish) - b.wishes AS wishes,
       (SELECT count(*) FROM skolval.round_cohort) - b.cohort AS cohort
  FROM base b;

-- ===========================================================================================
-- 1. A clean load, exactly as from the exported files
-- ===========================================================================================
\copy skolval.staging_unit (unit_code, name, organizer, organizer_name, school_forms, address, municipality_code, east, north, lat, lon) FROM stdin WITH (FORMAT csv, HEADER true)
unit_code,name,organizer,organizer_name,school_forms,address,municipality_code,east,north,lat,lon
10000001,Solskolan,kommunal,Lunds kommun,"förskoleklass, grundskola; fritidshem",Solvägen 1,1281,386250,6174180,,
10000002,Ekskolan,Fristående,Ek Skolor AB,Förskoleklass;Grundskola,Ekgatan 2,1281,,,55.71,13.20
10000003,Björkens förskola,municipal,,forskola,Björkvägen 3,1281,387000.5,"6175000,5",,
\.
\copy skolval.staging_residence (personal_number, given_name, family_name, protected_identity, municipality_code, address, postal_code, postal_town, district_code, east, north, lat, lon, valid_from, valid_to) FROM stdin WITH (FORMAT csv, HEADER true)
personal_number,given_name,family_name,protected_identity,municipality_code,address,postal_code,postal_town,district_code,east,north,lat,lon,valid_from,valid_to
20200314-1237,Alva,Andersson,N,1281,Gatan 1,222 21,Lund,D1,386400,6174300,,,2020-03-14,2023-06-30
202003141237,Alva,Andersson-Ek,nej,1281,Gatan 9,222 22,Lund,D2,,,55.705,13.195,20230701,
202007024561,Bo,Berg,J,1281,Skyddad,,,D1,386500,6174400,,,2020-07-02,
201811307899,Cid,Berg,false,1281,Skyddad,,,D1,386500,6174400,,,2018-11-30,
202001092226,Dana,Dahl,,1280,Annan väg 5,,,,,,,,2020-01-09,
\.
\copy skolval.staging_sibling (personal_number, sibling_personal_number) FROM stdin WITH (FORMAT csv, HEADER true)
personal_number,sibling_personal_number
202007024561,201811307899
201811307899,20200702-4561
\.
\copy skolval.staging_enrollment (personal_number, unit_code, school_form, grade, hours_per_week, valid_from, valid_to) FROM stdin WITH (FORMAT csv, HEADER true)
personal_number,unit_code,school_form,grade,hours_per_week,valid_from,valid_to
202003141237,10000003,förskola,,"37,5",2021-08-15,2026-06-30
202007024561,10000003,forskola,,30,2021-08-15,
201811307899,10000001,Förskoleklass,F,,2025-08-18,2026-06-10
201811307899,10000001,fritidshem,0,15.5,2025-08-18,
\.
\copy skolval.staging_wish (round_name, personal_number, rank, unit_code, sibling_claim, submitted_at) FROM stdin WITH (FORMAT csv, HEADER true)
round_name,personal_number,rank,unit_code,sibling_claim,submitted_at
Förskoleklass HT2026,202003141237,1,10000002,N,2026-01-15 10:30
Förskoleklass HT2026,202003141237,2,10000001,,2026-01-15 10:30
Förskoleklass HT2026,20200702-4561,1,10000001,J,2026-01-20 08:00:00+01
\.

-- the source row numbers follow the files
SELECT source_row, unit_code FROM skolval.staging_unit ORDER BY source_row;
-- nothing wrong
SELECT * FROM skolval.staging_check();
-- what merge will load
SELECT source_row, unit_code, organizer, school_forms, round(ST_X(location)) AS east, round(ST_Y(location)) AS north
  FROM skolval.staging_unit_parsed ORDER BY source_row;
SELECT * FROM skolval.staging_merge();

SELECT * FROM added;
-- staging is empty after a successful merge
SELECT (SELECT count(*) FROM skolval.staging_unit) + (SELECT count(*) FROM skolval.staging_residence)
     + (SELECT count(*) FROM skolval.staging_sibling) + (SELECT count(*) FROM skolval.staging_enrollment)
     + (SELECT count(*) FROM skolval.staging_wish) AS staged_rows;

SELECT unit_code, name, organizer, organizer_name, school_forms, address, municipality_code,
       ST_SRID(location) AS srid, round(ST_X(location)) AS east, round(ST_Y(location)) AS north
  FROM skolval.unit WHERE unit_code LIKE '1000000_' ORDER BY unit_code;
SELECT personal_number, given_name, family_name, birth_date, protected_identity
  FROM skolval.child WHERE personal_number IN ('202003141237', '202007024561', '201811307899', '202001092226')
 ORDER BY personal_number;
SELECT c.personal_number, r.municipality_code, r.address, r.postal_code, r.district_code,
       round(ST_X(r.home)) AS east, round(ST_Y(r.home)) AS north, r.valid_from, r.valid_to
  FROM skolval.residence r JOIN skolval.child c USING (child_id)
 WHERE c.personal_number IN ('202003141237', '202007024561', '201811307899', '202001092226')
 ORDER BY c.personal_number, r.valid_from;
SELECT a.personal_number AS child, b.personal_number AS sibling
  FROM skolval.sibling s JOIN skolval.child a ON a.child_id = s.child_id JOIN skolval.child b ON b.child_id = s.sibling_id
 WHERE a.personal_number IN ('202007024561', '201811307899');
SELECT c.personal_number, u.unit_code, e.school_form, e.grade, e.hours_per_week, e.valid_from, e.valid_to
  FROM skolval.enrollment e JOIN skolval.child c USING (child_id) JOIN skolval.unit u USING (unit_id)
 WHERE u.unit_code LIKE '1000000_' ORDER BY c.personal_number, u.unit_code, e.school_form;
SELECT r.name, c.personal_number, w.rank, u.unit_code, w.sibling_claim, w.submitted_at
  FROM skolval.wish w JOIN skolval.placement_round r USING (round_id) JOIN skolval.child c USING (child_id)
  JOIN skolval.unit u USING (unit_id)
 WHERE r.name = 'Förskoleklass HT2026' ORDER BY c.personal_number, w.rank;
-- the wishing children joined the round's cohort
SELECT c.personal_number FROM skolval.round_cohort rc JOIN skolval.placement_round r USING (round_id)
  JOIN skolval.child c USING (child_id) WHERE r.name = 'Förskoleklass HT2026' ORDER BY 1;

-- ===========================================================================================
-- 2. A re-load: units and enrollments are upserted, a staged child's residence history
--    replaces the stored one, a staged (round, child)'s wishes replace the stored ones.
-- ===========================================================================================
\copy skolval.staging_unit (unit_code, name, organizer, organizer_name, school_forms, address, municipality_code, east, north, lat, lon) FROM stdin WITH (FORMAT csv, HEADER true)
unit_code,name,organizer,organizer_name,school_forms,address,municipality_code,east,north,lat,lon
10000002,Ekskolan Väster,enskild,Ek Skolor AB,"Förskoleklass, grundskola, fritidshem",Ekgatan 4,1281,386900,6175270,55.71,13.20
\.
\copy skolval.staging_residence (personal_number, given_name, family_name, protected_identity, municipality_code, address, postal_code, postal_town, district_code, east, north, lat, lon, valid_from, valid_to) FROM stdin WITH (FORMAT csv, HEADER true)
personal_number,given_name,family_name,protected_identity,municipality_code,address,postal_code,postal_town,district_code,east,north,lat,lon,valid_from,valid_to
202003141237,Alva,Andersson,0,1281,Gatan 1,222 21,Lund,D1,386400,6174300,,,2020-03-14,
\.
\copy skolval.staging_enrollment (personal_number, unit_code, school_form, grade, hours_per_week, valid_from, valid_to) FROM stdin WITH (FORMAT csv, HEADER true)
personal_number,unit_code,school_form,grade,hours_per_week,valid_from,valid_to
202003141237,10000003,förskola,,40,2021-08-15,2026-06-30
202003141237,10000002,fritidshem,,10,2026-08-17,
\.
\copy skolval.staging_wish (round_name, personal_number, rank, unit_code, sibling_claim, submitted_at) FROM stdin WITH (FORMAT csv, HEADER true)
round_name,personal_number,rank,unit_code,sibling_claim,submitted_at
Förskoleklass HT2026,202003141237,1,10000001,ja,2026-01-31 23:59
\.
SELECT * FROM skolval.staging_merge();
SELECT * FROM added;
SELECT unit_code, name, organizer, school_forms, address, round(ST_X(location)) AS east, round(ST_Y(location)) AS north
  FROM skolval.unit WHERE unit_code = '10000002';
-- Alva's history is now the one staged period; the others' histories are untouched
SELECT c.personal_number, r.address, r.district_code, r.valid_from, r.valid_to
  FROM skolval.residence r JOIN skolval.child c USING (child_id)
 WHERE c.personal_number IN ('202003141237', '202007024561', '201811307899', '202001092226')
 ORDER BY c.personal_number, r.valid_from;
SELECT given_name, family_name, protected_identity FROM skolval.child WHERE personal_number = '202003141237';
SELECT c.personal_number, u.unit_code, e.school_form, e.grade, e.hours_per_week, e.valid_from, e.valid_to
  FROM skolval.enrollment e JOIN skolval.child c USING (child_id) JOIN skolval.unit u USING (unit_id)
 WHERE c.personal_number = '202003141237' ORDER BY u.unit_code, e.school_form;
SELECT c.personal_number, w.rank, u.unit_code, w.sibling_claim, w.submitted_at
  FROM skolval.wish w JOIN skolval.placement_round r USING (round_id) JOIN skolval.child c USING (child_id)
  JOIN skolval.unit u USING (unit_id)
 WHERE r.name = 'Förskoleklass HT2026' ORDER BY c.personal_number, w.rank;

-- The very same files twice: the second merge changes nothing but the counts it reports.
INSERT INTO skolval.staging_unit (unit_code, name, organizer, school_forms, east, north)
VALUES ('10000003', 'Björkens förskola', 'municipal', 'forskola', '387000.5', '6175000.5');
INSERT INTO skolval.staging_sibling (personal_number, sibling_personal_number) VALUES ('202007024561', '201811307899');
SELECT * FROM skolval.staging_merge();
INSERT INTO skolval.staging_unit (unit_code, name, organizer, school_forms, east, north)
VALUES ('10000003', 'Björkens förskola', 'municipal', 'forskola', '387000.5', '6175000.5');
INSERT INTO skolval.staging_sibling (personal_number, sibling_personal_number) VALUES ('202007024561', '201811307899');
SELECT * FROM skolval.staging_merge();
SELECT * FROM added;

-- ===========================================================================================
-- 3. Files full of mistakes: every problem is reported, nothing is loaded
-- ===========================================================================================
CREATE TEMP TABLE before_bad AS SELECT * FROM added;
\copy skolval.staging_unit (unit_code, name, organizer, organizer_name, school_forms, address, municipality_code, east, north, lat, lon) FROM stdin WITH (FORMAT csv, HEADER true)
unit_code,name,organizer,organizer_name,school_forms,address,municipality_code,east,north,lat,lon
10000005,Nyskolan,kommunal,,grundskola,,1281,386250,6174180,,
,,privat,,"förskoleklass, gymnasium",,12810,,,,
10000009,Felskolan,independent,,forskoleklass,,1281,6174180,386250,,
10000005,Dubbelskolan,municipal,,grundskola,,1281,386250,,,
10000010,Latskolan,enskild,,forskoleklass,,1281,,,91.5,abc
10000011,Bådaskolan,kommunal,,forskoleklass,,1281,386250,6174180,56.5,13.2
10000012,Stockholmsskolan,kommunal,,forskoleklass,,0180,674000,6580000,,
\.
\copy skolval.staging_residence (personal_number, given_name, family_name, protected_identity, municipality_code, address, postal_code, postal_town, district_code, east, north, lat, lon, valid_from, valid_to) FROM stdin WITH (FORMAT csv, HEADER true)
personal_number,given_name,family_name,protected_identity,municipality_code,address,postal_code,postal_town,district_code,east,north,lat,lon,valid_from,valid_to
202003141230,Alva,Andersson,N,1281,Gatan 1,,,D1,,,,,2020-03-14,
,Namnlös,Okänd,N,1281,Gatan 2,,,D1,,,,,2020-03-14,
202007024561,Hemlig,Person,kanske,128,Hemliga gatan 7,,,D9,,,,,2020-02-30,
202007024561,Hemlig,Person,J,1281,Hemliga gatan 7,,,D1,,,,,2021-01-01,2020-12-31
201811307899,Hemlig,Syskon,J,1281,Hemliga gatan 7,,,D1,386500,,,,2018-11-30,2022-12-31
201811307899,Hemlig,Syskon,J,1281,Hemliga gatan 7,,,D1,,,,,2022-01-01,
201811307899,Hemlig,Syskon,J,1281,Hemliga gatan 7,,,D1,,,,,2022-01-01,2023-01-01
202001092226,Dana,Dahl,N,1281,Gatan 5,,,D1,x,6174000,,,2020-01-09,
20201340-1234,Datum,Fel,N,1281,Gatan 6,,,D1,,,,,2020-01-09,
\.
\copy skolval.staging_sibling (personal_number, sibling_personal_number) FROM stdin WITH (FORMAT csv, HEADER true)
personal_number,sibling_personal_number
202003141237,202003141237
202003141237,12345
202003141237,201905051114
,202003141237
\.
\copy skolval.staging_enrollment (personal_number, unit_code, school_form, grade, hours_per_week, valid_from, valid_to) FROM stdin WITH (FORMAT csv, HEADER true)
personal_number,unit_code,school_form,grade,hours_per_week,valid_from,valid_to
201905051114,10000099,grundskola,3,,2025-08-01,
202003141237,10000003,grundskola,,tio,2025-13-01,
202003141237,10000001,förskola,2,61,2025-08-18,
202003141237,10000001,forskoleklass,G,,2025-08-18,
202003141237,10000001,forskoleklass,1,,2025-08-18,
202003141237,10000001,daghem,,,,
202003141237,10000001,fritidshem,,-2,2025-08-18,2025-08-01
\.
\copy skolval.staging_wish (round_name, personal_number, rank, unit_code, sibling_claim, submitted_at) FROM stdin WITH (FORMAT csv, HEADER true)
round_name,personal_number,rank,unit_code,sibling_claim,submitted_at
Okänd runda,202003141237,1,10000001,,
Förskoleklass HT2026,202003141237,1,10000003,,
Förskoleklass HT2026,202003141237,1,10000002,,
Förskoleklass HT2026,202003141237,4,10000002,,
Förskoleklass HT2026,202007024561,ett,10000001,kanske,igår
Förskoleklass HT2026,201811307899,0,10000001,,2026-02-30 10:00
Förskoleklass HT2026,202001092226,2,10000001,,
,,,,,
Förskoleklass HT2025,202001092226,1,10000001,,
\.

SELECT * FROM skolval.staging_check();
-- no personal identity number, name or address appears anywhere in the report
SELECT count(*) AS leaks
  FROM skolval.staging_check() c
 WHERE concat(c.value, ' ', c.problem) ~ '[0-9]{8}-?[0-9]{4}|Hemlig|Person|Syskon|Alva|Dana|gatan';
-- merge returns the same problems with a WARNING and loads nothing
SELECT count(*) AS problems FROM skolval.staging_merge();
SELECT a.*, (SELECT row_to_json(b) FROM before_bad b)::text = row_to_json(a)::text AS unchanged FROM added a;
-- ... and keeps the staged rows for correction
SELECT (SELECT count(*) FROM skolval.staging_unit) AS units, (SELECT count(*) FROM skolval.staging_residence) AS residences,
       (SELECT count(*) FROM skolval.staging_sibling) AS siblings, (SELECT count(*) FROM skolval.staging_enrollment) AS enrollments,
       (SELECT count(*) FROM skolval.staging_wish) AS wishes;

-- staging_clear() empties staging and restarts the row numbers
SELECT skolval.staging_clear();
INSERT INTO skolval.staging_unit (unit_code) VALUES ('10000020') RETURNING source_row;
SELECT * FROM skolval.staging_check();
SELECT skolval.staging_clear();

-- The stored data still satisfies every deferred constraint (wish ranks 1..n).
SET CONSTRAINTS ALL IMMEDIATE;
ROLLBACK;

-- The data model: what it accepts, and the nonsense it rejects with a clear error.
SET datestyle = ISO;

-- Errors are shown as "SQLSTATE: message" so the expected output pins both.
CREATE FUNCTION pg_temp.expect_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

SELECT municipality_code, municipality_name, srid
  FROM skolval.configure(municipality_code => '1281', municipality_name => 'Lund');
SELECT pg_temp.expect_error($$ SELECT skolval.configure(srid => 4326) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.configure(srid => 123456) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.configure(municipality_code => '128') $$);

-- ---- a tiny network: a square 0..400 m plus a detached edge far away ---------------------
INSERT INTO skolval.network (name, source, srid) VALUES ('test grid', 'test', 3006);
INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, kind, geom)
SELECT 1, id, s, t, ST_Length(g), 'residential', g
  FROM (VALUES (1, 1, 2, 'LINESTRING(386000 6176000, 386400 6176000)'),
               (2, 2, 3, 'LINESTRING(386400 6176000, 386400 6176400)'),
               (3, 3, 4, 'LINESTRING(386400 6176400, 386000 6176400)'),
               (4, 4, 1, 'LINESTRING(386000 6176400, 386000 6176000)'),
               (5, 8, 9, 'LINESTRING(386000 6176900, 386050 6176900)')) v(id, s, t, wkt),
       LATERAL (SELECT ST_GeomFromText(wkt, 3006) AS g) x;
SELECT pg_temp.expect_error($$ INSERT INTO skolval.edge VALUES (1, 6, 1, 3, 0, 'x', NULL,
                                   'SRID=3006;LINESTRING(386000 6176000, 386000 6176000)') $$);
SELECT network_id, edge_count, vertex_count, round(total_length_m::numeric, 3) AS total_length_m, dropped_edge_count, is_active,
       ST_AsText(extent) AS extent, length(content_hash) AS hash_length
  FROM skolval.network_finish(1);
-- The detached edge is kept out of routing but not lost (issue 17): with its island.
SELECT edge_id, source, target, component, component_edges FROM skolval.network_dropped_edge WHERE network_id = 1;
SELECT skolval.active_network_id();
-- The hash is a pure function of the edges: finishing again gives the same hash.
SELECT content_hash = (SELECT content_hash FROM skolval.network_finish(1)) AS same_hash
  FROM skolval.network WHERE network_id = 1;
SELECT count(*) AS routed_pairs, round(sum(agg_cost)::numeric, 3) AS metres
  FROM pgr_dijkstraCost(skolval.network_edges_sql(1), ARRAY[1], ARRAY[2, 3, 4], directed => false);
SELECT pg_temp.expect_error($$ SELECT skolval.network_finish(99) $$);

-- ---- units ------------------------------------------------------------------------------
INSERT INTO skolval.unit (unit_code, name, organizer, organizer_name, school_forms, location)
VALUES ('10000001', 'Östra skolan', 'municipal', NULL, '{forskoleklass,grundskola,fritidshem}',
        'SRID=3006;POINT(386100 6176050)'),
       ('10000002', 'Friskolan Äppellunden', 'independent', 'Äpple AB', '{forskoleklass,grundskola}',
        'SRID=3006;POINT(386390 6176390)'),
       ('10000003', 'Förskolan Humlan', 'independent', 'Humla AB', '{forskola}',
        'SRID=3006;POINT(386200 6176200)');
-- WGS84 input is transformed to SWEREF99 TM on the way in.
INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
SELECT '10000004', 'Västra skolan', 'municipal', '{forskoleklass,grundskola}',
       ST_Transform('SRID=3006;POINT(386050 6176300)'::geometry, 4326);
SELECT unit_code, ST_SRID(location) AS srid, round(ST_X(location)) AS east, round(ST_Y(location)) AS north
  FROM skolval.unit WHERE unit_code = '10000004';

SELECT pg_temp.expect_error($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
                               VALUES ('x1', 'Ingen SRID', 'municipal', '{grundskola}', 'POINT(386100 6176100)') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
                               VALUES ('x2', 'Långt bort', 'municipal', '{grundskola}', 'SRID=3006;POINT(500000 6176100)') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
                               VALUES ('x3', 'Swapped', 'municipal', '{grundskola}', 'SRID=4326;POINT(55.7 13.2)') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
                               VALUES ('x4', 'Line', 'municipal', '{grundskola}', 'SRID=3006;LINESTRING(386000 6176000, 386001 6176001)') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
                               VALUES ('x5', 'Formlös', 'municipal', '{}', 'SRID=3006;POINT(386100 6176100)') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
                               VALUES ('x6', 'Gymnasiet', 'municipal', '{gymnasieskola}', 'SRID=3006;POINT(386100 6176100)') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
                               VALUES ('x7', 'Privat', 'private', '{grundskola}', 'SRID=3006;POINT(386100 6176100)') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
                               VALUES ('10000001', 'Dubblett', 'municipal', '{grundskola}', 'SRID=3006;POINT(386100 6176100)') $$);
-- With geometry stored the coordinate system cannot change any more.
SELECT pg_temp.expect_error($$ SELECT skolval.configure(srid => 32633) $$);

-- ---- children and residence ---------------------------------------------------------------
INSERT INTO skolval.district VALUES ('N', 'Norr', 'Förvaltning Norr'), ('S', 'Söder', 'Förvaltning Söder');
INSERT INTO skolval.child (child_id, personal_number, given_name, family_name, birth_date, protected_identity)
VALUES (1, '202103152381', 'Alva', 'Berg', '2021-03-15', false),
       (2, '201807092398', 'Ebbe', 'Berg', '2018-07-09', false),
       (3, '202111302382', 'Sam', 'Okänd', '2021-11-30', true);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.child (personal_number, birth_date) VALUES ('202103152383', '2021-03-15') $$);
-- The hyphen form is accepted and stored in canonical form; the birth date defaults from it.
INSERT INTO skolval.child (child_id, personal_number, given_name) VALUES (4, '20210704-2380', 'Nils');
SELECT child_id, personal_number, birth_date FROM skolval.child WHERE child_id = 4;
DELETE FROM skolval.child WHERE child_id = 4;
SELECT pg_temp.expect_error($$ INSERT INTO skolval.child (personal_number, birth_date) VALUES ('202103162380', '2021-03-15') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.child (personal_number, birth_date) VALUES ('202103152381', '2021-03-15') $$);

INSERT INTO skolval.residence (child_id, municipality_code, address, district_code, home, valid_from, valid_to)
VALUES (1, '1281', 'Storgatan 1', 'N', 'SRID=3006;POINT(386010 6176020)', '2021-03-15', '2024-06-30'),
       (1, '1281', 'Lillgatan 2', 'S', 'SRID=3006;POINT(386300 6176380)', '2024-07-01', NULL),
       (2, '1281', 'Lillgatan 2', 'S', 'SRID=3006;POINT(386300 6176380)', '2018-07-09', NULL),
       (3, '1281', NULL, NULL, NULL, '2021-11-30', NULL);
SELECT child_id, address, valid_from, valid_to
  FROM skolval.residence_on(1, '2024-06-30') UNION ALL
SELECT child_id, address, valid_from, valid_to
  FROM skolval.residence_on(1, '2024-07-01');
SELECT pg_temp.expect_error($$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from, valid_to)
                               VALUES (1, '1281', '2024-01-01', '2024-12-31') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from, valid_to)
                               VALUES (2, '1281', '2010-01-01', '2009-12-31') $$);
-- Two overlapping periods in one statement are caught too.
SELECT pg_temp.expect_error($$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from, valid_to)
                               VALUES (3, '1281', '2010-01-01', '2010-12-31'), (3, '1281', '2010-06-01', '2010-06-30') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.residence (child_id, municipality_code, district_code, valid_from)
                               VALUES (2, '1281', 'X', '2000-01-01') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.residence (child_id, municipality_code, valid_from)
                               VALUES (2, 'Lund', '2000-01-01') $$);
SELECT count(*) AS residence_rows FROM skolval.residence;

-- ---- enrollments and siblings -----------------------------------------------------------
INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, hours_per_week, valid_from, valid_to)
SELECT 2, unit_id, 'grundskola', 2, NULL, '2025-08-18', NULL FROM skolval.unit WHERE unit_code = '10000001';
INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, hours_per_week, valid_from, valid_to)
SELECT 1, unit_id, 'forskola', NULL, 37.5, '2022-08-01', '2027-06-30' FROM skolval.unit WHERE unit_code = '10000003';
SELECT pg_temp.expect_error($$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, valid_from)
                               SELECT 1, unit_id, 'grundskola', 1, '2027-08-16' FROM skolval.unit WHERE unit_code = '10000003' $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, valid_from)
                               SELECT 1, unit_id, 'grundskola', 0, '2027-08-16' FROM skolval.unit WHERE unit_code = '10000001' $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, valid_from)
                               SELECT 1, unit_id, 'forskola', 3, '2022-08-01' FROM skolval.unit WHERE unit_code = '10000003' $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, hours_per_week, valid_from)
                               SELECT 1, unit_id, 'forskola', 80, '2022-08-01' FROM skolval.unit WHERE unit_code = '10000003' $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.enrollment (child_id, unit_id, school_form, valid_from, valid_to)
                               SELECT 1, unit_id, 'forskola', '2022-08-01', '2022-07-31' FROM skolval.unit WHERE unit_code = '10000003' $$);

-- A sibling pair given in either order is stored once, smaller id first.
INSERT INTO skolval.sibling (child_id, sibling_id) VALUES (2, 1);
SELECT * FROM skolval.sibling;
SELECT * FROM skolval.sibling_pair ORDER BY child_id;
SELECT pg_temp.expect_error($$ INSERT INTO skolval.sibling VALUES (1, 2) $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.sibling VALUES (3, 3) $$);

-- ---- placement rounds -------------------------------------------------------------------
INSERT INTO skolval.placement_round (round_id, name, municipality_code, start_date, cohort_birth_year, lottery_seed)
VALUES (1, 'Förskoleklass HT2027', '1281', '2027-08-16', 2021, 20270816);
SELECT name, school_form, mechanism, criteria, near_home_distance_m, max_wishes, status
  FROM skolval.placement_round;
SELECT pg_temp.expect_error($$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, criteria)
                               VALUES ('bad1', '1281', '2027-08-16', '{near_home,first_choice}') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, criteria)
                               VALUES ('bad2', '1281', '2027-08-16', '{distance,lottery,distance}') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, criteria)
                               VALUES ('bad3', '1281', '2027-08-16', '{}') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, mechanism)
                               VALUES ('bad4', '1281', '2027-08-16', 'first_come') $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.placement_round (name, municipality_code, start_date, near_home_distance_m)
                               VALUES ('bad5', '1281', '2027-08-16', -5) $$);

-- The cohort: children born 2021 registered in 1281 on the start date (1 and 3, not 2).
SELECT skolval.round_fill_cohort(1) AS added, skolval.round_fill_cohort(1) AS added_again;
SELECT child_id FROM skolval.round_cohort ORDER BY 1;
SELECT pg_temp.expect_error($$ SELECT skolval.round_fill_cohort(42) $$);

INSERT INTO skolval.round_capacity (round_id, unit_id, seats)
SELECT 1, unit_id, 20 FROM skolval.unit WHERE unit_code IN ('10000001', '10000002');
SELECT pg_temp.expect_error($$ INSERT INTO skolval.round_capacity SELECT 1, unit_id, -1 FROM skolval.unit WHERE unit_code = '10000004' $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.round_capacity SELECT 1, unit_id, 5 FROM skolval.unit WHERE unit_code = '10000003' $$);

-- Wishes: ranks 1..n, each unit once, only units offering förskoleklass, only cohort children.
INSERT INTO skolval.wish (round_id, child_id, rank, unit_id, sibling_claim)
SELECT 1, 1, r, unit_id, unit_code = '10000001'
  FROM skolval.unit JOIN (VALUES ('10000002', 1), ('10000001', 2)) v(code, r) ON unit_code = code;
SELECT w.child_id, w.rank, u.unit_code, w.sibling_claim FROM skolval.wish w JOIN skolval.unit u USING (unit_id) ORDER BY 1, 2;
SELECT pg_temp.expect_error($$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id)
                               SELECT 1, 3, 1, unit_id FROM skolval.unit WHERE unit_code = '10000003' $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id)
                               SELECT 1, 1, 2, unit_id FROM skolval.unit WHERE unit_code = '10000004' $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id)
                               SELECT 1, 1, 3, unit_id FROM skolval.unit WHERE unit_code = '10000002' $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id)
                               SELECT 1, 1, 4, unit_id FROM skolval.unit WHERE unit_code = '10000004' $$);
SELECT pg_temp.expect_error($$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id)
                               SELECT 1, 2, 1, unit_id FROM skolval.unit WHERE unit_code = '10000004' $$);
-- A gap is caught when the transaction commits; within one transaction any order works.
BEGIN;
INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) SELECT 1, 3, 2, unit_id FROM skolval.unit WHERE unit_code = '10000004';
INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) SELECT 1, 3, 1, unit_id FROM skolval.unit WHERE unit_code = '10000001';
COMMIT;
SELECT pg_temp.expect_error($$ INSERT INTO skolval.wish (round_id, child_id, rank, unit_id)
                               SELECT 1, 3, 3, unit_id FROM skolval.unit WHERE unit_code = '10000002';
                               DELETE FROM skolval.wish WHERE child_id = 3 AND rank = 2;
                               SET CONSTRAINTS ALL IMMEDIATE $$);
SELECT child_id, array_agg(rank ORDER BY rank) AS ranks FROM skolval.wish GROUP BY 1 ORDER BY 1;

-- Nothing of the rejected rows was stored.
SELECT (SELECT count(*) FROM skolval.unit) AS units, (SELECT count(*) FROM skolval.child) AS children,
       (SELECT count(*) FROM skolval.residence) AS residences, (SELECT count(*) FROM skolval.enrollment) AS enrollments,
       (SELECT count(*) FROM skolval.placement_round) AS rounds, (SELECT count(*) FROM skolval.round_capacity) AS capacities,
       (SELECT count(*) FROM skolval.wish) AS wishes;

-- Clean up for the tests that follow.
DELETE FROM skolval.placement_round;
DELETE FROM skolval.child;
DELETE FROM skolval.unit;
DELETE FROM skolval.district;
DELETE FROM skolval.network;
DELETE FROM skolval.settings;

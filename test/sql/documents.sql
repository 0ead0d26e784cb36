-- Documents: decision letters, the map of a round, payment statements and the payment file.
--
-- The town of test/sql/placement.sql: one street, x = 0..1000 m, municipal units A (x=100,
-- 1 seat), B (x=500, 1 seat), C (x=900, 3 seats); children 1-5 at x = 50, 150, 450, 800, 950.
-- Placement (worked out there): 1 -> A (wish 1), 2 -> C (wish 2), 3 -> B (wish 2),
-- 4 -> C (administrative), 5 -> C (no wishes: nearest municipal unit). Child 3 has protected
-- identity.
--
-- Payments at the independent unit F (Friskolan Ekorren, x=300). Rates divisible by twelve:
--   FK:    60 000 + 12 000 a year -> 5 000 + 1 000, admin 3 % = 180, VAT 6 % of 6 180 = 370.80: 6 550.80
--   GR1-3: 84 000 + 12 000 a year -> 7 000 + 1 000, admin 240, VAT 6 % of 8 240 = 494.40:   8 734.40
-- Children: 11 Astrid Ek FK, 12 Bo Ek GR åk 2, 13 Cecilia Hemlig GR åk 2 (protected), 14 David
-- Hemlig FK (protected), 15 Erik Utan GR åk 1 without a registered residence (held), and later
-- 16 Frida Sen GR åk 1, registered late from January.
--   March 2026 (count date Monday 16 March): paid 11, 12, 13, 14 = 2 × 6 550.80 + 2 × 8 734.40
--     = 30 570.40; held 15: 8 734.40. Locked.
--   Then 11 leaves on 10 March (before the count date) and 16 is registered from 1 January.
--   April 2026 (count date Wednesday 15 April): 12, 13, 16 GR and 14 FK = 3 × 8 734.40 + 6 550.80
--     = 32 754.00; corrections for March: 11 -6 550.80 (reclaim), 16 +8 734.40 (owed), net
--     2 183.60; to pay 34 937.60; held 15: 8 734.40.
-- Map: the frame is the street's extent with a margin of 50 m (the smallest margin); a unit's
-- radius is (the larger side / 55) × sqrt(seats / the most seats): C with 3 seats the largest.
SET datestyle = ISO;
-- Start from an empty skolval, whatever the tests before left.
SELECT skolval._demo_clear(true);
DELETE FROM skolval.settings;
CREATE FUNCTION pg_temp.expect_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION pg_temp.pt(x float8) RETURNS geometry LANGUAGE sql AS
  'SELECT ST_SetSRID(ST_MakePoint(386000 + x, 6176000), 3006)';
-- Files in the server's temporary directory (the payment file is written there and removed).
CREATE FUNCTION pg_temp.temp_files() RETURNS bigint LANGUAGE sql AS
  $$ SELECT count(*) FROM pg_ls_dir('base/pgsql_tmp', true, false) f WHERE f LIKE 'pgsql_tmpskolval%' $$;
-- A PDF: its header, its end, and whether it embeds a font.
CREATE FUNCTION pg_temp.pdf_ok(b bytea) RETURNS boolean LANGUAGE sql AS
  $$ SELECT substr(b, 1, 7) = '%PDF-1.'::bytea AND position('%%EOF'::bytea IN substr(b, length(b) - 8)) > 0
            AND position('/FontFile2'::bytea IN b) > 0 $$;
CREATE FUNCTION pg_temp.svg_count(svg text, path text) RETURNS bigint LANGUAGE sql AS
  $$ SELECT count(*) FROM unnest(xpath(path, svg::xml, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) $$;

SELECT municipality_code FROM skolval.configure(municipality_code => '1281');
INSERT INTO skolval.network (network_id, name, source, srid) VALUES (1, 'street', 'test', 3006);
INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, kind, geom)
SELECT 1, i, i, i + 1, 100, 'residential', ST_MakeLine(pg_temp.pt(100 * (i - 1)), pg_temp.pt(100 * i))
  FROM generate_series(1, 10) i;
SELECT edge_count FROM skolval.network_finish(1);
INSERT INTO skolval.district VALUES ('N', 'Norr', 'Barn- och skolnämnden Norr');
INSERT INTO skolval.cost_account (administration, school_form, account) VALUES ('Barn- och skolnämnden Norr', NULL, '4610 100');
INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, organizer_name, school_forms, address, location) VALUES
  (1, 'A', 'Ängsskolan', 'municipal', NULL, '{forskoleklass}', 'Ängsvägen 1', pg_temp.pt(100)),
  (2, 'B', 'Björkskolan', 'municipal', NULL, '{forskoleklass}', NULL, pg_temp.pt(500)),
  (3, 'C', 'Cederskolan', 'municipal', NULL, '{forskoleklass}', NULL, pg_temp.pt(900)),
  (10, 'F', 'Friskolan Ekorren', 'independent', 'Ekorren AB', '{forskoleklass,grundskola}', NULL, pg_temp.pt(300));
INSERT INTO skolval.child (child_id, personal_number, given_name, family_name)
SELECT n, skolval.personal_number_make('2021-01-01'::date + n, n), 'Barn' || n, 'Gatan' FROM generate_series(1, 5) n;
INSERT INTO skolval.residence (child_id, municipality_code, address, postal_code, postal_town, district_code, home, valid_from)
SELECT n, '1281', 'Gatan ' || n, '222 22', 'Lund', 'N', pg_temp.pt(x), '2021-01-01'
  FROM (VALUES (1, 50), (2, 150), (3, 450), (4, 800), (5, 950)) v(n, x);
INSERT INTO skolval.placement_round (round_id, name, municipality_code, start_date, cohort_birth_year,
                                     lottery_seed, near_home_distance_m)
VALUES (1, 'Gatan HT2027', '1281', '2027-08-16', 2021, 42, 100);
SELECT skolval.round_fill_cohort(1);
INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) VALUES
  (1, 1, 1, 1), (1, 1, 2, 2), (1, 2, 1, 1), (1, 2, 2, 3), (1, 3, 1, 1), (1, 3, 2, 2), (1, 4, 1, 2);
INSERT INTO skolval.round_capacity VALUES (1, 1, 1), (1, 2, 1), (1, 3, 3);
SELECT pairs, ok FROM skolval.compute_distances(1);
UPDATE skolval.child SET protected_identity = true, given_name = 'Hemlig' WHERE child_id = 3;
SELECT run_id FROM skolval.allocate(1);

-- Settings: the defaults, then the board's address and a contact line.
SELECT * FROM skolval.document_setup();
SELECT skolval.document_font(), skolval.document_font(bold => true);
SELECT pg_temp.expect_error($$ SELECT skolval.configure_documents(font_path => 'DejaVuSans.ttf') $$);
SELECT board_name, board_address, contact FROM skolval.configure_documents(
  board_address => 'Box 41, 221 00 Lund', contact => 'Kontaktcenter, 046-35 50 00');

-- Letters are for a published run only, and need the municipality's name.
SELECT pg_temp.expect_error($$ SELECT skolval.decision_letter(1, 1) $$);
SELECT run_id, status FROM skolval.publish(1);
SELECT pg_temp.expect_error($$ SELECT skolval.decision_letter(1, 1) $$);
SELECT municipality_name FROM skolval.configure(municipality_name => 'Lunds kommun');
SELECT pg_temp.expect_error($$ SELECT skolval.decision_letter(99, 1) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.decision_letter(1, 99) $$);

-- Child 4: no wish could be met, placed administratively; the appeal is förvaltningsbesvär to
-- the board, within three weeks of being notified.
SELECT ord, part, label, CASE WHEN part = 'date' THEN regexp_replace(body, '\d{4}-\d\d-\d\d', 'YYYY-MM-DD') ELSE body END AS body
  FROM skolval.decision_letter_content(1, 4) ORDER BY ord;
-- Child 1 got its first wish and child 5 made no choice: laglighetsprövning.
SELECT label, body FROM skolval.decision_letter_content(1, 1) WHERE part IN ('fact', 'section') AND label IN ('Placering', 'Om ni vill överklaga', 'Så överklagar ni');
SELECT label, body FROM skolval.decision_letter_content(1, 5) WHERE part IN ('fact', 'section') AND label IN ('Placering', 'Om ni vill överklaga');
-- Child 3 has protected identity: no name, no personal number, no address; only the child id.
SELECT part, label, body FROM skolval.decision_letter_content(1, 3) WHERE part IN ('recipient', 'fact') ORDER BY ord;
SELECT count(*) AS rows_naming_child_3
  FROM skolval.decision_letter_content(1, 3) c, skolval.child k
 WHERE k.child_id = 3 AND (c.body LIKE '%Hemlig%' OR c.body LIKE '%' || k.personal_number || '%'
                           OR c.body LIKE '%' || skolval.personal_number_display(k.personal_number) || '%' OR c.body LIKE '%Gatan 3%');

-- The PDF: a complete file with the font embedded, the same bytes every time.
SELECT pg_temp.pdf_ok(skolval.decision_letter(1, 4)) AS letter_is_pdf,
       length(skolval.decision_letter(1, 4)) > 20000 AS has_content,
       skolval.decision_letter(1, 4) = skolval.decision_letter(1, 4) AS reproducible;
SELECT child_id, filename, pg_temp.pdf_ok(pdf) AS is_pdf FROM skolval.decision_letters(1) ORDER BY child_id;

-- Library failures become clean errors; nothing is left behind.
SELECT font_path FROM skolval.configure_documents(font_path => '/nonexistent/DejaVuSans.ttf');
SELECT pg_temp.expect_error($$ SELECT skolval.decision_letter(1, 4) $$);
-- A file that is not a font (the data directory's PG_VERSION) as the bold font.
SELECT font_path FROM skolval.configure_documents(font_path => '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
                                                 bold_font_path => current_setting('data_directory') || '/PG_VERSION');
SELECT replace(pg_temp.expect_error($$ SELECT skolval.decision_letter(1, 4) $$), current_setting('data_directory'), '$PGDATA');
UPDATE skolval.document_settings SET font_path = NULL, bold_font_path = NULL;
SELECT pg_temp.pdf_ok(skolval.decision_letter(1, 4)) AS letter_after_fonts_restored;
-- A real bold font is a second embedded font; without one, bold is drawn from the regular font.
CREATE TEMP TABLE one_font AS SELECT skolval.decision_letter(1, 4) AS pdf;
SELECT bold_font_path FROM skolval.configure_documents(bold_font_path => '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf');
SELECT pg_temp.pdf_ok(x) AS letter_with_bold_font, length(x) - (SELECT length(pdf) FROM one_font) > 50000 AS second_font_embedded
  FROM skolval.decision_letter(1, 4) x;
UPDATE skolval.document_settings SET bold_font_path = NULL;

-- The map: well-formed SVG with exactly one symbol per unit, sized by seats, coloured by fill.
SELECT pg_temp.svg_count(svg, '/s:svg/s:g[@class="units"]/s:circle[@class="unit"]') AS unit_symbols,
       pg_temp.svg_count(svg, '//s:circle[@class="unit"]') AS unit_symbols_anywhere,
       pg_temp.svg_count(svg, '//s:circle[@class="home"]') AS homes_drawn,
       pg_temp.svg_count(svg, '//s:path[@class="route"]') AS routes,
       (xpath('//s:text[@class="legend-homes"]/text()', svg::xml, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS legend
  FROM skolval.placement_map_svg(1) svg;
SELECT (xpath('/*/@id', c))[1]::text AS id, (xpath('/*/@data-seats', c))[1]::text AS seats,
       (xpath('/*/@data-placed', c))[1]::text AS placed, (xpath('/*/@r', c))[1]::text AS r, (xpath('/*/@fill', c))[1]::text AS fill
  FROM unnest(xpath('//s:circle[@class="unit"]', skolval.placement_map_svg(1)::xml,
                    ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) c
 ORDER BY 1;
-- Child 2's route: home at x=150 to C at x=900, 750 m. Child 3's route would show its home.
SELECT pg_temp.svg_count(svg, '//s:path[@class="route"]') AS routes,
       (xpath('//s:text[@class="legend-route"]/text()', svg::xml, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS legend
  FROM skolval.placement_map_svg(1, 2) svg;
SELECT pg_temp.svg_count(svg, '//s:path[@class="route"]') AS routes,
       (xpath('//s:text[@class="legend-route"]/text()', svg::xml, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS legend
  FROM skolval.placement_map_svg(1, 3) svg;
-- The homes drawn, in map coordinates (metres from the frame's west edge, about 50 m west of the
-- street): children 1, 2, 4 and 5 at 50, 150, 800 and 950 m along the street, coloured like their
-- unit (1 A, the others C); never child 3 at 450 m.
SELECT (xpath('/*/@cx', c))[1]::text AS cx, (xpath('/*/@data-unit', c))[1]::text AS unit, (xpath('/*/@fill', c))[1]::text AS fill
  FROM unnest(xpath('//s:circle[@class="home"]', skolval.placement_map_svg(1, 3)::xml,
                    ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) c;
SELECT pg_temp.expect_error($$ SELECT skolval.placement_map_svg(99) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.placement_map_svg(1, 99) $$);

-- ---------------------------------------------------------------------------------------
-- Payments
-- ---------------------------------------------------------------------------------------
INSERT INTO skolval.payment_category (category_code, name_sv, school_form, grade_from, grade_to, sort_order) VALUES
  ('FK', 'Förskoleklass', 'forskoleklass', NULL, NULL, 1),
  ('GR1-3', 'Grundskola åk 1–3', 'grundskola', 1, 3, 2);
INSERT INTO skolval.payment_rate (category_code, valid_from, valid_to, base_annual, premises_annual) VALUES
  ('FK', '2026-01-01', '2026-12-31', 60000, 12000),
  ('GR1-3', '2026-01-01', '2026-12-31', 84000, 12000);
INSERT INTO skolval.child (child_id, personal_number, given_name, family_name, protected_identity)
SELECT n, skolval.personal_number_make(b, n), g, f, n IN (13, 14)
  FROM (VALUES (11, date '2020-02-01', 'Astrid', 'Ek'), (12, '2018-03-02', 'Bo', 'Ek'),
               (13, '2018-04-03', 'Cecilia', 'Hemlig'), (14, '2020-05-04', 'David', 'Hemlig'),
               (15, '2019-06-05', 'Erik', 'Utan'), (16, '2019-07-06', 'Frida', 'Sen')) v(n, b, g, f);
INSERT INTO skolval.residence (child_id, municipality_code, address, district_code, valid_from)
SELECT n, '1281', 'Skolgatan ' || n, 'N', '2015-01-01' FROM generate_series(11, 16) n WHERE n <> 15;
INSERT INTO skolval.enrollment (enrollment_id, child_id, unit_id, school_form, grade, valid_from) VALUES
  (111, 11, 10, 'forskoleklass', 0, '2025-08-15'), (112, 12, 10, 'grundskola', 2, '2025-08-15'),
  (113, 13, 10, 'grundskola', 2, '2025-08-15'), (114, 14, 10, 'forskoleklass', 0, '2025-08-15'),
  (115, 15, 10, 'grundskola', 1, '2025-08-15');
SELECT run_id, month, status, count_date, rows, children, amount, held_rows, held_amount
  FROM skolval.create_payment_run('2026-03-01');
SELECT run_id, status FROM skolval.approve_payment_run(1);
SELECT run_id, status FROM skolval.lock_payment_run(1);
UPDATE skolval.enrollment SET valid_to = '2026-03-10' WHERE enrollment_id = 111;
INSERT INTO skolval.enrollment (enrollment_id, child_id, unit_id, school_form, grade, valid_from) VALUES
  (116, 16, 10, 'grundskola', 1, '2026-01-01');
SELECT run_id, month, status, count_date, rows, children, amount, held_rows, held_amount, corrections
  FROM skolval.create_payment_run('2026-04-01');

-- The statement of April for Friskolan Ekorren, part by part.
SELECT * FROM skolval.payment_statement_categories(2, 10);
SELECT * FROM skolval.payment_statement_children(2, 10);
SELECT ord, part, label, body, cells FROM skolval.payment_statement_content(2, 10) ORDER BY ord;
-- The protected children are counted and paid but never named.
SELECT count(*) AS parts_naming_hemlig FROM skolval.payment_statement_content(2, 10) c
 WHERE c.body LIKE '%Hemlig%' OR array_to_string(c.cells, '|') LIKE '%Hemlig%' OR array_to_string(c.cells, '|') LIKE '%Cecilia%';
-- The PDF, and every statement of the run.
SELECT pg_temp.pdf_ok(skolval.payment_statement(2, 10)) AS statement_is_pdf,
       skolval.payment_statement(2, 10) = skolval.payment_statement(2, 10) AS reproducible;
SELECT unit_id, unit_code, filename, pg_temp.pdf_ok(pdf) AS is_pdf FROM skolval.payment_statements(2);
SELECT pg_temp.expect_error($$ SELECT skolval.payment_statement(99, 10) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.payment_statement(2, 1) $$);

-- The payment file's sheets; their totals equal the run's.
SELECT * FROM skolval.payment_file_rows(2);
SELECT * FROM skolval.payment_file_units(2);
SELECT * FROM skolval.payment_file_administrations(2);
SELECT (SELECT "Att betala" FROM skolval.payment_file_units(2) WHERE "Enhetskod" = 'Summa') = amount AS units_total_is_run_amount,
       (SELECT "Belopp" FROM skolval.payment_file_administrations(2) WHERE "Förvaltning" = 'Summa') = amount AS administrations_total_is_run_amount,
       (SELECT sum("Belopp") FROM skolval.payment_file_rows(2) WHERE "Innehålls" = 'nej') = amount AS rows_total_is_run_amount
  FROM skolval.payment_run WHERE run_id = 2;
-- The XLSX: a zip file, the same bytes every time, and no temporary file left.
SELECT substr(x, 1, 4) = '\x504b0304'::bytea AS is_zip, length(x) > 5000 AS has_content,
       x = skolval.payment_xlsx(2) AS reproducible, pg_temp.temp_files() AS temp_files_left
  FROM skolval.payment_xlsx(2) x;
SELECT pg_temp.expect_error($$ SELECT skolval.payment_xlsx(99) $$);
-- A name longer than a cell can hold (32,767 characters): a clean error, and still no file left.
BEGIN;
-- (The unit table refuses names over 200 characters: the writer's own limit is tested with
-- that bound lifted inside this transaction.)
ALTER TABLE skolval.unit DROP CONSTRAINT unit_name_at_most_200_characters;
UPDATE skolval.unit SET name = repeat('Ekorren ', 5000) WHERE unit_id = 10;
SELECT pg_temp.expect_error($$ SELECT skolval.payment_xlsx(2) $$);
ROLLBACK;
SELECT pg_temp.temp_files() AS temp_files_left;

-- Leave skolval empty for the tests that follow.
SELECT skolval._demo_clear(true);
DELETE FROM skolval.settings;

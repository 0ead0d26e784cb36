-- skolval: documents — decision letters and statements (PDF), the payment file (XLSX), the map (SVG).
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

CREATE OR REPLACE FUNCTION skolval.document_setup(
  OUT municipality_name text, OUT board_name text, OUT board_address text, OUT contact text,
  OUT font_path text, OUT bold_font_path text)
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
  SELECT (SELECT s.municipality_name FROM skolval.settings s),
         coalesce(d.board_name, 'Barn- och skolnämnden'),
         d.board_address, d.contact,
         coalesce(d.font_path, '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'),
         d.bold_font_path
    FROM (SELECT 1) one LEFT JOIN skolval.document_settings d ON true
$$;
COMMENT ON FUNCTION skolval.document_setup() IS
  'The settings documents are made with, defaults applied: the municipality''s name (skolval.settings), the board, its address, the contact line and the font files (bold_font_path NULL: bold drawn from the regular font)';

CREATE OR REPLACE FUNCTION skolval.document_font(bold boolean DEFAULT false) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN bold THEN s.bold_font_path ELSE s.font_path END FROM skolval.document_setup() s $$;
COMMENT ON FUNCTION skolval.document_font(boolean) IS
  'Path of the TrueType font embedded in PDFs (bold NULL: the regular font): skolval.document_settings, by default /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf (Debian package fonts-dejavu-core); with bold => true the bold font, NULL by default (bold drawn from the regular font)';

CREATE OR REPLACE FUNCTION skolval.configure_documents(
  board_name text DEFAULT NULL,
  board_address text DEFAULT NULL,
  contact text DEFAULT NULL,
  font_path text DEFAULT NULL,
  bold_font_path text DEFAULT NULL)
RETURNS skolval.document_settings
LANGUAGE plpgsql AS $$
DECLARE
  result skolval.document_settings;
BEGIN
  INSERT INTO skolval.document_settings AS s (singleton, board_name, board_address, contact, font_path, bold_font_path)
  VALUES (true, configure_documents.board_name, configure_documents.board_address, configure_documents.contact,
          configure_documents.font_path, configure_documents.bold_font_path)
  ON CONFLICT (singleton) DO UPDATE
     SET board_name     = coalesce(configure_documents.board_name, s.board_name),
         board_address  = coalesce(configure_documents.board_address, s.board_address),
         contact        = coalesce(configure_documents.contact, s.contact),
         font_path      = coalesce(configure_documents.font_path, s.font_path),
         bold_font_path = coalesce(configure_documents.bold_font_path, s.bold_font_path),
         updated_at     = pg_catalog.now()
  RETURNING * INTO result;
  RETURN result;
END $$;
COMMENT ON FUNCTION skolval.configure_documents(text, text, text, text, text) IS
  'Set the documents'' settings (board, its address, contact line, font files); arguments left NULL keep their current value';

-- The municipality's name, which every document carries.
CREATE OR REPLACE FUNCTION skolval._document_municipality() RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  name text := (SELECT s.municipality_name FROM skolval.settings s);
BEGIN
  IF name IS NULL OR btrim(name) = '' THEN
    RAISE EXCEPTION 'the municipality''s name is not configured'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Letters and statements carry the municipality''s name.',
            HINT = 'Set it with skolval.configure(municipality_name => ...).';
  END IF;
  RETURN name;
END $$;

CREATE OR REPLACE FUNCTION skolval.personal_number_display(personal_number text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN substr(personal_number, 1, 8) || '-' || substr(personal_number, 9, 4);
COMMENT ON FUNCTION skolval.personal_number_display(text) IS
  'A 12-digit personal identity number as printed in letters: YYYYMMDD-NNNN';

-- ---------------------------------------------------------------------------------------
-- Decision letters
-- ---------------------------------------------------------------------------------------

-- No-break spaces (U+00A0) inside numbers ("1 576") and before a unit ("576 m", "12 kr"), so
-- that a wrapped line never separates them.
CREATE OR REPLACE FUNCTION skolval._keep_numbers(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN regexp_replace(t, '(\d) (?=\d{3}(\D|$)|m\M|kr\M|%)', E'\\1\u00A0', 'g');

CREATE OR REPLACE FUNCTION skolval.decision_letter_content(run_id bigint, child_id bigint)
RETURNS TABLE (ord integer, part text, label text, body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.placement_run;
  h record;
  pl skolval.placement;
  k record;
  un record;
  d skolval.placement_decision;
  muni text;
  ref text;
  title text;
  form_sv text;
  kind_sv text;
  motivation text;
  appeal text;
  contested boolean;
  independent boolean;
  n integer := 0;
BEGIN
  IF decision_letter_content.run_id IS NULL OR decision_letter_content.child_id IS NULL THEN
    RAISE EXCEPTION 'decision_letter_content(): % must not be NULL',
                    CASE WHEN decision_letter_content.run_id IS NULL THEN 'run_id' ELSE 'child_id' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = decision_letter_content.run_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement run % does not exist', decision_letter_content.run_id USING ERRCODE = 'no_data_found';
  END IF;
  IF run.status <> 'published' THEN
    RAISE EXCEPTION 'placement run % is not published', run.run_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Decision letters are sent for the published run of a round only.',
            HINT = 'Publish the run with skolval.publish(run_id) first.';
  END IF;
  SELECT * INTO pl FROM skolval.placement x
   WHERE x.run_id = run.run_id AND x.child_id = decision_letter_content.child_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'child % is not placed in placement run %', decision_letter_content.child_id, run.run_id
      USING ERRCODE = 'no_data_found';
  END IF;
  -- the published run's record: the child, its address, the unit and the settings as they were
  SELECT * INTO h FROM skolval._document_header('placement', run.run_id);
  muni := coalesce(nullif(btrim(h.municipality_name), ''), skolval._document_municipality());
  SELECT * INTO k FROM skolval._document_children('placement', run.run_id, pl.child_id);
  SELECT * INTO un FROM skolval._document_units('placement', run.run_id) x WHERE x.unit_id = pl.unit_id;
  d.run_id := run.run_id;
  d.round_id := run.round_id;
  d.run_status := run.status;
  d.child_id := pl.child_id;
  d.protected_identity := coalesce(k.protected, false);
  d.personal_number := k.personal_number;
  d.given_name := k.given_name;
  d.family_name := k.family_name;
  d.address := k.address;
  d.unit_code := un.unit_code;
  d.unit_name := un.name;
  d.kind := pl.kind;
  d.wish_rank := pl.wish_rank;
  d.walking_m := round(pl.walking_m);
  d.decision_sv := pl.decision_sv;
  d.motivation_sv := pl.motivation_sv;
  form_sv := CASE h.school_form WHEN 'forskoleklass' THEN 'förskoleklass' WHEN 'grundskola' THEN 'grundskola'
                                 WHEN 'fritidshem' THEN 'fritidshem' WHEN 'forskola' THEN 'förskola' END;
  ref := pg_catalog.format('%s, beslut %s-%s', h.round_name, run.run_id, d.child_id);
  title := 'Beslut om plats i ' || form_sv;

  kind_sv := CASE d.kind
    WHEN 'wish' THEN CASE WHEN d.wish_rank = 1 THEN 'Ert önskemål 1 (förstahandsval)'
                          ELSE pg_catalog.format('Ert önskemål %s', d.wish_rank) END
    WHEN 'near_home_offer' THEN
      CASE WHEN EXISTS (SELECT 1 FROM skolval.placement_wish w WHERE w.run_id = run.run_id AND w.child_id = d.child_id AND NOT w.implicit)
           THEN 'En kommunal skola nära hemmet (inget av era önskemål kunde tillgodoses)'
           ELSE 'En kommunal skola nära hemmet (ni har inte gjort något skolval)' END
    ELSE 'En kommunal skola med ledig plats (skolorna nära hemmet var fulla)' END;

  -- The stored motivation, unchanged, in paragraphs: the legal ground, the ordered rules as a
  -- list, how walking is measured, each wish not met, the closing sentence.
  motivation := d.motivation_sv;
  motivation := replace(motivation, ' När en skola har fler sökande än platser', E'\nNär en skola har fler sökande än platser');
  motivation := regexp_replace(motivation, '(: |; )(\d+\)) ', E'\\1\n\t\\2 ', 'g');
  motivation := regexp_replace(motivation, ' (Gångvägen mäts|Önskemål \d+, )', E'\n\\1', 'g');
  motivation := replace(motivation, ' Inget önskemål kunde tillgodoses.', E'\nInget önskemål kunde tillgodoses.');
  motivation := replace(motivation, ' Ni har inte gjort något skolval.', E'\nNi har inte gjort något skolval.');
  motivation := replace(motivation, ' Inget av era önskemål kunde tillgodoses.', E'\nInget av era önskemål kunde tillgodoses.');
  motivation := regexp_replace(motivation, ' (Skola nära hemmet, )', E'\n\\1', 'g');
  motivation := replace(motivation, ' ' || d.unit_name || ' hade plats för alla', E'\n' || d.unit_name || ' hade plats för alla');
  motivation := replace(motivation, ' På ' || d.unit_name || ' fick ert barn plats', E'\nPå ' || d.unit_name || ' fick ert barn plats');

  -- How to appeal. A wish that was turned away (or a placement where none could be met) is a
  -- placement against the guardians' wish: förvaltningsbesvär (28 kap. 5 § skollagen), sent to
  -- the board within three weeks of being notified. A decision that met the first wish, or a
  -- placement without any wish, is not against a wish: laglighetsprövning (13 kap. kommunallagen).
  -- law (issue 13): a place at an independent unit, and a refusal there, are the school's under
  -- its own rules, not the municipality's decision: no municipal appeal route for them.
  -- The organizer as recorded with the published run (what was decided), not as it is today.
  independent := coalesce(un.organizer::pg_catalog.text OPERATOR(pg_catalog.<>) 'municipal'::pg_catalog.text, false);
  contested := d.kind = 'administrative'
            OR EXISTS (SELECT 1 FROM skolval.placement_wish w JOIN skolval.unit u ON u.unit_id = w.unit_id
                        WHERE w.run_id = run.run_id AND w.child_id = d.child_id
                          AND w.outcome = 'rejected' AND NOT w.implicit
                          AND u.organizer::pg_catalog.text OPERATOR(pg_catalog.=) 'municipal'::pg_catalog.text);
  IF independent AND NOT contested THEN
    appeal := pg_catalog.format('Platsen på %s är skolans erbjudande enligt skolans egna urvalsregler, inte ett beslut av kommunen. Den kan inte överklagas hos kommunen; frågor om antagningen ställs till skolan.', d.unit_name)
      || E'\n' || pg_catalog.format('Vill ni att ert barn ska gå på en annan skola kan ni ansöka om skolbyte hos %s, %s%s.',
                                    h.board_name, muni, coalesce(', ' || h.board_address, ''));
  ELSIF contested THEN
    appeal := CASE WHEN independent
                   THEN pg_catalog.format('Platsen på %s är skolans erbjudande enligt skolans egna urvalsregler och kan inte överklagas hos kommunen. Kommunens beslut om era önskemål på kommunala skolor kan överklagas: ', d.unit_name)
                   ELSE '' END
      || 'Om ni inte är nöjda med beslutet kan ni överklaga det till förvaltningsrätten (förvaltningsbesvär enligt 28 kap. 5 § skollagen).'
      || E'\n' || pg_catalog.format('Skicka överklagandet till %s, %s%s. Skriv vilket beslut ni överklagar (ange referensen %s), hur ni vill att beslutet ska ändras och varför. Skriv under och ange namn, adress och telefonnummer.',
                                    h.board_name, muni, coalesce(', ' || h.board_address, ''), ref)
      || E'\n' || 'Ni ska överklaga inom tre veckor från den dag ni fick del av beslutet. Ett överklagande som kommer in för sent kan inte prövas.'
      || E'\n' || pg_catalog.format('%s prövar först om beslutet ska ändras. Gör nämnden inte det skickar den överklagandet vidare till förvaltningsrätten.', h.board_name);
  ELSE
    appeal := CASE WHEN d.kind = 'wish' AND d.wish_rank = 1
                   THEN 'Ert barn har fått plats enligt ert förstahandsval. Beslutet har inte gått er emot och kan därför inte överklagas genom förvaltningsbesvär.'
                   WHEN d.kind = 'wish'
                   THEN pg_catalog.format('Ert barn har fått plats enligt ert önskemål %s. De önskemål ni rangordnade högre gällde fristående skolor, som antar efter sina egna regler; kommunens beslut har inte gått er emot och kan därför inte överklagas genom förvaltningsbesvär.', d.wish_rank)
                   ELSE 'Ni har inte gjort något skolval, och ert barn placeras vid en kommunal skola nära hemmet. Beslutet går inte emot något önskemål och kan därför inte överklagas genom förvaltningsbesvär.' END
      || E'\n' || pg_catalog.format('Vill ni att ert barn ska gå på en annan skola kan ni ansöka om skolbyte hos %s, %s%s.',
                                    h.board_name, muni, coalesce(', ' || h.board_address, ''))
      || E'\n' || 'Den som är medlem i kommunen kan överklaga beslutet genom laglighetsprövning (13 kap. kommunallagen). Överklagandet skickas till förvaltningsrätten och ska ha kommit in inom tre veckor från den dag då det tillkännagavs på kommunens anslagstavla att protokollet där beslutet redovisas har justerats.';
  END IF;

  -- A number never breaks from its unit across lines: "3 853 m" keeps no-break spaces.
  d.decision_sv := skolval._keep_numbers(d.decision_sv);
  motivation := skolval._keep_numbers(motivation);

  RETURN QUERY
  SELECT (row_number() OVER ())::integer, x.part, x.label, x.body
    FROM (VALUES
      ('sender', NULL, muni),
      ('sender_unit', NULL, h.board_name),
      ('doc_kind', NULL, 'BESLUT'),
      ('date', NULL, 'Datum ' || coalesce(run.published_at::date, pg_catalog.now()::date)::text),
      ('reference', NULL, 'Referens ' || ref),
      ('title', NULL, title),
      ('running_head', NULL, title || ' · ' || ref),
      ('footer', NULL, muni || ' · ' || h.board_name || coalesce(' · ' || h.board_address, ''))
    ) x(part, label, body)
  UNION ALL
  -- The address block: a protected child's letter goes through Skatteverket, with no name and
  -- no address, only the child's reference.
  SELECT (100 + row_number() OVER ())::integer, 'recipient', NULL, l
    FROM pg_catalog.unnest(CASE WHEN d.protected_identity
                     THEN ARRAY['Barn-id ' || d.child_id::pg_catalog.text, 'Skyddad identitet:', 'skickas via Skatteverket']
                     ELSE pg_catalog.array_remove(ARRAY['Till vårdnadshavare för',
                                             nullif(btrim(concat_ws(' ', d.given_name, d.family_name)), ''),
                                             d.address,
                                             nullif(btrim(concat_ws(' ', k.postal_code, k.postal_town)), '')], NULL::pg_catalog.text) END) l
  UNION ALL
  SELECT (200 + o)::integer, 'fact', f.label, f.body
    FROM (VALUES
      (1, 'Barn', CASE WHEN d.protected_identity THEN 'Barn-id ' || d.child_id::pg_catalog.text || ' (skyddad identitet)'
                       ELSE concat_ws(', ', nullif(btrim(concat_ws(' ', d.given_name, d.family_name)), ''),
                                      skolval.personal_number_display(d.personal_number)) END),
      (2, 'Skola', d.unit_name || coalesce(', ' || un.address, '')),
      (3, 'Skolstart', skolval.date_sv(h.start_date)),
      (4, 'Placering', kind_sv),
      (5, 'Gångväg', skolval._keep_numbers(skolval.criterion_value_sv('distance', d.walking_m)) || ' från folkbokföringsadressen')
    ) f(o, label, body)
   WHERE f.body IS NOT NULL AND NOT (f.o = 5 AND d.walking_m IS NULL)
  UNION ALL
  SELECT (300 + o)::integer, 'section', s.label, s.body
    FROM (VALUES
      (1, 'Beslut', d.decision_sv),
      (2, 'Motivering', motivation),
      (3, CASE WHEN contested THEN 'Så överklagar ni' ELSE 'Om ni vill överklaga' END, appeal),
      (4, 'Frågor', 'Har ni frågor om beslutet kan ni kontakta ' || h.contact || '.')
    ) s(o, label, body)
   WHERE s.body IS NOT NULL
  ORDER BY 1;
END $$;
COMMENT ON FUNCTION skolval.decision_letter_content(bigint, bigint) IS
  'The words of a decision letter for a child of a published placement run, part by part in print order: letterhead (sender, board, date, reference), the address block, title, facts (child, school, start, kind of placement, walking distance), and the sections Beslut, Motivering (the stored motivation in paragraphs), how to appeal (förvaltningsbesvär to the board within three weeks of notification when a wish was turned away, otherwise laglighetsprövning) and Frågor. A child with protected identity gets neither name, personal number nor address: only the child id, for forwarding through Skatteverket';

CREATE OR REPLACE FUNCTION skolval.decision_letter(run_id bigint, child_id bigint) RETURNS bytea
  LANGUAGE c STRICT VOLATILE
  AS 'MODULE_PATHNAME', 'skolval_decision_letter';
COMMENT ON FUNCTION skolval.decision_letter(bigint, bigint) IS
  'The decision letter of a child of a published placement run as a PDF (A4, DejaVu Sans embedded): skolval.decision_letter_content() laid out with libharu';

CREATE OR REPLACE FUNCTION skolval.decision_letters(run_id bigint)
RETURNS TABLE (child_id bigint, filename text, pdf bytea)
  LANGUAGE sql VOLATILE STRICT
  AS $$
  SELECT p.child_id, pg_catalog.format('beslut-%s-%s.pdf', p.run_id, p.child_id),
         skolval.decision_letter(p.run_id, p.child_id)
    FROM skolval.placement p
   WHERE p.run_id = decision_letters.run_id
   ORDER BY p.child_id
$$;
COMMENT ON FUNCTION skolval.decision_letters(bigint) IS
  'Every decision letter of a published placement run, with a file name that names no one (beslut-RUN-CHILD.pdf)';

-- ---------------------------------------------------------------------------------------
-- The map of a round (SVG)
-- ---------------------------------------------------------------------------------------

-- '#rrggbb' for a hue (degrees), saturation and lightness (0..1).
CREATE OR REPLACE FUNCTION skolval._hsl_hex(h double precision, s double precision, l double precision) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
  SELECT '#' || string_agg(lpad(to_hex(round(255 * (v.rgb + m.m))::int), 2, '0'), '' ORDER BY v.o)
    FROM (SELECT (1 - abs(2 * l - 1)) * s AS c, (h::numeric % 360)::double precision / 60 AS hp) k
    CROSS JOIN LATERAL (SELECT k.c * (1 - abs((k.hp::numeric % 2)::double precision - 1)) AS x) x
    CROSS JOIN LATERAL (SELECT l - k.c / 2 AS m) m
    CROSS JOIN LATERAL (SELECT CASE floor(k.hp)::int
                                 WHEN 0 THEN ARRAY[k.c, x.x, 0] WHEN 1 THEN ARRAY[x.x, k.c, 0]
                                 WHEN 2 THEN ARRAY[0, k.c, x.x] WHEN 3 THEN ARRAY[0, x.x, k.c]
                                 WHEN 4 THEN ARRAY[x.x, 0, k.c] ELSE ARRAY[k.c, 0, x.x] END AS a) rgb
    CROSS JOIN LATERAL unnest(rgb.a) WITH ORDINALITY v(rgb, o)
$$;

-- The fill-ratio classes of the map, in legend order.
CREATE OR REPLACE FUNCTION skolval._fill_class(placed integer, seats integer) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN coalesce(seats, 0) = 0 THEN 5
                    WHEN placed < 0.8 * seats THEN 1 WHEN placed < 0.95 * seats THEN 2
                    WHEN placed < seats THEN 3 ELSE 4 END;

-- The homes of a run's children: every placed child with its unit; the home point is NULL for a
-- child with protected identity, who is only counted.
CREATE OR REPLACE FUNCTION skolval._map_homes(run_id bigint)
RETURNS TABLE (child_id bigint, unit_id bigint, protected boolean, home geometry)
  LANGUAGE sql STABLE
  AS $$
  SELECT p.child_id, p.unit_id, coalesce(k.protected, false), CASE WHEN coalesce(k.protected, false) THEN NULL ELSE k.home END
    FROM skolval.placement p
    LEFT JOIN skolval._document_children('placement', _map_homes.run_id) k ON k.child_id = p.child_id
   WHERE p.run_id = _map_homes.run_id
$$;

-- The map is drawn in two layers, so that no arithmetic runs with the PostGIS schema on its
-- search_path (where a role allowed to create objects there could plant a better-matching
-- operator, such as * (double precision, numeric)):
--   _map_box, _map_home_points, _map_unit_points, _map_paths, _map_route  read geometries and
--       return plain numbers and SVG path strings; they do no arithmetic but unary minus on
--       double precision and name every PostGIS argument type exactly (box3d);
--   _map_units and placement_map_svg  do all the arithmetic; their source names no PostGIS
--       object, so sql/operations/finish.sql pins them to pg_catalog, skolval, pg_temp.
-- A geometry moved by (dx, dy). Not ST_Translate(geometry, float8, float8): PostGIS writes it
-- in SQL as ST_Translate($1, $2, $3, 0), whose integer 0 a look-alike taking an integer would
-- catch on our path; ST_Affine's C form with every argument a double precision has no such call.
CREATE OR REPLACE FUNCTION skolval._map_shift(g geometry, dx double precision, dy double precision) RETURNS geometry
  LANGUAGE sql IMMUTABLE STRICT
  AS $$
  SELECT ST_Affine(g, 1::pg_catalog.float8, 0::pg_catalog.float8, 0::pg_catalog.float8,
                      0::pg_catalog.float8, 1::pg_catalog.float8, 0::pg_catalog.float8,
                      0::pg_catalog.float8, 0::pg_catalog.float8, 1::pg_catalog.float8,
                      dx, dy, 0::pg_catalog.float8)
$$;

CREATE OR REPLACE FUNCTION skolval._map_home_points(run_id bigint)
RETURNS TABLE (child_id bigint, unit_id bigint, protected boolean, x double precision, y double precision)
  LANGUAGE sql STABLE
  AS $$
  SELECT m.child_id, m.unit_id, m.protected, ST_X(m.home), ST_Y(m.home)
    FROM skolval._map_homes(_map_home_points.run_id) m
$$;

CREATE OR REPLACE FUNCTION skolval._map_unit_points(run_id bigint)
RETURNS TABLE (unit_id bigint, unit_code text, name text, organizer text, seats integer, placed integer,
               x double precision, y double precision)
  LANGUAGE sql STABLE
  AS $$
  SELECT pu.unit_id, u.unit_code, u.name, u.organizer::pg_catalog.text, pu.seats, pu.placed,
         ST_X(u.location), ST_Y(u.location)
    FROM skolval.placement_unit pu
    JOIN skolval._document_units('placement', _map_unit_points.run_id) u ON u.unit_id = pu.unit_id
   WHERE pu.run_id = _map_unit_points.run_id
$$;

-- The frame of the map: the bounding box of the network, the run's units and the homes shown.
CREATE OR REPLACE FUNCTION skolval._map_box(run_id bigint, network_id bigint,
  OUT xmin double precision, OUT ymin double precision, OUT xmax double precision, OUT ymax double precision)
  LANGUAGE sql STABLE
  AS $$
  SELECT ST_XMin(b.box::box3d), ST_YMin(b.box::box3d), ST_XMax(b.box::box3d), ST_YMax(b.box::box3d)
    FROM (SELECT ST_Envelope(ST_Collect(q.g)) AS box FROM (
            SELECT coalesce(n.extent, (SELECT ST_SetSRID(ST_Extent(e.geom)::geometry, n.srid)
                                         FROM skolval.edge e WHERE e.network_id = n.network_id)) AS g
              FROM skolval.network n WHERE n.network_id = _map_box.network_id
            UNION ALL
            SELECT u.location FROM skolval.placement_unit pu
              JOIN skolval._document_units('placement', _map_box.run_id) u ON u.unit_id = pu.unit_id
             WHERE pu.run_id = _map_box.run_id
            UNION ALL
            SELECT m.home FROM skolval._map_homes(_map_box.run_id) m WHERE m.home IS NOT NULL) q) b
$$;

-- The background of the map as SVG paths, moved so that (x0, y1) is the top left corner: the
-- river and the railway of a generated network, then the minor and the major paths.
CREATE OR REPLACE FUNCTION skolval._map_paths(network_id bigint, x0 double precision, y1 double precision)
RETURNS TABLE (layer integer, class text, d text)
  LANGUAGE sql STABLE
  AS $$
  SELECT 1, f.feature, ST_AsSVG(skolval._map_shift(f.geom, -x0, -y1), 0, 1)
    FROM skolval.demo_feature f
   WHERE f.network_id = _map_paths.network_id AND f.feature IN ('river', 'railway')
  UNION ALL
  SELECT 2, CASE WHEN n.major THEN 'network major' ELSE 'network' END, ST_AsSVG(skolval._map_shift(n.g, -x0, -y1), 0, 1)
    FROM (SELECT e.kind IN ('primary', 'secondary', 'tertiary', 'trunk', 'bridge') AS major,
                 ST_Collect(e.geom ORDER BY e.edge_id) AS g
            FROM skolval.edge e WHERE e.network_id = _map_paths.network_id GROUP BY 1) n
$$;

-- One child's walking route on the map: as recorded when the run was published (recorded), or
-- drawn now on the network; the SVG path moved like the background, the start (the home) and
-- the length in metres. No row when there is no route to draw.
CREATE OR REPLACE FUNCTION skolval._map_route(kind text, run_id bigint, child_id bigint, unit_id bigint,
  residence_id bigint, network_id bigint, recorded boolean, x0 double precision, y1 double precision,
  OUT d text, OUT start_x double precision, OUT start_y double precision, OUT length_m double precision)
  LANGUAGE plpgsql STABLE AS $$
DECLARE
  line geometry;
BEGIN
  IF _map_route.recorded THEN
    SELECT k.route INTO line FROM skolval._document_children(_map_route.kind, _map_route.run_id, _map_route.child_id) k
     WHERE k.child_id = _map_route.child_id;
    IF line IS NULL THEN
      RAISE EXCEPTION 'no walking route was recorded for child % when placement run % was published',
        _map_route.child_id, _map_route.run_id
        USING ERRCODE = 'no_data_found',
              DETAIL = 'The route could not be drawn then (no home, or a home or unit off the network).';
    END IF;
  ELSE
    line := skolval.route(_map_route.residence_id, _map_route.unit_id, _map_route.network_id);
  END IF;
  IF line IS NOT NULL THEN
    d := ST_AsSVG(skolval._map_shift(line, -x0, -y1), 0, 1);
    start_x := ST_X(ST_StartPoint(line));
    start_y := ST_Y(ST_StartPoint(line));
    length_m := skolval.ground_length(line);
  END IF;
END $$;

-- The units of a run on the map: position, radius (area by seats) and ring colour.
CREATE OR REPLACE FUNCTION skolval._map_units(run_id bigint, x0 double precision, y1 double precision,
                                   rmax double precision, fs double precision, max_seats integer)
RETURNS TABLE (unit_id bigint, unit_code text, name text, organizer text, seats integer, placed integer,
               cx double precision, cy double precision, r double precision, colour text)
  LANGUAGE sql STABLE
  AS $$
  SELECT p.unit_id, p.unit_code, p.name, p.organizer, p.seats, p.placed,
         p.x - x0, y1 - p.y,
         greatest(rmax * sqrt(p.seats::double precision / max_seats), fs * 0.6),
         skolval._hsl_hex(210 + (row_number() OVER (ORDER BY p.unit_id) - 1) * 137.508, 0.7, 0.42)
    FROM skolval._map_unit_points(_map_units.run_id) p
$$;

CREATE OR REPLACE FUNCTION skolval.placement_map_svg(run_id bigint, child_id bigint DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.placement_run;
  hd record;
  muni text;
  nid bigint;
  bx record;
  x0 double precision;
  y1 double precision;
  w double precision;
  h double precision;
  pad double precision;
  fs double precision;
  rmax double precision;
  legend_h double precision;
  max_seats integer;
  n_shown integer;
  n_hidden integer;
  rt record;
  route_note text;
  rc record;
  legend xml;
  svg xml;
  fill_colours CONSTANT text[] := ARRAY['#1a9850', '#fee08b', '#fc8d59', '#d73027', '#bdbdbd'];
  fill_labels CONSTANT text[] := ARRAY['under 80 %', '80–94 %', '95–99 %', 'full', 'inga platser'];
BEGIN
  -- pinned without PostGIS (sql/operations/finish.sql): every geometry is read by the _map_*
  -- helpers above, and all the arithmetic of the drawing runs here, where no look-alike operator
  -- can be planted; "home" and "route" below are SVG class names.
  IF placement_map_svg.run_id IS NULL THEN
    RAISE EXCEPTION 'placement_map_svg(): run_id must not be NULL' USING ERRCODE = 'null_value_not_allowed',
      HINT = 'child_id may be NULL (the map of the whole round).';
  END IF;
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = placement_map_svg.run_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement run % does not exist', placement_map_svg.run_id USING ERRCODE = 'no_data_found';
  END IF;
  -- a published run is drawn from its record, on the network it was drawn on then
  SELECT * INTO hd FROM skolval._document_header('placement', run.run_id);
  muni := coalesce(nullif(btrim(hd.municipality_name), ''), skolval._document_municipality());
  nid := hd.network_id;
  IF nid IS NULL OR NOT EXISTS (SELECT 1 FROM skolval.network n WHERE n.network_id = nid) THEN
    nid := coalesce(skolval.active_network_id(), run.network_id);
  END IF;
  IF nid IS NULL THEN
    RAISE EXCEPTION 'no active network' USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  SELECT count(*) FILTER (WHERE m.x IS NOT NULL), count(*) FILTER (WHERE m.protected)
    INTO n_shown, n_hidden FROM skolval._map_home_points(run.run_id) m;

  -- The frame: the network, the units and the homes shown, with a margin; the legend below.
  SELECT * INTO bx FROM skolval._map_box(run.run_id, nid);
  w := bx.xmax - bx.xmin;
  h := bx.ymax - bx.ymin;
  pad := greatest(0.03 * greatest(w, h), 50);
  x0 := bx.xmin - pad;
  y1 := bx.ymax + pad;
  w := w + 2 * pad;
  h := h + 2 * pad;
  fs := greatest(w, h) / 80;

  -- One child's walking route, never for a child with protected identity (it starts at home).
  SELECT NULL::text AS d, NULL::double precision AS start_x, NULL::double precision AS start_y,
         NULL::double precision AS length_m INTO rt;
  IF placement_map_svg.child_id IS NOT NULL THEN
    SELECT p.child_id, p.unit_id, coalesce(k.protected, false) AS protected_identity, k.residence_id,
           EXISTS (SELECT 1 FROM skolval.document_record d WHERE d.kind = 'placement' AND d.run_id = run.run_id) AS recorded
      INTO rc
      FROM skolval.placement p
      LEFT JOIN skolval._document_children('placement', run.run_id, placement_map_svg.child_id) k ON k.child_id = p.child_id
     WHERE p.run_id = run.run_id AND p.child_id = placement_map_svg.child_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'child % is not placed in placement run %', placement_map_svg.child_id, run.run_id
        USING ERRCODE = 'no_data_found';
    END IF;
    IF rc.protected_identity THEN
      route_note := pg_catalog.format('Gångvägen för barn-id %s visas inte: barnet har skyddad identitet.', rc.child_id);
    ELSE
      SELECT * INTO rt FROM skolval._map_route('placement', run.run_id, rc.child_id, rc.unit_id, rc.residence_id, nid,
                                                rc.recorded, x0, y1);
      route_note := pg_catalog.format('Svart linje: gångvägen för barn-id %s från hemmet (vit ring) till %s, %s.', rc.child_id,
                                      (SELECT u.name FROM skolval._document_units('placement', run.run_id) u WHERE u.unit_id = rc.unit_id),
                                      skolval.criterion_value_sv('distance', rt.length_m));
    END IF;
  END IF;
  legend_h := fs * (9.2 + CASE WHEN route_note IS NULL THEN 0 ELSE 1.5 END);
  SELECT greatest(max(pu.seats), 1) INTO max_seats FROM skolval.placement_unit pu WHERE pu.run_id = run.run_id;
  rmax := greatest(w, h) / 55;

  -- The legend, under the map.
  legend := xmlelement(name g, xmlattributes('legend' AS class),
    xmlelement(name rect, xmlattributes('legend-box' AS class, 0 AS x, round(h::numeric, 1) AS y,
                                        round(w::numeric, 1) AS width, round(legend_h::numeric, 1) AS height)),
    xmlelement(name text, xmlattributes('legend-title' AS class, round(fs::numeric, 1) AS x,
                                        round((h + fs * 1.8)::numeric, 1) AS y, round((fs * 1.2)::numeric, 1) AS "font-size"),
               pg_catalog.format('%s – %s, placering %s (%s)', muni, hd.round_name, run.run_id,
                                 CASE WHEN run.status = 'published' THEN 'publicerad' WHEN run.what_if THEN 'jämförelse' ELSE 'utkast' END)),
    xmlelement(name text, xmlattributes(round(fs::numeric, 1) AS x, round((h + fs * 3.5)::numeric, 1) AS y,
                                        round(fs::numeric, 1) AS "font-size"),
               'Skolor: cirkelns yta visar antalet platser i omgången; fyllningen hur många av platserna som fått ett barn:'),
    (SELECT xmlagg(xmlconcat(
              xmlelement(name rect, xmlattributes('swatch' AS class, round((fs * (1.2 + 9 * (i - 1)))::numeric, 1) AS x,
                                                  round((h + fs * 4.4)::numeric, 1) AS y,
                                                  round(fs::numeric, 1) AS width, round(fs::numeric, 1) AS height,
                                                  fill_colours[i] AS fill)),
              xmlelement(name text, xmlattributes(round((fs * (2.7 + 9 * (i - 1)))::numeric, 1) AS x,
                                                  round((h + fs * 5.25)::numeric, 1) AS y, round(fs::numeric, 1) AS "font-size"),
                         fill_labels[i])) ORDER BY i)
       FROM generate_series(1, 5) i),
    xmlelement(name text, xmlattributes(round(fs::numeric, 1) AS x, round((h + fs * 7.0)::numeric, 1) AS y,
                                        round(fs::numeric, 1) AS "font-size"),
               'Punkterna är barnens hem, i samma färg som ringen runt skolan där barnet har placerats.'),
    xmlelement(name text, xmlattributes('legend-homes' AS class, round(fs::numeric, 1) AS x, round((h + fs * 8.5)::numeric, 1) AS y,
                                        round(fs::numeric, 1) AS "font-size", n_shown AS "data-homes-shown", n_hidden AS "data-homes-hidden"),
               pg_catalog.format('Hem som visas: %s. Barn med skyddad identitet (visas inte): %s.', n_shown, n_hidden)),
    CASE WHEN route_note IS NOT NULL THEN
      xmlelement(name text, xmlattributes('legend-route' AS class, round(fs::numeric, 1) AS x, round((h + fs * 10.0)::numeric, 1) AS y,
                                          round(fs::numeric, 1) AS "font-size"), route_note) END);

  svg := xmlelement(name svg,
    xmlattributes('http://www.w3.org/2000/svg' AS xmlns, '1.1' AS version,
                  pg_catalog.format('0 0 %s %s', round(w::numeric, 1), round((h + legend_h)::numeric, 1)) AS "viewBox",
                  1200 AS width, round(1200 * (h + legend_h) / w) AS height),
    xmlelement(name title, pg_catalog.format('%s: placering %s, %s', hd.round_name, run.run_id, muni)),
    xmlelement(name style, pg_catalog.format(
      'text{font-family:"DejaVu Sans",sans-serif;fill:#222}'
      '.network{fill:none;stroke:#a8a8a8;stroke-width:%1$s;stroke-linecap:round;stroke-linejoin:round}'
      '.major{stroke:#787878;stroke-width:%2$s}'
      '.river{fill:none;stroke:#9cc3ea;stroke-width:%3$s;stroke-linecap:round}'
      '.railway{fill:none;stroke:#444;stroke-width:%1$s;stroke-dasharray:%4$s}'
      '.home{stroke:#fff;stroke-width:%1$s}'
      '.unit{stroke-width:%5$s}'
      '.unit-label{font-weight:bold;stroke:#fff;stroke-width:%6$s;paint-order:stroke}'
      '.route{fill:none;stroke:#111;stroke-width:%7$s;stroke-linecap:round;stroke-linejoin:round}'
      '.route-casing{fill:none;stroke:#fff;stroke-width:%8$s;stroke-linecap:round;stroke-linejoin:round}'
      '.route-home{fill:#fff;stroke:#111;stroke-width:%5$s}'
      '.legend-box{fill:#fff;stroke:#888;stroke-width:%1$s}'
      '.legend-title{font-weight:bold}'
      '.swatch{stroke:#555;stroke-width:%1$s}',
      round((fs / 12)::numeric, 2), round((fs / 6)::numeric, 2), round((fs / 1.2)::numeric, 2), round(fs::numeric, 1),
      round((fs / 2.5)::numeric, 2), round((fs / 4)::numeric, 2), round((fs / 2)::numeric, 2), round(fs::numeric, 2))),
    xmlelement(name rect, xmlattributes('background' AS class, 0 AS x, 0 AS y, round(w::numeric, 1) AS width,
                                        round(h::numeric, 1) AS height, '#fcfcfa' AS fill)),
    -- demo background: the river and the railway of a generated network
    (SELECT xmlagg(xmlelement(name path, xmlattributes(q.class AS class, q.d AS d)) ORDER BY q.class DESC)
       FROM skolval._map_paths(nid, x0, y1) q WHERE q.layer = 1),
    (SELECT xmlagg(xmlelement(name path, xmlattributes(q.class AS class, q.d AS d)) ORDER BY q.class = 'network major')
       FROM skolval._map_paths(nid, x0, y1) q WHERE q.layer = 2),
    xmlelement(name g, xmlattributes('homes' AS class),
      (SELECT xmlagg(xmlelement(name circle, xmlattributes('home' AS class,
                       round((m.x - x0)::numeric, 1) AS cx, round((y1 - m.y)::numeric, 1) AS cy,
                       round((fs / 2.6)::numeric, 1) AS r, uc.colour AS fill, m.unit_id AS "data-unit")) ORDER BY m.child_id)
         FROM skolval._map_home_points(run.run_id) m
         JOIN (SELECT pu.unit_id, skolval._hsl_hex(210 + (row_number() OVER (ORDER BY pu.unit_id) - 1) * 137.508, 0.7, 0.42) AS colour
                 FROM skolval.placement_unit pu WHERE pu.run_id = run.run_id) uc ON uc.unit_id = m.unit_id
        WHERE m.x IS NOT NULL)),
    -- the route: black on a white casing, with a ring at the home it starts from
    CASE WHEN rt.d IS NOT NULL THEN
      xmlconcat(
        xmlelement(name path, xmlattributes('route-casing' AS class, rt.d AS d)),
        xmlelement(name path, xmlattributes('route' AS class, rt.d AS d)),
        xmlelement(name circle, xmlattributes('route-home' AS class,
                     round((rt.start_x - x0)::numeric, 1) AS cx,
                     round((y1 - rt.start_y)::numeric, 1) AS cy, round((fs * 0.7)::numeric, 1) AS r))) END,
    -- exactly one symbol per unit: circle.unit with id unit-<unit_id>; the labels come after
    -- all of them so that no circle covers a name
    xmlelement(name g, xmlattributes('units' AS class),
      (SELECT xmlagg(xmlelement(name circle, xmlattributes('unit' AS class, 'unit-' || v.unit_id AS id,
                       v.unit_code AS "data-code", v.seats AS "data-seats", v.placed AS "data-placed",
                       round(v.cx::numeric, 1) AS cx, round(v.cy::numeric, 1) AS cy, round(v.r::numeric, 1) AS r,
                       fill_colours[skolval._fill_class(v.placed, v.seats)] AS fill, v.colour AS stroke),
                     xmlelement(name title, pg_catalog.format('%s (%s): %s platser, %s placerade', v.name,
                                                              CASE v.organizer WHEN 'municipal' THEN 'kommunal' ELSE 'fristående' END,
                                                              v.seats, v.placed))) ORDER BY v.seats DESC, v.unit_id)
         FROM skolval._map_units(run.run_id, x0, y1, rmax, fs, max_seats) v)),
    xmlelement(name g, xmlattributes('unit-labels' AS class),
      (SELECT xmlagg(xmlelement(name text, xmlattributes('unit-label' AS class,
                       round((CASE WHEN v.cx > 0.8 * w THEN v.cx - v.r - fs * 0.3 ELSE v.cx + v.r + fs * 0.3 END)::numeric, 1) AS x,
                       round((v.cy + fs * 0.3)::numeric, 1) AS y, round((fs * 0.9)::numeric, 1) AS "font-size",
                       CASE WHEN v.cx > 0.8 * w THEN 'end' ELSE 'start' END AS "text-anchor"),
                     pg_catalog.format('%s %s/%s', v.name, v.placed, v.seats)) ORDER BY v.unit_id)
         FROM skolval._map_units(run.run_id, x0, y1, rmax, fs, max_seats) v)),
    legend);
  RETURN '<?xml version="1.0" encoding="UTF-8"?>' || E'\n' || svg::text || E'\n';
END $$;
COMMENT ON FUNCTION skolval.placement_map_svg(bigint, bigint) IS
  'A map of a placement run as SVG: the path network of the active network, every unit as one circle (class "unit", id "unit-<unit_id>") whose area shows its seats and whose fill its fill ratio, the homes coloured like the ring of the unit each child was placed at, and optionally one child''s walking route (skolval.route()). Homes and routes of children with protected identity are never drawn; the legend counts them';

-- ---------------------------------------------------------------------------------------
-- Payment statements (PDF), one per independent unit and month
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.amount_sv(amount numeric) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE WHEN round(amount, 2) < 0 THEN '-' ELSE '' END
               || replace(regexp_replace(to_char(abs(round(amount, 2)), 'FM999999999999990.00'),
                                         '(\d)(?=(\d{3})+\.)', '\1 ', 'g'), '.', ',');
COMMENT ON FUNCTION skolval.amount_sv(numeric) IS
  'An amount in kronor as printed on statements: two decimals, decimal comma, spaces between thousands ("-1 234 567,50")';

CREATE OR REPLACE FUNCTION skolval.month_sv(month date) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN (ARRAY['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti',
                'september', 'oktober', 'november', 'december'])[extract(month FROM skolval._finite_date(month, 'month_sv()'))::int]
         || ' ' || extract(year FROM skolval._finite_date(month, 'month_sv()'))::int;
COMMENT ON FUNCTION skolval.month_sv(date) IS 'A month written out in Swedish, for example "mars 2027"';

CREATE OR REPLACE FUNCTION skolval.payment_status_sv(status text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE status WHEN 'draft' THEN 'utkast' WHEN 'approved' THEN 'godkänd' WHEN 'locked' THEN 'låst' END;
COMMENT ON FUNCTION skolval.payment_status_sv(text) IS 'A payment run''s status in Swedish: utkast (draft), godkänd (approved), låst (locked, paid)';

CREATE OR REPLACE FUNCTION skolval.payment_flag_sv(flag text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE flag
         WHEN 'parallel_placement' THEN 'placerad på flera enheter'
         WHEN 'overlapping_enrollment' THEN 'dubbel placering på enheten'
         WHEN 'no_residence' THEN 'ingen folkbokföring'
         WHEN 'resident_elsewhere' THEN 'folkbokförd i annan kommun'
         WHEN 'missing_address' THEN 'adress saknas'
         WHEN 'address_changed' THEN 'flyttat under månaden'
         WHEN 'no_category' THEN 'ingen ersättningskategori'
         WHEN 'ambiguous_category' THEN 'flera ersättningskategorier'
         WHEN 'no_rate' THEN 'belopp saknas för kategorin'
         WHEN 'no_district' THEN 'kommundel saknas'
         WHEN 'no_account' THEN 'konto saknas'
         WHEN 'supplement_without_enrollment' THEN 'tilläggsbelopp utan placering'
         WHEN 'owed' THEN 'tillgodo'
         WHEN 'reclaim' THEN 'återkrav'
         ELSE flag END;
COMMENT ON FUNCTION skolval.payment_flag_sv(text) IS 'A payment row flag (an issue that touches the row) in Swedish, for statements and files';

-- The run and the unit of a statement, or a clear error.
CREATE OR REPLACE FUNCTION skolval._statement_check(run_id bigint, unit_id bigint) RETURNS skolval.payment_run
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.payment_run;
BEGIN
  IF _statement_check.run_id IS NULL OR _statement_check.unit_id IS NULL THEN
    RAISE EXCEPTION '% must not be NULL', CASE WHEN _statement_check.run_id IS NULL THEN 'run_id' ELSE 'unit_id' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO run FROM skolval.payment_run x WHERE x.run_id = _statement_check.run_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'payment run % does not exist', _statement_check.run_id USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM skolval.payment_row pr WHERE pr.run_id = run.run_id AND pr.unit_id = _statement_check.unit_id) THEN
    RAISE EXCEPTION 'unit % has no rows in payment run %', _statement_check.unit_id, run.run_id
      USING ERRCODE = 'no_data_found',
            HINT = 'skolval.payment_statements(run_id) makes the statements of every unit with rows.';
  END IF;
  RETURN run;
END $$;

CREATE OR REPLACE FUNCTION skolval.payment_statement_categories(run_id bigint, unit_id bigint)
RETURNS TABLE (sort_order integer, category text, children bigint, base numeric, premises numeric,
               admin numeric, vat numeric, amount numeric, kind text)
LANGUAGE sql STABLE STRICT AS $$
  SELECT min(coalesce(c.sort_order, 1000000) + CASE WHEN pr.kind = 'supplement' THEN 2000000 ELSE 0 END)::integer,
         pr.category_name, count(DISTINCT pr.child_id),
         sum(pr.base), sum(pr.premises), sum(pr.admin), sum(pr.vat), sum(pr.amount), pr.kind::pg_catalog.text
    FROM skolval.payment_row pr
    LEFT JOIN skolval._document_category_order(payment_statement_categories.run_id) c ON c.category_code = pr.category_code
   WHERE pr.run_id = payment_statement_categories.run_id AND pr.unit_id = payment_statement_categories.unit_id
     AND pr.corrects_month IS NULL AND NOT pr.held
   GROUP BY pr.kind, pr.category_name
   ORDER BY 1, pr.category_name COLLATE skolval.sv_se
$$;
COMMENT ON FUNCTION skolval.payment_statement_categories(bigint, bigint) IS
  'A statement''s table per category: for the run''s own month (not corrections, not held rows) the children counted and the amounts (base, premises, administration, VAT, total) of one unit, and the kind of row (grant or supplement); supplements (Tilläggsbelopp) last';

CREATE OR REPLACE FUNCTION skolval.payment_statement_children(run_id bigint, unit_id bigint)
RETURNS TABLE (section text, corrects_month date, name text, birth_date date, category text,
               children integer, amount numeric, note text)
LANGUAGE sql STABLE STRICT AS $$
  WITH r AS (
    SELECT CASE WHEN pr.held THEN 'held' WHEN pr.corrects_month IS NOT NULL THEN 'correction' ELSE 'month' END AS section,
           pr.corrects_month, pr.child_id, coalesce(c.protected, false) AS protected,
           nullif(btrim(concat_ws(', ', c.family_name, c.given_name)), '') AS name, c.birth_date,
           pr.category_name
             || CASE WHEN pr.days_in_month > 1 AND pr.days < pr.days_in_month
                     THEN pg_catalog.format(' (%s av %s dagar)', pr.days, pr.days_in_month) ELSE '' END AS category,
           pr.amount,
           -- a correction says why (payment_row.reason); a held row why it is held
           CASE WHEN pr.reason IS NOT NULL AND NOT pr.held THEN pr.reason
                ELSE (SELECT string_agg(skolval.payment_flag_sv(f), ', ' ORDER BY f) FROM unnest(pr.flags) f
                       WHERE pr.held OR f IN ('owed', 'reclaim')) END AS note,
           pr.kind, pr.row_no
      FROM skolval.payment_row pr
      LEFT JOIN skolval._document_children('payment', payment_statement_children.run_id) c ON c.child_id = pr.child_id
     WHERE pr.run_id = payment_statement_children.run_id AND pr.unit_id = payment_statement_children.unit_id)
  SELECT x.section, x.corrects_month, x.name, x.birth_date, x.category, x.children, x.amount, x.note
    FROM (SELECT r.section, r.corrects_month, coalesce(r.name, 'Barn-id ' || r.child_id) AS name, r.birth_date, r.category,
                 1 AS children, r.amount, r.note, 0 AS last, r.kind, r.row_no
            FROM r WHERE NOT r.protected
          UNION ALL
          -- children with protected identity: counted and paid, one line per section and month, never named
          SELECT r.section, r.corrects_month, 'Barn med skyddad identitet', NULL, NULL,
                 count(DISTINCT r.child_id)::integer, sum(r.amount), NULL, 1, NULL, NULL
            FROM r WHERE r.protected
           GROUP BY r.section, r.corrects_month) x
   ORDER BY CASE x.section WHEN 'month' THEN 1 WHEN 'correction' THEN 2 ELSE 3 END, x.corrects_month,
            x.last, x.name COLLATE skolval.sv_se, x.birth_date, x.kind, x.row_no
$$;
COMMENT ON FUNCTION skolval.payment_statement_children(bigint, bigint) IS
  'A statement''s list of individuals of one unit: section month (paid for the run''s month), correction (for an earlier month, corrects_month) or held (computed, not paid, with the reason). Children with protected identity are never named: they are one line "Barn med skyddad identitet" per section with their number and amount';

CREATE OR REPLACE FUNCTION skolval._statement_who(login text, acting name, at timestamptz) RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT login || CASE WHEN acting IS NOT NULL AND acting <> login THEN pg_catalog.format(' (som %s)', acting) ELSE '' END
               || coalesce(' ' || to_char(at, 'YYYY-MM-DD'), '') $$;
COMMENT ON FUNCTION skolval._statement_who(text, name, timestamptz) IS
  'Who did a step of a payment run, for its statement: the login role, "(som ROLE)" when the acting role differs, and the date; NULL when nobody did it yet';

CREATE OR REPLACE FUNCTION skolval.payment_statement_content(run_id bigint, unit_id bigint)
RETURNS TABLE (ord integer, part text, label text, body text, cells text[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.payment_run := skolval._statement_check(run_id, unit_id);
  u record;
  hdr record;
  muni text;
  month_text text;
  t record;
  n_month integer;
  n_protected integer;
  has_corrections boolean;
  has_held boolean;
BEGIN
  -- an approved or locked run's record: the unit, the children and the settings as they were
  SELECT * INTO hdr FROM skolval._document_header('payment', run.run_id);
  muni := coalesce(nullif(btrim(hdr.municipality_name), ''), skolval._document_municipality());
  SELECT * INTO u FROM skolval._document_units('payment', run.run_id) x WHERE x.unit_id = payment_statement_content.unit_id;
  month_text := skolval.month_sv(run.month);
  SELECT coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL), 0) AS month_amount,
         coalesce(sum(pr.base) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL AND pr.kind::pg_catalog.text <> 'supplement'), 0) AS base,
         coalesce(sum(pr.premises) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL AND pr.kind::pg_catalog.text <> 'supplement'), 0) AS premises,
         coalesce(sum(pr.admin) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL AND pr.kind::pg_catalog.text <> 'supplement'), 0) AS admin,
         coalesce(sum(pr.vat) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL AND pr.kind::pg_catalog.text <> 'supplement'), 0) AS vat,
         coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL AND pr.kind::pg_catalog.text = 'supplement'), 0) AS supplement,
         coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NOT NULL), 0) AS corrections,
         coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held), 0) AS to_pay,
         coalesce(sum(pr.amount) FILTER (WHERE pr.held), 0) AS held
    INTO t
    FROM skolval.payment_row pr WHERE pr.run_id = run.run_id AND pr.unit_id = u.unit_id;
  SELECT count(DISTINCT pr.child_id) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL),
         count(DISTINCT pr.child_id) FILTER (WHERE c.protected AND NOT pr.held AND pr.corrects_month IS NULL),
         bool_or(pr.corrects_month IS NOT NULL AND NOT pr.held), bool_or(pr.held)
    INTO n_month, n_protected, has_corrections, has_held
    FROM skolval.payment_row pr LEFT JOIN skolval._document_children('payment', run.run_id) c ON c.child_id = pr.child_id
   WHERE pr.run_id = run.run_id AND pr.unit_id = u.unit_id;

  RETURN QUERY
  WITH ch AS MATERIALIZED (
    SELECT c.*, CASE WHEN c.birth_date IS NULL AND c.children > 1
                     THEN c.name || pg_catalog.format(' (%s barn)', c.children) ELSE c.name END AS shown
      FROM skolval.payment_statement_children(run.run_id, u.unit_id)
           WITH ORDINALITY c(section, corrects_month, name, birth_date, category, children, amount, note, n))
  SELECT (row_number() OVER ())::integer, x.part, x.label, x.body, NULL::text[]
    FROM (VALUES
      ('sender', NULL, muni),
      ('sender_unit', NULL, hdr.board_name),
      ('doc_kind', NULL, 'BIDRAGSSPECIFIKATION'),
      ('date', NULL, 'Utbetalningsmånad ' || month_text),
      ('reference', NULL, pg_catalog.format('Utbetalningskörning %s, enhet %s', run.run_id, u.unit_code)),
      ('title', NULL, pg_catalog.format('Bidrag till %s, %s', u.name, month_text)),
      ('banner', NULL, CASE run.status WHEN 'draft' THEN 'UTKAST – underlaget är inte godkänt och har inte betalats ut' END),
      ('running_head', NULL, pg_catalog.format('%s · %s · körning %s', u.name, month_text, run.run_id)),
      ('footer', NULL, muni || ' · ' || hdr.board_name || ' · bidrag till fristående verksamhet')
    ) x(part, label, body)
   WHERE x.body IS NOT NULL
  UNION ALL
  SELECT (100 + o)::integer, 'fact', f.label, f.body, NULL
    FROM (VALUES
      (1, 'Enhet', pg_catalog.format('%s (enhetskod %s)', u.name, u.unit_code)),
      (2, 'Huvudman', u.organizer_name),
      (3, 'Månad', month_text),
      (4, CASE WHEN run.basis = 'per_day' THEN 'Beräkning' ELSE 'Räknedag' END,
          CASE WHEN run.basis = 'per_day' THEN 'dag för dag (varje dag med placering räknas)'
               ELSE skolval.date_sv(run.count_date) || ': barn som är placerade och folkbokförda i kommunen denna dag räknas' END),
      (5, 'Status', skolval.payment_status_sv(run.status)
                    || CASE run.status WHEN 'draft' THEN ' (inte godkänd, inte utbetald)'
                                       WHEN 'approved' THEN pg_catalog.format(' (attesterad %s)', run.approved_at::date)
                                       ELSE pg_catalog.format(' (utbetald, låst %s)', run.locked_at::date) END),
      (6, 'Att betala', skolval.amount_sv(t.to_pay) || ' kr'),
      -- Who did what (four eyes): the login role, and the acting role when it differs.
      (7, 'Beräknad av', skolval._statement_who(run.created_by, run.created_role, run.created_at)),
      (8, 'Attesterad av', skolval._statement_who(run.approved_by, run.approved_role, run.approved_at)
                           || coalesce(' (fyra ögon avstängt: ' || run.four_eyes_off_reason || ')', '')),
      (9, 'Låst av', skolval._statement_who(run.locked_by, run.locked_role, run.locked_at)),
      -- When it is paid (the payment day of the rules stored with the run).
      (10, 'Utbetalningsdag', skolval.date_sv(skolval._payment_pay_date(run.month, run.rules))),
      -- Who is paid: the organizers paid for the unit's rows, as recorded when the run was approved.
      (11, 'Betalas till',
           (SELECT pg_catalog.string_agg(p.name
                     || coalesce(', organisationsnummer ' || p.organization_number, ', organisationsnummer saknas')
                     || coalesce(', bankgiro ' || p.bankgiro, ', IBAN ' || p.iban, ', bankgiro och IBAN saknas')
                     || coalesce(', referens ' || p.payment_reference, '')
                     || CASE WHEN p.organization_number IS NULL OR (p.bankgiro IS NULL AND p.iban IS NULL)
                             THEN ' (beloppet innehålls tills uppgifterna finns)' ELSE '' END,
                     '; ' ORDER BY p.name COLLATE skolval.sv_se, p.organizer_id)
              FROM skolval._run_payees(run.run_id) p
             WHERE p.organizer_id IN (SELECT rp.organizer_id FROM skolval._payment_row_payees(run.run_id) rp
                                       WHERE rp.unit_id = u.unit_id)))
    ) f(o, label, body)
   WHERE f.body IS NOT NULL
  UNION ALL
  -- Per category, with a total row.
  -- Supplements (tilläggsbelopp) are amounts decided for a child, not grundbelopp: their own column.
  SELECT 200, 'table', 'Belopp per kategori', 'l21,r7,r14,r12,r11,r11,r11,r13',
         ARRAY['Kategori', 'Barn', 'Grundbelopp', 'Lokaler', 'Adm.', 'Moms', 'Tillägg', 'Summa']
  UNION ALL
  SELECT (200 + row_number() OVER (ORDER BY c.sort_order, c.category COLLATE skolval.sv_se))::integer, 'row', NULL, NULL,
         CASE WHEN c.kind = 'supplement'
              THEN ARRAY[c.category, c.children::text, '', '', '', '', skolval.amount_sv(c.amount), skolval.amount_sv(c.amount)]
              ELSE ARRAY[c.category, c.children::text, skolval.amount_sv(c.base), skolval.amount_sv(c.premises),
                         skolval.amount_sv(c.admin), skolval.amount_sv(c.vat), '', skolval.amount_sv(c.amount)] END
    FROM skolval.payment_statement_categories(run.run_id, u.unit_id) c
  UNION ALL
  SELECT 299, 'row', NULL, 'total',
         ARRAY[pg_catalog.format('Summa %s (varje barn en gång)', month_text), n_month::text, skolval.amount_sv(t.base), skolval.amount_sv(t.premises),
               skolval.amount_sv(t.admin), skolval.amount_sv(t.vat), skolval.amount_sv(t.supplement), skolval.amount_sv(t.month_amount)]
  UNION ALL
  -- The rates used: the yearly amounts of the run's stored rules for the categories on the statement.
  SELECT 5000, 'table', 'Belopp per år som använts', 'l40,r15,r15,r15,r15',
         ARRAY['Kategori', 'Grundbelopp', 'Lokaler', 'Adm. %', 'Moms %']
  UNION ALL
  SELECT (5000 + row_number() OVER (ORDER BY rt.category_code COLLATE skolval.sv_se, rt.valid_from))::integer, 'row', NULL, NULL,
         ARRAY[coalesce((SELECT c->>'name_sv' FROM jsonb_array_elements(run.rules->'categories') c WHERE c->>'category_code' = rt.category_code), rt.category_code)
               || CASE WHEN rt.valid_from > run.month OR rt.valid_to < (run.month + interval '1 month')::date - 1
                       THEN pg_catalog.format(' (%s–%s)', rt.valid_from, coalesce(rt.valid_to::text, '')) ELSE '' END,
               skolval.amount_sv(rt.base_annual), skolval.amount_sv(rt.premises_annual),
               skolval.amount_sv(rt.admin_pct), skolval.amount_sv(rt.vat_pct)]
    FROM jsonb_to_recordset(run.rules->'rates') AS rt(category_code text, valid_from date, valid_to date, base_annual numeric,
                                                       premises_annual numeric, admin_pct numeric, vat_pct numeric)
   WHERE rt.category_code IN (SELECT pr.category_code FROM skolval.payment_row pr
                                WHERE pr.run_id = run.run_id AND pr.unit_id = u.unit_id AND pr.corrects_month IS NULL)
     AND rt.valid_from <= (run.month + interval '1 month')::date - 1 AND (rt.valid_to IS NULL OR rt.valid_to >= run.month)
  UNION ALL
  -- The children of the month.
  SELECT 10000, 'table', pg_catalog.format('Barn som ersätts för %s', month_text), 'l38,r12,l32,r18',
         ARRAY['Namn', 'Född', 'Kategori', 'Belopp']
  UNION ALL
  SELECT (10000 + s.n)::integer, 'row', NULL, NULL,
         ARRAY[s.shown, coalesce(s.birth_date::text, ''), coalesce(s.category, ''), skolval.amount_sv(s.amount)]
    FROM ch s WHERE s.section = 'month'
  UNION ALL
  -- Corrections of earlier months, on their own.
  SELECT 100000, 'table', 'Korrigeringar för tidigare månader', 'l12,l32,r11,l29,r16',
         ARRAY['Avser', 'Namn', 'Född', 'Kategori', 'Belopp']
   WHERE has_corrections
  UNION ALL
  SELECT (100000 + s.n)::integer, 'row', NULL, NULL,
         ARRAY[to_char(s.corrects_month, 'YYYY-MM'), s.shown,
               coalesce(s.birth_date::text, ''), coalesce(s.category, '') || coalesce(' – ' || s.note, ''), skolval.amount_sv(s.amount)]
    FROM ch s WHERE s.section = 'correction'
  UNION ALL
  SELECT 199999, 'row', NULL, 'total', ARRAY['', 'Summa korrigeringar', '', '', skolval.amount_sv(t.corrections)]
   WHERE has_corrections
  UNION ALL
  -- Held rows: computed, not paid now.
  SELECT 200000, 'table', 'Innehålls (betalas inte nu)', 'l30,r11,l22,r13,l24',
         ARRAY['Namn', 'Född', 'Kategori', 'Belopp', 'Skäl']
   WHERE has_held
  UNION ALL
  SELECT (200000 + s.n)::integer, 'row', NULL, NULL,
         ARRAY[s.shown, coalesce(s.birth_date::text, ''),
               coalesce(s.category, '') || CASE WHEN s.corrects_month IS NOT NULL THEN ' (' || skolval.month_sv(s.corrects_month) || ')' ELSE '' END,
               skolval.amount_sv(s.amount), coalesce(s.note, '')]
    FROM ch s WHERE s.section = 'held'
  UNION ALL
  -- What is paid.
  SELECT 300000, 'table', 'Att betala', 'l70,r30', ARRAY['', 'Belopp']
  UNION ALL
  SELECT 300000 + o, 'row', NULL, st, ARRAY[l, v]
    FROM (VALUES
      (1, pg_catalog.format('Bidrag för %s (%s barn)', month_text, n_month), skolval.amount_sv(t.month_amount), NULL),
      (2, E'\u00A0\u00A0\u00A0varav grundbelopp och lokaler', skolval.amount_sv(t.base + t.premises), NULL),
      (3, E'\u00A0\u00A0\u00A0varav administration', skolval.amount_sv(t.admin), NULL),
      (4, E'\u00A0\u00A0\u00A0varav moms', skolval.amount_sv(t.vat), NULL),
      (5, E'\u00A0\u00A0\u00A0varav tilläggsbelopp', skolval.amount_sv(t.supplement), NULL),
      (6, 'Korrigeringar för tidigare månader', skolval.amount_sv(t.corrections), NULL),
      (7, 'Att betala', skolval.amount_sv(t.to_pay) || ' kr', 'total'),
      (8, 'Innehålls (betalas när felet är rättat)', skolval.amount_sv(t.held), NULL)
    ) v(o, l, v, st)
   WHERE (v.o <> 8 OR has_held) AND (v.o <> 5 OR t.supplement <> 0)
  UNION ALL
  SELECT 400000 + o, 'section', h, b, NULL
    FROM (VALUES
      (1, 'Så räknas bidraget',
          'Grundbelopp och lokaler är en tolftedel av årsbeloppet för barnets kategori. Administration är en procentsats av grundbelopp och lokaler, moms en procentsats av grundbelopp, lokaler och administration; beloppen för varje kategori finns i kommunens beslut om bidragsbelopp. Tilläggsbelopp betalas enligt särskilt beslut för ett barn. Ett barn kan räknas i flera kategorier, till exempel grundskola och fritidshem.'
          || CASE WHEN has_corrections THEN E'\nKorrigeringar gäller tidigare månader: ett positivt belopp har enheten tillgodo, ett negativt betalas tillbaka genom avdrag.' ELSE '' END),
      (2, 'Skyddad identitet',
          CASE WHEN n_protected > 0 OR EXISTS (SELECT 1 FROM ch s WHERE s.name = 'Barn med skyddad identitet' AND s.birth_date IS NULL)
               THEN 'Barn med skyddad identitet räknas och ersätts som andra barn men namnges inte i specifikationen.' END),
      (3, 'Frågor', 'Frågor om underlaget: ' || hdr.contact || '.')
    ) s(o, h, b)
   WHERE s.b IS NOT NULL
  ORDER BY 1;
END $$;
COMMENT ON FUNCTION skolval.payment_statement_content(bigint, bigint) IS
  'The content of a payment statement for one unit and the month of a payment run, part by part in print order: letterhead, facts (unit, organizer, month, count date, status, amount to pay), tables (amounts per category with a total, the children paid for, corrections for earlier months, held rows, what is paid) and explanations. Amounts are formatted with skolval.amount_sv(); children with protected identity are counted and paid but never named';

CREATE OR REPLACE FUNCTION skolval.payment_statement(run_id bigint, unit_id bigint) RETURNS bytea
  LANGUAGE c STRICT VOLATILE
  AS 'MODULE_PATHNAME', 'skolval_payment_statement';
COMMENT ON FUNCTION skolval.payment_statement(bigint, bigint) IS
  'The payment statement (bidragsspecifikation) of one unit for the month of a payment run as a PDF: skolval.payment_statement_content() laid out with libharu, DejaVu Sans embedded';

CREATE OR REPLACE FUNCTION skolval.payment_statements(run_id bigint)
RETURNS TABLE (unit_id bigint, unit_code text, filename text, pdf bytea)
  LANGUAGE sql VOLATILE STRICT
  AS $$
  SELECT u.unit_id, u.unit_code,
         pg_catalog.format('bidrag-%s-%s.pdf', to_char(r.month, 'YYYY-MM'),
                           regexp_replace(u.unit_code, '[^A-Za-z0-9_-]', '_', 'g')),
         skolval.payment_statement(r.run_id, u.unit_id)
    FROM skolval.payment_run r
    CROSS JOIN LATERAL skolval._document_units('payment', r.run_id) u
   WHERE r.run_id = payment_statements.run_id
   ORDER BY u.unit_code
$$;
COMMENT ON FUNCTION skolval.payment_statements(bigint) IS
  'The payment statements of every unit with rows in a payment run, with a file name bidrag-YYYY-MM-<unit code>.pdf';

-- ---------------------------------------------------------------------------------------
-- The payment file (XLSX)
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.payment_file_rows(run_id bigint)
RETURNS TABLE ("Rad" integer, "Månad" date, "Avser månad" date, "Enhetskod" text, "Enhet" text, "Huvudman" text,
               "Barn-id" bigint, "Typ" text, "Kategorikod" text, "Kategori" text,
               "Räknedag" date, "Dagar" integer, "Grundbelopp" numeric, "Lokaler" numeric, "Administration" numeric,
               "Moms" numeric, "Belopp" numeric, "Förvaltning" text, "Konto" text, "Innehålls" text, "Anmärkning" text)
LANGUAGE sql STABLE STRICT AS $$
  SELECT pr.row_no, r.month, pr.corrects_month, u.unit_code, u.name, u.organizer_name,
         pr.child_id,
         CASE pr.kind WHEN 'grant' THEN 'grundbelopp' ELSE 'tilläggsbelopp' END,
         pr.category_code, pr.category_name, pr.count_date,
         CASE WHEN pr.days_in_month > 1 THEN pr.days::integer END,
         pr.base, pr.premises, pr.admin, pr.vat, pr.amount, pr.administration, pr.account,
         CASE WHEN pr.held THEN 'ja' ELSE 'nej' END,
         (SELECT string_agg(skolval.payment_flag_sv(f), ', ' ORDER BY f) FROM unnest(pr.flags) f)
    FROM skolval.payment_row pr
    JOIN skolval.payment_run r ON r.run_id = pr.run_id
    LEFT JOIN skolval._document_units('payment', payment_file_rows.run_id) u ON u.unit_id = pr.unit_id
   WHERE pr.run_id = payment_file_rows.run_id
   ORDER BY pr.row_no
$$;
COMMENT ON FUNCTION skolval.payment_file_rows(bigint) IS
  'Sheet "Rader" of the payment file: every row of a payment run (held rows and corrections included, marked), one column per field. Children are named by their child id only: the finance office needs no names or birth dates (the unit''s statement names them)';

CREATE OR REPLACE FUNCTION skolval.payment_file_units(run_id bigint)
RETURNS TABLE ("Enhetskod" text, "Enhet" text, "Huvudman" text, "Betalningsmottagare" text, "Organisationsnummer" text,
               "Barn" bigint, "Grundbelopp" numeric,
               "Lokaler" numeric, "Administration" numeric, "Moms" numeric, "Bidrag för månaden" numeric,
               "Korrigeringar" numeric, "Att betala" numeric, "Innehålls" numeric)
LANGUAGE sql STABLE STRICT AS $$
  WITH per_unit AS (
    SELECT pr.unit_id AS uid, u.unit_code, u.name, u.organizer_name,
           count(DISTINCT pr.child_id) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL) AS children,
           coalesce(sum(pr.base) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL), 0) AS base,
           coalesce(sum(pr.premises) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL), 0) AS premises,
           coalesce(sum(pr.admin) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL), 0) AS admin,
           coalesce(sum(pr.vat) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL), 0) AS vat,
           coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL), 0) AS month_amount,
           coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NOT NULL), 0) AS corrections,
           coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held), 0) AS to_pay,
           coalesce(sum(pr.amount) FILTER (WHERE pr.held), 0) AS held
      FROM skolval.payment_row pr
      LEFT JOIN skolval._document_units('payment', payment_file_units.run_id) u ON u.unit_id = pr.unit_id
     WHERE pr.run_id = payment_file_units.run_id
     GROUP BY pr.unit_id, u.unit_code, u.name, u.organizer_name)
  SELECT * FROM (
    SELECT p.unit_code, p.name, p.organizer_name, pay.payees, pay.numbers, p.children, p.base, p.premises, p.admin, p.vat,
           p.month_amount, p.corrections, p.to_pay, p.held
      FROM per_unit p
      LEFT JOIN LATERAL (
        SELECT pg_catalog.string_agg(o.name, '; ' ORDER BY o.name COLLATE skolval.sv_se, o.organizer_id) AS payees,
               pg_catalog.string_agg(coalesce(o.organization_number, 'saknas'), '; ' ORDER BY o.name COLLATE skolval.sv_se, o.organizer_id) AS numbers
          FROM skolval._run_payees(payment_file_units.run_id) o
         WHERE o.organizer_id IN (SELECT rp.organizer_id FROM skolval._payment_row_payees(payment_file_units.run_id) rp
                                  WHERE rp.unit_id = p.uid)) pay ON true
    UNION ALL
    SELECT 'Summa', NULL, NULL, NULL, NULL,
           (SELECT count(DISTINCT pr.child_id) FROM skolval.payment_row pr
             WHERE pr.run_id = payment_file_units.run_id AND NOT pr.held AND pr.corrects_month IS NULL),
           coalesce(sum(p.base), 0), coalesce(sum(p.premises), 0), coalesce(sum(p.admin), 0), coalesce(sum(p.vat), 0),
           coalesce(sum(p.month_amount), 0), coalesce(sum(p.corrections), 0), coalesce(sum(p.to_pay), 0), coalesce(sum(p.held), 0)
      FROM per_unit p) x
  ORDER BY x.unit_code = 'Summa' AND x.name IS NULL, x.unit_code
$$;
COMMENT ON FUNCTION skolval.payment_file_units(bigint) IS
  'Sheet "Per enhet" of the payment file: per unit its payee(s) and organisation number(s) (as recorded with an approved run), the children and amounts of the month (not held), corrections, the amount to pay and the amount held, and a last row "Summa" (the run''s total to pay equals payment_run.amount)';

CREATE OR REPLACE FUNCTION skolval.payment_file_payees(run_id bigint)
RETURNS TABLE ("Betalningsdag" date, "Betalningsmottagare" text, "Organisationsnummer" text, "Bankgiro" text,
               "IBAN" text, "Referens" text, "Enheter" text, "Att betala" numeric, "Varav korrigeringar" numeric,
               "Innehålls" numeric, "Fel" text)
LANGUAGE sql STABLE STRICT AS $$
  SELECT p.payment_date, p.payee, p.organization_number, p.bankgiro, p.iban, p.payment_reference, p.units,
         p.amount, p.corrections, p.held_amount, p.problem
    FROM skolval.payment_run r
    CROSS JOIN LATERAL skolval.payment_payees(r.run_id) p
   WHERE r.run_id = payment_file_payees.run_id AND r.status::pg_catalog.text <> 'draft'
$$;
COMMENT ON FUNCTION skolval.payment_file_payees(bigint) IS
  'Sheet "Betalningar" of the payment file: one line per payee of an approved or locked run (skolval.payment_payees()): payment date, payee, organisation number, bankgiro or IBAN, reference, units, amount to pay, corrections, held amount and why. Empty for a draft, which is not paid';

CREATE OR REPLACE FUNCTION skolval.payment_file_administrations(run_id bigint)
RETURNS TABLE ("Förvaltning" text, "Konto" text, "Skolform" text, "Barn" bigint, "Rader" bigint,
               "Grundbelopp" numeric, "Lokaler" numeric, "Administration" numeric, "Moms" numeric, "Belopp" numeric)
LANGUAGE sql STABLE STRICT AS $$
  WITH per_adm AS (
    SELECT coalesce(pr.administration, '(ingen förvaltning)') AS administration, pr.account,
           CASE pr.school_form WHEN 'forskola' THEN 'förskola' WHEN 'forskoleklass' THEN 'förskoleklass'
                               ELSE pr.school_form END AS school_form,
           count(DISTINCT pr.child_id) AS children, count(*) AS rows,
           sum(pr.base) AS base, sum(pr.premises) AS premises, sum(pr.admin) AS admin, sum(pr.vat) AS vat,
           sum(pr.amount) AS amount
      FROM skolval.payment_row pr
     WHERE pr.run_id = payment_file_administrations.run_id AND NOT pr.held
     GROUP BY 1, 2, 3)
  SELECT * FROM (
    SELECT p.administration, p.account, p.school_form, p.children, p.rows, p.base, p.premises, p.admin, p.vat, p.amount
      FROM per_adm p
    UNION ALL
    SELECT 'Summa', NULL, NULL,
           (SELECT count(DISTINCT pr.child_id) FROM skolval.payment_row pr
             WHERE pr.run_id = payment_file_administrations.run_id AND NOT pr.held),
           coalesce(sum(p.rows), 0)::bigint, coalesce(sum(p.base), 0), coalesce(sum(p.premises), 0),
           coalesce(sum(p.admin), 0), coalesce(sum(p.vat), 0), coalesce(sum(p.amount), 0)
      FROM per_adm p) x
  ORDER BY x.administration = 'Summa' AND x.account IS NULL, x.administration COLLATE skolval.sv_se, x.account, x.school_form
$$;
COMMENT ON FUNCTION skolval.payment_file_administrations(bigint) IS
  'Sheet "Per förvaltning" of the payment file: the paid rows (corrections included, held rows not) per administration (förvaltning), account and school form, and a last row "Summa"';

CREATE OR REPLACE FUNCTION skolval.payment_xlsx(run_id bigint) RETURNS bytea
  LANGUAGE c STRICT VOLATILE
  AS 'MODULE_PATHNAME', 'skolval_payment_xlsx';
COMMENT ON FUNCTION skolval.payment_xlsx(bigint) IS
  'The payment file of a run as XLSX (libxlsxwriter): sheets "Betalningar" (skolval.payment_file_payees()), "Rader" (payment_file_rows()), "Per enhet" (payment_file_units()) and "Per förvaltning" (payment_file_administrations()); numbers as numbers with "#,##0.00" formats, dates as dates, totals as stored values (no formulas). Written to a private temporary directory and always removed';

-- ---------------------------------------------------------------------------------------
-- The IKE invoice basis (interkommunal ersättning): a PDF per home municipality and an XLSX of
-- the month (issue 14 item 10). From skolval.ike_basis(): the children registered in another
-- municipality and placed at units in ours on the month's count date, by the agreed price list.
-- A child with protected identity is invoiced but never named: child id only.
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.ike_file_children(month date)
RETURNS TABLE ("Månad" date, "Räknedag" date, "Hemkommun" text, "Barn-id" bigint, "Personnummer" text,
               "Enhetskod" text, "Enhet" text, "Skolform" text, "Årskurs" smallint, "Kategorikod" text,
               "Kategori" text, "Pris per år" numeric, "Belopp" numeric, "Fel" text)
LANGUAGE sql STABLE STRICT AS $$
  SELECT b.month, b.count_date, b.home_municipality, b.child_id,
         CASE WHEN c.protected_identity THEN 'skyddad identitet' ELSE skolval.personal_number_display(c.personal_number) END,
         b.unit_code, b.unit_name, b.school_form, b.grade, b.category_code, b.category_name, b.annual_amount,
         CASE WHEN b.problem IS NULL THEN b.amount END, b.problem
    FROM skolval.ike_basis(ike_file_children.month) b
    LEFT JOIN skolval.child c ON c.child_id = b.child_id
   ORDER BY b.home_municipality, b.unit_code COLLATE skolval.sv_se, b.child_id
$$;
COMMENT ON FUNCTION skolval.ike_file_children(date) IS
  'Sheet "Barn" of the IKE workbook: per child registered elsewhere and placed here on the count date, its home municipality, personal number (the home municipality checks it; "skyddad identitet" instead for a protected child), unit, category, price and amount; Fel says why a child cannot be invoiced (no amount then)';

CREATE OR REPLACE FUNCTION skolval.ike_file_municipalities(month date)
RETURNS TABLE ("Hemkommun" text, "Kategorikod" text, "Kategori" text, "Barn" bigint, "Belopp" numeric,
               "Kan inte faktureras" bigint)
LANGUAGE sql STABLE STRICT AS $$
  WITH b AS (SELECT * FROM skolval.ike_basis(ike_file_municipalities.month)),
  g AS (
    SELECT b.home_municipality, b.category_code, b.category_name,
           count(*) FILTER (WHERE b.problem IS NULL) AS children,
           coalesce(sum(b.amount) FILTER (WHERE b.problem IS NULL), 0) AS amount,
           count(*) FILTER (WHERE b.problem IS NOT NULL) AS problems
      FROM b GROUP BY 1, 2, 3)
  SELECT x.home_municipality, x.category_code, x.category_name, x.children, x.amount, x.problems FROM (
    SELECT g.*, 0 AS last FROM g
    UNION ALL
    SELECT 'Summa', NULL, NULL, coalesce(sum(g.children), 0)::bigint, coalesce(sum(g.amount), 0),
           coalesce(sum(g.problems), 0)::bigint, 1 FROM g) x
  ORDER BY x.last, x.home_municipality, x.category_code COLLATE skolval.sv_se
$$;
COMMENT ON FUNCTION skolval.ike_file_municipalities(date) IS
  'Sheet "Per kommun" of the IKE workbook: per home municipality and category the children invoiced and the amount, the children that cannot be invoiced (no category or price), and a last row "Summa"';

CREATE OR REPLACE FUNCTION skolval.ike_xlsx(month date) RETURNS bytea
  LANGUAGE c STRICT VOLATILE
  AS 'MODULE_PATHNAME', 'skolval_ike_xlsx';
COMMENT ON FUNCTION skolval.ike_xlsx(date) IS
  'The IKE basis of a month as XLSX (libxlsxwriter): sheets "Per kommun" (skolval.ike_file_municipalities()) and "Barn" (ike_file_children()); the same data gives the same bytes';

CREATE OR REPLACE FUNCTION skolval.ike_invoice_content(month date, home_municipality text)
RETURNS TABLE (ord integer, part text, label text, body text, cells text[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
  s record;
  muni text;
  m date;
  cd date;
  month_text text;
  n_children integer;
  n_protected integer;
  total numeric;
  n_problems integer;
BEGIN
  IF ike_invoice_content.month IS NULL OR ike_invoice_content.home_municipality IS NULL THEN
    RAISE EXCEPTION 'ike_invoice_content(): % must not be NULL',
                    CASE WHEN ike_invoice_content.month IS NULL THEN 'month' ELSE 'home_municipality' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF ike_invoice_content.home_municipality !~ '^[0-9]{4}$' THEN
    RAISE EXCEPTION 'ike_invoice_content(): home_municipality must be a four-digit municipality code, not %',
                    pg_catalog.quote_literal(ike_invoice_content.home_municipality)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO s FROM skolval.document_setup();
  muni := skolval._document_municipality();
  m := skolval._payment_month(ike_invoice_content.month);
  cd := skolval.payment_count_date(m);
  month_text := skolval.month_sv(m);
  SELECT count(DISTINCT b.child_id) FILTER (WHERE b.problem IS NULL),
         count(DISTINCT b.child_id) FILTER (WHERE b.problem IS NULL AND c.protected_identity),
         coalesce(sum(b.amount) FILTER (WHERE b.problem IS NULL), 0), count(*) FILTER (WHERE b.problem IS NOT NULL)
    INTO n_children, n_protected, total, n_problems
    FROM skolval.ike_basis(m) b LEFT JOIN skolval.child c ON c.child_id = b.child_id
   WHERE b.home_municipality = ike_invoice_content.home_municipality;

  RETURN QUERY
  WITH b AS MATERIALIZED (
    SELECT x.*, coalesce(c.protected_identity, false) AS protected, c.personal_number, c.given_name, c.family_name
      FROM skolval.ike_basis(m) x LEFT JOIN skolval.child c ON c.child_id = x.child_id
     WHERE x.home_municipality = ike_invoice_content.home_municipality)
  SELECT (row_number() OVER ())::integer, x.part, x.label, x.body, NULL::text[]
    FROM (VALUES
      ('sender', NULL, muni),
      ('sender_unit', NULL, s.board_name),
      ('doc_kind', NULL, 'FAKTURAUNDERLAG'),
      ('date', NULL, 'Interkommunal ersättning ' || month_text),
      ('reference', NULL, pg_catalog.format('Hemkommun %s, räknedag %s', ike_invoice_content.home_municipality, cd)),
      ('title', NULL, pg_catalog.format('Interkommunal ersättning från kommun %s, %s', ike_invoice_content.home_municipality, month_text)),
      ('running_head', NULL, pg_catalog.format('IKE %s · kommun %s', month_text, ike_invoice_content.home_municipality)),
      ('footer', NULL, muni || ' · ' || s.board_name || ' · interkommunal ersättning (IKE)')
    ) x(part, label, body)
   WHERE x.body IS NOT NULL
  UNION ALL
  SELECT (100 + f.o)::integer, 'fact', f.label, f.body, NULL
    FROM (VALUES
      (1, 'Hemkommun', 'Kommunkod ' || ike_invoice_content.home_municipality),
      (2, 'Månad', month_text),
      (3, 'Räknedag', skolval.date_sv(cd) || ': barn som är folkbokförda i hemkommunen och placerade hos oss denna dag'),
      (4, 'Barn', n_children::text),
      (5, 'Att fakturera', skolval.amount_sv(total) || ' kr'),
      (6, 'Kan inte faktureras', CASE WHEN n_problems > 0 THEN pg_catalog.format('%s barn (se nedan)', n_problems) END)
    ) f(o, label, body)
   WHERE f.body IS NOT NULL
  UNION ALL
  SELECT 200, 'table', 'Per kategori', 'l46,r10,r22,r22', ARRAY['Kategori', 'Barn', 'Pris per år', 'Belopp']
  UNION ALL
  SELECT (200 + row_number() OVER (ORDER BY g.category_name COLLATE skolval.sv_se, g.annual))::integer, 'row', NULL, NULL,
         ARRAY[g.category_name, g.children::text, skolval.amount_sv(g.annual), skolval.amount_sv(g.amount)]
    FROM (SELECT b.category_name, b.annual_amount AS annual, count(*) AS children, sum(b.amount) AS amount
            FROM b WHERE b.problem IS NULL GROUP BY 1, 2) g
  UNION ALL
  SELECT 299, 'row', NULL, 'total', ARRAY['Summa', n_children::text, '', skolval.amount_sv(total)]
  UNION ALL
  SELECT 10000, 'table', 'Barn', 'l22,l30,l30,r18', ARRAY['Personnummer', 'Namn', 'Enhet, kategori', 'Belopp']
  UNION ALL
  SELECT (10000 + row_number() OVER (ORDER BY k.last, k.sort_name COLLATE skolval.sv_se, k.child_id))::integer, 'row', NULL, NULL,
         ARRAY[k.pn, k.name, k.unit, skolval.amount_sv(k.amount)]
    FROM (SELECT 0 AS last, b.child_id, skolval.personal_number_display(b.personal_number) AS pn,
                 coalesce(nullif(pg_catalog.btrim(concat_ws(', ', b.family_name, b.given_name)), ''), 'Barn-id ' || b.child_id::pg_catalog.text) AS name,
                 coalesce(nullif(pg_catalog.btrim(concat_ws(', ', b.family_name, b.given_name)), ''), '') AS sort_name,
                 b.unit_name || ', ' || b.category_name AS unit, b.amount
            FROM b WHERE b.problem IS NULL AND NOT b.protected
          UNION ALL
          -- children with protected identity: invoiced, never named; the home municipality asks
          -- for the child ids through a protected channel
          SELECT 1, NULL, '', pg_catalog.format('Barn med skyddad identitet (%s)', count(*)), '', '', sum(b.amount)
            FROM b WHERE b.problem IS NULL AND b.protected HAVING count(*) > 0) k
  UNION ALL
  SELECT 20000, 'table', 'Kan inte faktureras förrän felet är rättat', 'l18,l82', ARRAY['Barn-id', 'Fel']
   WHERE n_problems > 0
  UNION ALL
  SELECT (20000 + row_number() OVER (ORDER BY b.child_id))::integer, 'row', NULL, NULL,
         ARRAY[b.child_id::text, CASE WHEN b.category_code IS NULL THEN 'ingen (eller mer än en) kategori passar placeringen'
                                      ELSE 'inget IKE-pris för kategorin ' || b.category_code || ' på räknedagen' END]
    FROM b WHERE b.problem IS NOT NULL
  UNION ALL
  SELECT 400000 + t.o, 'section', t.h, t.b, NULL
    FROM (VALUES
      (1, 'Så räknas ersättningen',
          'Ersättningen för ett barn är en tolftedel av årspriset för barnets kategori enligt den överenskomna prislistan: hemkommunens eget pris när ett sådant finns, annars det allmänna. Barnet räknas på månadens räknedag om det då är folkbokfört i hemkommunen och placerat vid en enhet i vår kommun.'),
      (2, 'Skyddad identitet',
          CASE WHEN n_protected > 0 THEN 'Barn med skyddad identitet faktureras som andra barn men namnges inte i underlaget.' END),
      (3, 'Frågor', CASE WHEN s.contact IS NOT NULL THEN 'Frågor om underlaget: ' || s.contact || '.' END)
    ) t(o, h, b)
   WHERE t.b IS NOT NULL
  ORDER BY 1;
END $$;
COMMENT ON FUNCTION skolval.ike_invoice_content(date, text) IS
  'The content of the IKE invoice basis for one home municipality and month, part by part in print order: letterhead, facts (home municipality, month, count date, children, amount), the amounts per category, the children (personal number, name, unit and category, amount; children with protected identity one unnamed line), those that cannot be invoiced and why, explanations';

CREATE OR REPLACE FUNCTION skolval.ike_invoice(month date, home_municipality text) RETURNS bytea
  LANGUAGE c STRICT VOLATILE
  AS 'MODULE_PATHNAME', 'skolval_ike_invoice';
COMMENT ON FUNCTION skolval.ike_invoice(date, text) IS
  'The IKE invoice basis (fakturaunderlag) for one home municipality and month as a PDF: skolval.ike_invoice_content() laid out like a payment statement, DejaVu Sans embedded';

-- Runs decided before this version recorded their documents: record them now, from the
-- register as it is (the best that can be had); runs decided from now on are recorded when
-- they are published, approved or locked (sql/documents/records.sql).
DO $record_decided$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT 'placement' AS kind, x.run_id FROM skolval.placement_run x WHERE x.status = 'published'
           UNION ALL
           SELECT 'payment', x.run_id FROM skolval.payment_run x WHERE x.status IN ('approved', 'locked')
  LOOP
    PERFORM skolval._record_documents(r.kind, r.run_id);
  END LOOP;
END
$record_decided$;

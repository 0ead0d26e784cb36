-- skolval: the built-in example municipality (Exempelkommun, code 9999) — a generated city
-- with a river and a railway, schools and preschools, a förskoleklass cohort with wishes and
-- siblings, and a year of enrollments at independent units.  It fills the same tables real
-- data uses.  Every random choice is skolval.seeded_random(seed, stream, n): the same seed
-- gives the same municipality, whatever the order rows are produced in.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- ---------------------------------------------------------------------------------------
-- The street network (C: src/demo/citygen.c)
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.demo_network_edges(
  seed bigint, target_edges integer,
  origin_e double precision DEFAULT 386500, origin_n double precision DEFAULT 6176500)
RETURNS TABLE (edge_id bigint, source bigint, target bigint, kind text, street integer,
               street_pos integer, x1 double precision, y1 double precision,
               x2 double precision, y2 double precision)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 30000
  AS 'MODULE_PATHNAME', 'skolval_demo_network_edges';
COMMENT ON FUNCTION skolval.demo_network_edges(bigint, integer, double precision, double precision) IS
  'Street and path edges of the example city centred on (origin_e, origin_n) in SWEREF99 TM: an irregular grid (kind residential, tertiary, footway, cycleway) cut by a river with a few bridges and a railway with a few underpasses; about target_edges edges (100 to 2,000,000), deterministic for the seed. street numbers a street (NULL for paths), street_pos the position along it';

CREATE OR REPLACE FUNCTION skolval.demo_network_features(
  seed bigint, target_edges integer,
  origin_e double precision DEFAULT 386500, origin_n double precision DEFAULT 6176500)
RETURNS TABLE (feature text, seq integer, x double precision, y double precision)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 2000
  AS 'MODULE_PATHNAME', 'skolval_demo_network_features';
COMMENT ON FUNCTION skolval.demo_network_features(bigint, integer, double precision, double precision) IS
  'The river (west to east) and the railway (south to north) of the example city with the same arguments as demo_network_edges(), as ordered points; only bridges cross the river and only underpasses the railway';

CREATE OR REPLACE FUNCTION skolval.demo_river() RETURNS geometry
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT f.geom FROM skolval.demo_feature f
         WHERE f.network_id = skolval.active_network_id() AND f.feature = 'river' $$;
COMMENT ON FUNCTION skolval.demo_river() IS
  'The river of the active example network as a line, NULL when the active network is not generated';

-- ---------------------------------------------------------------------------------------
-- Word lists and names
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._demo_words(list text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE list
    WHEN 'girl' THEN ARRAY['Alice','Maja','Elsa','Astrid','Wilma','Freja','Olivia','Selma','Alma','Ebba',
      'Vera','Ella','Signe','Saga','Agnes','Lilly','Stella','Ester','Leah','Nova','Molly','Juni','Clara',
      'Ellen','Hedda','Tyra','Lova','Idun','Majken','Sigrid','Iris','Edith','Greta','Linnea','Ronja',
      'Amira','Hanna','Sara','Elvira','Emilia','Matilda','Thea','Ines','Livia','Minna','Siri','Svea','Doris']
    WHEN 'boy' THEN ARRAY['Noah','William','Hugo','Lucas','Liam','Oscar','Matteo','Elias','Adam','Vincent',
      'Arvid','Alexander','Olle','Ludvig','Nils','Theo','Leo','Charlie','Frans','Harry','Wilmer','August',
      'Gustav','Love','Melvin','Sixten','Otto','Axel','Isak','Malte','Ebbe','Edvin','Viggo','Alfred','Sam',
      'Omar','Ali','Milo','Loke','Jack','Valter','Folke','Mio','Henry','Josef','Yusuf','Kian','Anton']
    WHEN 'family' THEN ARRAY['Andersson','Johansson','Karlsson','Nilsson','Eriksson','Larsson','Olsson',
      'Persson','Svensson','Gustafsson','Pettersson','Jonsson','Jansson','Hansson','Bengtsson','Jönsson',
      'Lindberg','Jakobsson','Magnusson','Olofsson','Lindström','Lindqvist','Lindgren','Berg','Axelsson',
      'Bergström','Lundberg','Lind','Lundgren','Lundqvist','Mattsson','Berglund','Fredriksson','Sandberg',
      'Henriksson','Forsberg','Sjöberg','Wallin','Ali','Mohammed','Engström','Eklund','Danielsson','Lundin',
      'Håkansson','Björk','Bergman','Gunnarsson','Holm','Wikström','Samuelsson','Isaksson','Fransson',
      'Bergqvist','Nyström','Holmberg','Arvidsson','Löfgren','Söderberg','Nyberg','Blomqvist','Claesson',
      'Nordström','Mårtensson','Lundström','Ahmed','Hassan','Viklund','Björklund','Eliasson','Pålsson',
      'Berggren','Sandström','Nordin','Ström','Åberg','Hermansson','Ekström','Holmgren','Nguyen','Kaya']
    WHEN 'street' THEN ARRAY['Björk','Ek','Lind','Al','Asp','Lönn','Rönn','Hassel','Kastanje','Syren',
      'Fläder','Hägg','Sälg','Gran','Tall','En','Ljung','Lärk','Trast','Svale','Domherre','Mås','Sparv',
      'Fink','Stare','Tärne','Vipe','Näktergal','Kärr','Mosse','Ängs','Åker','Bäck','Kvarn','Smedje',
      'Skol','Kyrko','Prästgårds','Gårds','Lade','Valla','Backe','Höjd','Dal','Hag','Torp','Solros',
      'Blåklint','Vallmo','Klöver','Prästkrage','Liljekonvalje','Vitsippe','Mynte','Timjan','Salvia',
      'Humle','Nypon','Hallon','Bigarrå','Plommon','Äppel','Päron','Körsbärs','Hjort','Räv','Grävlings',
      'Igelkott','Ekorr','Hare','Uggle','Falk','Örn','Korp','Kaj','Stork','Trane','Häger','Svane','Gås']
    WHEN 'street_suffix' THEN ARRAY['vägen','gatan','stigen','gränden','backen','slingan','gången','allén']
    WHEN 'main' THEN ARRAY['Malmö','Lunda','Kävlinge','Staffanstorps','Dalby','Sandby','Landskrona',
      'Helsingborgs','Ystads','Trelleborgs','Höörs','Hörby','Genarps','Veberöds','Torna','Bara','Revinge',
      'Flyinge','Furulunds','Löddeköpinge','Bjärreds','Lomma','Åkarps','Hjärups','Eslövs','Sjöbo','Skurups',
      'Svedala','Klippans','Kristianstads']
    WHEN 'main_suffix' THEN ARRAY['vägen','gatan','allén','leden']
    WHEN 'bridge' THEN ARRAY['Kvarnbron','Stenbron','Ekbron','Slussbron','Kyrkbron','Hamnbron','Stadsbron',
      'Nybron','Tullbron','Järnbron','Gångbron','Pilbron']
    WHEN 'underpass' THEN ARRAY['Stationstunneln','Banvaktstunneln','Ladugårdstunneln','Spårtunneln',
      'Viaduktgången','Bangårdstunneln','Lokstallstunneln']
    WHEN 'school' THEN ARRAY['Vallkärra','Ekbacka','Lerbäck','Svaneholms','Rådmansvångs','Tuna','Nöbbelövs',
      'Linero','Värpinge','Fågelsångs','Backa','Kastanje','Lindeborgs','Björkhaga','Eneborgs','Håkanstorps',
      'Stenkulla','Vikhems','Mölle','Kvarnby','Gunnesbo','Klosterängs','Lärkträds','Ängs','Hagalunds',
      'Solbacka','Östratorns','Västerbro','Norrevångs','Råby','Kulla','Pilegårds','Munkhätte','Påskagängs',
      'Kämnärs','Nyvångs','Hardeberga','Bjällerups','Stångby','Hällestads','Möllevångs','Södervångs',
      'Tornhem','Sunnanå','Ljungbacka','Mossheds','Tegelbruks','Klinta']
    WHEN 'place' THEN ARRAY['Ekbacken','Solrosen','Lärkan','Eken','Linden','Fyren','Ugglan','Kastanjen',
      'Vitsippan','Ängen','Kvarnen','Bäcken','Källan','Lönnen','Tallen','Stjärnan','Näktergalen','Vindan']
    WHEN 'preschool' THEN ARRAY['Humlan','Myran','Ekorren','Igelkotten','Nyckelpigan','Trollet',
      'Solstrålen','Regnbågen','Snigeln','Fjärilen','Blåbäret','Lingonet','Kotten','Tallkotten','Tussilago',
      'Blåklinten','Vallmon','Smultronet','Räven','Haren','Grodan','Snäckan','Månen','Molnet','Pärlan',
      'Droppen','Sländan','Bofinken','Ankan','Musslan','Gläntan','Skogsbrynet','Kompassen','Pilen','Vimpeln']
    WHEN 'other_municipality' THEN ARRAY['1281:Lund','1261:Kävlinge','1262:Lomma','1280:Malmö','1230:Staffanstorp']
  END $$;
COMMENT ON FUNCTION skolval._demo_words(text) IS
  'Word lists of the example municipality: given names (girl, boy), family names, street, main-road, bridge, school and preschool name parts, neighbouring municipalities';

CREATE OR REPLACE FUNCTION skolval._demo_pick(words text[], u double precision) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT words[1 + pg_catalog.floor(u * pg_catalog.cardinality(words))::integer] $$;
COMMENT ON FUNCTION skolval._demo_pick(text[], double precision) IS
  'The word a random number u in [0, 1) picks from a list';

-- The n-th distinct combination of two lists (a bijection while n < product, then numbered).
CREATE OR REPLACE FUNCTION skolval._demo_combine(firsts text[], seconds text[], n bigint) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT firsts[1 + (n % pg_catalog.cardinality(firsts))::integer]
            || seconds[1 + ((n / pg_catalog.cardinality(firsts)) % pg_catalog.cardinality(seconds))::integer]
            || CASE WHEN n >= pg_catalog.cardinality(firsts) * pg_catalog.cardinality(seconds)
                    THEN ' ' || (n / (pg_catalog.cardinality(firsts) * pg_catalog.cardinality(seconds)) + 1)::text
                    ELSE '' END $$;
COMMENT ON FUNCTION skolval._demo_combine(text[], text[], bigint) IS
  'The n-th name made of a first part and a second part, distinct for n below the number of combinations, numbered after that';

-- Street names: the n-th street (0-based, counted separately for main roads) gets a name
-- through a seeded permutation of the combinations (7919 is prime to their count); past them,
-- "Norra", "Södra" ... and finally numbers tell streets apart.
CREATE OR REPLACE FUNCTION skolval._demo_street_name(seed bigint, n bigint, main boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  firsts text[] := skolval._demo_words(CASE WHEN main THEN 'main' ELSE 'street' END);
  seconds text[] := skolval._demo_words(CASE WHEN main THEN 'main_suffix' ELSE 'street_suffix' END);
  modifiers text[] := ARRAY['', 'Norra ', 'Södra ', 'Östra ', 'Västra ', 'Lilla ', 'Stora ', 'Nya ', 'Gamla '];
  m bigint := pg_catalog.cardinality(firsts) * pg_catalog.cardinality(seconds);
BEGIN
  IF n >= m * pg_catalog.cardinality(modifiers) THEN
    RETURN skolval._demo_combine(firsts, seconds, n);
  END IF;
  RETURN modifiers[1 + (n / m)::integer]
         || skolval._demo_combine(firsts, seconds,
              ((n % m) * 7919 + pg_catalog.floor(skolval.seeded_random(seed, 'street-name', 0) * m)::bigint) % m);
END $$;
COMMENT ON FUNCTION skolval._demo_street_name(bigint, bigint, boolean) IS
  'Name of the n-th generated street: main roads after neighbouring towns, other streets after trees, birds and flowers';

-- ---------------------------------------------------------------------------------------
-- Steps of demo_municipality()
-- ---------------------------------------------------------------------------------------

-- Refuse to overwrite data, or (replace) empty every skolval table except the settings and the
-- audit log (append-only; it records the truncation).
-- Identities restart so that the same seed gives the same ids.
CREATE OR REPLACE FUNCTION skolval._demo_clear(replace boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t record;
  tables text[] := '{}';
  busy text[] := '{}';
  has_rows boolean;
BEGIN
  FOR t IN
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS qualified, c.relname
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid AND d.objid = c.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE c.relkind = 'r' AND c.relname NOT IN ('settings', 'audit_log')
     ORDER BY c.relname
  LOOP
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s)', t.qualified) INTO has_rows;
    IF has_rows THEN
      busy := pg_catalog.array_append(busy, t.relname::text);
    END IF;
    tables := pg_catalog.array_append(tables, t.qualified);
  END LOOP;
  IF pg_catalog.cardinality(busy) > 0 AND NOT replace THEN
    RAISE EXCEPTION 'skolval already holds data; the example municipality is only created in an empty skolval'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Tables with rows: ' || pg_catalog.array_to_string(busy, ', ') || '.',
            HINT = 'Call skolval.demo_municipality(replace => true) to delete all skolval data first, or use another database.';
  END IF;
  -- Nothing to empty: no TRUNCATE, which an admin may not run on the tables of decided runs and
  -- documents (their owner's), so that an admin can build the example in an empty skolval.
  IF pg_catalog.cardinality(busy) = 0 THEN
    RETURN;
  END IF;
  EXECUTE 'TRUNCATE ' || pg_catalog.array_to_string(tables, ', ') || ' RESTART IDENTITY';
END $$;
COMMENT ON FUNCTION skolval._demo_clear(boolean) IS
  'Raise object_not_in_prerequisite_state when any skolval table except settings and audit_log holds rows, unless replace; then empty them all and restart their identities';

-- The network: edges from C, largest component kept, bridges and underpasses named, the
-- river and railway stored with the areas on their far sides.
CREATE OR REPLACE FUNCTION skolval._demo_network(seed bigint, network_edges integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  nid bigint;
  srid integer := skolval.srid();
  big double precision := 1e6;
BEGIN
  INSERT INTO skolval.network (name, source, srid)
  VALUES (pg_catalog.format('Exempelkommun, generated (seed %s, %s edges)', seed, network_edges),
          'demo', srid)
  RETURNING network_id INTO nid;

  INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, kind, name, geom)
  WITH e AS MATERIALIZED (SELECT * FROM skolval.demo_network_edges(seed, network_edges)),
       street AS (SELECT s.street, s.main,
                         skolval._demo_street_name(seed, pg_catalog.row_number() OVER (PARTITION BY s.main ORDER BY s.street) - 1,
                                                   s.main) AS name
                    FROM (SELECT DISTINCT e.street, e.kind = 'tertiary' AS main FROM e
                           WHERE e.kind IN ('residential', 'tertiary')) s)
  SELECT nid, e.edge_id, e.source, e.target, ST_Length(g.geom), e.kind, st.name, g.geom
    FROM e
    LEFT JOIN street st ON st.street = e.street AND st.main = (e.kind = 'tertiary')
                       AND e.kind IN ('residential', 'tertiary')
   CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakeLine(ST_MakePoint(e.x1, e.y1), ST_MakePoint(e.x2, e.y2)), srid) AS geom) g;

  PERFORM skolval.network_finish(nid);

  UPDATE skolval.edge e
     SET name = skolval._demo_combine(skolval._demo_words(e.kind), ARRAY[''], x.n - 1)
    FROM (SELECT e2.edge_id, pg_catalog.row_number() OVER (PARTITION BY e2.kind ORDER BY e2.edge_id) AS n
            FROM skolval.edge e2
           WHERE e2.network_id = nid AND e2.kind IN ('bridge', 'underpass')) x
   WHERE e.network_id = nid AND e.edge_id = x.edge_id;

  INSERT INTO skolval.demo_feature (network_id, feature, geom)
  SELECT nid, f.feature, ST_SetSRID(ST_MakeLine(pg_catalog.array_agg(ST_MakePoint(f.x, f.y) ORDER BY f.seq)), srid)
    FROM skolval.demo_network_features(seed, network_edges) f
   GROUP BY f.feature;

  -- The far sides: close the river with a line far to the north, the railway far to the east.
  INSERT INTO skolval.demo_feature (network_id, feature, geom)
  SELECT nid, 'north_of_river',
         ST_MakePolygon(ST_AddPoint(ST_AddPoint(ST_AddPoint(f.geom,
           ST_SetSRID(ST_MakePoint(ST_X(ST_EndPoint(f.geom)), ST_Y(ST_EndPoint(f.geom)) + big), srid)),
           ST_SetSRID(ST_MakePoint(ST_X(ST_StartPoint(f.geom)), ST_Y(ST_StartPoint(f.geom)) + big), srid)),
           ST_StartPoint(f.geom)))
    FROM skolval.demo_feature f WHERE f.network_id = nid AND f.feature = 'river'
  UNION ALL
  SELECT nid, 'east_of_railway',
         ST_MakePolygon(ST_AddPoint(ST_AddPoint(ST_AddPoint(ST_Reverse(f.geom),
           ST_SetSRID(ST_MakePoint(ST_X(ST_StartPoint(f.geom)) + big, ST_Y(ST_StartPoint(f.geom))), srid)),
           ST_SetSRID(ST_MakePoint(ST_X(ST_EndPoint(f.geom)) + big, ST_Y(ST_EndPoint(f.geom))), srid)),
           ST_EndPoint(f.geom)))
    FROM skolval.demo_feature f WHERE f.network_id = nid AND f.feature = 'railway';
  RETURN nid;
END $$;
COMMENT ON FUNCTION skolval._demo_network(bigint, integer) IS
  'Load and finish the generated network of the example municipality, name its bridges and underpasses and store its river and railway; returns the network id';

CREATE OR REPLACE FUNCTION skolval._demo_districts() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO skolval.district (district_code, name, administration) VALUES
    ('01', 'Norrby', 'Barn- och skolförvaltning Exempelkommun stad'),
    ('02', 'Österäng', 'Barn- och skolförvaltning Exempelkommun öster'),
    ('03', 'Västerhöjd', 'Barn- och skolförvaltning Exempelkommun stad'),
    ('04', 'Söderslätt', 'Barn- och skolförvaltning Exempelkommun öster');
END $$;
COMMENT ON FUNCTION skolval._demo_districts() IS
  'The four districts of the example municipality, quadrants cut by the river (north, south) and the railway (west, east), under two administrations';

-- Addresses along the streets of the active network: a point at a random fraction (0.1-0.9)
-- of a random street edge, 8-25 m to one side, with house number, postal code and district.
-- The street edges homes and units may lie on are the residential and tertiary edges of the
-- active network, numbered in edge order (slots) and along each street (house numbers).
--
-- The generator's arithmetic (here and in demo_municipality()) runs pinned without the PostGIS
-- schema, so no operator or function planted there can be reached (doc/operations.md, "search_path
-- and who may create what"); what it needs of PostGIS it gets from the small helpers below, which
-- do no arithmetic and call PostGIS with exact argument types.

-- The street slots of a network: coordinates of each residential or tertiary edge's ends.
CREATE OR REPLACE FUNCTION skolval._demo_slots(nid bigint)
RETURNS TABLE (slot bigint, street_name text, pos integer, x1 double precision, y1 double precision,
               x2 double precision, y2 double precision, len double precision)
LANGUAGE sql STABLE AS $$
  SELECT pg_catalog.row_number() OVER (ORDER BY e.edge_id), e.name,
         (pg_catalog.row_number() OVER (PARTITION BY e.name ORDER BY e.edge_id))::integer,
         ST_X(ST_StartPoint(e.geom)), ST_Y(ST_StartPoint(e.geom)),
         ST_X(ST_EndPoint(e.geom)), ST_Y(ST_EndPoint(e.geom)), e.length_m
    FROM skolval.edge e
   WHERE e.network_id = nid AND e.kind IN ('residential', 'tertiary')
$$;
COMMENT ON FUNCTION skolval._demo_slots(bigint) IS
  'The example city''s street slots: the residential and tertiary edges of a network in edge order, with their house-number position along the street and their end coordinates (no arithmetic)';

-- The corner of a network's extent and its area.
CREATE OR REPLACE FUNCTION skolval._demo_extent(nid bigint)
RETURNS TABLE (xmin double precision, ymin double precision, area double precision)
LANGUAGE sql STABLE AS $$
  SELECT ST_XMin(n.extent::box3d), ST_YMin(n.extent::box3d), ST_Area(n.extent)
    FROM skolval.network n WHERE n.network_id = nid
$$;
COMMENT ON FUNCTION skolval._demo_extent(bigint) IS
  'The lower-left corner and the area of a network''s extent (no arithmetic)';

-- Which side of the river and of the railway each point lies on.
CREATE OR REPLACE FUNCTION skolval._demo_sides(nid bigint, xs double precision[], ys double precision[])
RETURNS TABLE (i bigint, north boolean, east boolean)
LANGUAGE sql STABLE AS $$
  SELECT p.i, ST_Contains(n.geom, p.pt), ST_Contains(e.geom, p.pt)
    FROM (SELECT q.i, ST_SetSRID(ST_MakePoint(q.x, q.y), skolval.srid()) AS pt
            FROM ROWS FROM (pg_catalog.unnest(xs), pg_catalog.unnest(ys)) WITH ORDINALITY AS q(x, y, i)) p
    LEFT JOIN skolval.demo_feature n ON n.network_id = nid AND n.feature = 'north_of_river'
    LEFT JOIN skolval.demo_feature e ON e.network_id = nid AND e.feature = 'east_of_railway'
$$;
COMMENT ON FUNCTION skolval._demo_sides(bigint, double precision[], double precision[]) IS
  'For points given by their coordinates (in order), whether each lies north of the example city''s river and east of its railway (no arithmetic)';

-- A point in the municipality's coordinate system.
CREATE OR REPLACE FUNCTION skolval._demo_point(x double precision, y double precision) RETURNS geometry
LANGUAGE sql STABLE AS $$
  SELECT ST_SetSRID(ST_MakePoint(x, y), skolval.srid())
$$;
COMMENT ON FUNCTION skolval._demo_point(double precision, double precision) IS
  'The point (x, y) in the municipality''s coordinate system; NULL when x or y is NULL (no arithmetic)';

CREATE OR REPLACE FUNCTION skolval._demo_addresses(seed bigint, stream text, keys bigint[])
RETURNS TABLE (loc_key bigint, loc_x double precision, loc_y double precision, loc_address text,
               loc_postal_code text, loc_district text)
LANGUAGE plpgsql AS $$
-- pinned without PostGIS (sql/operations/finish.sql): PostGIS only through the _demo_* helpers
DECLARE
  nid bigint := skolval.active_network_id();
  slots bigint := (SELECT pg_catalog.count(*) FROM skolval._demo_slots(nid));
  ext record;
BEGIN
  SELECT * INTO ext FROM skolval._demo_extent(nid);
  RETURN QUERY
  WITH slot AS MATERIALIZED (
    SELECT * FROM skolval._demo_slots(nid)
  ), k AS (
    SELECT x.key,
           1 + pg_catalog.floor(skolval.seeded_random(seed, stream || '-slot', x.key) * slots)::bigint AS slot,
           0.1 + 0.8 * skolval.seeded_random(seed, stream || '-along', x.key) AS along,
           (8 + 17 * skolval.seeded_random(seed, stream || '-offset', x.key))
             * CASE WHEN skolval.seeded_random(seed, stream || '-side', x.key) < 0.5 THEN 1 ELSE -1 END AS side
      FROM pg_catalog.unnest(keys) AS x(key)
  ), p AS MATERIALIZED (
    SELECT pg_catalog.row_number() OVER (ORDER BY k.key) AS i, k.key, s.street_name, s.pos, k.along, k.side,
           s.x1 + k.along * (s.x2 - s.x1) - k.side * (s.y2 - s.y1) / s.len AS x,
           s.y1 + k.along * (s.y2 - s.y1) + k.side * (s.x2 - s.x1) / s.len AS y
      FROM k JOIN slot s ON s.slot = k.slot
  ), side AS (
    SELECT * FROM skolval._demo_sides(nid, ARRAY(SELECT p.x FROM p ORDER BY p.i), ARRAY(SELECT p.y FROM p ORDER BY p.i))
  )
  SELECT p.key, p.x, p.y,
         p.street_name || ' ' || (4 * p.pos - 3 + 2 * pg_catalog.floor(p.along * 2)::integer
                                  + CASE WHEN p.side > 0 THEN 0 ELSE 1 END)::text,
         pg_catalog.format('%s %s', 290 + 3 * d.n,
                           ((pg_catalog.floor((p.x - ext.xmin + 1000) / 1500) * 7
                             + pg_catalog.floor((p.y - ext.ymin + 1000) / 1500))::integer % 90 + 10)::text),
         pg_catalog.lpad(d.n::text, 2, '0')
    FROM p
    JOIN side ON side.i = p.i
   CROSS JOIN LATERAL (SELECT CASE WHEN side.north THEN 0 ELSE 2 END
                              + CASE WHEN side.east THEN 2 ELSE 1 END AS n) d;
END $$;
COMMENT ON FUNCTION skolval._demo_addresses(bigint, text, bigint[]) IS
  'Generated addresses along the example city''s streets (the active network''s residential and tertiary edges) for a list of keys: point coordinates, street address, postal code and district (01 north-west, 02 north-east, 03 south-west, 04 south-east)';

-- ---------------------------------------------------------------------------------------
-- The example municipality
-- ---------------------------------------------------------------------------------------

-- The generation works in scratch tables of this function (pg_temp._demo_unit, _person, _home,
-- _cohort, _enrol, _link, _year and, for a moment, _site and _change): made here, always named
-- with pg_temp, dropped before it returns; it refuses to start when one already exists.
CREATE OR REPLACE FUNCTION skolval.demo_municipality(
  children integer DEFAULT 1500,
  seed bigint DEFAULT 1,
  network_edges integer DEFAULT 30000,
  replace boolean DEFAULT false)
RETURNS TABLE (item text, value bigint)
LANGUAGE plpgsql AS $$
-- pinned without PostGIS (sql/operations/finish.sql): points are kept as coordinates and
-- distances computed from them; PostGIS only through the _demo_* helpers
DECLARE
  nid bigint;
  rid bigint;
  area double precision;
  municipal_schools integer := greatest(4, round(children::pg_catalog.numeric / 43.0))::integer;
  independent_schools integer := greatest(1, round(children::pg_catalog.numeric / 300.0))::integer;
  municipal_preschools integer := greatest(2, round(children::pg_catalog.numeric / 75.0))::integer;
  independent_preschools integer := greatest(1, round(children::pg_catalog.numeric / 150.0))::integer;
  grp record;
  cand record;
  xs double precision[];
  ys double precision[];
  min_d double precision;
  pass integer;
  ord integer := 0;
  code_offset bigint := pg_catalog.floor(skolval.seeded_random(seed, 'unit-code', 0) * 90000000::pg_catalog.float8)::bigint;
  overflow bigint;
  added bigint;
  seats_total integer := round(children::pg_catalog.numeric * 1.05)::integer;
BEGIN
  IF children IS NULL OR seed IS NULL OR network_edges IS NULL OR replace IS NULL THEN
    RAISE EXCEPTION 'demo_municipality(): % must not be NULL',
                    CASE WHEN children IS NULL THEN 'children' WHEN seed IS NULL THEN 'seed'
                         WHEN network_edges IS NULL THEN 'network_edges' ELSE 'replace' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF children < 1 OR children > 100000 THEN
    RAISE EXCEPTION 'children must be between 1 and 100000, got %', coalesce(children::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF network_edges IS NULL OR network_edges < 100 OR network_edges > 2000000 THEN
    RAISE EXCEPTION 'network_edges must be between 100 and 2000000, got %', coalesce(network_edges::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF seed IS NULL OR replace IS NULL THEN
    RAISE EXCEPTION 'seed and replace must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;

  PERFORM skolval._require_no_scratch('_demo_unit', '_demo_person', '_demo_home', '_demo_cohort', '_demo_enrol',
                                      '_demo_link', '_demo_year', '_demo_site', '_demo_change');
  PERFORM skolval._demo_clear(replace);
  PERFORM skolval.configure(municipality_code => '9999', municipality_name => 'Exempelkommun', srid => 3006);
  nid := skolval._demo_network(seed, network_edges);
  PERFORM skolval._demo_districts();

  CREATE TEMP TABLE pg_temp._demo_unit (
    ord integer PRIMARY KEY, category text NOT NULL, name text, organizer_name text, address text,
    hx double precision NOT NULL, hy double precision NOT NULL, unit_id bigint, top_grade integer,
    popular boolean NOT NULL DEFAULT false
  ) ON COMMIT DROP;
  CREATE TEMP TABLE pg_temp._demo_person (
    pkey bigint PRIMARY KEY, role text NOT NULL, household bigint NOT NULL, birth_date date NOT NULL,
    male boolean NOT NULL, given_name text, family_name text, protected boolean NOT NULL,
    elsewhere boolean NOT NULL DEFAULT false, moves_out date, unit_ord integer,
    personal_number text, child_id bigint
  ) ON COMMIT DROP;
  CREATE TEMP TABLE pg_temp._demo_home (
    household bigint PRIMARY KEY, hx double precision NOT NULL, hy double precision NOT NULL, address text,
    postal_code text, district_code text
  ) ON COMMIT DROP;
  CREATE TEMP TABLE pg_temp._demo_cohort (
    i integer PRIMARY KEY, household bigint NOT NULL, twin_second boolean NOT NULL,
    sibling_pkey bigint, sibling_unit_ord integer, sibling_f3 boolean
  ) ON COMMIT DROP;
  CREATE TEMP TABLE pg_temp._demo_enrol (
    pkey bigint NOT NULL, unit_ord integer NOT NULL, school_form text NOT NULL, grade smallint,
    hours numeric(4,1), valid_from date NOT NULL, valid_to date, parallel boolean NOT NULL DEFAULT false
  ) ON COMMIT DROP;
  CREATE TEMP TABLE pg_temp._demo_link (a bigint NOT NULL, b bigint NOT NULL) ON COMMIT DROP;


  -- --------------------------------------------------------------------------------
  -- Units: municipal F-9 schools (förskoleklass, grundskola, fritidshem), independent schools,
  -- municipal and independent preschools, spread over the city with a minimum spacing.
  -- Fills pg_temp._demo_unit, then writes skolval.unit.
  area := (SELECT x.area FROM skolval._demo_extent(nid) x);
  FOR grp IN
    SELECT * FROM (VALUES ('school', municipal_schools, independent_schools),
                          ('preschool', municipal_preschools, independent_preschools)) v(name, municipal, independent)
  LOOP
    xs := '{}';
    ys := '{}';
    min_d := 0.6 * sqrt(area / (grp.municipal + grp.independent));
    pass := 0;
    CREATE TEMP TABLE pg_temp._demo_site ON COMMIT DROP AS
      SELECT * FROM skolval._demo_addresses(seed, 'site-' || grp.name,
                      ARRAY(SELECT generate_series(1, 40 * (grp.municipal + grp.independent))::bigint));
    -- Accept candidates in key order that keep the spacing; relax the spacing when a pass
    -- over all candidates is not enough.
    WHILE pg_catalog.cardinality(xs) < grp.municipal + grp.independent LOOP
      pass := pass + 1;
      FOR cand IN SELECT * FROM pg_temp._demo_site s ORDER BY s.loc_key LOOP
        EXIT WHEN pg_catalog.cardinality(xs) >= grp.municipal + grp.independent;
        CONTINUE WHEN EXISTS (SELECT 1 FROM ROWS FROM (pg_catalog.unnest(xs), pg_catalog.unnest(ys)) AS a(x, y)
                               WHERE (a.x - cand.loc_x) ^ 2 + (a.y - cand.loc_y) ^ 2 < min_d ^ 2);
        xs := pg_catalog.array_append(xs, cand.loc_x);
        ys := pg_catalog.array_append(ys, cand.loc_y);
        ord := ord + 1;
        INSERT INTO pg_temp._demo_unit (ord, category, address, hx, hy)
        VALUES (ord,
                CASE WHEN pg_catalog.cardinality(xs) <= grp.municipal THEN 'municipal_' ELSE 'independent_' END || grp.name,
                cand.loc_address, cand.loc_x, cand.loc_y);
      END LOOP;
      min_d := CASE WHEN pass > 30 THEN 0 ELSE min_d * 0.85 END;
    END LOOP;
    DROP TABLE pg_temp._demo_site;
  END LOOP;

  -- Names: municipal schools "<place>skolan", independent ones by profile, preschools by
  -- animals and plants; each list is shuffled by the seed.
  UPDATE pg_temp._demo_unit u
     SET name = CASE u.category
           WHEN 'municipal_school' THEN skolval._demo_combine(skolval._demo_words('school'), ARRAY['skolan'], x.k)
           WHEN 'independent_school' THEN
             (ARRAY['Montessoriskolan ', 'Internationella skolan ', 'Waldorfskolan ', 'Friskolan ',
                    'Naturskolan ', 'Kunskapsskolan '])[1 + (x.k % 6)::integer]
             || skolval._demo_combine(skolval._demo_words('place'), ARRAY[''], x.k / 6 + (x.k % 6) * 3)
           WHEN 'municipal_preschool' THEN 'Förskolan ' || skolval._demo_combine(skolval._demo_words('preschool'), ARRAY[''], x.k)
           ELSE (ARRAY['Föräldrakooperativet ', 'Montessoriförskolan ', 'Naturförskolan ', 'Förskolan '])[1 + (x.k % 4)::integer]
             || skolval._demo_combine(skolval._demo_words('preschool'), ARRAY[''],
                  x.k + (SELECT pg_catalog.count(*) FROM pg_temp._demo_unit m WHERE m.category = 'municipal_preschool'))
         END,
         top_grade = CASE WHEN u.category LIKE '%school' AND u.category NOT LIKE '%preschool'
                          THEN CASE WHEN u.category = 'independent_school'
                                     AND skolval.seeded_random(seed, 'top-grade', u.ord) < 0.4 THEN 6 ELSE 9 END END,
         popular = u.category IN ('municipal_school', 'independent_school')
                   AND skolval.seeded_random(seed, 'popular', u.ord)
                       < CASE u.category WHEN 'independent_school' THEN 0.6 ELSE 0.15 END
    FROM (SELECT v.ord, pg_catalog.row_number() OVER (PARTITION BY v.category
                   ORDER BY skolval.seeded_random(seed, 'unit-name', v.ord)) - 1 AS k
            FROM pg_temp._demo_unit v) x
   WHERE x.ord = u.ord;
  UPDATE pg_temp._demo_unit u
     SET organizer_name = CASE
           WHEN u.name LIKE 'Montessoriskolan %' THEN 'Montessoriföreningen ' || substr(u.name, 18) || ' ek. för.'
           WHEN u.name LIKE 'Waldorfskolan %' THEN 'Stiftelsen ' || u.name
           WHEN u.name LIKE 'Föräldrakooperativet %' THEN u.name || ' ek. för.'
           WHEN u.name LIKE 'Naturförskolan %' THEN 'Småfolket Förskolor AB'
           WHEN u.name LIKE 'Förskolan %' THEN 'Barnens Hus i Exempelkommun AB'
           ELSE u.name || ' AB'
         END
   WHERE u.category LIKE 'independent%';

  INSERT INTO skolval.unit (unit_code, name, organizer, organizer_name, school_forms, address,
                            municipality_code, location)
  SELECT (10000000 + (u.ord::bigint * 7368787 + code_offset) % 90000000)::text, u.name,
         CASE WHEN u.category LIKE 'municipal%' THEN 'municipal' ELSE 'independent' END,
         coalesce(u.organizer_name, 'Exempelkommun'),
         CASE WHEN u.category LIKE '%preschool' THEN ARRAY['forskola']
              ELSE ARRAY['forskoleklass', 'grundskola', 'fritidshem'] END::skolval.school_form[],
         u.address, '9999', skolval._demo_point(u.hx, u.hy)
    FROM pg_temp._demo_unit u ORDER BY u.ord;
  UPDATE pg_temp._demo_unit u SET unit_id = x.unit_id
    FROM skolval.unit x
   WHERE x.unit_code = (10000000 + (u.ord::bigint * 7368787 + code_offset) % 90000000)::text;

  -- --------------------------------------------------------------------------------
  -- People: the cohort (born 2021) with twins and older siblings, and the children enrolled at
  -- independent units during 2026, with addresses, personal numbers and enrollments.  Works in
  -- the scratch tables, then writes child, residence, sibling
  -- and enrollment.
  -- The cohort: child i; an even i is sometimes the twin of i - 1 (same household).
  INSERT INTO pg_temp._demo_cohort (i, household, twin_second)
  SELECT g.i, CASE WHEN g.twin THEN g.i - 1 ELSE g.i END, g.twin
    FROM (SELECT i, i % 2 = 0 AND skolval.seeded_random(seed, 'twin', i) < 0.012 AS twin
            FROM generate_series(1, children) i) g;

  INSERT INTO pg_temp._demo_person (pkey, role, household, birth_date, male, family_name, protected)
  SELECT c.i, 'cohort', c.household,
         date '2021-01-01' + pg_catalog.floor(skolval.seeded_random(seed, 'birth', c.household) * 365)::integer,
         skolval.seeded_random(seed, 'sex', c.i) < 0.512,
         skolval._demo_pick(skolval._demo_words('family'), skolval.seeded_random(seed, 'family', c.household)),
         skolval.seeded_random(seed, 'protected', c.household) < 0.01
    FROM pg_temp._demo_cohort c;

  -- About a fifth of the households have an older child, mostly in F-3 on the start day.
  UPDATE pg_temp._demo_cohort c SET sibling_pkey = 10000000 + c.household
   WHERE skolval.seeded_random(seed, 'sibling', c.household) < 0.19;
  INSERT INTO pg_temp._demo_person (pkey, role, household, birth_date, male, family_name, protected)
  SELECT c.sibling_pkey, 'sibling', c.household,
         pg_catalog.make_date(y.year, 1, 1)
           + pg_catalog.floor(skolval.seeded_random(seed, 'sibling-birth', c.household) * 365)::integer,
         skolval.seeded_random(seed, 'sex', c.sibling_pkey) < 0.512, p.family_name, p.protected
    FROM pg_temp._demo_cohort c
    JOIN pg_temp._demo_person p ON p.pkey = c.i
   CROSS JOIN LATERAL (SELECT CASE WHEN skolval.seeded_random(seed, 'sibling-year', c.household) < 0.75
                              THEN 2018 + pg_catalog.floor(skolval.seeded_random(seed, 'sibling-year-f3', c.household) * 3)
                              ELSE 2014 + pg_catalog.floor(skolval.seeded_random(seed, 'sibling-year-older', c.household) * 4)
                              END::integer AS year) y
   WHERE c.sibling_pkey IS NOT NULL AND NOT c.twin_second;

  -- Register children at independent preschools (born 2022 to April 2025, 28-52 a unit) and
  -- schools (born 2010-2020 up to the school's top grade, 8-18 a grade); the number of units
  -- grows with the cohort.  A few live in another municipality.
  INSERT INTO pg_temp._demo_person (pkey, role, household, birth_date, male, family_name, protected, unit_ord)
  SELECT k.pkey, 'preschool', k.pkey,
         date '2022-01-01' + pg_catalog.floor(skolval.seeded_random(seed, 'birth', k.pkey) * 1215)::integer,
         skolval.seeded_random(seed, 'sex', k.pkey) < 0.512,
         skolval._demo_pick(skolval._demo_words('family'), skolval.seeded_random(seed, 'family', k.pkey)),
         skolval.seeded_random(seed, 'protected', k.pkey) < 0.01, k.ord
    FROM (SELECT 20000000 + u.ord * 10000 + j AS pkey, u.ord
            FROM pg_temp._demo_unit u
           CROSS JOIN LATERAL generate_series(1, round(28 + 24 * skolval.seeded_random(seed, 'preschool-size', u.ord))::integer) j
           WHERE u.category = 'independent_preschool') k;
  INSERT INTO pg_temp._demo_person (pkey, role, household, birth_date, male, family_name, protected, unit_ord)
  SELECT k.pkey, 'pupil', k.pkey,
         pg_catalog.make_date(k.year, 1, 1) + pg_catalog.floor(skolval.seeded_random(seed, 'birth', k.pkey) * 365)::integer,
         skolval.seeded_random(seed, 'sex', k.pkey) < 0.512,
         skolval._demo_pick(skolval._demo_words('family'), skolval.seeded_random(seed, 'family', k.pkey)),
         skolval.seeded_random(seed, 'protected', k.pkey) < 0.01, k.ord
    FROM (SELECT 30000000 + u.ord * 100000 + (y - 2010) * 5000 + j AS pkey, u.ord, y AS year
            FROM pg_temp._demo_unit u
           CROSS JOIN generate_series(2010, 2020) y
           CROSS JOIN LATERAL generate_series(1, round(8 + 10 * skolval.seeded_random(seed, 'class-size', u.ord))::integer) j
           WHERE u.category = 'independent_school' AND y >= 2019 - u.top_grade) k;
  UPDATE pg_temp._demo_person p SET elsewhere = true
   WHERE p.role IN ('preschool', 'pupil') AND skolval.seeded_random(seed, 'elsewhere', p.pkey) < 0.03;

  UPDATE pg_temp._demo_person p
     SET given_name = skolval._demo_pick(skolval._demo_words(CASE WHEN p.male THEN 'boy' ELSE 'girl' END),
                                         skolval.seeded_random(seed, 'given', p.pkey));
  -- Twins of the same sex get different names.
  UPDATE pg_temp._demo_person p
     SET given_name = w.words[1 + pg_catalog.array_position(w.words, p.given_name) % pg_catalog.cardinality(w.words)]
    FROM pg_temp._demo_cohort c, pg_temp._demo_person f,
         LATERAL (SELECT skolval._demo_words(CASE WHEN f.male THEN 'boy' ELSE 'girl' END) AS words) w
   WHERE p.male = f.male AND c.twin_second AND p.pkey = c.i AND f.pkey = c.household AND f.given_name = p.given_name;

  INSERT INTO pg_temp._demo_home (household, hx, hy, address, postal_code, district_code)
  SELECT l.loc_key, l.loc_x, l.loc_y, l.loc_address, l.loc_postal_code, l.loc_district
    FROM skolval._demo_addresses(seed, 'home', ARRAY(SELECT DISTINCT p.household FROM pg_temp._demo_person p)) l;

  -- The older sibling goes to one of the three schools nearest home.
  UPDATE pg_temp._demo_cohort c
     SET sibling_f3 = extract(year FROM s.birth_date) >= 2018,
         sibling_unit_ord = (SELECT u.ord FROM pg_temp._demo_unit u
                              WHERE u.category IN ('municipal_school', 'independent_school')
                              ORDER BY pg_catalog.sqrt((u.hx - h.hx) ^ 2 + (u.hy - h.hy) ^ 2), u.ord
                             OFFSET CASE WHEN skolval.seeded_random(seed, 'sibling-school', c.household) < 0.6 THEN 0
                                         WHEN skolval.seeded_random(seed, 'sibling-school', c.household) < 0.85 THEN 1
                                         ELSE 2 END
                              LIMIT 1)
    FROM pg_temp._demo_person s, pg_temp._demo_home h
   WHERE s.pkey = c.sibling_pkey AND h.household = c.household;

  INSERT INTO pg_temp._demo_link (a, b)
  SELECT c.i, c.sibling_pkey FROM pg_temp._demo_cohort c WHERE c.sibling_pkey IS NOT NULL
  UNION ALL
  SELECT c.household, c.i FROM pg_temp._demo_cohort c WHERE c.twin_second;

  -- School years around the start day: 2025/26, 2026/27 and 2027/28.
  CREATE TEMP TABLE pg_temp._demo_year ON COMMIT DROP AS
    SELECT * FROM (VALUES (2025, date '2025-08-18', date '2026-06-12'),
                          (2026, date '2026-08-17', date '2027-06-11'),
                          (2027, date '2027-08-16', NULL::date)) v(start_year, first_day, last_day);

  INSERT INTO pg_temp._demo_enrol (pkey, unit_ord, school_form, grade, valid_from, valid_to)
  SELECT s.pkey, c.sibling_unit_ord, CASE WHEN g.grade = 0 THEN 'forskoleklass' ELSE 'grundskola' END,
         g.grade, y.first_day, y.last_day
    FROM pg_temp._demo_cohort c
    JOIN pg_temp._demo_person s ON s.pkey = c.sibling_pkey
   CROSS JOIN pg_temp._demo_year y
   CROSS JOIN LATERAL (SELECT y.start_year - extract(year FROM s.birth_date)::integer - 6 AS grade) g
   WHERE NOT c.twin_second AND g.grade BETWEEN 0 AND 9;

  -- Pupils at independent schools: 2025/26 and 2026/27 (open-ended), within the school's grades.
  INSERT INTO pg_temp._demo_enrol (pkey, unit_ord, school_form, grade, valid_from, valid_to)
  SELECT p.pkey, p.unit_ord, CASE WHEN g.grade = 0 THEN 'forskoleklass' ELSE 'grundskola' END,
         g.grade, y.first_day, CASE WHEN y.start_year = 2026 THEN NULL ELSE y.last_day END
    FROM pg_temp._demo_person p
    JOIN pg_temp._demo_unit u ON u.ord = p.unit_ord
   CROSS JOIN pg_temp._demo_year y
   CROSS JOIN LATERAL (SELECT y.start_year - extract(year FROM p.birth_date)::integer - 6 AS grade) g
   WHERE p.role = 'pupil' AND y.start_year IN (2025, 2026) AND g.grade BETWEEN 0 AND u.top_grade;

  -- Preschool: register children from about their first birthday; some cohort children at
  -- the independent preschool nearest home until the summer before förskoleklass.
  INSERT INTO pg_temp._demo_enrol (pkey, unit_ord, school_form, hours, valid_from, valid_to)
  SELECT p.pkey, p.unit_ord, 'forskola',
         CASE WHEN skolval.seeded_random(seed, 'hours', p.pkey) < 0.2 THEN 15
              WHEN skolval.seeded_random(seed, 'hours', p.pkey) < 0.4 THEN 25 ELSE 40 END,
         p.birth_date + 365 + pg_catalog.floor(skolval.seeded_random(seed, 'preschool-start', p.pkey) * 200)::integer,
         NULL
    FROM pg_temp._demo_person p WHERE p.role = 'preschool'
  UNION ALL
  SELECT p.pkey, n.ord, 'forskola',
         CASE WHEN skolval.seeded_random(seed, 'hours', p.pkey) < 0.2 THEN 15
              WHEN skolval.seeded_random(seed, 'hours', p.pkey) < 0.4 THEN 25 ELSE 40 END,
         p.birth_date + 365 + pg_catalog.floor(skolval.seeded_random(seed, 'preschool-start', p.pkey) * 200)::integer,
         date '2027-07-31'
    FROM pg_temp._demo_person p
    JOIN pg_temp._demo_home h ON h.household = p.household
   CROSS JOIN LATERAL (SELECT u.ord FROM pg_temp._demo_unit u WHERE u.category = 'independent_preschool'
                        ORDER BY pg_catalog.sqrt((u.hx - h.hx) ^ 2 + (u.hy - h.hy) ^ 2), u.ord LIMIT 1) n
   WHERE p.role = 'cohort' AND skolval.seeded_random(seed, 'independent-preschool', p.pkey) < 0.10;

  -- ........................................
  -- Mid-year changes in the 2026 register of independent units: late starts, leavers (half of
  -- them move to another municipality), moves to the next unit of the same kind (a municipal
  -- one when there is no other independent one), and a few parallel placements there.  A row may be changed by one rule only: the person's single draw
  -- decides which.
  CREATE TEMP TABLE pg_temp._demo_change ON COMMIT DROP AS
    SELECT p.pkey, p.role, u.category,
           CASE WHEN x.r < 0.04 THEN 'late_start' WHEN x.r < 0.08 THEN 'leaves'
                WHEN x.r < 0.11 THEN 'moves' WHEN x.r < 0.12 THEN 'parallel' END AS change,
           date '2026-02-02' + pg_catalog.floor(skolval.seeded_random(seed, 'change-day', p.pkey) * 280)::integer AS day,
           coalesce((SELECT min(o.ord) FROM pg_temp._demo_unit o WHERE o.category = u.category AND o.ord > u.ord),
                    (SELECT min(o.ord) FROM pg_temp._demo_unit o WHERE o.category = u.category AND o.ord < u.ord),
                    (SELECT min(o.ord) FROM pg_temp._demo_unit o
                      WHERE o.category = replace(u.category, 'independent', 'municipal'))) AS other_ord
      FROM pg_temp._demo_person p
      JOIN pg_temp._demo_unit u ON u.ord = p.unit_ord
     CROSS JOIN LATERAL (SELECT skolval.seeded_random(seed, 'change', p.pkey) AS r) x
     WHERE p.role IN ('preschool', 'pupil') AND x.r < 0.12;

  DELETE FROM pg_temp._demo_enrol e USING pg_temp._demo_change c
   WHERE c.pkey = e.pkey AND c.change = 'late_start' AND e.valid_to < c.day;
  UPDATE pg_temp._demo_enrol e SET valid_from = greatest(e.valid_from, c.day)
    FROM pg_temp._demo_change c WHERE c.pkey = e.pkey AND c.change = 'late_start';

  DELETE FROM pg_temp._demo_enrol e USING pg_temp._demo_change c
   WHERE c.pkey = e.pkey AND c.change = 'leaves' AND e.valid_from > c.day;
  UPDATE pg_temp._demo_enrol e SET valid_to = c.day
    FROM pg_temp._demo_change c
   WHERE c.pkey = e.pkey AND c.change = 'leaves' AND (e.valid_to IS NULL OR e.valid_to > c.day);
  UPDATE pg_temp._demo_person p SET moves_out = c.day + 1
    FROM pg_temp._demo_change c
   WHERE c.pkey = p.pkey AND c.change = 'leaves' AND NOT p.elsewhere
     AND skolval.seeded_random(seed, 'moves-out', p.pkey) < 0.5;

  -- A move only when the other unit has the pupil's grades.
  DELETE FROM pg_temp._demo_change c
   WHERE c.change = 'moves'
     AND (c.other_ord IS NULL
          OR EXISTS (SELECT 1 FROM pg_temp._demo_enrol e JOIN pg_temp._demo_unit o ON o.ord = c.other_ord
                      WHERE e.pkey = c.pkey AND (e.valid_to IS NULL OR e.valid_to > c.day)
                        AND e.grade > o.top_grade));
  INSERT INTO pg_temp._demo_enrol (pkey, unit_ord, school_form, grade, hours, valid_from, valid_to)
  SELECT e.pkey, c.other_ord, e.school_form, e.grade, e.hours, c.day + 1, e.valid_to
    FROM pg_temp._demo_enrol e JOIN pg_temp._demo_change c ON c.pkey = e.pkey
   WHERE c.change = 'moves' AND e.valid_from <= c.day AND (e.valid_to IS NULL OR e.valid_to > c.day);
  UPDATE pg_temp._demo_enrol e SET unit_ord = c.other_ord
    FROM pg_temp._demo_change c WHERE c.pkey = e.pkey AND c.change = 'moves' AND e.valid_from > c.day;
  UPDATE pg_temp._demo_enrol e SET valid_to = c.day
    FROM pg_temp._demo_change c
   WHERE c.pkey = e.pkey AND c.change = 'moves' AND e.unit_ord <> c.other_ord
     AND e.valid_from <= c.day AND (e.valid_to IS NULL OR e.valid_to > c.day);

  INSERT INTO pg_temp._demo_enrol (pkey, unit_ord, school_form, grade, hours, valid_from, valid_to, parallel)
  SELECT e.pkey, c.other_ord, e.school_form, e.grade, e.hours, date '2026-03-02', date '2026-04-30', true
    FROM pg_temp._demo_enrol e JOIN pg_temp._demo_change c ON c.pkey = e.pkey
   WHERE c.change = 'parallel' AND c.other_ord IS NOT NULL
     AND e.valid_from <= date '2026-03-02' AND (e.valid_to IS NULL OR e.valid_to >= date '2026-04-30');
  DROP TABLE pg_temp._demo_change;

  -- Fritidshem next to förskoleklass and grundskola: most pupils in F-3, a few in 4-6.
  INSERT INTO pg_temp._demo_enrol (pkey, unit_ord, school_form, grade, valid_from, valid_to)
  SELECT e.pkey, e.unit_ord, 'fritidshem',
         CASE WHEN skolval.seeded_random(seed, 'fritidshem-grade', e.pkey) < 0.1 THEN NULL ELSE e.grade END,
         e.valid_from, e.valid_to
    FROM pg_temp._demo_enrol e
   WHERE e.school_form IN ('forskoleklass', 'grundskola') AND NOT e.parallel
     AND skolval.seeded_random(seed, 'fritidshem', e.pkey)
         < CASE WHEN e.grade <= 3 THEN 0.75 WHEN e.grade <= 6 THEN 0.15 ELSE 0 END;

  -- Register children whose every placement was cut away are not in the register.
  DELETE FROM pg_temp._demo_person p
   WHERE p.role IN ('preschool', 'pupil') AND NOT EXISTS (SELECT 1 FROM pg_temp._demo_enrol e WHERE e.pkey = p.pkey);

  -- Personal numbers: serials by birth day and sex, offset per day, unique while fewer than
  -- 500 children of one sex share a birth day.
  SELECT max(n) INTO overflow FROM (SELECT pg_catalog.count(*) AS n FROM pg_temp._demo_person GROUP BY birth_date, male) x;
  IF overflow > 500 THEN
    RAISE EXCEPTION 'too many generated children share a birth date (%)', overflow
      USING ERRCODE = 'program_limit_exceeded', HINT = 'Use fewer children.';
  END IF;
  UPDATE pg_temp._demo_person p
     SET personal_number = skolval.personal_number_make(n.birth_date,
           ((2 * n.rn + CASE WHEN n.male THEN 1 ELSE 0 END
             + 2 * pg_catalog.floor(skolval.seeded_random(seed, 'serial', n.birth_date - date '2000-01-01') * 500)::bigint) % 1000)::integer)
    FROM (SELECT q.pkey, q.birth_date, q.male,
                 pg_catalog.row_number() OVER (PARTITION BY q.birth_date, q.male ORDER BY q.pkey) - 1 AS rn
            FROM pg_temp._demo_person q) n
   WHERE n.pkey = p.pkey;

  INSERT INTO skolval.child (personal_number, given_name, family_name, birth_date, protected_identity)
  SELECT p.personal_number, p.given_name, p.family_name, p.birth_date, p.protected
    FROM pg_temp._demo_person p ORDER BY p.pkey;
  UPDATE pg_temp._demo_person p SET child_id = c.child_id
    FROM skolval.child c WHERE c.personal_number = p.personal_number;

  -- Residence from birth: in Exempelkommun at the household's address, or elsewhere; some
  -- move away during 2026.
  INSERT INTO skolval.residence (child_id, municipality_code, address, postal_code, postal_town,
                                 district_code, home, valid_from, valid_to)
  SELECT r.* FROM (
    SELECT p.child_id, '9999', h.address, h.postal_code, 'Exempelstad', h.district_code, skolval._demo_point(h.hx, h.hy),
           p.birth_date, p.moves_out - 1
      FROM pg_temp._demo_person p JOIN pg_temp._demo_home h ON h.household = p.household
     WHERE NOT p.elsewhere
    UNION ALL
    SELECT p.child_id, split_part(m.place, ':', 1),
           skolval._demo_street_name(seed, p.pkey % 600, false) || ' ' || (1 + p.pkey % 37)::text,
           pg_catalog.format('%s %s', 200 + (p.pkey % 97), pg_catalog.lpad((p.pkey % 89 + 10)::text, 2, '0')),
           split_part(m.place, ':', 2), NULL::text, NULL,
           coalesce(p.moves_out, p.birth_date), NULL::date
      FROM pg_temp._demo_person p
     CROSS JOIN LATERAL (SELECT skolval._demo_pick(skolval._demo_words('other_municipality'),
                                  skolval.seeded_random(seed, 'other-municipality', p.pkey)) AS place) m
     WHERE p.elsewhere OR p.moves_out IS NOT NULL) r
   ORDER BY 1, 8;

  INSERT INTO skolval.sibling (child_id, sibling_id)
  SELECT least(a.child_id, b.child_id), greatest(a.child_id, b.child_id)
    FROM pg_temp._demo_link l JOIN pg_temp._demo_person a ON a.pkey = l.a JOIN pg_temp._demo_person b ON b.pkey = l.b
   ORDER BY 1, 2;

  INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, hours_per_week, valid_from, valid_to)
  SELECT p.child_id, u.unit_id, e.school_form, e.grade, e.hours, e.valid_from, e.valid_to
    FROM pg_temp._demo_enrol e JOIN pg_temp._demo_person p ON p.pkey = e.pkey JOIN pg_temp._demo_unit u ON u.ord = e.unit_ord
   ORDER BY p.child_id, e.valid_from, e.school_form, u.unit_id;

  -- --------------------------------------------------------------------------------
  -- The placement round: cohort, capacities (about 105 % of the cohort, uneven so that popular
  -- schools are oversubscribed) and ranked wishes.
  INSERT INTO skolval.placement_round (name, municipality_code, school_form, start_date,
                                       cohort_birth_year, lottery_seed)
  VALUES ('Förskoleklass HT2027', '9999', 'forskoleklass', date '2027-08-16', 2021,
          pg_catalog.floor((skolval.seeded_random(seed, 'lottery-seed', 0) - 0.5) * 1.8e19)::bigint)
  RETURNING round_id INTO rid;
  added := skolval.round_fill_cohort(rid);
  IF added <> children THEN
    RAISE EXCEPTION 'example cohort has % children, expected %', added, children
      USING ERRCODE = 'internal_error';
  END IF;

  -- Seats in proportion to a random weight; popular and independent schools are smaller.
  -- The remainder goes to the largest fractions, so the total is exact.
  INSERT INTO skolval.round_capacity (round_id, unit_id, seats)
  SELECT rid, w.unit_id,
         pg_catalog.floor(w.share)::integer
           + CASE WHEN pg_catalog.row_number() OVER (ORDER BY w.share - pg_catalog.floor(w.share) DESC, w.ord)
                       <= seats_total - sum(pg_catalog.floor(w.share)) OVER () THEN 1 ELSE 0 END
    FROM (SELECT v.ord, v.unit_id, seats_total * v.weight / sum(v.weight) OVER () AS share
            FROM (SELECT u.ord, u.unit_id,
                         (0.7 + 0.6 * skolval.seeded_random(seed, 'capacity', u.ord))
                         * CASE WHEN u.popular THEN 0.85 ELSE 1 END
                         * CASE WHEN u.category = 'independent_school' THEN 0.6 ELSE 1 END AS weight
                    FROM pg_temp._demo_unit u
                   WHERE u.category IN ('municipal_school', 'independent_school')) v) w
   ORDER BY w.unit_id;
  -- law (issue 13): the municipality places administratively only at its own units, so they
  -- hold a seat for every child of the cohort: seats move one by one from the largest
  -- independent unit (keeping one) to the largest municipal unit; the total stays the same.
  LOOP
    EXIT WHEN (SELECT coalesce(sum(x.seats), 0) FROM skolval.round_capacity x JOIN skolval.unit u ON u.unit_id = x.unit_id
                WHERE x.round_id = rid AND u.organizer = 'municipal') >= children;
    UPDATE skolval.round_capacity c SET seats = c.seats - 1
     WHERE c.round_id = rid
       AND c.unit_id = (SELECT x.unit_id FROM skolval.round_capacity x JOIN skolval.unit u ON u.unit_id = x.unit_id
                         WHERE x.round_id = rid AND u.organizer = 'independent' AND x.seats > 1
                         ORDER BY x.seats DESC, x.unit_id LIMIT 1);
    UPDATE skolval.round_capacity c SET seats = c.seats + 1
     WHERE c.round_id = rid
       AND c.unit_id = (SELECT x.unit_id FROM skolval.round_capacity x JOIN skolval.unit u ON u.unit_id = x.unit_id
                         WHERE x.round_id = rid AND u.organizer = 'municipal' ORDER BY x.seats DESC, x.unit_id LIMIT 1);
  END LOOP;

  -- Wishes: the candidates near home and the popular schools scored by distance, popularity
  -- and noise (a logit choice).  A twin usually wishes what the other twin wishes (same
  -- draws).  Most children with an older sibling in F-3 put the sibling's school first and
  -- claim the sibling; some forget to claim; a few claims cannot be verified.
  INSERT INTO skolval.wish (round_id, child_id, rank, unit_id, sibling_claim, submitted_at)
  SELECT rid, r.child_id, r.rank, r.unit_id,
         r.forced AND r.claim OR r.rank = 1 AND r.false_claim,
         timestamptz '2027-01-10 08:00:00+01'
           + skolval.seeded_random(seed, 'submitted', r.wkey) * interval '20 days'
    FROM (SELECT s.*, pg_catalog.row_number() OVER (PARTITION BY s.child_id
                        ORDER BY s.forced DESC, s.score DESC, s.ord) AS rank
            FROM (SELECT k.child_id, k.wkey, k.wishes, u.ord, u.unit_id,
                         u.ord IS NOT DISTINCT FROM k.sibling_unit_ord AND (k.sibling_f3 AND k.uc < 0.93 OR NOT k.sibling_f3 AND k.uc < 0.3) AS forced,
                         k.sibling_f3 AND k.uc < 0.85 OR NOT k.sibling_f3 AND k.uc < 0.3 AS claim,
                         k.sibling_unit_ord IS NULL AND k.uf < 0.01 AS false_claim,
                         - pg_catalog.sqrt((k.hx - u.hx) ^ 2 + (k.hy - u.hy) ^ 2) / 800.0
                         + CASE WHEN u.popular THEN 1.2 ELSE 0 END
                         - 0.6 * ln(- ln(greatest(skolval.seeded_random(seed, 'wish-noise', k.wkey * 100000 + u.ord), 1e-12))) AS score
                    FROM (SELECT p.child_id, c.sibling_unit_ord, coalesce(c.sibling_f3, false) AS sibling_f3, h.hx, h.hy, x.wkey,
                                 CASE WHEN skolval.seeded_random(seed, 'wish-count', x.wkey) < 0.2 THEN 1
                                      WHEN skolval.seeded_random(seed, 'wish-count', x.wkey) < 0.45 THEN 2 ELSE 3 END AS wishes,
                                 skolval.seeded_random(seed, 'sibling-claim', x.wkey) AS uc,
                                 skolval.seeded_random(seed, 'false-claim', x.wkey) AS uf
                            FROM pg_temp._demo_cohort c
                            JOIN pg_temp._demo_person p ON p.pkey = c.i
                            JOIN pg_temp._demo_home h ON h.household = c.household
                           CROSS JOIN LATERAL (SELECT CASE WHEN c.twin_second
                                                            AND skolval.seeded_random(seed, 'twin-same', c.i) < 0.9
                                                           THEN c.household ELSE c.i END AS wkey) x
                           WHERE skolval.seeded_random(seed, 'no-wish', x.wkey) >= 0.05) k
                   CROSS JOIN LATERAL (
                          (SELECT n.ord, n.unit_id, n.hx, n.hy, n.popular FROM pg_temp._demo_unit n
                            WHERE n.category IN ('municipal_school', 'independent_school')
                            ORDER BY pg_catalog.sqrt((n.hx - k.hx) ^ 2 + (n.hy - k.hy) ^ 2), n.ord LIMIT 12)
                          UNION
                          SELECT n.ord, n.unit_id, n.hx, n.hy, n.popular FROM pg_temp._demo_unit n
                           WHERE n.category IN ('municipal_school', 'independent_school')
                             AND (n.popular OR n.ord = k.sibling_unit_ord)) u) s) r
   WHERE r.rank <= greatest(r.wishes, 1)
   ORDER BY r.child_id, r.rank;

  -- Fresh statistics, so the first distance and placement runs get good plans (only the tables'
  -- owner may analyze them: an admin's example gets the autovacuum's statistics instead).
  IF (SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE') FROM pg_catalog.pg_class c
       WHERE c.oid = 'skolval.unit'::pg_catalog.regclass::pg_catalog.oid) THEN
    ANALYZE skolval.unit, skolval.child, skolval.residence, skolval.enrollment, skolval.sibling,
            skolval.round_cohort, skolval.round_capacity, skolval.wish;
  END IF;

  RETURN QUERY
  WITH net AS (SELECT * FROM skolval.network n WHERE n.network_id = nid),
       cohort AS (SELECT rc.child_id,
                         EXISTS (SELECT 1 FROM skolval.wish w WHERE w.round_id = rid AND w.child_id = rc.child_id) AS wished,
                         EXISTS (SELECT 1 FROM skolval.sibling_pair sp JOIN skolval.child o ON o.child_id = sp.sibling_id
                                  WHERE sp.child_id = rc.child_id AND o.birth_date < c.birth_date) AS older_sibling,
                         c.protected_identity
                    FROM skolval.round_cohort rc JOIN skolval.child c ON c.child_id = rc.child_id
                   WHERE rc.round_id = rid)
  SELECT v.k, v.n FROM (VALUES
    (1, 'network edges', (SELECT net.edge_count FROM net)),
    (2, 'network vertices', (SELECT net.vertex_count FROM net)),
    (3, 'network km', (SELECT round(net.total_length_m / 1000)::bigint FROM net)),
    (4, 'edges dropped (not connected)', (SELECT net.dropped_edge_count FROM net)),
    (5, 'bridges', (SELECT pg_catalog.count(*) FROM skolval.edge e WHERE e.network_id = nid AND e.kind = 'bridge')),
    (6, 'underpasses', (SELECT pg_catalog.count(*) FROM skolval.edge e WHERE e.network_id = nid AND e.kind = 'underpass')),
    (7, 'districts', (SELECT pg_catalog.count(*) FROM skolval.district)),
    (8, 'municipal schools', (SELECT pg_catalog.count(*) FROM pg_temp._demo_unit u WHERE u.category = 'municipal_school')),
    (9, 'independent schools', (SELECT pg_catalog.count(*) FROM pg_temp._demo_unit u WHERE u.category = 'independent_school')),
    (10, 'municipal preschools', (SELECT pg_catalog.count(*) FROM pg_temp._demo_unit u WHERE u.category = 'municipal_preschool')),
    (11, 'independent preschools', (SELECT pg_catalog.count(*) FROM pg_temp._demo_unit u WHERE u.category = 'independent_preschool')),
    (12, 'cohort children', (SELECT pg_catalog.count(*) FROM cohort)),
    (13, 'with wishes', (SELECT pg_catalog.count(*) FROM cohort WHERE wished)),
    (14, 'without wishes', (SELECT pg_catalog.count(*) FROM cohort WHERE NOT wished)),
    (15, 'with an older sibling', (SELECT pg_catalog.count(*) FROM cohort WHERE older_sibling)),
    (16, 'twin pairs', (SELECT pg_catalog.count(*) FROM pg_temp._demo_cohort c WHERE c.twin_second)),
    (17, 'protected identity', (SELECT pg_catalog.count(*) FROM cohort WHERE protected_identity)),
    (18, 'wishes', (SELECT pg_catalog.count(*) FROM skolval.wish w WHERE w.round_id = rid)),
    (19, 'sibling claims', (SELECT pg_catalog.count(*) FROM skolval.wish w WHERE w.round_id = rid AND w.sibling_claim)),
    (20, 'seats', (SELECT sum(rc.seats) FROM skolval.round_capacity rc WHERE rc.round_id = rid)),
    (21, 'children in the register', (SELECT pg_catalog.count(*) FROM skolval.child)),
    (22, 'enrollments in 2026 at independent units',
         (SELECT pg_catalog.count(*) FROM skolval.enrollment e JOIN skolval.unit u USING (unit_id)
           WHERE u.organizer = 'independent' AND e.valid_from <= date '2026-12-31'
             AND (e.valid_to IS NULL OR e.valid_to >= date '2026-01-01')))
  ) v(o, k, n) ORDER BY v.o;

  DROP TABLE pg_temp._demo_unit, pg_temp._demo_person, pg_temp._demo_home, pg_temp._demo_cohort, pg_temp._demo_enrol, pg_temp._demo_link, pg_temp._demo_year;
END $$;
COMMENT ON FUNCTION skolval.demo_municipality(integer, bigint, integer, boolean) IS
  'Fill skolval with the example municipality Exempelkommun (9999): a generated network of about network_edges edges with a river and a railway, districts, schools and preschools, a förskoleklass round for "children" children born 2021 with wishes, siblings and capacities, and a 2026 register of independent units. Deterministic for the seed. Refuses (object_not_in_prerequisite_state) when skolval holds data, unless replace => true, which deletes all skolval data first. Returns a summary';

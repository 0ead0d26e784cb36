-- generated from sql/NN_*.sql by make; edit those files, not this one
\echo Use "CREATE EXTENSION skolval CASCADE" to load this file. \quit

-- ==== sql/00_base.sql
-- skolval: base objects — settings, shared types and the C helpers everything else uses.
--
-- Conventions for the whole script:
--  * every object lives in schema skolval and is referred to with its schema;
--  * plpgsql/sql functions get a fixed search_path at the end of the script (99_finish.sql),
--    so nothing depends on the caller's search_path;
--  * periods (valid_from, valid_to) are inclusive at both ends; valid_to NULL means open.

COMMENT ON SCHEMA skolval IS
  'skolval: förskoleklass placement and grant payments for independent schools and preschools';

-- ---------------------------------------------------------------------------------------
-- Domains
-- ---------------------------------------------------------------------------------------

CREATE DOMAIN skolval.school_form AS text
  CONSTRAINT school_form_known
  CHECK (VALUE IN ('forskola', 'forskoleklass', 'grundskola', 'fritidshem'));
COMMENT ON DOMAIN skolval.school_form IS
  'School form (skolform): forskola (preschool), forskoleklass (preschool class, the year before grade 1), grundskola (compulsory school, grades 1-9), fritidshem (after-school centre)';

CREATE DOMAIN skolval.organizer_type AS text
  CONSTRAINT organizer_type_known CHECK (VALUE IN ('municipal', 'independent'));
COMMENT ON DOMAIN skolval.organizer_type IS
  'Who runs a unit: municipal (kommunal huvudman) or independent (enskild huvudman, friskola)';

CREATE DOMAIN skolval.municipality_code AS text
  CONSTRAINT municipality_code_four_digits CHECK (VALUE ~ '^[0-9]{4}$');
COMMENT ON DOMAIN skolval.municipality_code IS
  'Swedish municipality code (kommunkod), four digits, for example 1281 for Lund';

-- ---------------------------------------------------------------------------------------
-- C helpers (src/common)
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval.library_version() RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_library_version';
COMMENT ON FUNCTION skolval.library_version() IS
  'Version of the loaded skolval shared library; differs from the extension version after an incomplete upgrade';

CREATE FUNCTION skolval.seeded_random(seed bigint, stream text, n bigint) RETURNS double precision
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_seeded_random';
COMMENT ON FUNCTION skolval.seeded_random(bigint, text, bigint) IS
  'Reproducible random number in [0, 1) that depends only on (seed, stream, n), never on call order: the lottery and the example municipality are recomputed from their stored seed';

CREATE FUNCTION skolval.personal_number_problem(personal_number text) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_personal_number_problem';
COMMENT ON FUNCTION skolval.personal_number_problem(text) IS
  'NULL when the text is a valid personnummer or samordningsnummer (YYYYMMDDNNNC or YYYYMMDD-NNNC), otherwise the reason it is not';

CREATE FUNCTION skolval.personal_number_normalize(personal_number text) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_personal_number_normalize';
COMMENT ON FUNCTION skolval.personal_number_normalize(text) IS
  'The 12-digit canonical form of a personal identity number; raises invalid_text_representation (22P02) for an invalid one';

CREATE FUNCTION skolval.personal_number_birth_date(personal_number text) RETURNS date
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_personal_number_birth_date';
COMMENT ON FUNCTION skolval.personal_number_birth_date(text) IS
  'Date of birth encoded in a personal identity number (the day minus 60 for a samordningsnummer)';

CREATE FUNCTION skolval.personal_number_make(birth_date date, serial integer) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_personal_number_make';
COMMENT ON FUNCTION skolval.personal_number_make(date, integer) IS
  'A valid personal identity number for a birth date and a three-digit serial, with the right check digit; for generated test data only';

-- ---------------------------------------------------------------------------------------
-- Settings
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.settings (
  singleton          boolean PRIMARY KEY DEFAULT true
                     CONSTRAINT settings_single_row CHECK (singleton),
  municipality_code  skolval.municipality_code,
  municipality_name  text,
  srid               integer NOT NULL DEFAULT 3006,
  network_margin_m   double precision NOT NULL DEFAULT 5000
                     CONSTRAINT network_margin_positive CHECK (network_margin_m > 0),
  snap_limit_m       double precision NOT NULL DEFAULT 250
                     CONSTRAINT snap_limit_positive CHECK (snap_limit_m > 0),
  updated_at         timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE skolval.settings IS
  'The municipality''s settings: at most one row; when it is empty the defaults apply (see skolval.configure())';
COMMENT ON COLUMN skolval.settings.singleton IS 'Always true: keeps the table to one row';
COMMENT ON COLUMN skolval.settings.municipality_code IS 'The municipality (kommunkod) whose data this database holds';
COMMENT ON COLUMN skolval.settings.municipality_name IS 'The municipality''s name, used in letters and statements';
COMMENT ON COLUMN skolval.settings.srid IS
  'Metric coordinate system every stored point and line is kept in; default 3006 (SWEREF99 TM). Input in other systems, such as WGS84 (4326), is transformed on the way in. Can only change while no geometry is stored';
COMMENT ON COLUMN skolval.settings.network_margin_m IS
  'A home or unit farther than this many metres from the active path network''s extent is rejected as a coordinate error';
COMMENT ON COLUMN skolval.settings.snap_limit_m IS
  'A home or unit farther than this many metres from every walkable edge is not snapped: it becomes a data issue (home_off_network, unit_off_network), never a guess';
COMMENT ON COLUMN skolval.settings.updated_at IS 'When the settings last changed';

CREATE FUNCTION skolval.srid() RETURNS integer
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT coalesce((SELECT s.srid FROM skolval.settings s), 3006) $$;
COMMENT ON FUNCTION skolval.srid() IS 'The metric coordinate system (SRID) skolval stores geometry in';

CREATE FUNCTION skolval.municipality_code() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT s.municipality_code::text FROM skolval.settings s $$;
COMMENT ON FUNCTION skolval.municipality_code() IS 'The configured municipality code, NULL when not configured';

CREATE FUNCTION skolval.configure(
  municipality_code text DEFAULT NULL,
  municipality_name text DEFAULT NULL,
  srid integer DEFAULT NULL,
  network_margin_m double precision DEFAULT NULL,
  snap_limit_m double precision DEFAULT NULL)
RETURNS skolval.settings
LANGUAGE plpgsql AS $$
DECLARE
  result skolval.settings;
BEGIN
  INSERT INTO skolval.settings AS s (singleton, municipality_code, municipality_name, srid, network_margin_m, snap_limit_m)
  VALUES (true, configure.municipality_code, configure.municipality_name,
          coalesce(configure.srid, 3006), coalesce(configure.network_margin_m, 5000),
          coalesce(configure.snap_limit_m, 250))
  ON CONFLICT (singleton) DO UPDATE
     SET municipality_code = coalesce(configure.municipality_code, s.municipality_code),
         municipality_name = coalesce(configure.municipality_name, s.municipality_name),
         srid              = coalesce(configure.srid, s.srid),
         network_margin_m  = coalesce(configure.network_margin_m, s.network_margin_m),
         snap_limit_m      = coalesce(configure.snap_limit_m, s.snap_limit_m),
         updated_at        = pg_catalog.now()
  RETURNING * INTO result;
  RETURN result;
END $$;
COMMENT ON FUNCTION skolval.configure(text, text, integer, double precision, double precision) IS
  'Set the municipality''s settings; arguments left NULL keep their current value';

-- The coordinate system must be metric and cannot change under stored geometry.
CREATE FUNCTION skolval._settings_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  proj text;
BEGIN
  SELECT r.proj4text INTO proj FROM spatial_ref_sys r WHERE r.srid = NEW.srid;
  IF proj IS NULL THEN
    RAISE EXCEPTION 'unknown coordinate system (SRID %)', NEW.srid
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use an SRID from spatial_ref_sys, for example 3006 for SWEREF99 TM.';
  END IF;
  IF proj NOT LIKE '%+units=m%' THEN
    RAISE EXCEPTION 'coordinate system % is not metric', NEW.srid
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Distances and snapping are computed in metres in the stored coordinate system.',
            HINT = 'Use 3006 (SWEREF99 TM) in Sweden, or the local UTM zone elsewhere.';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.srid IS DISTINCT FROM OLD.srid
     OR TG_OP = 'INSERT' AND NEW.srid <> 3006 THEN
    IF EXISTS (SELECT 1 FROM skolval.unit) OR EXISTS (SELECT 1 FROM skolval.residence WHERE home IS NOT NULL)
       OR EXISTS (SELECT 1 FROM skolval.edge) THEN
      RAISE EXCEPTION 'cannot change the coordinate system while geometry is stored'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = 'Units, homes or network edges are already stored in SRID ' || skolval.srid() || '.',
              HINT = 'Set the SRID before loading any data.';
    END IF;
  END IF;
  RETURN NEW;
END $$;

-- ==== sql/10_network.sql
-- skolval: the walking network — pgRouting-ready edges with lengths in metres, versioned.

CREATE TABLE skolval.network (
  network_id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name                text NOT NULL,
  source              text NOT NULL,
  srid                integer NOT NULL,
  content_hash        text,
  edge_count          bigint,
  vertex_count        bigint,
  total_length_m      double precision,
  dropped_edge_count  bigint,
  extent              geometry(Polygon),
  created_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
  finished_at         timestamptz,
  is_active           boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX network_only_one_active ON skolval.network (is_active) WHERE is_active;
COMMENT ON TABLE skolval.network IS
  'A version of the walking network. Every distance refers to the network it was computed on; exactly one network is active';
COMMENT ON COLUMN skolval.network.network_id IS 'Network version id';
COMMENT ON COLUMN skolval.network.name IS 'Human name, for example "Lund OSM 2026-03"';
COMMENT ON COLUMN skolval.network.source IS 'Where the edges came from: demo, osm:<file>, table:<name>';
COMMENT ON COLUMN skolval.network.srid IS 'Coordinate system of the edge geometry (the settings'' SRID when loaded)';
COMMENT ON COLUMN skolval.network.content_hash IS 'md5 over every edge (id, ends, length, geometry), set by network_finish(); equal hashes mean equal networks';
COMMENT ON COLUMN skolval.network.edge_count IS 'Routable edges kept (the largest connected component)';
COMMENT ON COLUMN skolval.network.vertex_count IS 'Vertices of the routable edges';
COMMENT ON COLUMN skolval.network.total_length_m IS 'Summed length of the routable edges in metres';
COMMENT ON COLUMN skolval.network.dropped_edge_count IS 'Edges removed because they were not connected to the largest component';
COMMENT ON COLUMN skolval.network.extent IS 'Bounding box of the routable edges; points far outside it are rejected';
COMMENT ON COLUMN skolval.network.created_at IS 'When loading started';
COMMENT ON COLUMN skolval.network.finished_at IS 'When network_finish() completed; NULL while loading';
COMMENT ON COLUMN skolval.network.is_active IS 'The network distances are computed on; at most one is active';

CREATE TABLE skolval.edge (
  network_id  bigint NOT NULL REFERENCES skolval.network ON DELETE CASCADE,
  edge_id     bigint NOT NULL,
  source      bigint NOT NULL,
  target      bigint NOT NULL,
  length_m    double precision NOT NULL CONSTRAINT edge_length_positive CHECK (length_m > 0),
  kind        text,
  name        text,
  geom        geometry(LineString) NOT NULL,
  PRIMARY KEY (network_id, edge_id)
);
CREATE INDEX edge_geom_idx ON skolval.edge USING gist (geom);
COMMENT ON TABLE skolval.edge IS
  'Walkable edges of a network, pgRouting-ready: SELECT edge_id AS id, source, target, length_m AS cost, length_m AS reverse_cost (undirected: walking ignores one-way streets)';
COMMENT ON COLUMN skolval.edge.network_id IS 'Network version the edge belongs to';
COMMENT ON COLUMN skolval.edge.edge_id IS 'Edge id, unique within the network';
COMMENT ON COLUMN skolval.edge.source IS 'Vertex id at the start of the geometry';
COMMENT ON COLUMN skolval.edge.target IS 'Vertex id at the end of the geometry';
COMMENT ON COLUMN skolval.edge.length_m IS 'Walking length in metres (the routing cost)';
COMMENT ON COLUMN skolval.edge.kind IS 'What kind of way it is: the OSM highway tag (footway, residential, ...) or bridge, crossing and the like for generated networks';
COMMENT ON COLUMN skolval.edge.name IS 'Street or path name when known';
COMMENT ON COLUMN skolval.edge.geom IS 'The edge as a LineString in the settings'' SRID';

CREATE FUNCTION skolval.active_network_id() RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT n.network_id FROM skolval.network n WHERE n.is_active $$;
COMMENT ON FUNCTION skolval.active_network_id() IS 'The id of the active network, NULL when there is none';

CREATE FUNCTION skolval.network_edges_sql(network_id bigint) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT pg_catalog.format(
     'SELECT edge_id AS id, source, target, length_m AS cost, length_m AS reverse_cost '
     'FROM skolval.edge WHERE network_id = %s', network_id) $$;
COMMENT ON FUNCTION skolval.network_edges_sql(bigint) IS
  'The edges SQL to give pgRouting functions for a network (walking: cost and reverse cost are both the length)';

-- Finish a loaded network: keep the largest connected component, record what was dropped,
-- compute the content hash, counts and extent, and optionally make it the active network.
CREATE FUNCTION skolval.network_finish(network_id bigint, activate boolean DEFAULT true)
RETURNS skolval.network
LANGUAGE plpgsql AS $$
DECLARE
  net skolval.network;
  dropped bigint;
  components bigint;
BEGIN
  SELECT * INTO net FROM skolval.network n WHERE n.network_id = network_finish.network_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'network % does not exist', network_finish.network_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM skolval.edge e WHERE e.network_id = net.network_id) THEN
    RAISE EXCEPTION 'network % has no edges', net.network_id
      USING ERRCODE = 'no_data_found', HINT = 'Load the edges into skolval.edge first.';
  END IF;

  -- pgr_connectedComponents labels every vertex with the smallest vertex id of its component.
  CREATE TEMP TABLE _sv_component ON COMMIT DROP AS
    SELECT c.node, c.component
      FROM pgr_connectedComponents(skolval.network_edges_sql(net.network_id)) c;
  SELECT count(DISTINCT component) INTO components FROM _sv_component;

  WITH biggest AS (
    SELECT component FROM _sv_component GROUP BY component ORDER BY count(*) DESC, component LIMIT 1
  )
  DELETE FROM skolval.edge e
   WHERE e.network_id = net.network_id
     AND NOT EXISTS (SELECT 1 FROM _sv_component c JOIN biggest b USING (component)
                      WHERE c.node = e.source);
  GET DIAGNOSTICS dropped = ROW_COUNT;
  DROP TABLE _sv_component;
  IF dropped > 0 THEN
    RAISE NOTICE 'network %: kept the largest of % connected components; dropped % edges not connected to it',
      net.network_id, components, dropped;
  END IF;

  UPDATE skolval.network n
     SET edge_count = s.edges,
         vertex_count = s.vertices,
         total_length_m = s.total,
         extent = s.extent,
         content_hash = s.hash,
         dropped_edge_count = coalesce(n.dropped_edge_count, 0) + dropped,
         finished_at = pg_catalog.now()
    FROM (SELECT count(*) AS edges,
                 (SELECT count(*) FROM (SELECT e2.source FROM skolval.edge e2 WHERE e2.network_id = net.network_id
                                        UNION SELECT e2.target FROM skolval.edge e2 WHERE e2.network_id = net.network_id) v) AS vertices,
                 sum(e.length_m) AS total,
                 -- a network along one straight line has a flat box: widen it to a polygon
                 ST_SetSRID(CASE WHEN ST_XMin(ST_Extent(e.geom)) = ST_XMax(ST_Extent(e.geom))
                                   OR ST_YMin(ST_Extent(e.geom)) = ST_YMax(ST_Extent(e.geom))
                                 THEN ST_Expand(ST_Extent(e.geom), 1)::geometry
                                 ELSE ST_Extent(e.geom)::geometry END, net.srid) AS extent,
                 pg_catalog.md5(pg_catalog.string_agg(
                   pg_catalog.md5(e.edge_id || ':' || e.source || ':' || e.target || ':' ||
                                  pg_catalog.round(e.length_m::numeric, 3) || ':' ||
                                  pg_catalog.encode(ST_AsBinary(e.geom), 'hex')),
                   '' ORDER BY e.edge_id)) AS hash
            FROM skolval.edge e WHERE e.network_id = net.network_id) s
   WHERE n.network_id = net.network_id;

  IF activate THEN
    UPDATE skolval.network n SET is_active = false WHERE n.is_active AND n.network_id <> net.network_id;
    UPDATE skolval.network n SET is_active = true WHERE n.network_id = net.network_id;
  END IF;

  SELECT * INTO net FROM skolval.network n WHERE n.network_id = net.network_id;
  RETURN net;
END $$;
COMMENT ON FUNCTION skolval.network_finish(bigint, boolean) IS
  'Finish loading a network: keep the largest connected component (NOTICE with what was dropped), compute hash, counts and extent, and by default make it the active network';

-- Load a network from any query returning pgRouting-ready edges: id, source, target, geom and
-- optionally kind and name. Geometry in another SRID is transformed; lengths are measured in
-- metres in the stored system. A bad row stops the load with its id in the message.
CREATE FUNCTION skolval.network_load(name text, source text, edges_sql text, activate boolean DEFAULT true)
RETURNS skolval.network
LANGUAGE plpgsql AS $$
DECLARE
  cols text[];
  nid bigint;
  srid integer := skolval.srid();
  bad record;
  missing text[];
BEGIN
  PERFORM skolval._drop_temp('_sv_load');
  EXECUTE pg_catalog.format('CREATE TEMP TABLE _sv_load AS SELECT * FROM (%s) q', edges_sql);
  SELECT array_agg(a.attname::text) INTO cols FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = 'pg_temp._sv_load'::regclass AND a.attnum > 0 AND NOT a.attisdropped;
  SELECT array_agg(c) INTO missing FROM unnest(ARRAY['id', 'source', 'target', 'geom']) c WHERE NOT c = ANY (cols);
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'edges query lacks column(s) %', array_to_string(missing, ', ')
      USING ERRCODE = 'undefined_column',
            DETAIL = 'It returns ' || array_to_string(cols, ', ') || '.',
            HINT = 'Return id, source, target and geom (a LineString with an SRID), optionally kind and name.';
  END IF;
  IF NOT 'kind' = ANY (cols) THEN ALTER TABLE _sv_load ADD COLUMN kind text; END IF;
  IF NOT 'name' = ANY (cols) THEN ALTER TABLE _sv_load ADD COLUMN name text; END IF;

  -- Multi-part lines that merge into one line are accepted (NVDB exports them).
  UPDATE _sv_load SET geom = ST_LineMerge(geom) WHERE GeometryType(geom) = 'MULTILINESTRING';
  SELECT l.id, CASE WHEN l.geom IS NULL THEN 'has no geometry'
                    WHEN ST_SRID(l.geom) = 0 THEN 'has no coordinate system (SRID 0)'
                    WHEN GeometryType(l.geom) <> 'LINESTRING' THEN 'is a ' || GeometryType(l.geom) || ', not a LineString'
                    WHEN l.source IS NULL OR l.target IS NULL THEN 'has no source or target vertex'
                    WHEN l.id IS NULL THEN 'has no id' END AS problem
    INTO bad
    FROM _sv_load l
   WHERE l.geom IS NULL OR ST_SRID(l.geom) = 0 OR GeometryType(l.geom) <> 'LINESTRING'
      OR l.source IS NULL OR l.target IS NULL OR l.id IS NULL
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'edge % %', coalesce(bad.id::text, '(without id)'), bad.problem
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  INSERT INTO skolval.network (name, source, srid) VALUES (network_load.name, network_load.source, srid)
  RETURNING network_id INTO nid;
  INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, kind, name, geom)
  SELECT nid, l.id, l.source, l.target, ST_Length(g.g), l.kind, l.name, g.g
    FROM _sv_load l,
         LATERAL (SELECT CASE WHEN ST_SRID(l.geom) = srid THEN l.geom ELSE ST_Transform(l.geom, srid) END AS g) g
   WHERE ST_Length(g.g) > 0;
  DROP TABLE _sv_load;
  RETURN skolval.network_finish(nid, activate);
END $$;
COMMENT ON FUNCTION skolval.network_load(text, text, text, boolean) IS
  'Load a walking network from a query returning id, source, target, geom (LineString with an SRID; MultiLineStrings that merge are accepted) and optionally kind and name, then finish it (largest component kept, hash, extent) and by default activate it. Zero-length edges are skipped';

-- ==== sql/20_register.sql
-- skolval: the register — units, children, residence history (folkbokföring), enrollments
-- from the student register, and siblings.

-- ---------------------------------------------------------------------------------------
-- Points: every stored point is in the settings' SRID and near the municipality's network.
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval.local_point(g geometry, what text) RETURNS geometry
LANGUAGE plpgsql STABLE AS $$
DECLARE
  p geometry;
  net skolval.network;
  margin double precision;
  off_by double precision;
BEGIN
  IF g IS NULL THEN
    RETURN NULL;
  END IF;
  IF GeometryType(g) <> 'POINT' THEN
    RAISE EXCEPTION '%: location must be a point, not %', what, GeometryType(g)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF ST_SRID(g) = 0 THEN
    RAISE EXCEPTION '%: point has no coordinate system (SRID 0)', what
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give the SRID: ST_SetSRID(ST_MakePoint(east, north), 3006) for SWEREF99 TM, or ST_SetSRID(ST_MakePoint(lon, lat), 4326) for WGS84.';
  END IF;
  p := CASE WHEN ST_SRID(g) = skolval.srid() THEN g ELSE ST_Transform(g, skolval.srid()) END;

  SELECT * INTO net FROM skolval.network n WHERE n.is_active;
  IF FOUND AND net.extent IS NOT NULL THEN
    margin := coalesce((SELECT s.network_margin_m FROM skolval.settings s), 5000);
    off_by := ST_Distance(p, net.extent);
    IF off_by > margin THEN
      RAISE EXCEPTION '%: point lies % m outside the municipality''s path network', what, round(off_by::numeric)
        USING ERRCODE = 'check_violation',
              DETAIL = pg_catalog.format('Points more than %s m from the extent of the active network (%s) are rejected.', margin, net.name),
              HINT = 'Check the coordinates: east and north swapped, or a wrong coordinate system?';
    END IF;
  END IF;
  RETURN p;
END $$;
COMMENT ON FUNCTION skolval.local_point(geometry, text) IS
  'Normalise a point for storage: transform it to the settings'' SRID (WGS84 and other input accepted) and reject it when it has no SRID or lies far outside the active network; "what" names the row in the error';

-- ---------------------------------------------------------------------------------------
-- Districts and units
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.district (
  district_code   text PRIMARY KEY,
  name            text NOT NULL,
  administration  text NOT NULL
);
COMMENT ON TABLE skolval.district IS
  'Districts (stadsdelar, kommundelar) of the municipality and the administration (förvaltning) responsible for children living there';
COMMENT ON COLUMN skolval.district.district_code IS 'District code as used in the residence register';
COMMENT ON COLUMN skolval.district.name IS 'District name';
COMMENT ON COLUMN skolval.district.administration IS 'Administration (förvaltning) that bears the cost for children living in the district';

CREATE TABLE skolval.unit (
  unit_id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  unit_code          text NOT NULL CONSTRAINT unit_code_unique UNIQUE
                     CONSTRAINT unit_code_not_blank CHECK (btrim(unit_code) <> ''),
  name               text NOT NULL CONSTRAINT unit_name_not_blank CHECK (btrim(name) <> ''),
  organizer          skolval.organizer_type NOT NULL,
  organizer_name     text,
  school_forms       skolval.school_form[] NOT NULL
                     CONSTRAINT unit_offers_some_form
                     CHECK (cardinality(school_forms) > 0 AND array_position(school_forms, NULL) IS NULL),
  address            text,
  municipality_code  skolval.municipality_code,
  location           geometry(Point) NOT NULL
);
CREATE INDEX unit_location_idx ON skolval.unit USING gist (location);
COMMENT ON TABLE skolval.unit IS
  'School and preschool units (skolenheter, förskoleenheter), municipal and independent';
COMMENT ON COLUMN skolval.unit.unit_id IS 'Internal id';
COMMENT ON COLUMN skolval.unit.unit_code IS 'The unit''s official code, for example Skolverket''s skolenhetskod (8 digits)';
COMMENT ON COLUMN skolval.unit.name IS 'The unit''s name';
COMMENT ON COLUMN skolval.unit.organizer IS 'municipal or independent; only independent units are paid grants';
COMMENT ON COLUMN skolval.unit.organizer_name IS 'Name of the organizer (huvudman), for independent units the company or foundation';
COMMENT ON COLUMN skolval.unit.school_forms IS 'School forms the unit offers; wishes, capacities and enrollments must match one of them';
COMMENT ON COLUMN skolval.unit.address IS 'Visiting address (besöksadress)';
COMMENT ON COLUMN skolval.unit.municipality_code IS 'Municipality the unit lies in';
COMMENT ON COLUMN skolval.unit.location IS 'Entrance point in the settings'' SRID; input in WGS84 (4326) or another SRID is transformed';

CREATE FUNCTION skolval._unit_point() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.location := skolval.local_point(NEW.location, pg_catalog.format('unit %s', NEW.unit_code));
  RETURN NEW;
END $$;
CREATE TRIGGER unit_point BEFORE INSERT OR UPDATE OF location ON skolval.unit
  FOR EACH ROW EXECUTE FUNCTION skolval._unit_point();

-- Shared check: wishes, capacities and enrollments may only name a unit for a form it offers.
CREATE FUNCTION skolval.require_unit_offers(unit_id bigint, form text, what text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
  u skolval.unit;
BEGIN
  SELECT * INTO u FROM skolval.unit x WHERE x.unit_id = require_unit_offers.unit_id;
  IF FOUND AND NOT (form = ANY (u.school_forms::text[])) THEN
    RAISE EXCEPTION '%: unit % (%) does not offer %', what, u.unit_code, u.name, form
      USING ERRCODE = 'check_violation',
            DETAIL = pg_catalog.format('The unit offers %s.', array_to_string(u.school_forms, ', '));
  END IF;
END $$;
COMMENT ON FUNCTION skolval.require_unit_offers(bigint, text, text) IS
  'Raise check_violation when the unit does not offer the school form; "what" names the row in the error';

-- ---------------------------------------------------------------------------------------
-- Children and residence history
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.child (
  child_id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  personal_number     text NOT NULL CONSTRAINT child_personal_number_unique UNIQUE
                      CONSTRAINT child_personal_number_valid
                      CHECK (personal_number ~ '^[0-9]{12}$' AND skolval.personal_number_problem(personal_number) IS NULL),
  given_name          text,
  family_name         text,
  birth_date          date NOT NULL,
  protected_identity  boolean NOT NULL DEFAULT false,
  CONSTRAINT child_birth_date_matches_personal_number
    CHECK (CASE WHEN skolval.personal_number_problem(personal_number) IS NULL
                THEN skolval.personal_number_birth_date(personal_number) = birth_date
                ELSE true END)
);
COMMENT ON TABLE skolval.child IS
  'Children (and their siblings) known from the population register. Personal data: see doc/data-model.md on protected identity';
COMMENT ON COLUMN skolval.child.child_id IS 'Internal id; the only identifier used in messages, logs and BI views';
COMMENT ON COLUMN skolval.child.personal_number IS 'Personnummer or samordningsnummer, 12 digits without hyphen';
COMMENT ON COLUMN skolval.child.given_name IS 'Given name (tilltalsnamn); never shown for a child with protected identity';
COMMENT ON COLUMN skolval.child.family_name IS 'Family name; never shown for a child with protected identity';
COMMENT ON COLUMN skolval.child.birth_date IS 'Date of birth; must agree with the personal identity number';
COMMENT ON COLUMN skolval.child.protected_identity IS
  'Skyddad identitet (sekretessmarkering, skyddad folkbokföring): the child is placed and paid for, but never named or located in views for BI, statements, exports or messages';

-- Store the canonical 12-digit number and say exactly what is wrong with a bad one; the
-- birth date follows from the number when not given.
CREATE FUNCTION skolval._child_normalize() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.personal_number := skolval.personal_number_normalize(NEW.personal_number);
  NEW.birth_date := coalesce(NEW.birth_date, skolval.personal_number_birth_date(NEW.personal_number));
  RETURN NEW;
END $$;
CREATE TRIGGER child_normalize BEFORE INSERT OR UPDATE OF personal_number, birth_date ON skolval.child
  FOR EACH ROW EXECUTE FUNCTION skolval._child_normalize();

CREATE TABLE skolval.residence (
  residence_id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  child_id           bigint NOT NULL REFERENCES skolval.child ON DELETE CASCADE,
  municipality_code  skolval.municipality_code NOT NULL,
  address            text,
  postal_code        text,
  postal_town        text,
  district_code      text REFERENCES skolval.district,
  home               geometry(Point),
  valid_from         date NOT NULL,
  valid_to           date,
  CONSTRAINT residence_valid_to_not_before_valid_from CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX residence_child_idx ON skolval.residence (child_id, valid_from);
CREATE INDEX residence_home_idx ON skolval.residence USING gist (home);
COMMENT ON TABLE skolval.residence IS
  'Residence history from the population register (folkbokföring): where a child is registered as living, period by period. Periods of one child never overlap';
COMMENT ON COLUMN skolval.residence.residence_id IS 'Internal id';
COMMENT ON COLUMN skolval.residence.child_id IS 'The child';
COMMENT ON COLUMN skolval.residence.municipality_code IS 'Municipality of registration (folkbokföringskommun); grants are paid only for children registered in this municipality';
COMMENT ON COLUMN skolval.residence.address IS 'Registered address (folkbokföringsadress)';
COMMENT ON COLUMN skolval.residence.postal_code IS 'Postal code';
COMMENT ON COLUMN skolval.residence.postal_town IS 'Postal town';
COMMENT ON COLUMN skolval.residence.district_code IS 'District of the address; decides which administration bears the cost';
COMMENT ON COLUMN skolval.residence.home IS 'The address point in the settings'' SRID; walking distances start here. NULL when the address could not be located (a data issue)';
COMMENT ON COLUMN skolval.residence.valid_from IS 'First day of the period';
COMMENT ON COLUMN skolval.residence.valid_to IS 'Last day of the period (inclusive); NULL while it is current';

CREATE FUNCTION skolval._residence_point() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.home := skolval.local_point(NEW.home, pg_catalog.format('residence of child %s', NEW.child_id));
  RETURN NEW;
END $$;
CREATE TRIGGER residence_point BEFORE INSERT OR UPDATE OF home ON skolval.residence
  FOR EACH ROW EXECUTE FUNCTION skolval._residence_point();

-- Overlap check after the statement's rows are in; the child row lock serialises concurrent
-- writers of the same child's history.
CREATE FUNCTION skolval._residence_no_overlap() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  other skolval.residence;
BEGIN
  PERFORM 1 FROM skolval.child c WHERE c.child_id = NEW.child_id FOR NO KEY UPDATE;
  SELECT * INTO other FROM skolval.residence r
   WHERE r.child_id = NEW.child_id AND r.residence_id <> NEW.residence_id
     AND daterange(r.valid_from, r.valid_to, '[]') && daterange(NEW.valid_from, NEW.valid_to, '[]')
   ORDER BY r.valid_from LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'residence periods overlap for child %', NEW.child_id
      USING ERRCODE = 'exclusion_violation',
            DETAIL = pg_catalog.format('Period %s to %s overlaps period %s to %s (residence %s).',
                       NEW.valid_from, coalesce(NEW.valid_to::text, 'open'),
                       other.valid_from, coalesce(other.valid_to::text, 'open'), other.residence_id),
            HINT = 'Close the earlier period (valid_to) the day before the next one starts.';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER residence_no_overlap AFTER INSERT OR UPDATE ON skolval.residence
  FOR EACH ROW EXECUTE FUNCTION skolval._residence_no_overlap();

CREATE FUNCTION skolval.residence_on(child_id bigint, day date) RETURNS skolval.residence
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT r.* FROM skolval.residence r
         WHERE r.child_id = residence_on.child_id AND r.valid_from <= day
           AND (r.valid_to IS NULL OR r.valid_to >= day) $$;
COMMENT ON FUNCTION skolval.residence_on(bigint, date) IS 'The child''s registered residence on a day, NULL when none';

-- ---------------------------------------------------------------------------------------
-- Enrollments (student register) and siblings
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.enrollment (
  enrollment_id   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  child_id        bigint NOT NULL REFERENCES skolval.child ON DELETE CASCADE,
  unit_id         bigint NOT NULL REFERENCES skolval.unit,
  school_form     skolval.school_form NOT NULL,
  grade           smallint,
  hours_per_week  numeric(4,1),
  valid_from      date NOT NULL,
  valid_to        date,
  CONSTRAINT enrollment_valid_to_not_before_valid_from CHECK (valid_to IS NULL OR valid_to >= valid_from),
  CONSTRAINT enrollment_grade_fits_school_form CHECK (
    CASE school_form
      WHEN 'forskola'      THEN grade IS NULL
      WHEN 'forskoleklass' THEN grade = 0
      WHEN 'grundskola'    THEN grade BETWEEN 1 AND 9
      WHEN 'fritidshem'    THEN grade IS NULL OR grade BETWEEN 0 AND 9
    END),
  CONSTRAINT enrollment_hours_in_range CHECK (hours_per_week IS NULL OR hours_per_week BETWEEN 0 AND 60)
);
CREATE INDEX enrollment_child_idx ON skolval.enrollment (child_id, valid_from);
CREATE INDEX enrollment_unit_idx ON skolval.enrollment (unit_id, valid_from);
COMMENT ON TABLE skolval.enrollment IS
  'Placements from the student and preschool register (elevregister, barnomsorgsregister): who attends which unit in which form, grade and hours, period by period';
COMMENT ON COLUMN skolval.enrollment.enrollment_id IS 'Internal id';
COMMENT ON COLUMN skolval.enrollment.child_id IS 'The child';
COMMENT ON COLUMN skolval.enrollment.unit_id IS 'The unit attended; it must offer the school form';
COMMENT ON COLUMN skolval.enrollment.school_form IS 'School form of the placement';
COMMENT ON COLUMN skolval.enrollment.grade IS 'Grade (årskurs): 0 for förskoleklass, 1-9 for grundskola, the pupil''s grade or NULL for fritidshem, NULL for förskola';
COMMENT ON COLUMN skolval.enrollment.hours_per_week IS 'Scheduled hours per week (vistelsetid), used for förskola hour tiers';
COMMENT ON COLUMN skolval.enrollment.valid_from IS 'First day of the placement';
COMMENT ON COLUMN skolval.enrollment.valid_to IS 'Last day of the placement (inclusive); NULL while it continues';

CREATE FUNCTION skolval._enrollment_unit_offers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM skolval.require_unit_offers(NEW.unit_id, NEW.school_form,
            pg_catalog.format('enrollment of child %s', NEW.child_id));
  RETURN NEW;
END $$;
CREATE TRIGGER enrollment_unit_offers BEFORE INSERT OR UPDATE OF unit_id, school_form ON skolval.enrollment
  FOR EACH ROW EXECUTE FUNCTION skolval._enrollment_unit_offers();

CREATE TABLE skolval.sibling (
  child_id    bigint NOT NULL REFERENCES skolval.child ON DELETE CASCADE,
  sibling_id  bigint NOT NULL REFERENCES skolval.child ON DELETE CASCADE,
  PRIMARY KEY (child_id, sibling_id),
  CONSTRAINT sibling_not_self CHECK (child_id <> sibling_id),
  CONSTRAINT sibling_stored_once CHECK (child_id < sibling_id)
);
CREATE INDEX sibling_sibling_idx ON skolval.sibling (sibling_id);
COMMENT ON TABLE skolval.sibling IS
  'Sibling relations from the population register, each pair stored once (smaller id first; inserts in either order are accepted). Use the view skolval.sibling_pair for both directions';
COMMENT ON COLUMN skolval.sibling.child_id IS 'One child of the pair (the smaller id)';
COMMENT ON COLUMN skolval.sibling.sibling_id IS 'The other child (the larger id)';

CREATE FUNCTION skolval._sibling_order() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  a bigint := NEW.child_id;
BEGIN
  IF NEW.child_id > NEW.sibling_id THEN
    NEW.child_id := NEW.sibling_id;
    NEW.sibling_id := a;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER sibling_order BEFORE INSERT OR UPDATE ON skolval.sibling
  FOR EACH ROW EXECUTE FUNCTION skolval._sibling_order();

CREATE VIEW skolval.sibling_pair AS
  SELECT s.child_id, s.sibling_id FROM skolval.sibling s
  UNION ALL
  SELECT s.sibling_id, s.child_id FROM skolval.sibling s;
COMMENT ON VIEW skolval.sibling_pair IS 'Sibling relations in both directions: one row per (child, sibling)';
COMMENT ON COLUMN skolval.sibling_pair.child_id IS 'The child';
COMMENT ON COLUMN skolval.sibling_pair.sibling_id IS 'A sibling of the child';

-- ==== sql/30_rounds.sql
-- skolval: placement rounds — the round's rules, its cohort, capacities and the guardians'
-- ranked wishes.

CREATE FUNCTION skolval.criteria_catalogue() RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ARRAY['near_home', 'active_choice', 'sibling', 'relative_proximity', 'distance', 'lottery'] $$;
COMMENT ON FUNCTION skolval.criteria_catalogue() IS
  'The placement criteria a round can order: near_home, active_choice, sibling, relative_proximity, distance, lottery (Lund''s order is the default)';

CREATE TABLE skolval.placement_round (
  round_id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name                  text NOT NULL CONSTRAINT placement_round_name_unique UNIQUE,
  municipality_code     skolval.municipality_code NOT NULL,
  school_form           skolval.school_form NOT NULL DEFAULT 'forskoleklass',
  start_date            date NOT NULL,
  cohort_birth_year     integer CONSTRAINT cohort_birth_year_plausible CHECK (cohort_birth_year BETWEEN 1990 AND 2100),
  cohort_date           date,
  lottery_seed          bigint NOT NULL DEFAULT (pg_catalog.floor((pg_catalog.random() - 0.5) * 1.8e19))::bigint,
  mechanism             text NOT NULL DEFAULT 'deferred_acceptance'
                        CONSTRAINT mechanism_known
                        CHECK (mechanism IN ('deferred_acceptance', 'immediate_acceptance', 'top_trading_cycles')),
  criteria              text[] NOT NULL
                        DEFAULT ARRAY['near_home', 'active_choice', 'sibling', 'relative_proximity', 'distance', 'lottery'],
  near_home_distance_m  double precision NOT NULL DEFAULT 2000
                        CONSTRAINT near_home_distance_positive CHECK (near_home_distance_m > 0),
  max_wishes            smallint NOT NULL DEFAULT 3 CONSTRAINT max_wishes_in_range CHECK (max_wishes BETWEEN 1 AND 20),
  status                text NOT NULL DEFAULT 'draft'
                        CONSTRAINT round_status_known CHECK (status IN ('draft', 'allocated', 'published')),
  created_at            timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE skolval.placement_round IS
  'A placement round (for example förskoleklass autumn 2026): its rules, its cohort and its results';
COMMENT ON COLUMN skolval.placement_round.round_id IS 'Internal id';
COMMENT ON COLUMN skolval.placement_round.name IS 'Unique name, for example "Förskoleklass HT2026"';
COMMENT ON COLUMN skolval.placement_round.municipality_code IS 'Municipality running the round';
COMMENT ON COLUMN skolval.placement_round.school_form IS 'School form places are given in (förskoleklass by default)';
COMMENT ON COLUMN skolval.placement_round.start_date IS 'First school day; siblings and residence are judged on this day';
COMMENT ON COLUMN skolval.placement_round.cohort_birth_year IS 'Birth year of the cohort, used by round_fill_cohort()';
COMMENT ON COLUMN skolval.placement_round.cohort_date IS 'Day on which registration in the municipality defines the cohort (NULL: the start date)';
COMMENT ON COLUMN skolval.placement_round.lottery_seed IS 'Seed of the lottery: each child''s lottery number is seeded_random(lottery_seed, ''lottery'', child_id), so the run is reproducible';
COMMENT ON COLUMN skolval.placement_round.mechanism IS 'deferred_acceptance (the real run); immediate_acceptance and top_trading_cycles only as what-if comparisons';
COMMENT ON COLUMN skolval.placement_round.criteria IS 'Ordered criteria for oversubscribed units, from skolval.criteria_catalogue(); each at most once';
COMMENT ON COLUMN skolval.placement_round.near_home_distance_m IS 'Walking distance within which a unit counts as near home (2,000 m for förskoleklass in Lund)';
COMMENT ON COLUMN skolval.placement_round.max_wishes IS 'How many ranked wishes a guardian may give (3 in Lund)';
COMMENT ON COLUMN skolval.placement_round.status IS 'draft, allocated (results exist), published (decisions sent; results frozen)';
COMMENT ON COLUMN skolval.placement_round.created_at IS 'When the round was created';

CREATE FUNCTION skolval._round_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  c text;
  seen text[] := '{}';
BEGIN
  IF cardinality(NEW.criteria) IS NULL OR cardinality(NEW.criteria) = 0 THEN
    RAISE EXCEPTION 'round "%": criteria must not be empty', NEW.name
      USING ERRCODE = 'check_violation',
            HINT = 'Lund''s order is {near_home,active_choice,sibling,relative_proximity,distance,lottery}.';
  END IF;
  FOREACH c IN ARRAY NEW.criteria LOOP
    IF c IS NULL OR NOT (c = ANY (skolval.criteria_catalogue())) THEN
      RAISE EXCEPTION 'round "%": unknown criterion "%"', NEW.name, coalesce(c, 'NULL')
        USING ERRCODE = 'check_violation',
              DETAIL = 'Known criteria: ' || array_to_string(skolval.criteria_catalogue(), ', ') || '.';
    END IF;
    IF c = ANY (seen) THEN
      RAISE EXCEPTION 'round "%": criterion "%" is listed twice', NEW.name, c
        USING ERRCODE = 'check_violation';
    END IF;
    seen := seen || c;
  END LOOP;
  RETURN NEW;
END $$;
CREATE TRIGGER placement_round_check BEFORE INSERT OR UPDATE OF criteria ON skolval.placement_round
  FOR EACH ROW EXECUTE FUNCTION skolval._round_check();

CREATE TABLE skolval.round_cohort (
  round_id  bigint NOT NULL REFERENCES skolval.placement_round ON DELETE CASCADE,
  child_id  bigint NOT NULL REFERENCES skolval.child ON DELETE CASCADE,
  PRIMARY KEY (round_id, child_id)
);
CREATE INDEX round_cohort_child_idx ON skolval.round_cohort (child_id);
COMMENT ON TABLE skolval.round_cohort IS
  'The children a round must place, with or without wishes. A child in the cohort without wishes has made no active choice';
COMMENT ON COLUMN skolval.round_cohort.round_id IS 'The round';
COMMENT ON COLUMN skolval.round_cohort.child_id IS 'A child to be placed';

CREATE FUNCTION skolval.round_fill_cohort(round_id bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  r skolval.placement_round;
  added bigint;
BEGIN
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = round_fill_cohort.round_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement round % does not exist', round_fill_cohort.round_id USING ERRCODE = 'no_data_found';
  END IF;
  IF r.cohort_birth_year IS NULL THEN
    RAISE EXCEPTION 'round "%" has no cohort_birth_year', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Set cohort_birth_year, or insert the cohort into skolval.round_cohort yourself.';
  END IF;
  INSERT INTO skolval.round_cohort (round_id, child_id)
  SELECT r.round_id, c.child_id
    FROM skolval.child c
    JOIN skolval.residence res ON res.child_id = c.child_id
   WHERE extract(year FROM c.birth_date) = r.cohort_birth_year
     AND res.municipality_code = r.municipality_code
     AND res.valid_from <= coalesce(r.cohort_date, r.start_date)
     AND (res.valid_to IS NULL OR res.valid_to >= coalesce(r.cohort_date, r.start_date))
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;
  RETURN added;
END $$;
COMMENT ON FUNCTION skolval.round_fill_cohort(bigint) IS
  'Add to the round''s cohort every child born in cohort_birth_year who is registered in the round''s municipality on cohort_date (or the start date); returns how many were added';

CREATE TABLE skolval.round_capacity (
  round_id  bigint NOT NULL REFERENCES skolval.placement_round ON DELETE CASCADE,
  unit_id   bigint NOT NULL REFERENCES skolval.unit,
  seats     integer NOT NULL CONSTRAINT seats_not_negative CHECK (seats >= 0),
  PRIMARY KEY (round_id, unit_id)
);
COMMENT ON TABLE skolval.round_capacity IS 'Seats each unit offers in a round; a unit without a row offers no seats';
COMMENT ON COLUMN skolval.round_capacity.round_id IS 'The round';
COMMENT ON COLUMN skolval.round_capacity.unit_id IS 'The unit; it must offer the round''s school form';
COMMENT ON COLUMN skolval.round_capacity.seats IS 'Number of places, zero or more';

CREATE FUNCTION skolval._capacity_unit_offers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM skolval.require_unit_offers(NEW.unit_id,
            (SELECT r.school_form FROM skolval.placement_round r WHERE r.round_id = NEW.round_id),
            pg_catalog.format('capacity in round %s', NEW.round_id));
  RETURN NEW;
END $$;
CREATE TRIGGER round_capacity_unit_offers BEFORE INSERT OR UPDATE ON skolval.round_capacity
  FOR EACH ROW EXECUTE FUNCTION skolval._capacity_unit_offers();

CREATE TABLE skolval.wish (
  round_id       bigint NOT NULL,
  child_id       bigint NOT NULL,
  rank           smallint NOT NULL CONSTRAINT wish_rank_positive CHECK (rank >= 1),
  unit_id        bigint NOT NULL REFERENCES skolval.unit,
  sibling_claim  boolean NOT NULL DEFAULT false,
  submitted_at   timestamptz,
  PRIMARY KEY (round_id, child_id, rank),
  CONSTRAINT wish_unit_once_per_child UNIQUE (round_id, child_id, unit_id),
  CONSTRAINT wish_child_in_cohort FOREIGN KEY (round_id, child_id)
    REFERENCES skolval.round_cohort (round_id, child_id) ON DELETE CASCADE
);
CREATE INDEX wish_unit_idx ON skolval.wish (round_id, unit_id);
COMMENT ON TABLE skolval.wish IS
  'Guardians'' ranked wishes (önskemål) from the e-service: ranks 1..n without gaps, each unit at most once per child';
COMMENT ON COLUMN skolval.wish.round_id IS 'The round';
COMMENT ON COLUMN skolval.wish.child_id IS 'The child; must be in the round''s cohort';
COMMENT ON COLUMN skolval.wish.rank IS 'Rank of the wish, 1 = first choice; at most the round''s max_wishes';
COMMENT ON COLUMN skolval.wish.unit_id IS 'The wished unit; it must offer the round''s school form';
COMMENT ON COLUMN skolval.wish.sibling_claim IS 'The guardians state that a sibling attends this unit; verified against the register, an unverified claim is a data issue and gives no priority';
COMMENT ON COLUMN skolval.wish.submitted_at IS 'When the application was signed in the e-service';

CREATE FUNCTION skolval._wish_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r skolval.placement_round;
BEGIN
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = NEW.round_id;
  IF FOUND THEN
    PERFORM skolval.require_unit_offers(NEW.unit_id, r.school_form,
              pg_catalog.format('wish %s of child %s in round "%s"', NEW.rank, NEW.child_id, r.name));
    IF NEW.rank > r.max_wishes THEN
      RAISE EXCEPTION 'wish % of child % in round "%": at most % wishes are allowed', NEW.rank, NEW.child_id, r.name, r.max_wishes
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER wish_check BEFORE INSERT OR UPDATE ON skolval.wish
  FOR EACH ROW EXECUTE FUNCTION skolval._wish_check();

-- Ranks must run 1..n; checked at commit so that a child's wishes can be written in any order
-- within one transaction.
CREATE FUNCTION skolval._wish_ranks_gapless() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  rid bigint;
  cid bigint;
  ranks smallint[];
BEGIN
  IF TG_OP = 'DELETE' THEN rid := OLD.round_id; cid := OLD.child_id;
  ELSE rid := NEW.round_id; cid := NEW.child_id;
  END IF;
  SELECT array_agg(w.rank ORDER BY w.rank) INTO ranks
    FROM skolval.wish w WHERE w.round_id = rid AND w.child_id = cid;
  IF ranks IS NOT NULL AND ranks[cardinality(ranks)] <> cardinality(ranks) THEN
    RAISE EXCEPTION 'wishes of child % in round % have ranks %, expected 1 to %', cid, rid,
                    array_to_string(ranks, ', '), cardinality(ranks)
      USING ERRCODE = 'check_violation',
            HINT = 'Ranks must start at 1 and have no gaps; renumber the remaining wishes after removing one.';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER wish_ranks_gapless AFTER INSERT OR UPDATE OR DELETE ON skolval.wish
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION skolval._wish_ranks_gapless();

-- ==== sql/40_data_issue.sql
-- skolval: data issues — every problem found in the data becomes a row here, never silence.

CREATE TABLE skolval.data_issue (
  issue_id     bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  category     text NOT NULL,
  severity     text NOT NULL CONSTRAINT data_issue_severity_known CHECK (severity IN ('error', 'warning')),
  child_id     bigint REFERENCES skolval.child ON DELETE CASCADE,
  unit_id      bigint REFERENCES skolval.unit ON DELETE CASCADE,
  round_id     bigint REFERENCES skolval.placement_round ON DELETE CASCADE,
  message      text NOT NULL,
  detail       jsonb NOT NULL DEFAULT '{}',
  detected_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  resolved_at  timestamptz,
  resolution   text
);
CREATE INDEX data_issue_open_idx ON skolval.data_issue (category) WHERE resolved_at IS NULL;
COMMENT ON TABLE skolval.data_issue IS
  'Problems found in the data by any job (distances, placement, payments): one row each, open until resolved';
COMMENT ON COLUMN skolval.data_issue.issue_id IS 'Internal id';
COMMENT ON COLUMN skolval.data_issue.category IS 'What kind of problem, for example home_off_network, unreachable_unit, parallel_placement';
COMMENT ON COLUMN skolval.data_issue.severity IS 'error (blocks a correct result) or warning (needs a decision)';
COMMENT ON COLUMN skolval.data_issue.child_id IS 'Child concerned, if any';
COMMENT ON COLUMN skolval.data_issue.unit_id IS 'Unit concerned, if any';
COMMENT ON COLUMN skolval.data_issue.round_id IS 'Placement round concerned, if any';
COMMENT ON COLUMN skolval.data_issue.message IS 'What is wrong, in English, without names or addresses';
COMMENT ON COLUMN skolval.data_issue.detail IS 'Machine-readable facts behind the message';
COMMENT ON COLUMN skolval.data_issue.detected_at IS 'When it was found';
COMMENT ON COLUMN skolval.data_issue.resolved_at IS 'When it was resolved; NULL while open';
COMMENT ON COLUMN skolval.data_issue.resolution IS 'How it was resolved';

-- ==== sql/42_distances.sql
-- skolval: walking distances — snapping homes and units to the network, many-to-many walking
-- distances through pgRouting, nearest units, relative proximity and route geometry.
--
-- How a distance is measured (doc/distances.md): the home and the unit are each snapped to the
-- nearest point on a walkable edge (not to a vertex); the walk is the perpendicular from the home
-- to that point, the shortest path along the network, and the perpendicular to the unit.

CREATE TABLE skolval.snap (
  network_id     bigint NOT NULL REFERENCES skolval.network ON DELETE CASCADE,
  point_kind     text NOT NULL CONSTRAINT snap_point_kind_known CHECK (point_kind IN ('home', 'unit')),
  ref_id         bigint NOT NULL,
  source_point   geometry(Point) NOT NULL,
  edge_id        bigint,
  fraction       double precision,
  snap_m         double precision,
  snapped_point  geometry(Point),
  snapped_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (network_id, point_kind, ref_id),
  CONSTRAINT snap_edge_and_fraction_together CHECK ((edge_id IS NULL) = (fraction IS NULL)),
  CONSTRAINT snap_fraction_inside_edge CHECK (fraction > 0 AND fraction < 1)
);
COMMENT ON TABLE skolval.snap IS
  'Where each home (residence) and unit meets the walkable network: the nearest point on the nearest edge, per network version';
COMMENT ON COLUMN skolval.snap.network_id IS 'Network version snapped to';
COMMENT ON COLUMN skolval.snap.point_kind IS 'home (ref_id is a residence_id) or unit (ref_id is a unit_id)';
COMMENT ON COLUMN skolval.snap.ref_id IS 'residence_id or unit_id';
COMMENT ON COLUMN skolval.snap.source_point IS 'The home or unit point as it was when snapped; when the register''s point differs, the snap is redone';
COMMENT ON COLUMN skolval.snap.edge_id IS 'Nearest walkable edge; NULL when none lies within settings.snap_limit_m (a data issue)';
COMMENT ON COLUMN skolval.snap.fraction IS 'Position on the edge from its source (0) to its target (1), kept strictly inside (0, 1) because pgRouting 3.4 drops points at exactly 0 or 1';
COMMENT ON COLUMN skolval.snap.snap_m IS 'Straight distance in metres from the point to the edge; added to every walk from or to it';
COMMENT ON COLUMN skolval.snap.snapped_point IS 'The point on the edge';
COMMENT ON COLUMN skolval.snap.snapped_at IS 'When the snap was made';

-- Written only by compute_distances(), so its keys are right by construction; deletes of the
-- network, residence or unit clean it up through statement triggers below. (Foreign keys here
-- cost a per-row check that made storing 60,000 pairs take twice as long.)
CREATE TABLE skolval.distance (
  network_id    bigint NOT NULL,
  residence_id  bigint NOT NULL,
  unit_id       bigint NOT NULL,
  child_id      bigint NOT NULL,
  status        text NOT NULL CONSTRAINT distance_status_known
                CHECK (status IN ('ok', 'unreachable', 'home_off_network', 'unit_off_network', 'no_home_point')),
  walking_m     double precision,
  straight_m    double precision,
  computed_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (network_id, residence_id, unit_id),
  CONSTRAINT distance_walking_only_when_ok CHECK ((status = 'ok') = (walking_m IS NOT NULL)),
  CONSTRAINT distance_walking_not_shorter_than_straight CHECK (walking_m >= straight_m - 0.5)
);
COMMENT ON TABLE skolval.distance IS
  'Walking distance from a home (a residence period''s point) to a unit on a network version, or the explicit reason there is none';
COMMENT ON COLUMN skolval.distance.network_id IS 'Network version the distance was computed on';
COMMENT ON COLUMN skolval.distance.residence_id IS 'The home: the residence period whose point the walk starts from';
COMMENT ON COLUMN skolval.distance.unit_id IS 'The unit walked to';
COMMENT ON COLUMN skolval.distance.child_id IS 'The child living there (from the residence)';
COMMENT ON COLUMN skolval.distance.status IS
  'ok; unreachable (no path on the network); home_off_network / unit_off_network (farther than the snap limit from every edge); no_home_point (the address has no point)';
COMMENT ON COLUMN skolval.distance.walking_m IS 'Walking metres along the network including both snap segments; NULL unless status is ok';
COMMENT ON COLUMN skolval.distance.straight_m IS 'Straight-line metres between home and unit, for comparison only; never used as a fallback';
COMMENT ON COLUMN skolval.distance.computed_at IS 'When it was computed';

CREATE FUNCTION skolval._distance_cleanup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  CASE TG_TABLE_NAME
    WHEN 'network' THEN
      DELETE FROM skolval.distance d USING gone g WHERE d.network_id = g.network_id;
    WHEN 'residence' THEN
      DELETE FROM skolval.distance d USING gone g WHERE d.residence_id = g.residence_id;
      DELETE FROM skolval.snap s USING gone g WHERE s.point_kind = 'home' AND s.ref_id = g.residence_id;
    WHEN 'unit' THEN
      DELETE FROM skolval.distance d USING gone g WHERE d.unit_id = g.unit_id;
      DELETE FROM skolval.snap s USING gone g WHERE s.point_kind = 'unit' AND s.ref_id = g.unit_id;
  END CASE;
  RETURN NULL;
END $$;
CREATE TRIGGER network_distance_cleanup AFTER DELETE ON skolval.network
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION skolval._distance_cleanup();
CREATE TRIGGER residence_distance_cleanup AFTER DELETE ON skolval.residence
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION skolval._distance_cleanup();
CREATE TRIGGER unit_distance_cleanup AFTER DELETE ON skolval.unit
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION skolval._distance_cleanup();

CREATE TABLE skolval.round_home (
  round_id      bigint NOT NULL REFERENCES skolval.placement_round ON DELETE CASCADE,
  child_id      bigint NOT NULL REFERENCES skolval.child ON DELETE CASCADE,
  residence_id  bigint REFERENCES skolval.residence ON DELETE SET NULL,
  network_id    bigint REFERENCES skolval.network ON DELETE SET NULL,
  PRIMARY KEY (round_id, child_id)
);
COMMENT ON TABLE skolval.round_home IS
  'The home each child of a round is measured from (the residence on the round''s cohort date) and the network used';
COMMENT ON COLUMN skolval.round_home.round_id IS 'The round';
COMMENT ON COLUMN skolval.round_home.child_id IS 'The child';
COMMENT ON COLUMN skolval.round_home.residence_id IS 'Residence period used; NULL when the child had no registered residence on that day (a data issue)';
COMMENT ON COLUMN skolval.round_home.network_id IS 'Network version the distances were computed on';

-- ---------------------------------------------------------------------------------------
-- Snapping
-- ---------------------------------------------------------------------------------------

-- Drop a session temp table if it exists, without DROP IF EXISTS's NOTICE.
CREATE FUNCTION skolval._drop_temp(name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_catalog.to_regclass('pg_temp.' || pg_catalog.quote_ident(name)) IS NOT NULL THEN
    EXECUTE pg_catalog.format('DROP TABLE pg_temp.%I', name);
  END IF;
END $$;

-- Snap the points in temp table _sv_snap_todo(point_kind, ref_id, pt) to a network.
CREATE FUNCTION skolval._snap_todo(network_id bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  lim double precision := coalesce((SELECT s.snap_limit_m FROM skolval.settings s), 250);
  n bigint;
BEGIN
  DELETE FROM skolval.snap s USING _sv_snap_todo t
   WHERE s.network_id = _snap_todo.network_id AND s.point_kind = t.point_kind AND s.ref_id = t.ref_id;
  INSERT INTO skolval.snap (network_id, point_kind, ref_id, source_point, edge_id, fraction, snap_m, snapped_point)
  SELECT _snap_todo.network_id, t.point_kind, t.ref_id, t.pt, e.edge_id, f.fraction, e.d,
         CASE WHEN e.edge_id IS NOT NULL THEN ST_LineInterpolatePoint(e.geom, f.fraction) END
    FROM _sv_snap_todo t
    LEFT JOIN LATERAL (
      SELECT x.edge_id, x.geom, ST_Distance(x.geom, t.pt) AS d
        FROM skolval.edge x
       WHERE x.network_id = _snap_todo.network_id
       ORDER BY x.geom <-> t.pt
       LIMIT 1) e0 ON true
    LEFT JOIN LATERAL (SELECT e0.* WHERE e0.d <= lim) e ON true
    -- pgRouting 3.4 returns nothing for a point at fraction exactly 0 or 1: keep it just inside.
    LEFT JOIN LATERAL (SELECT LEAST(GREATEST(ST_LineLocatePoint(e.geom, t.pt), 1e-9), 1 - 1e-9) AS fraction) f
      ON e.edge_id IS NOT NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- ---------------------------------------------------------------------------------------
-- Routing: walking metres for the pairs in temp table _sv_pairs(residence_id, unit_id)
-- ---------------------------------------------------------------------------------------

-- Fills _sv_walk(residence_id, unit_id, walking_m) for every pair whose home and unit are both
-- snapped; pairs with no path get no row and are classified by the caller.
CREATE FUNCTION skolval._route_pairs(network_id bigint, batch_size integer DEFAULT 100) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  starts_are_units boolean;
  start_ids bigint[];
  batch bigint[];
  i integer;
  nbatches integer;
  t0 timestamptz := pg_catalog.clock_timestamp();
  rows_in bigint;
BEGIN
  PERFORM skolval._drop_temp('_sv_pts');
  CREATE TEMP TABLE _sv_pts (pid bigint PRIMARY KEY, point_kind text, ref_id bigint,
                             edge_id bigint, fraction double precision, snap_m double precision,
                             UNIQUE (point_kind, ref_id));
  INSERT INTO _sv_pts
  SELECT row_number() OVER (ORDER BY s.point_kind, s.ref_id), s.point_kind, s.ref_id, s.edge_id, s.fraction, s.snap_m
    FROM skolval.snap s
   WHERE s.network_id = _route_pairs.network_id AND s.edge_id IS NOT NULL
     AND ((s.point_kind = 'home' AND s.ref_id IN (SELECT p.residence_id FROM _sv_pairs p))
       OR (s.point_kind = 'unit' AND s.ref_id IN (SELECT p.unit_id FROM _sv_pairs p)));
  ANALYZE _sv_pts;

  PERFORM skolval._drop_temp('_sv_walk');
  CREATE TEMP TABLE _sv_walk (residence_id bigint, unit_id bigint, walking_m double precision);

  -- Walking is symmetric: run one Dijkstra per point on the smaller side.
  starts_are_units := (SELECT count(*) FROM _sv_pts WHERE point_kind = 'unit')
                   <= (SELECT count(*) FROM _sv_pts WHERE point_kind = 'home');
  SELECT array_agg(-pid ORDER BY pid) INTO start_ids FROM _sv_pts
   WHERE point_kind = CASE WHEN starts_are_units THEN 'unit' ELSE 'home' END;
  IF start_ids IS NULL THEN
    RETURN 0;
  END IF;
  nbatches := (cardinality(start_ids) + batch_size - 1) / batch_size;

  FOR i IN 0 .. nbatches - 1 LOOP
    batch := start_ids[i * batch_size + 1 : (i + 1) * batch_size];
    INSERT INTO _sv_walk (residence_id, unit_id, walking_m)
    SELECT h.ref_id, u.ref_id, r.agg_cost + h.snap_m + u.snap_m
      FROM pgr_withPointsCost(
             skolval.network_edges_sql(_route_pairs.network_id),
             'SELECT pid, edge_id, fraction FROM _sv_pts',
             batch,
             (SELECT array_agg(-p.pid) FROM _sv_pts p
               WHERE p.point_kind = CASE WHEN starts_are_units THEN 'home' ELSE 'unit' END),
             directed => false) r
      JOIN _sv_pts h ON h.pid = -(CASE WHEN starts_are_units THEN r.end_pid ELSE r.start_pid END)
      JOIN _sv_pts u ON u.pid = -(CASE WHEN starts_are_units THEN r.start_pid ELSE r.end_pid END)
     WHERE h.point_kind = 'home' AND u.point_kind = 'unit';
    IF nbatches > 1 THEN
      RAISE NOTICE 'distances: routed % of % % (% s)', LEAST((i + 1) * batch_size, cardinality(start_ids)),
        cardinality(start_ids), CASE WHEN starts_are_units THEN 'units' ELSE 'homes' END,
        round(extract(epoch FROM pg_catalog.clock_timestamp() - t0)::numeric, 1);
    END IF;
  END LOOP;

  -- pgRouting has no row for two points at the same place (distance 0): add those pairs.
  INSERT INTO _sv_walk (residence_id, unit_id, walking_m)
  SELECT p.residence_id, p.unit_id, h.snap_m + u.snap_m + abs(h.fraction - u.fraction) * e.length_m
    FROM _sv_pairs p
    JOIN _sv_pts h ON h.point_kind = 'home' AND h.ref_id = p.residence_id
    JOIN _sv_pts u ON u.point_kind = 'unit' AND u.ref_id = p.unit_id
    JOIN skolval.edge e ON e.network_id = _route_pairs.network_id AND e.edge_id = h.edge_id
   WHERE h.edge_id = u.edge_id AND abs(h.fraction - u.fraction) * e.length_m < 0.01
     AND NOT EXISTS (SELECT 1 FROM _sv_walk w WHERE w.residence_id = p.residence_id AND w.unit_id = p.unit_id);

  ANALYZE _sv_walk;
  SELECT count(*) INTO rows_in FROM _sv_walk;
  RETURN rows_in;
END $$;

-- ---------------------------------------------------------------------------------------
-- Computing and refreshing distances
-- ---------------------------------------------------------------------------------------

-- Data issues found by one computation are collected in _sv_issue and reconciled with the open
-- ones: an issue still present stays open (one row, not one per night), one that is gone is
-- resolved, a new one is added.
CREATE FUNCTION skolval._record_issue(category text, severity text, child_id bigint, unit_id bigint,
                                      round_id bigint, message text, detail jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO _sv_issue (category, severity, child_id, unit_id, round_id, message, detail)
  VALUES (category, severity, child_id, unit_id, round_id, message, detail);
END $$;

CREATE FUNCTION skolval._reconcile_issues(round_id bigint, categories text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE skolval.data_issue i
     SET resolved_at = pg_catalog.now(), resolution = 'no longer found by a later computation'
   WHERE i.round_id = _reconcile_issues.round_id AND i.resolved_at IS NULL
     AND i.category = ANY (categories)
     AND NOT EXISTS (SELECT 1 FROM _sv_issue n
                      WHERE n.category = i.category AND n.child_id IS NOT DISTINCT FROM i.child_id
                        AND n.unit_id IS NOT DISTINCT FROM i.unit_id);
  INSERT INTO skolval.data_issue (category, severity, child_id, unit_id, round_id, message, detail)
  SELECT n.category, n.severity, n.child_id, n.unit_id, n.round_id, n.message, n.detail
    FROM _sv_issue n
   WHERE NOT EXISTS (SELECT 1 FROM skolval.data_issue i
                      WHERE i.round_id = _reconcile_issues.round_id AND i.resolved_at IS NULL
                        AND i.category = n.category AND i.child_id IS NOT DISTINCT FROM n.child_id
                        AND i.unit_id IS NOT DISTINCT FROM n.unit_id);
END $$;

CREATE FUNCTION skolval.compute_distances(
  round_id bigint,
  radius_m double precision DEFAULT NULL,
  full_refresh boolean DEFAULT false,
  OUT children bigint, OUT homes_routed bigint, OUT units bigint, OUT pairs bigint,
  OUT pairs_computed bigint, OUT ok bigint, OUT unreachable bigint, OUT off_network bigint,
  OUT no_home bigint, OUT prepare_ms bigint, OUT snap_ms bigint, OUT route_ms bigint,
  OUT store_ms bigint, OUT milliseconds bigint)
LANGUAGE plpgsql AS $$
DECLARE
  r skolval.placement_round;
  nid bigint;
  on_day date;
  t0 timestamptz := pg_catalog.clock_timestamp();
  t timestamptz;
  bad record;
BEGIN
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = compute_distances.round_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement round % does not exist', compute_distances.round_id USING ERRCODE = 'no_data_found';
  END IF;
  IF radius_m IS NOT NULL AND radius_m <= 0 THEN
    RAISE EXCEPTION 'radius_m must be positive, got %', radius_m USING ERRCODE = 'invalid_parameter_value';
  END IF;
  nid := skolval.active_network_id();
  IF nid IS NULL THEN
    RAISE EXCEPTION 'no active network: walking distances need one'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Load a network into skolval.edge and call skolval.network_finish(network_id).';
  END IF;
  -- One computation per round at a time; a second caller waits rather than interleaves.
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skolval.compute_distances'), r.round_id::integer);
  on_day := coalesce(r.cohort_date, r.start_date);

  -- The home of every cohort child on the cohort date.
  DELETE FROM skolval.round_home h WHERE h.round_id = r.round_id
     AND NOT EXISTS (SELECT 1 FROM skolval.round_cohort c WHERE c.round_id = r.round_id AND c.child_id = h.child_id);
  INSERT INTO skolval.round_home (round_id, child_id, residence_id, network_id)
  SELECT r.round_id, c.child_id, res.residence_id, nid
    FROM skolval.round_cohort c
    LEFT JOIN skolval.residence res ON res.child_id = c.child_id AND res.valid_from <= on_day
                                   AND (res.valid_to IS NULL OR res.valid_to >= on_day)
   WHERE c.round_id = r.round_id
  ON CONFLICT ON CONSTRAINT round_home_pkey
  DO UPDATE SET residence_id = EXCLUDED.residence_id, network_id = EXCLUDED.network_id;

  -- Relevant pairs: every unit offering the form (within the radius when one is given) and
  -- every wished unit.
  -- Homes and units with their coordinates taken out once: per-pair geometry functions cost
  -- more than the routing itself at 60,000 pairs.
  PERFORM skolval._drop_temp('_sv_homes');
  CREATE TEMP TABLE _sv_homes AS
  SELECT h.residence_id, h.child_id, res.home, ST_X(res.home) AS x, ST_Y(res.home) AS y
    FROM skolval.round_home h JOIN skolval.residence res ON res.residence_id = h.residence_id
   WHERE h.round_id = r.round_id;
  PERFORM skolval._drop_temp('_sv_units');
  CREATE TEMP TABLE _sv_units AS
  SELECT u.unit_id, u.unit_code, u.location, ST_X(u.location) AS x, ST_Y(u.location) AS y
    FROM skolval.unit u WHERE r.school_form = ANY (u.school_forms::text[]);
  ANALYZE _sv_homes;
  ANALYZE _sv_units;
  PERFORM skolval._drop_temp('_sv_all_pairs');
  CREATE TEMP TABLE _sv_all_pairs AS
  SELECT h.residence_id, h.child_id, u.unit_id
    FROM _sv_homes h CROSS JOIN _sv_units u
   WHERE radius_m IS NULL OR (h.x - u.x) ^ 2 + (h.y - u.y) ^ 2 <= radius_m ^ 2
      OR EXISTS (SELECT 1 FROM skolval.wish w WHERE w.round_id = r.round_id
                    AND w.child_id = h.child_id AND w.unit_id = u.unit_id);
  CREATE INDEX ON _sv_all_pairs (residence_id, unit_id);
  ANALYZE _sv_all_pairs;

  prepare_ms := round(extract(epoch FROM pg_catalog.clock_timestamp() - t0) * 1000);
  t := pg_catalog.clock_timestamp();
  -- (Re)snap homes and units that are new or whose point changed since they were snapped.
  PERFORM skolval._drop_temp('_sv_snap_todo');
  CREATE TEMP TABLE _sv_snap_todo AS
  SELECT 'home'::text AS point_kind, h.residence_id AS ref_id, h.home AS pt
    FROM _sv_homes h
    LEFT JOIN skolval.snap s ON s.network_id = nid AND s.point_kind = 'home' AND s.ref_id = h.residence_id
   WHERE h.home IS NOT NULL AND (s.ref_id IS NULL OR NOT ST_Equals(s.source_point, h.home) OR full_refresh)
     AND EXISTS (SELECT 1 FROM _sv_all_pairs p WHERE p.residence_id = h.residence_id)
  UNION ALL
  SELECT 'unit', u.unit_id, u.location
    FROM _sv_units u
    LEFT JOIN skolval.snap s ON s.network_id = nid AND s.point_kind = 'unit' AND s.ref_id = u.unit_id
   WHERE (s.ref_id IS NULL OR NOT ST_Equals(s.source_point, u.location) OR full_refresh)
     AND EXISTS (SELECT 1 FROM _sv_all_pairs p WHERE p.unit_id = u.unit_id);
  PERFORM skolval._snap_todo(nid);
  snap_ms := round(extract(epoch FROM pg_catalog.clock_timestamp() - t) * 1000);
  t := pg_catalog.clock_timestamp();

  -- Pairs to compute: all on a full refresh; otherwise those of a re-snapped home or unit and
  -- those without a stored distance on this network.
  PERFORM skolval._drop_temp('_sv_pairs');
  CREATE TEMP TABLE _sv_pairs AS
  SELECT p.residence_id, p.child_id, p.unit_id
    FROM _sv_all_pairs p
    LEFT JOIN _sv_snap_todo th ON th.point_kind = 'home' AND th.ref_id = p.residence_id
    LEFT JOIN _sv_snap_todo tu ON tu.point_kind = 'unit' AND tu.ref_id = p.unit_id
    LEFT JOIN skolval.distance d ON d.network_id = nid AND d.residence_id = p.residence_id AND d.unit_id = p.unit_id
   WHERE full_refresh OR th.ref_id IS NOT NULL OR tu.ref_id IS NOT NULL OR d.residence_id IS NULL;
  CREATE INDEX ON _sv_pairs (residence_id, unit_id);
  ANALYZE _sv_pairs;
  SELECT count(*), count(DISTINCT residence_id) INTO pairs_computed, homes_routed FROM _sv_pairs;

  IF pairs_computed > 0 THEN
    PERFORM skolval._route_pairs(nid);
    route_ms := round(extract(epoch FROM pg_catalog.clock_timestamp() - t) * 1000);
    t := pg_catalog.clock_timestamp();

    -- A walk shorter than the straight line means a broken network or snap: stop, store nothing.
    SELECT h.child_id, w.unit_id, w.walking_m, sqrt((h.x - u.x) ^ 2 + (h.y - u.y) ^ 2) AS straight INTO bad
      FROM _sv_walk w JOIN _sv_homes h USING (residence_id) JOIN _sv_units u USING (unit_id)
     WHERE w.walking_m < sqrt((h.x - u.x) ^ 2 + (h.y - u.y) ^ 2) - 0.5
     ORDER BY h.child_id, w.unit_id
     LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'walking distance from the home of child % to unit % is shorter than the straight line',
                      bad.child_id, bad.unit_id
        USING ERRCODE = 'internal_error',
              DETAIL = pg_catalog.format('Walking %s m, straight line %s m.', round(bad.walking_m::numeric, 1), round(bad.straight::numeric, 1)),
              HINT = 'The network''s edge lengths do not match their geometry; check length_m in skolval.edge.';
    END IF;

    DELETE FROM skolval.distance d USING _sv_pairs p
     WHERE d.network_id = nid AND d.residence_id = p.residence_id AND d.unit_id = p.unit_id;
    INSERT INTO skolval.distance (network_id, residence_id, unit_id, child_id, status, walking_m, straight_m)
    SELECT nid, p.residence_id, p.unit_id, p.child_id,
           CASE WHEN h.x IS NULL THEN 'no_home_point'
                WHEN hs.edge_id IS NULL THEN 'home_off_network'
                WHEN us.edge_id IS NULL THEN 'unit_off_network'
                WHEN w.walking_m IS NULL THEN 'unreachable'
                ELSE 'ok' END,
           w.walking_m,
           sqrt((h.x - u.x) ^ 2 + (h.y - u.y) ^ 2)
      FROM _sv_pairs p
      JOIN _sv_homes h ON h.residence_id = p.residence_id
      JOIN _sv_units u ON u.unit_id = p.unit_id
      LEFT JOIN skolval.snap hs ON hs.network_id = nid AND hs.point_kind = 'home' AND hs.ref_id = p.residence_id
      LEFT JOIN skolval.snap us ON us.network_id = nid AND us.point_kind = 'unit' AND us.ref_id = p.unit_id
      LEFT JOIN _sv_walk w ON w.residence_id = p.residence_id AND w.unit_id = p.unit_id;
  END IF;


  -- Bulk changes leave the planner's statistics behind; placement reads these tables next.
  IF pairs_computed > 1000 THEN
    ANALYZE skolval.distance;
    ANALYZE skolval.round_home;
  END IF;
  store_ms := round(extract(epoch FROM pg_catalog.clock_timestamp() - t) * 1000);

  -- Data issues for everything that is not a distance.
  PERFORM skolval._drop_temp('_sv_issue');
  CREATE TEMP TABLE _sv_issue (category text, severity text, child_id bigint, unit_id bigint,
                               round_id bigint, message text, detail jsonb);
  PERFORM skolval._record_issue('no_residence', 'error', h.child_id, NULL, r.round_id,
            pg_catalog.format('child %s has no registered residence on %s', h.child_id, on_day),
            jsonb_build_object('date', on_day))
     FROM skolval.round_home h WHERE h.round_id = r.round_id AND h.residence_id IS NULL;
  PERFORM skolval._record_issue('no_home_point', 'error', x.child_id, NULL, r.round_id,
            pg_catalog.format('child %s: the registered address has no point', x.child_id),
            jsonb_build_object('residence_id', x.residence_id))
     FROM (SELECT DISTINCT h.child_id, h.residence_id FROM skolval.round_home h
             JOIN skolval.residence res USING (residence_id)
            WHERE h.round_id = r.round_id AND res.home IS NULL) x;
  PERFORM skolval._record_issue('home_off_network', 'error', x.child_id, NULL, r.round_id,
            pg_catalog.format('child %s: home lies %s m from the nearest walkable edge, more than the snap limit',
                              x.child_id, round(x.d::numeric)),
            jsonb_build_object('residence_id', x.residence_id, 'distance_m', round(x.d::numeric, 1)))
     FROM (SELECT h.child_id, h.residence_id,
                  (SELECT ST_Distance(e.geom, res.home) FROM skolval.edge e WHERE e.network_id = nid
                    ORDER BY e.geom <-> res.home LIMIT 1) AS d
             FROM skolval.round_home h
             JOIN skolval.residence res USING (residence_id)
             JOIN skolval.snap s ON s.network_id = nid AND s.point_kind = 'home' AND s.ref_id = h.residence_id
            WHERE h.round_id = r.round_id AND s.edge_id IS NULL) x;
  PERFORM skolval._record_issue('unit_off_network', 'error', NULL, x.unit_id, r.round_id,
            pg_catalog.format('unit %s lies farther than the snap limit from every walkable edge', x.unit_code),
            '{}'::jsonb)
     FROM (SELECT DISTINCT u.unit_id, u.unit_code FROM _sv_all_pairs p
             JOIN skolval.unit u USING (unit_id)
             JOIN skolval.snap s ON s.network_id = nid AND s.point_kind = 'unit' AND s.ref_id = u.unit_id
            WHERE s.edge_id IS NULL) x;
  PERFORM skolval._record_issue('unreachable_unit', 'error', d.child_id, d.unit_id, r.round_id,
            pg_catalog.format('child %s cannot reach unit %s on the network', d.child_id, d.unit_id),
            jsonb_build_object('residence_id', d.residence_id, 'network_id', nid))
     FROM skolval.distance d
     JOIN _sv_all_pairs p ON p.residence_id = d.residence_id AND p.unit_id = d.unit_id
    WHERE d.network_id = nid AND d.status = 'unreachable';

  PERFORM skolval._reconcile_issues(r.round_id,
            ARRAY['no_residence', 'no_home_point', 'home_off_network', 'unit_off_network', 'unreachable_unit']);

  SELECT count(*) INTO children FROM skolval.round_home h WHERE h.round_id = r.round_id;
  SELECT count(DISTINCT p.unit_id), count(*),
         count(*) FILTER (WHERE d.status = 'ok'),
         count(*) FILTER (WHERE d.status = 'unreachable'),
         count(*) FILTER (WHERE d.status IN ('home_off_network', 'unit_off_network')),
         count(*) FILTER (WHERE d.status = 'no_home_point')
    INTO units, pairs, ok, unreachable, off_network, no_home
    FROM _sv_all_pairs p
    JOIN skolval.distance d ON d.network_id = nid AND d.residence_id = p.residence_id AND d.unit_id = p.unit_id;
  milliseconds := round(extract(epoch FROM pg_catalog.clock_timestamp() - t0) * 1000);
  RAISE NOTICE 'distances for round "%": % children, % units, % pairs (% computed now): % ok, % unreachable, % off the network, % without a home point',
    r.name, children, units, pairs, pairs_computed, ok, unreachable, off_network, no_home;
END $$;
COMMENT ON FUNCTION skolval.compute_distances(bigint, double precision, boolean) IS
  'Walking distances for a round on the active network: from the home of every cohort child (its residence on the cohort date) to every unit offering the round''s form (only those within radius_m metres in a straight line, when given) and to every wished unit. Only new or changed homes and units are computed unless full_refresh; every pair gets a row, and every pair without a distance a data issue';

-- ---------------------------------------------------------------------------------------
-- Nearest units and relative proximity
-- ---------------------------------------------------------------------------------------

CREATE VIEW skolval.child_nearest_unit AS
WITH ranked AS (
  SELECT h.round_id, h.child_id, d.unit_id, d.walking_m,
         row_number() OVER (PARTITION BY h.round_id, h.child_id ORDER BY d.walking_m, d.unit_id) AS k
    FROM skolval.round_home h
    JOIN skolval.placement_round r ON r.round_id = h.round_id
    JOIN skolval.distance d ON d.network_id = h.network_id AND d.residence_id = h.residence_id
    JOIN skolval.unit u ON u.unit_id = d.unit_id
   WHERE d.status = 'ok' AND u.organizer = 'municipal' AND r.school_form = ANY (u.school_forms::text[])
)
SELECT h.round_id, h.child_id,
       max(k.unit_id) FILTER (WHERE k.k = 1) AS nearest_unit_id,
       max(k.walking_m) FILTER (WHERE k.k = 1) AS nearest_m,
       max(k.unit_id) FILTER (WHERE k.k = 2) AS second_unit_id,
       max(k.walking_m) FILTER (WHERE k.k = 2) AS second_m
  FROM skolval.round_home h
  LEFT JOIN ranked k ON k.round_id = h.round_id AND k.child_id = h.child_id AND k.k <= 2
 GROUP BY h.round_id, h.child_id;
COMMENT ON VIEW skolval.child_nearest_unit IS
  'Per round and child: the nearest and second-nearest municipal unit offering the round''s form, by walking (ties broken by unit_id). NULL where no distance exists (see data issues)';
COMMENT ON COLUMN skolval.child_nearest_unit.round_id IS 'The round';
COMMENT ON COLUMN skolval.child_nearest_unit.child_id IS 'The child';
COMMENT ON COLUMN skolval.child_nearest_unit.nearest_unit_id IS 'Nearest municipal unit by walking';
COMMENT ON COLUMN skolval.child_nearest_unit.nearest_m IS 'Walking metres to it';
COMMENT ON COLUMN skolval.child_nearest_unit.second_unit_id IS 'Second-nearest municipal unit by walking';
COMMENT ON COLUMN skolval.child_nearest_unit.second_m IS 'Walking metres to it';

CREATE VIEW skolval.wish_proximity AS
SELECT w.round_id, w.child_id, w.rank, w.unit_id,
       coalesce(d.status, 'not_computed') AS status,
       d.walking_m AS distance_m,
       d.straight_m,
       CASE WHEN n.nearest_unit_id = w.unit_id THEN n.second_unit_id ELSE n.nearest_unit_id END AS alternative_unit_id,
       CASE WHEN n.nearest_unit_id = w.unit_id THEN n.second_m ELSE n.nearest_m END AS alternative_m,
       (CASE WHEN n.nearest_unit_id = w.unit_id THEN n.second_m ELSE n.nearest_m END) - d.walking_m
         AS relative_proximity_m
  FROM skolval.wish w
  LEFT JOIN skolval.round_home h ON h.round_id = w.round_id AND h.child_id = w.child_id
  LEFT JOIN skolval.distance d ON d.network_id = h.network_id AND d.residence_id = h.residence_id
                              AND d.unit_id = w.unit_id
  LEFT JOIN skolval.child_nearest_unit n ON n.round_id = w.round_id AND n.child_id = w.child_id;
COMMENT ON VIEW skolval.wish_proximity IS
  'Per wish: the walking distance to the wished unit, the alternative unit (the nearest municipal unit other than this one) and the relative proximity RN = d(alternative) - d(unit) in metres; higher RN ranks first, it may be negative';
COMMENT ON COLUMN skolval.wish_proximity.round_id IS 'The round';
COMMENT ON COLUMN skolval.wish_proximity.child_id IS 'The child';
COMMENT ON COLUMN skolval.wish_proximity.rank IS 'Rank of the wish';
COMMENT ON COLUMN skolval.wish_proximity.unit_id IS 'The wished unit';
COMMENT ON COLUMN skolval.wish_proximity.status IS 'Status of the distance (ok, unreachable, ..., or not_computed before compute_distances ran)';
COMMENT ON COLUMN skolval.wish_proximity.distance_m IS 'Walking metres from home to the wished unit';
COMMENT ON COLUMN skolval.wish_proximity.straight_m IS 'Straight-line metres, for comparison only';
COMMENT ON COLUMN skolval.wish_proximity.alternative_unit_id IS 'The alternative unit: the nearest municipal unit, or the second-nearest when the wished unit is the nearest';
COMMENT ON COLUMN skolval.wish_proximity.alternative_m IS 'Walking metres to the alternative unit';
COMMENT ON COLUMN skolval.wish_proximity.relative_proximity_m IS 'Relative proximity (relativ närhet) RN = alternative_m - distance_m';

-- ---------------------------------------------------------------------------------------
-- Route geometry
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval.route(residence_id bigint, unit_id bigint, network_id bigint DEFAULT NULL)
RETURNS geometry
LANGUAGE plpgsql AS $$
DECLARE
  nid bigint := coalesce(route.network_id, skolval.active_network_id());
  hs skolval.snap;
  us skolval.snap;
  home geometry;
  pieces geometry[];
  e skolval.edge;
BEGIN
  IF nid IS NULL THEN
    RAISE EXCEPTION 'no active network' USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  SELECT r.home INTO home FROM skolval.residence r WHERE r.residence_id = route.residence_id;
  IF home IS NULL THEN
    RAISE EXCEPTION 'residence % does not exist or has no point', route.residence_id USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO hs FROM skolval.snap s WHERE s.network_id = nid AND s.point_kind = 'home' AND s.ref_id = route.residence_id;
  SELECT * INTO us FROM skolval.snap s WHERE s.network_id = nid AND s.point_kind = 'unit' AND s.ref_id = route.unit_id;
  IF hs.network_id IS NULL OR us.network_id IS NULL THEN
    RAISE EXCEPTION 'residence % or unit % is not snapped to network %', route.residence_id, route.unit_id, nid
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Run skolval.compute_distances() first.';
  END IF;
  IF hs.edge_id IS NULL OR us.edge_id IS NULL THEN
    RAISE EXCEPTION 'residence % or unit % lies off the network: there is no route', route.residence_id, route.unit_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF hs.source_point IS DISTINCT FROM home AND NOT ST_Equals(hs.source_point, home) THEN
    RAISE EXCEPTION 'residence % moved since it was snapped', route.residence_id
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Run skolval.compute_distances() first.';
  END IF;

  IF hs.edge_id = us.edge_id THEN
    SELECT * INTO e FROM skolval.edge x WHERE x.network_id = nid AND x.edge_id = hs.edge_id;
    pieces := ARRAY[CASE WHEN hs.fraction <= us.fraction
                         THEN ST_LineSubstring(e.geom, hs.fraction, us.fraction)
                         ELSE ST_Reverse(ST_LineSubstring(e.geom, us.fraction, hs.fraction)) END];
  ELSE
    -- pgRouting gives the sequence of nodes and edges; each edge is cut to the part walked,
    -- from where the walk enters it to where it leaves it, in walking order.
    SELECT array_agg(CASE WHEN pos.a <= pos.b THEN ST_LineSubstring(x.geom, pos.a, pos.b)
                          ELSE ST_Reverse(ST_LineSubstring(x.geom, pos.b, pos.a)) END ORDER BY p.seq)
      INTO pieces
      FROM (SELECT q.seq, q.node, q.edge, lead(q.node) OVER (ORDER BY q.seq) AS next_node
              FROM pgr_withPoints(skolval.network_edges_sql(nid),
                                  pg_catalog.format('SELECT 1 AS pid, %s::bigint AS edge_id, %s::float8 AS fraction '
                                                    'UNION ALL SELECT 2, %s, %s',
                                                    hs.edge_id, hs.fraction, us.edge_id, us.fraction),
                                  -1, -2, directed => false) q) p
      JOIN skolval.edge x ON x.network_id = nid AND x.edge_id = p.edge
      CROSS JOIN LATERAL (SELECT
          CASE p.node WHEN -1 THEN hs.fraction WHEN -2 THEN us.fraction
                      ELSE CASE WHEN p.node = x.source THEN 0 ELSE 1 END END AS a,
          CASE p.next_node WHEN -1 THEN hs.fraction WHEN -2 THEN us.fraction
                      ELSE CASE WHEN p.next_node = x.source THEN 0 ELSE 1 END END AS b) pos
     WHERE p.edge > 0;
    IF pieces IS NULL THEN
      RAISE EXCEPTION 'no route from residence % to unit % on network %', route.residence_id, route.unit_id, nid
        USING ERRCODE = 'no_data_found';
    END IF;
  END IF;
  RETURN ST_MakeLine(ARRAY[home] || pieces || ARRAY[(SELECT u.location FROM skolval.unit u WHERE u.unit_id = route.unit_id)]);
END $$;
COMMENT ON FUNCTION skolval.route(bigint, bigint, bigint) IS
  'The walked route from a home (residence_id) to a unit as a LineString in the stored coordinate system: the snap segment from the home, the network path, the snap segment to the unit. Its length equals the stored walking distance';

-- ==== sql/45_placement.sql
-- skolval: placement — priorities from the round's ordered criteria, the matching in C
-- (src/placement), administrative placement, stored runs with cut-offs and explanations.

-- ---------------------------------------------------------------------------------------
-- Runs and results
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.placement_run (
  run_id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  round_id            bigint NOT NULL REFERENCES skolval.placement_round,
  mechanism           text NOT NULL CONSTRAINT placement_run_mechanism_known
                      CHECK (mechanism IN ('deferred_acceptance', 'immediate_acceptance', 'top_trading_cycles')),
  admin_policy        text NOT NULL CONSTRAINT placement_run_admin_policy_known
                      CHECK (admin_policy IN ('nearest_free', 'min_cost')),
  what_if             boolean NOT NULL,
  criteria            text[] NOT NULL,
  lottery_seed        bigint NOT NULL,
  near_home_distance_m double precision NOT NULL,
  network_id          bigint,
  network_hash        text,
  input_fingerprint   text NOT NULL,
  status              text NOT NULL DEFAULT 'draft'
                      CONSTRAINT placement_run_status_known CHECK (status IN ('draft', 'published')),
  children            integer NOT NULL,
  by_wish             integer NOT NULL,
  first_choice        integer NOT NULL,
  near_home_offer     integer NOT NULL,
  administrative      integer NOT NULL,
  total_walking_m     double precision,
  milliseconds        bigint,
  created_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
  created_by          text NOT NULL DEFAULT CURRENT_USER,
  published_at        timestamptz,
  published_by        text
);
CREATE UNIQUE INDEX placement_run_one_published ON skolval.placement_run (round_id) WHERE status = 'published';
COMMENT ON TABLE skolval.placement_run IS
  'One allocation of a round: its inputs (fingerprint, seed, criteria, network) and summary. A published run is immutable; later runs are new runs';
COMMENT ON COLUMN skolval.placement_run.run_id IS 'Run id';
COMMENT ON COLUMN skolval.placement_run.round_id IS 'The round allocated';
COMMENT ON COLUMN skolval.placement_run.mechanism IS 'deferred_acceptance (the real run), or immediate_acceptance / top_trading_cycles (what-if only)';
COMMENT ON COLUMN skolval.placement_run.admin_policy IS 'How children without a met wish were placed: nearest_free (nearest unit with a free seat, in lottery order) or min_cost (jointly, least total walking)';
COMMENT ON COLUMN skolval.placement_run.what_if IS 'A comparison run that can never be published';
COMMENT ON COLUMN skolval.placement_run.criteria IS 'The ordered criteria used (copied from the round)';
COMMENT ON COLUMN skolval.placement_run.lottery_seed IS 'The lottery seed used (copied from the round)';
COMMENT ON COLUMN skolval.placement_run.near_home_distance_m IS 'The near-home walking distance used';
COMMENT ON COLUMN skolval.placement_run.network_id IS 'Network version the distances came from';
COMMENT ON COLUMN skolval.placement_run.network_hash IS 'Content hash of that network';
COMMENT ON COLUMN skolval.placement_run.input_fingerprint IS 'md5 over every input of the matching (children, wishes, priorities, seats, candidates, policy): equal fingerprints give equal results';
COMMENT ON COLUMN skolval.placement_run.status IS 'draft or published (immutable, decisions sent)';
COMMENT ON COLUMN skolval.placement_run.children IS 'Children placed (the whole cohort)';
COMMENT ON COLUMN skolval.placement_run.by_wish IS 'Children placed at one of their wishes';
COMMENT ON COLUMN skolval.placement_run.first_choice IS 'Children placed at their first wish';
COMMENT ON COLUMN skolval.placement_run.near_home_offer IS 'Children without wishes placed at their nearest municipal unit';
COMMENT ON COLUMN skolval.placement_run.administrative IS 'Children placed by the administrative policy';
COMMENT ON COLUMN skolval.placement_run.total_walking_m IS 'Sum of the walking distances from home to the unit placed at';
COMMENT ON COLUMN skolval.placement_run.milliseconds IS 'Run time of allocate()';
COMMENT ON COLUMN skolval.placement_run.created_at IS 'When the run was made';
COMMENT ON COLUMN skolval.placement_run.created_by IS 'Who made it: the acting role (SET ROLE, else the login role), also for what-if runs analysts make through the SECURITY DEFINER allocate()';
COMMENT ON COLUMN skolval.placement_run.published_at IS 'When it was published';
COMMENT ON COLUMN skolval.placement_run.published_by IS 'Who published it';

CREATE TABLE skolval.placement (
  run_id              bigint NOT NULL REFERENCES skolval.placement_run ON DELETE CASCADE,
  child_id            bigint NOT NULL,
  unit_id             bigint NOT NULL,
  kind                text NOT NULL CONSTRAINT placement_kind_known CHECK (kind IN ('wish', 'near_home_offer', 'administrative')),
  wish_rank           smallint,
  walking_m           double precision,
  decisive_criterion  text,
  lottery_number      double precision NOT NULL,
  decision_sv         text NOT NULL,
  motivation_sv       text NOT NULL,
  explanation         jsonb NOT NULL,
  PRIMARY KEY (run_id, child_id)
);
CREATE INDEX placement_unit_idx ON skolval.placement (run_id, unit_id);
COMMENT ON TABLE skolval.placement IS 'Per run and child: where the child was placed, why, and the decision text in Swedish';
COMMENT ON COLUMN skolval.placement.run_id IS 'The run';
COMMENT ON COLUMN skolval.placement.child_id IS 'The child';
COMMENT ON COLUMN skolval.placement.unit_id IS 'The unit placed at';
COMMENT ON COLUMN skolval.placement.kind IS 'wish (one of the guardians'' wishes), near_home_offer (no wishes: the nearest municipal unit), administrative (no wish could be met)';
COMMENT ON COLUMN skolval.placement.wish_rank IS 'Rank of the wish obtained; NULL unless kind is wish';
COMMENT ON COLUMN skolval.placement.walking_m IS 'Walking metres from home to the unit';
COMMENT ON COLUMN skolval.placement.decisive_criterion IS 'The criterion that gave the place over the first child turned away there, free_seat when the unit admitted every applicant, or administrative';
COMMENT ON COLUMN skolval.placement.lottery_number IS 'The child''s lottery number, seeded_random(lottery_seed, ''lottery'', child_id)';
COMMENT ON COLUMN skolval.placement.decision_sv IS 'The decision in Swedish, one sentence';
COMMENT ON COLUMN skolval.placement.motivation_sv IS 'The motivation (FL 32 §) in Swedish: the rules applied and, for every wish ranked above the placement, the decisive circumstances against the cut-off';
COMMENT ON COLUMN skolval.placement.explanation IS 'The same as JSON: the child''s values per criterion at every wish and each unit''s cut-off';

CREATE TABLE skolval.placement_wish (
  run_id              bigint NOT NULL REFERENCES skolval.placement_run ON DELETE CASCADE,
  child_id            bigint NOT NULL,
  rank                smallint NOT NULL,
  unit_id             bigint NOT NULL,
  implicit            boolean NOT NULL,
  outcome             text NOT NULL CONSTRAINT placement_wish_outcome_known CHECK (outcome IN ('admitted', 'rejected', 'not_needed')),
  decisive_criterion  text,
  child_values        jsonb NOT NULL,
  cutoff_values       jsonb,
  explanation_sv      text,
  PRIMARY KEY (run_id, child_id, rank)
);
COMMENT ON TABLE skolval.placement_wish IS 'Per run, child and wish: the outcome and, for a wish not met, the decisive criterion with the child''s value against the unit''s cut-off';
COMMENT ON COLUMN skolval.placement_wish.run_id IS 'The run';
COMMENT ON COLUMN skolval.placement_wish.child_id IS 'The child';
COMMENT ON COLUMN skolval.placement_wish.rank IS 'Rank of the wish (1 for the implicit application of a child without wishes)';
COMMENT ON COLUMN skolval.placement_wish.unit_id IS 'The wished unit';
COMMENT ON COLUMN skolval.placement_wish.implicit IS 'True for a child without wishes: the application to the nearest municipal unit made on its behalf';
COMMENT ON COLUMN skolval.placement_wish.outcome IS 'admitted, rejected (the unit filled with children of higher priority) or not_needed (a higher wish was met)';
COMMENT ON COLUMN skolval.placement_wish.decisive_criterion IS 'For a rejected wish: the first criterion, in the round''s order, on which the child came after the last admitted child';
COMMENT ON COLUMN skolval.placement_wish.child_values IS 'The child''s value per criterion at this unit';
COMMENT ON COLUMN skolval.placement_wish.cutoff_values IS 'The last admitted child''s values at this unit (the cut-off); NULL when the unit admitted every applicant';
COMMENT ON COLUMN skolval.placement_wish.explanation_sv IS 'The explanation in Swedish, for example "relativ närhet 588 m, sista antagna 633 m"';

CREATE TABLE skolval.placement_unit (
  run_id          bigint NOT NULL REFERENCES skolval.placement_run ON DELETE CASCADE,
  unit_id         bigint NOT NULL,
  seats           integer NOT NULL,
  applicants      integer NOT NULL,
  first_choice_applicants integer NOT NULL,
  admitted        integer NOT NULL,
  placed          integer NOT NULL,
  oversubscribed  boolean NOT NULL,
  cutoff_child_id bigint,
  cutoff_values   jsonb,
  cutoff_sv       text,
  PRIMARY KEY (run_id, unit_id)
);
COMMENT ON TABLE skolval.placement_unit IS 'Per run and unit: seats, demand, admissions and the cut-off (the last admitted applicant''s values)';
COMMENT ON COLUMN skolval.placement_unit.run_id IS 'The run';
COMMENT ON COLUMN skolval.placement_unit.unit_id IS 'The unit';
COMMENT ON COLUMN skolval.placement_unit.seats IS 'Seats in the round';
COMMENT ON COLUMN skolval.placement_unit.applicants IS 'Children who applied (any rank, implicit applications included)';
COMMENT ON COLUMN skolval.placement_unit.first_choice_applicants IS 'Children with the unit as first wish';
COMMENT ON COLUMN skolval.placement_unit.admitted IS 'Applicants admitted by the matching';
COMMENT ON COLUMN skolval.placement_unit.placed IS 'Children placed there in all, administrative placements included';
COMMENT ON COLUMN skolval.placement_unit.oversubscribed IS 'Whether applicants were turned away';
COMMENT ON COLUMN skolval.placement_unit.cutoff_child_id IS 'The last admitted applicant (internal id; never shown to guardians)';
COMMENT ON COLUMN skolval.placement_unit.cutoff_values IS 'The cut-off: the last admitted applicant''s value per criterion';
COMMENT ON COLUMN skolval.placement_unit.cutoff_sv IS 'The cut-off in Swedish';

-- Published runs are immutable: their rows can be neither changed nor deleted, and nothing can
-- be added to them. Statement triggers with transition tables keep a 600,000-row insert cheap.
CREATE FUNCTION skolval._placement_run_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'published' THEN
    RAISE EXCEPTION 'placement run % is published and cannot be changed or deleted', OLD.run_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Make a new run; skolval.placement_run_difference shows how it differs from the published one.';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER placement_run_frozen BEFORE UPDATE OR DELETE ON skolval.placement_run
  FOR EACH ROW EXECUTE FUNCTION skolval._placement_run_frozen();

CREATE FUNCTION skolval._placement_rows_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  rid bigint;
BEGIN
  SELECT c.run_id INTO rid FROM changed c JOIN skolval.placement_run r ON r.run_id = c.run_id
   WHERE r.status = 'published' LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'placement run % is published and cannot be changed or deleted', rid
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Make a new run; skolval.placement_run_difference shows how it differs from the published one.';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER placement_frozen_insert AFTER INSERT ON skolval.placement
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE TRIGGER placement_frozen_update AFTER UPDATE ON skolval.placement
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE TRIGGER placement_frozen_delete AFTER DELETE ON skolval.placement
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE TRIGGER placement_wish_frozen_insert AFTER INSERT ON skolval.placement_wish
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE TRIGGER placement_wish_frozen_update AFTER UPDATE ON skolval.placement_wish
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE TRIGGER placement_wish_frozen_delete AFTER DELETE ON skolval.placement_wish
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE TRIGGER placement_unit_frozen_insert AFTER INSERT ON skolval.placement_unit
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE TRIGGER placement_unit_frozen_update AFTER UPDATE ON skolval.placement_unit
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE TRIGGER placement_unit_frozen_delete AFTER DELETE ON skolval.placement_unit
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();

-- ---------------------------------------------------------------------------------------
-- Criteria in Swedish
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval.criterion_sv(criterion text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE criterion
         WHEN 'near_home' THEN 'skola nära hemmet'
         WHEN 'active_choice' THEN 'aktivt val'
         WHEN 'sibling' THEN 'syskonförtur'
         WHEN 'relative_proximity' THEN 'relativ närhet'
         WHEN 'distance' THEN 'gångavstånd'
         WHEN 'lottery' THEN 'lottning'
         WHEN 'free_seat' THEN 'lediga platser'
         WHEN 'administrative' THEN 'placering nära hemmet där plats fanns' END $$;
COMMENT ON FUNCTION skolval.criterion_sv(text) IS 'The Swedish name of a placement criterion, as used in decisions';

-- A criterion's value as a guardian reads it: "ja"/"nej", metres, a lottery number.
CREATE FUNCTION skolval.criterion_value_sv(criterion text, value double precision) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE
         WHEN criterion IN ('near_home', 'active_choice', 'sibling') THEN CASE WHEN value > 0 THEN 'ja' ELSE 'nej' END
         WHEN criterion IN ('relative_proximity', 'distance')
           THEN pg_catalog.regexp_replace(round(value::numeric)::text, '(\d)(?=(\d{3})+$)', '\1 ', 'g') || ' m'
         WHEN criterion = 'lottery' THEN pg_catalog.replace(pg_catalog.to_char(value, 'FM0.000000'), '.', ',')
       END $$;
COMMENT ON FUNCTION skolval.criterion_value_sv(text, double precision) IS
  'A criterion value in Swedish: ja/nej for near_home, active_choice and sibling, metres for relative_proximity and distance, the number for lottery';

CREATE FUNCTION skolval.criterion_rule_sv(criterion text, near_home_distance_m double precision DEFAULT 2000) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE criterion
         WHEN 'near_home' THEN 'barn som har skolan nära hemmet (en kommunal skola inom '
                               || skolval.criterion_value_sv('distance', near_home_distance_m)
                               || ' gångväg, eller den närmaste kommunala skolan när ingen ligger så nära) går före'
         WHEN 'active_choice' THEN 'barn vars vårdnadshavare har gjort ett aktivt skolval går före'
         WHEN 'sibling' THEN 'barn som har ett syskon på samma adress i förskoleklass till årskurs 3 på skolan går före'
         WHEN 'relative_proximity' THEN 'barn med större relativ närhet (hur mycket längre gångvägen är till den skola som annars ligger närmast) går före'
         WHEN 'distance' THEN 'barn med kortare gångväg går före'
         WHEN 'lottery' THEN 'lägre lottnummer går före' END $$;
COMMENT ON FUNCTION skolval.criterion_rule_sv(text, double precision) IS 'The rule a criterion applies, in Swedish, for decision motivations';

CREATE FUNCTION skolval.date_sv(d date) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT extract(day FROM d)::int || ' ' ||
               (ARRAY['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti',
                      'september', 'oktober', 'november', 'december'])[extract(month FROM d)::int]
               || ' ' || extract(year FROM d)::int $$;
COMMENT ON FUNCTION skolval.date_sv(date) IS 'A date written out in Swedish, for example "16 augusti 2027"';

CREATE FUNCTION skolval._seats_sv(n integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT n || CASE WHEN n = 1 THEN ' plats' ELSE ' platser' END $$;

-- The first position where two priority keys differ (1-based), NULL when equal.
CREATE FUNCTION skolval._key_difference(a double precision[], b double precision[]) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT min(i) FROM pg_catalog.generate_subscripts(a, 1) i WHERE a[i] IS DISTINCT FROM b[i] $$;

-- Values per criterion as JSON, from the natural values of an application.
CREATE FUNCTION skolval._criteria_json(crit text[], near_home integer, active_choice integer, sibling integer,
                                       rn double precision, walking_m double precision, lottery double precision)
RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.jsonb_object_agg(c, CASE c
           WHEN 'near_home' THEN to_jsonb(near_home = 1) WHEN 'active_choice' THEN to_jsonb(active_choice = 1)
           WHEN 'sibling' THEN to_jsonb(sibling = 1) WHEN 'relative_proximity' THEN to_jsonb(round(rn::numeric, 1))
           WHEN 'distance' THEN to_jsonb(round(walking_m::numeric, 1)) WHEN 'lottery' THEN to_jsonb(lottery) END)
    FROM unnest(crit) c
$$;

-- A child's natural value on one criterion (1/0 for yes/no criteria, metres, the lottery number).
CREATE FUNCTION skolval._criterion_value(criterion text, near_home integer, active_choice integer, sibling integer,
                                         rn double precision, walking_m double precision, lottery double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE criterion
           WHEN 'near_home' THEN near_home WHEN 'active_choice' THEN active_choice WHEN 'sibling' THEN sibling
           WHEN 'relative_proximity' THEN rn WHEN 'distance' THEN walking_m WHEN 'lottery' THEN lottery END
$$;

CREATE FUNCTION skolval._criteria_sv(crit text[], near_home integer, active_choice integer, sibling integer,
                                     rn double precision, walking_m double precision, lottery double precision)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.string_agg(skolval.criterion_sv(c) || ' ' || skolval.criterion_value_sv(c,
           skolval._criterion_value(c, near_home, active_choice, sibling, rn, walking_m, lottery)), ', ' ORDER BY o)
    FROM unnest(crit) WITH ORDINALITY x(c, o)
$$;

-- ---------------------------------------------------------------------------------------
-- The C core (src/placement): arrays in, arrays out, 0-based indexes, -1 for none
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval._match(mechanism text, capacity integer[], wish_start integer[], wish_unit integer[],
                               n_keys integer, wish_key double precision[],
                               OUT assigned_wish integer[], OUT last_admitted_wish integer[],
                               OUT first_rejected_wish integer[], OUT applicants integer[], OUT admitted integer[])
  LANGUAGE c IMMUTABLE STRICT
  AS 'MODULE_PATHNAME', 'skolval_allocate';
COMMENT ON FUNCTION skolval._match(text, integer[], integer[], integer[], integer, double precision[]) IS
  'skolval_allocate(): the matching in C. Children''s wishes in rank order (CSR: wish_start, wish_unit), seats per unit, and per wish the child''s priority key at the unit (n_keys numbers, lower first). Returns the wish each child obtained and each unit''s last admitted and first rejected wish';

CREATE FUNCTION skolval._admin_place(policy text, seats_left integer[], cand_start integer[], cand_unit integer[],
                                     cand_cost double precision[], child_order double precision[],
                                     OUT assigned_cand integer[], OUT total_cost double precision)
  LANGUAGE c IMMUTABLE STRICT
  AS 'MODULE_PATHNAME', 'skolval_admin_place';
COMMENT ON FUNCTION skolval._admin_place(text, integer[], integer[], integer[], double precision[], double precision[]) IS
  'Administrative placement in C: min_cost (least total walking under the seats left) or nearest_free (in child_order, the cheapest candidate with a seat left)';

-- ---------------------------------------------------------------------------------------
-- allocate()
-- ---------------------------------------------------------------------------------------

-- Check that a round can be allocated and build _sv_app: one row per application (explicit
-- wishes, and for a child without wishes an implicit application to its nearest municipal
-- unit) with the child's value on every criterion and its priority key.
CREATE FUNCTION skolval._placement_applications(r skolval.placement_round) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  on_day date := coalesce(r.cohort_date, r.start_date);
  nid bigint := skolval.active_network_id();
  n bigint;
  ids text;
  key_sql text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM skolval.round_capacity c WHERE c.round_id = r.round_id) THEN
    RAISE EXCEPTION 'round "%" has no capacities', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Insert the seats of every unit into skolval.round_capacity.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM skolval.round_cohort c WHERE c.round_id = r.round_id) THEN
    RAISE EXCEPTION 'round "%" has no cohort', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Run skolval.round_fill_cohort(round_id).';
  END IF;
  -- Every child must have been measured on the active network.
  SELECT count(*), string_agg(c.child_id::text, ', ' ORDER BY c.child_id) FILTER (WHERE c.rn <= 20)
    INTO n, ids
    FROM (SELECT c.child_id, row_number() OVER (ORDER BY c.child_id) AS rn
            FROM skolval.round_cohort c
            LEFT JOIN skolval.round_home h ON h.round_id = c.round_id AND h.child_id = c.child_id
           WHERE c.round_id = r.round_id
             AND (h.child_id IS NULL OR h.residence_id IS NULL OR h.network_id IS DISTINCT FROM nid)) c;
  IF n > 0 THEN
    RAISE EXCEPTION 'distances are missing for % children of round "%"', n, r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Children ' || ids || CASE WHEN n > 20 THEN ' and more' ELSE '' END || '.',
            HINT = pg_catalog.format('Run skolval.compute_distances(%s) on the active network and resolve its data issues.', r.round_id);
  END IF;

  -- Nearest and second-nearest municipal units, once, for the implicit applications and RN.
  PERFORM skolval._drop_temp('_sv_near');
  CREATE TEMP TABLE _sv_near AS
    SELECT * FROM skolval.child_nearest_unit n WHERE n.round_id = r.round_id;
  CREATE UNIQUE INDEX ON _sv_near (child_id);
  ANALYZE _sv_near;

  PERFORM skolval._drop_temp('_sv_app');
  CREATE TEMP TABLE _sv_app AS
  WITH apps AS (
    SELECT w.child_id, w.rank, w.unit_id, false AS implicit, w.sibling_claim
      FROM skolval.wish w WHERE w.round_id = r.round_id
    UNION ALL
    SELECT c.child_id, 1::smallint, n.nearest_unit_id, true, false
      FROM skolval.round_cohort c
      JOIN _sv_near n ON n.child_id = c.child_id
     WHERE c.round_id = r.round_id
       AND NOT EXISTS (SELECT 1 FROM skolval.wish w WHERE w.round_id = r.round_id AND w.child_id = c.child_id)
  )
  SELECT a.child_id, a.rank, a.unit_id, a.implicit, a.sibling_claim,
         d.status, d.walking_m,
         (u.organizer = 'municipal' AND (d.walking_m <= r.near_home_distance_m
            OR (n.nearest_m > r.near_home_distance_m AND a.unit_id = n.nearest_unit_id)))::int AS near_home,
         (NOT a.implicit)::int AS active_choice,
         (EXISTS (SELECT 1 FROM skolval.sibling_pair sp
                    JOIN skolval.enrollment e ON e.child_id = sp.sibling_id AND e.unit_id = a.unit_id
                     AND e.school_form IN ('forskoleklass', 'grundskola') AND e.grade BETWEEN 0 AND 3
                     AND e.valid_from <= r.start_date AND (e.valid_to IS NULL OR e.valid_to >= r.start_date)
                    JOIN skolval.residence sr ON sr.child_id = sp.sibling_id AND sr.valid_from <= on_day
                     AND (sr.valid_to IS NULL OR sr.valid_to >= on_day)
                   WHERE sp.child_id = a.child_id
                     AND (lower(btrim(sr.address)) = lower(btrim(res.address)) OR ST_DWithin(sr.home, res.home, 1))))::int AS sibling,
         coalesce(CASE WHEN n.nearest_unit_id = a.unit_id THEN n.second_m ELSE n.nearest_m END - d.walking_m, 0) AS rn,
         skolval.seeded_random(r.lottery_seed, 'lottery', a.child_id) AS lottery
    FROM apps a
    JOIN skolval.round_home h ON h.round_id = r.round_id AND h.child_id = a.child_id
    JOIN skolval.residence res ON res.residence_id = h.residence_id
    JOIN skolval.unit u ON u.unit_id = a.unit_id
    LEFT JOIN skolval.distance d ON d.network_id = h.network_id AND d.residence_id = h.residence_id AND d.unit_id = a.unit_id
    LEFT JOIN _sv_near n ON n.child_id = a.child_id;
  ANALYZE _sv_app;

  -- Every cohort child applies somewhere, and every application has a distance.
  SELECT count(*), string_agg(c.child_id::text, ', ' ORDER BY c.child_id) FILTER (WHERE c.rn <= 20)
    INTO n, ids
    FROM (SELECT x.child_id, row_number() OVER (ORDER BY x.child_id) AS rn
            FROM (SELECT c.child_id FROM skolval.round_cohort c
                   WHERE c.round_id = r.round_id
                     AND NOT EXISTS (SELECT 1 FROM _sv_app a WHERE a.child_id = c.child_id)
                  UNION
                  SELECT a.child_id FROM _sv_app a WHERE a.status IS DISTINCT FROM 'ok') x) c;
  IF n > 0 THEN
    RAISE EXCEPTION 'walking distances are missing for % children of round "%"', n, r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Children ' || ids || CASE WHEN n > 20 THEN ' and more' ELSE '' END
                     || ' have a wished unit, or a nearest unit, without a walking distance.',
            HINT = 'Resolve the open data issues of skolval.compute_distances() (homes off the network, unreachable units) and run it again.';
  END IF;

  -- An unverified sibling claim gives no priority; it is a data issue for a case officer.
  UPDATE skolval.data_issue i SET resolved_at = pg_catalog.now(), resolution = 'no longer found by a later allocation'
   WHERE i.round_id = r.round_id AND i.category = 'unverified_sibling_claim' AND i.resolved_at IS NULL
     AND NOT EXISTS (SELECT 1 FROM _sv_app a WHERE a.child_id = i.child_id AND a.unit_id = i.unit_id
                        AND a.sibling_claim AND a.sibling = 0);
  INSERT INTO skolval.data_issue (category, severity, child_id, unit_id, round_id, message, detail)
  SELECT 'unverified_sibling_claim', 'warning', a.child_id, a.unit_id, r.round_id,
         pg_catalog.format('child %s: the application claims a sibling at unit %s, but the register shows no sibling at the same address in F-3 there on %s',
                           a.child_id, a.unit_id, r.start_date),
         jsonb_build_object('rank', a.rank)
    FROM _sv_app a
   WHERE a.sibling_claim AND a.sibling = 0
     AND NOT EXISTS (SELECT 1 FROM skolval.data_issue i WHERE i.round_id = r.round_id AND i.resolved_at IS NULL
                        AND i.category = 'unverified_sibling_claim' AND i.child_id = a.child_id AND i.unit_id = a.unit_id);

  -- The priority key: one number per criterion in the round's order, lower first; the lottery
  -- (if not among the criteria) and the child id make every key unique.
  SELECT string_agg(CASE c
           WHEN 'near_home' THEN '1 - near_home' WHEN 'active_choice' THEN '1 - active_choice'
           WHEN 'sibling' THEN '1 - sibling' WHEN 'relative_proximity' THEN '-rn'
           WHEN 'distance' THEN 'walking_m' WHEN 'lottery' THEN 'lottery' END, ', ' ORDER BY o)
    INTO key_sql
    FROM unnest(r.criteria) WITH ORDINALITY x(c, o);
  IF NOT 'lottery' = ANY (r.criteria) THEN
    key_sql := key_sql || ', lottery';
  END IF;
  EXECUTE 'ALTER TABLE _sv_app ADD COLUMN key double precision[]';
  EXECUTE 'UPDATE _sv_app SET key = ARRAY[' || key_sql || ', child_id]::double precision[]';
END $$;

CREATE FUNCTION skolval.allocate(round_id bigint, mechanism text DEFAULT NULL,
                                 admin_policy text DEFAULT 'min_cost', what_if boolean DEFAULT false)
RETURNS skolval.placement_run
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  caller name := skolval._acting_role();
  r skolval.placement_round;
  mech text;
  t0 timestamptz := pg_catalog.clock_timestamp();
  nid bigint := skolval.active_network_id();
  m record;
  adm record;
  seats_total bigint;
  cohort_n bigint;
  fp text;
  run skolval.placement_run;
  n_keys integer;
  crit text[];
  detail text;
BEGIN
  -- Who may: a real run needs skolval_admin, a what-if run skolval_analyst or skolval_admin.
  -- allocate() is SECURITY DEFINER (an analyst's what-if run writes rows the analyst cannot
  -- write), so the caller is the acting role (90_audit.sql), not current_user.
  IF NOT pg_catalog.pg_has_role(caller, 'skolval_admin', 'MEMBER') THEN
    IF NOT pg_catalog.pg_has_role(caller, 'skolval_analyst', 'MEMBER') THEN
      RAISE EXCEPTION 'role "%" may not allocate', caller
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'Real runs need skolval_admin; what-if runs skolval_analyst or skolval_admin.';
    ELSIF NOT coalesce(allocate.what_if, false) THEN
      RAISE EXCEPTION 'role "%" may only make what-if runs', caller
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'A real placement run needs skolval_admin; skolval_analyst may compare with what_if => true.',
              HINT = 'Call skolval.allocate(round_id, what_if => true).';
    END IF;
  END IF;

  -- The round row lock serialises allocations and publication of the same round.
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = allocate.round_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement round % does not exist', allocate.round_id USING ERRCODE = 'no_data_found';
  END IF;
  mech := coalesce(allocate.mechanism, r.mechanism);
  IF mech NOT IN ('deferred_acceptance', 'immediate_acceptance', 'top_trading_cycles') THEN
    RAISE EXCEPTION 'unknown mechanism "%"', mech
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use deferred_acceptance, or immediate_acceptance / top_trading_cycles with what_if => true.';
  END IF;
  IF admin_policy IS NULL OR admin_policy NOT IN ('nearest_free', 'min_cost') THEN
    RAISE EXCEPTION 'unknown administrative placement policy "%"', admin_policy
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use nearest_free or min_cost.';
  END IF;
  IF NOT what_if AND mech <> 'deferred_acceptance' THEN
    RAISE EXCEPTION 'only deferred acceptance may place children for real; % is for comparisons', mech
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Immediate acceptance gives priority to first choices, which Swedish case law does not accept (ÖKN 2017:132); top trading cycles trades priorities away.',
            HINT = 'Call allocate(round_id, mechanism, what_if => true) for a comparison run.';
  END IF;
  IF NOT what_if AND r.status = 'published' THEN
    RAISE EXCEPTION 'round "%" is published; its placements are final', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'A what-if run (what_if => true) can still be made for comparison.';
  END IF;
  IF nid IS NULL THEN
    RAISE EXCEPTION 'no active network: placement needs walking distances'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;

  PERFORM skolval._placement_applications(r);

  -- Enough seats for everyone? Say how many are missing, and where.
  SELECT coalesce(sum(c.seats), 0) INTO seats_total
    FROM skolval.round_capacity c JOIN skolval.unit u USING (unit_id)
   WHERE c.round_id = r.round_id AND r.school_form = ANY (u.school_forms::text[]);
  SELECT count(*) INTO cohort_n FROM skolval.round_cohort c WHERE c.round_id = r.round_id;
  IF seats_total < cohort_n THEN
    SELECT string_agg(pg_catalog.format('%s: %s children, %s seats at the units nearest to them', x.district, x.children, x.seats), '; ' ORDER BY x.district)
      INTO detail
      FROM (SELECT coalesce(res.district_code, '(no district)') AS district, count(*) AS children,
                   (SELECT coalesce(sum(c2.seats), 0) FROM skolval.round_capacity c2
                     WHERE c2.round_id = r.round_id AND c2.unit_id IN (
                       SELECT n2.nearest_unit_id FROM skolval.child_nearest_unit n2
                         JOIN skolval.round_home h2 ON h2.round_id = n2.round_id AND h2.child_id = n2.child_id
                         JOIN skolval.residence res2 ON res2.residence_id = h2.residence_id
                        WHERE n2.round_id = r.round_id
                          AND res2.district_code IS NOT DISTINCT FROM res.district_code)) AS seats
              FROM skolval.round_home h JOIN skolval.residence res USING (residence_id)
             WHERE h.round_id = r.round_id
             GROUP BY res.district_code) x;
    RAISE EXCEPTION 'round "%" has % seats for % children: % seats are missing', r.name, seats_total, cohort_n, cohort_n - seats_total
      USING ERRCODE = 'check_violation', DETAIL = 'By district: ' || coalesce(detail, 'none') || '.',
            HINT = 'Add seats in skolval.round_capacity.';
  END IF;

  -- Dense indexes for the C core: children by id, units by id (every unit with seats in the
  -- round, and every wished unit; a unit without a capacity row has 0 seats).
  PERFORM skolval._drop_temp('_sv_child');
  CREATE TEMP TABLE _sv_child AS
    SELECT c.child_id, (row_number() OVER (ORDER BY c.child_id) - 1)::int AS idx,
           skolval.seeded_random(r.lottery_seed, 'lottery', c.child_id) AS lottery
      FROM skolval.round_cohort c WHERE c.round_id = r.round_id;
  PERFORM skolval._drop_temp('_sv_unit');
  CREATE TEMP TABLE _sv_unit AS
    SELECT x.unit_id, (row_number() OVER (ORDER BY x.unit_id) - 1)::int AS idx, coalesce(c.seats, 0) AS seats
      FROM (SELECT c.unit_id FROM skolval.round_capacity c JOIN skolval.unit u USING (unit_id)
             WHERE c.round_id = r.round_id AND r.school_form = ANY (u.school_forms::text[])
            UNION SELECT a.unit_id FROM _sv_app a) x
      LEFT JOIN skolval.round_capacity c ON c.round_id = r.round_id AND c.unit_id = x.unit_id;
  ALTER TABLE _sv_app ADD COLUMN child_idx integer, ADD COLUMN unit_idx integer, ADD COLUMN wish_idx integer;
  UPDATE _sv_app a SET child_idx = c.idx FROM _sv_child c WHERE c.child_id = a.child_id;
  UPDATE _sv_app a SET unit_idx = u.idx FROM _sv_unit u WHERE u.unit_id = a.unit_id;
  UPDATE _sv_app a SET wish_idx = w.idx
    FROM (SELECT child_id, rank, (row_number() OVER (ORDER BY child_idx, rank) - 1)::int AS idx FROM _sv_app) w
   WHERE w.child_id = a.child_id AND w.rank = a.rank;
  CREATE INDEX ON _sv_app (wish_idx);
  ANALYZE _sv_app;

  SELECT cardinality(a.key) INTO n_keys FROM _sv_app a LIMIT 1;
  SELECT * INTO m FROM skolval._match(
    mech,
    (SELECT array_agg(u.seats ORDER BY u.idx) FROM _sv_unit u),
    (SELECT array_agg(s ORDER BY i) FROM (
        SELECT c.idx AS i, (sum(coalesce(x.cnt, 0)) OVER (ORDER BY c.idx) - coalesce(x.cnt, 0))::int AS s
          FROM _sv_child c
          LEFT JOIN (SELECT a.child_idx, count(*) AS cnt FROM _sv_app a GROUP BY a.child_idx) x ON x.child_idx = c.idx
        UNION ALL SELECT (SELECT count(*) FROM _sv_child), (SELECT count(*) FROM _sv_app)::int) x),
    (SELECT array_agg(a.unit_idx ORDER BY a.wish_idx) FROM _sv_app a),
    n_keys,
    (SELECT array_agg(k ORDER BY a.wish_idx, o) FROM _sv_app a, unnest(a.key) WITH ORDINALITY y(k, o)));

  -- Results of the matching.
  PERFORM skolval._drop_temp('_sv_match');
  CREATE TEMP TABLE _sv_match AS
    SELECT c.child_id, c.idx, c.lottery, a.unit_id, a.rank, a.implicit
      FROM _sv_child c
      LEFT JOIN _sv_app a ON a.wish_idx = m.assigned_wish[c.idx + 1];

  -- Administrative placement of the children the matching left without a place.
  PERFORM skolval._drop_temp('_sv_cand');
  CREATE TEMP TABLE _sv_cand AS
    SELECT x.child_id, x.unit_id, x.walking_m,
           (row_number() OVER (ORDER BY x.child_id, x.walking_m, x.unit_id) - 1)::int AS cand_idx
      FROM (SELECT mm.child_id, d.unit_id, d.walking_m,
                   row_number() OVER (PARTITION BY mm.child_id ORDER BY d.walking_m, d.unit_id) AS k
              FROM _sv_match mm
              JOIN skolval.round_home h ON h.round_id = r.round_id AND h.child_id = mm.child_id
              JOIN skolval.distance d ON d.network_id = h.network_id AND d.residence_id = h.residence_id AND d.status = 'ok'
              JOIN _sv_unit u ON u.unit_id = d.unit_id
             WHERE mm.unit_id IS NULL
               AND u.seats > coalesce(m.admitted[u.idx + 1], 0)) x
     WHERE x.k <= 100;
  PERFORM skolval._drop_temp('_sv_admin');
  CREATE TEMP TABLE _sv_admin (child_id bigint, unit_id bigint, walking_m double precision);
  IF EXISTS (SELECT 1 FROM _sv_match WHERE unit_id IS NULL) THEN
    SELECT * INTO adm FROM skolval._admin_place(
      admin_policy,
      (SELECT array_agg(u.seats - coalesce(m.admitted[u.idx + 1], 0) ORDER BY u.idx) FROM _sv_unit u),
      (SELECT array_agg(s ORDER BY i) FROM (
          SELECT y.j AS i, (sum(y.cnt) OVER (ORDER BY y.j) - y.cnt)::int AS s
            FROM (SELECT row_number() OVER (ORDER BY mm.child_id) - 1 AS j, coalesce(cc.cnt, 0) AS cnt
                    FROM _sv_match mm
                    LEFT JOIN (SELECT c.child_id, count(*) AS cnt FROM _sv_cand c GROUP BY c.child_id) cc
                      ON cc.child_id = mm.child_id
                   WHERE mm.unit_id IS NULL) y
          UNION ALL SELECT (SELECT count(*) FROM _sv_match WHERE unit_id IS NULL), (SELECT count(*) FROM _sv_cand)::int) x),
      (SELECT array_agg(u.idx ORDER BY c.cand_idx) FROM _sv_cand c JOIN _sv_unit u USING (unit_id)),
      (SELECT array_agg(c.walking_m ORDER BY c.cand_idx) FROM _sv_cand c),
      (SELECT array_agg(mm.lottery ORDER BY mm.child_id) FROM _sv_match mm WHERE mm.unit_id IS NULL));
    INSERT INTO _sv_admin
    SELECT c.child_id, c.unit_id, c.walking_m
      FROM unnest(adm.assigned_cand) WITH ORDINALITY x(cand, o)
      JOIN _sv_cand c ON c.cand_idx = x.cand;
    IF (SELECT count(*) FROM _sv_admin) < (SELECT count(*) FROM _sv_match WHERE unit_id IS NULL) THEN
      RAISE EXCEPTION 'administrative placement failed for % children of round "%"',
        (SELECT count(*) FROM _sv_match WHERE unit_id IS NULL) - (SELECT count(*) FROM _sv_admin), r.name
        USING ERRCODE = 'check_violation',
              DETAIL = 'No unit with a free seat is among the 100 nearest units of these children.',
              HINT = 'Add seats near them in skolval.round_capacity.';
    END IF;
  END IF;

  -- Fingerprint of every input of the matching.
  fp := pg_catalog.md5(pg_catalog.concat_ws('|', mech, admin_policy, r.lottery_seed, r.criteria::text,
          (SELECT n.content_hash FROM skolval.network n WHERE n.network_id = nid),
          (SELECT string_agg(u.unit_id || ':' || u.seats, ',' ORDER BY u.idx) FROM _sv_unit u),
          (SELECT pg_catalog.md5(string_agg(a.child_id || ':' || a.rank || ':' || a.unit_id || ':' || a.key::text, ',' ORDER BY a.wish_idx)) FROM _sv_app a),
          (SELECT pg_catalog.md5(string_agg(c.child_id || ':' || c.unit_id || ':' || c.walking_m, ',' ORDER BY c.cand_idx)) FROM _sv_cand c)));

  PERFORM skolval._placement_store(r, mech, admin_policy, what_if, nid, fp, m.last_admitted_wish, m.first_rejected_wish, t0);
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = currval(pg_get_serial_sequence('skolval.placement_run', 'run_id'));
  IF NOT what_if THEN
    UPDATE skolval.placement_round x SET status = 'allocated' WHERE x.round_id = r.round_id;
  END IF;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval.allocate(bigint, text, text, boolean) IS
  'Place every child of a round: student-proposing deferred acceptance over the round''s ordered criteria (skolval_allocate() in C), children without wishes applying to their nearest municipal unit, then administrative placement (min_cost: least total walking under capacity; nearest_free: nearest unit with a seat, in lottery order). Stores a run with placements, cut-offs and Swedish explanations. mechanism immediate_acceptance or top_trading_cycles only with what_if => true; a published round only with what_if => true. A real run needs skolval_admin, a what-if run skolval_analyst or skolval_admin (insufficient_privilege otherwise); SECURITY DEFINER, so analysts can store what-if runs';

-- Store a run from the temp tables of allocate(): _sv_app, _sv_child, _sv_unit, _sv_match,
-- _sv_admin. Texts name units, never children.
CREATE FUNCTION skolval._placement_store(r skolval.placement_round, mech text, admin_policy text, what_if boolean,
                                         nid bigint, fp text, last_admitted integer[], first_rejected integer[],
                                         t0 timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  rid bigint;
  rules text;
  ncrit integer := cardinality(r.criteria);
BEGIN
  PERFORM skolval._drop_temp('_sv_final');
  CREATE TEMP TABLE _sv_final AS
    SELECT m.child_id, coalesce(m.unit_id, ad.unit_id) AS unit_id,
           CASE WHEN m.unit_id IS NULL THEN 'administrative' WHEN m.implicit THEN 'near_home_offer' ELSE 'wish' END AS kind,
           CASE WHEN m.unit_id IS NOT NULL AND NOT m.implicit THEN m.rank END AS wish_rank,
           m.lottery, a.wish_idx, a.key,
           coalesce(a.walking_m, ad.walking_m) AS walking_m
      FROM _sv_match m
      LEFT JOIN _sv_app a ON a.child_id = m.child_id AND a.rank = m.rank AND m.unit_id IS NOT NULL
      LEFT JOIN _sv_admin ad ON ad.child_id = m.child_id;

  INSERT INTO skolval.placement_run (round_id, mechanism, admin_policy, what_if, criteria, lottery_seed,
                                     near_home_distance_m, network_id, network_hash, input_fingerprint,
                                     children, by_wish, first_choice, near_home_offer, administrative, total_walking_m,
                                     created_by)
  SELECT r.round_id, mech, admin_policy, what_if, r.criteria, r.lottery_seed, r.near_home_distance_m, nid,
         (SELECT n.content_hash FROM skolval.network n WHERE n.network_id = nid), fp,
         count(*), count(*) FILTER (WHERE f.kind = 'wish'), count(*) FILTER (WHERE f.wish_rank = 1),
         count(*) FILTER (WHERE f.kind = 'near_home_offer'), count(*) FILTER (WHERE f.kind = 'administrative'),
         sum(f.walking_m), skolval._acting_role()
    FROM _sv_final f
  RETURNING run_id INTO rid;

  -- Per unit: demand, admissions and the cut-off.
  INSERT INTO skolval.placement_unit (run_id, unit_id, seats, applicants, first_choice_applicants, admitted, placed,
                                      oversubscribed, cutoff_child_id, cutoff_values, cutoff_sv)
  SELECT rid, u.unit_id, u.seats,
         coalesce(ap.n, 0), coalesce(ap.first, 0), coalesce(pl.admitted, 0), coalesce(pl.placed, 0),
         first_rejected[u.idx + 1] >= 0,
         la.child_id,
         CASE WHEN first_rejected[u.idx + 1] >= 0 THEN
           skolval._criteria_json(r.criteria, la.near_home, la.active_choice, la.sibling, la.rn, la.walking_m, la.lottery) END,
         CASE WHEN first_rejected[u.idx + 1] >= 0 THEN
           skolval._criteria_sv(r.criteria, la.near_home, la.active_choice, la.sibling, la.rn, la.walking_m, la.lottery) END
    FROM _sv_unit u
    LEFT JOIN (SELECT a.unit_id, count(*) AS n, count(*) FILTER (WHERE a.rank = 1 AND NOT a.implicit) AS first
                 FROM _sv_app a GROUP BY a.unit_id) ap ON ap.unit_id = u.unit_id
    LEFT JOIN (SELECT f.unit_id, count(*) FILTER (WHERE f.kind <> 'administrative') AS admitted, count(*) AS placed
                 FROM _sv_final f GROUP BY f.unit_id) pl ON pl.unit_id = u.unit_id
    LEFT JOIN _sv_app la ON la.wish_idx = last_admitted[u.idx + 1];
  ANALYZE _sv_final;

  -- Per application: outcome, and for a wish not met the decisive criterion against the cut-off.
  INSERT INTO skolval.placement_wish (run_id, child_id, rank, unit_id, implicit, outcome, decisive_criterion,
                                      child_values, cutoff_values, explanation_sv)
  SELECT rid, a.child_id, a.rank, a.unit_id, a.implicit, o.outcome, d.criterion,
         skolval._criteria_json(r.criteria, a.near_home, a.active_choice, a.sibling, a.rn, a.walking_m, a.lottery),
         CASE WHEN o.outcome = 'rejected' AND la.child_id IS NOT NULL THEN
           skolval._criteria_json(r.criteria, la.near_home, la.active_choice, la.sibling, la.rn, la.walking_m, la.lottery) END,
         CASE WHEN o.outcome = 'rejected' THEN
           pg_catalog.format('Önskemål %s, %s: ingen plats. ', a.rank, un.name)
           || CASE WHEN u.seats = 0 THEN 'Skolan hade inga platser i förskoleklass.'
                   WHEN d.criterion = 'earlier_round' THEN
                     pg_catalog.format('Skolan hade %s och %s sökande; platserna hade redan fördelats till barn som valt skolan i en tidigare omgång.', skolval._seats_sv(u.seats), pu.applicants)
                   ELSE pg_catalog.format('Skolan hade %s och %s sökande. Avgörande var %s: ert barn %s, sista antagna %s.',
                          skolval._seats_sv(u.seats), pu.applicants, skolval.criterion_sv(d.criterion),
                          skolval.criterion_value_sv(d.criterion, d.child_value),
                          skolval.criterion_value_sv(d.criterion, d.cutoff_value)) END END
    FROM _sv_app a
    JOIN _sv_unit u ON u.unit_id = a.unit_id
    JOIN skolval.unit un ON un.unit_id = a.unit_id
    JOIN skolval.placement_unit pu ON pu.run_id = rid AND pu.unit_id = a.unit_id
    JOIN _sv_final f ON f.child_id = a.child_id
    LEFT JOIN _sv_app la ON la.wish_idx = last_admitted[u.idx + 1]
    CROSS JOIN LATERAL (SELECT CASE WHEN f.wish_idx = a.wish_idx THEN 'admitted'
                                    WHEN f.wish_idx IS NULL OR a.wish_idx < f.wish_idx THEN 'rejected'
                                    ELSE 'not_needed' END AS outcome) o
    LEFT JOIN LATERAL (
      SELECT CASE WHEN la.child_id IS NULL THEN NULL
                  WHEN a.key[k.i] < la.key[k.i] THEN 'earlier_round'
                  WHEN k.i <= ncrit THEN r.criteria[k.i] ELSE 'lottery' END AS criterion,
             skolval._criterion_value(k.c, a.near_home, a.active_choice, a.sibling, a.rn, a.walking_m, a.lottery) AS child_value,
             skolval._criterion_value(k.c, la.near_home, la.active_choice, la.sibling, la.rn, la.walking_m, la.lottery) AS cutoff_value
        FROM (SELECT i, CASE WHEN i <= ncrit THEN r.criteria[i] ELSE 'lottery' END AS c
                FROM (SELECT skolval._key_difference(a.key, la.key) AS i) i0) k
       WHERE o.outcome = 'rejected') d ON true;

  -- Per child: the decision and its motivation.
  SELECT 'Beslutet grundar sig på 9 kap. 15 § skollagen (2010:800) och nämndens urvalsregler. '
         || 'När en skola har fler sökande än platser går barnen före i denna ordning: '
         || string_agg(pg_catalog.format('%s) %s', o, skolval.criterion_rule_sv(c, r.near_home_distance_m)), '; ' ORDER BY o)
         || '. Gångvägen mäts längs gång- och vägnätet från folkbokföringsadressen till skolan.'
    INTO rules
    FROM unnest(r.criteria) WITH ORDINALITY x(c, o);

  INSERT INTO skolval.placement (run_id, child_id, unit_id, kind, wish_rank, walking_m, decisive_criterion,
                                 lottery_number, decision_sv, motivation_sv, explanation)
  SELECT rid, f.child_id, f.unit_id, f.kind, f.wish_rank, f.walking_m, dc.criterion, f.lottery,
         pg_catalog.format('Ert barn erbjuds plats i förskoleklass på %s från den %s', un.name, skolval.date_sv(r.start_date))
         || CASE f.kind WHEN 'wish' THEN pg_catalog.format(' (ert önskemål %s).', f.wish_rank)
                        WHEN 'near_home_offer' THEN ', den kommunala skola som ligger närmast hemmet.'
                        ELSE pg_catalog.format(', %s gångväg från hemmet.', skolval.criterion_value_sv('distance', f.walking_m)) END,
         rules || ' '
         || coalesce((SELECT string_agg(pw.explanation_sv, ' ' ORDER BY pw.rank) FROM skolval.placement_wish pw
                       WHERE pw.run_id = rid AND pw.child_id = f.child_id AND pw.outcome = 'rejected' AND NOT pw.implicit) || ' ', '')
         || CASE
              WHEN f.kind = 'wish' AND dc.criterion = 'free_seat' THEN pg_catalog.format('%s hade plats för alla som sökte dit.', un.name)
              WHEN f.kind = 'wish' THEN pg_catalog.format('På %s fick ert barn plats före de barn som inte kom in genom kriteriet %s.', un.name, skolval.criterion_sv(dc.criterion))
              WHEN f.kind = 'near_home_offer' THEN 'Ni har inte gjort något skolval. Ert barn erbjuds därför plats på den kommunala skola som ligger närmast hemmet.'
              WHEN admin_policy = 'nearest_free' THEN 'Inget önskemål kunde tillgodoses. Ert barn har placerats på den skola närmast hemmet som hade en ledig plats.'
              ELSE 'Inget önskemål kunde tillgodoses. Ert barn har placerats på en skola med ledig plats; alla barn som inte fick något önskemål har placerats så att den sammanlagda gångvägen blev så kort som möjligt.'
            END,
         jsonb_build_object(
           'unit_id', f.unit_id, 'kind', f.kind, 'wish_rank', f.wish_rank, 'walking_m', round(f.walking_m::numeric, 1),
           'decisive_criterion', dc.criterion, 'criteria', r.criteria, 'lottery_number', f.lottery,
           'wishes', (SELECT jsonb_agg(jsonb_build_object('rank', pw.rank, 'unit_id', pw.unit_id, 'implicit', pw.implicit,
                                                          'outcome', pw.outcome, 'decisive_criterion', pw.decisive_criterion,
                                                          'child', pw.child_values, 'cutoff', pw.cutoff_values) ORDER BY pw.rank)
                        FROM skolval.placement_wish pw WHERE pw.run_id = rid AND pw.child_id = f.child_id))
    FROM _sv_final f
    JOIN skolval.unit un ON un.unit_id = f.unit_id
    JOIN _sv_unit u ON u.unit_id = f.unit_id
    LEFT JOIN _sv_app fr ON fr.wish_idx = first_rejected[u.idx + 1]
    CROSS JOIN LATERAL (SELECT CASE WHEN f.kind = 'administrative' THEN 'administrative'
                                    WHEN fr.child_id IS NULL THEN 'free_seat'
                                    ELSE coalesce(r.criteria[skolval._key_difference(f.key, fr.key)], 'lottery') END AS criterion) dc;

  UPDATE skolval.placement_run x SET milliseconds = round(extract(epoch FROM pg_catalog.clock_timestamp() - t0) * 1000)
   WHERE x.run_id = rid;
END $$;

CREATE FUNCTION skolval.publish(run_id bigint) RETURNS skolval.placement_run
LANGUAGE plpgsql AS $$
DECLARE
  run skolval.placement_run;
  r skolval.placement_round;
BEGIN
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = publish.run_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement run % does not exist', publish.run_id USING ERRCODE = 'no_data_found';
  END IF;
  -- Same lock as allocate(): publishing and allocating one round never interleave.
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = run.round_id FOR UPDATE;
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = publish.run_id;
  IF run.what_if THEN
    RAISE EXCEPTION 'placement run % is a what-if run and cannot be published', run.run_id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF run.status = 'published' OR r.status = 'published' THEN
    RAISE EXCEPTION 'round "%" is already published', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'A favourable decision that has been notified is in principle binding; a published round stays as it is.';
  END IF;
  IF EXISTS (SELECT 1 FROM skolval.placement_run x WHERE x.round_id = run.round_id AND NOT x.what_if
                AND x.created_at > run.created_at) THEN
    RAISE EXCEPTION 'placement run % is not the latest run of round "%"', run.run_id, r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Publish the latest run, or allocate again.';
  END IF;
  UPDATE skolval.placement_run x SET status = 'published', published_at = pg_catalog.now(), published_by = CURRENT_USER
   WHERE x.run_id = run.run_id RETURNING * INTO run;
  UPDATE skolval.placement_round x SET status = 'published' WHERE x.round_id = run.round_id;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval.publish(bigint) IS
  'Publish the latest real run of a round: its placements become immutable and the round cannot be allocated again (what-if runs still can)';

-- ---------------------------------------------------------------------------------------
-- Views
-- ---------------------------------------------------------------------------------------

CREATE VIEW skolval.placement_unit_stats AS
SELECT pu.run_id, r.round_id, pu.unit_id, u.unit_code, u.name AS unit_name, u.organizer,
       pu.seats, pu.applicants, pu.first_choice_applicants, pu.admitted, pu.placed,
       round(100.0 * pu.placed / nullif(pu.seats, 0), 1) AS fill_rate_pct,
       round(100.0 * (SELECT count(*) FROM skolval.placement p WHERE p.run_id = pu.run_id AND p.unit_id = pu.unit_id AND p.wish_rank = 1)
             / nullif(pu.placed, 0), 1) AS first_choice_share_pct,
       pu.oversubscribed,
       (SELECT jsonb_object_agg(x.criterion, x.n) FROM (
          SELECT coalesce(p.decisive_criterion, p.kind) AS criterion, count(*) AS n
            FROM skolval.placement p WHERE p.run_id = pu.run_id AND p.unit_id = pu.unit_id
           GROUP BY 1) x) AS admitted_by_criterion,
       pu.cutoff_sv
  FROM skolval.placement_unit pu
  JOIN skolval.placement_run r ON r.run_id = pu.run_id
  JOIN skolval.unit u ON u.unit_id = pu.unit_id;
COMMENT ON VIEW skolval.placement_unit_stats IS 'For BI: per run and unit, seats, applicants, admissions, fill rate, first-choice share, admissions per decisive criterion and the cut-off. No child is identified';
COMMENT ON COLUMN skolval.placement_unit_stats.run_id IS 'The run';
COMMENT ON COLUMN skolval.placement_unit_stats.round_id IS 'The round';
COMMENT ON COLUMN skolval.placement_unit_stats.unit_id IS 'The unit';
COMMENT ON COLUMN skolval.placement_unit_stats.unit_code IS 'Unit code';
COMMENT ON COLUMN skolval.placement_unit_stats.unit_name IS 'Unit name';
COMMENT ON COLUMN skolval.placement_unit_stats.organizer IS 'municipal or independent';
COMMENT ON COLUMN skolval.placement_unit_stats.seats IS 'Seats';
COMMENT ON COLUMN skolval.placement_unit_stats.applicants IS 'Applicants (any rank)';
COMMENT ON COLUMN skolval.placement_unit_stats.first_choice_applicants IS 'Applicants with the unit as first wish';
COMMENT ON COLUMN skolval.placement_unit_stats.admitted IS 'Admitted by the matching';
COMMENT ON COLUMN skolval.placement_unit_stats.placed IS 'Placed in all (administrative placements included)';
COMMENT ON COLUMN skolval.placement_unit_stats.fill_rate_pct IS 'Placed as a percentage of seats';
COMMENT ON COLUMN skolval.placement_unit_stats.first_choice_share_pct IS 'Share of the placed children who had the unit as first wish, percent';
COMMENT ON COLUMN skolval.placement_unit_stats.oversubscribed IS 'Whether applicants were turned away';
COMMENT ON COLUMN skolval.placement_unit_stats.admitted_by_criterion IS 'Children placed per decisive criterion (free_seat, near_home, sibling, relative_proximity, ..., administrative)';
COMMENT ON COLUMN skolval.placement_unit_stats.cutoff_sv IS 'The cut-off in Swedish';

CREATE VIEW skolval.placement_decision AS
SELECT p.run_id, r.round_id, r.status AS run_status, p.child_id, c.protected_identity,
       CASE WHEN c.protected_identity THEN NULL ELSE c.personal_number END AS personal_number,
       CASE WHEN c.protected_identity THEN NULL ELSE c.given_name END AS given_name,
       CASE WHEN c.protected_identity THEN NULL ELSE c.family_name END AS family_name,
       CASE WHEN c.protected_identity THEN NULL ELSE res.address END AS address,
       u.unit_code, u.name AS unit_name, p.kind, p.wish_rank, round(p.walking_m) AS walking_m,
       p.decision_sv, p.motivation_sv, p.explanation
  FROM skolval.placement p
  JOIN skolval.placement_run r ON r.run_id = p.run_id
  JOIN skolval.child c ON c.child_id = p.child_id
  JOIN skolval.unit u ON u.unit_id = p.unit_id
  LEFT JOIN skolval.round_home h ON h.round_id = r.round_id AND h.child_id = p.child_id
  LEFT JOIN skolval.residence res ON res.residence_id = h.residence_id;
COMMENT ON VIEW skolval.placement_decision IS
  'For distribution (letters, RPA, API): one row per run and child with the decision and its FL 32 § motivation in Swedish. For a child with protected identity the identity and address are NULL: such letters go through Skatteverket''s forwarding';
COMMENT ON COLUMN skolval.placement_decision.run_id IS 'The run';
COMMENT ON COLUMN skolval.placement_decision.round_id IS 'The round';
COMMENT ON COLUMN skolval.placement_decision.run_status IS 'draft or published: send only published decisions';
COMMENT ON COLUMN skolval.placement_decision.child_id IS 'Internal child id';
COMMENT ON COLUMN skolval.placement_decision.protected_identity IS 'The child has protected identity: identity and address are withheld';
COMMENT ON COLUMN skolval.placement_decision.personal_number IS 'Personal identity number (NULL for protected identity)';
COMMENT ON COLUMN skolval.placement_decision.given_name IS 'Given name (NULL for protected identity)';
COMMENT ON COLUMN skolval.placement_decision.family_name IS 'Family name (NULL for protected identity)';
COMMENT ON COLUMN skolval.placement_decision.address IS 'Registered address (NULL for protected identity)';
COMMENT ON COLUMN skolval.placement_decision.unit_code IS 'Code of the unit placed at';
COMMENT ON COLUMN skolval.placement_decision.unit_name IS 'Name of the unit placed at';
COMMENT ON COLUMN skolval.placement_decision.kind IS 'wish, near_home_offer or administrative';
COMMENT ON COLUMN skolval.placement_decision.wish_rank IS 'Rank of the wish obtained';
COMMENT ON COLUMN skolval.placement_decision.walking_m IS 'Walking metres from home';
COMMENT ON COLUMN skolval.placement_decision.decision_sv IS 'The decision in Swedish';
COMMENT ON COLUMN skolval.placement_decision.motivation_sv IS 'The motivation in Swedish (rules applied, decisive circumstances)';
COMMENT ON COLUMN skolval.placement_decision.explanation IS 'The explanation as JSON';

CREATE VIEW skolval.mechanism_comparison AS
SELECT r.round_id, r.run_id, r.mechanism, r.admin_policy, r.what_if, r.status, r.children,
       round(100.0 * r.first_choice / nullif(r.children, 0), 1) AS first_choice_pct,
       round(100.0 * (SELECT count(*) FROM skolval.placement p WHERE p.run_id = r.run_id AND p.wish_rank <= 3)
             / nullif(r.children, 0), 1) AS top3_pct,
       r.near_home_offer, r.administrative,
       round(r.total_walking_m / 1000) AS total_walking_km,
       round(r.total_walking_m / nullif(r.children, 0)) AS mean_walking_m
  FROM skolval.placement_run r;
COMMENT ON VIEW skolval.mechanism_comparison IS
  'Runs of a round side by side: first-choice share, top-3 share, placements without wishes, administrative placements and walking. Immediate acceptance (Boston) rewards ranking a school first, which Swedish case law does not accept for real placements (ÖKN 2017:132): compare only';
COMMENT ON COLUMN skolval.mechanism_comparison.round_id IS 'The round';
COMMENT ON COLUMN skolval.mechanism_comparison.run_id IS 'The run';
COMMENT ON COLUMN skolval.mechanism_comparison.mechanism IS 'Mechanism of the run';
COMMENT ON COLUMN skolval.mechanism_comparison.admin_policy IS 'Administrative placement policy';
COMMENT ON COLUMN skolval.mechanism_comparison.what_if IS 'Comparison run';
COMMENT ON COLUMN skolval.mechanism_comparison.status IS 'draft or published';
COMMENT ON COLUMN skolval.mechanism_comparison.children IS 'Children placed';
COMMENT ON COLUMN skolval.mechanism_comparison.first_choice_pct IS 'Percent placed at their first wish';
COMMENT ON COLUMN skolval.mechanism_comparison.top3_pct IS 'Percent placed at one of their three first wishes';
COMMENT ON COLUMN skolval.mechanism_comparison.near_home_offer IS 'Children without wishes placed at their nearest municipal unit';
COMMENT ON COLUMN skolval.mechanism_comparison.administrative IS 'Administrative placements';
COMMENT ON COLUMN skolval.mechanism_comparison.total_walking_km IS 'Total walking distance home to placement, km';
COMMENT ON COLUMN skolval.mechanism_comparison.mean_walking_m IS 'Mean walking distance, metres';

CREATE VIEW skolval.placement_run_difference AS
SELECT n.run_id, pub.run_id AS published_run_id, n.child_id,
       pp.unit_id AS published_unit_id, n.unit_id, pp.wish_rank AS published_wish_rank, n.wish_rank
  FROM skolval.placement n
  JOIN skolval.placement_run nr ON nr.run_id = n.run_id
  JOIN skolval.placement_run pub ON pub.round_id = nr.round_id AND pub.status = 'published' AND pub.run_id <> nr.run_id
  LEFT JOIN skolval.placement pp ON pp.run_id = pub.run_id AND pp.child_id = n.child_id
 WHERE pp.unit_id IS DISTINCT FROM n.unit_id;
COMMENT ON VIEW skolval.placement_run_difference IS 'Children whose unit in a later run differs from the published run of the same round';
COMMENT ON COLUMN skolval.placement_run_difference.run_id IS 'The later run';
COMMENT ON COLUMN skolval.placement_run_difference.published_run_id IS 'The published run';
COMMENT ON COLUMN skolval.placement_run_difference.child_id IS 'The child';
COMMENT ON COLUMN skolval.placement_run_difference.published_unit_id IS 'Unit in the published run (NULL: the child was not in it)';
COMMENT ON COLUMN skolval.placement_run_difference.unit_id IS 'Unit in the later run';
COMMENT ON COLUMN skolval.placement_run_difference.published_wish_rank IS 'Wish rank obtained in the published run';
COMMENT ON COLUMN skolval.placement_run_difference.wish_rank IS 'Wish rank obtained in the later run';

-- ==== sql/50_staging.sql
-- skolval: staging — loading a municipality's own data from CSV exports.
--
-- Workflow (doc/loading.md):
--   1. SELECT skolval.staging_clear();
--   2. \copy skolval.staging_x (col, col, ...) FROM 'file.csv' WITH (FORMAT csv, HEADER true)
--      for each export (list the data columns, never source_row);
--   3. SELECT * FROM skolval.staging_check();     -- every bad row, nothing written
--   4. SELECT * FROM skolval.staging_merge();     -- loads everything or nothing
--
-- Every data column of a staging table is text, so \copy never fails on a type: all parsing
-- happens in the parse helpers below, used by both the *_parsed views (what merge loads) and
-- staging_check() (what is wrong). Problems never show personal identity numbers, names,
-- addresses or home coordinates: the source row number says where to look.

-- ---------------------------------------------------------------------------------------
-- Staging tables
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.staging_unit (
  source_row         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  unit_code          text,
  name               text,
  organizer          text,
  organizer_name     text,
  school_forms       text,
  address            text,
  municipality_code  text,
  east               text,
  north              text,
  lat                text,
  lon                text
);
COMMENT ON TABLE skolval.staging_unit IS
  'Staging for units (Skolverket''s skolenhetsregister or the municipality''s unit list), filled by \copy skolval.staging_unit (unit_code, name, ...) FROM ''units.csv'' WITH (FORMAT csv, HEADER true); checked by staging_check(), loaded by staging_merge(). See doc/loading.md';
COMMENT ON COLUMN skolval.staging_unit.source_row IS
  'Data row number in the CSV file (1 = first row after the header), assigned in file order; leave it out of the \copy column list';
COMMENT ON COLUMN skolval.staging_unit.unit_code IS 'Required. The unit''s official code (skolenhetskod); the key units are merged by';
COMMENT ON COLUMN skolval.staging_unit.name IS 'Required. The unit''s name';
COMMENT ON COLUMN skolval.staging_unit.organizer IS 'Required. municipal or independent; also kommunal, enskild, fristående (any case)';
COMMENT ON COLUMN skolval.staging_unit.organizer_name IS 'Optional. Name of the organizer (huvudman)';
COMMENT ON COLUMN skolval.staging_unit.school_forms IS
  'Required. School forms offered, separated by comma or semicolon: forskola, forskoleklass, grundskola, fritidshem (Swedish spellings such as förskola, förskoleklass accepted)';
COMMENT ON COLUMN skolval.staging_unit.address IS 'Optional. Visiting address';
COMMENT ON COLUMN skolval.staging_unit.municipality_code IS 'Optional. Municipality code, four digits';
COMMENT ON COLUMN skolval.staging_unit.east IS 'East coordinate in the settings'' SRID (SWEREF99 TM by default); give east and north, or lat and lon';
COMMENT ON COLUMN skolval.staging_unit.north IS 'North coordinate in the settings'' SRID (SWEREF99 TM by default)';
COMMENT ON COLUMN skolval.staging_unit.lat IS 'Latitude in WGS84 (decimal degrees); used when east and north are empty';
COMMENT ON COLUMN skolval.staging_unit.lon IS 'Longitude in WGS84 (decimal degrees)';

CREATE TABLE skolval.staging_residence (
  source_row          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  personal_number     text,
  given_name          text,
  family_name         text,
  protected_identity  text,
  municipality_code   text,
  address             text,
  postal_code         text,
  postal_town         text,
  district_code       text,
  east                text,
  north               text,
  lat                 text,
  lon                 text,
  valid_from          text,
  valid_to            text
);
COMMENT ON TABLE skolval.staging_residence IS
  'Staging for the population register extract (folkbokföring, Navet): one row per child and residence period. Merging replaces the stored residence history of every child that appears here. See doc/loading.md';
COMMENT ON COLUMN skolval.staging_residence.source_row IS
  'Data row number in the CSV file (1 = first row after the header), assigned in file order; leave it out of the \copy column list';
COMMENT ON COLUMN skolval.staging_residence.personal_number IS 'Required. Personnummer or samordningsnummer, YYYYMMDDNNNC or YYYYMMDD-NNNC; the birth date is taken from it';
COMMENT ON COLUMN skolval.staging_residence.given_name IS 'Optional. Given name; the latest period''s value is stored';
COMMENT ON COLUMN skolval.staging_residence.family_name IS 'Optional. Family name; the latest period''s value is stored';
COMMENT ON COLUMN skolval.staging_residence.protected_identity IS
  'Protected identity: J/N, ja/nej, true/false, 1/0 (any case); empty means no. The child is protected when any of its rows says so';
COMMENT ON COLUMN skolval.staging_residence.municipality_code IS 'Required. Municipality of registration (folkbokföringskommun), four digits';
COMMENT ON COLUMN skolval.staging_residence.address IS 'Optional. Registered address';
COMMENT ON COLUMN skolval.staging_residence.postal_code IS 'Optional. Postal code';
COMMENT ON COLUMN skolval.staging_residence.postal_town IS 'Optional. Postal town';
COMMENT ON COLUMN skolval.staging_residence.district_code IS 'Optional. District code; must exist in skolval.district';
COMMENT ON COLUMN skolval.staging_residence.east IS 'Optional. East coordinate of the home in the settings'' SRID; all four coordinates empty means the home is not located';
COMMENT ON COLUMN skolval.staging_residence.north IS 'Optional. North coordinate of the home in the settings'' SRID';
COMMENT ON COLUMN skolval.staging_residence.lat IS 'Optional. Latitude of the home in WGS84, used when east and north are empty';
COMMENT ON COLUMN skolval.staging_residence.lon IS 'Optional. Longitude of the home in WGS84';
COMMENT ON COLUMN skolval.staging_residence.valid_from IS 'Required. First day of the period, YYYY-MM-DD or YYYYMMDD';
COMMENT ON COLUMN skolval.staging_residence.valid_to IS 'Optional. Last day of the period (inclusive), YYYY-MM-DD or YYYYMMDD; empty while current';

CREATE TABLE skolval.staging_sibling (
  source_row               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  personal_number          text,
  sibling_personal_number  text
);
COMMENT ON TABLE skolval.staging_sibling IS
  'Staging for sibling relations from the population register; a pair may be listed in either or both directions. Merging adds relations, it never removes one. See doc/loading.md';
COMMENT ON COLUMN skolval.staging_sibling.source_row IS
  'Data row number in the CSV file (1 = first row after the header), assigned in file order; leave it out of the \copy column list';
COMMENT ON COLUMN skolval.staging_sibling.personal_number IS 'Required. Personal identity number of one child; the child must be in staging_residence or already stored';
COMMENT ON COLUMN skolval.staging_sibling.sibling_personal_number IS 'Required. Personal identity number of the sibling; likewise known';

CREATE TABLE skolval.staging_enrollment (
  source_row       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  personal_number  text,
  unit_code        text,
  school_form      text,
  grade            text,
  hours_per_week   text,
  valid_from       text,
  valid_to         text
);
COMMENT ON TABLE skolval.staging_enrollment IS
  'Staging for placements from the student and preschool registers (elevregister, barnomsorgsregister); merged by (child, unit, school form, valid_from). See doc/loading.md';
COMMENT ON COLUMN skolval.staging_enrollment.source_row IS
  'Data row number in the CSV file (1 = first row after the header), assigned in file order; leave it out of the \copy column list';
COMMENT ON COLUMN skolval.staging_enrollment.personal_number IS 'Required. The child''s personal identity number; the child must be in staging_residence or already stored';
COMMENT ON COLUMN skolval.staging_enrollment.unit_code IS 'Required. Code of the unit attended; in staging_unit or already stored, and offering the school form';
COMMENT ON COLUMN skolval.staging_enrollment.school_form IS 'Required. forskola, forskoleklass, grundskola or fritidshem (Swedish spellings accepted)';
COMMENT ON COLUMN skolval.staging_enrollment.grade IS
  'Grade: F or 0 for förskoleklass (empty also means 0 there), 1-9 for grundskola (required), 0-9 or empty for fritidshem, empty for förskola';
COMMENT ON COLUMN skolval.staging_enrollment.hours_per_week IS 'Optional. Scheduled hours per week, 0-60, decimal comma or point';
COMMENT ON COLUMN skolval.staging_enrollment.valid_from IS 'Required. First day of the placement, YYYY-MM-DD or YYYYMMDD';
COMMENT ON COLUMN skolval.staging_enrollment.valid_to IS 'Optional. Last day of the placement (inclusive); empty while it continues';

CREATE TABLE skolval.staging_wish (
  source_row       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  round_name       text,
  personal_number  text,
  rank             text,
  unit_code        text,
  sibling_claim    text,
  submitted_at     text
);
COMMENT ON TABLE skolval.staging_wish IS
  'Staging for the e-service''s wishes export: for every (round, child) here the staged wishes replace the stored ones, and the child is added to the round''s cohort. See doc/loading.md';
COMMENT ON COLUMN skolval.staging_wish.source_row IS
  'Data row number in the CSV file (1 = first row after the header), assigned in file order; leave it out of the \copy column list';
COMMENT ON COLUMN skolval.staging_wish.round_name IS 'Required. Name of an existing placement round (skolval.placement_round.name) that is not published';
COMMENT ON COLUMN skolval.staging_wish.personal_number IS 'Required. The child''s personal identity number; the child must be in staging_residence or already stored';
COMMENT ON COLUMN skolval.staging_wish.rank IS 'Required. 1 = first choice; a child''s ranks in a round run 1..n without gaps, n at most the round''s max_wishes';
COMMENT ON COLUMN skolval.staging_wish.unit_code IS 'Required. Code of the wished unit; it must offer the round''s school form';
COMMENT ON COLUMN skolval.staging_wish.sibling_claim IS 'Optional. The guardians claim a sibling attends the unit: J/N, ja/nej, true/false, 1/0; empty means no';
COMMENT ON COLUMN skolval.staging_wish.submitted_at IS 'Optional. When the application was signed, YYYY-MM-DD HH:MM[:SS][+HH[:MM]]; without an offset it is read in the session''s TimeZone';

-- (setval rather than TRUNCATE ... RESTART IDENTITY, which needs the sequences' owner: a
-- skolval_admin may truncate the tables and update the sequences, but owns neither.)
CREATE FUNCTION skolval.staging_clear() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  TRUNCATE skolval.staging_unit, skolval.staging_residence, skolval.staging_sibling,
           skolval.staging_enrollment, skolval.staging_wish;
  FOREACH t IN ARRAY ARRAY['staging_unit', 'staging_residence', 'staging_sibling', 'staging_enrollment', 'staging_wish'] LOOP
    PERFORM pg_catalog.setval(pg_catalog.pg_get_serial_sequence('skolval.' || t, 'source_row'), 1, false);
  END LOOP;
END $$;
COMMENT ON FUNCTION skolval.staging_clear() IS
  'Empty every staging table and restart the source row numbers at 1; run it before loading a new set of files';

-- ---------------------------------------------------------------------------------------
-- Parse helpers: NULL for an empty or unparsable value, never an error
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval._staging_date(v text) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  t text := nullif(btrim(v, E' \t\r\n'), '');
  y integer;
  m integer;
  d integer;
BEGIN
  -- (~ and substr: regexp_match() costs a hundred times more per call)
  IF t ~ '^[0-9]{8}$' THEN
    t := substr(t, 1, 4) || '-' || substr(t, 5, 2) || '-' || substr(t, 7, 2);
  END IF;
  IF t IS NULL OR t !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
    RETURN NULL;
  END IF;
  y := substr(t, 1, 4)::integer; m := substr(t, 6, 2)::integer; d := substr(t, 9, 2)::integer;
  IF y < 1800 OR m NOT BETWEEN 1 AND 12 OR d < 1
     OR d > extract(day FROM make_date(y, m, 1) + interval '1 month' - interval '1 day') THEN
    RETURN NULL;
  END IF;
  RETURN make_date(y, m, d);
END $$;
COMMENT ON FUNCTION skolval._staging_date(text) IS 'Parse a staged date, YYYY-MM-DD or YYYYMMDD; NULL when empty or not a calendar date';

CREATE FUNCTION skolval._staging_number(v text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  t text := nullif(btrim(v, E' \t\r\n'), '');
BEGIN
  IF t ~ '^[+-]?[0-9]{1,15}([.,][0-9]{1,15})?$' THEN
    RETURN replace(t, ',', '.')::numeric;
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._staging_number(text) IS 'Parse a staged decimal number with a decimal point or comma; NULL when empty or not a number';

CREATE FUNCTION skolval._staging_integer(v text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  t text := nullif(btrim(v, E' \t\r\n'), '');
BEGIN
  IF t ~ '^[+-]?[0-9]{1,9}$' THEN
    RETURN t::integer;
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._staging_integer(text) IS 'Parse a staged whole number; NULL when empty or not a whole number';

CREATE FUNCTION skolval._staging_boolean(v text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  t text := lower(nullif(btrim(v, E' \t\r\n'), ''));
BEGIN
  IF t IS NULL THEN
    RETURN false;
  ELSIF t IN ('j', 'ja', 'true', 't', 'yes', 'y', '1') THEN
    RETURN true;
  ELSIF t IN ('n', 'nej', 'false', 'f', 'no', '0') THEN
    RETURN false;
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._staging_boolean(text) IS
  'Parse a staged yes/no: J/N, ja/nej, true/false, t/f, yes/no, 1/0 in any case; empty is false; NULL when unknown';

CREATE FUNCTION skolval._staging_timestamptz(v text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
  t text := nullif(btrim(v, E' \t\r\n'), '');
BEGIN
  IF t !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?( ?(Z|[+-][0-9]{2}(:?[0-9]{2})?))?$' THEN
    RETURN NULL;
  END IF;
  RETURN t::timestamptz;
EXCEPTION
  WHEN datetime_field_overflow OR invalid_datetime_format OR invalid_time_zone_displacement_value THEN
    RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._staging_timestamptz(text) IS
  'Parse a staged time stamp, YYYY-MM-DD[ HH:MM[:SS]][+HH[:MM]] (without an offset in the session''s TimeZone); NULL when empty or unparsable';

CREATE FUNCTION skolval._staging_school_form(v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  t text := translate(lower(nullif(btrim(v, E' \t\r\n'), '')), 'åäöÅÄÖ', 'aaoaao');
BEGIN
  IF t IN ('forskola', 'forskoleklass', 'grundskola', 'fritidshem') THEN
    RETURN t;
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._staging_school_form(text) IS
  'Parse a staged school form: forskola, forskoleklass, grundskola, fritidshem in any case, with or without å/ä/ö; NULL when unknown';

CREATE FUNCTION skolval._staging_school_forms(v text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  forms text[];
BEGIN
  IF EXISTS (SELECT 1 FROM regexp_split_to_table(coalesce(v, ''), '[,;]') x
              WHERE nullif(btrim(x, E' \t\r\n'), '') IS NOT NULL AND skolval._staging_school_form(x) IS NULL) THEN
    RETURN NULL;
  END IF;
  -- canonical order, whatever the file's order; NULL when the list is empty
  SELECT array_agg(o.f ORDER BY o.i) INTO forms
    FROM unnest(ARRAY['forskola', 'forskoleklass', 'grundskola', 'fritidshem']) WITH ORDINALITY o(f, i)
   WHERE o.f IN (SELECT skolval._staging_school_form(x) FROM regexp_split_to_table(coalesce(v, ''), '[,;]') x);
  RETURN forms;
END $$;
COMMENT ON FUNCTION skolval._staging_school_forms(text) IS
  'Parse a staged list of school forms separated by comma or semicolon, in canonical order without repeats; NULL when empty or when any form is unknown';

CREATE FUNCTION skolval._staging_organizer(v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  t text := translate(lower(nullif(btrim(v, E' \t\r\n'), '')), 'åäöÅÄÖ', 'aaoaao');
BEGIN
  IF t IN ('municipal', 'kommunal') THEN
    RETURN 'municipal';
  ELSIF t IN ('independent', 'enskild', 'fristaende') THEN
    RETURN 'independent';
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._staging_organizer(text) IS
  'Parse a staged organizer type: municipal/kommunal or independent/enskild/fristående; NULL when unknown';

CREATE FUNCTION skolval._staging_grade(v text) RETURNS smallint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  t text := upper(nullif(btrim(v, E' \t\r\n'), ''));
BEGIN
  IF t IN ('F', 'FK') THEN
    RETURN 0;
  ELSIF t ~ '^[0-9]$' THEN
    RETURN t::smallint;
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._staging_grade(text) IS 'Parse a staged grade: F, FK or 0 for förskoleklass, 1-9; NULL when empty or unknown';

CREATE FUNCTION skolval._staging_personal_number(v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  t text := nullif(btrim(v, E' \t\r\n'), '');
BEGIN
  IF t IS NULL OR skolval.personal_number_problem(t) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  RETURN skolval.personal_number_normalize(t);
END $$;
COMMENT ON FUNCTION skolval._staging_personal_number(text) IS
  'The 12-digit form of a staged personal identity number; NULL when empty or invalid';

CREATE FUNCTION skolval._staging_wgs84_point(lon numeric, lat numeric) RETURNS geometry
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180 THEN
    RETURN ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), skolval.srid());
  END IF;
  RETURN NULL;
EXCEPTION
  WHEN OTHERS THEN   -- a projection error: the point cannot be used
    RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._staging_wgs84_point(numeric, numeric) IS
  'A WGS84 longitude/latitude transformed to the settings'' SRID; NULL when out of range or not transformable';

-- A point in the settings' SRID from east/north (preferred) or lat/lon; NULL when the
-- coordinates are missing, incomplete or unusable (staging_check() says which).
CREATE FUNCTION skolval._staging_point(east text, north text, lat text, lon text) RETURNS geometry
LANGUAGE plpgsql STABLE AS $$
DECLARE
  e numeric := skolval._staging_number(east);
  n numeric := skolval._staging_number(north);
BEGIN
  IF e IS NOT NULL AND n IS NOT NULL THEN
    RETURN ST_SetSRID(ST_MakePoint(e, n), skolval.srid());
  END IF;
  RETURN skolval._staging_wgs84_point(skolval._staging_number(lon), skolval._staging_number(lat));
END $$;
COMMENT ON FUNCTION skolval._staging_point(text, text, text, text) IS
  'A staged location as a point in the settings'' SRID: east/north when given, else lat/lon (WGS84) transformed; NULL when missing or unusable';

CREATE FUNCTION skolval._staging_location_problem(
  east text, north text, lat text, lon text, required boolean, show_values boolean)
RETURNS TABLE(column_name text, value text, problem text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  e text := nullif(btrim(east, E' \t\r\n'), '');
  n text := nullif(btrim(north, E' \t\r\n'), '');
  la text := nullif(btrim(lat, E' \t\r\n'), '');
  lo text := nullif(btrim(lon, E' \t\r\n'), '');
  has_en boolean := e IS NOT NULL OR n IS NOT NULL;
  has_ll boolean := la IS NOT NULL OR lo IS NOT NULL;
  bad boolean := false;
  pair text;
  pair_value text;
  p geometry;
  q geometry;
  net skolval.network;
  margin double precision;
  off_by double precision;
BEGIN
  IF NOT has_en AND NOT has_ll THEN
    IF required THEN
      RETURN QUERY SELECT 'east,north'::text, NULL::text,
        pg_catalog.format('a location is required: give east and north (SRID %s) or lat and lon (WGS84)', skolval.srid());
    END IF;
    RETURN;
  END IF;
  IF has_en THEN
    IF e IS NULL OR n IS NULL THEN
      RETURN QUERY SELECT CASE WHEN e IS NULL THEN 'east' ELSE 'north' END, NULL::text,
        'east and north go together: one of them is empty'::text;
      bad := true;
    ELSE
      IF skolval._staging_number(e) IS NULL THEN
        RETURN QUERY SELECT 'east'::text, CASE WHEN show_values THEN e END, 'not a number'::text;
        bad := true;
      END IF;
      IF skolval._staging_number(n) IS NULL THEN
        RETURN QUERY SELECT 'north'::text, CASE WHEN show_values THEN n END, 'not a number'::text;
        bad := true;
      END IF;
    END IF;
  END IF;
  IF has_ll THEN
    IF la IS NULL OR lo IS NULL THEN
      RETURN QUERY SELECT CASE WHEN la IS NULL THEN 'lat' ELSE 'lon' END, NULL::text,
        'lat and lon go together: one of them is empty'::text;
      bad := true;
    ELSE
      IF skolval._staging_number(la) IS NULL THEN
        RETURN QUERY SELECT 'lat'::text, CASE WHEN show_values THEN la END, 'not a number'::text;
        bad := true;
      ELSIF skolval._staging_number(la) NOT BETWEEN -90 AND 90 THEN
        RETURN QUERY SELECT 'lat'::text, CASE WHEN show_values THEN la END,
          'latitude must be between -90 and 90 (WGS84 degrees)'::text;
        bad := true;
      END IF;
      IF skolval._staging_number(lo) IS NULL THEN
        RETURN QUERY SELECT 'lon'::text, CASE WHEN show_values THEN lo END, 'not a number'::text;
        bad := true;
      ELSIF skolval._staging_number(lo) NOT BETWEEN -180 AND 180 THEN
        RETURN QUERY SELECT 'lon'::text, CASE WHEN show_values THEN lo END,
          'longitude must be between -180 and 180 (WGS84 degrees)'::text;
        bad := true;
      END IF;
    END IF;
  END IF;
  IF bad THEN
    RETURN;
  END IF;

  IF has_en THEN
    pair := 'east,north'; pair_value := e || ',' || n;
  ELSE
    pair := 'lat,lon'; pair_value := la || ',' || lo;
  END IF;
  IF NOT show_values THEN
    pair_value := NULL;
  END IF;
  p := skolval._staging_point(e, n, la, lo);
  IF p IS NULL THEN
    RETURN QUERY SELECT pair, pair_value,
      pg_catalog.format('cannot be transformed to the coordinate system SRID %s', skolval.srid());
    RETURN;
  END IF;
  IF has_en AND has_ll THEN
    q := skolval._staging_point(NULL, NULL, la, lo);
    IF q IS NULL OR ST_Distance(p, q) > 100 THEN
      RETURN QUERY SELECT 'lat,lon'::text, CASE WHEN show_values THEN la || ',' || lo END,
        pg_catalog.format('east,north and lat,lon disagree by %s m; give one pair, or two that agree within 100 m',
                          coalesce(round(ST_Distance(p, q)::numeric)::text, 'an unknown distance'));
      RETURN;
    END IF;
  END IF;
  -- SWEREF99 TM covers Sweden only: far outside it means swapped or mistyped coordinates.
  IF skolval.srid() = 3006
     AND NOT (ST_X(p) BETWEEN 100000 AND 1100000 AND ST_Y(p) BETWEEN 6000000 AND 7800000) THEN
    RETURN QUERY SELECT pair, pair_value,
      CASE WHEN has_en
           THEN 'lies outside Sweden in SWEREF99 TM (east 100000-1100000, north 6000000-7800000): east and north swapped?'
           ELSE 'lies outside Sweden: lat and lon swapped?' END;
    RETURN;
  END IF;
  -- The check of skolval.local_point(), reported instead of raised.
  SELECT * INTO net FROM skolval.network x WHERE x.is_active;
  IF FOUND AND net.extent IS NOT NULL THEN
    margin := coalesce((SELECT s.network_margin_m FROM skolval.settings s), 5000);
    off_by := ST_Distance(p, net.extent);
    IF off_by > margin THEN
      RETURN QUERY SELECT pair, pair_value,
        pg_catalog.format('point lies %s m outside the municipality''s path network (%s; margin %s m): east and north swapped, or a wrong coordinate system?',
                          round(off_by::numeric), net.name, margin);
    END IF;
  END IF;
END $$;
COMMENT ON FUNCTION skolval._staging_location_problem(text, text, text, text, boolean, boolean) IS
  'Problems with a staged location (missing, half given, not a number, not transformable, outside Sweden for SWEREF99 TM, far outside the active network); show_values false keeps home coordinates out of the report';

-- ---------------------------------------------------------------------------------------
-- Parsed views: what staging_merge() would load (NULL where a value is missing or bad)
-- ---------------------------------------------------------------------------------------

CREATE VIEW skolval.staging_unit_parsed AS
  SELECT s.source_row,
         nullif(btrim(s.unit_code, E' \t\r\n'), '') AS unit_code,
         nullif(btrim(s.name, E' \t\r\n'), '') AS name,
         skolval._staging_organizer(s.organizer) AS organizer,
         nullif(btrim(s.organizer_name, E' \t\r\n'), '') AS organizer_name,
         skolval._staging_school_forms(s.school_forms) AS school_forms,
         nullif(btrim(s.address, E' \t\r\n'), '') AS address,
         nullif(btrim(s.municipality_code, E' \t\r\n'), '') AS municipality_code,
         skolval._staging_point(s.east, s.north, s.lat, s.lon) AS location
    FROM skolval.staging_unit s;
COMMENT ON VIEW skolval.staging_unit_parsed IS 'staging_unit parsed: the values staging_merge() loads into skolval.unit';
COMMENT ON COLUMN skolval.staging_unit_parsed.source_row IS 'Data row number in the CSV file';
COMMENT ON COLUMN skolval.staging_unit_parsed.unit_code IS 'Unit code, trimmed';
COMMENT ON COLUMN skolval.staging_unit_parsed.name IS 'Unit name, trimmed';
COMMENT ON COLUMN skolval.staging_unit_parsed.organizer IS 'municipal or independent; NULL when unknown';
COMMENT ON COLUMN skolval.staging_unit_parsed.organizer_name IS 'Organizer name, trimmed';
COMMENT ON COLUMN skolval.staging_unit_parsed.school_forms IS 'School forms in canonical spelling and order; NULL when empty or any is unknown';
COMMENT ON COLUMN skolval.staging_unit_parsed.address IS 'Visiting address, trimmed';
COMMENT ON COLUMN skolval.staging_unit_parsed.municipality_code IS 'Municipality code, trimmed';
COMMENT ON COLUMN skolval.staging_unit_parsed.location IS 'Location in the settings'' SRID; NULL when missing or unusable';

CREATE VIEW skolval.staging_residence_parsed AS
  SELECT s.source_row,
         skolval._staging_personal_number(s.personal_number) AS personal_number,
         nullif(btrim(s.given_name, E' \t\r\n'), '') AS given_name,
         nullif(btrim(s.family_name, E' \t\r\n'), '') AS family_name,
         skolval._staging_boolean(s.protected_identity) AS protected_identity,
         skolval.personal_number_birth_date(skolval._staging_personal_number(s.personal_number)) AS birth_date,
         nullif(btrim(s.municipality_code, E' \t\r\n'), '') AS municipality_code,
         nullif(btrim(s.address, E' \t\r\n'), '') AS address,
         nullif(btrim(s.postal_code, E' \t\r\n'), '') AS postal_code,
         nullif(btrim(s.postal_town, E' \t\r\n'), '') AS postal_town,
         nullif(btrim(s.district_code, E' \t\r\n'), '') AS district_code,
         skolval._staging_point(s.east, s.north, s.lat, s.lon) AS home,
         skolval._staging_date(s.valid_from) AS valid_from,
         skolval._staging_date(s.valid_to) AS valid_to
    FROM skolval.staging_residence s;
COMMENT ON VIEW skolval.staging_residence_parsed IS
  'staging_residence parsed: the values staging_merge() loads into skolval.child and skolval.residence. Personal data';
COMMENT ON COLUMN skolval.staging_residence_parsed.source_row IS 'Data row number in the CSV file';
COMMENT ON COLUMN skolval.staging_residence_parsed.personal_number IS '12-digit personal identity number; NULL when invalid';
COMMENT ON COLUMN skolval.staging_residence_parsed.given_name IS 'Given name, trimmed';
COMMENT ON COLUMN skolval.staging_residence_parsed.family_name IS 'Family name, trimmed';
COMMENT ON COLUMN skolval.staging_residence_parsed.protected_identity IS 'Protected identity; NULL when the value is unknown';
COMMENT ON COLUMN skolval.staging_residence_parsed.birth_date IS 'Birth date from the personal identity number';
COMMENT ON COLUMN skolval.staging_residence_parsed.municipality_code IS 'Municipality of registration, trimmed';
COMMENT ON COLUMN skolval.staging_residence_parsed.address IS 'Registered address, trimmed';
COMMENT ON COLUMN skolval.staging_residence_parsed.postal_code IS 'Postal code, trimmed';
COMMENT ON COLUMN skolval.staging_residence_parsed.postal_town IS 'Postal town, trimmed';
COMMENT ON COLUMN skolval.staging_residence_parsed.district_code IS 'District code, trimmed';
COMMENT ON COLUMN skolval.staging_residence_parsed.home IS 'Home point in the settings'' SRID; NULL when not given or unusable';
COMMENT ON COLUMN skolval.staging_residence_parsed.valid_from IS 'First day of the period; NULL when unparsable';
COMMENT ON COLUMN skolval.staging_residence_parsed.valid_to IS 'Last day of the period; NULL when open or unparsable';

CREATE VIEW skolval.staging_sibling_parsed AS
  SELECT s.source_row,
         skolval._staging_personal_number(s.personal_number) AS personal_number,
         skolval._staging_personal_number(s.sibling_personal_number) AS sibling_personal_number
    FROM skolval.staging_sibling s;
COMMENT ON VIEW skolval.staging_sibling_parsed IS 'staging_sibling parsed: the relations staging_merge() adds to skolval.sibling. Personal data';
COMMENT ON COLUMN skolval.staging_sibling_parsed.source_row IS 'Data row number in the CSV file';
COMMENT ON COLUMN skolval.staging_sibling_parsed.personal_number IS '12-digit personal identity number of one child; NULL when invalid';
COMMENT ON COLUMN skolval.staging_sibling_parsed.sibling_personal_number IS '12-digit personal identity number of the sibling; NULL when invalid';

CREATE VIEW skolval.staging_enrollment_parsed AS
  SELECT s.source_row,
         skolval._staging_personal_number(s.personal_number) AS personal_number,
         nullif(btrim(s.unit_code, E' \t\r\n'), '') AS unit_code,
         skolval._staging_school_form(s.school_form) AS school_form,
         CASE WHEN skolval._staging_school_form(s.school_form) = 'forskoleklass'
                   AND nullif(btrim(s.grade, E' \t\r\n'), '') IS NULL
              THEN 0::smallint ELSE skolval._staging_grade(s.grade) END AS grade,
         skolval._staging_number(s.hours_per_week) AS hours_per_week,
         skolval._staging_date(s.valid_from) AS valid_from,
         skolval._staging_date(s.valid_to) AS valid_to
    FROM skolval.staging_enrollment s;
COMMENT ON VIEW skolval.staging_enrollment_parsed IS 'staging_enrollment parsed: the values staging_merge() loads into skolval.enrollment. Personal data';
COMMENT ON COLUMN skolval.staging_enrollment_parsed.source_row IS 'Data row number in the CSV file';
COMMENT ON COLUMN skolval.staging_enrollment_parsed.personal_number IS '12-digit personal identity number; NULL when invalid';
COMMENT ON COLUMN skolval.staging_enrollment_parsed.unit_code IS 'Unit code, trimmed';
COMMENT ON COLUMN skolval.staging_enrollment_parsed.school_form IS 'School form in canonical spelling; NULL when unknown';
COMMENT ON COLUMN skolval.staging_enrollment_parsed.grade IS 'Grade: 0 for förskoleklass (also when empty), 1-9, or NULL';
COMMENT ON COLUMN skolval.staging_enrollment_parsed.hours_per_week IS 'Hours per week; NULL when empty or unparsable';
COMMENT ON COLUMN skolval.staging_enrollment_parsed.valid_from IS 'First day; NULL when unparsable';
COMMENT ON COLUMN skolval.staging_enrollment_parsed.valid_to IS 'Last day; NULL when open or unparsable';

CREATE VIEW skolval.staging_wish_parsed AS
  SELECT s.source_row,
         nullif(btrim(s.round_name, E' \t\r\n'), '') AS round_name,
         skolval._staging_personal_number(s.personal_number) AS personal_number,
         skolval._staging_integer(s.rank) AS rank,
         nullif(btrim(s.unit_code, E' \t\r\n'), '') AS unit_code,
         skolval._staging_boolean(s.sibling_claim) AS sibling_claim,
         skolval._staging_timestamptz(s.submitted_at) AS submitted_at
    FROM skolval.staging_wish s;
COMMENT ON VIEW skolval.staging_wish_parsed IS 'staging_wish parsed: the values staging_merge() loads into skolval.wish. Personal data';
COMMENT ON COLUMN skolval.staging_wish_parsed.source_row IS 'Data row number in the CSV file';
COMMENT ON COLUMN skolval.staging_wish_parsed.round_name IS 'Round name, trimmed';
COMMENT ON COLUMN skolval.staging_wish_parsed.personal_number IS '12-digit personal identity number; NULL when invalid';
COMMENT ON COLUMN skolval.staging_wish_parsed.rank IS 'Rank; NULL when not a whole number';
COMMENT ON COLUMN skolval.staging_wish_parsed.unit_code IS 'Unit code, trimmed';
COMMENT ON COLUMN skolval.staging_wish_parsed.sibling_claim IS 'Sibling claim; NULL when the value is unknown';
COMMENT ON COLUMN skolval.staging_wish_parsed.submitted_at IS 'Submission time; NULL when empty or unparsable';

-- ---------------------------------------------------------------------------------------
-- staging_check(): every problem, one row each; reads only
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval.staging_check()
RETURNS TABLE(staging_table text, source_row bigint, column_name text, value text, problem text)
LANGUAGE sql STABLE AS $check$
WITH
-- Each staged row parsed once (the parsed views), with the trimmed raw text that is reported.
su AS MATERIALIZED (
  SELECT p.source_row, p.unit_code, p.name, p.organizer, p.school_forms, p.municipality_code,
         nullif(btrim(s.organizer, E' \t\r\n'), '') AS organizer_text, s.school_forms AS school_forms_text,
         s.east, s.north, s.lat, s.lon
    FROM skolval.staging_unit s JOIN skolval.staging_unit_parsed p USING (source_row)
),
sr AS MATERIALIZED (
  SELECT p.source_row, p.personal_number, p.protected_identity, p.municipality_code, p.district_code,
         p.valid_from, p.valid_to,
         nullif(btrim(s.personal_number, E' \t\r\n'), '') AS personal_number_text,
         nullif(btrim(s.protected_identity, E' \t\r\n'), '') AS protected_identity_text,
         nullif(btrim(s.valid_from, E' \t\r\n'), '') AS valid_from_text, nullif(btrim(s.valid_to, E' \t\r\n'), '') AS valid_to_text,
         s.east, s.north, s.lat, s.lon
    FROM skolval.staging_residence s JOIN skolval.staging_residence_parsed p USING (source_row)
),
ss AS MATERIALIZED (
  SELECT p.source_row, p.personal_number, p.sibling_personal_number,
         nullif(btrim(s.personal_number, E' \t\r\n'), '') AS personal_number_text,
         nullif(btrim(s.sibling_personal_number, E' \t\r\n'), '') AS sibling_personal_number_text
    FROM skolval.staging_sibling s JOIN skolval.staging_sibling_parsed p USING (source_row)
),
se AS MATERIALIZED (
  SELECT p.source_row, p.personal_number, p.unit_code, p.school_form, p.grade, p.hours_per_week, p.valid_from, p.valid_to,
         nullif(btrim(s.personal_number, E' \t\r\n'), '') AS personal_number_text,
         nullif(btrim(s.school_form, E' \t\r\n'), '') AS school_form_text,
         nullif(btrim(s.grade, E' \t\r\n'), '') AS grade_text, skolval._staging_grade(s.grade) AS grade_given,
         nullif(btrim(s.hours_per_week, E' \t\r\n'), '') AS hours_per_week_text,
         nullif(btrim(s.valid_from, E' \t\r\n'), '') AS valid_from_text, nullif(btrim(s.valid_to, E' \t\r\n'), '') AS valid_to_text
    FROM skolval.staging_enrollment s JOIN skolval.staging_enrollment_parsed p USING (source_row)
),
sw AS MATERIALIZED (
  SELECT p.source_row, p.round_name, p.personal_number, p.rank, p.unit_code, p.sibling_claim, p.submitted_at,
         nullif(btrim(s.personal_number, E' \t\r\n'), '') AS personal_number_text,
         nullif(btrim(s.rank, E' \t\r\n'), '') AS rank_text,
         nullif(btrim(s.sibling_claim, E' \t\r\n'), '') AS sibling_claim_text,
         nullif(btrim(s.submitted_at, E' \t\r\n'), '') AS submitted_at_text
    FROM skolval.staging_wish s JOIN skolval.staging_wish_parsed p USING (source_row)
),
-- Units as they will be after the merge: staged ones replace stored ones with the same code.
known_unit AS (
  SELECT * FROM (SELECT DISTINCT ON (su.unit_code) su.unit_code, su.school_forms
                   FROM su WHERE su.unit_code IS NOT NULL
                  ORDER BY su.unit_code, su.source_row) staged
  UNION ALL
  SELECT u.unit_code, u.school_forms::text[]
    FROM skolval.unit u
   WHERE NOT EXISTS (SELECT 1 FROM su WHERE su.unit_code = u.unit_code)
),
known_child AS (
  SELECT sr.personal_number FROM sr WHERE sr.personal_number IS NOT NULL
  UNION
  SELECT c.personal_number FROM skolval.child c
),
-- Every problem of a single field or row ---------------------------------------------------
row_problem AS (
  -- units
  SELECT 'staging_unit' AS staging_table, u.source_row, x.column_name, x.value, x.problem
    FROM su u
   CROSS JOIN LATERAL (VALUES
     ('unit_code', NULL, CASE WHEN u.unit_code IS NULL THEN 'required' END),
     ('name', NULL, CASE WHEN u.name IS NULL THEN 'required' END),
     ('organizer', u.organizer_text,
        CASE WHEN u.organizer_text IS NULL THEN 'required'
             WHEN u.organizer IS NULL THEN 'unknown organizer: use municipal (kommunal) or independent (enskild, fristående)' END),
     ('school_forms', NULL, CASE WHEN NOT EXISTS (SELECT 1 FROM regexp_split_to_table(coalesce(u.school_forms_text, ''), '[,;]') f
                                                   WHERE nullif(btrim(f, E' \t\r\n'), '') IS NOT NULL) THEN 'required' END),
     ('municipality_code', u.municipality_code,
        CASE WHEN u.municipality_code !~ '^[0-9]{4}$' THEN 'municipality code must be four digits' END)
   ) x(column_name, value, problem)
  UNION ALL
  SELECT 'staging_unit', u.source_row, 'school_forms', nullif(btrim(f.form, E' \t\r\n'), ''),
         'unknown school form: use forskola, forskoleklass, grundskola or fritidshem'
    FROM su u
   CROSS JOIN LATERAL regexp_split_to_table(coalesce(u.school_forms_text, ''), '[,;]') f(form)
   WHERE u.school_forms IS NULL
     AND nullif(btrim(f.form, E' \t\r\n'), '') IS NOT NULL AND skolval._staging_school_form(f.form) IS NULL
  UNION ALL
  SELECT 'staging_unit', u.source_row, l.column_name, l.value, l.problem
    FROM su u
   CROSS JOIN LATERAL skolval._staging_location_problem(u.east, u.north, u.lat, u.lon, true, true) l

  -- residence (never shows personal numbers, names, addresses or home coordinates)
  UNION ALL
  SELECT 'staging_residence', r.source_row, x.column_name, x.value, x.problem
    FROM sr r
    LEFT JOIN skolval.district d ON d.district_code = r.district_code
   CROSS JOIN LATERAL (VALUES
     ('personal_number', NULL,
        CASE WHEN r.personal_number_text IS NULL THEN 'required'
             WHEN r.personal_number IS NULL
             THEN 'invalid personal identity number: ' || skolval.personal_number_problem(r.personal_number_text) END),
     ('protected_identity', r.protected_identity_text,
        CASE WHEN r.protected_identity IS NULL THEN 'not a yes/no value: use J or N (ja/nej, true/false, 1/0), empty for no' END),
     ('municipality_code', r.municipality_code,
        CASE WHEN r.municipality_code IS NULL THEN 'required'
             WHEN r.municipality_code !~ '^[0-9]{4}$' THEN 'municipality code must be four digits' END),
     ('district_code', r.district_code,
        CASE WHEN r.district_code IS NOT NULL AND d.district_code IS NULL THEN 'unknown district: not in skolval.district' END),
     ('valid_from', r.valid_from_text,
        CASE WHEN r.valid_from_text IS NULL THEN 'required'
             WHEN r.valid_from IS NULL THEN 'not a date: use YYYY-MM-DD or YYYYMMDD' END),
     ('valid_to', r.valid_to_text,
        CASE WHEN r.valid_to_text IS NOT NULL AND r.valid_to IS NULL THEN 'not a date: use YYYY-MM-DD or YYYYMMDD'
             WHEN r.valid_to < r.valid_from THEN 'valid_to is before valid_from' END)
   ) x(column_name, value, problem)
  UNION ALL
  SELECT 'staging_residence', r.source_row, l.column_name, l.value, l.problem
    FROM sr r
   CROSS JOIN LATERAL skolval._staging_location_problem(r.east, r.north, r.lat, r.lon, false, false) l
   WHERE btrim(concat(r.east, r.north, r.lat, r.lon), E' \t\r\n') <> ''   -- no home given: nothing to check

  -- siblings
  UNION ALL
  SELECT 'staging_sibling', s.source_row, x.column_name, NULL, x.problem
    FROM ss s
    LEFT JOIN known_child k1 ON k1.personal_number = s.personal_number
    LEFT JOIN known_child k2 ON k2.personal_number = s.sibling_personal_number
   CROSS JOIN LATERAL (VALUES
     ('personal_number',
        CASE WHEN s.personal_number_text IS NULL THEN 'required'
             WHEN s.personal_number IS NULL
             THEN 'invalid personal identity number: ' || skolval.personal_number_problem(s.personal_number_text)
             WHEN k1.personal_number IS NULL THEN 'unknown child: not in staging_residence nor in skolval.child' END),
     ('sibling_personal_number',
        CASE WHEN s.sibling_personal_number_text IS NULL THEN 'required'
             WHEN s.sibling_personal_number IS NULL
             THEN 'invalid personal identity number: ' || skolval.personal_number_problem(s.sibling_personal_number_text)
             WHEN s.sibling_personal_number = s.personal_number THEN 'a child cannot be its own sibling'
             WHEN k2.personal_number IS NULL THEN 'unknown child: not in staging_residence nor in skolval.child' END)
   ) x(column_name, problem)

  -- enrollments
  UNION ALL
  SELECT 'staging_enrollment', e.source_row, x.column_name, x.value, x.problem
    FROM se e
    LEFT JOIN known_unit u ON u.unit_code = e.unit_code
    LEFT JOIN known_child k ON k.personal_number = e.personal_number
   CROSS JOIN LATERAL (VALUES
     ('personal_number', NULL,
        CASE WHEN e.personal_number_text IS NULL THEN 'required'
             WHEN e.personal_number IS NULL
             THEN 'invalid personal identity number: ' || skolval.personal_number_problem(e.personal_number_text)
             WHEN k.personal_number IS NULL THEN 'unknown child: not in staging_residence nor in skolval.child' END),
     ('unit_code', e.unit_code,
        CASE WHEN e.unit_code IS NULL THEN 'required'
             WHEN u.unit_code IS NULL THEN 'unknown unit: not in staging_unit nor in skolval.unit'
             WHEN e.school_form IS NOT NULL AND u.school_forms IS NOT NULL AND NOT (e.school_form = ANY (u.school_forms))
             THEN pg_catalog.format('the unit does not offer %s; it offers %s', e.school_form, array_to_string(u.school_forms, ', ')) END),
     ('school_form', e.school_form_text,
        CASE WHEN e.school_form_text IS NULL THEN 'required'
             WHEN e.school_form IS NULL THEN 'unknown school form: use forskola, forskoleklass, grundskola or fritidshem' END),
     ('grade', e.grade_text,
        CASE WHEN e.grade_text IS NOT NULL AND e.grade_given IS NULL
             THEN 'not a grade: use F (or 0) for förskoleklass, 1 to 9, or leave it empty'
             WHEN e.school_form = 'forskola' AND e.grade IS NOT NULL THEN 'forskola has no grade: leave it empty'
             WHEN e.school_form = 'forskoleklass' AND e.grade <> 0 THEN 'forskoleklass is grade F (0)'
             WHEN e.school_form = 'grundskola' AND e.grade IS NULL THEN 'required for grundskola: grade 1 to 9'
             WHEN e.school_form = 'grundskola' AND e.grade NOT BETWEEN 1 AND 9 THEN 'grundskola has grades 1 to 9' END),
     ('hours_per_week', e.hours_per_week_text,
        CASE WHEN e.hours_per_week_text IS NOT NULL AND e.hours_per_week IS NULL THEN 'not a number'
             WHEN e.hours_per_week NOT BETWEEN 0 AND 60 THEN 'hours per week must be between 0 and 60' END),
     ('valid_from', e.valid_from_text,
        CASE WHEN e.valid_from_text IS NULL THEN 'required'
             WHEN e.valid_from IS NULL THEN 'not a date: use YYYY-MM-DD or YYYYMMDD' END),
     ('valid_to', e.valid_to_text,
        CASE WHEN e.valid_to_text IS NOT NULL AND e.valid_to IS NULL THEN 'not a date: use YYYY-MM-DD or YYYYMMDD'
             WHEN e.valid_to < e.valid_from THEN 'valid_to is before valid_from' END)
   ) x(column_name, value, problem)

  -- wishes
  UNION ALL
  SELECT 'staging_wish', w.source_row, x.column_name, x.value, x.problem
    FROM sw w
    LEFT JOIN skolval.placement_round r ON r.name = w.round_name
    LEFT JOIN known_unit u ON u.unit_code = w.unit_code
    LEFT JOIN known_child k ON k.personal_number = w.personal_number
   CROSS JOIN LATERAL (VALUES
     ('round_name', w.round_name,
        CASE WHEN w.round_name IS NULL THEN 'required'
             WHEN r.round_id IS NULL THEN 'unknown placement round: not in skolval.placement_round'
             WHEN r.status = 'published' THEN 'the round is published: its wishes can no longer change' END),
     ('personal_number', NULL,
        CASE WHEN w.personal_number_text IS NULL THEN 'required'
             WHEN w.personal_number IS NULL
             THEN 'invalid personal identity number: ' || skolval.personal_number_problem(w.personal_number_text)
             WHEN k.personal_number IS NULL THEN 'unknown child: not in staging_residence nor in skolval.child' END),
     ('rank', w.rank_text,
        CASE WHEN w.rank_text IS NULL THEN 'required'
             WHEN w.rank IS NULL THEN 'not a whole number'
             WHEN w.rank < 1 THEN 'rank must be 1 or more'
             WHEN w.rank > r.max_wishes THEN pg_catalog.format('the round allows at most %s wishes', r.max_wishes) END),
     ('unit_code', w.unit_code,
        CASE WHEN w.unit_code IS NULL THEN 'required'
             WHEN u.unit_code IS NULL THEN 'unknown unit: not in staging_unit nor in skolval.unit'
             WHEN r.round_id IS NOT NULL AND u.school_forms IS NOT NULL AND NOT (r.school_form::text = ANY (u.school_forms))
             THEN pg_catalog.format('the unit does not offer %s, the round''s school form; it offers %s',
                                    r.school_form, array_to_string(u.school_forms, ', ')) END),
     ('sibling_claim', w.sibling_claim_text,
        CASE WHEN w.sibling_claim IS NULL THEN 'not a yes/no value: use J or N (ja/nej, true/false, 1/0), empty for no' END),
     ('submitted_at', w.submitted_at_text,
        CASE WHEN w.submitted_at_text IS NOT NULL AND w.submitted_at IS NULL
             THEN 'not a time stamp: use YYYY-MM-DD HH:MM[:SS], optionally with an offset such as +01' END)
   ) x(column_name, value, problem)
),
-- Problems between rows --------------------------------------------------------------------
set_problem AS (
  -- the same unit twice
  SELECT 'staging_unit' AS staging_table, a.source_row, 'unit_code' AS column_name, a.unit_code AS value,
         'duplicate: the same unit_code is in row ' || string_agg(b.source_row::text, ', ' ORDER BY b.source_row) AS problem
    FROM su a JOIN su b ON b.unit_code = a.unit_code AND b.source_row <> a.source_row
   GROUP BY a.source_row, a.unit_code
  UNION ALL
  -- the same child and valid_from twice
  SELECT 'staging_residence', a.source_row, 'personal_number,valid_from', to_char(a.valid_from, 'YYYY-MM-DD'),
         'duplicate: the same child and valid_from are in row ' || string_agg(b.source_row::text, ', ' ORDER BY b.source_row)
    FROM sr a JOIN sr b ON b.personal_number = a.personal_number AND b.valid_from = a.valid_from
                        AND b.source_row <> a.source_row
   GROUP BY a.source_row, a.valid_from
  UNION ALL
  -- overlapping periods of one child (different starts; the same start is a duplicate above)
  SELECT 'staging_residence', a.source_row, 'valid_from,valid_to', NULL,
         'the period overlaps the period of the same child in row ' || string_agg(b.source_row::text, ', ' ORDER BY b.source_row)
    FROM sr a JOIN sr b ON b.personal_number = a.personal_number
         AND b.source_row <> a.source_row AND b.valid_from <> a.valid_from
         AND daterange(a.valid_from, a.valid_to, '[]') && daterange(b.valid_from, b.valid_to, '[]')
   WHERE (a.valid_to IS NULL OR a.valid_to >= a.valid_from)
     AND (b.valid_to IS NULL OR b.valid_to >= b.valid_from)
   GROUP BY a.source_row
  UNION ALL
  -- the same enrollment twice
  SELECT 'staging_enrollment', a.source_row, 'personal_number,unit_code,school_form,valid_from', to_char(a.valid_from, 'YYYY-MM-DD'),
         'duplicate: the same child, unit, school form and valid_from are in row ' || string_agg(b.source_row::text, ', ' ORDER BY b.source_row)
    FROM se a JOIN se b ON b.personal_number = a.personal_number AND b.unit_code = a.unit_code
         AND b.school_form = a.school_form AND b.valid_from = a.valid_from AND b.source_row <> a.source_row
   GROUP BY a.source_row, a.valid_from
  UNION ALL
  -- the same rank twice for a child in a round
  SELECT 'staging_wish', a.source_row, 'round_name,personal_number,rank', a.rank::text,
         'duplicate: the same round, child and rank are in row ' || string_agg(b.source_row::text, ', ' ORDER BY b.source_row)
    FROM sw a JOIN sw b ON b.round_name = a.round_name AND b.personal_number = a.personal_number
         AND b.rank = a.rank AND b.source_row <> a.source_row
   GROUP BY a.source_row, a.rank
  UNION ALL
  -- the same unit twice for a child in a round
  SELECT 'staging_wish', a.source_row, 'round_name,personal_number,unit_code', a.unit_code,
         'duplicate: the same round, child and unit are in row ' || string_agg(b.source_row::text, ', ' ORDER BY b.source_row)
    FROM sw a JOIN sw b ON b.round_name = a.round_name AND b.personal_number = a.personal_number
         AND b.unit_code = a.unit_code AND b.source_row <> a.source_row
   GROUP BY a.source_row, a.unit_code
  UNION ALL
  -- ranks must run 1..n: a rank above the number of distinct ranks leaves a gap
  SELECT 'staging_wish', w.source_row, 'rank', w.rank::text,
         pg_catalog.format('rank %s leaves a gap: this child''s wishes in the round have ranks %s; they must run 1 to %s',
                           w.rank, g.ranks, g.n)
    FROM sw w
    JOIN (SELECT o.round_name, o.personal_number, count(DISTINCT o.rank) AS n,
                 array_to_string(array_agg(DISTINCT o.rank ORDER BY o.rank), ', ') AS ranks
            FROM sw o
           WHERE o.rank >= 1
           GROUP BY o.round_name, o.personal_number) g
      ON g.round_name = w.round_name AND g.personal_number = w.personal_number
   WHERE w.rank > g.n
)
SELECT pr.staging_table, pr.source_row, pr.column_name, pr.value, pr.problem
  FROM (SELECT * FROM row_problem WHERE problem IS NOT NULL
        UNION ALL
        SELECT * FROM set_problem) pr
 ORDER BY array_position(ARRAY['staging_unit', 'staging_residence', 'staging_sibling', 'staging_enrollment', 'staging_wish'],
                         pr.staging_table),
          pr.source_row, pr.column_name, pr.problem
$check$;
COMMENT ON FUNCTION skolval.staging_check() IS
  'Check the staging tables without writing anything: one row per problem (staging table, CSV data row, column, the value when it is not personal data, what is wrong). No rows means staging_merge() will load everything';

-- ---------------------------------------------------------------------------------------
-- staging_merge(): all or nothing
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval.staging_merge()
RETURNS TABLE(staging_table text, source_row bigint, column_name text, value text, problem text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  problem_row record;
  problems bigint := 0;
  bad bigint := 0;
  last_table text;
  last_row bigint;
  units_new bigint; units_updated bigint;
  children_new bigint; children_updated bigint;
  periods_removed bigint; periods_added bigint;
  siblings_new bigint;
  enrollments_updated bigint; enrollments_new bigint;
  cohort_added bigint; wishes_removed bigint; wishes_added bigint; wish_children bigint;
  units_staged bigint; children_staged bigint; sibling_pairs bigint; enrollments_staged bigint;
BEGIN
  -- Nobody may change staging between the check and the load.
  LOCK TABLE skolval.staging_unit, skolval.staging_residence, skolval.staging_sibling,
             skolval.staging_enrollment, skolval.staging_wish IN SHARE ROW EXCLUSIVE MODE;

  -- The check's rows come ordered by table and row: count the bad rows as they pass.
  FOR problem_row IN SELECT * FROM skolval.staging_check() LOOP
    problems := problems + 1;
    IF problem_row.staging_table IS DISTINCT FROM last_table OR problem_row.source_row IS DISTINCT FROM last_row THEN
      bad := bad + 1;
      last_table := problem_row.staging_table;
      last_row := problem_row.source_row;
    END IF;
    staging_table := problem_row.staging_table;
    source_row := problem_row.source_row;
    column_name := problem_row.column_name;
    value := problem_row.value;
    problem := problem_row.problem;
    RETURN NEXT;
  END LOOP;
  IF bad > 0 THEN
    RAISE WARNING '% bad rows; nothing was loaded', bad
      USING DETAIL = pg_catalog.format('%s problems in %s rows of the staging tables; staging_merge() returned them all.', problems, bad),
            HINT = 'Correct the rows listed (staging_table, source_row, column_name), or fix the files, run staging_clear() and load them again.';
    RETURN;
  END IF;

  SELECT count(*) INTO units_staged FROM skolval.staging_unit;
  SELECT count(DISTINCT p.personal_number) INTO children_staged FROM skolval.staging_residence_parsed p;
  SELECT count(*) INTO enrollments_staged FROM skolval.staging_enrollment;

  -- Units, by unit_code.
  WITH up AS (
    INSERT INTO skolval.unit AS u (unit_code, name, organizer, organizer_name, school_forms, address, municipality_code, location)
    SELECT p.unit_code, p.name, p.organizer, p.organizer_name, p.school_forms::skolval.school_form[], p.address,
           p.municipality_code, p.location
      FROM skolval.staging_unit_parsed p
    ON CONFLICT (unit_code) DO UPDATE
       SET name = EXCLUDED.name, organizer = EXCLUDED.organizer, organizer_name = EXCLUDED.organizer_name,
           school_forms = EXCLUDED.school_forms, address = EXCLUDED.address,
           municipality_code = EXCLUDED.municipality_code, location = EXCLUDED.location
     WHERE (u.name, u.organizer, u.organizer_name, u.school_forms, u.address, u.municipality_code, u.location)
           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.organizer, EXCLUDED.organizer_name, EXCLUDED.school_forms,
                             EXCLUDED.address, EXCLUDED.municipality_code, EXCLUDED.location)
    RETURNING (u.xmax = 0) AS inserted
  )
  SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
    INTO units_new, units_updated FROM up;

  -- Children, by personal_number: names from the latest period, protected when any row says so.
  WITH staged AS (
    SELECT DISTINCT ON (p.personal_number) p.personal_number, p.given_name, p.family_name, p.birth_date,
           bool_or(p.protected_identity) OVER (PARTITION BY p.personal_number) AS protected_identity
      FROM skolval.staging_residence_parsed p
     ORDER BY p.personal_number, p.valid_from DESC
  ), up AS (
    INSERT INTO skolval.child AS c (personal_number, given_name, family_name, birth_date, protected_identity)
    SELECT s.personal_number, s.given_name, s.family_name, s.birth_date, s.protected_identity FROM staged s
    ON CONFLICT (personal_number) DO UPDATE
       SET given_name = EXCLUDED.given_name, family_name = EXCLUDED.family_name,
           birth_date = EXCLUDED.birth_date, protected_identity = EXCLUDED.protected_identity
     WHERE (c.given_name, c.family_name, c.birth_date, c.protected_identity)
           IS DISTINCT FROM (EXCLUDED.given_name, EXCLUDED.family_name, EXCLUDED.birth_date, EXCLUDED.protected_identity)
    RETURNING (c.xmax = 0) AS inserted
  )
  SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
    INTO children_new, children_updated FROM up;

  -- Residence: the staged history of a child replaces its stored history.
  DELETE FROM skolval.residence r
   USING skolval.child c
   WHERE c.child_id = r.child_id
     AND c.personal_number IN (SELECT p.personal_number FROM skolval.staging_residence_parsed p);
  GET DIAGNOSTICS periods_removed = ROW_COUNT;
  INSERT INTO skolval.residence (child_id, municipality_code, address, postal_code, postal_town, district_code, home,
                                 valid_from, valid_to)
  SELECT c.child_id, p.municipality_code, p.address, p.postal_code, p.postal_town, p.district_code, p.home,
         p.valid_from, p.valid_to
    FROM skolval.staging_residence_parsed p
    JOIN skolval.child c ON c.personal_number = p.personal_number
   ORDER BY p.source_row;
  GET DIAGNOSTICS periods_added = ROW_COUNT;

  -- Siblings: added, never removed; each pair once, whatever the direction.
  CREATE TEMP TABLE _sv_sibling ON COMMIT DROP AS
    SELECT DISTINCT least(a.child_id, b.child_id) AS child_id, greatest(a.child_id, b.child_id) AS sibling_id
      FROM skolval.staging_sibling_parsed p
      JOIN skolval.child a ON a.personal_number = p.personal_number
      JOIN skolval.child b ON b.personal_number = p.sibling_personal_number;
  GET DIAGNOSTICS sibling_pairs = ROW_COUNT;
  INSERT INTO skolval.sibling (child_id, sibling_id)
  SELECT s.child_id, s.sibling_id FROM _sv_sibling s
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS siblings_new = ROW_COUNT;
  DROP TABLE _sv_sibling;

  -- Enrollments, by (child, unit, school form, valid_from).
  CREATE TEMP TABLE _sv_enrollment ON COMMIT DROP AS
    SELECT c.child_id, u.unit_id, p.school_form, p.grade, p.hours_per_week, p.valid_from, p.valid_to
      FROM skolval.staging_enrollment_parsed p
      JOIN skolval.child c ON c.personal_number = p.personal_number
      JOIN skolval.unit u ON u.unit_code = p.unit_code;
  UPDATE skolval.enrollment e
     SET grade = s.grade, hours_per_week = s.hours_per_week, valid_to = s.valid_to
    FROM _sv_enrollment s
   WHERE e.child_id = s.child_id AND e.unit_id = s.unit_id AND e.school_form = s.school_form
     AND e.valid_from = s.valid_from
     AND (e.grade, e.hours_per_week, e.valid_to) IS DISTINCT FROM (s.grade, s.hours_per_week, s.valid_to);
  GET DIAGNOSTICS enrollments_updated = ROW_COUNT;
  INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, hours_per_week, valid_from, valid_to)
  SELECT s.child_id, s.unit_id, s.school_form, s.grade, s.hours_per_week, s.valid_from, s.valid_to
    FROM _sv_enrollment s
   WHERE NOT EXISTS (SELECT 1 FROM skolval.enrollment e
                      WHERE e.child_id = s.child_id AND e.unit_id = s.unit_id AND e.school_form = s.school_form
                        AND e.valid_from = s.valid_from);
  GET DIAGNOSTICS enrollments_new = ROW_COUNT;
  DROP TABLE _sv_enrollment;

  -- Wishes: for each staged (round, child) the staged wishes replace the stored ones, and the
  -- child joins the round's cohort.
  CREATE TEMP TABLE _sv_wish ON COMMIT DROP AS
    SELECT r.round_id, c.child_id, p.rank, u.unit_id, p.sibling_claim, p.submitted_at
      FROM skolval.staging_wish_parsed p
      JOIN skolval.placement_round r ON r.name = p.round_name
      JOIN skolval.child c ON c.personal_number = p.personal_number
      JOIN skolval.unit u ON u.unit_code = p.unit_code;
  INSERT INTO skolval.round_cohort (round_id, child_id)
  SELECT DISTINCT w.round_id, w.child_id FROM _sv_wish w
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS cohort_added = ROW_COUNT;
  DELETE FROM skolval.wish x
   USING (SELECT DISTINCT w.round_id, w.child_id FROM _sv_wish w) g
   WHERE x.round_id = g.round_id AND x.child_id = g.child_id;
  GET DIAGNOSTICS wishes_removed = ROW_COUNT;
  INSERT INTO skolval.wish (round_id, child_id, rank, unit_id, sibling_claim, submitted_at)
  SELECT w.round_id, w.child_id, w.rank, w.unit_id, w.sibling_claim, w.submitted_at
    FROM _sv_wish w ORDER BY w.round_id, w.child_id, w.rank;
  GET DIAGNOSTICS wishes_added = ROW_COUNT;
  SELECT count(*) INTO wish_children FROM (SELECT DISTINCT w.round_id, w.child_id FROM _sv_wish w) g;
  DROP TABLE _sv_wish;

  PERFORM skolval.staging_clear();

  RAISE NOTICE 'staging merged: units % new, % changed, % unchanged; children % new, % changed, % unchanged; residence periods % loaded, replacing % stored; siblings % new, % already stored; enrollments % new, % changed, % unchanged; wishes % loaded for % (round, child) pairs, replacing % stored, % children added to a cohort; staging cleared',
    units_new, units_updated, units_staged - units_new - units_updated,
    children_new, children_updated, children_staged - children_new - children_updated,
    periods_added, periods_removed, siblings_new, sibling_pairs - siblings_new,
    enrollments_new, enrollments_updated, enrollments_staged - enrollments_new - enrollments_updated,
    wishes_added, wish_children, wishes_removed, cohort_added;
  RETURN;
END $$;
COMMENT ON FUNCTION skolval.staging_merge() IS
  'Load the staging tables, all or nothing: when staging_check() finds problems, return them, WARNING "N bad rows; nothing was loaded", load nothing and keep staging. Otherwise upsert units (by unit_code), children (by personal number), replace the residence history of every staged child, add siblings, upsert enrollments (by child, unit, form, valid_from), replace the wishes of every staged (round, child) and add those children to the round''s cohort; NOTICE with the counts, empty staging, return no rows';

-- ==== sql/55_applications.sql
-- skolval: importing applications from the e-service as JSON, through the same checks as the
-- CSV staging (sql/50_staging.sql): every bad entry reported, nothing loaded if any is bad.

CREATE FUNCTION skolval.import_applications(round_name text, applications jsonb)
RETURNS TABLE (application integer, wish integer, column_name text, value text, problem text)
LANGUAGE plpgsql AS $$
DECLARE
  busy text;
BEGIN
  IF applications IS NULL OR jsonb_typeof(applications) <> 'array' THEN
    RAISE EXCEPTION 'applications must be a JSON array'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give [{"personal_number": "...", "submitted_at": "...", "wishes": [{"unit_code": "...", "sibling_claim": false}, ...]}, ...].';
  END IF;
  SELECT string_agg(t, ', ') INTO busy FROM (
    SELECT 'staging_unit' AS t WHERE EXISTS (SELECT 1 FROM skolval.staging_unit)
    UNION ALL SELECT 'staging_residence' WHERE EXISTS (SELECT 1 FROM skolval.staging_residence)
    UNION ALL SELECT 'staging_sibling' WHERE EXISTS (SELECT 1 FROM skolval.staging_sibling)
    UNION ALL SELECT 'staging_enrollment' WHERE EXISTS (SELECT 1 FROM skolval.staging_enrollment)
    UNION ALL SELECT 'staging_wish' WHERE EXISTS (SELECT 1 FROM skolval.staging_wish)) x;
  IF busy IS NOT NULL THEN
    RAISE EXCEPTION 'staging tables hold rows: %', busy
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Merge them with skolval.staging_merge() or empty them with skolval.staging_clear() first.';
  END IF;

  -- Entries whose shape is wrong are reported by position; they cannot be staged.
  PERFORM skolval._drop_temp('_sv_json_problem');
  CREATE TEMP TABLE _sv_json_problem AS
  SELECT a.i::integer AS application, NULL::integer AS wish, x.col AS column_name, NULL::text AS value, x.problem
    FROM jsonb_array_elements(applications) WITH ORDINALITY a(v, i)
   CROSS JOIN LATERAL (
     SELECT NULL::text AS col, 'is not a JSON object' AS problem WHERE jsonb_typeof(a.v) <> 'object'
     UNION ALL SELECT 'personal_number', 'is missing'
      WHERE jsonb_typeof(a.v) = 'object' AND coalesce(a.v ->> 'personal_number', '') = ''
     UNION ALL SELECT 'wishes', 'must be a non-empty array'
      WHERE jsonb_typeof(a.v) = 'object'
        AND (jsonb_typeof(a.v -> 'wishes') IS DISTINCT FROM 'array' OR jsonb_array_length(a.v -> 'wishes') = 0)) x
  UNION ALL
  SELECT a.i::integer, w.j::integer, NULL, NULL, 'is not a JSON object'
    FROM jsonb_array_elements(applications) WITH ORDINALITY a(v, i)
   CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(a.v -> 'wishes') = 'array' THEN a.v -> 'wishes' ELSE '[]' END)
         WITH ORDINALITY w(v, j)
   WHERE jsonb_typeof(w.v) <> 'object';
  IF EXISTS (SELECT 1 FROM _sv_json_problem) THEN
    RAISE WARNING '% bad entries; nothing was loaded', (SELECT count(*) FROM _sv_json_problem);
    RETURN QUERY SELECT * FROM _sv_json_problem p ORDER BY p.application, p.wish NULLS FIRST, p.column_name;
    RETURN;
  END IF;

  -- One staged row per wish, in document order; the map turns staging rows back into positions.
  PERFORM skolval.staging_clear();
  PERFORM skolval._drop_temp('_sv_json_map');
  CREATE TEMP TABLE _sv_json_map AS
  SELECT row_number() OVER (ORDER BY a.i, w.j) AS source_row, a.i::integer AS application, w.j::integer AS wish,
         a.v AS app, w.v AS wv
    FROM jsonb_array_elements(applications) WITH ORDINALITY a(v, i)
   CROSS JOIN LATERAL jsonb_array_elements(a.v -> 'wishes') WITH ORDINALITY w(v, j);
  INSERT INTO skolval.staging_wish (source_row, round_name, personal_number, rank, unit_code, sibling_claim, submitted_at)
  SELECT m.source_row, import_applications.round_name, m.app ->> 'personal_number',
         coalesce(m.wv ->> 'rank', m.wish::text), m.wv ->> 'unit_code', m.wv ->> 'sibling_claim', m.app ->> 'submitted_at'
    FROM _sv_json_map m ORDER BY m.source_row;

  RETURN QUERY
  SELECT m.application, m.wish, p.column_name, p.value, p.problem
    FROM skolval.staging_merge() p
    LEFT JOIN _sv_json_map m ON m.source_row = p.source_row
   ORDER BY m.application, m.wish, p.column_name;
  -- A failed merge leaves staging as it was; for JSON there is nothing to fix in place.
  PERFORM skolval.staging_clear();
END $$;
COMMENT ON FUNCTION skolval.import_applications(text, jsonb) IS
  'Import a round''s applications from the e-service as JSON: [{"personal_number", "submitted_at", "wishes": [{"unit_code", "sibling_claim", optional "rank"}]}]. Every bad entry is returned (application and wish position, column, problem) and then nothing is loaded; with no problems the wishes replace the stored ones of those children and no rows are returned';

-- ==== sql/60_demo.sql
-- skolval: the built-in example municipality (Exempelkommun, code 9999) — a generated city
-- with a river and a railway, schools and preschools, a förskoleklass cohort with wishes and
-- siblings, and a year of enrollments at independent units.  It fills the same tables real
-- data uses.  Every random choice is skolval.seeded_random(seed, stream, n): the same seed
-- gives the same municipality, whatever the order rows are produced in.

-- ---------------------------------------------------------------------------------------
-- The street network (C: src/demo/citygen.c)
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval.demo_network_edges(
  seed bigint, target_edges integer,
  origin_e double precision DEFAULT 386500, origin_n double precision DEFAULT 6176500)
RETURNS TABLE (edge_id bigint, source bigint, target bigint, kind text, street integer,
               street_pos integer, x1 double precision, y1 double precision,
               x2 double precision, y2 double precision)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 30000
  AS 'MODULE_PATHNAME', 'skolval_demo_network_edges';
COMMENT ON FUNCTION skolval.demo_network_edges(bigint, integer, double precision, double precision) IS
  'Street and path edges of the example city centred on (origin_e, origin_n) in SWEREF99 TM: an irregular grid (kind residential, tertiary, footway, cycleway) cut by a river with a few bridges and a railway with a few underpasses; about target_edges edges (100 to 2,000,000), deterministic for the seed. street numbers a street (NULL for paths), street_pos the position along it';

CREATE FUNCTION skolval.demo_network_features(
  seed bigint, target_edges integer,
  origin_e double precision DEFAULT 386500, origin_n double precision DEFAULT 6176500)
RETURNS TABLE (feature text, seq integer, x double precision, y double precision)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 2000
  AS 'MODULE_PATHNAME', 'skolval_demo_network_features';
COMMENT ON FUNCTION skolval.demo_network_features(bigint, integer, double precision, double precision) IS
  'The river (west to east) and the railway (south to north) of the example city with the same arguments as demo_network_edges(), as ordered points; only bridges cross the river and only underpasses the railway';

CREATE TABLE skolval.demo_feature (
  network_id  bigint NOT NULL REFERENCES skolval.network ON DELETE CASCADE,
  feature     text NOT NULL
              CONSTRAINT demo_feature_known
              CHECK (feature IN ('river', 'railway', 'north_of_river', 'east_of_railway')),
  geom        geometry NOT NULL,
  PRIMARY KEY (network_id, feature)
);
COMMENT ON TABLE skolval.demo_feature IS
  'Barriers of a generated example network: the river and the railway, and the areas north of the river and east of the railway (used for districts and to show where straight-line distance misleads)';
COMMENT ON COLUMN skolval.demo_feature.network_id IS 'The generated network';
COMMENT ON COLUMN skolval.demo_feature.feature IS 'river, railway (lines) or north_of_river, east_of_railway (polygons)';
COMMENT ON COLUMN skolval.demo_feature.geom IS 'The line or area in the network''s SRID';

CREATE FUNCTION skolval.demo_river() RETURNS geometry
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT f.geom FROM skolval.demo_feature f
         WHERE f.network_id = skolval.active_network_id() AND f.feature = 'river' $$;
COMMENT ON FUNCTION skolval.demo_river() IS
  'The river of the active example network as a line, NULL when the active network is not generated';

-- ---------------------------------------------------------------------------------------
-- Word lists and names
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval._demo_words(list text) RETURNS text[]
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

CREATE FUNCTION skolval._demo_pick(words text[], u double precision) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT words[1 + pg_catalog.floor(u * pg_catalog.cardinality(words))::integer] $$;
COMMENT ON FUNCTION skolval._demo_pick(text[], double precision) IS
  'The word a random number u in [0, 1) picks from a list';

-- The n-th distinct combination of two lists (a bijection while n < product, then numbered).
CREATE FUNCTION skolval._demo_combine(firsts text[], seconds text[], n bigint) RETURNS text
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
CREATE FUNCTION skolval._demo_street_name(seed bigint, n bigint, main boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  firsts text[] := skolval._demo_words(CASE WHEN main THEN 'main' ELSE 'street' END);
  seconds text[] := skolval._demo_words(CASE WHEN main THEN 'main_suffix' ELSE 'street_suffix' END);
  modifiers text[] := ARRAY['', 'Norra ', 'Södra ', 'Östra ', 'Västra ', 'Lilla ', 'Stora ', 'Nya ', 'Gamla '];
  m bigint := cardinality(firsts) * cardinality(seconds);
BEGIN
  IF n >= m * cardinality(modifiers) THEN
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
CREATE FUNCTION skolval._demo_clear(replace boolean) RETURNS void
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
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE c.relkind = 'r' AND c.relname NOT IN ('settings', 'audit_log')
     ORDER BY c.relname
  LOOP
    tables := tables || t.qualified;
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s)', t.qualified) INTO has_rows;
    IF has_rows THEN
      busy := busy || t.relname::text;
    END IF;
  END LOOP;
  IF cardinality(busy) > 0 AND NOT replace THEN
    RAISE EXCEPTION 'skolval already holds data; the example municipality is only created in an empty skolval'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Tables with rows: ' || array_to_string(busy, ', ') || '.',
            HINT = 'Call skolval.demo_municipality(replace => true) to delete all skolval data first, or use another database.';
  END IF;
  EXECUTE 'TRUNCATE ' || array_to_string(tables, ', ') || ' RESTART IDENTITY';
END $$;
COMMENT ON FUNCTION skolval._demo_clear(boolean) IS
  'Raise object_not_in_prerequisite_state when any skolval table except settings and audit_log holds rows, unless replace; then empty them all and restart their identities';

-- The network: edges from C, largest component kept, bridges and underpasses named, the
-- river and railway stored with the areas on their far sides.
CREATE FUNCTION skolval._demo_network(seed bigint, network_edges integer) RETURNS bigint
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
  SELECT nid, f.feature, ST_SetSRID(ST_MakeLine(array_agg(ST_MakePoint(f.x, f.y) ORDER BY f.seq)), srid)
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

CREATE FUNCTION skolval._demo_districts() RETURNS void
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
-- Needs the temporary table _demo_slot made by demo_municipality().
CREATE FUNCTION skolval._demo_locate(seed bigint, stream text, keys bigint[])
RETURNS TABLE (loc_key bigint, loc_home geometry, loc_address text, loc_postal_code text, loc_district text)
LANGUAGE plpgsql AS $$
DECLARE
  slots bigint := (SELECT count(*) FROM pg_temp._demo_slot);
  north geometry;
  east geometry;
  ext geometry;
BEGIN
  SELECT f.geom INTO north FROM skolval.demo_feature f
   WHERE f.network_id = skolval.active_network_id() AND f.feature = 'north_of_river';
  SELECT f.geom INTO east FROM skolval.demo_feature f
   WHERE f.network_id = skolval.active_network_id() AND f.feature = 'east_of_railway';
  SELECT n.extent INTO ext FROM skolval.network n WHERE n.is_active;
  RETURN QUERY
  WITH k AS (
    SELECT x.key,
           1 + pg_catalog.floor(skolval.seeded_random(seed, stream || '-slot', x.key) * slots)::bigint AS slot,
           0.1 + 0.8 * skolval.seeded_random(seed, stream || '-along', x.key) AS along,
           (8 + 17 * skolval.seeded_random(seed, stream || '-offset', x.key))
             * CASE WHEN skolval.seeded_random(seed, stream || '-side', x.key) < 0.5 THEN 1 ELSE -1 END AS side
      FROM unnest(keys) AS x(key)
  ), p AS (
    SELECT k.key, s.street_name, s.pos, k.along, k.side,
           ST_SetSRID(ST_MakePoint(
             s.x1 + k.along * (s.x2 - s.x1) - k.side * (s.y2 - s.y1) / s.len,
             s.y1 + k.along * (s.y2 - s.y1) + k.side * (s.x2 - s.x1) / s.len), skolval.srid()) AS home
      FROM k JOIN pg_temp._demo_slot s ON s.slot = k.slot
  )
  SELECT p.key, p.home,
         p.street_name || ' ' || (4 * p.pos - 3 + 2 * pg_catalog.floor(p.along * 2)::integer
                                  + CASE WHEN p.side > 0 THEN 0 ELSE 1 END)::text,
         pg_catalog.format('%s %s', 290 + 3 * d.n,
                           ((pg_catalog.floor((ST_X(p.home) - ST_XMin(ext) + 1000) / 1500) * 7
                             + pg_catalog.floor((ST_Y(p.home) - ST_YMin(ext) + 1000) / 1500))::integer % 90 + 10)::text),
         pg_catalog.lpad(d.n::text, 2, '0')
    FROM p
   CROSS JOIN LATERAL (SELECT CASE WHEN ST_Contains(north, p.home) THEN 0 ELSE 2 END
                              + CASE WHEN ST_Contains(east, p.home) THEN 2 ELSE 1 END AS n) d;
END $$;
COMMENT ON FUNCTION skolval._demo_locate(bigint, text, bigint[]) IS
  'Generated addresses along the example city''s streets for a list of keys: point, street address, postal code and district (01 north-west, 02 north-east, 03 south-west, 04 south-east); during demo_municipality() only';

-- Units: municipal F-9 schools (förskoleklass, grundskola, fritidshem), independent schools,
-- municipal and independent preschools, spread over the city with a minimum spacing.
-- Fills the temporary table _demo_unit made by demo_municipality().
CREATE FUNCTION skolval._demo_units(seed bigint, children integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  area double precision := (SELECT ST_Area(n.extent) FROM skolval.network n WHERE n.is_active);
  municipal_schools integer := greatest(4, round(children / 43.0))::integer;
  independent_schools integer := greatest(1, round(children / 300.0))::integer;
  municipal_preschools integer := greatest(2, round(children / 75.0))::integer;
  independent_preschools integer := greatest(1, round(children / 150.0))::integer;
  grp record;
  cand record;
  xs double precision[];
  ys double precision[];
  min_d double precision;
  pass integer;
  ord integer := 0;
  code_offset bigint := pg_catalog.floor(skolval.seeded_random(seed, 'unit-code', 0) * 90000000)::bigint;
BEGIN
  FOR grp IN
    SELECT * FROM (VALUES ('school', municipal_schools, independent_schools),
                          ('preschool', municipal_preschools, independent_preschools)) v(name, municipal, independent)
  LOOP
    xs := '{}';
    ys := '{}';
    min_d := 0.6 * sqrt(area / (grp.municipal + grp.independent));
    pass := 0;
    CREATE TEMP TABLE _demo_site ON COMMIT DROP AS
      SELECT * FROM skolval._demo_locate(seed, 'site-' || grp.name,
                      ARRAY(SELECT generate_series(1, 40 * (grp.municipal + grp.independent))::bigint));
    -- Accept candidates in key order that keep the spacing; relax the spacing when a pass
    -- over all candidates is not enough.
    WHILE cardinality(xs) < grp.municipal + grp.independent LOOP
      pass := pass + 1;
      FOR cand IN SELECT * FROM _demo_site s ORDER BY s.loc_key LOOP
        EXIT WHEN cardinality(xs) >= grp.municipal + grp.independent;
        CONTINUE WHEN EXISTS (SELECT 1 FROM unnest(xs, ys) AS a(x, y)
                               WHERE (a.x - ST_X(cand.loc_home)) ^ 2 + (a.y - ST_Y(cand.loc_home)) ^ 2 < min_d ^ 2);
        xs := xs || ST_X(cand.loc_home);
        ys := ys || ST_Y(cand.loc_home);
        ord := ord + 1;
        INSERT INTO _demo_unit (ord, category, address, home)
        VALUES (ord,
                CASE WHEN cardinality(xs) <= grp.municipal THEN 'municipal_' ELSE 'independent_' END || grp.name,
                cand.loc_address, cand.loc_home);
      END LOOP;
      min_d := CASE WHEN pass > 30 THEN 0 ELSE min_d * 0.85 END;
    END LOOP;
    DROP TABLE _demo_site;
  END LOOP;

  -- Names: municipal schools "<place>skolan", independent ones by profile, preschools by
  -- animals and plants; each list is shuffled by the seed.
  UPDATE _demo_unit u
     SET name = CASE u.category
           WHEN 'municipal_school' THEN skolval._demo_combine(skolval._demo_words('school'), ARRAY['skolan'], x.k)
           WHEN 'independent_school' THEN
             (ARRAY['Montessoriskolan ', 'Internationella skolan ', 'Waldorfskolan ', 'Friskolan ',
                    'Naturskolan ', 'Kunskapsskolan '])[1 + (x.k % 6)::integer]
             || skolval._demo_combine(skolval._demo_words('place'), ARRAY[''], x.k / 6 + (x.k % 6) * 3)
           WHEN 'municipal_preschool' THEN 'Förskolan ' || skolval._demo_combine(skolval._demo_words('preschool'), ARRAY[''], x.k)
           ELSE (ARRAY['Föräldrakooperativet ', 'Montessoriförskolan ', 'Naturförskolan ', 'Förskolan '])[1 + (x.k % 4)::integer]
             || skolval._demo_combine(skolval._demo_words('preschool'), ARRAY[''],
                  x.k + (SELECT count(*) FROM _demo_unit m WHERE m.category = 'municipal_preschool'))
         END,
         top_grade = CASE WHEN u.category LIKE '%school' AND u.category NOT LIKE '%preschool'
                          THEN CASE WHEN u.category = 'independent_school'
                                     AND skolval.seeded_random(seed, 'top-grade', u.ord) < 0.4 THEN 6 ELSE 9 END END,
         popular = u.category IN ('municipal_school', 'independent_school')
                   AND skolval.seeded_random(seed, 'popular', u.ord)
                       < CASE u.category WHEN 'independent_school' THEN 0.6 ELSE 0.15 END
    FROM (SELECT v.ord, pg_catalog.row_number() OVER (PARTITION BY v.category
                   ORDER BY skolval.seeded_random(seed, 'unit-name', v.ord)) - 1 AS k
            FROM _demo_unit v) x
   WHERE x.ord = u.ord;
  UPDATE _demo_unit u
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
         u.address, '9999', u.home
    FROM _demo_unit u ORDER BY u.ord;
  UPDATE _demo_unit u SET unit_id = x.unit_id
    FROM skolval.unit x
   WHERE x.unit_code = (10000000 + (u.ord::bigint * 7368787 + code_offset) % 90000000)::text;
END $$;
COMMENT ON FUNCTION skolval._demo_units(bigint, integer) IS
  'Place and name the example municipality''s school and preschool units (about children/43 municipal schools, children/300 independent schools, children/75 and children/150 preschools); during demo_municipality() only';

-- People: the cohort (born 2021) with twins and older siblings, and the children enrolled at
-- independent units during 2026, with addresses, personal numbers and enrollments.  Works in
-- the temporary tables made by demo_municipality(), then writes child, residence, sibling
-- and enrollment.
CREATE FUNCTION skolval._demo_people(seed bigint, children integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  overflow bigint;
BEGIN
  -- The cohort: child i; an even i is sometimes the twin of i - 1 (same household).
  INSERT INTO _demo_cohort (i, household, twin_second)
  SELECT g.i, CASE WHEN g.twin THEN g.i - 1 ELSE g.i END, g.twin
    FROM (SELECT i, i % 2 = 0 AND skolval.seeded_random(seed, 'twin', i) < 0.012 AS twin
            FROM generate_series(1, children) i) g;

  INSERT INTO _demo_person (pkey, role, household, birth_date, male, family_name, protected)
  SELECT c.i, 'cohort', c.household,
         date '2021-01-01' + pg_catalog.floor(skolval.seeded_random(seed, 'birth', c.household) * 365)::integer,
         skolval.seeded_random(seed, 'sex', c.i) < 0.512,
         skolval._demo_pick(skolval._demo_words('family'), skolval.seeded_random(seed, 'family', c.household)),
         skolval.seeded_random(seed, 'protected', c.household) < 0.01
    FROM _demo_cohort c;

  -- About a fifth of the households have an older child, mostly in F-3 on the start day.
  UPDATE _demo_cohort c SET sibling_pkey = 10000000 + c.household
   WHERE skolval.seeded_random(seed, 'sibling', c.household) < 0.19;
  INSERT INTO _demo_person (pkey, role, household, birth_date, male, family_name, protected)
  SELECT c.sibling_pkey, 'sibling', c.household,
         pg_catalog.make_date(y.year, 1, 1)
           + pg_catalog.floor(skolval.seeded_random(seed, 'sibling-birth', c.household) * 365)::integer,
         skolval.seeded_random(seed, 'sex', c.sibling_pkey) < 0.512, p.family_name, p.protected
    FROM _demo_cohort c
    JOIN _demo_person p ON p.pkey = c.i
   CROSS JOIN LATERAL (SELECT CASE WHEN skolval.seeded_random(seed, 'sibling-year', c.household) < 0.75
                              THEN 2018 + pg_catalog.floor(skolval.seeded_random(seed, 'sibling-year-f3', c.household) * 3)
                              ELSE 2014 + pg_catalog.floor(skolval.seeded_random(seed, 'sibling-year-older', c.household) * 4)
                              END::integer AS year) y
   WHERE c.sibling_pkey IS NOT NULL AND NOT c.twin_second;

  -- Register children at independent preschools (born 2022 to April 2025, 28-52 a unit) and
  -- schools (born 2010-2020 up to the school's top grade, 8-18 a grade); the number of units
  -- grows with the cohort.  A few live in another municipality.
  INSERT INTO _demo_person (pkey, role, household, birth_date, male, family_name, protected, unit_ord)
  SELECT k.pkey, 'preschool', k.pkey,
         date '2022-01-01' + pg_catalog.floor(skolval.seeded_random(seed, 'birth', k.pkey) * 1215)::integer,
         skolval.seeded_random(seed, 'sex', k.pkey) < 0.512,
         skolval._demo_pick(skolval._demo_words('family'), skolval.seeded_random(seed, 'family', k.pkey)),
         skolval.seeded_random(seed, 'protected', k.pkey) < 0.01, k.ord
    FROM (SELECT 20000000 + u.ord * 10000 + j AS pkey, u.ord
            FROM _demo_unit u
           CROSS JOIN LATERAL generate_series(1, round(28 + 24 * skolval.seeded_random(seed, 'preschool-size', u.ord))::integer) j
           WHERE u.category = 'independent_preschool') k;
  INSERT INTO _demo_person (pkey, role, household, birth_date, male, family_name, protected, unit_ord)
  SELECT k.pkey, 'pupil', k.pkey,
         pg_catalog.make_date(k.year, 1, 1) + pg_catalog.floor(skolval.seeded_random(seed, 'birth', k.pkey) * 365)::integer,
         skolval.seeded_random(seed, 'sex', k.pkey) < 0.512,
         skolval._demo_pick(skolval._demo_words('family'), skolval.seeded_random(seed, 'family', k.pkey)),
         skolval.seeded_random(seed, 'protected', k.pkey) < 0.01, k.ord
    FROM (SELECT 30000000 + u.ord * 100000 + (y - 2010) * 5000 + j AS pkey, u.ord, y AS year
            FROM _demo_unit u
           CROSS JOIN generate_series(2010, 2020) y
           CROSS JOIN LATERAL generate_series(1, round(8 + 10 * skolval.seeded_random(seed, 'class-size', u.ord))::integer) j
           WHERE u.category = 'independent_school' AND y >= 2019 - u.top_grade) k;
  UPDATE _demo_person p SET elsewhere = true
   WHERE p.role IN ('preschool', 'pupil') AND skolval.seeded_random(seed, 'elsewhere', p.pkey) < 0.03;

  UPDATE _demo_person p
     SET given_name = skolval._demo_pick(skolval._demo_words(CASE WHEN p.male THEN 'boy' ELSE 'girl' END),
                                         skolval.seeded_random(seed, 'given', p.pkey));
  -- Twins of the same sex get different names.
  UPDATE _demo_person p
     SET given_name = w.words[1 + array_position(w.words, p.given_name) % cardinality(w.words)]
    FROM _demo_cohort c, _demo_person f,
         LATERAL (SELECT skolval._demo_words(CASE WHEN f.male THEN 'boy' ELSE 'girl' END) AS words) w
   WHERE p.male = f.male AND c.twin_second AND p.pkey = c.i AND f.pkey = c.household AND f.given_name = p.given_name;

  INSERT INTO _demo_home (household, home, address, postal_code, district_code)
  SELECT l.loc_key, l.loc_home, l.loc_address, l.loc_postal_code, l.loc_district
    FROM skolval._demo_locate(seed, 'home', ARRAY(SELECT DISTINCT p.household FROM _demo_person p)) l;

  -- The older sibling goes to one of the three schools nearest home.
  UPDATE _demo_cohort c
     SET sibling_f3 = extract(year FROM s.birth_date) >= 2018,
         sibling_unit_ord = (SELECT u.ord FROM _demo_unit u
                              WHERE u.category IN ('municipal_school', 'independent_school')
                              ORDER BY u.home <-> h.home, u.ord
                             OFFSET CASE WHEN skolval.seeded_random(seed, 'sibling-school', c.household) < 0.6 THEN 0
                                         WHEN skolval.seeded_random(seed, 'sibling-school', c.household) < 0.85 THEN 1
                                         ELSE 2 END
                              LIMIT 1)
    FROM _demo_person s, _demo_home h
   WHERE s.pkey = c.sibling_pkey AND h.household = c.household;

  INSERT INTO _demo_link (a, b)
  SELECT c.i, c.sibling_pkey FROM _demo_cohort c WHERE c.sibling_pkey IS NOT NULL
  UNION ALL
  SELECT c.household, c.i FROM _demo_cohort c WHERE c.twin_second;

  -- School years around the start day: 2025/26, 2026/27 and 2027/28.
  CREATE TEMP TABLE _demo_year ON COMMIT DROP AS
    SELECT * FROM (VALUES (2025, date '2025-08-18', date '2026-06-12'),
                          (2026, date '2026-08-17', date '2027-06-11'),
                          (2027, date '2027-08-16', NULL::date)) v(start_year, first_day, last_day);

  INSERT INTO _demo_enrol (pkey, unit_ord, school_form, grade, valid_from, valid_to)
  SELECT s.pkey, c.sibling_unit_ord, CASE WHEN g.grade = 0 THEN 'forskoleklass' ELSE 'grundskola' END,
         g.grade, y.first_day, y.last_day
    FROM _demo_cohort c
    JOIN _demo_person s ON s.pkey = c.sibling_pkey
   CROSS JOIN _demo_year y
   CROSS JOIN LATERAL (SELECT y.start_year - extract(year FROM s.birth_date)::integer - 6 AS grade) g
   WHERE NOT c.twin_second AND g.grade BETWEEN 0 AND 9;

  -- Pupils at independent schools: 2025/26 and 2026/27 (open-ended), within the school's grades.
  INSERT INTO _demo_enrol (pkey, unit_ord, school_form, grade, valid_from, valid_to)
  SELECT p.pkey, p.unit_ord, CASE WHEN g.grade = 0 THEN 'forskoleklass' ELSE 'grundskola' END,
         g.grade, y.first_day, CASE WHEN y.start_year = 2026 THEN NULL ELSE y.last_day END
    FROM _demo_person p
    JOIN _demo_unit u ON u.ord = p.unit_ord
   CROSS JOIN _demo_year y
   CROSS JOIN LATERAL (SELECT y.start_year - extract(year FROM p.birth_date)::integer - 6 AS grade) g
   WHERE p.role = 'pupil' AND y.start_year IN (2025, 2026) AND g.grade BETWEEN 0 AND u.top_grade;

  -- Preschool: register children from about their first birthday; some cohort children at
  -- the independent preschool nearest home until the summer before förskoleklass.
  INSERT INTO _demo_enrol (pkey, unit_ord, school_form, hours, valid_from, valid_to)
  SELECT p.pkey, p.unit_ord, 'forskola',
         CASE WHEN skolval.seeded_random(seed, 'hours', p.pkey) < 0.2 THEN 15
              WHEN skolval.seeded_random(seed, 'hours', p.pkey) < 0.4 THEN 25 ELSE 40 END,
         p.birth_date + 365 + pg_catalog.floor(skolval.seeded_random(seed, 'preschool-start', p.pkey) * 200)::integer,
         NULL
    FROM _demo_person p WHERE p.role = 'preschool'
  UNION ALL
  SELECT p.pkey, n.ord, 'forskola',
         CASE WHEN skolval.seeded_random(seed, 'hours', p.pkey) < 0.2 THEN 15
              WHEN skolval.seeded_random(seed, 'hours', p.pkey) < 0.4 THEN 25 ELSE 40 END,
         p.birth_date + 365 + pg_catalog.floor(skolval.seeded_random(seed, 'preschool-start', p.pkey) * 200)::integer,
         date '2027-07-31'
    FROM _demo_person p
    JOIN _demo_home h ON h.household = p.household
   CROSS JOIN LATERAL (SELECT u.ord FROM _demo_unit u WHERE u.category = 'independent_preschool'
                        ORDER BY u.home <-> h.home, u.ord LIMIT 1) n
   WHERE p.role = 'cohort' AND skolval.seeded_random(seed, 'independent-preschool', p.pkey) < 0.10;

  PERFORM skolval._demo_changes(seed);

  -- Fritidshem next to förskoleklass and grundskola: most pupils in F-3, a few in 4-6.
  INSERT INTO _demo_enrol (pkey, unit_ord, school_form, grade, valid_from, valid_to)
  SELECT e.pkey, e.unit_ord, 'fritidshem',
         CASE WHEN skolval.seeded_random(seed, 'fritidshem-grade', e.pkey) < 0.1 THEN NULL ELSE e.grade END,
         e.valid_from, e.valid_to
    FROM _demo_enrol e
   WHERE e.school_form IN ('forskoleklass', 'grundskola') AND NOT e.parallel
     AND skolval.seeded_random(seed, 'fritidshem', e.pkey)
         < CASE WHEN e.grade <= 3 THEN 0.75 WHEN e.grade <= 6 THEN 0.15 ELSE 0 END;

  -- Register children whose every placement was cut away are not in the register.
  DELETE FROM _demo_person p
   WHERE p.role IN ('preschool', 'pupil') AND NOT EXISTS (SELECT 1 FROM _demo_enrol e WHERE e.pkey = p.pkey);

  -- Personal numbers: serials by birth day and sex, offset per day, unique while fewer than
  -- 500 children of one sex share a birth day.
  SELECT max(n) INTO overflow FROM (SELECT count(*) AS n FROM _demo_person GROUP BY birth_date, male) x;
  IF overflow > 500 THEN
    RAISE EXCEPTION 'too many generated children share a birth date (%)', overflow
      USING ERRCODE = 'program_limit_exceeded', HINT = 'Use fewer children.';
  END IF;
  UPDATE _demo_person p
     SET personal_number = skolval.personal_number_make(n.birth_date,
           ((2 * n.rn + CASE WHEN n.male THEN 1 ELSE 0 END
             + 2 * pg_catalog.floor(skolval.seeded_random(seed, 'serial', n.birth_date - date '2000-01-01') * 500)::bigint) % 1000)::integer)
    FROM (SELECT q.pkey, q.birth_date, q.male,
                 pg_catalog.row_number() OVER (PARTITION BY q.birth_date, q.male ORDER BY q.pkey) - 1 AS rn
            FROM _demo_person q) n
   WHERE n.pkey = p.pkey;

  INSERT INTO skolval.child (personal_number, given_name, family_name, birth_date, protected_identity)
  SELECT p.personal_number, p.given_name, p.family_name, p.birth_date, p.protected
    FROM _demo_person p ORDER BY p.pkey;
  UPDATE _demo_person p SET child_id = c.child_id
    FROM skolval.child c WHERE c.personal_number = p.personal_number;

  -- Residence from birth: in Exempelkommun at the household's address, or elsewhere; some
  -- move away during 2026.
  INSERT INTO skolval.residence (child_id, municipality_code, address, postal_code, postal_town,
                                 district_code, home, valid_from, valid_to)
  SELECT r.* FROM (
    SELECT p.child_id, '9999', h.address, h.postal_code, 'Exempelstad', h.district_code, h.home,
           p.birth_date, p.moves_out - 1
      FROM _demo_person p JOIN _demo_home h ON h.household = p.household
     WHERE NOT p.elsewhere
    UNION ALL
    SELECT p.child_id, split_part(m.place, ':', 1),
           skolval._demo_street_name(seed, p.pkey % 600, false) || ' ' || (1 + p.pkey % 37)::text,
           pg_catalog.format('%s %s', 200 + (p.pkey % 97), pg_catalog.lpad((p.pkey % 89 + 10)::text, 2, '0')),
           split_part(m.place, ':', 2), NULL::text, NULL::geometry,
           coalesce(p.moves_out, p.birth_date), NULL::date
      FROM _demo_person p
     CROSS JOIN LATERAL (SELECT skolval._demo_pick(skolval._demo_words('other_municipality'),
                                  skolval.seeded_random(seed, 'other-municipality', p.pkey)) AS place) m
     WHERE p.elsewhere OR p.moves_out IS NOT NULL) r
   ORDER BY 1, 8;

  INSERT INTO skolval.sibling (child_id, sibling_id)
  SELECT least(a.child_id, b.child_id), greatest(a.child_id, b.child_id)
    FROM _demo_link l JOIN _demo_person a ON a.pkey = l.a JOIN _demo_person b ON b.pkey = l.b
   ORDER BY 1, 2;

  INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, hours_per_week, valid_from, valid_to)
  SELECT p.child_id, u.unit_id, e.school_form, e.grade, e.hours, e.valid_from, e.valid_to
    FROM _demo_enrol e JOIN _demo_person p ON p.pkey = e.pkey JOIN _demo_unit u ON u.ord = e.unit_ord
   ORDER BY p.child_id, e.valid_from, e.school_form, u.unit_id;
END $$;
COMMENT ON FUNCTION skolval._demo_people(bigint, integer) IS
  'Generate the example municipality''s children: the cohort with twins and older siblings, and the register children of independent units, with residence, siblings and enrollments; during demo_municipality() only';

-- Mid-year changes in the 2026 register of independent units: late starts, leavers (half of
-- them move to another municipality), moves to the next unit of the same kind (a municipal
-- one when there is no other independent one), and a few parallel placements there.  A row may be changed by one rule only: the person's single draw
-- decides which.
CREATE FUNCTION skolval._demo_changes(seed bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE _demo_change ON COMMIT DROP AS
    SELECT p.pkey, p.role, u.category,
           CASE WHEN x.r < 0.04 THEN 'late_start' WHEN x.r < 0.08 THEN 'leaves'
                WHEN x.r < 0.11 THEN 'moves' WHEN x.r < 0.12 THEN 'parallel' END AS change,
           date '2026-02-02' + pg_catalog.floor(skolval.seeded_random(seed, 'change-day', p.pkey) * 280)::integer AS day,
           coalesce((SELECT min(o.ord) FROM _demo_unit o WHERE o.category = u.category AND o.ord > u.ord),
                    (SELECT min(o.ord) FROM _demo_unit o WHERE o.category = u.category AND o.ord < u.ord),
                    (SELECT min(o.ord) FROM _demo_unit o
                      WHERE o.category = replace(u.category, 'independent', 'municipal'))) AS other_ord
      FROM _demo_person p
      JOIN _demo_unit u ON u.ord = p.unit_ord
     CROSS JOIN LATERAL (SELECT skolval.seeded_random(seed, 'change', p.pkey) AS r) x
     WHERE p.role IN ('preschool', 'pupil') AND x.r < 0.12;

  DELETE FROM _demo_enrol e USING _demo_change c
   WHERE c.pkey = e.pkey AND c.change = 'late_start' AND e.valid_to < c.day;
  UPDATE _demo_enrol e SET valid_from = greatest(e.valid_from, c.day)
    FROM _demo_change c WHERE c.pkey = e.pkey AND c.change = 'late_start';

  DELETE FROM _demo_enrol e USING _demo_change c
   WHERE c.pkey = e.pkey AND c.change = 'leaves' AND e.valid_from > c.day;
  UPDATE _demo_enrol e SET valid_to = c.day
    FROM _demo_change c
   WHERE c.pkey = e.pkey AND c.change = 'leaves' AND (e.valid_to IS NULL OR e.valid_to > c.day);
  UPDATE _demo_person p SET moves_out = c.day + 1
    FROM _demo_change c
   WHERE c.pkey = p.pkey AND c.change = 'leaves' AND NOT p.elsewhere
     AND skolval.seeded_random(seed, 'moves-out', p.pkey) < 0.5;

  -- A move only when the other unit has the pupil's grades.
  DELETE FROM _demo_change c
   WHERE c.change = 'moves'
     AND (c.other_ord IS NULL
          OR EXISTS (SELECT 1 FROM _demo_enrol e JOIN _demo_unit o ON o.ord = c.other_ord
                      WHERE e.pkey = c.pkey AND (e.valid_to IS NULL OR e.valid_to > c.day)
                        AND e.grade > o.top_grade));
  INSERT INTO _demo_enrol (pkey, unit_ord, school_form, grade, hours, valid_from, valid_to)
  SELECT e.pkey, c.other_ord, e.school_form, e.grade, e.hours, c.day + 1, e.valid_to
    FROM _demo_enrol e JOIN _demo_change c ON c.pkey = e.pkey
   WHERE c.change = 'moves' AND e.valid_from <= c.day AND (e.valid_to IS NULL OR e.valid_to > c.day);
  UPDATE _demo_enrol e SET unit_ord = c.other_ord
    FROM _demo_change c WHERE c.pkey = e.pkey AND c.change = 'moves' AND e.valid_from > c.day;
  UPDATE _demo_enrol e SET valid_to = c.day
    FROM _demo_change c
   WHERE c.pkey = e.pkey AND c.change = 'moves' AND e.unit_ord <> c.other_ord
     AND e.valid_from <= c.day AND (e.valid_to IS NULL OR e.valid_to > c.day);

  INSERT INTO _demo_enrol (pkey, unit_ord, school_form, grade, hours, valid_from, valid_to, parallel)
  SELECT e.pkey, c.other_ord, e.school_form, e.grade, e.hours, date '2026-03-02', date '2026-04-30', true
    FROM _demo_enrol e JOIN _demo_change c ON c.pkey = e.pkey
   WHERE c.change = 'parallel' AND c.other_ord IS NOT NULL
     AND e.valid_from <= date '2026-03-02' AND (e.valid_to IS NULL OR e.valid_to >= date '2026-04-30');
  DROP TABLE _demo_change;
END $$;
COMMENT ON FUNCTION skolval._demo_changes(bigint) IS
  'Mid-year starts, ends, moves and parallel placements in the example municipality''s 2026 register; during demo_municipality() only';

-- The placement round: cohort, capacities (about 105 % of the cohort, uneven so that popular
-- schools are oversubscribed) and ranked wishes.
CREATE FUNCTION skolval._demo_round(seed bigint, children integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  rid bigint;
  added bigint;
  seats_total integer := round(children * 1.05)::integer;
BEGIN
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
                    FROM _demo_unit u
                   WHERE u.category IN ('municipal_school', 'independent_school')) v) w
   ORDER BY w.unit_id;

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
                         - ST_Distance(k.home, u.home) / 800.0
                         + CASE WHEN u.popular THEN 1.2 ELSE 0 END
                         - 0.6 * ln(- ln(greatest(skolval.seeded_random(seed, 'wish-noise', k.wkey * 100000 + u.ord), 1e-12))) AS score
                    FROM (SELECT p.child_id, c.sibling_unit_ord, coalesce(c.sibling_f3, false) AS sibling_f3, h.home, x.wkey,
                                 CASE WHEN skolval.seeded_random(seed, 'wish-count', x.wkey) < 0.2 THEN 1
                                      WHEN skolval.seeded_random(seed, 'wish-count', x.wkey) < 0.45 THEN 2 ELSE 3 END AS wishes,
                                 skolval.seeded_random(seed, 'sibling-claim', x.wkey) AS uc,
                                 skolval.seeded_random(seed, 'false-claim', x.wkey) AS uf
                            FROM _demo_cohort c
                            JOIN _demo_person p ON p.pkey = c.i
                            JOIN _demo_home h ON h.household = c.household
                           CROSS JOIN LATERAL (SELECT CASE WHEN c.twin_second
                                                            AND skolval.seeded_random(seed, 'twin-same', c.i) < 0.9
                                                           THEN c.household ELSE c.i END AS wkey) x
                           WHERE skolval.seeded_random(seed, 'no-wish', x.wkey) >= 0.05) k
                   CROSS JOIN LATERAL (
                          (SELECT n.ord, n.unit_id, n.home, n.popular FROM _demo_unit n
                            WHERE n.category IN ('municipal_school', 'independent_school')
                            ORDER BY n.home <-> k.home, n.ord LIMIT 12)
                          UNION
                          SELECT n.ord, n.unit_id, n.home, n.popular FROM _demo_unit n
                           WHERE n.category IN ('municipal_school', 'independent_school')
                             AND (n.popular OR n.ord = k.sibling_unit_ord)) u) s) r
   WHERE r.rank <= greatest(r.wishes, 1)
   ORDER BY r.child_id, r.rank;
  RETURN rid;
END $$;
COMMENT ON FUNCTION skolval._demo_round(bigint, integer) IS
  'Create the example round "Förskoleklass HT2027" with its cohort, capacities and wishes; during demo_municipality() only';

-- ---------------------------------------------------------------------------------------
-- The example municipality
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval.demo_municipality(
  children integer DEFAULT 1500,
  seed bigint DEFAULT 1,
  network_edges integer DEFAULT 30000,
  replace boolean DEFAULT false)
RETURNS TABLE (item text, value bigint)
LANGUAGE plpgsql AS $$
DECLARE
  nid bigint;
  rid bigint;
BEGIN
  IF children IS NULL OR children < 1 OR children > 100000 THEN
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

  PERFORM skolval._demo_clear(replace);
  PERFORM skolval.configure(municipality_code => '9999', municipality_name => 'Exempelkommun', srid => 3006);
  nid := skolval._demo_network(seed, network_edges);
  PERFORM skolval._demo_districts();

  -- Street edges homes and units may lie on, numbered along each street for house numbers.
  CREATE TEMP TABLE _demo_slot ON COMMIT DROP AS
    SELECT pg_catalog.row_number() OVER (ORDER BY e.edge_id) AS slot, e.name AS street_name,
           pg_catalog.row_number() OVER (PARTITION BY e.name ORDER BY e.edge_id)::integer AS pos,
           ST_X(ST_StartPoint(e.geom)) AS x1, ST_Y(ST_StartPoint(e.geom)) AS y1,
           ST_X(ST_EndPoint(e.geom)) AS x2, ST_Y(ST_EndPoint(e.geom)) AS y2, e.length_m AS len
      FROM skolval.edge e
     WHERE e.network_id = nid AND e.kind IN ('residential', 'tertiary');
  ALTER TABLE _demo_slot ADD PRIMARY KEY (slot);
  CREATE TEMP TABLE _demo_unit (
    ord integer PRIMARY KEY, category text NOT NULL, name text, organizer_name text, address text,
    home geometry NOT NULL, unit_id bigint, top_grade integer, popular boolean NOT NULL DEFAULT false
  ) ON COMMIT DROP;
  CREATE TEMP TABLE _demo_person (
    pkey bigint PRIMARY KEY, role text NOT NULL, household bigint NOT NULL, birth_date date NOT NULL,
    male boolean NOT NULL, given_name text, family_name text, protected boolean NOT NULL,
    elsewhere boolean NOT NULL DEFAULT false, moves_out date, unit_ord integer,
    personal_number text, child_id bigint
  ) ON COMMIT DROP;
  CREATE TEMP TABLE _demo_home (
    household bigint PRIMARY KEY, home geometry NOT NULL, address text, postal_code text, district_code text
  ) ON COMMIT DROP;
  CREATE TEMP TABLE _demo_cohort (
    i integer PRIMARY KEY, household bigint NOT NULL, twin_second boolean NOT NULL,
    sibling_pkey bigint, sibling_unit_ord integer, sibling_f3 boolean
  ) ON COMMIT DROP;
  CREATE TEMP TABLE _demo_enrol (
    pkey bigint NOT NULL, unit_ord integer NOT NULL, school_form text NOT NULL, grade smallint,
    hours numeric(4,1), valid_from date NOT NULL, valid_to date, parallel boolean NOT NULL DEFAULT false
  ) ON COMMIT DROP;
  CREATE TEMP TABLE _demo_link (a bigint NOT NULL, b bigint NOT NULL) ON COMMIT DROP;

  PERFORM skolval._demo_units(seed, children);
  PERFORM skolval._demo_people(seed, children);
  rid := skolval._demo_round(seed, children);
  -- Fresh statistics, so the first distance and placement runs get good plans.
  ANALYZE skolval.unit, skolval.child, skolval.residence, skolval.enrollment, skolval.sibling,
          skolval.round_cohort, skolval.round_capacity, skolval.wish;

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
    (5, 'bridges', (SELECT count(*) FROM skolval.edge e WHERE e.network_id = nid AND e.kind = 'bridge')),
    (6, 'underpasses', (SELECT count(*) FROM skolval.edge e WHERE e.network_id = nid AND e.kind = 'underpass')),
    (7, 'districts', (SELECT count(*) FROM skolval.district)),
    (8, 'municipal schools', (SELECT count(*) FROM _demo_unit u WHERE u.category = 'municipal_school')),
    (9, 'independent schools', (SELECT count(*) FROM _demo_unit u WHERE u.category = 'independent_school')),
    (10, 'municipal preschools', (SELECT count(*) FROM _demo_unit u WHERE u.category = 'municipal_preschool')),
    (11, 'independent preschools', (SELECT count(*) FROM _demo_unit u WHERE u.category = 'independent_preschool')),
    (12, 'cohort children', (SELECT count(*) FROM cohort)),
    (13, 'with wishes', (SELECT count(*) FROM cohort WHERE wished)),
    (14, 'without wishes', (SELECT count(*) FROM cohort WHERE NOT wished)),
    (15, 'with an older sibling', (SELECT count(*) FROM cohort WHERE older_sibling)),
    (16, 'twin pairs', (SELECT count(*) FROM _demo_cohort c WHERE c.twin_second)),
    (17, 'protected identity', (SELECT count(*) FROM cohort WHERE protected_identity)),
    (18, 'wishes', (SELECT count(*) FROM skolval.wish w WHERE w.round_id = rid)),
    (19, 'sibling claims', (SELECT count(*) FROM skolval.wish w WHERE w.round_id = rid AND w.sibling_claim)),
    (20, 'seats', (SELECT sum(rc.seats) FROM skolval.round_capacity rc WHERE rc.round_id = rid)),
    (21, 'children in the register', (SELECT count(*) FROM skolval.child)),
    (22, 'enrollments in 2026 at independent units',
         (SELECT count(*) FROM skolval.enrollment e JOIN skolval.unit u USING (unit_id)
           WHERE u.organizer = 'independent' AND e.valid_from <= date '2026-12-31'
             AND (e.valid_to IS NULL OR e.valid_to >= date '2026-01-01')))
  ) v(o, k, n) ORDER BY v.o;

  DROP TABLE _demo_slot, _demo_unit, _demo_person, _demo_home, _demo_cohort, _demo_enrol, _demo_link, _demo_year;
END $$;
COMMENT ON FUNCTION skolval.demo_municipality(integer, bigint, integer, boolean) IS
  'Fill skolval with the example municipality Exempelkommun (9999): a generated network of about network_edges edges with a river and a railway, districts, schools and preschools, a förskoleklass round for "children" children born 2021 with wishes, siblings and capacities, and a 2026 register of independent units. Deterministic for the seed. Refuses (object_not_in_prerequisite_state) when skolval holds data, unless replace => true, which deletes all skolval data first. Returns a summary';

-- ==== sql/70_nightly.sql
-- skolval: the nightly job — keep every open round's walking distances current, safely, from
-- pg_cron: the job's log and its scheduler.

CREATE TABLE skolval.job_run (
  job_run_id   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  job          text NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  finished_at  timestamptz,
  outcome      jsonb
);
COMMENT ON TABLE skolval.job_run IS 'One row per run of a skolval job (the nightly job), written when it completes: what it did';
COMMENT ON COLUMN skolval.job_run.job_run_id IS 'Internal id';
COMMENT ON COLUMN skolval.job_run.job IS 'Which job: nightly';
COMMENT ON COLUMN skolval.job_run.started_at IS 'When it started';
COMMENT ON COLUMN skolval.job_run.finished_at IS 'When it finished';
COMMENT ON COLUMN skolval.job_run.outcome IS 'What it did, per round: pairs computed, open data issues';

-- skolval.nightly() itself is defined in 87_nightly_job.sql, after the payment functions it calls.

CREATE FUNCTION skolval.schedule_nightly(schedule text DEFAULT '30 2 * * *', database text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  job bigint;
BEGIN
  IF pg_catalog.to_regnamespace('cron') IS NULL THEN
    RAISE EXCEPTION 'pg_cron is not installed in database %', pg_catalog.current_database()
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = pg_catalog.format('pg_cron lives in database %s (cron.database_name): run CREATE EXTENSION pg_cron there and call skolval.schedule_nightly(database => %L) from it.',
                                     coalesce(pg_catalog.current_setting('cron.database_name', true), '(pg_cron not preloaded)'),
                                     pg_catalog.current_database());
  END IF;
  EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)'
     INTO job
    USING 'skolval-nightly', schedule, 'SELECT count(*) FROM skolval.nightly()',
          coalesce(database, pg_catalog.current_database());
  RETURN job;
END $$;
COMMENT ON FUNCTION skolval.schedule_nightly(text, text) IS
  'Schedule skolval.nightly() with pg_cron (job name skolval-nightly; default 02:30 every night) in the given database, from the database where pg_cron is installed; returns the pg_cron job id. Runs show in cron.job_run_details and skolval.job_run';

-- ==== sql/80_payments.sql
-- skolval: grant payments to independent units (bidrag: grundbelopp and tilläggsbelopp).
--
-- Configuration (categories, dated rates, supplements, count policy, accounts) is data; the
-- month's rows are computed in C (src/payments/, skolval_payment_rows()) from the register as
-- it is now; a payment run stores them with the issues found, is approved and locked, and is
-- immutable from then on. Reconciliation recomputes locked months from today's register and
-- puts the differences into the next run as correction rows.

-- ---------------------------------------------------------------------------------------
-- Count policy
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.payment_policy (
  singleton                 boolean PRIMARY KEY DEFAULT true CONSTRAINT payment_policy_single_row CHECK (singleton),
  basis                     text NOT NULL DEFAULT 'count_day'
                            CONSTRAINT payment_policy_basis_known CHECK (basis IN ('count_day', 'per_day')),
  count_day                 smallint NOT NULL DEFAULT 15
                            CONSTRAINT payment_policy_count_day_range CHECK (count_day BETWEEN 1 AND 28),
  weekend_shift             text NOT NULL DEFAULT 'next'
                            CONSTRAINT payment_policy_shift_known CHECK (weekend_shift IN ('next', 'previous', 'none')),
  age_cutover_month         smallint DEFAULT 9 CONSTRAINT payment_policy_cutover_month CHECK (age_cutover_month BETWEEN 1 AND 12),
  age_cutover_day           smallint DEFAULT 1 CONSTRAINT payment_policy_cutover_day CHECK (age_cutover_day BETWEEN 1 AND 28),
  correction_window_months  smallint NOT NULL DEFAULT 1
                            CONSTRAINT payment_policy_window_range CHECK (correction_window_months BETWEEN 0 AND 24),
  CONSTRAINT payment_policy_cutover_complete CHECK ((age_cutover_month IS NULL) = (age_cutover_day IS NULL))
);
COMMENT ON TABLE skolval.payment_policy IS
  'How a month is counted (at most one row; without one the column defaults apply, see skolval._payment_policy()). The law sets no count date, proration or correction window: they are the municipality''s rules, written in its grant decision';
COMMENT ON COLUMN skolval.payment_policy.singleton IS 'Always true: there is one policy';
COMMENT ON COLUMN skolval.payment_policy.basis IS
  'count_day: a child is paid a whole month when placed and registered on the count date; per_day: each day of the month counts (amount × days / days in month)';
COMMENT ON COLUMN skolval.payment_policy.count_day IS 'Day of the month on which children are counted (avläsningsdag), for example 15';
COMMENT ON COLUMN skolval.payment_policy.weekend_shift IS
  'When the count date falls on a Saturday, Sunday or a day in payment_holiday: next (following weekday), previous, or none';
COMMENT ON COLUMN skolval.payment_policy.age_cutover_month IS
  'Förskola age bands change on this month and day of the year the child turns the band''s age (9 and 1: "from 1 September of the year the child turns 3"); NULL and NULL: on the birthday itself';
COMMENT ON COLUMN skolval.payment_policy.age_cutover_day IS 'Day of age_cutover_month; see there';
COMMENT ON COLUMN skolval.payment_policy.correction_window_months IS
  'How many months back a new run corrects locked months (1: the previous month only, 0: no corrections); older differences are reported by reconcile_payments() but not paid';

CREATE TABLE skolval.payment_special_month (
  month_of_year  smallint PRIMARY KEY CONSTRAINT payment_special_month_range CHECK (month_of_year BETWEEN 1 AND 12),
  month_offset   smallint NOT NULL CONSTRAINT payment_special_month_offset CHECK (month_offset BETWEEN -2 AND 2),
  count_day      smallint NOT NULL CONSTRAINT payment_special_month_day CHECK (count_day BETWEEN 1 AND 28)
);
COMMENT ON TABLE skolval.payment_special_month IS
  'Months counted on another month''s date, for example June paid on the 15 May count (6, -1, 15) and July on the 22 August count (7, 1, 22)';
COMMENT ON COLUMN skolval.payment_special_month.month_of_year IS 'The paid month (1-12)';
COMMENT ON COLUMN skolval.payment_special_month.month_offset IS 'Months from the paid month to the month of the count date (-1: the month before)';
COMMENT ON COLUMN skolval.payment_special_month.count_day IS 'Day of that month to count on (then moved off weekends and holidays as the policy says)';

CREATE TABLE skolval.payment_holiday (
  day   date PRIMARY KEY,
  name  text NOT NULL
);
COMMENT ON TABLE skolval.payment_holiday IS 'Public holidays (helgdagar) a count date is moved off, like a weekend';
COMMENT ON COLUMN skolval.payment_holiday.day IS 'The holiday';
COMMENT ON COLUMN skolval.payment_holiday.name IS 'Its name, for example Trettondedag jul';

-- ---------------------------------------------------------------------------------------
-- Categories, rates, supplements, accounts
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.payment_category (
  category_code  text PRIMARY KEY CONSTRAINT payment_category_code_not_blank CHECK (btrim(category_code) <> ''),
  name_sv        text NOT NULL,
  school_form    skolval.school_form NOT NULL,
  grade_from     smallint,
  grade_to       smallint,
  age_from       smallint,
  age_to         smallint,
  hours_over     numeric(4,1),
  hours_up_to    numeric(4,1),
  sort_order     integer NOT NULL DEFAULT 0,
  CONSTRAINT payment_category_grades CHECK ((grade_from IS NULL) = (grade_to IS NULL) AND grade_from BETWEEN 0 AND 9 AND grade_to BETWEEN grade_from AND 9),
  CONSTRAINT payment_category_ages CHECK ((age_from IS NULL) = (age_to IS NULL) AND age_from BETWEEN 0 AND 20 AND age_to BETWEEN age_from AND 20),
  CONSTRAINT payment_category_hours CHECK (hours_over IS NULL OR hours_up_to IS NULL OR hours_up_to > hours_over),
  CONSTRAINT payment_category_hours_forskola CHECK (school_form = 'forskola' OR (hours_over IS NULL AND hours_up_to IS NULL))
);
COMMENT ON TABLE skolval.payment_category IS
  'Payment categories (ersättningskategorier) and the rule that maps an enrollment to one: school form, then grade band (grundskola, fritidshem), age band (förskola, or fritidshem by age) and hours tier (förskola). An enrollment must match exactly one category; none or several is a data issue';
COMMENT ON COLUMN skolval.payment_category.category_code IS 'Short code, for example GR1-3 or FSK1-2-15';
COMMENT ON COLUMN skolval.payment_category.name_sv IS 'Swedish name shown on statements, for example "Förskola 1–2 år, högst 15 h/v"';
COMMENT ON COLUMN skolval.payment_category.school_form IS 'School form of the enrollments in the category';
COMMENT ON COLUMN skolval.payment_category.grade_from IS 'Lowest registered grade (årskurs) of the band; NULL: grades do not matter';
COMMENT ON COLUMN skolval.payment_category.grade_to IS 'Highest grade of the band';
COMMENT ON COLUMN skolval.payment_category.age_from IS 'Lowest age of the band, counted with the policy''s cut-over date; NULL: age does not matter';
COMMENT ON COLUMN skolval.payment_category.age_to IS 'Highest age of the band';
COMMENT ON COLUMN skolval.payment_category.hours_over IS 'Förskola hours tier: more than this many hours a week; NULL: no lower limit';
COMMENT ON COLUMN skolval.payment_category.hours_up_to IS 'Förskola hours tier: at most this many hours a week; NULL: no upper limit';
COMMENT ON COLUMN skolval.payment_category.sort_order IS 'Order on statements and in files';

CREATE TABLE skolval.payment_rate (
  rate_id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  category_code    text NOT NULL REFERENCES skolval.payment_category ON UPDATE CASCADE,
  valid_from       date NOT NULL,
  valid_to         date,
  base_annual      numeric(12,2) NOT NULL CONSTRAINT payment_rate_base_not_negative CHECK (base_annual >= 0),
  premises_annual  numeric(12,2) NOT NULL DEFAULT 0 CONSTRAINT payment_rate_premises_not_negative CHECK (premises_annual >= 0),
  admin_pct        numeric(5,2) NOT NULL DEFAULT 3 CONSTRAINT payment_rate_admin_range CHECK (admin_pct BETWEEN 0 AND 100),
  vat_pct          numeric(5,2) NOT NULL DEFAULT 6 CONSTRAINT payment_rate_vat_range CHECK (vat_pct BETWEEN 0 AND 100),
  decision         text,
  CONSTRAINT payment_rate_period CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX payment_rate_category_idx ON skolval.payment_rate (category_code, valid_from);
COMMENT ON TABLE skolval.payment_rate IS
  'Grant rates for independent units (grundbelopp) per category, dated: rates are decided per calendar year and may change inside it. The periods of one category neither overlap nor leave gaps';
COMMENT ON COLUMN skolval.payment_rate.rate_id IS 'Internal id, kept on every payment row that used it';
COMMENT ON COLUMN skolval.payment_rate.category_code IS 'The category';
COMMENT ON COLUMN skolval.payment_rate.valid_from IS 'First day the rate applies';
COMMENT ON COLUMN skolval.payment_rate.valid_to IS 'Last day it applies (inclusive); NULL while open';
COMMENT ON COLUMN skolval.payment_rate.base_annual IS 'Base amount in kronor per child and year, without premises, administration and VAT (a month is a twelfth)';
COMMENT ON COLUMN skolval.payment_rate.premises_annual IS 'Premises amount (lokalbidrag) in kronor per child and year';
COMMENT ON COLUMN skolval.payment_rate.admin_pct IS 'Administration supplement in percent of base + premises (skolförordningen: 3 %)';
COMMENT ON COLUMN skolval.payment_rate.vat_pct IS 'VAT compensation in percent of base + premises + administration (skolförordningen: 6 %)';
COMMENT ON COLUMN skolval.payment_rate.decision IS 'Reference to the decision that set the rate';

CREATE TABLE skolval.supplement (
  supplement_id   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  child_id        bigint NOT NULL REFERENCES skolval.child ON DELETE CASCADE,
  unit_id         bigint NOT NULL REFERENCES skolval.unit,
  amount_monthly  numeric(12,2) NOT NULL CONSTRAINT supplement_amount_positive CHECK (amount_monthly > 0),
  vat_pct         numeric(5,2) NOT NULL DEFAULT 6 CONSTRAINT supplement_vat_range CHECK (vat_pct BETWEEN 0 AND 100),
  valid_from      date NOT NULL,
  valid_to        date,
  decision_ref    text,
  CONSTRAINT supplement_period CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX supplement_child_idx ON skolval.supplement (child_id);
COMMENT ON TABLE skolval.supplement IS
  'Tilläggsbelopp: a dated decision for one child at one unit (extraordinary support, mother-tongue tuition); paid on rows of their own, only while the child is placed at the unit and registered in the municipality. Never store a diagnosis here';
COMMENT ON COLUMN skolval.supplement.supplement_id IS 'Internal id';
COMMENT ON COLUMN skolval.supplement.child_id IS 'The child';
COMMENT ON COLUMN skolval.supplement.unit_id IS 'The unit it is paid to';
COMMENT ON COLUMN skolval.supplement.amount_monthly IS 'Amount in kronor per month, before VAT compensation';
COMMENT ON COLUMN skolval.supplement.vat_pct IS 'VAT compensation in percent on top (6 % of the total grant unless the decision says otherwise)';
COMMENT ON COLUMN skolval.supplement.valid_from IS 'First day of the decision';
COMMENT ON COLUMN skolval.supplement.valid_to IS 'Last day (inclusive); NULL while open';
COMMENT ON COLUMN skolval.supplement.decision_ref IS 'The decision''s reference (diarienummer), no reasons or diagnoses';

CREATE TABLE skolval.cost_account (
  cost_account_id  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  administration   text NOT NULL,
  school_form      skolval.school_form,
  account          text NOT NULL CONSTRAINT cost_account_not_blank CHECK (btrim(account) <> '')
);
CREATE UNIQUE INDEX cost_account_unique ON skolval.cost_account (administration, coalesce(school_form, ''));
COMMENT ON TABLE skolval.cost_account IS
  'Account strings (kontering) per administration, optionally per school form: a payment row is charged to the administration of the district the child lives in (district.administration)';
COMMENT ON COLUMN skolval.cost_account.cost_account_id IS 'Internal id';
COMMENT ON COLUMN skolval.cost_account.administration IS 'Administration (förvaltning, nämnd) as named in district.administration';
COMMENT ON COLUMN skolval.cost_account.school_form IS 'School form the account is for; NULL: every form without an account of its own';
COMMENT ON COLUMN skolval.cost_account.account IS 'Account string for the finance system, for example "4610 1200 350"';

-- Rate periods of a category must tile time: checked after each statement, so a whole year's
-- rates can be replaced in one statement.
CREATE FUNCTION skolval._payment_rate_periods() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT r.category_code, r.valid_from, r.valid_to, r.rate_id,
         n.valid_from AS next_from, n.rate_id AS next_id
    INTO bad
    FROM skolval.payment_rate r
    JOIN LATERAL (SELECT x.valid_from, x.rate_id FROM skolval.payment_rate x
                   WHERE x.category_code = r.category_code
                     AND (x.valid_from, x.rate_id) > (r.valid_from, r.rate_id)
                   ORDER BY x.valid_from, x.rate_id LIMIT 1) n ON true
   WHERE r.category_code IN (SELECT category_code FROM changed)
     AND (r.valid_to IS NULL OR n.valid_from <> r.valid_to + 1)
   ORDER BY r.category_code, r.valid_from LIMIT 1;
  IF FOUND THEN
    IF bad.valid_to IS NULL OR bad.next_from <= bad.valid_to THEN
      RAISE EXCEPTION 'rate periods of category % overlap', bad.category_code
        USING ERRCODE = 'exclusion_violation',
              DETAIL = pg_catalog.format('Rate %s (from %s to %s) overlaps rate %s from %s.', bad.rate_id,
                         bad.valid_from, coalesce(bad.valid_to::text, 'open'), bad.next_id, bad.next_from),
              HINT = 'Close the earlier rate (valid_to) the day before the next one starts.';
    END IF;
    RAISE EXCEPTION 'rate periods of category % leave a gap from % to %', bad.category_code,
                    bad.valid_to + 1, bad.next_from - 1
      USING ERRCODE = 'check_violation',
            DETAIL = pg_catalog.format('Rate %s ends on %s and rate %s starts on %s.', bad.rate_id, bad.valid_to,
                       bad.next_id, bad.next_from),
            HINT = 'Every day between the first and the last rate of a category needs a rate.';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER payment_rate_periods_insert AFTER INSERT ON skolval.payment_rate
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rate_periods();
CREATE TRIGGER payment_rate_periods_update AFTER UPDATE ON skolval.payment_rate
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rate_periods();
CREATE TRIGGER payment_rate_periods_delete AFTER DELETE ON skolval.payment_rate
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rate_periods();

CREATE FUNCTION skolval._supplement_unit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT u.organizer FROM skolval.unit u WHERE u.unit_id = NEW.unit_id) <> 'independent' THEN
    RAISE EXCEPTION 'supplement of child %: unit % is not an independent unit', NEW.child_id, NEW.unit_id
      USING ERRCODE = 'check_violation',
            HINT = 'Tilläggsbelopp to the municipality''s own units is paid through its budget, not as a grant.';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER supplement_unit BEFORE INSERT OR UPDATE OF unit_id ON skolval.supplement
  FOR EACH ROW EXECUTE FUNCTION skolval._supplement_unit();

-- ---------------------------------------------------------------------------------------
-- Payment runs
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.payment_run (
  run_id        bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  month         date NOT NULL CONSTRAINT payment_run_month_unique UNIQUE
                CONSTRAINT payment_run_month_first_day CHECK (extract(day FROM month) = 1),
  status        text NOT NULL DEFAULT 'draft'
                CONSTRAINT payment_run_status_known CHECK (status IN ('draft', 'approved', 'locked')),
  basis         text NOT NULL,
  count_date    date,
  rules         jsonb NOT NULL,
  rows          integer NOT NULL DEFAULT 0,
  children      integer NOT NULL DEFAULT 0,
  amount        numeric(14,2) NOT NULL DEFAULT 0,
  held_rows     integer NOT NULL DEFAULT 0,
  held_amount   numeric(14,2) NOT NULL DEFAULT 0,
  corrections   numeric(14,2) NOT NULL DEFAULT 0,
  errors        integer NOT NULL DEFAULT 0,
  warnings      integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  created_by    text NOT NULL DEFAULT session_user,
  approved_at   timestamptz,
  approved_by   text,
  locked_at     timestamptz,
  locked_by     text
);
COMMENT ON TABLE skolval.payment_run IS
  'One month''s payment run: the rows and issues computed from the register, approved and then locked. A locked run is immutable and keeps the rules it used; one run per month';
COMMENT ON COLUMN skolval.payment_run.run_id IS 'Internal id';
COMMENT ON COLUMN skolval.payment_run.month IS 'The paid month (its first day)';
COMMENT ON COLUMN skolval.payment_run.status IS 'draft (may be recomputed or deleted), approved (checked, rows fixed), locked (paid; immutable)';
COMMENT ON COLUMN skolval.payment_run.basis IS 'count_day or per_day, from the policy at creation';
COMMENT ON COLUMN skolval.payment_run.count_date IS 'The count date used (count_day basis)';
COMMENT ON COLUMN skolval.payment_run.rules IS 'The policy, special months, categories and rates the run used, as they were';
COMMENT ON COLUMN skolval.payment_run.rows IS 'Number of payment rows';
COMMENT ON COLUMN skolval.payment_run.children IS 'Number of distinct children with a row';
COMMENT ON COLUMN skolval.payment_run.amount IS 'Total to pay in kronor (rows not held, corrections included)';
COMMENT ON COLUMN skolval.payment_run.held_rows IS 'Rows held back by an error-level data issue';
COMMENT ON COLUMN skolval.payment_run.held_amount IS 'Amount of the held rows, paid once the issue is resolved and a later run corrects the month';
COMMENT ON COLUMN skolval.payment_run.corrections IS 'Net amount of the correction rows for earlier months';
COMMENT ON COLUMN skolval.payment_run.errors IS 'Error-level issues found';
COMMENT ON COLUMN skolval.payment_run.warnings IS 'Warnings found';
COMMENT ON COLUMN skolval.payment_run.created_at IS 'When it was computed';
COMMENT ON COLUMN skolval.payment_run.created_by IS 'Who computed it';
COMMENT ON COLUMN skolval.payment_run.approved_at IS 'When it was approved (attest)';
COMMENT ON COLUMN skolval.payment_run.approved_by IS 'Who approved it';
COMMENT ON COLUMN skolval.payment_run.locked_at IS 'When it was locked';
COMMENT ON COLUMN skolval.payment_run.locked_by IS 'Who locked it';

CREATE TABLE skolval.payment_row (
  run_id          bigint NOT NULL REFERENCES skolval.payment_run ON DELETE CASCADE,
  row_no          integer NOT NULL,
  child_id        bigint NOT NULL,
  unit_id         bigint NOT NULL,
  kind            text NOT NULL CONSTRAINT payment_row_kind_known CHECK (kind IN ('grant', 'supplement')),
  enrollment_id   bigint,
  supplement_id   bigint,
  category_code   text,
  category_name   text NOT NULL,
  school_form     text,
  grade           smallint,
  hours_per_week  numeric(4,1),
  age             smallint,
  rate_id         bigint,
  count_date      date,
  days            smallint NOT NULL,
  days_in_month   smallint NOT NULL,
  base            numeric(12,2) NOT NULL,
  premises        numeric(12,2) NOT NULL,
  admin           numeric(12,2) NOT NULL,
  vat             numeric(12,2) NOT NULL,
  amount          numeric(12,2) NOT NULL,
  district_code   text,
  administration  text,
  account         text,
  held            boolean NOT NULL DEFAULT false,
  flags           text[] NOT NULL DEFAULT '{}',
  corrects_month  date,
  PRIMARY KEY (run_id, row_no)
);
CREATE INDEX payment_row_child_idx ON skolval.payment_row (child_id);
-- Statements and summaries read one unit of one run.
CREATE INDEX payment_row_unit_idx ON skolval.payment_row (run_id, unit_id);
CREATE INDEX payment_row_corrects_idx ON skolval.payment_row (corrects_month) WHERE corrects_month IS NOT NULL;
COMMENT ON TABLE skolval.payment_row IS
  'Payment rows: one per child, unit and category (grant) or supplement decision, per month; correction rows for an earlier month point at it (corrects_month). Kept without foreign keys to the register so a locked month stays as it was paid';
COMMENT ON COLUMN skolval.payment_row.run_id IS 'The run';
COMMENT ON COLUMN skolval.payment_row.row_no IS 'Row number within the run';
COMMENT ON COLUMN skolval.payment_row.child_id IS 'The child (internal id; names live in skolval.child only)';
COMMENT ON COLUMN skolval.payment_row.unit_id IS 'The independent unit paid';
COMMENT ON COLUMN skolval.payment_row.kind IS 'grant (grundbelopp for a category) or supplement (tilläggsbelopp)';
COMMENT ON COLUMN skolval.payment_row.enrollment_id IS 'The enrollment paid for (grant rows)';
COMMENT ON COLUMN skolval.payment_row.supplement_id IS 'The supplement decision paid (supplement rows)';
COMMENT ON COLUMN skolval.payment_row.category_code IS 'Payment category; NULL when none matched (the row is held) and for supplements';
COMMENT ON COLUMN skolval.payment_row.category_name IS 'Swedish name of the category, "Tilläggsbelopp" for supplements';
COMMENT ON COLUMN skolval.payment_row.school_form IS 'School form of the enrollment';
COMMENT ON COLUMN skolval.payment_row.grade IS 'Registered grade (årskurs)';
COMMENT ON COLUMN skolval.payment_row.hours_per_week IS 'Registered hours a week (förskola)';
COMMENT ON COLUMN skolval.payment_row.age IS 'Age used for the category, counted with the cut-over date';
COMMENT ON COLUMN skolval.payment_row.rate_id IS 'The rate used (the last one when the rate changed inside the month)';
COMMENT ON COLUMN skolval.payment_row.count_date IS 'Count date (count_day basis); for per_day the last day counted';
COMMENT ON COLUMN skolval.payment_row.days IS 'Days counted: 1 on the count_day basis, the paid days on the per_day basis';
COMMENT ON COLUMN skolval.payment_row.days_in_month IS 'Days of the month (per_day) or 1 (count_day): amount = annual / 12 × days / days_in_month';
COMMENT ON COLUMN skolval.payment_row.base IS 'Base amount in kronor';
COMMENT ON COLUMN skolval.payment_row.premises IS 'Premises amount in kronor';
COMMENT ON COLUMN skolval.payment_row.admin IS 'Administration supplement in kronor';
COMMENT ON COLUMN skolval.payment_row.vat IS 'VAT compensation in kronor';
COMMENT ON COLUMN skolval.payment_row.amount IS 'Total: base + premises + admin + vat';
COMMENT ON COLUMN skolval.payment_row.district_code IS 'District the child was registered in';
COMMENT ON COLUMN skolval.payment_row.administration IS 'Administration that bears the cost';
COMMENT ON COLUMN skolval.payment_row.account IS 'Account string (kontering)';
COMMENT ON COLUMN skolval.payment_row.held IS 'Held back by an error-level issue: computed, not paid';
COMMENT ON COLUMN skolval.payment_row.flags IS 'Issues that touch the row, for example parallel_placement, missing_address, no_rate, owed, reclaim';
COMMENT ON COLUMN skolval.payment_row.corrects_month IS 'For a correction row: the earlier month it corrects (positive amount owed to the unit, negative to reclaim)';

CREATE TABLE skolval.payment_issue (
  run_id     bigint NOT NULL REFERENCES skolval.payment_run ON DELETE CASCADE,
  issue_no   integer NOT NULL,
  category   text NOT NULL,
  severity   text NOT NULL CONSTRAINT payment_issue_severity_known CHECK (severity IN ('error', 'warning')),
  child_id   bigint,
  unit_id    bigint,
  message    text NOT NULL,
  detail     jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, issue_no)
);
COMMENT ON TABLE skolval.payment_issue IS
  'The data issues a payment run found, as they were (the open list with resolutions is skolval.data_issue)';
COMMENT ON COLUMN skolval.payment_issue.run_id IS 'The run';
COMMENT ON COLUMN skolval.payment_issue.issue_no IS 'Number within the run';
COMMENT ON COLUMN skolval.payment_issue.category IS 'Kind of issue: parallel_placement, overlapping_enrollment, no_residence, resident_elsewhere, missing_address, address_changed, no_category, ambiguous_category, no_rate, no_district, no_account, supplement_without_enrollment';
COMMENT ON COLUMN skolval.payment_issue.severity IS 'error (the rows concerned are held) or warning (paid; needs a decision)';
COMMENT ON COLUMN skolval.payment_issue.child_id IS 'Child concerned';
COMMENT ON COLUMN skolval.payment_issue.unit_id IS 'Unit concerned';
COMMENT ON COLUMN skolval.payment_issue.message IS 'What is wrong, in English, without names or addresses';
COMMENT ON COLUMN skolval.payment_issue.detail IS 'Facts behind it (enrollments, dates, codes)';

-- Locked (and approved) runs are immutable. Only the status moves forward: draft -> approved
-- -> locked. Statement triggers keep the checks cheap on a 30,000-row insert.
CREATE FUNCTION skolval._payment_run_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'payment run % for % is % and cannot be deleted', OLD.run_id, to_char(OLD.month, 'YYYY-MM'), OLD.status
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Differences found later are paid or reclaimed as correction rows in the next month''s run.';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status = 'locked' THEN
    RAISE EXCEPTION 'payment run % for % is locked and cannot be changed', OLD.run_id, to_char(OLD.month, 'YYYY-MM')
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Differences found later are paid or reclaimed as correction rows in the next month''s run.';
  END IF;
  IF OLD.status = 'approved' AND NOT (NEW.status = 'locked'
       AND (NEW.run_id, NEW.month, NEW.basis, NEW.count_date, NEW.rules, NEW.rows, NEW.amount, NEW.held_amount,
            NEW.corrections, NEW.created_at, NEW.approved_at)
           IS NOT DISTINCT FROM
           (OLD.run_id, OLD.month, OLD.basis, OLD.count_date, OLD.rules, OLD.rows, OLD.amount, OLD.held_amount,
            OLD.corrections, OLD.created_at, OLD.approved_at)) THEN
    RAISE EXCEPTION 'payment run % for % is approved; it can only be locked', OLD.run_id, to_char(OLD.month, 'YYYY-MM')
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER payment_run_frozen BEFORE UPDATE OR DELETE ON skolval.payment_run
  FOR EACH ROW EXECUTE FUNCTION skolval._payment_run_frozen();

CREATE FUNCTION skolval._payment_rows_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT r.run_id, r.month, r.status INTO bad
    FROM changed c JOIN skolval.payment_run r ON r.run_id = c.run_id
   WHERE r.status <> 'draft' LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'payment run % for % is % and its rows cannot be changed', bad.run_id, to_char(bad.month, 'YYYY-MM'), bad.status
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Differences found later are paid or reclaimed as correction rows in the next month''s run.';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER payment_row_frozen_insert AFTER INSERT ON skolval.payment_row
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();
CREATE TRIGGER payment_row_frozen_update AFTER UPDATE ON skolval.payment_row
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();
CREATE TRIGGER payment_row_frozen_delete AFTER DELETE ON skolval.payment_row
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();
CREATE TRIGGER payment_issue_frozen_insert AFTER INSERT ON skolval.payment_issue
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();
CREATE TRIGGER payment_issue_frozen_update AFTER UPDATE ON skolval.payment_issue
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();
CREATE TRIGGER payment_issue_frozen_delete AFTER DELETE ON skolval.payment_issue
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();

-- ---------------------------------------------------------------------------------------
-- Computing a month
-- ---------------------------------------------------------------------------------------

-- The policy row, or the defaults when the municipality has not written one (the table is
-- data, emptied by demo_municipality(replace => true) like every other table).
CREATE FUNCTION skolval._payment_policy() RETURNS skolval.payment_policy
LANGUAGE sql STABLE AS $$
  SELECT p.* FROM (SELECT x.* FROM skolval.payment_policy x
                   UNION ALL
                   -- keep in step with the column defaults of skolval.payment_policy
                   SELECT true, 'count_day', 15::smallint, 'next', 9::smallint, 1::smallint, 1::smallint) p
   LIMIT 1
$$;
COMMENT ON FUNCTION skolval._payment_policy() IS 'The payment policy row, or the column defaults when there is none';

CREATE FUNCTION skolval._payment_month(month date) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF month IS NULL THEN
    RAISE EXCEPTION 'month must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT isfinite(month) THEN
    RAISE EXCEPTION 'month must be a finite date, not %', month USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF month <> date_trunc('month', month)::date THEN
    RAISE EXCEPTION 'month must be the first day of a month, not %', month
      USING ERRCODE = 'invalid_parameter_value',
            HINT = pg_catalog.format('Use date_trunc(''month'', day)::date, for example %s.', date_trunc('month', month)::date);
  END IF;
  RETURN month;
END $$;
COMMENT ON FUNCTION skolval._payment_month(date) IS 'The month unchanged, or invalid_parameter_value when it is not the first day of a month';

CREATE FUNCTION skolval.payment_count_date(month date) RETURNS date
LANGUAGE plpgsql STABLE AS $$
DECLARE
  p skolval.payment_policy;
  sm skolval.payment_special_month;
  d date;
BEGIN
  PERFORM skolval._payment_month(month);
  p := skolval._payment_policy();
  SELECT * INTO sm FROM skolval.payment_special_month s WHERE s.month_of_year = extract(month FROM month);
  IF FOUND THEN
    d := (month + pg_catalog.make_interval(months => sm.month_offset))::date + (sm.count_day - 1);
  ELSE
    d := month + (coalesce(p.count_day, 15) - 1);
  END IF;
  IF coalesce(p.weekend_shift, 'next') <> 'none' THEN
    WHILE extract(isodow FROM d) IN (6, 7) OR EXISTS (SELECT 1 FROM skolval.payment_holiday h WHERE h.day = d) LOOP
      d := d + CASE p.weekend_shift WHEN 'previous' THEN -1 ELSE 1 END;
    END LOOP;
  END IF;
  RETURN d;
END $$;
COMMENT ON FUNCTION skolval.payment_count_date(date) IS
  'The count date of a month under the policy: the count day (or a special month''s date), moved off weekends and holidays';

CREATE FUNCTION skolval._payment_compute(month date)
RETURNS TABLE (record_kind text, child_id bigint, unit_id bigint, kind text, enrollment_id bigint,
               supplement_id bigint, category_code text, category_name text, school_form text,
               grade smallint, hours_per_week numeric, age smallint, rate_id bigint, count_date date,
               days smallint, days_in_month smallint, base numeric, premises numeric, admin numeric,
               vat numeric, amount numeric, district_code text, administration text, account text,
               held boolean, flags text[], issue_category text, severity text, message text, detail jsonb)
  LANGUAGE c STABLE STRICT
  AS 'MODULE_PATHNAME', 'skolval_payment_rows';
COMMENT ON FUNCTION skolval._payment_compute(date) IS
  'skolval_payment_rows() in C: one month''s payment rows (record_kind row) and data issues (record_kind issue) from the register as it is now, read under one snapshot';

CREATE FUNCTION skolval.payment_rows(month date)
RETURNS TABLE (child_id bigint, unit_id bigint, kind text, enrollment_id bigint, supplement_id bigint,
               category_code text, category_name text, school_form text, grade smallint,
               hours_per_week numeric, age smallint, rate_id bigint, count_date date, days smallint,
               days_in_month smallint, base numeric, premises numeric, admin numeric, vat numeric,
               amount numeric, district_code text, administration text, account text, held boolean,
               flags text[])
LANGUAGE sql STABLE AS $$
  SELECT c.child_id, c.unit_id, c.kind, c.enrollment_id, c.supplement_id, c.category_code, c.category_name,
         c.school_form, c.grade, c.hours_per_week, c.age, c.rate_id, c.count_date, c.days, c.days_in_month,
         c.base, c.premises, c.admin, c.vat, c.amount, c.district_code, c.administration, c.account,
         c.held, c.flags
    FROM skolval._payment_compute(skolval._payment_month(month)) c
   WHERE c.record_kind = 'row'
   ORDER BY c.unit_id, c.kind, c.category_code, c.child_id, c.enrollment_id, c.supplement_id
$$;
COMMENT ON FUNCTION skolval.payment_rows(date) IS
  'What-if: the payment rows of a month computed from today''s register, without storing anything. One row per child, unit and category (grant) or supplement decision; held rows have an error-level issue';

CREATE FUNCTION skolval.payment_check(month date)
RETURNS TABLE (category text, severity text, child_id bigint, unit_id bigint, message text, detail jsonb)
LANGUAGE sql STABLE AS $$
  SELECT c.issue_category, c.severity, c.child_id, c.unit_id, c.message, c.detail
    FROM skolval._payment_compute(skolval._payment_month(month)) c
   WHERE c.record_kind = 'issue'
   ORDER BY c.severity, c.issue_category, c.child_id, c.unit_id
$$;
COMMENT ON FUNCTION skolval.payment_check(date) IS
  'The data-quality checks of a month without storing anything: parallel placements, missing or changed addresses, children registered elsewhere, enrollments without category or rate, overlapping enrollments, supplements without placement';

-- Differences between what was paid for a locked month (its run and later corrections) and
-- what today's register gives, per child, unit, category or supplement.
CREATE FUNCTION skolval._payment_differences(month date)
RETURNS TABLE (child_id bigint, unit_id bigint, kind text, supplement_id bigint, category_code text,
               category_name text, school_form text, district_code text, administration text, account text,
               paid_amount numeric, recomputed_amount numeric,
               base numeric, premises numeric, admin numeric, vat numeric, amount numeric, held boolean)
LANGUAGE sql STABLE AS $$
  WITH paid AS (
    SELECT pr.child_id, pr.unit_id, pr.kind, coalesce(pr.supplement_id, 0) AS sid, coalesce(pr.category_code, '') AS cat,
           max(pr.category_name) AS category_name, max(pr.school_form) AS school_form,
           max(pr.district_code) AS district_code, max(pr.administration) AS administration, max(pr.account) AS account,
           sum(pr.base) AS base, sum(pr.premises) AS premises, sum(pr.admin) AS admin, sum(pr.vat) AS vat, sum(pr.amount) AS amount
      FROM skolval.payment_row pr JOIN skolval.payment_run r ON r.run_id = pr.run_id
     WHERE r.status = 'locked' AND NOT pr.held
       AND ((r.month = _payment_differences.month AND pr.corrects_month IS NULL) OR pr.corrects_month = _payment_differences.month)
     GROUP BY 1, 2, 3, 4, 5),
  now AS (
    SELECT c.child_id, c.unit_id, c.kind, coalesce(c.supplement_id, 0) AS sid, coalesce(c.category_code, '') AS cat,
           max(c.category_name) AS category_name, max(c.school_form) AS school_form,
           max(c.district_code) AS district_code, max(c.administration) AS administration, max(c.account) AS account,
           sum(c.base) FILTER (WHERE NOT c.held) AS base, sum(c.premises) FILTER (WHERE NOT c.held) AS premises,
           sum(c.admin) FILTER (WHERE NOT c.held) AS admin, sum(c.vat) FILTER (WHERE NOT c.held) AS vat,
           sum(c.amount) FILTER (WHERE NOT c.held) AS amount, bool_or(c.held) AS held
      FROM skolval._payment_compute(month) c
     WHERE c.record_kind = 'row'
     GROUP BY 1, 2, 3, 4, 5)
  SELECT coalesce(n.child_id, p.child_id), coalesce(n.unit_id, p.unit_id), coalesce(n.kind, p.kind),
         nullif(coalesce(n.sid, p.sid), 0), nullif(coalesce(n.cat, p.cat), ''),
         coalesce(n.category_name, p.category_name), coalesce(n.school_form, p.school_form),
         coalesce(n.district_code, p.district_code), coalesce(n.administration, p.administration),
         coalesce(n.account, p.account),
         coalesce(p.amount, 0), coalesce(n.amount, 0),
         coalesce(n.base, 0) - coalesce(p.base, 0), coalesce(n.premises, 0) - coalesce(p.premises, 0),
         coalesce(n.admin, 0) - coalesce(p.admin, 0), coalesce(n.vat, 0) - coalesce(p.vat, 0),
         coalesce(n.amount, 0) - coalesce(p.amount, 0),
         coalesce(n.held, false) AND coalesce(n.amount, 0) - coalesce(p.amount, 0) < 0
    FROM now n FULL JOIN paid p USING (child_id, unit_id, kind, sid, cat)
   WHERE coalesce(n.amount, 0) <> coalesce(p.amount, 0)
      OR coalesce(n.base, 0) <> coalesce(p.base, 0) OR coalesce(n.vat, 0) <> coalesce(p.vat, 0)
$$;
COMMENT ON FUNCTION skolval._payment_differences(date) IS
  'Per child, unit and category: today''s computation of a month minus what its locked run and later corrections paid (held rows count as unpaid)';

CREATE FUNCTION skolval.reconcile_payments(from_month date, to_month date DEFAULT NULL)
RETURNS TABLE (month date, child_id bigint, unit_id bigint, kind text, category_code text,
               paid numeric, recomputed numeric, difference numeric, direction text,
               within_window boolean, held boolean)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  m date;
  last_locked date;
  window_start date;
BEGIN
  PERFORM skolval._payment_month(from_month);
  PERFORM skolval._payment_month(coalesce(to_month, from_month));
  IF coalesce(to_month, from_month) < from_month THEN
    RAISE EXCEPTION 'to_month % is before from_month %', to_month, from_month USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT max(r.month) INTO last_locked FROM skolval.payment_run r WHERE r.status = 'locked';
  window_start := (last_locked + interval '1 month'
                   - pg_catalog.make_interval(months => (skolval._payment_policy()).correction_window_months))::date;
  FOR m IN SELECT r.month FROM skolval.payment_run r
            WHERE r.status = 'locked' AND r.month BETWEEN from_month AND coalesce(to_month, from_month)
            ORDER BY r.month LOOP
    RETURN QUERY
      SELECT m, d.child_id, d.unit_id, d.kind, d.category_code, d.paid_amount, d.recomputed_amount, d.amount,
             CASE WHEN d.amount > 0 THEN 'owed' ELSE 'reclaim' END, m >= window_start, d.held
        FROM skolval._payment_differences(m) d
       ORDER BY d.unit_id, d.child_id, d.kind, d.category_code;
  END LOOP;
END $$;
COMMENT ON FUNCTION skolval.reconcile_payments(date, date) IS
  'Avstämning: recompute locked months from today''s register and list the differences per child, unit and category: owed (the unit gets more) or reclaim. within_window says whether the next run will correct it (policy.correction_window_months)';

CREATE FUNCTION skolval.create_payment_run(month date) RETURNS skolval.payment_run
LANGUAGE plpgsql AS $$
DECLARE
  existing skolval.payment_run;
  run skolval.payment_run;
  p skolval.payment_policy;
  m date;
BEGIN
  PERFORM skolval._payment_month(create_payment_run.month);
  -- One computation per month at a time; the run row lock then serialises approve/lock.
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skolval.payment_run'), create_payment_run.month - date '2000-01-01');
  SELECT * INTO existing FROM skolval.payment_run x WHERE x.month = create_payment_run.month FOR UPDATE;
  IF FOUND AND existing.status <> 'draft' THEN
    RAISE EXCEPTION 'the payment run for % is already %', to_char(create_payment_run.month, 'YYYY-MM'), existing.status
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('Run %s was %s by %s.', existing.run_id, existing.status,
                                       coalesce(existing.locked_by, existing.approved_by)),
            HINT = 'Changes found later are corrected in the next month''s run; skolval.reconcile_payments() lists them.';
  END IF;
  IF FOUND THEN
    DELETE FROM skolval.payment_run x WHERE x.run_id = existing.run_id;
  END IF;
  p := skolval._payment_policy();
  INSERT INTO skolval.payment_run (month, basis, count_date, rules)
  SELECT create_payment_run.month, p.basis, CASE WHEN p.basis = 'count_day' THEN skolval.payment_count_date(create_payment_run.month) END,
         jsonb_build_object(
           'policy', to_jsonb(p) - 'singleton',
           'municipality_code', (SELECT s.municipality_code FROM skolval.settings s),
           'special_months', coalesce((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.month_of_year) FROM skolval.payment_special_month s), '[]'),
           'categories', coalesce((SELECT jsonb_agg(to_jsonb(c) ORDER BY c.sort_order, c.category_code) FROM skolval.payment_category c), '[]'),
           'rates', coalesce((SELECT jsonb_agg(to_jsonb(r) ORDER BY r.category_code, r.valid_from) FROM skolval.payment_rate r
                               WHERE r.valid_from <= (create_payment_run.month + interval '2 months')::date
                                 AND (r.valid_to IS NULL OR r.valid_to >= (create_payment_run.month - interval '1 month')::date)), '[]'))
  RETURNING * INTO run;

  WITH c AS MATERIALIZED (SELECT * FROM skolval._payment_compute(create_payment_run.month)),
  rows AS (
    INSERT INTO skolval.payment_row (run_id, row_no, child_id, unit_id, kind, enrollment_id, supplement_id,
                category_code, category_name, school_form, grade, hours_per_week, age, rate_id, count_date,
                days, days_in_month, base, premises, admin, vat, amount, district_code, administration,
                account, held, flags)
    SELECT run.run_id, row_number() OVER (ORDER BY c.unit_id, c.kind, cat.sort_order, c.category_code, c.child_id,
                                                   c.enrollment_id, c.supplement_id),
           c.child_id, c.unit_id, c.kind, c.enrollment_id, c.supplement_id, c.category_code, c.category_name,
           c.school_form, c.grade, c.hours_per_week, c.age, c.rate_id, c.count_date, c.days, c.days_in_month,
           c.base, c.premises, c.admin, c.vat, c.amount, c.district_code, c.administration, c.account,
           c.held, c.flags
      FROM c LEFT JOIN skolval.payment_category cat ON cat.category_code = c.category_code
     WHERE c.record_kind = 'row')
  INSERT INTO skolval.payment_issue (run_id, issue_no, category, severity, child_id, unit_id, message, detail)
  SELECT run.run_id, row_number() OVER (ORDER BY c.severity, c.issue_category, c.child_id, c.unit_id, c.enrollment_id),
         c.issue_category, c.severity, c.child_id, c.unit_id, c.message, c.detail || jsonb_build_object('month', to_char(create_payment_run.month, 'YYYY-MM'))
    FROM c WHERE c.record_kind = 'issue';  -- the rows CTE runs whether or not it is read

  -- Corrections of locked months inside the window, as rows of their own.
  FOR m IN SELECT r.month FROM skolval.payment_run r
            WHERE r.status = 'locked' AND r.month < create_payment_run.month
              AND r.month >= (create_payment_run.month - pg_catalog.make_interval(months => p.correction_window_months))::date
            ORDER BY r.month LOOP
    INSERT INTO skolval.payment_row (run_id, row_no, child_id, unit_id, kind, supplement_id, category_code,
                category_name, school_form, count_date, days, days_in_month, base, premises, admin, vat, amount,
                district_code, administration, account, held, flags, corrects_month)
    SELECT run.run_id, (SELECT coalesce(max(x.row_no), 0) FROM skolval.payment_row x WHERE x.run_id = run.run_id)
                       + row_number() OVER (ORDER BY d.unit_id, d.child_id, d.kind, d.category_code),
           d.child_id, d.unit_id, d.kind, d.supplement_id, d.category_code, d.category_name, d.school_form,
           NULL, 0, 0, d.base, d.premises, d.admin, d.vat, d.amount, d.district_code, d.administration, d.account,
           d.held, ARRAY[CASE WHEN d.amount > 0 THEN 'owed' ELSE 'reclaim' END], m
      FROM skolval._payment_differences(m) d;
  END LOOP;

  -- The open list of data issues: new ones in, ones no longer found for this month resolved.
  UPDATE skolval.data_issue i
     SET resolved_at = pg_catalog.now(), resolution = 'no longer found by a later payment run'
   WHERE i.resolved_at IS NULL AND i.detail->>'payment_month' = to_char(create_payment_run.month, 'YYYY-MM')
     AND NOT EXISTS (SELECT 1 FROM skolval.payment_issue n
                      WHERE n.run_id = run.run_id AND n.category = i.category
                        AND n.child_id IS NOT DISTINCT FROM i.child_id AND n.unit_id IS NOT DISTINCT FROM i.unit_id);
  INSERT INTO skolval.data_issue (category, severity, child_id, unit_id, message, detail)
  SELECT n.category, n.severity, n.child_id, n.unit_id, n.message,
         n.detail || jsonb_build_object('payment_month', to_char(create_payment_run.month, 'YYYY-MM'), 'payment_run_id', run.run_id)
    FROM skolval.payment_issue n
   WHERE n.run_id = run.run_id
     AND NOT EXISTS (SELECT 1 FROM skolval.data_issue i
                      WHERE i.resolved_at IS NULL AND i.detail->>'payment_month' = to_char(create_payment_run.month, 'YYYY-MM')
                        AND i.category = n.category AND i.child_id IS NOT DISTINCT FROM n.child_id
                        AND i.unit_id IS NOT DISTINCT FROM n.unit_id);

  UPDATE skolval.payment_run r
     SET rows = t.rows, children = t.children, amount = t.amount, held_rows = t.held_rows,
         held_amount = t.held_amount, corrections = t.corrections,
         errors = (SELECT count(*) FROM skolval.payment_issue i WHERE i.run_id = run.run_id AND i.severity = 'error'),
         warnings = (SELECT count(*) FROM skolval.payment_issue i WHERE i.run_id = run.run_id AND i.severity = 'warning')
    FROM (SELECT count(*) AS rows, count(DISTINCT x.child_id) AS children,
                 coalesce(sum(x.amount) FILTER (WHERE NOT x.held), 0) AS amount,
                 count(*) FILTER (WHERE x.held) AS held_rows,
                 coalesce(sum(x.amount) FILTER (WHERE x.held), 0) AS held_amount,
                 coalesce(sum(x.amount) FILTER (WHERE x.corrects_month IS NOT NULL AND NOT x.held), 0) AS corrections
            FROM skolval.payment_row x WHERE x.run_id = run.run_id) t
   WHERE r.run_id = run.run_id
  RETURNING r.* INTO run;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval.create_payment_run(date) IS
  'Compute and store the payment run of a month (status draft): its rows, the issues found, and correction rows for locked months inside the correction window. Replaces an earlier draft of the month; refuses an approved or locked month';

CREATE FUNCTION skolval._payment_run_for_update(run_id bigint) RETURNS skolval.payment_run
LANGUAGE plpgsql AS $$
DECLARE
  run skolval.payment_run;
BEGIN
  IF run_id IS NULL THEN
    RAISE EXCEPTION 'run_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO run FROM skolval.payment_run x WHERE x.run_id = _payment_run_for_update.run_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'payment run % does not exist', run_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval._payment_run_for_update(bigint) IS 'The payment run, locked for update; no_data_found when there is none';

CREATE FUNCTION skolval.approve_payment_run(run_id bigint) RETURNS skolval.payment_run
LANGUAGE plpgsql AS $$
DECLARE
  run skolval.payment_run := skolval._payment_run_for_update(run_id);
BEGIN
  IF run.status <> 'draft' THEN
    RAISE EXCEPTION 'payment run % for % is already %', run.run_id, to_char(run.month, 'YYYY-MM'), run.status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE skolval.payment_run x SET status = 'approved', approved_at = pg_catalog.now(), approved_by = session_user
   WHERE x.run_id = run.run_id RETURNING x.* INTO run;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval.approve_payment_run(bigint) IS
  'Approve (attest) a draft payment run: its rows can no longer change; held rows stay held';

CREATE FUNCTION skolval.lock_payment_run(run_id bigint) RETURNS skolval.payment_run
LANGUAGE plpgsql AS $$
DECLARE
  run skolval.payment_run := skolval._payment_run_for_update(run_id);
BEGIN
  IF run.status = 'draft' THEN
    RAISE EXCEPTION 'payment run % for % is not approved', run.run_id, to_char(run.month, 'YYYY-MM')
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Approve it first with skolval.approve_payment_run().';
  ELSIF run.status = 'locked' THEN
    RAISE EXCEPTION 'payment run % for % is already locked', run.run_id, to_char(run.month, 'YYYY-MM')
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE skolval.payment_run x SET status = 'locked', locked_at = pg_catalog.now(), locked_by = session_user
   WHERE x.run_id = run.run_id RETURNING x.* INTO run;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval.lock_payment_run(bigint) IS
  'Lock an approved payment run: it has been paid and is immutable from now on';

-- ---------------------------------------------------------------------------------------
-- Views for BI (no names, no personal identity numbers)
-- ---------------------------------------------------------------------------------------

CREATE VIEW skolval.payment_unit_summary AS
SELECT r.run_id, r.month, r.status, pr.unit_id, u.unit_code, u.name AS unit_name, u.organizer_name,
       pr.kind, pr.category_code, pr.category_name, pr.corrects_month,
       count(DISTINCT pr.child_id) FILTER (WHERE NOT pr.held) AS children,
       coalesce(sum(pr.base) FILTER (WHERE NOT pr.held), 0) AS base,
       coalesce(sum(pr.premises) FILTER (WHERE NOT pr.held), 0) AS premises,
       coalesce(sum(pr.admin) FILTER (WHERE NOT pr.held), 0) AS admin,
       coalesce(sum(pr.vat) FILTER (WHERE NOT pr.held), 0) AS vat,
       coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held), 0) AS amount,
       count(*) FILTER (WHERE pr.held) AS held_rows,
       coalesce(sum(pr.amount) FILTER (WHERE pr.held), 0) AS held_amount
  FROM skolval.payment_row pr
  JOIN skolval.payment_run r ON r.run_id = pr.run_id
  LEFT JOIN skolval.unit u ON u.unit_id = pr.unit_id
 GROUP BY r.run_id, r.month, r.status, pr.unit_id, u.unit_code, u.name, u.organizer_name, pr.kind,
          pr.category_code, pr.category_name, pr.corrects_month;
COMMENT ON VIEW skolval.payment_unit_summary IS
  'BI: payments per month, unit and category (corrections for earlier months on rows of their own), without children''s identities';

CREATE VIEW skolval.payment_administration_summary AS
SELECT r.run_id, r.month, r.status, pr.administration, pr.account, pr.school_form, pr.kind,
       count(DISTINCT pr.child_id) AS children, count(*) AS rows,
       sum(pr.base) AS base, sum(pr.premises) AS premises, sum(pr.admin) AS admin, sum(pr.vat) AS vat,
       sum(pr.amount) AS amount
  FROM skolval.payment_row pr
  JOIN skolval.payment_run r ON r.run_id = pr.run_id
 WHERE NOT pr.held
 GROUP BY r.run_id, r.month, r.status, pr.administration, pr.account, pr.school_form, pr.kind;
COMMENT ON VIEW skolval.payment_administration_summary IS
  'BI: the cost split — paid amounts per month, administration (förvaltning), account and school form';

CREATE VIEW skolval.payment_correction AS
SELECT r.run_id, r.month AS paid_in_month, r.status, pr.corrects_month, pr.unit_id, u.unit_code, u.name AS unit_name,
       pr.child_id, pr.kind, pr.category_code, pr.category_name, pr.base, pr.premises, pr.admin, pr.vat, pr.amount,
       CASE WHEN pr.amount > 0 THEN 'owed' ELSE 'reclaim' END AS direction, pr.held
  FROM skolval.payment_row pr
  JOIN skolval.payment_run r ON r.run_id = pr.run_id
  LEFT JOIN skolval.unit u ON u.unit_id = pr.unit_id
 WHERE pr.corrects_month IS NOT NULL;
COMMENT ON VIEW skolval.payment_correction IS
  'BI: correction rows — money owed to a unit (positive) or reclaimed (negative) for an earlier month, and in which month''s run';

CREATE VIEW skolval.payment_open_issue AS
SELECT i.issue_id, (i.detail->>'payment_month') AS month, i.category, i.severity, i.child_id, i.unit_id,
       u.unit_code, u.name AS unit_name, i.message, i.detected_at
  FROM skolval.data_issue i
  LEFT JOIN skolval.unit u ON u.unit_id = i.unit_id
 WHERE i.resolved_at IS NULL AND i.detail ? 'payment_month';
COMMENT ON VIEW skolval.payment_open_issue IS
  'BI: open data issues found by payment runs, per month (messages carry ids only, never names or addresses)';

-- Every view column says what it holds: the payment tables' comments where the name is the
-- same, otherwise the ones below.
DO $comments$
DECLARE
  c record;
  extra jsonb := jsonb_build_object(
    'unit_code', 'The unit''s official code',
    'unit_name', 'The unit''s name',
    'organizer_name', 'The unit''s organizer (huvudman)',
    'children', 'Distinct children with rows that are paid',
    'rows', 'Number of payment rows',
    'held_rows', 'Rows held back by an error-level issue',
    'held_amount', 'Amount of the held rows',
    'paid_in_month', 'The month whose run carries the correction',
    'direction', 'owed (paid to the unit) or reclaim (taken back)',
    'issue_id', 'The data issue (skolval.data_issue)',
    'detected_at', 'When the issue was first found');
BEGIN
  FOR c IN
    SELECT cl.relname, a.attname, a.attnum, cl.oid
      FROM pg_catalog.pg_class cl JOIN pg_catalog.pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0
     WHERE cl.relnamespace = 'skolval'::regnamespace
       AND cl.relname IN ('payment_unit_summary', 'payment_administration_summary', 'payment_correction', 'payment_open_issue')
  LOOP
    EXECUTE pg_catalog.format('COMMENT ON COLUMN skolval.%I.%I IS %L', c.relname, c.attname,
      coalesce(extra->>c.attname::text,
               CASE WHEN c.relname = 'payment_open_issue' AND c.attname IN ('month', 'message', 'category', 'severity', 'child_id', 'unit_id')
                    THEN pg_catalog.col_description('skolval.payment_issue'::regclass,
                           (SELECT x.attnum FROM pg_catalog.pg_attribute x WHERE x.attrelid = 'skolval.payment_issue'::regclass AND x.attname = c.attname)) END,
               pg_catalog.col_description('skolval.payment_row'::regclass,
                 (SELECT x.attnum FROM pg_catalog.pg_attribute x WHERE x.attrelid = 'skolval.payment_row'::regclass AND x.attname = c.attname)),
               pg_catalog.col_description('skolval.payment_run'::regclass,
                 (SELECT x.attnum FROM pg_catalog.pg_attribute x WHERE x.attrelid = 'skolval.payment_run'::regclass AND x.attname = c.attname))));
  END LOOP;
END
$comments$;

-- ==== sql/82_demo_payments.sql
-- skolval: payment configuration for the example municipality.
--
-- demo_payments() gives Exempelkommun what a real municipality writes into its grant decision:
-- categories for förskola (age band × hours), förskoleklass, grundskola and fritidshem (by
-- grade), 2026 rates of the order real municipalities pay with a rise on 1 July, the count
-- policy (the 15th, June on the May count, July on the August count), Swedish public holidays,
-- one account per administration and a few tilläggsbelopp decisions. The register made by
-- demo_municipality() already holds the awkward cases: parallel placements, children who move
-- away, children registered elsewhere, fritidshem without a grade.

CREATE FUNCTION skolval.demo_payments(seed bigint DEFAULT 1) RETURNS TABLE (item text, value bigint)
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM skolval.settings s WHERE s.municipality_code = '9999') THEN
    RAISE EXCEPTION 'demo_payments() configures the example municipality only'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Run skolval.demo_municipality() first.';
  END IF;
  IF EXISTS (SELECT 1 FROM skolval.payment_category) OR EXISTS (SELECT 1 FROM skolval.payment_run) THEN
    RAISE EXCEPTION 'payment configuration already exists'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Run skolval.demo_municipality(replace => true) for a fresh example municipality.';
  END IF;

  INSERT INTO skolval.payment_policy (basis, count_day, weekend_shift, age_cutover_month, age_cutover_day,
                                      correction_window_months)
  VALUES ('count_day', 15, 'next', 9, 1, 1);
  INSERT INTO skolval.payment_special_month VALUES (6, -1, 15), (7, 1, 22);
  INSERT INTO skolval.payment_holiday (day, name) VALUES
    ('2026-01-01', 'Nyårsdagen'), ('2026-01-06', 'Trettondedag jul'), ('2026-04-03', 'Långfredagen'),
    ('2026-04-06', 'Annandag påsk'), ('2026-05-01', 'Första maj'), ('2026-05-14', 'Kristi himmelsfärdsdag'),
    ('2026-06-06', 'Sveriges nationaldag'), ('2026-06-19', 'Midsommarafton'), ('2026-12-24', 'Julafton'),
    ('2026-12-25', 'Juldagen'), ('2026-12-26', 'Annandag jul'), ('2026-12-31', 'Nyårsafton'),
    ('2027-01-01', 'Nyårsdagen'), ('2027-01-06', 'Trettondedag jul');

  INSERT INTO skolval.payment_category (category_code, name_sv, school_form, grade_from, grade_to, age_from,
                                        age_to, hours_over, hours_up_to, sort_order) VALUES
    ('FSK1-2',    'Förskola 1–2 år, över 15 h/v',  'forskola', NULL, NULL, 1, 2, 15, NULL, 10),
    ('FSK1-2-15', 'Förskola 1–2 år, högst 15 h/v', 'forskola', NULL, NULL, 1, 2, NULL, 15, 11),
    ('FSK3-5',    'Förskola 3–5 år, över 15 h/v',  'forskola', NULL, NULL, 3, 5, 15, NULL, 12),
    ('FSK3-5-15', 'Förskola 3–5 år, högst 15 h/v', 'forskola', NULL, NULL, 3, 5, NULL, 15, 13),
    ('FK',        'Förskoleklass',                 'forskoleklass', NULL, NULL, NULL, NULL, NULL, NULL, 20),
    ('GR1-3',     'Grundskola åk 1–3',             'grundskola', 1, 3, NULL, NULL, NULL, NULL, 30),
    ('GR4-6',     'Grundskola åk 4–6',             'grundskola', 4, 6, NULL, NULL, NULL, NULL, 31),
    ('GR7-9',     'Grundskola åk 7–9',             'grundskola', 7, 9, NULL, NULL, NULL, NULL, 32),
    ('FRI-F3',    'Fritidshem förskoleklass–åk 3', 'fritidshem', 0, 3, NULL, NULL, NULL, NULL, 40),
    ('FRI4-6',    'Fritidshem åk 4–6',             'fritidshem', 4, 6, NULL, NULL, NULL, NULL, 41);

  -- Annual amounts without administration and VAT (those are added per row), of the order of
  -- the published 2022-2024 tables (doc/payments.md); a 2.5 % rise from 1 July 2026.
  INSERT INTO skolval.payment_rate (category_code, valid_from, valid_to, base_annual, premises_annual, decision)
  SELECT c.code, p.valid_from, p.valid_to, round(c.base * p.factor), round(c.premises * p.factor),
         'Exempelkommun BSN 2025-11-20 § 112'
    FROM (VALUES ('FSK1-2', 152400, 21600), ('FSK1-2-15', 74000, 10800), ('FSK3-5', 110500, 16800),
                 ('FSK3-5-15', 54000, 8400), ('FK', 54600, 9600), ('GR1-3', 74400, 11400),
                 ('GR4-6', 76800, 11400), ('GR7-9', 93600, 12600), ('FRI-F3', 30600, 4800),
                 ('FRI4-6', 13200, 2400)) c(code, base, premises)
   CROSS JOIN (VALUES (date '2026-01-01', date '2026-06-30', 1.0), ('2026-07-01', '2026-12-31', 1.025)) p(valid_from, valid_to, factor);

  INSERT INTO skolval.cost_account (administration, school_form, account)
  SELECT d.administration, f.form, pg_catalog.format('46%s0 %s00 %s', f.code, 10 + d.n, f.activity)
    FROM (SELECT x.administration, row_number() OVER (ORDER BY x.administration) AS n
            FROM (SELECT DISTINCT administration FROM skolval.district) x) d
   CROSS JOIN (VALUES ('forskola', 1, 400), ('forskoleklass', 2, 420), ('grundskola', 3, 430),
                      ('fritidshem', 4, 440)) f(form, code, activity);
  -- Supplements (tilläggsbelopp) have no school form: a catch-all account per administration.
  INSERT INTO skolval.cost_account (administration, school_form, account)
  SELECT x.administration, NULL, pg_catalog.format('4650 %s00 450', 10 + row_number() OVER (ORDER BY x.administration))
    FROM (SELECT DISTINCT administration FROM skolval.district) x;

  -- Tilläggsbelopp for about one grundskola pupil in sixty at an independent school, for the
  -- autumn term; one decision names a unit the child has left (a warning every month).
  INSERT INTO skolval.supplement (child_id, unit_id, amount_monthly, valid_from, valid_to, decision_ref)
  SELECT e.child_id, e.unit_id,
         1000 * (3 + pg_catalog.floor(skolval.seeded_random(seed, 'supplement', e.enrollment_id) * 10)),
         '2026-08-01', '2026-12-31',
         pg_catalog.format('BSN 2026/%s', lpad((100 + e.enrollment_id % 900)::text, 4, '0'))
    FROM skolval.enrollment e JOIN skolval.unit u ON u.unit_id = e.unit_id
   WHERE u.organizer = 'independent' AND e.school_form = 'grundskola'
     AND e.valid_from <= '2026-09-15' AND (e.valid_to IS NULL OR e.valid_to >= '2026-09-15')
     AND skolval.seeded_random(seed, 'supplement-pick', e.enrollment_id) < 1.0 / 60
   ORDER BY e.enrollment_id;
  INSERT INTO skolval.supplement (child_id, unit_id, amount_monthly, valid_from, valid_to, decision_ref)
  SELECT e.child_id, e.unit_id, 6000, '2026-01-01', '2026-12-31', 'BSN 2025/0999'
    FROM skolval.enrollment e JOIN skolval.unit u ON u.unit_id = e.unit_id
   WHERE u.organizer = 'independent' AND e.school_form = 'grundskola' AND e.valid_to < '2026-06-30'
   ORDER BY e.enrollment_id LIMIT 1;

  RETURN QUERY VALUES
    ('payment categories', (SELECT count(*) FROM skolval.payment_category)),
    ('rates', (SELECT count(*) FROM skolval.payment_rate)),
    ('cost accounts', (SELECT count(*) FROM skolval.cost_account)),
    ('supplements', (SELECT count(*) FROM skolval.supplement)),
    ('holidays', (SELECT count(*) FROM skolval.payment_holiday));
END $$;
COMMENT ON FUNCTION skolval.demo_payments(bigint) IS
  'Give the example municipality its grant configuration: categories, 2026 rates with a rise on 1 July, the count policy, holidays, accounts per administration and tilläggsbelopp decisions. Run after demo_municipality(); deterministic for a seed';

-- ==== sql/85_documents.sql
-- skolval: documents people read — decision letters (PDF), the map of a round (SVG), payment
-- statements per unit and month (PDF) and the payment file (XLSX). The words are composed here,
-- in SQL, where they can be read and tested; the C room src/documents lays them out with
-- libharu and libxlsxwriter.

-- ---------------------------------------------------------------------------------------
-- Settings
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.document_settings (
  singleton        boolean PRIMARY KEY DEFAULT true
                   CONSTRAINT document_settings_single_row CHECK (singleton),
  board_name       text CONSTRAINT document_settings_board_not_blank CHECK (btrim(board_name) <> ''),
  board_address    text,
  contact          text,
  font_path        text CONSTRAINT document_settings_font_absolute CHECK (font_path LIKE '/%'),
  bold_font_path   text CONSTRAINT document_settings_bold_font_absolute CHECK (bold_font_path LIKE '/%'),
  updated_at       timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE skolval.document_settings IS
  'Settings of the documents: at most one row, NULL columns take the defaults of skolval.document_setup(). The server reads the font files: only administrators should be able to change this table';
COMMENT ON COLUMN skolval.document_settings.singleton IS 'Always true: keeps the table to one row';
COMMENT ON COLUMN skolval.document_settings.board_name IS 'The board (nämnd) that decides placements and to which an appeal is sent (default "Barn- och skolnämnden")';
COMMENT ON COLUMN skolval.document_settings.board_address IS 'The board''s postal address, printed in letters for appeals, for example "Box 41, 221 00 Lund"';
COMMENT ON COLUMN skolval.document_settings.contact IS 'Who guardians and units may contact with questions, printed in letters and statements';
COMMENT ON COLUMN skolval.document_settings.font_path IS 'Absolute path of the regular TrueType font embedded in PDFs (default DejaVu Sans from the Debian package fonts-dejavu-core)';
COMMENT ON COLUMN skolval.document_settings.bold_font_path IS 'Absolute path of a bold TrueType font, for example /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf. NULL (the default): bold is drawn from the regular font (outlines stroked), which makes each PDF about 10 ms faster and 90 kB smaller';
COMMENT ON COLUMN skolval.document_settings.updated_at IS 'When the settings last changed';

CREATE FUNCTION skolval.document_setup(
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

CREATE FUNCTION skolval.document_font(bold boolean DEFAULT false) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN bold THEN s.bold_font_path ELSE s.font_path END FROM skolval.document_setup() s $$;
COMMENT ON FUNCTION skolval.document_font(boolean) IS
  'Path of the TrueType font embedded in PDFs: skolval.document_settings, by default /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf (Debian package fonts-dejavu-core); with bold => true the bold font, NULL by default (bold drawn from the regular font)';

CREATE FUNCTION skolval.configure_documents(
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
CREATE FUNCTION skolval._document_municipality() RETURNS text
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

CREATE FUNCTION skolval.personal_number_display(personal_number text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT substr(personal_number, 1, 8) || '-' || substr(personal_number, 9, 4) $$;
COMMENT ON FUNCTION skolval.personal_number_display(text) IS
  'A 12-digit personal identity number as printed in letters: YYYYMMDD-NNNN';

-- ---------------------------------------------------------------------------------------
-- Decision letters
-- ---------------------------------------------------------------------------------------

-- No-break spaces (U+00A0) inside numbers ("1 576") and before a unit ("576 m", "12 kr"), so
-- that a wrapped line never separates them.
CREATE FUNCTION skolval._keep_numbers(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT regexp_replace(t, '(\d) (?=\d{3}(\D|$)|m\M|kr\M|%)', E'\\1\u00A0', 'g') $$;

CREATE FUNCTION skolval.decision_letter_content(run_id bigint, child_id bigint)
RETURNS TABLE (ord integer, part text, label text, body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.placement_run;
  rd skolval.placement_round;
  d skolval.placement_decision;
  res skolval.residence;
  u skolval.unit;
  setup record;
  muni text;
  ref text;
  title text;
  form_sv text;
  kind_sv text;
  motivation text;
  appeal text;
  contested boolean;
  n integer := 0;
BEGIN
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
  SELECT * INTO d FROM skolval.placement_decision x
   WHERE x.run_id = run.run_id AND x.child_id = decision_letter_content.child_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'child % is not placed in placement run %', decision_letter_content.child_id, run.run_id
      USING ERRCODE = 'no_data_found';
  END IF;
  muni := skolval._document_municipality();
  SELECT * INTO setup FROM skolval.document_setup();
  SELECT * INTO rd FROM skolval.placement_round x WHERE x.round_id = run.round_id;
  SELECT x.* INTO u FROM skolval.unit x WHERE x.unit_code = d.unit_code;
  IF NOT d.protected_identity THEN
    SELECT r.* INTO res FROM skolval.round_home h JOIN skolval.residence r ON r.residence_id = h.residence_id
     WHERE h.round_id = run.round_id AND h.child_id = d.child_id;
  END IF;
  form_sv := CASE rd.school_form WHEN 'forskoleklass' THEN 'förskoleklass' WHEN 'grundskola' THEN 'grundskola'
                                 WHEN 'fritidshem' THEN 'fritidshem' WHEN 'forskola' THEN 'förskola' END;
  ref := pg_catalog.format('%s, beslut %s-%s', rd.name, run.run_id, d.child_id);
  title := 'Beslut om plats i ' || form_sv;

  kind_sv := CASE d.kind
    WHEN 'wish' THEN CASE WHEN d.wish_rank = 1 THEN 'Ert önskemål 1 (förstahandsval)'
                          ELSE pg_catalog.format('Ert önskemål %s', d.wish_rank) END
    WHEN 'near_home_offer' THEN 'Den kommunala skola som ligger närmast hemmet (ni har inte gjort något skolval)'
    ELSE 'Skola med ledig plats (inget av era önskemål kunde tillgodoses)' END;

  -- The stored motivation, unchanged, in paragraphs: the legal ground, the ordered rules as a
  -- list, how walking is measured, each wish not met, the closing sentence.
  motivation := d.motivation_sv;
  motivation := replace(motivation, ' När en skola har fler sökande än platser', E'\nNär en skola har fler sökande än platser');
  motivation := regexp_replace(motivation, '(: |; )(\d+\)) ', E'\\1\n\t\\2 ', 'g');
  motivation := regexp_replace(motivation, ' (Gångvägen mäts|Önskemål \d+, )', E'\n\\1', 'g');
  motivation := replace(motivation, ' Inget önskemål kunde tillgodoses.', E'\nInget önskemål kunde tillgodoses.');
  motivation := replace(motivation, ' Ni har inte gjort något skolval.', E'\nNi har inte gjort något skolval.');
  motivation := replace(motivation, ' ' || d.unit_name || ' hade plats för alla', E'\n' || d.unit_name || ' hade plats för alla');
  motivation := replace(motivation, ' På ' || d.unit_name || ' fick ert barn plats', E'\nPå ' || d.unit_name || ' fick ert barn plats');

  -- How to appeal. A wish that was turned away (or a placement where none could be met) is a
  -- placement against the guardians' wish: förvaltningsbesvär (28 kap. 5 § skollagen), sent to
  -- the board within three weeks of being notified. A decision that met the first wish, or a
  -- placement without any wish, is not against a wish: laglighetsprövning (13 kap. kommunallagen).
  contested := d.kind = 'administrative'
            OR EXISTS (SELECT 1 FROM skolval.placement_wish w WHERE w.run_id = run.run_id AND w.child_id = d.child_id
                          AND w.outcome = 'rejected' AND NOT w.implicit);
  IF contested THEN
    appeal := 'Om ni inte är nöjda med beslutet kan ni överklaga det till förvaltningsrätten (förvaltningsbesvär enligt 28 kap. 5 § skollagen).'
      || E'\n' || pg_catalog.format('Skicka överklagandet till %s, %s%s. Skriv vilket beslut ni överklagar (ange referensen %s), hur ni vill att beslutet ska ändras och varför. Skriv under och ange namn, adress och telefonnummer.',
                                    setup.board_name, muni, coalesce(', ' || setup.board_address, ''), ref)
      || E'\n' || 'Ni ska överklaga inom tre veckor från den dag ni fick del av beslutet. Ett överklagande som kommer in för sent kan inte prövas.'
      || E'\n' || pg_catalog.format('%s prövar först om beslutet ska ändras. Gör nämnden inte det skickar den överklagandet vidare till förvaltningsrätten.', setup.board_name);
  ELSE
    appeal := CASE WHEN d.kind = 'wish'
                   THEN 'Ert barn har fått plats enligt ert förstahandsval. Beslutet har inte gått er emot och kan därför inte överklagas genom förvaltningsbesvär.'
                   ELSE 'Ni har inte gjort något skolval, och ert barn erbjuds plats på den kommunala skola som ligger närmast hemmet. Beslutet går inte emot något önskemål och kan därför inte överklagas genom förvaltningsbesvär.' END
      || E'\n' || pg_catalog.format('Vill ni att ert barn ska gå på en annan skola kan ni ansöka om skolbyte hos %s, %s%s.',
                                    setup.board_name, muni, coalesce(', ' || setup.board_address, ''))
      || E'\n' || 'Den som är medlem i kommunen kan överklaga beslutet genom laglighetsprövning (13 kap. kommunallagen). Överklagandet skickas till förvaltningsrätten och ska ha kommit in inom tre veckor från den dag då det tillkännagavs på kommunens anslagstavla att protokollet där beslutet redovisas har justerats.';
  END IF;

  -- A number never breaks from its unit across lines: "3 853 m" keeps no-break spaces.
  d.decision_sv := skolval._keep_numbers(d.decision_sv);
  motivation := skolval._keep_numbers(motivation);

  RETURN QUERY
  SELECT (row_number() OVER ())::integer, x.part, x.label, x.body
    FROM (VALUES
      ('sender', NULL, muni),
      ('sender_unit', NULL, setup.board_name),
      ('doc_kind', NULL, 'BESLUT'),
      ('date', NULL, 'Datum ' || coalesce(run.published_at::date, pg_catalog.now()::date)::text),
      ('reference', NULL, 'Referens ' || ref),
      ('title', NULL, title),
      ('running_head', NULL, title || ' · ' || ref),
      ('footer', NULL, muni || ' · ' || setup.board_name || coalesce(' · ' || setup.board_address, ''))
    ) x(part, label, body)
  UNION ALL
  -- The address block: a protected child's letter goes through Skatteverket, with no name and
  -- no address, only the child's reference.
  SELECT (100 + row_number() OVER ())::integer, 'recipient', NULL, l
    FROM unnest(CASE WHEN d.protected_identity
                     THEN ARRAY['Barn-id ' || d.child_id, 'Skyddad identitet:', 'skickas via Skatteverket']
                     ELSE array_remove(ARRAY['Till vårdnadshavare för',
                                             nullif(btrim(concat_ws(' ', d.given_name, d.family_name)), ''),
                                             d.address,
                                             nullif(btrim(concat_ws(' ', res.postal_code, res.postal_town)), '')], NULL) END) l
  UNION ALL
  SELECT (200 + o)::integer, 'fact', f.label, f.body
    FROM (VALUES
      (1, 'Barn', CASE WHEN d.protected_identity THEN 'Barn-id ' || d.child_id || ' (skyddad identitet)'
                       ELSE concat_ws(', ', nullif(btrim(concat_ws(' ', d.given_name, d.family_name)), ''),
                                      skolval.personal_number_display(d.personal_number)) END),
      (2, 'Skola', d.unit_name || coalesce(', ' || u.address, '')),
      (3, 'Skolstart', skolval.date_sv(rd.start_date)),
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
      (4, 'Frågor', 'Har ni frågor om beslutet kan ni kontakta ' || setup.contact || '.')
    ) s(o, label, body)
   WHERE s.body IS NOT NULL
  ORDER BY 1;
END $$;
COMMENT ON FUNCTION skolval.decision_letter_content(bigint, bigint) IS
  'The words of a decision letter for a child of a published placement run, part by part in print order: letterhead (sender, board, date, reference), the address block, title, facts (child, school, start, kind of placement, walking distance), and the sections Beslut, Motivering (the stored motivation in paragraphs), how to appeal (förvaltningsbesvär to the board within three weeks of notification when a wish was turned away, otherwise laglighetsprövning) and Frågor. A child with protected identity gets neither name, personal number nor address: only the child id, for forwarding through Skatteverket';

CREATE FUNCTION skolval.decision_letter(run_id bigint, child_id bigint) RETURNS bytea
  LANGUAGE c STRICT VOLATILE
  AS 'MODULE_PATHNAME', 'skolval_decision_letter';
COMMENT ON FUNCTION skolval.decision_letter(bigint, bigint) IS
  'The decision letter of a child of a published placement run as a PDF (A4, DejaVu Sans embedded): skolval.decision_letter_content() laid out with libharu';

CREATE FUNCTION skolval.decision_letters(run_id bigint)
RETURNS TABLE (child_id bigint, filename text, pdf bytea)
  LANGUAGE sql VOLATILE
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
CREATE FUNCTION skolval._hsl_hex(h double precision, s double precision, l double precision) RETURNS text
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
CREATE FUNCTION skolval._fill_class(placed integer, seats integer) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN coalesce(seats, 0) = 0 THEN 5
                    WHEN placed < 0.8 * seats THEN 1 WHEN placed < 0.95 * seats THEN 2
                    WHEN placed < seats THEN 3 ELSE 4 END $$;

-- The homes of a run's children: every placed child with its unit; the home point is NULL for a
-- child with protected identity, who is only counted.
CREATE FUNCTION skolval._map_homes(run_id bigint)
RETURNS TABLE (child_id bigint, unit_id bigint, protected boolean, home geometry)
  LANGUAGE sql STABLE
  AS $$
  SELECT p.child_id, p.unit_id, c.protected_identity, CASE WHEN c.protected_identity THEN NULL ELSE r.home END
    FROM skolval.placement p
    JOIN skolval.placement_run x ON x.run_id = p.run_id
    JOIN skolval.child c ON c.child_id = p.child_id
    LEFT JOIN skolval.round_home rh ON rh.round_id = x.round_id AND rh.child_id = p.child_id
    LEFT JOIN skolval.residence r ON r.residence_id = rh.residence_id
   WHERE p.run_id = _map_homes.run_id
$$;

-- The units of a run on the map: position, radius (area by seats) and ring colour.
CREATE FUNCTION skolval._map_units(run_id bigint, x0 double precision, y1 double precision,
                                   rmax double precision, fs double precision, max_seats integer)
RETURNS TABLE (unit_id bigint, unit_code text, name text, organizer text, seats integer, placed integer,
               cx double precision, cy double precision, r double precision, colour text)
  LANGUAGE sql STABLE
  AS $$
  SELECT pu.unit_id, u.unit_code, u.name, u.organizer::text, pu.seats, pu.placed,
         ST_X(u.location) - x0, y1 - ST_Y(u.location),
         greatest(rmax * sqrt(pu.seats::double precision / max_seats), fs * 0.6),
         skolval._hsl_hex(210 + (row_number() OVER (ORDER BY pu.unit_id) - 1) * 137.508, 0.7, 0.42)
    FROM skolval.placement_unit pu
    JOIN skolval.unit u ON u.unit_id = pu.unit_id
   WHERE pu.run_id = _map_units.run_id
$$;

CREATE FUNCTION skolval.placement_map_svg(run_id bigint, child_id bigint DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.placement_run;
  rd skolval.placement_round;
  nid bigint;
  box geometry;
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
  route_line geometry;
  route_note text;
  rc record;
  legend xml;
  svg xml;
  fill_colours CONSTANT text[] := ARRAY['#1a9850', '#fee08b', '#fc8d59', '#d73027', '#bdbdbd'];
  fill_labels CONSTANT text[] := ARRAY['under 80 %', '80–94 %', '95–99 %', 'full', 'inga platser'];
BEGIN
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = placement_map_svg.run_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement run % does not exist', placement_map_svg.run_id USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO rd FROM skolval.placement_round x WHERE x.round_id = run.round_id;
  nid := coalesce(skolval.active_network_id(), run.network_id);
  IF nid IS NULL THEN
    RAISE EXCEPTION 'no active network' USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  SELECT count(*) FILTER (WHERE m.home IS NOT NULL), count(*) FILTER (WHERE m.protected)
    INTO n_shown, n_hidden FROM skolval._map_homes(run.run_id) m;

  -- One child's walking route, never for a child with protected identity (it starts at home).
  IF placement_map_svg.child_id IS NOT NULL THEN
    SELECT p.child_id, p.unit_id, c.protected_identity, rh.residence_id INTO rc
      FROM skolval.placement p
      JOIN skolval.child c ON c.child_id = p.child_id
      LEFT JOIN skolval.round_home rh ON rh.round_id = run.round_id AND rh.child_id = p.child_id
     WHERE p.run_id = run.run_id AND p.child_id = placement_map_svg.child_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'child % is not placed in placement run %', placement_map_svg.child_id, run.run_id
        USING ERRCODE = 'no_data_found';
    END IF;
    IF rc.protected_identity THEN
      route_note := pg_catalog.format('Gångvägen för barn-id %s visas inte: barnet har skyddad identitet.', rc.child_id);
    ELSE
      route_line := skolval.route(rc.residence_id, rc.unit_id, nid);
      route_note := pg_catalog.format('Svart linje: gångvägen för barn-id %s från hemmet (vit ring) till %s, %s.', rc.child_id,
                                      (SELECT u.name FROM skolval.unit u WHERE u.unit_id = rc.unit_id),
                                      skolval.criterion_value_sv('distance', ST_Length(route_line)));
    END IF;
  END IF;

  -- The frame: the network, the units and the homes shown, with a margin; the legend below.
  SELECT ST_Envelope(ST_Collect(g)) INTO box FROM (
    SELECT coalesce(n.extent, (SELECT ST_SetSRID(ST_Extent(e.geom)::geometry, n.srid) FROM skolval.edge e WHERE e.network_id = n.network_id)) AS g
      FROM skolval.network n WHERE n.network_id = nid
    UNION ALL
    SELECT u.location FROM skolval.placement_unit pu JOIN skolval.unit u ON u.unit_id = pu.unit_id WHERE pu.run_id = run.run_id
    UNION ALL
    SELECT m.home FROM skolval._map_homes(run.run_id) m WHERE m.home IS NOT NULL) q;
  w := ST_XMax(box) - ST_XMin(box);
  h := ST_YMax(box) - ST_YMin(box);
  pad := greatest(0.03 * greatest(w, h), 50);
  x0 := ST_XMin(box) - pad;
  y1 := ST_YMax(box) + pad;
  w := w + 2 * pad;
  h := h + 2 * pad;
  fs := greatest(w, h) / 80;
  legend_h := fs * (9.2 + CASE WHEN route_note IS NULL THEN 0 ELSE 1.5 END);
  SELECT greatest(max(pu.seats), 1) INTO max_seats FROM skolval.placement_unit pu WHERE pu.run_id = run.run_id;
  rmax := greatest(w, h) / 55;

  -- The legend, under the map.
  legend := xmlelement(name g, xmlattributes('legend' AS class),
    xmlelement(name rect, xmlattributes('legend-box' AS class, 0 AS x, round(h::numeric, 1) AS y,
                                        round(w::numeric, 1) AS width, round(legend_h::numeric, 1) AS height)),
    xmlelement(name text, xmlattributes('legend-title' AS class, round(fs::numeric, 1) AS x,
                                        round((h + fs * 1.8)::numeric, 1) AS y, round((fs * 1.2)::numeric, 1) AS "font-size"),
               pg_catalog.format('%s – %s, placering %s (%s)', skolval._document_municipality(), rd.name, run.run_id,
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
    xmlelement(name title, pg_catalog.format('%s: placering %s, %s', rd.name, run.run_id, skolval._document_municipality())),
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
    (SELECT xmlagg(xmlelement(name path, xmlattributes(f.feature AS class,
                     ST_AsSVG(ST_Translate(f.geom, -x0, -y1), 0, 1) AS d)) ORDER BY f.feature DESC)
       FROM skolval.demo_feature f WHERE f.network_id = nid AND f.feature IN ('river', 'railway')),
    (SELECT xmlagg(xmlelement(name path, xmlattributes(CASE WHEN major THEN 'network major' ELSE 'network' END AS class,
                     ST_AsSVG(ST_Translate(g, -x0, -y1), 0, 1) AS d)) ORDER BY major)
       FROM (SELECT e.kind IN ('primary', 'secondary', 'tertiary', 'trunk', 'bridge') AS major, ST_Collect(e.geom) AS g
               FROM skolval.edge e WHERE e.network_id = nid GROUP BY 1) n),
    xmlelement(name g, xmlattributes('homes' AS class),
      (SELECT xmlagg(xmlelement(name circle, xmlattributes('home' AS class,
                       round((ST_X(m.home) - x0)::numeric, 1) AS cx, round((y1 - ST_Y(m.home))::numeric, 1) AS cy,
                       round((fs / 2.6)::numeric, 1) AS r, uc.colour AS fill, m.unit_id AS "data-unit")) ORDER BY m.child_id)
         FROM skolval._map_homes(run.run_id) m
         JOIN (SELECT pu.unit_id, skolval._hsl_hex(210 + (row_number() OVER (ORDER BY pu.unit_id) - 1) * 137.508, 0.7, 0.42) AS colour
                 FROM skolval.placement_unit pu WHERE pu.run_id = run.run_id) uc ON uc.unit_id = m.unit_id
        WHERE m.home IS NOT NULL)),
    -- the route: black on a white casing, with a ring at the home it starts from
    CASE WHEN route_line IS NOT NULL THEN
      xmlconcat(
        xmlelement(name path, xmlattributes('route-casing' AS class, ST_AsSVG(ST_Translate(route_line, -x0, -y1), 0, 1) AS d)),
        xmlelement(name path, xmlattributes('route' AS class, ST_AsSVG(ST_Translate(route_line, -x0, -y1), 0, 1) AS d)),
        xmlelement(name circle, xmlattributes('route-home' AS class,
                     round((ST_X(ST_StartPoint(route_line)) - x0)::numeric, 1) AS cx,
                     round((y1 - ST_Y(ST_StartPoint(route_line)))::numeric, 1) AS cy, round((fs * 0.7)::numeric, 1) AS r))) END,
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

CREATE FUNCTION skolval.amount_sv(amount numeric) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT CASE WHEN round(amount, 2) < 0 THEN '-' ELSE '' END
               || replace(regexp_replace(to_char(abs(round(amount, 2)), 'FM999999999999990.00'),
                                         '(\d)(?=(\d{3})+\.)', '\1 ', 'g'), '.', ',') $$;
COMMENT ON FUNCTION skolval.amount_sv(numeric) IS
  'An amount in kronor as printed on statements: two decimals, decimal comma, spaces between thousands ("-1 234 567,50")';

CREATE FUNCTION skolval.month_sv(month date) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT (ARRAY['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti',
                      'september', 'oktober', 'november', 'december'])[extract(month FROM month)::int]
               || ' ' || extract(year FROM month)::int $$;
COMMENT ON FUNCTION skolval.month_sv(date) IS 'A month written out in Swedish, for example "mars 2027"';

CREATE FUNCTION skolval.payment_status_sv(status text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT CASE status WHEN 'draft' THEN 'utkast' WHEN 'approved' THEN 'godkänd' WHEN 'locked' THEN 'låst' END $$;
COMMENT ON FUNCTION skolval.payment_status_sv(text) IS 'A payment run''s status in Swedish: utkast (draft), godkänd (approved), låst (locked, paid)';

CREATE FUNCTION skolval.payment_flag_sv(flag text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT CASE flag
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
         ELSE flag END $$;
COMMENT ON FUNCTION skolval.payment_flag_sv(text) IS 'A payment row flag (an issue that touches the row) in Swedish, for statements and files';

-- The run and the unit of a statement, or a clear error.
CREATE FUNCTION skolval._statement_check(run_id bigint, unit_id bigint) RETURNS skolval.payment_run
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.payment_run;
BEGIN
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

CREATE FUNCTION skolval.payment_statement_categories(run_id bigint, unit_id bigint)
RETURNS TABLE (sort_order integer, category text, children bigint, base numeric, premises numeric,
               admin numeric, vat numeric, amount numeric)
LANGUAGE sql STABLE AS $$
  SELECT min(coalesce(c.sort_order, 1000000) + CASE WHEN pr.kind = 'supplement' THEN 2000000 ELSE 0 END)::integer,
         pr.category_name, count(DISTINCT pr.child_id),
         sum(pr.base), sum(pr.premises), sum(pr.admin), sum(pr.vat), sum(pr.amount)
    FROM skolval.payment_row pr
    LEFT JOIN skolval.payment_category c ON c.category_code = pr.category_code
   WHERE pr.run_id = payment_statement_categories.run_id AND pr.unit_id = payment_statement_categories.unit_id
     AND pr.corrects_month IS NULL AND NOT pr.held
   GROUP BY pr.kind, pr.category_name
   ORDER BY 1, 2
$$;
COMMENT ON FUNCTION skolval.payment_statement_categories(bigint, bigint) IS
  'A statement''s table per category: for the run''s own month (not corrections, not held rows) the children counted and the amounts (base, premises, administration, VAT, total) of one unit; supplements (Tilläggsbelopp) last';

CREATE FUNCTION skolval.payment_statement_children(run_id bigint, unit_id bigint)
RETURNS TABLE (section text, corrects_month date, name text, birth_date date, category text,
               children integer, amount numeric, note text)
LANGUAGE sql STABLE AS $$
  WITH r AS (
    SELECT CASE WHEN pr.held THEN 'held' WHEN pr.corrects_month IS NOT NULL THEN 'correction' ELSE 'month' END AS section,
           pr.corrects_month, pr.child_id, c.protected_identity AS protected,
           nullif(btrim(concat_ws(', ', c.family_name, c.given_name)), '') AS name, c.birth_date,
           pr.category_name
             || CASE WHEN pr.days_in_month > 1 AND pr.days < pr.days_in_month
                     THEN pg_catalog.format(' (%s av %s dagar)', pr.days, pr.days_in_month) ELSE '' END AS category,
           pr.amount,
           (SELECT string_agg(skolval.payment_flag_sv(f), ', ' ORDER BY f) FROM unnest(pr.flags) f
             WHERE pr.held OR f IN ('owed', 'reclaim')) AS note,
           pr.kind, pr.row_no
      FROM skolval.payment_row pr
      JOIN skolval.child c ON c.child_id = pr.child_id
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
            x.last, x.name, x.birth_date, x.kind, x.row_no
$$;
COMMENT ON FUNCTION skolval.payment_statement_children(bigint, bigint) IS
  'A statement''s list of individuals of one unit: section month (paid for the run''s month), correction (for an earlier month, corrects_month) or held (computed, not paid, with the reason). Children with protected identity are never named: they are one line "Barn med skyddad identitet" per section with their number and amount';

CREATE FUNCTION skolval.payment_statement_content(run_id bigint, unit_id bigint)
RETURNS TABLE (ord integer, part text, label text, body text, cells text[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.payment_run := skolval._statement_check(run_id, unit_id);
  u skolval.unit;
  setup record;
  muni text;
  month_text text;
  t record;
  n_month integer;
  n_protected integer;
  has_corrections boolean;
  has_held boolean;
BEGIN
  muni := skolval._document_municipality();
  SELECT * INTO setup FROM skolval.document_setup();
  SELECT * INTO u FROM skolval.unit x WHERE x.unit_id = payment_statement_content.unit_id;
  month_text := skolval.month_sv(run.month);
  SELECT coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL), 0) AS month_amount,
         coalesce(sum(pr.base) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL), 0) AS base,
         coalesce(sum(pr.premises) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL), 0) AS premises,
         coalesce(sum(pr.admin) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL), 0) AS admin,
         coalesce(sum(pr.vat) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL), 0) AS vat,
         coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NOT NULL), 0) AS corrections,
         coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held), 0) AS to_pay,
         coalesce(sum(pr.amount) FILTER (WHERE pr.held), 0) AS held
    INTO t
    FROM skolval.payment_row pr WHERE pr.run_id = run.run_id AND pr.unit_id = u.unit_id;
  SELECT count(DISTINCT pr.child_id) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL),
         count(DISTINCT pr.child_id) FILTER (WHERE c.protected_identity AND NOT pr.held AND pr.corrects_month IS NULL),
         bool_or(pr.corrects_month IS NOT NULL AND NOT pr.held), bool_or(pr.held)
    INTO n_month, n_protected, has_corrections, has_held
    FROM skolval.payment_row pr JOIN skolval.child c ON c.child_id = pr.child_id
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
      ('sender_unit', NULL, setup.board_name),
      ('doc_kind', NULL, 'BIDRAGSSPECIFIKATION'),
      ('date', NULL, 'Utbetalningsmånad ' || month_text),
      ('reference', NULL, pg_catalog.format('Utbetalningskörning %s, enhet %s', run.run_id, u.unit_code)),
      ('title', NULL, pg_catalog.format('Bidrag till %s, %s', u.name, month_text)),
      ('banner', NULL, CASE run.status WHEN 'draft' THEN 'UTKAST – underlaget är inte godkänt och har inte betalats ut' END),
      ('running_head', NULL, pg_catalog.format('%s · %s · körning %s', u.name, month_text, run.run_id)),
      ('footer', NULL, muni || ' · ' || setup.board_name || ' · bidrag till fristående verksamhet')
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
      (6, 'Att betala', skolval.amount_sv(t.to_pay) || ' kr')
    ) f(o, label, body)
   WHERE f.body IS NOT NULL
  UNION ALL
  -- Per category, with a total row.
  SELECT 200, 'table', 'Belopp per kategori', 'l28,r8,r15,r13,r11,r11,r15',
         ARRAY['Kategori', 'Barn', 'Grundbelopp', 'Lokaler', 'Adm.', 'Moms', 'Summa']
  UNION ALL
  SELECT (200 + row_number() OVER (ORDER BY c.sort_order, c.category))::integer, 'row', NULL, NULL,
         ARRAY[c.category, c.children::text, skolval.amount_sv(c.base), skolval.amount_sv(c.premises),
               skolval.amount_sv(c.admin), skolval.amount_sv(c.vat), skolval.amount_sv(c.amount)]
    FROM skolval.payment_statement_categories(run.run_id, u.unit_id) c
  UNION ALL
  SELECT 299, 'row', NULL, 'total',
         ARRAY[pg_catalog.format('Summa %s', month_text), n_month::text, skolval.amount_sv(t.base), skolval.amount_sv(t.premises),
               skolval.amount_sv(t.admin), skolval.amount_sv(t.vat), skolval.amount_sv(t.month_amount)]
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
      (5, 'Korrigeringar för tidigare månader', skolval.amount_sv(t.corrections), NULL),
      (6, 'Att betala', skolval.amount_sv(t.to_pay) || ' kr', 'total'),
      (7, 'Innehålls (betalas när felet är rättat)', skolval.amount_sv(t.held), NULL)
    ) v(o, l, v, st)
   WHERE v.o <> 7 OR has_held
  UNION ALL
  SELECT 400000 + o, 'section', h, b, NULL
    FROM (VALUES
      (1, 'Så räknas bidraget',
          'Grundbelopp och lokaler är en tolftedel av årsbeloppet för barnets kategori. Administration är en procentsats av grundbelopp och lokaler, moms en procentsats av grundbelopp, lokaler och administration; beloppen för varje kategori finns i kommunens beslut om bidragsbelopp. Tilläggsbelopp betalas enligt särskilt beslut för ett barn. Ett barn kan räknas i flera kategorier, till exempel grundskola och fritidshem.'
          || CASE WHEN has_corrections THEN E'\nKorrigeringar gäller tidigare månader: ett positivt belopp har enheten tillgodo, ett negativt betalas tillbaka genom avdrag.' ELSE '' END),
      (2, 'Skyddad identitet',
          CASE WHEN n_protected > 0 OR EXISTS (SELECT 1 FROM ch s WHERE s.name = 'Barn med skyddad identitet' AND s.birth_date IS NULL)
               THEN 'Barn med skyddad identitet räknas och ersätts som andra barn men namnges inte i specifikationen.' END),
      (3, 'Frågor', 'Frågor om underlaget: ' || setup.contact || '.')
    ) s(o, h, b)
   WHERE s.b IS NOT NULL
  ORDER BY 1;
END $$;
COMMENT ON FUNCTION skolval.payment_statement_content(bigint, bigint) IS
  'The content of a payment statement for one unit and the month of a payment run, part by part in print order: letterhead, facts (unit, organizer, month, count date, status, amount to pay), tables (amounts per category with a total, the children paid for, corrections for earlier months, held rows, what is paid) and explanations. Amounts are formatted with skolval.amount_sv(); children with protected identity are counted and paid but never named';

CREATE FUNCTION skolval.payment_statement(run_id bigint, unit_id bigint) RETURNS bytea
  LANGUAGE c STRICT VOLATILE
  AS 'MODULE_PATHNAME', 'skolval_payment_statement';
COMMENT ON FUNCTION skolval.payment_statement(bigint, bigint) IS
  'The payment statement (bidragsspecifikation) of one unit for the month of a payment run as a PDF: skolval.payment_statement_content() laid out with libharu, DejaVu Sans embedded';

CREATE FUNCTION skolval.payment_statements(run_id bigint)
RETURNS TABLE (unit_id bigint, unit_code text, filename text, pdf bytea)
  LANGUAGE sql VOLATILE
  AS $$
  SELECT u.unit_id, u.unit_code,
         pg_catalog.format('bidrag-%s-%s.pdf', to_char(r.month, 'YYYY-MM'),
                           regexp_replace(u.unit_code, '[^A-Za-z0-9_-]', '_', 'g')),
         skolval.payment_statement(r.run_id, u.unit_id)
    FROM skolval.payment_run r
    JOIN skolval.unit u ON u.unit_id IN (SELECT pr.unit_id FROM skolval.payment_row pr WHERE pr.run_id = r.run_id)
   WHERE r.run_id = payment_statements.run_id
   ORDER BY u.unit_code
$$;
COMMENT ON FUNCTION skolval.payment_statements(bigint) IS
  'The payment statements of every unit with rows in a payment run, with a file name bidrag-YYYY-MM-<unit code>.pdf';

-- ---------------------------------------------------------------------------------------
-- The payment file (XLSX)
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION skolval.payment_file_rows(run_id bigint)
RETURNS TABLE ("Rad" integer, "Månad" date, "Avser månad" date, "Enhetskod" text, "Enhet" text, "Huvudman" text,
               "Barn-id" bigint, "Namn" text, "Födelsedatum" date, "Typ" text, "Kategorikod" text, "Kategori" text,
               "Räknedag" date, "Dagar" integer, "Grundbelopp" numeric, "Lokaler" numeric, "Administration" numeric,
               "Moms" numeric, "Belopp" numeric, "Förvaltning" text, "Konto" text, "Innehålls" text, "Anmärkning" text)
LANGUAGE sql STABLE AS $$
  SELECT pr.row_no, r.month, pr.corrects_month, u.unit_code, u.name, u.organizer_name,
         pr.child_id,
         CASE WHEN c.protected_identity THEN 'skyddad identitet'
              ELSE nullif(btrim(concat_ws(', ', c.family_name, c.given_name)), '') END,
         CASE WHEN c.protected_identity THEN NULL ELSE c.birth_date END,
         CASE pr.kind WHEN 'grant' THEN 'grundbelopp' ELSE 'tilläggsbelopp' END,
         pr.category_code, pr.category_name, pr.count_date,
         CASE WHEN pr.days_in_month > 1 THEN pr.days::integer END,
         pr.base, pr.premises, pr.admin, pr.vat, pr.amount, pr.administration, pr.account,
         CASE WHEN pr.held THEN 'ja' ELSE 'nej' END,
         (SELECT string_agg(skolval.payment_flag_sv(f), ', ' ORDER BY f) FROM unnest(pr.flags) f)
    FROM skolval.payment_row pr
    JOIN skolval.payment_run r ON r.run_id = pr.run_id
    LEFT JOIN skolval.unit u ON u.unit_id = pr.unit_id
    LEFT JOIN skolval.child c ON c.child_id = pr.child_id
   WHERE pr.run_id = payment_file_rows.run_id
   ORDER BY pr.row_no
$$;
COMMENT ON FUNCTION skolval.payment_file_rows(bigint) IS
  'Sheet "Rader" of the payment file: every row of a payment run (held rows and corrections included, marked), one column per field. A child with protected identity has the name "skyddad identitet" and no birth date, only the child id';

CREATE FUNCTION skolval.payment_file_units(run_id bigint)
RETURNS TABLE ("Enhetskod" text, "Enhet" text, "Huvudman" text, "Barn" bigint, "Grundbelopp" numeric,
               "Lokaler" numeric, "Administration" numeric, "Moms" numeric, "Bidrag för månaden" numeric,
               "Korrigeringar" numeric, "Att betala" numeric, "Innehålls" numeric)
LANGUAGE sql STABLE AS $$
  WITH per_unit AS (
    SELECT u.unit_code, u.name, u.organizer_name,
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
      LEFT JOIN skolval.unit u ON u.unit_id = pr.unit_id
     WHERE pr.run_id = payment_file_units.run_id
     GROUP BY u.unit_code, u.name, u.organizer_name)
  SELECT * FROM (
    SELECT p.unit_code, p.name, p.organizer_name, p.children, p.base, p.premises, p.admin, p.vat,
           p.month_amount, p.corrections, p.to_pay, p.held
      FROM per_unit p
    UNION ALL
    SELECT 'Summa', NULL, NULL,
           (SELECT count(DISTINCT pr.child_id) FROM skolval.payment_row pr
             WHERE pr.run_id = payment_file_units.run_id AND NOT pr.held AND pr.corrects_month IS NULL),
           coalesce(sum(p.base), 0), coalesce(sum(p.premises), 0), coalesce(sum(p.admin), 0), coalesce(sum(p.vat), 0),
           coalesce(sum(p.month_amount), 0), coalesce(sum(p.corrections), 0), coalesce(sum(p.to_pay), 0), coalesce(sum(p.held), 0)
      FROM per_unit p) x
  ORDER BY x.unit_code = 'Summa' AND x.name IS NULL, x.unit_code
$$;
COMMENT ON FUNCTION skolval.payment_file_units(bigint) IS
  'Sheet "Per enhet" of the payment file: per unit the children and amounts of the month (not held), corrections, the amount to pay and the amount held, and a last row "Summa" (the run''s total to pay equals payment_run.amount)';

CREATE FUNCTION skolval.payment_file_administrations(run_id bigint)
RETURNS TABLE ("Förvaltning" text, "Konto" text, "Skolform" text, "Barn" bigint, "Rader" bigint,
               "Grundbelopp" numeric, "Lokaler" numeric, "Administration" numeric, "Moms" numeric, "Belopp" numeric)
LANGUAGE sql STABLE AS $$
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
  ORDER BY x.administration = 'Summa' AND x.account IS NULL, x.administration, x.account, x.school_form
$$;
COMMENT ON FUNCTION skolval.payment_file_administrations(bigint) IS
  'Sheet "Per förvaltning" of the payment file: the paid rows (corrections included, held rows not) per administration (förvaltning), account and school form, and a last row "Summa"';

CREATE FUNCTION skolval.payment_xlsx(run_id bigint) RETURNS bytea
  LANGUAGE c STRICT VOLATILE
  AS 'MODULE_PATHNAME', 'skolval_payment_xlsx';
COMMENT ON FUNCTION skolval.payment_xlsx(bigint) IS
  'The payment file of a run as XLSX (libxlsxwriter): sheets "Rader" (skolval.payment_file_rows()), "Per enhet" (payment_file_units()) and "Per förvaltning" (payment_file_administrations()); numbers as numbers with "#,##0.00" formats, dates as dates, totals as stored values (no formulas). Written to a private temporary directory and always removed';

-- ==== sql/87_nightly_job.sql
-- skolval: the nightly job itself — distances of open rounds, the payment checks of the month,
-- and on the first day of a month the month's draft payment run.

CREATE FUNCTION skolval.nightly(today date DEFAULT NULL)
RETURNS TABLE (round_id bigint, round_name text, pairs bigint, pairs_computed bigint, open_issues bigint)
LANGUAGE plpgsql AS $$
DECLARE
  r skolval.placement_round;
  d record;
  started timestamptz := pg_catalog.clock_timestamp();
  done jsonb := '[]';
  this_day date := coalesce(today, CURRENT_DATE);
  this_month date := date_trunc('month', coalesce(today, CURRENT_DATE))::date;
  payments jsonb;
  run skolval.payment_run;
  has_rounds boolean;
BEGIN
  has_rounds := EXISTS (SELECT 1 FROM skolval.placement_round x
                         WHERE x.status <> 'published'
                           AND EXISTS (SELECT 1 FROM skolval.round_cohort c WHERE c.round_id = x.round_id));
  IF has_rounds AND skolval.active_network_id() IS NULL THEN
    RAISE EXCEPTION 'no active network: the nightly job has nothing to measure on'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  -- Rounds still open (not published) that have a cohort; each refresh is incremental and
  -- takes the round's own lock, so an analyst's run and the job never interleave.
  FOR r IN SELECT * FROM skolval.placement_round x
            WHERE x.status <> 'published'
              AND EXISTS (SELECT 1 FROM skolval.round_cohort c WHERE c.round_id = x.round_id)
            ORDER BY x.round_id
  LOOP
    SELECT * INTO d FROM skolval.compute_distances(r.round_id);
    round_id := r.round_id;
    round_name := r.name;
    pairs := d.pairs;
    pairs_computed := d.pairs_computed;
    SELECT count(*) INTO open_issues FROM skolval.data_issue i WHERE i.round_id = r.round_id AND i.resolved_at IS NULL;
    done := done || jsonb_build_object('round_id', round_id, 'pairs', pairs, 'pairs_computed', pairs_computed,
                                       'open_issues', open_issues, 'ms', d.milliseconds);
    RETURN NEXT;
  END LOOP;

  -- Payments, once categories are configured: every night the month's checks (nothing
  -- stored); on the first day of the month the month's draft run, unless one exists.
  IF EXISTS (SELECT 1 FROM skolval.payment_category) THEN
    SELECT jsonb_build_object('month', to_char(this_month, 'YYYY-MM'),
                              'errors', count(*) FILTER (WHERE c.severity = 'error'),
                              'warnings', count(*) FILTER (WHERE c.severity = 'warning'))
      INTO payments FROM skolval.payment_check(this_month) c;
    IF extract(day FROM this_day) = 1 AND NOT EXISTS (SELECT 1 FROM skolval.payment_run x WHERE x.month = this_month) THEN
      run := skolval.create_payment_run(this_month);
      payments := payments || jsonb_build_object('draft_run_id', run.run_id, 'rows', run.rows, 'amount', run.amount);
    END IF;
  END IF;

  INSERT INTO skolval.job_run (job, started_at, finished_at, outcome)
  VALUES ('nightly', started, pg_catalog.clock_timestamp(),
          jsonb_build_object('rounds', done) || coalesce(jsonb_build_object('payments', payments), '{}'));
END $$;
COMMENT ON FUNCTION skolval.nightly(date) IS
  'The nightly job: refresh the walking distances of every round not yet published (only new and moved homes and units are routed), run the month''s payment checks and, on the first day of a month, create the month''s draft payment run; records itself in skolval.job_run. today defaults to the current date. Safe to run while analysts work: each round is refreshed under its own lock';

-- ==== sql/90_audit.sql
-- skolval: the audit log — who changed the register, the configuration and the runs, when,
-- and what the rows looked like before and after.
--
-- Statement-level triggers with transition tables write one audit row per changed row: a
-- demo load or a staging merge of tens of thousands of rows costs one trigger call per
-- statement, not one per row. The trigger function is SECURITY DEFINER: nobody needs (or has)
-- INSERT on skolval.audit_log, so entries can only come from real changes, and the log is
-- append-only for everyone, superusers included. Only skolval_admin may read it (92_roles.sql):
-- it holds whole rows, personal identity numbers and names included.

CREATE TABLE skolval.audit_log (
  audit_id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  logged_at          timestamptz NOT NULL DEFAULT pg_catalog.statement_timestamp(),
  transaction_id     bigint NOT NULL,
  session_user_name  name NOT NULL,
  acting_role        name NOT NULL,
  application_name   text,
  action             text NOT NULL CONSTRAINT audit_log_action_known
                     CHECK (action IN ('insert', 'update', 'delete', 'truncate', 'allocate', 'publish',
                                       'create_payment_run', 'approve_payment_run', 'lock_payment_run')),
  table_name         text NOT NULL,
  row_key            jsonb,
  old_row            jsonb,
  new_row            jsonb
);
CREATE INDEX audit_log_row_idx ON skolval.audit_log (table_name, row_key);
COMMENT ON TABLE skolval.audit_log IS
  'Append-only log of every change to the register, the configuration, placement runs and payment runs: one row per changed row, written by statement triggers. Holds personal data (whole rows): readable by skolval_admin only; UPDATE, DELETE and TRUNCATE are refused';
COMMENT ON COLUMN skolval.audit_log.audit_id IS 'Order of logging';
COMMENT ON COLUMN skolval.audit_log.logged_at IS 'Start of the statement that made the change';
COMMENT ON COLUMN skolval.audit_log.transaction_id IS 'Transaction id (pg_current_xact_id): the entries of one transaction, for example one staging merge or one allocate(), share it';
COMMENT ON COLUMN skolval.audit_log.session_user_name IS 'The login role of the session (session_user)';
COMMENT ON COLUMN skolval.audit_log.acting_role IS
  'The role the session acted as: the role chosen with SET ROLE, otherwise the login role. For changes made inside skolval''s SECURITY DEFINER functions (allocate()) this is the caller, not the extension owner';
COMMENT ON COLUMN skolval.audit_log.application_name IS 'The client''s application_name, for example psql or pg_cron';
COMMENT ON COLUMN skolval.audit_log.action IS
  'insert, update, delete, truncate; for placement_run: allocate (a run was made, what-if runs included) and publish; for payment_run: create_payment_run, approve_payment_run, lock_payment_run';
COMMENT ON COLUMN skolval.audit_log.table_name IS 'The table changed (in schema skolval)';
COMMENT ON COLUMN skolval.audit_log.row_key IS 'The primary key of the row, for example {"child_id": 42}; NULL for truncate';
COMMENT ON COLUMN skolval.audit_log.old_row IS 'The row before the change (update, delete), as JSON; for truncate {"rows": n}';
COMMENT ON COLUMN skolval.audit_log.new_row IS 'The row after the change (insert, update, allocate, publish), as JSON';

-- The role a session acts as, also inside a SECURITY DEFINER function (where current_user is
-- the function's owner): the SET ROLE setting survives into the function, and SET ROLE itself
-- only accepts roles the login role is a member of.
CREATE FUNCTION skolval._acting_role() RETURNS name
  LANGUAGE sql STABLE
  AS $$ SELECT CASE WHEN pg_catalog.current_setting('role') = 'none' THEN SESSION_USER
                    ELSE pg_catalog.current_setting('role')::name END $$;
COMMENT ON FUNCTION skolval._acting_role() IS
  'The role the session acts as: the SET ROLE role, else the login role; unlike current_user also correct inside SECURITY DEFINER functions';

-- One audit row per changed row. The key columns come from the table's primary key; an update
-- pairs old and new rows by that key and logs only rows that really changed. Run status changes
-- get their own action names, and allocate()'s bookkeeping of its run time is not logged.
CREATE FUNCTION skolval._audit_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  keys text[];
  who name := skolval._acting_role();
  xid bigint := pg_catalog.pg_current_xact_id()::text::bigint;
  app text := nullif(pg_catalog.current_setting('application_name'), '');
  n bigint;
BEGIN
  SELECT pg_catalog.array_agg(a.attname::text ORDER BY pg_catalog.array_position(i.indkey::int2[], a.attnum))
    INTO keys
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
   WHERE i.indrelid = TG_RELID AND i.indisprimary;

  IF TG_OP = 'INSERT' THEN
    INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, application_name,
                                   action, table_name, row_key, new_row)
    SELECT xid, SESSION_USER, who, app,
           CASE TG_TABLE_NAME WHEN 'placement_run' THEN 'allocate' WHEN 'payment_run' THEN 'create_payment_run'
                              ELSE 'insert' END,
           TG_TABLE_NAME, (SELECT pg_catalog.jsonb_object_agg(k, x.j -> k) FROM pg_catalog.unnest(keys) k), x.j
      FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM new_rows r) x;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, application_name,
                                   action, table_name, row_key, old_row)
    SELECT xid, SESSION_USER, who, app, 'delete',
           TG_TABLE_NAME, (SELECT pg_catalog.jsonb_object_agg(k, x.j -> k) FROM pg_catalog.unnest(keys) k), x.j
      FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM old_rows r) x;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, application_name,
                                   action, table_name, row_key, old_row, new_row)
    SELECT xid, SESSION_USER, who, app,
           CASE WHEN TG_TABLE_NAME = 'placement_run' AND o.j ->> 'status' = 'draft' AND n.j ->> 'status' = 'published'
                  THEN 'publish'
                WHEN TG_TABLE_NAME = 'payment_run' AND o.j ->> 'status' IS DISTINCT FROM n.j ->> 'status'
                     AND n.j ->> 'status' = 'approved' THEN 'approve_payment_run'
                WHEN TG_TABLE_NAME = 'payment_run' AND o.j ->> 'status' IS DISTINCT FROM n.j ->> 'status'
                     AND n.j ->> 'status' = 'locked' THEN 'lock_payment_run'
                ELSE 'update' END,
           TG_TABLE_NAME, coalesce(n.k, o.k), o.j, n.j
      FROM (SELECT x.j, (SELECT pg_catalog.jsonb_object_agg(k, x.j -> k) FROM pg_catalog.unnest(keys) k) AS k
              FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM old_rows r) x) o
      FULL JOIN (SELECT x.j, (SELECT pg_catalog.jsonb_object_agg(k, x.j -> k) FROM pg_catalog.unnest(keys) k) AS k
                   FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM new_rows r) x) n ON n.k = o.k
     WHERE o.j IS DISTINCT FROM n.j
       AND NOT (TG_TABLE_NAME = 'placement_run' AND coalesce(o.j - 'milliseconds' = n.j - 'milliseconds', false));
  ELSIF TG_OP = 'TRUNCATE' THEN
    EXECUTE pg_catalog.format('SELECT count(*) FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO n;
    INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, application_name,
                                   action, table_name, old_row)
    VALUES (xid, SESSION_USER, who, app, 'truncate', TG_TABLE_NAME, pg_catalog.jsonb_build_object('rows', n));
  END IF;
  RETURN NULL;
END $$;

-- The tables whose changes are logged: the register, the settings, networks (not their edges),
-- rounds with their cohorts, capacities and wishes, placement runs (allocate, publish; not the
-- per-child results, which a run writes once and publication freezes), and the payment
-- configuration (sql/80_payments.sql) with its runs (create, approve, lock; not their rows). Four triggers per table: a trigger with transition tables can
-- have only one event.
DO $audit$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['settings', 'network', 'district', 'unit', 'child', 'residence', 'enrollment',
                           'sibling', 'placement_round', 'round_cohort', 'round_capacity', 'wish',
                           'placement_run',
                           'payment_policy', 'payment_special_month', 'payment_holiday', 'payment_category',
                           'payment_rate', 'supplement', 'cost_account', 'payment_run']
  LOOP
    EXECUTE pg_catalog.format('CREATE TRIGGER audit_insert AFTER INSERT ON skolval.%I REFERENCING NEW TABLE AS new_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
    EXECUTE pg_catalog.format('CREATE TRIGGER audit_update AFTER UPDATE ON skolval.%I REFERENCING OLD TABLE AS old_rows '
                              'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
    EXECUTE pg_catalog.format('CREATE TRIGGER audit_delete AFTER DELETE ON skolval.%I REFERENCING OLD TABLE AS old_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
    EXECUTE pg_catalog.format('CREATE TRIGGER audit_truncate BEFORE TRUNCATE ON skolval.%I '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
  END LOOP;
END
$audit$;

-- The log itself is append-only, for every role.
CREATE FUNCTION skolval._audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'skolval.audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'object_not_in_prerequisite_state',
          DETAIL = 'Audit entries can be neither changed nor deleted.',
          HINT = 'Entries are written by triggers on the audited tables; read them with SELECT.';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON skolval.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_log_append_only();

-- ==== sql/92_roles.sql
-- skolval: roles and privileges — who may configure and run, who may read, what BI sees.
--
--   skolval_admin    configure, load and change the register, run (distances, allocations,
--                    the nightly job, payment runs), publish, approve and lock; reads the
--                    audit log but can write it only through the audited changes
--   skolval_analyst  reads every table and view except the audit log; runs what-if
--                    allocations (allocate(..., what_if => true)) and payment reconciliations,
--                    never a real run
--   skolval_bi       only the BI views: no personal identity number, no name, no address; for a
--                    child with protected identity not its district or walking distances either
--                    (its row stays, with the unit it is placed at, so counts add up)
--
-- The roles are cluster-wide and NOLOGIN: grant them to the municipality's login roles
-- (GRANT skolval_analyst TO alice). Nothing in the schema is granted to PUBLIC, functions
-- included (PostgreSQL grants EXECUTE to PUBLIC by default; revoked here).

DO $roles$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
      ('skolval_admin', 'skolval: configure, load, run, publish, approve and lock; reads the audit log'),
      ('skolval_analyst', 'skolval: reads everything except the audit log; what-if allocations and reconciliations only'),
      ('skolval_bi', 'skolval: the BI views only (no personal identity numbers, names or addresses)')) v(name, purpose)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.rolname = r.name) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r.name);
      EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', r.name, r.purpose);
    END IF;
  END LOOP;
END
$roles$;

-- ---------------------------------------------------------------------------------------
-- BI views: pseudonymous (internal child_id only), nothing that identifies a child or locates its home
-- ---------------------------------------------------------------------------------------

-- skolval.placement_decision carries personal identity numbers, names and addresses (it is for
-- letters); this is its BI counterpart. A child's walking distance and district stay out for a
-- child with protected identity: distances to several units would locate its home.
CREATE VIEW skolval.bi_placement AS
SELECT p.run_id, r.round_id, r.status AS run_status, r.what_if, p.child_id, c.protected_identity,
       extract(year FROM c.birth_date)::integer AS birth_year,
       CASE WHEN c.protected_identity THEN NULL ELSE res.district_code END AS district_code,
       p.unit_id, u.unit_code, u.name AS unit_name, u.organizer, p.kind, p.wish_rank,
       (SELECT count(*) FROM skolval.wish w WHERE w.round_id = r.round_id AND w.child_id = p.child_id) AS wishes,
       p.decisive_criterion,
       CASE WHEN c.protected_identity THEN NULL ELSE round(p.walking_m) END AS walking_m
  FROM skolval.placement p
  JOIN skolval.placement_run r ON r.run_id = p.run_id
  JOIN skolval.child c ON c.child_id = p.child_id
  JOIN skolval.unit u ON u.unit_id = p.unit_id
  LEFT JOIN skolval.round_home h ON h.round_id = r.round_id AND h.child_id = p.child_id
  LEFT JOIN skolval.residence res ON res.residence_id = h.residence_id;
COMMENT ON VIEW skolval.bi_placement IS
  'For BI: one row per run and child, identified only by the internal child_id: where the child was placed, how (wish rank, kind, decisive criterion), district and walking distance. No personal identity number, name or address; for a child with protected identity no district and no distance either';
COMMENT ON COLUMN skolval.bi_placement.run_id IS 'The run';
COMMENT ON COLUMN skolval.bi_placement.round_id IS 'The round';
COMMENT ON COLUMN skolval.bi_placement.run_status IS 'draft or published';
COMMENT ON COLUMN skolval.bi_placement.what_if IS 'A comparison run that is never published';
COMMENT ON COLUMN skolval.bi_placement.child_id IS 'Internal child id (pseudonymous)';
COMMENT ON COLUMN skolval.bi_placement.protected_identity IS 'The child has protected identity: district and distance are withheld';
COMMENT ON COLUMN skolval.bi_placement.birth_year IS 'Year of birth';
COMMENT ON COLUMN skolval.bi_placement.district_code IS 'District of the home the round measured from (NULL for protected identity)';
COMMENT ON COLUMN skolval.bi_placement.unit_id IS 'The unit placed at';
COMMENT ON COLUMN skolval.bi_placement.unit_code IS 'Code of the unit placed at';
COMMENT ON COLUMN skolval.bi_placement.unit_name IS 'Name of the unit placed at';
COMMENT ON COLUMN skolval.bi_placement.organizer IS 'municipal or independent';
COMMENT ON COLUMN skolval.bi_placement.kind IS 'wish, near_home_offer or administrative';
COMMENT ON COLUMN skolval.bi_placement.wish_rank IS 'Rank of the wish obtained; NULL unless kind is wish';
COMMENT ON COLUMN skolval.bi_placement.wishes IS 'How many wishes the guardians gave (0: no active choice)';
COMMENT ON COLUMN skolval.bi_placement.decisive_criterion IS 'The criterion that gave the place (free_seat, near_home, sibling, ..., administrative)';
COMMENT ON COLUMN skolval.bi_placement.walking_m IS 'Walking metres from home to the unit, whole metres (NULL for protected identity)';

CREATE VIEW skolval.bi_data_issue AS
SELECT i.round_id, i.category, i.severity,
       count(*) FILTER (WHERE i.resolved_at IS NULL) AS open_issues,
       count(*) FILTER (WHERE i.resolved_at IS NOT NULL) AS resolved_issues,
       min(i.detected_at) AS first_detected_at, max(i.detected_at) AS last_detected_at
  FROM skolval.data_issue i
 GROUP BY i.round_id, i.category, i.severity;
COMMENT ON VIEW skolval.bi_data_issue IS
  'For BI: data issues counted per round, category and severity, open and resolved; no child or unit is named';
COMMENT ON COLUMN skolval.bi_data_issue.round_id IS 'The round (NULL: issues not tied to a round)';
COMMENT ON COLUMN skolval.bi_data_issue.category IS 'Kind of problem, for example home_off_network';
COMMENT ON COLUMN skolval.bi_data_issue.severity IS 'error or warning';
COMMENT ON COLUMN skolval.bi_data_issue.open_issues IS 'Issues still open';
COMMENT ON COLUMN skolval.bi_data_issue.resolved_issues IS 'Issues resolved';
COMMENT ON COLUMN skolval.bi_data_issue.first_detected_at IS 'When the first of them was found';
COMMENT ON COLUMN skolval.bi_data_issue.last_detected_at IS 'When the last of them was found';

-- ---------------------------------------------------------------------------------------
-- Privileges. This part runs after every other part but 99_finish.sql, so "ALL ... IN SCHEMA"
-- covers every table, view and function of the extension.
-- ---------------------------------------------------------------------------------------

REVOKE ALL ON ALL TABLES IN SCHEMA skolval FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA skolval FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA skolval FROM PUBLIC;
GRANT USAGE ON SCHEMA skolval TO skolval_admin, skolval_analyst, skolval_bi;

-- Admins: every table (the register, the configuration, staging, runs), but the audit log
-- only to read; every function.
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA skolval TO skolval_admin;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON skolval.audit_log FROM skolval_admin;
-- TRUNCATE skips the row triggers that keep published placement runs and approved or locked
-- payment runs immutable: only the owner may empty those tables.
REVOKE TRUNCATE ON skolval.payment_run, skolval.payment_row, skolval.payment_issue, skolval.placement_run,
                   skolval.placement, skolval.placement_wish, skolval.placement_unit FROM skolval_admin;
-- The server opens the font files document_settings names: setting them is for the superuser.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON skolval.document_settings FROM skolval_admin;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA skolval TO skolval_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA skolval TO skolval_admin;
REVOKE EXECUTE ON FUNCTION skolval.configure_documents(text, text, text, text, text) FROM skolval_admin;

-- Analysts: read everything except the audit log. Functions: those that only read (immutable
-- and stable ones) and the volatile ones that read or make what-if results only: allocate()
-- (SECURITY DEFINER; it refuses a real run to anyone but skolval_admin) and route().
GRANT SELECT ON ALL TABLES IN SCHEMA skolval TO skolval_analyst;
REVOKE SELECT ON skolval.audit_log FROM skolval_analyst;
DO $analyst$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE p.prorettype <> 'pg_catalog.trigger'::regtype
       AND (p.provolatile IN ('i', 's') OR p.proname IN ('allocate', 'route'))
  LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO skolval_analyst', f);
  END LOOP;
END
$analyst$;

-- BI: the BI views, nothing else (they call no skolval function). Placement: bi_placement,
-- bi_data_issue, placement_unit_stats, mechanism_comparison; payments (sql/80_payments.sql):
-- the summaries per unit and per administration, corrections and open payment issues, which
-- name children by child_id only.
GRANT SELECT ON skolval.bi_placement, skolval.bi_data_issue, skolval.placement_unit_stats,
                skolval.mechanism_comparison, skolval.payment_unit_summary,
                skolval.payment_administration_summary, skolval.payment_correction,
                skolval.payment_open_issue TO skolval_bi;

-- ==== sql/99_finish.sql
-- skolval: finishing touches that must run after every object exists.

CREATE OR REPLACE TRIGGER settings_guard BEFORE INSERT OR UPDATE ON skolval.settings
  FOR EACH ROW EXECUTE FUNCTION skolval._settings_guard();

-- Pin the search_path of every SQL and plpgsql function: pg_catalog first, then skolval and
-- the schemas PostGIS and pgRouting live in (wherever they were installed), pg_temp last.
-- Nothing in the extension then depends on, or can be hijacked through, the caller's path.
DO $finish$
DECLARE
  path text;
  f regprocedure;
BEGIN
  SELECT pg_catalog.concat_ws(', ', 'pg_catalog', 'skolval',
           pg_catalog.string_agg(DISTINCT pg_catalog.quote_ident(n.nspname), ', '), 'pg_temp')
    INTO path
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname IN ('postgis', 'pgrouting') AND n.nspname NOT IN ('pg_catalog', 'skolval');
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_language l ON l.oid = p.prolang
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE l.lanname IN ('sql', 'plpgsql')
  LOOP
    EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = %s', f, path);
  END LOOP;
END
$finish$;

-- The tables hold the municipality's data, not extension objects: pg_dump must dump their rows
-- (and the identity sequences' positions).
DO $dump$
DECLARE
  t regclass;
  s text;
BEGIN
  FOR t IN
    SELECT c.oid::regclass FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE c.relkind = 'r'
  LOOP
    PERFORM pg_catalog.pg_extension_config_dump(t, '');
    FOR s IN
      SELECT pg_catalog.pg_get_serial_sequence(t::text, a.attname)
        FROM pg_catalog.pg_attribute a
       WHERE a.attrelid = t AND a.attidentity <> '' AND NOT a.attisdropped
    LOOP
      PERFORM pg_catalog.pg_extension_config_dump(s::regclass, '');
    END LOOP;
  END LOOP;
END
$dump$;

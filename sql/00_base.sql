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

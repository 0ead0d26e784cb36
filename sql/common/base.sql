-- skolval: base — the C helpers everything else uses, settings access.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- ---------------------------------------------------------------------------------------
-- C helpers (src/common)
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.library_version() RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_library_version';
COMMENT ON FUNCTION skolval.library_version() IS
  'Version of the loaded skolval shared library; differs from the extension version after an incomplete upgrade';

CREATE OR REPLACE FUNCTION skolval.seeded_random(seed bigint, stream text, n bigint) RETURNS double precision
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_seeded_random';
COMMENT ON FUNCTION skolval.seeded_random(bigint, text, bigint) IS
  'Reproducible random number in [0, 1) that depends only on (seed, stream, n), never on call order: the lottery and the example municipality are recomputed from their stored seed';

CREATE OR REPLACE FUNCTION skolval.personal_number_problem(personal_number text) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_personal_number_problem';
COMMENT ON FUNCTION skolval.personal_number_problem(text) IS
  'NULL when the text is a valid personnummer or samordningsnummer (YYYYMMDDNNNC or YYYYMMDD-NNNC), otherwise the reason it is not';

CREATE OR REPLACE FUNCTION skolval.personal_number_normalize(personal_number text) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_personal_number_normalize';
COMMENT ON FUNCTION skolval.personal_number_normalize(text) IS
  'The 12-digit canonical form of a personal identity number; raises invalid_text_representation (22P02) for an invalid one';

-- The forms exports hold: also YYMMDD-NNNC and YYMMDD+NNNC, whose century follows from the
-- separator relative to the day the number was written (src/common/personnummer.c).
CREATE OR REPLACE FUNCTION skolval.personal_number_problem(personal_number text, reference_date date) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_personal_number_problem_on';
COMMENT ON FUNCTION skolval.personal_number_problem(text, date) IS
  'NULL when the text is a valid personal identity number in any export form (YYYYMMDDNNNC, YYYYMMDD-NNNC, YYMMDD-NNNC, YYMMDD+NNNC), otherwise the reason it is not; the century of a ten-digit number follows from its separator on reference_date: - under 100 years old, + 100 or older';

CREATE OR REPLACE FUNCTION skolval.personal_number_normalize(personal_number text, reference_date date) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_personal_number_normalize_on';
COMMENT ON FUNCTION skolval.personal_number_normalize(text, date) IS
  'The 12-digit canonical form of a personal identity number in any export form; a ten-digit YYMMDD-NNNC is a person under 100 on reference_date, YYMMDD+NNNC one aged 100 or more (Skatteverket''s rule). Raises invalid_text_representation (22P02) for an invalid number, never echoing it';

CREATE OR REPLACE FUNCTION skolval.personal_number_birth_date(personal_number text) RETURNS date
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_personal_number_birth_date';
COMMENT ON FUNCTION skolval.personal_number_birth_date(text) IS
  'Date of birth encoded in a personal identity number (the day minus 60 for a samordningsnummer)';

CREATE OR REPLACE FUNCTION skolval.personal_number_make(birth_date date, serial integer) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_personal_number_make';
COMMENT ON FUNCTION skolval.personal_number_make(date, integer) IS
  'A valid personal identity number for a birth date and a three-digit serial, with the right check digit; for generated test data only';

-- A date that texts can print: infinity has no day, month or year (extract() would fail with
-- feature_not_supported deep inside a letter or statement).
CREATE OR REPLACE FUNCTION skolval._finite_date(d date, what text) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  IF NOT isfinite(d) THEN
    RAISE EXCEPTION '%: the date must be finite, not %', what, d USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN d;
END $$;
COMMENT ON FUNCTION skolval._finite_date(date, text) IS 'The date unchanged, or invalid_parameter_value naming "what" when it is infinity or -infinity';

CREATE OR REPLACE FUNCTION skolval.srid() RETURNS integer
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce((SELECT s.srid FROM skolval.settings s), 3006);
COMMENT ON FUNCTION skolval.srid() IS 'The metric coordinate system (SRID) skolval stores geometry in';

CREATE OR REPLACE FUNCTION skolval.municipality_code() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT s.municipality_code::text FROM skolval.settings s);
COMMENT ON FUNCTION skolval.municipality_code() IS 'The configured municipality code, NULL when not configured';

CREATE OR REPLACE FUNCTION skolval.configure(
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
  -- (NaN > 0 is true and would pass a plain CHECK: every number is bounded here, by name)
  IF NOT (configure.network_margin_m > 0::double precision AND configure.network_margin_m <= 1000000::double precision) THEN
    RAISE EXCEPTION 'network_margin_m must be more than 0 and at most 1000000 metres, got %', configure.network_margin_m
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT (configure.snap_limit_m > 0::double precision AND configure.snap_limit_m <= 100000::double precision) THEN
    RAISE EXCEPTION 'snap_limit_m must be more than 0 and at most 100000 metres, got %', configure.snap_limit_m
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF configure.srid <= 0 THEN
    RAISE EXCEPTION 'srid must be a positive SRID from spatial_ref_sys, got %', configure.srid
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
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
  'Set the municipality''s settings; arguments left NULL keep their current value. network_margin_m (at most 1,000 km) and snap_limit_m (at most 100 km) must be finite and positive, the name at most 200 characters without control characters';

-- The coordinate system must be metric and cannot change under stored geometry.
CREATE OR REPLACE FUNCTION skolval._settings_guard() RETURNS trigger
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

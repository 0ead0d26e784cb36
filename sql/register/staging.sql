-- skolval: staging — loading the register from CSV extracts: parse, report problems, merge.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- ---------------------------------------------------------------------------------------
-- What each staging table and column takes (the tables are in staging.tables.sql)
-- ---------------------------------------------------------------------------------------

COMMENT ON TABLE skolval.staging_district IS
  'Staging for the municipality''s districts (stadsdelar, kommundelar) and the administration responsible for each; merged by district_code, before the residences that name them. See doc/loading.md';
COMMENT ON COLUMN skolval.staging_district.source_row IS
  'Data row number in the CSV file (1 = first row after the header), assigned in file order; leave it out of the \copy column list';
COMMENT ON COLUMN skolval.staging_district.district_code IS 'Required. The district code as the residence register uses it; the key districts are merged by';
COMMENT ON COLUMN skolval.staging_district.name IS 'Required. The district''s name';
COMMENT ON COLUMN skolval.staging_district.administration IS 'Required. The administration (förvaltning) that bears the cost for children living in the district';
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
COMMENT ON TABLE skolval.staging_residence IS
  'Staging for the population register extract (folkbokföring, Navet): one row per child and residence period. For every child that appears here the staged periods become its history: a stored period with the same valid_from is updated in place (it keeps its residence_id), new ones are added, stored ones not staged are removed. See doc/loading.md';
COMMENT ON COLUMN skolval.staging_residence.source_row IS
  'Data row number in the CSV file (1 = first row after the header), assigned in file order; leave it out of the \copy column list';
COMMENT ON COLUMN skolval.staging_residence.personal_number IS 'Required. Personnummer or samordningsnummer, YYYYMMDDNNNC or YYYYMMDD-NNNC, or the ten-digit YYMMDD-NNNC (under 100 years old on the day of loading) or YYMMDD+NNNC (100 or older); the birth date is taken from it';
COMMENT ON COLUMN skolval.staging_residence.given_name IS 'Optional. Given name; the latest period''s value is stored';
COMMENT ON COLUMN skolval.staging_residence.family_name IS 'Optional. Family name; the latest period''s value is stored';
COMMENT ON COLUMN skolval.staging_residence.protected_identity IS
  'Protected identity: J/N, ja/nej, true/false, 1/0 (any case); empty means no. The child is protected when any of its rows says so';
COMMENT ON COLUMN skolval.staging_residence.municipality_code IS 'Required. Municipality of registration (folkbokföringskommun), four digits';
COMMENT ON COLUMN skolval.staging_residence.address IS 'Optional. Registered address';
COMMENT ON COLUMN skolval.staging_residence.postal_code IS 'Optional. Postal code';
COMMENT ON COLUMN skolval.staging_residence.postal_town IS 'Optional. Postal town';
COMMENT ON COLUMN skolval.staging_residence.district_code IS 'Optional. District code; must be in staging_district or skolval.district';
COMMENT ON COLUMN skolval.staging_residence.east IS 'Optional. East coordinate of the home in the settings'' SRID; all four coordinates empty means the home is not located';
COMMENT ON COLUMN skolval.staging_residence.north IS 'Optional. North coordinate of the home in the settings'' SRID';
COMMENT ON COLUMN skolval.staging_residence.lat IS 'Optional. Latitude of the home in WGS84, used when east and north are empty';
COMMENT ON COLUMN skolval.staging_residence.lon IS 'Optional. Longitude of the home in WGS84';
COMMENT ON COLUMN skolval.staging_residence.valid_from IS 'Required. First day of the period, YYYY-MM-DD or YYYYMMDD';
COMMENT ON COLUMN skolval.staging_residence.valid_to IS 'Optional. Last day of the period (inclusive), YYYY-MM-DD or YYYYMMDD; empty while current';
COMMENT ON TABLE skolval.staging_sibling IS
  'Staging for sibling relations from the population register; a pair may be listed in either or both directions. Merging adds relations, it never removes one. See doc/loading.md';
COMMENT ON COLUMN skolval.staging_sibling.source_row IS
  'Data row number in the CSV file (1 = first row after the header), assigned in file order; leave it out of the \copy column list';
COMMENT ON COLUMN skolval.staging_sibling.personal_number IS 'Required. Personal identity number of one child; the child must be in staging_residence or already stored';
COMMENT ON COLUMN skolval.staging_sibling.sibling_personal_number IS 'Required. Personal identity number of the sibling; likewise known';
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
COMMENT ON TABLE skolval.staging_wish IS
  'Staging for the e-service''s wishes export: for every (round, child) here the staged wishes become the child''s wishes (unchanged ones are left alone, changed ones updated, gone ones removed), and the child is added to the round''s cohort. See doc/loading.md';
COMMENT ON COLUMN skolval.staging_wish.source_row IS
  'Data row number in the CSV file (1 = first row after the header), assigned in file order; leave it out of the \copy column list';
COMMENT ON COLUMN skolval.staging_wish.round_name IS 'Required. Name of a placement round (skolval.placement_round.name) that is not published; it must exist when merging, not when checking';
COMMENT ON COLUMN skolval.staging_wish.personal_number IS 'Required. The child''s personal identity number; the child must be in staging_residence or already stored';
COMMENT ON COLUMN skolval.staging_wish.rank IS 'Required. 1 = first choice; a child''s ranks in a round run 1..n without gaps, n at most the round''s max_wishes';
COMMENT ON COLUMN skolval.staging_wish.unit_code IS 'Required. Code of the wished unit; it must offer the round''s school form';
COMMENT ON COLUMN skolval.staging_wish.sibling_claim IS 'Optional. The guardians claim a sibling attends the unit: J/N, ja/nej, true/false, 1/0; empty means no';
COMMENT ON COLUMN skolval.staging_wish.submitted_at IS 'Optional. When the application was signed, YYYY-MM-DD HH:MM[:SS][+HH[:MM]]; without an offset it is read in the session''s TimeZone';
COMMENT ON COLUMN skolval.staging_wish.school_form IS
  'Optional. The round''s school form, to check the wishes before the round exists (every wished unit must offer it); when the round exists it must be the round''s form';

-- (setval rather than TRUNCATE ... RESTART IDENTITY, which needs the sequences' owner: a
-- skolval_admin may truncate the tables and update the sequences, but owns neither.)
CREATE OR REPLACE FUNCTION skolval.staging_clear() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  TRUNCATE skolval.staging_district, skolval.staging_unit, skolval.staging_residence, skolval.staging_sibling,
           skolval.staging_enrollment, skolval.staging_wish;
  FOREACH t IN ARRAY ARRAY['staging_district', 'staging_unit', 'staging_residence', 'staging_sibling',
                           'staging_enrollment', 'staging_wish'] LOOP
    PERFORM pg_catalog.setval(pg_catalog.pg_get_serial_sequence('skolval.' || t, 'source_row'), 1, false);
  END LOOP;
END $$;
COMMENT ON FUNCTION skolval.staging_clear() IS
  'Empty every staging table and restart the source row numbers at 1; run it before loading a new set of files';

-- ---------------------------------------------------------------------------------------
-- Parse helpers: NULL for an empty or unparsable value, never an error
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._staging_date(v text) RETURNS date
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

CREATE OR REPLACE FUNCTION skolval._staging_number(v text) RETURNS numeric
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

CREATE OR REPLACE FUNCTION skolval._staging_integer(v text) RETURNS integer
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

CREATE OR REPLACE FUNCTION skolval._staging_boolean(v text) RETURNS boolean
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

CREATE OR REPLACE FUNCTION skolval._staging_timestamptz(v text) RETURNS timestamptz
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

CREATE OR REPLACE FUNCTION skolval._staging_school_form(v text) RETURNS text
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

CREATE OR REPLACE FUNCTION skolval._staging_school_forms(v text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  forms text[];
BEGIN
  IF EXISTS (SELECT 1 FROM regexp_split_to_table(coalesce(v, ''), '[,;]') x
              WHERE nullif(btrim(x, E' \t\r\n'), '') IS NOT NULL AND skolval._staging_school_form(x) IS NULL) THEN
    RETURN NULL;
  END IF;
  -- canonical order, whatever the file's order; NULL when the list is empty
  SELECT pg_catalog.array_agg(o.f ORDER BY o.i) INTO forms
    FROM pg_catalog.unnest(ARRAY['forskola', 'forskoleklass', 'grundskola', 'fritidshem']) WITH ORDINALITY o(f, i)
   WHERE o.f IN (SELECT skolval._staging_school_form(x) FROM regexp_split_to_table(coalesce(v, ''), '[,;]') x);
  RETURN forms;
END $$;
COMMENT ON FUNCTION skolval._staging_school_forms(text) IS
  'Parse a staged list of school forms separated by comma or semicolon, in canonical order without repeats; NULL when empty or when any form is unknown';

CREATE OR REPLACE FUNCTION skolval._staging_organizer(v text) RETURNS text
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

CREATE OR REPLACE FUNCTION skolval._staging_grade(v text) RETURNS smallint
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

-- Ten-digit numbers (YYMMDD-NNNC, YYMMDD+NNNC) are read as written on the day of loading.
CREATE OR REPLACE FUNCTION skolval._staging_personal_number(v text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  t text := nullif(btrim(v, E' \t\r\n'), '');
BEGIN
  IF t IS NULL OR skolval.personal_number_problem(t, CURRENT_DATE) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  RETURN skolval.personal_number_normalize(t, CURRENT_DATE);
END $$;
COMMENT ON FUNCTION skolval._staging_personal_number(text) IS
  'The 12-digit form of a staged personal identity number (YYYYMMDDNNNC, YYYYMMDD-NNNC, or YYMMDD-NNNC / YYMMDD+NNNC with the century from the separator on the day of loading); NULL when empty or invalid';

CREATE OR REPLACE FUNCTION skolval._staging_wgs84_point(lon numeric, lat numeric) RETURNS geometry
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF lat BETWEEN -90::pg_catalog.numeric AND 90::pg_catalog.numeric
     AND lon BETWEEN -180::pg_catalog.numeric AND 180::pg_catalog.numeric THEN
    RETURN ST_Transform(ST_SetSRID(ST_MakePoint(lon::pg_catalog.float8, lat::pg_catalog.float8), 4326), skolval.srid());
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
CREATE OR REPLACE FUNCTION skolval._staging_point(east text, north text, lat text, lon text) RETURNS geometry
LANGUAGE plpgsql STABLE AS $$
DECLARE
  e numeric := skolval._staging_number(east);
  n numeric := skolval._staging_number(north);
BEGIN
  IF e IS NOT NULL AND n IS NOT NULL THEN
    RETURN ST_SetSRID(ST_MakePoint(e::pg_catalog.float8, n::pg_catalog.float8), skolval.srid());
  END IF;
  RETURN skolval._staging_wgs84_point(skolval._staging_number(lon), skolval._staging_number(lat));
END $$;
COMMENT ON FUNCTION skolval._staging_point(text, text, text, text) IS
  'A staged location as a point in the settings'' SRID: east/north when given, else lat/lon (WGS84) transformed; NULL when missing or unusable';

CREATE OR REPLACE FUNCTION skolval._staging_location_problem(
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
      ELSIF skolval._staging_number(la) NOT BETWEEN -90::pg_catalog.numeric AND 90::pg_catalog.numeric THEN
        RETURN QUERY SELECT 'lat'::text, CASE WHEN show_values THEN la END,
          'latitude must be between -90 and 90 (WGS84 degrees)'::text;
        bad := true;
      END IF;
      IF skolval._staging_number(lo) IS NULL THEN
        RETURN QUERY SELECT 'lon'::text, CASE WHEN show_values THEN lo END, 'not a number'::text;
        bad := true;
      ELSIF skolval._staging_number(lo) NOT BETWEEN -180::pg_catalog.numeric AND 180::pg_catalog.numeric THEN
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
      pg_catalog.format('not transformable: the point cannot be transformed to the coordinate system SRID %s', skolval.srid());
    RETURN;
  END IF;
  IF has_en AND has_ll THEN
    q := skolval._staging_point(NULL, NULL, la, lo);
    IF q IS NULL OR ST_Distance(p, q) > 100::pg_catalog.float8 THEN
      RETURN QUERY SELECT 'lat,lon'::text, CASE WHEN show_values THEN la || ',' || lo END,
        pg_catalog.format('coordinate pairs disagree: east,north and lat,lon are %s m apart; give one pair, or two that agree within 100 m',
                          coalesce(round(ST_Distance(p, q)::numeric)::text, 'an unknown distance'));
      RETURN;
    END IF;
  END IF;
  -- SWEREF99 TM covers Sweden only: far outside it means swapped or mistyped coordinates.
  IF skolval.srid() = 3006
     AND NOT (ST_X(p) BETWEEN 100000 AND 1100000 AND ST_Y(p) BETWEEN 6000000 AND 7800000) THEN
    RETURN QUERY SELECT pair, pair_value,
      CASE WHEN has_en
           THEN 'outside Sweden: SWEREF99 TM has east 100000-1100000, north 6000000-7800000; east and north swapped?'
           ELSE 'outside Sweden: lat and lon swapped?' END;
    RETURN;
  END IF;
  -- The check of skolval.local_point(), reported instead of raised.
  SELECT * INTO net FROM skolval.network x WHERE x.is_active;
  IF FOUND AND net.extent IS NOT NULL THEN
    margin := coalesce((SELECT s.network_margin_m FROM skolval.settings s), 5000);
    off_by := ST_Distance(p, net.extent);
    IF off_by > margin THEN
      RETURN QUERY SELECT pair, pair_value,
        pg_catalog.format('far outside the path network: the point lies %s m outside the municipality''s path network (%s, margin %s m); east and north swapped, or a wrong coordinate system?',
                          round(off_by::numeric), net.name, margin);
    END IF;
  END IF;
END $$;
COMMENT ON FUNCTION skolval._staging_location_problem(text, text, text, text, boolean, boolean) IS
  'Problems with a staged location (missing, half given, not a number, not transformable, outside Sweden for SWEREF99 TM, far outside the active network); show_values false keeps home coordinates out of the report';

-- ---------------------------------------------------------------------------------------
-- Parsed views: what staging_merge() would load (NULL where a value is missing or bad)
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE VIEW skolval.staging_district_parsed AS
  SELECT s.source_row,
         nullif(btrim(s.district_code, E' \t\r\n'), '') AS district_code,
         nullif(btrim(s.name, E' \t\r\n'), '') AS name,
         nullif(btrim(s.administration, E' \t\r\n'), '') AS administration
    FROM skolval.staging_district s;
COMMENT ON VIEW skolval.staging_district_parsed IS 'staging_district parsed: the values staging_merge() loads into skolval.district';
COMMENT ON COLUMN skolval.staging_district_parsed.source_row IS 'Data row number in the CSV file';
COMMENT ON COLUMN skolval.staging_district_parsed.district_code IS 'District code, trimmed';
COMMENT ON COLUMN skolval.staging_district_parsed.name IS 'District name, trimmed';
COMMENT ON COLUMN skolval.staging_district_parsed.administration IS 'Administration, trimmed';

CREATE OR REPLACE VIEW skolval.staging_unit_parsed AS
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

CREATE OR REPLACE VIEW skolval.staging_residence_parsed AS
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

CREATE OR REPLACE VIEW skolval.staging_sibling_parsed AS
  SELECT s.source_row,
         skolval._staging_personal_number(s.personal_number) AS personal_number,
         skolval._staging_personal_number(s.sibling_personal_number) AS sibling_personal_number
    FROM skolval.staging_sibling s;
COMMENT ON VIEW skolval.staging_sibling_parsed IS 'staging_sibling parsed: the relations staging_merge() adds to skolval.sibling. Personal data';
COMMENT ON COLUMN skolval.staging_sibling_parsed.source_row IS 'Data row number in the CSV file';
COMMENT ON COLUMN skolval.staging_sibling_parsed.personal_number IS '12-digit personal identity number of one child; NULL when invalid';
COMMENT ON COLUMN skolval.staging_sibling_parsed.sibling_personal_number IS '12-digit personal identity number of the sibling; NULL when invalid';

CREATE OR REPLACE VIEW skolval.staging_enrollment_parsed AS
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

CREATE OR REPLACE VIEW skolval.staging_wish_parsed AS
  SELECT s.source_row,
         nullif(btrim(s.round_name, E' \t\r\n'), '') AS round_name,
         skolval._staging_personal_number(s.personal_number) AS personal_number,
         skolval._staging_integer(s.rank) AS rank,
         nullif(btrim(s.unit_code, E' \t\r\n'), '') AS unit_code,
         skolval._staging_boolean(s.sibling_claim) AS sibling_claim,
         skolval._staging_timestamptz(s.submitted_at) AS submitted_at,
         skolval._staging_school_form(s.school_form) AS school_form
    FROM skolval.staging_wish s;
COMMENT ON VIEW skolval.staging_wish_parsed IS 'staging_wish parsed: the values staging_merge() loads into skolval.wish. Personal data';
COMMENT ON COLUMN skolval.staging_wish_parsed.source_row IS 'Data row number in the CSV file';
COMMENT ON COLUMN skolval.staging_wish_parsed.round_name IS 'Round name, trimmed';
COMMENT ON COLUMN skolval.staging_wish_parsed.personal_number IS '12-digit personal identity number; NULL when invalid';
COMMENT ON COLUMN skolval.staging_wish_parsed.rank IS 'Rank; NULL when not a whole number';
COMMENT ON COLUMN skolval.staging_wish_parsed.unit_code IS 'Unit code, trimmed';
COMMENT ON COLUMN skolval.staging_wish_parsed.sibling_claim IS 'Sibling claim; NULL when the value is unknown';
COMMENT ON COLUMN skolval.staging_wish_parsed.submitted_at IS 'Submission time; NULL when empty or unparsable';
COMMENT ON COLUMN skolval.staging_wish_parsed.school_form IS 'School form the wished units must offer, in canonical spelling; NULL when empty or unknown';

-- ---------------------------------------------------------------------------------------
-- Bounds (sql/common/bounds.tables.sql): lengths, control characters and date ranges, reported
-- per row and column before the tables would refuse them. Values are not shown: they may be
-- names or addresses, and an over-long one would flood the report.
-- ---------------------------------------------------------------------------------------

-- Texts, dates and coordinates are checked on the raw staged text with inline expressions (no
-- helper calls: this runs over every column of every staged row).
CREATE OR REPLACE FUNCTION skolval._staging_bounds_problem()
RETURNS TABLE(staging_table text, source_row bigint, column_name text, value text, problem text)
LANGUAGE sql STABLE AS $$
  WITH texts (staging_table, source_row, column_name, v, max_length) AS (
    SELECT 'staging_unit', s.source_row, c.*
      FROM skolval.staging_unit s
     CROSS JOIN LATERAL (VALUES ('unit_code', s.unit_code, 50), ('name', s.name, 200),
                                ('organizer_name', s.organizer_name, 200), ('address', s.address, 300)) c
    UNION ALL
    SELECT 'staging_residence', s.source_row, c.*
      FROM skolval.staging_residence s
     CROSS JOIN LATERAL (VALUES ('given_name', s.given_name, 200), ('family_name', s.family_name, 200),
                                ('address', s.address, 300), ('postal_code', s.postal_code, 50),
                                ('postal_town', s.postal_town, 200), ('district_code', s.district_code, 50)) c
    UNION ALL
    SELECT 'staging_enrollment', s.source_row, 'unit_code', s.unit_code, 50 FROM skolval.staging_enrollment s
    UNION ALL
    SELECT 'staging_wish', s.source_row, c.*
      FROM skolval.staging_wish s
     CROSS JOIN LATERAL (VALUES ('round_name', s.round_name, 200), ('unit_code', s.unit_code, 50)) c
  ), dates (staging_table, source_row, column_name, v) AS (
    SELECT 'staging_residence', s.source_row, c.*
      FROM skolval.staging_residence s CROSS JOIN LATERAL (VALUES ('valid_from', s.valid_from), ('valid_to', s.valid_to)) c
    UNION ALL
    SELECT 'staging_enrollment', s.source_row, c.*
      FROM skolval.staging_enrollment s CROSS JOIN LATERAL (VALUES ('valid_from', s.valid_from), ('valid_to', s.valid_to)) c
  ), points (staging_table, source_row, east, north) AS (
    SELECT 'staging_unit', s.source_row, s.east, s.north FROM skolval.staging_unit s
    UNION ALL
    SELECT 'staging_residence', s.source_row, s.east, s.north FROM skolval.staging_residence s
  )
  SELECT x.* FROM (
    SELECT t.staging_table, t.source_row, t.column_name, NULL::text,
           CASE WHEN char_length(btrim(t.v, E' \t\r\n')) > t.max_length
                  THEN pg_catalog.format('too long: %s characters, at most %s', char_length(btrim(t.v, E' \t\r\n')), t.max_length)
                WHEN btrim(t.v, E' \t\r\n') ~ '[\x01-\x1f\x7f-\x9f]'
                  THEN pg_catalog.format('contains a control character (U+%s) at position %s: names, codes and addresses are one line of printable text',
                         upper(lpad(to_hex(ascii(substring(btrim(t.v, E' \t\r\n') FROM '[\x01-\x1f\x7f-\x9f]'))), 4, '0')),
                         strpos(btrim(t.v, E' \t\r\n'), substring(btrim(t.v, E' \t\r\n') FROM '[\x01-\x1f\x7f-\x9f]'))) END
      FROM texts t
    UNION ALL
    SELECT d.staging_table, d.source_row, d.column_name, btrim(d.v, E' \t\r\n'),
           CASE WHEN btrim(d.v, E' \t\r\n') ~ '^[0-9]{4}-?[0-9]{2}-?[0-9]{2}$'
                 AND substr(btrim(d.v, E' \t\r\n'), 1, 4)::integer NOT BETWEEN 1900 AND 2200
                THEN 'date out of range: dates must lie between 1900-01-01 and 2200-12-31' END
      FROM dates d
    UNION ALL
    -- nine or more integer digits: 100,000,000 or more
    SELECT p.staging_table, p.source_row, 'east,north', NULL,
           CASE WHEN btrim(p.east, E' \t\r\n') ~ '^[+-]?0*[1-9][0-9]{8,14}([.,][0-9]{1,15})?$'
                  OR btrim(p.north, E' \t\r\n') ~ '^[+-]?0*[1-9][0-9]{8,14}([.,][0-9]{1,15})?$'
                THEN 'coordinates out of range: no coordinate system has values of 100000000 or more' END
      FROM points p
  ) x(staging_table, source_row, column_name, value, problem)
  WHERE x.problem IS NOT NULL
$$;
COMMENT ON FUNCTION skolval._staging_bounds_problem() IS
  'The staged values staging_merge() would load that break a bound of skolval''s tables (length, control characters, date range, coordinate size), one row per row and column, without showing names or addresses; part of staging_check()';

-- ---------------------------------------------------------------------------------------
-- staging_check(): every problem, one row each; reads only
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.staging_check()
RETURNS TABLE(staging_table text, source_row bigint, column_name text, value text, problem text)
LANGUAGE sql STABLE AS $check$
WITH
-- Each staged row parsed once (the parsed views), with the trimmed raw text that is reported.
sd AS MATERIALIZED (
  SELECT p.source_row, p.district_code, p.name, p.administration FROM skolval.staging_district_parsed p
),
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
         p.school_form, nullif(btrim(s.school_form, E' \t\r\n'), '') AS school_form_text,
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
known_district AS (
  SELECT sd.district_code FROM sd WHERE sd.district_code IS NOT NULL
  UNION
  SELECT d.district_code FROM skolval.district d
),
-- Stored residence periods of staged children that the merge would remove (no staged period
-- starts on their valid_from): refused when a published round measured the home from one.
removed_period AS (
  SELECT c.personal_number, x.valid_from, r.name AS round_name
    FROM skolval.child c
    JOIN skolval.residence x ON x.child_id = c.child_id
    JOIN skolval.round_home h ON h.residence_id = x.residence_id
    JOIN skolval.placement_round r ON r.round_id = h.round_id AND r.status = 'published'
   WHERE c.personal_number IN (SELECT sr.personal_number FROM sr)
     AND NOT EXISTS (SELECT 1 FROM sr WHERE sr.personal_number = c.personal_number AND sr.valid_from = x.valid_from)
),
known_child AS (
  SELECT sr.personal_number FROM sr WHERE sr.personal_number IS NOT NULL
  UNION
  SELECT c.personal_number FROM skolval.child c
),
-- Every problem of a single field or row ---------------------------------------------------
row_problem AS (
  -- districts
  SELECT 'staging_district' AS staging_table, d.source_row, x.column_name, x.value, x.problem
    FROM sd d
   CROSS JOIN LATERAL (VALUES
     ('district_code', NULL::text, CASE WHEN d.district_code IS NULL THEN 'required' END),
     ('name', NULL, CASE WHEN d.name IS NULL THEN 'required' END),
     ('administration', NULL, CASE WHEN d.administration IS NULL THEN 'required' END)
   ) x(column_name, value, problem)

  -- units
  UNION ALL
  SELECT 'staging_unit', u.source_row, x.column_name, x.value, x.problem
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
    LEFT JOIN known_district d ON d.district_code = r.district_code
   CROSS JOIN LATERAL (VALUES
     ('personal_number', NULL,
        CASE WHEN r.personal_number_text IS NULL THEN 'required'
             WHEN r.personal_number IS NULL
             THEN 'invalid personal identity number: ' || skolval.personal_number_problem(r.personal_number_text, CURRENT_DATE) END),
     ('protected_identity', r.protected_identity_text,
        CASE WHEN r.protected_identity IS NULL THEN 'not a yes/no value: use J or N (ja/nej, true/false, 1/0), empty for no' END),
     ('municipality_code', r.municipality_code,
        CASE WHEN r.municipality_code IS NULL THEN 'required'
             WHEN r.municipality_code !~ '^[0-9]{4}$' THEN 'municipality code must be four digits' END),
     ('district_code', r.district_code,
        CASE WHEN r.district_code IS NOT NULL AND d.district_code IS NULL
             THEN 'unknown district: not in staging_district nor in skolval.district' END),
     ('valid_from', r.valid_from_text,
        CASE WHEN r.valid_from_text IS NULL THEN 'required'
             WHEN r.valid_from IS NULL THEN 'not a date: use YYYY-MM-DD or YYYYMMDD' END),
     ('valid_to', r.valid_to_text,
        CASE WHEN r.valid_to_text IS NOT NULL AND r.valid_to IS NULL THEN 'not a date: use YYYY-MM-DD or YYYYMMDD'
             WHEN r.valid_to < r.valid_from THEN 'valid_to is before valid_from' END)
   ) x(column_name, value, problem)
  UNION ALL
  -- a stored period a published round measured from may not disappear (reported on the
  -- child's first staged row; the date is the period's, not personal data)
  SELECT 'staging_residence', min(r.source_row), 'valid_from', pg_catalog.to_char(x.valid_from, 'YYYY-MM-DD'),
         pg_catalog.format('stored period cannot be removed: the period from %s is not in the file, but published round "%s" measured this child''s home from it; stage it too (closed with valid_to if it has ended)',
                           pg_catalog.to_char(x.valid_from, 'YYYY-MM-DD'), x.round_name)
    FROM sr r JOIN removed_period x ON x.personal_number = r.personal_number
   GROUP BY x.personal_number, x.valid_from, x.round_name
  UNION ALL
  SELECT 'staging_residence', r.source_row, l.column_name, l.value, l.problem
    FROM sr r
   CROSS JOIN LATERAL skolval._staging_location_problem(r.east, r.north, r.lat, r.lon, false, false) l
   WHERE btrim(pg_catalog.concat(r.east, r.north, r.lat, r.lon), E' \t\r\n') <> ''   -- no home given: nothing to check

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
             THEN 'invalid personal identity number: ' || skolval.personal_number_problem(s.personal_number_text, CURRENT_DATE)
             WHEN k1.personal_number IS NULL THEN 'unknown child: not in staging_residence nor in skolval.child' END),
     ('sibling_personal_number',
        CASE WHEN s.sibling_personal_number_text IS NULL THEN 'required'
             WHEN s.sibling_personal_number IS NULL
             THEN 'invalid personal identity number: ' || skolval.personal_number_problem(s.sibling_personal_number_text, CURRENT_DATE)
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
             THEN 'invalid personal identity number: ' || skolval.personal_number_problem(e.personal_number_text, CURRENT_DATE)
             WHEN k.personal_number IS NULL THEN 'unknown child: not in staging_residence nor in skolval.child' END),
     ('unit_code', e.unit_code,
        CASE WHEN e.unit_code IS NULL THEN 'required'
             WHEN u.unit_code IS NULL THEN 'unknown unit: not in staging_unit nor in skolval.unit'
             WHEN e.school_form IS NOT NULL AND u.school_forms IS NOT NULL AND NOT (e.school_form = ANY (u.school_forms))
             THEN pg_catalog.format('the unit does not offer the school form: it offers %s, not %s',
                                    pg_catalog.array_to_string(u.school_forms, ', '), e.school_form) END),
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
             WHEN r.round_id IS NULL
             THEN 'unknown placement round: not in skolval.placement_round; create it before merging (the row''s other fields were checked, its rank against max_wishes was not)'
             WHEN r.status = 'published' THEN 'the round is published: its wishes can no longer change' END),
     ('personal_number', NULL,
        CASE WHEN w.personal_number_text IS NULL THEN 'required'
             WHEN w.personal_number IS NULL
             THEN 'invalid personal identity number: ' || skolval.personal_number_problem(w.personal_number_text, CURRENT_DATE)
             WHEN k.personal_number IS NULL THEN 'unknown child: not in staging_residence nor in skolval.child' END),
     ('rank', w.rank_text,
        CASE WHEN w.rank_text IS NULL THEN 'required'
             WHEN w.rank IS NULL THEN 'not a whole number'
             WHEN w.rank < 1 THEN 'rank must be 1 or more'
             WHEN w.rank > r.max_wishes
             THEN pg_catalog.format('rank above the round''s max_wishes: the round allows at most %s wishes', r.max_wishes) END),
     ('unit_code', w.unit_code,
        CASE WHEN w.unit_code IS NULL THEN 'required'
             WHEN u.unit_code IS NULL THEN 'unknown unit: not in staging_unit nor in skolval.unit'
             WHEN coalesce(r.school_form::text, w.school_form) IS NULL THEN NULL   -- reported on school_form
             WHEN u.school_forms IS NULL
             THEN pg_catalog.format('cannot check that the unit offers the school form: the staged unit''s school_forms cannot be read (see staging_unit)')
             WHEN NOT (coalesce(r.school_form::text, w.school_form) = ANY (u.school_forms))
             THEN pg_catalog.format('the unit does not offer the round''s school form: it offers %s, not %s',
                                    pg_catalog.array_to_string(u.school_forms, ', '), coalesce(r.school_form::text, w.school_form)) END),
     ('school_form', w.school_form_text,
        CASE WHEN w.school_form_text IS NOT NULL AND w.school_form IS NULL
             THEN 'unknown school form: use forskola, forskoleklass, grundskola or fritidshem'
             WHEN r.round_id IS NOT NULL AND w.school_form IS NOT NULL AND w.school_form <> r.school_form::text
             THEN pg_catalog.format('not the round''s school form: the round is for %s', r.school_form)
             WHEN r.round_id IS NULL AND w.school_form_text IS NULL AND w.unit_code IS NOT NULL
             THEN 'required while the round does not exist: the school form the wished units must offer, so that it can be checked' END),
     ('sibling_claim', w.sibling_claim_text,
        CASE WHEN w.sibling_claim IS NULL THEN 'not a yes/no value: use J or N (ja/nej, true/false, 1/0), empty for no' END),
     ('submitted_at', w.submitted_at_text,
        CASE WHEN w.submitted_at_text IS NOT NULL AND w.submitted_at IS NULL
             THEN 'not a time stamp: use YYYY-MM-DD HH:MM[:SS], optionally with an offset such as +01' END)
   ) x(column_name, value, problem)
),
-- Problems between rows --------------------------------------------------------------------
set_problem AS (
  -- the same district twice
  SELECT 'staging_district' AS staging_table, a.source_row, 'district_code' AS column_name, a.district_code AS value,
         'duplicate: the same district_code is in row ' || string_agg(b.source_row::text, ', ' ORDER BY b.source_row) AS problem
    FROM sd a JOIN sd b ON b.district_code = a.district_code AND b.source_row <> a.source_row
   GROUP BY a.source_row, a.district_code
  UNION ALL
  -- the same unit twice
  SELECT 'staging_unit', a.source_row, 'unit_code' AS column_name, a.unit_code AS value,
         'duplicate: the same unit_code is in row ' || string_agg(b.source_row::text, ', ' ORDER BY b.source_row) AS problem
    FROM su a JOIN su b ON b.unit_code = a.unit_code AND b.source_row <> a.source_row
   GROUP BY a.source_row, a.unit_code
  UNION ALL
  -- the same child and valid_from twice
  SELECT 'staging_residence', a.source_row, 'personal_number,valid_from', pg_catalog.to_char(a.valid_from, 'YYYY-MM-DD'),
         'duplicate: the same child and valid_from are in row ' || string_agg(b.source_row::text, ', ' ORDER BY b.source_row)
    FROM sr a JOIN sr b ON b.personal_number = a.personal_number AND b.valid_from = a.valid_from
                        AND b.source_row <> a.source_row
   GROUP BY a.source_row, a.valid_from
  UNION ALL
  -- overlapping periods of one child (different starts; the same start is a duplicate above)
  SELECT 'staging_residence', a.source_row, 'valid_from,valid_to', NULL,
         'overlapping periods: the period overlaps the period of the same child in row ' || string_agg(b.source_row::text, ', ' ORDER BY b.source_row)
    FROM sr a JOIN sr b ON b.personal_number = a.personal_number
         AND b.source_row <> a.source_row AND b.valid_from <> a.valid_from
         AND daterange(a.valid_from, a.valid_to, '[]') && daterange(b.valid_from, b.valid_to, '[]')
   WHERE (a.valid_to IS NULL OR a.valid_to >= a.valid_from)
     AND (b.valid_to IS NULL OR b.valid_to >= b.valid_from)
   GROUP BY a.source_row
  UNION ALL
  -- the same enrollment twice
  SELECT 'staging_enrollment', a.source_row, 'personal_number,unit_code,school_form,valid_from', pg_catalog.to_char(a.valid_from, 'YYYY-MM-DD'),
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
         pg_catalog.format('gap in the ranks: rank %s leaves a gap, this child''s wishes in the round have ranks %s; they must run 1 to %s',
                           w.rank, g.ranks, g.n)
    FROM sw w
    JOIN (SELECT o.round_name, o.personal_number, pg_catalog.count(DISTINCT o.rank) AS n,
                 pg_catalog.array_to_string(pg_catalog.array_agg(DISTINCT o.rank ORDER BY o.rank), ', ') AS ranks
            FROM sw o
           WHERE o.rank >= 1
           GROUP BY o.round_name, o.personal_number) g
      ON g.round_name = w.round_name AND g.personal_number = w.personal_number
   WHERE w.rank > g.n
)
SELECT pr.staging_table, pr.source_row, pr.column_name, pr.value, pr.problem
  FROM (SELECT * FROM row_problem WHERE problem IS NOT NULL
        UNION ALL
        SELECT * FROM set_problem
        UNION ALL
        SELECT * FROM skolval._staging_bounds_problem()) pr
 ORDER BY pg_catalog.array_position(ARRAY['staging_district', 'staging_unit', 'staging_residence', 'staging_sibling',
                               'staging_enrollment', 'staging_wish'], pr.staging_table),
          pr.source_row, pr.column_name, pr.problem
$check$;
COMMENT ON FUNCTION skolval.staging_check() IS
  'Check the staging tables without writing anything: one row per problem (staging table, CSV data row, column, the value when it is not personal data, what is wrong). No rows means staging_merge() will load everything';

-- ---------------------------------------------------------------------------------------
-- The problem report's summary: counts by kind
-- ---------------------------------------------------------------------------------------

-- Every problem text is "<kind>: <details>" or just "<kind>", the kind never holding a value,
-- so problems group by it.
CREATE OR REPLACE FUNCTION skolval.staging_summary()
RETURNS TABLE(staging_table text, column_name text, kind text, problems bigint, first_rows bigint[])
LANGUAGE sql STABLE AS $$
  SELECT c.staging_table, c.column_name, pg_catalog.split_part(c.problem, ':', 1) AS kind,
         pg_catalog.count(*) AS problems,
         (pg_catalog.array_agg(c.source_row ORDER BY c.source_row))[1:5] AS first_rows
    FROM skolval.staging_check() c
   GROUP BY c.staging_table, c.column_name, pg_catalog.split_part(c.problem, ':', 1)
   ORDER BY pg_catalog.count(*) DESC,
            pg_catalog.array_position(ARRAY['staging_district', 'staging_unit', 'staging_residence', 'staging_sibling',
                                            'staging_enrollment', 'staging_wish'], c.staging_table),
            c.column_name, 3
$$;
COMMENT ON FUNCTION skolval.staging_summary() IS
  'The staging problem report in brief: one row per staging table, column and kind of problem (the problem text before its first colon), most frequent first, with the first five source rows. Read it before the full report of staging_check()';

-- ---------------------------------------------------------------------------------------
-- staging_merge(): all or nothing, and in place
-- ---------------------------------------------------------------------------------------

-- Reloading an unchanged extract changes nothing: every stored row that equals its staged row
-- is left alone (same id, no audit entry); a changed row is updated in place; only rows that
-- are really gone from a staged child's or (round, child)'s set are removed.
CREATE OR REPLACE FUNCTION skolval.staging_merge()
RETURNS TABLE(staging_table text, source_row bigint, column_name text, value text, problem text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  problem_row record;
  problems bigint := 0;
  bad bigint := 0;
  last_table text;
  last_row bigint;
  kinds text[] := '{}';
  by_kind text;
  districts_new bigint; districts_updated bigint;
  units_new bigint; units_updated bigint;
  children_new bigint; children_updated bigint;
  periods_removed bigint; periods_updated bigint; periods_added bigint;
  siblings_new bigint;
  enrollments_updated bigint; enrollments_new bigint;
  cohort_added bigint; wishes_removed bigint; wishes_updated bigint; wishes_added bigint; wish_children bigint;
  districts_staged bigint; units_staged bigint; children_staged bigint; periods_staged bigint;
  sibling_pairs bigint; enrollments_staged bigint; wishes_staged bigint;
BEGIN
  -- Nobody may change staging between the check and the load.
  LOCK TABLE skolval.staging_district, skolval.staging_unit, skolval.staging_residence, skolval.staging_sibling,
             skolval.staging_enrollment, skolval.staging_wish IN SHARE ROW EXCLUSIVE MODE;

  -- The check's rows come ordered by table and row: count the bad rows as they pass.
  FOR problem_row IN SELECT * FROM skolval.staging_check() LOOP
    problems := problems + 1;
    IF problem_row.staging_table IS DISTINCT FROM last_table OR problem_row.source_row IS DISTINCT FROM last_row THEN
      bad := bad + 1;
      last_table := problem_row.staging_table;
      last_row := problem_row.source_row;
    END IF;
    kinds := pg_catalog.array_append(kinds, problem_row.staging_table || '.' || problem_row.column_name || ' '
                                             || pg_catalog.split_part(problem_row.problem, ':', 1));
    staging_table := problem_row.staging_table;
    source_row := problem_row.source_row;
    column_name := problem_row.column_name;
    value := problem_row.value;
    problem := problem_row.problem;
    RETURN NEXT;
  END LOOP;
  IF bad > 0 THEN
    -- the five most frequent kinds; staging_summary() has them all
    SELECT pg_catalog.string_agg(pg_catalog.format('%s × %s', k.n, k.kind), '; ' ORDER BY k.i)
           || CASE WHEN max(k.kinds) > 5 THEN pg_catalog.format('; and %s other kinds', max(k.kinds) - 5) ELSE '' END
      INTO by_kind
      FROM (SELECT x.kind, pg_catalog.count(*) AS n,
                   pg_catalog.row_number() OVER (ORDER BY pg_catalog.count(*) DESC, x.kind) AS i,
                   pg_catalog.count(*) OVER () AS kinds
              FROM pg_catalog.unnest(kinds) x(kind) GROUP BY x.kind) k
     WHERE k.i <= 5;
    RAISE WARNING '% bad rows; nothing was loaded', bad
      USING DETAIL = pg_catalog.format('%s problems in %s rows of the staging tables; staging_merge() returned them all. By kind: %s.',
                                       problems, bad, by_kind),
            HINT = 'SELECT * FROM skolval.staging_summary() counts them by kind. Correct the rows listed (staging_table, source_row, column_name), or fix the files, run staging_clear() and load them again.';
    RETURN;
  END IF;

  SELECT pg_catalog.count(*) INTO districts_staged FROM skolval.staging_district;
  SELECT pg_catalog.count(*) INTO units_staged FROM skolval.staging_unit;
  SELECT pg_catalog.count(DISTINCT p.personal_number), pg_catalog.count(*)
    INTO children_staged, periods_staged FROM skolval.staging_residence_parsed p;
  SELECT pg_catalog.count(*) INTO enrollments_staged FROM skolval.staging_enrollment;
  SELECT pg_catalog.count(*) INTO wishes_staged FROM skolval.staging_wish;

  -- Districts, by district_code; never removed (residences and cost accounts name them).
  WITH up AS (
    INSERT INTO skolval.district AS d (district_code, name, administration)
    SELECT p.district_code, p.name, p.administration FROM skolval.staging_district_parsed p
    ON CONFLICT (district_code) DO UPDATE
       SET name = EXCLUDED.name, administration = EXCLUDED.administration
     WHERE (d.name, d.administration) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.administration)
    RETURNING (d.xmax = 0) AS inserted
  )
  SELECT pg_catalog.count(*) FILTER (WHERE inserted), pg_catalog.count(*) FILTER (WHERE NOT inserted)
    INTO districts_new, districts_updated FROM up;

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
     -- skolval's enum, domain and array columns compared as text: their operators are found by
     -- name on a path that holds the PostGIS schema, where a look-alike could be planted
     WHERE (u.name, u.organizer::pg_catalog.text, u.organizer_name, u.school_forms::pg_catalog.text, u.address,
            u.municipality_code::pg_catalog.text, u.location)
           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.organizer::pg_catalog.text, EXCLUDED.organizer_name,
                             EXCLUDED.school_forms::pg_catalog.text, EXCLUDED.address,
                             EXCLUDED.municipality_code::pg_catalog.text, EXCLUDED.location)
    RETURNING (u.xmax = 0) AS inserted
  )
  SELECT pg_catalog.count(*) FILTER (WHERE inserted), pg_catalog.count(*) FILTER (WHERE NOT inserted)
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
  SELECT pg_catalog.count(*) FILTER (WHERE inserted), pg_catalog.count(*) FILTER (WHERE NOT inserted)
    INTO children_new, children_updated FROM up;

  -- Residence: for every staged child the staged periods become its history, matched on
  -- valid_from. Periods gone from the file go first, then the matched ones are updated in
  -- place (keeping their residence_id, which rounds measure from), then new ones are added;
  -- the overlap trigger checks each statement's result.
  DELETE FROM skolval.residence r
   USING skolval.child c
   WHERE c.child_id = r.child_id
     AND c.personal_number IN (SELECT p.personal_number FROM skolval.staging_residence_parsed p)
     AND NOT EXISTS (SELECT 1 FROM skolval.staging_residence_parsed p
                      WHERE p.personal_number = c.personal_number AND p.valid_from = r.valid_from);
  GET DIAGNOSTICS periods_removed = ROW_COUNT;
  UPDATE skolval.residence r
     SET municipality_code = s.municipality_code, address = s.address, postal_code = s.postal_code,
         postal_town = s.postal_town, district_code = s.district_code, home = s.home, valid_to = s.valid_to
    FROM (SELECT c.child_id, p.* FROM skolval.staging_residence_parsed p
            JOIN skolval.child c ON c.personal_number = p.personal_number) s
   WHERE r.child_id = s.child_id AND r.valid_from = s.valid_from
     AND (r.municipality_code::text, r.address, r.postal_code, r.postal_town, r.district_code, r.home, r.valid_to)
         IS DISTINCT FROM (s.municipality_code, s.address, s.postal_code, s.postal_town, s.district_code, s.home, s.valid_to);
  GET DIAGNOSTICS periods_updated = ROW_COUNT;
  INSERT INTO skolval.residence (child_id, municipality_code, address, postal_code, postal_town, district_code, home,
                                 valid_from, valid_to)
  SELECT c.child_id, p.municipality_code, p.address, p.postal_code, p.postal_town, p.district_code, p.home,
         p.valid_from, p.valid_to
    FROM skolval.staging_residence_parsed p
    JOIN skolval.child c ON c.personal_number = p.personal_number
   WHERE NOT EXISTS (SELECT 1 FROM skolval.residence r WHERE r.child_id = c.child_id AND r.valid_from = p.valid_from)
   ORDER BY p.source_row;
  GET DIAGNOSTICS periods_added = ROW_COUNT;

  -- Siblings: added, never removed; each pair once, whatever the direction.
  SELECT pg_catalog.count(DISTINCT (least(a.child_id, b.child_id), greatest(a.child_id, b.child_id)))
    INTO sibling_pairs
    FROM skolval.staging_sibling_parsed p
    JOIN skolval.child a ON a.personal_number = p.personal_number
    JOIN skolval.child b ON b.personal_number = p.sibling_personal_number;
  INSERT INTO skolval.sibling (child_id, sibling_id)
  SELECT DISTINCT least(a.child_id, b.child_id), greatest(a.child_id, b.child_id)
    FROM skolval.staging_sibling_parsed p
    JOIN skolval.child a ON a.personal_number = p.personal_number
    JOIN skolval.child b ON b.personal_number = p.sibling_personal_number
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS siblings_new = ROW_COUNT;

  -- Enrollments, by (child, unit, school form, valid_from); stored ones not staged stay.
  UPDATE skolval.enrollment e
     SET grade = s.grade, hours_per_week = s.hours_per_week, valid_to = s.valid_to
    FROM (SELECT c.child_id, u.unit_id, p.school_form, p.grade, p.hours_per_week, p.valid_from, p.valid_to
            FROM skolval.staging_enrollment_parsed p
            JOIN skolval.child c ON c.personal_number = p.personal_number
            JOIN skolval.unit u ON u.unit_code = p.unit_code) s
   WHERE e.child_id = s.child_id AND e.unit_id = s.unit_id AND e.school_form::text = s.school_form
     AND e.valid_from = s.valid_from
     AND (e.grade, e.hours_per_week, e.valid_to) IS DISTINCT FROM (s.grade, s.hours_per_week, s.valid_to);
  GET DIAGNOSTICS enrollments_updated = ROW_COUNT;
  INSERT INTO skolval.enrollment (child_id, unit_id, school_form, grade, hours_per_week, valid_from, valid_to)
  SELECT c.child_id, u.unit_id, p.school_form::skolval.school_form, p.grade, p.hours_per_week, p.valid_from, p.valid_to
    FROM skolval.staging_enrollment_parsed p
    JOIN skolval.child c ON c.personal_number = p.personal_number
    JOIN skolval.unit u ON u.unit_code = p.unit_code
   WHERE NOT EXISTS (SELECT 1 FROM skolval.enrollment e
                      WHERE e.child_id = c.child_id AND e.unit_id = u.unit_id AND e.school_form::text = p.school_form
                        AND e.valid_from = p.valid_from)
   ORDER BY p.source_row;
  GET DIAGNOSTICS enrollments_new = ROW_COUNT;

  -- Wishes: for each staged (round, child) the staged wishes become the child's wishes, and
  -- the child joins the round's cohort. A wish is its (rank, unit): one whose rank now names
  -- another unit, or that is no longer staged, is removed; a kept one gets the staged claim
  -- and time in place; the staged ones not stored are added.
  INSERT INTO skolval.round_cohort (round_id, child_id)
  SELECT DISTINCT r.round_id, c.child_id
    FROM skolval.staging_wish_parsed p
    JOIN skolval.placement_round r ON r.name = p.round_name
    JOIN skolval.child c ON c.personal_number = p.personal_number
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS cohort_added = ROW_COUNT;
  DELETE FROM skolval.wish x
   USING (SELECT DISTINCT r.round_id, c.child_id
            FROM skolval.staging_wish_parsed p
            JOIN skolval.placement_round r ON r.name = p.round_name
            JOIN skolval.child c ON c.personal_number = p.personal_number) g
   WHERE x.round_id = g.round_id AND x.child_id = g.child_id
     AND NOT EXISTS (SELECT 1 FROM skolval.staging_wish_parsed p
                       JOIN skolval.placement_round r ON r.name = p.round_name
                       JOIN skolval.child c ON c.personal_number = p.personal_number
                       JOIN skolval.unit u ON u.unit_code = p.unit_code
                      WHERE r.round_id = x.round_id AND c.child_id = x.child_id
                        AND p.rank = x.rank AND u.unit_id = x.unit_id);
  GET DIAGNOSTICS wishes_removed = ROW_COUNT;
  UPDATE skolval.wish x
     SET sibling_claim = s.sibling_claim, submitted_at = s.submitted_at
    FROM (SELECT r.round_id, c.child_id, p.rank, u.unit_id, p.sibling_claim, p.submitted_at
            FROM skolval.staging_wish_parsed p
            JOIN skolval.placement_round r ON r.name = p.round_name
            JOIN skolval.child c ON c.personal_number = p.personal_number
            JOIN skolval.unit u ON u.unit_code = p.unit_code) s
   WHERE x.round_id = s.round_id AND x.child_id = s.child_id AND x.rank = s.rank AND x.unit_id = s.unit_id
     AND (x.sibling_claim, x.submitted_at) IS DISTINCT FROM (s.sibling_claim, s.submitted_at);
  GET DIAGNOSTICS wishes_updated = ROW_COUNT;
  INSERT INTO skolval.wish (round_id, child_id, rank, unit_id, sibling_claim, submitted_at)
  SELECT r.round_id, c.child_id, p.rank, u.unit_id, p.sibling_claim, p.submitted_at
    FROM skolval.staging_wish_parsed p
    JOIN skolval.placement_round r ON r.name = p.round_name
    JOIN skolval.child c ON c.personal_number = p.personal_number
    JOIN skolval.unit u ON u.unit_code = p.unit_code
   WHERE NOT EXISTS (SELECT 1 FROM skolval.wish x
                      WHERE x.round_id = r.round_id AND x.child_id = c.child_id AND x.rank = p.rank)
   ORDER BY r.round_id, c.child_id, p.rank;
  GET DIAGNOSTICS wishes_added = ROW_COUNT;
  SELECT pg_catalog.count(*) INTO wish_children
    FROM (SELECT DISTINCT p.round_name, p.personal_number FROM skolval.staging_wish_parsed p) g;

  PERFORM skolval.staging_clear();

  RAISE NOTICE 'staging merged: districts % new, % changed, % unchanged; units % new, % changed, % unchanged; children % new, % changed, % unchanged; residence periods % new, % changed, % unchanged, % removed; siblings % new, % already stored; enrollments % new, % changed, % unchanged; wishes % new, % changed, % unchanged, % removed for % (round, child) pairs, % children added to a cohort; staging cleared',
    districts_new, districts_updated, districts_staged - districts_new - districts_updated,
    units_new, units_updated, units_staged - units_new - units_updated,
    children_new, children_updated, children_staged - children_new - children_updated,
    periods_added, periods_updated, periods_staged - periods_added - periods_updated, periods_removed,
    siblings_new, sibling_pairs - siblings_new,
    enrollments_new, enrollments_updated, enrollments_staged - enrollments_new - enrollments_updated,
    wishes_added, wishes_updated, wishes_staged - wishes_added - wishes_updated, wishes_removed,
    wish_children, cohort_added;
  RETURN;
END $$;
COMMENT ON FUNCTION skolval.staging_merge() IS
  'Load the staging tables, all or nothing, in place: when staging_check() finds problems, return them, WARNING "N bad rows; nothing was loaded" with the counts by kind, load nothing and keep staging. Otherwise upsert districts (by district_code), units (by unit_code), children (by personal number); make the staged periods each staged child''s residence history (matched on valid_from: updated in place, keeping residence_id; added; the unstaged ones removed); add siblings; upsert enrollments (by child, unit, form, valid_from); make the staged wishes each staged (round, child)''s wishes (a (rank, unit) kept is updated in place) and add those children to the round''s cohort. Unchanged rows are never written. NOTICE with the counts, empty staging, return no rows';

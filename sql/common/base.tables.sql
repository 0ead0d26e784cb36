-- skolval: base objects — settings, shared types and the C helpers everything else uses.
--
-- Conventions for the whole script:
--  * every object lives in schema skolval and is referred to with its schema;
--  * plpgsql/sql functions get a fixed search_path at the end of the script (sql/operations/finish.sql),
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
  updated_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
  four_eyes          boolean NOT NULL DEFAULT true,
  four_eyes_off_reason text,
  snap_warn_m        double precision NOT NULL DEFAULT 100
                     CONSTRAINT settings_snap_warn_positive CHECK (snap_warn_m > 0 AND snap_warn_m <= 100000),
  CONSTRAINT settings_four_eyes_off_reason CHECK (four_eyes OR pg_catalog.btrim(coalesce(four_eyes_off_reason, '')) <> ''),
  CONSTRAINT settings_four_eyes_off_reason_at_most_1000_characters CHECK (char_length(four_eyes_off_reason) <= 1000),
  CONSTRAINT settings_four_eyes_off_reason_no_control_characters CHECK (four_eyes_off_reason !~ '[\x01-\x1f\x7f-\x9f]')
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
COMMENT ON COLUMN skolval.settings.snap_warn_m IS
  'A home or unit snapped to an edge more than this many metres (on the ground) away is measured, but becomes a warning data issue (long_snap): the straight stretch may cross a river, a railway or private land';
COMMENT ON COLUMN skolval.settings.updated_at IS 'When the settings last changed';

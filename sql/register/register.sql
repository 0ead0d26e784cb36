-- skolval: the register — units, children, residence history (folkbokföring), enrollments
-- from the student register, and siblings.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- ---------------------------------------------------------------------------------------
-- Points: every stored point is in the settings' SRID and near the municipality's network.
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.local_point(g geometry, what text) RETURNS geometry
LANGUAGE plpgsql STABLE AS $$
DECLARE
  p geometry;
  net skolval.network;
  margin double precision;
  off_by double precision;
  proj text;
BEGIN
  IF what IS NULL THEN
    RAISE EXCEPTION 'local_point(): what must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF g IS NULL THEN
    RETURN NULL;
  END IF;
  IF GeometryType(g) <> 'POINT' THEN
    RAISE EXCEPTION '%: location must be a point, not %', what, GeometryType(g)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF ST_IsEmpty(g) THEN
    RAISE EXCEPTION '%: location is an empty point (POINT EMPTY)', what
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Leave the location NULL when it is not known.';
  END IF;
  -- NaN > everything and Infinity is not < Infinity: both fail here.
  IF NOT (abs(ST_X(g)) < 'Infinity'::double precision AND abs(ST_Y(g)) < 'Infinity'::double precision) THEN
    RAISE EXCEPTION '%: point coordinates must be finite numbers, got (%, %)', what, ST_X(g), ST_Y(g)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF ST_SRID(g) = 0 THEN
    RAISE EXCEPTION '%: point has no coordinate system (SRID 0)', what
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give the SRID: ST_SetSRID(ST_MakePoint(east, north), 3006) for SWEREF99 TM, or ST_SetSRID(ST_MakePoint(lon, lat), 4326) for WGS84.';
  END IF;
  IF ST_SRID(g) = skolval.srid() THEN
    p := g;
  ELSE
    SELECT r.proj4text INTO proj FROM spatial_ref_sys r WHERE r.srid = ST_SRID(g);
    IF NOT FOUND THEN
      RAISE EXCEPTION '%: unknown coordinate system (SRID %)', what, ST_SRID(g)
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Use an SRID from spatial_ref_sys: 3006 for SWEREF99 TM, 4326 for WGS84.';
    END IF;
    IF proj LIKE '%+proj=longlat%' AND NOT (ST_X(g) BETWEEN -180::double precision AND 180::double precision
                                          AND ST_Y(g) BETWEEN -90::double precision AND 90::double precision) THEN
      RAISE EXCEPTION '%: (%, %) is not a longitude and latitude in SRID %', what, ST_X(g), ST_Y(g), ST_SRID(g)
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = 'Longitude must lie between -180 and 180 and latitude between -90 and 90.',
              HINT = 'Longitude first: ST_MakePoint(lon, lat). Projected coordinates need their own SRID, 3006 for SWEREF99 TM.';
    END IF;
    BEGIN
      p := ST_Transform(g, skolval.srid());
    EXCEPTION WHEN internal_error THEN   -- what PostGIS raises for a point it cannot project
      RAISE EXCEPTION '%: point (%, %) cannot be transformed from SRID % to SRID %', what, ST_X(g), ST_Y(g), ST_SRID(g), skolval.srid()
        USING ERRCODE = 'invalid_parameter_value', DETAIL = SQLERRM;
    END;
    IF NOT (abs(ST_X(p)) < 1e8::double precision AND abs(ST_Y(p)) < 1e8::double precision) THEN
      RAISE EXCEPTION '%: point (%, %) in SRID % lies outside the range of SRID %', what, ST_X(g), ST_Y(g), ST_SRID(g), skolval.srid()
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;
  IF NOT (abs(ST_X(p)) < 1e8::double precision AND abs(ST_Y(p)) < 1e8::double precision) THEN
    RAISE EXCEPTION '%: point (%, %) lies outside any plausible coordinate of SRID %', what, ST_X(p), ST_Y(p), ST_SRID(p)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

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
  'Normalise a point for storage: transform it to the settings'' SRID (WGS84 and other input accepted) and reject it (invalid_parameter_value, 22023) when it is not a point, is empty, has a NaN or infinite coordinate, has no or an unknown SRID, is not a longitude/latitude in a geographic SRID or cannot be transformed, and (check_violation) when it lies far outside the active network; "what" names the row in the error. NULL stays NULL';

CREATE OR REPLACE FUNCTION skolval._unit_point() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.location := skolval.local_point(NEW.location, pg_catalog.format('unit %s', NEW.unit_code));
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER unit_point BEFORE INSERT OR UPDATE OF location ON skolval.unit
  FOR EACH ROW EXECUTE FUNCTION skolval._unit_point();

-- Shared check: wishes, capacities and enrollments may only name a unit for a form it offers.
CREATE OR REPLACE FUNCTION skolval.require_unit_offers(unit_id bigint, form text, what text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
  u skolval.unit;
BEGIN
  IF what IS NULL THEN
    RAISE EXCEPTION 'require_unit_offers(): what must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO u FROM skolval.unit x WHERE x.unit_id = require_unit_offers.unit_id;
  IF FOUND AND NOT (form = ANY (u.school_forms::text[])) THEN
    RAISE EXCEPTION '%: unit % (%) does not offer %', what, u.unit_code, u.name, form
      USING ERRCODE = 'check_violation',
            DETAIL = pg_catalog.format('The unit offers %s.', pg_catalog.array_to_string(u.school_forms, ', '));
  END IF;
END $$;
COMMENT ON FUNCTION skolval.require_unit_offers(bigint, text, text) IS
  'Raise check_violation when the unit does not offer the school form; "what" names the row in the error. A NULL unit or form has nothing to check (the column''s NOT NULL constraint reports it)';

-- Store the canonical 12-digit number and say exactly what is wrong with a bad one; the
-- birth date follows from the number when not given.
CREATE OR REPLACE FUNCTION skolval._child_normalize() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.personal_number := skolval.personal_number_normalize(NEW.personal_number);
  NEW.birth_date := coalesce(NEW.birth_date, skolval.personal_number_birth_date(NEW.personal_number));
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER child_normalize BEFORE INSERT OR UPDATE OF personal_number, birth_date ON skolval.child
  FOR EACH ROW EXECUTE FUNCTION skolval._child_normalize();

CREATE OR REPLACE FUNCTION skolval._residence_point() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.home := skolval.local_point(NEW.home, pg_catalog.format('residence of child %s', NEW.child_id));
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER residence_point BEFORE INSERT OR UPDATE OF home ON skolval.residence
  FOR EACH ROW EXECUTE FUNCTION skolval._residence_point();

-- Overlap check after the statement's rows are in; the child row lock serialises concurrent
-- writers of the same child's history.
CREATE OR REPLACE FUNCTION skolval._residence_no_overlap() RETURNS trigger
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

CREATE OR REPLACE FUNCTION skolval.residence_on(child_id bigint, day date) RETURNS skolval.residence
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT r.* FROM skolval.residence r
         WHERE r.child_id = residence_on.child_id AND r.valid_from <= day
           AND (r.valid_to IS NULL OR r.valid_to >= day) $$;
COMMENT ON FUNCTION skolval.residence_on(bigint, date) IS 'The child''s registered residence on a day, NULL when none';

CREATE OR REPLACE FUNCTION skolval._enrollment_unit_offers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM skolval.require_unit_offers(NEW.unit_id, NEW.school_form,
            pg_catalog.format('enrollment of child %s', NEW.child_id));
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER enrollment_unit_offers BEFORE INSERT OR UPDATE OF unit_id, school_form ON skolval.enrollment
  FOR EACH ROW EXECUTE FUNCTION skolval._enrollment_unit_offers();

CREATE OR REPLACE FUNCTION skolval._sibling_order() RETURNS trigger
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
CREATE OR REPLACE TRIGGER sibling_order BEFORE INSERT OR UPDATE ON skolval.sibling
  FOR EACH ROW EXECUTE FUNCTION skolval._sibling_order();

CREATE OR REPLACE VIEW skolval.sibling_pair AS
  SELECT s.child_id, s.sibling_id FROM skolval.sibling s
  UNION ALL
  SELECT s.sibling_id, s.child_id FROM skolval.sibling s;
COMMENT ON VIEW skolval.sibling_pair IS 'Sibling relations in both directions: one row per (child, sibling)';
COMMENT ON COLUMN skolval.sibling_pair.child_id IS 'The child';
COMMENT ON COLUMN skolval.sibling_pair.sibling_id IS 'A sibling of the child';

-- Constraint triggers cannot be replaced in place: dropped and made again.
DROP TRIGGER IF EXISTS residence_no_overlap ON skolval.residence;
CREATE CONSTRAINT TRIGGER residence_no_overlap AFTER INSERT OR UPDATE ON skolval.residence
  FOR EACH ROW EXECUTE FUNCTION skolval._residence_no_overlap();

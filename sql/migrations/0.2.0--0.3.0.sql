-- skolval 0.2.0 -> 0.3.0: changes to what holds data (tables, domains, indexes, constraint
-- triggers), and drops of functions and views whose signature or columns changed. Everything
-- re-runnable (functions, views, triggers, grants) follows from the install's own files.

-- ---------------------------------------------------------------------------------------
-- Decided documents are records (issue 11, items 7, 8, 9, 12; task bidocs): the tables that
-- hold what a published placement run's and an approved or locked payment run's documents
-- show (sql/documents/records.tables.sql). sql/documents/records.sql records the runs already
-- decided when the database is upgraded.
-- ---------------------------------------------------------------------------------------
CREATE TABLE skolval.document_record (
  kind               text NOT NULL CONSTRAINT document_record_kind_known CHECK (kind IN ('placement', 'payment')),
  run_id             bigint NOT NULL,
  recorded_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
  municipality_name  text,
  board_name         text,
  board_address      text,
  contact            text,
  round_name         text,
  school_form        text,
  start_date         date,
  network_id         bigint,
  PRIMARY KEY (kind, run_id)
);
COMMENT ON TABLE skolval.document_record IS
  'One row per decided run (a published placement run, an approved or locked payment run): the settings its documents were made with when it was decided. Written only by the trigger that records a run, never changed';
COMMENT ON COLUMN skolval.document_record.kind IS 'placement (skolval.placement_run) or payment (skolval.payment_run)';
COMMENT ON COLUMN skolval.document_record.run_id IS 'The run';
COMMENT ON COLUMN skolval.document_record.recorded_at IS 'When the run was published, approved or locked and recorded';
COMMENT ON COLUMN skolval.document_record.municipality_name IS 'The municipality''s name then (skolval.settings)';
COMMENT ON COLUMN skolval.document_record.board_name IS 'The board then (skolval.document_setup())';
COMMENT ON COLUMN skolval.document_record.board_address IS 'The board''s address then';
COMMENT ON COLUMN skolval.document_record.contact IS 'The contact line then';
COMMENT ON COLUMN skolval.document_record.round_name IS 'Placement: the round''s name then';
COMMENT ON COLUMN skolval.document_record.school_form IS 'Placement: the round''s school form';
COMMENT ON COLUMN skolval.document_record.start_date IS 'Placement: the first school day then';
COMMENT ON COLUMN skolval.document_record.network_id IS 'Placement: the network the map and the routes were drawn on';

CREATE TABLE skolval.document_record_child (
  kind               text NOT NULL,
  run_id             bigint NOT NULL,
  child_id           bigint NOT NULL,
  protected_identity boolean NOT NULL,
  personal_number    text,
  given_name         text,
  family_name        text,
  birth_date         date,
  residence_id       bigint,
  address            text,
  postal_code        text,
  postal_town        text,
  home               geometry(Point),
  route              geometry,
  PRIMARY KEY (kind, run_id, child_id),
  FOREIGN KEY (kind, run_id) REFERENCES skolval.document_record
);
COMMENT ON TABLE skolval.document_record_child IS
  'Per decided run and child: who the child was and where it lived (for a placement run: the home the round measured from, and the walking route drawn on the map) when the run was decided. For a child with protected identity only the fact: every other column NULL';
COMMENT ON COLUMN skolval.document_record_child.kind IS 'placement or payment';
COMMENT ON COLUMN skolval.document_record_child.run_id IS 'The run';
COMMENT ON COLUMN skolval.document_record_child.child_id IS 'The child (no foreign key: the record outlives the register row)';
COMMENT ON COLUMN skolval.document_record_child.protected_identity IS 'The child had protected identity';
COMMENT ON COLUMN skolval.document_record_child.personal_number IS 'Personal identity number then';
COMMENT ON COLUMN skolval.document_record_child.given_name IS 'Given name then';
COMMENT ON COLUMN skolval.document_record_child.family_name IS 'Family name then';
COMMENT ON COLUMN skolval.document_record_child.birth_date IS 'Birth date';
COMMENT ON COLUMN skolval.document_record_child.residence_id IS 'Placement: the residence the round measured from';
COMMENT ON COLUMN skolval.document_record_child.address IS 'Placement: the registered address then (the letter''s address block)';
COMMENT ON COLUMN skolval.document_record_child.postal_code IS 'Placement: postal code then';
COMMENT ON COLUMN skolval.document_record_child.postal_town IS 'Placement: postal town then';
COMMENT ON COLUMN skolval.document_record_child.home IS 'Placement: the home point then (the map)';
COMMENT ON COLUMN skolval.document_record_child.route IS 'Placement: the walking route from the home to the unit placed at, as skolval.route() drew it then (NULL: none could be drawn)';

CREATE TABLE skolval.document_record_unit (
  kind               text NOT NULL,
  run_id             bigint NOT NULL,
  unit_id            bigint NOT NULL,
  unit_code          text,
  name               text,
  organizer          skolval.organizer_type,
  organizer_name     text,
  address            text,
  location           geometry(Point),
  PRIMARY KEY (kind, run_id, unit_id),
  FOREIGN KEY (kind, run_id) REFERENCES skolval.document_record
);
COMMENT ON TABLE skolval.document_record_unit IS
  'Per decided run and unit: the unit as its documents showed it when the run was decided';
COMMENT ON COLUMN skolval.document_record_unit.kind IS 'placement or payment';
COMMENT ON COLUMN skolval.document_record_unit.run_id IS 'The run';
COMMENT ON COLUMN skolval.document_record_unit.unit_id IS 'The unit (no foreign key)';
COMMENT ON COLUMN skolval.document_record_unit.unit_code IS 'Unit code then';
COMMENT ON COLUMN skolval.document_record_unit.name IS 'Name then';
COMMENT ON COLUMN skolval.document_record_unit.organizer IS 'municipal or independent';
COMMENT ON COLUMN skolval.document_record_unit.organizer_name IS 'The organizer (huvudman) then';
COMMENT ON COLUMN skolval.document_record_unit.address IS 'Address then';
COMMENT ON COLUMN skolval.document_record_unit.location IS 'Location then (the map)';

CREATE TABLE skolval.document_record_category (
  kind               text NOT NULL CONSTRAINT document_record_category_payment CHECK (kind = 'payment'),
  run_id             bigint NOT NULL,
  category_code      text NOT NULL,
  sort_order         integer,
  PRIMARY KEY (kind, run_id, category_code),
  FOREIGN KEY (kind, run_id) REFERENCES skolval.document_record
);
COMMENT ON TABLE skolval.document_record_category IS
  'Per decided payment run: the order of the payment categories on its statements then';
COMMENT ON COLUMN skolval.document_record_category.kind IS 'Always payment';
COMMENT ON COLUMN skolval.document_record_category.run_id IS 'The payment run';
COMMENT ON COLUMN skolval.document_record_category.category_code IS 'The category';
COMMENT ON COLUMN skolval.document_record_category.sort_order IS 'Its sort order then';
-- badinput (issue 11, items 9 and 11): bounds on every input column -- text lengths, no
-- control characters, dates 1900-2200, finite numbers, one-dimensional arrays, finite points.
-- The same constraints as sql/common/bounds.tables.sql, added NOT VALID and then validated
-- one by one: a stored row that breaks one stops the upgrade with the table, the constraint
-- and the row's key, so the data can be corrected and ALTER EXTENSION UPDATE run again.
-- ---------------------------------------------------------------------------------------

ALTER TABLE skolval.settings
  ADD CONSTRAINT settings_municipality_name_at_most_200_characters CHECK (char_length(municipality_name) <= 200) NOT VALID,
  ADD CONSTRAINT settings_municipality_name_no_control_characters CHECK (municipality_name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT settings_network_margin_at_most_1000_km CHECK (network_margin_m <= 1000000) NOT VALID,
  ADD CONSTRAINT settings_snap_limit_at_most_100_km CHECK (snap_limit_m <= 100000) NOT VALID;

ALTER TABLE skolval.document_settings
  ADD CONSTRAINT document_settings_board_name_at_most_200_characters CHECK (char_length(board_name) <= 200) NOT VALID,
  ADD CONSTRAINT document_settings_board_name_no_control_characters CHECK (board_name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT document_settings_board_address_at_most_300_characters CHECK (char_length(board_address) <= 300) NOT VALID,
  ADD CONSTRAINT document_settings_board_address_no_control_characters CHECK (board_address !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT document_settings_contact_at_most_300_characters CHECK (char_length(contact) <= 300) NOT VALID,
  ADD CONSTRAINT document_settings_contact_no_control_characters CHECK (contact !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT document_settings_font_path_at_most_1000_characters CHECK (char_length(font_path) <= 1000) NOT VALID,
  ADD CONSTRAINT document_settings_font_path_no_control_characters CHECK (font_path !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT document_settings_bold_font_path_at_most_1000_characters CHECK (char_length(bold_font_path) <= 1000) NOT VALID,
  ADD CONSTRAINT document_settings_bold_font_path_no_control_characters CHECK (bold_font_path !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID;

ALTER TABLE skolval.network
  ADD CONSTRAINT network_name_at_most_200_characters CHECK (char_length(name) <= 200) NOT VALID,
  ADD CONSTRAINT network_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT network_source_at_most_1000_characters CHECK (char_length(source) <= 1000) NOT VALID,
  ADD CONSTRAINT network_source_no_control_characters CHECK (source !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID;

ALTER TABLE skolval.edge
  ADD CONSTRAINT edge_length_finite CHECK (length_m < 'Infinity'::double precision) NOT VALID,
  ADD CONSTRAINT edge_geom_finite CHECK (NOT ST_IsEmpty(geom) AND ST_Length(geom) < 'Infinity'::double precision) NOT VALID,
  ADD CONSTRAINT edge_kind_at_most_50_characters CHECK (char_length(kind) <= 50) NOT VALID,
  ADD CONSTRAINT edge_kind_no_control_characters CHECK (kind !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT edge_name_at_most_200_characters CHECK (char_length(name) <= 200) NOT VALID,
  ADD CONSTRAINT edge_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID;

ALTER TABLE skolval.district
  ADD CONSTRAINT district_code_at_most_50_characters CHECK (char_length(district_code) <= 50) NOT VALID,
  ADD CONSTRAINT district_code_no_control_characters CHECK (district_code !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT district_name_at_most_200_characters CHECK (char_length(name) <= 200) NOT VALID,
  ADD CONSTRAINT district_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT district_administration_at_most_200_characters CHECK (char_length(administration) <= 200) NOT VALID,
  ADD CONSTRAINT district_administration_no_control_characters CHECK (administration !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID;

ALTER TABLE skolval.unit
  ADD CONSTRAINT unit_code_at_most_50_characters CHECK (char_length(unit_code) <= 50) NOT VALID,
  ADD CONSTRAINT unit_code_no_control_characters CHECK (unit_code !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT unit_name_at_most_200_characters CHECK (char_length(name) <= 200) NOT VALID,
  ADD CONSTRAINT unit_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT unit_organizer_name_at_most_200_characters CHECK (char_length(organizer_name) <= 200) NOT VALID,
  ADD CONSTRAINT unit_organizer_name_no_control_characters CHECK (organizer_name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT unit_address_at_most_300_characters CHECK (char_length(address) <= 300) NOT VALID,
  ADD CONSTRAINT unit_address_no_control_characters CHECK (address !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  -- one-dimensional from 1 (school_forms[1] is the first form), each form at most once
  ADD CONSTRAINT unit_forms_distinct_and_one_dimensional CHECK (CASE WHEN array_ndims(school_forms) > 1 OR array_lower(school_forms, 1) <> 1 THEN false
    ELSE cardinality(array_positions(school_forms, 'forskola')) <= 1
     AND cardinality(array_positions(school_forms, 'forskoleklass')) <= 1
     AND cardinality(array_positions(school_forms, 'grundskola')) <= 1
     AND cardinality(array_positions(school_forms, 'fritidshem')) <= 1 END) NOT VALID,
  ADD CONSTRAINT unit_location_finite CHECK (NOT ST_IsEmpty(location)
    AND abs(ST_X(location)) < 1e8 AND abs(ST_Y(location)) < 1e8) NOT VALID;

ALTER TABLE skolval.child
  ADD CONSTRAINT child_given_name_at_most_200_characters CHECK (char_length(given_name) <= 200) NOT VALID,
  ADD CONSTRAINT child_given_name_no_control_characters CHECK (given_name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT child_family_name_at_most_200_characters CHECK (char_length(family_name) <= 200) NOT VALID,
  ADD CONSTRAINT child_family_name_no_control_characters CHECK (family_name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT child_birth_date_in_range CHECK (birth_date BETWEEN '1900-01-01' AND '2200-12-31') NOT VALID;

ALTER TABLE skolval.residence
  ADD CONSTRAINT residence_address_at_most_300_characters CHECK (char_length(address) <= 300) NOT VALID,
  ADD CONSTRAINT residence_address_no_control_characters CHECK (address !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT residence_postal_code_at_most_50_characters CHECK (char_length(postal_code) <= 50) NOT VALID,
  ADD CONSTRAINT residence_postal_code_no_control_characters CHECK (postal_code !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT residence_postal_town_at_most_200_characters CHECK (char_length(postal_town) <= 200) NOT VALID,
  ADD CONSTRAINT residence_postal_town_no_control_characters CHECK (postal_town !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT residence_dates_in_range CHECK (valid_from BETWEEN '1900-01-01' AND '2200-12-31'
    AND valid_to BETWEEN '1900-01-01' AND '2200-12-31') NOT VALID,
  ADD CONSTRAINT residence_home_finite CHECK (NOT ST_IsEmpty(home) AND abs(ST_X(home)) < 1e8 AND abs(ST_Y(home)) < 1e8) NOT VALID;

ALTER TABLE skolval.enrollment
  ADD CONSTRAINT enrollment_dates_in_range CHECK (valid_from BETWEEN '1900-01-01' AND '2200-12-31'
    AND valid_to BETWEEN '1900-01-01' AND '2200-12-31') NOT VALID;

ALTER TABLE skolval.placement_round
  ADD CONSTRAINT placement_round_name_at_most_200_characters CHECK (char_length(name) <= 200) NOT VALID,
  ADD CONSTRAINT placement_round_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT placement_round_dates_in_range CHECK (start_date BETWEEN '1900-01-01' AND '2200-12-31'
    AND cohort_date BETWEEN '1900-01-01' AND '2200-12-31') NOT VALID,
  -- criteria[1] is the first criterion: one-dimensional from 1, no NULL element
  ADD CONSTRAINT placement_round_criteria_one_dimensional CHECK (CASE WHEN array_ndims(criteria) > 1 OR array_lower(criteria, 1) <> 1 THEN false
    ELSE array_position(criteria, NULL) IS NULL END) NOT VALID,
  ADD CONSTRAINT near_home_distance_at_most_100_km CHECK (near_home_distance_m <= 100000) NOT VALID;

ALTER TABLE skolval.wish
  ADD CONSTRAINT wish_submitted_at_in_range CHECK (submitted_at BETWEEN '1900-01-01 00:00:00+00' AND '2201-01-01 00:00:00+00') NOT VALID;

ALTER TABLE skolval.payment_holiday
  ADD CONSTRAINT payment_holiday_day_in_range CHECK (day BETWEEN '1900-01-01' AND '2200-12-31') NOT VALID,
  ADD CONSTRAINT payment_holiday_name_at_most_200_characters CHECK (char_length(name) <= 200) NOT VALID,
  ADD CONSTRAINT payment_holiday_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID;

ALTER TABLE skolval.payment_category
  ADD CONSTRAINT payment_category_code_at_most_50_characters CHECK (char_length(category_code) <= 50) NOT VALID,
  ADD CONSTRAINT payment_category_code_no_control_characters CHECK (category_code !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT payment_category_name_at_most_200_characters CHECK (char_length(name_sv) <= 200) NOT VALID,
  ADD CONSTRAINT payment_category_name_no_control_characters CHECK (name_sv !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT payment_category_hours_in_range CHECK (hours_over BETWEEN 0 AND 168 AND hours_up_to BETWEEN 0 AND 168) NOT VALID;

ALTER TABLE skolval.payment_rate
  ADD CONSTRAINT payment_rate_amounts_finite CHECK (base_annual <> 'NaN' AND premises_annual <> 'NaN') NOT VALID,
  ADD CONSTRAINT payment_rate_dates_in_range CHECK (valid_from BETWEEN '1900-01-01' AND '2200-12-31'
    AND valid_to BETWEEN '1900-01-01' AND '2200-12-31') NOT VALID,
  ADD CONSTRAINT payment_rate_decision_at_most_1000_characters CHECK (char_length(decision) <= 1000) NOT VALID,
  ADD CONSTRAINT payment_rate_decision_no_control_characters CHECK (decision !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID;

ALTER TABLE skolval.supplement
  ADD CONSTRAINT supplement_amount_finite CHECK (amount_monthly <> 'NaN') NOT VALID,
  ADD CONSTRAINT supplement_dates_in_range CHECK (valid_from BETWEEN '1900-01-01' AND '2200-12-31'
    AND valid_to BETWEEN '1900-01-01' AND '2200-12-31') NOT VALID,
  ADD CONSTRAINT supplement_decision_ref_at_most_200_characters CHECK (char_length(decision_ref) <= 200) NOT VALID,
  ADD CONSTRAINT supplement_decision_ref_no_control_characters CHECK (decision_ref !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID;

ALTER TABLE skolval.cost_account
  ADD CONSTRAINT cost_account_administration_at_most_200_characters CHECK (char_length(administration) <= 200) NOT VALID,
  ADD CONSTRAINT cost_account_administration_no_control_characters CHECK (administration !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID,
  ADD CONSTRAINT cost_account_account_at_most_50_characters CHECK (char_length(account) <= 50) NOT VALID,
  ADD CONSTRAINT cost_account_account_no_control_characters CHECK (account !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID;

ALTER TABLE skolval.payment_run
  ADD CONSTRAINT payment_run_month_in_range CHECK (month BETWEEN '1900-01-01' AND '2200-12-01') NOT VALID;

ALTER TABLE skolval.data_issue
  ADD CONSTRAINT data_issue_resolution_at_most_2000_characters CHECK (char_length(resolution) <= 2000) NOT VALID;

DO $bounds$
DECLARE
  c record;
  bad text;
BEGIN
  FOR c IN
    SELECT k.conname, pg_catalog.format('%I.%I', n.nspname, (SELECT r.relname FROM pg_catalog.pg_class r WHERE r.oid = k.conrelid)) AS tab, pg_catalog.pg_get_expr(k.conbin, k.conrelid) AS expr,
           (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
              FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
             WHERE i.indrelid = k.conrelid AND i.indisprimary) AS pkey
      FROM pg_catalog.pg_constraint k
      JOIN pg_catalog.pg_namespace n ON n.oid = (SELECT r.relnamespace FROM pg_catalog.pg_class r WHERE r.oid = k.conrelid)
     WHERE n.nspname = 'skolval' AND k.contype = 'c' AND NOT k.convalidated
     ORDER BY 2, 1
  LOOP
    EXECUTE pg_catalog.format('SELECT pg_catalog.string_agg(x.k, ''; '') FROM (SELECT (%s)::text AS k FROM %s WHERE NOT (%s) LIMIT 5) x',
                              CASE WHEN c.pkey IS NULL THEN 'ctid' ELSE 'ROW(' || c.pkey || ')' END, c.tab, c.expr)
      INTO bad;
    IF bad IS NOT NULL THEN
      RAISE EXCEPTION 'cannot upgrade skolval: rows of % break the new constraint %', c.tab, c.conname
        USING ERRCODE = 'check_violation',
              DETAIL = pg_catalog.format('Rows (%s) %s, and perhaps more, break CHECK (%s).',
                                         coalesce(c.pkey, 'ctid'), bad, c.expr),
              HINT = 'Correct or remove those rows (doc/data-model.md, "Bounds on input"), then run ALTER EXTENSION skolval UPDATE again.';
    END IF;
    EXECUTE pg_catalog.format('ALTER TABLE %s VALIDATE CONSTRAINT %I', c.tab, c.conname);
  END LOOP;
END $bounds$;

-- ---- placement: allocate() end to end in C (task "placement") -------------------------------
-- allocate() no longer goes through session temp tables and SQL helpers: the helpers that
-- carried data between its steps are gone (src/placement/allocate_sql.c does those steps).
DROP FUNCTION skolval._placement_applications(skolval.placement_round);
DROP FUNCTION skolval._placement_store(skolval.placement_round, text, text, boolean, bigint, text, integer[], integer[], timestamptz);
DROP FUNCTION skolval._criteria_json(text[], integer, integer, integer, double precision, double precision, double precision);
DROP FUNCTION skolval._criterion_value(text, integer, integer, integer, double precision, double precision, double precision);
DROP FUNCTION skolval._criteria_sv(text[], integer, integer, integer, double precision, double precision, double precision);
DROP FUNCTION skolval._key_difference(double precision[], double precision[]);
DROP FUNCTION skolval._seats_sv(integer);
-- The nearest units of every child and the candidate units of children placed
-- administratively, read per child in walking order instead of sorting all of a round's
-- distances (sql/placement/placement.tables.sql).
CREATE INDEX distance_walking_order_idx ON skolval.distance (network_id, residence_id, walking_m, unit_id)
  WHERE status = 'ok';

-- register: the newcomer's path (staging of districts, wishes checked before their round
-- exists) — task "register"
-- ---------------------------------------------------------------------------------------
CREATE TABLE skolval.staging_district (
  source_row      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  district_code   text,
  name            text,
  administration  text
);
ALTER TABLE skolval.staging_wish ADD COLUMN school_form text;
-- Distances: data between the steps flows through arguments and results, no longer through
-- session temporary tables (_sv_snap_todo, _sv_pairs, _sv_walk, _sv_issue).
DROP FUNCTION skolval._snap_todo(bigint);
DROP FUNCTION skolval._route_pairs(bigint, integer);
DROP FUNCTION skolval._record_issue(text, text, bigint, bigint, bigint, text, jsonb);
DROP FUNCTION skolval._reconcile_issues(bigint, text[]);
-- The example municipality: one function owns its scratch tables (pg_temp._demo_*); the steps
-- that read them across functions are gone.
DROP FUNCTION skolval._demo_units(bigint, integer);
DROP FUNCTION skolval._demo_people(bigint, integer);
DROP FUNCTION skolval._demo_changes(bigint);
DROP FUNCTION skolval._demo_round(bigint, integer);

-- ---------------------------------------------------------------------------------------
-- Task "frozen" (issue 11 items 3-6 and 10): decided is decided. Four eyes as a municipality
-- setting; who created, approved, locked and published by login and acting role; the audit log
-- names the function and current_user; row locks on skolval.job_lock replace advisory locks.
-- ---------------------------------------------------------------------------------------
ALTER TABLE skolval.settings
  ADD COLUMN four_eyes boolean NOT NULL DEFAULT true,
  ADD COLUMN four_eyes_off_reason text,
  ADD CONSTRAINT settings_four_eyes_off_reason CHECK (four_eyes OR pg_catalog.btrim(coalesce(four_eyes_off_reason, '')) <> ''),
  ADD CONSTRAINT settings_four_eyes_off_reason_at_most_1000_characters CHECK (char_length(four_eyes_off_reason) <= 1000),
  ADD CONSTRAINT settings_four_eyes_off_reason_no_control_characters CHECK (four_eyes_off_reason !~ '[\x01-\x1f\x7f-\x9f]');
ALTER TABLE skolval.payment_run
  ADD COLUMN created_role name,
  ADD COLUMN approved_role name,
  ADD COLUMN locked_role name,
  ADD COLUMN four_eyes_off_reason text;
ALTER TABLE skolval.placement_run
  ADD COLUMN created_session name,
  ADD COLUMN published_session name;
ALTER TABLE skolval.audit_log
  ADD COLUMN current_user_name name,
  ADD COLUMN function_name text;
CREATE TABLE skolval.job_lock (
  job  text NOT NULL CONSTRAINT job_lock_job_known CHECK (job IN ('payment_run', 'compute_distances')),
  key  bigint NOT NULL,
  PRIMARY KEY (job, key)
);
-- The payment run guard replaces payment_run_frozen (it now also guards inserts).
DROP TRIGGER payment_run_frozen ON skolval.payment_run;
ALTER EXTENSION skolval DROP FUNCTION skolval._payment_run_frozen();
DROP FUNCTION skolval._payment_run_frozen();
-- The placement run guard replaces placement_run_frozen (sql/placement/publish.sql).
DROP TRIGGER placement_run_frozen ON skolval.placement_run;
ALTER EXTENSION skolval DROP FUNCTION skolval._placement_run_frozen();
DROP FUNCTION skolval._placement_run_frozen();
-- Walking distances (issue 17): edges traceable to their source, dropped islands kept, a
-- warning for long snap segments. Edge lengths become metres on the ground: network_finish()
-- recomputes them; distances computed before are recomputed by compute_distances(round,
-- full_refresh => true) (the content hash of every network changes with its lengths).
ALTER TABLE skolval.edge ADD COLUMN source_id bigint;
COMMENT ON COLUMN skolval.edge.length_m IS 'Walking length in metres on the ground (geodesic length of the geometry on the GRS 80/WGS 84 ellipsoid, set by network_finish()); the routing cost';
COMMENT ON COLUMN skolval.edge.source_id IS 'The id of the feature the edge was cut from at the source: the OpenStreetMap way id (load-osm.sh), the NVDB element id, or whatever id the loading query returned as source_id; NULL when the source gave none';
CREATE INDEX edge_source_id_idx ON skolval.edge (network_id, source_id);
CREATE TABLE skolval.network_dropped_edge (
  network_id       bigint NOT NULL REFERENCES skolval.network ON DELETE CASCADE,
  edge_id          bigint NOT NULL,
  source_id        bigint,
  source           bigint NOT NULL,
  target           bigint NOT NULL,
  length_m         double precision NOT NULL,
  kind             text,
  name             text,
  geom             geometry(LineString) NOT NULL,
  component        bigint NOT NULL,
  component_edges  bigint NOT NULL,
  PRIMARY KEY (network_id, edge_id)
);
CREATE INDEX network_dropped_edge_geom_idx ON skolval.network_dropped_edge USING gist (geom);
COMMENT ON TABLE skolval.network_dropped_edge IS
  'Edges network_finish() removed because they are not connected to the largest component (islands: a path whose junction is missing, a clipped road): not routed, kept for the GIS team to fix at the source';
COMMENT ON COLUMN skolval.network_dropped_edge.network_id IS 'Network version';
COMMENT ON COLUMN skolval.network_dropped_edge.edge_id IS 'Edge id as loaded';
COMMENT ON COLUMN skolval.network_dropped_edge.source_id IS 'OpenStreetMap way id or NVDB element id the edge came from';
COMMENT ON COLUMN skolval.network_dropped_edge.source IS 'Vertex id at the start of the geometry';
COMMENT ON COLUMN skolval.network_dropped_edge.target IS 'Vertex id at the end of the geometry';
COMMENT ON COLUMN skolval.network_dropped_edge.length_m IS 'Length in metres on the ground';
COMMENT ON COLUMN skolval.network_dropped_edge.kind IS 'Kind of way (OSM highway tag and the like)';
COMMENT ON COLUMN skolval.network_dropped_edge.name IS 'Street or path name when known';
COMMENT ON COLUMN skolval.network_dropped_edge.geom IS 'The edge as a LineString in the settings'' SRID';
COMMENT ON COLUMN skolval.network_dropped_edge.component IS 'The island it belongs to: the smallest vertex id of its connected component';
COMMENT ON COLUMN skolval.network_dropped_edge.component_edges IS 'How many edges that island has';
ALTER TABLE skolval.settings
  ADD COLUMN snap_warn_m double precision NOT NULL DEFAULT 100
             CONSTRAINT settings_snap_warn_positive CHECK (snap_warn_m > 0 AND snap_warn_m <= 100000);
COMMENT ON COLUMN skolval.settings.snap_warn_m IS
  'A home or unit snapped to an edge more than this many metres (on the ground) away is measured, but becomes a warning data issue (long_snap): the straight stretch may cross a river, a railway or private land';
COMMENT ON COLUMN skolval.snap.fraction IS 'Position on the edge from its source (0) to its target (1) as a share of the edge''s ground length (what pgRouting multiplies the cost by), kept strictly inside (0, 1) because pgRouting 3.4 drops points at exactly 0 or 1';
COMMENT ON COLUMN skolval.snap.snap_m IS 'Straight distance in metres on the ground (geodesic) from the point to the snapped point on the edge; added to every walk from or to it';
COMMENT ON COLUMN skolval.distance.straight_m IS 'Straight-line metres on the ground between home and unit (grid length divided by the mean scale factor of the two points), for comparison only; never used as a fallback';
COMMENT ON COLUMN skolval.distance.walking_m IS 'Walking metres on the ground along the network including both snap segments; NULL unless status is ok';
COMMENT ON COLUMN skolval.distance.computed_at IS 'When the value was last set: a recomputation that finds the same status and metres leaves the row (and this time) as it was';

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
-- The generator's arithmetic runs pinned without PostGIS: addresses come as coordinates from
-- _demo_addresses() (issue 11: no planted name reached from demo_municipality()).
DROP FUNCTION skolval._demo_locate(bigint, text, bigint[]);

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

-- ---- issue 16 (branch year): the school year after the main round — same as sql/year/year.tables.sql ----

-- The year's settings, one row per main round (the round whose published run the year amends).
CREATE TABLE skolval.school_year_settings (
  round_id               bigint PRIMARY KEY REFERENCES skolval.placement_round ON DELETE CASCADE,
  in_movers              text NOT NULL DEFAULT 'place_now'
                         CONSTRAINT in_movers_known CHECK (in_movers IN ('place_now', 'wait')),
  late_applications      text NOT NULL DEFAULT 'wait'
                         CONSTRAINT late_applications_known CHECK (late_applications IN ('place_now', 'wait')),
  show_position_to_family boolean NOT NULL DEFAULT false,
  appeal_days            integer NOT NULL DEFAULT 21 CONSTRAINT appeal_days_positive CHECK (appeal_days > 0),
  shadow_round_id        bigint REFERENCES skolval.placement_round ON DELETE SET NULL,
  updated_at             timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE skolval.school_year_settings IS
  'How the municipality runs the school year after a main round: in-movers and late applications placed at once among the free seats or kept for the next later round, whether families see their waiting-list positions, the appeal period';
COMMENT ON COLUMN skolval.school_year_settings.round_id IS 'The main round (its published run is the base of every current placement)';
COMMENT ON COLUMN skolval.school_year_settings.in_movers IS 'place_now: an in-mover gets a place by the round''s rules among the free seats at once; wait: its application waits for the next later round';
COMMENT ON COLUMN skolval.school_year_settings.late_applications IS 'place_now or wait, as for in-movers, for late applications of children already in the year';
COMMENT ON COLUMN skolval.school_year_settings.show_position_to_family IS 'Whether letters tell the family the child''s waiting-list positions';
COMMENT ON COLUMN skolval.school_year_settings.appeal_days IS 'Days from delivery within which an appeal is on time (FL 44 §: three weeks)';
COMMENT ON COLUMN skolval.school_year_settings.shadow_round_id IS 'Internal: a draft round with the main round''s rules whose cohort and wishes are the year''s wishes in force; allocate() reads priorities from it through placement_applications(). Never allocated or published';
COMMENT ON COLUMN skolval.school_year_settings.updated_at IS 'When the settings last changed';

-- A later round: refill (after declines), switch (new wishes), reserve (late applicants, newcomers).
CREATE TABLE skolval.later_round (
  later_round_id    bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  round_id          bigint NOT NULL REFERENCES skolval.placement_round,
  name              text NOT NULL CONSTRAINT later_round_name_unique UNIQUE
                    CONSTRAINT later_round_name_not_blank CHECK (pg_catalog.btrim(name) <> ''),
  kind              text NOT NULL CONSTRAINT later_round_kind_known CHECK (kind IN ('refill', 'switch', 'reserve')),
  tie_break         text NOT NULL DEFAULT 'lottery'
                    CONSTRAINT later_round_tie_break_known CHECK (tie_break IN ('lottery', 'application_time')),
  uses_offers       boolean NOT NULL DEFAULT false,
  answer_days       integer NOT NULL DEFAULT 14 CONSTRAINT answer_days_positive CHECK (answer_days > 0),
  decision_date     date NOT NULL,
  status            text NOT NULL DEFAULT 'open' CONSTRAINT later_round_status_known CHECK (status IN ('open', 'decided')),
  created_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
  decided_at        timestamptz,
  decided_by        text,
  summary           jsonb
);
CREATE INDEX later_round_round_idx ON skolval.later_round (round_id);
COMMENT ON TABLE skolval.later_round IS
  'A later round of the school year: deferred acceptance over the wishes in force with every placed child''s current placement as its guaranteed last choice (direct rounds), or over the free seats only with offers (offer rounds)';
COMMENT ON COLUMN skolval.later_round.later_round_id IS 'Id';
COMMENT ON COLUMN skolval.later_round.round_id IS 'The main round whose year this is';
COMMENT ON COLUMN skolval.later_round.name IS 'Unique name, for example "Omval HT2027"';
COMMENT ON COLUMN skolval.later_round.kind IS 'refill (waiting lists after declines; new wishes only from children without a place), switch (placed children may give new wishes), reserve (late applicants and newcomers)';
COMMENT ON COLUMN skolval.later_round.tie_break IS 'lottery (the round''s lottery numbers) or application_time (earlier application first, ÖKN 2019:1015), applied after the round''s other criteria';
COMMENT ON COLUMN skolval.later_round.uses_offers IS 'true: a placed child who could move gets an offer with an answer deadline and keeps its place until it accepts; only seats free when the round runs are offered. false: the placement changes directly';
COMMENT ON COLUMN skolval.later_round.answer_days IS 'Days to answer an offer';
COMMENT ON COLUMN skolval.later_round.decision_date IS 'Date of the round''s decisions (effective date of its amendments)';
COMMENT ON COLUMN skolval.later_round.status IS 'open (applications taken) or decided (run; its amendments and offers exist)';
COMMENT ON COLUMN skolval.later_round.created_at IS 'When the round was opened';
COMMENT ON COLUMN skolval.later_round.decided_at IS 'When it was run';
COMMENT ON COLUMN skolval.later_round.decided_by IS 'Who ran it';
COMMENT ON COLUMN skolval.later_round.summary IS 'Counts of the run: children, moved, placed, offers, unchanged';

-- Applications after the main round: switch wishes, late applications, in-movers' applications.
CREATE TABLE skolval.year_application (
  application_id    bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  round_id          bigint NOT NULL REFERENCES skolval.placement_round,
  child_id          bigint NOT NULL REFERENCES skolval.child,
  kind              text NOT NULL CONSTRAINT year_application_kind_known CHECK (kind IN ('switch', 'late', 'in_mover')),
  units             bigint[] NOT NULL
                    CONSTRAINT year_application_units_shape CHECK (pg_catalog.array_ndims(units) = 1 AND pg_catalog.array_position(units, NULL) IS NULL),
  sibling_units     bigint[] NOT NULL DEFAULT '{}',
  submitted_at      timestamptz NOT NULL,
  later_round_id    bigint REFERENCES skolval.later_round,
  received_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
  handled_at        timestamptz,
  handled_by_later_round_id bigint REFERENCES skolval.later_round,
  handled_amendment_id bigint
);
CREATE INDEX year_application_child_idx ON skolval.year_application (round_id, child_id);
COMMENT ON TABLE skolval.year_application IS
  'Wishes given after the main round, ranked: a switch application of a placed child, a late application, an in-mover''s application. The latest unhandled one of a child is its wishes in force in the next later round; it replaces the child''s waiting lists';
COMMENT ON COLUMN skolval.year_application.application_id IS 'Id';
COMMENT ON COLUMN skolval.year_application.round_id IS 'The main round (the year)';
COMMENT ON COLUMN skolval.year_application.child_id IS 'The child';
COMMENT ON COLUMN skolval.year_application.kind IS 'switch (placed child, new wishes), late (a child of the year whose application came after the deadline), in_mover (moved into the municipality after the main round)';
COMMENT ON COLUMN skolval.year_application.units IS 'Wished units in rank order (the empty list: no wish, place near home)';
COMMENT ON COLUMN skolval.year_application.sibling_units IS 'Wished units where the guardians state that a sibling attends (verified against the register like the main round''s claims)';
COMMENT ON COLUMN skolval.year_application.submitted_at IS 'When the application was signed (the tie-break under application_time)';
COMMENT ON COLUMN skolval.year_application.later_round_id IS 'The later round it was given for (NULL: the next one)';
COMMENT ON COLUMN skolval.year_application.received_at IS 'When skolval received it';
COMMENT ON COLUMN skolval.year_application.handled_at IS 'When a later round or a placement between rounds used it';
COMMENT ON COLUMN skolval.year_application.handled_by_later_round_id IS 'The later round that used it (NULL: placed between rounds, or not yet used)';
COMMENT ON COLUMN skolval.year_application.handled_amendment_id IS 'The amendment that placed the child between rounds';

-- The current placement = the published run + these amendments; the latest per child counts.
CREATE TABLE skolval.placement_amendment (
  amendment_id      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  round_id          bigint NOT NULL REFERENCES skolval.placement_round,
  run_id            bigint NOT NULL,
  child_id          bigint NOT NULL REFERENCES skolval.child,
  unit_id           bigint REFERENCES skolval.unit,
  previous_unit_id  bigint REFERENCES skolval.unit,
  kind              text NOT NULL CONSTRAINT placement_amendment_kind_known
                    CHECK (kind IN ('declined', 'moved_away', 'later_round', 'offer_accepted', 'placed_between_rounds',
                                    'ordered_place', 'reconsidered')),
  later_round_id    bigint REFERENCES skolval.later_round,
  offer_id          bigint,
  appeal_id         bigint,
  wish_rank         smallint,
  above_capacity    boolean NOT NULL DEFAULT false,
  effective_date    date NOT NULL,
  decided_at        timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  decided_by        text NOT NULL DEFAULT CURRENT_USER,
  decision_sv       text NOT NULL CONSTRAINT amendment_decision_not_blank CHECK (pg_catalog.btrim(decision_sv) <> ''),
  motivation_sv     text NOT NULL CONSTRAINT amendment_motivation_not_blank CHECK (pg_catalog.btrim(motivation_sv) <> ''),
  explanation       jsonb NOT NULL DEFAULT '{}',
  case_number       text,
  CONSTRAINT amendment_gives_up_or_places CHECK ((unit_id IS NULL) = (kind IN ('declined', 'moved_away'))),
  CONSTRAINT amendment_above_capacity_only_ordered CHECK (NOT above_capacity OR kind = 'ordered_place'),
  CONSTRAINT amendment_later_round_given CHECK ((kind = 'later_round') <= (later_round_id IS NOT NULL))
);
CREATE INDEX placement_amendment_child_idx ON skolval.placement_amendment (round_id, child_id, decided_at, amendment_id);
COMMENT ON TABLE skolval.placement_amendment IS
  'A dated change of a child''s placement after publication, with its own decision, motivation and letter; the published run never changes. Immutable: a correction is a new amendment';
COMMENT ON COLUMN skolval.placement_amendment.amendment_id IS 'Id (also the order of amendments decided in the same instant)';
COMMENT ON COLUMN skolval.placement_amendment.round_id IS 'The main round';
COMMENT ON COLUMN skolval.placement_amendment.run_id IS 'The published run it amends (checked by a trigger, not a foreign key: a published run is never deleted, and the owner may still empty the run tables)';
COMMENT ON COLUMN skolval.placement_amendment.child_id IS 'The child';
COMMENT ON COLUMN skolval.placement_amendment.unit_id IS 'The new placement; NULL when the child no longer has one (declined, moved away)';
COMMENT ON COLUMN skolval.placement_amendment.previous_unit_id IS 'The current placement before (NULL: the child had none)';
COMMENT ON COLUMN skolval.placement_amendment.kind IS 'declined, moved_away (seat freed), later_round, offer_accepted, placed_between_rounds, ordered_place (by the appeal body), reconsidered (omprövning)';
COMMENT ON COLUMN skolval.placement_amendment.later_round_id IS 'The later round that decided it';
COMMENT ON COLUMN skolval.placement_amendment.offer_id IS 'The accepted offer';
COMMENT ON COLUMN skolval.placement_amendment.appeal_id IS 'The appeal that led to it';
COMMENT ON COLUMN skolval.placement_amendment.wish_rank IS 'Rank of the met wish among the wishes in force (NULL: not a wish)';
COMMENT ON COLUMN skolval.placement_amendment.above_capacity IS 'An ordered place above the unit''s capacity: it displaces nobody';
COMMENT ON COLUMN skolval.placement_amendment.effective_date IS 'From when the change applies';
COMMENT ON COLUMN skolval.placement_amendment.decided_at IS 'When it was decided';
COMMENT ON COLUMN skolval.placement_amendment.decided_by IS 'Who decided it (acting role)';
COMMENT ON COLUMN skolval.placement_amendment.decision_sv IS 'The decision in Swedish';
COMMENT ON COLUMN skolval.placement_amendment.motivation_sv IS 'The motivation (FL 32 §) in Swedish';
COMMENT ON COLUMN skolval.placement_amendment.explanation IS 'The decisive facts as JSON (wishes in force, priority, cut-off)';
COMMENT ON COLUMN skolval.placement_amendment.case_number IS 'Case number (diarienummer) of the amendment''s decision, the next of the configured series, given when its letter is queued in the decision outbox (written once)';

-- Waiting lists: a child is on the list of each unit it ranks above its placement.
CREATE TABLE skolval.waiting_list (
  entry_id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  round_id          bigint NOT NULL REFERENCES skolval.placement_round,
  unit_id           bigint NOT NULL REFERENCES skolval.unit,
  child_id          bigint NOT NULL REFERENCES skolval.child,
  wish_rank         smallint NOT NULL,
  priority_key      double precision[] NOT NULL,
  sibling_claim     boolean NOT NULL DEFAULT false,
  submitted_at      timestamptz,
  source            text NOT NULL CONSTRAINT waiting_list_source_known CHECK (source IN ('main_round', 'later_round', 'between_rounds')),
  later_round_id    bigint REFERENCES skolval.later_round,
  added_at          timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  left_at           timestamptz,
  left_reason       text CONSTRAINT waiting_list_left_reason_known
                    CHECK (left_reason IN ('family_left', 'placed', 'no_place', 'superseded')),
  CONSTRAINT waiting_list_left_with_reason CHECK ((left_at IS NULL) = (left_reason IS NULL))
);
CREATE UNIQUE INDEX waiting_list_open_once ON skolval.waiting_list (round_id, unit_id, child_id) WHERE left_at IS NULL;
CREATE INDEX waiting_list_child_idx ON skolval.waiting_list (round_id, child_id) WHERE left_at IS NULL;
COMMENT ON TABLE skolval.waiting_list IS
  'Waiting lists (kö): on publication every child is on the list of each unit it ranked above its placement, with its priority key there (the round''s criteria tuple, lower first); later rounds and placements between rounds renew a child''s entries. An entry is left, never deleted';
COMMENT ON COLUMN skolval.waiting_list.entry_id IS 'Id';
COMMENT ON COLUMN skolval.waiting_list.round_id IS 'The main round';
COMMENT ON COLUMN skolval.waiting_list.unit_id IS 'The unit waited for';
COMMENT ON COLUMN skolval.waiting_list.child_id IS 'The child';
COMMENT ON COLUMN skolval.waiting_list.wish_rank IS 'The wish''s rank in the wishes it came from';
COMMENT ON COLUMN skolval.waiting_list.priority_key IS 'The child''s priority at the unit: the round''s criteria in order, lower first (as placement_applications() gives it)';
COMMENT ON COLUMN skolval.waiting_list.sibling_claim IS 'The guardians claimed a sibling at the unit (carried into later rounds)';
COMMENT ON COLUMN skolval.waiting_list.submitted_at IS 'When the wish was given (tie-break under application_time)';
COMMENT ON COLUMN skolval.waiting_list.source IS 'main_round (publication), later_round, between_rounds';
COMMENT ON COLUMN skolval.waiting_list.later_round_id IS 'The later round that made the entry';
COMMENT ON COLUMN skolval.waiting_list.added_at IS 'When the child was put on the list';
COMMENT ON COLUMN skolval.waiting_list.left_at IS 'When the child left the list (NULL: on it)';
COMMENT ON COLUMN skolval.waiting_list.left_reason IS 'family_left (the family asked), placed (placed here or at a unit it ranks higher), no_place (declined or moved away), superseded (new wishes or a later round renewed the entry)';

-- What a later round matched: the input, kept for audit and for the independent checks.
CREATE TABLE skolval.later_round_wish (
  later_round_id    bigint NOT NULL REFERENCES skolval.later_round,
  child_id          bigint NOT NULL REFERENCES skolval.child,
  rank              smallint NOT NULL,
  unit_id           bigint NOT NULL REFERENCES skolval.unit,
  guaranteed        boolean NOT NULL,
  implicit          boolean NOT NULL,
  source            text NOT NULL CONSTRAINT later_round_wish_source_known
                    CHECK (source IN ('application', 'waiting_list', 'current_placement', 'near_home')),
  priority_key      double precision[] NOT NULL,
  round_key         double precision[] NOT NULL,
  sibling_claim     boolean NOT NULL DEFAULT false,
  submitted_at      timestamptz,
  decisive_criterion text,
  outcome           text NOT NULL CONSTRAINT later_round_wish_outcome_known CHECK (outcome IN ('admitted', 'rejected', 'not_needed')),
  PRIMARY KEY (later_round_id, child_id, rank)
);
-- A unit's wishes in a round: seats taken and cut-offs per unit (run_later_round).
CREATE INDEX later_round_wish_unit_idx ON skolval.later_round_wish (later_round_id, unit_id, outcome);
COMMENT ON TABLE skolval.later_round_wish IS
  'The wishes in force a later round matched, per child in rank order: new applications or waiting-list entries, then the current placement as the guaranteed last choice; with each wish''s priority key and outcome';
COMMENT ON COLUMN skolval.later_round_wish.later_round_id IS 'The later round';
COMMENT ON COLUMN skolval.later_round_wish.child_id IS 'The child';
COMMENT ON COLUMN skolval.later_round_wish.rank IS 'Rank in the wishes in force, 1 first';
COMMENT ON COLUMN skolval.later_round_wish.unit_id IS 'The unit';
COMMENT ON COLUMN skolval.later_round_wish.guaranteed IS 'The child''s current placement, which it keeps unless it gets a wish above it';
COMMENT ON COLUMN skolval.later_round_wish.implicit IS 'A child without wishes and without a place: its nearest municipal unit, applied on its behalf';
COMMENT ON COLUMN skolval.later_round_wish.source IS 'application, waiting_list, current_placement or near_home';
COMMENT ON COLUMN skolval.later_round_wish.priority_key IS 'The priority key at the unit as matched (criteria, tie-break, lower first)';
COMMENT ON COLUMN skolval.later_round_wish.round_key IS 'The priority key by the round''s criteria alone (without the application-time tie-break), as waiting lists keep it';
COMMENT ON COLUMN skolval.later_round_wish.sibling_claim IS 'A sibling was claimed at the unit';
COMMENT ON COLUMN skolval.later_round_wish.submitted_at IS 'When the wish was given';
COMMENT ON COLUMN skolval.later_round_wish.decisive_criterion IS 'For a rejected wish: the first key component on which the child came after the unit''s last admitted child (no_free_seat: the unit admitted no one this round)';
COMMENT ON COLUMN skolval.later_round_wish.outcome IS 'admitted, rejected, not_needed (a higher wish was met)';

-- Offers of offer rounds.
CREATE TABLE skolval.placement_offer (
  offer_id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  later_round_id    bigint NOT NULL REFERENCES skolval.later_round,
  round_id          bigint NOT NULL REFERENCES skolval.placement_round,
  child_id          bigint NOT NULL REFERENCES skolval.child,
  unit_id           bigint NOT NULL REFERENCES skolval.unit,
  previous_unit_id  bigint NOT NULL REFERENCES skolval.unit,
  wish_rank         smallint NOT NULL,
  offered_at        timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  answer_by         date NOT NULL,
  status            text NOT NULL DEFAULT 'open' CONSTRAINT offer_status_known CHECK (status IN ('open', 'accepted', 'declined', 'lapsed')),
  answered_at       timestamptz,
  offer_sv          text NOT NULL
);
CREATE UNIQUE INDEX placement_offer_open_once ON skolval.placement_offer (round_id, child_id) WHERE status = 'open';
COMMENT ON TABLE skolval.placement_offer IS
  'An offer of a seat in an offer round: the child keeps its current place until it accepts; declining or letting the answer date pass keeps the old place and frees the offered seat';
COMMENT ON COLUMN skolval.placement_offer.offer_id IS 'Id';
COMMENT ON COLUMN skolval.placement_offer.later_round_id IS 'The round that made it';
COMMENT ON COLUMN skolval.placement_offer.round_id IS 'The main round';
COMMENT ON COLUMN skolval.placement_offer.child_id IS 'The child';
COMMENT ON COLUMN skolval.placement_offer.unit_id IS 'The unit offered (its seat is held until the answer)';
COMMENT ON COLUMN skolval.placement_offer.previous_unit_id IS 'The child''s current placement, kept unless it accepts';
COMMENT ON COLUMN skolval.placement_offer.wish_rank IS 'Rank of the wish the offer meets';
COMMENT ON COLUMN skolval.placement_offer.offered_at IS 'When it was made';
COMMENT ON COLUMN skolval.placement_offer.answer_by IS 'Last day to accept';
COMMENT ON COLUMN skolval.placement_offer.status IS 'open, accepted, declined, lapsed';
COMMENT ON COLUMN skolval.placement_offer.answered_at IS 'When it was answered or lapsed';
COMMENT ON COLUMN skolval.placement_offer.offer_sv IS 'The offer in Swedish';

-- Why a unit has the seats it has, per round (main or later): what the appeal body asks for.
CREATE TABLE skolval.capacity_justification (
  justification_id  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  round_id          bigint NOT NULL REFERENCES skolval.placement_round,
  later_round_id    bigint REFERENCES skolval.later_round,
  unit_id           bigint NOT NULL REFERENCES skolval.unit,
  seats             integer NOT NULL CONSTRAINT justification_seats_not_negative CHECK (seats >= 0),
  rooms             integer CONSTRAINT justification_rooms_not_negative CHECK (rooms >= 0),
  class_size        integer CONSTRAINT justification_class_size_positive CHECK (class_size > 0),
  decision_reference text NOT NULL CONSTRAINT justification_reference_not_blank CHECK (pg_catalog.btrim(decision_reference) <> ''),
  justification_sv  text NOT NULL CONSTRAINT justification_text_not_blank CHECK (pg_catalog.btrim(justification_sv) <> ''),
  recorded_at       timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  recorded_by       text NOT NULL DEFAULT CURRENT_USER
);
CREATE UNIQUE INDEX capacity_justification_once ON skolval.capacity_justification (round_id, coalesce(later_round_id, 0), unit_id);
COMMENT ON TABLE skolval.capacity_justification IS
  'Why a unit offers the seats it does in a round: rooms, the class size decided, the decision''s reference and a text for the appeal body, which overturns placements where the municipality "inte har visat" its difficulties (ÖKN 2019:229)';
COMMENT ON COLUMN skolval.capacity_justification.justification_id IS 'Id';
COMMENT ON COLUMN skolval.capacity_justification.round_id IS 'The main round';
COMMENT ON COLUMN skolval.capacity_justification.later_round_id IS 'The later round it applies to (NULL: the main round)';
COMMENT ON COLUMN skolval.capacity_justification.unit_id IS 'The unit';
COMMENT ON COLUMN skolval.capacity_justification.seats IS 'Seats justified (must equal the round''s capacity for the unit)';
COMMENT ON COLUMN skolval.capacity_justification.rooms IS 'Classrooms available';
COMMENT ON COLUMN skolval.capacity_justification.class_size IS 'Class size decided';
COMMENT ON COLUMN skolval.capacity_justification.decision_reference IS 'Reference of the decision (for example the board''s minutes, § and date)';
COMMENT ON COLUMN skolval.capacity_justification.justification_sv IS 'The justification in Swedish';
COMMENT ON COLUMN skolval.capacity_justification.recorded_at IS 'When it was recorded';
COMMENT ON COLUMN skolval.capacity_justification.recorded_by IS 'Who recorded it';

-- The appeal register.
CREATE TABLE skolval.appeal (
  appeal_id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  round_id          bigint NOT NULL REFERENCES skolval.placement_round,
  child_id          bigint NOT NULL REFERENCES skolval.child,
  run_id            bigint,
  amendment_id      bigint REFERENCES skolval.placement_amendment,
  wished_unit_id    bigint REFERENCES skolval.unit,
  received_date     date NOT NULL,
  delivered_date    date NOT NULL,
  deadline          date NOT NULL,
  on_time           boolean NOT NULL,
  route             text NOT NULL CONSTRAINT appeal_route_known CHECK (route IN ('forvaltningsbesvar', 'laglighetsprovning')),
  route_reason_sv   text NOT NULL,
  grounds_sv        text,
  review_outcome    text CONSTRAINT appeal_review_known CHECK (review_outcome IN ('changed', 'unchanged')),
  review_date       date,
  forwarded_date    date,
  outcome           text NOT NULL DEFAULT 'pending' CONSTRAINT appeal_outcome_known
                    CHECK (outcome IN ('pending', 'dismissed_late', 'resolved_by_review', 'rejected', 'ordered_place', 'quashed_returned', 'withdrawn')),
  outcome_date      date,
  outcome_reference text,
  registered_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  registered_by     text NOT NULL DEFAULT CURRENT_USER,
  CONSTRAINT appeal_names_a_decision CHECK ((run_id IS NULL) <> (amendment_id IS NULL)),
  CONSTRAINT appeal_outcome_dated CHECK ((outcome = 'pending') = (outcome_date IS NULL))
);
COMMENT ON TABLE skolval.appeal IS
  'Appeals of placement decisions: received date, the decision appealed, on time or late (from the delivery date), the route (förvaltningsbesvär to Skolväsendets överklagandenämnd under 9 kap. 15 § andra stycket skollagen, laglighetsprövning otherwise), the board''s own review (omprövning, FL 39 §) and the outcome';
COMMENT ON COLUMN skolval.appeal.appeal_id IS 'Id';
COMMENT ON COLUMN skolval.appeal.round_id IS 'The main round';
COMMENT ON COLUMN skolval.appeal.child_id IS 'The child';
COMMENT ON COLUMN skolval.appeal.run_id IS 'The published run whose decision is appealed (or amendment_id)';
COMMENT ON COLUMN skolval.appeal.amendment_id IS 'The amendment whose decision is appealed (or run_id)';
COMMENT ON COLUMN skolval.appeal.wished_unit_id IS 'The unit the guardians want';
COMMENT ON COLUMN skolval.appeal.received_date IS 'Day the appeal reached the municipality';
COMMENT ON COLUMN skolval.appeal.delivered_date IS 'Day the decision was delivered (from the decision outbox; förenklad delgivning: two weeks after sending)';
COMMENT ON COLUMN skolval.appeal.deadline IS 'Last day for an appeal: delivery + appeal_days, moved to the next working day when it falls on a Saturday, Sunday, public holiday, midsommarafton, julafton or nyårsafton (lag 1930:173; skolval.working_day)';
COMMENT ON COLUMN skolval.appeal.on_time IS 'received_date <= deadline';
COMMENT ON COLUMN skolval.appeal.route IS 'forvaltningsbesvar (to Skolväsendets överklagandenämnd: a wish not met for organisational or economic reasons, 9 kap. 15 § andra stycket, 28 kap. 12 § 6) or laglighetsprovning (förvaltningsrätten, KL 13 kap.: a wish not met because it would displace another child''s near-home claim, and everything else)';
COMMENT ON COLUMN skolval.appeal.route_reason_sv IS 'Why this route, in Swedish';
COMMENT ON COLUMN skolval.appeal.grounds_sv IS 'The guardians'' grounds, as received';
COMMENT ON COLUMN skolval.appeal.review_outcome IS 'The board''s own review (omprövning): changed or unchanged; NULL before it';
COMMENT ON COLUMN skolval.appeal.review_date IS 'Day of the review';
COMMENT ON COLUMN skolval.appeal.forwarded_date IS 'Day the appeal was sent on to the appeal body';
COMMENT ON COLUMN skolval.appeal.outcome IS 'pending, dismissed_late (avvisat), resolved_by_review, rejected (avslag), ordered_place (the body ordered a place), quashed_returned (undanröjt och återförvisat), withdrawn';
COMMENT ON COLUMN skolval.appeal.outcome_date IS 'Day of the outcome';
COMMENT ON COLUMN skolval.appeal.outcome_reference IS 'The appeal body''s reference (dnr)';
COMMENT ON COLUMN skolval.appeal.registered_at IS 'When it was registered';
COMMENT ON COLUMN skolval.appeal.registered_by IS 'Who registered it';

-- Letters of the year's decisions. HOOK: until the decision outbox (sql/delivery) is merged,
-- every decision writes its letter here; outbox_id links it once the outbox takes it.
CREATE TABLE skolval.year_letter (
  letter_id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  round_id          bigint NOT NULL REFERENCES skolval.placement_round,
  child_id          bigint NOT NULL REFERENCES skolval.child,
  kind              text NOT NULL CONSTRAINT year_letter_kind_known
                    CHECK (kind IN ('amendment', 'offer', 'offer_answer', 'appeal_received', 'appeal_review', 'waiting_list')),
  amendment_id      bigint REFERENCES skolval.placement_amendment,
  offer_id          bigint REFERENCES skolval.placement_offer,
  appeal_id         bigint REFERENCES skolval.appeal,
  subject_sv        text NOT NULL,
  body_sv           text NOT NULL CONSTRAINT year_letter_body_not_blank CHECK (pg_catalog.btrim(body_sv) <> ''),
  created_at        timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  outbox_id         bigint
);
CREATE INDEX year_letter_amendment_idx ON skolval.year_letter (amendment_id);
COMMENT ON TABLE skolval.year_letter IS
  'The letter of each decision of the school year (amendments, offers, appeal steps), in Swedish. Queued in the decision outbox as it is written (skolval.outbox.letter_id). No address is stored: delivery (and Skatteverket''s forwarding for protected identity) is the outbox''s job';
COMMENT ON COLUMN skolval.year_letter.letter_id IS 'Id';
COMMENT ON COLUMN skolval.year_letter.round_id IS 'The main round';
COMMENT ON COLUMN skolval.year_letter.child_id IS 'The child the letter is about';
COMMENT ON COLUMN skolval.year_letter.kind IS 'amendment, offer, offer_answer, appeal_received, appeal_review, waiting_list';
COMMENT ON COLUMN skolval.year_letter.amendment_id IS 'The amendment decided';
COMMENT ON COLUMN skolval.year_letter.offer_id IS 'The offer';
COMMENT ON COLUMN skolval.year_letter.appeal_id IS 'The appeal';
COMMENT ON COLUMN skolval.year_letter.subject_sv IS 'Subject line';
COMMENT ON COLUMN skolval.year_letter.body_sv IS 'The letter: decision, motivation, how to appeal';
COMMENT ON COLUMN skolval.year_letter.created_at IS 'When it was written';
COMMENT ON COLUMN skolval.year_letter.outbox_id IS 'The first of the letter''s rows in the decision outbox (skolval.outbox.letter_id lists them all: one per guardian with custody and channel); NULL when no guardian with custody is known (a data issue no_guardian says so)';
-- ---------------------------------------------------------------------------------------
-- Task "pay" (issue 14): reconciliation on the rules in force, retroactive rate decisions,
-- correction reasons, last-weekday count dates.
-- ---------------------------------------------------------------------------------------
ALTER TABLE skolval.payment_policy ADD COLUMN last_weekday boolean NOT NULL DEFAULT false,
  ADD COLUMN supplement_basis text NOT NULL DEFAULT 'count_date'
             CONSTRAINT payment_policy_supplement_basis_known CHECK (supplement_basis IN ('count_date', 'per_day')),
  ADD COLUMN payment_day smallint NOT NULL DEFAULT 25 CONSTRAINT payment_policy_payment_day_range CHECK (payment_day BETWEEN 1 AND 28),
  ADD COLUMN payable_account text NOT NULL DEFAULT '2440'
             CONSTRAINT payment_policy_payable_account_format CHECK (payable_account ~ '^[0-9]{4,6}$'),
  ADD COLUMN organization_number text CONSTRAINT payment_policy_organization_number_format CHECK (organization_number ~ '^[0-9]{6}-[0-9]{4}$');
ALTER TABLE skolval.payment_row ADD COLUMN reason text, ADD COLUMN revision_id bigint, ADD COLUMN organizer_id bigint;
-- ---------------------------------------------------------------------------------------
-- Retroactive rate decisions
-- ---------------------------------------------------------------------------------------
-- A paid month is reconciled with the rules and rates that were in force for it (the rules
-- stored with its run). Only an explicit decision changes them afterwards: it is recorded here
-- with its reason, the rules it puts in force for the month, and its own rows (today's register
-- under the new rules minus the same register under the old), which the next run pays once.

CREATE TABLE skolval.payment_rate_revision (
  revision_id   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  month         date NOT NULL CONSTRAINT payment_rate_revision_first_day CHECK (extract(day FROM month) = 1),
  reason        text NOT NULL CONSTRAINT payment_rate_revision_reason_not_blank CHECK (btrim(reason) <> '')
                CONSTRAINT payment_rate_revision_reason_length CHECK (char_length(reason) <= 1000),
  decision_ref  text CONSTRAINT payment_rate_revision_decision_length CHECK (char_length(decision_ref) <= 200),
  rules         jsonb NOT NULL,
  previous_rules jsonb NOT NULL,
  amount        numeric(14,2) NOT NULL,
  decided_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  decided_by    text NOT NULL DEFAULT session_user,
  decided_role  name
);
CREATE INDEX payment_rate_revision_month_idx ON skolval.payment_rate_revision (month, revision_id);
COMMENT ON TABLE skolval.payment_rate_revision IS
  'Retroactive rate decisions: a paid month recomputed with new rules or rates by an explicit decision (skolval.revise_payment_rates()), never by a rate change alone. Written only by that function, never changed';
COMMENT ON COLUMN skolval.payment_rate_revision.revision_id IS 'Internal id, kept on the correction rows that pay it';
COMMENT ON COLUMN skolval.payment_rate_revision.month IS 'The paid month it revises';
COMMENT ON COLUMN skolval.payment_rate_revision.reason IS 'Why, shown on the correction rows and the statement';
COMMENT ON COLUMN skolval.payment_rate_revision.decision_ref IS 'The decision''s reference (diarienummer)';
COMMENT ON COLUMN skolval.payment_rate_revision.rules IS 'The rules in force for the month from this decision on';
COMMENT ON COLUMN skolval.payment_rate_revision.previous_rules IS 'The rules in force before it';
COMMENT ON COLUMN skolval.payment_rate_revision.amount IS 'Net amount of its rows (positive: owed to the units)';
COMMENT ON COLUMN skolval.payment_rate_revision.decided_at IS 'When it was recorded';
COMMENT ON COLUMN skolval.payment_rate_revision.decided_by IS 'Who recorded it (login role)';
COMMENT ON COLUMN skolval.payment_rate_revision.decided_role IS 'The acting role that recorded it';

CREATE TABLE skolval.payment_revision_row (
  revision_id     bigint NOT NULL REFERENCES skolval.payment_rate_revision,
  row_no          integer NOT NULL,
  child_id        bigint NOT NULL,
  unit_id         bigint NOT NULL,
  kind            text NOT NULL,
  supplement_id   bigint,
  category_code   text,
  category_name   text NOT NULL,
  school_form     text,
  district_code   text,
  administration  text,
  account         text,
  base            numeric(12,2) NOT NULL,
  premises        numeric(12,2) NOT NULL,
  admin           numeric(12,2) NOT NULL,
  vat             numeric(12,2) NOT NULL,
  amount          numeric(12,2) NOT NULL,
  organizer_id    bigint,
  PRIMARY KEY (revision_id, row_no)
);
COMMENT ON TABLE skolval.payment_revision_row IS
  'The rows of a retroactive rate decision: per child, unit and category, the month under the new rules minus under the old (both with the register as it was at the decision); paid once as correction rows of the next run';
COMMENT ON COLUMN skolval.payment_revision_row.revision_id IS 'The retroactive rate decision';
COMMENT ON COLUMN skolval.payment_revision_row.row_no IS 'Row number within the decision';
COMMENT ON COLUMN skolval.payment_revision_row.child_id IS 'The child (internal id)';
COMMENT ON COLUMN skolval.payment_revision_row.unit_id IS 'The unit';
COMMENT ON COLUMN skolval.payment_revision_row.kind IS 'grant or supplement';
COMMENT ON COLUMN skolval.payment_revision_row.supplement_id IS 'The supplement decision (supplement rows)';
COMMENT ON COLUMN skolval.payment_revision_row.category_code IS 'Payment category (under the rules of the side the row comes from)';
COMMENT ON COLUMN skolval.payment_revision_row.category_name IS 'Its Swedish name';
COMMENT ON COLUMN skolval.payment_revision_row.school_form IS 'School form';
COMMENT ON COLUMN skolval.payment_revision_row.district_code IS 'District the child was registered in';
COMMENT ON COLUMN skolval.payment_revision_row.administration IS 'Administration that bears the cost';
COMMENT ON COLUMN skolval.payment_revision_row.account IS 'Account string (kontering)';
COMMENT ON COLUMN skolval.payment_revision_row.base IS 'Base amount in kronor: new rules minus old';
COMMENT ON COLUMN skolval.payment_revision_row.premises IS 'Premises amount: new minus old';
COMMENT ON COLUMN skolval.payment_revision_row.admin IS 'Administration supplement: new minus old';
COMMENT ON COLUMN skolval.payment_revision_row.vat IS 'VAT compensation: new minus old';
COMMENT ON COLUMN skolval.payment_revision_row.amount IS 'Total: new minus old (positive: owed to the unit)';
COMMENT ON COLUMN skolval.payment_revision_row.organizer_id IS 'The organizer paid (skolval.organizer)';
-- ---------------------------------------------------------------------------------------
-- Organizers (huvudmän) and who ran a unit when
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.organizer (
  organizer_id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name                 text NOT NULL CONSTRAINT organizer_name_not_blank CHECK (btrim(name) <> '' AND char_length(name) <= 200),
  kind                 text NOT NULL CONSTRAINT organizer_kind_known CHECK (kind IN ('municipal', 'independent')),
  organization_number  text CONSTRAINT organizer_organization_number_format CHECK (organization_number ~ '^[0-9]{6}-[0-9]{4}$'),
  bankgiro             text CONSTRAINT organizer_bankgiro_format CHECK (bankgiro ~ '^[0-9]{3,4}-[0-9]{4}$'),
  iban                 text CONSTRAINT organizer_iban_format CHECK (iban ~ '^SE[0-9]{22}$'),
  payment_reference    text CONSTRAINT organizer_payment_reference_length CHECK (char_length(payment_reference) <= 25
                                                                                   AND payment_reference !~ '[\x01-\x1f\x7f-\x9f]')
);
COMMENT ON TABLE skolval.organizer IS
  'Organizers (huvudmän): the municipality itself (municipal) or an independent one, with what it is paid by: organisation number, bankgiro or IBAN and the reference it wants on payments';
COMMENT ON COLUMN skolval.organizer.organizer_id IS 'Internal id';
COMMENT ON COLUMN skolval.organizer.name IS 'Name, for example "Ekorrens Skolor AB"';
COMMENT ON COLUMN skolval.organizer.kind IS 'municipal (the municipality''s own units: no grant) or independent (enskild huvudman: paid grants)';
COMMENT ON COLUMN skolval.organizer.organization_number IS 'Organisation number, NNNNNN-NNNN';
COMMENT ON COLUMN skolval.organizer.bankgiro IS 'Bankgiro number, NNN-NNNN or NNNN-NNNN';
COMMENT ON COLUMN skolval.organizer.iban IS 'Swedish IBAN (SE and 22 digits), when paid to a bank account instead';
COMMENT ON COLUMN skolval.organizer.payment_reference IS 'Reference the organizer wants on its payments (at most 25 characters); default: the payment run and month';

CREATE TABLE skolval.unit_organizer (
  unit_id       bigint NOT NULL REFERENCES skolval.unit ON DELETE CASCADE,
  valid_from    date NOT NULL,
  valid_to      date,
  organizer_id  bigint NOT NULL REFERENCES skolval.organizer,
  PRIMARY KEY (unit_id, valid_from),
  CONSTRAINT unit_organizer_period CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX unit_organizer_organizer_idx ON skolval.unit_organizer (organizer_id);
COMMENT ON TABLE skolval.unit_organizer IS
  'Who ran a unit when (dated organizer): a takeover is a new period. A month is paid by who ran the unit on its counted days; on days no period covers, unit.organizer applies. Periods of a unit never overlap';
COMMENT ON COLUMN skolval.unit_organizer.unit_id IS 'The unit';
COMMENT ON COLUMN skolval.unit_organizer.valid_from IS 'First day the organizer ran it';
COMMENT ON COLUMN skolval.unit_organizer.valid_to IS 'Last day (inclusive); NULL while it runs it';
COMMENT ON COLUMN skolval.unit_organizer.organizer_id IS 'The organizer';

-- ---------------------------------------------------------------------------------------
-- Interkommunal ersättning (IKE)
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.ike_price (
  ike_price_id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  category_code      text NOT NULL REFERENCES skolval.payment_category ON UPDATE CASCADE,
  municipality_code  skolval.municipality_code,
  valid_from         date NOT NULL,
  valid_to           date,
  annual_amount      numeric(12,2) NOT NULL CONSTRAINT ike_price_amount_not_negative CHECK (annual_amount >= 0 AND annual_amount <> 'NaN'),
  agreement          text CONSTRAINT ike_price_agreement_length CHECK (char_length(agreement) <= 200),
  CONSTRAINT ike_price_period CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
COMMENT ON TABLE skolval.ike_price IS
  'The agreed IKE price list: what a home municipality is invoiced per child and year for a child registered there and placed at one of our units, per payment category; municipality_code NULL: every municipality without a price of its own';
COMMENT ON COLUMN skolval.ike_price.ike_price_id IS 'Internal id';
COMMENT ON COLUMN skolval.ike_price.category_code IS 'Our payment category the child falls in';
COMMENT ON COLUMN skolval.ike_price.municipality_code IS 'The home municipality the price is agreed with; NULL: all others';
COMMENT ON COLUMN skolval.ike_price.valid_from IS 'First day the price applies';
COMMENT ON COLUMN skolval.ike_price.valid_to IS 'Last day (inclusive); NULL while open';
COMMENT ON COLUMN skolval.ike_price.annual_amount IS 'Kronor per child and year (a month is a twelfth)';
COMMENT ON COLUMN skolval.ike_price.agreement IS 'The agreement, for example "Samverkansavtal Skåne 2026"';

-- Swedish sort order for every document and file (ICU).
CREATE COLLATION IF NOT EXISTS skolval.sv_se (provider = icu, locale = 'sv-SE');

-- Return types changed (reason column): dropped here, made again by sql/payments/payments.sql.
DROP FUNCTION skolval.reconcile_payments(date, date);
DROP FUNCTION skolval._payment_differences(date);
DROP FUNCTION skolval._payment_compute(date);

-- law (issue 13): the rule for twins and other multiples in a placement round.
ALTER TABLE skolval.placement_round
  ADD COLUMN multiples_rule text NOT NULL DEFAULT 'shared_lottery'
    CONSTRAINT round_multiples_rule_known CHECK (multiples_rule IN ('shared_lottery', 'own_lottery'));
COMMENT ON COLUMN skolval.placement_round.multiples_rule IS 'Twins and other multiples (siblings in the cohort with the same birth date at the same address): shared_lottery (default) gives them one lottery number, that of the lowest child_id, so they stand side by side in every queue and are kept together where seats allow; own_lottery gives each its own. A split is a data issue (multiples_split) and is said in their motivations';
-- law (issue 13): publication waits for the round's blocking data issues, unless an
-- administrator records an override for the run (audited: sql/operations/audit.sql).
CREATE TABLE skolval.publish_override (
  override_id  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  -- no foreign key, as for the distances: written only by override_blocking_issues(), which
  -- checks the run, and emptied together with the runs (TRUNCATE of the runs stays possible)
  run_id       bigint NOT NULL,
  issue_ids    bigint[] NOT NULL,
  reason       text NOT NULL
               CONSTRAINT publish_override_reason_given CHECK (pg_catalog.btrim(reason) <> '' AND char_length(reason) <= 1000),
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX publish_override_run_idx ON skolval.publish_override (run_id);
COMMENT ON TABLE skolval.publish_override IS
  'An administrator''s decision to publish a run although the round has open blocking data issues (unverified sibling claims, split multiples, errors): which issues, why, who and when. Written by skolval.override_blocking_issues() only; every row is in the audit log';
COMMENT ON COLUMN skolval.publish_override.override_id IS 'Internal id';
COMMENT ON COLUMN skolval.publish_override.run_id IS 'The run that may be published despite the issues';
COMMENT ON COLUMN skolval.publish_override.issue_ids IS 'The open blocking data issues the override covers (data_issue.issue_id)';
COMMENT ON COLUMN skolval.publish_override.reason IS 'Why the run may be published anyway';
COMMENT ON COLUMN skolval.publish_override.created_by IS 'The administrator (acting role)';
COMMENT ON COLUMN skolval.publish_override.created_at IS 'When';

-- law (issue 13): independent units admit by their own rules. Each independent unit's
-- priority profile and its queue (kötid), loaded through staging (staging_unit_admission,
-- staging_unit_queue). An independent unit without a profile admits by the default profile.
CREATE TABLE skolval.unit_admission (
  unit_id   bigint PRIMARY KEY REFERENCES skolval.unit ON DELETE CASCADE,
  criteria  text[] NOT NULL DEFAULT ARRAY['queue_date', 'sibling', 'distance', 'lottery']
            CONSTRAINT unit_admission_criteria_known
            CHECK (pg_catalog.cardinality(criteria) BETWEEN 1 AND 4 AND pg_catalog.array_ndims(criteria) = 1
                   AND criteria <@ ARRAY['queue_date', 'sibling', 'distance', 'lottery']
                   AND pg_catalog.array_position(criteria, NULL) IS NULL),
  rules_sv  text NOT NULL
            CONSTRAINT unit_admission_rules_given CHECK (pg_catalog.btrim(rules_sv) <> '' AND char_length(rules_sv) <= 1000)
);
COMMENT ON TABLE skolval.unit_admission IS
  'An independent unit''s own admission rules in the joint round: its ordered criteria (queue_date, sibling, distance, lottery) and its published rules in Swedish, quoted in the letters. Without a row an independent unit admits by queue_date, sibling, distance, lottery';
COMMENT ON COLUMN skolval.unit_admission.unit_id IS 'The independent unit';
COMMENT ON COLUMN skolval.unit_admission.criteria IS 'Its criteria in order, each at most once: queue_date (earlier first), sibling (a sibling in F-3 at the unit), distance (walking to the unit), lottery';
COMMENT ON COLUMN skolval.unit_admission.rules_sv IS 'The unit''s published admission rules, in Swedish, as the letters quote them';

CREATE TABLE skolval.unit_queue (
  unit_id     bigint NOT NULL REFERENCES skolval.unit ON DELETE CASCADE,
  child_id    bigint NOT NULL REFERENCES skolval.child ON DELETE CASCADE,
  queue_date  date NOT NULL CONSTRAINT unit_queue_date_in_range CHECK (queue_date BETWEEN '1900-01-01' AND '2200-12-31'),
  PRIMARY KEY (unit_id, child_id)
);
CREATE INDEX unit_queue_child_idx ON skolval.unit_queue (child_id);
COMMENT ON TABLE skolval.unit_queue IS 'An independent unit''s queue: since when each child stands in it (kötid)';
COMMENT ON COLUMN skolval.unit_queue.unit_id IS 'The independent unit';
COMMENT ON COLUMN skolval.unit_queue.child_id IS 'The child';
COMMENT ON COLUMN skolval.unit_queue.queue_date IS 'The day the child was put in the queue; earlier goes first';

-- Staged independent units' rules and queues (raw text, as exported); unit_rules_merge()
-- checks every row and loads them into unit_admission and unit_queue.
CREATE TABLE skolval.staging_unit_admission (
  source_row  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  unit_code   text,
  criteria    text,
  rules_sv    text
);
COMMENT ON TABLE skolval.staging_unit_admission IS 'Staged admission rules of independent units: unit code, criteria (comma-separated, in order), the rules in Swedish; loaded by unit_rules_merge()';
CREATE TABLE skolval.staging_unit_queue (
  source_row       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  unit_code        text,
  personal_number  text,
  queue_date       text
);
COMMENT ON TABLE skolval.staging_unit_queue IS 'Staged queues of independent units (kötid): unit code, the child''s personal number, the queue date; a unit present here gets exactly these rows in unit_queue (unit_rules_merge())';
COMMENT ON COLUMN skolval.staging_unit_admission.source_row IS 'Row number of the load, named in errors';
COMMENT ON COLUMN skolval.staging_unit_admission.unit_code IS 'Code of the independent unit';
COMMENT ON COLUMN skolval.staging_unit_admission.criteria IS 'Its criteria in order, separated by commas: queue_date, sibling, distance, lottery';
COMMENT ON COLUMN skolval.staging_unit_admission.rules_sv IS 'Its published admission rules in Swedish';
COMMENT ON COLUMN skolval.staging_unit_queue.source_row IS 'Row number of the load, named in errors';
COMMENT ON COLUMN skolval.staging_unit_queue.unit_code IS 'Code of the independent unit';
COMMENT ON COLUMN skolval.staging_unit_queue.personal_number IS 'The child''s personal identity number';
COMMENT ON COLUMN skolval.staging_unit_queue.queue_date IS 'Since when the child stands in the queue, YYYY-MM-DD';
-- Issue 15 (delivery): guardians, custody, case numbers, who decided, the outbox. The same
-- tables as sql/delivery/delivery.tables.sql (copied, so that an upgrade equals an install).
-- ---------------------------------------------------------------------------------------
CREATE TABLE skolval.delivery_settings (
  singleton           boolean PRIMARY KEY DEFAULT true
                      CONSTRAINT delivery_settings_single_row CHECK (singleton),
  case_prefix         text NOT NULL DEFAULT 'BSN'
                      CONSTRAINT delivery_settings_case_prefix_format CHECK (case_prefix ~ '^[A-ZÅÄÖ][A-ZÅÄÖ0-9-]{0,19}$'),
  disagreement_rule   text NOT NULL DEFAULT 'no_choice'
                      CONSTRAINT delivery_settings_disagreement_rule_known CHECK (disagreement_rule IN ('no_choice', 'first_signed')),
  forwarding_address  text[] NOT NULL DEFAULT ARRAY['Skatteverket', 'Särskild postförmedling']
                      CONSTRAINT delivery_settings_forwarding_address_lines
                      CHECK (cardinality(forwarding_address) BETWEEN 1 AND 5 AND array_ndims(forwarding_address) = 1
                             AND array_position(forwarding_address, NULL) IS NULL
                             AND char_length(array_to_string(forwarding_address, '')) <= 300
                             AND array_to_string(forwarding_address, '') !~ '[\x01-\x1f\x7f-\x9f]'),
  max_attempts        integer NOT NULL DEFAULT 3
                      CONSTRAINT delivery_settings_max_attempts_in_range CHECK (max_attempts BETWEEN 1 AND 20),
  claim_timeout       interval NOT NULL DEFAULT '1 hour'
                      CONSTRAINT delivery_settings_claim_timeout_in_range CHECK (claim_timeout BETWEEN '1 minute' AND '7 days'),
  updated_at          timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE skolval.case_series (
  prefix       text NOT NULL,
  year         integer NOT NULL CONSTRAINT case_series_year_plausible CHECK (year BETWEEN 2000 AND 2200),
  last_number  integer NOT NULL DEFAULT 0 CONSTRAINT case_series_last_number_in_range CHECK (last_number BETWEEN 0 AND 999999),
  PRIMARY KEY (prefix, year)
);

CREATE TABLE skolval.guardian (
  guardian_id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  personal_number        text NOT NULL CONSTRAINT guardian_personal_number_unique UNIQUE
                         CONSTRAINT guardian_personal_number_valid
                         CHECK (personal_number ~ '^[0-9]{12}$' AND skolval.personal_number_problem(personal_number) IS NULL),
  given_name             text NOT NULL
                         CONSTRAINT guardian_given_name_at_most_200_characters CHECK (char_length(given_name) BETWEEN 1 AND 200)
                         CONSTRAINT guardian_given_name_no_control_characters CHECK (given_name !~ '[\x01-\x1f\x7f-\x9f]'),
  family_name            text NOT NULL
                         CONSTRAINT guardian_family_name_at_most_200_characters CHECK (char_length(family_name) BETWEEN 1 AND 200)
                         CONSTRAINT guardian_family_name_no_control_characters CHECK (family_name !~ '[\x01-\x1f\x7f-\x9f]'),
  address                text
                         CONSTRAINT guardian_address_at_most_300_characters CHECK (char_length(address) <= 300)
                         CONSTRAINT guardian_address_no_control_characters CHECK (address !~ '[\x01-\x1f\x7f-\x9f]'),
  postal_code            text CONSTRAINT guardian_postal_code_format CHECK (postal_code ~ '^[0-9]{3} ?[0-9]{2}$'),
  postal_town            text
                         CONSTRAINT guardian_postal_town_at_most_200_characters CHECK (char_length(postal_town) <= 200)
                         CONSTRAINT guardian_postal_town_no_control_characters CHECK (postal_town !~ '[\x01-\x1f\x7f-\x9f]'),
  channel                text NOT NULL DEFAULT 'paper'
                         CONSTRAINT guardian_channel_known CHECK (channel IN ('digital_mailbox', 'paper')),
  sekretessmarkering     boolean NOT NULL DEFAULT false,
  skyddad_folkbokforing  boolean NOT NULL DEFAULT false,
  updated_at             timestamptz NOT NULL DEFAULT pg_catalog.now(),
  -- the municipality never holds the address of a person with protected identity
  CONSTRAINT guardian_protected_without_address
    CHECK (NOT (sekretessmarkering OR skyddad_folkbokforing) OR (address IS NULL AND postal_code IS NULL AND postal_town IS NULL)),
  -- a guardian of a protected child has no address here either (it is the child's): letters
  -- about such a child go through Skatteverket's forwarding
  CONSTRAINT guardian_address_complete
    CHECK ((address IS NULL) = (postal_code IS NULL) AND (address IS NULL) = (postal_town IS NULL))
);

CREATE TABLE skolval.custody (
  child_id     bigint NOT NULL REFERENCES skolval.child ON DELETE CASCADE,
  guardian_id  bigint NOT NULL REFERENCES skolval.guardian ON DELETE CASCADE,
  PRIMARY KEY (child_id, guardian_id)
);
CREATE INDEX custody_guardian_idx ON skolval.custody (guardian_id);

CREATE TABLE skolval.child_protection (
  child_id               bigint PRIMARY KEY REFERENCES skolval.child ON DELETE CASCADE,
  sekretessmarkering     boolean NOT NULL DEFAULT false,
  skyddad_folkbokforing  boolean NOT NULL DEFAULT false,
  CONSTRAINT child_protection_some_kind CHECK (sekretessmarkering OR skyddad_folkbokforing)
);

CREATE TABLE skolval.staging_guardian (
  source_row                bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  child_personal_number     text,
  guardian_personal_number  text,
  given_name                text,
  family_name               text,
  address                   text,
  postal_code               text,
  postal_town               text,
  channel                   text,
  custody                   text,
  guardian_protection       text,
  child_protection          text
);

CREATE TABLE skolval.round_decision_maker (
  round_id    bigint PRIMARY KEY REFERENCES skolval.placement_round ON DELETE CASCADE,
  role_title  text NOT NULL
              CONSTRAINT round_decision_maker_role_title_length CHECK (char_length(btrim(role_title)) BETWEEN 1 AND 200)
              CONSTRAINT round_decision_maker_role_title_no_control_characters CHECK (role_title !~ '[\x01-\x1f\x7f-\x9f]'),
  name        text NOT NULL
              CONSTRAINT round_decision_maker_name_length CHECK (char_length(btrim(name)) BETWEEN 1 AND 200)
              CONSTRAINT round_decision_maker_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]'),
  delegation  text NOT NULL
              CONSTRAINT round_decision_maker_delegation_length CHECK (char_length(btrim(delegation)) BETWEEN 1 AND 300)
              CONSTRAINT round_decision_maker_delegation_no_control_characters CHECK (delegation !~ '[\x01-\x1f\x7f-\x9f]'),
  updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE skolval.decision (
  run_id            bigint NOT NULL,
  child_id          bigint NOT NULL,
  case_number       text NOT NULL CONSTRAINT decision_case_number_unique UNIQUE,
  decided_at        timestamptz NOT NULL,
  decision_date     date NOT NULL,
  maker_role_title  text,
  maker_name        text,
  maker_delegation  text,
  -- no foreign key to skolval.placement: the decision is written by the trigger that publishes
  -- the run (sql/delivery/delivery.sql), and the owner's TRUNCATE of run tables stays possible
  PRIMARY KEY (run_id, child_id)
);
CREATE INDEX decision_child_idx ON skolval.decision (child_id);

CREATE TABLE skolval.outbox_batch (
  batch_id    bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  channel     text NOT NULL,
  worker      text NOT NULL,
  claimed_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  rows        integer NOT NULL
);

CREATE TABLE skolval.outbox (
  outbox_id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  run_id             bigint,
  letter_id          bigint REFERENCES skolval.year_letter,
  case_number        text NOT NULL,
  child_id           bigint NOT NULL,
  guardian_id        bigint NOT NULL REFERENCES skolval.guardian,
  channel            text NOT NULL CONSTRAINT outbox_channel_known CHECK (channel IN ('e_service', 'digital_mailbox', 'paper')),
  via_forwarding     boolean NOT NULL,
  postal_order       text NOT NULL,
  status             text NOT NULL DEFAULT 'pending'
                     CONSTRAINT outbox_status_known CHECK (status IN ('pending', 'claimed', 'sent', 'failed')),
  attempts           integer NOT NULL DEFAULT 0,
  batch_id           bigint REFERENCES skolval.outbox_batch,
  claimed_by         text,
  claimed_at         timestamptz,
  sent_at            timestamptz,
  failed_at          timestamptz,
  failure_reason     text CONSTRAINT outbox_failure_reason_at_most_1000_characters CHECK (char_length(failure_reason) <= 1000),
  control_notice_at  timestamptz,
  delivered_at       timestamptz,
  read_at            timestamptz,
  delivered_on       date,
  appeal_deadline    date,
  pdf                bytea,
  json               jsonb NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT outbox_one_per_recipient_and_channel UNIQUE (run_id, child_id, guardian_id, channel),
  CONSTRAINT outbox_one_per_letter_recipient_and_channel UNIQUE (letter_id, guardian_id, channel),
  CONSTRAINT outbox_of_a_decision FOREIGN KEY (run_id, child_id) REFERENCES skolval.decision (run_id, child_id),
  -- a main round's decision (run_id) or a decision or notice of the school year (letter_id)
  CONSTRAINT outbox_of_a_decision_or_a_letter CHECK (pg_catalog.num_nonnulls(run_id, letter_id) = 1),
  CONSTRAINT outbox_sent_has_time CHECK (status <> 'sent' OR sent_at IS NOT NULL),
  CONSTRAINT outbox_deadline_after_delivery CHECK (appeal_deadline IS NULL OR (delivered_on IS NOT NULL AND appeal_deadline >= delivered_on + 21))
);
CREATE INDEX outbox_claimable_idx ON skolval.outbox (channel, postal_order, outbox_id) WHERE status IN ('pending', 'failed', 'claimed');
CREATE INDEX outbox_child_idx ON skolval.outbox (child_id, run_id);
CREATE INDEX outbox_letter_idx ON skolval.outbox (letter_id) WHERE letter_id IS NOT NULL;
CREATE INDEX outbox_batch_idx ON skolval.outbox (batch_id);

-- One child's audit entries without reading the whole log (skolval.child_case()).
CREATE INDEX audit_log_child_idx ON skolval.audit_log ((coalesce(new_row ->> 'child_id', old_row ->> 'child_id')))
  WHERE coalesce(new_row ->> 'child_id', old_row ->> 'child_id') IS NOT NULL;


-- ---------------------------------------------------------------------------------------
-- pay2 (issue 14): payees recorded with a decided payment run.
-- Per decided payment run: the payees as they were when the run was approved (task "pay",
-- issue 14): the payee file, the SIE file, the statements and the payment file of an approved
-- or locked run show these, whatever the organizer table says later.
CREATE TABLE skolval.document_record_payee (
  kind                 text NOT NULL CONSTRAINT document_record_payee_payment CHECK (kind = 'payment'),
  run_id               bigint NOT NULL,
  organizer_id         bigint NOT NULL,
  name                 text,
  organizer_kind       text,
  organization_number  text,
  bankgiro             text,
  iban                 text,
  payment_reference    text,
  PRIMARY KEY (kind, run_id, organizer_id),
  FOREIGN KEY (kind, run_id) REFERENCES skolval.document_record
);
COMMENT ON TABLE skolval.document_record_payee IS
  'Per decided payment run and organizer paid in it: the payee as it was when the run was approved (name, organisation number, bankgiro, IBAN, payment reference)';
COMMENT ON COLUMN skolval.document_record_payee.kind IS 'Always payment';
COMMENT ON COLUMN skolval.document_record_payee.run_id IS 'The payment run';
COMMENT ON COLUMN skolval.document_record_payee.organizer_id IS 'The organizer (no foreign key)';
COMMENT ON COLUMN skolval.document_record_payee.name IS 'Its name then';
COMMENT ON COLUMN skolval.document_record_payee.organizer_kind IS 'municipal or independent then';
COMMENT ON COLUMN skolval.document_record_payee.organization_number IS 'Organisation number then';
COMMENT ON COLUMN skolval.document_record_payee.bankgiro IS 'Bankgiro then';
COMMENT ON COLUMN skolval.document_record_payee.iban IS 'IBAN then';
COMMENT ON COLUMN skolval.document_record_payee.payment_reference IS 'The payment reference it wanted then';
-- payment_statement_categories() gained a column (kind): dropped here, made again by sql/documents/documents.sql.
DROP FUNCTION skolval.payment_statement_categories(bigint, bigint);
-- The payment file's sheets changed columns (no names or birth dates; payees): made again by
-- sql/documents/documents.sql.
DROP FUNCTION skolval.payment_file_rows(bigint);
DROP FUNCTION skolval.payment_file_units(bigint);

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

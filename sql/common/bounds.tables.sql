-- skolval: bounds on every value people and files put into the tables (doc/data-model.md,
-- "Bounds on input"). A value outside them is refused by the table itself, whatever path wrote
-- it, with a constraint whose name says what is wrong (check_violation, 23514):
--
--   * texts: codes at most 50 characters, names 200, addresses 300, other free texts 1,000 (file
--     paths, sources, decisions) or 2,000 (resolutions); no control characters (U+0001-U+001F,
--     U+007F-U+009F: tabs and line breaks included) in names, codes and addresses, which end up
--     in letters, statements, the SVG map and the XLSX file;
--   * dates: between 1900-01-01 and 2200-12-31 (no infinity, no year 4713 BC or 5874897);
--   * numbers: finite (no NaN, no Infinity) and within a sane range;
--   * arrays: one-dimensional, starting at 1, no NULL elements, no repeated school form;
--   * points: not empty, finite coordinates.
--
-- Install only: an existing database gets the same constraints from the migration
-- (sql/migrations/0.2.0--0.3.0.sql), which first reports any stored row that breaks one.

-- ---------------------------------------------------------------------------------------
-- Settings and documents
-- ---------------------------------------------------------------------------------------

ALTER TABLE skolval.settings
  ADD CONSTRAINT settings_municipality_name_at_most_200_characters CHECK (char_length(municipality_name) <= 200),
  ADD CONSTRAINT settings_municipality_name_no_control_characters CHECK (municipality_name !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT settings_network_margin_at_most_1000_km CHECK (network_margin_m <= 1000000),
  ADD CONSTRAINT settings_snap_limit_at_most_100_km CHECK (snap_limit_m <= 100000);

ALTER TABLE skolval.document_settings
  ADD CONSTRAINT document_settings_board_name_at_most_200_characters CHECK (char_length(board_name) <= 200),
  ADD CONSTRAINT document_settings_board_name_no_control_characters CHECK (board_name !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT document_settings_board_address_at_most_300_characters CHECK (char_length(board_address) <= 300),
  ADD CONSTRAINT document_settings_board_address_no_control_characters CHECK (board_address !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT document_settings_contact_at_most_300_characters CHECK (char_length(contact) <= 300),
  ADD CONSTRAINT document_settings_contact_no_control_characters CHECK (contact !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT document_settings_font_path_at_most_1000_characters CHECK (char_length(font_path) <= 1000),
  ADD CONSTRAINT document_settings_font_path_no_control_characters CHECK (font_path !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT document_settings_bold_font_path_at_most_1000_characters CHECK (char_length(bold_font_path) <= 1000),
  ADD CONSTRAINT document_settings_bold_font_path_no_control_characters CHECK (bold_font_path !~ '[\x01-\x1f\x7f-\x9f]');

-- ---------------------------------------------------------------------------------------
-- Networks
-- ---------------------------------------------------------------------------------------

ALTER TABLE skolval.network
  ADD CONSTRAINT network_name_at_most_200_characters CHECK (char_length(name) <= 200),
  ADD CONSTRAINT network_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT network_source_at_most_1000_characters CHECK (char_length(source) <= 1000),
  ADD CONSTRAINT network_source_no_control_characters CHECK (source !~ '[\x01-\x1f\x7f-\x9f]');

ALTER TABLE skolval.edge
  ADD CONSTRAINT edge_length_finite CHECK (length_m < 'Infinity'::double precision),
  ADD CONSTRAINT edge_geom_finite CHECK (NOT ST_IsEmpty(geom) AND ST_Length(geom) < 'Infinity'::double precision),
  ADD CONSTRAINT edge_kind_at_most_50_characters CHECK (char_length(kind) <= 50),
  ADD CONSTRAINT edge_kind_no_control_characters CHECK (kind !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT edge_name_at_most_200_characters CHECK (char_length(name) <= 200),
  ADD CONSTRAINT edge_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]');

-- ---------------------------------------------------------------------------------------
-- The register
-- ---------------------------------------------------------------------------------------

ALTER TABLE skolval.district
  ADD CONSTRAINT district_code_at_most_50_characters CHECK (char_length(district_code) <= 50),
  ADD CONSTRAINT district_code_no_control_characters CHECK (district_code !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT district_name_at_most_200_characters CHECK (char_length(name) <= 200),
  ADD CONSTRAINT district_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT district_administration_at_most_200_characters CHECK (char_length(administration) <= 200),
  ADD CONSTRAINT district_administration_no_control_characters CHECK (administration !~ '[\x01-\x1f\x7f-\x9f]');

ALTER TABLE skolval.unit
  ADD CONSTRAINT unit_code_at_most_50_characters CHECK (char_length(unit_code) <= 50),
  ADD CONSTRAINT unit_code_no_control_characters CHECK (unit_code !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT unit_name_at_most_200_characters CHECK (char_length(name) <= 200),
  ADD CONSTRAINT unit_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT unit_organizer_name_at_most_200_characters CHECK (char_length(organizer_name) <= 200),
  ADD CONSTRAINT unit_organizer_name_no_control_characters CHECK (organizer_name !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT unit_address_at_most_300_characters CHECK (char_length(address) <= 300),
  ADD CONSTRAINT unit_address_no_control_characters CHECK (address !~ '[\x01-\x1f\x7f-\x9f]'),
  -- one-dimensional from 1 (school_forms[1] is the first form), each form at most once
  ADD CONSTRAINT unit_forms_distinct_and_one_dimensional CHECK (CASE WHEN array_ndims(school_forms) > 1 OR array_lower(school_forms, 1) <> 1 THEN false
    ELSE cardinality(array_positions(school_forms, 'forskola')) <= 1
     AND cardinality(array_positions(school_forms, 'forskoleklass')) <= 1
     AND cardinality(array_positions(school_forms, 'grundskola')) <= 1
     AND cardinality(array_positions(school_forms, 'fritidshem')) <= 1 END),
  ADD CONSTRAINT unit_location_finite CHECK (NOT ST_IsEmpty(location)
    AND abs(ST_X(location)) < 1e8 AND abs(ST_Y(location)) < 1e8);

ALTER TABLE skolval.child
  ADD CONSTRAINT child_given_name_at_most_200_characters CHECK (char_length(given_name) <= 200),
  ADD CONSTRAINT child_given_name_no_control_characters CHECK (given_name !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT child_family_name_at_most_200_characters CHECK (char_length(family_name) <= 200),
  ADD CONSTRAINT child_family_name_no_control_characters CHECK (family_name !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT child_birth_date_in_range CHECK (birth_date BETWEEN '1900-01-01' AND '2200-12-31');

ALTER TABLE skolval.residence
  ADD CONSTRAINT residence_address_at_most_300_characters CHECK (char_length(address) <= 300),
  ADD CONSTRAINT residence_address_no_control_characters CHECK (address !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT residence_postal_code_at_most_50_characters CHECK (char_length(postal_code) <= 50),
  ADD CONSTRAINT residence_postal_code_no_control_characters CHECK (postal_code !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT residence_postal_town_at_most_200_characters CHECK (char_length(postal_town) <= 200),
  ADD CONSTRAINT residence_postal_town_no_control_characters CHECK (postal_town !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT residence_dates_in_range CHECK (valid_from BETWEEN '1900-01-01' AND '2200-12-31'
    AND valid_to BETWEEN '1900-01-01' AND '2200-12-31'),
  ADD CONSTRAINT residence_home_finite CHECK (NOT ST_IsEmpty(home) AND abs(ST_X(home)) < 1e8 AND abs(ST_Y(home)) < 1e8);

ALTER TABLE skolval.enrollment
  ADD CONSTRAINT enrollment_dates_in_range CHECK (valid_from BETWEEN '1900-01-01' AND '2200-12-31'
    AND valid_to BETWEEN '1900-01-01' AND '2200-12-31');

-- ---------------------------------------------------------------------------------------
-- Placement rounds
-- ---------------------------------------------------------------------------------------

ALTER TABLE skolval.placement_round
  ADD CONSTRAINT placement_round_name_at_most_200_characters CHECK (char_length(name) <= 200),
  ADD CONSTRAINT placement_round_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT placement_round_dates_in_range CHECK (start_date BETWEEN '1900-01-01' AND '2200-12-31'
    AND cohort_date BETWEEN '1900-01-01' AND '2200-12-31'),
  -- criteria[1] is the first criterion: one-dimensional from 1, no NULL element
  ADD CONSTRAINT placement_round_criteria_one_dimensional CHECK (CASE WHEN array_ndims(criteria) > 1 OR array_lower(criteria, 1) <> 1 THEN false
    ELSE array_position(criteria, NULL) IS NULL END),
  ADD CONSTRAINT near_home_distance_at_most_100_km CHECK (near_home_distance_m <= 100000);

ALTER TABLE skolval.wish
  ADD CONSTRAINT wish_submitted_at_in_range CHECK (submitted_at BETWEEN '1900-01-01 00:00:00+00' AND '2201-01-01 00:00:00+00');

-- ---------------------------------------------------------------------------------------
-- Payments
-- ---------------------------------------------------------------------------------------

ALTER TABLE skolval.payment_holiday
  ADD CONSTRAINT payment_holiday_day_in_range CHECK (day BETWEEN '1900-01-01' AND '2200-12-31'),
  ADD CONSTRAINT payment_holiday_name_at_most_200_characters CHECK (char_length(name) <= 200),
  ADD CONSTRAINT payment_holiday_name_no_control_characters CHECK (name !~ '[\x01-\x1f\x7f-\x9f]');

ALTER TABLE skolval.payment_category
  ADD CONSTRAINT payment_category_code_at_most_50_characters CHECK (char_length(category_code) <= 50),
  ADD CONSTRAINT payment_category_code_no_control_characters CHECK (category_code !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT payment_category_name_at_most_200_characters CHECK (char_length(name_sv) <= 200),
  ADD CONSTRAINT payment_category_name_no_control_characters CHECK (name_sv !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT payment_category_hours_in_range CHECK (hours_over BETWEEN 0 AND 168 AND hours_up_to BETWEEN 0 AND 168);

ALTER TABLE skolval.payment_rate
  ADD CONSTRAINT payment_rate_amounts_finite CHECK (base_annual <> 'NaN' AND premises_annual <> 'NaN'),
  ADD CONSTRAINT payment_rate_dates_in_range CHECK (valid_from BETWEEN '1900-01-01' AND '2200-12-31'
    AND valid_to BETWEEN '1900-01-01' AND '2200-12-31'),
  ADD CONSTRAINT payment_rate_decision_at_most_1000_characters CHECK (char_length(decision) <= 1000),
  ADD CONSTRAINT payment_rate_decision_no_control_characters CHECK (decision !~ '[\x01-\x1f\x7f-\x9f]');

ALTER TABLE skolval.supplement
  ADD CONSTRAINT supplement_amount_finite CHECK (amount_monthly <> 'NaN'),
  ADD CONSTRAINT supplement_dates_in_range CHECK (valid_from BETWEEN '1900-01-01' AND '2200-12-31'
    AND valid_to BETWEEN '1900-01-01' AND '2200-12-31'),
  ADD CONSTRAINT supplement_decision_ref_at_most_200_characters CHECK (char_length(decision_ref) <= 200),
  ADD CONSTRAINT supplement_decision_ref_no_control_characters CHECK (decision_ref !~ '[\x01-\x1f\x7f-\x9f]');

ALTER TABLE skolval.cost_account
  ADD CONSTRAINT cost_account_administration_at_most_200_characters CHECK (char_length(administration) <= 200),
  ADD CONSTRAINT cost_account_administration_no_control_characters CHECK (administration !~ '[\x01-\x1f\x7f-\x9f]'),
  ADD CONSTRAINT cost_account_account_at_most_50_characters CHECK (char_length(account) <= 50),
  ADD CONSTRAINT cost_account_account_no_control_characters CHECK (account !~ '[\x01-\x1f\x7f-\x9f]');

ALTER TABLE skolval.payment_run
  ADD CONSTRAINT payment_run_month_in_range CHECK (month BETWEEN '1900-01-01' AND '2200-12-01');

-- ---------------------------------------------------------------------------------------
-- Data issues (the resolution is written by case officers)
-- ---------------------------------------------------------------------------------------

ALTER TABLE skolval.data_issue
  ADD CONSTRAINT data_issue_resolution_at_most_2000_characters CHECK (char_length(resolution) <= 2000);

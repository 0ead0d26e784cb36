-- skolval: grant payments to independent units (bidrag: grundbelopp and tilläggsbelopp).
--
-- Configuration (categories, dated rates, supplements, count policy, accounts) is data; the
-- month's rows are computed in C (src/payments/, skolval_payment_rows()) from the register as
-- it is now; a payment run stores them with the issues found, is approved and locked, and is
-- immutable from then on. Reconciliation recomputes locked months from today's register and
-- puts the differences into the next run as correction rows.

-- Swedish sort order (Å, Ä, Ö after Z; "Åberg" before "Ängström") for every document and
-- file: an ICU collation, since the cluster's own (C.UTF-8) sorts by code point.
CREATE COLLATION IF NOT EXISTS skolval.sv_se (provider = icu, locale = 'sv-SE');

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
  last_weekday              boolean NOT NULL DEFAULT false,
  supplement_basis          text NOT NULL DEFAULT 'count_date'
                            CONSTRAINT payment_policy_supplement_basis_known CHECK (supplement_basis IN ('count_date', 'per_day')),
  payment_day               smallint NOT NULL DEFAULT 25
                            CONSTRAINT payment_policy_payment_day_range CHECK (payment_day BETWEEN 1 AND 28),
  payable_account           text NOT NULL DEFAULT '2440'
                            CONSTRAINT payment_policy_payable_account_format CHECK (payable_account ~ '^[0-9]{4,6}$'),
  organization_number       text CONSTRAINT payment_policy_organization_number_format CHECK (organization_number ~ '^[0-9]{6}-[0-9]{4}$'),
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
COMMENT ON COLUMN skolval.payment_policy.last_weekday IS
  'true: count on the last weekday of the month (not a Saturday, Sunday or payment_holiday) instead of count_day; special months keep their own day';
COMMENT ON COLUMN skolval.payment_policy.supplement_basis IS
  'Tilläggsbelopp in part months on the count_day basis: count_date (the whole monthly amount when the decision covers the month''s count date, nothing otherwise) or per_day (monthly amount × the days of the month the decision covers and the child is placed and registered here / days in month). On the per_day basis always per day';
COMMENT ON COLUMN skolval.payment_policy.payment_day IS
  'Day of the paid month the grants are paid out (utbetalningsdag), moved back to the previous weekday; shown on statements and in the payee file';
COMMENT ON COLUMN skolval.payment_policy.payable_account IS
  'Balance account the month''s verifications are credited to in the SIE file (for example 2440 leverantörsskulder)';
COMMENT ON COLUMN skolval.payment_policy.organization_number IS 'The municipality''s own organisation number (#ORGNR of the SIE file)';
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
  locked_by     text,
  created_role  name,
  approved_role name,
  locked_role   name,
  four_eyes_off_reason text
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
  reason          text,
  revision_id     bigint,
  organizer_id    bigint,
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
COMMENT ON COLUMN skolval.payment_row.reason IS
  'Correction rows: why the month is corrected, in Swedish for the unit (for example "Placeringen slutade 2026-02-28 enligt registret"); NULL on the month''s own rows';
COMMENT ON COLUMN skolval.payment_row.revision_id IS
  'Correction rows of a retroactive rate decision: the decision (skolval.payment_rate_revision); NULL otherwise';

COMMENT ON COLUMN skolval.payment_row.organizer_id IS
  'The organizer (huvudman, skolval.organizer) that ran the unit on the counted days and is paid; NULL when the unit has no dated organizer (skolval.unit_organizer)';

COMMENT ON TABLE skolval.payment_issue IS
  'The data issues a payment run found, as they were (the open list with resolutions is skolval.data_issue)';
COMMENT ON COLUMN skolval.payment_issue.run_id IS 'The run';
COMMENT ON COLUMN skolval.payment_issue.issue_no IS 'Number within the run';
COMMENT ON COLUMN skolval.payment_issue.category IS 'Kind of issue: parallel_placement, overlapping_enrollment, no_residence, resident_elsewhere, missing_address, address_changed, no_category, ambiguous_category, no_rate, no_district, no_account, supplement_without_enrollment, residence_gap';
COMMENT ON COLUMN skolval.payment_issue.severity IS 'error (the rows concerned are held) or warning (paid; needs a decision)';
COMMENT ON COLUMN skolval.payment_issue.child_id IS 'Child concerned';
COMMENT ON COLUMN skolval.payment_issue.unit_id IS 'Unit concerned';
COMMENT ON COLUMN skolval.payment_issue.message IS 'What is wrong, in English, without names or addresses';
COMMENT ON COLUMN skolval.payment_issue.detail IS 'Facts behind it (enrollments, dates, codes)';

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

-- skolval: grant payments — rates, categories, the month's payment rows (C), runs, approval,
-- locking, reconciliation and the BI summaries.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- Rate periods of a category must tile time: checked after each statement, so a whole year's
-- rates can be replaced in one statement.
CREATE OR REPLACE FUNCTION skolval._payment_rate_periods() RETURNS trigger
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
CREATE OR REPLACE TRIGGER payment_rate_periods_insert AFTER INSERT ON skolval.payment_rate
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rate_periods();
CREATE OR REPLACE TRIGGER payment_rate_periods_update AFTER UPDATE ON skolval.payment_rate
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rate_periods();
CREATE OR REPLACE TRIGGER payment_rate_periods_delete AFTER DELETE ON skolval.payment_rate
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rate_periods();

CREATE OR REPLACE FUNCTION skolval._supplement_unit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT u.organizer FROM skolval.unit u WHERE u.unit_id = NEW.unit_id) <> 'independent' THEN
    RAISE EXCEPTION 'supplement of child %: unit % is not an independent unit', NEW.child_id, NEW.unit_id
      USING ERRCODE = 'check_violation',
            HINT = 'Tilläggsbelopp to the municipality''s own units is paid through its budget, not as a grant.';
  END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER supplement_unit BEFORE INSERT OR UPDATE OF unit_id ON skolval.supplement
  FOR EACH ROW EXECUTE FUNCTION skolval._supplement_unit();

-- Comments of columns added to existing tables in 0.3.0 (task "pay"): here too, so that an
-- upgraded database has them (the tables file runs only on a fresh install).
COMMENT ON COLUMN skolval.payment_policy.last_weekday IS
  'true: count on the last weekday of the month (not a Saturday, Sunday or payment_holiday) instead of count_day; special months keep their own day';
COMMENT ON COLUMN skolval.payment_policy.supplement_basis IS
  'Tilläggsbelopp in part months on the count_day basis: count_date (the whole monthly amount when the decision covers the month''s count date, nothing otherwise) or per_day (monthly amount × the days of the month the decision covers and the child is placed and registered here / days in month). On the per_day basis always per day';
COMMENT ON COLUMN skolval.payment_policy.payment_day IS
  'Day of the paid month the grants are paid out (utbetalningsdag), moved back to the previous weekday; shown on statements and in the payee file';
COMMENT ON COLUMN skolval.payment_policy.payable_account IS
  'Balance account the month''s verifications are credited to in the SIE file (for example 2440 leverantörsskulder)';
COMMENT ON COLUMN skolval.payment_policy.organization_number IS 'The municipality''s own organisation number (#ORGNR of the SIE file)';
COMMENT ON COLUMN skolval.payment_row.reason IS
  'Correction rows: why the month is corrected, in Swedish for the unit (for example "Placeringen slutade 2026-02-28 enligt registret"); NULL on the month''s own rows';
COMMENT ON COLUMN skolval.payment_row.revision_id IS
  'Correction rows of a retroactive rate decision: the decision (skolval.payment_rate_revision); NULL otherwise';
COMMENT ON COLUMN skolval.payment_row.organizer_id IS
  'The organizer (huvudman, skolval.organizer) that ran the unit on the counted days and is paid; NULL when the unit has no dated organizer (skolval.unit_organizer)';
COMMENT ON COLUMN skolval.payment_issue.category IS 'Kind of issue: parallel_placement, overlapping_enrollment, no_residence, resident_elsewhere, missing_address, address_changed, no_category, ambiguous_category, no_rate, no_district, no_account, supplement_without_enrollment, residence_gap';

-- The organizer periods of a unit never overlap (checked after each statement, so a takeover
-- can close one period and open the next in one statement).
CREATE OR REPLACE FUNCTION skolval._unit_organizer_periods() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT a.unit_id, a.valid_from, a.valid_to, b.valid_from AS other_from INTO bad
    FROM skolval.unit_organizer a JOIN skolval.unit_organizer b
      ON b.unit_id = a.unit_id AND b.valid_from > a.valid_from AND (a.valid_to IS NULL OR b.valid_from <= a.valid_to)
   WHERE a.unit_id IN (SELECT c.unit_id FROM changed c)
   ORDER BY a.unit_id, a.valid_from LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'organizer periods of unit % overlap', bad.unit_id
      USING ERRCODE = 'exclusion_violation',
            DETAIL = pg_catalog.format('The period from %s to %s overlaps the one from %s.', bad.valid_from,
                                       coalesce(bad.valid_to::text, 'open'), bad.other_from),
            HINT = 'A takeover closes the old period (valid_to) the day before the new organizer''s first day.';
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER unit_organizer_periods_insert AFTER INSERT ON skolval.unit_organizer
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._unit_organizer_periods();
CREATE OR REPLACE TRIGGER unit_organizer_periods_update AFTER UPDATE ON skolval.unit_organizer
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._unit_organizer_periods();

COMMENT ON COLUMN skolval.payment_run.created_by IS 'Who computed it: the login role (session_user)';
COMMENT ON COLUMN skolval.payment_run.approved_by IS 'Who approved it (attest): the login role; with four eyes never the login or acting role that computed it';
COMMENT ON COLUMN skolval.payment_run.locked_by IS 'Who locked it: the login role';
COMMENT ON COLUMN skolval.payment_run.created_role IS 'The acting role (SET ROLE, else the login role) that computed it; created_by is the login role (session_user)';
COMMENT ON COLUMN skolval.payment_run.approved_role IS 'The acting role that approved it';
COMMENT ON COLUMN skolval.payment_run.locked_role IS 'The acting role that locked it';
COMMENT ON COLUMN skolval.payment_run.four_eyes_off_reason IS 'NULL when four eyes was on at approval; otherwise the reason it was off (settings.four_eyes_off_reason), shown on the statement';

-- ---------------------------------------------------------------------------------------
-- The workflow: draft -> approved -> locked, and nothing else
-- ---------------------------------------------------------------------------------------
-- Approved and locked runs are frozen: every column of the run, and every row and issue of it.
-- Four layers keep it so, for every writer and every interleaving:
--   1. privileges: only the owner writes payment_run, payment_row and payment_issue, that is
--      the SECURITY DEFINER functions below (sql/operations/roles.sql; checked again by
--      skolval._owner_writes);
--   2. the run trigger: an insert is a draft made by this session; a draft's identity never
--      changes; the status moves only draft -> approved -> locked, each step changing nothing
--      but its own who and when (set here, not taken from the writer), after checking that the
--      stored totals equal the rows and, for approval, four eyes;
--   3. the row triggers: a row or issue can be added, changed or removed only while its run is
--      a draft, judged on the old AND the new rows (moving a row into a frozen run is refused);
--   4. locks: the row triggers take the run row FOR SHARE, which conflicts with the FOR UPDATE
--      that approve and lock take (and with any UPDATE of the run), so approval waits for every
--      open writer of the run, and a writer that comes after it sees the new status.

-- The stored totals of a run against its rows and issues; check_violation when they differ.
CREATE OR REPLACE FUNCTION skolval._payment_run_check_totals(run skolval.payment_run) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  SELECT count(*) AS rows, count(DISTINCT x.child_id) AS children,
         coalesce(sum(x.amount) FILTER (WHERE NOT x.held), 0) AS amount,
         count(*) FILTER (WHERE x.held) AS held_rows,
         coalesce(sum(x.amount) FILTER (WHERE x.held), 0) AS held_amount,
         coalesce(sum(x.amount) FILTER (WHERE x.corrects_month IS NOT NULL AND NOT x.held), 0) AS corrections,
         (SELECT count(*) FROM skolval.payment_issue i WHERE i.run_id = run.run_id AND i.severity = 'error') AS errors,
         (SELECT count(*) FROM skolval.payment_issue i WHERE i.run_id = run.run_id AND i.severity = 'warning') AS warnings
    INTO t
    FROM skolval.payment_row x WHERE x.run_id = run.run_id;
  IF (t.rows, t.children, t.amount, t.held_rows, t.held_amount, t.corrections, t.errors, t.warnings)
     IS DISTINCT FROM (run.rows::bigint, run.children::bigint, run.amount, run.held_rows::bigint, run.held_amount,
                       run.corrections, run.errors::bigint, run.warnings::bigint) THEN
    RAISE EXCEPTION 'payment run % for %: the stored totals do not equal its rows', run.run_id, to_char(run.month, 'YYYY-MM')
      USING ERRCODE = 'check_violation',
            DETAIL = pg_catalog.format('Stored: %s rows, %s children, %s to pay, %s held rows of %s, corrections %s, %s errors, %s warnings. '
                                       'Rows: %s rows, %s children, %s to pay, %s held rows of %s, corrections %s, %s errors, %s warnings.',
                                       run.rows, run.children, run.amount, run.held_rows, run.held_amount, run.corrections, run.errors, run.warnings,
                                       t.rows, t.children, t.amount, t.held_rows, t.held_amount, t.corrections, t.errors, t.warnings),
            HINT = 'Compute the month again with skolval.create_payment_run().';
  END IF;
END $$;
COMMENT ON FUNCTION skolval._payment_run_check_totals(skolval.payment_run) IS
  'Raise check_violation unless the run''s stored rows, children, amounts, corrections, errors and warnings equal its payment rows and issues';

CREATE OR REPLACE FUNCTION skolval._payment_run_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  me_session name := SESSION_USER;
  me_role name := skolval._acting_role();
  label text;
BEGIN
  PERFORM skolval._owner_writes(TG_RELID);
  IF TG_OP = 'INSERT' THEN
    IF NEW.status IS DISTINCT FROM 'draft' OR NEW.approved_at IS NOT NULL OR NEW.approved_by IS NOT NULL
       OR NEW.approved_role IS NOT NULL OR NEW.locked_at IS NOT NULL OR NEW.locked_by IS NOT NULL OR NEW.locked_role IS NOT NULL
       OR NEW.four_eyes_off_reason IS NOT NULL
       OR NEW.created_by IS DISTINCT FROM me_session OR coalesce(NEW.created_role, me_role) <> me_role THEN
      RAISE EXCEPTION 'a payment run is made as a draft by skolval.create_payment_run()'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = pg_catalog.format('The new run says status %s, created by %s, approved by %s, locked by %s; this session is %s.',
                                         NEW.status, NEW.created_by, coalesce(NEW.approved_by, '-'), coalesce(NEW.locked_by, '-'), me_session);
    END IF;
    NEW.created_role := me_role;
    NEW.created_at := pg_catalog.now();
    RETURN NEW;
  END IF;

  label := pg_catalog.format('payment run %s for %s', OLD.run_id, to_char(OLD.month, 'YYYY-MM'));
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION '% is % and cannot be deleted', label, OLD.status
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Differences found later are paid or reclaimed as correction rows in the next month''s run.';
    END IF;
    RETURN OLD;
  END IF;

  IF OLD.status = 'locked' THEN
    RAISE EXCEPTION '% is locked and cannot be changed', label
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Differences found later are paid or reclaimed as correction rows in the next month''s run.';
  END IF;
  -- What a run is never changes, in any state.
  IF (NEW.run_id, NEW.month, NEW.basis, NEW.count_date, NEW.rules, NEW.created_at, NEW.created_by, NEW.created_role)
     IS DISTINCT FROM (OLD.run_id, OLD.month, OLD.basis, OLD.count_date, OLD.rules, OLD.created_at, OLD.created_by, OLD.created_role) THEN
    RAISE EXCEPTION '%: its month, basis, count date, rules and creator cannot be changed', label
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Compute the month again with skolval.create_payment_run() while it is a draft.';
  END IF;
  IF OLD.status = 'draft' AND NEW.status = 'draft' THEN
    -- create_payment_run() stores the totals of its draft.
    IF (NEW.approved_at, NEW.approved_by, NEW.approved_role, NEW.locked_at, NEW.locked_by, NEW.locked_role, NEW.four_eyes_off_reason)
       IS DISTINCT FROM (NULL::timestamptz, NULL::text, NULL::name, NULL::timestamptz, NULL::text, NULL::name, NULL::text) THEN
      RAISE EXCEPTION '%: a draft has not been approved or locked by anyone', label
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN NEW;
  END IF;
  -- A status change: nothing but the status and its own who and when, set here.
  IF (NEW.rows, NEW.children, NEW.amount, NEW.held_rows, NEW.held_amount, NEW.corrections, NEW.errors, NEW.warnings)
     IS DISTINCT FROM (OLD.rows, OLD.children, OLD.amount, OLD.held_rows, OLD.held_amount, OLD.corrections, OLD.errors, OLD.warnings)
     OR (OLD.status = 'approved' AND (NEW.approved_at, NEW.approved_by, NEW.approved_role, NEW.four_eyes_off_reason)
                                      IS DISTINCT FROM (OLD.approved_at, OLD.approved_by, OLD.approved_role, OLD.four_eyes_off_reason)) THEN
    RAISE EXCEPTION '% is %: its totals and approval cannot be changed', label, OLD.status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF OLD.status = 'draft' AND NEW.status = 'approved' THEN
    IF coalesce(NEW.approved_by, me_session) <> me_session OR coalesce(NEW.approved_role, me_role) <> me_role
       OR (NEW.locked_at, NEW.locked_by, NEW.locked_role) IS DISTINCT FROM (NULL::timestamptz, NULL::text, NULL::name) THEN
      RAISE EXCEPTION '%: the approval is recorded as this session (%), not as %', label, me_session, coalesce(NEW.approved_by, NEW.locked_by)
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM skolval._four_eyes(label, 'approve it', OLD.created_by::name, OLD.created_role);
    PERFORM skolval._payment_run_check_totals(OLD);
    NEW.approved_at := pg_catalog.now();
    NEW.approved_by := me_session;
    NEW.approved_role := me_role;
    NEW.four_eyes_off_reason := (SELECT x.four_eyes_off_reason FROM skolval.settings x WHERE NOT x.four_eyes);
    RETURN NEW;
  ELSIF OLD.status = 'approved' AND NEW.status = 'locked' THEN
    IF coalesce(NEW.locked_by, me_session) <> me_session OR coalesce(NEW.locked_role, me_role) <> me_role THEN
      RAISE EXCEPTION '%: the lock is recorded as this session (%), not as %', label, me_session, NEW.locked_by
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM skolval._payment_run_check_totals(OLD);
    NEW.locked_at := pg_catalog.now();
    NEW.locked_by := me_session;
    NEW.locked_role := me_role;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is %; it can only become %', label, OLD.status,
                  CASE OLD.status WHEN 'draft' THEN 'approved' ELSE 'locked' END
    USING ERRCODE = 'object_not_in_prerequisite_state',
          DETAIL = pg_catalog.format('Requested status: %s.', NEW.status),
          HINT = 'The workflow is create_payment_run() -> approve_payment_run() -> lock_payment_run().';
END $$;
COMMENT ON FUNCTION skolval._payment_run_guard() IS
  'The payment run workflow: a new run is a draft of this session; month, rules and creator never change; status only draft -> approved -> locked, each step recording its own who and when after checking four eyes (approval) and that the totals equal the rows; approved and locked runs change in nothing else; only drafts can be deleted';
CREATE OR REPLACE TRIGGER payment_run_guard BEFORE INSERT OR UPDATE OR DELETE ON skolval.payment_run
  FOR EACH ROW EXECUTE FUNCTION skolval._payment_run_guard();

-- Rows and issues: only in a draft, judged on old and new rows, under a share lock on the run.
CREATE OR REPLACE FUNCTION skolval._payment_rows_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  r record;
BEGIN
  PERFORM skolval._owner_writes(TG_RELID);
  IF TG_OP = 'INSERT' THEN
    SELECT pg_catalog.array_agg(DISTINCT c.run_id) INTO ids FROM new_rows c;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT pg_catalog.array_agg(DISTINCT c.run_id) INTO ids FROM old_rows c;
  ELSE
    SELECT pg_catalog.array_agg(DISTINCT c.run_id) INTO ids
      FROM (SELECT o.run_id FROM old_rows o UNION SELECT n.run_id FROM new_rows n) c;
  END IF;
  -- Locked in run order (no deadlock between two writers of several runs); a run deleted by
  -- this transaction (a draft replaced, its rows cascading) is not found and needs no check.
  FOR r IN
    SELECT x.run_id, x.month, x.status FROM skolval.payment_run x
     WHERE x.run_id = ANY (ids) ORDER BY x.run_id FOR SHARE
  LOOP
    IF r.status <> 'draft' THEN
      RAISE EXCEPTION 'payment run % for % is % and its rows cannot be changed, added or removed', r.run_id, to_char(r.month, 'YYYY-MM'), r.status
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = pg_catalog.format('%s on skolval.%s.', TG_OP, TG_TABLE_NAME),
              HINT = 'Differences found later are paid or reclaimed as correction rows in the next month''s run.';
    END IF;
  END LOOP;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._payment_rows_frozen() IS
  'Payment rows and issues change only while their run is a draft: checked for the old and the new rows of every statement, with the runs locked FOR SHARE so that approval and locking wait for open writers';
CREATE OR REPLACE TRIGGER payment_row_frozen_insert AFTER INSERT ON skolval.payment_row
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();
CREATE OR REPLACE TRIGGER payment_row_frozen_update AFTER UPDATE ON skolval.payment_row
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();
CREATE OR REPLACE TRIGGER payment_row_frozen_delete AFTER DELETE ON skolval.payment_row
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();
CREATE OR REPLACE TRIGGER payment_issue_frozen_insert AFTER INSERT ON skolval.payment_issue
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();
CREATE OR REPLACE TRIGGER payment_issue_frozen_update AFTER UPDATE ON skolval.payment_issue
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();
CREATE OR REPLACE TRIGGER payment_issue_frozen_delete AFTER DELETE ON skolval.payment_issue
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION skolval._payment_rows_frozen();

-- ---------------------------------------------------------------------------------------
-- Computing a month
-- ---------------------------------------------------------------------------------------

-- The policy row, or the defaults when the municipality has not written one (the table is
-- data, emptied by demo_municipality(replace => true) like every other table).
CREATE OR REPLACE FUNCTION skolval._payment_policy() RETURNS skolval.payment_policy
LANGUAGE sql STABLE AS $$
  SELECT p.* FROM (SELECT x.* FROM skolval.payment_policy x
                   UNION ALL
                   -- keep in step with the column defaults of skolval.payment_policy
                   SELECT true, 'count_day', 15::smallint, 'next', 9::smallint, 1::smallint, 1::smallint, false, 'count_date',
                          25::smallint, '2440', NULL::text) p
   LIMIT 1
$$;
COMMENT ON FUNCTION skolval._payment_policy() IS 'The payment policy row, or the column defaults when there is none';

CREATE OR REPLACE FUNCTION skolval._payment_month(month date) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF month IS NULL THEN
    RAISE EXCEPTION 'month must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT isfinite(month) THEN
    RAISE EXCEPTION 'month must be a finite date, not %', month USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF month NOT BETWEEN date '1900-01-01' AND date '2200-12-31' THEN
    RAISE EXCEPTION 'month must lie between 1900-01 and 2200-12, not %', month
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF month <> pg_catalog.date_trunc('month', month)::date THEN
    RAISE EXCEPTION 'month must be the first day of a month, not %', month
      USING ERRCODE = 'invalid_parameter_value',
            HINT = pg_catalog.format('Use date_trunc(''month'', day)::date, for example %s.', pg_catalog.date_trunc('month', month)::date);
  END IF;
  RETURN month;
END $$;
COMMENT ON FUNCTION skolval._payment_month(date) IS 'The month unchanged; null_value_not_allowed when NULL, invalid_parameter_value when it is not the first day of a month between 1900-01 and 2200-12';

-- The count date: the count day (or a special month's date, or the last day of the month with
-- last_weekday), moved off Saturdays, Sundays and holidays in the policy's direction; a shift
-- never leaves the month the date lies in: when it would, the date moves the other way instead
-- (28 February 2026, a Saturday, with "next": Friday 27 February, not 2 March).
CREATE OR REPLACE FUNCTION skolval.payment_count_date(month date) RETURNS date
LANGUAGE plpgsql STABLE AS $$
DECLARE
  p skolval.payment_policy;
  sm skolval.payment_special_month;
  d date;
  x date;
  first_day date;
  last_day date;
  step integer;
BEGIN
  PERFORM skolval._payment_month(month);
  p := skolval._payment_policy();
  SELECT * INTO sm FROM skolval.payment_special_month s WHERE s.month_of_year = extract(month FROM month);
  IF FOUND THEN
    first_day := (month + pg_catalog.make_interval(months => sm.month_offset))::date;
    d := first_day + (sm.count_day - 1);
    step := CASE p.weekend_shift WHEN 'previous' THEN -1 WHEN 'none' THEN 0 ELSE 1 END;
  ELSIF coalesce(p.last_weekday, false) THEN
    first_day := month;
    d := (month + interval '1 month')::date - 1;
    step := -1;
  ELSE
    first_day := month;
    d := month + (coalesce(p.count_day, 15) - 1);
    step := CASE p.weekend_shift WHEN 'previous' THEN -1 WHEN 'none' THEN 0 ELSE 1 END;
  END IF;
  last_day := (first_day + interval '1 month')::date - 1;
  IF step <> 0 THEN
    x := d;
    WHILE extract(isodow FROM x) IN (6, 7) OR EXISTS (SELECT 1 FROM skolval.payment_holiday h WHERE h.day = x) LOOP
      x := x + step;
    END LOOP;
    IF x NOT BETWEEN first_day AND last_day THEN
      -- the shift left the month: the other way instead
      x := d;
      WHILE (extract(isodow FROM x) IN (6, 7) OR EXISTS (SELECT 1 FROM skolval.payment_holiday h WHERE h.day = x))
            AND x BETWEEN first_day AND last_day LOOP
        x := x - step;
      END LOOP;
      IF x NOT BETWEEN first_day AND last_day THEN
        x := d;   -- a month without a weekday: the day itself
      END IF;
    END IF;
    d := x;
  END IF;
  RETURN d;
END $$;
COMMENT ON FUNCTION skolval.payment_count_date(date) IS
  'The count date of a month under today''s policy: the count day, a special month''s date or (last_weekday) the last day of the month, moved off weekends and holidays without leaving the month the date lies in';

-- The rules a month is computed with, as one document: today's policy, count date, special
-- months, holidays, categories and the rates around the month. Stored with every run
-- (payment_run.rules) and read back when the month is reconciled.
CREATE OR REPLACE FUNCTION skolval._payment_rules(month date) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
           'policy', to_jsonb(p) - 'singleton',
           'count_date', skolval.payment_count_date(month),
           'municipality_code', (SELECT s.municipality_code FROM skolval.settings s),
           'special_months', coalesce((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.month_of_year) FROM skolval.payment_special_month s), '[]'),
           'holidays', coalesce((SELECT jsonb_agg(to_jsonb(h) ORDER BY h.day) FROM skolval.payment_holiday h
                                  WHERE h.day BETWEEN (month - interval '2 months')::date AND (month + interval '3 months')::date), '[]'),
           'categories', coalesce((SELECT jsonb_agg(to_jsonb(c) ORDER BY c.sort_order, c.category_code) FROM skolval.payment_category c), '[]'),
           'rates', coalesce((SELECT jsonb_agg(to_jsonb(r) ORDER BY r.category_code, r.valid_from) FROM skolval.payment_rate r
                               WHERE r.valid_from <= (month + interval '2 months')::date
                                 AND (r.valid_to IS NULL OR r.valid_to >= (month - interval '1 month')::date)), '[]'))
    FROM skolval._payment_policy() p
$$;
COMMENT ON FUNCTION skolval._payment_rules(date) IS
  'Today''s rules for a month as one document: policy, count date, special months, holidays, categories and the rates around the month. create_payment_run() stores it with the run and computes with it';

CREATE OR REPLACE FUNCTION skolval._payment_compute_with(month date, rules jsonb)
RETURNS TABLE (record_kind text, child_id bigint, unit_id bigint, kind text, enrollment_id bigint,
               supplement_id bigint, category_code text, category_name text, school_form text,
               grade smallint, hours_per_week numeric, age smallint, rate_id bigint, count_date date,
               days smallint, days_in_month smallint, base numeric, premises numeric, admin numeric,
               vat numeric, amount numeric, district_code text, administration text, account text,
               held boolean, flags text[], issue_category text, severity text, message text, detail jsonb,
               organizer_id bigint)
  LANGUAGE c STABLE STRICT
  AS 'MODULE_PATHNAME', 'skolval_payment_rows';
COMMENT ON FUNCTION skolval._payment_compute_with(date, jsonb) IS
  'skolval_payment_rows() in C: one month''s payment rows (record_kind row) and data issues (record_kind issue) from the register as it is now and the rules given (policy, count date, categories, rates: skolval._payment_rules() or a run''s stored rules), read under one snapshot';

CREATE OR REPLACE FUNCTION skolval._payment_compute(month date)
RETURNS TABLE (record_kind text, child_id bigint, unit_id bigint, kind text, enrollment_id bigint,
               supplement_id bigint, category_code text, category_name text, school_form text,
               grade smallint, hours_per_week numeric, age smallint, rate_id bigint, count_date date,
               days smallint, days_in_month smallint, base numeric, premises numeric, admin numeric,
               vat numeric, amount numeric, district_code text, administration text, account text,
               held boolean, flags text[], issue_category text, severity text, message text, detail jsonb,
               organizer_id bigint)
LANGUAGE sql STABLE STRICT AS $$
  SELECT * FROM skolval._payment_compute_with(month, skolval._payment_rules(month))
$$;
COMMENT ON FUNCTION skolval._payment_compute(date) IS
  'One month''s payment rows and issues from today''s register and today''s rules (skolval._payment_compute_with(month, skolval._payment_rules(month)))';

CREATE OR REPLACE FUNCTION skolval.payment_rows(month date)
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
  'What-if: the payment rows of a month computed from today''s register and today''s rules, without storing anything. One row per child, unit and category (grant) or supplement decision; held rows have an error-level issue';

CREATE OR REPLACE FUNCTION skolval.payment_check(month date)
RETURNS TABLE (category text, severity text, child_id bigint, unit_id bigint, message text, detail jsonb)
LANGUAGE sql STABLE AS $$
  SELECT c.issue_category, c.severity, c.child_id, c.unit_id, c.message, c.detail
    FROM skolval._payment_compute(skolval._payment_month(month)) c
   WHERE c.record_kind = 'issue'
   ORDER BY c.severity, c.issue_category, c.child_id, c.unit_id
$$;
COMMENT ON FUNCTION skolval.payment_check(date) IS
  'The data-quality checks of a month without storing anything: parallel placements, missing or changed addresses, children registered elsewhere, enrollments without category or rate, overlapping enrollments, supplements without placement';

-- The rules in force for a paid month: the latest retroactive rate decision for it, else the
-- rules stored with its approved or locked run (runs made before the count date was part of the
-- rules get it from the run). NULL when the month has not been paid.
CREATE OR REPLACE FUNCTION skolval._payment_rules_in_force(month date) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT coalesce(
           (SELECT v.rules FROM skolval.payment_rate_revision v WHERE v.month = _payment_rules_in_force.month
             ORDER BY v.revision_id DESC LIMIT 1),
           (SELECT CASE WHEN r.rules ? 'count_date' THEN r.rules
                        ELSE r.rules || jsonb_build_object('count_date', coalesce(r.count_date, r.month)) END
              FROM skolval.payment_run r
             WHERE r.month = _payment_rules_in_force.month AND r.status IN ('approved', 'locked')))
$$;
COMMENT ON FUNCTION skolval._payment_rules_in_force(date) IS
  'The rules a paid month is reconciled with: those of its latest retroactive rate decision (payment_rate_revision), else those stored with its approved or locked run; NULL when the month has no approved or locked run';

-- What counts as paid for a month: the rows of its approved or locked run and the correction
-- rows for it in approved or locked runs (held rows are not paid), and the rows of retroactive
-- rate decisions for it that no approved or locked run has paid yet (decided, so as good as
-- paid: the next run pays them on rows of their own).
CREATE OR REPLACE FUNCTION skolval._payment_paid(month date)
RETURNS TABLE (child_id bigint, unit_id bigint, kind text, supplement_id bigint, category_code text,
               category_name text, school_form text, district_code text, administration text, account text,
               base numeric, premises numeric, admin numeric, vat numeric, amount numeric, was_held boolean,
               organizer_id bigint)
LANGUAGE sql STABLE AS $$
  SELECT pr.child_id, pr.unit_id, pr.kind, pr.supplement_id, pr.category_code, pr.category_name, pr.school_form,
         pr.district_code, pr.administration, pr.account,
         CASE WHEN pr.held THEN 0 ELSE pr.base END, CASE WHEN pr.held THEN 0 ELSE pr.premises END,
         CASE WHEN pr.held THEN 0 ELSE pr.admin END, CASE WHEN pr.held THEN 0 ELSE pr.vat END,
         CASE WHEN pr.held THEN 0 ELSE pr.amount END, pr.held, pr.organizer_id
    FROM skolval.payment_row pr JOIN skolval.payment_run r ON r.run_id = pr.run_id
   WHERE r.status IN ('approved', 'locked')
     AND ((r.month = _payment_paid.month AND pr.corrects_month IS NULL) OR pr.corrects_month = _payment_paid.month)
  UNION ALL
  SELECT vr.child_id, vr.unit_id, vr.kind, vr.supplement_id, vr.category_code, vr.category_name, vr.school_form,
         vr.district_code, vr.administration, vr.account, vr.base, vr.premises, vr.admin, vr.vat, vr.amount, false,
         vr.organizer_id
    FROM skolval.payment_revision_row vr JOIN skolval.payment_rate_revision v ON v.revision_id = vr.revision_id
   WHERE v.month = _payment_paid.month
     AND NOT EXISTS (SELECT 1 FROM skolval.payment_row pr JOIN skolval.payment_run r ON r.run_id = pr.run_id
                      WHERE pr.revision_id = v.revision_id AND r.status IN ('approved', 'locked'))
$$;
COMMENT ON FUNCTION skolval._payment_paid(date) IS
  'What counts as paid for a month: its approved or locked run, correction rows for it in approved or locked runs (held rows as 0, was_held true), and rows of retroactive rate decisions for it not yet paid by an approved or locked run';

-- Differences between what counts as paid for a month and what today's register gives under
-- the rules in force for the month, per child, unit, category or supplement, each with its
-- reason in Swedish for the unit.
CREATE OR REPLACE FUNCTION skolval._payment_differences(month date)
RETURNS TABLE (child_id bigint, unit_id bigint, kind text, supplement_id bigint, category_code text,
               category_name text, school_form text, district_code text, administration text, account text,
               paid_amount numeric, recomputed_amount numeric,
               base numeric, premises numeric, admin numeric, vat numeric, amount numeric, held boolean,
               reason text, organizer_id bigint)
LANGUAGE sql STABLE AS $$
  WITH rules AS (SELECT skolval._payment_rules_in_force(_payment_differences.month) AS r),
  paid AS (
    SELECT p.child_id, p.unit_id, p.kind, coalesce(p.supplement_id, 0) AS sid, coalesce(p.category_code, '') AS cat,
           max(p.category_name) AS category_name, max(p.school_form) AS school_form,
           max(p.district_code) AS district_code, max(p.administration) AS administration, max(p.account) AS account,
           sum(p.base) AS base, sum(p.premises) AS premises, sum(p.admin) AS admin, sum(p.vat) AS vat, sum(p.amount) AS amount,
           bool_or(p.was_held) AS was_held, max(p.organizer_id) AS organizer_id
      FROM skolval._payment_paid(_payment_differences.month) p
     GROUP BY 1, 2, 3, 4, 5),
  now AS (
    SELECT c.child_id, c.unit_id, c.kind, coalesce(c.supplement_id, 0) AS sid, coalesce(c.category_code, '') AS cat,
           max(c.category_name) AS category_name, max(c.school_form) AS school_form,
           max(c.district_code) AS district_code, max(c.administration) AS administration, max(c.account) AS account,
           sum(c.base) FILTER (WHERE NOT c.held) AS base, sum(c.premises) FILTER (WHERE NOT c.held) AS premises,
           sum(c.admin) FILTER (WHERE NOT c.held) AS admin, sum(c.vat) FILTER (WHERE NOT c.held) AS vat,
           sum(c.amount) FILTER (WHERE NOT c.held) AS amount, bool_or(c.held) AS held,
           max(c.days) AS days, max(c.days_in_month) AS days_in_month, max(c.organizer_id) AS organizer_id,
           pg_catalog.array_to_string(pg_catalog.array_agg(DISTINCT f.flag) FILTER (WHERE f.flag IS NOT NULL), ', ') AS flags
      FROM rules, skolval._payment_compute_with(_payment_differences.month, rules.r) c
      LEFT JOIN LATERAL pg_catalog.unnest(c.flags) f(flag) ON true
     WHERE c.record_kind = 'row' AND rules.r IS NOT NULL
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
         coalesce(n.held, false) AND coalesce(n.amount, 0) - coalesce(p.amount, 0) < 0,
         CASE
           WHEN n.child_id IS NULL
             THEN 'Registret ger inte längre någon ersättning för månaden (placering eller folkbokföring ändrad i efterhand)'
           WHEN coalesce(n.amount, 0) = 0 AND n.held
             THEN 'Raden innehålls nu: ' || coalesce(n.flags, 'fel i underlaget')
           WHEN coalesce(p.amount, 0) = 0 AND p.was_held
             THEN 'Tidigare innehållen rad betalas ut: felet i underlaget är rättat'
           WHEN p.child_id IS NULL OR coalesce(p.amount, 0) = 0
             THEN 'Ny i underlaget för månaden: placering eller folkbokföring registrerad i efterhand'
           ELSE pg_catalog.format('Ändrat underlag enligt registret (nu %s av %s dagar)', n.days, n.days_in_month)
         END,
         coalesce(n.organizer_id, p.organizer_id)
    FROM now n FULL JOIN paid p USING (child_id, unit_id, kind, sid, cat)
   WHERE coalesce(n.amount, 0) <> coalesce(p.amount, 0)
      OR coalesce(n.base, 0) <> coalesce(p.base, 0) OR coalesce(n.vat, 0) <> coalesce(p.vat, 0)
$$;
COMMENT ON FUNCTION skolval._payment_differences(date) IS
  'Per child, unit and category: today''s register computed with the rules in force for the month (skolval._payment_rules_in_force) minus what counts as paid for it (skolval._payment_paid), with the reason in Swedish. Empty for a month without an approved or locked run';

CREATE OR REPLACE FUNCTION skolval.reconcile_payments(from_month date, to_month date DEFAULT NULL)
RETURNS TABLE (month date, child_id bigint, unit_id bigint, kind text, category_code text,
               paid numeric, recomputed numeric, difference numeric, direction text,
               within_window boolean, held boolean, reason text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  m date;
  last_paid date;
  window_start date;
BEGIN
  IF from_month IS NULL THEN
    RAISE EXCEPTION 'reconcile_payments(): from_month must not be NULL' USING ERRCODE = 'null_value_not_allowed',
      HINT = 'to_month may be NULL (from_month only).';
  END IF;
  PERFORM skolval._payment_month(from_month);
  PERFORM skolval._payment_month(coalesce(to_month, from_month));
  IF coalesce(to_month, from_month) < from_month THEN
    RAISE EXCEPTION 'to_month % is before from_month %', to_month, from_month USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- The next run is the month after the last approved or locked one.
  SELECT max(r.month) INTO last_paid FROM skolval.payment_run r WHERE r.status IN ('approved', 'locked');
  window_start := (last_paid + interval '1 month'
                   - pg_catalog.make_interval(months => (skolval._payment_policy()).correction_window_months))::date;
  FOR m IN SELECT r.month FROM skolval.payment_run r
            WHERE r.status IN ('approved', 'locked') AND r.month BETWEEN from_month AND coalesce(to_month, from_month)
            ORDER BY r.month LOOP
    RETURN QUERY
      SELECT m, d.child_id, d.unit_id, d.kind, d.category_code, d.paid_amount, d.recomputed_amount, d.amount,
             CASE WHEN d.amount > 0 THEN 'owed' ELSE 'reclaim' END, m >= window_start, d.held, d.reason
        FROM skolval._payment_differences(m) d
       ORDER BY d.unit_id, d.child_id, d.kind, d.category_code;
  END LOOP;
END $$;
COMMENT ON FUNCTION skolval.reconcile_payments(date, date) IS
  'Avstämning: recompute approved and locked months from today''s register with the rules in force for each month (stored with its run) and list the differences per child, unit and category: owed (the unit gets more) or reclaim, with the reason. within_window says whether the next run will correct it (policy.correction_window_months). to_month NULL: from_month only';

-- Who may change payment runs: skolval_admin (the acting role as sql/operations/audit.sql
-- defines it: these functions are SECURITY DEFINER, so current_user is the owner).
CREATE OR REPLACE FUNCTION skolval._payment_admin(what text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  caller name := skolval._acting_role();
BEGIN
  IF NOT pg_catalog.pg_has_role(caller, 'skolval_admin', 'MEMBER') THEN
    RAISE EXCEPTION 'role "%" may not %', caller, what
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Payment runs are created, approved and locked by members of skolval_admin.';
  END IF;
END $$;
COMMENT ON FUNCTION skolval._payment_admin(text) IS
  'Raise insufficient_privilege unless the acting role is a member of skolval_admin';

-- Everything a run of a month holds, computed now (run_id NULL): the month's rows under the
-- rules given, correction rows for every approved or locked earlier month inside the
-- correction window, and the rows of retroactive rate decisions for earlier months that no
-- approved or locked run has paid. create_payment_run() stores it; approve_payment_run()
-- compares a draft with it.
CREATE OR REPLACE FUNCTION skolval._payment_run_rows(month date, rules jsonb) RETURNS SETOF skolval.payment_row
LANGUAGE sql STABLE AS $$
  WITH own AS (
    SELECT 1 AS part, c.unit_id AS u, c.kind AS k, cat.sort_order AS so, c.category_code AS cc, c.child_id AS ch,
           c.enrollment_id AS e, c.supplement_id AS s, NULL::date AS cm, NULL::bigint AS rv,
           c.child_id, c.unit_id, c.kind, c.enrollment_id, c.supplement_id, c.category_code, c.category_name,
           c.school_form, c.grade, c.hours_per_week::numeric(4,1) AS hours_per_week, c.age, c.rate_id, c.count_date,
           c.days, c.days_in_month, c.base, c.premises, c.admin, c.vat, c.amount, c.district_code,
           c.administration, c.account, c.held, c.flags, NULL::date AS corrects_month, NULL::text AS reason,
           NULL::bigint AS revision_id, c.organizer_id
      FROM skolval._payment_compute_with(month, rules) c
      LEFT JOIN LATERAL (SELECT (x->>'sort_order')::integer AS sort_order
                           FROM jsonb_array_elements(rules->'categories') x
                          WHERE x->>'category_code' = c.category_code LIMIT 1) cat ON true
     WHERE c.record_kind = 'row'),
  corr AS (
    SELECT 2 AS part, d.unit_id AS u, d.kind AS k, 0 AS so, d.category_code AS cc, d.child_id AS ch,
           NULL::bigint AS e, d.supplement_id AS s, r.month AS cm, NULL::bigint AS rv,
           d.child_id, d.unit_id, d.kind, NULL::bigint, d.supplement_id, d.category_code, d.category_name,
           d.school_form, NULL::smallint, NULL::numeric(4,1), NULL::smallint, NULL::bigint, NULL::date,
           0::smallint, 0::smallint, d.base, d.premises, d.admin, d.vat, d.amount, d.district_code,
           d.administration, d.account, d.held, ARRAY[CASE WHEN d.amount > 0 THEN 'owed' ELSE 'reclaim' END],
           r.month, d.reason, NULL::bigint, d.organizer_id
      FROM skolval.payment_run r, skolval._payment_differences(r.month) d
     WHERE r.status IN ('approved', 'locked') AND r.month < _payment_run_rows.month
       AND r.month >= (_payment_run_rows.month
                       - pg_catalog.make_interval(months => (skolval._payment_policy()).correction_window_months))::date),
  rev AS (
    SELECT 3 AS part, vr.unit_id AS u, vr.kind AS k, 0 AS so, vr.category_code AS cc, vr.child_id AS ch,
           NULL::bigint AS e, vr.supplement_id AS s, v.month AS cm, v.revision_id AS rv,
           vr.child_id, vr.unit_id, vr.kind, NULL::bigint, vr.supplement_id, vr.category_code, vr.category_name,
           vr.school_form, NULL::smallint, NULL::numeric(4,1), NULL::smallint, NULL::bigint, NULL::date,
           0::smallint, 0::smallint, vr.base, vr.premises, vr.admin, vr.vat, vr.amount, vr.district_code,
           vr.administration, vr.account, false,
           ARRAY['rate_revision', CASE WHEN vr.amount > 0 THEN 'owed' ELSE 'reclaim' END],
           v.month,
           pg_catalog.format('Retroaktivt beslut om ersättning%s: %s', coalesce(' (' || v.decision_ref || ')', ''), v.reason),
           v.revision_id, vr.organizer_id
      FROM skolval.payment_rate_revision v JOIN skolval.payment_revision_row vr ON vr.revision_id = v.revision_id
     WHERE v.month < _payment_run_rows.month
       AND NOT EXISTS (SELECT 1 FROM skolval.payment_row pr JOIN skolval.payment_run r ON r.run_id = pr.run_id
                        WHERE pr.revision_id = v.revision_id AND r.status IN ('approved', 'locked'))),
  al AS (SELECT * FROM own UNION ALL SELECT * FROM corr UNION ALL SELECT * FROM rev)
  SELECT NULL::bigint,
         (row_number() OVER (ORDER BY a.part, a.cm, a.rv, a.u, a.k, a.so, a.cc, a.ch, a.e, a.s, a.organizer_id, a.district_code))::integer,
         a.child_id, a.unit_id, a.kind, a.enrollment_id, a.supplement_id, a.category_code, a.category_name,
         a.school_form, a.grade, a.hours_per_week, a.age, a.rate_id, a.count_date, a.days, a.days_in_month,
         a.base::numeric(12,2), a.premises::numeric(12,2), a.admin::numeric(12,2), a.vat::numeric(12,2),
         a.amount::numeric(12,2), a.district_code, a.administration, a.account, a.held, a.flags,
         a.corrects_month, a.reason, a.revision_id, a.organizer_id
    FROM al a
$$;
COMMENT ON FUNCTION skolval._payment_run_rows(date, jsonb) IS
  'The rows a run of the month holds when computed now under the given rules (run_id NULL): its own rows, correction rows for approved or locked months inside the correction window, and unpaid rows of retroactive rate decisions';

-- A draft is stale when it no longer equals a fresh computation: other rules today, or other
-- rows (the register changed, or a run approved since pays some of its corrections). The
-- number of rows that differ; 0 when it is fresh.
CREATE OR REPLACE FUNCTION skolval._payment_run_stale_rows(run skolval.payment_run) RETURNS bigint
LANGUAGE sql STABLE AS $$
  WITH fresh AS MATERIALIZED (SELECT * FROM skolval._payment_run_rows(run.month, skolval._payment_rules(run.month))),
  stored AS (SELECT x.child_id, x.unit_id, x.kind, x.enrollment_id, x.supplement_id, x.category_code, x.category_name,
                    x.school_form, x.grade, x.hours_per_week, x.age, x.rate_id, x.count_date, x.days, x.days_in_month,
                    x.base, x.premises, x.admin, x.vat, x.amount, x.district_code, x.administration, x.account, x.held,
                    x.flags, x.corrects_month, x.reason, x.revision_id, x.organizer_id
               FROM skolval.payment_row x WHERE x.run_id = run.run_id),
  now AS (SELECT f.child_id, f.unit_id, f.kind, f.enrollment_id, f.supplement_id, f.category_code, f.category_name,
                 f.school_form, f.grade, f.hours_per_week, f.age, f.rate_id, f.count_date, f.days, f.days_in_month,
                 f.base, f.premises, f.admin, f.vat, f.amount, f.district_code, f.administration, f.account, f.held,
                 f.flags, f.corrects_month, f.reason, f.revision_id, f.organizer_id
            FROM fresh f)
  SELECT (SELECT count(*) FROM (SELECT * FROM stored EXCEPT ALL SELECT * FROM now) a)
       + (SELECT count(*) FROM (SELECT * FROM now EXCEPT ALL SELECT * FROM stored) b)
       + CASE WHEN run.rules = skolval._payment_rules(run.month) THEN 0 ELSE 1 END
$$;
COMMENT ON FUNCTION skolval._payment_run_stale_rows(skolval.payment_run) IS
  'How far a draft is from a fresh computation: rows stored but no longer computed plus rows computed but not stored, plus 1 when today''s rules differ from the stored ones; 0 when the draft is fresh';

CREATE OR REPLACE FUNCTION skolval.create_payment_run(month date) RETURNS skolval.payment_run
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  existing skolval.payment_run;
  run skolval.payment_run;
BEGIN
  PERFORM skolval._payment_admin('create payment runs');
  PERFORM skolval._payment_month(create_payment_run.month);
  -- One computation per month at a time (a row lock read-only roles cannot take); the run row
  -- lock then serialises approve and lock.
  PERFORM skolval._job_lock('payment_run', create_payment_run.month - date '2000-01-01');
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
  INSERT INTO skolval.payment_run (month, basis, count_date, rules)
  SELECT create_payment_run.month, rl.r->'policy'->>'basis',
         CASE WHEN rl.r->'policy'->>'basis' = 'count_day' THEN (rl.r->>'count_date')::date END, rl.r
    FROM (SELECT skolval._payment_rules(create_payment_run.month) AS r) rl
  RETURNING * INTO run;

  -- The rows: computed with exactly the rules stored with the run.
  INSERT INTO skolval.payment_row
  SELECT run.run_id, (x).row_no, (x).child_id, (x).unit_id, (x).kind, (x).enrollment_id, (x).supplement_id,
         (x).category_code, (x).category_name, (x).school_form, (x).grade, (x).hours_per_week, (x).age, (x).rate_id,
         (x).count_date, (x).days, (x).days_in_month, (x).base, (x).premises, (x).admin, (x).vat, (x).amount,
         (x).district_code, (x).administration, (x).account, (x).held, (x).flags, (x).corrects_month, (x).reason,
         (x).revision_id, (x).organizer_id
    FROM skolval._payment_run_rows(create_payment_run.month, run.rules) x;

  INSERT INTO skolval.payment_issue (run_id, issue_no, category, severity, child_id, unit_id, message, detail)
  SELECT run.run_id, row_number() OVER (ORDER BY c.severity, c.issue_category, c.child_id, c.unit_id, c.enrollment_id),
         c.issue_category, c.severity, c.child_id, c.unit_id, c.message, c.detail || jsonb_build_object('month', to_char(create_payment_run.month, 'YYYY-MM'))
    FROM skolval._payment_compute_with(create_payment_run.month, run.rules) c WHERE c.record_kind = 'issue';

  -- The open list of data issues: new ones in, ones no longer found for this month resolved.
  UPDATE skolval.data_issue i
     SET resolved_at = pg_catalog.now(), resolution = 'no longer found by a later payment run'
   WHERE i.resolved_at IS NULL AND i.detail->>'payment_month' = to_char(create_payment_run.month, 'YYYY-MM')
     AND NOT EXISTS (SELECT 1 FROM skolval.payment_issue n
                      WHERE n.run_id = run.run_id AND n.category = i.category
                        AND n.child_id IS NOT DISTINCT FROM i.child_id AND n.unit_id IS NOT DISTINCT FROM i.unit_id);
  INSERT INTO skolval.data_issue (category, severity, child_id, unit_id, message, detail)
  SELECT DISTINCT ON (n.category, n.child_id, n.unit_id) n.category, n.severity, n.child_id, n.unit_id, n.message,
         n.detail || jsonb_build_object('payment_month', to_char(create_payment_run.month, 'YYYY-MM'), 'payment_run_id', run.run_id)
    FROM skolval.payment_issue n
   WHERE n.run_id = run.run_id
     AND NOT EXISTS (SELECT 1 FROM skolval.data_issue i
                      WHERE i.resolved_at IS NULL AND i.detail->>'payment_month' = to_char(create_payment_run.month, 'YYYY-MM')
                        AND i.category = n.category AND i.child_id IS NOT DISTINCT FROM n.child_id
                        AND i.unit_id IS NOT DISTINCT FROM n.unit_id)
   ORDER BY n.category, n.child_id, n.unit_id, n.issue_no;

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
  'Compute and store the payment run of a month (status draft) with today''s rules, stored with it: its rows, the issues found, correction rows (with reasons) for approved or locked months inside the correction window, and unpaid rows of retroactive rate decisions. Replaces an earlier draft of the month; refuses an approved or locked month';

CREATE OR REPLACE FUNCTION skolval._payment_run_for_update(run_id bigint) RETURNS skolval.payment_run
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

CREATE OR REPLACE FUNCTION skolval.approve_payment_run(run_id bigint) RETURNS skolval.payment_run
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  run skolval.payment_run;
  stale bigint;
BEGIN
  PERFORM skolval._payment_admin('approve payment runs');
  -- FOR UPDATE: waits for every open writer of the run's rows (they hold it FOR SHARE).
  run := skolval._payment_run_for_update(run_id);
  IF run.status <> 'draft' THEN
    RAISE EXCEPTION 'payment run % for % is already %', run.run_id, to_char(run.month, 'YYYY-MM'), run.status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  -- Approvals (and retroactive rate decisions) one at a time, whatever their month: what one
  -- approval makes paid is then seen by the next one's fresh computation below (a new
  -- statement, a new snapshot), so two drafts carrying the same correction are never both
  -- approved. Key -1 is no month's key (a month's key is its first day's distance from
  -- 2000-01-01, never that of 31 December 1999). Taken after the run's row lock, as last lock.
  PERFORM skolval._job_lock('payment_run', -1);
  -- Rows edited around the workflow first (the more specific error), then freshness.
  PERFORM skolval._payment_run_check_totals(run);
  stale := skolval._payment_run_stale_rows(run);
  IF stale > 0 THEN
    RAISE EXCEPTION 'payment run % for % is stale: it differs from a fresh computation', run.run_id, to_char(run.month, 'YYYY-MM')
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('%s rows (or the rules) differ from what skolval.create_payment_run() computes now: '
                                       'the register, the rules or the runs approved since it was made have changed. Nothing was approved.', stale),
            HINT = pg_catalog.format('Compute the draft again with skolval.create_payment_run(%L), check it, and approve the new run.', run.month);
  END IF;
  -- The run trigger records who and when, checks four eyes and that the totals equal the rows.
  UPDATE skolval.payment_run x SET status = 'approved' WHERE x.run_id = run.run_id RETURNING x.* INTO run;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval.approve_payment_run(bigint) IS
  'Approve (attest) a draft payment run: its rows can no longer change and count as paid; held rows stay held. Refuses (object_not_in_prerequisite_state) a stale draft, one that no longer equals a fresh computation. Needs skolval_admin; with four eyes (settings.four_eyes, on by default) not by the login or acting role that created the run. Waits for open writers of the run, and refuses (check_violation) a run whose totals do not equal its rows';

CREATE OR REPLACE FUNCTION skolval.lock_payment_run(run_id bigint) RETURNS skolval.payment_run
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  run skolval.payment_run;
  counted date;
BEGIN
  PERFORM skolval._payment_admin('lock payment runs');
  run := skolval._payment_run_for_update(run_id);
  IF run.status = 'draft' THEN
    RAISE EXCEPTION 'payment run % for % is not approved', run.run_id, to_char(run.month, 'YYYY-MM')
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Approve it first with skolval.approve_payment_run().';
  ELSIF run.status = 'locked' THEN
    RAISE EXCEPTION 'payment run % for % is already locked', run.run_id, to_char(run.month, 'YYYY-MM')
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  -- Not before the register of the month is complete: its count date, or its last day on the
  -- per-day basis.
  counted := CASE WHEN run.basis = 'per_day' THEN (run.month + interval '1 month')::date - 1
                  ELSE coalesce(run.count_date, (run.rules->>'count_date')::date, run.month) END;
  IF CURRENT_DATE < counted THEN
    RAISE EXCEPTION 'payment run % for % cannot be locked before %', run.run_id, to_char(run.month, 'YYYY-MM'), counted
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('Its %s is %s; today is %s.',
                       CASE WHEN run.basis = 'per_day' THEN 'last counted day' ELSE 'count date' END, counted, CURRENT_DATE),
            HINT = 'Lock it on or after that day; until then the register of the month can still change.';
  END IF;
  UPDATE skolval.payment_run x SET status = 'locked' WHERE x.run_id = run.run_id RETURNING x.* INTO run;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval.lock_payment_run(bigint) IS
  'Lock an approved payment run: it has been paid and is immutable from now on. Not before its count date (its last day on the per-day basis). Needs skolval_admin; refuses (check_violation) a run whose totals do not equal its rows';

-- A retroactive rate decision: a paid month is to be paid under today's rules and rates. The
-- only way a rule or rate change reaches a paid month. Recorded with its reason, the rules it
-- puts in force and its own rows; the next run pays the rows once. A decision that reclaims
-- money needs allow_reclaim: HFD 2021:69 forbids reclaiming grants already paid because the
-- municipality later cut its own budget.
CREATE OR REPLACE FUNCTION skolval.revise_payment_rates(month date, reason text, decision_ref text DEFAULT NULL,
                                                       allow_reclaim boolean DEFAULT false)
RETURNS skolval.payment_rate_revision
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  old_rules jsonb;
  new_rules jsonb;
  v skolval.payment_rate_revision;
  reclaim numeric;
BEGIN
  PERFORM skolval._payment_admin('decide retroactive rates');
  PERFORM skolval._payment_month(revise_payment_rates.month);
  IF reason IS NULL OR pg_catalog.btrim(reason) = '' THEN
    RAISE EXCEPTION 'revise_payment_rates(): reason must not be NULL or blank' USING ERRCODE = 'null_value_not_allowed',
      HINT = 'Say why the month is paid at other rates, for example the decision of the committee.';
  END IF;
  IF allow_reclaim IS NULL THEN
    RAISE EXCEPTION 'revise_payment_rates(): allow_reclaim must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM skolval._job_lock('payment_run', revise_payment_rates.month - date '2000-01-01');
  PERFORM skolval._job_lock('payment_run', -1);   -- as approvals (approve_payment_run)
  old_rules := skolval._payment_rules_in_force(revise_payment_rates.month);
  IF old_rules IS NULL THEN
    RAISE EXCEPTION 'the month % has no approved or locked payment run', to_char(revise_payment_rates.month, 'YYYY-MM')
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'A month not yet paid is computed with today''s rates anyway: compute its draft again.';
  END IF;
  -- Today's rules for the month; the count date stays that of the paid month.
  new_rules := skolval._payment_rules(revise_payment_rates.month) || jsonb_build_object('count_date', old_rules->'count_date');
  IF new_rules - 'holidays' - 'municipality_code' = old_rules - 'holidays' - 'municipality_code' THEN
    RAISE EXCEPTION 'the rules for % have not changed since they were paid', to_char(revise_payment_rates.month, 'YYYY-MM')
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  INSERT INTO skolval.payment_rate_revision (month, reason, decision_ref, rules, previous_rules, amount, decided_role)
  VALUES (revise_payment_rates.month, pg_catalog.btrim(reason), decision_ref, new_rules, old_rules, 0, skolval._acting_role())
  RETURNING * INTO v;
  INSERT INTO skolval.payment_revision_row (revision_id, row_no, child_id, unit_id, kind, supplement_id, category_code,
              category_name, school_form, district_code, administration, account, base, premises, admin, vat, amount,
              organizer_id)
  SELECT v.revision_id, row_number() OVER (ORDER BY d.unit_id, d.child_id, d.kind, d.cat, d.sid),
         d.child_id, d.unit_id, d.kind, nullif(d.sid, 0), nullif(d.cat, ''), d.category_name, d.school_form,
         d.district_code, d.administration, d.account, d.base, d.premises, d.admin, d.vat, d.amount, d.organizer_id
    FROM (SELECT x.child_id, x.unit_id, x.kind, x.sid, x.cat, max(x.category_name) AS category_name,
                 max(x.school_form) AS school_form, max(x.district_code) AS district_code,
                 max(x.administration) AS administration, max(x.account) AS account, max(x.organizer_id) AS organizer_id,
                 sum(x.sign * x.base) AS base, sum(x.sign * x.premises) AS premises, sum(x.sign * x.admin) AS admin,
                 sum(x.sign * x.vat) AS vat, sum(x.sign * x.amount) AS amount
            FROM (SELECT 1 AS sign, c.child_id, c.unit_id, c.kind, coalesce(c.supplement_id, 0) AS sid,
                         coalesce(c.category_code, '') AS cat, c.category_name, c.school_form, c.district_code,
                         c.administration, c.account, c.base, c.premises, c.admin, c.vat, c.amount, c.organizer_id
                    FROM skolval._payment_compute_with(revise_payment_rates.month, new_rules) c
                   WHERE c.record_kind = 'row' AND NOT c.held
                  UNION ALL
                  SELECT -1, c.child_id, c.unit_id, c.kind, coalesce(c.supplement_id, 0), coalesce(c.category_code, ''),
                         c.category_name, c.school_form, c.district_code, c.administration, c.account,
                         c.base, c.premises, c.admin, c.vat, c.amount, c.organizer_id
                    FROM skolval._payment_compute_with(revise_payment_rates.month, old_rules) c
                   WHERE c.record_kind = 'row' AND NOT c.held) x
           GROUP BY 1, 2, 3, 4, 5) d
   WHERE d.amount <> 0 OR d.base <> 0 OR d.vat <> 0;
  -- Reclaiming is judged per child and unit (a renamed category is a row out and a row in).
  SELECT coalesce(sum(t.net) FILTER (WHERE t.net < 0), 0) INTO reclaim
    FROM (SELECT sum(r.amount) AS net FROM skolval.payment_revision_row r WHERE r.revision_id = v.revision_id
           GROUP BY r.child_id, r.unit_id, r.kind, r.supplement_id) t;
  IF reclaim < 0 AND NOT allow_reclaim THEN
    RAISE EXCEPTION 'the retroactive rate decision for % would reclaim % kr already paid', to_char(revise_payment_rates.month, 'YYYY-MM'), -reclaim
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'HFD 2021:69: a municipality may not reclaim grants already paid because it later lowered its rates. Nothing was recorded.',
            HINT = 'Pass allow_reclaim => true only when the law allows it (for example a rate that was wrong when decided), and say why in reason.';
  END IF;
  UPDATE skolval.payment_rate_revision x SET amount = (SELECT coalesce(sum(r.amount), 0) FROM skolval.payment_revision_row r WHERE r.revision_id = v.revision_id)
   WHERE x.revision_id = v.revision_id RETURNING x.* INTO v;
  RETURN v;
END $$;
COMMENT ON FUNCTION skolval.revise_payment_rates(date, text, text, boolean) IS
  'A retroactive rate decision: from now on the paid month is reconciled with today''s rules and rates, and the difference (today''s register under the new rules minus under the old) is recorded as the decision''s own rows, paid once by the next run as correction rows with the reason. Needs skolval_admin and a reason; a decision that reclaims money needs allow_reclaim (HFD 2021:69)';

-- ---------------------------------------------------------------------------------------
-- Views for BI (no names, no personal identity numbers)
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE VIEW skolval.payment_unit_summary AS
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

-- The administration is that of the district the child lives in: for a child with protected
-- identity (or one no longer in the register) it is withheld, and its amounts are summed under
-- administration and account NULL.
CREATE OR REPLACE VIEW skolval.payment_administration_summary AS
SELECT r.run_id, r.month, r.status, x.administration, x.account, pr.school_form, pr.kind,
       count(DISTINCT pr.child_id) AS children, count(*) AS rows,
       sum(pr.base) AS base, sum(pr.premises) AS premises, sum(pr.admin) AS admin, sum(pr.vat) AS vat,
       sum(pr.amount) AS amount
  FROM skolval.payment_row pr
  JOIN skolval.payment_run r ON r.run_id = pr.run_id
  LEFT JOIN skolval.child c ON c.child_id = pr.child_id
  CROSS JOIN LATERAL (SELECT CASE WHEN coalesce(c.protected_identity, true) THEN NULL ELSE pr.administration END AS administration,
                             CASE WHEN coalesce(c.protected_identity, true) THEN NULL ELSE pr.account END AS account) x
 WHERE NOT pr.held
 GROUP BY r.run_id, r.month, r.status, x.administration, x.account, pr.school_form, pr.kind;
COMMENT ON VIEW skolval.payment_administration_summary IS
  'BI: the cost split — paid amounts per month, administration (förvaltning), account and school form. The administration follows where a child lives: for children with protected identity it is withheld (administration and account NULL)';

CREATE OR REPLACE VIEW skolval.payment_correction AS
SELECT r.run_id, r.month AS paid_in_month, r.status, pr.corrects_month, pr.unit_id, u.unit_code, u.name AS unit_name,
       pr.child_id, pr.kind, pr.category_code, pr.category_name, pr.base, pr.premises, pr.admin, pr.vat, pr.amount,
       CASE WHEN pr.amount > 0 THEN 'owed' ELSE 'reclaim' END AS direction, pr.held
  FROM skolval.payment_row pr
  JOIN skolval.payment_run r ON r.run_id = pr.run_id
  LEFT JOIN skolval.unit u ON u.unit_id = pr.unit_id
 WHERE pr.corrects_month IS NOT NULL;
COMMENT ON VIEW skolval.payment_correction IS
  'BI: correction rows — money owed to a unit (positive) or reclaimed (negative) for an earlier month, and in which month''s run';

-- An issue of a child with protected identity says nothing of it (the category alone, such as
-- resident_elsewhere or address_changed, tells where it lives or that it moved): category
-- protected_identity and a message that says the details are withheld.
CREATE OR REPLACE VIEW skolval.payment_open_issue AS
SELECT i.issue_id, (i.detail->>'payment_month') AS month,
       CASE WHEN p.protected THEN 'protected_identity' ELSE i.category END AS category, i.severity,
       i.child_id, i.unit_id, u.unit_code, u.name AS unit_name,
       CASE WHEN p.protected THEN pg_catalog.format('child %s has protected identity: the details of this issue are withheld', i.child_id)
            ELSE i.message END AS message,
       i.detected_at
  FROM skolval.data_issue i
  LEFT JOIN skolval.unit u ON u.unit_id = i.unit_id
  CROSS JOIN LATERAL (SELECT i.child_id IS NOT NULL
                             AND coalesce((SELECT c.protected_identity FROM skolval.child c WHERE c.child_id = i.child_id), true) AS protected) p
 WHERE i.resolved_at IS NULL AND i.detail ? 'payment_month';
COMMENT ON VIEW skolval.payment_open_issue IS
  'BI: open data issues found by payment runs, per month (messages carry ids only, never names or addresses). For a child with protected identity the category is protected_identity and the message says only that the details are withheld';

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
     WHERE cl.relnamespace = 'skolval'::pg_catalog.regnamespace::pg_catalog.oid
       AND cl.relname IN ('payment_unit_summary', 'payment_administration_summary', 'payment_correction', 'payment_open_issue')
  LOOP
    EXECUTE pg_catalog.format('COMMENT ON COLUMN skolval.%I.%I IS %L', c.relname, c.attname,
      coalesce(extra->>c.attname::text,
               CASE WHEN c.relname = 'payment_open_issue' AND c.attname IN ('month', 'message', 'category', 'severity', 'child_id', 'unit_id')
                    THEN pg_catalog.col_description('skolval.payment_issue'::regclass,
                           (SELECT x.attnum FROM pg_catalog.pg_attribute x WHERE x.attrelid = 'skolval.payment_issue'::pg_catalog.regclass::pg_catalog.oid AND x.attname = c.attname)) END,
               pg_catalog.col_description('skolval.payment_row'::regclass,
                 (SELECT x.attnum FROM pg_catalog.pg_attribute x WHERE x.attrelid = 'skolval.payment_row'::pg_catalog.regclass::pg_catalog.oid AND x.attname = c.attname)),
               pg_catalog.col_description('skolval.payment_run'::regclass,
                 (SELECT x.attnum FROM pg_catalog.pg_attribute x WHERE x.attrelid = 'skolval.payment_run'::pg_catalog.regclass::pg_catalog.oid AND x.attname = c.attname))));
  END LOOP;
END
$comments$;

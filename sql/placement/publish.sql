-- skolval: published placement runs — the guards that freeze them and publish().
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.
--
-- A published run is frozen: every column of the run and every row of its results
-- (placement, placement_wish, placement_unit). Four layers keep it so, for every writer and
-- every interleaving, whichever of the extension's functions writes the results (allocate() in
-- plpgsql or in C):
--   1. privileges: only the owner writes the run and result tables, that is the SECURITY
--      DEFINER functions allocate() and publish() (sql/operations/roles.sql; checked again by
--      skolval._owner_writes);
--   2. the run trigger: a new run is a draft of this session, and a real run uses deferred
--      acceptance; what a run is (round, mechanism, what-if, inputs, creator) never changes; the
--      status moves only draft -> published, for a real deferred-acceptance run whose stored
--      summary equals its rows, by someone other than its maker (four eyes), recording its own
--      who and when;
--   3. the result triggers: rows can be added, changed or removed only while their run is a
--      draft, judged on the old AND the new rows (moving a row into a published run is refused);
--   4. locks: the result triggers take the run row FOR SHARE, which conflicts with publish()'s
--      FOR UPDATE and with any UPDATE of the run, so publication waits for every open writer,
--      and a writer that comes after it sees the new status.

COMMENT ON COLUMN skolval.placement_run.published_by IS 'Who published it: the acting role (SET ROLE, else the login role); with four eyes never the login or acting role that made the run';
COMMENT ON COLUMN skolval.placement_run.created_session IS 'The login role (session_user) of the session that made the run';
COMMENT ON COLUMN skolval.placement_run.published_session IS 'The login role (session_user) of the session that published it';

-- The stored summary of a run against its results; check_violation when they differ.
CREATE OR REPLACE FUNCTION skolval._placement_run_check_totals(run skolval.placement_run) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t record;
  bad_unit record;
BEGIN
  SELECT count(*) AS children, count(*) FILTER (WHERE p.kind = 'wish') AS by_wish,
         count(*) FILTER (WHERE p.kind = 'wish' AND p.wish_rank = 1) AS first_choice,
         count(*) FILTER (WHERE p.kind = 'near_home_offer') AS near_home_offer,
         count(*) FILTER (WHERE p.kind = 'administrative') AS administrative,
         sum(p.walking_m) AS total_walking_m
    INTO t
    FROM skolval.placement p WHERE p.run_id = run.run_id;
  SELECT u.unit_id, u.placed, u.admitted, coalesce(x.placed, 0) AS rows_placed, coalesce(x.admitted, 0) AS rows_admitted
    INTO bad_unit
    FROM skolval.placement_unit u
    LEFT JOIN (SELECT p.unit_id, count(*) AS placed, count(*) FILTER (WHERE p.kind <> 'administrative') AS admitted
                 FROM skolval.placement p WHERE p.run_id = run.run_id GROUP BY p.unit_id) x ON x.unit_id = u.unit_id
   WHERE u.run_id = run.run_id AND (u.placed <> coalesce(x.placed, 0) OR u.admitted <> coalesce(x.admitted, 0))
   ORDER BY u.unit_id LIMIT 1;
  IF (t.children, t.by_wish, t.first_choice, t.near_home_offer, t.administrative)
       IS DISTINCT FROM (run.children::bigint, run.by_wish::bigint, run.first_choice::bigint,
                         run.near_home_offer::bigint, run.administrative::bigint)
     OR (t.total_walking_m IS NULL) <> (run.total_walking_m IS NULL)
     -- a sum of doubles depends on the order it is added in
     OR pg_catalog.abs(coalesce(t.total_walking_m, 0) - coalesce(run.total_walking_m, 0))
        > 1e-6 * greatest(1, pg_catalog.abs(coalesce(run.total_walking_m, 0)))
     OR bad_unit.unit_id IS NOT NULL
     -- allocate() places every child of the round's cohort, once, and no one else
     OR t.children <> (SELECT count(*) FROM skolval.round_cohort c WHERE c.round_id = run.round_id)
     OR EXISTS (SELECT 1 FROM skolval.placement p
                 WHERE p.run_id = run.run_id
                   AND NOT EXISTS (SELECT 1 FROM skolval.round_cohort c WHERE c.round_id = run.round_id AND c.child_id = p.child_id))
     OR EXISTS (SELECT 1 FROM skolval.placement p
                 WHERE p.run_id = run.run_id
                   AND NOT EXISTS (SELECT 1 FROM skolval.placement_unit u WHERE u.run_id = run.run_id AND u.unit_id = p.unit_id)) THEN
    RAISE EXCEPTION 'placement run %: the stored summary does not equal its results', run.run_id
      USING ERRCODE = 'check_violation',
            DETAIL = pg_catalog.format('Stored: %s children, %s by wish, %s first choice, %s near-home offers, %s administrative, %s m. '
                                       'Results: %s, %s, %s, %s, %s, %s m.%s',
                                       run.children, run.by_wish, run.first_choice, run.near_home_offer, run.administrative, run.total_walking_m,
                                       t.children, t.by_wish, t.first_choice, t.near_home_offer, t.administrative, t.total_walking_m,
                                       CASE WHEN bad_unit.unit_id IS NOT NULL THEN
                                         pg_catalog.format(' Unit %s: stored %s placed, %s admitted; results %s and %s.', bad_unit.unit_id,
                                                           bad_unit.placed, bad_unit.admitted, bad_unit.rows_placed, bad_unit.rows_admitted)
                                       ELSE '' END),
            HINT = 'Allocate the round again with skolval.allocate().';
  END IF;
END $$;
COMMENT ON FUNCTION skolval._placement_run_check_totals(skolval.placement_run) IS
  'Raise check_violation unless the run''s stored children, placements by wish, first choices, near-home offers, administrative placements and walking total equal its placements, every unit''s placed and admitted counts equal them too, and the placements are those of the round''s cohort (every child once, no one else)';

CREATE OR REPLACE FUNCTION skolval._placement_run_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  me_session name := SESSION_USER;
  me_role name := skolval._acting_role();
BEGIN
  PERFORM skolval._owner_writes(TG_RELID);
  IF TG_OP = 'INSERT' THEN
    IF NEW.status IS DISTINCT FROM 'draft' OR NEW.published_at IS NOT NULL OR NEW.published_by IS NOT NULL
       OR NEW.published_session IS NOT NULL
       -- who made the run is not the writer's to say: the acting role (what allocate() passes),
       -- or current_user when the writer is one of skolval's SECURITY DEFINER functions, is
       -- accepted and recorded as the acting role; anything else is refused
       OR coalesce(NEW.created_by, me_role) NOT IN (me_role, CURRENT_USER)
       OR coalesce(NEW.created_session, me_session) <> me_session THEN
      RAISE EXCEPTION 'a placement run is made as a draft by skolval.allocate()'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = pg_catalog.format('The new run says status %s, created by %s, published by %s; this session acts as %s.',
                                         NEW.status, NEW.created_by, coalesce(NEW.published_by, '-'), me_role);
    END IF;
    IF NOT NEW.what_if AND NEW.mechanism IS DISTINCT FROM 'deferred_acceptance' THEN
      RAISE EXCEPTION 'only deferred acceptance may place children for real; % is for comparisons', NEW.mechanism
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Make a what-if run (what_if => true) to compare mechanisms.';
    END IF;
    NEW.created_by := me_role;
    NEW.created_session := me_session;
    NEW.created_at := pg_catalog.now();
    RETURN NEW;
  END IF;
  IF OLD.status = 'published' THEN
    RAISE EXCEPTION 'placement run % is published and cannot be changed or deleted', OLD.run_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Make a new run; skolval.placement_run_difference shows how it differs from the published one.';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  -- What a run is never changes, in any state.
  IF (NEW.run_id, NEW.round_id, NEW.mechanism, NEW.admin_policy, NEW.what_if, NEW.criteria, NEW.lottery_seed,
      NEW.near_home_distance_m, NEW.network_id, NEW.network_hash, NEW.input_fingerprint, NEW.created_at,
      NEW.created_by, NEW.created_session)
     IS DISTINCT FROM
     (OLD.run_id, OLD.round_id, OLD.mechanism, OLD.admin_policy, OLD.what_if, OLD.criteria, OLD.lottery_seed,
      OLD.near_home_distance_m, OLD.network_id, OLD.network_hash, OLD.input_fingerprint, OLD.created_at,
      OLD.created_by, OLD.created_session) THEN
    RAISE EXCEPTION 'placement run %: its round, mechanism, what-if flag, inputs and maker cannot be changed', OLD.run_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Make a new run with skolval.allocate().';
  END IF;
  IF NEW.status = 'draft' THEN
    -- allocate() stores its summary and run time while the run is a draft.
    IF (NEW.published_at, NEW.published_by, NEW.published_session) IS DISTINCT FROM (NULL::timestamptz, NULL::text, NULL::name) THEN
      RAISE EXCEPTION 'placement run %: a draft has not been published by anyone', OLD.run_id
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.status IS DISTINCT FROM 'published' THEN
    RAISE EXCEPTION 'placement run %: unknown status %', OLD.run_id, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  -- Publication: a real deferred-acceptance run, nothing but its own who and when, set here.
  IF OLD.what_if OR OLD.mechanism <> 'deferred_acceptance' THEN
    RAISE EXCEPTION 'placement run % is a what-if run and cannot be published', OLD.run_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('Mechanism %s, what-if %s: only a real deferred-acceptance run made by allocate() places children.',
                                       OLD.mechanism, OLD.what_if);
  END IF;
  IF (NEW.children, NEW.by_wish, NEW.first_choice, NEW.near_home_offer, NEW.administrative, NEW.total_walking_m, NEW.milliseconds)
     IS DISTINCT FROM (OLD.children, OLD.by_wish, OLD.first_choice, OLD.near_home_offer, OLD.administrative, OLD.total_walking_m, OLD.milliseconds)
     OR coalesce(NEW.published_by, me_role) <> me_role OR coalesce(NEW.published_session, me_session) <> me_session THEN
    RAISE EXCEPTION 'placement run %: publication changes nothing but the status and records this session (%)', OLD.run_id, me_role
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  PERFORM skolval._four_eyes(pg_catalog.format('placement run %s', OLD.run_id), 'publish it', OLD.created_session, OLD.created_by::name);
  PERFORM skolval._placement_run_check_totals(OLD);
  NEW.published_at := pg_catalog.now();
  NEW.published_by := me_role;
  NEW.published_session := me_session;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION skolval._placement_run_guard() IS
  'The placement run workflow: a new run is a draft of this session (a real one uses deferred acceptance); what a run is never changes; status only draft -> published, for a real deferred-acceptance run whose summary equals its results, not by its maker (four eyes), recording its own who and when; a published run changes in nothing and is never deleted';
CREATE OR REPLACE TRIGGER placement_run_guard BEFORE INSERT OR UPDATE OR DELETE ON skolval.placement_run
  FOR EACH ROW EXECUTE FUNCTION skolval._placement_run_guard();

-- Results: only in a draft run, judged on old and new rows, under a share lock on the run.
CREATE OR REPLACE FUNCTION skolval._placement_rows_frozen() RETURNS trigger
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
  -- Locked in run order; a run deleted by this transaction is not found and needs no check.
  FOR r IN
    SELECT x.run_id, x.status FROM skolval.placement_run x
     WHERE x.run_id = ANY (ids) ORDER BY x.run_id FOR SHARE
  LOOP
    IF r.status = 'published' THEN
      RAISE EXCEPTION 'placement run % is published and its results cannot be changed, added or removed', r.run_id
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = pg_catalog.format('%s on skolval.%s.', TG_OP, TG_TABLE_NAME),
              HINT = 'Make a new run; skolval.placement_run_difference shows how it differs from the published one.';
    END IF;
  END LOOP;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._placement_rows_frozen() IS
  'Placement results (placement, placement_wish, placement_unit) change only while their run is a draft: checked for the old and the new rows of every statement, with the runs locked FOR SHARE so that publish() waits for open writers';
DO $frozen$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['placement', 'placement_wish', 'placement_unit'] LOOP
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER %I AFTER INSERT ON skolval.%I REFERENCING NEW TABLE AS new_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen()', t || '_frozen_insert', t);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON skolval.%I REFERENCING OLD TABLE AS old_rows '
                              'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen()', t || '_frozen_update', t);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER %I AFTER DELETE ON skolval.%I REFERENCING OLD TABLE AS old_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen()', t || '_frozen_delete', t);
  END LOOP;
END
$frozen$;

-- A published round stays published; a round becomes published only with a published run.
CREATE OR REPLACE FUNCTION skolval._round_status_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'published' AND NEW.status IS DISTINCT FROM 'published' THEN
    RAISE EXCEPTION 'round "%" is published; its status cannot change', OLD.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'A favourable decision that has been notified is in principle binding; a published round stays as it is.';
  END IF;
  IF NEW.status = 'published' AND OLD.status IS DISTINCT FROM 'published'
     AND NOT EXISTS (SELECT 1 FROM skolval.placement_run x WHERE x.round_id = NEW.round_id AND x.status = 'published') THEN
    RAISE EXCEPTION 'round "%" has no published run', NEW.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Publish its latest run with skolval.publish(run_id).';
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION skolval._round_status_guard() IS
  'A published round''s status never changes, and a round is marked published only when one of its runs is';
CREATE OR REPLACE TRIGGER placement_round_status_guard BEFORE UPDATE OF status ON skolval.placement_round
  FOR EACH ROW EXECUTE FUNCTION skolval._round_status_guard();

CREATE OR REPLACE FUNCTION skolval.publish(run_id bigint) RETURNS skolval.placement_run
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  caller name := skolval._acting_role();
  run skolval.placement_run;
  r skolval.placement_round;
  blocking bigint[];
  blocking_categories text;
BEGIN
  IF NOT pg_catalog.pg_has_role(caller, 'skolval_admin', 'MEMBER') THEN
    RAISE EXCEPTION 'role "%" may not publish placement runs', caller
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Placement runs are published by members of skolval_admin.';
  END IF;
  IF publish.run_id IS NULL THEN
    RAISE EXCEPTION 'publish(): run_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = publish.run_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement run % does not exist', publish.run_id USING ERRCODE = 'no_data_found';
  END IF;
  -- The round row: publishing and a real allocation of one round never interleave. FOR NO KEY
  -- UPDATE, not FOR UPDATE: it does not conflict with the key-share lock an open what-if run's
  -- placement_run row holds on the round, so what-if runs never block publication. Then the run
  -- row FOR UPDATE: waits for every open writer of its results (they hold it FOR SHARE).
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = run.round_id FOR NO KEY UPDATE;
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = publish.run_id FOR UPDATE;
  IF run.what_if OR run.mechanism <> 'deferred_acceptance' THEN
    RAISE EXCEPTION 'placement run % is a what-if run and cannot be published', run.run_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('Mechanism %s, what-if %s: only a real deferred-acceptance run places children.', run.mechanism, run.what_if);
  END IF;
  IF run.status = 'published' OR r.status = 'published' THEN
    RAISE EXCEPTION 'round "%" is already published', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'A favourable decision that has been notified is in principle binding; a published round stays as it is.';
  END IF;
  IF EXISTS (SELECT 1 FROM skolval.placement_run x WHERE x.round_id = run.round_id AND NOT x.what_if
                AND (x.created_at, x.run_id) > (run.created_at, run.run_id)) THEN
    RAISE EXCEPTION 'placement run % is not the latest run of round "%"', run.run_id, r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Publish the latest run, or allocate again.';
  END IF;
  -- The run trigger records who and when, checks four eyes and that the summary equals the results.
  UPDATE skolval.placement_run x SET status = 'published' WHERE x.run_id = run.run_id RETURNING * INTO run;
  -- Then (after four eyes and the totals, which the run trigger checks) the open blocking data
  -- issues of the round (issue 13); raising here undoes the status change above: errors, sibling claims the register does
  -- not confirm and split multiples need a decision first: resolved, or covered by an override an
  -- administrator recorded for this run (skolval.override_blocking_issues(), audited).
  SELECT pg_catalog.array_agg(i.issue_id ORDER BY i.issue_id), pg_catalog.string_agg(DISTINCT i.category, ', ')
    INTO blocking, blocking_categories
    FROM skolval.data_issue i
   WHERE i.round_id = run.round_id AND i.resolved_at IS NULL
     AND (i.severity = 'error' OR i.category IN ('unverified_sibling_claim', 'multiples_split'))
     AND NOT EXISTS (SELECT 1 FROM skolval.publish_override o
                      WHERE o.run_id = run.run_id AND i.issue_id = ANY (o.issue_ids));
  IF blocking IS NOT NULL THEN
    RAISE EXCEPTION 'round "%" has % open blocking data issues; run % is not published', r.name,
                    pg_catalog.cardinality(blocking), run.run_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('Categories: %s. Issues: %s.', blocking_categories,
                                       pg_catalog.array_to_string(blocking[1:20], ', ')
                                       || CASE WHEN pg_catalog.cardinality(blocking) > 20 THEN ' and more' ELSE '' END),
            HINT = 'Resolve them (correct the register and allocate again), or record why the run may be published anyway: skolval.override_blocking_issues(run_id, reason).';
  END IF;
  UPDATE skolval.placement_round x SET status = 'published' WHERE x.round_id = run.round_id;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval.publish(bigint) IS
  'Publish the latest real run of a round: its placements become immutable and the round cannot be allocated again (what-if runs still can). Needs skolval_admin; only a real deferred-acceptance run whose summary equals its results; refused (55000) while the round has open blocking data issues (errors, unverified_sibling_claim, multiples_split) that no override_blocking_issues() of this run covers; with four eyes (settings.four_eyes, on by default) not by the login or acting role that made the run. Waits for open writers of the run';

-- law (issue 13): an administrator's override of the blocking data issues of a run.
CREATE OR REPLACE FUNCTION skolval.override_blocking_issues(run_id bigint, reason text)
RETURNS skolval.publish_override
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  caller name := skolval._acting_role();
  run skolval.placement_run;
  ids bigint[];
  o skolval.publish_override;
BEGIN
  IF NOT pg_catalog.pg_has_role(caller, 'skolval_admin', 'MEMBER') THEN
    RAISE EXCEPTION 'role "%" may not override blocking data issues', caller
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Only members of skolval_admin decide that a run may be published despite open issues.';
  END IF;
  IF override_blocking_issues.run_id IS NULL OR override_blocking_issues.reason IS NULL THEN
    RAISE EXCEPTION 'override_blocking_issues(): % must not be NULL',
                    CASE WHEN override_blocking_issues.run_id IS NULL THEN 'run_id' ELSE 'reason' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF pg_catalog.btrim(override_blocking_issues.reason) = '' OR pg_catalog.char_length(override_blocking_issues.reason) > 1000 THEN
    RAISE EXCEPTION 'override_blocking_issues(): the reason must be given (1 to 1000 characters)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = override_blocking_issues.run_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement run % does not exist', override_blocking_issues.run_id USING ERRCODE = 'no_data_found';
  END IF;
  IF run.what_if OR run.status = 'published' THEN
    RAISE EXCEPTION 'placement run % is % and cannot be overridden for publication', run.run_id,
                    CASE WHEN run.what_if THEN 'a what-if run' ELSE 'already published' END
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  SELECT pg_catalog.array_agg(i.issue_id ORDER BY i.issue_id) INTO ids
    FROM skolval.data_issue i
   WHERE i.round_id = run.round_id AND i.resolved_at IS NULL
     AND (i.severity = 'error' OR i.category IN ('unverified_sibling_claim', 'multiples_split'));
  IF ids IS NULL THEN
    -- nothing to decide: no override is recorded
    RAISE NOTICE 'the round of placement run % has no open blocking data issues; no override recorded', run.run_id;
    RETURN NULL;
  END IF;
  INSERT INTO skolval.publish_override (run_id, issue_ids, reason, created_by)
  VALUES (run.run_id, ids, override_blocking_issues.reason, caller::text)
  RETURNING * INTO o;
  RETURN o;
END $$;
COMMENT ON FUNCTION skolval.override_blocking_issues(bigint, text) IS
  'Record that a real draft run may be published although its round has open blocking data issues (errors, unverified_sibling_claim, multiples_split): the issues open now, the reason (required), who and when, in publish_override (audited). Needs skolval_admin; an issue that opens later needs a new override. Without open blocking issues nothing is recorded and the result is NULL';

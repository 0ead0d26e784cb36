-- skolval: what keeps decided things decided — the job locks, four eyes, and the check that run
-- and result tables are written only by the extension's own functions. Used by
-- sql/payments/payments.sql, sql/placement/publish.sql and sql/network/distances.sql.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

COMMENT ON COLUMN skolval.settings.four_eyes IS
  'Separation of duties (on by default): whoever creates a payment run cannot approve it, and whoever makes a real placement run cannot publish it. A person is told apart by the login role (session_user) and by the acting role (SET ROLE); either one equal counts as the same person';
COMMENT ON COLUMN skolval.settings.four_eyes_off_reason IS
  'Why four eyes is off (required when four_eyes is false), for example "one-person test database"; shown on payment statements and kept in the audit log';
COMMENT ON TABLE skolval.job_lock IS
  'One row per job and key (payment_run: the month as days since 2000-01-01; compute_distances: the round): the job holds the row FOR UPDATE while it runs, so a second run of the same job and key waits. Read-only roles cannot lock these rows (a row lock needs UPDATE privilege)';
COMMENT ON COLUMN skolval.job_lock.job IS 'The job: payment_run or compute_distances';
COMMENT ON COLUMN skolval.job_lock.key IS 'What it runs on: the payment month (days since 2000-01-01) or the round id';

-- Serialise a job on a key with a row lock held to the end of the transaction. The row is made
-- on first use; ON CONFLICT waits for a concurrent first use, so two callers never both run.
CREATE OR REPLACE FUNCTION skolval._job_lock(job text, key bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO skolval.job_lock AS l (job, key) VALUES (_job_lock.job, _job_lock.key) ON CONFLICT DO NOTHING;
  PERFORM 1 FROM skolval.job_lock l WHERE l.job = _job_lock.job AND l.key = _job_lock.key FOR UPDATE;
END $$;
COMMENT ON FUNCTION skolval._job_lock(text, bigint) IS
  'Wait for, then hold to the end of the transaction, the row lock of a job and key in skolval.job_lock (not an advisory lock: read-only roles cannot take it)';

-- Four eyes: is the session (login role or acting role) the same person as the one recorded?
-- Raises insufficient_privilege naming the step when the setting is on and it is.
CREATE OR REPLACE FUNCTION skolval._four_eyes(object text, step text, made_by_session name, made_by_role name)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  me_session name := SESSION_USER;
  me_role name := skolval._acting_role();
BEGIN
  IF NOT coalesce((SELECT x.four_eyes FROM skolval.settings x), true) THEN
    RETURN;
  END IF;
  IF me_session IN (made_by_session, made_by_role) OR me_role IN (made_by_session, made_by_role) THEN
    RAISE EXCEPTION 'four eyes: % was made by %; another person must %', object, made_by_role, step
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = pg_catalog.format('It was made by login role %s acting as %s; this session is login role %s acting as %s.',
                                       coalesce(made_by_session, '?'), coalesce(made_by_role, '?'), me_session, me_role),
            HINT = 'Separation of duties (settings.four_eyes). A database one person runs alone can turn it off with a reason: skolval.set_four_eyes(false, reason).';
  END IF;
END $$;
COMMENT ON FUNCTION skolval._four_eyes(text, text, name, name) IS
  'Refuse (insufficient_privilege) a step of the workflow when settings.four_eyes is on and this session''s login role or acting role is the login or acting role that made the object';

CREATE OR REPLACE FUNCTION skolval.set_four_eyes(enabled boolean, reason text DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF enabled IS NULL THEN
    RAISE EXCEPTION 'enabled must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT enabled AND pg_catalog.btrim(coalesce(reason, '')) = '' THEN
    RAISE EXCEPTION 'turning four eyes off needs a reason'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'For example skolval.set_four_eyes(false, ''test database run by one person'').';
  END IF;
  INSERT INTO skolval.settings AS s (four_eyes, four_eyes_off_reason)
  VALUES (enabled, CASE WHEN NOT enabled THEN pg_catalog.btrim(reason) END)
  ON CONFLICT (singleton) DO UPDATE
    SET four_eyes = EXCLUDED.four_eyes, four_eyes_off_reason = EXCLUDED.four_eyes_off_reason, updated_at = pg_catalog.now();
  RETURN enabled;
END $$;
COMMENT ON FUNCTION skolval.set_four_eyes(boolean, text) IS
  'Turn four eyes (separation of duties: the creator of a payment run cannot approve it, the maker of a placement run cannot publish it) on, or off with a reason; on by default. The change is in the audit log and the reason on payment statements';

-- Run and result tables are written only by the extension's own SECURITY DEFINER functions,
-- which run as the tables' owner; nobody else holds INSERT, UPDATE or DELETE on them
-- (sql/operations/roles.sql). Checked again here so that a grant made by hand later does not
-- open a way around the workflow.
CREATE OR REPLACE FUNCTION skolval._owner_writes(rel regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  owner oid;
BEGIN
  SELECT c.relowner INTO owner FROM pg_catalog.pg_class c WHERE c.oid = rel;
  IF NOT pg_catalog.pg_has_role(CURRENT_USER, owner, 'USAGE') THEN
    RAISE EXCEPTION '% is written only through skolval''s functions', rel
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = pg_catalog.format('Role %s tried to change it directly.', CURRENT_USER),
            HINT = 'Use allocate(), publish(), create_payment_run(), approve_payment_run() or lock_payment_run().';
  END IF;
END $$;
COMMENT ON FUNCTION skolval._owner_writes(regclass) IS
  'Raise insufficient_privilege unless current_user is (a member of) the owner of the table: run and result tables are written only inside the extension''s SECURITY DEFINER functions';

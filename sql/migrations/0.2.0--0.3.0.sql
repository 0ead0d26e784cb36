-- skolval 0.2.0 -> 0.3.0: changes to what holds data (tables, domains, indexes, constraint
-- triggers), and drops of functions and views whose signature or columns changed. Everything
-- re-runnable (functions, views, triggers, grants) follows from the install's own files.

-- ---------------------------------------------------------------------------------------
-- Task "frozen" (issue 11 items 3-6 and 10): decided is decided. Four eyes as a municipality
-- setting; who created, approved, locked and published by login and acting role; the audit log
-- names the function and current_user; row locks on skolval.job_lock replace advisory locks.
-- ---------------------------------------------------------------------------------------
ALTER TABLE skolval.settings
  ADD COLUMN four_eyes boolean NOT NULL DEFAULT true,
  ADD COLUMN four_eyes_off_reason text,
  ADD CONSTRAINT settings_four_eyes_off_reason CHECK (four_eyes OR pg_catalog.btrim(coalesce(four_eyes_off_reason, '')) <> '');
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

-- skolval: the locks that serialise the jobs (a payment month's computation, a round's
-- distances). Row locks on this table, not advisory locks: any role can take any advisory lock
-- key (the keys can be read in pg_proc.prosrc), so a read-only role could block the admin's jobs
-- indefinitely; a row lock (SELECT ... FOR UPDATE) needs UPDATE privilege on the table, which
-- only skolval_admin and the extension owner have (sql/operations/roles.sql).

CREATE TABLE skolval.job_lock (
  job  text NOT NULL CONSTRAINT job_lock_job_known CHECK (job IN ('payment_run', 'compute_distances')),
  key  bigint NOT NULL,
  PRIMARY KEY (job, key)
);

-- skolval: the nightly job's schedule (pg_cron).
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- skolval.nightly() itself is defined in sql/operations/nightly_job.sql, after the payment functions it calls.

CREATE OR REPLACE FUNCTION skolval.schedule_nightly(schedule text DEFAULT '30 2 * * *', database text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  job bigint;
BEGIN
  IF schedule IS NULL THEN
    RAISE EXCEPTION 'schedule_nightly(): schedule must not be NULL' USING ERRCODE = 'null_value_not_allowed',
      HINT = 'Give a cron schedule such as ''30 2 * * *''; database may be NULL (the current database).';
  END IF;
  IF pg_catalog.to_regnamespace('cron') IS NULL THEN
    RAISE EXCEPTION 'pg_cron is not installed in database %', pg_catalog.current_database()
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = pg_catalog.format('pg_cron lives in database %s (cron.database_name): run CREATE EXTENSION pg_cron there and call skolval.schedule_nightly(database => %L) from it.',
                                     coalesce(pg_catalog.current_setting('cron.database_name', true), '(pg_cron not preloaded)'),
                                     pg_catalog.current_database());
  END IF;
  EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)'
     INTO job
    USING 'skolval-nightly', schedule, 'SELECT pg_catalog.count(*) FROM skolval.nightly()',
          coalesce(database, pg_catalog.current_database());
  RETURN job;
END $$;
COMMENT ON FUNCTION skolval.schedule_nightly(text, text) IS
  'Schedule skolval.nightly() with pg_cron (job name skolval-nightly; default 02:30 every night) in the given database, from the database where pg_cron is installed; returns the pg_cron job id. Runs show in cron.job_run_details and skolval.job_run. database NULL: the current database';

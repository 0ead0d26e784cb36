-- skolval: the nightly job itself — distances of open rounds, the payment checks of the month,
-- and on the first day of a month the month's draft payment run.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

CREATE OR REPLACE FUNCTION skolval.nightly(today date DEFAULT NULL)
RETURNS TABLE (round_id bigint, round_name text, pairs bigint, pairs_computed bigint, open_issues bigint)
LANGUAGE plpgsql AS $$
DECLARE
  r skolval.placement_round;
  d record;
  started timestamptz := pg_catalog.clock_timestamp();
  done jsonb := '[]';
  this_day date := coalesce(today, CURRENT_DATE);
  this_month date;
  payments jsonb;
  run skolval.payment_run;
  has_rounds boolean;
BEGIN
  IF NOT (this_day BETWEEN date '1900-01-01' AND date '2200-12-31') THEN
    RAISE EXCEPTION 'nightly(): today must lie between 1900-01-01 and 2200-12-31, got %', today
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave it NULL for the current date.';
  END IF;
  this_month := date_trunc('month', this_day)::date;
  has_rounds := EXISTS (SELECT 1 FROM skolval.placement_round x
                         WHERE x.status <> 'published'
                           AND EXISTS (SELECT 1 FROM skolval.round_cohort c WHERE c.round_id = x.round_id));
  IF has_rounds AND skolval.active_network_id() IS NULL THEN
    RAISE EXCEPTION 'no active network: the nightly job has nothing to measure on'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  -- Rounds still open (not published) that have a cohort; each refresh is incremental and
  -- takes the round's own lock, so an analyst's run and the job never interleave.
  FOR r IN SELECT * FROM skolval.placement_round x
            WHERE x.status <> 'published'
              AND EXISTS (SELECT 1 FROM skolval.round_cohort c WHERE c.round_id = x.round_id)
            ORDER BY x.round_id
  LOOP
    SELECT * INTO d FROM skolval.compute_distances(r.round_id);
    round_id := r.round_id;
    round_name := r.name;
    pairs := d.pairs;
    pairs_computed := d.pairs_computed;
    SELECT pg_catalog.count(*) INTO open_issues FROM skolval.data_issue i WHERE i.round_id = r.round_id AND i.resolved_at IS NULL;
    done := done OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('round_id', round_id, 'pairs', pairs, 'pairs_computed', pairs_computed,
                                       'open_issues', open_issues, 'ms', d.milliseconds);
    RETURN NEXT;
  END LOOP;

  -- Payments, once categories are configured: every night the month's checks (nothing
  -- stored); on the first day of the month the month's draft run, unless one exists.
  IF EXISTS (SELECT 1 FROM skolval.payment_category) THEN
    SELECT pg_catalog.jsonb_build_object('month', pg_catalog.to_char(this_month, 'YYYY-MM'),
                              'errors', pg_catalog.count(*) FILTER (WHERE c.severity = 'error'),
                              'warnings', pg_catalog.count(*) FILTER (WHERE c.severity = 'warning'))
      INTO payments FROM skolval.payment_check(this_month) c;
    IF extract(day FROM this_day) = 1 AND NOT EXISTS (SELECT 1 FROM skolval.payment_run x WHERE x.month = this_month) THEN
      run := skolval.create_payment_run(this_month);
      payments := payments OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('draft_run_id', run.run_id, 'rows', run.rows, 'amount', run.amount);
    END IF;
  END IF;

  INSERT INTO skolval.job_run (job, started_at, finished_at, outcome)
  VALUES ('nightly', started, pg_catalog.clock_timestamp(),
          pg_catalog.jsonb_build_object('rounds', done) || coalesce(pg_catalog.jsonb_build_object('payments', payments), '{}'));
END $$;
COMMENT ON FUNCTION skolval.nightly(date) IS
  'The nightly job: refresh the walking distances of every round not yet published (only new and moved homes and units are routed), run the month''s payment checks and, on the first day of a month, create the month''s draft payment run; records itself in skolval.job_run. today defaults to the current date. Safe to run while analysts work: each round is refreshed under its own lock (today NULL: the current date; between 1900-01-01 and 2200-12-31)';

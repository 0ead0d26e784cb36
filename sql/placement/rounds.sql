-- skolval: placement rounds — the round's rules, its cohort, capacities and the guardians'
-- ranked wishes.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- The criteria are defined once, in C (src/placement/criteria.c); see placement_criteria().
CREATE OR REPLACE FUNCTION skolval.criteria_catalogue() RETURNS text[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_criteria_catalogue';
COMMENT ON FUNCTION skolval.criteria_catalogue() IS
  'The placement criteria a round can order: near_home, active_choice, sibling, relative_proximity, distance, lottery (Lund''s order is the default); skolval.placement_criteria() describes each';

CREATE OR REPLACE FUNCTION skolval._round_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  c text;
  seen text[] := '{}';
BEGIN
  -- criteria[1] must be the first criterion: a 2-D array or one not starting at 1 would make
  -- every decisive criterion "lottery".
  IF array_ndims(NEW.criteria) > 1 OR array_lower(NEW.criteria, 1) <> 1 THEN
    RAISE EXCEPTION 'round "%": criteria must be a one-dimensional list starting at 1, not %', NEW.name, NEW.criteria
      USING ERRCODE = 'check_violation',
            HINT = 'Lund''s order is {near_home,active_choice,sibling,relative_proximity,distance,lottery}.';
  END IF;
  IF cardinality(NEW.criteria) IS NULL OR cardinality(NEW.criteria) = 0 THEN
    RAISE EXCEPTION 'round "%": criteria must not be empty', NEW.name
      USING ERRCODE = 'check_violation',
            HINT = 'Lund''s order is {near_home,active_choice,sibling,relative_proximity,distance,lottery}.';
  END IF;
  FOREACH c IN ARRAY NEW.criteria LOOP
    IF c IS NULL OR NOT (c = ANY (skolval.criteria_catalogue())) THEN
      RAISE EXCEPTION 'round "%": unknown criterion "%"', NEW.name, coalesce(c, 'NULL')
        USING ERRCODE = 'check_violation',
              DETAIL = 'Known criteria: ' || array_to_string(skolval.criteria_catalogue(), ', ') || '.';
    END IF;
    IF c = ANY (seen) THEN
      RAISE EXCEPTION 'round "%": criterion "%" is listed twice', NEW.name, c
        USING ERRCODE = 'check_violation';
    END IF;
    seen := seen || c;
  END LOOP;
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER placement_round_check BEFORE INSERT OR UPDATE OF criteria ON skolval.placement_round
  FOR EACH ROW EXECUTE FUNCTION skolval._round_check();

CREATE OR REPLACE FUNCTION skolval.round_fill_cohort(round_id bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  r skolval.placement_round;
  added bigint;
BEGIN
  IF round_fill_cohort.round_id IS NULL THEN
    RAISE EXCEPTION 'round_fill_cohort(): round_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = round_fill_cohort.round_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement round % does not exist', round_fill_cohort.round_id USING ERRCODE = 'no_data_found';
  END IF;
  IF r.cohort_birth_year IS NULL THEN
    RAISE EXCEPTION 'round "%" has no cohort_birth_year', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Set cohort_birth_year, or insert the cohort into skolval.round_cohort yourself.';
  END IF;
  INSERT INTO skolval.round_cohort (round_id, child_id)
  SELECT r.round_id, c.child_id
    FROM skolval.child c
    JOIN skolval.residence res ON res.child_id = c.child_id
   WHERE extract(year FROM c.birth_date) = r.cohort_birth_year
     AND res.municipality_code = r.municipality_code
     AND res.valid_from <= coalesce(r.cohort_date, r.start_date)
     AND (res.valid_to IS NULL OR res.valid_to >= coalesce(r.cohort_date, r.start_date))
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;
  RETURN added;
END $$;
COMMENT ON FUNCTION skolval.round_fill_cohort(bigint) IS
  'Add to the round''s cohort every child born in cohort_birth_year who is registered in the round''s municipality on cohort_date (or the start date); returns how many were added';

CREATE OR REPLACE FUNCTION skolval._capacity_unit_offers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM skolval.require_unit_offers(NEW.unit_id,
            (SELECT r.school_form FROM skolval.placement_round r WHERE r.round_id = NEW.round_id),
            pg_catalog.format('capacity in round %s', NEW.round_id));
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER round_capacity_unit_offers BEFORE INSERT OR UPDATE ON skolval.round_capacity
  FOR EACH ROW EXECUTE FUNCTION skolval._capacity_unit_offers();

CREATE OR REPLACE FUNCTION skolval._wish_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r skolval.placement_round;
BEGIN
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = NEW.round_id;
  IF FOUND THEN
    PERFORM skolval.require_unit_offers(NEW.unit_id, r.school_form,
              pg_catalog.format('wish %s of child %s in round "%s"', NEW.rank, NEW.child_id, r.name));
    IF NEW.rank > r.max_wishes THEN
      RAISE EXCEPTION 'wish % of child % in round "%": at most % wishes are allowed', NEW.rank, NEW.child_id, r.name, r.max_wishes
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER wish_check BEFORE INSERT OR UPDATE ON skolval.wish
  FOR EACH ROW EXECUTE FUNCTION skolval._wish_check();

-- Ranks must run 1..n; checked at commit so that a child's wishes can be written in any order
-- within one transaction.
CREATE OR REPLACE FUNCTION skolval._wish_ranks_gapless() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  rid bigint;
  cid bigint;
  ranks smallint[];
BEGIN
  IF TG_OP = 'DELETE' THEN rid := OLD.round_id; cid := OLD.child_id;
  ELSE rid := NEW.round_id; cid := NEW.child_id;
  END IF;
  SELECT array_agg(w.rank ORDER BY w.rank) INTO ranks
    FROM skolval.wish w WHERE w.round_id = rid AND w.child_id = cid;
  IF ranks IS NOT NULL AND ranks[cardinality(ranks)] <> cardinality(ranks) THEN
    RAISE EXCEPTION 'wishes of child % in round % have ranks %, expected 1 to %', cid, rid,
                    array_to_string(ranks, ', '), cardinality(ranks)
      USING ERRCODE = 'check_violation',
            HINT = 'Ranks must start at 1 and have no gaps; renumber the remaining wishes after removing one.';
  END IF;
  RETURN NULL;
END $$;

-- Constraint triggers cannot be replaced in place: dropped and made again.
DROP TRIGGER IF EXISTS wish_ranks_gapless ON skolval.wish;
CREATE CONSTRAINT TRIGGER wish_ranks_gapless AFTER INSERT OR UPDATE OR DELETE ON skolval.wish
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION skolval._wish_ranks_gapless();

-- ---------------------------------------------------------------------------------------
-- law (issue 13): independent units' own rules and queues, loaded through staging
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.unit_rules_merge()
RETURNS TABLE (item text, value bigint)
LANGUAGE plpgsql AS $$
DECLARE
  problems text[];
  n_rules bigint;
  n_queue bigint;
  n_units bigint;
BEGIN
  -- Every staged row first; nothing changes while one is wrong.
  SELECT pg_catalog.array_agg(x.problem ORDER BY x.k, x.source_row) INTO problems
    FROM (
      SELECT 1 AS k, a.source_row,
             pg_catalog.format('staging_unit_admission row %s: ', a.source_row) OPERATOR(pg_catalog.||)
              (CASE WHEN u.unit_id IS NULL THEN pg_catalog.format('no unit with code %L', a.unit_code)
                    WHEN u.organizer::text <> 'independent' THEN pg_catalog.format('unit %s is municipal; its criteria are the round''s', a.unit_code)
                    WHEN c.criteria IS NULL OR pg_catalog.cardinality(c.criteria) = 0 THEN 'no criteria'
                    WHEN NOT c.criteria <@ ARRAY['queue_date', 'sibling', 'distance', 'lottery'] THEN
                      pg_catalog.format('criteria %s: an independent unit admits by queue_date, sibling, distance and lottery only', a.criteria)
                    WHEN pg_catalog.cardinality(c.criteria) <> (SELECT pg_catalog.count(DISTINCT e) FROM pg_catalog.unnest(c.criteria) e) THEN
                      pg_catalog.format('criteria %s: a criterion is listed twice', a.criteria)
                    WHEN nullif(pg_catalog.btrim(a.rules_sv), '') IS NULL THEN 'the rules (rules_sv) are missing'
                    WHEN pg_catalog.char_length(a.rules_sv) > 1000 THEN 'the rules (rules_sv) are longer than 1000 characters'
                    WHEN (SELECT pg_catalog.count(*) FROM skolval.staging_unit_admission b WHERE b.unit_code = a.unit_code) > 1 THEN
                      pg_catalog.format('unit %s is staged more than once', a.unit_code)
               END) AS problem
        FROM skolval.staging_unit_admission a
        LEFT JOIN skolval.unit u ON u.unit_code = pg_catalog.btrim(a.unit_code)
        CROSS JOIN LATERAL (SELECT ARRAY(SELECT pg_catalog.btrim(e) FROM pg_catalog.regexp_split_to_table(coalesce(a.criteria, ''), '[,;[:space:]]+') e
                                          WHERE pg_catalog.btrim(e) <> '') AS criteria) c
      UNION ALL
      SELECT 2, q.source_row,
             pg_catalog.format('staging_unit_queue row %s: ', q.source_row) OPERATOR(pg_catalog.||)
              (CASE WHEN u.unit_id IS NULL THEN pg_catalog.format('no unit with code %L', q.unit_code)
                    WHEN u.organizer::text <> 'independent' THEN pg_catalog.format('unit %s is municipal and has no queue', q.unit_code)
                    WHEN skolval._staging_personal_number(q.personal_number) IS NULL THEN 'the personal number is missing or invalid'
                    WHEN ch.child_id IS NULL THEN 'no child with that personal number in the register'
                    WHEN skolval._staging_date(q.queue_date) IS NULL THEN pg_catalog.format('queue date %L is not a date (YYYY-MM-DD)', q.queue_date)
                    WHEN skolval._staging_date(q.queue_date) NOT BETWEEN '1900-01-01' AND '2200-12-31' THEN pg_catalog.format('queue date %s is out of range', q.queue_date)
                    WHEN (SELECT pg_catalog.count(*) FROM skolval.staging_unit_queue b
                           WHERE pg_catalog.btrim(b.unit_code) = pg_catalog.btrim(q.unit_code)
                             AND skolval._staging_personal_number(b.personal_number) = skolval._staging_personal_number(q.personal_number)) > 1 THEN
                      'the child stands in this unit''s queue twice'
               END)
        FROM skolval.staging_unit_queue q
        LEFT JOIN skolval.unit u ON u.unit_code = pg_catalog.btrim(q.unit_code)
        LEFT JOIN skolval.child ch ON ch.personal_number = skolval._staging_personal_number(q.personal_number)
    ) x
   WHERE x.problem IS NOT NULL;
  IF problems IS NOT NULL THEN
    RAISE EXCEPTION '% staged rows of independent units'' rules or queues are wrong; nothing was loaded', pg_catalog.cardinality(problems)
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = pg_catalog.array_to_string(problems[1:20], '; ')
                     || CASE WHEN pg_catalog.cardinality(problems) > 20 THEN '; and more' ELSE '' END || '.',
            HINT = 'Correct the rows in skolval.staging_unit_admission / staging_unit_queue and call unit_rules_merge() again.';
  END IF;

  INSERT INTO skolval.unit_admission (unit_id, criteria, rules_sv)
  SELECT u.unit_id,
         ARRAY(SELECT pg_catalog.btrim(e) FROM pg_catalog.regexp_split_to_table(a.criteria, '[,;[:space:]]+') e WHERE pg_catalog.btrim(e) <> ''),
         pg_catalog.btrim(a.rules_sv)
    FROM skolval.staging_unit_admission a JOIN skolval.unit u ON u.unit_code = pg_catalog.btrim(a.unit_code)
  ON CONFLICT (unit_id) DO UPDATE SET criteria = EXCLUDED.criteria, rules_sv = EXCLUDED.rules_sv;
  GET DIAGNOSTICS n_rules = ROW_COUNT;
  -- A unit in the staged queues gets exactly the staged queue.
  SELECT pg_catalog.count(DISTINCT u.unit_id) INTO n_units
    FROM skolval.staging_unit_queue q JOIN skolval.unit u ON u.unit_code = pg_catalog.btrim(q.unit_code);
  DELETE FROM skolval.unit_queue x
   WHERE x.unit_id IN (SELECT u.unit_id FROM skolval.staging_unit_queue q JOIN skolval.unit u ON u.unit_code = pg_catalog.btrim(q.unit_code));
  INSERT INTO skolval.unit_queue (unit_id, child_id, queue_date)
  SELECT u.unit_id, ch.child_id, skolval._staging_date(q.queue_date)
    FROM skolval.staging_unit_queue q
    JOIN skolval.unit u ON u.unit_code = pg_catalog.btrim(q.unit_code)
    JOIN skolval.child ch ON ch.personal_number = skolval._staging_personal_number(q.personal_number);
  GET DIAGNOSTICS n_queue = ROW_COUNT;
  DELETE FROM skolval.staging_unit_admission;
  DELETE FROM skolval.staging_unit_queue;
  RETURN QUERY VALUES ('units'' rules loaded', n_rules), ('units'' queues replaced', n_units), ('queue places loaded', n_queue);
END $$;
COMMENT ON FUNCTION skolval.unit_rules_merge() IS
  'Load the staged admission rules (staging_unit_admission) and queues (staging_unit_queue) of independent units into unit_admission and unit_queue: every row is checked first and a wrong one (unknown or municipal unit, criteria other than queue_date, sibling, distance, lottery, missing rules, unknown child, bad date, duplicates) is named in a 22023 error that loads nothing; a unit in the staged queues gets exactly those rows. Empties the staging tables';

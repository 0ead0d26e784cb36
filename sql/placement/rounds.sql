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

-- skolval: the school year after the main round (issue 16). The current placement = the
-- published run + dated amendments; waiting lists made on publication; declines and moves;
-- applications between rounds; later rounds by deferred acceptance with each placed child's
-- current placement as its guaranteed last choice (src/placement: SvInstance.guaranteed_wish);
-- offers; appeals; capacity justifications; exports. Tables: sql/year/year.tables.sql.
-- Guide: doc/school-year.md.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- ---------------------------------------------------------------------------------------
-- The matching with guarantees (C: src/placement/placement_sql.c, skolval_match_guaranteed)
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._match_guaranteed(capacity integer[], wish_start integer[], wish_unit integer[],
                               n_keys integer, wish_key double precision[], guaranteed_wish integer[],
                               OUT assigned_wish integer[], OUT last_admitted_wish integer[],
                               OUT first_rejected_wish integer[], OUT applicants integer[], OUT admitted integer[])
  LANGUAGE c IMMUTABLE STRICT
  AS 'MODULE_PATHNAME', 'skolval_match_guaranteed';
COMMENT ON FUNCTION skolval._match_guaranteed(integer[], integer[], integer[], integer, double precision[], integer[]) IS
  'Deferred acceptance (the core of _match) where guaranteed_wish[c] (0-based wish index or -1) is child c''s last wish and a seat it keeps: a unit never turns a guarantee away and holds at most max(capacity, guarantees it holds) children';

-- ---------------------------------------------------------------------------------------
-- Small helpers
-- ---------------------------------------------------------------------------------------

-- The first NULL among required arguments, as an error naming it (before any work).
CREATE OR REPLACE FUNCTION skolval._year_not_null(names text[], is_null boolean[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  FOR i IN 1 .. pg_catalog.cardinality(names) LOOP
    IF is_null[i] THEN
      RAISE EXCEPTION '% must not be NULL', names[i] USING ERRCODE = 'null_value_not_allowed';
    END IF;
  END LOOP;
END $$;

-- The published run of a main round, or an error naming the round.
CREATE OR REPLACE FUNCTION skolval._year_run(round_id bigint) RETURNS skolval.placement_run
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.placement_run;
BEGIN
  IF _year_run.round_id IS NULL THEN
    RAISE EXCEPTION 'round_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO run FROM skolval.placement_run x
   WHERE x.round_id OPERATOR(pg_catalog.=) _year_run.round_id AND x.status OPERATOR(pg_catalog.=) 'published';
  IF NOT FOUND THEN
    IF NOT EXISTS (SELECT 1 FROM skolval.placement_round r WHERE r.round_id OPERATOR(pg_catalog.=) _year_run.round_id) THEN
      RAISE EXCEPTION 'placement round % does not exist', _year_run.round_id USING ERRCODE = 'no_data_found';
    END IF;
    RAISE EXCEPTION 'placement round % is not published', _year_run.round_id
      USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'The school year starts with publication.',
            HINT = 'Publish the main round''s run with skolval.publish(run_id).';
  END IF;
  RETURN run;
END $$;

CREATE OR REPLACE FUNCTION skolval._year_require_admin(what text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
  caller name := skolval._acting_role();
BEGIN
  IF NOT pg_catalog.pg_has_role(caller, 'skolval_admin', 'MEMBER') THEN
    RAISE EXCEPTION 'role "%" may not %', caller, what
      USING ERRCODE = 'insufficient_privilege', DETAIL = 'Decisions of the school year are made by members of skolval_admin.';
  END IF;
END $$;

-- The next weekday on or after d (a deadline that falls on a Saturday or Sunday moves on).
CREATE OR REPLACE FUNCTION skolval.next_weekday(d date) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN d OPERATOR(pg_catalog.+) (CASE pg_catalog.date_part('isodow', d)::integer WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END);
COMMENT ON FUNCTION skolval.next_weekday(date) IS
  'd, or the Monday after when d is a Saturday or Sunday (lag 1930:173 om beräkning av lagstadgad tid; public holidays are not modelled)';

-- A Swedish name for a key component of a later round (criteria, tie-break, child).
CREATE OR REPLACE FUNCTION skolval._year_key_name_sv(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE name WHEN 'application_time' THEN 'tidpunkt för ansökan'
                 WHEN 'no_free_seat' THEN 'inga lediga platser'
                 WHEN 'child' THEN 'ordningsnummer'
                 ELSE coalesce(skolval.criterion_sv(name), name) END;

-- The key components' names of a round under a tie-break: the criteria, then (application_time)
-- the time of application before the lottery, the lottery if not among the criteria, the child.
CREATE OR REPLACE FUNCTION skolval._year_key_names(criteria text[], tie_break text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  names text[] := criteria;
  p integer := pg_catalog.array_position(criteria, 'lottery');
BEGIN
  IF p IS NULL THEN
    names := names OPERATOR(pg_catalog.||) 'lottery'::text;
    p := pg_catalog.cardinality(names);
  END IF;
  IF tie_break OPERATOR(pg_catalog.=) 'application_time' THEN
    names := names[1:p - 1] OPERATOR(pg_catalog.||) ARRAY['application_time'] OPERATOR(pg_catalog.||) names[p:];
  END IF;
  RETURN names OPERATOR(pg_catalog.||) 'child'::text;
END $$;

-- ---------------------------------------------------------------------------------------
-- The current placement
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE VIEW skolval.current_placement AS
WITH last_amendment AS (
  SELECT DISTINCT ON (a.round_id, a.child_id) a.*
    FROM skolval.placement_amendment a
   ORDER BY a.round_id, a.child_id, a.amendment_id DESC)
SELECT r.round_id, r.run_id, p.child_id, p.unit_id, 'run'::text AS source, NULL::bigint AS amendment_id,
       p.kind, p.wish_rank, false AS above_capacity, (r.published_at)::date AS since,
       p.decision_sv, p.motivation_sv
  FROM skolval.placement_run r
  JOIN skolval.placement p ON p.run_id = r.run_id
 WHERE r.status = 'published'
   AND NOT EXISTS (SELECT 1 FROM last_amendment a WHERE a.round_id = r.round_id AND a.child_id = p.child_id)
UNION ALL
SELECT a.round_id, a.run_id, a.child_id, a.unit_id, 'amendment', a.amendment_id,
       a.kind, a.wish_rank, a.above_capacity, a.effective_date, a.decision_sv, a.motivation_sv
  FROM last_amendment a
 WHERE a.unit_id IS NOT NULL;
COMMENT ON VIEW skolval.current_placement IS
  'Each child''s current placement in a school year: the published run''s placement unless an amendment changed it since (the latest amendment counts; a child who declined or moved away has no row)';
COMMENT ON COLUMN skolval.current_placement.round_id IS 'The main round';
COMMENT ON COLUMN skolval.current_placement.run_id IS 'Its published run';
COMMENT ON COLUMN skolval.current_placement.child_id IS 'The child';
COMMENT ON COLUMN skolval.current_placement.unit_id IS 'The unit the child is placed at now';
COMMENT ON COLUMN skolval.current_placement.source IS 'run (the published placement) or amendment';
COMMENT ON COLUMN skolval.current_placement.amendment_id IS 'The amendment in force (NULL: the run''s placement)';
COMMENT ON COLUMN skolval.current_placement.kind IS 'The run''s kind (wish, near_home_offer, administrative) or the amendment''s (later_round, offer_accepted, placed_between_rounds, ordered_place, reconsidered)';
COMMENT ON COLUMN skolval.current_placement.wish_rank IS 'Rank of the wish met (in the wishes in force when it was decided)';
COMMENT ON COLUMN skolval.current_placement.above_capacity IS 'An ordered place above capacity';
COMMENT ON COLUMN skolval.current_placement.since IS 'From when (publication day or the amendment''s effective date)';
COMMENT ON COLUMN skolval.current_placement.decision_sv IS 'The decision in force, in Swedish';
COMMENT ON COLUMN skolval.current_placement.motivation_sv IS 'Its motivation, in Swedish';

-- Seats, placed children, ordered places and held offers per unit.
CREATE OR REPLACE VIEW skolval.current_unit_occupancy AS
SELECT c.round_id, c.unit_id, u.unit_code, u.name AS unit_name, c.seats,
       coalesce(n.placed, 0)::integer AS placed,
       coalesce(n.ordered_above_capacity, 0)::integer AS ordered_above_capacity,
       coalesce(o.open_offers, 0)::integer AS open_offers,
       GREATEST(c.seats - coalesce(n.placed, 0) - coalesce(o.open_offers, 0), 0)::integer AS free_seats
  FROM skolval.round_capacity c
  JOIN skolval.placement_run r ON r.round_id = c.round_id AND r.status = 'published'
  JOIN skolval.unit u ON u.unit_id = c.unit_id
  LEFT JOIN (SELECT cp.round_id, cp.unit_id, count(*) AS placed, count(*) FILTER (WHERE cp.above_capacity) AS ordered_above_capacity
               FROM skolval.current_placement cp GROUP BY 1, 2) n ON n.round_id = c.round_id AND n.unit_id = c.unit_id
  LEFT JOIN (SELECT x.round_id, x.unit_id, count(*) AS open_offers
               FROM skolval.placement_offer x WHERE x.status = 'open' GROUP BY 1, 2) o ON o.round_id = c.round_id AND o.unit_id = c.unit_id;
COMMENT ON VIEW skolval.current_unit_occupancy IS
  'Per main round and unit: seats (the round''s capacity), children placed now, of them ordered places above capacity, seats held by open offers, and free seats';
COMMENT ON COLUMN skolval.current_unit_occupancy.round_id IS 'The main round';
COMMENT ON COLUMN skolval.current_unit_occupancy.unit_id IS 'The unit';
COMMENT ON COLUMN skolval.current_unit_occupancy.unit_code IS 'Unit code';
COMMENT ON COLUMN skolval.current_unit_occupancy.unit_name IS 'Unit name';
COMMENT ON COLUMN skolval.current_unit_occupancy.seats IS 'Seats in the round';
COMMENT ON COLUMN skolval.current_unit_occupancy.placed IS 'Children placed there now';
COMMENT ON COLUMN skolval.current_unit_occupancy.ordered_above_capacity IS 'Of them, ordered places above capacity';
COMMENT ON COLUMN skolval.current_unit_occupancy.open_offers IS 'Seats held for open offers';
COMMENT ON COLUMN skolval.current_unit_occupancy.free_seats IS 'Seats neither taken nor held (never negative)';

-- For letters, RPA and the case officer: the decision in force with identity (withheld for
-- protected identity, as placement_decision does).
CREATE OR REPLACE VIEW skolval.current_placement_decision AS
SELECT cp.round_id, cp.run_id, cp.child_id, c.protected_identity,
       CASE WHEN c.protected_identity THEN NULL ELSE c.personal_number END AS personal_number,
       CASE WHEN c.protected_identity THEN NULL ELSE c.given_name END AS given_name,
       CASE WHEN c.protected_identity THEN NULL ELSE c.family_name END AS family_name,
       u.unit_code, u.name AS unit_name, cp.source, cp.amendment_id, cp.kind, cp.wish_rank,
       cp.above_capacity, cp.since, cp.decision_sv, cp.motivation_sv
  FROM skolval.current_placement cp
  JOIN skolval.child c ON c.child_id = cp.child_id
  JOIN skolval.unit u ON u.unit_id = cp.unit_id;
COMMENT ON VIEW skolval.current_placement_decision IS
  'The decision in force per child with its motivation, for letters and case officers; identity NULL for a child with protected identity';
COMMENT ON COLUMN skolval.current_placement_decision.round_id IS 'The main round';
COMMENT ON COLUMN skolval.current_placement_decision.run_id IS 'Its published run';
COMMENT ON COLUMN skolval.current_placement_decision.child_id IS 'Internal child id';
COMMENT ON COLUMN skolval.current_placement_decision.protected_identity IS 'Protected identity: identity withheld';
COMMENT ON COLUMN skolval.current_placement_decision.personal_number IS 'Personal identity number (NULL for protected identity)';
COMMENT ON COLUMN skolval.current_placement_decision.given_name IS 'Given name (NULL for protected identity)';
COMMENT ON COLUMN skolval.current_placement_decision.family_name IS 'Family name (NULL for protected identity)';
COMMENT ON COLUMN skolval.current_placement_decision.unit_code IS 'Unit code';
COMMENT ON COLUMN skolval.current_placement_decision.unit_name IS 'Unit name';
COMMENT ON COLUMN skolval.current_placement_decision.source IS 'run or amendment';
COMMENT ON COLUMN skolval.current_placement_decision.amendment_id IS 'The amendment in force';
COMMENT ON COLUMN skolval.current_placement_decision.kind IS 'Kind of the placement in force';
COMMENT ON COLUMN skolval.current_placement_decision.wish_rank IS 'Rank of the wish met';
COMMENT ON COLUMN skolval.current_placement_decision.above_capacity IS 'Ordered place above capacity';
COMMENT ON COLUMN skolval.current_placement_decision.since IS 'From when';
COMMENT ON COLUMN skolval.current_placement_decision.decision_sv IS 'The decision in Swedish';
COMMENT ON COLUMN skolval.current_placement_decision.motivation_sv IS 'The motivation in Swedish';

-- For BI: pseudonymous, like bi_placement.
CREATE OR REPLACE VIEW skolval.bi_current_placement AS
SELECT cp.round_id, cp.child_id, c.protected_identity,
       pg_catalog.date_part('year', c.birth_date)::integer AS birth_year,
       cp.unit_id, u.unit_code, u.name AS unit_name, u.organizer, cp.source, cp.kind, cp.wish_rank,
       cp.above_capacity, cp.since
  FROM skolval.current_placement cp
  JOIN skolval.child c ON c.child_id = cp.child_id
  JOIN skolval.unit u ON u.unit_id = cp.unit_id;
COMMENT ON VIEW skolval.bi_current_placement IS
  'For BI: each child''s current placement, identified by the internal child_id only (no identity, address, district or distance)';
COMMENT ON COLUMN skolval.bi_current_placement.round_id IS 'The main round';
COMMENT ON COLUMN skolval.bi_current_placement.child_id IS 'Internal child id (pseudonymous)';
COMMENT ON COLUMN skolval.bi_current_placement.protected_identity IS 'The child has protected identity';
COMMENT ON COLUMN skolval.bi_current_placement.birth_year IS 'Year of birth';
COMMENT ON COLUMN skolval.bi_current_placement.unit_id IS 'The unit';
COMMENT ON COLUMN skolval.bi_current_placement.unit_code IS 'Unit code';
COMMENT ON COLUMN skolval.bi_current_placement.unit_name IS 'Unit name';
COMMENT ON COLUMN skolval.bi_current_placement.organizer IS 'municipal or independent';
COMMENT ON COLUMN skolval.bi_current_placement.source IS 'run or amendment';
COMMENT ON COLUMN skolval.bi_current_placement.kind IS 'Kind of placement in force';
COMMENT ON COLUMN skolval.bi_current_placement.wish_rank IS 'Rank of the wish met';
COMMENT ON COLUMN skolval.bi_current_placement.above_capacity IS 'Ordered place above capacity';
COMMENT ON COLUMN skolval.bi_current_placement.since IS 'From when';

CREATE OR REPLACE VIEW skolval.bi_year_unit AS
SELECT o.round_id, o.unit_id, o.unit_code, o.unit_name, o.seats, o.placed, o.ordered_above_capacity,
       o.open_offers, o.free_seats,
       (SELECT count(*) FROM skolval.waiting_list w
         WHERE w.round_id = o.round_id AND w.unit_id = o.unit_id AND w.left_at IS NULL)::integer AS waiting,
       (SELECT count(*) FROM skolval.placement_amendment a
         WHERE a.round_id = o.round_id AND a.previous_unit_id = o.unit_id AND a.kind IN ('declined', 'moved_away'))::integer AS seats_given_up
  FROM skolval.current_unit_occupancy o;
COMMENT ON VIEW skolval.bi_year_unit IS 'For BI: per main round and unit, seats, placed now, ordered places above capacity, open offers, free seats, children waiting and seats given up by declines and moves. No child is identified';
COMMENT ON COLUMN skolval.bi_year_unit.round_id IS 'The main round';
COMMENT ON COLUMN skolval.bi_year_unit.unit_id IS 'The unit';
COMMENT ON COLUMN skolval.bi_year_unit.unit_code IS 'Unit code';
COMMENT ON COLUMN skolval.bi_year_unit.unit_name IS 'Unit name';
COMMENT ON COLUMN skolval.bi_year_unit.seats IS 'Seats';
COMMENT ON COLUMN skolval.bi_year_unit.placed IS 'Placed now';
COMMENT ON COLUMN skolval.bi_year_unit.ordered_above_capacity IS 'Ordered places above capacity';
COMMENT ON COLUMN skolval.bi_year_unit.open_offers IS 'Open offers';
COMMENT ON COLUMN skolval.bi_year_unit.free_seats IS 'Free seats';
COMMENT ON COLUMN skolval.bi_year_unit.waiting IS 'Children on the waiting list';
COMMENT ON COLUMN skolval.bi_year_unit.seats_given_up IS 'Places given up (declined, moved away) since publication';

-- Waiting-list positions: the open entries of a unit in priority order (the round's tuple).
CREATE OR REPLACE VIEW skolval.waiting_list_position AS
SELECT w.round_id, w.unit_id, w.child_id, w.entry_id,
       pg_catalog.row_number() OVER (PARTITION BY w.round_id, w.unit_id ORDER BY w.priority_key, w.child_id)::integer AS position,
       pg_catalog.count(*) OVER (PARTITION BY w.round_id, w.unit_id)::integer AS waiting,
       w.wish_rank, w.priority_key, w.source, w.added_at
  FROM skolval.waiting_list w
 WHERE w.left_at IS NULL;
COMMENT ON VIEW skolval.waiting_list_position IS
  'For the case officer: each child''s position on each waiting list it is on, by the unit''s priorities (the round''s criteria tuple, lower key first)';
COMMENT ON COLUMN skolval.waiting_list_position.round_id IS 'The main round';
COMMENT ON COLUMN skolval.waiting_list_position.unit_id IS 'The unit';
COMMENT ON COLUMN skolval.waiting_list_position.child_id IS 'The child';
COMMENT ON COLUMN skolval.waiting_list_position.entry_id IS 'The entry';
COMMENT ON COLUMN skolval.waiting_list_position.position IS 'Position, 1 = next in line';
COMMENT ON COLUMN skolval.waiting_list_position.waiting IS 'Children on the list';
COMMENT ON COLUMN skolval.waiting_list_position.wish_rank IS 'The wish''s rank';
COMMENT ON COLUMN skolval.waiting_list_position.priority_key IS 'The priority key';
COMMENT ON COLUMN skolval.waiting_list_position.source IS 'main_round, later_round, between_rounds';
COMMENT ON COLUMN skolval.waiting_list_position.added_at IS 'When the child was put on the list';

-- ---------------------------------------------------------------------------------------
-- Immutability: amendments, later-round inputs and letters are records
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._year_record_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  o jsonb;
  n jsonb;
  free_column text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    o := pg_catalog.to_jsonb(OLD);
    n := pg_catalog.to_jsonb(NEW);
    -- what may still be written once: the outbox's case number and letter id; the outcome of a
    -- later round's wish while the round runs
    IF TG_TABLE_NAME = 'later_round_wish' THEN
      -- outcome and decisive criterion, written while the round runs
      IF EXISTS (SELECT 1 FROM skolval.later_round l WHERE l.later_round_id = (o OPERATOR(pg_catalog.->>) 'later_round_id')::bigint
                    AND l.status = 'open')
         AND (o OPERATOR(pg_catalog.-) ARRAY['outcome', 'decisive_criterion']) OPERATOR(pg_catalog.=) (n OPERATOR(pg_catalog.-) ARRAY['outcome', 'decisive_criterion']) THEN
        RETURN NEW;
      END IF;
    ELSE
      free_column := CASE TG_TABLE_NAME WHEN 'placement_amendment' THEN 'case_number' ELSE 'outbox_id' END;
      IF (o OPERATOR(pg_catalog.-) free_column) OPERATOR(pg_catalog.=) (n OPERATOR(pg_catalog.-) free_column)
         AND (o OPERATOR(pg_catalog.->>) free_column) IS NULL THEN
        RETURN NEW;
      END IF;
    END IF;
  END IF;
  RAISE EXCEPTION '% of skolval.% is refused: decided is decided', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'object_not_in_prerequisite_state',
          DETAIL = 'Amendments, the inputs of later rounds and letters are records of decisions.',
          HINT = 'A change is a new amendment (for example skolval.decline_place or a later round).';
END $$;
DO $guards$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['placement_amendment', 'later_round_wish', 'year_letter'] LOOP
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER %I BEFORE UPDATE OR DELETE ON skolval.%I '
                              'FOR EACH ROW EXECUTE FUNCTION skolval._year_record_guard()', t || '_record_guard', t);
    -- TRUNCATE is the owner's alone (no skolval role has it; demo_municipality(replace => true)),
    -- and the audit log keeps the before-image of every row it removes.
    EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON skolval.%I', t || '_record_truncate', t);
  END LOOP;
END
$guards$;

-- An amendment must amend the round's published run, and the unit must offer the round's form.
CREATE OR REPLACE FUNCTION skolval._amendment_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r skolval.placement_round;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM skolval.placement_run x WHERE x.run_id = NEW.run_id AND x.round_id = NEW.round_id
                    AND x.status = 'published') THEN
    RAISE EXCEPTION 'amendment of child %: run % is not the published run of round %', NEW.child_id, NEW.run_id, NEW.round_id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF NEW.unit_id IS NOT NULL THEN
    SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = NEW.round_id;
    PERFORM skolval.require_unit_offers(NEW.unit_id, r.school_form, pg_catalog.format('amendment of child %s', NEW.child_id));
  END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER placement_amendment_check BEFORE INSERT ON skolval.placement_amendment
  FOR EACH ROW EXECUTE FUNCTION skolval._amendment_check();

-- ---------------------------------------------------------------------------------------
-- Decisions and letters (HOOK for the decision outbox)
-- ---------------------------------------------------------------------------------------

-- How to appeal, in the letter of every decision.
CREATE OR REPLACE FUNCTION skolval._year_appeal_text_sv(days integer) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN pg_catalog.format('Hur man överklagar: Beslutet kan överklagas. Överklagandet ska ha kommit in till kommunen inom %s dagar '
       'från den dag ni fick del av beslutet. Ett beslut att inte placera barnet vid den skola ni önskat av organisatoriska '
       'eller ekonomiska skäl (9 kap. 15 § andra stycket skollagen) prövas av Skolväsendets överklagandenämnd; andra beslut '
       'kan prövas genom laglighetsprövning hos förvaltningsrätten (13 kap. kommunallagen).', days);

-- Records a decision's letter in skolval.year_letter and queues it in the decision outbox
-- (sql/delivery: skolval._delivery_queue_letter gives it its case number and one row per
-- guardian with custody and channel; year_letter.outbox_id is its first outbox row). Returns
-- the letter id.
CREATE OR REPLACE FUNCTION skolval._year_record_letter(round_id bigint, child_id bigint, kind text, subject_sv text, body_sv text,
                                                      amendment_id bigint DEFAULT NULL, offer_id bigint DEFAULT NULL,
                                                      appeal_id bigint DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  id bigint;
BEGIN
  INSERT INTO skolval.year_letter (round_id, child_id, kind, amendment_id, offer_id, appeal_id, subject_sv, body_sv)
  VALUES (_year_record_letter.round_id, _year_record_letter.child_id, _year_record_letter.kind,
          _year_record_letter.amendment_id, _year_record_letter.offer_id, _year_record_letter.appeal_id,
          _year_record_letter.subject_sv, _year_record_letter.body_sv)
  RETURNING letter_id INTO id;
  PERFORM skolval._delivery_queue_letter(id);
  RETURN id;
END $$;

-- Records an amendment with its letter and keeps the child's waiting lists right. Returns it.
CREATE OR REPLACE FUNCTION skolval._year_amend(round_id bigint, child_id bigint, unit_id bigint, kind text, effective_date date,
                                              decision_sv text, motivation_sv text, explanation jsonb DEFAULT '{}',
                                              later_round_id bigint DEFAULT NULL, offer_id bigint DEFAULT NULL,
                                              appeal_id bigint DEFAULT NULL, wish_rank smallint DEFAULT NULL,
                                              above_capacity boolean DEFAULT false)
RETURNS skolval.placement_amendment
LANGUAGE plpgsql AS $$
DECLARE
  run skolval.placement_run := skolval._year_run(_year_amend.round_id);
  prev bigint;
  a skolval.placement_amendment;
  days integer;
BEGIN
  SELECT cp.unit_id INTO prev FROM skolval.current_placement cp
   WHERE cp.round_id = _year_amend.round_id AND cp.child_id = _year_amend.child_id;
  INSERT INTO skolval.placement_amendment (round_id, run_id, child_id, unit_id, previous_unit_id, kind, later_round_id, offer_id,
                                           appeal_id, wish_rank, above_capacity, effective_date, decided_by, decision_sv,
                                           motivation_sv, explanation)
  VALUES (_year_amend.round_id, run.run_id, _year_amend.child_id, _year_amend.unit_id, prev, _year_amend.kind,
          _year_amend.later_round_id, _year_amend.offer_id, _year_amend.appeal_id, _year_amend.wish_rank,
          _year_amend.above_capacity, _year_amend.effective_date, skolval._acting_role(), _year_amend.decision_sv,
          _year_amend.motivation_sv, coalesce(_year_amend.explanation, '{}'))
  RETURNING * INTO a;
  SELECT coalesce(s.appeal_days, 21) INTO days FROM skolval.school_year_settings s WHERE s.round_id = a.round_id;
  PERFORM skolval._year_record_letter(a.round_id, a.child_id, 'amendment',
            CASE WHEN a.unit_id IS NULL THEN 'Beslut: placeringen i förskoleklass upphör'
                 ELSE 'Beslut om placering i förskoleklass' END,
            a.decision_sv || E'\n\nMotivering: ' || a.motivation_sv || E'\n\n' || skolval._year_appeal_text_sv(coalesce(days, 21)),
            amendment_id => a.amendment_id);
  -- Waiting lists: no place, no lists; placed at a unit: off that unit's list.
  IF a.unit_id IS NULL THEN
    UPDATE skolval.waiting_list w SET left_at = pg_catalog.clock_timestamp(), left_reason = 'no_place'
     WHERE w.round_id = a.round_id AND w.child_id = a.child_id AND w.left_at IS NULL;
  ELSE
    UPDATE skolval.waiting_list w SET left_at = pg_catalog.clock_timestamp(), left_reason = 'placed'
     WHERE w.round_id = a.round_id AND w.child_id = a.child_id AND w.unit_id = a.unit_id AND w.left_at IS NULL;
  END IF;
  RETURN a;
END $$;

-- ---------------------------------------------------------------------------------------
-- Publication starts the year: settings and waiting lists
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._year_on_publish() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  INSERT INTO skolval.school_year_settings (round_id) VALUES (NEW.round_id) ON CONFLICT DO NOTHING;
  -- Every child is on the list of each unit it ranked above its placement (the wishes the run
  -- rejected), with its priority key there as the round computed it.
  INSERT INTO skolval.waiting_list (round_id, unit_id, child_id, wish_rank, priority_key, sibling_claim, submitted_at, source)
  SELECT NEW.round_id, pw.unit_id, pw.child_id, pw.rank, a.key, coalesce(w.sibling_claim, false), w.submitted_at, 'main_round'
    FROM skolval.placement_wish pw
    JOIN skolval.placement_applications(NEW.round_id) a
      ON a.child_id = pw.child_id AND a.unit_id = pw.unit_id AND NOT a.implicit
    LEFT JOIN skolval.wish w ON w.round_id = NEW.round_id AND w.child_id = pw.child_id AND w.rank = pw.rank
   WHERE pw.run_id = NEW.run_id AND pw.outcome = 'rejected' AND NOT pw.implicit;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER placement_run_year_on_publish AFTER UPDATE OF status ON skolval.placement_run
  FOR EACH ROW WHEN (NEW.status = 'published' AND OLD.status IS DISTINCT FROM 'published' AND NOT NEW.what_if)
  EXECUTE FUNCTION skolval._year_on_publish();

CREATE OR REPLACE FUNCTION skolval.set_school_year(round_id bigint, in_movers text DEFAULT NULL, late_applications text DEFAULT NULL,
                                                  show_position_to_family boolean DEFAULT NULL, appeal_days integer DEFAULT NULL)
RETURNS skolval.school_year_settings
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  s skolval.school_year_settings;
BEGIN
  PERFORM skolval._year_require_admin('change the school year''s settings');
  PERFORM skolval._year_run(set_school_year.round_id);
  INSERT INTO skolval.school_year_settings (round_id) VALUES (set_school_year.round_id) ON CONFLICT DO NOTHING;
  UPDATE skolval.school_year_settings x
     SET in_movers = coalesce(set_school_year.in_movers, x.in_movers),
         late_applications = coalesce(set_school_year.late_applications, x.late_applications),
         show_position_to_family = coalesce(set_school_year.show_position_to_family, x.show_position_to_family),
         appeal_days = coalesce(set_school_year.appeal_days, x.appeal_days),
         updated_at = pg_catalog.now()
   WHERE x.round_id = set_school_year.round_id RETURNING * INTO s;
  RETURN s;
END $$;
COMMENT ON FUNCTION skolval.set_school_year(bigint, text, text, boolean, integer) IS
  'Set how the school year of a published round runs: in_movers and late_applications place_now or wait, whether families see waiting-list positions, the appeal period in days. NULL keeps a setting. Needs skolval_admin';

CREATE OR REPLACE FUNCTION skolval.leave_waiting_list(round_id bigint, child_id bigint, unit_id bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  n integer;
BEGIN
  PERFORM skolval._year_require_admin('take a child off a waiting list');
  PERFORM skolval._year_not_null(ARRAY['round_id', 'child_id', 'unit_id'],
            ARRAY[leave_waiting_list.round_id IS NULL, leave_waiting_list.child_id IS NULL, leave_waiting_list.unit_id IS NULL]);
  PERFORM skolval._year_run(leave_waiting_list.round_id);
  UPDATE skolval.waiting_list w SET left_at = pg_catalog.clock_timestamp(), left_reason = 'family_left'
   WHERE w.round_id = leave_waiting_list.round_id AND w.child_id = leave_waiting_list.child_id
     AND w.unit_id = leave_waiting_list.unit_id AND w.left_at IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RAISE EXCEPTION 'child % is not on the waiting list of unit % in round %', leave_waiting_list.child_id,
                    leave_waiting_list.unit_id, leave_waiting_list.round_id
      USING ERRCODE = 'no_data_found';
  END IF;
  RETURN n;
END $$;
COMMENT ON FUNCTION skolval.leave_waiting_list(bigint, bigint, bigint) IS
  'The family leaves a unit''s waiting list (the entry is kept, marked family_left). Needs skolval_admin';

-- ---------------------------------------------------------------------------------------
-- Declines and moves
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._year_give_up(round_id bigint, child_id bigint, effective_date date, kind text, note text)
RETURNS skolval.placement_amendment
LANGUAGE plpgsql AS $$
DECLARE
  cur skolval.current_placement;
  uname text;
  a skolval.placement_amendment;
BEGIN
  PERFORM skolval._year_not_null(ARRAY['round_id', 'child_id', 'effective_date'],
            ARRAY[_year_give_up.round_id IS NULL, _year_give_up.child_id IS NULL, _year_give_up.effective_date IS NULL]);
  PERFORM skolval._year_run(_year_give_up.round_id);
  SELECT * INTO cur FROM skolval.current_placement cp
   WHERE cp.round_id = _year_give_up.round_id AND cp.child_id = _year_give_up.child_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'child % has no current placement in round %', _year_give_up.child_id, _year_give_up.round_id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  SELECT u.name INTO uname FROM skolval.unit u WHERE u.unit_id = cur.unit_id;
  UPDATE skolval.placement_offer o SET status = 'lapsed', answered_at = pg_catalog.clock_timestamp()
   WHERE o.round_id = _year_give_up.round_id AND o.child_id = _year_give_up.child_id AND o.status = 'open';
  a := skolval._year_amend(_year_give_up.round_id, _year_give_up.child_id, NULL, _year_give_up.kind, _year_give_up.effective_date,
         pg_catalog.format('Barnets placering i förskoleklass vid %s upphör från och med %s.', uname, skolval.date_sv(_year_give_up.effective_date)),
         CASE _year_give_up.kind
           WHEN 'declined' THEN 'Vårdnadshavarna har tackat nej till platsen. Platsen blir ledig och erbjuds barn i kö enligt urvalsreglerna.'
           ELSE 'Barnet har flyttat från kommunen. Platsen blir ledig och erbjuds barn i kö enligt urvalsreglerna.' END
         || CASE WHEN _year_give_up.note IS NOT NULL THEN ' ' || _year_give_up.note ELSE '' END,
         pg_catalog.jsonb_build_object('previous_unit_id', cur.unit_id, 'note', _year_give_up.note));
  RETURN a;
END $$;

CREATE OR REPLACE FUNCTION skolval.decline_place(round_id bigint, child_id bigint, effective_date date DEFAULT CURRENT_DATE,
                                                note text DEFAULT NULL)
RETURNS skolval.placement_amendment
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  PERFORM skolval._year_require_admin('record a declined place');
  RETURN skolval._year_give_up(decline_place.round_id, decline_place.child_id, decline_place.effective_date, 'declined', decline_place.note);
END $$;
COMMENT ON FUNCTION skolval.decline_place(bigint, bigint, date, text) IS
  'The guardians decline the child''s current place: an amendment without a place (decision, motivation, letter); the seat is free for the next later round; the child leaves its waiting lists. Needs skolval_admin';

CREATE OR REPLACE FUNCTION skolval.record_move_away(round_id bigint, child_id bigint, effective_date date DEFAULT CURRENT_DATE,
                                                   note text DEFAULT NULL)
RETURNS skolval.placement_amendment
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  PERFORM skolval._year_require_admin('record a move away');
  RETURN skolval._year_give_up(record_move_away.round_id, record_move_away.child_id, record_move_away.effective_date, 'moved_away', record_move_away.note);
END $$;
COMMENT ON FUNCTION skolval.record_move_away(bigint, bigint, date, text) IS
  'The child has moved away from the municipality: its place ends (an amendment with decision, motivation and letter) and the seat is free. Needs skolval_admin';

-- ---------------------------------------------------------------------------------------
-- The shadow round: where priorities of the year's wishes are computed
-- ---------------------------------------------------------------------------------------

-- The draft round with the main round's rules whose cohort and wishes are the year's; made on
-- first use. Its cohort is the children placed now and the children with a pending application;
-- its cohort date is on_day (homes are read on that day).
CREATE OR REPLACE FUNCTION skolval._year_shadow(round_id bigint, on_day date) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  r skolval.placement_round;
  sid bigint;
BEGIN
  INSERT INTO skolval.school_year_settings (round_id) VALUES (_year_shadow.round_id) ON CONFLICT DO NOTHING;
  SELECT s.shadow_round_id INTO sid FROM skolval.school_year_settings s WHERE s.round_id = _year_shadow.round_id FOR UPDATE;
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = _year_shadow.round_id;
  IF sid IS NULL THEN
    INSERT INTO skolval.placement_round (name, municipality_code, school_form, start_date, cohort_date, lottery_seed,
                                         mechanism, criteria, near_home_distance_m, max_wishes)
    VALUES (r.name || ' — läsåret (internt, skolval)', r.municipality_code, r.school_form, r.start_date, _year_shadow.on_day,
            r.lottery_seed, r.mechanism, r.criteria, r.near_home_distance_m, 20)
    RETURNING placement_round.round_id INTO sid;
    UPDATE skolval.school_year_settings s SET shadow_round_id = sid WHERE s.round_id = _year_shadow.round_id;
  ELSE
    UPDATE skolval.placement_round x SET cohort_date = _year_shadow.on_day
     WHERE x.round_id = sid AND x.cohort_date IS DISTINCT FROM _year_shadow.on_day;
  END IF;
  -- the main round's seats (placement_applications() reads the units that offer seats)
  INSERT INTO skolval.round_capacity (round_id, unit_id, seats)
  SELECT sid, rc.unit_id, rc.seats FROM skolval.round_capacity rc WHERE rc.round_id = _year_shadow.round_id
  ON CONFLICT ON CONSTRAINT round_capacity_pkey DO UPDATE SET seats = EXCLUDED.seats WHERE round_capacity.seats <> EXCLUDED.seats;
  RETURN sid;
END $$;

CREATE OR REPLACE FUNCTION skolval.year_prepare(round_id bigint, on_day date DEFAULT CURRENT_DATE) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  sid bigint;
BEGIN
  PERFORM skolval._year_require_admin('prepare the school year''s distances');
  IF year_prepare.on_day IS NULL THEN
    RAISE EXCEPTION 'year_prepare(): on_day must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM skolval._year_run(year_prepare.round_id);
  sid := skolval._year_shadow(year_prepare.round_id, year_prepare.on_day);
  DELETE FROM skolval.round_cohort c WHERE c.round_id = sid
     AND NOT EXISTS (SELECT 1 FROM skolval.current_placement cp WHERE cp.round_id = year_prepare.round_id AND cp.child_id = c.child_id)
     AND NOT EXISTS (SELECT 1 FROM skolval.year_application a WHERE a.round_id = year_prepare.round_id AND a.child_id = c.child_id
                        AND a.handled_at IS NULL);
  INSERT INTO skolval.round_cohort (round_id, child_id)
  SELECT sid, cp.child_id FROM skolval.current_placement cp WHERE cp.round_id = year_prepare.round_id
  UNION
  SELECT sid, a.child_id FROM skolval.year_application a WHERE a.round_id = year_prepare.round_id AND a.handled_at IS NULL
  ON CONFLICT DO NOTHING;
  RETURN sid;
END $$;
COMMENT ON FUNCTION skolval.year_prepare(bigint, date) IS
  'Bring the school year''s internal round up to date (the children placed now and those with a pending application, homes on on_day) and return its id: then call skolval.compute_distances(that id) before a later round or a placement between rounds. Needs skolval_admin';

-- Writes the shadow round's wishes (units in rank order per child) and returns the priority
-- rows placement_applications() computes for them (and implicit ones for children without).
CREATE OR REPLACE FUNCTION skolval._year_priorities(round_id bigint, wishes jsonb,
    OUT child_id bigint, OUT rank smallint, OUT unit_id bigint, OUT implicit boolean, OUT walking_m double precision,
    OUT lottery double precision, OUT key double precision[])
RETURNS SETOF record
LANGUAGE plpgsql AS $$
DECLARE
  sid bigint;
  missing bigint;
  ids bigint[];
BEGIN
  SELECT s.shadow_round_id INTO sid FROM skolval.school_year_settings s WHERE s.round_id = _year_priorities.round_id;
  SELECT coalesce(pg_catalog.array_agg(DISTINCT (x->>'child_id')::bigint), '{}') INTO ids
    FROM pg_catalog.jsonb_array_elements(_year_priorities.wishes) x;
  IF sid IS NULL THEN
    RAISE EXCEPTION 'the school year of round % is not prepared', _year_priorities.round_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Call skolval.year_prepare(round_id) and skolval.compute_distances() on the id it returns.';
  END IF;
  -- Every child must be in the cohort with a home measured from.
  SELECT c INTO missing
    FROM pg_catalog.unnest(ids) c
   WHERE NOT EXISTS (SELECT 1 FROM skolval.round_home h WHERE h.round_id = sid AND h.child_id = c AND h.residence_id IS NOT NULL)
   LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'child % has no measured home in the school year of round %', missing, _year_priorities.round_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = pg_catalog.format('Call skolval.year_prepare(%s, <day>) and skolval.compute_distances(%s) first; a child needs a registered residence on that day.',
                                     _year_priorities.round_id, sid);
  END IF;
  DELETE FROM skolval.wish w WHERE w.round_id = sid;
  DELETE FROM skolval.round_cohort c WHERE c.round_id = sid AND NOT (c.child_id = ANY (ids));
  INSERT INTO skolval.round_cohort (round_id, child_id)
  SELECT sid, c FROM pg_catalog.unnest(ids) c
  ON CONFLICT DO NOTHING;
  INSERT INTO skolval.wish (round_id, child_id, rank, unit_id, sibling_claim, submitted_at)
  SELECT sid, (x->>'child_id')::bigint, u.ord::smallint, u.unit_id::bigint,
         coalesce(u.unit_id::bigint = ANY (SELECT pg_catalog.jsonb_array_elements_text(coalesce(x->'sibling_units', '[]'))::bigint), false),
         (x->>'submitted_at')::timestamptz
    FROM pg_catalog.jsonb_array_elements(_year_priorities.wishes) x
    CROSS JOIN LATERAL pg_catalog.jsonb_array_elements_text(x->'units') WITH ORDINALITY AS u(unit_id, ord);
  RETURN QUERY
  SELECT a.child_id, a.rank, a.unit_id, a.implicit, a.walking_m, a.lottery, a.key
    FROM skolval.placement_applications(sid) a;
END $$;

-- ---------------------------------------------------------------------------------------
-- Applications after the main round
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.year_apply(round_id bigint, child_id bigint, units bigint[], submitted_at timestamptz,
                                             sibling_units bigint[] DEFAULT '{}', later_round_id bigint DEFAULT NULL)
RETURNS skolval.year_application
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  r skolval.placement_round;
  run skolval.placement_run;
  k text;
  u bigint;
  app skolval.year_application;
  lr skolval.later_round;
BEGIN
  PERFORM skolval._year_require_admin('register an application');
  PERFORM skolval._year_not_null(ARRAY['round_id', 'child_id', 'units', 'submitted_at', 'sibling_units'],
            ARRAY[year_apply.round_id IS NULL, year_apply.child_id IS NULL, year_apply.units IS NULL, year_apply.submitted_at IS NULL,
                  year_apply.sibling_units IS NULL]);
  run := skolval._year_run(year_apply.round_id);
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = year_apply.round_id;
  IF NOT EXISTS (SELECT 1 FROM skolval.child c WHERE c.child_id = year_apply.child_id) THEN
    RAISE EXCEPTION 'child % does not exist', year_apply.child_id USING ERRCODE = 'no_data_found';
  END IF;
  IF pg_catalog.array_position(year_apply.units, NULL) IS NOT NULL OR pg_catalog.array_ndims(year_apply.units) > 1 THEN
    RAISE EXCEPTION 'application of child %: units must be a list of unit ids without NULL', year_apply.child_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF pg_catalog.cardinality(year_apply.units) > r.max_wishes THEN
    RAISE EXCEPTION 'application of child %: % wishes, at most % are allowed', year_apply.child_id,
                    pg_catalog.cardinality(year_apply.units), r.max_wishes
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (SELECT count(DISTINCT x) FROM pg_catalog.unnest(year_apply.units) x) < pg_catalog.cardinality(year_apply.units) THEN
    RAISE EXCEPTION 'application of child %: a unit is listed twice in %', year_apply.child_id, year_apply.units
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT (year_apply.sibling_units OPERATOR(pg_catalog.<@) year_apply.units) THEN
    RAISE EXCEPTION 'sibling_units must be among the wished units'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = pg_catalog.format('Child %s: sibling_units %s, units %s.', year_apply.child_id, year_apply.sibling_units, year_apply.units);
  END IF;
  FOREACH u IN ARRAY year_apply.units LOOP
    PERFORM skolval.require_unit_offers(u, r.school_form, pg_catalog.format('application of child %s', year_apply.child_id));
  END LOOP;
  IF year_apply.later_round_id IS NOT NULL THEN
    SELECT * INTO lr FROM skolval.later_round l WHERE l.later_round_id = year_apply.later_round_id;
    IF NOT FOUND OR lr.round_id <> year_apply.round_id OR lr.status <> 'open' THEN
      RAISE EXCEPTION 'later round % is not an open round of round %', year_apply.later_round_id, year_apply.round_id
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
  END IF;
  -- late: a child of the main cohort that gave no wishes in time (first application after the
  -- deadline); switch: a placed child's new wishes; in_mover: a child not in the main cohort.
  IF EXISTS (SELECT 1 FROM skolval.round_cohort c WHERE c.round_id = year_apply.round_id AND c.child_id = year_apply.child_id)
     AND NOT EXISTS (SELECT 1 FROM skolval.wish w WHERE w.round_id = year_apply.round_id AND w.child_id = year_apply.child_id)
     AND NOT EXISTS (SELECT 1 FROM skolval.year_application a WHERE a.round_id = year_apply.round_id AND a.child_id = year_apply.child_id) THEN
    k := 'late';
  ELSIF EXISTS (SELECT 1 FROM skolval.current_placement cp WHERE cp.round_id = year_apply.round_id AND cp.child_id = year_apply.child_id) THEN
    k := 'switch';
  ELSIF EXISTS (SELECT 1 FROM skolval.round_cohort c WHERE c.round_id = year_apply.round_id AND c.child_id = year_apply.child_id) THEN
    k := 'late';
  ELSE
    k := 'in_mover';
  END IF;
  -- An earlier pending application of the child is replaced (handled, by nobody).
  UPDATE skolval.year_application a SET handled_at = pg_catalog.clock_timestamp()
   WHERE a.round_id = year_apply.round_id AND a.child_id = year_apply.child_id AND a.handled_at IS NULL;
  INSERT INTO skolval.year_application (round_id, child_id, kind, units, sibling_units, submitted_at, later_round_id)
  VALUES (year_apply.round_id, year_apply.child_id, k, year_apply.units, year_apply.sibling_units, year_apply.submitted_at,
          year_apply.later_round_id)
  RETURNING * INTO app;
  PERFORM skolval._year_shadow(year_apply.round_id, coalesce(
            (SELECT x.cohort_date FROM skolval.placement_round x JOIN skolval.school_year_settings s ON s.shadow_round_id = x.round_id
              WHERE s.round_id = year_apply.round_id), CURRENT_DATE));
  INSERT INTO skolval.round_cohort (round_id, child_id)
  SELECT s.shadow_round_id, year_apply.child_id FROM skolval.school_year_settings s WHERE s.round_id = year_apply.round_id
  ON CONFLICT DO NOTHING;
  RETURN app;
END $$;
COMMENT ON FUNCTION skolval.year_apply(bigint, bigint, bigint[], timestamptz, bigint[], bigint) IS
  'Register wishes given after the main round (ranked unit ids; ''{}'' for a place near home): a switch application of a placed child, a late application of a child of the year, or an in-mover''s. Replaces the child''s earlier pending application; used by the next later round (or placement_between_rounds). Needs skolval_admin';

-- ---------------------------------------------------------------------------------------
-- Later rounds
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.open_later_round(round_id bigint, name text, kind text, decision_date date,
                                                   tie_break text DEFAULT 'lottery', uses_offers boolean DEFAULT false,
                                                   answer_days integer DEFAULT 14)
RETURNS skolval.later_round
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  lr skolval.later_round;
BEGIN
  PERFORM skolval._year_require_admin('open a later round');
  PERFORM skolval._year_not_null(ARRAY['round_id', 'name', 'kind', 'decision_date', 'tie_break', 'uses_offers', 'answer_days'],
            ARRAY[open_later_round.round_id IS NULL, open_later_round.name IS NULL, open_later_round.kind IS NULL,
                  open_later_round.decision_date IS NULL, open_later_round.tie_break IS NULL, open_later_round.uses_offers IS NULL,
                  open_later_round.answer_days IS NULL]);
  IF open_later_round.kind NOT IN ('refill', 'switch', 'reserve') THEN
    RAISE EXCEPTION 'unknown kind of later round "%"', open_later_round.kind
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use refill, switch or reserve.';
  END IF;
  IF open_later_round.tie_break NOT IN ('lottery', 'application_time') THEN
    RAISE EXCEPTION 'unknown tie-break "%"', open_later_round.tie_break
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use lottery or application_time.';
  END IF;
  IF open_later_round.answer_days < 1 THEN
    RAISE EXCEPTION 'answer_days must be at least 1, got %', open_later_round.answer_days USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM skolval._year_run(open_later_round.round_id);
  IF EXISTS (SELECT 1 FROM skolval.later_round l WHERE l.round_id = open_later_round.round_id AND l.status = 'open') THEN
    RAISE EXCEPTION 'round % already has an open later round', open_later_round.round_id
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Run it first (skolval.run_later_round).';
  END IF;
  INSERT INTO skolval.school_year_settings (round_id) VALUES (open_later_round.round_id) ON CONFLICT DO NOTHING;
  INSERT INTO skolval.later_round (round_id, name, kind, tie_break, uses_offers, answer_days, decision_date)
  VALUES (open_later_round.round_id, open_later_round.name, open_later_round.kind, open_later_round.tie_break,
          open_later_round.uses_offers, open_later_round.answer_days, open_later_round.decision_date)
  RETURNING * INTO lr;
  RETURN lr;
END $$;
COMMENT ON FUNCTION skolval.open_later_round(bigint, text, text, date, text, boolean, integer) IS
  'Open a later round of a published round: refill, switch or reserve; tie-break lottery or application_time; with offers (answer within answer_days) or direct placement. One open later round at a time. Needs skolval_admin';

-- The wishes in force of a later round, one element per child that takes part:
-- {child_id, units (rank order, cut before the current unit), sibling_units, submitted_at,
--  source, application_id, current_unit_id}. A child's latest pending application replaces its
-- waiting lists (in a refill round only for children without a place); otherwise its open
-- waiting-list entries are its wishes. Every child placed now takes part (it holds its seat).
CREATE OR REPLACE FUNCTION skolval._year_wishes_in_force(later_round_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
  lr skolval.later_round;
  result jsonb;
BEGIN
  SELECT * INTO lr FROM skolval.later_round l WHERE l.later_round_id = _year_wishes_in_force.later_round_id;
  WITH cur AS (
    SELECT cp.child_id, cp.unit_id FROM skolval.current_placement cp WHERE cp.round_id = lr.round_id),
  app AS (
    SELECT DISTINCT ON (a.child_id) a.*
      FROM skolval.year_application a
     WHERE a.round_id = lr.round_id AND a.handled_at IS NULL
       AND (a.later_round_id IS NULL OR a.later_round_id = lr.later_round_id)
       AND (lr.kind <> 'refill' OR NOT EXISTS (SELECT 1 FROM cur WHERE cur.child_id = a.child_id))
     ORDER BY a.child_id, a.submitted_at DESC, a.application_id DESC),
  wl AS (
    SELECT w.child_id, pg_catalog.array_agg(w.unit_id ORDER BY w.wish_rank, w.unit_id) AS units,
           pg_catalog.array_agg(w.unit_id ORDER BY w.unit_id) FILTER (WHERE w.sibling_claim) AS sibling_units,
           min(w.submitted_at) AS submitted_at
      FROM skolval.waiting_list w
     WHERE w.round_id = lr.round_id AND w.left_at IS NULL
     GROUP BY w.child_id),
  who AS (SELECT child_id FROM cur UNION SELECT child_id FROM app),
  raw AS (
    SELECT who.child_id, cur.unit_id AS current_unit_id,
           CASE WHEN app.application_id IS NOT NULL THEN 'application' ELSE 'waiting_list' END AS source,
           app.application_id,
           coalesce(app.units, wl.units, '{}') AS units,
           coalesce(app.sibling_units, wl.sibling_units, '{}') AS sibling_units,
           coalesce(app.submitted_at, wl.submitted_at, lr.created_at) AS submitted_at
      FROM who
      LEFT JOIN cur ON cur.child_id = who.child_id
      LEFT JOIN app ON app.child_id = who.child_id
      LEFT JOIN wl ON wl.child_id = who.child_id)
  SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'child_id', raw.child_id, 'current_unit_id', raw.current_unit_id, 'source', raw.source,
           'application_id', raw.application_id,
           'units', pg_catalog.to_jsonb(CASE WHEN pg_catalog.array_position(raw.units, raw.current_unit_id) IS NULL THEN raw.units
                                             ELSE raw.units[1:pg_catalog.array_position(raw.units, raw.current_unit_id) - 1] END),
           'sibling_units', pg_catalog.to_jsonb(raw.sibling_units),
           'submitted_at', raw.submitted_at) ORDER BY raw.child_id), '[]')
    INTO result FROM raw;
  RETURN result;
END $$;

-- The first key component on which key k comes after the cut-off key (the unit's last admitted).
CREATE OR REPLACE FUNCTION skolval._year_decisive(k double precision[], cutoff double precision[], names text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF cutoff IS NULL THEN
    RETURN 'no_free_seat';
  END IF;
  FOR i IN 1 .. LEAST(pg_catalog.cardinality(k), pg_catalog.cardinality(cutoff)) LOOP
    IF k[i] OPERATOR(pg_catalog.<>) cutoff[i] THEN
      RETURN CASE WHEN k[i] OPERATOR(pg_catalog.>) cutoff[i] THEN coalesce(names[i], 'child') ELSE NULL END;
    END IF;
  END LOOP;
  RETURN 'child';
END $$;

CREATE OR REPLACE FUNCTION skolval._year_kind_sv(kind text) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN CASE kind WHEN 'refill' THEN 'omfördelning av lediga platser' WHEN 'switch' THEN 'omval'
                 WHEN 'reserve' THEN 'reservomgång' ELSE kind END;

CREATE OR REPLACE FUNCTION skolval._unit_name(unit_id bigint) RETURNS text
LANGUAGE sql STABLE
RETURN (SELECT u.name FROM skolval.unit u WHERE u.unit_id OPERATOR(pg_catalog.=) _unit_name.unit_id);

-- The motivation of a later round's decision for one child.
CREATE OR REPLACE FUNCTION skolval._year_motivation(lr skolval.later_round, child_id bigint, unit_id bigint, administrative boolean)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  r skolval.placement_round;
  t text;
  w record;
  cur bigint;
BEGIN
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = lr.round_id;
  t := pg_catalog.format('Beslutet är fattat i %s (%s) med samma urvalsregler som huvudomgången: %s.', lr.name,
         skolval._year_kind_sv(lr.kind),
         (SELECT pg_catalog.string_agg(o || ') ' || pg_catalog.rtrim(skolval.criterion_rule_sv(c, r.near_home_distance_m), '.'), '; ' ORDER BY o)
            FROM pg_catalog.unnest(r.criteria) WITH ORDINALITY AS x(c, o)));
  IF lr.tie_break = 'application_time' THEN
    t := t || ' Vid lika företräde avgör tidpunkten för ansökan, därefter lottning.';
  END IF;
  SELECT lw.unit_id INTO cur FROM skolval.later_round_wish lw
   WHERE lw.later_round_id = lr.later_round_id AND lw.child_id = _year_motivation.child_id AND lw.guaranteed;
  IF cur IS NOT NULL THEN
    t := t || pg_catalog.format(' Barnets placering vid %s gällde som garanterat sista val: ingen får en sämre placering i en senare omgång.',
                                skolval._unit_name(cur));
  END IF;
  FOR w IN SELECT lw.* FROM skolval.later_round_wish lw
            WHERE lw.later_round_id = lr.later_round_id AND lw.child_id = _year_motivation.child_id AND NOT lw.guaranteed
            ORDER BY lw.rank LOOP
    t := t || pg_catalog.format(' Önskemål %s, %s: %s.', w.rank, skolval._unit_name(w.unit_id),
             CASE w.outcome
               WHEN 'admitted' THEN 'beviljat'
               WHEN 'not_needed' THEN 'prövades inte, ett högre önskemål beviljades'
               ELSE CASE w.decisive_criterion
                      WHEN 'no_free_seat' THEN 'inte möjligt, alla platser var besatta av barn som redan var placerade där'
                      ELSE 'inte möjligt, skolan var full och det sist antagna barnet hade företräde genom '
                           || skolval._year_key_name_sv(w.decisive_criterion) END END);
  END LOOP;
  IF administrative THEN
    t := t || pg_catalog.format(' Inget önskemål kunde tillgodoses. Barnet placeras vid %s, den närmaste skolan med ledig plats.',
                                skolval._unit_name(_year_motivation.unit_id));
  END IF;
  RETURN t;
END $$;

CREATE OR REPLACE FUNCTION skolval.run_later_round(later_round_id bigint) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  lr skolval.later_round;
  r skolval.placement_round;
  run skolval.placement_run;
  sid bigint;
  wif jsonb;
  wif_all jsonb;
  need jsonb;
  names text[];
  p_lottery integer;
  nk integer;
  m record;
  c record;
  cand record;
  admin_children bigint[] := '{}';
  admin_units bigint[] := '{}';
  seat_units bigint[];
  seat_left integer[];
  j integer;
  unplaced bigint[] := '{}';
  a skolval.placement_amendment;
  o skolval.placement_offer;
  n_moved integer := 0;
  n_placed integer := 0;
  n_offers integer := 0;
  n_admin integer := 0;
  result jsonb;
  t0 timestamptz := pg_catalog.clock_timestamp();
BEGIN
  PERFORM skolval._year_require_admin('run a later round');
  IF run_later_round.later_round_id IS NULL THEN
    RAISE EXCEPTION 'run_later_round(): later_round_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO lr FROM skolval.later_round l WHERE l.later_round_id = run_later_round.later_round_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'later round % does not exist', run_later_round.later_round_id USING ERRCODE = 'no_data_found';
  END IF;
  IF lr.status <> 'open' THEN
    RAISE EXCEPTION 'later round "%" is already decided', lr.name
      USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'Decided is decided: open a new later round.';
  END IF;
  run := skolval._year_run(lr.round_id);
  -- One writer of the year at a time.
  PERFORM 1 FROM skolval.school_year_settings s WHERE s.round_id = lr.round_id FOR UPDATE;
  IF EXISTS (SELECT 1 FROM skolval.placement_offer x WHERE x.round_id = lr.round_id AND x.status = 'open') THEN
    RAISE EXCEPTION 'round % has open offers: a later round runs when every offer is answered or has lapsed', lr.round_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Answer them (skolval.answer_offer) or let them lapse (skolval.lapse_offers).';
  END IF;
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = lr.round_id;
  SELECT s.shadow_round_id INTO sid FROM skolval.school_year_settings s WHERE s.round_id = lr.round_id;

  wif := skolval._year_wishes_in_force(lr.later_round_id);
  wif_all := wif;
  -- Priorities are needed for every wish, and for a child without a place and without wishes
  -- (its nearest municipal unit, applied on its behalf).
  SELECT coalesce(pg_catalog.jsonb_agg(x), '[]') INTO need
    FROM pg_catalog.jsonb_array_elements(wif) x
   WHERE pg_catalog.jsonb_array_length(x->'units') > 0 OR x->'current_unit_id' = 'null'::jsonb;
  IF lr.uses_offers THEN
    -- offer rounds: a placed child without wishes takes no part (its seat is not offered)
    SELECT coalesce(pg_catalog.jsonb_agg(x), '[]') INTO wif FROM pg_catalog.jsonb_array_elements(need) x;
  END IF;
  RAISE DEBUG 'run_later_round: wishes in force at % ms', (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t0) * 1000)::bigint;
  names := skolval._year_key_names(r.criteria, lr.tie_break);
  p_lottery := coalesce(pg_catalog.array_position(r.criteria, 'lottery'), pg_catalog.cardinality(r.criteria) + 1);
  nk := pg_catalog.cardinality(names);

  INSERT INTO skolval.later_round_wish (later_round_id, child_id, rank, unit_id, guaranteed, implicit, source,
                                        priority_key, round_key, sibling_claim, submitted_at, outcome)
  SELECT lr.later_round_id, pr.child_id, pr.rank, pr.unit_id, false, pr.implicit,
         CASE WHEN pr.implicit THEN 'near_home' ELSE x->>'source' END,
         CASE WHEN lr.tie_break = 'application_time'
              THEN pr.key[1:p_lottery - 1] || ARRAY[pg_catalog.date_part('epoch', (x->>'submitted_at')::timestamptz)]::double precision[]
                   || pr.key[p_lottery:]
              ELSE pr.key END,
         pr.key,
         coalesce(pr.unit_id::text IN (SELECT pg_catalog.jsonb_array_elements_text(x->'sibling_units')), false),
         (x->>'submitted_at')::timestamptz, 'rejected'
    FROM (SELECT * FROM skolval._year_priorities(lr.round_id, need)) pr
    JOIN (SELECT (e->>'child_id')::bigint AS child_id, e AS x FROM pg_catalog.jsonb_array_elements(need) e) n ON n.child_id = pr.child_id
   WHERE NOT pr.implicit OR n.x->'current_unit_id' = 'null'::jsonb;
  IF NOT lr.uses_offers THEN
    -- the current placement: the guaranteed last choice
    INSERT INTO skolval.later_round_wish (later_round_id, child_id, rank, unit_id, guaranteed, implicit, source,
                                          priority_key, round_key, submitted_at, outcome)
    SELECT lr.later_round_id, (x->>'child_id')::bigint,
           (1 + (SELECT count(*) FROM skolval.later_round_wish lw WHERE lw.later_round_id = lr.later_round_id
                   AND lw.child_id = (x->>'child_id')::bigint))::smallint,
           (x->>'current_unit_id')::bigint, true, false, 'current_placement',
           pg_catalog.array_fill(0::double precision, ARRAY[nk]), pg_catalog.array_fill(0::double precision, ARRAY[nk]),
           NULL, 'rejected'
      FROM pg_catalog.jsonb_array_elements(wif) x
     WHERE x->'current_unit_id' <> 'null'::jsonb;
  END IF;

  RAISE DEBUG 'run_later_round: priorities at % ms', (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t0) * 1000)::bigint;
  -- The matching (C): arrays in child order, wishes in rank order.
  WITH w AS (
    SELECT lw.child_id, lw.rank, lw.unit_id, lw.guaranteed, lw.priority_key,
           (pg_catalog.row_number() OVER (ORDER BY lw.child_id, lw.rank) - 1)::integer AS widx,
           (pg_catalog.dense_rank() OVER (ORDER BY lw.child_id) - 1)::integer AS cidx
      FROM skolval.later_round_wish lw WHERE lw.later_round_id = lr.later_round_id),
  units AS (
    SELECT x.unit_id, (pg_catalog.row_number() OVER (ORDER BY x.unit_id) - 1)::integer AS uidx
      FROM (SELECT rc.unit_id FROM skolval.round_capacity rc WHERE rc.round_id = lr.round_id
            UNION SELECT w.unit_id FROM w) x),
  cap AS (
    SELECT units.uidx,
           CASE WHEN lr.uses_offers THEN coalesce(occ.free_seats, 0) ELSE coalesce(rc.seats, 0) END AS seats
      FROM units
      LEFT JOIN skolval.round_capacity rc ON rc.round_id = lr.round_id AND rc.unit_id = units.unit_id
      LEFT JOIN skolval.current_unit_occupancy occ ON occ.round_id = lr.round_id AND occ.unit_id = units.unit_id)
  SELECT g.*
    INTO m
    FROM skolval._match_guaranteed(
           coalesce((SELECT pg_catalog.array_agg(cap.seats ORDER BY cap.uidx) FROM cap), '{}'),
           coalesce((SELECT pg_catalog.array_agg(s ORDER BY cidx) FROM (SELECT w.cidx, min(w.widx) AS s FROM w GROUP BY w.cidx) q), '{}')
             || (SELECT count(*)::integer FROM w),
           coalesce((SELECT pg_catalog.array_agg(units.uidx ORDER BY w.widx) FROM w JOIN units USING (unit_id)), '{}'),
           nk,
           coalesce((SELECT pg_catalog.array_agg(k ORDER BY w.widx, ord) FROM w, pg_catalog.unnest(w.priority_key) WITH ORDINALITY AS e(k, ord)), '{}'),
           coalesce((SELECT pg_catalog.array_agg(q.g ORDER BY q.cidx) FROM
                       (SELECT w.cidx, coalesce(max(w.widx) FILTER (WHERE w.guaranteed), -1) AS g FROM w GROUP BY w.cidx) q), '{}')) g;

  RAISE DEBUG 'run_later_round: matching at % ms', (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t0) * 1000)::bigint;
  WITH w AS (
    SELECT lw.child_id, lw.rank,
           (pg_catalog.row_number() OVER (ORDER BY lw.child_id, lw.rank) - 1)::integer AS widx,
           (pg_catalog.dense_rank() OVER (ORDER BY lw.child_id) - 1)::integer AS cidx
      FROM skolval.later_round_wish lw WHERE lw.later_round_id = lr.later_round_id),
  got AS (SELECT (e.ord - 1)::integer AS cidx, e.x AS assigned FROM pg_catalog.unnest(m.assigned_wish) WITH ORDINALITY AS e(x, ord))
  UPDATE skolval.later_round_wish lw
     SET outcome = CASE WHEN w.widx = got.assigned THEN 'admitted'
                        WHEN got.assigned = -1 OR w.widx < got.assigned THEN 'rejected' ELSE 'not_needed' END
    FROM w JOIN got USING (cidx)
   WHERE lw.later_round_id = lr.later_round_id AND lw.child_id = w.child_id AND lw.rank = w.rank;
  -- Why each rejected wish was rejected: against the last admitted (non-guaranteed) child there.
  UPDATE skolval.later_round_wish lw
     SET decisive_criterion = skolval._year_decisive(lw.priority_key, cut.k, names)
    FROM (SELECT u.unit_id, (SELECT max(x.priority_key) FROM skolval.later_round_wish x
                              WHERE x.later_round_id = lr.later_round_id AND x.unit_id = u.unit_id
                                AND x.outcome = 'admitted' AND NOT x.guaranteed) AS k
            FROM (SELECT DISTINCT y.unit_id FROM skolval.later_round_wish y WHERE y.later_round_id = lr.later_round_id) u) cut
   WHERE lw.later_round_id = lr.later_round_id AND lw.unit_id = cut.unit_id AND lw.outcome = 'rejected';

  RAISE DEBUG 'run_later_round: outcomes at % ms', (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t0) * 1000)::bigint;
  -- Children without a place the matching could not seat: the nearest unit with a seat left,
  -- in lottery order.  Seats left per unit are counted once here (seats, or free seats where
  -- offers hold seats, less the wishes admitted) and counted down as children are placed: no
  -- per-child scan of the occupancy view or of the round's wishes (issue 16, the Lund bench).
  SELECT coalesce(pg_catalog.array_agg(rc.unit_id ORDER BY rc.unit_id), '{}'),
         coalesce(pg_catalog.array_agg(((CASE WHEN lr.uses_offers THEN coalesce(occ.free_seats, 0) ELSE rc.seats END)
                                         - coalesce(adm.n, 0::bigint)::integer) ORDER BY rc.unit_id), '{}')
    INTO seat_units, seat_left
    FROM skolval.round_capacity rc
    LEFT JOIN skolval.current_unit_occupancy occ ON occ.round_id = lr.round_id AND occ.unit_id = rc.unit_id
    LEFT JOIN (SELECT x.unit_id, pg_catalog.count(*) AS n FROM skolval.later_round_wish x
                WHERE x.later_round_id = lr.later_round_id AND x.outcome = 'admitted'::text GROUP BY x.unit_id) adm
           ON adm.unit_id = rc.unit_id
   WHERE rc.round_id = lr.round_id;
  -- The placed children once (MATERIALIZED): without it the planner, blind to the wishes just
  -- updated, ran the current-placement view once per wish (58 s of a 63 s round at Lund scale).
  FOR c IN
    WITH placed AS MATERIALIZED (SELECT cp.child_id FROM skolval.current_placement cp WHERE cp.round_id = lr.round_id)
    SELECT x.child_id, min(x.round_key[p_lottery]) AS lottery
      FROM skolval.later_round_wish x
     WHERE x.later_round_id = lr.later_round_id
       AND NOT EXISTS (SELECT 1 FROM placed WHERE placed.child_id = x.child_id)
     GROUP BY x.child_id
    HAVING NOT bool_or(x.outcome = 'admitted')
     ORDER BY 2, 1
  LOOP
    SELECT d.unit_id, d.walking_m INTO cand
      FROM skolval.round_home h
      JOIN skolval.distance d ON d.network_id = h.network_id AND d.residence_id = h.residence_id AND d.status = 'ok'
      JOIN ROWS FROM (pg_catalog.unnest(seat_units), pg_catalog.unnest(seat_left)) AS s(unit_id, left_seats)
        ON s.unit_id = d.unit_id AND s.left_seats > 0
     WHERE h.round_id = sid AND h.child_id = c.child_id
     ORDER BY d.walking_m, d.unit_id
     LIMIT 1;
    IF FOUND THEN
      admin_children := admin_children || c.child_id;
      admin_units := admin_units || cand.unit_id;
      j := pg_catalog.array_position(seat_units, cand.unit_id);
      seat_left[j] := seat_left[j] - 1;
    ELSE
      unplaced := unplaced || c.child_id;
    END IF;
  END LOOP;

  RAISE DEBUG 'run_later_round: administrative placement at % ms', (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t0) * 1000)::bigint;
  -- Decisions: every child whose placement changes, or who gets one.
  FOR c IN
    SELECT x.child_id, x.unit_id, x.rank, false AS administrative, cp.unit_id AS current_unit_id
      FROM skolval.later_round_wish x
      LEFT JOIN skolval.current_placement cp ON cp.round_id = lr.round_id AND cp.child_id = x.child_id
     WHERE x.later_round_id = lr.later_round_id AND x.outcome = 'admitted' AND NOT x.guaranteed
    UNION ALL
    SELECT e.child_id, e.unit_id, NULL, true, NULL
      FROM ROWS FROM (pg_catalog.unnest(admin_children), pg_catalog.unnest(admin_units)) AS e(child_id, unit_id)
     ORDER BY 1
  LOOP
    IF lr.uses_offers AND c.current_unit_id IS NOT NULL THEN
      INSERT INTO skolval.placement_offer (later_round_id, round_id, child_id, unit_id, previous_unit_id, wish_rank, answer_by, offer_sv)
      VALUES (lr.later_round_id, lr.round_id, c.child_id, c.unit_id, c.current_unit_id, c.rank,
              lr.decision_date + lr.answer_days,
              pg_catalog.format('Barnet erbjuds plats i förskoleklass vid %s (önskemål %s). Svara senast %s. Tackar ni ja lämnar barnet sin plats vid %s; '
                                'tackar ni nej eller svarar inte behåller barnet den platsen.',
                                skolval._unit_name(c.unit_id), c.rank, skolval.date_sv(lr.decision_date + lr.answer_days),
                                skolval._unit_name(c.current_unit_id)))
      RETURNING * INTO o;
      PERFORM skolval._year_record_letter(lr.round_id, c.child_id, 'offer', 'Erbjudande om plats i förskoleklass',
                o.offer_sv || E'\n\nMotivering: ' || skolval._year_motivation(lr, c.child_id, c.unit_id, false),
                offer_id => o.offer_id);
      n_offers := n_offers + 1;
    ELSE
      a := skolval._year_amend(lr.round_id, c.child_id, c.unit_id, 'later_round', lr.decision_date,
             CASE WHEN c.current_unit_id IS NULL
                  THEN pg_catalog.format('Barnet placeras i förskoleklass vid %s från och med %s.', skolval._unit_name(c.unit_id), skolval.date_sv(lr.decision_date))
                  ELSE pg_catalog.format('Barnet placeras i förskoleklass vid %s i stället för vid %s från och med %s.', skolval._unit_name(c.unit_id),
                                         skolval._unit_name(c.current_unit_id), skolval.date_sv(lr.decision_date)) END,
             skolval._year_motivation(lr, c.child_id, c.unit_id, c.administrative),
             pg_catalog.jsonb_build_object('later_round_id', lr.later_round_id, 'administrative', c.administrative,
                                           'wishes', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('rank', x.rank, 'unit_id', x.unit_id,
                                                        'guaranteed', x.guaranteed, 'outcome', x.outcome, 'decisive', x.decisive_criterion) ORDER BY x.rank)
                                                        FROM skolval.later_round_wish x WHERE x.later_round_id = lr.later_round_id AND x.child_id = c.child_id)),
             later_round_id => lr.later_round_id, wish_rank => c.rank::smallint);
      IF c.current_unit_id IS NULL THEN n_placed := n_placed + 1; ELSE n_moved := n_moved + 1; END IF;
      IF c.administrative THEN n_admin := n_admin + 1; END IF;
    END IF;
  END LOOP;

  RAISE DEBUG 'run_later_round: decisions at % ms', (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t0) * 1000)::bigint;
  -- Waiting lists: a child that took part with wishes is now on the lists of the units it ranked
  -- above its result (none left when it got its first wish).
  UPDATE skolval.waiting_list wl SET left_at = pg_catalog.clock_timestamp(), left_reason = 'superseded'
   WHERE wl.round_id = lr.round_id AND wl.left_at IS NULL
     AND EXISTS (SELECT 1 FROM skolval.later_round_wish x WHERE x.later_round_id = lr.later_round_id AND x.child_id = wl.child_id
                    AND NOT x.guaranteed AND NOT x.implicit)
     AND NOT (wl.child_id = ANY (unplaced));
  INSERT INTO skolval.waiting_list (round_id, unit_id, child_id, wish_rank, priority_key, sibling_claim, submitted_at, source, later_round_id)
  SELECT lr.round_id, x.unit_id, x.child_id, x.rank, x.round_key, x.sibling_claim, x.submitted_at, 'later_round', lr.later_round_id
    FROM skolval.later_round_wish x
   WHERE x.later_round_id = lr.later_round_id AND x.outcome = 'rejected' AND NOT x.guaranteed AND NOT x.implicit
     AND NOT (x.child_id = ANY (unplaced));

  UPDATE skolval.year_application ya SET handled_at = pg_catalog.clock_timestamp(), handled_by_later_round_id = lr.later_round_id
   WHERE ya.application_id IN (SELECT (x->>'application_id')::bigint FROM pg_catalog.jsonb_array_elements(wif_all) x
                                WHERE x->'application_id' <> 'null'::jsonb)
     AND NOT (ya.child_id = ANY (unplaced));

  RAISE DEBUG 'run_later_round: waiting lists at % ms', (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t0) * 1000)::bigint;
  PERFORM skolval._year_position_letters(lr.round_id,
            ARRAY(SELECT DISTINCT x.child_id FROM skolval.later_round_wish x WHERE x.later_round_id = lr.later_round_id
                     AND x.outcome = 'rejected' AND NOT x.guaranteed AND NOT x.implicit));
  result := pg_catalog.jsonb_build_object(
    'children', (SELECT count(DISTINCT x.child_id) FROM skolval.later_round_wish x WHERE x.later_round_id = lr.later_round_id),
    'moved', n_moved, 'newly_placed', n_placed, 'administrative', n_admin, 'offers', n_offers,
    'unplaced', pg_catalog.cardinality(unplaced), 'unplaced_children', pg_catalog.to_jsonb(unplaced),
    'milliseconds', (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t0) * 1000)::bigint);
  UPDATE skolval.later_round l SET status = 'decided', decided_at = pg_catalog.clock_timestamp(), decided_by = skolval._acting_role(),
         summary = result
   WHERE l.later_round_id = lr.later_round_id;
  RETURN result;
END $$;
COMMENT ON FUNCTION skolval.run_later_round(bigint) IS
  'Run an open later round: deferred acceptance over the wishes in force (pending applications, else waiting lists) with every placed child''s current placement as its guaranteed last choice, so no placed child ends worse off and the result is stable for the wishes in force; in offer rounds over the free seats only, with offers. Children without a place and without a met wish get the nearest unit with a seat left. Writes amendments or offers with decisions, motivations and letters, renews waiting lists. Needs skolval_admin; refuses while offers are open';

-- ---------------------------------------------------------------------------------------
-- Offers
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._year_close_offer(o skolval.placement_offer, status text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE skolval.placement_offer x SET status = _year_close_offer.status, answered_at = pg_catalog.clock_timestamp()
   WHERE x.offer_id = o.offer_id;
  PERFORM skolval._year_record_letter(o.round_id, o.child_id, 'offer_answer',
            CASE _year_close_offer.status WHEN 'declined' THEN 'Ni har tackat nej till erbjudandet' ELSE 'Erbjudandet har gått ut' END,
            pg_catalog.format('%s Barnet behåller sin plats i förskoleklass vid %s. Den erbjudna platsen vid %s blir ledig.',
              CASE _year_close_offer.status WHEN 'declined' THEN 'Ni har tackat nej till erbjudandet.'
                   ELSE pg_catalog.format('Erbjudandet besvarades inte senast %s.', skolval.date_sv(o.answer_by)) END,
              skolval._unit_name(o.previous_unit_id), skolval._unit_name(o.unit_id)),
            offer_id => o.offer_id);
END $$;

CREATE OR REPLACE FUNCTION skolval.answer_offer(offer_id bigint, accept boolean, answered_on date DEFAULT CURRENT_DATE)
RETURNS skolval.placement_offer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  o skolval.placement_offer;
  lr skolval.later_round;
  cur bigint;
BEGIN
  PERFORM skolval._year_require_admin('record the answer to an offer');
  PERFORM skolval._year_not_null(ARRAY['offer_id', 'accept', 'answered_on'],
            ARRAY[answer_offer.offer_id IS NULL, answer_offer.accept IS NULL, answer_offer.answered_on IS NULL]);
  SELECT * INTO o FROM skolval.placement_offer x WHERE x.offer_id = answer_offer.offer_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'offer % does not exist', answer_offer.offer_id USING ERRCODE = 'no_data_found';
  END IF;
  IF o.status <> 'open' THEN
    RAISE EXCEPTION 'offer % is already %', o.offer_id, o.status USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  PERFORM 1 FROM skolval.school_year_settings s WHERE s.round_id = o.round_id FOR UPDATE;
  IF answer_offer.answered_on > o.answer_by THEN
    PERFORM skolval._year_close_offer(o, 'lapsed');
    SELECT * INTO o FROM skolval.placement_offer x WHERE x.offer_id = answer_offer.offer_id;
    RETURN o;    -- too late: the offer lapsed, the child keeps its place
  END IF;
  IF NOT answer_offer.accept THEN
    PERFORM skolval._year_close_offer(o, 'declined');
  ELSE
    SELECT cp.unit_id INTO cur FROM skolval.current_placement cp WHERE cp.round_id = o.round_id AND cp.child_id = o.child_id;
    IF cur IS DISTINCT FROM o.previous_unit_id THEN
      RAISE EXCEPTION 'offer %: the child''s placement changed since the offer was made', o.offer_id
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    SELECT * INTO lr FROM skolval.later_round l WHERE l.later_round_id = o.later_round_id;
    UPDATE skolval.placement_offer x SET status = 'accepted', answered_at = pg_catalog.clock_timestamp() WHERE x.offer_id = o.offer_id;
    PERFORM skolval._year_amend(o.round_id, o.child_id, o.unit_id, 'offer_accepted', answer_offer.answered_on,
              pg_catalog.format('Barnet placeras i förskoleklass vid %s i stället för vid %s från och med %s.', skolval._unit_name(o.unit_id),
                                skolval._unit_name(o.previous_unit_id), skolval.date_sv(answer_offer.answered_on)),
              'Vårdnadshavarna har tackat ja till erbjudandet. ' || skolval._year_motivation(lr, o.child_id, o.unit_id, false),
              pg_catalog.jsonb_build_object('offer_id', o.offer_id, 'later_round_id', o.later_round_id),
              later_round_id => o.later_round_id, offer_id => o.offer_id, wish_rank => o.wish_rank);
  END IF;
  SELECT * INTO o FROM skolval.placement_offer x WHERE x.offer_id = answer_offer.offer_id;
  RETURN o;
END $$;
COMMENT ON FUNCTION skolval.answer_offer(bigint, boolean, date) IS
  'Record the answer to an offer: accepting (by the answer date) moves the child (an amendment; the old seat is free), declining keeps the old place and frees the offered seat; an answer after the date lets the offer lapse. Needs skolval_admin';

CREATE OR REPLACE FUNCTION skolval.lapse_offers(round_id bigint, on_day date DEFAULT CURRENT_DATE) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  o skolval.placement_offer;
  n integer := 0;
BEGIN
  PERFORM skolval._year_require_admin('let offers lapse');
  IF lapse_offers.on_day IS NULL THEN
    RAISE EXCEPTION 'lapse_offers(): on_day must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM skolval._year_run(lapse_offers.round_id);
  FOR o IN SELECT * FROM skolval.placement_offer x WHERE x.round_id = lapse_offers.round_id AND x.status = 'open'
              AND x.answer_by < lapse_offers.on_day ORDER BY x.offer_id FOR UPDATE LOOP
    PERFORM skolval._year_close_offer(o, 'lapsed');
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;
COMMENT ON FUNCTION skolval.lapse_offers(bigint, date) IS
  'Let every open offer whose answer date is before on_day lapse (the children keep their places; a letter each). Returns how many. Needs skolval_admin';

-- ---------------------------------------------------------------------------------------
-- In-movers and late applications between rounds
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.place_between_rounds(application_id bigint, effective_date date DEFAULT CURRENT_DATE)
RETURNS skolval.placement_amendment
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  app skolval.year_application;
  s skolval.school_year_settings;
  r skolval.placement_round;
  cur bigint;
  w record;
  chosen_unit bigint;
  chosen_rank smallint;
  chosen_key double precision[];
  chosen_free integer;
  chosen_ahead integer;
  chosen_walk double precision;
  near_unit bigint;
  near_walk double precision;
  a skolval.placement_amendment;
  why text := '';
  near_home boolean;
BEGIN
  PERFORM skolval._year_require_admin('place a child between rounds');
  PERFORM skolval._year_not_null(ARRAY['application_id', 'effective_date'],
            ARRAY[place_between_rounds.application_id IS NULL, place_between_rounds.effective_date IS NULL]);
  SELECT * INTO app FROM skolval.year_application x WHERE x.application_id = place_between_rounds.application_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'application % does not exist', place_between_rounds.application_id USING ERRCODE = 'no_data_found';
  END IF;
  IF app.handled_at IS NOT NULL THEN
    RAISE EXCEPTION 'application % is already handled', app.application_id USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  PERFORM skolval._year_run(app.round_id);
  SELECT * INTO s FROM skolval.school_year_settings x WHERE x.round_id = app.round_id FOR UPDATE;
  IF app.kind = 'switch' THEN
    RAISE EXCEPTION 'application % is a switch application: it waits for the next switch round', app.application_id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF (app.kind = 'in_mover' AND s.in_movers <> 'place_now') OR (app.kind = 'late' AND s.late_applications <> 'place_now') THEN
    RAISE EXCEPTION 'the school year of round % keeps % applications for the next later round', app.round_id,
                    CASE app.kind WHEN 'late' THEN 'late' ELSE 'in-movers''' END
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'See skolval.set_school_year().';
  END IF;
  IF EXISTS (SELECT 1 FROM skolval.placement_offer x WHERE x.round_id = app.round_id AND x.child_id = app.child_id AND x.status = 'open') THEN
    RAISE EXCEPTION 'child % has an open offer', app.child_id USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = app.round_id;
  SELECT cp.unit_id INTO cur FROM skolval.current_placement cp WHERE cp.round_id = app.round_id AND cp.child_id = app.child_id;

  -- The round's rules among the free seats: the best wish with a seat free beyond the children
  -- waiting there with higher priority; those seats belong to them in the next later round.
  FOR w IN
    SELECT pr.rank, pr.unit_id, pr.key, pr.walking_m, o.free_seats,
           (SELECT count(*) FROM skolval.waiting_list wl WHERE wl.round_id = app.round_id AND wl.unit_id = pr.unit_id
               AND wl.left_at IS NULL AND wl.child_id <> app.child_id AND wl.priority_key < pr.key) AS ahead
      FROM skolval._year_priorities(app.round_id, pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
             'child_id', app.child_id, 'units', pg_catalog.to_jsonb(app.units), 'sibling_units', pg_catalog.to_jsonb(app.sibling_units),
             'submitted_at', app.submitted_at))) pr
      LEFT JOIN skolval.current_unit_occupancy o ON o.round_id = app.round_id AND o.unit_id = pr.unit_id
     WHERE NOT pr.implicit
       AND (cur IS NULL OR pg_catalog.array_position(app.units, cur) IS NULL OR pr.rank < pg_catalog.array_position(app.units, cur))
     ORDER BY pr.rank
  LOOP
    IF coalesce(w.free_seats, 0) > w.ahead THEN
      chosen_unit := w.unit_id; chosen_rank := w.rank; chosen_key := w.key;
      chosen_free := coalesce(w.free_seats, 0); chosen_ahead := w.ahead; chosen_walk := w.walking_m;
      EXIT;
    END IF;
    why := why || pg_catalog.format(' Önskemål %s, %s: ingen ledig plats%s.', w.rank, skolval._unit_name(w.unit_id),
             CASE WHEN coalesce(w.free_seats, 0) > 0 THEN pg_catalog.format(' (de %s lediga platserna tillfaller barn i kö med företräde)', w.free_seats) ELSE '' END);
  END LOOP;

  IF chosen_unit IS NULL AND cur IS NULL THEN
    -- No wish: the nearest unit with a free seat, near home where one has a seat.
    SELECT d.unit_id, d.walking_m INTO near_unit, near_walk
      FROM skolval.round_home h
      JOIN skolval.distance d ON d.network_id = h.network_id AND d.residence_id = h.residence_id AND d.status = 'ok'
      JOIN skolval.current_unit_occupancy o ON o.round_id = app.round_id AND o.unit_id = d.unit_id
     WHERE h.round_id = s.shadow_round_id AND h.child_id = app.child_id
       AND o.free_seats > (SELECT count(*) FROM skolval.waiting_list wl WHERE wl.round_id = app.round_id AND wl.unit_id = d.unit_id
                              AND wl.left_at IS NULL)
     ORDER BY d.walking_m, d.unit_id LIMIT 1;
    IF NOT FOUND THEN
      RETURN NULL;    -- no seat anywhere: the application waits for the next later round
    END IF;
    near_home := near_walk <= r.near_home_distance_m;
  END IF;

  IF chosen_unit IS NOT NULL OR near_unit IS NOT NULL THEN
    a := skolval._year_amend(app.round_id, app.child_id, coalesce(chosen_unit, near_unit), 'placed_between_rounds',
           place_between_rounds.effective_date,
           CASE WHEN cur IS NULL
                THEN pg_catalog.format('Barnet placeras i förskoleklass vid %s från och med %s.', skolval._unit_name(coalesce(chosen_unit, near_unit)),
                                       skolval.date_sv(place_between_rounds.effective_date))
                ELSE pg_catalog.format('Barnet placeras i förskoleklass vid %s i stället för vid %s från och med %s.',
                                       skolval._unit_name(chosen_unit), skolval._unit_name(cur), skolval.date_sv(place_between_rounds.effective_date)) END,
           pg_catalog.format('%s kom in efter huvudomgången och prövas mellan omgångarna med samma urvalsregler, bland de lediga platserna. '
                             'En ledig plats ges bara om inget barn i kö till skolan har företräde till den.',
                             CASE app.kind WHEN 'in_mover' THEN 'Barnet har flyttat till kommunen; ansökan' ELSE 'Ansökan' END)
           || why
           || CASE WHEN chosen_unit IS NOT NULL
                   THEN pg_catalog.format(' Önskemål %s, %s: ledig plats.', chosen_rank, skolval._unit_name(chosen_unit))
                   ELSE pg_catalog.format(' Inget önskemål kunde tillgodoses. Barnet placeras vid %s, %s (%s m gångväg).',
                          skolval._unit_name(near_unit),
                          CASE WHEN near_home THEN 'den närmaste skolan nära hemmet med ledig plats' ELSE 'den närmaste skolan med ledig plats' END,
                          pg_catalog.round(near_walk::numeric)) END,
           pg_catalog.jsonb_build_object('application_id', app.application_id, 'kind', app.kind, 'priority_key', chosen_key,
                                         'free_seats', chosen_free, 'waiting_ahead', chosen_ahead,
                                         'walking_m', coalesce(chosen_walk, near_walk), 'near_home', near_home),
           wish_rank => chosen_rank::smallint);
  END IF;

  -- The wishes above the placement become waiting-list entries.
  UPDATE skolval.waiting_list wl SET left_at = pg_catalog.clock_timestamp(), left_reason = 'superseded'
   WHERE wl.round_id = app.round_id AND wl.child_id = app.child_id AND wl.left_at IS NULL;
  INSERT INTO skolval.waiting_list (round_id, unit_id, child_id, wish_rank, priority_key, sibling_claim, submitted_at, source)
  SELECT app.round_id, pr.unit_id, app.child_id, pr.rank, pr.key, pr.unit_id = ANY (app.sibling_units), app.submitted_at, 'between_rounds'
    FROM skolval.placement_applications(s.shadow_round_id) pr
   WHERE pr.child_id = app.child_id AND NOT pr.implicit
     AND pr.rank < coalesce(chosen_rank, coalesce(pg_catalog.array_position(app.units, cur)::smallint, 32767));
  UPDATE skolval.year_application x SET handled_at = pg_catalog.clock_timestamp(), handled_amendment_id = a.amendment_id
   WHERE x.application_id = app.application_id AND (a.amendment_id IS NOT NULL OR cur IS NOT NULL);
  PERFORM skolval._year_position_letters(app.round_id, ARRAY[app.child_id]);
  RETURN a;
END $$;
COMMENT ON FUNCTION skolval.place_between_rounds(bigint, date) IS
  'Place an in-mover or a late applicant at once (when the school year''s settings say place_now): the best wish with a free seat that no child waiting there with higher priority is owed; otherwise, for a child without a place, the nearest unit with such a seat (near home where one has it). The wishes above the placement become waiting-list entries. Returns the amendment, or NULL when no seat is free (the application waits for the next later round). Needs skolval_admin; call year_prepare() and compute_distances() first';

-- ---------------------------------------------------------------------------------------
-- Capacity justification and appeals
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.set_capacity_justification(round_id bigint, unit_id bigint, rooms integer, class_size integer,
                                                             reference text, reason_sv text,
                                                             later_round_id bigint DEFAULT NULL)
RETURNS skolval.capacity_justification
LANGUAGE plpgsql SECURITY DEFINER AS $$
#variable_conflict use_column
DECLARE
  seats integer;
  j skolval.capacity_justification;
BEGIN
  PERFORM skolval._year_require_admin('record a capacity justification');
  PERFORM skolval._year_not_null(ARRAY['round_id', 'unit_id', 'reference', 'reason_sv'],
            ARRAY[set_capacity_justification.round_id IS NULL, set_capacity_justification.unit_id IS NULL,
                  set_capacity_justification.reference IS NULL, set_capacity_justification.reason_sv IS NULL]);
  SELECT rc.seats INTO seats FROM skolval.round_capacity rc
   WHERE rc.round_id = set_capacity_justification.round_id AND rc.unit_id = set_capacity_justification.unit_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unit % has no seats in round %: nothing to justify', set_capacity_justification.unit_id, set_capacity_justification.round_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF set_capacity_justification.later_round_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM skolval.later_round l WHERE l.later_round_id = set_capacity_justification.later_round_id
          AND l.round_id = set_capacity_justification.round_id) THEN
    RAISE EXCEPTION 'later round % is not a round of round %', set_capacity_justification.later_round_id, set_capacity_justification.round_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO skolval.capacity_justification (round_id, later_round_id, unit_id, seats, rooms, class_size, decision_reference,
                                              justification_sv, recorded_by)
  VALUES (set_capacity_justification.round_id, set_capacity_justification.later_round_id, set_capacity_justification.unit_id, seats,
          set_capacity_justification.rooms, set_capacity_justification.class_size, set_capacity_justification.reference,
          set_capacity_justification.reason_sv, skolval._acting_role())
  ON CONFLICT (round_id, coalesce(later_round_id, 0), unit_id)
  DO UPDATE SET seats = EXCLUDED.seats, rooms = EXCLUDED.rooms, class_size = EXCLUDED.class_size,
                decision_reference = EXCLUDED.decision_reference, justification_sv = EXCLUDED.justification_sv,
                recorded_at = pg_catalog.clock_timestamp(), recorded_by = EXCLUDED.recorded_by
  RETURNING * INTO j;
  RETURN j;
END $$;
COMMENT ON FUNCTION skolval.set_capacity_justification(bigint, bigint, integer, integer, text, text, bigint) IS
  'Record why a unit offers its seats in a round (the seats are the round''s capacity): rooms, class size, the decision''s reference and a justification in Swedish for appeal replies. Needs skolval_admin';

-- The route of an appeal of a child's placement, with the reason: a wish not met because the
-- unit was full under the round's criteria is a decision under 9 kap. 15 § andra stycket
-- (förvaltningsbesvär to ÖKN); a wish not met because another child's near-home claim came
-- first, a met wish, and everything else: laglighetsprövning.
CREATE OR REPLACE FUNCTION skolval._appeal_route(round_id bigint, child_id bigint, amendment_id bigint, wished_unit_id bigint,
                                                OUT route text, OUT reason_sv text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.placement_run := skolval._year_run(_appeal_route.round_id);
  decisive text;
  met boolean;
  a skolval.placement_amendment;
BEGIN
  IF _appeal_route.amendment_id IS NULL THEN
    SELECT pw.decisive_criterion, pw.outcome <> 'rejected' INTO decisive, met
      FROM skolval.placement_wish pw
     WHERE pw.run_id = run.run_id AND pw.child_id = _appeal_route.child_id
       AND (pw.unit_id = _appeal_route.wished_unit_id OR (_appeal_route.wished_unit_id IS NULL AND pw.outcome = 'rejected'))
     ORDER BY pw.rank LIMIT 1;
  ELSE
    SELECT * INTO a FROM skolval.placement_amendment x WHERE x.amendment_id = _appeal_route.amendment_id;
    IF a.later_round_id IS NOT NULL THEN
      SELECT lw.decisive_criterion, lw.outcome <> 'rejected' INTO decisive, met
        FROM skolval.later_round_wish lw
       WHERE lw.later_round_id = a.later_round_id AND lw.child_id = _appeal_route.child_id AND NOT lw.guaranteed
         AND (lw.unit_id = _appeal_route.wished_unit_id OR (_appeal_route.wished_unit_id IS NULL AND lw.outcome = 'rejected'))
       ORDER BY lw.rank LIMIT 1;
    END IF;
  END IF;
  IF decisive IS NULL OR met THEN
    route := 'laglighetsprovning';
    reason_sv := 'Beslutet avviker inte från ett önskemål av organisatoriska eller ekonomiska skäl; det kan prövas genom laglighetsprövning (13 kap. kommunallagen).';
  ELSIF decisive = 'near_home' THEN
    route := 'laglighetsprovning';
    reason_sv := 'Önskemålet kunde inte tillgodoses eftersom det skulle ha gått ut över andra barns berättigade krav på placering nära hemmet (9 kap. 15 § första stycket skollagen); beslutet prövas genom laglighetsprövning (13 kap. kommunallagen).';
  ELSE
    route := 'forvaltningsbesvar';
    reason_sv := 'Önskemålet kunde inte tillgodoses eftersom skolan var full (betydande organisatoriska eller ekonomiska svårigheter, 9 kap. 15 § andra stycket skollagen); beslutet överklagas till Skolväsendets överklagandenämnd (28 kap. 12 § 6 skollagen).';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION skolval.register_appeal(round_id bigint, child_id bigint, received_date date, delivered_date date DEFAULT NULL,
                                                  wished_unit_id bigint DEFAULT NULL, grounds_sv text DEFAULT NULL,
                                                  amendment_id bigint DEFAULT NULL)
RETURNS skolval.appeal
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  run skolval.placement_run;
  s skolval.school_year_settings;
  rt record;
  dl date;
  ap skolval.appeal;
  delivered date := register_appeal.delivered_date;
BEGIN
  PERFORM skolval._year_require_admin('register an appeal');
  PERFORM skolval._year_not_null(ARRAY['round_id', 'child_id', 'received_date'],
            ARRAY[register_appeal.round_id IS NULL, register_appeal.child_id IS NULL, register_appeal.received_date IS NULL]);
  IF register_appeal.received_date < delivered THEN
    RAISE EXCEPTION 'received_date % is before delivered_date %', register_appeal.received_date, delivered
      USING ERRCODE = 'invalid_parameter_value', DETAIL = pg_catalog.format('Appeal of child %s.', register_appeal.child_id);
  END IF;
  run := skolval._year_run(register_appeal.round_id);
  IF register_appeal.amendment_id IS NULL THEN
    IF NOT EXISTS (SELECT 1 FROM skolval.placement p WHERE p.run_id = run.run_id AND p.child_id = register_appeal.child_id) THEN
      RAISE EXCEPTION 'child % has no decision in the published run of round %', register_appeal.child_id, register_appeal.round_id
        USING ERRCODE = 'no_data_found', HINT = 'For a later decision give its amendment_id.';
    END IF;
  ELSIF NOT EXISTS (SELECT 1 FROM skolval.placement_amendment a WHERE a.amendment_id = register_appeal.amendment_id
                       AND a.round_id = register_appeal.round_id AND a.child_id = register_appeal.child_id) THEN
    RAISE EXCEPTION 'amendment % is not a decision about child % in round %', register_appeal.amendment_id,
                    register_appeal.child_id, register_appeal.round_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF delivered IS NULL THEN
    -- the delivery the decision outbox recorded: per guardian the first day it counts as
    -- delivered by any channel, and of those the latest (the time runs for each guardian from
    -- their own delivery; the latest never turns an appeal away that is on time for one of them)
    SELECT pg_catalog.max(x.first_on) INTO delivered
      FROM (SELECT o.guardian_id, pg_catalog.min(o.delivered_on) AS first_on
              FROM skolval.outbox o
             WHERE o.child_id = register_appeal.child_id
               AND CASE WHEN register_appeal.amendment_id IS NULL THEN o.run_id = run.run_id
                        ELSE o.letter_id IN (SELECT l.letter_id FROM skolval.year_letter l
                                              WHERE l.amendment_id = register_appeal.amendment_id) END
             GROUP BY o.guardian_id) x;
    IF delivered IS NULL THEN
      RAISE EXCEPTION 'the decision outbox has recorded no delivery of the decision appealed (child %, %)', register_appeal.child_id,
                      CASE WHEN register_appeal.amendment_id IS NULL THEN pg_catalog.format('run %s', run.run_id)
                           ELSE pg_catalog.format('amendment %s', register_appeal.amendment_id) END
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Give delivered_date (when the decision was delivered some other way), or record the delivery in the outbox first.';
    END IF;
    IF register_appeal.received_date < delivered THEN
      RAISE EXCEPTION 'received_date % is before the delivery % the outbox recorded', register_appeal.received_date, delivered
        USING ERRCODE = 'invalid_parameter_value', DETAIL = pg_catalog.format('Appeal of child %s.', register_appeal.child_id);
    END IF;
  END IF;
  INSERT INTO skolval.school_year_settings (round_id) VALUES (register_appeal.round_id) ON CONFLICT DO NOTHING;
  SELECT * INTO s FROM skolval.school_year_settings x WHERE x.round_id = register_appeal.round_id;
  SELECT * INTO rt FROM skolval._appeal_route(register_appeal.round_id, register_appeal.child_id, register_appeal.amendment_id,
                                              register_appeal.wished_unit_id);
  -- The last day moves past Saturdays, Sundays, public holidays, midsommarafton, julafton and
  -- nyårsafton (lag 1930:173), as the main round's appeal deadline (skolval.appeal_deadline) does.
  dl := delivered + s.appeal_days;
  WHILE NOT skolval.working_day(dl) LOOP
    dl := dl + 1;
  END LOOP;
  INSERT INTO skolval.appeal (round_id, child_id, run_id, amendment_id, wished_unit_id, received_date, delivered_date, deadline,
                              on_time, route, route_reason_sv, grounds_sv, registered_by)
  VALUES (register_appeal.round_id, register_appeal.child_id,
          CASE WHEN register_appeal.amendment_id IS NULL THEN run.run_id END, register_appeal.amendment_id,
          register_appeal.wished_unit_id, register_appeal.received_date, delivered, dl,
          register_appeal.received_date <= dl, rt.route, rt.reason_sv, register_appeal.grounds_sv, skolval._acting_role())
  RETURNING * INTO ap;
  PERFORM skolval._year_record_letter(ap.round_id, ap.child_id, 'appeal_received', 'Vi har tagit emot ert överklagande',
            pg_catalog.format('Ert överklagande kom in %s. %s %s Nämnden prövar först om beslutet ska ändras (omprövning).',
              skolval.date_sv(ap.received_date),
              CASE WHEN ap.on_time THEN pg_catalog.format('Det kom in i tid (sista dag var %s).', skolval.date_sv(ap.deadline))
                   ELSE pg_catalog.format('Det kom in för sent (sista dag var %s) och kommer att avvisas om inte beslutet ändras vid omprövning.', skolval.date_sv(ap.deadline)) END,
              ap.route_reason_sv),
            appeal_id => ap.appeal_id);
  RETURN ap;
END $$;
COMMENT ON FUNCTION skolval.register_appeal(bigint, bigint, date, date, bigint, text, bigint) IS
  'Register an appeal of a placement decision (the published run''s, or an amendment''s): on time when received by the delivery date (delivered_date NULL: the one the decision outbox recorded, per guardian the first day delivered by any channel and of those the latest; an error when it recorded none) + the appeal period (moved to the next weekday); the route from the decisive criterion at the wished unit (förvaltningsbesvär to Skolväsendets överklagandenämnd for a full unit under 9 kap. 15 § andra stycket, laglighetsprövning otherwise). Writes an acknowledgement letter. Needs skolval_admin';

CREATE OR REPLACE FUNCTION skolval.review_appeal(appeal_id bigint, change boolean, review_date date, new_unit_id bigint DEFAULT NULL)
RETURNS skolval.appeal
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  ap skolval.appeal;
  free integer;
BEGIN
  PERFORM skolval._year_require_admin('review an appeal');
  PERFORM skolval._year_not_null(ARRAY['appeal_id', 'change', 'review_date'],
            ARRAY[review_appeal.appeal_id IS NULL, review_appeal.change IS NULL, review_appeal.review_date IS NULL]);
  SELECT * INTO ap FROM skolval.appeal x WHERE x.appeal_id = review_appeal.appeal_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'appeal % does not exist', review_appeal.appeal_id USING ERRCODE = 'no_data_found';
  END IF;
  IF ap.review_outcome IS NOT NULL OR ap.outcome <> 'pending' THEN
    RAISE EXCEPTION 'appeal % is already reviewed', ap.appeal_id USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF review_appeal.change THEN
    IF review_appeal.new_unit_id IS NULL THEN
      RAISE EXCEPTION 'review of appeal %: a changed decision needs new_unit_id', ap.appeal_id USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT o.free_seats INTO free FROM skolval.current_unit_occupancy o WHERE o.round_id = ap.round_id AND o.unit_id = review_appeal.new_unit_id;
    IF coalesce(free, 0) < 1 THEN
      RAISE EXCEPTION 'review of appeal %: unit % has no free seat; the board''s own review places within capacity', ap.appeal_id,
                      review_appeal.new_unit_id
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM skolval._year_amend(ap.round_id, ap.child_id, review_appeal.new_unit_id, 'reconsidered', review_appeal.review_date,
              pg_catalog.format('Vid omprövning ändras beslutet: barnet placeras i förskoleklass vid %s från och med %s.',
                                skolval._unit_name(review_appeal.new_unit_id), skolval.date_sv(review_appeal.review_date)),
              'Nämnden har omprövat beslutet (39 § förvaltningslagen) och funnit att det ska ändras; skolan har en ledig plats.',
              pg_catalog.jsonb_build_object('appeal_id', ap.appeal_id), appeal_id => ap.appeal_id);
    UPDATE skolval.appeal x SET review_outcome = 'changed', review_date = review_appeal.review_date, outcome = 'resolved_by_review',
                                outcome_date = review_appeal.review_date
     WHERE x.appeal_id = ap.appeal_id RETURNING * INTO ap;
  ELSE
    UPDATE skolval.appeal x SET review_outcome = 'unchanged', review_date = review_appeal.review_date,
           forwarded_date = CASE WHEN x.on_time THEN review_appeal.review_date END,
           outcome = CASE WHEN x.on_time THEN 'pending' ELSE 'dismissed_late' END,
           outcome_date = CASE WHEN x.on_time THEN NULL ELSE review_appeal.review_date END
     WHERE x.appeal_id = ap.appeal_id RETURNING * INTO ap;
    PERFORM skolval._year_record_letter(ap.round_id, ap.child_id, 'appeal_review', 'Omprövning av beslutet',
              CASE WHEN ap.on_time
                   THEN pg_catalog.format('Nämnden har omprövat beslutet och ändrar det inte. Överklagandet har skickats vidare till %s %s.',
                          CASE ap.route WHEN 'forvaltningsbesvar' THEN 'Skolväsendets överklagandenämnd' ELSE 'förvaltningsrätten' END,
                          skolval.date_sv(review_appeal.review_date))
                   ELSE pg_catalog.format('Nämnden har omprövat beslutet och ändrar det inte. Överklagandet kom in för sent (sista dag var %s) och avvisas (45 § förvaltningslagen).',
                          skolval.date_sv(ap.deadline)) END,
              appeal_id => ap.appeal_id);
  END IF;
  RETURN ap;
END $$;
COMMENT ON FUNCTION skolval.review_appeal(bigint, boolean, date, bigint) IS
  'The board''s own review (omprövning) of an appealed decision: change it (an amendment within capacity; the appeal is resolved) or not (an appeal on time goes on to the appeal body, a late one is dismissed). Needs skolval_admin';

CREATE OR REPLACE FUNCTION skolval.record_appeal_outcome(appeal_id bigint, outcome text, outcome_date date, reference text DEFAULT NULL,
                                                        ordered_unit_id bigint DEFAULT NULL)
RETURNS skolval.appeal
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  ap skolval.appeal;
  unit bigint;
  o skolval.current_unit_occupancy;
  a skolval.placement_amendment;
BEGIN
  PERFORM skolval._year_require_admin('record the outcome of an appeal');
  PERFORM skolval._year_not_null(ARRAY['appeal_id', 'outcome', 'outcome_date'],
            ARRAY[record_appeal_outcome.appeal_id IS NULL, record_appeal_outcome.outcome IS NULL, record_appeal_outcome.outcome_date IS NULL]);
  IF record_appeal_outcome.outcome NOT IN ('rejected', 'ordered_place', 'quashed_returned', 'withdrawn') THEN
    RAISE EXCEPTION 'unknown appeal outcome "%"', record_appeal_outcome.outcome
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use rejected, ordered_place, quashed_returned or withdrawn.';
  END IF;
  SELECT * INTO ap FROM skolval.appeal x WHERE x.appeal_id = record_appeal_outcome.appeal_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'appeal % does not exist', record_appeal_outcome.appeal_id USING ERRCODE = 'no_data_found';
  END IF;
  IF ap.outcome <> 'pending' THEN
    RAISE EXCEPTION 'appeal % already has the outcome %', ap.appeal_id, ap.outcome USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF record_appeal_outcome.outcome = 'ordered_place' THEN
    unit := coalesce(record_appeal_outcome.ordered_unit_id, ap.wished_unit_id);
    IF unit IS NULL THEN
      RAISE EXCEPTION 'appeal %: an ordered place needs ordered_unit_id (the appeal names no wished unit)', ap.appeal_id
        USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM 1 FROM skolval.school_year_settings s WHERE s.round_id = ap.round_id FOR UPDATE;
    SELECT * INTO o FROM skolval.current_unit_occupancy x WHERE x.round_id = ap.round_id AND x.unit_id = unit;
    -- An ordered place displaces nobody: above capacity when the unit is full.
    a := skolval._year_amend(ap.round_id, ap.child_id, unit, 'ordered_place', record_appeal_outcome.outcome_date,
           pg_catalog.format('Barnet placeras i förskoleklass vid %s från och med %s enligt beslut av %s%s.',
                             skolval._unit_name(unit), skolval.date_sv(record_appeal_outcome.outcome_date),
                             CASE ap.route WHEN 'forvaltningsbesvar' THEN 'Skolväsendets överklagandenämnd' ELSE 'förvaltningsrätten' END,
                             CASE WHEN record_appeal_outcome.reference IS NOT NULL THEN ' (' || record_appeal_outcome.reference || ')' ELSE '' END),
           'Överinstansen har upphävt kommunens beslut och förordnat att barnet ska placeras vid skolan. Platsen ges utöver skolans kapacitet '
           || 'när skolan är full; inget annat barn förlorar sin plats.',
           pg_catalog.jsonb_build_object('appeal_id', ap.appeal_id, 'reference', record_appeal_outcome.reference,
                                         'placed_before', coalesce(o.placed, 0), 'seats', coalesce(o.seats, 0)),
           appeal_id => ap.appeal_id, above_capacity => coalesce(o.placed + o.open_offers, 0) >= coalesce(o.seats, 0));
  END IF;
  UPDATE skolval.appeal x SET outcome = record_appeal_outcome.outcome, outcome_date = record_appeal_outcome.outcome_date,
                              outcome_reference = record_appeal_outcome.reference
   WHERE x.appeal_id = ap.appeal_id RETURNING * INTO ap;
  RETURN ap;
END $$;
COMMENT ON FUNCTION skolval.record_appeal_outcome(bigint, text, date, text, bigint) IS
  'Record the appeal body''s outcome: rejected, quashed_returned, withdrawn, or ordered_place, which places the child at the ordered unit (default the wished unit) by an amendment flagged above_capacity when the unit is full: it displaces nobody. Needs skolval_admin';

CREATE OR REPLACE FUNCTION skolval.appeal_draft_reply(appeal_id bigint) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
  ap skolval.appeal;
  r skolval.placement_round;
  decision text;
  motivation text;
  unit bigint;
  cut text;
  j skolval.capacity_justification;
  seats integer;
  t text;
BEGIN
  PERFORM skolval._year_require_admin('draft an appeal reply');
  PERFORM skolval._year_not_null(ARRAY['appeal_id'], ARRAY[appeal_draft_reply.appeal_id IS NULL]);
  SELECT * INTO ap FROM skolval.appeal x WHERE x.appeal_id = appeal_draft_reply.appeal_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'appeal % does not exist', appeal_draft_reply.appeal_id USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = ap.round_id;
  IF ap.amendment_id IS NULL THEN
    SELECT p.decision_sv, p.motivation_sv INTO decision, motivation FROM skolval.placement p WHERE p.run_id = ap.run_id AND p.child_id = ap.child_id;
  ELSE
    SELECT a.decision_sv, a.motivation_sv INTO decision, motivation FROM skolval.placement_amendment a WHERE a.amendment_id = ap.amendment_id;
  END IF;
  unit := coalesce(ap.wished_unit_id, (SELECT pw.unit_id FROM skolval.placement_wish pw WHERE pw.run_id = ap.run_id AND pw.child_id = ap.child_id
                                          AND pw.outcome = 'rejected' ORDER BY pw.rank LIMIT 1));
  SELECT s.cutoff_sv INTO cut FROM skolval.placement_unit_stats s
   WHERE s.run_id = (SELECT x.run_id FROM skolval.placement_run x WHERE x.round_id = ap.round_id AND x.status = 'published') AND s.unit_id = unit;
  SELECT * INTO j FROM skolval.capacity_justification x WHERE x.round_id = ap.round_id AND x.unit_id = unit
   ORDER BY x.later_round_id DESC NULLS LAST LIMIT 1;
  SELECT rc.seats INTO seats FROM skolval.round_capacity rc WHERE rc.round_id = ap.round_id AND rc.unit_id = unit;
  t := pg_catalog.format(E'YTTRANDE (utkast) till %s\n\nÄrende: överklagande av beslut om placering i förskoleklass, %s.\n'
                         'Överklagandet kom in %s; beslutet delgavs %s; sista dag för överklagande var %s. Överklagandet kom in %s.\n\n',
         CASE ap.route WHEN 'forvaltningsbesvar' THEN 'Skolväsendets överklagandenämnd' ELSE 'förvaltningsrätten' END,
         r.name, skolval.date_sv(ap.received_date), skolval.date_sv(ap.delivered_date), skolval.date_sv(ap.deadline),
         CASE WHEN ap.on_time THEN 'i rätt tid' ELSE 'för sent' END);
  t := t || E'Det överklagade beslutet: ' || coalesce(decision, '(saknas)') || E'\n\nMotivering i beslutet: ' || coalesce(motivation, '(saknas)') || E'\n\n';
  IF unit IS NOT NULL THEN
    t := t || pg_catalog.format(E'Den önskade skolan: %s, %s platser i omgången. ', skolval._unit_name(unit), coalesce(seats::text, 'inga'));
    t := t || coalesce('Gränsvärde (sist antagna barnet): ' || cut || E'\n\n', E'Skolan hade inget gränsvärde: alla sökande antogs.\n\n');
    IF j.justification_id IS NOT NULL THEN
      t := t || pg_catalog.format(E'Skälen för skolans kapacitet: %s Lokaler: %s klassrum; beslutad klasstorlek: %s elever; beslut: %s.\n\n',
                 j.justification_sv, coalesce(j.rooms::text, 'uppgift saknas'), coalesce(j.class_size::text, 'uppgift saknas'), j.decision_reference);
    ELSE
      t := t || E'OBS: Ingen kapacitetsmotivering är registrerad för skolan i omgången. Utan en redovisning av varför skolan inte kan ta emot fler '
                'barn riskerar kommunen att beslutet upphävs (kommunen har då "inte visat" betydande organisatoriska eller ekonomiska svårigheter). '
                E'Registrera den med skolval.set_capacity_justification().\n\n';
    END IF;
  END IF;
  t := t || 'Grund för överprövningen: ' || ap.route_reason_sv || E'\n\nKommunen anser att beslutet ska stå fast.';
  RETURN t;
END $$;
COMMENT ON FUNCTION skolval.appeal_draft_reply(bigint) IS
  'A draft reply (yttrande) to the appeal body in Swedish: the dates and whether the appeal is on time, the decision and its stored motivation, the wished unit''s seats and cut-off (withheld for protected identity) and its capacity justification (or a warning that none is recorded), and the route. Needs skolval_admin';

-- ---------------------------------------------------------------------------------------
-- Export to the student register
-- ---------------------------------------------------------------------------------------

-- A stable pseudonymous UUID for an object (never the personal identity number).
CREATE OR REPLACE FUNCTION skolval.export_uuid(kind text, id bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.md5('skolval:' OPERATOR(pg_catalog.||) kind OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) id::text)::uuid;
COMMENT ON FUNCTION skolval.export_uuid(text, bigint) IS 'A stable UUID for a child, unit or placement in exports (md5 of kind and internal id; reveals no identity)';

CREATE OR REPLACE FUNCTION skolval.current_placement_csv(round_id bigint) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
  r skolval.placement_round;
BEGIN
  PERFORM skolval._year_require_admin('export placements');
  PERFORM skolval._year_run(current_placement_csv.round_id);
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = current_placement_csv.round_id;
  RETURN 'placement_id;child_id;personal_number;given_name;family_name;protected_identity;unit_code;unit_name;school_form;start_date;since;source;amendment_id'
         || E'\n' || coalesce((
    SELECT pg_catalog.string_agg(pg_catalog.concat_ws(';',
             skolval.export_uuid(CASE WHEN cp.amendment_id IS NULL THEN 'run:' || cp.run_id ELSE 'amendment' END, coalesce(cp.amendment_id, cp.child_id)),
             skolval.export_uuid('child', cp.child_id),
             CASE WHEN c.protected_identity THEN '' ELSE c.personal_number END,
             CASE WHEN c.protected_identity THEN '' ELSE pg_catalog.replace(coalesce(c.given_name, ''), ';', ',') END,
             CASE WHEN c.protected_identity THEN '' ELSE pg_catalog.replace(coalesce(c.family_name, ''), ';', ',') END,
             CASE WHEN c.protected_identity THEN 'true' ELSE 'false' END,
             pg_catalog.replace(u.unit_code, ';', ','), pg_catalog.replace(u.name, ';', ','), r.school_form::text,
             GREATEST(r.start_date, cp.since)::text, cp.since::text, cp.source, coalesce(cp.amendment_id::text, '')),
           E'\n' ORDER BY u.unit_code, cp.child_id)
      FROM skolval.current_placement cp
      JOIN skolval.child c ON c.child_id = cp.child_id
      JOIN skolval.unit u ON u.unit_id = cp.unit_id
     WHERE cp.round_id = current_placement_csv.round_id) || E'\n', '');
END $$;
COMMENT ON FUNCTION skolval.current_placement_csv(bigint) IS
  'The current placements of a school year as CSV for the student register (layout in doc/school-year.md): one line per child, semicolon-separated, with a header; identity empty for protected identity. Needs skolval_admin';

CREATE OR REPLACE FUNCTION skolval.current_placement_ss12000(round_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
  r skolval.placement_round;
BEGIN
  PERFORM skolval._year_require_admin('export placements');
  PERFORM skolval._year_run(current_placement_ss12000.round_id);
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = current_placement_ss12000.round_id;
  RETURN pg_catalog.jsonb_build_object('data', coalesce((
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'id', skolval.export_uuid(CASE WHEN cp.amendment_id IS NULL THEN 'run:' || cp.run_id ELSE 'amendment' END, coalesce(cp.amendment_id, cp.child_id)),
             'placedAt', pg_catalog.jsonb_build_object('id', skolval.export_uuid('unit', cp.unit_id), 'displayName', u.name),
             'child', pg_catalog.jsonb_build_object('id', skolval.export_uuid('child', cp.child_id)),
             'schoolType', CASE r.school_form::text WHEN 'forskoleklass' THEN 'FKLASS' WHEN 'grundskola' THEN 'GR'
                                                     WHEN 'forskola' THEN 'FS' WHEN 'fritidshem' THEN 'FTH' ELSE r.school_form::text END,
             'startDate', GREATEST(r.start_date, cp.since),
             'meta', pg_catalog.jsonb_build_object('created', cp.since, 'modified', cp.since),
             '_skolval', pg_catalog.jsonb_build_object('unitCode', u.unit_code, 'source', cp.source, 'amendmentId', cp.amendment_id))
           ORDER BY u.unit_code, cp.child_id)
      FROM skolval.current_placement cp
      JOIN skolval.unit u ON u.unit_id = cp.unit_id
     WHERE cp.round_id = current_placement_ss12000.round_id), '[]'::jsonb),
    'pageToken', NULL);
END $$;
COMMENT ON FUNCTION skolval.current_placement_ss12000(bigint) IS
  'The current placements shaped like SS 12000''s Placements list ({"data": [{id, placedAt, child, schoolType, startDate, meta}]}): children and units by stable UUIDs only (identity travels in the register''s Persons, never here). Needs skolval_admin';

-- The year's internal round is never allocated: its wishes are rewritten by every later round.
CREATE OR REPLACE FUNCTION skolval._year_shadow_never_allocated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM skolval.school_year_settings s WHERE s.shadow_round_id = NEW.round_id) THEN
    RAISE EXCEPTION 'round % is the internal round of a school year and cannot be allocated', NEW.round_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Later rounds of the year are run with skolval.run_later_round().';
  END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER placement_run_not_of_school_year_shadow BEFORE INSERT ON skolval.placement_run
  FOR EACH ROW EXECUTE FUNCTION skolval._year_shadow_never_allocated();

-- ---------------------------------------------------------------------------------------
-- Waiting-list positions for the family (when the municipality wants it)
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.waiting_list_positions_sv(round_id bigint, child_id bigint) RETURNS text
LANGUAGE sql STABLE
RETURN (SELECT 'Ert barn står i kö till ' || pg_catalog.string_agg(pg_catalog.format('%s (plats %s av %s)', u.name, p.position, p.waiting),
                                                                   ', ' ORDER BY p.wish_rank, u.name) || '.'
          FROM skolval.waiting_list_position p JOIN skolval.unit u ON u.unit_id OPERATOR(pg_catalog.=) p.unit_id
         WHERE p.round_id OPERATOR(pg_catalog.=) waiting_list_positions_sv.round_id
           AND p.child_id OPERATOR(pg_catalog.=) waiting_list_positions_sv.child_id);
COMMENT ON FUNCTION skolval.waiting_list_positions_sv(bigint, bigint) IS
  'The child''s waiting-list positions in Swedish ("Ert barn står i kö till X (plats 3 av 12)."), NULL when it waits nowhere';

-- Letters with the positions, for the given children, when the year's settings say so.
CREATE OR REPLACE FUNCTION skolval._year_position_letters(round_id bigint, children bigint[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  n integer := 0;
  c bigint;
  t text;
BEGIN
  IF NOT coalesce((SELECT s.show_position_to_family FROM skolval.school_year_settings s WHERE s.round_id = _year_position_letters.round_id), false) THEN
    RETURN 0;
  END IF;
  FOREACH c IN ARRAY coalesce(_year_position_letters.children, '{}') LOOP
    t := skolval.waiting_list_positions_sv(_year_position_letters.round_id, c);
    IF t IS NOT NULL THEN
      PERFORM skolval._year_record_letter(_year_position_letters.round_id, c, 'waiting_list', 'Ert barns plats i kön',
                t || ' Platsen i kön bestäms av samma urvalsregler som placeringen och kan ändras när andra barn söker eller lämnar kön.');
      n := n + 1;
    END IF;
  END LOOP;
  RETURN n;
END $$;

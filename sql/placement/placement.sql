-- skolval: placement — frozen runs, priorities from the round's criteria, allocate(), publish(),
-- decisions and cut-offs.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- Published runs are immutable: their rows can be neither changed nor deleted, and nothing can
-- be added to them. Statement triggers with transition tables keep a 600,000-row insert cheap.
CREATE OR REPLACE FUNCTION skolval._placement_run_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'published' THEN
    RAISE EXCEPTION 'placement run % is published and cannot be changed or deleted', OLD.run_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Make a new run; skolval.placement_run_difference shows how it differs from the published one.';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE OR REPLACE TRIGGER placement_run_frozen BEFORE UPDATE OR DELETE ON skolval.placement_run
  FOR EACH ROW EXECUTE FUNCTION skolval._placement_run_frozen();

CREATE OR REPLACE FUNCTION skolval._placement_rows_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  rid bigint;
BEGIN
  SELECT c.run_id INTO rid FROM changed c JOIN skolval.placement_run r ON r.run_id = c.run_id
   WHERE r.status = 'published' LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'placement run % is published and cannot be changed or deleted', rid
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Make a new run; skolval.placement_run_difference shows how it differs from the published one.';
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER placement_frozen_insert AFTER INSERT ON skolval.placement
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE OR REPLACE TRIGGER placement_frozen_update AFTER UPDATE ON skolval.placement
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE OR REPLACE TRIGGER placement_frozen_delete AFTER DELETE ON skolval.placement
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE OR REPLACE TRIGGER placement_wish_frozen_insert AFTER INSERT ON skolval.placement_wish
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE OR REPLACE TRIGGER placement_wish_frozen_update AFTER UPDATE ON skolval.placement_wish
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE OR REPLACE TRIGGER placement_wish_frozen_delete AFTER DELETE ON skolval.placement_wish
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE OR REPLACE TRIGGER placement_unit_frozen_insert AFTER INSERT ON skolval.placement_unit
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE OR REPLACE TRIGGER placement_unit_frozen_update AFTER UPDATE ON skolval.placement_unit
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();
CREATE OR REPLACE TRIGGER placement_unit_frozen_delete AFTER DELETE ON skolval.placement_unit
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION skolval._placement_rows_frozen();

-- ---------------------------------------------------------------------------------------
-- Criteria in Swedish
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.criterion_sv(criterion text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE criterion
         WHEN 'near_home' THEN 'skola nära hemmet'
         WHEN 'active_choice' THEN 'aktivt val'
         WHEN 'sibling' THEN 'syskonförtur'
         WHEN 'relative_proximity' THEN 'relativ närhet'
         WHEN 'distance' THEN 'gångavstånd'
         WHEN 'lottery' THEN 'lottning'
         WHEN 'free_seat' THEN 'lediga platser'
         WHEN 'administrative' THEN 'placering nära hemmet där plats fanns' END $$;
COMMENT ON FUNCTION skolval.criterion_sv(text) IS 'The Swedish name of a placement criterion, as used in decisions';

-- A criterion's value as a guardian reads it: "ja"/"nej", metres, a lottery number.
CREATE OR REPLACE FUNCTION skolval.criterion_value_sv(criterion text, value double precision) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE
         WHEN criterion IN ('near_home', 'active_choice', 'sibling') THEN CASE WHEN value > 0 THEN 'ja' ELSE 'nej' END
         WHEN criterion IN ('relative_proximity', 'distance')
           THEN pg_catalog.regexp_replace(round(value::numeric)::text, '(\d)(?=(\d{3})+$)', '\1 ', 'g') || ' m'
         WHEN criterion = 'lottery' THEN pg_catalog.replace(pg_catalog.to_char(value, 'FM0.000000'), '.', ',')
       END $$;
COMMENT ON FUNCTION skolval.criterion_value_sv(text, double precision) IS
  'A criterion value in Swedish: ja/nej for near_home, active_choice and sibling, metres for relative_proximity and distance, the number for lottery';

CREATE OR REPLACE FUNCTION skolval.criterion_rule_sv(criterion text, near_home_distance_m double precision DEFAULT 2000) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE criterion
         WHEN 'near_home' THEN 'barn som har skolan nära hemmet (en kommunal skola inom '
                               || skolval.criterion_value_sv('distance', near_home_distance_m)
                               || ' gångväg, eller den närmaste kommunala skolan när ingen ligger så nära) går före'
         WHEN 'active_choice' THEN 'barn vars vårdnadshavare har gjort ett aktivt skolval går före'
         WHEN 'sibling' THEN 'barn som har ett syskon på samma adress i förskoleklass till årskurs 3 på skolan går före'
         WHEN 'relative_proximity' THEN 'barn med större relativ närhet (hur mycket längre gångvägen är till den skola som annars ligger närmast) går före'
         WHEN 'distance' THEN 'barn med kortare gångväg går före'
         WHEN 'lottery' THEN 'lägre lottnummer går före' END $$;
COMMENT ON FUNCTION skolval.criterion_rule_sv(text, double precision) IS 'The rule a criterion applies, in Swedish, for decision motivations';

CREATE OR REPLACE FUNCTION skolval.date_sv(d date) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT extract(day FROM d)::int || ' ' ||
               (ARRAY['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti',
                      'september', 'oktober', 'november', 'december'])[extract(month FROM d)::int]
               || ' ' || extract(year FROM d)::int $$;
COMMENT ON FUNCTION skolval.date_sv(date) IS 'A date written out in Swedish, for example "16 augusti 2027"';

CREATE OR REPLACE FUNCTION skolval._seats_sv(n integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT n || CASE WHEN n = 1 THEN ' plats' ELSE ' platser' END $$;

-- The first position where two priority keys differ (1-based), NULL when equal.
CREATE OR REPLACE FUNCTION skolval._key_difference(a double precision[], b double precision[]) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT min(i) FROM pg_catalog.generate_subscripts(a, 1) i WHERE a[i] IS DISTINCT FROM b[i] $$;

-- Values per criterion as JSON, from the natural values of an application.
CREATE OR REPLACE FUNCTION skolval._criteria_json(crit text[], near_home integer, active_choice integer, sibling integer,
                                       rn double precision, walking_m double precision, lottery double precision)
RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.jsonb_object_agg(c, CASE c
           WHEN 'near_home' THEN to_jsonb(near_home = 1) WHEN 'active_choice' THEN to_jsonb(active_choice = 1)
           WHEN 'sibling' THEN to_jsonb(sibling = 1) WHEN 'relative_proximity' THEN to_jsonb(round(rn::numeric, 1))
           WHEN 'distance' THEN to_jsonb(round(walking_m::numeric, 1)) WHEN 'lottery' THEN to_jsonb(lottery) END)
    FROM unnest(crit) c
$$;

-- A child's natural value on one criterion (1/0 for yes/no criteria, metres, the lottery number).
CREATE OR REPLACE FUNCTION skolval._criterion_value(criterion text, near_home integer, active_choice integer, sibling integer,
                                         rn double precision, walking_m double precision, lottery double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE criterion
           WHEN 'near_home' THEN near_home WHEN 'active_choice' THEN active_choice WHEN 'sibling' THEN sibling
           WHEN 'relative_proximity' THEN rn WHEN 'distance' THEN walking_m WHEN 'lottery' THEN lottery END
$$;

CREATE OR REPLACE FUNCTION skolval._criteria_sv(crit text[], near_home integer, active_choice integer, sibling integer,
                                     rn double precision, walking_m double precision, lottery double precision)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.string_agg(skolval.criterion_sv(c) || ' ' || skolval.criterion_value_sv(c,
           skolval._criterion_value(c, near_home, active_choice, sibling, rn, walking_m, lottery)), ', ' ORDER BY o)
    FROM unnest(crit) WITH ORDINALITY x(c, o)
$$;

-- ---------------------------------------------------------------------------------------
-- The C core (src/placement): arrays in, arrays out, 0-based indexes, -1 for none
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._match(mechanism text, capacity integer[], wish_start integer[], wish_unit integer[],
                               n_keys integer, wish_key double precision[],
                               OUT assigned_wish integer[], OUT last_admitted_wish integer[],
                               OUT first_rejected_wish integer[], OUT applicants integer[], OUT admitted integer[])
  LANGUAGE c IMMUTABLE STRICT
  AS 'MODULE_PATHNAME', 'skolval_allocate';
COMMENT ON FUNCTION skolval._match(text, integer[], integer[], integer[], integer, double precision[]) IS
  'skolval_allocate(): the matching in C. Children''s wishes in rank order (CSR: wish_start, wish_unit), seats per unit, and per wish the child''s priority key at the unit (n_keys numbers, lower first). Returns the wish each child obtained and each unit''s last admitted and first rejected wish';

CREATE OR REPLACE FUNCTION skolval._admin_place(policy text, seats_left integer[], cand_start integer[], cand_unit integer[],
                                     cand_cost double precision[], child_order double precision[],
                                     OUT assigned_cand integer[], OUT total_cost double precision)
  LANGUAGE c IMMUTABLE STRICT
  AS 'MODULE_PATHNAME', 'skolval_admin_place';
COMMENT ON FUNCTION skolval._admin_place(text, integer[], integer[], integer[], double precision[], double precision[]) IS
  'Administrative placement in C: min_cost (least total walking under the seats left) or nearest_free (in child_order, the cheapest candidate with a seat left)';

-- ---------------------------------------------------------------------------------------
-- allocate()
-- ---------------------------------------------------------------------------------------

-- Check that a round can be allocated and build _sv_app: one row per application (explicit
-- wishes, and for a child without wishes an implicit application to its nearest municipal
-- unit) with the child's value on every criterion and its priority key.
CREATE OR REPLACE FUNCTION skolval._placement_applications(r skolval.placement_round) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  on_day date := coalesce(r.cohort_date, r.start_date);
  nid bigint := skolval.active_network_id();
  n bigint;
  ids text;
  key_sql text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM skolval.round_capacity c WHERE c.round_id = r.round_id) THEN
    RAISE EXCEPTION 'round "%" has no capacities', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Insert the seats of every unit into skolval.round_capacity.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM skolval.round_cohort c WHERE c.round_id = r.round_id) THEN
    RAISE EXCEPTION 'round "%" has no cohort', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Run skolval.round_fill_cohort(round_id).';
  END IF;
  -- Every child must have been measured on the active network.
  SELECT count(*), string_agg(c.child_id::text, ', ' ORDER BY c.child_id) FILTER (WHERE c.rn <= 20)
    INTO n, ids
    FROM (SELECT c.child_id, row_number() OVER (ORDER BY c.child_id) AS rn
            FROM skolval.round_cohort c
            LEFT JOIN skolval.round_home h ON h.round_id = c.round_id AND h.child_id = c.child_id
           WHERE c.round_id = r.round_id
             AND (h.child_id IS NULL OR h.residence_id IS NULL OR h.network_id IS DISTINCT FROM nid)) c;
  IF n > 0 THEN
    RAISE EXCEPTION 'distances are missing for % children of round "%"', n, r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Children ' || ids || CASE WHEN n > 20 THEN ' and more' ELSE '' END || '.',
            HINT = pg_catalog.format('Run skolval.compute_distances(%s) on the active network and resolve its data issues.', r.round_id);
  END IF;

  -- Nearest and second-nearest municipal units, once, for the implicit applications and RN.
  PERFORM skolval._drop_temp('_sv_near');
  CREATE TEMP TABLE _sv_near AS
    SELECT * FROM skolval.child_nearest_unit n WHERE n.round_id = r.round_id;
  CREATE UNIQUE INDEX ON _sv_near (child_id);
  ANALYZE _sv_near;

  PERFORM skolval._drop_temp('_sv_app');
  CREATE TEMP TABLE _sv_app AS
  WITH apps AS (
    SELECT w.child_id, w.rank, w.unit_id, false AS implicit, w.sibling_claim
      FROM skolval.wish w WHERE w.round_id = r.round_id
    UNION ALL
    SELECT c.child_id, 1::smallint, n.nearest_unit_id, true, false
      FROM skolval.round_cohort c
      JOIN _sv_near n ON n.child_id = c.child_id
     WHERE c.round_id = r.round_id
       AND NOT EXISTS (SELECT 1 FROM skolval.wish w WHERE w.round_id = r.round_id AND w.child_id = c.child_id)
  )
  SELECT a.child_id, a.rank, a.unit_id, a.implicit, a.sibling_claim,
         d.status, d.walking_m,
         (u.organizer = 'municipal' AND (d.walking_m <= r.near_home_distance_m
            OR (n.nearest_m > r.near_home_distance_m AND a.unit_id = n.nearest_unit_id)))::int AS near_home,
         (NOT a.implicit)::int AS active_choice,
         (EXISTS (SELECT 1 FROM skolval.sibling_pair sp
                    JOIN skolval.enrollment e ON e.child_id = sp.sibling_id AND e.unit_id = a.unit_id
                     AND e.school_form IN ('forskoleklass', 'grundskola') AND e.grade BETWEEN 0 AND 3
                     AND e.valid_from <= r.start_date AND (e.valid_to IS NULL OR e.valid_to >= r.start_date)
                    JOIN skolval.residence sr ON sr.child_id = sp.sibling_id AND sr.valid_from <= on_day
                     AND (sr.valid_to IS NULL OR sr.valid_to >= on_day)
                   WHERE sp.child_id = a.child_id
                     AND (lower(btrim(sr.address)) = lower(btrim(res.address)) OR ST_DWithin(sr.home, res.home, 1))))::int AS sibling,
         coalesce(CASE WHEN n.nearest_unit_id = a.unit_id THEN n.second_m ELSE n.nearest_m END - d.walking_m, 0) AS rn,
         skolval.seeded_random(r.lottery_seed, 'lottery', a.child_id) AS lottery
    FROM apps a
    JOIN skolval.round_home h ON h.round_id = r.round_id AND h.child_id = a.child_id
    JOIN skolval.residence res ON res.residence_id = h.residence_id
    JOIN skolval.unit u ON u.unit_id = a.unit_id
    LEFT JOIN skolval.distance d ON d.network_id = h.network_id AND d.residence_id = h.residence_id AND d.unit_id = a.unit_id
    LEFT JOIN _sv_near n ON n.child_id = a.child_id;
  ANALYZE _sv_app;

  -- Every cohort child applies somewhere, and every application has a distance.
  SELECT count(*), string_agg(c.child_id::text, ', ' ORDER BY c.child_id) FILTER (WHERE c.rn <= 20)
    INTO n, ids
    FROM (SELECT x.child_id, row_number() OVER (ORDER BY x.child_id) AS rn
            FROM (SELECT c.child_id FROM skolval.round_cohort c
                   WHERE c.round_id = r.round_id
                     AND NOT EXISTS (SELECT 1 FROM _sv_app a WHERE a.child_id = c.child_id)
                  UNION
                  SELECT a.child_id FROM _sv_app a WHERE a.status IS DISTINCT FROM 'ok') x) c;
  IF n > 0 THEN
    RAISE EXCEPTION 'walking distances are missing for % children of round "%"', n, r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Children ' || ids || CASE WHEN n > 20 THEN ' and more' ELSE '' END
                     || ' have a wished unit, or a nearest unit, without a walking distance.',
            HINT = 'Resolve the open data issues of skolval.compute_distances() (homes off the network, unreachable units) and run it again.';
  END IF;

  -- An unverified sibling claim gives no priority; it is a data issue for a case officer.
  UPDATE skolval.data_issue i SET resolved_at = pg_catalog.now(), resolution = 'no longer found by a later allocation'
   WHERE i.round_id = r.round_id AND i.category = 'unverified_sibling_claim' AND i.resolved_at IS NULL
     AND NOT EXISTS (SELECT 1 FROM _sv_app a WHERE a.child_id = i.child_id AND a.unit_id = i.unit_id
                        AND a.sibling_claim AND a.sibling = 0);
  INSERT INTO skolval.data_issue (category, severity, child_id, unit_id, round_id, message, detail)
  SELECT 'unverified_sibling_claim', 'warning', a.child_id, a.unit_id, r.round_id,
         pg_catalog.format('child %s: the application claims a sibling at unit %s, but the register shows no sibling at the same address in F-3 there on %s',
                           a.child_id, a.unit_id, r.start_date),
         jsonb_build_object('rank', a.rank)
    FROM _sv_app a
   WHERE a.sibling_claim AND a.sibling = 0
     AND NOT EXISTS (SELECT 1 FROM skolval.data_issue i WHERE i.round_id = r.round_id AND i.resolved_at IS NULL
                        AND i.category = 'unverified_sibling_claim' AND i.child_id = a.child_id AND i.unit_id = a.unit_id);

  -- The priority key: one number per criterion in the round's order, lower first; the lottery
  -- (if not among the criteria) and the child id make every key unique.
  SELECT string_agg(CASE c
           WHEN 'near_home' THEN '1 - near_home' WHEN 'active_choice' THEN '1 - active_choice'
           WHEN 'sibling' THEN '1 - sibling' WHEN 'relative_proximity' THEN '-rn'
           WHEN 'distance' THEN 'walking_m' WHEN 'lottery' THEN 'lottery' END, ', ' ORDER BY o)
    INTO key_sql
    FROM unnest(r.criteria) WITH ORDINALITY x(c, o);
  IF NOT 'lottery' = ANY (r.criteria) THEN
    key_sql := key_sql || ', lottery';
  END IF;
  EXECUTE 'ALTER TABLE _sv_app ADD COLUMN key double precision[]';
  EXECUTE 'UPDATE _sv_app SET key = ARRAY[' || key_sql || ', child_id]::double precision[]';
END $$;

CREATE OR REPLACE FUNCTION skolval.allocate(round_id bigint, mechanism text DEFAULT NULL,
                                 admin_policy text DEFAULT 'min_cost', what_if boolean DEFAULT false)
RETURNS skolval.placement_run
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  caller name := skolval._acting_role();
  r skolval.placement_round;
  mech text;
  t0 timestamptz := pg_catalog.clock_timestamp();
  nid bigint := skolval.active_network_id();
  m record;
  adm record;
  seats_total bigint;
  cohort_n bigint;
  fp text;
  run skolval.placement_run;
  n_keys integer;
  crit text[];
  detail text;
BEGIN
  -- Who may: a real run needs skolval_admin, a what-if run skolval_analyst or skolval_admin.
  -- allocate() is SECURITY DEFINER (an analyst's what-if run writes rows the analyst cannot
  -- write), so the caller is the acting role (sql/operations/audit.sql), not current_user.
  IF NOT pg_catalog.pg_has_role(caller, 'skolval_admin', 'MEMBER') THEN
    IF NOT pg_catalog.pg_has_role(caller, 'skolval_analyst', 'MEMBER') THEN
      RAISE EXCEPTION 'role "%" may not allocate', caller
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'Real runs need skolval_admin; what-if runs skolval_analyst or skolval_admin.';
    ELSIF NOT coalesce(allocate.what_if, false) THEN
      RAISE EXCEPTION 'role "%" may only make what-if runs', caller
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'A real placement run needs skolval_admin; skolval_analyst may compare with what_if => true.',
              HINT = 'Call skolval.allocate(round_id, what_if => true).';
    END IF;
  END IF;

  -- The round row lock serialises allocations and publication of the same round.
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = allocate.round_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement round % does not exist', allocate.round_id USING ERRCODE = 'no_data_found';
  END IF;
  mech := coalesce(allocate.mechanism, r.mechanism);
  IF mech NOT IN ('deferred_acceptance', 'immediate_acceptance', 'top_trading_cycles') THEN
    RAISE EXCEPTION 'unknown mechanism "%"', mech
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use deferred_acceptance, or immediate_acceptance / top_trading_cycles with what_if => true.';
  END IF;
  IF admin_policy IS NULL OR admin_policy NOT IN ('nearest_free', 'min_cost') THEN
    RAISE EXCEPTION 'unknown administrative placement policy "%"', admin_policy
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use nearest_free or min_cost.';
  END IF;
  IF NOT what_if AND mech <> 'deferred_acceptance' THEN
    RAISE EXCEPTION 'only deferred acceptance may place children for real; % is for comparisons', mech
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Immediate acceptance gives priority to first choices, which Swedish case law does not accept (ÖKN 2017:132); top trading cycles trades priorities away.',
            HINT = 'Call allocate(round_id, mechanism, what_if => true) for a comparison run.';
  END IF;
  IF NOT what_if AND r.status = 'published' THEN
    RAISE EXCEPTION 'round "%" is published; its placements are final', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'A what-if run (what_if => true) can still be made for comparison.';
  END IF;
  IF nid IS NULL THEN
    RAISE EXCEPTION 'no active network: placement needs walking distances'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;

  PERFORM skolval._placement_applications(r);

  -- Enough seats for everyone? Say how many are missing, and where.
  SELECT coalesce(sum(c.seats), 0) INTO seats_total
    FROM skolval.round_capacity c JOIN skolval.unit u USING (unit_id)
   WHERE c.round_id = r.round_id AND r.school_form = ANY (u.school_forms::text[]);
  SELECT count(*) INTO cohort_n FROM skolval.round_cohort c WHERE c.round_id = r.round_id;
  IF seats_total < cohort_n THEN
    SELECT string_agg(pg_catalog.format('%s: %s children, %s seats at the units nearest to them', x.district, x.children, x.seats), '; ' ORDER BY x.district)
      INTO detail
      FROM (SELECT coalesce(res.district_code, '(no district)') AS district, count(*) AS children,
                   (SELECT coalesce(sum(c2.seats), 0) FROM skolval.round_capacity c2
                     WHERE c2.round_id = r.round_id AND c2.unit_id IN (
                       SELECT n2.nearest_unit_id FROM skolval.child_nearest_unit n2
                         JOIN skolval.round_home h2 ON h2.round_id = n2.round_id AND h2.child_id = n2.child_id
                         JOIN skolval.residence res2 ON res2.residence_id = h2.residence_id
                        WHERE n2.round_id = r.round_id
                          AND res2.district_code IS NOT DISTINCT FROM res.district_code)) AS seats
              FROM skolval.round_home h JOIN skolval.residence res USING (residence_id)
             WHERE h.round_id = r.round_id
             GROUP BY res.district_code) x;
    RAISE EXCEPTION 'round "%" has % seats for % children: % seats are missing', r.name, seats_total, cohort_n, cohort_n - seats_total
      USING ERRCODE = 'check_violation', DETAIL = 'By district: ' || coalesce(detail, 'none') || '.',
            HINT = 'Add seats in skolval.round_capacity.';
  END IF;

  -- Dense indexes for the C core: children by id, units by id (every unit with seats in the
  -- round, and every wished unit; a unit without a capacity row has 0 seats).
  PERFORM skolval._drop_temp('_sv_child');
  CREATE TEMP TABLE _sv_child AS
    SELECT c.child_id, (row_number() OVER (ORDER BY c.child_id) - 1)::int AS idx,
           skolval.seeded_random(r.lottery_seed, 'lottery', c.child_id) AS lottery
      FROM skolval.round_cohort c WHERE c.round_id = r.round_id;
  PERFORM skolval._drop_temp('_sv_unit');
  CREATE TEMP TABLE _sv_unit AS
    SELECT x.unit_id, (row_number() OVER (ORDER BY x.unit_id) - 1)::int AS idx, coalesce(c.seats, 0) AS seats
      FROM (SELECT c.unit_id FROM skolval.round_capacity c JOIN skolval.unit u USING (unit_id)
             WHERE c.round_id = r.round_id AND r.school_form = ANY (u.school_forms::text[])
            UNION SELECT a.unit_id FROM _sv_app a) x
      LEFT JOIN skolval.round_capacity c ON c.round_id = r.round_id AND c.unit_id = x.unit_id;
  ALTER TABLE _sv_app ADD COLUMN child_idx integer, ADD COLUMN unit_idx integer, ADD COLUMN wish_idx integer;
  UPDATE _sv_app a SET child_idx = c.idx FROM _sv_child c WHERE c.child_id = a.child_id;
  UPDATE _sv_app a SET unit_idx = u.idx FROM _sv_unit u WHERE u.unit_id = a.unit_id;
  UPDATE _sv_app a SET wish_idx = w.idx
    FROM (SELECT child_id, rank, (row_number() OVER (ORDER BY child_idx, rank) - 1)::int AS idx FROM _sv_app) w
   WHERE w.child_id = a.child_id AND w.rank = a.rank;
  CREATE INDEX ON _sv_app (wish_idx);
  ANALYZE _sv_app;

  SELECT cardinality(a.key) INTO n_keys FROM _sv_app a LIMIT 1;
  SELECT * INTO m FROM skolval._match(
    mech,
    (SELECT array_agg(u.seats ORDER BY u.idx) FROM _sv_unit u),
    (SELECT array_agg(s ORDER BY i) FROM (
        SELECT c.idx AS i, (sum(coalesce(x.cnt, 0)) OVER (ORDER BY c.idx) - coalesce(x.cnt, 0))::int AS s
          FROM _sv_child c
          LEFT JOIN (SELECT a.child_idx, count(*) AS cnt FROM _sv_app a GROUP BY a.child_idx) x ON x.child_idx = c.idx
        UNION ALL SELECT (SELECT count(*) FROM _sv_child), (SELECT count(*) FROM _sv_app)::int) x),
    (SELECT array_agg(a.unit_idx ORDER BY a.wish_idx) FROM _sv_app a),
    n_keys,
    (SELECT array_agg(k ORDER BY a.wish_idx, o) FROM _sv_app a, unnest(a.key) WITH ORDINALITY y(k, o)));

  -- Results of the matching.
  PERFORM skolval._drop_temp('_sv_match');
  CREATE TEMP TABLE _sv_match AS
    SELECT c.child_id, c.idx, c.lottery, a.unit_id, a.rank, a.implicit
      FROM _sv_child c
      LEFT JOIN _sv_app a ON a.wish_idx = m.assigned_wish[c.idx + 1];

  -- Administrative placement of the children the matching left without a place.
  PERFORM skolval._drop_temp('_sv_cand');
  CREATE TEMP TABLE _sv_cand AS
    SELECT x.child_id, x.unit_id, x.walking_m,
           (row_number() OVER (ORDER BY x.child_id, x.walking_m, x.unit_id) - 1)::int AS cand_idx
      FROM (SELECT mm.child_id, d.unit_id, d.walking_m,
                   row_number() OVER (PARTITION BY mm.child_id ORDER BY d.walking_m, d.unit_id) AS k
              FROM _sv_match mm
              JOIN skolval.round_home h ON h.round_id = r.round_id AND h.child_id = mm.child_id
              JOIN skolval.distance d ON d.network_id = h.network_id AND d.residence_id = h.residence_id AND d.status = 'ok'
              JOIN _sv_unit u ON u.unit_id = d.unit_id
             WHERE mm.unit_id IS NULL
               AND u.seats > coalesce(m.admitted[u.idx + 1], 0)) x
     WHERE x.k <= 100;
  PERFORM skolval._drop_temp('_sv_admin');
  CREATE TEMP TABLE _sv_admin (child_id bigint, unit_id bigint, walking_m double precision);
  IF EXISTS (SELECT 1 FROM _sv_match WHERE unit_id IS NULL) THEN
    SELECT * INTO adm FROM skolval._admin_place(
      admin_policy,
      (SELECT array_agg(u.seats - coalesce(m.admitted[u.idx + 1], 0) ORDER BY u.idx) FROM _sv_unit u),
      (SELECT array_agg(s ORDER BY i) FROM (
          SELECT y.j AS i, (sum(y.cnt) OVER (ORDER BY y.j) - y.cnt)::int AS s
            FROM (SELECT row_number() OVER (ORDER BY mm.child_id) - 1 AS j, coalesce(cc.cnt, 0) AS cnt
                    FROM _sv_match mm
                    LEFT JOIN (SELECT c.child_id, count(*) AS cnt FROM _sv_cand c GROUP BY c.child_id) cc
                      ON cc.child_id = mm.child_id
                   WHERE mm.unit_id IS NULL) y
          UNION ALL SELECT (SELECT count(*) FROM _sv_match WHERE unit_id IS NULL), (SELECT count(*) FROM _sv_cand)::int) x),
      (SELECT array_agg(u.idx ORDER BY c.cand_idx) FROM _sv_cand c JOIN _sv_unit u USING (unit_id)),
      (SELECT array_agg(c.walking_m ORDER BY c.cand_idx) FROM _sv_cand c),
      (SELECT array_agg(mm.lottery ORDER BY mm.child_id) FROM _sv_match mm WHERE mm.unit_id IS NULL));
    INSERT INTO _sv_admin
    SELECT c.child_id, c.unit_id, c.walking_m
      FROM unnest(adm.assigned_cand) WITH ORDINALITY x(cand, o)
      JOIN _sv_cand c ON c.cand_idx = x.cand;
    IF (SELECT count(*) FROM _sv_admin) < (SELECT count(*) FROM _sv_match WHERE unit_id IS NULL) THEN
      RAISE EXCEPTION 'administrative placement failed for % children of round "%"',
        (SELECT count(*) FROM _sv_match WHERE unit_id IS NULL) - (SELECT count(*) FROM _sv_admin), r.name
        USING ERRCODE = 'check_violation',
              DETAIL = 'No unit with a free seat is among the 100 nearest units of these children.',
              HINT = 'Add seats near them in skolval.round_capacity.';
    END IF;
  END IF;

  -- Fingerprint of every input of the matching.
  fp := pg_catalog.md5(pg_catalog.concat_ws('|', mech, admin_policy, r.lottery_seed, r.criteria::text,
          (SELECT n.content_hash FROM skolval.network n WHERE n.network_id = nid),
          (SELECT string_agg(u.unit_id || ':' || u.seats, ',' ORDER BY u.idx) FROM _sv_unit u),
          (SELECT pg_catalog.md5(string_agg(a.child_id || ':' || a.rank || ':' || a.unit_id || ':' || a.key::text, ',' ORDER BY a.wish_idx)) FROM _sv_app a),
          (SELECT pg_catalog.md5(string_agg(c.child_id || ':' || c.unit_id || ':' || c.walking_m, ',' ORDER BY c.cand_idx)) FROM _sv_cand c)));

  PERFORM skolval._placement_store(r, mech, admin_policy, what_if, nid, fp, m.last_admitted_wish, m.first_rejected_wish, t0);
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = currval(pg_get_serial_sequence('skolval.placement_run', 'run_id'));
  IF NOT what_if THEN
    UPDATE skolval.placement_round x SET status = 'allocated' WHERE x.round_id = r.round_id;
  END IF;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval.allocate(bigint, text, text, boolean) IS
  'Place every child of a round: student-proposing deferred acceptance over the round''s ordered criteria (skolval_allocate() in C), children without wishes applying to their nearest municipal unit, then administrative placement (min_cost: least total walking under capacity; nearest_free: nearest unit with a seat, in lottery order). Stores a run with placements, cut-offs and Swedish explanations. mechanism immediate_acceptance or top_trading_cycles only with what_if => true; a published round only with what_if => true. A real run needs skolval_admin, a what-if run skolval_analyst or skolval_admin (insufficient_privilege otherwise); SECURITY DEFINER, so analysts can store what-if runs';

-- Store a run from the temp tables of allocate(): _sv_app, _sv_child, _sv_unit, _sv_match,
-- _sv_admin. Texts name units, never children.
CREATE OR REPLACE FUNCTION skolval._placement_store(r skolval.placement_round, mech text, admin_policy text, what_if boolean,
                                         nid bigint, fp text, last_admitted integer[], first_rejected integer[],
                                         t0 timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  rid bigint;
  rules text;
  ncrit integer := cardinality(r.criteria);
BEGIN
  PERFORM skolval._drop_temp('_sv_final');
  CREATE TEMP TABLE _sv_final AS
    SELECT m.child_id, coalesce(m.unit_id, ad.unit_id) AS unit_id,
           CASE WHEN m.unit_id IS NULL THEN 'administrative' WHEN m.implicit THEN 'near_home_offer' ELSE 'wish' END AS kind,
           CASE WHEN m.unit_id IS NOT NULL AND NOT m.implicit THEN m.rank END AS wish_rank,
           m.lottery, a.wish_idx, a.key,
           coalesce(a.walking_m, ad.walking_m) AS walking_m
      FROM _sv_match m
      LEFT JOIN _sv_app a ON a.child_id = m.child_id AND a.rank = m.rank AND m.unit_id IS NOT NULL
      LEFT JOIN _sv_admin ad ON ad.child_id = m.child_id;

  INSERT INTO skolval.placement_run (round_id, mechanism, admin_policy, what_if, criteria, lottery_seed,
                                     near_home_distance_m, network_id, network_hash, input_fingerprint,
                                     children, by_wish, first_choice, near_home_offer, administrative, total_walking_m,
                                     created_by)
  SELECT r.round_id, mech, admin_policy, what_if, r.criteria, r.lottery_seed, r.near_home_distance_m, nid,
         (SELECT n.content_hash FROM skolval.network n WHERE n.network_id = nid), fp,
         count(*), count(*) FILTER (WHERE f.kind = 'wish'), count(*) FILTER (WHERE f.wish_rank = 1),
         count(*) FILTER (WHERE f.kind = 'near_home_offer'), count(*) FILTER (WHERE f.kind = 'administrative'),
         sum(f.walking_m), skolval._acting_role()
    FROM _sv_final f
  RETURNING run_id INTO rid;

  -- Per unit: demand, admissions and the cut-off.
  INSERT INTO skolval.placement_unit (run_id, unit_id, seats, applicants, first_choice_applicants, admitted, placed,
                                      oversubscribed, cutoff_child_id, cutoff_values, cutoff_sv)
  SELECT rid, u.unit_id, u.seats,
         coalesce(ap.n, 0), coalesce(ap.first, 0), coalesce(pl.admitted, 0), coalesce(pl.placed, 0),
         first_rejected[u.idx + 1] >= 0,
         la.child_id,
         CASE WHEN first_rejected[u.idx + 1] >= 0 THEN
           skolval._criteria_json(r.criteria, la.near_home, la.active_choice, la.sibling, la.rn, la.walking_m, la.lottery) END,
         CASE WHEN first_rejected[u.idx + 1] >= 0 THEN
           skolval._criteria_sv(r.criteria, la.near_home, la.active_choice, la.sibling, la.rn, la.walking_m, la.lottery) END
    FROM _sv_unit u
    LEFT JOIN (SELECT a.unit_id, count(*) AS n, count(*) FILTER (WHERE a.rank = 1 AND NOT a.implicit) AS first
                 FROM _sv_app a GROUP BY a.unit_id) ap ON ap.unit_id = u.unit_id
    LEFT JOIN (SELECT f.unit_id, count(*) FILTER (WHERE f.kind <> 'administrative') AS admitted, count(*) AS placed
                 FROM _sv_final f GROUP BY f.unit_id) pl ON pl.unit_id = u.unit_id
    LEFT JOIN _sv_app la ON la.wish_idx = last_admitted[u.idx + 1];
  ANALYZE _sv_final;

  -- Per application: outcome, and for a wish not met the decisive criterion against the cut-off.
  INSERT INTO skolval.placement_wish (run_id, child_id, rank, unit_id, implicit, outcome, decisive_criterion,
                                      child_values, cutoff_values, explanation_sv)
  SELECT rid, a.child_id, a.rank, a.unit_id, a.implicit, o.outcome, d.criterion,
         skolval._criteria_json(r.criteria, a.near_home, a.active_choice, a.sibling, a.rn, a.walking_m, a.lottery),
         CASE WHEN o.outcome = 'rejected' AND la.child_id IS NOT NULL THEN
           skolval._criteria_json(r.criteria, la.near_home, la.active_choice, la.sibling, la.rn, la.walking_m, la.lottery) END,
         CASE WHEN o.outcome = 'rejected' THEN
           pg_catalog.format('Önskemål %s, %s: ingen plats. ', a.rank, un.name)
           || CASE WHEN u.seats = 0 THEN 'Skolan hade inga platser i förskoleklass.'
                   WHEN d.criterion = 'earlier_round' THEN
                     pg_catalog.format('Skolan hade %s och %s sökande; platserna hade redan fördelats till barn som valt skolan i en tidigare omgång.', skolval._seats_sv(u.seats), pu.applicants)
                   ELSE pg_catalog.format('Skolan hade %s och %s sökande. Avgörande var %s: ert barn %s, sista antagna %s.',
                          skolval._seats_sv(u.seats), pu.applicants, skolval.criterion_sv(d.criterion),
                          skolval.criterion_value_sv(d.criterion, d.child_value),
                          skolval.criterion_value_sv(d.criterion, d.cutoff_value)) END END
    FROM _sv_app a
    JOIN _sv_unit u ON u.unit_id = a.unit_id
    JOIN skolval.unit un ON un.unit_id = a.unit_id
    JOIN skolval.placement_unit pu ON pu.run_id = rid AND pu.unit_id = a.unit_id
    JOIN _sv_final f ON f.child_id = a.child_id
    LEFT JOIN _sv_app la ON la.wish_idx = last_admitted[u.idx + 1]
    CROSS JOIN LATERAL (SELECT CASE WHEN f.wish_idx = a.wish_idx THEN 'admitted'
                                    WHEN f.wish_idx IS NULL OR a.wish_idx < f.wish_idx THEN 'rejected'
                                    ELSE 'not_needed' END AS outcome) o
    LEFT JOIN LATERAL (
      SELECT CASE WHEN la.child_id IS NULL THEN NULL
                  WHEN a.key[k.i] < la.key[k.i] THEN 'earlier_round'
                  WHEN k.i <= ncrit THEN r.criteria[k.i] ELSE 'lottery' END AS criterion,
             skolval._criterion_value(k.c, a.near_home, a.active_choice, a.sibling, a.rn, a.walking_m, a.lottery) AS child_value,
             skolval._criterion_value(k.c, la.near_home, la.active_choice, la.sibling, la.rn, la.walking_m, la.lottery) AS cutoff_value
        FROM (SELECT i, CASE WHEN i <= ncrit THEN r.criteria[i] ELSE 'lottery' END AS c
                FROM (SELECT skolval._key_difference(a.key, la.key) AS i) i0) k
       WHERE o.outcome = 'rejected') d ON true;

  -- Per child: the decision and its motivation.
  SELECT 'Beslutet grundar sig på 9 kap. 15 § skollagen (2010:800) och nämndens urvalsregler. '
         || 'När en skola har fler sökande än platser går barnen före i denna ordning: '
         || string_agg(pg_catalog.format('%s) %s', o, skolval.criterion_rule_sv(c, r.near_home_distance_m)), '; ' ORDER BY o)
         || '. Gångvägen mäts längs gång- och vägnätet från folkbokföringsadressen till skolan.'
    INTO rules
    FROM unnest(r.criteria) WITH ORDINALITY x(c, o);

  INSERT INTO skolval.placement (run_id, child_id, unit_id, kind, wish_rank, walking_m, decisive_criterion,
                                 lottery_number, decision_sv, motivation_sv, explanation)
  SELECT rid, f.child_id, f.unit_id, f.kind, f.wish_rank, f.walking_m, dc.criterion, f.lottery,
         pg_catalog.format('Ert barn erbjuds plats i förskoleklass på %s från den %s', un.name, skolval.date_sv(r.start_date))
         || CASE f.kind WHEN 'wish' THEN pg_catalog.format(' (ert önskemål %s).', f.wish_rank)
                        WHEN 'near_home_offer' THEN ', den kommunala skola som ligger närmast hemmet.'
                        ELSE pg_catalog.format(', %s gångväg från hemmet.', skolval.criterion_value_sv('distance', f.walking_m)) END,
         rules || ' '
         || coalesce((SELECT string_agg(pw.explanation_sv, ' ' ORDER BY pw.rank) FROM skolval.placement_wish pw
                       WHERE pw.run_id = rid AND pw.child_id = f.child_id AND pw.outcome = 'rejected' AND NOT pw.implicit) || ' ', '')
         || CASE
              WHEN f.kind = 'wish' AND dc.criterion = 'free_seat' THEN pg_catalog.format('%s hade plats för alla som sökte dit.', un.name)
              WHEN f.kind = 'wish' THEN pg_catalog.format('På %s fick ert barn plats före de barn som inte kom in genom kriteriet %s.', un.name, skolval.criterion_sv(dc.criterion))
              WHEN f.kind = 'near_home_offer' THEN 'Ni har inte gjort något skolval. Ert barn erbjuds därför plats på den kommunala skola som ligger närmast hemmet.'
              WHEN admin_policy = 'nearest_free' THEN 'Inget önskemål kunde tillgodoses. Ert barn har placerats på den skola närmast hemmet som hade en ledig plats.'
              ELSE 'Inget önskemål kunde tillgodoses. Ert barn har placerats på en skola med ledig plats; alla barn som inte fick något önskemål har placerats så att den sammanlagda gångvägen blev så kort som möjligt.'
            END,
         jsonb_build_object(
           'unit_id', f.unit_id, 'kind', f.kind, 'wish_rank', f.wish_rank, 'walking_m', round(f.walking_m::numeric, 1),
           'decisive_criterion', dc.criterion, 'criteria', r.criteria, 'lottery_number', f.lottery,
           'wishes', (SELECT jsonb_agg(jsonb_build_object('rank', pw.rank, 'unit_id', pw.unit_id, 'implicit', pw.implicit,
                                                          'outcome', pw.outcome, 'decisive_criterion', pw.decisive_criterion,
                                                          'child', pw.child_values, 'cutoff', pw.cutoff_values) ORDER BY pw.rank)
                        FROM skolval.placement_wish pw WHERE pw.run_id = rid AND pw.child_id = f.child_id))
    FROM _sv_final f
    JOIN skolval.unit un ON un.unit_id = f.unit_id
    JOIN _sv_unit u ON u.unit_id = f.unit_id
    LEFT JOIN _sv_app fr ON fr.wish_idx = first_rejected[u.idx + 1]
    CROSS JOIN LATERAL (SELECT CASE WHEN f.kind = 'administrative' THEN 'administrative'
                                    WHEN fr.child_id IS NULL THEN 'free_seat'
                                    ELSE coalesce(r.criteria[skolval._key_difference(f.key, fr.key)], 'lottery') END AS criterion) dc;

  UPDATE skolval.placement_run x SET milliseconds = round(extract(epoch FROM pg_catalog.clock_timestamp() - t0) * 1000)
   WHERE x.run_id = rid;
END $$;

CREATE OR REPLACE FUNCTION skolval.publish(run_id bigint) RETURNS skolval.placement_run
LANGUAGE plpgsql AS $$
DECLARE
  run skolval.placement_run;
  r skolval.placement_round;
BEGIN
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = publish.run_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement run % does not exist', publish.run_id USING ERRCODE = 'no_data_found';
  END IF;
  -- Same lock as allocate(): publishing and allocating one round never interleave.
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = run.round_id FOR UPDATE;
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = publish.run_id;
  IF run.what_if THEN
    RAISE EXCEPTION 'placement run % is a what-if run and cannot be published', run.run_id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF run.status = 'published' OR r.status = 'published' THEN
    RAISE EXCEPTION 'round "%" is already published', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'A favourable decision that has been notified is in principle binding; a published round stays as it is.';
  END IF;
  IF EXISTS (SELECT 1 FROM skolval.placement_run x WHERE x.round_id = run.round_id AND NOT x.what_if
                AND x.created_at > run.created_at) THEN
    RAISE EXCEPTION 'placement run % is not the latest run of round "%"', run.run_id, r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Publish the latest run, or allocate again.';
  END IF;
  UPDATE skolval.placement_run x SET status = 'published', published_at = pg_catalog.now(), published_by = CURRENT_USER
   WHERE x.run_id = run.run_id RETURNING * INTO run;
  UPDATE skolval.placement_round x SET status = 'published' WHERE x.round_id = run.round_id;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval.publish(bigint) IS
  'Publish the latest real run of a round: its placements become immutable and the round cannot be allocated again (what-if runs still can)';

-- ---------------------------------------------------------------------------------------
-- Views
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE VIEW skolval.placement_unit_stats AS
SELECT pu.run_id, r.round_id, pu.unit_id, u.unit_code, u.name AS unit_name, u.organizer,
       pu.seats, pu.applicants, pu.first_choice_applicants, pu.admitted, pu.placed,
       round(100.0 * pu.placed / nullif(pu.seats, 0), 1) AS fill_rate_pct,
       round(100.0 * (SELECT count(*) FROM skolval.placement p WHERE p.run_id = pu.run_id AND p.unit_id = pu.unit_id AND p.wish_rank = 1)
             / nullif(pu.placed, 0), 1) AS first_choice_share_pct,
       pu.oversubscribed,
       (SELECT jsonb_object_agg(x.criterion, x.n) FROM (
          SELECT coalesce(p.decisive_criterion, p.kind) AS criterion, count(*) AS n
            FROM skolval.placement p WHERE p.run_id = pu.run_id AND p.unit_id = pu.unit_id
           GROUP BY 1) x) AS admitted_by_criterion,
       -- the cut-off is the last admitted child's values (distance, relative proximity, sibling,
       -- lottery number): withheld when that child has protected identity, or is no longer known
       CASE WHEN pu.cutoff_child_id IS NOT NULL
                 AND coalesce((SELECT c.protected_identity FROM skolval.child c WHERE c.child_id = pu.cutoff_child_id), true)
            THEN 'Gränsvärdet visas inte: det sist antagna barnet har skyddad identitet.'
            ELSE pu.cutoff_sv END AS cutoff_sv
  FROM skolval.placement_unit pu
  JOIN skolval.placement_run r ON r.run_id = pu.run_id
  JOIN skolval.unit u ON u.unit_id = pu.unit_id;
COMMENT ON VIEW skolval.placement_unit_stats IS 'For BI: per run and unit, seats, applicants, admissions, fill rate, first-choice share, admissions per decisive criterion and the cut-off. No child is identified';
COMMENT ON COLUMN skolval.placement_unit_stats.run_id IS 'The run';
COMMENT ON COLUMN skolval.placement_unit_stats.round_id IS 'The round';
COMMENT ON COLUMN skolval.placement_unit_stats.unit_id IS 'The unit';
COMMENT ON COLUMN skolval.placement_unit_stats.unit_code IS 'Unit code';
COMMENT ON COLUMN skolval.placement_unit_stats.unit_name IS 'Unit name';
COMMENT ON COLUMN skolval.placement_unit_stats.organizer IS 'municipal or independent';
COMMENT ON COLUMN skolval.placement_unit_stats.seats IS 'Seats';
COMMENT ON COLUMN skolval.placement_unit_stats.applicants IS 'Applicants (any rank)';
COMMENT ON COLUMN skolval.placement_unit_stats.first_choice_applicants IS 'Applicants with the unit as first wish';
COMMENT ON COLUMN skolval.placement_unit_stats.admitted IS 'Admitted by the matching';
COMMENT ON COLUMN skolval.placement_unit_stats.placed IS 'Placed in all (administrative placements included)';
COMMENT ON COLUMN skolval.placement_unit_stats.fill_rate_pct IS 'Placed as a percentage of seats';
COMMENT ON COLUMN skolval.placement_unit_stats.first_choice_share_pct IS 'Share of the placed children who had the unit as first wish, percent';
COMMENT ON COLUMN skolval.placement_unit_stats.oversubscribed IS 'Whether applicants were turned away';
COMMENT ON COLUMN skolval.placement_unit_stats.admitted_by_criterion IS 'Children placed per decisive criterion (free_seat, near_home, sibling, relative_proximity, ..., administrative)';
COMMENT ON COLUMN skolval.placement_unit_stats.cutoff_sv IS 'The cut-off in Swedish; withheld (a sentence saying so) when the last admitted child has protected identity';

CREATE OR REPLACE VIEW skolval.placement_decision AS
SELECT p.run_id, r.round_id, r.status AS run_status, p.child_id, c.protected_identity,
       CASE WHEN c.protected_identity THEN NULL ELSE c.personal_number END AS personal_number,
       CASE WHEN c.protected_identity THEN NULL ELSE c.given_name END AS given_name,
       CASE WHEN c.protected_identity THEN NULL ELSE c.family_name END AS family_name,
       CASE WHEN c.protected_identity THEN NULL ELSE res.address END AS address,
       u.unit_code, u.name AS unit_name, p.kind, p.wish_rank, round(p.walking_m) AS walking_m,
       p.decision_sv, p.motivation_sv, p.explanation
  FROM skolval.placement p
  JOIN skolval.placement_run r ON r.run_id = p.run_id
  JOIN skolval.child c ON c.child_id = p.child_id
  JOIN skolval.unit u ON u.unit_id = p.unit_id
  LEFT JOIN skolval.round_home h ON h.round_id = r.round_id AND h.child_id = p.child_id
  LEFT JOIN skolval.residence res ON res.residence_id = h.residence_id;
COMMENT ON VIEW skolval.placement_decision IS
  'For distribution (letters, RPA, API): one row per run and child with the decision and its FL 32 § motivation in Swedish. For a child with protected identity the identity and address are NULL: such letters go through Skatteverket''s forwarding';
COMMENT ON COLUMN skolval.placement_decision.run_id IS 'The run';
COMMENT ON COLUMN skolval.placement_decision.round_id IS 'The round';
COMMENT ON COLUMN skolval.placement_decision.run_status IS 'draft or published: send only published decisions';
COMMENT ON COLUMN skolval.placement_decision.child_id IS 'Internal child id';
COMMENT ON COLUMN skolval.placement_decision.protected_identity IS 'The child has protected identity: identity and address are withheld';
COMMENT ON COLUMN skolval.placement_decision.personal_number IS 'Personal identity number (NULL for protected identity)';
COMMENT ON COLUMN skolval.placement_decision.given_name IS 'Given name (NULL for protected identity)';
COMMENT ON COLUMN skolval.placement_decision.family_name IS 'Family name (NULL for protected identity)';
COMMENT ON COLUMN skolval.placement_decision.address IS 'Registered address (NULL for protected identity)';
COMMENT ON COLUMN skolval.placement_decision.unit_code IS 'Code of the unit placed at';
COMMENT ON COLUMN skolval.placement_decision.unit_name IS 'Name of the unit placed at';
COMMENT ON COLUMN skolval.placement_decision.kind IS 'wish, near_home_offer or administrative';
COMMENT ON COLUMN skolval.placement_decision.wish_rank IS 'Rank of the wish obtained';
COMMENT ON COLUMN skolval.placement_decision.walking_m IS 'Walking metres from home';
COMMENT ON COLUMN skolval.placement_decision.decision_sv IS 'The decision in Swedish';
COMMENT ON COLUMN skolval.placement_decision.motivation_sv IS 'The motivation in Swedish (rules applied, decisive circumstances)';
COMMENT ON COLUMN skolval.placement_decision.explanation IS 'The explanation as JSON';

CREATE OR REPLACE VIEW skolval.mechanism_comparison AS
SELECT r.round_id, r.run_id, r.mechanism, r.admin_policy, r.what_if, r.status, r.children,
       round(100.0 * r.first_choice / nullif(r.children, 0), 1) AS first_choice_pct,
       round(100.0 * (SELECT count(*) FROM skolval.placement p WHERE p.run_id = r.run_id AND p.wish_rank <= 3)
             / nullif(r.children, 0), 1) AS top3_pct,
       r.near_home_offer, r.administrative,
       -- walking of children with protected identity left out: with bi_placement's distances of
       -- everyone else, a total that includes them would give theirs away
       round(w.walking_m / 1000) AS total_walking_km,
       round(w.walking_m / nullif(w.children, 0)) AS mean_walking_m
  FROM skolval.placement_run r
  CROSS JOIN LATERAL (SELECT sum(p.walking_m) AS walking_m, count(p.walking_m) AS children
                        FROM skolval.placement p JOIN skolval.child c ON c.child_id = p.child_id
                       WHERE p.run_id = r.run_id AND NOT c.protected_identity) w;
COMMENT ON VIEW skolval.mechanism_comparison IS
  'Runs of a round side by side: first-choice share, top-3 share, placements without wishes, administrative placements and walking. Immediate acceptance (Boston) rewards ranking a school first, which Swedish case law does not accept for real placements (ÖKN 2017:132): compare only';
COMMENT ON COLUMN skolval.mechanism_comparison.round_id IS 'The round';
COMMENT ON COLUMN skolval.mechanism_comparison.run_id IS 'The run';
COMMENT ON COLUMN skolval.mechanism_comparison.mechanism IS 'Mechanism of the run';
COMMENT ON COLUMN skolval.mechanism_comparison.admin_policy IS 'Administrative placement policy';
COMMENT ON COLUMN skolval.mechanism_comparison.what_if IS 'Comparison run';
COMMENT ON COLUMN skolval.mechanism_comparison.status IS 'draft or published';
COMMENT ON COLUMN skolval.mechanism_comparison.children IS 'Children placed';
COMMENT ON COLUMN skolval.mechanism_comparison.first_choice_pct IS 'Percent placed at their first wish';
COMMENT ON COLUMN skolval.mechanism_comparison.top3_pct IS 'Percent placed at one of their three first wishes';
COMMENT ON COLUMN skolval.mechanism_comparison.near_home_offer IS 'Children without wishes placed at their nearest municipal unit';
COMMENT ON COLUMN skolval.mechanism_comparison.administrative IS 'Administrative placements';
COMMENT ON COLUMN skolval.mechanism_comparison.total_walking_km IS 'Total walking distance home to placement, km, of the children without protected identity';
COMMENT ON COLUMN skolval.mechanism_comparison.mean_walking_m IS 'Mean walking distance, metres, of the children without protected identity';

CREATE OR REPLACE VIEW skolval.placement_run_difference AS
SELECT n.run_id, pub.run_id AS published_run_id, n.child_id,
       pp.unit_id AS published_unit_id, n.unit_id, pp.wish_rank AS published_wish_rank, n.wish_rank
  FROM skolval.placement n
  JOIN skolval.placement_run nr ON nr.run_id = n.run_id
  JOIN skolval.placement_run pub ON pub.round_id = nr.round_id AND pub.status = 'published' AND pub.run_id <> nr.run_id
  LEFT JOIN skolval.placement pp ON pp.run_id = pub.run_id AND pp.child_id = n.child_id
 WHERE pp.unit_id IS DISTINCT FROM n.unit_id;
COMMENT ON VIEW skolval.placement_run_difference IS 'Children whose unit in a later run differs from the published run of the same round';
COMMENT ON COLUMN skolval.placement_run_difference.run_id IS 'The later run';
COMMENT ON COLUMN skolval.placement_run_difference.published_run_id IS 'The published run';
COMMENT ON COLUMN skolval.placement_run_difference.child_id IS 'The child';
COMMENT ON COLUMN skolval.placement_run_difference.published_unit_id IS 'Unit in the published run (NULL: the child was not in it)';
COMMENT ON COLUMN skolval.placement_run_difference.unit_id IS 'Unit in the later run';
COMMENT ON COLUMN skolval.placement_run_difference.published_wish_rank IS 'Wish rank obtained in the published run';
COMMENT ON COLUMN skolval.placement_run_difference.wish_rank IS 'Wish rank obtained in the later run';

-- skolval: placement — priorities from the round's criteria, allocate(), decisions and cut-offs
-- (frozen runs and publish(): sql/placement/publish.sql).
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- The guards of published runs and publish() are in sql/placement/publish.sql.

-- ---------------------------------------------------------------------------------------
-- Criteria in Swedish: C functions over the one table of criteria (src/placement/criteria.c)
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.placement_criteria(
    OUT default_position integer, OUT criterion text, OUT name_sv text, OUT rule_sv text,
    OUT value_kind text, OUT key_direction text, OUT key_value text)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE PARALLEL SAFE ROWS 8
  AS 'MODULE_PATHNAME', 'skolval_placement_criteria';
COMMENT ON FUNCTION skolval.placement_criteria() IS
  'The placement criteria, defined once in C (src/placement/criteria.c): position in the default order, name, Swedish name, the rule as decisions quote it (near-home distance 2,000 m), the kind of value (yes/no, metres, number), which way the priority key runs and the key''s value (lower first)';

CREATE OR REPLACE FUNCTION skolval.criterion_sv(criterion text) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_criterion_sv';
COMMENT ON FUNCTION skolval.criterion_sv(text) IS 'The Swedish name of a placement criterion (or of the decisive reasons free_seat and administrative), as used in decisions';

-- A criterion's value as a guardian reads it: "ja"/"nej", metres, a lottery number.
CREATE OR REPLACE FUNCTION skolval.criterion_value_sv(criterion text, value double precision) RETURNS text
  LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_criterion_value_sv';
COMMENT ON FUNCTION skolval.criterion_value_sv(text, double precision) IS
  'A criterion value in Swedish: ja/nej for near_home, active_choice and sibling, metres for relative_proximity and distance, the number for lottery';

CREATE OR REPLACE FUNCTION skolval.criterion_rule_sv(criterion text, near_home_distance_m double precision DEFAULT 2000) RETURNS text
  LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_criterion_rule_sv';
COMMENT ON FUNCTION skolval.criterion_rule_sv(text, double precision) IS 'The rule a criterion applies, in Swedish, for decision motivations';

CREATE OR REPLACE FUNCTION skolval.date_sv(d date) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'skolval_date_sv_sql';
COMMENT ON FUNCTION skolval.date_sv(date) IS 'A date written out in Swedish, for example "16 augusti 2027"';

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
-- allocate(): argument and permission checks here, everything else in C
-- (src/placement/allocate_sql.c): reading the round under one snapshot, the priority keys,
-- the matching, administrative placement, the texts and the stored run
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._allocate_run(round_id bigint, mechanism text, admin_policy text, what_if boolean,
                                                 created_by text, started_at timestamptz) RETURNS bigint
  LANGUAGE c VOLATILE STRICT
  SET search_path = pg_catalog, pg_temp
  SET jit = off
  AS 'MODULE_PATHNAME', 'skolval_allocate_run';
COMMENT ON FUNCTION skolval._allocate_run(bigint, text, text, boolean, text, timestamptz) IS
  'allocate() in C: reads the round under one snapshot, matches, places administratively, writes the texts and stores the run; returns the run id. Called only by skolval.allocate()';

CREATE OR REPLACE FUNCTION skolval.placement_applications(round_id bigint,
    OUT child_id bigint, OUT rank smallint, OUT unit_id bigint, OUT implicit boolean, OUT walking_m double precision,
    OUT near_home integer, OUT active_choice integer, OUT sibling integer, OUT relative_proximity double precision,
    OUT lottery double precision, OUT key double precision[])
  RETURNS SETOF record
  LANGUAGE c STABLE STRICT
  SET search_path = pg_catalog, pg_temp
  SET jit = off
  AS 'MODULE_PATHNAME', 'skolval_round_applications';
COMMENT ON FUNCTION skolval.placement_applications(bigint) IS
  'The applications of a round as allocate() reads them (the wishes, and for a child without wishes its nearest municipal unit): the child''s value on every criterion and its priority key at the unit (the round''s criteria in order, lower first, then the lottery if not among them, then the child id). Raises the errors allocate() would';

CREATE OR REPLACE FUNCTION skolval.allocate(round_id bigint, mechanism text DEFAULT NULL,
                                 admin_policy text DEFAULT 'min_cost', what_if boolean DEFAULT false)
RETURNS skolval.placement_run
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  t0 timestamptz := pg_catalog.clock_timestamp();
  caller name := skolval._acting_role();
  r skolval.placement_round;
  mech text;
  rid bigint;
  run skolval.placement_run;
  unseated bigint;
  outside bigint;
  over_units bigint;
  independent_admin bigint;
BEGIN
  -- Arguments first: nothing is locked or computed for a call that cannot run.
  IF allocate.round_id IS NULL OR allocate.admin_policy IS NULL OR allocate.what_if IS NULL THEN
    RAISE EXCEPTION 'allocate(): % must not be NULL',
                    CASE WHEN allocate.round_id IS NULL THEN 'round_id' WHEN allocate.admin_policy IS NULL THEN 'admin_policy' ELSE 'what_if' END
      USING ERRCODE = 'null_value_not_allowed', HINT = 'Only mechanism may be NULL (the round''s mechanism).';
  END IF;
  IF allocate.mechanism NOT IN ('deferred_acceptance', 'immediate_acceptance', 'top_trading_cycles') THEN
    RAISE EXCEPTION 'unknown mechanism "%"', allocate.mechanism
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use deferred_acceptance, or immediate_acceptance / top_trading_cycles with what_if => true.';
  END IF;
  IF allocate.admin_policy NOT IN ('nearest_free', 'min_cost') THEN
    RAISE EXCEPTION 'unknown administrative placement policy "%"', allocate.admin_policy
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use nearest_free or min_cost.';
  END IF;
  -- Who may: a real run needs skolval_admin, a what-if run skolval_analyst or skolval_admin.
  -- allocate() is SECURITY DEFINER (an analyst's what-if run writes rows the analyst cannot
  -- write), so the caller is the acting role (sql/operations/audit.sql), not current_user.
  IF NOT pg_catalog.pg_has_role(caller, 'skolval_admin', 'MEMBER') THEN
    IF NOT pg_catalog.pg_has_role(caller, 'skolval_analyst', 'MEMBER') THEN
      RAISE EXCEPTION 'role "%" may not allocate', caller
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'Real runs need skolval_admin; what-if runs skolval_analyst or skolval_admin.';
    ELSIF NOT allocate.what_if THEN
      RAISE EXCEPTION 'role "%" may only make what-if runs', caller
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'A real placement run needs skolval_admin; skolval_analyst may compare with what_if => true.',
              HINT = 'Call skolval.allocate(round_id, what_if => true).';
    END IF;
  END IF;

  -- A real run locks the round's row: real runs and publication of one round never
  -- interleave. FOR NO KEY UPDATE does not conflict with the key-share lock a what-if run's
  -- placement_run row takes on the round, so an open what-if run never blocks a real one;
  -- a what-if run takes no lock at all.
  IF allocate.what_if THEN
    SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id OPERATOR(pg_catalog.=) allocate.round_id;
  ELSE
    SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id OPERATOR(pg_catalog.=) allocate.round_id
       FOR NO KEY UPDATE;
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement round % does not exist', allocate.round_id USING ERRCODE = 'no_data_found';
  END IF;
  mech := COALESCE(allocate.mechanism, r.mechanism);
  IF mech IS NULL OR NOT mech OPERATOR(pg_catalog.=) ANY ('{deferred_acceptance,immediate_acceptance,top_trading_cycles}'::text[]) THEN
    RAISE EXCEPTION 'unknown mechanism "%"', mech
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use deferred_acceptance, or immediate_acceptance / top_trading_cycles with what_if => true.';
  END IF;
  IF allocate.admin_policy IS NULL OR NOT allocate.admin_policy OPERATOR(pg_catalog.=) ANY ('{nearest_free,min_cost}'::text[]) THEN
    RAISE EXCEPTION 'unknown administrative placement policy "%"', allocate.admin_policy
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use nearest_free or min_cost.';
  END IF;
  IF NOT allocate.what_if AND mech OPERATOR(pg_catalog.<>) 'deferred_acceptance' THEN
    RAISE EXCEPTION 'only deferred acceptance may place children for real; % is for comparisons', mech
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Immediate acceptance gives priority to first choices, which Swedish case law does not accept (ÖKN 2017:132); top trading cycles trades priorities away.',
            HINT = 'Call allocate(round_id, mechanism, what_if => true) for a comparison run.';
  END IF;
  IF NOT allocate.what_if AND r.status OPERATOR(pg_catalog.=) 'published' THEN
    RAISE EXCEPTION 'round "%" is published; its placements are final', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'A what-if run (what_if => true) can still be made for comparison.';
  END IF;
  IF skolval.active_network_id() IS NULL THEN
    RAISE EXCEPTION 'no active network: placement needs walking distances'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;

  rid := skolval._allocate_run(r.round_id, mech, allocate.admin_policy, allocate.what_if, caller::text, t0);

  -- The seats, checked on what was stored, after every run (issue 13): every cohort child in
  -- exactly one seat (the primary key gives at most one), no unit over its seats in the round,
  -- and no administrative placement at an independent unit. Otherwise the run is refused and
  -- nothing of it stays.
  SELECT (SELECT pg_catalog.count(*) FROM skolval.round_cohort c
           WHERE c.round_id OPERATOR(pg_catalog.=) r.round_id
             AND NOT EXISTS (SELECT FROM skolval.placement p WHERE p.run_id OPERATOR(pg_catalog.=) rid
                                AND p.child_id OPERATOR(pg_catalog.=) c.child_id)),
         (SELECT pg_catalog.count(*) FROM skolval.placement p
           WHERE p.run_id OPERATOR(pg_catalog.=) rid
             AND NOT EXISTS (SELECT FROM skolval.round_cohort c WHERE c.round_id OPERATOR(pg_catalog.=) r.round_id
                                AND c.child_id OPERATOR(pg_catalog.=) p.child_id)),
         (SELECT pg_catalog.count(*)
            FROM (SELECT p.unit_id, pg_catalog.count(*) AS n FROM skolval.placement p
                   WHERE p.run_id OPERATOR(pg_catalog.=) rid GROUP BY p.unit_id) x
            LEFT JOIN skolval.round_capacity k ON k.round_id OPERATOR(pg_catalog.=) r.round_id
                                              AND k.unit_id OPERATOR(pg_catalog.=) x.unit_id
           WHERE x.n OPERATOR(pg_catalog.>) COALESCE(k.seats, 0)::pg_catalog.int8),
         (SELECT pg_catalog.count(*) FROM skolval.placement p
            JOIN skolval.unit u ON u.unit_id OPERATOR(pg_catalog.=) p.unit_id
           WHERE p.run_id OPERATOR(pg_catalog.=) rid AND p.kind OPERATOR(pg_catalog.=) 'administrative'
             AND u.organizer::pg_catalog.text OPERATOR(pg_catalog.<>) 'municipal')
    INTO unseated, outside, over_units, independent_admin;
  IF unseated OPERATOR(pg_catalog.>) 0 OR outside OPERATOR(pg_catalog.>) 0 OR over_units OPERATOR(pg_catalog.>) 0
     OR independent_admin OPERATOR(pg_catalog.>) 0 THEN
    RAISE EXCEPTION 'the run of round "%" fails the seat check and is refused', r.name
      USING ERRCODE = 'check_violation',
            DETAIL = pg_catalog.format('%s cohort children without a seat, %s placements outside the cohort, %s units over their seats, %s administrative placements at independent units.',
                                       unseated, outside, over_units, independent_admin);
  END IF;
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id OPERATOR(pg_catalog.=) rid;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval.allocate(bigint, text, text, boolean) IS
  'Place every child of a round: student-proposing deferred acceptance over the round''s ordered criteria (in C, src/placement), children without wishes applying to their nearest municipal unit, then administrative placement (min_cost: least total walking under capacity; nearest_free: nearest unit with a seat, in lottery order). Stores a run with placements, cut-offs and Swedish explanations. mechanism immediate_acceptance or top_trading_cycles only with what_if => true; a published round only with what_if => true. A real run needs skolval_admin, a what-if run skolval_analyst or skolval_admin (insufficient_privilege otherwise); SECURITY DEFINER, so analysts can store what-if runs. A what-if run takes no lock and writes only its run, so it never blocks a real run. mechanism NULL: the round''s mechanism; round_id, admin_policy and what_if must not be NULL (22004, checked before anything is locked)';

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

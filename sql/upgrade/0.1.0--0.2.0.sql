-- skolval 0.1.0 -> 0.2.0: changes to objects that already existed in 0.1.0.
-- New objects come from their own parts (listed in 0.1.0--0.2.0.parts after this file).

-- ==== operations (roles, audit): BEGIN
-- allocate() became SECURITY DEFINER with a role check (sql/92_roles.sql), and records the
-- acting role as created_by; staging_clear() restarts the source rows with setval() (a
-- skolval_admin does not own the sequences); _demo_clear() leaves the append-only audit log
-- alone. Copies of the definitions in sql/45_placement.sql, sql/50_staging.sql and
-- sql/60_demo.sql: keep them equal.
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
  -- write), so the caller is the acting role (90_audit.sql), not current_user.
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


CREATE OR REPLACE FUNCTION skolval.staging_clear() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  TRUNCATE skolval.staging_unit, skolval.staging_residence, skolval.staging_sibling,
           skolval.staging_enrollment, skolval.staging_wish;
  FOREACH t IN ARRAY ARRAY['staging_unit', 'staging_residence', 'staging_sibling', 'staging_enrollment', 'staging_wish'] LOOP
    PERFORM pg_catalog.setval(pg_catalog.pg_get_serial_sequence('skolval.' || t, 'source_row'), 1, false);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION skolval._demo_clear(replace boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t record;
  tables text[] := '{}';
  busy text[] := '{}';
  has_rows boolean;
BEGIN
  FOR t IN
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS qualified, c.relname
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE c.relkind = 'r' AND c.relname NOT IN ('settings', 'audit_log')
     ORDER BY c.relname
  LOOP
    tables := tables || t.qualified;
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s)', t.qualified) INTO has_rows;
    IF has_rows THEN
      busy := busy || t.relname::text;
    END IF;
  END LOOP;
  IF cardinality(busy) > 0 AND NOT replace THEN
    RAISE EXCEPTION 'skolval already holds data; the example municipality is only created in an empty skolval'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Tables with rows: ' || array_to_string(busy, ', ') || '.',
            HINT = 'Call skolval.demo_municipality(replace => true) to delete all skolval data first, or use another database.';
  END IF;
  EXECUTE 'TRUNCATE ' || array_to_string(tables, ', ') || ' RESTART IDENTITY';
END $$;

COMMENT ON FUNCTION skolval.allocate(bigint, text, text, boolean) IS
  'Place every child of a round: student-proposing deferred acceptance over the round''s ordered criteria (skolval_allocate() in C), children without wishes applying to their nearest municipal unit, then administrative placement (min_cost: least total walking under capacity; nearest_free: nearest unit with a seat, in lottery order). Stores a run with placements, cut-offs and Swedish explanations. mechanism immediate_acceptance or top_trading_cycles only with what_if => true; a published round only with what_if => true. A real run needs skolval_admin, a what-if run skolval_analyst or skolval_admin (insufficient_privilege otherwise); SECURITY DEFINER, so analysts can store what-if runs';
COMMENT ON COLUMN skolval.placement_run.created_by IS 'Who made it: the acting role (SET ROLE, else the login role), also for what-if runs analysts make through the SECURITY DEFINER allocate()';
COMMENT ON FUNCTION skolval._demo_clear(boolean) IS
  'Raise object_not_in_prerequisite_state when any skolval table except settings and audit_log holds rows, unless replace; then empty them all and restart their identities';
-- ==== operations (roles, audit): END

-- nightly() gained a "today" parameter and the payment steps; it is defined again in
-- 87_nightly_job.sql.
DROP FUNCTION skolval.nightly();

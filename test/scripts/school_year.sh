#!/usr/bin/env bash
# The school year after the main round (issue 16), as a scenario on a generated municipality,
# for each of SKOLVAL_YEAR_SEEDS (default "11 12"):
#   main round published -> 20 declines and 10 moves away -> refill round -> 15 newcomers (placed
#   between rounds) and 10 late applications (waiting) -> switch round with new wishes (tie-break
#   by application time) -> 3 appeals, one late, one ending in an ordered place -> reserve round
#   with offers (accepted, declined, lapsed) -> a refill round after the ordered place.
# After every step, with SQL written here and independently of sql/year (derived from the base
# tables: the published run's rows, the amendments, the snapshots taken before the step):
#   - every child of the year has exactly one current placement (and the view agrees);
#   - no unit is over capacity except by ordered places (open offers count as taken);
#   - no placed child is worse off than before the step (its new unit is its old one or one of
#     its wishes in force, derived here from the waiting lists and applications before the step);
#   - the result is stable for the wishes in force (no child prefers a unit with a free seat, or
#     one that newly admitted a child with lower priority there);
#   - waiting-list positions agree with the priorities (recounted; at publication the lists and
#     keys are recomputed from the main round's wishes and placement_applications());
#   - every change has its decision, motivation and letter.
# Also: the published run never changes; amendments cannot be edited; roles; the exports.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
db=skolval_test_year
seeds=${SKOLVAL_YEAR_SEEDS:-11 12}
q() { "${PSQL[@]}" -d $db "$@"; }
zero() { # zero LABEL SQL: the query must count 0 violations
    local n
    n=$(q -c "$2")
    [ "$n" = 0 ] || fail "$1: $n violations ($(q -c "$2" 2>&1 | head -c 300))"
    echo "ok: $1"
}

refused() { # refused LABEL SQLSTATE SQL
    local out
    out=$(q -v VERBOSITY=verbose -c "$3" 2>&1 || true)
    grep -q "ERROR:  $2" <<<"$out" || fail "$1: expected SQLSTATE $2, got: $out"
    echo "ok: $1 is refused with $2 ($(grep -o -m1 'ERROR: .*' <<<"$out" | cut -c15-100))"
}

checks_sql=$(cat <<'EOF'
CREATE SCHEMA chk;
-- The current placement derived from the base tables: the run's row, overridden by the child's
-- latest amendment (a NULL unit: no place).
CREATE FUNCTION chk.derived() RETURNS TABLE (child_id bigint, unit_id bigint, ordered boolean) LANGUAGE sql STABLE AS $f$
  WITH run AS (SELECT run_id FROM skolval.placement_run WHERE round_id = 1 AND status = 'published'),
  ev AS (SELECT p.child_id, p.unit_id, 0::bigint AS seq, false AS ordered FROM skolval.placement p JOIN run USING (run_id)
         UNION ALL
         SELECT a.child_id, a.unit_id, a.amendment_id, a.above_capacity FROM skolval.placement_amendment a WHERE a.round_id = 1),
  last AS (SELECT DISTINCT ON (ev.child_id) ev.* FROM ev ORDER BY ev.child_id, ev.seq DESC)
  SELECT last.child_id, last.unit_id, last.ordered FROM last WHERE last.unit_id IS NOT NULL
$f$;
CREATE TABLE chk.before (child_id bigint PRIMARY KEY, unit_id bigint);
CREATE TABLE chk.wl_before (child_id bigint, unit_id bigint, wish_rank int, priority_key float8[]);
CREATE TABLE chk.app_before (application_id bigint, child_id bigint, units bigint[], later_round_id bigint, submitted_at timestamptz);
CREATE FUNCTION chk.snap() RETURNS void LANGUAGE sql AS $f$
  TRUNCATE chk.before, chk.wl_before, chk.app_before;
  INSERT INTO chk.before SELECT d.child_id, d.unit_id FROM chk.derived() d;
  INSERT INTO chk.wl_before SELECT w.child_id, w.unit_id, w.wish_rank, w.priority_key FROM skolval.waiting_list w
   WHERE w.round_id = 1 AND w.left_at IS NULL;
  INSERT INTO chk.app_before SELECT a.application_id, a.child_id, a.units, a.later_round_id, a.submitted_at
    FROM skolval.year_application a WHERE a.round_id = 1 AND a.handled_at IS NULL;
$f$;
-- The wishes in force of later round l, derived from the snapshots: the child's latest pending
-- application (in a refill round only for a child without a place), else its waiting-list
-- entries in rank order; cut before the child's current unit.
CREATE FUNCTION chk.lists(l bigint) RETURNS TABLE (child_id bigint, units bigint[]) LANGUAGE sql STABLE AS $f$
  WITH lr AS (SELECT * FROM skolval.later_round WHERE later_round_id = l),
  app AS (SELECT DISTINCT ON (a.child_id) a.child_id, a.units FROM chk.app_before a, lr
           WHERE (a.later_round_id IS NULL OR a.later_round_id = l)
             AND (lr.kind <> 'refill' OR a.child_id NOT IN (SELECT b.child_id FROM chk.before b))
           ORDER BY a.child_id, a.submitted_at DESC, a.application_id DESC),
  wl AS (SELECT w.child_id, array_agg(w.unit_id ORDER BY w.wish_rank, w.unit_id) AS units FROM chk.wl_before w GROUP BY 1),
  raw AS (SELECT coalesce(app.child_id, wl.child_id) AS child_id,
                 CASE WHEN app.child_id IS NOT NULL THEN app.units ELSE wl.units END AS units
            FROM app FULL JOIN wl ON wl.child_id = app.child_id
           WHERE app.child_id IS NOT NULL OR wl.child_id IN (SELECT b.child_id FROM chk.before b))
  SELECT raw.child_id,
         CASE WHEN array_position(raw.units, b.unit_id) IS NULL THEN raw.units
              ELSE raw.units[1:array_position(raw.units, b.unit_id) - 1] END
    FROM raw LEFT JOIN chk.before b ON b.child_id = raw.child_id
$f$;
EOF
)

for seed in $seeds; do
echo "== seed $seed"
scratch_db $db
q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 300, seed => $seed, network_edges => 3000)" \
  -c "SELECT skolval.set_four_eyes(false, 'school_year.sh: one login plays every part')" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" \
  -c "SELECT count(*) FROM skolval.demo_guardians($seed)" \
  -c "SELECT skolval.set_decision_maker(1, 'Handläggare', 'Eva Ek', 'Delegationsordning BSN 2026, punkt 4.2')" >/dev/null
q -c "$checks_sql" >/dev/null
run=$(q -c "SELECT run_id FROM skolval.allocate(1)")
q -c "SET client_min_messages = warning" \
  -c "SELECT skolval.override_blocking_issues($run, 'test: the example''s unconfirmed sibling claims are known')" \
  -c "SELECT status FROM skolval.publish($run)" >/dev/null
run_md5=$(q -c "SELECT md5(string_agg(p::text, '|' ORDER BY child_id)) FROM skolval.placement p WHERE run_id = $run")
q -c "SELECT count(*) FROM (SELECT skolval.set_capacity_justification(1, unit_id, 2, seats / 2 + 1, 'BSN 2026-12-01 § 14',
        'Skolan har två klassrum för förskoleklass; nämnden har beslutat om högst ' || (seats / 2 + 1) || ' elever per grupp.')
        FROM skolval.round_capacity WHERE round_id = 1) x" >/dev/null

every_step() { # every_step LABEL
    zero "$1: every child of the year has exactly one current placement" \
      "SELECT count(*) FROM chk.derived() d FULL JOIN (SELECT child_id, count(*) AS n, min(unit_id) AS u FROM skolval.current_placement
        WHERE round_id = 1 GROUP BY 1) v USING (child_id) WHERE v.n IS DISTINCT FROM 1 OR v.u IS DISTINCT FROM d.unit_id"
    zero "$1: no unit over capacity except by ordered places" \
      "SELECT count(*) FROM (SELECT d.unit_id, count(*) FILTER (WHERE NOT d.ordered) AS n FROM chk.derived() d GROUP BY 1) x
        LEFT JOIN skolval.round_capacity rc ON rc.round_id = 1 AND rc.unit_id = x.unit_id
        LEFT JOIN (SELECT unit_id, count(*) AS n FROM skolval.placement_offer WHERE status = 'open' GROUP BY 1) o ON o.unit_id = x.unit_id
       WHERE x.n + coalesce(o.n, 0) > coalesce(rc.seats, 0)"
    zero "$1: waiting-list positions agree with the priority keys" \
      "SELECT count(*) FROM skolval.waiting_list_position p
        WHERE p.position <> 1 + (SELECT count(*) FROM skolval.waiting_list w WHERE w.round_id = p.round_id AND w.unit_id = p.unit_id
                                   AND w.left_at IS NULL AND (w.priority_key, w.child_id) < (p.priority_key, p.child_id))"
    zero "$1: no child waits for the unit it is placed at, or waits without a place" \
      "SELECT count(*) FROM skolval.waiting_list w LEFT JOIN chk.derived() d ON d.child_id = w.child_id
        WHERE w.left_at IS NULL AND (d.unit_id IS NULL OR d.unit_id = w.unit_id)"
    zero "$1: every amendment has a decision, a motivation and a letter" \
      "SELECT count(*) FROM skolval.placement_amendment a
        WHERE btrim(a.decision_sv) = '' OR btrim(a.motivation_sv) = ''
           OR NOT EXISTS (SELECT 1 FROM skolval.year_letter l WHERE l.amendment_id = a.amendment_id AND l.body_sv LIKE '%' || a.motivation_sv || '%')"
    zero "$1: every offer and appeal has its letter" \
      "SELECT (SELECT count(*) FROM skolval.placement_offer o WHERE NOT EXISTS (SELECT 1 FROM skolval.year_letter l WHERE l.offer_id = o.offer_id AND l.kind = 'offer'))
            + (SELECT count(*) FROM skolval.appeal a WHERE NOT EXISTS (SELECT 1 FROM skolval.year_letter l WHERE l.appeal_id = a.appeal_id AND l.kind = 'appeal_received'))"
    # the decision outbox (sql/delivery): every letter reaches every guardian with custody, by the
    # e-service and by the guardian's own channel, with a case number; an amendment has its own
    zero "$1: every letter is in the outbox for every guardian with custody, on both channels" \
      "SELECT count(*) FROM skolval.year_letter l JOIN skolval.custody k ON k.child_id = l.child_id
         JOIN skolval.guardian g ON g.guardian_id = k.guardian_id CROSS JOIN LATERAL (VALUES ('e_service'), (g.channel)) ch(channel)
        WHERE NOT EXISTS (SELECT 1 FROM skolval.outbox o WHERE o.letter_id = l.letter_id AND o.guardian_id = g.guardian_id
                             AND o.channel = ch.channel AND o.case_number IS NOT NULL AND o.child_id = l.child_id)"
    zero "$1: every child with a letter has a guardian with custody, and nothing else is in the outbox for it" \
      "SELECT (SELECT count(*) FROM skolval.year_letter l WHERE NOT EXISTS (SELECT 1 FROM skolval.custody k WHERE k.child_id = l.child_id)
                 OR l.outbox_id IS DISTINCT FROM (SELECT min(o.outbox_id) FROM skolval.outbox o WHERE o.letter_id = l.letter_id))
            + (SELECT count(*) FROM skolval.outbox o WHERE o.letter_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM skolval.custody k WHERE k.child_id = o.child_id AND k.guardian_id = o.guardian_id))"
    zero "$1: every amendment has a case number of its own, printed on its letters" \
      "SELECT (SELECT count(*) FROM skolval.placement_amendment a WHERE a.case_number IS NULL
                 OR EXISTS (SELECT 1 FROM skolval.year_letter l JOIN skolval.outbox o ON o.letter_id = l.letter_id
                             WHERE l.amendment_id = a.amendment_id AND o.case_number IS DISTINCT FROM a.case_number))
            + (SELECT count(*) - count(DISTINCT n) FROM (SELECT case_number FROM skolval.placement_amendment
                                                         UNION ALL SELECT case_number FROM skolval.decision) x(n))"
}
no_one_worse() { # no_one_worse LABEL LATER_ROUND_ID: for a direct round
    zero "$1: no placed child lost its place or ended worse off" \
      "SELECT count(*) FROM chk.before b LEFT JOIN chk.derived() d USING (child_id) LEFT JOIN chk.lists($2) l USING (child_id)
        WHERE d.unit_id IS NULL OR (d.unit_id <> b.unit_id AND array_position(coalesce(l.units, '{}'), d.unit_id) IS NULL)"
    zero "$1: the round matched exactly the wishes in force derived here" \
      "SELECT count(*) FROM chk.lists($2) l FULL JOIN (SELECT child_id, array_agg(unit_id ORDER BY rank) AS units
         FROM skolval.later_round_wish WHERE later_round_id = $2 AND NOT guaranteed AND NOT implicit GROUP BY 1) s USING (child_id)
        WHERE coalesce(l.units, '{}') IS DISTINCT FROM coalesce(s.units, '{}')"
}
stable() { # stable LABEL LATER_ROUND_ID OFFERS(true|false)
    # the result per child: its placement now (direct) or its offer / new placement (offer round)
    zero "$1: stable for the wishes in force" \
      "WITH res AS (
         SELECT d.child_id, coalesce(o.unit_id, d.unit_id) AS unit_id, (b.unit_id IS DISTINCT FROM coalesce(o.unit_id, d.unit_id)) AS newly
           FROM chk.derived() d LEFT JOIN chk.before b USING (child_id)
           LEFT JOIN skolval.placement_offer o ON o.child_id = d.child_id AND o.later_round_id = $2),
       room AS (
         SELECT rc.unit_id,
                CASE WHEN $3 THEN rc.seats - (SELECT count(*) FROM chk.before b WHERE b.unit_id = rc.unit_id)
                              - (SELECT count(*) FROM res WHERE res.unit_id = rc.unit_id AND res.newly)
                     ELSE rc.seats - (SELECT count(*) FROM res WHERE res.unit_id = rc.unit_id) END AS free
           FROM skolval.round_capacity rc WHERE rc.round_id = 1),
       pref AS (
         SELECT l.child_id, u.unit_id, u.i, res.unit_id AS got
           FROM chk.lists($2) l JOIN res USING (child_id), unnest(l.units) WITH ORDINALITY AS u(unit_id, i)
          WHERE u.i < coalesce(array_position(l.units, res.unit_id), cardinality(l.units) + 1))
       SELECT count(*) FROM pref
        WHERE coalesce((SELECT free FROM room WHERE room.unit_id = pref.unit_id), 0) > 0
           OR EXISTS (SELECT 1 FROM res r2
                       JOIN skolval.later_round_wish k2 ON k2.later_round_id = $2 AND k2.child_id = r2.child_id AND k2.unit_id = pref.unit_id
                       JOIN skolval.later_round_wish k1 ON k1.later_round_id = $2 AND k1.child_id = pref.child_id AND k1.unit_id = pref.unit_id
                      WHERE r2.unit_id = pref.unit_id AND r2.newly AND NOT k2.guaranteed AND k2.priority_key > k1.priority_key)"
}

# ---- step 0: publication ----------------------------------------------------------------------
q -c "SELECT chk.snap()" >/dev/null
every_step "published"
zero "published: every child waits exactly at the units it ranked above its placement, with the round's keys" \
  "WITH expect AS (
     SELECT w.child_id, w.unit_id, a.key FROM skolval.wish w
       JOIN skolval.placement p ON p.run_id = $run AND p.child_id = w.child_id
       JOIN skolval.placement_applications(1) a ON a.child_id = w.child_id AND a.unit_id = w.unit_id
      WHERE w.round_id = 1 AND (p.kind <> 'wish' OR w.rank < p.wish_rank)),
   got AS (SELECT child_id, unit_id, priority_key AS key FROM skolval.waiting_list WHERE left_at IS NULL)
   SELECT count(*) FROM expect FULL JOIN got USING (child_id, unit_id) WHERE expect.key IS DISTINCT FROM got.key"
assert_eq "published: some children wait" t "$(q -c "SELECT count(*) > 10 FROM skolval.waiting_list")"

# ---- step 1: 20 declines and 10 moves away ---------------------------------------------------
q -c "SELECT chk.snap()" >/dev/null
q -c "SELECT count(*) FROM (SELECT skolval.decline_place(1, child_id, '2027-04-10')
        FROM skolval.current_placement WHERE round_id = 1 ORDER BY md5(child_id::text || '$seed') LIMIT 20) x" >/dev/null
q -c "SELECT count(*) FROM (SELECT skolval.record_move_away(1, child_id, '2027-04-12')
        FROM skolval.current_placement WHERE round_id = 1 ORDER BY md5(child_id::text || 'away$seed') LIMIT 10) x" >/dev/null
every_step "declines and moves"
assert_eq "declines and moves: 30 places given up" 30 \
  "$(q -c "SELECT (SELECT count(*) FROM chk.before) - (SELECT count(*) FROM chk.derived())")"
zero "declines and moves: nobody else changed" \
  "SELECT count(*) FROM chk.derived() d JOIN chk.before b USING (child_id) WHERE d.unit_id <> b.unit_id"

# ---- step 2: refill round (lottery, direct) --------------------------------------------------
shadow=$(q -c "SELECT skolval.year_prepare(1, '2027-04-15')")
q -c "SELECT count(*) FROM skolval.compute_distances($shadow)" >/dev/null
q -c "SELECT chk.snap()" >/dev/null
lr=$(q -c "SELECT later_round_id FROM skolval.open_later_round(1, 'Omfördelning $seed', 'refill', '2027-04-20')")
echo "   refill: $(q -c "SELECT skolval.run_later_round($lr)")"
every_step "refill"
no_one_worse "refill" $lr
stable "refill" $lr false
assert_eq "refill: freed seats went to children waiting" t \
  "$(q -c "SELECT count(*) > 0 FROM skolval.placement_amendment WHERE later_round_id = $lr")"

# ---- step 3: 15 newcomers placed between rounds, 10 late applications waiting ----------------
q -c "CREATE FUNCTION chk.pnr(b date, serial int) RETURNS text LANGUAGE sql AS \$f\$
        SELECT to_char(b, 'YYYYMMDD') || lpad(serial::text, 3, '0') || ((10 - sum(CASE WHEN v > 9 THEN v - 9 ELSE v END) % 10) % 10)::text
          FROM (SELECT substr(to_char(b, 'YYMMDD') || lpad(serial::text, 3, '0'), i, 1)::int * (2 - (i + 1) % 2) AS v
                  FROM generate_series(1, 9) i) x \$f\$" >/dev/null
q -c "INSERT INTO skolval.child (personal_number, given_name, family_name, birth_date, protected_identity)
      SELECT chk.pnr(date '2021-12-01' + i, 900 + i), 'Ny' || i, 'Inflyttad', date '2021-12-01' + i, i = 3
        FROM generate_series(1, 15) i" >/dev/null
# their guardians, from the population register: one each, the protected child's without address
q -c "INSERT INTO skolval.guardian (personal_number, given_name, family_name, address, postal_code, postal_town, channel, sekretessmarkering)
      SELECT chk.pnr(date '1990-01-01' + i, 800 + i), 'Förälder' || i, 'Inflyttad', CASE WHEN i <> 3 THEN 'Nyväg ' || i END,
             CASE WHEN i <> 3 THEN '999 99' END, CASE WHEN i <> 3 THEN 'Exempelstad' END,
             CASE WHEN i % 2 = 0 THEN 'digital_mailbox' ELSE 'paper' END, i = 3
        FROM generate_series(1, 15) i" >/dev/null
q -c "INSERT INTO skolval.custody (child_id, guardian_id)
      SELECT c.child_id, g.guardian_id FROM skolval.child c JOIN skolval.guardian g ON g.given_name = 'Förälder' || substr(c.given_name, 3)
       WHERE c.family_name = 'Inflyttad' AND g.family_name = 'Inflyttad'" >/dev/null
q -c "INSERT INTO skolval.residence (child_id, municipality_code, address, district_code, home, valid_from)
      SELECT c.child_id, '9999', 'Nyväg ' || c.child_id, r.district_code, ST_Translate(r.home, 25, 25), '2027-05-01'
        FROM skolval.child c
        CROSS JOIN LATERAL (SELECT * FROM skolval.residence r WHERE r.child_id <> c.child_id AND r.home IS NOT NULL
                             ORDER BY md5(r.residence_id::text || c.child_id::text || '$seed') LIMIT 1) r
       WHERE c.family_name = 'Inflyttad'" >/dev/null
q -c "SELECT count(*) FROM (SELECT skolval.year_apply(1, c.child_id,
        (SELECT coalesce(array_agg(unit_id ORDER BY md5(unit_id::text || c.child_id::text)), '{}') FROM (SELECT unit_id FROM skolval.round_capacity
          WHERE round_id = 1 ORDER BY md5(unit_id::text || c.child_id::text || '$seed') LIMIT (c.child_id % 3)::int) u),
        timestamptz '2027-05-02 08:00' + c.child_id * interval '1 minute') FROM skolval.child c WHERE c.family_name = 'Inflyttad') x" >/dev/null
# late applications: children placed without wishes in the main round
late=$(q -c "SELECT string_agg(child_id::text, ',') FROM (SELECT p.child_id FROM skolval.placement p
               JOIN chk.derived() d USING (child_id) WHERE p.run_id = $run AND p.kind <> 'wish'
                AND NOT EXISTS (SELECT 1 FROM skolval.wish w WHERE w.round_id = 1 AND w.child_id = p.child_id)
              ORDER BY md5(p.child_id::text || '$seed') LIMIT 10) x")
[ "$(tr ',' '\n' <<<"$late" | wc -l)" = 10 ] || fail "the generated round has fewer than 10 children placed without wishes"
q -c "SELECT count(*) FROM (SELECT skolval.year_apply(1, c, (SELECT array_agg(unit_id) FROM (SELECT unit_id FROM skolval.round_capacity
          WHERE round_id = 1 ORDER BY md5(unit_id::text || c::text) LIMIT 2) u), timestamptz '2027-05-03 09:00' + c * interval '1 minute')
        FROM unnest('{$late}'::bigint[]) c) x" >/dev/null
assert_eq "applications: kinds as registered" "in_mover:15 late:10" \
  "$(q -c "SELECT string_agg(kind || ':' || n, ' ' ORDER BY kind) FROM (SELECT kind, count(*) n FROM skolval.year_application GROUP BY 1) x")"
shadow=$(q -c "SELECT skolval.year_prepare(1, '2027-05-05')")
q -c "SELECT count(*) FROM skolval.compute_distances($shadow)" >/dev/null
q -c "SELECT chk.snap()" >/dev/null
# late applications wait (the default), in-movers are placed now
out=$(q -v VERBOSITY=verbose -c "SELECT skolval.place_between_rounds(application_id, '2027-05-06') FROM skolval.year_application WHERE kind = 'late' LIMIT 1" 2>&1 || true)
grep -q 55000 <<<"$out" || fail "a late application under 'wait' was placed between rounds: $out"
echo "ok: a late application waits for the next round (setting wait): refused with 55000"
q -c "SELECT count(*) FROM (SELECT skolval.place_between_rounds(application_id, '2027-05-06') FROM skolval.year_application
        WHERE kind = 'in_mover' ORDER BY application_id) x" >/dev/null
every_step "newcomers"
zero "newcomers: nobody placed before changed" \
  "SELECT count(*) FROM chk.before b LEFT JOIN chk.derived() d USING (child_id) WHERE d.unit_id IS DISTINCT FROM b.unit_id"
zero "newcomers: a wished seat was taken only when fewer children with higher priority waited there than seats were free" \
  "SELECT count(*) FROM skolval.placement_amendment a
     JOIN skolval.round_capacity rc ON rc.round_id = 1 AND rc.unit_id = a.unit_id
    WHERE a.kind = 'placed_between_rounds' AND a.wish_rank IS NOT NULL
      AND (SELECT count(*) FROM chk.wl_before w WHERE w.unit_id = a.unit_id
              AND w.priority_key < ARRAY(SELECT jsonb_array_elements_text(a.explanation->'priority_key')::float8))
          >= rc.seats - (SELECT count(*) FROM chk.before b WHERE b.unit_id = a.unit_id)"
zero "newcomers: a child without a wish met got a unit with seats beyond everyone waiting there" \
  "SELECT count(*) FROM skolval.placement_amendment a
     JOIN skolval.round_capacity rc ON rc.round_id = 1 AND rc.unit_id = a.unit_id
    WHERE a.kind = 'placed_between_rounds' AND a.wish_rank IS NULL
      AND (SELECT count(*) FROM chk.wl_before w WHERE w.unit_id = a.unit_id)
          >= rc.seats - (SELECT count(*) FROM chk.before b WHERE b.unit_id = a.unit_id)"
assert_eq "newcomers: all 15 placed" 15 "$(q -c "SELECT count(*) FROM skolval.placement_amendment WHERE kind = 'placed_between_rounds'")"

# ---- step 4: switch round with new wishes (tie-break by application time, direct) -----------
q -c "SELECT count(*) FROM (SELECT skolval.year_apply(1, d.child_id,
        (SELECT array_agg(unit_id) FROM (SELECT unit_id FROM skolval.round_capacity WHERE round_id = 1 AND unit_id <> d.unit_id
           ORDER BY md5(unit_id::text || d.child_id::text || 'sw$seed') LIMIT 1 + (d.child_id % 3)::int) u),
        timestamptz '2027-05-10 08:00' + (d.child_id % 7) * interval '1 hour')
        FROM chk.derived() d WHERE d.child_id NOT IN ($late) ORDER BY md5(d.child_id::text || 'switch$seed') LIMIT 25) x" >/dev/null
q -c "SELECT skolval.set_school_year(1, show_position_to_family => true)" >/dev/null
shadow=$(q -c "SELECT skolval.year_prepare(1, '2027-05-15')")
q -c "SELECT count(*) FROM skolval.compute_distances($shadow)" >/dev/null
q -c "SELECT chk.snap()" >/dev/null
lr=$(q -c "SELECT later_round_id FROM skolval.open_later_round(1, 'Omval $seed', 'switch', '2027-05-20', tie_break => 'application_time')")
echo "   switch: $(q -c "SELECT skolval.run_later_round($lr)")"
every_step "switch"
no_one_worse "switch" $lr
stable "switch" $lr false
zero "switch: every child still waiting got a letter with its positions, as the view counts them" \
  "SELECT count(*) FROM (SELECT DISTINCT child_id FROM skolval.later_round_wish WHERE later_round_id = $lr AND outcome = 'rejected'
                           AND NOT guaranteed AND NOT implicit) w
    WHERE NOT EXISTS (SELECT 1 FROM skolval.year_letter l WHERE l.child_id = w.child_id AND l.kind = 'waiting_list'
                         AND l.body_sv LIKE '%' || (SELECT format('%s (plats %s av %s)', u.name, p.position, p.waiting)
                                                      FROM skolval.waiting_list_position p JOIN skolval.unit u USING (unit_id)
                                                     WHERE p.child_id = w.child_id ORDER BY p.wish_rank LIMIT 1) || '%')"
q -c "SELECT skolval.set_school_year(1, show_position_to_family => false)" >/dev/null
assert_eq "switch: the late applications were handled" 10 \
  "$(q -c "SELECT count(*) FROM skolval.year_application WHERE kind = 'late' AND child_id IN ($late) AND handled_by_later_round_id = $lr")"
assert_eq "switch: keys carry the application time before the lottery" t \
  "$(q -c "SELECT bool_and(cardinality(priority_key) = cardinality(round_key) + 1) FROM skolval.later_round_wish WHERE later_round_id = $lr AND NOT guaranteed")"

# ---- step 5: three appeals, one late, one ending in an ordered place -------------------------
q -c "SELECT chk.snap()" >/dev/null
# children still placed whose main-round wish was rejected (any criterion but near-home); the
# third at the unit with the fewest free seats now (full in the seeds used: the ordered place
# then goes above capacity)
read -r c1 u1 c2 u2 c3 u3 <<<"$(q -F ' ' -c "WITH cand AS (
    SELECT DISTINCT ON (pw.child_id) pw.child_id, pw.unit_id, o.free_seats FROM skolval.placement_wish pw JOIN chk.derived() d USING (child_id)
      JOIN skolval.current_unit_occupancy o ON o.round_id = 1 AND o.unit_id = pw.unit_id
     WHERE pw.run_id = $run AND pw.outcome = 'rejected' AND pw.decisive_criterion <> 'near_home' AND d.unit_id <> pw.unit_id
     ORDER BY pw.child_id, pw.rank),
  third AS (SELECT * FROM cand ORDER BY free_seats, child_id LIMIT 1)
  SELECT string_agg(child_id || ' ' || unit_id, ' ' ORDER BY o, child_id) FROM (
    (SELECT child_id, unit_id, 1 AS o FROM cand WHERE child_id NOT IN (SELECT child_id FROM third) ORDER BY child_id LIMIT 2)
    UNION ALL SELECT child_id, unit_id, 2 FROM third) x")"
[ -n "${u3:-}" ] || fail "the generated round has fewer than 3 children to appeal"
full=$(q -c "SELECT free_seats = 0 FROM skolval.current_unit_occupancy WHERE round_id = 1 AND unit_id = $u3")
echo "   appeals: children $c1 $c2 $c3; the ordered unit $u3 is full: $full"
a1=$(q -c "SELECT appeal_id FROM skolval.register_appeal(1, $c1, '2027-04-14', '2027-03-30', $u1, 'Vi vill ha vår förstahandsskola.')")
a2=$(q -c "SELECT appeal_id FROM skolval.register_appeal(1, $c2, '2027-04-22', '2027-03-30', $u2)")
a3=$(q -c "SELECT appeal_id FROM skolval.register_appeal(1, $c3, '2027-04-19', '2027-03-30', $u3)")
# delivered Tue 30 March: 21 days = Tue 20 April (on time up to then)
assert_eq "appeals: deadline, on time, route" "2027-04-20|true|forvaltningsbesvar 2027-04-20|false|forvaltningsbesvar 2027-04-20|true|forvaltningsbesvar" \
  "$(q -c "SELECT string_agg(deadline || '|' || on_time || '|' || route, ' ' ORDER BY appeal_id) FROM skolval.appeal")"
assert_eq "appeals: a deadline on a Saturday moves to Monday" 2027-04-26 "$(q -c "SELECT skolval.next_weekday(date '2027-04-03' + 21)")"
# A decision delivered Thu 15 April 2027: 21 days on is Kristi himmelsfärdsdag (Thu 6 May), so
# the last day is Fri 7 May; an appeal received on 7 May is on time, one received on 8 May is late.
# (registered in a transaction that is rolled back: the scenario keeps its three appeals)
assert_eq "appeals: a deadline on a public holiday (Ascension Day) moves to the next working day" "2027-05-07|true 2027-05-07|false" \
  "$(q -c "BEGIN" -c "SELECT string_agg(deadline || '|' || on_time, ' ' ORDER BY received_date)
       FROM unnest(ARRAY[date '2027-05-07', '2027-05-08']) r, LATERAL skolval.register_appeal(1, $c1, r, '2027-04-15') a" -c "ROLLBACK")"
q -c "SELECT skolval.review_appeal($a1, false, '2027-04-26'), skolval.review_appeal($a2, false, '2027-04-26'), skolval.review_appeal($a3, false, '2027-04-26')" >/dev/null
reply=$(q -c "SELECT skolval.appeal_draft_reply($a3)")
grep -q "BSN 2026-12-01 § 14" <<<"$reply" && grep -q "Gränsvärde" <<<"$reply" && grep -q "Motivering i beslutet" <<<"$reply" \
  && grep -q "Skolväsendets överklagandenämnd" <<<"$reply" || fail "the draft reply lacks the justification, cut-off, motivation or addressee: $reply"
echo "ok: the draft reply quotes the motivation, the cut-off and the capacity justification"
q -c "SELECT skolval.record_appeal_outcome($a1, 'rejected', '2027-06-20', 'ÖKN 2027:101')" >/dev/null
q -c "SELECT skolval.record_appeal_outcome($a3, 'ordered_place', '2027-06-21', 'ÖKN 2027:102')" >/dev/null
out=$(q -v VERBOSITY=verbose -c "SELECT skolval.record_appeal_outcome($a2, 'ordered_place', '2027-06-21')" 2>&1 || true)
grep -q 55000 <<<"$out" || fail "the late appeal (dismissed at review) got an outcome: $out"
assert_eq "appeals: outcomes" "rejected dismissed_late ordered_place" "$(q -c "SELECT string_agg(outcome, ' ' ORDER BY appeal_id) FROM skolval.appeal")"
every_step "appeals"
assert_eq "appeals: the ordered place is flagged above capacity exactly when the unit was full" "$full|$u3" \
  "$(q -c "SELECT CASE WHEN above_capacity THEN 't' ELSE 'f' END || '|' || unit_id FROM skolval.placement_amendment WHERE appeal_id = $a3")"
zero "appeals: every other child kept its place" \
  "SELECT count(*) FROM chk.before b JOIN chk.derived() d USING (child_id) WHERE d.unit_id <> b.unit_id AND b.child_id <> $c3"
if [ "$full" = t ]; then
  assert_eq "appeals: the full unit holds seats + 1 children, one of them ordered above capacity" t \
    "$(q -c "SELECT placed = seats + 1 AND ordered_above_capacity = 1 FROM skolval.current_unit_occupancy WHERE round_id = 1 AND unit_id = $u3")"
fi

# ---- step 6: reserve round with offers ------------------------------------------------------
q -c "SELECT count(*) FROM (SELECT skolval.decline_place(1, child_id, '2027-06-01') FROM chk.derived()
        ORDER BY md5(child_id::text || 'late$seed') LIMIT 6) x" >/dev/null
q -c "SELECT count(*) FROM (SELECT skolval.year_apply(1, d.child_id,
        (SELECT array_agg(unit_id) FROM (SELECT unit_id FROM skolval.round_capacity WHERE round_id = 1 AND unit_id <> d.unit_id
           ORDER BY md5(unit_id::text || d.child_id::text || 'res$seed') LIMIT 2) u), timestamptz '2027-06-02 10:00')
        FROM chk.derived() d ORDER BY md5(d.child_id::text || 'reserve$seed') LIMIT 30) x" >/dev/null
shadow=$(q -c "SELECT skolval.year_prepare(1, '2027-06-05')")
q -c "SELECT count(*) FROM skolval.compute_distances($shadow)" >/dev/null
q -c "SELECT chk.snap()" >/dev/null
lr=$(q -c "SELECT later_round_id FROM skolval.open_later_round(1, 'Reservomgång $seed', 'reserve', '2027-06-10', uses_offers => true, answer_days => 10)")
echo "   reserve: $(q -c "SELECT skolval.run_later_round($lr)")"
every_step "reserve offers"
zero "reserve offers: nobody's placement changed before answering" \
  "SELECT count(*) FROM chk.before b LEFT JOIN chk.derived() d USING (child_id) WHERE d.unit_id IS DISTINCT FROM b.unit_id"
stable "reserve offers" $lr true
noffers=$(q -c "SELECT count(*) FROM skolval.placement_offer WHERE later_round_id = $lr")
[ "$noffers" -ge 3 ] || fail "reserve: expected at least 3 offers, got $noffers"
echo "ok: reserve: $noffers offers made"
out=$(q -v VERBOSITY=verbose -c "SELECT skolval.run_later_round(later_round_id) FROM skolval.open_later_round(1, 'För tidigt $seed', 'refill', '2027-06-12')" 2>&1 || true)
grep -q 55000 <<<"$out" || fail "a later round ran while offers were open: $out"
echo "ok: no later round runs while offers are open (55000)"
q -c "SELECT chk.snap()" >/dev/null
q -c "SELECT count(*) FROM (SELECT skolval.answer_offer(offer_id, (rn % 3) = 0, '2027-06-15') FROM
        (SELECT offer_id, row_number() OVER (ORDER BY offer_id) AS rn FROM skolval.placement_offer WHERE later_round_id = $lr) o
       WHERE rn % 3 <> 2) x" >/dev/null
q -c "SELECT skolval.answer_offer(offer_id, true, '2027-06-30') FROM skolval.placement_offer WHERE later_round_id = $lr AND status = 'open'
       ORDER BY offer_id LIMIT 1" >/dev/null
q -c "SELECT skolval.lapse_offers(1, '2027-06-25')" >/dev/null
assert_eq "offers: accepted = every third, the rest declined or lapsed, none open" \
  "$(q -c "SELECT count(*) FILTER (WHERE rn % 3 = 0) || '|0' FROM (SELECT row_number() OVER (ORDER BY offer_id) AS rn FROM skolval.placement_offer WHERE later_round_id = $lr) x")" \
  "$(q -c "SELECT count(*) FILTER (WHERE status = 'accepted') || '|' || count(*) FILTER (WHERE status = 'open') FROM skolval.placement_offer WHERE later_round_id = $lr")"
every_step "offers answered"
zero "offers answered: an accepting child moved to its offer, every other child kept its place" \
  "SELECT count(*) FROM chk.before b JOIN chk.derived() d USING (child_id)
     LEFT JOIN skolval.placement_offer o ON o.child_id = b.child_id AND o.later_round_id = $lr AND o.status = 'accepted'
    WHERE d.unit_id IS DISTINCT FROM coalesce(o.unit_id, b.unit_id)"
zero "offers answered: a late answer lapsed" \
  "SELECT count(*) FROM skolval.placement_offer WHERE later_round_id = $lr AND answered_at IS NOT NULL AND status = 'accepted'
      AND offer_id NOT IN (SELECT offer_id FROM skolval.placement_amendment WHERE offer_id IS NOT NULL)"

# ---- a later round after the ordered place keeps the unit from filling the extra seat -----------
q -c "SELECT chk.snap()" >/dev/null
lr=$(q -c "SELECT later_round_id FROM skolval.open_later_round(1, 'Omfördelning 2 $seed', 'refill', '2027-07-01')")
q -c "SELECT skolval.run_later_round($lr)" >/dev/null
every_step "refill after the ordered place"
no_one_worse "refill after the ordered place" $lr
stable "refill after the ordered place" $lr false

# ---- the year's letters through the decision outbox ---------------------------------------------
# A robot claims the paper letters (amendments, offers, appeal steps among them): the batch's
# print file is one PDF; an amendment's letter names the child, its case number and who decided;
# the protected newcomer's goes through Skatteverket's forwarding and shows no address.
claimed=$(q -c "SELECT count(*) || '|' || count(*) FILTER (WHERE o.letter_id IS NOT NULL) FROM skolval.outbox_claim('paper', 10000, 'robot 1') c
                JOIN skolval.outbox o USING (outbox_id)")
IFS='|' read -r n_claimed n_letters <<<"$claimed"
[ "$n_letters" -gt 20 ] || fail "the robot claimed only $n_letters school-year letters ($n_claimed rows)"
echo "ok: the robot claimed $n_claimed paper letters, $n_letters of them of the school year"
batch=$(q -c "SELECT max(batch_id) FROM skolval.outbox_batch")
q -At -c "SELECT encode(skolval.delivery_print_file($batch), 'base64')" | base64 -d > /tmp/skolval-year-print.$$.pdf
pages=$(pdfinfo /tmp/skolval-year-print.$$.pdf | awk '/^Pages:/ { print $2 }')
[ "$pages" -ge "$n_claimed" ] || fail "the print file has $pages pages for $n_claimed letters"
echo "ok: the batch's print file is one PDF of $pages pages"
read -r ob am <<<"$(q -F ' ' -c "SELECT o.outbox_id, l.amendment_id FROM skolval.outbox o JOIN skolval.year_letter l USING (letter_id)
                                   JOIN skolval.placement_amendment a ON a.amendment_id = l.amendment_id
                                  WHERE o.channel = 'paper' AND NOT o.via_forwarding AND a.kind = 'later_round' ORDER BY o.outbox_id LIMIT 1")"
q -At -c "SELECT encode(skolval.delivery_letter($ob), 'base64')" | base64 -d > /tmp/skolval-year-letter.$$.pdf
text=$(pdftotext -layout /tmp/skolval-year-letter.$$.pdf - | tr -s ' \n' ' ')
expect_text() { grep -qF -- "$2" <<<"$text" || fail "$1: the letter lacks \"$2\": $(head -c 600 <<<"$text")"; }
expect_text "amendment letter" "$(q -c "SELECT case_number FROM skolval.placement_amendment WHERE amendment_id = $am")"
expect_text "amendment letter" "$(q -c "SELECT c.given_name FROM skolval.placement_amendment a JOIN skolval.child c USING (child_id) WHERE a.amendment_id = $am")"
expect_text "amendment letter" "Eva Ek"
expect_text "amendment letter" "Motivering"
expect_text "amendment letter" "förenklad delgivning"
echo "ok: an amendment's letter names the child, its own case number, who decided, the motivation and how it is delivered"
pob=$(q -c "SELECT min(o.outbox_id) FROM skolval.outbox o JOIN skolval.child c USING (child_id) WHERE o.letter_id IS NOT NULL
             AND c.family_name = 'Inflyttad' AND c.protected_identity")
[ -n "$pob" ] || fail "the protected newcomer got no letter in the outbox"
assert_eq "the protected newcomer's letters all go through Skatteverket" "t" \
  "$(q -c "SELECT bool_and(o.via_forwarding) FROM skolval.outbox o JOIN skolval.child c USING (child_id) WHERE c.family_name = 'Inflyttad' AND c.protected_identity")"
q -At -c "SELECT encode(skolval.delivery_letter($pob), 'base64')" | base64 -d > /tmp/skolval-year-letter.$$.pdf
text=$(pdftotext -layout /tmp/skolval-year-letter.$$.pdf - | tr -s ' \n' ' ')
expect_text "protected newcomer's letter" "Skatteverket"
expect_text "protected newcomer's letter" "Ny3"
! grep -q "Nyväg" <<<"$text" || fail "the protected newcomer's letter shows an address: $(head -c 600 <<<"$text")"
echo "ok: the protected newcomer's letter names the child inside, goes through Skatteverket and shows no address"
rm -f /tmp/skolval-year-print.$$.pdf /tmp/skolval-year-letter.$$.pdf
# An appeal registered without a delivery date is timed from the delivery the outbox recorded:
# the main round's decisions are queued, the e-service shows one child's decision, which is read
# today; an appeal of another child's decision, not yet delivered, is refused (55000).
read -r c4 u4 c5 <<<"$(q -F ' ' -c "WITH cand AS (SELECT DISTINCT ON (pw.child_id) pw.child_id, pw.unit_id FROM skolval.placement_wish pw
      JOIN chk.derived() d USING (child_id)
     WHERE pw.run_id = $run AND pw.outcome = 'rejected' AND NOT pw.implicit AND d.unit_id <> pw.unit_id
       AND pw.child_id NOT IN ($c1, $c2, $c3) AND EXISTS (SELECT 1 FROM skolval.custody k WHERE k.child_id = pw.child_id)
       AND NOT EXISTS (SELECT 1 FROM skolval.appeal a WHERE a.child_id = pw.child_id)
     ORDER BY pw.child_id, pw.rank)
  SELECT (SELECT child_id || ' ' || unit_id FROM cand ORDER BY child_id LIMIT 1) || ' ' || (SELECT max(child_id) FROM cand)")"
[ -n "${c5:-}" ] && [ "$c4" != "$c5" ] || fail "the generated round has too few children with a rejected wish left to appeal"
q -c "SET client_min_messages = warning" -c "SELECT count(*) FROM skolval.delivery_enqueue($run)" >/dev/null
q -c "SELECT count(*) FROM skolval.outbox_claim('e_service', 10000, 'e-tjänsten')" >/dev/null
q -c "SELECT count(*) FROM skolval.outbox_mark_sent((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE run_id = $run AND child_id = $c4
        AND channel = 'e_service'), 'e-tjänsten', now())" >/dev/null
q -c "SELECT count(*) FROM (SELECT skolval.outbox_mark_delivered(outbox_id, NULL, now()) FROM skolval.outbox
        WHERE run_id = $run AND child_id = $c4 AND channel = 'e_service') x" >/dev/null
refused "an appeal without a delivery date of a decision the outbox has not delivered" 55000 \
  "SELECT skolval.register_appeal(1, $c5, current_date + 3)"
assert_eq "an appeal without a delivery date: delivered when the e-service showed it (today), deadline as the main round's (21 days, past holidays), on time" \
  "$(q -c "SELECT current_date || '|' || skolval.appeal_deadline(current_date) || '|true'")" \
  "$(q -c "SELECT delivered_date || '|' || deadline || '|' || on_time FROM skolval.register_appeal(1, $c4, current_date + 3, wished_unit_id => $u4)")"

# ---- records, exports, roles ------------------------------------------------------------------
assert_eq "the published run never changed" "$run_md5" \
  "$(q -c "SELECT md5(string_agg(p::text, '|' ORDER BY child_id)) FROM skolval.placement p WHERE run_id = $run")"
out=$(q -v VERBOSITY=verbose -c "UPDATE skolval.placement_amendment SET unit_id = previous_unit_id WHERE amendment_id = 1" 2>&1 || true)
grep -q 55000 <<<"$out" || fail "an amendment was edited: $out"
out=$(q -v VERBOSITY=verbose -c "DELETE FROM skolval.year_letter" 2>&1 || true)
grep -q 55000 <<<"$out" || fail "letters were deleted: $out"
echo "ok: amendments and letters cannot be edited or deleted, even by the owner"
csv=$(q -c "SELECT skolval.current_placement_csv(1)")
assert_eq "export: CSV has a header and one line per current placement" "$(q -c "SELECT count(*) + 1 FROM chk.derived()")" "$(wc -l <<<"$csv")"
prot=$(q -c "SELECT personal_number FROM skolval.child WHERE protected_identity AND child_id IN (SELECT child_id FROM chk.derived()) LIMIT 1")
[ -n "$prot" ] || fail "no child with protected identity is placed"
! grep -q "$prot" <<<"$csv" || fail "the CSV export contains a protected identity"
assert_eq "export: SS 12000 Placements, one per current placement, no personal identity number" \
  "$(q -c "SELECT count(*) FROM chk.derived()")|f" \
  "$(q -c "SELECT jsonb_array_length(j->'data') || '|' || CASE WHEN EXISTS (SELECT 1 FROM skolval.child c WHERE strpos(j::text, c.personal_number) > 0
          OR strpos(j::text, coalesce(c.family_name, '#')) > 0) THEN 't' ELSE 'f' END FROM skolval.current_placement_ss12000(1) j")"
q -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'year_bi') THEN CREATE ROLE year_bi; END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'year_an') THEN CREATE ROLE year_an; END IF; END \$\$;
      GRANT skolval_bi TO year_bi; GRANT skolval_analyst TO year_an;" >/dev/null
assert_eq "roles: BI reads the pseudonymous current placements" "$(q -c "SELECT count(*) FROM chk.derived()")" \
  "$(q -c "SET ROLE year_bi" -c "SELECT count(*) FROM skolval.bi_current_placement WHERE round_id = 1")"
out=$(q -v VERBOSITY=verbose -c "SET ROLE year_bi" -c "SELECT count(*) FROM skolval.current_placement" 2>&1 || true)
grep -q 42501 <<<"$out" || fail "BI read current_placement: $out"
out=$(q -v VERBOSITY=verbose -c "SET ROLE year_an" -c "SELECT skolval.decline_place(1, $c1)" 2>&1 || true)
grep -q 42501 <<<"$out" || fail "an analyst declined a place: $out"
out=$(q -v VERBOSITY=verbose -c "SET ROLE year_an" -c "INSERT INTO skolval.placement_amendment (round_id, run_id, child_id, kind, effective_date, decision_sv, motivation_sv) VALUES (1, $run, $c1, 'declined', now(), 'x', 'y')" 2>&1 || true)
grep -q 42501 <<<"$out" || fail "an analyst wrote an amendment: $out"
echo "ok: roles: BI cannot read identified placements; analysts cannot decide or write amendments (42501)"
# ---- bad input: a clear error with a specific SQLSTATE, nothing changed ------------------------
before_counts=$(q -c "SELECT (SELECT count(*) FROM skolval.placement_amendment) || '|' || (SELECT count(*) FROM skolval.year_application)
                        || '|' || (SELECT count(*) FROM skolval.later_round) || '|' || (SELECT count(*) FROM skolval.appeal)")
u=$(q -c "SELECT min(unit_id) FROM skolval.round_capacity WHERE round_id = 1")
refused "a unit listed twice" 22023 "SELECT skolval.year_apply(1, $c1, ARRAY[$u, $u], now())"
refused "too many wishes" 22023 "SELECT skolval.year_apply(1, $c1, (SELECT array_agg(unit_id) FROM skolval.unit), now())"
refused "a sibling claim outside the wishes" 22023 "SELECT skolval.year_apply(1, $c1, ARRAY[$u], now(), sibling_units => ARRAY[-1::bigint])"
refused "an application without a time" 22004 "SELECT skolval.year_apply(1, $c1, ARRAY[$u], NULL)"
refused "an unknown kind of later round" 22023 "SELECT skolval.open_later_round(1, 'x', 'lottery', '2027-08-01')"
refused "a round that is not published" 55000 "SELECT skolval.open_later_round(2, 'x', 'refill', '2027-08-01')"
refused "allocating the year's internal round" 55000 "SELECT skolval.allocate($shadow, what_if => true)"
refused "running a decided later round again" 55000 "SELECT skolval.run_later_round($lr)"
refused "declining for a child without a place" 55000 "SELECT skolval.decline_place(1, (SELECT min(child_id) FROM skolval.placement_amendment WHERE kind = 'moved_away'))"
refused "an appeal received before delivery" 22023 "SELECT skolval.register_appeal(1, $c1, '2027-03-01', '2027-03-30')"
refused "an unknown appeal outcome" 22023 "SELECT skolval.record_appeal_outcome($a1, 'granted', '2027-07-01')"
refused "leaving a list the child is not on" P0002 "SELECT skolval.leave_waiting_list(1, $c1, -1)"
assert_eq "bad input changed nothing (amendments|applications|later rounds|appeals)" "$before_counts" \
  "$(q -c "SELECT (SELECT count(*) FROM skolval.placement_amendment) || '|' || (SELECT count(*) FROM skolval.year_application)
            || '|' || (SELECT count(*) FROM skolval.later_round) || '|' || (SELECT count(*) FROM skolval.appeal)")"
[ -n "${KEEP_DB:-}" ] || dropdb --if-exists $db >/dev/null 2>&1 || true
done
echo "school year: all steps and invariants hold for seeds $seeds"

#!/usr/bin/env bash
# The example municipality: install what is missing, build and install skolval, start the
# private cluster, (re)create the extension in $SKOLVAL_DB, fill it with
# skolval.demo_municipality() and print a short summary.
#
#   SKOLVAL_DEMO_CHILDREN (1500), SKOLVAL_DEMO_SEED (1), SKOLVAL_DEMO_EDGES (30000) size it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SKOLVAL_ROOT"

children=${SKOLVAL_DEMO_CHILDREN:-1500}
seed=${SKOLVAL_DEMO_SEED:-1}
edges=${SKOLVAL_DEMO_EDGES:-30000}

bash scripts/deps.sh
bash scripts/build.sh

if [ "$SKOLVAL_EXTERNAL" != 1 ]; then
    bash scripts/cluster.sh start
    trap 'bash scripts/cluster.sh stop' EXIT
fi

run_psql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$SKOLVAL_DB" "$@"
}

say "creating the extension in database $SKOLVAL_DB"
run_psql -c "SET client_min_messages = warning" \
         -c "DROP EXTENSION IF EXISTS skolval CASCADE" \
         -c "CREATE EXTENSION IF NOT EXISTS postgis" \
         -c "CREATE EXTENSION IF NOT EXISTS pgrouting" \
         -c "CREATE EXTENSION skolval"

say "generating the example municipality ($children children, seed $seed, about $edges edges)"
started=$(date +%s%N)
# One session: generate, then one line per topic from the summary and the generated data.
run_psql -At -v children="$children" -v seed="$seed" -v edges="$edges" <<'SQL'
SET client_min_messages = warning;
SELECT pg_catalog.clock_timestamp() AS t0 \gset
CREATE TEMP TABLE summary AS
  SELECT * FROM skolval.demo_municipality(children => :children, seed => :seed, network_edges => :edges);
SELECT round(extract(epoch FROM pg_catalog.clock_timestamp() - :'t0'::timestamptz)::numeric, 1) AS seconds \gset
-- Walking distances from every cohort home to every förskoleklass unit.
CREATE TEMP TABLE dist AS
  SELECT * FROM skolval.compute_distances((SELECT round_id FROM skolval.placement_round ORDER BY round_id LIMIT 1));
-- Per child: the nearest unit by straight line and by walking, and whether the river lies
-- between the child and the straight-line nearest one.
CREATE TEMP TABLE near AS
  SELECT h.child_id, h.residence_id, s.unit_id AS by_straight, w.unit_id AS by_walking
    FROM skolval.round_home h
    JOIN (SELECT DISTINCT ON (d.residence_id) d.residence_id, d.unit_id FROM skolval.distance d
           WHERE d.status = 'ok' ORDER BY d.residence_id, d.straight_m, d.unit_id) s USING (residence_id)
    JOIN (SELECT DISTINCT ON (d.residence_id) d.residence_id, d.unit_id FROM skolval.distance d
           WHERE d.status = 'ok' ORDER BY d.residence_id, d.walking_m, d.unit_id) w USING (residence_id);
CREATE TEMP TABLE walk AS
  SELECT n.child_id, x.straight_m AS straight, x.walking_m AS walking
    FROM near n
    JOIN skolval.distance x ON x.residence_id = n.residence_id AND x.unit_id = n.by_straight
    JOIN skolval.residence r ON r.residence_id = n.residence_id
    JOIN skolval.unit u ON u.unit_id = n.by_straight
   CROSS JOIN (SELECT geom FROM skolval.demo_feature WHERE feature = 'north_of_river') f
   WHERE ST_Contains(f.geom, r.home) <> ST_Contains(f.geom, u.location);

-- Placement: deferred acceptance over Lund's criteria, then administrative placement.
CREATE TEMP TABLE run AS
  SELECT * FROM skolval.allocate((SELECT round_id FROM skolval.placement_round ORDER BY round_id LIMIT 1));
CREATE TEMP TABLE cmp AS SELECT * FROM skolval.mechanism_comparison WHERE run_id = (SELECT run_id FROM run);
-- law (issue 13): each child's near-home schools and whether it was placed at one of them
CREATE TEMP TABLE nh_app AS
  SELECT a.child_id, a.unit_id, a.rank FROM skolval.placement_applications((SELECT round_id FROM run)) a WHERE a.near_home = 1;
CREATE TEMP TABLE nh_placed AS
  SELECT p.child_id, p.kind FROM skolval.placement p
   WHERE p.run_id = (SELECT run_id FROM run)
     AND EXISTS (SELECT FROM nh_app a WHERE a.child_id = p.child_id AND a.unit_id = p.unit_id);

WITH s AS (SELECT pg_catalog.jsonb_object_agg(item, value) AS j FROM summary),
     g AS (SELECT (s.j ->> k)::bigint AS n, k FROM s, jsonb_object_keys(s.j) k)
SELECT line FROM (
SELECT o, line FROM (VALUES
  (1, format('Exempelkommun (municipality code 9999), seed %s, generated in %s s', :seed, :'seconds')),
  (2, format('Network    %s edges, %s vertices, %s km of streets and paths (EPSG:3006)',
             (SELECT n FROM g WHERE k = 'network edges'), (SELECT n FROM g WHERE k = 'network vertices'),
             (SELECT n FROM g WHERE k = 'network km'))),
  (3, format('           %s bridges over the river, %s underpasses under the railway, %s edges dropped (not connected)',
             (SELECT n FROM g WHERE k = 'bridges'), (SELECT n FROM g WHERE k = 'underpasses'),
             (SELECT n FROM g WHERE k = 'edges dropped (not connected)'))),
  (4, format('Districts  %s, under %s administrations', (SELECT count(*) FROM skolval.district),
             (SELECT count(DISTINCT administration) FROM skolval.district))),
  (5, format('Schools    %s municipal + %s independent (förskoleklass, grundskola, fritidshem)',
             (SELECT n FROM g WHERE k = 'municipal schools'), (SELECT n FROM g WHERE k = 'independent schools'))),
  (6, format('Preschools %s municipal + %s independent (förskola)',
             (SELECT n FROM g WHERE k = 'municipal preschools'), (SELECT n FROM g WHERE k = 'independent preschools'))),
  (7, format('Cohort     %s children born 2021 in "%s": %s with wishes (%s wishes), %s without',
             (SELECT n FROM g WHERE k = 'cohort children'), (SELECT name FROM skolval.placement_round LIMIT 1),
             (SELECT n FROM g WHERE k = 'with wishes'), (SELECT n FROM g WHERE k = 'wishes'),
             (SELECT n FROM g WHERE k = 'without wishes'))),
  (8, format('           %s with an older sibling (%s sibling claims), %s twin pairs, %s with protected identity',
             (SELECT n FROM g WHERE k = 'with an older sibling'), (SELECT n FROM g WHERE k = 'sibling claims'),
             (SELECT n FROM g WHERE k = 'twin pairs'), (SELECT n FROM g WHERE k = 'protected identity'))),
  (9, format('Capacity   %s seats = %s %% of the cohort; %s of %s schools get more first choices than seats',
             (SELECT n FROM g WHERE k = 'seats'),
             round(100.0 * (SELECT n FROM g WHERE k = 'seats') / (SELECT n FROM g WHERE k = 'cohort children')),
             (SELECT count(*) FROM skolval.round_capacity rc
               WHERE rc.seats < (SELECT count(*) FROM skolval.wish w WHERE w.unit_id = rc.unit_id AND w.rank = 1)),
             (SELECT count(*) FROM skolval.round_capacity))),
  (10, format('Register   %s enrollments at independent units in 2026; %s children in all',
             (SELECT n FROM g WHERE k = 'enrollments in 2026 at independent units'),
             (SELECT n FROM g WHERE k = 'children in the register'))),
  (11, format('Distances  %s pairs (%s children x %s units) walked in %s s: snap %s ms, route %s ms, store %s ms',
             (SELECT pairs FROM dist), (SELECT children FROM dist), (SELECT units FROM dist),
             round((SELECT milliseconds FROM dist) / 1000.0, 1),
             (SELECT snap_ms FROM dist), (SELECT route_ms FROM dist), (SELECT store_ms FROM dist))),
  (12, format('           %s ok, %s unreachable, %s off the network, %s without a home point',
             (SELECT ok FROM dist), (SELECT unreachable FROM dist), (SELECT off_network FROM dist), (SELECT no_home FROM dist))),
  (13, format('           %s of %s children (%s %%) have a nearer school by straight line than by walking',
             (SELECT count(*) FROM near WHERE by_straight <> by_walking), (SELECT count(*) FROM near),
             round(100.0 * (SELECT count(*) FROM near WHERE by_straight <> by_walking) / greatest(1, (SELECT count(*) FROM near)), 1))),
  (14, format('River      %s children have their nearest school by straight line across the river', (SELECT count(*) FROM walk))),
  (15, format('           for them: straight line median %s m, walking median %s m (a median %s times as far)',
             (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY straight)) FROM walk),
             (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY walking)) FROM walk),
             (SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY walking / greatest(straight, 1)))::numeric, 1) FROM walk))),
  (16, format('Placement run %s (deferred acceptance, %s ms): %s children placed, %s %% first choice, %s %% one of the top three',
             (SELECT run_id FROM run), (SELECT milliseconds FROM run), (SELECT children FROM run),
             (SELECT first_choice_pct FROM cmp), (SELECT top3_pct FROM cmp))),
  (17, format('           %s placed at a near-home school by the near-home guarantee (no wish, or no wish met), %s placed administratively (least total walking)',
             (SELECT near_home_offer FROM run), (SELECT administrative FROM run))),
  -- law (issue 13): the near-home right, child by child
  (17.1, format('Near home  %s of %s children have their near-home right (placed at a municipal school with seats within %s m, or the nearest): %s by a wish, %s by the near-home guarantee',
             (SELECT count(*) FROM nh_placed), (SELECT children FROM run), (SELECT round(near_home_distance_m) FROM run),
             (SELECT count(*) FROM nh_placed WHERE kind = 'wish'), (SELECT count(*) FROM nh_placed WHERE kind = 'near_home_offer'))),
  (17.2, format('           elsewhere: %s at a school their guardians wished, %s administratively (their near-home schools full of children who have them near home; median %s m); %s displaced',
             (SELECT count(*) FROM skolval.placement p WHERE p.run_id = (SELECT run_id FROM run) AND p.kind = 'wish'
                 AND NOT EXISTS (SELECT FROM nh_placed n WHERE n.child_id = p.child_id)),
             (SELECT administrative FROM run),
             (SELECT coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY p.walking_m))::text, '-') FROM skolval.placement p
               WHERE p.run_id = (SELECT run_id FROM run) AND p.kind = 'administrative'),
             (SELECT count(*) FROM skolval.placement p WHERE p.run_id = (SELECT run_id FROM run)
                 AND NOT EXISTS (SELECT FROM nh_placed n WHERE n.child_id = p.child_id)
                 AND EXISTS (SELECT FROM nh_app a JOIN skolval.placement o ON o.run_id = p.run_id AND o.unit_id = a.unit_id
                              WHERE a.child_id = p.child_id AND (p.kind <> 'wish' OR a.rank < coalesce(p.wish_rank, 0))
                                AND NOT EXISTS (SELECT FROM nh_app b WHERE b.child_id = o.child_id AND b.unit_id = o.unit_id))))),
  (18, 'Most oversubscribed (first choices / seats) and their cut-offs:')
) v(o, line)
UNION ALL
SELECT * FROM (
  SELECT 19 + row_number() OVER (ORDER BY s.first_choice_applicants::numeric / s.seats DESC, s.unit_name),
         format('  %-28s %3s seats, %3s first choices; last admitted: %s', s.unit_name, s.seats,
                s.first_choice_applicants, s.cutoff_sv)
    FROM skolval.placement_unit_stats s
   WHERE s.run_id = (SELECT run_id FROM run) AND s.seats > 0 AND s.oversubscribed
   ORDER BY s.first_choice_applicants::numeric / s.seats DESC, s.unit_name
   LIMIT 3) top
) lines
ORDER BY o;
SQL
# ---- Grant payments: configure, run September 2026, approve and lock it, then late register
# changes, reconciliation and October's draft with the corrections.
say "grant payments for the example municipality"
run_psql -At <<'SQL'
SET client_min_messages = warning;
SET datestyle = ISO;
CREATE TEMP TABLE cfg AS SELECT * FROM skolval.demo_payments();
-- Amounts as statements print them (skolval.amount_sv), in kronor.
CREATE FUNCTION pg_temp.kr(x numeric) RETURNS text LANGUAGE sql AS $$ SELECT skolval.amount_sv(x) || ' kr' $$;
SELECT pg_catalog.clock_timestamp() AS t0 \gset
CREATE TEMP TABLE sep AS SELECT * FROM skolval.create_payment_run('2026-09-01');
SELECT round(extract(epoch FROM pg_catalog.clock_timestamp() - :'t0'::timestamptz) * 1000) AS ms \gset
SELECT format('Payments   September 2026, count date %s: %s rows for %s children at %s independent units, computed in %s ms',
              s.count_date, s.rows, s.children, (SELECT count(DISTINCT unit_id) FROM skolval.payment_row r WHERE r.run_id = s.run_id), :'ms')
  FROM sep s;
SELECT format('           to pay %s (of which administration %s and VAT %s); %s rows (%s) held by %s errors; %s warnings',
              pg_temp.kr(s.amount), pg_temp.kr(sum(r.admin)), pg_temp.kr(sum(r.vat)),
              s.held_rows, pg_temp.kr(s.held_amount), s.errors, s.warnings)
  FROM sep s JOIN skolval.payment_row r ON r.run_id = s.run_id AND NOT r.held
 GROUP BY s.amount, s.held_rows, s.held_amount, s.errors, s.warnings;
SELECT format('  %-34s %5s children %17s', coalesce(u.category_name, 'Tilläggsbelopp'), sum(u.children), pg_temp.kr(sum(u.amount)))
  FROM skolval.payment_unit_summary u JOIN sep USING (run_id)
 WHERE u.category_code IS NOT NULL OR u.kind = 'supplement'
 GROUP BY u.category_code, u.category_name
 ORDER BY min((SELECT c.sort_order FROM skolval.payment_category c WHERE c.category_code = u.category_code)) NULLS LAST;
SELECT format('  %-46s %-14s %17s', a.administration, a.account, pg_temp.kr(sum(a.amount)))
  FROM skolval.payment_administration_summary a JOIN sep USING (run_id)
 GROUP BY a.administration, a.account ORDER BY a.administration, a.account;
SELECT format('Issues     %s × %s (%s), e.g. %s', count(*), i.category, i.severity, min(i.message))
  FROM skolval.payment_issue i JOIN sep USING (run_id) GROUP BY i.category, i.severity ORDER BY i.severity, count(*) DESC;
-- Four eyes is on by default: whoever computed a run cannot approve it, whoever allocated cannot
-- publish. The demo is one person at one terminal, so it is turned off here, with that reason
-- (kept in the audit log and printed on the statements).
SELECT skolval.set_four_eyes(false, 'demo: one person runs every step at one terminal') \g /dev/null
SELECT format('Four eyes  off for this demo (%s); on by default: whoever computes a run cannot approve it',
              four_eyes_off_reason) FROM skolval.settings;
SELECT format('Run %s      approved by %s, locked: %s', run_id, approved_by, status)
  FROM (SELECT (skolval.approve_payment_run(run_id)).approved_by, run_id FROM sep) a
  CROSS JOIN LATERAL (SELECT status FROM skolval.lock_payment_run(a.run_id)) l;

-- Late reports to the register after September was paid: three pupils had in fact left on
-- 31 August, one pupil had started on 1 September, one family moved away on 1 September.
CREATE TEMP TABLE late AS
  SELECT r.enrollment_id, r.child_id, r.unit_id FROM skolval.payment_row r JOIN sep USING (run_id)
   WHERE r.kind = 'grant' AND NOT r.held AND r.school_form = 'grundskola' ORDER BY r.row_no LIMIT 4;
UPDATE skolval.enrollment e SET valid_to = '2026-08-31'
  FROM (SELECT enrollment_id FROM late ORDER BY enrollment_id LIMIT 3) l WHERE e.enrollment_id = l.enrollment_id;
INSERT INTO skolval.enrollment (child_id, unit_id, school_form, hours_per_week, valid_from)
SELECT c.child_id, (SELECT u.unit_id FROM skolval.unit u WHERE u.organizer = 'independent' AND u.school_forms = '{forskola}'
                     ORDER BY u.unit_id LIMIT 1), 'forskola', 30, '2026-09-01'
  FROM skolval.child c JOIN skolval.residence r ON r.child_id = c.child_id AND r.municipality_code = '9999' AND r.valid_to IS NULL
 WHERE NOT c.protected_identity AND NOT EXISTS (SELECT 1 FROM skolval.enrollment e WHERE e.child_id = c.child_id)
 ORDER BY c.child_id LIMIT 1;
WITH mover AS (SELECT r.residence_id, r.child_id FROM skolval.residence r
                WHERE r.child_id = (SELECT child_id FROM late ORDER BY enrollment_id DESC LIMIT 1) AND r.valid_to IS NULL)
, closed AS (UPDATE skolval.residence r SET valid_to = '2026-08-31' FROM mover m WHERE r.residence_id = m.residence_id RETURNING r.child_id)
INSERT INTO skolval.residence (child_id, municipality_code, address, postal_town, valid_from)
SELECT child_id, '1280', 'Storgatan 1', 'Malmö', '2026-09-01' FROM closed;
SELECT format('Late reports: 3 pupils left on 31 August, 1 child started förskola on 1 September, 1 family moved to Malmö on 1 September');
SELECT format('Reconcile  September: child %s at unit %s, %s: paid %s, now %s -> %s %s (%s)',
              child_id, unit_id, category_code, pg_temp.kr(paid), pg_temp.kr(recomputed), direction, pg_temp.kr(abs(difference)),
              CASE WHEN within_window THEN 'corrected in October' ELSE 'outside the correction window' END)
  FROM skolval.reconcile_payments('2026-09-01');
CREATE TEMP TABLE oct AS SELECT * FROM skolval.create_payment_run('2026-10-01');
SELECT format('October    draft run %s: %s rows, to pay %s, of which corrections for September %s:',
              run_id, rows, pg_temp.kr(amount), pg_temp.kr(corrections)) FROM oct;
SELECT format('  correction row %s: child %s at unit %s, %s, %s %s', r.row_no, r.child_id, r.unit_id, r.category_name, r.flags[1], pg_temp.kr(r.amount))
  FROM skolval.payment_row r JOIN oct USING (run_id) WHERE r.corrects_month IS NOT NULL ORDER BY r.row_no;
SQL

# ---- Documents people read
# Documents people read, into out/documents/: the decision letter of a child whose first wish was
# turned away, the map of the placement run with that child's walking route, the October payment
# statement of a unit with corrections for September, and October's payment file. The placement
# run is published first: letters are only made for a published run. See doc/documents.md.
say "writing documents to out/documents/"
read -r doc_run doc_child doc_payrun doc_unit <<<"$(run_psql -At -F ' ' <<'SQL'
SET client_min_messages = warning;
SELECT skolval.configure_documents(board_address => 'Box 100, 999 99 Exempelstad',
                                   contact => 'Barn- och skolförvaltningen, 0999-12 34 56') \g /dev/null
-- law (issue 13): the example's unconfirmed sibling claims block publication until an
-- administrator records why the run may be published anyway (audited)
SELECT skolval.override_blocking_issues(r.run_id, 'Exempelkommun: the unconfirmed sibling claims have been checked with the families')
  FROM skolval.placement_run r
 WHERE r.status = 'draft' AND NOT r.what_if
   AND r.run_id = (SELECT max(x.run_id) FROM skolval.placement_run x WHERE NOT x.what_if) \g /dev/null
SELECT skolval.publish(r.run_id) FROM skolval.placement_run r
 WHERE r.status = 'draft' AND NOT r.what_if
   AND r.run_id = (SELECT max(x.run_id) FROM skolval.placement_run x WHERE NOT x.what_if) \g /dev/null
SELECT p.run_id, p.child_id, pr.run_id, pr.unit_id
  FROM skolval.placement_decision p
  CROSS JOIN LATERAL (SELECT r.run_id, x.unit_id FROM skolval.payment_run r JOIN skolval.payment_row x USING (run_id)
                       WHERE r.run_id = (SELECT max(run_id) FROM skolval.payment_run)
                       GROUP BY r.run_id, x.unit_id
                       ORDER BY count(*) FILTER (WHERE x.corrects_month IS NOT NULL) > 0 DESC, count(*) DESC, x.unit_id
                       LIMIT 1) pr
 WHERE p.run_status = 'published' AND NOT p.protected_identity AND p.wish_rank > 1
 ORDER BY p.run_id DESC, p.child_id
 LIMIT 1;
SQL
)"
if [ -n "${doc_unit:-}" ]; then
    rm -rf "$SKOLVAL_ROOT/out/documents"
    bash scripts/write-documents.sh -d "$SKOLVAL_DB" -l "$doc_run" -c "$doc_child" -m "$doc_run" \
        -p "$doc_payrun" -u "$doc_unit" "$SKOLVAL_ROOT/out/documents" | sed 's/^/  /'
else
    say "no published placement run and payment run to write documents from"
fi
ms=$(( ($(date +%s%N) - started) / 1000000 ))
say "done in $((ms / 1000)).$((ms % 1000 / 100)) s wall time; the data stays in database $SKOLVAL_DB"

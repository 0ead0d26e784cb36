#!/usr/bin/env bash
# The placement keeps the law for every child (issue 13), on generated municipalities.
#
# For several seeds: the example municipality (skolval.demo_municipality, a real street network
# and pgRouting distances), made harder — the most wished municipal unit gets no seats (its
# seats go to the least wished one) and the near-home distance varies per seed, so that some
# children have no municipal unit within it. Then a real run (min_cost) and a what-if run
# (nearest_free), and for each
#   * an independently written reference (placement_law_reference.py, Python) that rebuilds
#     the near-home units, the lists, the priorities and deferred acceptance from the raw tables
#     and checks the stored run against them, and the least total walking of the
#     administrative placements (min-cost flow);
#   * SQL checks that count violations of each rule directly on the stored run.
# Every count must be 0. Then, for one seed, every table the placement reads (and the network)
# is reloaded in a shuffled physical order, distances are recomputed from scratch, and the new
# run must equal the first one: the same fingerprint, the same placements and texts.
#
#   SKOLVAL_LAW_SEEDS="1 2 3" SKOLVAL_LAW_CHILDREN=300 bash test/scripts/placement_law.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd python3
seeds=${SKOLVAL_LAW_SEEDS:-1 2 3}
children=${SKOLVAL_LAW_CHILDREN:-300}
scratch_db skolval_test_placement_law
db=skolval_test_placement_law
out=$(mktemp -d)
# SKOLVAL_LAW_KEEP=1 keeps the database and the CSV files of the last check (for debugging).
[ "${SKOLVAL_LAW_KEEP:-0}" = 1 ] && trap 'echo "kept database $db and $out"' EXIT ||
    trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
q() { "${PSQL[@]}" -d "$db" "$@"; }
ref="$(dirname "$0")/placement_law_reference.py"

# export RUN_ID POLICY: the raw inputs and the stored result, as CSV, for the reference.
export_run() {
    local run=$1 policy=$2
    rm -f "$out"/*.csv
    q <<SQL
\copy (SELECT r.near_home_distance_m, r.criteria, '$policy' AS admin_policy FROM skolval.placement_round r WHERE r.round_id = 1) TO '$out/round.csv' CSV HEADER
\copy (SELECT u.unit_id, u.organizer = 'municipal' AS municipal, 'forskoleklass' = ANY (u.school_forms::text[]) AS offers, coalesce(c.seats, 0) AS seats FROM skolval.unit u LEFT JOIN skolval.round_capacity c ON c.round_id = 1 AND c.unit_id = u.unit_id) TO '$out/units.csv' CSV HEADER
\copy (SELECT h.child_id, h.residence_id FROM skolval.round_home h WHERE h.round_id = 1) TO '$out/homes.csv' CSV HEADER
\copy (SELECT d.residence_id, d.unit_id, d.walking_m FROM skolval.distance d JOIN skolval.round_home h ON h.round_id = 1 AND h.residence_id = d.residence_id AND h.network_id = d.network_id WHERE d.status = 'ok') TO '$out/dist.csv' CSV HEADER
\copy (SELECT w.child_id, w.rank, w.unit_id FROM skolval.wish w WHERE w.round_id = 1) TO '$out/wishes.csv' CSV HEADER
\copy (SELECT a.child_id, a.unit_id FROM skolval.placement_applications(1) a WHERE a.sibling = 1) TO '$out/siblings.csv' CSV HEADER
\copy (SELECT p.child_id, p.lottery_number FROM skolval.placement p WHERE p.run_id = $run) TO '$out/lottery.csv' CSV HEADER
\copy (SELECT p.child_id, p.unit_id, p.kind FROM skolval.placement p WHERE p.run_id = $run) TO '$out/result.csv' CSV HEADER
\copy (SELECT a.unit_id, a.criteria FROM skolval.unit_admission a) TO '$out/admission.csv' CSV HEADER
\copy (SELECT q.unit_id, q.child_id, q.queue_date - date '2000-01-01' AS queue_day FROM skolval.unit_queue q) TO '$out/queue.csv' CSV HEADER
SQL
}

# sql_checks RUN_ID: one line "sql: <rule>: <violations>" per rule.
sql_checks() {
    local run=$1
    q -F ': ' <<SQL
-- Near-home units, rebuilt in SQL: municipal units offering the form with seats, whole metres
-- (numeric rounding, half away from zero, as the letters print), within the distance or the nearest.
CREATE TEMP TABLE law_d AS
SELECT h.child_id, d.unit_id, round(d.walking_m::numeric) AS m
  FROM skolval.round_home h
  JOIN skolval.distance d ON d.network_id = h.network_id AND d.residence_id = h.residence_id AND d.status = 'ok'
 WHERE h.round_id = 1;
CREATE TEMP TABLE law_muni AS
SELECT d.*, row_number() OVER (PARTITION BY d.child_id ORDER BY d.m, d.unit_id) AS k
  FROM law_d d JOIN skolval.unit u ON u.unit_id = d.unit_id
  JOIN skolval.round_capacity c ON c.round_id = 1 AND c.unit_id = d.unit_id
 WHERE u.organizer = 'municipal' AND c.seats > 0 AND 'forskoleklass' = ANY (u.school_forms::text[]);
CREATE TEMP TABLE law_nh AS
SELECT m.child_id, m.unit_id FROM law_muni m, skolval.placement_round r
 WHERE r.round_id = 1 AND (m.m <= r.near_home_distance_m
       OR (m.k = 1 AND NOT EXISTS (SELECT FROM law_muni x WHERE x.child_id = m.child_id AND x.m <= r.near_home_distance_m)));
CREATE TEMP TABLE law_p AS SELECT p.* FROM skolval.placement p WHERE p.run_id = $run;
SELECT 'sql: near-home displacement (placed outside its near-home units while one holds a child without the right there)',
       count(*) FROM law_p p
 WHERE NOT EXISTS (SELECT FROM law_nh n WHERE n.child_id = p.child_id AND n.unit_id = p.unit_id)
   AND EXISTS (SELECT FROM law_nh n JOIN law_p o ON o.unit_id = n.unit_id
                WHERE n.child_id = p.child_id
                  AND (p.kind <> 'wish' OR NOT EXISTS (SELECT FROM skolval.wish w WHERE w.round_id = 1 AND w.child_id = p.child_id))
                  AND NOT EXISTS (SELECT FROM law_nh m WHERE m.child_id = o.child_id AND m.unit_id = o.unit_id));
SELECT 'sql: administrative placement at an independent unit', count(*)
  FROM law_p p JOIN skolval.unit u USING (unit_id) WHERE p.kind = 'administrative' AND u.organizer <> 'municipal';
SELECT 'sql: unit over its seats', count(*)
  FROM (SELECT unit_id, count(*) AS n FROM law_p GROUP BY 1) x
  LEFT JOIN skolval.round_capacity c ON c.round_id = 1 AND c.unit_id = x.unit_id WHERE x.n > coalesce(c.seats, 0);
SELECT 'sql: cohort child not placed exactly once', count(*)
  FROM skolval.round_cohort c WHERE c.round_id = 1 AND (SELECT count(*) FROM law_p p WHERE p.child_id = c.child_id) <> 1;
SELECT 'sql: near-home claim or near-home priority at a unit without seats or not near home', count(*)
  FROM skolval.placement_applications(1) a
 WHERE (a.implicit OR a.near_home = 1)
   AND NOT EXISTS (SELECT FROM law_nh n WHERE n.child_id = a.child_id AND n.unit_id = a.unit_id);
SELECT 'sql: near-home unit without a claim or without near-home priority', count(*)
  FROM law_nh n
 WHERE NOT EXISTS (SELECT FROM skolval.placement_applications(1) a
                    WHERE a.child_id = n.child_id AND a.unit_id = n.unit_id AND a.near_home = 1);
SELECT 'sql: relative proximity not against the nearest municipal unit with seats, in whole metres', count(*)
  FROM skolval.placement_applications(1) a
  JOIN law_d d ON d.child_id = a.child_id AND d.unit_id = a.unit_id
  LEFT JOIN law_muni n1 ON n1.child_id = a.child_id AND n1.k = 1
  LEFT JOIN law_muni n2 ON n2.child_id = a.child_id AND n2.k = 2
 WHERE a.relative_proximity IS DISTINCT FROM
       CASE WHEN n1.unit_id IS NULL THEN 0
            WHEN n1.unit_id = a.unit_id THEN coalesce(n2.m - d.m, 0)
            ELSE n1.m - d.m END::float8;
SELECT 'sql: rejection decided by a metre difference the letter does not show', count(*)
  FROM skolval.placement_wish w
 WHERE w.run_id = $run AND w.decisive_criterion IN ('relative_proximity', 'distance')
   AND round((w.child_values ->> w.decisive_criterion)::numeric) = round((w.cutoff_values ->> w.decisive_criterion)::numeric);
SELECT 'sql: rejected application without an explanation', count(*)
  FROM skolval.placement_wish w WHERE w.run_id = $run AND w.outcome = 'rejected' AND w.explanation_sv IS NULL;
SELECT 'sql: near-home claim explained as a wish', count(*)
  FROM skolval.placement_wish w WHERE w.run_id = $run AND w.implicit AND w.explanation_sv LIKE 'Önskemål%';
SELECT 'sql: motivation speaks of wishes the guardians did not make', count(*)
  FROM law_p p
 WHERE NOT EXISTS (SELECT FROM skolval.wish w WHERE w.round_id = 1 AND w.child_id = p.child_id)
   AND (p.motivation_sv ~* 'önskemål (kunde|\\d)' OR p.motivation_sv LIKE '%Inget av era önskemål%');
SELECT 'sql: child placed without its wish or near home whose motivation gives no reason', count(*)
  FROM law_p p
 WHERE p.kind <> 'wish' AND p.motivation_sv NOT LIKE '%rätt till en plats på en kommunal skola nära hemmet%';
SELECT 'sql: administrative motivation that does not say the near-home units were full', count(*)
  FROM law_p p WHERE p.kind = 'administrative' AND p.motivation_sv !~ 'var (full|fulla)[.:]';
SELECT 'sql: negative metres written with an ASCII hyphen', count(*)
  FROM law_p p WHERE p.motivation_sv ~ '(^| )-[0-9]';
SELECT 'sql: relative proximity decisive but never explained', count(*)
  FROM law_p p WHERE p.motivation_sv LIKE '%Avgörande var relativ närhet%' AND p.motivation_sv NOT LIKE '%Relativ närhet är%';
SELECT 'sql: place at an independent unit not said to be the school''s offer under its own rules', count(*)
  FROM law_p p JOIN skolval.unit u USING (unit_id)
 WHERE u.organizer = 'independent' AND (p.decision_sv NOT LIKE '%skolans erbjudande enligt dess egna urvalsregler%'
       OR p.motivation_sv NOT LIKE '%kan inte överklagas hos kommunen%');
SELECT 'sql: independent unit admitting by near home, active choice or relative proximity', count(*)
  FROM skolval.placement_unit pu JOIN skolval.unit u USING (unit_id)
 WHERE pu.run_id = $run AND u.organizer = 'independent'
   AND (pu.cutoff_values ? 'near_home' OR pu.cutoff_values ? 'active_choice' OR pu.cutoff_values ? 'relative_proximity');
SELECT 'sql: cut-off text of a unit nobody was admitted to', count(*)
  FROM skolval.placement_unit u WHERE u.run_id = $run AND u.admitted = 0 AND u.oversubscribed
   AND u.cutoff_sv NOT LIKE 'Inget barn antogs%';
-- Multiples: cohort siblings born the same day at the same address.
CREATE TEMP TABLE law_twins AS
SELECT s.child_id AS a, s.sibling_id AS b
  FROM skolval.sibling s
  JOIN skolval.child ca ON ca.child_id = s.child_id JOIN skolval.child cb ON cb.child_id = s.sibling_id
  JOIN skolval.round_home ha ON ha.round_id = 1 AND ha.child_id = s.child_id
  JOIN skolval.round_home hb ON hb.round_id = 1 AND hb.child_id = s.sibling_id
  JOIN skolval.residence ra ON ra.residence_id = ha.residence_id
  JOIN skolval.residence rb ON rb.residence_id = hb.residence_id
 WHERE s.child_id < s.sibling_id AND ca.birth_date = cb.birth_date
   AND (lower(btrim(ra.address)) = lower(btrim(rb.address)) OR ST_DWithin(ra.home, rb.home, 1));
SELECT 'sql: multiples with different lottery numbers under the shared_lottery rule', count(*)
  FROM law_twins t JOIN law_p pa ON pa.child_id = t.a JOIN law_p pb ON pb.child_id = t.b
 WHERE pa.lottery_number <> pb.lottery_number
   AND (SELECT multiples_rule FROM skolval.placement_round WHERE round_id = 1) = 'shared_lottery';
SELECT 'sql: multiples split without saying so in both motivations', count(*)
  FROM law_twins t JOIN law_p pa ON pa.child_id = t.a JOIN law_p pb ON pb.child_id = t.b
 WHERE pa.unit_id <> pb.unit_id AND (pa.motivation_sv NOT LIKE '%(flerlingar)%' OR pb.motivation_sv NOT LIKE '%(flerlingar)%');
SELECT 'sql: multiples split without an open data issue (real runs)', count(*)
  FROM law_twins t JOIN law_p pa ON pa.child_id = t.a JOIN law_p pb ON pb.child_id = t.b
 WHERE pa.unit_id <> pb.unit_id
   AND NOT (SELECT what_if FROM skolval.placement_run WHERE run_id = $run)
   AND NOT EXISTS (SELECT FROM skolval.data_issue i WHERE i.round_id = 1 AND i.category = 'multiples_split'
                      AND i.resolved_at IS NULL AND i.detail -> 'children' @> to_jsonb(ARRAY[t.a, t.b]));
SELECT 'sql: multiples told that the other one''s lottery number decided', count(*)
  FROM law_twins t JOIN skolval.placement_wish w ON w.run_id = $run AND w.child_id IN (t.a, t.b)
 WHERE w.decisive_criterion = 'lottery'
   AND (w.child_values ->> 'lottery') = (w.cutoff_values ->> 'lottery');
SELECT 'info: multiples pairs ' || count(*) || ', placed apart ' || count(*) FILTER (WHERE pa.unit_id <> pb.unit_id), 0
  FROM law_twins t JOIN law_p pa ON pa.child_id = t.a JOIN law_p pb ON pb.child_id = t.b;
DROP TABLE law_d, law_muni, law_nh, law_p, law_twins;
SQL
}

# check RUN_ID POLICY LABEL: run the reference and the SQL checks; fail on any violation.
check() {
    local run=$1 policy=$2 label=$3 lines
    export_run "$run" "$policy"
    set +e
    lines=$(python3 "$ref" "$out"; echo "rc=$?")
    set -e
    lines="$lines
$(sql_checks "$run")"
    echo "$lines" | sed "s/^/$label /"
    echo "$lines" | grep -q '^rc=0$' || fail "$label: the reference found violations"
    echo "$lines" | grep -E '^sql: ' | grep -vqE ': 0$' && fail "$label: an SQL check found violations"
    echo "ok: $label: 0 violations of every rule"
}

near_for_seed() { case $1 in 1) echo 2000 ;; 2) echo 600 ;; *) echo 1200 ;; esac; }

for seed in $seeds; do
    q -c "SET client_min_messages = warning" \
      -c "SELECT count(*) FROM skolval.demo_municipality(children => $children, seed => $seed, network_edges => 3000, replace => true)" \
      -c "SELECT count(*) FROM skolval.compute_distances(1)" >/dev/null
    # The most wished municipal unit without seats; its seats to the least wished municipal one.
    q <<SQL >/dev/null
WITH demand AS (
  SELECT c.unit_id, c.seats, (SELECT count(*) FROM skolval.wish w WHERE w.round_id = 1 AND w.unit_id = c.unit_id) AS n
    FROM skolval.round_capacity c JOIN skolval.unit u USING (unit_id)
   WHERE c.round_id = 1 AND u.organizer = 'municipal'),
most AS (SELECT * FROM demand ORDER BY n DESC, unit_id LIMIT 1),
least AS (SELECT * FROM demand ORDER BY n, unit_id LIMIT 1)
UPDATE skolval.round_capacity c
   SET seats = CASE WHEN c.unit_id = (SELECT unit_id FROM most) THEN 0
                    ELSE c.seats + (SELECT seats FROM most) END
 WHERE c.round_id = 1 AND c.unit_id IN ((SELECT unit_id FROM most), (SELECT unit_id FROM least));
UPDATE skolval.placement_round SET near_home_distance_m = $(near_for_seed "$seed") WHERE round_id = 1;
-- Independent units by their own rules: queue dates for half of the children who wished one
-- (some on the same day), and for the lowest-numbered one its own profile (distance first).
SELECT setseed($seed / 7.0);
INSERT INTO skolval.unit_queue (unit_id, child_id, queue_date)
SELECT w.unit_id, w.child_id, date '2022-01-01' + floor(random() * 900)::int
  FROM skolval.wish w JOIN skolval.unit u USING (unit_id)
 WHERE w.round_id = 1 AND u.organizer = 'independent' AND random() < 0.5;
INSERT INTO skolval.unit_admission (unit_id, criteria, rules_sv)
SELECT min(u.unit_id), '{distance,queue_date,lottery}', 'Närmast skolan först, sedan kötid och lottning'
  FROM skolval.unit u JOIN skolval.round_capacity c ON c.unit_id = u.unit_id AND c.round_id = 1
 WHERE u.organizer = 'independent';
-- Uneven seats: every other municipal unit with seats gets between 0.3 and 1.7 times the mean,
-- and the least wished one what is missing for all children (plus two), so that near-home demand
-- exceeds the seats of some units and administrative placement has work to do.
SELECT setseed($seed / 10.0);
WITH m AS (SELECT c.unit_id FROM skolval.round_capacity c JOIN skolval.unit u USING (unit_id)
            WHERE c.round_id = 1 AND u.organizer = 'municipal' AND c.seats > 0 ORDER BY c.unit_id),
     mean AS (SELECT $children::numeric / (SELECT count(*) FROM m) AS v)
UPDATE skolval.round_capacity c SET seats = greatest(1, floor((0.3 + 1.4 * random()) * (SELECT v FROM mean)))::int
 WHERE c.round_id = 1 AND c.unit_id IN (SELECT unit_id FROM m);
WITH least AS (SELECT c.unit_id FROM skolval.round_capacity c JOIN skolval.unit u USING (unit_id)
                WHERE c.round_id = 1 AND u.organizer = 'municipal' AND c.seats > 0
                ORDER BY (SELECT count(*) FROM skolval.wish w WHERE w.round_id = 1 AND w.unit_id = c.unit_id), c.unit_id LIMIT 1)
UPDATE skolval.round_capacity c
   SET seats = c.seats + greatest(0, $children + 2 - (SELECT sum(x.seats) FROM skolval.round_capacity x
                                                       JOIN skolval.unit u USING (unit_id)
                                                      WHERE x.round_id = 1 AND u.organizer = 'municipal'))
 WHERE c.round_id = 1 AND c.unit_id = (SELECT unit_id FROM least);
SQL
    real=$(q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1)")
    check "$real" min_cost "seed $seed real run (min_cost):"
    wi=$(q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1, admin_policy => 'nearest_free', what_if => true)")
    check "$wi" nearest_free "seed $seed what-if run (nearest_free):"
    # Control: the same checks see displacement when near-home priority is not first (a
    # what-if run with active choice first), so they can fail.
    q -c "UPDATE skolval.placement_round SET criteria = '{active_choice,near_home,sibling,relative_proximity,distance,lottery}' WHERE round_id = 1" >/dev/null
    ctl=$(q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1, what_if => true)")
    q -c "UPDATE skolval.placement_round SET criteria = '{near_home,active_choice,sibling,relative_proximity,distance,lottery}' WHERE round_id = 1" >/dev/null
    n=$(sql_checks "$ctl" | grep '^sql: near-home displacement' | sed 's/.*: //')
    echo "control: seed $seed, active choice before near home (what-if): $n near-home displacements"
    control=$((${control:-0} + n))
    echo "seed $seed: $(q -c "SELECT format('%s children, %s by wish, %s at a near-home unit through the guarantee, %s administrative', children, by_wish, near_home_offer, administrative) FROM skolval.placement_run WHERE run_id = $real")"
done

[ "${control:-0}" -gt 0 ] || fail "control: no near-home displacement found with active choice first; the check cannot fail"
echo "ok: control: $control near-home displacements found when near-home priority is not first"

# Row-order independence: reload the network and every table the placement reads in a shuffled
# physical order, recompute the distances from scratch, allocate again: the same run.
last=$(echo $seeds | awk '{print $NF}')
first_run=$(q -c "SELECT max(run_id) FILTER (WHERE NOT what_if) FROM skolval.placement_run")
q <<'SQL' >/dev/null
SET client_min_messages = warning;
SELECT setseed(0.4242);
CREATE TEMP TABLE s_edge AS SELECT * FROM skolval.edge ORDER BY random();
DELETE FROM skolval.edge; INSERT INTO skolval.edge SELECT * FROM s_edge;
CREATE TEMP TABLE s_cap AS SELECT * FROM skolval.round_capacity ORDER BY random();
CREATE TEMP TABLE s_wish AS SELECT * FROM skolval.wish ORDER BY random();
CREATE TEMP TABLE s_home AS SELECT * FROM skolval.round_home ORDER BY random();
CREATE TEMP TABLE s_sib AS SELECT * FROM skolval.sibling ORDER BY random();
DELETE FROM skolval.wish; DELETE FROM skolval.round_capacity; DELETE FROM skolval.round_home; DELETE FROM skolval.sibling;
INSERT INTO skolval.round_capacity SELECT * FROM s_cap;
INSERT INTO skolval.round_home SELECT * FROM s_home;
INSERT INTO skolval.sibling SELECT * FROM s_sib;
INSERT INTO skolval.wish SELECT * FROM s_wish;
DELETE FROM skolval.snap; DELETE FROM skolval.distance;
SQL
q -c "SET client_min_messages = warning" -c "SELECT count(*) FROM skolval.compute_distances(1, full_refresh => true)" >/dev/null
q -c "CREATE TEMP TABLE s_dist AS SELECT * FROM skolval.distance ORDER BY random()" \
  -c "DELETE FROM skolval.distance" -c "INSERT INTO skolval.distance SELECT * FROM s_dist" >/dev/null
again=$(q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1)")
same=$(q -c "SELECT (SELECT input_fingerprint FROM skolval.placement_run WHERE run_id = $first_run)
                  = (SELECT input_fingerprint FROM skolval.placement_run WHERE run_id = $again)")
assert_eq "seed $last: fingerprint after reloading in shuffled order" t "$same"
diff=$(q -c "SELECT count(*) FROM (
  (SELECT child_id, unit_id, kind, decision_sv, motivation_sv FROM skolval.placement WHERE run_id = $first_run
   EXCEPT SELECT child_id, unit_id, kind, decision_sv, motivation_sv FROM skolval.placement WHERE run_id = $again)
  UNION ALL
  (SELECT child_id, unit_id, kind, decision_sv, motivation_sv FROM skolval.placement WHERE run_id = $again
   EXCEPT SELECT child_id, unit_id, kind, decision_sv, motivation_sv FROM skolval.placement WHERE run_id = $first_run)) x")
assert_eq "seed $last: placements that differ after reloading in shuffled order" 0 "$diff"
echo "placement_law: all checks passed"

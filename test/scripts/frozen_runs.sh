#!/usr/bin/env bash
# Frozen runs cannot change by any path or interleaving (issue 11, item 3). As the extension's
# owner (a superuser: privileges do not stop it, only the guards do) and in two sessions:
#   - a row moved INTO a locked payment run or a published placement run (UPDATE ... SET run_id),
#     a row inserted into one, a row deleted from one: refused, the run unchanged;
#   - an open writer of a draft's rows makes approve/publish wait (55P03 under a lock timeout),
#     and what it committed is checked against the stored totals on approval;
#   - approve + lock (or publish) held open in one session: a writer in another session waits,
#     then is refused; the frozen run is unchanged;
#   - a draft whose rows were edited by hand after it was computed is not approved or published
#     (its stored totals no longer equal its rows).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
db=skolval_test_frozen
scratch_db $db
tmp=$(mktemp)
trap 'rm -f "$tmp"; dropdb --if-exists '$db' >/dev/null 2>&1 || true' EXIT
q() { "${PSQL[@]}" -d $db "$@"; }
# expect_refused LABEL SQLSTATE-PATTERN OUTPUT
expect_refused() {
    grep -q "$2" <<<"$3" || fail "$1: expected an error matching '$2', got: $3"
    echo "ok: $1 is refused ($(grep -o -m1 'ERROR: .*' <<<"$3" | cut -c8-110))"
}
qe() { q -v VERBOSITY=verbose "$@" 2>&1 || true; }

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 120, seed => 7, network_edges => 1500)" \
  -c "SELECT skolval.set_four_eyes(false, 'frozen_runs: one login runs every step; four eyes has its own test')" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" \
  -c "SELECT count(*) FROM skolval.demo_payments()" >/dev/null

# ---- payments: a locked March, a draft April -------------------------------------------------
q -c "SELECT skolval.lock_payment_run((skolval.approve_payment_run((skolval.create_payment_run('2026-03-01')).run_id)).run_id)" \
  -c "SELECT run_id FROM skolval.create_payment_run('2026-04-01')" >/dev/null
march() { q -c "SELECT r.status || '|' || r.rows || '|' || r.amount || '|' || count(x.*) || '|' || coalesce(sum(x.amount), 0)
                     || '|' || (SELECT count(*) FROM skolval.payment_issue i WHERE i.run_id = 1)
                  FROM skolval.payment_run r LEFT JOIN skolval.payment_row x ON x.run_id = r.run_id
                 WHERE r.run_id = 1 GROUP BY r.run_id"; }
before=$(march)
echo "ok: March locked, April a draft: $before"

expect_refused "moving April's rows into locked March (UPDATE ... SET run_id)" "55000" \
    "$(qe -c "UPDATE skolval.payment_row SET run_id = 1, row_no = row_no + 100000, amount = 1000000 WHERE run_id = 2 AND row_no <= 3")"
expect_refused "moving an issue into locked March" "55000" \
    "$(qe -c "UPDATE skolval.payment_issue SET run_id = 1, issue_no = issue_no + 100000 WHERE run_id = 2 AND issue_no = 1")"
expect_refused "inserting a row into locked March" "55000" \
    "$(qe -c "INSERT INTO skolval.payment_row (run_id, row_no, child_id, unit_id, kind, category_name, days, days_in_month, base, premises, admin, vat, amount)
              VALUES (1, 999999, 1, 1, 'grant', 'x', 1, 1, 1000000, 0, 0, 0, 1000000)")"
expect_refused "deleting a row of locked March" "55000" \
    "$(qe -c "DELETE FROM skolval.payment_row WHERE run_id = 1 AND row_no = 1")"
expect_refused "moving a row out of locked March" "55000" \
    "$(qe -c "UPDATE skolval.payment_row SET run_id = 2, row_no = row_no + 100000 WHERE run_id = 1 AND row_no = 1")"
expect_refused "changing locked March itself" "55000" \
    "$(qe -c "UPDATE skolval.payment_run SET amount = amount + 1000000 WHERE run_id = 1")"
assert_eq "locked March unchanged (status|rows|amount|row count|row sum|issues)" "$before" "$(march)"

# An open writer of April's rows: approval waits (55P03 under a lock timeout)...
q -c "BEGIN" -c "UPDATE skolval.payment_row SET amount = amount + 1000000 WHERE run_id = 2 AND row_no = 1" \
  -c "SELECT pg_sleep(3)" -c "COMMIT" >"$tmp" 2>&1 &
a=$!
sleep 1
out=$(qe -c "SET lock_timeout = '500ms'" -c "SELECT status FROM skolval.approve_payment_run(2)")
expect_refused "approving while a writer of the run's rows is open (it waits)" "55P03" "$out"
# ...and, waiting without a timeout, sees the committed edit: the totals no longer equal the rows.
out=$(qe -c "SELECT status FROM skolval.approve_payment_run(2)")
wait $a || fail "the writer failed: $(cat "$tmp")"
expect_refused "approving a draft whose rows were edited after it was computed" "23514.*stored totals do not equal its rows" "$out"
assert_eq "April is still a draft" draft "$(q -c "SELECT status FROM skolval.payment_run WHERE run_id = 2")"

# A clean draft, approved and locked in one session held open; a writer meanwhile waits, then
# is refused once approval and lock commit.
q -c "SELECT run_id FROM skolval.create_payment_run('2026-04-01')" >/dev/null
april=$(q -c "SELECT run_id FROM skolval.payment_run WHERE month = '2026-04-01'")
q -c "BEGIN" -c "SELECT status FROM skolval.approve_payment_run($april)" -c "SELECT status FROM skolval.lock_payment_run($april)" \
  -c "SELECT pg_sleep(3)" -c "COMMIT" >"$tmp" 2>&1 &
a=$!
sleep 1
t0=$(date +%s%N)
out=$(qe -c "UPDATE skolval.payment_row SET amount = amount + 1000000 WHERE run_id = $april AND row_no = 1")
waited=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $a || fail "approve + lock failed: $(cat "$tmp")"
expect_refused "a row update racing approve + lock (it waited ${waited} ms for them)" "55000.*is locked" "$out"
[ "$waited" -ge 1000 ] || fail "the writer did not wait for approve + lock (${waited} ms)"
out=$(qe -c "UPDATE skolval.payment_row SET run_id = $april, row_no = row_no + 100000 WHERE run_id = 1 AND row_no = 1")
expect_refused "a row moved between two locked runs" "55000" "$out"
assert_eq "April locked, its totals equal its rows" "locked|true" \
    "$(q -c "SELECT r.status || '|' || (r.amount = (SELECT sum(x.amount) FROM skolval.payment_row x WHERE x.run_id = r.run_id AND NOT x.held))
               FROM skolval.payment_run r WHERE r.run_id = $april")"
# A writer that moves a row INTO a draft while approval of that draft is open: it waits for the
# approval, then is refused.
q -c "SELECT run_id FROM skolval.create_payment_run('2026-05-01')" >/dev/null
may=$(q -c "SELECT run_id FROM skolval.payment_run WHERE month = '2026-05-01'")
q -c "SELECT run_id FROM skolval.create_payment_run('2026-06-01')" >/dev/null
june=$(q -c "SELECT run_id FROM skolval.payment_run WHERE month = '2026-06-01'")
q -c "BEGIN" -c "SELECT status FROM skolval.approve_payment_run($may)" -c "SELECT pg_sleep(2)" -c "COMMIT" >"$tmp" 2>&1 &
a=$!
sleep 1
out=$(qe -c "UPDATE skolval.payment_row SET run_id = $may, row_no = row_no + 100000 WHERE run_id = $june AND row_no = 1")
wait $a || fail "approval failed: $(cat "$tmp")"
expect_refused "a row moved into a draft whose approval is open" "55000.*is approved" "$out"

# ---- placement: the race with publish, then the published run's paths -------------------------
q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1)" \
  -c "SELECT skolval.override_blocking_issues(1, 'test: the example''s unconfirmed sibling claims are known')" >/dev/null
placements() { q -c "SELECT r.status || '|' || r.children || '|' || count(p.*) || '|' || sum(p.unit_id) || '|'
                            || (SELECT count(*) FROM skolval.placement_wish w WHERE w.run_id = 1) || '|'
                            || (SELECT sum(placed) FROM skolval.placement_unit u WHERE u.run_id = 1)
                       FROM skolval.placement_run r JOIN skolval.placement p ON p.run_id = r.run_id
                      WHERE r.run_id = 1 GROUP BY r.run_id"; }
# An open writer of the draft run's results: publish waits (55P03 under a lock timeout).
q -c "BEGIN" -c "UPDATE skolval.placement_unit SET cutoff_sv = cutoff_sv WHERE run_id = 1" -c "SELECT pg_sleep(3)" -c "ROLLBACK" >"$tmp" 2>&1 &
a=$!
sleep 1
out=$(qe -c "SET lock_timeout = '500ms'" -c "SELECT status FROM skolval.publish(1)")
wait $a || fail "the writer failed: $(cat "$tmp")"
expect_refused "publishing while a writer of the run's results is open (it waits)" "55P03" "$out"
# A hand edit of the draft's results: publish refuses the run (summary against results).
out=$(qe -c "BEGIN" -c "UPDATE skolval.placement SET kind = 'administrative', wish_rank = NULL WHERE run_id = 1 AND kind = 'wish' AND child_id = (SELECT min(child_id) FROM skolval.placement WHERE run_id = 1 AND kind = 'wish')" \
         -c "SELECT status FROM skolval.publish(1)" -c "COMMIT")
expect_refused "publishing a run whose results were edited after it was made" "23514.*stored summary does not equal its results" "$out"
before=$(placements)
# Publication held open; a writer meanwhile waits, then is refused.
q -c "BEGIN" -c "SELECT status FROM skolval.publish(1)" -c "SELECT pg_sleep(3)" -c "COMMIT" >"$tmp" 2>&1 &
a=$!
sleep 1
t0=$(date +%s%N)
out=$(qe -c "UPDATE skolval.placement SET unit_id = (SELECT max(unit_id) FROM skolval.placement WHERE run_id = 1) WHERE run_id = 1 AND child_id = (SELECT min(child_id) FROM skolval.placement WHERE run_id = 1)")
waited=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $a || fail "publish failed: $(cat "$tmp")"
expect_refused "a placement update racing publish (it waited ${waited} ms)" "55000.*is published" "$out"
[ "$waited" -ge 1000 ] || fail "the writer did not wait for publish (${waited} ms)"
assert_eq "run 1 published" published "$(q -c "SELECT status FROM skolval.placement_run WHERE run_id = 1")"
before="published|${before#*|}"
q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1, what_if => true)" >/dev/null
for tk in placement:child_id placement_wish:child_id placement_unit:unit_id; do
    t=${tk%:*} k=${tk#*:}
    expect_refused "moving a what-if run's $t rows into the published run" "55000" \
        "$(qe -c "UPDATE skolval.$t SET run_id = 1, $k = $k + 1000000 WHERE run_id = 2 AND unit_id = (SELECT min(unit_id) FROM skolval.$t WHERE run_id = 2)")"
    expect_refused "deleting $t rows of the published run" "55000" "$(qe -c "DELETE FROM skolval.$t WHERE run_id = 1")"
    expect_refused "moving $t rows out of the published run" "55000" "$(qe -c "UPDATE skolval.$t SET run_id = 2, $k = $k + 1000000 WHERE run_id = 1")"
done
expect_refused "inserting a placement into the published run" "55000" \
    "$(qe -c "INSERT INTO skolval.placement SELECT 1, p.child_id + 1000000, p.unit_id, p.kind, p.wish_rank, p.walking_m, p.decisive_criterion, p.lottery_number, p.decision_sv, p.motivation_sv, p.explanation FROM skolval.placement p WHERE p.run_id = 2 LIMIT 1")"
expect_refused "un-publishing the run" "55000" "$(qe -c "UPDATE skolval.placement_run SET status = 'draft' WHERE run_id = 1")"
expect_refused "un-publishing the round" "55000" "$(qe -c "UPDATE skolval.placement_round SET status = 'allocated' WHERE round_id = 1")"
assert_eq "published run unchanged (status|children|placements|sum of units|wishes|placed)" "$before" "$(placements)"

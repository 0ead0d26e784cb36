#!/usr/bin/env bash
# The workflow cannot be walked around, and four eyes (issue 11, items 4 and 5), with two people
# who log in as themselves: alice and bob, both skolval_admin.
#   - four eyes (on by default): alice computes a payment run and cannot approve it, not even
#     after SET ROLE skolval_admin; bob approves; alice may lock. Alice allocates and cannot
#     publish; bob publishes. Statements and the audit log say who did what;
#   - turning four eyes off needs a reason, which the approved run and its statement keep;
#   - admins cannot write run and result tables by hand (no forged status, approver, what-if
#     flag, hand-made run), and the owner, who can, is stopped by the guards;
#   - the audit log names the function, session_user and current_user, and does not trust
#     application_name.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
db=skolval_test_four_eyes
scratch_db $db
cleanup() {
    dropdb --if-exists $db >/dev/null 2>&1 || true
    "${PSQL[@]}" -d postgres -c "DROP ROLE IF EXISTS skolval_test_alice, skolval_test_bob" >/dev/null 2>&1 || true
}
trap cleanup EXIT
q() { "${PSQL[@]}" -d $db "$@"; }
as() { local who=$1; shift; "${PSQL[@]}" -d $db -U "skolval_test_$who" -v VERBOSITY=verbose -c "SET client_min_messages = warning" "$@"; }
ase() { as "$@" 2>&1 || true; }
qe() { q -v VERBOSITY=verbose "$@" 2>&1 || true; }
expect_refused() {
    grep -q "$2" <<<"$3" || fail "$1: expected an error matching '$2', got: $3"
    echo "ok: $1 is refused ($(grep -o -m1 'ERROR: .*' <<<"$3" | cut -c8-120))"
}

"${PSQL[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS skolval_test_alice, skolval_test_bob" \
    -c "CREATE ROLE skolval_test_alice LOGIN IN ROLE skolval_admin" -c "CREATE ROLE skolval_test_bob LOGIN IN ROLE skolval_admin" >/dev/null
as alice -c "SELECT 1" >/dev/null 2>&1 || skip "cannot log in as a new role here (pg_hba.conf)"
q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 120, seed => 7, network_edges => 1500)" \
  -c "SELECT count(*) FROM skolval.demo_payments()" >/dev/null
as alice -c "SELECT count(*) FROM skolval.compute_distances(1)" >/dev/null 2>&1
assert_eq "four eyes is on by default" "t" "$(q -c "SELECT coalesce((SELECT four_eyes FROM skolval.settings), true)")"

# ---- payments -----------------------------------------------------------------------------
run=$(as alice -c "SELECT run_id FROM skolval.create_payment_run('2026-09-01')")
expect_refused "alice approving her own run" "four eyes: payment run $run for 2026-09 was made by skolval_test_alice" \
    "$(ase alice -c "SELECT status FROM skolval.approve_payment_run($run)")"
expect_refused "alice approving her own run as SET ROLE skolval_admin" "42501\|four eyes" \
    "$(ase alice -c "SET ROLE skolval_admin" -c "SELECT status FROM skolval.approve_payment_run($run)")"
assert_eq "bob approves" "approved|skolval_test_bob|skolval_test_bob" \
    "$(as bob -c "SELECT status || '|' || approved_by || '|' || approved_role FROM skolval.approve_payment_run($run)")"
assert_eq "alice locks (four eyes is about approval)" "locked|skolval_test_alice" \
    "$(as alice -c "SELECT status || '|' || locked_by FROM skolval.lock_payment_run($run)")"
unit=$(q -c "SELECT min(unit_id) FROM skolval.payment_row WHERE run_id = $run")
assert_eq "the statement says who computed, approved and locked" \
    "Beräknad av|skolval_test_alice,Attesterad av|skolval_test_bob,Låst av|skolval_test_alice" \
    "$(q -c "SELECT string_agg(label || '|' || split_part(body, ' ', 1), ',' ORDER BY ord) FROM skolval.payment_statement_content($run, $unit) WHERE ord BETWEEN 107 AND 109")"
assert_eq "the audit log: function, session_user, acting role, current_user (the owner) of each step" \
    "create_payment_run|create_payment_run|skolval_test_alice|skolval_test_alice|postgres,approve_payment_run|approve_payment_run|skolval_test_bob|skolval_test_bob|postgres,lock_payment_run|lock_payment_run|skolval_test_alice|skolval_test_alice|postgres" \
    "$(q -c "SELECT string_agg(action || '|' || function_name || '|' || session_user_name || '|' || acting_role || '|' || current_user_name, ',' ORDER BY audit_id)
               FROM skolval.audit_log WHERE table_name = 'payment_run' AND action <> 'update'")"
assert_eq "application_name is kept but names nothing" "create_payment_run|allocate" \
    "$(PGAPPNAME=allocate as bob -c "SELECT run_id FROM skolval.create_payment_run('2026-10-01')" >/dev/null;
       q -c "SELECT action || '|' || application_name FROM skolval.audit_log WHERE table_name = 'payment_run' AND action <> 'update' ORDER BY audit_id DESC LIMIT 1")"

# ---- placement ----------------------------------------------------------------------------
prun=$(as alice -c "SELECT run_id FROM skolval.allocate(1)")
expect_refused "alice publishing her own run" "four eyes: placement run $prun was made by skolval_test_alice" \
    "$(ase alice -c "SELECT status FROM skolval.publish($prun)")"
# A hand-made real run (no results): publish() refuses it, whoever asks.
hand=$(q -c "INSERT INTO skolval.placement_run (round_id, mechanism, admin_policy, what_if, criteria, lottery_seed, near_home_distance_m, input_fingerprint, children, by_wish, first_choice, near_home_offer, administrative)
             VALUES (1, 'deferred_acceptance', 'min_cost', false, '{lottery}', 1, 1, 'x', 0, 0, 0, 0, 0) RETURNING run_id")
expect_refused "publishing a hand-made run with no placements" "23514\|stored summary does not equal its results" \
    "$(ase bob -c "SELECT status FROM skolval.publish($hand)")"
assert_eq "the hand-made run is logged as an insert by hand, not as allocate" "insert||postgres" \
    "$(q -c "SELECT action || '|' || coalesce(function_name, '') || '|' || session_user_name FROM skolval.audit_log WHERE table_name = 'placement_run' AND row_key ->> 'run_id' = '$hand'")"
q -c "DELETE FROM skolval.placement_run WHERE run_id = $hand" >/dev/null
q -c "SET client_min_messages = warning" -c "SELECT skolval.override_blocking_issues($prun, 'test: the example''s unconfirmed sibling claims are known')" >/dev/null
assert_eq "bob publishes" "published|skolval_test_bob|skolval_test_bob" \
    "$(as bob -c "SELECT status || '|' || published_by || '|' || published_session FROM skolval.publish($prun)")"
assert_eq "the audit log names allocate and publish and who" \
    "allocate|allocate|skolval_test_alice,publish|publish|skolval_test_bob" \
    "$(q -c "SELECT string_agg(action || '|' || function_name || '|' || session_user_name, ',' ORDER BY audit_id) FROM skolval.audit_log WHERE table_name = 'placement_run'")"

# ---- four eyes off, with a reason ------------------------------------------------------------
expect_refused "turning four eyes off without a reason" "22023" "$(ase alice -v VERBOSITY=verbose -c "SELECT skolval.set_four_eyes(false)")"
as alice -c "SELECT skolval.set_four_eyes(false, 'sommarsemester: en handläggare')" >/dev/null
run2=$(as alice -c "SELECT run_id FROM skolval.payment_run WHERE month = '2026-10-01'")
as bob -c "SELECT run_id FROM skolval.create_payment_run('2026-10-01')" >/dev/null
run2=$(q -c "SELECT run_id FROM skolval.payment_run WHERE month = '2026-10-01'")
assert_eq "with four eyes off bob approves his own run, and the run keeps the reason" "approved|sommarsemester: en handläggare" \
    "$(as bob -c "SELECT status || '|' || four_eyes_off_reason FROM skolval.approve_payment_run($run2)")"
assert_eq "the statement shows it" "skolval_test_bob YYYY-MM-DD (fyra ögon avstängt: sommarsemester: en handläggare)" \
    "$(q -c "SELECT regexp_replace(body, '\d{4}-\d\d-\d\d', 'YYYY-MM-DD') FROM skolval.payment_statement_content($run2, (SELECT min(unit_id) FROM skolval.payment_row WHERE run_id = $run2)) WHERE ord = 108")"
assert_eq "turning it off is in the audit log with the reason" "settings|skolval_test_alice|sommarsemester: en handläggare" \
    "$(q -c "SELECT table_name || '|' || session_user_name || '|' || (new_row ->> 'four_eyes_off_reason') FROM skolval.audit_log WHERE table_name = 'settings' ORDER BY audit_id DESC LIMIT 1")"
as alice -c "SELECT skolval.set_four_eyes(true)" >/dev/null

# ---- no way around the workflow for an admin -------------------------------------------------
as alice -c "SELECT run_id FROM skolval.create_payment_run('2026-11-01')" >/dev/null
nov=$(q -c "SELECT run_id FROM skolval.payment_run WHERE month = '2026-11-01'")
expect_refused "alice setting a draft straight to locked by UPDATE, with a forged approver" "42501" \
    "$(ase alice -c "UPDATE skolval.payment_run SET status = 'locked', approved_by = 'skolval_test_bob' WHERE run_id = $nov")"
expect_refused "alice editing a draft's rows by hand" "42501" "$(ase alice -c "UPDATE skolval.payment_row SET amount = 0 WHERE run_id = $nov")"
expect_refused "alice inserting a payment run by hand" "42501" "$(ase alice -c "INSERT INTO skolval.payment_run (month, basis, rules) VALUES ('2027-01-01', 'count_day', '{}')")"
expect_refused "alice deleting a draft by hand" "42501" "$(ase alice -c "DELETE FROM skolval.payment_run WHERE run_id = $nov")"
expect_refused "alice publishing a what-if run by UPDATE" "42501" \
    "$(ase alice -c "UPDATE skolval.placement_run SET what_if = false, status = 'published' WHERE what_if")"
expect_refused "alice inserting an immediate-acceptance run by hand" "42501" \
    "$(ase alice -c "INSERT INTO skolval.placement_run (round_id, mechanism, admin_policy, what_if, criteria, lottery_seed, near_home_distance_m, input_fingerprint, children, by_wish, first_choice, near_home_offer, administrative)
                     VALUES (1, 'immediate_acceptance', 'min_cost', false, '{lottery}', 1, 1, 'x', 0, 0, 0, 0, 0)")"
expect_refused "alice truncating placements" "42501" "$(ase alice -c "TRUNCATE skolval.placement")"
expect_refused "alice switching the triggers off" "42501" "$(ase alice -c "SELECT skolval.set_triggers(false)")"
expect_refused "alice emptying the audit log" "42501" "$(ase alice -c "DELETE FROM skolval.audit_log")"

# ---- the owner can write, the guards stop it ---------------------------------------------------
expect_refused "the owner setting a draft straight to locked" "55000.*can only become approved" \
    "$(qe -c "UPDATE skolval.payment_run SET status = 'locked' WHERE run_id = $nov")"
expect_refused "the owner approving with a forged approver" "42501.*recorded as this session" \
    "$(qe -c "UPDATE skolval.payment_run SET status = 'approved', approved_by = 'skolval_test_bob' WHERE run_id = $nov")"
expect_refused "the owner rewriting who computed a run" "55000.*creator cannot be changed" \
    "$(qe -c "UPDATE skolval.payment_run SET created_by = 'skolval_test_bob' WHERE run_id = $nov")"
expect_refused "the owner rewriting the approval while locking" "55000.*totals and approval cannot be changed" \
    "$(qe -c "UPDATE skolval.payment_run SET status = 'locked', approved_by = 'x' WHERE run_id = $run2")"
expect_refused "the owner changing the counts while locking" "55000.*totals and approval cannot be changed" \
    "$(qe -c "UPDATE skolval.payment_run SET status = 'locked', errors = 0, rows = rows + 1 WHERE run_id = $run2")"
expect_refused "the owner inserting a run that is already locked" "55000.*made as a draft" \
    "$(qe -c "INSERT INTO skolval.payment_run (month, status, basis, rules) VALUES ('2027-01-01', 'locked', 'count_day', '{}')")"
expect_refused "the owner inserting a real immediate-acceptance run" "22023.*only deferred acceptance" \
    "$(qe -c "INSERT INTO skolval.placement_run (round_id, mechanism, admin_policy, what_if, criteria, lottery_seed, near_home_distance_m, input_fingerprint, children, by_wish, first_choice, near_home_offer, administrative)
              VALUES (1, 'immediate_acceptance', 'min_cost', false, '{lottery}', 1, 1, 'x', 0, 0, 0, 0, 0)")"
wif=$(q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1, 'immediate_acceptance', what_if => true)")
expect_refused "the owner turning a what-if run into a real one" "55000.*what-if flag" \
    "$(qe -c "UPDATE skolval.placement_run SET what_if = false WHERE run_id = $wif")"
expect_refused "the owner publishing a what-if run by UPDATE" "55000.*what-if run and cannot be published" \
    "$(qe -c "UPDATE skolval.placement_run SET status = 'published' WHERE run_id = $wif")"

#!/usr/bin/env bash
# The audit log cannot be emptied and frozen runs stay frozen in every session_replication_role
# (issue 11, item 6): as a superuser in replica mode (where ordinary triggers do not fire) the
# log refuses DELETE, UPDATE and TRUNCATE, changes are still logged, a locked payment run and a
# published placement run still refuse changes, and a TRUNCATE keeps every row's before-image.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ "$("${PSQL[@]}" -d postgres -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" = t ] \
    || skip "not connected as a superuser: replica mode needs one"
db=skolval_test_always
scratch_db $db
q() { "${PSQL[@]}" -d $db "$@"; }
qr() { PGOPTIONS='-c session_replication_role=replica' "${PSQL[@]}" -d $db -v VERBOSITY=verbose "$@" 2>&1 || true; }
expect_refused() {
    grep -q "$2" <<<"$3" || fail "$1: expected an error matching '$2', got: $3"
    echo "ok: $1 is refused ($(grep -o -m1 'ERROR: .*' <<<"$3" | cut -c8-110))"
}
q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 60, seed => 5, network_edges => 800)" \
  -c "SELECT skolval.set_four_eyes(false, 'audit_always: one login runs every step')" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" -c "SELECT run_id FROM skolval.allocate(1)" \
  -c "SELECT skolval.override_blocking_issues(1, 'test: the example''s unconfirmed sibling claims are known')" \
  -c "SELECT status FROM skolval.publish(1)" -c "SELECT count(*) FROM skolval.demo_payments()" \
  -c "SELECT skolval.lock_payment_run((skolval.approve_payment_run((skolval.create_payment_run('2026-09-01')).run_id)).run_id)" >/dev/null
n=$(q -c "SELECT count(*) FROM skolval.audit_log")
assert_eq "replica mode is really on in these sessions" replica "$(qr -c "SHOW session_replication_role")"
expect_refused "DELETE FROM audit_log in replica mode" "55000.*append-only" "$(qr -c "DELETE FROM skolval.audit_log")"
expect_refused "UPDATE audit_log in replica mode" "55000.*append-only" "$(qr -c "UPDATE skolval.audit_log SET acting_role = 'nobody'")"
expect_refused "TRUNCATE audit_log in replica mode" "55000.*append-only" "$(qr -c "TRUNCATE skolval.audit_log")"
assert_eq "audit entries kept" "$n" "$(q -c "SELECT count(*) FROM skolval.audit_log")"
qr -c "UPDATE skolval.child SET given_name = 'Ändrad i replikaläge' WHERE child_id = 1" >/dev/null
assert_eq "a change in replica mode is logged" "update|Ändrad i replikaläge" \
    "$(q -c "SELECT action || '|' || (new_row ->> 'given_name') FROM skolval.audit_log WHERE table_name = 'child' ORDER BY audit_id DESC LIMIT 1")"
expect_refused "changing a locked payment run's rows in replica mode" "55000.*is locked" \
    "$(qr -c "UPDATE skolval.payment_row SET amount = amount + 1000000 WHERE run_id = 1")"
expect_refused "changing a published placement in replica mode" "55000.*is published" \
    "$(qr -c "DELETE FROM skolval.placement WHERE run_id = 1")"
expect_refused "un-publishing in replica mode" "55000.*is published" \
    "$(qr -c "UPDATE skolval.placement_run SET status = 'draft' WHERE run_id = 1")"
rows=$(q -c "SELECT count(*) FROM skolval.supplement")
[ "$rows" -gt 0 ] || fail "the example municipality has no supplements to truncate"
before=$(q -c "SELECT md5(string_agg(to_jsonb(s)::text, ',' ORDER BY supplement_id)) FROM skolval.supplement s")
qr -c "TRUNCATE skolval.supplement" >/dev/null
assert_eq "TRUNCATE in replica mode keeps every row's before-image" "$rows|$before" \
    "$(q -c "SELECT count(*) || '|' || md5(string_agg(old_row::text, ',' ORDER BY (old_row ->> 'supplement_id')::bigint))
               FROM (SELECT old_row FROM skolval.audit_log WHERE table_name = 'supplement' AND action = 'truncate') x")"

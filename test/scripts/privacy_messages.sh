#!/usr/bin/env bash
# Protected identity in messages: run every job on the example municipality with every NOTICE,
# WARNING and error shown, and prove that no protected child's name, personal identity number
# or address appears in any message, in any stored text (data issues, payment issues,
# placement decisions and motivations) or in the BI views.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scratch_db skolval_test_privacy
db=skolval_test_privacy
q() { "${PSQL[@]}" -d "$db" "$@"; }
log=$(mktemp)
trap 'rm -f "$log"; dropdb --if-exists skolval_test_privacy >/dev/null 2>&1 || true' EXIT

# Everything a municipality runs, with every message the server sends.
{
  q -c "SET client_min_messages = debug1" \
    -c "SELECT count(*) FROM skolval.demo_municipality(children => 400, seed => 11, network_edges => 4000)" \
    -c "SELECT skolval.set_four_eyes(false, 'privacy_messages: one login runs every step; four eyes has its own test')" \
    -c "SELECT count(*) FROM skolval.compute_distances(1)" \
    -c "SELECT run_id FROM skolval.allocate(1)" \
    -c "SELECT run_id FROM skolval.allocate(1, mechanism => 'top_trading_cycles', what_if => true)" \
    -c "SELECT skolval.override_blocking_issues(1, 'test: the example''s unconfirmed sibling claims are known')" \
    -c "SELECT skolval.publish(1)" \
    -c "SELECT count(*) FROM skolval.demo_payments()" \
    -c "SELECT count(*) FROM skolval.payment_check('2026-09-01')" \
    -c "SELECT run_id FROM skolval.create_payment_run('2026-09-01')" \
    -c "SELECT count(*) FROM skolval.reconcile_payments('2026-09-01')" \
    -c "SELECT count(*) FROM skolval.nightly('2026-10-01')"
  # Errors about protected children: residence overlap, a bad enrollment, an allocation
  # without distances for a new protected child.
  for sql in \
    "INSERT INTO skolval.residence (child_id, municipality_code, valid_from) SELECT child_id, '9999', '2026-01-01' FROM skolval.child WHERE protected_identity LIMIT 1" \
    "INSERT INTO skolval.enrollment (child_id, unit_id, school_form, valid_from) SELECT c.child_id, (SELECT unit_id FROM skolval.unit WHERE NOT 'forskola' = ANY (school_forms::text[]) LIMIT 1), 'forskola', '2026-01-01' FROM skolval.child c WHERE protected_identity LIMIT 1" \
    "INSERT INTO skolval.sibling SELECT child_id, child_id FROM skolval.child WHERE protected_identity LIMIT 1" \
    "UPDATE skolval.child SET personal_number = '19000101-0000' WHERE protected_identity"
  do
    q -c "SET client_min_messages = debug1" -c "$sql" || true
  done
} > "$log" 2>&1
lines=$(wc -l < "$log")
[ "$lines" -gt 20 ] || fail "too little output to check ($lines lines): $(cat "$log")"

# Every identifying string of every protected child.
q -c "SELECT x FROM (
        SELECT c.given_name AS x FROM skolval.child c WHERE c.protected_identity
        UNION SELECT c.family_name FROM skolval.child c WHERE c.protected_identity
        UNION SELECT c.personal_number FROM skolval.child c WHERE c.protected_identity
        UNION SELECT skolval.personal_number_display(c.personal_number) FROM skolval.child c WHERE c.protected_identity
        UNION SELECT r.address FROM skolval.residence r JOIN skolval.child c USING (child_id) WHERE c.protected_identity
      ) s WHERE x IS NOT NULL AND length(x) >= 4" > "$log.needles"
needles=$(wc -l < "$log.needles")
[ "$needles" -gt 10 ] || fail "expected protected children with names and addresses, found $needles strings"
# Stored texts a guardian, unit or BI user can see.
q -c "SELECT message FROM skolval.data_issue
      UNION ALL SELECT message FROM skolval.payment_issue
      UNION ALL SELECT coalesce(decision_sv, '') || ' ' || coalesce(motivation_sv, '') || ' ' || coalesce(explanation::text, '') FROM skolval.placement
      UNION ALL SELECT to_jsonb(v)::text FROM skolval.placement_decision v WHERE v.protected_identity
      UNION ALL SELECT to_jsonb(v)::text FROM skolval.bi_placement v
      UNION ALL SELECT to_jsonb(v)::text FROM skolval.payment_open_issue v" >> "$log"
found=$(grep -F -f "$log.needles" "$log" | head -3 || true)
rm -f "$log.needles"
[ -z "$found" ] || fail "a protected child's name, number or address appears: $found"
echo "ok: $needles names, numbers and addresses of protected children appear in none of $(wc -l < "$log") lines of messages, stored texts and BI views"

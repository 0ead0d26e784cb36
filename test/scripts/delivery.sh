#!/usr/bin/env bash
# Delivery (issue 15) on the example municipality: both guardians of every child get the
# decision, the outbox holds one row per recipient and channel, two mail robots claiming at the
# same time never get the same rows, a failed send is retried then reported, delivery dates give
# the appeal deadlines (checked against an independent oracle with its own table of Easter
# dates), a protected child's letter names the child and carries no address, and the print file
# holds every paper letter of a batch.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd pdftotext
db=skolval_test_delivery
scratch_db $db
q() { "${PSQL[@]}" -d $db "$@"; }
out=$(mktemp -d "${TMPDIR:-/tmp}/skolval-delivery.XXXXXX")
trap 'rm -rf "$out"; dropdb --if-exists $db >/dev/null 2>&1 || true' EXIT
seed=$(( RANDOM % 50 + 1 ))
echo "seed $seed"

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 200, seed => $seed, network_edges => 4000)" \
  -c "SELECT skolval.set_four_eyes(false, 'delivery test: one login runs every step')" \
  -c "UPDATE skolval.child c SET protected_identity = true
       WHERE c.child_id = (SELECT min(k.child_id) FROM skolval.round_cohort k WHERE k.round_id = 1)
         AND NOT EXISTS (SELECT 1 FROM skolval.round_cohort k JOIN skolval.child x USING (child_id) WHERE x.protected_identity)" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" \
  -c "SELECT count(*) FROM skolval.allocate(1)" \
  -c "SELECT count(*) FROM skolval.demo_guardians($seed)" \
  -c "SELECT count(*) FROM skolval.set_decision_maker(1, 'Handläggare, antagningsenheten', 'Karin Lind', 'Delegationsordningen punkt 4.2')" \
  -c "SELECT count(*) FROM skolval.configure_documents(board_address => 'Box 100, 999 99 Exempelstad', contact => 'Barn- och skolförvaltningen')" \
  -c "SELECT count(*) FROM skolval.override_blocking_issues(1, 'test: the example''s unconfirmed sibling claims are known')" \
  -c "SELECT count(*) FROM skolval.publish(1)" >/dev/null

# Case numbers: one per child, consecutive in the configured series of the decision's year.
year=$(q -c "SELECT extract(year FROM published_at)::int FROM skolval.placement_run WHERE run_id = 1")
assert_eq "one case number per child, BSN YEAR/0001 upwards" \
    "$(q -c "SELECT count(*) FROM skolval.placement WHERE run_id = 1")|BSN $year/0001|true" \
    "$(q -c "SELECT count(*) || '|' || min(case_number) || '|' || bool_and(case_number = format('BSN %s/%s', $year, lpad(k::text, 4, '0')))
               FROM (SELECT case_number, row_number() OVER (ORDER BY child_id) k FROM skolval.decision WHERE run_id = 1) x")"

q -c "SELECT * FROM skolval.delivery_enqueue(1)" >/dev/null
# Both guardians of every child, each on the e-service and the formal channel: rows =
# recipients x 2, and every custody pair of every placed child is there.
assert_eq "outbox rows = recipients x channels" \
    "$(q -c "SELECT 2 * count(*) FROM skolval.custody k JOIN skolval.placement p ON p.child_id = k.child_id AND p.run_id = 1")" \
    "$(q -c "SELECT count(*) FROM skolval.outbox")"
assert_eq "every guardian with custody of every placed child gets the decision" 0 \
    "$(q -c "SELECT count(*) FROM skolval.custody k JOIN skolval.placement p ON p.child_id = k.child_id AND p.run_id = 1
              WHERE NOT EXISTS (SELECT 1 FROM skolval.outbox o WHERE o.child_id = k.child_id AND o.guardian_id = k.guardian_id
                                   AND o.channel = 'e_service')
                 OR NOT EXISTS (SELECT 1 FROM skolval.outbox o JOIN skolval.guardian g USING (guardian_id)
                                 WHERE o.child_id = k.child_id AND o.guardian_id = k.guardian_id AND o.channel = g.channel)")"
# The decision in words follows the organizer recorded with the published run: a wish met at an
# independent unit is the school's offer ("har fått plats", no board decision), every other place
# the board's placement ("placeras"); the e-service JSON says the same as the letter. A unit
# renamed after publishing keeps its recorded name in letters queued later.
indep=$(q -c "SELECT count(*) FROM skolval.placement p JOIN skolval.document_record_unit r ON r.kind = 'placement' AND r.run_id = 1 AND r.unit_id = p.unit_id
               WHERE p.run_id = 1 AND r.organizer = 'independent'")
[ "$indep" -gt 0 ] || fail "the example placed no child at an independent unit: the independent letter is not exercised"
assert_eq "letters: decision sentence by the recorded organizer (wrong sentences, of $(q -c "SELECT count(*) FROM skolval.outbox WHERE channel = 'e_service'") e-service rows)" 0 \
    "$(q -c "SELECT count(*) FROM skolval.outbox o
               JOIN skolval.placement p ON p.run_id = o.run_id AND p.child_id = o.child_id
               JOIN skolval.document_record_unit r ON r.kind = 'placement' AND r.run_id = o.run_id AND r.unit_id = p.unit_id
               CROSS JOIN LATERAL (SELECT c.body FROM skolval.delivery_letter_content(o.outbox_id) c WHERE c.part = 'section' AND c.label = 'Beslut') b
               CROSS JOIN LATERAL (SELECT c.body FROM skolval.delivery_letter_content(o.outbox_id) c WHERE c.part = 'section' AND c.label = 'Vem har beslutat') m
              WHERE o.channel = 'e_service'
                AND NOT (CASE WHEN r.organizer = 'independent'
                              THEN b.body LIKE 'Ert barn har fått plats i förskoleklass vid ' || r.name || ' %skolans erbjudande%'
                                   AND m.body LIKE 'Platsen vid ' || r.name || ' är skolans erbjudande%'
                              ELSE b.body LIKE 'Ert barn placeras i förskoleklass vid ' || r.name || ' %' AND m.body LIKE 'Beslutet har fattats av %' END)
                    OR o.json ->> 'decision' IS DISTINCT FROM b.body
                    OR (o.json -> 'school' ->> 'independent')::boolean IS DISTINCT FROM (r.organizer = 'independent')")"
echo "ok: $indep children placed at independent units get the school's offer, not a board decision"
two=$(q -c "SELECT count(*) FROM (SELECT child_id FROM skolval.outbox WHERE channel = 'e_service' GROUP BY child_id HAVING count(*) = 2) x")
[ "$two" -gt 0 ] || fail "no child with two guardians"
echo "ok: $two children have decisions for both guardians"
assert_eq "enqueue twice queues nothing more" "$(q -c "SELECT count(*) FROM skolval.outbox")" \
    "$(q -c "SELECT count(*) FROM skolval.delivery_enqueue(1)" >/dev/null; q -c "SELECT count(*) FROM skolval.outbox")"

# A login role for the robots, member of skolval_mailer only.
q -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS skolval_test_robot" -c "CREATE ROLE skolval_test_robot LOGIN IN ROLE skolval_mailer" >/dev/null
trap 'rm -rf "$out"; dropdb --if-exists $db >/dev/null 2>&1 || true; psql -X -q -d postgres -c "DROP ROLE IF EXISTS skolval_test_robot" >/dev/null 2>&1 || true' EXIT
r() { "${PSQL[@]}" -U skolval_test_robot -d $db "$@"; }
expect_refused() {   # LABEL SQLSTATE-PATTERN OUTPUT
    grep -q "$2" <<<"$3" || fail "$1: expected $2, got: $3"; echo "ok: $1 refused ($2)"; }
expect_refused "the robot reading the outbox table" "permission denied" "$(r -c "SELECT count(*) FROM skolval.outbox" 2>&1 || true)"
expect_refused "the robot queueing decisions" "permission denied\|may not call" "$(r -c "SELECT skolval.delivery_enqueue(1)" 2>&1 || true)"
expect_refused "the robot reading a child's case" "permission denied\|may not call" "$(r -c "SELECT count(*) FROM skolval.child_case(1)" 2>&1 || true)"

# Two robots claim the paper channel at the same time, in batches, until nothing is left: each
# session holds its claim open for a moment, so that the other runs into the locked rows.
claim_loop() {   # WORKER
    while :; do
        ids=$("${PSQL[@]}" -U skolval_test_robot -d $db -c "BEGIN" \
              -c "SELECT string_agg(outbox_id::text, ',') FROM skolval.outbox_claim('paper', 7, '$1')" \
              -c "SELECT pg_sleep(0.05)" -c "COMMIT" | sed -n 1p)
        [ -n "$ids" ] || break
        echo "$ids" | tr ',' '\n' >> "$out/$1.claimed"
    done
}
: > "$out/robot-a.claimed"; : > "$out/robot-b.claimed"
claim_loop robot-a & pa=$!
claim_loop robot-b & pb=$!
wait $pa; wait $pb
na=$(wc -l < "$out/robot-a.claimed"); nb=$(wc -l < "$out/robot-b.claimed")
paper=$(q -c "SELECT count(*) FROM skolval.outbox WHERE channel = 'paper'")
assert_eq "the two robots claimed every paper row between them" "$paper" "$((na + nb))"
assert_eq "no row claimed by both robots" 0 "$(sort "$out/robot-a.claimed" "$out/robot-b.claimed" | uniq -d | wc -l)"
[ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || echo "note: one robot got every batch this time ($na / $nb)"
assert_eq "the database agrees: rows per worker" "$na|$nb" \
    "$(q -c "SELECT count(*) FILTER (WHERE claimed_by = 'robot-a') || '|' || count(*) FILTER (WHERE claimed_by = 'robot-b') FROM skolval.outbox WHERE channel = 'paper'")"

# Nothing is sent twice: robot-b cannot report robot-a's rows, nor can a row be reported twice.
one_a=$(head -1 "$out/robot-a.claimed")
expect_refused "robot-b reporting robot-a's row" "is not claimed by" "$(r -c "SELECT skolval.outbox_mark_sent(ARRAY[$one_a]::bigint[], 'robot-b')" 2>&1 || true)"
r -c "SELECT skolval.outbox_mark_sent(ARRAY[$(paste -sd, "$out/robot-a.claimed")]::bigint[], 'robot-a')" >/dev/null
r -c "SELECT skolval.outbox_mark_sent(ARRAY[$(paste -sd, "$out/robot-b.claimed")]::bigint[], 'robot-b')" >/dev/null
expect_refused "reporting a sent row again" "is not claimed by" "$(r -c "SELECT skolval.outbox_mark_sent(ARRAY[$one_a]::bigint[], 'robot-a')" 2>&1 || true)"
r -c "SELECT count(*) FROM skolval.outbox_control_notice(ARRAY[$(cat "$out/robot-a.claimed" "$out/robot-b.claimed" | paste -sd,)]::bigint[])" >/dev/null

# The print file of a batch: every paper letter of it, one letter after the other.
batch=$(q -c "SELECT batch_id FROM skolval.outbox WHERE channel = 'paper' GROUP BY batch_id ORDER BY count(*) DESC, batch_id LIMIT 1")
rows=$(q -c "SELECT count(*) FROM skolval.outbox WHERE batch_id = $batch")
r -c "SELECT encode(skolval.delivery_print_file($batch), 'hex')" | perl -ne 'chomp; print pack("H*", $_)' > "$out/print.pdf"
pdftotext "$out/print.pdf" "$out/print.txt"
assert_eq "the print file holds one letter per row of the batch" "$rows" "$(grep -c '^Beslut om plats i förskoleklass$' "$out/print.txt")"
assert_eq "each letter numbers its own pages" "$rows" "$(grep -c '^Sida 1 av ' "$out/print.txt")"

# The digital mailbox and the e-service through the robot script, as the robot login.
PGUSER=skolval_test_robot SKOLVAL_DB=$db bash "$(dirname "$0")/../../scripts/mail-robot.sh" -c digital_mailbox -n 25 -w robot-m -o "$out/mb" >/dev/null
PGUSER=skolval_test_robot SKOLVAL_DB=$db bash "$(dirname "$0")/../../scripts/mail-robot.sh" -c e_service -n 100 -w robot-e -o "$out/es" >/dev/null
assert_eq "every row sent" 0 "$(q -c "SELECT count(*) FROM skolval.outbox WHERE status <> 'sent'")"
assert_eq "one PDF per digital mailbox row" "$(q -c "SELECT count(*) FROM skolval.outbox WHERE channel = 'digital_mailbox'")" "$(ls "$out/mb" | wc -l)"
assert_eq "one JSON per e-service row" "$(q -c "SELECT count(*) FROM skolval.outbox WHERE channel = 'e_service'")" "$(ls "$out/es" | wc -l)"

# Receipts: digital mailbox rows delivered now, half of the e-service rows read now.
q -c "SELECT count(*) FROM (SELECT skolval.outbox_mark_delivered(outbox_id, now()) FROM skolval.outbox WHERE channel = 'digital_mailbox') x" \
  -c "SELECT count(*) FROM (SELECT skolval.outbox_mark_delivered(outbox_id, NULL, now()) FROM skolval.outbox WHERE channel = 'e_service' AND outbox_id % 2 = 0) x" >/dev/null

# The appeal deadlines against an oracle written here: förenklad delgivning = sent + 14 days,
# mailbox and e-service = that day; deadline = +21 days, then past Saturdays, Sundays, public
# holidays, midsommarafton, julafton and nyårsafton (Easter dates from a table, not computed).
q -F ' ' -c "SELECT o.outbox_id, o.channel, o.sent_at::date, coalesce(least(o.delivered_at, o.read_at)::date::text, '-'),
                    coalesce(o.delivered_on::text, '-'), coalesce(o.appeal_deadline::text, '-')
               FROM skolval.outbox o ORDER BY o.outbox_id" > "$out/deadlines.txt"
python3 - "$out/deadlines.txt" <<'PY'
import sys, datetime as dt
easter = {2025: (4, 20), 2026: (4, 5), 2027: (3, 28), 2028: (4, 16), 2029: (4, 1), 2030: (4, 21), 2031: (4, 13), 2032: (3, 28)}
def free(d):
    e = dt.date(d.year, *easter[d.year]); md = (d.month, d.day)
    if d.weekday() >= 5: return True
    if md in [(1, 1), (1, 6), (5, 1), (6, 6), (12, 24), (12, 25), (12, 26), (12, 31)]: return True
    if d in [e - dt.timedelta(2), e + dt.timedelta(1), e + dt.timedelta(39)]: return True
    if d.weekday() == 4 and (6, 19) <= md <= (6, 25): return True   # midsommarafton
    return False
bad = 0; n = 0
for line in open(sys.argv[1]):
    oid, ch, sent, rec, don, dl = line.split()
    sent = dt.date.fromisoformat(sent)
    if ch == 'paper': want = sent + dt.timedelta(14)
    elif rec != '-': want = dt.date.fromisoformat(rec)
    else: want = None
    wd = None
    if want:
        wd = want + dt.timedelta(21)
        while free(wd): wd += dt.timedelta(1)
    got = (None if don == '-' else dt.date.fromisoformat(don), None if dl == '-' else dt.date.fromisoformat(dl))
    n += 1
    if got != (want, wd):
        bad += 1
        if bad < 5: print("mismatch", oid, ch, sent, rec, got, (want, wd))
print(f"{n} rows, {bad} mismatches")
sys.exit(1 if bad else 0)
PY
echo "ok: delivery days and appeal deadlines of every row agree with the oracle"
# Per recipient the earliest delivery counts.
assert_eq "decision_delivery: per recipient the earliest delivery and its deadline" 0 \
    "$(q -c "SELECT count(*) FROM skolval.decision d CROSS JOIN LATERAL skolval.decision_delivery(d.child_id, d.run_id) x
              WHERE x.delivered_on IS DISTINCT FROM (SELECT min(o.delivered_on) FROM skolval.outbox o WHERE o.child_id = d.child_id AND o.guardian_id = x.guardian_id)
                 OR x.appeal_deadline IS DISTINCT FROM skolval.appeal_deadline(x.delivered_on)")"

# A protected child: the letter names the child, shows Skatteverket's forwarding and no address.
# (the cohort has one at least: the set-up made one when the seed gave none)
prot=$(q -c "SELECT o.outbox_id FROM skolval.outbox o JOIN skolval.child c USING (child_id) WHERE c.protected_identity
              ORDER BY o.channel = 'paper' DESC, o.outbox_id LIMIT 1")
[ -n "$prot" ] || fail "seed $seed: no letter about a protected child"
q -c "SELECT encode(skolval.delivery_letter($prot), 'hex')" | perl -ne 'chomp; print pack("H*", $_)' > "$out/prot.pdf"
pdftotext "$out/prot.pdf" "$out/prot.txt"
read -r cname cpn <<<"$(q -F ' ' -c "SELECT c.given_name || '_' || c.family_name, skolval.personal_number_display(c.personal_number)
                                      FROM skolval.outbox o JOIN skolval.child c USING (child_id) WHERE o.outbox_id = $prot")"
grep -q "${cname/_/ }, $cpn" "$out/prot.txt" || fail "the protected child's letter does not name the child"
grep -q "Skatteverket" "$out/prot.txt" || fail "the protected child's letter is not addressed to Skatteverket"
addr=$(q -c "SELECT r.address FROM skolval.outbox o JOIN skolval.residence r USING (child_id) WHERE o.outbox_id = $prot AND r.valid_to IS NULL")
pc=$(q -c "SELECT r.postal_code FROM skolval.outbox o JOIN skolval.residence r USING (child_id) WHERE o.outbox_id = $prot AND r.valid_to IS NULL")
[ -n "$addr" ] && grep -qF "$addr" "$out/prot.txt" && fail "the protected child's letter shows the registered address"
[ -n "$pc" ] && grep -qF "$pc" "$out/prot.txt" && fail "the protected child's letter shows the postal code"
grep -v 'Box 100, 999 99 Exempelstad' "$out/prot.txt" | grep -qE '[0-9]{3} [0-9]{2} [A-ZÅÄÖ]' && fail "the protected child's letter shows a postal address line"
echo "ok: the protected child's letter names the child, goes to Skatteverket's forwarding and shows no address"
assert_eq "BI still neither names nor places protected children" 0 \
    "$(q -c "SELECT count(*) FROM skolval.bi_placement WHERE protected_identity AND (district_code IS NOT NULL OR walking_m IS NOT NULL)")"
assert_eq "the kind of protection is recorded for every protected child of the extract" 0 \
    "$(q -c "SELECT count(*) FROM skolval.child c JOIN skolval.custody k USING (child_id) WHERE c.protected_identity
              AND NOT EXISTS (SELECT 1 FROM skolval.child_protection p WHERE p.child_id = c.child_id)")"

# The case officer's view runs for an officer, through the index on the audit log.
q -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS skolval_test_officer" -c "CREATE ROLE skolval_test_officer LOGIN IN ROLE skolval_officer" >/dev/null
cid=$(q -c "SELECT child_id FROM skolval.outbox ORDER BY 1 LIMIT 1")
sections=$("${PSQL[@]}" -U skolval_test_officer -d $db -c "SELECT string_agg(DISTINCT section, ',' ORDER BY section) FROM skolval.child_case($cid)")
psql -X -q -d postgres -c "DROP ROLE IF EXISTS skolval_test_officer" >/dev/null
for sec in child guardian decision letter delivery audit; do
    grep -q "\b$sec\b" <<<"$sections" || fail "the officer's case view of child $cid has no section $sec: $sections"
done
wished=$(q -c "SELECT count(*) > 0 FROM skolval.wish WHERE child_id = $cid")
[ "$wished" = f ] || grep -q '\bwish\b' <<<"$sections" || fail "the case view misses the child's wishes: $sections"
echo "ok: an officer sees child $cid's whole case ($sections)"
plan=$(q -c "EXPLAIN SELECT * FROM skolval.audit_log a WHERE coalesce(a.new_row ->> 'child_id', a.old_row ->> 'child_id') = '$cid'")
grep -q "audit_log_child_idx" <<<"$plan" || fail "the case view's audit query does not use the index: $plan"
echo "ok: the child's audit entries are read through audit_log_child_idx"

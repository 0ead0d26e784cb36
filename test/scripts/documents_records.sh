#!/usr/bin/env bash
# Decided documents are records (issue 11, item 8): every document of a published placement
# run (each letter, the map, the map with a child's route) and of a locked payment run (each
# statement, the payment file) is made, the register is changed under it — units renamed,
# moved and given a new organizer, a child renamed, a residence changed and another deleted,
# a child deleted (where the register allows it), the municipality, board and contact line
# renamed, the categories reordered — and every document is made again: the same text
# (pdftotext, the cells of the XLSX, the SVG byte for byte). A draft run made after the
# changes shows them (so the changes were real), and the records cannot be changed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd pdftotext
require_cmd python3
db=skolval_test_documents_records
scratch_db "$db"
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
q() { "${PSQL[@]}" -d "$db" "$@"; }
fetch() { q -c "SET client_min_messages = warning" -c "SELECT translate(encode(($1), 'base64'), E'\n', '')" | base64 -d > "$2"; }

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 120, seed => 11, network_edges => 900)" \
  -c "SELECT skolval.set_four_eyes(false, 'one login plays every part in this test (test/scripts/documents_records.sh); four_eyes.sh tests two people')" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" \
  -c "SELECT skolval.configure_documents(board_address => 'Box 1, 999 99 Exempelstad', contact => 'Kontaktcenter, 0999-1 23 45')" >/dev/null
# one child with protected identity, as always
q -c "UPDATE skolval.child SET protected_identity = true WHERE child_id = (SELECT min(child_id) FROM skolval.wish WHERE rank = 2)"
run=$(q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1)")
q -c "SET client_min_messages = warning" -c "SELECT skolval.override_blocking_issues($run, 'test: the example''s unconfirmed sibling claims are known')" -c "SELECT run_id FROM skolval.publish($run)" >/dev/null
assert_eq "publish recorded the run: a record, every placed child, every unit" \
    "1 $(q -c "SELECT count(*) FROM skolval.placement WHERE run_id = $run") $(q -c "SELECT count(*) FROM skolval.placement_unit WHERE run_id = $run")" \
    "$(q -F ' ' -c "SELECT (SELECT count(*) FROM skolval.document_record WHERE kind = 'placement' AND run_id = $run),
                          (SELECT count(*) FROM skolval.document_record_child WHERE kind = 'placement' AND run_id = $run),
                          (SELECT count(*) FROM skolval.document_record_unit WHERE kind = 'placement' AND run_id = $run)")"
# a what-if run of the same round, a draft: its map follows the register
whatif=$(q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1, what_if => true)")
route_child=$(q -c "SELECT min(r.child_id) FROM skolval.document_record_child r WHERE r.kind = 'placement' AND r.run_id = $run AND r.route IS NOT NULL")
[ -n "$route_child" ] || fail "no route was recorded"

q -c "SET client_min_messages = warning" -c "SELECT count(*) FROM skolval.demo_payments()" \
  -c "SELECT skolval.create_payment_run('2026-03-01')" -c "SELECT skolval.approve_payment_run(1)" \
  -c "SELECT skolval.lock_payment_run(1)" >/dev/null
assert_eq "approval recorded the payment run's children" \
    "$(q -c "SELECT count(DISTINCT child_id) FROM skolval.payment_row WHERE run_id = 1")" \
    "$(q -c "SELECT count(*) FROM skolval.document_record_child WHERE kind = 'payment' AND run_id = 1")"

# Every document of both runs, as text.
xlsx_text() {
    python3 - "$1" <<'PY'
import re, sys, zipfile, xml.etree.ElementTree as ET
ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
z = zipfile.ZipFile(sys.argv[1])
strings = [''.join(t.text or '' for t in si.iter('{%s}t' % ns['m']))
           for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall('m:si', ns)]
for i in (1, 2, 3):
    for row in ET.fromstring(z.read('xl/worksheets/sheet%d.xml' % i)).iter('{%s}row' % ns['m']):
        cells = []
        for c in row.findall('m:c', ns):
            v = c.find('m:v', ns)
            cells.append('' if v is None else strings[int(v.text)] if c.get('t') == 's' else v.text)
        print(i, '|'.join(cells))
PY
}
documents() {
    local out=$1 c u
    mkdir -p "$out"
    # every letter in one query: child_id|base64 per line
    q -c "SET client_min_messages = warning" \
      -c "SELECT l.child_id || '|' || translate(encode(l.pdf, 'base64'), E'\n', '') FROM skolval.decision_letters($run) l" |
        python3 -c '
import base64, sys
for line in sys.stdin:
    c, b = line.rstrip("\n").split("|")
    open(sys.argv[1] + "/letter-" + c + ".pdf", "wb").write(base64.b64decode(b))' "$out"
    for f in "$out"/letter-*.pdf; do
        pdftotext -layout -enc UTF-8 "$f" "${f%.pdf}.txt"
        rm "$f"
    done
    q -c "SELECT skolval.placement_map_svg($run)" > "$out/map.svg"
    q -c "SELECT skolval.placement_map_svg($run, $route_child)" > "$out/map-route.svg"
    for u in $(q -c "SELECT DISTINCT unit_id FROM skolval.payment_row WHERE run_id = 1 ORDER BY 1"); do
        fetch "skolval.payment_statement(1, $u)" "$out/statement-$u.pdf"
        pdftotext -layout -enc UTF-8 "$out/statement-$u.pdf" "$out/statement-$u.txt"
        rm "$out/statement-$u.pdf"
    done
    q -c "SELECT unit_code || ' ' || filename FROM skolval.payment_statements(1) ORDER BY 1" > "$out/statement-files.txt"
    fetch "skolval.payment_xlsx(1)" "$out/payments.xlsx"
    xlsx_text "$out/payments.xlsx" > "$out/payments.txt"
    rm "$out/payments.xlsx"
}
documents "$work/before"
n_docs=$(ls "$work/before" | wc -l)

# The register changes under the decided runs.
letter_child=$(q -c "SELECT min(p.child_id) FROM skolval.placement p JOIN skolval.child c USING (child_id)
  WHERE p.run_id = $run AND NOT c.protected_identity AND p.child_id <> $route_child")
paid_child=$(q -c "SELECT min(pr.child_id) FROM skolval.payment_row pr JOIN skolval.child c USING (child_id) WHERE pr.run_id = 1 AND NOT c.protected_identity")
gone_child=$(q -c "SELECT max(pr.child_id) FROM skolval.payment_row pr JOIN skolval.child c USING (child_id) WHERE pr.run_id = 1 AND NOT c.protected_identity")
gone_placed=$(q -c "SELECT max(p.child_id) FROM skolval.placement p JOIN skolval.child c USING (child_id)
  WHERE p.run_id = $run AND NOT c.protected_identity AND p.child_id NOT IN ($letter_child, $route_child)")
q <<SQL >/dev/null
SET client_min_messages = warning;
UPDATE skolval.unit SET name = name || ' (nytt namn)', address = 'Nygatan 1', organizer_name = 'Ny huvudman AB',
                        location = ST_Translate(location, 40, -30);
UPDATE skolval.child SET given_name = 'Nytt', family_name = 'Namn' WHERE child_id IN ($letter_child, $paid_child, $route_child);
-- the letter child moves; the route child's home is corrected; another child's residence is deleted
UPDATE skolval.residence r SET address = 'Flyttvägen 9', postal_code = '111 11', postal_town = 'Nystad'
  FROM skolval.round_home h WHERE h.residence_id = r.residence_id AND h.round_id = 1 AND h.child_id = $letter_child;
UPDATE skolval.residence r SET home = ST_Translate(r.home, 25, 25)
  FROM skolval.round_home h WHERE h.residence_id = r.residence_id AND h.round_id = 1 AND h.child_id = $route_child;
DELETE FROM skolval.residence r USING skolval.round_home h
 WHERE h.residence_id = r.residence_id AND h.round_id = 1
   AND h.child_id = (SELECT min(p.child_id) FROM skolval.placement p WHERE p.run_id = $run AND p.child_id > $letter_child AND p.child_id <> $route_child);
UPDATE skolval.payment_category SET sort_order = 1000 - sort_order;
SELECT skolval.configure(municipality_name => 'Nya kommunen');
SELECT skolval.configure_documents(board_name => 'Nya nämnden', board_address => 'Box 2, 111 11 Nystad', contact => 'Ny kontakt');
SQL
for c in "$gone_child" "$gone_placed"; do
    if err=$(q -c "DELETE FROM skolval.child WHERE child_id = $c" 2>&1); then
        echo "ok: child $c deleted from the register"
    else
        echo "ok: the register refuses to delete child $c: $(head -1 <<<"$err")"
    fi
done

documents "$work/after"
assert_eq "documents made before and after" "$n_docs" "$(ls "$work/after" | wc -l)"
differ=$(diff -rq "$work/before" "$work/after" || true)
[ -z "$differ" ] || { diff -r "$work/before" "$work/after" | head -20; fail "documents of decided runs changed with the register: $differ"; }
echo "ok: all $n_docs documents of the published placement run and the locked payment run are the same after the register changed"
grep -q "Nytt Namn\|Nya kommunen\|nytt namn\|Flyttvägen\|Ny huvudman" "$work/after"/* && fail "a decided document shows the changed register"
echo "ok: no decided document shows the new names, address or organizer"

# The changes were real: documents of runs decided after them show them.
q -c "SET client_min_messages = warning" -c "SELECT skolval.create_payment_run('2026-04-01')" >/dev/null
u=$(q -c "SELECT min(unit_id) FROM skolval.payment_row WHERE run_id = 2")
fetch "skolval.payment_statement(2, $u)" "$work/draft.pdf"
t=$(pdftotext -layout -enc UTF-8 "$work/draft.pdf" - | tr -s ' \n' '  ')
grep -q "Nya kommunen" <<<"$t" && grep -q "(nytt namn)" <<<"$t" || fail "the draft statement does not show the changed register: $t"
echo "ok: a draft statement made now shows the new municipality and unit names"
q -c "SELECT skolval.placement_map_svg($whatif)" | grep -q "(nytt namn)" || fail "a what-if run's map does not show the new unit names"
echo "ok: a what-if run's map made now shows the new unit names"

# The records cannot be changed: not by an administrator, not by the owner.
err=$(q -c "SET ROLE skolval_admin" -c "UPDATE skolval.document_record_child SET given_name = 'X' WHERE run_id = $run" 2>&1 || true)
grep -q "permission denied" <<<"$err" || fail "skolval_admin could update a record: $err"
echo "ok: skolval_admin may not change a record"
for stmt in "UPDATE skolval.document_record_unit SET name = 'X'" "DELETE FROM skolval.document_record_child" \
            "UPDATE skolval.document_record SET board_name = 'X'"; do
    err=$(q -c "SET session_replication_role = replica" -c "$stmt" 2>&1 || true)
    grep -q "are a record" <<<"$err" || fail "the owner could run '$stmt' (in replica mode): $err"
done
echo "ok: not even the owner in replica mode changes or deletes a record"
err=$(q -c "SET ROLE skolval_admin" -c "SELECT skolval._record_documents('payment', 2)" 2>&1 || true)
grep -q "is not published, approved or locked\|permission denied" <<<"$err" || fail "a draft payment run could be recorded: $err"
echo "ok: a draft run cannot be recorded"

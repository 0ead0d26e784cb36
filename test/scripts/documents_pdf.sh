#!/usr/bin/env bash
# Documents as people read them, on the example municipality: the text pdftotext extracts from a
# decision letter and a payment statement (unit, categories with å/ä/ö, totals equal to SUMs in
# SQL, no name of a child with protected identity), the cells of the XLSX payment file against
# the run, the SVG map parsed as XML with one symbol per unit, and scripts/write-documents.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd pdftotext
require_cmd python3
python3 -c 'import zipfile, xml.etree.ElementTree' 2>/dev/null || skip "python3 lacks zipfile or xml.etree"
db=skolval_test_documents
scratch_db "$db"
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
q() { "${PSQL[@]}" -d "$db" "$@"; }
# bytea -> file
fetch() { q -c "SELECT translate(encode(($1), 'base64'), E'\n', '')" | base64 -d > "$2"; }
# The text of a PDF on one line, in layout order (a table row stays a line): no-break spaces as
# spaces, runs of white space as one space.
pdf_text() { pdftotext -layout -enc UTF-8 "$1" - 2>/dev/null | sed 's/\xc2\xa0/ /g' | tr -s ' \n\t' '   '; }
has() { grep -qF -- "$2" <<<"$1" || fail "$3: '$2' not found"; echo "ok: $3"; }
has_not() { ! grep -qiF -- "$2" <<<"$1" || fail "$3: '$2' found"; echo "ok: $3"; }
has_not_word() { ! grep -qiwF -- "$2" <<<"$1" || fail "$3: '$2' found"; echo "ok: $3"; }

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 200, seed => 3, network_edges => 1500)" \
  -c "SELECT skolval.set_four_eyes(false, 'documents_pdf: one login runs every step; four eyes has its own test')" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" >/dev/null
q -c "SELECT skolval.configure_documents(board_address => 'Box 100, 999 99 Exempelstad', contact => 'Kontaktcenter, 0999-12 34 56')" >/dev/null

# ---------------------------------------------------------------------------------------
# Decision letters
# ---------------------------------------------------------------------------------------
# A child with wishes is given protected identity before the run; every detail kept for the check.
pc=$(q -c "SELECT min(child_id) FROM skolval.wish WHERE round_id = 1 AND rank = 2")
q -c "UPDATE skolval.child SET protected_identity = true WHERE child_id = $pc"
IFS='|' read -r pc_given pc_family pc_pn pc_address <<<"$(q -c "SELECT c.given_name, c.family_name, c.personal_number, r.address
   FROM skolval.child c JOIN skolval.round_home h ON h.child_id = c.child_id AND h.round_id = 1
   JOIN skolval.residence r ON r.residence_id = h.residence_id WHERE c.child_id = $pc")"
q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1)" -c "SELECT skolval.override_blocking_issues(1, 'test: the example''s unconfirmed sibling claims are known')" -c "SELECT run_id FROM skolval.publish(1)" >/dev/null

# A child whose first wish was turned away: the letter says how to appeal to the board.
IFS='|' read -r c c_name c_pn c_unit <<<"$(q -c "SELECT d.child_id, d.given_name || ' ' || d.family_name,
       skolval.personal_number_display(d.personal_number), d.unit_name
  FROM skolval.placement_decision d WHERE d.run_id = 1 AND NOT d.protected_identity AND (d.kind = 'administrative' OR d.wish_rank > 1)
   AND EXISTS (SELECT 1 FROM skolval.placement_wish w JOIN skolval.unit u ON u.unit_id = w.unit_id
                WHERE w.run_id = 1 AND w.child_id = d.child_id AND w.outcome = 'rejected' AND NOT w.implicit
                  AND w.rank = 1 AND u.organizer::text = 'municipal')
 ORDER BY d.child_id LIMIT 1")"
[ -n "$c" ] || fail "no child whose first wish, at a municipal unit, was turned away"
fetch "skolval.decision_letter(1, $c)" "$work/letter.pdf"
t=$(pdf_text "$work/letter.pdf")
has "$t" "Exempelkommun" "letter: the municipality"
has "$t" "Beslut om plats i förskoleklass" "letter: the title with å/ö"
has "$t" "$c_unit" "letter: the unit placed at ($c_unit)"
has "$t" "$c_name" "letter: the child's name"
has "$t" "$c_pn" "letter: the personal identity number"
has "$t" "Motivering" "letter: the motivation"
has "$t" "Önskemål 1," "letter: the wish turned away, explained"
has "$t" "inom tre veckor från den dag ni fick del av beslutet" "letter: appeal within three weeks"
has "$t" "Skicka överklagandet till Barn- och skolnämnden, Exempelkommun" "letter: the appeal goes to the board"

IFS='|' read -r pc_unit <<<"$(q -c "SELECT unit_name FROM skolval.placement_decision WHERE run_id = 1 AND child_id = $pc")"
fetch "skolval.decision_letter(1, $pc)" "$work/protected.pdf"
t=$(pdf_text "$work/protected.pdf")
has "$t" "$pc_unit" "protected child's letter: the unit placed at"
has "$t" "Barn-id $pc" "protected child's letter: the child id only"
has "$t" "Skatteverket" "protected child's letter: sent through Skatteverket"
has_not "$t" "$pc_given $pc_family" "protected child's letter: no name"
has_not_word "$t" "$pc_family" "protected child's letter: no family name"
has_not "$t" "$pc_pn" "protected child's letter: no personal number"
has_not "$t" "${pc_pn:0:8}-${pc_pn:8:4}" "protected child's letter: no personal number (with hyphen)"
has_not "$t" "$pc_address" "protected child's letter: no address"

# ---------------------------------------------------------------------------------------
# The map
# ---------------------------------------------------------------------------------------
q -c "SELECT skolval.placement_map_svg(1, $c)" > "$work/map.svg"
read -r units shown hidden <<<"$(q -F ' ' -c "SELECT (SELECT count(*) FROM skolval.placement_unit WHERE run_id = 1),
       count(*) FILTER (WHERE NOT c.protected_identity AND r.home IS NOT NULL), count(*) FILTER (WHERE c.protected_identity)
  FROM skolval.placement p JOIN skolval.child c USING (child_id)
  JOIN skolval.round_home h ON h.round_id = 1 AND h.child_id = p.child_id
  LEFT JOIN skolval.residence r ON r.residence_id = h.residence_id WHERE p.run_id = 1")"
assert_eq "map: unit symbols, home points, hidden homes, routes" "$units $shown $hidden 1" "$(python3 - "$work/map.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {'s': 'http://www.w3.org/2000/svg'}
root = ET.parse(sys.argv[1]).getroot()
units = root.findall('.//s:circle[@class="unit"]', ns)
ids = {u.get('id') for u in units}
assert len(ids) == len(units), 'unit ids are not unique'
homes = root.findall('.//s:circle[@class="home"]', ns)
legend = root.find('.//s:text[@class="legend-homes"]', ns)
routes = root.findall('.//s:path[@class="route"]', ns)
print(len(units), len(homes), legend.get('data-homes-hidden'), len(routes))
PY
)"
[ "$hidden" -ge 1 ] || fail "the run has no child with protected identity to hide"

# ---------------------------------------------------------------------------------------
# Payments: March locked, then a child leaves before the March count date (reclaimed in April)
# ---------------------------------------------------------------------------------------
q -c "SELECT count(*) FROM skolval.demo_payments()" >/dev/null
unit=$(q -c "SELECT e.unit_id FROM skolval.enrollment e JOIN skolval.unit u USING (unit_id)
  WHERE u.organizer = 'independent' AND e.valid_from <= '2026-03-16' AND (e.valid_to IS NULL OR e.valid_to >= '2026-04-15')
  GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
# A grundskola pupil of that unit gets protected identity.
pp=$(q -c "SELECT min(e.child_id) FROM skolval.enrollment e WHERE e.unit_id = $unit AND e.school_form = 'grundskola'
  AND e.grade BETWEEN 1 AND 9 AND e.valid_from <= '2026-03-16' AND (e.valid_to IS NULL OR e.valid_to >= '2026-04-15')
  AND NOT EXISTS (SELECT 1 FROM skolval.enrollment x WHERE x.child_id = e.child_id AND x.enrollment_id <> e.enrollment_id AND x.school_form = 'grundskola')")
q -c "UPDATE skolval.child SET protected_identity = true WHERE child_id = $pp"
IFS='|' read -r pp_given pp_family pp_birth <<<"$(q -c "SELECT given_name, family_name, birth_date FROM skolval.child WHERE child_id = $pp")"
q -c "SET client_min_messages = warning" -c "SELECT skolval.create_payment_run('2026-03-01')" \
  -c "SELECT skolval.approve_payment_run(1)" -c "SELECT skolval.lock_payment_run(1)" >/dev/null
leaver=$(q -c "SELECT min(e.enrollment_id) FROM skolval.enrollment e JOIN skolval.child c USING (child_id)
  WHERE e.unit_id = $unit AND e.school_form = 'grundskola' AND NOT c.protected_identity
    AND e.valid_from <= '2026-03-01' AND (e.valid_to IS NULL OR e.valid_to >= '2026-04-15')")
[ -n "$leaver" ] || fail "no pupil at unit $unit to leave in March"
q -c "UPDATE skolval.enrollment SET valid_to = '2026-03-10' WHERE enrollment_id = $leaver"
q -c "SET client_min_messages = warning" -c "SELECT skolval.create_payment_run('2026-04-01')" >/dev/null
IFS='|' read -r run_rows run_amount <<<"$(q -c "SELECT rows, amount FROM skolval.payment_run WHERE run_id = 2")"
IFS='|' read -r unit_name to_pay month_amount corrections <<<"$(q -c "SELECT u.name,
       skolval.amount_sv(sum(pr.amount) FILTER (WHERE NOT pr.held)),
       skolval.amount_sv(sum(pr.amount) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NULL)),
       skolval.amount_sv(sum(pr.amount) FILTER (WHERE NOT pr.held AND pr.corrects_month IS NOT NULL))
  FROM skolval.payment_row pr JOIN skolval.unit u USING (unit_id) WHERE pr.run_id = 2 AND pr.unit_id = $unit GROUP BY u.name")"
[ "$corrections" != "0,00" ] || fail "no corrections for March in the April run"

fetch "skolval.payment_statement(2, $unit)" "$work/statement.pdf"
t=$(pdf_text "$work/statement.pdf")
has "$t" "BIDRAGSSPECIFIKATION" "statement: the kind of document"
has "$t" "Bidrag till $unit_name, april 2026" "statement: the unit and the month"
has "$t" "utkast" "statement: the run's status"
has "$t" "Att betala $to_pay kr" "statement: the amount to pay equals the SUM in SQL ($to_pay)"
has "$t" "Summa april 2026" "statement: the month's total row"
has "$t" "$month_amount" "statement: the month's amount ($month_amount)"
has "$t" "Korrigeringar för tidigare månader" "statement: corrections on their own"
has "$t" "Summa korrigeringar $corrections" "statement: the corrections' sum ($corrections)"
has "$t" "2026-03 " "statement: the month corrected"
while IFS='|' read -r category amount; do
    has "$t" "$category" "statement: category $category"
    has "$t" "$amount" "statement: amount of $category ($amount)"
done < <(q -c "SELECT category, skolval.amount_sv(amount) FROM skolval.payment_statement_categories(2, $unit)")
[[ "$t" == *å* && "$t" == *ä* && "$t" == *ö* ]] || fail "statement: å, ä and ö do not all survive"
echo "ok: statement: å, ä and ö in the extracted text"
has "$t" "Barn med skyddad identitet" "statement: the protected child is counted"
has_not "$t" "$pp_given $pp_family" "statement: the protected child is not named"
has_not "$t" "$pp_family, $pp_given" "statement: the protected child is not named (family name first)"
has_not "$t" "$pp_birth" "statement: the protected child's birth date is not printed"

# ---------------------------------------------------------------------------------------
# The payment file
# ---------------------------------------------------------------------------------------
fetch "skolval.payment_xlsx(2)" "$work/payments.xlsx"
assert_eq "xlsx: rows, amount paid from 'Rader', 'Per enhet' and 'Per förvaltning' totals, protected name absent" \
    "$run_rows $run_amount $run_amount $run_amount no" \
    "$(python3 - "$work/payments.xlsx" "$pp_given" "$pp_family" <<'PY'
import re, sys, zipfile, xml.etree.ElementTree as ET
from decimal import Decimal
ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
z = zipfile.ZipFile(sys.argv[1])
strings = [''.join(t.text or '' for t in si.iter('{%s}t' % ns['m']))
           for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall('m:si', ns)]
book = ET.fromstring(z.read('xl/workbook.xml'))
names = [s.get('name') for s in book.find('m:sheets', ns)]
assert names == ['Rader', 'Per enhet', 'Per förvaltning'], names
assert b'<f>' not in b''.join(z.read('xl/worksheets/sheet%d.xml' % i) for i in (1, 2, 3)), 'a formula'
def sheet(i):
    rows = []
    for row in ET.fromstring(z.read('xl/worksheets/sheet%d.xml' % i)).iter('{%s}row' % ns['m']):
        cells = {}
        for c in row.findall('m:c', ns):
            col = re.match(r'[A-Z]+', c.get('r')).group(0)
            v = c.find('m:v', ns)
            if v is None:
                cells[col] = None
            elif c.get('t') == 's':
                cells[col] = strings[int(v.text)]
            else:
                cells[col] = Decimal(v.text)
        rows.append(cells)
    header = rows[0]
    return [{header[k]: r.get(k) for k in header} for r in rows[1:]]
rader, units, adms = sheet(1), sheet(2), sheet(3)
# numbers are numbers and dates are dates (serial numbers), not text
assert all(isinstance(r['Belopp'], Decimal) and isinstance(r['Månad'], Decimal) for r in rader)
paid = sum(r['Belopp'] for r in rader if r['Innehålls'] == 'nej')
unit_total = [r for r in units if r['Enhetskod'] == 'Summa'][0]['Att betala']
adm_total = [r for r in adms if r['Förvaltning'] == 'Summa'][0]['Belopp']
name_in = any(sys.argv[2] + ' ' in s or sys.argv[3] + ', ' + sys.argv[2] == s for s in strings)
assert 'skyddad identitet' in strings
print(len(rader), '%.2f' % paid, '%.2f' % unit_total, '%.2f' % adm_total, 'yes' if name_in else 'no')
PY
)"
assert_eq "no temporary files of the payment file left" 0 \
    "$(q -c "SELECT count(*) FROM pg_ls_dir('base/pgsql_tmp', true, false) f WHERE f LIKE 'pgsql_tmpskolval%'")"

# ---------------------------------------------------------------------------------------
# scripts/write-documents.sh
# ---------------------------------------------------------------------------------------
SKOLVAL_EXTERNAL=1 bash "$SKOLVAL_ROOT/scripts/write-documents.sh" -d "$db" -l 1 -c "$c" -m 1 -p 2 -u "$unit" "$work/out" > "$work/written"
assert_eq "write-documents.sh: files written" 4 "$(wc -l < "$work/written")"
while read -r f; do
    case $f in
        *.pdf) [ "$(head -c 5 "$f")" = "%PDF-" ] || fail "$f is not a PDF" ;;
        *.xlsx) [ "$(head -c 2 "$f")" = "PK" ] || fail "$f is not a zip file" ;;
        *.svg) python3 -c "import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])" "$f" || fail "$f is not XML" ;;
    esac
done < "$work/written"
echo "ok: write-documents.sh wrote $(tr '\n' ' ' < "$work/written" | sed "s|$work/out/||g")"

# ---------------------------------------------------------------------------------------
# PDFs as archived records: every kind passes qpdf --check, pdftotext extracts it without a
# word on stderr, and a character the font cannot show is printed as U+FFFD and reported
# ---------------------------------------------------------------------------------------
require_cmd qpdf
check_pdf() {
    local f=$1 label=$2 out err
    out=$(qpdf --check "$f" 2>&1) || fail "$label: qpdf --check failed: $out"
    grep -q 'No syntax or stream encoding errors found' <<<"$out" || fail "$label: qpdf --check: $out"
    err=$(pdftotext -enc UTF-8 "$f" /dev/null 2>&1 >/dev/null)
    [ -z "$err" ] || fail "$label: pdftotext wrote to stderr: $err"
    echo "ok: $label passes qpdf --check and extracts without warnings"
}
# An astral character (emoji) and a BMP character DejaVu Sans has no glyph for (CJK) in the
# name of a child on the draft statement of April: each printed as U+FFFD, the caller
# warned with the code points, nothing dropped.
e=$(q -c "SELECT min(pr.child_id) FROM skolval.payment_row pr JOIN skolval.child c USING (child_id)
  WHERE pr.run_id = 2 AND pr.unit_id = $unit AND NOT c.protected_identity AND NOT pr.held AND pr.corrects_month IS NULL")
e_family=$(q -c "SELECT family_name FROM skolval.child WHERE child_id = $e")
q -c "UPDATE skolval.child SET given_name = 'Ella' || U&'\+01F600' || 'Li' || U&'\6F22' WHERE child_id = $e"
q -c "SELECT translate(encode(skolval.payment_statement(2, $unit), 'base64'), E'\n', '')" 2>"$work/warn" | base64 -d > "$work/emoji.pdf"
grep -q 'WARNING:  2 characters in the payment statement cannot be shown by the font and are printed as U+FFFD' "$work/warn" \
    || fail "emoji statement: no WARNING about the 2 replaced characters: $(cat "$work/warn")"
grep -q 'DETAIL:  Code points: U+1F600, U+6F22.' "$work/warn" || fail "emoji statement: the WARNING does not name the code points: $(cat "$work/warn")"
echo "ok: emoji statement: a WARNING names U+1F600 and U+6F22"
check_pdf "$work/emoji.pdf" "emoji statement"
t=$(pdf_text "$work/emoji.pdf")
has "$t" "$e_family, Ella"$'\xef\xbf\xbd'"Li"$'\xef\xbf\xbd' "emoji statement: each character the font cannot show is printed as U+FFFD"
has "$t" "Bidrag till $unit_name, april 2026" "emoji statement: the rest extracts unchanged"

q -c "SELECT skolval.approve_payment_run(2)" >/dev/null
fetch "skolval.payment_statement(2, $unit)" "$work/statement-approved.pdf"
fetch "skolval.payment_statement(1, $unit)" "$work/statement-locked.pdf"
# A letter with a real bold font: a second embedded font, with its own ToUnicode CMap.
q -c "SELECT skolval.configure_documents(bold_font_path => '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf')" >/dev/null
fetch "skolval.decision_letter(1, $c)" "$work/letter-bold.pdf"
[ "$(pdffonts "$work/letter-bold.pdf" | grep -c 'CID TrueType')" = 2 ] || fail "letter-bold.pdf does not embed two fonts"
for f in letter letter-bold protected statement statement-approved statement-locked; do
    check_pdf "$work/$f.pdf" "$f.pdf"
done


#!/usr/bin/env bash
# The IKE invoice basis (issue 14 item 10) as the home municipality and the finance office read
# it, on the example municipality with 600 children: for every home municipality the PDF's
# total, child count and personal numbers equal skolval.ike_basis() recomputed in SQL; a child
# made protected is invoiced but never named and its personal number appears nowhere; a child
# without a price is listed as not invoiced, with the reason; the XLSX's "Summa" equals the sum
# of ike_basis() and the same month gives the same bytes; bad arguments are refused.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd pdftotext
require_cmd python3
db=skolval_test_ike_documents
scratch_db "$db"
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
q() { "${PSQL[@]}" -d "$db" "$@"; }
fetch() { q -c "SELECT translate(encode(($1), 'base64'), E'\n', '')" | base64 -d > "$2"; }
pdf_text() { pdftotext -layout -enc UTF-8 "$1" - 2>/dev/null | sed 's/\xc2\xa0/ /g' | tr -s ' \n\t' '   '; }
has() { grep -qF -- "$2" <<<"$1" || fail "$3: '$2' not found"; }
has_not() { ! grep -qiF -- "$2" <<<"$1" || fail "$3: '$2' found"; }

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 600, seed => 2, network_edges => 1500)" \
  -c "SELECT count(*) FROM skolval.demo_payments(1)" >/dev/null
month=2026-09-01
n_basis=$(q -c "SELECT count(*) FROM skolval.ike_basis('$month')")
[ "$n_basis" -ge 3 ] || fail "the example has only $n_basis IKE children in $month"
# One child made protected, one category without any price (its children are not invoiced).
IFS='|' read -r pc pc_pn pc_given pc_family pc_home <<<"$(q -c "SELECT b.child_id, c.personal_number, c.given_name, c.family_name, b.home_municipality
   FROM skolval.ike_basis('$month') b JOIN skolval.child c USING (child_id) ORDER BY b.child_id LIMIT 1")"
q -c "UPDATE skolval.child SET protected_identity = true WHERE child_id = $pc" >/dev/null
IFS='|' read -r nc nc_home nc_cat <<<"$(q -c "SELECT b.child_id, b.home_municipality, b.category_code FROM skolval.ike_basis('$month') b
   WHERE b.child_id <> $pc ORDER BY b.child_id DESC LIMIT 1")"
q -c "DELETE FROM skolval.ike_price WHERE category_code = '$nc_cat'" >/dev/null
assert_eq "child $nc (home municipality $nc_home, category $nc_cat) has no price now" \
    "no IKE price" "$(q -c "SELECT substr(problem, 1, 12) FROM skolval.ike_basis('$month') WHERE child_id = $nc AND category_code = '$nc_cat'")"

checked=0
for home in $(q -c "SELECT DISTINCT home_municipality FROM skolval.ike_basis('$month') ORDER BY 1"); do
    fetch "skolval.ike_invoice('$month', '$home')" "$work/ike-$home.pdf"
    t=$(pdf_text "$work/ike-$home.pdf")
    IFS='|' read -r n total problems <<<"$(q -c "SELECT count(DISTINCT child_id) FILTER (WHERE problem IS NULL),
           skolval.amount_sv(coalesce(sum(amount) FILTER (WHERE problem IS NULL), 0)), count(*) FILTER (WHERE problem IS NOT NULL)
      FROM skolval.ike_basis('$month') WHERE home_municipality = '$home'")"
    has "$t" "Interkommunal ersättning från kommun $home, september 2026" "$home: the title"
    has "$t" "Att fakturera $total kr" "$home: the total ($total kr)"
    has "$t" "Barn $n " "$home: the number of children ($n)"
    has "$t" "Summa $n $total" "$home: the category table's total"
    # every unprotected child invoiced is listed with its personal number
    while read -r pn; do
        has "$t" "$pn" "$home: child $pn listed"
    done < <(q -c "SELECT DISTINCT skolval.personal_number_display(c.personal_number) FROM skolval.ike_basis('$month') b
                    JOIN skolval.child c USING (child_id) WHERE b.home_municipality = '$home' AND b.problem IS NULL AND NOT c.protected_identity")
    if [ "$problems" -gt 0 ]; then
        has "$t" "Kan inte faktureras förrän felet är rättat" "$home: the children that cannot be invoiced"
    fi
    has_not "$t" "$pc_family" "$home: the protected child's family name"
    has_not "$t" "${pc_pn:0:8}-${pc_pn:8}" "$home: the protected child's personal number"
    if [ "$home" = "$pc_home" ]; then has "$t" "Barn med skyddad identitet (1)" "$home: the protected child counted, unnamed"; fi
    if [ "$home" = "$nc_home" ]; then has "$t" "inget IKE-pris för kategorin $nc_cat" "$home: the child without a price, with the reason"; fi
    checked=$((checked + 1))
done
echo "ok: $checked IKE invoice bases (PDF): title, total, child count, every child's personal number, the protected child unnamed, the unpriced child listed with its reason"

fetch "skolval.ike_xlsx('$month')" "$work/ike.xlsx"
assert_eq "IKE workbook: sheets, 'Summa' equals ike_basis(), the protected child's personal number absent" \
    "Per kommun,Barn $(q -c "SELECT coalesce(sum(amount) FILTER (WHERE problem IS NULL), 0) FROM skolval.ike_basis('$month')") $n_basis no" \
    "$(python3 - "$work/ike.xlsx" "${pc_pn:0:8}-${pc_pn:8}" <<'PY'
import re, sys, zipfile, xml.etree.ElementTree as ET
from decimal import Decimal
ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
z = zipfile.ZipFile(sys.argv[1])
strings = [''.join(t.text or '' for t in si.iter('{%s}t' % ns['m']))
           for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall('m:si', ns)]
names = [s.get('name') for s in ET.fromstring(z.read('xl/workbook.xml')).find('m:sheets', ns)]
def sheet(i):
    rows = []
    for row in ET.fromstring(z.read('xl/worksheets/sheet%d.xml' % i)).iter('{%s}row' % ns['m']):
        cells = {}
        for c in row.findall('m:c', ns):
            v = c.find('m:v', ns)
            cells[re.match(r'[A-Z]+', c.get('r')).group(0)] = None if v is None else strings[int(v.text)] if c.get('t') == 's' else Decimal(v.text)
        rows.append(cells)
    head = rows[0]
    return [{head[k]: r.get(k) for k in head} for r in rows[1:]]
munis, kids = sheet(1), sheet(2)
total = [r for r in munis if r['Hemkommun'] == 'Summa'][0]['Belopp']
print(','.join(names), '%.2f' % total, len(kids), 'yes' if sys.argv[2] in strings else 'no')
PY
)"
assert_eq "the same month gives the same workbook" t "$(q -c "SELECT skolval.ike_xlsx('$month') = skolval.ike_xlsx('$month')")"

err=$(q -c "SELECT skolval.ike_invoice('$month', '12')" 2>&1 || true)
grep -q "home_municipality must be a four-digit municipality code" <<<"$err" || fail "a bad municipality code: $err"
err=$(q -c "SELECT skolval.ike_invoice(NULL, '1280') IS NULL")
assert_eq "ike_invoice() is strict" t "$err"
echo "ok: bad arguments refused"

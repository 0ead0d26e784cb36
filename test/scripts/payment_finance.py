#!/usr/bin/env python3
"""What the finance office receives, checked against amounts worked by hand (doc/payments.md):
payees with organisation number, bankgiro or IBAN (a payee missing them is held and left out),
the payee CSV, the SIE 4 file (PC8 bytes, balanced verifications), Swedish order, correction
reasons and held amounts in the finance view and on the statement, and IKE: the invoice basis
per home municipality and the check of an incoming IKE invoice, every difference an issue.

Hand-worked amounts (count date 15 September 2026, a Tuesday; rates as in the table):
  GR4-6  90 000 + 12 000 a year: 7 500,00 + 1 000,00 + 255,00 + 525,30 = 9 280,30
  FK     60 000 + 12 000 a year: 5 000,00 + 1 000,00 + 180,00 + 370,80 = 6 550,80
  IKE GR4-6 130 082 a year: 10 840,17 a month
"""
import os
import re
import subprocess
import sys
from decimal import Decimal

checks = 0
DB = "skolval_test_finance"
OUT = os.environ.get("SKOLVAL_FINANCE_OUT")   # keep the files (PDF pages as PNG) here when set


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ok(msg):
    global checks
    checks += 1
    print("ok: " + msg)


def q(sql, binary=False):
    # bytes, not text mode: text mode would turn the files' CRLF into LF
    p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "|", "-d", DB],
                       input=("SET client_min_messages = warning;\n" + sql).encode("utf-8"), capture_output=True)
    if p.returncode != 0:
        fail("SQL failed: %s\n%s" % (sql[:300], p.stderr.decode("utf-8", "replace")))
    return p.stdout.decode("utf-8")


def rows(sql):
    return [line.split("|") for line in q(sql).splitlines() if line]


def err(sql):
    p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", DB],
                       input="\\set VERBOSITY verbose\n" + sql, capture_output=True, text=True)
    return p.returncode, p.stderr


def trans_amount(line):
    m = re.match(r'^#TRANS \S+ \{[^}]*\} (-?[0-9]+\.[0-9]{2})( "[^"]*" "[^"]*")?\r?$', line)
    if not m:
        fail("not an SIE #TRANS line: %r" % line)
    return Decimal(m.group(1))


def bytea(sql):
    hexs = q(sql).strip()
    if not hexs.startswith("\\x"):
        fail("not a bytea: %s" % hexs[:40])
    return bytes.fromhex(hexs[2:])


subprocess.run(["dropdb", "--if-exists", DB], capture_output=True)
subprocess.run(["createdb", DB], check=True)
try:
    q("CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval;")
    q("""
SELECT skolval.set_four_eyes(false, 'payment_finance: one login plays every part');
SELECT municipality_code FROM skolval.configure(municipality_code => '1281', municipality_name => 'Lunds kommun');
INSERT INTO skolval.district VALUES ('N', 'Norr', 'Barn- och skolnämnden');
INSERT INTO skolval.cost_account (administration, school_form, account) VALUES ('Barn- och skolnämnden', NULL, '4610 200');
INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, organizer_name, school_forms, location)
SELECT u, c, n, 'independent', n, '{forskoleklass,grundskola}', ST_SetSRID(ST_MakePoint(386000 + u, 6176000), 3006)
  FROM (VALUES (1, '10000001', 'Ängsskolan'), (2, '10000002', 'Åkerskolan'), (3, '10000003', 'Ölandsskolan'),
               (4, '10000004', 'Zetaskolan'), (5, '10000005', 'Kommunala skolan')) v(u, c, n);
UPDATE skolval.unit SET organizer = 'municipal' WHERE unit_id = 5;
INSERT INTO skolval.organizer (organizer_id, name, kind, organization_number, bankgiro, iban, payment_reference) VALUES
  (1, 'Ängström Skolor AB', 'independent', '556000-0001', '111-1111', NULL, NULL),
  (2, 'Åberg Utbildning AB', 'independent', '556000-0002', NULL, 'SE4550000000058398257466', 'ÅBERG BIDRAG'),
  (3, 'Öberg & Söner; Skola "Ö"', 'independent', '556000-0003', '3333-3333', NULL, NULL),
  (4, 'Zeta Skolor AB', 'independent', '556000-0004', NULL, NULL, NULL);
INSERT INTO skolval.unit_organizer VALUES (1, '2020-01-01', NULL, 1), (2, '2020-01-01', NULL, 2), (3, '2020-01-01', NULL, 3), (4, '2020-01-01', NULL, 4);
INSERT INTO skolval.payment_category (category_code, name_sv, school_form, grade_from, grade_to, sort_order) VALUES
  ('FK', 'Förskoleklass', 'forskoleklass', NULL, NULL, 1), ('GR4-6', 'Grundskola åk 4–6', 'grundskola', 4, 6, 2);
INSERT INTO skolval.payment_rate (category_code, valid_from, base_annual, premises_annual) VALUES
  ('FK', '2026-01-01', 60000, 12000), ('GR4-6', '2026-01-01', 90000, 12000);
INSERT INTO skolval.payment_policy (count_day, weekend_shift, payment_day, organization_number) VALUES (15, 'next', 25, '212000-1124');
INSERT INTO skolval.ike_price (category_code, municipality_code, valid_from, annual_amount) VALUES ('GR4-6', '1280', '2026-01-01', 130082);
INSERT INTO skolval.child (child_id, personal_number, given_name, family_name, birth_date)
SELECT n, skolval.personal_number_make(b, n), g, f, b
  FROM (VALUES (1, date '2015-03-01', 'Öjvind', 'Östlund'), (2, '2015-04-01', 'Åsa', 'Åberg'), (3, '2015-05-01', 'Ärla', 'Ängström'),
               (4, '2020-06-01', 'Zlatan', 'Zetterlund'), (5, '2015-07-01', 'Olle', 'Olsson'), (6, '2015-08-01', 'Malte', 'Malmberg'),
               (7, '2015-09-01', 'Hanna', 'Hemlös')) v(n, b, g, f);
INSERT INTO skolval.residence (child_id, municipality_code, address, district_code, valid_from)
SELECT n, CASE WHEN n = 6 THEN '1280' ELSE '1281' END, 'Gatan ' || n, CASE WHEN n = 6 THEN NULL ELSE 'N' END, '2020-01-01'
  FROM generate_series(1, 6) n;
-- child 7 has no residence: held. Child 6 lives in Malmö: IKE.
INSERT INTO skolval.enrollment (enrollment_id, child_id, unit_id, school_form, grade, valid_from) VALUES
  (11, 1, 1, 'grundskola', 5, '2025-08-15'), (12, 2, 1, 'grundskola', 5, '2025-08-15'), (13, 3, 2, 'grundskola', 5, '2025-08-15'),
  (14, 4, 2, 'forskoleklass', 0, '2025-08-15'), (15, 5, 4, 'grundskola', 5, '2025-08-15'), (16, 6, 3, 'grundskola', 5, '2025-08-15'),
  (17, 7, 3, 'grundskola', 5, '2025-08-15');
""")
    # August paid, then a late change: child 2 in fact left on 31 July (reclaim in September).
    aug = rows("SELECT run_id FROM skolval.create_payment_run('2026-08-01')")[0][0]
    q("SELECT skolval.approve_payment_run(%s); SELECT skolval.lock_payment_run(%s);" % (aug, aug))
    q("UPDATE skolval.enrollment SET valid_to = '2026-07-31' WHERE enrollment_id = 12;"
      "INSERT INTO skolval.enrollment (enrollment_id, child_id, unit_id, school_form, grade, valid_from) VALUES (18, 2, 3, 'grundskola', 5, '2026-08-01');")
    draft = rows("SELECT run_id FROM skolval.create_payment_run('2026-09-01')")[0][0]
    rc, e = err("SELECT skolval.payment_payee_file(%s)" % draft)
    if rc == 0 or "55000" not in e or "draft" not in e:
        fail("a payee file from a draft was not refused: %s" % e)
    ok("a payee file from a draft is refused (55000)")
    sep = rows("SELECT run_id FROM skolval.create_payment_run('2026-09-01')")[0][0]
    q("SELECT skolval.approve_payment_run(%s)" % sep)

    # Payees, in Swedish order: Zeta before Å, Ä, Ö.
    pay = rows("SELECT payee, coalesce(organization_number, ''), coalesce(bankgiro, ''), coalesce(iban, ''), amount, corrections, held_amount, "
               "coalesce(problem, ''), payment_date FROM skolval.payment_payees(%s)" % sep)
    names = [p[0] for p in pay]
    want_order = ["Zeta Skolor AB", "Åberg Utbildning AB", "Ängström Skolor AB", 'Öberg & Söner; Skola "Ö"']
    if names != want_order:
        fail("payees in order %s, expected %s" % (names, want_order))
    ok("payees in Swedish order (Z, Å, Ä, Ö): %s" % ", ".join(names))
    by = {p[0]: p for p in pay}
    # Ängström: children 1 (GR4-6) and 2 reclaimed for August (left 31 July), 2 not in September at unit 1.
    want = {
        "Ängström Skolor AB": (Decimal("9280.30") - Decimal("9280.30"), Decimal("-9280.30"), Decimal("0.00")),
        "Åberg Utbildning AB": (Decimal("9280.30") + Decimal("6550.80"), Decimal("0.00"), Decimal("0.00")),
        'Öberg & Söner; Skola "Ö"': (Decimal("9280.30") + Decimal("9280.30"), Decimal("9280.30"), Decimal("9280.30")),
        "Zeta Skolor AB": (Decimal("0.00"), Decimal("0.00"), Decimal("9280.30")),
    }
    for n, (amount, corr, held) in want.items():
        got = (Decimal(by[n][4]), Decimal(by[n][5]), Decimal(by[n][6]))
        if got != (amount, corr, held):
            fail("payee %s: amount/corrections/held %s, expected %s" % (n, got, (amount, corr, held)))
    if "neither bankgiro nor IBAN" not in by["Zeta Skolor AB"][7]:
        fail("Zeta without bankgiro and IBAN has no problem: %s" % by["Zeta Skolor AB"])
    if by["Ängström Skolor AB"][8] != "2026-09-25":
        fail("payment date %s, expected 2026-09-25 (the 25th, a Friday)" % by["Ängström Skolor AB"][8])
    ok("payee amounts, corrections and held amounts equal the hand-worked ones; Zeta (no bankgiro, no IBAN) is held whole")

    # The payee file: header, three payable payees, CRLF, decimal comma, quoting.
    f = q("SELECT skolval.payment_payee_file(%s)" % sep)
    if not f.endswith("\r\n\n"):
        fail("the payee file does not end with CRLF: %r" % f[-20:])
    lines = f[:-3].split("\r\n")
    if lines[-1] == "":
        lines = lines[:-1]
    want_lines = [
        "betalningsdag;organisationsnummer;mottagare;bankgiro;iban;referens;belopp;varav_korrigeringar;manad;korning",
        "2026-09-25;556000-0002;Åberg Utbildning AB;;SE4550000000058398257466;ÅBERG BIDRAG;15831,10;0,00;2026-09;%s" % sep,
        "2026-09-25;556000-0001;Ängström Skolor AB;111-1111;;Bidrag 2026-09 run %s;0,00;-9280,30;2026-09;%s" % (sep, sep),
        '2026-09-25;556000-0003;"Öberg & Söner; Skola ""Ö""";3333-3333;;Bidrag 2026-09 run %s;18560,60;9280,30;2026-09;%s' % (sep, sep),
    ]
    if lines != want_lines:
        fail("payee file:\n%s\nexpected:\n%s" % ("\n".join(lines), "\n".join(want_lines)))
    ok("the payee file has exactly the header and the three payable payees (Zeta held), decimal comma, quoted fields")

    # SIE 4: PC8 bytes, one balanced verification per payable payee.
    sie = bytea("SELECT skolval.payment_sie(%s)" % sep)
    text = sie.decode("cp437")
    if "#FORMAT PC8" not in text or "#SIETYP 4" not in text or "#ORGNR 212000-1124" not in text:
        fail("SIE header incomplete:\n%s" % text[:400])
    if "Åberg".encode("cp437") not in sie or "Åberg".encode("utf-8") in sie:
        fail("SIE text is not PC8 (code page 437)")
    vers = text.split("#VER ")[1:]
    if len(vers) != 3:
        fail("%d verifications, expected 3" % len(vers))
    total = Decimal(0)
    for v in vers:
        amounts = [trans_amount(t) for t in v.splitlines() if t.startswith("#TRANS")]
        if sum(amounts) != 0:
            fail("a verification does not balance: %s" % v)
        total += sum(a for a in amounts if a > 0 or False)
    debit = sum(trans_amount(t) for v in vers for t in v.splitlines() if t.startswith("#TRANS 4610"))
    if debit != Decimal("15831.10") + Decimal("0.00") + Decimal("18560.60"):
        fail("SIE debits on 4610: %s" % debit)
    if '#TRANS 4610 {1 "200"} -9280.30 "" "Korrigering 2026-08"' not in text or '#TRANS 4610 {1 "200"} 9280.30 "" "Korrigering 2026-08"' not in text:
        fail("SIE correction transactions missing:\n%s" % text)
    if '#TRANS 4610 {1 "200"}' not in text or "#KONTO 2440" not in text or '#OBJEKT 1 "200" "Barn- och skolnämnden"' not in text:
        fail("SIE accounts or cost centre missing:\n%s" % text)
    ok("SIE 4: PC8, #ORGNR, 3 verifications each balancing to zero, 34 391,70 kr on account 4610 cost centre 200")

    # Finance view: the reclaim has its reason; the held row its amount and reason; no child column.
    cols = [r[0] for r in rows("SELECT attname FROM pg_attribute WHERE attrelid = 'skolval.payment_finance_row'::regclass AND attnum > 0")]
    if any(c in cols for c in ("child_id", "personal_number", "given_name", "family_name", "birth_date")):
        fail("the finance view has personal columns: %s" % cols)
    fr = rows("SELECT unit_code, coalesce(corrects_month::text, ''), coalesce(reason, ''), held, coalesce(held_reason, ''), amount "
              "FROM skolval.payment_finance_row WHERE run_id = %s ORDER BY unit_code, corrects_month NULLS FIRST, held" % sep)
    rec = [r for r in fr if r[1] == "2026-08-01" and r[0] == "10000001"]
    if len(rec) != 1 or Decimal(rec[0][5]) != Decimal("-9280.30") or "inte längre" not in rec[0][2]:
        fail("the reclaim row for August at unit 1: %s" % rec)
    held = [r for r in fr if r[3] == "t"]
    if len(held) != 1 or Decimal(held[0][5]) != Decimal("9280.30") or "folkbokföring" not in held[0][4]:
        fail("the held row: %s" % held)
    ok("finance view: the reclaim says why (%s); the held row shows 9 280,30 kr and why (%s); no personal columns"
       % (rec[0][2], held[0][4]))

    # IKE: the invoice basis for Malmö, and an incoming invoice checked line by line.
    ike = rows("SELECT home_municipality, child_id, unit_code, category_code, amount, coalesce(problem, '') FROM skolval.ike_basis('2026-09-01')")
    if ike != [["1280", "6", "10000003", "GR4-6", "10840.17", ""]]:
        fail("IKE basis %s" % ike)
    v = rows("SELECT home_municipality, category_code, children, amount FROM skolval.ike_invoice_basis WHERE month = '2026-09-01'")
    if v != [["1280", "GR4-6", "1", "10840.17"]]:
        fail("IKE invoice basis view %s" % v)
    ok("IKE basis: Malmö (1280) is invoiced 10 840,17 kr for child 6 at unit 10000003 (GR4-6); the view sums the same")
    pn = dict((r[0], r[1]) for r in rows("SELECT child_id, personal_number FROM skolval.child"))
    # Another municipality (1282) invoices us for children it says are ours at its unit 20000001.
    q("INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, school_forms, municipality_code, location) "
      "VALUES (9, '20000001', 'Skolan i Landskrona', 'municipal', '{grundskola}', '1282', ST_SetSRID(ST_MakePoint(390000, 6176000), 3006));"
      "INSERT INTO skolval.enrollment (enrollment_id, child_id, unit_id, school_form, grade, valid_from) VALUES (19, 5, 9, 'grundskola', 5, '2026-09-01');")
    invoice = "\n".join([
        "personnummer;enhetskod;fran;till;belopp",
        "%s;20000001;2026-09-01;2026-09-30;10840,17" % pn["5"],     # ours and placed there: ok
        "%s;20000001;2026-09-01;2026-09-30;10840,17" % pn["6"],     # registered in Malmö, not placed there
        "201001019999;20000001;2026-09-01;2026-09-30;10840,17",    # not in our register
        "%s;20000001;2026-08-20;2026-09-10;5000.00" % pn["5"],      # placed only from 1 September
    ])
    before = int(rows("SELECT count(*) FROM skolval.data_issue WHERE category = 'ike_invoice'")[0][0])
    chk = rows("SELECT line_no, ok, coalesce(problem, '') FROM skolval.ike_check_invoice('1282', $inv$%s$inv$)" % invoice)
    after = int(rows("SELECT count(*) FROM skolval.data_issue WHERE category = 'ike_invoice'")[0][0])
    verdicts = [(r[0], r[1]) for r in chk]
    if verdicts != [("2", "t"), ("3", "f"), ("4", "f"), ("5", "f")]:
        fail("IKE invoice check %s" % chk)
    if "not registered in our municipality on 30 of the 30 days" not in chk[1][2] or "not placed at unit 20000001 on 30 of the 30 days" not in chk[1][2]:
        fail("line 3's problem: %s" % chk[1][2])
    if "not in our register" not in chk[2][2] or "not placed at unit 20000001 on 12 of the 22 days" not in chk[3][2]:
        fail("lines 4-5: %s" % chk[2:])
    if after - before != 3:
        fail("%d ike_invoice issues, expected 3" % (after - before))
    ok("IKE invoice check: line 2 ok; lines 3-5 wrong, each an issue (%s)" % "; ".join(r[2] for r in chk[1:]))
    rc, e = err("SELECT * FROM skolval.ike_check_invoice('1282', 'fel;rubrik')")
    if rc == 0 or "22023" not in e:
        fail("a wrong header was not refused: %s" % e)
    ok("an invoice without the documented header is refused (22023)")

    # The statement of unit 3: payee, payment date, rates used, the correction reason, Swedish order.
    st = rows("SELECT part, coalesce(label, ''), coalesce(body, ''), coalesce(array_to_string(cells, ' ~ '), '') "
              "FROM skolval.payment_statement_content(%s, 3) ORDER BY ord" % sep)
    facts = {r[1]: r[2] for r in st if r[0] == "fact"}
    if "25 september 2026" not in facts.get("Utbetalningsdag", ""):
        fail("statement facts %s" % facts)
    if not any(r[0] == "table" and r[1] == "Belopp per år som använts" for r in st) or \
            not any(r[0] == "row" and "Grundskola åk 4–6" in r[3] and "90 000,00" in r[3] for r in st):
        fail("statement has no rates used: %s" % [r for r in st if r[0] in ("table", "row")][:8])
    if not any("Ny i underlaget" in r[3] for r in st if r[0] == "row"):
        fail("the correction row on the statement has no reason: %s" % [r for r in st if r[0] == "row"])
    ok("statement of unit 3: payment date 25 september 2026, rates used, correction reason")
    if OUT:
        os.makedirs(OUT, exist_ok=True)
        for name, sql in (("statement_unit3.pdf", "SELECT skolval.payment_statement(%s, 3)" % sep),
                          ("payments.xlsx", "SELECT skolval.payment_xlsx(%s)" % sep),
                          ("payment.sie", "SELECT skolval.payment_sie(%s)" % sep)):
            with open(os.path.join(OUT, name), "wb") as fh:
                fh.write(bytea(sql))
        with open(os.path.join(OUT, "payees.csv"), "w") as fh:
            fh.write(f)
        print("files written to %s" % OUT)
    print("ok: %d checks" % checks)
finally:
    subprocess.run(["dropdb", "--if-exists", DB], capture_output=True)

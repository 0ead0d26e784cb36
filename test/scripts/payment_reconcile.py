#!/usr/bin/env python3
"""Reconciliation over months, checked against an independent oracle (payment_oracle.py).

For correction windows 1, 2 and 3, on a generated register (seeded), seven months are run one
after the other (May-November 2026) with runs left in every state (draft, approved, locked),
and the register changed between runs. At every run the oracle says what the draft must hold:
the month's own rows (today's register, today's rules) and, for every approved or locked month
inside the window, today's register under the rules of that month minus what has been paid for
it (the oracle keeps its own ledger of what it saw approved). The four scenarios of issue 14:

  A. rules change after locking (a rate cut, the count day moved from 15 to 10, a category
     renamed): no correction; then a retroactive rate decision: refused while it would reclaim
     (HFD 2021:69), recorded once rates go up, paid exactly once, with its reason;
  B. window 2 (and 3) with an approved, not locked run: its corrections count as paid, nothing
     is paid twice;
  C. a stale draft (the register changed after it was computed): approval refused with 55000
     and a hint, nothing approved; computed again, it is approved;
  D. a takeover (unit 13, municipal until 31 August, independent from 1 September): paid from
     September, no correction for the months it was municipal.

At the end, reconcile_payments() must list exactly the oracle's open differences, and every
month's paid total in the database must equal the oracle's ledger.
"""
import copy
import datetime as dt
import os
import random
import subprocess
import sys
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payment_oracle as O  # noqa: E402

D = dt.date
checks = 0
ANCHORS = 4   # children 1-4: never changed at random, so every month pays some GR4-6 pupils


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ok(msg):
    global checks
    checks += 1
    print("ok: " + msg)


class Db:
    def __init__(self, name):
        self.name = name
        subprocess.run(["dropdb", "--if-exists", name], check=True, capture_output=True)
        subprocess.run(["createdb", name], check=True, capture_output=True)
        self.q("CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval;")

    def q(self, sql):
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "|", "-d", self.name],
                           input="SET client_min_messages = warning;\n" + sql, capture_output=True, text=True)
        if p.returncode != 0:
            fail("SQL failed: %s\n%s" % (sql[:400], p.stderr))
        return [line.split("|") for line in p.stdout.splitlines() if line != ""]

    def err(self, sql):
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", self.name],
                           input="\\set VERBOSITY verbose\n" + sql, capture_output=True, text=True)
        return p.returncode, p.stderr

    def drop(self):
        subprocess.run(["dropdb", "--if-exists", self.name], capture_output=True)


def lit(d):
    return "NULL" if d is None else "'%s'" % d.isoformat()


def months_from(first, n):
    out, m = [], first
    for _ in range(n):
        out.append(m)
        m = D(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


BASE_RULES = {
    "policy": {"count_day": 15, "shift": "next", "holidays": (), "last_weekday": False},
    "categories": [
        {"code": "FK", "form": "forskoleklass"},
        {"code": "GR1-3", "form": "grundskola", "grades": (1, 3)},
        {"code": "GR4-6", "form": "grundskola", "grades": (4, 6)},
        {"code": "GR7-9", "form": "grundskola", "grades": (7, 9)},
        {"code": "FSK35", "form": "forskola", "ages": (3, 5), "hours_over": 15},
    ],
    "rates": [
        {"code": "FK", "from": D(2026, 1, 1), "to": None, "base": 60000, "premises": 12000},
        {"code": "GR1-3", "from": D(2026, 1, 1), "to": None, "base": 84000, "premises": 12000},
        {"code": "GR4-6", "from": D(2026, 1, 1), "to": None, "base": 90000, "premises": 12000},
        {"code": "GR7-9", "from": D(2026, 1, 1), "to": None, "base": 108000, "premises": 12000},
        {"code": "FSK35", "from": D(2026, 1, 1), "to": None, "base": 96000, "premises": 24000},
    ],
}


def setup(db, rng, window, n_children=36):
    db.q("""
SELECT skolval.set_four_eyes(false, 'payment_reconcile: one login plays every part');
SELECT municipality_code FROM skolval.configure(municipality_code => '1281');
INSERT INTO skolval.district VALUES ('N', 'Norr', 'Barn- och skolnämnden');
INSERT INTO skolval.cost_account (administration, school_form, account) VALUES ('Barn- och skolnämnden', NULL, '4610 100');
INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, organizer_name, school_forms, location)
SELECT u, '100000' || u, 'Enhet ' || u, o::skolval.organizer_type, 'Huvudman ' || u,
       '{forskola,forskoleklass,grundskola}', ST_SetSRID(ST_MakePoint(386000 + u, 6176000), 3006)
  FROM (VALUES (10, 'independent'), (11, 'independent'), (12, 'independent'), (13, 'municipal'), (20, 'municipal')) v(u, o);
INSERT INTO skolval.payment_category (category_code, name_sv, school_form, grade_from, grade_to, age_from, age_to, hours_over, sort_order) VALUES
  ('FK', 'Förskoleklass', 'forskoleklass', NULL, NULL, NULL, NULL, NULL, 1),
  ('GR1-3', 'Grundskola åk 1–3', 'grundskola', 1, 3, NULL, NULL, NULL, 2),
  ('GR4-6', 'Grundskola åk 4–6', 'grundskola', 4, 6, NULL, NULL, NULL, 3),
  ('GR7-9', 'Grundskola åk 7–9', 'grundskola', 7, 9, NULL, NULL, NULL, 4),
  ('FSK35', 'Förskola 3–5 år, över 15 h/v', 'forskola', NULL, NULL, 3, 5, 15, 5);
INSERT INTO skolval.payment_rate (category_code, valid_from, valid_to, base_annual, premises_annual) VALUES
  ('FK', '2026-01-01', NULL, 60000, 12000), ('GR1-3', '2026-01-01', NULL, 84000, 12000),
  ('GR4-6', '2026-01-01', NULL, 90000, 12000), ('GR7-9', '2026-01-01', NULL, 108000, 12000),
  ('FSK35', '2026-01-01', NULL, 96000, 24000);
INSERT INTO skolval.payment_policy (basis, count_day, weekend_shift, age_cutover_month, age_cutover_day, correction_window_months)
VALUES ('count_day', 15, 'next', 9, 1, %d);
""" % window)
    reg = {"children": {}, "units": {10: {"independent": True}, 11: {"independent": True}, 12: {"independent": True},
                                     13: {"independent": False}, 20: {"independent": False}},
           "enrollments": [], "residences": {}, "organizer_periods": {}}
    sql = []
    rid = 0
    for c in range(1, n_children + 1):
        kind = rng.choice(["FK", "GR", "GR", "GR", "FSK"])
        anchor = c <= ANCHORS     # a few grade-5 pupils at unit 10 all year, never changed
        if anchor:
            kind = "GR"
        if kind == "FK":
            form, grade, hours, birth = "forskoleklass", 0, None, D(2020, rng.randint(1, 12), rng.randint(1, 28))
        elif kind == "GR":
            grade = 5 if anchor else rng.randint(1, 9)
            form, hours, birth = "grundskola", None, D(2019 - grade, rng.randint(1, 12), rng.randint(1, 28))
        else:
            form, grade, hours, birth = "forskola", None, 30, D(2022, rng.randint(1, 8), rng.randint(1, 28))
        reg["children"][c] = birth
        unit = 10 if anchor else rng.choice([10, 10, 11, 12, 13, 13, 20])
        frm = D(2025, 8, 15) if anchor else rng.choice([D(2025, 8, 15), D(2025, 8, 15), D(2026, rng.randint(4, 10), rng.randint(1, 28))])
        to = None if anchor else rng.choice([None, None, None, D(2026, rng.randint(5, 11), rng.randint(1, 28))])
        if to is not None and to < frm:
            to = None
        e = {"id": 1000 + c, "child": c, "unit": unit, "form": form, "grade": grade, "hours": hours, "from": frm, "to": to}
        reg["enrollments"].append(e)
        sql.append("INSERT INTO skolval.child (child_id, personal_number, birth_date) VALUES (%d, skolval.personal_number_make('%s', %d), '%s');"
                   % (c, birth, c, birth))
        sql.append("INSERT INTO skolval.enrollment (enrollment_id, child_id, unit_id, school_form, grade, hours_per_week, valid_from, valid_to) "
                   "VALUES (%d, %d, %d, '%s', %s, %s, %s, %s);" % (e["id"], c, unit, form, "NULL" if grade is None else grade,
                                                                  "NULL" if hours is None else hours, lit(frm), lit(to)))
        # Residence: ours since 2020; some registered elsewhere for a while, some with a gap.
        shape = "ours" if anchor else rng.choice(["ours", "ours", "ours", "gap", "away"])
        periods = []
        if shape == "ours":
            periods = [("1281", D(2020, 1, 1), None)]
        elif shape == "gap":
            g = D(2026, rng.randint(5, 10), rng.randint(1, 20))
            periods = [("1281", D(2020, 1, 1), g - dt.timedelta(days=1)), ("1281", g + dt.timedelta(days=rng.randint(10, 60)), None)]
        else:
            a = D(2026, rng.randint(5, 10), rng.randint(1, 28))
            periods = [("1281", D(2020, 1, 1), a - dt.timedelta(days=1)), ("1280", a, None)]
        reg["residences"][c] = []
        for (mun, f, t) in periods:
            rid += 1
            reg["residences"][c].append({"id": rid, "municipality": mun, "from": f, "to": t})
            sql.append("INSERT INTO skolval.residence (residence_id, child_id, municipality_code, address, district_code, valid_from, valid_to) "
                       "VALUES (%d, %d, '%s', 'Gatan %d', %s, %s, %s);" % (rid, c, mun, c, "'N'" if mun == "1281" else "NULL", lit(f), lit(t)))
    db.q("\n".join(sql))
    reg["next_residence"] = rid + 1
    return reg


def change_register(db, reg, rng, month, n):
    """n random changes of facts about children that reach back into paid months."""
    done = []
    for _ in range(n):
        what = rng.choice(["end", "start", "grade", "move", "fill_gap"])
        if what == "end":
            cand = [e for e in reg["enrollments"] if (e["to"] is None or e["to"] > D(2026, 5, 20)) and e["child"] > ANCHORS]
            if not cand:
                continue
            e = rng.choice(cand)
            lo = max(e["from"], D(2026, 4, 20))
            hi = month + dt.timedelta(days=20)
            if hi <= lo:
                continue
            e["to"] = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
            db.q("UPDATE skolval.enrollment SET valid_to = %s WHERE enrollment_id = %d" % (lit(e["to"]), e["id"]))
            done.append("enrollment %d ends %s" % (e["id"], e["to"]))
        elif what == "start":
            cand = [e for e in reg["enrollments"] if e["from"] > D(2026, 5, 1) and e["child"] > ANCHORS]
            if not cand:
                continue
            e = rng.choice(cand)
            e["from"] = e["from"] - dt.timedelta(days=rng.randint(20, 90))
            db.q("UPDATE skolval.enrollment SET valid_from = %s WHERE enrollment_id = %d" % (lit(e["from"]), e["id"]))
            done.append("enrollment %d starts %s" % (e["id"], e["from"]))
        elif what == "grade":
            cand = [e for e in reg["enrollments"] if e["form"] == "grundskola" and e["grade"] in (3, 4, 6, 7) and e["child"] > ANCHORS]
            if not cand:
                continue
            e = rng.choice(cand)
            e["grade"] = {3: 4, 4: 3, 6: 7, 7: 6}[e["grade"]]
            db.q("UPDATE skolval.enrollment SET grade = %d WHERE enrollment_id = %d" % (e["grade"], e["id"]))
            done.append("enrollment %d grade %d" % (e["id"], e["grade"]))
        elif what == "move":
            c = rng.choice([c for c in reg["residences"] if c > ANCHORS])
            last = reg["residences"][c][-1]
            if last["municipality"] != "1281" or last["to"] is not None:
                continue
            a = D(2026, rng.randint(5, month.month), rng.randint(1, 28))
            if a <= last["from"]:
                continue
            last["to"] = a - dt.timedelta(days=1)
            rid = reg["next_residence"]
            reg["next_residence"] += 1
            reg["residences"][c].append({"id": rid, "municipality": "1280", "from": a, "to": None})
            db.q("UPDATE skolval.residence SET valid_to = %s WHERE residence_id = %d;"
                 "INSERT INTO skolval.residence (residence_id, child_id, municipality_code, address, valid_from) VALUES (%d, %d, '1280', 'Bort', %s)"
                 % (lit(last["to"]), last["id"], rid, c, lit(a)))
            done.append("child %d moves away %s" % (c, a))
        else:
            cand = [c for c, rs in reg["residences"].items() if len(rs) == 2 and rs[0]["municipality"] == rs[1]["municipality"] == "1281"]
            if not cand:
                continue
            c = rng.choice(cand)
            a, b = reg["residences"][c]
            a["to"] = b["from"] - dt.timedelta(days=1)   # the gap is found to have been ours
            db.q("UPDATE skolval.residence SET valid_to = %s WHERE residence_id = %d" % (lit(a["to"]), a["id"]))
            done.append("child %d gap filled" % c)
    return done


def rows_of_run(db, run_id):
    own, corr, rev = {}, {}, {}
    for r in db.q("SELECT child_id, unit_id, coalesce(category_code, ''), amount, held, coalesce(corrects_month::text, ''), "
                  "coalesce(revision_id::text, ''), coalesce(reason, '') FROM skolval.payment_row WHERE run_id = %d" % run_id):
        key = (int(r[0]), int(r[1]), r[2])
        amount, held = Decimal(r[3]), r[4] == "t"
        if r[5] == "":
            prev = own.get(key, (Decimal(0), False))
            own[key] = (prev[0] + amount, prev[1] or held)
        else:
            if r[7] == "":
                fail("correction row without a reason in run %d: %s" % (run_id, r))
            if held:
                fail("a held correction row in run %d: %s (the generated changes never need one)" % (run_id, r))
            m = D.fromisoformat(r[5])
            target = rev if r[6] else corr
            target.setdefault(m, {})
            target[m][key] = target[m].get(key, Decimal(0)) + amount
    return own, corr, rev


def nonzero(d):
    return {k: v for k, v in d.items() if v != 0}


def add_into(ledger, m, amounts):
    led = ledger.setdefault(m, {})
    for k, v in amounts.items():
        led[k] = led.get(k, Decimal(0)) + v


def expected_month(reg, rules, m):
    return O.paid_of(O.month_rows(reg, rules, m))


def frozen(rules, m):
    f = copy.deepcopy(rules)
    f["count_date"] = O.count_date(m, **rules["policy"])
    return f


def scenario(window, seed, check_future_lock):
    rng = random.Random(seed)
    db = Db("skolval_test_reconcile_w%d" % window)
    try:
        reg = setup(db, rng, window)
        rules = copy.deepcopy(BASE_RULES)
        rules_of = {}          # month -> rules in force (frozen when approved)
        ledger = {}            # month -> {key: amount paid}
        pending = {}           # month -> revision rows decided, not yet paid
        months = months_from(D(2026, 5, 1), 7)
        total_corrections = 0
        for i, m in enumerate(months):
            label = "w%d %s" % (window, m.strftime("%Y-%m"))
            if i == 3:
                # A: rules change after July is paid; no register change this time.
                db.q("UPDATE skolval.payment_rate SET base_annual = 80000 WHERE category_code = 'GR4-6';"
                     "UPDATE skolval.payment_policy SET count_day = 10;"
                     "UPDATE skolval.payment_category SET category_code = 'GR13' WHERE category_code = 'GR1-3';")
                for r in rules["rates"]:
                    if r["code"] == "GR4-6":
                        r["base"] = 80000
                    if r["code"] == "GR1-3":
                        r["code"] = "GR13"
                for c in rules["categories"]:
                    if c["code"] == "GR1-3":
                        c["code"] = "GR13"
                rules["policy"]["count_day"] = 10
            elif i > 0:
                change_register(db, reg, rng, m, 4)
            if i == 4:
                # D: unit 13 is taken over by an independent organizer from 1 September.
                db.q("INSERT INTO skolval.organizer (organizer_id, name, kind, organization_number, bankgiro) VALUES "
                     "(1, 'Kommunen', 'municipal', '212000-1124', NULL), (2, 'Nya Skolan AB', 'independent', '556677-8899', '123-4567');"
                     "INSERT INTO skolval.unit_organizer VALUES (13, '2020-01-01', '2026-08-31', 1), (13, '2026-09-01', NULL, 2);"
                     "UPDATE skolval.unit SET organizer = 'independent', organizer_name = 'Nya Skolan AB' WHERE unit_id = 13;")
                naive = copy.deepcopy(reg)
                naive["units"][13]["independent"] = True
                reg["units"][13]["independent"] = True
                reg["organizer_periods"][13] = [{"from": D(2020, 1, 1), "to": D(2026, 8, 31), "independent": False},
                                                {"from": D(2026, 9, 1), "to": None, "independent": True}]
                would = sum((v for p in rules_of
                             for k, v in O.differences(expected_month(naive, rules_of[p], p), ledger[p]).items() if k[1] == 13),
                            Decimal(0))
                if would <= 0:
                    fail("%s: the takeover scenario would not bite (an undated organizer pays %s for earlier months)" % (label, would))
                ok("%s: an undated takeover would pay %s kr for months the unit was municipal" % (label, would))
            if i == 5:
                # A, continued: a retroactive rate decision for June. With GR4-6 cut it would
                # reclaim: refused. With GR4-6 raised above June's rate it is recorded.
                rc, err = db.err("SELECT skolval.revise_payment_rates('2026-06-01', 'Nämndens beslut 2026-10-01')")
                if rc == 0 or "22023" not in err or "HFD 2021:69" not in err:
                    fail("%s: a revision that reclaims was not refused with 22023 citing HFD 2021:69: %s" % (label, err))
                ok("%s: a retroactive decision that would reclaim is refused (22023, HFD 2021:69)" % label)
                db.q("UPDATE skolval.payment_rate SET base_annual = 100000 WHERE category_code = 'GR4-6'")
                for r in rules["rates"]:
                    if r["code"] == "GR4-6":
                        r["base"] = 100000
                june = D(2026, 6, 1)
                new_rules = copy.deepcopy(rules)
                new_rules["count_date"] = rules_of[june]["count_date"]
                want = nonzero(O.differences(expected_month(reg, new_rules, june), expected_month(reg, rules_of[june], june)))
                v = db.q("SELECT revision_id, amount FROM skolval.revise_payment_rates('2026-06-01', 'Höjd ersättning åk 4–6', 'BSN 2026/77')")
                got = {}
                for r in db.q("SELECT child_id, unit_id, coalesce(category_code, ''), amount FROM skolval.payment_revision_row WHERE revision_id = %s" % v[0][0]):
                    got[(int(r[0]), int(r[1]), r[2])] = Decimal(r[3])
                if got != want:
                    fail("%s: revision rows %s, oracle %s" % (label, sorted(got.items()), sorted(want.items())))
                if Decimal(v[0][1]) != sum(want.values(), Decimal(0)) or Decimal(v[0][1]) <= 0:
                    fail("%s: revision amount %s, oracle %s" % (label, v[0][1], sum(want.values(), Decimal(0))))
                ok("%s: the retroactive decision for June has the oracle's %d rows, %s kr" % (label, len(want), v[0][1]))
                pending[june] = want
                rules_of[june] = new_rules

            def verify(run_id):
                own, corr, rev = rows_of_run(db, run_id)
                want_own = O.month_rows(reg, rules, m)
                if own != want_own:
                    extra = {k: v for k, v in own.items() if want_own.get(k) != v}
                    missing = {k: v for k, v in want_own.items() if own.get(k) != v}
                    fail("%s: own rows differ: db %s, oracle %s" % (label, sorted(extra.items()), sorted(missing.items())))
                want_corr = {}
                for p in rules_of:
                    back = (m.year - p.year) * 12 + m.month - p.month
                    if 1 <= back <= window:
                        paid = dict(ledger.get(p, {}))
                        for k, a in pending.get(p, {}).items():
                            paid[k] = paid.get(k, Decimal(0)) + a
                        d = O.differences(expected_month(reg, rules_of[p], p), paid)
                        if d:
                            want_corr[p] = d
                if corr != want_corr:
                    fail("%s: corrections differ:\n db     %s\n oracle %s" % (label, sorted((k, sorted(v.items())) for k, v in corr.items()),
                                                                         sorted((k, sorted(v.items())) for k, v in want_corr.items())))
                want_rev = {p: nonzero(v) for p, v in pending.items() if p < m and nonzero(v)}
                if rev != want_rev:
                    fail("%s: revision rows in the run %s, oracle %s" % (label, rev, want_rev))
                return own, corr, rev

            run_id = int(db.q("SELECT run_id FROM skolval.create_payment_run('%s')" % m)[0][0])
            own, corr, rev = verify(run_id)
            if i == 3 and corr:
                fail("%s: changed rules created corrections by themselves: %s" % (label, corr))
            if i == 3:
                ok("%s: a rate cut, count day 15 -> 10 and a renamed category create no correction" % label)
            if i == 4 and any(k[1] == 13 for v in corr.values() for k in v):
                fail("%s: the takeover created corrections for unit 13" % label)
            if i in (2, 5):
                # C: the register changes after the draft was computed.
                changes = change_register(db, reg, rng, m, 2)
                # and one that surely touches it: a child paid in the draft left before the month
                cand = [e for e in reg["enrollments"] if e["from"] < m - dt.timedelta(days=1)
                        and any(k[0] == e["child"] and k[1] == e["unit"] and not h for k, (a, h) in own.items())]
                e = next((e for e in cand if e["child"] > ANCHORS), None) or next(e for e in cand if e["child"] == ANCHORS)
                e["to"] = m - dt.timedelta(days=1)
                db.q("UPDATE skolval.enrollment SET valid_to = %s WHERE enrollment_id = %d" % (lit(e["to"]), e["id"]))
                changes.append("enrollment %d ends %s" % (e["id"], e["to"]))
                stale_expected = (O.month_rows(reg, rules, m) != own)
                for p in rules_of:
                    back = (m.year - p.year) * 12 + m.month - p.month
                    if 1 <= back <= window:
                        paid = dict(ledger.get(p, {}))
                        for k, a in pending.get(p, {}).items():
                            paid[k] = paid.get(k, Decimal(0)) + a
                        if O.differences(expected_month(reg, rules_of[p], p), paid) != corr.get(p, {}):
                            stale_expected = True
                rc, err = db.err("SELECT skolval.approve_payment_run(%d)" % run_id)
                if stale_expected:
                    if rc == 0 or "55000" not in err or "stale" not in err or "create_payment_run('%s')" % m not in err:
                        fail("%s: approving a stale draft was not refused with 55000 and a hint: %s" % (label, err))
                    status = db.q("SELECT status FROM skolval.payment_run WHERE run_id = %d" % run_id)[0][0]
                    if status != "draft":
                        fail("%s: the stale draft became %s" % (label, status))
                    ok("%s: approving the stale draft (%s) is refused with 55000 and a hint; it stays a draft" % (label, "; ".join(changes)))
                    run_id = int(db.q("SELECT run_id FROM skolval.create_payment_run('%s')" % m)[0][0])
                    own, corr, rev = verify(run_id)
                    db.q("SELECT skolval.approve_payment_run(%d)" % run_id)
                else:
                    if rc != 0:
                        fail("%s: a draft still equal to a fresh computation was refused: %s" % (label, err))
                    ok("%s: the changes (%s) do not touch the draft; it is approved" % (label, "; ".join(changes)))
            else:
                db.q("SELECT skolval.approve_payment_run(%d)" % run_id)
            if i % 2 == 0:
                db.q("SELECT skolval.lock_payment_run(%d)" % run_id)
            ok("%s: run %d (%s) equals the oracle: %d own rows, corrections for %d months, %d revision rows"
               % (label, run_id, "locked" if i % 2 == 0 else "approved", len(own), len(corr), sum(len(v) for v in rev.values())))
            total_corrections += sum(len(v) for v in corr.values())
            # the ledger: what was approved
            ledger[m] = O.paid_of(own)
            for p, v in corr.items():
                add_into(ledger, p, v)
            for p, v in rev.items():
                add_into(ledger, p, v)
                pending.pop(p, None)
            rules_of[m] = frozen(rules, m)

        if total_corrections == 0:
            fail("w%d: no correction at all: the scenario tests nothing" % window)
        # A draft for December stays a draft: every state is present.
        change_register(db, reg, rng, D(2026, 12, 1), 3)
        db.q("SELECT run_id FROM skolval.create_payment_run('2026-12-01')")
        # The end: reconcile lists exactly the oracle's open differences, with its window.
        last_paid = months[-1]
        got = {}
        for r in db.q("SELECT month, child_id, unit_id, coalesce(category_code, ''), difference, within_window, reason "
                      "FROM skolval.reconcile_payments('2026-05-01', '2026-11-01')"):
            if r[6] == "":
                fail("w%d: a difference without a reason: %s" % (window, r))
            got[(D.fromisoformat(r[0]), int(r[1]), int(r[2]), r[3])] = (Decimal(r[4]), r[5] == "t")
        want = {}
        for p in months:
            for k, v in O.differences(expected_month(reg, rules_of[p], p), ledger.get(p, {})).items():
                back = (last_paid.year - p.year) * 12 + last_paid.month - p.month
                want[(p,) + k] = (v, back + 1 <= window)
        if got != want:
            fail("w%d: reconcile_payments():\n db     %s\n oracle %s" % (window, sorted(got.items()), sorted(want.items())))
        ok("w%d: reconcile_payments() lists exactly the oracle's %d open differences" % (window, len(want)))
        for p in months:
            db_paid = Decimal(db.q("SELECT coalesce(sum(pr.amount) FILTER (WHERE NOT pr.held), 0) FROM skolval.payment_row pr "
                                   "JOIN skolval.payment_run r USING (run_id) WHERE r.status IN ('approved', 'locked') "
                                   "AND ((r.month = '%s' AND pr.corrects_month IS NULL) OR pr.corrects_month = '%s')" % (p, p))[0][0])
            if db_paid != sum(ledger.get(p, {}).values(), Decimal(0)):
                fail("w%d %s: paid %s, oracle ledger %s" % (window, p, db_paid, sum(ledger[p].values(), Decimal(0))))
        ok("w%d: every month's paid total equals the oracle's ledger (nothing paid twice or lost)" % window)
        if check_future_lock:
            nxt = db.q("SELECT (date_trunc('month', current_date) + interval '1 month')::date")[0][0]
            run = db.q("SELECT run_id FROM skolval.create_payment_run('%s')" % nxt)[0][0]
            db.q("SELECT skolval.approve_payment_run(%s)" % run)
            rc, err = db.err("SELECT skolval.lock_payment_run(%s)" % run)
            if rc == 0 or "55000" not in err or "cannot be locked before" not in err:
                fail("locking %s before its count date was not refused: %s" % (nxt, err))
            ok("a run for %s cannot be locked before its count date (55000)" % nxt[:7])
    finally:
        db.drop()


def count_dates():
    """Count dates under eight settings over 36 months against the oracle's calendar."""
    db = Db("skolval_test_count_dates")
    try:
        hol = [D(2025, 12, 25), D(2025, 12, 26), D(2026, 1, 1), D(2026, 1, 6), D(2026, 4, 3), D(2026, 4, 6),
               D(2026, 5, 1), D(2026, 5, 14), D(2026, 6, 19), D(2026, 12, 24), D(2026, 12, 25), D(2027, 1, 1),
               D(2027, 12, 31), D(2025, 2, 28), D(2027, 5, 31)]
        db.q("INSERT INTO skolval.payment_holiday VALUES %s" % ", ".join("('%s', 'Helgdag')" % h for h in hol))
        settings = [(15, "next", False), (15, "previous", False), (1, "previous", False), (1, "next", False),
                    (28, "next", False), (28, "previous", False), (10, "none", False), (15, "next", True)]
        months = months_from(D(2025, 1, 1), 36)
        for (day, shift, lastwd) in settings:
            db.q("DELETE FROM skolval.payment_policy; INSERT INTO skolval.payment_policy (count_day, weekend_shift, last_weekday) "
                 "VALUES (%d, '%s', %s)" % (day, shift, "true" if lastwd else "false"))
            got = db.q("SELECT m::date, skolval.payment_count_date(m::date) FROM generate_series(date '2025-01-01', '2027-12-01', '1 month') m")
            for (m, cd), mm in zip(got, months):
                want = O.count_date(mm, day, shift, hol, lastwd)
                if D.fromisoformat(cd) != want:
                    fail("count date of %s (day %d, %s, last weekday %s): %s, oracle %s" % (m, day, shift, lastwd, cd, want))
                if want.month != mm.month:
                    fail("the oracle's count date left the month: %s" % want)
            ok("count dates, day %d, shift %s%s: 36 months equal the oracle, all inside their month"
               % (day, shift, ", last weekday" if lastwd else ""))
    finally:
        db.drop()


if __name__ == "__main__":
    seed = int(os.environ.get("SKOLVAL_SEED", "1414"))
    count_dates()
    for w in (1, 2, 3):
        scenario(w, seed + w, check_future_lock=(w == 1))
    print("ok: %d checks, seed %d" % (checks, seed))

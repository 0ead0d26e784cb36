"""An independent oracle for skolval's grant payments, written from doc/payments.md alone.

It knows nothing of the C core or the SQL: it is given a register (children, enrollments,
residences, dated organizers) and rules (policy, categories, rates) as plain Python data and
says what a month pays, per child, unit and category, in öre-exact Decimal kronor.

Rules implemented (doc/payments.md, "How payments are computed"):
  * count date: the count day (or the last day with last_weekday), moved off Saturdays, Sundays
    and holidays in the policy's direction, never out of its month (it moves the other way then);
  * a unit is paid for a child when on the count date the child is placed there, is registered
    (folkbokförd) in the municipality, and the unit is run by an independent organizer on that
    day (dated organizer periods, else the unit's own organizer);
  * a month is a twelfth of the yearly amount; administration 3 % of base + premises, VAT 6 % of
    base + premises + administration; every component rounded to whole öre (half away from
    zero), the total the sum of the rounded components;
  * the rate is the category's rate on the count date;
  * a child with no registered residence on the count date is held (computed, not paid); a
    child registered elsewhere gets no row.
"""
import datetime as dt
from decimal import Decimal, ROUND_HALF_UP

ORE = Decimal("0.01")


def r2(x):
    return Decimal(x).quantize(ORE, rounding=ROUND_HALF_UP)


def month_last(m):
    nxt = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def count_date(month, count_day=15, shift="next", holidays=(), last_weekday=False):
    holidays = set(holidays)
    first, last = month, month_last(month)

    def off(d):
        return d.weekday() >= 5 or d in holidays

    if last_weekday:
        d, step = last, -1
    else:
        d = month + dt.timedelta(days=count_day - 1)
        step = {"next": 1, "previous": -1, "none": 0}[shift]
    if step == 0:
        return d
    x = d
    while off(x):
        x += dt.timedelta(days=step)
    if first <= x <= last:
        return x
    x = d
    while off(x) and first <= x <= last:
        x -= dt.timedelta(days=step)
    return x if first <= x <= last else d


def active(frm, to, day):
    return frm <= day and (to is None or day <= to)


def component_amounts(base_annual, premises_annual, admin_pct=3, vat_pct=6):
    base = r2(Decimal(base_annual) / 12)
    prem = r2(Decimal(premises_annual) / 12)
    admin = r2((base + prem) * Decimal(admin_pct) / 100)
    vat = r2((base + prem + admin) * Decimal(vat_pct) / 100)
    return base + prem + admin + vat


def category_of(rules, enr, birth, day):
    """The one category that fits, or None (none or several)."""
    # age with the cut-over date (default 1 September)
    cm, cd = rules.get("cutover", (9, 1))
    age = day.year - birth.year - (1 if (day.month, day.day) < (cm, cd) else 0)
    fits = []
    for c in rules["categories"]:
        if c["form"] != enr["form"]:
            continue
        if c.get("grades") and (enr.get("grade") is None or not c["grades"][0] <= enr["grade"] <= c["grades"][1]):
            continue
        if c.get("ages") and not c["ages"][0] <= age <= c["ages"][1]:
            continue
        if c.get("hours_over") is not None and not (enr.get("hours") is not None and enr["hours"] > c["hours_over"]):
            continue
        fits.append(c["code"])
    return fits[0] if len(fits) == 1 else None


def rate_on(rules, code, day):
    for r in rules["rates"]:
        if r["code"] == code and active(r["from"], r["to"], day):
            return r
    return None


def independent_on(reg, unit_id, day):
    for p in reg["organizer_periods"].get(unit_id, []):
        if active(p["from"], p["to"], day):
            return p["independent"]
    return reg["units"][unit_id]["independent"]


def residence_on(reg, child_id, day):
    for r in reg["residences"].get(child_id, []):
        if active(r["from"], r["to"], day):
            return r
    return None


def month_rows(reg, rules, month, our_code="1281"):
    """{(child, unit, category): (amount, held)} for the month on the count-day basis."""
    d = rules["count_date"] if rules.get("count_date") else count_date(month, **rules["policy"])
    out = {}
    for e in reg["enrollments"]:
        if not active(e["from"], e["to"], d) or not independent_on(reg, e["unit"], d):
            continue
        res = residence_on(reg, e["child"], d)
        if res is not None and res["municipality"] != our_code:
            continue
        held = res is None
        code = category_of(rules, e, reg["children"][e["child"]], d)
        if code is None:
            continue        # the generated registers never have these
        rate = rate_on(rules, code, d)
        if rate is None:
            continue
        key = (e["child"], e["unit"], code)
        amount = component_amounts(rate["base"], rate["premises"])
        prev = out.get(key)
        out[key] = ((prev[0] if prev else 0) + amount, held or (prev[1] if prev else False))
    return out


def paid_of(rows):
    """Only rows that are not held are paid."""
    return {k: a for k, (a, h) in rows.items() if not h}


def differences(expected, paid):
    keys = set(expected) | set(paid)
    out = {}
    for k in keys:
        diff = expected.get(k, Decimal(0)) - paid.get(k, Decimal(0))
        if diff != 0:
            out[k] = diff
    return out

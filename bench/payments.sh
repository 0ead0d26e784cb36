#!/usr/bin/env bash
# Payment benchmark on a Lund-sized register: the example municipality with about 28,000
# children, of whom about 10,000 are placed at 150 independent units. Measures one month
# (skolval.payment_rows() = the C function skolval_payment_rows(), and create_payment_run()
# end to end), against the obvious alternative (one SQL query per month doing the same joins,
# without the checks) and a lower bound (reading the month's enrollments and residences once);
# then twelve locked months reconciled against a changed register. Prints markdown; not a test.
#
#   SKOLVAL_BENCH_CHILDREN (15000) sizes the example municipality (cohort size; the register
#   is about 1.85 times that).
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$SKOLVAL_ROOT"
if [ "$SKOLVAL_EXTERNAL" != 1 ]; then
    bash scripts/cluster.sh start >/dev/null
fi
children=${SKOLVAL_BENCH_CHILDREN:-15000}
db=skolval_bench_payments
dropdb --if-exists "$db" >/dev/null 2>&1; createdb "$db"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval"
q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => $children, seed => 1, network_edges => 20000)" \
  -c "SELECT skolval.set_four_eyes(false, 'payments: one login runs every step; four eyes has its own test')" \
  -c "SELECT count(*) FROM skolval.demo_payments()" -c "VACUUM ANALYZE" >/dev/null

# best of three, in milliseconds, of one SQL statement
best_ms() {
    local sql=$1 best=
    for _ in 1 2 3; do
        local t
        t=$(q -c "SET client_min_messages = warning" -c "\\timing on" -c "$sql" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
        [ -n "$t" ] || { echo "benchmark query failed: $sql" >&2; exit 1; }
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    done
    printf '%.0f' "$best"
}

size=$(q -c "SELECT (SELECT count(*) FROM skolval.child) || ' children in the register, '
              || (SELECT count(DISTINCT e.child_id) FROM skolval.enrollment e JOIN skolval.unit u USING (unit_id)
                   WHERE u.organizer = 'independent' AND e.valid_from <= '2026-09-15' AND (e.valid_to IS NULL OR e.valid_to >= '2026-09-15'))
              || ' placed at ' || (SELECT count(*) FROM skolval.unit WHERE organizer = 'independent') || ' independent units on the count date'")
rows=$(q -c "SELECT count(*) || ' rows, ' || count(*) FILTER (WHERE held) || ' held' FROM skolval.payment_rows('2026-09-01')")

# The obvious alternative: the same month as one SQL query (count day, categories and rates
# by lateral lookups), without any of the checks, supplements or accounts.
naive="SELECT count(*), sum(round(r.base_annual / 12, 2))
  FROM (SELECT skolval.payment_count_date('2026-09-01') AS day) d
  JOIN skolval.enrollment e ON e.valid_from <= d.day AND (e.valid_to IS NULL OR e.valid_to >= d.day)
  JOIN skolval.unit u ON u.unit_id = e.unit_id AND u.organizer = 'independent'
  JOIN skolval.child ch ON ch.child_id = e.child_id
  JOIN skolval.residence res ON res.child_id = e.child_id AND res.municipality_code = '9999'
       AND res.valid_from <= d.day AND (res.valid_to IS NULL OR res.valid_to >= d.day)
  JOIN LATERAL (SELECT c.category_code FROM skolval.payment_category c
                 WHERE c.school_form = e.school_form
                   AND (c.grade_from IS NULL OR e.grade BETWEEN c.grade_from AND c.grade_to)
                   AND (c.age_from IS NULL OR extract(year FROM d.day) - extract(year FROM ch.birth_date)
                        - CASE WHEN d.day < make_date(extract(year FROM d.day)::int, 9, 1) THEN 1 ELSE 0 END
                        BETWEEN c.age_from AND c.age_to)
                   AND (c.hours_over IS NULL OR e.hours_per_week > c.hours_over)
                   AND (c.hours_up_to IS NULL OR e.hours_per_week <= c.hours_up_to) LIMIT 1) c ON true
  JOIN skolval.payment_rate r ON r.category_code = c.category_code AND r.valid_from <= d.day AND (r.valid_to IS NULL OR r.valid_to >= d.day)"
# The lower bound: read the month's enrollments at independent units and their residences once.
floor_sql="SELECT count(*), sum(length(r.municipality_code)) FROM skolval.enrollment e
  JOIN skolval.unit u ON u.unit_id = e.unit_id AND u.organizer = 'independent'
  JOIN skolval.residence r ON r.child_id = e.child_id AND r.valid_from <= '2026-09-30' AND (r.valid_to IS NULL OR r.valid_to >= '2026-09-01')
 WHERE e.valid_from <= '2026-09-30' AND (e.valid_to IS NULL OR e.valid_to >= '2026-09-01')"

t_rows=$(best_ms "SELECT count(*) FROM skolval.payment_rows('2026-09-01')")
t_naive=$(best_ms "$naive")
t_floor=$(best_ms "$floor_sql")
q -c "UPDATE skolval.payment_policy SET basis = 'per_day'"
t_perday=$(best_ms "SELECT count(*) FROM skolval.payment_rows('2026-09-01')")
q -c "UPDATE skolval.payment_policy SET basis = 'count_day'"
t_run=$(best_ms "SELECT rows FROM skolval.create_payment_run('2026-09-01')")

# Twelve months created, approved and locked (a month whose count date is still ahead is only
# approved: it cannot be locked before it), then a changed register reconciled. Approval
# computes the month again to refuse a stale draft: its time is measured on its own.
start=$(date +%s%N)
t_approve=0
for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
    q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.create_payment_run('2026-$m-01')" >/dev/null
    t=$(q -c "SET client_min_messages = warning" -c "\\timing on" \
          -c "SELECT status FROM skolval.approve_payment_run((SELECT run_id FROM skolval.payment_run WHERE month = '2026-$m-01'))" \
        | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
    t_approve=$(awk "BEGIN{print $t_approve + $t}")
    q -c "SET client_min_messages = warning" \
      -c "SELECT (skolval.lock_payment_run(r.run_id)).status FROM skolval.payment_run r WHERE r.month = '2026-$m-01' AND r.count_date <= current_date" >/dev/null
done
t_year=$(( ($(date +%s%N) - start) / 1000000 ))
t_approve=$(printf '%.0f' "$(awk "BEGIN{print $t_approve / 12}")")
# Late reports: one placement in fifty in fact ended on 30 April.
q -c "UPDATE skolval.enrollment SET valid_to = '2026-04-30' WHERE enrollment_id % 50 = 0 AND valid_from < '2026-04-30' AND (valid_to IS NULL OR valid_to > '2026-04-30')" >/dev/null
t_rec=$(best_ms "SELECT count(*) FROM skolval.reconcile_payments('2026-01-01', '2026-12-01')")
diffs=$(q -c "SELECT count(*) || ' differences, net ' || sum(difference) || ' kr' FROM skolval.reconcile_payments('2026-01-01', '2026-12-01')")

echo "Register: $size; September 2026: $rows."
echo
echo "| what | time (best of 3) |"
echo "|---|---|"
echo "| one month, payment_rows() (C, count day) | $t_rows ms |"
echo "| one month, payment_rows() (C, per day) | $t_perday ms |"
echo "| one month, create_payment_run() end to end (rows, issues, data_issue list, totals) | $t_run ms |"
echo "| obvious alternative: the month as one SQL query, no checks | $t_naive ms |"
echo "| lower bound: reading the month's enrollments and residences | $t_floor ms |"
echo "| twelve months created, approved and locked (once) | $t_year ms |"
echo "| approval of one month's draft, with the fresh computation that refuses a stale one (mean of 12) | $t_approve ms |"
echo "| reconciliation of twelve paid months on their stored rules ($diffs) | $t_rec ms |"
dropdb "$db"

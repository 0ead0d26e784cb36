#!/usr/bin/env bash
# Long document functions answer a cancel within a second (issue 11, item 9). A 10 MB name
# (letter: the child's; statement: the unit's) makes the letter and the statement lay out
# thousands of pages; each is cancelled with pg_cancel_backend() at several moments of its
# work (early in the layout, late in it) and must end with 57014 within a second. The same
# documents are first made whole, to show that the work is linear (10 MB takes about ten
# times 1 MB) and that the cancel really interrupted something still running.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
db=skolval_test_documents_cancel
scratch_db "$db"
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
q() { "${PSQL[@]}" -d "$db" "$@"; }

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 60, seed => 5, network_edges => 600)" \
  -c "SELECT skolval.set_four_eyes(false, 'one login plays every part in this test (test/scripts/documents_cancel.sh); four_eyes.sh tests two people')" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" >/dev/null
# The tables refuse names over 200 characters (sql/common/bounds.tables.sql); the layout must
# still be linear and answer a cancel whatever text reaches it (a database restored from an
# older version, a superuser's UPDATE): in this scratch database the two bounds are dropped.
q -c "ALTER TABLE skolval.child DROP CONSTRAINT IF EXISTS child_given_name_at_most_200_characters" \
  -c "ALTER TABLE skolval.unit DROP CONSTRAINT IF EXISTS unit_name_at_most_200_characters"
# Two children get a 1 MB and a 10 MB name before the run is published (a published run's
# letters show the names as they were when it was published).
read -r child1 child10 <<<"$(q -F ' ' -c "SELECT min(child_id), max(child_id) FROM skolval.wish WHERE round_id = 1")"
q -c "UPDATE skolval.child SET given_name = repeat('Abcdefghij', 100000) WHERE child_id = $child1"
q -c "UPDATE skolval.child SET given_name = repeat('Abcdefghij', 1000000) WHERE child_id = $child10"
q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1)" -c "SELECT skolval.override_blocking_issues(1, 'test: the example''s unconfirmed sibling claims are known')" -c "SELECT run_id FROM skolval.publish(1)" \
  -c "SELECT count(*) FROM skolval.demo_payments()" -c "SELECT skolval.create_payment_run('2026-03-01')" >/dev/null
unit=$(q -c "SELECT min(unit_id) FROM skolval.payment_row WHERE run_id = 1")

# The layout of a name of n bytes, in seconds (the document made whole).
timed() {
    local sql=$1 t0 t1
    t0=$(date +%s.%N)
    q -c "SET client_min_messages = error" -c "SELECT length($sql)" >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
letter_sql() { [ "$1" = 1 ] && echo "skolval.decision_letter(1, $child1)" || echo "skolval.decision_letter(1, $child10)"; }
# the payment run is a draft: its statement shows the unit's name as it is now
statement_sql() { q -c "UPDATE skolval.unit SET name = repeat('Enhetsnamn ', $1 * 1000000 / 11) WHERE unit_id = $unit"; echo "skolval.payment_statement(1, $unit)"; }

# Start sql in its own session, cancel it after delay seconds, and return the cancel's latency.
cancel_after() {
    local sql=$1 delay=$2 label=$3 pid backend t0 t1 latency try
    # on a loaded machine the document may take longer or shorter than measured: when it has
    # finished before the cancel, try again a little earlier (three times at most)
    for try in 1 2 3 4; do
        "${PSQL[@]}" -d "$db" -c "SET application_name = 'skolval_cancel_me'" -c "SET client_min_messages = error" \
            -c "SELECT length($sql)" >"$work/out" 2>"$work/err" &
        pid=$!
        sleep "$delay"
        backend=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'skolval_cancel_me' AND state = 'active'")
        [ -z "$backend" ] || break
        wait "$pid" || true
        [ "$try" -lt 4 ] || fail "$label: finished within ${delay}s, before the cancel, four times"
        delay=$(awk -v d="$delay" 'BEGIN { printf "%.2f", d * 0.7 }')
    done
    t0=$(date +%s.%N)
    q -c "SELECT pg_cancel_backend($backend)" >/dev/null
    wait "$pid" && fail "$label: was not cancelled (it returned $(cat "$work/out"))" || true
    t1=$(date +%s.%N)
    grep -q 'canceling statement due to user request' "$work/err" || fail "$label: ended with: $(cat "$work/err")"
    latency=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    # the latency includes starting psql for the cancel; on a loaded machine that alone can take
    # a good part of a second, so what must stay under a second is the latency beyond a trivial
    # psql call measured right after
    t0=$(date +%s.%N); q -c "SELECT 1" >/dev/null; t1=$(date +%s.%N)
    base=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    awk -v l="$latency" -v b="$base" 'BEGIN { exit !(l - b < 1) }' \
        || fail "$label: the cancel took ${latency}s (a trivial psql call ${base}s)"
    printf 'ok: %s: cancelled after %ss, ended %.3fs after pg_cancel_backend (a trivial psql call %.3fs)\n' "$label" "$delay" "$latency" "$base"
}

for doc in letter statement; do
    t1=$(timed "$(${doc}_sql 1)")
    sql=$(${doc}_sql 10)
    t10=$(timed "$sql")
    ratio=$(awk -v a="$t1" -v b="$t10" 'BEGIN { printf "%.1f", b / a }')
    printf 'ok: %s: 1 MB in %.2fs, 10 MB in %.2fs (ratio %s)\n' "$doc" "$t1" "$t10" "$ratio"
    awk -v r="$ratio" 'BEGIN { exit !(r < 25) }' || fail "$doc: 10 MB takes $ratio times 1 MB: not linear"
    awk -v t="$t10" 'BEGIN { exit !(t > 1) }' || fail "$doc: 10 MB took only ${t10}s: too short to cancel in the middle"
    # cancel early, in the middle and late in the work: the pages are written last, and the
    # last tenth or so is libharu saving (deflating) them in one library call, which sees a
    # cancel through the allocator it asks for each 4 kB block (src/documents/pdf_common.c)
    for frac in 0.15 0.5 0.8 0.93; do
        cancel_after "$sql" "$(awk -v t="$t10" -v f="$frac" 'BEGIN { printf "%.2f", t * f }')" "$doc (10 MB)"
    done
done
# The backend is still there and well: the next document is made.
q -c "SELECT length(skolval.placement_map_svg(1)) > 0" | grep -qx t || fail "the map after the cancels"
echo "ok: the session works after the cancels"

#!/usr/bin/env bash
# Delivery benchmark (issue 15): queueing the decisions of a published run for every guardian
# and channel, against the obvious alternative (making each letter's PDF when it is queued, as a
# first attempt did) and a lower bound (inserting the same number of bare rows); claiming a
# batch of digital-mailbox rows (PDFs made then); the print file of a batch of paper letters.
# Prints a markdown table; not a test.
#
#   SKOLVAL_BENCH_CHILDREN (1500) sizes the example municipality.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$SKOLVAL_ROOT"
if [ "$SKOLVAL_EXTERNAL" != 1 ]; then
    bash scripts/cluster.sh start >/dev/null
fi
children=${SKOLVAL_BENCH_CHILDREN:-1500}
db=skolval_bench_delivery
dropdb --if-exists "$db" >/dev/null 2>&1; createdb "$db"
trap '[ -n "${KEEP:-}" ] || dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval"
q -v children="$children" <<'SQL' >/dev/null
SET client_min_messages = warning;
SELECT count(*) FROM skolval.demo_municipality(children => :children, seed => 1, network_edges => 30000);
SELECT skolval.set_four_eyes(false, 'benchmark');
SELECT count(*) FROM skolval.compute_distances(1);
SELECT count(*) FROM skolval.allocate(1);
SELECT count(*) FROM skolval.demo_guardians(1);
SELECT count(*) FROM skolval.set_decision_maker(1, 'Handläggare', 'Karin Lind', 'Delegationsordningen punkt 4.2');
SELECT count(*) FROM skolval.override_blocking_issues(1, 'benchmark: the example''s unconfirmed sibling claims are known');
ANALYZE;
SQL
ms() {  # ms SQL -> milliseconds
    q <<SQL
SET client_min_messages = warning;
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
$1;
SELECT round((extract(epoch FROM clock_timestamp()) - :t0) * 1000);
SQL
}
# publishing: the run's record (every child's route, skolval._routes()) and the case numbers
pub=$(ms "SELECT count(*) FROM skolval.publish(1)" | tail -1)
q -c "ANALYZE" >/dev/null
# lower bound: the same number of rows, ids only, into a scratch table
lower=$(ms "CREATE TABLE scratch AS SELECT d.run_id, d.child_id, k.guardian_id, ch FROM skolval.decision d
              JOIN skolval.custody k USING (child_id) CROSS JOIN (VALUES ('a'), ('b')) c(ch); DROP TABLE scratch" | tail -1)
enq=$(ms "SELECT count(*) FROM skolval.delivery_enqueue(1)" | tail -1)
rows=$(q -c "SELECT count(*) FROM skolval.outbox")
# the alternative: a PDF per letter at queueing time, measured on 50 letters and scaled
pdf50=$(ms "SELECT sum(length(skolval.delivery_letter(outbox_id))) FROM (SELECT outbox_id FROM skolval.outbox ORDER BY outbox_id LIMIT 50) x" | tail -1)
claim=$(ms "SELECT count(*) FROM skolval.outbox_claim('digital_mailbox', 100, 'bench')" | tail -1)
q -c "SELECT count(*) FROM skolval.outbox_claim('paper', 200, 'bench')" >/dev/null
batch=$(q -c "SELECT max(batch_id) FROM skolval.outbox_batch WHERE channel = 'paper'")
letters=$(q -c "SELECT count(*) FROM skolval.outbox WHERE batch_id = $batch")
print=$(ms "SELECT length(skolval.delivery_print_file($batch))" | tail -1)
size=$(q -c "SELECT pg_size_pretty(length(skolval.delivery_print_file($batch))::bigint)")
echo "| what | rows | ms | per row |"
echo "|---|---:|---:|---:|"
printf '| publish(): record (routes of every child) and case numbers | %s | %s | %s ms |\n' "$children" "$pub" "$(echo "scale=3; $pub / $children" | bc)"
printf '| lower bound: the same rows, ids only | %s | %s | %s ms |\n' "$rows" "$lower" "$(echo "scale=3; $lower / $rows" | bc)"
printf '| delivery_enqueue(): every row with its JSON, one statement | %s | %s | %s ms |\n' "$rows" "$enq" "$(echo "scale=3; $enq / $rows" | bc)"
printf '| alternative: a PDF per letter when queued (50 measured, scaled) | %s | %s | %s ms |\n' "$rows" "$(( pdf50 * rows / 50 ))" "$(echo "scale=1; $pdf50 / 50" | bc)"
printf '| outbox_claim(): 100 digital-mailbox rows, PDFs made | 100 | %s | %s ms |\n' "$claim" "$(echo "scale=1; $claim / 100" | bc)"
printf '| delivery_print_file(): one batch of paper letters (%s) | %s | %s | %s ms |\n' "$size" "$letters" "$print" "$(echo "scale=1; $print / $letters" | bc)"

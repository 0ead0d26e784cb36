#!/usr/bin/env bash
# Placement benchmark: the matching inside the database (skolval._match, the C function
# skolval_allocate) on synthetic instances of Lund, Stockholm and national size, the same core
# as plain C without PostgreSQL (the lower bound), and allocate() end to end on the example
# municipality. Prints a markdown table; not a test.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$SKOLVAL_ROOT"
if [ "$SKOLVAL_EXTERNAL" != 1 ]; then
    bash scripts/cluster.sh start >/dev/null
fi
db=skolval_bench_placement
dropdb --if-exists "$db" >/dev/null 2>&1; createdb "$db"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval"

# Plain C: the core alone, compiled with -O2 (the placement test program prints its timings).
bin=$(mktemp)
cc -O2 -std=gnu11 -I src test/c/placement_test.c $(ls src/placement/*.c | grep -v _sql.c) src/common/prng.c -lm -o "$bin"
c_times=$("$bin" | grep 'timing' || true)
rm -f "$bin"

echo "| instance | wishes | units | _match in the database (best of 3) | backend peak memory | plain C core |"
echo "|---|---|---|---|---|---|"
for spec in "1500 3 40" "10500 5 150" "120000 5 4800"; do
    read -r n w u <<<"$spec"
    # A synthetic instance: popular units draw more wishes; 7 keys per wish like a real round.
    q -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS inst"
    q <<SQL
CREATE TABLE inst AS
WITH wishes AS (
  SELECT c, k, ((floor(pow(skolval.seeded_random(1, 'unit', c * 10 + k), 2) * $u)::int + k * 7) % $u) AS unit
    FROM generate_series(0, $n - 1) c, generate_series(1, $w) k),
dedup AS (SELECT DISTINCT ON (c, unit) c, k, unit FROM wishes ORDER BY c, unit, k),
ranked AS (SELECT c, unit, row_number() OVER (PARTITION BY c ORDER BY k) AS r FROM dedup)
SELECT (SELECT array_agg(((1.05 * $n / $u)::int + 1) ORDER BY j) FROM generate_series(0, $u - 1) j) AS cap,
       (SELECT array_agg(s ORDER BY c) FROM (
          SELECT c, (sum(cnt) OVER (ORDER BY c) - cnt)::int AS s FROM (SELECT c, count(*) AS cnt FROM ranked GROUP BY c) x
          UNION ALL SELECT $n, (SELECT count(*) FROM ranked)::int) y) AS st,
       (SELECT array_agg(unit ORDER BY c, r) FROM ranked) AS un,
       (SELECT array_agg(v ORDER BY c, r, o) FROM ranked,
          LATERAL unnest(ARRAY[floor(skolval.seeded_random(2, 'nh', c * 10000 + unit) * 2), 0,
                               floor(skolval.seeded_random(2, 'sib', c * 10000 + unit) * 1.2),
                               -skolval.seeded_random(2, 'rn', c * 10000 + unit) * 1000,
                               skolval.seeded_random(2, 'd', c * 10000 + unit) * 3000,
                               skolval.seeded_random(2, 'lottery', c), c]) WITH ORDINALITY z(v, o)) AS keys;
SQL
    best=""
    for i in 1 2 3; do
        ms=$(q <<'SQL' | tail -n 1
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT cardinality((skolval._match('deferred_acceptance', cap, st, un, 7, keys)).assigned_wish) FROM inst;
SELECT round((extract(epoch FROM clock_timestamp()) - :t0) * 1000, 1);
SQL
)
        if [ -z "$best" ] || awk "BEGIN{exit !($ms < $best)}"; then best=$ms; fi
    done
    # Peak memory of a fresh backend that only runs the matching.
    mem=$(q <<'SQL' 2>/dev/null | grep VmHWM | awk '{print $2}' || true
SELECT pg_backend_pid() AS pid \gset
SELECT cardinality((skolval._match('deferred_acceptance', cap, st, un, 7, keys)).assigned_wish) FROM inst;
SELECT pg_read_file('/proc/' || :pid || '/status');
SQL
)
    c_ms=$(grep "$n children x $w wishes x $u units" <<<"$c_times" | sed 's/.*: DA \([0-9.]* ms\).*/\1/')
    echo "| $n children | $w | $u | $best ms | ${mem:-?} kB | ${c_ms:-?} |"
done

echo
echo "| example municipality | allocate() end to end | placements | first choice | administrative |"
echo "|---|---|---|---|---|"
for n in 1500 10500; do
    q -c "SET client_min_messages = warning" \
      -c "SELECT count(*) FROM skolval.demo_municipality(children => $n, seed => 1, network_edges => 30000, replace => true)" \
      -c "SELECT skolval.set_four_eyes(false, 'placement: one login runs every step; four eyes has its own test')" \
      -c "SELECT count(*) FROM skolval.compute_distances(1)" >/dev/null
    q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1)" >/dev/null   # warm-up
    line=$(q -F' | ' -c "SET client_min_messages = warning" \
             -c "SELECT children, milliseconds, first_choice, administrative FROM skolval.allocate(1)" | tail -n 1)
    read -r ch _ ms _ fc _ adm <<<"$line"
    units=$(q -c "SELECT count(*) FROM skolval.round_capacity")
    echo "| $n children, $units units | $ms ms | $ch | $fc | $adm |"
done
dropdb "$db"

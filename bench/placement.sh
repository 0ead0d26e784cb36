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
echo "allocate() end to end on the example municipality (a what-if run, best of 3 in one session after a warm-up),"
echo "against a lower bound measured in the same session: reading the rows of the round allocate() reads"
echo "(cohort, homes, wishes, capacities, units, siblings, each child's two nearest units, the wished units'"
echo "distances, the candidates of the children placed administratively) once and writing the run's rows"
echo "(the same rows, copied: INSERT ... SELECT, rolled back)."
echo
echo "| example municipality | allocate() end to end | lower bound (read + write) | ratio | placements | administrative |"
echo "|---|---|---|---|---|---|"
stats_rows=""
for n in ${SKOLVAL_BENCH_CHILDREN:-1500 10500}; do
    q -c "SET client_min_messages = warning" \
      -c "SELECT count(*) FROM skolval.demo_municipality(children => $n, seed => 1, network_edges => 30000, replace => true)" \
      -c "SELECT count(*) FROM skolval.compute_distances(1)" -c "ANALYZE" >/dev/null
    measure() {
        q <<'SQL' | tail -n 1
SET client_min_messages = warning;
SELECT run_id AS warm FROM skolval.allocate(1, what_if => true) \gset
CREATE TEMP TABLE t (ms float8);
DO $$
DECLARE t0 timestamptz; rid bigint;
BEGIN
  FOR i IN 1..3 LOOP
    t0 := clock_timestamp();
    SELECT run_id INTO rid FROM skolval.allocate(1, what_if => true);
    INSERT INTO t VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
END $$;
-- The lower bound: the same reads and writes in plain SQL, best of 3.
CREATE TEMP TABLE lb (ms float8);
DO $$
DECLARE t0 timestamptz; rid bigint; src bigint; n bigint; res bigint[]; munis bigint[];
BEGIN
  SELECT max(run_id) INTO src FROM skolval.placement_run;
  SELECT array_agg(unit_id) INTO munis FROM skolval.unit WHERE organizer = 'municipal';
  FOR i IN 1..3 LOOP
    t0 := clock_timestamp();
    SELECT count(*) INTO n FROM skolval.placement_round WHERE round_id = 1;
    SELECT count(*) INTO n FROM skolval.round_cohort WHERE round_id = 1;
    SELECT array_agg(residence_id) INTO res FROM skolval.round_home WHERE round_id = 1;
    SELECT count(*) INTO n FROM skolval.wish WHERE round_id = 1;
    SELECT count(*) INTO n FROM skolval.round_capacity WHERE round_id = 1;
    SELECT count(*) INTO n FROM skolval.unit;
    SELECT count(*) INTO n FROM skolval.sibling;
    SELECT count(*) INTO n FROM (SELECT d.unit_id FROM unnest(res) r CROSS JOIN LATERAL (
        SELECT d.unit_id FROM skolval.distance d WHERE d.network_id = 1 AND d.residence_id = r AND d.status = 'ok'
           AND d.unit_id = ANY (munis) ORDER BY d.walking_m, d.unit_id LIMIT 2) d) x;
    SELECT count(*) INTO n FROM skolval.placement_wish w JOIN skolval.round_home h ON h.round_id = 1 AND h.child_id = w.child_id
      CROSS JOIN LATERAL (SELECT d.walking_m FROM skolval.distance d WHERE d.network_id = 1 AND d.residence_id = h.residence_id
                             AND d.unit_id = w.unit_id LIMIT 1) d WHERE w.run_id = src;
    SELECT count(*) INTO n FROM skolval.placement p JOIN skolval.round_home h ON h.round_id = 1 AND h.child_id = p.child_id
      CROSS JOIN LATERAL (SELECT d.unit_id FROM skolval.distance d WHERE d.network_id = 1 AND d.residence_id = h.residence_id
                             AND d.status = 'ok' ORDER BY d.walking_m, d.unit_id LIMIT 100) d
     WHERE p.run_id = src AND p.kind = 'administrative';
    INSERT INTO skolval.placement_run (round_id, mechanism, admin_policy, what_if, criteria, lottery_seed, near_home_distance_m,
           network_id, network_hash, input_fingerprint, children, by_wish, first_choice, near_home_offer, administrative,
           total_walking_m, milliseconds, created_by)
    SELECT round_id, mechanism, admin_policy, true, criteria, lottery_seed, near_home_distance_m, network_id, network_hash,
           input_fingerprint, children, by_wish, first_choice, near_home_offer, administrative, total_walking_m, milliseconds, created_by
      FROM skolval.placement_run WHERE run_id = src RETURNING run_id INTO rid;
    INSERT INTO skolval.placement_unit SELECT rid, unit_id, seats, applicants, first_choice_applicants, admitted, placed,
           oversubscribed, cutoff_child_id, cutoff_values, cutoff_sv FROM skolval.placement_unit WHERE run_id = src;
    -- fresh values (not the stored, already compressed ones): what allocate() writes
    INSERT INTO skolval.placement_wish SELECT rid, child_id, rank, unit_id, implicit, outcome, decisive_criterion,
           (child_values::text)::jsonb, (cutoff_values::text)::jsonb, explanation_sv || '' FROM skolval.placement_wish WHERE run_id = src;
    INSERT INTO skolval.placement SELECT rid, child_id, unit_id, kind, wish_rank, walking_m, decisive_criterion, lottery_number,
           decision_sv || '', motivation_sv || '', (explanation::text)::jsonb FROM skolval.placement WHERE run_id = src;
    INSERT INTO lb VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000);
    DELETE FROM skolval.placement_run WHERE run_id = rid;
  END LOOP;
END $$;
SELECT round(min(t.ms)) || ' ' || round((SELECT min(ms) FROM lb)) || ' ' || round((min(t.ms) / (SELECT min(ms) FROM lb))::numeric, 1)
       || ' ' || (SELECT children || ' ' || administrative FROM skolval.placement_run ORDER BY run_id DESC LIMIT 1) FROM t;
SQL
    }
    read -r ms lb ratio ch adm <<<"$(measure)"
    units=$(q -c "SELECT count(*) FROM skolval.round_capacity")
    echo "| $n children, $units units | $ms ms | $lb ms | ${ratio}x | $ch | $adm |"
    # The same round with every statistic removed (a round copied in, no ANALYZE yet).
    q >/dev/null <<'SQL'
DO $$ DECLARE t regclass; BEGIN
  FOR t IN SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'skolval'::regnamespace AND c.relkind = 'r' LOOP
    EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false)', t); END LOOP; END $$;
DELETE FROM pg_statistic s USING pg_class c WHERE c.oid = s.starelid AND c.relnamespace = 'skolval'::regnamespace;
UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 WHERE relnamespace = 'skolval'::regnamespace AND relkind IN ('r', 'i');
SQL
    read -r ms lb ratio ch adm <<<"$(measure)"
    stats_rows+="| $n children, no statistics (never analysed) | $ms ms | $lb ms | ${ratio}x | $ch | $adm |"$'\n'
    q -c "RESET ALL" -c "ANALYZE" >/dev/null
done
printf '%s' "$stats_rows"
dropdb "$db"

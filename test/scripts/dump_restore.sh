#!/usr/bin/env bash
# Backups: pg_dump of a database with the example municipality, a published placement run and
# audit entries, restored with psql into a new database, is identical table by table (every
# row, the identity sequences, the privileges), and the restored database works.
#
# The restore follows doc/operations.md: the schema (pre-data, which creates the extension),
# then skolval.set_triggers(false), the rows (data), skolval.set_triggers(true), then
# post-data, all in one transaction, as a superuser. The triggers fire ALWAYS, so the old advice
# (session_replication_role = replica) no longer switches them off: without set_triggers the
# audit triggers log the restore as new changes and collide with the restored log, and a
# published run refuses its own placements.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ "$("${PSQL[@]}" -d postgres -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" = t ] \
    || skip "not connected as a superuser: a restore with skolval.set_triggers() needs one"
require_cmd pg_dump
src=skolval_test_dump_source dst=skolval_test_dump_restored
scratch_db $src
trap 'dropdb --if-exists $src >/dev/null 2>&1 || true; dropdb --if-exists $dst >/dev/null 2>&1 || true; rm -f /tmp/skolval-dump.$$.*' EXIT
q() { local db=$1; shift; "${PSQL[@]}" -d "$db" "$@"; }

q $src -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 200, seed => 4, network_edges => 2000, replace => true)" \
  -c "SELECT skolval.set_four_eyes(false, 'dump_restore: one login runs every step; four eyes has its own test')" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" \
  -c "SELECT run_id FROM skolval.allocate(1)" -c "SELECT skolval.override_blocking_issues(1, 'test: the example''s unconfirmed sibling claims are known')" -c "SELECT status FROM skolval.publish(1)" \
  -c "UPDATE skolval.child SET given_name = 'Ändrad' WHERE child_id = 1" >/dev/null
echo "ok: source database: example municipality (200 children), distances, a published run, audit entries"

# Every table of the extension: row count and an md5 over its rows in a fixed order; the
# identity sequences; the privileges of every table, view and function.
describe() {
    q "$1" <<'SQL'
DO $$
DECLARE
  t regclass;
  n bigint;
  h text;
BEGIN
  CREATE TEMP TABLE d (line text);
  FOR t IN SELECT unnest(extconfig) FROM pg_extension WHERE extname = 'skolval' ORDER BY 1 LOOP
    IF (SELECT relkind FROM pg_class WHERE oid = t) = 'r' THEN
      EXECUTE format('SELECT count(*), md5(coalesce(string_agg(x::text, E''\n'' ORDER BY x::text), '''')) FROM %s x', t) INTO n, h;
      INSERT INTO d VALUES (format('table %s %s %s', t, n, h));
    ELSE
      EXECUTE format('SELECT last_value FROM %s', t) INTO n;
      INSERT INTO d VALUES (format('sequence %s %s', t, n));
    END IF;
  END LOOP;
END $$;
SELECT line FROM d
UNION ALL
SELECT 'acl ' || c.oid::regclass || ' ' || coalesce(c.relacl::text, '') FROM pg_class c
 WHERE c.relnamespace = 'skolval'::regnamespace AND c.relkind IN ('r', 'v')
UNION ALL
SELECT 'acl ' || p.oid::regprocedure || ' ' || coalesce(p.proacl::text, '') FROM pg_proc p
 WHERE p.pronamespace = 'skolval'::regnamespace
ORDER BY 1;
SQL
}
describe $src > /tmp/skolval-dump-src.$$

t0=$(date +%s%N)
pg_dump -Fc -d $src -f /tmp/skolval-dump.$$.fc
dump_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
for section in pre-data data post-data; do
    pg_restore --section=$section -f /tmp/skolval-dump.$$.$section.sql /tmp/skolval-dump.$$.fc
done
cat /tmp/skolval-dump.$$.pre-data.sql /tmp/skolval-dump.$$.data.sql /tmp/skolval-dump.$$.post-data.sql > /tmp/skolval-dump.$$.sql
dropdb --if-exists $dst >/dev/null 2>&1 || true
createdb $dst
t0=$(date +%s%N)
psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d $dst -f /tmp/skolval-dump.$$.pre-data.sql \
     -c "SELECT skolval.set_triggers(false)" -f /tmp/skolval-dump.$$.data.sql \
     -c "SELECT skolval.set_triggers(true)" -f /tmp/skolval-dump.$$.post-data.sql >/dev/null
restore_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "ok: pg_dump ($dump_ms ms, $(( $(stat -c %s /tmp/skolval-dump.$$.fc) / 1024 )) kB) restored with psql into a new database, triggers off while the rows were copied ($restore_ms ms)"
assert_eq "every trigger of the restored extension fires ALWAYS again" "A" \
    "$(q $dst -c "SELECT string_agg(DISTINCT tgenabled::text, ',') FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                  WHERE c.relnamespace = 'skolval'::regnamespace AND NOT t.tgisinternal")"

describe $dst > /tmp/skolval-dump-dst.$$
if ! diff -u /tmp/skolval-dump-src.$$ /tmp/skolval-dump-dst.$$ > /tmp/skolval-dump.diff.$$; then
    head -40 /tmp/skolval-dump.diff.$$
    rm -f /tmp/skolval-dump-*.$$ /tmp/skolval-dump.diff.$$
    fail "the restored database differs from the source (diff above: - source, + restored)"
fi
echo "ok: every table ($(grep -c '^table' /tmp/skolval-dump-src.$$)), identity sequence and privilege is identical after the restore"
assert_eq "audit entries restored (none added by the restore)" \
    "$(q $src -c "SELECT count(*) FROM skolval.audit_log")" "$(q $dst -c "SELECT count(*) FROM skolval.audit_log")"
rm -f /tmp/skolval-dump-*.$$ /tmp/skolval-dump.diff.$$

# The restored database works: the published run stays frozen, a what-if run reproduces it
# (same input fingerprint, same units), and the audit log continues.
err=$(q $dst -c "DELETE FROM skolval.placement WHERE run_id = 1" 2>&1 || true)
grep -q "placement run 1 is published" <<<"$err" || fail "the restored published run is not frozen: $err"
echo "ok: the restored published run is still frozen"
run=$(q $dst -c "SELECT run_id FROM skolval.allocate(1, what_if => true)")
assert_eq "a what-if run on the restored data: next run id, same fingerprint, same units" "2|true|0" \
    "$(q $dst -c "SELECT $run || '|' || (SELECT count(DISTINCT input_fingerprint) = 1 FROM skolval.placement_run) || '|' ||
                  (SELECT count(*) FROM skolval.placement a JOIN skolval.placement b ON b.child_id = a.child_id AND b.run_id = $run
                    WHERE a.run_id = 1 AND a.unit_id <> b.unit_id)")"
mark=$(q $src -c "SELECT max(audit_id) FROM skolval.audit_log")
assert_eq "the audit log continues after the restored entries" "$((mark + 1))|allocate|$run" \
    "$(q $dst -c "SELECT string_agg(audit_id || '|' || action || '|' || (row_key ->> 'run_id'), ',') FROM skolval.audit_log WHERE audit_id > $mark")"

# The old advice, a restore in session_replication_role = replica, now stops: the triggers
# fire in every replication role (kept as a check that doc/operations.md tells the truth).
dropdb --if-exists $dst >/dev/null 2>&1 || true
createdb $dst
if PGOPTIONS='-c session_replication_role=replica' \
    psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d $dst -f /tmp/skolval-dump.$$.sql >/dev/null 2>/tmp/skolval-dump.err.$$; then
    rm -f /tmp/skolval-dump.err.$$
    fail "a restore in replica mode (triggers not fired) now works: the triggers no longer fire ALWAYS"
fi
grep -q 'audit_log\|is published' /tmp/skolval-dump.err.$$ || { cat /tmp/skolval-dump.err.$$; rm -f /tmp/skolval-dump.err.$$; fail "a replica-mode restore failed for another reason"; }
rm -f /tmp/skolval-dump.err.$$ /tmp/skolval-dump.$$.*
echo "ok: a restore in replica mode stops (the audit triggers and guards fire ALWAYS), as documented"

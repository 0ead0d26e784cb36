#!/usr/bin/env bash
# ALTER EXTENSION skolval UPDATE from every released version: data survives, and the upgraded
# schema is identical to a fresh install of the current version (every table, column,
# constraint, index, trigger, function body and setting, view, comment and grant).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
q() { local db=$1; shift; "${PSQL[@]}" -d "$db" "$@"; }

current=$("${PSQL[@]}" -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'skolval'")
olds=$("${PSQL[@]}" -d postgres -c "SELECT string_agg(version, ' ' ORDER BY version) FROM pg_available_extension_versions WHERE name = 'skolval' AND version <> '$current'")
[ -n "$olds" ] || fail "no earlier version of skolval is installed next to $current"

# A description of everything the extension owns, independent of OIDs and creation order.
describe() {
    q "$1" <<'SQL'
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'skolval'),
rels AS (
  SELECT c.oid, c.relname, c.relkind FROM pg_class c JOIN pg_depend d ON d.objid = c.oid
   AND d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND d.refobjid = (SELECT oid FROM ext))
SELECT x FROM (
  SELECT 'rel ' || relname || ' ' || relkind::text FROM rels
  UNION ALL
  SELECT 'col ' || r.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
         || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
         || coalesce(' identity ' || nullif(a.attidentity::text, ''), '')
         || coalesce(' -- ' || col_description(r.oid, a.attnum), '')
    FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
  UNION ALL
  SELECT 'con ' || r.relname || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid)
    FROM rels r JOIN pg_constraint c ON c.conrelid = r.oid
  UNION ALL
  SELECT 'idx ' || pg_get_indexdef(i.indexrelid) FROM rels r JOIN pg_index i ON i.indrelid = r.oid
  UNION ALL
  SELECT 'trg ' || pg_get_triggerdef(t.oid) FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
  UNION ALL
  SELECT 'view ' || relname || ' ' || pg_get_viewdef(oid) FROM rels WHERE relkind IN ('v', 'm')
  UNION ALL
  SELECT 'comment ' || relname || ' ' || coalesce(obj_description(oid, 'pg_class'), '') FROM rels
  UNION ALL
  SELECT 'acl ' || r.relname || ' ' || coalesce(array_to_string(array(SELECT unnest(c.relacl)::text ORDER BY 1), ','), '')
    FROM rels r JOIN pg_class c ON c.oid = r.oid
  UNION ALL
  SELECT 'fn ' || p.oid::regprocedure || ' ' || pg_get_functiondef(p.oid)
         || coalesce(' -- ' || obj_description(p.oid, 'pg_proc'), '')
         || coalesce(' acl ' || array_to_string(array(SELECT unnest(p.proacl)::text ORDER BY 1), ','), '')
    FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
     AND d.deptype = 'e' AND d.refobjid = (SELECT oid FROM ext) WHERE p.prokind <> 'a'
  UNION ALL
  SELECT 'type ' || t.oid::regtype || ' ' || coalesce(obj_description(t.oid, 'pg_type'), '')
    FROM pg_type t JOIN pg_depend d ON d.objid = t.oid AND d.classid = 'pg_type'::regclass
     AND d.deptype = 'e' AND d.refobjid = (SELECT oid FROM ext)
  UNION ALL
  SELECT 'dump ' || unnest(extconfig)::regclass::text FROM pg_extension WHERE extname = 'skolval'
) s(x) ORDER BY x;
SQL
}

trap 'for d in skolval_test_fresh skolval_test_upgraded; do dropdb --if-exists $d >/dev/null 2>&1 || true; done' EXIT
dropdb --if-exists skolval_test_fresh >/dev/null 2>&1 || true
createdb skolval_test_fresh
q skolval_test_fresh -c "CREATE EXTENSION skolval CASCADE" 2>/dev/null
describe skolval_test_fresh > /tmp/skolval-fresh.$$

for old in $olds; do
    dropdb --if-exists skolval_test_upgraded >/dev/null 2>&1 || true
    createdb skolval_test_upgraded
    q skolval_test_upgraded -c "SET client_min_messages = warning" \
        -c "CREATE EXTENSION skolval VERSION '$old' CASCADE" \
        -c "SELECT count(*) FROM skolval.demo_municipality(children => 60, seed => 3, network_edges => 800)" >/dev/null
    before=$(q skolval_test_upgraded -c "SELECT (SELECT count(*) FROM skolval.child) || '|' || (SELECT count(*) FROM skolval.wish) || '|' || (SELECT count(*) FROM skolval.edge)")
    q skolval_test_upgraded -c "ALTER EXTENSION skolval UPDATE" 2>&1 | grep -v '^$' || true
    assert_eq "version after ALTER EXTENSION UPDATE from $old" "$current" \
        "$(q skolval_test_upgraded -c "SELECT extversion FROM pg_extension WHERE extname = 'skolval'")"
    assert_eq "register rows kept through the upgrade from $old" "$before" \
        "$(q skolval_test_upgraded -c "SELECT (SELECT count(*) FROM skolval.child) || '|' || (SELECT count(*) FROM skolval.wish) || '|' || (SELECT count(*) FROM skolval.edge)")"
    describe skolval_test_upgraded > /tmp/skolval-upgraded.$$
    if ! diff -u /tmp/skolval-fresh.$$ /tmp/skolval-upgraded.$$ > /tmp/skolval-upgrade.diff.$$; then
        head -60 /tmp/skolval-upgrade.diff.$$
        rm -f /tmp/skolval-*.$$
        fail "the schema upgraded from $old differs from a fresh install of $current (diff above: - fresh, + upgraded)"
    fi
    echo "ok: schema upgraded from $old equals a fresh $current install ($(wc -l < /tmp/skolval-fresh.$$) catalog lines compared)"
    # The upgraded database works: distances and an allocation on the data made under $old.
    assert_eq "allocation after the upgrade places every child" \
        "$(q skolval_test_upgraded -c "SELECT count(*) FROM skolval.round_cohort")" \
        "$(q skolval_test_upgraded -c "SET client_min_messages = warning" -c "SELECT count(*) FROM skolval.compute_distances(1)" -c "SELECT run_id FROM skolval.allocate(1)" -c "SELECT count(*) FROM skolval.placement" | tail -1)"
done
rm -f /tmp/skolval-*.$$

# Stored data that breaks a bound of 0.3.0 (sql/common/bounds.tables.sql) stops the upgrade with
# the table, the constraint and the row; corrected, the upgrade goes through.
newest_old=${olds##* }
dropdb --if-exists skolval_test_upgraded >/dev/null 2>&1 || true
createdb skolval_test_upgraded
q skolval_test_upgraded -c "SET client_min_messages = warning" \
    -c "CREATE EXTENSION skolval VERSION '$newest_old' CASCADE" \
    -c "SELECT count(*) FROM skolval.demo_municipality(children => 60, seed => 3, network_edges => 800)" \
    -c "UPDATE skolval.unit SET name = E'Skolan\nmed radbrytning' WHERE unit_id = (SELECT min(unit_id) FROM skolval.unit)" >/dev/null
refused=$(q skolval_test_upgraded -c "ALTER EXTENSION skolval UPDATE" 2>&1 || true)
case $refused in
    *"rows of skolval.unit break the new constraint unit_name_no_control_characters"*"Rows (unit_id) ("*) ;;
    *) fail "an upgrade over a unit name with a line break was not refused clearly: $refused" ;;
esac
assert_eq "version after the refused upgrade" "$newest_old" \
    "$(q skolval_test_upgraded -c "SELECT extversion FROM pg_extension WHERE extname = 'skolval'")"
q skolval_test_upgraded -c "UPDATE skolval.unit SET name = replace(name, E'\n', ' ')" -c "ALTER EXTENSION skolval UPDATE" >/dev/null 2>&1
assert_eq "version after correcting the row and upgrading again" "$current" \
    "$(q skolval_test_upgraded -c "SELECT extversion FROM pg_extension WHERE extname = 'skolval'")"

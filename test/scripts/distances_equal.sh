#!/usr/bin/env bash
# compute_distances() gives exactly the distances of the released 0.2.0 (before its data moved
# from session temp tables into arguments and results): the same scenario in a database with
# skolval 0.2.0 (sql/versions/) and one with this version, every stored distance, snap, data
# issue and round home compared as text. The scenario: the example municipality, a first
# computation within 2.5 km, 20 homes moved (incremental refresh), a tight snap limit, two
# children without a residence and a moved unit with a full refresh (off-network pairs and
# data issues), then every unit.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export PGOPTIONS="${PGOPTIONS:-} -c statement_timeout=300s"
work=$(mktemp -d)
old=skolval_test_dist_020
new=skolval_test_dist_now
trap 'rm -rf "$work"; dropdb --if-exists $old >/dev/null 2>&1 || true; dropdb --if-exists $new >/dev/null 2>&1 || true' EXIT

scenario() {
    local db=$1 version=$2 out=$work/$1
    mkdir -p "$out"
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    createdb "$db"
    "${PSQL[@]}" -d "$db" -c "CREATE EXTENSION postgis; CREATE EXTENSION pgrouting; CREATE EXTENSION skolval VERSION '$version';" >/dev/null
    "${PSQL[@]}" -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT count(*) FROM skolval.demo_municipality(children => 600, seed => 3, network_edges => 8000);
SQL
    dump() {
        "${PSQL[@]}" -d "$db" >/dev/null <<SQL
\copy (SELECT network_id, residence_id, unit_id, child_id, status, walking_m, straight_m FROM skolval.distance ORDER BY 1,2,3) TO '$out/dist_$1.csv' CSV
\copy (SELECT network_id, point_kind, ref_id, ST_AsText(source_point), edge_id, fraction, snap_m, ST_AsText(snapped_point) FROM skolval.snap ORDER BY 1,2,3) TO '$out/snap_$1.csv' CSV
\copy (SELECT category, severity, child_id, unit_id, round_id, message, detail, resolved_at IS NULL, resolution FROM skolval.data_issue ORDER BY 1,3,4,6) TO '$out/issue_$1.csv' CSV
\copy (SELECT * FROM skolval.round_home ORDER BY 1,2) TO '$out/home_$1.csv' CSV
\copy (SELECT md5(string_agg(concat_ws(',', e.edge_id, e.source, e.target, e.length_m), ';' ORDER BY e.edge_id)) FROM skolval.edge e) TO '$out/input_edges_$1.csv' CSV
\copy (SELECT md5(string_agg(concat_ws(',', r.residence_id, ST_AsText(r.home)), ';' ORDER BY r.residence_id)) FROM skolval.residence r) TO '$out/input_homes_$1.csv' CSV
SQL
    }
    run() { "${PSQL[@]}" -d "$db" -c "SET client_min_messages = warning" -c "SELECT children, homes_routed, units, pairs, pairs_computed, ok, unreachable, off_network, no_home FROM skolval.compute_distances($1)" >> "$out/out.txt"; }
    run "1, radius_m => 2500"; dump A
    "${PSQL[@]}" -d "$db" -c "UPDATE skolval.residence SET home = ST_Translate(home, 30, 0) WHERE residence_id IN (SELECT residence_id FROM skolval.round_home ORDER BY child_id LIMIT 20)" >/dev/null
    run "1, radius_m => 2500"; dump B
    "${PSQL[@]}" -d "$db" >/dev/null <<'SQL'
SELECT skolval.configure(snap_limit_m => 15);
DELETE FROM skolval.residence WHERE residence_id IN (SELECT residence_id FROM skolval.round_home ORDER BY child_id OFFSET 40 LIMIT 2);
UPDATE skolval.unit SET location = ST_Translate(location, 0, 20)
 WHERE unit_id = (SELECT min(unit_id) FROM skolval.unit WHERE 'forskoleklass' = ANY (school_forms));
SQL
    run "1, radius_m => 2500, full_refresh => true"; dump C
    run "1"; dump D
}
scenario $old 0.2.0
scenario $new "$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$SKOLVAL_ROOT/skolval.control")"

for f in "$work/$old"/input_*; do
    cmp -s "$f" "$work/$new/$(basename "$f")" || fail "the example municipality differs between 0.2.0 and now ($(basename "$f")): the scenario's inputs must be equal"
done
echo "ok: same inputs (network and homes) in both databases"
n=0
for f in "$work/$old"/*; do
    b=$(basename "$f")
    cmp -s "$f" "$work/$new/$b" || { diff "$f" "$work/$new/$b" | head -5; fail "$b differs from 0.2.0"; }
    n=$((n + $(wc -l < "$f")))
done
grep -q '|2324|' "$work/$new/out.txt" || fail "the scenario has no off-network pairs: it does not test what it should"
[ "$n" -gt 20000 ] || fail "only $n lines compared: the scenario is too small"
echo "ok: $n lines (distances, snaps, issues, homes after four computations) equal to 0.2.0's"
cat "$work/$new/out.txt"

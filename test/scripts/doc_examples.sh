#!/usr/bin/env bash
# The newcomer's path runs as written: every ```sql block of README.md and doc/*.md is executed,
# and the example CSV files of doc/loading.md load together.
#
# README.md runs first, in an empty database: its blocks install the extensions and walk the
# example municipality. Every other file runs in its own copy of a template: the extensions,
# the example municipality (demo_municipality(), as the README makes it) and a schema gis with
# the tables the examples name for "your own" network (gis.gangnat, gis.nvdb_gangnat: copies of
# the example network). A file's blocks run in order in one psql session; the first error stops
# it and names the file and the block's first line. doc/loading.md's CSV blocks are written to
# the files its \copy commands read (units.csv, residence.csv, ... by the table each follows).
#
# A block that cannot run here says so on its first line, with the reason:
#     -- doc-test: skip <why>
# (doc/testing.md lists where this is used.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export PGOPTIONS="${PGOPTIONS:-} -c statement_timeout=300s"

work=$(mktemp -d); echo "work dir $work"
template=skolval_test_docs_template
dbs=()
cleanup() {
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
    for d in $template "${dbs[@]}"; do dropdb --if-exists "$d" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

# extract FILE -> $work/<name>.blocks/NNN.sql (one per block, first line "-- FILE:LINE") and
# for doc/loading.md the CSV files.
extract() {
    local f=$1 dir=$2
    mkdir -p "$dir"
    awk -v file="$f" -v dir="$dir" '
        /^```sql[[:space:]]*$/ { n++; out = sprintf("%s/%03d.sql", dir, n); print "-- " file ":" NR + 1 > out; inblock = 1; next }
        /^```csv[[:space:]]*$/ { incsv = 1; csvout = dir "/" csvname; printf "" > csvout; next }
        /^```/ { if (inblock) close(out); if (incsv) close(csvout); inblock = 0; incsv = 0; next }
        inblock { print > out; next }
        incsv { print > csvout; next }
        /^### `skolval\.staging_[a-z]+`/ {
            t = $0; sub(/^### `skolval\.staging_/, "", t); sub(/`.*/, "", t)
            csvname = (t == "unit" ? "units" : t == "sibling" ? "siblings" : t == "enrollment" ? "enrollments" : t == "wish" ? "wishes" : t == "district" ? "districts" : t) ".csv"
        }
    ' "$f"
}

# run_file FILE DB: the blocks of FILE in order in DB, from the directory holding its CSV files
run_file() {
    local f=$1 db=$2
    local dir=$work/$(basename "$f" .md).blocks
    local blocks=("$dir"/*.sql) b ran=0 skipped=0
    [ -e "${blocks[0]}" ] || { echo "ok: $f has no sql blocks"; return; }
    : > "$dir/all.sql"
    for b in "${blocks[@]}"; do
        if sed -n 2p "$b" | grep -q -- '-- doc-test: skip'; then
            skipped=$((skipped + 1))
            echo "note: $(head -1 "$b" | cut -c4-) skipped: $(sed -n 2p "$b" | sed 's/.*doc-test: skip *//')"
            continue
        fi
        ran=$((ran + 1))
        printf '\\echo %s\n' "$(head -1 "$b" | cut -c4-)" >> "$dir/all.sql"
        cat "$b" >> "$dir/all.sql"
        printf '\n;\n' >> "$dir/all.sql"
    done
    local out rc
    out=$(cd "$dir" && psql -X -v ON_ERROR_STOP=1 -d "$db" -f all.sql 2>&1) && rc=0 || rc=$?
    if [ "$rc" != 0 ]; then
        local where
        where=$(grep -E '^(README|doc/).*:[0-9]+$' <<<"$out" | tail -1)
        echo "$out" | grep -E -B2 -A6 'ERROR' | head -20
        fail "the sql block at $where fails"
    fi
    echo "ok: $f: $ran sql blocks ran ($skipped skipped)"
}

cd "$SKOLVAL_ROOT"
files=(README.md $(ls doc/*.md | grep -v 'doc/sql-reference.md'))
for f in "${files[@]}"; do extract "$f" "$work/$(basename "$f" .md).blocks"; done

# README.md in an empty database
dbs+=(skolval_test_docs_readme)
dropdb --if-exists skolval_test_docs_readme >/dev/null 2>&1 || true
createdb skolval_test_docs_readme
run_file README.md skolval_test_docs_readme

# the template for the others
dropdb --if-exists $template >/dev/null 2>&1 || true
createdb $template
"${PSQL[@]}" -d $template >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION postgis;
CREATE EXTENSION pgrouting;
CREATE EXTENSION skolval;
SELECT count(*) FROM skolval.demo_municipality();
-- "your own" network tables, as a municipality would have them: copies of the example's edges
CREATE SCHEMA gis;
CREATE TABLE gis.gangnat AS
  SELECT e.edge_id AS id, e.source, e.target, e.kind AS typ, e.name AS namn, e.geom FROM skolval.edge e;
CREATE TABLE gis.nvdb_gangnat AS
  SELECT e.edge_id AS objectid, e.source AS from_node, e.target AS to_node, ST_Multi(e.geom) AS geom,
         e.kind AS vagtyp, e.name AS namn, true AS gangbar, 900000 + e.edge_id AS element_id FROM skolval.edge e;
SQL

# doc/user-guide.md walks through a municipality's own set-up from an empty database: it gets
# one with only the extensions and the gis tables.
own=skolval_test_docs_own_template
dbs+=($own)
dropdb --if-exists $own >/dev/null 2>&1 || true
createdb $own
"${PSQL[@]}" -d $own >/dev/null <<'SQL'
CREATE EXTENSION postgis;
CREATE EXTENSION pgrouting;
CREATE EXTENSION skolval;
CREATE SCHEMA gis;
CREATE TABLE gis.gangnat AS
  SELECT e.edge_id AS id, e.source, e.target, e.kind AS typ, NULL::text AS namn,
         ST_SetSRID(ST_MakeLine(ST_MakePoint(e.x1, e.y1), ST_MakePoint(e.x2, e.y2)), 3006) AS geom
    FROM skolval.demo_network_edges(1, 3000) e;
-- and a register as doc/loading.md would have loaded it: eight schools and 60 children born 2021
-- living along the paths (the guide adds a ninth school itself)
INSERT INTO skolval.unit (unit_code, name, organizer, school_forms, location)
SELECT 'U' || i, 'Skola ' || i, 'municipal', '{forskoleklass,grundskola}', ST_LineInterpolatePoint(g.geom, 0.5)
  FROM generate_series(1, 8) i
 CROSS JOIN LATERAL (SELECT geom FROM gis.gangnat ORDER BY id OFFSET i * 300 LIMIT 1) g;
INSERT INTO skolval.child (personal_number, given_name, family_name)
SELECT skolval.personal_number_make(date '2021-01-01' + i * 5, 100 + i), 'Barn', 'Nummer ' || i
  FROM generate_series(1, 60) i;
INSERT INTO skolval.residence (child_id, municipality_code, address, home, valid_from)
SELECT c.child_id, '1281', 'Stigen ' || c.child_id, ST_Translate(ST_LineInterpolatePoint(g.geom, 0.3), 5, 5), c.birth_date
  FROM skolval.child c
 CROSS JOIN LATERAL (SELECT geom FROM gis.gangnat ORDER BY id OFFSET c.child_id * 37 LIMIT 1) g;
SQL

for f in "${files[@]}"; do
    [ "$f" = README.md ] && continue
    db=skolval_test_docs_$(basename "$f" .md | tr -c 'a-z0-9\n' '_')
    dbs+=("$db")
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    if [ "$f" = doc/user-guide.md ]; then createdb -T $own "$db"; else createdb -T $template "$db"; fi
    run_file "$f" "$db"
done

# doc/loading.md: its CSV files loaded together, nothing left to report, everything merged
db=skolval_test_docs_loading
got=$("${PSQL[@]}" -d "$db" -c "SELECT (SELECT count(*) FROM skolval.staging_check()), (SELECT count(*) FROM skolval.child WHERE personal_number IN ('202003141237', '202007024561', '201811307899')), (SELECT count(*) FROM skolval.district WHERE district_code IN ('D1', 'D2')), (SELECT count(*) FROM skolval.wish w JOIN skolval.placement_round r USING (round_id) WHERE r.name = 'Förskoleklass HT2026')")
assert_eq "doc/loading.md's example files: problems left, children, districts, wishes loaded" "0|3|2|3" "$got"

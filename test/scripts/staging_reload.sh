#!/usr/bin/env bash
# The example municipality's whole register exported to the staging tables as a municipality's
# files would hold it (districts, units, residences with ten-digit personal numbers YYMMDD-NNNC,
# wishes) and merged back: nothing changes — every table equal with its ids, not one audit
# entry, every row counted unchanged. Then one address changed in the export: exactly that row
# changes, in place. On generated data at the example's scale (about 2,800 periods).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scratch_db skolval_test_staging_reload
"${PSQL[@]}" -d skolval_test_staging_reload -c "SET client_min_messages = warning; SELECT count(*) FROM skolval.demo_municipality()" >/dev/null
out=$("${PSQL[@]}" -d skolval_test_staging_reload 2>&1 <<'SQL'
SET client_min_messages = warning;
CREATE TEMP VIEW fp AS
SELECT (SELECT md5(string_agg(row_to_json(x)::text, '|' ORDER BY x.district_code)) FROM skolval.district x) AS district,
       (SELECT md5(string_agg(row_to_json(x)::text, '|' ORDER BY x.unit_id)) FROM skolval.unit x) AS unit,
       (SELECT md5(string_agg(row_to_json(x)::text, '|' ORDER BY x.child_id)) FROM skolval.child x) AS child,
       (SELECT md5(string_agg(row_to_json(x)::text, '|' ORDER BY x.residence_id)) FROM skolval.residence x) AS residence,
       (SELECT md5(string_agg(row_to_json(x)::text, '|' ORDER BY x.round_id, x.child_id, x.rank)) FROM skolval.wish x) AS wish,
       (SELECT md5(string_agg(row_to_json(x)::text, '|' ORDER BY x.round_id, x.child_id)) FROM skolval.round_cohort x) AS cohort,
       (SELECT count(*) FROM skolval.audit_log) AS audit;
CREATE FUNCTION pg_temp.export() RETURNS void LANGUAGE sql AS $$
INSERT INTO skolval.staging_district (district_code, name, administration) SELECT district_code, name, administration FROM skolval.district;
INSERT INTO skolval.staging_unit (unit_code, name, organizer, organizer_name, school_forms, address, municipality_code, east, north)
SELECT unit_code, name, organizer::text, organizer_name, array_to_string(school_forms, ','), address, municipality_code,
       ST_X(location)::text, ST_Y(location)::text FROM skolval.unit;
INSERT INTO skolval.staging_residence (personal_number, given_name, family_name, protected_identity, municipality_code, address,
                                       postal_code, postal_town, district_code, east, north, valid_from, valid_to)
SELECT substr(c.personal_number, 3, 6) || '-' || substr(c.personal_number, 9), c.given_name, c.family_name,
       CASE WHEN c.protected_identity THEN 'J' ELSE 'N' END, r.municipality_code, r.address, r.postal_code, r.postal_town,
       r.district_code, ST_X(r.home)::text, ST_Y(r.home)::text, r.valid_from::text, r.valid_to::text
  FROM skolval.child c JOIN skolval.residence r USING (child_id);
INSERT INTO skolval.staging_wish (round_name, personal_number, rank, unit_code, sibling_claim, submitted_at)
SELECT p.name, c.personal_number, w.rank::text, u.unit_code, w.sibling_claim::text, w.submitted_at::text
  FROM skolval.wish w JOIN skolval.child c USING (child_id) JOIN skolval.unit u USING (unit_id)
  JOIN skolval.placement_round p USING (round_id);
$$;
CREATE TEMP TABLE before AS SELECT * FROM fp;
CREATE TEMP TABLE residence_before AS SELECT * FROM skolval.residence;
SELECT pg_temp.export();
SELECT 'staged', count(*) FROM skolval.staging_residence;
SELECT 'problems', count(*) FROM skolval.staging_merge();
SELECT 'unchanged', (SELECT row_to_json(b)::text FROM before b) = (SELECT row_to_json(f)::text FROM fp f);
SELECT pg_temp.export();
UPDATE skolval.staging_residence SET address = address || ' B'
 WHERE source_row = (SELECT min(source_row) FROM skolval.staging_residence WHERE valid_to IS NULL AND address IS NOT NULL);
SELECT 'problems', count(*) FROM skolval.staging_merge();
SELECT 'changed rows', count(*), bool_and(r.address = b.address || ' B')
  FROM skolval.residence r JOIN residence_before b USING (residence_id) WHERE row_to_json(r)::text <> row_to_json(b)::text;
SELECT 'ids', (SELECT count(*) FROM skolval.residence) = (SELECT count(*) FROM residence_before),
       NOT EXISTS (SELECT residence_id FROM skolval.residence EXCEPT SELECT residence_id FROM residence_before);
SELECT 'audit entries', (SELECT count(*) FROM skolval.audit_log) - (SELECT audit FROM before);
SQL
)
echo "$out"
grep -q '^staged|2[0-9][0-9][0-9]$' <<<"$out" || fail "the export staged too few residence periods"
[ "$(grep -c '^problems|0$' <<<"$out")" = 2 ] || fail "the exported register did not merge cleanly"
grep -q '^unchanged|t$' <<<"$out" || fail "reloading the unchanged register changed something"
grep -q '^changed rows|1|t$' <<<"$out" || fail "one changed address did not change exactly that row"
grep -q '^ids|t|t$' <<<"$out" || fail "residence ids changed"
grep -q '^audit entries|1$' <<<"$out" || fail "expected exactly one audit entry (the one update)"
echo "ok: the example's register reloaded unchanged; one changed address changed exactly one row in place"

#!/usr/bin/env bash
# What BI may read (issue 11, item 7), on the example municipality run end to end:
#  1. every relation skolval_bi can read, found in the catalog (so a view granted later is
#     covered too), is a security_barrier view, and BI may execute no skolval function;
#  2. leak-proof: as skolval_bi, a pg_temp function with COST 0.0000001 in the WHERE clause,
#     on each column of each such view and on whole rows, sees only values and rows the view
#     returns; the same harness finds the leak in a copy of a view without security_barrier;
#  3. children with protected identity (the last admitted child at units with a cut-off, the
#     children registered elsewhere, one who moves during a paid month, one in a district whose
#     administration has no account, and every seventh child) leave no value about them —
#     address, postal code, municipality, district, administration, walking distance, lottery
#     number, relative proximity, cut-off, move — in any column of any BI view; counts still
#     add up, and the stored issue messages about them carry none of it either.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
db=skolval_test_bi_privacy
scratch_db "$db"
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
q() { "${PSQL[@]}" -d "$db" "$@"; }

q -c "SET client_min_messages = warning" \
  -c "SELECT count(*) FROM skolval.demo_municipality(children => 200, seed => 3, network_edges => 1500)" \
  -c "SELECT skolval.set_four_eyes(false, 'one login plays every part in this test (test/scripts/bi_privacy.sh); four_eyes.sh tests two people')" \
  -c "SELECT count(*) FROM skolval.compute_distances(1)" \
  -c "SELECT run_id FROM skolval.allocate(1, what_if => true)" \
  -c "SELECT count(*) FROM skolval.demo_payments()" >/dev/null

# Who gets protected identity, before the real run and the payment runs.
q <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE TABLE public.protect (child_id bigint PRIMARY KEY, why text);
-- the last admitted child of every unit with a cut-off in the what-if run (the real run is the same matching)
INSERT INTO public.protect SELECT DISTINCT pu.cutoff_child_id, 'cut-off' FROM skolval.placement_unit pu
 WHERE pu.cutoff_child_id IS NOT NULL ON CONFLICT DO NOTHING;
-- the children registered in another municipality on March's count date
INSERT INTO public.protect SELECT DISTINCT c.child_id, 'resident elsewhere' FROM skolval._payment_compute('2026-03-01') c
 WHERE c.record_kind = 'issue' AND c.issue_category = 'resident_elsewhere' ON CONFLICT DO NOTHING;
-- a pupil of an independent unit who moves on 10 March to a secret address
INSERT INTO public.protect
SELECT min(e.child_id), 'moves' FROM skolval.enrollment e JOIN skolval.unit u USING (unit_id)
  JOIN skolval.residence r ON r.child_id = e.child_id AND r.valid_from <= '2026-03-01' AND r.valid_to IS NULL
 WHERE u.organizer = 'independent' AND e.valid_from <= '2026-03-01' AND (e.valid_to IS NULL OR e.valid_to >= '2026-04-30')
   AND r.municipality_code = (SELECT s.municipality_code FROM skolval.settings s)
   AND e.child_id NOT IN (SELECT p.child_id FROM public.protect p)
ON CONFLICT DO NOTHING;
UPDATE skolval.residence SET valid_to = '2026-03-09'
 WHERE child_id = (SELECT child_id FROM public.protect WHERE why = 'moves') AND valid_to IS NULL;
INSERT INTO skolval.residence (child_id, municipality_code, address, postal_code, postal_town, district_code, home, valid_from)
SELECT r.child_id, r.municipality_code, 'Hemligvägen 17', '999 77', 'Gömstad', r.district_code, r.home, '2026-03-10'
  FROM skolval.residence r WHERE r.child_id = (SELECT child_id FROM public.protect WHERE why = 'moves') AND r.valid_to = '2026-03-09';
-- a pupil whose district's administration has no account
INSERT INTO skolval.district VALUES ('HEMLIG', 'Hemliga kvarteren', 'Hemliga förvaltningen');
INSERT INTO public.protect
SELECT min(e.child_id), 'no account' FROM skolval.enrollment e JOIN skolval.unit u USING (unit_id)
  JOIN skolval.residence r ON r.child_id = e.child_id AND r.valid_from <= '2026-03-01' AND r.valid_to IS NULL
 WHERE u.organizer = 'independent' AND e.valid_from <= '2026-03-01' AND (e.valid_to IS NULL OR e.valid_to >= '2026-04-30')
   AND r.municipality_code = (SELECT s.municipality_code FROM skolval.settings s)
   AND e.child_id NOT IN (SELECT p.child_id FROM public.protect p)
ON CONFLICT DO NOTHING;
UPDATE skolval.residence SET district_code = 'HEMLIG'
 WHERE child_id = (SELECT child_id FROM public.protect WHERE why = 'no account') AND valid_to IS NULL;
-- and every seventh child
INSERT INTO public.protect SELECT c.child_id, 'sample' FROM skolval.child c WHERE c.child_id % 7 = 0 ON CONFLICT DO NOTHING;
UPDATE skolval.child SET protected_identity = true WHERE child_id IN (SELECT child_id FROM public.protect);
SQL

run=$(q -c "SET client_min_messages = warning" -c "SELECT run_id FROM skolval.allocate(1)")
q -c "SET client_min_messages = warning" -c "SELECT skolval.override_blocking_issues($run, 'test: the example''s unconfirmed sibling claims are known')" -c "SELECT run_id FROM skolval.publish($run)" \
  -c "SELECT run_id FROM skolval.allocate(1, what_if => true)" \
  -c "SELECT skolval.create_payment_run('2026-03-01')" -c "SELECT skolval.approve_payment_run(1)" \
  -c "SELECT skolval.lock_payment_run(1)" -c "SELECT skolval.create_payment_run('2026-04-01')" >/dev/null

# The pipeline produced what the checks need: protected cut-offs, and the three payment issues.
assert_eq "units whose last admitted child has protected identity and a cut-off text" yes \
    "$(q -c "SELECT CASE WHEN count(*) > 0 THEN 'yes' ELSE 'no' END FROM skolval.placement_unit pu JOIN public.protect p ON p.child_id = pu.cutoff_child_id WHERE pu.cutoff_sv IS NOT NULL")"
assert_eq "payment issues of protected children: address_changed, no_account, resident_elsewhere" \
    "address_changed no_account resident_elsewhere" \
    "$(q -c "SELECT string_agg(DISTINCT i.category, ' ' ORDER BY i.category) FROM skolval.payment_issue i JOIN public.protect p USING (child_id)
              WHERE i.category IN ('resident_elsewhere', 'address_changed', 'no_account')")"

# ---------------------------------------------------------------------------------------
# 1. What BI can read, from the catalog
# ---------------------------------------------------------------------------------------
q -c "SELECT c.oid::regclass, c.relkind, coalesce('security_barrier=true' = ANY (c.reloptions), false)
        FROM pg_class c WHERE c.relnamespace = 'skolval'::regnamespace
         AND has_table_privilege('skolval_bi', c.oid, 'SELECT') ORDER BY 1" > "$work/bi_relations"
[ -s "$work/bi_relations" ] || fail "skolval_bi can read nothing"
while IFS='|' read -r rel kind barrier; do
    [ "$kind" = v ] || fail "skolval_bi can read $rel, which is not a view (relkind $kind)"
    [ "$barrier" = t ] || fail "$rel is not a security_barrier view"
done < "$work/bi_relations"
echo "ok: every relation skolval_bi can read is a security_barrier view ($(cut -d'|' -f1 "$work/bi_relations" | tr '\n' ' '))"
assert_eq "skolval functions BI may execute" 0 \
    "$(q -c "SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'skolval'::regnamespace AND has_function_privilege('skolval_bi', p.oid, 'EXECUTE')")"

# ---------------------------------------------------------------------------------------
# 2. Leak-proof against a function in the WHERE clause
# ---------------------------------------------------------------------------------------
# leak_check VIEW...: as skolval_bi, one query per column with the leaky function on that
# column, and one with it on the whole row; prints the values and rows it saw that the view
# does not return.
leak_check() {
    local views=("$@") v cols
    {
        echo "SET ROLE skolval_bi;"
        echo "CREATE FUNCTION pg_temp.leak(tag text, v anyelement) RETURNS boolean LANGUAGE plpgsql IMMUTABLE COST 0.0000001"
        echo "  AS \$f\$ BEGIN RAISE NOTICE 'seen:%:%', tag, md5(coalesce(format('%s', v), '<NULL>')); RETURN true; END \$f\$;"
        for v in "${views[@]}"; do
            cols=$(q -c "SELECT string_agg(quote_ident(attname), ',' ORDER BY attnum) FROM pg_attribute
                          WHERE attrelid = '$v'::regclass AND attnum > 0 AND NOT attisdropped")
            for c in ${cols//,/ }; do
                echo "SELECT count(*) FROM $v x WHERE pg_temp.leak('$v.$c', x.$c);"
                echo "SELECT DISTINCT 'want:$v.$c:' || md5(coalesce(format('%s', x.$c), '<NULL>')) FROM $v x;"
            done
            echo "SELECT count(*) FROM $v x WHERE pg_temp.leak('$v.*', concat_ws('|', ${cols//,/, }));"
            echo "SELECT DISTINCT 'want:$v.*:' || md5(coalesce(format('%s', concat_ws('|', ${cols//,/, })), '<NULL>')) FROM $v x;"
        done
    } > "$work/leak.sql"
    "${PSQL[@]}" -d "$db" -f "$work/leak.sql" > "$work/leak.out" 2> "$work/leak.err" || { cat "$work/leak.err"; fail "the leak queries failed"; }
    sed -n 's/^.*NOTICE:  seen:\(.*\)$/\1/p' "$work/leak.err" | sort -u > "$work/seen"
    sed -n 's/^want:\(.*\)$/\1/p' "$work/leak.out" | sort -u > "$work/want"
    [ -s "$work/seen" ] || fail "the leaky function saw nothing at all: the harness is broken"
    comm -23 "$work/seen" "$work/want"
}
mapfile -t bi_views < <(cut -d'|' -f1 "$work/bi_relations")
leaks=$(leak_check "${bi_views[@]}")
[ -z "$leaks" ] || fail "a function in the WHERE clause saw what the views do not return: $(head -5 <<<"$leaks" | tr '\n' ' ')"
echo "ok: leak-proof: the leaky function saw $(wc -l < "$work/seen") distinct column values and rows, all returned by the ${#bi_views[@]} views"
# The harness finds the leak the issue found: payment_open_issue without security_barrier.
q -c "CREATE VIEW public.leaky_open_issue AS $(q -c "SELECT pg_get_viewdef('skolval.payment_open_issue'::regclass)" | sed 's/;$//')" \
  -c "GRANT USAGE ON SCHEMA public TO skolval_bi" -c "GRANT SELECT ON public.leaky_open_issue TO skolval_bi"
leaks=$(leak_check public.leaky_open_issue)
q -c "DROP VIEW public.leaky_open_issue"
[ -n "$leaks" ] || fail "the harness does not see the leak of a view without security_barrier"
echo "ok: the harness sees $(wc -l <<<"$leaks") leaked values through the same view without security_barrier"

# ---------------------------------------------------------------------------------------
# 3. Nothing about a protected child in any column of any BI view
# ---------------------------------------------------------------------------------------
q <<'SQL' > "$work/privacy.out"
-- Everything known about the protected children that BI must not see.
CREATE TABLE public.secret (child_id bigint, kind text, token text);
INSERT INTO public.secret
SELECT r.child_id, k.kind, k.token
  FROM skolval.residence r JOIN public.protect p USING (child_id)
  LEFT JOIN skolval.district d ON d.district_code = r.district_code
  CROSS JOIN LATERAL (VALUES ('address', r.address), ('postal_code', r.postal_code), ('postal_town', r.postal_town),
                             ('district', r.district_code), ('district', d.name),
                             ('municipality', CASE WHEN r.municipality_code <> (SELECT s.municipality_code FROM skolval.settings s)
                                                   THEN r.municipality_code END)) k(kind, token)
 WHERE k.token IS NOT NULL;
INSERT INTO public.secret SELECT p.child_id, 'administration', 'Hemliga förvaltningen' FROM public.protect p WHERE p.why = 'no account';
INSERT INTO public.secret SELECT p.child_id, 'move', 'Hemligvägen' FROM public.protect p WHERE p.why = 'moves';
INSERT INTO public.secret
SELECT DISTINCT d.child_id, 'walking', round(d.walking_m)::text FROM skolval.distance d JOIN public.protect p USING (child_id)
 WHERE d.walking_m IS NOT NULL
UNION
SELECT DISTINCT d.child_id, 'walking', skolval.criterion_value_sv('distance', d.walking_m) FROM skolval.distance d JOIN public.protect p USING (child_id)
 WHERE d.walking_m IS NOT NULL;
-- the cut-off of a protected child: its values as the cut-off text shows them, and the text
INSERT INTO public.secret
SELECT pu.cutoff_child_id, 'cut-off', pu.cutoff_sv FROM skolval.placement_unit pu JOIN public.protect p ON p.child_id = pu.cutoff_child_id
 WHERE pu.cutoff_sv IS NOT NULL
UNION
SELECT pu.cutoff_child_id, 'cut-off value', skolval.criterion_value_sv(e.key, e.value::text::double precision)
  FROM skolval.placement_unit pu JOIN public.protect p ON p.child_id = pu.cutoff_child_id
  CROSS JOIN LATERAL jsonb_each(pu.cutoff_values) e
 WHERE jsonb_typeof(e.value) = 'number' AND e.key IN ('lottery', 'relative_proximity', 'distance');
-- the lottery number of every protected child
INSERT INTO public.secret
SELECT p.child_id, 'lottery', skolval.criterion_value_sv('lottery', skolval.seeded_random(r.lottery_seed, 'lottery', p.child_id))
  FROM public.protect p CROSS JOIN skolval.placement_round r;
SELECT 'secrets|' || count(*) || '|' || count(DISTINCT kind) FROM public.secret;

-- Every value of every row of every view BI can read, as BI reads it.
CREATE TEMP TABLE seen (view regclass, row_no bigint, key text, value text, is_text boolean);
GRANT INSERT ON seen TO skolval_bi;
DO $$
DECLARE v regclass;
BEGIN
  FOR v IN SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'skolval'::regnamespace
              AND has_table_privilege('skolval_bi', c.oid, 'SELECT') LOOP
    EXECUTE 'SET LOCAL ROLE skolval_bi';
    EXECUTE format('INSERT INTO seen SELECT %L, x.n, e.key, e.value #>> ''{}'', jsonb_typeof(e.value) = ''string''
                      FROM (SELECT row_number() OVER () AS n, to_jsonb(t) AS j FROM %s t) x
                      CROSS JOIN LATERAL jsonb_each(x.j) e', v, v);
    EXECUTE 'RESET ROLE';
    INSERT INTO seen VALUES (v, 0, NULL, NULL, false);  -- scanned, even when it has no rows
  END LOOP;
END $$;
SELECT 'seen|' || count(DISTINCT view) || '|' || count(*) FILTER (WHERE row_no > 0)
       || '|' || coalesce(string_agg(DISTINCT view::text, ' ') FILTER (WHERE row_no > 0), '') FROM seen;

-- (a) distinctive tokens (addresses, postal codes and towns, other municipalities, the secret
-- district and administration, cut-off texts and values, lottery numbers): in no text value
-- of any row of any view, as a word or a phrase
SELECT 'leak|' || s.view || '|' || s.key || '|' || x.kind || '|' || x.token
  FROM seen s JOIN public.secret x ON s.is_text AND x.kind <> 'walking' AND x.kind <> 'district'
       AND (position(x.token IN s.value) > 0 AND x.token ~ '[^0-9]'
            OR x.token = ANY (regexp_split_to_array(s.value, '[^[:alnum:],]+')));
-- the same matcher on the raw cut-offs (as the owner reads them) finds them: it can fail
SELECT 'control|' || count(*)
  FROM (SELECT row_number() OVER () AS n, to_jsonb(t) AS j FROM skolval.placement_unit t) x
  CROSS JOIN LATERAL jsonb_each_text(x.j) e
  JOIN public.secret k ON k.kind LIKE 'cut-off%'
       AND (position(k.token IN e.value) > 0 AND k.token ~ '[^0-9]' OR k.token = ANY (regexp_split_to_array(e.value, '[^[:alnum:],]+')));
-- (b) the HEMLIG district, which only protected children live in
SELECT 'leak|' || s.view || '|' || s.key || '|district|' || s.value FROM seen s
 WHERE s.is_text AND (s.value ~ '\mHEMLIG\M' OR s.value ~ 'Hemliga');
-- (c) a row about a protected child (it has a child_id column): none of its other values is
-- one of that child's district codes or walking distances (ids, years and counts left out)
SELECT 'leak|' || s.view || '|' || s.key || '|' || x.kind || '|' || x.token
  FROM seen c JOIN public.protect p ON c.key = 'child_id' AND c.value = p.child_id::text
  JOIN seen s ON s.view = c.view AND s.row_no = c.row_no
       AND s.key NOT IN ('run_id', 'round_id', 'child_id', 'unit_id', 'issue_id', 'birth_year', 'wish_rank', 'wishes')
  JOIN public.secret x ON x.child_id = p.child_id AND x.kind IN ('walking', 'district') AND x.token = s.value;
-- (d) issues of protected children: category protected_identity, never the category that tells
SELECT 'leak|payment_open_issue|category|' || i.category FROM skolval.payment_open_issue i JOIN public.protect p USING (child_id)
 WHERE i.category <> 'protected_identity';
SQL
grep -q '^secrets|' "$work/privacy.out" || fail "no secrets gathered"
IFS='|' read -r _ n_secrets n_kinds <<<"$(grep '^secrets|' "$work/privacy.out")"
[ "$n_kinds" -ge 9 ] || fail "only $n_kinds kinds of secret gathered"
IFS='|' read -r _ n_views n_values with_rows <<<"$(grep '^seen|' "$work/privacy.out")"
[ "$n_views" = "${#bi_views[@]}" ] || fail "scanned $n_views views, BI can read ${#bi_views[@]}"
[ "$(wc -w <<<"$with_rows")" -ge 7 ] || fail "only these BI views have rows to scan: $with_rows"
IFS='|' read -r _ n_control <<<"$(grep '^control|' "$work/privacy.out")"
[ "${n_control:-0}" -gt 0 ] || fail "the matcher does not find the protected cut-offs in skolval.placement_unit itself"
if grep -q '^leak|' "$work/privacy.out"; then
    fail "values about protected children reach BI: $(grep '^leak|' "$work/privacy.out" | head -5 | tr '\n' ' ')"
fi
echo "ok: none of $n_secrets values ($n_kinds kinds) about $(q -c "SELECT count(*) FROM public.protect") protected children in the $n_values values of the $n_views BI views"

# Counts still add up, and sums leave the protected children out rather than giving them away.
assert_eq "bi_placement: one row per placed child, protected ones included" \
    "$(q -c "SELECT count(*) FROM skolval.placement WHERE run_id = $run")" \
    "$(q -c "SELECT count(*) FROM skolval.bi_placement WHERE run_id = $run")"
assert_eq "mechanism_comparison: mean walking = mean of the distances BI sees (protected children left out)" \
    "$(q -c "SELECT round(avg(walking_m)) FROM skolval.bi_placement WHERE run_id = $run AND walking_m IS NOT NULL")" \
    "$(q -c "SELECT mean_walking_m FROM skolval.mechanism_comparison WHERE run_id = $run")"
assert_eq "bi_data_issue: issues of protected children counted under protected_identity" \
    "$(q -c "SELECT count(*) FROM skolval.data_issue i JOIN skolval.child c USING (child_id) WHERE c.protected_identity")" \
    "$(q -c "SELECT coalesce(sum(open_issues + resolved_issues), 0) FROM skolval.bi_data_issue WHERE category = 'protected_identity'")"
assert_eq "bi_data_issue: all issues counted" "$(q -c "SELECT count(*) FROM skolval.data_issue")" \
    "$(q -c "SELECT sum(open_issues + resolved_issues) FROM skolval.bi_data_issue")"
assert_eq "payment_administration_summary: the amounts of protected children under administration NULL, the total unchanged" \
    "$(q -c "SELECT sum(amount) FROM skolval.payment_row WHERE run_id = 1 AND NOT held")|t" \
    "$(q -c "SELECT sum(amount), bool_or(administration IS NULL) FROM skolval.payment_administration_summary WHERE run_id = 1")"
assert_eq "placement_unit_stats: cut-offs of protected children withheld, the others shown" "t t" \
    "$(q -F ' ' -c "SELECT bool_and(s.cutoff_sv LIKE 'Gränsvärdet visas inte%') FILTER (WHERE p.child_id IS NOT NULL),
                          coalesce(bool_and(s.cutoff_sv = pu.cutoff_sv) FILTER (WHERE p.child_id IS NULL AND pu.cutoff_sv IS NOT NULL), true)
                     FROM skolval.placement_unit_stats s JOIN skolval.placement_unit pu USING (run_id, unit_id)
                     LEFT JOIN public.protect p ON p.child_id = pu.cutoff_child_id WHERE pu.cutoff_child_id IS NOT NULL")"

# The stored messages (payment and data issues, made in C and SQL) say nothing of them either.
assert_eq "issue messages about protected children with a municipality, address count or administration" 0 \
    "$(q -c "SELECT count(*) FROM (SELECT child_id, message, detail FROM skolval.payment_issue UNION ALL
                                   SELECT child_id, message, detail FROM skolval.data_issue) i
              JOIN public.protect p USING (child_id)
             WHERE i.message ~ 'municipality [0-9]{4}|periods|Hemliga|administration \"'
                OR i.detail ?| ARRAY['municipality_code', 'periods', 'administration']
                OR EXISTS (SELECT 1 FROM public.secret s WHERE s.child_id = i.child_id AND s.kind IN ('municipality', 'address', 'postal_code')
                              AND position(s.token IN i.message) > 0)")"
# A child given protected identity later: its open data issues are rewritten at once.
later=$(q -c "SELECT min(i.child_id) FROM skolval.data_issue i JOIN skolval.child c USING (child_id) WHERE NOT c.protected_identity")
if [ -n "$later" ]; then
    q -c "UPDATE skolval.child SET protected_identity = true WHERE child_id = $later"
    assert_eq "data issues of a child given protected identity later: rewritten" \
        "$(q -c "SELECT count(*) FROM skolval.data_issue WHERE child_id = $later")" \
        "$(q -c "SELECT count(*) FROM skolval.data_issue WHERE child_id = $later AND message LIKE 'child $later (protected identity): %' AND NOT detail ? 'municipality_code'")"
else
    fail "no unprotected child with a data issue left to protect later"
fi

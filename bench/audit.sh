#!/usr/bin/env bash
# What the audit log costs (doc/operations.md): the same work with skolval's statement-level
# audit triggers (transition tables), with no audit triggers, and with an equivalent row-level
# trigger (one INSERT per changed row), for comparison. Not a test.
#
#   bash bench/audit.sh            # on the private cluster of scripts/env.sh (started if needed)
#
# Work: demo_municipality(children => 1500) (about 14,000 audited rows among 45,000 inserted),
# then 20,000 children inserted, updated and deleted with one statement each. Best of 3.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
db=${BENCH_DB:-skolval_bench_audit}
reps=${BENCH_REPS:-3}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "SET client_min_messages = warning" "$@"; }

dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION skolval CASCADE"

# The row-level alternative: the same columns, one INSERT per row.
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
CREATE SCHEMA bench;
CREATE FUNCTION bench.audit_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, skolval, pg_temp AS $$
DECLARE
  o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  keys text[];
BEGIN
  IF TG_OP = 'UPDATE' AND o = n THEN RETURN NULL; END IF;
  SELECT array_agg(a.attname::text) INTO keys FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
   WHERE i.indrelid = TG_RELID AND i.indisprimary;
  INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, application_name,
                                 action, table_name, row_key, old_row, new_row)
  VALUES (pg_current_xact_id()::text::bigint, SESSION_USER, skolval._acting_role(),
          current_setting('application_name'), lower(TG_OP), TG_TABLE_NAME,
          (SELECT jsonb_object_agg(k, coalesce(n, o) -> k) FROM unnest(keys) k), o, n);
  RETURN NULL;
END $$;
SQL
tables=$(q -c "SELECT string_agg(DISTINCT tgrelid::regclass::text, ' ') FROM pg_trigger WHERE tgname = 'audit_insert'")

mode() {   # statement | none | row
    local t
    for t in $tables; do
        q -c "ALTER TABLE $t $([ "$1" = statement ] && echo ENABLE || echo DISABLE) TRIGGER audit_insert,
                         $([ "$1" = statement ] && echo ENABLE || echo DISABLE) TRIGGER audit_update,
                         $([ "$1" = statement ] && echo ENABLE || echo DISABLE) TRIGGER audit_delete" \
          -c "DROP TRIGGER IF EXISTS bench_audit_row ON $t"
        [ "$1" != row ] || q -c "CREATE TRIGGER bench_audit_row AFTER INSERT OR UPDATE OR DELETE ON $t
                                   FOR EACH ROW EXECUTE FUNCTION bench.audit_row()"
    done
}

ms() { local t0; t0=$(date +%s%N); "$@" >/dev/null; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
best() { sort -n | head -1; }

echo "| audit triggers | demo_municipality(1500) | insert 20,000 children | update 20,000 | delete 20,000 | audit rows written per demo |"
echo "|---|---:|---:|---:|---:|---:|"
for m in none statement row; do
    mode $m
    demo=(); ins=(); upd=(); del=()
    for i in $(seq "$reps"); do
        before=$(q -c "SELECT count(*) FROM skolval.audit_log")
        demo+=("$(ms q -c "SET client_min_messages = warning" -c "SELECT count(*) FROM skolval.demo_municipality(children => 1500, seed => 1, replace => true)")")
        rows=$(( $(q -c "SELECT count(*) FROM skolval.audit_log") - before ))
        ins+=("$(ms q -c "INSERT INTO skolval.child (child_id, personal_number, given_name, family_name)
                            SELECT 1000000 + g, skolval.personal_number_make(date '1995-01-01' + (g % 3000), 100 + g / 3000), 'Bench', 'Mark'
                              FROM generate_series(1, 20000) g")")
        upd+=("$(ms q -c "UPDATE skolval.child SET given_name = 'Bänk' WHERE child_id > 1000000")")
        del+=("$(ms q -c "DELETE FROM skolval.child WHERE child_id > 1000000")")
    done
    echo "| $m | $(printf '%s\n' "${demo[@]}" | best) ms | $(printf '%s\n' "${ins[@]}" | best) ms | $(printf '%s\n' "${upd[@]}" | best) ms | $(printf '%s\n' "${del[@]}" | best) ms | $rows |"
done
mode statement

-- skolval: the audit log's triggers.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- The role a session acts as, also inside a SECURITY DEFINER function (where current_user is
-- the function's owner): the SET ROLE setting survives into the function, and SET ROLE itself
-- only accepts roles the login role is a member of.
CREATE OR REPLACE FUNCTION skolval._acting_role() RETURNS name
  LANGUAGE sql STABLE
  AS $$ SELECT CASE WHEN pg_catalog.current_setting('role') = 'none' THEN SESSION_USER
                    ELSE pg_catalog.current_setting('role')::name END $$;
COMMENT ON FUNCTION skolval._acting_role() IS
  'The role the session acts as: the SET ROLE role, else the login role; unlike current_user also correct inside SECURITY DEFINER functions';

COMMENT ON COLUMN skolval.audit_log.application_name IS
  'The client''s application_name, for example psql or pg_cron: set by the client, so kept for information only and never used to say who or what made a change (session_user_name, acting_role, current_user_name and function_name do)';
COMMENT ON COLUMN skolval.audit_log.current_user_name IS
  'current_user when the change was made: the extension owner when it was made inside one of skolval''s SECURITY DEFINER functions (the only way to write run and result tables), otherwise the acting role';
COMMENT ON COLUMN skolval.audit_log.function_name IS
  'The skolval function that made the change: the innermost public skolval function on the call stack (for example allocate, publish, create_payment_run, staging_merge); NULL for a statement typed by hand. Inside SECURITY DEFINER functions (current_user_name is the owner) only skolval''s own code is on the stack; for changes made with the caller''s own rights a function of the caller''s with the same name could imitate it';

-- The function that made a change, from the call stack as PL/pgSQL reports it (GET DIAGNOSTICS
-- ... PG_CONTEXT), innermost first: the first frame that is a public (not "_"-prefixed, not
-- trigger) function of the extension. PL/pgSQL frames read "PL/pgSQL function NAME(ARGS) line
-- N", SQL ones 'SQL function "NAME"'; a C entry point that writes audited tables names itself
-- with an error context line "skolval function NAME".
CREATE OR REPLACE FUNCTION skolval._audit_function(stack text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  m text[];
  f text;
BEGIN
  FOR m IN SELECT pg_catalog.regexp_matches(stack,
             '(?:PL/pgSQL function (?:skolval\.)?([A-Za-z_][A-Za-z0-9_]*)\(|SQL function "([A-Za-z_][A-Za-z0-9_]*)"|skolval function ([A-Za-z_][A-Za-z0-9_]*))',
             'g')
  LOOP
    f := coalesce(m[1], m[2], m[3]);
    IF pg_catalog.left(f, 1) <> '_' AND EXISTS (
         SELECT 1 FROM pg_catalog.pg_proc p
           JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid AND d.objid = p.oid
                                       AND d.deptype = 'e'
           JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
          WHERE p.proname = f AND p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype) THEN
      RETURN f;
    END IF;
  END LOOP;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._audit_function(text) IS
  'The innermost public skolval function on a PL/pgSQL call stack (PG_CONTEXT), or NULL';

-- One audit row per changed row. The key columns come from the table's primary key; an update
-- pairs old and new rows by that key and logs only rows that really changed. Run status changes
-- get their own action names, and allocate()'s bookkeeping of its run time is not logged. Every
-- entry names the login role, the acting role, current_user and the function; application_name
-- is kept as the client sent it, for information only. TRUNCATE keeps the before-image of every
-- row. The triggers fire in every session_replication_role (ENABLE ALWAYS: sql/operations/always.sql).
CREATE OR REPLACE FUNCTION skolval._audit_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  keys text[];
  who name := skolval._acting_role();
  cur name := CURRENT_USER;
  xid bigint := pg_catalog.pg_current_xact_id()::text::bigint;
  app text := nullif(pg_catalog.current_setting('application_name'), '');
  stack text;
  fn text;
BEGIN
  GET DIAGNOSTICS stack = PG_CONTEXT;
  fn := skolval._audit_function(stack);
  SELECT pg_catalog.array_agg(a.attname::text ORDER BY pg_catalog.array_position(i.indkey::int2[], a.attnum))
    INTO keys
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
   WHERE i.indrelid = TG_RELID AND i.indisprimary;

  IF TG_OP = 'INSERT' THEN
    INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, current_user_name, function_name,
                                   application_name, action, table_name, row_key, new_row)
    SELECT xid, SESSION_USER, who, cur, fn, app,
           CASE WHEN TG_TABLE_NAME = 'placement_run' AND fn = 'allocate' THEN 'allocate'
                WHEN TG_TABLE_NAME = 'payment_run' AND fn = 'create_payment_run' THEN 'create_payment_run'
                ELSE 'insert' END,
           TG_TABLE_NAME, (SELECT pg_catalog.jsonb_object_agg(k, x.j -> k) FROM pg_catalog.unnest(keys) k), x.j
      FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM new_rows r) x;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, current_user_name, function_name,
                                   application_name, action, table_name, row_key, old_row)
    SELECT xid, SESSION_USER, who, cur, fn, app, 'delete',
           TG_TABLE_NAME, (SELECT pg_catalog.jsonb_object_agg(k, x.j -> k) FROM pg_catalog.unnest(keys) k), x.j
      FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM old_rows r) x;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, current_user_name, function_name,
                                   application_name, action, table_name, row_key, old_row, new_row)
    SELECT xid, SESSION_USER, who, cur, fn, app,
           CASE WHEN TG_TABLE_NAME = 'placement_run' AND o.j ->> 'status' = 'draft' AND n.j ->> 'status' = 'published'
                  THEN 'publish'
                WHEN TG_TABLE_NAME = 'payment_run' AND o.j ->> 'status' IS DISTINCT FROM n.j ->> 'status'
                     AND n.j ->> 'status' = 'approved' THEN 'approve_payment_run'
                WHEN TG_TABLE_NAME = 'payment_run' AND o.j ->> 'status' IS DISTINCT FROM n.j ->> 'status'
                     AND n.j ->> 'status' = 'locked' THEN 'lock_payment_run'
                ELSE 'update' END,
           TG_TABLE_NAME, coalesce(n.k, o.k), o.j, n.j
      FROM (SELECT x.j, (SELECT pg_catalog.jsonb_object_agg(k, x.j -> k) FROM pg_catalog.unnest(keys) k) AS k
              FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM old_rows r) x) o
      FULL JOIN (SELECT x.j, (SELECT pg_catalog.jsonb_object_agg(k, x.j -> k) FROM pg_catalog.unnest(keys) k) AS k
                   FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM new_rows r) x) n ON n.k = o.k
     WHERE o.j IS DISTINCT FROM n.j
       AND NOT (TG_TABLE_NAME = 'placement_run' AND coalesce(o.j - 'milliseconds' = n.j - 'milliseconds', false));
  ELSIF TG_OP = 'TRUNCATE' THEN
    -- The before-image of every row, as a delete would have logged it.
    EXECUTE pg_catalog.format(
      'INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, current_user_name, function_name, '
      '                               application_name, action, table_name, row_key, old_row) '
      'SELECT $1, SESSION_USER, $2, $3, $4, $5, ''truncate'', $6, '
      '       (SELECT pg_catalog.jsonb_object_agg(k, x.j OPERATOR(pg_catalog.->) k) FROM pg_catalog.unnest($7) k), x.j '
      '  FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM %I.%I r) x', TG_TABLE_SCHEMA, TG_TABLE_NAME)
      USING xid, who, cur, fn, app, TG_TABLE_NAME, keys;
  END IF;
  RETURN NULL;
END $$;

-- The tables whose changes are logged: the register, the settings, networks (not their edges),
-- rounds with their cohorts, capacities and wishes, placement runs (allocate, publish; not the
-- per-child results, which a run writes once and publication freezes), and the payment
-- configuration (sql/payments/payments.sql) with its runs (create, approve, lock; not their rows). Four triggers per table: a trigger with transition tables can
-- have only one event.
DO $audit$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['settings', 'network', 'district', 'unit', 'child', 'residence', 'enrollment',
                           'sibling', 'placement_round', 'round_cohort', 'round_capacity', 'wish',
                           'placement_run',
                           'payment_policy', 'payment_special_month', 'payment_holiday', 'payment_category',
                           'payment_rate', 'supplement', 'cost_account', 'payment_run']
  LOOP
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER audit_insert AFTER INSERT ON skolval.%I REFERENCING NEW TABLE AS new_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER audit_update AFTER UPDATE ON skolval.%I REFERENCING OLD TABLE AS old_rows '
                              'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER audit_delete AFTER DELETE ON skolval.%I REFERENCING OLD TABLE AS old_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER audit_truncate BEFORE TRUNCATE ON skolval.%I '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
  END LOOP;
END
$audit$;

-- The results of runs are not logged row by row (a run writes them once; its guards keep them
-- frozen), but a TRUNCATE, which only the owner may do (demo_municipality(replace => true)),
-- keeps the before-image of every row it removes.
DO $audit_results$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['payment_row', 'payment_issue', 'placement', 'placement_wish', 'placement_unit'] LOOP
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER audit_truncate BEFORE TRUNCATE ON skolval.%I '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
  END LOOP;
END
$audit_results$;

-- The school year (sql/year, issue 16): its decisions, lists, rounds, offers, appeals and letters.
-- law (issue 13): overrides of blocking data issues before publication are logged too.
-- So are independent units' admission rules and queues, which decide places as the register does.
DO $audit_year$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['school_year_settings', 'later_round', 'year_application', 'placement_amendment', 'waiting_list',
                           'later_round_wish', 'placement_offer', 'capacity_justification', 'appeal', 'year_letter',
                           'publish_override', 'unit_admission', 'unit_queue']
  LOOP
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER audit_insert AFTER INSERT ON skolval.%I REFERENCING NEW TABLE AS new_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER audit_update AFTER UPDATE ON skolval.%I REFERENCING OLD TABLE AS old_rows '
                              'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER audit_delete AFTER DELETE ON skolval.%I REFERENCING OLD TABLE AS old_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER audit_truncate BEFORE TRUNCATE ON skolval.%I '
                              'FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_rows()', t);
  END LOOP;
END
$audit_year$;

-- The log itself is append-only, for every role and in every session_replication_role.
CREATE OR REPLACE FUNCTION skolval._audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'skolval.audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'object_not_in_prerequisite_state',
          DETAIL = 'Audit entries can be neither changed nor deleted.',
          HINT = 'Entries are written by triggers on the audited tables; read them with SELECT.';
END $$;
CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON skolval.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION skolval._audit_log_append_only();

-- Every trigger of the extension fires in every session_replication_role: the audit triggers,
-- the log's guard, the guards of frozen runs and the checks of the data. Without ALWAYS,
-- "SET session_replication_role = replica" (open to any superuser) would switch them all off.
-- A restore of a dump needs them off while the rows are copied in (doc/operations.md):
-- set_triggers(false) disables them, set_triggers(true) enables them again as they were.
-- Only the tables' owner can run it (ALTER TABLE); no skolval role may execute it.
CREATE OR REPLACE FUNCTION skolval.set_triggers(enabled boolean) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  t record;
  n integer := 0;
BEGIN
  IF enabled IS NULL THEN
    RAISE EXCEPTION 'enabled must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  FOR t IN
    SELECT c.oid::pg_catalog.regclass AS rel, tg.tgname
      FROM pg_catalog.pg_trigger tg
      JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid AND d.objid = c.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE NOT tg.tgisinternal
     ORDER BY c.relname, tg.tgname
  LOOP
    EXECUTE pg_catalog.format('ALTER TABLE %s %s TRIGGER %I', t.rel,
                              CASE WHEN enabled THEN 'ENABLE ALWAYS' ELSE 'DISABLE' END, t.tgname);
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;
COMMENT ON FUNCTION skolval.set_triggers(boolean) IS
  'For the owner (superuser) only, to restore a dump: set_triggers(false) disables every trigger of the extension (audit, guards of frozen runs, checks), set_triggers(true) makes them all fire again in every session_replication_role (ENABLE ALWAYS). Returns the number of triggers. Changes made while they are off are neither checked nor logged';

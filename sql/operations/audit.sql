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

-- One audit row per changed row. The key columns come from the table's primary key; an update
-- pairs old and new rows by that key and logs only rows that really changed. Run status changes
-- get their own action names, and allocate()'s bookkeeping of its run time is not logged.
CREATE OR REPLACE FUNCTION skolval._audit_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  keys text[];
  who name := skolval._acting_role();
  xid bigint := pg_catalog.pg_current_xact_id()::text::bigint;
  app text := nullif(pg_catalog.current_setting('application_name'), '');
  n bigint;
BEGIN
  SELECT pg_catalog.array_agg(a.attname::text ORDER BY pg_catalog.array_position(i.indkey::int2[], a.attnum))
    INTO keys
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
   WHERE i.indrelid = TG_RELID AND i.indisprimary;

  IF TG_OP = 'INSERT' THEN
    INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, application_name,
                                   action, table_name, row_key, new_row)
    SELECT xid, SESSION_USER, who, app,
           CASE TG_TABLE_NAME WHEN 'placement_run' THEN 'allocate' WHEN 'payment_run' THEN 'create_payment_run'
                              ELSE 'insert' END,
           TG_TABLE_NAME, (SELECT pg_catalog.jsonb_object_agg(k, x.j -> k) FROM pg_catalog.unnest(keys) k), x.j
      FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM new_rows r) x;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, application_name,
                                   action, table_name, row_key, old_row)
    SELECT xid, SESSION_USER, who, app, 'delete',
           TG_TABLE_NAME, (SELECT pg_catalog.jsonb_object_agg(k, x.j -> k) FROM pg_catalog.unnest(keys) k), x.j
      FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM old_rows r) x;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, application_name,
                                   action, table_name, row_key, old_row, new_row)
    SELECT xid, SESSION_USER, who, app,
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
    EXECUTE pg_catalog.format('SELECT count(*) FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO n;
    INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, application_name,
                                   action, table_name, old_row)
    VALUES (xid, SESSION_USER, who, app, 'truncate', TG_TABLE_NAME, pg_catalog.jsonb_build_object('rows', n));
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

-- The log itself is append-only, for every role.
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

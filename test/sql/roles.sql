-- Roles, privileges and the audit log: what skolval_admin, skolval_analyst and skolval_bi may
-- do, what BI sees of a child with protected identity, and what the audit log records.
-- Roles are cluster-wide: the login roles this test creates are dropped again at the end (and
-- left-overs of an interrupted earlier run first).
SET datestyle = ISO;
SET client_min_messages = warning;

CREATE FUNCTION pg_temp.expect_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- ---- the roles and what is granted ------------------------------------------------------
SELECT rolname, rolcanlogin, rolsuper, rolinherit
  FROM pg_roles WHERE rolname IN ('skolval_admin', 'skolval_analyst', 'skolval_bi') ORDER BY 1;

-- Nothing in the schema is granted to PUBLIC: no table, view, sequence or function (a function
-- without an ACL would be executable by PUBLIC).
SELECT c.relname AS granted_to_public
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'skolval'
 WHERE EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = 0)
UNION ALL
SELECT p.oid::regprocedure::text
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'skolval'
 WHERE p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0);

-- The SECURITY DEFINER functions, each with its search_path pinned (pg_catalog first, pg_temp last).
SELECT p.oid::regprocedure AS security_definer,
       EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=pg\_catalog, skolval, %pg\_temp') AS path_pinned
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'skolval'
 WHERE p.prosecdef ORDER BY 1;

-- Internal functions (leading underscore) are executable by neither analysts nor BI.
SELECT p.oid::regprocedure AS internal_function_granted
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'skolval'
 WHERE p.proname LIKE '\_%'
   AND (has_function_privilege('skolval_analyst', p.oid, 'EXECUTE') OR has_function_privilege('skolval_bi', p.oid, 'EXECUTE'));

-- What each role may read: BI only its four views; analysts everything but the audit log.
SELECT c.relname AS bi_may_read
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'skolval'
 WHERE c.relkind IN ('r', 'v', 'm') AND has_table_privilege('skolval_bi', c.oid, 'SELECT') ORDER BY 1;
SELECT c.relname AS analyst_may_not_read
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'skolval'
 WHERE c.relkind IN ('r', 'v', 'm') AND NOT has_table_privilege('skolval_analyst', c.oid, 'SELECT') ORDER BY 1;
SELECT c.relname AS analyst_may_write
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'skolval'
 WHERE c.relkind = 'r' AND has_table_privilege('skolval_analyst', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') ORDER BY 1;
SELECT c.relname AS admin_may_not_write
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'skolval'
 WHERE c.relkind = 'r' AND NOT has_table_privilege('skolval_admin', c.oid, 'INSERT') ORDER BY 1;
-- TRUNCATE would skip the triggers that keep published and locked runs immutable.
SELECT c.relname AS admin_may_not_truncate
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'skolval'
 WHERE c.relkind = 'r' AND NOT has_table_privilege('skolval_admin', c.oid, 'TRUNCATE') ORDER BY 1;
SELECT has_function_privilege('skolval_admin', 'skolval.configure_documents(text, text, text, text, text)', 'EXECUTE') AS admin_may_set_fonts;
-- No column a BI role can read is an identity, a name or an address; BI executes no function.
SELECT c.relname, a.attname AS bi_identity_column
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'skolval'
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE has_table_privilege('skolval_bi', c.oid, 'SELECT')
   AND a.attname ~ '^(personal_number|given_name|family_name|address|home|postal_code|postal_town|location|geom)$';
SELECT count(*) AS bi_functions
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'skolval'
 WHERE has_function_privilege('skolval_bi', p.oid, 'EXECUTE');
-- Analysts run no volatile function but allocate() (what-if) and route().
SELECT p.proname AS analyst_volatile_function
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'skolval'
 WHERE p.provolatile = 'v' AND p.prorettype <> 'trigger'::regtype
   AND has_function_privilege('skolval_analyst', p.oid, 'EXECUTE') ORDER BY 1;

-- ---- login roles for the test -----------------------------------------------------------
DROP ROLE IF EXISTS skolval_regress_admin, skolval_regress_admin2, skolval_regress_analyst, skolval_regress_bi, skolval_regress_nobody;
CREATE ROLE skolval_regress_admin LOGIN IN ROLE skolval_admin;
-- A second admin: with four eyes (on, as by default) the one who allocates cannot publish.
CREATE ROLE skolval_regress_admin2 LOGIN IN ROLE skolval_admin;
SELECT skolval.set_four_eyes(true);
CREATE ROLE skolval_regress_analyst LOGIN IN ROLE skolval_analyst;
CREATE ROLE skolval_regress_bi LOGIN IN ROLE skolval_bi;
CREATE ROLE skolval_regress_nobody LOGIN;

-- The example municipality: 60 children, one of them with protected identity; distances.
SELECT value AS children FROM skolval.demo_municipality(children => 60, seed => 3, network_edges => 800, replace => true)
 WHERE item = 'cohort children';
-- The admin computes the distances (compute_distances() warns that only the owner may ANALYZE
-- its tables: the warning is hidden; the distances are stored).
SET ROLE skolval_regress_admin;
SET client_min_messages = error;
SELECT pairs, ok FROM skolval.compute_distances(1);
SET client_min_messages = warning;
RESET ROLE;
SELECT child_id AS protected_child FROM skolval.round_cohort JOIN skolval.child USING (child_id)
 WHERE protected_identity \gset
SELECT max(audit_id) AS mark FROM skolval.audit_log \gset

-- ---- skolval_bi: the BI views only ------------------------------------------------------
SET ROLE skolval_regress_bi;
SELECT pg_temp.expect_error($$ SELECT count(*) FROM skolval.child $$);
SELECT pg_temp.expect_error($$ SELECT personal_number FROM skolval.placement_decision $$);
SELECT pg_temp.expect_error($$ SELECT count(*) FROM skolval.residence $$);
SELECT pg_temp.expect_error($$ SELECT count(*) FROM skolval.audit_log $$);
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1, what_if => true) $$);
RESET ROLE;

-- ---- a role without a skolval role cannot allocate, not even what-if ---------------------
SET ROLE skolval_regress_nobody;
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1, what_if => true) $$);
RESET ROLE;
-- Even when granted EXECUTE, allocate() (SECURITY DEFINER) checks the caller's roles itself.
GRANT USAGE ON SCHEMA skolval TO skolval_regress_nobody;
GRANT EXECUTE ON FUNCTION skolval.allocate(bigint, text, text, boolean) TO skolval_regress_nobody;
SET ROLE skolval_regress_nobody;
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1, what_if => true) $$);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION skolval.allocate(bigint, text, text, boolean) FROM skolval_regress_nobody;
REVOKE USAGE ON SCHEMA skolval FROM skolval_regress_nobody;

-- ---- skolval_analyst: reads everything, what-if runs only --------------------------------
SET ROLE skolval_regress_analyst;
SELECT count(*) AS children, count(*) FILTER (WHERE protected_identity) AS protected FROM skolval.child;
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.allocate(1, what_if => false) $$);
SELECT run_id, what_if, mechanism, status, created_by, children FROM skolval.allocate(1, what_if => true);
SELECT run_id, what_if, mechanism, created_by FROM skolval.allocate(1, 'immediate_acceptance', what_if => true);
SELECT pg_temp.expect_error($$ SELECT skolval.publish(1) $$);
SELECT pg_temp.expect_error($$ UPDATE skolval.child SET given_name = 'X' WHERE child_id = 1 $$);
SELECT pg_temp.expect_error($$ SELECT skolval.configure(municipality_name => 'X') $$);
SELECT pg_temp.expect_error($$ SELECT count(*) FROM skolval.compute_distances(1) $$);
SELECT pg_temp.expect_error($$ SELECT count(*) FROM skolval.audit_log $$);
RESET ROLE;
SELECT count(*) AS runs, count(*) FILTER (WHERE what_if) AS what_if_runs FROM skolval.placement_run;
SELECT status AS round_status FROM skolval.placement_round WHERE round_id = 1;

-- ---- skolval_admin: the real run, publication, the register ------------------------------
SET ROLE skolval_regress_admin;
SELECT skolval.staging_clear();
SELECT run_id, what_if, status, created_by, children FROM skolval.allocate(1);
-- Four eyes: the admin who made the run cannot publish it; nor can a second admin role in the
-- same login session (one login role, postgres here, is one person). Two people with two logins:
-- test/scripts/four_eyes.sh. For the rest of this test four eyes is off, with the reason.
SELECT pg_temp.expect_error($$ SELECT skolval.publish(3) $$);
RESET ROLE;
SET ROLE skolval_regress_admin2;
SELECT pg_temp.expect_error($$ SELECT skolval.publish(3) $$);
SELECT skolval.set_four_eyes(false, 'roles.sql: one login plays every role; four_eyes.sh has two people');
SELECT run_id, status, published_by FROM skolval.publish(3);
RESET ROLE;
SET ROLE skolval_regress_admin;
INSERT INTO skolval.child (personal_number, given_name, family_name)
VALUES ('20210302-2386', 'Alva', 'Regress') RETURNING child_id, personal_number, birth_date \gset
UPDATE skolval.child SET given_name = 'Alva Maria' WHERE child_id = :child_id;
UPDATE skolval.child SET given_name = 'Alva Maria' WHERE child_id = :child_id;
DELETE FROM skolval.child WHERE child_id = :child_id;
SELECT count(*) > 0 AS admin_reads_the_audit_log FROM skolval.audit_log;
SELECT pg_temp.expect_error($$ INSERT INTO skolval.audit_log (transaction_id, session_user_name, acting_role, action, table_name)
                                VALUES (1, 'x', 'x', 'insert', 'child') $$);
SELECT pg_temp.expect_error($$ DELETE FROM skolval.audit_log $$);
RESET ROLE;

-- ---- skolval_bi sees the protected child's placement, without identity or location -------
INSERT INTO skolval.data_issue (category, severity, child_id, round_id, message)
VALUES ('home_off_network', 'error', :protected_child, 1, 'test issue'),
       ('home_off_network', 'error', NULL, 1, 'test issue, resolved');
UPDATE skolval.data_issue SET resolved_at = now(), resolution = 'test' WHERE child_id IS NULL;
SET ROLE skolval_regress_bi;
SELECT run_id, run_status, child_id = :protected_child AS is_the_protected_child, protected_identity,
       district_code, walking_m, kind IS NOT NULL AS placed, unit_code IS NOT NULL AS has_unit
  FROM skolval.bi_placement WHERE run_id = 3 AND protected_identity;
SELECT count(*) AS placements, count(district_code) AS with_district, count(walking_m) AS with_distance
  FROM skolval.bi_placement WHERE run_id = 3;
SELECT sum(placed) AS placed, count(*) AS units FROM skolval.placement_unit_stats WHERE run_id = 3;
SELECT run_id, mechanism, what_if, status, children FROM skolval.mechanism_comparison ORDER BY run_id;
SELECT round_id, category, severity, open_issues, resolved_issues FROM skolval.bi_data_issue ORDER BY category;
RESET ROLE;

-- ---- the audit log ---------------------------------------------------------------------------
-- The child inserted, changed once (the second, identical update changed nothing and is not
-- logged) and deleted, with who did it and the rows before and after.
SELECT action, acting_role, session_user_name = session_user AS session_user_recorded, row_key = jsonb_build_object('child_id', :child_id) AS key_ok,
       old_row ->> 'given_name' AS old_given_name, new_row ->> 'given_name' AS new_given_name,
       coalesce(new_row, old_row) ->> 'personal_number' AS personal_number
  FROM skolval.audit_log
 WHERE table_name = 'child' AND row_key ->> 'child_id' = :'child_id' AND audit_id > :mark ORDER BY audit_id;
-- Runs made and published: what-if runs by the analyst, the real run and its publication by the
-- admin (allocate() is SECURITY DEFINER: the log names the caller, not the extension owner).
SELECT action, function_name, row_key ->> 'run_id' AS run_id, acting_role, current_user_name = current_user AS as_owner, new_row ->> 'what_if' AS what_if,
       old_row ->> 'status' AS old_status, new_row ->> 'status' AS new_status, new_row ->> 'created_by' AS created_by
  FROM skolval.audit_log WHERE table_name = 'placement_run' AND audit_id > :mark ORDER BY audit_id;
SELECT action, table_name, acting_role, old_row ->> 'status' AS old_status, new_row ->> 'status' AS new_status
  FROM skolval.audit_log WHERE table_name = 'placement_round' AND audit_id > :mark ORDER BY audit_id;
-- The real run and the round's new status are one transaction, and so are the publication and
-- the round's; the per-child results are not logged (a run writes them once, publication
-- freezes them), nor are data issues.
SELECT count(DISTINCT transaction_id) AS allocate_transactions FROM skolval.audit_log
 WHERE audit_id > :mark AND (action = 'allocate' AND row_key ->> 'run_id' = '3'
                             OR table_name = 'placement_round' AND new_row ->> 'status' = 'allocated');
SELECT count(DISTINCT transaction_id) AS publish_transactions FROM skolval.audit_log
 WHERE audit_id > :mark AND (action = 'publish' OR table_name = 'placement_round' AND new_row ->> 'status' = 'published');
SELECT table_name, action, count(*) FROM skolval.audit_log WHERE audit_id > :mark GROUP BY 1, 2 ORDER BY 1, 2;

-- A bulk statement: one audit row per row, the key from the primary key (composite here).
UPDATE skolval.round_capacity SET seats = seats + 1 WHERE round_id = 1;
SELECT count(*) AS capacity_updates, count(DISTINCT transaction_id) AS transactions,
       min(row_key::text) AS first_key,
       bool_and((new_row ->> 'seats')::int = (old_row ->> 'seats')::int + 1) AS seats_plus_one
  FROM skolval.audit_log WHERE table_name = 'round_capacity' AND audit_id > :mark;

-- The log is append-only, for superusers too.
SELECT pg_temp.expect_error($$ UPDATE skolval.audit_log SET acting_role = 'nobody' $$);
SELECT pg_temp.expect_error($$ DELETE FROM skolval.audit_log WHERE audit_id = 1 $$);
SELECT pg_temp.expect_error($$ TRUNCATE skolval.audit_log $$);

-- Truncating an audited table keeps the before-image of every row it held.
SELECT table_name, count(*) AS rows_before FROM (
  SELECT 'child' AS table_name FROM skolval.child UNION ALL SELECT 'wish' FROM skolval.wish
  UNION ALL SELECT 'placement_run' FROM skolval.placement_run) x GROUP BY 1 ORDER BY 1;
CREATE TEMP TABLE before_truncate AS SELECT pg_catalog.to_jsonb(c) AS j FROM skolval.child c;
SELECT skolval._demo_clear(true);
SELECT table_name, count(*) AS truncated_rows, count(DISTINCT row_key) AS keys FROM skolval.audit_log
 WHERE action = 'truncate' AND audit_id > :mark AND table_name IN ('child', 'wish', 'placement_run') GROUP BY 1 ORDER BY 1;
SELECT count(*) AS child_before_images_missing FROM before_truncate b
 WHERE NOT EXISTS (SELECT 1 FROM skolval.audit_log a WHERE a.action = 'truncate' AND a.table_name = 'child'
                      AND a.audit_id > :mark AND a.old_row = b.j);

-- ---- clean up the login roles (and the temp tables compute_distances() left them) ---------
DROP OWNED BY skolval_regress_admin, skolval_regress_admin2, skolval_regress_analyst, skolval_regress_bi, skolval_regress_nobody;
DROP ROLE skolval_regress_admin, skolval_regress_admin2, skolval_regress_analyst, skolval_regress_bi, skolval_regress_nobody;
DELETE FROM skolval.settings;

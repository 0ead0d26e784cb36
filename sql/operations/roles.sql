-- skolval: roles and privileges — who may configure and run, who may read, what BI sees.
--
--   skolval_admin    configure, load and change the register, run (distances, allocations,
--                    the nightly job, payment runs), publish, approve and lock (four eyes: not
--                    what it made itself); writes run and result tables only through those
--                    functions; reads the audit log but can write it only through the audited
--                    changes
--   skolval_analyst  reads every table and view except the audit log; runs what-if
--                    allocations (allocate(..., what_if => true)) and payment reconciliations,
--                    never a real run
--   skolval_bi       only the BI views: no personal identity number, no name, no address; for a
--                    child with protected identity not its district or walking distances either
--                    (its row stays, with the unit it is placed at, so counts add up)
--
-- The roles are cluster-wide and NOLOGIN: grant them to the municipality's login roles
-- (GRANT skolval_analyst TO alice). Nothing in the schema is granted to PUBLIC, functions
-- included (PostgreSQL grants EXECUTE to PUBLIC by default; revoked here).
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

DO $roles$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
      ('skolval_admin', 'skolval: configure, load, run, publish, approve and lock; reads the audit log'),
      ('skolval_analyst', 'skolval: reads everything except the audit log; what-if allocations and reconciliations only'),
      ('skolval_bi', 'skolval: the BI views only (no personal identity numbers, names or addresses)')) v(name, purpose)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.rolname = r.name) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r.name);
      EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', r.name, r.purpose);
    END IF;
  END LOOP;
END
$roles$;

-- ---------------------------------------------------------------------------------------
-- BI views: pseudonymous (internal child_id only), nothing that identifies a child or locates its home
-- ---------------------------------------------------------------------------------------

-- skolval.placement_decision carries personal identity numbers, names and addresses (it is for
-- letters); this is its BI counterpart. A child's walking distance and district stay out for a
-- child with protected identity: distances to several units would locate its home.
CREATE OR REPLACE VIEW skolval.bi_placement AS
SELECT p.run_id, r.round_id, r.status AS run_status, r.what_if, p.child_id, c.protected_identity,
       extract(year FROM c.birth_date)::integer AS birth_year,
       CASE WHEN c.protected_identity THEN NULL ELSE res.district_code END AS district_code,
       p.unit_id, u.unit_code, u.name AS unit_name, u.organizer, p.kind, p.wish_rank,
       (SELECT count(*) FROM skolval.wish w WHERE w.round_id = r.round_id AND w.child_id = p.child_id) AS wishes,
       p.decisive_criterion,
       CASE WHEN c.protected_identity THEN NULL ELSE round(p.walking_m) END AS walking_m
  FROM skolval.placement p
  JOIN skolval.placement_run r ON r.run_id = p.run_id
  JOIN skolval.child c ON c.child_id = p.child_id
  JOIN skolval.unit u ON u.unit_id = p.unit_id
  LEFT JOIN skolval.round_home h ON h.round_id = r.round_id AND h.child_id = p.child_id
  LEFT JOIN skolval.residence res ON res.residence_id = h.residence_id;
COMMENT ON VIEW skolval.bi_placement IS
  'For BI: one row per run and child, identified only by the internal child_id: where the child was placed, how (wish rank, kind, decisive criterion), district and walking distance. No personal identity number, name or address; for a child with protected identity no district and no distance either';
COMMENT ON COLUMN skolval.bi_placement.run_id IS 'The run';
COMMENT ON COLUMN skolval.bi_placement.round_id IS 'The round';
COMMENT ON COLUMN skolval.bi_placement.run_status IS 'draft or published';
COMMENT ON COLUMN skolval.bi_placement.what_if IS 'A comparison run that is never published';
COMMENT ON COLUMN skolval.bi_placement.child_id IS 'Internal child id (pseudonymous)';
COMMENT ON COLUMN skolval.bi_placement.protected_identity IS 'The child has protected identity: district and distance are withheld';
COMMENT ON COLUMN skolval.bi_placement.birth_year IS 'Year of birth';
COMMENT ON COLUMN skolval.bi_placement.district_code IS 'District of the home the round measured from (NULL for protected identity)';
COMMENT ON COLUMN skolval.bi_placement.unit_id IS 'The unit placed at';
COMMENT ON COLUMN skolval.bi_placement.unit_code IS 'Code of the unit placed at';
COMMENT ON COLUMN skolval.bi_placement.unit_name IS 'Name of the unit placed at';
COMMENT ON COLUMN skolval.bi_placement.organizer IS 'municipal or independent';
COMMENT ON COLUMN skolval.bi_placement.kind IS 'wish, near_home_offer or administrative';
COMMENT ON COLUMN skolval.bi_placement.wish_rank IS 'Rank of the wish obtained; NULL unless kind is wish';
COMMENT ON COLUMN skolval.bi_placement.wishes IS 'How many wishes the guardians gave (0: no active choice)';
COMMENT ON COLUMN skolval.bi_placement.decisive_criterion IS 'The criterion that gave the place (free_seat, near_home, sibling, ..., administrative)';
COMMENT ON COLUMN skolval.bi_placement.walking_m IS 'Walking metres from home to the unit, whole metres (NULL for protected identity)';

-- Issues of children with protected identity are counted under category protected_identity:
-- a category such as home_off_network or address_changed says where a child lives or that it moved.
CREATE OR REPLACE VIEW skolval.bi_data_issue AS
SELECT i.round_id, x.category, i.severity,
       count(*) FILTER (WHERE i.resolved_at IS NULL) AS open_issues,
       count(*) FILTER (WHERE i.resolved_at IS NOT NULL) AS resolved_issues,
       min(i.detected_at) AS first_detected_at, max(i.detected_at) AS last_detected_at
  FROM skolval.data_issue i
  CROSS JOIN LATERAL (SELECT CASE WHEN i.child_id IS NOT NULL
                                       AND coalesce((SELECT c.protected_identity FROM skolval.child c WHERE c.child_id = i.child_id), true)
                                  THEN 'protected_identity' ELSE i.category END AS category) x
 GROUP BY i.round_id, x.category, i.severity;
COMMENT ON VIEW skolval.bi_data_issue IS
  'For BI: data issues counted per round, category and severity, open and resolved; no child or unit is named. Issues of children with protected identity are counted under category protected_identity';
COMMENT ON COLUMN skolval.bi_data_issue.round_id IS 'The round (NULL: issues not tied to a round)';
COMMENT ON COLUMN skolval.bi_data_issue.category IS 'Kind of problem, for example home_off_network; protected_identity for the issues of children with protected identity';
COMMENT ON COLUMN skolval.bi_data_issue.severity IS 'error or warning';
COMMENT ON COLUMN skolval.bi_data_issue.open_issues IS 'Issues still open';
COMMENT ON COLUMN skolval.bi_data_issue.resolved_issues IS 'Issues resolved';
COMMENT ON COLUMN skolval.bi_data_issue.first_detected_at IS 'When the first of them was found';
COMMENT ON COLUMN skolval.bi_data_issue.last_detected_at IS 'When the last of them was found';

-- ---------------------------------------------------------------------------------------
-- Privileges. This part runs after every other part but sql/operations/finish.sql, so "ALL ... IN SCHEMA"
-- covers every table, view and function of the extension.
-- ---------------------------------------------------------------------------------------

REVOKE ALL ON ALL TABLES IN SCHEMA skolval FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA skolval FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA skolval FROM PUBLIC;
GRANT USAGE ON SCHEMA skolval TO skolval_admin, skolval_analyst, skolval_bi;

-- Admins: every table (the register, the configuration, staging, runs), but the audit log
-- only to read; every function.
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA skolval TO skolval_admin;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON skolval.audit_log FROM skolval_admin;
-- Run and result tables are written only through the extension's functions (allocate(),
-- publish(), create_payment_run(), approve_payment_run(), lock_payment_run(): SECURITY DEFINER,
-- each checking who may call it), never by hand: no INSERT, UPDATE or DELETE for admins, so a
-- status cannot be set, a row moved or a total edited around the workflow. TRUNCATE would skip
-- the row triggers that keep published and locked runs immutable: only the owner may empty them.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON skolval.payment_run, skolval.payment_row, skolval.payment_issue,
                   skolval.placement_run, skolval.placement, skolval.placement_wish, skolval.placement_unit
  FROM skolval_admin;
-- The records of decided documents are written only by the trigger that records a run.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON skolval.document_record, skolval.document_record_child,
                   skolval.document_record_unit, skolval.document_record_category,
                   skolval.document_record_payee FROM skolval_admin;
-- The server opens the font files document_settings names: setting them is for the superuser.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON skolval.document_settings FROM skolval_admin;
-- Retroactive rate decisions are recorded only by skolval.revise_payment_rates() (task "pay").
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON skolval.payment_rate_revision, skolval.payment_revision_row FROM skolval_admin;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA skolval TO skolval_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA skolval TO skolval_admin;
REVOKE EXECUTE ON FUNCTION skolval.configure_documents(text, text, text, text, text) FROM skolval_admin;
-- Switching every trigger off (for a restore) is for the owner only.
REVOKE EXECUTE ON FUNCTION skolval.set_triggers(boolean) FROM skolval_admin;
-- allocate()'s C part writes runs: only allocate() (SECURITY DEFINER, which checks the caller's
-- rights and arguments first) may call it.
REVOKE EXECUTE ON FUNCTION skolval._allocate_run(bigint, text, text, boolean, text, timestamptz) FROM skolval_admin;
-- law (issue 13): overrides of blocking issues are written only by override_blocking_issues().
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON skolval.publish_override FROM skolval_admin;

-- Analysts: read everything except the audit log. Functions: those that only read (immutable
-- and stable ones) and the volatile ones that read or make what-if results only: allocate()
-- (SECURITY DEFINER; it refuses a real run to anyone but skolval_admin) and route().
GRANT SELECT ON ALL TABLES IN SCHEMA skolval TO skolval_analyst;
REVOKE SELECT ON skolval.audit_log FROM skolval_analyst;
DO $analyst$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid AND d.objid = p.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE p.prorettype <> 'pg_catalog.trigger'::regtype
       AND p.proname !~ '^_'   -- internal functions: never to analysts (task "paths", see below)
       AND (p.provolatile IN ('i', 's') OR p.proname IN ('allocate', 'route'))
  LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO skolval_analyst', f);
  END LOOP;
  -- internal functions: revoked too, for databases upgraded from versions that granted them
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid AND d.objid = p.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE p.proname ~ '^_'
  LOOP
    EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM skolval_analyst, skolval_bi', f);
  END LOOP;
END
$analyst$;

-- Internal functions (a leading underscore) are executed only by the extension's own functions:
-- neither analysts nor BI may call them (an analyst calling skolval._payment_compute() under a
-- search_path of its own once crashed the server). The public functions analysts may call that
-- need internals therefore run as the extension's owner (SECURITY DEFINER, search_path pinned
-- by sql/operations/finish.sql). Each of them only reads, and only what an analyst may read
-- anyway (every table but the audit log); none of them is granted to BI. Admins keep EXECUTE on
-- the internals: their entry points (compute_distances, create_payment_run, demo_municipality,
-- network_load, import_applications) run with the admin's own rights.
DO $internal$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid AND d.objid = p.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE p.proname = ANY (ARRAY['payment_rows', 'payment_check', 'reconcile_payments', 'payment_count_date',
                                  'staging_check', 'decision_letter_content', 'payment_statement_content'])
  LOOP
    EXECUTE pg_catalog.format('ALTER FUNCTION %s SECURITY DEFINER', f);
  END LOOP;
END
$internal$;
-- Task "pay" (issue 14): the finance files and the IKE basis only read, and need internals; they
-- run as the owner like the ones above (granted to analysts, not to BI).
DO $internal_pay$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                                  AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'skolval'
     WHERE p.proname = ANY (ARRAY['payment_payees', 'payment_payee_file', 'payment_sie', 'ike_basis', 'ike_invoice_content'])
  LOOP
    EXECUTE pg_catalog.format('ALTER FUNCTION %s SECURITY DEFINER', f);
  END LOOP;
END
$internal_pay$;
-- The map (placement_map_svg) needs internals too but does arithmetic with PostGIS on its path;
-- run as the owner it would hand a superuser's rights to whoever can plant an operator in the
-- PostGIS schema. It stays SECURITY INVOKER and is for admins only.
REVOKE EXECUTE ON FUNCTION skolval.placement_map_svg(bigint, bigint) FROM skolval_analyst;

-- The school year (sql/year, issue 16): its records are written only through its functions
-- (SECURITY DEFINER, each checking that the caller is an admin), never by hand; the settings
-- through set_school_year().
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON skolval.placement_amendment, skolval.waiting_list, skolval.later_round,
                   skolval.later_round_wish, skolval.year_application, skolval.placement_offer,
                   skolval.capacity_justification, skolval.appeal, skolval.year_letter, skolval.school_year_settings
  FROM skolval_admin;

-- BI: the BI views, nothing else (they call no skolval function). Placement: bi_placement,
-- bi_data_issue, placement_unit_stats, mechanism_comparison; payments (sql/payments/payments.sql):
-- the summaries per unit and per administration, corrections and open payment issues, which
-- name children by child_id only.
GRANT SELECT ON skolval.bi_placement, skolval.bi_data_issue, skolval.placement_unit_stats,
                skolval.mechanism_comparison, skolval.payment_unit_summary,
                skolval.payment_administration_summary, skolval.payment_correction,
                skolval.payment_open_issue TO skolval_bi;
-- The school year (sql/year): current placements and per-unit figures, pseudonymous.
GRANT SELECT ON skolval.bi_current_placement, skolval.bi_year_unit TO skolval_bi;

-- Every relation BI can read is a security_barrier view: a function BI writes (a pg_temp one
-- with a tiny COST, say) in the WHERE clause of its query is evaluated only on the rows the view
-- returns, never pushed below the view's own joins and conditions where it would see the rows
-- the view leaves out. Derived from the catalog, so a view granted to BI later is covered too;
-- a table granted to BI is refused outright (test/scripts/bi_privacy.sh checks both).
DO $bi_barrier$
DECLARE
  v record;
BEGIN
  FOR v IN
    SELECT c.oid::regclass AS rel, c.relkind
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'skolval'::pg_catalog.regnamespace::pg_catalog.oid
       AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       AND pg_catalog.has_table_privilege('skolval_bi', c.oid, 'SELECT')
  LOOP
    IF v.relkind <> 'v' THEN
      RAISE EXCEPTION 'skolval_bi can read %, which is not a view', v.rel
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'BI reads security_barrier views only.';
    END IF;
    EXECUTE pg_catalog.format('ALTER VIEW %s SET (security_barrier = true)', v.rel);
  END LOOP;
END
$bi_barrier$;

-- skolval: who may use the delivery room (runs after sql/operations/roles.sql, whose blanket
-- grants it narrows). Re-runnable.
--
--   skolval_officer  the case officer (handläggare): one child's whole case (child_case) and
--                    its deliveries (decision_delivery); no table, no other function
--   skolval_mailer   the mail robot and the e-service: the outbox API only (claim, mark sent,
--                    failed, delivered, control notice, the print file and a letter's words);
--                    no table
DO $delivery_roles$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
      ('skolval_officer', 'skolval: the case officer: one child''s whole case and its deliveries'),
      ('skolval_mailer', 'skolval: the mail robot and the e-service: the outbox API only')) v(name, purpose)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.rolname = r.name) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r.name);
      EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', r.name, r.purpose);
    END IF;
  END LOOP;
END
$delivery_roles$;
GRANT USAGE ON SCHEMA skolval TO skolval_officer, skolval_mailer;

-- Decisions, case numbers and the outbox are written only by the delivery functions
-- (SECURITY DEFINER, each checking its caller): not by hand, not by admins either.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON skolval.decision, skolval.case_series, skolval.outbox, skolval.outbox_batch
  FROM skolval_admin;
-- The letters' words hold names and personal identity numbers: analysts read the tables (as
-- they read the register) but do not compose letters; BI sees none of it.
REVOKE EXECUTE ON FUNCTION skolval.delivery_letter_content(bigint), skolval.child_case(bigint),
                           skolval.decision_delivery(bigint, bigint) FROM skolval_analyst;
GRANT EXECUTE ON FUNCTION skolval.child_case(bigint), skolval.decision_delivery(bigint, bigint),
                          skolval.delivery_letter_content(bigint) TO skolval_officer;
GRANT EXECUTE ON FUNCTION skolval.outbox_claim(text, integer, text),
                          skolval.outbox_mark_sent(bigint[], text, timestamptz),
                          skolval.outbox_mark_failed(bigint[], text, text),
                          skolval.outbox_mark_delivered(bigint, timestamptz, timestamptz),
                          skolval.outbox_control_notice(bigint[], timestamptz),
                          skolval.delivery_print_file(bigint),
                          skolval.outbox_payload(bigint[]),
                          skolval.delivery_letter(bigint),
                          skolval.delivery_letter_content(bigint) TO skolval_mailer;
-- The letters are laid out in C, reading internals: run as the owner (each reads only through
-- delivery_letter_content(), which checks the caller).
ALTER FUNCTION skolval.delivery_letter(bigint) SECURITY DEFINER;
ALTER FUNCTION skolval.delivery_print_file(bigint) SECURITY DEFINER;

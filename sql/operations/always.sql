-- skolval: the last part — every trigger of the extension fires in every
-- session_replication_role (ENABLE ALWAYS), so that neither the audit log nor the guards of
-- frozen runs can be switched off with "SET session_replication_role = replica". Last, because
-- CREATE OR REPLACE TRIGGER (earlier parts) sets a trigger back to the default (ORIGIN).
-- Re-runnable: the install script and every upgrade script include this file.
DO $always$
BEGIN
  PERFORM skolval.set_triggers(true);
END
$always$;

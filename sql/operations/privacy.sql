-- skolval: protected identity in the texts the extension stores about a child — data issues
-- (skolval.data_issue) and payment issues (skolval.payment_issue).
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.
--
-- The payment core (src/payments) and the distance and placement jobs write English messages
-- with the facts behind an issue: the municipality a child is registered in, how many addresses
-- it had in a month, the administration of its district. For a child with protected identity
-- none of that may reach a message (issue 11, item 7): whoever writes the issue, the message is
-- replaced by one that names only the child id, the category and the unit, and the detail keeps
-- only ids and dates that say nothing of where the child lives. The case officer finds the
-- facts in the register. BI's views mask these issues further (category protected_identity).

CREATE OR REPLACE FUNCTION skolval._issue_withhold_protected() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.child_id IS NOT NULL
     AND EXISTS (SELECT 1 FROM skolval.child c WHERE c.child_id = NEW.child_id AND c.protected_identity) THEN
    NEW.message := pg_catalog.format(
      'child %s (protected identity): %s%s; the details are withheld from this message, see the register',
      NEW.child_id, NEW.category, CASE WHEN NEW.unit_id IS NOT NULL THEN ' at unit ' || NEW.unit_id ELSE '' END);
    NEW.detail := (SELECT coalesce(pg_catalog.jsonb_object_agg(e.key, e.value), '{}'::jsonb)
                     FROM pg_catalog.jsonb_each(NEW.detail) e
                    WHERE e.key = ANY (ARRAY['date', 'month', 'payment_month', 'payment_run_id', 'enrollment_id',
                                             'other_enrollment_id', 'other_unit_id', 'supplement_id',
                                             'category_code', 'rank']));
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION skolval._issue_withhold_protected() IS
  'Trigger: the message and detail of a data or payment issue about a child with protected identity say nothing of where it lives (municipality, district, administration, address, moves, distances): only its id, the category and the unit';

CREATE OR REPLACE TRIGGER data_issue_withhold_protected
  BEFORE INSERT OR UPDATE OF message, detail, child_id ON skolval.data_issue
  FOR EACH ROW EXECUTE FUNCTION skolval._issue_withhold_protected();
CREATE OR REPLACE TRIGGER payment_issue_withhold_protected
  BEFORE INSERT OR UPDATE OF message, detail, child_id ON skolval.payment_issue
  FOR EACH ROW EXECUTE FUNCTION skolval._issue_withhold_protected();

-- A child who is given protected identity: its data issues are rewritten at once. The issues
-- of payment runs are the runs' records (written only by the run functions) and stay as they
-- were, readable by administrators and analysts; BI never sees their text.
CREATE OR REPLACE FUNCTION skolval._child_protected_issues() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE skolval.data_issue i SET message = i.message WHERE i.child_id = NEW.child_id;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._child_protected_issues() IS
  'Trigger: when a child is given protected identity, the messages of its data issues are rewritten without the facts about it';

CREATE OR REPLACE TRIGGER child_protected_issues
  AFTER UPDATE OF protected_identity ON skolval.child
  FOR EACH ROW WHEN (NEW.protected_identity AND NOT OLD.protected_identity)
  EXECUTE FUNCTION skolval._child_protected_issues();

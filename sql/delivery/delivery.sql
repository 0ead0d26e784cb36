-- skolval: delivery — guardians, case numbers, who decided, the outbox for the mail robot and the
-- e-service, delivery dates and the appeal deadline, one child's whole case (doc/delivery.md).
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

COMMENT ON TABLE skolval.delivery_settings IS
  'How decisions are delivered (one row; defaults apply without it): the case number series, the rule for guardians who disagree, Skatteverket''s forwarding address, retries of failed sends';
COMMENT ON COLUMN skolval.delivery_settings.singleton IS 'Always true: keeps the table to one row';
COMMENT ON COLUMN skolval.delivery_settings.case_prefix IS 'Prefix of the case number series (diarium), for example BSN: case numbers read "BSN 2027/0001"';
COMMENT ON COLUMN skolval.delivery_settings.disagreement_rule IS
  'What happens when the guardians of a child send differing applications or say they disagree (oense): no_choice (the child is treated as having made no active choice) or first_signed (the application signed first counts); either way a data issue guardians_disagree';
COMMENT ON COLUMN skolval.delivery_settings.forwarding_address IS 'The address lines of Skatteverket''s forwarding service (särskild postförmedling) for letters to people with protected identity; complete it with the postal address Skatteverket gives';
COMMENT ON COLUMN skolval.delivery_settings.max_attempts IS 'How many times a send is tried before it is reported as failed for good (a data issue delivery_failed)';
COMMENT ON COLUMN skolval.delivery_settings.claim_timeout IS 'A claimed row that is neither marked sent nor failed within this time may be claimed again (the robot is taken to have crashed)';
COMMENT ON COLUMN skolval.delivery_settings.updated_at IS 'When the settings were last changed';

COMMENT ON TABLE skolval.case_series IS 'The case number series: the last number given per prefix and year';
COMMENT ON COLUMN skolval.case_series.prefix IS 'Prefix, for example BSN';
COMMENT ON COLUMN skolval.case_series.year IS 'Year of the series (the year of the decision)';
COMMENT ON COLUMN skolval.case_series.last_number IS 'The last number given';

COMMENT ON TABLE skolval.guardian IS
  'Guardians (vårdnadshavare) from the population register''s relations, loaded through skolval.staging_guardian. A guardian with protected identity has no address here: letters go through Skatteverket''s forwarding';
COMMENT ON COLUMN skolval.guardian.guardian_id IS 'Internal id';
COMMENT ON COLUMN skolval.guardian.personal_number IS 'Personnummer or samordningsnummer, 12 digits';
COMMENT ON COLUMN skolval.guardian.given_name IS 'Given name';
COMMENT ON COLUMN skolval.guardian.family_name IS 'Family name';
COMMENT ON COLUMN skolval.guardian.address IS 'Postal address (street); NULL for protected identity';
COMMENT ON COLUMN skolval.guardian.postal_code IS 'Postal code (NNN NN)';
COMMENT ON COLUMN skolval.guardian.postal_town IS 'Postal town';
COMMENT ON COLUMN skolval.guardian.channel IS 'How the decision is formally delivered: digital_mailbox (a digital mailbox, delivered when it is delivered or read) or paper (a letter, förenklad delgivning); every guardian also gets it in the e-service';
COMMENT ON COLUMN skolval.guardian.sekretessmarkering IS 'The guardian has sekretessmarkering';
COMMENT ON COLUMN skolval.guardian.skyddad_folkbokforing IS 'The guardian has skyddad folkbokföring';
COMMENT ON COLUMN skolval.guardian.updated_at IS 'When the row was last loaded';

COMMENT ON TABLE skolval.custody IS 'Who has custody (vårdnad) of which child: every guardian here gets each decision about the child';
COMMENT ON COLUMN skolval.custody.child_id IS 'The child';
COMMENT ON COLUMN skolval.custody.guardian_id IS 'A guardian with custody';

COMMENT ON TABLE skolval.child_protection IS
  'Which kind of protected identity a child has, one flag per kind; both are handled alike (the child''s letters go through Skatteverket''s forwarding) and skolval.child.protected_identity is true for each child here';
COMMENT ON COLUMN skolval.child_protection.child_id IS 'The child';
COMMENT ON COLUMN skolval.child_protection.sekretessmarkering IS 'The child has sekretessmarkering';
COMMENT ON COLUMN skolval.child_protection.skyddad_folkbokforing IS 'The child has skyddad folkbokföring';

COMMENT ON TABLE skolval.staging_guardian IS
  'Staging for the population register''s relations (one row per child and guardian), all text; checked by guardian_staging_check(), loaded by guardian_staging_merge()';
COMMENT ON COLUMN skolval.staging_guardian.source_row IS 'Row number in the file (identity)';
COMMENT ON COLUMN skolval.staging_guardian.child_personal_number IS 'The child''s personal identity number; the child must be in the register';
COMMENT ON COLUMN skolval.staging_guardian.guardian_personal_number IS 'The guardian''s personal identity number';
COMMENT ON COLUMN skolval.staging_guardian.given_name IS 'The guardian''s given name';
COMMENT ON COLUMN skolval.staging_guardian.family_name IS 'The guardian''s family name';
COMMENT ON COLUMN skolval.staging_guardian.address IS 'The guardian''s postal address; must be empty for protected identity';
COMMENT ON COLUMN skolval.staging_guardian.postal_code IS 'Postal code';
COMMENT ON COLUMN skolval.staging_guardian.postal_town IS 'Postal town';
COMMENT ON COLUMN skolval.staging_guardian.channel IS 'digital_mailbox (digital brevlåda) or paper (post, papper); empty: paper';
COMMENT ON COLUMN skolval.staging_guardian.custody IS 'Has custody: J/N (empty: J)';
COMMENT ON COLUMN skolval.staging_guardian.guardian_protection IS 'The guardian''s protected identity: empty, sekretessmarkering or skyddad folkbokföring';
COMMENT ON COLUMN skolval.staging_guardian.child_protection IS 'The child''s protected identity: empty, sekretessmarkering or skyddad folkbokföring';

COMMENT ON TABLE skolval.round_decision_maker IS 'Who decides a round''s placements and under which delegation; printed on every letter and stored with each decision at publication';
COMMENT ON COLUMN skolval.round_decision_maker.round_id IS 'The round';
COMMENT ON COLUMN skolval.round_decision_maker.role_title IS 'The decision maker''s role, for example "Handläggare, antagningsenheten"';
COMMENT ON COLUMN skolval.round_decision_maker.name IS 'The decision maker''s name';
COMMENT ON COLUMN skolval.round_decision_maker.delegation IS 'The delegation the decision is made under, for example "Barn- och skolnämndens delegationsordning, punkt 4.2"';
COMMENT ON COLUMN skolval.round_decision_maker.updated_at IS 'When it was last set';

COMMENT ON TABLE skolval.decision IS
  'One decision per child of a published placement run: its case number (diarienummer) and who decided under which delegation. Written by the trigger that publishes the run, never changed';
COMMENT ON COLUMN skolval.decision.run_id IS 'The published run';
COMMENT ON COLUMN skolval.decision.child_id IS 'The child';
COMMENT ON COLUMN skolval.decision.case_number IS 'Case number, for example "BSN 2027/0001"';
COMMENT ON COLUMN skolval.decision.decided_at IS 'When the decision was made (the run''s publication)';
COMMENT ON COLUMN skolval.decision.decision_date IS 'Date of the decision, printed on the letter';
COMMENT ON COLUMN skolval.decision.maker_role_title IS 'Who decided: role (NULL when the round had no decision maker; such decisions cannot be sent)';
COMMENT ON COLUMN skolval.decision.maker_name IS 'Who decided: name';
COMMENT ON COLUMN skolval.decision.maker_delegation IS 'The delegation decided under';

COMMENT ON TABLE skolval.outbox_batch IS 'A batch claimed by a mail robot or the e-service';
COMMENT ON COLUMN skolval.outbox_batch.batch_id IS 'Internal id';
COMMENT ON COLUMN skolval.outbox_batch.channel IS 'The channel claimed';
COMMENT ON COLUMN skolval.outbox_batch.worker IS 'The worker (robot) that claimed it';
COMMENT ON COLUMN skolval.outbox_batch.claimed_at IS 'When';
COMMENT ON COLUMN skolval.outbox_batch.rows IS 'How many outbox rows it claimed';

COMMENT ON TABLE skolval.outbox IS
  'One row per decision (of a published main round, or of the school year after it: amendments, offers, appeal steps), recipient (a guardian with custody) and channel: the letter (PDF, made when claimed) and the e-service''s JSON, what was sent when, delivery and the appeal deadline. Written only through the delivery functions';
COMMENT ON COLUMN skolval.outbox.outbox_id IS 'Internal id';
COMMENT ON COLUMN skolval.outbox.run_id IS 'The published run whose decision this is (NULL for a letter of the school year)';
COMMENT ON COLUMN skolval.outbox.letter_id IS 'The letter of the school year this is (skolval.year_letter: an amendment, an offer, an appeal step, a waiting-list notice; NULL for a main round''s decision)';
COMMENT ON COLUMN skolval.outbox.case_number IS 'The case number (diarienummer) the letter bears: the decision''s, an amendment''s own, or for a notice the case it belongs to';
COMMENT ON COLUMN skolval.outbox.child_id IS 'The child the decision is about';
COMMENT ON COLUMN skolval.outbox.guardian_id IS 'The recipient';
COMMENT ON COLUMN skolval.outbox.channel IS 'e_service (Mina sidor), digital_mailbox or paper';
COMMENT ON COLUMN skolval.outbox.via_forwarding IS 'The child or the recipient has protected identity: the letter goes through Skatteverket''s forwarding and shows no address';
COMMENT ON COLUMN skolval.outbox.postal_order IS 'Sort key of the print file: Skatteverket''s forwarding first, then by postal code and address';
COMMENT ON COLUMN skolval.outbox.status IS 'pending, claimed (by a robot, not yet reported), sent, failed (retried until max_attempts)';
COMMENT ON COLUMN skolval.outbox.attempts IS 'How many times it was claimed';
COMMENT ON COLUMN skolval.outbox.batch_id IS 'The batch of the last claim';
COMMENT ON COLUMN skolval.outbox.claimed_by IS 'The worker of the last claim';
COMMENT ON COLUMN skolval.outbox.claimed_at IS 'When it was last claimed';
COMMENT ON COLUMN skolval.outbox.sent_at IS 'When it was sent (as the robot reported)';
COMMENT ON COLUMN skolval.outbox.failed_at IS 'When the last attempt failed';
COMMENT ON COLUMN skolval.outbox.failure_reason IS 'Why the last attempt failed';
COMMENT ON COLUMN skolval.outbox.control_notice_at IS 'Paper: when the control notice (kontrollmeddelande) of förenklad delgivning was sent';
COMMENT ON COLUMN skolval.outbox.delivered_at IS 'Digital mailbox: when it was delivered to the mailbox';
COMMENT ON COLUMN skolval.outbox.read_at IS 'Digital mailbox or e-service: when the recipient opened it';
COMMENT ON COLUMN skolval.outbox.delivered_on IS 'The day the decision counts as delivered (delgiven) by this channel: paper two weeks after sending (förenklad delgivning, with a control notice in time), digital mailbox when delivered or read, e-service when read';
COMMENT ON COLUMN skolval.outbox.appeal_deadline IS 'Last day to appeal when delivery by this channel counts: three weeks after delivered_on, moved to the next working day (lag 1930:173)';
COMMENT ON COLUMN skolval.outbox.pdf IS 'Digital mailbox: the letter as PDF, made when the row is first claimed (paper letters are printed from the batch''s print file; any letter can be made with delivery_letter())';
COMMENT ON COLUMN skolval.outbox.json IS 'The decision for the e-service: case number, child, school, decision, motivation, appeal route, who decided';
COMMENT ON COLUMN skolval.outbox.created_at IS 'When it was queued';

-- ---------------------------------------------------------------------------------------
-- Working days and the appeal deadline
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.easter_sunday(year integer) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  a integer := year % 19;
  b integer := year / 100;
  c integer := year % 100;
  d integer := b / 4;
  e integer := b % 4;
  f integer := (b + 8) / 25;
  g integer := (b - f + 1) / 3;
  h integer := (19 * a + b - d - g + 15) % 30;
  i integer := c / 4;
  k integer := c % 4;
  l integer := (32 + 2 * e + 2 * i - h - k) % 7;
  m integer := (a + 11 * h + 22 * l) / 451;
BEGIN
  IF year < 1583 OR year > 9999 THEN
    RAISE EXCEPTION 'easter_sunday(): year % is outside the Gregorian years 1583-9999', year
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN pg_catalog.make_date(year, (h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1);
END $$;
COMMENT ON FUNCTION skolval.easter_sunday(integer) IS 'Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm)';

CREATE OR REPLACE FUNCTION skolval.swedish_holiday(d date) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  e date := skolval.easter_sunday(pg_catalog.date_part('year', d)::integer);
  md integer := (pg_catalog.date_part('month', d) * 100 + pg_catalog.date_part('day', d))::integer;
  dow integer := pg_catalog.date_part('isodow', d)::integer;
BEGIN
  RETURN md IN (101, 106, 501, 606, 1225, 1226)              -- nyårsdagen, trettondedag jul, 1 maj, nationaldagen, juldagen, annandag jul
      OR d IN (e - 2, e, e + 1, e + 39, e + 49)              -- långfredagen, påskdagen, annandag påsk, Kristi himmelsfärdsdag, pingstdagen
      OR (dow = 6 AND md BETWEEN 620 AND 626)                -- midsommardagen
      OR (dow = 6 AND (md = 1031 OR md BETWEEN 1101 AND 1106)); -- alla helgons dag
END $$;
COMMENT ON FUNCTION skolval.swedish_holiday(date) IS
  'The day is a Swedish public holiday (allmän helgdag, lag 1989:253): nyårsdagen, trettondedag jul, långfredagen, påskdagen, annandag påsk, 1 maj, Kristi himmelsfärdsdag, pingstdagen, nationaldagen, midsommardagen, alla helgons dag, juldagen, annandag jul';

CREATE OR REPLACE FUNCTION skolval.working_day(d date) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  md integer := (pg_catalog.date_part('month', d) * 100 + pg_catalog.date_part('day', d))::integer;
  dow integer := pg_catalog.date_part('isodow', d)::integer;
BEGIN
  RETURN NOT (dow IN (6, 7) OR skolval.swedish_holiday(d) OR md IN (1224, 1231)
              OR (dow = 5 AND md BETWEEN 619 AND 625));      -- midsommarafton
END $$;
COMMENT ON FUNCTION skolval.working_day(date) IS
  'The day is not a Saturday, Sunday, public holiday, midsommarafton, julafton or nyårsafton: a deadline that falls on one of those moves to the next working day (lag 1930:173 om beräkning av lagstadgad tid)';

CREATE OR REPLACE FUNCTION skolval.next_working_day(d date) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  x date := d + 1;
BEGIN
  WHILE NOT skolval.working_day(x) LOOP
    x := x + 1;
  END LOOP;
  RETURN x;
END $$;
COMMENT ON FUNCTION skolval.next_working_day(date) IS 'The first working day after the given day (skolval.working_day)';

CREATE OR REPLACE FUNCTION skolval.appeal_deadline(delivered_on date) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  d date := delivered_on + 21;
BEGIN
  WHILE NOT skolval.working_day(d) LOOP
    d := d + 1;
  END LOOP;
  RETURN d;
END $$;
COMMENT ON FUNCTION skolval.appeal_deadline(date) IS
  'The last day to appeal a decision delivered on the given day: three weeks later (FL 44 §), moved to the next working day when it falls on a Saturday, Sunday, public holiday, midsommarafton, julafton or nyårsafton (lag 1930:173)';

-- ---------------------------------------------------------------------------------------
-- Settings and who decides
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.delivery_setup() RETURNS skolval.delivery_settings
LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT s FROM skolval.delivery_settings s), ROW(true, 'BSN', 'no_choice',
                  ARRAY['Skatteverket', 'Särskild postförmedling'], 3, '1 hour'::interval, NULL)::skolval.delivery_settings)
$$;
COMMENT ON FUNCTION skolval.delivery_setup() IS 'The delivery settings in force: the row of skolval.delivery_settings, or the defaults when there is none';

CREATE OR REPLACE FUNCTION skolval.configure_delivery(
  case_prefix text DEFAULT NULL,
  disagreement_rule text DEFAULT NULL,
  forwarding_address text[] DEFAULT NULL,
  max_attempts integer DEFAULT NULL,
  claim_timeout interval DEFAULT NULL)
RETURNS skolval.delivery_settings
LANGUAGE plpgsql AS $$
DECLARE
  cur skolval.delivery_settings := skolval.delivery_setup();
  result skolval.delivery_settings;
BEGIN
  IF configure_delivery.disagreement_rule IS NOT NULL AND configure_delivery.disagreement_rule NOT IN ('no_choice', 'first_signed') THEN
    RAISE EXCEPTION 'configure_delivery(): disagreement_rule must be no_choice or first_signed, not "%"', configure_delivery.disagreement_rule
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO skolval.delivery_settings AS s (singleton, case_prefix, disagreement_rule, forwarding_address, max_attempts, claim_timeout)
  VALUES (true, coalesce(configure_delivery.case_prefix, cur.case_prefix),
          coalesce(configure_delivery.disagreement_rule, cur.disagreement_rule),
          coalesce(configure_delivery.forwarding_address, cur.forwarding_address),
          coalesce(configure_delivery.max_attempts, cur.max_attempts),
          coalesce(configure_delivery.claim_timeout, cur.claim_timeout))
  ON CONFLICT (singleton) DO UPDATE
     SET case_prefix = EXCLUDED.case_prefix, disagreement_rule = EXCLUDED.disagreement_rule,
         forwarding_address = EXCLUDED.forwarding_address, max_attempts = EXCLUDED.max_attempts,
         claim_timeout = EXCLUDED.claim_timeout, updated_at = pg_catalog.now()
  RETURNING * INTO result;
  RETURN result;
END $$;
COMMENT ON FUNCTION skolval.configure_delivery(text, text, text[], integer, interval) IS
  'Set the delivery settings (case number prefix, disagreement rule no_choice or first_signed, Skatteverket''s forwarding address lines, max attempts, claim timeout); arguments left NULL keep their current value';

CREATE OR REPLACE FUNCTION skolval.set_decision_maker(round_id bigint, role_title text, name text, delegation text)
RETURNS skolval.round_decision_maker
LANGUAGE plpgsql AS $$
DECLARE
  r skolval.placement_round;
  result skolval.round_decision_maker;
BEGIN
  IF set_decision_maker.round_id IS NULL OR set_decision_maker.role_title IS NULL OR set_decision_maker.name IS NULL
     OR set_decision_maker.delegation IS NULL THEN
    RAISE EXCEPTION 'set_decision_maker(): % must not be NULL',
      CASE WHEN set_decision_maker.round_id IS NULL THEN 'round_id' WHEN set_decision_maker.role_title IS NULL THEN 'role_title'
           WHEN set_decision_maker.name IS NULL THEN 'name' ELSE 'delegation' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = set_decision_maker.round_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'round % does not exist', set_decision_maker.round_id USING ERRCODE = 'no_data_found';
  END IF;
  IF r.status = 'published' THEN
    RAISE EXCEPTION 'round "%" is published; its decisions name who made them', r.name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'The decision maker is stored with every decision when the run is published.';
  END IF;
  INSERT INTO skolval.round_decision_maker AS m (round_id, role_title, name, delegation)
  VALUES (r.round_id, btrim(set_decision_maker.role_title), btrim(set_decision_maker.name), btrim(set_decision_maker.delegation))
  ON CONFLICT ON CONSTRAINT round_decision_maker_pkey DO UPDATE
     SET role_title = EXCLUDED.role_title, name = EXCLUDED.name, delegation = EXCLUDED.delegation, updated_at = pg_catalog.now()
  RETURNING * INTO result;
  RETURN result;
END $$;
COMMENT ON FUNCTION skolval.set_decision_maker(bigint, text, text, text) IS
  'Name who decides a round''s placements (role, name, delegation reference); stored with every decision when its run is published and printed on the letters. Refused for a published round';

-- ---------------------------------------------------------------------------------------
-- Decisions: case numbers at publication
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._delivery_record_decisions() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  s skolval.delivery_settings := skolval.delivery_setup();
  yr integer := pg_catalog.date_part('year', NEW.published_at)::integer;
  n integer;
  base integer;
  m skolval.round_decision_maker;
BEGIN
  SELECT pg_catalog.count(*)::integer INTO n FROM skolval.placement p WHERE p.run_id = NEW.run_id;
  IF n = 0 OR EXISTS (SELECT 1 FROM skolval.decision x WHERE x.run_id = NEW.run_id) THEN
    RETURN NULL;
  END IF;
  -- one statement takes the numbers: concurrent publications of two rounds never share one
  INSERT INTO skolval.case_series AS c (prefix, year, last_number) VALUES (s.case_prefix, yr, n)
  ON CONFLICT (prefix, year) DO UPDATE SET last_number = c.last_number + EXCLUDED.last_number
  RETURNING c.last_number - n INTO base;
  SELECT * INTO m FROM skolval.round_decision_maker x WHERE x.round_id = NEW.round_id;
  INSERT INTO skolval.decision (run_id, child_id, case_number, decided_at, decision_date,
                                maker_role_title, maker_name, maker_delegation)
  SELECT p.run_id, p.child_id,
         pg_catalog.format('%s %s/%s', s.case_prefix, yr,
                           pg_catalog.lpad((base + k.k)::text, greatest(4, pg_catalog.length((base + k.k)::text)), '0')),
         NEW.published_at, NEW.published_at::date, m.role_title, m.name, m.delegation
    FROM skolval.placement p
   CROSS JOIN LATERAL (SELECT 1) one
    JOIN (SELECT x.child_id, pg_catalog.row_number() OVER (ORDER BY x.child_id)::integer AS k
            FROM skolval.placement x WHERE x.run_id = NEW.run_id) k ON k.child_id = p.child_id
   WHERE p.run_id = NEW.run_id;
  -- a warning, not an error: it is written while the run is being published, and publish()
  -- refuses while a round has open errors (issue 13); delivery_enqueue() refuses the run instead
  IF m.round_id IS NULL THEN
    INSERT INTO skolval.data_issue (category, severity, round_id, message, detail)
    VALUES ('decision_maker_missing', 'warning', NEW.round_id,
            pg_catalog.format('placement run %s was published without a decision maker for its round: its decisions cannot be sent', NEW.run_id),
            pg_catalog.jsonb_build_object('run_id', NEW.run_id, 'decisions', n));
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._delivery_record_decisions() IS
  'When a placement run is published: one decision per child with the next case numbers of the configured series (in child order) and the round''s decision maker; a round without one gets a data issue decision_maker_missing';
CREATE OR REPLACE TRIGGER placement_run_decisions AFTER UPDATE OF status ON skolval.placement_run
  FOR EACH ROW WHEN (NEW.status = 'published' AND OLD.status IS DISTINCT FROM 'published')
  EXECUTE FUNCTION skolval._delivery_record_decisions();

-- The decision in words: a decision, not an offer.
CREATE OR REPLACE FUNCTION skolval.decision_sentence_sv(school_form text, unit_name text, start_date date, kind text,
                                                        wish_rank integer, had_wishes boolean, independent boolean DEFAULT false)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- not STRICT: a placement that is not a wish has no wish rank (NULL), and its sentence is still
-- needed; NULL only when something the sentence names is missing
RETURN CASE WHEN school_form IS NULL OR unit_name IS NULL OR start_date IS NULL OR kind IS NULL OR independent IS NULL
                 OR (kind = 'wish' AND wish_rank IS NULL) OR (kind <> 'wish' AND had_wishes IS NULL) THEN NULL
       -- a place at an independent unit is that school's offer under its own rules, not the
       -- board's placement (issue 13): only a wish can lead there
       WHEN independent AND kind = 'wish' THEN 'Ert barn har fått plats i '
       || CASE school_form WHEN 'forskoleklass' THEN 'förskoleklass' WHEN 'grundskola' THEN 'grundskola'
                           WHEN 'fritidshem' THEN 'fritidshem' WHEN 'forskola' THEN 'förskola' ELSE school_form END
       || ' vid ' || unit_name || ' från och med den ' || skolval.date_sv(start_date) || '. '
       || CASE WHEN wish_rank = 1 THEN 'Platsen följer ert förstahandsval' ELSE 'Platsen följer ert önskemål ' || wish_rank END
       || ' och är skolans erbjudande enligt dess egna urvalsregler, inte ett beslut av kommunen.'
       ELSE 'Ert barn placeras i '
       || CASE school_form WHEN 'forskoleklass' THEN 'förskoleklass' WHEN 'grundskola' THEN 'grundskola'
                           WHEN 'fritidshem' THEN 'fritidshem' WHEN 'forskola' THEN 'förskola' ELSE school_form END
       || ' vid ' || unit_name || ' från och med den ' || skolval.date_sv(start_date) || '. '
       || CASE kind WHEN 'wish' THEN CASE WHEN wish_rank = 1 THEN 'Placeringen följer ert förstahandsval.'
                                          ELSE 'Placeringen följer ert önskemål ' || wish_rank || '.' END
                    WHEN 'near_home_offer' THEN
                      CASE WHEN had_wishes THEN 'Inget av era önskemål kunde tillgodoses; skolan är en kommunal skola nära hemmet.'
                           ELSE 'Ni har inte gjort något skolval; skolan är en kommunal skola nära hemmet.' END
                    ELSE CASE WHEN had_wishes THEN 'Inget av era önskemål kunde tillgodoses och skolorna nära hemmet var fulla; skolan har en ledig plats.'
                              ELSE 'Ni har inte gjort något skolval och skolorna nära hemmet var fulla; skolan har en ledig plats.' END END
       END;
COMMENT ON FUNCTION skolval.decision_sentence_sv(text, text, date, text, integer, boolean, boolean) IS
  'The decision of a placement in Swedish, as letters and the e-service print it: "Ert barn placeras i förskoleklass vid ... från och med den ...", and whether it follows a wish (wish_rank), or, for a near-home offer or an administrative placement, whether the guardians had made wishes (had_wishes). A wish met at an independent unit (independent => true) reads "Ert barn har fått plats ... vid ...": the school''s offer under its own rules, not the board''s decision. NULL when a part it names is missing';

-- ---------------------------------------------------------------------------------------
-- Guardians: staging, check, merge
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._protection_kind(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
  WHEN nullif(btrim(v, E' \t\r\n'), '') IS NULL THEN 'none'
  WHEN lower(btrim(v, E' \t\r\n')) IN ('sekretessmarkering', 'sekretess', 'sm') THEN 'sekretessmarkering'
  WHEN lower(btrim(v, E' \t\r\n')) IN ('skyddad folkbokföring', 'skyddad_folkbokforing', 'skyddad folkbokforing', 'sf') THEN 'skyddad_folkbokforing'
  ELSE NULL END;
COMMENT ON FUNCTION skolval._protection_kind(text) IS
  'Parse a staged kind of protected identity: none (empty), sekretessmarkering (also SM), skyddad_folkbokforing (skyddad folkbokföring, SF); NULL when unknown';

CREATE OR REPLACE FUNCTION skolval._channel_kind(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
  WHEN nullif(btrim(v, E' \t\r\n'), '') IS NULL THEN 'paper'
  WHEN lower(btrim(v, E' \t\r\n')) IN ('paper', 'papper', 'post', 'brev') THEN 'paper'
  WHEN lower(btrim(v, E' \t\r\n')) IN ('digital_mailbox', 'digital brevlåda', 'digital', 'brevlåda') THEN 'digital_mailbox'
  ELSE NULL END;
COMMENT ON FUNCTION skolval._channel_kind(text) IS
  'Parse a staged delivery channel: paper (papper, post, brev, empty) or digital_mailbox (digital brevlåda, digital); NULL when unknown';

CREATE OR REPLACE VIEW skolval.staging_guardian_parsed AS
SELECT s.source_row,
       skolval._staging_personal_number(s.child_personal_number) AS child_personal_number,
       skolval._staging_personal_number(s.guardian_personal_number) AS guardian_personal_number,
       nullif(btrim(s.given_name, E' \t\r\n'), '') AS given_name,
       nullif(btrim(s.family_name, E' \t\r\n'), '') AS family_name,
       nullif(btrim(s.address, E' \t\r\n'), '') AS address,
       nullif(btrim(s.postal_code, E' \t\r\n'), '') AS postal_code,
       nullif(btrim(s.postal_town, E' \t\r\n'), '') AS postal_town,
       skolval._channel_kind(s.channel) AS channel,
       CASE WHEN nullif(btrim(s.custody, E' \t\r\n'), '') IS NULL THEN true ELSE skolval._staging_boolean(s.custody) END AS custody,
       skolval._protection_kind(s.guardian_protection) AS guardian_protection,
       skolval._protection_kind(s.child_protection) AS child_protection
  FROM skolval.staging_guardian s;
COMMENT ON VIEW skolval.staging_guardian_parsed IS 'staging_guardian with every column parsed (NULL where a value is unknown or invalid); what guardian_staging_merge() loads';

COMMENT ON COLUMN skolval.staging_guardian_parsed.source_row IS 'Row number in the file';
COMMENT ON COLUMN skolval.staging_guardian_parsed.child_personal_number IS 'The child''s personal identity number, 12 digits (NULL: invalid)';
COMMENT ON COLUMN skolval.staging_guardian_parsed.guardian_personal_number IS 'The guardian''s personal identity number, 12 digits (NULL: invalid)';
COMMENT ON COLUMN skolval.staging_guardian_parsed.given_name IS 'Given name, trimmed';
COMMENT ON COLUMN skolval.staging_guardian_parsed.family_name IS 'Family name, trimmed';
COMMENT ON COLUMN skolval.staging_guardian_parsed.address IS 'Postal address, trimmed';
COMMENT ON COLUMN skolval.staging_guardian_parsed.postal_code IS 'Postal code, trimmed';
COMMENT ON COLUMN skolval.staging_guardian_parsed.postal_town IS 'Postal town, trimmed';
COMMENT ON COLUMN skolval.staging_guardian_parsed.channel IS 'digital_mailbox or paper (NULL: unknown)';
COMMENT ON COLUMN skolval.staging_guardian_parsed.custody IS 'Has custody (NULL: not a yes/no value)';
COMMENT ON COLUMN skolval.staging_guardian_parsed.guardian_protection IS 'none, sekretessmarkering or skyddad_folkbokforing (NULL: unknown)';
COMMENT ON COLUMN skolval.staging_guardian_parsed.child_protection IS 'none, sekretessmarkering or skyddad_folkbokforing (NULL: unknown)';

CREATE OR REPLACE FUNCTION skolval.guardian_staging_check()
RETURNS TABLE (source_row bigint, column_name text, value text, problem text)
LANGUAGE sql STABLE AS $$
  WITH p0 AS (SELECT x.*, s.child_personal_number AS child_pn_text, s.guardian_personal_number AS guardian_pn_text,
                    s.channel AS channel_text, s.custody AS custody_text, s.guardian_protection AS gp_text,
                    s.child_protection AS cp_text, s.given_name AS given_text, s.family_name AS family_text,
                    s.address AS address_text, s.postal_town AS town_text
                    , pg_catalog.count(*) OVER (PARTITION BY x.child_personal_number, x.guardian_personal_number) AS pairs
               FROM skolval.staging_guardian_parsed x JOIN skolval.staging_guardian s ON s.source_row = x.source_row),
       f AS (SELECT q.guardian_personal_number,
                    pg_catalog.count(DISTINCT ROW(q.given_name, q.family_name, q.address, q.postal_code, q.postal_town, q.channel, q.guardian_protection)::text) AS facts
               FROM p0 q WHERE q.guardian_personal_number IS NOT NULL GROUP BY q.guardian_personal_number),
       k AS (SELECT q.child_personal_number, pg_catalog.count(DISTINCT q.child_protection) AS kinds
               FROM p0 q WHERE q.child_personal_number IS NOT NULL GROUP BY q.child_personal_number),
       p AS (SELECT p0.*, coalesce(f.facts, 1) AS facts, coalesce(k.kinds, 1) AS kinds
               FROM p0 LEFT JOIN f ON f.guardian_personal_number = p0.guardian_personal_number
               LEFT JOIN k ON k.child_personal_number = p0.child_personal_number)
  SELECT q.source_row, q.column_name, q.value, q.problem FROM (
    -- personal identity numbers, names and addresses are never shown: the row number says where
    SELECT p.source_row, 'child_personal_number' AS column_name, NULL::text AS value,
           CASE WHEN p.child_personal_number IS NULL THEN 'not a valid personal identity number'
                ELSE 'no child with this personal identity number in the register' END AS problem
      FROM p WHERE p.child_personal_number IS NULL
                OR NOT EXISTS (SELECT 1 FROM skolval.child c WHERE c.personal_number = p.child_personal_number)
    UNION ALL
    SELECT p.source_row, 'guardian_personal_number', NULL, 'not a valid personal identity number'
      FROM p WHERE p.guardian_personal_number IS NULL
    UNION ALL
    SELECT p.source_row, 'guardian_personal_number', NULL, 'the guardian is the child'
      FROM p WHERE p.guardian_personal_number = p.child_personal_number
    UNION ALL
    SELECT p.source_row, 'given_name', NULL, CASE WHEN p.given_name IS NULL THEN 'is empty' ELSE 'longer than 200 characters or holds control characters' END
      FROM p WHERE p.given_name IS NULL OR char_length(p.given_text) > 200 OR p.given_text ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]'
                OR btrim(p.given_text, E' \t\r\n') ~ '[\x01-\x1f]'
    UNION ALL
    SELECT p.source_row, 'family_name', NULL, CASE WHEN p.family_name IS NULL THEN 'is empty' ELSE 'longer than 200 characters or holds control characters' END
      FROM p WHERE p.family_name IS NULL OR char_length(p.family_text) > 200 OR btrim(p.family_text, E' \t\r\n') ~ '[\x01-\x1f\x7f-\x9f]'
    UNION ALL
    SELECT p.source_row, 'address', NULL, 'longer than 300 characters or holds control characters'
      FROM p WHERE char_length(p.address_text) > 300 OR btrim(p.address_text, E' \t\r\n') ~ '[\x01-\x1f\x7f-\x9f]'
    UNION ALL
    SELECT p.source_row, 'postal_town', NULL, 'longer than 200 characters or holds control characters'
      FROM p WHERE char_length(p.town_text) > 200 OR btrim(p.town_text, E' \t\r\n') ~ '[\x01-\x1f\x7f-\x9f]'
    UNION ALL
    SELECT p.source_row, 'postal_code', p.postal_code, 'not a Swedish postal code (NNN NN)'
      FROM p WHERE p.postal_code IS NOT NULL AND p.postal_code !~ '^[0-9]{3} ?[0-9]{2}$'
    UNION ALL
    SELECT p.source_row, 'channel', left(p.channel_text, 50), 'unknown channel: use digital_mailbox (digital brevlåda) or paper (post), empty for paper'
      FROM p WHERE p.channel IS NULL
    UNION ALL
    SELECT p.source_row, 'custody', left(p.custody_text, 50), 'not a yes/no value: use J or N, empty for J'
      FROM p WHERE p.custody IS NULL
    UNION ALL
    SELECT p.source_row, 'guardian_protection', left(p.gp_text, 50), 'unknown kind: use sekretessmarkering or skyddad folkbokföring, empty for none'
      FROM p WHERE p.guardian_protection IS NULL
    UNION ALL
    SELECT p.source_row, 'child_protection', left(p.cp_text, 50), 'unknown kind: use sekretessmarkering or skyddad folkbokföring, empty for none'
      FROM p WHERE p.child_protection IS NULL
    UNION ALL
    SELECT p.source_row, 'address', NULL, 'a paper letter needs address, postal code and postal town'
      FROM p WHERE p.channel = 'paper' AND p.guardian_protection = 'none' AND p.child_protection = 'none'
               AND (p.address IS NULL OR p.postal_code IS NULL OR p.postal_town IS NULL)
    UNION ALL
    -- one person, one set of facts; one child, one kind of protection; each pair once
    SELECT p.source_row, 'guardian_personal_number', NULL, 'the same guardian appears with different names, address, channel or protection'
      FROM p WHERE p.facts > 1
    UNION ALL
    SELECT p.source_row, 'child_protection', NULL, 'the same child appears with different kinds of protection'
      FROM p WHERE p.kinds > 1
    UNION ALL
    SELECT p.source_row, 'guardian_personal_number', NULL, 'the same child and guardian appear more than once'
      FROM p WHERE p.pairs > 1
  ) q
  ORDER BY q.source_row, q.column_name, q.problem
$$;
COMMENT ON FUNCTION skolval.guardian_staging_check() IS
  'Every problem of the staged guardians (skolval.staging_guardian), by source row and column, nothing written; personal identity numbers, names and addresses are never shown';

CREATE OR REPLACE FUNCTION skolval.guardian_staging_merge()
RETURNS TABLE (source_row bigint, column_name text, value text, problem text)
LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  RETURN QUERY SELECT * FROM skolval.guardian_staging_check();
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN
    RAISE WARNING '% problems in skolval.staging_guardian; nothing was loaded', n;
    RETURN;
  END IF;
  -- a person with protected identity: the address is not kept, and that is said (not silent)
  INSERT INTO skolval.data_issue (category, severity, child_id, message, detail)
  SELECT 'protected_address_withheld', 'warning', c.child_id,
         'the extract gave an address for a guardian or child with protected identity; it was not stored',
         pg_catalog.jsonb_build_object('source_row', p.source_row)
    FROM skolval.staging_guardian_parsed p JOIN skolval.child c ON c.personal_number = p.child_personal_number
   WHERE (p.guardian_protection <> 'none' OR p.child_protection <> 'none')
     AND (p.address IS NOT NULL OR p.postal_code IS NOT NULL OR p.postal_town IS NOT NULL);
  -- a guardian of a protected child shares the child's secret address: it is not kept either
  INSERT INTO skolval.guardian AS g (personal_number, given_name, family_name, address, postal_code, postal_town,
                                     channel, sekretessmarkering, skyddad_folkbokforing)
  SELECT DISTINCT ON (p.guardian_personal_number) p.guardian_personal_number, p.given_name, p.family_name,
         CASE WHEN NOT bool_or(p.guardian_protection <> 'none' OR p.child_protection <> 'none') OVER w THEN p.address END,
         CASE WHEN NOT bool_or(p.guardian_protection <> 'none' OR p.child_protection <> 'none') OVER w THEN p.postal_code END,
         CASE WHEN NOT bool_or(p.guardian_protection <> 'none' OR p.child_protection <> 'none') OVER w THEN p.postal_town END,
         p.channel, p.guardian_protection = 'sekretessmarkering', p.guardian_protection = 'skyddad_folkbokforing'
    FROM skolval.staging_guardian_parsed p
  WINDOW w AS (PARTITION BY p.guardian_personal_number)
   ORDER BY p.guardian_personal_number, p.source_row
  ON CONFLICT (personal_number) DO UPDATE
     SET given_name = EXCLUDED.given_name, family_name = EXCLUDED.family_name, address = EXCLUDED.address,
         postal_code = EXCLUDED.postal_code, postal_town = EXCLUDED.postal_town, channel = EXCLUDED.channel,
         sekretessmarkering = EXCLUDED.sekretessmarkering, skyddad_folkbokforing = EXCLUDED.skyddad_folkbokforing,
         updated_at = pg_catalog.now()
   WHERE (g.given_name, g.family_name, g.address, g.postal_code, g.postal_town, g.channel, g.sekretessmarkering, g.skyddad_folkbokforing)
         IS DISTINCT FROM (EXCLUDED.given_name, EXCLUDED.family_name, EXCLUDED.address, EXCLUDED.postal_code, EXCLUDED.postal_town,
                           EXCLUDED.channel, EXCLUDED.sekretessmarkering, EXCLUDED.skyddad_folkbokforing);
  -- the extract is the whole truth about custody of the children it names
  DELETE FROM skolval.custody k
   USING skolval.child c
   WHERE k.child_id = c.child_id
     AND c.personal_number IN (SELECT p.child_personal_number FROM skolval.staging_guardian_parsed p)
     AND NOT EXISTS (SELECT 1 FROM skolval.staging_guardian_parsed p JOIN skolval.guardian g ON g.personal_number = p.guardian_personal_number
                      WHERE p.child_personal_number = c.personal_number AND g.guardian_id = k.guardian_id AND p.custody);
  INSERT INTO skolval.custody (child_id, guardian_id)
  SELECT c.child_id, g.guardian_id
    FROM skolval.staging_guardian_parsed p
    JOIN skolval.child c ON c.personal_number = p.child_personal_number
    JOIN skolval.guardian g ON g.personal_number = p.guardian_personal_number
   WHERE p.custody
  ON CONFLICT DO NOTHING;
  -- the child's kind of protection, one flag per kind; protected_identity follows (never cleared here)
  DELETE FROM skolval.child_protection cp
   USING skolval.child c
   WHERE cp.child_id = c.child_id
     AND c.personal_number IN (SELECT p.child_personal_number FROM skolval.staging_guardian_parsed p WHERE p.child_protection = 'none');
  INSERT INTO skolval.child_protection AS cp (child_id, sekretessmarkering, skyddad_folkbokforing)
  SELECT DISTINCT c.child_id, p.child_protection = 'sekretessmarkering', p.child_protection = 'skyddad_folkbokforing'
    FROM skolval.staging_guardian_parsed p JOIN skolval.child c ON c.personal_number = p.child_personal_number
   WHERE p.child_protection <> 'none'
  ON CONFLICT (child_id) DO UPDATE SET sekretessmarkering = EXCLUDED.sekretessmarkering, skyddad_folkbokforing = EXCLUDED.skyddad_folkbokforing
   WHERE (cp.sekretessmarkering, cp.skyddad_folkbokforing) IS DISTINCT FROM (EXCLUDED.sekretessmarkering, EXCLUDED.skyddad_folkbokforing);
  UPDATE skolval.child c SET protected_identity = true
    FROM skolval.child_protection cp WHERE cp.child_id = c.child_id AND NOT c.protected_identity;
  DELETE FROM skolval.staging_guardian;
END $$;
COMMENT ON FUNCTION skolval.guardian_staging_merge() IS
  'Load the staged guardians: every problem of guardian_staging_check() is returned and then nothing is loaded; otherwise guardians are inserted or updated by personal identity number, the custody of every child in the extract is replaced by the extract''s, the child''s kind of protected identity is recorded (and protected_identity set), addresses of protected people are not kept (a data issue protected_address_withheld says so), and the staging table is emptied. No rows: loaded';

-- ---------------------------------------------------------------------------------------
-- Applications signed by each guardian: the disagreement rule
-- ---------------------------------------------------------------------------------------

-- One row per application: the child, its guardian, whether the guardians of the child agree,
-- and what the rule makes of it (outcome agree, first_signed or no_choice; chosen: this
-- application is the one loaded for the child).
CREATE OR REPLACE FUNCTION skolval._guardian_application_outcome(applications jsonb, rule text)
RETURNS TABLE (i integer, child_pn text, guardian_pn text, submitted timestamptz, outcome text, chosen boolean,
               applications_of_child bigint, guardians_of_child bigint, flagged boolean, app jsonb)
LANGUAGE sql STABLE AS $$
  WITH a AS (
    SELECT x.i::integer AS i, skolval._staging_personal_number(x.v ->> 'personal_number') AS child_pn,
           skolval._staging_personal_number(x.v ->> 'guardian_personal_number') AS guardian_pn,
           skolval._staging_timestamptz(x.v ->> 'submitted_at') AS submitted,
           coalesce((x.v ->> 'disagree')::boolean, false) AS disagree,
           coalesce((SELECT pg_catalog.string_agg(coalesce(w.v ->> 'unit_code', ''), '|' ORDER BY w.j)
                       FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(x.v -> 'wishes') = 'array'
                                                                 THEN x.v -> 'wishes' ELSE '[]' END) WITH ORDINALITY w(v, j)), '') AS list,
           x.v AS app
      FROM pg_catalog.jsonb_array_elements(applications) WITH ORDINALITY x(v, i)),
  c AS (
    SELECT a.child_pn, pg_catalog.count(*) AS apps, pg_catalog.count(DISTINCT a.list) AS lists,
           pg_catalog.count(DISTINCT a.guardian_pn) AS guardians, pg_catalog.bool_or(a.disagree) AS flagged,
           pg_catalog.min(a.submitted) AS first_at,
           pg_catalog.count(*) FILTER (WHERE a.submitted = (SELECT pg_catalog.min(b.submitted) FROM a b WHERE b.child_pn = a.child_pn)) AS at_first,
           pg_catalog.bool_or(a.submitted IS NULL) AS some_unsigned
      FROM a GROUP BY a.child_pn),
  o AS (
    SELECT a.*, c.apps, c.guardians, c.flagged,
           CASE WHEN c.lists = 1 AND NOT c.flagged THEN 'agree'
                WHEN rule = 'first_signed' AND c.at_first = 1 AND NOT c.some_unsigned THEN 'first_signed'
                ELSE 'no_choice' END AS outcome
      FROM a JOIN c ON c.child_pn IS NOT DISTINCT FROM a.child_pn),
  pick AS (
    -- agree: the application signed last (the one that completed it); first_signed: the first
    SELECT DISTINCT ON (o.child_pn) o.child_pn, o.i
      FROM o WHERE o.outcome <> 'no_choice'
     ORDER BY o.child_pn,
              CASE WHEN o.outcome = 'agree' THEN -pg_catalog.date_part('epoch', o.submitted)
                   ELSE pg_catalog.date_part('epoch', o.submitted) END NULLS LAST,
              o.i)
  SELECT o.i, o.child_pn, o.guardian_pn, o.submitted, o.outcome,
         EXISTS (SELECT 1 FROM pick p WHERE p.i = o.i), o.apps, o.guardians, o.flagged, o.app
    FROM o ORDER BY o.i
$$;
COMMENT ON FUNCTION skolval._guardian_application_outcome(jsonb, text) IS
  'Per application of import_guardian_applications(): the child, the guardian, and what the disagreement rule makes of it: agree (the same wishes from every guardian and no disagreement flag: the last signed is loaded), first_signed (the rule first_signed and one application signed strictly first: that one is loaded) or no_choice (nothing is loaded; the child has made no active choice)';

CREATE OR REPLACE FUNCTION skolval.import_guardian_applications(round_name text, applications jsonb)
RETURNS TABLE (application integer, wish integer, column_name text, value text, problem text)
LANGUAGE plpgsql AS $$
DECLARE
  s skolval.delivery_settings := skolval.delivery_setup();
  r skolval.placement_round;
  resolved jsonb;
  positions integer[];
  n bigint;
BEGIN
  IF import_guardian_applications.round_name IS NULL OR applications IS NULL THEN
    RAISE EXCEPTION 'import_guardian_applications(): % must not be NULL',
      CASE WHEN import_guardian_applications.round_name IS NULL THEN 'round_name' ELSE 'applications' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF pg_catalog.jsonb_typeof(applications) <> 'array' THEN
    RAISE EXCEPTION 'applications must be a JSON array'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give [{"personal_number": child, "guardian_personal_number": ..., "submitted_at": ..., "disagree": false, "wishes": [...]}, ...].';
  END IF;
  SELECT * INTO r FROM skolval.placement_round x WHERE x.name = import_guardian_applications.round_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'round "%" does not exist', import_guardian_applications.round_name USING ERRCODE = 'no_data_found';
  END IF;
  -- shape problems of the guardian part, by position; nothing is loaded when there are any
  RETURN QUERY
  SELECT a.i::integer, NULL::integer, x.col, NULL::text, x.problem
    FROM pg_catalog.jsonb_array_elements(applications) WITH ORDINALITY a(v, i)
   CROSS JOIN LATERAL (
     SELECT NULL::text AS col, 'is not a JSON object' AS problem WHERE pg_catalog.jsonb_typeof(a.v) <> 'object'
     UNION ALL
     SELECT 'guardian_personal_number', 'is missing or not a valid personal identity number'
      WHERE pg_catalog.jsonb_typeof(a.v) = 'object' AND skolval._staging_personal_number(a.v ->> 'guardian_personal_number') IS NULL
     UNION ALL
     SELECT 'personal_number', 'is missing or not a valid personal identity number'
      WHERE pg_catalog.jsonb_typeof(a.v) = 'object' AND skolval._staging_personal_number(a.v ->> 'personal_number') IS NULL
     UNION ALL
     SELECT 'personal_number', 'the child is not in the round''s cohort'
      WHERE pg_catalog.jsonb_typeof(a.v) = 'object' AND skolval._staging_personal_number(a.v ->> 'personal_number') IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM skolval.round_cohort k JOIN skolval.child c ON c.child_id = k.child_id
                         WHERE k.round_id = r.round_id AND c.personal_number = skolval._staging_personal_number(a.v ->> 'personal_number'))
     UNION ALL
     SELECT 'disagree', 'must be true or false'
      WHERE pg_catalog.jsonb_typeof(a.v) = 'object' AND a.v ? 'disagree' AND pg_catalog.jsonb_typeof(a.v -> 'disagree') <> 'boolean'
     UNION ALL
     SELECT 'submitted_at', 'not a time'
      WHERE pg_catalog.jsonb_typeof(a.v) = 'object' AND a.v ? 'submitted_at' AND skolval._staging_timestamptz(a.v ->> 'submitted_at') IS NULL
     UNION ALL
     SELECT 'guardian_personal_number', 'the same guardian sent two applications for the child'
      WHERE pg_catalog.jsonb_typeof(a.v) = 'object' AND EXISTS (
        SELECT 1 FROM pg_catalog.jsonb_array_elements(applications) WITH ORDINALITY b(v, j)
         WHERE b.j <> a.i AND pg_catalog.jsonb_typeof(b.v) = 'object'
           AND skolval._staging_personal_number(b.v ->> 'personal_number') = skolval._staging_personal_number(a.v ->> 'personal_number')
           AND skolval._staging_personal_number(b.v ->> 'guardian_personal_number') = skolval._staging_personal_number(a.v ->> 'guardian_personal_number'))) x
   ORDER BY 1, 3, 5;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN
    RAISE WARNING '% bad entries; nothing was loaded', n;
    RETURN;
  END IF;

  SELECT coalesce(pg_catalog.jsonb_agg(o.app ORDER BY o.i), '[]'), coalesce(pg_catalog.array_agg(o.i ORDER BY o.i), '{}')
    INTO resolved, positions
    FROM skolval._guardian_application_outcome(applications, s.disagreement_rule) o WHERE o.chosen;
  -- the wishes of the chosen applications, through the e-service import (its problems are
  -- reported by the position in the caller's document)
  RETURN QUERY
  SELECT positions[p.application], p.wish, p.column_name, p.value, p.problem
    FROM skolval.import_applications(import_guardian_applications.round_name, resolved) p;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN
    RETURN;
  END IF;
  -- no choice: the child's stored wishes go; said in a data issue, as is any other disagreement
  DELETE FROM skolval.wish w
   USING skolval.child c
   WHERE w.round_id = r.round_id AND w.child_id = c.child_id
     AND c.personal_number IN (SELECT o.child_pn FROM skolval._guardian_application_outcome(applications, s.disagreement_rule) o
                                WHERE o.outcome = 'no_choice');
  INSERT INTO skolval.data_issue (category, severity, child_id, round_id, message, detail)
  SELECT 'guardians_disagree', 'warning', c.child_id, r.round_id,
         CASE o.outcome WHEN 'no_choice' THEN 'the guardians do not agree on the application; rule no_choice: the child is treated as having made no active choice'
                        ELSE 'the guardians do not agree on the application; rule first_signed: the application signed first was loaded' END,
         pg_catalog.jsonb_build_object('rule', s.disagreement_rule, 'outcome', o.outcome, 'applications', o.applications_of_child,
                                       'disagreement_flag', o.flagged,
                                       'loaded_application', (SELECT x.i FROM skolval._guardian_application_outcome(applications, s.disagreement_rule) x
                                                               WHERE x.child_pn = o.child_pn AND x.chosen))
    FROM (SELECT DISTINCT ON (x.child_pn) x.* FROM skolval._guardian_application_outcome(applications, s.disagreement_rule) x
           WHERE x.outcome <> 'agree' ORDER BY x.child_pn, x.i) o
    JOIN skolval.child c ON c.personal_number = o.child_pn;
  -- signed by fewer guardians than have custody: loaded, and said
  INSERT INTO skolval.data_issue (category, severity, child_id, round_id, message, detail)
  SELECT 'application_not_signed_by_all', 'warning', c.child_id, r.round_id,
         pg_catalog.format('the application was signed by %s of the child''s %s guardians with custody', o.guardians_of_child, k.n),
         pg_catalog.jsonb_build_object('signed_by', o.guardians_of_child, 'custody', k.n)
    FROM (SELECT DISTINCT ON (x.child_pn) x.* FROM skolval._guardian_application_outcome(applications, s.disagreement_rule) x
           WHERE x.outcome = 'agree' ORDER BY x.child_pn, x.i) o
    JOIN skolval.child c ON c.personal_number = o.child_pn
    CROSS JOIN LATERAL (SELECT pg_catalog.count(*) AS n FROM skolval.custody y WHERE y.child_id = c.child_id) k
   WHERE o.guardians_of_child < k.n;
END $$;
COMMENT ON FUNCTION skolval.import_guardian_applications(text, jsonb) IS
  'Import applications as each guardian signed them in the e-service: [{"personal_number" (the child), "guardian_personal_number", "submitted_at", "disagree" (the guardian says they disagree, oense), "wishes": [...]}]. Guardians who sent the same wishes and no disagreement: the wishes are loaded (as import_applications). Guardians who sent differing wishes or a disagreement flag: the rule delivery_settings.disagreement_rule decides (no_choice: no wishes, the child has made no active choice; first_signed: the application signed strictly first, else no_choice) and a data issue guardians_disagree says so; never the order of the rows. An application signed by fewer guardians than have custody is loaded with a data issue application_not_signed_by_all. Problems are returned by position, and then nothing is loaded';

-- ---------------------------------------------------------------------------------------
-- Who may do what: the mail robot's and the case officer's entry points check the caller
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval._delivery_require(fn text, VARIADIC roles text[]) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
  caller name := skolval._acting_role();
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(roles) r(name)
                  WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.rolname = r.name)
                    AND pg_catalog.pg_has_role(caller, r.name, 'MEMBER')) THEN
    RAISE EXCEPTION 'role "%" may not call %()', caller, fn
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = pg_catalog.format('%s() is for members of %s.', fn, pg_catalog.array_to_string(roles, ', '));
  END IF;
END $$;
COMMENT ON FUNCTION skolval._delivery_require(text, text[]) IS
  'Raise insufficient_privilege unless the acting role is a member of one of the roles';

-- The letter's recipient and envelope: Skatteverket's forwarding for protected identity.
CREATE OR REPLACE FUNCTION skolval._delivery_protected_child(child_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT c.protected_identity FROM skolval.child c WHERE c.child_id = _delivery_protected_child.child_id), true)
      OR EXISTS (SELECT 1 FROM skolval.child_protection p WHERE p.child_id = _delivery_protected_child.child_id)
$$;

-- ---------------------------------------------------------------------------------------
-- The outbox: queue the decisions of a published run
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.delivery_enqueue(run_id bigint)
RETURNS TABLE (channel text, recipients bigint, queued bigint)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  run skolval.placement_run;
  r skolval.placement_round;
  s skolval.delivery_settings := skolval.delivery_setup();
  board text := (SELECT d.board_name FROM skolval.document_setup() d);
  muni text;
  missing bigint;
  n bigint;
BEGIN
  PERFORM skolval._delivery_require('delivery_enqueue', 'skolval_admin');
  IF delivery_enqueue.run_id IS NULL THEN
    RAISE EXCEPTION 'delivery_enqueue(): run_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO run FROM skolval.placement_run x WHERE x.run_id = delivery_enqueue.run_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement run % does not exist', delivery_enqueue.run_id USING ERRCODE = 'no_data_found';
  END IF;
  IF run.status <> 'published' THEN
    RAISE EXCEPTION 'placement run % is not published', run.run_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Decisions are sent for a published run: skolval.publish(run_id).';
  END IF;
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = run.round_id;
  muni := skolval._document_municipality();
  SELECT pg_catalog.count(*) INTO missing FROM skolval.decision d WHERE d.run_id = run.run_id AND d.maker_name IS NULL;
  IF missing > 0 THEN
    RAISE EXCEPTION 'placement run %: % decisions name no decision maker', run.run_id, missing
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Every letter says who decided under which delegation; the round had no decision maker when the run was published.',
            HINT = 'Set one with skolval.set_decision_maker() before publishing the next round; this run''s decisions cannot be sent.';
  END IF;
  -- a child without any guardian with custody gets no letter: said, never silent
  INSERT INTO skolval.data_issue (category, severity, child_id, round_id, message, detail)
  SELECT 'no_guardian', 'error', d.child_id, run.round_id,
         'no guardian with custody is known: the decision cannot be sent',
         pg_catalog.jsonb_build_object('run_id', run.run_id, 'case_number', d.case_number)
    FROM skolval.decision d
   WHERE d.run_id = run.run_id
     AND NOT EXISTS (SELECT 1 FROM skolval.custody k WHERE k.child_id = d.child_id)
     AND NOT EXISTS (SELECT 1 FROM skolval.data_issue i WHERE i.category = 'no_guardian' AND i.child_id = d.child_id
                        AND i.resolved_at IS NULL AND i.detail ->> 'run_id' = run.run_id::text);

  -- a paper letter needs an address or Skatteverket's forwarding
  INSERT INTO skolval.data_issue (category, severity, child_id, round_id, message, detail)
  SELECT 'guardian_without_address', 'error', d.child_id, run.round_id,
         'a guardian who gets paper letters has no address and no protected identity: the letter cannot be sent',
         pg_catalog.jsonb_build_object('run_id', run.run_id, 'guardian_id', g.guardian_id, 'case_number', d.case_number)
    FROM skolval.decision d JOIN skolval.custody k ON k.child_id = d.child_id JOIN skolval.guardian g ON g.guardian_id = k.guardian_id
   WHERE d.run_id = run.run_id AND g.channel = 'paper' AND g.address IS NULL
     AND NOT (g.sekretessmarkering OR g.skyddad_folkbokforing OR skolval._delivery_protected_child(d.child_id))
     AND NOT EXISTS (SELECT 1 FROM skolval.data_issue i WHERE i.category = 'guardian_without_address' AND i.child_id = d.child_id
                        AND i.resolved_at IS NULL AND i.detail ->> 'run_id' = run.run_id::text
                        AND i.detail ->> 'guardian_id' = g.guardian_id::text);

  -- one INSERT for the whole run: every decision x guardian with custody x channel (the
  -- e-service, and the guardian's formal channel); the PDF is made when a row is claimed
  INSERT INTO skolval.outbox (run_id, case_number, child_id, guardian_id, channel, via_forwarding, postal_order, json)
  SELECT d.run_id, d.case_number, d.child_id, g.guardian_id, ch.channel, fw.via, 
         CASE WHEN fw.via THEN '0|' || pg_catalog.array_to_string(s.forwarding_address, ' ')
              ELSE '1|' || pg_catalog.replace(g.postal_code, ' ', '') || '|' || pg_catalog.upper(g.address) END
           || '|' || g.family_name || ' ' || g.given_name || '|' || d.case_number,
         pg_catalog.jsonb_build_object(
           'case_number', d.case_number,
           'decision_date', d.decision_date,
           'decided_at', d.decided_at,
           'decided_by', pg_catalog.jsonb_build_object('role', d.maker_role_title, 'name', d.maker_name, 'delegation', d.maker_delegation),
           'municipality', muni, 'board', board,
           'round', r.name,
           'child', pg_catalog.jsonb_build_object('child_id', c.child_id,
                                                  'name', pg_catalog.concat_ws(' ', c.given_name, c.family_name),
                                                  'personal_number', skolval.personal_number_display(c.personal_number),
                                                  'protected_identity', fw.child_protected),
           'recipient', pg_catalog.jsonb_build_object('guardian_id', g.guardian_id,
                                                      'name', g.given_name || ' ' || g.family_name,
                                                      'personal_number', skolval.personal_number_display(g.personal_number)),
           'school', pg_catalog.jsonb_build_object('unit_code', u.unit_code, 'name', u.name,
                                                   'independent', u.organizer::text <> 'municipal'),
           'start_date', r.start_date,
           'placement', p.kind, 'wish_rank', p.wish_rank,
           'decision', skolval.decision_sentence_sv(r.school_form::text, u.name, r.start_date, p.kind, p.wish_rank, ap.had_wishes,
                                                    u.organizer::text <> 'municipal'),
           'motivation', pg_catalog.regexp_replace(p.motivation_sv, 'erbjuds (därför )?plats (i förskoleklass )?på ', 'placeras \1\2vid ', 'g'),
           'appeal', pg_catalog.jsonb_build_object(
              'route', CASE WHEN ap.contested THEN 'forvaltningsbesvar' ELSE 'laglighetsprovning' END,
              'text', CASE WHEN ap.contested
                           THEN 'Förvaltningsbesvär enligt 28 kap. 5 § skollagen. Skicka överklagandet till ' || board || ', ' || muni
                                || ', inom tre veckor från den dag ni fick del av beslutet. Ange ärendenummer ' || d.case_number || '.'
                           ELSE 'Beslutet går inte emot något önskemål och kan inte överklagas genom förvaltningsbesvär; den som är medlem i kommunen kan begära laglighetsprövning (13 kap. kommunallagen).' END,
              'deadline_rule', 'tre veckor från delfåendet (FL 44 §)'),
           'channel', ch.channel)
    FROM skolval.decision d
    JOIN skolval.placement p ON p.run_id = d.run_id AND p.child_id = d.child_id
    JOIN skolval.child c ON c.child_id = d.child_id
    -- the unit as the published run's record shows it (a later rename or takeover changes nothing)
    JOIN skolval._document_units('placement', run.run_id) u ON u.unit_id = p.unit_id
    JOIN skolval.custody k ON k.child_id = d.child_id
    JOIN skolval.guardian g ON g.guardian_id = k.guardian_id
   CROSS JOIN LATERAL (SELECT c.protected_identity OR EXISTS (SELECT 1 FROM skolval.child_protection cp WHERE cp.child_id = c.child_id)
                              AS child_protected) cpx
   CROSS JOIN LATERAL (SELECT cpx.child_protected, cpx.child_protected OR g.sekretessmarkering OR g.skyddad_folkbokforing AS via) fw
   CROSS JOIN LATERAL (SELECT p.kind = 'administrative'
                              OR EXISTS (SELECT 1 FROM skolval.placement_wish w WHERE w.run_id = p.run_id AND w.child_id = p.child_id
                                            AND w.outcome = 'rejected' AND NOT w.implicit) AS contested,
                              EXISTS (SELECT 1 FROM skolval.placement_wish w WHERE w.run_id = p.run_id AND w.child_id = p.child_id
                                         AND NOT w.implicit) AS had_wishes) ap
   CROSS JOIN LATERAL (VALUES ('e_service'), (g.channel)) ch(channel)
   WHERE d.run_id = run.run_id
     AND NOT (ch.channel = 'paper' AND g.address IS NULL AND NOT fw.via)
   ORDER BY d.child_id, g.guardian_id, ch.channel   -- outbox ids in a reproducible order
  ON CONFLICT ON CONSTRAINT outbox_one_per_recipient_and_channel DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN
    PERFORM pg_catalog.pg_notify('skolval_outbox', pg_catalog.jsonb_build_object('run_id', run.run_id, 'queued', n)::text);
  END IF;
  RETURN QUERY
  SELECT o.channel, pg_catalog.count(DISTINCT (o.child_id, o.guardian_id)), pg_catalog.count(*)
    FROM skolval.outbox o WHERE o.run_id = run.run_id GROUP BY o.channel ORDER BY o.channel;
END $$;
COMMENT ON FUNCTION skolval.delivery_enqueue(bigint) IS
  'Queue the decisions of a published run in the outbox, in one statement: one row per decision, guardian with custody and channel (the e-service, and the guardian''s formal channel: digital mailbox or paper), with the e-service''s JSON; letters to or about a person with protected identity go through Skatteverket''s forwarding. Idempotent (rows already queued stay as they are). A child without a guardian with custody gets a data issue no_guardian. Notifies channel skolval_outbox. Returns the rows per channel. skolval_admin only';

-- ---------------------------------------------------------------------------------------
-- The letters of the school year (sql/year: amendments, offers, appeal steps, waiting-list
-- notices) go out through the same outbox, to every guardian with custody
-- ---------------------------------------------------------------------------------------

-- The next case number of the configured series, in the year given.
CREATE OR REPLACE FUNCTION skolval._delivery_next_case_number(yr integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  s skolval.delivery_settings := skolval.delivery_setup();
  k integer;
BEGIN
  INSERT INTO skolval.case_series AS c (prefix, year, last_number) VALUES (s.case_prefix, yr, 1)
  ON CONFLICT (prefix, year) DO UPDATE SET last_number = c.last_number + 1
  RETURNING c.last_number INTO k;
  RETURN pg_catalog.format('%s %s/%s', s.case_prefix, yr, pg_catalog.lpad(k::text, greatest(4, pg_catalog.length(k::text)), '0'));
END $$;

-- Queue one letter of the school year: its case number (an amendment is a decision of its own
-- and takes the next number of the series, written once into the amendment; a notice bears the
-- number of the case it belongs to: the appealed decision, else the child's current decision),
-- then one row per guardian with custody and channel, as delivery_enqueue() does for a run.
-- Called by skolval._year_record_letter() for every letter it records. Returns the rows queued.
CREATE OR REPLACE FUNCTION skolval._delivery_queue_letter(letter_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  l skolval.year_letter;
  r skolval.placement_round;
  m skolval.round_decision_maker;
  s skolval.delivery_settings := skolval.delivery_setup();
  board text := (SELECT d.board_name FROM skolval.document_setup() d);
  muni text := skolval._document_municipality();
  yr integer;
  cn text;
  n bigint;
  first_id bigint;
BEGIN
  SELECT * INTO l FROM skolval.year_letter x WHERE x.letter_id = _delivery_queue_letter.letter_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'letter % of the school year does not exist', _delivery_queue_letter.letter_id USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = l.round_id;
  SELECT * INTO m FROM skolval.round_decision_maker x WHERE x.round_id = l.round_id;
  yr := pg_catalog.date_part('year', l.created_at)::integer;
  IF l.amendment_id IS NOT NULL THEN
    cn := (SELECT a.case_number FROM skolval.placement_amendment a WHERE a.amendment_id = l.amendment_id);
    IF cn IS NULL THEN
      cn := skolval._delivery_next_case_number(yr);
      UPDATE skolval.placement_amendment a SET case_number = cn WHERE a.amendment_id = l.amendment_id;
    END IF;
  ELSE
    cn := coalesce(
      (SELECT a.case_number FROM skolval.appeal ap JOIN skolval.placement_amendment a ON a.amendment_id = ap.amendment_id
        WHERE ap.appeal_id = l.appeal_id),
      (SELECT d.case_number FROM skolval.appeal ap JOIN skolval.decision d ON d.run_id = ap.run_id AND d.child_id = ap.child_id
        WHERE ap.appeal_id = l.appeal_id),
      (SELECT a.case_number FROM skolval.placement_amendment a
        WHERE a.round_id = l.round_id AND a.child_id = l.child_id AND a.case_number IS NOT NULL
        ORDER BY a.amendment_id DESC LIMIT 1),
      (SELECT d.case_number FROM skolval.decision d JOIN skolval.placement_run x ON x.run_id = d.run_id
        WHERE x.round_id = l.round_id AND x.status = 'published' AND d.child_id = l.child_id),
      -- a newcomer's first letter: a case of its own
      skolval._delivery_next_case_number(yr));
  END IF;

  IF NOT EXISTS (SELECT 1 FROM skolval.custody k WHERE k.child_id = l.child_id) THEN
    INSERT INTO skolval.data_issue (category, severity, child_id, round_id, message, detail)
    VALUES ('no_guardian', 'error', l.child_id, l.round_id,
            'no guardian with custody is known: the letter cannot be sent',
            pg_catalog.jsonb_build_object('letter_id', l.letter_id, 'kind', l.kind, 'case_number', cn));
  END IF;
  INSERT INTO skolval.data_issue (category, severity, child_id, round_id, message, detail)
  SELECT 'guardian_without_address', 'error', l.child_id, l.round_id,
         'a guardian who gets paper letters has no address and no protected identity: the letter cannot be sent',
         pg_catalog.jsonb_build_object('letter_id', l.letter_id, 'guardian_id', g.guardian_id, 'case_number', cn)
    FROM skolval.custody k JOIN skolval.guardian g ON g.guardian_id = k.guardian_id
   WHERE k.child_id = l.child_id AND g.channel = 'paper' AND g.address IS NULL
     AND NOT (g.sekretessmarkering OR g.skyddad_folkbokforing OR skolval._delivery_protected_child(l.child_id));

  INSERT INTO skolval.outbox (letter_id, case_number, child_id, guardian_id, channel, via_forwarding, postal_order, json)
  SELECT l.letter_id, cn, l.child_id, g.guardian_id, ch.channel, fw.via,
         CASE WHEN fw.via THEN '0|' || pg_catalog.array_to_string(s.forwarding_address, ' ')
              ELSE '1|' || pg_catalog.replace(g.postal_code, ' ', '') || '|' || pg_catalog.upper(g.address) END
           || '|' || g.family_name || ' ' || g.given_name || '|' || cn,
         pg_catalog.jsonb_build_object(
           'kind', l.kind, 'letter_id', l.letter_id, 'case_number', cn,
           'amendment_id', l.amendment_id, 'offer_id', l.offer_id, 'appeal_id', l.appeal_id,
           'written_at', l.created_at,
           'decided_by', CASE WHEN l.amendment_id IS NOT NULL AND m.round_id IS NOT NULL
                              THEN pg_catalog.jsonb_build_object('role', m.role_title, 'name', m.name, 'delegation', m.delegation) END,
           'municipality', muni, 'board', board, 'round', r.name,
           'child', pg_catalog.jsonb_build_object('child_id', c.child_id,
                                                  'name', pg_catalog.concat_ws(' ', c.given_name, c.family_name),
                                                  'personal_number', skolval.personal_number_display(c.personal_number),
                                                  'protected_identity', fw.child_protected),
           'recipient', pg_catalog.jsonb_build_object('guardian_id', g.guardian_id,
                                                      'name', g.given_name || ' ' || g.family_name,
                                                      'personal_number', skolval.personal_number_display(g.personal_number)),
           'subject', l.subject_sv, 'text', l.body_sv,
           'deadline_rule', CASE WHEN l.kind = 'amendment' THEN 'tre veckor från delfåendet (FL 44 §)' END,
           'channel', ch.channel)
    FROM skolval.custody k
    JOIN skolval.guardian g ON g.guardian_id = k.guardian_id
    JOIN skolval.child c ON c.child_id = k.child_id
   CROSS JOIN LATERAL (SELECT c.protected_identity OR EXISTS (SELECT 1 FROM skolval.child_protection cp WHERE cp.child_id = c.child_id)
                              AS child_protected) cpx
   CROSS JOIN LATERAL (SELECT cpx.child_protected, cpx.child_protected OR g.sekretessmarkering OR g.skyddad_folkbokforing AS via) fw
   CROSS JOIN LATERAL (VALUES ('e_service'), (g.channel)) ch(channel)
   WHERE k.child_id = l.child_id
     AND NOT (ch.channel = 'paper' AND g.address IS NULL AND NOT fw.via)
  ON CONFLICT ON CONSTRAINT outbox_one_per_letter_recipient_and_channel DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  first_id := (SELECT pg_catalog.min(o.outbox_id) FROM skolval.outbox o WHERE o.letter_id = l.letter_id);
  IF first_id IS NOT NULL AND l.outbox_id IS NULL THEN
    UPDATE skolval.year_letter x SET outbox_id = first_id WHERE x.letter_id = l.letter_id;
  END IF;
  IF n > 0 THEN
    PERFORM pg_catalog.pg_notify('skolval_outbox', pg_catalog.jsonb_build_object('letter_id', l.letter_id, 'queued', n)::text);
  END IF;
  RETURN n;
END $$;
COMMENT ON FUNCTION skolval._delivery_queue_letter(bigint) IS
  'Queue a letter of the school year in the outbox: its case number (an amendment takes the next of the series; a notice the number of its case), one row per guardian with custody and channel, Skatteverket''s forwarding for protected identity, data issues no_guardian and guardian_without_address, NOTIFY skolval_outbox';

-- The words of a school-year letter in an outbox row (delivery_letter_content() for letter rows).
CREATE OR REPLACE FUNCTION skolval._delivery_year_letter_content(o skolval.outbox)
RETURNS TABLE (ord integer, part text, label text, body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  l skolval.year_letter;
  g skolval.guardian;
  c skolval.child;
  m skolval.round_decision_maker;
  ds record;
  s skolval.delivery_settings := skolval.delivery_setup();
  muni text := skolval._document_municipality();
  is_decision boolean;
  delivery_note text;
BEGIN
  SELECT * INTO l FROM skolval.year_letter x WHERE x.letter_id = o.letter_id;
  SELECT * INTO g FROM skolval.guardian x WHERE x.guardian_id = o.guardian_id;
  SELECT * INTO c FROM skolval.child x WHERE x.child_id = o.child_id;
  SELECT * INTO m FROM skolval.round_decision_maker x WHERE x.round_id = l.round_id;
  SELECT * INTO ds FROM skolval.document_setup() x;
  is_decision := l.kind IN ('amendment', 'appeal_review');
  delivery_note := CASE WHEN NOT is_decision THEN NULL
    WHEN o.channel = 'paper' THEN 'Beslutet skickas med förenklad delgivning. Det räknas som delgivet två veckor efter att det skickades, om ett kontrollmeddelande har skickats till er senast första arbetsdagen därefter. Tiden för överklagande räknas från den dagen.'
    WHEN o.channel = 'digital_mailbox' THEN 'Beslutet skickas till er digitala brevlåda. Det räknas som delgivet när det har kommit fram till brevlådan. Tiden för överklagande räknas från den dagen.'
    ELSE 'Beslutet finns i e-tjänsten. Det räknas som delgivet när ni har öppnat det där. Tiden för överklagande räknas från den dagen.' END;
  RETURN QUERY
  SELECT (pg_catalog.row_number() OVER (ORDER BY x.o))::integer, x.part, x.label, x.body FROM (
    SELECT v.o, v.part, NULL::text AS label, v.body
      FROM (VALUES
        (1, 'sender', muni),
        (2, 'sender_unit', ds.board_name),
        (3, 'doc_kind', CASE WHEN is_decision THEN 'BESLUT' ELSE 'MEDDELANDE' END),
        (4, 'date', 'Datum ' || l.created_at::date::text),
        (5, 'reference', 'Ärendenummer ' || o.case_number),
        (6, 'title', l.subject_sv),
        (7, 'running_head', l.subject_sv || ' · ' || o.case_number),
        (8, 'footer', muni || ' · ' || ds.board_name || coalesce(' · ' || ds.board_address, ''))) v(o, part, body)
    UNION ALL
    -- the address block, where a C5 window envelope shows it: the guardian, or Skatteverket
    SELECT 100 + a.k, 'recipient', NULL, a.line
      FROM pg_catalog.unnest(CASE WHEN o.via_forwarding THEN s.forwarding_address
                                  ELSE ARRAY[g.given_name || ' ' || g.family_name, g.address, g.postal_code || ' ' || g.postal_town] END)
           WITH ORDINALITY a(line, k)
    UNION ALL
    SELECT 200 + f.k, 'fact', f.label, f.body
      FROM (VALUES
        (1, 'Barn', pg_catalog.concat_ws(', ', nullif(btrim(pg_catalog.concat_ws(' ', c.given_name, c.family_name)), ''),
                                         skolval.personal_number_display(c.personal_number))),
        (2, 'Mottagare', g.given_name || ' ' || g.family_name || ', ' || skolval.personal_number_display(g.personal_number)
                         || CASE WHEN o.via_forwarding THEN ' (vidarebefordras av Skatteverket)' ELSE '' END),
        (3, 'Ärendenummer', o.case_number)) f(k, label, body)
    UNION ALL
    SELECT 300 + t.k, 'section', t.label, t.body
      FROM (VALUES
        (1, CASE WHEN is_decision THEN 'Beslut' ELSE 'Meddelande' END,
            skolval._keep_numbers(pg_catalog.regexp_replace(l.body_sv, '\n\s*\n', E'\n', 'g'))),
        (2, 'Vem har beslutat',
            CASE WHEN is_decision AND m.round_id IS NOT NULL
                 THEN pg_catalog.format('Beslutet har fattats av %s, %s, med stöd av %s.', m.name,
                                        pg_catalog.lower(pg_catalog.left(m.role_title, 1)) || pg_catalog.substr(m.role_title, 2), m.delegation) END),
        (3, 'När beslutet räknas som delgivet', delivery_note),
        (4, 'Frågor', 'Har ni frågor kan ni kontakta ' || ds.contact || '.')) t(k, label, body)
     WHERE t.body IS NOT NULL
  ) x;
END $$;

-- ---------------------------------------------------------------------------------------
-- The letter of one outbox row
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.delivery_letter_content(outbox_id bigint)
RETURNS TABLE (ord integer, part text, label text, body text)
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
  o skolval.outbox;
  d skolval.decision;
  g skolval.guardian;
  c skolval.child;
  p skolval.placement;
  r skolval.placement_round;
  u_name text;
  u_organizer skolval.organizer_type;
  s skolval.delivery_settings := skolval.delivery_setup();
  old_ref text;
  decision_text text;
  maker text;
  delivery_note text;
BEGIN
  PERFORM skolval._delivery_require('delivery_letter_content', 'skolval_admin', 'skolval_officer', 'skolval_mailer');
  IF delivery_letter_content.outbox_id IS NULL THEN
    RAISE EXCEPTION 'delivery_letter_content(): outbox_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO o FROM skolval.outbox x WHERE x.outbox_id = delivery_letter_content.outbox_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'outbox row % does not exist', delivery_letter_content.outbox_id USING ERRCODE = 'no_data_found';
  END IF;
  IF o.letter_id IS NOT NULL THEN
    -- a letter of the school year
    RETURN QUERY SELECT * FROM skolval._delivery_year_letter_content(o);
    RETURN;
  END IF;
  SELECT * INTO d FROM skolval.decision x WHERE x.run_id = o.run_id AND x.child_id = o.child_id;
  SELECT * INTO g FROM skolval.guardian x WHERE x.guardian_id = o.guardian_id;
  SELECT * INTO c FROM skolval.child x WHERE x.child_id = o.child_id;
  SELECT * INTO p FROM skolval.placement x WHERE x.run_id = o.run_id AND x.child_id = o.child_id;
  SELECT x.* INTO r FROM skolval.placement_round x JOIN skolval.placement_run y ON y.round_id = x.round_id WHERE y.run_id = o.run_id;
  -- the unit as the published run's record shows it
  SELECT x.name, x.organizer INTO u_name, u_organizer FROM skolval._document_units('placement', o.run_id) x WHERE x.unit_id = p.unit_id;
  old_ref := pg_catalog.format('%s, beslut %s-%s', r.name, o.run_id, o.child_id);
  decision_text := skolval._keep_numbers(skolval.decision_sentence_sv(r.school_form::text, u_name, r.start_date, p.kind, p.wish_rank,
                    EXISTS (SELECT 1 FROM skolval.placement_wish w WHERE w.run_id = p.run_id AND w.child_id = p.child_id AND NOT w.implicit),
                    coalesce(u_organizer::text <> 'municipal', false)));
  maker := CASE WHEN coalesce(u_organizer::text <> 'municipal', false) AND p.kind = 'wish'
    -- a place at an independent unit is the school's offer: the board only gives notice of it
    THEN pg_catalog.format('Platsen vid %s är skolans erbjudande enligt dess egna urvalsregler; kommunen lämnar beskedet i den gemensamma antagningen. Beskedet har lämnats av %s, %s, med stöd av %s.',
                           u_name, d.maker_name, pg_catalog.lower(pg_catalog.left(d.maker_role_title, 1)) || pg_catalog.substr(d.maker_role_title, 2), d.maker_delegation)
    ELSE pg_catalog.format('Beslutet har fattats av %s, %s, med stöd av %s.', d.maker_name, pg_catalog.lower(pg_catalog.left(d.maker_role_title, 1)) || pg_catalog.substr(d.maker_role_title, 2), d.maker_delegation) END;
  delivery_note := CASE o.channel
    WHEN 'paper' THEN 'Beslutet skickas med förenklad delgivning. Det räknas som delgivet två veckor efter att det skickades, om ett kontrollmeddelande har skickats till er senast första arbetsdagen därefter. Tiden för överklagande räknas från den dagen.'
    WHEN 'digital_mailbox' THEN 'Beslutet skickas till er digitala brevlåda. Det räknas som delgivet när det har kommit fram till brevlådan. Tiden för överklagande räknas från den dagen.'
    ELSE 'Beslutet finns i e-tjänsten. Det räknas som delgivet när ni har öppnat det där. Tiden för överklagande räknas från den dagen.' END;
  RETURN QUERY
  SELECT (pg_catalog.row_number() OVER (ORDER BY x.o1, x.o2))::integer, x.part, x.label, x.body FROM (
    SELECT 1 AS o1, l.ord AS o2,
           l.part,
           CASE WHEN l.part = 'section' AND l.label = 'Beslut' THEN 'Beslut' ELSE l.label END AS label,
           CASE l.part
             WHEN 'date' THEN 'Beslutsdatum ' || d.decision_date::text
             WHEN 'reference' THEN 'Ärendenummer ' || d.case_number
             WHEN 'running_head' THEN pg_catalog.replace(l.body, old_ref, d.case_number)
             WHEN 'fact' THEN CASE WHEN l.label = 'Barn'
                                   THEN pg_catalog.concat_ws(', ', nullif(btrim(pg_catalog.concat_ws(' ', c.given_name, c.family_name)), ''),
                                                             skolval.personal_number_display(c.personal_number))
                                   ELSE l.body END
             WHEN 'section' THEN CASE WHEN l.label = 'Beslut' THEN decision_text
                                      ELSE pg_catalog.regexp_replace(pg_catalog.replace(l.body, old_ref, d.case_number),
                                                                     'erbjuds (därför )?plats (i förskoleklass )?på ', 'placeras \1\2vid ', 'g') END
             ELSE l.body END AS body
      FROM skolval.decision_letter_content(o.run_id, o.child_id) l
     WHERE l.part <> 'recipient'
    UNION ALL
    -- the address block, where a C5 window envelope shows it: the guardian, or Skatteverket
    SELECT 1, 100 + a.k, 'recipient', NULL, a.line
      FROM pg_catalog.unnest(CASE WHEN o.via_forwarding THEN s.forwarding_address
                                  ELSE ARRAY[g.given_name || ' ' || g.family_name, g.address, g.postal_code || ' ' || g.postal_town] END)
           WITH ORDINALITY a(line, k)
    UNION ALL
    SELECT 1, 200.5, 'fact', 'Mottagare',
           g.given_name || ' ' || g.family_name || ', ' || skolval.personal_number_display(g.personal_number)
           || CASE WHEN o.via_forwarding THEN ' (vidarebefordras av Skatteverket)' ELSE '' END
    UNION ALL
    SELECT 1, 201.5, 'fact', 'Ärendenummer', d.case_number
    UNION ALL
    SELECT 1, 301.5, 'section', 'Vem har beslutat', maker
    UNION ALL
    SELECT 1, 303.5, 'section', 'När beslutet räknas som delgivet', delivery_note
  ) x;
END $$;
COMMENT ON FUNCTION skolval.delivery_letter_content(bigint) IS
  'The words of the letter of one outbox row, part by part in print order: the decision letter of skolval.decision_letter_content() with the case number as reference, the decision date, the recipient (the guardian''s name and address, or Skatteverket''s forwarding address and never an address when the child or the guardian has protected identity), the child named by name and personal identity number (also a protected child: the letter goes through Skatteverket), the decision in words ("Ert barn placeras i förskoleklass vid ..."), who decided under which delegation, and when the decision counts as delivered by this channel. For skolval_admin, skolval_officer and skolval_mailer';

CREATE OR REPLACE FUNCTION skolval.delivery_letter(outbox_id bigint) RETURNS bytea
  LANGUAGE c STRICT VOLATILE
  AS 'MODULE_PATHNAME', 'skolval_delivery_letter';
COMMENT ON FUNCTION skolval.delivery_letter(bigint) IS
  'The letter of one outbox row as a PDF (A4, DejaVu Sans with its true bold face embedded): skolval.delivery_letter_content() laid out with libharu';

CREATE OR REPLACE FUNCTION skolval.delivery_print_file(batch_id bigint) RETURNS bytea
  LANGUAGE c STRICT VOLATILE
  AS 'MODULE_PATHNAME', 'skolval_delivery_print_file';
COMMENT ON FUNCTION skolval.delivery_print_file(bigint) IS
  'One PDF with every paper letter of a claimed batch, in postal order (Skatteverket''s forwarding first, then by postal code and address), each letter starting on a new sheet with its own page numbers, the address where a C5 window envelope shows it';

-- ---------------------------------------------------------------------------------------
-- The mail robot's and the e-service's API
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.outbox_claim(channel text, batch_size integer, worker text)
RETURNS TABLE (outbox_id bigint, batch_id bigint, case_number text, attempt integer, via_forwarding boolean,
               envelope text[], pdf bytea, json jsonb)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  s skolval.delivery_settings := skolval.delivery_setup();
  b bigint;
  n bigint;
BEGIN
  PERFORM skolval._delivery_require('outbox_claim', 'skolval_mailer', 'skolval_admin');
  IF outbox_claim.channel IS NULL OR outbox_claim.batch_size IS NULL OR outbox_claim.worker IS NULL THEN
    RAISE EXCEPTION 'outbox_claim(): % must not be NULL',
      CASE WHEN outbox_claim.channel IS NULL THEN 'channel' WHEN outbox_claim.batch_size IS NULL THEN 'batch_size' ELSE 'worker' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF outbox_claim.channel NOT IN ('e_service', 'digital_mailbox', 'paper') THEN
    RAISE EXCEPTION 'outbox_claim(): channel must be e_service, digital_mailbox or paper, not "%"', left(outbox_claim.channel, 50)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF outbox_claim.batch_size NOT BETWEEN 1 AND 10000 THEN
    RAISE EXCEPTION 'outbox_claim(): batch_size must be between 1 and 10000, not %', outbox_claim.batch_size
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF btrim(outbox_claim.worker) = '' OR char_length(outbox_claim.worker) > 200 OR outbox_claim.worker ~ '[\x01-\x1f\x7f-\x9f]' THEN
    RAISE EXCEPTION 'outbox_claim(): worker must name the robot in 1-200 characters without control characters'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO skolval.outbox_batch (channel, worker, rows) VALUES (outbox_claim.channel, outbox_claim.worker, 0) RETURNING outbox_batch.batch_id INTO b;
  -- SKIP LOCKED: rows another robot is claiming right now are passed over, never waited for or
  -- taken twice; a row claimed and committed is no longer pending (re-checked under the lock)
  WITH c AS (
    SELECT o.outbox_id FROM skolval.outbox o
     WHERE o.channel = outbox_claim.channel
       AND (o.status = 'pending'
            OR (o.status = 'failed' AND o.attempts < s.max_attempts)
            OR (o.status = 'claimed' AND o.claimed_at < pg_catalog.now() - s.claim_timeout AND o.attempts < s.max_attempts))
     ORDER BY o.postal_order, o.outbox_id
     LIMIT outbox_claim.batch_size
       FOR UPDATE SKIP LOCKED)
  UPDATE skolval.outbox o
     SET status = 'claimed', batch_id = b, claimed_by = outbox_claim.worker, claimed_at = pg_catalog.clock_timestamp(),
         attempts = o.attempts + 1
    FROM c WHERE o.outbox_id = c.outbox_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    DELETE FROM skolval.outbox_batch x WHERE x.batch_id = b;
    RETURN;
  END IF;
  UPDATE skolval.outbox_batch x SET rows = n WHERE x.batch_id = b;
  -- the digital mailbox gets the letter as PDF per recipient; paper letters are printed from
  -- the batch's print file (delivery_print_file), the e-service shows the JSON (and can fetch
  -- the PDF with delivery_letter)
  UPDATE skolval.outbox o SET pdf = skolval.delivery_letter(o.outbox_id)
   WHERE o.batch_id = b AND o.pdf IS NULL AND o.channel = 'digital_mailbox';
  RETURN QUERY
  SELECT o.outbox_id, o.batch_id, o.case_number, o.attempts, o.via_forwarding,
         CASE WHEN o.channel <> 'paper' THEN NULL
              WHEN o.via_forwarding THEN s.forwarding_address
              ELSE ARRAY[g.given_name || ' ' || g.family_name, g.address, g.postal_code || ' ' || g.postal_town] END,
         o.pdf, o.json
    FROM skolval.outbox o
    JOIN skolval.guardian g ON g.guardian_id = o.guardian_id
   WHERE o.batch_id = b
   ORDER BY o.postal_order, o.outbox_id;
END $$;
COMMENT ON FUNCTION skolval.outbox_claim(text, integer, text) IS
  'For the mail robot and the e-service (skolval_mailer): claim up to batch_size rows of a channel that are pending, failed with attempts left, or claimed longer ago than the claim timeout, in postal order, with FOR UPDATE SKIP LOCKED so that two robots never get the same row; each gets its JSON, a digital mailbox row its letter as PDF (made now), a paper row its envelope lines (the letters are printed from delivery_print_file(batch_id)). Returns nothing when nothing is waiting';

CREATE OR REPLACE FUNCTION skolval._outbox_claimed(ids bigint[], worker text, fn text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  IF ids IS NULL OR worker IS NULL THEN
    RAISE EXCEPTION '%(): % must not be NULL', fn, CASE WHEN ids IS NULL THEN 'outbox_ids' ELSE 'worker' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF pg_catalog.cardinality(ids) = 0 OR pg_catalog.array_position(ids, NULL) IS NOT NULL THEN
    RAISE EXCEPTION '%(): outbox_ids must list outbox rows, without NULL', fn USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- lock in id order; every row must be claimed by this worker and not yet reported
  PERFORM 1 FROM skolval.outbox o WHERE o.outbox_id = ANY (ids) ORDER BY o.outbox_id FOR UPDATE;
  SELECT i.id, o.status, o.claimed_by INTO bad
    FROM pg_catalog.unnest(ids) i(id) LEFT JOIN skolval.outbox o ON o.outbox_id = i.id
   WHERE o.outbox_id IS NULL OR o.status <> 'claimed' OR o.claimed_by IS DISTINCT FROM worker
   ORDER BY i.id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '%(): outbox row % is not claimed by "%"', fn, bad.id, worker
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = CASE WHEN bad.status IS NULL THEN 'There is no such row.'
                          ELSE pg_catalog.format('Its status is %s%s.', bad.status, coalesce(', claimed by ' || bad.claimed_by, '')) END,
            HINT = 'A row is reported once, by the worker that claimed it; nothing was changed.';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION skolval.outbox_mark_sent(outbox_ids bigint[], worker text, sent_at timestamptz DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  at timestamptz := coalesce(outbox_mark_sent.sent_at, pg_catalog.now());
  early bigint;
  n integer;
BEGIN
  PERFORM skolval._delivery_require('outbox_mark_sent', 'skolval_mailer', 'skolval_admin');
  PERFORM skolval._outbox_claimed(outbox_ids, worker, 'outbox_mark_sent');
  IF at > pg_catalog.now() + interval '5 minutes' THEN
    RAISE EXCEPTION 'outbox_mark_sent(): sent_at % lies in the future', at USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT o.outbox_id INTO early FROM skolval.outbox o JOIN skolval.decision d ON d.run_id = o.run_id AND d.child_id = o.child_id
   WHERE o.outbox_id = ANY (outbox_ids) AND at < d.decided_at ORDER BY o.outbox_id LIMIT 1;
  IF early IS NOT NULL THEN
    RAISE EXCEPTION 'outbox_mark_sent(): outbox row % cannot have been sent at %, before its decision was made', early, at
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE skolval.outbox o SET status = 'sent', sent_at = at, failure_reason = NULL
   WHERE o.outbox_id = ANY (outbox_ids);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
COMMENT ON FUNCTION skolval.outbox_mark_sent(bigint[], text, timestamptz) IS
  'For the mail robot: report rows it claimed as sent (sent_at NULL: now; never before the decision or in the future). Every row must be claimed by this worker and not yet reported, else nothing changes (object_not_in_prerequisite_state): nothing is sent twice. Returns the rows marked';

CREATE OR REPLACE FUNCTION skolval.outbox_mark_failed(outbox_ids bigint[], worker text, reason text)
RETURNS TABLE (outbox_id bigint, attempts integer, will_retry boolean)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  s skolval.delivery_settings := skolval.delivery_setup();
BEGIN
  PERFORM skolval._delivery_require('outbox_mark_failed', 'skolval_mailer', 'skolval_admin');
  IF outbox_mark_failed.reason IS NULL OR btrim(outbox_mark_failed.reason) = '' THEN
    RAISE EXCEPTION 'outbox_mark_failed(): reason must not be NULL or empty' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF char_length(outbox_mark_failed.reason) > 1000 THEN
    RAISE EXCEPTION 'outbox_mark_failed(): reason is longer than 1000 characters' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM skolval._outbox_claimed(outbox_ids, worker, 'outbox_mark_failed');
  UPDATE skolval.outbox o SET status = 'failed', failed_at = pg_catalog.clock_timestamp(), failure_reason = outbox_mark_failed.reason
   WHERE o.outbox_id = ANY (outbox_ids);
  -- out of attempts: reported for good
  INSERT INTO skolval.data_issue (category, severity, child_id, round_id, message, detail)
  SELECT 'delivery_failed', 'error', o.child_id, coalesce(x.round_id, l.round_id),
         pg_catalog.format('the %s to guardian %s failed %s times and is not tried again', o.channel, o.guardian_id, o.attempts),
         pg_catalog.jsonb_build_object('outbox_id', o.outbox_id, 'reason', o.failure_reason, 'case_number', o.case_number)
    FROM skolval.outbox o LEFT JOIN skolval.placement_run x ON x.run_id = o.run_id
    LEFT JOIN skolval.year_letter l ON l.letter_id = o.letter_id
   WHERE o.outbox_id = ANY (outbox_ids) AND o.attempts >= s.max_attempts;
  IF EXISTS (SELECT 1 FROM skolval.outbox o WHERE o.outbox_id = ANY (outbox_ids) AND o.attempts < s.max_attempts) THEN
    PERFORM pg_catalog.pg_notify('skolval_outbox', pg_catalog.jsonb_build_object('retry', pg_catalog.cardinality(outbox_ids))::text);
  END IF;
  RETURN QUERY SELECT o.outbox_id, o.attempts, o.attempts < s.max_attempts
    FROM skolval.outbox o WHERE o.outbox_id = ANY (outbox_ids) ORDER BY o.outbox_id;
END $$;
COMMENT ON FUNCTION skolval.outbox_mark_failed(bigint[], text, text) IS
  'For the mail robot: report rows it claimed as failed, with the reason. A row with attempts left is claimed again by the next claim (NOTIFY skolval_outbox); one out of attempts (delivery_settings.max_attempts) is reported as a data issue delivery_failed. Returns each row''s attempts and whether it will be retried';

-- When a channel's delivery counts, and the appeal deadline from it.
CREATE OR REPLACE FUNCTION skolval._outbox_delivery(o skolval.outbox) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT CASE o.channel
    WHEN 'paper' THEN
      -- förenklad delgivning: two weeks after sending, if the control notice went out after the
      -- letter and at the latest on the first working day after the day it was sent
      CASE WHEN o.sent_at IS NOT NULL AND o.control_notice_at IS NOT NULL
                AND o.control_notice_at >= o.sent_at
                AND o.control_notice_at::date <= skolval.next_working_day(o.sent_at::date)
           THEN o.sent_at::date + 14 END
    WHEN 'digital_mailbox' THEN least(o.delivered_at, o.read_at)::date
    ELSE o.read_at::date END
$$;

CREATE OR REPLACE FUNCTION skolval.outbox_mark_delivered(outbox_id bigint, delivered_at timestamptz, read_at timestamptz DEFAULT NULL)
RETURNS skolval.outbox
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  o skolval.outbox;
BEGIN
  PERFORM skolval._delivery_require('outbox_mark_delivered', 'skolval_mailer', 'skolval_admin');
  IF outbox_mark_delivered.outbox_id IS NULL OR (outbox_mark_delivered.delivered_at IS NULL AND outbox_mark_delivered.read_at IS NULL) THEN
    RAISE EXCEPTION 'outbox_mark_delivered(): % must not be NULL',
      CASE WHEN outbox_mark_delivered.outbox_id IS NULL THEN 'outbox_id' ELSE 'delivered_at' END
      USING ERRCODE = 'null_value_not_allowed', HINT = 'Give delivered_at, read_at or both.';
  END IF;
  SELECT * INTO o FROM skolval.outbox x WHERE x.outbox_id = outbox_mark_delivered.outbox_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'outbox row % does not exist', outbox_mark_delivered.outbox_id USING ERRCODE = 'no_data_found';
  END IF;
  IF o.status <> 'sent' OR o.channel = 'paper' THEN
    RAISE EXCEPTION 'outbox row % cannot be marked delivered: it is a % row with status %', o.outbox_id, o.channel, o.status
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Receipts are for sent digital mailbox and e-service rows; paper letters are delivered by förenklad delgivning (outbox_control_notice).';
  END IF;
  IF least(outbox_mark_delivered.delivered_at, outbox_mark_delivered.read_at) < o.sent_at
     OR greatest(outbox_mark_delivered.delivered_at, outbox_mark_delivered.read_at) > pg_catalog.now() + interval '5 minutes' THEN
    RAISE EXCEPTION 'outbox row %: delivery and reading lie between its sending (%) and now', o.outbox_id, o.sent_at
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  o.delivered_at := coalesce(o.delivered_at, outbox_mark_delivered.delivered_at);
  o.read_at := coalesce(o.read_at, outbox_mark_delivered.read_at);
  o.delivered_on := skolval._outbox_delivery(o);
  UPDATE skolval.outbox x SET delivered_at = o.delivered_at, read_at = o.read_at, delivered_on = o.delivered_on,
         appeal_deadline = skolval.appeal_deadline(o.delivered_on)
   WHERE x.outbox_id = o.outbox_id RETURNING * INTO o;
  RETURN o;
END $$;
COMMENT ON FUNCTION skolval.outbox_mark_delivered(bigint, timestamptz, timestamptz) IS
  'For the digital mailbox and the e-service (skolval_mailer): record a receipt of a sent row, when it reached the mailbox and/or was read (a time already recorded is kept). Delivery counts from the earlier of the two for a digital mailbox, from reading for the e-service; the appeal deadline follows';

CREATE OR REPLACE FUNCTION skolval.outbox_control_notice(outbox_ids bigint[], sent_at timestamptz DEFAULT NULL)
RETURNS TABLE (outbox_id bigint, delivered_on date, appeal_deadline date)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  at timestamptz := coalesce(outbox_control_notice.sent_at, pg_catalog.now());
  bad record;
BEGIN
  PERFORM skolval._delivery_require('outbox_control_notice', 'skolval_mailer', 'skolval_admin');
  IF outbox_control_notice.outbox_ids IS NULL OR pg_catalog.cardinality(outbox_control_notice.outbox_ids) = 0 THEN
    RAISE EXCEPTION 'outbox_control_notice(): outbox_ids must not be NULL or empty' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM 1 FROM skolval.outbox o WHERE o.outbox_id = ANY (outbox_control_notice.outbox_ids) ORDER BY o.outbox_id FOR UPDATE;
  SELECT i.id, o.channel, o.status, o.control_notice_at, o.sent_at INTO bad
    FROM pg_catalog.unnest(outbox_control_notice.outbox_ids) i(id) LEFT JOIN skolval.outbox o ON o.outbox_id = i.id
   WHERE o.outbox_id IS NULL OR o.channel <> 'paper' OR o.status <> 'sent' OR o.control_notice_at IS NOT NULL OR at < o.sent_at
   ORDER BY i.id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'outbox_control_notice(): outbox row % takes no control notice now', bad.id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = CASE WHEN bad.channel IS NULL THEN 'There is no such row.'
                          ELSE pg_catalog.format('Channel %s, status %s, sent %s, control notice %s.', bad.channel, bad.status,
                                                 coalesce(bad.sent_at::text, '-'), coalesce(bad.control_notice_at::text, '-')) END,
            HINT = 'A control notice follows a sent paper letter, once; nothing was changed.';
  END IF;
  UPDATE skolval.outbox o SET control_notice_at = at WHERE o.outbox_id = ANY (outbox_control_notice.outbox_ids);
  UPDATE skolval.outbox o SET delivered_on = skolval._outbox_delivery(o), appeal_deadline = skolval.appeal_deadline(skolval._outbox_delivery(o))
   WHERE o.outbox_id = ANY (outbox_control_notice.outbox_ids);
  -- too late for förenklad delgivning: the decision must be delivered another way
  INSERT INTO skolval.data_issue (category, severity, child_id, round_id, message, detail)
  SELECT 'control_notice_late', 'error', o.child_id, coalesce(x.round_id, l.round_id),
         'the control notice was sent later than the first working day after the letter: förenklad delgivning does not apply; deliver the decision another way',
         pg_catalog.jsonb_build_object('outbox_id', o.outbox_id, 'sent_at', o.sent_at, 'control_notice_at', o.control_notice_at,
                                       'case_number', o.case_number)
    FROM skolval.outbox o LEFT JOIN skolval.placement_run x ON x.run_id = o.run_id
    LEFT JOIN skolval.year_letter l ON l.letter_id = o.letter_id
   WHERE o.outbox_id = ANY (outbox_control_notice.outbox_ids) AND o.delivered_on IS NULL;
  RETURN QUERY SELECT o.outbox_id, o.delivered_on, o.appeal_deadline FROM skolval.outbox o
   WHERE o.outbox_id = ANY (outbox_control_notice.outbox_ids) ORDER BY o.outbox_id;
END $$;
COMMENT ON FUNCTION skolval.outbox_control_notice(bigint[], timestamptz) IS
  'For the mail robot: record the control notice (kontrollmeddelande) of förenklad delgivning for sent paper letters (sent_at NULL: now). Sent after the letter and at the latest on the first working day after it, the letter counts as delivered two weeks after it was sent and the appeal deadline follows; later, a data issue control_notice_late says that it must be delivered another way. Returns each row''s delivery day and deadline';

-- ---------------------------------------------------------------------------------------
-- Delivery per recipient, and one child's whole case
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.decision_delivery(child_id bigint, run_id bigint DEFAULT NULL)
RETURNS TABLE (published_run_id bigint, case_number text, guardian_id bigint, recipient text, channels text[], sent_at timestamptz,
               delivered_on date, delivered_by text, appeal_deadline date, letter_id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
BEGIN
  PERFORM skolval._delivery_require('decision_delivery', 'skolval_admin', 'skolval_officer');
  IF decision_delivery.child_id IS NULL THEN
    RAISE EXCEPTION 'decision_delivery(): child_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  RETURN QUERY
  SELECT o.run_id, o.case_number, o.guardian_id, g.given_name || ' ' || g.family_name,
         pg_catalog.array_agg(o.channel || ':' || o.status ORDER BY o.channel), pg_catalog.min(o.sent_at),
         pg_catalog.min(o.delivered_on),
         (pg_catalog.array_agg(o.channel ORDER BY o.delivered_on, o.channel) FILTER (WHERE o.delivered_on IS NOT NULL))[1],
         skolval.appeal_deadline(pg_catalog.min(o.delivered_on)), o.letter_id
    FROM skolval.outbox o
    JOIN skolval.guardian g ON g.guardian_id = o.guardian_id
   WHERE o.child_id = decision_delivery.child_id
     AND (decision_delivery.run_id IS NULL OR o.run_id = decision_delivery.run_id)
   GROUP BY o.run_id, o.letter_id, o.case_number, o.guardian_id, g.given_name, g.family_name
   ORDER BY o.run_id NULLS LAST, o.letter_id, o.guardian_id;
END $$;
COMMENT ON FUNCTION skolval.decision_delivery(bigint, bigint) IS
  'Per decision of a child (run_id NULL: every published run and every letter of the school year; run_id given: that run''s decision) and recipient: the channels with their status, when it was first sent, the first day the decision counts as delivered to that recipient and by which channel, and the appeal deadline from it (three weeks, moved to the next working day); NULL while not delivered. For the case officer and the appeals work (skolval_admin, skolval_officer)';

CREATE OR REPLACE FUNCTION skolval.child_case(child_id bigint)
RETURNS TABLE (section text, at timestamptz, item text, detail jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
  c skolval.child;
BEGIN
  PERFORM skolval._delivery_require('child_case', 'skolval_admin', 'skolval_officer');
  IF child_case.child_id IS NULL THEN
    RAISE EXCEPTION 'child_case(): child_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO c FROM skolval.child x WHERE x.child_id = child_case.child_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'child % does not exist', child_case.child_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN QUERY
  SELECT x.section, x.at, x.item, x.detail FROM (
    SELECT 1 AS o, 'child' AS section, NULL::timestamptz AS at,
           pg_catalog.concat_ws(' ', c.given_name, c.family_name) || ', ' || skolval.personal_number_display(c.personal_number) AS item,
           pg_catalog.jsonb_build_object('child_id', c.child_id, 'birth_date', c.birth_date, 'protected_identity', c.protected_identity,
             'sekretessmarkering', coalesce(cp.sekretessmarkering, false), 'skyddad_folkbokforing', coalesce(cp.skyddad_folkbokforing, false)) AS detail,
           0::bigint AS k
      FROM (SELECT 1) one LEFT JOIN skolval.child_protection cp ON cp.child_id = c.child_id
    UNION ALL
    SELECT 2, 'guardian', g.updated_at, g.given_name || ' ' || g.family_name || ', ' || skolval.personal_number_display(g.personal_number),
           pg_catalog.jsonb_build_object('guardian_id', g.guardian_id, 'channel', g.channel,
             'protected_identity', g.sekretessmarkering OR g.skyddad_folkbokforing,
             'address', CASE WHEN g.sekretessmarkering OR g.skyddad_folkbokforing OR c.protected_identity THEN NULL
                             ELSE pg_catalog.concat_ws(', ', g.address, g.postal_code || ' ' || g.postal_town) END), g.guardian_id
      FROM skolval.custody k JOIN skolval.guardian g ON g.guardian_id = k.guardian_id WHERE k.child_id = c.child_id
    UNION ALL
    SELECT 3, 'wish', w.submitted_at, pg_catalog.format('%s: önskemål %s, %s', r.name, w.rank, u.name),
           pg_catalog.jsonb_build_object('round_id', w.round_id, 'rank', w.rank, 'unit_id', w.unit_id, 'sibling_claim', w.sibling_claim,
             'distance_m', pg_catalog.round(wp.distance_m::numeric), 'relative_proximity_m', pg_catalog.round(wp.relative_proximity_m::numeric),
             'alternative_unit_id', wp.alternative_unit_id), w.round_id * 100 + w.rank
      FROM skolval.wish w JOIN skolval.placement_round r ON r.round_id = w.round_id JOIN skolval.unit u ON u.unit_id = w.unit_id
      LEFT JOIN skolval.wish_proximity wp ON wp.round_id = w.round_id AND wp.child_id = w.child_id AND wp.rank = w.rank
     WHERE w.child_id = c.child_id
    UNION ALL
    SELECT 4, 'priority', x.created_at, pg_catalog.format('körning %s, önskemål %s, %s: %s', pw.run_id, pw.rank, u.name, pw.outcome),
           pg_catalog.jsonb_build_object('run_id', pw.run_id, 'unit_id', pw.unit_id, 'outcome', pw.outcome, 'implicit', pw.implicit,
             'decisive_criterion', pw.decisive_criterion, 'child_values', pw.child_values, 'cutoff_values', pw.cutoff_values,
             'explanation', pw.explanation_sv), pw.run_id * 100 + pw.rank
      FROM skolval.placement_wish pw JOIN skolval.placement_run x ON x.run_id = pw.run_id JOIN skolval.unit u ON u.unit_id = pw.unit_id
     WHERE pw.child_id = c.child_id AND x.status = 'published'
    UNION ALL
    SELECT 5, 'decision', d.decided_at, d.case_number || ': ' || p.decision_sv,
           pg_catalog.jsonb_build_object('run_id', d.run_id, 'unit_id', p.unit_id, 'kind', p.kind, 'wish_rank', p.wish_rank,
             'motivation', p.motivation_sv, 'decided_by', d.maker_name, 'role', d.maker_role_title, 'delegation', d.maker_delegation), d.run_id
      FROM skolval.decision d JOIN skolval.placement p ON p.run_id = d.run_id AND p.child_id = d.child_id
     WHERE d.child_id = c.child_id
    UNION ALL
    SELECT 6, 'letter', o.created_at, pg_catalog.format('%s till %s: %s', o.channel, g.given_name || ' ' || g.family_name, o.status),
           pg_catalog.jsonb_build_object('outbox_id', o.outbox_id, 'run_id', o.run_id, 'letter_id', o.letter_id, 'case_number', o.case_number,
             'kind', coalesce(o.json ->> 'kind', 'decision'), 'via_forwarding', o.via_forwarding, 'attempts', o.attempts,
             'sent_at', o.sent_at, 'failure_reason', o.failure_reason, 'control_notice_at', o.control_notice_at,
             'delivered_at', o.delivered_at, 'read_at', o.read_at, 'delivered_on', o.delivered_on, 'appeal_deadline', o.appeal_deadline),
           o.outbox_id
      FROM skolval.outbox o JOIN skolval.guardian g ON g.guardian_id = o.guardian_id WHERE o.child_id = c.child_id
    UNION ALL
    SELECT 7, 'delivery', dd.sent_at, pg_catalog.format('%s till %s: delgivet %s, överklagas senast %s', dd.case_number, dd.recipient,
                                                          coalesce(dd.delivered_on::text, '–'), coalesce(dd.appeal_deadline::text, '–')),
           pg_catalog.to_jsonb(dd), dd.guardian_id
      FROM skolval.decision_delivery(c.child_id, NULL) dd
    UNION ALL
    SELECT 8, 'data_issue', i.detected_at, i.category || ': ' || i.message,
           pg_catalog.jsonb_build_object('issue_id', i.issue_id, 'severity', i.severity, 'round_id', i.round_id,
             'resolved_at', i.resolved_at, 'resolution', i.resolution, 'detail', i.detail), i.issue_id
      FROM skolval.data_issue i WHERE i.child_id = c.child_id
    UNION ALL
    -- the child's audit entries through the index on the child_id of the logged row
    SELECT 9, 'audit', a.logged_at, pg_catalog.format('%s %s by %s', a.action, a.table_name, a.acting_role),
           pg_catalog.jsonb_build_object('audit_id', a.audit_id, 'function', a.function_name, 'old', a.old_row, 'new', a.new_row), a.audit_id
      FROM skolval.audit_log a
     WHERE coalesce(a.new_row ->> 'child_id', a.old_row ->> 'child_id') = c.child_id::text
  ) x
  ORDER BY x.o, x.at NULLS FIRST, x.k;
END $$;
COMMENT ON FUNCTION skolval.child_case(bigint) IS
  'One child''s whole case for the case officer, section by section: the child (and its kind of protected identity), the guardians with custody, the wishes with their walking distances and relative proximity, the priorities and outcome at each wished school in published runs, the decisions with case number, motivation and who decided, the letters and their delivery and appeal deadlines, data issues and the audit log''s entries on the child (read through an index, never a scan of the log). For skolval_admin and skolval_officer';

-- The fonts of delivery letters: the documents' fonts, with the true bold face (DejaVu Sans
-- Bold, Debian's fonts-dejavu-core) when no bold font is configured.
CREATE OR REPLACE FUNCTION skolval._delivery_fonts(OUT font_path text, OUT bold_font_path text)
LANGUAGE sql STABLE AS $$
  SELECT s.font_path, coalesce(s.bold_font_path, '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf')
    FROM skolval.document_setup() s
$$;

-- The guardian register, custody, the kinds of protection, who decides and the settings are
-- audited like the rest of the register.
DO $audit_delivery$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['guardian', 'custody', 'child_protection', 'round_decision_maker', 'delivery_settings'] LOOP
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
$audit_delivery$;

CREATE OR REPLACE FUNCTION skolval.outbox_payload(outbox_ids bigint[])
RETURNS TABLE (outbox_id bigint, channel text, pdf bytea, json jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
BEGIN
  PERFORM skolval._delivery_require('outbox_payload', 'skolval_mailer', 'skolval_admin');
  IF outbox_payload.outbox_ids IS NULL THEN
    RAISE EXCEPTION 'outbox_payload(): outbox_ids must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  RETURN QUERY SELECT o.outbox_id, o.channel, o.pdf, o.json FROM skolval.outbox o
   WHERE o.outbox_id = ANY (outbox_payload.outbox_ids) ORDER BY o.postal_order, o.outbox_id;
END $$;
COMMENT ON FUNCTION skolval.outbox_payload(bigint[]) IS
  'For the mail robot and the e-service: the PDF (digital mailbox) and the JSON of outbox rows, in postal order';

COMMENT ON FUNCTION skolval._delivery_protected_child(bigint) IS
  'The child has protected identity (child.protected_identity or a kind in child_protection); an unknown child counts as protected';
COMMENT ON FUNCTION skolval._outbox_claimed(bigint[], text, text) IS
  'Lock the outbox rows and raise object_not_in_prerequisite_state unless every one is claimed by the worker and not yet reported';
COMMENT ON FUNCTION skolval._outbox_delivery(skolval.outbox) IS
  'The day an outbox row counts as delivered: paper two weeks after sending with a control notice in time (förenklad delgivning), digital mailbox the earlier of delivered and read, e-service when read; NULL otherwise';
COMMENT ON FUNCTION skolval._delivery_fonts() IS
  'The fonts of delivery letters: the documents'' regular font, and their bold font or DejaVu Sans Bold';

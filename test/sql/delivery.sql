-- Delivery (issue 15): case numbers, the outbox, the mail robot's API, delivery dates and appeal
-- deadlines, the protected child's letter, bad input with SQLSTATEs.
--
-- The town of test/sql/documents.sql: one street x = 0..1000 m, units A (x=100, 1 seat),
-- B (x=500, 1 seat), C (x=900, 3 seats); children 1-5. Placement: 1 -> A, 2 -> C, 3 -> B,
-- 4 -> C, 5 -> C. Child 3 has protected identity (skyddad folkbokföring recorded).
-- Guardians: child 1 has two at one address, child 2 two at two addresses (one on a digital
-- mailbox), children 4 and 5 one each, child 3 one (no address here: the municipality does not
-- hold the address of a protected child's household).
-- Two robots claiming at the same time (SKIP LOCKED across sessions) are tested by
-- test/scripts/delivery.sh; here one session shows what a claim hands out and never again.
SET datestyle = ISO;
SELECT skolval._demo_clear(true);
DELETE FROM skolval.settings;
SELECT skolval.set_four_eyes(false, 'single-user regression test (delivery.sql)');
CREATE FUNCTION pg_temp.expect_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  -- times and outbox ids vary from run to run
  RETURN SQLSTATE || ': ' || regexp_replace(regexp_replace(SQLERRM, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?([-+]\d\d)?', 'TIME', 'g'),
                                            'outbox row \d+', 'outbox row N', 'g');
END $$;
CREATE FUNCTION pg_temp.pt(x float8) RETURNS geometry LANGUAGE sql AS
  'SELECT ST_SetSRID(ST_MakePoint(386000 + x, 6176000), 3006)';

SELECT municipality_code FROM skolval.configure(municipality_code => '1281', municipality_name => 'Lunds kommun');
INSERT INTO skolval.network (network_id, name, source, srid) VALUES (1, 'street', 'test', 3006);
INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, kind, geom)
SELECT 1, i, i, i + 1, 100, 'residential', ST_MakeLine(pg_temp.pt(100 * (i - 1)), pg_temp.pt(100 * i))
  FROM generate_series(1, 10) i;
SELECT edge_count FROM skolval.network_finish(1);
INSERT INTO skolval.district VALUES ('N', 'Norr', 'Barn- och skolnämnden Norr');
INSERT INTO skolval.unit (unit_id, unit_code, name, organizer, organizer_name, school_forms, address, location) VALUES
  (1, 'A', 'Ängsskolan', 'municipal', NULL, '{forskoleklass}', 'Ängsvägen 1', pg_temp.pt(100)),
  (2, 'B', 'Björkskolan', 'municipal', NULL, '{forskoleklass}', NULL, pg_temp.pt(500)),
  (3, 'C', 'Cederskolan', 'municipal', NULL, '{forskoleklass}', NULL, pg_temp.pt(900));
INSERT INTO skolval.child (child_id, personal_number, given_name, family_name)
SELECT n, skolval.personal_number_make('2021-01-01'::date + n, n), 'Barn' || n, 'Gatan' FROM generate_series(1, 5) n;
INSERT INTO skolval.residence (child_id, municipality_code, address, postal_code, postal_town, district_code, home, valid_from)
SELECT n, '1281', 'Gatan ' || n, '222 22', 'Lund', 'N', pg_temp.pt(x), '2021-01-01'
  FROM (VALUES (1, 50), (2, 150), (3, 450), (4, 800), (5, 950)) v(n, x);
INSERT INTO skolval.placement_round (round_id, name, municipality_code, start_date, cohort_birth_year,
                                     lottery_seed, near_home_distance_m)
VALUES (1, 'Gatan HT2027', '1281', '2027-08-16', 2021, 42, 100);
SELECT skolval.round_fill_cohort(1);
INSERT INTO skolval.wish (round_id, child_id, rank, unit_id) VALUES
  (1, 1, 1, 1), (1, 1, 2, 2), (1, 2, 1, 1), (1, 2, 2, 3), (1, 3, 1, 1), (1, 3, 2, 2), (1, 4, 1, 2);
INSERT INTO skolval.round_capacity VALUES (1, 1, 1), (1, 2, 1), (1, 3, 3);
SELECT pairs, ok FROM skolval.compute_distances(1);
UPDATE skolval.child SET protected_identity = true, given_name = 'Hemlig' WHERE child_id = 3;
INSERT INTO skolval.child_protection (child_id, skyddad_folkbokforing) VALUES (3, true);
SELECT board_name FROM skolval.configure_documents(board_address => 'Box 41, 221 00 Lund', contact => 'Kontaktcenter, 046-35 50 00');

INSERT INTO skolval.guardian (guardian_id, personal_number, given_name, family_name, address, postal_code, postal_town, channel) VALUES
  (11, skolval.personal_number_make('1990-01-11', 11), 'Anna', 'Ek', 'Gatan 1', '222 22', 'Lund', 'paper'),
  (12, skolval.personal_number_make('1990-01-12', 12), 'Bo', 'Ek', 'Gatan 1', '222 22', 'Lund', 'paper'),
  (21, skolval.personal_number_make('1990-01-21', 21), 'Cilla', 'Ask', 'Gatan 2', '222 22', 'Lund', 'digital_mailbox'),
  (22, skolval.personal_number_make('1990-01-22', 22), 'Dan', 'Ask', 'Storgatan 9', '223 50', 'Lund', 'paper'),
  (31, skolval.personal_number_make('1990-01-31', 31), 'Eva', 'Hemlig', NULL, NULL, NULL, 'paper'),
  (41, skolval.personal_number_make('1990-01-14', 41), 'Fia', 'Lönn', 'Gatan 4', '222 22', 'Lund', 'paper'),
  (51, skolval.personal_number_make('1990-01-25', 51), 'Gun', 'Alm', 'Gatan 5', '222 22', 'Lund', 'digital_mailbox');
INSERT INTO skolval.custody (child_id, guardian_id) VALUES (1, 11), (1, 12), (2, 21), (2, 22), (3, 31), (4, 41), (5, 51);

-- A run can be queued only once it is published, with a decision maker.
SELECT run_id FROM skolval.allocate(1);
SELECT pg_temp.expect_error($$ SELECT * FROM skolval.delivery_enqueue(1) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.set_decision_maker(1, ' ', 'Karin Lind', 'punkt 4.2') $$);
SELECT pg_temp.expect_error($$ SELECT skolval.set_decision_maker(99, 'Handläggare', 'Karin Lind', 'punkt 4.2') $$);
SELECT role_title, name, delegation FROM skolval.set_decision_maker(1, 'Handläggare, antagningsenheten', 'Karin Lind',
                                                                    'Barn- och skolnämndens delegationsordning, punkt 4.2');
SELECT pg_temp.expect_error($$ SELECT skolval.configure_delivery(case_prefix => 'bsn 1') $$);
SELECT case_prefix, disagreement_rule, max_attempts FROM skolval.configure_delivery(case_prefix => 'BSN', max_attempts => 2);
SELECT run_id, status FROM skolval.publish(1);
SELECT pg_temp.expect_error($$ SELECT skolval.set_decision_maker(1, 'Handläggare', 'Karin Lind', 'punkt 4.2') $$);

-- Case numbers: one per child, consecutive in child order in the series of the decision's year.
SELECT d.child_id, regexp_replace(d.case_number, '\d{4}/', 'YYYY/') AS case_number,
       d.case_number = format('BSN %s/%s', extract(year FROM d.decided_at), lpad(d.child_id::text, 4, '0')) AS of_the_year,
       d.maker_name, d.maker_delegation
  FROM skolval.decision d WHERE d.run_id = 1 ORDER BY d.child_id;

-- The outbox: per guardian with custody the e-service and the guardian's own channel; the
-- protected child's guardian on paper through Skatteverket's forwarding.
SELECT * FROM skolval.delivery_enqueue(1);
SELECT o.child_id, o.guardian_id, o.channel, o.via_forwarding, o.status, o.json ->> 'decision' AS decision
  FROM skolval.outbox o ORDER BY o.child_id, o.guardian_id, o.channel;
SELECT count(*) AS queued_again FROM skolval.delivery_enqueue(1) x WHERE x.queued <> (SELECT count(*) FROM skolval.outbox o WHERE o.channel = x.channel);
SELECT count(*) AS rows_after_second_enqueue FROM skolval.outbox;
-- the JSON of the e-service: the decision, the motivation, the appeal route and deadline rule
SELECT o.json ->> 'case_number' = d.case_number AS case_number_matches, o.json -> 'decided_by' ->> 'name' AS decided_by,
       o.json -> 'appeal' ->> 'route' AS appeal_route, o.json -> 'appeal' ->> 'deadline_rule' AS deadline_rule,
       o.json -> 'child' ->> 'name' AS child_name
  FROM skolval.outbox o JOIN skolval.decision d USING (run_id, child_id)
 WHERE o.channel = 'e_service' AND o.guardian_id IN (41, 11) ORDER BY o.guardian_id;

-- The decision in words: a municipal place is the board's placement; a wish met at an
-- independent unit is that school's offer under its own rules, not a decision of the board.
SELECT k, skolval.decision_sentence_sv('forskoleklass', 'Friskolan', '2027-08-16', kind, rank, had, indep) AS sentence
  FROM (VALUES ('municipal, wish 2', 'wish', 2, true, false), ('independent, wish 1', 'wish', 1, true, true),
               ('independent, wish 3', 'wish', 3, true, true), ('near home, no wishes', 'near_home_offer', NULL, false, false),
               ('administrative', 'administrative', NULL, true, false)) v(k, kind, rank, had, indep)
 ORDER BY k;
SELECT skolval.decision_sentence_sv('forskoleklass', 'A', '2027-08-16', 'wish', 1, true, NULL) IS NULL AS null_when_unknown;

-- The mail robot: a claim hands out paper rows in postal order (forwarding first), never the
-- same row twice; an empty claim returns nothing.
SELECT pg_temp.expect_error($$ SELECT * FROM skolval.outbox_claim('fax', 10, 'robot-a') $$);
SELECT pg_temp.expect_error($$ SELECT * FROM skolval.outbox_claim('paper', 0, 'robot-a') $$);
SELECT pg_temp.expect_error($$ SELECT * FROM skolval.outbox_claim('paper', 10, ' ') $$);
SELECT c.outbox_id IS NOT NULL AS claimed, o.guardian_id, c.attempt, c.via_forwarding, c.envelope
  FROM skolval.outbox_claim('paper', 2, 'robot-a') c JOIN skolval.outbox o USING (outbox_id) ORDER BY o.postal_order;
SELECT o.guardian_id, c.envelope
  FROM skolval.outbox_claim('paper', 10, 'robot-b') c JOIN skolval.outbox o USING (outbox_id) ORDER BY o.postal_order;
SELECT count(*) AS nothing_left FROM skolval.outbox_claim('paper', 10, 'robot-c');
SELECT claimed_by, count(*) FROM skolval.outbox WHERE channel = 'paper' GROUP BY 1 ORDER BY 1;

-- The protected child's letter names the child (name, personal number) and shows no address:
-- the envelope goes to Skatteverket's forwarding.
SELECT part, label, regexp_replace(body, 'BSN \d{4}/', 'BSN YYYY/') AS body
  FROM skolval.delivery_letter_content((SELECT outbox_id FROM skolval.outbox WHERE guardian_id = 31 AND channel = 'paper'))
 WHERE part IN ('recipient', 'fact') ORDER BY ord;
SELECT count(*) FILTER (WHERE c.body LIKE '%Hemlig%') > 0 AS names_the_child,
       count(*) FILTER (WHERE c.body LIKE '%' || skolval.personal_number_display(k.personal_number) || '%') > 0 AS gives_the_personal_number,
       count(*) FILTER (WHERE c.body LIKE '%Gatan 3%' OR c.body ~ '222 ?22') AS rows_with_the_address
  FROM skolval.delivery_letter_content((SELECT outbox_id FROM skolval.outbox WHERE guardian_id = 31 AND channel = 'paper')) c,
       skolval.child k WHERE k.child_id = 3;

-- Reports: only by the robot that claimed the row, once.
SELECT pg_temp.expect_error($$ SELECT skolval.outbox_mark_sent((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE claimed_by = 'robot-a'), 'robot-b') $$);
SELECT pg_temp.expect_error($$ SELECT skolval.outbox_mark_sent(ARRAY[]::bigint[], 'robot-a') $$);
SELECT pg_temp.expect_error($$ SELECT skolval.outbox_mark_sent((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE claimed_by = 'robot-a'), 'robot-a', now() + interval '1 day') $$);
SELECT skolval.outbox_mark_sent((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE claimed_by = 'robot-a'), 'robot-a') AS marked_sent;
SELECT pg_temp.expect_error($$ SELECT skolval.outbox_mark_sent((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE claimed_by = 'robot-a'), 'robot-a') $$);
-- robot-b's rows fail: with attempts left (max_attempts 2) they are claimed again; the second
-- failure is reported as a data issue and the row is not tried again.
SELECT pg_temp.expect_error($$ SELECT * FROM skolval.outbox_mark_failed((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE claimed_by = 'robot-b'), 'robot-b', ' ') $$);
SELECT attempts, will_retry FROM skolval.outbox_mark_failed((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE claimed_by = 'robot-b'), 'robot-b', 'printer jam');
SELECT c.attempt, count(*) FROM skolval.outbox_claim('paper', 10, 'robot-b') c GROUP BY 1;
SELECT attempts, will_retry FROM skolval.outbox_mark_failed((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE claimed_by = 'robot-b'), 'robot-b', 'printer jam again');
SELECT count(*) AS claimed_after_last_attempt FROM skolval.outbox_claim('paper', 10, 'robot-b');
SELECT category, severity, count(*) FROM skolval.data_issue WHERE category = 'delivery_failed' GROUP BY 1, 2;

-- Förenklad delgivning: with the control notice the letter counts as delivered two weeks after
-- it was sent; the appeal deadline is three weeks later, moved past holidays and weekends.
SELECT pg_temp.expect_error($$ SELECT * FROM skolval.outbox_control_notice((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE status = 'failed')) $$);
SELECT x.delivered_on = o.sent_at::date + 14 AS two_weeks_after_sending,
       x.appeal_deadline = skolval.appeal_deadline(x.delivered_on) AS deadline_follows,
       x.appeal_deadline >= x.delivered_on + 21 AS three_weeks_or_more
  FROM skolval.outbox_control_notice((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE status = 'sent' AND channel = 'paper')) x
  JOIN skolval.outbox o USING (outbox_id);
SELECT pg_temp.expect_error($$ SELECT * FROM skolval.outbox_control_notice((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE status = 'sent' AND channel = 'paper')) $$);

-- Digital mailbox: delivered when it reached the mailbox or was read, whichever came first.
SELECT count(*) AS digital_claimed FROM skolval.outbox_claim('digital_mailbox', 10, 'kivra');
SELECT count(*) FILTER (WHERE o.pdf IS NOT NULL AND substr(o.pdf, 1, 5) = '%PDF-'::bytea) AS pdf_per_recipient
  FROM skolval.outbox o WHERE o.channel = 'digital_mailbox';
SELECT skolval.outbox_mark_sent((SELECT array_agg(outbox_id) FROM skolval.outbox WHERE claimed_by = 'kivra'), 'kivra') AS marked_sent;
SELECT pg_temp.expect_error($$ SELECT skolval.outbox_mark_delivered((SELECT min(outbox_id) FROM skolval.outbox WHERE channel = 'paper' AND status = 'sent'), now()) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.outbox_mark_delivered((SELECT min(outbox_id) FROM skolval.outbox WHERE claimed_by = 'kivra'), now() - interval '10 years') $$);
SELECT pg_temp.expect_error($$ SELECT skolval.outbox_mark_delivered(999999, now()) $$);
SELECT (o).delivered_on = current_date AS delivered_today, (o).appeal_deadline = skolval.appeal_deadline(current_date) AS deadline_follows
  FROM (SELECT skolval.outbox_mark_delivered(outbox_id, now()) AS o FROM skolval.outbox WHERE claimed_by = 'kivra') x;

-- Per recipient the earliest delivery and its deadline (the e-service rows are not read).
SELECT guardian_id, recipient, channels, delivered_on IS NOT NULL AS delivered, appeal_deadline = skolval.appeal_deadline(delivered_on) AS deadline_ok
  FROM skolval.decision_delivery(2) ORDER BY guardian_id;

-- The appeal deadline: three weeks after delivery, moved to the next working day (lag 1930:173).
SELECT d AS delivered_on, skolval.appeal_deadline(d) AS deadline, to_char(skolval.appeal_deadline(d), 'Dy') AS weekday
  FROM (VALUES ('2027-03-01'::date),   -- 22 March, a Monday
               ('2027-03-05'),         -- 26 March is långfredagen 2027; 27-28 weekend, 29 annandag påsk -> 30 March
               ('2027-06-03'),         -- 24 June 2027, a Thursday (midsommarafton is the 25th)
               ('2027-06-04'),         -- 25 June is midsommarafton 2027 (Friday), 26 midsommardagen -> Monday 28 June
               ('2027-12-03'),         -- 24 December julafton -> 27 December
               ('2027-12-10'),         -- 31 December nyårsafton; 1 January holiday and weekend -> 3 January 2028
               ('2027-04-15'),         -- 6 May is Kristi himmelsfärdsdag 2027 -> 7 May
               ('2027-05-16')) v(d);   -- 6 June nationaldagen (Sunday) -> 7 June
SELECT skolval.easter_sunday(2027) AS easter_2027, skolval.easter_sunday(2028) AS easter_2028,
       skolval.swedish_holiday('2027-11-06') AS alla_helgons_dag_2027, skolval.working_day('2027-11-05') AS friday_before;

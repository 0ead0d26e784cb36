-- skolval: payment configuration for the example municipality.
--
-- demo_payments() gives Exempelkommun what a real municipality writes into its grant decision:
-- categories for förskola (age band × hours), förskoleklass, grundskola and fritidshem (by
-- grade), 2026 rates of the order real municipalities pay with a rise on 1 July, the count
-- policy (the 15th, June on the May count, July on the August count), Swedish public holidays,
-- one account per administration and a few tilläggsbelopp decisions. The register made by
-- demo_municipality() already holds the awkward cases: parallel placements, children who move
-- away, children registered elsewhere, fritidshem without a grade.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

CREATE OR REPLACE FUNCTION skolval.demo_payments(seed bigint DEFAULT 1) RETURNS TABLE (item text, value bigint)
LANGUAGE plpgsql AS $$
BEGIN
  IF seed IS NULL THEN
    RAISE EXCEPTION 'demo_payments(): seed must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM skolval.settings s WHERE s.municipality_code = '9999') THEN
    RAISE EXCEPTION 'demo_payments() configures the example municipality only'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Run skolval.demo_municipality() first.';
  END IF;
  IF EXISTS (SELECT 1 FROM skolval.payment_category) OR EXISTS (SELECT 1 FROM skolval.payment_run)
     OR EXISTS (SELECT 1 FROM skolval.organizer) THEN
    RAISE EXCEPTION 'payment configuration already exists'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Run skolval.demo_municipality(replace => true) for a fresh example municipality.';
  END IF;

  INSERT INTO skolval.payment_policy (basis, count_day, weekend_shift, age_cutover_month, age_cutover_day,
                                      correction_window_months)
  VALUES ('count_day', 15, 'next', 9, 1, 1);
  INSERT INTO skolval.payment_special_month VALUES (6, -1, 15), (7, 1, 22);
  INSERT INTO skolval.payment_holiday (day, name) VALUES
    ('2026-01-01', 'Nyårsdagen'), ('2026-01-06', 'Trettondedag jul'), ('2026-04-03', 'Långfredagen'),
    ('2026-04-06', 'Annandag påsk'), ('2026-05-01', 'Första maj'), ('2026-05-14', 'Kristi himmelsfärdsdag'),
    ('2026-06-06', 'Sveriges nationaldag'), ('2026-06-19', 'Midsommarafton'), ('2026-12-24', 'Julafton'),
    ('2026-12-25', 'Juldagen'), ('2026-12-26', 'Annandag jul'), ('2026-12-31', 'Nyårsafton'),
    ('2027-01-01', 'Nyårsdagen'), ('2027-01-06', 'Trettondedag jul');

  INSERT INTO skolval.payment_category (category_code, name_sv, school_form, grade_from, grade_to, age_from,
                                        age_to, hours_over, hours_up_to, sort_order) VALUES
    ('FSK1-2',    'Förskola 1–2 år, över 15 h/v',  'forskola', NULL, NULL, 1, 2, 15, NULL, 10),
    ('FSK1-2-15', 'Förskola 1–2 år, högst 15 h/v', 'forskola', NULL, NULL, 1, 2, NULL, 15, 11),
    ('FSK3-5',    'Förskola 3–5 år, över 15 h/v',  'forskola', NULL, NULL, 3, 5, 15, NULL, 12),
    ('FSK3-5-15', 'Förskola 3–5 år, högst 15 h/v', 'forskola', NULL, NULL, 3, 5, NULL, 15, 13),
    ('FK',        'Förskoleklass',                 'forskoleklass', NULL, NULL, NULL, NULL, NULL, NULL, 20),
    ('GR1-3',     'Grundskola åk 1–3',             'grundskola', 1, 3, NULL, NULL, NULL, NULL, 30),
    ('GR4-6',     'Grundskola åk 4–6',             'grundskola', 4, 6, NULL, NULL, NULL, NULL, 31),
    ('GR7-9',     'Grundskola åk 7–9',             'grundskola', 7, 9, NULL, NULL, NULL, NULL, 32),
    ('FRI-F3',    'Fritidshem förskoleklass–åk 3', 'fritidshem', 0, 3, NULL, NULL, NULL, NULL, 40),
    ('FRI4-6',    'Fritidshem åk 4–6',             'fritidshem', 4, 6, NULL, NULL, NULL, NULL, 41);

  -- Annual amounts without administration and VAT (those are added per row), of the order of
  -- the published 2022-2024 tables (doc/payments.md); a 2.5 % rise from 1 July 2026.
  INSERT INTO skolval.payment_rate (category_code, valid_from, valid_to, base_annual, premises_annual, decision)
  SELECT c.code, p.valid_from, p.valid_to, round(c.base * p.factor), round(c.premises * p.factor),
         'Exempelkommun BSN 2025-11-20 § 112'
    FROM (VALUES ('FSK1-2', 152400, 21600), ('FSK1-2-15', 74000, 10800), ('FSK3-5', 110500, 16800),
                 ('FSK3-5-15', 54000, 8400), ('FK', 54600, 9600), ('GR1-3', 74400, 11400),
                 ('GR4-6', 76800, 11400), ('GR7-9', 93600, 12600), ('FRI-F3', 30600, 4800),
                 ('FRI4-6', 13200, 2400)) c(code, base, premises)
   CROSS JOIN (VALUES (date '2026-01-01', date '2026-06-30', 1.0), ('2026-07-01', '2026-12-31', 1.025)) p(valid_from, valid_to, factor);

  INSERT INTO skolval.cost_account (administration, school_form, account)
  SELECT d.administration, f.form, pg_catalog.format('46%s0 %s00 %s', f.code, 10 + d.n, f.activity)
    FROM (SELECT x.administration, row_number() OVER (ORDER BY x.administration) AS n
            FROM (SELECT DISTINCT administration FROM skolval.district) x) d
   CROSS JOIN (VALUES ('forskola', 1, 400), ('forskoleklass', 2, 420), ('grundskola', 3, 430),
                      ('fritidshem', 4, 440)) f(form, code, activity);
  -- Supplements (tilläggsbelopp) have no school form: a catch-all account per administration.
  INSERT INTO skolval.cost_account (administration, school_form, account)
  SELECT x.administration, NULL, pg_catalog.format('4650 %s00 450', 10 + row_number() OVER (ORDER BY x.administration))
    FROM (SELECT DISTINCT administration FROM skolval.district) x;

  -- Tilläggsbelopp for about one grundskola pupil in sixty at an independent school, for the
  -- autumn term; one decision names a unit the child has left (a warning every month).
  INSERT INTO skolval.supplement (child_id, unit_id, amount_monthly, valid_from, valid_to, decision_ref)
  SELECT e.child_id, e.unit_id,
         1000 * (3 + pg_catalog.floor(skolval.seeded_random(seed, 'supplement', e.enrollment_id) * 10)),
         '2026-08-01', '2026-12-31',
         pg_catalog.format('BSN 2026/%s', lpad((100 + e.enrollment_id % 900)::text, 4, '0'))
    FROM skolval.enrollment e JOIN skolval.unit u ON u.unit_id = e.unit_id
   WHERE u.organizer = 'independent' AND e.school_form = 'grundskola'
     AND e.valid_from <= '2026-09-15' AND (e.valid_to IS NULL OR e.valid_to >= '2026-09-15')
     AND skolval.seeded_random(seed, 'supplement-pick', e.enrollment_id) < 1.0 / 60
   ORDER BY e.enrollment_id;
  INSERT INTO skolval.supplement (child_id, unit_id, amount_monthly, valid_from, valid_to, decision_ref)
  SELECT e.child_id, e.unit_id, 6000, '2026-01-01', '2026-12-31', 'BSN 2025/0999'
    FROM skolval.enrollment e JOIN skolval.unit u ON u.unit_id = e.unit_id
   WHERE u.organizer = 'independent' AND e.school_form = 'grundskola' AND e.valid_to < '2026-06-30'
   ORDER BY e.enrollment_id LIMIT 1;

  -- The organizers (huvudmän) of the independent units, paid by bankgiro: one per organizer name,
  -- with an organisation number (Luhn check digit) and a bankgiro number, running their units
  -- since 2000 (skolval.unit_organizer). Grants are paid to them (skolval.payment_payees()).
  INSERT INTO skolval.organizer (name, kind, organization_number, bankgiro)
  SELECT n.name, 'independent',
         pg_catalog.substr(n.nine, 1, 6) || '-' || pg_catalog.substr(n.nine, 7, 3)
           || ((10 - (SELECT pg_catalog.sum(CASE WHEN i.i % 2 = 1
                                                  THEN (2 * pg_catalog.substr(n.nine, i.i, 1)::pg_catalog.int4) / 10
                                                       + (2 * pg_catalog.substr(n.nine, i.i, 1)::pg_catalog.int4) % 10
                                                  ELSE pg_catalog.substr(n.nine, i.i, 1)::pg_catalog.int4 END)
                        FROM pg_catalog.generate_series(1, 9) i(i)) % 10) % 10)::pg_catalog.text,
         (5000 + n.k)::pg_catalog.text || '-' || pg_catalog.lpad(((n.k * 4513 + seed) % 10000)::pg_catalog.text, 4, '0')
    FROM (SELECT o.name, o.k,
                 '5569' || pg_catalog.lpad(((o.k * 7919 + seed) % 100000)::pg_catalog.text, 5, '0') AS nine
            FROM (SELECT x.name, pg_catalog.row_number() OVER (ORDER BY x.name) AS k
                    FROM (SELECT DISTINCT coalesce(u.organizer_name, u.name) AS name
                            FROM skolval.unit u WHERE u.organizer = 'independent') x) o) n
   ORDER BY n.k;
  INSERT INTO skolval.unit_organizer (unit_id, valid_from, organizer_id)
  SELECT u.unit_id, date '2000-01-01', o.organizer_id
    FROM skolval.unit u JOIN skolval.organizer o ON o.name = coalesce(u.organizer_name, u.name) AND o.kind = 'independent'
   WHERE u.organizer = 'independent'
   ORDER BY u.unit_id;

  -- The IKE price list (interkommunal ersättning): for every municipality the year's grundbelopp
  -- and premises of each category, with administration and VAT as for an independent unit
  -- (the price list of Sveriges Kommuner och Regioner's recommendation has the same shape).
  INSERT INTO skolval.ike_price (category_code, municipality_code, valid_from, valid_to, annual_amount, agreement)
  SELECT r.category_code, NULL, r.valid_from, r.valid_to,
         pg_catalog.round((r.base_annual + r.premises_annual) * 1.03 * 1.06, 0),
         'Exempelkommun BSN 2025-11-20 § 113 (IKE-prislista)'
    FROM skolval.payment_rate r
   ORDER BY r.category_code, r.valid_from;

  RETURN QUERY VALUES
    ('organizers', (SELECT pg_catalog.count(*) FROM skolval.organizer)),
    ('payment categories', (SELECT pg_catalog.count(*) FROM skolval.payment_category)),
    ('rates', (SELECT pg_catalog.count(*) FROM skolval.payment_rate)),
    ('cost accounts', (SELECT pg_catalog.count(*) FROM skolval.cost_account)),
    ('supplements', (SELECT pg_catalog.count(*) FROM skolval.supplement)),
    ('holidays', (SELECT pg_catalog.count(*) FROM skolval.payment_holiday)),
    ('IKE prices', (SELECT pg_catalog.count(*) FROM skolval.ike_price));
END $$;
COMMENT ON FUNCTION skolval.demo_payments(bigint) IS
  'Give the example municipality its grant configuration: categories, 2026 rates with a rise on 1 July, the count policy, holidays, accounts per administration and tilläggsbelopp decisions. Run after demo_municipality(); deterministic for a seed';

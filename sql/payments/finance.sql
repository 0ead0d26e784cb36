-- skolval: what the finance office receives from an approved or locked payment run — the
-- payees (organizers with organisation number, bankgiro or IBAN and a payment reference), a
-- payee file in a documented CSV layout, the month's verifications as an SIE 4 file, and the
-- rows as finance reads them (reasons, held amounts, no child identities).
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.
-- Layouts: doc/payments.md, "Files for the finance system".

-- The payment date of a run: the policy's payment day of the paid month (stored with the run's
-- rules), moved back to the previous weekday off payment_holiday.
CREATE OR REPLACE FUNCTION skolval._payment_pay_date(month date, rules jsonb) RETURNS date
LANGUAGE plpgsql STABLE AS $$
DECLARE
  d date := month + (coalesce((rules->'policy'->>'payment_day')::integer, 25) - 1);
BEGIN
  WHILE extract(isodow FROM d) IN (6, 7) OR EXISTS (SELECT 1 FROM skolval.payment_holiday h WHERE h.day = d) LOOP
    d := d - 1;
  END LOOP;
  RETURN d;
END $$;
COMMENT ON FUNCTION skolval._payment_pay_date(date, jsonb) IS
  'The payment date (utbetalningsdag) of a month under the rules of its run: the payment day, moved back to the previous weekday';

-- A finished run (approved or locked): what the finance files are made from.
CREATE OR REPLACE FUNCTION skolval._payment_run_finished(run_id bigint) RETURNS skolval.payment_run
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.payment_run;
BEGIN
  IF run_id IS NULL THEN
    RAISE EXCEPTION 'run_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO run FROM skolval.payment_run x WHERE x.run_id = _payment_run_finished.run_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'payment run % does not exist', run_id USING ERRCODE = 'no_data_found';
  END IF;
  IF run.status = 'draft' THEN
    RAISE EXCEPTION 'payment run % for % is a draft', run.run_id, to_char(run.month, 'YYYY-MM')
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Payment files are made from approved or locked runs only: approve it first.';
  END IF;
  RETURN run;
END $$;
COMMENT ON FUNCTION skolval._payment_run_finished(bigint) IS
  'The payment run; no_data_found when there is none, object_not_in_prerequisite_state when it is a draft';

-- Held rows and their reasons in Swedish.
CREATE OR REPLACE FUNCTION skolval.payment_flags_sv(flags text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT nullif(pg_catalog.array_to_string(ARRAY(
    SELECT CASE f
             WHEN 'parallel_placement' THEN 'parallell placering'
             WHEN 'overlapping_enrollment' THEN 'samma placering registrerad två gånger'
             WHEN 'no_residence' THEN 'ingen folkbokföring på avläsningsdagen'
             WHEN 'no_category' THEN 'ingen ersättningskategori passar'
             WHEN 'ambiguous_category' THEN 'flera ersättningskategorier passar'
             WHEN 'no_rate' THEN 'kategorin saknar belopp'
             WHEN 'no_district' THEN 'kommundelen saknar förvaltning'
             WHEN 'no_account' THEN 'förvaltningen saknar konto'
             WHEN 'missing_address' THEN 'folkbokförd utan adress'
             WHEN 'address_changed' THEN 'ny adress under månaden'
             WHEN 'residence_gap' THEN 'folkbokförd här bara en del av månaden'
             WHEN 'owed' THEN 'till enheten'
             WHEN 'reclaim' THEN 'återkrav'
             WHEN 'rate_revision' THEN 'retroaktivt beslut om ersättning'
             ELSE f END
      FROM pg_catalog.unnest(flags) WITH ORDINALITY u(f, i) ORDER BY u.i), ', '), '')
$$;
COMMENT ON FUNCTION skolval.payment_flags_sv(text[]) IS 'A payment row''s flags in Swedish, for statements and finance (NULL when none)';

-- The payees of a run: who is paid, from the organizer stored on the rows (who ran the unit on
-- the counted days), else the unit's current organizer period. A payee without organisation
-- number, or without bankgiro and IBAN, is not paid: problem says why, and its amount is held.
CREATE OR REPLACE FUNCTION skolval.payment_payees(run_id bigint)
RETURNS TABLE (month date, payment_date date, organizer_id bigint, payee text,
               organization_number text, bankgiro text, iban text, payment_reference text, units text,
               amount numeric, corrections numeric, rows bigint, held_amount numeric, problem text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.payment_run := skolval._payment_run_finished(run_id);
BEGIN
  RETURN QUERY
  WITH r AS (
    SELECT pr.*, coalesce(pr.organizer_id,
                          (SELECT uo.organizer_id FROM skolval.unit_organizer uo
                            WHERE uo.unit_id = pr.unit_id AND uo.valid_from <= (run.month + interval '1 month')::date - 1
                              AND (uo.valid_to IS NULL OR uo.valid_to >= run.month)
                            ORDER BY uo.valid_from DESC LIMIT 1)) AS payee_id
      FROM skolval.payment_row pr WHERE pr.run_id = run.run_id),
  g AS (
    SELECT r.payee_id, CASE WHEN r.payee_id IS NULL THEN r.unit_id END AS orphan_unit,
           pg_catalog.string_agg(DISTINCT u.unit_code, ', ') AS units,
           coalesce(sum(r.amount) FILTER (WHERE NOT r.held), 0) AS amount,
           coalesce(sum(r.amount) FILTER (WHERE NOT r.held AND r.corrects_month IS NOT NULL), 0) AS corrections,
           count(*) AS n, coalesce(sum(r.amount) FILTER (WHERE r.held), 0) AS held
      FROM r LEFT JOIN skolval.unit u ON u.unit_id = r.unit_id
     GROUP BY 1, 2)
  SELECT x.* FROM (
  SELECT run.month AS c1, skolval._payment_pay_date(run.month, run.rules) AS c2, g.payee_id AS c3,
         coalesce(o.name, (SELECT coalesce(u.organizer_name, u.name) FROM skolval.unit u WHERE u.unit_id = g.orphan_unit)) AS c4,
         o.organization_number AS c5, o.bankgiro AS c6, o.iban AS c7,
         coalesce(o.payment_reference, pg_catalog.format('Bidrag %s run %s', to_char(run.month, 'YYYY-MM'), run.run_id)) AS c8,
         g.units AS c9,
         CASE WHEN p.problem IS NULL THEN g.amount ELSE 0 END AS c10, CASE WHEN p.problem IS NULL THEN g.corrections ELSE 0 END AS c11,
         g.n AS c12, g.held + CASE WHEN p.problem IS NULL THEN 0 ELSE g.amount END AS c13, p.problem AS c14
    FROM g LEFT JOIN skolval.organizer o ON o.organizer_id = g.payee_id
    CROSS JOIN LATERAL (SELECT CASE
             WHEN o.organizer_id IS NULL THEN pg_catalog.format('unit %s has no organizer (skolval.unit_organizer): nothing is paid until it has one', g.orphan_unit)
             WHEN o.kind <> 'independent' THEN pg_catalog.format('organizer %s is municipal: grants are not paid to it', o.organizer_id)
             WHEN o.organization_number IS NULL THEN pg_catalog.format('organizer %s has no organisation number', o.organizer_id)
             WHEN o.bankgiro IS NULL AND o.iban IS NULL THEN pg_catalog.format('organizer %s has neither bankgiro nor IBAN', o.organizer_id)
           END AS problem) p) x
   ORDER BY x.c4 COLLATE skolval.sv_se, x.c3;
END $$;
COMMENT ON FUNCTION skolval.payment_payees(bigint) IS
  'The payees of an approved or locked run (organizers, in Swedish order): payment date, organisation number, bankgiro or IBAN, reference, amount to pay (corrections included, held rows not), held amount. A payee without organisation number or without bankgiro and IBAN is an error: problem says why, and its whole amount is held';

-- One CSV field: quoted when it holds the separator, a quote or a line break.
CREATE OR REPLACE FUNCTION skolval._csv(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL THEN ''
              WHEN v ~ '[;"\r\n]' THEN '"' || pg_catalog.replace(v, '"', '""') || '"'
              ELSE v END
$$;
COMMENT ON FUNCTION skolval._csv(text) IS 'One field of a semicolon-separated file, quoted when needed';

CREATE OR REPLACE FUNCTION skolval._amount_csv(v numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_catalog.replace(pg_catalog.to_char(v, 'FM999999999990.00'), '.', ',')
$$;
COMMENT ON FUNCTION skolval._amount_csv(numeric) IS 'An amount for the CSV files: decimal comma, two decimals, no thousands separator';

-- The payee file: one line per payee that can be paid (layout in doc/payments.md).
CREATE OR REPLACE FUNCTION skolval.payment_payee_file(run_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT 'betalningsdag;organisationsnummer;mottagare;bankgiro;iban;referens;belopp;varav_korrigeringar;manad;korning' || E'\r\n'
         || coalesce(pg_catalog.string_agg(pg_catalog.concat_ws(';', to_char(p.payment_date, 'YYYY-MM-DD'),
                       skolval._csv(p.organization_number), skolval._csv(p.payee), skolval._csv(p.bankgiro),
                       skolval._csv(p.iban), skolval._csv(p.payment_reference), skolval._amount_csv(p.amount),
                       skolval._amount_csv(p.corrections), to_char(p.month, 'YYYY-MM'), run_id::text) || E'\r\n',
                       '' ORDER BY p.payee COLLATE skolval.sv_se, p.organizer_id), '')
    FROM skolval.payment_payees(run_id) p
   WHERE p.problem IS NULL
$$;
COMMENT ON FUNCTION skolval.payment_payee_file(bigint) IS
  'The payee file of an approved or locked run for the finance system: UTF-8, semicolon-separated, CRLF, a header line, one line per payee that can be paid (payees with a problem are held and left out; see payment_payees()). Layout in doc/payments.md';

-- SIE uses IBM PC 8-bit (code page 437): å ä ö Å Ä Ö é ü É Ü map to their CP437 bytes, other
-- characters outside ASCII to '?'.
CREATE OR REPLACE FUNCTION skolval._sie_pc8(t text) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_catalog.convert_to(
           pg_catalog.translate(pg_catalog.regexp_replace(t, '[^\x0a\x0d\x20-\x7e åäöÅÄÖéüÉÜ]', '?', 'g'),
                                'åäöÅÄÖéüÉÜ',
                                pg_catalog.chr(134) || pg_catalog.chr(132) || pg_catalog.chr(148) || pg_catalog.chr(143)
                                || pg_catalog.chr(142) || pg_catalog.chr(153) || pg_catalog.chr(130) || pg_catalog.chr(129)
                                || pg_catalog.chr(144) || pg_catalog.chr(154)),
           'LATIN1')
$$;
COMMENT ON FUNCTION skolval._sie_pc8(text) IS 'Text as SIE''s PC8 (code page 437) bytes: the Swedish letters mapped, other non-ASCII characters as ?';

CREATE OR REPLACE FUNCTION skolval._sie_quote(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT '"' || pg_catalog.replace(pg_catalog.replace(coalesce(t, ''), '\', '\\'), '"', '\"') || '"'
$$;
COMMENT ON FUNCTION skolval._sie_quote(text) IS 'A quoted SIE string';

-- The month's verifications as SIE 4 (import file, SIE 4I): one verification per payee that
-- can be paid, debiting the cost accounts of the rows (an account string's first word is the
-- account number, the rest the cost centre, dimension 1) and crediting the payable account.
CREATE OR REPLACE FUNCTION skolval.payment_sie(run_id bigint) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
DECLARE
  run skolval.payment_run := skolval._payment_run_finished(run_id);
  pay_date date := skolval._payment_pay_date(run.month, run.rules);
  payable text := coalesce(run.rules->'policy'->>'payable_account', '2440');
  out text;
BEGIN
  WITH payees AS (
    SELECT p.*, row_number() OVER (ORDER BY p.payee COLLATE skolval.sv_se, p.organizer_id) AS ver_no
      FROM skolval.payment_payees(run.run_id) p WHERE p.problem IS NULL),
  r AS (
    SELECT pr.*, coalesce(pr.organizer_id,
                          (SELECT uo.organizer_id FROM skolval.unit_organizer uo
                            WHERE uo.unit_id = pr.unit_id AND uo.valid_from <= (run.month + interval '1 month')::date - 1
                              AND (uo.valid_to IS NULL OR uo.valid_to >= run.month)
                            ORDER BY uo.valid_from DESC LIMIT 1)) AS payee_id,
           pg_catalog.split_part(pg_catalog.btrim(pr.account), ' ', 1) AS konto,
           nullif(pg_catalog.btrim(pg_catalog.substr(pg_catalog.btrim(pr.account),
                    pg_catalog.length(pg_catalog.split_part(pg_catalog.btrim(pr.account), ' ', 1)) + 1)), '') AS objekt
      FROM skolval.payment_row pr WHERE pr.run_id = run.run_id AND NOT pr.held),
  trans AS (
    SELECT p.ver_no, r.konto, r.objekt, r.corrects_month, sum(r.amount) AS amount
      FROM r JOIN payees p ON p.organizer_id = r.payee_id
     GROUP BY 1, 2, 3, 4),
  accounts AS (SELECT DISTINCT t.konto FROM trans t),
  objects AS (SELECT DISTINCT t.objekt, (SELECT max(r.administration) FROM r WHERE r.objekt = t.objekt) AS name
                FROM trans t WHERE t.objekt IS NOT NULL)
  SELECT pg_catalog.concat(
           '#FLAGGA 0', E'\r\n',
           '#PROGRAM "skolval" "0.3.0"', E'\r\n',
           '#FORMAT PC8', E'\r\n',
           '#GEN ', to_char(pg_catalog.now(), 'YYYYMMDD'), E'\r\n',
           '#SIETYP 4', E'\r\n',
           CASE WHEN run.rules->'policy'->>'organization_number' IS NOT NULL
                THEN '#ORGNR ' || (run.rules->'policy'->>'organization_number') || E'\r\n' END,
           '#FNAMN ', skolval._sie_quote(coalesce((SELECT s.municipality_name FROM skolval.settings s), 'Kommunen')), E'\r\n',
           '#RAR 0 ', to_char(date_trunc('year', run.month), 'YYYYMMDD'), ' ', to_char(date_trunc('year', run.month) + interval '1 year - 1 day', 'YYYYMMDD'), E'\r\n',
           (SELECT pg_catalog.string_agg('#KONTO ' || a.konto || ' ' || skolval._sie_quote('Bidrag till fristående verksamhet') || E'\r\n', '' ORDER BY a.konto) FROM accounts a),
           '#KONTO ', payable, ' ', skolval._sie_quote('Leverantörsskulder'), E'\r\n',
           '#DIM 1 ', skolval._sie_quote('Kostnadsställe'), E'\r\n',
           (SELECT pg_catalog.string_agg('#OBJEKT 1 ' || skolval._sie_quote(o.objekt) || ' ' || skolval._sie_quote(o.name) || E'\r\n', '' ORDER BY o.objekt) FROM objects o),
           (SELECT pg_catalog.string_agg(
                     '#VER "B" ' || p.ver_no || ' ' || to_char(pay_date, 'YYYYMMDD') || ' '
                     || skolval._sie_quote(pg_catalog.format('Bidrag %s %s', to_char(run.month, 'YYYY-MM'), p.payee)) || E'\r\n'
                     || '{' || E'\r\n'
                     -- one transaction per account and cost centre for the month, and one per
                     -- corrected month with its text (#TRANS account {objects} amount date "text")
                     || (SELECT pg_catalog.string_agg('#TRANS ' || t.konto || ' {' || CASE WHEN t.objekt IS NOT NULL THEN '1 ' || skolval._sie_quote(t.objekt) ELSE '' END
                                                      || '} ' || pg_catalog.to_char(t.amount, 'FM999999999990.00')
                                                      || CASE WHEN t.corrects_month IS NOT NULL
                                                              THEN ' "" ' || skolval._sie_quote('Korrigering ' || to_char(t.corrects_month, 'YYYY-MM')) ELSE '' END
                                                      || E'\r\n', '' ORDER BY t.corrects_month NULLS FIRST, t.konto, t.objekt)
                           FROM trans t WHERE t.ver_no = p.ver_no)
                     || '#TRANS ' || payable || ' {} ' || pg_catalog.to_char(-p.amount, 'FM999999999990.00') || E'\r\n'
                     || '}' || E'\r\n', '' ORDER BY p.ver_no)
              FROM payees p))
    INTO out;
  RETURN skolval._sie_pc8(out);
END $$;
COMMENT ON FUNCTION skolval.payment_sie(bigint) IS
  'The verifications of an approved or locked run as an SIE 4 import file (PC8 bytes): #KONTO for the accounts used, #OBJEKT for the cost centres, one #VER per payee that can be paid on the payment date, debiting the cost accounts and crediting the payable account; each verification balances to zero. Layout in doc/payments.md';

-- The rows as finance reads them: per run, payee, unit, category, month corrected and reason —
-- amounts paid and held, with the held reason; no child identities.
CREATE OR REPLACE VIEW skolval.payment_finance_row AS
SELECT r.run_id, r.month, r.status, pr.unit_id, u.unit_code, u.name AS unit_name, pr.organizer_id,
       o.name AS organizer_name, o.organization_number, pr.kind, pr.category_code, pr.category_name,
       pr.corrects_month, pr.reason, pr.held,
       CASE WHEN pr.held THEN skolval.payment_flags_sv(pr.flags) END AS held_reason,
       count(*) AS rows,
       sum(pr.base) AS base, sum(pr.premises) AS premises, sum(pr.admin) AS admin, sum(pr.vat) AS vat,
       sum(pr.amount) AS amount
  FROM skolval.payment_row pr
  JOIN skolval.payment_run r ON r.run_id = pr.run_id
  LEFT JOIN skolval.unit u ON u.unit_id = pr.unit_id
  LEFT JOIN skolval.organizer o ON o.organizer_id = pr.organizer_id
 GROUP BY r.run_id, r.month, r.status, pr.unit_id, u.unit_code, u.name, pr.organizer_id, o.name, o.organization_number,
          pr.kind, pr.category_code, pr.category_name, pr.corrects_month, pr.reason, pr.held,
          CASE WHEN pr.held THEN skolval.payment_flags_sv(pr.flags) END;
COMMENT ON VIEW skolval.payment_finance_row IS
  'Finance: per run, unit, organizer, category, corrected month and reason, the amounts paid (held false) and held (held true, with held_reason in Swedish); no child identities';
COMMENT ON COLUMN skolval.payment_finance_row.held_reason IS 'Why the amount is held, in Swedish';
COMMENT ON COLUMN skolval.payment_finance_row.rows IS 'Number of payment rows';
COMMENT ON COLUMN skolval.payment_finance_row.organizer_name IS 'The organizer paid (huvudman)';
COMMENT ON COLUMN skolval.payment_finance_row.organization_number IS 'Its organisation number';
COMMENT ON COLUMN skolval.payment_finance_row.unit_code IS 'The unit''s official code';
COMMENT ON COLUMN skolval.payment_finance_row.unit_name IS 'The unit''s name';

-- skolval: interkommunal ersättning (IKE) — the basis for invoicing each home municipality for
-- the children registered there and placed at units in ours, and the check of an incoming IKE
-- invoice from another municipality against our register.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.
-- Rules and the invoice layout: doc/payments.md, "Interkommunal ersättning".

-- The category of an enrollment on a day, by the same rules as the grant (school form, grade
-- band, age band with the policy's cut-over, hours tier); NULL when none or several fit.
CREATE OR REPLACE FUNCTION skolval._ike_category(e skolval.enrollment, birth date, day date) RETURNS text
LANGUAGE sql STABLE AS $$
  WITH p AS (SELECT * FROM skolval._payment_policy()),
  age AS (
    SELECT extract(year FROM day)::integer - extract(year FROM birth)::integer
           - CASE WHEN (extract(month FROM day), extract(day FROM day))
                       < (coalesce(p.age_cutover_month, extract(month FROM birth)), coalesce(p.age_cutover_day, extract(day FROM birth)))
                  THEN 1 ELSE 0 END AS a
      FROM p),
  fit AS (
    SELECT c.category_code FROM skolval.payment_category c, age
     WHERE c.school_form = e.school_form
       AND (c.grade_from IS NULL OR e.grade BETWEEN c.grade_from AND c.grade_to)
       AND (c.age_from IS NULL OR age.a BETWEEN c.age_from AND c.age_to)
       AND (c.hours_over IS NULL OR e.hours_per_week > c.hours_over)
       AND (c.hours_up_to IS NULL OR e.hours_per_week <= c.hours_up_to))
  SELECT CASE WHEN (SELECT count(*) FROM fit) = 1 THEN (SELECT f.category_code FROM fit f) END
$$;
COMMENT ON FUNCTION skolval._ike_category(skolval.enrollment, date, date) IS
  'The payment category of an enrollment on a day (the grant''s rules); NULL when none or several fit';

-- The invoice basis of a month: on the month's count date, every child placed at a unit in our
-- municipality (municipal or independent) and registered in another, with its category and the
-- agreed price (the home municipality's own price, else the general one).
CREATE OR REPLACE FUNCTION skolval.ike_basis(month date)
RETURNS TABLE (month date, count_date date, home_municipality text, child_id bigint, unit_id bigint,
               unit_code text, unit_name text, school_form text, grade smallint, category_code text,
               category_name text, annual_amount numeric, amount numeric, problem text)
LANGUAGE sql STABLE AS $$
  WITH m AS (SELECT skolval._payment_month(month) AS month, skolval.payment_count_date(skolval._payment_month(month)) AS d),
  ours AS (SELECT s.municipality_code::text AS code FROM skolval.settings s),
  kids AS (
    SELECT e, c.birth_date, r.municipality_code::text AS home, u.unit_id, u.unit_code, u.name AS unit_name, m.d
      FROM m, ours, skolval.enrollment e
      JOIN skolval.unit u ON u.unit_id = e.unit_id
      JOIN skolval.child c ON c.child_id = e.child_id
      JOIN skolval.residence r ON r.child_id = e.child_id
     WHERE e.valid_from <= m.d AND (e.valid_to IS NULL OR e.valid_to >= m.d)
       AND r.valid_from <= m.d AND (r.valid_to IS NULL OR r.valid_to >= m.d)
       AND r.municipality_code::text <> ours.code
       AND (u.municipality_code IS NULL OR u.municipality_code::text = ours.code)),
  cat AS (SELECT k.*, skolval._ike_category(k.e, k.birth_date, k.d) AS category_code FROM kids k),
  priced AS (
    SELECT c.*, (SELECT p.annual_amount FROM skolval.ike_price p
                  WHERE p.category_code = c.category_code AND (p.municipality_code IS NULL OR p.municipality_code::text = c.home)
                    AND p.valid_from <= c.d AND (p.valid_to IS NULL OR p.valid_to >= c.d)
                  ORDER BY p.municipality_code IS NULL, p.valid_from DESC LIMIT 1) AS annual
      FROM cat c)
  SELECT (SELECT m.month FROM m), p.d, p.home, (p.e).child_id, p.unit_id, p.unit_code, p.unit_name, (p.e).school_form::text,
         (p.e).grade, p.category_code, pc.name_sv, p.annual, round(p.annual / 12, 2),
         CASE WHEN p.category_code IS NULL THEN 'no payment category (or several) fits the placement'
              WHEN p.annual IS NULL THEN pg_catalog.format('no IKE price for category %s on %s', p.category_code, p.d) END
    FROM priced p LEFT JOIN skolval.payment_category pc ON pc.category_code = p.category_code
   ORDER BY p.home, p.unit_code COLLATE skolval.sv_se, (p.e).child_id
$$;
COMMENT ON FUNCTION skolval.ike_basis(date) IS
  'IKE invoice basis of a month: per child registered in another municipality and placed at a unit in ours on the count date, the home municipality, unit, category and the agreed price (ike_price) a twelfth of a year; problem when no category or price fits';

-- Per home municipality and category, for BI and the invoice: children and amounts of every
-- month that has a payment run.
CREATE OR REPLACE VIEW skolval.ike_invoice_basis AS
SELECT b.month, b.count_date, b.home_municipality, b.category_code, b.category_name,
       count(*) AS children, sum(b.amount) AS amount, count(*) FILTER (WHERE b.problem IS NOT NULL) AS problems
  FROM skolval.payment_run r, LATERAL skolval.ike_basis(r.month) b
 GROUP BY b.month, b.count_date, b.home_municipality, b.category_code, b.category_name;
COMMENT ON VIEW skolval.ike_invoice_basis IS
  'IKE: per month (with a payment run), home municipality and category, the children to invoice and the amount by the agreed price list; problems counts children without category or price';
COMMENT ON COLUMN skolval.ike_invoice_basis.month IS 'The month';
COMMENT ON COLUMN skolval.ike_invoice_basis.count_date IS 'Its count date';
COMMENT ON COLUMN skolval.ike_invoice_basis.home_municipality IS 'The home municipality (kommunkod) invoiced';
COMMENT ON COLUMN skolval.ike_invoice_basis.category_code IS 'Payment category';
COMMENT ON COLUMN skolval.ike_invoice_basis.category_name IS 'Its Swedish name';
COMMENT ON COLUMN skolval.ike_invoice_basis.children IS 'Children';
COMMENT ON COLUMN skolval.ike_invoice_basis.amount IS 'Amount to invoice in kronor';
COMMENT ON COLUMN skolval.ike_invoice_basis.problems IS 'Children without a category or price (not invoiced until fixed)';

-- The incoming check: an IKE invoice from another municipality for children it says are ours,
-- placed at its units. Layout (doc/payments.md): UTF-8, semicolon-separated, a header line,
--   personnummer;enhetskod;fran;till;belopp
-- (12-digit personal number, the unit's official code, first and last day, the amount with a
-- decimal comma or point). Every line is compared with our register: is the child registered
-- here on each of those days, and placed at that unit? Every difference is an issue
-- (skolval.data_issue, category ike_invoice) and a line of the result.
CREATE OR REPLACE FUNCTION skolval.ike_check_invoice(municipality_code text, invoice text)
RETURNS TABLE (line_no integer, child_id bigint, unit_code text, from_day date, to_day date, amount numeric,
               ok boolean, problem text)
LANGUAGE plpgsql AS $$
DECLARE
  l record;
  f text[];
  cid bigint;
  uid bigint;
  d1 date;
  d2 date;
  amt numeric;
  not_ours integer;
  not_placed integer;
  msg text;
BEGIN
  PERFORM skolval._payment_admin('check IKE invoices');
  IF municipality_code IS NULL OR invoice IS NULL THEN
    RAISE EXCEPTION 'ike_check_invoice(): % must not be NULL', CASE WHEN municipality_code IS NULL THEN 'municipality_code' ELSE 'invoice' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF municipality_code !~ '^[0-9]{4}$' THEN
    RAISE EXCEPTION 'ike_check_invoice(): municipality_code must be four digits, not %', pg_catalog.quote_literal(municipality_code)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF pg_catalog.split_part(pg_catalog.btrim(pg_catalog.split_part(invoice, E'\n', 1), E'\r \t\ufeff'), ';', 1) <> 'personnummer' THEN
    RAISE EXCEPTION 'ike_check_invoice(): the first line must be the header personnummer;enhetskod;fran;till;belopp'
      USING ERRCODE = 'invalid_parameter_value', HINT = 'The layout is in doc/payments.md, "Interkommunal ersättning".';
  END IF;
  FOR l IN SELECT t.n::integer AS n, pg_catalog.btrim(t.line, E'\r \t') AS line
             FROM pg_catalog.regexp_split_to_table(invoice, E'\n') WITH ORDINALITY t(line, n)
            WHERE t.n > 1 AND pg_catalog.btrim(t.line, E'\r \t') <> '' LOOP
    f := pg_catalog.string_to_array(l.line, ';');
    cid := NULL; uid := NULL; not_ours := 0; not_placed := 0;
    line_no := l.n; child_id := NULL; unit_code := NULL; from_day := NULL; to_day := NULL; amount := NULL; problem := NULL;
    IF pg_catalog.cardinality(f) <> 5 OR f[1] !~ '^[0-9]{12}$' OR f[3] !~ '^\d{4}-\d{2}-\d{2}$' OR f[4] !~ '^\d{4}-\d{2}-\d{2}$'
       OR f[5] !~ '^-?[0-9]+([.,][0-9]{1,2})?$' THEN
      RAISE EXCEPTION 'ike_check_invoice(): line % is not personnummer;enhetskod;fran;till;belopp', l.n
        USING ERRCODE = 'invalid_parameter_value', DETAIL = pg_catalog.format('%s fields.', pg_catalog.cardinality(f));
    END IF;
    BEGIN
      d1 := f[3]::date; d2 := f[4]::date;
    EXCEPTION WHEN OTHERS THEN
      RAISE EXCEPTION 'ike_check_invoice(): line % has an impossible date', l.n USING ERRCODE = 'invalid_parameter_value';
    END;
    IF d2 < d1 OR d1 < date '1900-01-01' OR d2 > date '2200-12-31' THEN
      RAISE EXCEPTION 'ike_check_invoice(): line %: the period % to % is not a period', l.n, d1, d2 USING ERRCODE = 'invalid_parameter_value';
    END IF;
    amt := pg_catalog.replace(f[5], ',', '.')::numeric;
    unit_code := f[2]; from_day := d1; to_day := d2; amount := amt;
    SELECT c.child_id INTO cid FROM skolval.child c WHERE c.personal_number = f[1];
    child_id := cid;
    IF cid IS NULL THEN
      problem := 'the personal number is not in our register';
    ELSE
      -- days of the period the child is not registered here
      SELECT count(*) INTO not_ours FROM pg_catalog.generate_series(d1, d2, interval '1 day') g(day)
       WHERE NOT EXISTS (SELECT 1 FROM skolval.residence r, skolval.settings s
                          WHERE r.child_id = cid AND r.municipality_code = s.municipality_code
                            AND r.valid_from <= g.day::date AND (r.valid_to IS NULL OR r.valid_to >= g.day::date));
      SELECT u.unit_id INTO uid FROM skolval.unit u WHERE u.unit_code = f[2];
      IF uid IS NULL THEN
        not_placed := (d2 - d1 + 1);
      ELSE
        SELECT count(*) INTO not_placed FROM pg_catalog.generate_series(d1, d2, interval '1 day') g(day)
         WHERE NOT EXISTS (SELECT 1 FROM skolval.enrollment e
                            WHERE e.child_id = cid AND e.unit_id = uid
                              AND e.valid_from <= g.day::date AND (e.valid_to IS NULL OR e.valid_to >= g.day::date));
      END IF;
      problem := nullif(pg_catalog.concat_ws('; ',
                   CASE WHEN not_ours > 0 THEN pg_catalog.format('not registered in our municipality on %s of the %s days', not_ours, d2 - d1 + 1) END,
                   CASE WHEN uid IS NULL THEN pg_catalog.format('unit %s is not in our register', f[2])
                        WHEN not_placed > 0 THEN pg_catalog.format('not placed at unit %s on %s of the %s days', f[2], not_placed, d2 - d1 + 1) END), '');
    END IF;
    ok := problem IS NULL;
    IF NOT ok THEN
      msg := pg_catalog.format('IKE invoice from municipality %s, line %s (child %s, unit %s, %s to %s, %s kr): %s',
                               municipality_code, l.n, coalesce(cid::text, 'unknown'), f[2], d1, d2, amt, problem);
      INSERT INTO skolval.data_issue (category, severity, child_id, unit_id, message, detail)
      VALUES ('ike_invoice', 'error', cid, uid, msg,
              pg_catalog.jsonb_build_object('ike_municipality', municipality_code, 'line', l.n, 'unit_code', f[2],
                                            'from', d1, 'to', d2, 'amount', amt));
    END IF;
    RETURN NEXT;
  END LOOP;
END $$;
COMMENT ON FUNCTION skolval.ike_check_invoice(text, text) IS
  'Check an incoming IKE invoice (CSV: personnummer;enhetskod;fran;till;belopp) from another municipality against our register: is the child registered here on every day, placed at that unit? Each line comes back with ok and the problem; every difference is also a data_issue (category ike_invoice). Needs skolval_admin';

-- Every column of the finance view says what it holds (the payment tables' comments where the
-- name is the same).
DO $comments$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT cl.relname, a.attname
      FROM pg_catalog.pg_class cl JOIN pg_catalog.pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0
     WHERE cl.relnamespace = 'skolval'::regnamespace AND cl.relname = 'payment_finance_row'
       AND pg_catalog.col_description(cl.oid, a.attnum) IS NULL
  LOOP
    EXECUTE pg_catalog.format('COMMENT ON COLUMN skolval.%I.%I IS %L', c.relname, c.attname,
      coalesce(pg_catalog.col_description('skolval.payment_row'::regclass,
                 (SELECT x.attnum FROM pg_catalog.pg_attribute x WHERE x.attrelid = 'skolval.payment_row'::regclass AND x.attname = c.attname)),
               pg_catalog.col_description('skolval.payment_run'::regclass,
                 (SELECT x.attnum FROM pg_catalog.pg_attribute x WHERE x.attrelid = 'skolval.payment_run'::regclass AND x.attname = c.attname)),
               c.attname));
  END LOOP;
END
$comments$;

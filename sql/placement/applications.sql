-- skolval: importing applications from the e-service as JSON, through the same checks as the
-- CSV staging (sql/register/staging.sql): every bad entry reported, nothing loaded if any is bad.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

CREATE OR REPLACE FUNCTION skolval.import_applications(round_name text, applications jsonb)
RETURNS TABLE (application integer, wish integer, column_name text, value text, problem text)
LANGUAGE plpgsql AS $$
DECLARE
  busy text;
  n_bad bigint;
BEGIN
  IF import_applications.round_name IS NULL OR applications IS NULL THEN
    RAISE EXCEPTION 'import_applications(): % must not be NULL', CASE WHEN import_applications.round_name IS NULL THEN 'round_name' ELSE 'applications' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF jsonb_typeof(applications) <> 'array' THEN
    RAISE EXCEPTION 'applications must be a JSON array'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give [{"personal_number": "...", "submitted_at": "...", "wishes": [{"unit_code": "...", "sibling_claim": false}, ...]}, ...].';
  END IF;
  SELECT string_agg(t, ', ') INTO busy FROM (
    SELECT 'staging_unit' AS t WHERE EXISTS (SELECT 1 FROM skolval.staging_unit)
    UNION ALL SELECT 'staging_residence' WHERE EXISTS (SELECT 1 FROM skolval.staging_residence)
    UNION ALL SELECT 'staging_sibling' WHERE EXISTS (SELECT 1 FROM skolval.staging_sibling)
    UNION ALL SELECT 'staging_enrollment' WHERE EXISTS (SELECT 1 FROM skolval.staging_enrollment)
    UNION ALL SELECT 'staging_wish' WHERE EXISTS (SELECT 1 FROM skolval.staging_wish)) x;
  IF busy IS NOT NULL THEN
    RAISE EXCEPTION 'staging tables hold rows: %', busy
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Merge them with skolval.staging_merge() or empty them with skolval.staging_clear() first.';
  END IF;

  -- Entries whose shape is wrong are reported by position; they cannot be staged. (No
  -- scratch tables: the problems and the positions are queries over the argument.)
  RETURN QUERY
  SELECT p.application, p.wish, p.column_name, p.value, p.problem FROM (
    SELECT a.i::integer AS application, NULL::integer AS wish, x.col AS column_name, NULL::text AS value, x.problem
      FROM pg_catalog.jsonb_array_elements(applications) WITH ORDINALITY a(v, i)
     CROSS JOIN LATERAL (
       SELECT NULL::text AS col, 'is not a JSON object' AS problem WHERE pg_catalog.jsonb_typeof(a.v) <> 'object'
       UNION ALL SELECT 'personal_number', 'is missing'
        WHERE pg_catalog.jsonb_typeof(a.v) = 'object' AND coalesce(a.v ->> 'personal_number', '') = ''
       UNION ALL SELECT 'wishes', 'must be a non-empty array'
        WHERE pg_catalog.jsonb_typeof(a.v) = 'object'
          AND (pg_catalog.jsonb_typeof(a.v -> 'wishes') IS DISTINCT FROM 'array' OR pg_catalog.jsonb_array_length(a.v -> 'wishes') = 0)) x
    UNION ALL
    SELECT a.i::integer, w.j::integer, NULL, NULL, 'is not a JSON object'
      FROM pg_catalog.jsonb_array_elements(applications) WITH ORDINALITY a(v, i)
     CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(a.v -> 'wishes') = 'array' THEN a.v -> 'wishes' ELSE '[]' END)
           WITH ORDINALITY w(v, j)
     WHERE pg_catalog.jsonb_typeof(w.v) <> 'object') p
   ORDER BY p.application, p.wish NULLS FIRST, p.column_name;
  GET DIAGNOSTICS n_bad = ROW_COUNT;
  IF n_bad > 0 THEN
    RAISE WARNING '% bad entries; nothing was loaded', n_bad;
    RETURN;
  END IF;

  -- One staged row per wish, in document order: source_row is the wish's position in the
  -- document, which turns staging's problems back into positions.
  PERFORM skolval.staging_clear();
  INSERT INTO skolval.staging_wish (source_row, round_name, personal_number, rank, unit_code, sibling_claim, submitted_at)
  SELECT m.source_row, import_applications.round_name, m.app ->> 'personal_number',
         coalesce(m.wv ->> 'rank', m.wish::text), m.wv ->> 'unit_code', m.wv ->> 'sibling_claim', m.app ->> 'submitted_at'
    FROM (SELECT pg_catalog.row_number() OVER (ORDER BY a.i, w.j) AS source_row, a.i::integer AS application,
                 w.j::integer AS wish, a.v AS app, w.v AS wv
            FROM pg_catalog.jsonb_array_elements(applications) WITH ORDINALITY a(v, i)
           CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(a.v -> 'wishes') WITH ORDINALITY w(v, j)) m
   ORDER BY m.source_row;

  RETURN QUERY
  SELECT m.application, m.wish, p.column_name, p.value, p.problem
    FROM skolval.staging_merge() p
    LEFT JOIN (SELECT pg_catalog.row_number() OVER (ORDER BY a.i, w.j) AS source_row, a.i::integer AS application,
                      w.j::integer AS wish
                 FROM pg_catalog.jsonb_array_elements(applications) WITH ORDINALITY a(v, i)
                CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(a.v -> 'wishes') WITH ORDINALITY w(v, j)) m
      ON m.source_row = p.source_row
   ORDER BY m.application, m.wish, p.column_name;
  -- A failed merge leaves staging as it was; for JSON there is nothing to fix in place.
  PERFORM skolval.staging_clear();
END $$;
COMMENT ON FUNCTION skolval.import_applications(text, jsonb) IS
  'Import a round''s applications from the e-service as JSON: [{"personal_number", "submitted_at", "wishes": [{"unit_code", "sibling_claim", optional "rank"}]}]. Every bad entry is returned (application and wish position, column, problem) and then nothing is loaded; with no problems the wishes replace the stored ones of those children and no rows are returned';

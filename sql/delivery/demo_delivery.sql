-- skolval: the example municipality's guardians and who decides (issue 15).
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

CREATE OR REPLACE FUNCTION skolval.demo_guardians(seed bigint DEFAULT 1)
RETURNS TABLE (item text, value bigint)
LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  IF demo_guardians.seed IS NULL THEN
    RAISE EXCEPTION 'demo_guardians(): seed must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF EXISTS (SELECT 1 FROM skolval.staging_guardian) THEN
    RAISE EXCEPTION 'skolval.staging_guardian holds rows' USING ERRCODE = 'object_not_in_prerequisite_state',
      HINT = 'Merge them with skolval.guardian_staging_merge() or delete them first.';
  END IF;
  -- The population register's relations, as an extract would give them: every child living in
  -- the municipality has its parents as guardians (siblings share them); most families live
  -- together, about one in ten has two addresses, about one in twenty a single guardian. A
  -- child with protected identity and its guardians come without addresses.
  INSERT INTO skolval.staging_guardian (child_personal_number, guardian_personal_number, given_name, family_name,
                                        address, postal_code, postal_town, channel, custody, guardian_protection, child_protection)
  WITH kid AS (
    SELECT c.child_id, c.personal_number, c.family_name, c.protected_identity, r.address, r.postal_code, r.postal_town,
           least(c.child_id, coalesce((SELECT pg_catalog.min(s.child_id) FROM skolval.sibling s WHERE s.sibling_id = c.child_id), c.child_id)) AS family
      FROM skolval.child c
      JOIN skolval.residence r ON r.child_id = c.child_id AND r.valid_to IS NULL AND r.municipality_code = skolval.municipality_code()),
  fam AS (
    SELECT k.*, skolval.seeded_random(demo_guardians.seed, 'guardians', k.family) AS u,
           bool_or(k.protected_identity) OVER (PARTITION BY k.family) AS family_protected
      FROM kid k),
  parent AS (
    SELECT f.*, g.i,
           skolval.personal_number_make(date '1980-01-01' + (f.family % 5000)::integer + g.i * 400,
                                        ((f.family / 5000) * 2 + g.i)::integer % 1000) AS pn
      FROM fam f CROSS JOIN LATERAL (VALUES (0), (1)) g(i)
     WHERE g.i = 0 OR f.u >= 0.05)
  SELECT p.personal_number, p.pn,
         skolval._demo_pick(skolval._demo_words(CASE WHEN p.i = 0 THEN 'girl' ELSE 'boy' END),
                            skolval.seeded_random(demo_guardians.seed, 'guardian name', p.family * 2 + p.i)),
         p.family_name,
         CASE WHEN p.family_protected THEN NULL
              WHEN p.i = 1 AND p.u >= 0.90 THEN skolval._demo_street_name(demo_guardians.seed, p.family % 500, false) || ' ' || (2 + p.family % 41)::text
              ELSE p.address END,
         CASE WHEN p.family_protected THEN NULL ELSE coalesce(p.postal_code, '999 99') END,
         CASE WHEN p.family_protected THEN NULL ELSE coalesce(p.postal_town, 'Exempelstad') END,
         CASE WHEN skolval.seeded_random(demo_guardians.seed, 'channel', p.family * 2 + p.i) < 0.35 THEN 'digital_mailbox' ELSE 'paper' END,
         'J', '',
         CASE WHEN NOT p.protected_identity THEN ''
              WHEN skolval.seeded_random(demo_guardians.seed, 'protection kind', p.child_id) < 0.5 THEN 'sekretessmarkering'
              ELSE 'skyddad folkbokföring' END
    FROM parent p
   ORDER BY p.child_id, p.i;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF EXISTS (SELECT FROM skolval.guardian_staging_merge()) THEN
    RAISE EXCEPTION 'demo_guardians(): the generated extract has problems' USING ERRCODE = 'internal_error';
  END IF;
  RETURN QUERY VALUES ('relations staged', n),
                      ('guardians', (SELECT pg_catalog.count(*) FROM skolval.guardian)),
                      ('children with two guardians', (SELECT pg_catalog.count(*) FROM (SELECT k.child_id FROM skolval.custody k GROUP BY k.child_id HAVING pg_catalog.count(*) = 2) x)),
                      ('guardians at two addresses', (SELECT pg_catalog.count(*) FROM (SELECT k.child_id FROM skolval.custody k JOIN skolval.guardian g USING (guardian_id)
                                                                                      GROUP BY k.child_id HAVING pg_catalog.count(DISTINCT g.address) = 2) x)),
                      ('digital mailbox', (SELECT pg_catalog.count(*) FROM skolval.guardian g WHERE g.channel = 'digital_mailbox')),
                      ('children with protected identity (kind recorded)', (SELECT pg_catalog.count(*) FROM skolval.child_protection));
END $$;
COMMENT ON FUNCTION skolval.demo_guardians(bigint) IS
  'The example municipality''s guardians: an extract of relations staged in skolval.staging_guardian and merged (two guardians for most children, some at two addresses, some alone; siblings share them; protected children and their guardians without addresses), reproducible from the seed. Returns what was made';

-- skolval: walking distances — snapping homes and units to the network, pgRouting, routes.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

CREATE OR REPLACE FUNCTION skolval._distance_cleanup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  CASE TG_TABLE_NAME
    WHEN 'network' THEN
      DELETE FROM skolval.distance d USING gone g WHERE d.network_id = g.network_id;
    WHEN 'residence' THEN
      DELETE FROM skolval.distance d USING gone g WHERE d.residence_id = g.residence_id;
      DELETE FROM skolval.snap s USING gone g WHERE s.point_kind = 'home' AND s.ref_id = g.residence_id;
    WHEN 'unit' THEN
      DELETE FROM skolval.distance d USING gone g WHERE d.unit_id = g.unit_id;
      DELETE FROM skolval.snap s USING gone g WHERE s.point_kind = 'unit' AND s.ref_id = g.unit_id;
  END CASE;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER network_distance_cleanup AFTER DELETE ON skolval.network
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION skolval._distance_cleanup();
CREATE OR REPLACE TRIGGER residence_distance_cleanup AFTER DELETE ON skolval.residence
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION skolval._distance_cleanup();
CREATE OR REPLACE TRIGGER unit_distance_cleanup AFTER DELETE ON skolval.unit
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION skolval._distance_cleanup();

-- ---------------------------------------------------------------------------------------
-- Scratch tables
-- ---------------------------------------------------------------------------------------
-- Data flows between the distance functions through their arguments and results. A scratch
-- table is made only where one query needs the rows of another (pgRouting's points SQL, the
-- planner's statistics on 60,000 pairs); it belongs to ONE function, which creates it as
-- pg_temp.<name>, always refers to it so, and drops it before it returns. A table of that name
-- that already exists in the session is not ours: the function refuses to run.

CREATE OR REPLACE FUNCTION skolval._require_no_scratch(VARIADIC names text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  n text;
BEGIN
  FOREACH n IN ARRAY names LOOP
    IF pg_catalog.to_regclass('pg_temp.' || pg_catalog.quote_ident(n)) IS NOT NULL THEN
      RAISE EXCEPTION 'a table pg_temp.% already exists in this session', n
        USING ERRCODE = 'duplicate_table',
              DETAIL = 'skolval makes this scratch table itself and drops it when done; it will not use one it did not make.',
              HINT = pg_catalog.format('Drop it (DROP TABLE pg_temp.%I) or use another session.', n);
    END IF;
  END LOOP;
END $$;
COMMENT ON FUNCTION skolval._require_no_scratch(text[]) IS
  'Raise duplicate_table when a session temporary table of one of these names exists: the scratch tables of a skolval function are made by it, never taken over';

-- Drop a session temp table if it exists, without DROP IF EXISTS's NOTICE (kept for the
-- placement room; the distance functions make and drop their own, see above).
CREATE OR REPLACE FUNCTION skolval._drop_temp(name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_catalog.to_regclass('pg_temp.' || pg_catalog.quote_ident(name)) IS NOT NULL THEN
    EXECUTE pg_catalog.format('DROP TABLE pg_temp.%I', name);
  END IF;
END $$;

-- ---------------------------------------------------------------------------------------
-- Snapping
-- ---------------------------------------------------------------------------------------

-- Snap points to a network: point_kinds[i], ref_ids[i], points[i] for every i (the snap of
-- each replaced). Returns how many were snapped (within the snap limit or not).
CREATE OR REPLACE FUNCTION skolval._snap_points(network_id bigint, point_kinds text[], ref_ids bigint[],
                                                points geometry[]) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  lim double precision := coalesce((SELECT s.snap_limit_m FROM skolval.settings s), 250);
  n bigint;
BEGIN
  IF pg_catalog.cardinality(point_kinds) IS DISTINCT FROM pg_catalog.cardinality(ref_ids)
     OR pg_catalog.cardinality(ref_ids) IS DISTINCT FROM pg_catalog.cardinality(points) THEN
    RAISE EXCEPTION 'point_kinds, ref_ids and points must have the same length'
      USING ERRCODE = 'array_subscript_error';
  END IF;
  DELETE FROM skolval.snap s
   USING ROWS FROM (pg_catalog.unnest(point_kinds), pg_catalog.unnest(ref_ids)) AS t(point_kind, ref_id)
   WHERE s.network_id = _snap_points.network_id AND s.point_kind = t.point_kind AND s.ref_id = t.ref_id;
  -- The nearest edge in the projection (the GiST index; the scale factor is the same in every
  -- direction and all but constant over a few hundred metres, so it is the nearest on the
  -- ground too); the snap segment and the limit in metres on the ground; the fraction is the
  -- share of the edge's ground length from its source to the snapped point, which is what
  -- pgRouting multiplies the edge's cost by.
  INSERT INTO skolval.snap (network_id, point_kind, ref_id, source_point, edge_id, fraction, snap_m, snapped_point)
  SELECT _snap_points.network_id, t.point_kind, t.ref_id, t.pt, e.edge_id, f.fraction,
         e.ground_m, e.snapped
    FROM ROWS FROM (pg_catalog.unnest(point_kinds), pg_catalog.unnest(ref_ids), pg_catalog.unnest(points)) AS t(point_kind, ref_id, pt)
    LEFT JOIN LATERAL (
      SELECT ST_Distance(x.geom, t.pt) AS d
        FROM skolval.edge x
       WHERE x.network_id = _snap_points.network_id
       ORDER BY x.geom <-> t.pt
       LIMIT 1) e1 ON true
    -- Of the edges equally near (within a micrometre: a point on a vertex touches several), the
    -- lowest edge_id, so that the snap never depends on the physical order of the rows (issue 13).
    LEFT JOIN LATERAL (
      SELECT x.edge_id, x.geom, x.length_m
        FROM skolval.edge x
       WHERE x.network_id = _snap_points.network_id
         AND ST_DWithin(x.geom, t.pt, e1.d + 1e-6)
       ORDER BY x.edge_id
       LIMIT 1) n ON true
    LEFT JOIN LATERAL (
      SELECT n.edge_id, n.geom, n.length_m, g.grid_fraction, g.snapped, skolval.ground_distance(t.pt, g.snapped) AS ground_m
        FROM (SELECT ST_LineLocatePoint(n.geom, t.pt) AS grid_fraction,
                     ST_LineInterpolatePoint(n.geom, ST_LineLocatePoint(n.geom, t.pt)) AS snapped) g
       WHERE n.edge_id IS NOT NULL) e0 ON true
    LEFT JOIN LATERAL (SELECT e0.* WHERE e0.ground_m <= lim) e ON true
    -- pgRouting 3.4 returns nothing for a point at fraction exactly 0 or 1: keep it just inside.
    LEFT JOIN LATERAL (SELECT LEAST(GREATEST(
                                skolval.ground_length(ST_LineSubstring(e.geom, 0::pg_catalog.float8, e.grid_fraction))
                                  OPERATOR(pg_catalog./) e.length_m, 1e-9::pg_catalog.float8), 1::pg_catalog.float8 OPERATOR(pg_catalog.-) 1e-9::pg_catalog.float8) AS fraction) f
      ON e.edge_id IS NOT NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
COMMENT ON FUNCTION skolval._snap_points(bigint, text[], bigint[], geometry[]) IS
  'Snap the given homes and units (point kind, residence or unit id, point) to the nearest walkable edge of a network within settings.snap_limit_m, replacing their snaps; returns how many';

-- ---------------------------------------------------------------------------------------
-- Routing: walking metres for pairs (residence_ids[i], unit_ids[i])
-- ---------------------------------------------------------------------------------------

-- A row for every pair whose home and unit are both snapped and connected; pairs with no path
-- get no row and are classified by the caller. The snapped points pgRouting reads are in the
-- scratch table pg_temp._sv_route_points, made and dropped here.
CREATE OR REPLACE FUNCTION skolval._route_pairs(network_id bigint, residence_ids bigint[], unit_ids bigint[],
                                                batch_size integer DEFAULT 100)
RETURNS TABLE (residence_id bigint, unit_id bigint, walking_m double precision)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  starts_are_units boolean;
  start_ids bigint[];
  end_ids bigint[];
  batch bigint[];
  i integer;
  nbatches integer;
  t0 timestamptz := pg_catalog.clock_timestamp();
BEGIN
  IF pg_catalog.cardinality(residence_ids) IS DISTINCT FROM pg_catalog.cardinality(unit_ids) THEN
    RAISE EXCEPTION 'residence_ids and unit_ids must have the same length' USING ERRCODE = 'array_subscript_error';
  END IF;
  IF batch_size IS NULL OR batch_size < 1 THEN
    RAISE EXCEPTION 'batch_size must be at least 1' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM skolval._require_no_scratch('_sv_route_points');
  CREATE TEMP TABLE pg_temp._sv_route_points (pid bigint PRIMARY KEY, point_kind text, ref_id bigint,
                                      edge_id bigint, fraction double precision, snap_m double precision,
                                      UNIQUE (point_kind, ref_id)) ON COMMIT DROP;
  INSERT INTO pg_temp._sv_route_points
  SELECT row_number() OVER (ORDER BY s.point_kind, s.ref_id), s.point_kind, s.ref_id, s.edge_id, s.fraction, s.snap_m
    FROM skolval.snap s
   WHERE s.network_id = _route_pairs.network_id AND s.edge_id IS NOT NULL
     AND ((s.point_kind = 'home' AND s.ref_id = ANY (residence_ids))
       OR (s.point_kind = 'unit' AND s.ref_id = ANY (unit_ids)));
  ANALYZE pg_temp._sv_route_points;

  -- Walking is symmetric: run one Dijkstra per point on the smaller side.
  starts_are_units := (SELECT pg_catalog.count(*) FROM pg_temp._sv_route_points p WHERE p.point_kind = 'unit')
                   <= (SELECT pg_catalog.count(*) FROM pg_temp._sv_route_points p WHERE p.point_kind = 'home');
  SELECT pg_catalog.array_agg(-p.pid ORDER BY p.pid) INTO start_ids FROM pg_temp._sv_route_points p
   WHERE p.point_kind = CASE WHEN starts_are_units THEN 'unit' ELSE 'home' END;
  SELECT pg_catalog.array_agg(-p.pid) INTO end_ids FROM pg_temp._sv_route_points p
   WHERE p.point_kind = CASE WHEN starts_are_units THEN 'home' ELSE 'unit' END;
  IF start_ids IS NOT NULL THEN
    nbatches := (pg_catalog.cardinality(start_ids) + batch_size - 1) / batch_size;
    FOR i IN 0 .. nbatches - 1 LOOP
      batch := start_ids[i * batch_size + 1 : (i + 1) * batch_size];
      RETURN QUERY
      SELECT h.ref_id, u.ref_id, r.agg_cost + h.snap_m + u.snap_m
        FROM pgr_withPointsCost(
               skolval.network_edges_sql(_route_pairs.network_id),
               'SELECT pid, edge_id, fraction FROM pg_temp._sv_route_points',
               batch, end_ids, directed => false) r
        JOIN pg_temp._sv_route_points h ON h.pid = -(CASE WHEN starts_are_units THEN r.end_pid ELSE r.start_pid END)
        JOIN pg_temp._sv_route_points u ON u.pid = -(CASE WHEN starts_are_units THEN r.start_pid ELSE r.end_pid END)
       WHERE h.point_kind = 'home' AND u.point_kind = 'unit';
      IF nbatches > 1 THEN
        RAISE NOTICE 'distances: routed % of % % (% s)', LEAST((i + 1) * batch_size, pg_catalog.cardinality(start_ids)),
          pg_catalog.cardinality(start_ids), CASE WHEN starts_are_units THEN 'units' ELSE 'homes' END,
          round(extract(epoch FROM pg_catalog.clock_timestamp() - t0)::numeric, 1);
      END IF;
    END LOOP;
  END IF;

  -- pgRouting has no row for two points at the same place (distance 0): add those pairs.
  RETURN QUERY
  SELECT p.residence_id, p.unit_id, h.snap_m + u.snap_m + abs(h.fraction - u.fraction) * e.length_m
    FROM ROWS FROM (pg_catalog.unnest(residence_ids), pg_catalog.unnest(unit_ids)) AS p(residence_id, unit_id)
    JOIN pg_temp._sv_route_points h ON h.point_kind = 'home' AND h.ref_id = p.residence_id
    JOIN pg_temp._sv_route_points u ON u.point_kind = 'unit' AND u.ref_id = p.unit_id
    JOIN skolval.edge e ON e.network_id = _route_pairs.network_id AND e.edge_id = h.edge_id
   WHERE h.edge_id = u.edge_id AND abs(h.fraction - u.fraction) * e.length_m < 0.01::pg_catalog.float8;
  DROP TABLE pg_temp._sv_route_points;
END $$;
COMMENT ON FUNCTION skolval._route_pairs(bigint, bigint[], bigint[], integer) IS
  'Walking metres on a network for the pairs (residence_ids[i], unit_ids[i]) whose home and unit are both snapped: one pgr_withPointsCost per batch of starts on the smaller side, plus both snap segments; pairs without a path get no row. A pair at the same place may come twice (pgRouting and the zero-length rule): the caller keeps the first';

-- ---------------------------------------------------------------------------------------
-- Computing and refreshing distances
-- ---------------------------------------------------------------------------------------

-- Data issues found by one computation (a JSON array of {category, severity, child_id,
-- unit_id, message, detail}) reconciled with the open ones of those categories: an issue still
-- present stays open (one row, not one per night), one that is gone is resolved, a new one is
-- added.
CREATE OR REPLACE FUNCTION skolval._reconcile_issues(round_id bigint, categories text[], found_issues jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF found_issues IS NULL OR pg_catalog.jsonb_typeof(found_issues) <> 'array' THEN
    RAISE EXCEPTION 'found_issues must be a JSON array of issues' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  WITH n AS (
    SELECT x.category, x.child_id, x.unit_id
      FROM pg_catalog.jsonb_to_recordset(found_issues) AS x(category text, child_id bigint, unit_id bigint)
  )
  UPDATE skolval.data_issue i
     SET resolved_at = pg_catalog.now(), resolution = 'no longer found by a later computation'
   WHERE i.round_id = _reconcile_issues.round_id AND i.resolved_at IS NULL
     AND i.category = ANY (categories)
     AND NOT EXISTS (SELECT 1 FROM n
                      WHERE n.category = i.category AND n.child_id IS NOT DISTINCT FROM i.child_id
                        AND n.unit_id IS NOT DISTINCT FROM i.unit_id);
  INSERT INTO skolval.data_issue (category, severity, child_id, unit_id, round_id, message, detail)
  SELECT n.category, n.severity, n.child_id, n.unit_id, _reconcile_issues.round_id, n.message, n.detail
    FROM pg_catalog.jsonb_to_recordset(found_issues)
         AS n(category text, severity text, child_id bigint, unit_id bigint, message text, detail jsonb)
   WHERE NOT EXISTS (SELECT 1 FROM skolval.data_issue i
                      WHERE i.round_id = _reconcile_issues.round_id AND i.resolved_at IS NULL
                        AND i.category = n.category AND i.child_id IS NOT DISTINCT FROM n.child_id
                        AND i.unit_id IS NOT DISTINCT FROM n.unit_id);
END $$;
COMMENT ON FUNCTION skolval._reconcile_issues(bigint, text[], jsonb) IS
  'Reconcile a round''s open data issues of the given categories with those just found (a JSON array of {category, severity, child_id, unit_id, message, detail}): still found stays open, gone is resolved, new is added';

-- The scratch tables of one computation (pg_temp._sv_dist_*): homes, units, every relevant
-- pair, the points to (re)snap, the pairs to compute and their walks. Made and dropped here.
CREATE OR REPLACE FUNCTION skolval.compute_distances(
  round_id bigint,
  radius_m double precision DEFAULT NULL,
  full_refresh boolean DEFAULT false,
  OUT children bigint, OUT homes_routed bigint, OUT units bigint, OUT pairs bigint,
  OUT pairs_computed bigint, OUT ok bigint, OUT unreachable bigint, OUT off_network bigint,
  OUT no_home bigint, OUT prepare_ms bigint, OUT snap_ms bigint, OUT route_ms bigint,
  OUT store_ms bigint, OUT milliseconds bigint)
LANGUAGE plpgsql AS $$
DECLARE
  r skolval.placement_round;
  nid bigint;
  on_day date;
  t0 timestamptz := pg_catalog.clock_timestamp();
  t timestamptz;
  bad record;
  route_res bigint[];
  route_units bigint[];
  snap_kinds text[];
  snap_refs bigint[];
  snap_points geometry[];
  issues jsonb;
  lim double precision := coalesce((SELECT s.snap_limit_m FROM skolval.settings s), 250);
  warn double precision := coalesce((SELECT s.snap_warn_m FROM skolval.settings s), 100);
  rows_changed bigint := 0;
  rows_added bigint := 0;
BEGIN
  IF compute_distances.round_id IS NULL OR compute_distances.full_refresh IS NULL THEN
    RAISE EXCEPTION 'compute_distances(): % must not be NULL', CASE WHEN compute_distances.round_id IS NULL THEN 'round_id' ELSE 'full_refresh' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- (NaN <= 0 is false: a NaN radius would let every pair in)
  IF NOT (radius_m > 0::pg_catalog.float8 AND radius_m <= 1000000::pg_catalog.float8) THEN
    RAISE EXCEPTION 'radius_m must be more than 0 and at most 1000000 metres, got %', radius_m
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave it NULL for no radius.';
  END IF;
  SELECT * INTO r FROM skolval.placement_round x WHERE x.round_id = compute_distances.round_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'placement round % does not exist', compute_distances.round_id USING ERRCODE = 'no_data_found';
  END IF;
  nid := skolval.active_network_id();
  IF nid IS NULL THEN
    RAISE EXCEPTION 'no active network: walking distances need one'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Load a network into skolval.edge and call skolval.network_finish(network_id).';
  END IF;
  PERFORM skolval._require_no_scratch('_sv_dist_homes', '_sv_dist_units', '_sv_dist_all_pairs',
                                      '_sv_dist_snap_todo', '_sv_dist_pairs', '_sv_dist_walk', '_sv_dist_new');
  -- One computation per round at a time; a second caller waits rather than interleaves (a row
  -- lock read-only roles cannot take, not an advisory lock anyone could hold).
  PERFORM skolval._job_lock('compute_distances', r.round_id);
  on_day := coalesce(r.cohort_date, r.start_date);

  -- The home of every cohort child on the cohort date.
  DELETE FROM skolval.round_home h WHERE h.round_id = r.round_id
     AND NOT EXISTS (SELECT 1 FROM skolval.round_cohort c WHERE c.round_id = r.round_id AND c.child_id = h.child_id);
  INSERT INTO skolval.round_home (round_id, child_id, residence_id, network_id)
  SELECT r.round_id, c.child_id, res.residence_id, nid
    FROM skolval.round_cohort c
    LEFT JOIN skolval.residence res ON res.child_id = c.child_id AND res.valid_from <= on_day
                                   AND (res.valid_to IS NULL OR res.valid_to >= on_day)
   WHERE c.round_id = r.round_id
  ON CONFLICT ON CONSTRAINT round_home_pkey
  DO UPDATE SET residence_id = EXCLUDED.residence_id, network_id = EXCLUDED.network_id
   WHERE (round_home.residence_id, round_home.network_id) IS DISTINCT FROM (EXCLUDED.residence_id, EXCLUDED.network_id);

  -- Relevant pairs: every unit offering the form (within the radius when one is given) and
  -- every wished unit.
  -- Homes and units with their coordinates taken out once: per-pair geometry functions cost
  -- more than the routing itself at 60,000 pairs.
  CREATE TEMP TABLE pg_temp._sv_dist_homes ON COMMIT DROP AS
  SELECT h.residence_id, h.child_id, res.home, ST_X(res.home) AS x, ST_Y(res.home) AS y, NULL::pg_catalog.float8 AS k
    FROM skolval.round_home h JOIN skolval.residence res ON res.residence_id = h.residence_id
   WHERE h.round_id = r.round_id;
  CREATE TEMP TABLE pg_temp._sv_dist_units ON COMMIT DROP AS
  SELECT u.unit_id, u.unit_code, u.location, ST_X(u.location) AS x, ST_Y(u.location) AS y,
         skolval.grid_scale(u.location) AS k
    FROM skolval.unit u WHERE r.school_form = ANY (u.school_forms::text[]);
  ANALYZE pg_temp._sv_dist_homes;
  ANALYZE pg_temp._sv_dist_units;
  CREATE TEMP TABLE pg_temp._sv_dist_all_pairs ON COMMIT DROP AS
  SELECT h.residence_id, h.child_id, u.unit_id
    FROM pg_temp._sv_dist_homes h CROSS JOIN pg_temp._sv_dist_units u
   -- (the radius in metres on the ground: grid metres are ground metres times the scale factor)
   WHERE radius_m IS NULL OR (h.x - u.x) ^ 2::pg_catalog.float8 + (h.y - u.y) ^ 2::pg_catalog.float8 <= (radius_m * u.k) ^ 2::pg_catalog.float8
      OR EXISTS (SELECT 1 FROM skolval.wish w WHERE w.round_id = r.round_id
                    AND w.child_id = h.child_id AND w.unit_id = u.unit_id);
  CREATE INDEX ON pg_temp._sv_dist_all_pairs (residence_id, unit_id);
  ANALYZE pg_temp._sv_dist_all_pairs;

  prepare_ms := round(extract(epoch FROM pg_catalog.clock_timestamp() - t0) * 1000::pg_catalog.numeric);
  t := pg_catalog.clock_timestamp();
  -- (Re)snap homes and units that are new or whose point changed since they were snapped.
  CREATE TEMP TABLE pg_temp._sv_dist_snap_todo ON COMMIT DROP AS
  SELECT 'home'::text AS point_kind, h.residence_id AS ref_id, h.home AS pt
    FROM pg_temp._sv_dist_homes h
    LEFT JOIN skolval.snap s ON s.network_id = nid AND s.point_kind = 'home' AND s.ref_id = h.residence_id
   WHERE h.home IS NOT NULL AND (s.ref_id IS NULL OR NOT ST_Equals(s.source_point, h.home) OR full_refresh)
     AND EXISTS (SELECT 1 FROM pg_temp._sv_dist_all_pairs p WHERE p.residence_id = h.residence_id)
  UNION ALL
  SELECT 'unit', u.unit_id, u.location
    FROM pg_temp._sv_dist_units u
    LEFT JOIN skolval.snap s ON s.network_id = nid AND s.point_kind = 'unit' AND s.ref_id = u.unit_id
   WHERE (s.ref_id IS NULL OR NOT ST_Equals(s.source_point, u.location) OR full_refresh)
     AND EXISTS (SELECT 1 FROM pg_temp._sv_dist_all_pairs p WHERE p.unit_id = u.unit_id);
  SELECT pg_catalog.array_agg(s.point_kind), pg_catalog.array_agg(s.ref_id), pg_catalog.array_agg(s.pt)
    INTO snap_kinds, snap_refs, snap_points FROM pg_temp._sv_dist_snap_todo s;
  IF snap_kinds IS NOT NULL THEN
    PERFORM skolval._snap_points(nid, snap_kinds, snap_refs, snap_points);
  END IF;
  snap_ms := round(extract(epoch FROM pg_catalog.clock_timestamp() - t) * 1000::pg_catalog.numeric);
  t := pg_catalog.clock_timestamp();

  -- Pairs to compute: all on a full refresh; otherwise those of a re-snapped home or unit and
  -- those without a stored distance on this network.
  CREATE TEMP TABLE pg_temp._sv_dist_pairs ON COMMIT DROP AS
  SELECT p.residence_id, p.child_id, p.unit_id
    FROM pg_temp._sv_dist_all_pairs p
    LEFT JOIN pg_temp._sv_dist_snap_todo th ON th.point_kind = 'home' AND th.ref_id = p.residence_id
    LEFT JOIN pg_temp._sv_dist_snap_todo tu ON tu.point_kind = 'unit' AND tu.ref_id = p.unit_id
    LEFT JOIN skolval.distance d ON d.network_id = nid AND d.residence_id = p.residence_id AND d.unit_id = p.unit_id
   WHERE full_refresh OR th.ref_id IS NOT NULL OR tu.ref_id IS NOT NULL OR d.residence_id IS NULL;
  CREATE INDEX ON pg_temp._sv_dist_pairs (residence_id, unit_id);
  ANALYZE pg_temp._sv_dist_pairs;
  SELECT pg_catalog.count(*), pg_catalog.count(DISTINCT p.residence_id) INTO pairs_computed, homes_routed FROM pg_temp._sv_dist_pairs p;
  -- Straight lines in metres on the ground: the grid length divided by the mean scale factor of
  -- its two ends (doc/distances.md), for the homes of the pairs computed now.
  UPDATE pg_temp._sv_dist_homes h SET k = skolval.grid_scale(h.home)
   WHERE h.home IS NOT NULL AND EXISTS (SELECT 1 FROM pg_temp._sv_dist_pairs p WHERE p.residence_id = h.residence_id);

  IF pairs_computed > 0 THEN
    -- Only homes with a point are routed; a home without one is no_home_point whatever its
    -- old snap says.
    SELECT pg_catalog.array_agg(p.residence_id), pg_catalog.array_agg(p.unit_id) INTO route_res, route_units
      FROM pg_temp._sv_dist_pairs p JOIN pg_temp._sv_dist_homes h USING (residence_id)
     WHERE h.home IS NOT NULL;
    CREATE TEMP TABLE pg_temp._sv_dist_walk ON COMMIT DROP AS
    SELECT DISTINCT ON (w.residence_id, w.unit_id) w.residence_id, w.unit_id, w.walking_m
      FROM skolval._route_pairs(nid, coalesce(route_res, '{}'), coalesce(route_units, '{}')) WITH ORDINALITY AS w(residence_id, unit_id, walking_m, n)
     ORDER BY w.residence_id, w.unit_id, w.n;
    ANALYZE pg_temp._sv_dist_walk;
    route_ms := round(extract(epoch FROM pg_catalog.clock_timestamp() - t) * 1000::pg_catalog.numeric);
    t := pg_catalog.clock_timestamp();

    -- A walk shorter than the straight line means a broken network or snap: stop, store nothing.
    SELECT h.child_id, w.unit_id, w.walking_m, sqrt((h.x - u.x) ^ 2::pg_catalog.float8 + (h.y - u.y) ^ 2::pg_catalog.float8) / ((h.k + u.k) / 2::pg_catalog.float8) AS straight INTO bad
      FROM pg_temp._sv_dist_walk w JOIN pg_temp._sv_dist_homes h USING (residence_id)
      JOIN pg_temp._sv_dist_units u USING (unit_id)
     WHERE w.walking_m < sqrt((h.x - u.x) ^ 2::pg_catalog.float8 + (h.y - u.y) ^ 2::pg_catalog.float8) / ((h.k + u.k) / 2::pg_catalog.float8) - 0.5::pg_catalog.float8
     ORDER BY h.child_id, w.unit_id
     LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'walking distance from the home of child % to unit % is shorter than the straight line',
                      bad.child_id, bad.unit_id
        USING ERRCODE = 'internal_error',
              DETAIL = pg_catalog.format('Walking %s m, straight line %s m.', round(bad.walking_m::numeric, 1), round(bad.straight::numeric, 1)),
              HINT = 'The network''s edge lengths do not match their geometry; check length_m in skolval.edge.';
    END IF;

    -- Store only what changed: the new rows of the pairs computed, then an UPDATE of the stored
    -- rows whose status or metres differ and an INSERT of the pairs not stored yet. A
    -- recomputation that finds the same metres writes nothing (computed_at is when the value
    -- was last set).
    CREATE TEMP TABLE pg_temp._sv_dist_new ON COMMIT DROP AS
    SELECT p.residence_id, p.unit_id, p.child_id,
           CASE WHEN h.x IS NULL THEN 'no_home_point'
                WHEN hs.edge_id IS NULL THEN 'home_off_network'
                WHEN us.edge_id IS NULL THEN 'unit_off_network'
                WHEN w.walking_m IS NULL THEN 'unreachable'
                ELSE 'ok' END AS status,
           w.walking_m,
           sqrt((h.x - u.x) ^ 2::pg_catalog.float8 + (h.y - u.y) ^ 2::pg_catalog.float8) / ((h.k + u.k) / 2::pg_catalog.float8) AS straight_m
      FROM pg_temp._sv_dist_pairs p
      JOIN pg_temp._sv_dist_homes h ON h.residence_id = p.residence_id
      JOIN pg_temp._sv_dist_units u ON u.unit_id = p.unit_id
      LEFT JOIN skolval.snap hs ON hs.network_id = nid AND hs.point_kind = 'home' AND hs.ref_id = p.residence_id
      LEFT JOIN skolval.snap us ON us.network_id = nid AND us.point_kind = 'unit' AND us.ref_id = p.unit_id
      LEFT JOIN pg_temp._sv_dist_walk w ON w.residence_id = p.residence_id AND w.unit_id = p.unit_id;
    ANALYZE pg_temp._sv_dist_new;
    UPDATE skolval.distance d
       SET child_id = n.child_id, status = n.status, walking_m = n.walking_m, straight_m = n.straight_m,
           computed_at = pg_catalog.now()
      FROM pg_temp._sv_dist_new n
     WHERE d.network_id = nid AND d.residence_id = n.residence_id AND d.unit_id = n.unit_id
       AND (d.child_id IS DISTINCT FROM n.child_id OR d.status IS DISTINCT FROM n.status
            OR d.walking_m IS DISTINCT FROM n.walking_m OR d.straight_m IS DISTINCT FROM n.straight_m);
    GET DIAGNOSTICS rows_changed = ROW_COUNT;
    INSERT INTO skolval.distance (network_id, residence_id, unit_id, child_id, status, walking_m, straight_m)
    SELECT nid, n.residence_id, n.unit_id, n.child_id, n.status, n.walking_m, n.straight_m
      FROM pg_temp._sv_dist_new n
     WHERE NOT EXISTS (SELECT 1 FROM skolval.distance d
                        WHERE d.network_id = nid AND d.residence_id = n.residence_id AND d.unit_id = n.unit_id);
    GET DIAGNOSTICS rows_added = ROW_COUNT;
    DROP TABLE pg_temp._sv_dist_new;
    DROP TABLE pg_temp._sv_dist_walk;
  END IF;


  -- Bulk changes leave the planner's statistics behind; placement reads these tables next.
  IF rows_changed + rows_added > 1000 THEN
    ANALYZE skolval.distance;
    ANALYZE skolval.round_home;
  END IF;
  store_ms := round(extract(epoch FROM pg_catalog.clock_timestamp() - t) * 1000::pg_catalog.numeric);

  -- Data issues for everything that is not a distance.
  SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'category', i.category,
           'severity', CASE WHEN i.category IN ('nearest_edge_dropped', 'long_snap') THEN 'warning' ELSE 'error' END,
           'child_id', i.child_id, 'unit_id', i.unit_id,
           'message', i.message, 'detail', i.detail) ORDER BY i.o, i.child_id, i.unit_id), '[]')
    INTO issues
    FROM (
      SELECT 1 AS o, 'no_residence' AS category, h.child_id, NULL::bigint AS unit_id,
             pg_catalog.format('child %s has no registered residence on %s', h.child_id, on_day) AS message,
             pg_catalog.jsonb_build_object('date', on_day) AS detail
        FROM skolval.round_home h WHERE h.round_id = r.round_id AND h.residence_id IS NULL
      UNION ALL
      SELECT 2, 'no_home_point', x.child_id, NULL,
             pg_catalog.format('child %s: the registered address has no point', x.child_id),
             pg_catalog.jsonb_build_object('residence_id', x.residence_id)
        FROM (SELECT DISTINCT h.child_id, h.residence_id FROM skolval.round_home h
                JOIN skolval.residence res USING (residence_id)
               WHERE h.round_id = r.round_id AND res.home IS NULL) x
      UNION ALL
      SELECT 3, 'home_off_network', x.child_id, NULL,
             pg_catalog.format('child %s: home lies %s m from the nearest walkable edge, more than the snap limit',
                               x.child_id, round(x.d::numeric)),
             pg_catalog.jsonb_build_object('residence_id', x.residence_id, 'distance_m', round(x.d::numeric, 1))
        FROM (SELECT h.child_id, h.residence_id,
                     (SELECT skolval.ground_distance(e.geom, res.home) FROM skolval.edge e WHERE e.network_id = nid
                       ORDER BY e.geom <-> res.home LIMIT 1) AS d
                FROM skolval.round_home h
                JOIN skolval.residence res USING (residence_id)
                JOIN skolval.snap s ON s.network_id = nid AND s.point_kind = 'home' AND s.ref_id = h.residence_id
               WHERE h.round_id = r.round_id AND s.edge_id IS NULL AND res.home IS NOT NULL) x
      UNION ALL
      SELECT 4, 'unit_off_network', NULL, x.unit_id,
             pg_catalog.format('unit %s lies farther than the snap limit from every walkable edge', x.unit_code),
             '{}'::jsonb
        FROM (SELECT DISTINCT u.unit_id, u.unit_code FROM pg_temp._sv_dist_all_pairs p
                JOIN skolval.unit u USING (unit_id)
                JOIN skolval.snap s ON s.network_id = nid AND s.point_kind = 'unit' AND s.ref_id = u.unit_id
               WHERE s.edge_id IS NULL) x
      UNION ALL
      -- A home or unit whose nearest edge was dropped with its island (network_dropped_edge):
      -- it is measured from the nearest kept edge, which may lie across whatever separates them.
      SELECT 6, 'nearest_edge_dropped', x.child_id, x.unit_id,
             pg_catalog.format('%s: the nearest walkable edge (%s m away) was dropped with an island of %s edge(s) not connected to the network; measured from an edge %s m away',
                               CASE WHEN x.child_id IS NOT NULL THEN pg_catalog.format('child %s, home', x.child_id) ELSE pg_catalog.format('unit %s', x.unit_code) END,
                               round(x.dropped_m::numeric), x.component_edges,
                               coalesce(round(x.snap_m::numeric)::text, 'more than the snap limit')),
             pg_catalog.jsonb_build_object('ref_id', x.ref_id, 'dropped_edge_id', x.edge_id, 'source_id', x.source_id,
                                           'component', x.component, 'dropped_m', round(x.dropped_m::numeric, 1),
                                           'snap_m', round(x.snap_m::numeric, 1))
        FROM (SELECT s.ref_id, CASE WHEN s.point_kind = 'home' THEN hh.child_id END AS child_id,
                     CASE WHEN s.point_kind = 'unit' THEN s.ref_id END AS unit_id, uu.unit_code,
                     s.snap_m, dr.edge_id, dr.source_id, dr.component, dr.component_edges,
                     skolval.ground_distance(dr.geom, s.source_point) AS dropped_m
                FROM skolval.snap s
                LEFT JOIN (SELECT DISTINCT h.residence_id, h.child_id FROM pg_temp._sv_dist_homes h) hh
                       ON s.point_kind = 'home' AND hh.residence_id = s.ref_id
                LEFT JOIN pg_temp._sv_dist_units uu ON s.point_kind = 'unit' AND uu.unit_id = s.ref_id
                CROSS JOIN LATERAL (
                  SELECT x.edge_id, x.source_id, x.component, x.component_edges, x.geom,
                         x.geom <-> s.source_point AS grid_d
                    FROM skolval.network_dropped_edge x WHERE x.network_id = nid
                   ORDER BY x.geom <-> s.source_point LIMIT 1) dr
               WHERE s.network_id = nid
                 AND (hh.residence_id IS NOT NULL OR uu.unit_id IS NOT NULL)
                 AND EXISTS (SELECT 1 FROM pg_temp._sv_dist_all_pairs p
                              WHERE (s.point_kind = 'home' AND p.residence_id = s.ref_id)
                                 OR (s.point_kind = 'unit' AND p.unit_id = s.ref_id))
                 AND dr.grid_d < coalesce(ST_Distance(s.source_point, s.snapped_point), lim)) x
      UNION ALL
      -- A long snap segment: measured, but the straight stretch may cross a river or a railway.
      SELECT 7, 'long_snap', CASE WHEN s.point_kind = 'home' THEN hh.child_id END,
             CASE WHEN s.point_kind = 'unit' THEN s.ref_id END,
             pg_catalog.format('%s lies %s m from the nearest walkable edge (more than %s m): check the point and the network there',
                               CASE WHEN s.point_kind = 'home' THEN pg_catalog.format('child %s: home', hh.child_id) ELSE pg_catalog.format('unit %s', uu.unit_code) END,
                               round(s.snap_m::numeric), round(warn::numeric)),
             pg_catalog.jsonb_build_object('ref_id', s.ref_id, 'snap_m', round(s.snap_m::numeric, 1), 'edge_id', s.edge_id,
                                           'source_id', (SELECT e.source_id FROM skolval.edge e WHERE e.network_id = nid AND e.edge_id = s.edge_id))
        FROM skolval.snap s
        LEFT JOIN (SELECT DISTINCT h.residence_id, h.child_id FROM pg_temp._sv_dist_homes h) hh
               ON s.point_kind = 'home' AND hh.residence_id = s.ref_id
        LEFT JOIN pg_temp._sv_dist_units uu ON s.point_kind = 'unit' AND uu.unit_id = s.ref_id
       WHERE s.network_id = nid AND s.edge_id IS NOT NULL AND s.snap_m > warn
         AND (hh.residence_id IS NOT NULL OR uu.unit_id IS NOT NULL)
         AND EXISTS (SELECT 1 FROM pg_temp._sv_dist_all_pairs p
                      WHERE (s.point_kind = 'home' AND p.residence_id = s.ref_id)
                         OR (s.point_kind = 'unit' AND p.unit_id = s.ref_id))
      UNION ALL
      SELECT 5, 'unreachable_unit', d.child_id, d.unit_id,
             pg_catalog.format('child %s cannot reach unit %s on the network', d.child_id, d.unit_id),
             pg_catalog.jsonb_build_object('residence_id', d.residence_id, 'network_id', nid)
        FROM skolval.distance d
        JOIN pg_temp._sv_dist_all_pairs p ON p.residence_id = d.residence_id AND p.unit_id = d.unit_id
       WHERE d.network_id = nid AND d.status = 'unreachable') i;
  PERFORM skolval._reconcile_issues(r.round_id,
            ARRAY['no_residence', 'no_home_point', 'home_off_network', 'unit_off_network', 'unreachable_unit',
                  'nearest_edge_dropped', 'long_snap'],
            issues);

  SELECT pg_catalog.count(*) INTO children FROM skolval.round_home h WHERE h.round_id = r.round_id;
  SELECT pg_catalog.count(DISTINCT p.unit_id), pg_catalog.count(*),
         pg_catalog.count(*) FILTER (WHERE d.status = 'ok'),
         pg_catalog.count(*) FILTER (WHERE d.status = 'unreachable'),
         pg_catalog.count(*) FILTER (WHERE d.status IN ('home_off_network', 'unit_off_network')),
         pg_catalog.count(*) FILTER (WHERE d.status = 'no_home_point')
    INTO units, pairs, ok, unreachable, off_network, no_home
    FROM pg_temp._sv_dist_all_pairs p
    JOIN skolval.distance d ON d.network_id = nid AND d.residence_id = p.residence_id AND d.unit_id = p.unit_id;
  DROP TABLE pg_temp._sv_dist_homes, pg_temp._sv_dist_units, pg_temp._sv_dist_all_pairs,
             pg_temp._sv_dist_snap_todo, pg_temp._sv_dist_pairs;
  milliseconds := round(extract(epoch FROM pg_catalog.clock_timestamp() - t0) * 1000::pg_catalog.numeric);
  RAISE NOTICE 'distances for round "%": % children, % units, % pairs (% computed now): % ok, % unreachable, % off the network, % without a home point',
    r.name, children, units, pairs, pairs_computed, ok, unreachable, off_network, no_home;
END $$;
COMMENT ON FUNCTION skolval.compute_distances(bigint, double precision, boolean) IS
  'Walking distances for a round on the active network: from the home of every cohort child (its residence on the cohort date) to every unit offering the round''s form (only those within radius_m metres in a straight line, when given) and to every wished unit. Only new or changed homes and units are computed unless full_refresh; every pair gets a row, and every pair without a distance a data issue';

-- ---------------------------------------------------------------------------------------
-- Nearest units and relative proximity
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE VIEW skolval.child_nearest_unit AS
WITH ranked AS (
  SELECT h.round_id, h.child_id, d.unit_id, d.walking_m,
         row_number() OVER (PARTITION BY h.round_id, h.child_id ORDER BY d.walking_m, d.unit_id) AS k
    FROM skolval.round_home h
    JOIN skolval.placement_round r ON r.round_id = h.round_id
    JOIN skolval.distance d ON d.network_id = h.network_id AND d.residence_id = h.residence_id
    JOIN skolval.unit u ON u.unit_id = d.unit_id
   WHERE d.status = 'ok' AND u.organizer = 'municipal' AND r.school_form = ANY (u.school_forms::text[])
)
SELECT h.round_id, h.child_id,
       max(k.unit_id) FILTER (WHERE k.k = 1) AS nearest_unit_id,
       max(k.walking_m) FILTER (WHERE k.k = 1) AS nearest_m,
       max(k.unit_id) FILTER (WHERE k.k = 2) AS second_unit_id,
       max(k.walking_m) FILTER (WHERE k.k = 2) AS second_m
  FROM skolval.round_home h
  LEFT JOIN ranked k ON k.round_id = h.round_id AND k.child_id = h.child_id AND k.k <= 2
 GROUP BY h.round_id, h.child_id;
COMMENT ON VIEW skolval.child_nearest_unit IS
  'Per round and child: the nearest and second-nearest municipal unit offering the round''s form, by walking (ties broken by unit_id). NULL where no distance exists (see data issues)';
COMMENT ON COLUMN skolval.child_nearest_unit.round_id IS 'The round';
COMMENT ON COLUMN skolval.child_nearest_unit.child_id IS 'The child';
COMMENT ON COLUMN skolval.child_nearest_unit.nearest_unit_id IS 'Nearest municipal unit by walking';
COMMENT ON COLUMN skolval.child_nearest_unit.nearest_m IS 'Walking metres to it';
COMMENT ON COLUMN skolval.child_nearest_unit.second_unit_id IS 'Second-nearest municipal unit by walking';
COMMENT ON COLUMN skolval.child_nearest_unit.second_m IS 'Walking metres to it';

CREATE OR REPLACE VIEW skolval.wish_proximity AS
SELECT w.round_id, w.child_id, w.rank, w.unit_id,
       coalesce(d.status, 'not_computed') AS status,
       d.walking_m AS distance_m,
       d.straight_m,
       CASE WHEN n.nearest_unit_id = w.unit_id THEN n.second_unit_id ELSE n.nearest_unit_id END AS alternative_unit_id,
       CASE WHEN n.nearest_unit_id = w.unit_id THEN n.second_m ELSE n.nearest_m END AS alternative_m,
       (CASE WHEN n.nearest_unit_id = w.unit_id THEN n.second_m ELSE n.nearest_m END) - d.walking_m
         AS relative_proximity_m
  FROM skolval.wish w
  LEFT JOIN skolval.round_home h ON h.round_id = w.round_id AND h.child_id = w.child_id
  LEFT JOIN skolval.distance d ON d.network_id = h.network_id AND d.residence_id = h.residence_id
                              AND d.unit_id = w.unit_id
  LEFT JOIN skolval.child_nearest_unit n ON n.round_id = w.round_id AND n.child_id = w.child_id;
COMMENT ON VIEW skolval.wish_proximity IS
  'Per wish: the walking distance to the wished unit, the alternative unit (the nearest municipal unit other than this one) and the relative proximity RN = d(alternative) - d(unit) in metres; higher RN ranks first, it may be negative';
COMMENT ON COLUMN skolval.wish_proximity.round_id IS 'The round';
COMMENT ON COLUMN skolval.wish_proximity.child_id IS 'The child';
COMMENT ON COLUMN skolval.wish_proximity.rank IS 'Rank of the wish';
COMMENT ON COLUMN skolval.wish_proximity.unit_id IS 'The wished unit';
COMMENT ON COLUMN skolval.wish_proximity.status IS 'Status of the distance (ok, unreachable, ..., or not_computed before compute_distances ran)';
COMMENT ON COLUMN skolval.wish_proximity.distance_m IS 'Walking metres from home to the wished unit';
COMMENT ON COLUMN skolval.wish_proximity.straight_m IS 'Straight-line metres, for comparison only';
COMMENT ON COLUMN skolval.wish_proximity.alternative_unit_id IS 'The alternative unit: the nearest municipal unit, or the second-nearest when the wished unit is the nearest';
COMMENT ON COLUMN skolval.wish_proximity.alternative_m IS 'Walking metres to the alternative unit';
COMMENT ON COLUMN skolval.wish_proximity.relative_proximity_m IS 'Relative proximity (relativ närhet) RN = alternative_m - distance_m';

-- ---------------------------------------------------------------------------------------
-- Route geometry
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION skolval.route(residence_id bigint, unit_id bigint, network_id bigint DEFAULT NULL)
RETURNS geometry
LANGUAGE plpgsql AS $$
DECLARE
  nid bigint := coalesce(route.network_id, skolval.active_network_id());
  hs skolval.snap;
  us skolval.snap;
  home geometry;
  pieces geometry[];
  eh skolval.edge;
  eu skolval.edge;
  gh double precision;
  gu double precision;
  best record;
BEGIN
  IF route.residence_id IS NULL OR route.unit_id IS NULL THEN
    RAISE EXCEPTION 'route(): % must not be NULL', CASE WHEN route.residence_id IS NULL THEN 'residence_id' ELSE 'unit_id' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF nid IS NULL THEN
    RAISE EXCEPTION 'no active network' USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  SELECT r.home INTO home FROM skolval.residence r WHERE r.residence_id = route.residence_id;
  IF home IS NULL THEN
    RAISE EXCEPTION 'residence % does not exist or has no point', route.residence_id USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO hs FROM skolval.snap s WHERE s.network_id = nid AND s.point_kind = 'home' AND s.ref_id = route.residence_id;
  SELECT * INTO us FROM skolval.snap s WHERE s.network_id = nid AND s.point_kind = 'unit' AND s.ref_id = route.unit_id;
  IF hs.network_id IS NULL OR us.network_id IS NULL THEN
    RAISE EXCEPTION 'residence % or unit % is not snapped to network %', route.residence_id, route.unit_id, nid
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Run skolval.compute_distances() first.';
  END IF;
  IF hs.edge_id IS NULL OR us.edge_id IS NULL THEN
    RAISE EXCEPTION 'residence % or unit % lies off the network: there is no route', route.residence_id, route.unit_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF hs.source_point IS DISTINCT FROM home AND NOT ST_Equals(hs.source_point, home) THEN
    RAISE EXCEPTION 'residence % moved since it was snapped', route.residence_id
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Run skolval.compute_distances() first.';
  END IF;

  -- The walk is the shortest of: along the shared edge when home and unit lie on the same one;
  -- or from the home's point to one end of its edge (either end, also on a loop edge whose two
  -- ends are one vertex), the shortest path between vertices, and from one end of the unit's
  -- edge to the unit's point. That is exactly the minimum pgr_withPointsCost finds on the graph
  -- with both points inserted, with the same costs (fraction * length_m), so the route drawn is
  -- the walk measured. Ties go to the first candidate: along the edge, then (source, source),
  -- (source, target), (target, source), (target, target).
  SELECT * INTO eh FROM skolval.edge x WHERE x.network_id = nid AND x.edge_id = hs.edge_id;
  SELECT * INTO eu FROM skolval.edge x WHERE x.network_id = nid AND x.edge_id = us.edge_id;
  -- Where to cut the edges' geometry: the grid position _snap_points found, computed the same
  -- way from the same point (not located back from the snapped point, which is ambiguous at
  -- the closing vertex of a loop edge).
  gh := ST_LineLocatePoint(eh.geom, hs.source_point);
  gu := ST_LineLocatePoint(eu.geom, us.source_point);
  SELECT c.o, c.h_side, c.u_side, c.a, c.b INTO best
    FROM (SELECT 0 AS o, NULL::text AS h_side, NULL::text AS u_side, NULL::bigint AS a, NULL::bigint AS b,
                 abs(hs.fraction - us.fraction) * eh.length_m AS cost
           WHERE hs.edge_id = us.edge_id
          UNION ALL
          SELECT sd.o, sd.h_side, sd.u_side, sd.a, sd.b,
                 sd.off_h + CASE WHEN sd.a = sd.b THEN 0::pg_catalog.float8 ELSE dj.agg_cost END + sd.off_u
            FROM (VALUES (1, 's', 's', eh.source, eu.source, hs.fraction * eh.length_m, us.fraction * eu.length_m),
                         (2, 's', 't', eh.source, eu.target, hs.fraction * eh.length_m, (1::pg_catalog.float8 - us.fraction) * eu.length_m),
                         (3, 't', 's', eh.target, eu.source, (1::pg_catalog.float8 - hs.fraction) * eh.length_m, us.fraction * eu.length_m),
                         (4, 't', 't', eh.target, eu.target, (1::pg_catalog.float8 - hs.fraction) * eh.length_m, (1::pg_catalog.float8 - us.fraction) * eu.length_m))
                 AS sd(o, h_side, u_side, a, b, off_h, off_u)
            LEFT JOIN pgr_dijkstraCost(skolval.network_edges_sql(nid), ARRAY[eh.source, eh.target], ARRAY[eu.source, eu.target],
                                       directed => false) dj ON dj.start_vid = sd.a AND dj.end_vid = sd.b
           WHERE sd.a = sd.b OR dj.agg_cost IS NOT NULL) c
   ORDER BY c.cost, c.o
   LIMIT 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no route from residence % to unit % on network %', route.residence_id, route.unit_id, nid
      USING ERRCODE = 'no_data_found';
  END IF;

  IF best.o = 0 THEN
    pieces := ARRAY[CASE WHEN gh <= gu THEN ST_LineSubstring(eh.geom, gh, gu)
                         ELSE ST_Reverse(ST_LineSubstring(eh.geom, gu, gh)) END];
  ELSE
    -- From the home's point to the chosen end of its edge ...
    pieces := ARRAY[CASE WHEN best.h_side = 's' THEN ST_Reverse(ST_LineSubstring(eh.geom, 0::pg_catalog.float8, gh))
                         ELSE ST_LineSubstring(eh.geom, gh, 1::pg_catalog.float8) END];
    -- ... every edge of the shortest path between the two vertices, in walking order ...
    IF best.a <> best.b THEN
      pieces := pieces OPERATOR(pg_catalog.||) (
        SELECT pg_catalog.array_agg(CASE WHEN p.node = x.source THEN x.geom ELSE ST_Reverse(x.geom) END ORDER BY p.path_seq)
          FROM pgr_dijkstra(skolval.network_edges_sql(nid), best.a, best.b, directed => false) p
          JOIN skolval.edge x ON x.network_id = nid AND x.edge_id = p.edge
         WHERE p.edge > 0);
    END IF;
    -- ... and from the chosen end of the unit's edge to the unit's point.
    pieces := pieces OPERATOR(pg_catalog.||)
              CASE WHEN best.u_side = 's' THEN ST_LineSubstring(eu.geom, 0::pg_catalog.float8, gu)
                   ELSE ST_Reverse(ST_LineSubstring(eu.geom, gu, 1::pg_catalog.float8)) END;
  END IF;
  RETURN ST_MakeLine(ARRAY[home] OPERATOR(pg_catalog.||) pieces
                    OPERATOR(pg_catalog.||) ARRAY[(SELECT u.location FROM skolval.unit u WHERE u.unit_id = route.unit_id)]);
END $$;
COMMENT ON FUNCTION skolval.route(bigint, bigint, bigint) IS
  'The walked route from a home (residence_id) to a unit as a LineString in the stored coordinate system: the snap segment from the home, the network path (the same minimum pgr_withPointsCost measures: also through loop edges and round the block when home and unit share an edge), the snap segment to the unit. Its length on the ground (skolval.ground_length) equals the stored walking distance. network_id NULL: the active network';

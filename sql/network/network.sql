-- skolval: networks — loading a walking network (edges, components) and the active network.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

CREATE OR REPLACE FUNCTION skolval.active_network_id() RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT n.network_id FROM skolval.network n WHERE n.is_active $$;
COMMENT ON FUNCTION skolval.active_network_id() IS 'The id of the active network, NULL when there is none';

-- Metres on the ground (doc/distances.md, "Metres on the ground"). Grid lengths in a
-- projection differ from the ground by the scale factor (SWEREF99 TM: -0.04 % on the central
-- meridian to +0.17 % in the far east of the zone); every length skolval stores is geodesic, on
-- the ellipsoid of WGS 84 (GRS 80 for SWEREF99: the same to 0.1 mm), through PostGIS geography.
CREATE OR REPLACE FUNCTION skolval.ground_length(g geometry) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT ST_Length(ST_Transform(g, 4326)::geography, true) $$;
COMMENT ON FUNCTION skolval.ground_length(geometry) IS
  'Length of a line in metres on the ground: geodesic, on the WGS 84 ellipsoid, whatever the projection it is stored in';

CREATE OR REPLACE FUNCTION skolval.ground_distance(g geometry, to_g geometry) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT ST_Distance(ST_Transform(g, 4326)::geography, ST_Transform(to_g, 4326)::geography, true) $$;
COMMENT ON FUNCTION skolval.ground_distance(geometry, geometry) IS
  'Distance between two geometries in metres on the ground (geodesic, WGS 84 ellipsoid)';

-- The point scale factor of the stored projection at a point: grid metres per ground metre,
-- from the geodesic length of a 100 m grid stretch centred on it (central difference: exact to
-- 1e-9 for a transverse Mercator). Used for straight lines of many pairs, where a geodesic per
-- pair would cost more than the routing (doc/distances.md).
CREATE OR REPLACE FUNCTION skolval.grid_scale(g geometry) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  -- (ST_Affine with every argument a double precision, not ST_Translate: see _map_shift)
  AS $$ SELECT 100::pg_catalog.float8 OPERATOR(pg_catalog./)
               skolval.ground_distance(
                 ST_Affine(g, 1::pg_catalog.float8, 0::pg_catalog.float8, 0::pg_catalog.float8,
                              0::pg_catalog.float8, 1::pg_catalog.float8, 0::pg_catalog.float8,
                              0::pg_catalog.float8, 0::pg_catalog.float8, 1::pg_catalog.float8,
                              '-50'::pg_catalog.float8, 0::pg_catalog.float8, 0::pg_catalog.float8),
                 ST_Affine(g, 1::pg_catalog.float8, 0::pg_catalog.float8, 0::pg_catalog.float8,
                              0::pg_catalog.float8, 1::pg_catalog.float8, 0::pg_catalog.float8,
                              0::pg_catalog.float8, 0::pg_catalog.float8, 1::pg_catalog.float8,
                              50::pg_catalog.float8, 0::pg_catalog.float8, 0::pg_catalog.float8)) $$;
COMMENT ON FUNCTION skolval.grid_scale(geometry) IS
  'Point scale factor of the stored (conformal) projection at a point: grid metres per metre on the ground';

CREATE OR REPLACE FUNCTION skolval.network_edges_sql(network_id bigint) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT pg_catalog.format(
     'SELECT e.edge_id AS id, e.source, e.target, e.length_m AS cost, e.length_m AS reverse_cost '
     'FROM skolval.edge e WHERE e.network_id OPERATOR(pg_catalog.=) %s::pg_catalog.int8', network_id) $$;
COMMENT ON FUNCTION skolval.network_edges_sql(bigint) IS
  'The edges SQL to give pgRouting functions for a network (walking: cost and reverse cost are both the length); fully qualified, so it means the same under any search_path';

-- Finish a loaded network: keep the largest connected component, record what was dropped,
-- compute the content hash, counts and extent, and optionally make it the active network.
CREATE OR REPLACE FUNCTION skolval.network_finish(network_id bigint, activate boolean DEFAULT true)
RETURNS skolval.network
LANGUAGE plpgsql AS $$
DECLARE
  net skolval.network;
  dropped bigint;
  kept_n bigint;
  components bigint;
BEGIN
  IF network_finish.network_id IS NULL OR network_finish.activate IS NULL THEN
    RAISE EXCEPTION 'network_finish(): % must not be NULL', CASE WHEN network_finish.network_id IS NULL THEN 'network_id' ELSE 'activate' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO net FROM skolval.network n WHERE n.network_id = network_finish.network_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'network % does not exist', network_finish.network_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM skolval.edge e WHERE e.network_id = net.network_id) THEN
    RAISE EXCEPTION 'network % has no edges', net.network_id
      USING ERRCODE = 'no_data_found', HINT = 'Load the edges into skolval.edge first.';
  END IF;

  -- Lengths are metres on the ground: the geodesic length of the geometry on the ellipsoid
  -- (doc/distances.md, "Metres on the ground"), whatever the loader wrote.
  UPDATE skolval.edge e SET length_m = g.len
    FROM (SELECT x.edge_id, skolval.ground_length(x.geom) AS len
            FROM skolval.edge x WHERE x.network_id = net.network_id) g
   WHERE e.network_id = net.network_id AND e.edge_id = g.edge_id
     AND e.length_m IS DISTINCT FROM g.len;

  -- pgr_connectedComponents labels every vertex with the smallest vertex id of its component.
  -- The edges of the other components leave the routable network but are kept, with their
  -- island, in skolval.network_dropped_edge.
  WITH component AS MATERIALIZED (
    SELECT c.node, c.component
      FROM pgr_connectedComponents(skolval.network_edges_sql(net.network_id)) c
  ), biggest AS (
    SELECT c.component FROM component c GROUP BY c.component ORDER BY pg_catalog.count(*) DESC, c.component LIMIT 1
  ), gone AS (
    DELETE FROM skolval.edge e
     WHERE e.network_id = net.network_id
       AND NOT EXISTS (SELECT 1 FROM component c JOIN biggest b USING (component)
                        WHERE c.node = e.source)
    RETURNING e.*
  ), kept AS (
    INSERT INTO skolval.network_dropped_edge (network_id, edge_id, source_id, source, target, length_m, kind, name,
                                              geom, component, component_edges)
    SELECT g.network_id, g.edge_id, g.source_id, g.source, g.target, g.length_m, g.kind, g.name, g.geom,
           c.component, pg_catalog.count(*) OVER (PARTITION BY c.component)
      FROM gone g JOIN component c ON c.node = g.source
    ON CONFLICT ON CONSTRAINT network_dropped_edge_pkey DO NOTHING
    RETURNING 1
  )
  SELECT (SELECT pg_catalog.count(DISTINCT c.component) FROM component c), (SELECT pg_catalog.count(*) FROM gone),
         (SELECT pg_catalog.count(*) FROM kept)
    INTO components, dropped, kept_n;
  IF dropped > 0 THEN
    RAISE NOTICE 'network %: kept the largest of % connected components; dropped % edges not connected to it',
      net.network_id, components, dropped;
  END IF;

  UPDATE skolval.network n
     SET edge_count = s.edges,
         vertex_count = s.vertices,
         total_length_m = s.total,
         extent = s.extent,
         content_hash = s.hash,
         dropped_edge_count = coalesce(n.dropped_edge_count, 0) + dropped,
         finished_at = pg_catalog.now()
    FROM (SELECT pg_catalog.count(*) AS edges,
                 (SELECT pg_catalog.count(*) FROM (SELECT e2.source FROM skolval.edge e2 WHERE e2.network_id = net.network_id
                                        UNION SELECT e2.target FROM skolval.edge e2 WHERE e2.network_id = net.network_id) v) AS vertices,
                 sum(e.length_m) AS total,
                 -- a network along one straight line has a flat box: widen it to a polygon
                 -- (box3d named: ST_XMin and the others take a box3d, and an implicit cast
                 -- would let a look-alike taking a box2d win)
                 ST_SetSRID(CASE WHEN ST_XMin(ST_Extent(e.geom)::box3d) = ST_XMax(ST_Extent(e.geom)::box3d)
                                   OR ST_YMin(ST_Extent(e.geom)::box3d) = ST_YMax(ST_Extent(e.geom)::box3d)
                                 THEN ST_Expand(ST_Extent(e.geom), 1::pg_catalog.float8)::geometry
                                 ELSE ST_Extent(e.geom)::geometry END, net.srid) AS extent,
                 pg_catalog.md5(pg_catalog.string_agg(
                   pg_catalog.md5(pg_catalog.concat_ws(':', e.edge_id, e.source, e.target,
                                  pg_catalog.round(e.length_m::pg_catalog.numeric, 3),
                                  pg_catalog.encode(ST_AsBinary(e.geom), 'hex'))),
                   '' ORDER BY e.edge_id)) AS hash
            FROM skolval.edge e WHERE e.network_id = net.network_id) s
   WHERE n.network_id = net.network_id;

  IF activate THEN
    UPDATE skolval.network n SET is_active = false WHERE n.is_active AND n.network_id <> net.network_id;
    UPDATE skolval.network n SET is_active = true WHERE n.network_id = net.network_id;
  END IF;

  SELECT * INTO net FROM skolval.network n WHERE n.network_id = net.network_id;
  RETURN net;
END $$;
COMMENT ON FUNCTION skolval.network_finish(bigint, boolean) IS
  'Finish loading a network: set every edge''s length_m to its length in metres on the ground (geodesic), keep the largest connected component (the other pieces move to skolval.network_dropped_edge; NOTICE with the count), compute hash, counts and extent, and by default make it the active network';

-- Load a network from any query returning pgRouting-ready edges: id, source, target, geom and
-- optionally kind, name and source_id (the OSM way or NVDB element the edge was cut from).
-- Geometry in another SRID is transformed; lengths are metres on the ground. A bad row stops the load with its id in the message.
CREATE OR REPLACE FUNCTION skolval.network_load(name text, source text, edges_sql text, activate boolean DEFAULT true)
RETURNS skolval.network
LANGUAGE plpgsql AS $$
DECLARE
  cols text[];
  nid bigint;
  srid integer := skolval.srid();
  bad record;
  missing text[];
BEGIN
  IF network_load.name IS NULL OR network_load.source IS NULL OR network_load.edges_sql IS NULL OR network_load.activate IS NULL THEN
    RAISE EXCEPTION 'network_load(): % must not be NULL',
                    CASE WHEN network_load.name IS NULL THEN 'name' WHEN network_load.source IS NULL THEN 'source'
                         WHEN network_load.edges_sql IS NULL THEN 'edges_sql' ELSE 'activate' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF pg_catalog.btrim(edges_sql) = '' THEN
    RAISE EXCEPTION 'edges_sql must be a query returning the edges, got %', coalesce('''' || edges_sql || '''', 'NULL')
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Return id, source, target and geom (a LineString with an SRID), optionally kind and name.';
  END IF;
  -- The query's rows are read once into a scratch table of this function (see
  -- skolval._require_no_scratch); the query itself is the caller's own SQL.
  PERFORM skolval._require_no_scratch('_sv_network_load');
  EXECUTE pg_catalog.format('CREATE TEMP TABLE pg_temp._sv_network_load ON COMMIT DROP AS SELECT * FROM (%s) q', edges_sql);
  SELECT pg_catalog.array_agg(a.attname::text) INTO cols FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = 'pg_temp._sv_network_load'::pg_catalog.regclass::pg_catalog.oid AND a.attnum > 0 AND NOT a.attisdropped;
  SELECT pg_catalog.array_agg(c) INTO missing FROM pg_catalog.unnest(ARRAY['id', 'source', 'target', 'geom']) c WHERE NOT c = ANY (cols);
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'edges query lacks column(s) %', pg_catalog.array_to_string(missing, ', ')
      USING ERRCODE = 'undefined_column',
            DETAIL = 'It returns ' || pg_catalog.array_to_string(cols, ', ') || '.',
            HINT = 'Return id, source, target and geom (a LineString with an SRID), optionally kind and name.';
  END IF;
  IF NOT 'kind' = ANY (cols) THEN ALTER TABLE pg_temp._sv_network_load ADD COLUMN kind pg_catalog.text; END IF;
  IF NOT 'name' = ANY (cols) THEN ALTER TABLE pg_temp._sv_network_load ADD COLUMN name pg_catalog.text; END IF;
  IF NOT 'source_id' = ANY (cols) THEN ALTER TABLE pg_temp._sv_network_load ADD COLUMN source_id pg_catalog.int8; END IF;
  BEGIN
    ALTER TABLE pg_temp._sv_network_load ALTER COLUMN source_id TYPE pg_catalog.int8 USING source_id::text::pg_catalog.int8;
  EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range OR datatype_mismatch OR cannot_coerce THEN
    RAISE EXCEPTION 'edges query: source_id must be a whole number (the OSM way id or NVDB element id)'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = SQLERRM;
  END;

  -- Multi-part lines that merge into one line are accepted (NVDB exports them).
  UPDATE pg_temp._sv_network_load l SET geom = ST_LineMerge(l.geom) WHERE GeometryType(l.geom) = 'MULTILINESTRING';
  SELECT l.id, CASE WHEN l.geom IS NULL THEN 'has no geometry'
                    WHEN ST_SRID(l.geom) = 0 THEN 'has no coordinate system (SRID 0)'
                    WHEN GeometryType(l.geom) <> 'LINESTRING' THEN 'is a ' || GeometryType(l.geom) || ', not a LineString'
                    WHEN ST_IsEmpty(l.geom) THEN 'is an empty LineString'
                    WHEN char_length(l.kind::text) > 50 THEN 'has a kind longer than 50 characters'
                    WHEN char_length(l.name::text) > 200 THEN 'has a name longer than 200 characters'
                    WHEN l.kind::text ~ '[\x01-\x1f\x7f-\x9f]' OR l.name::text ~ '[\x01-\x1f\x7f-\x9f]'
                      THEN 'has a control character in its kind or name'
                    WHEN NOT (ST_Length(l.geom) < 'Infinity'::double precision) THEN 'has a NaN or infinite coordinate'
                    WHEN l.source IS NULL OR l.target IS NULL THEN 'has no source or target vertex'
                    WHEN l.id IS NULL THEN 'has no id' END AS problem
    INTO bad
    FROM pg_temp._sv_network_load l
   WHERE l.geom IS NULL OR ST_SRID(l.geom) = 0 OR GeometryType(l.geom) <> 'LINESTRING'
      OR ST_IsEmpty(l.geom) OR NOT (ST_Length(l.geom) < 'Infinity'::double precision)
      OR char_length(l.kind::text) > 50 OR char_length(l.name::text) > 200
      OR l.kind::text ~ '[\x01-\x1f\x7f-\x9f]' OR l.name::text ~ '[\x01-\x1f\x7f-\x9f]'
      OR l.source IS NULL OR l.target IS NULL OR l.id IS NULL
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'edge % %', coalesce(bad.id::text, '(without id)'), bad.problem
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  INSERT INTO skolval.network (name, source, srid) VALUES (network_load.name, network_load.source, srid)
  RETURNING network_id INTO nid;
  INSERT INTO skolval.edge (network_id, edge_id, source, target, length_m, kind, name, geom, source_id)
  SELECT nid, l.id, l.source, l.target, skolval.ground_length(g.g), l.kind, l.name, g.g, l.source_id
    FROM pg_temp._sv_network_load l,
         LATERAL (SELECT CASE WHEN ST_SRID(l.geom) = srid THEN l.geom ELSE ST_Transform(l.geom, srid) END AS g) g
   WHERE ST_Length(g.g) > 0::pg_catalog.float8;
  DROP TABLE pg_temp._sv_network_load;
  RETURN skolval.network_finish(nid, activate);
END $$;
COMMENT ON FUNCTION skolval.network_load(text, text, text, boolean) IS
  'Load a walking network from a query returning id, source, target, geom (LineString with an SRID; MultiLineStrings that merge are accepted) and optionally kind, name and source_id (OSM way id, NVDB element id), then finish it (largest component kept, hash, extent) and by default activate it. Zero-length edges are skipped';

-- skolval: the records of decided documents (sql/documents/records.tables.sql): recorded by a
-- trigger when a placement run is published or a payment run approved or locked, whichever
-- function or statement does it, and read by every document function.
-- Re-runnable (CREATE OR REPLACE): the install script and every upgrade script include this file.

-- The settings a run's documents are made with now (defaults applied; NULL where not set).
CREATE OR REPLACE FUNCTION skolval._document_header_live(kind text, run_id bigint)
RETURNS TABLE (municipality_name text, board_name text, board_address text, contact text,
               round_name text, school_form text, start_date date, network_id bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  s record;
BEGIN
  SELECT * INTO s FROM skolval.document_setup();
  municipality_name := s.municipality_name;
  board_name := s.board_name;
  board_address := s.board_address;
  contact := s.contact;
  IF kind = 'placement' THEN
    SELECT rd.name, rd.school_form::text, rd.start_date, coalesce(skolval.active_network_id(), x.network_id)
      INTO round_name, school_form, start_date, network_id
      FROM skolval.placement_run x JOIN skolval.placement_round rd ON rd.round_id = x.round_id
     WHERE x.run_id = _document_header_live.run_id;
  END IF;
  RETURN NEXT;
END $$;

-- Who the children of a run are and where they live now: a placement run's placed children
-- with the home the round measured from, a payment run's children with rows. Nothing but the
-- fact for a child with protected identity (or one no longer in the register but protected).
CREATE OR REPLACE FUNCTION skolval._document_children_live(kind text, run_id bigint, child_id bigint DEFAULT NULL)
RETURNS TABLE (child_id bigint, protected boolean, personal_number text, given_name text, family_name text,
               birth_date date, residence_id bigint, address text, postal_code text, postal_town text,
               home geometry, route geometry)
LANGUAGE sql STABLE AS $$
  SELECT x.child_id, x.protected,
         CASE WHEN x.protected THEN NULL ELSE c.personal_number END,
         CASE WHEN x.protected THEN NULL ELSE c.given_name END,
         CASE WHEN x.protected THEN NULL ELSE c.family_name END,
         CASE WHEN x.protected THEN NULL ELSE c.birth_date END,
         CASE WHEN x.protected THEN NULL ELSE res.residence_id END,
         CASE WHEN x.protected THEN NULL ELSE res.address END,
         CASE WHEN x.protected THEN NULL ELSE res.postal_code END,
         CASE WHEN x.protected THEN NULL ELSE res.postal_town END,
         CASE WHEN x.protected THEN NULL ELSE res.home END,
         NULL::geometry
    FROM (SELECT p.child_id, pr.round_id FROM skolval.placement p JOIN skolval.placement_run pr ON pr.run_id = p.run_id
           WHERE _document_children_live.kind = 'placement' AND p.run_id = _document_children_live.run_id
             AND (_document_children_live.child_id IS NULL OR p.child_id = _document_children_live.child_id)
          UNION ALL
          SELECT DISTINCT r.child_id, NULL::bigint FROM skolval.payment_row r
           WHERE _document_children_live.kind = 'payment' AND r.run_id = _document_children_live.run_id
             AND (_document_children_live.child_id IS NULL OR r.child_id = _document_children_live.child_id)) k
    LEFT JOIN skolval.child c ON c.child_id = k.child_id
    CROSS JOIN LATERAL (SELECT k.child_id, coalesce(c.protected_identity, false) AS protected) x
    LEFT JOIN skolval.round_home h ON h.round_id = k.round_id AND h.child_id = k.child_id
    LEFT JOIN skolval.residence res ON res.residence_id = h.residence_id
$$;

-- The units of a run now: where a placement run placed or measured (placement_unit), where a
-- payment run pays.
CREATE OR REPLACE FUNCTION skolval._document_units_live(kind text, run_id bigint)
RETURNS TABLE (unit_id bigint, unit_code text, name text, organizer skolval.organizer_type, organizer_name text,
               address text, location geometry)
LANGUAGE sql STABLE AS $$
  SELECT u.unit_id, u.unit_code, u.name, u.organizer, u.organizer_name, u.address, u.location
    FROM skolval.unit u
   WHERE u.unit_id IN (SELECT pu.unit_id FROM skolval.placement_unit pu
                        WHERE _document_units_live.kind = 'placement' AND pu.run_id = _document_units_live.run_id
                       UNION
                       SELECT p.unit_id FROM skolval.placement p
                        WHERE _document_units_live.kind = 'placement' AND p.run_id = _document_units_live.run_id
                       UNION
                       SELECT r.unit_id FROM skolval.payment_row r
                        WHERE _document_units_live.kind = 'payment' AND r.run_id = _document_units_live.run_id)
$$;

-- What the documents of a run show: the record of a decided run, the register for any other.
-- A child with protected identity now is shown as protected even in a record made before.
CREATE OR REPLACE FUNCTION skolval._document_children(kind text, run_id bigint, child_id bigint DEFAULT NULL)
RETURNS TABLE (child_id bigint, protected boolean, personal_number text, given_name text, family_name text,
               birth_date date, residence_id bigint, address text, postal_code text, postal_town text,
               home geometry, route geometry)
LANGUAGE sql STABLE AS $$
  SELECT r.child_id, x.protected,
         CASE WHEN x.protected THEN NULL ELSE r.personal_number END,
         CASE WHEN x.protected THEN NULL ELSE r.given_name END,
         CASE WHEN x.protected THEN NULL ELSE r.family_name END,
         CASE WHEN x.protected THEN NULL ELSE r.birth_date END,
         CASE WHEN x.protected THEN NULL ELSE r.residence_id END,
         CASE WHEN x.protected THEN NULL ELSE r.address END,
         CASE WHEN x.protected THEN NULL ELSE r.postal_code END,
         CASE WHEN x.protected THEN NULL ELSE r.postal_town END,
         CASE WHEN x.protected THEN NULL ELSE r.home END,
         CASE WHEN x.protected THEN NULL ELSE r.route END
    FROM skolval.document_record_child r
    LEFT JOIN skolval.child c ON c.child_id = r.child_id
    CROSS JOIN LATERAL (SELECT r.protected_identity OR coalesce(c.protected_identity, false) AS protected) x
   WHERE r.kind = _document_children.kind AND r.run_id = _document_children.run_id
     AND (_document_children.child_id IS NULL OR r.child_id = _document_children.child_id)
  UNION ALL
  SELECT l.*
    FROM skolval._document_children_live(_document_children.kind, _document_children.run_id, _document_children.child_id) l
   WHERE NOT EXISTS (SELECT 1 FROM skolval.document_record d
                      WHERE d.kind = _document_children.kind AND d.run_id = _document_children.run_id)
$$;
COMMENT ON FUNCTION skolval._document_children(text, bigint, bigint) IS
  'The children of a run as its documents show them: from the record of a published placement run or an approved or locked payment run (skolval.document_record_child), from the register for any other run. Identity, address, home and route NULL for a child with protected identity, then or now';

CREATE OR REPLACE FUNCTION skolval._document_units(kind text, run_id bigint)
RETURNS TABLE (unit_id bigint, unit_code text, name text, organizer skolval.organizer_type, organizer_name text,
               address text, location geometry)
LANGUAGE sql STABLE AS $$
  SELECT r.unit_id, r.unit_code, r.name, r.organizer, r.organizer_name, r.address, r.location
    FROM skolval.document_record_unit r
   WHERE r.kind = _document_units.kind AND r.run_id = _document_units.run_id
  UNION ALL
  SELECT l.* FROM skolval._document_units_live(_document_units.kind, _document_units.run_id) l
   WHERE NOT EXISTS (SELECT 1 FROM skolval.document_record d
                      WHERE d.kind = _document_units.kind AND d.run_id = _document_units.run_id)
$$;
COMMENT ON FUNCTION skolval._document_units(text, bigint) IS
  'The units of a run as its documents show them: from the record of a decided run, from the register for any other';

CREATE OR REPLACE FUNCTION skolval._document_header(kind text, run_id bigint)
RETURNS TABLE (municipality_name text, board_name text, board_address text, contact text,
               round_name text, school_form text, start_date date, network_id bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY SELECT d.municipality_name, d.board_name, d.board_address, d.contact, d.round_name, d.school_form,
                      d.start_date, d.network_id
                 FROM skolval.document_record d
                WHERE d.kind = _document_header.kind AND d.run_id = _document_header.run_id;
  IF NOT FOUND THEN
    RETURN QUERY SELECT * FROM skolval._document_header_live(_document_header.kind, _document_header.run_id);
  END IF;
END $$;
COMMENT ON FUNCTION skolval._document_header(text, bigint) IS
  'The municipality, board, contact line (and for a placement run the round and the network) of a run''s documents: from its record once decided, otherwise the settings now';

-- The sort order of the payment categories on a run's statements.
CREATE OR REPLACE FUNCTION skolval._document_category_order(run_id bigint)
RETURNS TABLE (category_code text, sort_order integer)
LANGUAGE sql STABLE AS $$
  SELECT r.category_code, r.sort_order FROM skolval.document_record_category r
   WHERE r.kind = 'payment' AND r.run_id = _document_category_order.run_id
  UNION ALL
  SELECT c.category_code, c.sort_order FROM skolval.payment_category c
   WHERE NOT EXISTS (SELECT 1 FROM skolval.document_record d WHERE d.kind = 'payment' AND d.run_id = _document_category_order.run_id)
$$;

-- The payees of a run: as recorded when it was approved (skolval.document_record_payee), or, for
-- a draft (or a run decided before payees were recorded), the organizers as they are now.
CREATE OR REPLACE FUNCTION skolval._run_payees(run_id bigint)
RETURNS TABLE (organizer_id bigint, name text, kind text, organization_number text, bankgiro text, iban text,
               payment_reference text)
LANGUAGE sql STABLE AS $$
  SELECT p.organizer_id, p.name, p.organizer_kind, p.organization_number, p.bankgiro, p.iban, p.payment_reference
    FROM skolval.document_record_payee p
   WHERE p.kind = 'payment' AND p.run_id = _run_payees.run_id
  UNION ALL
  SELECT o.organizer_id, o.name, o.kind, o.organization_number, o.bankgiro, o.iban, o.payment_reference
    FROM skolval.organizer o
   WHERE o.organizer_id IN (SELECT rp.organizer_id FROM skolval._payment_row_payees(_run_payees.run_id) rp)
     AND NOT EXISTS (SELECT 1 FROM skolval.document_record_payee p
                      WHERE p.kind = 'payment' AND p.run_id = _run_payees.run_id)
$$;
COMMENT ON FUNCTION skolval._run_payees(bigint) IS
  'The payees of a payment run: as recorded when the run was approved, else (a draft) the organizers paid for its rows as they are now';

-- The routes of many homes to their units at once, each equal to skolval.route(residence_id,
-- unit_id, network_id): one pgr_withPoints call over every pair (the network is read and the
-- graph built once, not once per child; a route per child made publishing 1,500 children take
-- minutes). A pair route() refuses (not snapped, off the network, moved since it was snapped, no
-- path) gets NULL, as the record keeps it; a home and unit on one edge go through route().
CREATE OR REPLACE FUNCTION skolval._route_or_null(residence_id bigint, unit_id bigint, network_id bigint)
RETURNS geometry
LANGUAGE plpgsql AS $$
BEGIN
  RETURN skolval.route(_route_or_null.residence_id, _route_or_null.unit_id, _route_or_null.network_id);
EXCEPTION WHEN OTHERS THEN
  -- a route that cannot be drawn (off the network, not snapped, moved, no path) is recorded as none
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._route_or_null(bigint, bigint, bigint) IS
  'skolval.route(), or NULL where it refuses: a route the documents record cannot draw is recorded as none';

-- One statement, no temporary table (a caller's own pg_temp table of that name could carry a
-- trigger that would run as the owner): the pairs, the point and pair lists as SQL for
-- pgRouting, one pgr_withPoints call, the pieces cut as route() cuts them.
CREATE OR REPLACE FUNCTION skolval._routes(network_id bigint, residence_ids bigint[], unit_ids bigint[])
RETURNS TABLE (residence_id bigint, unit_id bigint, route geometry)
LANGUAGE sql AS $$
  WITH pair0 AS MATERIALIZED (
    -- the pairs route() would draw: both points snapped to the network on edges, the home where
    -- it was snapped. The snap's fraction is a share of the edge's ground length (what
    -- pgRouting costs); the geometry is cut where _snap_points located the point on the grid
    -- line, as route() cuts it. A pair on one edge, or touching a loop edge (source = target,
    -- where pgr_withPoints and the measured minimum may part), is drawn by route() itself.
    SELECT x.residence_id, x.unit_id, r.home, u.location,
           pg_catalog.dense_rank() OVER (ORDER BY x.residence_id) AS h_pid, hs.edge_id AS h_edge, hs.fraction AS h_fraction,
           ST_LineLocatePoint(he.geom, hs.source_point) AS h_cut,
           pg_catalog.dense_rank() OVER (ORDER BY x.unit_id) AS u_rank, us.edge_id AS u_edge, us.fraction AS u_fraction,
           ST_LineLocatePoint(ue.geom, us.source_point) AS u_cut,
           (hs.edge_id OPERATOR(pg_catalog.=) us.edge_id OR he.source OPERATOR(pg_catalog.=) he.target
            OR ue.source OPERATOR(pg_catalog.=) ue.target) AS direct
      FROM (SELECT DISTINCT p.residence_id, p.unit_id
              FROM ROWS FROM (pg_catalog.unnest(_routes.residence_ids), pg_catalog.unnest(_routes.unit_ids)) p(residence_id, unit_id)
             WHERE p.residence_id IS NOT NULL AND p.unit_id IS NOT NULL) x
      JOIN skolval.residence r ON r.residence_id = x.residence_id AND r.home IS NOT NULL
      JOIN skolval.unit u ON u.unit_id = x.unit_id
      JOIN skolval.snap hs ON hs.network_id = _routes.network_id AND hs.point_kind = 'home' AND hs.ref_id = x.residence_id
      JOIN skolval.snap us ON us.network_id = _routes.network_id AND us.point_kind = 'unit' AND us.ref_id = x.unit_id
      JOIN skolval.edge he ON he.network_id = _routes.network_id AND he.edge_id = hs.edge_id
      JOIN skolval.edge ue ON ue.network_id = _routes.network_id AND ue.edge_id = us.edge_id
     WHERE hs.edge_id IS NOT NULL AND us.edge_id IS NOT NULL
       AND (hs.source_point IS NOT DISTINCT FROM r.home OR ST_Equals(hs.source_point, r.home))),
  pair AS MATERIALIZED (
    -- unit points numbered after the homes
    SELECT p.*, p.u_rank OPERATOR(pg_catalog.+) pg_catalog.max(p.h_pid) OVER () AS u_pid FROM pair0 p),
  apart AS (SELECT p.* FROM pair p WHERE NOT p.direct),
  -- per point number what the pieces need, as arrays (looked up by subscript: no join of the
  -- paths with the pairs, which the planner, blind to the row counts here, would nest)
  arr AS MATERIALIZED (
    SELECT pg_catalog.array_agg(h.residence_id ORDER BY h.h_pid) AS h_res, pg_catalog.array_agg(h.h_cut ORDER BY h.h_pid) AS h_frac,
           pg_catalog.array_agg(h.home ORDER BY h.h_pid) AS h_home,
           (SELECT pg_catalog.array_agg(u.unit_id ORDER BY u.u_pid) FROM (SELECT DISTINCT a.u_pid, a.unit_id FROM pair a) u) AS u_unit,
           (SELECT pg_catalog.array_agg(u.u_cut ORDER BY u.u_pid) FROM (SELECT DISTINCT a.u_pid, a.u_cut FROM pair a) u) AS u_frac,
           (SELECT pg_catalog.array_agg(u.location ORDER BY u.u_pid) FROM (SELECT DISTINCT ON (a.u_pid) a.u_pid, a.location FROM pair a ORDER BY a.u_pid) u) AS u_loc,
           (SELECT pg_catalog.min(a.u_pid) FROM pair a) AS u_base,
           (SELECT pg_catalog.min(a.h_pid) FROM pair a) AS h_base
      FROM (SELECT DISTINCT ON (a.h_pid) a.h_pid, a.residence_id, a.h_cut, a.home FROM pair a ORDER BY a.h_pid) h),
  lists AS (
    SELECT (SELECT pg_catalog.string_agg(pg_catalog.format('(%s,%s,%s)', v.pid, v.edge_id, v.fraction), ',')
              FROM (SELECT DISTINCT a.h_pid AS pid, a.h_edge AS edge_id, a.h_fraction AS fraction FROM apart a
                    UNION
                    SELECT DISTINCT a.u_pid, a.u_edge, a.u_fraction FROM apart a) v) AS points_sql,
           (SELECT pg_catalog.string_agg(pg_catalog.format('(%s,%s)', OPERATOR(pg_catalog.-) a.h_pid, OPERATOR(pg_catalog.-) a.u_pid), ',')
              FROM apart a) AS pairs_sql),
  path AS MATERIALIZED (
    SELECT pg_catalog.abs(q.start_pid) AS h_pid, pg_catalog.abs(q.end_pid) AS u_pid, q.seq, q.node, q.edge,
           pg_catalog.lead(q.node) OVER (PARTITION BY q.start_pid, q.end_pid ORDER BY q.seq) AS next_node
      FROM lists l
     CROSS JOIN LATERAL pgr_withPoints(skolval.network_edges_sql(_routes.network_id),
                          'SELECT v.pid::pg_catalog.int8 AS pid, v.edge_id::pg_catalog.int8 AS edge_id, '
                          'v.fraction::pg_catalog.float8 AS fraction FROM (VALUES ' OPERATOR(pg_catalog.||) l.points_sql
                          OPERATOR(pg_catalog.||) ') v(pid, edge_id, fraction)',
                          'SELECT v.source::pg_catalog.int8 AS source, v.target::pg_catalog.int8 AS target FROM (VALUES '
                          OPERATOR(pg_catalog.||) l.pairs_sql OPERATOR(pg_catalog.||) ') v(source, target)',
                          directed => false) q
     WHERE l.points_sql IS NOT NULL),
  pieces AS (
    SELECT w.h_pid, w.u_pid,
           pg_catalog.array_agg(CASE WHEN pos.a OPERATOR(pg_catalog.<=) pos.b THEN ST_LineSubstring(x.geom, pos.a, pos.b)
                                     ELSE ST_Reverse(ST_LineSubstring(x.geom, pos.b, pos.a)) END ORDER BY w.seq) AS pieces
      FROM path w
     CROSS JOIN arr
      JOIN skolval.edge x ON x.network_id = _routes.network_id AND x.edge_id = w.edge
     CROSS JOIN LATERAL (SELECT
          CASE WHEN w.node OPERATOR(pg_catalog.=) OPERATOR(pg_catalog.-) w.h_pid THEN arr.h_frac[w.h_pid OPERATOR(pg_catalog.-) arr.h_base OPERATOR(pg_catalog.+) 1]
               WHEN w.node OPERATOR(pg_catalog.=) OPERATOR(pg_catalog.-) w.u_pid THEN arr.u_frac[w.u_pid OPERATOR(pg_catalog.-) arr.u_base OPERATOR(pg_catalog.+) 1]
               WHEN w.node OPERATOR(pg_catalog.=) x.source THEN 0::pg_catalog.float8 ELSE 1::pg_catalog.float8 END AS a,
          CASE WHEN w.next_node OPERATOR(pg_catalog.=) OPERATOR(pg_catalog.-) w.h_pid THEN arr.h_frac[w.h_pid OPERATOR(pg_catalog.-) arr.h_base OPERATOR(pg_catalog.+) 1]
               WHEN w.next_node OPERATOR(pg_catalog.=) OPERATOR(pg_catalog.-) w.u_pid THEN arr.u_frac[w.u_pid OPERATOR(pg_catalog.-) arr.u_base OPERATOR(pg_catalog.+) 1]
               WHEN w.next_node OPERATOR(pg_catalog.=) x.source THEN 0::pg_catalog.float8 ELSE 1::pg_catalog.float8 END AS b) pos
     WHERE w.edge OPERATOR(pg_catalog.>) 0
     GROUP BY w.h_pid, w.u_pid)
  SELECT arr.h_res[s.h_pid OPERATOR(pg_catalog.-) arr.h_base OPERATOR(pg_catalog.+) 1],
         arr.u_unit[s.u_pid OPERATOR(pg_catalog.-) arr.u_base OPERATOR(pg_catalog.+) 1],
         ST_MakeLine(ARRAY[arr.h_home[s.h_pid OPERATOR(pg_catalog.-) arr.h_base OPERATOR(pg_catalog.+) 1]] OPERATOR(pg_catalog.||) s.pieces
                     OPERATOR(pg_catalog.||) ARRAY[arr.u_loc[s.u_pid OPERATOR(pg_catalog.-) arr.u_base OPERATOR(pg_catalog.+) 1]])
    FROM pieces s CROSS JOIN arr
  UNION ALL
  -- a home and its unit on one edge, or on a loop edge: route() draws it
  SELECT p.residence_id, p.unit_id, skolval._route_or_null(p.residence_id, p.unit_id, _routes.network_id)
    FROM pair p WHERE p.direct
$$;
COMMENT ON FUNCTION skolval._routes(bigint, bigint[], bigint[]) IS
  'The walked routes of many (home, unit) pairs on a network in one pgRouting call, each equal to skolval.route(); pairs route() refuses are left out. Used when a run''s documents are recorded';

-- Record a decided run: its settings, children, units (and the routes of a placement run's
-- map; payment: the category order). Once per run: a run already recorded is left as it was.
CREATE OR REPLACE FUNCTION skolval._record_documents(kind text, run_id bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  nid bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM skolval.document_record d WHERE d.kind = _record_documents.kind AND d.run_id = _record_documents.run_id) THEN
    RETURN false;
  END IF;
  -- only a decided run has a record: a draft's documents follow the register
  IF NOT (kind = 'placement' AND EXISTS (SELECT 1 FROM skolval.placement_run x WHERE x.run_id = _record_documents.run_id AND x.status = 'published')
          OR kind = 'payment' AND EXISTS (SELECT 1 FROM skolval.payment_run x WHERE x.run_id = _record_documents.run_id
                                                                              AND x.status IN ('approved', 'locked'))) THEN
    RAISE EXCEPTION '% run % is not published, approved or locked', kind, run_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Only a decided run''s documents are recorded.';
  END IF;
  INSERT INTO skolval.document_record (kind, run_id, municipality_name, board_name, board_address, contact,
                                       round_name, school_form, start_date, network_id)
  SELECT _record_documents.kind, _record_documents.run_id, h.* FROM skolval._document_header_live(_record_documents.kind, _record_documents.run_id) h;
  SELECT d.network_id INTO nid FROM skolval.document_record d WHERE d.kind = _record_documents.kind AND d.run_id = _record_documents.run_id;
  INSERT INTO skolval.document_record_unit (kind, run_id, unit_id, unit_code, name, organizer, organizer_name, address, location)
  SELECT _record_documents.kind, _record_documents.run_id, u.* FROM skolval._document_units_live(_record_documents.kind, _record_documents.run_id) u;
  -- the route the map draws from the home (none for a child with protected identity); a
  -- route that cannot be drawn now (off the network, not snapped) is recorded as none. All
  -- routes in one pgRouting call (skolval._routes()), not one per child.
  INSERT INTO skolval.document_record_child (kind, run_id, child_id, protected_identity, personal_number, given_name,
                                             family_name, birth_date, residence_id, address, postal_code, postal_town,
                                             home, route)
  WITH c AS MATERIALIZED (
    SELECT l.*, p.unit_id AS placed_at
      FROM skolval._document_children_live(_record_documents.kind, _record_documents.run_id) l
      LEFT JOIN skolval.placement p ON _record_documents.kind = 'placement' AND p.run_id = _record_documents.run_id
                                   AND p.child_id = l.child_id),
  drawn AS (
    SELECT c.residence_id, c.placed_at FROM c
     WHERE c.placed_at IS NOT NULL AND c.residence_id IS NOT NULL AND NOT c.protected AND nid IS NOT NULL),
  routes AS MATERIALIZED (
    SELECT r.* FROM skolval._routes(nid, ARRAY(SELECT d.residence_id FROM drawn d), ARRAY(SELECT d.placed_at FROM drawn d)) r
     WHERE nid IS NOT NULL AND EXISTS (SELECT 1 FROM drawn))
  SELECT _record_documents.kind, _record_documents.run_id, c.child_id, c.protected, c.personal_number, c.given_name,
         c.family_name, c.birth_date, c.residence_id, c.address, c.postal_code, c.postal_town, c.home,
         CASE WHEN c.placed_at IS NOT NULL AND NOT c.protected THEN rt.route END
    FROM c LEFT JOIN routes rt ON rt.residence_id = c.residence_id AND rt.unit_id = c.placed_at;
  IF kind = 'payment' THEN
    INSERT INTO skolval.document_record_category (kind, run_id, category_code, sort_order)
    SELECT 'payment', _record_documents.run_id, pc.category_code, pc.sort_order FROM skolval.payment_category pc;
    -- the payees as they are now, when the run is approved (or locked at once)
    INSERT INTO skolval.document_record_payee (kind, run_id, organizer_id, name, organizer_kind, organization_number,
                                               bankgiro, iban, payment_reference)
    SELECT 'payment', _record_documents.run_id, o.organizer_id, o.name, o.kind, o.organization_number, o.bankgiro,
           o.iban, o.payment_reference
      FROM skolval.organizer o
     WHERE o.organizer_id IN (SELECT p.organizer_id FROM skolval._payment_row_payees(_record_documents.run_id) p);
  END IF;
  RETURN true;
END $$;
COMMENT ON FUNCTION skolval._record_documents(text, bigint) IS
  'Record what the documents of a decided run show (skolval.document_record and its tables), once: called by the triggers on placement_run and payment_run when a run is published, approved or locked';

CREATE OR REPLACE FUNCTION skolval._record_decided_run() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM skolval._record_documents(TG_ARGV[0], NEW.run_id);
  RETURN NULL;
END $$;
COMMENT ON FUNCTION skolval._record_decided_run() IS
  'Trigger: record the documents of a run that has just been published (placement) or approved or locked (payment)';

-- Whatever publishes or locks a run, by a function or by a statement, fires these: a run that
-- becomes published (or approved or locked) by an UPDATE, or is inserted so.
CREATE OR REPLACE TRIGGER placement_run_record_documents
  AFTER UPDATE ON skolval.placement_run
  FOR EACH ROW WHEN (NEW.status = 'published' AND OLD.status IS DISTINCT FROM 'published')
  EXECUTE FUNCTION skolval._record_decided_run('placement');
CREATE OR REPLACE TRIGGER placement_run_record_documents_insert
  AFTER INSERT ON skolval.placement_run
  FOR EACH ROW WHEN (NEW.status = 'published')
  EXECUTE FUNCTION skolval._record_decided_run('placement');
CREATE OR REPLACE TRIGGER payment_run_record_documents
  AFTER UPDATE ON skolval.payment_run
  FOR EACH ROW WHEN (NEW.status IN ('approved', 'locked') AND OLD.status IS DISTINCT FROM NEW.status
                     AND OLD.status NOT IN ('approved', 'locked'))
  EXECUTE FUNCTION skolval._record_decided_run('payment');
CREATE OR REPLACE TRIGGER payment_run_record_documents_insert
  AFTER INSERT ON skolval.payment_run
  FOR EACH ROW WHEN (NEW.status IN ('approved', 'locked'))
  EXECUTE FUNCTION skolval._record_decided_run('payment');
ALTER TABLE skolval.placement_run ENABLE ALWAYS TRIGGER placement_run_record_documents;
ALTER TABLE skolval.placement_run ENABLE ALWAYS TRIGGER placement_run_record_documents_insert;
ALTER TABLE skolval.payment_run ENABLE ALWAYS TRIGGER payment_run_record_documents;
ALTER TABLE skolval.payment_run ENABLE ALWAYS TRIGGER payment_run_record_documents_insert;

-- A record never changes: no UPDATE or DELETE, in any replication role. TRUNCATE (which skips
-- row triggers) is revoked from everyone but the owner, as on the run tables themselves
-- (sql/operations/roles.sql); skolval.demo_municipality(replace => true) empties them all.
CREATE OR REPLACE FUNCTION skolval._document_record_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the documents of a decided run are a record: % on % is not allowed', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'object_not_in_prerequisite_state',
          DETAIL = 'skolval.document_record and its tables hold what the letters, the map, the statements and the payment file of a published, approved or locked run show.';
END $$;
DO $guards$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['document_record', 'document_record_child', 'document_record_unit', 'document_record_category',
                           'document_record_payee'] LOOP
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER %I BEFORE UPDATE OR DELETE ON skolval.%I FOR EACH ROW EXECUTE FUNCTION skolval._document_record_guard()', t || '_guard', t);
    EXECUTE pg_catalog.format('ALTER TABLE skolval.%I ENABLE ALWAYS TRIGGER %I', t, t || '_guard');
  END LOOP;
END
$guards$;

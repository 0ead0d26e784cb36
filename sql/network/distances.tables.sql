-- skolval: walking distances — snapping homes and units to the network, many-to-many walking
-- distances through pgRouting, nearest units, relative proximity and route geometry.
--
-- How a distance is measured (doc/distances.md): the home and the unit are each snapped to the
-- nearest point on a walkable edge (not to a vertex); the walk is the perpendicular from the home
-- to that point, the shortest path along the network, and the perpendicular to the unit.

CREATE TABLE skolval.snap (
  network_id     bigint NOT NULL REFERENCES skolval.network ON DELETE CASCADE,
  point_kind     text NOT NULL CONSTRAINT snap_point_kind_known CHECK (point_kind IN ('home', 'unit')),
  ref_id         bigint NOT NULL,
  source_point   geometry(Point) NOT NULL,
  edge_id        bigint,
  fraction       double precision,
  snap_m         double precision,
  snapped_point  geometry(Point),
  snapped_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (network_id, point_kind, ref_id),
  CONSTRAINT snap_edge_and_fraction_together CHECK ((edge_id IS NULL) = (fraction IS NULL)),
  CONSTRAINT snap_fraction_inside_edge CHECK (fraction > 0 AND fraction < 1)
);
COMMENT ON TABLE skolval.snap IS
  'Where each home (residence) and unit meets the walkable network: the nearest point on the nearest edge, per network version';
COMMENT ON COLUMN skolval.snap.network_id IS 'Network version snapped to';
COMMENT ON COLUMN skolval.snap.point_kind IS 'home (ref_id is a residence_id) or unit (ref_id is a unit_id)';
COMMENT ON COLUMN skolval.snap.ref_id IS 'residence_id or unit_id';
COMMENT ON COLUMN skolval.snap.source_point IS 'The home or unit point as it was when snapped; when the register''s point differs, the snap is redone';
COMMENT ON COLUMN skolval.snap.edge_id IS 'Nearest walkable edge; NULL when none lies within settings.snap_limit_m (a data issue)';
COMMENT ON COLUMN skolval.snap.fraction IS 'Position on the edge from its source (0) to its target (1) as a share of the edge''s ground length (what pgRouting multiplies the cost by), kept strictly inside (0, 1) because pgRouting 3.4 drops points at exactly 0 or 1';
COMMENT ON COLUMN skolval.snap.snap_m IS 'Straight distance in metres on the ground (geodesic) from the point to the snapped point on the edge; added to every walk from or to it';
COMMENT ON COLUMN skolval.snap.snapped_point IS 'The point on the edge';
COMMENT ON COLUMN skolval.snap.snapped_at IS 'When the snap was made';

-- Written only by compute_distances(), so its keys are right by construction; deletes of the
-- network, residence or unit clean it up through statement triggers below. (Foreign keys here
-- cost a per-row check that made storing 60,000 pairs take twice as long.)
CREATE TABLE skolval.distance (
  network_id    bigint NOT NULL,
  residence_id  bigint NOT NULL,
  unit_id       bigint NOT NULL,
  child_id      bigint NOT NULL,
  status        text NOT NULL CONSTRAINT distance_status_known
                CHECK (status IN ('ok', 'unreachable', 'home_off_network', 'unit_off_network', 'no_home_point')),
  walking_m     double precision,
  straight_m    double precision,
  computed_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (network_id, residence_id, unit_id),
  CONSTRAINT distance_walking_only_when_ok CHECK ((status = 'ok') = (walking_m IS NOT NULL)),
  CONSTRAINT distance_walking_not_shorter_than_straight CHECK (walking_m >= straight_m - 0.5)
);
COMMENT ON TABLE skolval.distance IS
  'Walking distance from a home (a residence period''s point) to a unit on a network version, or the explicit reason there is none';
COMMENT ON COLUMN skolval.distance.network_id IS 'Network version the distance was computed on';
COMMENT ON COLUMN skolval.distance.residence_id IS 'The home: the residence period whose point the walk starts from';
COMMENT ON COLUMN skolval.distance.unit_id IS 'The unit walked to';
COMMENT ON COLUMN skolval.distance.child_id IS 'The child living there (from the residence)';
COMMENT ON COLUMN skolval.distance.status IS
  'ok; unreachable (no path on the network); home_off_network / unit_off_network (farther than the snap limit from every edge); no_home_point (the address has no point)';
COMMENT ON COLUMN skolval.distance.walking_m IS 'Walking metres on the ground along the network including both snap segments; NULL unless status is ok';
COMMENT ON COLUMN skolval.distance.straight_m IS 'Straight-line metres on the ground between home and unit (grid length divided by the mean scale factor of the two points), for comparison only; never used as a fallback';
COMMENT ON COLUMN skolval.distance.computed_at IS 'When the value was last set: a recomputation that finds the same status and metres leaves the row (and this time) as it was';

CREATE TABLE skolval.round_home (
  round_id      bigint NOT NULL REFERENCES skolval.placement_round ON DELETE CASCADE,
  child_id      bigint NOT NULL REFERENCES skolval.child ON DELETE CASCADE,
  residence_id  bigint REFERENCES skolval.residence ON DELETE SET NULL,
  network_id    bigint REFERENCES skolval.network ON DELETE SET NULL,
  PRIMARY KEY (round_id, child_id)
);
COMMENT ON TABLE skolval.round_home IS
  'The home each child of a round is measured from (the residence on the round''s cohort date) and the network used';
COMMENT ON COLUMN skolval.round_home.round_id IS 'The round';
COMMENT ON COLUMN skolval.round_home.child_id IS 'The child';
COMMENT ON COLUMN skolval.round_home.residence_id IS 'Residence period used; NULL when the child had no registered residence on that day (a data issue)';
COMMENT ON COLUMN skolval.round_home.network_id IS 'Network version the distances were computed on';

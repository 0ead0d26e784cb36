CREATE TABLE skolval.demo_feature (
  network_id  bigint NOT NULL REFERENCES skolval.network ON DELETE CASCADE,
  feature     text NOT NULL
              CONSTRAINT demo_feature_known
              CHECK (feature IN ('river', 'railway', 'north_of_river', 'east_of_railway')),
  geom        geometry NOT NULL,
  PRIMARY KEY (network_id, feature)
);
COMMENT ON TABLE skolval.demo_feature IS
  'Barriers of a generated example network: the river and the railway, and the areas north of the river and east of the railway (used for districts and to show where straight-line distance misleads)';
COMMENT ON COLUMN skolval.demo_feature.network_id IS 'The generated network';
COMMENT ON COLUMN skolval.demo_feature.feature IS 'river, railway (lines) or north_of_river, east_of_railway (polygons)';
COMMENT ON COLUMN skolval.demo_feature.geom IS 'The line or area in the network''s SRID';

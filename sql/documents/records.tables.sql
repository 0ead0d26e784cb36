-- skolval: the records of decided documents. What the letters and the map of a published
-- placement run, and the statements and the payment file of an approved or locked payment run,
-- show of the register — children's names and personal numbers, guardians' addresses, homes
-- and routes, unit names and addresses, organizers, the municipality and the board — is stored
-- when the run is published, approved or locked (sql/documents/records.sql), and the documents
-- of such a run are made from it, so that they say what was decided whatever the register
-- says later. Nothing about a child with protected identity is stored but the fact.

CREATE TABLE skolval.document_record (
  kind               text NOT NULL CONSTRAINT document_record_kind_known CHECK (kind IN ('placement', 'payment')),
  run_id             bigint NOT NULL,
  recorded_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
  municipality_name  text,
  board_name         text,
  board_address      text,
  contact            text,
  round_name         text,
  school_form        text,
  start_date         date,
  network_id         bigint,
  PRIMARY KEY (kind, run_id)
);
COMMENT ON TABLE skolval.document_record IS
  'One row per decided run (a published placement run, an approved or locked payment run): the settings its documents were made with when it was decided. Written only by the trigger that records a run, never changed';
COMMENT ON COLUMN skolval.document_record.kind IS 'placement (skolval.placement_run) or payment (skolval.payment_run)';
COMMENT ON COLUMN skolval.document_record.run_id IS 'The run';
COMMENT ON COLUMN skolval.document_record.recorded_at IS 'When the run was published, approved or locked and recorded';
COMMENT ON COLUMN skolval.document_record.municipality_name IS 'The municipality''s name then (skolval.settings)';
COMMENT ON COLUMN skolval.document_record.board_name IS 'The board then (skolval.document_setup())';
COMMENT ON COLUMN skolval.document_record.board_address IS 'The board''s address then';
COMMENT ON COLUMN skolval.document_record.contact IS 'The contact line then';
COMMENT ON COLUMN skolval.document_record.round_name IS 'Placement: the round''s name then';
COMMENT ON COLUMN skolval.document_record.school_form IS 'Placement: the round''s school form';
COMMENT ON COLUMN skolval.document_record.start_date IS 'Placement: the first school day then';
COMMENT ON COLUMN skolval.document_record.network_id IS 'Placement: the network the map and the routes were drawn on';

CREATE TABLE skolval.document_record_child (
  kind               text NOT NULL,
  run_id             bigint NOT NULL,
  child_id           bigint NOT NULL,
  protected_identity boolean NOT NULL,
  personal_number    text,
  given_name         text,
  family_name        text,
  birth_date         date,
  residence_id       bigint,
  address            text,
  postal_code        text,
  postal_town        text,
  home               geometry(Point),
  route              geometry,
  PRIMARY KEY (kind, run_id, child_id),
  FOREIGN KEY (kind, run_id) REFERENCES skolval.document_record
);
COMMENT ON TABLE skolval.document_record_child IS
  'Per decided run and child: who the child was and where it lived (for a placement run: the home the round measured from, and the walking route drawn on the map) when the run was decided. For a child with protected identity only the fact: every other column NULL';
COMMENT ON COLUMN skolval.document_record_child.kind IS 'placement or payment';
COMMENT ON COLUMN skolval.document_record_child.run_id IS 'The run';
COMMENT ON COLUMN skolval.document_record_child.child_id IS 'The child (no foreign key: the record outlives the register row)';
COMMENT ON COLUMN skolval.document_record_child.protected_identity IS 'The child had protected identity';
COMMENT ON COLUMN skolval.document_record_child.personal_number IS 'Personal identity number then';
COMMENT ON COLUMN skolval.document_record_child.given_name IS 'Given name then';
COMMENT ON COLUMN skolval.document_record_child.family_name IS 'Family name then';
COMMENT ON COLUMN skolval.document_record_child.birth_date IS 'Birth date';
COMMENT ON COLUMN skolval.document_record_child.residence_id IS 'Placement: the residence the round measured from';
COMMENT ON COLUMN skolval.document_record_child.address IS 'Placement: the registered address then (the letter''s address block)';
COMMENT ON COLUMN skolval.document_record_child.postal_code IS 'Placement: postal code then';
COMMENT ON COLUMN skolval.document_record_child.postal_town IS 'Placement: postal town then';
COMMENT ON COLUMN skolval.document_record_child.home IS 'Placement: the home point then (the map)';
COMMENT ON COLUMN skolval.document_record_child.route IS 'Placement: the walking route from the home to the unit placed at, as skolval.route() drew it then (NULL: none could be drawn)';

CREATE TABLE skolval.document_record_unit (
  kind               text NOT NULL,
  run_id             bigint NOT NULL,
  unit_id            bigint NOT NULL,
  unit_code          text,
  name               text,
  organizer          skolval.organizer_type,
  organizer_name     text,
  address            text,
  location           geometry(Point),
  PRIMARY KEY (kind, run_id, unit_id),
  FOREIGN KEY (kind, run_id) REFERENCES skolval.document_record
);
COMMENT ON TABLE skolval.document_record_unit IS
  'Per decided run and unit: the unit as its documents showed it when the run was decided';
COMMENT ON COLUMN skolval.document_record_unit.kind IS 'placement or payment';
COMMENT ON COLUMN skolval.document_record_unit.run_id IS 'The run';
COMMENT ON COLUMN skolval.document_record_unit.unit_id IS 'The unit (no foreign key)';
COMMENT ON COLUMN skolval.document_record_unit.unit_code IS 'Unit code then';
COMMENT ON COLUMN skolval.document_record_unit.name IS 'Name then';
COMMENT ON COLUMN skolval.document_record_unit.organizer IS 'municipal or independent';
COMMENT ON COLUMN skolval.document_record_unit.organizer_name IS 'The organizer (huvudman) then';
COMMENT ON COLUMN skolval.document_record_unit.address IS 'Address then';
COMMENT ON COLUMN skolval.document_record_unit.location IS 'Location then (the map)';

CREATE TABLE skolval.document_record_category (
  kind               text NOT NULL CONSTRAINT document_record_category_payment CHECK (kind = 'payment'),
  run_id             bigint NOT NULL,
  category_code      text NOT NULL,
  sort_order         integer,
  PRIMARY KEY (kind, run_id, category_code),
  FOREIGN KEY (kind, run_id) REFERENCES skolval.document_record
);
COMMENT ON TABLE skolval.document_record_category IS
  'Per decided payment run: the order of the payment categories on its statements then';
COMMENT ON COLUMN skolval.document_record_category.kind IS 'Always payment';
COMMENT ON COLUMN skolval.document_record_category.run_id IS 'The payment run';
COMMENT ON COLUMN skolval.document_record_category.category_code IS 'The category';
COMMENT ON COLUMN skolval.document_record_category.sort_order IS 'Its sort order then';

-- Per decided payment run: the payees as they were when the run was approved (task "pay",
-- issue 14): the payee file, the SIE file, the statements and the payment file of an approved
-- or locked run show these, whatever the organizer table says later.
CREATE TABLE skolval.document_record_payee (
  kind                 text NOT NULL CONSTRAINT document_record_payee_payment CHECK (kind = 'payment'),
  run_id               bigint NOT NULL,
  organizer_id         bigint NOT NULL,
  name                 text,
  organizer_kind       text,
  organization_number  text,
  bankgiro             text,
  iban                 text,
  payment_reference    text,
  PRIMARY KEY (kind, run_id, organizer_id),
  FOREIGN KEY (kind, run_id) REFERENCES skolval.document_record
);
COMMENT ON TABLE skolval.document_record_payee IS
  'Per decided payment run and organizer paid in it: the payee as it was when the run was approved (name, organisation number, bankgiro, IBAN, payment reference)';
COMMENT ON COLUMN skolval.document_record_payee.kind IS 'Always payment';
COMMENT ON COLUMN skolval.document_record_payee.run_id IS 'The payment run';
COMMENT ON COLUMN skolval.document_record_payee.organizer_id IS 'The organizer (no foreign key)';
COMMENT ON COLUMN skolval.document_record_payee.name IS 'Its name then';
COMMENT ON COLUMN skolval.document_record_payee.organizer_kind IS 'municipal or independent then';
COMMENT ON COLUMN skolval.document_record_payee.organization_number IS 'Organisation number then';
COMMENT ON COLUMN skolval.document_record_payee.bankgiro IS 'Bankgiro then';
COMMENT ON COLUMN skolval.document_record_payee.iban IS 'IBAN then';
COMMENT ON COLUMN skolval.document_record_payee.payment_reference IS 'The payment reference it wanted then';

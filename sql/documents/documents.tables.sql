-- skolval: documents people read — decision letters (PDF), the map of a round (SVG), payment
-- statements per unit and month (PDF) and the payment file (XLSX). The words are composed here,
-- in SQL, where they can be read and tested; the C room src/documents lays them out with
-- libharu and libxlsxwriter.

-- ---------------------------------------------------------------------------------------
-- Settings
-- ---------------------------------------------------------------------------------------

CREATE TABLE skolval.document_settings (
  singleton        boolean PRIMARY KEY DEFAULT true
                   CONSTRAINT document_settings_single_row CHECK (singleton),
  board_name       text CONSTRAINT document_settings_board_not_blank CHECK (btrim(board_name) <> ''),
  board_address    text,
  contact          text,
  font_path        text CONSTRAINT document_settings_font_absolute CHECK (font_path LIKE '/%'),
  bold_font_path   text CONSTRAINT document_settings_bold_font_absolute CHECK (bold_font_path LIKE '/%'),
  updated_at       timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE skolval.document_settings IS
  'Settings of the documents: at most one row, NULL columns take the defaults of skolval.document_setup(). The server reads the font files: only administrators should be able to change this table';
COMMENT ON COLUMN skolval.document_settings.singleton IS 'Always true: keeps the table to one row';
COMMENT ON COLUMN skolval.document_settings.board_name IS 'The board (nämnd) that decides placements and to which an appeal is sent (default "Barn- och skolnämnden")';
COMMENT ON COLUMN skolval.document_settings.board_address IS 'The board''s postal address, printed in letters for appeals, for example "Box 41, 221 00 Lund"';
COMMENT ON COLUMN skolval.document_settings.contact IS 'Who guardians and units may contact with questions, printed in letters and statements';
COMMENT ON COLUMN skolval.document_settings.font_path IS 'Absolute path of the regular TrueType font embedded in PDFs (default DejaVu Sans from the Debian package fonts-dejavu-core)';
COMMENT ON COLUMN skolval.document_settings.bold_font_path IS 'Absolute path of a bold TrueType font, for example /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf. NULL (the default): bold is drawn from the regular font (outlines stroked), which makes each PDF about 10 ms faster and 90 kB smaller';
COMMENT ON COLUMN skolval.document_settings.updated_at IS 'When the settings last changed';

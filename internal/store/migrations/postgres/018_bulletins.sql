-- Identification bulletins (klipp bulletin): which entries of a case were
-- published, where the PDF went and its hash, so that case show lists them.
CREATE TABLE bulletins (
    case_number TEXT   NOT NULL,
    file        TEXT   NOT NULL,
    sha256      TEXT   NOT NULL,
    entries     TEXT   NOT NULL,
    made_by     TEXT   NOT NULL,
    created_ns  BIGINT NOT NULL,
    PRIMARY KEY (case_number, file, sha256)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON bulletins TO klipp_analyst, klipp_archivist, klipp_admin;
GRANT SELECT ON bulletins TO klipp_investigator;
ALTER TABLE bulletins ENABLE ROW LEVEL SECURITY;
CREATE POLICY staff ON bulletins TO klipp_analyst, klipp_archivist, klipp_admin USING (true) WITH CHECK (true);
CREATE POLICY own ON bulletins FOR SELECT TO klipp_investigator
    USING (case_number IN (SELECT r.case_number FROM requests r WHERE r.filed_by = current_user AND r.case_number <> ''));

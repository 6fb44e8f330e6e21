-- Source segments whose bit-exact copies are in a verified archived bundle
-- (issue 5): footage that survives the source's deletion.
CREATE TABLE preserved_sources (
    path        TEXT NOT NULL,   -- the source segment
    sha256      TEXT NOT NULL,
    case_number TEXT NOT NULL,
    export_id   TEXT NOT NULL,
    archived_ns INTEGER NOT NULL,
    PRIMARY KEY (path, case_number, export_id)
);

-- Every finished export bundle and where it was written (klipp export -o
-- may put it anywhere), so that archive push CASE and the UI find it.
CREATE TABLE exports (
    case_number     TEXT NOT NULL,
    export_id       TEXT NOT NULL,
    dir             TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    files           INTEGER NOT NULL,
    created_ns      INTEGER NOT NULL,
    PRIMARY KEY (case_number, export_id)
);

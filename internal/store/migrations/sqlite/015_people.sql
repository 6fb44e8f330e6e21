-- People, their roles and investigators' requests (issue 12); a version and
-- the last editor on cases and entries, so an edit based on an old version
-- is refused instead of overwriting.
ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cases ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE entries ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';

CREATE TABLE users (
    login      TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('analyst', 'investigator', 'archivist', 'admin')),
    name       TEXT NOT NULL DEFAULT '',
    created_ns INTEGER NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL,
    crime       TEXT    NOT NULL DEFAULT '',
    place       TEXT    NOT NULL DEFAULT '',
    lat         REAL,
    lon         REAL,
    from_ns     INTEGER NOT NULL,
    to_ns       INTEGER NOT NULL,
    suspect     TEXT    NOT NULL DEFAULT '',
    need        TEXT    NOT NULL DEFAULT '',
    filed_by    TEXT    NOT NULL,
    filed_ns    INTEGER NOT NULL,
    case_number TEXT    NOT NULL DEFAULT '',
    accepted_by TEXT    NOT NULL DEFAULT '',
    accepted_ns INTEGER
);
CREATE INDEX requests_by_filer ON requests (filed_by, id);

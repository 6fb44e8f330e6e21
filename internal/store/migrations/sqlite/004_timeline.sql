-- Timeline entries: what an analyst saw, where and when (issue 4).
CREATE TABLE entries (
    id          INTEGER PRIMARY KEY,
    case_number TEXT    NOT NULL REFERENCES cases (number),
    at_ns       INTEGER NOT NULL,               -- true time of the observation
    camera      TEXT    NOT NULL,
    from_ns     INTEGER NOT NULL,               -- clip range, true time
    to_ns       INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    tags        TEXT    NOT NULL DEFAULT '',    -- comma-separated
    stills      TEXT    NOT NULL DEFAULT '',    -- comma-separated ns, true time
    author      TEXT    NOT NULL DEFAULT '',
    created_ns  INTEGER NOT NULL,
    updated_ns  INTEGER NOT NULL
);
CREATE INDEX entries_by_case ON entries (case_number, at_ns);

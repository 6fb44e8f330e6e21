-- Cases and the request that opened them (issue 4).
CREATE TABLE cases (
    number        TEXT PRIMARY KEY,          -- e.g. 5000-K123456-26
    title         TEXT NOT NULL,
    crime         TEXT NOT NULL DEFAULT '',
    place         TEXT NOT NULL DEFAULT '',  -- address
    lat           REAL,
    lon           REAL,
    from_ns       INTEGER NOT NULL,          -- incident window, true time
    to_ns         INTEGER NOT NULL,
    requested_by  TEXT NOT NULL DEFAULT '',
    request       TEXT NOT NULL DEFAULT '',  -- what is asked for
    suspect       TEXT NOT NULL DEFAULT '',  -- description
    status        TEXT NOT NULL DEFAULT 'requested',
    deadline_ns   INTEGER,
    created_ns    INTEGER NOT NULL,
    created_by    TEXT NOT NULL DEFAULT '',
    updated_ns    INTEGER NOT NULL
);
CREATE INDEX cases_by_status ON cases (status, created_ns);

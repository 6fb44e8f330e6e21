-- The shared store's schema: the SQLite schema as of its migration 011, in
-- PostgreSQL's types. Later migrations carry the same number in both
-- dialects. Times are nanoseconds since the Unix epoch (BIGINT), as in
-- SQLite, so both dialects share every query.
CREATE TABLE segments (
    id               BIGSERIAL PRIMARY KEY,
    camera           TEXT    NOT NULL,
    path             TEXT    NOT NULL,
    size             BIGINT  NOT NULL,
    mtime_ns         BIGINT  NOT NULL,
    container        TEXT    NOT NULL DEFAULT '',
    codec            TEXT    NOT NULL DEFAULT '',
    width            INTEGER NOT NULL DEFAULT 0,
    height           INTEGER NOT NULL DEFAULT 0,
    fps              DOUBLE PRECISION NOT NULL DEFAULT 0,
    frames           BIGINT  NOT NULL DEFAULT 0,
    duration_ns      BIGINT  NOT NULL DEFAULT 0,
    creation_time_ns BIGINT,
    damaged          TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL,
    note             TEXT    NOT NULL DEFAULT '',
    camera_start_ns  BIGINT  NOT NULL DEFAULT 0,
    true_start_ns    BIGINT  NOT NULL DEFAULT 0,
    true_end_ns      BIGINT  NOT NULL DEFAULT 0,
    sha256           TEXT    NOT NULL DEFAULT '',
    jumps            TEXT    NOT NULL DEFAULT '',
    root             TEXT    NOT NULL DEFAULT '',
    hashed_ctime_ns  BIGINT  NOT NULL DEFAULT 0,
    hashed_inode     BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (camera, path)
);
CREATE INDEX segments_by_time ON segments (camera, true_start_ns, path);

CREATE TABLE camera_index (
    camera          TEXT PRIMARY KEY,
    max_duration_ns BIGINT NOT NULL,
    indexed_at_ns   BIGINT NOT NULL
);

CREATE TABLE cases (
    number          TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    crime           TEXT NOT NULL DEFAULT '',
    place           TEXT NOT NULL DEFAULT '',
    lat             DOUBLE PRECISION,
    lon             DOUBLE PRECISION,
    from_ns         BIGINT NOT NULL,
    to_ns           BIGINT NOT NULL,
    requested_by    TEXT NOT NULL DEFAULT '',
    request         TEXT NOT NULL DEFAULT '',
    suspect         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'requested',
    deadline_ns     BIGINT,
    created_ns      BIGINT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    updated_ns      BIGINT NOT NULL,
    received_ns     BIGINT,
    delivered_ns    BIGINT,
    retention_class TEXT NOT NULL DEFAULT 'default'
);
CREATE INDEX cases_by_status ON cases (status, created_ns);

CREATE TABLE entries (
    id          BIGSERIAL PRIMARY KEY,
    case_number TEXT   NOT NULL REFERENCES cases (number),
    at_ns       BIGINT NOT NULL,
    camera      TEXT   NOT NULL,
    from_ns     BIGINT NOT NULL,
    to_ns       BIGINT NOT NULL,
    text        TEXT   NOT NULL,
    tags        TEXT   NOT NULL DEFAULT '',
    stills      TEXT   NOT NULL DEFAULT '',
    author      TEXT   NOT NULL DEFAULT '',
    created_ns  BIGINT NOT NULL,
    updated_ns  BIGINT NOT NULL,
    mode        TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX entries_by_case ON entries (case_number, at_ns);

CREATE TABLE archive_jobs (
    case_number     TEXT    NOT NULL,
    export_id       TEXT    NOT NULL,
    dir             TEXT    NOT NULL,
    backend         TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    error           TEXT    NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    retain_until_ns BIGINT,
    hold            BOOLEAN NOT NULL DEFAULT false,
    local_deleted   BOOLEAN NOT NULL DEFAULT false,
    created_ns      BIGINT  NOT NULL,
    updated_ns      BIGINT  NOT NULL,
    PRIMARY KEY (case_number, export_id)
);

CREATE TABLE preserved_sources (
    path        TEXT   NOT NULL,
    sha256      TEXT   NOT NULL,
    case_number TEXT   NOT NULL,
    export_id   TEXT   NOT NULL,
    archived_ns BIGINT NOT NULL,
    PRIMARY KEY (path, case_number, export_id)
);

CREATE TABLE exports (
    case_number     TEXT    NOT NULL,
    export_id       TEXT    NOT NULL,
    dir             TEXT    NOT NULL,
    manifest_sha256 TEXT    NOT NULL,
    files           INTEGER NOT NULL,
    created_ns      BIGINT  NOT NULL,
    PRIMARY KEY (case_number, export_id)
);

CREATE TABLE audit (
    seq         BIGINT PRIMARY KEY,
    hash        TEXT   NOT NULL,
    case_number TEXT   NOT NULL DEFAULT '',
    line        TEXT   NOT NULL
);
CREATE INDEX audit_case ON audit (case_number, seq);

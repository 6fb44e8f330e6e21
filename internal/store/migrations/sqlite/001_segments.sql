-- Recording segments found by `klipp index`, one row per file.
CREATE TABLE segments (
    id               INTEGER PRIMARY KEY,
    camera           TEXT    NOT NULL,
    path             TEXT    NOT NULL,          -- absolute
    size             INTEGER NOT NULL,
    mtime_ns         INTEGER NOT NULL,
    container        TEXT    NOT NULL DEFAULT '',
    codec            TEXT    NOT NULL DEFAULT '',
    width            INTEGER NOT NULL DEFAULT 0,
    height           INTEGER NOT NULL DEFAULT 0,
    fps              REAL    NOT NULL DEFAULT 0,
    frames           INTEGER NOT NULL DEFAULT 0,
    duration_ns      INTEGER NOT NULL DEFAULT 0,
    creation_time_ns INTEGER,                   -- container metadata, camera clock
    damaged          TEXT    NOT NULL DEFAULT '', -- FFmpeg's reason
    status           TEXT    NOT NULL,          -- ok | damaged | ambiguous
    note             TEXT    NOT NULL DEFAULT '', -- why a start is ambiguous
    camera_start_ns  INTEGER NOT NULL DEFAULT 0, -- camera clock, UTC
    true_start_ns    INTEGER NOT NULL DEFAULT 0,
    true_end_ns      INTEGER NOT NULL DEFAULT 0,
    sha256           TEXT    NOT NULL DEFAULT '', -- set when first used as evidence
    UNIQUE (camera, path)
);
CREATE INDEX segments_by_time ON segments (camera, true_start_ns, path);

-- The longest segment per camera bounds range queries on the time index.
CREATE TABLE camera_index (
    camera          TEXT PRIMARY KEY,
    max_duration_ns INTEGER NOT NULL,
    indexed_at_ns   INTEGER NOT NULL
);

-- Activity scans (issue 14): per segment, what its keyframes showed, packed
-- by internal/activity (a grid of counts per sample), so that a question
-- about activity is answered without decoding again. A scan is made again
-- when its file (size, mtime) or the model's version changes; it goes with
-- its segment.
CREATE TABLE activity_scans (
    segment_id INTEGER PRIMARY KEY REFERENCES segments (id) ON DELETE CASCADE,
    camera     TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    size       INTEGER NOT NULL,
    mtime_ns   INTEGER NOT NULL,
    scanned_ns INTEGER NOT NULL,
    samples    INTEGER NOT NULL,
    note       TEXT    NOT NULL DEFAULT '', -- why the scan stopped early (damage)
    data       BLOB    NOT NULL
);
CREATE INDEX activity_scans_by_camera ON activity_scans (camera);

-- Per camera, the background model where its latest scan ended, so that
-- footage scanned a piece at a time is scanned as if in one go.
CREATE TABLE activity_state (
    camera     TEXT    PRIMARY KEY,
    version    INTEGER NOT NULL,
    end_ns     INTEGER  NOT NULL, -- true time of the scan's last sample
    data       BLOB    NOT NULL
);

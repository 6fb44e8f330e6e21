-- Activity scans (issue 14): per segment, what its keyframes showed, packed
-- by internal/activity (a grid of counts per sample), so that a question
-- about activity is answered without decoding again. A scan is made again
-- when its file (size, mtime) or the model's version changes; it goes with
-- its segment. Staff roles get the table through 015's default privileges.
CREATE TABLE activity_scans (
    segment_id BIGINT  PRIMARY KEY REFERENCES segments (id) ON DELETE CASCADE,
    camera     TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    size       BIGINT  NOT NULL,
    mtime_ns   BIGINT  NOT NULL,
    scanned_ns BIGINT  NOT NULL,
    samples    INTEGER NOT NULL,
    note       TEXT    NOT NULL DEFAULT '',
    data       BYTEA   NOT NULL
);
CREATE INDEX activity_scans_by_camera ON activity_scans (camera);

-- Per camera, the background model where its latest scan ended, so that
-- footage scanned a piece at a time is scanned as if in one go.
CREATE TABLE activity_state (
    camera     TEXT    PRIMARY KEY,
    version    INTEGER NOT NULL,
    end_ns     BIGINT  NOT NULL, -- true time of the scan's last sample
    data       BYTEA    NOT NULL
);

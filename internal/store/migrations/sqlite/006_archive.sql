-- The archive queue: every bundle klipp was asked to archive, and where it
-- stands (issue 5). A push that cannot finish stays here until
-- `klipp archive retry` completes it.
CREATE TABLE archive_jobs (
    case_number   TEXT NOT NULL,
    export_id     TEXT NOT NULL,
    dir           TEXT NOT NULL,             -- the local bundle
    backend       TEXT NOT NULL,             -- store description
    state         TEXT NOT NULL,             -- queued | uploading | verified | failed
    error         TEXT NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    retain_until_ns INTEGER,
    hold          INTEGER NOT NULL DEFAULT 0,
    local_deleted INTEGER NOT NULL DEFAULT 0,
    created_ns    INTEGER NOT NULL,
    updated_ns    INTEGER NOT NULL,
    PRIMARY KEY (case_number, export_id)
);
-- Each case's retention class (retention_classes in klipp.yaml) decides
-- how long its archived bundles are locked.
ALTER TABLE cases ADD COLUMN retention_class TEXT NOT NULL DEFAULT 'default';

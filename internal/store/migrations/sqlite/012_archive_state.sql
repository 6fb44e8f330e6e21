-- Archive state is per (bundle, archive) (issue 11, item 4): a push to one
-- archive does not change what another holds. `archive` names the archive
-- (its backend and location); rows from before keep their backend text.
CREATE TABLE archive_jobs_012 (
    case_number   TEXT NOT NULL,
    export_id     TEXT NOT NULL,
    archive       TEXT NOT NULL,             -- backend and location, e.g. "directory /srv/archive"
    dir           TEXT NOT NULL,             -- the local bundle
    backend       TEXT NOT NULL,             -- store description
    state         TEXT NOT NULL,             -- queued | uploading | verified | deleting | failed
    error         TEXT NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    retain_until_ns INTEGER,
    hold          INTEGER NOT NULL DEFAULT 0,
    local_deleted INTEGER NOT NULL DEFAULT 0,
    created_ns    INTEGER NOT NULL,
    updated_ns    INTEGER NOT NULL,
    PRIMARY KEY (case_number, export_id, archive)
);
INSERT INTO archive_jobs_012 (case_number, export_id, archive, dir, backend, state, error, attempts, retain_until_ns, hold, local_deleted, created_ns, updated_ns)
    SELECT case_number, export_id, backend, dir, backend, state, error, attempts, retain_until_ns, hold, local_deleted, created_ns, updated_ns FROM archive_jobs;
DROP TABLE archive_jobs;
ALTER TABLE archive_jobs_012 RENAME TO archive_jobs;

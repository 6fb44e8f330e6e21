-- Jobs (design.md §8b): River keeps the jobs themselves (river_job, created
-- by rivermigrate when a shared store opens); klipp keeps beside them what
-- River does not: a job's progress as `klipp jobs` and the UI show it, and
-- the workers that are running, each with a heartbeat. Both tables exist in
-- both dialects so the schema stays one; with SQLite they stay empty.
CREATE TABLE job_progress (
    job_id      BIGINT  PRIMARY KEY,
    label       TEXT    NOT NULL DEFAULT '',
    done        BIGINT  NOT NULL DEFAULT 0,
    total       BIGINT  NOT NULL DEFAULT 0,
    line        TEXT    NOT NULL DEFAULT '',
    updated_ns  BIGINT  NOT NULL
);
CREATE TABLE workers (
    id           TEXT    PRIMARY KEY,
    host         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    queues       TEXT    NOT NULL,
    started_ns   BIGINT  NOT NULL,
    last_seen_ns BIGINT  NOT NULL
);

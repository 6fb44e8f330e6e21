-- The audit chain (design.md §2.4) lives in the store, so that a change and
-- its audit entry commit together; <data_dir>/audit.jsonl is a line-for-line
-- mirror written in the same step. Each row is one entry exactly as its
-- JSONL line reads; seq and hash are repeated as columns to find the head.
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL,
    case_number TEXT NOT NULL DEFAULT '',
    line        TEXT NOT NULL
);
CREATE INDEX audit_case ON audit (case_number, seq);

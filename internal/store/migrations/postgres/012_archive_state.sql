-- Archive state is per (bundle, archive) (issue 11, item 4): a push to one
-- archive does not change what another holds. `archive` names the archive
-- (its backend and location); rows from before keep their backend text.
ALTER TABLE archive_jobs ADD COLUMN archive TEXT NOT NULL DEFAULT '';
UPDATE archive_jobs SET archive = backend;
ALTER TABLE archive_jobs DROP CONSTRAINT archive_jobs_pkey;
ALTER TABLE archive_jobs ADD PRIMARY KEY (case_number, export_id, archive);

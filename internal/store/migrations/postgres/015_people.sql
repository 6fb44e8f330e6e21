-- People, their roles and investigators' requests (issue 12); a version and
-- the last editor on cases and entries. Each person is a PostgreSQL login
-- that is a member of one group role (klipp_analyst, klipp_investigator,
-- klipp_archivist, klipp_admin). Analysts, archivists and admins may read
-- and write every table (the service enforces what each may do); an
-- investigator's login is granted only what filing requests and following
-- them needs, and row-level security limits it to its own requests and the
-- cases, bundles and audit rows of the cases made from them. No login but
-- the store's owner may change or delete an audit row.
ALTER TABLE cases ADD COLUMN version BIGINT NOT NULL DEFAULT 1, ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN version BIGINT NOT NULL DEFAULT 1, ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';

CREATE TABLE users (
    login      TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('analyst', 'investigator', 'archivist', 'admin')),
    name       TEXT NOT NULL DEFAULT '',
    created_ns BIGINT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE requests (
    id          BIGSERIAL PRIMARY KEY,
    title       TEXT   NOT NULL,
    crime       TEXT   NOT NULL DEFAULT '',
    place       TEXT   NOT NULL DEFAULT '',
    lat         DOUBLE PRECISION,
    lon         DOUBLE PRECISION,
    from_ns     BIGINT NOT NULL,
    to_ns       BIGINT NOT NULL,
    suspect     TEXT   NOT NULL DEFAULT '',
    need        TEXT   NOT NULL DEFAULT '',
    filed_by    TEXT   NOT NULL,
    filed_ns    BIGINT NOT NULL,
    case_number TEXT   NOT NULL DEFAULT '',
    accepted_by TEXT   NOT NULL DEFAULT '',
    accepted_ns BIGINT
);
CREATE INDEX requests_by_filer ON requests (filed_by, id);
CREATE INDEX requests_by_case ON requests (case_number);

-- The group roles are the cluster's; another database of the same cluster
-- may have created them already.
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['klipp_analyst', 'klipp_investigator', 'klipp_archivist', 'klipp_admin'] LOOP
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END LOOP;
END $$;

GRANT USAGE ON SCHEMA public TO klipp_analyst, klipp_investigator, klipp_archivist, klipp_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO klipp_analyst, klipp_archivist, klipp_admin;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO klipp_analyst, klipp_archivist, klipp_admin;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO klipp_analyst, klipp_archivist, klipp_admin;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO klipp_analyst, klipp_archivist, klipp_admin;
REVOKE UPDATE, DELETE ON audit, schema_migrations FROM klipp_analyst, klipp_archivist, klipp_admin;
REVOKE INSERT ON schema_migrations FROM klipp_analyst, klipp_archivist, klipp_admin;

GRANT SELECT ON schema_migrations, users, cases, exports, archive_jobs TO klipp_investigator;
GRANT SELECT, INSERT ON requests, audit TO klipp_investigator;
GRANT USAGE ON SEQUENCE requests_id_seq TO klipp_investigator;

ALTER TABLE cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE exports ENABLE ROW LEVEL SECURITY;
ALTER TABLE archive_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE preserved_sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;

CREATE POLICY staff ON cases TO klipp_analyst, klipp_archivist, klipp_admin USING (true) WITH CHECK (true);
CREATE POLICY staff ON entries TO klipp_analyst, klipp_archivist, klipp_admin USING (true) WITH CHECK (true);
CREATE POLICY staff ON requests TO klipp_analyst, klipp_archivist, klipp_admin USING (true) WITH CHECK (true);
CREATE POLICY staff ON exports TO klipp_analyst, klipp_archivist, klipp_admin USING (true) WITH CHECK (true);
CREATE POLICY staff ON archive_jobs TO klipp_analyst, klipp_archivist, klipp_admin USING (true) WITH CHECK (true);
CREATE POLICY staff ON preserved_sources TO klipp_analyst, klipp_archivist, klipp_admin USING (true) WITH CHECK (true);
CREATE POLICY staff ON audit TO klipp_analyst, klipp_archivist, klipp_admin USING (true) WITH CHECK (true);
CREATE POLICY staff ON users TO klipp_analyst, klipp_archivist, klipp_admin USING (true) WITH CHECK (true);

CREATE POLICY own ON requests TO klipp_investigator
    USING (filed_by = current_user) WITH CHECK (filed_by = current_user AND case_number = '');
CREATE POLICY own ON cases FOR SELECT TO klipp_investigator
    USING (number IN (SELECT r.case_number FROM requests r WHERE r.filed_by = current_user));
CREATE POLICY own ON exports FOR SELECT TO klipp_investigator
    USING (case_number IN (SELECT r.case_number FROM requests r WHERE r.filed_by = current_user AND r.case_number <> ''));
CREATE POLICY own ON archive_jobs FOR SELECT TO klipp_investigator
    USING (case_number IN (SELECT r.case_number FROM requests r WHERE r.filed_by = current_user AND r.case_number <> ''));
CREATE POLICY own ON audit FOR SELECT TO klipp_investigator
    USING (case_number IN (SELECT r.case_number FROM requests r WHERE r.filed_by = current_user AND r.case_number <> ''));
CREATE POLICY append ON audit FOR INSERT TO klipp_investigator
    WITH CHECK (case_number = '' OR case_number IN (SELECT r.case_number FROM requests r WHERE r.filed_by = current_user));
CREATE POLICY own ON users FOR SELECT TO klipp_investigator USING (login = current_user);

-- The chain's head, for a login that may not read the row itself: every
-- login appends to the one chain, so every login must know its head.
CREATE FUNCTION klipp_audit_head() RETURNS TABLE (seq BIGINT, hash TEXT)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT a.seq, a.hash FROM audit a ORDER BY a.seq DESC LIMIT 1 $$;
REVOKE ALL ON FUNCTION klipp_audit_head() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION klipp_audit_head() TO klipp_analyst, klipp_investigator, klipp_archivist, klipp_admin;

-- Segment paths are stored relative to a named root ("recordings": the
-- camera's recordings directory) so a site copied or mounted elsewhere
-- reads its own files; root '' keeps an absolute path (ingested files).
-- hashed_ctime_ns and hashed_inode are the file's identity when its SHA-256
-- was computed: the cached hash is reused only while size, mtime, ctime and
-- inode all still match (ctime cannot be set back from user space).
ALTER TABLE segments ADD COLUMN root TEXT NOT NULL DEFAULT '';
ALTER TABLE segments ADD COLUMN hashed_ctime_ns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE segments ADD COLUMN hashed_inode INTEGER NOT NULL DEFAULT 0;

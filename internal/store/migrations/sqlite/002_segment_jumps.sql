-- Holes inside a file (the recorder paused): JSON [[at_ns, length_ns], ...]
-- as offsets from the file's start.
ALTER TABLE segments ADD COLUMN jumps TEXT NOT NULL DEFAULT '';
-- Files indexed before this change were never checked for holes: make the
-- next index read them again.
UPDATE segments SET mtime_ns = -1;

-- Each timeline entry's cut mode for its clip (copy | exact | transcode);
-- '' means the configured clip.mode.
ALTER TABLE entries ADD COLUMN mode TEXT NOT NULL DEFAULT '';

-- An export's directory is stored relative to a named root (roots: in
-- klipp.yaml; "exports" by default) so machines mounting the exports share
-- at different paths find the same bundles; root '' keeps an absolute dir.
ALTER TABLE exports ADD COLUMN root TEXT NOT NULL DEFAULT '';

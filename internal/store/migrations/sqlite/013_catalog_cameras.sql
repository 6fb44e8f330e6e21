-- The camera catalog as the store keeps it: a copy of the catalog file
-- (cameras.yaml), refreshed when the file's size, mtime, ctime or inode
-- change and its SHA-256 differs, so that one camera or the cameras in a
-- box are read without parsing the file. entry is the camera as the file
-- gives it (JSON); ord is its place in the file.
CREATE TABLE catalog_files (
    file      TEXT PRIMARY KEY,
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    ctime_ns  INTEGER NOT NULL,
    inode     INTEGER NOT NULL,
    sha256    TEXT    NOT NULL,
    cameras   INTEGER NOT NULL,
    loaded_ns INTEGER NOT NULL
);
CREATE TABLE catalog_cameras (
    catalog TEXT    NOT NULL,
    id      TEXT    NOT NULL,
    ord     INTEGER NOT NULL,
    line    INTEGER NOT NULL,
    lat     REAL    NOT NULL,
    lon     REAL    NOT NULL,
    entry   TEXT    NOT NULL,
    PRIMARY KEY (catalog, id)
);
CREATE INDEX catalog_cameras_by_position ON catalog_cameras (catalog, lat, lon);
CREATE INDEX catalog_cameras_by_order ON catalog_cameras (catalog, ord);

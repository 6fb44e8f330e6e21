package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// CatalogFile is the catalog file whose cameras the store holds, as it
// was when they were read: its identity (size, mtime, ctime, inode) and
// its SHA-256.
type CatalogFile struct {
	File                          string
	Size, MtimeNs, CtimeNs, Inode int64
	SHA256                        string
	Cameras                       int
	Loaded                        time.Time
}

// CatalogCamera is one camera of a catalog file: Entry is the camera as
// the file gives it (JSON), Ord its place in the file, Line its line.
type CatalogCamera struct {
	ID        string
	Ord, Line int
	Lat, Lon  float64
	Entry     string
}

// Catalog returns what the store holds about catalog file (ErrNotFound
// when it holds none of its cameras).
func (s *Store) Catalog(ctx context.Context, file string) (CatalogFile, error) {
	f := CatalogFile{File: file}
	var loaded int64
	err := s.db.QueryRowContext(ctx, `SELECT size, mtime_ns, ctime_ns, inode, sha256, cameras, loaded_ns FROM catalog_files WHERE file = ?`, file).
		Scan(&f.Size, &f.MtimeNs, &f.CtimeNs, &f.Inode, &f.SHA256, &f.Cameras, &loaded)
	if errors.Is(err, sql.ErrNoRows) {
		return f, ErrNotFound
	}
	f.Loaded = time.Unix(0, loaded).UTC()
	return f, err
}

// TouchCatalog records a new identity for a catalog file whose bytes did
// not change (same SHA-256), so the next check needs no hashing.
func (s *Store) TouchCatalog(ctx context.Context, f CatalogFile) error {
	_, err := s.db.ExecContext(ctx, `UPDATE catalog_files SET size = ?, mtime_ns = ?, ctime_ns = ?, inode = ? WHERE file = ? AND sha256 = ?`,
		f.Size, f.MtimeNs, f.CtimeNs, f.Inode, f.File, f.SHA256)
	return err
}

// catalogBatch is how many cameras one INSERT carries.
const catalogBatch = 500

// ReplaceCatalog stores the cameras of catalog file f.File, in file
// order, in place of those it held, in one transaction (readers see the
// old catalog or the new one). Two processes refreshing one file at once
// take turns.
func (s *Store) ReplaceCatalog(ctx context.Context, f CatalogFile, cams []CatalogCamera) error {
	return s.InTx(ctx, func(tx *Store) error {
		if tx.dialect == Postgres {
			if _, err := tx.db.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('klipp-catalog:' || CAST(? AS TEXT)))`, f.File); err != nil {
				return err
			}
		}
		if _, err := tx.db.ExecContext(ctx, `DELETE FROM catalog_files WHERE file = ?`, f.File); err != nil {
			return err
		}
		if _, err := tx.db.ExecContext(ctx, `DELETE FROM catalog_cameras WHERE catalog = ?`, f.File); err != nil {
			return err
		}
		for start := 0; start < len(cams); start += catalogBatch {
			batch := cams[start:min(start+catalogBatch, len(cams))]
			var q strings.Builder
			q.WriteString(`INSERT INTO catalog_cameras (catalog, id, ord, line, lat, lon, entry) VALUES `)
			args := make([]any, 0, 7*len(batch))
			for i, c := range batch {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
				args = append(args, f.File, c.ID, c.Ord, c.Line, c.Lat, c.Lon, c.Entry)
			}
			if _, err := tx.db.ExecContext(ctx, q.String(), args...); err != nil {
				return err
			}
		}
		_, err := tx.db.ExecContext(ctx, `INSERT INTO catalog_files (file, size, mtime_ns, ctime_ns, inode, sha256, cameras, loaded_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			f.File, f.Size, f.MtimeNs, f.CtimeNs, f.Inode, f.SHA256, len(cams), f.Loaded.UnixNano())
		return err
	})
}

const catalogCameraColumns = `id, ord, line, lat, lon, entry`

func scanCatalogCamera(r interface{ Scan(...any) error }) (CatalogCamera, error) {
	var c CatalogCamera
	err := r.Scan(&c.ID, &c.Ord, &c.Line, &c.Lat, &c.Lon, &c.Entry)
	return c, err
}

// CatalogCamera returns camera id of catalog file (ErrNotFound when it
// has none).
func (s *Store) CatalogCamera(ctx context.Context, file, id string) (CatalogCamera, error) {
	c, err := scanCatalogCamera(s.db.QueryRowContext(ctx, `SELECT `+catalogCameraColumns+` FROM catalog_cameras WHERE catalog = ? AND id = ?`, file, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// CatalogCameras returns every camera of catalog file, in file order.
func (s *Store) CatalogCameras(ctx context.Context, file string) ([]CatalogCamera, error) {
	return queryAll(ctx, s.db, scanCatalogCamera, `SELECT `+catalogCameraColumns+` FROM catalog_cameras WHERE catalog = ? ORDER BY ord`, file)
}

// CatalogCamerasIn returns the cameras of catalog file whose position is
// inside the box (bounds included), in file order.
func (s *Store) CatalogCamerasIn(ctx context.Context, file string, minLat, maxLat, minLon, maxLon float64) ([]CatalogCamera, error) {
	return queryAll(ctx, s.db, scanCatalogCamera, `SELECT `+catalogCameraColumns+` FROM catalog_cameras
		WHERE catalog = ? AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? ORDER BY ord`, file, minLat, maxLat, minLon, maxLon)
}

// CatalogIDs returns the ids of catalog file's cameras, sorted, at most
// limit of them.
func (s *Store) CatalogIDs(ctx context.Context, file string, limit int) ([]string, error) {
	return queryAll(ctx, s.db, func(r interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT id FROM catalog_cameras WHERE catalog = ? ORDER BY id LIMIT ?`, file, limit)
}

package store

import (
	"context"
	"time"
)

// Export is a finished export bundle.
type Export struct {
	Case, ExportID string
	Dir            string
	ManifestSHA256 string
	Files          int
	Created        time.Time
}

// AddExport records a finished bundle.
func (s *Store) AddExport(ctx context.Context, e Export) error {
	root, dir := s.unroot(e.Dir)
	_, err := s.db.ExecContext(ctx, `INSERT INTO exports (case_number, export_id, root, dir, manifest_sha256, files, created_ns) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (case_number, export_id) DO UPDATE SET root = excluded.root, dir = excluded.dir, manifest_sha256 = excluded.manifest_sha256,
		files = excluded.files, created_ns = excluded.created_ns`,
		e.Case, e.ExportID, root, dir, e.ManifestSHA256, e.Files, e.Created.UnixNano())
	return err
}

// Exports lists a case's bundles, oldest first.
func (s *Store) Exports(ctx context.Context, number string) ([]Export, error) {
	return queryAll(ctx, s.db, s.scanExport, `SELECT case_number, export_id, root, dir, manifest_sha256, files, created_ns FROM exports
		WHERE case_number = ? ORDER BY export_id`, number)
}

func (s *Store) scanExport(row interface{ Scan(...any) error }) (Export, error) {
	var e Export
	var root string
	var created int64
	err := row.Scan(&e.Case, &e.ExportID, &root, &e.Dir, &e.ManifestSHA256, &e.Files, &created)
	e.Dir = s.rooted(root, e.Dir)
	e.Created = time.Unix(0, created).UTC()
	return e, err
}

package store

import "context"

// AllExports lists every case's bundles, by case and export id (audit
// verify reads their manifests' audit heads).
func (s *Store) AllExports(ctx context.Context) ([]Export, error) {
	return queryAll(ctx, s.db, s.scanExport, `SELECT case_number, export_id, root, dir, manifest_sha256, files, created_ns FROM exports
		ORDER BY case_number, export_id`)
}

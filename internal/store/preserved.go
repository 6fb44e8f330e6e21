package store

import (
	"context"
	"time"
)

// Preserved is a source segment whose copy is archived.
type Preserved struct {
	Path, SHA256   string
	Case, ExportID string
	Archived       time.Time
}

// AddPreserved records archived copies of source segments.
func (s *Store) AddPreserved(ctx context.Context, ps []Preserved) error {
	for _, p := range ps {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO preserved_sources (path, sha256, case_number, export_id, archived_ns) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (path, case_number, export_id) DO UPDATE SET sha256 = excluded.sha256, archived_ns = excluded.archived_ns`,
			p.Path, p.SHA256, p.Case, p.ExportID, p.Archived.UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// PreservedPaths returns every preserved source path with the SHA-256 its
// archived copy has.
func (s *Store) PreservedPaths(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT path, sha256 FROM preserved_sources`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var p, sum string
		if err := rows.Scan(&p, &sum); err != nil {
			return nil, err
		}
		out[p] = sum
	}
	return out, rows.Err()
}

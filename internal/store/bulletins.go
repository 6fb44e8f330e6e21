package store

import (
	"context"
	"time"
)

// Bulletin is an identification bulletin made from a case's entries.
type Bulletin struct {
	Case    string
	File    string // absolute path of the PDF
	SHA256  string
	Entries string // the entries' numbers, "3,5"
	MadeBy  string
	Created time.Time
}

// AddBulletin records a bulletin; the same file with the same content is
// one record, its time the latest.
func (s *Store) AddBulletin(ctx context.Context, b Bulletin) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO bulletins (case_number, file, sha256, entries, made_by, created_ns) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (case_number, file, sha256) DO UPDATE SET entries = excluded.entries, made_by = excluded.made_by, created_ns = excluded.created_ns`,
		b.Case, b.File, b.SHA256, b.Entries, b.MadeBy, b.Created.UnixNano())
	return err
}

// Bulletins lists a case's bulletins, oldest first.
func (s *Store) Bulletins(ctx context.Context, number string) ([]Bulletin, error) {
	return queryAll(ctx, s.db, func(row interface{ Scan(...any) error }) (Bulletin, error) {
		var b Bulletin
		var created int64
		err := row.Scan(&b.Case, &b.File, &b.SHA256, &b.Entries, &b.MadeBy, &created)
		b.Created = time.Unix(0, created).UTC()
		return b, err
	}, `SELECT case_number, file, sha256, entries, made_by, created_ns FROM bulletins WHERE case_number = ? ORDER BY created_ns, file`, number)
}

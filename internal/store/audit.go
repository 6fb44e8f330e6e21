package store

import (
	"context"
	"database/sql"
	"errors"
)

// AuditRow is one audit entry as stored: its JSON line with its sequence
// number, hash and case.
type AuditRow struct {
	Seq  int64
	Hash string
	Case string
	Line string
}

// AuditHead returns the last stored audit entry's seq and hash (0 and ""
// for an empty chain).
func (s *Store) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	q := `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`
	if s.dialect == Postgres {
		q = `SELECT seq, hash FROM klipp_audit_head()` // also for a login that may not read the row (015_people.sql)
	}
	err := s.db.QueryRowContext(ctx, q).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return seq, hash, err
}

// AppendAudit stores one audit entry.
func (s *Store) AppendAudit(ctx context.Context, r AuditRow) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit (seq, hash, case_number, line) VALUES (?, ?, ?, ?)`, r.Seq, r.Hash, r.Case, r.Line)
	return err
}

// AuditRows calls fn for every stored audit entry in seq order, or only a
// case's when caseNumber is not empty.
func (s *Store) AuditRows(ctx context.Context, caseNumber string, fn func(AuditRow) error) error {
	q, args := `SELECT seq, hash, case_number, line FROM audit ORDER BY seq`, []any{}
	if caseNumber != "" {
		q, args = `SELECT seq, hash, case_number, line FROM audit WHERE case_number = ? ORDER BY seq`, []any{caseNumber}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r AuditRow
		if err := rows.Scan(&r.Seq, &r.Hash, &r.Case, &r.Line); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// LockAudit takes the chain's lock for the rest of the transaction, so that
// appends from many machines keep one chain (PostgreSQL: a transaction-level
// advisory lock). With SQLite the writer lock and the mirror file's lock
// serialise appends already.
func (s *Store) LockAudit(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7242017)`)
	return err
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Entry is one timeline entry as stored.
type Entry struct {
	ID        int64
	Case      string
	At        time.Time
	Camera    string
	From, To  time.Time
	Text      string
	Tags      []string
	Stills    []time.Time
	Author    string
	Mode      string // cut mode of its clip; "" is the configured default
	Created   time.Time
	Updated   time.Time
	UpdatedBy string // who changed it last
	Version   int64  // 1 when created, one more at every change
}

const entryColumns = `id, case_number, at_ns, camera, from_ns, to_ns, text, tags, stills, author, created_ns, updated_ns, mode, version, updated_by`

func joinTimes(ts []time.Time) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = strconv.FormatInt(t.UnixNano(), 10)
	}
	return strings.Join(parts, ",")
}

func splitTimes(s string) []time.Time {
	var out []time.Time
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, time.Unix(0, n).UTC())
		}
	}
	return out
}

func splitTags(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var at, from, to, created, updated int64
	var tags, stills string
	if err := row.Scan(&e.ID, &e.Case, &at, &e.Camera, &from, &to, &e.Text, &tags, &stills, &e.Author, &created, &updated, &e.Mode, &e.Version, &e.UpdatedBy); err != nil {
		return e, err
	}
	e.At, e.From, e.To = time.Unix(0, at).UTC(), time.Unix(0, from).UTC(), time.Unix(0, to).UTC()
	e.Created, e.Updated = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	e.Tags, e.Stills = splitTags(tags), splitTimes(stills)
	return e, nil
}

// CreateEntry inserts e and returns its id.
func (s *Store) CreateEntry(ctx context.Context, e Entry) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO entries (case_number, at_ns, camera, from_ns, to_ns, text, tags, stills, author, created_ns, updated_ns, mode, version, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id`, e.Case, e.At.UnixNano(), e.Camera, e.From.UnixNano(), e.To.UnixNano(), e.Text,
		strings.Join(e.Tags, ","), joinTimes(e.Stills), e.Author, e.Created.UnixNano(), e.Updated.UnixNano(), e.Mode, firstOf(e.UpdatedBy, e.Author)).Scan(&id)
	return id, err
}

// UpdateEntry replaces the entry with e's id and case, if it is still at
// e.Version (0: whatever its version), and counts its version up.
// ErrConflict (a *ConflictError) when it has changed since.
func (s *Store) UpdateEntry(ctx context.Context, e Entry) error {
	res, err := s.db.ExecContext(ctx, `UPDATE entries SET at_ns = ?, camera = ?, from_ns = ?, to_ns = ?, text = ?, tags = ?, stills = ?, updated_ns = ?, mode = ?,
		updated_by = ?, version = version + 1 WHERE id = ? AND case_number = ? AND (? = 0 OR version = ?)`, e.At.UnixNano(), e.Camera, e.From.UnixNano(), e.To.UnixNano(),
		e.Text, strings.Join(e.Tags, ","), joinTimes(e.Stills), e.Updated.UnixNano(), e.Mode, e.UpdatedBy, e.ID, e.Case, e.Version, e.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		cur, err := s.GetEntry(ctx, e.Case, e.ID)
		if err != nil {
			return err
		}
		return &ConflictError{What: fmt.Sprintf("entry %d of case %s", e.ID, e.Case), Based: e.Version, Version: cur.Version, By: cur.UpdatedBy, At: cur.Updated}
	}
	return nil
}

// DeleteEntry removes an entry.
func (s *Store) DeleteEntry(ctx context.Context, caseNumber string, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM entries WHERE id = ? AND case_number = ?`, id, caseNumber)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("entry %d of case %s: %w", id, caseNumber, ErrNotFound)
	}
	return nil
}

// GetEntry returns one entry of a case.
func (s *Store) GetEntry(ctx context.Context, caseNumber string, id int64) (Entry, error) {
	e, err := scanEntry(s.db.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM entries WHERE id = ? AND case_number = ?`, id, caseNumber))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("entry %d of case %s: %w", id, caseNumber, ErrNotFound)
	}
	return e, err
}

// Entries returns a case's entries in time order.
func (s *Store) Entries(ctx context.Context, caseNumber string) ([]Entry, error) {
	return queryAll(ctx, s.db, scanEntry, `SELECT `+entryColumns+` FROM entries WHERE case_number = ? ORDER BY at_ns, id`, caseNumber)
}

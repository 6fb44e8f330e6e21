package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Request is an investigator's request for footage, as stored. Case is
// the case an analyst opened from it ("" until accepted).
type Request struct {
	ID                  int64
	Title, Crime, Place string
	Lat, Lon            *float64
	From, To            time.Time
	Suspect, Need       string
	FiledBy             string
	Filed               time.Time
	Case, AcceptedBy    string
	Accepted            *time.Time
}

const requestColumns = `id, title, crime, place, lat, lon, from_ns, to_ns, suspect, need, filed_by, filed_ns, case_number, accepted_by, accepted_ns`

func scanRequest(row interface{ Scan(...any) error }) (Request, error) {
	var r Request
	var lat, lon sql.NullFloat64
	var from, to, filed int64
	var accepted sql.NullInt64
	if err := row.Scan(&r.ID, &r.Title, &r.Crime, &r.Place, &lat, &lon, &from, &to, &r.Suspect, &r.Need, &r.FiledBy, &filed,
		&r.Case, &r.AcceptedBy, &accepted); err != nil {
		return r, err
	}
	if lat.Valid && lon.Valid {
		r.Lat, r.Lon = &lat.Float64, &lon.Float64
	}
	r.From, r.To, r.Filed = time.Unix(0, from).UTC(), time.Unix(0, to).UTC(), time.Unix(0, filed).UTC()
	if accepted.Valid {
		a := time.Unix(0, accepted.Int64).UTC()
		r.Accepted = &a
	}
	return r, nil
}

// CreateRequest stores a new request and returns its id.
func (s *Store) CreateRequest(ctx context.Context, r Request) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO requests (title, crime, place, lat, lon, from_ns, to_ns, suspect, need, filed_by, filed_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.Title, r.Crime, r.Place, r.Lat, r.Lon, r.From.UnixNano(), r.To.UnixNano(),
		r.Suspect, r.Need, r.FiledBy, r.Filed.UnixNano()).Scan(&id)
	return id, err
}

// GetRequest returns a request; ErrNotFound when there is none (or, with
// PostgreSQL, when this login may not see it).
func (s *Store) GetRequest(ctx context.Context, id int64) (Request, error) {
	r, err := scanRequest(s.db.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("request %d: %w", id, ErrNotFound)
	}
	return r, err
}

// Requests lists requests, newest first: filedBy's, or all when it is "".
func (s *Store) Requests(ctx context.Context, filedBy string) ([]Request, error) {
	if filedBy != "" {
		return queryAll(ctx, s.db, scanRequest, `SELECT `+requestColumns+` FROM requests WHERE filed_by = ? ORDER BY id DESC`, filedBy)
	}
	return queryAll(ctx, s.db, scanRequest, `SELECT `+requestColumns+` FROM requests ORDER BY id DESC`)
}

// AcceptRequest records the case opened from a request; ErrExists when
// the request has a case already, ErrNotFound when there is no request.
func (s *Store) AcceptRequest(ctx context.Context, id int64, caseNumber, by string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE requests SET case_number = ?, accepted_by = ?, accepted_ns = ? WHERE id = ? AND case_number = ''`,
		caseNumber, by, at.UnixNano(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.GetRequest(ctx, id); err != nil {
			return err
		}
		return fmt.Errorf("request %d: accepted already: %w", id, ErrExists)
	}
	return nil
}

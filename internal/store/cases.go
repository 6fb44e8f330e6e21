package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Case is a case as stored.
type Case struct {
	Number, Title, Crime, Place string
	Lat, Lon                    *float64
	From, To                    time.Time
	RequestedBy, Request        string
	Suspect                     string
	Status                      string
	Deadline                    *time.Time
	Received                    time.Time  // when the request arrived
	Delivered                   *time.Time // when the case was first delivered
	RetentionClass              string     // retention_classes key for its archived bundles
	Created                     time.Time
	CreatedBy                   string
	Updated                     time.Time
	UpdatedBy                   string // who changed it last
	Version                     int64  // 1 when created, one more at every change
}

// ErrNotFound is returned when a looked-up record does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned when a record with the same key exists.
var ErrExists = errors.New("already exists")

const caseColumns = `number, title, crime, place, lat, lon, from_ns, to_ns, requested_by, request, suspect, status, deadline_ns, created_ns, created_by, updated_ns, received_ns, delivered_ns, retention_class, version, updated_by`

func nsOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixNano()
}

// CreateCase inserts c; ErrExists when the number is taken.
func (s *Store) CreateCase(ctx context.Context, c Case) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO cases (`+caseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
		c.Number, c.Title, c.Crime, c.Place, c.Lat, c.Lon, c.From.UnixNano(), c.To.UnixNano(), c.RequestedBy, c.Request, c.Suspect,
		c.Status, nsOrNil(c.Deadline), c.Created.UnixNano(), c.CreatedBy, c.Updated.UnixNano(), c.Received.UnixNano(), nsOrNil(c.Delivered), c.RetentionClass, firstOf(c.UpdatedBy, c.CreatedBy))
	if isDuplicate(err) {
		return fmt.Errorf("case %s: %w", c.Number, ErrExists)
	}
	return err
}

// UpdateCase replaces every field of the case with c's number, if it is
// still at c.Version (0: whatever its version), and counts its version up.
// ErrConflict (a *ConflictError) when it has changed since.
func (s *Store) UpdateCase(ctx context.Context, c Case) error {
	res, err := s.db.ExecContext(ctx, `UPDATE cases SET title = ?, crime = ?, place = ?, lat = ?, lon = ?, from_ns = ?, to_ns = ?,
		requested_by = ?, request = ?, suspect = ?, status = ?, deadline_ns = ?, updated_ns = ?, received_ns = ?, delivered_ns = ?, retention_class = ?,
		updated_by = ?, version = version + 1 WHERE number = ? AND (? = 0 OR version = ?)`,
		c.Title, c.Crime, c.Place, c.Lat, c.Lon, c.From.UnixNano(), c.To.UnixNano(), c.RequestedBy, c.Request, c.Suspect,
		c.Status, nsOrNil(c.Deadline), c.Updated.UnixNano(), c.Received.UnixNano(), nsOrNil(c.Delivered), c.RetentionClass,
		c.UpdatedBy, c.Number, c.Version, c.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		cur, err := s.GetCase(ctx, c.Number)
		if err != nil {
			return err
		}
		return &ConflictError{What: "case " + c.Number, Based: c.Version, Version: cur.Version, By: cur.UpdatedBy, At: cur.Updated}
	}
	return nil
}

func scanCase(row interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var lat, lon sql.NullFloat64
	var from, to, created, updated int64
	var deadline, received, delivered sql.NullInt64
	err := row.Scan(&c.Number, &c.Title, &c.Crime, &c.Place, &lat, &lon, &from, &to, &c.RequestedBy, &c.Request, &c.Suspect,
		&c.Status, &deadline, &created, &c.CreatedBy, &updated, &received, &delivered, &c.RetentionClass, &c.Version, &c.UpdatedBy)
	if err != nil {
		return c, err
	}
	if lat.Valid && lon.Valid {
		c.Lat, c.Lon = &lat.Float64, &lon.Float64
	}
	c.From, c.To = time.Unix(0, from).UTC(), time.Unix(0, to).UTC()
	c.Created, c.Updated = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	if deadline.Valid {
		d := time.Unix(0, deadline.Int64).UTC()
		c.Deadline = &d
	}
	c.Received = c.Created
	if received.Valid {
		c.Received = time.Unix(0, received.Int64).UTC()
	}
	if delivered.Valid {
		d := time.Unix(0, delivered.Int64).UTC()
		c.Delivered = &d
	}
	return c, nil
}

// GetCase returns the case with number; ErrNotFound when there is none.
func (s *Store) GetCase(ctx context.Context, number string) (Case, error) {
	c, err := scanCase(s.db.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE number = ?`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("case %s: %w", number, ErrNotFound)
	}
	return c, err
}

// ListCases returns the cases, newest first, optionally of one status.
func (s *Store) ListCases(ctx context.Context, status string) ([]Case, error) {
	q, args := `SELECT `+caseColumns+` FROM cases`, []any{}
	if status != "" {
		q += ` WHERE status = ?`
		args = append(args, status)
	}
	return queryAll(ctx, s.db, scanCase, q+` ORDER BY created_ns DESC, number`, args...)
}

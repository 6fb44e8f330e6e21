package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ActivityScan is one segment's activity scan: internal/activity's packed
// samples, with the file's size and modification time when it was scanned.
type ActivityScan struct {
	Segment int64
	Camera  string
	Version int
	Size    int64
	MTime   int64
	Scanned time.Time
	Samples int
	Note    string
	Data    []byte // nil when read without data
}

// Current reports whether the scan was made of seg as it is now, by the
// given version of the model.
func (a ActivityScan) Current(seg Segment, version int) bool {
	return a.Segment == seg.ID && a.Version == version && a.Size == seg.Size && a.MTime == seg.MTime
}

// SaveActivityScans stores scans, replacing any earlier scan of the same
// segments, in one transaction.
func (s *Store) SaveActivityScans(ctx context.Context, scans []ActivityScan) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.rebind(`INSERT INTO activity_scans (segment_id, camera, version, size, mtime_ns, scanned_ns, samples, note, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (segment_id) DO UPDATE SET camera = excluded.camera, version = excluded.version, size = excluded.size,
			mtime_ns = excluded.mtime_ns, scanned_ns = excluded.scanned_ns, samples = excluded.samples, note = excluded.note, data = excluded.data`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, a := range scans {
			if a.Data == nil {
				a.Data = []byte{}
			}
			if _, err := stmt.ExecContext(ctx, a.Segment, a.Camera, a.Version, a.Size, a.MTime, a.Scanned.UnixNano(), a.Samples, a.Note, a.Data); err != nil {
				return fmt.Errorf("activity scan of segment %d: %w", a.Segment, err)
			}
		}
		return nil
	})
}

// ActivityScansBetween returns the scans of a camera's segments that
// overlap [from, to) (the segments SegmentsBetween returns), keyed by
// segment; with data false, without their data.
func (s *Store) ActivityScansBetween(ctx context.Context, camera string, from, to time.Time, data bool) (map[int64]ActivityScan, error) {
	var maxDur int64
	err := s.db.QueryRowContext(ctx, `SELECT max_duration_ns FROM camera_index WHERE camera = ?`, camera).Scan(&maxDur)
	if err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	cols := `a.segment_id, a.camera, a.version, a.size, a.mtime_ns, a.scanned_ns, a.samples, a.note`
	if data {
		cols += `, a.data`
	}
	rows, err := queryAll(ctx, s.db, func(r interface{ Scan(...any) error }) (ActivityScan, error) {
		var a ActivityScan
		var scanned int64
		dest := []any{&a.Segment, &a.Camera, &a.Version, &a.Size, &a.MTime, &scanned, &a.Samples, &a.Note}
		if data {
			dest = append(dest, &a.Data)
		}
		err := r.Scan(dest...)
		a.Scanned = time.Unix(0, scanned).UTC()
		return a, err
	}, `SELECT `+cols+` FROM activity_scans a JOIN segments s ON s.id = a.segment_id
		WHERE s.camera = ? AND s.true_start_ns >= ? AND s.true_start_ns < ? AND (s.true_end_ns > ? OR s.true_start_ns >= ?)`,
		camera, from.UnixNano()-maxDur-1, to.UnixNano(), from.UnixNano(), from.UnixNano())
	if err != nil {
		return nil, err
	}
	out := make(map[int64]ActivityScan, len(rows))
	for _, a := range rows {
		out[a.Segment] = a
	}
	return out, nil
}

// ActivityState is the background model where a camera's latest activity
// scan ended.
type ActivityState struct {
	Camera  string
	Version int
	End     time.Time
	Data    []byte
}

// ActivityState returns a camera's stored model state, or nil.
func (s *Store) ActivityState(ctx context.Context, camera string) (*ActivityState, error) {
	st := ActivityState{Camera: camera}
	var end int64
	err := s.db.QueryRowContext(ctx, `SELECT version, end_ns, data FROM activity_state WHERE camera = ?`, camera).Scan(&st.Version, &end, &st.Data)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	st.End = time.Unix(0, end).UTC()
	return &st, nil
}

// SaveActivityState stores a camera's model state unless a later one is
// stored (a scan of earlier footage does not replace it).
func (s *Store) SaveActivityState(ctx context.Context, st ActivityState) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO activity_state (camera, version, end_ns, data) VALUES (?, ?, ?, ?)
		ON CONFLICT (camera) DO UPDATE SET version = excluded.version, end_ns = excluded.end_ns, data = excluded.data
		WHERE activity_state.end_ns <= excluded.end_ns OR activity_state.version != excluded.version`,
		st.Camera, st.Version, st.End.UnixNano(), st.Data)
	return err
}

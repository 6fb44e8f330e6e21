package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Segment is one indexed recording file.
type Segment struct {
	ID     int64
	Camera string
	// Root names the directory Path is relative to ("recordings": the
	// camera's recordings directory); "" when Path is absolute.
	Root         string
	Path         string
	Size         int64
	MTime        int64 // ns since the Unix epoch
	Container    string
	Codec        string
	Width        int
	Height       int
	FPS          float64
	Frames       int
	Duration     time.Duration
	CreationTime *time.Time
	Damaged      string
	Status       string // ok | damaged | ambiguous
	Note         string
	CameraStart  time.Time
	TrueStart    time.Time
	TrueEnd      time.Time
	SHA256       string
	HashedCTime  int64  // the file's ctime (ns) when SHA256 was computed
	HashedInode  uint64 // its inode then
	Jumps        []Jump // holes inside the file
}

// Jump is a hole inside a file: no frames from At (after the file's start)
// for Length.
type Jump struct {
	At, Length time.Duration
}

func encodeJumps(js []Jump) string {
	if len(js) == 0 {
		return ""
	}
	pairs := make([][2]int64, len(js))
	for i, j := range js {
		pairs[i] = [2]int64{int64(j.At), int64(j.Length)}
	}
	b, _ := json.Marshal(pairs)
	return string(b)
}

func decodeJumps(s string) []Jump {
	var pairs [][2]int64
	if s == "" || json.Unmarshal([]byte(s), &pairs) != nil {
		return nil
	}
	js := make([]Jump, len(pairs))
	for i, p := range pairs {
		js[i] = Jump{At: time.Duration(p[0]), Length: time.Duration(p[1])}
	}
	return js
}

// Segment statuses.
const (
	StatusOK        = "ok"
	StatusDamaged   = "damaged"
	StatusAmbiguous = "ambiguous"
)

const segmentColumns = `id, camera, path, size, mtime_ns, container, codec, width, height, fps, frames, duration_ns,
	creation_time_ns, damaged, status, note, camera_start_ns, true_start_ns, true_end_ns, sha256, jumps, root, hashed_ctime_ns, hashed_inode`

func scanSegment(rows interface{ Scan(...any) error }) (Segment, error) {
	var s Segment
	var dur, cs, ts, te int64
	var ct sql.NullInt64
	var jumps string
	err := rows.Scan(&s.ID, &s.Camera, &s.Path, &s.Size, &s.MTime, &s.Container, &s.Codec, &s.Width, &s.Height, &s.FPS,
		&s.Frames, &dur, &ct, &s.Damaged, &s.Status, &s.Note, &cs, &ts, &te, &s.SHA256, &jumps, &s.Root, &s.HashedCTime, &s.HashedInode)
	if err != nil {
		return s, err
	}
	s.Duration = time.Duration(dur)
	s.Jumps = decodeJumps(jumps)
	if ct.Valid {
		t := time.Unix(0, ct.Int64).UTC()
		s.CreationTime = &t
	}
	s.CameraStart, s.TrueStart, s.TrueEnd = time.Unix(0, cs).UTC(), time.Unix(0, ts).UTC(), time.Unix(0, te).UTC()
	return s, nil
}

// querySegments reads segments; those on a named root of the store
// (ingested files on "evidence") come back below this machine's mount
// point. Paths below a camera's recordings ("recordings") are resolved by
// internal/footage, which knows the camera.
func (s *Store) querySegments(ctx context.Context, q string, args ...any) ([]Segment, error) {
	segs, err := queryAll(ctx, s.db, scanSegment, q, args...)
	for i := range segs {
		if r := segs[i].Root; r != "" && r != RootRecordings {
			segs[i].Path = s.rooted(r, segs[i].Path)
		}
	}
	return segs, err
}

// RootRecordings names a camera's recordings directory as the root of
// the segment paths stored below it.
const RootRecordings = "recordings"

// Segments returns all of a camera's segments in true-time order.
func (s *Store) Segments(ctx context.Context, camera string) ([]Segment, error) {
	return s.querySegments(ctx, `SELECT `+segmentColumns+` FROM segments WHERE camera = ? ORDER BY true_start_ns, path`, camera)
}

// SegmentsBetween returns the placed segments (not ambiguous) of a camera
// that overlap [from, to), plus every segment starting in it, in true-time
// order.
func (s *Store) SegmentsBetween(ctx context.Context, camera string, from, to time.Time) ([]Segment, error) {
	if s.segs != nil && !s.inTx {
		return s.segs.segments(ctx, s.sqldb, camera, from, to, func() ([]Segment, error) { return s.segmentsBetween(ctx, camera, from, to) })
	}
	return s.segmentsBetween(ctx, camera, from, to)
}

func (s *Store) segmentsBetween(ctx context.Context, camera string, from, to time.Time) ([]Segment, error) {
	var maxDur int64
	err := s.db.QueryRowContext(ctx, `SELECT max_duration_ns FROM camera_index WHERE camera = ?`, camera).Scan(&maxDur)
	if err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	return s.querySegments(ctx, `SELECT `+segmentColumns+` FROM segments
		WHERE camera = ? AND true_start_ns >= ? AND true_start_ns < ? AND (true_end_ns > ? OR true_start_ns >= ?)
		ORDER BY true_start_ns, path`,
		camera, from.UnixNano()-maxDur-1, to.UnixNano(), from.UnixNano(), from.UnixNano())
}

// Neighbours returns the last placed segment starting before t and the first
// starting at or after t (either may be nil): the footage nearest a moment.
func (s *Store) Neighbours(ctx context.Context, camera string, t time.Time) (before, after *Segment, err error) {
	const placed = ` AND status != 'ambiguous' AND duration_ns > 0 `
	b, err := s.querySegments(ctx, `SELECT `+segmentColumns+` FROM segments WHERE camera = ?`+placed+`AND true_start_ns < ? ORDER BY true_start_ns DESC LIMIT 1`, camera, t.UnixNano())
	if err != nil {
		return nil, nil, err
	}
	a, err := s.querySegments(ctx, `SELECT `+segmentColumns+` FROM segments WHERE camera = ?`+placed+`AND true_start_ns >= ? ORDER BY true_start_ns LIMIT 1`, camera, t.UnixNano())
	if err != nil {
		return nil, nil, err
	}
	if len(b) > 0 {
		before = &b[0]
	}
	if len(a) > 0 {
		after = &a[0]
	}
	return before, after, nil
}

// SaveSegments applies an index run for one camera in one transaction:
// rows in upsert are inserted or replaced (by camera and path), rows whose
// ids are in remove are deleted.
func (s *Store) SaveSegments(ctx context.Context, camera string, upsert []Segment, remove []int64, maxDuration time.Duration, now time.Time) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		for _, id := range remove {
			if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM segments WHERE id = ? AND camera = ?`), id, camera); err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, s.rebind(`INSERT INTO segments (camera, path, size, mtime_ns, container, codec, width, height, fps, frames,
			duration_ns, creation_time_ns, damaged, status, note, camera_start_ns, true_start_ns, true_end_ns, sha256, jumps,
			root, hashed_ctime_ns, hashed_inode)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (camera, path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
			container = excluded.container, codec = excluded.codec, width = excluded.width, height = excluded.height,
			fps = excluded.fps, frames = excluded.frames, duration_ns = excluded.duration_ns,
			creation_time_ns = excluded.creation_time_ns, damaged = excluded.damaged, status = excluded.status,
			note = excluded.note, camera_start_ns = excluded.camera_start_ns, true_start_ns = excluded.true_start_ns,
			true_end_ns = excluded.true_end_ns, jumps = excluded.jumps, root = excluded.root,
			sha256 = CASE WHEN segments.size = excluded.size AND segments.mtime_ns = excluded.mtime_ns THEN segments.sha256 ELSE '' END,
			hashed_ctime_ns = CASE WHEN segments.size = excluded.size AND segments.mtime_ns = excluded.mtime_ns THEN segments.hashed_ctime_ns ELSE 0 END,
			hashed_inode = CASE WHEN segments.size = excluded.size AND segments.mtime_ns = excluded.mtime_ns THEN segments.hashed_inode ELSE 0 END`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, g := range upsert {
			var ct any
			if g.CreationTime != nil {
				ct = g.CreationTime.UnixNano()
			}
			if _, err := stmt.ExecContext(ctx, camera, g.Path, g.Size, g.MTime, g.Container, g.Codec, g.Width, g.Height, g.FPS, g.Frames,
				int64(g.Duration), ct, g.Damaged, g.Status, g.Note, g.CameraStart.UnixNano(), g.TrueStart.UnixNano(), g.TrueEnd.UnixNano(), g.SHA256, encodeJumps(g.Jumps),
				g.Root, g.HashedCTime, g.HashedInode); err != nil {
				return fmt.Errorf("save %s: %w", g.Path, err)
			}
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO camera_index (camera, max_duration_ns, indexed_at_ns) VALUES (?, ?, ?)
			ON CONFLICT (camera) DO UPDATE SET max_duration_ns = excluded.max_duration_ns, indexed_at_ns = excluded.indexed_at_ns`),
			camera, int64(maxDuration), now.UnixNano())
		return err
	})
}

// SetTrueTimes sets segments' true start and end (by id), as their
// camera's clock model now gives them.
func (s *Store) SetTrueTimes(ctx context.Context, camera string, segs []Segment) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.rebind(`UPDATE segments SET true_start_ns = ?, true_end_ns = ? WHERE id = ? AND camera = ?`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, g := range segs {
			if _, err := stmt.ExecContext(ctx, g.TrueStart.UnixNano(), g.TrueEnd.UnixNano(), g.ID, camera); err != nil {
				return fmt.Errorf("segment %s: %w", g.Path, err)
			}
		}
		return nil
	})
}

// SetSHA256 records a segment's hash once it has been computed, with the
// file's ctime and inode at that moment.
func (s *Store) SetSHA256(ctx context.Context, id int64, sum string, ctime int64, inode uint64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE segments SET sha256 = ?, hashed_ctime_ns = ?, hashed_inode = ? WHERE id = ?`, sum, ctime, inode, id)
	return err
}

// AddSegment stores one segment outside a directory scan (an ingested
// file), keeping the camera's longest segment duration for range queries.
func (s *Store) AddSegment(ctx context.Context, g Segment, now time.Time) error {
	if g.Root == "" {
		g.Root, g.Path = s.unroot(g.Path)
	}
	maxDur := g.Duration
	var cur sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max_duration_ns FROM camera_index WHERE camera = ?`, g.Camera).Scan(&cur); err == nil && cur.Valid {
		maxDur = max(maxDur, time.Duration(cur.Int64))
	}
	return s.SaveSegments(ctx, g.Camera, []Segment{g}, nil, maxDur, now)
}

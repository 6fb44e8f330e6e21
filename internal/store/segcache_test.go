package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A repeated segment query is answered from the cache until anything
// changes the database: a write through the same store, or through
// another connection (another process indexing).
func TestSegmentCacheFollowsChanges(t *testing.T) {
	ctx := context.Background()
	where := filepath.Join(t.TempDir(), "klipp.db")
	st, err := Open(ctx, where)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	other, err := Open(ctx, where)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	seg := func(path string, at time.Time) Segment {
		return Segment{Path: path, Size: 10, MTime: 1, Duration: time.Minute, Status: StatusOK, CameraStart: at, TrueStart: at, TrueEnd: at.Add(time.Minute)}
	}
	query := func(s *Store) []Segment {
		t.Helper()
		got, err := s.SegmentsBetween(ctx, "cam", t0, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if err := st.SaveSegments(ctx, "cam", []Segment{seg("/r/a.mp4", t0)}, nil, time.Minute, t0); err != nil {
		t.Fatal(err)
	}
	first := query(st)
	if len(first) != 1 {
		t.Fatalf("first query: %d segments", len(first))
	}
	first[0].Path = "changed by the caller" // the caller's copy
	if got := query(st); len(got) != 1 || got[0].Path != "/r/a.mp4" {
		t.Errorf("repeated query = %+v", got)
	}
	if err := st.SaveSegments(ctx, "cam", []Segment{seg("/r/b.mp4", t0.Add(time.Minute))}, nil, time.Minute, t0); err != nil {
		t.Fatal(err)
	}
	if got := query(st); len(got) != 2 {
		t.Errorf("after a write through the same store: %d segments, want 2", len(got))
	}
	if err := other.SaveSegments(ctx, "cam", []Segment{seg("/r/c.mp4", t0.Add(2*time.Minute))}, nil, time.Minute, t0); err != nil {
		t.Fatal(err)
	}
	if got := query(st); len(got) != 3 {
		t.Errorf("after a write through another connection: %d segments, want 3", len(got))
	}
	if err := other.SetSHA256(ctx, first[0].ID, "abc", 1, 2); err != nil {
		t.Fatal(err)
	}
	if got := query(st); got[0].SHA256 != "abc" {
		t.Errorf("after a hash recorded elsewhere: %q", got[0].SHA256)
	}
}

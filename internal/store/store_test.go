package store

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

func testMigrationsAndSegments(t *testing.T, where string) {
	ctx := context.Background()
	st, err := Open(ctx, where)
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.SchemaVersion(ctx)
	all, _ := migrations.ReadDir("migrations/sqlite")
	newest, _ := strconv.Atoi(strings.SplitN(all[len(all)-1].Name(), "_", 2)[0]) // numbers may skip one another branch holds
	if err != nil || v != newest {
		t.Fatalf("schema version = %d, %v", v, err)
	}
	t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	ct := t0.Add(35 * time.Second)
	segs := []Segment{
		{Path: "/r/a.mp4", Size: 10, MTime: 1, Duration: time.Minute, Status: StatusOK, CameraStart: ct, TrueStart: t0, TrueEnd: t0.Add(time.Minute), CreationTime: &ct},
		{Path: "/r/b.mp4", Size: 20, MTime: 2, Duration: time.Minute, Status: StatusOK, TrueStart: t0.Add(time.Minute), TrueEnd: t0.Add(2 * time.Minute),
			Jumps: []Jump{{At: 10 * time.Second, Length: 5 * time.Second}}},
		{Path: "/r/c.mp4", Size: 5, MTime: 3, Status: StatusDamaged, Damaged: "moov atom not found", TrueStart: t0.Add(2 * time.Minute), TrueEnd: t0.Add(2 * time.Minute)},
	}
	if err := st.SaveSegments(ctx, "cam", segs, nil, time.Minute, t0); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Reopening applies no migration twice.
	st, err = Open(ctx, where)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Segments(ctx, "cam")
	if err != nil || len(got) != 3 {
		t.Fatalf("segments = %d, %v", len(got), err)
	}
	if got[0].CreationTime == nil || !got[0].CreationTime.Equal(ct) || !got[0].CameraStart.Equal(ct) || got[2].Damaged != "moov atom not found" ||
		len(got[1].Jumps) != 1 || got[1].Jumps[0] != (Jump{At: 10 * time.Second, Length: 5 * time.Second}) || got[0].Jumps != nil {
		t.Errorf("round trip = %+v", got)
	}
	// A range inside the second segment finds it, and only it.
	in, err := st.SegmentsBetween(ctx, "cam", t0.Add(90*time.Second), t0.Add(100*time.Second))
	if err != nil || len(in) != 1 || in[0].Path != "/r/b.mp4" {
		t.Errorf("between = %+v, %v", in, err)
	}
	before, after, err := st.Neighbours(ctx, "cam", t0.Add(90*time.Second))
	if err != nil || before == nil || before.Path != "/r/b.mp4" || after != nil {
		t.Errorf("neighbours = %v, %v, %v", before, after, err)
	}
	if err := st.SetSHA256(ctx, got[0].ID, "abc", 0, 0); err != nil {
		t.Fatal(err)
	}
	// Re-saving an unchanged file keeps its hash; a changed one loses it.
	segs[0].SHA256, segs[1].SHA256 = "", ""
	if err := st.SaveSegments(ctx, "cam", segs[:1], []int64{got[1].ID}, time.Minute, t0); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Segments(ctx, "cam")
	if len(got) != 2 || got[0].SHA256 != "abc" {
		t.Errorf("after resave: %+v", got)
	}
}

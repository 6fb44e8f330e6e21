package footage

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/pattern"
	"github.com/klipp-forensics/klipp/internal/store"
)

var ctx = context.Background()

// segment writes a 2-second 25 fps clip at root/rel.
func segment(t *testing.T, root, rel string) string {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := media.CreateVideo(path, media.WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if err := w.WriteFrame(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func testCamera(t *testing.T, root, pat string, offsets clock.Offsets) *catalog.Camera {
	t.Helper()
	p, err := pattern.Compile(pat)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Stockholm")
	return &catalog.Camera{ID: "cam", Timezone: loc, Retention: 62 * 24 * time.Hour, Clock: offsets,
		Recordings: catalog.Recordings{Path: root, Pattern: p}}
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "klipp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestZoneNamesAcrossFallBack(t *testing.T) {
	root := t.TempDir()
	// 2026-10-25 03:00 CEST becomes 02:00 CET: names with %z stay unique.
	for _, n := range []string{"02-59-56+0200", "02-59-58+0200", "02-00-00+0100", "02-00-02+0100"} {
		segment(t, root, "2026-10-25/"+n+".mp4")
	}
	cam := testCamera(t, root, "%Y-%m-%d/%H-%M-%S%z.mp4", clock.Offsets{})
	st := openStore(t)
	rep, err := Index(ctx, st, cam, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 4 || rep.Probed != 4 || rep.Ambiguous != 0 || rep.Damaged != 0 {
		t.Fatalf("report = %+v", rep)
	}
	c, err := CoverageOf(ctx, st, cam, utc("2026-10-25T00:59:56Z"), utc("2026-10-25T01:00:04Z"), utc("2026-10-26T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Gaps) != 0 || len(c.Segments) != 4 || c.Covered != 8 {
		t.Fatalf("coverage: %d gaps %+v, %d segments, covered %v s", len(c.Gaps), c.Gaps, len(c.Segments), c.Covered)
	}
	for i := 1; i < len(c.Segments); i++ {
		if !c.Segments[i].TrueStart.Equal(c.Segments[i-1].TrueEnd) {
			t.Errorf("segment %d starts %v, previous ends %v", i, c.Segments[i].TrueStart, c.Segments[i-1].TrueEnd)
		}
	}
}

func TestLocalNamesInRepeatedHour(t *testing.T) {
	cases := []struct {
		name  string
		files []string
		want  map[string]string // file -> true start (UTC) or "ambiguous"
	}{
		{
			"continues the summer-time hour",
			[]string{"01-59-58", "02-00-00", "02-00-02"},
			map[string]string{"02-00-00": "2026-10-25T00:00:00Z", "02-00-02": "2026-10-25T00:00:02Z"},
		},
		{
			"leads into the winter-time hour",
			[]string{"02-59-56", "02-59-58", "03-00-00"},
			map[string]string{"02-59-56": "2026-10-25T01:59:56Z", "02-59-58": "2026-10-25T01:59:58Z"},
		},
		{
			"overwritten hour: neighbours disagree",
			[]string{"01-59-58", "02-00-00", "03-00-00"},
			map[string]string{"02-00-00": "ambiguous", "01-59-58": "2026-10-24T23:59:58Z", "03-00-00": "2026-10-25T02:00:00Z"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for _, f := range c.files {
				segment(t, root, "2026-10-25/"+f+".mp4")
			}
			cam := testCamera(t, root, "%Y-%m-%d/%H-%M-%S.mp4", clock.Offsets{})
			st := openStore(t)
			if _, err := Index(ctx, st, cam, nil); err != nil {
				t.Fatal(err)
			}
			segs, _ := st.Segments(ctx, "cam")
			for _, s := range segs {
				name := strings.TrimSuffix(filepath.Base(s.Path), ".mp4")
				want, ok := c.want[name]
				if !ok {
					continue
				}
				if want == "ambiguous" {
					if s.Status != store.StatusAmbiguous || !strings.Contains(s.Note, "repeated hour") {
						t.Errorf("%s: status %s note %q, want ambiguous", name, s.Status, s.Note)
					}
					continue
				}
				if s.Status != store.StatusOK || !s.TrueStart.Equal(utc(want)) {
					t.Errorf("%s: %s at %v, want ok at %s", name, s.Status, s.TrueStart, want)
				}
			}
		})
	}
}

func TestIncrementalAndDamaged(t *testing.T) {
	root := t.TempDir()
	var paths []string
	for _, n := range []string{"22-00-00", "22-00-02", "22-00-04", "22-00-06"} {
		paths = append(paths, segment(t, root, "2026-11-20/"+n+".mp4"))
	}
	os.WriteFile(filepath.Join(root, "README.txt"), []byte("not footage"), 0o644)
	// The camera clock runs 35 s ahead: true time is the name minus 35 s.
	offsets := clock.NewOffsets([]clock.Measurement{{At: utc("2026-11-01T00:00:00Z"), Offset: 35 * time.Second}})
	cam := testCamera(t, root, "%Y-%m-%d/%H-%M-%S.mp4", offsets)
	st := openStore(t)
	rep, err := Index(ctx, st, cam, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Probed != 4 || len(rep.Ignored) != 1 {
		t.Fatalf("first run: %+v", rep)
	}
	rep, err = Index(ctx, st, cam, nil)
	if err != nil || rep.Probed != 0 || rep.Unchanged != 4 {
		t.Fatalf("unchanged re-run: %+v, %v", rep, err)
	}
	// Truncate the third file: its moov is lost, FFmpeg cannot open it.
	data, _ := os.ReadFile(paths[2])
	os.WriteFile(paths[2], data[:len(data)/3], 0o644)
	os.Remove(paths[3])
	rep, err = Index(ctx, st, cam, nil)
	if err != nil || rep.Probed != 1 || rep.Unchanged != 2 || rep.Removed != 1 || rep.Damaged != 1 {
		t.Fatalf("after damage: %+v, %v", rep, err)
	}
	from, to := utc("2026-11-20T20:59:25Z"), utc("2026-11-20T20:59:31Z") // 22:00:00..22:00:06 camera clock, CET
	c, err := CoverageOf(ctx, st, cam, from, to, utc("2026-11-24T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Segments) != 2 || !c.Segments[0].TrueStart.Equal(from) || c.Segments[0].Offset != 35 {
		t.Fatalf("segments = %+v", c.Segments)
	}
	if len(c.Damaged) != 1 || !strings.Contains(c.Damaged[0].Reason, "moov atom not found") {
		t.Fatalf("damaged = %+v", c.Damaged)
	}
	if len(c.Gaps) != 1 || !c.Gaps[0].From.Equal(from.Add(4*time.Second)) || !c.Gaps[0].To.Equal(to) ||
		!strings.Contains(c.Gaps[0].Reason, "damaged file 2026-11-20/22-00-04.mp4") {
		t.Fatalf("gaps = %+v", c.Gaps)
	}
	if c.FirstExpiry == nil || !c.FirstExpiry.Equal(from.Add(62*24*time.Hour)) || c.Segments[0].Expired {
		t.Errorf("expiry = %v", c.FirstExpiry)
	}
	if _, err := CoverageOf(ctx, st, cam, to, from, time.Now()); fault.KindOf(err) != fault.Usage {
		t.Errorf("reversed range: %v", err)
	}
}

func TestJumpInsideFileIsAGap(t *testing.T) {
	root := t.TempDir()
	segment(t, root, "2026-11-20/22-00-00.mp4")
	// 22:00:02: frames for 0.4 s, a 1.6 s hole, then 0.4 s more.
	path := filepath.Join(root, "2026-11-20", "22-00-02.mp4")
	w, err := media.CreateVideo(path, media.WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	for _, pts := range []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59} {
		if err := w.WriteFrameAt(pts); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	cam := testCamera(t, root, "%Y-%m-%d/%H-%M-%S.mp4", clock.Offsets{})
	st := openStore(t)
	if _, err := Index(ctx, st, cam, nil); err != nil {
		t.Fatal(err)
	}
	from := utc("2026-11-20T21:00:00Z")
	c, err := CoverageOf(ctx, st, cam, from, from.Add(4400*time.Millisecond), from)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Gaps) != 1 || !c.Gaps[0].From.Equal(from.Add(2400*time.Millisecond)) || !c.Gaps[0].To.Equal(from.Add(4*time.Second)) ||
		!strings.Contains(c.Gaps[0].Reason, "timestamp jump inside 2026-11-20/22-00-02.mp4") || math.Abs(float64(c.Covered)-2.8) > 1e-9 {
		t.Errorf("gaps %+v, covered %v", c.Gaps, c.Covered)
	}
}

func TestIndexMissingPath(t *testing.T) {
	cam := testCamera(t, filepath.Join(t.TempDir(), "nope"), "%Y-%m-%d/%H-%M-%S.mp4", clock.Offsets{})
	_, err := Index(ctx, openStore(t), cam, nil)
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing path: %v", err)
	}
}

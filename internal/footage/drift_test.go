package footage

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/media"
)

// minute writes a 60 s recording (2 fps, tiny) at rel under root.
func minute(t *testing.T, root, rel string) {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(rel))
	os.MkdirAll(filepath.Dir(path), 0o755)
	w, err := media.CreateVideo(path, media.WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 2, GOP: 2, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 120; i++ {
		if err := w.WriteFrame(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// Drift applies per frame: with a clock measured +10 s at 21:00 and +14 s
// at 21:02, two files the camera recorded back to back meet in true time
// (no overlap, no gap), and every frame's true time is its camera time
// minus the offset at that frame.
func TestDriftPerFrame(t *testing.T) {
	root := t.TempDir()
	// Camera clock (Stockholm): 22:00:10 and 22:01:10, back to back.
	minute(t, root, "2026-11-20/22-00-10.mp4")
	minute(t, root, "2026-11-20/22-01-10.mp4")
	c := clock.NewOffsets([]clock.Measurement{{At: utc("2026-11-20T21:00:00Z"), Offset: 10 * time.Second}, {At: utc("2026-11-20T21:02:00Z"), Offset: 14 * time.Second}})
	cam := testCamera(t, root, "%Y-%m-%d/%H-%M-%S.mp4", c)
	st := openStore(t)
	if _, err := Index(ctx, st, cam, nil); err != nil {
		t.Fatal(err)
	}
	segs, _ := st.Segments(ctx, cam.ID)
	if len(segs) != 2 {
		t.Fatalf("%d segments", len(segs))
	}
	a, b := segs[0], segs[1]
	if !a.TrueStart.Equal(utc("2026-11-20T21:00:00Z")) || !a.TrueEnd.Equal(b.TrueStart) {
		t.Errorf("file 1 true %v–%v, file 2 from %v: want 21:00:00 and the second to start where the first ends", a.TrueStart, a.TrueEnd, b.TrueStart)
	}
	// Every frame: its camera time minus the offset at its true time.
	for _, s := range []*struct{ seg, off time.Duration }{{0, 30 * time.Second}, {0, 59500 * time.Millisecond}, {1, 45 * time.Second}} {
		seg := &segs[s.seg]
		tt := FrameTrue(cam.Clock, seg, s.off)
		if cam := seg.CameraStart.Add(s.off); tt.Sub(cam.Add(-c.At(tt))).Abs() > time.Microsecond {
			t.Errorf("frame %v into file %d: true %v, but camera %v − offset %v = %v", s.off, s.seg+1, tt, cam, c.At(tt), cam.Add(-c.At(tt)))
		}
		if back := FileOffset(cam.Clock, seg, tt); (back - s.off).Abs() > time.Microsecond {
			t.Errorf("true %v maps back to %v into the file, want %v", tt, back, s.off)
		}
	}
	cov, err := CoverageOf(ctx, st, cam, a.TrueStart, b.TrueEnd, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(cov.Gaps) != 0 {
		t.Errorf("gaps from drift: %+v", cov.Gaps)
	}
}

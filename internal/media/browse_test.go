package media

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"
)

// The browser gives the frame StillsAt gives for every offset, whatever
// the order: steps forward (one decode each), a step back, a jump past
// 2 s, and another file.
func TestBrowserMatchesStillsAt(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.mp4"), filepath.Join(dir, "b.mp4")
	writeLumaClip(t, a, WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25, GOP: 10}, 28)
	writeLumaClip(t, b, WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25, GOP: 10}, 5)
	ctx := context.Background()
	var br Browser
	defer br.Close()
	frame := func(i int) time.Duration { return time.Duration(i) * 40 * time.Millisecond }
	steps := []struct {
		path string
		off  time.Duration
		want int // frame index
	}{
		{a, frame(3), 3}, {a, frame(4), 4}, {a, frame(5) + 10*time.Millisecond, 5}, {a, frame(6), 6}, {a, frame(2), 2},
		{a, frame(27), 27}, {a, frame(26), 26}, {b, frame(1), 1}, {a, frame(12), 12}, {a, time.Hour, 27},
	}
	for _, s := range steps {
		got, err := br.At(ctx, s.path, s.off)
		if err != nil {
			t.Fatalf("%s at %v: %v", filepath.Base(s.path), s.off, err)
		}
		if got.Offset != frame(s.want) {
			t.Errorf("%s at %v: frame at %v, want %v", filepath.Base(s.path), s.off, got.Offset, frame(s.want))
		}
		if l := meanLuma(got.Image); math.Abs(l-float64(16+8*s.want)) > 3 {
			t.Errorf("%s at %v: luma %.1f, want frame %d's %d", filepath.Base(s.path), s.off, l, s.want, 16+8*s.want)
		}
	}
	if _, err := br.At(ctx, a, -time.Millisecond); err == nil {
		t.Error("an offset before the first frame")
	}
}

package media

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"
)

// StillsEach hands over each still in order of offset without keeping any:
// 3,000 offsets over a 1 s clip, each the right frame, and an error from
// the callback stops the walk.
func TestStillsEach(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clip.mp4")
	writeLumaClip(t, path, WriterOptions{Format: "mp4", Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10}, 25)
	n := 3000
	offsets := make([]time.Duration, n)
	for i := range offsets {
		offsets[i] = time.Duration(n-1-i) * time.Second / time.Duration(n) // latest first
	}
	seen, last := 0, time.Duration(-1)
	err := StillsEach(context.Background(), path, offsets, func(i int, s Still) error {
		seen++
		if s.Want != offsets[i] || s.Want < last {
			t.Fatalf("still %d for %v after %v", i, s.Want, last)
		}
		last = s.Want
		frame := int(offsets[i] / (40 * time.Millisecond))
		if got := meanLuma(s.Image); math.Abs(got-float64(16+8*frame)) > 3 {
			t.Fatalf("offset %v: luma %.1f, want frame %d", offsets[i], got, frame)
		}
		return nil
	})
	if err != nil || seen != n {
		t.Fatalf("%d of %d stills, %v", seen, n, err)
	}
	stop := errors.New("enough")
	calls := 0
	err = StillsEach(context.Background(), path, offsets, func(int, Still) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("stop: %d calls, %v", calls, err)
	}
}

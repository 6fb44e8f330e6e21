package media

import (
	"bytes"
	"context"
	"math"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
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

// On H.264 with B-frames, a seek leaves out the frames nothing references
// and the browser decodes ahead after each frame, yet every frame it
// gives is the one StillsAt gives, pixel for pixel, at the same offset
// (StillsAt analyses the streams on opening; the browser, on an MP4, goes
// by its headers): on jumps, steps forward and back (on browseThreads
// frame threads), and when the left-out frames reach past the target (the
// check decodes that seek again in full).
func TestBrowserSkipsAndDecodesAhead(t *testing.T) {
	path := writeBFramesClip(t)
	ctx := context.Background()
	frame := func(i int) time.Duration { return time.Duration(i) * 40 * time.Millisecond }
	check := func(br *Browser, off time.Duration) {
		t.Helper()
		got, err := br.At(ctx, path, off)
		if err != nil {
			t.Fatalf("at %v: %v", off, err)
		}
		want, err := StillsAt(ctx, path, []time.Duration{off})
		if err != nil {
			t.Fatal(err)
		}
		if got.Offset != want[0].Offset || !bytes.Equal(got.Image.Y, want[0].Image.Y) || !bytes.Equal(got.Image.Cb, want[0].Image.Cb) {
			t.Fatalf("at %v: frame at %v, want %v (same pixels %v)", off, got.Offset, want[0].Offset, bytes.Equal(got.Image.Y, want[0].Image.Y))
		}
	}
	var br Browser
	defer br.Close()
	check(&br, frame(90)) // 1.6 s after the keyframe at 2 s
	if br.r.skip.skipped == astiav.NoPtsValue {
		t.Error("the jump decoded every frame from the keyframe: none left out")
	}
	// Each step finds its frame decoded ahead: no decode while it waits.
	for i := 91; i < 100; i++ {
		br.fills.Wait()
		if len(br.ahead) != browseAhead {
			t.Fatalf("before the step to frame %d: %d frames decoded ahead, want %d", i, len(br.ahead), browseAhead)
		}
		n := br.waited
		check(&br, frame(i))
		if br.waited != n {
			t.Fatalf("the step to frame %d decoded %d frames itself", i, br.waited-n)
		}
	}
	if n := br.r.dec.ThreadCount(); n != browseThreads {
		t.Errorf("the browser's decoder has %d threads, want %d", n, browseThreads)
	}
	if pf := br.r.st.CodecParameters().PixelFormat(); pf != astiav.PixelFormatNone {
		t.Errorf("the browser analysed the MP4's streams (found %s) instead of going by its headers", pf.Name())
	}
	for _, i := range []int{98, 30, 140, 149, 12, 75} {
		check(&br, frame(i))
	}
	// Left-out frames reaching past the target: found, decoded again.
	br.fills.Wait() // before the margin changes under a refill
	skipMarginOf = func(*astiav.Stream) time.Duration { return -time.Second }
	defer func() { skipMarginOf = skipMargin }()
	var full Browser
	defer full.Close()
	for _, i := range []int{90, 33, 144, 61} {
		check(&full, frame(i))
	}
	if full.redone == 0 {
		t.Error("frames left out up to after the target, and no seek was decoded again")
	}
}

// Stepping back shows the frames kept behind: the frames just stepped
// through, then, after one seek, the run of frames before the target, and
// those the background refill decodes before them; each the frame StillsAt
// gives, pixel for pixel. The frames kept are bounded by their bytes.
func TestBrowserStepsBackFromFramesKept(t *testing.T) {
	path := writeBFramesClip(t)
	ctx := context.Background()
	frame := func(i int) time.Duration { return time.Duration(i) * 40 * time.Millisecond }
	var br Browser
	defer br.Close()
	check := func(i int) {
		t.Helper()
		got, err := br.At(ctx, path, frame(i))
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		want, err := StillsAt(ctx, path, []time.Duration{frame(i)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Offset != want[0].Offset || !bytes.Equal(got.Image.Y, want[0].Image.Y) || !bytes.Equal(got.Image.Cr, want[0].Image.Cr) {
			t.Fatalf("frame %d: the browser gave the frame at %v, StillsAt the one at %v (same pixels %v)", i, got.Offset, want[0].Offset, bytes.Equal(got.Image.Y, want[0].Image.Y))
		}
		br.fills.Wait() // what a step leaves to the background is done
		if len(br.behind) > behindCap(br.held) {
			t.Fatalf("frame %d: %d frames kept behind, more than %d", i, len(br.behind), behindCap(br.held))
		}
	}
	for i := 90; i <= 100; i++ { // a jump into the GOP, then steps
		check(i)
	}
	seeks := br.seeks
	for i := 99; i >= 90; i-- {
		check(i)
	}
	if br.seeks != seeks {
		t.Fatalf("stepping back over the frames just shown seeked %d times", br.seeks-seeks)
	}
	// Frames 89 and before were not shown: while fewer than half of
	// browseBehindMax (at this size) are kept behind, the refill decodes
	// the run before them on its own reader, from its keyframe, in the
	// background: stepping back to frame 0 needs no seek. (Without the
	// refill: a seek at frame 89, keeping frames 50-88, and one at 49.)
	// Stepping forward again finds the frames stepped back over decoded.
	for i := 89; i >= 0; i-- {
		check(i)
	}
	if n := br.seeks - seeks; n != 0 {
		t.Errorf("stepping back from frame 89 to 0 seeked %d times, want 0", n)
	}
	n := br.waited
	for i := 1; i <= 20; i++ {
		check(i)
	}
	if br.seeks != seeks || br.waited != n {
		t.Errorf("stepping forward over frames stepped back over: %d seeks, %d frames decoded", br.seeks-seeks, br.waited-n)
	}
	// Steps back in quick succession stop the refill in progress: each
	// still gives its own frame.
	for i := 140; i >= 100; i-- {
		got, err := br.At(ctx, path, frame(i))
		if err != nil || got.Offset != frame(i) {
			t.Fatalf("quick step back to frame %d: the frame at %v (%v)", i, got.Offset, err)
		}
	}
	// 1080p: 3 MB a frame, so browseBehindBytes keeps 21 of them.
	f := astiav.AllocFrame()
	defer f.Free()
	f.SetWidth(1920)
	f.SetHeight(1080)
	if n := behindCap(f); n != 21 {
		t.Errorf("behindCap of a 1080p frame is %d, want 21", n)
	}
}

// writeBFramesClip writes 6 s of H.264 with B-frames and a keyframe every
// 2 s (160x96, 25 fps) by the FFmpeg command line.
func writeBFramesClip(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "b.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=6",
		"-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-bf", "3", "-pix_fmt", "yuv420p", path).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	return path
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/framecode"
	"github.com/klipp-forensics/klipp/internal/media"
)

// A timelapse shows, in output frame k, the last keyframe at or before
// from + k·speed/25, and says it is an overview; gaps show as frames
// without footage.
func TestCutTimelapse(t *testing.T) {
	_, conf, gt := indexedSite(t)
	out := filepath.Join(t.TempDir(), "overview.mp4")
	code, stdout, errs := klipp(t, "--config", conf, "--json", "cut", "--mode", "timelapse", "--speed", "60x", "--camera", "lilla-torg",
		"--from", "2026-11-20 22:12", "--to", "2026-11-20 22:17", "-o", out)
	if code != 0 {
		t.Fatalf("timelapse: %d %s", code, errs)
	}
	var recs []cutRecord
	if err := json.Unmarshal([]byte(stdout), &recs); err != nil || len(recs) != 1 {
		t.Fatalf("%v %s", err, stdout)
	}
	rec := recs[0]
	if rec.Mode != "timelapse" || rec.ReencodedFrames != "all" || !strings.Contains(rec.Overview, "not evidence of continuity") || len(rec.Gaps) != 1 {
		t.Errorf("record: mode %q, re-encoded %q, overview %q, gaps %d", rec.Mode, rec.ReencodedFrames, rec.Overview, len(rec.Gaps))
	}
	const step = 2400 * time.Millisecond // 60 s of footage per 25 frames
	r, err := media.OpenVideo(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var origin time.Time
	frames, empty := 0, 0
	for ; ; frames++ {
		f, err := r.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ms, ok := framecode.Read(f.Image)
		if !ok {
			empty++
			continue
		}
		shown, ok := trueTimeOf(gt, "lilla-torg", ms)
		if !ok {
			t.Fatalf("frame %d: code %d is not in the ground truth", frames, ms)
		}
		if frames == 0 {
			origin = shown
		}
		at := origin.Add(time.Duration(frames) * step)
		// Keyframes come every 2 s: the one shown is at or before the
		// frame's time, and the next would be after it.
		if shown.After(at) || at.Sub(shown) >= 2*time.Second+time.Millisecond && at.Sub(shown) < 5*time.Second {
			t.Errorf("frame %d stands for %v and shows the keyframe of %v", frames, at.Format("15:04:05.000"), shown.Format("15:04:05.000"))
		}
	}
	// 5 minutes at 60x: 125 frames; the 2-minute gap is 50 frames of "no footage".
	if frames < 123 || frames > 126 || empty < 48 || empty > 51 || rec.Frames != frames {
		t.Errorf("%d frames (record %d), %d without footage; want about 125 and 50", frames, rec.Frames, empty)
	}
	if code, _, errs := klipp(t, "--config", conf, "cut", "--mode", "timelapse", "--speed", "fast", "--camera", "lilla-torg",
		"--from", "2026-11-20 22:12", "--to", "2026-11-20 22:17", "-o", filepath.Join(t.TempDir(), "x.mp4")); code != 2 || !strings.Contains(errs, "--speed") {
		t.Errorf("bad speed: %d %s", code, errs)
	}
}

package demo

import (
	"context"
	"errors"
	"image"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/framecode"
	"github.com/klipp-forensics/klipp/internal/media"
)

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	gt, err := Generate(context.Background(), Options{Dir: dir, Length: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// The written config and catalog load and validate.
	cfg, err := config.Load(filepath.Join(dir, "klipp.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(cfg.Catalog, cfg.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Cameras) != 7 {
		t.Fatalf("%d cameras", len(cat.Cameras))
	}
	if back, err := LoadGroundTruth(filepath.Join(dir, "ground-truth.json")); err != nil || len(back.Suspect.Visits) != len(route) {
		t.Fatalf("ground truth: %v", err)
	}

	// Drifting camera: the code on frame k of a segment is the camera clock
	// of the name plus k frames, and the true start is 35→39 s earlier.
	drift := gt.Cameras["sodergatan-2"]
	seg := drift.Segments[1]
	off := seg.CameraClock.Sub(seg.TrueStart)
	if off < 38800*time.Millisecond || off > 39*time.Second {
		t.Errorf("offset on 2026-11-20 = %v, want about 38.9s", off)
	}
	checkCodes(t, filepath.Join(dir, seg.File), seg.CameraClock, 1500)

	// MPEG-TS camera, with a running PTS clock: codes still follow the name.
	ts := gt.Cameras["malmo-c-spar-4"].Segments[1]
	checkCodes(t, filepath.Join(dir, ts.File), ts.CameraClock, 1500)

	// The suspect is red where the ground truth says, and absent outside the visit.
	v := gt.Suspect.Visits[0]
	if v.Camera != "malmo-c-spar-4" {
		t.Fatalf("first visit %s", v.Camera)
	}
	sample := v.Track[15]
	frameIdx := int(sample.At.Sub(ts.TrueStart) / (40 * time.Millisecond))
	img := frameAt(t, filepath.Join(dir, ts.File), frameIdx)
	cx, cy := sample.X+sample.W/2, sample.Y+sample.H/2
	if c := img.YCbCrAt(cx, cy); c.Cr < 200 {
		t.Errorf("no red at the suspect's box centre (%d,%d): %+v", cx, cy, c)
	}
	if c := img.YCbCrAt((cx+320)%640, cy); c.Cr > 180 {
		t.Errorf("red away from the suspect at (%d,%d)", (cx+320)%640, cy)
	}
}

// checkCodes decodes a segment and checks every frame's code.
func checkCodes(t *testing.T, path string, start time.Time, frames int) {
	t.Helper()
	r, err := media.OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for ; ; n++ {
		f, err := r.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ms, ok := framecode.Read(f.Image)
		want := start.Add(time.Duration(n) * 40 * time.Millisecond).UnixMilli()
		if !ok || ms != want {
			t.Fatalf("%s frame %d: code %d (ok=%v), want %d", path, n, ms, ok, want)
		}
	}
	if n != frames {
		t.Errorf("%s: %d frames, want %d", path, n, frames)
	}
}

func frameAt(t *testing.T, path string, idx int) *image.YCbCr {
	t.Helper()
	r, err := media.OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; ; i++ {
		f, err := r.Next(context.Background())
		if err != nil {
			t.Fatalf("frame %d of %s: %v", idx, path, err)
		}
		if i == idx {
			img := *f.Image
			img.Y = append([]byte(nil), img.Y...)
			img.Cb = append([]byte(nil), img.Cb...)
			img.Cr = append([]byte(nil), img.Cr...)
			return &img
		}
	}
}

package main

import (
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/demo"
	"github.com/klipp-forensics/klipp/internal/framecode"
)

// lumaOf reads a PNG's luma as a YCbCr picture.
func lumaOf(t *testing.T, path string) *image.YCbCr {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	ycc := image.NewYCbCr(b, image.YCbCrSubsampleRatio420)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			ycc.Y[ycc.YOffset(x, y)], _, _ = color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
		}
	}
	return ycc
}

// trueTimeOf is the true time of the frame whose code is ms, from the
// ground truth alone.
func trueTimeOf(gt *demo.GroundTruth, cam string, ms int64) (time.Time, bool) {
	code := time.UnixMilli(ms).UTC()
	for _, s := range gt.Cameras[cam].Segments {
		if !code.Before(s.CameraClock) && code.Before(s.CameraClock.Add(time.Minute)) {
			return s.TrueStart.Add(code.Sub(s.CameraClock)), true
		}
	}
	return time.Time{}, false
}

// The contact sheet shows, in each thumbnail, the frame on screen at its
// time, and under it that frame's true time: read back from the frame
// codes in the thumbnails themselves.
func TestSheetShowsTheRightTimes(t *testing.T) {
	dir, conf, gt := indexedSite(t)
	out := filepath.Join(t.TempDir(), "sheet.png")
	// The drifting camera (+38.9 s), across a file boundary.
	code, stdout, errs := klipp(t, "--config", conf, "--json", "sheet", "--camera", "sodergatan-2", "--from", "2026-11-20 22:09:50", "--to", "2026-11-20 22:10:50",
		"--every", "7s", "-o", out)
	if code != 0 {
		t.Fatalf("sheet: %d %s", code, errs)
	}
	var rec app.SheetRecord
	if err := json.Unmarshal([]byte(stdout), &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Thumbnails) != 9 || rec.Pages != 1 || rec.Mode != "every" || len(rec.Sources) != 2 {
		t.Fatalf("record: %d thumbnails, %d pages, %q, %d sources", len(rec.Thumbnails), rec.Pages, rec.Mode, len(rec.Sources))
	}
	page := lumaOf(t, out)
	stockholm, _ := time.LoadLocation("Europe/Stockholm")
	for i, th := range rec.Thumbnails {
		ms, ok := framecode.ReadScaled(page, image.Pt(th.X, th.Y), float64(th.W)/640)
		if !ok {
			t.Errorf("thumbnail %d: no frame code at (%d,%d)", i, th.X, th.Y)
			continue
		}
		want, ok := trueTimeOf(gt, "sodergatan-2", ms)
		if !ok || th.FrameTime == nil || !th.FrameTime.Equal(want) || th.CameraClock.UnixMilli() != ms {
			t.Errorf("thumbnail %d: shows code %d (true %v), record says %v", i, ms, want, th.FrameTime)
			continue
		}
		if want.After(th.At) || th.At.Sub(want) >= 200*time.Millisecond {
			t.Errorf("thumbnail %d: frame at %v for %v (not the frame on screen)", i, want, th.At)
		}
		if th.Label != clock.FormatDisplay(want, stockholm) {
			t.Errorf("thumbnail %d: label %q, true time %v", i, th.Label, want)
		}
	}
	if _, err := os.Stat(out + ".json"); err != nil {
		t.Error(err)
	}
	audit, _ := os.ReadFile(filepath.Join(dir, "data", "audit.jsonl"))
	if !strings.Contains(string(audit), `"action":"sheet"`) || !strings.Contains(string(audit), rec.SHA256) {
		t.Error("the sheet is not audited with its hash")
	}

	// Times without footage are grey cells that say so; a PDF has pages.
	pdf := filepath.Join(t.TempDir(), "gap.pdf")
	code, stdout, errs = klipp(t, "--config", conf, "--json", "sheet", "--camera", "lilla-torg", "--from", "2026-11-20 22:10", "--to", "2026-11-20 22:17",
		"--every", "15s", "-o", pdf)
	if code != 0 {
		t.Fatalf("pdf sheet: %s", errs)
	}
	rec = app.SheetRecord{}
	json.Unmarshal([]byte(stdout), &rec)
	missing := 0
	for _, th := range rec.Thumbnails {
		if th.NoFootage != "" {
			missing++
		}
	}
	if len(rec.Thumbnails) != 28 || missing != 8 || rec.Pages != 2 {
		t.Errorf("gap sheet: %d thumbnails, %d without footage, %d pages", len(rec.Thumbnails), missing, rec.Pages)
	}
	if info, err := exec.Command("pdfinfo", pdf).Output(); err != nil || !strings.Contains(strings.Join(strings.Fields(string(info)), " "), "Pages: 2") {
		t.Errorf("pdfinfo: %v %s", err, info)
	}

	// One thumbnail per period of activity.
	act := filepath.Join(t.TempDir(), "act.png")
	code, stdout, errs = klipp(t, "--config", conf, "--json", "sheet", "--camera", "stortorget", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17", "--activity", "-o", act)
	rec = app.SheetRecord{}
	if code != 0 || json.Unmarshal([]byte(stdout), &rec) != nil || len(rec.Thumbnails) != 1 || len(rec.Thumbnails[0].Period) != 2 {
		t.Fatalf("activity sheet: %d %s %s", code, stdout, errs)
	}
	if at := rec.Thumbnails[0].At; at.Before(gt.Suspect.Visits[2].Enter) || !at.Before(gt.Suspect.Visits[2].Leave) {
		t.Errorf("activity thumbnail at %v, the suspect is there %v–%v", at, gt.Suspect.Visits[2].Enter, gt.Suspect.Visits[2].Leave)
	}

	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--every", "100ms", "-o", filepath.Join(t.TempDir(), "a.png")}, "--every"},
		{[]string{"--every", "10s", "--activity", "-o", filepath.Join(t.TempDir(), "a.png")}, "not both"},
		{[]string{"-o", filepath.Join(t.TempDir(), "a.gif")}, ".png or .pdf"},
		{[]string{"-o", out}, "exists"},
	} {
		args := append([]string{"--config", conf, "sheet", "--camera", "stortorget", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:01"}, c.args...)
		if code, _, errs := klipp(t, args...); code != 2 || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d %q, want 2 with %q", c.args, code, errs, c.msg)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/tui"
)

// A still's record, its PNG and `klipp coverage` carry the clock model's
// stated uncertainty: the resolution of the clock's one measurement (0.5 s,
// read to the second), a frame (0.2 s at the test site's 5 fps) and 2 s a
// day (clock.drift_bound's default) for the time since the measurement; a
// camera whose clock was never measured has no bound and says so.
func TestStillAndCoverageStateUncertainty(t *testing.T) {
	_, conf, _ := indexedSite(t)
	measured := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC) // stortorget's clock check
	want := func(at time.Time) float64 {
		days := at.Sub(measured).Hours() / 24
		return math.Ceil((0.5+0.2+2*days)*1000) / 1000
	}
	near := func(got *float64, w float64) bool { return got != nil && math.Abs(*got-w) <= 0.0011 }

	dir := t.TempDir()
	out := filepath.Join(dir, "s.png")
	code, stdout, errs := klipp(t, "--config", conf, "--json", "still", "--camera", "stortorget", "--at", "2026-11-20 22:08:20.3", "-o", out)
	if code != 0 {
		t.Fatal(errs)
	}
	var recs []struct {
		FrameTime   time.Time `json:"frame_true_time"`
		Uncertainty *float64  `json:"uncertainty_s"`
	}
	if err := json.Unmarshal([]byte(stdout), &recs); err != nil || len(recs) != 1 {
		t.Fatalf("json: %v %s", err, stdout)
	}
	w := want(recs[0].FrameTime)
	if !near(recs[0].Uncertainty, w) {
		t.Errorf("still ± %v, want %.3f", recs[0].Uncertainty, w)
	}
	plus := "± " + formatTenth(w) + " s"
	// PNG text is Latin-1: ± is one byte there.
	if data, _ := os.ReadFile(out); !bytes.Contains(data, []byte("True time uncertainty\x00\xb1"+strings.TrimPrefix(plus, "±"))) {
		t.Errorf("PNG lacks \"True time uncertainty: %s\"", plus)
	}
	code, text, errs := klipp(t, "--config", conf, "still", "--camera", "stortorget", "--at", "2026-11-20 22:08:20.3", "-o", out, "--force")
	if code != 0 || !strings.Contains(text, "±"+formatTenth(w)+"s") {
		t.Errorf("still text %q (%s), want ±%ss", text, errs, formatTenth(w))
	}

	// No measurement: no bound, in the record, the PNG and the text.
	code, stdout, errs = klipp(t, "--config", conf, "--json", "still", "--camera", "sodergatan-14", "--at", "2026-11-20 22:05:00", "-o", filepath.Join(dir, "u.png"))
	if code != 0 {
		t.Fatal(errs)
	}
	if strings.Contains(stdout, `"uncertainty_s": 0`) || !strings.Contains(stdout, `"uncertainty_s": null`) {
		t.Errorf("unverified still: %s", stdout)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "u.png")); !bytes.Contains(data, []byte("True time uncertainty\x00no bound (clock not verified)")) {
		t.Error("unverified still's PNG does not say there is no bound")
	}

	// Coverage: each segment's start.
	code, stdout, errs = klipp(t, "--config", conf, "--json", "coverage", "--camera", "stortorget", "--from", "2026-11-20 22:05", "--to", "2026-11-20 22:10")
	if code != 0 {
		t.Fatal(errs)
	}
	var cov struct {
		Segments []struct {
			TrueStart   time.Time `json:"true_start"`
			Uncertainty *float64  `json:"true_start_uncertainty_s"`
		} `json:"segments"`
	}
	if err := json.Unmarshal([]byte(stdout), &cov); err != nil || len(cov.Segments) == 0 {
		t.Fatalf("coverage json: %v %s", err, stdout)
	}
	for _, s := range cov.Segments {
		if !near(s.Uncertainty, want(s.TrueStart)) {
			t.Errorf("segment at %v: ± %v, want %.3f", s.TrueStart, s.Uncertainty, want(s.TrueStart))
		}
	}
	code, text, _ = klipp(t, "--config", conf, "coverage", "--camera", "stortorget", "--from", "2026-11-20 22:05", "--to", "2026-11-20 22:10")
	if code != 0 || !strings.Contains(text, "±"+formatTenth(want(cov.Segments[0].TrueStart))+"s") {
		t.Errorf("coverage text lacks the first segment's ±:\n%s", text)
	}
	code, text, _ = klipp(t, "--config", conf, "coverage", "--camera", "sodergatan-14", "--from", "2026-11-20 22:05", "--to", "2026-11-20 22:06")
	if code != 0 || !strings.Contains(text, "no bound") {
		t.Errorf("unverified coverage text does not say there is no bound:\n%s", text)
	}
}

// formatTenth is u rounded up to the tenth, as klipp prints a ±.
func formatTenth(u float64) string {
	tenths := int(math.Ceil(u*10 - 1e-9))
	return fmt.Sprintf("%d.%d", tenths/10, tenths%10)
}

// The UI's frame browser shows the same ± as a still of that frame, and
// nothing for a clock never measured.
func TestTUIFrameShowsUncertainty(t *testing.T) {
	_, conf, _ := indexedSite(t)
	a := &cli{stdout: io.Discard, stderr: io.Discard, now: time.Now, configFile: conf, quiet: true}
	if _, err := a.newTUI(context.Background()); err != nil {
		t.Fatal(err)
	}
	ops := tui.NewServiceOps(a.svc)
	at := time.Date(2026, 11, 20, 21, 8, 20, 300e6, time.UTC)
	f, err := ops.Frame(context.Background(), "stortorget", at)
	if err != nil {
		t.Fatal(err)
	}
	// Södergatan 2's drifting clock's model gives true times with
	// nanoseconds; a frame's times are to the millisecond, as shown and
	// typed, and inside the frame (its camera clock at or after the
	// frame's).
	for _, at := range []time.Time{at, at.Add(40 * time.Millisecond), at.Add(80 * time.Millisecond)} {
		d, err := ops.Frame(context.Background(), "sodergatan-2", at)
		if err != nil {
			t.Fatal(err)
		}
		if d.At.Nanosecond()%1e6 != 0 || d.CameraClock.Nanosecond()%1e6 != 0 {
			t.Errorf("Södergatan 2 frame at %s, camera clock %s: want whole milliseconds", d.At.Format(time.RFC3339Nano), d.CameraClock.Format(time.RFC3339Nano))
		}
	}
	days := f.At.Sub(time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)).Hours() / 24
	if want := "± " + formatTenth(math.Ceil((0.5+0.2+2*days)*1000)/1000) + " s"; f.Bound != want {
		t.Errorf("frame ± %q, want %q", f.Bound, want)
	}
	f, err = ops.Frame(context.Background(), "sodergatan-14", time.Date(2026, 11, 20, 21, 5, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if f.Bound != "" {
		t.Errorf("unmeasured clock's frame has a bound: %q", f.Bound)
	}
}

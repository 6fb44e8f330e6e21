package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"
)

// A clock reading moves the camera's footage on the true timeline in the
// index at once: coverage gives the new true times, and a cut across a
// file boundary (which reads them) goes through, as after a re-index.
func TestClockReadingRetimesFootage(t *testing.T) {
	t.Parallel() // see TestMain
	dir, conf, _ := privateSite(t)
	coverage := func() []struct {
		TrueStart   time.Time `json:"true_start"`
		TrueEnd     time.Time `json:"true_end"`
		CameraStart time.Time `json:"camera_clock_start"`
	} {
		t.Helper()
		code, out, errs := klipp(t, "--config", conf, "--json", "coverage", "--camera", "sodergatan-14", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:20")
		if code != 0 {
			t.Fatalf("coverage: %s", errs)
		}
		var c struct {
			Segments []struct {
				TrueStart   time.Time `json:"true_start"`
				TrueEnd     time.Time `json:"true_end"`
				CameraStart time.Time `json:"camera_clock_start"`
			} `json:"segments"`
		}
		if err := json.Unmarshal([]byte(out), &c); err != nil || len(c.Segments) < 2 {
			t.Fatalf("coverage: %v %s", err, out)
		}
		return c.Segments
	}
	before := coverage()
	if !before[0].TrueStart.Equal(before[0].CameraStart) {
		t.Fatalf("an unmeasured clock: true start %s, camera clock %s", before[0].TrueStart, before[0].CameraStart)
	}
	// The shop's recorder (UTC) shows 3 s more than true time.
	frame := before[0].TrueStart.Add(10 * time.Second)
	if code, _, errs := klipp(t, "--config", conf, "cameras", "clock", "add", "sodergatan-14", "--frame", frame.Format(time.RFC3339),
		"--shows", frame.Add(3*time.Second).UTC().Format("2006-01-02 15:04:05")); code != 0 {
		t.Fatalf("clock add: %s", errs)
	}
	after := coverage()
	for i, s := range after {
		if !s.TrueStart.Equal(s.CameraStart.Add(-3*time.Second)) || !s.TrueEnd.Equal(before[i].TrueEnd.Add(-3*time.Second)) {
			t.Errorf("segment %d after the reading: true %s–%s, camera clock start %s", i, s.TrueStart, s.TrueEnd, s.CameraStart)
		}
	}
	edge := after[0].TrueEnd
	out := filepath.Join(dir, "across.mp4")
	if code, _, errs := klipp(t, "--config", conf, "cut", "--camera", "sodergatan-14", "--from", edge.Add(-2*time.Second).Format(time.RFC3339Nano),
		"--to", edge.Add(2*time.Second).Format(time.RFC3339Nano), "-o", out); code != 0 {
		t.Errorf("a cut across the file boundary after the reading: %s", errs)
	}
}

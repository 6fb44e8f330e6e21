package main

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/klipp-forensics/klipp/internal/tui"
)

// Issue 14 in the UI, with the real service behind it: the picker's strip
// shows no activity until m scans the camera, then the walk-throughs; in
// the frame browser > lands on the first frame of each activity (the
// periods `klipp activity` reports), < comes back, and A adds an entry at
// the activity's start.
func TestTUIActivity(t *testing.T) {
	t.Parallel() // see TestMain
	conf := gateSite(t)
	if code, _, errs := klipp(t, "--config", conf, "-q", "index"); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := klipp(t, "--config", conf, "case", "new", "--number", "K-ACT", "--title", "Grinden", "--position", "55.6,13.0",
		"--from", "2026-11-20 22:00", "--to", "2026-11-20 22:03"); code != 0 {
		t.Fatal(errs)
	}
	m := newTestTUI(t, conf, 120, 36)
	keys := func(ks ...string) []tea.Msg {
		var out []tea.Msg
		for _, k := range ks {
			out = append(out, press(k))
		}
		return out
	}
	// row is the picker's line of the camera.
	row := func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "Grind") {
				return l
			}
		}
		return ""
	}
	m = drive(t, m, append(append(keys("/"), typeText("K-ACT")...), keys("enter", "enter", "c")...)...)
	if s := screenText(m); strings.Contains(row(s), "◆") || !strings.Contains(s, "not all scanned for activity: m scans") {
		t.Fatalf("before a scan:\n%s", s)
	}
	m = drive(t, m, press("m"))
	if s := screenText(m); !strings.Contains(s, "activity of gate: 1 segment scanned") || !strings.Contains(row(s), "◆") || strings.Contains(s, "not all scanned for activity") {
		t.Fatalf("after m:\n%s", s)
	}
	// What the CLI reports (from the store now).
	res := activityJSON(t, "--config", conf, "--camera", "gate", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:03")
	if len(res.Periods) != 2 {
		t.Fatalf("periods %+v", res.Periods)
	}
	loc, _ := time.LoadLocation("Europe/Stockholm")
	cursor := func(t0 time.Time) string { return "cursor " + t0.In(loc).Format("2006-01-02 15:04:05.000") }
	m = drive(t, m, press("enter"))
	for i, k := range []string{">", ">", "<"} {
		p := res.Periods[[]int{0, 1, 0}[i]]
		m = drive(t, m, press(k))
		s := screenText(m)
		// The frame on screen at the period's start: at most one frame
		// (10 fps) before it.
		if !strings.Contains(s, cursor(p.Start)) {
			t.Fatalf("%s: want %s:\n%s", k, cursor(p.Start), s)
		}
		frame := p.Start.In(loc).Truncate(100 * time.Millisecond)
		if !strings.Contains(s, "frame "+frame.Format("15:04:05.000")) {
			t.Errorf("%s: want the frame at %s:\n%s", k, frame.Format("15:04:05.000"), s)
		}
	}
	// A: the entry is at the frame on screen at the activity's start (the
	// activity starts between frames), so a still there is the entry's.
	startFrame := res.Periods[0].Start.In(loc).Truncate(100 * time.Millisecond)
	m = drive(t, m, append(append(keys("]", "A"), typeText("Röd figur går förbi")...), press("enter"))...)
	if s := screenText(m); !strings.Contains(s, "entry added at "+startFrame.Format("15:04:05.000")) {
		t.Fatalf("A: want the entry at %s:\n%s", startFrame.Format("15:04:05.000"), s)
	}
	if s := screenText(m); !strings.Contains(s, cursor(startFrame)) || !strings.Contains(s, "frame "+startFrame.Format("15:04:05.000")) {
		t.Fatalf("A: the picture at the activity's start:\n%s", s)
	}
	m = drive(t, m, press("s"))
	if st := m.(tui.Model).Status(); !strings.Contains(st, "linked to entry 1") {
		t.Fatalf("s at the frame of an A entry: %q", st)
	}
	_, out, _ := klipp(t, "--config", conf, "timeline", "list", "K-ACT")
	if !strings.Contains(out, "Röd figur går förbi") || !strings.Contains(out, res.Periods[0].Start.In(loc).Format("15:04:05")) {
		t.Errorf("timeline:\n%s", out)
	}
}

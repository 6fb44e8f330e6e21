package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// open is the UI at w×h on the first case's frame browser (Södergatan 2).
func openFrames(t *testing.T, ops *fakeOps, w, h int) tea.Model {
	t.Helper()
	start := New(context.Background(), ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: w, Height: h}, keyMsg("enter"), keyMsg("c"), keyMsg("enter"))
	if m.(Model).Screen() != "frames" {
		t.Fatalf("not on frames: %s", screenOf(m))
	}
	return m
}

// Defect 1: x twice starts one export; the second says it is running.
func TestExportTwiceRunsOnce(t *testing.T) {
	ops := &fakeOps{exports: make(chan struct{})}
	start := New(context.Background(), ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24}, keyMsg("enter"))
	m, first := m.Update(keyMsg("x"))
	if first == nil {
		t.Fatal("x started nothing")
	}
	done := make(chan tea.Msg)
	go func() { done <- first() }()
	for ops.started.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	m, second := m.Update(keyMsg("x"))
	if second != nil {
		second()
	}
	if ops.started.Load() != 1 || !strings.Contains(m.(Model).Status(), "export 5000-K111111-26 is running") {
		t.Errorf("second x: %d exports, status %q", ops.started.Load(), m.(Model).Status())
	}
	if s := screenOf(m); !strings.Contains(s, "running: export 5000-K111111-26") {
		t.Errorf("the running export is not shown:\n%s", s)
	}
	close(ops.exports)
	m = run(m, <-done)
	if !strings.Contains(m.(Model).Status(), "exported to") || strings.Contains(screenOf(m), "running:") {
		t.Errorf("after the export: %q\n%s", m.(Model).Status(), screenOf(m))
	}
	// An export refused by the service as running elsewhere is said as running.
	mm := m.(Model).sayErr(&RunningError{What: "export 5000-K111111-26", Holder: "export of case 5000-K111111-26 by anna (pid 7)"})
	if st := mm.Status(); strings.HasPrefix(st, "error") || !strings.Contains(st, "is running: export of case") {
		t.Errorf("refusal: %q", st)
	}
	// A shared store's job of the case: shown in the bar, and x starts nothing.
	ops2 := &fakeOps{jobs: []JobRow{{ID: 12, Kind: "export", Case: "5000-K111111-26", State: "running", Who: "anna", Done: 3, Total: 4}}}
	m2 := New(context.Background(), ops2, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m3 := run(m2, m2.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24}, m2.pollJobs(tickMsg{})(), keyMsg("enter"), keyMsg("x"))
	if ops2.started.Load() != 0 || !strings.Contains(m3.(Model).Status(), "job #12") || !strings.Contains(screenOf(m3), "#12 export 5000-K111111-26 75%") {
		t.Errorf("with a running job: %d started, %q\n%s", ops2.started.Load(), m3.(Model).Status(), screenOf(m3))
	}
}

// Defect 2: marks belong to their camera, show at 80 columns, c clears.
func TestMarksBelongToCamera(t *testing.T) {
	ops := &fakeOps{}
	m := openFrames(t, ops, 80, 24)
	m = run(m, keyMsg("i"), keyMsg("]"), keyMsg("o"))
	if s := screenOf(m); !strings.Contains(s, "marks: in 21:10:18.000  out 21:10:28.000") {
		t.Fatalf("marks at 80 columns:\n%s", s)
	}
	m = run(m, keyMsg("n"))
	if s := screenOf(m); strings.Contains(s, "marks: in") {
		t.Errorf("the next camera has the marks:\n%s", s)
	}
	m = run(m, keyMsg("a"))
	for _, r := range "Ny" {
		m = run(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	m = run(m, keyMsg("enter"))
	if len(ops.added) != 1 || !strings.HasPrefix(ops.added[0], "stortorget 2026-11-20T21:10:28Z") {
		t.Errorf("added %v", ops.added)
	}
	m = run(m, keyMsg("p"))
	if !strings.Contains(screenOf(m), "marks: in 21:10:18.000") {
		t.Error("the marks did not stay with their camera")
	}
	m = run(m, keyMsg("c"))
	if strings.Contains(screenOf(m), "marks: in") {
		t.Error("c did not clear")
	}
}

// Defect 3: a message belongs to its screen and fades.
func TestMessagesBelongToScreen(t *testing.T) {
	now := fixedNow
	ops := &fakeOps{}
	start := New(context.Background(), ops, time.UTC, func() time.Time { return now }).WithoutTimers()
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24}, keyMsg("enter"))
	m = run(m, errMsg{err: context.DeadlineExceeded})
	if !strings.Contains(screenOf(m), "error: context deadline exceeded") {
		t.Fatal("error not shown")
	}
	m = run(m, keyMsg("enter"))
	if strings.Contains(screenOf(m), "deadline") || m.(Model).Status() != "" {
		t.Errorf("the case's error followed into the frame browser:\n%s", screenOf(m))
	}
	m = run(m, keyMsg("i"))
	if m.(Model).Status() == "" {
		t.Fatal("no message for i")
	}
	now = now.Add(noteFade)
	if m.(Model).Status() != "" || strings.Contains(screenOf(m), "in at") {
		t.Error("the message did not fade")
	}
}

// Defect 4: a still taken with s is linked to the entry, and the case
// screen lists an entry's stills.
func TestStillLinkedAndListed(t *testing.T) {
	ops := &fakeOps{}
	m := openFrames(t, ops, 80, 24)
	m = run(m, keyMsg("s"))
	if st := m.(Model).Status(); !strings.Contains(st, "linked to entry 1") {
		t.Errorf("s: %q", st)
	}
	m = run(m, keyMsg("esc"), keyMsg("esc"), keyMsg("j"))
	if s := screenOf(m); !strings.Contains(s, "2 stills: 21:16:40.000 (its time),\n21:16:44.200") {
		t.Errorf("the case screen does not list the stills:\n%s", s)
	}
}

// Defect 5: at 80x24 titles, times and errors are whole; paths are cut in
// the middle; at 60x20 the UI says it needs room.
func TestNarrowTerminal(t *testing.T) {
	ops := &fakeOps{long: true}
	start := New(context.Background(), ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24})
	s := screenOf(m)
	// A title longer than its column wraps under itself, whole.
	if got := wordsOf(s); !strings.Contains(got, "Skadegörelse vid Malmö C, spår 4 och bussterminalen på Centralplan") || !strings.Contains(got, "Rån, Södergatan") {
		t.Errorf("cases at 80: a title cut\n%s", s)
	}
	// A click on a wrapped title's last line selects its case; the line
	// under it is the next case's.
	lines := strings.Split(s, "\n")
	last := 0
	for i, l := range lines {
		if strings.Contains(l, "Centralplan") {
			last = i
		}
	}
	click := func(y int) int {
		mm := run(m, tea.MouseClickMsg{Button: tea.MouseLeft, X: 60, Y: y})
		return mm.(Model).cases.cursor
	}
	if got := click(last); got != 1 {
		t.Errorf("a click on line %d (%q) selects row %d", last, lines[last], got)
	}
	if got := click(last + 1); got != 2 || !strings.Contains(lines[last+1], "Stöld ur bil") {
		t.Errorf("a click on line %d (%q) selects row %d", last+1, lines[last+1], got)
	}
	m = run(m, keyMsg("enter"))
	s = screenOf(m)
	if !strings.Contains(s, "Insp. Åberg") || !strings.Contains(s, "clip 21:14:00.000–21:14:15.000") {
		t.Errorf("case at 80:\n%s", s)
	}
	// The header keeps the number and the status badge and shortens the
	// title with …; a text cut in the list is marked …, and the selected
	// entry's is shown whole with its tags.
	lines = strings.Split(s, "\n")
	if !strings.HasPrefix(lines[0], "Case 5000-K111111-26  Grovt rån") || !strings.HasSuffix(lines[0], "…  [in-progress]") {
		t.Errorf("header at 80: %q", lines[0])
	}
	if !strings.Contains(s, "Den misstänkte går österut på trottoare…") ||
		!strings.Contains(wordsOf(s), "Den misstänkte går österut på trottoaren med en svart väska i vänster hand och tittar bakåt [suspect]") {
		t.Errorf("entry text at 80:\n%s", s)
	}
	if !strings.Contains(s, "request: Klipp och stillbilder 22:10–22:30 · suspect: Man") {
		t.Errorf("request and suspect run together:\n%s", s)
	}
	// The requests: a long title cut with … in the list, whole under it.
	mr := run(m, keyMsg("esc"), keyMsg("i"))
	if s := screenOf(mr); !strings.Contains(s, "Misshandel och rån vid Möllevång…") ||
		!strings.Contains(wordsOf(s), "Misshandel och rån vid Möllevångstorget efter konserten på Folkets park · incident") {
		t.Errorf("requests at 80:\n%s", s)
	}
	long := "archive unreachable: dial tcp 127.0.0.1:9000: connect: connection refused after 3 attempts over 40 s; the bundle stays queued"
	m = run(m, errMsg{err: errString(long)})
	if s := screenOf(m); !strings.Contains(s, "the bundle stays") {
		t.Errorf("the error is cut:\n%s", s)
	}
	if got := midCut("/srv/klipp/data/stills/5000-K111111-26/sodergatan-2-20261120-211018.000.png", 50); !strings.HasSuffix(got, "211018.000.png") || !strings.Contains(got, "…") {
		t.Errorf("midCut: %q", got)
	}
	m = run(m, tea.WindowSizeMsg{Width: 60, Height: 20})
	if s := screenOf(m); !strings.Contains(s, "needs a terminal of at least") {
		t.Errorf("60x20:\n%s", s)
	}
}

// wordsOf is a screen's words in order, one space between them: text
// wrapped over lines reads as one.
func wordsOf(s string) string { return strings.Join(strings.Fields(s), " ") }

type errString string

func (e errString) Error() string { return string(e) }

// Defect 6: cameras of a case without a position have no distance; pass
// windows show seconds at both ends; a far place is warned of.
func TestPickerPositions(t *testing.T) {
	m := New(context.Background(), &fakeOps{}, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m.width, m.height, m.screen = 100, 24, screenCameras
	m.caseView.detail.From = at("2026-11-20T12:00:00Z")
	m.picker = pickerModel{all: []CameraRow{{ID: "a", Name: "A"}}}
	m.picker.applyFilter()
	if s := screenOf(m); strings.Contains(s, "0 m") || !strings.Contains(s, "no position") {
		t.Errorf("no position:\n%s", s)
	}
	m.picker = pickerModel{all: []CameraRow{{ID: "a", Name: "A", Located: true, Distance: 6_151_000, From: at("2026-11-20T12:49:16Z"), To: at("2026-11-23T12:37:00Z")}}}
	m.picker.applyFilter()
	if s := screenOf(m); !strings.Contains(s, "6151 km") || !strings.Contains(s, "check the case's position") || strings.Contains(s, "12:49:16–12:37") {
		t.Errorf("far away:\n%s", s)
	}
	c := CameraRow{Located: true, Distance: 500, From: at("2026-11-20T23:59:10Z"), To: at("2026-11-21T00:01:00Z")}
	if got := m.passWindow(c); got != "23:59:10–00:01:00+1d" {
		t.Errorf("window over midnight: %q", got)
	}
}

// Defect 7: help closes with esc (any key), never follows into another
// screen, f1 opens it in a field, and it lists the keys that work.
func TestHelp(t *testing.T) {
	ops := &fakeOps{}
	start := New(context.Background(), ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 80, Height: 30}, keyMsg("?"))
	s := screenOf(m)
	for _, want := range []string{"j k", "home / end", "mouse wheel", "click"} {
		if !strings.Contains(s, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	m = run(m, keyMsg("esc"))
	if strings.Contains(screenOf(m), "Keys on this screen") || m.(Model).Screen() != "cases" {
		t.Errorf("esc did not close the help:\n%s", screenOf(m))
	}
	m = run(m, keyMsg("n"), tea.KeyPressMsg{Code: 'A', Text: "A"}, keyMsg("?"))
	if v := m.(Model).form.inputs[0].Value(); v != "A?" {
		t.Errorf("? in a typed field: %q", v)
	}
	m = run(m, tea.KeyPressMsg{Code: tea.KeyF1})
	if s := screenOf(m); !strings.Contains(s, "shift+tab") || !strings.Contains(s, "ctrl+u") {
		t.Errorf("f1 in a field:\n%s", s)
	}
	m = run(m, keyMsg("esc"), keyMsg("esc"))
	if strings.Contains(screenOf(m), "Keys on this screen") {
		t.Error("help followed into the next screen")
	}
}

// Defect 8: errors show on leaving a field, save moves focus to the first
// bad field, a duplicate number is shown beside the number, "to" takes the
// start's date, and ctrl+x discards the draft.
func TestFormDefects(t *testing.T) {
	ops := &fakeOps{}
	start := New(context.Background(), ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 100, Height: 30}, keyMsg("n"))
	typeIn := func(s string) {
		for _, r := range s {
			m = run(m, tea.KeyPressMsg{Code: r, Text: string(r)})
		}
	}
	typeIn("bad/no")
	m = run(m, tea.KeyPressMsg{Code: tea.KeyTab})
	if !strings.Contains(screenOf(m), "✗ letters, digits") {
		t.Errorf("no error on leaving the field:\n%s", screenOf(m))
	}
	m = run(m, tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	for range 6 {
		m = run(m, tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	typeIn("5000-K111111-26")
	m = run(m, tea.KeyPressMsg{Code: tea.KeyTab})
	typeIn("Titel")
	for range 4 {
		m = run(m, tea.KeyPressMsg{Code: tea.KeyTab})
	}
	typeIn("2026-11-20 22:00")
	m = run(m, tea.KeyPressMsg{Code: tea.KeyTab})
	typeIn("22:15")
	m = run(m, tea.KeyPressMsg{Code: tea.KeyTab})
	if e := m.(Model).form.errs[6]; e != "" {
		t.Errorf("to 22:15: %q", e)
	}
	for range 3 {
		m = run(m, tea.KeyPressMsg{Code: tea.KeyTab})
	}
	m = run(m, keyMsg("enter"))
	f := m.(Model).form
	if f.focus != 0 || !strings.Contains(f.errs[0], "exists already") || !strings.Contains(screenOf(m), "Case number     > 5000-K111111-26\n                ✗ case 5000-K111111-26 exists already") {
		t.Errorf("duplicate: focus %d, %q\n%s", f.focus, f.errs[0], screenOf(m))
	}
	if ops.drafts[draftNewCase] == nil {
		t.Fatal("no draft kept")
	}
	m = run(m, tea.KeyPressMsg{Code: 'x', Mod: tea.ModCtrl})
	if ops.drafts[draftNewCase] != nil || m.(Model).form.inputs[1].Value() != "" {
		t.Error("ctrl+x did not discard the draft")
	}
	// Save with a bad field in the middle: focus goes there.
	m = run(m, keyMsg("esc"), keyMsg("n"))
	typeIn("5000-K9-26")
	for range 10 {
		m = run(m, tea.KeyPressMsg{Code: tea.KeyTab})
	}
	m = run(m, keyMsg("enter"))
	if f := m.(Model).form; f.focus != 1 {
		t.Errorf("save with errors: focus on field %d, want 1 (title)", f.focus)
	}
}

// Defect 9: in a gap the browser names it, → jumps to the footage after
// instead of stepping through the void, and > < jump.
func TestFramesInGap(t *testing.T) {
	ops := &fakeOps{noFrame: map[string]bool{"sodergatan-2": true}}
	m := openFrames(t, ops, 80, 24)
	s := screenOf(m)
	if !strings.Contains(s, "no picture here: gap in the recording from 21:09:48 to 21:10:48") || !strings.Contains(s, "> footage after, 21:10:48") {
		t.Fatalf("gap:\n%s", s)
	}
	ops.noFrame = nil
	m = run(m, keyMsg("right"))
	if s := screenOf(m); !strings.Contains(s, "cursor 2026-11-20 21:10:48.000") {
		t.Errorf("→ in a gap:\n%s", s)
	}
}

// Defect 10: a UTC recorder's clock reads as on its screen.
func TestCameraClockInItsZone(t *testing.T) {
	zone, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	ops := &fakeOps{zone: time.UTC}
	start := New(context.Background(), ops, zone, func() time.Time { return fixedNow }).WithoutTimers()
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24}, keyMsg("enter"), keyMsg("c"), keyMsg("enter"))
	// Cursor 21:10:18 UTC = 22:10:18 CET; the camera's clock is 37 s ahead
	// and runs in UTC: its screen reads 21:10:55.
	if s := screenOf(m); !strings.Contains(s, "frame 22:10:18.000 ± 0.8 s · camera clock 21:10:55.000 UTC") {
		t.Errorf("camera clock:\n%s", s)
	}
}

// Every frame shown is audited: one span per camera, flushed on a camera
// change, leaving the browser and quitting.
func TestRecordView(t *testing.T) {
	ops := &fakeOps{}
	m := openFrames(t, ops, 80, 24)
	m = run(m, keyMsg("right"), keyMsg("right"), keyMsg("n"))
	m = run(m, keyMsg("]"), keyMsg("esc"))
	m = run(m, keyMsg("enter"), keyMsg("right"))
	m, cmd := m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("ctrl+c does not quit")
	}
	want := []string{"5000-K111111-26 sodergatan-2 21:10:18.000–21:10:18.080", "5000-K111111-26 stortorget 21:10:18.080–21:10:28.080"}
	if len(ops.views) < 2 || ops.views[0] != want[0] || ops.views[1] != want[1] {
		t.Errorf("views %v, want %v", ops.views, want)
	}
}

// The bar names a running job once, its progress line after it, cut with …
// when it does not fit.
func TestBarRunningJob(t *testing.T) {
	m := New(context.Background(), &fakeOps{}, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m.width = 80
	m.running = map[string]string{"export 5000-K111111-26": "export 5000-K111111-26: presentation (3 clips): encoding clip 2 of 3, 40%, 12 s left"}
	bar := ansi.ReplaceAllString(m.bar(), "")
	if !strings.Contains(bar, "running: export 5000-K111111-26: presentation") || strings.Count(bar, "5000-K111111-26") != 1 || !strings.HasSuffix(bar, "…") {
		t.Errorf("bar: %q", bar)
	}
}

// The case list's cursor stays on its case when the list comes back in
// another order (a status or expiry changed); the filter's footer has no q.
func TestCasesCursorFollowsCase(t *testing.T) {
	ops := &fakeOps{}
	start := New(context.Background(), ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24}, keyMsg("j"))
	rows, _ := ops.Cases(context.Background())
	rows[0], rows[1] = rows[1], rows[0]
	m = run(m, casesMsg(rows))
	if c := m.(Model).cases; c.shown()[c.cursor].Number != "5000-K222222-26" {
		t.Errorf("cursor on %s", c.shown()[c.cursor].Number)
	}
	m = run(m, keyMsg("/"))
	if s := screenOf(m); strings.Contains(s, "q quit") {
		t.Errorf("q quit offered while q types:\n%s", s)
	}
}

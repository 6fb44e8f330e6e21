package tui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The fake's activity: Södergatan 2 has two periods in the case's window
// and is scanned; Stortorget is not scanned until ScanActivity runs, then
// has one period.
var (
	fakeFrameMu sync.Mutex
	fakeScanned = map[*fakeOps][]string{} // cameras scanned, per fake
)

func fakeActivity(f *fakeOps, camera string) Activity {
	fakeFrameMu.Lock()
	defer fakeFrameMu.Unlock()
	switch camera {
	case "sodergatan-2":
		return Activity{Periods: []Span{{at("2026-11-20T21:12:00Z"), at("2026-11-20T21:12:30Z")}, {at("2026-11-20T21:20:05Z"), at("2026-11-20T21:21:00Z")}}}
	case "stortorget":
		for _, c := range fakeScanned[f] {
			if c == camera {
				return Activity{Periods: []Span{{at("2026-11-20T21:25:00Z"), at("2026-11-20T21:26:00Z")}}}
			}
		}
		return Activity{Unscanned: []Span{{at("2026-11-20T21:10:00Z"), at("2026-11-20T21:30:00Z")}}}
	}
	return Activity{}
}

func (f *fakeOps) Activity(_ context.Context, camera string, from, to time.Time) (Activity, error) {
	a := fakeActivity(f, camera)
	var out Activity
	for _, p := range a.Periods {
		if p.To.After(from) && p.From.Before(to) {
			out.Periods = append(out.Periods, p)
		}
	}
	out.Unscanned = a.Unscanned
	return out, nil
}

func (f *fakeOps) ScanActivity(_ context.Context, camera string, from, to time.Time, progress func(string)) (string, error) {
	progress("activity " + camera + " 50%")
	fakeFrameMu.Lock()
	fakeScanned[f] = append(fakeScanned[f], camera)
	fakeFrameMu.Unlock()
	return "activity of " + camera + ": 3 segments scanned", nil
}

func (f *fakeOps) Locate(_ context.Context, camera string, t time.Time) (string, time.Duration, error) {
	return "/rec/" + camera + "/a.mp4", t.Sub(at("2026-11-20T21:00:00Z")), nil
}

// lineWith is the screen's line holding s.
func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// The picker's strip shows activity where it is stored; a camera whose
// footage is not scanned says so, and m scans it, after which its strip
// shows its activity.
func TestPickerActivity(t *testing.T) {
	ops := &fakeOps{}
	start := New(context.Background(), ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 160, Height: 48}, keyMsg("enter"), keyMsg("c"))
	s := screenOf(m)
	// 106 cells over 21:10–21:30: 21:12:00–21:12:30 is cells 10–13.
	row := lineWith(s, "Södergatan 2")
	strip := []rune(row)[len([]rune(row))-106:]
	if got := string(strip[8:15]); got != "██◆◆◆◆█" {
		t.Errorf("Södergatan 2's strip at 21:11–21:13 %q, want ██◆◆◆◆█:\n%s", got, s)
	}
	if strings.Contains(lineWith(s, "Stortorget"), "◆") || strings.Contains(s, "not all scanned for activity") {
		t.Errorf("activity before a scan, or the wrong camera said unscanned:\n%s", s)
	}
	m = run(m, keyMsg("j"))
	if s := screenOf(m); !strings.Contains(s, "not all scanned for activity: m scans") {
		t.Errorf("unscanned camera:\n%s", s)
	}
	m = run(m, keyMsg("m"))
	s = screenOf(m)
	if !strings.Contains(s, "activity of stortorget: 3 segments scanned") || !strings.Contains(lineWith(s, "Stortorget"), "◆") {
		t.Errorf("after m:\n%s", s)
	}
}

// > and < jump to the start of the next and previous activity; < inside
// an activity goes to its start; past the last one the UI says so.
func TestFramesActivityJumps(t *testing.T) {
	ops := &fakeOps{}
	m := openFrames(t, ops, 80, 24) // Södergatan 2 at 21:10:18
	steps := []struct{ key, cursor string }{
		{">", "21:12:00.000"}, {">", "21:20:05.000"}, {"<", "21:12:00.000"}, {"]", "21:12:10.000"}, {"<", "21:12:00.000"},
	}
	for _, st := range steps {
		m = run(m, keyMsg(st.key))
		if s := screenOf(m); !strings.Contains(s, "cursor 2026-11-20 "+st.cursor) {
			t.Fatalf("after %s, want cursor %s:\n%s", st.key, st.cursor, s)
		}
	}
	m = run(m, keyMsg(">"), keyMsg(">"))
	if s := screenOf(m); !strings.Contains(s, "cursor 2026-11-20 21:20:05.000") || !strings.Contains(s, "no activity found after the cursor") {
		t.Errorf("past the last activity:\n%s", s)
	}
}

// An entry added at a frame whose true time has nanoseconds (30000/1001
// fps) is at the millisecond after it, inside the same frame.
func TestEntryTimeToTheMillisecond(t *testing.T) {
	ops := &fakeOps{}
	m := openFrames(t, ops, 80, 24).(Model)
	at := time.Date(2026, 11, 20, 21, 12, 0, 33_366_667, time.UTC)
	_, cmd := m.addEntryAt("Mannen", at, at.Add(-5*time.Second), at.Add(10*time.Second))
	cmd()
	if len(ops.added) != 1 || ops.added[0] != "sodergatan-2 2026-11-20T21:12:00.034Z Mannen" {
		t.Errorf("added %v", ops.added)
	}
}

// A adds an entry at the start of the activity under the cursor.
func TestEntryAtActivity(t *testing.T) {
	ops := &fakeOps{}
	m := openFrames(t, ops, 80, 24)
	m = run(m, keyMsg("A"))
	if s := screenOf(m); !strings.Contains(s, "no activity under the cursor") {
		t.Errorf("A outside activity:\n%s", s)
	}
	m = run(m, keyMsg(">"), keyMsg("]"), keyMsg("A"))
	if s := screenOf(m); !strings.Contains(s, "entry at 21:12:00.000:") {
		t.Fatalf("A in activity:\n%s", s)
	}
	msgs := []tea.Msg{}
	for _, r := range "Mannen går in" {
		msgs = append(msgs, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	m = run(m, append(msgs, keyMsg("enter"))...)
	if len(ops.added) != 1 || ops.added[0] != "sodergatan-2 2026-11-20T21:12:00Z Mannen går in" {
		t.Errorf("added %v", ops.added)
	}
	if s := screenOf(m); !strings.Contains(s, "entry added at 21:12:00.000") {
		t.Errorf("after enter:\n%s", s)
	}
}

// The time bar: footage, gaps, damage and activity across the case's
// window, the cursor, marks and the case's entries under it; a click on it
// jumps there.
func TestTimeBar(t *testing.T) {
	ops := &fakeOps{}
	m := openFrames(t, ops, 80, 24)
	mm := m.(Model)
	row := mm.barRow()
	lines := strings.Split(screenOf(m), "\n")
	bar, under := []rune(lines[row]), []rune(lines[row+1])
	if !strings.HasPrefix(string(bar), "21:10 ") || !strings.HasSuffix(string(bar), " 21:30") {
		t.Fatalf("bar line %q", string(bar))
	}
	cells := bar[barLabel : barLabel+mm.barCells()]
	// 68 cells over 20 minutes; the fake's strip is ████▒▒▒▒ (expiring
	// from cell 34); activity 21:12:00–21:12:30 is cells 6–8, 21:20:05–
	// 21:21:00 cells 34–37.
	if got := string(cells[5:10]); got != "█◆◆◆█" {
		t.Errorf("cells 5–9 %q, want █◆◆◆█ (%q)", got, string(cells))
	}
	if got := string(cells[33:39]); got != "█◆◆◆◆▒" {
		t.Errorf("cells 33–38 %q, want █◆◆◆◆▒ (%q)", got, string(cells))
	}
	// The cursor at 21:10:18 is cell 1; entry 1 (21:14:05) cell 13.
	if under[barLabel+1] != '▲' || under[barLabel+13] != '•' {
		t.Errorf("under the bar %q", string(under))
	}
	m = run(m, keyMsg("i"))
	if u := []rune(strings.Split(screenOf(m), "\n")[row+1]); u[barLabel+1] != '▲' {
		t.Errorf("cursor over the in mark: %q", string(u))
	}
	m = run(m, keyMsg("}"), keyMsg("o"))
	u := []rune(strings.Split(screenOf(m), "\n")[row+1])
	if u[barLabel+1] != '[' || u[barLabel+4] != '▲' {
		t.Errorf("marks under the bar %q", string(u))
	}
	// A click on cell 34 goes to its middle: 21:20:00 + 17.6 s/2.
	m = run(m, tea.MouseClickMsg{Button: tea.MouseLeft, X: barLabel + 34, Y: row})
	if s := screenOf(m); !strings.Contains(s, "cursor 2026-11-20 21:20:08.823") {
		t.Errorf("click on the bar:\n%s", s)
	}
}

// A cursor resting on a camera in the picker has its frame decoded where
// enter opens it (the start of its pass window), once, for the camera
// under the cursor only; a wait overtaken by a move warms nothing.
func TestPickerWarmsSelected(t *testing.T) {
	ops := &fakeOps{}
	start := New(context.Background(), ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 160, Height: 48}, keyMsg("enter"), keyMsg("c"))
	if len(ops.asked) != 0 {
		t.Fatalf("frames asked before any wait: %v", ops.asked)
	}
	p := m.(Model).picker
	first, firstAt, _ := m.(Model).pickerTarget()
	m = run(m, warmMsg{p.warm})
	m = run(m, keyMsg("j"))
	stale := m.(Model).picker.warm - 1
	m = run(m, warmMsg{stale})
	second, at, _ := m.(Model).pickerTarget()
	m = run(m, warmMsg{m.(Model).picker.warm})
	want := []string{first.ID + " " + firstAt.UTC().Format("15:04:05.000"), second.ID + " " + at.UTC().Format("15:04:05.000")}
	if strings.Join(ops.asked, ", ") != strings.Join(want, ", ") || first.ID == second.ID {
		t.Fatalf("frames asked %v, want %v", ops.asked, want)
	}
	if len(ops.views) != 0 {
		t.Errorf("warming recorded views: %v", ops.views)
	}
	// Enter then asks for the frame warmed.
	run(m, keyMsg("enter"))
	if last := ops.asked[len(ops.asked)-1]; last != want[1] {
		t.Errorf("the browser opened at %s, warmed %s", last, want[1])
	}
}

// g with a time that is not one says so in one short line.
func TestGoToBadTime(t *testing.T) {
	m := openFrames(t, &fakeOps{}, 80, 24)
	m = run(m, keyMsg("g"))
	for _, r := range "2026-13-20 21:10" {
		m = run(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	m = run(m, keyMsg("enter"))
	if st := m.(Model).Status(); st != `error: cannot go to "2026-13-20 21:10": no such date or time: month out of range` {
		t.Errorf("g with month 13: %q", st)
	}
}

// An out mark set before the in mark is said at once; a good g after a bad
// one takes the bad one's message away.
func TestMarksOutOfOrderAndGoToAgain(t *testing.T) {
	m := openFrames(t, &fakeOps{}, 80, 24)
	m = run(m, keyMsg("o"), keyMsg("right"), keyMsg("right"), keyMsg("i"))
	if st := m.(Model).Status(); !strings.Contains(st, "the out mark is not after the in mark") {
		t.Errorf("out before in: %q", st)
	}
	goTo := func(s string) {
		m = run(m, keyMsg("g"))
		for _, r := range s {
			m = run(m, tea.KeyPressMsg{Code: r, Text: string(r)})
		}
		m = run(m, keyMsg("enter"))
	}
	goTo("25:00")
	if st := m.(Model).Status(); !strings.Contains(st, "cannot go to") {
		t.Fatalf("g 25:00: %q", st)
	}
	goTo("21:10:20")
	if st := m.(Model).Status(); strings.Contains(st, "cannot go to") {
		t.Errorf("g after a bad one: %q", st)
	}
}

// A camera at the place itself passes at one time, not a window of none.
func TestPassWindowAtThePlace(t *testing.T) {
	m := openCase(t, &fakeOps{}, 80, 24).(Model)
	at := m.caseView.detail.From
	if got := m.passWindow(CameraRow{Distance: 0, From: at, To: at}); got != at.In(m.zone).Format("15:04:05") {
		t.Errorf("at the place: %q", got)
	}
	if got := m.passWindow(CameraRow{Distance: 100, From: at, To: at.Add(time.Minute)}); !strings.Contains(got, "–") {
		t.Errorf("100 m away: %q", got)
	}
}

// A on footage not scanned for activity says so, and how to scan it.
func TestEntryAtActivityUnscanned(t *testing.T) {
	m := openFrames(t, &fakeOps{}, 80, 24)
	for i := 0; i < 5 && !strings.HasPrefix(screenOf(m), "Stortorget"); i++ {
		m = run(m, keyMsg("n"))
	}
	if !strings.HasPrefix(screenOf(m), "Stortorget") {
		t.Fatalf("no Stortorget:\n%s", screenOf(m))
	}
	m = run(m, keyMsg("A"))
	if st := m.(Model).Status(); st != "this footage is not scanned for activity yet: m scans the bar's window" {
		t.Errorf("A on unscanned footage: %q", st)
	}
}

package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/klipp-forensics/klipp/internal/catalog"
)

// startUI is the UI over ops at w×h at the fixed clock, after msgs.
func startUI(ops *fakeOps, w, h int, colour bool, msgs ...tea.Msg) tea.Model {
	start := New(context.Background(), ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers().WithColour(colour)
	return run(start, append([]tea.Msg{start.Init()(), tea.WindowSizeMsg{Width: w, Height: h}}, msgs...)...)
}

// openCase starts the UI over ops at w×h and opens the first case.
func openCase(t *testing.T, ops *fakeOps, w, h int) tea.Model {
	t.Helper()
	m := startUI(ops, w, h, false, keyMsg("enter"))
	if m.(Model).Screen() != "case" {
		t.Fatalf("not on the case: %s", screenOf(m))
	}
	return m
}

func typed(s string) []tea.Msg {
	var out []tea.Msg
	for _, r := range s {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

// clearField is ctrl+u at the end of a field: it empties it.
var clearField tea.Msg = tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}

var tab tea.Msg = tea.KeyPressMsg{Code: tea.KeyTab}

func keys(ks ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range ks {
		out = append(out, keyMsg(k))
	}
	return out
}

func seq(parts ...[]tea.Msg) []tea.Msg {
	var out []tea.Msg
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func lastCall(t *testing.T, ops *fakeOps) string {
	t.Helper()
	if len(ops.work.calls) == 0 {
		t.Fatal("no call made")
	}
	return ops.work.calls[len(ops.work.calls)-1]
}

func TestCaseStatus(t *testing.T) {
	ops := &fakeOps{work: caseWorkCalls{version: 4}}
	m := openCase(t, ops, 80, 24)
	m = run(m, keyMsg("s"))
	if s := screenOf(m); !strings.Contains(s, "set status: 1 requested · 2 in-progress · 3 delivered") {
		t.Fatalf("no status prompt:\n%s", s)
	}
	m = run(m, keyMsg("3"))
	if got := lastCall(t, ops); got != "status 5000-K111111-26 delivered reopen=false v4" {
		t.Errorf("forward: %q", got)
	}
	if !strings.Contains(m.(Model).Status(), "is delivered now") {
		t.Errorf("message: %q", m.(Model).Status())
	}
	// Back needs a y, and is sent as a reopen.
	n := len(ops.work.calls)
	m = run(m, keyMsg("s"), keyMsg("1"))
	if !strings.Contains(m.(Model).Status(), "back from in-progress to requested? That reopens it: y to confirm") {
		t.Errorf("no confirmation: %q", m.(Model).Status())
	}
	m = run(m, keyMsg("n"))
	if len(ops.work.calls) != n || !strings.Contains(m.(Model).Status(), "status kept") {
		t.Errorf("n moved the case: %v", ops.work.calls)
	}
	m = run(m, keyMsg("s"), keyMsg("1"), keyMsg("y"))
	if got := lastCall(t, ops); got != "status 5000-K111111-26 requested reopen=true v4" {
		t.Errorf("back: %q", got)
	}
	// Someone changed the case since it was shown: the error says so.
	ops.work.version = 5
	m = run(m, keyMsg("s"), keyMsg("3"))
	if s := m.(Model).Status(); !strings.Contains(s, "was changed by berg") {
		t.Errorf("stale status change: %q", s)
	}
}

func TestEditCaseForm(t *testing.T) {
	ops := &fakeOps{work: caseWorkCalls{version: 4}}
	m := openCase(t, ops, 80, 24)
	m = run(m, keyMsg("E"))
	if s := screenOf(m); m.(Model).Screen() != "form" || !strings.Contains(s, "Edit case 5000-K111111-26") || !strings.Contains(s, "Klipp och stillbilder") {
		t.Fatalf("case form:\n%s", s)
	}
	// A new title, and an end given as a time of day alone.
	m = run(m, seq([]tea.Msg{clearField}, typed("Rån och misshandel"), keys("enter", "enter", "enter", "enter", "enter"), []tea.Msg{clearField}, typed("22:40"))...)
	// The service refuses the deadline: the error is beside it, focus on it.
	ops.work.refuse = map[string]string{"to": "must be after the start"}
	m = run(m, keys("enter", "enter", "enter", "enter", "enter")...)
	s := screenOf(m)
	if m.(Model).Screen() != "form" || !strings.Contains(s, "Incident to") || !strings.Contains(s, "✗ must be after the start") {
		t.Fatalf("field error not beside its field:\n%s", s)
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "✗") && !strings.HasPrefix(l, "Incident to") {
			t.Errorf("error on the wrong line: %q", l)
		}
	}
	if f := m.(Model).work.form; f.fields[f.focus].name != "to" {
		t.Errorf("focus on %s", f.fields[f.focus].name)
	}
	// Changing the field takes the error away: it was about the old value.
	m = run(m, typed("0")...)
	if s := screenOf(m); strings.Contains(s, "✗") {
		t.Errorf("the error stays after the field changed:\n%s", s)
	}
	m = run(m, tea.KeyPressMsg{Code: tea.KeyBackspace})
	// Someone saves the case meanwhile: the edit is refused, what was typed
	// stays, and a second enter saves over it.
	ops.work.refuse = nil
	ops.work.version = 5
	m = run(m, keys("enter", "enter", "enter", "enter", "enter")...)
	if s := m.(Model).Status(); m.(Model).Screen() != "form" || !strings.Contains(s, "changed meanwhile") || !strings.Contains(s, "enter saves them over") {
		t.Fatalf("stale edit: %s %q", m.(Model).Screen(), s)
	}
	if len(ops.work.calls) != 0 {
		t.Fatalf("saved: %v", ops.work.calls)
	}
	m = run(m, keyMsg("enter"))
	if got := lastCall(t, ops); got != "edit 5000-K111111-26 v5 title=Rån och misshandel to=2026-11-20 22:40" {
		t.Errorf("saved %q", got)
	}
	if m.(Model).Screen() != "case" || !strings.Contains(m.(Model).Status(), "case 5000-K111111-26 saved") {
		t.Errorf("after saving: %s %q", m.(Model).Screen(), m.(Model).Status())
	}
}

func TestEntryTimesAndTags(t *testing.T) {
	ops := &fakeOps{}
	m := openCase(t, ops, 80, 24)
	m = run(m, keyMsg("t"))
	if s := screenOf(m); !strings.Contains(s, "Entry 1 of 5000-K111111-26 on Södergatan 2") || !strings.Contains(s, "2026-11-20 21:14:05.000") {
		t.Fatalf("entry form:\n%s", s)
	}
	m = run(m, seq([]tea.Msg{clearField}, typed("21:14:07.5"), []tea.Msg{tab, tab}, []tea.Msg{clearField}, typed("21:14:20"), []tea.Msg{tab}, typed(",vehicle"), keys("enter"))...)
	if got := lastCall(t, ops); got != "entry 5000-K111111-26 1 v0 at=21:14:07.5 to=21:14:20 tags=suspect,vehicle" {
		t.Errorf("saved %q", got)
	}
	if m.(Model).Screen() != "case" {
		t.Errorf("on %s", m.(Model).Screen())
	}
	// esc leaves without saving.
	n := len(ops.work.calls)
	m = run(m, keyMsg("t"), keyMsg("9"), keyMsg("esc"))
	if m.(Model).Screen() != "case" || len(ops.work.calls) != n {
		t.Errorf("esc: %s, %v", m.(Model).Screen(), ops.work.calls)
	}
	// A refused time shows beside the Time field.
	ops.work.refuse = map[string]string{"at": "not a time: YYYY-MM-DD HH:MM[:SS]"}
	m = run(m, keyMsg("t"), keyMsg("enter"), keyMsg("enter"), keyMsg("enter"), keyMsg("enter"))
	if s := screenOf(m); !strings.Contains(s, "✗ not a time") {
		t.Errorf("no field error:\n%s", s)
	}
}

func TestAcceptRequest(t *testing.T) {
	ops := &fakeOps{}
	m := startUI(ops, 80, 24, false, keyMsg("i"))
	s := screenOf(m)
	if m.(Model).Screen() != "requests" || !strings.Contains(s, "Misshandel, Möllevångstorget") || !strings.Contains(s, "Kameror runt torget") {
		t.Fatalf("requests:\n%s", s)
	}
	m = run(m, seq(keys("enter"), typed("5000-K444-26"), keys("enter"))...)
	if got := lastCall(t, ops); got != "accept 7 as 5000-K444-26" {
		t.Errorf("accepted %q", got)
	}
	if s := screenOf(m); m.(Model).Screen() != "case" || !strings.Contains(s, "Case 5000-K444-26") || !strings.Contains(m.(Model).Status(), "request 7 accepted as case 5000-K444-26") {
		t.Errorf("after accepting: %s\n%s", m.(Model).Screen(), s)
	}
	// An accepted request opens its case.
	m = run(m, keyMsg("esc"), keyMsg("i"), keyMsg("j"), keyMsg("enter"))
	if s := screenOf(m); m.(Model).Screen() != "case" || !strings.Contains(s, "Case 5000-K111111-26") {
		t.Errorf("accepted request:\n%s", s)
	}
}

func TestStaleExportFlag(t *testing.T) {
	for _, stale := range []bool{false, true} {
		m := openCase(t, &fakeOps{work: caseWorkCalls{stale: stale}}, 80, 24)
		if got := strings.Contains(screenOf(m), "the timeline changed after the newest export"); got != stale {
			t.Errorf("stale %v: flag shown %v\n%s", stale, got, screenOf(m))
		}
	}
}

// Archiving an export older than the timeline, or setting a case
// delivered whose newest export is older (or that has none), waits for y.
func TestAskBeforeOutdatedExport(t *testing.T) {
	ops := &fakeOps{work: caseWorkCalls{stale: true, version: 4}}
	m := openCase(t, ops, 80, 24)
	m = run(m, keyMsg("p"))
	if st := m.(Model).Status(); ops.pushes.Load() != 0 || !strings.Contains(st, "archive that export anyway? y to confirm") || !strings.Contains(st, "20261121T080000Z") {
		t.Fatalf("p on a stale case: %d pushes, %q", ops.pushes.Load(), st)
	}
	if s := screenOf(m); !strings.Contains(s, "y archive anyway") {
		t.Errorf("footer:\n%s", s)
	}
	m = run(m, keyMsg("n"))
	if ops.pushes.Load() != 0 || m.(Model).Status() != "not archived" {
		t.Errorf("n: %d pushes, %q", ops.pushes.Load(), m.(Model).Status())
	}
	m = run(m, keyMsg("p"), keyMsg("y"))
	if ops.pushes.Load() != 1 {
		t.Errorf("p y: %d pushes", ops.pushes.Load())
	}
	// x exports first, then archives that export.
	m = run(m, keyMsg("p"), keyMsg("x"))
	if ops.started.Load() != 1 || ops.pushes.Load() != 2 {
		t.Errorf("p x: %d exports, %d pushes", ops.started.Load(), ops.pushes.Load())
	}
	if s := screenOf(m); !strings.Contains(s, "✓ exported to /data/exports/K/x") || !strings.Contains(s, "✓ archived") {
		t.Errorf("p x: both jobs' lines:\n%s", s)
	}
	ops.started.Store(0)
	m = run(m, keyMsg("s"), keyMsg("3"))
	if st := m.(Model).Status(); len(ops.work.calls) != 0 || !strings.Contains(st, "set it delivered anyway? y to confirm") {
		t.Fatalf("delivering a stale case: %v %q", ops.work.calls, st)
	}
	// x exports first, and once the export is done sets it delivered.
	m = run(m, keyMsg("x"))
	if len(ops.work.calls) != 1 || ops.started.Load() != 1 || lastCall(t, ops) != "status 5000-K111111-26 delivered reopen=false v4" {
		t.Errorf("x: %v, %d exports", ops.work.calls, ops.started.Load())
	}
	ops.work.calls = nil
	m = run(m, keyMsg("s"), keyMsg("3"), keyMsg("n"))
	if len(ops.work.calls) != 0 || !strings.Contains(m.(Model).Status(), "status kept") {
		t.Errorf("n delivered it: %v", ops.work.calls)
	}
	m = run(m, keyMsg("s"), keyMsg("3"), keyMsg("y"))
	if got := lastCall(t, ops); got != "status 5000-K111111-26 delivered reopen=false v4" {
		t.Errorf("s 3 y: %q", got)
	}
	// Up to date: no question.
	ops = &fakeOps{work: caseWorkCalls{version: 4}}
	m = run(openCase(t, ops, 80, 24), keyMsg("p"), keyMsg("s"), keyMsg("3"))
	if ops.pushes.Load() != 1 || lastCall(t, ops) != "status 5000-K111111-26 delivered reopen=false v4" {
		t.Errorf("current export: %d pushes, %v", ops.pushes.Load(), ops.work.calls)
	}
	// Archived locks the timeline: always asked.
	n := len(ops.work.calls)
	m = run(m, keyMsg("s"), keyMsg("4"))
	if len(ops.work.calls) != n || !strings.Contains(m.(Model).Status(), "archived? Its timeline no longer changes: y to confirm") {
		t.Errorf("s 4: %v %q", ops.work.calls, m.(Model).Status())
	}
	m = run(m, keyMsg("y"))
	if got := lastCall(t, ops); got != "status 5000-K111111-26 archived reopen=false v4" {
		t.Errorf("s 4 y: %q", got)
	}
}

func TestArchiveScreen(t *testing.T) {
	ops := &fakeOps{}
	m := startUI(ops, 80, 24, false, keyMsg("a"))
	s := screenOf(m)
	for _, want := range []string{"locked to", "hold", "48.2 MB", "2036-11-21", "at push"} {
		if !strings.Contains(s, want) {
			t.Errorf("archive screen lacks %q:\n%s", want, s)
		}
	}
	m = run(m, keyMsg("v"))
	if s := screenOf(m); lastCall(t, ops) != "verify 5000-K111111-26/20261121T080000Z" || !strings.Contains(s, "ok "+fixedNow.Format("01-02")) {
		t.Errorf("verify: %v\n%s", ops.work.calls, s)
	}
	m = run(m, keyMsg("j"), keyMsg("v"))
	if s := screenOf(m); !strings.Contains(s, "FAILED "+fixedNow.Format("01-02")) || !strings.Contains(m.(Model).Status(), "fails verification") {
		t.Errorf("failed verify:\n%s", s)
	}
	// Hold and release ask first.
	n := len(ops.work.calls)
	m = run(m, keyMsg("k"), keyMsg("h"))
	if !strings.Contains(m.(Model).Status(), "release the legal hold on 5000-K111111-26/20261121T080000Z?") {
		t.Errorf("no confirmation: %q", m.(Model).Status())
	}
	if s := screenOf(m); !strings.Contains(s, "y release the hold") || strings.Contains(s, "v verify") {
		t.Errorf("the footer of the question:\n%s", s)
	}
	m = run(m, keyMsg("n"))
	if len(ops.work.calls) != n {
		t.Errorf("released without y: %v", ops.work.calls)
	}
	m = run(m, keyMsg("h"), keyMsg("y"))
	if got := lastCall(t, ops); got != "hold 5000-K111111-26/20261121T080000Z false" {
		t.Errorf("release: %q", got)
	}
	m = run(m, keyMsg("j"), keyMsg("h"), keyMsg("y"))
	if got := lastCall(t, ops); got != "hold 5000-K222222-26/20261120T190000Z true" {
		t.Errorf("hold: %q", got)
	}
}

func TestRetentionAllAndColour(t *testing.T) {
	for _, colour := range []bool{false, true} {
		ops := &fakeOps{}
		m := startUI(ops, 80, 24, colour, keyMsg("r"))
		s := screenOf(m)
		if !strings.Contains(s, "Footage at risk") || strings.Contains(s, "5000-K333333-26") {
			t.Fatalf("at risk only:\n%s", s)
		}
		// Colour marks the states only when allowed: the raw view carries
		// the foreground colours of warning (3) and error (1).
		raw := m.View().Content
		for _, c := range []string{"33m", "31m"} {
			if got := strings.Contains(raw, c); got != colour {
				t.Errorf("colour %v: %q present %v", colour, c, got)
			}
		}
		m = run(m, keyMsg("A"))
		if s := screenOf(m); !strings.Contains(s, "Requested footage") || !strings.Contains(s, "5000-K333333-26") {
			t.Errorf("every window:\n%s", s)
		}
		m = run(m, keyMsg("A"))
		if s := screenOf(m); strings.Contains(s, "5000-K333333-26") {
			t.Errorf("A again:\n%s", s)
		}
	}
}

// A list longer than the screen scrolls with its cursor; the keys stay
// at the bottom; a name cut ends in ….
func TestRetentionScrolls(t *testing.T) {
	m := startUI(&fakeOps{windows: 40}, 80, 24, false, keyMsg("r"), keyMsg("A"), tea.KeyPressMsg{Code: tea.KeyEnd})
	s := screenOf(m)
	lines := strings.Split(s, "\n")
	if len(lines) != 24 || !strings.Contains(s, "5000-K900039-26") || !strings.Contains(lines[len(lines)-2], "↑↓ window") {
		t.Errorf("the last window, or the keys, off screen (%d lines):\n%s", len(lines), s)
	}
	if !strings.Contains(s, "Södergatan 14, bu… ") {
		t.Errorf("the camera's name is not cut with …:\n%s", s)
	}
}

func TestClockForm(t *testing.T) {
	ops := &fakeOps{}
	m := openFrames(t, ops, 80, 24)
	frameAt := m.(Model).shownTime()
	m = run(m, keyMsg("C"))
	s := screenOf(m)
	// The field starts at the camera clock klipp has for the frame (the
	// fake's is 37 s ahead).
	want := frameAt.Add(37 * time.Second).Format("2006-01-02 15:04:05")
	if m.(Model).Screen() != "form" || !strings.Contains(s, "Clock reading: Södergatan 2") || !strings.Contains(s, want) {
		t.Fatalf("clock form (want %s):\n%s", want, s)
	}

	// An empty reading is refused beside its field.
	m = run(m, clearField, keyMsg("enter"), keyMsg("enter"))
	if s := screenOf(m); !strings.Contains(s, "✗ required") {
		t.Errorf("empty reading:\n%s", s)
	}
	// A reading that is no time is refused when the field is left.
	m = run(m, seq(typed("2026-11-20 21:61:01"), []tea.Msg{tab})...)
	if s := screenOf(m); !strings.Contains(s, "✗ no such date or time: minute out of range") || len(ops.work.calls) != 0 {
		t.Errorf("a bad reading, left:\n%s", s)
	}
	m = run(m, tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}, clearField)
	m = run(m, seq(typed("2026-11-20 21:11:01"), []tea.Msg{tab}, typed("stämpel uppe till vänster"), keys("enter"))...)
	wantCall := "clock sodergatan-2 frame=" + frameAt.UTC().Format("15:04:05.000") + " shows=2026-11-20 21:11:01 note=stämpel uppe till vänster"
	if got := lastCall(t, ops); got != wantCall {
		t.Errorf("recorded %q, want %q", got, wantCall)
	}
	if m.(Model).Screen() != "frames" || !strings.Contains(m.(Model).Status(), "clock reading of sodergatan-2 recorded") {
		t.Errorf("after: %s %q", m.(Model).Screen(), m.(Model).Status())
	}
}

func TestPreviewPane(t *testing.T) {
	ops := &fakeOps{work: caseWorkCalls{stale: true}}
	m := startUI(ops, 120, 36, false)
	s := screenOf(m)
	for _, want := range []string{"│ 5000-K111111-26  in-progress", "request: Klipp och stillbilder", "2 timeline entries", "1 export(s)",
		"archive: 20261121T080000Z archived", "! the timeline changed after it", "footage expires 2026-11-26 21:00 (in 5d12h) !", "Skadegörelse vid Malmö C"} {
		if !strings.Contains(s, want) {
			t.Errorf("120 columns: no %q:\n%s", want, s)
		}
	}
	// The pane follows the cursor.
	m = run(m, keyMsg("j"))
	if s := screenOf(m); !strings.Contains(s, "│ 5000-K222222-26  requested") {
		t.Errorf("after j:\n%s", s)
	}
	// At 80 columns: no pane, and every title whole.
	m = run(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	s = screenOf(m)
	if strings.Contains(s, "│") || !strings.Contains(s, "Skadegörelse vid Malmö C") || !strings.Contains(s, "11-19 02:00") {
		t.Errorf("80 columns:\n%s", s)
	}
}

// TestScreensCaseWork draws the case-work screens at the three sizes
// against their golden files (go test ./internal/tui -run Screens -update).
func TestScreensCaseWork(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 36}, {160, 48}} {
		w, h := size[0], size[1]
		name := fmt.Sprintf("%dx%d", w, h)
		t.Run(name, func(t *testing.T) {
			ops := &fakeOps{work: caseWorkCalls{stale: true}}
			m := startUI(ops, w, h, false, keyMsg("i"))
			compareGolden(t, "requests-"+name, screenOf(m))
			m = run(m, keyMsg("esc"), keyMsg("enter"), keyMsg("s"))
			compareGolden(t, "case-status-"+name, screenOf(m))
			m = run(m, keyMsg("esc"), keyMsg("E"))
			compareGolden(t, "case-edit-"+name, screenOf(m))
			m = run(m, keyMsg("esc"), keyMsg("t"))
			compareGolden(t, "entry-edit-"+name, screenOf(m))
			m = run(m, keyMsg("esc"), keyMsg("enter"), keyMsg("C"))
			compareGolden(t, "clock-"+name, screenOf(m))
		})
	}
}

// The entry form checks a field when it is left, beside it, in the display
// zone; enter sends nothing while a field is wrong and focuses the first.
func TestEntryFormChecksOnLeaving(t *testing.T) {
	ops := &fakeOps{}
	m := openCase(t, ops, 80, 24)
	m = run(m, keyMsg("t"))
	if s := screenOf(m); !strings.Contains(s, "suspect, victim, vehicle, witness") {
		t.Errorf("the tags' hint does not name them:\n%s", s)
	}
	// line is a field's line with the error lines under it.
	line := func(s, label string) string {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, label) {
				for _, next := range lines[i+1:] {
					if !strings.HasPrefix(next, "   ") || strings.TrimSpace(next) == "" {
						break
					}
					l += " " + strings.TrimSpace(next)
				}
				return l
			}
		}
		return ""
	}
	m = run(m, seq([]tea.Msg{clearField}, typed("2026-13-20 21:14"), []tea.Msg{tab})...)
	if l := line(screenOf(m), "Time"); !strings.Contains(l, "✗ no such date or time: month out of range") {
		t.Errorf("a bad month, left: %q", l)
	}
	// The entry's time outside its clip (21:14:00–21:14:15 CET).
	m = run(m, seq([]tea.Msg{tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}, clearField}, typed("21:14:30"), []tea.Msg{tab})...)
	if l := line(screenOf(m), "Time"); !strings.Contains(l, "✗ outside the clip 21:14:00.000–21:14:15.000") {
		t.Errorf("a time outside the clip, left: %q", l)
	}
	// A tag not in the list, beside Tags.
	m = run(m, seq([]tea.Msg{tab, tab}, typed(",bil"), []tea.Msg{tab})...)
	if l := line(screenOf(m), "Tags"); !strings.Contains(l, `✗ "bil": use suspect, victim, vehicle, witness`) {
		t.Errorf("a wrong tag, left: %q\n%s", l, screenOf(m))
	}
	m = run(m, seq([]tea.Msg{tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}}, typed(",Vehicle"), []tea.Msg{tab})...)
	if l := line(screenOf(m), "Tags"); !strings.Contains(l, `✗ "bil", "Vehicle": use`) {
		t.Errorf("a wrong tag, left: %q\n%s", l, screenOf(m))
	}
	// enter on the last field sends nothing and goes to the first bad one.
	m = run(m, tab, tab, tab, keyMsg("enter"))
	if len(ops.work.calls) != 0 {
		t.Errorf("a form with errors was sent: %v", ops.work.calls)
	}
	if f := m.(Model).work.form; m.(Model).Screen() != "form" || f.fields[f.focus].name != "at" {
		t.Errorf("focus after a refused save: %s", f.fields[f.focus].name)
	}
	// Mended, it saves.
	m = run(m, seq([]tea.Msg{clearField}, typed("21:14:10"), keys("enter", "enter", "enter"), []tea.Msg{clearField}, typed("suspect"), keys("enter"))...)
	if got := lastCall(t, ops); got != "entry 5000-K111111-26 1 v0 at=21:14:10 tags=suspect" {
		t.Errorf("saved %q", got)
	}
}

// A value longer than its field is shown from its start, cut with …,
// when the field is not being typed in.
func TestFormLongValue(t *testing.T) {
	ops := &fakeOps{work: caseWorkCalls{version: 4}}
	m := openCase(t, ops, 80, 24)
	long := "Klipp och stillbilder från alla kameror runt Södergatan och Stortorget mellan 22:10 och 22:30, med särskilt fokus på den misstänktes väg"
	m = run(m, keyMsg("E"), keyMsg("enter"), keyMsg("enter"), keyMsg("enter"), keyMsg("enter"), keyMsg("enter"), keyMsg("enter"), keyMsg("enter"))
	m = run(m, seq([]tea.Msg{clearField}, typed(long), []tea.Msg{tab})...)
	var got string
	for _, l := range strings.Split(screenOf(m), "\n") {
		if strings.HasPrefix(l, "Request") && !strings.HasPrefix(l, "Requested") {
			got = l
		}
	}
	if !strings.Contains(got, "Klipp och stillbilder från") || !strings.HasSuffix(strings.TrimSpace(got), "…") {
		t.Errorf("the long request, left: %q", got)
	}
}

// A position far from every camera (a swapped pair) is warned of beside
// the field when it is left, in the case form and the new-case form; a
// position near one is not. The warning does not stop a save.
func TestFormPositionFarAway(t *testing.T) {
	far := "! the nearest camera (Södergatan 2) is " + catalog.FormatDistance(6_151_000) + " away: check it"
	ops := &fakeOps{work: caseWorkCalls{version: 4}}
	m := openCase(t, ops, 120, 36)
	m = run(m, keyMsg("E"), tab, tab, tab, clearField)
	m = run(m, seq(typed("13.0021,55.6036"), []tea.Msg{tab})...)
	if s := screenOf(m); !strings.Contains(s, far) {
		t.Errorf("a swapped position in the case form:\n%s", s)
	}
	m = run(m, seq([]tea.Msg{tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}, clearField}, typed("55.6036,13.0021"), []tea.Msg{tab})...)
	if s := screenOf(m); strings.Contains(s, "nearest camera") {
		t.Errorf("a position near a camera is warned of:\n%s", s)
	}
	m = run(m, keyMsg("esc"), keyMsg("esc"), keyMsg("n"), tab, tab, tab, tab)
	m = run(m, seq(typed("13.0021,55.6036"), []tea.Msg{tab})...)
	if s := screenOf(m); m.(Model).Screen() != "new case" || !strings.Contains(s, far) {
		t.Errorf("a swapped position in the new-case form (%s):\n%s", m.(Model).Screen(), s)
	}
}

// p while the case's export runs archives the new bundle once the export
// has finished, not the old one now; a question stays until answered.
func TestArchiveWaitsForRunningExport(t *testing.T) {
	ops := &fakeOps{work: caseWorkCalls{version: 4, stale: true}}
	m := openCase(t, ops, 80, 24)
	m, _ = m.Update(keyMsg("x")) // the export starts; its messages are not read here
	m, _ = m.Update(keyMsg("p"))
	if st := m.(Model).Status(); !strings.Contains(st, "is running: its bundle is archived when it has finished") || ops.pushes.Load() != 0 {
		t.Fatalf("p during the export: %q, %d pushes", st, ops.pushes.Load())
	}
	ch := make(chan tea.Msg)
	close(ch)
	m = run(m, chained{msg: doneMsg{text: "exported to /data/exports/K/x", number: "5000-K111111-26", job: "export 5000-K111111-26"}, ch: ch})
	if ops.pushes.Load() != 1 {
		t.Errorf("after the export: %d pushes", ops.pushes.Load())
	}
	// A question does not fade before it is answered.
	clock := fixedNow
	mm := m.(Model)
	mm.now = func() time.Time { return clock }
	m = run(mm, keyMsg("p"))
	clock = clock.Add(time.Minute)
	if st := m.(Model).Status(); !strings.Contains(st, "archive that export anyway? y to confirm") {
		t.Errorf("the question a minute later: %q", st)
	}
	m = run(m, keyMsg("n"))
	if st := m.(Model).Status(); st != "not archived" {
		t.Errorf("answered: %q", st)
	}
}

// The case's cursor stays on its entry when a reload reorders the
// entries (an entry's time changed), and the case list's on a case just
// made.
func TestCursorFollowsItsRow(t *testing.T) {
	ops := &fakeOps{}
	m := openCase(t, ops, 80, 24).(Model)
	d := m.caseView.detail
	if len(d.Entries) < 2 {
		t.Fatalf("entries %d", len(d.Entries))
	}
	first := d.Entries[0].ID
	reordered := d
	reordered.Entries = append(append([]Entry{}, d.Entries[1:]...), d.Entries[0])
	m = m.caseLoaded(reordered)
	if e, ok := m.currentEntry(); !ok || e.ID != first {
		t.Errorf("cursor on entry %d, want %d", e.ID, first)
	}
	m.cases.selectNew = "5000-K222222-26"
	rows, _ := ops.Cases(context.Background())
	mm := run(m, casesMsg(rows))
	if shown := mm.(Model).cases.shown(); shown[mm.(Model).cases.cursor].Number != "5000-K222222-26" {
		t.Errorf("case list cursor on %s", shown[mm.(Model).cases.cursor].Number)
	}
}

// A step's progress lines give way to its next percentage: one line a
// step, not one a percent.
func TestProgressLineAStep(t *testing.T) {
	m := openCase(t, &fakeOps{}, 80, 24).(Model)
	m.running = map[string]string{"export 5000-K111111-26": ""}
	ch := make(chan tea.Msg)
	close(ch)
	for _, l := range []string{"export: report.pdf", "export: sheet 03-x.png 63%", "export: sheet 03-x.png 72%", "export: sheet 04-y.png 10%"} {
		mm, _ := m.Update(chained{msg: progressMsg{job: "export 5000-K111111-26", number: "5000-K111111-26", line: l}, ch: ch})
		m = mm.(Model)
	}
	want := []string{"export: report.pdf", "export: sheet 03-x.png 72%", "export: sheet 04-y.png 10%"}
	if strings.Join(m.caseView.log, "|") != strings.Join(want, "|") {
		t.Errorf("progress lines %q, want %q", m.caseView.log, want)
	}
}

// Lines of finished jobs do not pile up: the last other job's stays.
func TestFinishedLinesDoNotPile(t *testing.T) {
	got := finished([]string{"✓ activity a: 1 segment scanned", "✓ export K: exported", "export K: sheet 10%", "✓ archive K: archived"}, "archive K")
	if len(got) != 1 || got[0] != "✓ export K: exported" {
		t.Errorf("kept %q", got)
	}
}

// A long path in a message loses its middle so the words after it stay.
func TestMessagePathsFit(t *testing.T) {
	msg := "error: entry 6 (gustav-adolfs-torg): cut /tmp/trial32/demo/data/exports/5000-K123456-26/.work-20261203T140255Z/06-gustav-adolfs-torg-221255.mp4: the file shows 325 frames where the range holds 375; removed it"
	got := fitPaths(msg, 160)
	if lipgloss.Width(got) > 160 || !strings.HasSuffix(got, "the file shows 325 frames where the range holds 375; removed it") || !strings.Contains(got, "…") || !strings.Contains(got, "221255.mp4:") {
		t.Errorf("%q (%d cells)", got, lipgloss.Width(got))
	}
	if short := "still saved: /data/x.png"; fitPaths(short, 160) != short {
		t.Errorf("a short message changed: %q", fitPaths(short, 160))
	}
}

// At 72 columns the clock form's title wraps whole.
func TestFormTitleWraps(t *testing.T) {
	m := openFrames(t, &fakeOps{}, 72, 20)
	m = run(m, keyMsg("C"))
	if s := screenOf(m); !strings.Contains(s, "(true\ntime)") {
		t.Errorf("the form's title is cut:\n%s", s)
	}
}

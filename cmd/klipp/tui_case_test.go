package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/demo"
	"github.com/klipp-forensics/klipp/internal/store"
	"github.com/klipp-forensics/klipp/internal/tui"
)

var ctrlU tea.Msg = tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}

// klippOK runs klipp with conf; a failure ends the test. It returns stdout.
func klippOK(t *testing.T, conf string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		code, out, errs := klipp(t, append([]string{"--config", conf}, args...)...)
		if code != 0 {
			t.Fatalf("klipp %s: %d %s", strings.Join(args, " "), code, errs)
		}
		return out
	}
}

// TestTUICaseWork works a case through the UI's keys over the real
// service (SQLite): status forward and back (reopen asked), the case's
// fields, an entry's time and tags, an edit refused because the case
// changed meanwhile, the stale-export flag, a request accepted and a clock
// reading; each is checked through the CLI.
func TestTUICaseWork(t *testing.T) {
	t.Parallel() // see TestMain
	dir, conf, gt := privateSite(t)
	k := klippOK(t, conf)
	show := func(number string) caseView {
		t.Helper()
		var c caseView
		if err := json.Unmarshal([]byte(k("--json", "case", "show", number)), &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	number := "K-TUI-WORK"
	k("case", "new", "--number", number, "--title", "Arbete", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:20")
	at := gt.Suspect.Visits[2].Enter.Add(2 * time.Second)
	k("timeline", "add", number, "--camera", "stortorget", "--at", at.Format(time.RFC3339Nano), "--text", "Första", "--tag", "suspect")

	m := newTestTUI(t, conf, 100, 30)
	m = drive(t, m, append(append([]tea.Msg{press("/")}, typeText(number)...), press("enter"), press("enter"))...)
	if got := m.(tui.Model).Screen(); got != "case" {
		t.Fatalf("on %s:\n%s", got, screenText(m))
	}

	// Status forward, then back with a confirmation.
	m = drive(t, m, press("s"), press("2"))
	if c := show(number); c.Status != "in-progress" {
		t.Errorf("status after s 2: %s", c.Status)
	}
	m = drive(t, m, press("s"), press("1"))
	if c := show(number); c.Status != "in-progress" || !strings.Contains(m.(tui.Model).Status(), "y to confirm") {
		t.Errorf("moved back without y: %s %q", c.Status, m.(tui.Model).Status())
	}
	m = drive(t, m, press("y"))
	if c := show(number); c.Status != "requested" {
		t.Errorf("status after reopen: %s", c.Status)
	}

	// The case's fields: a new title, the end as a time of day.
	m = drive(t, m, press("E"), ctrlU)
	m = drive(t, m, typeText("Arbete på Stortorget")...)
	for range 5 {
		m = drive(t, m, press("tab"))
	}
	m = drive(t, m, ctrlU)
	m = drive(t, m, typeText("22:25")...)
	for range 5 {
		m = drive(t, m, press("enter"))
	}
	c := show(number)
	if c.Title != "Arbete på Stortorget" || !c.To.Equal(time.Date(2026, 11, 20, 21, 25, 0, 0, time.UTC)) {
		t.Errorf("case edit: %q to %s; UI: %s %q", c.Title, c.To, m.(tui.Model).Screen(), m.(tui.Model).Status())
	}
	// A field the service refuses is shown beside it.
	m = drive(t, m, press("E"))
	for range 4 {
		m = drive(t, m, press("tab"))
	}
	m = drive(t, m, ctrlU)
	m = drive(t, m, typeText("2026-11-20 23:00")...)
	for range 6 {
		m = drive(t, m, press("enter"))
	}
	if s := screenText(m); m.(tui.Model).Screen() != "form" || !strings.Contains(s, "✗") || !strings.Contains(s, "after") {
		t.Errorf("from after to: %s\n%s", m.(tui.Model).Screen(), s)
	}
	m = drive(t, m, press("esc"))
	// Saved unchanged, nothing is written.
	before := show(number)
	m = drive(t, m, press("E"))
	for range 10 {
		m = drive(t, m, press("enter"))
	}
	if after := show(number); after.Version != before.Version || m.(tui.Model).Status() != "nothing changed" {
		t.Errorf("E saved unchanged: version %d → %d, %q", before.Version, after.Version, m.(tui.Model).Status())
	}

	// Someone changes the case from the CLI: the UI's next edit, based on
	// the version it showed, is refused with who changed it.
	k("case", "edit", number, "--crime", "rån")
	m = drive(t, m, press("s"), press("2"))
	if s := m.(tui.Model).Status(); !strings.Contains(s, "was changed by") || show(number).Status != "requested" {
		t.Errorf("stale edit: %q", s)
	}
	// Shown again, the next one goes through.
	m = drive(t, m, press("s"), press("2"))
	if st := show(number).Status; st != "in-progress" {
		t.Errorf("after reload: %s (%q)", st, m.(tui.Model).Status())
	}

	// An entry's time and tags.
	newAt := at.Add(1500 * time.Millisecond)
	m = drive(t, m, press("t"), ctrlU)
	m = drive(t, m, typeText(newAt.In(time.FixedZone("CET", 3600)).Format("15:04:05.000"))...)
	m = drive(t, m, press("tab"), press("tab"), press("tab"))
	m = drive(t, m, typeText(",vehicle")...)
	m = drive(t, m, press("enter"))
	var entries []struct {
		At   time.Time
		Tags []string
	}
	json.Unmarshal([]byte(k("--json", "timeline", "list", number)), &entries)
	// The time typed is put on the frame on screen then: Stortorget's
	// frames are on whole 200 ms.
	if len(entries) != 1 || !entries[0].At.Equal(newAt.Truncate(200*time.Millisecond)) || strings.Join(entries[0].Tags, ",") != "suspect,vehicle" {
		t.Errorf("entry after t: %+v (UI %q)", entries, m.(tui.Model).Status())
	}

	// Someone changes the entry's text from the CLI while the UI shows the
	// old one: the UI's text edit is refused with who changed it, what was
	// typed is kept, and a second enter saves it over, knowingly.
	entryText := func() string {
		t.Helper()
		var es []struct{ Text string }
		if err := json.Unmarshal([]byte(k("--json", "timeline", "list", number)), &es); err != nil || len(es) != 1 {
			t.Fatalf("timeline list: %v %+v", err, es)
		}
		return es[0].Text
	}
	k("timeline", "edit", number, "1", "--text", "Från CLI")
	m = drive(t, m, press("e"))
	m = drive(t, m, append(typeText(" – ny"), press("enter"))...)
	if s := m.(tui.Model).Status(); !regexp.MustCompile(`changed meanwhile by .+ at \d\d:\d\d:\d\d; your text is kept`).MatchString(s) || !strings.Contains(s, "enter saves it over") || entryText() != "Från CLI" {
		t.Errorf("a text edit based on an old version: %q, entry %q", s, entryText())
	}
	m = drive(t, m, press("enter"))
	if got := entryText(); got != "Första – ny" {
		t.Errorf("saved over: %q (UI %q)", got, m.(tui.Model).Status())
	}
	// Refused again, the list shows the other change at once; esc drops
	// the edit and its draft, so a later e starts from the entry's text.
	k("timeline", "edit", number, "1", "--text", "Andra från CLI")
	m = drive(t, m, press("e"))
	m = drive(t, m, append(typeText(" (UI)"), press("enter"))...)
	if s := screenText(m); !strings.Contains(s, "Andra från CLI") || !strings.Contains(m.(tui.Model).Status(), "esc drops it") {
		t.Errorf("the case after a refused edit:\n%s", s)
	}
	m = drive(t, m, press("esc"), press("e"))
	if st := m.(tui.Model).Status(); strings.Contains(st, "restored") || strings.Contains(screenText(m), "(UI)") {
		t.Errorf("a cancelled edit came back: %q\n%s", st, screenText(m))
	}
	m = drive(t, m, press("esc"))
	if got := entryText(); got != "Andra från CLI" {
		t.Errorf("after esc: %q", got)
	}

	// The stale-export flag: off after an export, on after the timeline
	// changes, off again after the next export.
	ops := tui.NewServiceOps(mustService(t, conf).svc)
	ctx := context.Background()
	stale := func() bool {
		d, err := ops.Case(ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		return d.Stale
	}
	if stale() {
		t.Error("stale before any export")
	}
	out := t.TempDir()
	k("export", number, "-o", out)
	if stale() {
		t.Error("stale right after the export")
	}
	m = drive(t, m, press("e"))
	m = drive(t, m, append(typeText(" (ändrad)"), press("enter"))...)
	if !stale() {
		t.Error("not stale after the entry's text changed")
	}
	if s := screenText(m); !strings.Contains(s, "the timeline changed after the newest export") {
		t.Errorf("no flag on the case screen:\n%s", s)
	}
	// Export ids are the second they were made in: the second export
	// must not fall in the first one's second.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	k("export", number, "-o", out)
	if stale() {
		t.Error("stale after exporting again")
	}
	k("timeline", "rm", number, "1")
	if !stale() {
		t.Error("not stale after an entry was removed")
	}

	// A clock reading from the frame browser: C at the frame, what the
	// recorder's clock shows, a note.
	k("timeline", "add", number, "--camera", "stortorget", "--at", at.Format(time.RFC3339Nano), "--text", "Igen")
	m = drive(t, m, press("esc"), press("enter")) // the case again, with its entry
	m = drive(t, m, press("enter"))
	if m.(tui.Model).Screen() != "frames" {
		t.Fatalf("on %s:\n%s", m.(tui.Model).Screen(), screenText(m))
	}
	m = drive(t, m, press("C"))
	if s := screenText(m); m.(tui.Model).Screen() != "form" || !strings.Contains(s, "Clock shows") {
		t.Fatalf("clock form:\n%s", s)
	}
	m = drive(t, m, ctrlU)
	shows := at.Add(3 * time.Second).In(time.FixedZone("CET", 3600)).Format("2006-01-02 15:04:05")
	m = drive(t, m, typeText(shows)...)
	m = drive(t, m, press("tab"))
	m = drive(t, m, append(typeText("OSD uppe till vänster"), press("enter"))...)
	if m.(tui.Model).Screen() != "frames" || !strings.Contains(m.(tui.Model).Status(), "clock reading of stortorget recorded") {
		t.Errorf("after the reading: %s %q", m.(tui.Model).Screen(), m.(tui.Model).Status())
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "cameras.yaml")); !strings.Contains(string(data), shows) || !strings.Contains(string(data), "OSD uppe till vänster") {
		t.Errorf("cameras.yaml lacks the reading %s", shows)
	}
	// The frame is read again: its camera clock is 3 s ahead now.
	if s := screenText(m); !strings.Contains(s, "camera clock "+at.Add(3*time.Second).In(time.FixedZone("CET", 3600)).Format("15:04:05")) {
		t.Errorf("the frame after the reading:\n%s", s)
	}

	// An entry removed from the CLI while its text is edited here: the
	// error, the list without it, and no draft that comes back.
	m = drive(t, m, press("esc"))
	var ids []struct{ ID int64 }
	json.Unmarshal([]byte(k("--json", "timeline", "list", number)), &ids)
	m = drive(t, m, press("e"))
	m = drive(t, m, typeText(" – borta")...)
	for _, e := range ids {
		k("timeline", "rm", number, fmt.Sprint(e.ID))
	}
	m = drive(t, m, press("enter"))
	if s := screenText(m); !strings.Contains(m.(tui.Model).Status(), "error") || !strings.Contains(s, "no timeline entries") {
		t.Errorf("a text edit of a removed entry: %q\n%s", m.(tui.Model).Status(), s)
	}
}

// privateSite is the test site's footage (hard links, read only) with its
// own configuration, catalog and store, indexed: for tests that change the
// catalog or count on being alone in the store. Its exports' presentation
// copies are 640x360 (in its klipp.yaml, not the environment, so that
// tests on it may run in parallel).
func privateSite(t *testing.T) (dir, conf string, gt *demo.GroundTruth) {
	t.Helper()
	shared := site(t)
	dir = t.TempDir()
	err := filepath.WalkDir(shared, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(shared, path)
		dst := filepath.Join(dir, rel)
		switch {
		case rel == "data":
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case filepath.Dir(rel) == ".": // klipp.yaml, cameras.yaml, ground truth: copies, as they may change
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(dst, data, 0o644)
		}
		if os.Link(path, dst) == nil {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	conf = filepath.Join(dir, "klipp.yaml")
	f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString("presentation: {width: 640, height: 360} # exports are quick\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	klippOK(t, conf)("-q", "index")
	if gt, err = demo.LoadGroundTruth(filepath.Join(dir, "ground-truth.json")); err != nil {
		t.Fatal(err)
	}
	return dir, conf, gt
}

// mustService is the service the UI runs on, for checks through ServiceOps.
// TestTUIFootageAtRisk checks the case list's expiry column and the
// retention screen against the CLI's retention defaults over the real
// service: a new case with no entries whose place is 20 m from the shop
// camera (14 days' retention) has footage at risk eleven days later.
func TestTUIFootageAtRisk(t *testing.T) {
	t.Parallel() // see TestMain
	_, conf, _ := privateSite(t)
	k := klippOK(t, conf)
	number := "K-TUI-RISK"
	k("case", "new", "--number", number, "--title", "Nära butiken", "--position", "55.6041,13.0024",
		"--from", "2026-11-20 22:10", "--to", "2026-11-20 22:12")
	var cli struct {
		Windows []struct{ Case, Camera, State string }
	}
	if err := json.Unmarshal([]byte(k("--json", "retention", "--now", "2026-12-01 12:00")), &cli); err != nil {
		t.Fatal(err)
	}
	if len(cli.Windows) != 1 || cli.Windows[0].Case != number || cli.Windows[0].Camera != "sodergatan-14" || cli.Windows[0].State != "at-risk" {
		t.Fatalf("the CLI's defaults: %+v", cli.Windows)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	m := newTestTUIAt(t, conf, 120, 36, func() time.Time { return now })
	// The shop keeps 14 days: the window's first minute goes 2026-12-04
	// 22:10 (the site shows UTC).
	line := ""
	for _, l := range strings.Split(screenText(m), "\n") {
		if strings.Contains(l, number) {
			line = l
		}
	}
	if !strings.Contains(line, "12-04 22:10 !") || !strings.Contains(screenText(m), "footage expires 2026-12-04 22:10 (in 3d9h)") {
		t.Errorf("case list's expiry: %q\n%s", line, screenText(m))
	}
	m = drive(t, m, press("r"))
	if s := screenText(m); !strings.Contains(s, number) || !strings.Contains(s, "Södergatan 14") || !strings.Contains(s, "at-risk") {
		t.Errorf("retention screen:\n%s", s)
	}
	// P preserves it as the screen shows it at risk: a preservation bundle,
	// archived; the window is at risk no more.
	m = drive(t, m, press("P"))
	if st := m.(tui.Model).Status(); !strings.Contains(st, "preserved "+number+"/") || !strings.Contains(st, "-preserve (") {
		t.Fatalf("P: %q\n%s", st, screenText(m))
	}
	cli.Windows = nil
	if err := json.Unmarshal([]byte(k("--json", "retention", "--now", "2026-12-01 12:00")), &cli); err != nil {
		t.Fatal(err)
	}
	if len(cli.Windows) != 0 {
		t.Errorf("still at risk after P: %+v", cli.Windows)
	}
}

// TestTUIStillsJoinEntries takes stills with s over the real service: one
// before its entry exists is the entry's once it is added in the clip's
// range; one at an entry's own time is listed as the entry's, not as the
// automatic one; an archived case takes none and writes nothing.
func TestTUIStillsJoinEntries(t *testing.T) {
	t.Parallel() // see TestMain
	dir, conf, gt := privateSite(t)
	k := klippOK(t, conf)
	number := "K-TUI-STILL"
	k("case", "new", "--number", number, "--title", "Stillbilder", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:20")
	stills := func() [][]time.Time {
		t.Helper()
		var es []struct{ Stills []time.Time }
		if err := json.Unmarshal([]byte(k("--json", "timeline", "list", number)), &es); err != nil {
			t.Fatal(err)
		}
		var out [][]time.Time
		for _, e := range es {
			out = append(out, e.Stills)
		}
		return out
	}
	cet := time.FixedZone("CET", 3600)
	goTo := func(at time.Time) []tea.Msg {
		return append(append([]tea.Msg{press("g")}, typeText(at.In(cet).Format("15:04:05.000"))...), press("enter"))
	}
	m := newTestTUI(t, conf, 100, 30)
	m = drive(t, m, append(append([]tea.Msg{press("/")}, typeText(number)...), press("enter"), press("enter"), press("c"), press("/"))...)
	m = drive(t, m, append(typeText("stortorget"), press("enter"), press("enter"))...)
	// Frames of Stortorget are on whole 200 ms.
	t1 := gt.Suspect.Visits[2].Enter.Add(2 * time.Second).Truncate(200 * time.Millisecond)
	t2 := t1.Add(2 * time.Second)
	m = drive(t, m, goTo(t1)...)
	m = drive(t, m, press("s"))
	if st := m.(tui.Model).Status(); !strings.Contains(st, "still saved") || !strings.Contains(st, "no entry on this camera near it (a adds one): ") {
		t.Fatalf("s before the entry: %q", st)
	}
	m = drive(t, m, goTo(t2)...)
	m = drive(t, m, append(append([]tea.Msg{press("a")}, typeText("Misstänkt")...), press("enter"))...)
	got := stills()
	if len(got) != 1 || len(got[0]) != 2 || !got[0][0].Equal(t1) || !got[0][1].Equal(t2) {
		t.Errorf("the entry's stills after a still 2 s before it: %v, want [%s %s]", got, t1, t2)
	}
	// An entry with no stills of its own; a still at its time is its own.
	t3 := t1.Add(40 * time.Second)
	m = drive(t, m, goTo(t3)...)
	m = drive(t, m, append(append([]tea.Msg{press("a")}, typeText("Senare")...), press("enter"))...)
	if got := stills(); len(got) != 2 || len(got[1]) != 0 {
		t.Fatalf("the second entry: %v", got)
	}
	m = drive(t, m, press("s"))
	if st := m.(tui.Model).Status(); !strings.Contains(st, "linked to entry 2") {
		t.Errorf("s at the entry's time: %q", st)
	}
	if got := stills(); len(got) != 2 || len(got[1]) != 1 || !got[1][0].Equal(t3) {
		t.Errorf("a still at the entry's own time: %v", got)
	}
	// Near the entry but outside its clip (-5 s to +10 s): saved, not
	// linked (an entry's stills lie in its clip), and the clip is named.
	m = drive(t, m, goTo(t3.Add(12*time.Second))...)
	m = drive(t, m, press("s"))
	clip := t3.Add(-5*time.Second).In(cet).Format("15:04:05.000") + "–" + t3.Add(10*time.Second).In(cet).Format("15:04:05.000")
	if st := m.(tui.Model).Status(); !strings.Contains(st, "still saved") || !strings.Contains(st, "not linked: outside entry 2's clip "+clip+" (t in the case widens it): ") {
		t.Errorf("s outside the entry's clip: %q", st)
	}
	if got := stills(); len(got) != 2 || len(got[1]) != 1 {
		t.Errorf("a still outside the clip changed the entries: %v", got)
	}
	// Widened with t as the message says, the clip takes that still.
	m = drive(t, m, press("esc"), press("esc"), press("end"), press("t"), press("tab"), press("tab"), ctrlU)
	m = drive(t, m, append(typeText(t3.Add(15*time.Second).In(cet).Format("15:04:05.000")), press("enter"), press("enter"))...)
	if got := stills(); len(got) != 2 || len(got[1]) != 2 || !got[1][1].Equal(t3.Add(12*time.Second)) {
		t.Errorf("the still after widening the clip: %v (UI %q)", got, m.(tui.Model).Status())
	}
	// Entry 1's automatic still (at its time t2, never taken) follows its
	// time when t moves it; the still taken at t1 stays.
	m = drive(t, m, press("home"), press("t"), ctrlU)
	m = drive(t, m, append(typeText(t2.Add(time.Second).In(cet).Format("15:04:05.000")), press("enter"), press("enter"), press("enter"), press("enter"))...)
	if got := stills(); len(got[0]) != 2 || !got[0][0].Equal(t1) || !got[0][1].Equal(t2.Add(time.Second)) {
		t.Errorf("entry 1's stills after moving it: %v, want [%s %s] (UI %q)", got[0], t1, t2.Add(time.Second), m.(tui.Model).Status())
	}
	m = drive(t, m, press("c"), press("enter"))

	// Archived (status 4 on the case screen, confirmed), the case takes no still and
	// writes no file.
	m = drive(t, m, press("esc"), press("esc"), press("s"), press("4"), press("y"))
	if st := m.(tui.Model).Status(); !strings.Contains(st, "is archived now") {
		t.Fatalf("s 4: %q\n%s", st, screenText(m))
	}
	m = drive(t, m, press("enter"))
	if m.(tui.Model).Screen() != "frames" {
		t.Fatalf("not on frames: %s\n%s", m.(tui.Model).Screen(), screenText(m))
	}
	before, _ := filepath.Glob(filepath.Join(dir, "data", "stills", number, "*.png"))
	m = drive(t, m, press("right"), press("s"))
	after, _ := filepath.Glob(filepath.Join(dir, "data", "stills", number, "*.png"))
	if st := m.(tui.Model).Status(); !strings.Contains(st, "is archived") || len(after) != len(before) {
		t.Errorf("s on an archived case: %q, %d stills before, %d after", st, len(before), len(after))
	}
	m = drive(t, m, press("a"))
	if st := m.(tui.Model).Status(); !strings.Contains(st, "is archived") || strings.Contains(screenText(m), "entry: ") {
		t.Errorf("a on an archived case: %q\n%s", st, screenText(m))
	}
	m = drive(t, m, press("esc"), press("e"))
	if st := m.(tui.Model).Status(); !strings.Contains(st, "is archived") || strings.Contains(screenText(m), "edit text:") {
		t.Errorf("e on an archived case: %q\n%s", st, screenText(m))
	}
	// The service refuses it too, before writing anything.
	svc, err := mustService(t, conf).service(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "x.png")
	if _, err := svc.Still(context.Background(), app.StillRequest{Camera: "stortorget", Times: []time.Time{t1}, Out: out, Case: number}, nil); err == nil || !strings.Contains(err.Error(), "is archived") {
		t.Errorf("the service's still for an archived case: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the refused still was written")
	}
	// Nor does the case still make the case's stills folder.
	stillsDir := filepath.Join(dir, "data", "stills", number)
	if err := os.RemoveAll(stillsDir); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CaseStill(context.Background(), app.CaseStillRequest{Case: number, Camera: "stortorget", At: t1}); err == nil || !strings.Contains(err.Error(), "is archived") {
		t.Errorf("the service's case still for an archived case: %v", err)
	}
	if _, err := os.Stat(stillsDir); err == nil {
		t.Error("the refused case still made the stills folder")
	}
}

func mustService(t *testing.T, conf string) *cli {
	t.Helper()
	a := &cli{stdout: os.Stdout, stderr: os.Stderr, now: time.Now, configFile: conf, quiet: true}
	if _, err := a.newTUI(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestTUIArchiveActions verifies, holds and releases an archived bundle
// from the archive screen, in the local archive (the default backend).
func TestTUIArchiveActions(t *testing.T) {
	t.Parallel() // see TestMain
	_, conf, gt := privateSite(t)
	k := klippOK(t, conf)
	number := "K-TUI-ARKIV"
	k("case", "new", "--number", number, "--title", "Arkiv", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17")
	at := gt.Suspect.Visits[1].Enter.Add(2 * time.Second)
	k("timeline", "add", number, "--camera", "lilla-torg", "--at", at.Format(time.RFC3339Nano), "--text", "Lilla Torg")
	var exp struct{ Dir string }
	json.Unmarshal([]byte(k("--json", "export", number, "-o", t.TempDir())), &exp)
	k("archive", "push", exp.Dir)

	m := newTestTUI(t, conf, 120, 36)
	m = drive(t, m, press("a"))
	s := screenText(m)
	year := time.Now().Year() + 9
	if !strings.Contains(s, number+"/") || !strings.Contains(s, "archived") || !strings.Contains(s, " MB") || !strings.Contains(s, "at push") {
		t.Fatalf("archive screen:\n%s", s)
	}
	if !strings.Contains(s, " "+strconv.Itoa(year)+"-") && !strings.Contains(s, " "+strconv.Itoa(year+1)+"-") {
		t.Errorf("no lock date about 10 years ahead:\n%s", s)
	}
	m = drive(t, m, press("v"))
	if s := screenText(m); !strings.Contains(s, "ok ") || !strings.Contains(m.(tui.Model).Status(), "verified") {
		t.Errorf("verify: %q\n%s", m.(tui.Model).Status(), s)
	}
	// The verification is remembered from the audit log, in another UI
	// and in archive ls.
	if s := screenText(drive(t, newTestTUI(t, conf, 120, 36), press("a"))); !strings.Contains(s, "ok "+time.Now().Format("01-02")) {
		t.Errorf("the verification is forgotten by the next UI:\n%s", s)
	}
	var listed []struct {
		Verified *struct{ OK bool } `json:"last_verified"`
	}
	json.Unmarshal([]byte(k("--json", "archive", "ls")), &listed)
	if len(listed) != 1 || listed[0].Verified == nil || !listed[0].Verified.OK {
		t.Errorf("archive ls: %s", k("--json", "archive", "ls"))
	}
	holds := func() bool {
		var rows []struct {
			Hold bool `json:"legal_hold"`
		}
		json.Unmarshal([]byte(k("--json", "archive", "ls")), &rows)
		return len(rows) == 1 && rows[0].Hold
	}
	m = drive(t, m, press("h"), press("n"))
	if holds() {
		t.Fatal("held without y")
	}
	m = drive(t, m, press("h"), press("y"))
	if !holds() || !strings.Contains(screenText(m), "hold") {
		t.Errorf("no hold after h y: %q", m.(tui.Model).Status())
	}
	m = drive(t, m, press("h"), press("y"))
	if holds() {
		t.Errorf("still held after release: %q", m.(tui.Model).Status())
	}
}

// TestTUIAcceptRequest accepts an investigator's request from the requests
// screen over the real service: the case is opened and the request names
// it.
func TestTUIAcceptRequest(t *testing.T) {
	conf := emptyConfig(t)
	a := mustService(t, conf)
	st, err := a.openStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	if _, err := st.CreateRequest(context.Background(), store.Request{Title: "Skadegörelse", From: from, To: from.Add(10 * time.Minute),
		Need: "Kamerorna vid torget", FiledBy: "ivar", Filed: from.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	k := klippOK(t, conf)
	m := newTestTUI(t, conf, 80, 24)
	m = drive(t, m, press("i"))
	if s := screenText(m); !strings.Contains(s, "Skadegörelse") || !strings.Contains(s, "filed") || !strings.Contains(s, "Kamerorna vid torget") {
		t.Fatalf("requests:\n%s", s)
	}
	m = drive(t, m, press("enter"))
	m = drive(t, m, append(typeText("bad/number"), press("enter"))...)
	if s := screenText(m); m.(tui.Model).Screen() != "form" || !strings.Contains(s, "✗") {
		t.Errorf("a bad number is not refused beside its field:\n%s", s)
	}
	m = drive(t, m, ctrlU)
	m = drive(t, m, append(typeText("K-TUI-REQ"), press("enter"))...)
	if s := screenText(m); m.(tui.Model).Screen() != "case" || !strings.Contains(s, "Case K-TUI-REQ") || !strings.Contains(s, "Skadegörelse") {
		t.Errorf("after accepting: %s\n%s", m.(tui.Model).Screen(), s)
	}
	var reqs []struct{ Case string }
	json.Unmarshal([]byte(k("--json", "request", "list")), &reqs)
	if len(reqs) != 1 || reqs[0].Case != "K-TUI-REQ" {
		t.Errorf("request list: %+v", reqs)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/klipp-forensics/klipp/internal/demo"
	"github.com/klipp-forensics/klipp/internal/store"
	"github.com/klipp-forensics/klipp/internal/tui"
)

// drive sends messages to a model and runs every command they cause,
// synchronously, until none is left: Update-level tests with the real
// operations behind the UI.
func drive(t *testing.T, m tea.Model, msgs ...tea.Msg) tea.Model {
	t.Helper()
	var queue []tea.Cmd
	run := func(msg tea.Msg) {
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		if cmd != nil {
			queue = append(queue, cmd)
		}
	}
	flush := func() {
		for len(queue) > 0 {
			cmd := queue[0]
			queue = queue[1:]
			msg := cmd()
			switch msg := msg.(type) {
			case nil, tea.QuitMsg:
			case tea.BatchMsg:
				for _, c := range msg {
					if c != nil {
						queue = append(queue, c)
					}
				}
			default:
				run(msg)
			}
		}
	}
	for _, msg := range msgs {
		run(msg)
		flush()
	}
	return m
}

func press(k string) tea.Msg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// typeText is one key press per character.
func typeText(s string) []tea.Msg {
	var out []tea.Msg
	for _, r := range s {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[a-zA-Z]`)

// screenText is what the terminal shows, without colours.
func screenText(m tea.Model) string {
	s := ansi.ReplaceAllString(m.View().Content, "")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.TrimRight(l, " "))
	}
	return strings.Join(lines, "\n")
}

func newTestTUI(t *testing.T, conf string, w, h int) tea.Model {
	t.Helper()
	return newTestTUIAt(t, conf, w, h, time.Now)
}

// newTestTUIAt is newTestTUI with the service's clock given.
func newTestTUIAt(t *testing.T, conf string, w, h int, now func() time.Time) tea.Model {
	t.Helper()
	a := &cli{stdout: os.Stdout, stderr: os.Stderr, now: now, configFile: conf, quiet: true}
	m, err := a.newTUI(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m = m.WithoutTimers()
	var tm tea.Model = m
	if cmd := m.Init(); cmd != nil {
		tm = drive(t, tm, cmd())
	}
	return drive(t, tm, tea.WindowSizeMsg{Width: w, Height: h})
}

// TestTUIUpdate checks single steps through Update.
func TestTUIUpdate(t *testing.T) {
	_, conf, gt := indexedSite(t)
	number := "K-TUI-UPDATE"
	if code, _, errs := klipp(t, "--config", conf, "case", "new", "--number", number, "--title", "Update", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:20"); code != 0 {
		t.Fatal(errs)
	}
	at := gt.Suspect.Visits[2].Enter.Add(2 * time.Second)
	if code, _, errs := klipp(t, "--config", conf, "timeline", "add", number, "--camera", "stortorget", "--at", at.Format(time.RFC3339Nano), "--text", "Första"); code != 0 {
		t.Fatal(errs)
	}
	m := newTestTUI(t, conf, 100, 30)
	// Typing a case number's first capital starts the filter.
	m = drive(t, m, append(typeText(number), press("enter"))...)
	if s := screenText(m); !strings.Contains(s, "filter: "+number) || strings.Count(s, "requested ") != 1 {
		t.Fatalf("type to filter:\n%s", s)
	}
	m = drive(t, m, press("enter"))
	beforeDamage := "" // the last frame before the damaged file, as the screen gives it
	tests := []struct {
		name  string
		keys  []tea.Msg
		check func(t *testing.T, m tui.Model, screen string)
	}{
		{"edit the entry's text", append([]tea.Msg{press("e")}, append(typeText(" (ändrad)"), press("enter"))...), func(t *testing.T, m tui.Model, s string) {
			if !strings.Contains(s, "Första (ändrad)") {
				t.Errorf("edited text not shown:\n%s", s)
			}
		}},
		{"frames: one frame forward", []tea.Msg{press("enter"), press("right")}, func(t *testing.T, m tui.Model, s string) {
			want := at.Add(200 * time.Millisecond).In(time.FixedZone("CET", 3600)).Format("15:04:05.000")
			if m.Screen() != "frames" || !strings.Contains(s, "frame "+want) {
				t.Errorf("after → want frame %s:\n%s", want, s)
			}
		}},
		{"frames: ten seconds back and a typed time", append([]tea.Msg{press("["), press("g")}, append(typeText("22:00:30"), press("enter"))...), func(t *testing.T, m tui.Model, s string) {
			if !strings.Contains(s, "cursor 2026-11-20 22:00:30.000") {
				t.Errorf("go to 22:00:30:\n%s", s)
			}
		}},
		{"frames: n goes to the next camera by distance at the same time", []tea.Msg{press("n")}, func(t *testing.T, m tui.Model, s string) {
			if strings.HasPrefix(s, "Stortorget") || !strings.Contains(s, "cursor 2026-11-20 22:00:30.000") {
				t.Errorf("n:\n%s", s)
			}
		}},
		{"frames: p comes back", []tea.Msg{press("p")}, func(t *testing.T, m tui.Model, s string) {
			if !strings.HasPrefix(s, "Stortorget") {
				t.Errorf("p:\n%s", s)
			}
		}},
		{"mouse: the wheel steps a frame", []tea.Msg{tea.MouseWheelMsg{Button: tea.MouseWheelDown}}, func(t *testing.T, m tui.Model, s string) {
			if !strings.Contains(s, "cursor 2026-11-20 22:00:30.200") {
				t.Errorf("wheel down:\n%s", s)
			}
		}},
		{"mouse: a click on the selected entry opens it", []tea.Msg{press("esc"), tea.MouseClickMsg{Button: tea.MouseLeft, Y: 5}}, func(t *testing.T, m tui.Model, s string) {
			if m.Screen() != "frames" {
				t.Errorf("click on the entry row: %s\n%s", m.Screen(), s)
			}
		}},
		{"frames: inside a file that cannot be read, the browser says so", append(append([]tea.Msg{press("g")}, typeText("22:15:30")...), press("enter")), func(t *testing.T, m tui.Model, s string) {
			if !strings.Contains(s, "no picture here: damaged file") || !strings.Contains(s, "moov atom not found") || !strings.Contains(s, "footage after, 22:16:00.000") || !strings.Contains(s, "xxxx") {
				t.Errorf("in the damaged file:\n%s", s)
			}
			if mm := regexp.MustCompile(`footage before, (\d\d:\d\d:\d\d\.\d\d\d)`).FindStringSubmatch(s); mm != nil {
				beforeDamage = mm[1]
			} else {
				t.Errorf("no footage before the damaged file:\n%s", s)
			}
		}},
		{"frames: s takes no still where there is no picture", []tea.Msg{press("s")}, func(t *testing.T, m tui.Model, s string) {
			if st := m.Status(); st != "no picture here to take a still of: < and > go to the footage" {
				t.Errorf("s in the damaged file: %q", st)
			}
		}},
		{"frames: < goes to the footage before, at the time the screen gave", []tea.Msg{press("<")}, func(t *testing.T, m tui.Model, s string) {
			if !strings.Contains(s, "frame "+beforeDamage) || !strings.Contains(s, "cursor 2026-11-20 "+beforeDamage) {
				t.Errorf("< from the damaged file: want the frame and cursor at %s:\n%s", beforeDamage, s)
			}
		}},
		{"an entry where there is no footage is added with the warning", append(append([]tea.Msg{press("g")}, typeText("22:15:30")...),
			append([]tea.Msg{press("enter"), press("a")}, append(typeText("Ingen bild"), press("enter"))...)...), func(t *testing.T, m tui.Model, s string) {
			if st := m.Status(); !strings.Contains(st, "entry added at 22:15:30.000") || !strings.Contains(st, "footage") {
				t.Errorf("status %q", st)
			}
		}},
		{"delete needs y", []tea.Msg{press("esc"), press("d"), press("n")}, func(t *testing.T, m tui.Model, s string) {
			if m.Status() != "not deleted" || !strings.Contains(s, "Första") {
				t.Errorf("d then n: %q\n%s", m.Status(), s)
			}
		}},
		{"delete", []tea.Msg{press("d"), press("y")}, func(t *testing.T, m tui.Model, s string) {
			if strings.Contains(s, "Första") || !strings.Contains(m.Status(), "deleted") {
				t.Errorf("d then y: %q\n%s", m.Status(), s)
			}
		}},
	}
	for _, tc := range tests {
		m = drive(t, m, tc.keys...)
		tc.check(t, m.(tui.Model), screenText(m))
	}
	// The deletion is in the store and the audit log, as from the CLI.
	_, out, _ := klipp(t, "--config", conf, "--json", "timeline", "list", number)
	if strings.Contains(out, "Första") {
		t.Errorf("the entry is still stored: %s", out)
	}
}

// TestTUIFlow drives the whole flow on the demo site with the keys shown on
// screen: open the case, pick a camera, step to a ground-truth time, take a
// still, add an entry, export; then checks the bundle.
func TestTUIFlow(t *testing.T) {
	_, conf, gt := indexedSite(t)
	t.Setenv("KLIPP_PRESENTATION_WIDTH", "640")
	t.Setenv("KLIPP_PRESENTATION_HEIGHT", "360")
	number := "K-TUI-FLOW"
	if code, _, errs := klipp(t, "--config", conf, "case", "new", "--number", number, "--title", "Flöde", "--position", "55.6058,13.0010",
		"--from", "2026-11-20 22:05", "--to", "2026-11-20 22:12"); code != 0 {
		t.Fatal(errs)
	}
	m := newTestTUI(t, conf, 80, 24)
	seq := func(parts ...[]tea.Msg) []tea.Msg {
		var out []tea.Msg
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	keys := func(ks ...string) []tea.Msg {
		var out []tea.Msg
		for _, k := range ks {
			out = append(out, press(k))
		}
		return out
	}
	expect := func(screen, text string) {
		t.Helper()
		if got := m.(tui.Model).Screen(); got != screen || !strings.Contains(screenText(m), text) {
			t.Fatalf("want the %s screen showing %q, got %s:\n%s", screen, text, got, screenText(m))
		}
	}
	m = drive(t, m, seq(keys("/"), typeText(number), keys("enter", "enter"))...)
	expect("case", "Case "+number)
	m = drive(t, m, seq(keys("c", "/"), typeText("stortorget"), keys("enter"))...)
	expect("cameras", "1 of 7 cameras")
	m = drive(t, m, keys("enter")...)
	expect("frames", "Stortorget")
	// The ground truth: the suspect in view on Stortorget.
	at := gt.Suspect.Visits[2].Enter.Add(3 * time.Second)
	cet := time.FixedZone("CET", 3600)
	m = drive(t, m, seq(keys("g"), typeText(at.In(cet).Format("15:04:05.000")), keys("enter"))...)
	expect("frames", "cursor "+at.In(cet).Format("2006-01-02 15:04:05.000"))
	m = drive(t, m, keys("s")...)
	if !strings.Contains(m.(tui.Model).Status(), "still saved") {
		t.Fatalf("s: %q", m.(tui.Model).Status())
	}
	m = drive(t, m, seq(keys("a"), typeText("Misstänkt på Stortorget"), keys("enter"))...)
	if !strings.Contains(m.(tui.Model).Status(), "entry added") {
		t.Fatalf("a: %q", m.(tui.Model).Status())
	}
	// A still two frames on, on the entry's camera, is the entry's.
	m = drive(t, m, keys("right", "right", "s")...)
	if st := m.(tui.Model).Status(); !strings.Contains(st, "linked to entry 1") {
		t.Fatalf("s after a: %q", st)
	}
	m = drive(t, m, keys("esc", "esc")...)
	expect("case", "2 stills: ")
	expect("case", "Misstänkt på Stortorget")
	m = drive(t, m, keys("x")...)
	if !strings.Contains(m.(tui.Model).Status(), "exported to") {
		t.Fatalf("x: %q", m.(tui.Model).Status())
	}
	// Its progress lines gave way to what it did.
	expect("case", "✓ exported to")
	expect("case", " not pushed") // its newest bundle is not archived yet
	if strings.Contains(screenText(m), "export "+number+": report") {
		t.Errorf("the export's progress lines stay after it finished:\n%s", screenText(m))
	}
	// p archives the export (the local archive of the test site), and the
	// case shows it.
	m = drive(t, m, keys("p")...)
	if st := m.(tui.Model).Status(); !strings.Contains(st, "archived "+number+"/") {
		t.Fatalf("p: %q", st)
	}
	expect("case", "archive: ")
	// Both finished jobs keep their line, whole.
	expect("case", "✓ archived "+number+"/")
	expect("case", "✓ exported to")

	// The bundle: verified, with the entry's still showing the frame at
	// the ground-truth time.
	dir := filepath.Join(filepath.Dir(conf), "data", "exports", number)
	list, _ := os.ReadDir(dir)
	var bundleDir string
	for _, e := range list {
		if !strings.HasPrefix(e.Name(), ".") {
			bundleDir = filepath.Join(dir, e.Name())
		}
	}
	if code, _, errs := klipp(t, "--config", conf, "verify", bundleDir); code != 0 {
		t.Fatalf("verify %s: %s", bundleDir, errs)
	}
	var tl []exportEntry
	data, _ := os.ReadFile(filepath.Join(bundleDir, "timeline.json"))
	json.Unmarshal(data, &tl)
	// The entry is at the frame shown at the typed time: at it, or at most
	// one frame (200 ms) before.
	if len(tl) != 1 || tl[0].Text != "Misstänkt på Stortorget" || tl[0].At.After(at) || at.Sub(tl[0].At) >= 200*time.Millisecond || len(tl[0].Stills) != 2 {
		t.Fatalf("timeline: %s", data)
	}
	at = tl[0].At
	seg := gt.Cameras["stortorget"].Segments[int(at.Sub(gt.Cameras["stortorget"].Segments[0].TrueStart)/time.Minute)]
	k := at.Sub(seg.TrueStart) / (200 * time.Millisecond)
	if got, want := codeInPNG(t, filepath.Join(bundleDir, tl[0].Stills[0])), seg.CameraClock.Add(k*200*time.Millisecond).UnixMilli(); got != want {
		t.Errorf("still shows %d, want %d", got, want)
	}
	// The stills taken with s are in the data directory too.
	if stills, _ := filepath.Glob(filepath.Join(filepath.Dir(conf), "data", "stills", number, "stortorget-*.png")); len(stills) != 2 {
		t.Errorf("stills taken: %v", stills)
	}
	// What the frame browser showed is in the audit log, per camera.
	if a, _ := os.ReadFile(filepath.Join(filepath.Dir(conf), "data", "audit.jsonl")); !regexp.MustCompile(`"view".*"stortorget"|"stortorget".*"view"`).Match(a) {
		t.Error("the frames viewed are not audited")
	}
}

// BenchmarkFrameStep is one frame step in the frame browser on the demo
// footage: locate the segment, decode the frame at the new time. Goal:
// under 100 ms.
//
// KLIPP_BENCH_SITE names an indexed demo site to use (make bench passes
// the full 25-fps one); otherwise the test's site.
func BenchmarkFrameStep(b *testing.B) {
	var conf string
	var gt *demo.GroundTruth
	if dir := os.Getenv("KLIPP_BENCH_SITE"); dir != "" {
		var err error
		conf = filepath.Join(dir, "klipp.yaml")
		if gt, err = demo.LoadGroundTruth(filepath.Join(dir, "ground-truth.json")); err != nil {
			b.Fatal(err)
		}
	} else {
		_, conf, gt = indexedSite(b)
	}
	a := &cli{stdout: os.Stdout, stderr: os.Stderr, now: time.Now, configFile: conf, quiet: true}
	if _, err := a.newTUI(context.Background()); err != nil {
		b.Fatal(err)
	}
	ops := tui.NewServiceOps(a.svc)
	at := gt.Suspect.Visits[2].Enter
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		at = at.Add(200 * time.Millisecond)
		if _, err := ops.Frame(context.Background(), "stortorget", at); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPickerStrips is what the camera picker loads after a key that
// changes the visible rows: the coverage strips of 40 cameras over an hour,
// from an index of 2,000 cameras and 100,000 segments (50 one-minute
// segments each). Goal: within the 50 ms per key (it runs off the UI
// goroutine).
func BenchmarkPickerStrips(b *testing.B) {
	dir := b.TempDir()
	var cat strings.Builder
	cat.WriteString("cameras:\n")
	for i := range 2000 {
		fmt.Fprintf(&cat, "  - {id: cam-%04d, name: Kamera %04d, owner: kommun, location: {lat: %.5f, lon: 13.0}, kind: fixed, quality: overview, timezone: UTC}\n",
			i, i, 55.6+float64(i)*1e-4)
	}
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte(cat.String()), 0o644)
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("data_dir: data\ntimezone: UTC\n"), 0o644)
	a := &cli{stdout: os.Stdout, stderr: os.Stderr, now: time.Now, configFile: conf, quiet: true}
	ctx := context.Background()
	if _, err := a.newTUI(ctx); err != nil {
		b.Fatal(err)
	}
	st, _ := a.openStore(ctx)
	t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	for i := range 2000 {
		id := fmt.Sprintf("cam-%04d", i)
		var segs []store.Segment
		for j := range 50 {
			start := t0.Add(time.Duration(j-5) * time.Minute)
			segs = append(segs, store.Segment{Camera: id, Path: fmt.Sprintf("/rec/%s/%02d.mp4", id, j), Size: 1, Status: store.StatusOK, Codec: "h264",
				FPS: 25, Frames: 1500, Duration: time.Minute, CameraStart: start, TrueStart: start, TrueEnd: start.Add(time.Minute)})
		}
		if err := st.SaveSegments(ctx, id, segs, nil, time.Minute, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	ops := tui.NewServiceOps(a.svc)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for r := range 40 {
			if _, err := ops.Coverage(ctx, fmt.Sprintf("cam-%04d", (i*40+r)%2000), t0, t0.Add(time.Hour), 108); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestTUINewCase fills the new-case form with keys and finds the case
// stored as the CLI stores it.
func TestTUINewCase(t *testing.T) {
	conf := emptyConfig(t)
	m := newTestTUI(t, conf, 80, 24)
	var msgs []tea.Msg
	msgs = append(msgs, press("n"))
	for i, v := range []string{"5000-K777-26", "Misshandel på Möllan", "misshandel", "Möllevångstorget", "55.5909,13.0097",
		"2026-11-20 22:00", "2026-11-20 22:30", "Insp. Öst", "Alla kameror runt torget", "Mörk luva", "2026-11-27 12:00"} {
		msgs = append(msgs, typeText(v)...)
		if i < 10 {
			msgs = append(msgs, press("tab"))
		}
	}
	msgs = append(msgs, press("enter"))
	m = drive(t, m, msgs...)
	if got := m.(tui.Model).Screen(); got != "case" || !strings.Contains(screenText(m), "Case 5000-K777-26") {
		t.Fatalf("after saving: %s\n%s", got, screenText(m))
	}
	code, out, _ := klipp(t, "--config", conf, "--json", "case", "show", "5000-K777-26")
	var c caseView
	json.Unmarshal([]byte(out), &c)
	if code != 0 || c.Title != "Misshandel på Möllan" || c.Suspect != "Mörk luva" || c.Request != "Alla kameror runt torget" || c.Deadline == nil ||
		c.Position == nil || c.RequestedBy != "Insp. Öst" {
		t.Errorf("stored: %s", out)
	}
	if a, _ := os.ReadFile(filepath.Join(filepath.Dir(conf), "data", "audit.jsonl")); !strings.Contains(string(a), "5000-K777-26") {
		t.Error("the new case is not in the audit log")
	}
}

// TestTUIDrafts: what is typed survives the UI going away mid-field (as a
// crash or SIGKILL would take it): the next UI restores it.
func TestTUIDrafts(t *testing.T) {
	conf := emptyConfig(t)
	m := newTestTUI(t, conf, 80, 24)
	m = drive(t, m, append(append([]tea.Msg{press("n")}, typeText("5000-K888-26")...), append([]tea.Msg{press("tab")}, typeText("Halvskriv")...)...)...)
	_ = m // the UI is gone; nothing was saved as a case yet

	m = newTestTUI(t, conf, 80, 24)
	m = drive(t, m, press("n"))
	if s := screenText(m); !strings.Contains(s, "> 5000-K888-26") || !strings.Contains(s, "> Halvskriv") ||
		!strings.Contains(m.(tui.Model).Status(), "restored") {
		t.Fatalf("the form was not restored:\n%s", s)
	}
	// Finishing it saves the case and clears the draft.
	msgs := append([]tea.Msg{press("tab")}, typeText("en")...)
	for _, v := range []string{"", "", "", "2026-11-20 22:00", "2026-11-20 22:30", "", "", "", ""} { // crime … deadline
		msgs = append(msgs, press("tab"))
		msgs = append(msgs, typeText(v)...)
	}
	m = drive(t, m, append(msgs, press("enter"))...)
	if !strings.Contains(screenText(m), "Case 5000-K888-26  Halvskriven") {
		t.Fatalf("saving the restored form:\n%s", screenText(m))
	}
	m = newTestTUI(t, conf, 80, 24)
	m = drive(t, m, press("n"))
	if strings.Contains(screenText(m), "Halvskriv") {
		t.Error("the saved form came back as a draft")
	}
}

// TestTUIEntryDraft: an entry's text half typed in the frame browser comes
// back in the next UI at the same case and camera.
func TestTUIEntryDraft(t *testing.T) {
	_, conf, gt := indexedSite(t)
	number := "K-TUI-DRAFT"
	if code, _, errs := klipp(t, "--config", conf, "case", "new", "--number", number, "--title", "Utkast", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:20"); code != 0 {
		t.Fatal(errs)
	}
	at := gt.Suspect.Visits[4].Enter.Add(time.Second)
	if code, _, errs := klipp(t, "--config", conf, "timeline", "add", number, "--camera", "sodergatan-14", "--at", at.Format(time.RFC3339Nano), "--text", "Butiken"); code != 0 {
		t.Fatal(errs)
	}
	open := func() tea.Model {
		m := newTestTUI(t, conf, 100, 30)
		return drive(t, m, append(append([]tea.Msg{press("/")}, typeText(number)...), press("enter"), press("enter"), press("enter"))...)
	}
	m := open()
	m = drive(t, m, append([]tea.Msg{press("a")}, typeText("Misstänkt går in i butik")...)...)
	_ = m // gone before enter
	m = open()
	m = drive(t, m, press("a"))
	if s := screenText(m); !strings.Contains(s, "Misstänkt går in i butik") || !strings.Contains(m.(tui.Model).Status(), "restored") {
		t.Fatalf("the entry text was not restored:\n%s", s)
	}
	m = drive(t, m, press("enter"))
	_, out, _ := klipp(t, "--config", conf, "--json", "timeline", "list", number)
	if !strings.Contains(out, "Misstänkt går in i butik") {
		t.Errorf("the restored entry was not added: %s", out)
	}
}

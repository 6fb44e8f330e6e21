package tui

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// updating reports -update, the flag teatest's golden files are rewritten
// with: it rewrites these screens too.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// fixedNow is the fake clock every screen test runs at.
var fixedNow = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

// fakeOps is fixed data for screen tests: the UI's behaviour is tested
// against it, the real operations in cmd/klipp's flow test.
type fakeOps struct {
	drafts  map[string][]string
	added   []string
	views   []string      // RecordView calls
	exports chan struct{} // when set, Export waits for it
	started atomic.Int32  // Export calls (from the UI's goroutines)
	pushes  atomic.Int32  // Push calls
	jobs    []JobRow
	noFrame map[string]bool // cameras without a picture (a gap)
	zone    *time.Location  // the cameras' clock zone
	dup     bool            // CreateCase refuses the number as a duplicate
	work    caseWorkCalls   // casework_fake_test.go
	asked   []string        // Frame calls: camera and UTC time
	long    bool            // titles and texts longer than 80 columns hold
	windows int             // more retention windows, with A
}

func (f *fakeOps) Cases(context.Context) ([]CaseRow, error) {
	rows := []CaseRow{
		{Number: "5000-K111111-26", Title: "Rån, Södergatan", Status: "in-progress", From: at("2026-11-20T21:10:00Z"), To: at("2026-11-20T21:30:00Z"),
			Deadline: ptr(at("2026-11-24T12:00:00Z")), Expiry: ptr(at("2026-11-26T21:00:00Z"))}, // within 14 days: marked
		{Number: "5000-K222222-26", Title: "Skadegörelse vid Malmö C", Status: "requested", From: at("2026-11-19T02:00:00Z"), To: at("2026-11-19T03:00:00Z"),
			Expiry: ptr(at("2027-01-19T02:00:00Z"))},
		{Number: "5000-K333333-26", Title: "Stöld ur bil", Status: "delivered", From: at("2026-10-02T12:00:00Z"), To: at("2026-10-02T13:00:00Z")},
	}
	if f.long {
		rows[1].Title = "Skadegörelse vid Malmö C, spår 4 och bussterminalen på Centralplan"
	}
	return rows, nil
}

func (f *fakeOps) CreateCase(_ context.Context, c NewCase) error {
	if c.Number == "5000-K111111-26" {
		return fault.Fieldf("number", "case 5000-K111111-26 exists already (klipp case show 5000-K111111-26)")
	}
	return nil
}

func (f *fakeOps) Case(_ context.Context, number string) (CaseDetail, error) {
	d := CaseDetail{CaseRow: CaseRow{Number: number, Title: "Rån, Södergatan", Status: "in-progress", From: at("2026-11-20T21:10:00Z"), To: at("2026-11-20T21:30:00Z")},
		Crime: "rån", Place: "Södergatan / Gustav Adolfs torg", RequestedBy: "Insp. Åberg", Request: "Klipp och stillbilder 22:10–22:30",
		Suspect: "Man, mörk jacka, vit keps",
		Entries: []Entry{
			{ID: 1, Number: 1, At: at("2026-11-20T21:14:05Z"), From: at("2026-11-20T21:14:00Z"), To: at("2026-11-20T21:14:15Z"), Camera: "sodergatan-2",
				CameraName: "Södergatan 2", Text: "Den misstänkte går österut på trottoaren", Tags: []string{"suspect"}},
			{ID: 2, Number: 2, At: at("2026-11-20T21:16:40Z"), From: at("2026-11-20T21:16:35Z"), To: at("2026-11-20T21:16:50Z"), Camera: "stortorget",
				CameraName: "Stortorget", Text: "Passerar fontänen", Tags: []string{"suspect"}, Stills: []time.Time{at("2026-11-20T21:16:40Z"), at("2026-11-20T21:16:44.2Z")}},
		},
		Bundles: []string{"20261121T080000Z"}, ArchiveState: "20261121T080000Z archived", Version: f.work.version, Stale: f.work.stale}
	if f.long {
		d.Title = "Grovt rån mot värdetransport på Södergatan vid Gustav Adolfs torg"
		d.Entries[0].Text = "Den misstänkte går österut på trottoaren med en svart väska i vänster hand och tittar bakåt"
	}
	return d, nil
}

func (f *fakeOps) AddEntry(_ context.Context, number, camera string, at, from, to time.Time, text string) (string, error) {
	f.added = append(f.added, fmt.Sprintf("%s %s %s", camera, at.Format(time.RFC3339Nano), text))
	return "", nil
}
func (f *fakeOps) EditEntry(context.Context, string, int64, int64, string) error { return nil }
func (f *fakeOps) RemoveEntry(context.Context, string, int64) error              { return nil }

func (f *fakeOps) Cameras(context.Context, string, string) ([]CameraRow, error) {
	return []CameraRow{
		{ID: "sodergatan-2", Name: "Södergatan 2", Owner: "polisen", Quality: "recognition", Distance: 35, Located: true, From: at("2026-11-20T21:10:18Z"), To: at("2026-11-20T21:11:00Z")},
		{ID: "stortorget", Name: "Stortorget", Owner: "kommun", Quality: "observation", Distance: 240, Located: true, From: at("2026-11-20T21:12:03Z"), To: at("2026-11-20T21:15:28Z")},
		{ID: "malmo-c-spar-4", Name: "Malmö C spår 4", Owner: "trafikverket", Quality: "overview", Distance: 910, Located: true, From: at("2026-11-20T21:17:48Z"), To: at("2026-11-20T21:31:14Z")},
	}, nil
}

// Coverage draws each camera's strip from a pattern: footage, a gap,
// damage, and footage that expires soon or has expired.
func (f *fakeOps) Coverage(_ context.Context, camera string, from, to time.Time, cells int) (Strip, error) {
	pattern := map[string]string{"sodergatan-2": "████▒▒▒▒", "stortorget": "███  x██", "malmo-c-spar-4": "░░░░████"}[camera]
	r := []rune(pattern)
	out := make([]rune, cells)
	for i := range out {
		out[i] = r[i*len(r)/cells]
	}
	return Strip(out), nil
}

// Frame is a horizontal grey ramp with a white square, so half-blocks and
// their colours can be read in the golden screen.
func (f *fakeOps) Frame(_ context.Context, camera string, t time.Time) (Frame, error) {
	fakeFrameMu.Lock()
	f.asked = append(f.asked, camera+" "+t.UTC().Format("15:04:05.000"))
	fakeFrameMu.Unlock()
	if f.noFrame[camera] {
		return Frame{}, errors.New("no footage of " + camera + " at that time")
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 36))
	for y := 0; y < 36; y++ {
		for x := 0; x < 64; x++ {
			v := uint8(x * 4)
			if x >= 24 && x < 40 && y >= 10 && y < 26 {
				v = 255
			}
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	fr := Frame{Image: img, At: t, CameraClock: t.Add(37 * time.Second), ClockVerified: camera != "stortorget", FPS: 25, Source: "/rec/" + camera + "/a.mp4",
		CameraZone: f.zone}
	if fr.ClockVerified {
		fr.Bound = "± 0.8 s"
	}
	return fr, nil
}

// Around: a gap of a minute around the time asked, footage either side.
func (f *fakeOps) Around(_ context.Context, camera string, t time.Time) (Around, error) {
	if !f.noFrame[camera] {
		return Around{}, nil
	}
	prev, next := t.Add(-30*time.Second), t.Add(30*time.Second)
	return Around{Reason: "gap in the recording", From: prev, To: next, Prev: &prev, Next: &next}, nil
}

func (f *fakeOps) RecordView(_ context.Context, number, camera string, from, to time.Time) error {
	f.views = append(f.views, fmt.Sprintf("%s %s %s–%s", number, camera, from.Format("15:04:05.000"), to.Format("15:04:05.000")))
	return nil
}

func (f *fakeOps) Still(_ context.Context, number, camera string, t time.Time) (StillResult, error) {
	return StillResult{Path: "/data/stills/" + number + "/" + camera + "-" + t.Format("20060102-150405.000") + ".png", Entry: 1}, nil
}
func (f *fakeOps) Export(context.Context, string, func(string)) (string, error) {
	f.started.Add(1)
	if f.exports != nil {
		<-f.exports
	}
	return "/data/exports/K/x", nil
}
func (f *fakeOps) Jobs(context.Context) ([]JobRow, error) { return f.jobs, nil }
func (f *fakeOps) Push(context.Context, string, func(string)) (string, error) {
	f.pushes.Add(1)
	return "archived", nil
}

func (f *fakeOps) Retention(context.Context) ([]RetentionRow, error) {
	return []RetentionRow{
		{Case: "5000-K111111-26", What: "request", Camera: "Södergatan 2", State: "at-risk", Expires: ptr(at("2026-11-26T21:00:00Z")), Unpreserved: 3},
		{Case: "5000-K222222-26", What: "entry 2", Camera: "Stortorget", State: "expired", Expires: ptr(at("2026-11-20T00:00:00Z")), Unpreserved: 1},
	}, nil
}
func (f *fakeOps) Preserve(context.Context, string) (string, error) { return "preserved", nil }

func (f *fakeOps) Archive(context.Context) ([]ArchiveRow, error) {
	return []ArchiveRow{
		{Ref: "5000-K111111-26/20261121T080000Z", State: "archived", Objects: 14, Bytes: 48_200_000, RetainUntil: ptr(at("2036-11-21T08:00:00Z")), Hold: true},
		{Ref: "5000-K222222-26/20261120T190000Z", State: "queued", Error: "archive unreachable: dial tcp 127.0.0.1:9000: connection refused", Objects: 0},
	}, nil
}
func (f *fakeOps) Retry(context.Context) (string, error) { return "retried", nil }

func (f *fakeOps) SaveDraft(key string, fields []string) error {
	if f.drafts == nil {
		f.drafts = map[string][]string{}
	}
	f.drafts[key] = fields
	return nil
}
func (f *fakeOps) Draft(key string) []string { return f.drafts[key] }

// run sends messages to the model and runs the commands they cause,
// synchronously, until none is left.
func run(m tea.Model, msgs ...tea.Msg) tea.Model {
	var queue []tea.Cmd
	step := func(msg tea.Msg) {
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		if cmd != nil {
			queue = append(queue, cmd)
		}
	}
	for _, msg := range msgs {
		step(msg)
		for len(queue) > 0 {
			cmd := queue[0]
			queue = queue[1:]
			switch msg := cmd().(type) {
			case nil, tea.QuitMsg:
			case tea.BatchMsg:
				for _, c := range msg {
					if c != nil {
						queue = append(queue, c)
					}
				}
			default:
				step(msg)
			}
		}
	}
	return m
}

func keyMsg(k string) tea.Msg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// screenOf is what the terminal shows, with its colours as escape codes
// removed and trailing blanks trimmed; nothing else is changed.
func screenOf(m tea.Model) string {
	s := ansi.ReplaceAllString(m.View().Content, "")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.TrimRight(l, " "))
	}
	return strings.Join(lines, "\n")
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/tui -run Screens -update writes it)", err)
	}
	if string(want) != got {
		t.Errorf("screen %s differs from its golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestScreens draws every screen over fixed data at a fixed clock at three
// terminal sizes and compares each with its golden file.
func TestScreens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 36}, {160, 48}} {
		w, h := size[0], size[1]
		name := fmt.Sprintf("%dx%d", w, h)
		t.Run(name, func(t *testing.T) {
			ops := &fakeOps{}
			start := New(context.Background(), ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
			m := run(start, start.Init()(), tea.WindowSizeMsg{Width: w, Height: h})
			compareGolden(t, "cases-"+name, screenOf(m))
			m = run(m, keyMsg("?"))
			compareGolden(t, "help-"+name, screenOf(m))
			m = run(m, keyMsg("?"), keyMsg("enter"))
			compareGolden(t, "case-"+name, screenOf(m))
			m = run(m, keyMsg("c"))
			compareGolden(t, "cameras-"+name, screenOf(m))
			m = run(m, keyMsg("enter"))
			compareGolden(t, "frames-"+name, screenOf(m))
			m = run(m, keyMsg("esc"), keyMsg("esc"), keyMsg("esc"), keyMsg("r"))
			compareGolden(t, "retention-"+name, screenOf(m))
			m = run(m, keyMsg("esc"), keyMsg("a"))
			compareGolden(t, "archive-"+name, screenOf(m))
			m = run(m, keyMsg("esc"), keyMsg("n"))
			for _, r := range "bad/number" {
				m = run(m, tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			for range 11 {
				m = run(m, keyMsg("enter"))
			}
			compareGolden(t, "newcase-"+name, screenOf(m))
		})
	}
}

// The cases list marks footage expiring within 14 days with "!", and the
// strip draws expiring, expired and damaged footage each its own way: what
// the golden files hold is checked here in words too.
func TestScreensShowExpiryAndDamage(t *testing.T) {
	ops := &fakeOps{}
	start := New(context.Background(), ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers()
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 160, Height: 48})
	s := screenOf(m)
	for _, line := range strings.Split(s, "\n") {
		line = strings.SplitN(line, "│", 2)[0] // the list, not the preview pane
		switch {
		case strings.Contains(line, "5000-K111111-26") && !strings.Contains(line, "!"):
			t.Errorf("footage expiring in 5 days is not marked: %q", line)
		case strings.Contains(line, "5000-K222222-26") && strings.Contains(line, "!"):
			t.Errorf("footage expiring in 59 days is marked: %q", line)
		}
	}
	m = run(m, keyMsg("enter"), keyMsg("c"))
	s = screenOf(m)
	for _, r := range []string{string(CellExpiring), string(CellExpired), string(CellDamaged), string(CellFootage)} {
		if !strings.Contains(s, r) {
			t.Errorf("the camera picker shows no %q:\n%s", r, s)
		}
	}
}

// TestProgramDrawsCases runs the UI as a real Bubble Tea program
// (teatest) over the fake operations and waits for the cases screen.
func TestProgramDrawsCases(t *testing.T) {
	m := New(context.Background(), &fakeOps{}, time.UTC, func() time.Time { return fixedNow })
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("5000-K333333-26")) },
		teatest.WithDuration(10*time.Second))
	tm.Send(keyMsg("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second))
	want, err := os.ReadFile(filepath.Join("testdata", "cases-80x24.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if got := screenOf(final); got != string(want) {
		t.Errorf("the program's cases screen:\n%s\nwant:\n%s", got, want)
	}
}

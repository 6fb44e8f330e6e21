package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/demo"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/pgtest"
)

// klipp runs one command line in-process and returns exit code and output.
func klipp(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

var (
	siteOnce sync.Once
	siteDir  string
	siteErr  error
)

// site generates one demo site for the package: 17 minutes so that it holds
// the gap (lilla-torg, minutes 14–15) and the truncated file (stortorget,
// minute 15), at 5 fps to keep the test quick.
func site(t testing.TB) string {
	t.Helper()
	siteOnce.Do(func() {
		siteDir, siteErr = os.MkdirTemp("", "klipp-e2e-")
		if siteErr != nil {
			return
		}
		_, siteErr = demo.Generate(context.Background(), demo.Options{Dir: siteDir, Length: 17 * time.Minute, FPS: 5})
	})
	if siteErr != nil {
		t.Fatal(siteErr)
	}
	return siteDir
}

// indexedSite is the test site, indexed, with its config and ground truth.
func indexedSite(t testing.TB) (dir, conf string, gt *demo.GroundTruth) {
	t.Helper()
	dir = site(t)
	conf = filepath.Join(dir, "klipp.yaml")
	if code, _, errs := klipp(t, "--config", conf, "-q", "index"); code != 0 {
		t.Fatal(errs)
	}
	gt, err := demo.LoadGroundTruth(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, conf, gt
}

// TestMain: the tests that call t.Parallel run after all the others, side
// by side (as many at once as there are cores), so that the end of the
// run uses every core. A test may be parallel only if it sets no
// environment (t.Setenv), changes no working directory or package
// variable, and works on footage and a store of its own; the one exception
// is TestActivityFindsTheSuspectOnTheDemoSite, the only parallel test on
// the shared demo site's store (site, indexedSite).
func TestMain(m *testing.M) {
	// The test binary doubles as klipp for tests that need a separate
	// process (to kill it, for one): main, with its signal handling.
	if os.Getenv("KLIPP_TEST_AS_KLIPP") == "1" {
		main()
	}
	// The UI draws frames with half-blocks in tests whatever the terminal.
	os.Setenv("KLIPP_GRAPHICS", "blocks")
	code := m.Run()
	pgtest.StopShared()
	if siteDir != "" {
		os.RemoveAll(siteDir)
	}
	os.Exit(code)
}

func TestIndexAndCoverageOnDemoSite(t *testing.T) {
	dir := site(t)
	conf := filepath.Join(dir, "klipp.yaml")
	code, out, errs := klipp(t, "--config", conf, "--json", "index")
	if code != 0 {
		t.Fatalf("index: %d %s", code, errs)
	}
	var reports []footage.Report
	if err := json.Unmarshal([]byte(out), &reports); err != nil || len(reports) != 7 {
		t.Fatalf("index json: %v\n%s", err, out)
	}
	// Re-indexing the unchanged tree reads no media.
	_, out, _ = klipp(t, "--config", conf, "--json", "index")
	json.Unmarshal([]byte(out), &reports)
	for _, r := range reports {
		if r.Probed != 0 || r.Unchanged != r.Files {
			t.Errorf("re-index %s: %+v", r.Camera, r)
		}
	}

	// The 2-minute gap at Lilla Torg, to the millisecond (the recorder
	// started 0.48 s past the minute).
	code, out, errs = klipp(t, "--config", conf, "--json", "coverage", "--camera", "lilla-torg", "--from", "2026-11-20 22:10", "--to", "2026-11-20 22:17")
	if code != 0 {
		t.Fatalf("coverage: %d %s", code, errs)
	}
	var cov footage.Coverage
	if err := json.Unmarshal([]byte(out), &cov); err != nil {
		t.Fatal(err)
	}
	wantFrom := time.Date(2026, 11, 20, 21, 14, 0, 480e6, time.UTC)
	if len(cov.Gaps) != 1 || !cov.Gaps[0].From.Equal(wantFrom) || !cov.Gaps[0].To.Equal(wantFrom.Add(2*time.Minute)) {
		t.Fatalf("gaps = %+v", cov.Gaps)
	}
	// Human output shows the same gap.
	_, out, _ = klipp(t, "--config", conf, "coverage", "--camera", "lilla-torg", "--from", "2026-11-20 22:10", "--to", "2026-11-20 22:17")
	if !strings.Contains(out, "2026-11-20 22:14:00.480 CET  2026-11-20 22:16:00.480 CET  120.000s") {
		t.Errorf("human coverage lacks the gap:\n%s", out)
	}

	// The truncated file at Stortorget is damaged, with FFmpeg's reason.
	_, out, _ = klipp(t, "--config", conf, "--json", "coverage", "--camera", "stortorget", "--from", "2026-11-20 22:14", "--to", "2026-11-20 22:17")
	cov = footage.Coverage{}
	json.Unmarshal([]byte(out), &cov)
	if len(cov.Damaged) != 1 || !strings.Contains(cov.Damaged[0].Reason, "moov atom not found") || len(cov.Gaps) != 1 || cov.Covered != 120 {
		t.Fatalf("stortorget coverage = %+v", cov)
	}

	// The drifting camera: true start = camera clock − 38.9 s.
	_, out, _ = klipp(t, "--config", conf, "--json", "coverage", "--camera", "sodergatan-2", "--from", "2026-11-20 22:05", "--to", "2026-11-20 22:06")
	cov = footage.Coverage{}
	json.Unmarshal([]byte(out), &cov)
	if len(cov.Segments) != 2 || !cov.ClockVerified {
		t.Fatalf("sodergatan-2 = %+v", cov)
	}
	if d := cov.Segments[0].CameraStart.Sub(cov.Segments[0].TrueStart); d < 38880*time.Millisecond || d > 38920*time.Millisecond {
		t.Errorf("offset = %v", d)
	}
}

func TestCamerasCommands(t *testing.T) {
	conf := filepath.Join(site(t), "klipp.yaml")
	code, out, _ := klipp(t, "--config", conf, "cameras", "list")
	if code != 0 || !strings.Contains(out, "Möllevångstorget") || !strings.Contains(out, "not verified") {
		t.Errorf("list:\n%s", out)
	}
	code, out, _ = klipp(t, "--config", conf, "--json", "cameras", "near", "55.6048,12.9993", "--within", "200m", "--at", "2026-11-20 22:06", "--speed", "walk")
	var near []struct {
		Camera struct {
			ID string `json:"id"`
		} `json:"camera"`
		Distance float64 `json:"distance_m"`
		Window   struct{ From, To time.Time }
	}
	if err := json.Unmarshal([]byte(out), &near); err != nil || code != 0 {
		t.Fatalf("near: %v\n%s", err, out)
	}
	if len(near) != 3 || near[0].Camera.ID != "lilla-torg" || near[1].Distance > near[2].Distance {
		t.Errorf("near = %+v", near)
	}
	code, out, _ = klipp(t, "--config", conf, "cameras", "show", "sodergatan-2")
	if code != 0 || !strings.Contains(out, "+35.0s vs. reference clock") {
		t.Errorf("show:\n%s", out)
	}
}

func TestProbe(t *testing.T) {
	dir := site(t)
	code, out, _ := klipp(t, "--json", "probe", filepath.Join(dir, "recordings/sodergatan-2/2026-11-20/22-00-00.mp4"))
	var in struct {
		Duration     float64   `json:"duration_s"`
		Frames       int       `json:"video_frames"`
		CreationTime time.Time `json:"creation_time"`
	}
	if err := json.Unmarshal([]byte(out), &in); err != nil || code != 0 {
		t.Fatalf("probe: %v %s", err, out)
	}
	if in.Duration != 60 || in.Frames != 300 || !in.CreationTime.Equal(time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)) {
		t.Errorf("probe = %+v", in)
	}
}

// TestBadInput checks that each mistake gives one line on stderr naming what
// is wrong, and the exit code of design.md §6.
func TestBadInput(t *testing.T) {
	dir := site(t)
	conf := filepath.Join(dir, "klipp.yaml")
	catalogText, _ := os.ReadFile(filepath.Join(dir, "cameras.yaml"))
	variant := func(from, to string) string {
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, "klipp.yaml"), []byte("catalog: cameras.yaml\ndata_dir: data\n"), 0o644)
		text := strings.ReplaceAll(string(catalogText), "path: recordings/", "path: "+dir+"/recordings/")
		text = strings.Replace(text, from, to, 1)
		os.WriteFile(filepath.Join(d, "cameras.yaml"), []byte(text), 0o644)
		return filepath.Join(d, "klipp.yaml")
	}
	garbage := filepath.Join(t.TempDir(), "garbage.mp4")
	os.WriteFile(garbage, []byte("not a video at all"), 0o644)
	badYAML := filepath.Join(t.TempDir(), "klipp.yaml")
	os.WriteFile(badYAML, []byte("timezone: Europe/Stockholm\nclip: [\n  before: 5s\n"), 0o644)
	unknownKey := filepath.Join(t.TempDir(), "klipp.yaml")
	os.WriteFile(unknownKey, []byte("timezon: Europe/Stockholm\n"), 0o644)

	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"malformed klipp.yaml", []string{"--config", badYAML, "cameras", "list"}, 2, "malformed YAML: line"},
		{"unknown config key", []string{"--config", unknownKey, "cameras", "list"}, 2, `unknown key "timezon"`},
		{"malformed cameras.yaml", []string{"--config", variant("cameras:", "cameras: ["), "cameras", "list"}, 2, "cameras.yaml: line"},
		{"duplicate camera id", []string{"--config", variant("id: stortorget", "id: lilla-torg"), "cameras", "list"}, 2, `duplicate camera id "lilla-torg"`},
		{"unknown timezone", []string{"--config", variant("timezone: UTC", "timezone: Mars/Olympus"), "cameras", "list"}, 2, `unknown timezone "Mars/Olympus"`},
		{"pattern without time", []string{"--config", variant("pattern: mollan_%s.mkv", "pattern: mollan.mkv"), "cameras", "list"}, 2, "has no time"},
		{"recordings path missing", []string{"--config", variant(dir+"/recordings/lilla-torg", dir+"/recordings/nowhere"), "index", "--camera", "lilla-torg"}, 2, "does not exist"},
		{"from after to", []string{"--config", conf, "coverage", "--camera", "lilla-torg", "--from", "2026-11-20 22:10", "--to", "2026-11-20 22:00"}, 2, "must be after"},
		{"ambiguous time", []string{"--config", conf, "coverage", "--camera", "lilla-torg", "--from", "2026-10-25 02:30", "--to", "2026-11-20 22:00"}, 2, "ambiguous"},
		{"unreadable time", []string{"--config", conf, "coverage", "--camera", "lilla-torg", "--from", "tonight", "--to", "2026-11-20 22:00"}, 2, "cannot read time"},
		{"unknown camera", []string{"--config", conf, "coverage", "--camera", "nowhere", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:10"}, 3, `unknown camera "nowhere"`},
		{"unknown flag", []string{"--config", conf, "index", "--kamera", "x"}, 2, "unknown flag"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"bad speed", []string{"--config", conf, "cameras", "near", "lilla-torg", "--at", "2026-11-20 22:00", "--speed", "fly"}, 2, "--speed"},
		{"bad position", []string{"--config", conf, "cameras", "near", "55.6,999"}, 2, "not a position"},
		{"probe missing file", []string{"probe", "/nonexistent/x.mp4"}, 3, "does not exist"},
		{"probe garbage", []string{"probe", garbage}, 4, "cannot open"},
		{"missing config file", []string{"--config", "/nonexistent/klipp.yaml", "cameras", "list"}, 2, "does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := klipp(t, c.args...)
			if code != c.code || !strings.Contains(errs, c.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, c.code, c.msg)
			}
			if strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Errorf("stderr is not one line: %q", errs)
			}
			if out != "" {
				t.Errorf("stdout not empty on error: %q", out)
			}
		})
	}
}

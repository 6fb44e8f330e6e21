package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/framecode"
	"github.com/klipp-forensics/klipp/internal/media"
)

// viewerCheck is what scripts/browser/viewer-check.js saw in the page.
type viewerCheck struct {
	Console  []string `json:"console"`
	Requests []string `json:"requests"`
	Entries  []struct {
		Number  int      `json:"number"`
		Heading string   `json:"heading"`
		Text    string   `json:"text"`
		Stills  []string `json:"stills"`
	} `json:"entries"`
	Signature string `json:"signature"`
	Report    string `json:"report"`
	Clips     []struct {
		Src      string  `json:"src"`
		Duration float64 `json:"duration"`
		Width    int     `json:"width"`
		Played   float64 `json:"played"`
		Error    any     `json:"error"`
		Timeout  bool    `json:"timeout"`
	} `json:"clips"`
	StillsLoaded   []int             `json:"stillsLoaded"`
	MapLoaded      int               `json:"mapLoaded"`
	SHA256SelfTest bool              `json:"sha256SelfTest"`
	Files          map[string]string `json:"files"`
	Total          string            `json:"total"`
	Summary        string            `json:"summary"`
	FrameTime      string            `json:"frameTime"`
	FrameInfo      string            `json:"frameInfo"`
}

// browse opens index.html in Debian's chromium through playwright-core
// (scripts/browser, installed by make setup) from file://.
func browse(t *testing.T, opts map[string]any) viewerCheck {
	t.Helper()
	script, _ := filepath.Abs(filepath.Join("..", "..", "scripts", "browser", "viewer-check.js"))
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Skip("chromium is not installed (make setup installs it)")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "playwright-core")); err != nil {
		t.Skip("playwright-core is not installed in scripts/browser (make setup installs it)")
	}
	arg, _ := json.Marshal(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, string(arg))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("viewer-check: %v\n%s", err, stderr.String())
	}
	var r viewerCheck
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("viewer-check: %v\n%s", err, out)
	}
	if len(r.Console) > 0 || len(r.Requests) > 0 {
		t.Errorf("the page logged errors %q or reached the network %q", r.Console, r.Requests)
	}
	return r
}

// The bundle's index.html opened by double-click (file://) in headless
// Chromium: it shows the timeline with true times, plays each clip, shows
// stills, map and signer; with the bundle folder chosen it checks every
// file against SHA256SUMS (all verified); after one byte of a clip is
// flipped that clip is changed and the total says so; the presentation
// seeks to a time and the canvas shows the frame code of the clip's frame
// at that time. klipp viewer writes the same page again, and refuses a
// bundle that fails verification.
func TestViewerInChromium(t *testing.T) {
	_, conf, gt := indexedSite(t)
	// The presentation is at the clips' size plus the caption bar (the
	// default): the frame code stays at the top left, pixel for pixel.
	t.Setenv("KLIPP_PRESENTATION_CARD_SECONDS", "1")
	keyDir := t.TempDir()
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(keyDir, "key")).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	t.Setenv("KLIPP_SIGNING_KEY", filepath.Join(keyDir, "key"))
	t.Setenv("KLIPP_SIGNING_IDENTITY", "bildanalys@polisen.se")
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	number := "K-VIEWER-1"
	if code, _, errs := k("case", "new", "--number", number, "--title", "Rån <b>Södergatan</b>", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17",
		"--requested-by", "Insp. Berg", "--request", "Misstänktens väg"); code != 0 {
		t.Fatal(errs)
	}
	visits := gt.Suspect.Visits
	for _, v := range visits[2:4] {
		at := v.Enter.Add(3 * time.Second)
		if code, _, errs := k("timeline", "add", number, "--camera", v.Camera, "--at", at.Format(time.RFC3339Nano), "--text", "Misstänkt vid "+v.Camera, "--tag", "suspect"); code != 0 {
			t.Fatal(errs)
		}
	}
	out := t.TempDir()
	code, stdout, errs := k("--json", "export", number, "-o", out)
	if code != 0 {
		t.Fatalf("export: %s", errs)
	}
	var res struct{ Dir string }
	json.Unmarshal([]byte(stdout), &res)
	index := filepath.Join(res.Dir, bundle.IndexName)
	page, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"http://", "https://", "<b>Södergatan"} {
		if strings.Contains(string(page), bad) {
			t.Errorf("index.html holds %q", bad)
		}
	}
	if sums, _ := os.ReadFile(filepath.Join(res.Dir, bundle.SumsName)); strings.Contains(string(sums), bundle.IndexName) {
		t.Error("index.html is listed in SHA256SUMS")
	}
	var m bundle.Manifest
	data, _ := os.ReadFile(filepath.Join(res.Dir, bundle.ManifestName))
	json.Unmarshal(data, &m)
	var parts []export.Part
	var tl []exportEntry
	for _, f := range m.Files {
		if f.Path == bundle.PresentationName {
			json.Unmarshal([]byte(f.Parameters["parts"]), &parts)
		}
	}
	data, _ = os.ReadFile(filepath.Join(res.Dir, bundle.TimelineJSON))
	json.Unmarshal(data, &tl)
	if len(parts) != 5 || len(tl) != 2 || !parts[2].Clip || parts[2].Entry != 1 {
		t.Fatalf("presentation parts %+v, timeline %d entries", parts, len(tl))
	}
	// 2.7 s into entry 1's clip (5 fps: its 14th frame, shown from 2.6 s).
	const into = 2.7
	seek := parts[2].Start + into
	stills, err := media.StillsAt(context.Background(), filepath.Join(res.Dir, tl[0].Clip), []time.Duration{time.Duration(into * float64(time.Second))})
	if err != nil {
		t.Fatal(err)
	}
	want, ok := framecode.Read(stills[0].Image)
	if !ok {
		t.Fatal("the clip's frame has no frame code")
	}

	canvas := filepath.Join(t.TempDir(), "canvas.png")
	r := browse(t, map[string]any{"index": index, "folder": res.Dir, "seek": seek, "canvas": canvas})
	if len(r.Entries) != 2 || !strings.Contains(r.Entries[0].Heading, "Post 1 "+clockText(tl[0].At)) || r.Entries[1].Text != "Misstänkt vid "+visits[3].Camera {
		t.Errorf("timeline: %+v", r.Entries)
	}
	for _, c := range r.Clips {
		if c.Error != nil || c.Timeout || c.Played <= 0.1 || c.Width != 640 || c.Duration < 14 {
			t.Errorf("clip %s does not play: %+v", c.Src, c)
		}
	}
	if len(r.Clips) != 2 || len(r.StillsLoaded) != 2 || r.StillsLoaded[0] != 640 || r.MapLoaded == 0 || r.Report != bundle.ReportName {
		t.Errorf("clips %d, stills %v, map %d, report %q", len(r.Clips), r.StillsLoaded, r.MapLoaded, r.Report)
	}
	if !strings.Contains(r.Signature, "bildanalys@polisen.se") || !strings.Contains(r.Signature, m.Signer.Fingerprint) {
		t.Errorf("signature: %q", r.Signature)
	}
	if !r.SHA256SelfTest {
		t.Error("the page's incremental SHA-256 disagrees with Web Crypto")
	}
	listed := len(m.Files) + 1 // and manifest.json
	if len(r.Files) != listed {
		t.Errorf("the page lists %d files, SHA256SUMS %d", len(r.Files), listed)
	}
	for p, s := range r.Files {
		if s != "verified" {
			t.Errorf("%s: %s", p, s)
		}
	}
	if wantTotal := fmt.Sprintf("Alla %d filer stämmer med SHA256SUMS.", listed); r.Total != wantTotal || r.Summary != wantTotal {
		t.Errorf("total %q, summary %q, want %q", r.Total, r.Summary, wantTotal)
	}
	if got := codeInPNG(t, canvas); got != want {
		t.Errorf("presentation at %.3f s: the canvas shows frame code %d, want %d (%s)", seek, got, want, r.FrameInfo)
	}
	if !strings.HasPrefix(r.FrameInfo, "Post 1: ") {
		t.Errorf("frame info %q", r.FrameInfo)
	}

	// One byte of a clip flipped.
	clip := filepath.Join(res.Dir, filepath.FromSlash(tl[1].Clip))
	os.Chmod(clip, 0o644)
	b, _ := os.ReadFile(clip)
	b[len(b)/2] ^= 0x01
	os.WriteFile(clip, b, 0o644)
	r = browse(t, map[string]any{"index": index, "folder": res.Dir})
	for p, s := range r.Files {
		if want := map[bool]string{true: "changed", false: "verified"}[p == tl[1].Clip]; s != want {
			t.Errorf("after the flip, %s: %s, want %s", p, s, want)
		}
	}
	if want := fmt.Sprintf("1 av %d filer stämmer inte: 1 ändrade, 0 saknas.", listed); r.Total != want {
		t.Errorf("after the flip, total %q, want %q", r.Total, want)
	}
	if code, _, errs := k("viewer", res.Dir); code != 5 || !strings.Contains(errs, "changed: \""+tl[1].Clip) {
		t.Errorf("viewer of a changed bundle: %d %s", code, errs)
	}
	b[len(b)/2] ^= 0x01
	os.WriteFile(clip, b, 0o644)
	os.Remove(index)
	if code, _, errs := k("viewer", res.Dir); code != 0 {
		t.Fatalf("viewer: %s", errs)
	}
	if again, _ := os.ReadFile(index); string(again) != string(page) {
		t.Error("klipp viewer writes another page than the export did")
	}
	if code, _, errs := k("verify", res.Dir); code != 0 {
		t.Errorf("verify after viewer: %s", errs)
	}
}

// clockText is a true time as the page shows it (display zone).
func clockText(at time.Time) string {
	loc, _ := time.LoadLocation("Europe/Stockholm")
	return at.In(loc).Format("2006-01-02 15:04:05.000")
}

package export_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/store"
)

const (
	number = "K-FIX-1"
	signer = "bildanalys.malmo@polisen.se"
)

// fixture is a site of one camera with two contiguous 2-second segments
// (25 fps, 64x64), indexed, and a case with an entry in each segment.
// extra lines go into klipp.yaml (paths relative to the site).
func fixture(t *testing.T, extra ...string) (*app.Service, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if len(extra) > 0 && extra[0] == "signed" {
		// A signing key: signing.key in the site, made by ssh-keygen.
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", filepath.Join(dir, "signing-key")).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
		extra = []string{"signing: {key: signing-key, identity: " + signer + "}"}
	}
	for i, name := range []string{"22-00-00.mp4", "22-00-02.mp4"} {
		p := filepath.Join(dir, "rec", "2026-11-20", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		w, err := media.CreateVideo(p, media.WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25, Preset: "ultrafast"})
		if err != nil {
			t.Fatal(err)
		}
		for f := 0; f < 50; f++ {
			if err := w.WriteFrame(); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatalf("segment %d: %v", i, err)
		}
	}
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte(`cameras:
  - id: torget
    name: Stortorget
    owner: kommun
    location: {lat: 55.6050, lon: 13.0024}
    address: Stortorget, Malmö
    kind: fixed
    timezone: Europe/Stockholm
    recordings:
      path: rec
      pattern: "%Y-%m-%d/%H-%M-%S.mp4"
`), 0o644)
	os.WriteFile(filepath.Join(dir, "klipp.yaml"), []byte(`timezone: Europe/Stockholm
data_dir: data
catalog: cameras.yaml
analyst: Test Analytiker
clip: {before: 1s, after: 1s, mode: copy}
presentation: {width: 320, height: 180, card_seconds: 1}
`+strings.Join(extra, "\n")), 0o644)
	cfg, err := config.Load(filepath.Join(dir, "klipp.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.Open(ctx, cfg, app.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	cam, err := svc.Camera("torget")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := footage.Index(ctx, svc.Store(), cam, nil); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC) // 22:00 Stockholm
	st := svc.Store()
	if err := st.CreateCase(ctx, store.Case{Number: number, Title: "Fixtur", From: t0.Add(-time.Minute), To: t0.Add(time.Minute),
		Status: "open", Created: t0, Received: t0}); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Duration{1500 * time.Millisecond, 2500 * time.Millisecond} {
		a := t0.Add(at)
		if _, err := st.CreateEntry(ctx, store.Entry{Case: number, At: a, Camera: "torget", From: a.Add(-time.Second), To: a.Add(time.Second),
			Text: "Post", Author: "test", Created: t0, Updated: t0}); err != nil {
			t.Fatal(err)
		}
	}
	return svc, filepath.Join(dir, "out")
}

// steps records an export's step lines and can stop it.
type steps struct {
	lines  []string
	cancel func()
	stopAt string
}

func (s *steps) Progress(string, int64, int64) {}
func (s *steps) Warn(string)                   {}
func (s *steps) Step(msg string) {
	s.lines = append(s.lines, msg)
	if s.stopAt != "" && strings.Contains(msg, s.stopAt) {
		s.cancel()
	}
}

func TestExportBundle(t *testing.T) {
	svc, out := fixture(t)
	ctx := context.Background()
	res, err := svc.Export(ctx, app.ExportRequest{Case: number, OutDir: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	seq, _, _ := svc.Store().AuditHead(ctx)
	r, err := svc.VerifyBundle(ctx, res.Dir)
	if err != nil || !r.OK() {
		t.Fatalf("verify: %v %+v", err, r)
	}
	check := exec.Command("sha256sum", "--quiet", "-c", bundle.SumsName)
	check.Dir = res.Dir
	if b, err := check.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v %s", err, b)
	}
	var m bundle.Manifest
	data, _ := os.ReadFile(filepath.Join(res.Dir, bundle.ManifestName))
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	have := map[string]bundle.File{}
	for _, f := range m.Files {
		have[f.Path] = f
	}
	for _, p := range []string{bundle.TimelineJSON, bundle.TimelineCSV, bundle.AuditName, bundle.ReportName, bundle.PresentationName,
		bundle.NativePath("torget", "2026-11-20/22-00-00.mp4"), bundle.NativePath("torget", "2026-11-20/22-00-02.mp4")} {
		if _, ok := have[p]; !ok {
			t.Errorf("manifest lacks %s", p)
		}
	}
	// Native copies are the sources, bit for bit.
	for _, f := range m.Files {
		if bundle.IsNative(f.Path) {
			if _, sum, err := digest.File(f.DerivedFrom[0]); err != nil || sum != f.SHA256 {
				t.Errorf("%s differs from %s: %v", f.Path, f.DerivedFrom[0], err)
			}
		}
	}
	var tl []export.Entry
	data, _ = os.ReadFile(filepath.Join(res.Dir, bundle.TimelineJSON))
	if err := json.Unmarshal(data, &tl); err != nil || len(tl) != 2 || !bundle.IsClip(tl[0].Clip) || len(tl[1].Stills) != 1 {
		t.Fatalf("timeline.json: %v %s", err, data)
	}
	// The manifest records the audit head at export time; the export's own
	// entry follows it, and the store knows the bundle.
	if m.AuditHead == nil || m.AuditHead.Seq == 0 || m.AuditHead.Seq != seq-1 {
		t.Errorf("audit head %+v, chain head now %d", m.AuditHead, seq)
	}
	if a, _ := os.ReadFile(filepath.Join(res.Dir, bundle.AuditName)); strings.Count(string(a), `"action":"cut"`) != 2 || strings.Count(string(a), `"action":"still"`) != 2 {
		t.Errorf("bundle audit.jsonl:\n%s", a)
	}
	if ex, err := svc.Store().Exports(ctx, number); err != nil || len(ex) != 1 || ex[0].ManifestSHA256 != res.ManifestSHA256 {
		t.Errorf("stored exports %+v %v", ex, err)
	}
	if list, _ := os.ReadDir(filepath.Join(out, number)); len(list) != 1 {
		t.Errorf("case directory holds %v", list)
	}
}

// TestExportResumes interrupts an export after its first entry and runs it
// again: the finished entry is reused, the bundle completes and verifies,
// and nothing sits under the final name before then.
func TestExportResumes(t *testing.T) {
	svc, out := fixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	ev := &steps{cancel: cancel, stopAt: "entry 2 of 2"}
	_, err := svc.Export(ctx, app.ExportRequest{Case: number, OutDir: out}, ev)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted export: %v", err)
	}
	list, _ := os.ReadDir(filepath.Join(out, number))
	if len(list) != 1 || bundle.WorkID(list[0].Name()) == "" {
		t.Fatalf("after the interruption the case directory holds %v", list)
	}
	if ex, _ := svc.Store().Exports(context.Background(), number); len(ex) != 0 {
		t.Errorf("an interrupted export is recorded: %+v", ex)
	}
	ev2 := &steps{}
	res, err := svc.Export(context.Background(), app.ExportRequest{Case: number, OutDir: out}, ev2)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Reused) == 0 || res.Reused[0] != "entry-1" || !strings.Contains(strings.Join(ev2.lines, "\n"), "resuming the unfinished export") {
		t.Errorf("reused %v; steps:\n%s", res.Reused, strings.Join(ev2.lines, "\n"))
	}
	if r, err := svc.VerifyBundle(context.Background(), res.Dir); err != nil || !r.OK() {
		t.Fatalf("verify: %v %+v", err, r)
	}
	if list, _ := os.ReadDir(filepath.Join(out, number)); len(list) != 1 || list[0].Name() != res.ExportID {
		t.Errorf("case directory holds %v", list)
	}
	// With Restart a new export starts from nothing (in a new second: the
	// export id is the second it started; the same one again is refused).
	if _, err := svc.Export(context.Background(), app.ExportRequest{Case: number, OutDir: out, Restart: true}, nil); err == nil && time.Now().UTC().Format("20060102T150405Z") == res.ExportID {
		t.Error("a second export in the same second was not refused")
	}
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	res2, err := svc.Export(context.Background(), app.ExportRequest{Case: number, OutDir: out, Restart: true}, nil)
	if err != nil || len(res2.Reused) != 0 {
		t.Errorf("restart: %v reused %v", err, res2.Reused)
	}
}

func TestVocabulary(t *testing.T) {
	for _, m := range export.CutModes {
		if got, err := export.ParseCutMode(string(m)); err != nil || got != m {
			t.Errorf("%s: %v", m, err)
		}
	}
	if _, err := export.ParseCutMode("fast"); err == nil || !strings.Contains(err.Error(), "use copy, exact or transcode") {
		t.Errorf("fast: %v", err)
	}
	if _, err := export.ParseGapPolicy("skip"); err == nil {
		t.Error("skip accepted")
	}
	if b, _ := json.Marshal(export.GapSplit); string(b) != `"split"` {
		t.Errorf("gap policy JSON %s", b)
	}
}

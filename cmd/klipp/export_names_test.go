package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExportSourceNameWithNewline: a recording delivered under a name with
// a newline and a backslash is ingested and exported; its native copy is
// listed in SHA256SUMS as coreutils escapes it, and both klipp verify and
// sha256sum -c pass on the bundle.
func TestExportSourceNameWithNewline(t *testing.T) {
	dir, _, gt := indexedSite(t)
	t.Setenv("KLIPP_PRESENTATION_WIDTH", "320")
	t.Setenv("KLIPP_PRESENTATION_HEIGHT", "180")
	work := t.TempDir()
	conf := filepath.Join(work, "klipp.yaml")
	os.WriteFile(conf, []byte("data_dir: data\ncatalog: cameras.yaml\nanalyst: Ingrid\n"), 0o644)
	os.WriteFile(filepath.Join(work, "cameras.yaml"), []byte(`cameras:
  - id: tv-e6-malmo
    name: E6 Malmö norr
    owner: trafikverket
    location: {lat: 55.62, lon: 13.02}
    kind: fixed
    quality: overview
    timezone: Europe/Stockholm
`), 0o644)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	seg := gt.Cameras["stortorget"].Segments[3]
	data, err := os.ReadFile(filepath.Join(dir, seg.File))
	if err != nil {
		t.Fatal(err)
	}
	delivered := filepath.Join(work, "EXPORT\n0001 \\ kopia.mp4")
	os.WriteFile(delivered, data, 0o644)
	start := seg.CameraClock.In(time.FixedZone("CET", 3600)).Format("2006-01-02 15:04:05.000")
	if code, _, errs := k("ingest", delivered, "--camera", "tv-e6-malmo", "--start", start); code != 0 {
		t.Fatalf("ingest: %s", errs)
	}
	number := "K-NEWLINE-1"
	if code, _, errs := k("case", "new", "--number", number, "--title", "Radbrytning", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17"); code != 0 {
		t.Fatal(errs)
	}
	at := seg.CameraClock.Add(20 * time.Second)
	if code, _, errs := k("timeline", "add", number, "--camera", "tv-e6-malmo", "--at", at.Format(time.RFC3339Nano), "--text", "Bil"); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := k("--json", "export", number, "-o", filepath.Join(work, "out"))
	if code != 0 {
		t.Fatalf("export: %s", errs)
	}
	var res struct{ Dir string }
	json.Unmarshal([]byte(out), &res)
	sums, _ := os.ReadFile(filepath.Join(res.Dir, "SHA256SUMS"))
	if !strings.Contains(string(sums), `EXPORT\n0001 \\ kopia.mp4`) {
		t.Errorf("SHA256SUMS does not list the native copy escaped:\n%s", sums)
	}
	if code, out, errs := k("verify", res.Dir); code != 0 {
		t.Errorf("klipp verify: %d %s %s", code, out, errs)
	}
	check := exec.Command("sha256sum", "--quiet", "-c", "SHA256SUMS")
	check.Dir = res.Dir
	if msg, err := check.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v %s", err, msg)
	}
	// A changed copy is named on one line.
	natives, _ := filepath.Glob(filepath.Join(res.Dir, "native", "tv-e6-malmo", "*EXPORT*"))
	if len(natives) != 1 {
		t.Fatalf("native copies %v", natives)
	}
	os.Chmod(natives[0], 0o644)
	os.WriteFile(natives[0], []byte("other"), 0o644)
	code, _, errs = k("verify", res.Dir)
	if code != 5 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, `EXPORT\n0001 \\ kopia.mp4"`) {
		t.Errorf("verify of a changed copy: %d %q", code, errs)
	}
}

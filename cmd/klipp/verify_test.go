package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/bundle"
)

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("data_dir: data\n"), 0o644)
	b := filepath.Join(dir, "5000-K1", "20261121T080000Z")
	os.MkdirAll(filepath.Join(b, "stills"), 0o755)
	m := bundle.Manifest{Case: "5000-K1", ExportID: "20261121T080000Z", Created: time.Now().UTC()}
	for _, name := range []string{"timeline.json", "stills/01-stortorget-220820.000.png"} {
		os.WriteFile(filepath.Join(b, filepath.FromSlash(name)), []byte("content of "+name), 0o644)
		size, sum, _ := bundle.HashFile(filepath.Join(b, filepath.FromSlash(name)))
		m.Files = append(m.Files, bundle.File{Path: name, Size: size, SHA256: sum})
	}
	if err := bundle.Finish(b, m); err != nil {
		t.Fatal(err)
	}
	code, out, errs := klipp(t, "--config", conf, "verify", b)
	if code != 0 || !strings.Contains(out, "3 files, every hash matches") {
		t.Fatalf("intact: %d %s %s", code, out, errs)
	}
	still := filepath.Join(b, "stills", "01-stortorget-220820.000.png")
	data, _ := os.ReadFile(still)
	data[3] ^= 0x20 // one changed byte
	os.WriteFile(still, data, 0o644)
	code, _, errs = klipp(t, "--config", conf, "verify", b)
	if code != 5 || !strings.Contains(errs, "changed: stills/01-stortorget-220820.000.png") {
		t.Errorf("changed byte: %d %q", code, errs)
	}
	code, out, _ = klipp(t, "--config", conf, "--json", "verify", b)
	if code != 5 || !strings.Contains(out, `"changed": [`) {
		t.Errorf("json report: %d %s", code, out)
	}
	if code, _, errs := klipp(t, "--config", conf, "verify", filepath.Join(dir, "nowhere")); code != 3 || !strings.Contains(errs, "no SHA256SUMS") {
		t.Errorf("not a bundle: %d %q", code, errs)
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "data", "audit.jsonl")); strings.Count(string(log), `"action":"verify"`) != 3 {
		t.Errorf("verify not audited:\n%s", log)
	}
}

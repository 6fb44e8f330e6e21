package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestAuditTrail(t *testing.T) {
	dir := site(t)
	conf := filepath.Join(dir, "klipp.yaml")
	if code, _, errs := klipp(t, "--config", conf, "-q", "index"); code != 0 {
		t.Fatal(errs)
	}
	png := filepath.Join(t.TempDir(), "s.png")
	if code, _, errs := klipp(t, "--config", conf, "still", "--camera", "stortorget", "--at", "2026-11-20 22:08:30", "-o", png); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := klipp(t, "--config", conf, "audit", "verify")
	if code != 0 || !strings.Contains(out, "chain intact") {
		t.Fatalf("verify: %d %s %s", code, out, errs)
	}
	log, err := os.ReadFile(filepath.Join(dir, "data", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(log), "\n"), "\n")
	lastLine := lines[len(lines)-1]
	if !strings.Contains(lastLine, `"action":"still"`) || !strings.Contains(lastLine, png) || !strings.Contains(lastLine, `"who":"Demo Analytiker"`) {
		t.Errorf("last audit entry: %s", lastLine)
	}
	// One changed character in a copy of the log: verify names the line.
	tampered := t.TempDir()
	lines[len(lines)-1] = strings.Replace(lastLine, "stortorget", "stortorgeT", 1)
	os.WriteFile(filepath.Join(tampered, "audit.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	code, _, errs = klipp(t, "--config", conf, "--data-dir", tampered, "audit", "verify")
	want := "line " + strconv.Itoa(len(lines)) + ": its content does not match its hash"
	if code != 5 || !strings.Contains(errs, want) {
		t.Errorf("tampered: exit %d %q, want 5 and %q", code, errs, want)
	}
}

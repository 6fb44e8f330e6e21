package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startExport runs klipp export in a separate process and returns once its
// work directory exists (it then holds the case's export lock).
func startExport(t *testing.T, conf, number, out string) (cmd *exec.Cmd, exited chan error, stderr *strings.Builder) {
	t.Helper()
	cmd = exec.Command(os.Args[0], "--config", conf, "export", number, "-o", out)
	cmd.Env = append(os.Environ(), "KLIPP_TEST_AS_KLIPP=1")
	stderr = &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited = make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if parts, _ := filepath.Glob(filepath.Join(out, number, ".*.part")); len(parts) == 1 {
			return cmd, exited, stderr
		}
		select {
		case err := <-exited:
			t.Fatalf("export ended before its work directory appeared: %v\n%s", err, stderr)
		default:
		}
	}
	t.Fatal("the export never started its work directory")
	return
}

// TestConcurrentExportsOfOneCase: two exports of one case into the same -o
// at once: the second exits 2 naming the export that holds the case, the
// first completes and its bundle verifies; with --wait the second waits
// and then makes its own bundle.
func TestConcurrentExportsOfOneCase(t *testing.T) {
	_, conf, gt := indexedSite(t)
	t.Setenv("KLIPP_PRESENTATION_WIDTH", "640")
	t.Setenv("KLIPP_PRESENTATION_HEIGHT", "360")
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	number := "K-RACE-1"
	if code, _, errs := k("case", "new", "--number", number, "--title", "Samtidigt", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17"); code != 0 {
		t.Fatal(errs)
	}
	for i, cam := range []string{"stortorget", "sodergatan-2"} {
		at := gt.Suspect.Visits[2+i].Enter.Add(3 * time.Second)
		if code, _, errs := k("timeline", "add", number, "--camera", cam, "--at", at.Format(time.RFC3339Nano), "--text", "Post "+cam); code != 0 {
			t.Fatal(errs)
		}
	}
	out := t.TempDir()
	first, exited, stderr := startExport(t, conf, number, out)
	code, _, errs := k("export", number, "-o", out)
	holder := fmt.Sprintf("pid %d", first.Process.Pid)
	if code != 2 || !strings.Contains(errs, "being exported") || !strings.Contains(errs, holder) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("second export: exit %d %q; want exit 2 in one line naming %s", code, errs, holder)
	}
	if err := <-exited; err != nil {
		t.Fatalf("first export: %v\n%s", err, stderr)
	}
	bundles, _ := filepath.Glob(filepath.Join(out, number, "2*"))
	if len(bundles) != 1 {
		t.Fatalf("bundles %v", bundles)
	}
	if code, _, errs := k("verify", bundles[0]); code != 0 {
		t.Fatalf("verify: %s", errs)
	}
	if list, _ := os.ReadDir(filepath.Join(out, number)); len(list) != 1 {
		t.Errorf("case directory holds %v", list)
	}

	// With --wait the second export waits for the first and then makes its
	// own bundle.
	time.Sleep(1100 * time.Millisecond) // export ids are seconds
	_, exited, stderr = startExport(t, conf, number, out)
	code, _, errs = k("export", number, "-o", out, "--wait")
	if err := <-exited; err != nil {
		t.Fatalf("first export: %v\n%s", err, stderr)
	}
	if code != 0 || !strings.Contains(errs, "waiting for the running export of case "+number) {
		t.Fatalf("--wait: exit %d %s", code, errs)
	}
	bundles, _ = filepath.Glob(filepath.Join(out, number, "2*"))
	if len(bundles) != 3 {
		t.Fatalf("bundles %v, want 3", bundles)
	}
	for _, b := range bundles {
		if code, _, errs := k("verify", b); code != 0 {
			t.Errorf("verify %s: %s", b, errs)
		}
	}
}

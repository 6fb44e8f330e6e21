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

// What a killed still or cut left in its output directory is removed by
// the next run there; nothing of a live writer is touched (issue 11
// item 10).
func TestNextRunSweepsKilledRunsTemporaries(t *testing.T) {
	_, conf, gt := indexedSite(t)
	out := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := []string{
		filepath.Join(out, fmt.Sprintf(".s.klipp-%d-0.png", dead.Process.Pid)),                                // a still's
		filepath.Join(out, fmt.Sprintf("..c.klipp-%d-0.klipp-%d-77.mp4", dead.Process.Pid, dead.Process.Pid)), // a cut's muxer temporary
	}
	for _, p := range stale {
		os.WriteFile(p, []byte("half a file"), 0o644)
	}
	at := gt.Cameras["stortorget"].Segments[2].TrueStart.Add(3 * time.Second)
	if code, _, errs := klipp(t, "--config", conf, "still", "--camera", "stortorget", "--at", at.Format(time.RFC3339Nano), "-o", filepath.Join(out, "s.png")); code != 0 {
		t.Fatal(errs)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s is still there", filepath.Base(p))
		}
	}
	list, _ := os.ReadDir(out)
	if len(list) != 1 || list[0].Name() != "s.png" {
		var names []string
		for _, e := range list {
			names = append(names, e.Name())
		}
		t.Errorf("output directory holds %v, want only s.png", names)
	}
}

// A full disk while writing is a storage error (exit 5) with one line, and
// no file takes the output's name (issue 11 item 16). The output is a
// 16 KiB tmpfs (mounting needs root, as make test runs here; skipped
// elsewhere).
func TestFullDiskIsExit5(t *testing.T) {
	out := filepath.Join(t.TempDir(), "full")
	os.MkdirAll(out, 0o755)
	if msg, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", out).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here: %v %s", err, msg)
	}
	t.Cleanup(func() { exec.Command("umount", out).Run() })
	_, conf, gt := indexedSite(t)
	at := gt.Cameras["stortorget"].Segments[2].TrueStart.Add(3 * time.Second)
	code, _, errs := klipp(t, "--config", conf, "still", "--camera", "stortorget", "--at", at.Format(time.RFC3339Nano), "-o", filepath.Join(out, "s.png"))
	if code != 5 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(strings.ToLower(errs), "no space left on device") {
		t.Errorf("still onto a full disk: exit %d, %q", code, errs)
	}
	if list, _ := os.ReadDir(out); len(list) != 0 {
		t.Errorf("files left on the full disk: %v", list)
	}
}

// An export that fills its disk is a storage error (exit 5), and the same
// export resumes once there is room.
func TestExportOntoAFullDiskIsExit5(t *testing.T) {
	out := filepath.Join(t.TempDir(), "full")
	os.MkdirAll(out, 0o755)
	if msg, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", out).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here: %v %s", err, msg)
	}
	t.Cleanup(func() { exec.Command("umount", out).Run() })
	_, conf, gt := indexedSite(t)
	seg := gt.Cameras["stortorget"].Segments[2]
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf, "-q"}, args...)...)
	}
	if code, _, errs := k("case", "new", "--number", "K-FULL", "--title", "t", "--from", seg.TrueStart.Format(time.RFC3339), "--to", seg.TrueStart.Add(time.Minute).Format(time.RFC3339)); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := k("timeline", "add", "K-FULL", "--camera", "stortorget", "--at", seg.TrueStart.Add(20*time.Second).Format(time.RFC3339), "--text", "x"); code != 0 {
		t.Fatal(errs)
	}
	code, _, errs := k("export", "K-FULL", "-o", out)
	if code != 5 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(strings.ToLower(errs), "no space left on device") {
		t.Fatalf("export onto a full disk: exit %d, %q", code, errs)
	}
	exec.Command("mount", "-o", "remount,size=64m", out).Run()
	if code, _, errs := k("export", "K-FULL", "-o", out); code != 0 {
		t.Errorf("the export with room again: %d %s", code, errs)
	}
}

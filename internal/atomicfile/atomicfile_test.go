package atomicfile

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.json")
	if err := Write(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(p); string(data) != "two" {
		t.Errorf("content %q", data)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	if err := Write(filepath.Join(dir, "missing", "x"), nil); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}

// A temporary whose writer died is swept; one whose writer runs stays.
func TestSweepDirRemovesOnlyDeadWritersTemporaries(t *testing.T) {
	dir := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	alive := exec.Command("sleep", "30")
	if err := alive.Start(); err != nil {
		t.Fatal(err)
	}
	defer alive.Process.Kill()
	stale := filepath.Join(dir, fmt.Sprintf(".clip.klipp-%d-123.mp4", dead.Process.Pid))
	running := filepath.Join(dir, fmt.Sprintf(".clip.klipp-%d-456.mp4", alive.Process.Pid))
	mine, err := Temp(filepath.Join(dir, "still.png"))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, ".hidden-but-not-ours.mp4")
	for _, p := range []string{stale, running, other} {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	removed, err := SweepDir(dir)
	if err != nil || len(removed) != 1 || removed[0] != stale {
		t.Fatalf("removed %v, %v; want only %s", removed, err, stale)
	}
	for _, p := range []string{running, mine, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed", p)
		}
	}
	if !strings.HasSuffix(mine, ".png") || !strings.Contains(filepath.Base(mine), fmt.Sprintf(".klipp-%d-", os.Getpid())) {
		t.Errorf("temporary name %s: want the writer's pid and the extension", mine)
	}
}

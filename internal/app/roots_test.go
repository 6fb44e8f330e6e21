package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/pgtest"
)

// Two machines mount the recordings share at different paths and share one
// store: what one indexes the other reads through its own mount point; a
// machine without the share says so.
func TestRootsLetMachinesMountAShareAnywhere(t *testing.T) {
	t.Parallel() // see TestMain
	ctx := context.Background()
	share := t.TempDir()
	clip := filepath.Join(share, "sodergatan-2", "2026-11-20", "22-00-00.mp4")
	os.MkdirAll(filepath.Dir(clip), 0o755)
	w, err := media.CreateVideo(clip, media.WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if err := w.WriteFrame(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Machine B sees the same share at another path.
	elsewhere := filepath.Join(t.TempDir(), "mnt", "cctv")
	os.MkdirAll(filepath.Dir(elsewhere), 0o755)
	if err := os.Symlink(share, elsewhere); err != nil {
		t.Fatal(err)
	}
	pg := pgtest.Shared(t) // the package's server; no roles of this test's own
	db := pg.Database(t)
	machine := func(cctv string) *Service {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte(`cameras:
  - id: sodergatan-2
    name: Södergatan 2
    owner: polisen
    location: {lat: 55.6036, lon: 13.0021}
    timezone: UTC
    recordings: {root: cctv, path: sodergatan-2, pattern: "%Y-%m-%d/%H-%M-%S.mp4"}
`), 0o644)
		conf := filepath.Join(dir, "klipp.yaml")
		body := "data_dir: data\ntimezone: UTC\n"
		if cctv != "" {
			body += "roots: {cctv: " + cctv + "}\n"
		}
		os.WriteFile(conf, []byte(body), 0o644)
		cfg, err := config.Load(conf, nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Store.URL = pg.URL(db)
		svc, err := Open(ctx, cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close() })
		return svc
	}
	a, b, c := machine(share), machine(elsewhere), machine("")
	if _, err := a.Index(ctx, IndexRequest{Camera: "sodergatan-2"}, nil); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 22, 0, 1, 0, time.UTC)
	f, err := b.Frame(ctx, FrameRequest{Camera: "sodergatan-2", At: at})
	if err != nil {
		t.Fatalf("machine B: %v", err)
	}
	if want := filepath.Join(elsewhere, "sodergatan-2", "2026-11-20", "22-00-00.mp4"); f.Source != want || !f.At.Equal(at) {
		t.Errorf("machine B read %s at %s, want %s at %s", f.Source, f.At, want, at)
	}
	// B's index run finds the same files through its mount: nothing removed.
	reps, err := b.Index(ctx, IndexRequest{Camera: "sodergatan-2"}, nil)
	if err != nil || reps[0].Removed != 0 || reps[0].Unchanged != 1 {
		t.Errorf("machine B's index: %+v %v", reps, err)
	}
	_, err = c.Frame(ctx, FrameRequest{Camera: "sodergatan-2", At: at})
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), `root "cctv": this machine does not mount it`) {
		t.Errorf("machine C without the share: %v", err)
	}
}

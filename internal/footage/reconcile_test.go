package footage

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// A file deleted from the recordings leaves the index and is named; a site
// copied elsewhere reads its own copies, not the original's files.
func TestIndexReconcilesVanishedAndMovedFiles(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"22-00-00", "22-00-02", "22-00-04"} {
		segment(t, root, "2026-11-20/"+n+".mp4")
	}
	cam := testCamera(t, root, "%Y-%m-%d/%H-%M-%S.mp4", clock.Offsets{})
	st := openStore(t)
	if _, err := Index(ctx, st, cam, nil); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(root, "2026-11-20/22-00-02.mp4"))
	rep, err := Index(ctx, st, cam, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Removed != 1 || len(rep.Vanished) != 1 || rep.Vanished[0] != "2026-11-20/22-00-02.mp4" {
		t.Fatalf("removed %d, vanished %v; want the deleted file", rep.Removed, rep.Vanished)
	}
	segs, _ := st.Segments(ctx, cam.ID)
	if len(segs) != 2 {
		t.Fatalf("%d segments left, want 2", len(segs))
	}

	// The site is copied elsewhere and the original removed: the copy's
	// files are found through the same rows, nothing is probed again.
	moved := filepath.Join(t.TempDir(), "copy")
	if out, err := exec.Command("cp", "-a", root, moved).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.RemoveAll(root)
	cam.Recordings.Path = moved
	rep, err = Index(ctx, st, cam, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Removed != 0 || rep.Unchanged != 2 || rep.Probed != 0 {
		t.Errorf("after the move: removed %d, unchanged %d, probed %d", rep.Removed, rep.Unchanged, rep.Probed)
	}
	seg, err := Locate(ctx, st, cam, utc("2026-11-20T21:00:01Z"), func(t time.Time) string { return t.String() })
	if err != nil || seg.Path != filepath.Join(moved, "2026-11-20/22-00-00.mp4") {
		t.Errorf("located %v, %v; want the copy's file", seg, err)
	}
}

// Symbolic links are followed only inside the recordings directory; the
// others are reported, not skipped silently.
func TestIndexReportsLinksOutside(t *testing.T) {
	root, elsewhere := t.TempDir(), t.TempDir()
	segment(t, root, "2026-11-20/22-00-00.mp4")
	outside := segment(t, elsewhere, "x.mp4")
	os.Symlink(outside, filepath.Join(root, "2026-11-20/22-00-02.mp4"))
	os.Symlink(filepath.Join(root, "2026-11-20/22-00-00.mp4"), filepath.Join(root, "2026-11-20/22-00-04.mp4"))
	cam := testCamera(t, root, "%Y-%m-%d/%H-%M-%S.mp4", clock.Offsets{})
	rep, err := Index(ctx, openStore(t), cam, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 2 || len(rep.Links) != 1 || rep.Links[0] != "2026-11-20/22-00-02.mp4" {
		t.Errorf("files %d, skipped links %v; want 2 files and the link leading outside", rep.Files, rep.Links)
	}
}

// A source overwritten with other bytes of the same size and its mtime put
// back is noticed: the recorded hash is never reused for bytes that differ.
func TestSourceHashNoticesSameSizeRewrite(t *testing.T) {
	root := t.TempDir()
	path := segment(t, root, "2026-11-20/22-00-00.mp4")
	cam := testCamera(t, root, "%Y-%m-%d/%H-%M-%S.mp4", clock.Offsets{})
	st := openStore(t)
	if _, err := Index(ctx, st, cam, nil); err != nil {
		t.Fatal(err)
	}
	show := func(t time.Time) string { return t.String() }
	seg, err := Locate(ctx, st, cam, utc("2026-11-20T21:00:01Z"), show)
	if err != nil {
		t.Fatal(err)
	}
	first, err := SourceHash(ctx, st, seg)
	if err != nil {
		t.Fatal(err)
	}
	// Unchanged: the cached hash is the file's.
	seg, _ = Locate(ctx, st, cam, utc("2026-11-20T21:00:01Z"), show)
	if again, err := SourceHash(ctx, st, seg); err != nil || again != first {
		t.Fatalf("unchanged file: %s %v", again, err)
	}
	// Same size, one byte different, mtime restored as `touch -r` would.
	fi, _ := os.Stat(path)
	data, _ := os.ReadFile(path)
	data[len(data)/2] ^= 0xff
	os.WriteFile(path, data, 0o644)
	os.Chtimes(path, fi.ModTime(), fi.ModTime())
	seg, _ = Locate(ctx, st, cam, utc("2026-11-20T21:00:01Z"), show)
	_, err = SourceHash(ctx, st, seg)
	var ce *ChangedError
	if !errors.As(err, &ce) || fault.KindOf(err) != fault.Storage || ce.Recorded != first || ce.Now == first || ce.File != path {
		t.Fatalf("error %v (kind %d); want a storage error naming the file and both hashes", err, fault.KindOf(err))
	}
}

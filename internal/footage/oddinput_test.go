package footage

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// oddFiles writes files that are not footage under dir: a text file FFmpeg
// draws as six frames of ANSI art, an empty file and random bytes.
func oddFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	random := make([]byte, 64<<10)
	rand.Read(random)
	passwd, err := os.ReadFile("/etc/passwd")
	if err != nil {
		passwd = []byte(strings.Repeat("root:x:0:0:root:/root:/bin/bash\n", 40))
	}
	for i, data := range [][]byte{passwd, nil, random} {
		p := filepath.Join(dir, names[i])
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Index marks a text file, an empty and a random file damaged with the
// reason, never ok; the real recording beside them stays ok.
func TestIndexMarksNonFootageDamaged(t *testing.T) {
	root := t.TempDir()
	segment(t, root, "2026-11-20/22-00-00.mp4")
	oddFiles(t, root, "2026-11-20/22-00-02.txt", "2026-11-20/22-00-04.mp4", "2026-11-20/22-00-06.ts")
	cam := testCamera(t, root, "%Y-%m-%d/%H-%M-%S.*", clock.Offsets{})
	st := openStore(t)
	if _, err := Index(ctx, st, cam, nil); err != nil {
		t.Fatal(err)
	}
	segs, _ := st.Segments(ctx, cam.ID)
	if len(segs) != 4 {
		t.Fatalf("%d segments, want 4", len(segs))
	}
	for _, s := range segs {
		want := store.StatusDamaged
		if strings.HasSuffix(s.Path, "22-00-00.mp4") {
			want = store.StatusOK
		}
		if s.Status != want || (want == store.StatusDamaged && s.Damaged == "") {
			t.Errorf("%s: %s %q, want %s with a reason", s.Path, s.Status, s.Damaged, want)
		}
		if strings.HasSuffix(s.Path, ".txt") && !strings.Contains(s.Damaged, "text") {
			t.Errorf("%s: reason %q does not say it is text", s.Path, s.Damaged)
		}
	}
}

// PlaceFile refuses what is not footage with a media error (exit 4).
func TestPlaceFileRefusesNonFootage(t *testing.T) {
	dir := t.TempDir()
	oddFiles(t, dir, "passwd.txt", "empty.mp4", "random.mp4")
	cam := testCamera(t, dir, "%Y-%m-%d/%H-%M-%S.mp4", clock.Offsets{})
	start := utc("2026-11-20T21:00:00Z")
	for _, n := range []string{"passwd.txt", "empty.mp4", "random.mp4"} {
		_, _, err := PlaceFile(context.Background(), cam, filepath.Join(dir, n), n, &start, "x", 0)
		if err == nil || fault.KindOf(err) != fault.Media || !strings.HasPrefix(err.Error(), n+": not footage") {
			t.Errorf("%s: %v (kind %d), want a media error naming it", n, err, fault.KindOf(err))
		}
	}
}

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
)

// openIngest opens a service with one camera and a delivered 2-second clip.
func openIngest(t *testing.T) (*Service, string) {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "rec"), 0o755)
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte(`cameras:
  - id: road
    name: Road
    owner: trafikverket
    location: {lat: 55.62, lon: 13.02}
    kind: fixed
    quality: overview
    timezone: Europe/Stockholm
    recordings: {path: rec, pattern: '%Y-%m-%d/%H-%M-%S.mp4'}
`), 0o644)
	cfg, err := config.Load("", map[string]string{"data_dir": filepath.Join(dir, "data"), "catalog": filepath.Join(dir, "cameras.yaml"), "analyst": "Ingrid"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	svc, err := Open(context.Background(), cfg, Options{Now: func() time.Time { return now }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	clip := filepath.Join(t.TempDir(), "EXPORT_0001.mp4")
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
	return svc, clip
}

func TestIngestStoresSegmentAndEntryTogether(t *testing.T) {
	ctx := context.Background()
	svc, clip := openIngest(t)
	start := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	res, err := svc.Ingest(ctx, IngestRequest{Files: []string{clip}, Camera: "road", Start: &start, Note: "USB"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Files[0]
	if len(res.Files) != 1 || r.Already || !r.TrueStart.Equal(start) || r.StartFrom != "--start" || r.By != "Ingrid" {
		t.Errorf("ingest: %+v", res)
	}
	if fi, err := os.Stat(r.Stored); err != nil || fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("evidence copy: %v %v", fi, err)
	}
	if _, err := os.Stat(r.Stored + ".json"); err != nil {
		t.Errorf("no record beside the copy: %v", err)
	}
	if segs, _ := svc.Store().Segments(ctx, "road"); len(segs) != 1 || segs[0].SHA256 != r.SHA256 {
		t.Errorf("segments: %+v", segs)
	}
	if a := actions(t, svc); len(a) != 1 || a[0] != "ingest" {
		t.Errorf("audit: %v", a)
	}
	res, err = svc.Ingest(ctx, IngestRequest{Files: []string{clip}, Camera: "road", Start: &start}, nil)
	if err != nil || !res.Files[0].Already {
		t.Errorf("second ingest: %+v %v", res, err)
	}
	if a := actions(t, svc); len(a) != 1 {
		t.Errorf("a second ingest of the same file was audited: %v", a)
	}
}

func TestIngestRequestErrors(t *testing.T) {
	ctx := context.Background()
	svc, clip := openIngest(t)
	start := time.Now()
	for _, tc := range []struct {
		req  IngestRequest
		kind fault.Kind
		want string
	}{
		{IngestRequest{Files: []string{clip}}, fault.Usage, "camera: required"},
		{IngestRequest{Files: []string{clip}, Camera: "nope"}, fault.NotFound, "nope"},
		{IngestRequest{Files: []string{clip, clip}, Camera: "road", Start: &start}, fault.Usage, "start: gives one file's start"},
		{IngestRequest{Files: []string{clip + ".missing"}, Camera: "road"}, fault.NotFound, "not a readable file"},
	} {
		if _, err := svc.Ingest(ctx, tc.req, nil); fault.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v (kind %d), want %d and %q", tc.req, err, fault.KindOf(err), tc.kind, tc.want)
		}
	}
}

// With the audit log unwritable nothing is ingested: no segment, no copy,
// no record.
func TestIngestWithUnwritableAuditLog(t *testing.T) {
	ctx := context.Background()
	svc, clip := openIngest(t)
	os.MkdirAll(filepath.Dir(svc.AuditPath()), 0o755)
	if err := os.Symlink("/dev/full", svc.AuditPath()); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	if _, err := svc.Ingest(ctx, IngestRequest{Files: []string{clip}, Camera: "road", Start: &start}, nil); fault.KindOf(err) != fault.Storage {
		t.Fatalf("ingest: %v", err)
	}
	if segs, _ := svc.Store().Segments(ctx, "road"); len(segs) != 0 {
		t.Errorf("segments stored: %+v", segs)
	}
	if list, _ := os.ReadDir(filepath.Join(svc.Config().DataDir, "evidence", "road")); len(list) != 0 {
		t.Errorf("files left in the evidence store: %v", list)
	}
}

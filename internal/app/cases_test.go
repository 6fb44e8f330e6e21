package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/fault"
)

const oneCamera = `cameras:
  - id: sodergatan-2
    name: Södergatan 2
    owner: polisen
    location: {lat: 55.6036, lon: 13.0021}
    kind: fixed
    quality: recognition
  - id: stortorget
    name: Stortorget
    owner: kommun
    location: {lat: 55.6050, lon: 13.0010}
    kind: fixed
    quality: overview
`

// openWithCatalog opens a service whose catalog has two cameras and no
// footage.
func openWithCatalog(t *testing.T) *Service {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte(oneCamera), 0o644)
	cfg, err := config.Load("", map[string]string{"data_dir": filepath.Join(dir, "data"), "catalog": filepath.Join(dir, "cameras.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	svc, err := Open(context.Background(), cfg, Options{Now: func() time.Time { return now }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

var incident = time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)

func newCase(number string) CreateCaseRequest {
	return CreateCaseRequest{Number: number, Title: "Rån", From: incident, To: incident.Add(30 * time.Minute), RequestedBy: "Insp. Berg"}
}

type recorder struct{ warnings []string }

func (r *recorder) Progress(string, int64, int64) {}
func (r *recorder) Step(string)                   {}
func (r *recorder) Warn(m string)                 { r.warnings = append(r.warnings, m) }

func TestCaseLifecycleThroughTheService(t *testing.T) {
	ctx := context.Background()
	svc := openWithCatalog(t)
	c, err := svc.CreateCase(ctx, newCase("K-1"))
	if err != nil || c.Status != casefile.StatusRequested || c.CreatedBy != svc.Who() {
		t.Fatalf("create: %+v %v", c, err)
	}
	st := casefile.StatusInProgress
	suspect := "röd jacka"
	if c, err = svc.EditCase(ctx, EditCaseRequest{Number: "K-1", Status: &st, Suspect: &suspect}); err != nil || c.Status != st || c.Suspect != suspect {
		t.Fatalf("edit: %+v %v", c, err)
	}
	back := casefile.StatusRequested
	var fe *fault.FieldError
	if _, err := svc.EditCase(ctx, EditCaseRequest{Number: "K-1", Status: &back}); !errors.As(err, &fe) || fe.Field != "reopen" {
		t.Errorf("moving back without reopen: %v", err)
	}
	if c, err = svc.CloseCase(ctx, CloseCaseRequest{Number: "K-1"}); err != nil || c.Status != casefile.StatusDelivered || c.Delivered == nil {
		t.Fatalf("close: %+v %v", c, err)
	}
	list, err := svc.CaseList(ctx, CaseListRequest{Status: casefile.StatusDelivered})
	if err != nil || len(list) != 1 || list[0].Number != "K-1" {
		t.Errorf("list: %+v %v", list, err)
	}
	shown, err := svc.CaseShow(ctx, "K-1")
	if err != nil || shown.Suspect != suspect || len(shown.Exports) != 0 {
		t.Errorf("show: %+v %v", shown, err)
	}
	if _, err := svc.CaseShow(ctx, "K-404"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("missing case: %v", err)
	}
	req := newCase("K-2")
	req.Title = ""
	if _, err := svc.CreateCase(ctx, req); !errors.As(err, &fe) || fe.Field != "title" || fe.Message != "required" {
		t.Errorf("no title: %v", err)
	}
	req = newCase("K-3")
	req.Retention = "forever"
	if _, err := svc.CreateCase(ctx, req); !errors.As(err, &fe) || fe.Field != "retention" {
		t.Errorf("unknown retention class: %v", err)
	}
	if n, _, err := audit.Verify(svc.AuditPath()); err != nil || n != 3 {
		t.Errorf("audit: %d entries (create, edit, close), %v", n, err)
	}
}

func TestTimelineThroughTheService(t *testing.T) {
	ctx := context.Background()
	svc := openWithCatalog(t)
	if _, err := svc.CreateCase(ctx, newCase("K-1")); err != nil {
		t.Fatal(err)
	}
	ev := &recorder{}
	at := incident.Add(10 * time.Minute)
	e, err := svc.AddEntry(ctx, AddEntryRequest{Case: "K-1", Camera: "sodergatan-2", At: at, Text: "Misstänkt", Tags: []string{"suspect"}}, ev)
	if err != nil || e.ID == 0 || e.CameraName != "Södergatan 2" || !e.From.Equal(at.Add(-svc.cfg.Clip.Before)) || !e.To.Equal(at.Add(svc.cfg.Clip.After)) {
		t.Fatalf("add: %+v %v", e, err)
	}
	if len(ev.warnings) != 1 || !strings.Contains(ev.warnings[0], "no footage") {
		t.Errorf("warnings %q, want one about missing footage", ev.warnings)
	}
	text, cam := "Misstänkt springer", "stortorget"
	tags := []string{"suspect", "witness"}
	from := at.Add(-time.Second)
	e, err = svc.EditEntry(ctx, EditEntryRequest{Case: "K-1", ID: e.ID, Text: &text, Camera: &cam, Tags: &tags, From: &from}, nil)
	if err != nil || e.Text != text || e.Camera != cam || len(e.Tags) != 2 || !e.From.Equal(from) {
		t.Fatalf("edit: %+v %v", e, err)
	}
	bad := []string{"nobody"}
	var fe *fault.FieldError
	if _, err := svc.EditEntry(ctx, EditEntryRequest{Case: "K-1", ID: e.ID, Tags: &bad}, nil); !errors.As(err, &fe) || fe.Field != "tag" {
		t.Errorf("bad tag: %v", err)
	}
	if _, err := svc.AddEntry(ctx, AddEntryRequest{Case: "K-1", Camera: "nowhere", At: at, Text: "x"}, nil); fault.KindOf(err) != fault.NotFound {
		t.Errorf("unknown camera: %v", err)
	}
	list, err := svc.Entries(ctx, "K-1")
	if err != nil || len(list) != 1 || list[0].Number != 1 {
		t.Fatalf("entries: %+v %v", list, err)
	}
	r, err := svc.RemoveEntry(ctx, "K-1", e.ID)
	if err != nil || r.Removed != e.ID || r.Case != "K-1" {
		t.Fatalf("rm: %+v %v", r, err)
	}
	if _, err := svc.RemoveEntry(ctx, "K-1", e.ID); fault.KindOf(err) != fault.NotFound {
		t.Errorf("rm again: %v", err)
	}
	if n, _, err := audit.Verify(svc.AuditPath()); err != nil || n != 4 {
		t.Errorf("audit: %d entries (case, add, edit, rm), %v", n, err)
	}
}

// With the audit log unwritable, CreateCase and AddEntry fail with a
// storage error and store nothing.
func TestMutationsWithUnwritableAuditLogStoreNothing(t *testing.T) {
	ctx := context.Background()
	svc := openWithCatalog(t)
	if _, err := svc.CreateCase(ctx, newCase("K-1")); err != nil {
		t.Fatal(err)
	}
	saved := svc.AuditPath() + ".saved"
	os.Rename(svc.AuditPath(), saved)
	if err := os.Symlink("/dev/full", svc.AuditPath()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateCase(ctx, newCase("K-2")); fault.KindOf(err) != fault.Storage {
		t.Errorf("create: %v (kind %d), want a storage error", err, fault.KindOf(err))
	}
	if _, err := svc.Store().GetCase(ctx, "K-2"); err == nil {
		t.Error("the case was stored without its audit entry")
	}
	_, err := svc.AddEntry(ctx, AddEntryRequest{Case: "K-1", Camera: "sodergatan-2", At: incident.Add(time.Minute), Text: "x"}, nil)
	if fault.KindOf(err) != fault.Storage {
		t.Errorf("add entry: %v (kind %d), want a storage error", err, fault.KindOf(err))
	}
	if entries, _ := svc.Store().Entries(ctx, "K-1"); len(entries) != 0 {
		t.Errorf("an entry was stored without its audit entry: %+v", entries)
	}
	if seq, _, _ := svc.Store().AuditHead(ctx); seq != 1 {
		t.Errorf("store audit head %d, want 1", seq)
	}
}

func TestStatsCamerasAndCoverage(t *testing.T) {
	ctx := context.Background()
	svc := openWithCatalog(t)
	if _, err := svc.CreateCase(ctx, newCase("K-1")); err != nil {
		t.Fatal(err)
	}
	s, err := svc.Stats(ctx, StatsRequest{})
	if err != nil || s.Total.Requests != 1 || s.Total.Open != 1 {
		t.Errorf("stats: %+v %v", s.Total, err)
	}
	var fe *fault.FieldError
	if _, err := svc.Stats(ctx, StatsRequest{From: incident, To: incident}); !errors.As(err, &fe) || fe.Field != "to" {
		t.Errorf("stats to = from: %v", err)
	}
	cams, err := svc.CameraList(ctx, CameraListRequest{Owner: "kommun"})
	if err != nil || len(cams) != 1 || cams[0].ID != "stortorget" || cams[0].ClockVerified {
		t.Errorf("list: %+v %v", cams, err)
	}
	near, err := svc.CameraNear(ctx, CameraNearRequest{Camera: "sodergatan-2", At: incident, Travel: catalog.Run})
	if err != nil || len(near) != 2 || near[0].Camera.ID != "sodergatan-2" || near[1].Window == nil {
		t.Errorf("near: %+v %v", near, err)
	}
	if _, err := svc.CameraNear(ctx, CameraNearRequest{Camera: "sodergatan-2", At: incident, Travel: "plane"}); !errors.As(err, &fe) || fe.Field != "speed" {
		t.Errorf("unknown travel: %v", err)
	}
	cov, err := svc.Coverage(ctx, CoverageRequest{Camera: "stortorget", From: incident, To: incident.Add(time.Minute)})
	if err != nil || len(cov.Segments) != 0 || len(cov.Gaps) != 1 {
		t.Errorf("coverage: %+v %v", cov, err)
	}
	if _, err := svc.Index(ctx, IndexRequest{}, nil); fault.KindOf(err) != fault.NotFound {
		t.Errorf("index without recordings: %v", err)
	}
}

package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/archive/archivetest"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// openArchived opens a service whose archive is a local directory behind
// the fault-injecting wrapper, and makes a bundle of case K-1.
func openArchived(t *testing.T) (*Service, *archivetest.Faulty, string) {
	t.Helper()
	return openArchivedAt(t, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
}

// openArchivedAt is openArchived with the service's clock fixed at now.
func openArchivedAt(t *testing.T, now time.Time) (*Service, *archivetest.Faulty, string) {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Load("", map[string]string{"data_dir": dir})
	if err != nil {
		t.Fatal(err)
	}
	local, err := archive.NewLocal(filepath.Join(dir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	faulty := archivetest.Wrap(local)
	svc, err := Open(context.Background(), cfg, Options{Now: func() time.Time { return now }, Version: "test",
		OpenArchive: func(context.Context, *config.Config) (archive.Store, error) { return faulty, nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	b := archivetest.MakeBundle(t, t.TempDir(), "K-1", "20261121T080000Z", 4, 20<<10)
	return svc, faulty, b
}

// actions are the audit log's actions, in order.
func actions(t *testing.T, svc *Service) []string {
	t.Helper()
	var out []string
	if err := audit.Lines(svc.AuditPath(), func(e audit.Entry, _ []byte) error {
		out = append(out, e.Action)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func jobState(t *testing.T, svc *Service) (archive.State, string) {
	t.Helper()
	j, err := svc.Store().ArchiveJob(context.Background(), svc.archiveID(), "K-1", "20261121T080000Z")
	if err != nil {
		t.Fatal(err)
	}
	return archive.State(j.State), j.Error
}

func TestPushVerifiesAndRecords(t *testing.T) {
	ctx := context.Background()
	svc, _, dir := openArchived(t)
	var steps []int64
	v, err := svc.Push(ctx, PushRequest{Dir: dir}, progressEvents(func(done, total int64) { steps = append(steps, total-done) }))
	if err != nil {
		t.Fatal(err)
	}
	if v.State != archive.Verified || v.Objects != 6 || v.Uploaded != 6 || v.Verified != 6 || len(steps) == 0 || steps[len(steps)-1] != 0 {
		t.Errorf("push: %+v, progress %v", v, steps)
	}
	if want := time.Date(2036, 11, 21, 9, 0, 0, 0, time.UTC); !v.RetainUntil.Equal(want) {
		t.Errorf("retained until %s, want %s (default class, 10 calendar years)", v.RetainUntil, want)
	}
	if st, _ := jobState(t, svc); st != archive.Verified {
		t.Errorf("job %s", st)
	}
	if a := actions(t, svc); len(a) != 1 || a[0] != "archive.push" {
		t.Errorf("audit: %v", a)
	}
	rows, err := svc.ArchiveList(ctx, ArchiveListRequest{})
	if err != nil || len(rows) != 1 || rows[0].State != archive.Archived || rows[0].Objects != 6 || rows[0].Dir != dir {
		t.Errorf("ls: %+v %v", rows, err)
	}
	res, err := svc.ArchiveVerify(ctx, ArchiveTarget{Case: "K-1"}, nil)
	if err != nil || !res.Report.OK() || res.Ref.ExportID != "20261121T080000Z" {
		t.Errorf("verify: %+v %v", res, err)
	}
}

// The default class's 10y locks a bundle for ten calendar years, to the
// minute it was pushed, not for 3650 days (which would end 2036-11-30):
// the push's result, every object in the archive, the job and the audit
// entry all say 2036-12-03 14:17 UTC.
func TestPushLocksForCalendarYears(t *testing.T) {
	ctx := context.Background()
	svc, store, dir := openArchivedAt(t, time.Date(2026, 12, 3, 14, 17, 0, 0, time.UTC))
	want := time.Date(2036, 12, 3, 14, 17, 0, 0, time.UTC)
	v, err := svc.Push(ctx, PushRequest{Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != archive.Verified || !v.RetainUntil.Equal(want) {
		t.Errorf("push: %s, retained until %s, want %s", v.State, v.RetainUntil, want)
	}
	objs, err := store.List(ctx, "")
	// The bundle's objects and the audit seal pushed with them; the seal is
	// locked as long as the longest class, here the default too.
	if err != nil || len(objs) != v.Objects+1 {
		t.Fatalf("archive holds %d objects (%v), want %d and a seal", len(objs), err, v.Objects)
	}
	seals := 0
	for _, o := range objs {
		if strings.Contains(o.Key, archive.SealDir+"/") {
			seals++
		}
		if !o.RetainUntil.Equal(want) {
			t.Errorf("%s retained until %s, want %s", o.Key, o.RetainUntil, want)
		}
	}
	if seals != 1 {
		t.Errorf("%d seals in the archive, want 1", seals)
	}
	j, err := svc.Store().ArchiveJob(ctx, svc.archiveID(), "K-1", "20261121T080000Z")
	if err != nil || j.RetainUntil == nil || !j.RetainUntil.Equal(want) {
		t.Errorf("job retained until %v (%v), want %s", j.RetainUntil, err, want)
	}
	var logged []string
	if err := audit.Lines(svc.AuditPath(), func(e audit.Entry, _ []byte) error {
		if e.Action == "archive.push" {
			logged = append(logged, e.Detail["retain_until"])
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(logged) != 1 || logged[0] != "2036-12-03T14:17:00Z" {
		t.Errorf("audit archive.push retain_until %v, want [2036-12-03T14:17:00Z]", logged)
	}
}

// A push that loses the archive part way is queued with the reason,
// listed as queued (not archived, though objects are there), and retry
// completes it.
func TestPushFailingAfterNBytesIsQueuedThenRetried(t *testing.T) {
	ctx := context.Background()
	svc, faulty, dir := openArchived(t)
	faulty.FailAfter(30 << 10)
	_, err := svc.Push(ctx, PushRequest{Dir: dir, Jobs: 1}, nil)
	if fault.KindOf(err) != fault.Storage || !strings.Contains(err.Error(), "klipp archive retry") || !errors.Is(err, archivetest.ErrInjected) {
		t.Fatalf("push: %v (kind %d)", err, fault.KindOf(err))
	}
	if st, msg := jobState(t, svc); st != archive.Queued || !strings.Contains(msg, "connection reset") {
		t.Errorf("job %s %q, want queued with the reason", st, msg)
	}
	rows, err := svc.ArchiveList(ctx, ArchiveListRequest{Case: "K-1"})
	if err != nil || len(rows) != 1 || rows[0].State != archive.Queued || rows[0].Objects == 0 {
		t.Errorf("ls after the failure: %+v %v", rows, err)
	}
	if _, err := svc.ArchiveVerify(ctx, ArchiveTarget{Case: "K-1", ExportID: "20261121T080000Z"}, nil); !errors.Is(err, archive.ErrIncomplete) {
		t.Errorf("verify of the half-pushed bundle: %v", err)
	}
	faulty.FailAfter(-1)
	res, err := svc.Retry(ctx, nil)
	if err != nil || res.Jobs != 1 || len(res.Archived) != 1 || res.Archived[0].State != archive.Verified || res.Archived[0].Skipped == 0 {
		t.Fatalf("retry: %+v %v", res, err)
	}
	if st, msg := jobState(t, svc); st != archive.Verified || msg != "" {
		t.Errorf("job after retry %s %q", st, msg)
	}
	if a := actions(t, svc); strings.Join(a, " ") != "archive.push.failed archive.push" {
		t.Errorf("audit: %v", a)
	}
	if res, err := svc.Retry(ctx, nil); err != nil || res.Jobs != 0 {
		t.Errorf("nothing left to retry: %+v %v", res, err)
	}
}

// A configuration mistake fails the job (a retry will not fix it) with a
// usage error.
func TestPushWithBadConfigurationFails(t *testing.T) {
	ctx := context.Background()
	svc, _, dir := openArchived(t)
	svc.openArchive = func(context.Context, *config.Config) (archive.Store, error) {
		return nil, &archive.ConfigError{Msg: "archive.s3.endpoint: give host:port"}
	}
	_, err := svc.Push(ctx, PushRequest{Dir: dir}, nil)
	if fault.KindOf(err) != fault.Usage {
		t.Fatalf("push: %v (kind %d)", err, fault.KindOf(err))
	}
	if st, msg := jobState(t, svc); st != archive.Failed || !strings.Contains(msg, "archive.s3.endpoint") {
		t.Errorf("job %s %q, want failed", st, msg)
	}
}

// When the archive cannot be listed, ls still returns the queue, marks
// what it could not check, and returns the error.
func TestListWhenTheSecondListFails(t *testing.T) {
	ctx := context.Background()
	svc, faulty, dir := openArchived(t)
	if _, err := svc.Push(ctx, PushRequest{Dir: dir}, nil); err != nil {
		t.Fatal(err)
	}
	faulty.FailList(2)
	if rows, err := svc.ArchiveList(ctx, ArchiveListRequest{}); err != nil || rows[0].State != archive.Archived {
		t.Fatalf("first ls: %+v %v", rows, err)
	}
	rows, err := svc.ArchiveList(ctx, ArchiveListRequest{})
	if fault.KindOf(err) != fault.Storage || !errors.Is(err, archivetest.ErrInjected) {
		t.Errorf("second ls: %v (kind %d)", err, fault.KindOf(err))
	}
	if len(rows) != 1 || rows[0].State != archive.Unchecked || rows[0].Error == "" {
		t.Errorf("second ls rows: %+v", rows)
	}
	if rows, err := svc.ArchiveList(ctx, ArchiveListRequest{}); err != nil || rows[0].State != archive.Archived {
		t.Errorf("third ls: %+v %v", rows, err)
	}
}

// A legal hold the store refuses changes nothing and audits nothing; one
// it accepts is recorded on the job and required by verify.
func TestHoldRefusedAndPlaced(t *testing.T) {
	ctx := context.Background()
	svc, faulty, dir := openArchived(t)
	if _, err := svc.Push(ctx, PushRequest{Dir: dir}, nil); err != nil {
		t.Fatal(err)
	}
	faulty.RefuseHold(true)
	if _, err := svc.Hold(ctx, ArchiveTarget{Case: "K-1"}); fault.KindOf(err) != fault.Storage || !errors.Is(err, archivetest.ErrInjected) {
		t.Errorf("refused hold: %v", err)
	}
	if j, _ := svc.Store().ArchiveJob(ctx, svc.archiveID(), "K-1", "20261121T080000Z"); j.Hold {
		t.Error("a refused hold was recorded")
	}
	faulty.RefuseHold(false)
	res, err := svc.Hold(ctx, ArchiveTarget{Case: "K-1"})
	if err != nil || res.Objects != 6 || !res.LegalHold {
		t.Fatalf("hold: %+v %v", res, err)
	}
	if v, err := svc.ArchiveVerify(ctx, ArchiveTarget{Case: "K-1"}, nil); err != nil || !v.Hold {
		t.Errorf("verify with hold: %+v %v", v, err)
	}
	if _, err := svc.Release(ctx, ArchiveTarget{Case: "K-1"}); err != nil {
		t.Fatal(err)
	}
	if a := actions(t, svc); strings.Join(a, " ") != "archive.push archive.hold archive.verify archive.release" {
		t.Errorf("audit: %v", a)
	}
}

// --delete-local reads every object back, then deletes the bundle.
func TestPushDeleteLocal(t *testing.T) {
	ctx := context.Background()
	svc, _, dir := openArchived(t)
	v, err := svc.Push(ctx, PushRequest{Dir: dir, DeleteLocal: true}, nil)
	if err != nil || !v.LocalDeleted {
		t.Fatalf("push: %+v %v", v, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("bundle still there: %v", err)
	}
	rows, _ := svc.ArchiveList(ctx, ArchiveListRequest{})
	if len(rows) != 1 || rows[0].Dir != "" {
		t.Errorf("ls: %+v", rows)
	}
}

// An unwritable audit log: the push's verified state is not stored either.
func TestPushWithUnwritableAuditLog(t *testing.T) {
	ctx := context.Background()
	svc, _, dir := openArchived(t)
	if err := os.Symlink("/dev/full", svc.AuditPath()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Push(ctx, PushRequest{Dir: dir}, nil); fault.KindOf(err) != fault.Storage {
		t.Fatalf("push: %v", err)
	}
	if st, _ := jobState(t, svc); st == archive.Verified {
		t.Error("the job is verified without its audit entry")
	}
}

type progressEvents func(done, total int64)

func (p progressEvents) Progress(_ string, done, total int64) { p(done, total) }
func (progressEvents) Step(string)                            {}
func (progressEvents) Warn(string)                            {}

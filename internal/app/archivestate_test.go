package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/archive/archivetest"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// secondArchive opens another service on svc's data directory and store
// with another archive (a local directory behind the fault wrapper), as a
// klipp.yaml with another archive section would.
func secondArchive(t *testing.T, svc *Service) (*Service, *archivetest.Faulty) {
	t.Helper()
	cfg, err := config.Load("", map[string]string{"data_dir": svc.Config().DataDir})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Archive.Path = filepath.Join(t.TempDir(), "second")
	local, err := archive.NewLocal(cfg.Archive.Path)
	if err != nil {
		t.Fatal(err)
	}
	faulty := archivetest.Wrap(local)
	two, err := Open(context.Background(), cfg, Options{Now: svc.now, Version: "test",
		OpenArchive: func(context.Context, *config.Config) (archive.Store, error) { return faulty, nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { two.Close() })
	return two, faulty
}

// Issue 11 item 4: a failed push to a second archive leaves the first
// archive's verified state alone, and a legal hold in the second does not
// make the first's verify require one.
func TestArchiveStateIsPerArchive(t *testing.T) {
	ctx := context.Background()
	one, _, dir := openArchived(t)
	if _, err := one.Push(ctx, PushRequest{Dir: dir}, nil); err != nil {
		t.Fatal(err)
	}
	two, faulty := secondArchive(t, one)
	if one.archiveID() == two.archiveID() {
		t.Fatalf("one archive id for two archives: %s", one.archiveID())
	}
	faulty.FailAfter(10 << 10)
	if _, err := two.Push(ctx, PushRequest{Dir: dir, Jobs: 1}, nil); fault.KindOf(err) != fault.Storage {
		t.Fatalf("failing push to the second archive: %v", err)
	}
	if st, _ := jobState(t, one); st != archive.Verified {
		t.Errorf("first archive's job after the second's failure: %s, want verified", st)
	}
	if j, err := two.Store().ArchiveJob(ctx, two.archiveID(), "K-1", "20261121T080000Z"); err != nil || j.State != string(archive.Queued) {
		t.Errorf("second archive's job: %+v %v", j, err)
	}
	if rows, err := one.ArchiveList(ctx, ArchiveListRequest{}); err != nil || len(rows) != 1 || rows[0].State != archive.Archived {
		t.Errorf("first archive's ls: %+v %v", rows, err)
	}
	if res, err := two.Retry(ctx, nil); err == nil || res.Jobs != 1 {
		// Still failing: only the second archive's job is retried.
		t.Errorf("retry in the second archive: %+v %v", res, err)
	}
	if res, err := one.Retry(ctx, nil); err != nil || res.Jobs != 0 {
		t.Errorf("retry in the first archive: %+v %v", res, err)
	}
	faulty.FailAfter(-1)
	if _, err := two.Retry(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := two.Hold(ctx, ArchiveTarget{Case: "K-1"}); err != nil {
		t.Fatal(err)
	}
	if v, err := one.ArchiveVerify(ctx, ArchiveTarget{Case: "K-1"}, nil); err != nil || v.Hold {
		t.Errorf("first archive's verify with a hold in the second: %+v %v", v, err)
	}
	if v, err := two.ArchiveVerify(ctx, ArchiveTarget{Case: "K-1"}, nil); err != nil || !v.Hold {
		t.Errorf("second archive's verify: %+v %v", v, err)
	}
}

// Issue 11 item 5: a --delete-local stopped while deleting leaves the job
// deleting, not jammed: a later push of the half-deleted directory, or a
// retry, verifies the archive again and finishes the delete.
func TestInterruptedDeleteLocalResumes(t *testing.T) {
	for _, resume := range []string{"push", "retry"} {
		t.Run(resume, func(t *testing.T) {
			ctx := context.Background()
			svc, faulty, dir := openArchived(t)
			deleteFault = func(string) error { return errors.New("killed") }
			_, err := svc.Push(ctx, PushRequest{Dir: dir, DeleteLocal: true}, nil)
			deleteFault = nil
			if fault.KindOf(err) != fault.Storage || !strings.Contains(err.Error(), "klipp archive retry finishes it") {
				t.Fatalf("interrupted push: %v", err)
			}
			if st, _ := jobState(t, svc); st != archive.Deleting {
				t.Errorf("job %s, want deleting", st)
			}
			if _, err := os.Stat(filepath.Join(dir, bundle.ManifestName)); !os.IsNotExist(err) {
				t.Fatalf("manifest still there: %v", err)
			}
			if rows, _ := svc.ArchiveList(ctx, ArchiveListRequest{}); len(rows) != 1 || rows[0].State != archive.Archived || rows[0].Error == "" {
				t.Errorf("ls: %+v", rows)
			}
			// The archive is checked again before the rest goes: a broken
			// archive stops it.
			faulty.FailList(1)
			var v PushResult
			if resume == "push" {
				_, err = svc.Push(ctx, PushRequest{Dir: dir, DeleteLocal: true}, nil)
			} else {
				_, err = svc.Retry(ctx, nil)
			}
			if err == nil {
				t.Fatal("the delete went on without the archive verifying")
			}
			if _, serr := os.Stat(dir); serr != nil {
				t.Fatalf("deleted without verifying: %v", serr)
			}
			if resume == "push" {
				v, err = svc.Push(ctx, PushRequest{Dir: dir, DeleteLocal: true}, nil)
			} else {
				var res RetryResult
				res, err = svc.Retry(ctx, nil)
				if len(res.Archived) == 1 {
					v = res.Archived[0]
				}
			}
			if err != nil || !v.LocalDeleted || v.State != archive.Verified {
				t.Fatalf("%s after the interruption: %+v %v", resume, v, err)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("bundle still there: %v", err)
			}
			if st, _ := jobState(t, svc); st != archive.Verified {
				t.Errorf("job %s", st)
			}
			if a := strings.Join(actions(t, svc), " "); a != "archive.push archive.delete-local" {
				t.Errorf("audit: %s", a)
			}
			if res, err := svc.Retry(ctx, nil); err != nil || res.Jobs != 0 {
				t.Errorf("the queue after: %+v %v", res, err)
			}
		})
	}
}

// Issue 11 item 3: a second push of a bundle while one runs is refused
// (exit 2) naming the push that holds it; the lock goes with the push.
func TestSecondPushOfOneBundleIsRefused(t *testing.T) {
	ctx := context.Background()
	svc, _, dir := openArchived(t)
	ref := archive.Ref{Case: "K-1", ExportID: "20261121T080000Z"}
	release, err := svc.lockBundle(ref, "archive push")
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Push(ctx, PushRequest{Dir: dir}, nil)
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "K-1/20261121T080000Z is being pushed by another klipp: archive push of K-1/20261121T080000Z by") ||
		!strings.Contains(err.Error(), "pid ") {
		t.Fatalf("second push: %v (kind %d)", err, fault.KindOf(err))
	}
	release()
	if _, err := svc.Push(ctx, PushRequest{Dir: dir}, nil); err != nil {
		t.Fatalf("push after the first finished: %v", err)
	}
	// The lock is free again after a push.
	if release, err := svc.lockBundle(ref, "x"); err != nil {
		t.Errorf("lock after the push: %v", err)
	} else {
		release()
	}
}

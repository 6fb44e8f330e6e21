package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// openTest opens a service on an empty data directory with a fixed clock.
func openTest(t *testing.T) *Service {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Load("", map[string]string{"data_dir": dir})
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

func testCase(number string) store.Case {
	t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	return store.Case{Number: number, Title: "t", Status: "requested", From: t0, To: t0.Add(time.Hour), Received: t0, Created: t0, Updated: t0, RetentionClass: "default"}
}

func TestChangeStoresChangeAndEntryTogether(t *testing.T) {
	ctx := context.Background()
	svc := openTest(t)
	for _, n := range []string{"K-1", "K-2"} {
		if _, err := svc.change(ctx, audit.Entry{Action: "case.create", Case: n}, func(tx *store.Store) error { return tx.CreateCase(ctx, testCase(n)) }); err != nil {
			t.Fatal(err)
		}
	}
	n, last, err := audit.Verify(svc.AuditPath())
	if err != nil || n != 2 {
		t.Fatalf("mirror: %d entries, %v", n, err)
	}
	seq, hash, err := svc.Store().AuditHead(ctx)
	if err != nil || seq != 2 || hash != last {
		t.Fatalf("store head %d %s, mirror head %s (%v)", seq, hash, last, err)
	}
	// A change that fails stores neither itself nor an entry.
	_, err = svc.change(ctx, audit.Entry{Action: "case.create", Case: "K-1"}, func(tx *store.Store) error { return tx.CreateCase(ctx, testCase("K-1")) })
	if err == nil {
		t.Fatal("a duplicate case was stored")
	}
	if n, _, _ := audit.Verify(svc.AuditPath()); n != 2 {
		t.Errorf("a failed change left an audit line: %d entries", n)
	}
}

func TestChangeWithUnwritableAuditLogStoresNothing(t *testing.T) {
	ctx := context.Background()
	svc := openTest(t)
	if err := os.Symlink("/dev/full", svc.AuditPath()); err != nil {
		t.Fatal(err)
	}
	_, err := svc.change(ctx, audit.Entry{Action: "case.create", Case: "K-1"}, func(tx *store.Store) error { return tx.CreateCase(ctx, testCase("K-1")) })
	if fault.KindOf(err) != fault.Storage {
		t.Fatalf("error %v (kind %d), want a storage error", err, fault.KindOf(err))
	}
	if _, err := svc.Store().GetCase(ctx, "K-1"); err == nil {
		t.Error("the case was stored although its audit entry could not be written")
	}
	if seq, _, _ := svc.Store().AuditHead(ctx); seq != 0 {
		t.Errorf("store audit head %d, want 0", seq)
	}
}

func TestOpenAdoptsAnExistingAuditLog(t *testing.T) {
	ctx := context.Background()
	svc := openTest(t)
	for i := 0; i < 3; i++ {
		if _, err := svc.record(ctx, audit.Entry{Action: "still"}); err != nil {
			t.Fatal(err)
		}
	}
	// A data directory from before the chain lived in the store: only the
	// JSONL log.
	data, _ := os.ReadFile(svc.AuditPath())
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "audit.jsonl"), data, 0o644)
	cfg, _ := config.Load("", map[string]string{"data_dir": dir})
	svc2, err := Open(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc2.Close()
	if seq, _, _ := svc2.Store().AuditHead(ctx); seq != 3 {
		t.Fatalf("adopted head %d, want 3", seq)
	}
	if _, err := svc2.record(ctx, audit.Entry{Action: "cut"}); err != nil {
		t.Fatal(err)
	}
	if n, _, err := audit.Verify(svc2.AuditPath()); err != nil || n != 4 {
		t.Errorf("after adoption: %d entries, %v", n, err)
	}
}

// The chain leaves the store as JSONL that verifies as a chain; a case's
// export holds only its entries; the export is audited.
func TestAuditExport(t *testing.T) {
	ctx := context.Background()
	svc := openTest(t)
	for _, n := range []string{"K-1", "K-2", "K-1"} {
		if _, err := svc.record(ctx, audit.Entry{Action: "still", Case: n}); err != nil {
			t.Fatal(err)
		}
	}
	var all bytes.Buffer
	res, err := svc.AuditExport(ctx, AuditExportRequest{}, &all)
	if err != nil || res.Entries != 3 {
		t.Fatalf("export: %+v %v", res, err)
	}
	if n, _, err := audit.VerifyReader(&all); err != nil || n != 3 {
		t.Errorf("the exported log: %d entries, %v", n, err)
	}
	var one bytes.Buffer
	if res, err := svc.AuditExport(ctx, AuditExportRequest{Case: "K-1"}, &one); err != nil || res.Entries != 2 || strings.Contains(one.String(), `"K-2"`) {
		t.Errorf("case K-1's export: %+v %v\n%s", res, err, one.String())
	}
	if seq, _, _ := svc.Store().AuditHead(ctx); seq != 5 {
		t.Errorf("the two exports were not audited: head %d", seq)
	}
}

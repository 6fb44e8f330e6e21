package app

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/pgtest"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Many machines appending to one shared store keep one intact chain: each
// service here stands for a machine with its own data directory.
func TestSharedStoreKeepsOneChainUnderConcurrentAppends(t *testing.T) {
	t.Parallel() // see TestMain
	ctx := context.Background()
	pg := pgtest.Shared(t) // the package's server; no roles of this test's own
	db := pg.Database(t)
	const machines, each = 5, 8
	svcs := make([]*Service, machines)
	for i := range svcs {
		cfg, err := config.Load("", map[string]string{"data_dir": t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Store.URL = pg.URL(db)
		if svcs[i], err = Open(ctx, cfg, Options{}); err != nil {
			t.Fatal(err)
		}
		defer svcs[i].Close()
	}
	var wg sync.WaitGroup
	for i, svc := range svcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				number := string(rune('A'+i)) + "-" + string(rune('0'+j))
				t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
				c := store.Case{Number: number, Title: "t", Status: "requested", From: t0, To: t0.Add(time.Hour), Received: t0, Created: t0, Updated: t0, RetentionClass: "default"}
				if _, err := svc.change(ctx, audit.Entry{Action: "case.create", Case: number}, func(tx *store.Store) error { return tx.CreateCase(ctx, c) }); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	var prev *audit.Entry
	n := 0
	err := svcs[0].Store().AuditRows(ctx, "", func(r store.AuditRow) error {
		var e audit.Entry
		if err := json.Unmarshal([]byte(r.Line), &e); err != nil {
			return err
		}
		n++
		if e.Seq != int64(n) || (prev != nil && e.Prev != prev.Hash) || (prev == nil && e.Prev != "") {
			t.Errorf("entry %d (seq %d) does not follow %v", n, e.Seq, prev)
		}
		if e.Hash != r.Hash {
			t.Errorf("entry %d: row hash %s, line hash %s", n, r.Hash, e.Hash)
		}
		prev = &e
		return nil
	})
	if err != nil || n != machines*each {
		t.Fatalf("%d entries, %v; want %d", n, err, machines*each)
	}
	if rep, err := svcs[1].AuditVerify(ctx); err != nil || rep.Entries != machines*each {
		t.Errorf("audit verify of the shared chain: %+v %v", rep, err)
	}
	// A row rewritten on the server is found.
	if out, err := pg.Psql("-d", db, "-c", `UPDATE audit SET line = replace(line, '"case.create"', '"case.delete"') WHERE seq = 7`).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if _, err := svcs[2].AuditVerify(ctx); err == nil || !strings.Contains(err.Error(), "line 7") {
		t.Errorf("a rewritten entry passed: %v", err)
	}
	cases, _ := svcs[0].Store().ListCases(ctx, "")
	if len(cases) != machines*each {
		t.Errorf("%d cases stored, want %d", len(cases), machines*each)
	}
}

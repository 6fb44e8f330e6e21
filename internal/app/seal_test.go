package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// sealedService has a pushed bundle (whose push wrote a seal) and audit
// entries before and after it; it returns the log's lines and the seal.
func sealedService(t *testing.T) (*Service, []string, string) {
	t.Helper()
	ctx := context.Background()
	svc, _, dir := openArchived(t)
	for _, a := range []string{"still", "cut"} {
		if _, err := svc.record(ctx, audit.Entry{Action: a, Detail: map[string]string{"n": a}}); err != nil {
			t.Fatal(err)
		}
	}
	v, err := svc.Push(ctx, PushRequest{Dir: dir}, nil)
	if err != nil || v.Seal == "" {
		t.Fatalf("push: %+v %v", v, err)
	}
	for _, a := range []string{"export", "verify"} {
		if _, err := svc.record(ctx, audit.Entry{Action: a, Detail: map[string]string{"n": a}}); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(svc.AuditPath())
	if err != nil {
		t.Fatal(err)
	}
	return svc, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"), v.Seal
}

// replaceChain writes lines as both the JSONL log and the store's chain, as
// an attacker with write access to data_dir would.
func replaceChain(t *testing.T, svc *Service, lines []string) {
	t.Helper()
	writeLog(t, svc, lines)
	db, err := sql.Open("sqlite", filepath.Join(svc.Config().DataDir, "klipp.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM audit`); err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		var e audit.Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO audit (seq, hash, case_number, line) VALUES (?, ?, ?, ?)`, e.Seq, e.Hash, e.Case, l); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditVerifyAgainstSeals(t *testing.T) {
	ctx := context.Background()
	t.Run("intact", func(t *testing.T) {
		svc, _, key := sealedService(t)
		rep, err := svc.AuditVerify(ctx)
		if err != nil || rep.Seals != 1 || rep.Entries != 5 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		st, _ := svc.Archive(ctx)
		seals, err := archive.Seals(ctx, st, "")
		if err != nil || len(seals) != 1 || seals[0].Key != key || seals[0].Seq != 3 || seals[0].Who == "" {
			t.Errorf("seals: %+v %v", seals, err)
		}
		o, err := st.Stat(ctx, key)
		if err != nil || o.RetainUntil.IsZero() {
			t.Errorf("seal object %+v %v: want a retention", o, err)
		}
	})
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, lines []string) []string
		want   string
	}{
		{"whole chain rewritten in the log and the store", func(t *testing.T, lines []string) []string {
			return rechain(t, lines, 0, func(e *audit.Entry) { e.Detail["n"] = "something else" })
		}, "seq 3: seal _seals/20261121T090000.000000000Z-000000000003.json"},
		{"log and store cut short", func(t *testing.T, lines []string) []string { return lines[:2] },
			"seq 3: seal _seals/20261121T090000.000000000Z-000000000003.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, lines, _ := sealedService(t)
			replaceChain(t, svc, tc.tamper(t, lines))
			_, err := svc.AuditVerify(ctx)
			var m *AuditMismatch
			if fault.KindOf(err) != fault.Storage || !errors.As(err, &m) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("verify: %v (kind %d), want a storage error with %q", err, fault.KindOf(err), tc.want)
			}
			t.Log(err)
		})
	}
	t.Run("a seal on demand, and a second seal with another hash for the same seq", func(t *testing.T) {
		svc, _, _ := sealedService(t)
		res, err := svc.AuditSeal(ctx)
		if err != nil || res.Seq != 5 || res.Key == "" {
			t.Fatalf("seal: %+v %v", res, err)
		}
		if a := actions(t, svc); a[len(a)-1] != "audit.seal" {
			t.Errorf("audit: %v", a)
		}
		st, _ := svc.Archive(ctx)
		forged := archive.Seal{Seq: 5, Hash: strings.Repeat("0", 64), Time: res.Time.Add(1), Who: "x"}
		if _, err := archive.PutSeal(ctx, st, "", forged, "", res.Time); err != nil {
			t.Fatal(err)
		}
		_, err = svc.AuditVerify(ctx)
		var m *AuditMismatch
		if !errors.As(err, &m) || m.Kind != "fork" || m.Seq != 5 {
			t.Errorf("verify: %v", err)
		}
	})
	t.Run("a bundle's head", func(t *testing.T) {
		svc, lines, _ := sealedService(t)
		// A bundle made at seq 4, recorded in the store and on disk.
		dir := t.TempDir()
		var e audit.Entry
		json.Unmarshal([]byte(lines[3]), &e)
		m := bundle.Manifest{Case: "K-2", ExportID: "x", AuditHead: &bundle.AuditHead{Seq: 4, Hash: e.Hash}}
		data, _ := json.Marshal(m)
		os.WriteFile(filepath.Join(dir, bundle.ManifestName), data, 0o644)
		if err := svc.Store().AddExport(ctx, store.Export{Case: "K-2", ExportID: "x", Dir: dir}); err != nil {
			t.Fatal(err)
		}
		if rep, err := svc.AuditVerify(ctx); err != nil || rep.Bundles != 1 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		replaceChain(t, svc, rechain(t, lines, 3, func(e *audit.Entry) { e.Action = "nothing" }))
		_, err := svc.AuditVerify(ctx)
		var mm *AuditMismatch
		if !errors.As(err, &mm) || mm.Kind != "rewrite" || mm.Seq != 4 || !strings.Contains(err.Error(), "the manifest of bundle "+dir) {
			t.Errorf("verify: %v", err)
		}
	})
}

package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/klipp-forensics/klipp/internal/audit"
)

func TestAuditTrail(t *testing.T) {
	dir := site(t)
	conf := filepath.Join(dir, "klipp.yaml")
	if code, _, errs := klipp(t, "--config", conf, "-q", "index"); code != 0 {
		t.Fatal(errs)
	}
	png := filepath.Join(t.TempDir(), "s.png")
	if code, _, errs := klipp(t, "--config", conf, "still", "--camera", "stortorget", "--at", "2026-11-20 22:08:30", "-o", png); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := klipp(t, "--config", conf, "audit", "verify")
	if code != 0 || !strings.Contains(out, "chain intact") {
		t.Fatalf("verify: %d %s %s", code, out, errs)
	}
	log, err := os.ReadFile(filepath.Join(dir, "data", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(log), "\n"), "\n")
	lastLine := lines[len(lines)-1]
	if !strings.Contains(lastLine, `"action":"still"`) || !strings.Contains(lastLine, png) || !strings.Contains(lastLine, `"who":"Demo Analytiker"`) {
		t.Errorf("last audit entry: %s", lastLine)
	}
	// One changed character in a copy of the log: verify names the line.
	tampered := t.TempDir()
	lines[len(lines)-1] = strings.Replace(lastLine, "stortorget", "stortorgeT", 1)
	os.WriteFile(filepath.Join(tampered, "audit.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	code, _, errs = klipp(t, "--config", conf, "--data-dir", tampered, "audit", "verify")
	want := "line " + strconv.Itoa(len(lines)) + ": its content does not match its hash"
	if code != 5 || !strings.Contains(errs, want) {
		t.Errorf("tampered: exit %d %q, want 5 and %q", code, errs, want)
	}
}

// TestAuditVerifyAgainstTheStore tampers with audit.jsonl in the three ways
// its own chain cannot show (issue 11, item 2): cut short, lengthened with
// a well-chained forged entry, and one entry rewritten with the chain
// recomputed after it. Each fails with exit 5, one line, naming the seq.
func TestAuditVerifyAgainstTheStore(t *testing.T) {
	conf := emptyConfig(t)
	for i := 1; i <= 3; i++ {
		if code, _, errs := klipp(t, "--config", conf, "case", "new", "--number", "K-AUD-"+strconv.Itoa(i), "--title", "Audit",
			"--from", "2026-11-20 22:00", "--to", "2026-11-20 22:10"); code != 0 {
			t.Fatal(errs)
		}
	}
	logPath := filepath.Join(filepath.Dir(conf), "data", "audit.jsonl")
	orig, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(orig), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d audit lines, want 3", len(lines))
	}
	// chain re-links entries from i on, as a forger who knows the format would.
	chain := func(entries []audit.Entry, i int) []string {
		var head audit.Head
		out := []string{}
		for k, e := range entries {
			if k >= i {
				e = audit.Next(e, head, e.Time)
			}
			b, _ := audit.Line(e)
			out = append(out, string(b))
			head = audit.Head{Seq: e.Seq, Hash: e.Hash}
		}
		return out
	}
	parse := func() []audit.Entry {
		var out []audit.Entry
		for _, l := range lines {
			var e audit.Entry
			if err := json.Unmarshal([]byte(l), &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		lines  func() []string
		seq    string
		reason string
	}{
		{"truncated", func() []string { return lines[:2] }, "seq 3", "cut short"},
		{"forged append", func() []string {
			es := parse()
			forged := es[2]
			forged.Action, forged.Case = "case.delete", "K-AUD-1"
			return chain(append(es, forged), 3)
		}, "seq 4", "added to the log"},
		{"rewritten", func() []string {
			es := parse()
			es[1].Case = "K-AUD-9"
			return chain(es, 1)
		}, "seq 2", "rewritten"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.WriteFile(logPath, []byte(strings.Join(tc.lines(), "\n")+"\n"), 0o644)
			defer os.WriteFile(logPath, orig, 0o644)
			if _, _, err := audit.Verify(logPath); err != nil {
				t.Fatalf("the tampered log does not even chain: %v", err)
			}
			code, _, errs := klipp(t, "--config", conf, "audit", "verify")
			if code != 5 || !strings.Contains(errs, tc.seq+":") || !strings.Contains(errs, tc.reason) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Errorf("exit %d %q, want 5 naming %s (%s)", code, errs, tc.seq, tc.reason)
			}
		})
	}
	if code, out, errs := klipp(t, "--config", conf, "audit", "verify"); code != 0 || !strings.Contains(out, "3 entries, chain intact") {
		t.Errorf("restored log: %d %s %s", code, out, errs)
	}
}

// TestAuditVerifyAgainstASeal: an attacker with write access to data_dir
// rewrites the whole chain consistently in audit.jsonl AND the store, or
// cuts both short, after klipp audit seal wrote the head to the archive.
// audit verify exits 5 naming the seq and the seal.
func TestAuditVerifyAgainstASeal(t *testing.T) {
	conf := emptyConfig(t)
	for i := 1; i <= 3; i++ {
		if code, _, errs := klipp(t, "--config", conf, "case", "new", "--number", "K-SEAL-"+strconv.Itoa(i), "--title", "Seal",
			"--from", "2026-11-20 22:00", "--to", "2026-11-20 22:10"); code != 0 {
			t.Fatal(errs)
		}
	}
	code, out, errs := klipp(t, "--config", conf, "audit", "seal")
	if code != 0 || !strings.Contains(out, "sealed seq 3") {
		t.Fatalf("seal: %d %s %s", code, out, errs)
	}
	data := filepath.Join(filepath.Dir(conf), "data")
	logPath := filepath.Join(data, "audit.jsonl")
	orig, _ := os.ReadFile(logPath)
	var entries []audit.Entry
	for _, l := range strings.Split(strings.TrimSuffix(string(orig), "\n"), "\n") {
		var e audit.Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	// write replaces the chain in the log and in the store.
	write := func(es []audit.Entry) {
		var head audit.Head
		var lines []string
		db, err := sql.Open("sqlite", filepath.Join(data, "klipp.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`DELETE FROM audit`); err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			e = audit.Next(e, head, e.Time)
			b, _ := audit.Line(e)
			lines = append(lines, string(b))
			head = audit.Head{Seq: e.Seq, Hash: e.Hash}
			if _, err := db.Exec(`INSERT INTO audit (seq, hash, case_number, line) VALUES (?, ?, ?, ?)`, e.Seq, e.Hash, e.Case, string(b)); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(logPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	}
	rewritten := append([]audit.Entry{}, entries[:3]...)
	rewritten[0].Case = "K-OTHER"
	write(rewritten)
	code, _, errs = klipp(t, "--config", conf, "audit", "verify")
	if code != 5 || !strings.Contains(errs, "seq 3: seal _seals/") || !strings.Contains(errs, "rewritten") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("rewritten: exit %d %q", code, errs)
	}
	write(entries[:2])
	code, _, errs = klipp(t, "--config", conf, "audit", "verify")
	if code != 5 || !strings.Contains(errs, "seq 3: seal _seals/") || !strings.Contains(errs, "truncation") {
		t.Errorf("truncated: exit %d %q", code, errs)
	}
}

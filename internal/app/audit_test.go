package app

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// auditedService has an audit log of four entries; it returns the log's
// lines.
func auditedService(t *testing.T) (*Service, []string) {
	t.Helper()
	ctx := context.Background()
	svc := openTest(t)
	for _, a := range []string{"still", "cut", "export", "verify"} {
		if _, err := svc.record(ctx, audit.Entry{Action: a, Detail: map[string]string{"n": a}}); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(svc.AuditPath())
	if err != nil {
		t.Fatal(err)
	}
	return svc, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func writeLog(t *testing.T, svc *Service, lines []string) {
	t.Helper()
	if err := os.WriteFile(svc.AuditPath(), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rechain rewrites entry i (0-based) of lines with fn and recomputes the
// chain from there on, as a forger who knows the format would.
func rechain(t *testing.T, lines []string, i int, fn func(*audit.Entry)) []string {
	t.Helper()
	out := append([]string{}, lines[:i]...)
	var head audit.Head
	if i > 0 {
		var prev audit.Entry
		audit.Lines(writeTemp(t, lines[i-1]), func(e audit.Entry, _ []byte) error { prev = e; return nil })
		head = audit.Head{Seq: prev.Seq, Hash: prev.Hash}
	}
	for k := i; k < len(lines); k++ {
		var e audit.Entry
		audit.Lines(writeTemp(t, lines[k]), func(x audit.Entry, _ []byte) error { e = x; return nil })
		if k == i {
			fn(&e)
		}
		e = audit.Next(e, head, e.Time)
		b, err := audit.Line(e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
		head = audit.Head{Seq: e.Seq, Hash: e.Hash}
	}
	return out
}

func writeTemp(t *testing.T, line string) string {
	p := t.TempDir() + "/l.jsonl"
	os.WriteFile(p, []byte(line+"\n"), 0o644)
	return p
}

func TestAuditVerifyIntact(t *testing.T) {
	svc, lines := auditedService(t)
	rep, err := svc.AuditVerify(context.Background())
	if err != nil || rep.Entries != 4 || !rep.OK || !strings.Contains(lines[3], rep.LastHash) {
		t.Errorf("verify: %+v %v", rep, err)
	}
}

// The three ways to tamper with the JSONL log that its own chain cannot
// show: each is a storage error naming the first seq that disagrees with
// the store.
func TestAuditVerifyFindsTheLogDisagreeingWithTheStore(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, lines []string) []string
		want   string
	}{
		{"truncated", func(t *testing.T, lines []string) []string { return lines[:3] }, "seq 4: the log ends before it"},
		{"forged append", func(t *testing.T, lines []string) []string {
			return rechain(t, append(append([]string{}, lines...), lines[3]), 4, func(e *audit.Entry) { e.Action = "case.delete" })
		}, "seq 5: the log goes on past the store's last entry (seq 4)"},
		{"rewritten with the chain recomputed", func(t *testing.T, lines []string) []string {
			return rechain(t, lines, 1, func(e *audit.Entry) { e.Detail["n"] = "something else" })
		}, "seq 2: its hash differs from the store's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, lines := auditedService(t)
			writeLog(t, svc, tc.tamper(t, lines))
			// The forged log is a valid chain by itself.
			if _, _, err := audit.Verify(svc.AuditPath()); err != nil {
				t.Fatalf("the tampered log does not even chain: %v", err)
			}
			_, err := svc.AuditVerify(context.Background())
			var m *AuditMismatch
			if fault.KindOf(err) != fault.Storage || !errors.As(err, &m) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("verify: %v (kind %d), want a storage error with %q", err, fault.KindOf(err), tc.want)
			}
		})
	}
}

func TestAuditVerifyChangedLineAndMissingLog(t *testing.T) {
	svc, lines := auditedService(t)
	lines[2] = strings.Replace(lines[2], `"export"`, `"exporT"`, 1)
	writeLog(t, svc, lines)
	if _, err := svc.AuditVerify(context.Background()); fault.KindOf(err) != fault.Storage || !strings.Contains(err.Error(), "line 3: its content does not match its hash") {
		t.Errorf("changed line: %v", err)
	}
	os.Remove(svc.AuditPath())
	if _, err := svc.AuditVerify(context.Background()); fault.KindOf(err) != fault.Storage || !strings.Contains(err.Error(), "seq 1") {
		t.Errorf("removed log: %v", err)
	}
	if _, err := openTest(t).AuditVerify(context.Background()); fault.KindOf(err) != fault.NotFound {
		t.Errorf("nothing audited: %v", err)
	}
}

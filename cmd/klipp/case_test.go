package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCaseCommands(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("data_dir: data\nanalyst: Anna\n"), 0o644)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}

	code, out, errs := k("--json", "case", "new", "--number", "5000-K123456-26", "--title", "Rån Södergatan", "--crime", "rån",
		"--place", "Södergatan 2, Malmö", "--position", "55.6036,13.0021", "--from", "2026-11-20 22:00", "--to", "2026-11-20 23:00",
		"--requested-by", "Insp. Berg", "--suspect", "röd jacka")
	if code != 0 {
		t.Fatal(errs)
	}
	var v caseView
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Status != "requested" || v.CreatedBy != "Anna" || v.Position == nil ||
		!v.From.Equal(time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)) {
		t.Fatalf("new: %+v %v", v, err)
	}
	if code, _, errs := k("case", "edit", "5000-K123456-26", "--status", "in-progress", "--suspect", "röd jacka, keps"); code != 0 {
		t.Fatal(errs)
	}
	code, out, _ = k("--json", "case", "show", "5000-K123456-26")
	json.Unmarshal([]byte(out), &v)
	if code != 0 || v.Status != "in-progress" || v.Suspect != "röd jacka, keps" || v.Title != "Rån Södergatan" {
		t.Errorf("after edit: %+v", v)
	}
	if code, _, errs := k("case", "close", "5000-K123456-26"); code != 0 {
		t.Fatal(errs)
	}
	code, out, _ = k("case", "list", "--status", "delivered")
	if code != 0 || !strings.Contains(out, "5000-K123456-26") || !strings.Contains(out, "Rån Södergatan") {
		t.Errorf("list:\n%s", out)
	}
	bad := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"case", "new", "--number", "../../etc", "--title", "x", "--from", "2026-11-20 22:00", "--to", "2026-11-20 23:00"}, 2, "use letters, digits"},
		{[]string{"case", "new", "--number", "5000-K123456-26", "--title", "x", "--from", "2026-11-20 22:00", "--to", "2026-11-20 23:00"}, 2, "exists already"},
		{[]string{"case", "new", "--number", "K2", "--title", "x", "--from", "2026-11-20 23:00", "--to", "2026-11-20 22:00"}, 2, "must be after"},
		{[]string{"case", "new", "--number", "K3", "--from", "2026-11-20 22:00", "--to", "2026-11-20 23:00"}, 2, "klipp: --title: required\n"},
		{[]string{"case", "show", "K404"}, 3, "no case K404"},
		{[]string{"case", "edit", "5000-K123456-26", "--status", "requested"}, 2, "klipp: --reopen: required to move case 5000-K123456-26 from delivered back to requested"},
		{[]string{"case", "edit", "5000-K123456-26", "--status", "done"}, 2, `klipp: --status: "done" is not one of requested, in-progress, delivered, archived`},
	}
	for _, c := range bad {
		code, _, errs := k(c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d %q, want %d %q", c.args, code, errs, c.code, c.msg)
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "data", "audit.jsonl"))
	for _, action := range []string{"case.create", "case.edit", "case.close"} {
		if !strings.Contains(string(log), `"action":"`+action+`"`) {
			t.Errorf("audit log lacks %s", action)
		}
	}
	if code, _, errs := k("audit", "verify"); code != 0 {
		t.Errorf("audit verify: %s", errs)
	}
}

// With the audit log unwritable a change is refused as a whole: exit 5,
// one line, nothing stored.
func TestChangesNeedTheirAuditEntry(t *testing.T) {
	_, conf, _ := indexedSite(t)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	if code, _, errs := k("case", "new", "--number", "K-AUDIT-1", "--title", "Rån", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:30"); code != 0 {
		t.Fatal(errs)
	}
	_, out, _ := k("--json", "config", "show")
	var cfg struct {
		DataDir string `json:"data_dir"`
	}
	if err := json.Unmarshal([]byte(out), &cfg); err != nil || cfg.DataDir == "" {
		t.Fatalf("config show: %v %s", err, out)
	}
	logFile := filepath.Join(cfg.DataDir, "audit.jsonl")
	os.Rename(logFile, logFile+".saved")
	if err := os.Symlink("/dev/full", logFile); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"case", "new", "--number", "K-AUDIT-2", "--title", "Rån", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:30"},
		{"timeline", "add", "K-AUDIT-1", "--camera", "sodergatan-2", "--at", "2026-11-20 22:10:12", "--text", "Misstänkt"},
	} {
		code, _, errs := k(args...)
		if code != 5 || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "klipp: ") {
			t.Errorf("%v: exit %d %q, want 5 and one line", args, code, errs)
		}
	}
	os.Remove(logFile)
	os.Rename(logFile+".saved", logFile)
	if code, _, errs := k("case", "show", "K-AUDIT-2"); code != 3 {
		t.Errorf("case K-AUDIT-2 was stored without its audit entry: %d %s", code, errs)
	}
	code, out, _ := k("--json", "timeline", "list", "K-AUDIT-1")
	var entries []entryView
	if err := json.Unmarshal([]byte(out), &entries); code != 0 || err != nil || len(entries) != 0 {
		t.Errorf("an entry was stored without its audit entry: %s", out)
	}
	if code, _, errs := k("audit", "verify"); code != 0 {
		t.Errorf("audit verify: %s", errs)
	}
}

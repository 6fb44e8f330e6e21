package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/retention"
)

func TestRetention(t *testing.T) {
	_, conf, gt := indexedSite(t)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	number := "K-RET-1"
	// The shop camera keeps 14 days, Stortorget 62: near the shop, with an
	// entry on Stortorget.
	if code, _, errs := k("case", "new", "--number", number, "--title", "Retention", "--position", "55.6040,13.0022",
		"--from", "2026-11-20 22:10", "--to", "2026-11-20 22:12"); code != 0 {
		t.Fatal(errs)
	}
	at := gt.Suspect.Visits[2].Enter.Add(2 * time.Second)
	if code, _, errs := k("timeline", "add", number, "--camera", "stortorget", "--at", at.Format(time.RFC3339Nano), "--text", "Stortorget"); code != 0 {
		t.Fatal(errs)
	}
	type result struct {
		Windows   []retention.Window
		Preserved []pushView
	}
	assess := func(args ...string) result {
		t.Helper()
		code, out, errs := k(append([]string{"--json", "retention", "--case", number, "--radius", "50m", "--now", "2026-11-25 12:00"}, args...)...)
		if code != 0 {
			t.Fatalf("retention %v: %s", args, errs)
		}
		var r result
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := assess("--all")
	// The request window on the shop camera and on Stortorget, and the entry.
	if len(r.Windows) != 3 {
		t.Fatalf("windows: %+v", r.Windows)
	}
	for i := 1; i < len(r.Windows); i++ {
		if r.Windows[i].Expires.Before(*r.Windows[i-1].Expires) {
			t.Errorf("not in expiry order: %v then %v", r.Windows[i-1].Expires, r.Windows[i].Expires)
		}
	}
	first := r.Windows[0]
	// The shop's first segment of the window starts 22:10 (camera in UTC,
	// segments on the minute) and is deleted 14 days later.
	if first.Camera != "sodergatan-14" || first.What != "request" || first.State != "at-risk" ||
		!first.Expires.Equal(time.Date(2026, 12, 4, 21, 10, 0, 0, time.UTC)) {
		t.Errorf("first window %+v", first)
	}
	if r.Windows[1].State != "safe-for-now" {
		t.Errorf("Stortorget within 14 days? %+v", r.Windows[1])
	}
	// Only the at-risk one is listed by default; --within 90d takes all.
	if r := assess(); len(r.Windows) != 1 || r.Windows[0].Camera != "sodergatan-14" {
		t.Errorf("at risk: %+v", r.Windows)
	}
	if r := assess("--within", "90d"); len(r.Windows) != 3 {
		t.Errorf("within 90 days: %+v", r.Windows)
	}

	// --preserve archives the shop's segments; then nothing is at risk.
	// With a signing key, the preservation bundle is signed like an export.
	keyDir := t.TempDir()
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(keyDir, "key")).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	t.Setenv("KLIPP_SIGNING_KEY", filepath.Join(keyDir, "key"))
	t.Setenv("KLIPP_SIGNING_IDENTITY", "arkiv@polisen.se")
	r = assess("--preserve")
	if len(r.Preserved) != 1 || r.Preserved[0].State != "verified" || len(r.Windows) != 0 {
		t.Fatalf("preserve: %+v", r)
	}
	all := assess("--all")
	for _, w := range all.Windows {
		if w.Camera == "sodergatan-14" && w.State != "preserved" {
			t.Errorf("after --preserve: %+v", w)
		}
	}
	// The preservation bundle is in the (local) archive, read-only, with
	// the native segments bit-exact.
	code, out, _ := k("--json", "archive", "ls", number)
	var rows []archiveRow
	json.Unmarshal([]byte(out), &rows)
	if code != 0 || len(rows) != 1 || rows[0].State != "archived" || !strings.HasSuffix(rows[0].Ref.ExportID, "-preserve") {
		t.Fatalf("archive ls: %s", out)
	}
	if code, _, errs := k("archive", "verify", number); code != 0 {
		t.Errorf("archive verify: %s", errs)
	}
	var natives []string
	filepath.WalkDir(filepath.Join(filepath.Dir(conf), "data", "archive", number), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, "/native/") {
			natives = append(natives, p)
			if fi, _ := d.Info(); fi.Mode().Perm()&0o222 != 0 {
				t.Errorf("%s is writable", p)
			}
		}
		return nil
	})
	if len(natives) != 2 {
		t.Errorf("archived natives: %v", natives)
	}
	archived := filepath.Join(filepath.Dir(conf), "data", "archive", number, rows[0].Ref.ExportID)
	for _, name := range []string{"SHA256SUMS.sig", "index.html"} {
		if _, err := os.Stat(filepath.Join(archived, name)); err != nil {
			t.Errorf("the preservation bundle has no %s: %v", name, err)
		}
	}
	if code, out, errs := k("verify", archived); code != 0 || !strings.Contains(out, "signed by arkiv@polisen.se") {
		t.Errorf("verify the archived preservation bundle: %d %s %s", code, out, errs)
	}
	// Nothing by that name: not found, whether it is a reference or a path.
	if code, _, errs := k("archive", "verify", number+"/20200101T000000Z"); code != 3 || !strings.Contains(errs, "no bundle") {
		t.Errorf("unknown archived bundle: %d %s", code, errs)
	}
	if code, _, errs := k("verify", "/no/such/bundle"); code != 3 || !strings.Contains(errs, "no SHA256SUMS") {
		t.Errorf("missing directory: %d %s", code, errs)
	}
	if code, _, errs := k("retention", "--within", "soon"); code != 2 {
		t.Errorf("bad --within: %d %s", code, errs)
	}
}

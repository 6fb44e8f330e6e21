package app

import (
	"context"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// activityActions are the questions about a camera's footage outside any
// case that scan or show it: each needs the analyst role (design.md §8b:
// investigators file requests and follow their own; the footage is worked
// by analysts). They return the errors in the order tried.
func activityActions(ctx context.Context, svc *Service, dir string) []error {
	span := ActivityRequest{Camera: "sodergatan-2", From: incident, To: incident.Add(time.Hour)}
	_, e1 := svc.Activity(ctx, span, nil)
	_, e2 := svc.ScanActivity(ctx, ScanActivityRequest{Camera: "sodergatan-2"}, nil)
	_, e3 := svc.Sheet(ctx, SheetRequest{Camera: "sodergatan-2", From: incident, To: incident.Add(time.Hour), Every: time.Minute, Out: filepath.Join(dir, "sheet.png")}, nil)
	_, e4 := svc.Cut(ctx, CutRequest{Camera: "sodergatan-2", From: incident, To: incident.Add(time.Hour), Mode: CutTimelapse, Out: filepath.Join(dir, "overview.mp4")}, nil)
	return []error{e1, e2, e3, e4}
}

// An investigator (or an admin who is not an analyst) may not scan a
// camera for activity, make its contact sheet or its timelapse; each
// refusal is exit 2, names the role and is audited. Before anyone is
// listed the OS user may (the question then fails only for want of
// footage).
func TestActivityNeedsAnalystOnSQLite(t *testing.T) {
	ctx := context.Background()
	svc := openWithCatalog(t)
	dir := t.TempDir()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range activityActions(ctx, svc, dir) {
		if err != nil && strings.Contains(err.Error(), "role") {
			t.Errorf("bootstrap, action %d: %v", i, err)
		}
	}
	if _, err := svc.AddUser(ctx, AddUserRequest{Login: u.Username, Role: RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	for _, err := range activityActions(ctx, svc, dir) {
		refused(t, err, "analyst")
	}
	if _, err := svc.SetRole(ctx, SetRoleRequest{Login: u.Username, Role: RoleInvestigator}); err != nil {
		t.Fatal(err)
	}
	for _, err := range activityActions(ctx, svc, dir) {
		refused(t, err, "analyst")
	}
	if got := auditActions(t, svc); got["denied"] != 8 || got["activity"] != 0 || got["activity.scan"] != 0 {
		t.Errorf("audit entries by action: %v", got)
	}
	var denied []string
	svc.Store().AuditRows(ctx, "", func(r store.AuditRow) error {
		if strings.Contains(r.Line, `"action":"denied"`) {
			denied = append(denied, r.Line)
		}
		return nil
	})
	for _, want := range []string{`"activity"`, `"activity scan"`, `"sheet"`, `"cut"`} {
		if !strings.Contains(strings.Join(denied, "\n"), want) {
			t.Errorf("no refusal of %s audited: %s", want, denied)
		}
	}
}

// On PostgreSQL the same, and the investigator's own login cannot read the
// stored scans through psql either; an analyst's question passes the role
// check (and fails only for want of footage).
func TestActivityNeedsAnalystOnPostgres(t *testing.T) {
	t.Parallel() // see TestMain
	ctx := context.Background()
	g := newGroup(t)
	owner := g.open(t, "", "")
	for _, u := range []AddUserRequest{{Login: "ana", Role: RoleAnalyst, Password: "pw-ana"}, {Login: "ivar", Role: RoleInvestigator, Password: "pw-ivar"}} {
		if _, err := owner.AddUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	ana, ivar := g.open(t, "ana", "pw-ana"), g.open(t, "ivar", "pw-ivar")
	dir := t.TempDir()
	for _, err := range activityActions(ctx, ivar, dir) {
		refused(t, err, "analyst")
	}
	if _, err := ana.Activity(ctx, ActivityRequest{Camera: "sodergatan-2", From: incident, To: incident.Add(time.Hour)}, nil); fault.KindOf(err) != fault.NotFound {
		t.Errorf("ana's question: %v", err)
	}
	for _, q := range []string{"SELECT count(*) FROM activity_scans", "SELECT count(*) FROM activity_state"} {
		if out, err := g.psqlAs("ivar", "pw-ivar", q); err == nil || !strings.Contains(out, "permission denied") {
			t.Errorf("psql as ivar: %s: %s %v", q, out, err)
		}
		if out, err := g.psqlAs("ana", "pw-ana", q); err != nil || out != "0" {
			t.Errorf("psql as ana: %s: %s %v", q, out, err)
		}
	}
	if got := auditActions(t, owner); got["denied"] != 4 {
		t.Errorf("audit entries by action: %v", got)
	}
}

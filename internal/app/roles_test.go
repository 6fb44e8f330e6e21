package app

import (
	"context"
	"encoding/json"
	"os/user"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// auditActions counts the stored audit entries by action.
func auditActions(t *testing.T, svc *Service) map[string]int {
	t.Helper()
	n := map[string]int{}
	err := svc.Store().AuditRows(context.Background(), "", func(r store.AuditRow) error {
		var e struct{ Action string }
		if err := json.Unmarshal([]byte(r.Line), &e); err != nil {
			return err
		}
		n[e.Action]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// refused checks an error is a refusal: exit 2, one line naming the role.
func refused(t *testing.T, err error, role string) {
	t.Helper()
	if fault.KindOf(err) != fault.Usage || err == nil || !strings.Contains(err.Error(), "needs the "+role+" role") || strings.Contains(err.Error(), "\n") {
		t.Errorf("want a refusal naming %s (exit 2), got %v (kind %d)", role, err, fault.KindOf(err))
	}
}

// With SQLite and nobody listed the OS user may do everything (today's
// single-user klipp); once people are listed, each may do what their role
// allows, and a refusal is exit 2, names the role and is audited.
func TestRolesOnSQLite(t *testing.T) {
	ctx := context.Background()
	svc := openWithCatalog(t)
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	me, err := svc.Me(ctx)
	if err != nil || !me.Bootstrap || me.Login != u.Username || !me.Has(RoleAnalyst) || !me.Has(RoleArchivist) || !me.Has(RoleAdmin) {
		t.Fatalf("bootstrap identity: %+v %v", me, err)
	}
	if _, err := svc.CreateCase(ctx, newCase("K-1")); err != nil {
		t.Fatal(err)
	}
	// Listing someone else first would lock the OS user out.
	if _, err := svc.AddUser(ctx, AddUserRequest{Login: "bob", Role: RoleInvestigator}); fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "add yourself first") {
		t.Errorf("adding another first: %v", err)
	}
	if _, err := svc.AddUser(ctx, AddUserRequest{Login: u.Username, Role: RoleAdmin, Name: "Anna"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddUser(ctx, AddUserRequest{Login: "bob", Role: RoleInvestigator}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddUser(ctx, AddUserRequest{Login: "bob", Role: RoleAnalyst}); fault.KindOf(err) != fault.Usage {
		t.Errorf("a second add of bob: %v", err)
	}
	// An admin is not an analyst.
	_, err = svc.AddEntry(ctx, AddEntryRequest{Case: "K-1", Camera: "sodergatan-2", At: incident, Text: "x"}, nil)
	refused(t, err, "analyst")
	if _, err := svc.SetRole(ctx, SetRoleRequest{Login: u.Username, Role: RoleInvestigator}); err != nil {
		t.Fatal(err)
	}
	// An investigator files requests and sees only them; nothing else.
	_, err = svc.CaseList(ctx, CaseListRequest{})
	refused(t, err, "analyst or archivist")
	_, err = svc.Users(ctx)
	refused(t, err, "admin")
	_, err = svc.Push(ctx, PushRequest{Case: "K-1"}, nil)
	refused(t, err, "archivist")
	r, err := svc.NewRequest(ctx, NewRequestRequest{Title: "Rån", From: incident, To: incident.Add(time.Hour), Need: "suspect's route"})
	if err != nil || r.ID == 0 || r.FiledBy != u.Username || r.Status != RequestFiled {
		t.Fatalf("new request: %+v %v", r, err)
	}
	if _, err := svc.NewRequest(ctx, NewRequestRequest{Title: "x", From: incident, To: incident}); err == nil || !strings.Contains(err.Error(), "to") {
		t.Errorf("an empty window: %v", err)
	}
	_, err = svc.AcceptRequest(ctx, AcceptRequestRequest{ID: r.ID})
	refused(t, err, "analyst")
	got := auditActions(t, svc)
	if got["denied"] != 5 || got["request.new"] != 1 || got["user.add"] != 2 || got["user.role"] != 1 {
		t.Errorf("audit entries by action: %v", got)
	}
	if rep, err := svc.AuditVerify(ctx); err == nil {
		t.Errorf("an investigator verified the chain: %+v", rep)
	}
}

// An edit based on a version someone else has changed since is refused
// with one line naming who and when; an edit without a version (the CLI's,
// read and written in one transaction) applies to the current one.
func TestEditsCarryVersions(t *testing.T) {
	ctx := context.Background()
	svc := openWithCatalog(t)
	cs, err := svc.CreateCase(ctx, newCase("K-1"))
	if err != nil || cs.Version != 1 {
		t.Fatalf("%+v %v", cs, err)
	}
	e, err := svc.AddEntry(ctx, AddEntryRequest{Case: "K-1", Camera: "sodergatan-2", At: incident, Text: "first"}, nil)
	if err != nil || e.Version != 1 {
		t.Fatalf("%+v %v", e, err)
	}
	text := func(s string) *string { return &s }
	e2, err := svc.EditEntry(ctx, EditEntryRequest{Case: "K-1", ID: e.ID, Text: text("second"), Version: 1}, nil)
	if err != nil || e2.Version != 2 || e2.UpdatedBy != svc.Who() {
		t.Fatalf("edit at version 1: %+v %v", e2, err)
	}
	_, err = svc.EditEntry(ctx, EditEntryRequest{Case: "K-1", ID: e.ID, Text: text("stale"), Version: 1}, nil)
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "changed by "+svc.Who()+" at 2026-11-21") ||
		!strings.Contains(err.Error(), "version 2") || strings.Contains(err.Error(), "\n") {
		t.Errorf("stale entry edit: %v", err)
	}
	if e3, err := svc.EditEntry(ctx, EditEntryRequest{Case: "K-1", ID: e.ID, Text: text("third")}, nil); err != nil || e3.Version != 3 {
		t.Errorf("edit without a version: %+v %v", e3, err)
	}
	entries, _ := svc.Entries(ctx, "K-1")
	if len(entries) != 1 || entries[0].Text != "third" || entries[0].Version != 3 {
		t.Errorf("entries: %+v", entries)
	}
	c2, err := svc.EditCase(ctx, EditCaseRequest{Number: "K-1", Title: text("Rån 2"), Version: 1})
	if err != nil || c2.Version != 2 {
		t.Fatalf("case edit: %+v %v", c2, err)
	}
	if _, err := svc.CloseCase(ctx, CloseCaseRequest{Number: "K-1", Version: 1}); fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "case K-1 was changed by") {
		t.Errorf("stale close: %v", err)
	}
	shown, _ := svc.CaseShow(ctx, "K-1")
	if shown.Title != "Rån 2" || shown.Status != "requested" || shown.Version != 2 {
		t.Errorf("case after a refused close: %+v", shown)
	}
}

// The frame browser's views are audited, one entry per camera and span.
func TestRecordView(t *testing.T) {
	ctx := context.Background()
	svc := openWithCatalog(t)
	if err := svc.RecordView(ctx, ViewedSpanRequest{Camera: "sodergatan-2", From: incident.Add(time.Minute), To: incident}); err != nil {
		t.Fatal(err)
	}
	var line string
	svc.Store().AuditRows(ctx, "", func(r store.AuditRow) error { line = r.Line; return nil })
	if !strings.Contains(line, `"action":"view"`) || !strings.Contains(line, `"camera":"sodergatan-2"`) ||
		!strings.Contains(line, `"from":"2026-11-20T21:00:00Z","to":"2026-11-20T21:01:00Z"`) {
		t.Errorf("view entry: %s", line)
	}
}

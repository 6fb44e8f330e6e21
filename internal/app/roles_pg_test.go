package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/pgtest"
	"github.com/klipp-forensics/klipp/internal/store"
)

// group is one PostgreSQL store and the catalog its machines share.
type group struct {
	pg      *pgtest.Server
	db, dir string
}

func newGroup(t *testing.T) *group {
	t.Helper()
	g := &group{pg: pgtest.Start(t), db: "klipp", dir: t.TempDir()}
	if out, err := g.pg.Psql("-d", "postgres", "-c", "CREATE DATABASE klipp").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	os.WriteFile(filepath.Join(g.dir, "cameras.yaml"), []byte(oneCamera), 0o644)
	return g
}

// open opens a service as login (the server's superuser, who owns the
// store, when login is ""), as on its own machine.
func (g *group) open(t *testing.T, login, password string) *Service {
	t.Helper()
	cfg, err := config.Load("", map[string]string{"data_dir": t.TempDir(), "catalog": filepath.Join(g.dir, "cameras.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store.URL = g.pg.URL(g.db)
	if login != "" {
		cfg.Store.URL = fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", login, password, g.pg.Host, g.pg.Port, g.db)
	}
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	svc, err := Open(context.Background(), cfg, Options{Now: func() time.Time { return now }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// psqlAs runs one statement with psql as login: an independent client
// with only that login's rights.
func (g *group) psqlAs(login, password, sql string) (string, error) {
	bin, _ := pgtest.BinDir()
	cmd := exec.Command(filepath.Join(bin, "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", g.pg.Host, "-p", strconv.Itoa(g.pg.Port),
		"-U", login, "-d", g.db, "-c", sql)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// An investigator's login sees its own requests and the cases made from
// them, through klipp and through psql, and nothing of another case.
func TestInvestigatorSeesOnlyOwnCasesOnPostgres(t *testing.T) {
	t.Parallel() // see TestMain
	ctx := context.Background()
	g := newGroup(t)
	owner := g.open(t, "", "")
	if me, _ := owner.Me(ctx); !me.Bootstrap || me.Login != "klipp" {
		t.Errorf("the store's owner: %+v", me)
	}
	for _, u := range []AddUserRequest{{Login: "ana", Role: RoleAnalyst, Password: "pw-ana"}, {Login: "ivar", Role: RoleInvestigator, Password: "pw-ivar", Name: "Ivar I"},
		{Login: "ines", Role: RoleInvestigator, Password: "pw-ines"}, {Login: "arvid", Role: RoleArchivist, Password: "pw-arvid"}} {
		if _, err := owner.AddUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	ana, ivar, ines, arvid := g.open(t, "ana", "pw-ana"), g.open(t, "ivar", "pw-ivar"), g.open(t, "ines", "pw-ines"), g.open(t, "arvid", "pw-arvid")
	if ivar.Who() != "ivar" {
		t.Errorf("who: %q", ivar.Who())
	}
	r1, err := ivar.NewRequest(ctx, NewRequestRequest{Title: "Rån", From: incident, To: incident.Add(time.Hour), Need: "route"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := ines.NewRequest(ctx, NewRequestRequest{Title: "Misshandel", From: incident, To: incident.Add(time.Hour), Suspect: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ana.NewRequest(ctx, NewRequestRequest{Title: "x", From: incident, To: incident.Add(time.Hour)})
	refused(t, err, "investigator")
	c1, err := ana.AcceptRequest(ctx, AcceptRequestRequest{ID: r1.ID, Case: "K-1"})
	if err != nil || c1.RequestedBy != "Ivar I (ivar)" || c1.Request != "route" || c1.CreatedBy != "ana" {
		t.Fatalf("accept: %+v %v", c1, err)
	}
	if _, err := ana.AcceptRequest(ctx, AcceptRequestRequest{ID: r2.ID, Case: "K-2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.AcceptRequest(ctx, AcceptRequestRequest{ID: r2.ID, Case: "K-3"}); fault.KindOf(err) != fault.Usage {
		t.Errorf("accepting twice: %v", err)
	}
	for _, c := range []string{"K-1", "K-2"} {
		if _, err := ana.AddEntry(ctx, AddEntryRequest{Case: c, Camera: "sodergatan-2", At: incident, Text: "secret of " + c}, nil); err != nil {
			t.Fatal(err)
		}
	}
	_, err = arvid.AddEntry(ctx, AddEntryRequest{Case: "K-1", Camera: "sodergatan-2", At: incident, Text: "x"}, nil)
	refused(t, err, "analyst")

	// Through klipp.
	rs, err := ivar.Requests(ctx)
	if err != nil || len(rs) != 1 || rs[0].ID != r1.ID || rs[0].Status != "requested" || rs[0].Case != "K-1" {
		t.Errorf("ivar's requests: %+v %v", rs, err)
	}
	if _, err := ivar.RequestShow(ctx, r2.ID); fault.KindOf(err) != fault.NotFound {
		t.Errorf("ivar showing ines's request: %v", err)
	}
	if v, err := ivar.RequestShow(ctx, r1.ID); err != nil || v.Case != "K-1" || v.Deliveries == nil {
		t.Errorf("ivar's own request: %+v %v", v, err)
	}
	_, err = ivar.CaseShow(ctx, "K-2")
	refused(t, err, "analyst or archivist")
	_, err = ivar.Entries(ctx, "K-2")
	refused(t, err, "analyst or archivist")
	_, err = ivar.EditCase(ctx, EditCaseRequest{Number: "K-2"})
	refused(t, err, "analyst")

	// Through psql with ivar's own login.
	for _, q := range []struct{ sql, want string }{
		{"SELECT string_agg(number, ',') FROM cases", "K-1"},
		{"SELECT count(*) FROM requests", "1"},
		{"SELECT count(*) FROM requests WHERE suspect = 'secret'", "0"},
		{"SELECT string_agg(DISTINCT case_number, ',') FROM audit", "K-1"},
		{"SELECT count(*) FROM audit WHERE line LIKE '%secret of K-2%'", "0"},
		{"SELECT string_agg(login, ',') FROM users", "ivar"},
	} {
		if got, err := g.psqlAs("ivar", "pw-ivar", q.sql); err != nil || got != q.want {
			t.Errorf("psql as ivar: %s = %q, %v; want %q", q.sql, got, err, q.want)
		}
	}
	for _, q := range []string{"SELECT * FROM entries", "SELECT * FROM segments", "UPDATE audit SET line = ''",
		"DELETE FROM audit", "UPDATE requests SET title = 'x'", "INSERT INTO requests (title, from_ns, to_ns, filed_by, filed_ns) VALUES ('x', 0, 1, 'ines', 0)"} {
		if out, err := g.psqlAs("ivar", "pw-ivar", q); err == nil {
			t.Errorf("psql as ivar: %s was allowed: %s", q, out)
		}
	}
	// No login but the owner rewrites the chain, not even an analyst's.
	if out, err := g.psqlAs("ana", "pw-ana", "UPDATE audit SET line = '' WHERE seq = 1"); err == nil || !strings.Contains(out, "permission denied") {
		t.Errorf("ana rewrote an audit row: %s %v", out, err)
	}
	if got, err := g.psqlAs("ana", "pw-ana", "SELECT count(*) FROM cases"); err != nil || got != "2" {
		t.Errorf("ana sees %q cases, %v", got, err)
	}
	got := auditActions(t, owner)
	if got["denied"] != 5 || got["request.show"] != 1 || got["request.accept"] != 2 {
		t.Errorf("audit entries by action: %v", got)
	}
	if rep, err := arvid.AuditVerify(ctx); err != nil || !rep.OK {
		t.Errorf("the chain: %+v %v", rep, err)
	}
}

// Twenty clients adding and editing entries on one case at once lose
// nothing: every entry and every edit is there, edits based on a version
// that changed meanwhile are refused (never applied), and the chain is one.
func TestTwentyClientsEditOneCaseOnPostgres(t *testing.T) {
	t.Parallel() // see TestMain
	ctx := context.Background()
	g := newGroup(t)
	owner := g.open(t, "", "")
	if _, err := owner.AddUser(ctx, AddUserRequest{Login: "ana", Role: RoleAnalyst, Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.CreateCase(ctx, newCase("K-1")); err != nil {
		t.Fatal(err)
	}
	shared, err := owner.AddEntry(ctx, AddEntryRequest{Case: "K-1", Camera: "sodergatan-2", At: incident, Text: "shared"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := auditActions(t, owner)
	const clients, each = 20, 3
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied, conflicts := 0, 0
	text := func(s string) *string { return &s }
	for i := 0; i < clients; i++ {
		svc := g.open(t, "ana", "pw")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				e, err := svc.AddEntry(ctx, AddEntryRequest{Case: "K-1", Camera: "stortorget", At: incident.Add(time.Duration(i*each+j) * time.Second),
					Text: fmt.Sprintf("c%d-%d", i, j)}, nil)
				if err != nil {
					t.Error(err)
					return
				}
				for k := 1; k <= 2; k++ {
					if _, err := svc.EditEntry(ctx, EditEntryRequest{Case: "K-1", ID: e.ID, Text: text(fmt.Sprintf("c%d-%d edit %d", i, j, k))}, nil); err != nil {
						t.Error(err)
					}
				}
			}
			// As the UI does: edit the shared entry at the version read.
			cur, err := svc.store.GetEntry(ctx, "K-1", shared.ID)
			if err != nil {
				t.Error(err)
				return
			}
			_, err = svc.EditEntry(ctx, EditEntryRequest{Case: "K-1", ID: shared.ID, Text: text(fmt.Sprintf("shared by %d", i)), Version: cur.Version}, nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				applied++
			case fault.KindOf(err) == fault.Usage && strings.Contains(err.Error(), "was changed by ana"):
				conflicts++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if applied == 0 || applied+conflicts != clients {
		t.Errorf("shared entry: %d edits applied, %d refused", applied, conflicts)
	}
	entries, err := owner.Entries(ctx, "K-1")
	if err != nil || len(entries) != 1+clients*each {
		t.Fatalf("%d entries, %v", len(entries), err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.ID == shared.ID {
			if e.Version != int64(1+applied) {
				t.Errorf("shared entry at version %d after %d edits", e.Version, applied)
			}
			continue
		}
		if e.Version != 3 || !strings.HasSuffix(e.Text, " edit 2") || e.UpdatedBy != "ana" {
			t.Errorf("entry %+v", e)
		}
		seen[e.Text] = true
	}
	if len(seen) != clients*each {
		t.Errorf("%d distinct entries", len(seen))
	}
	after := auditActions(t, owner)
	if after["timeline.add"]-before["timeline.add"] != clients*each || after["timeline.edit"]-before["timeline.edit"] != clients*each*2+applied {
		t.Errorf("audit: %v, before %v (applied %d)", after, before, applied)
	}
	total := 0
	for _, n := range after {
		total += n
	}
	if rep, err := owner.AuditVerify(ctx); err != nil || !rep.OK || rep.Entries != total {
		t.Errorf("chain: %+v %v; %d rows", rep, err, total)
	}
}

// A worker runs a job for the person who asked: with that person's roles,
// and its audit entries name that person and the worker's own login.
func TestJobsRunForWhoAsked(t *testing.T) {
	t.Parallel() // see TestMain
	ctx := context.Background()
	g := newGroup(t)
	worker := g.open(t, "", "") // the store's owner runs the workers here
	for _, u := range []AddUserRequest{{Login: "ana", Role: RoleAnalyst, Password: "pw-ana"}, {Login: "ivar", Role: RoleInvestigator, Password: "pw-ivar"}} {
		if _, err := worker.AddUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	forAna, err := worker.actingFor(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	if _, err := forAna.CreateCase(ctx, CreateCaseRequest{Number: "K-JOB", Title: "t", From: t0, To: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var last string
	worker.Store().AuditRows(ctx, "K-JOB", func(r store.AuditRow) error { last = r.Line; return nil })
	if !strings.Contains(last, `"who":"ana"`) || !strings.Contains(last, `"worker":"klipp"`) {
		t.Errorf("the job's audit entry: %s", last)
	}
	forIvar, _ := worker.actingFor(ctx, "ivar")
	_, err = forIvar.CreateCase(ctx, CreateCaseRequest{Number: "K-NO", Title: "t", From: t0, To: t0.Add(time.Hour)})
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "ivar is investigator") {
		t.Errorf("a job asked for by an investigator ran with the worker's roles: %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/demo"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/miniotest"
	"github.com/klipp-forensics/klipp/internal/pgtest"
)

// person is one member of the region's group: a home directory with their
// own ~/.config/klipp/klipp.yaml (store.url with their login) and their own
// environment. Every command they run is a separate klipp process.
type person struct {
	t     *testing.T
	login string
	home  string
	env   []string
}

func newPerson(t *testing.T, root, login, storeURL, site, minio string, env ...string) *person {
	t.Helper()
	home := filepath.Join(root, "home", login)
	conf := filepath.Join(home, ".config", "klipp")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`timezone: Europe/Stockholm
catalog: %s
presentation: {width: 320, height: 180, card_seconds: 0.5}
store:
  url: %q
roots:
  exports: %s
archive:
  backend: s3
  s3: {endpoint: %q, bucket: evidence, lock_mode: governance}
`, filepath.Join(site, "cameras.yaml"), storeURL, filepath.Join(root, "exports"), minio)
	if err := os.WriteFile(filepath.Join(conf, "klipp.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TZ=UTC", "LANG=C.UTF-8"}
	return &person{t: t, login: login, home: home, env: append(base, env...)}
}

func (p *person) cmd(args ...string) *exec.Cmd {
	c := klippAsProcess(p.env, args...)
	c.Dir = p.home
	return c
}

// k runs klipp as this person and returns its exit code and output.
func (p *person) k(args ...string) (int, string, string) {
	p.t.Helper()
	var out, errb bytes.Buffer
	c := p.cmd(args...)
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := c.ProcessState.ExitCode()
	if err != nil && code < 0 {
		p.t.Fatalf("%s: klipp %s: %v", p.login, strings.Join(args, " "), err)
	}
	return code, out.String(), errb.String()
}

// ok runs klipp as this person and fails the test unless it exits 0.
func (p *person) ok(args ...string) string {
	p.t.Helper()
	code, out, errs := p.k(args...)
	if code != 0 {
		p.t.Fatalf("%s: klipp %s: exit %d\n%s%s", p.login, strings.Join(args, " "), code, out, errs)
	}
	return out
}

// okJSON runs klipp --json as this person and decodes its answer.
func (p *person) okJSON(v any, args ...string) {
	p.t.Helper()
	out := p.ok(append([]string{"--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		p.t.Fatalf("%s: klipp --json %s: %v\n%s", p.login, strings.Join(args, " "), err, out)
	}
}

// psql runs psql as this person's login (password from their environment
// or ~/.pgpass), with their environment.
func (p *person) psql(pg *pgtest.Server, query string) (string, error) {
	bin, _ := pgtest.BinDir()
	c := exec.Command(filepath.Join(bin, "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", pg.Host, "-p", fmt.Sprint(pg.Port), "-U", p.login, "-d", "klipp", "-c", query)
	c.Env = p.env
	out, err := c.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestRegionGroup is issue 12's acceptance as a region's group would live
// it: one PostgreSQL and one MinIO, and people each with their own
// klipp.yaml and login. The owner of the store adds an analyst, two
// investigators and an archivist; an investigator files a request; the
// analyst accepts it into a case, builds the timeline and exports it
// through a klipp worker; the archivist pushes the bundle to MinIO and
// places a legal hold; the investigator sees the delivery and verifies the
// bundle. The other investigator sees none of it, through klipp or psql.
// The audit chain verifies and names every read and who made it.
func TestRegionGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and MinIO")
	}
	t.Parallel() // see TestMain
	start := time.Now()
	root := t.TempDir()
	site := filepath.Join(root, "site")
	if _, err := demo.Generate(context.Background(), demo.Options{Dir: site, Length: 3 * time.Minute, FPS: 5}); err != nil {
		t.Fatal(err)
	}
	gt, err := demo.LoadGroundTruth(filepath.Join(site, "ground-truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	pg := pgtest.Shared(t) // the roles and the database klipp are this test's alone
	s3 := miniotest.Start(t, false)
	t.Logf("site, PostgreSQL and MinIO up in %v", time.Since(start).Round(time.Millisecond))

	// As the README: the server's superuser creates the first person, who
	// owns the store, and the database.
	if out, err := pg.Psql("-d", "postgres", "-c", "CREATE ROLE klippadmin LOGIN CREATEROLE PASSWORD 'pw-klippadmin'",
		"-c", "CREATE DATABASE klipp OWNER klippadmin").CombinedOutput(); err != nil {
		t.Fatalf("create the owner and the database: %v %s", err, out)
	}
	url := func(login string) string { return fmt.Sprintf("postgres://%s@%s:%d/klipp", login, pg.Host, pg.Port) }
	s3keys := []string{"KLIPP_S3_ACCESS_KEY=" + s3.AccessKey, "KLIPP_S3_SECRET_KEY=" + s3.SecretKey}
	as := func(login string, env ...string) *person {
		return newPerson(t, root, login, url(login), site, s3.Endpoint, env...)
	}
	admin := as("klippadmin", "PGPASSWORD=pw-klippadmin")
	anna := as("anna", "PGPASSWORD=pw-anna")
	ivar := as("ivar") // password in ~/.pgpass
	if err := os.WriteFile(filepath.Join(ivar.home, ".pgpass"), []byte(fmt.Sprintf("%s:%d:klipp:ivar:pw-ivar\n", pg.Host, pg.Port)), 0o600); err != nil {
		t.Fatal(err)
	}
	ines := as("ines", "PGPASSWORD=pw-ines")
	arne := as("arne", append([]string{"PGPASSWORD=pw-arne"}, s3keys...)...)
	// The worker runs on an analyst's machine with the archive's credentials.
	workerHost := as("anna", append([]string{"PGPASSWORD=pw-anna"}, s3keys...)...)

	// The owner adds the people.
	for _, u := range [][2]string{{"anna", "analyst"}, {"ivar", "investigator"}, {"ines", "investigator"}, {"arne", "archivist"}} {
		add := *admin
		add.env = append(append([]string{}, admin.env...), "KLIPP_PASSWORD=pw-"+u[0])
		if out := add.ok("users", "add", u[0], "--role", u[1]); !strings.Contains(out, "added "+u[0]+" as "+u[1]) {
			t.Errorf("users add %s: %q", u[0], out)
		}
	}
	var me app.Identity
	ivar.okJSON(&me, "users", "whoami")
	if me.Login != "ivar" || len(me.Roles) != 1 || me.Roles[0] != app.RoleInvestigator {
		t.Errorf("ivar (~/.pgpass) is taken for %+v", me)
	}

	// The investigators file requests.
	visit := gt.Suspect.Visits[0] // Malmö C, inside the 3 minutes
	ivar.ok("request", "new", "--title", "Rån Södergatan", "--crime", "rån", "--place", "Södergatan 2, Malmö", "--position", "55.6040,13.0010",
		"--from", "2026-11-20 22:00", "--to", "2026-11-20 22:03", "--suspect", "röd jacka, mörka byxor", "--need", "Misstänktens väg")
	ines.ok("request", "new", "--title", "Annat ärende", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:03")

	// The analyst indexes the footage, accepts request 1 into a case and
	// builds its timeline at the ground truth's times.
	anna.ok("-q", "index")
	number := "5000-K123456-26"
	anna.ok("request", "accept", "1", "--case", number)
	for _, e := range []struct {
		cam  string
		at   time.Time
		text string
	}{
		{visit.Camera, visit.Enter.Add(3 * time.Second), "Misstänkt på perrongen"},
		{visit.Camera, visit.Leave.Add(-3 * time.Second), "Misstänkt lämnar perrongen"},
		{"lilla-torg", gt.Start.Add(2*time.Minute + 10*time.Second), "Lilla Torg"},
	} {
		if code, out, errs := anna.k("timeline", "add", number, "--camera", e.cam, "--at", e.at.Format(time.RFC3339Nano), "--text", e.text); code != 0 || strings.Contains(errs, "warning") {
			t.Fatalf("timeline add %s: %d %s%s", e.cam, code, out, errs)
		}
	}
	anna.ok("still", "--camera", visit.Camera, "--at", visit.Enter.Add(3*time.Second).Format(time.RFC3339Nano), "-o", filepath.Join(anna.home, "perrong.png"))

	// A worker works the export.
	var wout, werr syncBuffer
	worker := workerHost.cmd("worker", "--concurrency", "1")
	worker.Stdout, worker.Stderr = &wout, &werr
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { worker.Process.Kill(); worker.Wait() })
	var workerID string
	for deadline := time.Now().Add(20 * time.Second); workerID == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if id, _, ok := strings.Cut(strings.TrimPrefix(werr.String(), "worker "), ": working"); ok {
			workerID = id
		}
	}
	if workerID == "" {
		t.Fatalf("the worker did not start: %s", werr.String())
	}
	var exp app.ExportResult
	anna.okJSON(&exp, "export", number)
	var jobs []app.Job
	anna.okJSON(&jobs, "jobs", "--all", "--case", number)
	if len(jobs) != 1 || jobs[0].Kind != "export" || jobs[0].Worker != workerID || jobs[0].Who != "anna" || jobs[0].State != "completed" {
		t.Errorf("the export job, want completed by worker %s for anna: %+v", workerID, jobs)
	}
	if !strings.HasPrefix(exp.Dir, filepath.Join(root, "exports", number)+string(filepath.Separator)) {
		t.Errorf("bundle %s is not under the exports root", exp.Dir)
	}
	anna.ok("case", "close", number)

	// The archivist pushes the bundle (on the worker) and holds it.
	var pv pushView
	arne.okJSON(&pv, "archive", "push", number)
	if pv.State != "verified" || pv.Uploaded != pv.Objects || pv.LockMode != "governance" {
		t.Errorf("push: %+v", pv)
	}
	if out := arne.ok("archive", "hold", number); !strings.Contains(out, "legal hold placed") {
		t.Errorf("hold: %q", out)
	}
	if out := arne.ok("archive", "verify", number); !strings.Contains(out, "legal hold on") {
		t.Errorf("archive verify: %q", out)
	}
	// MinIO, asked by an independent client, holds and locks the objects.
	key := number + "/" + exp.ExportID + "/manifest.json"
	var hold struct{ LegalHold struct{ Status string } }
	if err := awsCLI(t, s3, &hold, "s3api", "get-object-legal-hold", "--bucket", "evidence", "--key", key); err != nil {
		t.Fatal(err)
	}
	var ret struct {
		Retention struct{ Mode, RetainUntilDate string }
	}
	if err := awsCLI(t, s3, &ret, "s3api", "get-object-retention", "--bucket", "evidence", "--key", key); err != nil {
		t.Fatal(err)
	}
	until, _ := time.Parse(time.RFC3339, ret.Retention.RetainUntilDate)
	if hold.LegalHold.Status != "ON" || ret.Retention.Mode != "GOVERNANCE" || until.Year() < time.Now().Year()+9 {
		t.Errorf("%s in MinIO: legal hold %+v, retention %+v", key, hold, ret)
	}

	// The investigator sees the delivery and checks the bundle.
	var req app.Request
	ivar.okJSON(&req, "request", "show", "1")
	_, manifest, err := digest.File(filepath.Join(exp.Dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if req.Status != "delivered" || req.Case != number || len(req.Deliveries) != 1 {
		t.Fatalf("request show 1: %+v", req)
	}
	if d := req.Deliveries[0]; d.Ref != number+"/"+exp.ExportID || d.Archive != "verified" || d.ManifestSHA256 != manifest ||
		len(d.Verify) != 2 || !strings.Contains(d.Verify[0], manifest) || !strings.Contains(d.Verify[1], "klipp archive verify "+d.Ref) {
		t.Errorf("delivery: %+v, manifest.json %s", d, manifest)
	}
	if out := ivar.ok("request", "show", "1"); !strings.Contains(out, "delivery "+number+"/"+exp.ExportID) {
		t.Errorf("request show 1:\n%s", out)
	}
	if out := ivar.ok("verify", exp.Dir); !strings.Contains(out, "every hash matches") {
		t.Errorf("verify: %q", out)
	}

	// The other investigator sees nothing of it: not through klipp…
	for _, c := range []struct {
		args []string
		code int
	}{{[]string{"request", "show", "1"}, 3}, {[]string{"timeline", "list", number}, 2}, {[]string{"case", "show", number}, 2}} {
		if code, _, errs := ines.k(c.args...); code != c.code || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("ines: klipp %s: exit %d %q, want %d and one line", strings.Join(c.args, " "), code, errs, c.code)
		}
	}
	if out := ines.ok("request", "list"); strings.Contains(out, "Rån") {
		t.Errorf("ines lists ivar's request:\n%s", out)
	}
	// … nor with psql; the investigator who asked sees the case row, but
	// no investigator reads entries.
	for _, c := range []struct {
		who        *person
		query, out string
		denied     bool
	}{
		{ines, "SELECT count(*) FROM requests WHERE filed_by <> 'ines'", "0", false},
		{ines, "SELECT count(*) FROM cases", "0", false},
		{ines, "SELECT count(*) FROM entries", "", true},
		{ines, "SELECT count(*) FROM audit WHERE case_number <> ''", "0", false},
		{ivar, "SELECT number FROM cases", number, false},
		{ivar, "SELECT count(*) FROM entries", "", true},
	} {
		out, err := c.who.psql(pg, c.query)
		if c.denied && (err == nil || !strings.Contains(out, "permission denied")) || !c.denied && (err != nil || out != c.out) {
			t.Errorf("psql as %s: %s: %v %q", c.who.login, c.query, err, out)
		}
	}

	// The chain verifies, sealed by the push, and names every read.
	if out := arne.ok("audit", "verify"); !strings.Contains(out, "chain intact") || !strings.Contains(out, "matches 1 seals") {
		t.Errorf("audit verify: %q", out)
	}
	out, err := pg.Psql("-d", "klipp", "-At", "-c", "SELECT line FROM audit ORDER BY seq").CombinedOutput()
	if err != nil {
		t.Fatalf("read the audit table: %v %s", err, out)
	}
	got := map[string]int{}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var e struct {
			Who, Action, Case string
			Detail            map[string]string
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("audit line %q: %v", l, err)
		}
		k := e.Who + " " + e.Action
		if e.Detail["worker"] != "" {
			k += " via " + e.Detail["worker"]
		}
		got[k]++
		lines = append(lines, k)
	}
	for k, n := range map[string]int{
		"klippadmin user.add": 4, "ivar request.new": 1, "ines request.new": 1, "anna request.accept": 1, "anna timeline.add": 3,
		"anna still": 4, "anna cut": 3, "anna export": 1, "anna case.close": 1,
		"arne archive.push via anna": 1, "arne archive.hold": 1, "arne archive.verify": 1,
		"ivar request.show": 2, "ivar verify": 1, "ines denied": 2,
	} {
		if got[k] != n {
			t.Errorf("audit: %d × %q, want %d", got[k], k, n)
		}
	}
	if t.Failed() {
		t.Logf("audit:\n%s", strings.Join(lines, "\n"))
	}

	// The worker stops cleanly on SIGTERM.
	worker.Process.Signal(os.Interrupt)
	if err := worker.Wait(); err != nil || !strings.Contains(werr.String(), "worker stopped") {
		t.Errorf("worker: %v %s", err, werr.String())
	}
	t.Logf("the region's flow took %v", time.Since(start).Round(time.Millisecond))
}

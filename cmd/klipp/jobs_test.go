package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/demo"
	"github.com/klipp-forensics/klipp/internal/pgtest"
)

// klippAsProcess is the command line for klipp as a separate process (a
// worker to kill, a signal to send): this test binary, which TestMain turns
// into klipp when KLIPP_TEST_AS_KLIPP=1 is in its environment. Building
// klipp with go build instead cost seconds of every run. env is the
// process's environment (nil: this process's).
func klippAsProcess(env []string, args ...string) *exec.Cmd {
	if env == nil {
		env = os.Environ()
	}
	exe, err := os.Executable() // absolute: some callers set cmd.Dir
	if err != nil {
		exe = os.Args[0]
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(append([]string{}, env...), "KLIPP_TEST_AS_KLIPP=1")
	return cmd
}

// sharedSite is the demo site with its store in a new database on the
// package's PostgreSQL (pgtest.Shared): the
// environment points klipp (in this process and in the ones it starts) at
// it. The index is built through a job that the waiting command, with no
// worker running, works itself.
type sharedSite struct {
	t       *testing.T
	conf    string
	dataDir string
	pg      *pgtest.Server
}

func newSharedSite(t *testing.T) *sharedSite {
	dir := site(t)
	pg := pgtest.Shared(t)
	t.Setenv("KLIPP_STORE_URL", pg.URLAs(pg.User, pg.Database(t)))
	t.Setenv("PGPASSWORD", pg.Password)
	t.Setenv("KLIPP_PRESENTATION_WIDTH", "320")
	t.Setenv("KLIPP_PRESENTATION_HEIGHT", "180")
	s := &sharedSite{t: t, conf: filepath.Join(dir, "klipp.yaml"), dataDir: t.TempDir(), pg: pg}
	code, _, errs := s.k("index")
	if code != 0 {
		t.Fatalf("index as a job: %s", errs)
	}
	if !strings.Contains(errs, "queued") {
		t.Errorf("index did not run as a job: %s", errs)
	}
	return s
}

// k runs klipp in this process on the shared store.
func (s *sharedSite) k(args ...string) (int, string, string) {
	return klipp(s.t, append([]string{"--config", s.conf, "--data-dir", s.dataDir}, args...)...)
}

// start starts klipp as a process on the shared store.
func (s *sharedSite) start(stdout, stderr *syncBuffer, args ...string) *exec.Cmd {
	cmd := klippAsProcess(nil, append([]string{"--config", s.conf, "--data-dir", s.dataDir}, args...)...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// newCase makes a case with one timeline entry per camera given.
func (s *sharedSite) newCase(number string, cams ...string) {
	gt, err := demo.LoadGroundTruth(filepath.Join(filepath.Dir(s.conf), "ground-truth.json"))
	if err != nil {
		s.t.Fatal(err)
	}
	if code, _, errs := s.k("case", "new", "--number", number, "--title", "Jobb", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17"); code != 0 {
		s.t.Fatal(errs)
	}
	for i, cam := range cams {
		at := gt.Suspect.Visits[2+i].Enter.Add(3 * time.Second)
		if code, _, errs := s.k("timeline", "add", number, "--camera", cam, "--at", at.Format(time.RFC3339Nano), "--text", "Post "+cam); code != 0 {
			s.t.Fatal(errs)
		}
	}
}

func (s *sharedSite) jobs(args ...string) []app.Job {
	s.t.Helper()
	code, out, errs := s.k(append([]string{"--json", "jobs"}, args...)...)
	if code != 0 {
		s.t.Fatalf("jobs: %s", errs)
	}
	var list []app.Job
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		s.t.Fatalf("jobs --json: %v\n%s", err, out)
	}
	return list
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

// TestJobsWorkerKilledMidExport: two klipp worker processes; the one that
// takes the export is killed with SIGKILL once the export has finished a
// step; the other takes the job within 30 s, resumes it from the journal
// and the bundle verifies. The waiting klipp export gets the result.
func TestJobsWorkerKilledMidExport(t *testing.T) {
	s := newSharedSite(t)
	// A presentation that takes a few seconds to encode holds the export
	// open after its first steps are journaled: time enough, even on a
	// loaded machine, to find its worker and kill it mid-export.
	t.Setenv("KLIPP_PRESENTATION_WIDTH", "960")
	t.Setenv("KLIPP_PRESENTATION_HEIGHT", "540")
	t.Setenv("KLIPP_PRESENTATION_SIZE", "fixed") // not the clips' own, quicker size
	number := "K-JOB-1"
	s.newCase(number, "stortorget", "sodergatan-2", "sodergatan-14")
	var w1out, w1err, w2out, w2err syncBuffer
	workers := map[int]*exec.Cmd{}
	for _, b := range [][2]*syncBuffer{{&w1out, &w1err}, {&w2out, &w2err}} {
		c := s.start(b[0], b[1], "worker", "--concurrency", "2")
		workers[c.Process.Pid] = c
	}
	// Both workers are registered before the export is asked for: else the
	// waiting command, seeing none, works the job itself.
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(w1err.String(), "working") || !strings.Contains(w2err.String(), "working"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the workers did not start\nworker 1: %s\nworker 2: %s", w1err.String(), w2err.String())
		}
	}
	out := t.TempDir()
	var eout, eerr syncBuffer
	export := s.start(&eout, &eerr, "--json", "export", number, "-o", out)
	exported := make(chan error, 1)
	go func() { exported <- export.Wait() }()

	// Kill the worker running the export once a step of it is finished:
	// find the worker first (klipp jobs is a process of its own, slow on a
	// loaded machine), then watch the journal, which is cheap to read.
	var killedAt time.Time
	var killedWorker string
	var running *exec.Cmd
	seen := ""
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline) && killedAt.IsZero(); time.Sleep(10 * time.Millisecond) {
		if running == nil {
			list := s.jobs("--case", number)
			seen = fmt.Sprintf("%+v", list)
			for _, j := range list {
				if j.State != "running" || j.Kind != "export" {
					continue
				}
				for pid, c := range workers {
					if strings.Contains(j.Worker, "-"+strconv.Itoa(pid)+"-") {
						running, killedWorker = c, j.Worker
					}
				}
			}
			continue
		}
		parts, _ := filepath.Glob(filepath.Join(out, number, ".*.part", bundle.JournalName))
		if len(parts) == 1 && journalHas(parts[0], "entry-1") {
			running.Process.Signal(syscall.SIGKILL)
			killedAt = time.Now()
		}
	}
	if killedAt.IsZero() {
		t.Fatalf("the export never ran on a worker with a finished step (last jobs seen: %s)\nworker 1: %s\nworker 2: %s\nexport: %s", seen, w1err.String(), w2err.String(), eerr.String())
	}
	// Another worker takes it within 30 s.
	var takenAfter time.Duration
	for time.Since(killedAt) < 40*time.Second && takenAfter == 0 {
		for _, j := range s.jobs("--all", "--case", number) {
			if j.Kind == "export" && j.Worker != "" && j.Worker != killedWorker {
				takenAfter = time.Since(killedAt)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if takenAfter == 0 || takenAfter > 30*time.Second {
		t.Fatalf("no other worker took the job within 30 s of the kill (%v)", takenAfter)
	}
	t.Logf("the export was taken over %v after its worker was killed", takenAfter.Round(time.Millisecond))
	select {
	case err := <-exported:
		if err != nil {
			t.Fatalf("klipp export: %v\n%s", err, eerr.String())
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("the export did not finish\n%s", eerr.String())
	}
	var res app.ExportResult
	if err := json.Unmarshal([]byte(eout.String()), &res); err != nil {
		t.Fatalf("export --json: %v\n%s", err, eout.String())
	}
	if len(res.Reused) == 0 || res.Reused[0] != "entry-1" {
		t.Errorf("the new worker did not resume the export: reused %v", res.Reused)
	}
	if code, _, errs := s.k("verify", res.Dir); code != 0 {
		t.Fatalf("verify: %s", errs)
	}
	jobs := s.jobs("--all", "--case", number)
	if len(jobs) != 1 || jobs[0].State != "completed" || jobs[0].Who == "" || jobs[0].Attempt < 2 {
		t.Errorf("jobs after the export: %+v", jobs)
	}
	// The surviving worker stops cleanly on SIGTERM and leaves the registry.
	for _, c := range workers {
		if c.ProcessState == nil && c.Process.Signal(syscall.SIGTERM) == nil {
			done := make(chan error, 1)
			go func() { done <- c.Wait() }()
			select {
			case err := <-done:
				if err != nil && !strings.Contains(err.Error(), "killed") {
					t.Errorf("worker after SIGTERM: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Error("a worker did not stop within 20 s of SIGTERM")
			}
		}
	}
	if !strings.Contains(w1err.String()+w2err.String(), "worker stopped") {
		t.Errorf("no worker said it stopped:\n%s\n%s", w1err.String(), w2err.String())
	}
}

// TestJobsDetachListCancel: --detach prints the job's id; klipp jobs shows
// it queued with who asked; klipp jobs cancel cancels it; then a waiting
// klipp export with no worker running works its job itself.
func TestJobsDetachListCancel(t *testing.T) {
	s := newSharedSite(t)
	number := "K-JOB-2"
	s.newCase(number, "stortorget")
	out := t.TempDir()
	code, stdout, errs := s.k("--json", "export", number, "-o", out, "--detach")
	if code != 0 {
		t.Fatalf("export --detach: %s", errs)
	}
	var queued struct{ Job int64 }
	if err := json.Unmarshal([]byte(stdout), &queued); err != nil || queued.Job == 0 {
		t.Fatalf("export --detach --json: %v %q", err, stdout)
	}
	list := s.jobs("--case", number)
	if len(list) != 1 || list[0].ID != queued.Job || list[0].State != "available" || list[0].Kind != "export" || list[0].Who == "" || list[0].Case != number {
		t.Fatalf("jobs: %+v", list)
	}
	if code, out, _ := s.k("jobs"); code != 0 || !strings.Contains(out, strconv.FormatInt(queued.Job, 10)) || !strings.Contains(out, "available") {
		t.Errorf("jobs table:\n%s", out)
	}
	if code, _, errs := s.k("jobs", "cancel", strconv.FormatInt(queued.Job, 10)); code != 0 {
		t.Fatalf("jobs cancel: %s", errs)
	}
	if list := s.jobs("--case", number); len(list) != 0 {
		t.Errorf("a cancelled job is still listed as unfinished: %+v", list)
	}
	if list := s.jobs("--all", "--case", number); len(list) != 1 || list[0].State != "cancelled" {
		t.Errorf("jobs --all after cancel: %+v", list)
	}
	if code, _, errs := s.k("jobs", "cancel", "999999"); code != 3 {
		t.Errorf("cancel of no job: %d %s", code, errs)
	}
	// No worker runs: the waiting export works its job itself.
	code, stdout, errs = s.k("--json", "export", number, "-o", out)
	if code != 0 {
		t.Fatalf("export with no worker: %s", errs)
	}
	var res app.ExportResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Dir == "" {
		t.Fatalf("export --json: %v %q", err, stdout)
	}
	if code, _, errs := s.k("verify", res.Dir); code != 0 {
		t.Fatalf("verify: %s", errs)
	}
	list = s.jobs("--all", "--case", number)
	if len(list) != 2 || list[0].State != "completed" || !strings.Contains(list[0].Worker, "-"+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("the waiting command did not work its job itself: %+v", list)
	}
}

// klipp index --activity on the shared store is one index job that scans
// after indexing: --detach queues it; with no worker running the waiting
// command works its job itself, and klipp activity then answers from the
// stored scans.
func TestIndexActivityAsJob(t *testing.T) {
	s := newSharedSite(t)
	code, stdout, errs := s.k("--json", "index", "--activity", "--camera", "stortorget", "--detach")
	var queued struct{ Job int64 }
	if code != 0 || json.Unmarshal([]byte(stdout), &queued) != nil || queued.Job == 0 {
		t.Fatalf("index --activity --detach: %d %q %s", code, stdout, errs)
	}
	if list := s.jobs(); len(list) != 1 || list[0].ID != queued.Job || list[0].Kind != "index" || list[0].State != "available" {
		t.Fatalf("jobs: %+v", list)
	}
	if code, _, errs := s.k("jobs", "cancel", strconv.FormatInt(queued.Job, 10)); code != 0 {
		t.Fatalf("jobs cancel: %s", errs)
	}
	code, stdout, errs = s.k("--json", "index", "--activity", "--camera", "stortorget")
	if code != 0 || !strings.Contains(errs, "queued") {
		t.Fatalf("index --activity as a job: %d %s", code, errs)
	}
	var res app.IndexActivityResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || len(res.Index) != 1 || len(res.Activity) != 1 || res.Activity[0].Camera != "stortorget" ||
		res.Activity[0].Scanned == 0 || res.Activity[0].Scanned != res.Activity[0].Segments {
		t.Fatalf("index --activity --json: %v %s", err, stdout)
	}
	all := s.jobs("--all")
	done := 0
	for _, j := range all {
		if j.Kind == "index" && j.State == "completed" && strings.Contains(j.Worker, "-"+strconv.Itoa(os.Getpid())+"-") {
			done++
		}
	}
	if done < 2 { // the site's index and this one
		t.Errorf("the waiting command did not work its index jobs: %+v", all)
	}
	code, stdout, errs = s.k("--json", "activity", "--camera", "stortorget", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17")
	var act app.ActivityResult
	if code != 0 || json.Unmarshal([]byte(stdout), &act) != nil || act.Scan.Scanned != 0 || act.Scan.Stored != res.Activity[0].Scanned || len(act.Periods) == 0 {
		t.Errorf("activity after the job: %d %s %s", code, stdout, errs)
	}
}

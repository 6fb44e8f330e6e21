package app

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/jobs"
	"github.com/klipp-forensics/klipp/internal/store"
)

// With the shared store, long operations run as River jobs (design.md
// §8b). A job kind is a small args struct embedding the request of the
// service method it runs; its worker calls that method, the one the CLI
// calls with SQLite. internal/jobs has the machinery (progress, workers,
// rescue); the kinds live here because they carry the service's requests.

// JobArgs is a job kind's arguments.
type JobArgs interface {
	river.JobArgs
	river.JobArgsWithInsertOpts
	// jobCase is the case the job is about ("" when none), for listing.
	jobCase() string
	// absolute makes the request's paths absolute: a worker elsewhere
	// resolves them from its own directory otherwise.
	absolute() error
}

// Job is a job as `klipp jobs` shows it.
type Job = jobs.Job

// ExportJob runs Export.
type ExportJob struct{ ExportRequest }

// PushJob runs Push.
type PushJob struct{ PushRequest }

// RetryJob runs Retry.
type RetryJob struct{}

// PreserveJob runs Preserve.
type PreserveJob struct{ PreserveRequest }

// IndexJob runs Index.
type IndexJob struct{ IndexRequest }

// TranscodeJob runs Cut (with CutTranscode: the cuts worth a worker).
type TranscodeJob struct{ CutRequest }

func (ExportJob) Kind() string    { return jobs.KindExport }
func (PushJob) Kind() string      { return jobs.KindPush }
func (RetryJob) Kind() string     { return jobs.KindRetry }
func (PreserveJob) Kind() string  { return jobs.KindPreserve }
func (IndexJob) Kind() string     { return jobs.KindIndex }
func (TranscodeJob) Kind() string { return jobs.KindTranscode }

func (ExportJob) InsertOpts() river.InsertOpts    { return river.InsertOpts{Queue: jobs.QueueExport} }
func (PushJob) InsertOpts() river.InsertOpts      { return river.InsertOpts{Queue: jobs.QueueArchive} }
func (RetryJob) InsertOpts() river.InsertOpts     { return river.InsertOpts{Queue: jobs.QueueArchive} }
func (PreserveJob) InsertOpts() river.InsertOpts  { return river.InsertOpts{Queue: jobs.QueueArchive} }
func (IndexJob) InsertOpts() river.InsertOpts     { return river.InsertOpts{Queue: jobs.QueueIndex} }
func (TranscodeJob) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: jobs.QueueMedia} }

func (j ExportJob) jobCase() string   { return j.Case }
func (j PushJob) jobCase() string     { return j.Case }
func (RetryJob) jobCase() string      { return "" }
func (j PreserveJob) jobCase() string { return j.Case }
func (IndexJob) jobCase() string      { return "" }
func (TranscodeJob) jobCase() string  { return "" }

func (j *ExportJob) absolute() error    { return absPath(&j.OutDir) }
func (j *PushJob) absolute() error      { return absPath(&j.Dir) }
func (*RetryJob) absolute() error       { return nil }
func (*PreserveJob) absolute() error    { return nil }
func (*IndexJob) absolute() error       { return nil }
func (j *TranscodeJob) absolute() error { return absPath(&j.Out) }

func absPath(p *string) error {
	if *p == "" {
		return nil
	}
	abs, err := filepath.Abs(*p)
	*p = abs
	return err
}

// registerWorkers adds a worker for every kind. Each calls the same
// service method as the CLI does with SQLite.
func (s *Service) registerWorkers(w *river.Workers) {
	river.AddWorker(w, &exportWorker{s: s})
	addWorker(w, s, func(ctx context.Context, s *Service, j PushJob, ev Events) (PushResult, error) {
		return s.Push(ctx, j.PushRequest, ev)
	})
	addWorker(w, s, func(ctx context.Context, s *Service, _ RetryJob, ev Events) (retryOutput, error) {
		res, err := s.Retry(ctx, ev)
		return retryOutput{res, res.Jobs}, err
	})
	addWorker(w, s, func(ctx context.Context, s *Service, j PreserveJob, ev Events) (RetentionResult, error) {
		return s.Preserve(ctx, j.PreserveRequest, ev)
	})
	addWorker(w, s, func(ctx context.Context, s *Service, j IndexJob, ev Events) (any, error) {
		if j.Activity {
			return s.IndexActivity(ctx, j.IndexRequest, ev)
		}
		return s.Index(ctx, j.IndexRequest, ev)
	})
	addWorker(w, s, func(ctx context.Context, s *Service, j TranscodeJob, ev Events) (CutResult, error) {
		return s.Cut(ctx, j.CutRequest, ev)
	})
}

// worker is a kind's River worker: run is the service call.
type worker[A river.JobArgs, R any] struct {
	river.WorkerDefaults[A]
	s   *Service
	run func(ctx context.Context, s *Service, args A, ev Events) (R, error)
}

// addWorker registers run for a kind; run gets the service acting for the
// person who asked for the job.
func addWorker[A river.JobArgs, R any](w *river.Workers, s *Service, run func(ctx context.Context, s *Service, args A, ev Events) (R, error)) {
	river.AddWorker(w, &worker[A, R]{s: s, run: run})
}

func (w *worker[A, R]) Work(ctx context.Context, job *river.Job[A]) error {
	s, err := w.s.actingFor(ctx, jobs.Who(job.JobRow))
	if err != nil {
		return err
	}
	return jobs.Do(ctx, w.s.jobs, job.JobRow, func(ctx context.Context, ev jobs.Events) (R, error) { return w.run(ctx, s, job.Args, ev) })
}

// exportWorker runs one export per case at a time: it holds the case's
// lock while it works, and a second export of the case waits (snoozes).
// A job taken over from a dead worker resumes its export from the journal,
// even when the first attempt was asked to restart.
type exportWorker struct {
	river.WorkerDefaults[ExportJob]
	s *Service
}

func (w *exportWorker) Work(ctx context.Context, job *river.Job[ExportJob]) error {
	release, ok, err := w.s.jobs.LockCase(ctx, job.Args.Case)
	if err != nil {
		return err
	}
	if !ok {
		return jobs.Busy()
	}
	defer release()
	req := job.Args.ExportRequest
	if job.Attempt > 1 {
		req.Restart = false
	}
	s, err := w.s.actingFor(ctx, jobs.Who(job.JobRow))
	if err != nil {
		return err
	}
	return jobs.Do(ctx, w.s.jobs, job.JobRow, func(ctx context.Context, ev jobs.Events) (exportOutput, error) {
		res, err := s.Export(ctx, req, ev)
		return exportOutput{res, res.Entries}, err
	})
}

// exportOutput and retryOutput keep what their results' JSON leaves out.
type exportOutput struct {
	ExportResult
	Entries int `json:"entries_count"`
}

type retryOutput struct {
	RetryResult
	Jobs int `json:"jobs_count"`
}

// openJobs connects the jobs machinery when the store is shared.
func (s *Service) openJobs(ctx context.Context) error {
	if s.store.Dialect() != store.Postgres {
		return nil
	}
	c, err := jobs.Open(ctx, s.cfg.Store.URL, s.store, s.registerWorkers)
	if err != nil {
		return err
	}
	s.jobs = c
	return nil
}

// Shared reports whether long operations run as jobs (the store is
// PostgreSQL).
func (s *Service) Shared() bool { return s.jobs != nil }

func (s *Service) needJobs() error {
	if s.jobs == nil {
		return fault.Usagef("jobs need the shared store (store.url); with SQLite every command works in-process")
	}
	return nil
}

// Enqueue inserts a job and returns its id. Who asked is the service's
// Who.
func (s *Service) Enqueue(ctx context.Context, args JobArgs) (int64, error) {
	if err := s.needJobs(); err != nil {
		return 0, err
	}
	if err := args.absolute(); err != nil {
		return 0, err
	}
	return s.jobs.Insert(ctx, args, s.Who(), args.jobCase())
}

// WaitJob waits until job id has finished, showing its progress on ev,
// working it in this process when no worker is running; then decodes its
// result into out (a pointer to the result type of the job's method) or
// returns the error the job ended with.
func (s *Service) WaitJob(ctx context.Context, id int64, ev Events, out any) error {
	if err := s.needJobs(); err != nil {
		return err
	}
	j, err := s.jobs.Wait(ctx, id, events(ev))
	if err != nil {
		return err
	}
	raw, err := j.Result()
	if err != nil || out == nil {
		return err
	}
	switch o := out.(type) {
	case *ExportResult:
		var v exportOutput
		err = json.Unmarshal(raw, &v)
		*o = v.ExportResult
		o.Entries, o.Stages = v.Entries, map[string]time.Duration{}
		for k, sec := range o.StagesSeconds {
			o.Stages[k] = time.Duration(sec * float64(time.Second))
		}
	case *RetryResult:
		var v retryOutput
		err = json.Unmarshal(raw, &v)
		*o = v.RetryResult
		o.Jobs = v.Jobs
	default:
		err = json.Unmarshal(raw, out)
	}
	return err
}

// JobListRequest selects jobs: of one case; unfinished ones unless All.
type JobListRequest = jobs.ListRequest

// Jobs lists jobs, newest first.
func (s *Service) Jobs(ctx context.Context, req JobListRequest) ([]Job, error) {
	if err := s.needJobs(); err != nil {
		return nil, err
	}
	return s.jobs.List(ctx, req)
}

// CancelJob cancels a job and audits it.
func (s *Service) CancelJob(ctx context.Context, id int64) (Job, error) {
	if err := s.needJobs(); err != nil {
		return Job{}, err
	}
	if _, err := s.jobs.Get(ctx, id); err != nil {
		return Job{}, err
	}
	j, err := s.jobs.Cancel(ctx, id)
	if err != nil {
		return j, err
	}
	_, err = s.record(ctx, audit.Entry{Action: "job cancel", Case: j.Case, Detail: map[string]string{"job": j.Kind, "id": strconv.FormatInt(j.ID, 10)}})
	return j, err
}

// WorkRequest is how this process works jobs.
type WorkRequest struct {
	Queues      []string // "" = all
	Concurrency int      // jobs at once per queue (0: 1)
	// StopTimeout is how long running jobs may finish when ctx ends before
	// they are handed back to other workers (0: 10 s).
	StopTimeout time.Duration
	// Started is told the worker's id once it works.
	Started func(id string)
}

// Work works jobs until ctx ends, then stops cleanly: no new jobs, running
// ones finish within StopTimeout or are handed back.
func (s *Service) Work(ctx context.Context, req WorkRequest) error {
	if err := s.needJobs(); err != nil {
		return err
	}
	for _, q := range req.Queues {
		if !known(q) {
			return fault.Fieldf("queue", "%q is not a queue (%v)", q, jobs.Queues)
		}
	}
	w, err := s.jobs.Work(ctx, jobs.WorkConfig{Queues: req.Queues, Concurrency: req.Concurrency})
	if err != nil {
		return err
	}
	if req.Started != nil {
		req.Started(w.ID)
	}
	<-ctx.Done()
	limit := req.StopTimeout
	if limit <= 0 {
		limit = 10 * time.Second
	}
	stop, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	return w.Stop(stop)
}

func known(q string) bool {
	for _, k := range jobs.Queues {
		if q == k {
			return true
		}
	}
	return false
}

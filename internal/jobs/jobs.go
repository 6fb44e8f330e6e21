// Package jobs runs klipp's long work as River jobs on the shared
// PostgreSQL store (design.md §8b): River (github.com/riverqueue/river)
// keeps the jobs, their states, attempts and outputs in its own tables;
// this package adds what klipp needs around it: the kinds' names and
// queues, progress stored in the store (job_progress) where `klipp jobs`
// and the UI read it, a registry of running workers with a heartbeat
// (workers), a per-case lock for exports, and the quick rescue of a job
// whose worker died (rescue.go).
//
// The job kinds' argument structs and their workers live in internal/app:
// each embeds the service request it runs and its Work calls the same
// service method the CLI calls, which this package cannot import (nothing
// below app imports app). app registers them through Open's register.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Kinds: River job kind names.
const (
	KindExport    = "klipp_export"
	KindPush      = "klipp_archive_push"
	KindRetry     = "klipp_archive_retry"
	KindPreserve  = "klipp_retention_preserve"
	KindIndex     = "klipp_index"
	KindTranscode = "klipp_cut_transcode"
)

// Kinds lists every kind klipp inserts.
var Kinds = []string{KindExport, KindPush, KindRetry, KindPreserve, KindIndex, KindTranscode}

// Queues: a worker works all of them unless told otherwise (--queue), so a
// machine without the archive's network, say, can leave pushes to others.
const (
	QueueExport  = "export"
	QueueArchive = "archive"
	QueueIndex   = "index"
	QueueMedia   = "media"
)

// Queues lists every queue.
var Queues = []string{QueueExport, QueueArchive, QueueIndex, QueueMedia}

// MaxAttempts bounds how often a job is started: a worker killed mid-job
// costs an attempt, so a job that kills its worker every time ends.
const MaxAttempts = 5

// Events is what a job reports as it works; app.Events has the same
// methods.
type Events interface {
	Progress(label string, done, total int64)
	Step(msg string)
	Warn(msg string)
}

// Client is the jobs side of a shared store: River over its own pgx pool
// (River's driver wants one; the store speaks database/sql), an insert-only
// River client, and the store for progress and workers.
type Client struct {
	pool     *pgxpool.Pool
	river    *river.Client[pgx.Tx]
	store    *store.Store
	register func(*river.Workers)
	running  *runningSet
}

// Open connects to the shared store at url, brings River's tables up to
// date (rivermigrate; idempotent, under an advisory lock so machines that
// open at once do not race) and returns a client that inserts, lists and
// cancels jobs. register adds the job kinds' workers when this process
// works jobs.
func Open(ctx context.Context, url string, st *store.Store, register func(*river.Workers)) (*Client, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, fmt.Errorf("jobs: %s: %w", st.Where(), scrubbed(err)))
	}
	if err := migrate(ctx, pool); err != nil && !denied(err) {
		pool.Close()
		return nil, fault.Wrap(fault.Storage, fmt.Errorf("jobs: River migrations: %w", scrubbed(err)))
	}
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Client{pool: pool, river: rc, store: st, register: register, running: newRunningSet()}, nil
}

// denied reports a login without the rights to River's tables (an
// investigator's): it does not migrate them, and cannot enqueue.
func denied(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42501"
}

// scrubbed is err for a message: pgx names the URL with its password
// replaced, so nothing needs removing; kept as the one place to say so.
func scrubbed(err error) error { return err }

// migrate runs River's migrations up under a session advisory lock.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('klipp river migrate'))`); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock(hashtext('klipp river migrate'))`)
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// Close closes the pool.
func (c *Client) Close() { c.pool.Close() }

// Insert enqueues a job in its kind's queue (args.InsertOpts), recording
// who asked for it and for which case in its metadata.
func (c *Client) Insert(ctx context.Context, args river.JobArgs, who, caseNumber string) (int64, error) {
	meta, err := json.Marshal(map[string]string{"who": who, "case": caseNumber})
	if err != nil {
		return 0, err
	}
	res, err := c.river.Insert(ctx, args, &river.InsertOpts{Metadata: meta, MaxAttempts: MaxAttempts})
	if err != nil {
		return 0, fault.Wrap(fault.Storage, fmt.Errorf("enqueue %s: %w", args.Kind(), err))
	}
	return res.Job.ID, nil
}

// Who is the login that asked for a job ("" when its metadata lacks one).
func Who(row *rivertype.JobRow) string {
	var meta struct {
		Who string `json:"who"`
	}
	json.Unmarshal(row.Metadata, &meta) // no metadata: nobody named
	return meta.Who
}

// Cancel cancels a job: one not started yet never starts; a running one's
// context is cancelled on its worker, which stops it.
func (c *Client) Cancel(ctx context.Context, id int64) (Job, error) {
	row, err := c.river.JobCancel(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return Job{}, fault.NotFoundf("job %d: no such job", id)
	}
	if err != nil {
		return Job{}, fault.Wrap(fault.Storage, err)
	}
	return c.view(ctx, row)
}

// LockCase takes the export lock of a case: a session advisory lock held
// on its own connection until release, so it goes with the worker if the
// worker dies. ok is false when another job holds it.
func (c *Client) LockCase(ctx context.Context, number string) (release func(), ok bool, err error) {
	conn, err := c.pool.Acquire(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('klipp export'), hashtext($1))`, number).Scan(&ok); err != nil || !ok {
		conn.Release()
		return nil, false, err
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtext('klipp export'), hashtext($1))`, number); err != nil {
			conn.Conn().Close(ctx) // closing the session releases it too
		}
		conn.Release()
	}, true, nil
}

// result is what a job records as its River output: its result, or the
// error it ended with and that error's fault kind (the exit code).
type result struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
	Kind   fault.Kind      `json:"kind,omitempty"`
}

// Do works one job: fn runs with events stored as the job's progress and
// the job heartbeated while it runs (rescue.go). fn's result is the job's
// output. An error ends the job for good (cancelled, with the error and its
// kind recorded): klipp's errors are for the person who asked, and
// `archive retry` is the retry for pushes. Only a worker that is stopping
// hands its job back, at once, to the next worker.
func Do[R any](ctx context.Context, c *Client, row *rivertype.JobRow, fn func(ctx context.Context, ev Events) (R, error)) error {
	c.running.add(row.ID)
	defer c.running.remove(row.ID)
	ev := &progress{c: c, id: row.ID}
	res, err := fn(ctx, ev)
	ev.flush()
	if err == nil {
		raw, merr := json.Marshal(res)
		if merr != nil {
			return river.JobCancel(merr)
		}
		return river.RecordOutput(ctx, result{Result: raw})
	}
	if ctx.Err() != nil && !errors.Is(context.Cause(ctx), rivertype.ErrJobCancelledRemotely) {
		return river.JobSnooze(0) // the worker is stopping: the next one resumes the job
	}
	if errors.Is(err, fault.ErrNotHere) {
		// This machine cannot see what the job needs (a share it does not
		// mount): say so and leave the job to the others.
		ev.Step(fmt.Sprintf("%v; leaving the job to another worker", err))
		ev.flush()
		return river.JobSnooze(NotHereWait)
	}
	if errors.Is(context.Cause(ctx), rivertype.ErrJobCancelledRemotely) {
		err = fmt.Errorf("job %d was cancelled", row.ID)
	}
	_ = river.RecordOutput(ctx, result{Error: err.Error(), Kind: fault.KindOf(err)})
	return river.JobCancel(err)
}

// NotHereWait is how long a job this worker cannot serve waits before a
// worker (another, or this one once the share is mounted) tries it again.
const NotHereWait = 5 * time.Second

// Busy is a job that cannot run now (another export of its case holds the
// lock): it is tried again after a short while without using an attempt.
func Busy() error { return river.JobSnooze(3 * time.Second) }

package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Timing of liveness. A worker writes its heartbeat (its workers row and
// every running job's attempted_at) every Beat; a job whose heartbeat is
// older than Stale has lost its worker and is made available again; a
// worker not seen for Stale is not running.
const (
	Beat  = 2 * time.Second
	Stale = 10 * time.Second
)

// WorkConfig is how a process works jobs.
type WorkConfig struct {
	// Queues to work; every queue when empty.
	Queues []string
	// Concurrency is how many jobs run at once per queue (0: 1).
	Concurrency int
}

// Worker is a running River client working jobs, with its heartbeat.
type Worker struct {
	ID     string
	c      *Client
	rc     *river.Client[pgx.Tx]
	info   store.Worker
	cancel context.CancelFunc
	beats  sync.WaitGroup
}

// runningSet is the jobs this process is working, heartbeated together.
type runningSet struct {
	mu  sync.Mutex
	ids map[int64]int
}

func newRunningSet() *runningSet { return &runningSet{ids: map[int64]int{}} }

func (r *runningSet) add(id int64) { r.mu.Lock(); r.ids[id]++; r.mu.Unlock() }

func (r *runningSet) remove(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids[id]--; r.ids[id] <= 0 {
		delete(r.ids, id)
	}
}

func (r *runningSet) list() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]int64, 0, len(r.ids))
	for id := range r.ids {
		out = append(out, id)
	}
	return out
}

// Work starts working jobs: a River client over the queues, registered in
// workers and heartbeating until Stop.
func (c *Client) Work(ctx context.Context, cfg WorkConfig) (*Worker, error) {
	queues := cfg.Queues
	if len(queues) == 0 {
		queues = Queues
	}
	n := cfg.Concurrency
	if n <= 0 {
		n = 1
	}
	host, _ := os.Hostname()
	id := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), randomHex(3))
	workers := river.NewWorkers()
	c.register(workers)
	qc := map[string]river.QueueConfig{}
	for _, q := range queues {
		qc[q] = river.QueueConfig{MaxWorkers: n}
	}
	// JobTimeout -1: an export may take hours; liveness is the heartbeat.
	// FetchCooldown short: a job starts within milliseconds of its insert
	// (LISTEN/NOTIFY), and FetchPollInterval bounds it when a rescue makes
	// one available without a notification.
	rc, err := river.NewClient(riverpgxv5.New(c.pool), &river.Config{ID: id, Queues: qc, Workers: workers, JobTimeout: -1,
		FetchCooldown: 20 * time.Millisecond, FetchPollInterval: 500 * time.Millisecond, MaxAttempts: MaxAttempts})
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	w := &Worker{ID: id, c: c, rc: rc, info: store.Worker{ID: id, Host: host, PID: os.Getpid(), Queues: queues, Started: now, LastSeen: now}}
	if err := c.store.BeatWorker(ctx, w.info); err != nil {
		return nil, fault.Wrap(fault.Storage, fmt.Errorf("register worker: %w", err))
	}
	if err := rc.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.cancel = cancel
	w.beats.Add(1)
	go func() { defer w.beats.Done(); w.heartbeat(bctx) }()
	return w, nil
}

// Stop stops taking jobs and lets the running ones finish; when ctx ends
// first, their contexts are cancelled and each hands its job back (Do).
// The worker leaves the registry.
func (w *Worker) Stop(ctx context.Context) error {
	err := w.rc.Stop(ctx)
	if err != nil {
		hard, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = w.rc.StopAndCancel(hard)
		cancel()
	}
	w.cancel()
	w.beats.Wait()
	rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w.c.store.RemoveWorker(rctx, w.ID, time.Now().Add(-24*time.Hour))
	return err
}

// heartbeat runs every Beat until the worker stops.
func (w *Worker) heartbeat(ctx context.Context) {
	t := time.NewTicker(Beat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.info.LastSeen = time.Now().UTC()
		_ = w.c.store.BeatWorker(ctx, w.info)
		_ = w.c.beatJobs(ctx)
		_, _ = w.c.rescue(ctx)
	}
}

// LiveWorkers are the workers seen within Stale that work queue (all
// when queue is empty).
func (c *Client) LiveWorkers(ctx context.Context, queue string) ([]store.Worker, error) {
	ws, err := c.store.Workers(ctx, time.Now().Add(-Stale))
	if err != nil || queue == "" {
		return ws, err
	}
	var out []store.Worker
	for _, w := range ws {
		for _, q := range w.Queues {
			if q == queue {
				out = append(out, w)
				break
			}
		}
	}
	return out, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

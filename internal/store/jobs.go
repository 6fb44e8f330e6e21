package store

import (
	"context"
	"strings"
	"time"
)

// JobProgress is how far a job has got: the step it is in (label), done of
// total units of it, and the last line it said.
type JobProgress struct {
	JobID   int64     `json:"-"`
	Label   string    `json:"label"`
	Done    int64     `json:"done"`
	Total   int64     `json:"total"`
	Line    string    `json:"line"`
	Updated time.Time `json:"updated"`
}

// PutJobProgress stores a job's progress. An empty Line keeps the one
// stored, so a progress update does not wipe the last step's line.
func (s *Store) PutJobProgress(ctx context.Context, p JobProgress) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO job_progress (job_id, label, done, total, line, updated_ns) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (job_id) DO UPDATE SET label = excluded.label, done = excluded.done, total = excluded.total,
		line = CASE WHEN excluded.line = '' THEN job_progress.line ELSE excluded.line END, updated_ns = excluded.updated_ns`,
		p.JobID, p.Label, p.Done, p.Total, p.Line, p.Updated.UnixNano())
	return err
}

// JobProgress returns the progress of the given jobs that have any.
func (s *Store) JobProgress(ctx context.Context, ids ...int64) (map[int64]JobProgress, error) {
	out := map[int64]JobProgress{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	ps, err := queryAll(ctx, s.db, func(r interface{ Scan(...any) error }) (JobProgress, error) {
		var p JobProgress
		var ns int64
		err := r.Scan(&p.JobID, &p.Label, &p.Done, &p.Total, &p.Line, &ns)
		p.Updated = time.Unix(0, ns).UTC()
		return p, err
	}, `SELECT job_id, label, done, total, line, updated_ns FROM job_progress WHERE job_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	for _, p := range ps {
		out[p.JobID] = p
	}
	return out, err
}

// Worker is a running `klipp worker` (or a waiting command working its own
// job): who it is and when it last said it was alive.
type Worker struct {
	ID       string    `json:"id"`
	Host     string    `json:"host"`
	PID      int       `json:"pid"`
	Queues   []string  `json:"queues"`
	Started  time.Time `json:"started"`
	LastSeen time.Time `json:"last_seen"`
}

// BeatWorker records that a worker is alive (inserting it the first time).
func (s *Store) BeatWorker(ctx context.Context, w Worker) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO workers (id, host, pid, queues, started_ns, last_seen_ns) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET last_seen_ns = excluded.last_seen_ns, queues = excluded.queues`,
		w.ID, w.Host, w.PID, strings.Join(w.Queues, ","), w.Started.UnixNano(), w.LastSeen.UnixNano())
	return err
}

// RemoveWorker forgets a worker that stopped cleanly, and any worker not
// seen since before (long dead ones).
func (s *Store) RemoveWorker(ctx context.Context, id string, before time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM workers WHERE id = ? OR last_seen_ns < ?`, id, before.UnixNano())
	return err
}

// Workers lists the workers seen since the given time, oldest first.
func (s *Store) Workers(ctx context.Context, since time.Time) ([]Worker, error) {
	return queryAll(ctx, s.db, func(r interface{ Scan(...any) error }) (Worker, error) {
		var w Worker
		var queues string
		var started, seen int64
		err := r.Scan(&w.ID, &w.Host, &w.PID, &queues, &started, &seen)
		if queues != "" {
			w.Queues = strings.Split(queues, ",")
		}
		w.Started, w.LastSeen = time.Unix(0, started).UTC(), time.Unix(0, seen).UTC()
		return w, err
	}, `SELECT id, host, pid, queues, started_ns, last_seen_ns FROM workers WHERE last_seen_ns >= ? ORDER BY started_ns, id`, since.UnixNano())
}

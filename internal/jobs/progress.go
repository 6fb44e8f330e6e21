package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/klipp-forensics/klipp/internal/store"
)

// progressEvery is how often a running job's progress is written: often
// enough for a bar, rarely enough not to load the store.
const progressEvery = 250 * time.Millisecond

// warnPrefix marks a warning among a job's lines.
const warnPrefix = "warning: "

// progress stores a job's events as its row in job_progress: the current
// label with done of total, and the last line said. Progress updates are
// written at most every progressEvery; lines at once.
type progress struct {
	c  *Client
	id int64

	mu      sync.Mutex
	p       store.JobProgress
	written time.Time
	dirty   bool
}

var _ Events = (*progress)(nil)

func (e *progress) Progress(label string, done, total int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	changed := label != e.p.Label
	e.p.Label, e.p.Done, e.p.Total, e.dirty = label, done, total, true
	if changed || done == total || time.Since(e.written) >= progressEvery {
		e.write("")
	}
}

func (e *progress) Step(msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.write(msg)
}

func (e *progress) Warn(msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.write(warnPrefix + msg)
}

// flush writes a progress update held back by the rate limit.
func (e *progress) flush() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dirty {
		e.write("")
	}
}

// write stores the progress (and line, when not empty). A failed write is
// not the job's failure: progress is for show.
func (e *progress) write(line string) {
	p := e.p
	p.JobID, p.Line, p.Updated = e.id, line, time.Now().UTC()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.c.store.PutJobProgress(ctx, p); err == nil {
		e.written, e.dirty = time.Now(), false
	}
}

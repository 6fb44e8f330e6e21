package jobs

import (
	"context"
	"strings"
	"time"
)

// pollEvery is how often a waiting command looks at its job.
const pollEvery = 150 * time.Millisecond

// Wait waits until job id has finished, relaying its stored progress and
// lines to ev (nil: none). When no live worker works the job's queue, the
// waiting process works it itself: it starts a worker of its own on that
// queue (registered like any other, so others see it) and stops it when
// the job is done. It returns the finished job; Job.Result has its result.
// When ctx ends first, the job stays queued (or, when this process was
// working it, is handed back to the next worker).
func (c *Client) Wait(ctx context.Context, id int64, ev Events) (Job, error) {
	var self *Worker
	defer func() {
		if self != nil {
			stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			self.Stop(stop)
			cancel()
		}
	}()
	var shown struct {
		label string
		done  int64
		line  string
	}
	var lastCheck time.Time
	for {
		j, err := c.Get(ctx, id)
		if err != nil {
			return j, err
		}
		if p := j.Progress; p != nil && ev != nil {
			if p.Line != "" && p.Line != shown.line {
				if w, ok := strings.CutPrefix(p.Line, warnPrefix); ok {
					ev.Warn(w)
				} else {
					ev.Step(p.Line)
				}
				shown.line = p.Line
			}
			if p.Label != "" && (p.Label != shown.label || p.Done != shown.done) {
				ev.Progress(p.Label, p.Done, p.Total)
				shown.label, shown.done = p.Label, p.Done
			}
		}
		if j.Done() {
			return j, nil
		}
		if self == nil && time.Since(lastCheck) >= time.Second {
			lastCheck = time.Now()
			live, err := c.LiveWorkers(ctx, j.Queue)
			if err != nil {
				return j, err
			}
			if len(live) == 0 {
				if self, err = c.Work(ctx, WorkConfig{Queues: []string{j.Queue}}); err != nil {
					return j, err
				}
			}
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

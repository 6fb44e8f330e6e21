package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Job is a job as `klipp jobs` shows it.
type Job struct {
	ID       int64              `json:"id"`
	Kind     string             `json:"kind"`
	Queue    string             `json:"queue"`
	Case     string             `json:"case,omitempty"`
	State    string             `json:"state"`
	Who      string             `json:"who"`
	Worker   string             `json:"worker,omitempty"` // the worker of its latest attempt
	Attempt  int                `json:"attempt"`
	Created  time.Time          `json:"created"`
	Started  *time.Time         `json:"started,omitempty"`
	Finished *time.Time         `json:"finished,omitempty"`
	Progress *store.JobProgress `json:"progress,omitempty"`
	Error    string             `json:"error,omitempty"`

	output []byte
}

// Finished states.
func (j Job) Done() bool {
	return j.State == string(rivertype.JobStateCompleted) || j.State == string(rivertype.JobStateCancelled) ||
		j.State == string(rivertype.JobStateDiscarded)
}

// ListRequest selects jobs: of one case, and only unfinished ones unless
// All.
type ListRequest struct {
	Case string
	All  bool
}

// List lists jobs, newest first (at most 200).
func (c *Client) List(ctx context.Context, req ListRequest) ([]Job, error) {
	p := river.NewJobListParams().Kinds(Kinds...).OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(200)
	if !req.All {
		p = p.States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable,
			rivertype.JobStateScheduled, rivertype.JobStatePending)
	}
	if req.Case != "" {
		meta, _ := json.Marshal(map[string]string{"case": req.Case})
		p = p.Metadata(string(meta))
	}
	res, err := c.river.JobList(ctx, p)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, fmt.Errorf("jobs: %w", err))
	}
	ids := make([]int64, len(res.Jobs))
	for i, r := range res.Jobs {
		ids[i] = r.ID
	}
	prog, err := c.store.JobProgress(ctx, ids...)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	out := make([]Job, len(res.Jobs))
	for i, r := range res.Jobs {
		out[i] = view(r, prog)
	}
	return out, nil
}

// Get returns one job.
func (c *Client) Get(ctx context.Context, id int64) (Job, error) {
	row, err := c.river.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return Job{}, fault.NotFoundf("job %d: no such job", id)
	}
	if err != nil {
		return Job{}, fault.Wrap(fault.Storage, err)
	}
	return c.view(ctx, row)
}

func (c *Client) view(ctx context.Context, row *rivertype.JobRow) (Job, error) {
	prog, err := c.store.JobProgress(ctx, row.ID)
	if err != nil {
		return Job{}, fault.Wrap(fault.Storage, err)
	}
	return view(row, prog), nil
}

func view(r *rivertype.JobRow, prog map[int64]store.JobProgress) Job {
	var meta struct{ Who, Case string }
	_ = json.Unmarshal(r.Metadata, &meta)
	j := Job{ID: r.ID, Kind: strings.TrimPrefix(r.Kind, "klipp_"), Queue: r.Queue, Case: meta.Case, State: string(r.State), Who: meta.Who,
		Attempt: r.Attempt, Created: r.CreatedAt.UTC(), Started: r.AttemptedAt, Finished: r.FinalizedAt, output: r.Output()}
	if n := len(r.AttemptedBy); n > 0 {
		j.Worker = r.AttemptedBy[n-1]
	}
	if p, ok := prog[r.ID]; ok {
		j.Progress = &p
	}
	var res result
	if json.Unmarshal(j.output, &res) == nil && res.Error != "" {
		j.Error = res.Error
	} else if n := len(r.Errors); n > 0 && j.State != string(rivertype.JobStateCompleted) {
		j.Error = r.Errors[n-1].Error
	}
	return j
}

// Result is a finished job's result: nil and its output when it
// completed, its error (with the kind it failed with) otherwise.
func (j Job) Result() (json.RawMessage, error) {
	var res result
	_ = json.Unmarshal(j.output, &res)
	switch {
	case j.State == string(rivertype.JobStateCompleted):
		return res.Result, nil
	case res.Error != "":
		kind := res.Kind
		if kind == 0 {
			kind = fault.Internal
		}
		if j.Worker != "" {
			// Say where it failed: a worker's own settings (its archive
			// credentials, its mounts) are not the waiting person's.
			return nil, fault.Wrap(kind, fmt.Errorf("job %d failed on worker %s: %s", j.ID, j.Worker, res.Error))
		}
		return nil, fault.Wrap(kind, errors.New(res.Error))
	case j.State == string(rivertype.JobStateCancelled):
		return nil, fault.Usagef("job %d was cancelled", j.ID)
	case j.Error != "":
		return nil, fault.Wrap(fault.Internal, fmt.Errorf("job %d: %s", j.ID, j.Error))
	}
	return nil, fault.Wrap(fault.Internal, fmt.Errorf("job %d ended %s", j.ID, j.State))
}

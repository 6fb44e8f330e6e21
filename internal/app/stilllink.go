package app

import (
	"context"
	"fmt"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// ExportRunning is the refusal of an export of a case another export of
// it is running (exit 2): Holder says who, where and since when.
type ExportRunning struct{ Case, Holder string }

func (e *ExportRunning) Error() string {
	return fmt.Sprintf("case %s is being exported by another process: %s; wait for it to finish, or run with --wait", e.Case, e.Holder)
}

// StillNear is how far from an entry's time, outside its clip range, a
// still on its camera is still taken as the entry's.
const StillNear = 30 * time.Second

// LinkStillRequest links a still taken at At on Camera to the case's
// entry on that camera whose clip range holds At (or whose time is
// within StillNear of it), the nearest one.
type LinkStillRequest struct {
	Case   string
	Camera string
	At     time.Time
}

// LinkStill adds the still to the nearest such entry's stills (keeping
// the automatic one at the entry's time), so that it goes into the
// bundle; it returns the entry, or a zero Entry when none is near.
func (s *Service) LinkStill(ctx context.Context, req LinkStillRequest) (Entry, error) {
	if req.Case == "" {
		return Entry{}, fault.Fieldf("case", "required")
	}
	entries, err := s.Entries(ctx, req.Case)
	if err != nil {
		return Entry{}, err
	}
	var best *Entry
	dist := func(e Entry) time.Duration { return max(e.At.Sub(req.At), req.At.Sub(e.At)) }
	for i, e := range entries {
		inClip := !req.At.Before(e.From) && !req.At.After(e.To)
		if e.Camera != req.Camera || !inClip && dist(e) > StillNear {
			continue
		}
		if best == nil || dist(e) < dist(*best) {
			best = &entries[i]
		}
	}
	if best == nil {
		return Entry{}, nil
	}
	stills := append([]time.Time{}, best.Stills...)
	if len(stills) == 0 {
		stills = append(stills, best.At) // the automatic still stays
	}
	for _, t := range stills {
		if t.Equal(req.At) {
			return *best, nil
		}
	}
	stills = append(stills, req.At.UTC())
	e, err := s.EditEntry(ctx, EditEntryRequest{Case: req.Case, ID: best.ID, Stills: &stills, Version: best.Version}, nil)
	if err != nil {
		return Entry{}, err
	}
	e.Number = best.Number
	return e, nil
}

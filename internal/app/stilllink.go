package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
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
	for _, t := range best.Stills {
		if t.Equal(req.At) {
			return *best, nil
		}
	}
	stills := withStills(best.At, best.Stills, []time.Time{req.At})
	e, err := s.EditEntry(ctx, EditEntryRequest{Case: req.Case, ID: best.ID, Stills: &stills, Version: best.Version}, nil)
	if err != nil {
		return Entry{}, err
	}
	e.Number = best.Number
	return e, nil
}

// withStills is an entry's stills with taken added, in time order, each
// once: an entry without stills of its own had the automatic one at its
// time (at), which stays.
func withStills(at time.Time, stills, taken []time.Time) []time.Time {
	out := append([]time.Time{}, stills...)
	if len(out) == 0 {
		out = append(out, at.UTC())
	}
	for _, t := range taken {
		if !slices.ContainsFunc(out, t.Equal) {
			out = append(out, t.UTC())
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// StillsDir is where the stills taken for a case (the terminal UI's s)
// are written: <data_dir>/stills/<case>.
func (s *Service) StillsDir(number string) string {
	return filepath.Join(s.cfg.DataDir, "stills", number)
}

// takenStills are the times of the stills taken for the case on camera
// that are still in its stills directory, from the audit log: an entry
// added later near them takes them as its own.
func (s *Service) takenStills(ctx context.Context, number, camera string) ([]time.Time, error) {
	dir := s.StillsDir(number) + string(filepath.Separator)
	var out []time.Time
	err := s.auditOf(ctx, number, "still", func(e audit.Entry) error {
		file := e.Detail["file"]
		if e.Camera != camera || !strings.HasPrefix(file, dir) {
			return nil
		}
		if _, err := os.Stat(file); err != nil {
			return nil // removed since
		}
		if at, err := time.Parse(time.RFC3339Nano, e.Detail["at"]); err == nil {
			out = append(out, at)
		}
		return nil
	})
	return out, err
}

// auditOf calls fn for each audit entry of action, of a case or all.
func (s *Service) auditOf(ctx context.Context, number, action string, fn func(audit.Entry) error) error {
	mark := `"action":"` + action + `"` // most lines are skipped unread
	return s.store.AuditRows(ctx, number, func(r store.AuditRow) error {
		if !strings.Contains(r.Line, mark) {
			return nil
		}
		var e audit.Entry
		if err := json.Unmarshal([]byte(r.Line), &e); err != nil {
			return fmt.Errorf("audit entry %d: %w", r.Seq, err)
		}
		if e.Action != action {
			return nil
		}
		return fn(e)
	})
}

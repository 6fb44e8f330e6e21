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
	"github.com/klipp-forensics/klipp/internal/casefile"
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
// still on its camera is taken as meant for it: it is not linked (an
// entry's stills lie in its clip), but named so the clip can be widened.
const StillNear = 30 * time.Second

// LinkStillRequest links a still taken at At on Camera to the case's
// entry on that camera whose clip range holds At, the nearest one.
type LinkStillRequest struct {
	Case   string
	Camera string
	At     time.Time
}

// StillLink is where a still of a case went.
type StillLink struct {
	Entry Entry // the entry it joined; zero when none holds it
	// Outside is, when no entry's clip holds the still, the nearest
	// entry on its camera within StillNear of it: its clip would have
	// to be widened to take it.
	Outside *Entry
}

// LinkStill adds the still to the nearest entry whose clip holds it
// (keeping the automatic one at the entry's time), so that it goes into
// the bundle.
func (s *Service) LinkStill(ctx context.Context, req LinkStillRequest) (StillLink, error) {
	if req.Case == "" {
		return StillLink{}, fault.Fieldf("case", "required")
	}
	entries, err := s.Entries(ctx, req.Case)
	if err != nil {
		return StillLink{}, err
	}
	var best, near *Entry
	dist := func(e Entry) time.Duration { return max(e.At.Sub(req.At), req.At.Sub(e.At)) }
	for i, e := range entries {
		if e.Camera != req.Camera {
			continue
		}
		holds := casefile.InClip(e.From, e.To, req.At)
		switch {
		case holds && (best == nil || dist(e) < dist(*best)):
			best = &entries[i]
		case !holds && dist(e) <= StillNear && (near == nil || dist(e) < dist(*near)):
			near = &entries[i]
		}
	}
	if best == nil {
		return StillLink{Outside: near}, nil
	}
	for _, t := range best.Stills {
		if t.Equal(req.At) {
			return StillLink{Entry: *best}, nil
		}
	}
	stills := withStills(best.At, best.Stills, []time.Time{req.At})
	e, err := s.EditEntry(ctx, EditEntryRequest{Case: req.Case, ID: best.ID, Stills: &stills, Version: best.Version}, nil)
	if err != nil {
		return StillLink{}, err
	}
	e.Number = best.Number
	return StillLink{Entry: e}, nil
}

// CaseStillRequest is a still for a case (the terminal UI's s): the frame
// on screen at At on Camera.
type CaseStillRequest struct {
	Case   string
	Camera string
	At     time.Time
}

// CaseStillResult is the still written and where it went.
type CaseStillResult struct {
	Path   string
	Record StillRecord
	StillLink
}

// CaseStill writes the frame on screen at req.At into the case's stills
// folder, <data_dir>/stills/<case>/<camera>-<YYYYMMDD-HHMMSS.mmm>.png (the
// time in the display zone), and links it to the entry on its camera
// whose clip holds it. An archived case is refused before anything is
// written.
func (s *Service) CaseStill(ctx context.Context, req CaseStillRequest) (CaseStillResult, error) {
	if err := s.Need(ctx, "still", "", RoleAnalyst); err != nil {
		return CaseStillResult{}, err
	}
	if req.Case == "" {
		return CaseStillResult{}, fault.Fieldf("case", "required")
	}
	if _, err := s.Camera(req.Camera); err != nil {
		return CaseStillResult{}, err
	}
	if _, err := casefile.Editable(ctx, s.store, req.Case); err != nil {
		return CaseStillResult{}, err
	}
	dir := s.StillsDir(req.Case)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return CaseStillResult{}, fmt.Errorf("stills of case %s: %w", req.Case, err)
	}
	out := filepath.Join(dir, req.Camera+"-"+req.At.In(s.cfg.Timezone).Format("20060102-150405.000")+".png")
	res, err := s.Still(ctx, StillRequest{Camera: req.Camera, Times: []time.Time{req.At}, Out: out, Force: true, Case: req.Case}, nil)
	if err != nil {
		return CaseStillResult{}, err
	}
	link, err := s.LinkStill(ctx, LinkStillRequest{Case: req.Case, Camera: req.Camera, At: req.At})
	if err != nil {
		return CaseStillResult{}, err
	}
	return CaseStillResult{Path: out, Record: res.Records[0], StillLink: link}, nil
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

// unlinkedStills are the stills taken for the case on camera (still in
// its stills folder), and of those the ones no entry but entry except has.
func (s *Service) unlinkedStills(ctx context.Context, number, camera string, except int64) (taken, unlinked []time.Time, err error) {
	taken, err = s.takenStills(ctx, number, camera)
	if err != nil || len(taken) == 0 {
		return nil, nil, err
	}
	entries, err := s.Entries(ctx, number)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range taken {
		held := false
		for _, e := range entries {
			held = held || e.ID != except && e.Camera == camera && slices.ContainsFunc(e.Stills, t.Equal)
		}
		if !held {
			unlinked = append(unlinked, t)
		}
	}
	return taken, unlinked, nil
}

// inClip are the times of ts in the clip from–to.
func inClip(from, to time.Time, ts []time.Time) []time.Time {
	var out []time.Time
	for _, t := range ts {
		if casefile.InClip(from, to, t) {
			out = append(out, t)
		}
	}
	return out
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

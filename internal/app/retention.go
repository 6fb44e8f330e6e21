package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/retention"
	"github.com/klipp-forensics/klipp/internal/store"
)

// The defaults every front end gives a retention request: footage deleted
// within two weeks is at risk, and cameras within 300 m of a case's place
// belong to its request window.
const (
	DefaultRetentionWithin = 14 * 24 * time.Hour
	DefaultRequestRadius   = 300.0 // metres
)

// RetentionRequest asks which requested footage the sources will delete.
type RetentionRequest struct {
	// Within: windows whose footage expires within this are at risk.
	Within time.Duration
	// Now assesses as of this time; the service's clock when zero.
	Now time.Time
	// Case: only this case; every open case when empty.
	Case string
	// Radius: cameras within this many metres of a case's place belong to
	// its request window.
	Radius float64
	// All lists every window, not only those at risk or expired; with
	// Preserve it preserves the safe-for-now ones too.
	All bool
}

// RetentionResult is the windows, soonest expiry first, and the bundles a
// preservation archived.
type RetentionResult struct {
	Now       time.Time          `json:"now"`
	Preserved []PushResult       `json:"preserved"`
	Windows   []retention.Window `json:"windows"`
}

// PreserveRequest asks for the at-risk windows (with All, also the safe
// ones) to be preserved: their unpreserved native segments copied
// bit-exactly into a preservation bundle per case, which is archived.
type PreserveRequest = RetentionRequest

// Retention lists requested footage the sources will delete.
func (s *Service) Retention(ctx context.Context, req RetentionRequest) (RetentionResult, error) {
	if err := s.Need(ctx, "retention", "", RoleArchivist, RoleAnalyst); err != nil {
		return RetentionResult{}, err
	}
	s = s.at(req.Now)
	windows, err := s.assess(ctx, req)
	if err != nil {
		return RetentionResult{}, err
	}
	return RetentionResult{Now: s.now().UTC(), Windows: shown(windows, req.All)}, nil
}

// Preserve preserves what is at risk, then assesses again: the result's
// windows are as they stand after the preservation.
func (s *Service) Preserve(ctx context.Context, req PreserveRequest, ev Events) (RetentionResult, error) {
	if err := s.Need(ctx, "retention --preserve", "", RoleArchivist); err != nil {
		return RetentionResult{}, err
	}
	ev = events(ev)
	s = s.at(req.Now)
	windows, err := s.assess(ctx, req)
	if err != nil {
		return RetentionResult{}, err
	}
	byCase := map[string][]retention.Window{}
	var order []string
	for _, w := range windows {
		if !w.State.Preservable(req.All) {
			continue
		}
		if byCase[w.Case] == nil {
			order = append(order, w.Case)
		}
		byCase[w.Case] = append(byCase[w.Case], w)
	}
	res := RetentionResult{Now: s.now().UTC()}
	for _, number := range order {
		v, err := s.preserveCase(ctx, number, byCase[number], ev)
		if err != nil {
			return res, err
		}
		res.Preserved = append(res.Preserved, v)
	}
	if windows, err = s.assess(ctx, req); err != nil {
		return res, err
	}
	res.Windows = shown(windows, req.All)
	return res, nil
}

// at is the service with its clock stopped at t (itself when t is zero).
func (s *Service) at(t time.Time) *Service {
	if t.IsZero() {
		return s
	}
	v := s.view()
	v.now = func() time.Time { return t }
	return v
}

// shown are the windows listed: all, or those at risk or expired.
func shown(windows []retention.Window, all bool) []retention.Window {
	out := []retention.Window{}
	for _, w := range windows {
		if all || w.State.NeedsAttention() {
			out = append(out, w)
		}
	}
	return out
}

func (s *Service) assess(ctx context.Context, req RetentionRequest) ([]retention.Window, error) {
	cat, err := s.Catalog()
	if err != nil {
		return nil, err
	}
	var cases []store.Case
	if req.Case != "" {
		c, err := casefile.Get(ctx, s.store, req.Case)
		if err != nil {
			return nil, err
		}
		cases = []store.Case{c}
	} else if cases, err = s.store.ListCases(ctx, ""); err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	var in []retention.Case
	for _, c := range cases {
		entries, err := s.store.Entries(ctx, c.Number)
		if err != nil {
			return nil, fault.Wrap(fault.Storage, err)
		}
		in = append(in, retention.Case{Case: c, Entries: entries})
	}
	preserved, err := s.store.PreservedPaths(ctx)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	return retention.Assess(ctx, s.store, cat, in, preserved, retention.Options{Now: s.now(), Within: req.Within, Radius: req.Radius})
}

// preserveCase writes a preservation bundle of a case's unpreserved source
// segments (bit-exact, checked against their hashes) with the windows they
// answer, records it, and archives it.
func (s *Service) preserveCase(ctx context.Context, number string, windows []retention.Window, ev Events) (PushResult, error) {
	outDir := s.cfg.Roots["exports"]
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return PushResult{}, fault.Wrap(fault.Storage, err)
	}
	if err := export.ClaimDir(outDir); err != nil {
		return PushResult{}, fault.Wrap(fault.Storage, err)
	}
	id := s.now().UTC().Format("20060102T150405Z") + "-preserve"
	final := filepath.Join(outDir, number, id)
	work := filepath.Join(outDir, number, bundle.WorkDir(id))
	software := "klipp " + s.version + ", FFmpeg " + media.Version()
	job := export.NewWork(work, id, software)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return PushResult{}, fault.Wrap(fault.Storage, err)
	}
	defer os.RemoveAll(work) // a no-op once renamed
	ev.Step(fmt.Sprintf("retention: preserving %d windows of case %s", len(windows), number))
	for _, w := range windows {
		cam, err := s.Camera(w.Camera)
		if err != nil {
			return PushResult{}, err
		}
		for _, sg := range w.Unpreserved {
			seg := sg.Source()
			sum, err := footage.SourceHash(ctx, s.store, &seg)
			if err != nil {
				return PushResult{}, err
			}
			f, err := job.CopyNative(cam.ID, cam.Recordings.Path, seg.Path, sum, map[string]string{"copy": "bit-exact", "source_expires": sg.Expires.Format(time.RFC3339)})
			if err != nil {
				return PushResult{}, err
			}
			job.Add(f)
		}
	}
	data, err := json.MarshalIndent(map[string]any{"case": number, "reason": "source footage at risk of deletion", "windows": windows}, "", "  ")
	if err != nil {
		return PushResult{}, err
	}
	data = append(data, '\n')
	if err := atomicfile.Write(job.Path(bundle.PreservationName), data); err != nil {
		return PushResult{}, fault.Wrap(fault.Storage, err)
	}
	job.Add(bundle.File{Path: bundle.PreservationName, Size: int64(len(data)), SHA256: digest.Bytes(data), Tool: software})
	m := bundle.Manifest{Case: number, ExportID: id, Created: s.now().UTC(), Software: software}
	for _, f := range job.Files {
		m.Files = append(m.Files, f)
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	signer, err := s.signer()
	if err != nil {
		return PushResult{}, err
	}
	if err := bundle.FinishSigned(work, m, signer); err != nil {
		return PushResult{}, fault.Wrap(fault.Storage, err)
	}
	// The viewer page checks the natives in a browser too.
	var page *export.CaseFile
	if cs, err := casefile.Get(ctx, s.store, number); err == nil {
		c := export.NewCaseFile(cs, s.cfg.Analyst, s.cfg.Report.Language, s.cfg.Timezone)
		page = &c
	}
	if err := export.WriteViewer(work, page, s.cfg.Timezone); err != nil {
		return PushResult{}, err
	}
	// The record exists before the bundle's final name does.
	if _, err := s.record(ctx, audit.Entry{Action: "retention.preserve", Case: number, Detail: map[string]string{"dir": final, "segments": strconv.Itoa(len(m.Files) - 1),
		"windows": strconv.Itoa(len(windows))}}); err != nil {
		return PushResult{}, err
	}
	if err := os.Rename(work, final); err != nil {
		return PushResult{}, fault.Wrap(fault.Storage, err)
	}
	return s.push(ctx, final, PushRequest{Jobs: 4}, ev)
}

package app

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// ViewerRequest writes a bundle's index.html again.
type ViewerRequest struct {
	Dir string
}

// ViewerResult is the page written.
type ViewerResult struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Files  int    `json:"files"` // the files the page checks
	Signed bool   `json:"signed"`
}

// Viewer writes the bundle's offline viewer page, index.html, from the
// bundle's own files (a bundle made before case.json existed takes its
// case from the store when the caller may read it). The bundle must verify
// first: the page must not vouch for files that already differ from
// SHA256SUMS. The page is not part of SHA256SUMS, so writing it again
// leaves the bundle's hashes and signature as they were.
func (s *Service) Viewer(ctx context.Context, req ViewerRequest) (ViewerResult, error) {
	if err := s.Need(ctx, "viewer", "", staff...); err != nil {
		return ViewerResult{}, err
	}
	r, err := bundle.Verify(req.Dir)
	if err != nil {
		return ViewerResult{}, fault.NotFoundf("%v", err)
	}
	if !r.OK() {
		var problems []string
		for _, p := range []struct {
			what  string
			files []string
		}{{"changed", r.Changed}, {"missing", r.Missing}, {"not listed", r.Extra}, {"bad SHA256SUMS lines", r.Invalid}} {
			if len(p.files) > 0 {
				problems = append(problems, p.what+": "+strconv.Quote(strings.Join(p.files, ", ")))
			}
		}
		if !r.Signature.OK() {
			problems = append(problems, "signature: "+r.Signature.Problem)
		}
		return ViewerResult{}, fault.Storagef("bundle %s fails verification (%s); the viewer is not written", req.Dir, strings.Join(problems, "; "))
	}
	var fallback *export.CaseFile
	if m, _, err := archive.ReadBundle(req.Dir); err == nil {
		// Staff see every case.
		if cs, err := casefile.Get(ctx, s.store, m.Case); err == nil {
			c := export.NewCaseFile(cs, s.cfg.Analyst, s.cfg.Report.Language, s.cfg.Timezone)
			fallback = &c
		}
	}
	if err := export.WriteViewer(req.Dir, fallback, s.cfg.Timezone); err != nil {
		return ViewerResult{}, err
	}
	p := filepath.Join(req.Dir, bundle.IndexName)
	_, sum, err := digest.File(p)
	if err != nil {
		return ViewerResult{}, fault.Wrap(fault.Storage, err)
	}
	res := ViewerResult{Path: p, SHA256: sum, Files: r.Checked, Signed: r.Signature.Signed}
	if _, err := s.record(ctx, audit.Entry{Action: "viewer", Hashes: map[string]string{p: sum},
		Detail: map[string]string{"dir": req.Dir, "files": strconv.Itoa(r.Checked)}}); err != nil {
		return ViewerResult{}, err
	}
	return res, nil
}

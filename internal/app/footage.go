package app

import (
	"context"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
)

// CoverageRequest asks what a camera recorded between two true instants.
type CoverageRequest struct {
	Camera   string
	From, To time.Time
}

// Coverage is a camera's segments, gaps, damaged and ambiguous files and
// source expiry in a range.
func (s *Service) Coverage(ctx context.Context, req CoverageRequest) (*footage.Coverage, error) {
	if req.Camera == "" {
		return nil, fault.Fieldf("camera", "required")
	}
	cam, err := s.Camera(req.Camera)
	if err != nil {
		return nil, err
	}
	cov, err := footage.CoverageOf(ctx, s.store, cam, req.From, req.To, s.now())
	if err != nil {
		return nil, err
	}
	// Each segment's start carries the clock model's ± (none for an
	// unverified clock).
	for _, parts := range [][]footage.Part{cov.Segments, cov.Damaged, cov.Ambiguous} {
		for i := range parts {
			parts[i].Bound = s.bound(cam, parts[i].TrueStart, parts[i].Source.FPS)
			parts[i].Uncertainty = boundSeconds(parts[i].Bound)
		}
	}
	return cov, nil
}

// IndexRequest indexes one camera, or every camera with a recordings path
// when Camera is empty.
type IndexRequest struct {
	Camera string
	// Activity: then scan the new footage for activity (IndexActivity;
	// the index job does both, in order).
	Activity bool `json:",omitempty"`
}

// Index brings the index up to date (incrementally: unchanged files are not
// read again), reporting progress per camera as "index <id>".
func (s *Service) Index(ctx context.Context, req IndexRequest, ev Events) ([]*footage.Report, error) {
	ev = events(ev)
	cat, err := s.Catalog()
	if err != nil {
		return nil, err
	}
	var cams []*catalog.Camera
	if req.Camera != "" {
		cam, err := cat.Camera(req.Camera)
		if err != nil {
			return nil, err
		}
		cams = append(cams, cam)
	} else {
		for _, cam := range cat.Cameras {
			if cam.Recordings.Path != "" {
				cams = append(cams, cam)
			}
		}
	}
	if len(cams) == 0 {
		return nil, fault.NotFoundf("no camera in %s has a recordings path", cat.File)
	}
	reports := []*footage.Report{}
	for _, cam := range cams {
		label := "index " + cam.ID
		rep, err := footage.Index(ctx, s.store, cam, func(done, total int) { ev.Progress(label, int64(done), int64(total)) })
		if err != nil {
			return nil, err
		}
		reports = append(reports, rep)
	}
	return reports, nil
}

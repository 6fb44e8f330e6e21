package app

import (
	"context"
	"time"

	"github.com/klipp-forensics/klipp/internal/activity"
	"github.com/klipp-forensics/klipp/internal/footage"
)

// StoredActivity is what the store already knows of a camera's activity in
// a range: the periods found in the scanned footage, and the footage not
// scanned yet (there, no activity is known either way).
type StoredActivity struct {
	Periods   []activity.Period
	Unscanned []footage.Part
}

// StoredActivity reads the stored activity scans of a camera's range
// without scanning anything: cheap enough to draw a screen from. A range
// without footage has no periods. Activity (or ScanActivity) scans.
func (s *Service) StoredActivity(ctx context.Context, camera string, from, to time.Time) (StoredActivity, error) {
	if err := s.Need(ctx, "activity", "", RoleAnalyst, RoleArchivist); err != nil {
		return StoredActivity{}, err
	}
	cam, err := s.Camera(camera)
	if err != nil {
		return StoredActivity{}, err
	}
	cov, err := footage.CoverageOf(ctx, s.store, cam, from, to, s.now())
	if err != nil {
		return StoredActivity{}, err
	}
	var out StoredActivity
	if len(cov.Segments) == 0 {
		return out, nil
	}
	placed, unscanned, err := s.storedScans(ctx, cam, cov)
	if err != nil {
		return out, err
	}
	out.Unscanned = unscanned
	out.Periods = activity.Periods(placed, cov.From, cov.To, activity.Query{Sensitivity: activity.DefaultSensitivity})
	return out, nil
}

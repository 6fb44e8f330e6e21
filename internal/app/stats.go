package app

import (
	"context"
	"time"

	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// StatsRequest counts the requests received in [From, To); a zero side is
// open.
type StatsRequest struct {
	From, To time.Time
}

// Stats is requests per week and per crime type with turnaround times,
// weeks counted in the display zone.
func (s *Service) Stats(ctx context.Context, req StatsRequest) (casefile.Stats, error) {
	if !req.From.IsZero() && !req.To.IsZero() && !req.To.After(req.From) {
		return casefile.Stats{}, fault.Fieldf("to", "must be after the start (%s)", req.From.Format(time.RFC3339))
	}
	cases, err := s.store.ListCases(ctx, "")
	if err != nil {
		return casefile.Stats{}, fault.Wrap(fault.Storage, err)
	}
	return casefile.Summarise(cases, req.From, req.To, s.now(), s.cfg.Timezone), nil
}

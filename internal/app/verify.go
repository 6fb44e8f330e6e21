package app

import (
	"context"
	"strconv"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// VerifyBundle recomputes every hash of the bundle in a local directory
// and audits the check. A bundle that fails is a report, not an error:
// the report names what is missing, changed or not listed.
func (s *Service) VerifyBundle(ctx context.Context, dir string) (*bundle.Report, error) {
	if err := s.Need(ctx, "verify", "", Roles...); err != nil {
		return nil, err
	}
	r, err := bundle.Verify(dir)
	if err != nil {
		return nil, fault.NotFoundf("%v", err)
	}
	if _, err := s.record(ctx, audit.Entry{Action: "verify", Detail: map[string]string{"dir": r.Dir, "ok": strconv.FormatBool(r.OK()),
		"checked": strconv.Itoa(r.Checked)}}); err != nil {
		return nil, err
	}
	return r, nil
}

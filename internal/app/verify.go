package app

import (
	"context"
	"strconv"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// VerifyRequest checks a bundle in a local directory.
type VerifyRequest struct {
	Dir string
	// AllowedSigners, when set, is an allowed_signers file (as ssh-keygen
	// -Y verify reads it): the signature must then be by a key it lists
	// under the identity the manifest names.
	AllowedSigners string
}

// VerifyBundle recomputes every hash of the bundle in a local directory
// and audits the check. A bundle that fails is a report, not an error:
// the report names what is missing, changed or not listed.
func (s *Service) VerifyBundle(ctx context.Context, dir string) (*bundle.Report, error) {
	return s.Verify(ctx, VerifyRequest{Dir: dir})
}

// Verify is VerifyBundle that also checks SHA256SUMS.sig against an
// allowed_signers file. Every bundle's signature is checked: a bundle
// signed and changed since fails, an unsigned one says so.
func (s *Service) Verify(ctx context.Context, req VerifyRequest) (*bundle.Report, error) {
	if err := s.Need(ctx, "verify", "", Roles...); err != nil {
		return nil, err
	}
	r, err := bundle.Verify(req.Dir)
	if err != nil {
		return nil, fault.NotFoundf("%v", err)
	}
	if req.AllowedSigners != "" {
		if err := r.Signature.CheckAllowedSigners(req.AllowedSigners); err != nil {
			return nil, fault.Fieldf("allowed-signers", "%v", err)
		}
	}
	detail := map[string]string{"dir": r.Dir, "ok": strconv.FormatBool(r.OK()), "checked": strconv.Itoa(r.Checked),
		"signed": strconv.FormatBool(r.Signature.Signed)}
	if r.Signature.Signed {
		detail["signature_valid"] = strconv.FormatBool(r.Signature.Valid)
		detail["signer"] = r.Signature.Identity
		detail["key"] = r.Signature.Fingerprint
	}
	if _, err := s.record(ctx, audit.Entry{Action: "verify", Detail: detail}); err != nil {
		return nil, err
	}
	return r, nil
}

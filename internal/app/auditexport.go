package app

import (
	"context"
	"fmt"
	"io"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// AuditExportRequest selects the entries to export: a case's, or all.
type AuditExportRequest struct {
	Case string
}

// AuditExportResult says what was written.
type AuditExportResult struct {
	Entries int    `json:"entries"`
	Case    string `json:"case,omitempty"`
}

// AuditExport writes the chain's entries as JSONL to w, exactly as they
// are stored (each line verifies on its own; the whole chain's lines, in
// order, verify as a chain with `audit verify`'s rules), reading them
// from the store: with a shared PostgreSQL store this is how the log
// leaves it. Exporting the log is itself a read of evidence: it is
// audited after the export, so the export ends at the entry before.
func (s *Service) AuditExport(ctx context.Context, req AuditExportRequest, w io.Writer) (AuditExportResult, error) {
	if _, err := s.need(ctx, "audit export", req.Case, RoleArchivist, RoleAnalyst); err != nil {
		return AuditExportResult{}, err
	}
	res := AuditExportResult{Case: req.Case}
	err := s.store.AuditRows(ctx, req.Case, func(r store.AuditRow) error {
		res.Entries++
		_, err := io.WriteString(w, r.Line+"\n")
		return err
	})
	if err != nil {
		return res, fault.Wrap(fault.Storage, fmt.Errorf("audit export: %w", err))
	}
	_, err = s.record(ctx, audit.Entry{Action: "audit.export", Case: req.Case, Detail: map[string]string{"entries": fmt.Sprint(res.Entries)}})
	return res, err
}

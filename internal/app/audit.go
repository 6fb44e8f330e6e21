package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// AuditReport is an intact audit log. (Fields in the order the JSON has
// always had them.)
type AuditReport struct {
	Entries  int    `json:"entries"`
	File     string `json:"file"`
	LastHash string `json:"last_hash"`
	OK       bool   `json:"ok"`
}

// AuditMismatch is where the JSONL log and the store's chain part: the
// first seq at which they disagree.
type AuditMismatch struct {
	Seq    int64
	Reason string
}

func (e *AuditMismatch) Error() string { return fmt.Sprintf("seq %d: %s", e.Seq, e.Reason) }

// AuditVerify checks the audit log: the JSONL mirror's chain (every line's
// hash, sequence and link), and that it is the store's chain line for line
// (same seq, hash and line). A log cut short, lengthened past the store's
// head or rewritten, even with its chain recomputed, fails with a storage
// error naming the first seq that disagrees.
func (s *Service) AuditVerify(ctx context.Context) (AuditReport, error) {
	if err := s.Need(ctx, "audit verify", "", RoleArchivist, RoleAnalyst, RoleAdmin); err != nil {
		return AuditReport{}, err
	}
	path := s.AuditPath()
	rep := AuditReport{File: path}
	if s.store.Dialect() == store.Postgres {
		return s.verifySharedChain(ctx)
	}
	var rows []store.AuditRow
	if err := s.store.AuditRows(ctx, "", func(r store.AuditRow) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		return rep, fault.Wrap(fault.Storage, fmt.Errorf("audit entries in the store: %w", err))
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if len(rows) == 0 {
			return rep, fault.NotFoundf("no audit log at %s (nothing has been audited yet)", path)
		}
		return rep, fault.Wrap(fault.Storage, fmt.Errorf("audit log %s is missing; the store holds %d entries: %w", path, len(rows),
			&AuditMismatch{Seq: rows[0].Seq, Reason: "not in the log: the log was removed"}))
	}
	// Under the log's lock no change is half-written while it is read.
	m, err := audit.LockMirror(path)
	if err != nil {
		return rep, fault.Wrap(fault.Storage, err)
	}
	defer m.Close()
	n, last, err := audit.Verify(path)
	var ve *audit.VerifyError
	switch {
	case errors.As(err, &ve):
		return rep, fault.Storagef("audit log %s is broken at %v", path, err)
	case err != nil:
		return rep, fault.Storagef("audit log %s: %v", path, err)
	}
	if err := matchStore(path, rows); err != nil {
		return rep, fault.Wrap(fault.Storage, fmt.Errorf("audit log %s does not match the store's chain at %w", path, err))
	}
	rep.Entries, rep.LastHash, rep.OK = n, last, true
	return rep, nil
}

// matchStore compares the log at path with the store's rows, line for line.
func matchStore(path string, rows []store.AuditRow) error {
	i := 0
	err := audit.Lines(path, func(e audit.Entry, line []byte) error {
		if i >= len(rows) {
			return &AuditMismatch{Seq: e.Seq, Reason: fmt.Sprintf("the log goes on past the store's last entry (seq %d): lines were added to the log", storeHead(rows))}
		}
		r := rows[i]
		i++
		switch {
		case e.Seq != r.Seq:
			return &AuditMismatch{Seq: r.Seq, Reason: fmt.Sprintf("the log has entry %d there: lines were removed or inserted", e.Seq)}
		case e.Hash != r.Hash:
			return &AuditMismatch{Seq: r.Seq, Reason: "its hash differs from the store's: the line was rewritten"}
		case string(line) != r.Line:
			return &AuditMismatch{Seq: r.Seq, Reason: "its line differs from the store's: the line was rewritten"}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if i < len(rows) {
		return &AuditMismatch{Seq: rows[i].Seq, Reason: fmt.Sprintf("the log ends before it; the store holds entries up to seq %d: the log was cut short", storeHead(rows))}
	}
	return nil
}

func storeHead(rows []store.AuditRow) int64 {
	if len(rows) == 0 {
		return 0
	}
	return rows[len(rows)-1].Seq
}

// verifySharedChain checks the shared store's chain, which is its table:
// every entry's hash, sequence and link, streamed from the server.
func (s *Service) verifySharedChain(ctx context.Context) (AuditReport, error) {
	rep := AuditReport{File: s.store.Where()}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(s.store.AuditRows(ctx, "", func(r store.AuditRow) error {
			_, err := io.WriteString(pw, r.Line+"\n")
			return err
		}))
	}()
	n, last, err := audit.VerifyReader(pr)
	pr.Close()
	var ve *audit.VerifyError
	switch {
	case errors.As(err, &ve):
		return rep, fault.Storagef("audit chain in %s is broken at entry %v", s.store.Where(), err)
	case err != nil:
		return rep, fault.Storagef("audit chain in %s: %v", s.store.Where(), err)
	case n == 0:
		return rep, fault.NotFoundf("no audit entries in %s (nothing has been audited yet)", s.store.Where())
	}
	rep.Entries, rep.LastHash, rep.OK = n, last, true
	return rep, nil
}

package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/klipp-forensics/klipp/internal/archive"
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
	// Seals is how many seals in the archive, Bundles how many bundles on
	// disk (with their manifest's head) the chain was checked against.
	Seals   int `json:"seals"`
	Bundles int `json:"bundles"`
	// Unreached says what could not be read to check against (the archive).
	Unreached []string `json:"unreached,omitempty"`
}

// AuditMismatch is where the JSONL log and the store's chain part: the
// first seq at which they disagree.
type AuditMismatch struct {
	Seq    int64
	Reason string
	// Kind is truncation, rewrite or fork when the chain disagrees with an
	// anchor outside the log (Anchor: a seal or a bundle's manifest).
	Kind   string
	Anchor string
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
	// The anchors first: the archive may be slow, and the chain only grows
	// after they were read.
	anchors, err := s.anchors(ctx, &rep)
	if err != nil {
		return rep, err
	}
	if s.store.Dialect() == store.Postgres {
		return s.verifySharedChain(ctx, rep, anchors)
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
	hashAt := make(map[int64]string, len(rows))
	for _, r := range rows {
		hashAt[r.Seq] = r.Hash
	}
	if mm := checkAnchors(anchors, storeHead(rows), hashAt); mm != nil {
		return rep, fault.Wrap(fault.Storage, fmt.Errorf("audit chain in %s and %s does not match its anchor at %w", path, s.store.Where(), mm))
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
func (s *Service) verifySharedChain(ctx context.Context, rep AuditReport, anchors []anchor) (AuditReport, error) {
	rep.File = s.store.Where()
	want := map[int64]bool{}
	for _, a := range anchors {
		want[a.seq] = true
	}
	hashAt := map[int64]string{}
	var head int64
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(s.store.AuditRows(ctx, "", func(r store.AuditRow) error {
			head = r.Seq
			if want[r.Seq] {
				hashAt[r.Seq] = r.Hash
			}
			_, err := io.WriteString(pw, r.Line+"\n")
			return err
		}))
	}()
	n, last, err := audit.VerifyReader(pr)
	pr.Close()
	<-done
	var ve *audit.VerifyError
	switch {
	case errors.As(err, &ve):
		return rep, fault.Storagef("audit chain in %s is broken at entry %v", s.store.Where(), err)
	case err != nil:
		return rep, fault.Storagef("audit chain in %s: %v", s.store.Where(), err)
	case n == 0:
		return rep, fault.NotFoundf("no audit entries in %s (nothing has been audited yet)", s.store.Where())
	}
	if mm := checkAnchors(anchors, head, hashAt); mm != nil {
		return rep, fault.Wrap(fault.Storage, fmt.Errorf("audit chain in %s does not match its anchor at %w", s.store.Where(), mm))
	}
	rep.Entries, rep.LastHash, rep.OK = n, last, true
	return rep, nil
}

// SealResult is a seal written to the archive.
type SealResult struct {
	Seq   int64     `json:"seq"`
	Hash  string    `json:"hash"`
	Time  time.Time `json:"time"`
	Who   string    `json:"who"`
	Key   string    `json:"key"`
	Store string    `json:"store"`
}

// AuditSeal writes a seal of the audit chain's head to the archive, under
// object lock, and audits that it did.
func (s *Service) AuditSeal(ctx context.Context) (SealResult, error) {
	st, err := s.Archive(ctx)
	if err != nil {
		return SealResult{}, err
	}
	seal, err := s.seal(ctx, st, "audit seal")
	if err != nil {
		return SealResult{}, err
	}
	res := SealResult{Seq: seal.Seq, Hash: seal.Hash, Time: seal.Time, Who: seal.Who, Key: seal.Key, Store: st.Describe()}
	_, err = s.record(ctx, audit.Entry{Action: "audit.seal", Detail: map[string]string{"key": seal.Key, "store": st.Describe(),
		"seq": strconv.FormatInt(seal.Seq, 10), "hash": seal.Hash}})
	return res, err
}

// seal writes the chain's head to st. Seals are locked as long as the
// longest retention class, so that they outlive every bundle they vouch
// for.
func (s *Service) seal(ctx context.Context, st archive.Store, reason string) (archive.Seal, error) {
	seq, hash, err := s.store.AuditHead(ctx)
	if err != nil {
		return archive.Seal{}, fault.Wrap(fault.Storage, fmt.Errorf("audit head: %w", err))
	}
	if seq == 0 {
		return archive.Seal{}, fault.NotFoundf("nothing has been audited yet: no chain to seal")
	}
	now := s.now().UTC()
	keep := now
	for _, p := range s.cfg.RetentionClasses {
		if u := p.AddTo(now); u.After(keep) {
			keep = u
		}
	}
	seal := archive.Seal{Seq: seq, Hash: hash, Time: now, Who: s.Who(), Chain: s.store.Where(), Reason: reason}
	seal, err = archive.PutSeal(ctx, st, s.archivePrefix(), seal, s.lockMode(), keep.Truncate(time.Second))
	if err != nil {
		return seal, archiveFault(fmt.Errorf("audit seal: %w", err))
	}
	return seal, nil
}

// anchor is a head of the chain recorded outside the log: a seal in the
// archive or a bundle's manifest.
type anchor struct {
	seq  int64
	hash string
	what string // "seal <key> (<time> by <who>)", "bundle <dir>"
}

// anchors gathers every seal in the archive and every head in a bundle
// recorded in the store whose manifest is on disk. What it cannot reach is
// returned as notes, not errors: a verify without the archive checks what
// it has.
func (s *Service) anchors(ctx context.Context, rep *AuditReport) ([]anchor, error) {
	var out []anchor
	if st, err := s.Archive(ctx); err != nil {
		rep.Unreached = append(rep.Unreached, "archive: "+err.Error())
	} else if seals, err := archive.Seals(ctx, st, s.archivePrefix()); err != nil {
		rep.Unreached = append(rep.Unreached, "seals in "+st.Describe()+": "+err.Error())
	} else {
		for _, x := range seals {
			out = append(out, anchor{seq: x.Seq, hash: x.Hash, what: fmt.Sprintf("seal %s in %s (written %s by %s)", x.Key, st.Describe(), x.Time.Format(time.RFC3339), x.Who)})
		}
		rep.Seals = len(seals)
	}
	exports, err := s.store.AllExports(ctx)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	for _, e := range exports {
		m, _, err := archive.ReadBundle(e.Dir)
		if err != nil {
			continue // deleted, or moved: not reachable
		}
		rep.Bundles++
		if m.AuditHead != nil && m.AuditHead.Seq > 0 {
			out = append(out, anchor{seq: m.AuditHead.Seq, hash: m.AuditHead.Hash, what: "the manifest of bundle " + e.Dir})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out, nil
}

// checkAnchors compares the chain (head, and hash at each anchor's seq)
// with the anchors, and returns the mismatch with the lowest seq: two
// anchors disagreeing (fork), the chain ending before one (truncation), or
// another hash at its seq (rewrite).
func checkAnchors(anchors []anchor, head int64, hashAt map[int64]string) *AuditMismatch {
	agreed := ""
	for i, a := range anchors {
		for j := i + 1; j < len(anchors) && anchors[j].seq == a.seq; j++ {
			if b := anchors[j]; b.hash != a.hash {
				return &AuditMismatch{Seq: a.seq, Kind: "fork", Anchor: a.what,
					Reason: fmt.Sprintf("%s and %s record different hashes for it: the chain was forked", a.what, b.what)}
			}
		}
		if a.seq > head {
			return &AuditMismatch{Seq: a.seq, Kind: "truncation", Anchor: a.what,
				Reason: fmt.Sprintf("%s records the chain up to it, but the chain ends at seq %d: entries were removed (truncation)%s", a.what, head, agreed)}
		}
		if h := hashAt[a.seq]; h != a.hash {
			return &AuditMismatch{Seq: a.seq, Kind: "rewrite", Anchor: a.what,
				Reason: fmt.Sprintf("%s records hash %s, the chain has %s: the chain was rewritten at or before this entry%s", a.what, a.hash, h, agreed)}
		}
		agreed = fmt.Sprintf(" (it matches %s at seq %d)", a.what, a.seq)
	}
	return nil
}

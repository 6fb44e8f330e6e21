package app

import (
	"context"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// TimelineStale reports whether a case's timeline changed (an entry added,
// edited, removed, or a still linked) after its newest export: the bundle
// no longer shows the timeline. A case never exported is not stale. It
// reads the case's audit chain, where every such change and every export
// is recorded in order.
func (s *Service) TimelineStale(ctx context.Context, number string) (bool, error) {
	if _, err := s.need(ctx, "case show", number, RoleAnalyst, RoleArchivist); err != nil {
		return false, err
	}
	seq, err := s.store.LastActions(ctx, number, "export", "timeline.")
	if err != nil {
		return false, fault.Wrap(fault.Storage, err)
	}
	return seq[0] > 0 && seq[1] > seq[0], nil
}

// StaleEditError is an edit refused because the record changed since the
// version the edit was based on (a usage error: nothing is lost). Version
// is the record's version now: an edit based on it goes through.
type StaleEditError struct {
	Msg     string
	Version int64
	By      string    // who changed it
	At      time.Time // when
}

func (e *StaleEditError) Error() string { return e.Msg }

func staleEdit(msg string, ce *store.ConflictError) error {
	return fault.Wrap(fault.Usage, &StaleEditError{Msg: msg, Version: ce.Version, By: ce.By, At: ce.At})
}

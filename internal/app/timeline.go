package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Entry is a timeline entry as front ends show it (and the CLI prints with
// --json): the bundle's view of it (export.EntryView: true time, the
// camera's clock then, the camera's name) and its case.
type Entry struct {
	export.EntryView
	Case      string `json:"-"`
	UpdatedBy string `json:"updated_by,omitempty"`
	Version   int64  `json:"version"` // an edit based on another version is refused
}

// EntryOf is a stored entry as front ends show it; number is its position
// in time order (0 when not in a list).
func (s *Service) EntryOf(e store.Entry, number int) Entry {
	cam, _ := s.Camera(e.Camera) // nil when no longer in the catalog
	return Entry{EntryView: export.ViewEntry(e, number, cam, s.cfg.DriftBound), Case: e.Case, UpdatedBy: e.UpdatedBy, Version: e.Version}
}

// AddEntryRequest adds an entry to a case's timeline. A nil From or To is
// the configured clip range around At (clip.before, clip.after). Mode is
// the clip's cut mode in exports ("" = clip.mode).
type AddEntryRequest struct {
	Case     string
	Camera   string
	At       time.Time
	From, To *time.Time
	Text     string
	Tags     []string
	Stills   []time.Time
	Mode     string
}

// AddEntry adds an entry and audits it (timeline.add), together. When the
// index has no footage at its time, ev is warned; the entry is kept, as
// footage may still arrive by ingest.
func (s *Service) AddEntry(ctx context.Context, req AddEntryRequest, ev Events) (Entry, error) {
	if _, err := s.need(ctx, "timeline add", req.Case, RoleAnalyst); err != nil {
		return Entry{}, err
	}
	if req.Camera == "" {
		return Entry{}, fault.Fieldf("camera", "required")
	}
	if req.At.IsZero() {
		return Entry{}, fault.Fieldf("at", "required")
	}
	if _, err := s.Camera(req.Camera); err != nil {
		return Entry{}, err
	}
	if err := checkMode(req.Mode); err != nil {
		return Entry{}, err
	}
	e := store.Entry{Case: req.Case, Camera: req.Camera, At: req.At.UTC(), From: req.At.Add(-s.cfg.Clip.Before).UTC(), To: req.At.Add(s.cfg.Clip.After).UTC(),
		Text: req.Text, Tags: req.Tags, Stills: utcAll(req.Stills), Author: s.Who(), Mode: req.Mode}
	if req.From != nil {
		e.From = req.From.UTC()
	}
	if req.To != nil {
		e.To = req.To.UTC()
	}
	if len(e.Stills) == 0 {
		// Stills taken for the case in the clip's range before the entry
		// existed, and no other entry's, are its own.
		_, unlinked, err := s.unlinkedStills(ctx, e.Case, e.Camera, 0)
		if err != nil {
			return Entry{}, err
		}
		if in := inClip(e.From, e.To, unlinked); len(in) > 0 {
			e.Stills = withStills(e.At, nil, in)
		}
	}
	detail := map[string]string{}
	_, err := s.change(ctx, audit.Entry{Action: "timeline.add", Case: e.Case, Camera: e.Camera, Detail: detail}, func(tx *store.Store) error {
		var err error
		e, err = casefile.AddEntry(ctx, tx, e, s.now())
		e.Version, e.UpdatedBy = 1, e.Author
		entryDetail(detail, e)
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	s.warnWithoutFootage(ctx, e, ev)
	return s.EntryOf(e, 0), nil
}

// Entries lists a case's timeline in time order.
func (s *Service) Entries(ctx context.Context, number string) ([]Entry, error) {
	if _, err := s.need(ctx, "timeline list", number, RoleAnalyst, RoleArchivist); err != nil {
		return nil, err
	}
	if _, err := casefile.Get(ctx, s.store, number); err != nil {
		return nil, err
	}
	entries, err := s.store.Entries(ctx, number)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	out := []Entry{}
	for i, e := range entries {
		out = append(out, s.EntryOf(e, i+1))
	}
	export.MarkOrder(len(out), func(i int) *export.EntryView { return &out[i].EntryView })
	return out, nil
}

// EditEntryRequest changes the fields that are set (non-nil) of an entry.
type EditEntryRequest struct {
	Case     string
	ID       int64
	Camera   *string
	At       *time.Time
	From, To *time.Time
	Text     *string
	Tags     *[]string
	Stills   *[]time.Time
	Mode     *string
	// Version is the version the edit is based on (the one a front end
	// showed); 0 edits whatever version the entry has now.
	Version int64
}

// EditEntry changes an entry and audits it (timeline.edit), together; ev
// is warned as by AddEntry.
func (s *Service) EditEntry(ctx context.Context, req EditEntryRequest, ev Events) (Entry, error) {
	if _, err := s.need(ctx, "timeline edit", req.Case, RoleAnalyst); err != nil {
		return Entry{}, err
	}
	if req.Camera != nil {
		if _, err := s.Camera(*req.Camera); err != nil {
			return Entry{}, err
		}
	}
	if req.Mode != nil {
		if err := checkMode(*req.Mode); err != nil {
			return Entry{}, err
		}
	}
	before, err := s.entryCamera(ctx, req.Case, req.ID)
	if err != nil {
		return Entry{}, err
	}
	camera := before
	if req.Camera != nil {
		camera = *req.Camera
	}
	// A clip widened takes the stills taken for the case in it that no
	// other entry on the camera has (the UI says to widen it).
	var taken, unlinked []time.Time
	if req.Stills == nil && (req.At != nil || req.From != nil || req.To != nil) {
		if taken, unlinked, err = s.unlinkedStills(ctx, req.Case, camera, req.ID); err != nil {
			return Entry{}, err
		}
	}
	detail := map[string]string{}
	var e store.Entry
	_, err = s.change(ctx, audit.Entry{Action: "timeline.edit", Case: req.Case, Camera: camera, Detail: detail}, func(tx *store.Store) error {
		var err error
		e, err = casefile.EditEntry(ctx, tx, req.Case, req.ID, s.now(), func(e *store.Entry) error {
			if req.Version != 0 && e.Version != req.Version {
				return &store.ConflictError{What: fmt.Sprintf("entry %d of case %s", e.ID, e.Case), Based: req.Version, Version: e.Version, By: e.UpdatedBy, At: e.Updated}
			}
			if err := sameCamera(before, *e); err != nil {
				return err
			}
			wasAt := e.At
			req.apply(e)
			if req.Stills == nil && req.At != nil && !slices.ContainsFunc(taken, wasAt.Equal) {
				// The automatic still (at the entry's time, not one taken)
				// follows the entry's time.
				for i, t := range e.Stills {
					if t.Equal(wasAt) {
						e.Stills[i] = e.At
					}
				}
				slices.SortFunc(e.Stills, func(a, b time.Time) int { return a.Compare(b) })
			}
			if in := inClip(e.From, e.To, unlinked); len(in) > 0 {
				e.Stills = withStills(e.At, e.Stills, in)
			}
			e.UpdatedBy = s.Who()
			return nil
		})
		entryDetail(detail, e)
		detail["version"] = strconv.FormatInt(e.Version+1, 10)
		return err
	})
	if err != nil {
		return Entry{}, s.conflict(err)
	}
	e.Version++
	s.warnWithoutFootage(ctx, e, ev)
	return s.EntryOf(e, 0), nil
}

func (req EditEntryRequest) apply(e *store.Entry) {
	if req.Camera != nil {
		e.Camera = *req.Camera
	}
	if req.At != nil {
		e.At = req.At.UTC()
	}
	if req.From != nil {
		e.From = req.From.UTC()
	}
	if req.To != nil {
		e.To = req.To.UTC()
	}
	if req.Text != nil {
		e.Text = *req.Text
	}
	if req.Tags != nil {
		e.Tags = *req.Tags
	}
	if req.Stills != nil {
		e.Stills = utcAll(*req.Stills)
	}
	if req.Mode != nil {
		e.Mode = *req.Mode
	}
}

// RemovedEntry is what RemoveEntry removed.
type RemovedEntry struct {
	Case    string `json:"case"`
	Removed int64  `json:"removed"`
}

// RemoveEntry removes an entry and audits it (timeline.rm), together.
func (s *Service) RemoveEntry(ctx context.Context, number string, id int64) (RemovedEntry, error) {
	if _, err := s.need(ctx, "timeline rm", number, RoleAnalyst); err != nil {
		return RemovedEntry{}, err
	}
	before, err := s.entryCamera(ctx, number, id)
	if err != nil {
		return RemovedEntry{}, err
	}
	detail := map[string]string{}
	_, err = s.change(ctx, audit.Entry{Action: "timeline.rm", Case: number, Camera: before, Detail: detail}, func(tx *store.Store) error {
		e, err := casefile.RemoveEntry(ctx, tx, number, id)
		if err != nil {
			return err
		}
		entryDetail(detail, e)
		return sameCamera(before, e)
	})
	if err != nil {
		return RemovedEntry{}, err
	}
	return RemovedEntry{Case: number, Removed: id}, nil
}

// entryCamera is the camera an entry has now, read before a change so its
// audit entry can name it; the change checks it is still the same.
func (s *Service) entryCamera(ctx context.Context, number string, id int64) (string, error) {
	e, err := s.store.GetEntry(ctx, number, id)
	if err != nil {
		return "", nil // the change reports a missing entry
	}
	return e.Camera, nil
}

func sameCamera(before string, e store.Entry) error {
	if before != "" && e.Camera != before {
		return fault.Usagef("entry %d of case %s changed while being edited; try again", e.ID, e.Case)
	}
	return nil
}

// checkMode checks an entry's cut mode.
func checkMode(mode string) error {
	switch mode {
	case "", "copy", "exact", "transcode":
		return nil
	}
	return fault.Fieldf("mode", "%q: use copy, exact or transcode", mode)
}

// warnWithoutFootage warns when the index has no footage at the entry's
// time.
func (s *Service) warnWithoutFootage(ctx context.Context, e store.Entry, ev Events) {
	cam, err := s.Camera(e.Camera)
	if err != nil {
		return
	}
	show := func(t time.Time) string { return clock.FormatDisplay(t, s.cfg.Timezone) }
	if _, err := footage.Locate(ctx, s.store, cam, e.At, show); err != nil {
		events(ev).Warn(err.Error())
	}
}

func entryDetail(d map[string]string, e store.Entry) {
	d["id"] = strconv.FormatInt(e.ID, 10)
	d["at"] = e.At.Format(time.RFC3339Nano)
	d["text"] = e.Text
	d["clip"] = e.From.Format(time.RFC3339Nano) + "/" + e.To.Format(time.RFC3339Nano)
	d["tags"] = strings.Join(e.Tags, ",")
	parts := make([]string, len(e.Stills))
	for i, t := range e.Stills {
		parts[i] = t.Format(time.RFC3339Nano)
	}
	d["stills"] = strings.Join(parts, ",")
}

func utcAll(ts []time.Time) []time.Time {
	if ts == nil {
		return nil
	}
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = t.UTC()
	}
	return out
}

package casefile

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Tags are the kinds of observation an entry can be tagged with.
var Tags = []string{"suspect", "victim", "vehicle", "witness"}

// InClip reports whether t lies in the clip from–to, its ends included:
// where an entry's time and its stills must lie.
func InClip(from, to, t time.Time) bool { return !t.Before(from) && !t.After(to) }

// ValidateEntry checks an entry before it is stored.
func ValidateEntry(e store.Entry) error {
	if strings.TrimSpace(e.Text) == "" {
		return fault.Fieldf("text", "required: what the footage shows")
	}
	if e.Camera == "" {
		return fault.Fieldf("camera", "required")
	}
	if !e.To.After(e.From) {
		return fault.Fieldf("to", "the clip's end must be after its start")
	}
	if !InClip(e.From, e.To, e.At) {
		return fault.Fieldf("at", "the entry's time %s lies outside its clip %s – %s", e.At.Format(time.RFC3339), e.From.Format(time.RFC3339), e.To.Format(time.RFC3339))
	}
	for _, tag := range e.Tags {
		known := false
		for _, k := range Tags {
			known = known || tag == k
		}
		if !known {
			return fault.Fieldf("tag", "%q is not one of %s", tag, strings.Join(Tags, ", "))
		}
	}
	for _, s := range e.Stills {
		if !InClip(e.From, e.To, s) {
			return fault.Fieldf("still", "%s lies outside the clip", s.Format(time.RFC3339))
		}
	}
	return nil
}

// Editable returns the case, refusing archived ones: their timeline is
// evidence in the archive and no longer changes.
func Editable(ctx context.Context, st *store.Store, number string) (store.Case, error) {
	c, err := Get(ctx, st, number)
	if err != nil {
		return c, err
	}
	if c.Status == string(StatusArchived) {
		return c, fault.Usagef("case %s is archived: its timeline no longer changes", number)
	}
	return c, nil
}

// AddEntry stores a new entry of a case.
func AddEntry(ctx context.Context, st *store.Store, e store.Entry, now time.Time) (store.Entry, error) {
	if _, err := Editable(ctx, st, e.Case); err != nil {
		return e, err
	}
	if err := ValidateEntry(e); err != nil {
		return e, err
	}
	e.Created, e.Updated = now.UTC(), now.UTC()
	id, err := st.CreateEntry(ctx, e)
	if err != nil {
		return e, fault.Wrap(fault.Storage, err)
	}
	e.ID = id
	return e, nil
}

// editableEntry returns an entry of a case whose timeline may change.
func editableEntry(ctx context.Context, st *store.Store, number string, id int64) (store.Entry, error) {
	if _, err := Editable(ctx, st, number); err != nil {
		return store.Entry{}, err
	}
	e, err := st.GetEntry(ctx, number, id)
	if errors.Is(err, store.ErrNotFound) {
		return e, fault.NotFoundf("case %s has no entry %d (klipp timeline list %s)", number, id, number)
	}
	if err != nil {
		return e, fault.Wrap(fault.Storage, err)
	}
	return e, nil
}

// EditEntry changes an entry through edit and stores it.
func EditEntry(ctx context.Context, st *store.Store, number string, id int64, now time.Time, edit func(*store.Entry) error) (store.Entry, error) {
	e, err := editableEntry(ctx, st, number, id)
	if err != nil {
		return e, err
	}
	if err := edit(&e); err != nil {
		return e, err
	}
	if err := ValidateEntry(e); err != nil {
		return e, err
	}
	e.Updated = now.UTC()
	if err := st.UpdateEntry(ctx, e); err != nil {
		return e, fault.Wrap(fault.Storage, err)
	}
	return e, nil
}

// RemoveEntry deletes an entry.
func RemoveEntry(ctx context.Context, st *store.Store, number string, id int64) (store.Entry, error) {
	e, err := editableEntry(ctx, st, number, id)
	if err != nil {
		return e, err
	}
	if err := st.DeleteEntry(ctx, number, id); err != nil {
		return e, fault.Wrap(fault.Storage, err)
	}
	return e, nil
}

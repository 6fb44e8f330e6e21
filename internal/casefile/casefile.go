// Package casefile holds cases and the requests that open them: the record
// from which timelines, exports and archives follow. It validates and
// applies the rules (numbers safe as directory names, incident window,
// status order); persistence is internal/store's.
package casefile

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Status is where a case stands. Its value is what the store and --json
// carry.
type Status string

// The statuses, in the order a case goes through them.
const (
	StatusRequested  Status = "requested"
	StatusInProgress Status = "in-progress"
	StatusDelivered  Status = "delivered"
	StatusArchived   Status = "archived"
)

// Statuses in the order a case goes through them.
var Statuses = []Status{StatusRequested, StatusInProgress, StatusDelivered, StatusArchived}

// Label is the status as front ends show it: the one place for its
// display text.
func (s Status) Label() string { return string(s) }

// StatusLabels are the statuses' labels, in order, for help texts.
func StatusLabels() []string {
	out := make([]string, len(Statuses))
	for i, s := range Statuses {
		out[i] = s.Label()
	}
	return out
}

// ParseStatus checks a status given by a user.
func ParseStatus(s string) (Status, error) {
	if err := validStatus(s); err != nil {
		return "", err
	}
	return Status(s), nil
}

var numberRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidNumber checks a case number, which becomes a directory name in
// exports and a key prefix in the archive: letters, digits, . _ - only.
func ValidNumber(n string) error {
	if !numberRe.MatchString(n) || strings.Contains(n, "..") {
		return fault.Usagef("case number %q: use letters, digits, '.', '_' and '-' (at most 64, no '..'), e.g. 5000-K123456-26", n)
	}
	return nil
}

func validStatus(s string) error {
	if rank(s) >= 0 {
		return nil
	}
	return fault.Fieldf("status", "%q is not one of %s", s, strings.Join(StatusLabels(), ", "))
}

// Validate checks a case before it is stored.
func Validate(c store.Case) error {
	if err := ValidNumber(c.Number); err != nil {
		return err
	}
	if strings.TrimSpace(c.Title) == "" {
		return fault.Fieldf("title", "required")
	}
	if c.From.IsZero() {
		return fault.Fieldf("from", "required: the start of the incident window")
	}
	if c.To.IsZero() {
		return fault.Fieldf("to", "required: the end of the incident window")
	}
	if !c.To.After(c.From) {
		return fault.Fieldf("to", "the end of the incident window (%s) must be after its start (%s)", c.To.Format(time.RFC3339), c.From.Format(time.RFC3339))
	}
	if (c.Lat == nil) != (c.Lon == nil) || (c.Lat != nil && (*c.Lat < -90 || *c.Lat > 90 || *c.Lon < -180 || *c.Lon > 180)) {
		return fault.Fieldf("position", "must be LAT,LON in degrees")
	}
	return validStatus(c.Status)
}

// Create stores a new case with status "requested".
func Create(ctx context.Context, st *store.Store, c store.Case, who string, now time.Time) (store.Case, error) {
	c.Status, c.CreatedBy, c.Created, c.Updated = string(StatusRequested), who, now.UTC(), now.UTC()
	if c.Delivered != nil {
		c.Status = string(StatusDelivered) // entered after the fact
	}
	if c.Received.IsZero() {
		c.Received = now.UTC()
	}
	if c.RetentionClass == "" {
		c.RetentionClass = "default"
	}
	if err := Validate(c); err != nil {
		return c, err
	}
	if c.Delivered != nil && c.Delivered.Before(c.Received) {
		return c, deliveredTooEarly(c)
	}
	if err := st.CreateCase(ctx, c); err != nil {
		if errors.Is(err, store.ErrExists) {
			return c, fault.Fieldf("number", "case %s exists already (klipp case show %s)", c.Number, c.Number)
		}
		return c, fault.Wrap(fault.Storage, err)
	}
	return c, nil
}

// Get returns a case, or a fault.NotFound error.
func Get(ctx context.Context, st *store.Store, number string) (store.Case, error) {
	if err := ValidNumber(number); err != nil {
		return store.Case{}, err
	}
	c, err := st.GetCase(ctx, number)
	if errors.Is(err, store.ErrNotFound) {
		return c, fault.NotFoundf("no case %s (klipp case list)", number)
	}
	return c, err
}

// Update applies edit to a case and stores it, checking the result. A
// status may move forward only (requested → in-progress → delivered →
// archived), or be set back explicitly with reopen.
func Update(ctx context.Context, st *store.Store, number string, now time.Time, reopen bool, edit func(*store.Case)) (store.Case, error) {
	c, err := Get(ctx, st, number)
	if err != nil {
		return c, err
	}
	before := c.Status
	edit(&c)
	if err := Validate(c); err != nil {
		return c, err
	}
	if rank(c.Status) < rank(before) && !reopen {
		return c, fault.Fieldf("reopen", "required to move case %s from %s back to %s", number, before, c.Status)
	}
	c.Updated = now.UTC()
	if rank(c.Status) >= rank(string(StatusDelivered)) && c.Delivered == nil {
		d := now.UTC()
		c.Delivered = &d
	}
	if rank(c.Status) < rank(string(StatusDelivered)) {
		c.Delivered = nil // reopened
	}
	if c.Delivered != nil && c.Delivered.Before(c.Received) {
		return c, deliveredTooEarly(c)
	}
	if err := st.UpdateCase(ctx, c); err != nil {
		return c, fault.Wrap(fault.Storage, err)
	}
	return c, nil
}

func deliveredTooEarly(c store.Case) error {
	return fault.Fieldf("delivered", "case %s: delivered (%s) before the request was received (%s)", c.Number, c.Delivered.Format(time.RFC3339), c.Received.Format(time.RFC3339))
}

func rank(status string) int {
	for i, s := range Statuses {
		if string(s) == status {
			return i
		}
	}
	return -1
}

// Describe is a one-line summary for lists and messages.
func Describe(c store.Case) string {
	return fmt.Sprintf("%s %q (%s)", c.Number, c.Title, c.Status)
}

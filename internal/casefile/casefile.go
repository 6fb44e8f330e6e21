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

// Statuses in the order a case goes through them.
var Statuses = []string{"requested", "in-progress", "delivered", "archived"}

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
	for _, v := range Statuses {
		if s == v {
			return nil
		}
	}
	return fault.Usagef("status %q is not one of %s", s, strings.Join(Statuses, ", "))
}

// Validate checks a case before it is stored.
func Validate(c store.Case) error {
	if err := ValidNumber(c.Number); err != nil {
		return err
	}
	if strings.TrimSpace(c.Title) == "" {
		return fault.Usagef("case %s: --title is required", c.Number)
	}
	if c.From.IsZero() || c.To.IsZero() {
		return fault.Usagef("case %s: the incident window needs --from and --to", c.Number)
	}
	if !c.To.After(c.From) {
		return fault.Usagef("case %s: --to (%s) must be after --from (%s)", c.Number, c.To.Format(time.RFC3339), c.From.Format(time.RFC3339))
	}
	if (c.Lat == nil) != (c.Lon == nil) || (c.Lat != nil && (*c.Lat < -90 || *c.Lat > 90 || *c.Lon < -180 || *c.Lon > 180)) {
		return fault.Usagef("case %s: the place's position must be LAT,LON in degrees", c.Number)
	}
	return validStatus(c.Status)
}

// Create stores a new case with status "requested".
func Create(ctx context.Context, st *store.Store, c store.Case, who string, now time.Time) (store.Case, error) {
	c.Status, c.CreatedBy, c.Created, c.Updated = "requested", who, now.UTC(), now.UTC()
	if c.Delivered != nil {
		c.Status = "delivered" // entered after the fact
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
		return c, fault.Usagef("case %s: delivered (%s) before the request was received (%s)", c.Number, c.Delivered.Format(time.RFC3339), c.Received.Format(time.RFC3339))
	}
	if err := st.CreateCase(ctx, c); err != nil {
		if errors.Is(err, store.ErrExists) {
			return c, fault.Usagef("case %s exists already (klipp case show %s)", c.Number, c.Number)
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
		return c, fault.Usagef("case %s is %s: moving it back to %s needs --reopen", number, before, c.Status)
	}
	c.Updated = now.UTC()
	if rank(c.Status) >= rank("delivered") && c.Delivered == nil {
		d := now.UTC()
		c.Delivered = &d
	}
	if rank(c.Status) < rank("delivered") {
		c.Delivered = nil // reopened
	}
	if c.Delivered != nil && c.Delivered.Before(c.Received) {
		return c, fault.Usagef("case %s: delivered (%s) before the request was received (%s)", number, c.Delivered.Format(time.RFC3339), c.Received.Format(time.RFC3339))
	}
	if err := st.UpdateCase(ctx, c); err != nil {
		return c, fault.Wrap(fault.Storage, err)
	}
	return c, nil
}

func rank(status string) int {
	for i, s := range Statuses {
		if s == status {
			return i
		}
	}
	return -1
}

// Describe is a one-line summary for lists and messages.
func Describe(c store.Case) string {
	return fmt.Sprintf("%s %q (%s)", c.Number, c.Title, c.Status)
}

package store

import (
	"errors"
	"fmt"
	"time"
)

// ErrConflict is returned when a record changed after the version an edit
// was based on.
var ErrConflict = errors.New("changed since")

// ConflictError names a record that changed after the version an edit was
// based on: who changed it last, when, and its version now.
type ConflictError struct {
	What    string // "case 5000-K1-26", "entry 4 of case 5000-K1-26"
	Based   int64  // the version the edit was based on
	Version int64  // the version now
	By      string
	At      time.Time
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s was changed by %s at %s (now version %d, the edit was based on version %d)", e.What, e.By,
		e.At.Format(time.RFC3339), e.Version, e.Based)
}

func (e *ConflictError) Unwrap() error { return ErrConflict }

// firstOf is the first of its arguments that is not empty.
func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

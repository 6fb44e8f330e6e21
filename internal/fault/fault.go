// Package fault holds the kinds of failure a user can see and the exit code
// each maps to (design.md §6). Packages wrap their errors with a kind at the
// place where the kind is known; main turns the kind into the exit code.
package fault

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// Kind is a class of failure; its value is the process exit code.
type Kind int

const (
	Internal Kind = 1 // a bug or an unexpected condition
	Usage    Kind = 2 // bad input or usage
	NotFound Kind = 3 // camera, case or footage not found
	Media    Kind = 4 // corrupt or unsupported input
	Storage  Kind = 5 // archive unreachable, hash mismatch
)

// Error carries a Kind alongside the error it classifies.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Wrap classifies err as kind; a nil err stays nil.
func Wrap(kind Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, Err: err}
}

// Usagef returns a Usage error formatted like fmt.Errorf.
func Usagef(format string, args ...any) error {
	return &Error{Kind: Usage, Err: fmt.Errorf(format, args...)}
}

// NotFoundf returns a NotFound error formatted like fmt.Errorf.
func NotFoundf(format string, args ...any) error {
	return &Error{Kind: NotFound, Err: fmt.Errorf(format, args...)}
}

// Mediaf returns a Media error formatted like fmt.Errorf.
func Mediaf(format string, args ...any) error {
	return &Error{Kind: Media, Err: fmt.Errorf(format, args...)}
}

// Storagef returns a Storage error formatted like fmt.Errorf.
func Storagef(format string, args ...any) error {
	return &Error{Kind: Storage, Err: fmt.Errorf(format, args...)}
}

// KindOf reports the kind of the outermost classified error in err's chain;
// an unclassified full disk, exceeded quota or read-only file system is a
// storage error wherever it happened; anything else unclassified is
// Internal.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	if err != nil && diskFull(err) {
		return Storage
	}
	return Internal
}

// diskFull recognises storage that refused a write: the system's errors,
// and FFmpeg's, which carry only their text.
func diskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EROFS) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "No space left on device") || strings.Contains(msg, "Disk quota exceeded") || strings.Contains(msg, "Read-only file system")
}

// FieldError is bad input in one named field of a request: the CLI prints
// it as "--field: message", the UI shows the message beside the field.
// Field is the request field's name in the CLI's flag spelling ("title",
// "requested-by").
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Fieldf returns a Usage error about one field.
func Fieldf(field, format string, args ...any) error {
	return &Error{Kind: Usage, Err: &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}}
}

// ErrNotHere marks a failure of this machine, not of the request: a root
// (share) it does not mount. A worker leaves such a job to the others.
var ErrNotHere = errors.New("this machine does not mount it")

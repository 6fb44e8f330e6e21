// Package archive stores export bundles write-once (design.md §8): a Store
// interface with a local directory backend (the default) and an
// S3-compatible backend on minio-go with object lock, and the push and
// verify operations that work on any Store.
package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// Lock modes of object retention.
const (
	Governance = "governance"
	Compliance = "compliance"
)

// Object is one stored object as the store reports it.
type Object struct {
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex; the checksum the store holds for the object
	// ChecksumVerified is true when the store itself checked SHA256 against
	// the bytes it received (an S3 single PUT with x-amz-checksum-sha256),
	// false when it only keeps the value it was given.
	ChecksumVerified bool      `json:"checksum_verified"`
	Mode             string    `json:"lock_mode,omitempty"`
	RetainUntil      time.Time `json:"retain_until,omitempty"`
	LegalHold        bool      `json:"legal_hold"`
	VersionID        string    `json:"version_id,omitempty"`
}

// PutOptions go with an object's upload.
type PutOptions struct {
	Size        int64
	SHA256      string // hex, computed locally before the upload; the store must refuse bytes that do not match
	Mode        string // Governance, Compliance or "" for none
	RetainUntil time.Time
	ContentType string
}

// Store is where bundles are archived.
type Store interface {
	// Put stores r under key, refusing content whose SHA-256 differs from
	// opts.SHA256.
	Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Object, error)
	// Stat returns the object's metadata, or an error wrapping ErrNotFound.
	Stat(ctx context.Context, key string) (Object, error)
	// Get opens the object's current content.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// List returns the objects whose keys start with prefix, sorted by key.
	List(ctx context.Context, prefix string) ([]Object, error)
	// SetLegalHold places or lifts a legal hold on the object.
	SetLegalHold(ctx context.Context, key string, on bool) error
	// Describe names the store for messages, e.g. "s3://evidence at 127.0.0.1:9000".
	Describe() string
}

// ErrNotFound is wrapped by Stat and Get when the object does not exist.
var ErrNotFound = errors.New("no such object")

// Unreachable wraps errors that mean the store could not be reached; a push
// that fails with it is queued for retry.
type Unreachable struct{ Err error }

func (e *Unreachable) Error() string { return e.Err.Error() }
func (e *Unreachable) Unwrap() error { return e.Err }

// Ref names an archived bundle: the case and the export id.
type Ref struct {
	Case, ExportID string
}

func (r Ref) String() string { return r.Case + "/" + r.ExportID }

// ParseRef reads CASE/EXPORT-ID.
func ParseRef(s string) (Ref, error) {
	c, id, ok := strings.Cut(strings.Trim(s, "/"), "/")
	if !ok || c == "" || id == "" || strings.Contains(id, "/") || c == ".." || id == ".." {
		return Ref{}, fmt.Errorf("archive reference %q: give CASE/EXPORT-ID, e.g. 5000-K123456-26/20261124T042501Z (klipp archive ls)", s)
	}
	return Ref{Case: c, ExportID: id}, nil
}

// Prefix is the key prefix of a bundle: <prefix>/<case>/<export-id>/.
func (r Ref) Prefix(prefix string) string {
	return path.Join(prefix, r.Case, r.ExportID) + "/"
}

// Key is the key of a file of the bundle.
func (r Ref) Key(prefix, rel string) string { return r.Prefix(prefix) + rel }

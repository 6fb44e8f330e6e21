package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
)

// Local is the default backend: a directory. An object is written under a
// temporary name, checked against its SHA-256, renamed and made read-only;
// its checksum, retention and legal hold are kept beside it in
// .klipp-meta/<key>.json. A directory cannot enforce retention the way an
// S3 object lock does: Local refuses to replace a stored object, and the
// record says until when it is to be kept.
type Local struct {
	Root string
}

var _ Store = (*Local)(nil)

const localMeta = ".klipp-meta"

// NewLocal returns a Local store rooted at dir, creating it.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(filepath.Join(dir, localMeta), 0o755); err != nil {
		return nil, fmt.Errorf("archive directory %s: %w", dir, err)
	}
	return &Local{Root: dir}, nil
}

func (l *Local) Describe() string { return "directory " + l.Root }

func (l *Local) path(key string) (string, error) {
	clean := path.Clean(key)
	if clean != key || strings.HasPrefix(clean, "../") || clean == ".." || path.IsAbs(clean) || strings.HasPrefix(clean, localMeta) {
		return "", fmt.Errorf("archive key %q is not a plain relative path", key)
	}
	return filepath.Join(l.Root, filepath.FromSlash(key)), nil
}

func (l *Local) metaPath(key string) string {
	return filepath.Join(l.Root, localMeta, filepath.FromSlash(key)+".json")
}

func (l *Local) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Object, error) {
	p, err := l.path(key)
	if err != nil {
		return Object{}, err
	}
	if old, err := l.Stat(ctx, key); err == nil {
		if old.SHA256 == opts.SHA256 {
			return old, nil // already stored: write-once, and idempotent
		}
		return old, fmt.Errorf("%s: already archived with SHA-256 %s; an archived object is not replaced", key, old.SHA256)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return Object{}, err
	}
	// What a killed push left in this directory goes before this one writes.
	if _, err := atomicfile.SweepDir(filepath.Dir(p)); err != nil {
		return Object{}, err
	}
	f, err := atomicfile.Create(p)
	if err != nil {
		return Object{}, err
	}
	defer f.Abort()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), contextReader{ctx, r})
	if err != nil {
		return Object{}, fmt.Errorf("%s: %w", key, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != opts.SHA256 || (opts.Size > 0 && n != opts.Size) {
		return Object{}, fmt.Errorf("%s: received %d bytes with SHA-256 %s, expected %s: %w", key, n, sum, opts.SHA256, ErrChecksum)
	}
	obj := Object{Key: key, Size: n, SHA256: opts.SHA256, ChecksumVerified: true, Mode: opts.Mode, RetainUntil: opts.RetainUntil.UTC()}
	if err := l.writeMeta(obj); err != nil {
		return Object{}, err
	}
	if err := f.Commit(); err != nil {
		return Object{}, err
	}
	return obj, os.Chmod(p, 0o444)
}

// ErrChecksum is wrapped when received bytes do not match the checksum
// they were sent with.
var ErrChecksum = errors.New("checksum mismatch")

func (l *Local) writeMeta(o Object) error {
	mp := l.metaPath(o.Key)
	if err := os.MkdirAll(filepath.Dir(mp), 0o755); err != nil {
		return err
	}
	data, _ := json.Marshal(o)
	return atomicfile.Write(mp, data)
}

func (l *Local) Stat(_ context.Context, key string) (Object, error) {
	p, err := l.path(key)
	if err != nil {
		return Object{}, err
	}
	data, err := os.ReadFile(l.metaPath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return Object{}, fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Object{}, err
	}
	var o Object
	if err := json.Unmarshal(data, &o); err != nil {
		return Object{}, fmt.Errorf("%s: metadata: %w", key, err)
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Object{}, fmt.Errorf("%s: recorded but its file is gone: %w", key, ErrNotFound)
	}
	if err != nil {
		return Object{}, err
	}
	o.Size = fi.Size()
	return o, nil
}

func (l *Local) Get(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	return f, err
}

func (l *Local) List(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	root := filepath.Join(l.Root, localMeta)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		rel, _ := filepath.Rel(root, strings.TrimSuffix(p, ".json"))
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		o, err := l.Stat(ctx, key)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err == nil {
			out = append(out, o)
		}
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, err
}

func (l *Local) SetLegalHold(ctx context.Context, key string, on bool) error {
	o, err := l.Stat(ctx, key)
	if err != nil {
		return err
	}
	o.LegalHold = on
	return l.writeMeta(o)
}

// contextReader stops a copy when ctx is cancelled.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// retainedUntil reports whether an object's retention reaches t.
func retainedUntil(o Object, t time.Time) bool { return !o.RetainUntil.Before(t) }

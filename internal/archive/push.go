package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/digest"
)

// PushOptions go with a push.
type PushOptions struct {
	Prefix      string
	Mode        string // Governance, Compliance or "" (local store: recorded only)
	RetainUntil time.Time
	Jobs        int                     // parallel uploads; 0 means 4
	MaxRate     int64                   // bytes per second over all uploads; 0 is unlimited
	Progress    func(done, total int64) // bytes; never called concurrently
}

// PushResult is what a push did.
type PushResult struct {
	Ref      Ref   `json:"ref"`
	Objects  int   `json:"objects"`
	Uploaded int   `json:"uploaded"`
	Skipped  int   `json:"skipped"` // already in the archive with the same SHA-256
	Bytes    int64 `json:"bytes_uploaded"`
}

// ReadBundle returns a local bundle's manifest and reference.
func ReadBundle(dir string) (bundle.Manifest, Ref, error) {
	var m bundle.Manifest
	data, err := os.ReadFile(filepath.Join(dir, bundle.ManifestName))
	if err != nil {
		return m, Ref{}, fmt.Errorf("%s is not an export bundle: %w", dir, err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, Ref{}, fmt.Errorf("%s: %w", filepath.Join(dir, bundle.ManifestName), err)
	}
	if m.Case == "" || m.ExportID == "" {
		return m, Ref{}, fmt.Errorf("%s: the manifest names no case or export id", dir)
	}
	return m, Ref{Case: m.Case, ExportID: m.ExportID}, nil
}

// Push uploads the bundle in dir: every file with its SHA-256 checked by
// the store, in parallel, and manifest.json last as the mark that the
// bundle is complete. Objects already stored with the same SHA-256 are
// skipped, so a push that stopped can be run again. The local bundle must
// verify first.
func Push(ctx context.Context, st Store, dir string, opts PushOptions) (PushResult, error) {
	m, ref, err := ReadBundle(dir)
	res := PushResult{Ref: ref}
	if err != nil {
		return res, err
	}
	rep, err := bundle.Verify(dir)
	if err != nil {
		return res, err
	}
	if !rep.OK() {
		return res, fmt.Errorf("%s fails verification (klipp verify %s); it is not archived: %w", dir, dir, ErrChecksum)
	}
	size, sumsSHA, err := bundle.HashFile(filepath.Join(dir, bundle.SumsName))
	if err != nil {
		return res, err
	}
	files := append([]bundle.File{}, m.Files...)
	files = append(files, bundle.File{Path: bundle.SumsName, Size: size, SHA256: sumsSHA})
	// The signature of SHA256SUMS and the viewer page go along when the
	// bundle has them.
	for _, name := range bundle.Unlisted {
		if size, sum, err := bundle.HashFile(filepath.Join(dir, name)); err == nil {
			files = append(files, bundle.File{Path: name, Size: size, SHA256: sum})
		} else if !os.IsNotExist(err) {
			return res, err
		}
	}
	msize, msum, err := bundle.HashFile(filepath.Join(dir, bundle.ManifestName))
	if err != nil {
		return res, err
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	total += msize
	res.Objects = len(files) + 1

	var mu sync.Mutex
	var done int64
	// report calls Progress from one upload at a time.
	report := func(n int64) {
		mu.Lock()
		defer mu.Unlock()
		done += n
		if opts.Progress != nil {
			opts.Progress(done, total)
		}
	}
	limit := newRateLimit(opts.MaxRate)
	put := func(ctx context.Context, f bundle.File) error {
		key := ref.Key(opts.Prefix, f.Path)
		if o, err := st.Stat(ctx, key); err == nil {
			if o.SHA256 == f.SHA256 && o.Size == f.Size {
				mu.Lock()
				res.Skipped++
				mu.Unlock()
				report(f.Size)
				return nil
			}
			return fmt.Errorf("%s is archived with SHA-256 %s, the bundle has %s: %w", key, o.SHA256, f.SHA256, ErrChecksum)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		file, err := os.Open(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return err
		}
		defer file.Close()
		r := &countingReader{ctx: ctx, r: file, limit: limit, report: report}
		if _, err := st.Put(ctx, key, r, PutOptions{Size: f.Size, SHA256: f.SHA256, Mode: opts.Mode, RetainUntil: opts.RetainUntil,
			ContentType: contentType(f.Path)}); err != nil {
			return err
		}
		mu.Lock()
		res.Uploaded++
		res.Bytes += f.Size
		mu.Unlock()
		return nil
	}

	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = 4
	}
	// Largest first, so that the long uploads start early.
	sort.SliceStable(files, func(i, j int) bool { return files[i].Size > files[j].Size })
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan bundle.File)
	errs := make(chan error, len(files))
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				if err := put(ctx, f); err != nil {
					errs <- err
					cancel()
				}
			}
		}()
	}
feed:
	for _, f := range files {
		select {
		case work <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := firstError(errs); err != nil {
		return res, err
	}
	if err := put(ctx, bundle.File{Path: bundle.ManifestName, Size: msize, SHA256: msum}); err != nil {
		return res, err
	}
	return res, nil
}

// firstError prefers an error that says what went wrong over the
// cancellations it caused in the other uploads.
func firstError(errs <-chan error) error {
	var first error
	for err := range errs {
		if first == nil || (errors.Is(first, context.Canceled) && !errors.Is(err, context.Canceled)) {
			first = err
		}
	}
	return first
}

func contentType(p string) string {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".mp4":
		return "video/mp4"
	case ".png":
		return "image/png"
	case ".pdf":
		return "application/pdf"
	case ".json":
		return "application/json"
	case ".csv":
		return "text/csv"
	case ".jsonl":
		return "application/x-ndjson"
	}
	if strings.HasSuffix(p, ".html") {
		return "text/html; charset=utf-8"
	}
	if strings.HasSuffix(p, bundle.SumsName) || strings.HasSuffix(p, bundle.SignatureName) {
		return "text/plain"
	}
	return "application/octet-stream"
}

// HashReader returns the SHA-256 of everything r yields.
func HashReader(r io.Reader) (string, error) {
	_, sum, err := digest.Reader(r)
	return sum, err
}

// countingReader reports progress, honours the rate limit and stops when
// ctx is cancelled.
type countingReader struct {
	ctx    context.Context
	r      io.Reader
	limit  *rateLimit
	report func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if c.limit != nil && len(p) > 256<<10 {
		p = p[:256<<10]
	}
	n, err := c.r.Read(p)
	if n > 0 {
		if c.limit != nil {
			if werr := c.limit.wait(c.ctx, n); werr != nil {
				return n, werr
			}
		}
		c.report(int64(n))
	}
	return n, err
}

// rateLimit spreads reads over time so that all uploads together stay
// under a byte rate.
type rateLimit struct {
	mu    sync.Mutex
	rate  float64
	start time.Time
	sent  int64
}

func newRateLimit(bytesPerSecond int64) *rateLimit {
	if bytesPerSecond <= 0 {
		return nil
	}
	return &rateLimit{rate: float64(bytesPerSecond), start: time.Now()}
}

func (l *rateLimit) wait(ctx context.Context, n int) error {
	l.mu.Lock()
	l.sent += int64(n)
	due := l.start.Add(time.Duration(float64(l.sent) / l.rate * float64(time.Second)))
	l.mu.Unlock()
	if d := time.Until(due); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Package app is the one service under every front end (design.md §3): the
// CLI, the terminal UI and the workers call its typed methods, each taking
// a request struct and returning a result struct. It is opened once and
// holds the configuration, the camera catalog, the store, the audit log, a
// clock and the archive opener. A method that changes evidence stores the
// change and its audit entry together, or neither (change). Front ends map
// flags or keys to requests and results to output; nothing else.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/jobs"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Options are what a front end decides about the service.
type Options struct {
	// Now is the clock; time.Now when nil. Tests inject a fixed one.
	Now func() time.Time
	// Version is klipp's version, recorded in derived files.
	Version string
	// OpenArchive opens the archive; the configured backend when nil.
	// Tests wrap a real backend to inject faults.
	OpenArchive func(ctx context.Context, cfg *config.Config) (archive.Store, error)
}

// Service is klipp's application. Its methods are safe for concurrent use.
type Service struct {
	cfg         *config.Config
	store       *store.Store
	now         func() time.Time
	version     string
	openArchive func(ctx context.Context, cfg *config.Config) (archive.Store, error)
	jobs        *jobs.Client // with the shared store (jobs.go)

	mu  sync.Mutex
	cat *catalog.Catalog // loaded on first use

	login string // who works: the PostgreSQL login, or the OS user (roles.go)
	owner bool   // the login owns the shared store
	via   string // the worker's login when this service runs a job for login
}

// view is a copy of the service that shares its store, catalog, archive
// opener and jobs: one operation runs in it at another time (at) or for
// another person (actingFor).
func (s *Service) view() *Service {
	s.mu.Lock()
	cat := s.cat
	s.mu.Unlock()
	return &Service{cfg: s.cfg, store: s.store, now: s.now, version: s.version, openArchive: s.openArchive, jobs: s.jobs, cat: cat,
		login: s.login, owner: s.owner, via: s.via}
}

// Open opens the service over a loaded configuration: the store in
// data_dir, migrated. The catalog is read when first needed.
func Open(ctx context.Context, cfg *config.Config, opts Options) (*Service, error) {
	where := cfg.Store.URL
	if where == "" {
		where = filepath.Join(cfg.DataDir, "klipp.db")
	}
	st, err := store.Open(ctx, where)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	st.UseRoots(cfg.Roots)
	s := &Service{cfg: cfg, store: st, now: opts.Now, version: opts.Version, openArchive: opts.OpenArchive}
	if s.now == nil {
		s.now = time.Now
	}
	if s.version == "" {
		s.version = "dev"
	}
	if s.openArchive == nil {
		s.openArchive = OpenArchive
	}
	if err := s.identify(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := s.adoptAuditLog(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := s.openJobs(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the store.
func (s *Service) Close() error {
	if s.jobs != nil {
		s.jobs.Close()
	}
	return s.store.Close()
}

// Config is the configuration the service runs with.
func (s *Service) Config() *config.Config { return s.cfg }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Version is klipp's version.
func (s *Service) Version() string { return s.version }

// Store is the open store, for front ends' reads that have no method yet.
func (s *Service) Store() *store.Store { return s.store }

// Catalog is the whole camera catalog, read once (from the store's copy
// when it is current, see cameras.go).
func (s *Service) Catalog() (*catalog.Catalog, error) {
	if c := s.cached(); c != nil {
		return c, nil
	}
	c, err := s.loadCatalog(context.Background())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cat = c
	s.mu.Unlock()
	return c, nil
}

// Camera looks a camera up in the catalog (a NotFound error when
// unknown); without reading the whole catalog when it is not yet read.
func (s *Service) Camera(id string) (*catalog.Camera, error) {
	return s.cameraByID(context.Background(), id)
}

// ReloadCatalog forgets the catalog, so the next use reads the file again
// (after cameras import or a clock measurement changed it).
func (s *Service) ReloadCatalog() {
	s.mu.Lock()
	s.cat = nil
	s.mu.Unlock()
}

// AuditPath is the audit log's JSONL mirror.
func (s *Service) AuditPath() string { return filepath.Join(s.cfg.DataDir, "audit.jsonl") }

// Who is the person recorded in the audit log and as author: with
// PostgreSQL the login (no setting can change it); with SQLite, one
// person's store, klipp.yaml's analyst (a display name, by default the OS
// user), as before roles existed.
func (s *Service) Who() string {
	if s.store.Dialect() == store.Postgres {
		return s.login
	}
	return s.cfg.Analyst
}

// Archive opens the configured archive. Configuration mistakes are usage
// errors (exit 2); everything the server says is a storage error (exit 5).
func (s *Service) Archive(ctx context.Context) (archive.Store, error) {
	st, err := s.openArchive(ctx, s.cfg)
	return st, archiveFault(err)
}

// OpenArchive opens the archive cfg configures.
func OpenArchive(ctx context.Context, cfg *config.Config) (archive.Store, error) {
	if cfg.Archive.Backend == "local" {
		return archive.NewLocal(cfg.Archive.Path)
	}
	c := cfg.Archive.S3
	return archive.NewS3(ctx, archive.S3Config{Endpoint: c.Endpoint, Region: c.Region, Bucket: c.Bucket, TLS: c.TLS, CAFile: c.CAFile,
		LockMode: c.LockMode, AccessKey: c.AccessKey, SecretKey: c.SecretKey})
}

// archiveFault classifies an archive error for the exit code.
func archiveFault(err error) error {
	if err == nil || fault.KindOf(err) != fault.Internal {
		return err
	}
	var ce *archive.ConfigError
	if errors.As(err, &ce) {
		return fault.Wrap(fault.Usage, err)
	}
	if errors.Is(err, archive.ErrNotFound) {
		return fault.Wrap(fault.NotFound, err)
	}
	return fault.Wrap(fault.Storage, err)
}

// change stores a change and its audit entry as one: fn's store writes
// and the audit row are one transaction. With SQLite the entry's line is
// also written to the JSONL mirror (and synced) before that transaction
// commits; when the mirror cannot be written nothing is stored, and when
// the commit fails the line is taken back. The mirror's lock serialises
// changes across processes on this machine; with PostgreSQL a transaction
// lock on the chain does so across machines, so the chain has one head.
// fn may be nil for an action that changes nothing in the store (a read,
// an output file). It returns the entry as chained.
func (s *Service) change(ctx context.Context, e audit.Entry, fn func(tx *store.Store) error) (audit.Entry, error) {
	var m *audit.Mirror
	if s.store.Dialect() == store.SQLite {
		var err error
		if m, err = audit.LockMirror(s.AuditPath()); err != nil {
			return e, fault.Wrap(fault.Storage, err)
		}
		defer m.Close()
	}
	written := false
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.LockAudit(ctx); err != nil {
			return fault.Wrap(fault.Storage, fmt.Errorf("audit lock: %w", err))
		}
		if fn != nil {
			if err := fn(tx); err != nil {
				return err
			}
		}
		seq, hash, err := tx.AuditHead(ctx)
		if err != nil {
			return fault.Wrap(fault.Storage, fmt.Errorf("audit head: %w", err))
		}
		e.Who = s.Who()
		if s.via != "" {
			e.Detail = withDetail(e.Detail, "worker", s.via)
		}
		e = audit.Next(e, audit.Head{Seq: seq, Hash: hash}, s.now())
		line, err := audit.Line(e)
		if err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, store.AuditRow{Seq: e.Seq, Hash: e.Hash, Case: e.Case, Line: string(line)}); err != nil {
			return fault.Wrap(fault.Storage, fmt.Errorf("audit entry %d: %w", e.Seq, err))
		}
		if m != nil {
			if err := m.Append(line); err != nil {
				return fault.Wrap(fault.Storage, err)
			}
			written = true
		}
		return nil
	})
	if err != nil {
		if written {
			m.Undo()
		}
		if fault.KindOf(err) == fault.Internal && !errors.Is(err, context.Canceled) {
			err = fault.Wrap(fault.Storage, err)
		}
		return e, err
	}
	return e, nil
}

// record audits an action that changes nothing in the store.
func (s *Service) record(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	return s.change(ctx, e, nil)
}

// adoptAuditLog brings an audit log written before the chain lived in the
// store into it, once, line for line: the store then holds the head.
func (s *Service) adoptAuditLog(ctx context.Context) error {
	if s.store.Dialect() != store.SQLite {
		return nil // the shared store's chain is its table; no machine's file is adopted
	}
	seq, _, err := s.store.AuditHead(ctx)
	if err != nil || seq > 0 {
		return fault.Wrap(fault.Storage, err)
	}
	if _, err := os.Stat(s.AuditPath()); err != nil {
		return nil
	}
	return fault.Wrap(fault.Storage, s.store.InTx(ctx, func(tx *store.Store) error {
		return audit.Lines(s.AuditPath(), func(e audit.Entry, line []byte) error {
			return tx.AppendAudit(ctx, store.AuditRow{Seq: e.Seq, Hash: e.Hash, Case: e.Case, Line: string(line)})
		})
	}))
}

// Record audits an action that changes nothing in the store. Front ends
// still doing their own work call it until that work moves here.
func (s *Service) Record(ctx context.Context, e audit.Entry) error {
	_, err := s.record(ctx, e)
	return err
}

// withDetail adds one detail to an audit entry's details.
func withDetail(d map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(d)+1)
	for dk, dv := range d {
		out[dk] = dv
	}
	out[k] = v
	return out
}

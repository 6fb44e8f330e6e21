package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// Locker hands out named locks that hold across processes: one push of a
// bundle at a time. The SQLite deployment's is a file lock under data_dir;
// a PostgreSQL advisory lock can implement it for a shared store.
type Locker interface {
	// TryLock takes the lock name for holder (a line saying who and what),
	// or reports who holds it: ErrHeld with the holder's line.
	TryLock(name, holder string) (release func(), err error)
}

// HeldError is returned by TryLock when another holds the lock.
type HeldError struct {
	Name, Holder string
}

func (e *HeldError) Error() string { return fmt.Sprintf("%s is held by %s", e.Name, e.Holder) }

// fileLocker locks files under dir with flock(2): the kernel drops the lock
// when its process dies, so a killed push never leaves it held.
type fileLocker struct{ dir string }

func (l fileLocker) TryLock(name, holder string) (func(), error) {
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return nil, err
	}
	p := filepath.Join(l.dir, name+".lock")
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who, _ := os.ReadFile(p)
			h := strings.TrimSpace(string(who))
			if h == "" {
				h = "another klipp process"
			}
			return nil, &HeldError{Name: name, Holder: h}
		}
		return nil, err
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(holder+"\n"), 0)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			f.Truncate(0)
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
		})
	}, nil
}

// locker is the service's: file locks under <data_dir>/locks.
func (s *Service) locker() Locker { return fileLocker{dir: filepath.Join(s.cfg.DataDir, "locks")} }

// lockBundle takes the bundle's push lock, or fails with a usage error
// (exit 2) saying which push holds it.
func (s *Service) lockBundle(ref archive.Ref, what string) (func(), error) {
	name := "push-" + strings.NewReplacer("/", "_", "\\", "_").Replace(ref.Case+"-"+ref.ExportID)
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s of %s by %s (pid %d on %s, since %s)", what, ref, s.Who(), os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	release, err := s.locker().TryLock(name, holder)
	var held *HeldError
	if errors.As(err, &held) {
		return nil, fault.Usagef("%s is being pushed by another klipp: %s; wait for it to finish", ref, held.Holder)
	}
	if err != nil {
		return nil, fault.Wrap(fault.Storage, fmt.Errorf("push lock for %s: %w", ref, err))
	}
	return release, nil
}

package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// Holder says who holds a lock: shown to whoever finds it taken.
type Holder struct {
	What     string    `json:"what"` // "export of case 5000-K1-26"
	ExportID string    `json:"export_id,omitempty"`
	Output   string    `json:"output,omitempty"`
	By       string    `json:"by,omitempty"`
	Host     string    `json:"host"`
	PID      int       `json:"pid"`
	Since    time.Time `json:"since"`
}

func (h Holder) String() string {
	s := h.What
	if h.ExportID != "" {
		s += " " + h.ExportID
	}
	if h.Output != "" {
		s += " into " + h.Output
	}
	if h.By != "" {
		s += " by " + h.By
	}
	return fmt.Sprintf("%s (pid %d on %s, since %s)", s, h.PID, h.Host, h.Since.UTC().Format(time.RFC3339))
}

// ErrHeld is the error of a lock someone else holds.
type ErrHeld struct {
	Name   string
	Holder Holder // as the holder wrote it; zero if it had not yet
}

func (e *ErrHeld) Error() string {
	if e.Holder.PID == 0 {
		return e.Name + " is held by another process"
	}
	return e.Name + " is held by " + e.Holder.String()
}

// Locker takes named exclusive locks that hold across processes: one
// export per case at a time. The file locker serves one data directory; a
// shared store can implement it with advisory locks.
type Locker interface {
	// TryLock takes the lock name for holder, or returns *ErrHeld at once.
	TryLock(ctx context.Context, name string, holder Holder) (Lock, error)
}

// Lock is a held lock.
type Lock interface {
	// SetHolder updates what others are told about the holder.
	SetHolder(Holder) error
	Unlock() error
}

// LockWait takes the lock name, waiting for it while ctx lasts when wait
// is set (waiting is told once); otherwise a lock held by another returns
// its *ErrHeld.
func LockWait(ctx context.Context, l Locker, name string, holder Holder, wait bool, waiting func(*ErrHeld)) (Lock, error) {
	told := false
	for {
		lk, err := l.TryLock(ctx, name, holder)
		var held *ErrHeld
		if err == nil || !errors.As(err, &held) {
			return lk, err
		}
		if !wait {
			return nil, err
		}
		if !told && waiting != nil {
			waiting(held)
			told = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// FileLocker takes locks as flock(2)s on files in Dir: released by the
// kernel when the process ends, however it ends, so a lock is never stale.
// The file holds its holder as JSON.
type FileLocker struct{ Dir string }

var _ Locker = FileLocker{}

// TryLock implements Locker.
func (fl FileLocker) TryLock(ctx context.Context, name string, holder Holder) (Lock, error) {
	if err := os.MkdirAll(fl.Dir, 0o755); err != nil {
		return nil, fault.Wrap(fault.Storage, fmt.Errorf("lock %s: %w", name, err))
	}
	path := filepath.Join(fl.Dir, name+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, fmt.Errorf("lock %s: %w", name, err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			held := &ErrHeld{Name: name}
			if data, err := os.ReadFile(path); err == nil {
				json.Unmarshal(data, &held.Holder)
			}
			return nil, held
		}
		return nil, fault.Wrap(fault.Storage, fmt.Errorf("lock %s: %w", path, err))
	}
	lk := &fileLock{f: f}
	if holder.PID == 0 {
		holder.PID = os.Getpid()
	}
	if holder.Host == "" {
		holder.Host, _ = os.Hostname()
	}
	if holder.Since.IsZero() {
		holder.Since = time.Now()
	}
	if err := lk.SetHolder(holder); err != nil {
		lk.Unlock()
		return nil, err
	}
	return lk, nil
}

type fileLock struct {
	f      *os.File
	holder Holder
}

func (l *fileLock) SetHolder(h Holder) error {
	if h.PID == 0 {
		h.PID, h.Host, h.Since = l.holder.PID, l.holder.Host, l.holder.Since
	}
	l.holder = h
	data, _ := json.Marshal(h)
	if err := l.f.Truncate(0); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	if _, err := l.f.WriteAt(append(data, '\n'), 0); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	return nil
}

// Unlock releases the lock; the file stays (removing it would race with a
// process that has opened it and waits to lock it).
func (l *fileLock) Unlock() error { return l.f.Close() }

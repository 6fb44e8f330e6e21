// Package atomicfile writes files so that a reader never sees a half-written
// one under the final name: data goes to a hidden temporary file beside the
// target, which is renamed into place only when complete. A temporary's
// name carries the writer's process id, so a later run can tell the
// temporaries of a writer that died (SweepDir) from those still being
// written.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// Temp creates an empty hidden temporary file beside path and returns its
// name, for writers (muxers) that open the file themselves. The caller
// renames it to path when done, or removes it. The name keeps path's
// extension (writers may choose a format by it): .STEM.klipp-PID-N.EXT.
func Temp(path string) (string, error) {
	base := filepath.Base(path)
	ext := filepath.Ext(base)
	f, err := os.CreateTemp(filepath.Dir(path), "."+strings.TrimSuffix(base, ext)+".klipp-"+strconv.Itoa(os.Getpid())+"-*"+ext)
	if err != nil {
		return "", err
	}
	name := f.Name()
	// CreateTemp makes files only their owner can read; a delivered file is
	// an ordinary one.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(name)
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// Write writes data to path through a temporary file.
func Write(path string, data []byte) error {
	tmp, err := Temp(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp) // a no-op once renamed
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// File is a file being written under a temporary name; Commit renames it
// to its final name, Abort (safe to defer, a no-op after Commit) removes it.
type File struct {
	*os.File
	final     string
	committed bool
}

// Create opens a temporary file beside path for streaming writes.
func Create(path string) (*File, error) {
	tmp, err := Temp(path)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &File{File: f, final: path}, nil
}

// Commit flushes the file to disk and renames it to its final name.
func (f *File) Commit() error {
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", f.final, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.final, err)
	}
	if err := os.Rename(f.Name(), f.final); err != nil {
		return fmt.Errorf("write %s: %w", f.final, err)
	}
	f.committed = true
	return nil
}

// CommitAs is Commit to a name decided only once the content is written
// (e.g. one that holds its hash).
func (f *File) CommitAs(path string) error {
	f.final = path
	return f.Commit()
}

// Abort removes the temporary file unless it was committed.
func (f *File) Abort() {
	if !f.committed {
		f.Close()
		os.Remove(f.Name())
	}
}

// tempRe matches a temporary's name and captures its writer's process id.
var tempRe = regexp.MustCompile(`^\..*\.klipp-(\d+)-\d+(\.[^./]*)?$`)

// SweepDir removes the temporaries in dir (not below it) whose writer is
// no longer running: what a killed or crashed run left. It returns the
// names removed. Temporaries of running writers, this process's included,
// stay.
func SweepDir(dir string) ([]string, error) {
	list, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range list {
		m := tempRe.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		pid, err := strconv.Atoi(m[1])
		if err != nil || running(pid) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, err
		}
		removed = append(removed, p)
	}
	return removed, nil
}

// running reports whether process pid exists on this machine.
func running(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Package audit keeps klipp's append-only, hash-chained audit log (design.md
// §2.4): one JSON line per action that reads, exports, archives or changes
// evidence. Each line carries the hash of the line before it and its own, so
// that a changed, removed or reordered line is found by Verify.
package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Entry is one audited action.
type Entry struct {
	Seq    int64             `json:"seq"`
	Time   time.Time         `json:"time"`
	Who    string            `json:"who"`
	Action string            `json:"action"` // still, cut, case.create, export, …
	Case   string            `json:"case,omitempty"`
	Camera string            `json:"camera,omitempty"`
	Detail map[string]string `json:"detail,omitempty"`
	Hashes map[string]string `json:"hashes,omitempty"` // file → SHA-256 of what was read or written
	Prev   string            `json:"prev"`             // hash of the line before; "" for the first
	Hash   string            `json:"hash"`             // SHA-256 of this entry with Hash empty
}

// digest is the hash of e's content (every field but Hash).
func digest(e Entry) string {
	e.Hash = ""
	b, _ := json.Marshal(e) // struct fields in order, map keys sorted: canonical
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Head is where a chain ends: the last entry's sequence number and hash
// (0 and "" for an empty chain). Bundles and seals carry it as an anchor.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Next chains e after head: it sets Seq, Prev and Hash (and Time when zero).
func Next(e Entry, head Head, now time.Time) Entry {
	e.Seq, e.Prev = head.Seq+1, head.Hash
	if e.Time.IsZero() {
		e.Time = now.UTC()
	}
	e.Hash = digest(e)
	return e
}

// Line is e as one line of the log, without the newline.
func Line(e Entry) ([]byte, error) { return json.Marshal(e) }

// Mirror is the JSONL log file, held under an exclusive lock while one
// entry is added: appends from several processes are serialised by it.
type Mirror struct {
	f    *os.File
	undo int64 // the size before the last Append
}

// LockMirror opens (creating) the log at path and locks it.
func LockMirror(path string) (*Mirror, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("audit log %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log %s: lock: %w", path, err)
	}
	return &Mirror{f: f, undo: -1}, nil
}

// Last reads the log's last entry, nil when the log is empty.
func (m *Mirror) Last() (*Entry, error) {
	e, err := lastEntry(m.f)
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", m.f.Name(), err)
	}
	return e, nil
}

// Append writes one line at the end of the log and syncs it to disk. A
// failed write is taken back, so the log never ends in half a line.
func (m *Mirror) Append(line []byte) error {
	end, err := m.f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", m.f.Name(), err)
	}
	m.undo = end
	if _, err := m.f.Write(append(line, '\n')); err != nil {
		m.Undo()
		return fmt.Errorf("audit log %s: %w", m.f.Name(), err)
	}
	if err := m.f.Sync(); err != nil {
		m.Undo()
		return fmt.Errorf("audit log %s: %w", m.f.Name(), err)
	}
	return nil
}

// Undo removes the line the last Append wrote (the change it recorded did
// not commit).
func (m *Mirror) Undo() error {
	if m.undo < 0 {
		return nil
	}
	err := m.f.Truncate(m.undo)
	m.undo = -1
	if err == nil {
		err = m.f.Sync()
	}
	return err
}

// Close unlocks and closes the log.
func (m *Mirror) Close() error {
	syscall.Flock(int(m.f.Fd()), syscall.LOCK_UN)
	return m.f.Close()
}

// Lines calls fn with every entry of the log at path and its line, in order;
// a missing log has none.
func Lines(path string, fn func(e Entry, line []byte) error) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("audit log %s: line %d is not an audit entry: %w", path, n, err)
		}
		if err := fn(e, sc.Bytes()); err != nil {
			return err
		}
	}
	return sc.Err()
}

// lastEntry reads the log's last line.
func lastEntry(f *os.File) (*Entry, error) {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return nil, err
	}
	const chunk = 1 << 20
	off := max(0, st.Size()-chunk)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	buf = bytes.TrimRight(buf, "\n")
	if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
		buf = buf[i+1:]
	}
	var e Entry
	if err := json.Unmarshal(buf, &e); err != nil {
		return nil, fmt.Errorf("last line is not an audit entry: %w", err)
	}
	return &e, nil
}

// VerifyError names the first line that breaks the chain.
type VerifyError struct {
	Line   int
	Reason string
}

func (e *VerifyError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Verify reads the whole log and checks every line's hash, sequence and link
// to the line before. It returns the number of entries and the last hash.
func Verify(path string) (n int, last string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	return VerifyReader(f)
}

// VerifyReader checks a chain read as JSONL lines from r, as Verify does.
func VerifyReader(r io.Reader) (n int, last string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	var prev *Entry
	for line := 1; sc.Scan(); line++ {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return n, last, &VerifyError{line, "not an audit entry (" + err.Error() + ")"}
		}
		switch {
		case digest(e) != e.Hash:
			return n, last, &VerifyError{line, "its content does not match its hash: the line was changed"}
		case prev == nil && (e.Seq != 1 || e.Prev != ""):
			return n, last, &VerifyError{line, fmt.Sprintf("the log starts at entry %d: earlier lines were removed", e.Seq)}
		case prev != nil && e.Prev != prev.Hash:
			return n, last, &VerifyError{line, fmt.Sprintf("it does not follow line %d (entry %d): a line was removed, inserted or reordered before it", line-1, prev.Seq)}
		case prev != nil && e.Seq != prev.Seq+1:
			return n, last, &VerifyError{line, fmt.Sprintf("entry %d follows entry %d", e.Seq, prev.Seq)}
		}
		n, last, prev = n+1, e.Hash, &e
	}
	return n, last, sc.Err()
}

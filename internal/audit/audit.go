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

// Append adds e to the log at path, filling in Seq, Prev and Hash (and Time
// when zero). Appends from several processes are serialised by a lock on
// the file.
func Append(path string, e Entry) (Entry, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return e, fmt.Errorf("audit: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return e, fmt.Errorf("audit: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return e, fmt.Errorf("audit: lock %s: %w", path, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	last, err := lastEntry(f)
	if err != nil {
		return e, fmt.Errorf("audit %s: %w", path, err)
	}
	if last != nil {
		e.Seq, e.Prev = last.Seq+1, last.Hash
	} else {
		e.Seq, e.Prev = 1, ""
	}
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	e.Hash = digest(e)
	line, err := json.Marshal(e)
	if err != nil {
		return e, fmt.Errorf("audit: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return e, fmt.Errorf("audit %s: %w", path, err)
	}
	return e, f.Sync()
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
	sc := bufio.NewScanner(f)
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

// Package digest is klipp's one SHA-256 helper: of a file, of a stream as
// it is read, and of bytes as they are written. Every hash klipp records is
// made here, of the bytes actually read or written, and every read error
// is returned.
package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
)

// File returns the size and SHA-256 (lower-case hex) of the file at path.
func File(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	n, sum, err := Reader(f)
	if err != nil {
		return n, "", fmt.Errorf("hash %s: %w", path, err)
	}
	return n, sum, nil
}

// Reader reads r to its end and returns how many bytes it read and their
// SHA-256.
func Reader(r io.Reader) (int64, string, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return n, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// Bytes returns the SHA-256 of b.
func Bytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Writer hashes what passes through it: wrap a destination to hash a copy
// as it is written, or use NewWriter(nil) as a plain hashing sink.
type Writer struct {
	w io.Writer
	h hash.Hash
	n int64
}

// NewWriter returns a Writer that writes to w (which may be nil) and
// hashes every byte written.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w, h: sha256.New()} }

func (d *Writer) Write(p []byte) (int, error) {
	n := len(p)
	var err error
	if d.w != nil {
		n, err = d.w.Write(p)
	}
	d.h.Write(p[:n])
	d.n += int64(n)
	return n, err
}

// Size is how many bytes have been written.
func (d *Writer) Size() int64 { return d.n }

// Sum is the SHA-256 (hex) of what has been written so far.
func (d *Writer) Sum() string { return hex.EncodeToString(d.h.Sum(nil)) }

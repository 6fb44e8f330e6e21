package digest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The SHA-256 of "abc" (FIPS 180-2, appendix B.1).
const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

func TestDigests(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("abc"), 0o644)
	if n, sum, err := File(p); err != nil || n != 3 || sum != abc {
		t.Errorf("File: %d %s %v", n, sum, err)
	}
	if n, sum, err := Reader(bytes.NewReader([]byte("abc"))); err != nil || n != 3 || sum != abc {
		t.Errorf("Reader: %d %s %v", n, sum, err)
	}
	if Bytes([]byte("abc")) != abc {
		t.Error("Bytes")
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Write([]byte("a"))
	w.Write([]byte("bc"))
	if w.Sum() != abc || w.Size() != 3 || buf.String() != "abc" {
		t.Errorf("Writer: %s %d %q", w.Sum(), w.Size(), buf.String())
	}
	if _, _, err := File(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("File of a missing file: no error")
	}
}

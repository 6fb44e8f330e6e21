package audit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func write(t *testing.T, n int) (string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	for i := 0; i < n; i++ {
		if err := appendTo(path, Entry{Who: "anna", Action: "still", Camera: "sodergatan-2", Hashes: map[string]string{"a.png": "ab12"}}); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(path)
	return path, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// appendTo chains e after the log's last line, under the log's lock.
func appendTo(path string, e Entry) error {
	m, err := LockMirror(path)
	if err != nil {
		return err
	}
	defer m.Close()
	last, err := m.Last()
	if err != nil {
		return err
	}
	head := Head{}
	if last != nil {
		head = Head{last.Seq, last.Hash}
	}
	line, err := Line(Next(e, head, time.Now()))
	if err != nil {
		return err
	}
	return m.Append(line)
}

func rewrite(t *testing.T, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerify(t *testing.T) {
	path, lines := write(t, 4)
	if n, last, err := Verify(path); err != nil || n != 4 || last == "" {
		t.Fatalf("intact log: %d %q %v", n, last, err)
	}
	cases := []struct {
		name string
		edit func([]string) []string
		line int
		want string
	}{
		{"changed", func(l []string) []string { l[1] = strings.Replace(l[1], `"anna"`, `"bert"`, 1); return l }, 2, "was changed"},
		{"removed", func(l []string) []string { return append(l[:2:2], l[3:]...) }, 3, "does not follow line 2"},
		{"reordered", func(l []string) []string { l[1], l[2] = l[2], l[1]; return l }, 2, "does not follow line 1"},
		{"head removed", func(l []string) []string { return l[1:] }, 1, "earlier lines were removed"},
		{"garbage", func(l []string) []string { l[3] = "{oops"; return l }, 4, "not an audit entry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rewrite(t, path, c.edit(append([]string(nil), lines...)))
			_, _, err := Verify(path)
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Line != c.line || !strings.Contains(ve.Reason, c.want) {
				t.Errorf("error %v, want line %d %q", err, c.line, c.want)
			}
		})
	}
}

func TestConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := appendTo(path, Entry{Who: "w", Action: "cut"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n, _, err := Verify(path); err != nil || n != 20 {
		t.Errorf("after concurrent appends: %d entries, %v", n, err)
	}
}

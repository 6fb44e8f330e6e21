package bundle

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func makeBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	m := Manifest{Case: "5000-K123456-26", ExportID: "20261121T080000Z", Created: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC), Software: "klipp test"}
	for name, body := range map[string]string{"report.pdf": "%PDF-1.4 …", "clips/01-sodergatan-2-221012.mp4": "mp4 bytes", "stills/01-sodergatan-2-221012.345.png": "png"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		size, sum, err := HashFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m.Files = append(m.Files, File{Path: name, Size: size, SHA256: sum, DerivedFrom: []string{"recordings/x.mp4"}})
	}
	if err := Finish(dir, m); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestVerify(t *testing.T) {
	dir := makeBundle(t)
	r, err := Verify(dir)
	if err != nil || !r.OK() || r.Checked != 4 {
		t.Fatalf("intact bundle: %+v %v", r, err)
	}
	// sha256sum -c agrees, with no klipp involved.
	cmd := exec.Command("sha256sum", "--quiet", "-c", SumsName)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v %s", err, out)
	}
	clip := filepath.Join(dir, "clips", "01-sodergatan-2-221012.mp4")
	data, _ := os.ReadFile(clip)
	data[0] ^= 1 // one changed bit
	os.WriteFile(clip, data, 0o644)
	os.Remove(filepath.Join(dir, "report.pdf"))
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("added later"), 0o644)
	r, err = Verify(dir)
	if err != nil || r.OK() || len(r.Changed) != 1 || r.Changed[0] != "clips/01-sodergatan-2-221012.mp4" ||
		len(r.Missing) != 1 || r.Missing[0] != "report.pdf" || len(r.Extra) != 1 || r.Extra[0] != "notes.txt" {
		t.Errorf("tampered bundle: %+v %v", r, err)
	}
}

func TestVerifyRefusesPathsOutside(t *testing.T) {
	dir := makeBundle(t)
	sums, _ := os.ReadFile(filepath.Join(dir, SumsName))
	bad := string(sums) + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  ../outside\n"
	os.WriteFile(filepath.Join(dir, SumsName), []byte(bad), 0o644)
	r, err := Verify(dir)
	if err != nil || r.OK() || len(r.Invalid) != 1 {
		t.Errorf("path outside: %+v %v", r, err)
	}
}

// A name with a newline, a backslash and a carriage return is written as
// coreutils writes it: `sha256sum -c` passes, Verify reads it back, and
// the line is the one sha256sum itself prints for that file.
func TestSumsEscapeNames(t *testing.T) {
	dir := t.TempDir()
	name := "native/cam/2026-11-20/22-00-00\nkopia \\ 2\r.mp4"
	p := filepath.Join(dir, filepath.FromSlash(name))
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("footage"), 0o644)
	size, sum, _ := HashFile(p)
	if err := Finish(dir, Manifest{Case: "K1", ExportID: "x", Files: []File{{Path: name, Size: size, SHA256: sum}}}); err != nil {
		t.Fatal(err)
	}
	check := exec.Command("sha256sum", "-c", SumsName)
	check.Dir = dir
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}
	own := exec.Command("sha256sum", name)
	own.Dir = dir
	out, err := own.Output()
	if err != nil || string(out) != SumsLine(sum, name) {
		t.Errorf("sha256sum writes %q, klipp %q", out, SumsLine(sum, name))
	}
	r, err := Verify(dir)
	if err != nil || !r.OK() || r.Checked != 2 {
		t.Fatalf("verify: %+v %v", r, err)
	}
	os.WriteFile(p, []byte("changed"), 0o644)
	if r, _ := Verify(dir); len(r.Changed) != 1 || r.Changed[0] != name {
		t.Errorf("a changed file with a newline in its name: %+v", r)
	}
	for _, bad := range []string{`\` + sum + `  a\qb`, `\` + sum + `  ab\`} {
		if _, _, ok := ParseSumsLine(bad); ok {
			t.Errorf("%q read as valid", bad)
		}
	}
}

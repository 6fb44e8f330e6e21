// Package bundle writes and verifies export bundles (design.md §7): every
// delivered file listed in manifest.json with its SHA-256 and what it was
// derived from, and a SHA256SUMS that `sha256sum -c` checks with no klipp
// installed.
package bundle

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/digest"
)

// File is one delivered file.
type File struct {
	Path        string            `json:"path"` // slash-separated, relative to the bundle
	Size        int64             `json:"size"`
	SHA256      string            `json:"sha256"`
	DerivedFrom []string          `json:"derived_from,omitempty"` // sources, by path or SHA-256
	Tool        string            `json:"tool,omitempty"`         // e.g. "klipp dev, FFmpeg 5.1.9"
	Parameters  map[string]string `json:"parameters,omitempty"`
}

// Manifest lists a bundle's files.
type Manifest struct {
	Case     string    `json:"case"`
	ExportID string    `json:"export_id"`
	Created  time.Time `json:"created"`
	Software string    `json:"software"`
	// AuditHead is the audit chain's head (seq, hash) when the bundle was
	// made: a later truncation or rewrite of the chain shows against it.
	AuditHead *AuditHead `json:"audit_head,omitempty"`
	// Signer, when set, signs SHA256SUMS into SHA256SUMS.sig; absent, the
	// bundle is unsigned.
	Signer *SignerInfo `json:"signer,omitempty"`
	Files  []File      `json:"files"`
}

// AuditHead is the last audit entry's sequence number and hash.
type AuditHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// HashFile returns a file's size and SHA-256 (digest.File).
func HashFile(p string) (int64, string, error) { return digest.File(p) }

// Finish writes manifest.json (files sorted by path) and then SHA256SUMS,
// which lists every file of the manifest and the manifest itself: an
// unsigned bundle.
func Finish(dir string, m Manifest) error { return FinishSigned(dir, m, nil) }

// FinishSigned is Finish, then with a signer SHA256SUMS.sig (and m.Signer
// names it).
func FinishSigned(dir string, m Manifest, signer *Signer) error {
	if signer != nil {
		m.Signer = &signer.Info
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, ManifestName), append(data, '\n')); err != nil {
		return err
	}
	_, msum, err := HashFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, f := range m.Files {
		b.WriteString(SumsLine(f.SHA256, f.Path))
	}
	b.WriteString(SumsLine(msum, ManifestName))
	if err := atomicfile.Write(filepath.Join(dir, SumsName), []byte(b.String())); err != nil {
		return err
	}
	if signer == nil {
		// An old signature of other sums must not stay.
		if err := os.Remove(filepath.Join(dir, SignatureName)); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	return SignSums(dir, signer)
}

// sumsEscaper escapes a name the way GNU coreutils (9.x) does in its
// checksum lines: backslash, newline and carriage return.
var sumsEscaper = strings.NewReplacer("\\", "\\\\", "\n", "\\n", "\r", "\\r")

// SumsLine is one line of SHA256SUMS as sha256sum writes it: a name with a
// backslash, newline or carriage return is escaped (\\, \n, \r) and the
// line then begins with a backslash.
func SumsLine(sum, name string) string {
	if strings.ContainsAny(name, "\\\n\r") {
		return "\\" + sum + "  " + sumsEscaper.Replace(name) + "\n"
	}
	return sum + "  " + name + "\n"
}

// ParseSumsLine reads a line SumsLine (or sha256sum) wrote, without its
// newline: the hash and the unescaped name.
func ParseSumsLine(line string) (sum, name string, ok bool) {
	escaped := strings.HasPrefix(line, "\\")
	if escaped {
		line = line[1:]
	}
	sum, name, ok = strings.Cut(line, "  ")
	if !ok || !escaped {
		return sum, name, ok
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] != '\\' {
			b.WriteByte(name[i])
			continue
		}
		if i+1 == len(name) {
			return sum, name, false
		}
		i++
		switch name[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			return sum, name, false
		}
	}
	return sum, b.String(), true
}

// Report is what Verify found.
type Report struct {
	Dir     string   `json:"dir"`
	Checked int      `json:"checked"`
	Missing []string `json:"missing"`
	Changed []string `json:"changed"`
	Extra   []string `json:"extra"`
	Invalid []string `json:"invalid"` // lines of SHA256SUMS that are not "<sha256>  <path inside the bundle>"
	// Signature is what SHA256SUMS.sig says: unsigned, valid (by whom) or
	// not.
	Signature *SignatureReport `json:"signature"`
}

// OK reports whether every listed file is present and unchanged, and no
// file is unlisted.
func (r *Report) OK() bool {
	return len(r.Missing)+len(r.Changed)+len(r.Extra)+len(r.Invalid) == 0 && r.Signature.OK()
}

// Unlisted are the bundle's files SHA256SUMS cannot list: the signature of
// SHA256SUMS, and the viewer page, which `klipp viewer` may write again
// (it checks the listed files; its own word is no evidence).
var Unlisted = []string{SignatureName, IndexName}

// Verify recomputes every hash listed in dir's SHA256SUMS.
func Verify(dir string) (*Report, error) {
	f, err := os.Open(filepath.Join(dir, SumsName))
	if err != nil {
		return nil, fmt.Errorf("%s: no %s: %w", dir, SumsName, err)
	}
	defer f.Close()
	r := &Report{Dir: dir, Missing: []string{}, Changed: []string{}, Extra: []string{}, Invalid: []string{}}
	listed := map[string]bool{SumsName: true}
	for _, n := range Unlisted {
		listed[n] = true
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		sum, name, ok := ParseSumsLine(line)
		clean := path.Clean(name)
		if !ok || len(sum) != 64 || name == "" || clean != name || strings.HasPrefix(clean, "../") || clean == ".." || path.IsAbs(clean) {
			r.Invalid = append(r.Invalid, line)
			continue
		}
		listed[name] = true
		r.Checked++
		_, got, err := HashFile(filepath.Join(dir, filepath.FromSlash(name)))
		switch {
		case os.IsNotExist(err):
			r.Missing = append(r.Missing, name)
		case err != nil:
			return nil, err
		case got != sum:
			r.Changed = append(r.Changed, name)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel = filepath.ToSlash(rel); !listed[rel] {
			r.Extra = append(r.Extra, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var m Manifest
	if data, err := os.ReadFile(filepath.Join(dir, ManifestName)); err == nil {
		_ = json.Unmarshal(data, &m) // an unreadable manifest shows as changed
	}
	r.Signature = CheckBundleSignature(dir, m.Signer)
	return r, nil
}

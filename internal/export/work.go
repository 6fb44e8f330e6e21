package export

import (
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
)

// step is one finished step of an export as the journal has it: what it
// was made from (Key) and the files it left, with their hashes. A re-run
// reuses a step whose key is unchanged and whose files still hash the same.
type step struct {
	Key   string        `json:"key"`
	Files []bundle.File `json:"files"`
	Entry *Entry        `json:"entry,omitempty"`
	Gaps  []footage.Gap `json:"gaps,omitempty"`
}

// Work is a bundle under construction in its hidden work directory: the
// files made so far and, for an export, the resume journal.
type Work struct {
	Dir      string // the hidden work directory
	ID       string
	Software string
	Files    map[string]bundle.File

	journal map[string]step
	stages  map[string]time.Duration
	reused  []string
}

// NewWork starts a bundle under construction in dir.
func NewWork(dir, id, software string) *Work {
	return &Work{Dir: dir, ID: id, Software: software, Files: map[string]bundle.File{}, journal: map[string]step{},
		stages: map[string]time.Duration{}}
}

// Path is where the bundle path rel is in the work directory.
func (j *Work) Path(rel string) string { return filepath.Join(j.Dir, filepath.FromSlash(rel)) }

// Add lists a file in the bundle.
func (j *Work) Add(f bundle.File) { j.Files[f.Path] = f }

// readJournal reads an interrupted export's journal; an unreadable one
// means nothing can be reused.
func (j *Work) readJournal() {
	if data, err := os.ReadFile(j.Path(bundle.JournalName)); err == nil {
		if json.Unmarshal(data, &j.journal) != nil {
			j.journal = map[string]step{}
		}
	}
}

// reuse returns the journal's step under name if its key matches and every
// file it made is intact; its files then join the manifest.
func (j *Work) reuse(name, key string) (step, bool) {
	s, ok := j.journal[name]
	if !ok || s.Key != key {
		return s, false
	}
	for _, f := range s.Files {
		if size, sum, err := digest.File(j.Path(f.Path)); err != nil || size != f.Size || sum != f.SHA256 {
			return s, false
		}
	}
	for _, f := range s.Files {
		j.Files[f.Path] = f
	}
	j.reused = append(j.reused, name)
	return s, true
}

// sweepUnfinished removes every file in an interrupted export's work
// directory that no finished step accounts for: temporary files of the
// step that was running, and anything else that cannot be trusted.
func (j *Work) sweepUnfinished() error {
	keep := map[string]bool{bundle.JournalName: true}
	for _, s := range j.journal {
		for _, f := range s.Files {
			keep[f.Path] = true
		}
	}
	return sweep(j.Dir, keep)
}

// sweep removes every file below dir whose slash path is not in keep.
func sweep(dir string, keep map[string]bool) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !keep[filepath.ToSlash(rel)] {
			return os.Remove(p)
		}
		return nil
	})
}

// done records a finished step in the journal (written atomically).
func (j *Work) done(name string, s step) error {
	for _, f := range s.Files {
		j.Files[f.Path] = f
	}
	j.journal[name] = s
	data, err := json.Marshal(j.journal)
	if err != nil {
		return err
	}
	return atomicfile.Write(j.Path(bundle.JournalName), data)
}

// File hashes a written bundle file into a manifest entry.
func (j *Work) File(rel string, from []string, params map[string]string) (bundle.File, error) {
	size, sum, err := digest.File(j.Path(rel))
	if err != nil {
		return bundle.File{}, err
	}
	return bundle.File{Path: rel, Size: size, SHA256: sum, DerivedFrom: from, Tool: j.Software, Parameters: params}, nil
}

// timed adds the time since start to a stage.
func (j *Work) timed(stage string, start time.Time) { j.stages[stage] += time.Since(start) }

// stepKey is a digest of what a step is made from.
func stepKey(v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return digest.Bytes(data), nil
}

// CopyNative copies a source segment bit-exactly to native/<camera>/<path
// below the recordings directory root>, hashing it as it streams (one read
// of the source, memory bounded whatever its size) and checking it against
// its recorded hash sum before the copy takes its name. It returns the
// copy's manifest entry; a segment copied before is not copied again.
func (j *Work) CopyNative(camera, root, src, sum string, params map[string]string) (bundle.File, error) {
	rel, err := filepath.Rel(root, src)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(src)
	}
	rel = bundle.NativePath(camera, rel)
	if f, ok := j.Files[rel]; ok && f.SHA256 == sum {
		return f, nil
	}
	dst := j.Path(rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return bundle.File{}, fault.Wrap(fault.Storage, err)
	}
	in, err := os.Open(src)
	if err != nil {
		return bundle.File{}, fault.NotFoundf("source %s: %v", src, err)
	}
	defer in.Close()
	out, err := atomicfile.Create(dst)
	if err != nil {
		return bundle.File{}, fault.Wrap(fault.Storage, err)
	}
	defer out.Abort()
	w := digest.NewWriter(out)
	if _, err := io.Copy(w, in); err != nil {
		return bundle.File{}, fault.Storagef("copy %s: %v", src, err)
	}
	if w.Sum() != sum {
		return bundle.File{}, fault.Storagef("source %s no longer matches its recorded SHA-256; it was not copied", src)
	}
	if err := out.Commit(); err != nil {
		return bundle.File{}, fault.Wrap(fault.Storage, err)
	}
	return bundle.File{Path: rel, Size: w.Size(), SHA256: sum, DerivedFrom: []string{src}, Tool: j.Software, Parameters: params}, nil
}

// ClaimDir makes sure bundles may be written into dir: it is new, empty,
// or one klipp made; it is then marked as klipp's.
func ClaimDir(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, bundle.ExportMarker)); err == nil {
		return nil
	}
	if list, err := os.ReadDir(dir); err == nil && len(list) > 0 {
		return fault.Fieldf("output", "%s is not empty and klipp did not make it; choose a new or empty directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fault.Fieldf("output", "%s: %v", dir, err)
	}
	return atomicfile.Write(filepath.Join(dir, bundle.ExportMarker), []byte("klipp export bundles are written here: <case>/<export-id>/\n"))
}

// unfinished returns the id of the newest interrupted export in a case's
// directory, or "".
func unfinished(caseDir string) string {
	list, _ := os.ReadDir(caseDir)
	id := ""
	for _, e := range list {
		if w := bundle.WorkID(e.Name()); e.IsDir() && w != "" {
			id = w
		}
	}
	return id
}

// DamagedAsGaps lists damaged files as gaps, with their reason.
func DamagedAsGaps(parts []footage.Part) []footage.Gap {
	var gaps []footage.Gap
	for _, p := range parts {
		if !p.TrueEnd.After(p.TrueStart) {
			continue // unreadable: coverage already gives its gap, with the reason
		}
		reason := "damaged file " + filepath.Base(p.File)
		if p.Reason != "" {
			reason += ": " + p.Reason
		}
		gaps = append(gaps, footage.Gap{From: p.TrueStart, To: p.TrueEnd, Duration: p.Duration, Reason: reason})
	}
	return gaps
}

// SplitRuns groups segments into outputs: a new run starts at a gap (with
// atGaps) or where the picture size or codec changes (unless every frame
// is scaled anyway).
func SplitRuns(parts []footage.Part, atGaps, scaled bool) [][]footage.Part {
	var runs [][]footage.Part
	for i, p := range parts {
		if i == 0 {
			runs = append(runs, []footage.Part{p})
			continue
		}
		prev := parts[i-1].Source
		s := p.Source
		newRun := !scaled && (s.Codec != prev.Codec || s.Width != prev.Width || s.Height != prev.Height)
		if atGaps && s.TrueStart.Sub(prev.TrueEnd) > footage.Tolerance(s.FPS) {
			newRun = true
		}
		if newRun {
			runs = append(runs, nil)
		}
		runs[len(runs)-1] = append(runs[len(runs)-1], p)
	}
	return runs
}

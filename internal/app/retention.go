package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/retention"
	"github.com/klipp-forensics/klipp/internal/store"
)

// RetentionRequest asks which requested footage the sources will delete.
type RetentionRequest struct {
	// Within: windows whose footage expires within this are at risk.
	Within time.Duration
	// Now assesses as of this time; the service's clock when zero.
	Now time.Time
	// Case: only this case; every open case when empty.
	Case string
	// Radius: cameras within this many metres of a case's place belong to
	// its request window.
	Radius float64
	// All lists every window, not only those at risk or expired; with
	// Preserve it preserves the safe-for-now ones too.
	All bool
}

// RetentionResult is the windows, soonest expiry first, and the bundles a
// preservation archived.
type RetentionResult struct {
	Now       time.Time          `json:"now"`
	Preserved []PushResult       `json:"preserved"`
	Windows   []retention.Window `json:"windows"`
}

// PreserveRequest asks for the at-risk windows (with All, also the safe
// ones) to be preserved: their unpreserved native segments copied
// bit-exactly into a preservation bundle per case, which is archived.
type PreserveRequest = RetentionRequest

// Retention lists requested footage the sources will delete.
func (s *Service) Retention(ctx context.Context, req RetentionRequest) (RetentionResult, error) {
	if err := s.Need(ctx, "retention", "", RoleArchivist, RoleAnalyst); err != nil {
		return RetentionResult{}, err
	}
	s = s.at(req.Now)
	windows, err := s.assess(ctx, req)
	if err != nil {
		return RetentionResult{}, err
	}
	return RetentionResult{Now: s.now().UTC(), Windows: shown(windows, req.All)}, nil
}

// Preserve preserves what is at risk, then assesses again: the result's
// windows are as they stand after the preservation.
func (s *Service) Preserve(ctx context.Context, req PreserveRequest, ev Events) (RetentionResult, error) {
	if err := s.Need(ctx, "retention --preserve", "", RoleArchivist); err != nil {
		return RetentionResult{}, err
	}
	ev = events(ev)
	s = s.at(req.Now)
	windows, err := s.assess(ctx, req)
	if err != nil {
		return RetentionResult{}, err
	}
	byCase := map[string][]retention.Window{}
	var order []string
	for _, w := range windows {
		if !w.State.Preservable(req.All) {
			continue
		}
		if byCase[w.Case] == nil {
			order = append(order, w.Case)
		}
		byCase[w.Case] = append(byCase[w.Case], w)
	}
	res := RetentionResult{Now: s.now().UTC()}
	for _, number := range order {
		v, err := s.preserveCase(ctx, number, byCase[number], ev)
		if err != nil {
			return res, err
		}
		res.Preserved = append(res.Preserved, v)
	}
	if windows, err = s.assess(ctx, req); err != nil {
		return res, err
	}
	res.Windows = shown(windows, req.All)
	return res, nil
}

// at is the service with its clock stopped at t (itself when t is zero).
func (s *Service) at(t time.Time) *Service {
	if t.IsZero() {
		return s
	}
	s.mu.Lock()
	cat := s.cat
	s.mu.Unlock()
	return &Service{cfg: s.cfg, store: s.store, now: func() time.Time { return t }, version: s.version, openArchive: s.openArchive, cat: cat}
}

// shown are the windows listed: all, or those at risk or expired.
func shown(windows []retention.Window, all bool) []retention.Window {
	out := []retention.Window{}
	for _, w := range windows {
		if all || w.State.NeedsAttention() {
			out = append(out, w)
		}
	}
	return out
}

func (s *Service) assess(ctx context.Context, req RetentionRequest) ([]retention.Window, error) {
	cat, err := s.Catalog()
	if err != nil {
		return nil, err
	}
	var cases []store.Case
	if req.Case != "" {
		c, err := casefile.Get(ctx, s.store, req.Case)
		if err != nil {
			return nil, err
		}
		cases = []store.Case{c}
	} else if cases, err = s.store.ListCases(ctx, ""); err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	var in []retention.Case
	for _, c := range cases {
		entries, err := s.store.Entries(ctx, c.Number)
		if err != nil {
			return nil, fault.Wrap(fault.Storage, err)
		}
		in = append(in, retention.Case{Case: c, Entries: entries})
	}
	preserved, err := s.store.PreservedPaths(ctx)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	return retention.Assess(ctx, s.store, cat, in, preserved, retention.Options{Now: s.now(), Within: req.Within, Radius: req.Radius})
}

// exportsMarker marks a directory klipp writes bundles into. (The same
// file name as the export's; to be shared with internal/export.)
const exportsMarker = ".klipp-exports"

// preserveCase writes a preservation bundle of a case's unpreserved source
// segments (bit-exact, checked against their hashes) with the windows they
// answer, records it, and archives it.
func (s *Service) preserveCase(ctx context.Context, number string, windows []retention.Window, ev Events) (PushResult, error) {
	outDir := filepath.Join(s.cfg.DataDir, "exports")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return PushResult{}, fault.Wrap(fault.Storage, err)
	}
	if _, err := os.Stat(filepath.Join(outDir, exportsMarker)); err != nil {
		if err := atomicfile.Write(filepath.Join(outDir, exportsMarker), []byte("klipp export bundles are written here: <case>/<export-id>/\n")); err != nil {
			return PushResult{}, fault.Wrap(fault.Storage, err)
		}
	}
	id := s.now().UTC().Format("20060102T150405Z") + "-preserve"
	final := filepath.Join(outDir, number, id)
	work := filepath.Join(outDir, number, "."+id+".part")
	software := "klipp " + s.version + ", FFmpeg " + media.Version()
	if err := os.MkdirAll(work, 0o755); err != nil {
		return PushResult{}, fault.Wrap(fault.Storage, err)
	}
	defer os.RemoveAll(work) // a no-op once renamed
	ev.Step(fmt.Sprintf("retention: preserving %d windows of case %s", len(windows), number))
	files := map[string]bundle.File{}
	for _, w := range windows {
		cam, err := s.Camera(w.Camera)
		if err != nil {
			return PushResult{}, err
		}
		for _, sg := range w.Unpreserved {
			seg := sg.Source()
			sum, err := footage.SourceHash(ctx, s.store, &seg)
			if err != nil {
				return PushResult{}, err
			}
			rel := nativeRel(cam.ID, cam.Recordings.Path, seg.Path)
			if f, ok := files[rel]; ok && f.SHA256 == sum {
				continue
			}
			f, err := copyNative(work, rel, seg.Path, sum)
			if err != nil {
				return PushResult{}, err
			}
			f.Tool, f.Parameters = software, map[string]string{"copy": "bit-exact", "source_expires": sg.Expires.Format(time.RFC3339)}
			files[rel] = f
		}
	}
	data, err := json.MarshalIndent(map[string]any{"case": number, "reason": "source footage at risk of deletion", "windows": windows}, "", "  ")
	if err != nil {
		return PushResult{}, err
	}
	data = append(data, '\n')
	if err := atomicfile.Write(filepath.Join(work, "preservation.json"), data); err != nil {
		return PushResult{}, fault.Wrap(fault.Storage, err)
	}
	files["preservation.json"] = bundle.File{Path: "preservation.json", Size: int64(len(data)), SHA256: digest.Bytes(data), Tool: software}
	m := bundle.Manifest{Case: number, ExportID: id, Created: s.now().UTC(), Software: software}
	for _, f := range files {
		m.Files = append(m.Files, f)
	}
	if err := bundle.Finish(work, m); err != nil {
		return PushResult{}, fault.Wrap(fault.Storage, err)
	}
	// The record exists before the bundle's final name does.
	if _, err := s.record(ctx, audit.Entry{Action: "retention.preserve", Case: number, Detail: map[string]string{"dir": final, "segments": strconv.Itoa(len(m.Files) - 1),
		"windows": strconv.Itoa(len(windows))}}); err != nil {
		return PushResult{}, err
	}
	if err := os.Rename(work, final); err != nil {
		return PushResult{}, fault.Wrap(fault.Storage, err)
	}
	return s.push(ctx, final, PushRequest{Jobs: 4}, ev)
}

// nativeRel is a source segment's path in a bundle: native/<camera>/ and
// its path below the camera's recordings directory.
func nativeRel(camera, root, src string) string {
	rel, err := filepath.Rel(root, src)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(src)
	}
	return nativePrefix + camera + "/" + filepath.ToSlash(rel)
}

// copyNative copies a source segment bit-exactly to rel under dir, hashing
// it as it streams; a source that no longer matches its recorded SHA-256
// is not copied. (The export's native copies do the same; to be merged
// with internal/export's.)
func copyNative(dir, rel, src, sum string) (bundle.File, error) {
	dst := filepath.Join(dir, filepath.FromSlash(rel))
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
	h := digest.NewWriter(out)
	if _, err := io.Copy(h, in); err != nil {
		return bundle.File{}, fault.Wrap(fault.Storage, fmt.Errorf("copy %s: %w", src, err))
	}
	if h.Sum() != sum {
		return bundle.File{}, fault.Storagef("source %s no longer matches its recorded SHA-256; it was not copied", src)
	}
	if err := out.Commit(); err != nil {
		return bundle.File{}, fault.Wrap(fault.Storage, err)
	}
	return bundle.File{Path: rel, Size: h.Size(), SHA256: sum, DerivedFrom: []string{src}}, nil
}

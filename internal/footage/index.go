// Package footage turns a camera's recording files into an index of
// segments in true time, and answers coverage questions about it: which
// footage exists between two instants, where the gaps are, which files are
// damaged, and when the source deletes it.
package footage

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Report says what one camera's index run did.
type Report struct {
	Camera    string   `json:"camera"`
	Files     int      `json:"files"`                   // segment files found
	Probed    int      `json:"probed"`                  // new or changed files read with FFmpeg
	Unchanged int      `json:"unchanged"`               // files whose cached probe was reused
	Removed   int      `json:"removed"`                 // index rows whose file is gone
	Vanished  []string `json:"vanished,omitempty"`      // those files, for the audit log
	Links     []string `json:"skipped_links,omitempty"` // symbolic links not followed: they lead outside the recordings directory
	Damaged   int      `json:"damaged"`
	Ambiguous int      `json:"ambiguous"`
	Ignored   []string `json:"ignored,omitempty"` // files that do not follow the pattern
}

// Progress is told how many files of a camera's run are done.
type Progress func(done, total int)

// Tolerance is how far apart two segments may be and still join: one frame
// at the lowest usual CCTV rate plus half a second.
func Tolerance(fps float64) time.Duration {
	if fps <= 0 {
		fps = 1
	}
	return time.Duration(float64(time.Second)/fps) + 500*time.Millisecond
}

type file struct {
	rel   string
	path  string
	size  int64
	mtime int64
}

// Index scans a camera's recordings directory and brings its index up to
// date. Files whose path, size and modification time are unchanged are not
// read again.
func Index(ctx context.Context, st *store.Store, cam *catalog.Camera, progress Progress) (*Report, error) {
	if err := cam.Recordings.Reachable(cam.ID); err != nil {
		return nil, err
	}
	root := cam.Recordings.Path
	if root == "" {
		return &Report{Camera: cam.ID}, nil // footage comes only by klipp ingest
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, fault.Usagef("camera %s: recordings path %s does not exist or is not a directory", cam.ID, root)
	}
	rep := &Report{Camera: cam.ID}
	ctx = media.WithFrameRate(ctx, cam.FPS) // raw streams are timed by the camera's rate
	var files []file
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("camera %s: recordings path %s: %w", cam.ID, root, err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") && path != root {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			// Followed only when it leads to a file inside the recordings
			// directory; anything else is counted and reported.
			target, err := filepath.EvalSymlinks(path)
			if err != nil || !within(realRoot, target) {
				rep.Links = append(rep.Links, rel)
				return nil
			}
			if info, err = os.Stat(target); err != nil || !info.Mode().IsRegular() {
				rep.Links = append(rep.Links, rel)
				return nil
			}
		} else if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		if cam.Recordings.Pattern != nil {
			if _, ok, _ := cam.Recordings.Pattern.Match(rel); !ok {
				rep.Ignored = append(rep.Ignored, rel)
				return nil
			}
		}
		files = append(files, file{rel: rel, path: path, size: info.Size(), mtime: info.ModTime().UnixNano()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("camera %s: scan %s: %w", cam.ID, root, err)
	}
	rep.Files = len(files)

	existing, err := st.Segments(ctx, cam.ID)
	if err != nil {
		return nil, fmt.Errorf("camera %s: read index: %w", cam.ID, err)
	}
	// Rows are keyed by their path below the recordings directory. Rows
	// stored with an absolute path by an older klipp are moved to a
	// relative one (their probe and hash are kept).
	var remove []int64
	var maxDur time.Duration
	byRel := make(map[string]store.Segment, len(existing))
	for _, s := range existing {
		switch {
		case s.Root == RootRecordings:
			byRel[s.Path] = s
		case within(root, s.Path):
			remove = append(remove, s.ID)
			rel, _ := filepath.Rel(root, s.Path)
			s.ID, s.Root, s.Path = 0, RootRecordings, filepath.ToSlash(rel)
			byRel[s.Path] = s
		default:
			// A delivered file ingested into the evidence store: it stays
			// while it exists.
			if _, err := os.Stat(s.Path); err != nil {
				remove = append(remove, s.ID)
				rep.Removed++
				rep.Vanished = append(rep.Vanished, s.Path)
				continue
			}
			maxDur = max(maxDur, s.Duration)
		}
	}

	segs := make([]store.Segment, 0, len(files))
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		seg, cached := byRel[f.rel]
		if cached && seg.Size == f.size && seg.MTime == f.mtime {
			rep.Unchanged++
		} else {
			seg = probeSegment(ctx, cam.ID, f)
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			rep.Probed++
		}
		delete(byRel, f.rel)
		segs = append(segs, seg)
		if progress != nil {
			progress(i+1, len(files))
		}
	}
	// Files gone from the recordings directory leave the index; the audit
	// log keeps their history.
	for rel, s := range byRel {
		if s.ID != 0 {
			remove = append(remove, s.ID)
		}
		rep.Removed++
		rep.Vanished = append(rep.Vanished, rel)
	}
	sort.Strings(rep.Vanished)

	placed := place(cam, files, segs)
	var upsert []store.Segment
	stored := make(map[int64]store.Segment, len(existing))
	for _, e := range existing {
		stored[e.ID] = e
	}
	for _, s := range placed {
		maxDur = max(maxDur, s.Duration)
		switch s.Status {
		case store.StatusDamaged:
			rep.Damaged++
		case store.StatusAmbiguous:
			rep.Ambiguous++
		}
		if old, ok := stored[s.ID]; !ok || !sameSegment(old, s) || old.Size != s.Size || old.MTime != s.MTime || old.Damaged != s.Damaged {
			upsert = append(upsert, s)
		}
	}
	if len(upsert) > 0 || len(remove) > 0 || len(existing) == 0 {
		if err := st.SaveSegments(ctx, cam.ID, upsert, remove, maxDur, time.Now()); err != nil {
			return nil, fmt.Errorf("camera %s: save index: %w", cam.ID, err)
		}
	}
	return rep, nil
}

// within reports whether path lies inside dir.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// sameSegment reports whether placing changed nothing in a cached row.
func sameSegment(a, b store.Segment) bool {
	return a.Status == b.Status && a.Note == b.Note && len(a.Jumps) == len(b.Jumps) && a.CameraStart.Equal(b.CameraStart) &&
		a.TrueStart.Equal(b.TrueStart) && a.TrueEnd.Equal(b.TrueEnd)
}

// probeSegment reads a file with FFmpeg. A file FFmpeg cannot open is kept
// in the index as damaged with FFmpeg's reason.
func probeSegment(ctx context.Context, camera string, f file) store.Segment {
	seg := store.Segment{Camera: camera, Root: RootRecordings, Path: f.rel, Size: f.size, MTime: f.mtime, Status: store.StatusOK}
	info, err := media.Probe(ctx, f.path)
	if err != nil {
		seg.Status, seg.Damaged = store.StatusDamaged, trimPath(err.Error(), f.path)
		return seg
	}
	if info.NeedsRate {
		seg.Status, seg.Damaged = store.StatusDamaged, "raw "+info.Streams[0].Codec+" stream without frame times: set the camera's fps in cameras.yaml, or ingest it with --fps"
		return seg
	}
	seg.Container = info.Container
	seg.Frames = info.Frames
	seg.Duration = info.Duration.Duration()
	seg.CreationTime = info.CreationTime
	if v := info.Video(); v != nil {
		seg.Codec, seg.Width, seg.Height, seg.FPS = v.Codec, v.Width, v.Height, v.FrameRate
	}
	if info.Damaged != "" {
		seg.Status, seg.Damaged = store.StatusDamaged, info.Damaged
	} else if err := media.CheckFootage(ctx, f.path); err != nil && ctx.Err() == nil {
		seg.Status, seg.Damaged = store.StatusDamaged, trimPath(err.Error(), f.path)
	}
	for _, j := range info.Jumps {
		seg.Jumps = append(seg.Jumps, store.Jump{At: j.At, Length: j.Length})
	}
	return seg
}

func trimPath(msg, path string) string {
	return strings.TrimPrefix(strings.TrimPrefix(msg, path), ": ")
}

// place gives every segment its camera-clock and true start: from the file
// name (or, without a pattern, the container's creation_time), resolving
// names in a repeated DST hour by continuity with their neighbours.
func place(cam *catalog.Camera, files []file, segs []store.Segment) []store.Segment {
	type item struct {
		idx   int
		cands []time.Time
	}
	out := make([]store.Segment, len(segs))
	copy(out, segs)
	items := make([]item, 0, len(segs))
	for i := range segs {
		var cands []time.Time
		if p := cam.Recordings.Pattern; p != nil {
			n, _, err := p.Match(files[i].rel)
			if err != nil {
				out[i].Status, out[i].Note = store.StatusAmbiguous, err.Error()
				continue
			}
			cands = n.Candidates(cam.Timezone)
		} else if out[i].CreationTime != nil {
			cands = []time.Time{*out[i].CreationTime}
		} else {
			out[i].Status, out[i].Note = store.StatusAmbiguous, "no start time: the camera has no file name pattern and the file has no creation_time"
			continue
		}
		if len(cands) == 0 {
			out[i].Status, out[i].Note = store.StatusAmbiguous, fmt.Sprintf("the local time in the name does not exist in %s (skipped by the change to summer time)", cam.Timezone)
			continue
		}
		items = append(items, item{i, cands})
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].cands[0].Before(items[b].cands[0]) })

	set := func(i int, start time.Time) {
		out[i].CameraStart = start
		out[i].TrueStart = cam.Clock.TrueTime(start)
		out[i].TrueEnd = TrueEnd(cam.Clock, start, out[i].Duration)
		if out[i].Status == store.StatusAmbiguous {
			out[i].Status, out[i].Note = store.StatusOK, ""
		}
		if out[i].Damaged != "" {
			out[i].Status = store.StatusDamaged
		}
	}
	for _, it := range items {
		if len(it.cands) == 1 {
			set(it.idx, it.cands[0])
		}
	}
	// Each run of consecutive ambiguous names is placed as a whole in the
	// earlier or the later reading of the repeated hour: the one that joins
	// its neighbours and contradicts neither.
	for a := 0; a < len(items); {
		if len(items[a].cands) == 1 {
			a++
			continue
		}
		b := a
		for b < len(items) && len(items[b].cands) == 2 {
			b++
		}
		run := items[a:b]
		var prevEnd, nextStart *time.Time
		if a > 0 {
			e := out[items[a-1].idx].CameraStart.Add(out[items[a-1].idx].Duration)
			prevEnd = &e
		}
		if b < len(items) {
			s := out[items[b].idx].CameraStart
			nextStart = &s
		}
		fps := out[run[0].idx].FPS
		tol := Tolerance(fps)
		valid := []int{}
		for opt := 0; opt < 2; opt++ {
			support, contradict := 0, 0
			first := run[0].cands[opt]
			last := run[len(run)-1]
			lastEnd := last.cands[opt].Add(out[last.idx].Duration)
			if prevEnd != nil {
				if (first.Sub(*prevEnd)).Abs() <= tol {
					support++
				} else {
					contradict++
				}
			}
			if nextStart != nil {
				if (nextStart.Sub(lastEnd)).Abs() <= tol {
					support++
				} else {
					contradict++
				}
			}
			if support > 0 && contradict == 0 {
				valid = append(valid, opt)
			}
		}
		for _, it := range run {
			if len(valid) == 1 {
				set(it.idx, it.cands[valid[0]])
				continue
			}
			c := it.cands
			out[it.idx].Status = store.StatusAmbiguous
			out[it.idx].Note = fmt.Sprintf("name is in the repeated hour when clocks went back: %s or %s; neighbouring files do not decide",
				c[0].In(cam.Timezone).Format(time.RFC3339), c[1].In(cam.Timezone).Format(time.RFC3339))
			// Keep the earlier reading so the row sorts near its neighbours.
			out[it.idx].CameraStart = c[0]
			out[it.idx].TrueStart = cam.Clock.TrueTime(c[0])
			out[it.idx].TrueEnd = TrueEnd(cam.Clock, c[0], out[it.idx].Duration)
		}
		a = b
	}
	return out
}

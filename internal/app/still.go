package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/store"
)

// StillRequest asks for the frame on screen at each of Times.
type StillRequest struct {
	Camera string
	Times  []time.Time
	Out    string // .png or .jpg; with several times OUT-HHMMSS.mmm.png
	Force  bool   // replace existing files
	Case   string // the case the stills are for, if any (audit)
}

// StillResult is the stills written, in the order of the times.
type StillResult struct {
	Camera  *catalog.Camera `json:"-"`
	Records []StillRecord
}

// StillRecord describes one written still.
type StillRecord struct {
	File         string    `json:"file"`
	Camera       string    `json:"camera"`
	Requested    time.Time `json:"requested"`          // true time asked for
	FrameTime    time.Time `json:"frame_true_time"`    // true time of the frame shown
	CameraClock  time.Time `json:"frame_camera_clock"` // the same instant on the camera clock
	ClockOffset  float64   `json:"clock_offset_s"`
	ClockChecked bool      `json:"clock_verified"`
	// Uncertainty: the frame's true time is FrameTime ± this many seconds
	// (the clock model's bound, one frame interval included); null when
	// the clock is not verified: no bound.
	Uncertainty  *float64    `json:"uncertainty_s"`
	Bound        clock.Bound `json:"-"`
	Source       string      `json:"source"`
	SourceSHA256 string      `json:"source_sha256"`
	SourcePTS    int64       `json:"source_pts"`
	Size         int64       `json:"size"`
	SHA256       string      `json:"sha256"` // of the still file
	// Processing says what was done to the picture beyond decoding it
	// (turned upright, deinterlaced); empty: shown as decoded.
	Processing []string `json:"processing,omitempty"`
}

// Still writes the frame on screen at each requested true time (the last
// frame whose presentation time is at or before it), each audited before
// it takes its name.
func (s *Service) Still(ctx context.Context, req StillRequest, ev Events) (StillResult, error) {
	if err := s.Need(ctx, "still", "", RoleAnalyst); err != nil {
		return StillResult{}, err
	}
	if req.Camera == "" {
		return StillResult{}, fault.Fieldf("camera", "required")
	}
	if len(req.Times) == 0 {
		return StillResult{}, fault.Fieldf("at", "required")
	}
	if err := outputDir(req.Out, ".png", ".jpg", ".jpeg"); err != nil {
		return StillResult{}, err
	}
	cam, err := s.Camera(req.Camera)
	if err != nil {
		return StillResult{}, err
	}
	names := make([]string, len(req.Times))
	ext := filepath.Ext(req.Out)
	seen := make(map[string]int, len(req.Times))
	for i, t := range req.Times {
		names[i] = req.Out
		if len(req.Times) > 1 {
			names[i] = strings.TrimSuffix(req.Out, ext) + "-" + t.In(s.cfg.Timezone).Format("150405.000") + ext
		}
		if j, ok := seen[names[i]]; ok {
			return StillResult{}, fault.Fieldf("at", "times %d and %d both give %s: give each time once, to the millisecond", j+1, i+1, filepath.Base(names[i]))
		}
		seen[names[i]] = i
		if _, err := os.Stat(names[i]); err == nil && !req.Force {
			return StillResult{}, fault.Wrap(fault.Usage, &ExistsError{Path: names[i]})
		}
	}
	if req.Case != "" {
		// A still for a case joins its timeline, which an archived case
		// no longer changes: nothing is written for it.
		if _, err := casefile.Editable(ctx, s.store, req.Case); err != nil {
			return StillResult{}, err
		}
	}
	if err := sweepTemporaries(filepath.Dir(req.Out)); err != nil {
		return StillResult{}, err
	}
	recs, err := s.writeStills(ctx, cam, req.Case, req.Times, names)
	if err != nil {
		return StillResult{}, err
	}
	return StillResult{Camera: cam, Records: recs}, nil
}

// writeStills writes the frame on screen at each true time to the matching
// name, opening each source once. Each still is written under a temporary
// name, audited, and then renamed.
func (s *Service) writeStills(ctx context.Context, cam *catalog.Camera, caseNumber string, times []time.Time, names []string) ([]StillRecord, error) {
	// Group the times by segment so each file is opened once.
	type want struct {
		idx int
		off time.Duration
	}
	bySeg := map[int64][]want{}
	segs := map[int64]*store.Segment{}
	var order []int64
	for i, t := range times {
		seg, err := footage.Locate(ctx, s.store, cam, t, s.show)
		if err != nil {
			return nil, err
		}
		if _, ok := segs[seg.ID]; !ok {
			segs[seg.ID] = seg
			order = append(order, seg.ID)
		}
		bySeg[seg.ID] = append(bySeg[seg.ID], want{i, footage.FileOffset(cam.Clock, seg, t)})
	}
	tmps := make([]string, len(names))
	for i, n := range names {
		tmps[i] = tempName(n)
	}
	defer func() {
		for _, t := range tmps {
			os.Remove(t) // a no-op for those renamed
		}
	}()
	records := make([]StillRecord, len(times))
	// Files are read in parallel, one per core; each file's stills are
	// found in one walk (each group of pictures decoded once for all the
	// times in it) and written as they are found. Auditing and naming
	// follow, file by file.
	files, fctx := errgroup.WithContext(ctx)
	files.SetLimit(runtime.NumCPU())
	sums := make(map[int64]string, len(order))
	for _, id := range order {
		seg := segs[id]
		sum, err := footage.SourceHash(ctx, s.store, seg)
		if err != nil {
			return nil, err
		}
		sums[id] = sum
	}
	for _, id := range order {
		seg, sum := segs[id], sums[id]
		files.Go(func() error {
			offs := make([]time.Duration, len(bySeg[id]))
			for j, w := range bySeg[id] {
				offs[j] = w.off
			}
			// Stills stream: at most NumCPU pictures held at once per file,
			// whatever the number of times.
			g, gctx := errgroup.WithContext(fctx)
			g.SetLimit(runtime.NumCPU())
			walk := media.StillsEachThreads(media.WithFrameRate(gctx, seg.FPS), seg.Path, offs, 1, func(j int, st media.Still) error {
				w := bySeg[id][j]
				frameTrue := footage.FrameTrue(cam.Clock, seg, st.Offset)
				frameCam := seg.CameraStart.Add(st.Offset)
				b := s.bound(cam, frameTrue, seg.FPS)
				records[w.idx] = StillRecord{
					File: names[w.idx], Camera: cam.ID, Requested: times[w.idx], FrameTime: frameTrue, CameraClock: frameCam,
					ClockOffset: frameCam.Sub(frameTrue).Seconds(), ClockChecked: cam.Clock.Verified(), Uncertainty: boundSeconds(b), Bound: b,
					Source: seg.Path, SourceSHA256: sum, SourcePTS: st.PTS, Processing: st.Processing(),
				}
				meta := media.Meta{
					"Camera":                cam.ID + " (" + cam.Name + ")",
					"True time":             frameTrue.Format(time.RFC3339Nano),
					"True time uncertainty": BoundText(b),
					"Camera clock time":     frameCam.In(cam.Timezone).Format(time.RFC3339Nano),
					"Requested time":        times[w.idx].Format(time.RFC3339Nano),
					"Clock verified":        fmt.Sprint(cam.Clock.Verified()),
					"Source":                seg.Path,
					"Source SHA-256":        sum,
					"Source PTS":            fmt.Sprint(st.PTS),
					"Software":              s.software(),
				}
				if p := st.Processing(); len(p) > 0 {
					meta["Processing"] = strings.Join(p, "; ")
				}
				own := st.Clone()
				g.Go(func() error { return stillError(tmps[w.idx], media.WriteStill(tmps[w.idx], own, meta)) })
				return gctx.Err()
			})
			if err := g.Wait(); err != nil {
				return err
			}
			return walk
		})
	}
	if err := files.Wait(); err != nil {
		return nil, err
	}
	for _, id := range order {
		seg, sum := segs[id], sums[id]
		// One audit entry per source file names every still made from it;
		// only then do the stills take their names.
		hashes := map[string]string{seg.Path: sum}
		for _, w := range bySeg[id] {
			r := &records[w.idx]
			size, fsum, err := digest.File(tmps[w.idx])
			if err != nil {
				return nil, fault.Wrap(fault.Storage, err)
			}
			r.Size, r.SHA256 = size, fsum
			hashes[r.File] = fsum
		}
		first, last := records[bySeg[id][0].idx], records[bySeg[id][len(bySeg[id])-1].idx]
		detail := map[string]string{"stills": strconv.Itoa(len(bySeg[id])), "source": seg.Path,
			"at": first.Requested.Format(time.RFC3339Nano), "frame_true_time": first.FrameTime.Format(time.RFC3339Nano)}
		if len(bySeg[id]) == 1 {
			detail["file"] = first.File
		} else {
			detail["last_at"] = last.Requested.Format(time.RFC3339Nano)
		}
		if _, err := s.record(ctx, audit.Entry{Action: "still", Camera: cam.ID, Case: caseNumber, Hashes: hashes, Detail: detail}); err != nil {
			return nil, err
		}
		for _, w := range bySeg[id] {
			if err := os.Rename(tmps[w.idx], records[w.idx].File); err != nil {
				return nil, fault.Wrap(fault.Storage, err)
			}
		}
	}
	return records, nil
}

// stillError classifies an error writing a still: a full disk or quota is
// a storage error naming the file.
func stillError(path string, err error) error {
	if err == nil || fault.KindOf(err) != fault.Internal {
		return err
	}
	return fault.Wrap(fault.Storage, fmt.Errorf("write %s: %w", path, err))
}

// stillWriter writes an export's stills.
type stillWriter struct{ s *Service }

var _ export.StillWriter = stillWriter{}

func (w stillWriter) WriteStills(ctx context.Context, cam *catalog.Camera, caseNumber string, times []time.Time, names []string) ([]export.Still, error) {
	recs, err := w.s.writeStills(ctx, cam, caseNumber, times, names)
	var out []export.Still
	for _, r := range recs {
		out = append(out, export.Still{File: r.File, Requested: r.Requested, FrameTime: r.FrameTime, Source: r.Source, Size: r.Size, SHA256: r.SHA256})
	}
	return out, err
}

package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
)

// CutMode is how a clip is cut (copy, exact, transcode).
type CutMode = export.CutMode

// GapPolicy is what a cut does about a gap in its range (fail, split, allow).
type GapPolicy = export.GapPolicy

// The cut modes and gap policies.
const (
	CutCopy      = export.Copy
	CutExact     = export.Exact
	CutTranscode = export.Transcode
	GapFail      = export.GapFail
	GapSplit     = export.GapSplit
	GapAllow     = export.GapAllow
)

// CutRequest is one cut: a camera's footage between two true times.
type CutRequest struct {
	Camera   string
	From, To time.Time
	Out      string    // .mp4; with GapSplit or a change of picture size: OUT-1.mp4, OUT-2.mp4 …
	Mode     CutMode   // "" = clip.mode
	Gaps     GapPolicy // "" = fail
	CRF      int       // transcode quality (x264 CRF)
	Preset   string    // transcode x264 preset
	Width    int       // transcode: scale every frame to Width x Height
	Height   int
	BurnIn   bool // transcode: camera name and true time on every frame
	Force    bool // replace existing files
	NoAudio  bool
	Speed    float64 // CutTimelapse: source seconds per output second (0: 60)
}

// CutResult is the cut's files, one record each.
type CutResult struct {
	Records []CutRecord
}

// CutRecord is written beside each cut as OUT.mp4.json: what the file holds
// and everything it was derived from.
type CutRecord struct {
	File            string            `json:"file"`
	SHA256          string            `json:"sha256"`
	Camera          string            `json:"camera"`
	CameraName      string            `json:"camera_name"`
	From            time.Time         `json:"from"` // true time of the first frame shown
	To              time.Time         `json:"to"`
	Requested       [2]time.Time      `json:"requested"`
	Mode            CutMode           `json:"mode"`
	Frames          int               `json:"frames"`
	ReencodedFrames string            `json:"reencoded_frames"` // none | all | first N (…)
	EditList        *EditList         `json:"edit_list,omitempty"`
	TrailingFrames  int               `json:"trailing_frames,omitempty"`
	DroppedPackets  int               `json:"dropped_packets,omitempty"`
	Gaps            []footage.Gap     `json:"gaps"`
	GapPolicy       GapPolicy         `json:"gap_policy"`
	ClockVerified   bool              `json:"clock_verified"`
	ClockOffset     float64           `json:"clock_offset_s"`
	Sources         []CutSource       `json:"sources"`
	Parameters      map[string]string `json:"parameters"`
	Software        string            `json:"software"`
	Created         time.Time         `json:"created"`
	Codec           string            `json:"codec"`
	Audio           string            `json:"audio,omitempty"`        // audio codec copied along
	AudioNote       string            `json:"audio_note,omitempty"`   // why source audio is not in the file
	Deinterlaced    string            `json:"deinterlaced,omitempty"` // how interlaced pictures were made whole
	Width           int               `json:"width"`
	Height          int               `json:"height"`
	// Overview says that a timelapse is an overview made of keyframes, not
	// evidence of continuity.
	Overview string `json:"overview,omitempty"`
}

// EditList is the lead-in a copy cut's MP4 edit list hides.
type EditList struct {
	LeadInFrames  int     `json:"lead_in_frames"`
	LeadInSeconds float64 `json:"lead_in_s"`
}

// CutSource is one segment a cut was made from.
type CutSource struct {
	File      string    `json:"file"`
	SHA256    string    `json:"sha256"`
	TrueStart time.Time `json:"true_start"`
	From      float64   `json:"from_s"` // offset into the file
	To        float64   `json:"to_s"`
}

// ExistsError is an output file that exists when the request does not
// allow replacing it.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string { return e.Path + " exists" }

// GapError is a range with gaps under GapFail.
type GapError struct {
	Gaps []footage.Gap
	msg  string
}

func (e *GapError) Error() string { return e.msg }

// software is what derived files record as their maker.
func (s *Service) software() string { return "klipp " + s.version + ", FFmpeg " + media.Version() }

// show formats an instant in the display zone.
func (s *Service) show(t time.Time) string { return clock.FormatDisplay(t, s.cfg.Timezone) }

// Cut writes one MP4 (or one per run) of a camera's footage between two
// true times, each with its record, audited before it takes its name.
func (s *Service) Cut(ctx context.Context, req CutRequest, ev Events) (CutResult, error) {
	if err := s.Need(ctx, "cut", "", RoleAnalyst); err != nil {
		return CutResult{}, err
	}
	ev = events(ev)
	if req.Mode == CutTimelapse {
		return s.timelapse(ctx, req, ev)
	}
	mode := req.Mode
	if mode == "" {
		mode = CutMode(s.cfg.Clip.Mode)
	}
	if _, err := export.ParseCutMode(string(mode)); err != nil {
		return CutResult{}, fault.Fieldf("mode", "%v", err)
	}
	gaps := req.Gaps
	if gaps == "" {
		gaps = GapFail
	}
	if _, err := export.ParseGapPolicy(string(gaps)); err != nil {
		return CutResult{}, fault.Fieldf("gaps", "%v", err)
	}
	if req.BurnIn && mode != CutTranscode {
		return CutResult{}, fault.Fieldf("burn-in", "needs the transcode mode (copy keeps the original pictures)")
	}
	if req.Width > 0 && mode != CutTranscode {
		return CutResult{}, fault.Fieldf("scale", "needs the transcode mode (copy keeps the original pictures)")
	}
	if err := ValidateTranscode(req.CRF, req.Preset, req.Width, req.Height); err != nil {
		return CutResult{}, err
	}
	if req.Camera == "" {
		return CutResult{}, fault.Fieldf("camera", "required")
	}
	if err := sweepTemporaries(filepath.Dir(req.Out)); err != nil {
		return CutResult{}, err
	}
	if err := outputDir(req.Out, ".mp4"); err != nil {
		return CutResult{}, err
	}
	cam, err := s.Camera(req.Camera)
	if err != nil {
		return CutResult{}, err
	}
	cov, err := footage.CoverageOf(ctx, s.store, cam, req.From, req.To, s.now())
	if err != nil {
		return CutResult{}, err
	}
	f, t := cov.From, cov.To
	if len(cov.Segments) == 0 {
		near, err := footage.Nearest(ctx, s.store, cam, f, s.show)
		if err != nil {
			return CutResult{}, err
		}
		return CutResult{}, fault.NotFoundf("camera %s has no footage from %s to %s: %s", cam.ID, s.show(f), s.show(t), near)
	}
	if len(cov.Gaps) > 0 && gaps == GapFail {
		var list []string
		for _, g := range cov.Gaps {
			list = append(list, fmt.Sprintf("%s–%s (%s)", s.show(g.From), s.show(g.To)[11:], g.Reason))
		}
		return CutResult{}, fault.Wrap(fault.NotFound, &GapError{Gaps: cov.Gaps,
			msg: fmt.Sprintf("the range has %d gap(s): %s", len(cov.Gaps), strings.Join(list, "; "))})
	}
	runs := export.SplitRuns(cov.Segments, gaps == GapSplit, req.Width > 0)
	names := []string{req.Out}
	if len(runs) > 1 {
		names = nil
		for i := range runs {
			names = append(names, fmt.Sprintf("%s-%d.mp4", strings.TrimSuffix(req.Out, filepath.Ext(req.Out)), i+1))
		}
	}
	for _, n := range names {
		if _, err := os.Stat(n); err == nil && !req.Force {
			return CutResult{}, fault.Wrap(fault.Usage, &ExistsError{Path: n})
		}
	}
	var res CutResult
	topts := media.TranscodeOptions{CRF: req.CRF, Preset: req.Preset, Width: req.Width, Height: req.Height, NoAudio: req.NoAudio}
	for i, run := range runs {
		rec, err := s.cutRun(ctx, cutJob{cam: cam, cov: cov, run: run, from: f, to: t, out: names[i], mode: mode, gaps: gaps, topts: topts,
			burnIn: req.BurnIn, params: map[string]string{"no_audio": strconv.FormatBool(req.NoAudio)}}, ev)
		if err != nil {
			return res, err
		}
		res.Records = append(res.Records, *rec)
	}
	return res, nil
}

// outputDir checks an output file's extension (one of exts) and that its
// directory exists.
func outputDir(out string, exts ...string) error {
	if out == "" {
		return fault.Fieldf("output", "required")
	}
	ok := false
	for _, e := range exts {
		ok = ok || strings.EqualFold(filepath.Ext(out), e)
	}
	if !ok {
		if len(exts) == 1 && exts[0] == ".mp4" {
			return fault.Fieldf("output", "%s: the cut is an MP4; name it .mp4", out)
		}
		return fault.Fieldf("output", "%s: the still must be .png or .jpg", out)
	}
	if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
		return fault.Fieldf("output", "%s: directory %s does not exist", out, filepath.Dir(out))
	}
	return nil
}

// cutJob is one output file of a cut.
type cutJob struct {
	cam      *catalog.Camera
	cov      *footage.Coverage
	run      []footage.Part
	from, to time.Time
	out      string
	mode     CutMode
	gaps     GapPolicy
	topts    media.TranscodeOptions
	burnIn   bool
	params   map[string]string
}

// ValidateTranscode checks transcode parameters before any work: CRF 0 to
// 51, an x264 preset ("" = the default), and a size klipp can encode (0x0
// = the source's). Errors name the field (crf, preset, scale).
func ValidateTranscode(crf int, preset string, width, height int) error {
	if err := media.ValidateCRF(crf); err != nil {
		return fault.Fieldf("crf", "%s", strings.TrimPrefix(err.Error(), "crf "))
	}
	if preset != "" {
		if err := media.ValidatePreset(preset); err != nil {
			return fault.Fieldf("preset", "%s", strings.TrimPrefix(err.Error(), "preset "))
		}
	}
	if width != 0 || height != 0 {
		if err := media.ValidateSize(width, height); err != nil {
			return fault.Fieldf("scale", "%s", strings.TrimPrefix(err.Error(), "size "))
		}
	}
	return nil
}

// tempName is the hidden name an output is written under, with its
// extension (the writers choose the format by it) and this process's id,
// so that a later run removes it if this one dies (atomicfile.SweepDir).
func tempName(out string) string {
	ext := filepath.Ext(out)
	return filepath.Join(filepath.Dir(out), "."+strings.TrimSuffix(filepath.Base(out), ext)+".klipp-"+strconv.Itoa(os.Getpid())+"-0"+ext)
}

// sweepTemporaries removes what killed runs left in an output directory
// before this run writes there.
func sweepTemporaries(dir string) error {
	if _, err := atomicfile.SweepDir(dir); err != nil {
		return fault.Wrap(fault.Storage, fmt.Errorf("clear stale temporaries in %s: %w", dir, err))
	}
	return nil
}

// cutRun writes one output file from a run of segments under a temporary
// name, checks it, writes its record, audits it and only then gives it its
// name.
func (s *Service) cutRun(ctx context.Context, j cutJob, ev Events) (*CutRecord, error) {
	cam, out := j.cam, j.out
	start := clock.Later(j.from, j.run[0].Source.TrueStart)
	end := clock.Earlier(j.to, j.run[len(j.run)-1].Source.TrueEnd)
	rec := &CutRecord{
		File: out, Camera: cam.ID, CameraName: cam.Name, From: start, To: end, Requested: [2]time.Time{j.from, j.to}, Mode: j.mode,
		GapPolicy: j.gaps, ClockVerified: cam.Clock.Verified(), ClockOffset: cam.Clock.At(start).Seconds(),
		Software: s.software(), Created: s.now().UTC(), Gaps: []footage.Gap{},
		Parameters: map[string]string{"gaps": string(j.gaps)},
	}
	for k, v := range j.params {
		rec.Parameters[k] = v
	}
	var parts []media.CutPart
	var prevHi time.Time
	var covered time.Duration
	fps := j.run[0].Source.FPS
	ctx = media.WithFrameRate(ctx, fps) // the rate raw streams were indexed at
	for _, p := range j.run {
		src := p.Source
		sum, err := footage.SourceHash(ctx, s.store, &src)
		if err != nil {
			return nil, err
		}
		lo, hi := clock.Later(start, src.TrueStart), clock.Earlier(end, src.TrueEnd)
		if !hi.After(lo) {
			continue
		}
		// Offsets into the file by the camera clock at each end: drift
		// applies per frame. Parts follow one another in the output as the
		// camera recorded them, a true-time gap between them kept.
		from, to := footage.FileOffset(cam.Clock, &src, lo), footage.FileOffset(cam.Clock, &src, hi)
		outStart := lo.Sub(start)
		if n := len(parts); n > 0 {
			outStart = parts[n-1].OutStart + parts[n-1].To - parts[n-1].From + lo.Sub(prevHi)
		}
		prevHi = hi
		parts = append(parts, media.CutPart{Path: src.Path, From: from, To: to, OutStart: outStart})
		rec.Sources = append(rec.Sources, CutSource{File: src.Path, SHA256: sum, TrueStart: src.TrueStart, From: from.Seconds(), To: to.Seconds()})
		covered += hi.Sub(lo)
	}
	for _, g := range j.cov.Gaps {
		if g.To.After(start) && g.From.Before(end) {
			rec.Gaps = append(rec.Gaps, g)
		}
	}
	tmp := tempName(out)
	defer os.Remove(tmp) // a no-op once renamed
	label := "cut " + filepath.Base(out)
	prog := func(done, total time.Duration) { ev.Progress(label, int64(done), int64(total)) }
	var hidden, shownPlus int // samples the edit list hides; frames shown beyond the request
	var written string        // the output's SHA-256 when it was hashed as it was written
	noAudio := rec.Parameters["no_audio"] == "true"
	switch j.mode {
	case CutCopy:
		res, err := media.CopyCut(ctx, parts, tmp, media.CutOptions{NoAudio: noAudio, Progress: prog})
		if err != nil {
			return nil, err
		}
		rec.Frames, rec.ReencodedFrames, rec.Codec, rec.Width, rec.Height = res.Frames, "none", res.Codec, res.Width, res.Height
		rec.TrailingFrames, rec.DroppedPackets, shownPlus, hidden = res.Trailing, res.Dropped, res.Trailing, res.LeadIn
		rec.Audio, rec.AudioNote = res.Audio, res.AudioNote
		written = res.SHA256
		if res.LeadIn > 0 {
			rec.EditList = &EditList{LeadInFrames: res.LeadIn, LeadInSeconds: res.LeadInTime.Seconds()}
		}
	case CutExact:
		res, err := media.ExactCut(ctx, parts, tmp, media.CutOptions{NoAudio: noAudio, Progress: prog})
		if errors.Is(err, media.ErrCannotMatch) {
			// Said in the record: the whole clip is re-encoded instead.
			rec.Parameters["exact_fallback"] = err.Error()
			j.mode, j.params = CutTranscode, rec.Parameters
			return s.cutRun(ctx, j, ev)
		}
		if err != nil {
			return nil, err
		}
		rec.Frames, rec.Codec, rec.Width, rec.Height = res.Frames, res.Codec, res.Width, res.Height
		rec.TrailingFrames, rec.DroppedPackets, shownPlus = res.Trailing, res.Dropped, res.Trailing
		rec.Audio, rec.AudioNote = res.Audio, res.AudioNote
		rec.ReencodedFrames = "none"
		if res.Reencoded > 0 {
			rec.ReencodedFrames = fmt.Sprintf("first %d (from --from to the keyframe %.3f s into %s; libx264, parameter sets in-band)",
				res.Reencoded, res.CopyFrom.Seconds(), filepath.Base(parts[0].Path))
		}
	case CutTranscode:
		opts := j.topts
		rec.Parameters["crf"], rec.Parameters["preset"], rec.Parameters["burn_in"] = strconv.Itoa(opts.CRF), opts.Preset, strconv.FormatBool(j.burnIn)
		if opts.Width > 0 {
			rec.Parameters["scale"] = fmt.Sprintf("%dx%d", opts.Width, opts.Height)
		}
		if j.burnIn {
			opts.Caption = func(at time.Duration) string {
				return cam.Name + "  " + clock.FormatDisplay(start.Add(at), s.cfg.Timezone)
			}
		}
		res, err := media.TranscodeCut(ctx, parts, tmp, opts, prog)
		if err != nil {
			return nil, err
		}
		rec.Frames, rec.ReencodedFrames, rec.Codec, rec.Width, rec.Height = res.Frames, "all", "h264", res.Width, res.Height
		rec.Audio, rec.AudioNote, rec.Deinterlaced = res.Audio, res.AudioNote, res.Deinterlaced
	}
	// Check the written file against the request: its index must list the
	// frames the range holds, within one.
	samples, err := media.IndexedFrames(tmp)
	if err != nil {
		return nil, fault.Mediaf("cut %s: the written file does not read back: %v", out, err)
	}
	want := int(covered.Seconds()*fps + 0.5)
	shown := int(samples) - hidden - shownPlus
	if d := shown - want; d > 1 || d < -1 {
		return nil, fault.Mediaf("cut %s: the file shows %d frames where the range holds %d; removed it", out, shown, want)
	}
	if rec.SHA256 = written; written == "" {
		_, sum, err := digest.File(tmp)
		if err != nil {
			return nil, fault.Wrap(fault.Storage, err)
		}
		rec.SHA256 = sum
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.Write(out+".json", append(data, '\n')); err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	hashes := map[string]string{out: rec.SHA256}
	for _, src := range rec.Sources {
		hashes[src.File] = src.SHA256
	}
	if _, err := s.record(ctx, audit.Entry{Action: "cut", Camera: cam.ID, Case: rec.Parameters["case"], Hashes: hashes, Detail: map[string]string{
		"file": out, "mode": string(rec.Mode), "from": rec.From.Format(time.RFC3339Nano), "to": rec.To.Format(time.RFC3339Nano),
		"gaps": string(j.gaps), "frames": strconv.Itoa(rec.Frames), "record": out + ".json"}}); err != nil {
		os.Remove(out + ".json")
		return nil, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	return rec, nil
}

// clipCutter cuts an export's clips.
type clipCutter struct {
	s  *Service
	ev Events
}

var _ export.ClipCutter = clipCutter{}

func (c clipCutter) CutClip(ctx context.Context, r export.ClipRequest) (export.Clip, error) {
	rec, err := c.s.cutRun(ctx, cutJob{cam: r.Camera, cov: r.Coverage, run: r.Run, from: r.From, to: r.To, out: r.Out, mode: r.Mode,
		gaps: GapAllow, topts: media.TranscodeOptions{CRF: 20, Preset: "veryfast"}, params: map[string]string{"case": r.Case}}, c.ev)
	if err != nil {
		return export.Clip{}, err
	}
	clip := export.Clip{Mode: rec.Mode, ReencodedFrames: rec.ReencodedFrames, From: rec.From, To: rec.To, SHA256: rec.SHA256, Gaps: len(rec.Gaps)}
	for _, src := range rec.Sources {
		clip.Sources = append(clip.Sources, export.Source{File: src.File, SHA256: src.SHA256})
	}
	return clip, nil
}

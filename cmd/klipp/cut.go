package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
)

// cutRecord is written beside each cut as OUT.mp4.json and printed by --json:
// what the file holds and everything it was derived from.
type cutRecord struct {
	File            string            `json:"file"`
	SHA256          string            `json:"sha256"`
	Camera          string            `json:"camera"`
	CameraName      string            `json:"camera_name"`
	From            time.Time         `json:"from"` // true time of the first frame shown
	To              time.Time         `json:"to"`
	Requested       [2]time.Time      `json:"requested"`
	Mode            string            `json:"mode"`
	Frames          int               `json:"frames"`
	ReencodedFrames string            `json:"reencoded_frames"` // none | all | first N (…)
	EditList        *editList         `json:"edit_list,omitempty"`
	TrailingFrames  int               `json:"trailing_frames,omitempty"`
	DroppedPackets  int               `json:"dropped_packets,omitempty"`
	Gaps            []footage.Gap     `json:"gaps"`
	GapPolicy       string            `json:"gap_policy"`
	ClockVerified   bool              `json:"clock_verified"`
	ClockOffset     float64           `json:"clock_offset_s"`
	Sources         []cutSource       `json:"sources"`
	Parameters      map[string]string `json:"parameters"`
	Software        string            `json:"software"`
	Created         time.Time         `json:"created"`
	Codec           string            `json:"codec"`
	Audio           string            `json:"audio,omitempty"`      // audio codec copied along
	AudioNote       string            `json:"audio_note,omitempty"` // why source audio is not in the file
	Width           int               `json:"width"`
	Height          int               `json:"height"`
}

type editList struct {
	LeadInFrames  int     `json:"lead_in_frames"`
	LeadInSeconds float64 `json:"lead_in_s"`
}

type cutSource struct {
	File      string    `json:"file"`
	SHA256    string    `json:"sha256"`
	TrueStart time.Time `json:"true_start"`
	From      float64   `json:"from_s"` // offset into the file
	To        float64   `json:"to_s"`
}

func (a *cli) cutCommand() *cobra.Command {
	var camera, from, to, out, mode, gaps, preset, scale string
	var crf int
	var burnIn, force, noAudio bool
	cmd := &cobra.Command{
		Use:   "cut --camera ID --from T --to T -o OUT.mp4",
		Short: "One MP4 of a camera's footage between two true times, across however many files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fault.Usagef("cut needs --camera, --from, --to and -o")
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if mode == "" {
				mode = cfg.Clip.Mode
			}
			switch mode {
			case "copy", "exact", "transcode":
			default:
				return fault.Usagef("--mode %q: use copy, exact or transcode", mode)
			}
			if gaps != "fail" && gaps != "split" && gaps != "allow" {
				return fault.Usagef("--gaps %q: use fail, split or allow", gaps)
			}
			if burnIn && mode != "transcode" {
				return fault.Usagef("--burn-in needs --mode transcode (copy keeps the original pictures)")
			}
			var sw, sh int
			if scale != "" {
				if _, err := fmt.Sscanf(scale, "%dx%d", &sw, &sh); err != nil || sw < 16 || sh < 16 || sw > 8192 || sh > 8192 {
					return fault.Usagef("--scale %q: give WIDTHxHEIGHT, e.g. 1280x720", scale)
				}
				if mode != "transcode" {
					return fault.Usagef("--scale needs --mode transcode (copy keeps the original pictures)")
				}
			}
			if !strings.EqualFold(filepath.Ext(out), ".mp4") {
				return fault.Usagef("-o %s: the cut is an MP4; name it .mp4", out)
			}
			if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
				return fault.Usagef("-o %s: directory %s does not exist", out, filepath.Dir(out))
			}
			cam, cov, err := a.coverage(cmd.Context(), camera, from, to)
			if err != nil {
				return err
			}
			f, t := cov.From, cov.To
			st, _ := a.openStore(cmd.Context()) // opened by coverage
			if len(cov.Segments) == 0 {
				near, err := footage.Nearest(cmd.Context(), st, cam, f, a.show)
				if err != nil {
					return err
				}
				return fault.NotFoundf("camera %s has no footage from %s to %s: %s", cam.ID, a.show(f), a.show(t), near)
			}
			if len(cov.Gaps) > 0 && gaps == "fail" {
				var list []string
				for _, g := range cov.Gaps {
					list = append(list, fmt.Sprintf("%s–%s (%s)", a.show(g.From), a.show(g.To)[11:], g.Reason))
				}
				return fault.NotFoundf("the range has %d gap(s): %s; use --gaps split or --gaps allow", len(cov.Gaps), strings.Join(list, "; "))
			}
			runs := splitRuns(cov.Segments, gaps == "split", scale != "")
			names := []string{out}
			if len(runs) > 1 {
				names = nil
				for i := range runs {
					names = append(names, fmt.Sprintf("%s-%d.mp4", strings.TrimSuffix(out, filepath.Ext(out)), i+1))
				}
			}
			for _, n := range names {
				if _, err := os.Stat(n); err == nil && !force {
					return fault.Usagef("%s exists: use --force to replace it", n)
				}
			}
			var records []cutRecord
			for i, run := range runs {
				rec, err := a.cutRun(cmd, cam, cov, run, f, t, names[i], mode, gaps, media.TranscodeOptions{CRF: crf, Preset: preset, Width: sw, Height: sh, NoAudio: noAudio}, burnIn, map[string]string{"no_audio": strconv.FormatBool(noAudio)})
				if err != nil {
					return err
				}
				records = append(records, *rec)
			}
			return a.emit(records, func(w io.Writer) {
				for _, r := range records {
					fmt.Fprintf(w, "%s: %s %s → %s, %d frames, %s", r.File, r.CameraName, a.show(r.From), a.show(r.To)[11:], r.Frames, r.Mode)
					if r.EditList != nil {
						fmt.Fprintf(w, " (starts %d frames before, hidden by the edit list)", r.EditList.LeadInFrames)
					}
					fmt.Fprintln(w)
					if r.AudioNote != "" {
						fmt.Fprintf(w, "  note: %s\n", r.AudioNote)
					}
					if fb := r.Parameters["exact_fallback"]; fb != "" {
						fmt.Fprintf(w, "  note: transcoded instead of a frame-exact copy: %s\n", fb)
					}
					if r.TrailingFrames > 0 {
						fmt.Fprintf(w, "  note: %d frame(s) after --to are kept because earlier frames reference them\n", r.TrailingFrames)
					}
					for _, g := range r.Gaps {
						fmt.Fprintf(w, "  gap %s – %s (%s)\n", a.show(g.From), a.show(g.To)[11:], g.Reason)
					}
					fmt.Fprintf(w, "  record: %s.json\n", r.File)
				}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&camera, "camera", "", "camera id")
	fl.StringVar(&from, "from", "", "start (true time)")
	fl.StringVar(&to, "to", "", "end (true time); the last frame is the last before it")
	fl.StringVarP(&out, "output", "o", "", "output .mp4 (with --gaps split: OUT-1.mp4, OUT-2.mp4 …)")
	fl.StringVar(&mode, "mode", "", "copy | transcode (default: clip.mode in klipp.yaml)")
	fl.StringVar(&gaps, "gaps", "fail", "a gap in the range: fail (list it), split (one file per part) or allow (continue across it)")
	fl.IntVar(&crf, "crf", 20, "transcode quality (x264 CRF; lower is better)")
	fl.StringVar(&preset, "preset", "veryfast", "transcode x264 preset")
	fl.StringVar(&scale, "scale", "", "transcode: scale every frame to WIDTHxHEIGHT (lets files of different sizes join)")
	fl.BoolVar(&burnIn, "burn-in", false, "transcode: draw camera name and true time to the millisecond on every frame")
	fl.BoolVar(&force, "force", false, "replace existing files")
	fl.BoolVar(&noAudio, "no-audio", false, "leave the source's audio out")
	return cmd
}

// splitRuns groups segments into outputs: a new run starts at a gap (with
// split) or where the picture size or codec changes (unless every frame is
// scaled anyway).
func splitRuns(parts []footage.Part, atGaps, scaled bool) [][]footage.Part {
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

// cutRun writes one output file from a run of segments, checks it, and
// writes its record.
func (a *cli) cutRun(cmd *cobra.Command, cam *catalog.Camera, cov *footage.Coverage, run []footage.Part, from, to time.Time,
	out, mode, gapPolicy string, topts media.TranscodeOptions, burnIn bool, params map[string]string) (*cutRecord, error) {
	ctx := cmd.Context()
	st, _ := a.openStore(ctx)
	start := clock.Later(from, run[0].Source.TrueStart)
	end := clock.Earlier(to, run[len(run)-1].Source.TrueEnd)
	rec := &cutRecord{
		File: out, Camera: cam.ID, CameraName: cam.Name, From: start, To: end, Requested: [2]time.Time{from, to}, Mode: mode,
		GapPolicy: gapPolicy, ClockVerified: cam.Clock.Verified(), ClockOffset: cam.Clock.At(start).Seconds(),
		Software: "klipp " + version + ", FFmpeg " + media.Version(), Created: a.now().UTC(), Gaps: []footage.Gap{},
		Parameters: map[string]string{"gaps": gapPolicy},
	}
	for k, v := range params {
		rec.Parameters[k] = v
	}
	var parts []media.CutPart
	var covered time.Duration
	fps := run[0].Source.FPS
	for _, p := range run {
		s := p.Source
		sum, err := footage.SourceHash(ctx, st, &s)
		if err != nil {
			return nil, err
		}
		lo, hi := clock.Later(start, s.TrueStart), clock.Earlier(end, s.TrueEnd)
		if !hi.After(lo) {
			continue
		}
		parts = append(parts, media.CutPart{Path: s.Path, From: lo.Sub(s.TrueStart), To: hi.Sub(s.TrueStart), OutStart: lo.Sub(start)})
		rec.Sources = append(rec.Sources, cutSource{File: s.Path, SHA256: sum, TrueStart: s.TrueStart, From: lo.Sub(s.TrueStart).Seconds(), To: hi.Sub(s.TrueStart).Seconds()})
		covered += hi.Sub(lo)
	}
	for _, g := range cov.Gaps {
		if g.To.After(start) && g.From.Before(end) {
			rec.Gaps = append(rec.Gaps, g)
		}
	}
	update, finish := a.progress("cut " + filepath.Base(out))
	prog := func(done, total time.Duration) { update(int64(done), int64(total)) }
	var hidden, shownPlus int // samples the edit list hides; frames shown beyond the request
	switch mode {
	case "copy":
		res, err := media.CopyCut(ctx, parts, out, media.CutOptions{NoAudio: rec.Parameters["no_audio"] == "true", Progress: prog})
		finish()
		if err != nil {
			return nil, err
		}
		rec.Frames, rec.ReencodedFrames, rec.Codec, rec.Width, rec.Height = res.Frames, "none", res.Codec, res.Width, res.Height
		rec.TrailingFrames, rec.DroppedPackets, shownPlus, hidden = res.Trailing, res.Dropped, res.Trailing, res.LeadIn
		rec.Audio, rec.AudioNote = res.Audio, res.AudioNote
		if res.LeadIn > 0 {
			rec.EditList = &editList{LeadInFrames: res.LeadIn, LeadInSeconds: res.LeadInTime.Seconds()}
		}
	case "exact":
		res, err := media.ExactCut(ctx, parts, out, media.CutOptions{NoAudio: rec.Parameters["no_audio"] == "true", Progress: prog})
		if errors.Is(err, media.ErrCannotMatch) {
			// Said in the record: the whole clip is re-encoded instead.
			finish()
			rec.Parameters["exact_fallback"] = err.Error()
			return a.cutRun(cmd, cam, cov, run, from, to, out, "transcode", gapPolicy, topts, burnIn, rec.Parameters)
		}
		finish()
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
	case "transcode":
		opts := topts
		rec.Parameters["crf"], rec.Parameters["preset"], rec.Parameters["burn_in"] = strconv.Itoa(opts.CRF), opts.Preset, strconv.FormatBool(burnIn)
		if opts.Width > 0 {
			rec.Parameters["scale"] = fmt.Sprintf("%dx%d", opts.Width, opts.Height)
		}
		if burnIn {
			opts.Caption = func(at time.Duration) string {
				return cam.Name + "  " + clock.FormatDisplay(start.Add(at), a.cfg.Timezone)
			}
		}
		res, err := media.TranscodeCut(ctx, parts, out, opts, prog)
		finish()
		if err != nil {
			return nil, err
		}
		rec.Frames, rec.ReencodedFrames, rec.Codec, rec.Width, rec.Height = res.Frames, "all", "h264", res.Width, res.Height
		rec.Audio, rec.AudioNote = res.Audio, res.AudioNote
	}
	// Check the written file against the request: its index must list the
	// frames the range holds, within one.
	samples, err := media.IndexedFrames(out)
	if err != nil {
		os.Remove(out)
		return nil, fault.Mediaf("cut %s: the written file does not read back: %v", out, err)
	}
	want := int(covered.Seconds()*fps + 0.5)
	shown := int(samples) - hidden - shownPlus
	if d := shown - want; d > 1 || d < -1 {
		os.Remove(out)
		return nil, fault.Mediaf("cut %s: the file shows %d frames where the range holds %d; removed it", out, shown, want)
	}
	_, sum, err := bundle.HashFile(out)
	if err != nil {
		return nil, err
	}
	rec.SHA256 = sum
	data, _ := json.MarshalIndent(rec, "", "  ")
	if err := atomicfile.Write(out+".json", append(data, '\n')); err != nil {
		return nil, err
	}
	hashes := map[string]string{out: rec.SHA256}
	for _, s := range rec.Sources {
		hashes[s.File] = s.SHA256
	}
	if err := a.record(audit.Entry{Action: "cut", Camera: cam.ID, Case: rec.Parameters["case"], Hashes: hashes, Detail: map[string]string{
		"file": out, "mode": rec.Mode, "from": rec.From.Format(time.RFC3339Nano), "to": rec.To.Format(time.RFC3339Nano),
		"gaps": gapPolicy, "frames": strconv.Itoa(rec.Frames), "record": out + ".json"}}); err != nil {
		return nil, err
	}
	return rec, nil
}

package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
)

// CutTimelapse makes an overview MP4 from keyframes (cut --mode
// timelapse): faster than real time, the true time burned in, recorded as
// an overview that is not evidence of continuity.
const CutTimelapse CutMode = "timelapse"

// DefaultSpeed is a timelapse's speed when none is given: an hour a minute.
const DefaultSpeed = 60

// timelapse writes an overview of a camera's range: one output frame per
// Speed/25 seconds of footage, each the last keyframe before its time, with
// that keyframe's true time burned in; gaps show as frames saying so.
func (s *Service) timelapse(ctx context.Context, req CutRequest, ev Events) (CutResult, error) {
	speed := req.Speed
	if speed == 0 {
		speed = DefaultSpeed
	}
	if speed < 1 || speed > 100000 {
		return CutResult{}, fault.Fieldf("speed", "%gx: give 1x to 100000x", speed)
	}
	if req.Camera == "" {
		return CutResult{}, fault.Fieldf("camera", "required")
	}
	if err := ValidateTranscode(req.CRF, req.Preset, req.Width, req.Height); err != nil {
		return CutResult{}, err
	}
	if err := outputDir(req.Out, ".mp4"); err != nil {
		return CutResult{}, err
	}
	if _, err := os.Stat(req.Out); err == nil && !req.Force {
		return CutResult{}, fault.Wrap(fault.Usage, &ExistsError{Path: req.Out})
	}
	cam, err := s.Camera(req.Camera)
	if err != nil {
		return CutResult{}, err
	}
	cov, err := s.footageIn(ctx, cam, req.From, req.To)
	if err != nil {
		return CutResult{}, err
	}
	rec := &CutRecord{File: req.Out, Camera: cam.ID, CameraName: cam.Name, Requested: [2]time.Time{req.From, req.To}, Mode: CutTimelapse,
		ReencodedFrames: "all", GapPolicy: GapAllow, ClockVerified: cam.Clock.Verified(), ClockOffset: cam.Clock.At(cov.From).Seconds(),
		Software: s.software(), Created: s.now().UTC(), Gaps: cov.Gaps, Codec: "h264",
		Parameters: map[string]string{"speed": strconv.FormatFloat(speed, 'f', -1, 64) + "x", "fps": "25", "crf": strconv.Itoa(req.CRF), "preset": req.Preset}}
	if req.Width > 0 {
		rec.Parameters["scale"] = fmt.Sprintf("%dx%d", req.Width, req.Height)
	}
	var parts []media.TimelapsePart
	for _, p := range cov.Segments {
		src := p.Source
		lo, hi := clock.Later(cov.From, src.TrueStart), clock.Earlier(cov.To, src.TrueEnd)
		if !hi.After(lo) {
			continue
		}
		sum, err := footage.SourceHash(ctx, s.store, &src)
		if err != nil {
			return CutResult{}, err
		}
		parts = append(parts, media.TimelapsePart{Path: src.Path, From: lo.Sub(src.TrueStart), To: hi.Sub(src.TrueStart), Start: src.TrueStart})
		rec.Sources = append(rec.Sources, CutSource{File: src.Path, SHA256: sum, TrueStart: src.TrueStart, From: lo.Sub(src.TrueStart).Seconds(), To: hi.Sub(src.TrueStart).Seconds()})
	}
	tmp := tempName(req.Out)
	defer os.Remove(tmp)
	label := "timelapse " + filepath.Base(req.Out)
	marker := fmt.Sprintf("%gx overview", speed)
	res, err := media.Timelapse(ctx, parts, tmp, media.TimelapseOptions{Speed: speed, FPS: 25, Width: req.Width, CRF: req.CRF, Preset: req.Preset,
		Caption:   func(t time.Time) string { return cam.Name + "  " + s.show(t) + "  " + marker },
		NoFootage: func(t time.Time) string { return "no footage  " + s.show(t) },
	}, func(done, total time.Duration) { ev.Progress(label, int64(done), int64(total)) })
	if err != nil {
		return CutResult{}, err
	}
	rec.Frames, rec.Width, rec.Height = res.Frames, res.Width, res.Height
	rec.From, rec.To = cov.From, cov.To
	rec.Overview = fmt.Sprintf("an overview at %gx made of %d keyframes, each shown until the next (up to %s of footage); frames between keyframes are not shown, so it is not evidence of continuity: use a cut for that",
		speed, res.Keyframes, clock.FormatDuration(res.LongestHold.Round(time.Millisecond)))
	if res.Empty > 0 {
		rec.Overview += fmt.Sprintf("; %d frame(s) say there is no footage", res.Empty)
	}
	if _, rec.SHA256, err = digest.File(tmp); err != nil {
		return CutResult{}, fault.Wrap(fault.Storage, err)
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return CutResult{}, err
	}
	if err := atomicfile.Write(req.Out+".json", append(data, '\n')); err != nil {
		return CutResult{}, fault.Wrap(fault.Storage, err)
	}
	hashes := map[string]string{req.Out: rec.SHA256}
	for _, src := range rec.Sources {
		hashes[src.File] = src.SHA256
	}
	if _, err := s.record(ctx, audit.Entry{Action: "cut", Camera: cam.ID, Hashes: hashes, Detail: map[string]string{
		"file": req.Out, "mode": string(CutTimelapse), "speed": rec.Parameters["speed"], "from": rec.From.Format(time.RFC3339Nano),
		"to": rec.To.Format(time.RFC3339Nano), "frames": strconv.Itoa(rec.Frames), "record": req.Out + ".json", "overview": "not evidence of continuity"}}); err != nil {
		os.Remove(req.Out + ".json")
		return CutResult{}, err
	}
	if err := os.Rename(tmp, req.Out); err != nil {
		return CutResult{}, fault.Wrap(fault.Storage, err)
	}
	return CutResult{Records: []CutRecord{*rec}}, nil
}

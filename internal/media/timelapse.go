package media

import (
	"context"
	"fmt"
	"image"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/overlay"
)

// TimelapsePart is one file's stretch of a timelapse.
type TimelapsePart struct {
	Path     string
	From, To time.Duration // offsets in the file
	Start    time.Time     // true time of the file's first frame
}

// TimelapseOptions shape a timelapse.
type TimelapseOptions struct {
	Speed  float64 // source seconds per output second
	FPS    int     // output frame rate; default 25
	Width  int     // output picture width (0: the source's); the height follows
	CRF    int
	Preset string
	// Caption is the text burned in under the picture: it gets the true
	// time of the keyframe shown.
	Caption func(shown time.Time) string
	// NoFootage is the text of a frame for a time without footage.
	NoFootage func(at time.Time) string
}

// TimelapseResult says what a timelapse wrote.
type TimelapseResult struct {
	Frames        int // output frames
	Keyframes     int // distinct source keyframes shown
	Empty         int // output frames saying there is no footage
	Width, Height int // of the output, caption bar included
	FPS           int
	LongestHold   time.Duration // the longest a source keyframe stays on screen, in source time
}

// Timelapse writes an overview of parts (in true-time order): output frame
// k stands for the true time from + k·Speed/FPS (from: the first keyframe)
// and shows the last keyframe at or before it, decoded alone (no frame
// between keyframes is decoded), with its true time burned in under the
// picture. Where the last keyframe is more than twice a frame's step and 5 s
// old, or its file's stretch ended more than a second before, the frame says
// there is no footage instead.
func Timelapse(ctx context.Context, parts []TimelapsePart, out string, o TimelapseOptions, progress func(done, total time.Duration)) (res *TimelapseResult, err error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("timelapse %s: nothing to show", out)
	}
	if o.Speed < 1 {
		return nil, fault.Usagef("timelapse %s: speed %.2f: give 1x or more", out, o.Speed)
	}
	if o.FPS <= 0 {
		o.FPS = 25
	}
	step := time.Duration(o.Speed * float64(time.Second) / float64(o.FPS))
	stale := max(2*step, 5*time.Second)
	var total, done time.Duration
	for _, p := range parts {
		total += p.To - p.From
	}
	res = &TimelapseResult{FPS: o.FPS}
	var w *VideoWriter
	defer func() {
		if err != nil {
			w.Abort() // nil-safe
		}
	}()
	var face *overlay.Face
	var held *image.YCbCr                 // the keyframe on screen, caption bar included
	var heldAt, heldEnd, origin time.Time // the held keyframe's time and the end of its file's stretch
	var bar int
	k := 0
	// emit writes the frames that stand for times before until.
	emit := func(until time.Time) error {
		for ; ; k++ {
			at := origin.Add(time.Duration(k) * step)
			if !at.Before(until) {
				return nil
			}
			pic, err := w.Picture()
			if err != nil {
				return err
			}
			if at.Sub(heldAt) > stale || !at.Before(heldEnd.Add(time.Second)) {
				overlay.Fill(pic, pic.Rect, overlay.RGB(70, 70, 70))
				face.Text(pic, res.Width/60, res.Height/2-face.Height/2, o.NoFootage(at), overlay.White)
				res.Empty++
			} else {
				overlay.Copy(pic, held)
				res.LongestHold = max(res.LongestHold, at.Sub(heldAt))
			}
			if err := w.WriteFrame(); err != nil {
				return err
			}
			res.Frames++
		}
	}
	for _, p := range parts {
		_, err := Samples(ctx, p.Path, SampleOptions{From: p.From, To: p.To, Colour: true, Width: o.Width, Threads: 0}, func(s Sample) error {
			t := p.Start.Add(s.Offset)
			if w == nil {
				res.Width, res.Height = s.Image.Rect.Dx()&^1, s.Image.Rect.Dy()&^1
				if err := ValidateSize(res.Width, res.Height); err != nil {
					return fault.Mediaf("%s: the picture cannot be encoded: %v", p.Path, err)
				}
				bar = max(24, res.Height/12) &^ 1
				var err error
				if face, err = overlay.NewFace(overlay.Mono, float64(bar)*0.6); err != nil {
					return err
				}
				res.Height += bar
				if w, err = CreateVideo(out, WriterOptions{Format: "mp4", Codec: "h264", Width: res.Width, Height: res.Height, FPS: o.FPS,
					CRF: o.CRF, Preset: o.Preset, FastStart: true}); err != nil {
					return err
				}
				origin = t
				held = image.NewYCbCr(image.Rect(0, 0, res.Width, res.Height), image.YCbCrSubsampleRatio420)
			} else if err := emit(t); err != nil {
				return err
			}
			if s.Image.Rect.Dx() < res.Width || s.Image.Rect.Dy() < res.Height-bar {
				return fault.Mediaf("%s: picture size %dx%d differs from %dx%d: use --gaps split", p.Path, s.Image.Rect.Dx(), s.Image.Rect.Dy(), res.Width, res.Height-bar)
			}
			overlay.Fill(held, held.Rect, overlay.Black)
			overlay.Copy(held, &image.YCbCr{Y: s.Image.Y, Cb: s.Image.Cb, Cr: s.Image.Cr, YStride: s.Image.YStride, CStride: s.Image.CStride,
				SubsampleRatio: s.Image.SubsampleRatio, Rect: image.Rect(0, 0, res.Width, res.Height-bar)})
			face.Text(held, res.Width/60, res.Height-bar+(bar-face.Height)/2, o.Caption(t), overlay.White)
			heldAt, heldEnd = t, p.Start.Add(p.To)
			res.Keyframes++
			return nil
		})
		if err != nil {
			return nil, err
		}
		done += p.To - p.From
		if progress != nil {
			progress(done, total)
		}
	}
	if w == nil {
		return nil, fault.NotFoundf("timelapse %s: no keyframe in the range", out)
	}
	last := parts[len(parts)-1]
	end := last.Start.Add(last.To)
	if err := emit(end); err != nil {
		return nil, err
	}
	if res.Frames == 0 { // a range shorter than one step still shows its keyframe
		if err := emit(origin.Add(time.Nanosecond)); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	w = nil
	return res, nil
}

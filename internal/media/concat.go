package media

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/overlay"
)

// ConcatOptions shape a joined video.
type ConcatOptions struct {
	Width, Height, FPS int
	CRF                int
	Preset             string
}

// ConcatItem is one input's place in the joined video.
type ConcatItem struct {
	Path   string        `json:"path"`
	Start  time.Duration `json:"start"`
	Frames int           `json:"frames"`
}

// Concat joins videos into one H.264 MP4 (index first) of Width×Height at
// FPS. Each input is scaled to fit with its aspect kept, centred on black,
// and shown for its own duration: at each output frame, the input frame on
// screen then (repeated or skipped as the rates require).
func Concat(ctx context.Context, inputs []string, out string, o ConcatOptions, progress func(done, total int)) (items []ConcatItem, err error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("concat %s: no inputs", out)
	}
	w, err := CreateVideo(out, WriterOptions{Format: "mp4", Codec: "h264", Width: o.Width, Height: o.Height, FPS: o.FPS,
		CRF: o.CRF, Preset: o.Preset, FastStart: true, GOP: 2 * o.FPS})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			w.Abort()
		}
	}()
	var next int64 // output frame number
	for i, path := range inputs {
		info, err := Probe(ctx, path)
		if err != nil {
			return nil, err
		}
		frames := int(math.Round(float64(info.Duration) * float64(o.FPS)))
		item := ConcatItem{Path: path, Start: time.Duration(next) * time.Second / time.Duration(o.FPS), Frames: frames}
		if err := concatOne(ctx, w, path, info, o, next, frames); err != nil {
			return nil, err
		}
		next += int64(frames)
		items = append(items, item)
		if progress != nil {
			progress(i+1, len(inputs))
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return items, nil
}

// concatOne writes frames output frames, from first on, for one input.
func concatOne(ctx context.Context, w *VideoWriter, path string, info *Info, o ConcatOptions, first int64, frames int) error {
	v := info.Video()
	if v == nil || v.Width == 0 || v.Height == 0 {
		return fault.Mediaf("%s: no video size", path)
	}
	scale := math.Min(float64(o.Width)/float64(v.Width), float64(o.Height)/float64(v.Height))
	fw, fh := int(float64(v.Width)*scale)&^1, int(float64(v.Height)*scale)&^1
	at := image.Pt((o.Width-fw)/2&^1, (o.Height-fh)/2&^1)
	r, err := openVideo(path, 0)
	if err != nil {
		return err
	}
	defer r.Close()
	r.studio = true
	r.SetOutputSize(fw, fh)
	shown := image.NewYCbCr(image.Rect(0, 0, fw, fh), image.YCbCrSubsampleRatio420) // the input frame on screen
	have, eof := false, false
	for k := 0; k < frames; k++ {
		t := time.Duration(k) * time.Second / time.Duration(o.FPS)
		// Advance to the last input frame at or before t.
		for !eof {
			f, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			if err != nil {
				return err
			}
			if f.Offset > t && have {
				r.pending = true
				break
			}
			overlay.Copy(shown, f.Image)
			have = true
		}
		if !have {
			return fault.Mediaf("%s: no frames", path)
		}
		pic, err := w.Picture()
		if err != nil {
			return err
		}
		overlay.Fill(pic, pic.Rect, overlay.Black)
		overlay.CopyAt(pic, shown, at)
		if err := w.WriteFrameAt(first + int64(k)); err != nil {
			return err
		}
	}
	return nil
}

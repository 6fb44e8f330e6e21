package media

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"runtime"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/overlay"
)

// A court presentation is title cards and clips joined in order, each clip
// with a caption in a bar below its picture. Present encodes it in one
// pass per part: a card is drawn once and every frame of it is that
// picture; a clip is decoded once and each frame drawn straight into the
// encoder's picture (no intermediate file is encoded and decoded again).
// Parts are encoded in parallel as separate H.264 streams with the same
// settings, and the streams are then joined packet for packet.

// PresentPart is one part of a presentation: a title card, or a clip.
type PresentPart struct {
	Card *Card  // a title card (its size and rate are the presentation's)
	Clip string // a clip file
	// Caption gives the text under the clip's frame shown, from that
	// frame's time since the clip's start.
	Caption func(at time.Duration) string
}

// PresentOptions shape a presentation.
type PresentOptions struct {
	// MaxWidth×MaxHeight bound the frame. With Fixed the frame is exactly
	// that and every clip is scaled to fit; otherwise the frame is the
	// largest clip's size with its caption bar (within the bound), and a
	// clip is scaled only if its size differs.
	MaxWidth, MaxHeight int
	Fixed               bool
	FPS                 int
	CRF                 int
	Preset              string
	// Jobs is how many parts are encoded at once (0: one per CPU).
	Jobs int
}

// PresentItem is where a part is in the presentation.
type PresentItem struct {
	Start  time.Duration `json:"start"`
	Frames int           `json:"frames"`
}

// PresentResult is what Present wrote.
type PresentResult struct {
	Width, Height int // the frame
	CaptionBar    int // pixels below each clip's picture
	Items         []PresentItem
}

// PresentationFrame is the frame Present uses for clips of the given
// sizes, and the caption bar under the pictures.
func PresentationFrame(sizes []image.Point, o PresentOptions) (w, h, bar int) {
	if o.Fixed || len(sizes) == 0 {
		w, h = o.MaxWidth, o.MaxHeight
		return w, h, captionBar(h * 12 / 13)
	}
	for _, s := range sizes {
		w, h = max(w, s.X), max(h, s.Y)
	}
	bar = captionBar(h)
	h += bar
	if w > o.MaxWidth || h > o.MaxHeight {
		f := math.Min(float64(o.MaxWidth)/float64(w), float64(o.MaxHeight)/float64(h))
		w, h = int(float64(w)*f)&^1, int(float64(h)*f)&^1
		bar = captionBar(h * 12 / 13)
	}
	return w &^ 1, h &^ 1, bar
}

// captionBar is the height of the caption bar under a picture of height h.
func captionBar(h int) int { return max(24, h/12) &^ 1 }

// Present writes the presentation to out (H.264 MP4, index first).
func Present(ctx context.Context, parts []PresentPart, out string, o PresentOptions, progress func(done, total int)) (res *PresentResult, err error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("presentation %s: no parts", out)
	}
	if o.FPS <= 0 {
		o.FPS = 25
	}
	infos := make([]*Info, len(parts))
	var sizes []image.Point
	for i, p := range parts {
		if p.Card != nil {
			continue
		}
		info, err := Probe(ctx, p.Clip)
		if err != nil {
			return nil, err
		}
		v := info.Video()
		if v == nil || v.Width == 0 || v.Height == 0 {
			return nil, fault.Mediaf("%s: no video size", p.Clip)
		}
		infos[i] = info
		sizes = append(sizes, image.Pt(v.Width, v.Height))
	}
	res = &PresentResult{}
	res.Width, res.Height, res.CaptionBar = PresentationFrame(sizes, o)
	if err := ValidateSize(res.Width, res.Height); err != nil {
		return nil, fmt.Errorf("presentation %s: %w", out, err)
	}
	wo := WriterOptions{Format: "mp4", Codec: "h264", Width: res.Width, Height: res.Height, FPS: o.FPS, CRF: o.CRF, Preset: o.Preset, GOP: 2 * o.FPS}
	var next int
	for i, p := range parts {
		frames := 0
		if p.Card != nil {
			frames = int(math.Round(p.Card.Seconds * float64(o.FPS)))
		} else {
			frames = int(math.Round(float64(infos[i].Duration) * float64(o.FPS)))
		}
		if frames <= 0 {
			return nil, fmt.Errorf("presentation %s: part %d has no frames", out, i+1)
		}
		res.Items = append(res.Items, PresentItem{Start: time.Duration(next) * time.Second / time.Duration(o.FPS), Frames: frames})
		next += frames
	}

	work, err := os.MkdirTemp("", "klipp-present-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	jobs := o.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	files := make([]string, len(parts))
	var mu chan struct{} = make(chan struct{}, 1)
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	// Longest parts first, so that no long part is left to run alone at
	// the end; each encoder may use a second thread when the others are
	// done.
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return res.Items[order[a]].Frames > res.Items[order[b]].Frames })
	threads := max(2, runtime.NumCPU()/jobs)
	for _, i := range order {
		files[i] = fmt.Sprintf("%s/%03d.mp4", work, i)
		g.Go(func() error {
			wo := wo
			wo.Threads = threads
			if err := presentPart(gctx, parts[i], infos[i], files[i], wo, res, res.Items[i].Frames); err != nil {
				return err
			}
			mu <- struct{}{}
			done++
			if progress != nil {
				progress(done, len(parts)+1)
			}
			<-mu
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := joinStreams(ctx, files, out, o.FPS); err != nil {
		return nil, err
	}
	if progress != nil {
		progress(len(parts)+1, len(parts)+1)
	}
	return res, nil
}

// presentPart encodes one part as its own H.264 stream of frames frames.
func presentPart(ctx context.Context, p PresentPart, info *Info, out string, wo WriterOptions, res *PresentResult, frames int) (err error) {
	w, err := CreateVideo(out, wo)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			w.Abort()
		}
	}()
	if p.Card != nil {
		c := *p.Card
		c.Width, c.Height = res.Width, res.Height
		card, err := CardPicture(c)
		if err != nil {
			return err
		}
		for k := 0; k < frames; k++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			pic, err := w.Picture()
			if err != nil {
				return err
			}
			if k == 0 {
				overlay.Copy(pic, card) // the picture keeps it for the frames after
			}
			if err := w.WriteFrame(); err != nil {
				return err
			}
		}
		return w.Close()
	}
	if err := clipFrames(ctx, w, p, info, res, frames); err != nil {
		return err
	}
	return w.Close()
}

// clipFrames writes a clip's frames: at each output frame the clip's frame
// on screen then (repeated or skipped as the rates require), fitted into
// the picture area above the caption bar, with its caption.
func clipFrames(ctx context.Context, w *VideoWriter, p PresentPart, info *Info, res *PresentResult, frames int) error {
	v := info.Video()
	areaW, areaH := res.Width, res.Height-res.CaptionBar
	fw, fh := v.Width&^1, v.Height&^1
	if fw != areaW || fh != areaH || v.Width > areaW || v.Height > areaH {
		s := math.Min(float64(areaW)/float64(v.Width), float64(areaH)/float64(v.Height))
		fw, fh = int(float64(v.Width)*s)&^1, int(float64(v.Height)*s)&^1
	}
	at := image.Pt((areaW-fw)/2&^1, (areaH-fh)/2&^1)
	r, err := openVideo(p.Clip, 0)
	if err != nil {
		return err
	}
	defer r.Close()
	r.studio = true
	if fw != v.Width || fh != v.Height {
		r.SetOutputSize(fw, fh)
	}
	var face *overlay.Face
	if p.Caption != nil {
		if face, err = overlay.NewFace(overlay.Mono, float64(res.CaptionBar)*0.6); err != nil {
			return err
		}
	}
	bar := image.Rect(0, areaH, res.Width, res.Height)
	fps := w.opts.FPS
	have, eof := false, false
	var shown time.Duration // the offset of the clip frame on screen
	for k := 0; k < frames; k++ {
		t := time.Duration(k) * time.Second / time.Duration(fps)
		pic, err := w.Picture()
		if err != nil {
			return err
		}
		if k == 0 {
			overlay.Fill(pic, pic.Rect, overlay.Black)
		}
		// Advance to the last clip frame at or before t.
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
			overlay.CopyAt(pic, f.Image, at)
			have, shown = true, f.Offset
		}
		if !have {
			return fault.Mediaf("%s: no frames", p.Clip)
		}
		if face != nil {
			overlay.Fill(pic, bar, overlay.Black)
			face.Text(pic, res.Width/60, bar.Min.Y+(res.CaptionBar-face.Height)/2, p.Caption(shown), overlay.White)
		}
		if err := w.WriteFrame(); err != nil {
			return err
		}
	}
	return nil
}

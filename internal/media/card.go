package media

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/klipp-forensics/klipp/internal/overlay"
)

// Card is a title card: lines of text centred on a plain background. The
// first line is the heading.
type Card struct {
	Lines         []string
	Width, Height int
	FPS           int
	Seconds       float64
	Background    color.YCbCr // zero: dark blue-grey
}

// CardPicture draws the card once; every frame of the card is this picture.
func CardPicture(c Card) (*image.YCbCr, error) {
	if c.Width <= 0 || c.Height <= 0 {
		return nil, fmt.Errorf("title card: bad size %dx%d", c.Width, c.Height)
	}
	bg := c.Background
	if bg == (color.YCbCr{}) {
		bg = overlay.RGB(24, 30, 44)
	}
	img := image.NewYCbCr(image.Rect(0, 0, c.Width, c.Height), image.YCbCrSubsampleRatio420)
	overlay.Fill(img, img.Rect, bg)
	heading, err := overlay.NewFace(overlay.Bold, float64(c.Height)/14)
	if err != nil {
		return nil, err
	}
	body, err := overlay.NewFace(overlay.Regular, float64(c.Height)/22)
	if err != nil {
		return nil, err
	}
	faces := make([]*overlay.Face, len(c.Lines))
	total := 0
	for i := range c.Lines {
		faces[i] = body
		if i == 0 {
			faces[i] = heading
		}
		total += faces[i].Height * 5 / 4
	}
	y := (c.Height - total) / 2
	for i, line := range c.Lines {
		f := faces[i]
		x := (c.Width - f.Measure(line)) / 2
		f.Text(img, max(x, c.Width/20), y, line, overlay.White)
		y += f.Height * 5 / 4
	}
	return img, nil
}

// WriteTitleCard encodes the card as an H.264 MP4 of round(Seconds·FPS)
// frames.
func WriteTitleCard(ctx context.Context, path string, c Card) error {
	pic, err := CardPicture(c)
	if err != nil {
		return err
	}
	frames := int(math.Round(c.Seconds * float64(c.FPS)))
	if frames <= 0 {
		return fmt.Errorf("title card %s: %v s at %d fps is no frames", path, c.Seconds, c.FPS)
	}
	w, err := CreateVideo(path, WriterOptions{Format: "mp4", Codec: "h264", Width: c.Width, Height: c.Height, FPS: c.FPS, CRF: 18})
	if err != nil {
		return err
	}
	for i := 0; i < frames; i++ {
		if err := ctx.Err(); err != nil {
			w.Abort()
			return err
		}
		img, err := w.Picture()
		if err != nil {
			w.Abort()
			return err
		}
		overlay.Copy(img, pic)
		if err := w.WriteFrame(); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

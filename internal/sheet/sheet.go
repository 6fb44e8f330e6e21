// Package sheet lays out contact sheets: a grid of thumbnails with lines
// of text under each (the true time they show) and a title, on one page
// (PNG) or on pages (PDF). Text uses the Go fonts embedded in the binary
// (internal/overlay), so å, ä and ö print everywhere.
package sheet

import (
	"fmt"
	"image"
	"image/color"

	"github.com/klipp-forensics/klipp/internal/overlay"
)

// Thumb is one cell: a picture (nil where there is no footage) and the
// lines under it.
type Thumb struct {
	Image *image.YCbCr // any size; scaled to the cell
	Full  bool         // full-range (JPEG) levels
	Lines []string
	Note  string // shown in the cell when Image is nil
}

// Layout shapes the sheet.
type Layout struct {
	Title      []string // lines at the top of every page
	Columns    int      // default 4
	ThumbWidth int      // default 320
	Aspect     float64  // height/width of the pictures; default 9/16
	PerPage    int      // thumbnails per page; 0: all on one page
}

// Placed is where a thumbnail went: its page and its picture's rectangle
// (without the lines under it).
type Placed struct {
	Page int             `json:"page"`
	Rect image.Rectangle `json:"-"`
}

const (
	margin  = 16
	gap     = 12
	textPx  = 14
	titlePx = 18
)

// Render draws the thumbnails on pages, in order, left to right and top to
// bottom.
func Render(thumbs []Thumb, l Layout) ([]*image.YCbCr, []Placed, error) {
	if l.Columns <= 0 {
		l.Columns = 4
	}
	if l.ThumbWidth <= 0 {
		l.ThumbWidth = 320
	}
	if l.Aspect <= 0 {
		l.Aspect = 9.0 / 16
	}
	if l.PerPage <= 0 {
		l.PerPage = max(len(thumbs), 1)
	}
	text, err := overlay.NewFace(overlay.Mono, textPx)
	if err != nil {
		return nil, nil, err
	}
	title, err := overlay.NewFace(overlay.Bold, titlePx)
	if err != nil {
		return nil, nil, err
	}
	tw := l.ThumbWidth &^ 1
	th := int(float64(tw)*l.Aspect+0.5) &^ 1
	lines := 1
	for _, t := range thumbs {
		lines = max(lines, len(t.Lines))
	}
	cellH := th + 4 + lines*text.Height
	width := (2*margin + l.Columns*tw + (l.Columns-1)*gap + 1) &^ 1
	head := margin + len(l.Title)*title.Height + gap
	var pages []*image.YCbCr
	placed := make([]Placed, len(thumbs))
	for first := 0; first < max(len(thumbs), 1); first += l.PerPage {
		n := min(l.PerPage, len(thumbs)-first)
		rows := max(1, (n+l.Columns-1)/l.Columns)
		height := (head + rows*cellH + (rows-1)*gap + margin + 1) &^ 1
		page := image.NewYCbCr(image.Rect(0, 0, width, height), image.YCbCrSubsampleRatio420)
		overlay.Fill(page, page.Rect, overlay.RGB(245, 245, 240))
		for i, line := range l.Title {
			title.Text(page, margin, margin+i*title.Height, line, overlay.RGB(20, 20, 20))
		}
		for k := 0; k < n; k++ {
			t := thumbs[first+k]
			x := margin + (k%l.Columns)*(tw+gap)
			y := head + (k/l.Columns)*(cellH+gap)
			r := image.Rect(x&^1, y&^1, (x&^1)+tw, (y&^1)+th)
			placed[first+k] = Placed{Page: len(pages), Rect: r}
			if t.Image == nil {
				overlay.Fill(page, r, overlay.RGB(90, 90, 90))
				note := t.Note
				if note == "" {
					note = "no footage"
				}
				text.Text(page, r.Min.X+8, r.Min.Y+th/2-text.Height/2, note, overlay.White)
			} else {
				Scale(page, r, t.Image, t.Full)
			}
			for j, line := range t.Lines {
				text.Text(page, r.Min.X, r.Max.Y+4+j*text.Height, line, overlay.RGB(20, 20, 20))
			}
		}
		pages = append(pages, page)
	}
	return pages, placed, nil
}

// Scale draws src into the rectangle r of dst (even corners), averaging
// the source pixels that fall on each destination pixel; full-range
// sources are brought to studio range.
func Scale(dst *image.YCbCr, r image.Rectangle, src *image.YCbCr, full bool) {
	plane := func(d []byte, dStride, dx0, dy0, dw, dh int, s []byte, sStride, sw, sh int, luma bool) {
		for y := 0; y < dh; y++ {
			sy0, sy1 := y*sh/dh, max((y+1)*sh/dh, y*sh/dh+1)
			for x := 0; x < dw; x++ {
				sx0, sx1 := x*sw/dw, max((x+1)*sw/dw, x*sw/dw+1)
				sum, n := 0, 0
				for sy := sy0; sy < sy1; sy++ {
					row := s[sy*sStride:]
					for sx := sx0; sx < sx1; sx++ {
						sum += int(row[sx])
						n++
					}
				}
				v := (sum + n/2) / n
				if full {
					if luma {
						v = 16 + v*219/255
					} else {
						v = 128 + (v-128)*224/255
					}
				}
				d[(dy0+y)*dStride+dx0+x] = byte(v)
			}
		}
	}
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	plane(dst.Y, dst.YStride, r.Min.X, r.Min.Y, r.Dx(), r.Dy(), src.Y, src.YStride, sw, sh, true)
	plane(dst.Cb, dst.CStride, r.Min.X/2, r.Min.Y/2, r.Dx()/2, r.Dy()/2, src.Cb, src.CStride, (sw+1)/2, (sh+1)/2, false)
	plane(dst.Cr, dst.CStride, r.Min.X/2, r.Min.Y/2, r.Dx()/2, r.Dy()/2, src.Cr, src.CStride, (sw+1)/2, (sh+1)/2, false)
}

// RGBA converts a studio-range page to RGB for encoding.
func RGBA(src *image.YCbCr) *image.RGBA {
	b := src.Rect
	dst := image.NewRGBA(b)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			yy := (int32(src.Y[y*src.YStride+x]) - 16) * 255 / 219
			ci := (y/2)*src.CStride + x/2
			cb, cr := (int32(src.Cb[ci])-128)*255/224, (int32(src.Cr[ci])-128)*255/224
			r, g, bl := color.YCbCrToRGB(clamp(yy), clamp(cb+128), clamp(cr+128))
			o := y*dst.Stride + x*4
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = r, g, bl, 255
		}
	}
	return dst
}

func clamp(v int32) uint8 { return uint8(min(max(v, 0), 255)) }

// Check refuses layouts no sheet can hold.
func Check(n, perPage int) error {
	if n > 2000 {
		return fmt.Errorf("%d thumbnails: at most 2,000 on one sheet", n)
	}
	if perPage == 0 && n > 600 {
		return fmt.Errorf("%d thumbnails: at most 600 on one PNG (a PDF has pages)", n)
	}
	return nil
}

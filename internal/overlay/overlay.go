// Package overlay draws text and boxes onto YCbCr 4:2:0 pictures: frame
// time stamps, camera names, burn-in and title cards. Text uses the Go fonts
// embedded in the binary (they cover å, ä and ö), so no system font is read.
package overlay

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Style picks one of the embedded fonts.
type Style int

const (
	Regular Style = iota
	Bold
	Mono // fixed width, for time stamps that must not jitter
)

var fontData = map[Style][]byte{Regular: goregular.TTF, Bold: gobold.TTF, Mono: gomonobold.TTF}

// Face renders text at one size, caching each glyph's mask. A Face is not
// safe for concurrent use; give each worker its own.
type Face struct {
	face   font.Face
	glyphs map[rune]*glyph
	Ascent int // pixels above the baseline
	Height int // line height in pixels
}

type glyph struct {
	mask    *image.Alpha
	offset  image.Point // top-left of mask relative to the dot
	advance int
}

// NewFace opens style at size pixels.
func NewFace(style Style, size float64) (*Face, error) {
	f, err := opentype.Parse(fontData[style])
	if err != nil {
		return nil, fmt.Errorf("font: %w", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("font: %w", err)
	}
	m := face.Metrics()
	return &Face{face: face, glyphs: map[rune]*glyph{}, Ascent: m.Ascent.Ceil(), Height: m.Height.Ceil()}, nil
}

func (f *Face) glyph(r rune) *glyph {
	if g, ok := f.glyphs[r]; ok {
		return g
	}
	dr, mask, mp, adv, ok := f.face.Glyph(fixed.P(0, 0), r)
	g := &glyph{advance: adv.Round()}
	if ok && !dr.Empty() {
		a := image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
		draw.Draw(a, a.Bounds(), mask, mp, draw.Src)
		g.mask, g.offset = a, dr.Min
	}
	f.glyphs[r] = g
	return g
}

// Measure returns the width of s in pixels.
func (f *Face) Measure(s string) int {
	w := 0
	for _, r := range s {
		w += f.glyph(r).advance
	}
	return w
}

// Text draws s with its top-left corner at (x, y) in colour c, clipped to
// img, and returns the x after the last glyph.
func (f *Face) Text(img *image.YCbCr, x, y int, s string, c color.YCbCr) int {
	base := y + f.Ascent
	for _, r := range s {
		g := f.glyph(r)
		if g.mask != nil {
			blend(img, g.mask, image.Pt(x+g.offset.X, base+g.offset.Y), c)
		}
		x += g.advance
	}
	return x
}

// blend paints c through mask at p.
func blend(img *image.YCbCr, mask *image.Alpha, p image.Point, c color.YCbCr) {
	r := mask.Bounds().Add(p).Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			a := int(mask.Pix[(y-p.Y)*mask.Stride+(x-p.X)])
			if a == 0 {
				continue
			}
			yi := y*img.YStride + x
			img.Y[yi] = byte((int(img.Y[yi])*(255-a) + int(c.Y)*a) / 255)
			if a > 127 && x%2 == 0 && y%2 == 0 {
				ci := (y/2)*img.CStride + x/2
				img.Cb[ci], img.Cr[ci] = c.Cb, c.Cr
			}
		}
	}
}

// Fill paints rectangle r (clipped to img) in colour c.
func Fill(img *image.YCbCr, r image.Rectangle, c color.YCbCr) {
	r = r.Intersect(img.Rect)
	if r.Empty() {
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Y[y*img.YStride+r.Min.X : y*img.YStride+r.Max.X]
		for i := range row {
			row[i] = c.Y
		}
	}
	for y := r.Min.Y / 2; y < (r.Max.Y+1)/2; y++ {
		for x := r.Min.X / 2; x < (r.Max.X+1)/2; x++ {
			i := y*img.CStride + x
			img.Cb[i], img.Cr[i] = c.Cb, c.Cr
		}
	}
}

// Label draws s in white on a dark box with a small margin, top-left at
// (x, y), and returns the box.
func (f *Face) Label(img *image.YCbCr, x, y int, s string) image.Rectangle {
	pad := f.Height / 6
	box := image.Rect(x, y, x+f.Measure(s)+2*pad, y+f.Height+pad)
	Fill(img, box, Black)
	f.Text(img, x+pad, y+pad/2, s, White)
	return box
}

// Common colours (studio range).
var (
	Black = color.YCbCr{Y: 16, Cb: 128, Cr: 128}
	White = color.YCbCr{Y: 235, Cb: 128, Cr: 128}
)

// RGB converts an sRGB colour to studio-range YCbCr (BT.601), as encoders
// expect for yuv420p.
func RGB(r, g, b uint8) color.YCbCr {
	y, cb, cr := color.RGBToYCbCr(r, g, b)
	return color.YCbCr{Y: byte(16 + int(y)*219/255), Cb: byte(128 + (int(cb)-128)*224/255), Cr: byte(128 + (int(cr)-128)*224/255)}
}

// Copy copies the picture src into the top-left of dst, plane by plane;
// dst must be at least as large (strides may differ).
func Copy(dst, src *image.YCbCr) { CopyAt(dst, src, image.Point{}) }

// CopyAt copies src into dst with its top-left at p (even coordinates, so
// that chroma lines up); src must fit inside dst there.
func CopyAt(dst, src *image.YCbCr, p image.Point) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	for y := 0; y < h; y++ {
		o := (p.Y+y)*dst.YStride + p.X
		copy(dst.Y[o:o+w], src.Y[y*src.YStride:])
	}
	cw, ch := (w+1)/2, (h+1)/2
	for y := 0; y < ch; y++ {
		o := (p.Y/2+y)*dst.CStride + p.X/2
		copy(dst.Cb[o:o+cw], src.Cb[y*src.CStride:])
		copy(dst.Cr[o:o+cw], src.Cr[y*src.CStride:])
	}
}

package tui

import (
	"fmt"
	"image"
	"image/color/palette"
	"image/draw"
	"strings"
)

// sixelImage places img at the screen cell (row, col), zero-based, drawn
// into w × h cells: scaled, dithered to the 256 colours of a fixed
// palette and sent as sixels; the cursor is saved and restored around it.
// Its size in pixels is that of the cells on this terminal, measured now
// (terminalCell), within the limit set by SetSixelLimit.
func sixelImage(img image.Image, row, col, w, h int) string {
	cw, ch := terminalCell()
	pw, ph := sixelSize(w, h, cw, ch, sixelMaxPixels)
	pal := image.NewPaletted(image.Rect(0, 0, pw, ph), palette.Plan9)
	draw.FloydSteinberg.Draw(pal, pal.Bounds(), scaled(img, pw, ph), image.Point{})
	return fmt.Sprintf("\x1b7\x1b[%d;%dH", row+1, col+1) + sixelEncode(pal) + "\x1b8"
}

// sixelSize is the size in pixels of a sixel picture filling w × h cells
// of cw × ch pixels; when limit > 0 and it is wider or higher than limit,
// scaled down to fit limit × limit, keeping its aspect (it then covers
// less than its cells, from their top-left).
func sixelSize(w, h, cw, ch, limit int) (int, int) {
	pw, ph := max(1, w*cw), max(1, h*ch)
	if limit > 0 && (pw > limit || ph > limit) {
		if pw >= ph {
			pw, ph = limit, ph*limit/pw
		} else {
			pw, ph = pw*limit/ph, limit
		}
	}
	return max(1, pw), max(1, ph)
}

// scaled is img at w × h pixels, each the mean of the source pixels it
// covers (a box filter: detail is averaged, not skipped).
func scaled(img image.Image, w, h int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	for y := 0; y < h; y++ {
		y0, y1 := b.Min.Y+y*sh/h, b.Min.Y+max((y+1)*sh/h, y*sh/h+1)
		for x := 0; x < w; x++ {
			x0, x1 := b.Min.X+x*sw/w, b.Min.X+max((x+1)*sw/w, x*sw/w+1)
			var r, g, bl, n uint32
			for yy := y0; yy < y1; yy++ {
				for xx := x0; xx < x1; xx++ {
					cr, cg, cb, _ := img.At(xx, yy).RGBA()
					r, g, bl, n = r+cr>>8, g+cg>>8, bl+cb>>8, n+1
				}
			}
			i := out.PixOffset(x, y)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = uint8(r/n), uint8(g/n), uint8(bl/n), 255
		}
	}
	return out
}

// sixelEncode writes a paletted picture as a sixel DCS: the raster size,
// the palette (in percent), then each band of six rows colour by colour
// with runs compressed.
func sixelEncode(p *image.Paletted) string {
	w, h := p.Bounds().Dx(), p.Bounds().Dy()
	var b strings.Builder
	fmt.Fprintf(&b, "\x1bP0;1;0q\"1;1;%d;%d", w, h)
	used := make([]bool, len(p.Palette))
	for _, c := range p.Pix {
		used[c] = true
	}
	for i, c := range p.Palette {
		if used[i] {
			r, g, bl, _ := c.RGBA()
			fmt.Fprintf(&b, "#%d;2;%d;%d;%d", i, (r>>8*100+127)/255, (g>>8*100+127)/255, (bl>>8*100+127)/255)
		}
	}
	row := make([]byte, w)
	for y0 := 0; y0 < h; y0 += 6 {
		if y0 > 0 {
			b.WriteByte('-') // next band; none after the last
		}
		inBand := make([]bool, len(p.Palette))
		for y := y0; y < min(h, y0+6); y++ {
			for x := 0; x < w; x++ {
				inBand[p.Pix[y*p.Stride+x]] = true
			}
		}
		first := true
		for c := range inBand {
			if !inBand[c] {
				continue
			}
			for x := 0; x < w; x++ {
				var bits byte
				for k := 0; k < 6 && y0+k < h; k++ {
					if int(p.Pix[(y0+k)*p.Stride+x]) == c {
						bits |= 1 << k
					}
				}
				row[x] = 63 + bits
			}
			if !first {
				b.WriteByte('$')
			}
			first = false
			fmt.Fprintf(&b, "#%d", c)
			for x := 0; x < w; {
				n := 1
				for x+n < w && row[x+n] == row[x] {
					n++
				}
				if n > 3 {
					fmt.Fprintf(&b, "!%d%c", n, row[x])
				} else {
					b.WriteString(strings.Repeat(string(row[x]), n))
				}
				x += n
			}
		}
	}
	b.WriteString("\x1b\\")
	return b.String()
}

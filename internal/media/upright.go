package media

import (
	"fmt"
	"image"
	"math"

	"github.com/asticode/go-astiav"
)

// Rotation returns how many degrees clockwise (0, 90, 180 or 270) a
// stream's pictures must be turned to stand upright, from the display
// matrix its container carries (a phone or a body camera held on its side).
func Rotation(st *astiav.Stream) int {
	b := st.SideData(astiav.PacketSideDataTypeDisplaymatrix)
	if len(b) < 36 {
		return 0
	}
	m, err := astiav.NewDisplayMatrixFromBytes(b)
	if err != nil {
		return 0
	}
	// FFmpeg's angle is counterclockwise.
	deg := int(math.Round(-m.Rotation()/90)) * 90
	return ((deg % 360) + 360) % 360
}

// upright makes a still's picture (decoded as f) whole and upright:
// deinterlaced with bwdif when it is interlaced, turned when its stream
// says so, and records what it did.
func (r *VideoReader) upright(f *astiav.Frame, s Still) Still {
	if order := interlacedOrder(r.st, f); order != "" {
		var next *astiav.Frame
		if r.pending {
			next = r.out // the picture after f, decoded already
		}
		if img, err := deinterlaceStill(f, next, r.st.TimeBase(), order); err != nil {
			s.Deinterlaced = "interlaced (field order " + order + "), not deinterlaced: " + err.Error()
		} else {
			s.Image, s.Deinterlaced = img, "deinterlaced: bwdif, field order "+order
		}
	}
	if s.Rotation = Rotation(r.st); s.Rotation != 0 {
		s.Image = rotateYCbCr(s.Image, s.Rotation)
	}
	return s
}

// Processing says what was done to a still's picture beyond decoding it.
func (s Still) Processing() []string {
	var p []string
	if s.Deinterlaced != "" {
		p = append(p, s.Deinterlaced)
	}
	if s.Rotation != 0 {
		p = append(p, fmt.Sprintf("turned upright: %d° clockwise, as the container's display matrix asks", s.Rotation))
	}
	return p
}

// rotateYCbCr returns img turned clockwise by deg (90, 180 or 270), in a
// new picture with the same subsampling.
func rotateYCbCr(img *image.YCbCr, deg int) *image.YCbCr {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	dw, dh := w, h
	if deg != 180 {
		dw, dh = h, w
	}
	dst := image.NewYCbCr(image.Rect(0, 0, dw, dh), img.SubsampleRatio)
	// to maps a source point to its place in a picture of sw×sh turned.
	to := func(x, y, sw, sh int) (int, int) {
		switch deg {
		case 90:
			return sh - 1 - y, x
		case 180:
			return sw - 1 - x, sh - 1 - y
		default:
			return y, sw - 1 - x
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := to(x, y, w, h)
			dst.Y[dst.YOffset(dx, dy)] = img.Y[img.YOffset(img.Rect.Min.X+x, img.Rect.Min.Y+y)]
		}
	}
	// Chroma: each sample of the source's chroma plane, at its grid.
	cw, ch := (w+1)/2, (h+1)/2
	if img.SubsampleRatio == image.YCbCrSubsampleRatio444 {
		cw, ch = w, h
	}
	sx, sy := w/cw, h/ch
	if img.SubsampleRatio == image.YCbCrSubsampleRatio420 || img.SubsampleRatio == image.YCbCrSubsampleRatio444 {
		for y := 0; y < ch; y++ {
			for x := 0; x < cw; x++ {
				src := img.COffset(img.Rect.Min.X+x*sx, img.Rect.Min.Y+y*sy)
				dx, dy := to(x, y, cw, ch)
				d := dst.COffset(dx*sx, dy*sy)
				dst.Cb[d], dst.Cr[d] = img.Cb[src], img.Cr[src]
			}
		}
		return dst
	}
	// Other subsamplings: point by point.
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := to(x, y, w, h)
			c := img.COffset(img.Rect.Min.X+x, img.Rect.Min.Y+y)
			d := dst.COffset(dx, dy)
			dst.Cb[d], dst.Cr[d] = img.Cb[c], img.Cr[c]
		}
	}
	return dst
}

// keepRotation copies the source stream's display matrix (rotation) to an
// output stream, so that a cut shows upright where the source did.
func keepRotation(in, out *astiav.Stream) {
	if b := in.SideData(astiav.PacketSideDataTypeDisplaymatrix); len(b) > 0 && out != nil {
		_ = out.AddSideData(astiav.PacketSideDataTypeDisplaymatrix, b)
	}
}

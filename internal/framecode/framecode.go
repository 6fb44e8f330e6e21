// Package framecode draws and reads the machine-readable time code that the
// demo site puts on every frame: two rows of 40 black or white blocks, 16×8
// pixels each, across the top of the picture. The 80 bits are the camera
// clock as Unix milliseconds (64 bits, most significant first) and a 16-bit
// check. Blocks are aligned to 16×16 macroblocks so that they survive
// H.264 compression at ordinary quality.
package framecode

import (
	"encoding/binary"
	"hash/crc32"
	"image"
)

const (
	BlockW  = 16
	BlockH  = 8
	PerRow  = 40
	Rows    = 2
	Bits    = PerRow * Rows
	Width   = PerRow * BlockW // pixels the code needs
	Height  = Rows * BlockH
	black   = 16
	white   = 235
	neutral = 128
)

func check(ms int64) uint16 {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(ms))
	return uint16(crc32.ChecksumIEEE(b[:]))
}

func bit(ms int64, i int) bool {
	if i < 64 {
		return uint64(ms)>>(63-i)&1 == 1
	}
	return check(ms)>>(79-i)&1 == 1
}

// Draw writes the code for ms (camera clock, Unix milliseconds) into the top
// of img, which must be at least Width×Height.
func Draw(img *image.YCbCr, ms int64) {
	for i := 0; i < Bits; i++ {
		v := byte(black)
		if bit(ms, i) {
			v = white
		}
		x0, y0 := (i%PerRow)*BlockW, (i/PerRow)*BlockH
		for y := y0; y < y0+BlockH; y++ {
			row := img.Y[y*img.YStride+x0 : y*img.YStride+x0+BlockW]
			for x := range row {
				row[x] = v
			}
		}
	}
	// Neutral chroma under the code keeps it pure black and white.
	for y := 0; y < Height/2; y++ {
		for x := 0; x < Width/2; x++ {
			img.Cb[y*img.CStride+x] = neutral
			img.Cr[y*img.CStride+x] = neutral
		}
	}
}

// Read returns the camera clock in Unix milliseconds coded in img, and false
// when there is no valid code (the check does not match).
func Read(img *image.YCbCr) (int64, bool) {
	if img.Rect.Dx() < Width || img.Rect.Dy() < Height {
		return 0, false
	}
	var ms uint64
	var chk uint16
	for i := 0; i < Bits; i++ {
		x0, y0 := (i%PerRow)*BlockW, (i/PerRow)*BlockH
		// Sample the block's centre, away from edges that ring after coding.
		sum := 0
		for y := y0 + 2; y < y0+BlockH-2; y++ {
			for x := x0 + 4; x < x0+BlockW-4; x++ {
				sum += int(img.Y[y*img.YStride+x])
			}
		}
		one := sum > (black+white)/2*(BlockH-4)*(BlockW-8)
		if i < 64 {
			ms = ms<<1 | b2u(one)
		} else {
			chk = chk<<1 | uint16(b2u(one))
		}
	}
	if check(int64(ms)) != chk {
		return 0, false
	}
	return int64(ms), true
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// ReadScaled reads the code from a picture shown at scale (0.5: half size,
// as in a contact sheet's thumbnail) with its top-left corner at origin in
// img, sampling each block's centre pixel. It needs blocks of at least
// 2×2 pixels (scale ≥ 0.25).
func ReadScaled(img *image.YCbCr, origin image.Point, scale float64) (int64, bool) {
	if scale < 0.25 {
		return 0, false
	}
	at := func(i int) bool {
		x := origin.X + int((float64((i%PerRow)*BlockW)+BlockW/2)*scale)
		y := origin.Y + int((float64((i/PerRow)*BlockH)+BlockH/2)*scale)
		if !(image.Point{x, y}).In(img.Rect) {
			return false
		}
		return int(img.Y[img.YOffset(x, y)]) > (black+white)/2
	}
	var ms uint64
	var chk uint16
	for i := 0; i < Bits; i++ {
		if i < 64 {
			ms = ms<<1 | b2u(at(i))
		} else {
			chk = chk<<1 | uint16(b2u(at(i)))
		}
	}
	if check(int64(ms)) != chk {
		return 0, false
	}
	return int64(ms), true
}

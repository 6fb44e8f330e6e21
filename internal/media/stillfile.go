package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
)

// Meta is text recorded inside a still file: PNG tEXt chunks, or one JPEG
// comment with key=value lines.
type Meta map[string]string

// WriteStill writes s to path as PNG or JPEG (by extension), converted to
// RGB with the levels the decoder reported (studio range BT.601 unless the
// stream is full range). It writes to a temporary name and renames.
func WriteStill(path string, s Still, meta Meta) error {
	rgb := toRGBA(s.Image, s.Full)
	var buf bytes.Buffer
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		// PNG is lossless at every level; the fastest keeps stills quick at 1080p.
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(&buf, rgb); err != nil {
			return fmt.Errorf("still %s: %w", path, err)
		}
		data, err := withPNGText(buf.Bytes(), meta)
		if err != nil {
			return fmt.Errorf("still %s: %w", path, err)
		}
		buf = *bytes.NewBuffer(data)
	case ".jpg", ".jpeg":
		if err := jpeg.Encode(&buf, rgb, &jpeg.Options{Quality: 95}); err != nil {
			return fmt.Errorf("still %s: %w", path, err)
		}
		buf = *bytes.NewBuffer(withJPEGComment(buf.Bytes(), meta))
	default:
		return fmt.Errorf("still %s: use .png or .jpg", path)
	}
	if err := atomicfile.Write(path, buf.Bytes()); err != nil {
		return fmt.Errorf("still: %w", err)
	}
	return nil
}

func clamp(v int32) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// toRGBA converts with BT.601 coefficients; studio-range input is expanded.
func toRGBA(src *image.YCbCr, full bool) *image.RGBA {
	b := src.Rect
	dst := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			yy := int32(src.Y[src.YOffset(x, y)])
			ci := src.COffset(x, y)
			cb, cr := int32(src.Cb[ci])-128, int32(src.Cr[ci])-128
			var r, g, bl int32
			if full {
				r = yy + (91881*cr+32768)>>16
				g = yy - (22554*cb+46802*cr-32768)>>16
				bl = yy + (116130*cb+32768)>>16
			} else {
				y1 := (yy - 16) * 76309 // 255/219 in 16.16
				r = (y1 + 104597*cr + 32768) >> 16
				g = (y1 - 25675*cb - 53279*cr + 32768) >> 16
				bl = (y1 + 132201*cb + 32768) >> 16
			}
			i := dst.PixOffset(x, y)
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = clamp(r), clamp(g), clamp(bl), 255
		}
	}
	return dst
}

// withPNGText inserts one tEXt chunk per entry after IHDR.
func withPNGText(data []byte, meta Meta) ([]byte, error) {
	const sigLen, ihdrLen = 8, 8 + 13 + 4
	if len(data) < sigLen+ihdrLen || string(data[12:16]) != "IHDR" {
		return nil, fmt.Errorf("not a PNG")
	}
	var out bytes.Buffer
	out.Write(data[:sigLen+ihdrLen])
	for _, k := range sortedKeys(meta) {
		body := append([]byte(k), 0)
		body = append(body, latin1(meta[k])...)
		var hdr [8]byte
		binary.BigEndian.PutUint32(hdr[:4], uint32(len(body)))
		copy(hdr[4:], "tEXt")
		out.Write(hdr[:])
		out.Write(body)
		crc := crc32.NewIEEE()
		crc.Write(hdr[4:])
		crc.Write(body)
		binary.Write(&out, binary.BigEndian, crc.Sum32())
	}
	out.Write(data[sigLen+ihdrLen:])
	return out.Bytes(), nil
}

// latin1 keeps tEXt within ISO 8859-1 as PNG requires (å ä ö are in it).
func latin1(s string) []byte {
	var b []byte
	for _, r := range s {
		if r < 256 {
			b = append(b, byte(r))
		} else {
			b = append(b, '?')
		}
	}
	return b
}

// withJPEGComment inserts a COM segment after SOI.
func withJPEGComment(data []byte, meta Meta) []byte {
	var text strings.Builder
	for _, k := range sortedKeys(meta) {
		fmt.Fprintf(&text, "%s=%s\n", k, meta[k])
	}
	body := []byte(text.String())
	if len(body) > 65533 {
		body = body[:65533]
	}
	out := append([]byte{}, data[:2]...)
	out = append(out, 0xFF, 0xFE, byte((len(body)+2)>>8), byte(len(body)+2))
	out = append(out, body...)
	return append(out, data[2:]...)
}

func sortedKeys(m Meta) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

package media

import (
	"strings"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// Limits on the pictures klipp encodes: even sizes (4:2:0 chroma), at least
// one macroblock, and no larger than H.264 and HEVC level 6.2 allow (8192
// on a side, 139,264 macroblocks in a frame).
const (
	MinSide   = 16
	MaxSide   = 8192
	MaxPixels = 139264 * 256
)

// presets are the x264 and x265 presets, fastest first.
var presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}

// ValidatePreset accepts an x264/x265 preset name; otherwise it returns a
// fault.Usage error naming the value and the choices.
func ValidatePreset(name string) error {
	for _, p := range presets {
		if name == p {
			return nil
		}
	}
	return fault.Usagef("preset %q: want one of %s", name, strings.Join(presets, ", "))
}

// ValidateCRF accepts an x264/x265 constant rate factor, 0 (lossless) to 51;
// otherwise it returns a fault.Usage error naming the value.
func ValidateCRF(crf int) error {
	if crf < 0 || crf > 51 {
		return fault.Usagef("crf %d: want 0 to 51 (lower is better)", crf)
	}
	return nil
}

// ValidateSize accepts a picture size klipp can encode: width and height
// even, from MinSide to MaxSide, at most MaxPixels in all; otherwise it
// returns a fault.Usage error naming the size.
func ValidateSize(width, height int) error {
	switch {
	case width%2 != 0 || height%2 != 0:
		return fault.Usagef("size %dx%d: width and height must be even", width, height)
	case width < MinSide || height < MinSide:
		return fault.Usagef("size %dx%d: width and height must be at least %d", width, height, MinSide)
	case width > MaxSide || height > MaxSide || width*height > MaxPixels:
		return fault.Usagef("size %dx%d: larger than H.264 encodes (at most %d on a side, %d pixels)", width, height, MaxSide, MaxPixels)
	}
	return nil
}

package demo

import (
	"image"
	"testing"
	"time"
)

// The sensor noise is a new pattern every noise epoch (200 ms) and the
// same within one; it is ±2 grey levels in most minutes and ±3 in some,
// never more.
func TestNoiseChangesEveryEpoch(t *testing.T) {
	n := nuisance{length: time.Hour, seed: 12345, lutFor: -1}
	const w, h = 64, 96
	frame := func(at time.Duration) []byte {
		img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
		for i := range img.Y {
			img.Y[i] = 128
		}
		n.apply(img, at)
		return img.Y[img.YStride*40:] // below the frame code
	}
	differ := func(a, b []byte) int {
		d := 0
		for i := range a {
			if a[i] != b[i] {
				d++
			}
		}
		return d
	}
	first := frame(0)
	if d := differ(first, frame(noiseEpoch-time.Millisecond)); d != 0 {
		t.Errorf("within one epoch %d pixels differ", d)
	}
	prev := first
	for k := 1; k <= 12; k++ {
		cur := frame(time.Duration(k) * noiseEpoch)
		if d := differ(prev, cur); d < len(cur)/2 {
			t.Errorf("epoch %d: only %d of %d pixels differ from epoch %d", k, d, len(cur), k-1)
		}
		prev = cur
	}
	amps := map[int]int{}
	for m := 0; m < 60; m++ {
		most := 0
		for _, v := range frame(time.Duration(m) * time.Minute) {
			most = max(most, int(v)-128, 128-int(v))
		}
		amps[most]++
	}
	if len(amps) != 2 || amps[2] < 30 || amps[3] < 10 {
		t.Errorf("minutes by largest noise: %v; want mostly ±2, some ±3", amps)
	}
}

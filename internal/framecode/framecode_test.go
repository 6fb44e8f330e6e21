package framecode

import (
	"image"
	"math/rand"
	"testing"
)

func TestDrawRead(t *testing.T) {
	img := image.NewYCbCr(image.Rect(0, 0, 640, 360), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewSource(1))
	for _, ms := range []int64{0, 1, 1795209245120, 1<<62 + 12345} {
		Draw(img, ms)
		got, ok := Read(img)
		if !ok || got != ms {
			t.Errorf("Read after Draw(%d) = %d, %v", ms, got, ok)
		}
		// Noise of ±40 levels must not change the reading.
		for i := range img.Y {
			n := int(img.Y[i]) + rng.Intn(81) - 40
			img.Y[i] = byte(max(0, min(255, n)))
		}
		if got, ok := Read(img); !ok || got != ms {
			t.Errorf("Read with noise (%d) = %d, %v", ms, got, ok)
		}
	}
	// A flipped block fails the check instead of giving a wrong time.
	Draw(img, 1795209245120)
	for y := 0; y < BlockH; y++ {
		for x := 5 * BlockW; x < 6*BlockW; x++ {
			img.Y[y*img.YStride+x] ^= 0xff
		}
	}
	if _, ok := Read(img); ok {
		t.Error("a damaged code was accepted")
	}
	if _, ok := Read(image.NewYCbCr(image.Rect(0, 0, 320, 8), image.YCbCrSubsampleRatio420)); ok {
		t.Error("a too small picture was read")
	}
}

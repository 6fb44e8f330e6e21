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

func TestReadScaled(t *testing.T) {
	img := image.NewYCbCr(image.Rect(0, 0, Width, Height), image.YCbCrSubsampleRatio420)
	const ms = 1795208459123
	Draw(img, ms)
	// Half size, placed at (10, 6) in a larger picture, by averaging 2×2.
	half := image.NewYCbCr(image.Rect(0, 0, Width/2+20, Height/2+12), image.YCbCrSubsampleRatio420)
	for y := 0; y < Height/2; y++ {
		for x := 0; x < Width/2; x++ {
			s := int(img.Y[img.YOffset(2*x, 2*y)]) + int(img.Y[img.YOffset(2*x+1, 2*y)]) + int(img.Y[img.YOffset(2*x, 2*y+1)]) + int(img.Y[img.YOffset(2*x+1, 2*y+1)])
			half.Y[half.YOffset(10+x, 6+y)] = byte(s / 4)
		}
	}
	if got, ok := ReadScaled(half, image.Pt(10, 6), 0.5); !ok || got != ms {
		t.Errorf("half size: %d %v, want %d", got, ok, ms)
	}
	if _, ok := ReadScaled(half, image.Pt(0, 0), 0.5); ok {
		t.Error("a code read where there is none")
	}
}

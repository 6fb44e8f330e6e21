package overlay

import (
	"image"
	"testing"
)

func TestTextDrawsSwedishGlyphs(t *testing.T) {
	f, err := NewFace(Regular, 24)
	if err != nil {
		t.Fatal(err)
	}
	// Å, Ä and Ö differ from A and O only by their marks above: each must
	// ink pixels above the cap height where the plain letter has none.
	ink := func(s string) (above, total int) {
		img := image.NewYCbCr(image.Rect(0, 0, 64, 48), image.YCbCrSubsampleRatio420)
		Fill(img, img.Rect, Black)
		f.Text(img, 4, 8, s, White)
		capTop := 8 + f.Ascent - 17 // cap height of Go Regular at 24 px is about 17
		for y := 0; y < 48; y++ {
			for x := 0; x < 64; x++ {
				if img.Y[y*img.YStride+x] > 128 {
					total++
					if y < capTop {
						above++
					}
				}
			}
		}
		return
	}
	for _, pair := range [][2]string{{"A", "Å"}, {"A", "Ä"}, {"O", "Ö"}} {
		plainAbove, plain := ink(pair[0])
		markAbove, marked := ink(pair[1])
		if plain == 0 || marked <= plain || markAbove <= plainAbove {
			t.Errorf("%s vs %s: ink %d/%d above cap, %d/%d total", pair[1], pair[0], markAbove, plainAbove, marked, plain)
		}
	}
	if w := f.Measure("Södergatan 2"); w < 100 || w > 200 {
		t.Errorf("Measure = %d", w)
	}
}

func TestFillClipsAndColours(t *testing.T) {
	img := image.NewYCbCr(image.Rect(0, 0, 32, 32), image.YCbCrSubsampleRatio420)
	red := RGB(220, 30, 30)
	Fill(img, image.Rect(-10, -10, 8, 8), red)
	if img.Y[0] != red.Y || img.Cr[0] != red.Cr || img.Y[8] != 0 {
		t.Errorf("fill: Y0=%d Cr0=%d Y8=%d", img.Y[0], img.Cr[0], img.Y[8])
	}
	if red.Cr < 200 || red.Y < 16 || red.Y > 235 {
		t.Errorf("RGB red = %+v", red)
	}
}

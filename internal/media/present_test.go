package media

import (
	"context"
	"image"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// A presentation of a card and two clips, encoded in parallel parts and
// joined: one stream of every frame at 25 fps, each clip at its own size
// (no scaling) with its caption bar, each output frame the clip frame on
// screen then, captions given the shown frame's time.
func TestPresent(t *testing.T) {
	dir := t.TempDir()
	slow := filepath.Join(dir, "slow.mkv") // 5 fps, 1 s
	writeLumaClip(t, slow, WriterOptions{Format: "matroska", Codec: "h264", Width: 160, Height: 96, FPS: 5}, 5)
	fast := filepath.Join(dir, "fast.mp4") // 25 fps, 0.8 s
	writeLumaClip(t, fast, WriterOptions{Format: "mp4", Codec: "h264", Width: 160, Height: 96, FPS: 25}, 20)
	var mu sync.Mutex
	captions := map[time.Duration]bool{}
	caption := func(at time.Duration) string {
		mu.Lock()
		captions[at] = true
		mu.Unlock()
		return "Kamera  " + at.String()
	}
	card := &Card{Lines: []string{"Post 1", "Södergatan 2"}, Seconds: 2}
	parts := []PresentPart{{Card: card}, {Clip: slow, Caption: caption}, {Clip: fast, Caption: caption}}
	out := filepath.Join(dir, "presentation.mp4")
	res, err := Present(context.Background(), parts, out, PresentOptions{MaxWidth: 1920, MaxHeight: 1080, FPS: 25, CRF: 16, Preset: "veryfast", Jobs: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Width != 160 || res.Height != 120 || res.CaptionBar != 24 || len(res.Items) != 3 || res.Items[1].Start != 2*time.Second ||
		res.Items[1].Frames != 25 || res.Items[2].Frames != 20 || res.Items[2].Start != 3*time.Second {
		t.Fatalf("result %+v", res)
	}
	in, err := Probe(context.Background(), out)
	if err != nil || in.Frames != 95 || math.Abs(float64(in.Duration)-3.8) > 1e-6 || in.Video().Width != 160 || in.Video().Height != 120 {
		t.Fatalf("presentation: %+v %v", in, err)
	}
	cardPic, _ := CardPicture(Card{Lines: card.Lines, Width: 160, Height: 120})
	n := eachFrame(t, out, func(i int, f *Frame) {
		if want := time.Duration(i) * 40 * time.Millisecond; f.Offset != want {
			t.Errorf("frame %d at %v, want %v", i, f.Offset, want)
		}
		img, pic, bar := f.Image, *f.Image, *f.Image
		pic.Rect, bar.Rect = image.Rect(2, 2, 158, 94), image.Rect(0, 98, 160, 118)
		var level float64
		switch {
		case i < 50:
			if got, exp := meanLuma(img), meanLuma(cardPic); math.Abs(got-exp) > 2 {
				t.Errorf("card frame %d: luma %.1f, card %.1f", i, got, exp)
			}
			return
		case i < 75:
			level = float64(16 + 8*((i-50)/5)) // the 5 fps clip's frame on screen
		default:
			level = float64(16 + 8*(i-75))
		}
		if got := meanLuma(&pic); math.Abs(got-level) > 3 {
			t.Errorf("frame %d: picture luma %.1f, want %.0f", i, got, level)
		}
		if got := meanLuma(&bar); got < 17 || got > 80 {
			t.Errorf("frame %d: caption bar luma %.1f: no caption drawn", i, got)
		}
	})
	if n != 95 {
		t.Errorf("%d frames decoded", n)
	}
	for _, at := range []time.Duration{0, 200 * time.Millisecond, 800 * time.Millisecond, 760 * time.Millisecond} {
		if !captions[at] {
			t.Errorf("no caption for the frame at %v: %v", at, captions)
		}
	}
	if captions[40*time.Millisecond] && captions[240*time.Millisecond] && len(captions) > 25 {
		t.Errorf("captions for frames the 5 fps clip does not have: %v", captions)
	}

	// Fixed: 320x180, the clips scaled to fit above the bar.
	res, err = Present(context.Background(), parts, out, PresentOptions{MaxWidth: 320, MaxHeight: 180, Fixed: true, FPS: 25, CRF: 16, Preset: "veryfast", Jobs: 1}, nil)
	if err != nil || res.Width != 320 || res.Height != 180 {
		t.Fatalf("fixed: %+v %v", res, err)
	}
	if in, err := Probe(context.Background(), out); err != nil || in.Frames != 95 || in.Video().Width != 320 {
		t.Fatalf("fixed: %+v %v", in, err)
	}
}

func TestPresentationFrame(t *testing.T) {
	for _, c := range []struct {
		sizes     []image.Point
		o         PresentOptions
		w, h, bar int
	}{
		{[]image.Point{{640, 360}, {640, 360}}, PresentOptions{MaxWidth: 1920, MaxHeight: 1080}, 640, 390, 30},
		{[]image.Point{{640, 360}, {1920, 1080}}, PresentOptions{MaxWidth: 1920, MaxHeight: 1080}, 1772, 1080, 82},
		{[]image.Point{{640, 360}}, PresentOptions{MaxWidth: 1920, MaxHeight: 1080, Fixed: true}, 1920, 1080, 82},
		{[]image.Point{{704, 576}}, PresentOptions{MaxWidth: 1920, MaxHeight: 1080}, 704, 624, 48},
	} {
		w, h, bar := PresentationFrame(c.sizes, c.o)
		if w != c.w || h != c.h || bar != c.bar {
			t.Errorf("%v %+v: %dx%d bar %d, want %dx%d bar %d", c.sizes, c.o, w, h, bar, c.w, c.h, c.bar)
		}
	}
}

package media

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"
)

// writeCountClip writes n frames at 25 fps whose luma tells the frame's
// number: 16 + 3·(i mod 70).
func writeCountClip(t *testing.T, path string, o WriterOptions, n int) {
	t.Helper()
	w, err := CreateVideo(path, o)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		img, err := w.Picture()
		if err != nil {
			t.Fatal(err)
		}
		fill(img.Y, countLuma(i))
		fill(img.Cb, 128)
		fill(img.Cr, 128)
		if err := w.WriteFrame(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func countLuma(i int) byte { return byte(16 + 3*(i%70)) }

type gotSample struct {
	off  time.Duration
	key  bool
	luma float64
	w, h int
}

// gotOf is a sample's offset, kind, size and mean grey level.
func gotOf(s Sample) gotSample {
	sum := 0
	for _, v := range s.Pix {
		sum += int(v)
	}
	return gotSample{s.Offset, s.Key, float64(sum) / float64(len(s.Pix)), s.Width, s.Height}
}

func samples(t *testing.T, path string, o SampleOptions) ([]gotSample, SampleStats) {
	t.Helper()
	var got []gotSample
	stats, err := Samples(context.Background(), path, o, func(s Sample) error {
		got = append(got, gotOf(s))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, stats
}

// The grey sample's level for frame i: studio-range luma stretched to full
// range (the MJPEG writer's full-range pictures hold the luma as written).
func greyOf(i int, full bool) float64 {
	if full {
		return float64(countLuma(i))
	}
	return (float64(countLuma(i)) - 16) * 255 / 219
}

func checkFrames(t *testing.T, got []gotSample, want []time.Duration, full bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d samples %+v, want offsets %v", len(got), got, want)
	}
	for i, g := range got {
		if g.off != want[i] {
			t.Errorf("sample %d at %v, want %v", i, g.off, want[i])
		}
		frame := int(g.off / (40 * time.Millisecond))
		if math.Abs(g.luma-greyOf(frame, full)) > 4 {
			t.Errorf("sample at %v: grey %.1f, want frame %d's %.1f", g.off, g.luma, frame, greyOf(frame, full))
		}
	}
}

func TestSamplesKeyframes(t *testing.T) {
	dir := t.TempDir()
	secs := func(s ...float64) []time.Duration {
		var out []time.Duration
		for _, v := range s {
			out = append(out, time.Duration(v*float64(time.Second)))
		}
		return out
	}
	for _, c := range []struct{ format, codec, ext string }{
		{"mp4", "h264", "mp4"}, {"mpegts", "h264", "ts"}, {"matroska", "mjpeg", "mkv"},
	} {
		t.Run(c.format+"-"+c.codec, func(t *testing.T) {
			path := filepath.Join(dir, "count-"+c.codec+"."+c.ext)
			writeCountClip(t, path, WriterOptions{Format: c.format, Codec: c.codec, Width: 640, Height: 360, FPS: 25, GOP: 50, CRF: 18}, 250)
			got, stats := samples(t, path, SampleOptions{})
			want := secs(0, 2, 4, 6, 8)
			if c.codec == "mjpeg" { // every frame is a keyframe
				want = nil
				for i := 0; i < 250; i++ {
					want = append(want, time.Duration(i)*40*time.Millisecond)
				}
			}
			checkFrames(t, got, want, c.codec == "mjpeg")
			if got[0].w != 160 || got[0].h != 90 {
				t.Errorf("sample size %dx%d, want 160x90", got[0].w, got[0].h)
			}
			if c.codec == "h264" && stats.Decoded != 5 {
				t.Errorf("decoded %d pictures for 5 keyframes", stats.Decoded)
			}
			if c.codec == "mjpeg" && stats.Lowres != 2 {
				t.Errorf("MJPEG decoded at lowres %d, want 2 (640 → 160)", stats.Lowres)
			}
			// A range: keyframes in [3 s, 7 s).
			got, _ = samples(t, path, SampleOptions{From: 3 * time.Second, To: 7 * time.Second, Interval: 2 * time.Second})
			if c.codec == "h264" {
				checkFrames(t, got, secs(4, 6), false)
			}
			// A close look: a frame at least every 200 ms in [2.1 s, 3 s);
			// with B-frames, reference frames only (each decoded right).
			got, _ = samples(t, path, SampleOptions{From: 2100 * time.Millisecond, To: 3 * time.Second, Every: 200 * time.Millisecond})
			var offs []time.Duration
			for i, g := range got {
				offs = append(offs, g.off)
				if i > 0 && (g.off-got[i-1].off < 200*time.Millisecond || g.off-got[i-1].off > 320*time.Millisecond) {
					t.Errorf("close look: %v after %v", g.off, got[i-1].off)
				}
			}
			if len(got) < 3 || got[0].off < 2100*time.Millisecond || got[0].off > 2300*time.Millisecond || got[len(got)-1].off >= 3*time.Second {
				t.Errorf("close look: %v", offs)
			}
			checkFrames(t, got, offs, c.codec == "mjpeg")
		})
	}
}

// Where keyframes are 10 s apart, a sample is still taken every 2 s.
func TestSamplesLongGOP(t *testing.T) {
	for _, c := range []struct{ format, ext string }{{"mp4", "mp4"}, {"mpegts", "ts"}} {
		t.Run(c.format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "long."+c.ext)
			writeCountClip(t, path, WriterOptions{Format: c.format, Codec: "h264", Width: 640, Height: 360, FPS: 25, GOP: 250, CRF: 18}, 500)
			got, stats := samples(t, path, SampleOptions{})
			if !stats.LongGOP {
				t.Errorf("10-second GOP not noticed: %+v", stats)
			}
			var offs []time.Duration
			for i := 0; i < 10; i++ {
				offs = append(offs, time.Duration(i)*2*time.Second)
			}
			checkFrames(t, got, offs, false)
		})
	}
}

// With Sparse, keyframes between decoded ones at most Sparse apart are
// reported, not decoded, in their place in time; an open Sampler decodes
// them later, and takes close looks and keyframe looks one after another.
func TestSamplesSparseAndLooks(t *testing.T) {
	// MP4 (keyframes from the index) and MPEG-TS (read through).
	for _, c := range []struct{ format, ext string }{{"mp4", "mp4"}, {"mpegts", "ts"}} {
		t.Run(c.format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "count."+c.ext)
			writeCountClip(t, path, WriterOptions{Format: c.format, Codec: "h264", Width: 640, Height: 360, FPS: 25, GOP: 25, CRF: 18}, 250)
			sparseAndLooks(t, path)
		})
	}
}

func sparseAndLooks(t *testing.T, path string) {
	type item struct {
		off     time.Duration
		skipped bool
	}
	var order []item
	var got []gotSample
	stats, err := Samples(context.Background(), path, SampleOptions{Sparse: 4 * time.Second}, func(s Sample) error {
		order = append(order, item{s.Offset, s.Skipped})
		if s.Skipped {
			if s.Pix != nil || s.Image != nil || !s.Key {
				t.Errorf("skipped keyframe at %v carries a picture or is not a keyframe", s.Offset)
			}
			return nil
		}
		got = append(got, gotOf(s))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Keyframes every second: 0 s, then 4 s (3 s would leave 4 s with the
	// next decoded one 5 s on), 8 s, and the last, 9 s.
	checkFrames(t, got, []time.Duration{0, 4 * time.Second, 8 * time.Second, 9 * time.Second}, false)
	if stats.Decoded != 4 {
		t.Errorf("decoded %d pictures, want 4", stats.Decoded)
	}
	var skipped []time.Duration
	for i, it := range order {
		if i > 0 && it.off <= order[i-1].off {
			t.Errorf("out of order: %v after %v", it.off, order[i-1].off)
		}
		if it.skipped {
			skipped = append(skipped, it.off)
		}
	}
	if len(skipped) != 6 {
		t.Fatalf("skipped %v, want the keyframes at 1, 2, 3, 5, 6, 7 s", skipped)
	}
	s, err := OpenSampler(path, SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	look := func(from, to, every time.Duration) []gotSample {
		var out []gotSample
		if _, err := s.Look(context.Background(), from, to, every, func(x Sample) error {
			out = append(out, gotOf(x))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for i, off := range skipped {
		sec := []time.Duration{1, 2, 3, 5, 6, 7}[i] * time.Second
		if off > sec || off < sec-200*time.Millisecond {
			t.Errorf("skipped keyframe reported at %v, it is at %v", off, sec)
		}
		checkFrames(t, look(off, off+500*time.Millisecond, 0), []time.Duration{sec}, false)
		if i == 2 {
			// A close look in between, then keyframes again.
			close := look(5100*time.Millisecond, 6*time.Second, 200*time.Millisecond)
			var offs []time.Duration
			for _, g := range close {
				offs = append(offs, g.off)
			}
			if len(close) < 3 || close[0].off > 5300*time.Millisecond {
				t.Errorf("close look: %v", offs)
			}
			checkFrames(t, close, offs, false)
		}
	}
}

package activity

import (
	"context"
	"fmt"
	"image"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/overlay"
)

// walk is a figure crossing the picture between two offsets.
type walk struct {
	from, to time.Duration
	right    bool
}

// scene writes a still street at fps with what CCTV adds to it: sensor
// noise, light that dims slowly and once steps, a lamp that flickers and a
// running clock in the corner; and figures walking through.
func scene(t *testing.T, dir string, length time.Duration, fps int, walks []walk) []Segment {
	t.Helper()
	const w, h = 640, 360
	stamp, err := overlay.NewFace(overlay.Mono, 18)
	if err != nil {
		t.Fatal(err)
	}
	bg := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			bg.Y[y*bg.YStride+x] = byte(60 + (x/40+y/30)%5*25)
		}
	}
	overlay.Fill(bg, image.Rect(0, 250, w, h), overlay.RGB(90, 90, 90))
	var segs []Segment
	seed := uint32(7)
	t0 := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	frames := int(length.Seconds()) * fps
	per := 60 * fps
	for s := 0; s*per < frames; s++ {
		path := filepath.Join(dir, fmt.Sprintf("seg%d.mp4", s))
		vw, err := media.CreateVideo(path, media.WriterOptions{Format: "mp4", Codec: "h264", Width: w, Height: h, FPS: fps, GOP: 2 * fps, CRF: 28, Preset: "ultrafast", Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		n := min(per, frames-s*per)
		for k := 0; k < n; k++ {
			i := s*per + k
			at := time.Duration(i) * time.Second / time.Duration(fps)
			img, err := vw.Picture()
			if err != nil {
				t.Fatal(err)
			}
			overlay.Copy(img, bg)
			for _, wk := range walks {
				if at < wk.from || at >= wk.to {
					continue
				}
				f := float64(at-wk.from) / float64(wk.to-wk.from)
				if !wk.right {
					f = 1 - f
				}
				x := int(-30 + f*float64(w+30))
				overlay.Fill(img, image.Rect(x, 180, x+30, 270), overlay.RGB(200, 40, 40))
			}
			// Light: dims by a fifth over the length, steps up 10 % at half
			// way; a lamp flickers; noise of ±4 levels.
			gain := 1 - 0.2*at.Seconds()/length.Seconds()
			if at > length/2 {
				gain *= 1.1
			}
			for y := 0; y < h; y++ {
				row := img.Y[y*img.YStride : y*img.YStride+w]
				for x := range row {
					seed ^= seed << 13
					seed ^= seed >> 17
					seed ^= seed << 5
					v := float64(row[x])*gain + float64(seed%9) - 4
					row[x] = byte(math.Max(16, math.Min(235, v)))
				}
			}
			if seed%3 == 0 {
				overlay.Fill(img, image.Rect(500, 60, 530, 90), overlay.RGB(250, 240, 200))
			}
			stamp.Label(img, 8, h-30, t0.Add(at).Format("2006-01-02 15:04:05"))
			if err := vw.WriteFrame(); err != nil {
				t.Fatal(err)
			}
		}
		if err := vw.Close(); err != nil {
			t.Fatal(err)
		}
		segs = append(segs, Segment{ID: int64(s + 1), Path: path, Start: t0.Add(time.Duration(s) * time.Minute), Duration: time.Duration(n) * time.Second / time.Duration(fps)})
	}
	return segs
}

func scanAll(t *testing.T, segs []Segment) []Placed {
	t.Helper()
	out, _ := scanFrom(t, segs, nil)
	return out
}

// scanFrom scans segs going on from resume, and returns the scans and the
// state where the scan ended.
func scanFrom(t *testing.T, segs []Segment, resume *State) ([]Placed, *State) {
	t.Helper()
	return scanWith(t, segs, resume, 0)
}

func scanWith(t *testing.T, segs []Segment, resume *State, sparse time.Duration) ([]Placed, *State) {
	t.Helper()
	var out []Placed
	var end *State
	err := Run(context.Background(), segs, Options{Sparse: sparse, Resume: resume, Keep: func(_ context.Context, st State) error {
		end = &st
		return nil
	}, Save: func(_ context.Context, s Scanned) error {
		// Through the stored form, as the store keeps it.
		data, err := s.Scan.Encode()
		if err != nil {
			return err
		}
		back, err := Decode(data)
		if err != nil {
			return err
		}
		out = append(out, Placed{Start: s.Segment.Start, Scan: back})
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(segs) {
		t.Fatalf("%d scans for %d segments", len(out), len(segs))
	}
	return out, end
}

func TestWalkersFoundWithinOneGOP(t *testing.T) {
	walks := []walk{{20 * time.Second, 36 * time.Second, true}, {52 * time.Second, 70 * time.Second, false}, {95 * time.Second, 107 * time.Second, true}}
	segs := scene(t, t.TempDir(), 2*time.Minute, 10, walks)
	scans := scanAll(t, segs)
	t0 := segs[0].Start
	got := Periods(scans, t0, t0.Add(2*time.Minute), Query{})
	for _, p := range got {
		t.Logf("%v – %v peak %.2f%% at %v box %+v (%d samples)", p.Start.Sub(t0), p.End.Sub(t0), p.Peak, p.PeakAt.Sub(t0), p.Box, p.Samples)
	}
	if len(got) != len(walks) {
		t.Fatalf("%d periods, want %d", len(got), len(walks))
	}
	for i, wk := range walks {
		p := got[i]
		if d := p.Start.Sub(t0) - wk.from; d < -2*time.Second || d > 2*time.Second {
			t.Errorf("walk %d starts at %v, found %v", i, wk.from, p.Start.Sub(t0))
		}
		if d := p.End.Sub(t0) - wk.to; d < -2*time.Second || d > 2*time.Second {
			t.Errorf("walk %d ends at %v, found %v", i, wk.to, p.End.Sub(t0))
		}
		if p.Box.Y > 190 || p.Box.Y+p.Box.H < 260 || p.Box.W < 400 {
			t.Errorf("walk %d box %+v, want the walkway across the picture", i, p.Box)
		}
	}
	// A region away from the walkway sees nothing; one on it sees the walks.
	sky, _ := ParseRegion("0,0,640,150")
	if p := Periods(scans, t0, t0.Add(2*time.Minute), Query{Region: sky}); len(p) != 0 {
		t.Errorf("activity in the sky: %+v", p)
	}
	door, _ := ParseRegion("200,170 440,170 440,280 200,280")
	if p := Periods(scans, t0, t0.Add(2*time.Minute), Query{Region: door}); len(p) != len(walks) {
		t.Errorf("%d periods at the door, want %d", len(p), len(walks))
	}

	// Scanned a segment at a time, going on from where the scan before
	// ended, the footage gives the same periods (the second walk crosses
	// from one segment into the next).
	first, st := scanFrom(t, segs[:1], nil)
	if st == nil || !st.End.Equal(t0.Add(58*time.Second)) {
		t.Fatalf("state where the first scan ended: %+v", st)
	}
	second, _ := scanFrom(t, segs[1:], st)
	apart := Periods(append(first, second...), t0, t0.Add(2*time.Minute), Query{})
	if len(apart) != len(got) {
		t.Fatalf("a piece at a time: %d periods, at once %d", len(apart), len(got))
	}
	for i := range got {
		if d := apart[i].Start.Sub(got[i].Start); d < -200*time.Millisecond || d > 200*time.Millisecond || !apart[i].Last.Equal(got[i].Last) {
			t.Errorf("period %d: %v–%v a piece at a time, %v–%v at once", i, apart[i].Start.Sub(t0), apart[i].End.Sub(t0), got[i].Start.Sub(t0), got[i].End.Sub(t0))
		}
	}
}

// Where nothing happens only every other keyframe is decoded; where
// something does, every one is, so the periods are those of a scan of
// every keyframe, and anything seen for Sparse or longer is found.
func TestSparseScanFindsWhatAFullScanFinds(t *testing.T) {
	// The short walk (8 s) begins and ends between keyframes a sparse
	// scan decodes (every 4 s where nothing moves).
	walks := []walk{{21 * time.Second, 33 * time.Second, true}, {44*time.Second + 700*time.Millisecond, 52*time.Second + 700*time.Millisecond, false}, {70 * time.Second, 84 * time.Second, true}}
	segs := scene(t, t.TempDir(), 100*time.Second, 10, walks)
	keys := func(scans []Placed) int {
		n := 0
		for _, pl := range scans {
			for _, x := range pl.Scan.Samples {
				if x.Kind == Key {
					n++
				}
			}
		}
		return n
	}
	sparse, _ := scanWith(t, segs, nil, 0)
	full, _ := scanWith(t, segs, nil, -1)
	t0 := segs[0].Start
	t.Logf("keyframes decoded: %d sparse, %d every one", keys(sparse), keys(full))
	// (This scene's noise, lamp and clock often move a few pixels: the
	// highest sensitivity counts them, and the keyframes around them are
	// decoded.)
	if n, all := keys(sparse), keys(full); all != 50 || n > all-4 {
		t.Errorf("%d keyframes decoded of %d: the quiet ones should be left out", n, all)
	}
	want := Periods(full, t0, t0.Add(2*time.Minute), Query{})
	got := Periods(sparse, t0, t0.Add(2*time.Minute), Query{})
	for _, p := range want {
		t.Logf("every keyframe: %v–%v", p.Start.Sub(t0), p.End.Sub(t0))
	}
	if len(want) != len(walks) || len(got) != len(want) {
		t.Fatalf("%d periods sparse, %d every keyframe, %d walks", len(got), len(want), len(walks))
	}
	for i := range got {
		t.Logf("%v–%v sparse, %v–%v every keyframe", got[i].Start.Sub(t0), got[i].End.Sub(t0), want[i].Start.Sub(t0), want[i].End.Sub(t0))
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
			t.Errorf("period %d differs", i)
		}
	}
	// At the highest sensitivity too (the most the scan keeps).
	wantHi := Periods(full, t0, t0.Add(2*time.Minute), Query{Sensitivity: MaxSensitivity})
	gotHi := Periods(sparse, t0, t0.Add(2*time.Minute), Query{Sensitivity: MaxSensitivity})
	if len(gotHi) != len(wantHi) {
		t.Fatalf("sensitivity %d: %d periods sparse, %d every keyframe", MaxSensitivity, len(gotHi), len(wantHi))
	}
}

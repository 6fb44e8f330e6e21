package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// writeLumaClip writes n frames whose luma is 16+8·i, so that a decoder can
// tell each frame from the next.
func writeLumaClip(t *testing.T, path string, o WriterOptions, n int) {
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
		fill(img.Y, byte(16+8*i))
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

func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// meanLuma averages the luma inside img.Rect; the planes' origin is the
// picture's (0,0), so a narrowed Rect selects a region of the frame.
func meanLuma(img *image.YCbCr) float64 {
	var s, n int
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for _, v := range img.Y[y*img.YStride+img.Rect.Min.X : y*img.YStride+img.Rect.Max.X] {
			s += int(v)
			n++
		}
	}
	return float64(s) / float64(n)
}

func TestWriteProbeDecode(t *testing.T) {
	created := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	cases := []struct {
		format, codec, ext, container string
		startPTS                      int64
	}{
		{"mp4", "h264", "mp4", "mov,mp4,m4a,3gp,3g2,mj2", 0},
		{"fmp4", "h264", "mp4", "mov,mp4,m4a,3gp,3g2,mj2", 0},
		{"mpegts", "h264", "ts", "mpegts", 3000},
		{"matroska", "h264", "mkv", "matroska,webm", 0},
		{"mp4", "hevc", "mp4", "mov,mp4,m4a,3gp,3g2,mj2", 0},
		{"matroska", "mjpeg", "mkv", "matroska,webm", 0},
	}
	for _, c := range cases {
		t.Run(c.format+"-"+c.codec, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "clip."+c.ext)
			const n = 25
			writeLumaClip(t, path, WriterOptions{Format: c.format, Codec: c.codec, Width: 160, Height: 96, FPS: 25, GOP: 10, CreationTime: created, StartPTS: c.startPTS}, n)
			in, err := Probe(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			if in.Container != c.container || in.Damaged != "" || in.Frames != n {
				t.Fatalf("probe = %+v", in)
			}
			if math.Abs(float64(in.Duration)-1.0) > 0.001 {
				t.Errorf("duration = %v s, want 1.0", in.Duration)
			}
			v := in.Video()
			if v == nil || v.Width != 160 || v.Height != 96 || v.Codec != c.codec {
				t.Errorf("video = %+v", v)
			}
			if c.codec == "h264" && in.Keyframes != 3 {
				t.Errorf("keyframes = %d, want 3 (GOP 10 over 25 frames)", in.Keyframes)
			}
			if c.format == "mp4" && (in.CreationTime == nil || !in.CreationTime.Equal(created)) {
				t.Errorf("creation_time = %v, want %v", in.CreationTime, created)
			}
			r, err := OpenVideo(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for i := 0; ; i++ {
				f, err := r.Next(context.Background())
				if errors.Is(err, io.EOF) {
					if i != n {
						t.Errorf("decoded %d frames, want %d", i, n)
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if want := time.Duration(i) * 40 * time.Millisecond; f.Offset != want {
					t.Errorf("frame %d offset = %v, want %v", i, f.Offset, want)
				}
				if got, want := meanLuma(f.Image), float64(16+8*i); math.Abs(got-want) > 3 {
					t.Errorf("frame %d luma = %.1f, want %.0f", i, got, want)
				}
			}
		})
	}
}

func TestProbeDamaged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cut.mp4")
	writeLumaClip(t, path, WriterOptions{Format: "mp4", Codec: "h264", Width: 160, Height: 96, FPS: 25}, 50)
	data, _ := os.ReadFile(path)
	// moov is at the end: cutting the file in half loses the index.
	os.WriteFile(path, data[:len(data)/2], 0o644)
	_, err := Probe(context.Background(), path)
	if err == nil || fault.KindOf(err) != fault.Media || !strings.Contains(err.Error(), "moov atom not found") {
		t.Fatalf("truncated mp4: %v", err)
	}
	ts := filepath.Join(dir, "cut.ts")
	writeLumaClip(t, ts, WriterOptions{Format: "mpegts", Codec: "h264", Width: 160, Height: 96, FPS: 25}, 50)
	data, _ = os.ReadFile(ts)
	os.WriteFile(ts, data[:len(data)/2/188*188+100], 0o644) // ends inside a packet
	in, err := Probe(context.Background(), ts)
	if err != nil {
		t.Fatal(err)
	}
	if in.Frames >= 50 || float64(in.Duration) > 1.9 {
		t.Errorf("truncated ts still reports %d frames, %v s", in.Frames, in.Duration)
	}
	if !strings.HasPrefix(in.Damaged, "ends mid-packet") {
		t.Errorf("truncated ts: damaged %q, want it to say it ends mid-packet", in.Damaged)
	}
	garbage := filepath.Join(dir, "garbage.mp4")
	os.WriteFile(garbage, []byte("this is not a video"), 0o644)
	if _, err := Probe(context.Background(), garbage); fault.KindOf(err) != fault.Media {
		t.Errorf("garbage: %v", err)
	}
}

func TestWriterLeavesNothingOnAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.mp4")
	w, err := CreateVideo(path, WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("abort left %v", entries)
	}
	if !strings.HasPrefix(Version(), "5.1") {
		t.Errorf("FFmpeg version %q, want 5.1.x", Version())
	}
}

func TestStillsAt(t *testing.T) {
	for _, format := range []string{"mp4", "mpegts", "fmp4"} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "clip")
			// 25 frames at 25 fps, GOP 10: frame i has luma 16+8i.
			writeLumaClip(t, path, WriterOptions{Format: format, Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10, StartPTS: 100}, 25)
			offsets := []time.Duration{
				930 * time.Millisecond, // frame 23 (0.92 s) is the last at or before 0.93 s
				0,                      // frame 0
				400 * time.Millisecond, // exactly frame 10, a keyframe
				439 * time.Millisecond, // frame 10
				440 * time.Millisecond, // frame 11
				5 * time.Second,        // past the end: the last frame stays on screen
			}
			want := []int{23, 0, 10, 10, 11, 24}
			stills, err := StillsAt(context.Background(), path, offsets)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range stills {
				if s.Offset != time.Duration(want[i])*40*time.Millisecond {
					t.Errorf("offset %v: frame at %v, want frame %d", offsets[i], s.Offset, want[i])
				}
				if got := meanLuma(s.Image); math.Abs(got-float64(16+8*want[i])) > 3 {
					t.Errorf("offset %v: luma %.1f, want %d", offsets[i], got, 16+8*want[i])
				}
			}
		})
	}
}

func TestTitleCard(t *testing.T) {
	card := Card{
		Lines: []string{"Post 3", "Misstänkt går österut på Södergatan", "Södergatan 2 · 2026-11-20 22:10:12 CET"},
		Width: 640, Height: 360, FPS: 25, Seconds: 4,
	}
	path := filepath.Join(t.TempDir(), "card.mp4")
	if err := WriteTitleCard(context.Background(), path, card); err != nil {
		t.Fatal(err)
	}
	in, err := Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if in.Frames != 100 || in.Duration != 4 || in.Video().Width != 640 {
		t.Fatalf("card = %d frames, %v s, %+v", in.Frames, in.Duration, in.Video())
	}
	want, err := CardPicture(card)
	if err != nil {
		t.Fatal(err)
	}
	// The middle frame shows the card: its luma matches the drawn picture.
	stills, err := StillsAt(context.Background(), path, []time.Duration{2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got := stills[0].Image
	var diff, ink int
	for y := 0; y < 360; y++ {
		for x := 0; x < 640; x++ {
			d := int(got.Y[got.YOffset(x, y)]) - int(want.Y[want.YOffset(x, y)])
			diff += max(d, -d)
			if want.Y[want.YOffset(x, y)] > 200 {
				ink++
			}
		}
	}
	if mean := float64(diff) / (640 * 360); mean > 2 {
		t.Errorf("middle frame differs from the card by %.2f levels on average", mean)
	}
	// An empty card has no bright pixel; three lines of text have many.
	empty := card
	empty.Lines = nil
	e, _ := CardPicture(empty)
	for _, v := range e.Y {
		if v > 200 {
			t.Fatal("an empty card has bright pixels")
		}
	}
	if ink < 1000 {
		t.Errorf("the card has only %d bright pixels: text missing", ink)
	}
	// Another text gives another picture.
	other := card
	other.Lines = []string{"Post 4"}
	o, _ := CardPicture(other)
	if string(o.Y) == string(want.Y) {
		t.Error("different lines drew the same card")
	}
}

// eachFrame decodes path (honouring its edit list), calls fn for each frame
// and returns how many there were.
func eachFrame(t *testing.T, path string, fn func(i int, f *Frame)) int {
	t.Helper()
	r, err := OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; ; i++ {
		f, err := r.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return i
		}
		if err != nil {
			t.Fatal(err)
		}
		fn(i, f)
	}
}

// decodeLumas returns each decoded frame's mean luma level index
// ((luma-16)/8, as writeLumaClip drew it) and offset.
func decodeLumas(t *testing.T, path string) (idx []int, offs []time.Duration) {
	t.Helper()
	eachFrame(t, path, func(_ int, f *Frame) {
		idx = append(idx, int(math.Round((meanLuma(f.Image)-16)/8)))
		offs = append(offs, f.Offset)
	})
	return idx, offs
}

func TestCopyCut(t *testing.T) {
	for _, format := range []string{"mp4", "mpegts", "fmp4"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			// CCTV encoders send no B-frames; ultrafast makes none either.
			o := WriterOptions{Format: format, Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10, Preset: "ultrafast"}
			writeLumaClip(t, a, o, 25)
			o.StartPTS = 25 // a TS recorder's clock runs on
			writeLumaClip(t, b, o, 25)
			out := filepath.Join(dir, "cut.mp4")
			// From 0.5 s into a (between keyframes 0.4 and 0.8) to 0.5 s into b.
			res, err := CopyCut(context.Background(), []CutPart{
				{Path: a, From: 500 * time.Millisecond, To: time.Second},
				{Path: b, From: 0, To: 500 * time.Millisecond, OutStart: 500 * time.Millisecond},
			}, out, CutOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Frames != 25 || res.LeadIn != 3 || res.LeadInTime != 100*time.Millisecond || res.Trailing != 0 {
				t.Errorf("result = %+v, want 25 frames, 3 lead-in (0.40–0.48 s)", res)
			}
			idx, offs := decodeLumas(t, out)
			var want []int
			for i := 13; i < 25; i++ { // a: 0.52 s .. 0.96 s
				want = append(want, i)
			}
			for i := 0; i < 13; i++ { // b: 0 .. 0.48 s
				want = append(want, i)
			}
			if fmt.Sprint(idx) != fmt.Sprint(want) {
				t.Errorf("decoded frames %v\nwant           %v", idx, want)
			}
			for i := 1; i < len(offs); i++ {
				if d := offs[i] - offs[i-1]; d != 40*time.Millisecond {
					t.Errorf("frame %d follows %v after the previous, want 40ms", i, d)
					break
				}
			}
			in, err := Probe(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(out)
			moov, mdat := bytes.Index(data, []byte("moov")), bytes.Index(data, []byte("mdat"))
			if moov < 0 || mdat < 0 || moov > mdat {
				t.Errorf("moov at %d, mdat at %d: want moov first", moov, mdat)
			}
			if !bytes.Contains(data, []byte("elst")) {
				t.Error("no edit list")
			}
			// An MP4 source's cut is planned from its index and hashed as
			// it is written: the hash is sha256sum's.
			sum, err := exec.Command("sha256sum", out).Output()
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.Fields(string(sum))[0]; (format == "mp4" && res.SHA256 != want) || (res.SHA256 != "" && res.SHA256 != want) {
				t.Errorf("SHA-256 as written %q, sha256sum %s", res.SHA256, want)
			}
			if res.SHA256 != "" && res.Size != int64(len(data)) {
				t.Errorf("size as written %d, file %d", res.Size, len(data))
			}
			// The one pass writes the very bytes the muxer writes in two.
			two := filepath.Join(dir, "two.mp4")
			if _, err := copyCutReserving(context.Background(), []CutPart{
				{Path: a, From: 500 * time.Millisecond, To: time.Second},
				{Path: b, From: 0, To: 500 * time.Millisecond, OutStart: 500 * time.Millisecond},
			}, two, time.Second, func(float64) int { return reserveFor(time.Second, 25) }, CutOptions{}); err != nil {
				t.Fatal(err)
			}
			if data2, _ := os.ReadFile(two); !bytes.Equal(data, data2) {
				t.Errorf("one-pass file (%d bytes) differs from the muxer's own (%d bytes)", len(data), len(data2))
			}
			_ = in
		})
	}
}

// With B-frames, a copy cut keeps every frame in range, and counts the
// reference frames past To it must keep.
func TestCopyCutBFrames(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "b.mp4")
	writeLumaClip(t, src, WriterOptions{Format: "mp4", Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10, Preset: "medium"}, 25)
	out := filepath.Join(dir, "cut.mp4")
	res, err := CopyCut(context.Background(), []CutPart{{Path: src, From: 500 * time.Millisecond, To: 700 * time.Millisecond}}, out, CutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := decodeLumas(t, out)
	if res.Frames != 5 || len(idx) != 5+res.Trailing || fmt.Sprint(idx[:5]) != "[13 14 15 16 17]" {
		t.Errorf("frames %v, result %+v", idx, res)
	}
}

func TestTranscodeCut(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.ts"), filepath.Join(dir, "b.ts")
	o := WriterOptions{Format: "mpegts", Codec: "h264", Width: 320, Height: 180, FPS: 25, GOP: 10}
	writeLumaClip(t, a, o, 25)
	o.StartPTS = 25
	writeLumaClip(t, b, o, 25)
	out := filepath.Join(dir, "cut.mp4")
	var captions []time.Duration
	res, err := TranscodeCut(context.Background(), []CutPart{
		{Path: a, From: 500 * time.Millisecond, To: time.Second},
		{Path: b, From: 0, To: 500 * time.Millisecond, OutStart: 500 * time.Millisecond},
	}, out, TranscodeOptions{CRF: 18, Preset: "veryfast", Caption: func(at time.Duration) string {
		captions = append(captions, at)
		return "Södergatan 2 " + at.String()
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 25 || res.Height != 180+24 || res.CaptionBar != 24 || len(captions) != 25 || captions[0] != 20*time.Millisecond || captions[24] != 980*time.Millisecond {
		t.Fatalf("result %+v, captions %v", res, captions)
	}
	n := eachFrame(t, out, func(i int, f *Frame) {
		want := 13 + i
		if i >= 12 {
			want = i - 12
		}
		// The top half has no caption: its level says which frame this is.
		top := *f.Image
		top.Rect = image.Rect(0, 0, 320, 90)
		if got := math.Round((meanLuma(&top) - 16) / 8); int(got) != want {
			t.Errorf("frame %d is source frame %v, want %d", i, got, want)
		}
		// The picture is whole; the caption bar below it is dark with light text.
		if got := math.Round((meanLuma(&top) - 16) / 8); f.Image.Rect.Dy() != 204 || int(got) != want {
			t.Errorf("frame %d: %dx%d", i, f.Image.Rect.Dx(), f.Image.Rect.Dy())
		}
		var dark, light int
		for y := 180; y < 204; y++ {
			for x := 5; x < 200; x++ {
				switch v := f.Image.Y[f.Image.YOffset(x, y)]; {
				case v < 30:
					dark++
				case v > 200:
					light++
				}
			}
		}
		if dark < 1000 || light < 100 {
			t.Errorf("frame %d: caption not burned in (%d dark, %d light pixels)", i, dark, light)
		}
	})
	if n != 25 {
		t.Errorf("decoded %d frames, want 25", n)
	}
	data, _ := os.ReadFile(out)
	if bytes.Index(data, []byte("moov")) > bytes.Index(data, []byte("mdat")) {
		t.Error("moov is not first")
	}
}

// When the index outgrows the space reserved for it, the cut is written
// again with the index moved to the front; the result is the same frames.
func TestCopyCutIndexOutgrowsReserve(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.mp4")
	writeLumaClip(t, src, WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25, GOP: 10, Preset: "ultrafast"}, 25)
	out := filepath.Join(dir, "cut.mp4")
	tiny := func(float64) int { return 64 }
	res, err := copyCutReserving(context.Background(), []CutPart{{Path: src, From: 0, To: time.Second}}, out, time.Second, tiny, CutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := copyCut(context.Background(), []CutPart{{Path: src, From: 0, To: time.Second}}, filepath.Join(dir, "x.mp4"), time.Second, tiny, CutOptions{}); !errors.Is(err, errMoovTooBig) {
		t.Fatalf("a 64-byte reserve: %v", err)
	}
	idx, _ := decodeLumas(t, out)
	if res.Frames != 25 || len(idx) != 25 || idx[0] != 0 || idx[24] != 24 {
		t.Errorf("frames %v, result %+v", idx, res)
	}
	data, _ := os.ReadFile(out)
	if bytes.Index(data, []byte("moov")) > bytes.Index(data, []byte("mdat")) {
		t.Error("moov not first after the fallback")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("left behind: %v", entries)
	}
}

// Scaling joins files of different sizes, and a full-range MJPEG source
// arrives in studio range.
func TestTranscodeScaleAndLevels(t *testing.T) {
	dir := t.TempDir()
	big, small, mj := filepath.Join(dir, "big.mp4"), filepath.Join(dir, "small.mp4"), filepath.Join(dir, "mj.mkv")
	writeLumaClip(t, big, WriterOptions{Format: "mp4", Codec: "h264", Width: 320, Height: 180, FPS: 25}, 25)
	writeLumaClip(t, small, WriterOptions{Format: "mp4", Codec: "h264", Width: 160, Height: 96, FPS: 25}, 25)
	writeLumaClip(t, mj, WriterOptions{Format: "matroska", Codec: "mjpeg", Width: 160, Height: 96, FPS: 25}, 25)
	out := filepath.Join(dir, "joined.mp4")
	res, err := TranscodeCut(context.Background(), []CutPart{
		{Path: big, From: 0, To: 200 * time.Millisecond},
		{Path: small, From: 0, To: 200 * time.Millisecond, OutStart: 200 * time.Millisecond},
		{Path: mj, From: 0, To: 200 * time.Millisecond, OutStart: 400 * time.Millisecond},
	}, out, TranscodeOptions{CRF: 16, Preset: "veryfast", Width: 240, Height: 136}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 15 || res.Width != 240 || res.Height != 136 {
		t.Fatalf("result %+v", res)
	}
	n := eachFrame(t, out, func(i int, f *Frame) {
		level := float64(16 + 8*(i%5))
		if i >= 10 { // MJPEG drew full-range levels; studio range squeezes them
			level = 16 + level*219/255
		}
		if got := meanLuma(f.Image); f.Image.Rect.Dx() != 240 || f.Image.Rect.Dy() != 136 || math.Abs(got-level) > 3 {
			t.Errorf("frame %d: %dx%d luma %.1f, want 240x136 luma %.1f", i, f.Image.Rect.Dx(), f.Image.Rect.Dy(), got, level)
		}
	})
	if n != 15 {
		t.Errorf("%d frames, want 15", n)
	}
}

// The inputs recorders deliver, through both cut paths.
func TestCutInputs(t *testing.T) {
	cases := []struct {
		name, format, codec string
		copy                bool
	}{
		{"mkv-h264", "matroska", "h264", true},
		{"mp4-hevc", "mp4", "hevc", true},
		{"ts-hevc", "mpegts", "hevc", true},
		{"mkv-mjpeg", "matroska", "mjpeg", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "src")
			writeLumaClip(t, src, WriterOptions{Format: c.format, Codec: c.codec, Width: 160, Height: 96, FPS: 25, GOP: 10, Preset: "ultrafast"}, 25)
			part := []CutPart{{Path: src, From: 500 * time.Millisecond, To: 900 * time.Millisecond}}
			want := "[13 14 15 16 17 18 19 20 21 22]"
			if !c.copy {
				_, err := CopyCut(context.Background(), part, filepath.Join(dir, "copy.mp4"), CutOptions{})
				if fault.KindOf(err) != fault.Media || !strings.Contains(err.Error(), c.codec+" video cannot be copied") {
					t.Errorf("copy of %s: %v", c.codec, err)
				}
			}
			if c.copy {
				out := filepath.Join(dir, "copy.mp4")
				res, err := CopyCut(context.Background(), part, out, CutOptions{})
				if err != nil {
					t.Fatal(err)
				}
				// B-frame sources (x265 makes them) keep their trailing references.
				idx, _ := decodeLumas(t, out)
				if len(idx) != 10+res.Trailing || fmt.Sprint(idx[:min(10, len(idx))]) != want || res.Codec != c.codec {
					t.Errorf("copy: frames %v (%s, %d trailing), want %s first", idx, res.Codec, res.Trailing, want)
				}
			}
			out := filepath.Join(dir, "transcode.mp4")
			if _, err := TranscodeCut(context.Background(), part, out, TranscodeOptions{CRF: 16, Preset: "veryfast"}, nil); err != nil {
				t.Fatal(err)
			}
			idx, _ := decodeLumas(t, out)
			if c.codec == "mjpeg" {
				// Full-range levels arrive squeezed into studio range
				// (TestTranscodeScaleAndLevels checks them); here, the count.
				if len(idx) != 10 {
					t.Errorf("transcode: %d frames, want 10", len(idx))
				}
			} else if fmt.Sprint(idx) != want {
				t.Errorf("transcode: frames %v, want %s", idx, want)
			}
		})
	}
}

func TestConcat(t *testing.T) {
	dir := t.TempDir()
	card := filepath.Join(dir, "card.mp4")
	if err := WriteTitleCard(context.Background(), card, Card{Lines: []string{"Post 1", "Södergatan 2"}, Width: 640, Height: 360, FPS: 25, Seconds: 2}); err != nil {
		t.Fatal(err)
	}
	clip := filepath.Join(dir, "clip.mkv") // 5 fps, 1 s, 160x96: another size and rate
	writeLumaClip(t, clip, WriterOptions{Format: "matroska", Codec: "h264", Width: 160, Height: 96, FPS: 5}, 5)
	out := filepath.Join(dir, "joined.mp4")
	items, err := Concat(context.Background(), []string{card, clip}, out, ConcatOptions{Width: 320, Height: 180, FPS: 25, CRF: 16, Preset: "veryfast"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Frames != 50 || items[1].Frames != 25 || items[1].Start != 2*time.Second {
		t.Fatalf("items %+v", items)
	}
	in, err := Probe(context.Background(), out)
	if err != nil || in.Frames != 75 || in.Duration != 3 || in.Video().Width != 320 {
		t.Fatalf("joined: %+v %v", in, err)
	}
	want, _ := CardPicture(Card{Lines: []string{"Post 1", "Södergatan 2"}, Width: 640, Height: 360})
	eachFrame(t, out, func(i int, f *Frame) {
		img := f.Image
		switch {
		case i == 25: // the card, halved: same mean level as the drawn card
			if got, exp := meanLuma(img), meanLuma(want); math.Abs(got-exp) > 2 {
				t.Errorf("frame 25: luma %.1f, card %.1f", got, exp)
			}
		case i >= 50: // the clip: 160x96 fits 320x180 as 300x180 at x=10; frame (i-50)/5 of it
			inner := *img
			inner.Rect = image.Rect(12, 2, 308, 178)
			level := float64(16 + 8*((i-50)/5))
			if got := meanLuma(&inner); math.Abs(got-level) > 3 {
				t.Errorf("frame %d: picture luma %.1f, want %.0f", i, got, level)
			}
			bar := *img
			bar.Rect = image.Rect(0, 0, 8, 180)
			if got := meanLuma(&bar); math.Abs(got-16) > 3 {
				t.Errorf("frame %d: side bar luma %.1f, want black", i, got)
			}
		}
	})
}

func TestExactCutNeedsH264(t *testing.T) {
	src := filepath.Join(t.TempDir(), "h.mp4")
	writeLumaClip(t, src, WriterOptions{Format: "mp4", Codec: "hevc", Width: 160, Height: 96, FPS: 25, GOP: 10}, 25)
	_, err := ExactCut(context.Background(), []CutPart{{Path: src, From: 500 * time.Millisecond, To: time.Second}}, src+".cut.mp4", CutOptions{})
	if !errors.Is(err, ErrCannotMatch) {
		t.Errorf("hevc exact cut: %v", err)
	}
}

func TestExactCut(t *testing.T) {
	for _, format := range []string{"mp4", "mpegts"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			o := WriterOptions{Format: format, Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10, Preset: "ultrafast"}
			writeLumaClip(t, a, o, 25)
			o.StartPTS = 25
			writeLumaClip(t, b, o, 25)
			out := filepath.Join(dir, "exact.mp4")
			// 0.5 s is frame 12.5: the first frame shown is 13 (0.52 s); the
			// next keyframe is 20 (0.8 s), so 13..19 are re-encoded.
			res, err := ExactCut(context.Background(), []CutPart{
				{Path: a, From: 500 * time.Millisecond, To: time.Second},
				{Path: b, From: 0, To: 500 * time.Millisecond, OutStart: 500 * time.Millisecond},
			}, out, CutOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Reencoded != 7 || res.Frames != 25 || res.LeadIn != 0 || res.CopyFrom != 800*time.Millisecond {
				t.Errorf("result %+v", res)
			}
			idx, offs := decodeLumas(t, out)
			var want []int
			for i := 13; i < 25; i++ {
				want = append(want, i)
			}
			for i := 0; i < 13; i++ {
				want = append(want, i)
			}
			if fmt.Sprint(idx) != fmt.Sprint(want) {
				t.Errorf("decoded %v\nwant    %v", idx, want)
			}
			if len(offs) > 0 && offs[0] != 0 {
				t.Errorf("first frame at %v, want 0 (no edit list lead-in)", offs[0])
			}
		})
	}
}

// Cancelling a cut (Ctrl-C) leaves nothing behind, in every mode.
func TestCutCancelLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.mp4")
	writeLumaClip(t, src, WriterOptions{Format: "mp4", Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10, Preset: "ultrafast"}, 25)
	parts := []CutPart{{Path: src, From: 0, To: 400 * time.Millisecond}, {Path: src, From: 0, To: time.Second, OutStart: 400 * time.Millisecond}}
	cuts := map[string]func(ctx context.Context, out string, stop func()) error{
		"copy": func(ctx context.Context, out string, stop func()) error {
			_, err := CopyCut(ctx, parts, out, CutOptions{Progress: func(time.Duration, time.Duration) { stop() }})
			return err
		},
		"exact": func(ctx context.Context, out string, stop func()) error {
			_, err := ExactCut(ctx, parts, out, CutOptions{Progress: func(time.Duration, time.Duration) { stop() }})
			return err
		},
		"transcode": func(ctx context.Context, out string, stop func()) error {
			_, err := TranscodeCut(ctx, parts, out, TranscodeOptions{CRF: 23, Preset: "ultrafast"}, func(time.Duration, time.Duration) { stop() })
			return err
		},
	}
	for name, cut := range cuts {
		ctx, stop := context.WithCancel(context.Background())
		err := cut(ctx, filepath.Join(dir, name+".mp4"), stop) // cancelled after the first part
		stop()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want cancelled", name, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// audioSpan returns the audio stream's codec and the span its packets cover.
func audioSpan(t *testing.T, path string) (codec string, from, to time.Duration) {
	t.Helper()
	fc, err := openInput(path, logMark())
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Free()
	defer fc.CloseInput()
	a := firstStream(fc, astiav.MediaTypeAudio)
	if a == nil {
		return "", 0, 0
	}
	pkt := astiav.AllocPacket()
	defer pkt.Free()
	ns := astiav.NewRational(1, int(time.Second))
	first := true
	for fc.ReadFrame(pkt) == nil {
		if pkt.StreamIndex() == a.Index() {
			s := time.Duration(astiav.RescaleQ(pkt.Pts(), a.TimeBase(), ns))
			e := time.Duration(astiav.RescaleQ(pkt.Pts()+pkt.Duration(), a.TimeBase(), ns))
			if first || s < from {
				from = s
			}
			to, first = max(to, e), false
		}
		pkt.Unref()
	}
	return a.CodecParameters().CodecID().Name(), from, to
}

func TestCutKeepsAudio(t *testing.T) {
	for _, format := range []string{"mp4", "mpegts"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			o := WriterOptions{Format: format, Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10, Preset: "ultrafast", Audio: "aac"}
			writeLumaClip(t, a, o, 50)
			o.StartPTS = 50
			writeLumaClip(t, b, o, 50)
			parts := []CutPart{
				{Path: a, From: 700 * time.Millisecond, To: 2 * time.Second},
				{Path: b, From: 0, To: 1300 * time.Millisecond, OutStart: 1300 * time.Millisecond},
			}
			for name, cut := range map[string]func(string) (*CopyResult, error){
				"copy": func(out string) (*CopyResult, error) { return CopyCut(context.Background(), parts, out, CutOptions{}) },
				"transcode": func(out string) (*CopyResult, error) {
					r, err := TranscodeCut(context.Background(), parts, out, TranscodeOptions{Preset: "ultrafast"}, nil)
					if err != nil {
						return nil, err
					}
					return &CopyResult{Audio: r.Audio}, nil
				},
				"exact": func(out string) (*CopyResult, error) {
					r, err := ExactCut(context.Background(), parts, out, CutOptions{})
					if err != nil {
						return nil, err
					}
					return &r.CopyResult, nil
				},
			} {
				out := filepath.Join(dir, name+".mp4")
				res, err := cut(out)
				if err != nil {
					t.Fatal(err)
				}
				codec, from, to := audioSpan(t, out)
				// 2.6 s of video from 0; AAC frames are 21.3 ms, so the audio
				// may start or end up to one frame inside the video's span.
				if res.Audio != "aac" || codec != "aac" || from < 0 || from > 22*time.Millisecond || to < 2578*time.Millisecond || to > 2622*time.Millisecond {
					t.Errorf("%s: audio %s %q from %v to %v, want aac over 0..2.6 s", name, res.Audio, codec, from, to)
				}
			}
			out := filepath.Join(dir, "silent.mp4")
			if res, err := CopyCut(context.Background(), parts, out, CutOptions{NoAudio: true}); err != nil || res.Audio != "" {
				t.Fatalf("no audio: %+v %v", res, err)
			}
			if codec, _, _ := audioSpan(t, out); codec != "" {
				t.Errorf("--no-audio kept %s", codec)
			}
		})
	}
	// G.711 cannot go into an MP4 as it is: it is re-encoded to AAC, and
	// the cut says so.
	dir := t.TempDir()
	src := filepath.Join(dir, "g711.mkv")
	writeLumaClip(t, src, WriterOptions{Format: "matroska", Codec: "h264", Width: 160, Height: 96, FPS: 25, Preset: "ultrafast", Audio: "pcm_alaw"}, 50)
	out := filepath.Join(dir, "c.mp4")
	res, err := CopyCut(context.Background(), []CutPart{{Path: src, From: 500 * time.Millisecond, To: 1500 * time.Millisecond}}, out, CutOptions{})
	if err != nil || res.Audio != "aac" || !strings.Contains(res.AudioNote, "pcm_alaw audio re-encoded to AAC") {
		t.Errorf("g711: %+v %v", res, err)
	}
	// 1 s of 8 kHz audio, in AAC frames of 128 ms: it covers the second.
	if codec, from, to := audioSpan(t, out); codec != "aac" || from > 20*time.Millisecond || to < 980*time.Millisecond || to > 1130*time.Millisecond {
		t.Errorf("g711 as aac: %q from %v to %v", codec, from, to)
	}
	tout := filepath.Join(dir, "t.mp4")
	tr, err := TranscodeCut(context.Background(), []CutPart{{Path: src, From: 500 * time.Millisecond, To: 1500 * time.Millisecond}}, tout, TranscodeOptions{}, nil)
	if err != nil || tr.Audio != "aac" || !strings.Contains(tr.AudioNote, "pcm_alaw audio re-encoded to AAC") {
		t.Errorf("g711 transcode: %+v %v", tr, err)
	}
	if codec, from, to := audioSpan(t, tout); codec != "aac" || from > 20*time.Millisecond || to < 900*time.Millisecond || to > 1130*time.Millisecond {
		t.Errorf("g711 transcoded as aac: %q from %v to %v", codec, from, to)
	}
}

func TestProbeFindsTimestampJump(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paused.mp4")
	w, err := CreateVideo(path, WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	for _, pts := range []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59} {
		if err := w.WriteFrameAt(pts); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	in, err := Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Jumps) != 1 || in.Jumps[0].At != 400*time.Millisecond || in.Jumps[0].Length != 1600*time.Millisecond || in.Frames != 20 {
		t.Errorf("jumps %+v, %d frames", in.Jumps, in.Frames)
	}
	// A steady file has none.
	steady := filepath.Join(t.TempDir(), "steady.mp4")
	writeLumaClip(t, steady, WriterOptions{Format: "mpegts", Codec: "h264", Width: 64, Height: 64, FPS: 25}, 50)
	if in, err := Probe(context.Background(), steady); err != nil || len(in.Jumps) != 0 || in.Damaged != "" {
		t.Errorf("steady file: %+v %v", in, err)
	}
}

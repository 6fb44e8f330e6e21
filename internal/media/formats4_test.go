package media

import (
	"context"
	"errors"
	"image"
	"math"
	"strings"

	"github.com/klipp-forensics/klipp/internal/fault"
	"path/filepath"
	"testing"
	"time"
)

// AVI with H.264 (as some DVRs export it), with and without B-frames:
// stills show the frame on screen with its time, and cuts hold the frames
// of their range at their times. With B-frames the packets have no
// presentation times: copy says to transcode, exact falls back to it.
func TestAVIH264(t *testing.T) {
	for _, bf := range []string{"0", "2"} {
		t.Run("bf"+bf, func(t *testing.T) {
			dir := t.TempDir()
			avi := filepath.Join(dir, "h264.avi")
			lumaClipAs(t, avi, 25, "-c:v", "libx264", "-bf", bf, "-g", "10", "-crf", "18")
			offsets := []time.Duration{0, 30 * time.Millisecond, 500 * time.Millisecond, 990 * time.Millisecond}
			stills, err := StillsAt(context.Background(), avi, offsets)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range []int{0, 0, 12, 24} {
				if s := stills[i]; stillLevel(s) != want || s.Offset != time.Duration(want)*40*time.Millisecond {
					t.Errorf("still at %v: frame %d at %v, want frame %d", offsets[i], stillLevel(s), s.Offset, want)
				}
			}
			parts := []CutPart{{Path: avi, From: 470 * time.Millisecond, To: 900 * time.Millisecond}}
			for _, mode := range []string{"copy", "exact", "transcode"} {
				out := filepath.Join(dir, mode+".mp4")
				err := cutIn(mode, parts, out)
				if bf != "0" && mode == "copy" {
					// No presentation times to copy: a media error naming the way out.
					if fault.KindOf(err) != fault.Media || !strings.Contains(err.Error(), "use --mode transcode") {
						t.Errorf("copy of AVI with B-frames: %v, want a media error", err)
					}
					continue
				}
				if bf != "0" && mode == "exact" {
					if !errors.Is(err, ErrCannotMatch) {
						t.Errorf("exact cut of AVI with B-frames: %v, want ErrCannotMatch (the caller transcodes)", err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", mode, err)
					continue
				}
				idx, offs := decodeLumas(t, out)
				if len(idx) < 10 || idx[0] != 12 || idx[9] != 21 || offs[9]-offs[0] != 360*time.Millisecond {
					t.Errorf("%s of [0.47 s, 0.9 s): frames %v at %v, want 12…21 40 ms apart", mode, idx, offs)
				}
			}
		})
	}
}

// Variable frame rate MP4 (a recorder that drops frames under load): a
// still shows the frame on screen at that time, and cuts keep each frame's
// time.
func TestVariableRateMP4(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "vfr.mp4")
	// Frames 0 3 6 7 9 12 … kept at their times (n·40 ms).
	lumaClipAs(t, src, 29, "-vf", `select=not(mod(n\,3))+eq(n\,7)`, "-fps_mode", "passthrough", "-c:v", "libx264", "-bf", "0", "-g", "5", "-crf", "18")
	kept := []int{0, 3, 6, 7, 9, 12, 15, 18, 21, 24, 27}
	var offsets []time.Duration
	var want []int
	for n := 0; n < 28; n++ {
		offsets = append(offsets, time.Duration(n)*40*time.Millisecond+10*time.Millisecond)
		w := 0
		for _, k := range kept {
			if k <= n {
				w = k
			}
		}
		want = append(want, w)
	}
	stills, err := StillsAt(context.Background(), src, offsets)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range stills {
		if stillLevel(s) != want[i] || s.Offset != time.Duration(want[i])*40*time.Millisecond {
			t.Errorf("still at %v: frame %d at %v, want frame %d (on screen since %v)", offsets[i], stillLevel(s), s.Offset, want[i], time.Duration(want[i])*40*time.Millisecond)
		}
	}
	parts := []CutPart{{Path: src, From: 230 * time.Millisecond, To: 1 * time.Second}}
	for _, mode := range []string{"copy", "exact", "transcode"} {
		out := filepath.Join(dir, mode+".mp4")
		err := cutIn(mode, parts, out)
		if err != nil {
			t.Errorf("%s: %v", mode, err)
			continue
		}
		// Shown from 0.23 s: frame 3 (on screen since 0.12 s), then 6 7 9 … 24.
		idx, offs := decodeLumas(t, out)
		var got []int
		var at []time.Duration
		for i := range idx {
			if offs[i] >= 0 {
				got, at = append(got, idx[i]), append(at, offs[i]-offs[0])
			}
		}
		wantIdx := []int{6, 7, 9, 12, 15, 18, 21, 24}
		ok := len(got) >= len(wantIdx)
		for i := 0; ok && i < len(wantIdx); i++ {
			j := len(got) - len(wantIdx) + i
			ok = got[j] == wantIdx[i] && at[j]-at[len(got)-len(wantIdx)] == time.Duration(wantIdx[i]-6)*40*time.Millisecond
		}
		if !ok {
			t.Errorf("%s of [0.23 s, 1 s): frames %v at %v, want … 6 7 9 12 15 18 21 24 at their times (n·40 ms)", mode, got, at)
		}
	}
}

// Rotation metadata (a camera mounted on its side): probe records it,
// stills are turned upright and say so, and cuts keep it for players.
func TestRotation(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.mp4")
	writeLumaClip(t, plain, WriterOptions{Format: "mp4", Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10}, 25)
	src := filepath.Join(dir, "rot.mp4")
	ffmpegCLI(t, "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", src)
	in, err := Probe(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if v := in.Video(); v == nil || v.Rotation != 90 {
		t.Fatalf("probe: %+v, want rotation 90 (clockwise, as FFmpeg's autorotate turns it)", in.Video())
	}
	stills, err := StillsAt(context.Background(), src, []time.Duration{500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if s := stills[0]; s.Rotation != 90 || s.Image.Rect.Dx() != 96 || s.Image.Rect.Dy() != 160 || stillLevel(s) != 12 {
		t.Errorf("still: turned %d, %v, frame %d; want turned 90, 96x160, frame 12", s.Rotation, s.Image.Rect, stillLevel(s))
	}
	// Which way: a picture white on its left turned clockwise is white on top.
	half, flat := filepath.Join(dir, "half.mp4"), filepath.Join(dir, "flat.mp4")
	ffmpegCLI(t, "-f", "lavfi", "-i", "color=black:s=160x96:d=1,drawbox=x=0:y=0:w=80:h=96:color=white:t=fill,format=yuv420p", "-c:v", "libx264", flat)
	ffmpegCLI(t, "-i", flat, "-c", "copy", "-metadata:s:v:0", "rotate=90", half)
	hs, err := StillsAt(context.Background(), half, []time.Duration{0})
	if err != nil {
		t.Fatal(err)
	}
	img := hs[0].Image
	if top, bottom := img.Y[img.YOffset(48, 20)], img.Y[img.YOffset(48, 140)]; top < 200 || bottom > 50 {
		t.Errorf("turned still: luma %d at the top, %d at the bottom; want white above black", top, bottom)
	}
	parts := []CutPart{{Path: src, From: 400 * time.Millisecond, To: 800 * time.Millisecond}}
	copyOut, tcOut := filepath.Join(dir, "copy.mp4"), filepath.Join(dir, "tc.mp4")
	if _, err := CopyCut(context.Background(), parts, copyOut, CutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := TranscodeCut(context.Background(), parts, tcOut, TranscodeOptions{Preset: "ultrafast"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{copyOut, tcOut} {
		if in, err := Probe(context.Background(), out); err != nil || in.Video().Rotation != 90 {
			t.Errorf("%s: %+v %v, want rotation 90 kept", filepath.Base(out), in, err)
		}
	}
}

// cutIn cuts parts to out in mode (copy, exact or transcode).
func cutIn(mode string, parts []CutPart, out string) error {
	var err error
	switch mode {
	case "copy":
		_, err = CopyCut(context.Background(), parts, out, CutOptions{})
	case "exact":
		_, err = ExactCut(context.Background(), parts, out, CutOptions{})
	default:
		_, err = TranscodeCut(context.Background(), parts, out, TranscodeOptions{Preset: "ultrafast"}, nil)
	}
	return err
}

// combing measures how much a picture's lines differ from the mean of the
// lines above and below (interlacing artefacts on motion), in luma levels.
func combing(img *image.YCbCr) float64 {
	var sum float64
	n := 0
	for y := 1; y+1 < img.Rect.Dy(); y++ {
		for x := 0; x < img.Rect.Dx(); x++ {
			a, b, c := float64(img.Y[img.YOffset(x, y-1)]), float64(img.Y[img.YOffset(x, y)]), float64(img.Y[img.YOffset(x, y+1)])
			sum += math.Abs(b - (a+c)/2)
			n++
		}
	}
	return sum / float64(n)
}

// Interlaced 576i: probe records the field order; stills are deinterlaced
// with bwdif and say so; transcodes are deinterlaced.
func TestInterlaced576i(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "i.ts")
	// 50 pictures a second woven into 25 interlaced frames, top field first:
	// a bar moving fast shows combs on every frame unless deinterlaced.
	ffmpegCLI(t, "-f", "lavfi", "-i", "color=gray:s=720x576:r=50:d=2[bg];color=white:s=80x376:r=50:d=2[bar];[bg][bar]overlay=x='mod(t*800,640)':y=100",
		"-vf", "tinterlace=interleave_top,setfield=tff", "-c:v", "mpeg2video", "-flags", "+ilme+ildct", "-top", "1", "-q:v", "2", "-f", "mpegts", src)
	in, err := Probe(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if v := in.Video(); v == nil || v.FieldOrder != "tff" || v.Height != 576 {
		t.Fatalf("probe: %+v, want 576 lines, field order tff", in.Video())
	}
	raw := 0.0
	eachFrame(t, src, func(i int, f *Frame) {
		if i == 12 {
			raw = combing(f.Image)
		}
	})
	if raw < 3 {
		t.Fatalf("the source's frame 12 has combing %.1f: the test footage is not interlaced enough to tell", raw)
	}
	stills, err := StillsAt(context.Background(), src, []time.Duration{500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := stills[0]
	if s.Deinterlaced != "deinterlaced: bwdif, field order tff" || combing(s.Image) > raw/4 {
		t.Errorf("still: %q, combing %.2f (the source's %.2f); want deinterlaced with bwdif", s.Deinterlaced, combing(s.Image), raw)
	}
	out := filepath.Join(dir, "tc.mp4")
	res, err := TranscodeCut(context.Background(), []CutPart{{Path: src, From: 400 * time.Millisecond, To: 1200 * time.Millisecond}}, out, TranscodeOptions{Preset: "ultrafast"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	worst, n := 0.0, 0
	eachFrame(t, out, func(_ int, f *Frame) { worst = max(worst, combing(f.Image)); n++ })
	if res.Deinterlaced != "deinterlaced: bwdif, field order tff" || n != 20 || worst > raw/4 {
		t.Errorf("transcode: %q, %d frames, worst combing %.2f (the source's %.2f); want 20 frames deinterlaced with bwdif", res.Deinterlaced, n, worst, raw)
	}
}

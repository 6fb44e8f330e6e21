package media

import (
	"context"
	"errors"
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
				var err error
				switch mode {
				case "copy":
					_, err = CopyCut(context.Background(), parts, out, CutOptions{})
				case "exact":
					_, err = ExactCut(context.Background(), parts, out, CutOptions{})
				default:
					_, err = TranscodeCut(context.Background(), parts, out, TranscodeOptions{Preset: "ultrafast"}, nil)
				}
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
		var err error
		switch mode {
		case "copy":
			_, err = CopyCut(context.Background(), parts, out, CutOptions{})
		case "exact":
			_, err = ExactCut(context.Background(), parts, out, CutOptions{})
		default:
			_, err = TranscodeCut(context.Background(), parts, out, TranscodeOptions{Preset: "ultrafast"}, nil)
		}
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

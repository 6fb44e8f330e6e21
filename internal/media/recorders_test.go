package media

import (
	"context"
	"math"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// ffmpegCLI runs the FFmpeg command-line tool, as a recorder would write a
// file, and fails the test with its output on error.
func ffmpegCLI(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", append([]string{"-y", "-nostdin", "-loglevel", "error"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

// lumaClipAs writes n luma-numbered frames at 25 fps (frame i has level i)
// and converts them with the FFmpeg CLI to out with the given arguments.
func lumaClipAs(t *testing.T, out string, n int, args ...string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src.mkv")
	writeLumaClip(t, src, WriterOptions{Format: "matroska", Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10}, n)
	ffmpegCLI(t, append(append([]string{"-i", src}, args...), out)...)
}

// stillLevel is the level index (luma 16+8·i) of a still, either range.
func stillLevel(s Still) int {
	l := meanLuma(s.Image)
	if s.Full {
		l = 16 + l*219/255
	}
	return int(math.Round((l - 16) / 8))
}

// Intra-only AVI (how DVRs store MJPEG): a still at any time shows the
// frame on screen then, not only within half a frame of a boundary; a
// transcode cut holds the frames of its range.
func TestAVIMJPEGStillsAndCut(t *testing.T) {
	dir := t.TempDir()
	avi := filepath.Join(dir, "dvr.avi")
	lumaClipAs(t, avi, 25, "-c:v", "mjpeg", "-q:v", "3")
	var offsets []time.Duration
	for i := 0; i < 25; i++ {
		offsets = append(offsets, time.Duration(i)*40*time.Millisecond+25*time.Millisecond)
	}
	stills, err := StillsAt(context.Background(), avi, offsets)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range stills {
		if got := stillLevel(s); got != i || s.Offset != time.Duration(i)*40*time.Millisecond {
			t.Errorf("still at %v: frame %d at %v, want frame %d", offsets[i], got, s.Offset, i)
		}
	}
	out := filepath.Join(dir, "cut.mp4")
	res, err := TranscodeCut(context.Background(), []CutPart{{Path: avi, From: 500 * time.Millisecond, To: 900 * time.Millisecond}}, out, TranscodeOptions{CRF: 18, Preset: "veryfast"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := decodeLumas(t, out)
	if res.Frames != 10 || len(idx) != 10 || idx[0] != 13 || idx[9] != 22 {
		t.Errorf("transcode of [0.5 s, 0.9 s): %d frames %v, want frames 13…22", res.Frames, idx)
	}
}

// An AVI whose index has empty entries (a recorder that dropped or held
// frames) is variable-rate, not truncated: every frame is there, the
// spacing is no gap, and it cuts.
func TestAVIEmptyIndexEntriesAreVariableRate(t *testing.T) {
	dir := t.TempDir()
	avi := filepath.Join(dir, "vfr.avi")
	// Every third frame kept: the AVI muxer writes two empty entries after each.
	lumaClipAs(t, avi, 50, "-vf", `select=not(mod(n\,3))`, "-fps_mode", "passthrough", "-c:v", "mjpeg", "-q:v", "3")
	in, err := Probe(context.Background(), avi)
	if err != nil {
		t.Fatal(err)
	}
	if in.Damaged != "" || !in.VariableRate || in.Frames != 17 || len(in.Jumps) != 0 || math.Abs(float64(in.Duration)-1.96) > 0.001 {
		t.Fatalf("probe = damaged %q, variable %v, %d frames, jumps %v, %v s; want intact, variable-rate, 17 frames over 1.96 s (frame 48 ends it)",
			in.Damaged, in.VariableRate, in.Frames, in.Jumps, in.Duration)
	}
	stills, err := StillsAt(context.Background(), avi, []time.Duration{130 * time.Millisecond, 1070 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := stillLevel(stills[0]), stillLevel(stills[1]); a != 3 || b != 24 {
		t.Errorf("stills at 0.13 s and 1.07 s show frames %d and %d, want 3 and 24", a, b)
	}
	out := filepath.Join(dir, "cut.mp4")
	if _, err := TranscodeCut(context.Background(), []CutPart{{Path: avi, From: 500 * time.Millisecond, To: time.Second}}, out, TranscodeOptions{CRF: 18, Preset: "veryfast"}, nil); err != nil {
		t.Fatal(err)
	}
	if idx, _ := decodeLumas(t, out); len(idx) != 4 || idx[0] != 15 || idx[3] != 24 {
		t.Errorf("transcode of [0.5 s, 1 s): frames %v, want 15 18 21 24", idx)
	}
}

package media

import (
	"errors"
	"os"
	"strings"

	"context"
	"github.com/asticode/go-astiav"
	"github.com/klipp-forensics/klipp/internal/fault"
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

// Raw H.264/H.265 elementary streams carry no times: with a frame rate
// given they probe, give stills and cut like any file; without one they
// say what is missing.
func TestRawElementaryStreams(t *testing.T) {
	dir := t.TempDir()
	h264, h265 := filepath.Join(dir, "cam.264"), filepath.Join(dir, "cam.265")
	lumaClipAs(t, h264, 25, "-c:v", "libx264", "-bf", "0", "-g", "10", "-crf", "18", "-f", "h264")
	lumaClipAs(t, h265, 25, "-c:v", "libx265", "-x265-params", "bframes=0:keyint=10:log-level=error", "-crf", "18", "-f", "hevc")
	bg := context.Background()
	ctx := WithFrameRate(bg, 12.5) // the recorder's rate, not FFmpeg's default 25
	for _, path := range []string{h264, h265} {
		in, err := Probe(bg, path)
		if err != nil {
			t.Fatal(err)
		}
		if !in.Raw || !in.NeedsRate || in.Duration != 0 || in.StartTime != 0 || in.Frames != 25 {
			t.Errorf("%s without a rate: %+v, want raw, needs a rate, 25 frames, start 0", filepath.Base(path), in)
		}
		if in, err = Probe(ctx, path); err != nil || in.NeedsRate || in.Duration != 2 || in.Video().FrameRate != 12.5 {
			t.Errorf("%s at 12.5 fps: %+v %v, want 2 s", filepath.Base(path), in, err)
		}
		if _, err := StillsAt(bg, path, []time.Duration{time.Second}); fault.KindOf(err) != fault.Usage || !errors.Is(err, ErrNeedsRate) {
			t.Errorf("%s: still without a rate: %v", filepath.Base(path), err)
		}
		stills, err := StillsAt(ctx, path, []time.Duration{1010 * time.Millisecond, 90 * time.Millisecond, 1990 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []int{12, 1, 24} {
			if got := stillLevel(stills[i]); got != want || stills[i].Offset != time.Duration(want)*80*time.Millisecond || stills[i].PTS == astiav.NoPtsValue {
				t.Errorf("%s: still %d shows frame %d at %v (pts %d), want %d", filepath.Base(path), i, got, stills[i].Offset, stills[i].PTS, want)
			}
		}
	}
	out := filepath.Join(dir, "copy.mp4")
	res, err := CopyCut(ctx, []CutPart{{Path: h264, From: 800 * time.Millisecond, To: 1600 * time.Millisecond}}, out, CutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	idx, offs := decodeLumas(t, out)
	if res.Frames != 10 || len(idx) != 10 || idx[0] != 10 || idx[9] != 19 || offs[9]-offs[0] != 720*time.Millisecond {
		t.Errorf("copy of [0.8 s, 1.6 s): %+v, frames %v at %v; want frames 10…19, 80 ms apart", res, idx, offs)
	}
	if _, err := CopyCut(bg, []CutPart{{Path: h264, From: 0, To: time.Second}}, out, CutOptions{}); fault.KindOf(err) != fault.Usage {
		t.Errorf("copy without a rate: %v", err)
	}
}

// A file whose data ends before its index (an MP4 with the index at the
// front, cut short) is a media error (exit 4) when a cut re-encodes it, as
// an exact cut falling back to transcode does, not an internal error.
func TestCutOfDataEndingBeforeIndexIsMediaError(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "short.mp4")
	writeLumaClip(t, src, WriterOptions{Format: "mp4", Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10, FastStart: true}, 50)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(src, data[:len(data)*6/10], 0o644)
	parts := []CutPart{{Path: src, From: 1300 * time.Millisecond, To: 1900 * time.Millisecond}}
	_, err = TranscodeCut(context.Background(), parts, filepath.Join(dir, "t.mp4"), TranscodeOptions{}, nil)
	if fault.KindOf(err) != fault.Media || !strings.HasPrefix(err.Error(), src+": ") {
		t.Errorf("transcode of a file cut short: %v (kind %d), want a media error naming the file", err, fault.KindOf(err))
	}
}

// Still records keep the frame's time: MPEG-PS and MPEG-1 streams give
// decoded frames without a pts, and the still's PTS is then FFmpeg's
// best-effort time, never "no value".
func TestStillPTSOfMPEGStreams(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []struct{ name, codec, format string }{{"ps.mpg", "mpeg2video", "mpeg"}, {"es.m1v", "mpeg1video", "mpeg1video"}} {
		path := filepath.Join(dir, f.name)
		lumaClipAs(t, path, 25, "-c:v", f.codec, "-q:v", "2", "-g", "10", "-f", f.format)
		stills, err := StillsAt(context.Background(), path, []time.Duration{500 * time.Millisecond, 990 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []int{12, 24} {
			if s := stills[i]; s.PTS == astiav.NoPtsValue || stillLevel(s) != want || s.Offset != time.Duration(want)*40*time.Millisecond {
				t.Errorf("%s: still %d: frame %d at %v, pts %d; want frame %d with its pts", f.name, i, stillLevel(s), s.Offset, s.PTS, want)
			}
		}
	}
}

// MPEG-TS: a PMT that lists an audio stream without packets cuts in every
// mode (without audio); a copy cut from after the file's last keyframe
// starts at that keyframe, hidden by the edit list.
func TestMPEGTSEmptyAudioAndLateFrom(t *testing.T) {
	dir := t.TempDir()
	silent := filepath.Join(dir, "pmt-audio.ts")
	lumaClipAs(t, silent, 50, "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-g", "10", "-c:a", "aac", "-af", "atrim=0:0", "-f", "mpegts")
	parts := []CutPart{{Path: silent, From: 500 * time.Millisecond, To: 900 * time.Millisecond}}
	bg := context.Background()
	if res, err := CopyCut(bg, parts, filepath.Join(dir, "copy.mp4"), CutOptions{}); err != nil || res.Frames != 10 || res.Audio != "" {
		t.Errorf("copy: %+v %v", res, err)
	}
	if res, err := ExactCut(bg, parts, filepath.Join(dir, "exact.mp4"), CutOptions{}); err != nil || res.Frames != 10 {
		t.Errorf("exact: %+v %v", res, err)
	}
	if res, err := TranscodeCut(bg, parts, filepath.Join(dir, "tc.mp4"), TranscodeOptions{}, nil); err != nil || res.Frames != 10 || res.Audio != "" {
		t.Errorf("transcode: %+v %v", res, err)
	}

	late := filepath.Join(dir, "gop30.ts")
	writeLumaClip(t, late, WriterOptions{Format: "mpegts", Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 30}, 50)
	out := filepath.Join(dir, "late.mp4")
	res, err := CopyCut(bg, []CutPart{{Path: late, From: 1500 * time.Millisecond, To: 2 * time.Second}}, out, CutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Frames 38…49 shown; 30…37 the hidden lead-in from the keyframe at 1.2 s.
	if idx, _ := decodeLumas(t, out); res.Frames != 12 || res.LeadIn != 8 || len(idx) != 12 || idx[0] != (16+8*38)%256/8-2 {
		t.Errorf("copy from 1.5 s, after the last keyframe: %+v, frames %v", res, idx)
	}
}

// An exact cut whose range holds no keyframe keeps the audio its record
// names, over the whole range.
func TestExactCutWithoutKeyframeKeepsAudio(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "a.mp4")
	writeLumaClip(t, src, WriterOptions{Format: "mp4", Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 50, Preset: "ultrafast", Audio: "aac"}, 50)
	out := filepath.Join(dir, "exact.mp4")
	res, err := ExactCut(context.Background(), []CutPart{{Path: src, From: 500 * time.Millisecond, To: 1500 * time.Millisecond}}, out, CutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	codec, from, to := audioSpan(t, out)
	if res.Reencoded != 25 || res.Audio != "aac" || codec != "aac" || from > 22*time.Millisecond || to < 978*time.Millisecond || to > 1022*time.Millisecond {
		t.Errorf("exact cut without a keyframe: %d re-encoded, record says %q, file has %q from %v to %v; want aac over 0..1 s", res.Reencoded, res.Audio, codec, from, to)
	}
	// To the end of the file: the audio once, not twice.
	if _, err := ExactCut(context.Background(), []CutPart{{Path: src, From: 1200 * time.Millisecond, To: 2 * time.Second}}, out, CutOptions{}); err != nil {
		t.Fatal(err)
	}
	if codec, from, to := audioSpan(t, out); codec != "aac" || from > 22*time.Millisecond || to < 746*time.Millisecond || to > 822*time.Millisecond {
		t.Errorf("exact cut to the end: %q from %v to %v, want aac over 0..0.8 s (the source's sound ends a frame before its picture)", codec, from, to)
	}
}

// Matroska with B-frames: FFmpeg knows no decode time for the first
// packets after a start or seek; copy and exact cuts still time every
// frame one frame after the one before.
func TestMatroskaBFramesCut(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "b.mkv")
	lumaClipAs(t, src, 29, "-c:v", "libx264", "-bf", "2", "-g", "10", "-crf", "18")
	parts := []CutPart{{Path: src, From: 400 * time.Millisecond, To: 1100 * time.Millisecond}}
	for _, mode := range []string{"copy", "exact"} {
		out := filepath.Join(dir, mode+".mp4")
		var res *CopyResult
		var err error
		if mode == "copy" {
			res, err = CopyCut(context.Background(), parts, out, CutOptions{})
		} else {
			var e *ExactResult
			if e, err = ExactCut(context.Background(), parts, out, CutOptions{}); err == nil {
				res = &e.CopyResult
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		idx, offs := decodeLumas(t, out)
		for i := range idx {
			if idx[i] != 10+i || offs[i]-offs[0] != time.Duration(i)*40*time.Millisecond {
				t.Errorf("%s: frame %d is source frame %d at %v, want %d at %v", mode, i, idx[i], offs[i]-offs[0], 10+i, time.Duration(i)*40*time.Millisecond)
			}
		}
		// Frames 10…27 shown; a B-frame's reference after To may trail.
		if res.Frames != 18 || len(idx) != 18+res.Trailing {
			t.Errorf("%s: %d frames shown, %d decoded, %d trailing; want 18 (frames 10…27)", mode, res.Frames, len(idx), res.Trailing)
		}
	}
}

// MPEG-4 Part 2 AVI with B-frames (as DivX/Xvid write it; AVI keeps frames
// in decode order without times): a still at the file's start shows frame
// 0, every still and cut frame has the frame's real time.
func TestBFrameAVIStills(t *testing.T) {
	avi := filepath.Join(t.TempDir(), "xvid.avi")
	lumaClipAs(t, avi, 25, "-c:v", "mpeg4", "-bf", "2", "-q:v", "2", "-g", "10")
	offsets := []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond, 60 * time.Millisecond, 500 * time.Millisecond, 990 * time.Millisecond}
	stills, err := StillsAt(context.Background(), avi, offsets)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{0, 0, 1, 1, 12, 24} {
		if s := stills[i]; stillLevel(s) != want || s.Offset != time.Duration(want)*40*time.Millisecond || s.PTS != int64(want) {
			t.Errorf("still at %v: frame %d at %v, pts %d; want frame %d at %v, pts %d", offsets[i], stillLevel(s), s.Offset, s.PTS, want, time.Duration(want)*40*time.Millisecond, want)
		}
	}
	out := filepath.Join(t.TempDir(), "cut.mp4")
	if _, err := TranscodeCut(context.Background(), []CutPart{{Path: avi, From: 0, To: 400 * time.Millisecond}}, out, TranscodeOptions{Preset: "ultrafast"}, nil); err != nil {
		t.Fatal(err)
	}
	if idx, offs := decodeLumas(t, out); len(idx) != 10 || idx[0] != 0 || idx[9] != 9 || offs[9] != 360*time.Millisecond {
		t.Errorf("transcode of [0, 0.4 s): frames %v at %v, want 0…9", idx, offs)
	}
}

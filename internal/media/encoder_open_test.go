package media

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// onlyFiles fails the test when dir holds anything but the named files
// (a leftover output or hidden .part file).
func onlyFiles(t *testing.T, dir string, keep ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, k := range keep {
		want[k] = true
	}
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// An unknown x264 preset is bad input: an error of kind Usage naming it, no
// panic, and no output or temporary file.
func TestTranscodeUnknownPreset(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "a.mp4")
	writeLumaClip(t, src, WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25}, 10)
	out := filepath.Join(dir, "cut.mp4")
	_, err := TranscodeCut(context.Background(), []CutPart{{Path: src, From: 0, To: 200 * time.Millisecond}}, out,
		TranscodeOptions{CRF: 20, Preset: "warp"}, nil)
	if err == nil {
		t.Fatal("preset warp: no error")
	}
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), `"warp"`) {
		t.Errorf("preset warp: kind %d, %v; want Usage naming the preset", fault.KindOf(err), err)
	}
	onlyFiles(t, dir, "a.mp4")
}

// A size no encoder takes fails the same way, in every writer that takes a
// size from the user: CreateVideo, Concat (a presentation) and a scaled
// transcode.
func TestEncoderImpossibleSize(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "a.mp4")
	writeLumaClip(t, src, WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25}, 10)
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "20000x20000") {
			t.Errorf("%s: kind %d, %v; want Usage naming the size", what, fault.KindOf(err), err)
		}
	}
	_, err := CreateVideo(filepath.Join(dir, "big.mp4"), WriterOptions{Format: "mp4", Codec: "h264", Width: 20000, Height: 20000, FPS: 25})
	check("CreateVideo", err)
	_, err = Concat(context.Background(), []string{src}, filepath.Join(dir, "presentation.mp4"),
		ConcatOptions{Width: 20000, Height: 20000, FPS: 25, CRF: 20, Preset: "veryfast"}, nil)
	check("Concat", err)
	_, err = TranscodeCut(context.Background(), []CutPart{{Path: src, From: 0, To: 200 * time.Millisecond}}, filepath.Join(dir, "cut.mp4"),
		TranscodeOptions{CRF: 20, Preset: "veryfast", Width: 20000, Height: 20000}, nil)
	check("TranscodeCut", err)
	onlyFiles(t, dir, "a.mp4")
}

// A writer that failed to open, or was closed, can be aborted (and aborted
// again) without a panic.
func TestWriterAbortTwice(t *testing.T) {
	dir := t.TempDir()
	w, err := CreateVideo(filepath.Join(dir, "x.mp4"), WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25})
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
	w.Abort()
	if err := w.Close(); err == nil {
		t.Error("Close after Abort: no error")
	}
	onlyFiles(t, dir)
	var nilW *VideoWriter
	nilW.Abort()
}

// A writer that fails after its encoder and file are open (here: a stream
// hook that fails before the header) frees what it had and leaves no file.
func TestWriterFailsHalfOpen(t *testing.T) {
	dir := t.TempDir()
	boom := errors.New("boom")
	w, err := createVideo(filepath.Join(dir, "x.mp4"), WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25, Audio: "aac"},
		func(*astiav.FormatContext) error { return boom })
	if w != nil || !errors.Is(err, boom) {
		t.Errorf("got %v, %v; want nil and boom", w, err)
	}
	onlyFiles(t, dir)
}

func TestValidate(t *testing.T) {
	for _, p := range []string{"ultrafast", "veryfast", "medium", "placebo"} {
		if err := ValidatePreset(p); err != nil {
			t.Errorf("preset %s: %v", p, err)
		}
	}
	for _, p := range []string{"warp", "", "VeryFast", "fast "} {
		if err := ValidatePreset(p); fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), fmt.Sprintf("%q", p)) {
			t.Errorf("preset %q: %v", p, err)
		}
	}
	for _, c := range []int{0, 18, 51} {
		if err := ValidateCRF(c); err != nil {
			t.Errorf("crf %d: %v", c, err)
		}
	}
	for _, c := range []int{-5, -1, 52, 99} {
		if err := ValidateCRF(c); fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), fmt.Sprint(c)) {
			t.Errorf("crf %d: %v", c, err)
		}
	}
	for _, s := range [][2]int{{1920, 1080}, {16, 16}, {8192, 4320}, {4096, 8192}} {
		if err := ValidateSize(s[0], s[1]); err != nil {
			t.Errorf("size %v: %v", s, err)
		}
	}
	for _, s := range [][2]int{{321, 180}, {1921, 1080}, {1920, 1081}, {0, 0}, {-2, 100}, {8, 8}, {8194, 100}, {20000, 20000}, {8192, 8192}} {
		want := fmt.Sprintf("%dx%d", s[0], s[1])
		if err := ValidateSize(s[0], s[1]); fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), want) {
			t.Errorf("size %s: %v", want, err)
		}
	}
}

// Options a caller gets wrong are Usage errors from CreateVideo itself,
// before anything is written.
func TestCreateVideoRefusesBadOptions(t *testing.T) {
	dir := t.TempDir()
	ok := WriterOptions{Format: "mp4", Codec: "h264", Width: 64, Height: 64, FPS: 25}
	bad := map[string]func(o *WriterOptions){
		"preset":  func(o *WriterOptions) { o.Preset = "warp" },
		"crf":     func(o *WriterOptions) { o.CRF = 99 },
		"negcrf":  func(o *WriterOptions) { o.CRF = -5 },
		"odd":     func(o *WriterOptions) { o.Width = 65 },
		"fps":     func(o *WriterOptions) { o.FPS = 0 },
		"format":  func(o *WriterOptions) { o.Format = "avi" },
		"codec":   func(o *WriterOptions) { o.Codec = "vp9" },
		"hevcbad": func(o *WriterOptions) { o.Codec, o.Preset = "hevc", "warp" },
	}
	for name, f := range bad {
		o := ok
		f(&o)
		if w, err := CreateVideo(filepath.Join(dir, name+".mp4"), o); fault.KindOf(err) != fault.Usage {
			t.Errorf("%s: %v, %v; want a Usage error", name, w, err)
			if w != nil {
				w.Abort()
			}
		}
	}
	onlyFiles(t, dir)
}

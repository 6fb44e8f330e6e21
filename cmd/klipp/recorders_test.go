package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// deliveryCamera writes a config whose one camera (tv-e6-malmo) gets its
// footage only by ingest, with extra lines for its catalog entry, and
// returns the directory and a klipp runner for that config.
func deliveryCamera(t *testing.T, extra string) (string, func(args ...string) (int, string, string)) {
	t.Helper()
	work := t.TempDir()
	conf := filepath.Join(work, "klipp.yaml")
	os.WriteFile(conf, []byte("data_dir: data\ncatalog: cameras.yaml\nanalyst: Ingrid\n"), 0o644)
	os.WriteFile(filepath.Join(work, "cameras.yaml"), []byte(`cameras:
  - id: tv-e6-malmo
    name: E6 Malmö norr
    owner: trafikverket
    location: {lat: 55.62, lon: 13.02}
    kind: fixed
    quality: overview
    timezone: Europe/Stockholm
`+extra), 0o644)
	return work, func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
}

// ffmpegCLI runs the FFmpeg command-line tool as a recorder's export would.
func ffmpegCLI(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", append([]string{"-y", "-nostdin", "-loglevel", "error"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

// A raw H.264 stream (a DVR's .264 export) carries no times: ingest
// refuses it without a frame rate (exit 2, saying --fps), and with --fps
// it is placed with its true length and a still shows the frame recorded
// at the time asked.
func TestIngestRawH264(t *testing.T) {
	dir, _, gt := indexedSite(t)
	work, k := deliveryCamera(t, "")
	seg := gt.Cameras["stortorget"].Segments[3]
	raw := filepath.Join(work, "CH01.264")
	ffmpegCLI(t, "-i", filepath.Join(dir, seg.File), "-an", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264", raw)
	start := seg.CameraClock.In(time.FixedZone("CET", 3600)).Format("2006-01-02 15:04:05.000")
	if code, _, errs := k("ingest", raw, "--camera", "tv-e6-malmo", "--start", start); code != 2 || !strings.Contains(errs, "--fps") {
		t.Errorf("raw stream without a rate: exit %d %s, want 2 naming --fps", code, errs)
	}
	code, out, errs := k("--json", "ingest", raw, "--camera", "tv-e6-malmo", "--start", start, "--fps", fmt.Sprint(gt.FPS))
	if code != 0 {
		t.Fatalf("ingest --fps: %d %s", code, errs)
	}
	if want := seg.CameraClock.Add(time.Duration(seg.Frames) * time.Second / time.Duration(gt.FPS)).UTC().Format(time.RFC3339); !strings.Contains(out, want) {
		t.Errorf("ingest: %s, want the segment to end at %s", out, want)
	}
	frame := time.Second / time.Duration(gt.FPS)
	into := 20230 * time.Millisecond
	at := seg.CameraClock.Add(into)
	still := filepath.Join(work, "still.png")
	if code, _, errs := k("still", "--camera", "tv-e6-malmo", "--at", at.Format(time.RFC3339Nano), "-o", still); code != 0 {
		t.Fatalf("still: %s", errs)
	}
	if got, want := codeInPNG(t, still), seg.CameraClock.Add(into/frame*frame).UnixMilli(); got != want {
		t.Errorf("still shows %d, want %d", got, want)
	}
}

// Exit 4 (media error), not 1, for footage klipp cannot use: an audio-only
// file has no video stream.
func TestProbeAudioOnlyExit4(t *testing.T) {
	audio := filepath.Join(t.TempDir(), "call.m4a")
	ffmpegCLI(t, "-f", "lavfi", "-i", "sine=frequency=1000:duration=1", "-c:a", "aac", audio)
	code, _, errs := klipp(t, "probe", audio)
	if code != 4 || !strings.Contains(errs, "no video stream") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("probe of audio only: exit %d %q, want 4 and one line saying no video stream", code, errs)
	}
}

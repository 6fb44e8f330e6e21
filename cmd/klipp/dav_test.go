package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/dav"
	"github.com/klipp-forensics/klipp/internal/digest"
)

// A Dahua DVR's DAV file, written from the published chunk layout around
// the H.264 of two demo cameras (channel 0: lilla-torg, channel 1:
// stortorget, each frame showing its own frame code), with frame
// intervals that wander around 40 ms and a millisecond counter that wraps:
// probe reads it with FFmpeg's dhav demuxer and lists both channels;
// ingest --channel 1 keeps the DAV bit-exact, remuxes channel 1 into an
// MP4 timed by the chunks, and a still at a true time shows the frame the
// DVR recorded then (FFmpeg's own times, restarting each second at .000,
// would give another).
func TestDAVProbeIngestStill(t *testing.T) {
	dir, _, gt := indexedSite(t)
	work, k := deliveryCamera(t, `  - id: cam-ch0
    name: Channel 0 of the DVR
    owner: trafikverket
    location: {lat: 55.62, lon: 13.02}
    kind: fixed
    quality: overview
    timezone: Europe/Stockholm
    dav_channel: 0
`)
	zone, _ := time.LoadLocation("Europe/Stockholm")
	segs := []struct {
		file  string
		clock time.Time
	}{{gt.Cameras["lilla-torg"].Segments[0].File, gt.Cameras["lilla-torg"].Segments[0].CameraClock},
		{gt.Cameras["stortorget"].Segments[1].File, gt.Cameras["stortorget"].Segments[1].CameraClock}}
	const n = 60 // frames per channel
	var aus [2][][]byte
	for ch, s := range segs {
		raw := filepath.Join(work, "ch.264")
		ffmpegCLI(t, "-i", filepath.Join(dir, s.file), "-an", "-frames:v", "60", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb,h264_metadata=aud=insert", "-f", "h264", raw)
		data, err := os.ReadFile(raw)
		if err != nil {
			t.Fatal(err)
		}
		aus[ch] = dav.AccessUnits(data)
		if len(aus[ch]) < n {
			t.Fatalf("channel %d: %d access units", ch, len(aus[ch]))
		}
	}
	// Frame i of both channels at start + i·40 ms ± a wander; the
	// counter starts near its wrap.
	start := time.Date(2026, 11, 20, 22, 14, 5, 370e6, zone)
	at := func(i int) time.Time {
		return start.Add(time.Duration(i*40+[]int{0, 7, -5, 3}[i%4]) * time.Millisecond)
	}
	file := append([]byte("DAHUA"), make([]byte, 0x400-5)...)
	keys := 0
	for i := 0; i < n; i++ {
		for ch := 0; ch < 2; ch++ {
			typ := byte(dav.Video)
			if isIDR(aus[ch][i]) {
				typ = dav.VideoKey
				keys += ch
			}
			ms := uint16(65000 + int(at(i).Sub(start)/time.Millisecond))
			file = dav.Append(file, dav.Chunk{Type: typ, Channel: byte(ch), Frame: uint32(i), Date: dav.PackDate(at(i)), Millis: ms,
				Codec: dav.H264, FPS: 25, Width: 320, Height: 240, Payload: aus[ch][i]})
		}
	}
	davPath := filepath.Join(work, "20261120_221405_CH.dav")
	if err := os.WriteFile(davPath, file, 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errs := k("probe", davPath)
	if code != 0 || !strings.Contains(out, "dhav") || !strings.Contains(out, "DAV channel 0") || !strings.Contains(out, "DAV channel 1") || !strings.Contains(out, fmt.Sprintf("60 frames (%d keyframes)", keys)) {
		t.Fatalf("probe: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := k("ingest", davPath, "--camera", "tv-e6-malmo"); code != 2 || !strings.Contains(errs, "--channel") {
		t.Errorf("DAV without --channel: exit %d %s, want 2 naming --channel", code, errs)
	}
	if code, _, errs := k("ingest", davPath, "--camera", "tv-e6-malmo", "--channel", "5"); code != 2 || !strings.Contains(errs, "channel 5") {
		t.Errorf("DAV --channel 5: exit %d %s, want 2", code, errs)
	}
	code, out, errs = k("--json", "ingest", davPath, "--camera", "tv-e6-malmo", "--channel", "1")
	if code != 0 {
		t.Fatalf("ingest --channel 1: %d %s", code, errs)
	}
	var recs []ingestRecord
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 {
		t.Fatalf("ingest output %s: %v", out, err)
	}
	r := recs[0]
	_, sum, _ := digest.File(davPath)
	if _, stored, _ := digest.File(r.Stored); r.SHA256 != sum || stored != sum || r.Remuxed == "" || r.RemuxedSHA256 == "" || r.DAVChannel == nil || *r.DAVChannel != 1 {
		t.Errorf("record %+v: want the DAV kept bit-exact (%s) and the remuxed MP4 recorded", r, sum)
	}
	// The dates fix the counter's phase to within the earliest frame after
	// a change of second: here 10 ms before the truth.
	if d := start.Sub(r.CameraStart); d < 0 || d > 40*time.Millisecond {
		t.Errorf("camera start %s, want within a frame before %s (the first chunk's date and counter)", r.CameraStart, start)
	}
	if _, err := os.Stat(r.Remuxed + ".json"); err != nil {
		t.Errorf("no record beside the MP4: %v", err)
	}
	frame := time.Second / time.Duration(gt.FPS) // the demo's frame codes step by its rate
	for _, i := range []int{0, 1, 2, 3, 26, 27, 57} {
		still := filepath.Join(work, "still.png")
		when := at(i).Add(5 * time.Millisecond)
		if code, _, errs := k("still", "--camera", "tv-e6-malmo", "--at", when.Format(time.RFC3339Nano), "-o", still); code != 0 {
			t.Fatalf("still at frame %d: %s", i, errs)
		}
		if got, want := codeInPNG(t, still), segs[1].clock.Add(time.Duration(i)*frame).UnixMilli(); got != want {
			t.Errorf("still at %s (DAV frame %d) shows %d, want %d (frame %d of channel 1)", when.Format("15:04:05.000"), i, got, want, i)
		}
		os.Remove(still)
	}
	// The other channel from the same DAV file: its own footage, the DAV
	// copy shared.
	if code, _, errs := k("ingest", davPath, "--camera", "tv-e6-malmo", "--channel", "1"); code != 0 {
		t.Errorf("second ingest of channel 1: %d %s", code, errs)
	}
	// A camera whose catalog entry names its DAV channel needs no --channel.
	code, out, errs = k("--json", "ingest", davPath, "--camera", "cam-ch0")
	recs = nil
	if code != 0 || json.Unmarshal([]byte(out), &recs) != nil || len(recs) != 1 || recs[0].DAVChannel == nil || *recs[0].DAVChannel != 0 ||
		!strings.Contains(recs[0].RemuxNote, "dav_channel in cameras.yaml") {
		t.Errorf("ingest by the catalog's dav_channel: exit %d %s %s", code, out, errs)
	}
}

// isIDR reports whether an Annex B access unit holds an IDR slice.
func isIDR(au []byte) bool {
	for i := 0; i+3 < len(au); i++ {
		if au[i] == 0 && au[i+1] == 0 && au[i+2] == 1 && au[i+3]&0x1f == 5 {
			return true
		}
	}
	return false
}

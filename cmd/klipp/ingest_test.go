package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIngest delivers a recording "on a USB stick" for a road camera klipp
// has no recordings directory for: it is copied into the evidence store
// with its hash, indexed at the start given, and a still at a true time
// shows the frame recorded then.
func TestIngest(t *testing.T) {
	dir, _, gt := indexedSite(t)
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
    recordings: {path: rec, pattern: '%Y-%m-%d/%H-%M-%S.mp4'}
`), 0o644)
	os.MkdirAll(filepath.Join(work, "rec"), 0o755) // the recorder's share: empty
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	// The delivered file: a recording with a frame code of its clock on
	// every frame, under a name that says nothing.
	seg := gt.Cameras["stortorget"].Segments[3]
	usb := filepath.Join(work, "usb")
	os.MkdirAll(usb, 0o755)
	delivered := filepath.Join(usb, "EXPORT_0001.mp4")
	data, err := os.ReadFile(filepath.Join(dir, seg.File))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(delivered, data, 0o644)
	before, _ := os.Stat(delivered)

	// An MPEG-TS file has no creation_time and this camera no name pattern:
	// klipp needs --start.
	ts := filepath.Join(usb, "CLIP.TS")
	tsData, _ := os.ReadFile(filepath.Join(dir, gt.Cameras["malmo-c-spar-4"].Segments[0].File))
	os.WriteFile(ts, tsData, 0o644)
	if code, _, errs := k("ingest", ts, "--camera", "tv-e6-malmo"); code != 2 || !strings.Contains(errs, "--start") {
		t.Errorf("without a start: %d %s", code, errs)
	}
	if list, _ := os.ReadDir(filepath.Join(work, "data", "evidence", "tv-e6-malmo")); len(list) != 0 {
		t.Errorf("a file that could not be placed was kept: %v", list)
	}
	start := seg.CameraClock.In(time.FixedZone("CET", 3600)).Format("2006-01-02 15:04:05.000")
	code, out, errs := k("--json", "ingest", delivered, "--camera", "tv-e6-malmo", "--start", start, "--note", "USB från Trafikverket")
	if code != 0 {
		t.Fatalf("ingest: %s", errs)
	}
	var recs []ingestRecord
	json.Unmarshal([]byte(out), &recs)
	if len(recs) != 1 || recs[0].SHA256 == "" || !recs[0].TrueStart.Equal(seg.CameraClock) || recs[0].StartFrom != "--start" {
		t.Fatalf("ingest: %s", out)
	}
	r := recs[0]
	stored, _ := os.ReadFile(r.Stored)
	if string(stored) != string(data) {
		t.Error("the evidence copy differs from the delivered file")
	}
	if fi, _ := os.Stat(r.Stored); fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("the evidence copy is writable: %v", fi.Mode())
	}
	if after, _ := os.Stat(delivered); !after.ModTime().Equal(before.ModTime()) || after.Mode() != before.Mode() {
		t.Error("the delivered file was touched")
	}
	var side ingestRecord
	sb, _ := os.ReadFile(r.Stored + ".json")
	if json.Unmarshal(sb, &side); side.Original != delivered || side.SHA256 != r.SHA256 || side.By != "Ingrid" {
		t.Errorf("ingest record: %s", sb)
	}
	// Indexed: a still 20.2 s into the file shows that frame's code (the
	// camera has no clock measurements, so its clock is true time).
	at := seg.CameraClock.Add(20200 * time.Millisecond)
	still := filepath.Join(work, "still.png")
	if code, _, errs := k("still", "--camera", "tv-e6-malmo", "--at", at.Format(time.RFC3339Nano), "-o", still); code != 0 {
		t.Fatalf("still: %s", errs)
	}
	if got := codeInPNG(t, still); got != at.UnixMilli() {
		t.Errorf("still shows %d, want %d", got, at.UnixMilli())
	}
	// klipp index of the camera's (empty) recordings directory keeps the
	// ingested file; a second ingest copies nothing.
	if code, _, errs := k("index"); code != 0 {
		t.Fatal(errs)
	}
	code, out, _ = k("--json", "coverage", "--camera", "tv-e6-malmo", "--from", at.Add(-5*time.Second).Format(time.RFC3339), "--to", at.Format(time.RFC3339))
	if code != 0 || !strings.Contains(out, r.Stored) {
		t.Errorf("coverage after index: %d %s", code, out)
	}
	code, out, _ = k("--json", "ingest", delivered, "--camera", "tv-e6-malmo", "--start", start)
	json.Unmarshal([]byte(out), &recs)
	if code != 0 || !recs[0].Already {
		t.Errorf("second ingest: %s", out)
	}
	if a, _ := os.ReadFile(filepath.Join(work, "data", "audit.jsonl")); !strings.Contains(string(a), `"action":"ingest"`) || !strings.Contains(string(a), r.SHA256) {
		t.Errorf("audit: %s", a)
	}
	if code, _, _ := k("ingest", delivered, "--camera", "nope"); code != 3 {
		t.Errorf("unknown camera: %d", code)
	}
	if code, _, _ := k("ingest", filepath.Join(usb, "missing.mp4"), "--camera", "tv-e6-malmo"); code != 3 {
		t.Errorf("missing file: %d", code)
	}
}

// TestIngestRefusesNonFootage: a text file (FFmpeg draws /etc/passwd as six
// frames of ANSI art), an empty and a random file are refused with exit 4
// and the reason; nothing is stored: no evidence copy (not even a hidden
// one), no segment, no audit entry of an ingest.
func TestIngestRefusesNonFootage(t *testing.T) {
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
    recordings: {path: rec, pattern: '%Y-%m-%d/%H-%M-%S.mp4'}
`), 0o644)
	os.MkdirAll(filepath.Join(work, "rec"), 0o755)
	passwd, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 200<<10)
	for i := range random {
		random[i] = byte(i*7919 + i/13)
	}
	files := map[string][]byte{"passwd.txt": passwd, "empty.mp4": nil, "random.mp4": random}
	for name, data := range files {
		p := filepath.Join(work, name)
		os.WriteFile(p, data, 0o644)
		code, out, errs := klipp(t, "--config", conf, "ingest", p, "--camera", "tv-e6-malmo", "--start", "2026-11-20 22:00:00")
		if code != 4 || !strings.Contains(errs, name+": not footage") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%s: exit %d, %q %q; want exit 4 and one line naming it", name, code, out, errs)
		}
	}
	if list, _ := os.ReadDir(filepath.Join(work, "data", "evidence", "tv-e6-malmo")); len(list) != 0 {
		t.Errorf("evidence kept: %v", list)
	}
	if log, _ := os.ReadFile(filepath.Join(work, "data", "audit.jsonl")); strings.Contains(string(log), `"ingest"`) {
		t.Errorf("an ingest was audited:\n%s", log)
	}
	code, out, errs := klipp(t, "--config", conf, "--json", "coverage", "--camera", "tv-e6-malmo", "--from", "2026-11-20 21:00", "--to", "2026-11-20 23:00")
	if code != 0 || !strings.Contains(out, `"segments": []`) || !strings.Contains(out, `"damaged": []`) {
		t.Errorf("a segment was stored: %d %s %s", code, out, errs)
	}
}

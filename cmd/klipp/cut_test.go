package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/demo"
	"github.com/klipp-forensics/klipp/internal/framecode"
	"github.com/klipp-forensics/klipp/internal/media"
)

// codes decodes a video (honouring its edit list) and reads every frame code.
func codes(t *testing.T, path string) []int64 {
	t.Helper()
	r, err := media.OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []int64
	for {
		f, err := r.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		ms, ok := framecode.Read(f.Image)
		if !ok {
			t.Fatalf("%s frame %d: no frame code", path, len(out))
		}
		out = append(out, ms)
	}
}

// wantCodes lists, from the ground truth alone, the camera-clock codes of
// the frames whose true time lies in [from, to).
func wantCodes(gt *demo.GroundTruth, cam string, from, to time.Time) []int64 {
	frame := time.Second / time.Duration(gt.FPS)
	var out []int64
	for _, s := range gt.Cameras[cam].Segments {
		if s.Truncated {
			continue
		}
		for k := 0; k < s.Frames; k++ {
			at := s.TrueStart.Add(time.Duration(k) * frame)
			if !at.Before(from) && at.Before(to) {
				out = append(out, s.CameraClock.Add(time.Duration(k)*frame).UnixMilli())
			}
		}
	}
	return out
}

func sameCodes(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d frames, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("%s: frame %d has code %d, want %d", what, i, got[i], want[i])
			return
		}
	}
}

func TestCut(t *testing.T) {
	_, conf, gt := indexedSite(t)
	out := t.TempDir()
	// Drifting camera, across the 22:10/22:11 camera-clock file join, from a
	// time between keyframes.
	seg := gt.Cameras["sodergatan-2"].Segments[10]
	from := seg.TrueStart.Add(43*time.Second + 310*time.Millisecond)
	to := from.Add(40 * time.Second)
	for _, mode := range []string{"copy", "exact", "transcode"} {
		t.Run(mode, func(t *testing.T) {
			file := filepath.Join(out, mode+".mp4")
			code, stdout, errs := klipp(t, "--config", conf, "--json", "cut", "--camera", "sodergatan-2",
				"--from", from.Format(time.RFC3339Nano), "--to", to.Format(time.RFC3339Nano), "-o", file, "--mode", mode)
			if code != 0 {
				t.Fatal(errs)
			}
			sameCodes(t, mode, codes(t, file), wantCodes(gt, "sodergatan-2", from, to))
			var recs []cutRecord
			if err := json.Unmarshal([]byte(stdout), &recs); err != nil || len(recs) != 1 {
				t.Fatalf("json: %v %s", err, stdout)
			}
			rec := recs[0]
			if _, sum, _ := bundle.HashFile(file); rec.SHA256 != sum || len(rec.Sources) != 2 {
				t.Errorf("record: sha %s (file %s), %d sources", rec.SHA256, sum, len(rec.Sources))
			}
			for _, s := range rec.Sources {
				if _, sum, _ := bundle.HashFile(s.File); sum != s.SHA256 {
					t.Errorf("source %s: recorded %s, file %s", s.File, s.SHA256, sum)
				}
			}
			if mode == "copy" && (rec.EditList == nil || rec.EditList.LeadInFrames == 0 || rec.ReencodedFrames != "none") {
				t.Errorf("copy record: %+v", rec)
			}
			if mode == "exact" && (rec.EditList != nil || !strings.HasPrefix(rec.ReencodedFrames, "first ")) {
				t.Errorf("exact record: %+v", rec)
			}
			if side, err := os.ReadFile(file + ".json"); err != nil || !strings.Contains(string(side), rec.SHA256) {
				t.Errorf("sidecar record: %v", err)
			}
		})
	}

	// Burn-in: the picture is untouched above the caption bar.
	file := filepath.Join(out, "burn.mp4")
	vfrom := gt.Suspect.Visits[0].Enter
	if code, _, errs := klipp(t, "--config", conf, "cut", "--camera", "malmo-c-spar-4", "--from", vfrom.Format(time.RFC3339Nano),
		"--to", vfrom.Add(10*time.Second).Format(time.RFC3339Nano), "-o", file, "--mode", "transcode", "--burn-in"); code != 0 {
		t.Fatal(errs)
	}
	sameCodes(t, "burn-in", codes(t, file), wantCodes(gt, "malmo-c-spar-4", vfrom, vfrom.Add(10*time.Second)))
	// Scaled to 1280x720.
	scaled := filepath.Join(out, "scaled.mp4")
	if code, _, errs := klipp(t, "--config", conf, "cut", "--camera", "malmo-c-spar-4", "--from", vfrom.Format(time.RFC3339Nano),
		"--to", vfrom.Add(4*time.Second).Format(time.RFC3339Nano), "-o", scaled, "--mode", "transcode", "--scale", "1280x720"); code != 0 {
		t.Fatal(errs)
	}
	if in, err := media.Probe(context.Background(), scaled); err != nil || in.Video().Width != 1280 || in.Video().Height != 720 {
		t.Errorf("scaled: %+v %v", in, err)
	}

	// The Lilla Torg gap: fail lists it, split writes two files, allow one.
	gap := gt.Cameras["lilla-torg"].Gaps[0]
	gf, gto := gap.From.Add(-20*time.Second).Format(time.RFC3339Nano), gap.To.Add(20*time.Second).Format(time.RFC3339Nano)
	code, _, errs := klipp(t, "--config", conf, "cut", "--camera", "lilla-torg", "--from", gf, "--to", gto, "-o", filepath.Join(out, "g.mp4"))
	if code != 3 || !strings.Contains(errs, "gap(s): 2026-11-20 22:14:00.480 CET–22:16:00.480 CET (no recording); use --gaps split") {
		t.Errorf("gaps fail: %d %s", code, errs)
	}
	if code, _, errs := klipp(t, "--config", conf, "cut", "--camera", "lilla-torg", "--from", gf, "--to", gto, "-o", filepath.Join(out, "g.mp4"), "--gaps", "split"); code != 0 {
		t.Fatal(errs)
	}
	sameCodes(t, "split 1", codes(t, filepath.Join(out, "g-1.mp4")), wantCodes(gt, "lilla-torg", gap.From.Add(-20*time.Second), gap.From))
	sameCodes(t, "split 2", codes(t, filepath.Join(out, "g-2.mp4")), wantCodes(gt, "lilla-torg", gap.To, gap.To.Add(20*time.Second)))
	code, stdout, errs := klipp(t, "--config", conf, "--json", "cut", "--camera", "lilla-torg", "--from", gf, "--to", gto, "-o", filepath.Join(out, "a.mp4"), "--gaps", "allow")
	if code != 0 {
		t.Fatal(errs)
	}
	sameCodes(t, "allow", codes(t, filepath.Join(out, "a.mp4")), wantCodes(gt, "lilla-torg", gap.From.Add(-20*time.Second), gap.To.Add(20*time.Second)))
	var recs []cutRecord
	json.Unmarshal([]byte(stdout), &recs)
	if len(recs) != 1 || len(recs[0].Gaps) != 1 || recs[0].GapPolicy != "allow" {
		t.Errorf("allow record: %+v", recs)
	}

	existing := filepath.Join(out, "copy.mp4")
	bad := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"to before from", []string{"--camera", "stortorget", "--from", "2026-11-20 22:08", "--to", "2026-11-20 22:07", "-o", filepath.Join(out, "x.mp4")}, 2, "must be after"},
		{"no footage", []string{"--camera", "stortorget", "--from", "2026-11-21 10:00", "--to", "2026-11-21 10:01", "-o", filepath.Join(out, "x.mp4")}, 3, "nearest footage ends 2026-11-20 22:17:00.000 CET"},
		{"exists", []string{"--camera", "stortorget", "--from", "2026-11-20 22:08", "--to", "2026-11-20 22:09", "-o", existing}, 2, "exists: use --force"},
		{"unknown mode", []string{"--camera", "stortorget", "--from", "2026-11-20 22:08", "--to", "2026-11-20 22:09", "-o", filepath.Join(out, "x.mp4"), "--mode", "fast"}, 2, "use copy, exact or transcode"},
		{"burn-in with copy", []string{"--camera", "stortorget", "--from", "2026-11-20 22:08", "--to", "2026-11-20 22:09", "-o", filepath.Join(out, "x.mp4"), "--mode", "copy", "--burn-in"}, 2, "--burn-in needs --mode transcode"},
		{"bad scale", []string{"--camera", "stortorget", "--from", "2026-11-20 22:08", "--to", "2026-11-20 22:09", "-o", filepath.Join(out, "x.mp4"), "--mode", "transcode", "--scale", "big"}, 2, "WIDTHxHEIGHT"},
		{"scale with copy", []string{"--camera", "stortorget", "--from", "2026-11-20 22:08", "--to", "2026-11-20 22:09", "-o", filepath.Join(out, "x.mp4"), "--mode", "copy", "--scale", "320x180"}, 2, "--scale needs --mode transcode"},
		{"not mp4", []string{"--camera", "stortorget", "--from", "2026-11-20 22:08", "--to", "2026-11-20 22:09", "-o", filepath.Join(out, "x.mov")}, 2, "name it .mp4"},
		{"no directory", []string{"--camera", "stortorget", "--from", "2026-11-20 22:08", "--to", "2026-11-20 22:09", "-o", "/nonexistent/x.mp4"}, 2, "does not exist"},
		{"damaged file in range", []string{"--camera", "stortorget", "--from", "2026-11-20 22:14:30", "--to", "2026-11-20 22:15:30", "-o", filepath.Join(out, "x.mp4")}, 3, "damaged file 2026-11-20/22-15-00.mp4"},
	}
	for _, c := range bad {
		code, _, errs := klipp(t, append([]string{"--config", conf, "cut"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%s: exit %d %q; want %d %q", c.name, code, errs, c.code, c.msg)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "x.mp4")); err == nil {
		t.Error("a failed cut left an output file")
	}
}

// TestUnwritableAuditLog: with the audit log on a full device, still and
// cut fail with exit 5 and one line, and leave no output file behind, not
// even a temporary one: an output takes its name only once it is audited.
func TestUnwritableAuditLog(t *testing.T) {
	dir := site(t)
	catalogText, err := os.ReadFile(filepath.Join(dir, "cameras.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "klipp.yaml"), []byte("catalog: cameras.yaml\ndata_dir: data\n"), 0o644)
	os.WriteFile(filepath.Join(d, "cameras.yaml"), []byte(strings.ReplaceAll(string(catalogText), "path: recordings/", "path: "+dir+"/recordings/")), 0o644)
	conf := filepath.Join(d, "klipp.yaml")
	if code, _, errs := klipp(t, "--config", conf, "-q", "index", "--camera", "stortorget"); code != 0 {
		t.Fatal(errs)
	}
	// One audited action first, so the chain lives in the store.
	if code, _, errs := klipp(t, "--config", conf, "still", "--camera", "stortorget", "--at", "2026-11-20 22:08", "-o", filepath.Join(d, "first.png")); code != 0 {
		t.Fatal(errs)
	}
	log := filepath.Join(d, "data", "audit.jsonl")
	if err := os.Remove(log); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/full", log); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, args := range [][]string{
		{"still", "--camera", "stortorget", "--at", "2026-11-20 22:08", "-o", filepath.Join(out, "s.png")},
		{"still", "--camera", "stortorget", "--at", "2026-11-20 22:08,2026-11-20 22:08:01", "-o", filepath.Join(out, "m.png")},
		{"cut", "--camera", "stortorget", "--from", "2026-11-20 22:08", "--to", "2026-11-20 22:08:05", "-o", filepath.Join(out, "c.mp4")},
	} {
		code, stdout, errs := klipp(t, append([]string{"--config", conf}, args...)...)
		if code != 5 || !strings.Contains(errs, "audit log") || strings.Count(strings.TrimSpace(errs), "\n") != 0 || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 5 and one line", args[0], code, stdout, errs)
		}
		if list, _ := os.ReadDir(out); len(list) != 0 {
			var names []string
			for _, e := range list {
				names = append(names, e.Name())
			}
			t.Errorf("%s left %v", args[0], names)
		}
	}
}

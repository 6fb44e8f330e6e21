package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/app"
)

// gateSite writes a site with one camera whose recording the FFmpeg CLI
// made: a still scene (SMPTE bars) with sensor noise, light that dims
// slowly and steps up at 65 s, and a person (a 40×100 box) walking through
// from 30 s to 48 s (left to right) and from 90 s to 105 s (right to left),
// at 10 fps with a keyframe every 2 s. The recording starts at 22:00:00
// Stockholm time.
func gateSite(t *testing.T) (conf string) {
	t.Helper()
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec")
	if err := os.MkdirAll(rec, 0o755); err != nil {
		t.Fatal(err)
	}
	walk := "if(between(t,30,48),-40+(t-30)*680/18,if(between(t,90,105),640-(t-90)*680/15,-200))"
	cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "smptehdbars=size=640x360:rate=10:duration=130",
		"-f", "lavfi", "-i", "color=c=red:size=40x100:rate=10", "-filter_complex",
		"[0][1]overlay=x='"+walk+"':y=200:eval=frame:shortest=1,noise=alls=8:allf=t,eq=brightness='if(gt(t,65),0.06,0)-0.08*t/130':eval=frame",
		"-c:v", "libx264", "-preset", "ultrafast", "-crf", "28", "-g", "20", "-pix_fmt", "yuv420p", filepath.Join(rec, "2026-11-20_22-00-00.mp4"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	conf = filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("timezone: Europe/Stockholm\ndata_dir: data\ncatalog: cameras.yaml\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte(`cameras:
  - {id: gate, name: Grind, owner: business, location: {lat: 55.6, lon: 13.0}, timezone: Europe/Stockholm,
     recordings: {path: rec, pattern: "%Y-%m-%d_%H-%M-%S.mp4"}}
`), 0o644)
	return conf
}

func activityJSON(t *testing.T, args ...string) app.ActivityResult {
	t.Helper()
	code, out, errs := klipp(t, append([]string{"--json", "activity"}, args...)...)
	if code != 0 {
		t.Fatalf("activity %v: exit %d: %s", args, code, errs)
	}
	var res app.ActivityResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return res
}

// Acceptance (issue 14): the walk-throughs are found within one GOP (2 s)
// of their true start and end, and nothing else is; a second question
// reads the index; regions and bad input behave.
func TestActivityFindsWalkThroughs(t *testing.T) {
	t.Parallel() // see TestMain
	conf := gateSite(t)
	if code, _, errs := klipp(t, "--config", conf, "-q", "index"); code != 0 {
		t.Fatal(errs)
	}
	loc, _ := time.LoadLocation("Europe/Stockholm")
	t0 := time.Date(2026, 11, 20, 22, 0, 0, 0, loc)
	span := []string{"--config", conf, "--camera", "gate", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:05"}
	res := activityJSON(t, span...)
	walks := [][2]time.Duration{{30 * time.Second, 48 * time.Second}, {90 * time.Second, 105 * time.Second}}
	if len(res.Periods) != len(walks) {
		t.Fatalf("%d periods, want %d: %+v", len(res.Periods), len(walks), res.Periods)
	}
	for i, w := range walks {
		p := res.Periods[i]
		if d := p.Start.Sub(t0.Add(w[0])); d < -2*time.Second || d > 2*time.Second {
			t.Errorf("walk %d: start %v, true %v", i, p.Start.Sub(t0), w[0])
		}
		if d := p.End.Sub(t0.Add(w[1])); d < -2*time.Second || d > 2*time.Second {
			t.Errorf("walk %d: end %v, true %v", i, p.End.Sub(t0), w[1])
		}
		if p.Box.Y > 200 || p.Box.Y+p.Box.H < 300 || p.Box.W < 500 || p.Peak <= 0 {
			t.Errorf("walk %d: where %+v, peak %.2f", i, p.Box, p.Peak)
		}
	}
	if res.Scan.Scanned != 1 || res.Scan.Stored != 0 || len(res.Gaps) != 1 {
		t.Errorf("first question: scan %+v, gaps %+v", res.Scan, res.Gaps)
	}

	// Asked again, the answer comes from the index, the same.
	again := activityJSON(t, span...)
	if again.Scan.Scanned != 0 || again.Scan.Stored != 1 || len(again.Periods) != 2 || !again.Periods[1].End.Equal(res.Periods[1].End) {
		t.Errorf("second question: scan %+v, periods %+v", again.Scan, again.Periods)
	}
	// A region away from the path sees nothing; a polygon on it sees both.
	if sky := activityJSON(t, append(span, "--region", "0,0,640,150")...); len(sky.Periods) != 0 || sky.Region != "0,0,640,150" {
		t.Errorf("sky: %+v", sky.Periods)
	}
	if path := activityJSON(t, append(span, "--region", "100,180 540,180 540,320 100,320")...); len(path.Periods) != 2 {
		t.Errorf("path polygon: %d periods", len(path.Periods))
	}
	// --min-length 0 is every period, however short: the walks and what
	// is seen for less than 2 s (here the light's step at 65 s, one sample).
	for _, zero := range []string{"0", "0s"} {
		every := activityJSON(t, append(span, "--min-length", zero)...)
		short := 0
		for _, p := range every.Periods {
			switch {
			case p.Start.Equal(res.Periods[0].Start) || p.Start.Equal(res.Periods[1].Start):
			case p.Last.Sub(p.First) < 2*time.Second:
				short++
			default:
				t.Errorf("--min-length %s: a period neither a walk nor short: %+v", zero, p)
			}
		}
		if every.MinLength != 0 || short == 0 || len(every.Periods) != 2+short {
			t.Errorf("--min-length %s: min %v, %d short, %+v", zero, every.MinLength, short, every.Periods)
		}
	}
	if _, out, _ := klipp(t, append([]string{"activity", "--min-length", "0"}, span...)...); !strings.Contains(out, "(sensitivity 5, of any length)") {
		t.Errorf("--min-length 0, human form:\n%s", out)
	}
	// The human form names the periods and what the answer rests on.
	_, out, _ := klipp(t, append([]string{"activity"}, span...)...)
	for _, want := range []string{"2 period(s) of activity in the whole picture", "2026-11-20 22:00:3", "1 from the index", "no footage 2026-11-20 22:02:10.000 CET"} {
		if !strings.Contains(out, want) {
			t.Errorf("human output lacks %q:\n%s", want, out)
		}
	}
	// Each question is audited.
	audit, _ := os.ReadFile(filepath.Join(filepath.Dir(conf), "data", "audit.jsonl"))
	if n := strings.Count(string(audit), `"action":"activity"`); n != 8 {
		t.Errorf("%d activity entries in the audit log, want 8", n)
	}
	if !strings.Contains(string(audit), `"action":"activity.scan"`) {
		t.Error("the scan is not audited")
	}

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--region", "1,2,3"}, 2, "--region:"},
		{[]string{"--region", "700,0,100,100"}, 2, "outside the picture"},
		{[]string{"--sensitivity", "11"}, 2, "--sensitivity: 11"},
		{[]string{"--min-length", "soon"}, 2, "--min-length"},
		{[]string{"--min-length", "-1s"}, 2, "--min-length"},
	} {
		code, _, errs := klipp(t, append(append([]string{"activity"}, span...), c.args...)...)
		if code != c.code || !strings.Contains(errs, c.msg) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, %q; want %d with %q", c.args, code, errs, c.code, c.msg)
		}
	}
	if code, _, errs := klipp(t, "--config", conf, "activity", "--camera", "gate", "--from", "2026-11-21 10:00", "--to", "2026-11-21 11:00"); code != 3 || !strings.Contains(errs, "no footage") {
		t.Errorf("range without footage: %d %s", code, errs)
	}
	if code, _, _ := klipp(t, "--config", conf, "activity", "--camera", "nope", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:05"); code != 3 {
		t.Errorf("unknown camera: exit %d", code)
	}

	// klipp index --activity scans ahead, into another index.
	data := filepath.Join(t.TempDir(), "data")
	code, out, errs := klipp(t, "--config", conf, "--data-dir", data, "--json", "index", "--activity")
	var idx struct {
		Activity []app.ActivityScan `json:"activity"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &idx) != nil || len(idx.Activity) != 1 || idx.Activity[0].Scanned != 1 {
		t.Fatalf("index --activity: %d %s %s", code, out, errs)
	}
	if pre := activityJSON(t, append(span, "--data-dir", data)...); pre.Scan.Scanned != 0 || len(pre.Periods) != 2 {
		t.Errorf("after index --activity: %+v", pre.Scan)
	}
}

// On the demo site, with its nuisance (dusk, an exposure step, a failing
// lamp, noise, the recorder's time stamp and frame code), the suspect's
// presence in each camera is found: the periods cover at least 95 % of the
// ground truth's seconds, and at most 10 % of their seconds are outside it.
func TestActivityFindsTheSuspectOnTheDemoSite(t *testing.T) {
	t.Parallel() // see TestMain
	_, conf, gt := indexedSite(t)
	span := func(a, b time.Time) time.Duration {
		if b.After(a) {
			return b.Sub(a)
		}
		return 0
	}
	var truth, found, overlap time.Duration
	for cam := range gt.Cameras {
		res := activityJSON(t, "--config", conf, "--camera", cam, "--from", gt.Start.Format(time.RFC3339), "--to", gt.End.Format(time.RFC3339))
		var camTruth, camOverlap, camFound time.Duration
		for _, v := range gt.Suspect.Visits {
			if v.Camera != cam || !v.Enter.Before(gt.End) {
				continue
			}
			leave := v.Leave
			if leave.After(gt.End) {
				leave = gt.End
			}
			camTruth += leave.Sub(v.Enter)
			for _, p := range res.Periods {
				lo, hi := p.Start, p.End
				if v.Enter.After(lo) {
					lo = v.Enter
				}
				if leave.Before(hi) {
					hi = leave
				}
				camOverlap += span(lo, hi)
			}
		}
		for _, p := range res.Periods {
			camFound += p.End.Sub(p.Start)
		}
		t.Logf("%s: truth %v, found %v in %d period(s), overlap %v", cam, camTruth, camFound, len(res.Periods), camOverlap)
		if camTruth > 0 && camOverlap < camTruth*9/10 {
			t.Errorf("%s: %v of %v found", cam, camOverlap, camTruth)
		}
		truth, found, overlap = truth+camTruth, found+camFound, overlap+camOverlap
	}
	cover, outside := float64(overlap)/float64(truth), float64(found-overlap)/float64(found)
	t.Logf("all cameras: %.1f %% of the suspect's %v found; %.1f %% of %v found outside it", cover*100, truth, outside*100, found)
	if cover < 0.95 || outside > 0.10 {
		t.Errorf("coverage %.1f %% (want ≥ 95), outside %.1f %% (want ≤ 10)", cover*100, outside*100)
	}
}

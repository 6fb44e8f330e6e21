package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klipp-forensics/klipp/internal/catalog"
)

// A clock read off the picture: the measurement lands in cameras.yaml
// (the hand-written text and its comments kept) with who, how and its
// resolution, in the store's copy (cameras show) and in the audit log; a
// second, read off a reference clock, uses the model the first made; a
// reading klipp cannot parse changes nothing.
func TestCamerasClockAdd(t *testing.T) {
	dir, conf := catalogSite(t)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	if code, _, errs := k("cameras", "show", "stortorget"); code != 0 { // the store's copy made before
		t.Fatal(errs)
	}
	code, out, errs := k("--json", "cameras", "clock", "add", "stortorget", "--frame", "2026-11-20 22:14:05", "--shows", "2026-11-20 22:14:07", "--note", "OSD top left")
	if code != 0 {
		t.Fatalf("clock add: %d %s", code, errs)
	}
	var res struct {
		Offset     float64  `json:"offset_s"`
		Before     *float64 `json:"offset_before_s"`
		Resolution float64  `json:"resolution_s"`
		How, By    string
	}
	json.Unmarshal([]byte(out), &res)
	if res.Offset != 2 || res.Resolution != 0.5 || res.Before != nil || res.How != "on-screen clock" || res.By != "test" {
		t.Fatalf("measurement: %s", out)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "cameras.yaml"))
	want := catalog.BenchYAML + `    clock:
      - at: "2026-11-20T22:14:05+01:00"
        offset: +2s
        resolution: 0.5s
        shown: "2026-11-20 22:14:07"
        how: on-screen clock
        by: test
`
	if !strings.HasPrefix(string(data), want) || !strings.Contains(string(data), "note: OSD top left") {
		t.Fatalf("cameras.yaml:\n%s\nwant it to start:\n%s", data, want)
	}

	// A reference clock filmed 10 minutes later shows 22:24:04.5 at the
	// frame now placed at 22:24:05: the camera clock read 22:24:07 then.
	code, out, errs = k("--json", "cameras", "clock", "add", "stortorget", "--frame", "2026-11-20 22:24:05", "--shows", "2026-11-20 22:24:04.5", "--reference")
	if code != 0 {
		t.Fatalf("clock add --reference: %d %s", code, errs)
	}
	res = struct {
		Offset     float64  `json:"offset_s"`
		Before     *float64 `json:"offset_before_s"`
		Resolution float64  `json:"resolution_s"`
		How, By    string
	}{}
	json.Unmarshal([]byte(out), &res)
	if res.Offset != 2.5 || res.Before == nil || *res.Before != 2 || res.Resolution != 0.05 || res.How != "reference clock" {
		t.Fatalf("reference measurement: %s", out)
	}
	code, out, _ = k("--json", "cameras", "show", "stortorget")
	var cam struct {
		Clock []struct {
			Offset float64 `json:"offset_s"`
		} `json:"clock"`
	}
	json.Unmarshal([]byte(out), &cam)
	if code != 0 || len(cam.Clock) != 2 || cam.Clock[1].Offset != 2.5 {
		t.Fatalf("cameras show: %s", out)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "data", "audit.jsonl"))
	if n := strings.Count(string(log), `"action":"cameras.clock"`); n != 2 {
		t.Fatalf("%d cameras.clock audit entries:\n%s", n, log)
	}

	before, _ := os.ReadFile(filepath.Join(dir, "cameras.yaml"))
	code, _, errs = k("cameras", "clock", "add", "stortorget", "--frame", "2026-11-20 22:30", "--shows", "half past ten")
	if code != 2 || !strings.Contains(errs, "shows") {
		t.Errorf("unreadable --shows: exit %d, %s", code, errs)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "cameras.yaml")); string(after) != string(before) {
		t.Error("a refused measurement changed cameras.yaml")
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const uncertaintyCatalog = `cameras:
  - id: shop
    name: Shop
    owner: business
    location: {lat: 55.6, lon: 13.0}
    clock:
      - {at: "2026-11-20 22:00", offset: +3s}
  - id: bank
    name: Bank
    owner: business
    location: {lat: 55.7, lon: 13.1}
    fps: 10
    clock:
      - {at: "2026-11-20 22:00", offset: -1s, resolution: 0.1s}
  - id: kiosk
    name: Kiosk
    owner: business
    location: {lat: 55.8, lon: 13.2}
`

// Every entry's true time carries the clock model's ± (resolution, a
// frame, clock.drift_bound times the distance from the measurement), an
// unverified clock none; entries on different cameras whose intervals
// overlap are flagged, in timeline list and its --json.
func TestTimelineUncertainty(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("timezone: Europe/Stockholm\ndata_dir: "+filepath.Join(dir, "data")+"\ncatalog: cameras.yaml\nanalyst: test\nclock:\n  drift_bound: 24s/day\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte(uncertaintyCatalog), 0o644)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	number := "K-UNC-1"
	if code, _, errs := k("case", "new", "--number", number, "--title", "Ordning", "--from", "2026-11-20 21:00", "--to", "2026-11-20 23:30"); code != 0 {
		t.Fatal(errs)
	}
	for _, e := range [][2]string{
		{"shop", "2026-11-20 22:00:00"},   // 1: ±0.54 s
		{"bank", "2026-11-20 22:00:00.6"}, // 2: ±0.2 s (and 0.6 s of drift bound, rounded up to the ms), overlaps 1
		{"bank", "2026-11-20 22:00:05"},   // 3: clear of 1
		{"shop", "2026-11-20 23:00:00"},   // 4: an hour on, 1 s of drift: ±1.54 s
		{"kiosk", "2026-11-20 23:10:00"},  // 5: no bound
	} {
		if code, _, errs := k("timeline", "add", number, "--camera", e[0], "--at", e[1], "--text", e[0]); code != 0 {
			t.Fatal(errs)
		}
	}
	code, out, errs := k("--json", "timeline", "list", number)
	var entries []struct {
		Number      int      `json:"number"`
		Uncertainty *float64 `json:"uncertainty_s"`
		Order       []int    `json:"order_uncertain_with"`
	}
	if err := json.Unmarshal([]byte(out), &entries); err != nil || code != 0 || len(entries) != 5 {
		t.Fatalf("list: %v %s %s", err, out, errs)
	}
	want := []struct {
		u     float64
		order string
	}{{0.54, "2,5"}, {0.201, "1,5"}, {0.202, "5"}, {1.54, "5"}, {-1, "1,2,3,4"}}
	for i, w := range want {
		e := entries[i]
		got := -1.0
		if e.Uncertainty != nil {
			got = *e.Uncertainty
		}
		order, _ := json.Marshal(e.Order)
		if got != w.u || strings.Trim(string(order), "[]") != w.order {
			t.Errorf("entry %d: ±%v, order uncertain with %s; want ±%v, %s", e.Number, got, order, w.u, w.order)
		}
	}
	code, out, _ = k("timeline", "list", number)
	for _, want := range []string{"±0.6s", "uncertain vs 2,5", "±1.6s", "no bound", "uncertain vs 1,2,3,4"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("timeline list lacks %q:\n%s", want, out)
		}
	}
}

package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const clockCatalog = `# Malmö, the Södergatan case
cameras:
  # the shop
  - id: shop
    name: Shop
    owner: business
    location: {lat: 55.6, lon: 13.0}
    clock:
      - at: "2026-11-20 21:00"
        offset: +10s   # site visit
      # a second visit
      - at: "2026-11-20 21:02"
        offset: +14s

    timezone: Europe/Stockholm  # the DVR's
  - id: bank
    name: Bank
    owner: business
    location: {lat: 55.7, lon: 13.1}
    # no clock yet

# end
`

func TestAddClockKeepsTheFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cameras.yaml")
	if err := os.WriteFile(file, []byte(clockCatalog), 0o644); err != nil {
		t.Fatal(err)
	}
	m := EntryClock{At: "2026-11-20T22:14:05+01:00", Offset: "+2s", Resolution: "0.5s", Shown: "2026-11-20 22:14:07", How: "on-screen clock", By: "anna"}
	for _, id := range []string{"shop", "bank"} {
		if _, _, err := AddClock(file, id, m, time.UTC); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(file)
	item := func(pad string) string {
		return pad + `- at: "2026-11-20T22:14:05+01:00"
` + pad + `  offset: +2s
` + pad + `  resolution: 0.5s
` + pad + `  shown: "2026-11-20 22:14:07"
` + pad + `  how: on-screen clock
` + pad + `  by: anna
`
	}
	want := strings.Replace(clockCatalog, "        offset: +14s\n", "        offset: +14s\n"+item("      "), 1)
	want = strings.Replace(want, "    location: {lat: 55.7, lon: 13.1}\n", "    location: {lat: 55.7, lon: 13.1}\n    clock:\n"+item("      "), 1)
	if string(got) != want {
		t.Fatalf("catalog after two measurements:\n%s\nwant:\n%s", got, want)
	}
	cat, err := Load(file, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	shop, _ := cat.Camera("shop")
	ms := shop.Clock.Measurements()
	if len(ms) != 3 || ms[2].Offset != 2*time.Second || ms[2].Resolution != 500*time.Millisecond {
		t.Fatalf("shop's clock: %+v", ms)
	}
}

func TestAddClockFlowStyleAndRefusals(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cameras.yaml")
	src := "# flow\ncameras: [{id: a, name: A, owner: business, location: {lat: 55.6, lon: 13.0}, clock: [{at: \"2026-11-20 21:00\", offset: 3s}]}]\n"
	os.WriteFile(file, []byte(src), 0o644)
	if _, _, err := AddClock(file, "a", EntryClock{At: "2026-11-20 22:00", Offset: "4s"}, time.UTC); err != nil {
		t.Fatal(err)
	}
	cat, err := Load(file, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := cat.Camera("a")
	if n := len(a.Clock.Measurements()); n != 2 {
		t.Fatalf("%d measurements", n)
	}
	if got, _ := os.ReadFile(file); !strings.Contains(string(got), "# flow") {
		t.Errorf("comment lost:\n%s", got)
	}
	before, _ := os.ReadFile(file)
	if _, _, err := AddClock(file, "a", EntryClock{At: "2026-11-20 22:00", Offset: "fast"}, time.UTC); err == nil || !strings.Contains(err.Error(), "offset") {
		t.Errorf("a bad offset: %v", err)
	}
	if _, _, err := AddClock(file, "nope", EntryClock{At: "2026-11-20 22:00", Offset: "1s"}, time.UTC); err == nil {
		t.Error("an unknown camera was accepted")
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Error("a refused measurement changed the file")
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/store"
)

// catalogSite is a site whose catalog is catalog.BenchYAML, with no
// recordings.
func catalogSite(t *testing.T) (dir, conf string) {
	t.Helper()
	dir = t.TempDir()
	conf = filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("timezone: Europe/Stockholm\ndata_dir: "+filepath.Join(dir, "data")+"\ncatalog: cameras.yaml\nanalyst: test\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte(catalog.BenchYAML), 0o644)
	return dir, conf
}

type nearJSON struct {
	Camera struct {
		ID       string         `json:"id"`
		Name     string         `json:"name"`
		Location catalog.LatLon `json:"location"`
	} `json:"camera"`
	Distance float64 `json:"distance_m"`
	Inside   bool    `json:"inside_coverage"`
	Window   *struct{ From, To time.Time }
}

// A 5,000-camera GeoJSON imported through the CLI: show and near, answered
// from the store's copy of the catalog, give what the catalog read from
// the file gives; an edit of cameras.yaml is seen by the next command.
func TestCamerasLargeCatalog(t *testing.T) {
	t.Parallel() // see TestMain
	dir, conf := catalogSite(t)
	const n = 5000
	var gj bytes.Buffer
	if err := catalog.WriteTestGeoJSON(&gj, n, 7); err != nil {
		t.Fatal(err)
	}
	gjFile := filepath.Join(dir, "gen.geojson")
	os.WriteFile(gjFile, gj.Bytes(), 0o644)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	code, out, errs := k("cameras", "import", gjFile)
	if code != 0 || !strings.Contains(out, "added 5000 camera(s)") {
		t.Fatalf("import: %d %s %s", code, out[:min(len(out), 300)], errs)
	}
	catFile := filepath.Join(dir, "cameras.yaml")
	data, _ := os.ReadFile(catFile)
	if !bytes.HasPrefix(data, []byte(catalog.BenchYAML)) {
		t.Errorf("import changed the hand-written cameras and comments:\n%s", data[:len(catalog.BenchYAML)])
	}
	ref, err := catalog.Load(catFile, sthlmZone(t))
	if err != nil || len(ref.Cameras) != n+1 {
		t.Fatalf("catalog file: %v", err)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "data", "klipp.db"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.CatalogCameras(context.Background(), catFile)
	st.Close()
	if err != nil || len(rows) != n+1 {
		t.Fatalf("store holds %d cameras (%v), want %d", len(rows), err, n+1)
	}

	for _, id := range []string{"stortorget", catalog.TestCameraID(0), catalog.TestCameraID(7), catalog.TestCameraID(4999)} {
		code, out, errs := k("--json", "cameras", "show", id)
		want, _ := ref.Camera(id)
		var got struct {
			ID, Name, Timezone, Retention, Pattern string
			Location                               catalog.LatLon
			Coverage                               []catalog.LatLon
			Recordings                             struct{ Path string }
			Clock                                  []struct {
				Offset float64 `json:"offset_s"`
			}
		}
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
			t.Fatalf("show %s: %d %s %s", id, code, out, errs)
		}
		if got.ID != want.ID || got.Name != want.Name || got.Location != want.Location || len(got.Coverage) != len(want.Coverage) ||
			got.Recordings.Path != want.Recordings.Path || got.Timezone != want.Timezone.String() || len(got.Clock) != len(want.Clock.Measurements()) {
			t.Errorf("show %s = %+v, want %+v", id, got, want)
		}
	}
	queries := [][]string{
		{"59.3300,18.0600", "--within", "500m"},
		{"59.3251,18.0708", "--within", "1.5km", "--at", "2026-11-20 22:14:05", "--speed", "bike"},
		{catalog.TestCameraID(10), "--within", "800m"},
		{"59.21,17.86", "--within", "300m"},
	}
	for _, q := range queries {
		code, out, errs := k(append([]string{"--json", "cameras", "near"}, q...)...)
		var got []nearJSON
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
			t.Fatalf("near %v: %d %s", q, code, errs)
		}
		from, ok := catalog.ParseLatLon(q[0])
		if !ok {
			c, _ := ref.Camera(q[0])
			from = c.Location
		}
		within := map[string]float64{"500m": 500, "1.5km": 1500, "800m": 800, "300m": 300}[q[2]]
		want := ref.Near(catalog.NearQuery{From: from, Within: within})
		if len(got) != len(want) || len(want) == 0 && q[0] != "59.21,17.86" {
			t.Fatalf("near %v: %d cameras, want %d", q, len(got), len(want))
		}
		for i := range want {
			if got[i].Camera.ID != want[i].Camera.ID || math.Abs(got[i].Distance-want[i].Distance) > 1e-6 || got[i].Inside != want[i].Inside {
				t.Errorf("near %v [%d] = %+v, want %s %.3f", q, i, got[i], want[i].Camera.ID, want[i].Distance)
			}
			if (len(q) > 3) != (got[i].Window != nil) {
				t.Errorf("near %v [%d]: window %v", q, i, got[i].Window)
			}
		}
	}

	// An unknown id in a large catalog: exit 3, one short line.
	code, _, errs = k("cameras", "show", "no-such-camera")
	if code != 3 || len(errs) > 200 || strings.Count(errs, "\n") != 1 {
		t.Errorf("unknown camera: %d %q", code, errs)
	}
	// A hand edit of cameras.yaml is read by the next command.
	edited := strings.Replace(string(data), "    name: Stortorget   # by the fountain", "    name: Stortorget (moved)   # by the fountain", 1)
	os.WriteFile(catFile, []byte(edited), 0o644)
	if code, out, _ := k("cameras", "show", "stortorget"); code != 0 || !strings.Contains(out, "Stortorget (moved)") {
		t.Errorf("after edit: %d %s", code, out)
	}
	os.WriteFile(catFile, append([]byte(edited), "  - {id: hand-added, name: Hand, owner: kommun, location: {lat: 59.33, lon: 18.06}}\n"...), 0o644)
	if code, out, _ := k("--json", "cameras", "near", "59.3300,18.0600", "--within", "1m"); code != 0 || !strings.Contains(out, `"hand-added"`) {
		t.Errorf("near after adding a camera: %d %s", code, out)
	}
	// A broken edit is reported with its line, as before.
	os.WriteFile(catFile, append([]byte(edited), "  - {id: Bad Id, name: x, owner: kommun, location: {lat: 1, lon: 1}}\n"...), 0o644)
	if code, _, errs := k("cameras", "show", catalog.TestCameraID(1)); code != 2 || !strings.Contains(errs, "cameras.yaml: line ") || !strings.Contains(errs, `"Bad Id"`) {
		t.Errorf("broken catalog: %d %s", code, errs)
	}
}

func sthlmZone(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func rawControl(s string) bool {
	for _, r := range s {
		if r != '\n' && unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// Control characters: a camera id (in GeoJSON too) or a case number with
// one is refused; a name with them is kept but escaped on the terminal.
func TestCamerasControlCharacters(t *testing.T) {
	dir, conf := catalogSite(t)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	feature := func(id, name string) string {
		b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": []any{map[string]any{"type": "Feature",
			"geometry": map[string]any{"type": "Point", "coordinates": []float64{18.06, 59.33}}, "properties": map[string]any{"id": id, "name": name, "owner": "kommun"}}}})
		return string(b)
	}
	catFile := filepath.Join(dir, "cameras.yaml")
	for _, id := range []string{"bad\x07id", "bad\nid", "bad\x1b[31mid", "bad\u0085id"} {
		f := filepath.Join(dir, "bad.geojson")
		os.WriteFile(f, []byte(feature(id, "x")), 0o644)
		code, out, errs := k("cameras", "import", f)
		if code != 2 || rawControl(errs) || rawControl(out) || strings.Count(errs, "\n") != 1 {
			t.Errorf("id %q: exit %d, %q", id, code, errs)
		}
		if data, _ := os.ReadFile(catFile); string(data) != catalog.BenchYAML {
			t.Errorf("id %q: catalog changed", id)
		}
	}
	name := "Kamera \x1b[2J\x07röd\nrad"
	f := filepath.Join(dir, "ok.geojson")
	os.WriteFile(f, []byte(feature("ctl-name", name)), 0o644)
	if code, _, errs := k("cameras", "import", f); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	for _, args := range [][]string{{"cameras", "show", "ctl-name"}, {"cameras", "list"}, {"cameras", "near", "59.33,18.06", "--within", "10m"}} {
		code, out, _ := k(args...)
		if code != 0 || rawControl(out) || !strings.Contains(out, `Kamera \x1b[2J\aröd\nrad`) {
			t.Errorf("%v: raw control characters or name lost:\n%q", args, out)
		}
	}
	code, out, _ := k("--json", "cameras", "show", "ctl-name")
	var v struct{ Name string }
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.Name != name {
		t.Errorf("json name %q (%d)", v.Name, code)
	}
	for _, number := range []string{"5000-K1\x1b-26", "5000-K1\n-26", "5000-K1\x07"} {
		code, _, errs := k("case", "new", "--number", number, "--title", "T", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17")
		if code != 2 || rawControl(errs) {
			t.Errorf("case number %q: exit %d %q", number, code, errs)
		}
	}
}

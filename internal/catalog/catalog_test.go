package catalog

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
)

const twoCameras = `cameras:
  - id: sodergatan-2
    name: Södergatan 2
    owner: polisen
    location: {lat: 55.6036, lon: 13.0021}
    address: Södergatan / Gustav Adolfs torg, Malmö
    kind: fixed
    quality: recognition
    heading: 90
    coverage: [[55.6037, 13.0019], [55.6035, 13.0030], [55.6033, 13.0022]]
    timezone: Europe/Stockholm
    retention: 62d
    clock:
      - {at: "2026-11-01T10:00:00+01:00", offset: "+35s", note: "vs. reference clock"}
      - {at: "2026-11-21T10:00:00+01:00", offset: "+39s"}
    recordings:
      path: recordings/sodergatan-2
      pattern: "%Y-%m-%d/%H-%M-%S.mp4"
  - id: malmo-c-spar-4
    name: Malmö C spår 4
    owner: trafikverket
    location: {lat: 55.6093, lon: 13.0005}
`

func sthlm(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseValid(t *testing.T) {
	c, err := Parse("/site/cameras.yaml", []byte(twoCameras), sthlm(t))
	if err != nil {
		t.Fatal(err)
	}
	cam, err := c.Camera("sodergatan-2")
	if err != nil {
		t.Fatal(err)
	}
	if cam.Name != "Södergatan 2" || cam.Retention != 62*24*time.Hour || cam.RetentionDefaulted {
		t.Errorf("camera = %+v", cam)
	}
	if cam.Recordings.Path != "/site/recordings/sodergatan-2" || cam.Recordings.Pattern.String() != "%Y-%m-%d/%H-%M-%S.mp4" {
		t.Errorf("recordings = %+v", cam.Recordings)
	}
	mid := time.Date(2026, 11, 11, 9, 0, 0, 0, time.UTC)
	if got := cam.Clock.At(mid); got != 37*time.Second {
		t.Errorf("offset at midpoint = %v, want 37s", got)
	}
	tv, _ := c.Camera("malmo-c-spar-4")
	if tv.Retention != 30*24*time.Hour || !tv.RetentionDefaulted || tv.Clock.Verified() || tv.Kind != "fixed" {
		t.Errorf("defaults = %+v", tv)
	}
	if _, err := c.Camera("nope"); fault.KindOf(err) != fault.NotFound || !strings.Contains(err.Error(), "known: malmo-c-spar-4, sodergatan-2") {
		t.Errorf("unknown camera: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, edit, want string
	}{
		{"duplicate id", strings.Replace(twoCameras, "id: malmo-c-spar-4", "id: sodergatan-2", 1), `line 19: duplicate camera id "sodergatan-2" (first at line 2)`},
		{"unknown zone", strings.Replace(twoCameras, "timezone: Europe/Stockholm", "timezone: Europe/Malmo", 1), `line 2: camera sodergatan-2: unknown timezone "Europe/Malmo"`},
		{"no time token", strings.Replace(twoCameras, `"%Y-%m-%d/%H-%M-%S.mp4"`, `"clip.mp4"`, 1), "has no time"},
		{"bad owner", strings.Replace(twoCameras, "owner: trafikverket", "owner: nasa", 1), `owner "nasa" is not one of`},
		{"bad lat", strings.Replace(twoCameras, "lat: 55.6093", "lat: 155.6", 1), "outside latitude"},
		{"bad id", strings.Replace(twoCameras, "id: malmo-c-spar-4", "id: Malmö C", 1), "must be lower-case"},
		{"unknown key", strings.Replace(twoCameras, "kind: fixed", "knd: fixed", 1), `unknown key "knd" (line 7)`},
		{"unknown top key", "camras: []\n", "field camras not found"},
		{"malformed", "cameras:\n  - id: [\n", "line"},
		{"bad offset", strings.Replace(twoCameras, `offset: "+39s"`, `offset: "a bit"`, 1), "clock[1].offset"},
		{"ambiguous measurement", strings.Replace(twoCameras, `"2026-11-21T10:00:00+01:00"`, `"2026-10-25 02:30"`, 1), "ambiguous"},
		{"bad retention", strings.Replace(twoCameras, "retention: 62d", "retention: forever", 1), "retention"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("cameras.yaml", []byte(c.edit), sthlm(t))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want one containing %q", err, c.want)
			}
			if fault.KindOf(err) != fault.Usage {
				t.Errorf("kind = %v", fault.KindOf(err))
			}
		})
	}
}

func TestDistanceAndNear(t *testing.T) {
	c, err := Parse("cameras.yaml", []byte(twoCameras), sthlm(t))
	if err != nil {
		t.Fatal(err)
	}
	// Malmö C spår 4 to Södergatan 2: 0.0057° of latitude north and a little west.
	d := Distance(LatLon{55.6036, 13.0021}, LatLon{55.6093, 13.0005})
	if math.Abs(d-640) > 10 {
		t.Errorf("distance = %.1f m, want about 640", d)
	}
	// One degree of latitude is 111.2 km on the mean sphere.
	if d := Distance(LatLon{55, 13}, LatLon{56, 13}); math.Abs(d-111195) > 5 {
		t.Errorf("1 degree = %.0f", d)
	}
	scene := LatLon{55.6035, 13.0023} // inside Södergatan 2's coverage triangle
	at := time.Date(2026, 11, 20, 21, 14, 0, 0, time.UTC)
	got := c.Near(NearQuery{From: scene, At: at, Speed: Speeds["walk"]})
	if len(got) != 2 || got[0].Camera.ID != "sodergatan-2" || !got[0].Inside || got[1].Inside {
		t.Fatalf("near = %+v", got)
	}
	// 7 km/h over d metres is the earliest, 1.4·d at 3 km/h the latest.
	d1 := got[1].Distance
	wantFrom := at.Add(time.Duration(d1 / (7 / 3.6) * float64(time.Second))).Round(time.Second)
	wantTo := at.Add(time.Duration(1.4 * d1 / (3 / 3.6) * float64(time.Second))).Round(time.Second)
	if !got[1].Window.From.Equal(wantFrom) || !got[1].Window.To.Equal(wantTo) {
		t.Errorf("window = %v..%v, want %v..%v", got[1].Window.From, got[1].Window.To, wantFrom, wantTo)
	}
	if within := c.Near(NearQuery{From: scene, Within: 300}); len(within) != 1 {
		t.Errorf("within 300 m = %d cameras", len(within))
	}
}

func TestImportGeoJSON(t *testing.T) {
	dir := t.TempDir()
	catFile := filepath.Join(dir, "cameras.yaml")
	if err := os.WriteFile(catFile, []byte("# our cameras\n"+twoCameras), 0o644); err != nil {
		t.Fatal(err)
	}
	gj := `{"type":"FeatureCollection","features":[
 {"type":"Feature","geometry":{"type":"Point","coordinates":[13.0003,55.6043]},
  "properties":{"id":"lilla-torg","name":"Lilla Torg","owner":"kommun","retention":"30d","quality":"observation"}},
 {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[13.0000,55.6045],[13.0008,55.6045],[13.0004,55.6040],[13.0000,55.6045]]]},
  "properties":{"camera":"lilla-torg"}}]}`
	gjFile := filepath.Join(dir, "extra.geojson")
	os.WriteFile(gjFile, []byte(gj), 0o644)
	_, _, ids, err := Import(catFile, gjFile, sthlm(t))
	if err != nil || len(ids) != 1 || ids[0] != "lilla-torg" {
		t.Fatalf("Import = %v, %v", ids, err)
	}
	c, err := Load(catFile, sthlm(t))
	if err != nil {
		t.Fatal(err)
	}
	cam, err := c.Camera("lilla-torg")
	if err != nil {
		t.Fatal(err)
	}
	if cam.Location != (LatLon{55.6043, 13.0003}) || len(cam.Coverage) != 3 || cam.Coverage[0] != (LatLon{55.6045, 13.0000}) {
		t.Errorf("imported %+v", cam)
	}
	if !Inside(LatLon{55.6043, 13.0004}, cam.Coverage) {
		t.Error("point should be inside the imported coverage")
	}
	data, _ := os.ReadFile(catFile)
	if !strings.Contains(string(data), "# our cameras") || len(c.Cameras) != 3 {
		t.Errorf("import lost existing content:\n%s", data)
	}
	// Importing the same camera again is a duplicate and leaves the file as it was.
	if _, _, _, err := Import(catFile, gjFile, sthlm(t)); err == nil || !strings.Contains(err.Error(), "duplicate camera id") {
		t.Errorf("second import: %v", err)
	}
	if again, _ := os.ReadFile(catFile); string(again) != string(data) {
		t.Error("failed import changed the catalog")
	}
}

func TestFormatDistance(t *testing.T) {
	for m, want := range map[float64]string{20: "20 m", 1234: "1.23 km", 99_994: "99.99 km", 5_979_710: "5980 km"} {
		if got := FormatDistance(m); got != want {
			t.Errorf("%v m: %q, want %q", m, got, want)
		}
	}
}

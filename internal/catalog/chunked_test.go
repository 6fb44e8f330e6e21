package catalog

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// importGenerated imports n generated cameras into BenchYAML in dir.
func importGenerated(t *testing.T, dir string, n int) (string, []byte) {
	t.Helper()
	catFile := filepath.Join(dir, "cameras.yaml")
	if err := os.WriteFile(catFile, []byte(BenchYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	var gj bytes.Buffer
	if err := WriteTestGeoJSON(&gj, n, 1); err != nil {
		t.Fatal(err)
	}
	gjFile := filepath.Join(dir, "gen.geojson")
	os.WriteFile(gjFile, gj.Bytes(), 0o644)
	cat, data, ids, err := Import(catFile, gjFile, sthlm(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != n || len(cat.Cameras) != n+1 {
		t.Fatalf("imported %d, catalog has %d", len(ids), len(cat.Cameras))
	}
	if !bytes.HasPrefix(data, []byte(BenchYAML)) {
		t.Errorf("import changed the hand-written part:\n%s", data[:len(BenchYAML)])
	}
	return catFile, data
}

// A large catalog read camera by camera gives what the whole-document
// reader gives: the same cameras, lines and messages.
func TestChunkedParseMatchesWhole(t *testing.T) {
	catFile, data := importGenerated(t, t.TempDir(), 3000)
	if len(data) < chunkedFrom {
		t.Fatalf("catalog of %d bytes is read whole", len(data))
	}
	if _, ok := scanLayout(data); !ok {
		t.Fatal("layout of an imported catalog not understood")
	}
	whole, err := parseWhole(catFile, data, sthlm(t))
	if err != nil {
		t.Fatal(err)
	}
	chunked, ok, err := parseChunked(catFile, data, sthlm(t))
	if !ok || err != nil {
		t.Fatalf("chunked: %v %v", ok, err)
	}
	if !reflect.DeepEqual(whole.Cameras, chunked.Cameras) {
		for i := range whole.Cameras {
			if !reflect.DeepEqual(whole.Cameras[i], chunked.Cameras[i]) {
				t.Fatalf("camera %d: whole %+v, chunked %+v", i, whole.Cameras[i], chunked.Cameras[i])
			}
		}
		t.Fatal("catalogs differ")
	}
	cam, _ := chunked.Camera(TestCameraID(2100))
	if !strings.HasPrefix(strings.Split(string(data), "\n")[cam.Line-1], "  - id: "+TestCameraID(2100)) {
		t.Errorf("line %d is not the camera's", cam.Line)
	}
	// Errors: the same message, with the file's line numbers.
	for _, bad := range []struct{ old, new string }{
		{"  - id: " + TestCameraID(1500) + "\n", "  - id: " + TestCameraID(1500) + "\n    colour: red\n"},
		{"  - id: " + TestCameraID(1600) + "\n", "  - id: " + TestCameraID(1200) + "\n"},
		{"  - id: " + TestCameraID(1700) + "\n", "  - id: Bad\\u0007Id\n"},
		{"  - id: " + TestCameraID(1800) + "\n", "  - id: " + TestCameraID(1800) + "\n    heading: [1\n"},
		{"  - id: " + TestCameraID(1900) + "\n", "  - id: " + TestCameraID(1900) + "\n    name: *nowhere\n"},
	} {
		broken := []byte(strings.Replace(string(data), bad.old, bad.new, 1))
		_, werr := parseWhole(catFile, broken, sthlm(t))
		_, cerr := Parse(catFile, broken, sthlm(t))
		if werr == nil || cerr == nil || werr.Error() != cerr.Error() {
			t.Errorf("%q: whole %v\nchunked %v", bad.new, werr, cerr)
		}
	}
}

package catalog

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
)

// BenchYAML is a small hand-written catalog (with comments) that tests and
// the benchmark import generated cameras into.
const BenchYAML = `# Hand-written cameras; imports add to this list and keep these comments.
cameras:
  # the square
  - id: stortorget
    name: Stortorget   # by the fountain
    owner: kommun
    location: {lat: 59.3251, lon: 18.0708}
    quality: recognition
    timezone: Europe/Stockholm
`

// TestCameraID is the id of the i-th camera WriteTestGeoJSON writes.
func TestCameraID(i int) string { return fmt.Sprintf("gen-%06d", i) }

// WriteTestGeoJSON writes a FeatureCollection of n cameras spread over
// central Stockholm (about 28 × 23 km), with every field of cameras.yaml
// used by some of them and a coverage polygon for every tenth. The same n
// and seed give the same file. For tests and make bench: no big file is
// committed.
func WriteTestGeoJSON(w io.Writer, n int, seed int64) error {
	r := rand.New(rand.NewSource(seed))
	owners := []string{"polisen", "trafikverket", "kommun", "business"}
	if _, err := io.WriteString(w, `{"type": "FeatureCollection", "features": [`+"\n"); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	for i := 0; i < n; i++ {
		lat := 59.20 + r.Float64()*0.25
		lon := 17.85 + r.Float64()*0.40
		props := map[string]any{
			"id":      TestCameraID(i),
			"name":    fmt.Sprintf("Kamera %d, Götgatan %d", i, r.Intn(200)),
			"owner":   owners[i%len(owners)],
			"address": fmt.Sprintf("Götgatan %d, Stockholm", r.Intn(200)),
			"quality": Qualities[i%len(Qualities)],
		}
		if i%3 == 0 {
			props["heading"] = float64(r.Intn(360))
			props["kind"] = "ptz"
		}
		if i%4 == 0 {
			props["timezone"] = "Europe/Stockholm"
			props["retention"] = "62d"
		}
		if i%7 == 0 {
			props["clock"] = []map[string]string{{"at": "2026-11-01T10:00:00+01:00", "offset": "+35s", "note": "vs. reference clock"}}
			props["recordings"] = map[string]string{"path": "recordings/" + TestCameraID(i), "pattern": "%Y-%m-%d/%H-%M-%S.mp4"}
		}
		sep := ","
		if i == 0 {
			sep = ""
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		if err := enc.Encode(map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Point", "coordinates": []float64{lon, lat}}, "properties": props}); err != nil {
			return err
		}
		if i%10 == 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
			ring := [][]float64{{lon, lat}, {lon + 0.0004, lat + 0.0002}, {lon + 0.0003, lat - 0.0003}, {lon, lat}}
			if err := enc.Encode(map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}},
				"properties": map[string]any{"camera": TestCameraID(i)}}); err != nil {
				return err
			}
		}
	}
	_, err := io.WriteString(w, "]}\n")
	return err
}

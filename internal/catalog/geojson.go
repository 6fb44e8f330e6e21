package catalog

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/fault"
)

type geoFeature struct {
	Type     string `json:"type"`
	Geometry struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// ParseGeoJSON turns a FeatureCollection into catalog YAML nodes: each Point
// feature is a camera whose properties are the camera fields of
// cameras.yaml; a Polygon feature whose "camera" (or "id") property names a
// camera gives that camera's coverage. GeoJSON positions are [lon, lat].
func ParseGeoJSON(name string, data []byte) ([]map[string]any, error) {
	var fc struct {
		Type     string       `json:"type"`
		Features []geoFeature `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fault.Usagef("%s: not GeoJSON: %v", name, err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fault.Usagef("%s: want a GeoJSON FeatureCollection, got type %q", name, fc.Type)
	}
	var cams []map[string]any
	byID := map[string]map[string]any{}
	coverage := map[string][][2]float64{}
	for i, f := range fc.Features {
		switch f.Geometry.Type {
		case "Point":
			var pos []float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &pos); err != nil || len(pos) < 2 {
				return nil, fault.Usagef("%s: feature %d: a Point needs [lon, lat]", name, i)
			}
			cam := map[string]any{}
			for k, v := range f.Properties {
				cam[k] = v
			}
			cam["location"] = map[string]any{"lat": pos[1], "lon": pos[0]}
			id, _ := cam["id"].(string)
			if id == "" {
				return nil, fault.Usagef("%s: feature %d: property \"id\" is missing", name, i)
			}
			byID[id] = cam
			cams = append(cams, cam)
		case "Polygon":
			var rings [][][]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &rings); err != nil || len(rings) == 0 {
				return nil, fault.Usagef("%s: feature %d: a Polygon needs rings of [lon, lat]", name, i)
			}
			id, _ := f.Properties["camera"].(string)
			if id == "" {
				id, _ = f.Properties["id"].(string)
			}
			ring := rings[0]
			if len(ring) > 1 && ring[0][0] == ring[len(ring)-1][0] && ring[0][1] == ring[len(ring)-1][1] {
				ring = ring[:len(ring)-1] // GeoJSON closes rings; cameras.yaml does not
			}
			var pts [][2]float64
			for _, p := range ring {
				if len(p) < 2 {
					return nil, fault.Usagef("%s: feature %d: position needs [lon, lat]", name, i)
				}
				pts = append(pts, [2]float64{p[1], p[0]})
			}
			coverage[id] = pts
		default:
			return nil, fault.Usagef("%s: feature %d: geometry %q is not supported (Point cameras, Polygon coverage)", name, i, f.Geometry.Type)
		}
	}
	for id, pts := range coverage {
		cam, ok := byID[id]
		if !ok {
			return nil, fault.Usagef("%s: coverage polygon for unknown camera %q", name, id)
		}
		cam["coverage"] = pts
	}
	return cams, nil
}

// Import adds the cameras of a GeoJSON file to the catalog file, keeping
// what the file already holds (comments included). Every camera is
// validated as part of the resulting catalog before the file is replaced.
func Import(catalogFile, geojsonFile string, defaultZone *time.Location) ([]string, error) {
	data, err := os.ReadFile(geojsonFile)
	if err != nil {
		return nil, fault.Usagef("import: %w", err)
	}
	cams, err := ParseGeoJSON(geojsonFile, data)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if existing, err := os.ReadFile(catalogFile); err == nil {
		if err := yaml.Unmarshal(existing, &doc); err != nil {
			return nil, fault.Usagef("%s: %v", catalogFile, err)
		}
	} else if !os.IsNotExist(err) {
		return nil, fault.Usagef("import: %w", err)
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	root := doc.Content[0]
	var seq *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "cameras" {
			seq = root.Content[i+1]
		}
	}
	if seq == nil {
		seq = &yaml.Node{Kind: yaml.SequenceNode}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "cameras"}, seq)
	}
	var ids []string
	for _, cam := range cams {
		var n yaml.Node
		if err := n.Encode(cam); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		seq.Content = append(seq.Content, &n)
		ids = append(ids, cam["id"].(string))
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if _, err := Parse(catalogFile, out, defaultZone); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(catalogFile, out); err != nil {
		return nil, fault.Usagef("import: %v", err)
	}
	return ids, nil
}

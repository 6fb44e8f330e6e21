package catalog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	Properties json.RawMessage `json:"properties"`
}

// ReadGeoJSON reads a FeatureCollection, feature by feature: each Point
// feature is a camera whose properties are the camera fields of
// cameras.yaml (an unknown property is an error); a Polygon feature whose
// "camera" (or "id") property names a camera gives that camera's
// coverage. GeoJSON positions are [lon, lat]. The cameras are not
// validated yet (see Import).
func ReadGeoJSON(name string, r io.Reader) ([]Entry, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	notGeo := func(err error) error { return fault.Usagef("%s: not GeoJSON: %v", name, err) }
	if t, err := dec.Token(); err != nil {
		return nil, notGeo(err)
	} else if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, fault.Usagef("%s: not GeoJSON: want an object, got %v", name, t)
	}
	var typ string
	var cams []Entry
	byID := map[string]int{}
	type cover struct {
		feature int
		pts     [][2]float64
	}
	coverage := map[string]cover{}
	var order []string
	n := 0
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, notGeo(err)
		}
		switch t {
		case "type":
			if err := dec.Decode(&typ); err != nil {
				return nil, notGeo(err)
			}
		case "features":
			if t, err := dec.Token(); err != nil {
				return nil, notGeo(err)
			} else if d, ok := t.(json.Delim); !ok || d != '[' {
				return nil, fault.Usagef("%s: not GeoJSON: features must be an array", name)
			}
			for dec.More() {
				i := n
				n++
				var f geoFeature
				if err := dec.Decode(&f); err != nil {
					return nil, notGeo(err)
				}
				switch f.Geometry.Type {
				case "Point":
					var pos []float64
					if err := json.Unmarshal(f.Geometry.Coordinates, &pos); err != nil || len(pos) < 2 {
						return nil, fault.Usagef("%s: feature %d: a Point needs [lon, lat]", name, i)
					}
					var e Entry
					if len(f.Properties) > 0 && string(f.Properties) != "null" {
						pd := json.NewDecoder(bytes.NewReader(f.Properties))
						pd.DisallowUnknownFields()
						if err := pd.Decode(&e); err != nil {
							return nil, fault.Usagef("%s: feature %d: properties: %s", name, i, strings.TrimPrefix(err.Error(), "json: "))
						}
					}
					if e.ID == "" {
						return nil, fault.Usagef("%s: feature %d: property \"id\" is missing", name, i)
					}
					e.Location = &LatLon{Lat: pos[1], Lon: pos[0]}
					if prev, dup := byID[e.ID]; dup {
						return nil, fault.Usagef("%s: feature %d: camera %q is also feature %d", name, i, e.ID, prev)
					}
					byID[e.ID] = len(cams)
					cams = append(cams, e)
				case "Polygon":
					var rings [][][]float64
					if err := json.Unmarshal(f.Geometry.Coordinates, &rings); err != nil || len(rings) == 0 {
						return nil, fault.Usagef("%s: feature %d: a Polygon needs rings of [lon, lat]", name, i)
					}
					var props struct {
						Camera string `json:"camera"`
						ID     string `json:"id"`
					}
					_ = json.Unmarshal(f.Properties, &props)
					id := props.Camera
					if id == "" {
						id = props.ID
					}
					ring := rings[0]
					if len(ring) > 1 && len(ring[0]) >= 2 && len(ring[len(ring)-1]) >= 2 &&
						ring[0][0] == ring[len(ring)-1][0] && ring[0][1] == ring[len(ring)-1][1] {
						ring = ring[:len(ring)-1] // GeoJSON closes rings; cameras.yaml does not
					}
					var pts [][2]float64
					for _, p := range ring {
						if len(p) < 2 {
							return nil, fault.Usagef("%s: feature %d: position needs [lon, lat]", name, i)
						}
						pts = append(pts, [2]float64{p[1], p[0]})
					}
					if _, seen := coverage[id]; !seen {
						order = append(order, id)
					}
					coverage[id] = cover{i, pts}
				default:
					return nil, fault.Usagef("%s: feature %d: geometry %q is not supported (Point cameras, Polygon coverage)", name, i, f.Geometry.Type)
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, notGeo(err)
			}
		default:
			var skip json.RawMessage // bbox, crs, name, …
			if err := dec.Decode(&skip); err != nil {
				return nil, notGeo(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, notGeo(err)
	}
	if typ != "FeatureCollection" {
		return nil, fault.Usagef("%s: want a GeoJSON FeatureCollection, got type %q", name, typ)
	}
	for _, id := range order {
		c := coverage[id]
		at, ok := byID[id]
		if !ok {
			return nil, fault.Usagef("%s: feature %d: coverage polygon for unknown camera %q", name, c.feature, id)
		}
		cams[at].Coverage = c.pts
	}
	return cams, nil
}

// Import adds the cameras of a GeoJSON file to the catalog file, keeping
// what the file already holds byte for byte (comments included): the new
// cameras are written after the last one. Every camera is validated, and
// the resulting file read back as a catalog, before the file is replaced.
// It returns the catalog as written, its bytes and the ids added.
func Import(catalogFile, geojsonFile string, defaultZone *time.Location) (*Catalog, []byte, []string, error) {
	f, err := os.Open(geojsonFile)
	if err != nil {
		return nil, nil, nil, fault.Usagef("import: %w", err)
	}
	entries, err := ReadGeoJSON(geojsonFile, f)
	f.Close()
	if err != nil {
		return nil, nil, nil, err
	}
	existing, err := os.ReadFile(catalogFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil, fault.Usagef("import: %w", err)
	}
	old := &Catalog{File: catalogFile, byID: map[string]*Camera{}}
	if len(bytes.TrimSpace(existing)) > 0 {
		if old, err = Parse(catalogFile, existing, defaultZone); err != nil {
			return nil, nil, nil, err
		}
	}
	base := filepath.Dir(catalogFile)
	ids := make([]string, len(entries))
	for i, e := range entries {
		if prev, dup := old.byID[e.ID]; dup {
			return nil, nil, nil, fault.Usagef("%s: duplicate camera id %q: already in %s at line %d", geojsonFile, e.ID, catalogFile, prev.Line)
		}
		if _, err := FromEntry(e, base, defaultZone); err != nil {
			return nil, nil, nil, fault.Usagef("%s: camera %s: %v", geojsonFile, idText(e.ID), err)
		}
		ids[i] = e.ID
	}
	out, err := appendCameras(existing, entries)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("import: %w", err)
	}
	cat, err := Parse(catalogFile, out, defaultZone)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := atomicfile.Write(catalogFile, out); err != nil {
		return nil, nil, nil, fault.Usagef("import: %v", err)
	}
	return cat, out, ids, nil
}

// appendCameras is the catalog text with entries added after its last
// camera; the text before is kept as it is. A catalog whose layout
// scanLayout does not read (a flow sequence, other keys) is re-encoded
// from its YAML nodes, which keeps its comments too.
func appendCameras(existing []byte, entries []Entry) ([]byte, error) {
	lay, ok := scanLayout(existing)
	if !ok {
		return appendNodes(existing, entries)
	}
	indent := lay.indent
	var b bytes.Buffer
	b.Grow(len(existing) + 300*len(entries))
	at := len(existing)
	if lay.hasKey {
		at = lay.end
	}
	b.Write(existing[:at])
	if at > 0 && existing[at-1] != '\n' {
		b.WriteByte('\n')
	}
	if !lay.hasKey {
		b.WriteString("cameras:\n")
	}
	if indent < 0 {
		indent = 2
	}
	pad := strings.Repeat(" ", indent)
	var item bytes.Buffer
	for _, e := range entries {
		item.Reset()
		enc := yaml.NewEncoder(&item)
		enc.SetIndent(2)
		if err := enc.Encode(e); err != nil {
			return nil, err
		}
		enc.Close()
		for i, line := range strings.SplitAfter(item.String(), "\n") {
			if line == "" {
				continue
			}
			if i == 0 {
				b.WriteString(pad + "- ")
			} else {
				b.WriteString(pad + "  ")
			}
			b.WriteString(line)
		}
	}
	b.Write(existing[at:])
	return b.Bytes(), nil
}

// appendNodes adds entries to the catalog's YAML node tree and encodes it
// again (for catalogs in a layout scanLayout does not read; small ones).
func appendNodes(existing []byte, entries []Entry) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(existing, &doc); err != nil {
		return nil, err
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
	if seq.Kind != yaml.SequenceNode {
		seq.Kind, seq.Tag, seq.Value = yaml.SequenceNode, "", ""
	}
	seq.Style = 0 // a flow sequence [] becomes a block one
	for _, e := range entries {
		var n yaml.Node
		if err := n.Encode(e); err != nil {
			return nil, err
		}
		seq.Content = append(seq.Content, &n)
	}
	return yaml.Marshal(&doc)
}

// Package catalog holds the camera catalog (design.md §5): loading and
// validating cameras.yaml, GeoJSON import, and distance and "near" queries.
// It does no I/O beyond reading and writing the catalog file itself.
package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/pattern"
)

// LatLon is a WGS 84 position in degrees.
type LatLon struct {
	Lat float64 `json:"lat" yaml:"lat"`
	Lon float64 `json:"lon" yaml:"lon"`
}

// Camera is one validated catalog entry.
type Camera struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Owner     string         `json:"owner"`
	Location  LatLon         `json:"location"`
	Address   string         `json:"address,omitempty"`
	Kind      string         `json:"kind"`
	Quality   string         `json:"quality"`
	Heading   *float64       `json:"heading,omitempty"`
	Coverage  []LatLon       `json:"coverage,omitempty"`
	Timezone  *time.Location `json:"-"`
	Retention time.Duration  `json:"-"`
	// RetentionDefaulted is true when cameras.yaml gave no retention and the
	// owner's default applies.
	RetentionDefaulted bool          `json:"retention_defaulted,omitempty"`
	Clock              clock.Offsets `json:"-"`
	Recordings         Recordings    `json:"recordings"`
	Line               int           `json:"-"` // line in cameras.yaml, for messages
}

// Recordings says where a camera's files are and how they are named.
type Recordings struct {
	Path    string           `json:"path,omitempty"` // absolute
	Pattern *pattern.Pattern `json:"-"`
}

// Catalog is the set of cameras, in file order.
type Catalog struct {
	File    string
	Cameras []*Camera
	byID    map[string]*Camera
}

// Owners, Kinds and Qualities are the accepted values.
var (
	Owners    = []string{"polisen", "trafikverket", "kommun", "business", "bodycam"}
	Kinds     = []string{"fixed", "ptz", "bodycam"}
	Qualities = []string{"overview", "observation", "recognition", "identification"}
)

// DefaultRetention is used when a camera gives none: police cameras keep
// recordings 62 days, other owners are assumed to keep them 30.
func DefaultRetention(owner string) time.Duration {
	if owner == "polisen" {
		return 62 * 24 * time.Hour
	}
	return 30 * 24 * time.Hour
}

var idRe = regexp.MustCompile(`^[a-z0-9-]+$`)

// Entry is a camera as cameras.yaml writes it (design.md §5), before
// validation. Tools that write catalogs (the demo, imports) use it too, so
// the file's schema is stated once.
type Entry struct {
	ID         string           `yaml:"id"`
	Name       string           `yaml:"name"`
	Owner      string           `yaml:"owner"`
	Location   *LatLon          `yaml:"location,flow"`
	Address    string           `yaml:"address,omitempty"`
	Kind       string           `yaml:"kind,omitempty"`
	Quality    string           `yaml:"quality,omitempty"`
	Heading    *float64         `yaml:"heading,omitempty"`
	Coverage   [][2]float64     `yaml:"coverage,omitempty,flow"`
	Timezone   string           `yaml:"timezone,omitempty"`
	Retention  string           `yaml:"retention,omitempty"`
	Clock      []EntryClock     `yaml:"clock,omitempty"`
	Recordings *EntryRecordings `yaml:"recordings,omitempty"`
}

// EntryClock is one clock measurement: at true time At the camera clock was
// Offset ahead.
type EntryClock struct {
	At     string `yaml:"at"`
	Offset string `yaml:"offset"`
	Note   string `yaml:"note,omitempty"`
}

// EntryRecordings says where a camera's files are and how they are named.
type EntryRecordings struct {
	Path    string `yaml:"path"`
	Pattern string `yaml:"pattern"`
}

// Load reads and validates a cameras.yaml. defaultZone is the zone of camera
// clocks that name none. Errors are fault.Usage and carry file and line.
func Load(file string, defaultZone *time.Location) (*Catalog, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fault.Usagef("camera catalog %s does not exist (set catalog: in klipp.yaml)", file)
		}
		return nil, fault.Usagef("camera catalog: %w", err)
	}
	return Parse(file, data, defaultZone)
}

// Parse validates catalog data read from file (used for messages and to
// resolve relative recording paths).
func Parse(file string, data []byte, defaultZone *time.Location) (*Catalog, error) {
	var doc struct {
		Cameras []yaml.Node `yaml:"cameras"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fault.Usagef("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	c := &Catalog{File: file, byID: map[string]*Camera{}}
	base := filepath.Dir(file)
	for i := range doc.Cameras {
		node := &doc.Cameras[i]
		var raw Entry
		if err := node.Decode(&raw); err != nil {
			return nil, fault.Usagef("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		if err := strictFields(node); err != nil {
			return nil, fault.Usagef("%s: line %d: %v", file, node.Line, err)
		}
		cam, err := raw.validate(base, defaultZone)
		if err != nil {
			id := raw.ID
			if id == "" {
				id = fmt.Sprintf("#%d", i+1)
			}
			return nil, fault.Usagef("%s: line %d: camera %s: %v", file, node.Line, id, err)
		}
		cam.Line = node.Line
		if prev, dup := c.byID[cam.ID]; dup {
			return nil, fault.Usagef("%s: line %d: duplicate camera id %q (first at line %d)", file, node.Line, cam.ID, prev.Line)
		}
		c.byID[cam.ID] = cam
		c.Cameras = append(c.Cameras, cam)
	}
	return c, nil
}

// strictFields rejects unknown keys in a camera mapping (KnownFields does
// not reach into yaml.Node values).
func strictFields(n *yaml.Node) error {
	known := map[string]map[string]bool{
		"":           set("id", "name", "owner", "location", "address", "kind", "quality", "heading", "coverage", "timezone", "retention", "clock", "recordings"),
		"location":   set("lat", "lon"),
		"recordings": set("path", "pattern"),
	}
	var walk func(n *yaml.Node, at string) error
	walk = func(n *yaml.Node, at string) error {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if allowed, ok := known[at]; ok && !allowed[k] {
				key := k
				if at != "" {
					key = at + "." + k
				}
				return fmt.Errorf("unknown key %q (line %d)", key, n.Content[i].Line)
			}
			if at == "" {
				if err := walk(n.Content[i+1], k); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(n, "")
}

func set(items ...string) map[string]bool {
	m := map[string]bool{}
	for _, s := range items {
		m[s] = true
	}
	return m
}

func oneOf(field, v string, allowed []string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%s %q is not one of %s", field, v, strings.Join(allowed, ", "))
}

func validLatLon(p LatLon) error {
	if p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180 || p.Lat != p.Lat || p.Lon != p.Lon {
		return fmt.Errorf("position %v,%v is outside latitude -90..90 / longitude -180..180", p.Lat, p.Lon)
	}
	return nil
}

func (r Entry) validate(base string, defaultZone *time.Location) (*Camera, error) {
	if !idRe.MatchString(r.ID) {
		return nil, fmt.Errorf("id %q must be lower-case letters, digits and dashes", r.ID)
	}
	if strings.TrimSpace(r.Name) == "" {
		return nil, errors.New("name is missing")
	}
	if err := oneOf("owner", r.Owner, Owners); err != nil {
		return nil, err
	}
	if r.Kind == "" {
		r.Kind = "fixed"
	}
	if err := oneOf("kind", r.Kind, Kinds); err != nil {
		return nil, err
	}
	if r.Quality == "" {
		r.Quality = "overview"
	}
	if err := oneOf("quality", r.Quality, Qualities); err != nil {
		return nil, err
	}
	if r.Location == nil {
		return nil, errors.New("location {lat, lon} is missing")
	}
	if err := validLatLon(*r.Location); err != nil {
		return nil, err
	}
	cam := &Camera{
		ID: r.ID, Name: r.Name, Owner: r.Owner, Location: *r.Location, Address: r.Address,
		Kind: r.Kind, Quality: r.Quality, Heading: r.Heading,
	}
	if r.Heading != nil && (*r.Heading < 0 || *r.Heading >= 360) {
		return nil, fmt.Errorf("heading %v must be 0 to 359 degrees", *r.Heading)
	}
	if len(r.Coverage) > 0 && len(r.Coverage) < 3 {
		return nil, fmt.Errorf("coverage needs at least 3 points, has %d", len(r.Coverage))
	}
	for _, p := range r.Coverage {
		ll := LatLon{p[0], p[1]}
		if err := validLatLon(ll); err != nil {
			return nil, fmt.Errorf("coverage: %w", err)
		}
		cam.Coverage = append(cam.Coverage, ll)
	}
	cam.Timezone = defaultZone
	if r.Timezone != "" {
		loc, err := time.LoadLocation(r.Timezone)
		if err != nil {
			return nil, fmt.Errorf("unknown timezone %q (use an IANA name such as Europe/Stockholm)", r.Timezone)
		}
		cam.Timezone = loc
	}
	if r.Retention == "" {
		cam.Retention, cam.RetentionDefaulted = DefaultRetention(r.Owner), true
	} else {
		d, err := clock.ParseDuration(r.Retention)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("retention %q: give a positive duration such as 62d", r.Retention)
		}
		cam.Retention = d
	}
	var ms []clock.Measurement
	for i, m := range r.Clock {
		at, err := clock.ParseTime(m.At, cam.Timezone)
		if err != nil {
			return nil, fmt.Errorf("clock[%d].at: %w", i, err)
		}
		off, err := clock.ParseDuration(m.Offset)
		if err != nil {
			return nil, fmt.Errorf("clock[%d].offset: %w", i, err)
		}
		ms = append(ms, clock.Measurement{At: at, Offset: off, Note: m.Note})
	}
	cam.Clock = clock.NewOffsets(ms)
	if rec := r.Recordings; rec != nil && (rec.Path != "" || rec.Pattern != "") {
		if rec.Path == "" {
			return nil, errors.New("recordings.path is missing")
		}
		p, err := pattern.Compile(rec.Pattern)
		if err != nil {
			return nil, fmt.Errorf("recordings.%w", err)
		}
		path := rec.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(base, path)
		}
		cam.Recordings = Recordings{Path: filepath.Clean(path), Pattern: p}
	}
	return cam, nil
}

// Camera returns the camera with id, or a fault.NotFound error that lists
// the known ids.
func (c *Catalog) Camera(id string) (*Camera, error) {
	if cam, ok := c.byID[id]; ok {
		return cam, nil
	}
	ids := make([]string, 0, len(c.Cameras))
	for _, cam := range c.Cameras {
		ids = append(ids, cam.ID)
	}
	sort.Strings(ids)
	return nil, fault.NotFoundf("unknown camera %q (known: %s)", id, strings.Join(ids, ", "))
}

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
	"strconv"
	"strings"
	"sync"
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
	// FPS is the recorder's frame rate, for raw elementary streams (.264,
	// .265) that carry no times; 0: not given.
	FPS float64 `json:"fps,omitempty"`
	// DAVChannel is the camera's channel in the Dahua DAV files of its
	// recorder: ingest of a DAV file without --channel takes it; nil: not
	// given.
	DAVChannel *int `json:"dav_channel,omitempty"`
	Line       int  `json:"-"` // line in cameras.yaml, for messages

	entry Entry // as the file gives it, before validation
}

// Entry is the camera as the catalog file gives it (what the store keeps:
// FromEntry turns it back into this camera).
func (c *Camera) Entry() Entry { return c.entry }

// Recordings says where a camera's files are and how they are named.
type Recordings struct {
	// Root names the share the recordings are on (roots: in klipp.yaml
	// maps it to this machine's mount point); "" for a path of its own.
	Root    string           `json:"root,omitempty"`
	Path    string           `json:"path,omitempty"` // absolute once mounted; "" when this machine lacks Root
	Pattern *pattern.Pattern `json:"-"`
	rel     string           // below Root
}

// Mount places recordings on a named root at this machine's mount point
// for it; without one the camera's recordings cannot be reached here
// (Reachable says so). Recordings without a root are left as they are.
func (r *Recordings) Mount(roots map[string]string) {
	if r.Root == "" {
		return
	}
	r.Path = ""
	if dir, ok := roots[r.Root]; ok {
		r.Path = filepath.Join(dir, r.rel)
	}
}

// Reachable is nil when the recordings can be read on this machine, else
// an error saying which root is missing.
func (r Recordings) Reachable(camera string) error {
	if r.Root != "" && r.Path == "" {
		return fault.Usagef("camera %s: its recordings are on the root %q: %w (add it to roots: in klipp.yaml)", camera, r.Root, fault.ErrNotHere)
	}
	return nil
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
//
// Its JSON form (the same keys) is how GeoJSON properties give a camera and
// how the store keeps one.
type Entry struct {
	ID         string           `yaml:"id" json:"id"`
	Name       string           `yaml:"name" json:"name"`
	Owner      string           `yaml:"owner" json:"owner"`
	Location   *LatLon          `yaml:"location,flow" json:"location,omitempty"`
	Address    string           `yaml:"address,omitempty" json:"address,omitempty"`
	Kind       string           `yaml:"kind,omitempty" json:"kind,omitempty"`
	Quality    string           `yaml:"quality,omitempty" json:"quality,omitempty"`
	Heading    *float64         `yaml:"heading,omitempty" json:"heading,omitempty"`
	Coverage   [][2]float64     `yaml:"coverage,omitempty,flow" json:"coverage,omitempty"`
	Timezone   string           `yaml:"timezone,omitempty" json:"timezone,omitempty"`
	Retention  string           `yaml:"retention,omitempty" json:"retention,omitempty"`
	Clock      []EntryClock     `yaml:"clock,omitempty" json:"clock,omitempty"`
	Recordings *EntryRecordings `yaml:"recordings,omitempty" json:"recordings,omitempty"`
	FPS        float64          `yaml:"fps,omitempty" json:"fps,omitempty"`
	DAVChannel *int             `yaml:"dav_channel,omitempty" json:"dav_channel,omitempty"`
}

// EntryClock is one clock measurement: at true time At the camera clock was
// Offset ahead.
// A clock read off the picture (klipp cameras clock add) also says what
// was read, to what resolution, how, by whom and when.
type EntryClock struct {
	At         string `yaml:"at" json:"at"`
	Offset     string `yaml:"offset" json:"offset"`
	Resolution string `yaml:"resolution,omitempty" json:"resolution,omitempty"` // ± of the reading; default 0.5s
	Shown      string `yaml:"shown,omitempty" json:"shown,omitempty"`           // what the clock in the picture showed
	How        string `yaml:"how,omitempty" json:"how,omitempty"`
	By         string `yaml:"by,omitempty" json:"by,omitempty"`
	Recorded   string `yaml:"recorded,omitempty" json:"recorded,omitempty"` // when the measurement was added
	Note       string `yaml:"note,omitempty" json:"note,omitempty"`
}

// EntryRecordings says where a camera's files are and how they are named.
type EntryRecordings struct {
	Root    string `yaml:"root,omitempty" json:"root,omitempty"`
	Path    string `yaml:"path" json:"path"`
	Pattern string `yaml:"pattern" json:"pattern"`
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

// chunkedFrom is the size from which Parse reads a catalog camera by
// camera (see parseChunked); smaller, hand-edited files are read whole.
const chunkedFrom = 256 << 10

// Parse validates catalog data read from file (used for messages and to
// resolve relative recording paths).
func Parse(file string, data []byte, defaultZone *time.Location) (*Catalog, error) {
	if len(data) >= chunkedFrom {
		if c, ok, err := parseChunked(file, data, defaultZone); ok {
			return c, err
		}
	}
	return parseWhole(file, data, defaultZone)
}

// parseWhole reads the catalog as one YAML document.
func parseWhole(file string, data []byte, defaultZone *time.Location) (*Catalog, error) {
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
		if err := c.addNode(node, raw, 0, i, base, defaultZone); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// addNode validates the i-th camera, decoded into raw from node, whose
// lines are off by lineOffset from the file's, and adds it.
func (c *Catalog) addNode(node *yaml.Node, raw Entry, lineOffset, i int, base string, defaultZone *time.Location) error {
	line := node.Line + lineOffset
	if err := strictFields(node, lineOffset); err != nil {
		return fault.Usagef("%s: line %d: %v", c.File, line, err)
	}
	cam, err := raw.validate(base, defaultZone)
	if err != nil {
		id := idText(raw.ID)
		if raw.ID == "" {
			id = fmt.Sprintf("#%d", i+1)
		}
		return fault.Usagef("%s: line %d: camera %s: %v", c.File, line, id, err)
	}
	cam.Line = line
	if prev, dup := c.byID[cam.ID]; dup {
		return fault.Usagef("%s: line %d: duplicate camera id %q (first at line %d)", c.File, line, cam.ID, prev.Line)
	}
	c.byID[cam.ID] = cam
	c.Cameras = append(c.Cameras, cam)
	return nil
}

// strictFields rejects unknown keys in a camera mapping (KnownFields does
// not reach into yaml.Node values).
func strictFields(n *yaml.Node, lineOffset int) error {
	known := map[string]map[string]bool{
		"":           set("id", "name", "owner", "location", "address", "kind", "quality", "heading", "coverage", "timezone", "retention", "clock", "recordings", "fps", "dav_channel"),
		"location":   set("lat", "lon"),
		"recordings": set("root", "path", "pattern"),
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
				return fmt.Errorf("unknown key %q (line %d)", key, n.Content[i].Line+lineOffset)
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

var rootRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

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
	if r.FPS < 0 || r.FPS > 240 {
		return nil, fmt.Errorf("fps %v must be a frame rate from 0 to 240", r.FPS)
	}
	cam.FPS = r.FPS
	if r.DAVChannel != nil && (*r.DAVChannel < 0 || *r.DAVChannel > 255) {
		return nil, fmt.Errorf("dav_channel %d must be a DAV channel from 0 to 255", *r.DAVChannel)
	}
	cam.DAVChannel = r.DAVChannel
	cam.Timezone = defaultZone
	if r.Timezone != "" {
		loc, err := loadLocation(r.Timezone)
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
		var res time.Duration
		if m.Resolution != "" {
			if res, err = clock.ParseDuration(m.Resolution); err != nil || res < 0 {
				return nil, fmt.Errorf("clock[%d].resolution %q: give a non-negative duration such as 0.5s", i, m.Resolution)
			}
		}
		ms = append(ms, clock.Measurement{At: at, Offset: off, Note: m.Note, Resolution: res})
	}
	cam.Clock = clock.NewOffsets(ms)
	if rec := r.Recordings; rec != nil && (rec.Path != "" || rec.Pattern != "") {
		if rec.Path == "" {
			return nil, errors.New("recordings.path is missing")
		}
		p, err := compilePattern(rec.Pattern)
		if err != nil {
			return nil, fmt.Errorf("recordings.%w", err)
		}
		if rec.Root != "" {
			rel := filepath.Clean(rec.Path)
			if !rootRe.MatchString(rec.Root) {
				return nil, fmt.Errorf("recordings.root %q: a root's name is lower-case letters, digits and dashes", rec.Root)
			}
			if filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../") {
				return nil, fmt.Errorf("recordings.path %q: with a root, give the path below it", rec.Path)
			}
			cam.Recordings = Recordings{Root: rec.Root, rel: rel, Pattern: p}
		} else {
			path := rec.Path
			if !filepath.IsAbs(path) {
				path = filepath.Join(base, path)
			}
			cam.Recordings = Recordings{Path: filepath.Clean(path), Pattern: p}
		}
	}
	cam.entry = r
	return cam, nil
}

// idText is a camera id as a message shows it: quoted (control characters
// escaped) when it is not a valid id.
func idText(id string) string {
	if idRe.MatchString(id) {
		return id
	}
	return strconv.Quote(id)
}

// FromEntry validates one camera as a catalog file in directory base gives
// it (the store keeps cameras this way).
func FromEntry(e Entry, base string, defaultZone *time.Location) (*Camera, error) {
	return e.validate(base, defaultZone)
}

// New is a catalog of validated cameras, in the order given.
func New(file string, cams []*Camera) *Catalog {
	c := &Catalog{File: file, Cameras: cams, byID: make(map[string]*Camera, len(cams))}
	for _, cam := range cams {
		c.byID[cam.ID] = cam
	}
	return c
}

var (
	zones    sync.Map // IANA name → *time.Location
	patterns sync.Map // source → *pattern.Pattern
)

// loadLocation is time.LoadLocation, once per name (it reads the zone
// file on every call; a large catalog names the same few zones).
func loadLocation(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err == nil {
		zones.Store(name, l)
	}
	return l, err
}

// compilePattern is pattern.Compile, once per pattern (a Pattern is
// immutable and shared).
func compilePattern(src string) (*pattern.Pattern, error) {
	if p, ok := patterns.Load(src); ok {
		return p.(*pattern.Pattern), nil
	}
	p, err := pattern.Compile(src)
	if err == nil {
		patterns.Store(src, p)
	}
	return p, err
}

// Camera returns the camera with id, or a fault.NotFound error that lists
// the known ids.
func (c *Catalog) Camera(id string) (*Camera, error) {
	if cam, ok := c.byID[id]; ok {
		return cam, nil
	}
	var ids []string
	if len(c.Cameras) <= ListKnown {
		for _, cam := range c.Cameras {
			ids = append(ids, cam.ID)
		}
	}
	return nil, NotFound(id, len(c.Cameras), ids)
}

// ListKnown is how many cameras a catalog may have for an unknown id's
// message to list them all.
const ListKnown = 50

// NotFound is the error for an unknown camera id in a catalog of n
// cameras: it lists ids (the known ones, when there are few) or says
// how to list them.
func NotFound(id string, n int, ids []string) error {
	if n > ListKnown || len(ids) < n {
		return fault.NotFoundf("unknown camera %q (the catalog has %d cameras: klipp cameras list)", id, n)
	}
	ids = append([]string(nil), ids...)
	sort.Strings(ids)
	return fault.NotFoundf("unknown camera %q (known: %s)", id, strings.Join(ids, ", "))
}

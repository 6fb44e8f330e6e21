// Package retention answers what requested footage the sources will delete
// and when: for every case's request window and timeline entry, on every
// camera concerned, the earliest expiry of footage that is not yet
// preserved (copied bit-exactly into a verified archived bundle).
package retention

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Window is requested footage on one camera.
type Window struct {
	Case       string    `json:"case"`
	What       string    `json:"what"` // "request" or "entry N"
	Camera     string    `json:"camera"`
	CameraName string    `json:"camera_name"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Segments   int       `json:"segments"`
	// Unpreserved are the window's source segments with no archived copy.
	Unpreserved []Segment `json:"unpreserved"`
	// Expires is when the source deletes the first unpreserved segment;
	// nil when everything is preserved or there is no footage.
	Expires *time.Time `json:"expires,omitempty"`
	// Left is the time from now to Expires (negative: already deleted).
	Left      time.Duration `json:"left_ns"`
	Preserved bool          `json:"preserved"` // footage exists and all of it is preserved
	State     State         `json:"state"`
}

// State is where a window's footage stands.
type State string

// The states of a window, in the order they are listed.
const (
	// Expired: the source has deleted footage that was never preserved.
	Expired State = "expired"
	// AtRisk: unpreserved footage the source deletes within the horizon.
	AtRisk State = "at-risk"
	// SafeForNow: unpreserved footage the source keeps past the horizon.
	SafeForNow State = "safe-for-now"
	// Preserved: all of the window's footage is in a verified archived bundle.
	Preserved State = "preserved"
	// NoFootage: the camera recorded nothing of the window (or it is gone
	// from the index).
	NoFootage State = "no-footage"
)

// Label is the state's display text.
func (s State) Label() string { return string(s) }

// rank orders states for listing: the ones that need action first.
func (s State) rank() int {
	switch s {
	case Expired:
		return 0
	case AtRisk:
		return 1
	case SafeForNow:
		return 2
	case Preserved:
		return 3
	}
	return 4
}

// Preservable says whether a window in this state is preserved by
// retention --preserve: at-risk ones, and safe-for-now ones too when all
// is set.
func (s State) Preservable(all bool) bool {
	return s == AtRisk || (all && s == SafeForNow)
}

// NeedsAttention says whether the window is listed without --all.
func (s State) NeedsAttention() bool { return s == AtRisk || s == Expired }

// Segment is a source segment of a window.
type Segment struct {
	Path    string    `json:"path"`
	Expires time.Time `json:"expires"`
	seg     store.Segment
}

// Source returns the index row.
func (s Segment) Source() store.Segment { return s.seg }

// Case is a case with its timeline, as Assess needs it.
type Case struct {
	Case    store.Case
	Entries []store.Entry
}

// Options tune Assess.
type Options struct {
	Now    time.Time
	Within time.Duration // windows expiring within this are at risk
	Radius float64       // metres around the case's place whose cameras the request window concerns
}

// Assess lists every window, soonest expiry first (preserved and footage-
// less windows last). A case's request window concerns the cameras of its
// timeline and those within opts.Radius of its place; each entry's clip
// range concerns its camera. Archived cases are skipped.
func Assess(ctx context.Context, st *store.Store, cat *catalog.Catalog, cases []Case, preserved map[string]string, opts Options) ([]Window, error) {
	var out []Window
	for _, c := range cases {
		if c.Case.Status == "archived" {
			continue
		}
		cams := map[string]bool{}
		var order []string
		add := func(id string) {
			if !cams[id] {
				cams[id] = true
				order = append(order, id)
			}
		}
		if c.Case.Lat != nil && opts.Radius > 0 {
			for _, n := range cat.Near(catalog.NearQuery{From: catalog.LatLon{Lat: *c.Case.Lat, Lon: *c.Case.Lon}, Within: opts.Radius}) {
				add(n.Camera.ID)
			}
		}
		for _, e := range c.Entries {
			add(e.Camera)
		}
		for _, id := range order {
			cam, err := cat.Camera(id)
			if err != nil {
				continue // a camera since removed from the catalog
			}
			w, err := window(ctx, st, cam, c.Case.Number, "request", c.Case.From, c.Case.To, preserved, opts)
			if err != nil {
				return nil, err
			}
			out = append(out, w)
		}
		for i, e := range c.Entries {
			cam, err := cat.Camera(e.Camera)
			if err != nil {
				continue
			}
			w, err := window(ctx, st, cam, c.Case.Number, fmt.Sprintf("entry %d", i+1), e.From, e.To, preserved, opts)
			if err != nil {
				return nil, err
			}
			out = append(out, w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ra, rb := a.State.rank(), b.State.rank()
		if ra != rb && (ra >= 3 || rb >= 3) {
			return ra < rb
		}
		if a.Expires != nil && b.Expires != nil && !a.Expires.Equal(*b.Expires) {
			return a.Expires.Before(*b.Expires)
		}
		if a.Case != b.Case {
			return a.Case < b.Case
		}
		return a.Camera < b.Camera
	})
	return out, nil
}

func window(ctx context.Context, st *store.Store, cam *catalog.Camera, number, what string, from, to time.Time, preserved map[string]string, opts Options) (Window, error) {
	w := Window{Case: number, What: what, Camera: cam.ID, CameraName: cam.Name, From: from, To: to, Unpreserved: []Segment{}}
	cov, err := footage.CoverageOf(ctx, st, cam, from, to, opts.Now)
	if err != nil {
		return w, err
	}
	w.Segments = len(cov.Segments)
	for _, p := range cov.Segments {
		if _, ok := preserved[p.Source.Path]; ok {
			continue
		}
		w.Unpreserved = append(w.Unpreserved, Segment{Path: p.Source.Path, Expires: p.Expires, seg: p.Source})
		if w.Expires == nil || p.Expires.Before(*w.Expires) {
			e := p.Expires
			w.Expires = &e
		}
	}
	switch {
	case w.Segments == 0:
		w.State = NoFootage
	case len(w.Unpreserved) == 0:
		w.State, w.Preserved = Preserved, true
	default:
		w.Left = w.Expires.Sub(opts.Now)
		switch {
		case w.Left <= 0:
			w.State = Expired
		case w.Left <= opts.Within:
			w.State = AtRisk
		default:
			w.State = SafeForNow
		}
	}
	return w, nil
}

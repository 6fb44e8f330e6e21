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
	State     string        `json:"state"`     // preserved | at-risk | safe-for-now | expired | no-footage
}

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
	rank := map[string]int{"expired": 0, "at-risk": 1, "safe-for-now": 2, "preserved": 3, "no-footage": 4}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.State] != rank[b.State] && (rank[a.State] >= 3 || rank[b.State] >= 3) {
			return rank[a.State] < rank[b.State]
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
		w.State = "no-footage"
	case len(w.Unpreserved) == 0:
		w.State, w.Preserved = "preserved", true
	default:
		w.Left = w.Expires.Sub(opts.Now)
		switch {
		case w.Left <= 0:
			w.State = "expired"
		case w.Left <= opts.Within:
			w.State = "at-risk"
		default:
			w.State = "safe-for-now"
		}
	}
	return w, nil
}

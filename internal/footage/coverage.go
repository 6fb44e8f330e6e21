package footage

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Coverage is what a camera recorded between two true instants.
type Coverage struct {
	Camera    string    `json:"camera"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Covered   Seconds   `json:"covered_s"`
	Segments  []Part    `json:"segments"`
	Gaps      []Gap     `json:"gaps"`
	Damaged   []Part    `json:"damaged"`
	Ambiguous []Part    `json:"ambiguous"`
	// FirstExpiry is when the source deletes the earliest footage in range.
	FirstExpiry *time.Time `json:"first_expiry,omitempty"`
	// ClockVerified is false when the camera clock was never measured.
	ClockVerified bool `json:"clock_verified"`
}

// Seconds shows a duration as seconds in JSON.
type Seconds float64

// Part is one segment as coverage reports it.
type Part struct {
	File      string    `json:"file"`
	TrueStart time.Time `json:"true_start"`
	TrueEnd   time.Time `json:"true_end"`
	// Uncertainty: TrueStart ± this many seconds by the camera's clock
	// model (set by the service; null when the clock is not verified: no
	// bound).
	Uncertainty *float64    `json:"true_start_uncertainty_s"`
	Bound       clock.Bound `json:"-"`
	CameraStart time.Time   `json:"camera_clock_start"`
	Offset      Seconds     `json:"clock_offset_s"` // camera clock − true time at the start
	Duration    Seconds     `json:"duration_s"`
	Frames      int         `json:"frames"`
	Codec       string      `json:"codec,omitempty"`
	Size        string      `json:"size,omitempty"`
	Status      string      `json:"status"`
	Reason      string      `json:"reason,omitempty"`
	Expires     time.Time   `json:"expires"`
	Expired     bool        `json:"expired"`
	// Source is the index row, for commands that go on to read the file.
	Source store.Segment `json:"-"`
}

// Gap is a stretch of the range with no readable footage.
type Gap struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Duration Seconds   `json:"duration_s"`
	Reason   string    `json:"reason"`
	// Damaged: a file that could not be read starts in the gap; its
	// footage, if any, is lost there.
	Damaged bool `json:"damaged,omitempty"`
}

// CoverageOf answers for cam between from and to (true time); now decides
// what has already expired at the source.
func CoverageOf(ctx context.Context, st *store.Store, cam *catalog.Camera, from, to, now time.Time) (*Coverage, error) {
	if !to.After(from) {
		return nil, fault.Usagef("--to (%s) must be after --from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	segs, err := segmentsBetween(ctx, st, cam, from, to)
	if err != nil {
		return nil, fmt.Errorf("camera %s: coverage: %w", cam.ID, err)
	}
	c := &Coverage{Camera: cam.ID, From: from, To: to, ClockVerified: cam.Clock.Verified(),
		Segments: make([]Part, 0, len(segs)), Gaps: []Gap{}, Damaged: []Part{}, Ambiguous: []Part{}}
	cursor := from
	var unreadable []Part
	var sizes sizeNames
	for _, s := range segs {
		p := part(cam, s, now, &sizes)
		switch {
		case s.Status == store.StatusAmbiguous:
			c.Ambiguous = append(c.Ambiguous, p)
			continue
		case s.Status == store.StatusDamaged:
			c.Damaged = append(c.Damaged, p)
			if s.Duration <= 0 {
				unreadable = append(unreadable, p)
				continue
			}
		}
		if !s.TrueEnd.After(from) || !s.TrueStart.Before(to) {
			continue
		}
		c.Segments = append(c.Segments, p)
		if c.FirstExpiry == nil || p.Expires.Before(*c.FirstExpiry) {
			e := p.Expires
			c.FirstExpiry = &e
		}
		tol := Tolerance(s.FPS)
		if s.TrueStart.Sub(cursor) > tol {
			c.Gaps = append(c.Gaps, gap(cursor, s.TrueStart, unreadable, c.Ambiguous))
		}
		lo, hi := clock.Later(s.TrueStart, cursor), clock.Earlier(s.TrueEnd, to)
		if hi.After(lo) {
			c.Covered += Seconds(hi.Sub(lo).Seconds())
		}
		// Holes inside the file are gaps too.
		for _, j := range s.Jumps {
			jf, jt := clock.Later(FrameTrue(cam.Clock, &s, j.At), lo), clock.Earlier(FrameTrue(cam.Clock, &s, j.At+j.Length), hi)
			if !jt.After(jf) {
				continue
			}
			c.Covered -= Seconds(jt.Sub(jf).Seconds())
			c.Gaps = append(c.Gaps, Gap{From: jf, To: jt, Duration: Seconds(jt.Sub(jf).Seconds()),
				Reason: fmt.Sprintf("timestamp jump inside %s: the recorder wrote no frames", p.File)})
		}
		if s.TrueEnd.After(cursor) {
			cursor = s.TrueEnd
		}
	}
	if to.Sub(cursor) > Tolerance(0) {
		c.Gaps = append(c.Gaps, gap(cursor, to, unreadable, c.Ambiguous))
	}
	return c, nil
}

// sizeNames names picture sizes (1920x1080@25), one string per size
// however many segments share it.
type sizeNames map[[3]float64]string

func (n *sizeNames) name(w, h int, fps float64) string {
	k := [3]float64{float64(w), float64(h), fps}
	if s, ok := (*n)[k]; ok {
		return s
	}
	if *n == nil {
		*n = sizeNames{}
	}
	s := fmt.Sprintf("%dx%d@%g", w, h, fps)
	(*n)[k] = s
	return s
}

func part(cam *catalog.Camera, s store.Segment, now time.Time, sizes *sizeNames) Part {
	exp := s.TrueStart.Add(cam.Retention)
	p := Part{
		File: relTo(cam.Recordings.Path, s.Path), TrueStart: s.TrueStart, TrueEnd: s.TrueEnd, CameraStart: s.CameraStart,
		Offset: Seconds(s.CameraStart.Sub(s.TrueStart).Seconds()), Duration: Seconds(s.Duration.Seconds()),
		Frames: s.Frames, Codec: s.Codec, Status: s.Status, Expires: exp, Expired: !now.Before(exp), Source: s,
	}
	if s.Width > 0 {
		p.Size = sizes.name(s.Width, s.Height, s.FPS)
	}
	switch {
	case s.Damaged != "":
		p.Reason = s.Damaged
	case s.Note != "":
		p.Reason = s.Note
	}
	return p
}

// gap explains a hole: an unreadable or ambiguous file inside it, or none.
func gap(from, to time.Time, unreadable, ambiguous []Part) Gap {
	g := Gap{From: from, To: to, Duration: Seconds(to.Sub(from).Seconds()), Reason: "no recording"}
	for _, p := range unreadable {
		if !p.TrueStart.Before(from.Add(-time.Second)) && p.TrueStart.Before(to) {
			g.Reason, g.Damaged = fmt.Sprintf("damaged file %s: %s", p.File, p.Reason), true
			return g
		}
	}
	for _, p := range ambiguous {
		if !p.TrueStart.Before(from.Add(-time.Second)) && p.TrueStart.Before(to) {
			g.Reason = fmt.Sprintf("file %s has an ambiguous start time", p.File)
			return g
		}
	}
	return g
}

func relTo(root, path string) string {
	if root != "" && len(path) > len(root)+1 && path[len(root)] == filepath.Separator && strings.HasPrefix(path, root) &&
		filepath.Clean(path) == path {
		return filepath.ToSlash(path[len(root)+1:]) // the common case, without Rel's allocations
	}
	if r, err := filepath.Rel(root, path); err == nil && root != "" && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return path // an ingested file in the evidence store
}

package activity

import (
	"math"
	"sort"
	"time"
)

// Sensitivity runs from 1 (only large movement) to 10 (the smallest the
// scan keeps); 5 is the default.
const (
	MinSensitivity     = 1
	MaxSensitivity     = 10
	DefaultSensitivity = 5
	// DefaultMinLength: activity seen for a shorter time (from the first to
	// the last sample that shows it) is not reported.
	DefaultMinLength = 2 * time.Second
	// MergeGap: activity resuming within this time of the last sample that
	// showed it continues the same period.
	MergeGap = 4 * time.Second
	// edgeCap bounds how far a period reaches past its first and last
	// sample with activity: half-way to the samples without, at most this.
	edgeCap = time.Second
	// footageGap: samples further apart are on either side of a gap in
	// the footage; no period continues across it.
	footageGap = 5 * time.Second
)

// thresholdPixels is how many pixels of a reduced picture of area pixels
// must move for a sample to show activity at sensitivity n: 0.1 % of the
// picture at 5, a factor of 1.35 per step (0.02 % at 10, 0.33 % at 1).
func thresholdPixels(n, area int) int {
	frac := 0.001 * math.Pow(1.35, float64(DefaultSensitivity-n))
	return max(2, int(math.Round(frac*float64(area))))
}

// Box is a rectangle in the source picture's pixels.
type Box struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Period is a stretch of time in which something moved.
type Period struct {
	Start time.Time `json:"start"` // true time; half-way between the last sample without activity and the first with it
	End   time.Time `json:"end"`
	// First and Last are the first and last samples that show it.
	First time.Time `json:"first_seen"`
	Last  time.Time `json:"last_seen"`
	// Peak is the share of the watched area (the region, or the whole
	// picture) that moved at the busiest sample, in percent.
	Peak   float64   `json:"peak_score"`
	PeakAt time.Time `json:"peak_at"`
	// Box is where in the picture: everything that moved during the
	// period; PeakBox what moved at the busiest sample.
	Box     Box `json:"box"`
	PeakBox Box `json:"peak_box"`
	Samples int `json:"samples"` // samples that show it
}

// Placed is a segment's scan with the segment's true start.
type Placed struct {
	Start time.Time
	Scan  *Scan
}

// Query says what to look for.
type Query struct {
	Region      Region        // zero: the whole picture
	Sensitivity int           // 0: DefaultSensitivity
	MinLength   time.Duration // 0: DefaultMinLength; below 0: any length
}

// point is one sample placed in true time with what moved in it.
type point struct {
	t     time.Time
	blobs []blob
	moved float64 // pixels that moved, inside the region
	area  float64 // the region's pixels
	scan  *Scan
}

// blob is a group of neighbouring cells in which pixels moved.
type blob struct {
	box   cellBox
	moved float64
}

// track is one thing moving: blobs in successive samples near each other.
type track struct {
	first, last int // indices into the points
	box         cellBox
	lastBox     cellBox
	peak        float64
	peakAt      int
	peakBox     cellBox
	samples     int
}

// reach is how far (in cells) a moving thing may have gone in d: a brisk
// walk across the picture in ten seconds, and a cell or two more.
func reach(d time.Duration) int { return 2 + int(d.Seconds()*Cols/10+0.5) }

// Periods finds the periods of activity in scans that overlap [from, to),
// clipped to it. Each sample's moving pixels are grouped into blobs of
// neighbouring cells; a blob of at least the sensitivity's size that lies
// near one in the previous samples continues its track, so that changes
// in unrelated places one after the other (a digit of the recorder's
// clock, then a lamp) make no period. Tracks seen for at least MinLength
// are the periods, joined where they overlap or lie within MergeGap.
func Periods(scans []Placed, from, to time.Time, q Query) []Period {
	if q.Sensitivity == 0 {
		q.Sensitivity = DefaultSensitivity
	}
	if q.MinLength == 0 {
		q.MinLength = DefaultMinLength
	}
	type key struct{ w, h, sw, sh int }
	type grid struct {
		wt   []float32
		area float64
	}
	grids := map[key]grid{}
	var pts []point
	for _, pl := range scans {
		s := pl.Scan
		if s.SampleW == 0 || s.SampleH == 0 {
			continue
		}
		k := key{s.Width, s.Height, s.SampleW, s.SampleH}
		g, ok := grids[k]
		if !ok {
			g.wt = q.Region.weights(s.Width, s.Height)
			cellPix := cellPixels(s.SampleW, s.SampleH)
			for c, w := range g.wt {
				g.area += float64(w) * float64(cellPix[c])
			}
			grids[k] = g
		}
		thr := float64(thresholdPixels(q.Sensitivity, s.SampleW*s.SampleH))
		thr = math.Min(thr, math.Max(2, g.area/4))
		for i := range s.Samples {
			x := &s.Samples[i]
			pt := point{t: pl.Start.Add(x.At), area: g.area, scan: s}
			for _, b := range blobs(&x.Cells, g.wt) {
				pt.moved += b.moved
				if b.moved >= thr {
					pt.blobs = append(pt.blobs, b)
				}
			}
			pts = append(pts, pt)
		}
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].t.Before(pts[j].t) })

	var open, done []*track
	closeAll := func() { done, open = append(done, open...), nil }
	for i, pt := range pts {
		if i > 0 && pt.t.Sub(pts[i-1].t) > footageGap {
			closeAll()
		}
		// Tracks not continued within MergeGap are over.
		kept := open[:0]
		for _, tr := range open {
			if pt.t.Sub(pts[tr.last].t) > MergeGap {
				done = append(done, tr)
			} else {
				kept = append(kept, tr)
			}
		}
		open = kept
		for _, b := range pt.blobs {
			var tr *track
			for _, o := range open {
				if o.last != i && o.lastBox.near(b.box, reach(pt.t.Sub(pts[o.last].t))) {
					tr = o
					break
				}
			}
			if tr == nil {
				tr = &track{first: i}
				open = append(open, tr)
			}
			if tr.last != i {
				tr.samples++
			}
			tr.last, tr.lastBox = i, b.box
			tr.box.union(b.box)
			if share := 100 * pt.moved / pt.area; share > tr.peak {
				tr.peak, tr.peakAt, tr.peakBox = share, i, b.box
			}
		}
	}
	closeAll()

	// Tracks seen long enough are periods, reaching half-way to the
	// samples before and after them; overlapping ones are joined.
	var out []Period
	sort.SliceStable(done, func(a, b int) bool { return done[a].first < done[b].first })
	for _, tr := range done {
		first, last := pts[tr.first].t, pts[tr.last].t
		if q.MinLength > 0 && last.Sub(first) < q.MinLength || q.MinLength < 0 && tr.samples == 0 {
			continue
		}
		p := Period{First: first, Last: last, Start: first, End: last, Peak: tr.peak, PeakAt: pts[tr.peakAt].t, Samples: tr.samples,
			Box: tr.box.pixels(pts[tr.first].scan), PeakBox: tr.peakBox.pixels(pts[tr.peakAt].scan)}
		if tr.first > 0 && first.Sub(pts[tr.first-1].t) <= footageGap {
			p.Start = first.Add(-min(edgeCap, first.Sub(pts[tr.first-1].t)/2))
		}
		if tr.last+1 < len(pts) && pts[tr.last+1].t.Sub(last) <= footageGap {
			p.End = last.Add(min(edgeCap, pts[tr.last+1].t.Sub(last)/2))
		}
		if n := len(out); n > 0 && !p.Start.After(out[n-1].End.Add(MergeGap)) && !p.Start.After(out[n-1].Last.Add(MergeGap)) {
			out[n-1] = joined(out[n-1], p, pts[tr.first].scan)
			continue
		}
		out = append(out, p)
	}
	var clipped []Period
	for _, p := range out {
		if !p.End.After(from) || !p.Start.Before(to) {
			continue
		}
		if p.Start.Before(from) {
			p.Start = from
		}
		if p.End.After(to) {
			p.End = to
		}
		clipped = append(clipped, p)
	}
	return clipped
}

// joined is two overlapping or adjacent periods as one.
func joined(a, b Period, s *Scan) Period {
	if b.End.After(a.End) {
		a.End = b.End
	}
	if b.Last.After(a.Last) {
		a.Last = b.Last
	}
	if b.Peak > a.Peak {
		a.Peak, a.PeakAt, a.PeakBox = b.Peak, b.PeakAt, b.PeakBox
	}
	x0, y0 := min(a.Box.X, b.Box.X), min(a.Box.Y, b.Box.Y)
	x1, y1 := max(a.Box.X+a.Box.W, b.Box.X+b.Box.W), max(a.Box.Y+a.Box.H, b.Box.Y+b.Box.H)
	a.Box = Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
	a.Samples += b.Samples
	return a
}

// blobs groups the cells with movement (inside the region) into blobs:
// cells up to two apart belong together, so a figure split by a thin
// still part stays one.
func blobs(cells *[Cells]uint8, wt []float32) []blob {
	var label [Cells]int16
	var out []blob
	var stack []int
	for c, v := range cells {
		if v == 0 || wt[c] == 0 || label[c] != 0 {
			continue
		}
		b := blob{}
		label[c] = int16(len(out) + 1)
		stack = append(stack[:0], c)
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			cx, cy := x%Cols, x/Cols
			b.box.union(cellBox{cx, cy, cx + 1, cy + 1, true})
			b.moved += float64(cells[x]) * float64(wt[x])
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					nx, ny := cx+dx, cy+dy
					if nx < 0 || ny < 0 || nx >= Cols || ny >= Rows {
						continue
					}
					n := ny*Cols + nx
					if cells[n] != 0 && wt[n] != 0 && label[n] == 0 {
						label[n] = label[c]
						stack = append(stack, n)
					}
				}
			}
		}
		out = append(out, b)
	}
	return out
}

// cellPixels is how many pixels of a w×h reduced picture fall in each cell.
func cellPixels(w, h int) [Cells]int {
	var n [Cells]int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n[(y*Rows/h)*Cols+x*Cols/w]++
		}
	}
	return n
}

// cellBox is a rectangle of grid cells.
type cellBox struct {
	x0, y0, x1, y1 int
	set            bool
}

// near reports whether o is within d cells of b.
func (b cellBox) near(o cellBox, d int) bool {
	return b.set && o.set && o.x0 < b.x1+d && b.x0 < o.x1+d && o.y0 < b.y1+d && b.y0 < o.y1+d
}

func (b *cellBox) union(o cellBox) {
	switch {
	case !o.set:
	case !b.set:
		*b = o
	default:
		b.x0, b.y0, b.x1, b.y1 = min(b.x0, o.x0), min(b.y0, o.y0), max(b.x1, o.x1), max(b.y1, o.y1)
	}
}

// pixels converts the box to the source picture of s.
func (b cellBox) pixels(s *Scan) Box {
	if !b.set {
		return Box{}
	}
	w, h := s.Width, s.Height
	if w == 0 || h == 0 {
		w, h = s.SampleW, s.SampleH
	}
	x0, x1 := b.x0*w/Cols, b.x1*w/Cols
	y0, y1 := b.y0*h/Rows, b.y1*h/Rows
	return Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

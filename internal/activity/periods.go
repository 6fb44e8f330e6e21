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

// point is one sample placed in true time with its score.
type point struct {
	t      time.Time
	active bool
	moved  float64 // pixels that moved, inside the region
	area   float64 // the region's pixels
	cells  *[Cells]uint8
	wt     []float32
	scan   *Scan
}

// Periods finds the periods of activity in scans that overlap [from, to),
// clipped to it.
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
			var moved float64
			for c, v := range x.Cells {
				if v != 0 {
					moved += float64(v) * float64(g.wt[c])
				}
			}
			pts = append(pts, point{t: pl.Start.Add(x.At), active: g.area > 0 && moved >= thr, moved: moved, area: g.area, cells: &x.Cells, wt: g.wt, scan: s})
		}
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].t.Before(pts[j].t) })

	var out []Period
	cur, first, last := -1, 0, 0 // indices into pts of the period being built
	var p Period
	var box, peakBox cellBox
	closeRun := func() {
		if cur < 0 {
			return
		}
		p.First, p.Last = pts[first].t, pts[last].t
		p.Start, p.End = p.First, p.Last
		if first > 0 && p.First.Sub(pts[first-1].t) <= footageGap {
			p.Start = p.First.Add(-min(edgeCap, p.First.Sub(pts[first-1].t)/2))
		}
		if last+1 < len(pts) && pts[last+1].t.Sub(p.Last) <= footageGap {
			p.End = p.Last.Add(min(edgeCap, pts[last+1].t.Sub(p.Last)/2))
		}
		p.Box, p.PeakBox = box.pixels(pts[first].scan), peakBox.pixels(pts[first].scan)
		if p.Last.Sub(p.First) >= q.MinLength && p.End.After(from) && p.Start.Before(to) {
			if p.Start.Before(from) {
				p.Start = from
			}
			if p.End.After(to) {
				p.End = to
			}
			out = append(out, p)
		}
		cur = -1
	}
	for i, pt := range pts {
		if cur >= 0 && pt.t.Sub(pts[i-1].t) > footageGap {
			closeRun()
		}
		if !pt.active {
			continue
		}
		if cur >= 0 && pt.t.Sub(pts[last].t) > MergeGap {
			closeRun()
		}
		if cur < 0 {
			cur, first = i, i
			p = Period{}
			box, peakBox = cellBox{}, cellBox{}
		}
		last = i
		p.Samples++
		share := 100 * pt.moved / pt.area
		var b cellBox
		b.add(pt.cells, pt.wt)
		box.union(b)
		if share > p.Peak {
			p.Peak, p.PeakAt, peakBox = share, pt.t, b
		}
	}
	closeRun()
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

func (b *cellBox) add(cells *[Cells]uint8, wt []float32) {
	for c, v := range cells {
		if v == 0 || wt[c] == 0 {
			continue
		}
		x, y := c%Cols, c/Cols
		b.union(cellBox{x, y, x + 1, y + 1, true})
	}
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

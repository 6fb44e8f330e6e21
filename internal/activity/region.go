package activity

import (
	"fmt"
	"image"
	"strconv"
	"strings"
)

// Region is the part of the picture to watch, in the source picture's
// pixels: a rectangle or a polygon. The zero Region is the whole picture.
type Region struct {
	Rect image.Rectangle
	Poly []image.Point
}

// IsZero reports the whole picture.
func (r Region) IsZero() bool { return r.Rect.Empty() && len(r.Poly) == 0 }

// String gives the region in the form ParseRegion reads.
func (r Region) String() string {
	switch {
	case len(r.Poly) > 0:
		parts := make([]string, len(r.Poly))
		for i, p := range r.Poly {
			parts[i] = fmt.Sprintf("%d,%d", p.X, p.Y)
		}
		return strings.Join(parts, " ")
	case !r.Rect.Empty():
		return fmt.Sprintf("%d,%d,%d,%d", r.Rect.Min.X, r.Rect.Min.Y, r.Rect.Dx(), r.Rect.Dy())
	}
	return ""
}

// ParseRegion reads "x,y,w,h" (a rectangle) or "x1,y1 x2,y2 x3,y3 …"
// (a polygon of three or more corners, separated by spaces or semicolons),
// in the source picture's pixels.
func ParseRegion(s string) (Region, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Region{}, nil
	}
	points := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ';' || r == '\t' })
	num := func(v string) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a pixel position", v)
		}
		return n, nil
	}
	if len(points) == 1 {
		f := strings.Split(points[0], ",")
		if len(f) != 4 {
			return Region{}, fmt.Errorf("%q: give x,y,w,h or a polygon x1,y1 x2,y2 x3,y3 …", s)
		}
		var v [4]int
		for i := range f {
			n, err := num(f[i])
			if err != nil {
				return Region{}, err
			}
			v[i] = n
		}
		if v[2] == 0 || v[3] == 0 {
			return Region{}, fmt.Errorf("%q: the rectangle is empty", s)
		}
		return Region{Rect: image.Rect(v[0], v[1], v[0]+v[2], v[1]+v[3])}, nil
	}
	if len(points) < 3 {
		return Region{}, fmt.Errorf("%q: a polygon needs three corners or more", s)
	}
	var r Region
	for _, p := range points {
		xy := strings.Split(p, ",")
		if len(xy) != 2 {
			return Region{}, fmt.Errorf("%q: each corner is x,y", p)
		}
		x, err := num(xy[0])
		if err != nil {
			return Region{}, err
		}
		y, err := num(xy[1])
		if err != nil {
			return Region{}, err
		}
		r.Poly = append(r.Poly, image.Pt(x, y))
	}
	return r, nil
}

// contains reports whether the point (x, y) of the source picture is inside.
func (r Region) contains(x, y float64) bool {
	if len(r.Poly) == 0 {
		return x >= float64(r.Rect.Min.X) && x < float64(r.Rect.Max.X) && y >= float64(r.Rect.Min.Y) && y < float64(r.Rect.Max.Y)
	}
	in := false
	for i, j := 0, len(r.Poly)-1; i < len(r.Poly); j, i = i, i+1 {
		a, b := r.Poly[i], r.Poly[j]
		if (float64(a.Y) > y) != (float64(b.Y) > y) {
			cx := float64(b.X-a.X)*(y-float64(a.Y))/float64(b.Y-a.Y) + float64(a.X)
			if x < cx {
				in = !in
			}
		}
	}
	return in
}

// weights is, per grid cell of a w×h source picture, the share of the cell
// inside the region (sampled at 4×4 points); all ones for the zero Region.
func (r Region) weights(w, h int) []float32 {
	wt := make([]float32, Cells)
	for c := range wt {
		if r.IsZero() || w == 0 || h == 0 {
			wt[c] = 1
			continue
		}
		cx, cy := c%Cols, c/Cols
		n := 0
		for i := 0; i < 4; i++ {
			for j := 0; j < 4; j++ {
				x := (float64(cx) + (float64(i)+0.5)/4) * float64(w) / Cols
				y := (float64(cy) + (float64(j)+0.5)/4) * float64(h) / Rows
				if r.contains(x, y) {
					n++
				}
			}
		}
		wt[c] = float32(n) / 16
	}
	return wt
}

// Within reports whether the region touches a w×h picture.
func (r Region) Within(w, h int) bool {
	for _, v := range r.weights(w, h) {
		if v > 0 {
			return true
		}
	}
	return false
}

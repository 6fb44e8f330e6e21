// Package render turns a case's timeline into documents: the report PDF and
// the map diagram in it. It draws everything itself from the data it is
// given (no map tiles, no network) and does no I/O beyond writing its
// output.
package render

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// MapPoint is a position on the map diagram.
type MapPoint struct {
	Label    string
	Lat, Lon float64
}

// MapInput is what the diagram shows: the cameras (those on the path drawn
// strongly, the others around them faintly), the path in timeline order and
// the incident place if known.
type MapInput struct {
	Cameras []MapPoint
	OnPath  map[string]bool // camera labels that the path visits
	Path    []MapPoint      // in order; numbered 1, 2, … on the diagram
	Place   *MapPoint
	Width   int // pixels; 0 means 1600
	Height  int // pixels; 0 means 1100
}

var (
	mapBackground = color.RGBA{247, 246, 242, 255}
	mapGrid       = color.RGBA{226, 224, 218, 255}
	mapCamera     = color.RGBA{31, 90, 160, 255}
	mapOther      = color.RGBA{150, 150, 150, 255}
	mapPath       = color.RGBA{200, 40, 40, 255}
	mapInk        = color.RGBA{30, 30, 30, 255}
	mapWhite      = color.RGBA{255, 255, 255, 255}
)

// metres per degree of latitude; longitude is scaled by cos(latitude).
const metresPerDegree = 111_320.0

// DrawMap draws the diagram: an equirectangular projection around the path
// (fine at the scale of a town centre), a 100-m grid, the cameras with their
// names, the path as numbered arrows in order, the place of the incident, a
// north arrow and a scale bar.
func DrawMap(in MapInput) (*image.RGBA, error) {
	w, h := in.Width, in.Height
	if w == 0 {
		w = 1600
	}
	if h == 0 {
		h = 1100
	}
	if len(in.Path) == 0 && len(in.Cameras) == 0 {
		return nil, fmt.Errorf("map diagram: nothing to draw")
	}
	regular, err := newFace(goregular.TTF, 22)
	if err != nil {
		return nil, err
	}
	bold, err := newFace(gobold.TTF, 26)
	if err != nil {
		return nil, err
	}
	// The area: the path and the place, or every camera when there is no path.
	var focus []MapPoint
	focus = append(focus, in.Path...)
	if in.Place != nil {
		focus = append(focus, *in.Place)
	}
	if len(focus) == 0 {
		focus = in.Cameras
	}
	minLat, maxLat, minLon, maxLon := focus[0].Lat, focus[0].Lat, focus[0].Lon, focus[0].Lon
	for _, p := range focus {
		minLat, maxLat = math.Min(minLat, p.Lat), math.Max(maxLat, p.Lat)
		minLon, maxLon = math.Min(minLon, p.Lon), math.Max(maxLon, p.Lon)
	}
	lat0 := (minLat + maxLat) / 2
	kx := metresPerDegree * math.Cos(lat0*math.Pi/180)
	spanX := math.Max((maxLon-minLon)*kx, 100) * 1.3 // metres, with a margin
	spanY := math.Max((maxLat-minLat)*metresPerDegree, 100) * 1.3
	margin := 60.0
	scale := math.Min((float64(w)-2*margin)/spanX, (float64(h)-2*margin-60)/spanY) // pixels per metre
	cx, cy := (minLon+maxLon)/2, lat0
	project := func(p MapPoint) (float64, float64) {
		return float64(w)/2 + (p.Lon-cx)*kx*scale, float64(h)/2 - 30 - (p.Lat-cy)*metresPerDegree*scale
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), &image.Uniform{mapBackground}, image.Point{}, draw.Src)

	// A grid every 100 m (or a round multiple when zoomed out).
	step := niceLength(float64(w) / scale / 8)
	for x := math.Mod(float64(w)/2, step*scale); x < float64(w); x += step * scale {
		line(img, x, 0, x, float64(h), 1, mapGrid)
	}
	for y := math.Mod(float64(h)/2-30, step*scale); y < float64(h); y += step * scale {
		line(img, 0, y, float64(w), y, 1, mapGrid)
	}
	inside := func(x, y float64) bool { return x >= 0 && y >= 0 && x < float64(w) && y < float64(h) }

	// Cameras off the path first, then the path, then the cameras on it;
	// labels last, placed where they overlap nothing placed before.
	var labels []pendingLabel
	for _, c := range in.Cameras {
		if in.OnPath[c.Label] {
			continue
		}
		x, y := project(c)
		if inside(x, y) {
			disc(img, x, y, 7, mapOther)
			labels = append(labels, pendingLabel{x, y, c.Label, regular, mapOther})
		}
	}
	for i := 1; i < len(in.Path); i++ {
		x0, y0 := project(in.Path[i-1])
		x1, y1 := project(in.Path[i])
		arrow(img, x0, y0, x1, y1, mapPath)
	}
	if in.Place != nil {
		x, y := project(*in.Place)
		line(img, x-14, y-14, x+14, y+14, 5, mapInk)
		line(img, x-14, y+14, x+14, y-14, 5, mapInk)
		text(img, regular, x+18, y-12, in.Place.Label, mapInk)
	}
	for _, c := range in.Cameras {
		if !in.OnPath[c.Label] {
			continue
		}
		x, y := project(c)
		disc(img, x, y, 10, mapCamera)
		labels = append([]pendingLabel{{x, y, c.Label, bold, mapCamera}}, labels...)
	}
	// Numbers on the path; visits to the same camera are stacked.
	seen := map[[2]int]int{}
	var taken []image.Rectangle
	for i, p := range in.Path {
		x, y := project(p)
		key := [2]int{int(x), int(y)}
		x += float64(seen[key]) * 34
		seen[key]++
		disc(img, x, y-26, 16, mapPath)
		label := fmt.Sprint(i + 1)
		text(img, bold, x-float64(measure(bold, label))/2, y-17, label, mapWhite)
		taken = append(taken, image.Rect(int(x)-16, int(y)-42, int(x)+16, int(y)-10))
	}
	for _, l := range labels {
		taken = append(taken, image.Rect(int(l.x)-10, int(l.y)-10, int(l.x)+10, int(l.y)+10))
	}
	for _, l := range labels {
		w := float64(measure(l.face, l.text))
		asc := float64(l.face.Metrics().Ascent.Round())
		var first, best image.Rectangle
		var bx, by float64
		for i, off := range [][2]float64{{16, 8}, {-16 - w, 8}, {-w / 2, -16}, {-w / 2, 14 + asc}, {16, 34}, {16, -18}, {-16 - w, 34}, {-16 - w, -18}} {
			x, y := l.x+off[0], l.y+off[1]
			r := image.Rect(int(x)-2, int(y-asc)-2, int(x+w)+2, int(y)+6)
			if i == 0 {
				first, bx, by = r, x, y
			}
			if !overlapsAny(r, taken) && r.In(img.Bounds()) {
				best, bx, by = r, x, y
				break
			}
		}
		if best.Empty() {
			best = first
			bx, by = float64(first.Min.X+2), float64(first.Max.Y-6)
		}
		taken = append(taken, best)
		text(img, l.face, bx, by, l.text, l.color)
	}

	// North arrow and scale bar.
	nx, ny := float64(w)-50, 40.0
	line(img, nx, ny+50, nx, ny, 4, mapInk)
	line(img, nx, ny, nx-10, ny+18, 4, mapInk)
	line(img, nx, ny, nx+10, ny+18, 4, mapInk)
	text(img, bold, nx-9, ny+80, "N", mapInk)
	bar := niceLength(float64(w) / scale / 5)
	bx, by := 40.0, float64(h)-40
	line(img, bx, by, bx+bar*scale, by, 6, mapInk)
	line(img, bx, by-12, bx, by+6, 3, mapInk)
	line(img, bx+bar*scale, by-12, bx+bar*scale, by+6, 3, mapInk)
	text(img, regular, bx, by-18, formatLength(bar), mapInk)
	return img, nil
}

// pendingLabel is a name to place once every marker is drawn.
type pendingLabel struct {
	x, y  float64
	text  string
	face  font.Face
	color color.RGBA
}

func overlapsAny(r image.Rectangle, rs []image.Rectangle) bool {
	for _, o := range rs {
		if r.Overlaps(o) {
			return true
		}
	}
	return false
}

// niceLength rounds a length in metres down to 1, 2 or 5 times a power of ten.
func niceLength(m float64) float64 {
	if m <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, f := range []float64{5, 2, 1} {
		if f*p <= m {
			return f * p
		}
	}
	return p
}

func formatLength(m float64) string {
	if m >= 1000 {
		return fmt.Sprintf("%g km", m/1000)
	}
	return fmt.Sprintf("%g m", m)
}

func newFace(ttf []byte, size float64) (font.Face, error) {
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

func measure(face font.Face, s string) int { return font.MeasureString(face, s).Round() }

// text draws s with its baseline at y, on a light halo so that it stays
// readable over lines.
func text(img *image.RGBA, face font.Face, x, y float64, s string, c color.RGBA) {
	if c != mapWhite {
		for _, d := range [][2]int{{-2, 0}, {2, 0}, {0, -2}, {0, 2}} {
			dr := font.Drawer{Dst: img, Src: &image.Uniform{mapBackground}, Face: face, Dot: fixed.P(int(x)+d[0], int(y)+d[1])}
			dr.DrawString(s)
		}
	}
	dr := font.Drawer{Dst: img, Src: &image.Uniform{c}, Face: face, Dot: fixed.P(int(x), int(y))}
	dr.DrawString(s)
}

// disc fills a circle of radius r around (x, y).
func disc(img *image.RGBA, x, y, r float64, c color.RGBA) {
	b := img.Bounds()
	for py := int(y - r); py <= int(y+r); py++ {
		for px := int(x - r); px <= int(x+r); px++ {
			dx, dy := float64(px)+0.5-x, float64(py)+0.5-y
			if dx*dx+dy*dy <= r*r && image.Pt(px, py).In(b) {
				img.SetRGBA(px, py, c)
			}
		}
	}
}

// line draws a segment of the given width.
func line(img *image.RGBA, x0, y0, x1, y1, width float64, c color.RGBA) {
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	for i := 0; i <= n; i++ {
		f := float64(i) / float64(n)
		x, y := x0+f*(x1-x0), y0+f*(y1-y0)
		if width <= 1 {
			if p := image.Pt(int(x), int(y)); p.In(img.Bounds()) {
				img.SetRGBA(p.X, p.Y, c)
			}
			continue
		}
		disc(img, x, y, width/2, c)
	}
}

// arrow draws a segment with a head at its end, stopping short of the
// camera markers at both ends.
func arrow(img *image.RGBA, x0, y0, x1, y1 float64, c color.RGBA) {
	dx, dy := x1-x0, y1-y0
	l := math.Hypot(dx, dy)
	if l < 40 {
		return
	}
	ux, uy := dx/l, dy/l
	x0, y0, x1, y1 = x0+ux*16, y0+uy*16, x1-ux*16, y1-uy*16
	line(img, x0, y0, x1, y1, 5, c)
	for _, s := range []float64{1, -1} {
		hx := x1 - ux*22 + s*uy*11
		hy := y1 - uy*22 - s*ux*11
		line(img, x1, y1, hx, hy, 5, c)
	}
}

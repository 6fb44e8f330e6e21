package catalog

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/fault"
)

const earthRadius = 6371008.8 // metres, mean radius

// Distance is the great-circle distance in metres (haversine).
func Distance(a, b LatLon) float64 {
	rad := math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Inside reports whether p lies inside polygon poly (ray casting on the
// lat/lon plane, accurate for the few hundred metres a camera sees).
func Inside(p LatLon, poly []LatLon) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) &&
			p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// Travel is how a person moves between cameras. Its value is what users
// type (--speed walk) and what JSON carries.
type Travel string

// The ways of travel analysts choose from.
const (
	Walk Travel = "walk"
	Run  Travel = "run"
	Bike Travel = "bike"
	Car  Travel = "car"
)

// Travels in the order they are offered.
var Travels = []Travel{Walk, Run, Bike, Car}

// Label is the way of travel as front ends show it: the one place for its
// display text.
func (t Travel) Label() string { return string(t) }

// Speed is the range of speeds of this way of travel; ok is false for an
// unknown one.
func (t Travel) Speed() (s Speed, ok bool) {
	s, ok = Speeds[t]
	return s, ok
}

// ParseTravel checks a way of travel given by a user.
func ParseTravel(s string) (Travel, error) {
	if _, ok := Speeds[Travel(s)]; !ok {
		labels := make([]string, len(Travels))
		for i, t := range Travels {
			labels[i] = t.Label()
		}
		return "", fault.Fieldf("speed", "%q: use %s", s, strings.Join(labels, ", "))
	}
	return Travel(s), nil
}

// Speed is a range of travel speeds in km/h.
type Speed struct {
	Name     Travel
	Min, Max float64
}

// Speeds are the ranges of each way of travel; town speeds, not highway ones.
var Speeds = map[Travel]Speed{
	Walk: {Walk, 3, 7},
	Run:  {Run, 8, 15},
	Bike: {Bike, 12, 25},
	Car:  {Car, 20, 60},
}

// Detour is how much longer a route through a street grid is than the
// straight line.
const Detour = 1.4

// Window is when a person who left a point at a time could pass a camera.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// PassWindow returns [t + d/vmax, t + Detour·d/vmin] for distance d metres.
func PassWindow(t time.Time, d float64, s Speed) Window {
	ms := func(kmh float64) float64 { return kmh / 3.6 }
	return Window{
		From: t.Add(time.Duration(d / ms(s.Max) * float64(time.Second))).Round(time.Second),
		To:   t.Add(time.Duration(Detour * d / ms(s.Min) * float64(time.Second))).Round(time.Second),
	}
}

// Near is one camera ranked by distance from a point.
type Near struct {
	Camera   *Camera `json:"camera"`
	Distance float64 `json:"distance_m"`
	Inside   bool    `json:"inside_coverage"`
	Window   *Window `json:"window,omitempty"`
}

// NearQuery ranks cameras around From. Within ≤ 0 means no limit. With a
// non-zero At, each camera gets the window for Speed.
type NearQuery struct {
	From   LatLon
	Within float64
	At     time.Time
	Speed  Speed
}

// Near returns the cameras within q.Within of q.From, nearest first.
func (c *Catalog) Near(q NearQuery) []Near { return NearAmong(c.Cameras, q) }

// NearAmong is Near over cams (in catalog order: cameras at the same
// distance keep it), e.g. the ones a store found in q's Box.
func NearAmong(cams []*Camera, q NearQuery) []Near {
	var out []Near
	for _, cam := range cams {
		d := Distance(q.From, cam.Location)
		if q.Within > 0 && d > q.Within {
			continue
		}
		n := Near{Camera: cam, Distance: d, Inside: len(cam.Coverage) >= 3 && Inside(q.From, cam.Coverage)}
		if !q.At.IsZero() {
			w := PassWindow(q.At, d, q.Speed)
			n.Window = &w
		}
		out = append(out, n)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Distance < out[j].Distance })
	return out
}

// Box is a latitude/longitude rectangle that holds every point within
// q.Within of q.From (a prefilter: Near measures each camera in it). ok
// is false when there is no limit or the rectangle would reach a pole
// or cross the antimeridian; then every camera is measured.
func (q NearQuery) Box() (minLat, maxLat, minLon, maxLon float64, ok bool) {
	if q.Within <= 0 {
		return 0, 0, 0, 0, false
	}
	// A degree of latitude is at least 110.5 km; use a smaller radius and a
	// margin so the box never cuts a camera that Distance keeps.
	dLat := q.Within / (earthRadius * math.Pi / 180) * 1.01
	minLat, maxLat = q.From.Lat-dLat, q.From.Lat+dLat
	if dLat > 10 || minLat <= -89 || maxLat >= 89 {
		return 0, 0, 0, 0, false
	}
	cos := math.Min(math.Cos(minLat*math.Pi/180), math.Cos(maxLat*math.Pi/180))
	dLon := dLat / cos
	minLon, maxLon = q.From.Lon-dLon, q.From.Lon+dLon
	if minLon < -180 || maxLon > 180 {
		return 0, 0, 0, 0, false
	}
	return minLat, maxLat, minLon, maxLon, true
}

// ParseLatLon reads "55.6036,13.0021".
func ParseLatLon(s string) (LatLon, bool) {
	var p LatLon
	parts := strings.Split(s, ",")
	if len(parts) != 2 { // "1,2,3" is not a position
		return p, false
	}
	var err1, err2 error
	p.Lat, err1 = strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	p.Lon, err2 = strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	if err1 != nil || err2 != nil {
		return p, false
	}
	return p, validLatLon(p) == nil
}

// FormatDistance shows metres below a kilometre and kilometres above.
func FormatDistance(m float64) string {
	switch {
	case m < 1000:
		return fmt.Sprintf("%.0f m", m)
	case m < 100_000:
		return fmt.Sprintf("%.2f km", m/1000)
	}
	return fmt.Sprintf("%.0f km", m/1000) // far: metres say nothing
}

package clock

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// DefaultDriftBound is how fast a camera clock is assumed at most to drift
// from the nearest measurement when klipp.yaml's clock.drift_bound says
// nothing: 2 s a day, what a cheap recorder's quartz keeps (±23 ppm).
const DefaultDriftBound = 2 * time.Second

// DefaultResolution is the resolution of a measurement that states none:
// a clock read to the whole second.
const DefaultResolution = 500 * time.Millisecond

// SpreadWindow is how close measurements must be to count as repeated
// readings of one clock: within it they should agree, and half the range
// of their offsets is the spread.
const SpreadWindow = time.Minute

// Bound is the uncertainty of a true time klipp derives from a camera
// clock: the true instant lies within ± Plus of it. Known is false for a
// clock that was never measured: then there is no bound.
type Bound struct {
	Known bool
	Plus  time.Duration
	// The terms, added (a worst case, not a root sum of squares).
	Spread, Drift, Resolution, Frame time.Duration
}

// Uncertainty is the bound on the true time t derived through this clock
// model: the spread of the measurements taken within SpreadWindow of the
// nearest one (half their range), the distance from the nearest
// measurement times driftPerDay (the most the clock is assumed to drift in
// a day), the nearest measurement's resolution and one frame interval.
func (o Offsets) Uncertainty(t time.Time, driftPerDay, frame time.Duration) Bound {
	if len(o.m) == 0 {
		return Bound{}
	}
	near := o.m[0]
	for _, m := range o.m[1:] {
		if absDur(m.At.Sub(t)) < absDur(near.At.Sub(t)) {
			near = m
		}
	}
	lo, hi := near.Offset, near.Offset
	for _, m := range o.m {
		if absDur(m.At.Sub(near.At)) <= SpreadWindow {
			lo, hi = min(lo, m.Offset), max(hi, m.Offset)
		}
	}
	b := Bound{Known: true, Spread: (hi - lo) / 2, Frame: frame, Resolution: near.Resolution}
	if b.Resolution <= 0 {
		b.Resolution = DefaultResolution
	}
	days := float64(absDur(t.Sub(near.At))) / float64(24*time.Hour)
	b.Drift = time.Duration(math.Round(days * float64(driftPerDay)))
	b.Plus = b.Spread + b.Drift + b.Resolution + b.Frame
	return b
}

// Overlap reports whether two times with these bounds may be in either
// order: their intervals overlap, or either bound is unknown.
func Overlap(a time.Time, ab Bound, b time.Time, bb Bound) bool {
	if !ab.Known || !bb.Known {
		return true
	}
	return absDur(a.Sub(b)) <= ab.Plus+bb.Plus
}

// ResolutionOf is the resolution of a clock reading as written: whole
// seconds are ±0.5 s, "22:14:07.2" ±0.05 s, "22:14" ±30 s.
func ResolutionOf(shown string) time.Duration {
	s := strings.TrimSpace(shown)
	i := strings.IndexAny(s, " T")
	if i < 0 {
		return 12 * time.Hour // a date only
	}
	s = s[i+1:]
	if j := strings.IndexAny(s, "Z+-"); j >= 0 {
		s = s[:j] // the zone
	}
	if j := strings.IndexAny(s, ".,"); j >= 0 {
		return time.Duration(0.5 * math.Pow10(9-(len(s)-j-1)))
	}
	if strings.Count(s, ":") < 2 {
		return 30 * time.Second
	}
	return DefaultResolution
}

// ParseDriftBound reads a drift bound "2s/day", "0.5s/d", "10s/week",
// "30ppm" as the most a clock drifts in a day.
func ParseDriftBound(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if strings.HasSuffix(t, "ppm") {
		var ppm float64
		if _, err := fmt.Sscanf(strings.TrimSuffix(t, "ppm"), "%g", &ppm); err != nil || ppm < 0 {
			return 0, fmt.Errorf("cannot read drift bound %q: give e.g. 2s/day or 23ppm", s)
		}
		return time.Duration(ppm * 1e-6 * float64(24*time.Hour)), nil
	}
	amount, per, ok := strings.Cut(t, "/")
	if !ok {
		return 0, fmt.Errorf("cannot read drift bound %q: give e.g. 2s/day or 23ppm", s)
	}
	d, err := ParseDuration(amount)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("cannot read drift bound %q: give e.g. 2s/day or 23ppm", s)
	}
	var span time.Duration
	switch strings.TrimSpace(per) {
	case "day", "d":
		span = 24 * time.Hour
	case "week", "w":
		span = 7 * 24 * time.Hour
	case "h", "hour":
		span = time.Hour
	default:
		if span, err = ParseDuration("1" + strings.TrimSpace(per)); err != nil || span <= 0 {
			return 0, fmt.Errorf("cannot read drift bound %q: per what (day, week, h)", s)
		}
	}
	return time.Duration(float64(d) * float64(24*time.Hour) / float64(span)), nil
}

// FormatUncertain shows t in loc as "22:14:05,2 ± 0,6 s" (sv: decimal
// comma) or "22:14:05.2 ± 0.6 s" (en), the bound rounded up to the tenth of
// a second; an unknown bound is "(clock not verified)" / "(klockan ej
// kontrollerad)".
func FormatUncertain(t time.Time, b Bound, loc *time.Location, lang string) string {
	sep := "."
	if lang == "sv" {
		sep = ","
	}
	tenth := t.In(loc).Round(100 * time.Millisecond)
	s := tenth.Format("15:04:05") + sep + fmt.Sprint(tenth.Nanosecond()/1e8)
	if !b.Known {
		if lang == "sv" {
			return s + " (klockan ej kontrollerad)"
		}
		return s + " (clock not verified)"
	}
	return s + " ± " + FormatPlus(b, sep) + " s"
}

// FormatPlus is the bound in seconds rounded up to the tenth: "0.6".
func FormatPlus(b Bound, sep string) string {
	tenths := int64(math.Ceil(float64(b.Plus) / float64(100*time.Millisecond)))
	return fmt.Sprintf("%d%s%d", tenths/10, sep, tenths%10)
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

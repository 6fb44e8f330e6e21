// Package clock holds klipp's time model (design.md §4): parsing of input
// times, durations and distances, and camera clock offsets with linear drift.
// It is pure: no I/O, no global clock.
package clock

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DisplayLayout is how klipp shows an instant in the display zone.
const DisplayLayout = "2006-01-02 15:04:05.000"

// localLayouts are the accepted forms of a wall-clock time without zone.
var localLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02", // midnight at the start of the day
}

// ParseTime reads an instant given as RFC 3339 (with offset) or as a wall
// clock time "2006-01-02 15:04:05[.fff]" in loc. A wall clock time that is
// ambiguous in loc (the repeated hour when clocks go back) or that does not
// exist (the hour skipped when clocks go forward) is rejected, and the error
// shows the candidates or the gap.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time: give RFC 3339 (2026-11-20T22:14:05+01:00) or \"2026-11-20 22:14:05\"")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	var outOfRange string
	for _, layout := range localLayouts {
		wall, err := time.Parse(layout, s)
		var pe *time.ParseError
		if errors.As(err, &pe) && strings.HasSuffix(pe.Message, "out of range") && outOfRange == "" {
			outOfRange = strings.TrimPrefix(pe.Message, ": ")
		}
		if err != nil {
			continue
		}
		return ResolveLocal(wall, loc)
	}
	if outOfRange != "" {
		// The form is right; the date or time is not one ("2026-13-20").
		return time.Time{}, fmt.Errorf("no such time %q: %s", s, outOfRange)
	}
	return time.Time{}, fmt.Errorf("cannot read time %q: give RFC 3339 (2026-11-20T22:14:05.120+01:00) or \"2026-11-20 22:14:05[.fff]\" in %s", s, loc)
}

// LocalCandidates returns the instants whose wall clock in loc reads the
// fields of wall (wall's own zone is ignored): none inside a spring-forward
// gap, two in a fall-back hour, otherwise one. They are sorted and in UTC.
func LocalCandidates(wall time.Time, loc *time.Location) []time.Time {
	asUTC := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), time.UTC)
	var out []time.Time
	seen := map[int]bool{}
	for _, probe := range []time.Duration{-26 * time.Hour, 0, 26 * time.Hour} {
		_, off := asUTC.Add(probe).In(loc).Zone()
		if seen[off] {
			continue
		}
		seen[off] = true
		cand := asUTC.Add(-time.Duration(off) * time.Second)
		if _, o := cand.In(loc).Zone(); o == off {
			out = append(out, cand)
		}
	}
	if len(out) == 2 && out[1].Before(out[0]) {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

// ResolveLocal turns a wall clock reading in loc into the one instant it
// names, or explains why there is not exactly one.
func ResolveLocal(wall time.Time, loc *time.Location) (time.Time, error) {
	c := LocalCandidates(wall, loc)
	shown := wall.Format("2006-01-02 15:04:05.999999999")
	switch len(c) {
	case 1:
		return c[0], nil
	case 2:
		return time.Time{}, fmt.Errorf("%s is ambiguous in %s (clocks go back): it is either %s or %s; give the offset (RFC 3339)",
			shown, loc, c[0].In(loc).Format(time.RFC3339Nano), c[1].In(loc).Format(time.RFC3339Nano))
	default:
		asUTC := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), time.UTC)
		_, offBefore := asUTC.Add(-26 * time.Hour).In(loc).Zone()
		// Bisect for the first instant after the old offset ended.
		lo := asUTC.Add(-time.Duration(offBefore)*time.Second - 6*time.Hour)
		hi := lo.Add(12 * time.Hour)
		for hi.Sub(lo) > time.Second {
			mid := lo.Add(hi.Sub(lo) / 2)
			if _, o := mid.In(loc).Zone(); o == offBefore {
				lo = mid
			} else {
				hi = mid
			}
		}
		jump := hi.Truncate(time.Second)
		return time.Time{}, fmt.Errorf("%s does not exist in %s: the clocks jump from %s to %s; give the offset (RFC 3339)",
			shown, loc, jump.In(time.FixedZone("", offBefore)).Format("15:04"), jump.In(loc).Format("15:04 MST"))
	}
}

// FormatDisplay shows t in loc to the millisecond, with the zone abbreviation.
func FormatDisplay(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(DisplayLayout + " MST")
}

var durationUnits = map[string]time.Duration{
	"ms": time.Millisecond,
	"s":  time.Second,
	"m":  time.Minute,
	"h":  time.Hour,
	"d":  24 * time.Hour,
	"w":  7 * 24 * time.Hour,
	"y":  365 * 24 * time.Hour,
}

// ParseDuration reads a signed sequence of number+unit pairs: "62d", "10y",
// "90s", "+35s", "-1.5s", "1h30m". Units: ms s m h d w y (y = 365 days; a
// retention period, where a year is a calendar year, is a Period).
func ParseDuration(s string) (time.Duration, error) {
	var total float64
	sign, err := scanDuration(s, func(n float64, unit string) error {
		total += n * float64(durationUnits[unit])
		return nil
	})
	if err != nil {
		return 0, err
	}
	if total > math.MaxInt64/2 {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return time.Duration(math.Round(sign * total)), nil
}

// scanDuration walks the number+unit pairs of a duration, after an optional
// sign, calling add for each; it returns the sign, 1 or -1.
func scanDuration(orig string, add func(n float64, unit string) error) (float64, error) {
	s := strings.TrimSpace(orig)
	sign := 1.0
	if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	if s == "" {
		return 0, fmt.Errorf("cannot read duration %q: give e.g. 90s, 62d, 10y, 1h30m", orig)
	}
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		j := i
		for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
			j++
		}
		if i == 0 || j == i {
			return 0, fmt.Errorf("cannot read duration %q: give e.g. 90s, 62d, 10y, 1h30m", orig)
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("cannot read duration %q: %q is not a number", orig, s[:i])
		}
		if _, ok := durationUnits[s[i:j]]; !ok {
			return 0, fmt.Errorf("cannot read duration %q: unknown unit %q (ms s m h d w y)", orig, s[i:j])
		}
		if err := add(n, s[i:j]); err != nil {
			return 0, err
		}
		s = s[j:]
	}
	return sign, nil
}

// Period is a length of time that ends on the calendar: whole years, added
// with time.AddDate so that ten years from 3 December end on 3 December, leap
// days or not, then an exact duration (weeks, days and smaller units).
type Period struct {
	Years    int
	Duration time.Duration
}

// ParsePeriod reads ParseDuration's syntax ("10y", "25y", "1y30d", "90d"),
// with each y a calendar year. Years must be whole: "1.5y" is refused, as
// half a calendar year has no one length (give "1y182d").
func ParsePeriod(s string) (Period, error) {
	var years, rest float64
	sign, err := scanDuration(s, func(n float64, unit string) error {
		if unit != "y" {
			rest += n * float64(durationUnits[unit])
			return nil
		}
		if n != math.Trunc(n) {
			return fmt.Errorf("cannot read period %q: years are calendar years and must be whole; give the rest in days (1y182d)", s)
		}
		years += n
		return nil
	})
	if err != nil {
		return Period{}, err
	}
	if years > 10000 || rest > math.MaxInt64/2 {
		return Period{}, fmt.Errorf("period %q is too long", s)
	}
	return Period{Years: int(sign * years), Duration: time.Duration(math.Round(sign * rest))}, nil
}

// AddTo is t moved by p: the years on t's calendar (time.AddDate, which
// normalises: 29 February plus a year is 1 March), then the duration.
func (p Period) AddTo(t time.Time) time.Time {
	return t.AddDate(p.Years, 0, 0).Add(p.Duration)
}

// Positive reports whether p moves time forward. (ParsePeriod gives the
// years and the duration the same sign.)
func (p Period) Positive() bool {
	return p.Years > 0 && p.Duration >= 0 || p.Years == 0 && p.Duration > 0
}

// String shows p as ParsePeriod reads it: "10y", "1y30d", "90d".
func (p Period) String() string {
	if p.Years == 0 {
		return FormatDuration(p.Duration)
	}
	sign, y, d := "", p.Years, p.Duration
	if y < 0 {
		sign, y, d = "-", -y, -d
	}
	if d == 0 {
		return fmt.Sprintf("%s%dy", sign, y)
	}
	return fmt.Sprintf("%s%dy%s", sign, y, FormatDuration(d))
}

// MarshalText writes p as String does, so that configuration shown as JSON
// reads "10y".
func (p Period) MarshalText() ([]byte, error) {
	return []byte(p.String()), nil
}

// FormatDuration shows d compactly with the largest whole units: "62d",
// "1h30m", "+35s" style without sign for positive values.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	for _, u := range []struct {
		name string
		d    time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}} {
		if d >= u.d {
			fmt.Fprintf(&b, "%d%s", d/u.d, u.name)
			d %= u.d
		}
	}
	if d > 0 {
		secs := d.Seconds()
		if d%time.Second == 0 {
			fmt.Fprintf(&b, "%ds", int64(secs))
		} else {
			fmt.Fprintf(&b, "%ss", strconv.FormatFloat(secs, 'f', -1, 64))
		}
	}
	return b.String()
}

// ParseDistance reads a distance in metres from "300m", "1.2km" or "300 m".
func ParseDistance(s string) (float64, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	unit := 1.0
	switch {
	case strings.HasSuffix(t, "km"):
		unit, t = 1000, strings.TrimSuffix(t, "km")
	case strings.HasSuffix(t, "m"):
		t = strings.TrimSuffix(t, "m")
	default:
		return 0, fmt.Errorf("cannot read distance %q: give metres or kilometres, e.g. 300m or 1.2km", s)
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("cannot read distance %q: give metres or kilometres, e.g. 300m or 1.2km", s)
	}
	return n * unit, nil
}

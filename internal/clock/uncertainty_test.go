package clock

import (
	"testing"
	"time"
)

func TestUncertainty(t *testing.T) {
	at := func(s string) time.Time { return time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC).Add(mustDur(t, s)) }
	frame := 40 * time.Millisecond
	two := []Measurement{{At: at("21h"), Offset: 10 * time.Second}, {At: at("21h2m"), Offset: 14 * time.Second, Resolution: 50 * time.Millisecond}}
	repeated := []Measurement{{At: at("21h"), Offset: 10 * time.Second}, {At: at("21h30s"), Offset: 10600 * time.Millisecond}}
	for _, c := range []struct {
		name  string
		ms    []Measurement
		t     time.Time
		drift time.Duration
		plus  time.Duration
		known bool
	}{
		{"unverified: no bound", nil, at("21h"), DefaultDriftBound, 0, false},
		{"at the measurement: resolution and a frame", two[:1], at("21h"), DefaultDriftBound, 540 * time.Millisecond, true},
		{"half a day away: 1 s of drift", two[:1], at("9h"), DefaultDriftBound, 1540 * time.Millisecond, true},
		{"nearest is the finer one", two, at("21h1m50s"), 24 * time.Hour / 1000, 10*time.Millisecond + 50*time.Millisecond + frame, true},
		{"repeated readings: half their range", repeated, at("21h"), 0, 300*time.Millisecond + 500*time.Millisecond + frame, true},
		{"repeated readings, later: spread about the nearest", repeated, at("22h"), 0, 300*time.Millisecond + 500*time.Millisecond + frame, true},
	} {
		b := NewOffsets(c.ms).Uncertainty(c.t, c.drift, frame)
		if b.Known != c.known || b.Plus != c.plus {
			t.Errorf("%s: got known=%v ±%v, want known=%v ±%v (%+v)", c.name, b.Known, b.Plus, c.known, c.plus, b)
		}
	}
}

func TestOverlap(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	b := Bound{Known: true, Plus: 600 * time.Millisecond}
	for _, c := range []struct {
		d    time.Duration
		a, b Bound
		want bool
	}{
		{time.Second, b, b, true},
		{1200 * time.Millisecond, b, b, true},
		{1300 * time.Millisecond, b, b, false},
		{time.Hour, b, Bound{}, true},
	} {
		if got := Overlap(t0, c.a, t0.Add(c.d), c.b); got != c.want {
			t.Errorf("overlap %v apart: %v, want %v", c.d, got, c.want)
		}
	}
}

func TestResolutionOf(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"2026-11-20 22:14:07":           500 * time.Millisecond,
		"2026-11-20 22:14:07.2":         50 * time.Millisecond,
		"2026-11-20 22:14:07.25":        5 * time.Millisecond,
		"2026-11-20T22:14:07+01:00":     500 * time.Millisecond,
		"2026-11-20T22:14:07.120-05:00": 500 * time.Microsecond,
		"2026-11-20 22:14":              30 * time.Second,
	} {
		if got := ResolutionOf(in); got != want {
			t.Errorf("ResolutionOf(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParseDriftBound(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"2s/day": 2 * time.Second, "0.5s/d": 500 * time.Millisecond, "14s/week": 2 * time.Second,
		"1s/h": 24 * time.Second, "0s/day": 0,
	} {
		got, err := ParseDriftBound(in)
		if err != nil || got != want {
			t.Errorf("ParseDriftBound(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := ParseDriftBound("23ppm"); err != nil || got < 1980*time.Millisecond || got > 1990*time.Millisecond {
		t.Errorf("23ppm = %v, %v", got, err)
	}
	for _, bad := range []string{"2s", "fast", "-1s/day", "2s/fortnight"} {
		if _, err := ParseDriftBound(bad); err == nil {
			t.Errorf("ParseDriftBound(%q) accepted", bad)
		}
	}
}

func TestFormatUncertain(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Stockholm")
	at := time.Date(2026, 11, 20, 21, 14, 5, 230e6, time.UTC)
	b := Bound{Known: true, Plus: 540 * time.Millisecond}
	if got := FormatUncertain(at, b, loc, "sv"); got != "22:14:05,2 ± 0,6 s" {
		t.Errorf("sv: %q", got)
	}
	if got := FormatUncertain(at, b, loc, "en"); got != "22:14:05.2 ± 0.6 s" {
		t.Errorf("en: %q", got)
	}
	if got := FormatUncertain(at, Bound{}, loc, "en"); got != "22:14:05.2 (clock not verified)" {
		t.Errorf("unverified: %q", got)
	}
}

func mustDur(t *testing.T, s string) time.Duration {
	d, err := ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

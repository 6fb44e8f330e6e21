package clock

import (
	"strings"
	"testing"
	"time"
)

func stockholm(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseTime(t *testing.T) {
	loc := stockholm(t)
	cases := []struct {
		in      string
		want    string // RFC 3339 in UTC, or "" for an error
		errPart string
	}{
		{"2026-11-20T22:14:05.120+01:00", "2026-11-20T21:14:05.12Z", ""},
		{"2026-11-20T21:14:05Z", "2026-11-20T21:14:05Z", ""},
		{"2026-11-20 22:14:05", "2026-11-20T21:14:05Z", ""},
		{"2026-11-20 22:14:05.120", "2026-11-20T21:14:05.12Z", ""},
		{"2026-11-20T22:14:05", "2026-11-20T21:14:05Z", ""},
		{"2026-07-01 12:00", "2026-07-01T10:00:00Z", ""},
		{"2026-11-20", "2026-11-19T23:00:00Z", ""},
		// Fall back 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 happens twice.
		{"2026-10-25 02:30:00", "", "2026-10-25T02:30:00+02:00 or 2026-10-25T02:30:00+01:00"},
		// Spring forward 2026-03-29 02:00 CET -> 03:00 CEST: 02:30 never happens.
		{"2026-03-29 02:30:00", "", "jump from 02:00 to 03:00 CEST"},
		{"2026-10-25T02:30:00+01:00", "2026-10-25T01:30:00Z", ""},
		{"yesterday", "", "cannot read time"},
		{"", "", "empty time"},
		{"2026-13-01 00:00:00", "", "no such time \"2026-13-01 00:00:00\": month out of range"},
		{"2026-11-31 12:00", "", "day out of range"},
		{"20261120", "", "cannot read time"},
	}
	for _, c := range cases {
		got, err := ParseTime(c.in, loc)
		if c.want == "" {
			if err == nil || !strings.Contains(err.Error(), c.errPart) {
				t.Errorf("ParseTime(%q) error = %v, want one containing %q", c.in, err, c.errPart)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTime(%q): %v", c.in, err)
			continue
		}
		if g := got.Format(time.RFC3339Nano); g != c.want {
			t.Errorf("ParseTime(%q) = %s, want %s", c.in, g, c.want)
		}
	}
}

func TestLocalCandidates(t *testing.T) {
	loc := stockholm(t)
	wall := func(s string) time.Time {
		w, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	if c := LocalCandidates(wall("2026-10-25 02:00:00"), loc); len(c) != 2 || c[1].Sub(c[0]) != time.Hour {
		t.Errorf("fall-back 02:00 candidates = %v", c)
	}
	if c := LocalCandidates(wall("2026-10-25 03:00:00"), loc); len(c) != 1 || !c[0].Equal(time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("03:00 after fall-back = %v", c)
	}
	if c := LocalCandidates(wall("2026-03-29 02:59:59"), loc); len(c) != 0 {
		t.Errorf("spring-forward gap candidates = %v", c)
	}
	if c := LocalCandidates(wall("2026-03-29 03:00:00"), loc); len(c) != 1 {
		t.Errorf("03:00 after spring-forward = %v", c)
	}
}

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"62d", 62 * 24 * time.Hour, true},
		{"10y", 3650 * 24 * time.Hour, true},
		{"90s", 90 * time.Second, true},
		{"+35s", 35 * time.Second, true},
		{"-1.5s", -1500 * time.Millisecond, true},
		{"1h30m", 90 * time.Minute, true},
		{"2w", 14 * 24 * time.Hour, true},
		{"250ms", 250 * time.Millisecond, true},
		{"", 0, false},
		{"5", 0, false},
		{"5 parsecs", 0, false},
		{"d", 0, false},
		{"1.2.3s", 0, false},
		{"+", 0, false},
	}
	for _, c := range cases {
		got, err := ParseDuration(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		62 * 24 * time.Hour:      "62d",
		90 * time.Minute:         "1h30m",
		35 * time.Second:         "35s",
		-1500 * time.Millisecond: "-1.5s",
		0:                        "0s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Errorf("round trip of %v: %v, %v", d, back, err)
		}
	}
}

func TestParseDistance(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"300m", 300, true}, {"1.2km", 1200, true}, {"300 m", 300, true}, {"0m", 0, true},
		{"300", 0, false}, {"-5m", 0, false}, {"km", 0, false}, {"1.2 miles", 0, false}, {"NaNm", 0, false},
	}
	for _, c := range cases {
		got, err := ParseDistance(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseDistance(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestOffsetsInterpolate(t *testing.T) {
	a := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	b := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	o := NewOffsets([]Measurement{{At: b, Offset: 39 * time.Second}, {At: a, Offset: 35 * time.Second}})
	cases := []struct {
		at   time.Time
		want time.Duration
	}{
		{a.Add(-48 * time.Hour), 35 * time.Second},
		{a, 35 * time.Second},
		{a.Add(10 * 24 * time.Hour), 37 * time.Second},
		{a.Add(5 * 24 * time.Hour), 36 * time.Second},
		{b, 39 * time.Second},
		{b.Add(1000 * time.Hour), 39 * time.Second},
	}
	for _, c := range cases {
		if got := o.At(c.at); got != c.want {
			t.Errorf("At(%v) = %v, want %v", c.at, got, c.want)
		}
	}
	if !o.Verified() || (Offsets{}).Verified() {
		t.Error("Verified wrong")
	}
	if (Offsets{}).At(a) != 0 {
		t.Error("unmeasured camera must have offset 0")
	}
	// Round trip true -> camera clock -> true, to the nanosecond.
	for _, tt := range []time.Time{a.Add(-time.Hour), a.Add(123456789 * time.Millisecond), b.Add(time.Minute)} {
		if back := o.TrueTime(o.CameraClock(tt)); back.Sub(tt).Abs() > time.Microsecond {
			t.Errorf("round trip %v -> %v", tt, back)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-20T22:14:05.120+01:00", "2026-11-20 22:14:05", "2026-10-25 02:30:00", "2026-03-29 02:30", ""} {
		f.Add(s)
	}
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s, loc)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) not in UTC", s)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"62d", "+35s", "1h30m", "-1.5s", "10y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		back, err := ParseDuration(FormatDuration(d))
		if err != nil {
			t.Fatalf("FormatDuration(%v)=%q does not parse: %v", d, FormatDuration(d), err)
		}
		if diff := back - d; diff > time.Microsecond || diff < -time.Microsecond {
			t.Fatalf("round trip %q: %v -> %v", s, d, back)
		}
	})
}

func FuzzParseDistance(f *testing.F) {
	for _, s := range []string{"300m", "1.2km", "0m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDistance(s)
		if err == nil && (d < 0 || d != d) {
			t.Fatalf("ParseDistance(%q) = %v", s, d)
		}
	})
}

func TestParsePeriodAddsCalendarYears(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		in, from, want, shown string
	}{
		// Ten calendar years, not 3650 days (which would end 2036-11-30).
		{"10y", "2026-12-03T14:17:00Z", "2036-12-03T14:17:00Z", "10y"},
		{"25y", "2026-12-03T14:17:00Z", "2051-12-03T14:17:00Z", "25y"},
		// A leap day plus a year: 2029-02-29 does not exist, and Go's
		// AddDate normalises it to 1 March. This asserts that choice.
		{"1y", "2028-02-29T10:00:00Z", "2029-03-01T10:00:00Z", "1y"},
		// Days and smaller units stay exact durations, after the years.
		{"1y30d", "2026-12-03T14:17:00Z", "2028-01-02T14:17:00Z", "1y30d"},
		{"90d", "2026-12-03T14:17:00Z", "2027-03-03T14:17:00Z", "90d"},
		{"2w12h", "2026-12-03T14:17:00Z", "2026-12-18T02:17:00Z", "14d12h"},
	}
	for _, c := range cases {
		p, err := ParsePeriod(c.in)
		if err != nil {
			t.Errorf("ParsePeriod(%q): %v", c.in, err)
			continue
		}
		if got := p.AddTo(at(c.from)); !got.Equal(at(c.want)) {
			t.Errorf("%s from %s = %s, want %s", c.in, c.from, got.Format(time.RFC3339), c.want)
		}
		if p.String() != c.shown || !p.Positive() {
			t.Errorf("%q reads as %q (positive %v), want %q", c.in, p, p.Positive(), c.shown)
		}
	}
	for in, errPart := range map[string]string{
		"1.5y":   "years are calendar years and must be whole",
		"10mo":   `unknown unit "mo"`,
		"soon":   "cannot read duration",
		"20000y": "too long",
	} {
		if _, err := ParsePeriod(in); err == nil || !strings.Contains(err.Error(), errPart) {
			t.Errorf("ParsePeriod(%q) error = %v, want one containing %q", in, err, errPart)
		}
	}
	if p, err := ParsePeriod("0s"); err != nil || p.Positive() {
		t.Errorf("0s: %+v %v, want a period that is not positive", p, err)
	}
	// A plain duration still reads y as 365 days.
	if d, err := ParseDuration("10y"); err != nil || d != 3650*24*time.Hour {
		t.Errorf("ParseDuration(10y) = %v %v", d, err)
	}
}

// Package pattern translates between recording file names and the camera
// clock times they encode, for patterns such as "%Y-%m-%d/%H-%M-%S.mp4"
// (design.md §5). Tokens: %Y %m %d %H %M %S, %f (fraction of a second, any
// number of digits), %z (+0100 or +01:00), %s (Unix seconds), * (any text
// within one path element) and %% (a literal %).
package pattern

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/clock"
)

// Pattern is a compiled file name pattern.
type Pattern struct {
	src    string
	re     *regexp.Regexp
	fields []byte // token letter per capture group; '*' for a star
}

var tokenRegexp = map[byte]string{
	'Y': `(\d{4})`,
	'm': `(\d{2})`,
	'd': `(\d{2})`,
	'H': `(\d{2})`,
	'M': `(\d{2})`,
	'S': `(\d{2})`,
	'f': `(\d+)`,
	'z': `(Z|[+-]\d{2}:?\d{2})`,
	's': `(\d+)`,
}

// Compile checks and compiles src. A pattern must carry a time: %s, or at
// least %Y %m %d %H %M.
func Compile(src string) (*Pattern, error) {
	if src == "" {
		return nil, fmt.Errorf("empty pattern: give e.g. %q", "%Y-%m-%d/%H-%M-%S.mp4")
	}
	var b strings.Builder
	b.WriteString("^")
	p := &Pattern{src: src}
	seen := map[byte]bool{}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '*':
			b.WriteString(`([^/]*?)`)
			p.fields = append(p.fields, '*')
		case c == '%':
			if i+1 >= len(src) {
				return nil, fmt.Errorf("pattern %q ends with a lone %%", src)
			}
			i++
			t := src[i]
			if t == '%' {
				b.WriteString("%")
				continue
			}
			re, ok := tokenRegexp[t]
			if !ok {
				return nil, fmt.Errorf("pattern %q: unknown token %%%c (known: %%Y %%m %%d %%H %%M %%S %%f %%z %%s * %%%%)", src, t)
			}
			seen[t] = true // a token may repeat (date in the folder and the name); Match checks they agree
			b.WriteString(re)
			p.fields = append(p.fields, t)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	if !seen['s'] && !(seen['Y'] && seen['m'] && seen['d'] && seen['H'] && seen['M']) {
		return nil, fmt.Errorf("pattern %q has no time: it needs %%s, or %%Y %%m %%d %%H %%M (and usually %%S)", src)
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", src, err)
	}
	p.re = re
	return p, nil
}

// String returns the pattern's source.
func (p *Pattern) String() string { return p.src }

// HasZone reports whether names carry their own zone (%z or %s), so that a
// repeated local hour cannot make them ambiguous.
func (p *Pattern) HasZone() bool {
	for _, f := range p.fields {
		if f == 'z' || f == 's' {
			return true
		}
	}
	return false
}

// Name is what a file name says about its start time, on the camera clock.
type Name struct {
	wall   time.Time // wall clock fields, in UTC as a carrier
	offset *int      // seconds east of UTC, from %z
	unix   bool      // wall is an absolute instant (from %s)
}

// Match parses rel (a slash-separated path relative to the recordings
// directory). ok is false when rel does not follow the pattern.
func (p *Pattern) Match(rel string) (n Name, ok bool, err error) {
	m := p.re.FindStringSubmatch(rel)
	if m == nil {
		return Name{}, false, nil
	}
	year, month, day := 1970, 1, 1
	var hour, minute, sec, nsec int
	first := map[byte]string{}
	for i, f := range p.fields {
		v := m[i+1]
		if f != '*' {
			if prev, ok := first[f]; ok && prev != v {
				return Name{}, true, fmt.Errorf("%s: %%%c is %s in one place and %s in another", rel, f, prev, v)
			}
			first[f] = v
		}
		switch f {
		case '*':
			continue
		case 'f':
			digits := v
			if len(digits) > 9 {
				digits = digits[:9]
			}
			nsec, _ = strconv.Atoi(digits + strings.Repeat("0", 9-len(digits)))
		case 'z':
			off, err := parseZone(v)
			if err != nil {
				return Name{}, true, fmt.Errorf("%s: %w", rel, err)
			}
			n.offset = &off
		case 's':
			s, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return Name{}, true, fmt.Errorf("%s: unix seconds %q: %w", rel, v, err)
			}
			n.unix = true
			t := time.Unix(s, 0).UTC()
			year, month, day = t.Year(), int(t.Month()), t.Day()
			hour, minute, sec = t.Hour(), t.Minute(), t.Second()
		default:
			x, _ := strconv.Atoi(v)
			switch f {
			case 'Y':
				year = x
			case 'm':
				month = x
			case 'd':
				day = x
			case 'H':
				hour = x
			case 'M':
				minute = x
			case 'S':
				sec = x
			}
		}
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return Name{}, true, fmt.Errorf("%s: not a valid date and time (%04d-%02d-%02d %02d:%02d:%02d)", rel, year, month, day, hour, minute, sec)
	}
	n.wall = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if n.wall.Day() != day {
		return Name{}, true, fmt.Errorf("%s: %04d-%02d-%02d is not a date", rel, year, month, day)
	}
	return n, true, nil
}

func parseZone(v string) (int, error) {
	if v == "Z" {
		return 0, nil
	}
	s := strings.ReplaceAll(v, ":", "")
	h, err1 := strconv.Atoi(s[1:3])
	m, err2 := strconv.Atoi(s[3:5])
	if err1 != nil || err2 != nil || h > 14 || m > 59 {
		return 0, fmt.Errorf("bad zone offset %q", v)
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off, nil
}

// Candidates returns the camera clock instants the name can mean in loc (the
// camera clock's zone): one normally, two in a repeated DST hour, none for a
// local time that does not exist.
func (n Name) Candidates(loc *time.Location) []time.Time {
	switch {
	case n.unix:
		return []time.Time{n.wall}
	case n.offset != nil:
		return []time.Time{n.wall.Add(-time.Duration(*n.offset) * time.Second)}
	default:
		return clock.LocalCandidates(n.wall, loc)
	}
}

// Format writes the name for camera clock instant t in loc; star replaces
// each * in the pattern.
func (p *Pattern) Format(t time.Time, loc *time.Location, star string) string {
	lt := t.In(loc)
	var b strings.Builder
	for i := 0; i < len(p.src); i++ {
		c := p.src[i]
		if c == '*' {
			b.WriteString(star)
			continue
		}
		if c != '%' || i+1 >= len(p.src) {
			b.WriteByte(c)
			continue
		}
		i++
		switch p.src[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", lt.Year())
		case 'm':
			fmt.Fprintf(&b, "%02d", int(lt.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", lt.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", lt.Hour())
		case 'M':
			fmt.Fprintf(&b, "%02d", lt.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", lt.Second())
		case 'f':
			fmt.Fprintf(&b, "%06d", lt.Nanosecond()/1000)
		case 'z':
			b.WriteString(lt.Format("-0700"))
		case 's':
			fmt.Fprintf(&b, "%d", t.Unix())
		case '%':
			b.WriteByte('%')
		}
	}
	return b.String()
}

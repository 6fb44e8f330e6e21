package tui

import (
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/footage"
)

// ExpiringWithin is how close to its deletion at the source footage is
// drawn as expiring.
const ExpiringWithin = 14 * 24 * time.Hour

// StripOf draws a camera's coverage over [from, to) in cells: each cell
// shows the footage in its span as footage, expiring, expired, damaged or
// a gap (damage wins over footage in a shared cell).
func StripOf(cov *footage.Coverage, from, to time.Time, cells int, now time.Time) Strip {
	if cells <= 0 || !to.After(from) {
		return ""
	}
	out := []rune(strings.Repeat(string(CellGap), cells))
	span := to.Sub(from)
	mark := func(a, b time.Time, r rune) {
		i0 := int(float64(a.Sub(from)) / float64(span) * float64(cells))
		i1 := int(float64(b.Sub(from)) / float64(span) * float64(cells))
		for i := max(0, i0); i <= min(cells-1, i1); i++ {
			if out[i] == CellGap || r == CellDamaged {
				out[i] = r
			}
		}
	}
	for _, p := range cov.Segments {
		r := CellFootage
		switch {
		case p.Expired:
			r = CellExpired
		case p.Expires.Sub(now) < ExpiringWithin:
			r = CellExpiring
		}
		mark(p.TrueStart, p.TrueEnd, r)
	}
	for _, p := range cov.Damaged {
		mark(p.TrueStart, p.TrueEnd, CellDamaged)
	}
	return Strip(out)
}

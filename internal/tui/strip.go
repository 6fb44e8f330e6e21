package tui

import (
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/clock"
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
	// A file that could not be read at all has no length of its own: the
	// gap it leaves is where its footage was.
	for _, g := range cov.Gaps {
		if g.Damaged {
			mark(g.From, g.To, CellDamaged)
		}
	}
	return Strip(out)
}

// AroundOf says why cov has no picture at at, and where its footage before
// and after at is: the edges of the nearest segments that are not expired.
// A zero Around (no Reason) means there is footage at at.
func AroundOf(cov *footage.Coverage, at time.Time) Around {
	var a Around
	var prevEnd time.Time // the end of the footage before: where the void starts
	inside := func(p footage.Part) bool { return !at.Before(p.TrueStart) && at.Before(p.TrueEnd) }
	for _, p := range cov.Damaged {
		if inside(p) {
			a.Reason, a.From, a.To = "damaged file", p.TrueStart, p.TrueEnd
			if p.Reason != "" {
				a.Reason += " (" + p.Reason + ")"
			}
		}
	}
	for _, p := range cov.Segments {
		switch {
		case inside(p) && p.Expired && a.Reason == "":
			a.Reason, a.From, a.To = "expired at the source", p.TrueStart, p.TrueEnd
		case inside(p) && a.Reason == "":
			return Around{} // footage here
		case p.Expired:
		case !p.TrueEnd.After(at):
			if last := lastFrame(p); a.Prev == nil || last.After(*a.Prev) {
				a.Prev, prevEnd = &last, p.TrueEnd
			}
		case p.TrueStart.After(at):
			if a.Next == nil || p.TrueStart.Before(*a.Next) {
				t := clock.FrameMilli(p.TrueStart) // its first frame, as shown
				a.Next = &t
			}
		}
	}
	if a.Reason == "" {
		a.Reason = "gap in the recording"
		for _, g := range cov.Gaps {
			if g.Damaged && !at.Before(g.From) && at.Before(g.To) {
				a.Reason = g.Reason // a file that could not be read at all
			}
		}
		if a.Prev != nil {
			a.From = prevEnd
		}
		if a.Next != nil {
			a.To = *a.Next
		}
	}
	return a
}

// lastFrame is the time of a part's last frame, to the millisecond as
// frames are shown: a frame interval before its end (a millisecond before
// when its rate is not known).
func lastFrame(p footage.Part) time.Time {
	interval := time.Millisecond
	if fps := p.Source.FPS; fps > 0 {
		interval = time.Duration(float64(time.Second) / fps)
	}
	return clock.FrameMilli(p.TrueEnd.Add(-interval))
}

package clock

import (
	"math"
	"sort"
	"time"
)

// Measurement is one comparison of a camera clock with a reference clock:
// at true time At, the camera clock read At+Offset.
type Measurement struct {
	At     time.Time
	Offset time.Duration
	Note   string
	// Resolution is the half-width of what was read: a clock read to the
	// whole second is ±0.5 s. Zero is taken as DefaultResolution.
	Resolution time.Duration
}

// Offsets is a camera's clock model: offset = camera clock − true time,
// linear between measurements and constant outside them. The zero value is a
// camera whose clock was never measured (offset 0, not verified).
type Offsets struct {
	m []Measurement
}

// NewOffsets sorts the measurements by time.
func NewOffsets(ms []Measurement) Offsets {
	c := append([]Measurement(nil), ms...)
	sort.Slice(c, func(i, j int) bool { return c[i].At.Before(c[j].At) })
	return Offsets{m: c}
}

// Measurements returns the measurements in time order.
func (o Offsets) Measurements() []Measurement { return append([]Measurement(nil), o.m...) }

// Verified reports whether the camera clock has at least one measurement.
func (o Offsets) Verified() bool { return len(o.m) > 0 }

// At returns the offset at true time t.
func (o Offsets) At(t time.Time) time.Duration {
	switch {
	case len(o.m) == 0:
		return 0
	case !t.After(o.m[0].At):
		return o.m[0].Offset
	case !t.Before(o.m[len(o.m)-1].At):
		return o.m[len(o.m)-1].Offset
	}
	i := sort.Search(len(o.m), func(i int) bool { return o.m[i].At.After(t) })
	a, b := o.m[i-1], o.m[i]
	f := float64(t.Sub(a.At)) / float64(b.At.Sub(a.At))
	return a.Offset + time.Duration(math.Round(f*float64(b.Offset-a.Offset)))
}

// CameraClock returns what the camera clock read at true time t.
func (o Offsets) CameraClock(t time.Time) time.Time { return t.Add(o.At(t)) }

// TrueTime returns the true time at which the camera clock read c: the t
// with t + At(t) = c, solved exactly on the linear piece of the model that
// holds it (a drifting clock gains seconds a minute, where fixed-point steps
// leave microseconds).
func (o Offsets) TrueTime(c time.Time) time.Time {
	n := len(o.m)
	switch {
	case n == 0:
		return c
	case !c.After(o.m[0].At.Add(o.m[0].Offset)):
		return c.Add(-o.m[0].Offset)
	case !c.Before(o.m[n-1].At.Add(o.m[n-1].Offset)):
		return c.Add(-o.m[n-1].Offset)
	}
	i := sort.Search(n, func(i int) bool { return o.m[i].At.Add(o.m[i].Offset).After(c) })
	a, b := o.m[i-1], o.m[i]
	// On this piece c = t + a.Offset + r·(t − a.At), r the drift rate.
	span := float64(b.At.Sub(a.At))
	r := float64(b.Offset-a.Offset) / span
	dt := float64(c.Sub(a.At.Add(a.Offset))) / (1 + r)
	return a.At.Add(time.Duration(math.Round(dt)))
}

// Earlier returns the earlier of a and b.
func Earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Later returns the later of a and b.
func Later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// FrameMilli is a frame's time as it is shown, typed and stored: rounded
// up to the millisecond, so it stays inside the frame (a frame's time can
// have nanoseconds: 30000/1001 fps, a drifting clock) and reads the same
// everywhere.
func FrameMilli(t time.Time) time.Time {
	r := t.Truncate(time.Millisecond)
	if r.Before(t) {
		r = r.Add(time.Millisecond)
	}
	return r
}

package activity

import (
	"testing"
	"time"
)

// A blip (a figure seen in one sample only) is no period at the default
// minimum length; with any length (MinLength below 0, the CLI's
// --min-length 0) it is one, and a still scan gives none either way.
func TestShortActivityOnlyWithAnyLength(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	s := &Scan{Width: 640, Height: 360, SampleW: 160, SampleH: 90}
	for i := 0; i < 30; i++ {
		x := Sample{At: time.Duration(i) * 2 * time.Second, Kind: Key}
		if i == 10 { // 20 s: 3×3 cells with 10 moved pixels each
			for y := 8; y < 11; y++ {
				for c := 12; c < 15; c++ {
					x.Cells[y*Cols+c] = 10
				}
			}
		}
		s.Samples = append(s.Samples, x)
	}
	scans := []Placed{{Start: t0, Scan: s}}
	if ps := Periods(scans, t0, t0.Add(time.Minute), Query{}); len(ps) != 0 {
		t.Errorf("default minimum length: %+v", ps)
	}
	ps := Periods(scans, t0, t0.Add(time.Minute), Query{MinLength: -1})
	if len(ps) != 1 || !ps[0].First.Equal(t0.Add(20*time.Second)) || !ps[0].Start.Equal(t0.Add(19*time.Second)) || !ps[0].End.Equal(t0.Add(21*time.Second)) || ps[0].Samples != 1 {
		t.Fatalf("any length: %+v", ps)
	}
	if b := ps[0].Box; b.X != 12*640/Cols || b.Y != 8*360/Rows || b.W != 3*640/Cols {
		t.Errorf("where: %+v", b)
	}
	s.Samples[10] = Sample{At: 20 * time.Second, Kind: Key}
	if ps := Periods(scans, t0, t0.Add(time.Minute), Query{MinLength: -1}); len(ps) != 0 {
		t.Errorf("still scan, any length: %+v", ps)
	}
}

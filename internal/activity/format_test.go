package activity

import (
	"image"
	"reflect"
	"testing"
	"time"
)

func TestScanRoundTrip(t *testing.T) {
	s := &Scan{Width: 1920, Height: 1080, SampleW: 160, SampleH: 90, Note: "x.mp4: read: Invalid data found"}
	for i := 0; i < 40; i++ {
		x := Sample{At: time.Duration(i) * 2 * time.Second, Kind: Key}
		x.Cells[i*7%Cells] = uint8(i)
		s.Samples = append(s.Samples, x)
	}
	s.Samples = append(s.Samples, Sample{At: 2200 * time.Millisecond, Kind: Close})
	data, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Width != 1920 || back.SampleH != 90 || back.Note != s.Note || len(back.Samples) != 41 {
		t.Fatalf("header: %+v", back)
	}
	// Samples come back in order of time.
	if back.Samples[2].At != 2200*time.Millisecond || back.Samples[2].Kind != Close || back.Samples[3].Cells != s.Samples[2].Cells {
		t.Errorf("order: %v %v", back.Samples[2].At, back.Samples[3].At)
	}
	if len(data) > 2000 {
		t.Errorf("41 mostly empty samples take %d bytes", len(data))
	}
	if _, err := Decode(data[:len(data)/2]); err == nil {
		t.Error("a truncated scan decodes")
	}
}

func TestParseRegion(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Region
		err  bool
	}{
		{"", Region{}, false},
		{"10,20,300,100", Region{Rect: image.Rect(10, 20, 310, 120)}, false},
		{"0,0 100,0 50,80", Region{Poly: []image.Point{{0, 0}, {100, 0}, {50, 80}}}, false},
		{"0,0;100,0;50,80;0,40", Region{Poly: []image.Point{{0, 0}, {100, 0}, {50, 80}, {0, 40}}}, false},
		{"1,2,3", Region{}, true},
		{"10,20,0,5", Region{}, true},
		{"0,0 100,0", Region{}, true},
		{"a,b,c,d", Region{}, true},
		{"-5,0,10,10", Region{}, true},
	} {
		got, err := ParseRegion(c.in)
		if (err != nil) != c.err || (!c.err && !reflect.DeepEqual(got, c.want)) {
			t.Errorf("%q: %+v %v", c.in, got, err)
		}
		if !c.err && c.in != "" {
			if back, _ := ParseRegion(got.String()); !reflect.DeepEqual(back, got) {
				t.Errorf("%q: String %q reads back as %+v", c.in, got.String(), back)
			}
		}
	}
	// A triangle over the left half of a 640×360 picture: cells on the left
	// are inside, on the right outside.
	r, _ := ParseRegion("0,0 320,0 0,360")
	wt := r.weights(640, 360)
	if wt[0] != 1 || wt[Cols-1] != 0 || wt[(Rows-1)*Cols] < 0.25 {
		t.Errorf("weights: %v %v %v", wt[0], wt[Cols-1], wt[(Rows-1)*Cols])
	}
	if r.Within(640, 360) == false {
		t.Error("not within")
	}
	if out, _ := ParseRegion("700,0,10,10"); out.Within(640, 360) {
		t.Error("a region right of the picture is within it")
	}
}

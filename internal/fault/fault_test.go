package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindOf(t *testing.T) {
	base := errors.New("boom")
	cases := []struct {
		err  error
		want Kind
	}{
		{base, Internal},
		{Wrap(Media, base), Media},
		{fmt.Errorf("camera x: %w", NotFoundf("no footage")), NotFound},
		{fmt.Errorf("outer: %w", Wrap(Storage, fmt.Errorf("inner: %w", Usagef("bad")))), Storage},
	}
	for _, c := range cases {
		if got := KindOf(c.err); got != c.want {
			t.Errorf("KindOf(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	if Wrap(Media, nil) != nil {
		t.Error("Wrap(nil) must stay nil")
	}
	if !errors.Is(Wrap(Media, base), base) {
		t.Error("Wrap must keep the chain")
	}
}

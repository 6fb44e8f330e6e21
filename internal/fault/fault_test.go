package fault

import (
	"errors"
	"fmt"
	"os"
	"syscall"
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

func TestFullDiskIsAStorageError(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("write /out/x.png: %w", &os.PathError{Op: "write", Path: "/out/x.png", Err: syscall.ENOSPC}),
		errors.New("av_interleaved_write_frame: No space left on device"),
		fmt.Errorf("quota: %w", syscall.EDQUOT),
	} {
		if KindOf(err) != Storage {
			t.Errorf("%v: kind %d, want storage", err, KindOf(err))
		}
	}
	if KindOf(errors.New("something else")) != Internal {
		t.Error("an unclassified error is not internal")
	}
	if KindOf(Usagef("bad: %w", syscall.ENOSPC)) != Usage {
		t.Error("a classified error lost its kind")
	}
}

package media

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"sort"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/overlay"
)

// Still is the frame on screen at a requested offset.
type Still struct {
	Want   time.Duration // the requested offset from the stream start
	Offset time.Duration // the shown frame's offset (≤ Want)
	PTS    int64
	Image  *image.YCbCr // a copy, owned by the caller
	Full   bool         // full-range (JPEG) levels rather than studio range
	// Rotation: degrees clockwise the picture was turned to stand upright,
	// as the container's display matrix asks (0: as recorded).
	Rotation int
	// Deinterlaced says how an interlaced picture was made whole, or "".
	Deinterlaced string
}

// StillsAt decodes path once and returns, for each offset from the stream's
// first timestamp, the last frame whose presentation time is at or before
// it. Offsets may come in any order; one decoder serves them all, seeking
// only when the next offset is behind or well ahead of the decoder. Every
// still is kept: for many offsets use StillsEach.
func StillsAt(ctx context.Context, path string, offsets []time.Duration) ([]Still, error) {
	out := make([]Still, len(offsets))
	err := StillsEach(ctx, path, offsets, func(i int, s Still) error {
		s.Image = copyYCbCr(s.Image)
		out[i] = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StillsEach is StillsAt for any number of offsets in bounded memory: fn
// gets each still as it is found, in order of offset (i is its index in
// offsets), and its Image is valid only until fn returns; an error from fn
// stops the walk and is returned.
func StillsEach(ctx context.Context, path string, offsets []time.Duration, fn func(i int, s Still) error) error {
	return StillsEachThreads(ctx, path, offsets, 1, fn)
}

// StillsEachThreads is StillsEach with a decoder of threads threads (0:
// FFmpeg's choice; StillsEach uses one).
func StillsEachThreads(ctx context.Context, path string, offsets []time.Duration, threads int, fn func(i int, s Still) error) error {
	var c closer
	defer c.close()
	r, err := openVideo(path, threads)
	if err != nil {
		return err
	}
	c.add(r.Close)
	if err := r.UseRate(ctx); err != nil {
		return err
	}
	order := make([]int, len(offsets))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return offsets[order[a]] < offsets[order[b]] })
	held := astiav.AllocFrame() // the latest frame not after the target
	if held == nil {
		return fmt.Errorf("%s: alloc frame", path)
	}
	c.add(held.Free)
	var heldOff time.Duration
	have := false
	for _, i := range order {
		want := offsets[i]
		if want < 0 {
			return fault.NotFoundf("%s: %v is before the first frame", path, want)
		}
		if !have || want < heldOff || want-heldOff > 2*time.Second {
			if err := r.SeekBefore(ctx, want); err != nil {
				return err
			}
			held.Unref()
			have = false
		}
		for {
			f, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if f.Offset > want {
				r.pending = true // keep this frame for the next, later target
				break
			}
			held.Unref()
			if err := held.Ref(r.out); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			heldOff, have = f.Offset, true
		}
		if !have {
			return fault.NotFoundf("%s: no frame at or before %v", path, want)
		}
		img, err := frameImage(held, false)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		err = fn(i, r.upright(held, Still{Want: want, Offset: heldOff, PTS: held.Pts(), Image: img,
			Full: held.ColorRange() == astiav.ColorRangeJpeg || held.PixelFormat() == astiav.PixelFormatYuvj420P}))
		if err != nil {
			return err
		}
	}
	return nil
}

// SeekBefore positions the reader so that the next frame is the one at or
// before offset, or the first frame when offset precedes it. Seeks land on
// the keyframe before offset; where a container's seek overshoots (MPEG-TS
// seeks are approximate) the reader starts again from the beginning.
func (r *VideoReader) SeekBefore(ctx context.Context, offset time.Duration) error {
	if r.raw.dur > 0 {
		// No times to seek by: decode from the start.
		if err := rewind(r.fc, r.st, r.start); err != nil {
			return fault.Mediaf("%s: rewind: %v", r.path, err)
		}
		r.reset()
		return nil
	}
	ts := seekTS(r.start, offset, r.st.TimeBase())
	if err := r.fc.SeekFrame(r.st.Index(), ts, astiav.NewSeekFlags(astiav.SeekFlagBackward)); err != nil {
		return fault.Mediaf("%s: seek to %v: %v", r.path, offset, err)
	}
	r.reset()
	f, err := r.Next(ctx)
	switch {
	case err == nil && f.Offset <= offset:
		r.pending = true
		return nil
	case err != nil && !errors.Is(err, io.EOF):
		return err
	}
	// Overshot, or found nothing: read from the start.
	if err := rewind(r.fc, r.st, r.start); err != nil {
		return fault.Mediaf("%s: rewind: %v", r.path, err)
	}
	r.reset()
	return nil
}

func (r *VideoReader) reset() {
	flushDecoder(r.dec)
	r.avi.reset()
	r.eof, r.pending, r.n, r.last = false, false, 0, astiav.NoPtsValue
}

func copyYCbCr(src *image.YCbCr) *image.YCbCr {
	dst := image.NewYCbCr(src.Rect, src.SubsampleRatio)
	overlay.Copy(dst, src)
	return dst
}

// Clone returns s with its own copy of the picture, for use after the
// StillsEach callback that received it has returned.
func (s Still) Clone() Still {
	s.Image = copyYCbCr(s.Image)
	return s
}

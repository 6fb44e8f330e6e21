package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// Browser reads the frames of one file for a viewer stepping through it:
// the file stays open and the decoder where it stopped, so the next frame
// costs one decode instead of a seek and a GOP's decodes. A frame behind
// the last, or more than 2 s ahead, seeks as StillsAt does. Safe for one
// caller at a time per Browser (a mutex orders them).
type Browser struct {
	mu      sync.Mutex
	path    string
	r       *VideoReader
	held    *astiav.Frame // the latest frame not after the last target
	heldOff time.Duration
	have    bool
	closed  bool // Close was called: each At opens and closes the file
}

// At is the frame on screen at offset into path (the last whose
// presentation time is at or before it), with its own copy of the
// picture. Another path closes the one open.
func (b *Browser) At(ctx context.Context, path string, offset time.Duration) (Still, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if offset < 0 {
		return Still{}, fault.NotFoundf("%s: %v is before the first frame", path, offset)
	}
	if b.r == nil || b.path != path {
		b.close()
		r, err := OpenVideo(path)
		if err != nil {
			return Still{}, err
		}
		if err := r.UseRate(ctx); err != nil {
			r.Close()
			return Still{}, err
		}
		held := astiav.AllocFrame()
		if held == nil {
			r.Close()
			return Still{}, fmt.Errorf("%s: alloc frame", path)
		}
		b.r, b.held, b.path, b.have = r, held, path, false
	}
	s, err := b.at(ctx, offset)
	if err != nil || b.closed {
		// Whatever state the decoder is in, the next call starts afresh.
		b.close()
	}
	return s, err
}

func (b *Browser) at(ctx context.Context, want time.Duration) (Still, error) {
	r := b.r
	if !b.have || want < b.heldOff || want-b.heldOff > 2*time.Second {
		if err := r.SeekBefore(ctx, want); err != nil {
			return Still{}, err
		}
		b.held.Unref()
		b.have = false
	}
	for {
		f, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Still{}, err
		}
		if f.Offset > want {
			r.pending = true // the next step's frame
			break
		}
		b.held.Unref()
		if err := b.held.Ref(r.out); err != nil {
			return Still{}, fmt.Errorf("%s: %w", b.path, err)
		}
		b.heldOff, b.have = f.Offset, true
	}
	if !b.have {
		return Still{}, fault.NotFoundf("%s: no frame at or before %v", b.path, want)
	}
	img, err := frameImage(b.held, false)
	if err != nil {
		return Still{}, fmt.Errorf("%s: %w", b.path, err)
	}
	return Still{Want: want, Offset: b.heldOff, PTS: b.held.Pts(), Image: copyYCbCr(img),
		Full: b.held.ColorRange() == astiav.ColorRangeJpeg || b.held.PixelFormat() == astiav.PixelFormatYuvj420P}, nil
}

// Close frees the file and decoder.
func (b *Browser) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.close()
}

func (b *Browser) close() {
	if b.held != nil {
		b.held.Free()
		b.held = nil
	}
	if b.r != nil {
		b.r.Close()
		b.r = nil
	}
	b.path, b.have = "", false
}

package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// Browser reads the frames of one file for a viewer stepping through it:
// the file stays open and the decoder where it stopped, so the next frame
// costs one decode instead of a seek and a GOP's decodes. A frame behind
// the last, or more than 2 s ahead, seeks as StillsAt does; decoding from
// the keyframe to it leaves out the frames nothing references (skipref.go),
// checked to give the frame a full decode gives, on two frame threads.
// After each frame the browser decodes the next ones in the background
// (up to browseAhead), so a step forward, and playback, find their frame
// decoded. The frames just shown stay decoded behind the one shown (up to
// browseBehindBytes), and a step back that has to seek keeps as many
// frames before its target, so stepping back costs one seek for a run of
// frames instead of one per frame; when fewer than half are left, a reader
// of its own decodes the run before them in the background. Safe for one
// caller at a time per Browser (a mutex orders them).
type Browser struct {
	mu      sync.Mutex
	path    string
	r       *VideoReader
	held    *astiav.Frame // the latest frame not after the last target
	heldOff time.Duration
	have    bool
	closed  bool      // Close was called: each At opens and closes the file
	ahead   []decoded // frames decoded after held, in order
	// behind are the frames just before held, in order, with none left
	// out between them and held; trailFrom: after a seek, frames before
	// it may have left out their neighbours and are not kept.
	behind    []decoded
	trailFrom time.Duration
	back      *VideoReader // decodes the frames before behind (refill)
	refilling bool         // a goroutine refills behind
	gen       atomic.Int64 // counts seeks and closes: a refill from before one is dropped
	spare     []*astiav.Frame
	eof       bool // the reader has nothing after ahead
	broken    bool // a decode ahead failed: the next At starts afresh
	calls     atomic.Int64
	filling   bool           // a goroutine decodes ahead
	fills     sync.WaitGroup // the goroutines decoding ahead (tests wait)
	redone    int            // seeks decoded again in full (missed)
	seeks     int            // seeks made (tests)
	waited    int            // frames At decoded itself (not found ahead)
}

// browseThreads decode a file in the browser: frame threads decode a
// seek's run from the keyframe in less time where a core is free, and the
// frame a thread holds back is one of those decoded ahead anyway.
const browseThreads = 2

// browseAhead is how many frames after the one shown the browser keeps
// decoded: the next step's frame and the one that tells where it ends.
const browseAhead = 2

// browseBehindBytes bounds the frames kept behind the one shown (at most
// browseBehindMax, at least 2): 21 frames of 1080p, 5 of 2160p. The
// service keeps four cameras' browsers open.
const (
	browseBehindBytes = 64 << 20
	browseBehindMax   = 50
)

// backStep: a seek to a target at most this far behind the frame shown is
// a step back, and keeps the frames before the target.
const backStep = time.Second

// fillDelay is how long the decoding ahead waits after a frame: the
// frame's way to the screen (drawing, the terminal) goes first on a
// machine of few cores.
const fillDelay = 15 * time.Millisecond

// decoded is a frame decoded ahead, with its offset.
type decoded struct {
	f   *astiav.Frame
	off time.Duration
}

// At is the frame on screen at offset into path (the last whose
// presentation time is at or before it), with its own copy of the
// picture. Another path closes the one open.
func (b *Browser) At(ctx context.Context, path string, offset time.Duration) (Still, error) {
	b.calls.Add(1) // a decode ahead in progress stops after its frame
	b.mu.Lock()
	defer b.mu.Unlock()
	if offset < 0 {
		return Still{}, fault.NotFoundf("%s: %v is before the first frame", path, offset)
	}
	if b.broken {
		b.close()
	}
	if b.r == nil || b.path != path {
		b.close()
		r, err := openBrowsed(ctx, path, browseThreads)
		if err != nil {
			return Still{}, err
		}
		held := astiav.AllocFrame()
		if held == nil {
			r.Close()
			return Still{}, fmt.Errorf("%s: alloc frame", path)
		}
		b.r, b.held, b.path, b.have = r, held, path, false
	}
	wasBack := b.isBackStep(offset)
	s, err := b.at(ctx, offset, true)
	if err != nil || b.closed {
		// Whatever state the decoder is in, the next call starts afresh.
		b.close()
		return s, err
	}
	if len(b.ahead) < browseAhead && !b.eof && !b.filling {
		b.filling = true
		b.fills.Add(1)
		time.AfterFunc(fillDelay, b.fill)
	}
	if wasBack && len(b.behind) < behindCap(b.held)/2 && !b.refilling {
		b.refilling = true
		b.fills.Add(1)
		time.AfterFunc(fillDelay, b.refill)
	}
	return s, nil
}

// refill decodes, on a reader of its own and without holding the lock,
// the frames before those kept behind (from the keyframe before them), up
// to behindCap: the next steps back find them decoded. Steps back meanwhile
// take frames from the other end of behind; a seek or another file makes
// the refill stop and keep nothing.
func (b *Browser) refill() {
	defer b.fills.Done()
	b.mu.Lock()
	if b.r == nil || b.broken || !b.have {
		b.refilling = false
		b.mu.Unlock()
		return
	}
	anchor := b.heldOff
	if len(b.behind) > 0 {
		anchor = b.behind[0].off
	}
	room := behindCap(b.held) - len(b.behind)
	gen, path, back := b.gen.Load(), b.path, b.back
	b.back = nil // the refill's own while it runs
	b.mu.Unlock()

	var got []decoded
	if room > 0 && anchor > 0 {
		got, back = decodeBefore(path, back, anchor, room, func() bool { return b.gen.Load() != gen })
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	b.refilling = false
	if b.gen.Load() != gen {
		b.release(got)
		if back != nil {
			back.Close()
		}
		return
	}
	b.back = back
	if len(b.behind) > 0 && b.behind[0].off != anchor || len(b.behind) == 0 && (!b.have || b.heldOff != anchor) {
		b.release(got) // behind moved on: what was decoded no longer joins it
		return
	}
	if n := len(got) - (behindCap(b.held) - len(b.behind)); n > 0 {
		b.release(got[:n])
		got = got[n:]
	}
	if len(got) > 0 {
		b.behind = append(got, b.behind...)
		b.trailFrom = min(b.trailFrom, got[0].off)
	}
}

// decodeBefore decodes path's frames before anchor, from the keyframe
// before it, on r (opened if nil; nil if it failed), and returns those of
// the last room frame intervals, in order; what it has when stop reports
// true, or on an error, it drops.
func decodeBefore(path string, r *VideoReader, anchor time.Duration, room int, stop func() bool) ([]decoded, *VideoReader) {
	ctx := context.Background()
	if r == nil {
		var err error
		if r, err = openBrowsed(ctx, path, 1); err != nil {
			return nil, nil
		}
	}
	iv := frameInterval(r.st)
	from := anchor - time.Duration(room)*iv
	r.skipBefore(from) // the frames kept are decoded in full
	if err := r.SeekBefore(ctx, anchor-iv); err != nil {
		r.Close()
		return nil, nil
	}
	var got []decoded
	for !stop() {
		f, err := r.Next(ctx)
		if err != nil {
			break
		}
		if f.Offset >= anchor {
			return got, r // refill keeps the last that fit
		}
		if f.Offset < from {
			continue
		}
		d, err := refFrame(nil, r.out, f.Offset)
		if err != nil {
			break
		}
		got = append(got, d)
	}
	for _, d := range got {
		d.f.Free()
	}
	return nil, r
}

// openBrowsed opens path for the browser: by an MP4's headers, with
// threads decoder threads and the frame rate raw streams need.
func openBrowsed(ctx context.Context, path string, threads int) (*VideoReader, error) {
	r, err := openVideoWith(path, threads, openDecodable)
	if err != nil {
		return nil, err
	}
	if err := r.UseRate(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// closeBack closes the reader that refills behind.
func (b *Browser) closeBack() {
	if b.back != nil {
		b.back.Close()
		b.back = nil
	}
}

// fill decodes ahead of the frame shown until browseAhead frames wait, the
// file ends, or another At comes.
func (b *Browser) fill() {
	defer b.fills.Done()
	b.mu.Lock()
	defer b.mu.Unlock()
	defer func() { b.filling = false }()
	call := b.calls.Load()
	for b.r != nil && !b.broken && !b.eof && len(b.ahead) < browseAhead && b.calls.Load() == call {
		if err := b.decodeNext(context.Background()); err != nil {
			b.broken = true
		}
	}
}

// decodeNext appends the reader's next frame to ahead (or sets eof).
func (b *Browser) decodeNext(ctx context.Context) error {
	f, err := b.r.Next(ctx)
	if errors.Is(err, io.EOF) {
		b.eof = true
		return nil
	}
	if err != nil {
		return err
	}
	d, err := b.keep(b.r.out, f.Offset)
	if err != nil {
		return err
	}
	b.ahead = append(b.ahead, d)
	return nil
}

// keep is a reference to a decoder's frame at off, in a spare frame.
func (b *Browser) keep(out *astiav.Frame, off time.Duration) (decoded, error) {
	var f *astiav.Frame
	if n := len(b.spare); n > 0 {
		f, b.spare = b.spare[n-1], b.spare[:n-1]
	}
	d, err := refFrame(f, out, off)
	if err != nil {
		return d, fmt.Errorf("%s: %w", b.path, err)
	}
	return d, nil
}

// refFrame is a reference to a decoder's frame at off, in f (a new frame
// if nil).
func refFrame(f, out *astiav.Frame, off time.Duration) (decoded, error) {
	if f == nil {
		if f = astiav.AllocFrame(); f == nil {
			return decoded{}, errors.New("alloc frame")
		}
	}
	if err := f.Ref(out); err != nil {
		f.Free()
		return decoded{}, err
	}
	return decoded{f, off}, nil
}

// release frees frames' pictures and keeps the frames for reuse.
func (b *Browser) release(ds []decoded) {
	for _, d := range ds {
		d.f.Unref()
		b.spare = append(b.spare, d.f)
	}
}

// isBackStep reports whether want is a step back from the frame held (not
// a jump).
func (b *Browser) isBackStep(want time.Duration) bool {
	return b.have && want < b.heldOff && b.heldOff-want <= backStep
}

// behindCap is how many frames of f's size are kept behind.
func behindCap(f *astiav.Frame) int {
	n := browseBehindMax
	if px := f.Width() * f.Height() * 3 / 2; px > 0 {
		n = min(n, browseBehindBytes/px)
	}
	return max(n, 2)
}

// keepBehind puts the frame held until now behind the new one, forgetting
// the oldest beyond behindCap.
func (b *Browser) keepBehind(f *astiav.Frame, off time.Duration) {
	if off < b.trailFrom {
		f.Unref()
		b.spare = append(b.spare, f)
		return
	}
	b.behind = append(b.behind, decoded{f, off})
	if n := len(b.behind) - behindCap(f); n > 0 {
		b.release(b.behind[:n])
		b.behind = append(b.behind[:0], b.behind[n:]...)
	}
}

// stepBack shows the frame at want from those kept behind, if they reach
// it: the frames after it go back to ahead, in order.
func (b *Browser) stepBack(want time.Duration) bool {
	if !b.have || want >= b.heldOff || len(b.behind) == 0 || b.behind[0].off > want {
		return false
	}
	back := []decoded{{b.held, b.heldOff}}
	for {
		last := b.behind[len(b.behind)-1]
		b.behind = b.behind[:len(b.behind)-1]
		if last.off <= want {
			b.held, b.heldOff = last.f, last.off
			break
		}
		back = append(back, last)
	}
	slices.Reverse(back)
	b.ahead = append(back, b.ahead...)
	return true
}

// dropBehind forgets the frames kept behind.
func (b *Browser) dropBehind() {
	b.release(b.behind)
	b.behind = b.behind[:0]
}

// dropAhead forgets the frames decoded ahead (before a seek).
func (b *Browser) dropAhead() {
	b.release(b.ahead)
	b.ahead, b.eof = b.ahead[:0], false
}

func (b *Browser) at(ctx context.Context, want time.Duration, skip bool) (Still, error) {
	r := b.r
	seeked := false
	if b.stepBack(want) {
		// Shown from the frames kept behind.
	} else if !b.have || want < b.heldOff || want-b.heldOff > 2*time.Second {
		// A step back keeps the frames before its target (decoded in
		// full, none left out), a jump only the target.
		b.trailFrom = want
		if b.isBackStep(want) {
			b.trailFrom = want - time.Duration(behindCap(b.held)-1)*frameInterval(r.st)
		}
		b.gen.Add(1)
		b.dropAhead()
		b.dropBehind()
		if skip {
			r.skipBefore(b.trailFrom)
		} else {
			r.skipBefore(-1)
		}
		b.seeks++
		if err := r.SeekBefore(ctx, want); err != nil {
			return Still{}, err
		}
		b.held.Unref()
		b.have, seeked = false, true
	}
	for {
		if len(b.ahead) == 0 {
			if b.eof {
				break
			}
			if err := b.decodeNext(ctx); err != nil {
				return Still{}, err
			}
			b.waited++
			continue
		}
		next := b.ahead[0]
		if next.off > want {
			break
		}
		if b.have {
			b.keepBehind(b.held, b.heldOff)
		} else {
			b.held.Unref()
			b.spare = append(b.spare, b.held)
		}
		b.held, b.heldOff, b.have = next.f, next.off, true
		b.ahead = b.ahead[1:]
	}
	if seeked && skip && (!b.have || r.missed(b.held.Pts())) {
		// A frame left out may be the one at want: decode again in full.
		b.have = false
		b.redone++
		return b.at(ctx, want, false)
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
	b.calls.Add(1) // a decode ahead stops after its frame
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.close()
}

func (b *Browser) close() {
	b.gen.Add(1)
	b.dropAhead()
	b.dropBehind()
	for _, f := range b.spare {
		f.Free()
	}
	b.spare = nil
	if b.held != nil {
		b.held.Free()
		b.held = nil
	}
	if b.r != nil {
		b.r.Close()
		b.r = nil
	}
	b.closeBack()
	b.path, b.have, b.broken = "", false, false
}

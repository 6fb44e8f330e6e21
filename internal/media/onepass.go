package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/cgo"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/digest"
)

// A copy cut in one pass over the data, hashed as it is written.
//
// An MP4 with its index (moov) in front cannot be written front to back
// unless the index is known before the data. The plan pass knows it: it
// runs the very same cut, but its sources are read for their sample tables
// only (sizes, times, flags; no payload is read) and its output keeps only
// the file's header (file type, index, data box header) and counts the
// rest. The write pass then writes that header first and the data after
// it, in order, hashing every byte as it goes; the muxer's own header
// writes (at the end, when it fills in the index) are compared with the
// plan's, byte for byte. Any difference, or anything the plan pass cannot
// do, and the cut is made the ordinary way and hashed afterwards.

// copyPlan is what the plan pass learnt: the file's first dataStart bytes
// and how many bytes of data follow them.
type copyPlan struct {
	head      []byte
	dataStart int64
	dataLen   int64
	reserve   func(fps float64) int
}

// errPlanMismatch: the write pass did not write what the plan said.
var errPlanMismatch = errors.New("the written file differs from its plan")

// planCopy runs the cut's plan pass. The index space is grown until the
// index fits.
func planCopy(ctx context.Context, parts []CutPart, total time.Duration, reserve func(fps float64) int, o CutOptions) (*copyPlan, *CopyResult, error) {
	for try := 0; try < 4; try++ {
		res := &CopyResult{}
		m := &remux{out: "plan", res: res, reserve: reserve, noAudio: o.NoAudio, headerless: true}
		err := func() error {
			defer m.free()
			for i, p := range parts {
				if err := m.part(ctx, p, i == 0); err != nil {
					return err
				}
			}
			return m.finish()
		}()
		if errors.Is(err, errMoovTooBig) {
			r := reserve
			reserve = func(fps float64) int { return 2 * r(fps) }
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		m.plan.reserve = reserve
		return m.plan, res, nil
	}
	return nil, nil, errMoovTooBig
}

// hashedOut is the write pass's output: the plan's header, then the
// muxer's data, appended to the file and hashed by a second goroutine
// (the second core) as it goes. At most outBuffers chunks are in flight.
type hashedOut struct {
	plan   *copyPlan
	f      *os.File
	handle cgo.Handle
	io     unsafe.Pointer // the AVIOContext
	shadow []byte         // the muxer's own header writes
	pos    int64          // the muxer's position
	end    int64          // bytes passed on
	err    error          // the first error, plan mismatch or the writer's
	werr   atomic.Pointer[error]
	chunks chan []byte
	spare  chan []byte // empty chunk buffers
	done   chan struct{}
	h      *digest.Writer
}

const outBuffers, outChunk = 8, 1 << 20

func newHashedOut(path string, plan *copyPlan) (*hashedOut, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return nil, err
	}
	o := &hashedOut{plan: plan, f: f, shadow: make([]byte, plan.dataStart), chunks: make(chan []byte, outBuffers),
		spare: make(chan []byte, outBuffers), done: make(chan struct{}), h: digest.NewWriter(nil)}
	for i := 0; i < outBuffers; i++ {
		o.spare <- make([]byte, 0, outChunk)
	}
	go func() {
		defer close(o.done)
		for b := range o.chunks {
			if o.werr.Load() == nil {
				if _, err := o.f.Write(b); err != nil {
					o.werr.Store(&err)
				}
				o.h.Write(b)
			}
			o.spare <- b[:0]
		}
	}()
	o.handle = cgo.NewHandle(o)
	if o.io = outIO(o.handle); o.io == nil {
		o.close()
		return nil, fmt.Errorf("alloc io")
	}
	o.pass(plan.head)
	return o, nil
}

// setPb makes o fc's output.
func (o *hashedOut) setPb(fc *astiav.FormatContext) { setPb(fc, o.io) }

// pass hands a copy of b to the writer.
func (o *hashedOut) pass(b []byte) {
	c := <-o.spare
	o.chunks <- append(c, b...)
	o.end += int64(len(b))
}

// write takes the muxer's bytes at its position (b is valid during the
// call only): header bytes into the shadow, data bytes onto the end.
func (o *hashedOut) write(b []byte) error {
	n := int64(len(b))
	if o.err == nil {
		if e := o.werr.Load(); e != nil {
			o.err = *e
		}
	}
	switch {
	case o.err != nil:
	case o.pos+n <= o.plan.dataStart:
		copy(o.shadow[o.pos:], b)
	case o.pos == o.end && o.end+n <= o.plan.dataStart+o.plan.dataLen:
		o.pass(b)
	default:
		o.err = fmt.Errorf("%w: %d bytes at %d", errPlanMismatch, n, o.pos)
	}
	if o.err != nil {
		return o.err
	}
	o.pos += n
	return nil
}

func (o *hashedOut) seek(off int64, whence int) int64 {
	switch whence &^ 0x20000 { // AVSEEK_FORCE
	case io.SeekStart:
		o.pos = off
	case io.SeekCurrent:
		o.pos += off
	case io.SeekEnd:
		o.pos = o.plan.dataStart + o.plan.dataLen + off
	case 0x10000: // AVSEEK_SIZE
		return o.plan.dataStart + o.plan.dataLen
	default:
		return -22 // AVERROR(EINVAL)
	}
	return o.pos
}

// stop lets the writer finish what it has.
func (o *hashedOut) stop() {
	if o.chunks != nil {
		close(o.chunks)
		<-o.done
		o.chunks = nil
	}
}

// finish checks the file against the plan and returns its SHA-256.
func (o *hashedOut) finish() (string, error) {
	o.stop()
	if e := o.werr.Load(); e != nil && o.err == nil {
		o.err = *e
	}
	if o.err != nil {
		return "", o.err
	}
	if o.end != o.plan.dataStart+o.plan.dataLen || !bytes.Equal(o.shadow, o.plan.head) {
		return "", errPlanMismatch
	}
	if err := o.f.Close(); err != nil {
		return "", err
	}
	o.f = nil
	return o.h.Sum(), nil
}

// close frees everything; the muxer must be done with the output.
func (o *hashedOut) close() {
	o.stop()
	if o.io != nil {
		freeIO(o.io)
		o.io = nil
	}
	if o.handle != 0 {
		o.handle.Delete()
		o.handle = 0
	}
	if o.f != nil {
		o.f.Close()
		o.f = nil
	}
}

// copyCutPlanned is the write pass: the cut into a temporary file beside
// out, renamed to out when it matches its plan.
func copyCutPlanned(ctx context.Context, parts []CutPart, out string, total time.Duration, plan *copyPlan, o CutOptions) (*CopyResult, error) {
	res := &CopyResult{}
	m := &remux{out: out, res: res, reserve: plan.reserve, noAudio: o.NoAudio, plan: plan}
	defer m.free()
	fail := func(err error) (*CopyResult, error) {
		if m.hashed != nil && m.hashed.err != nil {
			// What the muxer's write failed on.
			if err = m.hashed.err; !errors.Is(err, errPlanMismatch) {
				err = fmt.Errorf("cut %s: %w", out, err)
			}
		}
		m.abort()
		return nil, err
	}
	var done time.Duration
	for i, p := range parts {
		if err := m.part(ctx, p, i == 0); err != nil {
			return fail(err)
		}
		done += p.To - p.From
		if o.Progress != nil {
			o.Progress(done, total)
		}
	}
	if err := m.finish(); err != nil {
		return fail(err)
	}
	return res, nil
}

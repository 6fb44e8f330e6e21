package media

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// A raw elementary stream (.264, .h264, .265: a DVR's export of the bare
// bitstream) carries no times at all: its frames are timed only by a frame
// rate given from outside, the camera's fps or ingest --fps. Frame n (in
// display order) is at n/rate from the start; klipp never takes FFmpeg's
// guess (25 fps, or the stream's VUI) for evidence times.

type rateKey struct{}

// WithFrameRate returns ctx carrying the frame rate at which raw elementary
// streams opened under it are read. Files with times of their own ignore it.
func WithFrameRate(ctx context.Context, fps float64) context.Context {
	if fps <= 0 {
		return ctx
	}
	return context.WithValue(ctx, rateKey{}, fps)
}

// frameRate is the rate WithFrameRate set, or 0.
func frameRate(ctx context.Context) float64 {
	fps, _ := ctx.Value(rateKey{}).(float64)
	return fps
}

// isRaw reports whether fc is a bare bitstream without timestamps.
func isRaw(fc *astiav.FormatContext) bool {
	return fc.InputFormat().Flags().Has(astiav.IOFormatFlagNotimestamps) || rawFormats[fc.InputFormat().Name()]
}

// rawFormats are FFmpeg's demuxers of bare video bitstreams.
var rawFormats = map[string]bool{"h264": true, "hevc": true, "vvc": true, "mpegvideo": true}

// rateInStream are the raw formats whose every sequence header must state
// the frame rate (MPEG-1/2 video): FFmpeg's rate for them is the stream's.
var rateInStream = map[string]bool{"mpegvideo": true}

// rawClock times the frames of a raw stream: one frame is dur ticks of
// the stream's time base.
type rawClock struct {
	dur int64 // 0: not a raw stream
	fps float64
}

func newRawClock(ctx context.Context, fc *astiav.FormatContext, st *astiav.Stream) (rawClock, error) {
	if !isRaw(fc) {
		return rawClock{}, nil
	}
	fps := frameRate(ctx)
	if r := st.RFrameRate(); fps <= 0 && rateInStream[fc.InputFormat().Name()] && r.Num() > 0 && r.Den() > 0 {
		fps = r.Float64()
	}
	if fps <= 0 {
		return rawClock{}, ErrNeedsRate
	}
	q := astiav.NewRational(1000, int(fps*1000+0.5))
	if fps == float64(int(fps)) {
		q = astiav.NewRational(1, int(fps))
	}
	return rawClock{dur: max(astiav.RescaleQ(1, q, st.TimeBase()), 1), fps: fps}, nil
}

// at is the offset of frame n.
func (c rawClock) at(n int64) time.Duration {
	return time.Duration(float64(n) / c.fps * float64(time.Second))
}

// ErrNeedsRate: a raw elementary stream was opened without a frame rate.
var ErrNeedsRate = errors.New("a raw elementary stream carries no frame times: give its frame rate (the camera's fps, or --fps)")

// needsRate is ErrNeedsRate about path, a usage error (exit 2).
func needsRate(path string) error {
	return fault.Wrap(fault.Usage, fmt.Errorf("%s: %w", path, ErrNeedsRate))
}

package media

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"strings"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// VideoReader decodes a file's first video stream frame by frame, reusing
// one packet and one frame.
type VideoReader struct {
	path  string
	c     closer // everything allocated, freed once by Close
	fc    *astiav.FormatContext
	st    *astiav.Stream
	dec   *astiav.CodecContext
	pkt   *astiav.Packet
	frame *astiav.Frame
	start int64 // the stream's first timestamp
	eof   bool
	raw   rawClock // a raw stream's timing (UseRate); dur 0 otherwise
	avi   aviOrder // an AVI with B-frames: times from the chunk order
	n     int64    // frames decoded since the start or the last seek
	last  int64    // the previous frame's pts, or NoPtsValue
	// pending means the frame in r.frame was looked at but not used: the
	// next call to Next returns it again.
	pending bool

	// Conversion: frames not in 4:2:0, or not at the output size asked
	// for, are scaled into conv; out is the frame Next last returned.
	outW, outH int
	studio     bool // convert full-range (JPEG) frames to studio range too

	// onAudio, when set, receives each packet of the first audio stream as
	// the reader passes it.
	onAudio func(pkt *astiav.Packet, st *astiav.Stream) error
	sws     *astiav.SoftwareScaleContext
	swsKey  [3]int // source width, height, pixel format sws was made for
	conv    *astiav.Frame
	out     *astiav.Frame
	skip    skipRef // frames a seek may leave out (skipref.go)
}

// SetOutputSize makes Next return every frame scaled to w×h (0×0: the
// stream's own size).
func (r *VideoReader) SetOutputSize(w, h int) { r.outW, r.outH = w, h }

// Frame is one decoded picture. Image is valid until the next call to Next.
type Frame struct {
	PTS    int64         // in the stream's time base
	Offset time.Duration // since the stream's first timestamp
	Key    bool
	Image  *image.YCbCr
}

// OpenVideo opens path for decoding on one thread, which keeps single-frame
// seeks quick. Errors are fault.Media with FFmpeg's reason.
func OpenVideo(path string) (*VideoReader, error) { return openVideo(path, 1) }

// openVideo opens path with a decoder of threads threads (0: automatic).
func openVideo(path string, threads int) (*VideoReader, error) {
	return openVideoWith(path, threads, openInput)
}

// openVideoWith opens path with openFC, which opens the container.
func openVideoWith(path string, threads int, openFC func(path string, mark int) (*astiav.FormatContext, error)) (*VideoReader, error) {
	r := &VideoReader{path: path}
	if err := r.open(threads, openFC); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *VideoReader) open(threads int, openFC func(path string, mark int) (*astiav.FormatContext, error)) error {
	path := r.path
	mark := logMark()
	fc, err := openFC(path, mark)
	if err != nil {
		return err
	}
	r.c.add(func() { closeInput(fc) })
	r.fc = fc
	if r.st = firstStream(fc, astiav.MediaTypeVideo); r.st == nil {
		return fault.Mediaf("%s: no video stream", path)
	}
	cp := r.st.CodecParameters()
	codec := astiav.FindDecoder(cp.CodecID())
	if codec == nil {
		return fault.Mediaf("%s: unsupported video codec %s", path, cp.CodecID().Name())
	}
	if r.dec = astiav.AllocCodecContext(codec); r.dec == nil {
		return fmt.Errorf("%s: alloc decoder", path)
	}
	r.c.add(r.dec.Free)
	if err := cp.ToCodecContext(r.dec); err != nil {
		return fmt.Errorf("%s: decoder parameters: %w", path, err)
	}
	r.dec.SetTimeBase(r.st.TimeBase())
	r.dec.SetThreadCount(threads)
	if err := r.dec.Open(codec, nil); err != nil {
		return fault.Mediaf("%s: open %s decoder: %s", path, codec.Name(), reason(err, mark))
	}
	r.last = astiav.NoPtsValue
	r.skip = skipRef{before: astiav.NoPtsValue, skipped: astiav.NoPtsValue}
	r.avi = newAVIOrder(fc, r.st)
	r.start = r.st.StartTime()
	if r.start == astiav.NoPtsValue {
		r.start = 0
	}
	if r.pkt = astiav.AllocPacket(); r.pkt == nil {
		return fmt.Errorf("%s: alloc packet", path)
	}
	r.c.add(r.pkt.Free)
	if r.frame = astiav.AllocFrame(); r.frame == nil {
		return fmt.Errorf("%s: alloc frame", path)
	}
	r.c.add(r.frame.Free)
	r.c.add(r.freeConv) // made and remade as frame sizes change
	return nil
}

// openInput opens and analyses a container, with FFmpeg's reason on failure.
func openInput(path string, mark int) (*astiav.FormatContext, error) {
	return openContainer(path, mark, nil)
}

// openHeaders is openInput, but skips the stream analysis (which decodes
// frames) when the headers already give the video's size, pixel format and
// codec setup, as an MP4's index does: for jobs that copy packets or only
// read the index.
func openHeaders(path string, mark int) (*astiav.FormatContext, error) {
	return openContainer(path, mark, headersComplete)
}

// openDecodable is openInput for a reader that only decodes the video
// (the frame browser): an MP4's headers give all its decoder needs (size,
// codec setup, start and frame times), and the pixel format comes with the
// first frame, so the stream analysis, which decodes frames, is skipped
// for it. Jobs that set up an encoder or a filter from the stream's
// parameters (pixel format, field order) open with openInput.
func openDecodable(path string, mark int) (*astiav.FormatContext, error) {
	return openContainer(path, mark, headersDecodable)
}

func openContainer(path string, mark int, complete func(*astiav.FormatContext) bool) (*astiav.FormatContext, error) {
	fc := astiav.AllocFormatContext()
	if fc == nil {
		return nil, fmt.Errorf("%s: alloc format context", path)
	}
	if err := fc.OpenInput(path, nil, nil); err != nil {
		fc.Free()
		return nil, fault.Mediaf("%s: cannot open: %s", path, reason(err, mark))
	}
	if complete != nil && complete(fc) {
		return fc, nil
	}
	if err := fc.FindStreamInfo(nil); err != nil {
		closeInput(fc)
		return nil, fault.Mediaf("%s: cannot read stream info: %s", path, reason(err, mark))
	}
	return fc, nil
}

// closeInput closes a container opened by openContainer and frees it.
func closeInput(fc *astiav.FormatContext) {
	fc.CloseInput()
	fc.Free()
}

// headersComplete reports whether the container's headers describe every
// audio and video stream fully.
func headersComplete(fc *astiav.FormatContext) bool {
	if len(fc.Streams()) == 0 {
		return false
	}
	for _, s := range fc.Streams() {
		cp := s.CodecParameters()
		switch cp.MediaType() {
		case astiav.MediaTypeVideo:
			if cp.Width() == 0 || cp.Height() == 0 || cp.PixelFormat() == astiav.PixelFormatNone || len(cp.ExtraData()) == 0 {
				return false
			}
		case astiav.MediaTypeAudio:
			if cp.SampleRate() == 0 || cp.Channels() == 0 {
				return false
			}
		}
	}
	return true
}

// headersDecodable reports whether an MP4's headers give what a video
// decoder needs: the video's size, codec setup and start, and each audio
// stream's rate and channels.
func headersDecodable(fc *astiav.FormatContext) bool {
	if !strings.Contains(fc.InputFormat().Name(), "mp4") {
		return false
	}
	video := false
	for _, s := range fc.Streams() {
		cp := s.CodecParameters()
		switch cp.MediaType() {
		case astiav.MediaTypeVideo:
			if cp.Width() == 0 || cp.Height() == 0 || len(cp.ExtraData()) == 0 || s.StartTime() == astiav.NoPtsValue {
				return false
			}
			video = true
		case astiav.MediaTypeAudio:
			if cp.SampleRate() == 0 || cp.Channels() == 0 {
				return false
			}
		}
	}
	return video
}

// reason joins FFmpeg's logged messages with the error it returned.
func reason(err error, mark int) string {
	if logs := logsSince(mark); logs != "" {
		return logs + " (" + err.Error() + ")"
	}
	return err.Error()
}

// Next decodes the next frame; io.EOF after the last.
func (r *VideoReader) Next(ctx context.Context) (*Frame, error) {
	if r.pending {
		r.pending = false
		return r.current()
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r.frame.Unref()
		err := r.dec.ReceiveFrame(r.frame)
		if err == nil {
			r.n++
			return r.current()
		}
		if errors.Is(err, astiav.ErrEof) {
			return nil, io.EOF
		}
		if !errors.Is(err, astiav.ErrEagain) {
			return nil, fault.Mediaf("%s: decode: %v", r.path, err)
		}
		if r.eof {
			return nil, io.EOF
		}
		if err := r.feed(); err != nil {
			return nil, err
		}
	}
}

// feed sends the next packet of the video stream (or the flush) to the
// decoder.
func (r *VideoReader) feed() error {
	for {
		mark := logMark()
		err := r.fc.ReadFrame(r.pkt)
		if errors.Is(err, astiav.ErrEof) {
			r.eof = true
			if err := r.dec.SendPacket(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
				return fault.Mediaf("%s: decode: %s", r.path, reason(err, mark))
			}
			return nil
		}
		if err != nil {
			return fault.Mediaf("%s: read: %s", r.path, reason(err, mark))
		}
		if r.pkt.StreamIndex() != r.st.Index() {
			if a := r.audioStream(); r.onAudio != nil && a != nil && r.pkt.StreamIndex() == a.Index() {
				if err := r.onAudio(r.pkt, a); err != nil {
					r.pkt.Unref()
					return err
				}
			}
			r.pkt.Unref()
			continue
		}
		r.avi.fed(r.pkt)
		r.beforeSend(r.pkt)
		err = r.dec.SendPacket(r.pkt)
		r.pkt.Unref()
		if err != nil && !errors.Is(err, astiav.ErrEagain) {
			return fault.Mediaf("%s: decode: %s", r.path, reason(err, mark))
		}
		return nil
	}
}

func (r *VideoReader) current() (*Frame, error) {
	// The frame's time goes on the frame itself, so that conversions and
	// references to it keep it.
	pts := r.frame.Pts()
	switch {
	case r.raw.dur > 0:
		pts = r.start + (r.n-1)*r.raw.dur // display order is frame order
	case r.avi.on:
		pts = r.avi.pts(r.n, r.frame, r.last)
	case pts == astiav.NoPtsValue:
		if pts = bestEffortPTS(r.frame); pts == astiav.NoPtsValue {
			pts = r.frame.PktDts()
		}
		if rate := r.st.RFrameRate(); pts == astiav.NoPtsValue && r.last != astiav.NoPtsValue && rate.Num() > 0 {
			// The last frames out of a decoder's reorder buffer may carry no
			// time at all: one frame after the one before.
			pts = r.last + max(astiav.RescaleQ(1, astiav.NewRational(rate.Den(), rate.Num()), r.st.TimeBase()), 1)
		}
	}
	r.frame.SetPts(pts)
	r.last = pts
	pf, w, h := r.frame.PixelFormat(), r.frame.Width(), r.frame.Height()
	native := pf == astiav.PixelFormatYuv420P || (pf == astiav.PixelFormatYuvj420P && !r.studio)
	r.out = r.frame
	if !native || (r.outW > 0 && (w != r.outW || h != r.outH)) {
		if err := r.convert(); err != nil {
			return nil, err
		}
	}
	img, err := frameImage(r.out, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.path, err)
	}
	tb := r.st.TimeBase()
	off := time.Duration(astiav.RescaleQ(pts-r.start, tb, astiav.NewRational(1, int(time.Second))))
	return &Frame{PTS: pts, Offset: off, Key: r.frame.KeyFrame(), Image: img}, nil
}

// UseRate times a raw elementary stream's frames at the rate ctx carries
// (WithFrameRate); without one, a raw stream is a usage error. Files with
// times of their own are unaffected.
func (r *VideoReader) UseRate(ctx context.Context) error {
	rc, err := newRawClock(ctx, r.fc, r.st)
	if err != nil {
		return needsRate(r.path)
	}
	r.raw = rc
	return nil
}

// audioStream returns the file's first audio stream, or nil.
func (r *VideoReader) audioStream() *astiav.Stream { return firstAudio(r.fc) }

// convert scales r.frame into r.conv as yuv420p at the output size.
func (r *VideoReader) convert() error {
	src := r.frame
	dw, dh := src.Width()&^1, src.Height()&^1
	if r.outW > 0 {
		dw, dh = r.outW, r.outH
	}
	key := [3]int{src.Width(), src.Height(), int(src.PixelFormat())}
	if r.sws == nil || key != r.swsKey || r.conv.Width() != dw || r.conv.Height() != dh {
		r.freeConv()
		sws, err := astiav.CreateSoftwareScaleContext(src.Width(), src.Height(), src.PixelFormat(), dw, dh,
			astiav.PixelFormatYuv420P, astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBicubic))
		if err != nil {
			return fault.Mediaf("%s: cannot convert %s %dx%d: %v", r.path, src.PixelFormat().Name(), src.Width(), src.Height(), err)
		}
		r.sws, r.swsKey = sws, key
		if r.conv = astiav.AllocFrame(); r.conv == nil {
			return fmt.Errorf("%s: alloc frame", r.path)
		}
		r.conv.SetWidth(dw)
		r.conv.SetHeight(dh)
		r.conv.SetPixelFormat(astiav.PixelFormatYuv420P)
		if err := r.conv.AllocBuffer(0); err != nil {
			return fmt.Errorf("%s: %w", r.path, err)
		}
	}
	// An encoder may still hold the previous picture: write into a fresh buffer then.
	if _, err := frameImage(r.conv, true); err != nil {
		return fmt.Errorf("%s: %w", r.path, err)
	}
	if err := r.sws.ScaleFrame(src, r.conv); err != nil {
		return fault.Mediaf("%s: convert: %v", r.path, err)
	}
	r.conv.SetPts(src.Pts())
	r.out = r.conv
	return nil
}

func (r *VideoReader) freeConv() {
	if r.sws != nil {
		r.sws.Free()
		r.sws = nil
	}
	if r.conv != nil {
		r.conv.Free()
		r.conv = nil
	}
}

// Close frees the decoder and closes the file. A second Close does nothing.
func (r *VideoReader) Close() {
	r.c.close()
	r.fc, r.st, r.dec, r.pkt, r.frame, r.out = nil, nil, nil, nil, nil, nil
}

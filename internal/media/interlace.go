package media

/*
#cgo pkg-config: libavutil libavformat libavcodec
#include <libavutil/frame.h>
#include <libavcodec/avcodec.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"strconv"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// FieldOrder names how a stream's pictures are scanned: "progressive",
// "tff" (interlaced, top field first), "bff" (bottom field first), or ""
// when neither the container nor the first frames say.
func FieldOrder(st *astiav.Stream) string {
	cp := (*C.AVCodecParameters)(unsafe.Pointer(*(**C.AVCodecParameters)(unsafe.Pointer(st.CodecParameters()))))
	switch cp.field_order {
	case C.AV_FIELD_PROGRESSIVE:
		return "progressive"
	case C.AV_FIELD_TT, C.AV_FIELD_TB:
		return "tff"
	case C.AV_FIELD_BB, C.AV_FIELD_BT:
		return "bff"
	}
	return ""
}

// frameFieldOrder is a decoded frame's own: "tff", "bff" or "" (progressive).
func frameFieldOrder(f *astiav.Frame) string {
	c := (*C.AVFrame)(f.UnsafePointer())
	switch {
	case c.interlaced_frame == 0:
		return ""
	case c.top_field_first != 0:
		return "tff"
	}
	return "bff"
}

// deinterlacer makes interlaced pictures whole with FFmpeg's bwdif filter,
// one output picture per picture (its send_frame mode), fields in the
// order given.
type deinterlacer struct {
	c     closer
	graph *astiav.FilterGraph
	src   *astiav.FilterContext
	sink  *astiav.FilterContext
	out   *astiav.Frame
	order string
}

// Note is what a record says of a picture the deinterlacer made.
func (d *deinterlacer) Note() string { return "deinterlaced: bwdif, field order " + d.order }

// newDeinterlacer prepares bwdif for frames like f (size, pixel format),
// with timestamps in tb, fields in order ("tff" or "bff").
func newDeinterlacer(f *astiav.Frame, tb astiav.Rational, order string) (*deinterlacer, error) {
	d := &deinterlacer{order: order}
	if err := d.open(f, tb); err != nil {
		d.free()
		return nil, fmt.Errorf("deinterlace: %w", err)
	}
	return d, nil
}

func (d *deinterlacer) open(f *astiav.Frame, tb astiav.Rational) error {
	if d.graph = astiav.AllocFilterGraph(); d.graph == nil {
		return errors.New("alloc filter graph")
	}
	d.c.add(d.graph.Free)
	d.graph.SetThreadCount(1)
	src, sink := astiav.FindFilterByName("buffer"), astiav.FindFilterByName("buffersink")
	if src == nil || sink == nil {
		return errors.New("no buffer filters in this FFmpeg")
	}
	sar := f.SampleAspectRatio()
	if sar.Num() <= 0 || sar.Den() <= 0 {
		sar = astiav.NewRational(1, 1)
	}
	var err error
	if d.src, err = d.graph.NewFilterContext(src, "in", astiav.FilterArgs{
		"pix_fmt":      strconv.Itoa(int(f.PixelFormat())),
		"pixel_aspect": sar.String(),
		"time_base":    tb.String(),
		"video_size":   strconv.Itoa(f.Width()) + "x" + strconv.Itoa(f.Height()),
	}); err != nil {
		return err
	}
	if d.sink, err = d.graph.NewFilterContext(sink, "out", nil); err != nil {
		return err
	}
	outputs, inputs := astiav.AllocFilterInOut(), astiav.AllocFilterInOut()
	if outputs == nil || inputs == nil {
		return errors.New("alloc filter in/out")
	}
	defer outputs.Free()
	defer inputs.Free()
	outputs.SetName("in")
	outputs.SetFilterContext(d.src)
	outputs.SetPadIdx(0)
	outputs.SetNext(nil)
	inputs.SetName("out")
	inputs.SetFilterContext(d.sink)
	inputs.SetPadIdx(0)
	inputs.SetNext(nil)
	parity := map[string]string{"tff": "tff", "bff": "bff"}[d.order]
	if parity == "" {
		parity = "auto"
	}
	if err := d.graph.Parse("bwdif=mode=send_frame:parity="+parity+":deint=all", inputs, outputs); err != nil {
		return err
	}
	if err := d.graph.Configure(); err != nil {
		return err
	}
	if d.out = astiav.AllocFrame(); d.out == nil {
		return errors.New("alloc frame")
	}
	d.c.add(d.out.Free)
	return nil
}

// push sends f (nil: the end) and calls emit with each picture ready; the
// picture is valid until emit returns.
func (d *deinterlacer) push(f *astiav.Frame, emit func(*astiav.Frame) error) error {
	if err := d.src.BuffersrcAddFrame(f, astiav.NewBuffersrcFlags(astiav.BuffersrcFlagKeepRef)); err != nil {
		return fmt.Errorf("deinterlace: %w", err)
	}
	for {
		d.out.Unref()
		err := d.sink.BuffersinkGetFrame(d.out, astiav.NewBuffersinkFlags())
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("deinterlace: %w", err)
		}
		err = emit(d.out)
		d.out.Unref()
		if err != nil {
			return err
		}
	}
}

func (d *deinterlacer) free() { d.c.close() }

// deinterlaceStill makes one interlaced picture whole and returns a copy.
// bwdif judges motion from the neighbouring pictures: next is the one
// after f (nil at the end of a file, where f is its own neighbour and its
// fields stay woven where nothing tells them apart).
func deinterlaceStill(f, next *astiav.Frame, tb astiav.Rational, order string) (*image.YCbCr, error) {
	d, err := newDeinterlacer(f, tb, order)
	if err != nil {
		return nil, err
	}
	defer d.free()
	var img *image.YCbCr
	keep := func(o *astiav.Frame) error {
		if img != nil {
			return nil
		}
		i, err := frameImage(o, false)
		if err != nil {
			return err
		}
		img = copyYCbCr(i)
		return nil
	}
	if err := d.push(f, keep); err != nil {
		return nil, err
	}
	if next != nil && next.Width() == f.Width() && next.Height() == f.Height() && next.PixelFormat() == f.PixelFormat() {
		if err := d.push(next, keep); err != nil {
			return nil, err
		}
	}
	if err := d.push(nil, keep); err != nil {
		return nil, err
	}
	if img == nil {
		return nil, errors.New("deinterlace: no picture out")
	}
	return img, nil
}

// interlacedOrder is the field order to deinterlace a stream's frame f
// with, or "" for a progressive picture.
func interlacedOrder(st *astiav.Stream, f *astiav.Frame) string {
	if o := frameFieldOrder(f); o != "" {
		return o
	}
	if o := FieldOrder(st); o == "tff" || o == "bff" {
		return o
	}
	return ""
}

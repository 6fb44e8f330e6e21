package media

/*
#cgo pkg-config: libavutil libavformat libavcodec
#include <stdlib.h>
#include <libavutil/avutil.h>
#include <libavutil/frame.h>
#include <libavutil/dict.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
*/
import "C"

import (
	"fmt"
	"image"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// go-astiav v0.16.0 gives no public access to a frame's planes for writing
// nor to a format context's metadata for setting. These helpers reach the C
// structures directly; they are the only place that does.

// frameImage aliases a yuv420p frame's planes as an image.YCbCr. With
// writable set, the frame is first made writable (copied if an encoder still
// holds a reference). The image is valid until the frame is unreferenced.
func frameImage(f *astiav.Frame, writable bool) (*image.YCbCr, error) {
	c := (*C.AVFrame)(f.UnsafePointer())
	if writable {
		if ret := C.av_frame_make_writable(c); ret < 0 {
			return nil, fmt.Errorf("make frame writable: %w", astiav.Error(ret))
		}
	}
	w, h := int(c.width), int(c.height)
	ch := (h + 1) / 2
	ys, cs := int(c.linesize[0]), int(c.linesize[1])
	if c.data[0] == nil || c.data[1] == nil || c.data[2] == nil || ys < w || cs < (w+1)/2 {
		return nil, fmt.Errorf("frame %dx%d has no yuv420p planes", w, h)
	}
	return &image.YCbCr{
		Y:              unsafe.Slice((*byte)(unsafe.Pointer(c.data[0])), ys*h),
		Cb:             unsafe.Slice((*byte)(unsafe.Pointer(c.data[1])), cs*ch),
		Cr:             unsafe.Slice((*byte)(unsafe.Pointer(c.data[2])), int(c.linesize[2])*ch),
		YStride:        ys,
		CStride:        cs,
		SubsampleRatio: image.YCbCrSubsampleRatio420,
		Rect:           image.Rect(0, 0, w, h),
	}, nil
}

// frameSamples aliases plane 0 of an audio frame (mono, or interleaved),
// made writable first.
func frameSamples(f *astiav.Frame) ([]byte, error) {
	planes, err := framePlanes(f, 1, true)
	if err != nil {
		return nil, err
	}
	return planes[0], nil
}

// framePlanes aliases the first n planes of an audio frame (for planar
// formats one per channel; packed formats use plane 0 only).
func framePlanes(f *astiav.Frame, n int, writable bool) ([][]byte, error) {
	c := (*C.AVFrame)(f.UnsafePointer())
	if writable {
		if ret := C.av_frame_make_writable(c); ret < 0 {
			return nil, fmt.Errorf("make frame writable: %w", astiav.Error(ret))
		}
	}
	if n > 8 {
		return nil, fmt.Errorf("%d audio channels", n)
	}
	planes := make([][]byte, n)
	for i := range planes {
		if c.data[i] == nil {
			return nil, fmt.Errorf("audio frame has no plane %d", i)
		}
		planes[i] = unsafe.Slice((*byte)(unsafe.Pointer(c.data[i])), int(c.linesize[0]))
	}
	return planes, nil
}

// formatContextC returns the AVFormatContext behind fc: astiav's
// FormatContext is a struct whose only field is that pointer.
func formatContextC(fc *astiav.FormatContext) *C.AVFormatContext {
	return *(**C.AVFormatContext)(unsafe.Pointer(fc))
}

// setMetadata sets a container-level metadata entry before WriteHeader.
func setMetadata(fc *astiav.FormatContext, key, value string) error {
	ck, cv := C.CString(key), C.CString(value)
	defer C.free(unsafe.Pointer(ck))
	defer C.free(unsafe.Pointer(cv))
	if ret := C.av_dict_set(&formatContextC(fc).metadata, ck, cv, 0); ret < 0 {
		return fmt.Errorf("set metadata %s: %w", key, astiav.Error(ret))
	}
	return nil
}

// Version is the FFmpeg library version klipp runs against.
func Version() string {
	return C.GoString(C.av_version_info())
}

// flushDecoder drops a decoder's buffered frames after a seek. astiav's
// CodecContext, like FormatContext, is a struct whose first field is the C
// pointer.
func flushDecoder(cc *astiav.CodecContext) {
	C.avcodec_flush_buffers(*(**C.AVCodecContext)(unsafe.Pointer(cc)))
}

// bestEffortPTS is FFmpeg's guess of a decoded frame's presentation time
// (from the packet times around it) for frames that carry none, as frames
// from MPEG-PS and MPEG-1 streams often do.
func bestEffortPTS(f *astiav.Frame) int64 {
	return int64((*C.AVFrame)(f.UnsafePointer()).best_effort_timestamp)
}

// videoDelay is how many frames a stream's decoder holds back to reorder
// B-frames (0: no B-frames).
func videoDelay(st *astiav.Stream) int {
	cp := *(**C.AVCodecParameters)(unsafe.Pointer(st.CodecParameters()))
	return int(cp.video_delay)
}

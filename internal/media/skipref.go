package media

/*
#include <libavcodec/avcodec.h>
*/
import "C"

import (
	"time"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// skipRef lets a reader seeking to a frame leave out the frames nothing
// depends on: H.264 and HEVC pictures no other picture references, whose
// packets come before the target by more than a margin. Such a frame is
// never shown (the target comes after it) and never used to decode
// another, so the frames decoded are exactly those a full decode gives.
// Whether a skipped frame would have been the target after all (a gap
// after it) the caller checks with missed and decodes again in full.
type skipRef struct {
	before  int64 // packets with pts before this skip their non-reference frames; NoPtsValue: none
	skipped int64 // the latest pts of a packet sent while skipping, or NoPtsValue
	on      bool  // the decoder's skip_frame is set
}

// skipMarginOf is skipMargin (tests shrink it to make the check redo).
var skipMarginOf = skipMargin

// skipMargin is how far before the target frames may be skipped: two
// frame intervals (half a second when the stream gives no rate).
func skipMargin(st *astiav.Stream) time.Duration {
	if d := streamInterval(st); d > 0 {
		return 2 * d
	}
	return time.Second / 2
}

// frameInterval is the stream's frame interval, or 40 ms where the stream
// gives no rate.
func frameInterval(st *astiav.Stream) time.Duration {
	if d := streamInterval(st); d > 0 {
		return d
	}
	return 40 * time.Millisecond
}

// streamInterval is the interval of the stream's average (else base)
// frame rate, or 0 where it gives none.
func streamInterval(st *astiav.Stream) time.Duration {
	r := st.AvgFrameRate()
	if r.Num() <= 0 || r.Den() <= 0 {
		r = st.RFrameRate()
	}
	if r.Num() <= 0 || r.Den() <= 0 {
		return 0
	}
	return time.Duration(float64(time.Second) * float64(r.Den()) / float64(r.Num()))
}

// skipBefore arms the skipping up to offset less the margin, where the
// codec and the stream's times allow it (not for raw streams or AVI
// reordering, whose packets carry no usable times); NoPtsValue disarms it.
func (r *VideoReader) skipBefore(offset time.Duration) {
	r.skip.before, r.skip.skipped = astiav.NoPtsValue, astiav.NoPtsValue
	id := r.st.CodecParameters().CodecID()
	if r.raw.dur > 0 || r.avi.on || (id != astiav.CodecIDH264 && id != astiav.CodecIDHevc) {
		return
	}
	if o := offset - skipMarginOf(r.st); o > 0 {
		r.skip.before = seekTS(r.start, o, r.st.TimeBase())
	}
}

// beforeSend sets the decoder's skip_frame for the packet about to be sent.
func (r *VideoReader) beforeSend(pkt *astiav.Packet) {
	s := &r.skip
	want := s.before != astiav.NoPtsValue && pkt.Pts() != astiav.NoPtsValue && pkt.Pts() < s.before
	if want != s.on {
		c := *(**C.AVCodecContext)(unsafe.Pointer(r.dec))
		if want {
			c.skip_frame = C.AVDISCARD_NONREF
		} else {
			c.skip_frame = C.AVDISCARD_DEFAULT
		}
		s.on = want
	}
	if want && (s.skipped == astiav.NoPtsValue || pkt.Pts() > s.skipped) {
		s.skipped = pkt.Pts()
	}
}

// missed reports whether a frame that may have been skipped lies after
// the frame at pts: then it, not that frame, may be the one wanted.
func (r *VideoReader) missed(pts int64) bool {
	return r.skip.skipped != astiav.NoPtsValue && r.skip.skipped > pts
}

package media

import "github.com/asticode/go-astiav"

// aviOrder times the frames of an AVI whose video has B-frames (MPEG-4
// Part 2 as DivX and Xvid write it). AVI stores frames in decode order, one
// chunk each, and has no presentation times: FFmpeg gives a B-frame the
// chunk's number as its time and a reference frame (I or P) none, and its
// guess for the reference puts every frame one frame late, so the file
// shows nothing in its first frame interval. A B-frame is shown one chunk
// before its own (the reference decoded ahead of it); a reference frame is
// shown just before the chunk of the next reference, as the decoder holds
// it until then.
//
// H.264 and H.265 in AVI carry no times at all, and their reorder may be
// deeper (B-frames referenced by others): frames come out of the decoder
// once each in display order, so a frame's time is the first chunk's
// after a seek (a keyframe, shown first of its closed group) plus one
// frame for each frame since.
type aviOrder struct {
	on    bool
	count bool    // H.264/H.265: count frames from the first chunk
	base  int64   // count: the first chunk's decode time since the reset
	delay int64   // frames of reorder (the stream's video delay)
	dur   int64   // one frame in the stream's time base
	refs  []int64 // decode times of the reference chunks fed and not yet shown
	last  int64   // the last chunk's decode time
	n     int64   // the frame number pts last answered for, and its answer
	at    int64
}

func newAVIOrder(fc *astiav.FormatContext, st *astiav.Stream) aviOrder {
	d := videoDelay(st)
	r := st.AvgFrameRate()
	if r.Num() <= 0 || r.Den() <= 0 {
		r = st.RFrameRate()
	}
	if !aviBFrames(fc, st) || r.Num() <= 0 || r.Den() <= 0 {
		return aviOrder{}
	}
	id := st.CodecParameters().CodecID()
	return aviOrder{on: true, count: id == astiav.CodecIDH264 || id == astiav.CodecIDHevc, delay: int64(d),
		dur: max(astiav.RescaleQ(1, astiav.NewRational(r.Den(), r.Num()), st.TimeBase()), 1), last: astiav.NoPtsValue, base: astiav.NoPtsValue}
}

// fed notes a video packet sent to the decoder.
func (o *aviOrder) fed(pkt *astiav.Packet) {
	if !o.on || pkt.Dts() == astiav.NoPtsValue {
		return
	}
	o.last = pkt.Dts()
	if o.base == astiav.NoPtsValue {
		o.base = pkt.Dts()
	}
	// FFmpeg times B-frames only (and a keyframe after a seek).
	if pkt.Pts() == astiav.NoPtsValue || pkt.Flags().Has(astiav.PacketFlagKey) {
		o.refs = append(o.refs, pkt.Dts())
	}
}

// reset forgets what was fed, after a seek.
func (o *aviOrder) reset() {
	o.refs, o.last, o.n, o.base = o.refs[:0], astiav.NoPtsValue, 0, astiav.NoPtsValue
}

// pts is the presentation time of decoded frame number n (counted from 1
// since the last reset), f; prev is the previous frame's. Asked again for
// the same frame, it gives the same answer.
func (o *aviOrder) pts(n int64, f *astiav.Frame, prev int64) int64 {
	if n != o.n {
		o.n = n
		o.at = o.next(f, prev)
	}
	return o.at
}

func (o *aviOrder) next(f *astiav.Frame, prev int64) int64 {
	if o.count {
		if o.base == astiav.NoPtsValue {
			return astiav.NoPtsValue
		}
		return o.base + (o.n-1)*o.dur
	}
	if f.PictureType() == astiav.PictureTypeB && f.Pts() != astiav.NoPtsValue {
		return f.Pts() - o.delay*o.dur // its own chunk's time
	}
	if len(o.refs) > 0 {
		o.refs = o.refs[1:] // this frame's own chunk
	}
	switch {
	case len(o.refs) > 0:
		return o.refs[0] - o.delay*o.dur
	case prev != astiav.NoPtsValue:
		return prev + o.dur // the last reference, at the end
	case o.last != astiav.NoPtsValue:
		return o.last
	}
	return astiav.NoPtsValue
}

// aviBFrames reports whether st is video with B-frames in an AVI: its
// packets have no presentation times, so they cannot be copied into an
// MP4 as they are.
func aviBFrames(fc *astiav.FormatContext, st *astiav.Stream) bool {
	return fc.InputFormat() != nil && fc.InputFormat().Name() == "avi" && videoDelay(st) > 0
}

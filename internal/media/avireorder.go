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
type aviOrder struct {
	on    bool
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
	if fc.InputFormat() == nil || fc.InputFormat().Name() != "avi" || d <= 0 || r.Num() <= 0 || r.Den() <= 0 {
		return aviOrder{}
	}
	return aviOrder{on: true, delay: int64(d), dur: max(astiav.RescaleQ(1, astiav.NewRational(r.Den(), r.Num()), st.TimeBase()), 1), last: astiav.NoPtsValue}
}

// fed notes a video packet sent to the decoder.
func (o *aviOrder) fed(pkt *astiav.Packet) {
	if !o.on || pkt.Dts() == astiav.NoPtsValue {
		return
	}
	o.last = pkt.Dts()
	// FFmpeg times B-frames only (and a keyframe after a seek).
	if pkt.Pts() == astiav.NoPtsValue || pkt.Flags().Has(astiav.PacketFlagKey) {
		o.refs = append(o.refs, pkt.Dts())
	}
}

// reset forgets what was fed, after a seek.
func (o *aviOrder) reset() { o.refs, o.last, o.n = o.refs[:0], astiav.NoPtsValue, 0 }

// pts is the presentation time of decoded frame number n (counted from 1
// since the last reset), f; prev is the previous frame's. Asked again for
// the same frame, it gives the same answer.
func (o *aviOrder) pts(n int64, f *astiav.Frame, prev int64) int64 {
	if n != o.n {
		o.n, o.at = n, o.next(f, prev)
	}
	return o.at
}

func (o *aviOrder) next(f *astiav.Frame, prev int64) int64 {
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

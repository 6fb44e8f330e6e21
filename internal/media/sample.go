package media

/*
#cgo pkg-config: libavcodec libavformat
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

static void klipp_set_skip(AVCodecContext *c, int frame, int loop) {
	c->skip_frame = frame;
	c->skip_loop_filter = loop;
}
static int klipp_max_lowres(const AVCodec *c) { return c->max_lowres; }
static void klipp_stream_discard(AVStream *st, int d) { st->discard = d; }
static int klipp_index_count(AVStream *st) { return avformat_index_get_entries_count(st); }
// klipp_keyframes writes the timestamps of up to max keyframes in the
// stream's index to out and returns how many it wrote.
static int klipp_keyframes(AVStream *st, int64_t *out, int max) {
	int n = avformat_index_get_entries_count(st), k = 0;
	for (int i = 0; i < n && k < max; i++) {
		const AVIndexEntry *e = avformat_index_get_entry(st, i);
		if (e && (e->flags & AVINDEX_KEYFRAME))
			out[k++] = e->timestamp;
	}
	return k;
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// SampleOptions shape a reduced decode (Samples).
type SampleOptions struct {
	// Width of the grey pictures returned, at most 320 pixels (0: 160); the
	// height follows the picture's shape.
	Width int
	// From and To limit the samples to offsets in [From, To) from the
	// stream's first timestamp; To ≤ 0 reads to the end.
	From, To time.Duration
	// Every > 0 decodes every frame and returns one at least Every after the
	// one returned before it (to look closely at a short stretch). With
	// Every 0 only keyframes are decoded, except where keyframes are more
	// than 1.5 × Interval apart: there the frames between them are decoded
	// too and one taken every Interval.
	Every    time.Duration
	Interval time.Duration // default 2 s
	// Threads for the decoder: 1 (the default) when jobs run side by side.
	Threads int
	// Colour returns each sample as a studio-range yuv420p picture of
	// Width × the height that follows (Width 0: the source's size, any
	// width allowed) in Sample.Image instead of grey in Pix.
	Colour bool
	// Sparse > 0 (keyframes only, from a container whose index lists every
	// keyframe: MP4): a keyframe is not decoded where the keyframes on
	// either side of it that are decoded are at most Sparse apart; fn gets
	// it as a Sample with Skipped set and no picture, in its place in time,
	// so that the caller can look at it later (Sampler.Look) if the
	// pictures around it call for it. The first and last keyframe of the
	// range are always decoded.
	Sparse time.Duration
}

// Sample is one picture at reduced size, in grey (luma).
type Sample struct {
	Offset time.Duration // since the stream's first timestamp
	Key    bool
	// Skipped: a keyframe left undecoded (SampleOptions.Sparse); Offset is
	// from its decoding time, and there is no picture.
	Skipped       bool
	Width, Height int
	Pix           []byte       // Width×Height; valid only until the callback returns
	Image         *image.YCbCr // with Colour; valid only until the callback returns
}

// SampleStats say what a reduced decode did.
type SampleStats struct {
	SourceWidth, SourceHeight int
	Packets                   int  // video packets read
	Decoded                   int  // pictures the decoder produced
	Taken                     int  // samples returned
	Lowres                    int  // the decoder's own size reduction (1/2^Lowres), where it has one
	LongGOP                   bool // keyframes were too far apart: frames between them were decoded
}

// Samples decodes path at reduced cost and calls fn with each sample in
// order of time: by default only keyframes reach the decoder (the rest of
// the packets are read and dropped), the decoder skips its loop filter on
// them, decoders that can decode at reduced size (FFmpeg's lowres: MJPEG and
// other intra codecs) do, and every picture is scaled to a small grey one.
// A file damaged part-way returns the samples before the damage and a
// fault.Media error.
func Samples(ctx context.Context, path string, o SampleOptions, fn func(Sample) error) (SampleStats, error) {
	d, err := newSampler(path, o)
	if err != nil {
		return SampleStats{}, err
	}
	defer releaseMemory()
	defer d.c.close()
	if err := d.open(); err != nil {
		return d.stats, err
	}
	err = d.run(ctx, fn)
	return d.stats, err
}

// newSampler checks o and fills in its defaults.
func newSampler(path string, o SampleOptions) (*sampler, error) {
	if o.Width <= 0 && !o.Colour {
		o.Width = 160
	}
	if o.Width > 320 && !o.Colour {
		return nil, fmt.Errorf("%s: sample width %d is over 320", path, o.Width)
	}
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	if o.Threads <= 0 {
		o.Threads = 1
	}
	return &sampler{path: path, o: o, lastTaken: -1 << 62}, nil
}

// Sampler is a reduced decode of one file kept open for several looks at
// it (Samples is one look): the container's headers are read and the
// decoder set up once.
type Sampler struct {
	d *sampler
}

// OpenSampler opens path for looks shaped by o (From, To and Every are
// given per look).
func OpenSampler(path string, o SampleOptions) (*Sampler, error) {
	o.From, o.To, o.Every, o.Sparse = 0, 0, 0, 0
	d, err := newSampler(path, o)
	if err != nil {
		return nil, err
	}
	if err := d.open(); err != nil {
		d.c.close()
		return nil, err
	}
	return &Sampler{d: d}, nil
}

// Look decodes [from, to) as Samples would with these From, To and Every,
// calling fn with each sample in order of time.
func (s *Sampler) Look(ctx context.Context, from, to, every time.Duration, fn func(Sample) error) (SampleStats, error) {
	d := s.d
	flushDecoder(d.dec)
	d.freeGOP()
	d.o.From, d.o.To, d.o.Every = from, to, every
	d.lastTaken, d.long, d.haveKey, d.keyAt = -1<<62, false, false, 0
	d.configure()
	before := d.stats
	err := d.run(ctx, fn)
	st := d.stats
	st.Packets -= before.Packets
	st.Decoded -= before.Decoded
	st.Taken -= before.Taken
	return st, err
}

// Close frees the decoder and closes the file.
func (s *Sampler) Close() {
	s.d.c.close()
	releaseMemory()
}

// sampler is one reduced decode: its container, decoder, scaler and the
// packets of the current group of pictures (kept in case it proves long).
type sampler struct {
	path  string
	o     SampleOptions
	c     closer
	fc    *astiav.FormatContext
	st    *astiav.Stream
	dec   *astiav.CodecContext
	pkt   *astiav.Packet
	frame *astiav.Frame
	start int64
	stats SampleStats

	keys []int64 // the keyframes' timestamps from the container's index (indexedKeys)
	// Sparse reading without an index: the last keyframe read, held until
	// the next one says whether it is decoded, and where the last decoded
	// keyframe was.
	held      *astiav.Packet
	heldAt    time.Duration
	keptAt    time.Duration
	keptAny   bool
	pend      []time.Duration // keyframes left out, not yet passed to fn
	keysRead  bool
	gop       []*astiav.Packet // non-key packets since the last keyframe (keyframe mode)
	keyAt     time.Duration    // offset of the last keyframe packet
	haveKey   bool
	long      bool // decoding every frame because keyframes are far apart
	lastTaken time.Duration

	sws    *astiav.SoftwareScaleContext
	swsKey [3]int
	grey   *astiav.Frame
	buf    []byte
	w, h   int
}

func (d *sampler) open() error {
	mark := logMark()
	fc, err := openSampled(d.path, mark)
	if err != nil {
		return err
	}
	d.c.add(func() { closeInput(fc) })
	d.fc = fc
	if d.st = firstStream(fc, astiav.MediaTypeVideo); d.st == nil {
		return fault.Mediaf("%s: no video stream", d.path)
	}
	// Nothing but the video is read from the container.
	for _, s := range fc.Streams() {
		if s.Index() != d.st.Index() {
			C.klipp_stream_discard((*C.AVStream)(streamC(s)), C.AVDISCARD_ALL)
		}
	}
	cp := d.st.CodecParameters()
	codec := astiav.FindDecoder(cp.CodecID())
	if codec == nil {
		return fault.Mediaf("%s: unsupported video codec %s", d.path, cp.CodecID().Name())
	}
	if d.dec = astiav.AllocCodecContext(codec); d.dec == nil {
		return fmt.Errorf("%s: alloc decoder", d.path)
	}
	d.c.add(d.dec.Free)
	if err := cp.ToCodecContext(d.dec); err != nil {
		return fmt.Errorf("%s: decoder parameters: %w", d.path, err)
	}
	d.dec.SetTimeBase(d.st.TimeBase())
	d.dec.SetThreadCount(d.o.Threads)
	d.stats.SourceWidth, d.stats.SourceHeight = cp.Width(), cp.Height()
	opts := astiav.NewDictionary()
	defer opts.Free()
	// Decoders that can decode at 1/2, 1/4 or 1/8 size do, as far as the
	// samples' width allows.
	if max := int(C.klipp_max_lowres((*C.AVCodec)(codecC(codec)))); max > 0 && cp.Width() > 0 && d.o.Width > 0 {
		l := 0
		for l < max && l < 3 && cp.Width()>>(l+1) >= d.o.Width {
			l++
		}
		if l > 0 {
			if err := opts.Set("lowres", strconv.Itoa(l), 0); err != nil {
				return fmt.Errorf("%s: lowres: %w", d.path, err)
			}
			d.stats.Lowres = l
		}
	}
	if err := d.dec.Open(codec, opts); err != nil {
		return fault.Mediaf("%s: open %s decoder: %s", d.path, codec.Name(), reason(err, mark))
	}
	d.configure()
	d.start = d.st.StartTime()
	if d.start == astiav.NoPtsValue {
		d.start = 0
	}
	if d.pkt = astiav.AllocPacket(); d.pkt == nil {
		return fmt.Errorf("%s: alloc packet", d.path)
	}
	d.c.add(d.pkt.Free)
	if d.frame = astiav.AllocFrame(); d.frame == nil {
		return fmt.Errorf("%s: alloc frame", d.path)
	}
	d.c.add(d.frame.Free)
	d.c.add(d.freeGOP)
	d.c.add(func() {
		if d.held != nil {
			d.held.Free()
			d.held = nil
		}
	})
	d.c.add(d.freeScaler)
	return nil
}

// configure sets what the decoder skips for the look asked for.
func (d *sampler) configure() {
	d.keyframesOnly(d.o.Every == 0)
	if rate := d.st.AvgFrameRate(); d.o.Every > 0 && rate.Num() > 0 && d.o.Every.Seconds()*rate.Float64() >= 3 {
		// A close look at several frames' spacing takes reference frames
		// only: the others (B-frames) are not decoded at all.
		C.klipp_set_skip((*C.AVCodecContext)(codecContextC(d.dec)), C.AVDISCARD_NONREF, d.loopSkip())
	}
}

// openSampled opens a container; the stream analysis (which decodes
// frames) is skipped when the headers give the video's size and codec
// setup, as an MP4's do: the decoder learns the rest from the first frame.
func openSampled(path string, mark int) (*astiav.FormatContext, error) {
	fc := astiav.AllocFormatContext()
	if fc == nil {
		return nil, fmt.Errorf("%s: alloc format context", path)
	}
	if err := fc.OpenInput(path, nil, nil); err != nil {
		fc.Free()
		return nil, fault.Mediaf("%s: cannot open: %s", path, reason(err, mark))
	}
	if st := firstStream(fc, astiav.MediaTypeVideo); st != nil && strings.Contains(fc.InputFormat().Name(), "mp4") {
		if cp := st.CodecParameters(); cp.Width() > 0 && cp.Height() > 0 && len(cp.ExtraData()) > 0 {
			return fc, nil
		}
	}
	if err := fc.FindStreamInfo(nil); err != nil {
		closeInput(fc)
		return nil, fault.Mediaf("%s: cannot read stream info: %s", path, reason(err, mark))
	}
	return fc, nil
}

// loopSkip is which frames the decoder skips its loop filter on when it
// decodes frames between keyframes: all of them for small grey samples
// (the filter smooths block edges, which a picture reduced eight times or
// more does not show; the error it leaves in later frames stays below the
// change a sample counts), none for colour.
func (d *sampler) loopSkip() C.int {
	if d.o.Colour || d.o.Width <= 0 || d.stats.SourceWidth < 8*d.o.Width {
		return C.AVDISCARD_DEFAULT
	}
	return C.AVDISCARD_ALL
}

// keyframesOnly sets what the decoder skips: with on, every frame but
// keyframes, and the loop filter (a keyframe's smoothing matters not for
// finding change, and no later frame is decoded from it); off, nothing.
func (d *sampler) keyframesOnly(on bool) {
	cc := (*C.AVCodecContext)(codecContextC(d.dec))
	if on {
		C.klipp_set_skip(cc, C.AVDISCARD_NONKEY, C.AVDISCARD_ALL)
		return
	}
	C.klipp_set_skip(cc, C.AVDISCARD_DEFAULT, C.AVDISCARD_DEFAULT)
}

// indexedKeys returns the keyframes' timestamps from the container's index
// when the container has one for the whole file in its headers (MP4), so
// that only keyframes need be read; nil otherwise.
func (d *sampler) indexedKeys() []int64 {
	if !d.keysRead {
		d.keys, d.keysRead = d.readKeys(), true
	}
	return d.keys
}

func (d *sampler) readKeys() []int64 {
	name := d.fc.InputFormat().Name()
	if !strings.Contains(name, "mp4") { // Matroska cues need not list every keyframe
		return nil
	}
	st := (*C.AVStream)(streamC(d.st))
	n := int(C.klipp_index_count(st))
	if n == 0 {
		return nil
	}
	keys := make([]int64, n)
	k := int(C.klipp_keyframes(st, (*C.int64_t)(unsafe.Pointer(&keys[0])), C.int(n)))
	return slices.Clip(keys[:k])
}

// byIndex reads the keyframes the index lists, seeking to each: the
// frames between them are never read. It reports false, having read
// nothing, when keyframes are too far apart for keyframes alone.
func (d *sampler) byIndex(ctx context.Context, keys []int64, fn func(Sample) error) (bool, error) {
	var want, at []int64 // where to seek, and the keyframe's own timestamp
	for i, ts := range keys {
		off := d.offset(ts, ts)
		if i > 0 && off-d.offset(keys[i-1], keys[i-1]) > d.o.Interval*3/2 {
			return false, nil
		}
		// The index holds decoding times, which a seek may compare with
		// presentation times a few frames later: the seek aims half-way to
		// the next keyframe and lands on this one. A keyframe shown
		// slightly later is still taken when its decoding time is just
		// before From.
		next := ts + astiav.RescaleQ(int64(d.o.Interval), astiav.NewRational(1, int(time.Second)), d.st.TimeBase())
		if i+1 < len(keys) {
			next = keys[i+1]
		}
		if off >= d.o.From-d.o.Interval/2 && (d.o.To <= 0 || off < d.o.To) {
			want = append(want, ts+(next-ts)/2)
			at = append(at, ts)
		}
	}
	skip := d.sparse(at)
	d.pend = d.pend[:0]
	emit := d.inOrder(fn)
	for i, ts := range want {
		if err := ctx.Err(); err != nil {
			return true, err
		}
		if skip[i] {
			d.pend = append(d.pend, d.offset(at[i], at[i]))
			continue
		}
		if err := d.fc.SeekFrame(d.st.Index(), ts, astiav.NewSeekFlags(astiav.SeekFlagBackward)); err != nil {
			return true, fault.Mediaf("%s: seek to keyframe %d: %v", d.path, ts, err)
		}
		for {
			mark := logMark()
			err := d.fc.ReadFrame(d.pkt)
			if errors.Is(err, astiav.ErrEof) {
				break
			}
			if err != nil {
				return true, fault.Mediaf("%s: read: %s", d.path, reason(err, mark))
			}
			if d.pkt.StreamIndex() != d.st.Index() {
				d.pkt.Unref()
				continue
			}
			d.stats.Packets++
			err = d.send(d.pkt, emit)
			d.pkt.Unref()
			if err != nil {
				return true, err
			}
			break
		}
	}
	if err := d.dec.SendPacket(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
		return true, fault.Mediaf("%s: decode: %v", d.path, err)
	}
	if err := d.receive(emit); err != nil {
		return true, err
	}
	return true, d.flushPend(fn)
}

// sparse says which of the keyframes at (timestamps, in order) are left
// undecoded: one whose decoded neighbours are at most Sparse apart; never
// the first nor the last.
func (d *sampler) sparse(at []int64) []bool {
	skip := make([]bool, len(at))
	if d.o.Sparse <= 0 || d.o.Every > 0 {
		return skip
	}
	kept := 0
	for i := 1; i+1 < len(at); i++ {
		if d.offset(at[i+1], at[i+1])-d.offset(at[kept], at[kept]) <= d.o.Sparse {
			skip[i] = true
			continue
		}
		kept = i
	}
	return skip
}

// goLong switches to decoding every reference frame (keyframes are far
// apart), taking one every Interval.
func (d *sampler) goLong() {
	d.keyframesOnly(false)
	C.klipp_set_skip((*C.AVCodecContext)(codecContextC(d.dec)), C.AVDISCARD_NONREF, d.loopSkip())
	d.long, d.stats.LongGOP = true, true
}

// seek positions the container at the keyframe at or before From, or at
// the start where the seek overshoots (MPEG-TS seeks are approximate).
func (d *sampler) seek() error {
	if d.o.From <= 0 {
		return nil
	}
	ts := d.start + astiav.RescaleQ(int64(d.o.From), astiav.NewRational(1, int(time.Second)), d.st.TimeBase())
	if err := d.fc.SeekFrame(d.st.Index(), ts, astiav.NewSeekFlags(astiav.SeekFlagBackward)); err != nil {
		return fault.Mediaf("%s: seek to %v: %v", d.path, d.o.From, err)
	}
	for {
		err := d.fc.ReadFrame(d.pkt)
		if errors.Is(err, astiav.ErrEof) {
			break
		}
		if err != nil {
			return fault.Mediaf("%s: read: %v", d.path, err)
		}
		if d.pkt.StreamIndex() != d.st.Index() {
			d.pkt.Unref()
			continue
		}
		off := d.offset(d.pkt.Pts(), d.pkt.Dts())
		key := d.pkt.Flags().Has(astiav.PacketFlagKey)
		d.pkt.Unref()
		if key && off <= d.o.From {
			// Back to this keyframe: the loop reads it again.
			return d.fc.SeekFrame(d.st.Index(), ts, astiav.NewSeekFlags(astiav.SeekFlagBackward))
		}
		break
	}
	if err := d.fc.SeekFrame(-1, 0, astiav.NewSeekFlags(astiav.SeekFlagByte)); err != nil {
		if err := d.fc.SeekFrame(d.st.Index(), d.start, astiav.NewSeekFlags(astiav.SeekFlagBackward)); err != nil {
			return fault.Mediaf("%s: rewind: %v", d.path, err)
		}
	}
	return nil
}

// offset is a timestamp's distance from the stream's start.
func (d *sampler) offset(pts, dts int64) time.Duration {
	if pts == astiav.NoPtsValue {
		pts = dts
	}
	if pts == astiav.NoPtsValue {
		return -1
	}
	return time.Duration(astiav.RescaleQ(pts-d.start, d.st.TimeBase(), astiav.NewRational(1, int(time.Second))))
}

func (d *sampler) run(ctx context.Context, fn func(Sample) error) error {
	keyMode := d.o.Every == 0
	if keys := d.indexedKeys(); keyMode && len(keys) > 0 {
		if done, err := d.byIndex(ctx, keys, fn); done {
			return err
		}
	}
	if err := d.seek(); err != nil {
		return err
	}
	d.keptAny, d.pend = false, d.pend[:0]
	sparse := keyMode && d.o.Sparse > 0
	if sparse {
		fn = d.inOrder(fn)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		mark := logMark()
		err := d.fc.ReadFrame(d.pkt)
		if errors.Is(err, astiav.ErrEof) {
			break
		}
		if err != nil {
			return fault.Mediaf("%s: read: %s", d.path, reason(err, mark))
		}
		if d.pkt.StreamIndex() != d.st.Index() {
			d.pkt.Unref()
			continue
		}
		d.stats.Packets++
		key := d.pkt.Flags().Has(astiav.PacketFlagKey)
		off := d.offset(d.pkt.Pts(), d.pkt.Dts())
		if d.o.To > 0 && key && off >= d.o.To {
			d.pkt.Unref()
			break // nothing from here on is wanted
		}
		if sparse && d.held != nil && (!key || d.long) && off-d.heldAt > d.o.Interval*3/2 {
			// Keyframes are far apart: the one held is decoded now.
			if err := d.sendHeld(fn); err != nil {
				d.pkt.Unref()
				return err
			}
		}
		far := off >= 0 && d.haveKey && off-d.keyAt > d.o.Interval*3/2 && off > d.o.From
		switch {
		case !keyMode || d.long:
			if key {
				d.keyAt = off
			}
			err = d.send(d.pkt, fn)
		case key && sparse:
			d.freeGOP()
			d.keyAt, d.haveKey = off, true
			err = d.hold(off, fn)
		case key:
			d.freeGOP()
			d.keyAt, d.haveKey = off, true
			err = d.send(d.pkt, fn)
		case far:
			// Keyframes are far apart here: decode the pictures since the
			// last one, and every picture from now on, taking one every
			// Interval.
			d.goLong()
			for _, p := range d.gop {
				if err = d.send(p, fn); err != nil {
					break
				}
			}
			d.freeGOP()
			if err == nil {
				err = d.send(d.pkt, fn)
			}
		default:
			p := astiav.AllocPacket()
			if p == nil {
				err = fmt.Errorf("%s: alloc packet", d.path)
			} else if err = p.Ref(d.pkt); err == nil {
				d.gop = append(d.gop, p)
			} else {
				p.Free()
			}
		}
		d.pkt.Unref()
		if err != nil {
			return err
		}
	}
	if err := d.sendHeld(fn); err != nil { // the last keyframe is decoded
		return err
	}
	if err := d.dec.SendPacket(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
		return fault.Mediaf("%s: decode: %v", d.path, err)
	}
	if err := d.receive(fn); err != nil {
		return err
	}
	return d.flushPend(fn)
}

// inOrder wraps fn so that keyframes left out (d.pend) reach it in their
// place in time: before the first picture after them (the decoder may
// hold pictures back).
func (d *sampler) inOrder(fn func(Sample) error) func(Sample) error {
	return func(smp Sample) error {
		for len(d.pend) > 0 && d.pend[0] < smp.Offset {
			if err := fn(Sample{Offset: d.pend[0], Key: true, Skipped: true}); err != nil {
				return err
			}
			d.pend = d.pend[1:]
		}
		return fn(smp)
	}
}

// flushPend passes the keyframes left out that are still waiting.
func (d *sampler) flushPend(fn func(Sample) error) error {
	for len(d.pend) > 0 {
		off := d.pend[0]
		d.pend = d.pend[1:]
		if err := fn(Sample{Offset: off, Key: true, Skipped: true}); err != nil {
			return err
		}
	}
	return nil
}

// hold takes the keyframe in d.pkt (at off) in sparse reading: the one
// held before it is decoded if leaving it out would put decoded keyframes
// more than Sparse apart, and is left out otherwise; this one is held.
func (d *sampler) hold(off time.Duration, fn func(Sample) error) error {
	if d.held != nil {
		if !d.keptAny || off-d.keptAt > d.o.Sparse {
			if err := d.sendHeld(fn); err != nil {
				return err
			}
		} else {
			d.pend = append(d.pend, d.heldAt)
			d.held.Free()
			d.held = nil
		}
	}
	p := astiav.AllocPacket()
	if p == nil {
		return fmt.Errorf("%s: alloc packet", d.path)
	}
	if err := p.Ref(d.pkt); err != nil {
		p.Free()
		return fmt.Errorf("%s: %w", d.path, err)
	}
	d.held, d.heldAt = p, off
	return nil
}

// sendHeld decodes the keyframe held, if any.
func (d *sampler) sendHeld(fn func(Sample) error) error {
	if d.held == nil {
		return nil
	}
	p := d.held
	d.held = nil
	defer p.Free()
	d.keptAt, d.keptAny = d.heldAt, true
	return d.send(p, fn)
}

// send gives the decoder one packet and takes what it returns.
func (d *sampler) send(p *astiav.Packet, fn func(Sample) error) error {
	mark := logMark()
	if err := d.dec.SendPacket(p); err != nil && !errors.Is(err, astiav.ErrEagain) {
		return fault.Mediaf("%s: decode: %s", d.path, reason(err, mark))
	}
	return d.receive(fn)
}

func (d *sampler) receive(fn func(Sample) error) error {
	for {
		d.frame.Unref()
		err := d.dec.ReceiveFrame(d.frame)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return nil
		}
		if err != nil {
			return fault.Mediaf("%s: decode: %v", d.path, err)
		}
		d.stats.Decoded++
		off := d.offset(d.frame.Pts(), d.frame.PktDts())
		if off < d.o.From || (d.o.To > 0 && off >= d.o.To) || off <= d.lastTaken {
			continue
		}
		key := d.frame.KeyFrame()
		take := false
		switch {
		case d.o.Every > 0:
			take = off-d.lastTaken >= d.o.Every
		case key:
			take = true
		case d.long:
			take = off-d.lastTaken >= d.o.Interval
		}
		if !take {
			continue
		}
		if err := d.scale(); err != nil {
			return err
		}
		d.lastTaken = off
		d.stats.Taken++
		smp := Sample{Offset: off, Key: key, Width: d.w, Height: d.h, Pix: d.buf}
		if d.o.Colour {
			img, err := frameImage(d.grey, false)
			if err != nil {
				return fmt.Errorf("%s: %w", d.path, err)
			}
			smp.Pix, smp.Image = nil, img
		}
		if err := fn(smp); err != nil {
			return err
		}
	}
}

// scale reduces the decoded picture to the samples' grey size.
func (d *sampler) scale() error {
	src := d.frame
	key := [3]int{src.Width(), src.Height(), int(src.PixelFormat())}
	if d.sws == nil || key != d.swsKey {
		d.freeScaler()
		sw, sh := max(d.stats.SourceWidth, 1), max(d.stats.SourceHeight, 1)
		if d.stats.SourceWidth == 0 {
			sw, sh = src.Width(), src.Height()
		}
		w := min(d.o.Width, sw)
		if w <= 0 {
			w = sw
		}
		w &^= 1
		h := max(2, (w*sh/sw+1)&^1)
		pf, flags := astiav.PixelFormatGray8, astiav.SoftwareScaleContextFlagArea
		if d.o.Colour {
			pf, flags = astiav.PixelFormatYuv420P, astiav.SoftwareScaleContextFlagBicubic
		}
		sws, err := astiav.CreateSoftwareScaleContext(src.Width(), src.Height(), src.PixelFormat(), w, h, pf,
			astiav.NewSoftwareScaleContextFlags(flags))
		if err != nil {
			return fault.Mediaf("%s: cannot scale %s %dx%d: %v", d.path, src.PixelFormat().Name(), src.Width(), src.Height(), err)
		}
		d.sws, d.swsKey, d.w, d.h = sws, key, w, h
		if d.grey = astiav.AllocFrame(); d.grey == nil {
			return fmt.Errorf("%s: alloc frame", d.path)
		}
		d.grey.SetWidth(w)
		d.grey.SetHeight(h)
		d.grey.SetPixelFormat(pf)
		if err := d.grey.AllocBuffer(0); err != nil {
			return fmt.Errorf("%s: %w", d.path, err)
		}
		d.buf = make([]byte, w*h)
	}
	if d.o.Colour {
		if _, err := frameImage(d.grey, true); err != nil { // a fresh buffer if a reference is held
			return fmt.Errorf("%s: %w", d.path, err)
		}
	}
	if err := d.sws.ScaleFrame(src, d.grey); err != nil {
		return fault.Mediaf("%s: scale: %v", d.path, err)
	}
	if d.o.Colour {
		return nil
	}
	if _, err := d.grey.ImageCopyToBuffer(d.buf, 1); err != nil {
		return fmt.Errorf("%s: %w", d.path, err)
	}
	return nil
}

func (d *sampler) freeGOP() {
	for _, p := range d.gop {
		p.Free()
	}
	d.gop = d.gop[:0]
}

func (d *sampler) freeScaler() {
	if d.sws != nil {
		d.sws.Free()
		d.sws = nil
	}
	if d.grey != nil {
		d.grey.Free()
		d.grey = nil
	}
}

// astiav's Stream, Codec and CodecContext, like FormatContext, are structs
// whose first field is the C pointer (see cgo.go).
func streamC(s *astiav.Stream) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(s)) }
func codecC(c *astiav.Codec) unsafe.Pointer   { return *(*unsafe.Pointer)(unsafe.Pointer(c)) }
func codecContextC(cc *astiav.CodecContext) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(cc))
}

package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/asticode/go-astiav"
)

// ErrCannotMatch means a frame-exact cut cannot re-encode frames that join
// the source's bitstream (the codec is not H.264, or no encoder opens with
// the source's parameters); callers fall back to transcoding.
var ErrCannotMatch = errors.New("cannot re-encode to match the source")

// ExactResult says what a frame-exact cut wrote.
type ExactResult struct {
	CopyResult
	Reencoded int           // frames re-encoded at the start, from From to the next keyframe
	CopyFrom  time.Duration // offset in the first file from which packets were copied
}

// ExactCut writes the parts like CopyCut, but starts exactly at the first
// part's From without an edit list: the frames from From up to the next
// keyframe are re-encoded (H.264, same size and pixel format and profile,
// parameter sets in-band), and from that keyframe on the original packets
// are copied, with the source's parameter sets put back in-band there.
func ExactCut(ctx context.Context, parts []CutPart, out string, o CutOptions) (*ExactResult, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("cut %s: nothing to cut", out)
	}
	initLog()
	head, err := encodeHead(ctx, parts[0])
	if err != nil {
		return nil, err
	}
	var total time.Duration
	for _, p := range parts {
		total += p.To - p.From
	}
	res := &ExactResult{Reencoded: len(head.packets), CopyFrom: head.keyAt}
	// avc3: the sample entry whose samples may carry their own parameter
	// sets, which the re-encoded head and the copied rest each do.
	m := &remux{out: out, res: &res.CopyResult, noAudio: o.NoAudio, videoTag: astiav.CodecTag(0x33637661)}
	defer m.free()
	fail := func(err error) (*ExactResult, error) {
		m.abort()
		return nil, err
	}
	if err := m.writeHead(ctx, parts[0], head); err != nil {
		return fail(err)
	}
	rest := parts
	if head.keyAt < parts[0].To {
		first := parts[0]
		first.OutStart += head.keyAt - first.From
		first.From = head.keyAt
		rest = append([]CutPart{first}, parts[1:]...)
		m.keyPrefix = head.paramSets
		from := parts[0].From // the re-encoded head has no audio of its own
		m.audioFrom = &from
	} else {
		rest = parts[1:]
		if m.audio != nil {
			// The whole first part is re-encoded: its audio still comes along.
			m.audioOnly = true
			err := m.part(ctx, parts[0], false)
			m.audioOnly = false
			if err != nil {
				return fail(err)
			}
		}
	}
	for _, p := range rest {
		if err := m.part(ctx, p, false); err != nil {
			return fail(err)
		}
		if o.Progress != nil {
			o.Progress(p.To-p.From, total)
		}
	}
	if err := m.finish(); err != nil {
		return fail(err)
	}
	return res, nil
}

// head is the re-encoded start of an exact cut.
type head struct {
	packets   []*astiav.Packet // in the source's bitstream format; pts/dts in time base tb
	offsets   []time.Duration  // each packet's offset in the source
	tb        astiav.Rational
	keyAt     time.Duration // offset of the first keyframe after From (or To)
	paramSets []byte        // the source's SPS/PPS, to put in-band at that keyframe
}

func (h *head) free() {
	for _, p := range h.packets {
		p.Free()
	}
	h.packets = nil
}

// encodeHead decodes part p from the keyframe before From and re-encodes the
// frames in [From, next keyframe). Memory holds at most those frames'
// packets; on failure nothing stays allocated.
func encodeHead(ctx context.Context, p CutPart) (_ *head, err error) {
	var c closer
	defer c.close()
	r, err := OpenVideo(p.Path)
	if err != nil {
		return nil, err
	}
	c.add(r.Close)
	if err := r.UseRate(ctx); err != nil {
		return nil, err
	}
	cp := r.st.CodecParameters()
	if cp.CodecID() != astiav.CodecIDH264 {
		return nil, fmt.Errorf("%s: frame-exact cuts need H.264, this is %s: %w", p.Path, cp.CodecID().Name(), ErrCannotMatch)
	}
	if aviBFrames(r.fc, r.st) {
		return nil, fmt.Errorf("%s: an AVI with B-frames has no presentation times to copy: %w", p.Path, ErrCannotMatch)
	}
	h := &head{tb: r.st.TimeBase(), keyAt: p.To}
	defer func() {
		if err != nil {
			h.free()
		}
	}()
	extra := cp.ExtraData()
	lengthSize := 0 // 0: Annex B (MPEG-TS); else AVCC with this many length bytes
	if len(extra) > 6 && extra[0] == 1 {
		lengthSize = int(extra[4]&3) + 1
		h.paramSets = avccParamSets(extra, lengthSize)
	}
	enc, err := newHeadEncoder(r, cp)
	if err != nil {
		return nil, err
	}
	c.add(enc.Free)
	if err := r.SeekBefore(ctx, p.From); err != nil {
		return nil, err
	}
	pkt := astiav.AllocPacket()
	if pkt == nil {
		return nil, fmt.Errorf("%s: alloc packet", p.Path)
	}
	c.add(pkt.Free)
	drain := func() error {
		for {
			err := enc.ReceivePacket(pkt)
			if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: encode: %w", p.Path, err)
			}
			var data []byte
			if lengthSize > 0 {
				data = annexBToLengths(pkt.Data(), lengthSize)
			} else {
				data = append([]byte(nil), pkt.Data()...)
			}
			pts, dts, dur, key := pkt.Pts(), pkt.Dts(), pkt.Duration(), pkt.Flags().Has(astiav.PacketFlagKey)
			pkt.Unref()
			o := astiav.AllocPacket()
			if o == nil {
				return fmt.Errorf("%s: alloc packet", p.Path)
			}
			if err := o.FromData(data); err != nil {
				o.Free()
				return fmt.Errorf("%s: encode: %w", p.Path, err)
			}
			h.packets = append(h.packets, o)
			o.SetPts(pts)
			o.SetDts(dts)
			o.SetDuration(dur)
			if key {
				o.SetFlags(o.Flags().Add(astiav.PacketFlagKey))
			}
		}
	}
	for {
		f, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if f.Offset < p.From {
			continue
		}
		if f.Offset >= p.To || (f.Key && f.Offset > p.From) {
			h.keyAt = min(f.Offset, p.To)
			break
		}
		if f.Key && f.Offset == p.From {
			h.keyAt = f.Offset // From is a keyframe: nothing to re-encode
			break
		}
		r.frame.SetPictureType(astiav.PictureTypeNone)
		if err := enc.SendFrame(r.frame); err != nil {
			return nil, fmt.Errorf("%s: encode: %w", p.Path, err)
		}
		h.offsets = append(h.offsets, f.Offset)
		if err := drain(); err != nil {
			return nil, err
		}
	}
	if err := enc.SendFrame(nil); err == nil {
		if err := drain(); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// newHeadEncoder opens libx264 to match the source: size, pixel format, time
// base and profile; no B-frames, parameter sets in-band.
func newHeadEncoder(r *VideoReader, cp *astiav.CodecParameters) (*astiav.CodecContext, error) {
	codec := astiav.FindEncoderByName("libx264")
	if codec == nil {
		return nil, fmt.Errorf("libx264 is not in this FFmpeg")
	}
	enc := astiav.AllocCodecContext(codec)
	if enc == nil {
		return nil, fmt.Errorf("alloc encoder")
	}
	enc.SetWidth(cp.Width())
	enc.SetHeight(cp.Height())
	enc.SetPixelFormat(cp.PixelFormat())
	enc.SetTimeBase(r.st.TimeBase())
	if rate := r.st.AvgFrameRate(); rate.Num() > 0 {
		enc.SetFramerate(rate)
	}
	opts := astiav.NewDictionary()
	defer opts.Free()
	profile := map[astiav.Profile]string{astiav.ProfileH264Baseline: "baseline", astiav.ProfileH264Main: "main", astiav.ProfileH264High: "high"}[cp.Profile()]
	if profile == "" {
		profile = "high"
	}
	_ = opts.Set("profile", profile, 0)
	_ = opts.Set("preset", "veryfast", 0)
	_ = opts.Set("crf", "14", 0) // a few frames at high quality
	_ = opts.Set("x264-params", "bframes=0:keyint=1000:scenecut=0:repeat-headers=1:level="+strconv.Itoa(max(int(cp.Level()), 30)), 0)
	if err := enc.Open(codec, opts); err != nil {
		enc.Free()
		return nil, fmt.Errorf("no encoder opens matching the source (%dx%d %s %s: %v): %w", cp.Width(), cp.Height(), cp.PixelFormat().Name(), profile, err, ErrCannotMatch)
	}
	return enc, nil
}

// writeHead opens the output (from the source's stream) and writes the
// re-encoded frames.
func (m *remux) writeHead(ctx context.Context, p CutPart, h *head) error {
	defer h.free()
	mark := logMark()
	fc, err := openHeaders(p.Path, mark)
	if err != nil {
		return err
	}
	defer closeInput(fc)
	if err := m.open(firstStream(fc, astiav.MediaTypeVideo), firstAudio(fc)); err != nil {
		return err
	}
	nsTB := astiav.NewRational(1, int(time.Second))
	for i, pkt := range h.packets {
		if err := ctx.Err(); err != nil {
			return err
		}
		// The encoder's pts are the source's; place each at its offset.
		at := astiav.RescaleQ(int64(p.OutStart+h.offsets[i]-p.From), nsTB, m.st.TimeBase())
		pkt.SetStreamIndex(m.st.Index())
		pkt.SetPts(at)
		pkt.SetDts(at)
		pkt.SetDuration(astiav.RescaleQ(pkt.Duration(), h.tb, m.st.TimeBase()))
		if m.res.Frames > 0 && at <= m.lastDTS {
			at = m.lastDTS + 1
			pkt.SetPts(at)
			pkt.SetDts(at)
		}
		m.lastDTS = at
		if err := m.fc.WriteInterleavedFrame(pkt); err != nil {
			return fmt.Errorf("cut %s: write: %w", m.out, err)
		}
		m.res.Frames++
	}
	return nil
}

// avccParamSets returns an avcC record's SPS and PPS NAL units, each
// preceded by its length in lengthSize bytes.
func avccParamSets(avcc []byte, lengthSize int) []byte {
	var out bytes.Buffer
	put := func(nal []byte) {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(nal)))
		out.Write(l[4-lengthSize:])
		out.Write(nal)
	}
	i := 5
	for set := 0; set < 2 && i < len(avcc); set++ {
		n := int(avcc[i])
		if set == 0 {
			n &= 0x1f
		}
		i++
		for ; n > 0 && i+2 <= len(avcc); n-- {
			l := int(binary.BigEndian.Uint16(avcc[i:]))
			if i+2+l > len(avcc) {
				return out.Bytes()
			}
			put(avcc[i+2 : i+2+l])
			i += 2 + l
		}
	}
	return out.Bytes()
}

// annexBToLengths rewrites start-code separated NAL units as length-prefixed.
func annexBToLengths(data []byte, lengthSize int) []byte {
	var out bytes.Buffer
	var nals [][]byte
	start := -1
	for i := 0; i+2 < len(data); i++ {
		if data[i] == 0 && data[i+1] == 0 && data[i+2] == 1 {
			if start >= 0 {
				end := i
				if end > start && data[end-1] == 0 {
					end--
				}
				nals = append(nals, data[start:end])
			}
			start = i + 3
			i += 2
		}
	}
	if start >= 0 && start <= len(data) {
		nals = append(nals, data[start:])
	}
	for _, n := range nals {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(n)))
		out.Write(l[4-lengthSize:])
		out.Write(n)
	}
	return out.Bytes()
}

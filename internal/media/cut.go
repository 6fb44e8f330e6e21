package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// CutPart is the piece of one source file that goes into a cut: the frames
// whose offset from the stream start lies in [From, To), placed in the
// output so that offset From plays at OutStart.
type CutPart struct {
	Path     string
	From, To time.Duration
	OutStart time.Duration
}

// CopyResult says what a copy cut wrote.
type CopyResult struct {
	Frames     int           // frames shown: offsets in [From, To) of every part
	LeadIn     int           // frames before the first From, kept so decoding starts at a keyframe; hidden by the edit list
	LeadInTime time.Duration // how far before From the first keyframe lies
	Dropped    int           // packets skipped because a part did not start at a keyframe
	// Trailing frames lie at or after a part's To but are kept because
	// frames before To reference them (sources with B-frames); a copy cut
	// then shows them at its end.
	Trailing int
	// Audio is the audio codec copied along, or "".
	Audio string
	// AudioNote says why a source's audio is not in the cut.
	AudioNote string
	Codec     string
	Width     int
	Height    int
	// SHA256 and Size are of the file as written (hashed while writing);
	// "" when the cut was written in a way that needs it hashed afterwards.
	SHA256 string
	Size   int64
}

// CopyCut remuxes the parts' video without re-encoding into one MP4 at out.
// The first part starts at the keyframe at or before its From; an MP4 edit
// list makes playback start at From. Parts must share codec parameters.
// Memory holds at most one group of pictures.
// CutOptions apply to copy and exact cuts.
type CutOptions struct {
	NoAudio  bool // leave the source's audio out
	Progress func(done, total time.Duration)
}

func CopyCut(ctx context.Context, parts []CutPart, out string, o CutOptions) (*CopyResult, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("cut %s: nothing to cut", out)
	}
	initLog()
	var total time.Duration
	for _, p := range parts {
		total += p.To - p.From
	}
	// Room for the index at the front, so that it need not be moved there by
	// rewriting the file.
	reserve := func(fps float64) int { return reserveFor(total, fps) }
	// One pass over the data, hashed as written, when the plan pass can
	// tell the file's index before its data (onepass.go).
	if plan, _, err := planCopy(ctx, parts, total, reserve, o); err == nil {
		res, err := copyCutPlanned(ctx, parts, out, total, plan, o)
		if !errors.Is(err, errPlanMismatch) {
			return res, err
		}
	}
	return copyCutReserving(ctx, parts, out, total, reserve, o)
}

// copyCutReserving writes with reserve(fps) bytes kept for the index at the
// front, and when the index outgrows them, writes again with a second pass
// that moves it there.
func copyCutReserving(ctx context.Context, parts []CutPart, out string, total time.Duration, reserve func(fps float64) int, o CutOptions) (*CopyResult, error) {
	res, err := copyCut(ctx, parts, out, total, reserve, o)
	if errors.Is(err, errMoovTooBig) {
		res, err = copyCut(ctx, parts, out, total, nil, o)
	}
	return res, err
}

// reserveFor is the index space kept for a cut of total at fps: at most
// 24 bytes a sample (size, chunk offset, sync and composition entries), a
// GOP of lead-in and a margin.
func reserveFor(total time.Duration, fps float64) int {
	return int(16384 + 24*((total+20*time.Second).Seconds()*fps+250))
}

var errMoovTooBig = errors.New("reserved moov space too small")

func copyCut(ctx context.Context, parts []CutPart, out string, total time.Duration, reserve func(fps float64) int, o CutOptions) (*CopyResult, error) {
	res := &CopyResult{}
	m := &remux{out: out, res: res, reserve: reserve, noAudio: o.NoAudio}
	defer m.free()
	var done time.Duration
	for i, p := range parts {
		if err := m.part(ctx, p, i == 0); err != nil {
			m.abort()
			return nil, err
		}
		done += p.To - p.From
		if o.Progress != nil {
			o.Progress(done, total)
		}
	}
	if err := m.finish(); err != nil {
		m.abort()
		return nil, err
	}
	return res, nil
}

// remux holds the output of a copy cut.
type remux struct {
	out, tmp string
	c        closer // the output's muxer, file and audio, freed once
	res      *CopyResult
	fc       *astiav.FormatContext
	io       *astiav.IOContext
	st       *astiav.Stream
	extra    []byte
	codec    astiav.CodecID
	lastDTS  int64
	started  bool
	reserve  func(fps float64) int // bytes to keep for the index at the front; nil: a second pass moves it
	// keyPrefix goes before the data of every keyframe: the source's
	// parameter sets in-band, so that a player seeking to any keyframe
	// decodes it with them and not with the re-encoded head's.
	keyPrefix []byte
	videoTag  astiav.CodecTag // MP4 sample entry; 0: the muxer's choice (avc1, hev1)

	noAudio   bool
	audio     *audioCarry    // the source's audio, when the cut has it
	audioFrom *time.Duration // for the next part: audio from here, not from its From (exact cuts)
	audioOnly bool           // the next part's video is written already (an exact cut's head): its audio only

	// The one-pass copy cut (onepass.go): headerless, the plan pass, reads
	// no payload and keeps only the output's header in sink, learning
	// plan; with plan set, the write pass writes through out.
	headerless bool
	sink       *headSink
	plan       *copyPlan
	hashed     *hashedOut
}

// openSource opens a part's container: for its sample table only in the
// plan pass, alike in the plan and write passes.
func (m *remux) openSource(path string, mark int, first bool) (*astiav.FormatContext, func(), error) {
	if m.headerless || m.plan != nil {
		return openIndexed(path, mark, m.headerless, first)
	}
	fc, err := openHeaders(path, mark)
	if err != nil {
		return nil, nil, err
	}
	return fc, func() { closeInput(fc) }, nil
}

// firstStream returns a file's first stream of a media type, or nil.
func firstStream(fc *astiav.FormatContext, t astiav.MediaType) *astiav.Stream {
	for _, s := range fc.Streams() {
		if s.CodecParameters().MediaType() == t {
			return s
		}
	}
	return nil
}

func (m *remux) open(in, ain *astiav.Stream) error {
	if id := in.CodecParameters().CodecID(); id != astiav.CodecIDH264 && id != astiav.CodecIDHevc {
		return fault.Mediaf("%s video cannot be copied into an MP4 that players accept: use --mode transcode", id.Name())
	}
	var err error
	if !m.headerless {
		if m.tmp, err = atomicfile.Temp(m.out); err != nil {
			return fault.Usagef("cut %s: %v", m.out, err)
		}
	}
	fc, err := astiav.AllocOutputFormatContext(nil, "mp4", m.tmp)
	if err != nil || fc == nil {
		return fmt.Errorf("cut %s: mp4 muxer: %v", m.out, err)
	}
	m.c.add(fc.Free)
	m.fc = fc
	if m.st = m.fc.NewStream(nil); m.st == nil {
		return fmt.Errorf("cut %s: new stream", m.out)
	}
	cp := in.CodecParameters()
	if err := cp.Copy(m.st.CodecParameters()); err != nil {
		return fmt.Errorf("cut %s: %w", m.out, err)
	}
	m.st.CodecParameters().SetCodecTag(m.videoTag)
	keepRotation(in, m.st)
	m.st.SetTimeBase(in.TimeBase())
	if r := in.AvgFrameRate(); r.Num() > 0 {
		m.st.SetAvgFrameRate(r)
	}
	m.extra, m.codec = cp.ExtraData(), cp.CodecID()
	if ain != nil && !m.noAudio {
		m.audio, m.res.AudioNote = newAudioCarry(m.fc, ain)
		if m.audio != nil {
			m.c.add(m.audio.free)
			m.res.Audio = m.audio.codec
			m.res.AudioNote = m.audio.note
		}
	}
	m.res.Codec, m.res.Width, m.res.Height = cp.CodecID().Name(), cp.Width(), cp.Height()
	switch {
	case m.headerless:
		// The header is at most the reserved index space and a few boxes.
		if m.sink, err = newHeadSink(m.fc, m.reserveFor(in)+65536); err != nil {
			return fmt.Errorf("cut %s: %w", m.out, err)
		}
		m.c.add(m.sink.free)
	case m.plan != nil:
		if m.hashed, err = newHashedOut(m.tmp, m.plan); err != nil {
			return fmt.Errorf("cut %s: %w", m.out, err)
		}
		m.c.add(m.hashed.close)
		m.hashed.setPb(m.fc)
	default:
		if m.io, err = astiav.OpenIOContext(m.tmp, astiav.NewIOContextFlags(astiav.IOContextFlagWrite)); err != nil {
			return fmt.Errorf("cut %s: %w", m.out, err)
		}
		m.c.addErr(m.io.Close)
		m.fc.SetPb(m.io)
	}
	opts := astiav.NewDictionary()
	defer opts.Free()
	if r := m.reserveFor(in); r > 0 {
		_ = opts.Set("moov_size", fmt.Sprint(r), 0)
	} else if m.headerless || m.plan != nil {
		return errPlanMismatch // a plan needs the index in front
	} else {
		_ = opts.Set("movflags", "+faststart", 0)
	}
	if err := m.fc.WriteHeader(opts); err != nil {
		return fmt.Errorf("cut %s: write header: %w", m.out, err)
	}
	switch at := int64(0); {
	case m.headerless:
		if at = flushTell(m.fc); at > m.sink.cap() {
			return errPlanMismatch
		}
		m.plan = &copyPlan{dataStart: at}
	case m.hashed != nil:
		if at = flushTell(m.fc); at != m.plan.dataStart {
			return errPlanMismatch
		}
	}
	m.started = true
	return nil
}

// reserveFor is the index space kept at the front for in's frame rate; 0:
// none (a second pass moves the index there).
func (m *remux) reserveFor(in *astiav.Stream) int {
	if rate := in.AvgFrameRate(); m.reserve != nil && rate.Num() > 0 && rate.Den() > 0 {
		return m.reserve(rate.Float64())
	}
	return 0
}

// part copies one source's packets.
func (m *remux) part(ctx context.Context, p CutPart, first bool) error {
	mark := logMark()
	fc, closeFC, err := m.openSource(p.Path, mark, first)
	if err != nil {
		return err
	}
	defer closeFC()
	in, ain := firstStream(fc, astiav.MediaTypeVideo), firstAudio(fc)
	if in == nil {
		return fault.Mediaf("%s: no video stream", p.Path)
	}
	rc, err := newRawClock(ctx, fc, in)
	if err != nil {
		return needsRate(p.Path)
	}
	if rc.dur > 0 && videoDelay(in) > 0 {
		return fault.Mediaf("%s: a raw stream with B-frames has no presentation times to copy: use --mode transcode", p.Path)
	}
	if aviBFrames(fc, in) {
		return fault.Mediaf("%s: an AVI with B-frames has no presentation times to copy: use --mode transcode", p.Path)
	}
	if rc.fps > 0 {
		in.SetAvgFrameRate(astiav.NewRational(int(rc.fps*1000+0.5), 1000))
	}
	if m.fc == nil {
		if err := m.open(in, ain); err != nil {
			return err
		}
	} else if cp := in.CodecParameters(); cp.CodecID() != m.codec || cp.Width() != m.res.Width || cp.Height() != m.res.Height ||
		(len(cp.ExtraData()) > 0 && len(m.extra) > 0 && !bytes.Equal(cp.ExtraData(), m.extra)) {
		return fault.Mediaf("%s: codec parameters differ from the first file (%s %dx%d): cut with --gaps split or --mode transcode",
			p.Path, cp.CodecID().Name(), cp.Width(), cp.Height())
	}
	tb := in.TimeBase()
	start := in.StartTime()
	if start == astiav.NoPtsValue {
		start = 0
	}
	offset := func(ts int64) time.Duration { return time.Duration(astiav.RescaleQ(ts-start, tb, nsTB)) }
	outTS := func(ts int64) int64 {
		return astiav.RescaleQ(int64(p.OutStart+offset(ts)-p.From), nsTB, m.st.TimeBase())
	}
	startNs := astiav.RescaleQ(start, tb, nsTB)
	aoffset := func(ts int64) time.Duration {
		return time.Duration(astiav.RescaleQ(ts, ain.TimeBase(), nsTB) - startNs)
	}
	videoDone := m.audioOnly
	// Audio is timed against the video stream's start, so sync survives joins.
	audioFrom := p.From
	if m.audioFrom != nil {
		audioFrom, m.audioFrom = *m.audioFrom, nil
	}
	if seekTo := min(p.From, audioFrom); seekTo > 0 && rc.dur == 0 {
		ts := seekTS(start, seekTo, tb)
		if err := fc.SeekFrame(in.Index(), ts, astiav.NewSeekFlags(astiav.SeekFlagBackward)); err != nil {
			return fault.Mediaf("%s: seek: %v", p.Path, err)
		}
	}
	pkt := astiav.AllocPacket()
	if pkt == nil {
		return fmt.Errorf("%s: alloc packet", p.Path)
	}
	defer pkt.Free()
	// gop holds the packets from the latest keyframe at or before From,
	// until a packet at or after From shows that keyframe is the one.
	var gop []*astiav.Packet
	defer func() {
		for _, g := range gop {
			g.Free()
		}
	}()
	streaming, rewound := false, false
	var rawN int64 // packets of a raw stream so far
	droppedBefore := m.res.Dropped
	delay, frameDur := videoDelay(in), int64(0)
	if r := in.AvgFrameRate(); r.Num() > 0 && r.Den() > 0 {
		frameDur = astiav.RescaleQ(1, astiav.NewRational(r.Den(), r.Num()), tb)
	} else if r := in.RFrameRate(); r.Num() > 0 && r.Den() > 0 {
		frameDur = astiav.RescaleQ(1, astiav.NewRational(r.Den(), r.Num()), tb)
	}
	bAnchor, bK := int64(astiav.NoPtsValue), int64(0)
	if m.audio != nil && !videoDone {
		// Until the first frame at or after From is found the reader may
		// go back to the start: the audio waits.
		m.audio.holdUntilRelease()
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rmark := logMark()
		err := fc.ReadFrame(pkt)
		if errors.Is(err, astiav.ErrEof) && !streaming && !rewound && !m.audioOnly && p.From > 0 && rc.dur == 0 {
			// The seek landed past the last keyframe before From and no
			// keyframe follows (MPEG-TS seeks are approximate): read from the start.
			if err := rewind(fc, in, start); err != nil {
				return fault.Mediaf("%s: rewind: %v", p.Path, err)
			}
			for _, g := range gop {
				g.Free()
			}
			gop, rewound, m.res.Dropped = gop[:0], true, droppedBefore
			if m.audio != nil {
				m.audio.discard()
			}
			continue
		}
		if errors.Is(err, astiav.ErrEof) {
			break
		}
		if err != nil {
			return fault.Mediaf("%s: read: %s", p.Path, reason(err, rmark))
		}
		if m.audio != nil && ain != nil && pkt.StreamIndex() == ain.Index() {
			ts := pkt.Pts()
			if ts == astiav.NoPtsValue {
				ts = pkt.Dts()
			}
			off := aoffset(ts)
			if off >= p.To && videoDone {
				pkt.Unref()
				break
			}
			var err error
			if off >= audioFrom && off < p.To {
				err = m.audio.write(pkt, ain.TimeBase(), p.OutStart+off-p.From)
			}
			pkt.Unref()
			if err != nil {
				return err
			}
			continue
		}
		if pkt.StreamIndex() != in.Index() || videoDone {
			pkt.Unref()
			continue
		}
		if m.headerless {
			if err := keyFromIndex(in, pkt); err != nil {
				pkt.Unref()
				return err
			}
		}
		if pkt.Dts() == astiav.NoPtsValue && pkt.Pts() != astiav.NoPtsValue && delay > 0 && frameDur > 0 {
			// FFmpeg knows no decode time for the first packets of a stream
			// with B-frames (Matroska stores none): count them back from
			// the keyframe, one frame each, as the encoder's order had them.
			if pkt.Flags().Has(astiav.PacketFlagKey) {
				bAnchor, bK = pkt.Pts(), 0
			}
			if bAnchor != astiav.NoPtsValue {
				pkt.SetDts(bAnchor + (bK-int64(delay))*frameDur)
				bK++
			}
		}
		if rc.dur > 0 {
			// Decode order is display order in a stream without B-frames.
			pkt.SetPts(rawN * rc.dur)
			pkt.SetDts(rawN * rc.dur)
			pkt.SetDuration(rc.dur)
			rawN++
		}
		ts, dts := pkt.Pts(), pkt.Dts()
		if ts == astiav.NoPtsValue {
			ts = dts
		}
		if dts == astiav.NoPtsValue {
			dts = ts
		}
		off := offset(ts)
		if offset(dts) >= p.To {
			// In decode order, nothing after this can show before To.
			pkt.Unref()
			if streaming {
				if m.audio == nil {
					break
				}
				videoDone = true // read on for the audio up to To
			}
			continue
		}
		key := pkt.Flags().Has(astiav.PacketFlagKey)
		if !streaming {
			switch {
			case key && off <= p.From:
				for _, g := range gop {
					g.Free()
				}
				gop = gop[:0]
			case len(gop) == 0 && !key:
				// Not at a keyframe yet: undecodable on its own.
				if off >= p.From && (!first || rewound || p.From == 0) {
					m.res.Dropped++
				}
				pkt.Unref()
				continue
			case len(gop) == 0 && off > p.From && key && !rewound && p.From > 0:
				// The seek landed after From (MPEG-TS seeks are approximate): read from the start.
				pkt.Unref()
				if err := rewind(fc, in, start); err != nil {
					return fault.Mediaf("%s: rewind: %v", p.Path, err)
				}
				rewound, m.res.Dropped = true, droppedBefore
				if m.audio != nil {
					m.audio.discard()
				}
				continue
			}
			gop = append(gop, pkt.Clone())
			pkt.Unref()
			if off < p.From {
				continue
			}
			// The first packet at or after From: the buffered group is the lead-in.
			streaming = true
			if m.audio != nil {
				if err := m.audio.release(); err != nil {
					return err
				}
			}
			for _, g := range gop {
				if err := m.write(g, in, outTS, offset, p, first); err != nil {
					return err
				}
				g.Free()
			}
			gop = gop[:0]
			continue
		}
		err = m.write(pkt, in, outTS, offset, p, first)
		pkt.Unref()
		if err != nil {
			return err
		}
	}
	if m.audio != nil {
		return m.audio.release()
	}
	return nil
}

func (m *remux) write(pkt *astiav.Packet, in *astiav.Stream, outTS func(int64) int64, offset func(int64) time.Duration, p CutPart, first bool) error {
	pts, dts := pkt.Pts(), pkt.Dts()
	if pts == astiav.NoPtsValue {
		pts = dts
	}
	if dts == astiav.NoPtsValue {
		dts = pts
	}
	switch off := offset(pts); {
	case off < p.From:
		if first {
			m.res.LeadIn++
			if lead := p.From - off; lead > m.res.LeadInTime {
				m.res.LeadInTime = lead
			}
		}
	case off >= p.To:
		m.res.Trailing++
	default:
		m.res.Frames++
	}
	var o *astiav.Packet
	if m.keyPrefix != nil && pkt.Flags().Has(astiav.PacketFlagKey) {
		// A fresh packet: FromData on a referenced one would leak its buffer.
		if o = astiav.AllocPacket(); o == nil {
			return fmt.Errorf("cut %s: alloc packet", m.out)
		}
		if err := o.FromData(append(append([]byte(nil), m.keyPrefix...), pkt.Data()...)); err != nil {
			o.Free()
			return fmt.Errorf("cut %s: %w", m.out, err)
		}
		o.SetFlags(pkt.Flags())
		o.SetDuration(pkt.Duration())
	} else if o = pkt.Clone(); o == nil {
		return fmt.Errorf("cut %s: clone packet", m.out)
	}
	defer o.Free()
	o.SetStreamIndex(m.st.Index())
	o.SetPts(outTS(pts))
	o.SetDts(outTS(dts))
	if m.res.Frames+m.res.LeadIn > 1 && o.Dts() <= m.lastDTS {
		// Joins within tolerance may round onto the previous packet.
		o.SetDts(m.lastDTS + 1)
		if o.Pts() < o.Dts() {
			o.SetPts(o.Dts())
		}
	}
	m.lastDTS = o.Dts()
	o.SetDuration(astiav.RescaleQ(pkt.Duration(), in.TimeBase(), m.st.TimeBase()))
	o.SetPos(-1)
	if err := m.fc.WriteInterleavedFrame(o); err != nil {
		return fmt.Errorf("cut %s: write: %w", m.out, err)
	}
	return nil
}

func (m *remux) finish() error {
	if m.fc == nil || m.res.Frames == 0 {
		return fault.NotFoundf("cut %s: no frames in the requested range", m.out)
	}
	if m.audio != nil {
		if err := m.audio.flush(); err != nil {
			return fmt.Errorf("cut %s: %w", m.out, err)
		}
	}
	mark := logMark()
	if err := m.fc.WriteTrailer(); err != nil {
		if strings.Contains(logsSince(mark), "reserved_moov_size is too small") {
			return errMoovTooBig
		}
		return fmt.Errorf("cut %s: finish: %w", m.out, err)
	}
	m.started = false
	if m.headerless || m.hashed != nil {
		flushTell(m.fc)
	}
	switch {
	case m.headerless:
		if end := m.sink.end(); end < m.plan.dataStart {
			return errPlanMismatch
		} else {
			m.plan.head, m.plan.dataLen = m.sink.head(m.plan.dataStart), end-m.plan.dataStart
		}
		return nil
	case m.hashed != nil:
		sum, err := m.hashed.finish()
		if err != nil {
			return err
		}
		m.res.SHA256, m.res.Size = sum, m.plan.dataStart+m.plan.dataLen
	default:
		if err := m.io.Close(); err != nil {
			return fmt.Errorf("cut %s: %w", m.out, err)
		}
	}
	if err := os.Rename(m.tmp, m.out); err != nil {
		return fmt.Errorf("cut %s: %w", m.out, err)
	}
	m.tmp = ""
	return nil
}

func (m *remux) abort() {
	m.free()
	if m.tmp != "" {
		os.Remove(m.tmp)
		m.tmp = ""
	}
}

// free frees the output's muxer, file and audio, once.
func (m *remux) free() {
	m.c.close()
	m.fc, m.io, m.st, m.audio = nil, nil, nil, nil
}

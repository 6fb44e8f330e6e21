package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/asticode/go-astiav"
)

// audioToAAC re-encodes audio an MP4 cannot hold as it is (G.711 A-law and
// µ-law from CCTV recorders, PCM, ADPCM) to AAC at the same sample rate and
// channel layout. Samples are converted to planar float in Go and buffered
// until a whole AAC frame is ready.
type audioToAAC struct {
	c       closer
	dec     *astiav.CodecContext
	enc     *astiav.CodecContext
	in, out *astiav.Frame
	pkt     *astiav.Packet
	rate    int
	chans   int
	buf     [][]float32 // per channel, waiting for a full frame
	nextPTS int64       // output pts (1/rate) of buf[c][0]
	started bool
}

func newAudioToAAC(src *astiav.CodecParameters, globalHeader bool) (*audioToAAC, error) {
	a := &audioToAAC{rate: src.SampleRate(), chans: src.Channels()}
	if a.chans <= 0 {
		a.chans = 1
	}
	if err := a.open(src, globalHeader); err != nil {
		a.free()
		return nil, err
	}
	return a, nil
}

func (a *audioToAAC) open(src *astiav.CodecParameters, globalHeader bool) error {
	// Containers often leave PCM's layout unspecified: name it by count.
	layout := astiav.ChannelLayoutMono
	switch a.chans {
	case 1:
	case 2:
		layout = astiav.ChannelLayoutStereo
	default:
		return fmt.Errorf("%d audio channels", a.chans)
	}
	dc := astiav.FindDecoder(src.CodecID())
	if dc == nil {
		return fmt.Errorf("no decoder for %s audio", src.CodecID().Name())
	}
	if a.dec = astiav.AllocCodecContext(dc); a.dec == nil {
		return errors.New("alloc audio decoder")
	}
	a.c.add(a.dec.Free)
	if err := src.ToCodecContext(a.dec); err != nil {
		return err
	}
	if err := a.dec.Open(dc, nil); err != nil {
		return fmt.Errorf("open %s decoder: %w", dc.Name(), err)
	}
	ec := astiav.FindEncoder(astiav.CodecIDAac)
	if ec == nil {
		return errors.New("no AAC encoder in this FFmpeg")
	}
	if a.enc = astiav.AllocCodecContext(ec); a.enc == nil {
		return errors.New("alloc AAC encoder")
	}
	a.c.add(a.enc.Free)
	a.enc.SetSampleFormat(astiav.SampleFormatFltp)
	a.enc.SetSampleRate(a.rate)
	a.enc.SetChannelLayout(layout)
	a.enc.SetTimeBase(astiav.NewRational(1, a.rate))
	a.enc.SetBitRate(int64(32000 * a.chans))
	if globalHeader {
		a.enc.SetFlags(a.enc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	}
	if err := a.enc.Open(ec, nil); err != nil {
		return fmt.Errorf("open AAC encoder at %d Hz: %w", a.rate, err)
	}
	if a.in = astiav.AllocFrame(); a.in == nil {
		return errors.New("alloc audio frame")
	}
	a.c.add(a.in.Free)
	if a.out = astiav.AllocFrame(); a.out == nil {
		return errors.New("alloc audio frame")
	}
	a.c.add(a.out.Free)
	if a.pkt = astiav.AllocPacket(); a.pkt == nil {
		return errors.New("alloc audio packet")
	}
	a.c.add(a.pkt.Free)
	a.out.SetSampleFormat(astiav.SampleFormatFltp)
	a.out.SetSampleRate(a.rate)
	a.out.SetChannelLayout(layout)
	a.out.SetNbSamples(a.enc.FrameSize())
	if err := a.out.AllocBuffer(0); err != nil {
		return err
	}
	a.buf = make([][]float32, a.chans)
	return nil
}

// push decodes one source packet. at is the output time of its first sample
// (in 1/rate); emit receives every AAC packet ready.
func (a *audioToAAC) push(pkt *astiav.Packet, at int64, emit func(*astiav.Packet) error) error {
	if err := a.dec.SendPacket(pkt); err != nil && !errors.Is(err, astiav.ErrEagain) {
		return fmt.Errorf("decode audio: %w", err)
	}
	for {
		a.in.Unref()
		err := a.dec.ReceiveFrame(a.in)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("decode audio: %w", err)
		}
		pending := int64(len(a.buf[0]))
		// A jump of more than 100 ms (a gap crossed with --gaps allow) starts
		// the sound again at its time rather than early.
		if !a.started || math.Abs(float64(at-(a.nextPTS+pending))) > float64(a.rate)/10 {
			if err := a.drainBuffer(true, emit); err != nil {
				return err
			}
			a.nextPTS, a.started = at, true
		}
		if err := a.appendSamples(a.in); err != nil {
			return err
		}
		at += int64(a.in.NbSamples())
		if err := a.drainBuffer(false, emit); err != nil {
			return err
		}
	}
}

// appendSamples converts a decoded frame to planar float.
func (a *audioToAAC) appendSamples(f *astiav.Frame) error {
	n := f.NbSamples()
	planar := f.SampleFormat() == astiav.SampleFormatS16P || f.SampleFormat() == astiav.SampleFormatFltp
	var size int
	switch f.SampleFormat() {
	case astiav.SampleFormatS16, astiav.SampleFormatS16P:
		size = 2
	case astiav.SampleFormatFlt, astiav.SampleFormatFltp:
		size = 4
	default:
		return fmt.Errorf("audio sample format %s is not supported", f.SampleFormat().Name())
	}
	nplanes := 1
	if planar {
		nplanes = a.chans
	}
	planes, err := framePlanes(f, nplanes, false)
	if err != nil {
		return err
	}
	for c := 0; c < a.chans; c++ {
		for i := 0; i < n; i++ {
			data, idx := planes[0], (i*a.chans+c)*size
			if planar {
				data, idx = planes[c], i*size
			}
			if idx+size > len(data) {
				return errors.New("short audio frame")
			}
			var v float32
			if size == 2 {
				v = float32(int16(binary.LittleEndian.Uint16(data[idx:]))) / 32768
			} else {
				v = math.Float32frombits(binary.LittleEndian.Uint32(data[idx:]))
			}
			a.buf[c] = append(a.buf[c], v)
		}
	}
	return nil
}

// drainBuffer encodes whole frames from the buffer; with all, the rest too
// (as a short last frame).
func (a *audioToAAC) drainBuffer(all bool, emit func(*astiav.Packet) error) error {
	size := a.enc.FrameSize()
	for len(a.buf[0]) >= size || (all && len(a.buf[0]) > 0) {
		n := min(size, len(a.buf[0]))
		a.out.SetNbSamples(n)
		planes, err := framePlanes(a.out, a.chans, true)
		if err != nil {
			return err
		}
		for c := 0; c < a.chans; c++ {
			for i := 0; i < n; i++ {
				binary.LittleEndian.PutUint32(planes[c][4*i:], math.Float32bits(a.buf[c][i]))
			}
			a.buf[c] = a.buf[c][n:]
		}
		a.out.SetPts(a.nextPTS)
		a.nextPTS += int64(n)
		if err := a.enc.SendFrame(a.out); err != nil {
			return fmt.Errorf("encode AAC: %w", err)
		}
		if err := a.receive(emit); err != nil {
			return err
		}
	}
	return nil
}

func (a *audioToAAC) receive(emit func(*astiav.Packet) error) error {
	for {
		err := a.enc.ReceivePacket(a.pkt)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("encode AAC: %w", err)
		}
		err = emit(a.pkt)
		a.pkt.Unref()
		if err != nil {
			return err
		}
	}
}

// flush encodes what is buffered and drains the encoder.
func (a *audioToAAC) flush(emit func(*astiav.Packet) error) error {
	if err := a.drainBuffer(true, emit); err != nil {
		return err
	}
	if err := a.enc.SendFrame(nil); err != nil {
		return fmt.Errorf("encode AAC: %w", err)
	}
	return a.receive(emit)
}

func (a *audioToAAC) timeBase() astiav.Rational { return astiav.NewRational(1, a.rate) }

// free frees the decoder, encoder, frames and packet, once.
func (a *audioToAAC) free() {
	a.c.close()
	a.dec, a.enc, a.in, a.out, a.pkt = nil, nil, nil, nil, nil
}

// audioCarry puts a source's audio into an output: copied when an MP4
// takes the codec as it is (AAC, MP3), otherwise re-encoded to AAC.
type audioCarry struct {
	// held keeps packets while the reader may still go back to an earlier
	// point of the file (a seek that overshot, read again from the start):
	// written only when release is called, dropped by discard. Without it
	// the packets read before going back reach the output twice, the
	// second time squeezed one tick apart, and the sound falls behind.
	held  []heldAudio
	hold  bool
	fc    *astiav.FormatContext
	st    *astiav.Stream
	conv  *audioToAAC
	last  int64
	wrote bool
	codec string // in the output
	note  string // what happened to the source's audio, when not a plain copy
}

// copyableAudio are the audio codecs an MP4 takes as they are.
var copyableAudio = map[astiav.CodecID]bool{astiav.CodecIDAac: true, astiav.CodecIDMp3: true}

// newAudioCarry adds an audio stream for ain to fc (before its header). It
// returns nil and a note when the audio cannot be carried.
func newAudioCarry(fc *astiav.FormatContext, ain *astiav.Stream) (*audioCarry, string) {
	cp := ain.CodecParameters()
	name := cp.CodecID().Name()
	c := &audioCarry{fc: fc}
	if !copyableAudio[cp.CodecID()] {
		conv, err := newAudioToAAC(cp, fc.OutputFormat().Flags().Has(astiav.IOFormatFlagGlobalheader))
		if err != nil {
			return nil, fmt.Sprintf("%s audio is not in the cut: it cannot be re-encoded to AAC (%v)", name, err)
		}
		c.conv, c.note = conv, name+" audio re-encoded to AAC (an MP4 cannot hold it as it is)"
	}
	if c.st = fc.NewStream(nil); c.st == nil {
		c.free()
		return nil, name + " audio is not in the cut: no stream could be added"
	}
	var err error
	if c.conv != nil {
		err = c.st.CodecParameters().FromCodecContext(c.conv.enc)
		c.st.SetTimeBase(c.conv.timeBase())
		c.codec = "aac"
	} else {
		err = cp.Copy(c.st.CodecParameters())
		c.st.CodecParameters().SetCodecTag(0)
		c.st.SetTimeBase(ain.TimeBase())
		c.codec = name
	}
	if err != nil {
		c.free()
		return nil, fmt.Sprintf("%s audio is not in the cut: %v", name, err)
	}
	return c, ""
}

type heldAudio struct {
	pkt  *astiav.Packet
	inTB astiav.Rational
	at   time.Duration
}

// holdUntilRelease makes write keep packets until release or discard.
func (c *audioCarry) holdUntilRelease() { c.hold = true }

// release writes the held packets in order and stops holding.
func (c *audioCarry) release() error {
	c.hold = false
	held := c.held
	c.held = nil
	defer func() {
		for _, h := range held {
			h.pkt.Free()
		}
	}()
	for _, h := range held {
		if err := c.write(h.pkt, h.inTB, h.at); err != nil {
			return err
		}
	}
	return nil
}

// discard drops the held packets: the reader goes back and reads them again.
func (c *audioCarry) discard() {
	for _, h := range c.held {
		h.pkt.Free()
	}
	c.held = nil
}

// write carries one source packet (time base inTB) to output time at.
func (c *audioCarry) write(pkt *astiav.Packet, inTB astiav.Rational, at time.Duration) error {
	if c.hold {
		o := pkt.Clone()
		if o == nil {
			return errors.New("clone audio packet")
		}
		c.held = append(c.held, heldAudio{o, inTB, at})
		return nil
	}
	ns := astiav.NewRational(1, int(time.Second))
	if c.conv != nil {
		return c.conv.push(pkt, astiav.RescaleQ(int64(at), ns, c.conv.timeBase()), c.writeEncoded)
	}
	o := pkt.Clone()
	defer o.Free()
	ts := astiav.RescaleQ(int64(at), ns, c.st.TimeBase())
	if c.wrote && ts <= c.last {
		ts = c.last + 1
	}
	c.last, c.wrote = ts, true
	o.SetStreamIndex(c.st.Index())
	o.SetPts(ts)
	o.SetDts(ts)
	o.SetDuration(astiav.RescaleQ(pkt.Duration(), inTB, c.st.TimeBase()))
	o.SetPos(-1)
	if err := c.fc.WriteInterleavedFrame(o); err != nil {
		return fmt.Errorf("write audio: %w", err)
	}
	return nil
}

func (c *audioCarry) writeEncoded(pkt *astiav.Packet) error {
	pkt.SetStreamIndex(c.st.Index())
	pkt.RescaleTs(c.conv.timeBase(), c.st.TimeBase())
	if err := c.fc.WriteInterleavedFrame(pkt); err != nil {
		return fmt.Errorf("write audio: %w", err)
	}
	return nil
}

// flush writes what a re-encoder still holds; call before the trailer.
func (c *audioCarry) flush() error {
	if err := c.release(); err != nil {
		return err
	}
	if c.conv == nil {
		return nil
	}
	return c.conv.flush(c.writeEncoded)
}

func (c *audioCarry) free() {
	c.discard()
	if c.conv != nil {
		c.conv.free()
		c.conv = nil
	}
}

package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/asticode/go-astiav"
)

// toneTrack encodes a 1 kHz sine tone into an audio stream of a muxer, for
// test and demo recordings with sound.
type toneTrack struct {
	c       closer
	enc     *astiav.CodecContext
	st      *astiav.Stream
	frame   *astiav.Frame
	pkt     *astiav.Packet
	rate    int
	samples int64 // written so far
	size    int   // samples per frame
}

func newToneTrack(fc *astiav.FormatContext, codecName string) (*toneTrack, error) {
	t := &toneTrack{}
	if err := t.open(fc, codecName); err != nil {
		t.free()
		return nil, err
	}
	return t, nil
}

func (t *toneTrack) open(fc *astiav.FormatContext, codecName string) error {
	codec := astiav.FindEncoderByName(codecName)
	if codec == nil {
		return fmt.Errorf("audio encoder %s is not in this FFmpeg", codecName)
	}
	if t.enc = astiav.AllocCodecContext(codec); t.enc == nil {
		return errors.New("alloc audio encoder")
	}
	t.c.add(t.enc.Free)
	format := astiav.SampleFormatFltp
	t.rate = 48000
	if codecName == "pcm_alaw" {
		format, t.rate = astiav.SampleFormatS16, 8000
	}
	t.enc.SetSampleFormat(format)
	t.enc.SetSampleRate(t.rate)
	t.enc.SetChannelLayout(astiav.ChannelLayoutMono)
	t.enc.SetTimeBase(astiav.NewRational(1, t.rate))
	if fc.OutputFormat().Flags().Has(astiav.IOFormatFlagGlobalheader) {
		t.enc.SetFlags(t.enc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	}
	if err := t.enc.Open(codec, nil); err != nil {
		return fmt.Errorf("open %s: %w", codecName, err)
	}
	t.size = t.enc.FrameSize()
	if t.size == 0 {
		t.size = t.rate / 50 // 20 ms, as G.711 recorders packetise
	}
	if t.st = fc.NewStream(nil); t.st == nil {
		return errors.New("new audio stream")
	}
	if err := t.st.CodecParameters().FromCodecContext(t.enc); err != nil {
		return err
	}
	t.st.SetTimeBase(t.enc.TimeBase())
	if t.frame = astiav.AllocFrame(); t.frame == nil {
		return errors.New("alloc audio frame")
	}
	t.c.add(t.frame.Free)
	if t.pkt = astiav.AllocPacket(); t.pkt == nil {
		return errors.New("alloc audio packet")
	}
	t.c.add(t.pkt.Free)
	t.frame.SetSampleFormat(format)
	t.frame.SetSampleRate(t.rate)
	t.frame.SetChannelLayout(astiav.ChannelLayoutMono)
	t.frame.SetNbSamples(t.size)
	return t.frame.AllocBuffer(0)
}

// writeUntil encodes whole frames of tone up to the video position until.
func (t *toneTrack) writeUntil(fc *astiav.FormatContext, until time.Duration, startPTS int64, fps int) error {
	for time.Duration(t.samples+int64(t.size))*time.Second/time.Duration(t.rate) <= until {
		buf, err := frameSamples(t.frame)
		if err != nil {
			return err
		}
		for i := 0; i < t.size; i++ {
			v := math.Sin(2 * math.Pi * 1000 * float64(t.samples+int64(i)) / float64(t.rate))
			if t.enc.SampleFormat() == astiav.SampleFormatS16 {
				binary.LittleEndian.PutUint16(buf[2*i:], uint16(int16(v*8000)))
			} else {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(v*0.25)))
			}
		}
		// Audio starts with the video: a running recorder clock offsets both.
		t.frame.SetPts(t.samples + startPTS*int64(t.rate)/int64(fps))
		t.samples += int64(t.size)
		if err := t.enc.SendFrame(t.frame); err != nil {
			return err
		}
		if err := t.drain(fc); err != nil {
			return err
		}
	}
	return nil
}

func (t *toneTrack) drain(fc *astiav.FormatContext) error {
	for {
		err := t.enc.ReceivePacket(t.pkt)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return nil
		}
		if err != nil {
			return err
		}
		t.pkt.SetStreamIndex(t.st.Index())
		t.pkt.RescaleTs(t.enc.TimeBase(), t.st.TimeBase())
		err = fc.WriteInterleavedFrame(t.pkt)
		t.pkt.Unref()
		if err != nil {
			return err
		}
	}
}

func (t *toneTrack) flush(fc *astiav.FormatContext) error {
	if err := t.enc.SendFrame(nil); err != nil {
		return err
	}
	return t.drain(fc)
}

// free frees the encoder, frame and packet, once.
func (t *toneTrack) free() {
	t.c.close()
	t.enc, t.frame, t.pkt = nil, nil, nil
}

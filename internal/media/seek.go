package media

import (
	"time"

	"github.com/asticode/go-astiav"
)

var nsTB = astiav.NewRational(1, int(time.Second))

// seekTS is the stream timestamp of offset (from start), rounded down: a
// seek for the frame on screen at offset must not aim at the next frame
// (an AVI's time base is one frame, so rounding to nearest lands there
// for any offset past half a frame).
func seekTS(start int64, offset time.Duration, tb astiav.Rational) int64 {
	return start + astiav.RescaleQRnd(int64(max(offset, 0)), nsTB, tb, astiav.RoundingDown)
}

// rewind positions fc at its first packet. Containers whose timestamps may
// jump or be absent (MPEG-TS, MPEG-PS, raw streams) rewind by byte; the
// others by time, since a byte seek in an indexed container (AVI) lands in
// its headers and reads nothing or garbage.
func rewind(fc *astiav.FormatContext, st *astiav.Stream, start int64) error {
	f := fc.InputFormat().Flags()
	if f.Has(astiav.IOFormatFlagTsDiscont) || isRaw(fc) {
		if err := fc.SeekFrame(-1, 0, astiav.NewSeekFlags(astiav.SeekFlagByte)); err == nil {
			return nil
		}
	}
	return fc.SeekFrame(st.Index(), start, astiav.NewSeekFlags(astiav.SeekFlagBackward))
}

// firstAudio returns a file's first audio stream that has its parameters,
// or nil. An MPEG-TS PMT may list an audio stream no packet of which is in
// the file: FFmpeg then knows no sample rate, and it is no audio to carry.
func firstAudio(fc *astiav.FormatContext) *astiav.Stream {
	for _, s := range fc.Streams() {
		if cp := s.CodecParameters(); cp.MediaType() == astiav.MediaTypeAudio && cp.SampleRate() > 0 && cp.Channels() > 0 {
			return s
		}
	}
	return nil
}

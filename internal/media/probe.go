package media

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/dav"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// Info is what a probe learns about a recording.
type Info struct {
	Path         string       `json:"path"`
	Container    string       `json:"container"`
	Duration     Seconds      `json:"duration_s"` // of the video stream, from its packets
	StartTime    Seconds      `json:"start_time_s"`
	CreationTime *time.Time   `json:"creation_time,omitempty"` // container metadata, camera clock
	Streams      []StreamInfo `json:"streams"`
	Frames       int          `json:"video_frames"` // shown: packets an edit list discards are not counted
	Discarded    int          `json:"discarded_frames,omitempty"`
	Keyframes    int          `json:"video_keyframes"`
	// Damaged is FFmpeg's reason when the file opened but could not be read
	// to its end intact; the durations then cover what was readable.
	Damaged string `json:"damaged,omitempty"`
	// Jumps are holes inside the file: the timestamps skip ahead by more
	// than a frame and half a second (a recorder that paused).
	Jumps []Jump `json:"jumps,omitempty"`
	// VariableRate: the container's index holds frame slots without a
	// frame (an AVI recorder that dropped or held frames). The previous
	// frame stays on screen through them: not damage, and not a gap.
	VariableRate bool `json:"variable_rate,omitempty"`
	// Raw: a bare elementary stream (.264, .265) without times; its frames
	// are timed by the frame rate given (WithFrameRate). NeedsRate: none
	// was given, so it has no duration yet.
	Raw       bool `json:"raw_stream,omitempty"`
	NeedsRate bool `json:"needs_frame_rate,omitempty"`
	// DAVChannels: a Dahua DAV file (FFmpeg's dhav demuxer, which reads
	// every channel's chunks as one stream) holds these channels, read
	// from its chunk headers.
	DAVChannels []dav.Channel `json:"dav_channels,omitempty"`
	// IMKH: the file starts with a Hikvision recorder's 40-byte "IMKH"
	// header before its MPEG program stream.
	IMKH bool `json:"imkh_header,omitempty"`
}

// Jump is a hole in a file's timestamps: no frame from At (offset from
// the start) for Length.
type Jump struct {
	At     time.Duration `json:"at"`
	Length time.Duration `json:"length"`
}

// Seconds is a duration that shows as seconds in JSON.
type Seconds float64

// Duration converts s to a time.Duration.
func (s Seconds) Duration() time.Duration { return time.Duration(float64(s) * float64(time.Second)) }

// StreamInfo describes one stream.
type StreamInfo struct {
	Index      int     `json:"index"`
	Type       string  `json:"type"`
	Codec      string  `json:"codec"`
	Width      int     `json:"width,omitempty"`
	Height     int     `json:"height,omitempty"`
	PixFmt     string  `json:"pix_fmt,omitempty"`
	FrameRate  float64 `json:"frame_rate,omitempty"`
	SampleRate int     `json:"sample_rate,omitempty"`
	Channels   int     `json:"channels,omitempty"`
	TimeBase   string  `json:"time_base"`
	// Rotation: degrees clockwise the pictures are turned to stand upright
	// (the container's display matrix); stills are turned, and say so.
	Rotation int `json:"rotation,omitempty"`
	// FieldOrder: "progressive", "tff" or "bff" (interlaced; stills and
	// transcodes are deinterlaced with bwdif), or "" when not known.
	FieldOrder string `json:"field_order,omitempty"`
}

// Video returns the first video stream, or nil.
func (in *Info) Video() *StreamInfo {
	for i := range in.Streams {
		if in.Streams[i].Type == "video" {
			return &in.Streams[i]
		}
	}
	return nil
}

// Probe opens path and reads every packet of it (no decoding) to learn its
// true duration and whether it is intact. A file that cannot be opened at
// all is a fault.Media error carrying FFmpeg's reason.
func Probe(ctx context.Context, path string) (*Info, error) {
	mark := logMark()
	fc, err := openInput(path, mark)
	if err != nil {
		return nil, err
	}
	defer closeInput(fc)

	in := &Info{Path: path, Container: fc.InputFormat().Name()}
	if md := fc.Metadata(); md != nil {
		if e := md.Get("creation_time", nil, 0); e != nil {
			if t, err := time.Parse(time.RFC3339Nano, e.Value()); err == nil {
				in.CreationTime = &t
			}
		}
	}
	video := -1
	var vtb astiav.Rational
	var fps float64
	for _, s := range fc.Streams() {
		cp := s.CodecParameters()
		si := StreamInfo{Index: s.Index(), Type: cp.MediaType().String(), Codec: cp.CodecID().Name(), TimeBase: s.TimeBase().String()}
		switch cp.MediaType() {
		case astiav.MediaTypeVideo:
			si.Width, si.Height, si.PixFmt = cp.Width(), cp.Height(), cp.PixelFormat().Name()
			si.Rotation = Rotation(s)
			si.FieldOrder = FieldOrder(s)
			if r := s.AvgFrameRate(); r.Den() != 0 && r.Num() != 0 {
				si.FrameRate = r.Float64()
			} else if r := s.RFrameRate(); r.Den() != 0 {
				si.FrameRate = r.Float64()
			}
			if video < 0 {
				video, vtb, fps = s.Index(), s.TimeBase(), si.FrameRate
				// The base rate measures frame steps; the average is lowered
				// by the very holes being looked for.
				if r := s.RFrameRate(); r.Num() > 0 && r.Den() > 0 && r.Float64() <= 240 {
					fps = r.Float64()
				}
			}
		case astiav.MediaTypeAudio:
			si.SampleRate, si.Channels = cp.SampleRate(), cp.Channels()
		}
		in.Streams = append(in.Streams, si)
	}
	if video < 0 {
		return nil, fault.Mediaf("%s: no video stream", path)
	}
	if isRaw(fc) {
		return probeRaw(ctx, fc, in, video)
	}

	pkt := astiav.AllocPacket()
	if pkt == nil {
		return nil, fmt.Errorf("%s: alloc packet", path)
	}
	defer pkt.Free()
	first, end := astiav.NoPtsValue, astiav.NoPtsValue
	prevDTS := astiav.NoPtsValue
	var prevDur int64
	// A packet without a duration (common in MPEG-TS) lasts one frame.
	var frameDur int64
	if fps > 0 {
		frameDur = int64(float64(vtb.Den()) / float64(vtb.Num()) / fps)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rmark := logMark()
		err := fc.ReadFrame(pkt)
		if errors.Is(err, astiav.ErrEof) {
			break
		}
		if err != nil {
			in.Damaged = fmt.Sprintf("read stopped after %d frames: %s", in.Frames, reason(err, rmark))
			break
		}
		if pkt.StreamIndex() == video && pkt.Flags().Has(astiav.PacketFlagDiscard) {
			in.Discarded++
		} else if pkt.StreamIndex() == video {
			in.Frames++
			if pkt.Flags().Has(astiav.PacketFlagKey) {
				in.Keyframes++
			}
			if pkt.Flags().Has(astiav.PacketFlagCorrupt) && in.Damaged == "" {
				in.Damaged = fmt.Sprintf("corrupt packet at frame %d", in.Frames)
			}
			ts := pkt.Pts()
			if ts == astiav.NoPtsValue {
				ts = pkt.Dts()
			}
			if dts := pkt.Dts(); dts != astiav.NoPtsValue && !pkt.Flags().Has(astiav.PacketFlagDiscard) {
				if prevDTS != astiav.NoPtsValue {
					step := time.Duration(float64(dts-prevDTS) / float64(vtb.Den()) * float64(vtb.Num()) * float64(time.Second))
					// The nominal frame, not the packet's duration: an MP4 gives
					// the frame before a hole the hole's length.
					nominal := frameDur
					if nominal <= 0 {
						nominal = prevDur
					}
					frame := time.Duration(float64(nominal) / float64(vtb.Den()) * float64(vtb.Num()) * float64(time.Second))
					switch {
					case step < 0 && in.Damaged == "":
						in.Damaged = fmt.Sprintf("timestamps go back %v at frame %d", -step, in.Frames)
					case step > frame+500*time.Millisecond:
						at := time.Duration(float64(prevDTS-first) / float64(vtb.Den()) * float64(vtb.Num()) * float64(time.Second))
						in.Jumps = append(in.Jumps, Jump{At: at + frame, Length: step - frame})
					}
				}
				prevDTS = dts
				prevDur = pkt.Duration()
				if prevDur <= 0 {
					prevDur = frameDur
				}
			}
			if ts != astiav.NoPtsValue {
				if first == astiav.NoPtsValue || ts < first {
					first = ts
				}
				d := pkt.Duration()
				if d <= 0 {
					d = frameDur
				}
				if e := ts + d; end == astiav.NoPtsValue || e > end {
					end = e
				}
			}
		}
		pkt.Unref()
	}
	if in.Frames == 0 {
		if in.Damaged == "" {
			in.Damaged = "no video frames"
		}
		return in, nil
	}
	if in.Container == "mpegts" && in.Damaged == "" {
		in.Damaged = tsEndsMidPacket(path)
	}
	if in.Container == "mpeg" {
		in.IMKH = hasIMKH(path)
	}
	if in.Container == "dhav" {
		if f, err := os.Open(path); err == nil {
			// Chunk by chunk: memory bounded by the largest chunk.
			var set dav.ChannelSet
			err := dav.Scan(f, func(c dav.Chunk) error { set.Add(c); return nil })
			f.Close()
			in.DAVChannels = set.List()
			if err != nil && in.Damaged == "" {
				in.Damaged = "DAV: " + err.Error()
			}
		}
	}
	if want := fc.Streams()[video].NbFrames(); want > 0 && int64(in.Frames+in.Discarded) < want && in.Damaged == "" {
		// An index slot without data is a held frame when the timestamps
		// still reach the index's end (AVI counts frames in ticks of one
		// frame); otherwise the data ends before the index does.
		if frameDur > 0 && end != astiav.NoPtsValue && (end-first+frameDur/2)/frameDur >= want {
			in.VariableRate, in.Jumps = true, nil
		} else {
			in.Damaged = fmt.Sprintf("truncated: %d of %d frames readable", in.Frames, want)
		}
	}
	tb := float64(vtb.Num()) / float64(vtb.Den())
	in.StartTime = Seconds(float64(first) * tb)
	in.Duration = Seconds(float64(end-first) * tb)
	return in, nil
}

// IndexedFrames returns the number of video samples a container's index
// lists (MP4 and Matroska cues know it), without reading the data: a quick
// check of a file klipp has just written.
func IndexedFrames(path string) (int64, error) {
	mark := logMark()
	fc, err := openHeaders(path, mark)
	if err != nil {
		return 0, err
	}
	defer closeInput(fc)
	for _, s := range fc.Streams() {
		if s.CodecParameters().MediaType() == astiav.MediaTypeVideo {
			return s.NbFrames(), nil
		}
	}
	return 0, fault.Mediaf("%s: no video stream", path)
}

// probeRaw counts a raw stream's frames and times them at the given rate.
func probeRaw(ctx context.Context, fc *astiav.FormatContext, in *Info, video int) (*Info, error) {
	in.Raw = true
	rc, err := newRawClock(ctx, fc, fc.Streams()[video])
	in.NeedsRate = err != nil
	pkt := astiav.AllocPacket()
	if pkt == nil {
		return nil, fmt.Errorf("%s: alloc packet", in.Path)
	}
	defer pkt.Free()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rmark := logMark()
		err := fc.ReadFrame(pkt)
		if errors.Is(err, astiav.ErrEof) {
			break
		}
		if err != nil {
			in.Damaged = fmt.Sprintf("read stopped after %d frames: %s", in.Frames, reason(err, rmark))
			break
		}
		if pkt.StreamIndex() == video {
			in.Frames++
			if pkt.Flags().Has(astiav.PacketFlagKey) {
				in.Keyframes++
			}
		}
		pkt.Unref()
	}
	if in.Frames == 0 && in.Damaged == "" {
		in.Damaged = "no video frames"
	}
	for i := range in.Streams {
		if in.Streams[i].Index == video {
			in.Streams[i].FrameRate = rc.fps // FFmpeg's 25 is a guess, not the recorder's rate
		}
	}
	if rc.dur > 0 {
		in.Duration = Seconds(rc.at(int64(in.Frames)).Seconds())
	}
	return in, nil
}

// tsEndsMidPacket says how an MPEG-TS file ends inside a packet (a copy or
// recording cut short, its last frame incomplete), or "".
func tsEndsMidPacket(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	for _, size := range []int64{188, 192, 204} { // plain, M2TS, with Reed-Solomon
		if fi.Size()%size == 0 {
			return ""
		}
	}
	return fmt.Sprintf("ends mid-packet: the last %d bytes are part of a 188-byte packet, its frame incomplete", fi.Size()%188)
}

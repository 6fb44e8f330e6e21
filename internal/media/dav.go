package media

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// DAVFrame is one frame of a DAV channel: its access unit (Annex B) and
// its time from the first frame, by the chunk's date and millisecond
// counter.
type DAVFrame struct {
	Data []byte
	At   time.Duration
}

// RemuxDAV writes one DAV channel's frames (H.264 or HEVC, "h264" or
// "hevc") into an MP4 at out with the DAV times as its timestamps (1/90000
// s) and created as creation_time. The frames are read by FFmpeg's parser
// of the bare stream, one packet per frame; streams with B-frames are
// refused (a DAV chunk's time is its frame's, in decode order).
func RemuxDAV(ctx context.Context, codec string, frames []DAVFrame, out string, created time.Time) (err error) {
	ats := make([]time.Duration, len(frames))
	for i, f := range frames {
		ats[i] = f.At
	}
	write := func(w io.Writer) error {
		for _, f := range frames {
			if _, err := w.Write(f.Data); err != nil {
				return err
			}
		}
		return nil
	}
	return RemuxDAVStream(ctx, codec, write, ats, out, created)
}

// RemuxDAVStream is RemuxDAV with the frames' data written by write (in
// order, one access unit per time in ats) rather than held in memory: it
// goes through a temporary file of the bare stream, which FFmpeg reads.
func RemuxDAVStream(ctx context.Context, codec string, write func(io.Writer) error, ats []time.Duration, out string, created time.Time) (err error) {
	if codec != "h264" && codec != "hevc" {
		return fault.Mediaf("DAV %s video: klipp remuxes H.264 and HEVC channels only", codec)
	}
	if len(ats) == 0 {
		return fault.Mediaf("the DAV channel has no frames from a key frame on")
	}
	frames := make([]DAVFrame, len(ats)) // times only
	for i, at := range ats {
		frames[i].At = at
	}
	raw, err := os.CreateTemp("", "klipp-dav-*."+codec)
	if err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	defer os.Remove(raw.Name())
	bw := bufio.NewWriterSize(raw, 1<<20)
	if err := write(bw); err != nil {
		raw.Close()
		if fault.KindOf(err) != fault.Internal {
			return err
		}
		return fault.Wrap(fault.Storage, err)
	}
	if err := bw.Flush(); err != nil {
		raw.Close()
		return fault.Wrap(fault.Storage, err)
	}
	if err := raw.Close(); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	var c closer
	defer c.close()
	mark := logMark()
	in, err := openInput(raw.Name(), mark)
	if err != nil {
		return err
	}
	c.add(func() { closeInput(in) })
	ist := firstStream(in, astiav.MediaTypeVideo)
	if ist == nil {
		return fault.Mediaf("the DAV channel's %s has no video FFmpeg can read", codec)
	}
	if videoDelay(ist) > 0 {
		return fault.Mediaf("the DAV channel's %s has B-frames: its chunk times are in decode order, which klipp does not map to frames yet", codec)
	}
	tmp, err := atomicfile.Temp(out)
	if err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	fc, err := astiav.AllocOutputFormatContext(nil, "mp4", tmp)
	if err != nil || fc == nil {
		return fmt.Errorf("DAV remux: mp4 muxer: %v", err)
	}
	c.add(fc.Free)
	st := fc.NewStream(nil)
	if st == nil {
		return fmt.Errorf("DAV remux: new stream")
	}
	if err := ist.CodecParameters().Copy(st.CodecParameters()); err != nil {
		return fmt.Errorf("DAV remux: %w", err)
	}
	st.CodecParameters().SetCodecTag(0)
	tb := astiav.NewRational(1, 90000)
	st.SetTimeBase(tb)
	if err := setMetadata(fc, "creation_time", created.UTC().Format("2006-01-02T15:04:05.000000Z")); err != nil {
		return err
	}
	pb, err := astiav.OpenIOContext(tmp, astiav.NewIOContextFlags(astiav.IOContextFlagWrite))
	if err != nil {
		return fmt.Errorf("DAV remux: %w", err)
	}
	closed := false
	c.add(func() {
		if !closed {
			pb.Close()
		}
	})
	fc.SetPb(pb)
	opts := astiav.NewDictionary()
	defer opts.Free()
	_ = opts.Set("movflags", "+faststart", 0)
	if err := fc.WriteHeader(opts); err != nil {
		return fmt.Errorf("DAV remux: write header: %w", err)
	}
	ticks := func(d time.Duration) int64 { return d.Nanoseconds() * 9 / 100000 }
	pkt := astiav.AllocPacket()
	c.add(pkt.Free)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := in.ReadFrame(pkt); err != nil {
			break
		}
		if pkt.StreamIndex() != ist.Index() {
			pkt.Unref()
			continue
		}
		if n >= len(frames) {
			pkt.Unref()
			return fault.Mediaf("the DAV channel's %s holds more frames than its %d chunks", codec, len(frames))
		}
		at := ticks(frames[n].At)
		dur := int64(0)
		if n+1 < len(frames) {
			dur = ticks(frames[n+1].At) - at
		} else if n > 0 {
			dur = at - ticks(frames[n-1].At)
		}
		pkt.SetPts(at)
		pkt.SetDts(at)
		pkt.SetDuration(dur)
		pkt.SetStreamIndex(st.Index())
		pkt.SetPos(-1)
		err := fc.WriteInterleavedFrame(pkt)
		pkt.Unref()
		if err != nil {
			return fault.Mediaf("DAV remux: frame %d: %v", n, err)
		}
		n++
	}
	if n != len(frames) {
		return fault.Mediaf("FFmpeg read %d frames from the DAV channel's %d chunks: a chunk does not hold one whole frame", n, len(frames))
	}
	if err := fc.WriteTrailer(); err != nil {
		return fmt.Errorf("DAV remux: finish: %w", err)
	}
	closed = true
	if err := pb.Close(); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	return nil
}

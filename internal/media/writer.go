package media

import (
	"errors"
	"fmt"
	"image"
	"os"
	"strconv"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// WriterOptions describe a video file to encode from pictures.
type WriterOptions struct {
	Format        string // mp4 | fmp4 (fragmented, MediaMTX style) | mpegts | matroska
	Codec         string // h264 | hevc | mjpeg
	Width, Height int
	FPS           int
	GOP           int    // frames from keyframe to keyframe, fixed as recorders do; default 2 s; < 0: the encoder's own choice
	CRF           int    // default 28
	Preset        string // x264/x265 preset; default veryfast
	Threads       int    // encoder threads; 0 lets the encoder choose
	CreationTime  time.Time
	StartPTS      int64 // pts of the first frame, in frames (a recorder's running clock)
	FastStart     bool  // MP4: index (moov) before the data, for playback while downloading
	// Audio adds a mono 1 kHz tone track: "aac" (48 kHz) or "pcm_alaw"
	// (G.711 A-law, 8 kHz, as CCTV recorders write it).
	Audio string
}

var muxers = map[string]string{"mp4": "mp4", "fmp4": "mp4", "mpegts": "mpegts", "matroska": "matroska"}

var encoders = map[string]string{"h264": "libx264", "hevc": "libx265", "mjpeg": "mjpeg"}

// VideoWriter encodes pictures into a file. It writes to a temporary name
// beside the target and renames on Close, so a failed or cancelled write
// never leaves a file that looks finished.
type VideoWriter struct {
	path, tmp string
	opts      WriterOptions
	c         closer // everything allocated, freed once by Close or Abort
	done      bool   // closed or aborted: nothing may be used any more
	fc        *astiav.FormatContext
	io        *astiav.IOContext
	st        *astiav.Stream
	enc       *astiav.CodecContext
	frame     *astiav.Frame
	pkt       *astiav.Packet
	next      int64
	audio     *toneTrack
	// beforeTrailer, when set, runs after the last frame and before the
	// file is finished (flushing carried-over audio).
	beforeTrailer func() error
}

// CreateVideo opens an encoder and a muxer for path. Options no encoder
// takes (an unknown preset, a CRF outside 0–51, an odd or oversized
// picture) are fault.Usage errors naming the value; an encoder that will not
// open for another reason is fault.Media with FFmpeg's reason. Nothing is
// left at path or beside it when it fails.
func CreateVideo(path string, o WriterOptions) (*VideoWriter, error) {
	return createVideo(path, o, nil)
}

// checkWriterOptions fills in the defaults and refuses what no encoder takes.
func checkWriterOptions(path string, o *WriterOptions) error {
	if _, ok := muxers[o.Format]; !ok {
		return fault.Usagef("create %s: unknown format %q", path, o.Format)
	}
	if _, ok := encoders[o.Codec]; !ok {
		return fault.Usagef("create %s: unknown codec %q", path, o.Codec)
	}
	if err := ValidateSize(o.Width, o.Height); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if o.FPS <= 0 || o.FPS > 1000 {
		return fault.Usagef("create %s: frame rate %d: want 1 to 1000", path, o.FPS)
	}
	if o.GOP == 0 {
		o.GOP = 2 * o.FPS
	}
	if o.CRF == 0 {
		o.CRF = 28
	}
	if o.Preset == "" {
		o.Preset = "veryfast"
	}
	if o.Codec != "mjpeg" {
		if err := ValidateCRF(o.CRF); err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
		if err := ValidatePreset(o.Preset); err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
	}
	if o.Audio != "" && o.Audio != "aac" && o.Audio != "pcm_alaw" {
		return fault.Usagef("create %s: unknown audio %q", path, o.Audio)
	}
	return nil
}

// createVideo is CreateVideo with a hook that adds streams (audio carried
// over from a source) to the muxer before its header is written.
func createVideo(path string, o WriterOptions, addStreams func(fc *astiav.FormatContext) error) (*VideoWriter, error) {
	initLog()
	if err := checkWriterOptions(path, &o); err != nil {
		return nil, err
	}
	w := &VideoWriter{path: path, opts: o, next: o.StartPTS}
	if err := w.open(addStreams); err != nil {
		w.Abort()
		return nil, err
	}
	return w, nil
}

// open allocates the muxer, the encoder, the frame and the packet, each
// added to w.c as soon as it exists, and writes the file's header.
func (w *VideoWriter) open(addStreams func(fc *astiav.FormatContext) error) error {
	path, o := w.path, w.opts
	muxer, encName := muxers[o.Format], encoders[o.Codec]
	tmp, err := atomicfile.Temp(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	w.tmp = tmp
	fc, err := astiav.AllocOutputFormatContext(nil, muxer, w.tmp)
	if err != nil || fc == nil {
		return fmt.Errorf("create %s: muxer %s: %v", path, muxer, err)
	}
	w.c.add(fc.Free)
	w.fc = fc
	codec := astiav.FindEncoderByName(encName)
	if codec == nil {
		return fault.Mediaf("create %s: encoder %s is not in this FFmpeg", path, encName)
	}
	if w.enc = astiav.AllocCodecContext(codec); w.enc == nil {
		return fmt.Errorf("create %s: alloc encoder", path)
	}
	w.c.add(w.enc.Free)
	pixFmt := astiav.PixelFormatYuv420P
	if o.Codec == "mjpeg" {
		pixFmt = astiav.PixelFormatYuvj420P
	}
	w.enc.SetWidth(o.Width)
	w.enc.SetHeight(o.Height)
	w.enc.SetPixelFormat(pixFmt)
	w.enc.SetTimeBase(astiav.NewRational(1, o.FPS))
	w.enc.SetFramerate(astiav.NewRational(o.FPS, 1))
	if o.GOP > 0 {
		w.enc.SetGopSize(o.GOP)
	}
	w.enc.SetThreadCount(o.Threads)
	if w.fc.OutputFormat().Flags().Has(astiav.IOFormatFlagGlobalheader) {
		w.enc.SetFlags(w.enc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	}
	opts := astiav.NewDictionary()
	defer opts.Free()
	switch o.Codec {
	case "h264":
		_ = opts.Set("preset", o.Preset, 0)
		_ = opts.Set("crf", strconv.Itoa(o.CRF), 0)
		if o.GOP > 0 {
			// Keyframes exactly every GOP frames, as a recorder makes them.
			_ = opts.Set("x264-params", "scenecut=0:keyint="+strconv.Itoa(o.GOP), 0)
		}
	case "hevc":
		_ = opts.Set("preset", o.Preset, 0)
		_ = opts.Set("crf", strconv.Itoa(o.CRF), 0)
		params := "log-level=error"
		if o.GOP > 0 {
			params += ":scenecut=0:keyint=" + strconv.Itoa(o.GOP) + ":min-keyint=" + strconv.Itoa(o.GOP)
		}
		_ = opts.Set("x265-params", params, 0)
	case "mjpeg":
		_ = opts.Set("q:v", "5", 0)
	}
	mark := logMark()
	if err := w.enc.Open(codec, opts); err != nil {
		return fault.Mediaf("create %s: %s encoder does not open for %dx%d@%d preset %s crf %d: %s",
			path, encName, o.Width, o.Height, o.FPS, o.Preset, o.CRF, reason(err, mark))
	}
	if w.st = w.fc.NewStream(nil); w.st == nil {
		return fmt.Errorf("create %s: new stream", path)
	}
	if err := w.st.CodecParameters().FromCodecContext(w.enc); err != nil {
		return fmt.Errorf("create %s: stream parameters: %w", path, err)
	}
	w.st.SetTimeBase(w.enc.TimeBase())
	w.st.SetAvgFrameRate(astiav.NewRational(o.FPS, 1))
	if o.Audio != "" {
		if w.audio, err = newToneTrack(w.fc, o.Audio); err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
		w.c.add(w.audio.free)
	}
	if !o.CreationTime.IsZero() {
		if err := setMetadata(w.fc, "creation_time", o.CreationTime.UTC().Format("2006-01-02T15:04:05.000000Z")); err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
	}
	if w.frame = astiav.AllocFrame(); w.frame == nil {
		return fmt.Errorf("create %s: alloc frame", path)
	}
	w.c.add(w.frame.Free)
	w.frame.SetWidth(o.Width)
	w.frame.SetHeight(o.Height)
	w.frame.SetPixelFormat(pixFmt)
	if err := w.frame.AllocBuffer(0); err != nil {
		return fmt.Errorf("create %s: frame buffer: %w", path, err)
	}
	if w.pkt = astiav.AllocPacket(); w.pkt == nil {
		return fmt.Errorf("create %s: alloc packet", path)
	}
	w.c.add(w.pkt.Free)
	if w.io, err = astiav.OpenIOContext(w.tmp, astiav.NewIOContextFlags(astiav.IOContextFlagWrite)); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	w.c.addErr(w.io.Close)
	w.fc.SetPb(w.io)
	if addStreams != nil {
		if err := addStreams(w.fc); err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
	}
	hdr := astiav.NewDictionary()
	defer hdr.Free()
	switch {
	case o.Format == "fmp4":
		_ = hdr.Set("movflags", "frag_keyframe+empty_moov+default_base_moof", 0)
	case o.Format == "mp4" && o.FastStart:
		_ = hdr.Set("movflags", "+faststart", 0)
	}
	mark = logMark()
	if err := w.fc.WriteHeader(hdr); err != nil {
		return fmt.Errorf("create %s: write header: %s", path, reason(err, mark))
	}
	return nil
}

// errDone is returned by a writer used after Close or Abort.
func (w *VideoWriter) errDone() error { return fmt.Errorf("%s: writer already closed", w.path) }

// Picture returns the next frame's planes to draw on; they keep the previous
// picture's content.
func (w *VideoWriter) Picture() (*image.YCbCr, error) {
	if w.done {
		return nil, w.errDone()
	}
	return frameImage(w.frame, true)
}

// WriteFrameAt encodes the current picture at frame position pts (in
// 1/FPS units), which must be later than the previous frame's: a gap in
// pts is a gap in time.
func (w *VideoWriter) WriteFrameAt(pts int64) error {
	if pts < w.next {
		return fmt.Errorf("encode %s: frame %d is not after frame %d", w.path, pts, w.next-1)
	}
	w.next = pts
	return w.WriteFrame()
}

// writeDecoded encodes a decoder's frame as it is (no pixel copy) at pts.
// Its picture type is cleared so the encoder chooses keyframes itself.
func (w *VideoWriter) writeDecoded(f *astiav.Frame, pts int64) error {
	if w.done {
		return w.errDone()
	}
	if pts < w.next {
		return fmt.Errorf("encode %s: frame %d is not after frame %d", w.path, pts, w.next-1)
	}
	w.next = pts + 1
	f.SetPts(pts)
	f.SetPictureType(astiav.PictureTypeNone)
	if err := w.enc.SendFrame(f); err != nil {
		return fmt.Errorf("encode %s: %w", w.path, err)
	}
	return w.drain()
}

// WriteFrame encodes the current picture as the next frame.
func (w *VideoWriter) WriteFrame() error {
	if w.done {
		return w.errDone()
	}
	w.frame.SetPts(w.next)
	w.next++
	if err := w.enc.SendFrame(w.frame); err != nil {
		return fmt.Errorf("encode %s: %w", w.path, err)
	}
	if err := w.drain(); err != nil {
		return err
	}
	if w.audio != nil {
		// Audio up to the end of this frame, from where the video starts.
		until := time.Duration(w.next-w.opts.StartPTS) * time.Second / time.Duration(w.opts.FPS)
		if err := w.audio.writeUntil(w.fc, until, w.opts.StartPTS, w.opts.FPS); err != nil {
			return fmt.Errorf("audio %s: %w", w.path, err)
		}
	}
	return nil
}

func (w *VideoWriter) drain() error {
	for {
		if err := w.enc.ReceivePacket(w.pkt); err != nil {
			if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
				return nil
			}
			return fmt.Errorf("encode %s: %w", w.path, err)
		}
		if w.pkt.Duration() <= 0 {
			w.pkt.SetDuration(1)
		}
		w.pkt.SetStreamIndex(w.st.Index())
		w.pkt.RescaleTs(w.enc.TimeBase(), w.st.TimeBase())
		err := w.fc.WriteInterleavedFrame(w.pkt)
		w.pkt.Unref()
		if err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
	}
}

// Close flushes the encoder, finishes the file and renames it into place.
// On failure the partial file is removed. Close after Close or Abort is an
// error, not a crash.
func (w *VideoWriter) Close() error {
	if w.done {
		return w.errDone()
	}
	if err := w.finish(); err != nil {
		w.Abort()
		return err
	}
	tmp := w.tmp
	w.tmp = ""
	w.release()
	if err := os.Rename(tmp, w.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("finish %s: %w", w.path, err)
	}
	return nil
}

// finish flushes the encoder and the audio and writes the trailer and the
// file's last bytes.
func (w *VideoWriter) finish() error {
	if err := w.enc.SendFrame(nil); err != nil {
		return fmt.Errorf("flush %s: %w", w.path, err)
	}
	if err := w.drain(); err != nil {
		return err
	}
	if w.audio != nil {
		if err := w.audio.flush(w.fc); err != nil {
			return fmt.Errorf("audio %s: %w", w.path, err)
		}
	}
	if w.beforeTrailer != nil {
		if err := w.beforeTrailer(); err != nil {
			return fmt.Errorf("finish %s: %w", w.path, err)
		}
	}
	if err := w.fc.WriteTrailer(); err != nil {
		return fmt.Errorf("finish %s: %w", w.path, err)
	}
	if err := w.io.Close(); err != nil {
		return fmt.Errorf("finish %s: %w", w.path, err)
	}
	return nil
}

// Abort frees everything and removes the partial file. It is safe on a
// writer that failed half-way through opening, after Close, twice, and on
// nil.
func (w *VideoWriter) Abort() {
	if w == nil {
		return
	}
	w.release()
	if w.tmp != "" {
		os.Remove(w.tmp)
		w.tmp = ""
	}
}

// release frees what the writer allocated, once.
func (w *VideoWriter) release() {
	w.done = true
	w.c.close()
	w.fc, w.io, w.st, w.enc, w.frame, w.pkt, w.audio = nil, nil, nil, nil, nil, nil, nil
}

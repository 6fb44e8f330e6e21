package media

/*
#cgo pkg-config: libavutil libavformat
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/mem.h>

// A source read for its sample table only: the container's headers are
// read from the file; once headerless is set, every read is answered with
// zeros without touching the disk (the muxer sees each packet's size, time
// and flags, never its bytes).
typedef struct {
	int fd;
	int64_t pos, size;
	int headerless;
} klipp_src;

static int klipp_src_read(void *o, uint8_t *buf, int n) {
	klipp_src *s = o;
	if (s->pos >= s->size) return AVERROR_EOF;
	if (n > s->size - s->pos) n = (int)(s->size - s->pos);
	// Zeros, not whatever the buffer held: a parser that looks at the
	// payload (for keyframes) must find nothing in it.
	if (s->headerless) { memset(buf, 0, n); s->pos += n; return n; }
	ssize_t r = pread(s->fd, buf, n, s->pos);
	if (r < 0) return AVERROR(errno);
	if (r == 0) return AVERROR_EOF;
	s->pos += r;
	return (int)r;
}

static int64_t klipp_src_seek(void *o, int64_t off, int whence) {
	klipp_src *s = o;
	switch (whence & ~AVSEEK_FORCE) {
	case SEEK_SET: s->pos = off; break;
	case SEEK_CUR: s->pos += off; break;
	case SEEK_END: s->pos = s->size + off; break;
	case AVSEEK_SIZE: return s->size;
	default: return AVERROR(EINVAL);
	}
	return s->pos;
}

// A muxer's output that keeps only its first cap bytes (the header: file
// type, index and data box header) and counts the rest.
typedef struct {
	int64_t pos, end, cap;
	uint8_t *head;
} klipp_sink;

static int klipp_sink_write(void *o, uint8_t *buf, int n) {
	klipp_sink *s = o;
	if (s->pos < s->cap) {
		int64_t m = n;
		if (s->pos + m > s->cap) m = s->cap - s->pos;
		memcpy(s->head + s->pos, buf, m);
	}
	s->pos += n;
	if (s->pos > s->end) s->end = s->pos;
	return n;
}

static int64_t klipp_sink_seek(void *o, int64_t off, int whence) {
	klipp_sink *s = o;
	switch (whence & ~AVSEEK_FORCE) {
	case SEEK_SET: s->pos = off; break;
	case SEEK_CUR: s->pos += off; break;
	case SEEK_END: s->pos = s->end + off; break;
	case AVSEEK_SIZE: return s->end;
	default: return AVERROR(EINVAL);
	}
	return s->pos;
}

// The write pass's output: every write and seek goes to the Go side
// (onepass_export.go), which hashes the data as it is written.
extern int klippOutWrite(uintptr_t h, uint8_t *buf, int n);
extern int64_t klippOutSeek(uintptr_t h, int64_t off, int whence);

static int klipp_out_write(void *o, uint8_t *buf, int n) { return klippOutWrite((uintptr_t)o, buf, n); }
static int64_t klipp_out_seek(void *o, int64_t off, int whence) { return klippOutSeek((uintptr_t)o, off, whence); }

static AVIOContext *klipp_out_io(uintptr_t h) {
	uint8_t *buf = av_malloc(1 << 20);
	if (!buf) return NULL;
	AVIOContext *io = avio_alloc_context(buf, 1 << 20, 1, (void *)h, NULL, klipp_out_write, klipp_out_seek);
	if (!io) av_free(buf);
	return io;
}

static AVIOContext *klipp_src_io(klipp_src *s) {
	uint8_t *buf = av_malloc(65536);
	if (!buf) return NULL;
	AVIOContext *io = avio_alloc_context(buf, 65536, 0, s, klipp_src_read, NULL, klipp_src_seek);
	if (!io) av_free(buf);
	return io;
}

static AVIOContext *klipp_sink_io(klipp_sink *s) {
	uint8_t *buf = av_malloc(65536);
	if (!buf) return NULL;
	AVIOContext *io = avio_alloc_context(buf, 65536, 1, s, NULL, klipp_sink_write, klipp_sink_seek);
	if (!io) av_free(buf);
	return io;
}

static void klipp_io_free(AVIOContext *io) {
	if (!io) return;
	av_freep(&io->buffer);
	avio_context_free(&io);
}

static void klipp_set_pb(AVFormatContext *fc, AVIOContext *io) {
	fc->pb = io;
	fc->flags |= AVFMT_FLAG_CUSTOM_IO;
}

// klipp_indexed: the container is an MP4/MOV whose video samples are all
// in its index (not fragmented), so packets need no payload to be found.
static int klipp_indexed(AVFormatContext *fc) {
	if (strcmp(fc->iformat->name, "mov,mp4,m4a,3gp,3g2,mj2") != 0) return 0;
	for (unsigned i = 0; i < fc->nb_streams; i++) {
		AVStream *st = fc->streams[i];
		if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) continue;
		if (st->nb_frames <= 0 || avformat_index_get_entries_count(st) <= 0) return 0;
	}
	return 1;
}

// klipp_index_key: whether the container's index marks the sample at
// decode time dts a keyframe (-1: not in the index).
static int klipp_index_key(AVStream *st, int64_t dts) {
	int i = av_index_search_timestamp(st, dts, AVSEEK_FLAG_ANY | AVSEEK_FLAG_BACKWARD);
	if (i < 0) return -1;
	const AVIndexEntry *e = avformat_index_get_entry(st, i);
	if (!e || e->timestamp != dts) return -1;
	return (e->flags & AVINDEX_KEYFRAME) != 0;
}

static int64_t klipp_flush_tell(AVFormatContext *fc) {
	avio_flush(fc->pb);
	return avio_tell(fc->pb);
}
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/cgo"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// The one-pass copy cut's I/O: a source whose packets are read for their
// sizes, times and flags only, and an output that keeps the file's header
// and counts the rest. See onepass.go.

// headerlessSource is a source opened through klipp_src.
type headerlessSource struct {
	f  *os.File
	s  *C.klipp_src
	io *C.AVIOContext
}

// openIndexed opens path's container, an MP4 whose index lists every
// sample (errPlanMismatch for any other). With headerless, packets then
// come with their sizes, times and flags but their payload is not read.
// Without analyse, the stream analysis (which decodes frames) is skipped:
// a cut takes its codec parameters from the first file, and the plan and
// write passes open each file alike.
func openIndexed(path string, mark int, headerless, analyse bool) (*astiav.FormatContext, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fault.Mediaf("%s: cannot open: %v", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fault.Mediaf("%s: %v", path, err)
	}
	h := &headerlessSource{f: f, s: (*C.klipp_src)(C.calloc(1, C.sizeof_klipp_src))}
	free := func() {
		C.klipp_io_free(h.io)
		C.free(unsafe.Pointer(h.s))
		h.f.Close()
	}
	if h.s == nil {
		free()
		return nil, nil, fmt.Errorf("%s: alloc", path)
	}
	h.s.fd, h.s.size = C.int(f.Fd()), C.int64_t(fi.Size())
	if h.io = C.klipp_src_io(h.s); h.io == nil {
		free()
		return nil, nil, fmt.Errorf("%s: alloc io", path)
	}
	fc := astiav.AllocFormatContext()
	if fc == nil {
		free()
		return nil, nil, fmt.Errorf("%s: alloc format context", path)
	}
	C.klipp_set_pb(formatContextC(fc), h.io)
	if err := fc.OpenInput(path, nil, nil); err != nil {
		// avformat_open_input frees the context on failure.
		free()
		return nil, nil, fault.Mediaf("%s: cannot open: %s", path, reason(err, mark))
	}
	if C.klipp_indexed(formatContextC(fc)) == 0 {
		closeInput(fc)
		free()
		return nil, nil, errPlanMismatch // the packets are found by reading them
	}
	if analyse && !headersComplete(fc) {
		if err := fc.FindStreamInfo(nil); err != nil {
			closeInput(fc)
			free()
			return nil, nil, fault.Mediaf("%s: cannot read stream info: %s", path, reason(err, mark))
		}
	}
	if headerless {
		h.s.headerless = 1
	}
	return fc, func() { closeInput(fc); free() }, nil
}

// headSink is an output that keeps its first cap bytes.
type headSink struct {
	s  *C.klipp_sink
	io *C.AVIOContext
}

func newHeadSink(fc *astiav.FormatContext, cap int) (*headSink, error) {
	h := &headSink{s: (*C.klipp_sink)(C.calloc(1, C.sizeof_klipp_sink))}
	if h.s == nil {
		return nil, fmt.Errorf("alloc sink")
	}
	if h.s.head = (*C.uint8_t)(C.calloc(C.size_t(cap), 1)); h.s.head == nil {
		h.free()
		return nil, fmt.Errorf("alloc sink")
	}
	h.s.cap = C.int64_t(cap)
	if h.io = C.klipp_sink_io(h.s); h.io == nil {
		h.free()
		return nil, fmt.Errorf("alloc sink io")
	}
	C.klipp_set_pb(formatContextC(fc), h.io)
	return h, nil
}

// head returns a copy of the first n bytes written.
func (h *headSink) head(n int64) []byte {
	return C.GoBytes(unsafe.Pointer(h.s.head), C.int(n))
}

// end is the output's length.
func (h *headSink) end() int64 { return int64(h.s.end) }

func (h *headSink) cap() int64 { return int64(h.s.cap) }

func (h *headSink) free() {
	if h.io != nil {
		C.klipp_io_free(h.io)
		h.io = nil
	}
	if h.s != nil {
		C.free(unsafe.Pointer(h.s.head))
		C.free(unsafe.Pointer(h.s))
		h.s = nil
	}
}

// flushTell writes out a muxer's buffered bytes and returns its position.
func flushTell(fc *astiav.FormatContext) int64 {
	return int64(C.klipp_flush_tell(formatContextC(fc)))
}

// keyFromIndex sets a packet read without its payload a keyframe as the
// container's index says: FFmpeg's parser, which marks keyframes when the
// payload is read, finds nothing in zeros. The write pass, reading the
// payload, checks the plan (the parser's keyframes must be the index's).
func keyFromIndex(st *astiav.Stream, pkt *astiav.Packet) error {
	k := C.klipp_index_key(*(**C.AVStream)(unsafe.Pointer(st)), C.int64_t(pkt.Dts()))
	switch k {
	case 1:
		pkt.SetFlags(pkt.Flags().Add(astiav.PacketFlagKey))
	case 0:
		pkt.SetFlags(pkt.Flags().Del(astiav.PacketFlagKey))
	default:
		return errPlanMismatch
	}
	return nil
}

// outIO allocates the write pass's AVIOContext for the hashedOut behind h.
func outIO(h cgo.Handle) unsafe.Pointer { return unsafe.Pointer(C.klipp_out_io(C.uintptr_t(h))) }

// freeIO frees an AVIOContext allocated here.
func freeIO(io unsafe.Pointer) { C.klipp_io_free((*C.AVIOContext)(io)) }

// setPb makes io (an AVIOContext allocated here) fc's output.
func setPb(fc *astiav.FormatContext, io unsafe.Pointer) {
	C.klipp_set_pb(formatContextC(fc), (*C.AVIOContext)(io))
}

// Package dav reads and writes the chunk layout of Dahua DAV recordings
// (FFmpeg's dhav demuxer reads the same): each chunk is a 24-byte "DHAV"
// header (type, subtype, channel, sub-number, frame number, chunk length,
// packed date, 16-bit millisecond counter, extension length, checksum),
// extension fields, the payload, and an 8-byte "dhav" trailer repeating
// the chunk length. It does no I/O beyond the bytes or reader given.
//
// Frame times come from each chunk's date (whole seconds, the DVR's clock
// zone) and its millisecond counter, not from FFmpeg's, which restarts
// each second at .000.
package dav

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"time"
)

// Chunk types.
const (
	Audio    = 0xf0
	Aux      = 0xf1
	Video    = 0xfc // a non-key video frame
	VideoKey = 0xfd // a key video frame (its extensions name codec, size, rate)
)

// Video codecs in the 0x81 extension.
const (
	MPEG4 = 0x1
	H264  = 0x2
	MJPEG = 0x3
	HEVC  = 0xc
)

// Chunk is one DAV chunk.
type Chunk struct {
	Type, Subtype, Channel, SubNumber byte
	Frame                             uint32
	Date                              uint32 // packed wall clock, see DateOf
	Millis                            uint16 // free-running millisecond counter
	Codec, FPS                        byte   // from a 0x81 extension (key frames)
	Width, Height                     int    // from a 0x80 or 0x82 extension
	Offset                            int64  // where the chunk starts in the file
	Payload                           []byte // the frame data (a slice of the input)
}

// HeaderSize is the size of a chunk's fixed header; TrailerSize that of
// its trailer.
const (
	HeaderSize  = 24
	TrailerSize = 8
)

// Wall is the wall clock a packed date names (seconds, no zone).
type Wall struct{ Year, Month, Day, Hour, Min, Sec int }

// DateOf unpacks a chunk's date: 6 bits each of second and minute, 5 of
// hour and day, 4 of month, 6 of year since 2000.
func DateOf(d uint32) Wall {
	return Wall{Year: int(d>>26&0x3f) + 2000, Month: int(d >> 22 & 0xf), Day: int(d >> 17 & 0x1f),
		Hour: int(d >> 12 & 0x1f), Min: int(d >> 6 & 0x3f), Sec: int(d & 0x3f)}
}

// PackDate packs a wall clock time (its fields as they read) as a date.
func PackDate(t time.Time) uint32 {
	return uint32(t.Year()-2000)<<26 | uint32(t.Month())<<22 | uint32(t.Day())<<17 | uint32(t.Hour())<<12 | uint32(t.Minute())<<6 | uint32(t.Second())
}

// In is the instant w names in loc.
func (w Wall) In(loc *time.Location) time.Time {
	return time.Date(w.Year, time.Month(w.Month), w.Day, w.Hour, w.Min, w.Sec, 0, loc)
}

// Parse reads the chunks of data in order (Scan over data, each chunk's
// Payload a copy): whole chunks, then the error of one cut short.
func Parse(data []byte) ([]Chunk, error) {
	var out []Chunk
	err := Scan(bytes.NewReader(data), func(c Chunk) error {
		c.Payload = append([]byte(nil), c.Payload...)
		out = append(out, c)
		return nil
	})
	return out, err
}

// parseExt reads the extension fields FFmpeg knows; an unknown one ends
// them (as in FFmpeg).
func parseExt(c *Chunk, e []byte) {
	for len(e) > 0 {
		size := 0
		switch e[0] {
		case 0x80:
			if len(e) >= 4 {
				c.Width, c.Height = 8*int(e[2]), 8*int(e[3])
			}
			size = 4
		case 0x81:
			if len(e) >= 4 {
				c.Codec, c.FPS = e[2], e[3]
			}
			size = 4
		case 0x82:
			if len(e) >= 8 {
				c.Width, c.Height = int(binary.LittleEndian.Uint16(e[4:])), int(binary.LittleEndian.Uint16(e[6:]))
			}
			size = 8
		case 0x83, 0x84, 0x85, 0x8b, 0x94, 0x96, 0xa0, 0xb2, 0xb4:
			size = 4
		case 0x88, 0x8c, 0x91, 0x92, 0x93, 0x95, 0x9a, 0x9b, 0xb3:
			size = 8
		default:
			return
		}
		if size > len(e) {
			return
		}
		e = e[size:]
	}
}

// Append writes c as a chunk after b: header, extensions (0x80 size and
// 0x81 codec and rate on key frames, or 0x82 when the size is not a
// multiple of 8), payload and trailer.
func Append(b []byte, c Chunk) []byte {
	var ext []byte
	if c.Type == VideoKey {
		if c.Width%8 == 0 && c.Height%8 == 0 && c.Width <= 2040 && c.Height <= 2040 {
			ext = append(ext, 0x80, 0, byte(c.Width/8), byte(c.Height/8))
		} else {
			ext = append(ext, 0x82, 0, 0, 0, byte(c.Width), byte(c.Width>>8), byte(c.Height), byte(c.Height>>8))
		}
		ext = append(ext, 0x81, 0, c.Codec, c.FPS)
	}
	n := HeaderSize + len(ext) + len(c.Payload) + TrailerSize
	h := make([]byte, HeaderSize)
	copy(h, "DHAV")
	h[4], h[5], h[6], h[7] = c.Type, c.Subtype, c.Channel, c.SubNumber
	binary.LittleEndian.PutUint32(h[8:], c.Frame)
	binary.LittleEndian.PutUint32(h[12:], uint32(n))
	binary.LittleEndian.PutUint32(h[16:], c.Date)
	binary.LittleEndian.PutUint16(h[20:], c.Millis)
	h[22] = byte(len(ext))
	var sum byte
	for _, x := range h[:23] {
		sum += x
	}
	h[23] = sum
	b = append(b, h...)
	b = append(b, ext...)
	b = append(b, c.Payload...)
	b = append(b, "dhav"...)
	return binary.LittleEndian.AppendUint32(b, uint32(n))
}

// Times are the camera-clock times of the chunks, in loc (the DVR's clock
// zone, the camera's timezone): the millisecond counter gives each
// chunk's distance from the first (modulo 65,536 ms between consecutive
// chunks), and the dates fix the whole: the first chunk's sub-second phase
// is the one every chunk's date agrees with (its earliest). A counter that
// disagrees with the dates by more than a second (the recorder restarted
// it) starts a new run, placed by its dates alone.
func Times(chunks []Chunk, loc *time.Location) []time.Time {
	out := make([]time.Time, len(chunks))
	for start := 0; start < len(chunks); {
		// One run: chunks whose counters agree with their dates.
		base := DateOf(chunks[start].Date).In(loc)
		rel := []time.Duration{0}
		lo, hi := time.Duration(0), time.Second // the first chunk's phase after base
		end := start + 1
		for ; end < len(chunks); end++ {
			d := time.Duration(chunks[end].Millis-chunks[end-1].Millis) * time.Millisecond
			r := rel[len(rel)-1] + d
			// date ≤ base + phase + r < date + 1 s
			sec := DateOf(chunks[end].Date).In(loc).Sub(base)
			nlo, nhi := max(lo, sec-r), min(hi, sec-r+time.Second)
			if nlo >= nhi {
				break
			}
			lo, hi = nlo, nhi
			rel = append(rel, r)
		}
		for i, r := range rel {
			out[start+i] = base.Add(lo + r)
		}
		start = end
	}
	return out
}

// IsDAV reports whether data starts as a DAV file does (a "DAHUA" file
// header or a first "DHAV" chunk).
func IsDAV(data []byte) bool {
	return len(data) >= 5 && string(data[:5]) == "DAHUA" || len(data) >= 4 && string(data[:4]) == "DHAV"
}

// Channel summarises one channel's video chunks.
type Channel struct {
	Channel   int    `json:"channel"`
	Frames    int    `json:"frames"`
	Keyframes int    `json:"keyframes"`
	Codec     string `json:"codec"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	FPS       int    `json:"fps"`
	First     Wall   `json:"first_date"`
	Last      Wall   `json:"last_date"`
}

// CodecName names a 0x81 extension's codec as FFmpeg does.
func CodecName(c byte) string {
	switch c {
	case MPEG4:
		return "mpeg4"
	case H264:
		return "h264"
	case MJPEG:
		return "mjpeg"
	case HEVC:
		return "hevc"
	}
	return fmt.Sprintf("unknown (0x%x)", c)
}

// Channels lists the channels that have video chunks, in channel order.
// A channel's codec, size and rate are those of its first key frame.
func Channels(chunks []Chunk) []Channel {
	var set ChannelSet
	for _, c := range chunks {
		set.Add(c)
	}
	return set.List()
}

// List returns the channels gathered, in channel order.
func (s *ChannelSet) List() []Channel {
	out := make([]Channel, 0, len(s.byNum))
	for _, ch := range s.byNum {
		out = append(out, *ch)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Channel < out[j].Channel })
	return out
}

// VideoOf returns channel n's video chunks, in file order, starting at
// its first key frame (frames before it cannot be decoded); skipped is how
// many were before it.
func VideoOf(chunks []Chunk, n int) (video []Chunk, skipped int) {
	for _, c := range chunks {
		if int(c.Channel) != n || c.Type != Video && c.Type != VideoKey {
			continue
		}
		if len(video) == 0 && c.Type != VideoKey {
			skipped++
			continue
		}
		video = append(video, c)
	}
	return video, skipped
}

// AccessUnits splits an H.264 Annex B stream with access unit delimiters
// (FFmpeg's h264_metadata=aud=insert) into its access units, each starting
// at its delimiter, as a recorder puts one frame in each chunk.
func AccessUnits(annexB []byte) [][]byte {
	var starts []int
	for i := 0; i+4 < len(annexB); i++ {
		if annexB[i] == 0 && annexB[i+1] == 0 {
			j := i + 2
			if annexB[j] == 0 {
				j++
			}
			if annexB[j] == 1 && j+1 < len(annexB) && annexB[j+1]&0x1f == 9 {
				starts = append(starts, i)
				i = j
			}
		}
	}
	var out [][]byte
	for k, s := range starts {
		e := len(annexB)
		if k+1 < len(starts) {
			e = starts[k+1]
		}
		out = append(out, annexB[s:e])
	}
	return out
}

// String shows w as "2006-01-02 15:04:05".
func (w Wall) String() string {
	return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", w.Year, w.Month, w.Day, w.Hour, w.Min, w.Sec)
}

package dav

import (
	"bytes"
	"io"
	"runtime"
	"testing"
	"time"
)

// Chunks written from the published layout read back field for field;
// frame times come from date and millisecond counter (across its wrap),
// within one frame of the truth where FFmpeg's restart each second at
// .000 is up to a second off.
func TestWriteParseTimes(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Stockholm")
	start := time.Date(2026, 11, 20, 22, 14, 5, 370e6, loc)
	const n, fps = 100, 25
	var file []byte
	file = append(file, "DAHUA"...)
	file = append(file, make([]byte, 0x400-5)...)
	var want []time.Time
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * time.Second / fps)
		want = append(want, at)
		typ := byte(Video)
		if i%25 == 0 {
			typ = VideoKey
		}
		c := Chunk{Type: typ, Channel: byte(i % 2), Frame: uint32(i), Date: PackDate(at), Millis: uint16(63000 + i*40),
			Codec: H264, FPS: fps, Width: 704, Height: 576, Payload: bytes.Repeat([]byte{byte(i)}, 100+i)}
		file = Append(file, c)
	}
	chunks, err := Parse(file)
	if err != nil || len(chunks) != n {
		t.Fatalf("parse: %d chunks, %v", len(chunks), err)
	}
	if c := chunks[25]; c.Type != VideoKey || c.Channel != 1 || c.Frame != 25 || c.Codec != H264 || c.FPS != fps || c.Width != 704 || c.Height != 576 || len(c.Payload) != 125 || c.Payload[0] != 25 {
		t.Fatalf("chunk 25: %+v", c)
	}
	if w := DateOf(chunks[0].Date); w != (Wall{2026, 11, 20, 22, 14, 5}) {
		t.Fatalf("date %+v", w)
	}
	got := Times(chunks, loc)
	for i := range got {
		if d := got[i].Sub(want[i]); d < -40*time.Millisecond || d > 0 {
			t.Fatalf("frame %d at %s, want %s (%v)", i, got[i].Format("15:04:05.000"), want[i].Format("15:04:05.000"), d)
		}
	}
	// Cut short: the whole chunks, and an error.
	if cs, err := Parse(file[:len(file)-10]); err == nil || len(cs) != n-1 {
		t.Errorf("truncated: %d chunks, %v", len(cs), err)
	}
}

// A counter the recorder restarted: the chunks after it are placed by
// their dates, not by a counter that jumped back.
func TestTimesCounterRestart(t *testing.T) {
	at := time.Date(2026, 11, 20, 22, 0, 0, 500e6, time.UTC)
	var cs []Chunk
	for i := 0; i < 10; i++ {
		m := uint16(1000 + i*100)
		if i >= 5 {
			m = uint16((i - 5) * 100)
		}
		cs = append(cs, Chunk{Date: PackDate(at.Add(time.Duration(i) * 100 * time.Millisecond)), Millis: m})
	}
	cs[5].Date = PackDate(at.Add(5 * time.Second)) // after a restart, seconds later
	got := Times(cs, time.UTC)
	if !got[4].Before(got[5]) || got[5].Sub(at) < 4*time.Second {
		t.Errorf("times %v", got)
	}
}

// Access units split at their delimiters; channels listed in order, with
// a channel's frames before its first key frame skipped.
func TestAccessUnitsChannels(t *testing.T) {
	s := []byte{0, 0, 0, 1, 9, 0xf0, 0, 0, 1, 0x65, 1, 2, 0, 0, 1, 9, 0xf0, 0, 0, 1, 0x41, 3}
	if aus := AccessUnits(s); len(aus) != 2 || len(aus[0]) != 12 || aus[1][3] != 9 {
		t.Fatalf("access units %v", aus)
	}
	cs := []Chunk{{Type: Video, Channel: 1}, {Type: VideoKey, Channel: 1, Codec: H264, Width: 320, Height: 240, FPS: 25}, {Type: VideoKey, Channel: 0, Codec: HEVC}, {Type: Audio, Channel: 0}, {Type: Video, Channel: 1}}
	if ch := Channels(cs); len(ch) != 2 || ch[0].Channel != 0 || ch[0].Codec != "hevc" || ch[1].Frames != 3 || ch[1].Keyframes != 1 || ch[1].Width != 320 {
		t.Errorf("channels %+v", ch)
	}
	if v, skipped := VideoOf(cs, 1); len(v) != 2 || skipped != 1 {
		t.Errorf("channel 1: %d frames, %d skipped", len(v), skipped)
	}
}

// Scan reads a DAV stream of any size chunk by chunk: 64 MB of chunks pass
// through it with a few megabytes allocated, and every chunk is seen.
func TestScanBoundedMemory(t *testing.T) {
	const chunks, size = 512, 128 << 10
	pr, pw := io.Pipe()
	go func() {
		payload := bytes.Repeat([]byte{7}, size)
		var b []byte
		for i := 0; i < chunks; i++ {
			b = Append(b[:0], Chunk{Type: Video, Channel: byte(i % 3), Frame: uint32(i), Payload: payload})
			if _, err := pw.Write(b); err != nil {
				return
			}
		}
		pw.Close()
	}()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var set ChannelSet
	n := 0
	err := Scan(pr, func(c Chunk) error {
		if len(c.Payload) != size || c.Payload[size-1] != 7 {
			t.Fatalf("chunk %d: %d bytes", n, len(c.Payload))
		}
		set.Add(c)
		n++
		return nil
	})
	runtime.ReadMemStats(&after)
	if err != nil || n != chunks || len(set.List()) != 3 || set.List()[2].Frames != chunks/3 {
		t.Fatalf("scan: %d chunks, channels %+v, %v", n, set.List(), err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("scanning %d MB allocated %d MB; want it bounded by the largest chunk", chunks*size>>20, alloc>>20)
	}
}

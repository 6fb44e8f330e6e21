package dav

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Scan reads the chunks from r in order and calls fn with each, in memory
// bounded by the largest chunk: the chunk's Payload is valid only until fn
// returns (the buffer is reused). Bytes between chunks (a file header
// "DAHUA…" of 0x400 bytes, padding) are skipped; a chunk cut short at the
// end is reported as an error after the whole chunks. An error from fn
// stops the scan and is returned.
func Scan(r io.Reader, fn func(Chunk) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var pos int64
	skip := func(n int) error {
		d, err := br.Discard(n)
		pos += int64(d)
		return err
	}
	if b, _ := br.Peek(5); string(b) == "DAHUA" {
		if err := skip(0x400); err != nil {
			return nil // a header and nothing else
		}
	}
	var buf []byte
	seen := false // a whole chunk read
	for {
		h, err := br.Peek(HeaderSize)
		if len(h) < HeaderSize {
			if seen && bytes.Contains(h, []byte("DHAV")) {
				return errors.New("the file ends inside a chunk header")
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			return nil
		}
		if string(h[:4]) != "DHAV" {
			if err := skip(1); err != nil {
				return nil
			}
			continue
		}
		c := Chunk{Type: h[4], Subtype: h[5], Channel: h[6], SubNumber: h[7], Frame: binary.LittleEndian.Uint32(h[8:]), Offset: pos}
		n := int(binary.LittleEndian.Uint32(h[12:]))
		c.Date = binary.LittleEndian.Uint32(h[16:])
		if n < HeaderSize+TrailerSize {
			return fmt.Errorf("chunk at %d: length %d is shorter than its header", pos, n)
		}
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		got, err := io.ReadFull(br, buf)
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return fmt.Errorf("chunk at %d: %d bytes, the file ends after %d", pos, n, got)
			}
			return err
		}
		pos += int64(n)
		seen = true
		if c.Type == Aux {
			continue
		}
		h = buf
		c.Millis = binary.LittleEndian.Uint16(h[20:])
		ext := int(h[22])
		if HeaderSize+ext+TrailerSize > n {
			return fmt.Errorf("chunk at %d: extensions of %d bytes do not fit", c.Offset, ext)
		}
		parseExt(&c, h[HeaderSize:HeaderSize+ext])
		c.Payload = h[HeaderSize+ext : n-TrailerSize]
		if string(h[n-TrailerSize:n-4]) != "dhav" || int(binary.LittleEndian.Uint32(h[n-4:])) != n {
			return fmt.Errorf("chunk at %d: no dhav trailer of its length", c.Offset)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
}

// ChannelSet gathers Channels chunk by chunk, for a Scan.
type ChannelSet struct {
	byNum map[byte]*Channel
}

// Add counts one chunk.
func (s *ChannelSet) Add(c Chunk) {
	if c.Type != Video && c.Type != VideoKey {
		return
	}
	if s.byNum == nil {
		s.byNum = map[byte]*Channel{}
	}
	ch := s.byNum[c.Channel]
	if ch == nil {
		ch = &Channel{Channel: int(c.Channel), First: DateOf(c.Date)}
		s.byNum[c.Channel] = ch
	}
	ch.Frames++
	ch.Last = DateOf(c.Date)
	if c.Type == VideoKey {
		if ch.Keyframes == 0 {
			ch.Codec, ch.Width, ch.Height, ch.FPS = CodecName(c.Codec), c.Width, c.Height, int(c.FPS)
		}
		ch.Keyframes++
	}
}

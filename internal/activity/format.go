package activity

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// The grid each sample is kept as.
const (
	Cols  = 32
	Rows  = 18
	Cells = Cols * Rows
)

// Kind says how a sample was taken.
type Kind uint8

const (
	Key     Kind = 1 // a keyframe
	Between Kind = 2 // a frame between keyframes far apart (one every 2 s)
	Close   Kind = 3 // a frame looked at where activity begins or ends
)

// Sample is what one decoded picture showed: per cell of the grid, the
// number of its reduced picture's pixels that moved.
type Sample struct {
	At    time.Duration // offset in the segment
	Kind  Kind
	Cells [Cells]uint8
}

// Scan is one segment's samples, as stored.
type Scan struct {
	Width, Height    int // the source picture
	SampleW, SampleH int // the reduced picture the samples counted
	Samples          []Sample
	// Note says why the scan stopped before the segment's end (damage).
	Note string
}

const formatVersion = 1

// Encode packs a scan: a header, then per sample its time (milliseconds
// after the previous), kind and cells; deflated (mostly zeros).
func (s *Scan) Encode() ([]byte, error) {
	var raw bytes.Buffer
	var tmp [binary.MaxVarintLen64]byte
	put := func(v uint64) { raw.Write(tmp[:binary.PutUvarint(tmp[:], v)]) }
	raw.WriteByte(formatVersion)
	for _, v := range []int{s.Width, s.Height, s.SampleW, s.SampleH, Cols, Rows, len(s.Samples)} {
		put(uint64(v))
	}
	put(uint64(len(s.Note)))
	raw.WriteString(s.Note)
	samples := slices.Clone(s.Samples)
	slices.SortStableFunc(samples, func(a, b Sample) int { return int(a.At - b.At) })
	var last int64
	for _, x := range samples {
		ms := x.At.Milliseconds()
		put(uint64(ms - last))
		last = ms
		raw.WriteByte(byte(x.Kind))
		raw.Write(x.Cells[:])
	}
	return pack(raw.Bytes())
}

// pack deflates data.
func pack(data []byte) ([]byte, error) {
	var out bytes.Buffer
	zw, err := flate.NewWriter(&out, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func unpack(data []byte) ([]byte, error) { return io.ReadAll(flate.NewReader(bytes.NewReader(data))) }

// Decode unpacks a scan written by Encode.
func Decode(data []byte) (*Scan, error) {
	raw, err := unpack(data)
	if err != nil {
		return nil, fmt.Errorf("activity scan: %w", err)
	}
	r := bytes.NewReader(raw)
	if v, err := r.ReadByte(); err != nil || v != formatVersion {
		return nil, fmt.Errorf("activity scan: format %d, want %d", v, formatVersion)
	}
	var hdr [8]uint64
	for i := range hdr {
		if hdr[i], err = binary.ReadUvarint(r); err != nil {
			return nil, fmt.Errorf("activity scan header: %w", err)
		}
	}
	if hdr[4] != Cols || hdr[5] != Rows {
		return nil, fmt.Errorf("activity scan: grid %dx%d, want %dx%d", hdr[4], hdr[5], Cols, Rows)
	}
	s := &Scan{Width: int(hdr[0]), Height: int(hdr[1]), SampleW: int(hdr[2]), SampleH: int(hdr[3])}
	n, noteLen := int(hdr[6]), int(hdr[7])
	if noteLen > r.Len() || n > r.Len()/(Cells+2)+1 {
		return nil, errors.New("activity scan: truncated")
	}
	note := make([]byte, noteLen)
	io.ReadFull(r, note)
	s.Note = string(note)
	s.Samples = make([]Sample, n)
	var ms int64
	for i := range s.Samples {
		d, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, fmt.Errorf("activity scan sample %d: %w", i, err)
		}
		ms += int64(d)
		k, err := r.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("activity scan sample %d: %w", i, err)
		}
		s.Samples[i].At, s.Samples[i].Kind = time.Duration(ms)*time.Millisecond, Kind(k)
		if _, err := io.ReadFull(r, s.Samples[i].Cells[:]); err != nil {
			return nil, fmt.Errorf("activity scan sample %d: %w", i, err)
		}
	}
	return s, nil
}

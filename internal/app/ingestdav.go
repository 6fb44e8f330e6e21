package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/dav"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/store"
)

// isDAVFile reports whether path starts as a Dahua DAV file.
func isDAVFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, 5)
	n, _ := f.Read(b)
	return dav.IsDAV(b[:n])
}

// scanDAV scans the DAV file at path chunk by chunk (dav.Scan). A file
// that cannot be read is a storage error; the chunks' own damage is
// returned as it is.
func scanDAV(path string, fn func(dav.Chunk) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	defer f.Close()
	return dav.Scan(f, fn)
}

// davSuffix names the MP4 a DAV channel is remuxed into, beside the
// evidence copy of the DAV file.
func davSuffix(ch int) string { return fmt.Sprintf(".ch%d.mp4", ch) }

// placeDAV remuxes channel ch of the DAV evidence copy r.Stored into an
// MP4 beside it whose frame times are the chunks' (date and millisecond
// counter, in the camera's zone), hashes it, makes it read-only and places
// it on the camera's timeline. The segment is the MP4; the DAV copy stays
// as delivered.
func placeDAV(ctx context.Context, cam *catalog.Camera, r *IngestRecord, ch int) (store.Segment, error) {
	// Two passes over the file, chunk by chunk, so that memory is bounded
	// by the largest chunk and the channel's chunk headers, whatever the
	// file's size: the headers first (times, codec), then the frames
	// straight into the stream FFmpeg remuxes.
	var set dav.ChannelSet
	var video []dav.Chunk
	skipped := 0
	perr := scanDAV(r.Stored, func(c dav.Chunk) error {
		set.Add(c)
		if int(c.Channel) != ch || c.Type != dav.Video && c.Type != dav.VideoKey {
			return nil
		}
		if len(video) == 0 && c.Type != dav.VideoKey {
			skipped++ // undecodable before the channel's first key frame
			return nil
		}
		c.Payload = nil
		video = append(video, c)
		return nil
	})
	if fault.KindOf(perr) == fault.Storage {
		return store.Segment{}, perr
	}
	if len(video) == 0 {
		var have []int
		for _, c := range set.List() {
			have = append(have, c.Channel)
		}
		return store.Segment{}, fault.Fieldf("channel", "%s has no video on channel %d (its channels: %v)", filepath.Base(r.Original), ch, have)
	}
	codec := dav.CodecName(video[0].Codec)
	times := dav.Times(video, cam.Timezone)
	ats := make([]time.Duration, len(video))
	for i := range video {
		ats[i] = times[i].Sub(times[0])
	}
	out := r.Stored + davSuffix(ch)
	os.Chmod(out, 0o644)
	os.Remove(out) // left by an ingest that could not place it
	frames := func(w io.Writer) error {
		n := 0
		err := scanDAV(r.Stored, func(c dav.Chunk) error {
			if n >= len(video) || c.Offset != video[n].Offset {
				return nil
			}
			n++
			_, err := w.Write(c.Payload)
			return err
		})
		if n == len(video) {
			return nil // the damage after the last whole chunk is recorded already
		}
		return err
	}
	if err := media.RemuxDAVStream(ctx, codec, frames, ats, out, times[0]); err != nil {
		return store.Segment{}, err
	}
	_, sum, err := digest.File(out)
	if err != nil {
		return store.Segment{}, fault.Wrap(fault.Storage, err)
	}
	if err := os.Chmod(out, 0o444); err != nil {
		return store.Segment{}, fault.Wrap(fault.Storage, err)
	}
	start := times[0]
	seg, _, err := footage.PlaceFile(ctx, cam, out, r.Original, &start, sum, float64(video[0].FPS))
	if err != nil {
		return seg, err
	}
	seg.Note = fmt.Sprintf("ingested from DAV channel %d; frame times from the chunks' dates and millisecond counters", ch)
	n := ch
	r.DAVChannel, r.Remuxed, r.RemuxedSHA256 = &n, out, sum
	r.RemuxNote = fmt.Sprintf("DAV channel %d (%s, %d frames) remuxed without re-encoding into %s, timed by each chunk's date and millisecond counter in %s; the DAV file is kept as delivered",
		ch, codec, len(video), filepath.Base(out), cam.Timezone)
	if cam.DAVChannel != nil && *cam.DAVChannel == ch {
		r.RemuxNote += fmt.Sprintf("; channel %d is the camera's dav_channel in cameras.yaml", ch)
	}
	if skipped > 0 {
		r.RemuxNote += fmt.Sprintf("; %d frames before the channel's first key frame cannot be decoded and are not in the MP4", skipped)
	}
	if perr != nil {
		r.RemuxNote += "; the DAV file is damaged: " + perr.Error()
		seg.Status, seg.Damaged = store.StatusDamaged, "DAV: "+perr.Error()
	}
	return seg, nil
}

package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// hikvisionPS writes what a Hikvision-style recorder writes: a 40-byte
// "IMKH" file header, then an MPEG program stream whose pack of each frame
// begins with a program stream map naming H.264 video (stream type 0x1b,
// stream 0xe0) and G.711 audio (0x90 A-law, 0x91 µ-law, stream 0xc0), the
// video in one PES per frame and the audio in 40 ms PES packets. The
// pictures are writeCountClip's 75 frames at 25 fps (encoded by the FFmpeg
// CLI) and the sound beepClip's (G.711 by the FFmpeg CLI).
func hikvisionPS(t *testing.T, out string, law string) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.mkv")
	writeCountClip(t, src, WriterOptions{Format: "matroska", Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10}, 75)
	h264, g711 := filepath.Join(dir, "v.264"), filepath.Join(dir, "a.g711")
	ffmpegCLI(t, "-i", src, "-c:v", "libx264", "-bf", "0", "-g", "25", "-x264-params", "aud=1", "-f", "h264", h264)
	beep := filepath.Join(dir, "beep.mkv")
	beepClip(t, beep, "-c:v", "copy", "-c:a", "pcm_s16le")
	ffmpegCLI(t, "-i", beep, "-map", "0:a", "-ar", "8000", "-ac", "1", "-f", law, g711)
	video, err := os.ReadFile(h264)
	if err != nil {
		t.Fatal(err)
	}
	audio, err := os.ReadFile(g711)
	if err != nil {
		t.Fatal(err)
	}
	// Access units start at each access unit delimiter (NAL type 9).
	aud := []byte{0, 0, 0, 1, 9}
	var frames [][]byte
	for rest := video; len(rest) > 0; {
		next := bytes.Index(rest[len(aud):], aud)
		if next < 0 {
			frames = append(frames, rest)
			break
		}
		frames = append(frames, rest[:next+len(aud)])
		rest = rest[next+len(aud):]
	}
	if len(frames) != 75 {
		t.Fatalf("%d access units, want 75", len(frames))
	}
	audioType := byte(0x90)
	if law == "mulaw" {
		audioType = 0x91
	}
	var b bytes.Buffer
	hdr := make([]byte, 40)
	copy(hdr, "IMKH")
	binary.LittleEndian.PutUint16(hdr[4:], 0x0100)  // version, as such headers carry
	binary.LittleEndian.PutUint16(hdr[8:], 4)       // system format: MPEG-PS
	binary.LittleEndian.PutUint16(hdr[12:], 0x7110) // audio: G.711
	b.Write(hdr)
	const start = 90000 // the recorder's clock: 1 s
	pts := func(prefix byte, ts int64) []byte {
		return []byte{prefix<<4 | byte(ts>>29)&0x0e | 1, byte(ts >> 22), byte(ts>>14) | 1, byte(ts >> 7), byte(ts<<1) | 1}
	}
	pack := func(scr int64) {
		b.Write([]byte{0, 0, 1, 0xba,
			0x44 | byte(scr>>27)&0x38 | byte(scr>>28)&0x03, byte(scr >> 20), byte(scr>>12)&0xf8 | 0x04 | byte(scr>>13)&0x03, byte(scr >> 5), byte(scr<<3) | 0x04, 0x01,
			0x01, 0x89, 0xc3, 0xf8}) // mux rate, no stuffing
	}
	pes := func(id byte, ts int64, data []byte) {
		for first := true; len(data) > 0 || first; first = false {
			n := min(len(data), 65000)
			h := []byte{0x80, 0, 0}
			if first {
				h = append([]byte{0x80, 0x80, 5}, pts(2, ts)...)
			}
			b.Write([]byte{0, 0, 1, id})
			binary.Write(&b, binary.BigEndian, uint16(len(h)+n))
			b.Write(h)
			b.Write(data[:n])
			data = data[n:]
		}
	}
	psm := func() {
		es := []byte{0x1b, 0xe0, 0, 0, audioType, 0xc0, 0, 0}
		body := []byte{0x80 | 1, 0x01, 0, 0} // current, version 1; no program info
		body = binary.BigEndian.AppendUint16(body, uint16(len(es)))
		body = append(body, es...)
		body = append(body, 0, 0, 0, 0) // CRC, not checked by players
		b.Write([]byte{0, 0, 1, 0xbc})
		binary.Write(&b, binary.BigEndian, uint16(len(body)))
		b.Write(body)
	}
	for i, f := range frames {
		ts := int64(start + i*3600)
		pack(ts)
		if i%25 == 0 {
			psm()
		}
		pes(0xe0, ts, f)
		if a := audio[min(i*320, len(audio)):min((i+1)*320, len(audio))]; len(a) > 0 {
			pes(0xc0, ts, a)
		}
	}
	b.Write([]byte{0, 0, 1, 0xb9})
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// MPEG-PS from a Hikvision-style recorder (IMKH header, G.711 sound):
// probe names the codecs and the header, stills show the frame on screen,
// and every cut mode keeps the sound (re-encoded to AAC) within a frame of
// the picture.
func TestHikvisionPS(t *testing.T) {
	for _, law := range []string{"alaw", "mulaw"} {
		t.Run(law, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "hik.mp4") // recorders name them .mp4
			hikvisionPS(t, src, law)
			in, err := Probe(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			var audio *StreamInfo
			for i := range in.Streams {
				if in.Streams[i].Type == "audio" {
					audio = &in.Streams[i]
				}
			}
			if in.Container != "mpeg" || in.Video() == nil || in.Video().Codec != "h264" || audio == nil || audio.Codec != "pcm_"+law ||
				audio.SampleRate != 8000 || in.Frames != 75 || in.Damaged != "" || !in.IMKH {
				t.Fatalf("probe: %+v (audio %+v), want mpeg with IMKH header, h264, pcm_%s at 8000 Hz, 75 frames", in, audio, law)
			}
			stills, err := StillsAt(context.Background(), src, []time.Duration{0, 1010 * time.Millisecond, 2970 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range []int{0, 25, 74} {
				if got := int((meanLuma(stills[i].Image)-16)/3 + 0.5); got != want%70 || stills[i].Offset != time.Duration(want)*40*time.Millisecond {
					t.Errorf("still %d: frame %d at %v, want %d", i, got, stills[i].Offset, want)
				}
			}
			parts := []CutPart{{Path: src, From: 470 * time.Millisecond, To: 2530 * time.Millisecond}}
			for _, mode := range []string{"copy", "exact", "transcode"} {
				out := filepath.Join(dir, mode+".mp4")
				var a, note string
				switch mode {
				case "copy":
					r, err := CopyCut(context.Background(), parts, out, CutOptions{})
					if err != nil {
						t.Fatalf("%s: %v", mode, err)
					}
					a, note = r.Audio, r.AudioNote
				case "exact":
					r, err := ExactCut(context.Background(), parts, out, CutOptions{})
					if err != nil {
						t.Fatalf("%s: %v", mode, err)
					}
					a, note = r.Audio, r.AudioNote
				default:
					r, err := TranscodeCut(context.Background(), parts, out, TranscodeOptions{Preset: "ultrafast"}, nil)
					if err != nil {
						t.Fatalf("%s: %v", mode, err)
					}
					a, note = r.Audio, r.AudioNote
				}
				if a != "aac" || note != "pcm_"+law+" audio re-encoded to AAC (an MP4 cannot hold it as it is)" {
					t.Errorf("%s: audio %q (%s), want aac re-encoded from pcm_%s", mode, a, note, law)
				}
				lag, slivers := avSync(t, out)
				if len(lag) != 4 || slivers > 0 {
					t.Errorf("%s: beeps %v, %d slivers; want all four beeps", mode, lag, slivers)
				}
				for f, d := range lag {
					if d.Abs() > 40*time.Millisecond {
						t.Errorf("%s: the beep at frame %d is heard %v after its frame is shown", mode, f, d)
					}
				}
			}
		})
	}
}

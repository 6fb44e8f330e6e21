package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
)

// beepFrames are the source frames at whose start a 60 ms beep begins.
var beepFrames = []int{13, 27, 41, 55}

// beepClip writes 75 numbered frames (writeCountClip) at 25 fps with a sound that is
// silent except for a 1 kHz beep starting exactly at each beep frame, muxed
// by the FFmpeg CLI with the given arguments (codecs and format).
func beepClip(t *testing.T, out string, args ...string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src.mkv")
	writeCountClip(t, src, WriterOptions{Format: "matroska", Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10}, 75)
	var on []string
	for _, f := range beepFrames {
		s := float64(f) * 0.04
		on = append(on, fmt.Sprintf(`between(t\,%.3f\,%.3f)`, s, s+0.06))
	}
	expr := fmt.Sprintf("aevalsrc=(%s)*0.5*sin(2*PI*1000*t):s=48000:d=3", strings.Join(on, "+"))
	ffmpegCLI(t, append(append([]string{"-i", src, "-f", "lavfi", "-i", expr, "-map", "0:v", "-map", "1:a"}, args...), out)...)
}

// avSync decodes path and returns, for each beep frame it shows, the time
// of the beep's onset in the decoded sound minus the time the frame is
// shown (both as the demuxer presents them, edit lists applied), and how
// many audio packets but the last last less than 2 ms (slivers: packets
// squeezed in one tick after the one before).
func avSync(t *testing.T, path string) (map[int]time.Duration, int) {
	t.Helper()
	fc, err := openInput(path, logMark())
	if err != nil {
		t.Fatal(err)
	}
	defer closeInput(fc)
	vs, as := firstStream(fc, astiav.MediaTypeVideo), firstAudio(fc)
	if vs == nil || as == nil {
		t.Fatalf("%s: video %v, audio %v", path, vs != nil, as != nil)
	}
	open := func(st *astiav.Stream) *astiav.CodecContext {
		codec := astiav.FindDecoder(st.CodecParameters().CodecID())
		cc := astiav.AllocCodecContext(codec)
		if err := st.CodecParameters().ToCodecContext(cc); err != nil {
			t.Fatal(err)
		}
		cc.SetTimeBase(st.TimeBase())
		if err := cc.Open(codec, nil); err != nil {
			t.Fatal(err)
		}
		return cc
	}
	vdec, adec := open(vs), open(as)
	defer vdec.Free()
	defer adec.Free()
	pkt, frame := astiav.AllocPacket(), astiav.AllocFrame()
	defer pkt.Free()
	defer frame.Free()
	shown := map[int]time.Duration{}  // frame code → time shown
	var onsets, heard []time.Duration // by the samples' times; as a player plays them, one after another from the first
	var framePTS []time.Duration      // each decoded audio frame's
	var heardAt []int                 // each onset's sample number, counted from the first sample
	samples := 0
	quiet := 0 // samples of silence before the current one
	at := func(ts int64, tb astiav.Rational) time.Duration {
		return time.Duration(astiav.RescaleQ(ts, tb, nsTB))
	}
	receive := func(cc *astiav.CodecContext, st *astiav.Stream) {
		for {
			frame.Unref()
			if err := cc.ReceiveFrame(frame); err != nil {
				if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
					return
				}
				t.Fatal(err)
			}
			ts := frame.Pts()
			if ts == astiav.NoPtsValue {
				ts = frame.PktDts()
			}
			if st == vs {
				img, err := frameImage(frame, false)
				if err != nil {
					t.Fatal(err)
				}
				code := int(math.Round((meanLuma(img) - 16) / 3))
				if _, ok := shown[code]; !ok {
					shown[code] = at(ts, st.TimeBase())
				}
				continue
			}
			planes, err := framePlanes(frame, 1, false)
			if err != nil {
				t.Fatal(err)
			}
			framePTS = append(framePTS, at(ts, st.TimeBase())-time.Duration(samples)*time.Second/time.Duration(frame.SampleRate()))
			sample := time.Second / time.Duration(frame.SampleRate())
			for i := 0; i < frame.NbSamples(); i++ {
				samples++
				var v float64
				switch frame.SampleFormat() {
				case astiav.SampleFormatFltp:
					v = float64(math.Float32frombits(binary.LittleEndian.Uint32(planes[0][4*i:])))
				case astiav.SampleFormatS16:
					v = float64(int16(binary.LittleEndian.Uint16(planes[0][2*i:]))) / 32768
				default:
					t.Fatalf("decoded audio is %s", frame.SampleFormat().Name())
				}
				if math.Abs(v) < 0.1 {
					quiet++
					continue
				}
				if quiet > frame.SampleRate()/50 { // after 20 ms of silence
					onsets = append(onsets, at(ts, st.TimeBase())+time.Duration(i)*sample)
					heardAt = append(heardAt, samples-1)
				}
				quiet = 0
			}
		}
	}
	slivers, sliver := 0, false
	for fc.ReadFrame(pkt) == nil {
		switch pkt.StreamIndex() {
		case vs.Index():
			if err := vdec.SendPacket(pkt); err != nil {
				t.Fatal(err)
			}
			receive(vdec, vs)
		case as.Index():
			if sliver {
				slivers++
			}
			sliver = at(pkt.Duration(), as.TimeBase()) < 2*time.Millisecond
			if err := adec.SendPacket(pkt); err != nil {
				t.Fatal(err)
			}
			receive(adec, as)
		}
		pkt.Unref()
	}
	_ = vdec.SendPacket(nil)
	receive(vdec, vs)
	_ = adec.SendPacket(nil)
	receive(adec, as)
	// A player starts the sound at its first time and plays the samples one
	// after another. The first frame's time may be that of encoder priming
	// trimmed by an edit list: the second frame's says where sample 0 is.
	if len(framePTS) > 1 {
		for _, n := range heardAt {
			heard = append(heard, framePTS[1]+time.Duration(n)*time.Second/time.Duration(as.CodecParameters().SampleRate()))
		}
	}
	lag := map[int]time.Duration{}
	for _, f := range beepFrames {
		v, ok := shown[f]
		if !ok {
			continue
		}
		// The worse of the two.
		best, bestHeard := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
		for i, o := range onsets {
			if d := o - v; d.Abs() < best.Abs() {
				best = d
			}
			if i < len(heard) {
				if d := heard[i] - v; d.Abs() < bestHeard.Abs() {
					bestHeard = d
				}
			}
		}
		if bestHeard.Abs() > best.Abs() {
			best = bestHeard
		}
		lag[f] = best
	}
	return lag, slivers
}

// The sound stays within one frame interval of the picture in every cut
// mode, measured by decoding: a beep that starts with a frame is heard when
// that frame is shown. Sources: MPEG-TS with AAC (its PES packets hold
// several AAC frames), MP4 with AAC and AVI with G.711 A-law (re-encoded to AAC).
func TestCutKeepsAudioInSync(t *testing.T) {
	const frame = 40 * time.Millisecond
	dir := t.TempDir()
	ms := time.Millisecond
	sources := []struct {
		name     string
		args     []string
		from, to time.Duration
	}{
		// Odd offsets: not on a frame, a keyframe or an audio frame boundary.
		{"ts-aac.ts", []string{"-c:v", "libx264", "-bf", "0", "-g", "10", "-c:a", "aac", "-f", "mpegts"}, 470 * ms, 2530 * ms},
		{"ts-aac-b.ts", []string{"-c:v", "libx264", "-bf", "3", "-g", "12", "-c:a", "aac", "-ar", "44100", "-f", "mpegts"}, 470 * ms, 2530 * ms},
		// From after the last keyframe (1.52 s): a copy cut reads the file again from its start.
		{"ts-aac-late.ts", []string{"-c:v", "libx264", "-bf", "0", "-g", "38", "-sc_threshold", "0", "-c:a", "aac", "-f", "mpegts"}, 1570 * ms, 2530 * ms},
		{"mp4-aac.mp4", []string{"-c:v", "libx264", "-bf", "0", "-g", "10", "-c:a", "aac"}, 470 * ms, 2530 * ms},
		{"avi-alaw.avi", []string{"-c:v", "libx264", "-bf", "0", "-g", "10", "-c:a", "pcm_alaw", "-ar", "8000"}, 470 * ms, 2530 * ms},
	}
	for _, sc := range sources {
		name := sc.name
		src := filepath.Join(dir, name)
		beepClip(t, src, sc.args...)
		lag, _ := avSync(t, src)
		for f, d := range lag {
			if d.Abs() > frame {
				t.Errorf("%s: the source itself has beep %d %v from its frame", name, f, d)
			}
		}
		var want []int
		for _, f := range beepFrames {
			if at := time.Duration(f) * frame; at >= sc.from && at < sc.to {
				want = append(want, f)
			}
		}
		parts := []CutPart{{Path: src, From: sc.from, To: sc.to}}
		for _, mode := range []string{"copy", "exact", "transcode"} {
			out := filepath.Join(dir, name+"."+mode+".mp4")
			if err := cutIn(mode, parts, out); err != nil {
				t.Errorf("%s %s: %v", name, mode, err)
				continue
			}
			lag, slivers := avSync(t, out)
			if slivers > 0 {
				t.Errorf("%s %s: %d audio packets of less than 2 ms", name, mode, slivers)
			}
			if len(lag) != len(want) {
				t.Errorf("%s %s: beep frames shown %v, want all of %v", name, mode, lag, want)
			}
			for _, f := range want {
				if d, ok := lag[f]; ok && d.Abs() > frame {
					t.Errorf("%s %s: the beep at frame %d is heard %v after its frame is shown, want within ±%v", name, mode, f, d, frame)
				}
			}
		}
	}
}

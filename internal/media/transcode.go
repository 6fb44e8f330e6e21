package media

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/overlay"
)

// TranscodeOptions shape a transcoded cut.
type TranscodeOptions struct {
	CRF     int
	Preset  string
	NoAudio bool // leave the source's audio out
	// Width and Height scale every frame (0: the first file's size). With
	// them, files of different sizes can join.
	Width, Height int
	// Caption, when set, is burned in under every frame, in a bar added
	// below the picture so that nothing the camera recorded is covered. It
	// gets the frame's position in the output and returns the text.
	Caption func(at time.Duration) string
}

// TranscodeResult says what a transcoded cut wrote.
type TranscodeResult struct {
	Frames        int
	Width, Height int // of the output, caption bar included
	CaptionBar    int // pixels added below the picture for the caption
	FPS           int
	Audio         string // the audio codec in the file, or ""
	Deinterlaced  string // how interlaced pictures were made whole, or ""
	AudioNote     string // what happened to the source's audio, when not a plain copy
}

// TranscodeCut decodes the frames of each part in [From, To) and encodes
// them as H.264 yuv420p in an MP4 with the index first, every frame placed
// at its part's OutStart + (offset − From). Parts must share a picture size.
func TranscodeCut(ctx context.Context, parts []CutPart, out string, o TranscodeOptions, progress func(done, total time.Duration)) (res *TranscodeResult, err error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("cut %s: nothing to cut", out)
	}
	var total, done time.Duration
	for _, p := range parts {
		total += p.To - p.From
	}
	if o.Width > 0 && o.Height > 0 {
		if err := ValidateSize(o.Width&^1, o.Height&^1); err != nil {
			return nil, fmt.Errorf("cut %s: scale to %w", out, err)
		}
	}
	res = &TranscodeResult{}
	var c closer // what the job allocates besides the writer: the carried audio
	defer c.close()
	var w *VideoWriter
	defer func() {
		if err != nil {
			w.Abort() // nil-safe: the writer may never have opened
		}
	}()
	var face *overlay.Face
	var audio *audioCarry
	for _, p := range parts {
		r, err := openVideo(p.Path, 0) // decode on every core, as the encoder does
		if err != nil {
			return nil, err
		}
		if err := r.UseRate(ctx); err != nil {
			r.Close()
			return nil, err
		}
		err = func() error {
			defer r.Close()
			if w == nil {
				cp := r.st.CodecParameters()
				rate := r.st.AvgFrameRate()
				fps := 25
				if r.raw.fps > 0 {
					fps = int(r.raw.fps + 0.5)
				} else if rate.Num() > 0 && rate.Den() > 0 {
					fps = int(rate.Float64() + 0.5)
				}
				if base := r.st.RFrameRate(); r.raw.fps == 0 && base.Num() > 0 && base.Den() > 0 && base.Float64() > float64(fps)*1.05 && base.Float64() <= 120 {
					// Variable rate (frames dropped under load): on the
					// base rate's grid every frame keeps its time, where
					// the average rate's would move them.
					fps = int(base.Float64() + 0.5)
				}
				res.Width, res.Height, res.FPS = cp.Width()&^1, cp.Height()&^1, fps
				if o.Width > 0 && o.Height > 0 {
					res.Width, res.Height = o.Width&^1, o.Height&^1
				} else if err := ValidateSize(res.Width, res.Height); err != nil {
					return fault.Mediaf("%s: the picture cannot be transcoded: %v", p.Path, err)
				}
				if o.Caption != nil {
					res.CaptionBar = max(24, res.Height/12) &^ 1
					if face, err = overlay.NewFace(overlay.Mono, float64(res.CaptionBar)*0.6); err != nil {
						return err
					}
				}
				addAudio := func(fc *astiav.FormatContext) error {
					// The pictures are not turned: the output asks players to, as the source did.
					keepRotation(r.st, firstStream(fc, astiav.MediaTypeVideo))
					if a := r.audioStream(); a != nil && !o.NoAudio {
						audio, res.AudioNote = newAudioCarry(fc, a)
						if audio != nil {
							c.add(audio.free)
							res.Audio, res.AudioNote = audio.codec, audio.note
						}
					}
					return nil
				}
				w, err = createVideo(out, WriterOptions{Format: "mp4", Codec: "h264", Width: res.Width, Height: res.Height + res.CaptionBar, FPS: fps,
					CRF: o.CRF, Preset: o.Preset, FastStart: true, GOP: -1}, addAudio) // keyframes where x264 chooses, as ffmpeg does
				if err != nil {
					return err
				}
				if audio != nil {
					w.beforeTrailer = audio.flush
				}
				res.Height += res.CaptionBar
			}
			if audio != nil {
				// The audio in [From, To), timed against the video's start.
				ns := astiav.NewRational(1, int(time.Second))
				startNs := astiav.RescaleQ(r.start, r.st.TimeBase(), ns)
				// Until the first frame at or after From the reader may go
				// back (a seek that overshot reads again from the start):
				// the audio waits, and what it read before going back is
				// dropped when the times go back.
				audio.holdUntilRelease()
				prev := time.Duration(math.MinInt64)
				r.onAudio = func(pkt *astiav.Packet, a *astiav.Stream) error {
					ts := pkt.Pts()
					if ts == astiav.NoPtsValue {
						ts = pkt.Dts()
					}
					off := time.Duration(astiav.RescaleQ(ts, a.TimeBase(), ns) - startNs)
					if off < prev && audio.hold {
						audio.discard()
					}
					prev = off
					if off < p.From || off >= p.To {
						return nil
					}
					return audio.write(pkt, a.TimeBase(), p.OutStart+off-p.From)
				}
			}
			r.studio = true // the encoder takes studio-range yuv420p
			if o.Width > 0 && o.Height > 0 {
				r.SetOutputSize(res.Width, res.Height-res.CaptionBar)
			}
			if err := r.SeekBefore(ctx, p.From); err != nil {
				return err
			}
			// emit encodes one picture (fr, as img) at output pts.
			emit := func(fr *astiav.Frame, img *image.YCbCr, pts int64, at time.Duration) error {
				if pts < w.next {
					pts = w.next // a join within tolerance may round onto the previous frame
				}
				if face == nil && fr.PixelFormat() == astiav.PixelFormatYuv420P && img.Rect.Dx() == res.Width && img.Rect.Dy() == res.Height {
					// Nothing to draw: the decoded frame goes to the encoder as it is.
					if err := w.writeDecoded(fr, pts); err != nil {
						return err
					}
					res.Frames++
					return nil
				}
				pic, err := w.Picture()
				if err != nil {
					return err
				}
				overlay.Copy(pic, img)
				if face != nil {
					bar := image.Rect(0, res.Height-res.CaptionBar, res.Width, res.Height)
					overlay.Fill(pic, bar, overlay.Black)
					face.Text(pic, res.Width/60, bar.Min.Y+(res.CaptionBar-face.Height)/2, o.Caption(at), overlay.White)
				}
				if err := w.WriteFrameAt(pts); err != nil {
					return err
				}
				res.Frames++
				return nil
			}
			// Interlaced pictures pass through bwdif on their way, one
			// picture behind (it looks at the next one).
			var deint *deinterlacer
			defer func() {
				if deint != nil {
					deint.free()
				}
			}()
			whole := func(fr *astiav.Frame) error {
				img, err := frameImage(fr, false)
				if err != nil {
					return fmt.Errorf("%s: %w", p.Path, err)
				}
				return emit(fr, img, fr.Pts(), time.Duration(fr.Pts())*time.Second/time.Duration(res.FPS))
			}
			done := func() error {
				if deint == nil {
					return nil
				}
				return deint.push(nil, whole)
			}
			for {
				f, err := r.Next(ctx)
				if errors.Is(err, io.EOF) {
					return done()
				}
				if err != nil {
					return err
				}
				if f.Offset < p.From {
					continue
				}
				if f.Offset >= p.To {
					return done()
				}
				if audio != nil && audio.hold {
					if err := audio.release(); err != nil {
						return err
					}
				}
				if f.Image.Rect.Dx() < res.Width || f.Image.Rect.Dy() < res.Height-res.CaptionBar {
					return fault.Mediaf("%s: picture size %dx%d differs from %dx%d: use --scale or --gaps split", p.Path, f.Image.Rect.Dx(), f.Image.Rect.Dy(), res.Width, res.Height)
				}
				at := p.OutStart + f.Offset - p.From
				pts := int64(at.Seconds()*float64(res.FPS) + 0.5)
				if order := interlacedOrder(r.st, r.frame); deint == nil && order != "" {
					if deint, err = newDeinterlacer(r.out, astiav.NewRational(1, res.FPS), order); err != nil {
						return fmt.Errorf("%s: %w", p.Path, err)
					}
					res.Deinterlaced = deint.Note()
				}
				if deint != nil {
					r.out.SetPts(pts)
					if err := deint.push(r.out, whole); err != nil {
						return err
					}
					continue
				}
				if err := emit(r.out, f.Image, pts, at); err != nil {
					return err
				}
			}
		}()
		if err != nil {
			return nil, err
		}
		done += p.To - p.From
		if progress != nil {
			progress(done, total)
		}
	}
	if res.Frames == 0 {
		return nil, fault.NotFoundf("cut %s: no frames in the requested range", out)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	w = nil
	return res, nil
}

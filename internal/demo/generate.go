package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"image"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/sync/errgroup"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/framecode"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/overlay"
	"github.com/klipp-forensics/klipp/internal/pattern"
)

// Options shape the generated site; zero values take the defaults.
type Options struct {
	Dir      string
	Start    time.Time     // true time the recordings begin; default 2026-11-20 22:00 Stockholm
	Length   time.Duration // default 20 min
	Segment  time.Duration // default 60 s
	Width    int           // default 640
	Height   int           // default 360
	FPS      int           // default 25
	Workers  int           // default: number of CPUs
	Progress func(done, total int64)
}

func (o *Options) defaults() error {
	if o.Dir == "" {
		return fmt.Errorf("demo: no directory given")
	}
	if o.Start.IsZero() {
		loc, err := time.LoadLocation("Europe/Stockholm")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		o.Start = time.Date(2026, 11, 20, 22, 0, 0, 0, loc)
	}
	o.Start = o.Start.UTC()
	if o.Length <= 0 {
		o.Length = 20 * time.Minute
	}
	if o.Segment <= 0 {
		o.Segment = time.Minute
	}
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 640, 360
	}
	if o.FPS <= 0 {
		o.FPS = 25
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.Width < framecode.Width || o.Height < 120 {
		return fmt.Errorf("demo: %dx%d is too small for the frame code (at least %dx120)", o.Width, o.Height, framecode.Width)
	}
	return nil
}

// Generate writes the site into o.Dir and returns its ground truth, which is
// also written to ground-truth.json. Existing recordings are overwritten.
func Generate(ctx context.Context, o Options) (*GroundTruth, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := writeConfig(o); err != nil {
		return nil, err
	}
	gt := newGroundTruth(o)
	segments := int(o.Length / o.Segment)
	framesPerSeg := int64(o.Segment.Seconds() * float64(o.FPS))
	total := int64(len(cameras)) * int64(segments) * framesPerSeg
	var done atomic.Int64
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Workers)
	for i := range cameras {
		cam := cameras[i]
		g.Go(func() error {
			ct, err := recordCamera(ctx, o, cam, func(n int64) {
				if o.Progress != nil {
					o.Progress(done.Add(n), total)
				}
			})
			if err != nil {
				return fmt.Errorf("demo camera %s: %w", cam.ID, err)
			}
			mu.Lock()
			gt.Cameras[cam.ID] = ct
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(gt, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(o.Dir, "ground-truth.json"), append(data, '\n')); err != nil {
		return nil, err
	}
	return gt, nil
}

// recordCamera writes one camera's segments as its recorder would.
func recordCamera(ctx context.Context, o Options, cam camera, progress func(int64)) (*CameraTruth, error) {
	loc, err := time.LoadLocation(cam.Timezone)
	if err != nil {
		return nil, err
	}
	pat, err := pattern.Compile(cam.Pattern)
	if err != nil {
		return nil, err
	}
	offsets, err := cameraOffsets(cam, loc)
	if err != nil {
		return nil, err
	}
	painter, err := newPainter(o, cam)
	if err != nil {
		return nil, err
	}
	ct := &CameraTruth{Offsets: offsets, Nuisance: painter.nuisance.describe(o.Start)}
	frameDur := time.Second / time.Duration(o.FPS)
	framesPerSeg := int(o.Segment / frameDur)
	missing, truncated := set(cam.Missing), set(cam.Truncated)
	for i := 0; i < int(o.Length/o.Segment); i++ {
		cseg := o.Start.Add(cam.StartFraction + time.Duration(i)*o.Segment) // camera clock
		tseg := offsets.TrueTime(cseg)
		if missing[i] {
			if n := len(ct.Gaps); n > 0 && ct.Gaps[n-1].To.Equal(tseg) {
				ct.Gaps[n-1].To = tseg.Add(o.Segment) // one gap, however many files it lacks
			} else {
				ct.Gaps = append(ct.Gaps, Span{From: tseg, To: tseg.Add(o.Segment)})
			}
			progress(int64(framesPerSeg))
			continue
		}
		rel := pat.Format(cseg, loc, cam.Star)
		path := filepath.Join(o.Dir, "recordings", cam.ID, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		wo := media.WriterOptions{
			Format: cam.Format, Codec: "h264", Width: o.Width, Height: o.Height, FPS: o.FPS,
			GOP: 2 * o.FPS, CRF: 26, Preset: "ultrafast", Threads: 1,
		}
		if cam.Format == "mp4" {
			wo.CreationTime = cseg
		}
		if cam.Format == "mpegts" {
			wo.StartPTS = int64(i * framesPerSeg) // a TS recorder's clock runs on across files
		}
		w, err := media.CreateVideo(path, wo)
		if err != nil {
			return nil, err
		}
		for k := 0; k < framesPerSeg; k++ {
			if err := ctx.Err(); err != nil {
				w.Abort()
				return nil, err
			}
			img, err := w.Picture()
			if err != nil {
				w.Abort()
				return nil, err
			}
			off := time.Duration(k) * frameDur
			painter.paint(img, cseg.Add(off), tseg.Add(off))
			if err := w.WriteFrame(); err != nil {
				w.Abort()
				return nil, err
			}
			if k%250 == 249 {
				progress(250)
			}
		}
		progress(int64(framesPerSeg % 250))
		if err := w.Close(); err != nil {
			return nil, err
		}
		seg := SegmentTruth{File: filepath.ToSlash(filepath.Join("recordings", cam.ID, rel)), CameraClock: cseg, TrueStart: tseg, Frames: framesPerSeg}
		if truncated[i] {
			if err := truncate(path, 0.4); err != nil {
				return nil, err
			}
			seg.Truncated = true
		}
		ct.Segments = append(ct.Segments, seg)
	}
	return ct, nil
}

func cameraOffsets(cam camera, loc *time.Location) (clock.Offsets, error) {
	var ms []clock.Measurement
	for _, c := range cam.Clock {
		at, err := clock.ParseTime(c.At, loc)
		if err != nil {
			return clock.Offsets{}, err
		}
		off, err := clock.ParseDuration(c.Offset)
		if err != nil {
			return clock.Offsets{}, err
		}
		ms = append(ms, clock.Measurement{At: at, Offset: off})
	}
	return clock.NewOffsets(ms), nil
}

// truncate cuts a file to a fraction of its size, as a recorder that lost
// power mid-write leaves it.
func truncate(path string, keep float64) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.Truncate(path, int64(float64(st.Size())*keep))
}

func set(xs []int) map[int]bool {
	m := map[int]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// painter draws one camera's frames: a fixed scene, the frame code, the
// recorder's time stamp and the suspect, and what real cameras add that is
// not activity (nuisance).
type painter struct {
	o          Options
	cam        camera
	loc        *time.Location
	background *image.YCbCr
	stamp      *overlay.Face
	visit      *visit
	nuisance   nuisance
}

func newPainter(o Options, cam camera) (*painter, error) {
	loc, err := time.LoadLocation(cam.Timezone)
	if err != nil {
		return nil, err
	}
	stamp, err := overlay.NewFace(overlay.Mono, 18)
	if err != nil {
		return nil, err
	}
	name, err := overlay.NewFace(overlay.Bold, 20)
	if err != nil {
		return nil, err
	}
	p := &painter{o: o, cam: cam, loc: loc, stamp: stamp}
	for i := range route {
		if route[i].Camera == cam.ID {
			p.visit = &route[i]
		}
	}
	bg := image.NewYCbCr(image.Rect(0, 0, o.Width, o.Height), image.YCbCrSubsampleRatio420)
	horizon := o.Height * 55 / 100
	for y := 0; y < horizon; y++ {
		f := float64(y) / float64(horizon)
		c := overlay.RGB(mix(cam.Sky[0], 20, f), mix(cam.Sky[1], 20, f), mix(cam.Sky[2], 30, f))
		overlay.Fill(bg, image.Rect(0, y, o.Width, y+1), c)
	}
	overlay.Fill(bg, image.Rect(0, horizon, o.Width, o.Height), overlay.RGB(cam.Ground[0], cam.Ground[1], cam.Ground[2]))
	// Buildings with lit windows, placed from the camera id so each scene differs.
	h := fnv.New32a()
	h.Write([]byte(cam.ID))
	seed := h.Sum32()
	for x := 0; x < o.Width; {
		seed = seed*1664525 + 1013904223
		w := 60 + int(seed>>24)%80
		top := framecode.Height + 40 + int(seed>>16)%120
		shade := uint8(40 + (seed>>8)%60)
		overlay.Fill(bg, image.Rect(x, top, x+w-6, horizon), overlay.RGB(shade, shade-10, shade-20))
		for wy := top + 10; wy < horizon-14; wy += 22 {
			for wx := x + 8; wx < x+w-20; wx += 18 {
				seed = seed*1664525 + 1013904223
				if seed>>28 > 6 {
					overlay.Fill(bg, image.Rect(wx, wy, wx+8, wy+10), overlay.RGB(230, 210, 140))
				}
			}
		}
		x += w
	}
	name.Label(bg, 8, framecode.Height+6, cam.Name)
	p.background = bg
	p.nuisance = nuisanceFor(o, cam, p.visit)
	p.nuisance.lit(bg)
	return p, nil
}

func mix(a, b uint8, f float64) uint8 { return uint8(float64(a)*(1-f) + float64(b)*f) }

// Suspect figure size in a 640x360 frame.
const (
	figureW = 24
	figureH = 64
)

func (p *painter) paint(img *image.YCbCr, camClock, trueTime time.Time) {
	overlay.Copy(img, p.background)
	if p.nuisance.lampOff(trueTime) {
		overlay.Fill(img, p.nuisance.lamp, overlay.RGB(60, 55, 50))
	}
	if box, ok := p.suspectAt(trueTime); ok {
		body := image.Rect(box.Min.X, box.Min.Y+16, box.Max.X, box.Max.Y)
		overlay.Fill(img, body, overlay.RGB(210, 20, 30))                                                            // red jacket
		overlay.Fill(img, image.Rect(box.Min.X+5, box.Min.Y, box.Max.X-5, box.Min.Y+16), overlay.RGB(230, 190, 150)) // head
		overlay.Fill(img, image.Rect(box.Min.X+2, box.Max.Y-22, box.Max.X-2, box.Max.Y), overlay.RGB(20, 30, 80))    // dark trousers
	}
	// The camera sees the light and adds its noise; the recorder then
	// writes its frame code and time stamp over the picture.
	p.nuisance.apply(img, trueTime.Sub(p.o.Start))
	framecode.Draw(img, camClock.UnixMilli())
	p.stamp.Label(img, 8, p.o.Height-p.stamp.Height-10, camClock.In(p.loc).Format("2006-01-02 15:04:05.000"))
}

// suspectAt returns the figure's box at true time t (possibly partly outside
// the frame), and whether any of it is in view.
func (p *painter) suspectAt(t time.Time) (image.Rectangle, bool) {
	v := p.visit
	if v == nil {
		return image.Rectangle{}, false
	}
	enter, leave := p.o.Start.Add(v.Enter), p.o.Start.Add(v.Leave)
	if t.Before(enter) || !t.Before(leave) {
		return image.Rectangle{}, false
	}
	f := float64(t.Sub(enter)) / float64(leave.Sub(enter))
	if !v.LeftToRight {
		f = 1 - f
	}
	x := int(-figureW + f*float64(p.o.Width+figureW))
	top := p.o.Height*80/100 - figureH
	return image.Rect(x, top, x+figureW, top+figureH), true
}

func writeFile(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// writeConfig writes klipp.yaml and cameras.yaml for the site.
func writeConfig(o Options) error {
	conf := "# klipp demo site, written by `klipp demo`. Paths are relative to this file.\n" +
		"timezone: Europe/Stockholm\n" +
		"data_dir: data\n" +
		"catalog: cameras.yaml\n" +
		"analyst: Demo Analytiker\n"
	if err := writeFile(filepath.Join(o.Dir, "klipp.yaml"), []byte(conf)); err != nil {
		return err
	}
	var doc struct {
		Cameras []catalog.Entry `yaml:"cameras"`
	}
	for _, c := range cameras {
		heading := c.Heading
		e := catalog.Entry{
			ID: c.ID, Name: c.Name, Owner: c.Owner, Address: c.Address, Kind: c.Kind, Quality: c.Quality,
			Location: &catalog.LatLon{Lat: c.Lat, Lon: c.Lon}, Heading: &heading,
			Timezone: c.Timezone, Retention: c.Retention, Clock: c.Clock,
			Recordings: &catalog.EntryRecordings{Path: "recordings/" + c.ID, Pattern: c.Pattern},
		}
		for _, p := range coverage(c) {
			e.Coverage = append(e.Coverage, [2]float64{round6(p.Lat), round6(p.Lon)})
		}
		doc.Cameras = append(doc.Cameras, e)
	}
	data, err := yaml.Marshal(&doc)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	head := "# Demo cameras around central Malmö (synthetic). See design.md §5 for the fields.\n"
	return writeFile(filepath.Join(o.Dir, "cameras.yaml"), append([]byte(head), data...))
}

func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

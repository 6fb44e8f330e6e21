package activity

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/media"
)

// Sampling.
const (
	// SampleWidth is the reduced picture's width.
	SampleWidth = 160
	// Interval is how often a sample is taken where keyframes are further
	// apart than 1.5 × Interval.
	Interval = 2 * time.Second
	// CloseEvery is the spacing of the frames looked at where activity
	// begins or ends.
	CloseEvery = 200 * time.Millisecond
	// Sparse: where keyframes are closer together, one keyframe in
	// between is decoded only when the keyframes Sparse apart on either
	// side of it show any change (at the highest sensitivity) or the
	// background is not yet made: a still scene is looked at every Sparse,
	// and anything lasting Sparse or longer is seen.
	Sparse = 4 * time.Second
	// resetGap: after a gap in the footage this long the background is
	// made again.
	resetGap = 30 * time.Second
	// chunkLength: a long file is decoded in pieces of at most this
	// length, side by side.
	chunkLength = 5 * time.Minute
)

// Segment is one recording file to scan.
type Segment struct {
	ID       int64
	Path     string
	Start    time.Time // true time of its first frame
	Duration time.Duration
}

// Scanned is one segment's finished scan.
type Scanned struct {
	Segment Segment
	Scan    *Scan
}

// Options shape a scan.
type Options struct {
	Workers  int                                        // decoders side by side; default the number of CPUs
	Progress func(done, total time.Duration)            // footage scanned
	Save     func(ctx context.Context, s Scanned) error // each segment's scan, in order, when complete
	// Resume is the background where an earlier scan ended: the scan goes
	// on from it when the first segment follows that scan's last sample
	// (so footage scanned a piece at a time gives what one scan gives).
	Resume *State
	// Keep gets the background where this scan ended, after the last Save.
	Keep func(ctx context.Context, st State) error
	// Sparse: 0 is the package's Sparse; below 0 every keyframe is decoded.
	Sparse time.Duration
}

// State is the background model where a scan ended.
type State struct {
	End  time.Time // true time of the last sample
	Data []byte
}

// chunk is a piece of a segment decoded by one worker.
type chunk struct {
	seg      int
	from, to time.Duration
}

type chunkResult struct {
	pics  []picture
	stats media.SampleStats
	err   error
}

type picture struct {
	at      time.Duration
	key     bool
	skipped bool // a keyframe left undecoded (media.SampleOptions.Sparse)
	w, h    int
	pix     []byte
}

// Run scans segs (in true-time order, one camera) and hands each segment's
// scan to o.Save in order. The segments are decoded side by side in
// pieces; one model takes their samples in order of time. A damaged
// segment's scan holds what could be read and says why it stopped.
func Run(ctx context.Context, segs []Segment, o Options) error {
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	switch {
	case o.Sparse == 0:
		o.Sparse = Sparse
	case o.Sparse < 0:
		o.Sparse = 0
	}
	var chunks []chunk
	var total time.Duration
	for i, s := range segs {
		total += s.Duration
		for from := time.Duration(0); ; from += chunkLength {
			to := from + chunkLength
			last := s.Duration <= 0 || to >= s.Duration+chunkLength/4
			if last {
				to = 0 // to the end
			}
			chunks = append(chunks, chunk{seg: i, from: from, to: to})
			if last {
				break
			}
		}
	}
	results := make([]chan chunkResult, len(chunks))
	for i := range results {
		results[i] = make(chan chunkResult, 1)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// At most a few pieces wait decoded ahead of the model.
	slots := make(chan struct{}, o.Workers+2)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		dg, dctx := errgroup.WithContext(gctx)
		dg.SetLimit(o.Workers)
		for i, c := range chunks {
			select {
			case slots <- struct{}{}:
			case <-dctx.Done():
				return dctx.Err()
			}
			dg.Go(func() error {
				results[i] <- decodeChunk(dctx, segs[c.seg].Path, c, o.Sparse)
				return nil
			})
		}
		return dg.Wait()
	})
	g.Go(func() error {
		sc := newScanner(segs, o)
		defer sc.closeReaders()
		if err := sc.resume(o.Resume); err != nil {
			return err
		}
		var done time.Duration
		for i, c := range chunks {
			var r chunkResult
			select {
			case r = <-results[i]:
			case <-gctx.Done():
				return gctx.Err()
			}
			<-slots
			if err := sc.chunk(gctx, c, r); err != nil {
				return err
			}
			if c.to == 0 {
				done += segs[c.seg].Duration
			} else {
				done += c.to - c.from
			}
			if o.Progress != nil {
				o.Progress(min(done, total), total)
			}
		}
		return sc.finish(gctx)
	})
	return g.Wait()
}

func decodeChunk(ctx context.Context, path string, c chunk, sparse time.Duration) chunkResult {
	var r chunkResult
	r.stats, r.err = media.Samples(ctx, path, media.SampleOptions{Width: SampleWidth, From: c.from, To: c.to, Interval: Interval, Sparse: sparse}, func(s media.Sample) error {
		if s.Skipped {
			r.pics = append(r.pics, picture{at: s.Offset, key: true, skipped: true})
			return nil
		}
		r.pics = append(r.pics, picture{at: s.Offset, key: s.Key, w: s.Width, h: s.Height, pix: append([]byte(nil), s.Pix...)})
		return nil
	})
	return r
}

// scanner runs the model over the samples in order and looks closely
// where activity begins and ends.
type scanner struct {
	segs      []Segment
	o         Options
	m         *model
	warm      []placed // samples waiting for the background to start
	warmKinds []Kind
	open      map[int]*Scan
	low       int     // segments before it are saved
	prev      *placed // the last sample scored
	prev2     *placed // the one before it
	// The run of samples with activity (at the default sensitivity) in
	// progress: its length, and what was before it.
	run      int
	before   *placed // the last sample before the run
	runFirst *placed
	beforeSt state // the background before the run
	refined  map[[2]time.Time]bool
	// readers are the segments kept open for close looks and for the
	// keyframes left out, until the segment's scan is saved.
	readers map[int]*media.Sampler
}

// placed is a sample with its segment and its model score.
type placed struct {
	seg    int
	at     time.Duration
	when   time.Time
	pix    []byte
	active bool
	wide   bool // shows change at the highest sensitivity
	// idle is how many keyframes before it were left undecoded: the model
	// learns from the sample as if from each of them too (they showed
	// nothing the sample does not), so that it follows the scene over
	// time as it would have.
	idle int
}

func newScanner(segs []Segment, o Options) *scanner {
	return &scanner{segs: segs, o: o, open: map[int]*Scan{}, refined: map[[2]time.Time]bool{}, readers: map[int]*media.Sampler{}}
}

// reader is segment seg opened for looks, kept open until it is saved.
func (sc *scanner) reader(seg int) (*media.Sampler, error) {
	if r := sc.readers[seg]; r != nil {
		return r, nil
	}
	r, err := media.OpenSampler(sc.segs[seg].Path, media.SampleOptions{Width: SampleWidth, Interval: Interval, Threads: 1})
	if err != nil {
		return nil, err
	}
	sc.readers[seg] = r
	return r, nil
}

func (sc *scanner) closeReaders() {
	for seg, r := range sc.readers {
		r.Close()
		delete(sc.readers, seg)
	}
}

// scanOf is the scan being filled for a segment.
func (sc *scanner) scanOf(seg int, stats media.SampleStats) *Scan {
	s := sc.open[seg]
	if s == nil {
		s = &Scan{}
		sc.open[seg] = s
	}
	if stats.SourceWidth > 0 {
		s.Width, s.Height = stats.SourceWidth, stats.SourceHeight
	}
	return s
}

func (sc *scanner) chunk(ctx context.Context, c chunk, r chunkResult) error {
	s := sc.scanOf(c.seg, r.stats)
	if r.err != nil {
		if errors.Is(r.err, context.Canceled) || fault.KindOf(r.err) != fault.Media {
			return r.err
		}
		s.Note = r.err.Error() // what was read is kept; the rest is not footage
	}
	// Segments two or more behind this one can take no close looks any more.
	for ; sc.low < c.seg-1; sc.low++ {
		if done, ok := sc.open[sc.low]; ok {
			if err := sc.flush(ctx, sc.low, done); err != nil {
				return err
			}
		}
	}
	var left []time.Duration // keyframes left undecoded since the last sample
	for _, p := range r.pics {
		if p.skipped {
			left = append(left, p.at)
			continue
		}
		kind := Key
		if !p.key {
			kind = Between
		}
		s.SampleW, s.SampleH = p.w, p.h
		pl := placed{seg: c.seg, at: p.at, when: sc.segs[c.seg].Start.Add(p.at), pix: p.pix}
		if len(left) > 0 {
			if sc.needsLeft(pl) {
				if err := sc.decodeLeft(ctx, c.seg, left, p.at); err != nil {
					return err
				}
			} else {
				pl.idle = len(left)
			}
		}
		left = left[:0]
		if err := sc.sample(ctx, pl, kind, p.w, p.h); err != nil {
			return err
		}
	}
	return nil
}

// needsLeft says whether the keyframes left undecoded before p are
// wanted: when the sample before them or p shows any change the most
// sensitive question could count, or there is no background yet to tell.
func (sc *scanner) needsLeft(p placed) bool {
	m := sc.m
	if m == nil || !m.ready || sc.prev == nil || sc.prev.wide || sc.prev.seg != p.seg || len(p.pix) != m.w*m.h {
		return true
	}
	_, total := m.score(p.pix, m.prev, m.current())
	return total >= thresholdPixels(MaxSensitivity, m.w*m.h)
}

// decodeLeft decodes the keyframes left out at offsets left (before the
// sample at next) and takes them in order.
func (sc *scanner) decodeLeft(ctx context.Context, seg int, left []time.Duration, next time.Duration) error {
	r, err := sc.reader(seg)
	if err != nil {
		if fault.KindOf(err) == fault.Media {
			return nil // the keyframes decoded stand
		}
		return err
	}
	last := left[len(left)-1]
	var pics []picture
	_, err = r.Look(ctx, left[0], last+(next-last)/2, 0, func(x media.Sample) error {
		pics = append(pics, picture{at: x.Offset, key: x.Key, w: x.Width, h: x.Height, pix: append([]byte(nil), x.Pix...)})
		return nil
	})
	if err != nil && fault.KindOf(err) != fault.Media {
		return err
	}
	for _, p := range pics {
		if err := sc.sample(ctx, placed{seg: seg, at: p.at, when: sc.segs[seg].Start.Add(p.at), pix: p.pix}, Key, p.w, p.h); err != nil {
			return err
		}
	}
	return nil
}

// sample takes one sample in order of time.
func (sc *scanner) sample(ctx context.Context, p placed, kind Kind, w, h int) error {
	if sc.m != nil && (sc.m.w != w || sc.m.h != h) || sc.prev != nil && p.when.Sub(sc.prev.when) > resetGap {
		if err := sc.startModel(ctx); err != nil { // whatever waits is scored with what it has
			return err
		}
		sc.m, sc.prev, sc.run = nil, nil, 0
	}
	if sc.m == nil {
		sc.m = newModel(w, h)
	}
	if !sc.m.ready {
		sc.warm = append(sc.warm, p)
		sc.warmKinds = append(sc.warmKinds, kind)
		if len(sc.warm) < warmSamples {
			return nil
		}
		return sc.startModel(ctx)
	}
	return sc.take(ctx, p, kind)
}

// startModel makes the background from the waiting samples and scores them.
func (sc *scanner) startModel(ctx context.Context) error {
	if len(sc.warm) == 0 || sc.m == nil {
		return nil
	}
	pics := make([][]byte, len(sc.warm))
	for i, p := range sc.warm {
		pics[i] = p.pix
	}
	sc.m.start(pics)
	warm, kinds := sc.warm, sc.warmKinds
	sc.warm, sc.warmKinds = nil, nil
	for i, p := range warm {
		if err := sc.take(ctx, p, kinds[i]); err != nil {
			return err
		}
	}
	return nil
}

// take scores a sample against the background and the sample before it,
// looks closely at the edges of a run of activity, and learns from it.
func (sc *scanner) take(ctx context.Context, p placed, kind Kind) error {
	// The first sample after the background started is compared with the
	// background alone (the model's previous picture is the background).
	cells, total := sc.m.score(p.pix, sc.m.prev, sc.m.current())
	p.active = total >= thresholdPixels(DefaultSensitivity, sc.m.w*sc.m.h)
	p.wide = total >= thresholdPixels(MaxSensitivity, sc.m.w*sc.m.h)
	s := sc.scanOf(p.seg, media.SampleStats{})
	s.Samples = append(s.Samples, Sample{At: p.at, Kind: kind, Cells: cells})
	prevActive := sc.prev != nil && sc.prev.active
	switch {
	case p.active && !prevActive:
		sc.run, sc.before, sc.runFirst = 1, sc.prev, &p
		if sc.before != nil {
			sc.beforeSt = sc.m.snapshot()
		}
	case p.active:
		sc.run++
		if sc.run == 2 && sc.before != nil {
			// A run, not a blip: look closely at how it began, against the
			// background and the picture before it.
			if err := sc.closeLook(ctx, *sc.before, *sc.runFirst, sc.before.pix, sc.beforeSt); err != nil {
				return err
			}
		}
	case prevActive && sc.run >= 2:
		// The run ended: look closely at how, against the picture after it.
		if err := sc.closeLook(ctx, *sc.prev, p, p.pix, sc.m.current()); err != nil {
			return err
		}
		sc.run = 0
	default:
		sc.run = 0
	}
	for range 1 + p.idle {
		sc.m.update(p.pix)
	}
	sc.prev = &p
	return nil
}

// closeLook decodes the frames between samples a and b (of one segment)
// every CloseEvery and scores each against st and ref, adding them to the
// segment's scan. Samples in different segments are left as they are.
func (sc *scanner) closeLook(ctx context.Context, a, b placed, ref []byte, st state) error {
	if a.seg != b.seg || b.at-a.at <= CloseEvery || sc.refined[[2]time.Time{a.when, b.when}] {
		return nil
	}
	sc.refined[[2]time.Time{a.when, b.when}] = true
	s := sc.open[a.seg]
	if s == nil {
		return nil // already saved
	}
	var frames []media.Sample
	r, err := sc.reader(a.seg)
	if err != nil {
		if fault.KindOf(err) == fault.Media {
			return nil
		}
		return err
	}
	_, err = r.Look(ctx, a.at+time.Millisecond, b.at, CloseEvery, func(x media.Sample) error {
		if x.Width == sc.m.w && x.Height == sc.m.h {
			x.Pix = append([]byte(nil), x.Pix...)
			frames = append(frames, x)
		}
		return nil
	})
	if err != nil && fault.KindOf(err) != fault.Media {
		return err
	}
	// What changes between most of these frames (a clock's tenths, a time
	// code's fast bits) changes too fast to be seen from keyframe to
	// keyframe: it is not counted here either.
	fast := st
	fast.busy = slices.Clone(st.busy)
	changes := make([]int, len(fast.busy))
	for i := 1; i < len(frames); i++ {
		for p, v := range frames[i].Pix {
			thr := max(float32(minDiff), noiseK*st.noise[p])
			if far(float32(v)-float32(frames[i-1].Pix[p]), thr) {
				changes[p]++
			}
		}
	}
	for p, n := range changes {
		if len(frames) > 2 && 3*n > len(frames)-1 {
			fast.busy[p] = 1
		}
	}
	for _, x := range frames {
		cells, _ := sc.m.score(x.Pix, ref, fast)
		s.Samples = append(s.Samples, Sample{At: x.Offset, Kind: Close, Cells: cells})
	}
	return nil // a damaged stretch keeps what was read; the keyframes stand
}

func (sc *scanner) flush(ctx context.Context, seg int, s *Scan) error {
	delete(sc.open, seg)
	if r := sc.readers[seg]; r != nil {
		r.Close()
		delete(sc.readers, seg)
	}
	if sc.o.Save == nil {
		return nil
	}
	return sc.o.Save(ctx, Scanned{Segment: sc.segs[seg], Scan: s})
}

func (sc *scanner) finish(ctx context.Context) error {
	if err := sc.startModel(ctx); err != nil {
		return err
	}
	for i := range sc.segs {
		if s, ok := sc.open[i]; ok {
			if err := sc.flush(ctx, i, s); err != nil {
				return err
			}
		}
	}
	if sc.o.Keep == nil || sc.m == nil || !sc.m.ready || sc.prev == nil {
		return nil
	}
	data, err := pack(sc.m.encode())
	if err != nil {
		return err
	}
	return sc.o.Keep(ctx, State{End: sc.prev.when, Data: data})
}

// resume takes up the background where an earlier scan ended, when the
// first segment follows it (within resetGap).
func (sc *scanner) resume(st *State) error {
	if st == nil || len(sc.segs) == 0 {
		return nil
	}
	if d := sc.segs[0].Start.Sub(st.End); d < -time.Second || d > resetGap {
		return nil
	}
	raw, err := unpack(st.Data)
	if err != nil {
		return nil // an unreadable state: start afresh
	}
	m, err := decodeModel(raw)
	if err != nil {
		return nil
	}
	sc.m = m
	sc.prev = &placed{seg: -1, when: st.End, pix: slices.Clone(m.prev)}
	return nil
}

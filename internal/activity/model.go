// Package activity finds the periods in which something moves in a
// camera's picture without decoding every frame. Keyframes (or, where they
// are far apart, one frame every two seconds) are decoded at reduced size
// (media.Samples) and compared with a background model of the camera's
// scene that follows slow changes of light; where a period of activity
// begins and ends, the frames between two keyframes are looked at too. What
// each sample showed is kept per segment as a small grid of counts
// (Scan), so that a question about another region, sensitivity or minimum
// length is answered from the store without decoding again (Periods).
package activity

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Version is the version of the model and of the stored scans: scans made
// by another version are made again.
const Version = 1

// The model's parameters.
const (
	// warmSamples are the samples whose per-pixel median starts the
	// background: a person in fewer than half of them is not part of it.
	warmSamples = 9
	// minDiff is the least difference (grey levels, 0–255) counted as
	// change, whatever the noise.
	minDiff = 10
	// noiseK: a pixel changed when it differs by more than noiseK times its
	// usual variation (its noise).
	noiseK = 3
	// bgRate is how fast the background follows the picture where nothing
	// moves (per sample: about 20 s to follow a change of light at one
	// sample every 2 s; the gain follows faster changes at once).
	bgRate = 0.1
	// noiseRate is how fast a pixel's usual variation is learnt.
	noiseRate = 0.05
	// stillAbsorb: a change that stays put for this many samples is
	// scenery (a parked car, a light switched on) and becomes background;
	// what it replaced is kept as the pixel's second look.
	stillAbsorb = 2
	// A pixel's second look (a lamp on and off, a digit of the recorder's
	// clock, a block of a time code) counts as background once seen twice
	// (seen2 ≥ 2), and is forgotten at seenDecay per sample.
	seenDecay = 0.005
	// busyRate and busyLimit: a pixel that moved in more than busyLimit of
	// recent samples (learnt at busyRate per sample) is a flickering lamp,
	// a running clock or leaves in the wind, not a passer-by (who moves a
	// pixel in one or two samples): it is not counted.
	busyRate  = 0.1
	busyLimit = 0.2
)

// model is a camera's background: per pixel of the reduced picture its
// expected level, a second level it is known to take, and its usual
// variation.
type model struct {
	w, h  int
	bg    []float32
	bg2   []float32 // the second look
	seen2 []float32 // how often the second look was seen lately
	noise []float32
	busy  []float32 // how often the pixel moved lately
	still []uint8   // samples the pixel has stayed at its second look
	prev  []byte    // the last sample, for telling movement from a lasting change
	ready bool

	// scratch
	cand []bool
	hist [256]int
}

// state is the background as scoring needs it.
type state struct {
	bg, bg2, seen2, noise, busy []float32
}

func newModel(w, h int) *model {
	n := w * h
	return &model{w: w, h: h, bg: make([]float32, n), bg2: make([]float32, n), seen2: make([]float32, n), noise: make([]float32, n),
		busy: make([]float32, n), still: make([]uint8, n), prev: make([]byte, n), cand: make([]bool, n)}
}

// start makes the background from the first samples: per pixel their
// median, their median absolute deviation as the noise, and the median of
// the values far from it as the second look.
func (m *model) start(pics [][]byte) {
	vals := make([]float32, len(pics))
	dev := make([]float32, len(pics))
	var far []float32
	for p := range m.bg {
		for i, pic := range pics {
			vals[i] = float32(pic[p])
		}
		slices.Sort(vals)
		med := vals[len(vals)/2]
		for i, v := range vals {
			dev[i] = float32(math.Abs(float64(v - med)))
		}
		slices.Sort(dev)
		m.bg[p] = med
		m.noise[p] = min(max(1.5*dev[len(dev)/2], 1.5), 40)
		m.still[p] = 0
		thr := max(float32(minDiff), noiseK*m.noise[p])
		far = far[:0]
		for _, v := range vals {
			if v-med > thr || med-v > thr {
				far = append(far, v)
			}
		}
		m.bg2[p], m.seen2[p] = 0, 0
		if len(far) > 0 {
			m.bg2[p], m.seen2[p] = far[len(far)/2], float32(len(far))
		}
		// A pixel that changed between many of the first samples is busy
		// from the start (a passer-by changes it twice: coming and going).
		changed := 0
		for i := 1; i < len(pics); i++ {
			if d := float32(pics[i][p]) - float32(pics[i-1][p]); d > thr || d < -thr {
				changed++
			}
		}
		m.busy[p] = 0
		if n := len(pics) - 1; n >= 4 && float32(changed) > 0.3*float32(n) {
			m.busy[p] = 2 * busyLimit
		}
	}
	for p := range m.prev {
		m.prev[p] = byte(m.bg[p] + 0.5)
	}
	m.ready = true
}

func (m *model) snapshot() state {
	return state{bg: slices.Clone(m.bg), bg2: slices.Clone(m.bg2), seen2: slices.Clone(m.seen2), noise: slices.Clone(m.noise), busy: slices.Clone(m.busy)}
}

func (m *model) current() state {
	return state{bg: m.bg, bg2: m.bg2, seen2: m.seen2, noise: m.noise, busy: m.busy}
}

// gain is the median ratio of pic to ref over pixels bright enough to
// tell: a change of light over the whole picture (the sun behind a cloud,
// the camera's exposure, a flicker) is a change of gain, not activity.
func (m *model) gain(pic []byte, ref func(p int) float32) float32 {
	m.hist = [256]int{}
	n := 0
	for p, v := range pic {
		r := ref(p)
		if r < 24 {
			continue
		}
		q := int(float32(v) / r * 64)
		m.hist[min(q, 255)]++
		n++
	}
	if n < len(pic)/8 {
		return 1
	}
	half := 0
	for q, c := range m.hist {
		half += c
		if half*2 >= n {
			return (float32(q) + 0.5) / 64
		}
	}
	return 1
}

func far(d, thr float32) bool { return d > thr || d < -thr }

// lit is a level times a gain, as the picture can show it: a highlight
// that is already white cannot get brighter.
func lit(v, g float32) float32 { return min(v*g, 255) }

// score counts, per cell of a Cols×Rows grid, the pixels of pic that
// differ from the background's looks (after the gain) and also from ref (so
// that they moved, not only changed once), leaving out busy pixels and
// isolated ones. It returns the grid and the number of pixels counted.
func (m *model) score(pic, ref []byte, st state) (cells [Cells]uint8, total int) {
	w, h := m.w, m.h
	g := m.gain(pic, func(p int) float32 { return st.bg[p] })
	gr := m.gain(pic, func(p int) float32 { return float32(ref[p]) })
	for p, v := range pic {
		thr := max(float32(minDiff), noiseK*st.noise[p])
		x := float32(v)
		fg := far(x-lit(st.bg[p], g), thr) && (st.seen2[p] < 2 || far(x-lit(st.bg2[p], g), thr))
		m.cand[p] = fg && far(x-lit(float32(ref[p]), gr), thr) && st.busy[p] <= busyLimit
	}
	var counts [Cells]int
	for y := 0; y < h; y++ {
		cy := y * Rows / h
		for x := 0; x < w; x++ {
			p := y*w + x
			if !m.cand[p] {
				continue
			}
			nb := 0
			if x > 0 && m.cand[p-1] {
				nb++
			}
			if x+1 < w && m.cand[p+1] {
				nb++
			}
			if y > 0 && m.cand[p-w] {
				nb++
			}
			if y+1 < h && m.cand[p+w] {
				nb++
			}
			if nb < 2 {
				continue
			}
			counts[cy*Cols+x*Cols/w]++
			total++
		}
	}
	for i, c := range counts {
		cells[i] = uint8(min(c, 255))
	}
	return cells, total
}

// update learns from a sample: the background follows the picture where
// it matches it; a pixel that stays at a new level becomes background and
// its old level its second look; noise and busyness follow how the pixel
// varies.
func (m *model) update(pic []byte) {
	g := m.gain(pic, func(p int) float32 { return m.bg[p] })
	gp := m.gain(pic, func(p int) float32 { return float32(m.prev[p]) })
	for p, v := range pic {
		x := float32(v)
		thr := max(float32(minDiff), noiseK*m.noise[p])
		d := x - lit(m.bg[p], g)
		ad := float32(math.Abs(float64(d)))
		moved := far(x-lit(float32(m.prev[p]), gp), thr)
		fg := ad > thr && (m.seen2[p] < 2 || far(x-lit(m.bg2[p], g), thr))
		if moved && fg {
			m.busy[p] += busyRate * (1 - m.busy[p])
		} else {
			m.busy[p] -= busyRate * m.busy[p]
		}
		switch {
		case ad <= thr:
			m.bg[p] += bgRate * (x - m.bg[p])
			m.still[p] = 0
		case !far(x-lit(m.bg2[p], g), thr) && m.seen2[p] > 0:
			m.bg2[p] += bgRate * (x/g - m.bg2[p])
			m.seen2[p] = min(m.seen2[p]+1, 8)
			if m.still[p]++; m.still[p] >= stillAbsorb {
				m.bg[p], m.bg2[p] = m.bg2[p], m.bg[p]
				m.seen2[p], m.still[p] = max(m.seen2[p], 2), 0
			}
		default:
			m.bg2[p], m.seen2[p], m.still[p] = x/g, 1, 1
		}
		m.seen2[p] = max(m.seen2[p]-seenDecay, 0)
		m.noise[p] = max(m.noise[p]+noiseRate*(min(ad, 2*thr)-m.noise[p]), 1)
	}
	copy(m.prev, pic)
}

// encode packs the model for the next scan to go on from (deflated by the
// caller's format): per pixel its looks, noise, busyness and last level.
func (m *model) encode() []byte {
	n := m.w * m.h
	out := make([]byte, 0, 8+10*n)
	out = binary.AppendUvarint(out, uint64(m.w))
	out = binary.AppendUvarint(out, uint64(m.h))
	q16 := func(v float32) []byte {
		u := uint16(min(max(v, 0), 255.99) * 256)
		return []byte{byte(u >> 8), byte(u)}
	}
	for p := 0; p < n; p++ {
		out = append(out, q16(m.bg[p])...)
		out = append(out, q16(m.bg2[p])...)
		out = append(out, q16(m.noise[p])...)
		out = append(out, byte(min(m.seen2[p]*16, 255)), byte(min(m.busy[p]*255, 255)), m.still[p], m.prev[p])
	}
	return out
}

// decodeModel unpacks a model written by encode.
func decodeModel(data []byte) (*model, error) {
	r := bytes.NewReader(data)
	w, err1 := binary.ReadUvarint(r)
	h, err2 := binary.ReadUvarint(r)
	if err1 != nil || err2 != nil || w == 0 || h == 0 || w > 320 || h > 320 || r.Len() != int(w*h)*10 {
		return nil, fmt.Errorf("activity model: bad size")
	}
	m := newModel(int(w), int(h))
	rest := data[len(data)-r.Len():]
	f16 := func(b []byte) float32 { return float32(uint16(b[0])<<8|uint16(b[1])) / 256 }
	for p := range m.bg {
		b := rest[p*10 : p*10+10]
		m.bg[p], m.bg2[p], m.noise[p] = f16(b[0:]), f16(b[2:]), f16(b[4:])
		m.seen2[p], m.busy[p], m.still[p], m.prev[p] = float32(b[6])/16, float32(b[7])/255, b[8], b[9]
	}
	m.ready = true
	return m, nil
}

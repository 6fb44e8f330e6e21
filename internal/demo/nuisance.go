package demo

import (
	"fmt"
	"hash/fnv"
	"image"
	"math"
	"time"

	"github.com/klipp-forensics/klipp/internal/framecode"
	"github.com/klipp-forensics/klipp/internal/overlay"
)

// nuisance is what a real camera adds to a still scene that is not
// activity, so that finding the suspect's activity in the demo is not
// trivial: light that falls slowly (dusk, in steps of 0.5 %), the camera's
// exposure stepping up once, a failing lamp that flickers (off in some
// frames), and sensor noise that the encoder turns into compression noise:
// a new pattern every noise epoch (200 ms), of ±2 or ±3 grey levels by the
// minute (the camera's gain hunting), so that no one pattern can be
// learnt as background. The recorder's frame code and time stamp are
// written over it, as a recorder does.
type nuisance struct {
	length time.Duration
	dusk   float64       // the picture darkens by this share over the recording
	stepAt time.Duration // the exposure steps up at this time after the start (0: never)
	step   float64
	lamp   image.Rectangle // a failing lamp
	seed   uint32
	lut    [2][8][256]byte // per noise amplitude and level: the grey level after gain and noise
	lutFor float64
}

// noiseLevels is the sensor noise: ±2 grey levels, or ±3 in the minutes
// the camera's gain is up.
var noiseLevels = [2][8]int{{-2, -1, -1, 0, 0, 1, 1, 2}, {-3, -2, -1, 0, 0, 1, 2, 3}}

// noiseEpoch is how long one pattern of sensor noise lasts (every frame at
// 5 fps, which keeps the demo's files small at 25 fps).
const noiseEpoch = 200 * time.Millisecond

// spread is SplitMix64's finaliser: a well-spread 64-bit number from k.
func spread(k uint64) uint64 {
	k += 0x9e3779b97f4a7c15
	k = (k ^ k>>30) * 0xbf58476d1ce4e5b9
	k = (k ^ k>>27) * 0x94d049bb133111eb
	return k ^ k>>31
}

// noiseAt is the noise epoch's amplitude (0: ±2, 1: ±3) and the start of
// its pattern (never 0, which xorshift cannot leave).
func (n nuisance) noiseAt(at time.Duration) (amp int, r uint64) {
	amp = int(spread(uint64(n.seed)<<32|uint64(at/time.Minute)) % 3 / 2) // ±3 in about a third of the minutes
	r = spread(uint64(n.seed)<<32 ^ uint64(at/noiseEpoch)*0x2545f4914f6cdd1d)
	return amp, r | 1
}

func nuisanceFor(o Options, cam camera, v *visit) nuisance {
	h := fnv.New32a()
	h.Write([]byte(cam.ID))
	seed := h.Sum32()
	n := nuisance{length: o.Length, dusk: 0.10 + float64(seed%10)/100, seed: seed, lutFor: -1}
	// The exposure steps four minutes before the suspect comes (or after
	// the suspect has gone when that is too early).
	if v != nil {
		at := v.Enter - 4*time.Minute
		if at < time.Minute {
			at = v.Leave + 4*time.Minute
		}
		if at < o.Length {
			n.stepAt, n.step = at, 1.08
		}
	}
	// The lamp hangs on a building, above the street the suspect walks.
	w, hgt := max(8, o.Width/50), max(10, o.Height/24)
	x := o.Width/3 + int(seed>>8)%(o.Width/2)
	y := framecode.Height + 50 + int(seed>>16)%max(1, o.Height*55/100-framecode.Height-80)
	n.lamp = image.Rect(x, y, x+w, y+hgt)
	return n
}

// describe says what the nuisance is, for the ground truth.
func (n nuisance) describe(start time.Time) []string {
	out := []string{
		fmt.Sprintf("light falls by %.0f %% over the recording (dusk)", n.dusk*100),
		fmt.Sprintf("a failing lamp at x=%d y=%d (%dx%d px) goes off in some frames", n.lamp.Min.X, n.lamp.Min.Y, n.lamp.Dx(), n.lamp.Dy()),
		"sensor noise of ±2 grey levels, ±3 in about a third of the minutes, in a new pattern every 200 ms",
	}
	if n.stepAt > 0 {
		out = append(out, fmt.Sprintf("the exposure steps up by %.0f %% at %s", (n.step-1)*100, start.Add(n.stepAt).Format(time.RFC3339)))
	}
	return out
}

// lampOff reports whether the lamp is off in the frame shown at t: in
// about one frame in four, in short bursts.
func (n nuisance) lampOff(t time.Time) bool {
	x := n.seed ^ uint32(t.UnixMilli()/120) // bursts of about three frames at 25 fps
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	return x%4 == 0
}

// apply changes the light of the picture below the frame code for the
// frame at offset at from the start, and adds the noise.
func (n *nuisance) apply(img *image.YCbCr, at time.Duration) {
	gain := 1 - n.dusk*at.Seconds()/n.length.Seconds()
	if n.stepAt > 0 && at >= n.stepAt {
		gain *= n.step
	}
	gain = math.Round(gain*200) / 200
	if gain != n.lutFor {
		for a, levels := range noiseLevels {
			for k, d := range levels {
				for v := range n.lut[a][k] {
					n.lut[a][k][v] = byte(min(235, max(16, 16+math.Round(float64(v-16)*gain)+float64(d))))
				}
			}
		}
		n.lutFor = gain
	}
	amp, r := n.noiseAt(at)
	lut := &n.lut[amp]
	w := img.Rect.Dx()
	for y := framecode.Height; y < img.Rect.Dy(); y++ {
		row := img.Y[y*img.YStride : y*img.YStride+w]
		for len(row) >= 8 {
			r ^= r << 13
			r ^= r >> 7
			r ^= r << 17
			px := row[:8:8]
			px[0] = lut[r&7][px[0]]
			px[1] = lut[r>>8&7][px[1]]
			px[2] = lut[r>>16&7][px[2]]
			px[3] = lut[r>>24&7][px[3]]
			px[4] = lut[r>>32&7][px[4]]
			px[5] = lut[r>>40&7][px[5]]
			px[6] = lut[r>>48&7][px[6]]
			px[7] = lut[r>>56&7][px[7]]
			row = row[8:]
		}
		for i := range row {
			row[i] = lut[3][row[i]]
		}
	}
}

// lit draws the lamp on into the scene.
func (n nuisance) lit(bg *image.YCbCr) {
	overlay.Fill(bg, n.lamp, overlay.RGB(250, 235, 170))
}

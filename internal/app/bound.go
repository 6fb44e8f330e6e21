package app

import (
	"math"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/export"
)

// bound is the stated uncertainty of true time at on cam, derived through
// its clock model (clock.Offsets.Uncertainty) under klipp.yaml's drift
// bound, with one frame interval at fps (the segment's; the camera's when
// 0). An unverified clock has no bound (Known false).
func (s *Service) bound(cam *catalog.Camera, at time.Time, fps float64) clock.Bound {
	frame := export.FrameInterval(cam)
	if fps > 0 {
		frame = time.Duration(float64(time.Second) / fps)
	}
	return cam.Clock.Uncertainty(at, s.cfg.DriftBound, frame)
}

// boundSeconds is b in seconds rounded up to the millisecond, as JSON
// carries it; nil when there is no bound.
func boundSeconds(b clock.Bound) *float64 {
	if !b.Known {
		return nil
	}
	u := math.Ceil(b.Plus.Seconds()*1000) / 1000
	return &u
}

// BoundText is b as klipp's text output and still records show it:
// "± 0.6 s", or "no bound (clock not verified)".
func BoundText(b clock.Bound) string {
	if !b.Known {
		return "no bound (clock not verified)"
	}
	return "± " + clock.FormatPlus(b, ".") + " s"
}

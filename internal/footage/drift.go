package footage

import (
	"time"

	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Drift applies per frame, never per file: a frame's true time is its
// camera time minus the offset at that frame. A file's frames are placed
// by their offset from its start on the camera clock.

// TrueEnd is the true time at which a file that starts at camera time
// start and lasts d (by the camera clock) ends.
func TrueEnd(c clock.Offsets, start time.Time, d time.Duration) time.Time {
	return c.TrueTime(start.Add(d))
}

// FileOffset is the offset into segment s (from its first frame, by the
// camera clock) of true time t.
func FileOffset(c clock.Offsets, s *store.Segment, t time.Time) time.Duration {
	return c.CameraClock(t).Sub(s.CameraStart)
}

// FrameTrue is the true time of the frame at offset off into segment s.
func FrameTrue(c clock.Offsets, s *store.Segment, off time.Duration) time.Time {
	return c.TrueTime(s.CameraStart.Add(off))
}

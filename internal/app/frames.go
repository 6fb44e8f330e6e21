package app

import (
	"context"
	"image"
	"time"

	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
)

// FrameRequest asks for the frame a camera shows at a true time.
type FrameRequest struct {
	Camera string
	At     time.Time
}

// Frame is a decoded picture with its times: the frame on screen at the
// requested time (the last whose presentation time is at or before it).
type Frame struct {
	Image         image.Image
	At            time.Time // true time of the frame shown
	CameraClock   time.Time // what the camera's clock said then
	ClockVerified bool
	FPS           float64
	Source        string        // the segment file
	Offset        time.Duration // the frame's time from the file's first timestamp
	// Bound is At's stated uncertainty (the clock model's ±, one frame
	// interval included); Bound.Known is false for an unverified clock:
	// no bound.
	Bound clock.Bound
}

// Frame decodes the frame on screen at req.At. No footage there is a
// NotFound error naming the nearest footage.
func (s *Service) Frame(ctx context.Context, req FrameRequest) (Frame, error) {
	return s.frame(ctx, req, func(ctx context.Context, path string, off time.Duration) (media.Still, error) {
		stills, err := media.StillsAt(ctx, path, []time.Duration{off})
		if err != nil {
			return media.Still{}, err
		}
		return stills[0], nil
	})
}

func (s *Service) frame(ctx context.Context, req FrameRequest, decode func(ctx context.Context, path string, off time.Duration) (media.Still, error)) (Frame, error) {
	if err := s.Need(ctx, "view footage", "", RoleAnalyst, RoleArchivist); err != nil {
		return Frame{}, err
	}
	cam, err := s.Camera(req.Camera)
	if err != nil {
		return Frame{}, err
	}
	seg, err := footage.Locate(ctx, s.store, cam, req.At, s.show)
	if err != nil {
		return Frame{}, err
	}
	st, err := decode(media.WithFrameRate(ctx, seg.FPS), seg.Path, footage.FileOffset(cam.Clock, seg, req.At))
	if err != nil {
		return Frame{}, err
	}
	// Both times to the millisecond, as they are shown and typed.
	at := clock.FrameMilli(footage.FrameTrue(cam.Clock, seg, st.Offset))
	return Frame{Image: st.Image, At: at, CameraClock: clock.FrameMilli(seg.CameraStart.Add(st.Offset)), ClockVerified: cam.Clock.Verified(),
		FPS: seg.FPS, Source: seg.Path, Offset: st.Offset, Bound: s.bound(cam, at, seg.FPS)}, nil
}

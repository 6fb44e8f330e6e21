package app

import (
	"context"
	"sync"
	"time"

	"github.com/klipp-forensics/klipp/internal/media"
)

// FrameBrowser serves the frames of a viewer stepping through footage:
// it keeps each recent camera's file open with its decoder where it
// stopped, so a step forward decodes one frame instead of seeking. It
// holds the decoders of the last browserCameras cameras (a grid shows
// four).
type FrameBrowser struct {
	s     *Service
	mu    sync.Mutex
	open  map[string]*media.Browser
	order []string // least recently used first
}

const browserCameras = 4

// FrameBrowser returns a browser of the service's footage; Close frees it.
func (s *Service) FrameBrowser() *FrameBrowser {
	return &FrameBrowser{s: s, open: map[string]*media.Browser{}}
}

// Frame is Service.Frame through the camera's open decoder.
func (b *FrameBrowser) Frame(ctx context.Context, req FrameRequest) (Frame, error) {
	br := b.browser(req.Camera)
	return b.s.frame(ctx, req, func(ctx context.Context, path string, off time.Duration) (media.Still, error) {
		return br.At(ctx, path, off)
	})
}

func (b *FrameBrowser) browser(camera string) *media.Browser {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, c := range b.order {
		if c == camera {
			b.order = append(append(b.order[:i:i], b.order[i+1:]...), camera)
			return b.open[camera]
		}
	}
	if len(b.order) >= browserCameras {
		oldest := b.order[0]
		b.order = b.order[1:]
		go b.open[oldest].Close() // waits for a decode in progress
		delete(b.open, oldest)
	}
	br := &media.Browser{}
	b.open[camera], b.order = br, append(b.order, camera)
	return br
}

// Close frees every open decoder.
func (b *FrameBrowser) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, br := range b.open {
		br.Close()
	}
	b.open, b.order = map[string]*media.Browser{}, nil
}

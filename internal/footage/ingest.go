package footage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/store"
)

// PlaceFile probes a delivered file already copied into the evidence store
// and places it on the camera's timeline: the segment to store and where
// its start came from. Its camera-clock start is start if given, else the
// container's creation_time, else the time in its original name by the
// camera's file name pattern. sum is the SHA-256 taken at acquisition. A
// raw elementary stream is timed at fps, else the camera's fps; with
// neither it is refused (a usage error).
func PlaceFile(ctx context.Context, cam *catalog.Camera, path, originalName string, start *time.Time, sum string, fps float64) (store.Segment, string, error) {
	if fps <= 0 {
		fps = cam.FPS
	}
	ctx = media.WithFrameRate(ctx, fps)
	fi, err := os.Stat(path)
	if err != nil {
		return store.Segment{}, "", err
	}
	// Footage needs a video stream whose frames decode: a text file, an
	// empty or random one is refused, not kept as damaged footage.
	if err := media.CheckFootage(ctx, path); err != nil {
		if ctx.Err() != nil {
			return store.Segment{}, "", ctx.Err()
		}
		return store.Segment{}, "", fault.Mediaf("%s: not footage klipp can read: %s; nothing was ingested", originalName, trimPath(err.Error(), path))
	}
	seg := probeSegment(ctx, cam.ID, file{rel: filepath.Base(path), path: path, size: fi.Size(), mtime: fi.ModTime().UnixNano()})
	if seg.Status == store.StatusDamaged && strings.HasPrefix(seg.Damaged, "raw ") && strings.Contains(seg.Damaged, "without frame times") {
		return seg, "", fault.Usagef("%s: a raw %s stream carries no frame times: give its frame rate with --fps, or set the camera's fps; nothing was ingested", originalName, seg.Damaged[4:strings.Index(seg.Damaged, " stream")])
	}
	seg.Root, seg.Path = "", path // in the evidence store, not below the recordings
	from := "--start"
	switch {
	case start != nil:
	case seg.CreationTime != nil:
		start, from = seg.CreationTime, "the file's creation_time"
	case cam.Recordings.Pattern != nil:
		// The pattern may span directories: try the name with more and
		// more of its path.
		parts := strings.Split(filepath.ToSlash(originalName), "/")
		for i := len(parts) - 1; i >= 0 && start == nil; i-- {
			n, ok, err := cam.Recordings.Pattern.Match(strings.Join(parts[i:], "/"))
			if err == nil && ok {
				if c := n.Candidates(cam.Timezone); len(c) == 1 {
					start, from = &c[0], "the file name"
				}
			}
		}
	}
	if start == nil {
		return seg, "", fault.Usagef("%s: no start time in the file or its name; give the recording's start by the camera's clock with --start", originalName)
	}
	seg.CameraStart = *start
	seg.TrueStart = cam.Clock.TrueTime(*start)
	seg.TrueEnd = TrueEnd(cam.Clock, seg.CameraStart, seg.Duration)
	seg.SHA256 = sum
	seg.Note = "ingested; start from " + from
	return seg, from, nil
}

// AddFile places a delivered file (PlaceFile) and stores its segment.
func AddFile(ctx context.Context, st *store.Store, cam *catalog.Camera, path, originalName string, start *time.Time, sum string, now time.Time) (store.Segment, string, error) {
	seg, from, err := PlaceFile(ctx, cam, path, originalName, start, sum, 0)
	if err != nil {
		return seg, from, err
	}
	if err := st.AddSegment(ctx, seg, now); err != nil {
		return seg, from, fmt.Errorf("camera %s: index %s: %w", cam.ID, path, err)
	}
	return seg, from, nil
}

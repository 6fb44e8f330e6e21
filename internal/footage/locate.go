package footage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Locate returns the readable segment of cam whose true span holds t. When
// none does, the error is fault.NotFound and names the nearest footage
// before and after t.
func Locate(ctx context.Context, st *store.Store, cam *catalog.Camera, t time.Time, show func(time.Time) string) (*store.Segment, error) {
	segs, err := st.SegmentsBetween(ctx, cam.ID, t, t.Add(time.Nanosecond))
	if err != nil {
		return nil, fmt.Errorf("camera %s: %w", cam.ID, err)
	}
	for i := len(segs) - 1; i >= 0; i-- { // the latest start wins where files overlap
		s := segs[i]
		if s.Status != store.StatusAmbiguous && s.Duration > 0 && !t.Before(s.TrueStart) && t.Before(s.TrueEnd) {
			return &s, nil
		}
	}
	near, err := Nearest(ctx, st, cam, t, show)
	if err != nil {
		return nil, err
	}
	return nil, fault.NotFoundf("camera %s has no footage at %s: %s", cam.ID, show(t), near)
}

// Nearest describes the footage nearest t, for messages about missing footage.
func Nearest(ctx context.Context, st *store.Store, cam *catalog.Camera, t time.Time, show func(time.Time) string) (string, error) {
	before, after, err := st.Neighbours(ctx, cam.ID, t)
	if err != nil {
		return "", fmt.Errorf("camera %s: %w", cam.ID, err)
	}
	switch {
	case before != nil && after != nil:
		return fmt.Sprintf("nearest footage ends %s and starts again %s", show(before.TrueEnd), show(after.TrueStart)), nil
	case before != nil:
		return fmt.Sprintf("nearest footage ends %s", show(before.TrueEnd)), nil
	case after != nil:
		return fmt.Sprintf("nearest footage starts %s", show(after.TrueStart)), nil
	}
	return "the index has no footage for this camera (run klipp index)", nil
}

// SourceHash returns the SHA-256 of a segment file, computing and storing it
// the first time the segment is used as evidence. A file that changed since
// it was indexed is an error: re-index first.
func SourceHash(ctx context.Context, st *store.Store, seg *store.Segment) (string, error) {
	f, err := os.Open(seg.Path)
	if err != nil {
		return "", fault.NotFoundf("source %s: %v", seg.Path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("source %s: %w", seg.Path, err)
	}
	if fi.Size() != seg.Size || fi.ModTime().UnixNano() != seg.MTime {
		return "", fault.Usagef("source %s changed since it was indexed: run klipp index --camera %s", seg.Path, seg.Camera)
	}
	if seg.SHA256 != "" {
		return seg.SHA256, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", seg.Path, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := st.SetSHA256(ctx, seg.ID, sum); err != nil {
		return "", fmt.Errorf("hash %s: %w", seg.Path, err)
	}
	seg.SHA256 = sum
	return sum, nil
}

package footage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Locate returns the readable segment of cam whose true span holds t. When
// none does, the error is fault.NotFound and names the nearest footage
// before and after t.
func Locate(ctx context.Context, st *store.Store, cam *catalog.Camera, t time.Time, show func(time.Time) string) (*store.Segment, error) {
	segs, err := segmentsBetween(ctx, st, cam, t, t.Add(time.Nanosecond))
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

// RootRecordings names a camera's recordings directory as the root of the
// segment paths stored under it.
const RootRecordings = store.RootRecordings

// resolve makes a stored segment's path one this machine can open.
func resolve(cam *catalog.Camera, s *store.Segment) {
	if s.Root == RootRecordings {
		s.Path = filepath.Join(cam.Recordings.Path, filepath.FromSlash(s.Path))
	}
}

// segmentsBetween reads a camera's segments overlapping [from, to) with
// their paths resolved.
func segmentsBetween(ctx context.Context, st *store.Store, cam *catalog.Camera, from, to time.Time) ([]store.Segment, error) {
	if err := cam.Recordings.Reachable(cam.ID); err != nil {
		return nil, err
	}
	segs, err := st.SegmentsBetween(ctx, cam.ID, from, to)
	for i := range segs {
		resolve(cam, &segs[i])
	}
	return segs, err
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

// ChangedError is a source file whose bytes are no longer the ones
// hashed when it was first used as evidence.
type ChangedError struct {
	File, Recorded, Now string
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("source %s changed since it was first used as evidence: its SHA-256 was %s and is now %s; the original must be recovered, klipp will not use it",
		e.File, e.Recorded, e.Now)
}

// SourceHash returns the SHA-256 of a segment file's current bytes. The hash
// stored at first use is reused only while the file provably is the one
// hashed: same size, mtime, ctime and inode (ctime cannot be set back from
// user space). Otherwise the file is hashed again: a different hash is a
// *ChangedError (fault.Storage), the stored hash is kept as evidence of what
// was there, and the caller audits it.
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
	ctime, inode := fileIdentity(fi)
	sameFile := fi.Size() == seg.Size && fi.ModTime().UnixNano() == seg.MTime
	if seg.SHA256 != "" && sameFile && ctime == seg.HashedCTime && inode == seg.HashedInode {
		return seg.SHA256, nil
	}
	if seg.SHA256 == "" && !sameFile {
		return "", fault.Usagef("source %s changed since it was indexed: run klipp index --camera %s", seg.Path, seg.Camera)
	}
	_, sum, err := digest.Reader(f)
	if err != nil {
		return "", fault.Storagef("hash %s: %w", seg.Path, err)
	}
	if seg.SHA256 != "" && sum != seg.SHA256 {
		return "", fault.Wrap(fault.Storage, &ChangedError{File: seg.Path, Recorded: seg.SHA256, Now: sum})
	}
	if err := st.SetSHA256(ctx, seg.ID, sum, ctime, inode); err != nil {
		return "", fmt.Errorf("hash %s: %w", seg.Path, err)
	}
	seg.SHA256, seg.HashedCTime, seg.HashedInode = sum, ctime, inode
	return sum, nil
}

// fileIdentity is a file's change time (ns) and inode.
func fileIdentity(fi os.FileInfo) (int64, uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ctim.Sec*1e9 + st.Ctim.Nsec, st.Ino
	}
	return 0, 0
}

package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/store"
)

// IngestRequest asks for delivered recordings to be taken into the
// evidence store.
type IngestRequest struct {
	Files  []string
	Camera string
	// Start is the recording's start by the camera's clock; one file only.
	// Without it the start is the file's creation_time, else the time in
	// its name by the camera's pattern.
	Start *time.Time
	// Note says how the files were delivered.
	Note string
	// FPS is the frame rate of raw elementary streams (.264, .265), which
	// carry no times; 0: the camera's fps.
	FPS float64
	// Channel is the channel of a Dahua DAV file that is this camera's
	// (as the chunk headers number it, from 0; klipp probe lists them);
	// required for DAV files, refused for others.
	Channel *int
}

// IngestRecord is what klipp keeps of a delivered file: where it came
// from, its hash at acquisition, and where the evidence copy is. It is
// also written beside the copy as <stored>.json.
type IngestRecord struct {
	Original     string    `json:"original"`
	OriginalSize int64     `json:"original_size"`
	OriginalTime time.Time `json:"original_mtime"`
	SHA256       string    `json:"sha256"`
	Stored       string    `json:"stored"`
	Camera       string    `json:"camera"`
	Acquired     time.Time `json:"acquired"`
	By           string    `json:"by"`
	Note         string    `json:"note,omitempty"`
	CameraStart  time.Time `json:"camera_clock_start"`
	TrueStart    time.Time `json:"true_start"`
	TrueEnd      time.Time `json:"true_end"`
	StartFrom    string    `json:"start_from"`
	Status       string    `json:"status"`
	Damage       string    `json:"damage,omitempty"`
	Already      bool      `json:"already_ingested"`
	// A DAV channel is remuxed into an MP4 beside the DAV copy (which is
	// Stored, bit-exact, SHA256): the footage on the timeline is Remuxed.
	DAVChannel    *int   `json:"dav_channel,omitempty"`
	Remuxed       string `json:"remuxed,omitempty"`
	RemuxedSHA256 string `json:"remuxed_sha256,omitempty"`
	RemuxNote     string `json:"remux_note,omitempty"`
}

// IngestResult is every file of the request, in order.
type IngestResult struct {
	Files []IngestRecord
}

// Ingest copies each file into <data_dir>/evidence/<camera>/, hashing it
// as it is read and checking the copy, makes the copy read-only, probes it
// and places it on the camera's timeline. The segment and the ingest's
// audit entry are stored together; the record beside the copy, which marks
// it as ingested, is given its name only after. A file ingested before is
// not copied again. The original is never changed.
func (s *Service) Ingest(ctx context.Context, req IngestRequest, ev Events) (IngestResult, error) {
	if err := s.Need(ctx, "ingest", "", RoleAnalyst); err != nil {
		return IngestResult{}, err
	}
	ev = events(ev)
	var res IngestResult
	if len(req.Files) == 0 {
		return res, fault.Fieldf("files", "give the delivered files")
	}
	if req.Camera == "" {
		return res, fault.Fieldf("camera", "required: the camera that recorded the files (klipp cameras list)")
	}
	cam, err := s.Camera(req.Camera)
	if err != nil {
		return res, err
	}
	if req.FPS < 0 || req.FPS > 240 {
		return res, fault.Fieldf("fps", "give a frame rate from 0 to 240")
	}
	if req.Start != nil && len(req.Files) > 1 {
		return res, fault.Fieldf("start", "gives one file's start: ingest the %d files one at a time, or without it if they carry their times", len(req.Files))
	}
	for _, f := range req.Files {
		if fi, err := os.Stat(f); err != nil || !fi.Mode().IsRegular() {
			return res, fault.NotFoundf("%s: not a readable file", f)
		}
		switch isDAV := isDAVFile(f); {
		case isDAV && req.Channel == nil && cam.DAVChannel == nil:
			return res, fault.Fieldf("channel", "%s is a Dahua DAV file, which holds several channels: give the camera's with --channel N (klipp probe lists them) or dav_channel in cameras.yaml", filepath.Base(f))
		case !isDAV && req.Channel != nil:
			return res, fault.Fieldf("channel", "%s is not a DAV file: --channel is for DAV files only", filepath.Base(f))
		}
	}
	if req.Channel != nil && (*req.Channel < 0 || *req.Channel > 255) {
		return res, fault.Fieldf("channel", "give a DAV channel from 0 to 255")
	}
	for _, f := range req.Files {
		freq := req
		if freq.Channel == nil && cam.DAVChannel != nil && isDAVFile(f) {
			ch := *cam.DAVChannel // the camera's channel, from cameras.yaml
			freq.Channel = &ch
		}
		r, err := s.ingestFile(ctx, cam, f, freq, ev)
		if err != nil {
			return res, err
		}
		res.Files = append(res.Files, r)
	}
	return res, nil
}

func (s *Service) ingestFile(ctx context.Context, cam *catalog.Camera, src string, req IngestRequest, ev Events) (IngestRecord, error) {
	suffix := ""
	if req.Channel != nil {
		suffix = davSuffix(*req.Channel)
	}
	r, err := s.copyEvidence(ctx, cam, src, suffix, req.Note, ev)
	if err != nil || r.Already {
		return r, err
	}
	placed := false
	defer func() {
		if placed {
			return
		}
		// Not placed: nothing ingested. A DAV copy another channel's
		// footage came from stays.
		if other, _ := filepath.Glob(r.Stored + ".ch*.mp4.json"); len(other) == 0 {
			os.Remove(r.Stored)
		}
		if r.Remuxed != "" {
			os.Remove(r.Remuxed)
		}
	}()
	var seg store.Segment
	var from string
	hashes := map[string]string{r.Original: r.SHA256, r.Stored: r.SHA256}
	if req.Channel != nil {
		if req.Start != nil {
			return r, fault.Fieldf("start", "a DAV file's frames carry their times: ingest it without --start")
		}
		if seg, err = placeDAV(ctx, cam, &r, *req.Channel); err != nil {
			return r, err
		}
		from = "the DAV chunks' dates and millisecond counters"
		hashes[r.Remuxed] = r.RemuxedSHA256
	} else if seg, from, err = footage.PlaceFile(ctx, cam, r.Stored, r.Original, req.Start, r.SHA256, req.FPS); err != nil {
		return r, err
	}
	r.CameraStart, r.TrueStart, r.TrueEnd, r.StartFrom, r.Status, r.Damage = seg.CameraStart, seg.TrueStart, seg.TrueEnd, from, seg.Status, seg.Damaged
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return r, err
	}
	side, err := atomicfile.Create(r.Stored + suffix + ".json")
	if err != nil {
		return r, fault.Wrap(fault.Storage, err)
	}
	defer side.Abort()
	if _, err := side.Write(append(data, '\n')); err != nil {
		return r, fault.Wrap(fault.Storage, err)
	}
	entry := audit.Entry{Action: "ingest", Camera: cam.ID, Hashes: hashes,
		Detail: map[string]string{"original": r.Original, "stored": r.Stored, "camera_clock_start": r.CameraStart.Format(time.RFC3339Nano),
			"start_from": from, "note": req.Note, "status": r.Status}}
	if r.Remuxed != "" {
		entry.Detail["remuxed"], entry.Detail["remux_note"] = r.Remuxed, r.RemuxNote
	}
	if _, err := s.change(ctx, entry, func(tx *store.Store) error {
		if err := tx.AddSegment(ctx, seg, s.now()); err != nil {
			return fmt.Errorf("camera %s: index %s: %w", cam.ID, r.Stored, err)
		}
		return nil
	}); err != nil {
		return r, err
	}
	placed = true
	if err := side.Commit(); err != nil {
		return r, fault.Wrap(fault.Storage, fmt.Errorf("%s is ingested and audited, but its record beside it could not be written: %w", r.Stored, err))
	}
	return r, nil
}

// copyEvidence copies one delivered file into the evidence store, hashing
// it as it is read, and checks the copy; an identical file ingested before
// is not copied again.
// suffix names the footage whose record marks the file as ingested (a DAV
// channel's MP4), "" for the file itself.
func (s *Service) copyEvidence(ctx context.Context, cam *catalog.Camera, src, suffix, note string, ev Events) (IngestRecord, error) {
	abs, err := filepath.Abs(src)
	if err != nil {
		return IngestRecord{}, fault.Wrap(fault.Usage, err)
	}
	in, err := os.Open(src)
	if err != nil {
		return IngestRecord{}, fault.NotFoundf("%s: %v", src, err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return IngestRecord{}, fault.Wrap(fault.Storage, err)
	}
	r := IngestRecord{Original: abs, OriginalSize: fi.Size(), OriginalTime: fi.ModTime().UTC(), Camera: cam.ID, Acquired: s.now().UTC(), By: s.Who(), Note: note}
	dir := filepath.Join(s.cfg.Roots["evidence"], cam.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, fault.Wrap(fault.Storage, err)
	}
	if err := sweepTemporaries(dir); err != nil {
		return r, err
	}
	tmp, err := atomicfile.Create(filepath.Join(dir, filepath.Base(src)))
	if err != nil {
		return r, fault.Wrap(fault.Storage, err)
	}
	defer tmp.Abort()
	label := "ingest " + filepath.Base(src)
	h := digest.NewWriter(tmp)
	n, err := io.Copy(h, &progressReader{ctx: ctx, r: in, total: fi.Size(), report: func(done, total int64) { ev.Progress(label, done, total) }})
	if err != nil {
		return r, fault.Wrap(fault.Storage, fmt.Errorf("copy %s: %w", src, err))
	}
	if n != fi.Size() {
		return r, fault.Storagef("%s changed while it was copied (%d bytes read, %d expected)", src, n, fi.Size())
	}
	r.SHA256 = h.Sum()
	r.Stored = filepath.Join(dir, r.SHA256[:16]+"-"+filepath.Base(src))
	if _, err := os.Stat(r.Stored + suffix + ".json"); err == nil {
		r.Already = true // copied and indexed before
		return r, nil
	}
	if _, sum, err := digest.File(r.Stored); suffix != "" && err == nil && sum == r.SHA256 {
		return r, nil // the same DAV file, ingested for another channel
	}
	os.Remove(r.Stored) // a copy left by an ingest that could not place it
	if err := tmp.CommitAs(r.Stored); err != nil {
		return r, fault.Wrap(fault.Storage, err)
	}
	if _, sum, err := digest.File(r.Stored); err != nil || sum != r.SHA256 {
		os.Remove(r.Stored)
		return r, fault.Storagef("the evidence copy of %s does not match the SHA-256 read from it (%s); nothing was ingested", src, r.SHA256)
	}
	if err := os.Chmod(r.Stored, 0o444); err != nil {
		os.Remove(r.Stored)
		return r, fault.Wrap(fault.Storage, err)
	}
	return r, nil
}

// progressReader reports bytes read and stops when ctx is cancelled.
type progressReader struct {
	ctx    context.Context
	r      io.Reader
	done   int64
	total  int64
	report func(done, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	if err := p.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := p.r.Read(b)
	p.done += int64(n)
	p.report(p.done, p.total)
	return n, err
}

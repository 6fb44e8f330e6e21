package export

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"sort"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/render"
)

// report writes report.pdf into the bundle and lists it.
func (b *builder) report(ctx context.Context, entries []Entry, clipGaps []render.GapRow, created time.Time) error {
	in, cs, job := b.in, b.cs, b.job
	r := render.Report{Language: in.Language, Page: in.Page, Zone: in.Zone, Analyst: in.Analyst, Created: created,
		ExportID: job.ID, Software: job.Software, Notes: render.Notes(in.Language),
		Case: render.Case{Number: cs.Number, Title: cs.Title, Crime: cs.Crime, Place: cs.Place, From: cs.From, To: cs.To,
			RequestedBy: cs.RequestedBy, Request: cs.Request, Suspect: cs.Suspect, Status: cs.Status}}
	if in.Signer != nil {
		r.Signature = &render.Signature{Identity: in.Signer.Info.Identity, Fingerprint: in.Signer.Info.Fingerprint}
	}
	var used []string
	seenCam := map[string]bool{}
	mapIn := &render.MapInput{OnPath: map[string]bool{}}
	for _, e := range entries {
		cam, err := in.Catalog.Camera(e.Camera)
		if err != nil {
			return err
		}
		re := render.Entry{Number: e.Number, At: e.At, CameraClock: e.CameraClock, ClockVerified: e.ClockVerified, Bound: e.Bound(), OrderWith: e.OrderUncertain, Camera: cam.ID,
			CameraName: cam.Name, Address: cam.Address, From: e.From, To: e.To, Text: e.Text, Tags: e.Tags, Author: e.Author,
			Clip: e.Clip, Mode: e.Mode, Reencoded: e.Reencoded, Gaps: e.Gaps, Note: e.Note}
		if e.Sheet != "" {
			re.Sheet = &render.Sheet{File: e.Sheet, Path: job.Path(e.Sheet), Every: time.Duration(e.SheetEvery * float64(time.Second))}
		}
		for i, s := range e.Stills {
			re.Stills = append(re.Stills, render.Still{File: s, Path: job.Path(s), FrameTime: e.StillFrames[i]})
		}
		r.Entries = append(r.Entries, re)
		mapIn.Path = append(mapIn.Path, render.MapPoint{Label: cam.Name, Lat: cam.Location.Lat, Lon: cam.Location.Lon})
		mapIn.OnPath[cam.Name] = true
		if !seenCam[cam.ID] {
			seenCam[cam.ID] = true
			used = append(used, cam.ID)
			r.Clocks = append(r.Clocks, render.ClockRow{Camera: cam.ID, Name: cam.Name, Offset: cam.Clock.At(e.At), Verified: cam.Clock.Verified(),
				Measurements: cam.Clock.Measurements()})
		}
	}
	for _, c := range in.Catalog.Cameras {
		mapIn.Cameras = append(mapIn.Cameras, render.MapPoint{Label: c.Name, Lat: c.Location.Lat, Lon: c.Location.Lon})
	}
	if cs.Lat != nil {
		mapIn.Place = &render.MapPoint{Label: cs.Place, Lat: *cs.Lat, Lon: *cs.Lon}
	}
	r.Map = mapIn
	if err := writeMap(job, *mapIn); err != nil {
		return err
	}

	// Gaps: within the clips, and within the case's window on every camera
	// of the timeline, each once.
	seen := map[render.GapRow]bool{}
	addGap := func(g render.GapRow) {
		if !seen[g] {
			seen[g] = true
			r.Gaps = append(r.Gaps, g)
		}
	}
	for _, g := range clipGaps {
		addGap(g)
	}
	for _, id := range used {
		cam, err := in.Catalog.Camera(id)
		if err != nil {
			return err
		}
		cov, err := footage.CoverageOf(ctx, in.Store, cam, cs.From, cs.To, in.Now())
		if err != nil {
			return err
		}
		for _, g := range append(cov.Gaps, DamagedAsGaps(cov.Damaged)...) {
			addGap(render.GapRow{Camera: id, From: g.From.UTC(), To: g.To.UTC(), Reason: g.Reason})
		}
	}
	sort.Slice(r.Gaps, func(i, j int) bool {
		if !r.Gaps[i].From.Equal(r.Gaps[j].From) {
			return r.Gaps[i].From.Before(r.Gaps[j].From)
		}
		return r.Gaps[i].Camera < r.Gaps[j].Camera
	})
	for _, f := range job.Files {
		r.Files = append(r.Files, render.FileHash{Path: f.Path, Size: f.Size, SHA256: f.SHA256})
	}
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })

	var buf bytes.Buffer
	if err := render.WritePDF(&buf, r); err != nil {
		return err
	}
	if err := atomicfile.Write(job.Path(bundle.ReportName), buf.Bytes()); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	var from []string
	for _, f := range r.Files {
		if f.Path == bundle.MapName {
			continue
		}
		if !bundle.IsNative(f.Path) {
			from = append(from, f.Path)
		}
	}
	f, err := job.File(bundle.ReportName, from, map[string]string{"language": r.Language, "page": r.Page, "entries": fmt.Sprint(len(r.Entries))})
	if err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	job.Add(f)
	return nil
}

// writeMap writes the report's map diagram as map.png for the viewer and
// lists it.
func writeMap(job *Work, in render.MapInput) error {
	img, err := render.DrawMap(in)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	if err := atomicfile.Write(job.Path(bundle.MapName), buf.Bytes()); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	f, err := job.File(bundle.MapName, nil, map[string]string{"drawn": "klipp, from the camera catalog's coordinates (no map tiles)"})
	if err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	job.Add(f)
	return nil
}

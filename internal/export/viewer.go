package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/render"
	"github.com/klipp-forensics/klipp/internal/store"
)

// CaseFile is case.json: the case and its request as the bundle was made
// for them, with the export's language and zone and the cameras of the
// timeline; what the viewer page needs besides timeline.json and the
// manifest.
type CaseFile struct {
	Number      string       `json:"number"`
	Title       string       `json:"title"`
	Crime       string       `json:"crime,omitempty"`
	Place       string       `json:"place,omitempty"`
	From        time.Time    `json:"from"`
	To          time.Time    `json:"to"`
	RequestedBy string       `json:"requested_by,omitempty"`
	Request     string       `json:"request,omitempty"`
	Suspect     string       `json:"suspect,omitempty"`
	Status      string       `json:"status,omitempty"`
	Analyst     string       `json:"analyst,omitempty"`
	Language    string       `json:"language"`
	Timezone    string       `json:"timezone"`
	Cameras     []CaseCamera `json:"cameras"`
}

// CaseCamera is a camera of the timeline.
type CaseCamera struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Address string  `json:"address,omitempty"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
}

// NewCaseFile is case.json for a case in a language and zone (without
// cameras).
func NewCaseFile(cs store.Case, analyst, language string, zone *time.Location) CaseFile {
	return CaseFile{Number: cs.Number, Title: cs.Title, Crime: cs.Crime, Place: cs.Place, From: cs.From.UTC(), To: cs.To.UTC(),
		RequestedBy: cs.RequestedBy, Request: cs.Request, Suspect: cs.Suspect, Status: cs.Status, Analyst: analyst,
		Language: language, Timezone: zone.String(), Cameras: []CaseCamera{}}
}

// writeCase writes case.json into the bundle and lists it.
func (b *builder) writeCase(entries []Entry) error {
	in, job := b.in, b.job
	c := NewCaseFile(b.cs, in.Analyst, in.Language, in.Zone)
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.Camera] {
			continue
		}
		seen[e.Camera] = true
		if cam, err := in.Catalog.Camera(e.Camera); err == nil {
			c.Cameras = append(c.Cameras, CaseCamera{ID: cam.ID, Name: cam.Name, Address: cam.Address, Lat: cam.Location.Lat, Lon: cam.Location.Lon})
		}
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(job.Path(bundle.CaseName), append(data, '\n')); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	f, err := job.File(bundle.CaseName, nil, nil)
	if err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	job.Add(f)
	return nil
}

// WriteViewer writes dir's index.html from the bundle's own files:
// manifest.json, SHA256SUMS, case.json and timeline.json. A bundle made
// before case.json existed takes the case from fallback (nil: only its
// number) and zone. index.html is not in SHA256SUMS: it is written last
// and may be written again.
func WriteViewer(dir string, fallback *CaseFile, zone *time.Location) error {
	var m bundle.Manifest
	if err := readJSON(filepath.Join(dir, bundle.ManifestName), &m); err != nil {
		return err
	}
	sums, err := os.ReadFile(filepath.Join(dir, bundle.SumsName))
	if err != nil {
		return fault.NotFoundf("%s: %v", dir, err)
	}
	c := CaseFile{Number: m.Case}
	if err := readJSON(filepath.Join(dir, bundle.CaseName), &c); err != nil {
		if !os.IsNotExist(err) {
			return err
		}
		if fallback != nil {
			c = *fallback
		}
	}
	if c.Timezone != "" {
		if z, err := time.LoadLocation(c.Timezone); err == nil {
			zone = z
		}
	}
	if zone == nil {
		zone = time.UTC
	}
	var entries []timelineEntry
	if err := readJSON(filepath.Join(dir, bundle.TimelineJSON), &entries); err != nil && !os.IsNotExist(err) {
		return err
	}
	addresses := map[string]string{}
	for _, cam := range c.Cameras {
		addresses[cam.ID] = cam.Address
	}
	has := map[string]bundle.File{}
	for _, f := range m.Files {
		has[f.Path] = f
	}
	v := render.Viewer{Language: c.Language, Zone: zone, Analyst: c.Analyst, Created: m.Created, ExportID: m.ExportID, Software: m.Software,
		Case: render.Case{Number: m.Case, Title: c.Title, Crime: c.Crime, Place: c.Place, From: c.From, To: c.To, RequestedBy: c.RequestedBy,
			Request: c.Request, Suspect: c.Suspect, Status: c.Status},
		Sums: string(sums), SumsSHA256: digest.Bytes(sums)}
	if m.Signer != nil {
		v.Signature = &render.Signature{Identity: m.Signer.Identity, Fingerprint: m.Signer.Fingerprint}
	}
	if _, ok := has[bundle.ReportName]; ok {
		v.Report = bundle.ReportName
	}
	if _, ok := has[bundle.MapName]; ok {
		v.Map = bundle.MapName
	}
	for _, f := range m.Files {
		v.Files = append(v.Files, render.FileHash{Path: f.Path, Size: f.Size, SHA256: f.SHA256})
	}
	clipFrom := map[int]time.Time{}
	names := map[int]string{}
	for _, e := range entries {
		ve := render.ViewerEntry{Number: e.Number, At: e.At, Uncertainty: e.uncertainty(), OrderWith: e.OrderUncertain, CameraClock: e.CameraClock, ClockVerified: e.ClockVerified,
			Camera: e.Camera, CameraName: e.CameraName, Address: addresses[e.Camera], Text: e.Text, Tags: e.Tags, From: e.From, To: e.To,
			Clip: e.Clip, ClipFrom: e.ClipFrom, Mode: e.Mode, Reencoded: e.Reencoded, Note: e.Note}
		for i, s := range e.Stills {
			st := render.Still{File: s}
			if i < len(e.StillFrames) {
				st.FrameTime = e.StillFrames[i]
			}
			ve.Stills = append(ve.Stills, st)
		}
		clipFrom[e.Number], names[e.Number] = e.ClipFrom, e.CameraName
		v.Entries = append(v.Entries, ve)
	}
	if p, ok := has[bundle.PresentationName]; ok {
		v.Presentation = &render.ViewerPresentation{File: bundle.PresentationName}
		var parts []Part
		_ = json.Unmarshal([]byte(p.Parameters["parts"]), &parts) // none: no chapters
		w := render.ViewerWords(c.Language)
		for _, pt := range parts {
			ch := render.Chapter{Entry: pt.Entry, Clip: pt.Clip, Start: pt.Start, Seconds: pt.Seconds, Label: w["opening"]}
			switch {
			case pt.Entry > 0 && pt.Clip:
				ch.Label = fmt.Sprintf("%s %d: %s", w["entry"], pt.Entry, names[pt.Entry])
				if t := clipFrom[pt.Entry]; !t.IsZero() {
					ch.ClipFrom = t.UTC().Format(time.RFC3339Nano)
				}
				ch.Camera = names[pt.Entry]
			case pt.Entry > 0:
				ch.Label = fmt.Sprintf("%s %d: %s", w["entry"], pt.Entry, w["card"])
			}
			v.Presentation.Chapters = append(v.Presentation.Chapters, ch)
		}
	}
	var buf bytes.Buffer
	if err := render.WriteViewer(&buf, v); err != nil {
		return err
	}
	return fault.Wrap(fault.Storage, atomicfile.Write(filepath.Join(dir, bundle.IndexName), buf.Bytes()))
}

// timelineEntry reads an entry of timeline.json.
type timelineEntry struct{ Entry }

// uncertainty is the ± of the entry's true time; 0 when the bundle has
// none (a camera whose clock is not verified has no bound).
func (e timelineEntry) uncertainty() time.Duration {
	if e.Uncertainty == nil {
		return 0
	}
	return time.Duration(*e.Uncertainty * float64(time.Second))
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fault.Mediaf("%s: %v", path, err)
	}
	return nil
}

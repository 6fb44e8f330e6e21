// Package export builds a case's bundle (design.md §7): each entry's clip
// with its native sources and its stills, the court presentation, the
// timeline files, the case's audit entries, the written report, the
// manifest and SHA256SUMS. A bundle is built under a hidden name with a
// journal of finished steps, so that an interrupted export resumes where it
// stopped; the caller renames it once its record is durable (Built.Commit).
//
// The package does no cutting or still writing of its own and knows no
// front end: what it needs comes in Inputs.
package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/render"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Events is how an export tells its caller what it is doing.
type Events interface {
	Progress(label string, done, total int64)
	Step(msg string)
	Warn(msg string)
}

// ClipCutter cuts one clip from a run of segments: the file at req.Out and
// its record at req.Out+".json", audited.
type ClipCutter interface {
	CutClip(ctx context.Context, req ClipRequest) (Clip, error)
}

// ClipRequest is one clip of an export.
type ClipRequest struct {
	Camera   *catalog.Camera
	Coverage *footage.Coverage
	Run      []footage.Part
	From, To time.Time
	Out      string
	Mode     CutMode
	Case     string
}

// Clip is what a cut made.
type Clip struct {
	Mode            CutMode
	ReencodedFrames string
	From, To        time.Time // true times of the first and last frame shown
	SHA256          string
	Gaps            int
	Sources         []Source
}

// Source is a segment a clip was cut from.
type Source struct {
	File   string
	SHA256 string
}

// StillWriter writes the frame on screen at each true time to the
// matching name, audited.
type StillWriter interface {
	WriteStills(ctx context.Context, cam *catalog.Camera, caseNumber string, times []time.Time, names []string) ([]Still, error)
}

// SheetWriter writes a contact sheet of a camera's footage between two
// true times (one thumbnail every Every) to out as PNG, its record at
// out+".json", audited for the case.
type SheetWriter interface {
	WriteSheet(ctx context.Context, req SheetRequest) (Sheet, error)
}

// SheetRequest is one entry's contact sheet.
type SheetRequest struct {
	Camera   *catalog.Camera
	Case     string
	From, To time.Time
	Every    time.Duration
	Out      string
}

// Sheet is a written contact sheet.
type Sheet struct {
	SHA256     string
	Thumbnails int
	Sources    []Source
}

// SheetThumbs is at most how many thumbnails an entry's contact sheet has.
const SheetThumbs = 12

// SheetEvery is the spacing of an entry's contact sheet over a clip range:
// whole seconds, at most SheetThumbs thumbnails.
func SheetEvery(from, to time.Time) time.Duration {
	span := to.Sub(from)
	every := (span + SheetThumbs - 1) / SheetThumbs
	return max(time.Second, (every + time.Second - 1).Truncate(time.Second))
}

// Still is one written still.
type Still struct {
	File      string
	Requested time.Time
	FrameTime time.Time // true time of the frame shown
	Source    string
	Size      int64
	SHA256    string
}

// Inputs are what an export needs from the application.
type Inputs struct {
	Zone         *time.Location
	ClipMode     CutMode // the default for entries without their own
	Presentation config.Presentation
	DriftBound   time.Duration // clock.drift_bound: times carry ± from it
	Language     string        // report and presentation: sv | en
	Page         string
	Analyst      string
	Software     string // "klipp <version>, FFmpeg <version>"
	Now          func() time.Time
	Catalog      *catalog.Catalog
	Store        *store.Store // segments, coverage, the audit chain
	Clips        ClipCutter
	Stills       StillWriter
	// Sheets writes each entry's contact sheet of its clip range (into
	// the bundle and the report); nil: none.
	Sheets SheetWriter
	// Signer signs SHA256SUMS into SHA256SUMS.sig; nil: the bundle is
	// unsigned (and the report says so).
	Signer *bundle.Signer
}

// Request is one export of a case.
type Request struct {
	Case    store.Case
	Entries []store.Entry // in time order
	OutDir  string        // bundles go to OutDir/<case>/<export-id>
	Restart bool          // discard an unfinished export instead of resuming it
	// Started, if set, is told the export id once it is chosen (new or
	// resumed), before any file is written.
	Started func(id string)
}

// Built is a complete bundle still under its hidden name.
type Built struct {
	Work           string // the hidden directory it is in now
	Dir            string // its final name
	ID             string
	Manifest       bundle.Manifest
	ManifestSHA256 string
	Resumed        bool
	Reused         []string // journal steps reused from an interrupted run
	Stages         map[string]time.Duration
}

// Commit gives the bundle its final name.
func (b *Built) Commit() error {
	if err := os.Rename(b.Work, b.Dir); err != nil {
		return fault.Wrap(fault.Storage, fmt.Errorf("export: %w", err))
	}
	return nil
}

// StageOrder is the order an export's stages run in.
var StageOrder = []string{"clips", "native copies", "contact sheets", "stills", "presentation", "timeline and audit", "report", "manifest", "viewer"}

// Build writes every file of the case's bundle under a hidden name in
// OutDir/<case>, resuming an interrupted export of the case unless
// req.Restart. On error the finished steps stay for the next run.
func Build(ctx context.Context, in Inputs, req Request, ev Events) (*Built, error) {
	if ev == nil {
		ev = discard{}
	}
	cs := req.Case
	if err := ClaimDir(req.OutDir); err != nil {
		return nil, err
	}
	caseDir := filepath.Join(req.OutDir, cs.Number)
	if err := os.MkdirAll(caseDir, 0o755); err != nil {
		return nil, fault.Fieldf("output", "%s: %v", req.OutDir, err)
	}
	id := in.Now().UTC().Format("20060102T150405Z")
	resumed := false
	if prev := unfinished(caseDir); prev != "" && !req.Restart {
		id, resumed = prev, true
	} else if prev != "" {
		if err := os.RemoveAll(filepath.Join(caseDir, bundle.WorkDir(prev))); err != nil {
			return nil, fault.Wrap(fault.Storage, err)
		}
	}
	if _, err := os.Stat(filepath.Join(caseDir, id)); err == nil {
		// Export ids are the second the export started.
		return nil, fault.Usagef("case %s has an export %s already; run it again in a second", cs.Number, id)
	}
	if req.Started != nil {
		req.Started(id)
	}
	job := NewWork(filepath.Join(caseDir, bundle.WorkDir(id)), id, in.Software)
	if resumed {
		job.readJournal()
		if err := job.sweepUnfinished(); err != nil {
			return nil, fault.Wrap(fault.Storage, err)
		}
		ev.Step(fmt.Sprintf("export %s: resuming the unfinished export %s", cs.Number, id))
	}
	if err := os.MkdirAll(job.Dir, 0o755); err != nil {
		return nil, fault.Fieldf("output", "%s: %v", req.OutDir, err)
	}
	b := &builder{in: in, cs: cs, job: job, ev: ev}
	m, err := b.build(ctx, req.Entries)
	if err != nil {
		return nil, err
	}
	_, msum, err := digest.File(job.Path(bundle.ManifestName))
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	return &Built{Work: job.Dir, Dir: filepath.Join(caseDir, id), ID: id, Manifest: m, ManifestSHA256: msum, Resumed: resumed,
		Reused: job.reused, Stages: job.stages}, nil
}

// builder is one run of Build.
type builder struct {
	in  Inputs
	cs  store.Case
	job *Work
	ev  Events

	presentationSize string // WxH of the presentation written
}

func (b *builder) say(format string, args ...any) { b.ev.Step(fmt.Sprintf(format, args...)) }

// build writes every file of the bundle into the work directory, reusing
// the steps a previous run finished.
func (b *builder) build(ctx context.Context, entries []store.Entry) (bundle.Manifest, error) {
	job, cs, in := b.job, b.cs, b.in
	created, _ := time.Parse("20060102T150405Z", job.ID)
	m := bundle.Manifest{Case: cs.Number, ExportID: job.ID, Created: created, Software: job.Software}
	for _, sub := range bundle.Dirs {
		if err := os.MkdirAll(job.Path(sub), 0o755); err != nil {
			return m, fault.Wrap(fault.Storage, err)
		}
	}
	var out []Entry
	var items []presentationItem
	var gaps []render.GapRow // within the clips, for the report
	for i, e := range entries {
		cam, err := in.Catalog.Camera(e.Camera)
		if err != nil {
			return m, err
		}
		name := fmt.Sprintf("entry-%d", i+1)
		key, err := stepKey([]any{e, in.ClipMode, cam.Recordings.Path, i + 1, in.Sheets != nil})
		if err != nil {
			return m, err
		}
		s, ok := job.reuse(name, key)
		if ok {
			b.say("export %s: entry %d of %d (%s): reusing its finished clip and stills", cs.Number, i+1, len(entries), cam.Name)
		} else {
			b.say("export %s: entry %d of %d (%s)", cs.Number, i+1, len(entries), cam.Name)
			if s, err = b.entry(ctx, e, i+1, cam); err != nil {
				return m, fmt.Errorf("entry %d (%s): %w", i+1, cam.ID, err)
			}
			s.Key = key
			if err := job.done(name, s); err != nil {
				return m, fault.Wrap(fault.Storage, err)
			}
		}
		x := *s.Entry
		x.EntryView = ViewEntry(e, i+1, cam, in.DriftBound)
		out = append(out, x)
		for _, g := range s.Gaps {
			gaps = append(gaps, render.GapRow{Camera: cam.ID, From: g.From.UTC(), To: g.To.UTC(), Reason: g.Reason})
		}
		if x.Clip != "" {
			items = append(items, presentationItem{number: i + 1, entry: e, cam: cam, clip: x.Clip, clipFrom: x.ClipFrom})
		}
	}
	MarkOrder(len(out), func(i int) *EntryView { return &out[i].EntryView })
	if len(items) > 0 {
		if err := b.presentation(ctx, items, out, created); err != nil {
			return m, err
		}
	}
	start := time.Now()
	if err := writeTimeline(job, out); err != nil {
		return m, err
	}
	if err := b.writeCase(out); err != nil {
		return m, err
	}
	if err := caseAudit(ctx, in.Store, job.Path(bundle.AuditName), cs.Number); err != nil {
		return m, err
	}
	for rel, params := range map[string]map[string]string{bundle.TimelineJSON: nil, bundle.TimelineCSV: nil, bundle.AuditName: {"filter": "case " + cs.Number}} {
		f, err := job.File(rel, nil, params)
		if err != nil {
			return m, fault.Wrap(fault.Storage, err)
		}
		job.Add(f)
	}
	job.timed("timeline and audit", start)

	b.say("export %s: report", cs.Number)
	start = time.Now()
	if err := b.report(ctx, out, gaps, created); err != nil {
		return m, fmt.Errorf("report: %w", err)
	}
	job.timed("report", start)

	start = time.Now()
	for _, f := range job.Files {
		m.Files = append(m.Files, f)
	}
	// What an earlier run made for entries since changed or removed goes:
	// the bundle holds exactly the manifest's files.
	keep := map[string]bool{}
	for p := range job.Files {
		keep[p] = true
	}
	if err := sweep(job.Dir, keep); err != nil {
		return m, fault.Wrap(fault.Storage, err)
	}
	if err := os.Remove(job.Path(bundle.JournalName)); err != nil && !os.IsNotExist(err) {
		return m, fault.Wrap(fault.Storage, err)
	}
	seq, hash, err := in.Store.AuditHead(ctx)
	if err != nil {
		return m, fault.Wrap(fault.Storage, fmt.Errorf("audit head: %w", err))
	}
	m.AuditHead = &bundle.AuditHead{Seq: seq, Hash: hash}
	if in.Signer != nil {
		m.Signer = &in.Signer.Info
	}
	if err := bundle.FinishSigned(job.Dir, m, in.Signer); err != nil {
		return m, fault.Wrap(fault.Storage, err)
	}
	job.timed("manifest", start)
	start = time.Now()
	if err := WriteViewer(job.Dir, nil, in.Zone); err != nil {
		return m, fmt.Errorf("viewer: %w", err)
	}
	job.timed("viewer", start)
	return m, nil
}

// entry writes one entry's clip (with its record and native sources) and
// stills.
func (b *builder) entry(ctx context.Context, e store.Entry, number int, cam *catalog.Camera) (step, error) {
	job, in := b.job, b.in
	hhmmss := e.At.In(in.Zone).Format("150405")
	x := &Entry{Stills: []string{}, StillFrames: []time.Time{}}
	s := step{Entry: x}
	cov, err := footage.CoverageOf(ctx, in.Store, cam, e.From, e.To, in.Now())
	if err != nil {
		return s, err
	}
	s.Gaps = append(append(s.Gaps, cov.Gaps...), DamagedAsGaps(cov.Damaged)...)
	if len(cov.Segments) > 0 {
		start := time.Now()
		clip := bundle.ClipPath(number, cam.ID, hhmmss)
		runs := SplitRuns(cov.Segments, false, false)
		mode := CutMode(e.Mode)
		if mode == "" {
			mode = in.ClipMode
		}
		rec, err := in.Clips.CutClip(ctx, ClipRequest{Camera: cam, Coverage: cov, Run: runs[0], From: e.From, To: e.To, Out: job.Path(clip),
			Mode: mode, Case: b.cs.Number})
		if err != nil {
			return s, err
		}
		job.timed("clips", start)
		x.Clip, x.Gaps, x.Mode, x.Reencoded, x.ClipFrom = clip, rec.Gaps, string(rec.Mode), rec.ReencodedFrames, rec.From
		start = time.Now()
		var from []string
		listed := map[string]bool{}
		for _, src := range rec.Sources {
			f, err := job.CopyNative(cam.ID, cam.Recordings.Path, src.File, src.SHA256, map[string]string{"copy": "bit-exact"})
			if err != nil {
				return s, err
			}
			from = append(from, f.Path)
			if !listed[f.Path] {
				listed[f.Path] = true
				s.Files = append(s.Files, f)
				job.Add(f) // a later entry's clip from the same segment reuses the copy
			}
		}
		job.timed("native copies", start)
		record := bundle.RecordPath(clip)
		if err := os.Rename(job.Path(clip)+".json", job.Path(record)); err != nil {
			return s, fault.Wrap(fault.Storage, err)
		}
		// The cut hashed its output already.
		fi, err := os.Stat(job.Path(clip))
		if err != nil {
			return s, fault.Wrap(fault.Storage, err)
		}
		f := bundle.File{Path: clip, Size: fi.Size(), SHA256: rec.SHA256, DerivedFrom: from, Tool: job.Software,
			Parameters: map[string]string{"mode": string(rec.Mode), "from": rec.From.Format(time.RFC3339Nano), "to": rec.To.Format(time.RFC3339Nano),
				"reencoded_frames": rec.ReencodedFrames}}
		r, err := job.File(record, []string{clip}, nil)
		if err != nil {
			return s, fault.Wrap(fault.Storage, err)
		}
		s.Files = append(s.Files, f, r)
		if in.Sheets != nil {
			start := time.Now()
			if err := b.sheet(ctx, &s, number, cam, hhmmss, rec, from); err != nil {
				return s, err
			}
			job.timed("contact sheets", start)
		}
	} else {
		x.Note = "no footage for the clip range"
	}
	start := time.Now()
	times := e.Stills
	if len(times) == 0 {
		times = []time.Time{e.At}
	}
	var names []string
	for _, t := range times {
		names = append(names, job.Path(bundle.StillPath(number, cam.ID, t.In(in.Zone).Format("150405.000"))))
	}
	recs, err := in.Stills.WriteStills(ctx, cam, b.cs.Number, times, names)
	if err != nil && x.Clip != "" {
		return s, err
	}
	for _, r := range recs {
		rel := bundle.StillsDir + "/" + filepath.Base(r.File)
		x.Stills = append(x.Stills, rel)
		x.StillFrames = append(x.StillFrames, r.FrameTime)
		s.Files = append(s.Files, bundle.File{Path: rel, Size: r.Size, SHA256: r.SHA256, DerivedFrom: []string{r.Source}, Tool: job.Software,
			Parameters: map[string]string{"at": r.Requested.Format(time.RFC3339Nano), "frame_true_time": r.FrameTime.Format(time.RFC3339Nano)}})
	}
	job.timed("stills", start)
	return s, nil
}

// sheet writes an entry's contact sheet of its clip range, with its
// record, and lists both.
func (b *builder) sheet(ctx context.Context, s *step, number int, cam *catalog.Camera, hhmmss string, clip Clip, native []string) error {
	job := b.job
	rel := bundle.SheetPath(number, cam.ID, hhmmss)
	if err := os.MkdirAll(job.Path(bundle.SheetsDir), 0o755); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	every := SheetEvery(clip.From, clip.To)
	sh, err := b.in.Sheets.WriteSheet(ctx, SheetRequest{Camera: cam, Case: b.cs.Number, From: clip.From, To: clip.To, Every: every, Out: job.Path(rel)})
	if err != nil {
		return fmt.Errorf("contact sheet: %w", err)
	}
	record := bundle.SheetRecordPath(rel)
	if err := os.Rename(job.Path(rel)+".json", job.Path(record)); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	fi, err := os.Stat(job.Path(rel))
	if err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	f := bundle.File{Path: rel, Size: fi.Size(), SHA256: sh.SHA256, DerivedFrom: native, Tool: job.Software,
		Parameters: map[string]string{"from": clip.From.Format(time.RFC3339Nano), "to": clip.To.Format(time.RFC3339Nano),
			"every": every.String(), "thumbnails": fmt.Sprint(sh.Thumbnails)}}
	r, err := job.File(record, []string{rel}, nil)
	if err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	s.Files = append(s.Files, f, r)
	s.Entry.Sheet, s.Entry.SheetEvery = rel, every.Seconds()
	return nil
}

// StageSummary formats the time spent per stage, in order, with the total.
func StageSummary(stages map[string]time.Duration) string {
	var parts []string
	var total time.Duration
	for _, k := range StageOrder {
		if d, ok := stages[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %.2f s", k, d.Seconds()))
			total += d
		}
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; total %.2f s", total.Seconds())
}

type discard struct{}

func (discard) Progress(string, int64, int64) {}
func (discard) Step(string)                   {}
func (discard) Warn(string)                   {}

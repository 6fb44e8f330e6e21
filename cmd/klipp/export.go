package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/render"
	"github.com/klipp-forensics/klipp/internal/store"
)

// exportEntry is one timeline entry as the bundle's timeline.json has it.
type exportEntry struct {
	entryView
	Clip        string      `json:"clip,omitempty"` // bundle path; "" when the camera has no footage for the range
	Mode        string      `json:"mode,omitempty"`
	Reencoded   string      `json:"reencoded_frames,omitempty"`
	ClipFrom    time.Time   `json:"clip_first_frame,omitempty"` // true time of the clip's first frame
	Stills      []string    `json:"still_files"`
	StillFrames []time.Time `json:"still_frame_times"` // true time of the frame each still shows
	Gaps        int         `json:"gaps"`
	Note        string      `json:"note,omitempty"`
}

// exportMarker marks a directory that klipp made for bundles; export
// refuses to write into a non-empty directory without it.
const exportMarker = ".klipp-exports"

// journalName is the resume journal inside a bundle under construction.
const journalName = ".journal.json"

// exportStep is one finished step of an export as the journal has it: what
// it was made from (Key) and the files it left, with their hashes. A re-run
// reuses a step whose key is unchanged and whose files still hash the same.
type exportStep struct {
	Key   string        `json:"key"`
	Files []bundle.File `json:"files"`
	Entry *exportEntry  `json:"entry,omitempty"`
	Gaps  []footage.Gap `json:"gaps,omitempty"`
}

// exportJob is one export under construction.
type exportJob struct {
	dir      string // the hidden work directory
	id       string
	software string
	journal  map[string]exportStep
	files    map[string]bundle.File
	stages   map[string]time.Duration
	reused   []string
}

func (j *exportJob) path(rel string) string { return filepath.Join(j.dir, filepath.FromSlash(rel)) }

// reuse returns the journal's step under name if its key matches and every
// file it made is intact; its files then join the manifest.
func (j *exportJob) reuse(name, key string) (exportStep, bool) {
	s, ok := j.journal[name]
	if !ok || s.Key != key {
		return s, false
	}
	for _, f := range s.Files {
		if size, sum, err := bundle.HashFile(j.path(f.Path)); err != nil || size != f.Size || sum != f.SHA256 {
			return s, false
		}
	}
	for _, f := range s.Files {
		j.files[f.Path] = f
	}
	j.reused = append(j.reused, name)
	return s, true
}

// sweep removes every file in an interrupted export's work directory that
// no finished step accounts for: temporary files of the step that was
// running, and anything else that cannot be trusted.
func (j *exportJob) sweep(work string) error {
	keep := map[string]bool{journalName: true}
	for _, s := range j.journal {
		for _, f := range s.Files {
			keep[f.Path] = true
		}
	}
	return sweep(work, keep)
}

// sweep removes every file below dir whose slash path is not in keep.
func sweep(dir string, keep map[string]bool) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !keep[filepath.ToSlash(rel)] {
			return os.Remove(p)
		}
		return nil
	})
}

// done records a finished step in the journal (written atomically).
func (j *exportJob) done(name string, s exportStep) error {
	for _, f := range s.Files {
		j.files[f.Path] = f
	}
	j.journal[name] = s
	data, err := json.Marshal(j.journal)
	if err != nil {
		return err
	}
	return atomicfile.Write(j.path(journalName), data)
}

// file hashes a written bundle file into a manifest entry.
func (j *exportJob) file(rel string, from []string, params map[string]string) (bundle.File, error) {
	size, sum, err := bundle.HashFile(j.path(rel))
	if err != nil {
		return bundle.File{}, err
	}
	return bundle.File{Path: rel, Size: size, SHA256: sum, DerivedFrom: from, Tool: j.software, Parameters: params}, nil
}

// timed adds the time since start to a stage.
func (j *exportJob) timed(stage string, start time.Time) { j.stages[stage] += time.Since(start) }

// stepKey is a digest of what a step is made from.
func stepKey(v any) string {
	data, _ := json.Marshal(v)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func (a *cli) exportCommand() *cobra.Command {
	var outDir string
	var fresh bool
	cmd := &cobra.Command{
		Use:   "export CASE [-o DIR]",
		Short: "Build the case's bundle: clips, stills, native sources, presentation, report, timeline, audit, manifest and SHA256SUMS",
		Long: "Build the case's bundle under DIR/<case>/<export-id>. The bundle is assembled under a hidden name and\n" +
			"renamed when complete. An interrupted export is resumed by running the command again: finished\n" +
			"clips, stills and the presentation are reused when their sources and hashes are unchanged.",
		Args: exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			st, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			cs, err := casefile.Get(cmd.Context(), st, args[0])
			if err != nil {
				return err
			}
			entries, err := st.Entries(cmd.Context(), cs.Number)
			if err != nil {
				return fault.Wrap(fault.Storage, err)
			}
			if len(entries) == 0 {
				return fault.Usagef("case %s has no timeline entries to export (klipp timeline add %s …)", cs.Number, cs.Number)
			}
			if outDir == "" {
				outDir = filepath.Join(cfg.DataDir, "exports")
			}
			if err := claimExportDir(outDir); err != nil {
				return err
			}
			caseDir := filepath.Join(outDir, cs.Number)
			if err := os.MkdirAll(caseDir, 0o755); err != nil {
				return fault.Usagef("-o %s: %v", outDir, err)
			}
			job := &exportJob{id: a.now().UTC().Format("20060102T150405Z"), software: "klipp " + version + ", FFmpeg " + media.Version(),
				journal: map[string]exportStep{}, files: map[string]bundle.File{}, stages: map[string]time.Duration{}}
			if prev := unfinishedExport(caseDir); prev != "" && !fresh {
				job.id = prev
				work := filepath.Join(caseDir, "."+prev+".part")
				if data, err := os.ReadFile(filepath.Join(work, journalName)); err == nil {
					json.Unmarshal(data, &job.journal)
				}
				if err := job.sweep(work); err != nil {
					return err
				}
				a.say("export %s: resuming the unfinished export %s", cs.Number, prev)
			} else if prev != "" {
				os.RemoveAll(filepath.Join(caseDir, "."+prev+".part"))
			}
			final := filepath.Join(caseDir, job.id)
			job.dir = filepath.Join(caseDir, "."+job.id+".part") // renamed when complete
			if err := os.MkdirAll(job.dir, 0o755); err != nil {
				return fault.Usagef("-o %s: %v", outDir, err)
			}
			m, err := a.buildBundle(cmd, cs, entries, job)
			if err != nil {
				// Finished steps stay for the next run; Ctrl-C or an error
				// leaves only the hidden work directory.
				return err
			}
			if err := os.Rename(job.dir, final); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			_, msum, _ := bundle.HashFile(filepath.Join(final, bundle.ManifestName))
			abs, _ := filepath.Abs(final)
			if err := st.AddExport(cmd.Context(), store.Export{Case: cs.Number, ExportID: job.id, Dir: abs, ManifestSHA256: msum, Files: len(m.Files),
				Created: a.now().UTC()}); err != nil {
				return fault.Wrap(fault.Storage, err)
			}
			if err := a.record(audit.Entry{Action: "export", Case: cs.Number, Hashes: map[string]string{filepath.Join(final, bundle.ManifestName): msum},
				Detail: map[string]string{"dir": final, "files": strconv.Itoa(len(m.Files)), "entries": strconv.Itoa(len(entries)),
					"reused": strings.Join(job.reused, ",")}}); err != nil {
				return err
			}
			stages := map[string]float64{}
			for k, v := range job.stages {
				stages[k] = v.Seconds()
			}
			return a.emit(map[string]any{"dir": final, "case": cs.Number, "export_id": job.id, "files": len(m.Files), "manifest_sha256": msum,
				"stages_s": stages, "reused": job.reused}, func(w io.Writer) {
				fmt.Fprintf(w, "bundle %s: %d files for %d entries; check it with: klipp verify %s (or sha256sum -c SHA256SUMS there)\n", final, len(m.Files), len(entries), final)
				fmt.Fprintf(w, "time by stage: %s\n", stageSummary(job.stages))
			})
		},
	}
	cmd.Flags().StringVarP(&outDir, "output", "o", "", "directory for bundles (default: <data_dir>/exports); the bundle is DIR/<case>/<export-id>")
	cmd.Flags().BoolVar(&fresh, "restart", false, "discard an unfinished export of the case instead of resuming it")
	return cmd
}

// stageOrder is the order export's stages run in.
var stageOrder = []string{"clips", "native copies", "stills", "presentation", "timeline and audit", "report", "manifest"}

// stageSummary formats the time spent per stage, in order, with the total.
func stageSummary(stages map[string]time.Duration) string {
	var parts []string
	var total time.Duration
	for _, k := range stageOrder {
		if d, ok := stages[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %.2f s", k, d.Seconds()))
			total += d
		}
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; total %.2f s", total.Seconds())
}

// say prints a progress line on stderr unless --quiet.
func (a *cli) say(format string, args ...any) {
	if !a.quiet {
		fmt.Fprintf(a.stderr, format+"\n", args...)
	}
}

// claimExportDir makes sure bundles may be written into dir: it is new,
// empty, or one klipp made; it is then marked as klipp's.
func claimExportDir(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, exportMarker)); err == nil {
		return nil
	}
	if list, err := os.ReadDir(dir); err == nil && len(list) > 0 {
		return fault.Usagef("-o %s is not empty and klipp did not make it; choose a new or empty directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fault.Usagef("-o %s: %v", dir, err)
	}
	return atomicfile.Write(filepath.Join(dir, exportMarker), []byte("klipp export bundles are written here: <case>/<export-id>/\n"))
}

// unfinishedExport returns the id of the newest interrupted export in a
// case's directory, or "".
func unfinishedExport(caseDir string) string {
	list, _ := os.ReadDir(caseDir)
	id := ""
	for _, e := range list {
		if n := e.Name(); e.IsDir() && strings.HasPrefix(n, ".") && strings.HasSuffix(n, ".part") {
			id = strings.TrimSuffix(strings.TrimPrefix(n, "."), ".part")
		}
	}
	return id
}

// buildBundle writes every file of the bundle into job.dir, reusing the
// steps a previous run finished.
func (a *cli) buildBundle(cmd *cobra.Command, cs store.Case, entries []store.Entry, job *exportJob) (bundle.Manifest, error) {
	ctx := cmd.Context()
	created, _ := time.Parse("20060102T150405Z", job.id)
	m := bundle.Manifest{Case: cs.Number, ExportID: job.id, Created: created, Software: job.software}
	for _, sub := range []string{"clips", "stills", "native"} {
		if err := os.MkdirAll(job.path(sub), 0o755); err != nil {
			return m, err
		}
	}
	var out []exportEntry
	var items []presentationItem
	var gaps []render.GapRow // within the clips, for the report
	for i, e := range entries {
		cam, err := a.camera(e.Camera)
		if err != nil {
			return m, err
		}
		name := fmt.Sprintf("entry-%d", i+1)
		key := stepKey([]any{e, a.cfg.Clip.Mode, cam.Recordings.Path, i + 1})
		s, ok := job.reuse(name, key)
		if ok {
			a.say("export %s: entry %d of %d (%s): reusing its finished clip and stills", cs.Number, i+1, len(entries), cam.Name)
		} else {
			a.say("export %s: entry %d of %d (%s)", cs.Number, i+1, len(entries), cam.Name)
			if s, err = a.exportEntry(cmd, cs, e, i+1, cam, job); err != nil {
				return m, fmt.Errorf("entry %d (%s): %w", i+1, cam.ID, err)
			}
			s.Key = key
			if err := job.done(name, s); err != nil {
				return m, err
			}
		}
		x := *s.Entry
		x.entryView = a.viewEntry(e, i+1)
		out = append(out, x)
		for _, g := range s.Gaps {
			gaps = append(gaps, render.GapRow{Camera: cam.ID, From: g.From.UTC(), To: g.To.UTC(), Reason: g.Reason})
		}
		if x.Clip != "" {
			items = append(items, presentationItem{number: i + 1, entry: e, clip: job.path(x.Clip), clipFrom: x.ClipFrom})
		}
	}
	if len(items) > 0 {
		var clipSums []string
		for _, it := range items {
			rel, _ := filepath.Rel(job.dir, it.clip)
			clipSums = append(clipSums, job.files[filepath.ToSlash(rel)].SHA256)
		}
		key := stepKey([]any{clipSums, out, a.cfg.Presentation, a.cfg.Report.Language, cs.Title, a.cfg.Analyst, job.id})
		if _, ok := job.reuse("presentation", key); ok {
			a.say("export %s: presentation: reusing the finished one", cs.Number)
		} else {
			a.say("export %s: presentation (%d clips)", cs.Number, len(items))
			start := time.Now()
			if err := a.writePresentation(ctx, cs, items, created, job.path("presentation.mp4")); err != nil {
				return m, fmt.Errorf("presentation: %w", err)
			}
			var clips []string
			for _, it := range items {
				rel, _ := filepath.Rel(job.dir, it.clip)
				clips = append(clips, filepath.ToSlash(rel))
			}
			f, err := job.file("presentation.mp4", clips, map[string]string{"size": fmt.Sprintf("%dx%d", a.cfg.Presentation.Width, a.cfg.Presentation.Height),
				"card_seconds": fmt.Sprint(a.cfg.Presentation.CardSeconds), "language": a.cfg.Report.Language})
			if err != nil {
				return m, err
			}
			job.timed("presentation", start)
			if err := job.done("presentation", exportStep{Key: key, Files: []bundle.File{f}}); err != nil {
				return m, err
			}
		}
	}
	start := time.Now()
	if err := writeTimeline(job.dir, out, a); err != nil {
		return m, err
	}
	if err := a.caseAudit(job.dir, cs.Number); err != nil {
		return m, err
	}
	for rel, params := range map[string]map[string]string{"timeline.json": nil, "timeline.csv": nil, "audit.jsonl": {"filter": "case " + cs.Number}} {
		f, err := job.file(rel, nil, params)
		if err != nil {
			return m, err
		}
		job.files[rel] = f
	}
	job.timed("timeline and audit", start)

	a.say("export %s: report", cs.Number)
	start = time.Now()
	if err := a.writeReport(ctx, cs, out, gaps, job, created); err != nil {
		return m, fmt.Errorf("report: %w", err)
	}
	job.timed("report", start)

	start = time.Now()
	for _, f := range job.files {
		m.Files = append(m.Files, f)
	}
	// What an earlier run made for entries since changed or removed goes:
	// the bundle holds exactly the manifest's files.
	keep := map[string]bool{}
	for p := range job.files {
		keep[p] = true
	}
	if err := sweep(job.dir, keep); err != nil {
		return m, err
	}
	os.Remove(job.path(journalName))
	err := bundle.Finish(job.dir, m)
	job.timed("manifest", start)
	return m, err
}

// exportEntry writes one entry's clip (with its record and native sources)
// and stills.
func (a *cli) exportEntry(cmd *cobra.Command, cs store.Case, e store.Entry, number int, cam *catalog.Camera, job *exportJob) (exportStep, error) {
	ctx := cmd.Context()
	nn := fmt.Sprintf("%02d-%s", number, cam.ID)
	hhmmss := e.At.In(a.cfg.Timezone).Format("150405")
	x := &exportEntry{Stills: []string{}, StillFrames: []time.Time{}}
	step := exportStep{Entry: x}
	cov, err := footage.CoverageOf(ctx, a.svc.Store(), cam, e.From, e.To, a.now())
	if err != nil {
		return step, err
	}
	step.Gaps = append(append(step.Gaps, cov.Gaps...), damagedAsGaps(cov.Damaged)...)
	if len(cov.Segments) > 0 {
		start := time.Now()
		clip := "clips/" + nn + "-" + hhmmss + ".mp4"
		runs := splitRuns(cov.Segments, false, false)
		mode := e.Mode
		if mode == "" {
			mode = a.cfg.Clip.Mode
		}
		rec, err := a.cutRun(cmd, cam, cov, runs[0], e.From, e.To, job.path(clip), mode, "allow",
			media.TranscodeOptions{CRF: 20, Preset: "veryfast"}, false, map[string]string{"case": cs.Number})
		if err != nil {
			return step, err
		}
		job.timed("clips", start)
		x.Clip, x.Gaps, x.Mode, x.Reencoded, x.ClipFrom = clip, len(rec.Gaps), rec.Mode, rec.ReencodedFrames, rec.From
		start = time.Now()
		var from []string
		listed := map[string]bool{}
		for _, s := range rec.Sources {
			f, err := a.copyNative(job, cam.ID, cam.Recordings.Path, s.File, s.SHA256, map[string]string{"copy": "bit-exact"})
			if err != nil {
				return step, err
			}
			from = append(from, f.Path)
			if !listed[f.Path] {
				listed[f.Path] = true
				step.Files = append(step.Files, f)
			}
		}
		job.timed("native copies", start)
		record := "clips/" + nn + "-" + hhmmss + ".json"
		if err := os.Rename(job.path(clip)+".json", job.path(record)); err != nil {
			return step, err
		}
		// The cut hashed its output already.
		fi, err := os.Stat(job.path(clip))
		if err != nil {
			return step, err
		}
		f := bundle.File{Path: clip, Size: fi.Size(), SHA256: rec.SHA256, DerivedFrom: from, Tool: job.software,
			Parameters: map[string]string{"mode": rec.Mode, "from": rec.From.Format(time.RFC3339Nano), "to": rec.To.Format(time.RFC3339Nano),
				"reencoded_frames": rec.ReencodedFrames}}
		r, err := job.file(record, []string{clip}, nil)
		if err != nil {
			return step, err
		}
		step.Files = append(step.Files, f, r)
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
		names = append(names, job.path("stills/"+nn+"-"+t.In(a.cfg.Timezone).Format("150405.000")+".png"))
	}
	recs, err := a.writeStills(ctx, cam, cs.Number, times, names)
	if err != nil && x.Clip != "" {
		return step, err
	}
	for _, r := range recs {
		rel := "stills/" + filepath.Base(r.File)
		x.Stills = append(x.Stills, rel)
		x.StillFrames = append(x.StillFrames, r.FrameTime)
		step.Files = append(step.Files, bundle.File{Path: rel, Size: r.Size, SHA256: r.SHA256, DerivedFrom: []string{r.Source}, Tool: job.software,
			Parameters: map[string]string{"at": r.Requested.Format(time.RFC3339Nano), "frame_true_time": r.FrameTime.Format(time.RFC3339Nano)}})
	}
	job.timed("stills", start)
	return step, nil
}

func damagedAsGaps(parts []footage.Part) []footage.Gap {
	var gaps []footage.Gap
	for _, p := range parts {
		if !p.TrueEnd.After(p.TrueStart) {
			continue // unreadable: coverage already gives its gap, with the reason
		}
		reason := "damaged file " + filepath.Base(p.File)
		if p.Reason != "" {
			reason += ": " + p.Reason
		}
		gaps = append(gaps, footage.Gap{From: p.TrueStart, To: p.TrueEnd, Duration: p.Duration, Reason: reason})
	}
	return gaps
}

// copyNative copies a source segment bit-exactly to native/<camera>/<path
// below the recordings directory>, hashing it as it streams (one read of
// the source, memory bounded whatever its size) and checking it against
// its recorded hash before the copy takes its name. It returns the copy's
// manifest entry; a segment copied for an earlier entry is not copied
// again.
func (a *cli) copyNative(job *exportJob, camera, root, src, sum string, params map[string]string) (bundle.File, error) {
	rel, err := filepath.Rel(root, src)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(src)
	}
	rel = "native/" + camera + "/" + filepath.ToSlash(rel)
	if f, ok := job.files[rel]; ok && f.SHA256 == sum {
		return f, nil
	}
	dst := job.path(rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return bundle.File{}, err
	}
	in, err := os.Open(src)
	if err != nil {
		return bundle.File{}, fault.NotFoundf("source %s: %v", src, err)
	}
	defer in.Close()
	out, err := atomicfile.Create(dst)
	if err != nil {
		return bundle.File{}, err
	}
	defer out.Abort()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if err != nil {
		return bundle.File{}, fmt.Errorf("copy %s: %w", src, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != sum {
		return bundle.File{}, fault.Storagef("source %s no longer matches its recorded SHA-256; it was not copied", src)
	}
	if err := out.Commit(); err != nil {
		return bundle.File{}, err
	}
	return bundle.File{Path: rel, Size: n, SHA256: sum, DerivedFrom: []string{src}, Tool: job.software, Parameters: params}, nil
}

func writeTimeline(dir string, entries []exportEntry, a *cli) error {
	data, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, "timeline.json"), append(data, '\n')); err != nil {
		return err
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"number", "true_time", "camera_clock", "clock_verified", "camera", "camera_name", "clip_from", "clip_to", "tags", "text", "clip", "stills"})
	for _, e := range entries {
		w.Write([]string{strconv.Itoa(e.Number), e.At.Format(time.RFC3339Nano), e.CameraClock.Format(time.RFC3339Nano), strconv.FormatBool(e.ClockVerified),
			e.Camera, e.CameraName, e.From.Format(time.RFC3339Nano), e.To.Format(time.RFC3339Nano), strings.Join(e.Tags, ","), e.Text, e.Clip, strings.Join(e.Stills, ",")})
	}
	w.Flush()
	return atomicfile.Write(filepath.Join(dir, "timeline.csv"), []byte(b.String()))
}

// caseAudit writes the audit log's entries for a case into the bundle.
func (a *cli) caseAudit(dir, number string) error {
	path, err := a.auditPath()
	if err != nil {
		return err
	}
	var b strings.Builder
	if f, err := os.Open(path); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 16<<20)
		for sc.Scan() {
			var e audit.Entry
			if json.Unmarshal(sc.Bytes(), &e) == nil && e.Case == number {
				b.Write(sc.Bytes())
				b.WriteByte('\n')
			}
		}
	}
	return atomicfile.Write(filepath.Join(dir, "audit.jsonl"), []byte(b.String()))
}

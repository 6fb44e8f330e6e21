package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
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
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/store"
)

// exportEntry is one timeline entry as the bundle's timeline.json has it.
type exportEntry struct {
	entryView
	Clip   string   `json:"clip,omitempty"` // bundle path; "" when the camera has no footage for the range
	Stills []string `json:"still_files"`
	Gaps   int      `json:"gaps"`
	Note   string   `json:"note,omitempty"`
}

func (a *app) exportCommand() *cobra.Command {
	var outDir string
	cmd := &cobra.Command{
		Use:   "export CASE [-o DIR]",
		Short: "Build the case's bundle: clips, stills, native sources, timeline, audit, manifest and SHA256SUMS",
		Args:  exactArgs(1, "a case number"),
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
			id := a.now().UTC().Format("20060102T150405Z")
			final := filepath.Join(outDir, cs.Number, id)
			work := filepath.Join(outDir, cs.Number, "."+id+".part") // renamed when complete
			if err := os.MkdirAll(work, 0o755); err != nil {
				return fault.Usagef("-o %s: %v", outDir, err)
			}
			m, err := a.buildBundle(cmd, cs, entries, work, id)
			if err != nil {
				os.RemoveAll(work)
				return err
			}
			if err := os.Rename(work, final); err != nil {
				os.RemoveAll(work)
				return fmt.Errorf("export: %w", err)
			}
			_, msum, _ := bundle.HashFile(filepath.Join(final, bundle.ManifestName))
			if err := a.record(audit.Entry{Action: "export", Case: cs.Number, Hashes: map[string]string{filepath.Join(final, bundle.ManifestName): msum},
				Detail: map[string]string{"dir": final, "files": strconv.Itoa(len(m.Files)), "entries": strconv.Itoa(len(entries))}}); err != nil {
				return err
			}
			return a.emit(map[string]any{"dir": final, "case": cs.Number, "export_id": id, "files": len(m.Files), "manifest_sha256": msum}, func(w io.Writer) {
				fmt.Fprintf(w, "bundle %s: %d files for %d entries; check it with: klipp verify %s (or sha256sum -c SHA256SUMS there)\n", final, len(m.Files), len(entries), final)
			})
		},
	}
	cmd.Flags().StringVarP(&outDir, "output", "o", "", "directory for bundles (default: <data_dir>/exports); the bundle is DIR/<case>/<export-id>")
	return cmd
}

// buildBundle writes every file of the bundle into dir.
func (a *app) buildBundle(cmd *cobra.Command, cs store.Case, entries []store.Entry, dir, id string) (bundle.Manifest, error) {
	ctx := cmd.Context()
	software := "klipp " + version + ", FFmpeg " + media.Version()
	m := bundle.Manifest{Case: cs.Number, ExportID: id, Created: a.now().UTC(), Software: software}
	add := func(rel string, from []string, params map[string]string) error {
		size, sum, err := bundle.HashFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		m.Files = append(m.Files, bundle.File{Path: rel, Size: size, SHA256: sum, DerivedFrom: from, Tool: software, Parameters: params})
		return nil
	}
	for _, sub := range []string{"clips", "stills", "native"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return m, err
		}
	}
	natives := map[string]bool{}
	var out []exportEntry
	var items []presentationItem
	for i, e := range entries {
		cam, err := a.camera(e.Camera)
		if err != nil {
			return m, err
		}
		nn := fmt.Sprintf("%02d-%s", i+1, cam.ID)
		hhmmss := e.At.In(a.cfg.Timezone).Format("150405")
		x := exportEntry{entryView: a.viewEntry(e, i+1), Stills: []string{}}
		if !a.quiet {
			fmt.Fprintf(a.stderr, "export %s: entry %d of %d (%s)\n", cs.Number, i+1, len(entries), cam.Name)
		}

		cov, err := footage.CoverageOf(ctx, a.store, cam, e.From, e.To, a.now())
		if err != nil {
			return m, err
		}
		if len(cov.Segments) > 0 {
			clip := "clips/" + nn + "-" + hhmmss + ".mp4"
			runs := splitRuns(cov.Segments, false, false)
			rec, err := a.cutRun(cmd, cam, cov, runs[0], e.From, e.To, filepath.Join(dir, filepath.FromSlash(clip)), a.cfg.Clip.Mode, "allow",
				media.TranscodeOptions{CRF: 20, Preset: "veryfast"}, false, nil)
			if err != nil {
				return m, fmt.Errorf("entry %d (%s): %w", i+1, cam.ID, err)
			}
			x.Clip, x.Gaps = clip, len(rec.Gaps)
			items = append(items, presentationItem{number: i + 1, entry: e, clip: filepath.Join(dir, filepath.FromSlash(clip)), clipFrom: rec.From})
			var from []string
			for _, s := range rec.Sources {
				rel, err := a.copyNative(dir, cam.ID, cam.Recordings.Path, s.File, s.SHA256, natives)
				if err != nil {
					return m, err
				}
				from = append(from, rel)
				if !natives[rel+"#listed"] {
					natives[rel+"#listed"] = true
					if err := add(rel, []string{s.File}, map[string]string{"copy": "bit-exact"}); err != nil {
						return m, err
					}
				}
			}
			if err := os.Rename(filepath.Join(dir, filepath.FromSlash(clip))+".json", filepath.Join(dir, "clips", nn+"-"+hhmmss+".json")); err != nil {
				return m, err
			}
			if err := add(clip, from, map[string]string{"mode": rec.Mode, "from": rec.From.Format(time.RFC3339Nano), "to": rec.To.Format(time.RFC3339Nano),
				"reencoded_frames": rec.ReencodedFrames}); err != nil {
				return m, err
			}
			if err := add("clips/"+nn+"-"+hhmmss+".json", []string{clip}, nil); err != nil {
				return m, err
			}
		} else {
			x.Note = "no footage for the clip range"
		}
		times := e.Stills
		if len(times) == 0 {
			times = []time.Time{e.At}
		}
		var names []string
		for _, t := range times {
			names = append(names, filepath.Join(dir, "stills", nn+"-"+t.In(a.cfg.Timezone).Format("150405.000")+".png"))
		}
		recs, err := a.writeStills(ctx, cam, times, names)
		if err != nil && x.Clip != "" {
			return m, fmt.Errorf("entry %d (%s): %w", i+1, cam.ID, err)
		}
		for _, r := range recs {
			rel := "stills/" + filepath.Base(r.File)
			x.Stills = append(x.Stills, rel)
			if err := add(rel, []string{r.Source}, map[string]string{"at": r.Requested.Format(time.RFC3339Nano), "frame_true_time": r.FrameTime.Format(time.RFC3339Nano)}); err != nil {
				return m, err
			}
		}
		out = append(out, x)
	}
	if len(items) > 0 {
		if !a.quiet {
			fmt.Fprintf(a.stderr, "export %s: presentation (%d clips)\n", cs.Number, len(items))
		}
		if err := a.writePresentation(ctx, cs, items, filepath.Join(dir, "presentation.mp4")); err != nil {
			return m, fmt.Errorf("presentation: %w", err)
		}
		var clips []string
		for _, it := range items {
			rel, _ := filepath.Rel(dir, it.clip)
			clips = append(clips, filepath.ToSlash(rel))
		}
		if err := add("presentation.mp4", clips, map[string]string{"size": fmt.Sprintf("%dx%d", a.cfg.Presentation.Width, a.cfg.Presentation.Height),
			"card_seconds": fmt.Sprint(a.cfg.Presentation.CardSeconds), "language": a.cfg.Report.Language}); err != nil {
			return m, err
		}
	}
	if err := writeTimeline(dir, out, a); err != nil {
		return m, err
	}
	if err := add("timeline.json", nil, nil); err != nil {
		return m, err
	}
	if err := add("timeline.csv", nil, nil); err != nil {
		return m, err
	}
	if err := a.caseAudit(dir, cs.Number); err != nil {
		return m, err
	}
	if err := add("audit.jsonl", nil, map[string]string{"filter": "case " + cs.Number}); err != nil {
		return m, err
	}
	return m, bundle.Finish(dir, m)
}

// copyNative copies a source segment bit-exactly to native/<camera>/<path
// below the recordings directory>, checking it against its recorded hash.
func (a *app) copyNative(dir, camera, root, src, sum string, done map[string]bool) (string, error) {
	rel, err := filepath.Rel(root, src)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(src)
	}
	rel = "native/" + camera + "/" + filepath.ToSlash(rel)
	if done[rel] {
		return rel, nil
	}
	dst := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return rel, err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return rel, fault.NotFoundf("source %s: %v", src, err)
	}
	if err := atomicfile.Write(dst, data); err != nil {
		return rel, err
	}
	if _, got, err := bundle.HashFile(dst); err != nil || got != sum {
		return rel, fault.Storagef("native copy of %s does not match its recorded SHA-256", src)
	}
	done[rel] = true
	return rel, nil
}

func writeTimeline(dir string, entries []exportEntry, a *app) error {
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
func (a *app) caseAudit(dir, number string) error {
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

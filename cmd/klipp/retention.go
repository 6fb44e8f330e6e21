package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/retention"
	"github.com/klipp-forensics/klipp/internal/store"
)

func (a *cli) retentionCommand() *cobra.Command {
	var within, now, radius, only string
	var preserve, all bool
	cmd := &cobra.Command{
		Use:   "retention [--within 14d] [--now T] [--case N] [--preserve]",
		Short: "Requested footage the sources will delete, soonest first; --preserve archives its native segments now",
		Long: "For every open case's request window (on the cameras of its timeline and those within --radius of its\n" +
			"place) and every timeline entry, when the source deletes the footage (segment start + the camera's\n" +
			"retention) and whether it is preserved: copied bit-exactly into a verified archived bundle.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if _, err := a.config(); err != nil {
				return err
			}
			w, err := clock.ParseDuration(within)
			if err != nil {
				return fault.Usagef("--within %q: %v", within, err)
			}
			r, err := clock.ParseDistance(radius)
			if err != nil {
				return fault.Usagef("--radius %q: %v", radius, err)
			}
			if now != "" {
				t, err := a.parseTime("now", now)
				if err != nil {
					return err
				}
				a.now = func() time.Time { return t }
			}
			windows, err := a.assessRetention(ctx, only, w, r)
			if err != nil {
				return err
			}
			var preserved []pushView
			if preserve {
				byCase := map[string][]retention.Window{}
				var order []string
				for _, win := range windows {
					if win.State != "at-risk" && !(all && win.State == "safe-for-now") {
						continue
					}
					if byCase[win.Case] == nil {
						order = append(order, win.Case)
					}
					byCase[win.Case] = append(byCase[win.Case], win)
				}
				for _, number := range order {
					v, err := a.preserve(ctx, number, byCase[number])
					if err != nil {
						return err
					}
					preserved = append(preserved, v)
				}
				if windows, err = a.assessRetention(ctx, only, w, r); err != nil {
					return err
				}
			}
			shown := windows
			if !all {
				shown = nil
				for _, win := range windows {
					if win.State == "at-risk" || win.State == "expired" {
						shown = append(shown, win)
					}
				}
			}
			if shown == nil {
				shown = []retention.Window{}
			}
			return a.emit(map[string]any{"now": a.now().UTC(), "within": within, "windows": shown, "preserved": preserved}, func(wr io.Writer) {
				for _, v := range preserved {
					fmt.Fprintf(wr, "preserved %s: %d native segments archived in %s and verified\n", v.Ref, v.Objects-3, v.Store)
				}
				if len(shown) == 0 {
					fmt.Fprintf(wr, "nothing requested is at risk within %s of %s\n", within, a.show(a.now()))
					return
				}
				rows := [][]string{{"case", "what", "camera", "window", "expires", "left", "state", "unpreserved"}}
				for _, win := range shown {
					exp, left := "", ""
					if win.Expires != nil {
						exp, left = a.show(*win.Expires), clock.FormatDuration(win.Left.Round(time.Minute))
					}
					rows = append(rows, []string{win.Case, win.What, win.CameraName, win.From.In(a.cfg.Timezone).Format("2006-01-02 15:04:05") + " – " +
						win.To.In(a.cfg.Timezone).Format("15:04:05"), exp, left, win.State, strconv.Itoa(len(win.Unpreserved)) + " of " + strconv.Itoa(win.Segments)})
				}
				table(wr, rows)
			})
		},
	}
	cmd.Flags().StringVar(&within, "within", "14d", "windows whose footage expires within this are at risk")
	cmd.Flags().StringVar(&now, "now", "", "assess as of this time instead of now")
	cmd.Flags().StringVar(&radius, "radius", "300m", "cameras within this of a case's place are part of its request window")
	cmd.Flags().StringVar(&only, "case", "", "only this case")
	cmd.Flags().BoolVar(&preserve, "preserve", false, "export the native segments of every at-risk window and archive them")
	cmd.Flags().BoolVar(&all, "all", false, "list every window (preserved, safe for now, without footage); with --preserve, preserve the safe-for-now ones too")
	return cmd
}

func (a *cli) assessRetention(ctx context.Context, only string, within time.Duration, radius float64) ([]retention.Window, error) {
	db, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := a.cameras()
	if err != nil {
		return nil, err
	}
	var cases []store.Case
	if only != "" {
		c, err := casefile.Get(ctx, db, only)
		if err != nil {
			return nil, err
		}
		cases = []store.Case{c}
	} else if cases, err = db.ListCases(ctx, ""); err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	var in []retention.Case
	for _, c := range cases {
		entries, err := db.Entries(ctx, c.Number)
		if err != nil {
			return nil, fault.Wrap(fault.Storage, err)
		}
		in = append(in, retention.Case{Case: c, Entries: entries})
	}
	preserved, err := db.PreservedPaths(ctx)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	return retention.Assess(ctx, db, cat, in, preserved, retention.Options{Now: a.now(), Within: within, Radius: radius})
}

// preserve writes a preservation bundle of a case's unpreserved source
// segments (bit-exact, checked against their hashes) with the windows they
// answer, and archives it.
func (a *cli) preserve(ctx context.Context, number string, windows []retention.Window) (pushView, error) {
	outDir := filepath.Join(a.cfg.DataDir, "exports")
	if err := export.ClaimDir(outDir); err != nil {
		return pushView{}, err
	}
	id := a.now().UTC().Format("20060102T150405Z") + "-preserve"
	final := filepath.Join(outDir, number, id)
	job := export.NewWork(filepath.Join(outDir, number, bundle.WorkDir(id)), id, "klipp "+version+", FFmpeg "+media.Version())
	if err := os.MkdirAll(job.Dir, 0o755); err != nil {
		return pushView{}, fault.Wrap(fault.Storage, err)
	}
	defer os.RemoveAll(job.Dir) // a no-op once renamed
	db, _ := a.openStore(ctx)
	a.say("retention: preserving %d windows of case %s", len(windows), number)
	for _, w := range windows {
		cam, err := a.camera(w.Camera)
		if err != nil {
			return pushView{}, err
		}
		for _, s := range w.Unpreserved {
			seg := s.Source()
			sum, err := footage.SourceHash(ctx, db, &seg)
			if err != nil {
				return pushView{}, err
			}
			f, err := job.CopyNative(cam.ID, cam.Recordings.Path, seg.Path, sum,
				map[string]string{"copy": "bit-exact", "source_expires": s.Expires.Format(time.RFC3339)})
			if err != nil {
				return pushView{}, err
			}
			job.Add(f)
		}
	}
	data, _ := json.MarshalIndent(map[string]any{"case": number, "reason": "source footage at risk of deletion", "windows": windows}, "", "  ")
	if err := atomicfile.Write(job.Path(bundle.PreservationName), append(data, '\n')); err != nil {
		return pushView{}, err
	}
	f, err := job.File(bundle.PreservationName, nil, nil)
	if err != nil {
		return pushView{}, err
	}
	job.Add(f)
	m := bundle.Manifest{Case: number, ExportID: id, Created: a.now().UTC(), Software: job.Software}
	for _, f := range job.Files {
		m.Files = append(m.Files, f)
	}
	if err := bundle.Finish(job.Dir, m); err != nil {
		return pushView{}, err
	}
	if err := os.Rename(job.Dir, final); err != nil {
		return pushView{}, fault.Wrap(fault.Storage, err)
	}
	if err := a.record(audit.Entry{Action: "retention.preserve", Case: number, Detail: map[string]string{"dir": final, "segments": strconv.Itoa(len(m.Files) - 1),
		"windows": strconv.Itoa(len(windows))}}); err != nil {
		return pushView{}, err
	}
	return a.pushBundle(ctx, final, 4, 0, false)
}

package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *cli) retentionCommand() *cobra.Command {
	var within, now, radius string
	var req app.RetentionRequest
	var preserve bool
	cmd := &cobra.Command{
		Use:   "retention [--within 14d] [--now T] [--case N] [--preserve]",
		Short: "Requested footage the sources will delete, soonest first; --preserve archives its native segments now",
		Long: "For every open case's request window (on the cameras of its timeline and those within --radius of its\n" +
			"place) and every timeline entry, when the source deletes the footage (segment start + the camera's\n" +
			"retention) and whether it is preserved: copied bit-exactly into a verified archived bundle.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if _, err = a.config(); err != nil {
				return err
			}
			if req.Within, err = clock.ParseDuration(within); err != nil {
				return fault.Usagef("--within %q: %v", within, err)
			}
			if req.Radius, err = clock.ParseDistance(radius); err != nil {
				return fault.Usagef("--radius %q: %v", radius, err)
			}
			if now != "" {
				if req.Now, err = a.parseTime("now", now); err != nil {
					return err
				}
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			var res app.RetentionResult
			if preserve {
				ev := a.events()
				res, err = runJob(a, cmd, &app.PreserveJob{PreserveRequest: req}, ev, func() (app.RetentionResult, error) { return svc.Preserve(cmd.Context(), req, ev) })
				ev.done()
				if err == errDetached {
					return nil
				}
			} else {
				res, err = svc.Retention(cmd.Context(), req)
			}
			if err != nil {
				return err
			}
			out := map[string]any{"now": res.Now, "within": within, "windows": res.Windows, "preserved": res.Preserved}
			return a.emit(out, func(w io.Writer) { a.printRetention(w, res, within) })
		},
	}
	cmd.Flags().StringVar(&within, "within", clock.FormatDuration(app.DefaultRetentionWithin), "windows whose footage expires within this are at risk")
	cmd.Flags().StringVar(&now, "now", "", "assess as of this time instead of now")
	cmd.Flags().StringVar(&radius, "radius", fmt.Sprintf("%gm", app.DefaultRequestRadius), "cameras within this of a case's place are part of its request window")
	cmd.Flags().StringVar(&req.Case, "case", "", "only this case")
	detachFlag(cmd)
	cmd.Flags().BoolVar(&preserve, "preserve", false, "export the native segments of every at-risk window and archive them")
	cmd.Flags().BoolVar(&req.All, "all", false, "list every window (preserved, safe for now, without footage); with --preserve, preserve the safe-for-now ones too")
	return cmd
}

func (a *cli) printRetention(w io.Writer, res app.RetentionResult, within string) {
	for _, v := range res.Preserved {
		fmt.Fprintf(w, "preserved %s: %d native segments archived in %s and verified\n", v.Ref, v.Objects-3, v.Store)
	}
	if len(res.Windows) == 0 {
		fmt.Fprintf(w, "nothing requested is at risk within %s of %s\n", within, a.show(res.Now))
		return
	}
	rows := [][]string{{"case", "what", "camera", "window", "expires", "left", "state", "unpreserved"}}
	for _, win := range res.Windows {
		exp, left := "", ""
		if win.Expires != nil {
			exp, left = a.show(*win.Expires), clock.FormatDuration(win.Left.Round(time.Minute))
		}
		rows = append(rows, []string{win.Case, win.What, win.CameraName, win.From.In(a.cfg.Timezone).Format("2006-01-02 15:04:05") + " – " +
			win.To.In(a.cfg.Timezone).Format("15:04:05"), exp, left, win.State.Label(), strconv.Itoa(len(win.Unpreserved)) + " of " + strconv.Itoa(win.Segments)})
	}
	table(w, rows)
}

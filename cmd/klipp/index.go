package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/footage"
)

func (a *cli) indexCommand() *cobra.Command {
	var camera string
	var withActivity bool
	cmd := &cobra.Command{
		Use:   "index",
		Short: "Scan recordings into the index (incremental: unchanged files are not read again)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !withActivity {
				reports, err := runJob(a, cmd, &app.IndexJob{IndexRequest: app.IndexRequest{Camera: camera}}, nil, func() ([]*footage.Report, error) { return a.index(cmd.Context(), camera) })
				if err == errDetached {
					return nil
				} else if err != nil {
					return err
				}
				return a.emit(reports, func(w io.Writer) { printIndexReports(w, reports) })
			}
			// With the shared store the index and the scan are one job, in
			// order, wherever a worker runs it.
			req := app.IndexRequest{Camera: camera, Activity: true}
			ev := a.events()
			res, err := runJob(a, cmd, &app.IndexJob{IndexRequest: req}, ev, func() (app.IndexActivityResult, error) {
				svc, err := a.service(cmd.Context())
				if err != nil {
					return app.IndexActivityResult{}, err
				}
				return svc.IndexActivity(cmd.Context(), req, ev)
			})
			ev.done()
			if err == errDetached {
				return nil
			} else if err != nil {
				return cliError(err)
			}
			return a.emit(res, func(w io.Writer) {
				printIndexReports(w, res.Index)
				fmt.Fprintln(w)
				printActivityScans(w, res.Activity)
			})
		},
	}
	cmd.Flags().StringVar(&camera, "camera", "", "index only this camera")
	detachFlag(cmd)
	cmd.Flags().BoolVar(&withActivity, "activity", false, "also scan new footage for activity (klipp activity then reads the index)")
	return cmd
}

// index brings the index up to date for one camera or all that have
// recordings, with a progress bar per camera.
func (a *cli) index(ctx context.Context, camera string) ([]*footage.Report, error) {
	svc, err := a.service(ctx)
	if err != nil {
		return nil, err
	}
	ev := a.events()
	defer ev.done()
	return svc.Index(ctx, app.IndexRequest{Camera: camera}, ev)
}

func printIndexReports(w io.Writer, reports []*footage.Report) {
	rows := [][]string{{"CAMERA", "FILES", "READ", "UNCHANGED", "REMOVED", "DAMAGED", "AMBIGUOUS", "IGNORED"}}
	for _, r := range reports {
		rows = append(rows, []string{r.Camera, strconv.Itoa(r.Files), strconv.Itoa(r.Probed), strconv.Itoa(r.Unchanged),
			strconv.Itoa(r.Removed), strconv.Itoa(r.Damaged), strconv.Itoa(r.Ambiguous), strconv.Itoa(len(r.Ignored))})
	}
	table(w, rows)
}

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
			reports, err := runJob(a, cmd, &app.IndexJob{IndexRequest: app.IndexRequest{Camera: camera}}, nil, func() ([]*footage.Report, error) { return a.index(cmd.Context(), camera) })
			if err == errDetached {
				return nil
			} else if err != nil {
				return err
			}
			if !withActivity {
				return a.emit(reports, func(w io.Writer) { printIndexReports(w, reports) })
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			ev := a.events()
			scans, err := svc.ScanActivity(cmd.Context(), app.ScanActivityRequest{Camera: camera}, ev)
			ev.done()
			if err != nil {
				return cliError(err)
			}
			out := struct {
				Index    []*footage.Report  `json:"index"`
				Activity []app.ActivityScan `json:"activity"`
			}{reports, scans}
			return a.emit(out, func(w io.Writer) {
				printIndexReports(w, reports)
				fmt.Fprintln(w)
				printActivityScans(w, scans)
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

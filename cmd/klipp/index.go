package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
)

func (a *cli) indexCommand() *cobra.Command {
	var camera string
	cmd := &cobra.Command{
		Use:   "index",
		Short: "Scan recordings into the index (incremental: unchanged files are not read again)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reports, err := a.index(cmd, camera)
			if err != nil {
				return err
			}
			return a.emit(reports, func(w io.Writer) { printIndexReports(w, reports) })
		},
	}
	cmd.Flags().StringVar(&camera, "camera", "", "index only this camera")
	return cmd
}

// index brings the index up to date for one camera or all that have
// recordings.
func (a *cli) index(cmd *cobra.Command, camera string) ([]*footage.Report, error) {
	cat, err := a.cameras()
	if err != nil {
		return nil, err
	}
	st, err := a.openStore(cmd.Context())
	if err != nil {
		return nil, err
	}
	var cams []*catalog.Camera
	if camera != "" {
		cam, err := cat.Camera(camera)
		if err != nil {
			return nil, err
		}
		cams = append(cams, cam)
	} else {
		for _, cam := range cat.Cameras {
			if cam.Recordings.Path != "" {
				cams = append(cams, cam)
			}
		}
	}
	if len(cams) == 0 {
		return nil, fault.NotFoundf("no camera in %s has a recordings path", cat.File)
	}
	reports := []*footage.Report{}
	for _, cam := range cams {
		update, finish := a.progress(fmt.Sprintf("index %-20s", cam.ID))
		rep, err := footage.Index(cmd.Context(), st, cam, func(done, total int) { update(int64(done), int64(total)) })
		finish()
		if err != nil {
			return nil, err
		}
		reports = append(reports, rep)
	}
	return reports, nil
}

func printIndexReports(w io.Writer, reports []*footage.Report) {
	rows := [][]string{{"CAMERA", "FILES", "READ", "UNCHANGED", "REMOVED", "DAMAGED", "AMBIGUOUS", "IGNORED"}}
	for _, r := range reports {
		rows = append(rows, []string{r.Camera, strconv.Itoa(r.Files), strconv.Itoa(r.Probed), strconv.Itoa(r.Unchanged),
			strconv.Itoa(r.Removed), strconv.Itoa(r.Damaged), strconv.Itoa(r.Ambiguous), strconv.Itoa(len(r.Ignored))})
	}
	table(w, rows)
}

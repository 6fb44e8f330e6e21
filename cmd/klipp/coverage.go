package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
)

func (a *cli) coverageCommand() *cobra.Command {
	var camera, from, to string
	cmd := &cobra.Command{
		Use:   "coverage --camera ID --from T --to T",
		Short: "Segments, gaps, damaged files and source expiry for a camera and time range",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cam, cov, err := a.coverage(cmd.Context(), camera, from, to)
			if err != nil {
				return err
			}
			return a.emit(cov, func(w io.Writer) { a.printCoverage(w, cam, cov) })
		},
	}
	cmd.Flags().StringVar(&camera, "camera", "", "camera id")
	cmd.Flags().StringVar(&from, "from", "", "start of the range (true time)")
	cmd.Flags().StringVar(&to, "to", "", "end of the range (true time)")
	return cmd
}

// coverage reads --camera, --from and --to and answers what the camera
// recorded between them.
func (a *cli) coverage(ctx context.Context, camera, from, to string) (*catalog.Camera, *footage.Coverage, error) {
	svc, err := a.service(ctx)
	if err != nil {
		return nil, nil, err
	}
	if camera == "" {
		return nil, nil, fault.Fieldf("camera", "required")
	}
	cam, err := svc.Camera(camera)
	if err != nil {
		return nil, nil, err
	}
	f, err := a.parseTime("from", from)
	if err != nil {
		return nil, nil, err
	}
	t, err := a.parseTime("to", to)
	if err != nil {
		return nil, nil, err
	}
	cov, err := svc.Coverage(ctx, app.CoverageRequest{Camera: camera, From: f, To: t})
	if err != nil {
		return nil, nil, err
	}
	return cam, cov, nil
}

func (a *cli) printCoverage(w io.Writer, cam *catalog.Camera, c *footage.Coverage) {
	fmt.Fprintf(w, "%s (%s), %s → %s, true time\n", cam.Name, cam.ID, a.show(c.From), a.show(c.To))
	if c.ClockVerified {
		fmt.Fprintf(w, "camera clock %+.3fs against true time at %s (measured)\n", cam.Clock.At(c.From).Seconds(), a.show(c.From))
	} else {
		fmt.Fprintln(w, "camera clock NOT VERIFIED: times assume the camera clock is right")
	}
	total := c.To.Sub(c.From)
	fmt.Fprintf(w, "covered %s of %s (%.1f%%): %d segments, %d gaps, %d damaged, %d ambiguous\n",
		clock.FormatDuration(time.Duration(float64(c.Covered)*float64(time.Second)).Round(time.Millisecond)), clock.FormatDuration(total),
		float64(c.Covered)/total.Seconds()*100, len(c.Segments), len(c.Gaps), len(c.Damaged), len(c.Ambiguous))
	if c.FirstExpiry != nil {
		left := c.FirstExpiry.Sub(a.now())
		when := "EXPIRED"
		if left > 0 {
			when = "in " + clock.FormatDuration(left.Truncate(time.Hour))
		}
		fmt.Fprintf(w, "deleted at the source from %s (%s; retention %s)\n", a.show(*c.FirstExpiry), when, clock.FormatDuration(cam.Retention))
	}
	if len(c.Segments) > 0 {
		fmt.Fprintln(w, "\nSEGMENTS")
		rows := [][]string{{"TRUE START", "±", "TRUE END", "CAMERA CLOCK START", "LENGTH", "FRAMES", "STATUS", "FILE"}}
		for _, p := range c.Segments {
			rows = append(rows, []string{a.show(p.TrueStart), plusMinus(p.Bound), a.show(p.TrueEnd)[11:], clock.FormatDisplay(p.CameraStart, cam.Timezone),
				fmt.Sprintf("%.3fs", float64(p.Duration)), strconv.Itoa(p.Frames), p.Status, p.File})
		}
		table(w, rows)
	}
	if len(c.Gaps) > 0 {
		fmt.Fprintln(w, "\nGAPS")
		rows := [][]string{{"FROM", "TO", "LENGTH", "REASON"}}
		for _, g := range c.Gaps {
			rows = append(rows, []string{a.show(g.From), a.show(g.To), fmt.Sprintf("%.3fs", float64(g.Duration)), g.Reason})
		}
		table(w, rows)
	}
	if len(c.Damaged) > 0 {
		fmt.Fprintln(w, "\nDAMAGED")
		rows := [][]string{{"FILE", "CAMERA CLOCK START", "REASON"}}
		for _, p := range c.Damaged {
			rows = append(rows, []string{p.File, clock.FormatDisplay(p.CameraStart, cam.Timezone), p.Reason})
		}
		table(w, rows)
	}
	if len(c.Ambiguous) > 0 {
		fmt.Fprintln(w, "\nAMBIGUOUS START")
		rows := [][]string{{"FILE", "REASON"}}
		for _, p := range c.Ambiguous {
			rows = append(rows, []string{p.File, p.Reason})
		}
		table(w, rows)
	}
}

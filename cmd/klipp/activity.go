package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/activity"
	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *cli) activityCommand() *cobra.Command {
	var camera, from, to, region, minLength string
	var sensitivity int
	cmd := &cobra.Command{
		Use:   "activity --camera ID --from T --to T [--region x,y,w,h | --region \"x1,y1 x2,y2 x3,y3 …\"]",
		Short: "Periods in which something moved in a camera's picture (keyframes scanned once, kept in the index)",
		Long: "Lists the periods of activity in true time: start, end, how much of the picture (or region) moved at the\n" +
			"busiest moment and where. Footage not yet scanned is scanned first (keyframes at reduced size, compared\n" +
			"with a background that follows slow changes of light) and the scan kept in the index, so the next\n" +
			"question about the same footage is answered from the index. Regions are in the picture's pixels.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if camera == "" {
				return fault.Usagef("activity needs --camera, --from and --to")
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req := app.ActivityRequest{Camera: camera, Sensitivity: sensitivity}
			if req.From, err = a.parseTime("from", from); err != nil {
				return err
			}
			if req.To, err = a.parseTime("to", to); err != nil {
				return err
			}
			if req.Region, err = activity.ParseRegion(region); err != nil {
				return fault.Fieldf("region", "%v", err)
			}
			if req.MinLength, err = parseMinLength(minLength); err != nil {
				return err
			}
			ev := a.events()
			res, err := svc.Activity(cmd.Context(), req, ev)
			ev.done()
			if err != nil {
				return cliError(err)
			}
			return a.emit(res, func(w io.Writer) { a.printActivity(w, res) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&camera, "camera", "", "camera id")
	fl.StringVar(&from, "from", "", "start (true time)")
	fl.StringVar(&to, "to", "", "end (true time)")
	fl.StringVar(&region, "region", "", "watch only this part of the picture, in its pixels: x,y,w,h or a polygon \"x1,y1 x2,y2 x3,y3 …\"")
	fl.StringVar(&minLength, "min-length", "2s", "leave out activity seen for less than this (0: every period, however short)")
	fl.IntVar(&sensitivity, "sensitivity", activity.DefaultSensitivity, "1 (only large movement) to 10 (the least)")
	return cmd
}

// parseMinLength reads --min-length: a duration, or 0 (with or without a
// unit) for every period however short.
func parseMinLength(s string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && n == 0 {
		return 0, nil
	}
	d, err := clock.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fault.Fieldf("min-length", "%q: give a duration such as 2s or 500ms, or 0 for every period however short", s)
	}
	return d, nil
}

func (a *cli) printActivity(w io.Writer, r app.ActivityResult) {
	where := "the whole picture"
	if r.Region != "" {
		where = "region " + r.Region
	}
	fmt.Fprintf(w, "%s (%s), %s → %s, true time\n", r.CameraName, r.Camera, a.show(r.From), a.show(r.To))
	if !r.ClockVerified {
		fmt.Fprintln(w, "camera clock NOT VERIFIED: times assume the camera clock is right")
	}
	length := "of any length"
	if r.MinLength > 0 {
		length = "seen for at least " + clock.FormatDuration(time.Duration(r.MinLength*float64(time.Second)))
	}
	fmt.Fprintf(w, "%d period(s) of activity in %s (sensitivity %d, %s)\n", len(r.Periods), where, r.Sensitivity, length)
	if len(r.Periods) > 0 {
		rows := [][]string{{"START", "END", "LENGTH", "PEAK", "PEAK AT", "WHERE (x,y w×h)"}}
		for _, p := range r.Periods {
			rows = append(rows, []string{a.show(p.Start), a.show(p.End)[11:], fmt.Sprintf("%.1fs", p.End.Sub(p.Start).Seconds()),
				strconv.FormatFloat(p.Peak, 'f', 2, 64) + "%", a.show(p.PeakAt)[11:23], fmt.Sprintf("%d,%d %d×%d", p.Box.X, p.Box.Y, p.Box.W, p.Box.H)})
		}
		table(w, rows)
	}
	for _, g := range r.Gaps {
		fmt.Fprintf(w, "no footage %s – %s (%s): activity there is unknown\n", a.show(g.From), a.show(g.To)[11:], g.Reason)
	}
	for _, d := range r.Scan.Damaged {
		fmt.Fprintf(w, "note: %s\n", d)
	}
	fmt.Fprintf(w, "%d segment(s), %s of footage: %d scanned now, %d from the index\n", r.Scan.Segments,
		clock.FormatDuration(time.Duration(r.Scan.Footage*float64(time.Second)).Round(time.Second)), r.Scan.Scanned, r.Scan.Stored)
}

// printActivityScans prints what klipp index --activity scanned.
func printActivityScans(w io.Writer, scans []app.ActivityScan) {
	rows := [][]string{{"CAMERA", "SEGMENTS", "SCANNED", "FROM INDEX", "FOOTAGE", "NOTES"}}
	for _, s := range scans {
		rows = append(rows, []string{s.Camera, strconv.Itoa(s.Segments), strconv.Itoa(s.Scanned), strconv.Itoa(s.Stored),
			clock.FormatDuration(time.Duration(s.Footage * float64(time.Second)).Round(time.Second)), strings.Join(s.Damaged, "; ")})
	}
	table(w, rows)
}

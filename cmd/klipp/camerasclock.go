package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *cli) camerasClock() *cobra.Command {
	c := &cobra.Command{Use: "clock", Short: "A camera's clock: add a measurement read off the picture"}
	c.AddCommand(a.camerasClockAdd())
	return c
}

func (a *cli) camerasClockAdd() *cobra.Command {
	var frame, shows, resolution, note string
	var reference bool
	cmd := &cobra.Command{
		Use:   "add ID --frame T --shows \"2026-11-20 22:14:07\"",
		Short: "Record the time a clock in the picture shows at the frame klipp shows at true time T",
		Long: `Record the time a clock in the picture shows at the frame klipp shows at
true time T (klipp still ID --at T shows it). T is read in the camera's clock
model as it is before this measurement; --shows in the camera's timezone.
The recorder's on-screen clock gives offset = shown − T; with --reference the
picture shows a clock keeping true time, and offset = camera clock at T − shown.
The measurement goes into cameras.yaml (comments and layout kept) with who,
when, how and its resolution (whole seconds: ±0.5 s), and into the audit log.`,
		Args: exactArgs(1, "a camera id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := app.ClockAddRequest{Camera: args[0], Shows: shows, Reference: reference, Note: note}
			var err error
			if req.Frame, err = a.parseTime("frame", frame); err != nil {
				return err
			}
			if shows == "" {
				return fault.Usagef("--shows is required: the time the clock in the picture shows")
			}
			if resolution != "" {
				if req.Resolution, err = clock.ParseDuration(resolution); err != nil || req.Resolution <= 0 {
					return fault.Fieldf("resolution", "%q: give the ± of the reading, e.g. 0.5s or 30s", resolution)
				}
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			res, err := svc.AddClock(cmd.Context(), req)
			if err != nil {
				return err
			}
			return a.emit(res, func(w io.Writer) {
				before := "not verified before"
				if res.Before != nil {
					before = fmt.Sprintf("was %+.3fs", *res.Before)
				}
				fmt.Fprintf(w, "camera %s: clock %+.3fs ± %gs at %s (%s; %s), in %s\n", res.Camera, res.Offset, res.Resolution, a.show(res.At), res.How, before, res.Catalog)
			})
		},
	}
	cmd.Flags().StringVar(&frame, "frame", "", "true time of the frame read (display zone), in the current clock model")
	cmd.Flags().StringVar(&shows, "shows", "", "what the clock in the picture shows (camera's timezone)")
	cmd.Flags().StringVar(&resolution, "resolution", "", "± of the reading (default from --shows: whole seconds ±0.5s)")
	cmd.Flags().BoolVar(&reference, "reference", false, "the picture shows a clock keeping true time, not the recorder's")
	cmd.Flags().StringVar(&note, "note", "", "a note kept with the measurement")
	return cmd
}

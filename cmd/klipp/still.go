package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// stillRecord describes one written still (also the --json output).
type stillRecord = app.StillRecord

func (a *cli) stillCommand() *cobra.Command {
	var camera, at, out string
	var force bool
	cmd := &cobra.Command{
		Use:   "still --camera ID --at T[,T2…] -o OUT.png|.jpg",
		Short: "The frame on screen at true time T (the last frame whose presentation time ≤ T)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if camera == "" || at == "" || out == "" {
				return fault.Usagef("still needs --camera, --at and -o")
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req := app.StillRequest{Camera: camera, Out: out, Force: force}
			for _, s := range strings.Split(at, ",") {
				t, err := a.parseTime("at", strings.TrimSpace(s))
				if err != nil {
					return err
				}
				req.Times = append(req.Times, t)
			}
			ev := a.events()
			res, err := svc.Still(cmd.Context(), req, ev)
			ev.done()
			if err != nil {
				return cliError(err)
			}
			return a.emit(res.Records, func(w io.Writer) {
				for _, r := range res.Records {
					check := "clock verified"
					if !r.ClockChecked {
						check = "clock NOT verified"
					}
					fmt.Fprintf(w, "%s: %s at %s (camera clock %s, %s)\n", r.File, res.Camera.Name, a.show(r.FrameTime),
						clock.FormatDisplay(r.CameraClock, res.Camera.Timezone), check)
				}
			})
		},
	}
	cmd.Flags().StringVar(&camera, "camera", "", "camera id")
	cmd.Flags().StringVar(&at, "at", "", "true time(s), comma-separated")
	cmd.Flags().StringVarP(&out, "output", "o", "", "output .png or .jpg (with several times: OUT-HHMMSS.mmm.png)")
	cmd.Flags().BoolVar(&force, "force", false, "replace existing files")
	return cmd
}

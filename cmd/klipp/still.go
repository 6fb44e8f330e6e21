package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// stillRecord describes one written still (also the --json output).
type stillRecord = app.StillRecord

func (a *cli) stillCommand() *cobra.Command {
	var camera, out, atFile string
	var at []string
	var force bool
	cmd := &cobra.Command{
		Use:   "still --camera ID --at T[,T2…]… [--at-file FILE] -o OUT.png|.jpg",
		Short: "The frame on screen at true time T (the last frame whose presentation time ≤ T)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if camera == "" || (len(at) == 0 && atFile == "") || out == "" {
				return fault.Usagef("still needs --camera, --at (or --at-file) and -o")
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req := app.StillRequest{Camera: camera, Out: out, Force: force}
			for _, list := range at {
				for _, s := range strings.Split(list, ",") {
					t, err := a.parseTime("at", strings.TrimSpace(s))
					if err != nil {
						return err
					}
					req.Times = append(req.Times, t)
				}
			}
			if atFile != "" {
				times, err := a.readTimes(atFile)
				if err != nil {
					return err
				}
				req.Times = append(req.Times, times...)
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
					fmt.Fprintf(w, "%s: %s at %s %s (camera clock %s, %s)\n", r.File, res.Camera.Name, a.show(r.FrameTime), plusMinus(r.Bound),
						clock.FormatDisplay(r.CameraClock, res.Camera.Timezone), check)
					if len(r.Processing) > 0 {
						fmt.Fprintf(w, "  picture: %s\n", strings.Join(r.Processing, "; "))
					}
				}
			})
		},
	}
	cmd.Flags().StringVar(&camera, "camera", "", "camera id")
	cmd.Flags().StringArrayVar(&at, "at", nil, "true time(s), comma-separated; repeat to add more")
	cmd.Flags().StringVar(&atFile, "at-file", "", "file of true times, one a line (blank lines and # comments skipped)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "output .png or .jpg (with several times: OUT-HHMMSS.mmm.png)")
	cmd.Flags().BoolVar(&force, "force", false, "replace existing files")
	return cmd
}

// readTimes reads true times from a file, one a line; blank lines and lines
// starting with # are skipped. A bad line is named by its number.
func (a *cli) readTimes(path string) ([]time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fault.Fieldf("at-file", "%v", err)
	}
	defer f.Close()
	var times []time.Time
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		t, err := a.parseTime("at-file", line)
		if err != nil {
			return nil, fault.Fieldf("at-file", "%s line %d: %v", path, n, err)
		}
		times = append(times, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fault.Fieldf("at-file", "%s: %v", path, err)
	}
	if len(times) == 0 {
		return nil, fault.Fieldf("at-file", "%s has no times", path)
	}
	return times, nil
}

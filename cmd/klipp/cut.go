package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// cutRecord is written beside each cut as OUT.mp4.json and printed by --json.
type cutRecord = app.CutRecord

func (a *cli) cutCommand() *cobra.Command {
	var camera, from, to, out, mode, gaps, preset, scale, speed string
	var crf int
	var burnIn, force, noAudio bool
	cmd := &cobra.Command{
		Use:   "cut --camera ID --from T --to T -o OUT.mp4",
		Short: "One MP4 of a camera's footage between two true times, across however many files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fault.Usagef("cut needs --camera, --from, --to and -o")
			}
			if camera == "" {
				return fault.Usagef("--camera is required")
			}
			var width, height int
			if scale != "" {
				if _, err := fmt.Sscanf(scale, "%dx%d", &width, &height); err != nil {
					return fault.Usagef("--scale %q: give WIDTHxHEIGHT, e.g. 1280x720", scale)
				}
			}
			if err := app.ValidateTranscode(crf, preset, width, height); err != nil {
				return err
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req := app.CutRequest{Camera: camera, Out: out, CRF: crf, Preset: preset, BurnIn: burnIn, Force: force, NoAudio: noAudio}
			if mode == "" {
				mode = svc.Config().Clip.Mode
			}
			timelapse := mode == string(app.CutTimelapse)
			if timelapse {
				req.Mode = app.CutTimelapse
				if req.Speed, err = parseSpeed(speed); err != nil {
					return err
				}
			} else if req.Mode, err = export.ParseCutMode(mode); err != nil {
				return fault.Usagef("--mode %v (or timelapse)", err)
			}
			if req.Gaps, err = export.ParseGapPolicy(gaps); err != nil {
				return fault.Usagef("--gaps %v", err)
			}
			if burnIn && req.Mode != app.CutTranscode && !timelapse {
				return fault.Usagef("--burn-in needs --mode transcode (copy keeps the original pictures)")
			}
			if scale != "" {
				req.Width, req.Height = width, height
				if req.Mode != app.CutTranscode && !timelapse {
					return fault.Usagef("--scale needs --mode transcode (copy keeps the original pictures)")
				}
			}
			if req.From, err = a.parseTime("from", from); err != nil {
				return err
			}
			if req.To, err = a.parseTime("to", to); err != nil {
				return err
			}
			ev := a.events()
			cut := func() (app.CutResult, error) { return svc.Cut(cmd.Context(), req, ev) }
			var res app.CutResult
			if req.Mode == app.CutTranscode {
				res, err = runJob(a, cmd, &app.TranscodeJob{CutRequest: req}, ev, cut)
			} else {
				res, err = cut()
			}
			ev.done()
			if err == errDetached {
				return nil
			} else if err != nil {
				return cliError(err)
			}
			return a.emit(res.Records, func(w io.Writer) {
				for _, r := range res.Records {
					fmt.Fprintf(w, "%s: %s %s → %s, %d frames, %s", r.File, r.CameraName, a.show(r.From), a.show(r.To)[11:], r.Frames, r.Mode)
					if r.EditList != nil {
						fmt.Fprintf(w, " (starts %d frames before, hidden by the edit list)", r.EditList.LeadInFrames)
					}
					fmt.Fprintln(w)
					if r.Overview != "" {
						fmt.Fprintf(w, "  OVERVIEW: %s\n", r.Overview)
					}
					if r.AudioNote != "" {
						fmt.Fprintf(w, "  note: %s\n", r.AudioNote)
					}
					if fb := r.Parameters["exact_fallback"]; fb != "" {
						fmt.Fprintf(w, "  note: transcoded instead of a frame-exact copy: %s\n", fb)
					}
					if r.TrailingFrames > 0 {
						fmt.Fprintf(w, "  note: %d frame(s) after --to are kept because earlier frames reference them\n", r.TrailingFrames)
					}
					for _, g := range r.Gaps {
						fmt.Fprintf(w, "  gap %s – %s (%s)\n", a.show(g.From), a.show(g.To)[11:], g.Reason)
					}
					fmt.Fprintf(w, "  record: %s.json\n", r.File)
				}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&camera, "camera", "", "camera id")
	fl.StringVar(&from, "from", "", "start (true time)")
	fl.StringVar(&to, "to", "", "end (true time); the last frame is the last before it")
	fl.StringVarP(&out, "output", "o", "", "output .mp4 (with --gaps split: OUT-1.mp4, OUT-2.mp4 …)")
	fl.StringVar(&mode, "mode", "", "copy | exact | transcode (default: clip.mode in klipp.yaml) | timelapse (an overview from keyframes)")
	fl.StringVar(&speed, "speed", "60x", "timelapse: footage seconds per second of the overview")
	fl.StringVar(&gaps, "gaps", "fail", "a gap in the range: fail (list it), split (one file per part) or allow (continue across it)")
	fl.IntVar(&crf, "crf", 20, "transcode quality (x264 CRF; lower is better)")
	fl.StringVar(&preset, "preset", "veryfast", "transcode x264 preset")
	fl.StringVar(&scale, "scale", "", "transcode: scale every frame to WIDTHxHEIGHT (lets files of different sizes join)")
	fl.BoolVar(&burnIn, "burn-in", false, "transcode: draw camera name and true time to the millisecond on every frame")
	fl.BoolVar(&force, "force", false, "replace existing files")
	fl.BoolVar(&noAudio, "no-audio", false, "leave the source's audio out")
	detachFlag(cmd)
	return cmd
}

// parseSpeed reads a timelapse speed: 60x or 60.
func parseSpeed(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "x"), 64)
	if err != nil || v < 1 {
		return 0, fault.Fieldf("speed", "%q: give a speed such as 60x", s)
	}
	return v, nil
}

// cliError says a service error the way the CLI names things: its flags.
func cliError(err error) error {
	var ex *app.ExistsError
	var ge *app.GapError
	var fe *fault.FieldError
	switch {
	case errors.As(err, &ex):
		return fault.Usagef("%s exists: use --force to replace it", ex.Path)
	case errors.As(err, &ge):
		return fault.NotFoundf("%v; use --gaps split or --gaps allow", ge)
	case errors.As(err, &fe):
		return fault.Wrap(fault.KindOf(err), fmt.Errorf("--%s: %s", fe.Field, fe.Message))
	}
	return err
}

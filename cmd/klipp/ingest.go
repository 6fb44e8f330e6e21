package main

import (
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// ingestRecord is what ingest prints of each file (the name the tests use).
type ingestRecord = app.IngestRecord

func (a *cli) ingestCommand() *cobra.Command {
	var start string
	var channel int
	var req app.IngestRequest
	cmd := &cobra.Command{
		Use:   "ingest FILE... --camera ID [--start T] [--fps N] [--channel N] [--note TEXT]",
		Short: "Copy delivered recordings into the evidence store: hashed at acquisition, probed, indexed and audited",
		Long: "Files delivered on media (a USB stick from Trafikverket, a shop's export) are copied into\n" +
			"<data_dir>/evidence/<camera>/, hashed while read, checked after writing, made read-only, probed and placed\n" +
			"on the camera's timeline. The start is --start (camera clock; one file at a time), else the file's\n" +
			"creation_time, else the time in its name by the camera's pattern. The original is never changed.\n" +
			"A Dahua DAV file holds several channels: --channel N takes one (klipp probe lists them) and remuxes it,\n" +
			"without re-encoding, into an MP4 beside the DAV copy, timed by each chunk's date and millisecond counter.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fault.Usagef("give the delivered files: klipp ingest FILE... --camera ID")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if req.Camera == "" {
				return fault.Usagef("--camera is required: the camera that recorded the files (klipp cameras list)")
			}
			if start != "" && len(args) > 1 {
				return fault.Usagef("--start gives one file's start: ingest the %d files one at a time, or without --start if they carry their times", len(args))
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req.Files = args
			if cmd.Flags().Changed("channel") {
				req.Channel = &channel
			}
			if start != "" {
				// The start is read in the camera's zone.
				cam, err := svc.Camera(req.Camera)
				if err != nil {
					return err
				}
				t, err := parseTimeIn("start", start, cam.Timezone)
				if err != nil {
					return err
				}
				req.Start = &t
			}
			ev := a.events()
			res, err := svc.Ingest(cmd.Context(), req, ev)
			ev.done()
			if err != nil {
				return err
			}
			return a.emit(res.Files, func(w io.Writer) {
				rows := [][]string{{"file", "sha256", "stored as", "true start", "camera clock", "status"}}
				for _, r := range res.Files {
					status := r.Status
					if r.Already {
						status = "already ingested"
					}
					rows = append(rows, []string{filepath.Base(r.Original), r.SHA256[:16] + "…", r.Stored, a.show(r.TrueStart), a.show(r.CameraStart), status})
				}
				table(w, rows)
			})
		},
	}
	cmd.Flags().StringVar(&req.Camera, "camera", "", "camera that recorded the files")
	cmd.Flags().StringVar(&start, "start", "", "start of the recording by the camera's clock, in the camera's time zone")
	cmd.Flags().Float64Var(&req.FPS, "fps", 0, "frame rate of raw H.264/H.265 streams (.264, .265), which carry no times; default: the camera's fps")
	cmd.Flags().IntVar(&channel, "channel", 0, "channel of a Dahua DAV file that is this camera's (as klipp probe lists them, from 0)")
	cmd.Flags().StringVar(&req.Note, "note", "", "how the files were delivered (e.g. USB from Trafikverket, ref 123)")
	return cmd
}

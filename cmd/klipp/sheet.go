package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *cli) sheetCommand() *cobra.Command {
	var camera, from, to, every, out string
	var byActivity, force bool
	var columns, width int
	cmd := &cobra.Command{
		Use:   "sheet --camera ID --from T --to T [--every 1m | --activity] -o SHEET.png|.pdf",
		Short: "Contact sheet: thumbnails of a camera's footage with the true time under each",
		Long: "Writes a grid of thumbnails, each the frame on screen at its time, with the true time of that frame\n" +
			"under it: one every --every (default 1m), or with --activity one at the busiest moment of each period\n" +
			"of activity. A PNG is one page; a PDF has pages of five rows. Times without footage show as grey cells.\n" +
			"The record SHEET.png.json lists every thumbnail's time, source frame and place on the sheet.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if camera == "" || out == "" {
				return fault.Usagef("sheet needs --camera, --from, --to and -o")
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req := app.SheetRequest{Camera: camera, Activity: byActivity, Out: out, Columns: columns, Width: width, Force: force}
			if req.From, err = a.parseTime("from", from); err != nil {
				return err
			}
			if req.To, err = a.parseTime("to", to); err != nil {
				return err
			}
			if every == "" && !byActivity {
				every = "1m"
			}
			if every != "" {
				if req.Every, err = clock.ParseDuration(every); err != nil {
					return fault.Fieldf("every", "%v", err)
				}
			}
			if columns < 0 || columns > 12 {
				return fault.Fieldf("columns", "%d: give 1 to 12", columns)
			}
			if width != 0 && (width < 64 || width > 960) {
				return fault.Fieldf("width", "%d: give 64 to 960 pixels", width)
			}
			ev := a.events()
			rec, err := svc.Sheet(cmd.Context(), req, ev)
			ev.done()
			if err != nil {
				return cliError(err)
			}
			return a.emit(rec, func(w io.Writer) {
				missing := 0
				for _, t := range rec.Thumbnails {
					if t.NoFootage != "" {
						missing++
					}
				}
				fmt.Fprintf(w, "%s: %d thumbnail(s) of %s, %s → %s, %d page(s)\n", rec.File, len(rec.Thumbnails), rec.CameraName, a.show(rec.From), a.show(rec.To)[11:], rec.Pages)
				if missing > 0 {
					fmt.Fprintf(w, "  %d time(s) without footage (grey)\n", missing)
				}
				fmt.Fprintf(w, "  record: %s.json\n", rec.File)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&camera, "camera", "", "camera id")
	fl.StringVar(&from, "from", "", "start (true time)")
	fl.StringVar(&to, "to", "", "end (true time)")
	fl.StringVar(&every, "every", "", "one thumbnail every this long (default 1m)")
	fl.BoolVar(&byActivity, "activity", false, "one thumbnail per period of activity, at its busiest moment")
	fl.StringVarP(&out, "output", "o", "", "output .png or .pdf")
	fl.IntVar(&columns, "columns", 4, "thumbnails across")
	fl.IntVar(&width, "width", 320, "thumbnail width in pixels")
	fl.BoolVar(&force, "force", false, "replace an existing sheet")
	return cmd
}

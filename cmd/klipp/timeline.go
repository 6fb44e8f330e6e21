package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// entryView is an entry as the CLI prints it.
type entryView = app.Entry

// entryFlags are the fields add and edit share.
type entryFlags struct {
	camera, at, from, to, text, stills, mode string
	tags                                     []string
}

func (f *entryFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.camera, "camera", "", "camera id")
	fs.StringVar(&f.at, "at", "", "true time of what the entry describes")
	fs.StringVar(&f.from, "from", "", "clip start (default: --at minus clip.before)")
	fs.StringVar(&f.to, "to", "", "clip end (default: --at plus clip.after)")
	fs.StringVar(&f.text, "text", "", "what the footage shows")
	fs.StringSliceVar(&f.tags, "tag", nil, strings.Join(casefile.Tags, ", ")+" (repeat or comma-separate)")
	fs.StringVar(&f.stills, "still", "", "times of stills to take, comma-separated")
	fs.StringVar(&f.mode, "mode", "", "cut mode of the entry's clip in exports: copy, exact or transcode (default: clip.mode)")
}

// edit reads the flags given on the command line into an edit request.
func (a *cli) entryEdit(fs *pflag.FlagSet, f *entryFlags) (app.EditEntryRequest, error) {
	var req app.EditEntryRequest
	str := func(flag, v string, dst **string) {
		if fs.Changed(flag) {
			*dst = &v
		}
	}
	str("camera", f.camera, &req.Camera)
	str("text", f.text, &req.Text)
	str("mode", f.mode, &req.Mode)
	for _, t := range []struct {
		flag, value string
		dst         **time.Time
	}{{"at", f.at, &req.At}, {"from", f.from, &req.From}, {"to", f.to, &req.To}} {
		if fs.Changed(t.flag) {
			v, err := a.parseTime(t.flag, t.value)
			if err != nil {
				return req, err
			}
			*t.dst = &v
		}
	}
	if fs.Changed("tag") {
		tags := f.tags
		req.Tags = &tags
	}
	if fs.Changed("still") {
		var stills []time.Time
		for _, s := range strings.Split(f.stills, ",") {
			t, err := a.parseTime("still", strings.TrimSpace(s))
			if err != nil {
				return req, err
			}
			stills = append(stills, t)
		}
		req.Stills = &stills
	}
	return req, nil
}

func (a *cli) timelineCommand() *cobra.Command {
	c := &cobra.Command{Use: "timeline", Short: "A case's annotated timeline: add, list, edit, rm"}

	var af entryFlags
	add := &cobra.Command{
		Use:   "add CASE --camera ID --at T --text \"…\" [--from T --to T] [--tag suspect] [--still T,…] [--mode copy|exact|transcode]",
		Short: "Add an entry",
		Args:  exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if af.camera == "" || af.at == "" {
				return fault.Usagef("an entry needs --camera and --at")
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			e, err := a.entryEdit(cmd.Flags(), &af)
			if err != nil {
				return err
			}
			req := app.AddEntryRequest{Case: args[0], Camera: *e.Camera, At: *e.At, From: e.From, To: e.To, Text: deref(e.Text), Mode: deref(e.Mode)}
			if e.Tags != nil {
				req.Tags = *e.Tags
			}
			if e.Stills != nil {
				req.Stills = *e.Stills
			}
			ev := a.events()
			v, err := svc.AddEntry(cmd.Context(), req, ev)
			ev.done()
			if err != nil {
				return err
			}
			return a.emit(v, func(w io.Writer) {
				fmt.Fprintf(w, "added entry %d to case %s: %s %s\n", v.ID, args[0], a.show(v.At), v.Text)
			})
		},
	}
	af.register(add.Flags())

	list := &cobra.Command{
		Use:   "list CASE",
		Short: "The entries in time order, with true and camera-clock times",
		Args:  exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			views, err := svc.Entries(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.emit(views, func(w io.Writer) {
				rows := [][]string{{"NO", "ID", "TRUE TIME", "±", "ORDER", "CAMERA CLOCK", "CAMERA", "CLIP", "TAGS", "TEXT"}}
				for _, v := range views {
					cc := a.show(v.CameraClock)[11:23]
					if !v.ClockVerified {
						cc += " (not verified)"
					}
					rows = append(rows, []string{strconv.Itoa(v.Number), strconv.FormatInt(v.ID, 10), a.show(v.At), plusMinus(v.Bound()), orderText(v.OrderUncertain), cc, v.CameraName,
						a.show(v.From)[11:19] + "–" + a.show(v.To)[11:19], strings.Join(v.Tags, ","), v.Text})
				}
				table(w, rows)
			})
		},
	}

	var ef entryFlags
	edit := &cobra.Command{
		Use:   "edit CASE ID [--text … --at … --camera … --from … --to … --tag … --still …]",
		Short: "Change an entry",
		Args:  exactArgs(2, "a case number and an entry id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := entryID(args)
			if err != nil {
				return err
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req, err := a.entryEdit(cmd.Flags(), &ef)
			if err != nil {
				return err
			}
			req.Case, req.ID = args[0], id
			ev := a.events()
			v, err := svc.EditEntry(cmd.Context(), req, ev)
			ev.done()
			if err != nil {
				return err
			}
			return a.emit(v, func(w io.Writer) { fmt.Fprintf(w, "changed entry %d of case %s\n", v.ID, args[0]) })
		},
	}
	ef.register(edit.Flags())

	rm := &cobra.Command{
		Use:   "rm CASE ID",
		Short: "Remove an entry",
		Args:  exactArgs(2, "a case number and an entry id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := entryID(args)
			if err != nil {
				return err
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			r, err := svc.RemoveEntry(cmd.Context(), args[0], id)
			if err != nil {
				return err
			}
			return a.emit(r, func(w io.Writer) { fmt.Fprintf(w, "removed entry %d of case %s\n", r.Removed, r.Case) })
		},
	}
	c.AddCommand(add, list, edit, rm)
	return c
}

// entryID reads the ID of "CASE ID".
func entryID(args []string) (int64, error) {
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		return 0, fault.Usagef("entry id %q is not a number (klipp timeline list %s)", args[1], args[0])
	}
	return id, nil
}

// plusMinus is a bound as the timeline shows it: "±0.6s", "no bound".
func plusMinus(b clock.Bound) string {
	if !b.Known {
		return "no bound"
	}
	return "±" + clock.FormatPlus(b, ".") + "s"
}

// orderText flags an entry whose order against others is not certain.
func orderText(with []int) string {
	if len(with) == 0 {
		return ""
	}
	s := make([]string, len(with))
	for i, n := range with {
		s[i] = strconv.Itoa(n)
	}
	return "uncertain vs " + strings.Join(s, ",")
}

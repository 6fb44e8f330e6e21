package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/store"
)

// entryView is an entry as the CLI prints it.
type entryView struct {
	Number        int         `json:"number"` // position in time order
	ID            int64       `json:"id"`
	At            time.Time   `json:"at"`
	CameraClock   time.Time   `json:"camera_clock"`
	ClockVerified bool        `json:"clock_verified"`
	Camera        string      `json:"camera"`
	CameraName    string      `json:"camera_name"`
	From          time.Time   `json:"from"`
	To            time.Time   `json:"to"`
	Text          string      `json:"text"`
	Tags          []string    `json:"tags"`
	Stills        []time.Time `json:"stills"`
	Author        string      `json:"author"`
	Mode          string      `json:"mode,omitempty"` // the clip's cut mode if not clip.mode
}

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

// apply sets the fields given on the command line.
func (a *cli) applyEntryFlags(fs *pflag.FlagSet, f *entryFlags, e *store.Entry) error {
	var err error
	if fs.Changed("camera") {
		if _, err := a.camera(f.camera); err != nil {
			return err
		}
		e.Camera = f.camera
	}
	if fs.Changed("at") {
		if e.At, err = a.parseTime("at", f.at); err != nil {
			return err
		}
	}
	if fs.Changed("from") {
		if e.From, err = a.parseTime("from", f.from); err != nil {
			return err
		}
	}
	if fs.Changed("to") {
		if e.To, err = a.parseTime("to", f.to); err != nil {
			return err
		}
	}
	if fs.Changed("text") {
		e.Text = f.text
	}
	if fs.Changed("mode") {
		switch f.mode {
		case "copy", "exact", "transcode", "":
			e.Mode = f.mode
		default:
			return fault.Usagef("--mode %q: use copy, exact or transcode", f.mode)
		}
	}
	if fs.Changed("tag") {
		e.Tags = f.tags
	}
	if fs.Changed("still") {
		e.Stills = nil
		for _, s := range strings.Split(f.stills, ",") {
			t, err := a.parseTime("still", strings.TrimSpace(s))
			if err != nil {
				return err
			}
			e.Stills = append(e.Stills, t)
		}
	}
	return nil
}

func (a *cli) timelineCommand() *cobra.Command {
	c := &cobra.Command{Use: "timeline", Short: "A case's annotated timeline: add, list, edit, rm"}

	var af entryFlags
	add := &cobra.Command{
		Use:   "add CASE --camera ID --at T --text \"…\" [--from T --to T] [--tag suspect] [--still T,…] [--mode copy|exact|transcode]",
		Short: "Add an entry",
		Args:  exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if af.camera == "" || af.at == "" {
				return fault.Usagef("an entry needs --camera and --at")
			}
			e := store.Entry{Case: args[0], Author: cfg.Analyst}
			if err := a.applyEntryFlags(cmd.Flags(), &af, &e); err != nil {
				return err
			}
			if !cmd.Flags().Changed("from") {
				e.From = e.At.Add(-cfg.Clip.Before)
			}
			if !cmd.Flags().Changed("to") {
				e.To = e.At.Add(cfg.Clip.After)
			}
			st, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			e, err = casefile.AddEntry(cmd.Context(), st, e, a.now())
			if err != nil {
				return err
			}
			a.warnWithoutFootage(cmd, e)
			if err := a.record(audit.Entry{Action: "timeline.add", Case: e.Case, Camera: e.Camera, Detail: entryDetail(e)}); err != nil {
				return err
			}
			return a.emit(a.viewEntry(e, 0), func(w io.Writer) {
				fmt.Fprintf(w, "added entry %d to case %s: %s %s\n", e.ID, e.Case, a.show(e.At), e.Text)
			})
		},
	}
	af.register(add.Flags())

	list := &cobra.Command{
		Use:   "list CASE",
		Short: "The entries in time order, with true and camera-clock times",
		Args:  exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			if _, err := casefile.Get(cmd.Context(), st, args[0]); err != nil {
				return err
			}
			entries, err := st.Entries(cmd.Context(), args[0])
			if err != nil {
				return fault.Wrap(fault.Storage, err)
			}
			views := []entryView{}
			for i, e := range entries {
				views = append(views, a.viewEntry(e, i+1))
			}
			return a.emit(views, func(w io.Writer) {
				rows := [][]string{{"NO", "ID", "TRUE TIME", "CAMERA CLOCK", "CAMERA", "CLIP", "TAGS", "TEXT"}}
				for _, v := range views {
					cc := a.show(v.CameraClock)[11:23]
					if !v.ClockVerified {
						cc += " (not verified)"
					}
					rows = append(rows, []string{strconv.Itoa(v.Number), strconv.FormatInt(v.ID, 10), a.show(v.At), cc, v.CameraName,
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
			st, id, err := a.entryArgs(cmd, args)
			if err != nil {
				return err
			}
			e, err := casefile.EditEntry(cmd.Context(), st, args[0], id, a.now(), func(e *store.Entry) error {
				return a.applyEntryFlags(cmd.Flags(), &ef, e)
			})
			if err != nil {
				return err
			}
			a.warnWithoutFootage(cmd, e)
			if err := a.record(audit.Entry{Action: "timeline.edit", Case: e.Case, Camera: e.Camera, Detail: entryDetail(e)}); err != nil {
				return err
			}
			return a.emit(a.viewEntry(e, 0), func(w io.Writer) { fmt.Fprintf(w, "changed entry %d of case %s\n", e.ID, e.Case) })
		},
	}
	ef.register(edit.Flags())

	rm := &cobra.Command{
		Use:   "rm CASE ID",
		Short: "Remove an entry",
		Args:  exactArgs(2, "a case number and an entry id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, id, err := a.entryArgs(cmd, args)
			if err != nil {
				return err
			}
			e, err := casefile.RemoveEntry(cmd.Context(), st, args[0], id)
			if err != nil {
				return err
			}
			if err := a.record(audit.Entry{Action: "timeline.rm", Case: e.Case, Camera: e.Camera, Detail: entryDetail(e)}); err != nil {
				return err
			}
			return a.emit(map[string]any{"removed": e.ID, "case": e.Case}, func(w io.Writer) {
				fmt.Fprintf(w, "removed entry %d of case %s\n", e.ID, e.Case)
			})
		},
	}
	c.AddCommand(add, list, edit, rm)
	return c
}

// entryArgs reads "CASE ID" and opens the store.
func (a *cli) entryArgs(cmd *cobra.Command, args []string) (*store.Store, int64, error) {
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		return nil, 0, fault.Usagef("entry id %q is not a number (klipp timeline list %s)", args[1], args[0])
	}
	st, err := a.openStore(cmd.Context())
	return st, id, err
}

// warnWithoutFootage tells (on stderr) when the index has no footage at
// the entry's time; the entry is kept, as footage may arrive by ingest.
func (a *cli) warnWithoutFootage(cmd *cobra.Command, e store.Entry) {
	cam, err := a.camera(e.Camera)
	if err != nil {
		return
	}
	st, err := a.openStore(cmd.Context())
	if err != nil {
		return
	}
	if _, err := footage.Locate(cmd.Context(), st, cam, e.At, a.show); err != nil {
		fmt.Fprintf(a.stderr, "klipp: warning: %v\n", err)
	}
}

func (a *cli) viewEntry(e store.Entry, number int) entryView {
	v := entryView{Number: number, ID: e.ID, At: e.At, CameraClock: e.At, Camera: e.Camera, CameraName: e.Camera, From: e.From, To: e.To,
		Text: e.Text, Tags: e.Tags, Stills: e.Stills, Author: e.Author, Mode: e.Mode}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if v.Stills == nil {
		v.Stills = []time.Time{}
	}
	if cam, err := a.camera(e.Camera); err == nil {
		v.CameraClock, v.ClockVerified, v.CameraName = cam.Clock.CameraClock(e.At), cam.Clock.Verified(), cam.Name
	}
	return v
}

func entryDetail(e store.Entry) map[string]string {
	return map[string]string{"id": strconv.FormatInt(e.ID, 10), "at": e.At.Format(time.RFC3339Nano), "text": e.Text,
		"clip": e.From.Format(time.RFC3339Nano) + "/" + e.To.Format(time.RFC3339Nano), "tags": strings.Join(e.Tags, ","),
		"stills": joinStills(e.Stills)}
}

func joinStills(ts []time.Time) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.Format(time.RFC3339Nano)
	}
	return strings.Join(parts, ",")
}

package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *cli) camerasCommand() *cobra.Command {
	c := &cobra.Command{Use: "cameras", Short: "The camera catalog: list, show, near, import"}
	c.AddCommand(a.camerasList(), a.camerasShow(), a.camerasNear(), a.camerasImport())
	return c
}

// cameraView is a camera as the CLI prints it.
type cameraView struct {
	*catalog.Camera
	Timezone      string            `json:"timezone"`
	Retention     string            `json:"retention"`
	Pattern       string            `json:"pattern,omitempty"`
	ClockVerified bool              `json:"clock_verified"`
	Clock         []measurementView `json:"clock,omitempty"`
	OffsetNow     *float64          `json:"clock_offset_now_s,omitempty"`
}

type measurementView struct {
	At     time.Time `json:"at"`
	Offset float64   `json:"offset_s"`
	Note   string    `json:"note,omitempty"`
}

func (a *cli) view(cam *catalog.Camera) cameraView {
	v := cameraView{Camera: cam, Timezone: cam.Timezone.String(), Retention: clock.FormatDuration(cam.Retention), ClockVerified: cam.Clock.Verified()}
	if cam.Recordings.Pattern != nil {
		v.Pattern = cam.Recordings.Pattern.String()
	}
	for _, m := range cam.Clock.Measurements() {
		v.Clock = append(v.Clock, measurementView{At: m.At, Offset: m.Offset.Seconds(), Note: m.Note})
	}
	if v.ClockVerified {
		off := cam.Clock.At(a.now()).Seconds()
		v.OffsetNow = &off
	}
	return v
}

func clockLabel(cam *catalog.Camera, at time.Time) string {
	if !cam.Clock.Verified() {
		return "not verified"
	}
	return fmt.Sprintf("%+.1fs", cam.Clock.At(at).Seconds())
}

func (a *cli) camerasList() *cobra.Command {
	var owner string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the cameras in the catalog",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := a.cameras()
			if err != nil {
				return err
			}
			var views []cameraView
			for _, cam := range cat.Cameras {
				if owner == "" || cam.Owner == owner {
					views = append(views, a.view(cam))
				}
			}
			return a.emit(views, func(w io.Writer) {
				rows := [][]string{{"ID", "NAME", "OWNER", "KIND", "QUALITY", "RETENTION", "CLOCK", "POSITION"}}
				for _, v := range views {
					rows = append(rows, []string{v.ID, v.Name, v.Owner, v.Kind, v.Quality, v.Retention, clockLabel(v.Camera, a.now()),
						fmt.Sprintf("%.5f,%.5f", v.Location.Lat, v.Location.Lon)})
				}
				table(w, rows)
			})
		},
	}
	cmd.Flags().StringVar(&owner, "owner", "", "only cameras of this owner ("+strings.Join(catalog.Owners, "|")+")")
	return cmd
}

func (a *cli) camerasShow() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one camera",
		Args:  exactArgs(1, "a camera id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cam, err := a.camera(args[0])
			if err != nil {
				return err
			}
			v := a.view(cam)
			return a.emit(v, func(w io.Writer) {
				ret := v.Retention
				if cam.RetentionDefaulted {
					ret += " (default for " + cam.Owner + ")"
				}
				rows := [][]string{
					{"id", cam.ID}, {"name", cam.Name}, {"owner", cam.Owner}, {"address", cam.Address},
					{"position", fmt.Sprintf("%.6f,%.6f", cam.Location.Lat, cam.Location.Lon)},
					{"kind", cam.Kind}, {"quality", cam.Quality}, {"timezone", v.Timezone}, {"retention", ret},
					{"clock now", clockLabel(cam, a.now())},
				}
				for _, m := range cam.Clock.Measurements() {
					rows = append(rows, []string{"clock measured", fmt.Sprintf("%s: %+.1fs %s", a.show(m.At), m.Offset.Seconds(), m.Note)})
				}
				if cam.Heading != nil {
					rows = append(rows, []string{"heading", fmt.Sprintf("%.0f°", *cam.Heading)})
				}
				if len(cam.Coverage) > 0 {
					rows = append(rows, []string{"coverage", fmt.Sprintf("polygon of %d points", len(cam.Coverage))})
				}
				if cam.Recordings.Path != "" {
					rows = append(rows, []string{"recordings", cam.Recordings.Path}, []string{"pattern", v.Pattern})
				}
				table(w, rows)
			})
		},
	}
}

func (a *cli) camerasNear() *cobra.Command {
	var within, at, speed string
	cmd := &cobra.Command{
		Use:   "near LAT,LON|CAMERA",
		Short: "Cameras by distance from a point, with the window in which someone leaving it could pass each",
		Args:  exactArgs(1, "a position LAT,LON or a camera id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := a.cameras()
			if err != nil {
				return err
			}
			q := catalog.NearQuery{}
			if p, ok := catalog.ParseLatLon(args[0]); ok {
				q.From = p
			} else if strings.Contains(args[0], ",") {
				return fault.Usagef("%q is not a position: give LAT,LON in degrees, e.g. 55.6036,13.0021", args[0])
			} else {
				cam, err := cat.Camera(args[0])
				if err != nil {
					return err
				}
				q.From = cam.Location
			}
			if within != "" {
				if q.Within, err = clock.ParseDistance(within); err != nil {
					return fault.Usagef("--within: %v", err)
				}
			}
			if at != "" {
				if q.At, err = a.parseTime("at", at); err != nil {
					return err
				}
				s, ok := catalog.Speeds[speed]
				if !ok {
					return fault.Usagef("--speed %q: use walk, run, bike or car", speed)
				}
				q.Speed = s
			}
			near := cat.Near(q)
			return a.emit(near, func(w io.Writer) {
				head := []string{"DISTANCE", "ID", "NAME", "OWNER", "QUALITY", "IN VIEW"}
				if !q.At.IsZero() {
					head = append(head, "COULD PASS ("+q.Speed.Name+")")
				}
				rows := [][]string{head}
				for _, n := range near {
					inside := ""
					if n.Inside {
						inside = "yes"
					}
					r := []string{catalog.FormatDistance(n.Distance), n.Camera.ID, n.Camera.Name, n.Camera.Owner, n.Camera.Quality, inside}
					if n.Window != nil {
						r = append(r, a.show(n.Window.From)[11:19]+" – "+a.show(n.Window.To)[11:19])
					}
					rows = append(rows, r)
				}
				table(w, rows)
			})
		},
	}
	cmd.Flags().StringVar(&within, "within", "", "only cameras within this distance (e.g. 300m, 1.2km)")
	cmd.Flags().StringVar(&at, "at", "", "time the person left the point; gives each camera a window")
	cmd.Flags().StringVar(&speed, "speed", "walk", "walk|run|bike|car (with --at)")
	return cmd
}

func (a *cli) camerasImport() *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE.geojson",
		Short: "Add cameras from GeoJSON (Point features; Polygon features give coverage) to the catalog",
		Args:  exactArgs(1, "a GeoJSON file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			ids, err := catalog.Import(cfg.Catalog, args[0], cfg.Timezone)
			if err != nil {
				return err
			}
			sort.Strings(ids)
			return a.emit(map[string]any{"catalog": cfg.Catalog, "added": ids}, func(w io.Writer) {
				fmt.Fprintf(w, "added %d camera(s) to %s: %s\n", len(ids), cfg.Catalog, strings.Join(ids, ", "))
			})
		},
	}
}

// exactArgs is cobra.ExactArgs with a message that says what is wanted.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fault.Usagef("%s needs %s (usage: %s)", cmd.CommandPath(), what, cmd.UseLine())
		}
		return nil
	}
}

package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *cli) camerasCommand() *cobra.Command {
	c := &cobra.Command{Use: "cameras", Short: "The camera catalog: list, show, near, import, clock"}
	c.AddCommand(a.camerasList(), a.camerasShow(), a.camerasNear(), a.camerasImport(), a.camerasClock())
	return c
}

// cameraView is a camera as the CLI prints it.
type cameraView = app.Camera

func clockLabel(cam *catalog.Camera, at time.Time) string {
	if !cam.Clock.Verified() {
		return "not verified"
	}
	return fmt.Sprintf("%+.1fs", cam.Clock.At(at).Seconds())
}

// clockResolution is a measurement's ± in seconds.
func clockResolution(m clock.Measurement) float64 {
	if m.Resolution == 0 {
		return clock.DefaultResolution.Seconds()
	}
	return m.Resolution.Seconds()
}

func (a *cli) camerasList() *cobra.Command {
	var owner string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the cameras in the catalog",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			views, err := svc.CameraList(cmd.Context(), app.CameraListRequest{Owner: owner})
			if err != nil {
				return err
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
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			v, err := svc.CameraShow(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			cam := v.Camera
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
					rows = append(rows, []string{"clock measured", strings.TrimSpace(fmt.Sprintf("%s: %+.1fs %s", a.show(m.At), m.Offset.Seconds(), m.Note)) + fmt.Sprintf(" (±%gs)", clockResolution(m))})
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
			req := app.CameraNearRequest{}
			if p, ok := catalog.ParseLatLon(args[0]); ok {
				req.Position = &p
			} else if strings.Contains(args[0], ",") {
				return fault.Usagef("%q is not a position: give LAT,LON in degrees, e.g. 55.6036,13.0021", args[0])
			} else {
				req.Camera = args[0]
			}
			var err error
			if within != "" {
				if req.Within, err = clock.ParseDistance(within); err != nil {
					return fault.Fieldf("within", "%v", err)
				}
			}
			if at != "" {
				if req.At, err = a.parseTime("at", at); err != nil {
					return err
				}
				if req.Travel, err = catalog.ParseTravel(speed); err != nil {
					return err
				}
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			near, err := svc.CameraNear(cmd.Context(), req)
			if err != nil {
				return err
			}
			return a.emit(near, func(w io.Writer) {
				head := []string{"DISTANCE", "ID", "NAME", "OWNER", "QUALITY", "IN VIEW"}
				if !req.At.IsZero() {
					head = append(head, "COULD PASS ("+req.Travel.Label()+")")
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
	cmd.Flags().StringVar(&speed, "speed", string(catalog.Walk), travelHelp()+" (with --at)")
	return cmd
}

func (a *cli) camerasImport() *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE.geojson",
		Short: "Add cameras from GeoJSON (Point features; Polygon features give coverage) to the catalog",
		Args:  exactArgs(1, "a GeoJSON file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			res, err := svc.ImportCameras(cmd.Context(), app.ImportCamerasRequest{File: args[0]})
			if err != nil {
				return err
			}
			return a.emit(res, func(w io.Writer) {
				fmt.Fprintf(w, "added %d camera(s) to %s: %s\n", len(res.Added), res.Catalog, strings.Join(res.Added, ", "))
			})
		},
	}
}

func travelHelp() string {
	var labels []string
	for _, t := range catalog.Travels {
		labels = append(labels, t.Label())
	}
	return strings.Join(labels, "|")
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

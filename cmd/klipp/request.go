package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *cli) requestCommand() *cobra.Command {
	c := &cobra.Command{Use: "request", Short: "Investigators' requests for footage: new, list, show; an analyst's accept"}
	var f struct{ title, crime, place, position, from, to, suspect, need string }
	newCmd := &cobra.Command{
		Use:   "new --title T --from T --to T [--crime --place --position --suspect --need \"…\"]",
		Short: "File a request (investigator)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req := app.NewRequestRequest{Title: f.title, Crime: f.crime, Place: f.place, Suspect: f.suspect, Need: f.need}
			if f.position != "" {
				p, ok := catalog.ParseLatLon(f.position)
				if !ok {
					return fault.Fieldf("position", "%q: give LAT,LON in degrees, e.g. 55.6036,13.0021", f.position)
				}
				req.Position = &p
			}
			for _, t := range []struct {
				flag, v string
				dst     *time.Time
			}{{"from", f.from, &req.From}, {"to", f.to, &req.To}} {
				if t.v != "" { // else the service names the missing field
					if *t.dst, err = a.parseTime(t.flag, t.v); err != nil {
						return err
					}
				}
			}
			r, err := svc.NewRequest(cmd.Context(), req)
			if err != nil {
				return err
			}
			return a.emit(r, func(w io.Writer) { fmt.Fprintf(w, "filed request %d: %s\n", r.ID, r.Title) })
		},
	}
	fs := newCmd.Flags()
	fs.StringVar(&f.title, "title", "", "short title")
	fs.StringVar(&f.crime, "crime", "", "crime type")
	fs.StringVar(&f.place, "place", "", "address of the incident")
	fs.StringVar(&f.position, "position", "", "LAT,LON of the incident")
	fs.StringVar(&f.from, "from", "", "start of the incident window")
	fs.StringVar(&f.to, "to", "", "end of the incident window")
	fs.StringVar(&f.suspect, "suspect", "", "description of the suspect")
	fs.StringVar(&f.need, "need", "", "what you need from the footage")

	list := &cobra.Command{
		Use:   "list",
		Short: "List requests: an investigator's own, or all",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			rs, err := svc.Requests(cmd.Context())
			if err != nil {
				return err
			}
			return a.emit(rs, func(w io.Writer) {
				rows := [][]string{{"ID", "FILED", "BY", "STATUS", "CASE", "TITLE"}}
				for _, r := range rs {
					rows = append(rows, []string{strconv.FormatInt(r.ID, 10), a.show(r.Filed), r.FiledBy, r.Status, r.Case, r.Title})
				}
				table(w, rows)
			})
		},
	}
	show := &cobra.Command{
		Use:   "show N",
		Short: "A request, its status and its deliveries with their archive references and how to verify them",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := requestID(args[0])
			if err != nil {
				return err
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			r, err := svc.RequestShow(cmd.Context(), id)
			if err != nil {
				return err
			}
			return a.emit(r, func(w io.Writer) { a.printRequest(w, r) })
		},
	}
	var caseNumber string
	accept := &cobra.Command{
		Use:   "accept N [--case NUMBER]",
		Short: "Open a case from a request (analyst)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := requestID(args[0])
			if err != nil {
				return err
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			cs, err := svc.AcceptRequest(cmd.Context(), app.AcceptRequestRequest{ID: id, Case: caseNumber})
			if err != nil {
				return err
			}
			return a.emit(cs, func(w io.Writer) { fmt.Fprintf(w, "opened case %s from request %d\n", describeCase(cs), id) })
		},
	}
	accept.Flags().StringVar(&caseNumber, "case", "", "the case's number (default: request-N)")
	c.AddCommand(newCmd, list, show, accept)
	return c
}

func requestID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.Usagef("request %q: give its number (klipp request list)", s)
	}
	return id, nil
}

func (a *cli) printRequest(w io.Writer, r app.Request) {
	rows := [][]string{{"request", strconv.FormatInt(r.ID, 10)}, {"title", r.Title}, {"status", r.Status}, {"case", r.Case},
		{"crime", r.Crime}, {"place", r.Place}, {"from", a.show(r.From)}, {"to", a.show(r.To)}, {"suspect", r.Suspect}, {"need", r.Need},
		{"filed", a.show(r.Filed) + " by " + r.FiledBy}}
	if r.Accepted != nil {
		rows = append(rows, []string{"accepted", a.show(*r.Accepted) + " by " + r.AcceptedBy})
	}
	table(w, rows)
	if len(r.Deliveries) == 0 {
		fmt.Fprintln(w, "no deliveries yet")
	}
	for _, d := range r.Deliveries {
		fmt.Fprintf(w, "\ndelivery %s (%d files, archive: %s)\n", d.Ref, d.Files, d.Archive)
		for _, v := range d.Verify {
			fmt.Fprintf(w, "  %s\n", v)
		}
	}
}

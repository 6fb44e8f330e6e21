package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// caseView is a case as the CLI prints it.
type caseView = app.Case

// caseFlags are the fields new and edit share.
type caseFlags struct {
	number, title, crime, place, position, from, to, requestedBy, request, suspect, deadline, status, received, delivered, retention string
}

func (f *caseFlags) register(fs *pflag.FlagSet, withNumber bool) {
	if withNumber {
		fs.StringVar(&f.number, "number", "", "case number, e.g. 5000-K123456-26")
	}
	fs.StringVar(&f.title, "title", "", "short title")
	fs.StringVar(&f.crime, "crime", "", "crime type")
	fs.StringVar(&f.place, "place", "", "address of the incident")
	fs.StringVar(&f.position, "position", "", "LAT,LON of the incident")
	fs.StringVar(&f.from, "from", "", "start of the incident window")
	fs.StringVar(&f.to, "to", "", "end of the incident window")
	fs.StringVar(&f.requestedBy, "requested-by", "", "who asked for the footage")
	fs.StringVar(&f.request, "request", "", "what is asked for")
	fs.StringVar(&f.suspect, "suspect", "", "description of the suspect")
	fs.StringVar(&f.deadline, "deadline", "", "when the delivery is due")
	fs.StringVar(&f.retention, "retention", "", "retention class (retention_classes in klipp.yaml) for its archived bundles (default: default)")
	fs.StringVar(&f.received, "received", "", "when the request arrived (default: now); klipp stats counts turnaround from it")
	fs.StringVar(&f.delivered, "delivered", "", "when the case was delivered (default: when its status becomes delivered); implies status delivered")
}

// edit reads the flags given on the command line into an edit request;
// new uses the same and copies the fields over.
func (a *cli) caseEdit(fs *pflag.FlagSet, f *caseFlags) (app.EditCaseRequest, error) {
	var req app.EditCaseRequest
	str := func(flag, v string, dst **string) {
		if fs.Changed(flag) {
			*dst = &v
		}
	}
	str("title", f.title, &req.Title)
	str("crime", f.crime, &req.Crime)
	str("place", f.place, &req.Place)
	str("requested-by", f.requestedBy, &req.RequestedBy)
	str("request", f.request, &req.Request)
	str("suspect", f.suspect, &req.Suspect)
	str("retention", f.retention, &req.Retention)
	if fs.Changed("position") {
		p, ok := catalog.ParseLatLon(f.position)
		if !ok {
			return req, fault.Fieldf("position", "%q: give LAT,LON in degrees, e.g. 55.6036,13.0021", f.position)
		}
		req.Position = &p
	}
	for _, t := range []struct {
		flag, value string
		dst         **time.Time
	}{{"from", f.from, &req.From}, {"to", f.to, &req.To}, {"received", f.received, &req.Received},
		{"delivered", f.delivered, &req.Delivered}, {"deadline", f.deadline, &req.Deadline}} {
		if fs.Changed(t.flag) {
			v, err := a.parseTime(t.flag, t.value)
			if err != nil {
				return req, err
			}
			*t.dst = &v
		}
	}
	if fs.Changed("status") {
		st := casefile.Status(f.status)
		req.Status = &st
	}
	return req, nil
}

func (a *cli) caseCommand() *cobra.Command {
	c := &cobra.Command{Use: "case", Short: "Cases and the requests that open them: new, list, show, edit, close"}
	statuses := casefile.StatusLabels()

	var nf caseFlags
	newCmd := &cobra.Command{
		Use:   "new --number N --title T --from T --to T [--crime --place --position --requested-by --request --suspect --deadline --received --retention]",
		Short: "Open a case",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			e, err := a.caseEdit(cmd.Flags(), &nf)
			if err != nil {
				return err
			}
			req := app.CreateCaseRequest{Number: nf.number, Title: deref(e.Title), Crime: deref(e.Crime), Place: deref(e.Place), Position: e.Position,
				RequestedBy: deref(e.RequestedBy), Request: deref(e.Request), Suspect: deref(e.Suspect), Retention: deref(e.Retention),
				Deadline: e.Deadline, Delivered: e.Delivered}
			if e.From != nil {
				req.From = *e.From
			}
			if e.To != nil {
				req.To = *e.To
			}
			if e.Received != nil {
				req.Received = *e.Received
			}
			cs, err := svc.CreateCase(cmd.Context(), req)
			if err != nil {
				return err
			}
			return a.emit(cs, func(w io.Writer) { fmt.Fprintf(w, "opened case %s\n", describeCase(cs)) })
		},
	}
	nf.register(newCmd.Flags(), true)

	var status string
	listCmd := &cobra.Command{
		Use:   "list [--status S]",
		Short: "List cases, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			views, err := svc.CaseList(cmd.Context(), app.CaseListRequest{Status: casefile.Status(status)})
			if err != nil {
				return err
			}
			return a.emit(views, func(w io.Writer) {
				rows := [][]string{{"NUMBER", "STATUS", "INCIDENT", "DEADLINE", "TITLE"}}
				for _, v := range views {
					dl := ""
					if v.Deadline != nil {
						dl = a.show(*v.Deadline)[:16]
					}
					rows = append(rows, []string{v.Number, v.Status.Label(), a.show(v.From)[:16] + " – " + a.show(v.To)[11:16], dl, v.Title})
				}
				table(w, rows)
			})
		},
	}
	listCmd.Flags().StringVar(&status, "status", "", "only cases with this status ("+strings.Join(statuses, "|")+")")

	showCmd := &cobra.Command{
		Use:   "show NUMBER",
		Short: "Show a case",
		Args:  exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			v, err := svc.CaseShow(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.emit(v, func(w io.Writer) {
				a.printCase(w, v)
				for _, e := range v.Exports {
					fmt.Fprintf(w, "export %s: %d files, %s; archive: %s\n", e.ExportID, e.Files, e.Dir, e.Archive)
				}
				for _, b := range v.Bulletins {
					fmt.Fprintf(w, "bulletin %s: entries %s, %s by %s\n", b.File, b.Entries, a.show(b.Created), b.By)
				}
			})
		},
	}

	var ef caseFlags
	var reopen bool
	editCmd := &cobra.Command{
		Use:   "edit NUMBER [--title … --status S --reopen]",
		Short: "Change a case's fields or status",
		Args:  exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req, err := a.caseEdit(cmd.Flags(), &ef)
			if err != nil {
				return err
			}
			req.Number, req.Reopen = args[0], reopen
			cs, err := svc.EditCase(cmd.Context(), req)
			if err != nil {
				return err
			}
			return a.emit(cs, func(w io.Writer) { fmt.Fprintf(w, "case %s\n", describeCase(cs)) })
		},
	}
	ef.register(editCmd.Flags(), false)
	editCmd.Flags().StringVar(&ef.status, "status", "", strings.Join(statuses, " | "))
	editCmd.Flags().BoolVar(&reopen, "reopen", false, "allow moving the status back")

	var delivered string
	closeCmd := &cobra.Command{
		Use:   "close NUMBER [--delivered T]",
		Short: "Mark a case delivered",
		Args:  exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req := app.CloseCaseRequest{Number: args[0]}
			if cmd.Flags().Changed("delivered") {
				d, err := a.parseTime("delivered", delivered)
				if err != nil {
					return err
				}
				req.Delivered = &d
			}
			cs, err := svc.CloseCase(cmd.Context(), req)
			if err != nil {
				return err
			}
			return a.emit(cs, func(w io.Writer) { fmt.Fprintf(w, "case %s\n", describeCase(cs)) })
		},
	}
	closeCmd.Flags().StringVar(&delivered, "delivered", "", "when it was delivered (default: now)")
	c.AddCommand(newCmd, listCmd, showCmd, editCmd, closeCmd)
	return c
}

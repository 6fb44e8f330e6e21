package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// caseView is a case as the CLI prints it.
type caseView struct {
	Number      string          `json:"number"`
	Title       string          `json:"title"`
	Crime       string          `json:"crime,omitempty"`
	Place       string          `json:"place,omitempty"`
	Position    *catalog.LatLon `json:"position,omitempty"`
	From        time.Time       `json:"from"`
	To          time.Time       `json:"to"`
	RequestedBy string          `json:"requested_by,omitempty"`
	Request     string          `json:"request,omitempty"`
	Suspect     string          `json:"suspect,omitempty"`
	Status      string          `json:"status"`
	Deadline    *time.Time      `json:"deadline,omitempty"`
	Retention   string          `json:"retention_class"`
	Received    time.Time       `json:"received"`
	Delivered   *time.Time      `json:"delivered,omitempty"`
	Created     time.Time       `json:"created"`
	CreatedBy   string          `json:"created_by"`
	Updated     time.Time       `json:"updated"`
	Exports     []caseExport    `json:"exports,omitempty"` // case show only
}

// caseExport is one of a case's bundles and where it stands in the archive.
type caseExport struct {
	ExportID string `json:"export_id"`
	Dir      string `json:"dir"`
	Files    int    `json:"files"`
	Archive  string `json:"archive"` // not pushed | queued | uploading | verified | failed
}

// caseExports lists a case's bundles with their archive state.
func (a *cli) caseExports(ctx context.Context, st *store.Store, number string) ([]caseExport, error) {
	exports, err := st.Exports(ctx, number)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	jobs, err := st.ArchiveJobs(ctx, number)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	state := map[string]string{}
	for _, j := range jobs {
		state[j.ExportID] = j.State
	}
	var out []caseExport
	for _, e := range exports {
		s := state[e.ExportID]
		if s == "" {
			s = "not pushed"
		}
		out = append(out, caseExport{ExportID: e.ExportID, Dir: e.Dir, Files: e.Files, Archive: s})
	}
	return out, nil
}

func viewCase(c store.Case) caseView {
	v := caseView{Number: c.Number, Title: c.Title, Crime: c.Crime, Place: c.Place, From: c.From, To: c.To, RequestedBy: c.RequestedBy,
		Request: c.Request, Suspect: c.Suspect, Status: c.Status, Deadline: c.Deadline, Retention: c.RetentionClass, Received: c.Received, Delivered: c.Delivered, Created: c.Created, CreatedBy: c.CreatedBy, Updated: c.Updated}
	if c.Lat != nil {
		v.Position = &catalog.LatLon{Lat: *c.Lat, Lon: *c.Lon}
	}
	return v
}

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

// apply sets the fields given on the command line (all of them for new).
func (a *cli) applyCaseFlags(fs *pflag.FlagSet, f *caseFlags, c *store.Case) error {
	set := func(name string) bool { return fs.Changed(name) }
	for _, t := range []struct {
		flag, value string
		field       *string
	}{
		{"title", f.title, &c.Title}, {"crime", f.crime, &c.Crime}, {"place", f.place, &c.Place},
		{"requested-by", f.requestedBy, &c.RequestedBy}, {"request", f.request, &c.Request}, {"suspect", f.suspect, &c.Suspect},
	} {
		if set(t.flag) {
			*t.field = t.value
		}
	}
	if set("position") {
		p, ok := catalog.ParseLatLon(f.position)
		if !ok {
			return fault.Usagef("--position %q: give LAT,LON in degrees, e.g. 55.6036,13.0021", f.position)
		}
		c.Lat, c.Lon = &p.Lat, &p.Lon
	}
	var err error
	if set("from") {
		if c.From, err = a.parseTime("from", f.from); err != nil {
			return err
		}
	}
	if set("to") {
		if c.To, err = a.parseTime("to", f.to); err != nil {
			return err
		}
	}
	if set("retention") {
		if _, ok := a.cfg.RetentionClasses[f.retention]; !ok {
			var names []string
			for k := range a.cfg.RetentionClasses {
				names = append(names, k)
			}
			sort.Strings(names)
			return fault.Usagef("--retention %q is not a retention class; klipp.yaml has: %s", f.retention, strings.Join(names, ", "))
		}
		c.RetentionClass = f.retention
	}
	if set("received") {
		if c.Received, err = a.parseTime("received", f.received); err != nil {
			return err
		}
	}
	if set("delivered") {
		d, err := a.parseTime("delivered", f.delivered)
		if err != nil {
			return err
		}
		c.Delivered = &d
		if c.Status == "requested" || c.Status == "in-progress" || c.Status == "" {
			c.Status = "delivered"
		}
	}
	if set("deadline") {
		d, err := a.parseTime("deadline", f.deadline)
		if err != nil {
			return err
		}
		c.Deadline = &d
	}
	return nil
}

func (a *cli) caseCommand() *cobra.Command {
	c := &cobra.Command{Use: "case", Short: "Cases and the requests that open them: new, list, show, edit, close"}

	var nf caseFlags
	newCmd := &cobra.Command{
		Use:   "new --number N --title T --from T --to T [--crime --place --position --requested-by --request --suspect --deadline --received --retention]",
		Short: "Open a case",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			cs := store.Case{Number: nf.number}
			if err := a.applyCaseFlags(cmd.Flags(), &nf, &cs); err != nil {
				return err
			}
			cs, err = casefile.Create(cmd.Context(), st, cs, a.cfg.Analyst, a.now())
			if err != nil {
				return err
			}
			if err := a.record(audit.Entry{Action: "case.create", Case: cs.Number, Detail: map[string]string{"title": cs.Title,
				"from": cs.From.Format(time.RFC3339Nano), "to": cs.To.Format(time.RFC3339Nano), "requested_by": cs.RequestedBy}}); err != nil {
				return err
			}
			return a.emit(viewCase(cs), func(w io.Writer) { fmt.Fprintf(w, "opened case %s\n", casefile.Describe(cs)) })
		},
	}
	nf.register(newCmd.Flags(), true)

	var status string
	listCmd := &cobra.Command{
		Use:   "list [--status S]",
		Short: "List cases, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			cases, err := st.ListCases(cmd.Context(), status)
			if err != nil {
				return fault.Wrap(fault.Storage, err)
			}
			views := []caseView{}
			for _, cs := range cases {
				views = append(views, viewCase(cs))
			}
			return a.emit(views, func(w io.Writer) {
				rows := [][]string{{"NUMBER", "STATUS", "INCIDENT", "DEADLINE", "TITLE"}}
				for _, v := range views {
					dl := ""
					if v.Deadline != nil {
						dl = a.show(*v.Deadline)[:16]
					}
					rows = append(rows, []string{v.Number, v.Status, a.show(v.From)[:16] + " – " + a.show(v.To)[11:16], dl, v.Title})
				}
				table(w, rows)
			})
		},
	}
	listCmd.Flags().StringVar(&status, "status", "", "only cases with this status ("+strings.Join(casefile.Statuses, "|")+")")

	showCmd := &cobra.Command{
		Use:   "show NUMBER",
		Short: "Show a case",
		Args:  exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			cs, err := casefile.Get(cmd.Context(), st, args[0])
			if err != nil {
				return err
			}
			v := viewCase(cs)
			v.Exports, err = a.caseExports(cmd.Context(), st, cs.Number)
			if err != nil {
				return err
			}
			return a.emit(v, func(w io.Writer) {
				a.printCase(w, cs)
				for _, e := range v.Exports {
					fmt.Fprintf(w, "export %s: %d files, %s; archive: %s\n", e.ExportID, e.Files, e.Dir, e.Archive)
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
			return a.editCase(cmd, args[0], &ef, reopen, "case.edit")
		},
	}
	ef.register(editCmd.Flags(), false)
	editCmd.Flags().StringVar(&ef.status, "status", "", strings.Join(casefile.Statuses, " | "))
	editCmd.Flags().BoolVar(&reopen, "reopen", false, "allow moving the status back")

	var cf caseFlags
	closeCmd := &cobra.Command{
		Use:   "close NUMBER [--delivered T]",
		Short: "Mark a case delivered",
		Args:  exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cf.status = "delivered"
			return a.editCase(cmd, args[0], &cf, false, "case.close")
		},
	}
	closeCmd.Flags().StringVar(&cf.delivered, "delivered", "", "when it was delivered (default: now)")
	c.AddCommand(newCmd, listCmd, showCmd, editCmd, closeCmd)
	return c
}

func (a *cli) editCase(cmd *cobra.Command, number string, f *caseFlags, reopen bool, action string) error {
	st, err := a.openStore(cmd.Context())
	if err != nil {
		return err
	}
	var applyErr error
	cs, err := casefile.Update(cmd.Context(), st, number, a.now(), reopen, func(c *store.Case) {
		applyErr = a.applyCaseFlags(cmd.Flags(), f, c)
		if f.status != "" {
			c.Status = f.status
		}
	})
	if applyErr != nil {
		return applyErr
	}
	if err != nil {
		return err
	}
	var changed []string
	cmd.Flags().Visit(func(fl *pflag.Flag) { changed = append(changed, fl.Name+"="+fl.Value.String()) })
	if f.status != "" && action == "case.close" {
		changed = append(changed, "status="+f.status)
	}
	if err := a.record(audit.Entry{Action: action, Case: cs.Number, Detail: map[string]string{"changed": strings.Join(changed, "; "), "status": cs.Status}}); err != nil {
		return err
	}
	return a.emit(viewCase(cs), func(w io.Writer) { fmt.Fprintf(w, "case %s\n", casefile.Describe(cs)) })
}

func (a *cli) printCase(w io.Writer, c store.Case) {
	rows := [][]string{{"number", c.Number}, {"title", c.Title}, {"status", c.Status}, {"crime", c.Crime}, {"place", c.Place}}
	if c.Lat != nil {
		rows = append(rows, []string{"position", fmt.Sprintf("%.6f,%.6f", *c.Lat, *c.Lon)})
	}
	rows = append(rows, []string{"incident", a.show(c.From) + " – " + a.show(c.To)},
		[]string{"requested by", c.RequestedBy}, []string{"request", c.Request}, []string{"suspect", c.Suspect})
	if c.Deadline != nil {
		rows = append(rows, []string{"deadline", a.show(*c.Deadline)})
	}
	rows = append(rows, []string{"retention", c.RetentionClass}, []string{"received", a.show(c.Received)})
	if c.Delivered != nil {
		rows = append(rows, []string{"delivered", a.show(*c.Delivered)})
	}
	rows = append(rows, []string{"opened", a.show(c.Created) + " by " + c.CreatedBy}, []string{"updated", a.show(c.Updated)})
	table(w, rows)
}

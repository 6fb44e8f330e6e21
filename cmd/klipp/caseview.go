package main

import (
	"fmt"
	"io"

	"github.com/klipp-forensics/klipp/internal/app"
)

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// describeCase is a one-line summary for messages.
func describeCase(c app.Case) string {
	return fmt.Sprintf("%s %q (%s)", c.Number, c.Title, c.Status.Label())
}

func (a *cli) printCase(w io.Writer, c app.Case) {
	rows := [][]string{{"number", c.Number}, {"title", c.Title}, {"status", c.Status.Label()}, {"crime", c.Crime}, {"place", c.Place}}
	if c.Position != nil {
		rows = append(rows, []string{"position", fmt.Sprintf("%.6f,%.6f", c.Position.Lat, c.Position.Lon)})
	}
	rows = append(rows, []string{"incident", a.show(c.From) + " – " + a.show(c.To)},
		[]string{"requested by", c.RequestedBy}, []string{"request", c.Request}, []string{"suspect", c.Suspect})
	if c.Deadline != nil {
		rows = append(rows, []string{"deadline", a.show(*c.Deadline)})
	}
	rows = append(rows, []string{"retention", c.Retention}, []string{"received", a.show(c.Received)})
	if c.Delivered != nil {
		rows = append(rows, []string{"delivered", a.show(*c.Delivered)})
	}
	rows = append(rows, []string{"opened", a.show(c.Created) + " by " + c.CreatedBy}, []string{"updated", a.show(c.Updated)})
	table(w, rows)
}

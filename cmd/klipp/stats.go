package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/casefile"
)

func (a *cli) statsCommand() *cobra.Command {
	var from, to string
	var asCSV bool
	cmd := &cobra.Command{
		Use:   "stats [--from T] [--to T] [--csv]",
		Short: "Requests per week and per crime type, with turnaround times (received → delivered)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var req app.StatsRequest
			var err error
			if from != "" {
				if req.From, err = a.parseTime("from", from); err != nil {
					return err
				}
			}
			if to != "" {
				if req.To, err = a.parseTime("to", to); err != nil {
					return err
				}
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			s, err := svc.Stats(cmd.Context(), req)
			if err != nil {
				return err
			}
			if asCSV {
				return writeStatsCSV(a.stdout, s)
			}
			return a.emit(s, func(w io.Writer) {
				fmt.Fprintf(w, "%d request(s): %d delivered, %d open, %d late; turnaround median %s, mean %s\n\n", s.Total.Requests, s.Total.Delivered,
					s.Total.Open, s.Total.Late, turnaround(s.Total.MedianTurnaround, s.Total.Delivered), turnaround(s.Total.MeanTurnaround, s.Total.Delivered))
				for _, part := range []struct {
					head   string
					groups []casefile.Group
				}{{"week", s.Weeks}, {"crime", s.Crimes}} {
					rows := [][]string{{part.head, "requests", "delivered", "open", "late", "median turnaround", "mean turnaround"}}
					for _, g := range part.groups {
						rows = append(rows, []string{g.Key, strconv.Itoa(g.Requests), strconv.Itoa(g.Delivered), strconv.Itoa(g.Open), strconv.Itoa(g.Late),
							turnaround(g.MedianTurnaround, g.Delivered), turnaround(g.MeanTurnaround, g.Delivered)})
					}
					table(w, rows)
					fmt.Fprintln(w)
				}
			})
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "count requests received from this time")
	cmd.Flags().StringVar(&to, "to", "", "count requests received before this time")
	cmd.Flags().BoolVar(&asCSV, "csv", false, "print CSV (one row per week and per crime type, and the total) for a spreadsheet")
	return cmd
}

func turnaround(d time.Duration, delivered int) string {
	if delivered == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f d", d.Hours()/24)
}

// writeStatsCSV writes one row per group; turnaround in hours.
func writeStatsCSV(w io.Writer, s casefile.Stats) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"group", "key", "requests", "delivered", "open", "late", "median_turnaround_h", "mean_turnaround_h"})
	row := func(kind string, g casefile.Group) {
		med, mean := "", ""
		if g.Delivered > 0 {
			med, mean = strconv.FormatFloat(g.MedianTurnaround.Hours(), 'f', 1, 64), strconv.FormatFloat(g.MeanTurnaround.Hours(), 'f', 1, 64)
		}
		cw.Write([]string{kind, g.Key, strconv.Itoa(g.Requests), strconv.Itoa(g.Delivered), strconv.Itoa(g.Open), strconv.Itoa(g.Late), med, mean})
	}
	for _, g := range s.Weeks {
		row("week", g)
	}
	for _, g := range s.Crimes {
		row("crime", g)
	}
	row("total", s.Total)
	cw.Flush()
	return cw.Error()
}

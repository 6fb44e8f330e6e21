package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// errDetached is what a command returns after --detach printed its job's
// id: nothing more to print, exit 0.
var errDetached = errors.New("detached")

// detachFlag adds --detach to a command that runs as a job.
func detachFlag(cmd *cobra.Command) {
	cmd.Flags().Bool("detach", false, "with the shared store: print the job's id and return instead of waiting for it")
}

// runJob runs a long operation. With SQLite it is local, in this process as
// always. With the shared store it is a job: enqueued, then waited for with
// its progress shown on ev (this process works it when no worker is
// running); with --detach its id is printed and errDetached returned.
func runJob[R any](a *cli, cmd *cobra.Command, args app.JobArgs, ev *cliEvents, local func() (R, error)) (R, error) {
	var res R
	ctx := cmd.Context()
	svc, err := a.service(ctx)
	if err != nil || !svc.Shared() {
		if err != nil {
			return res, err
		}
		return local()
	}
	id, err := svc.Enqueue(ctx, args)
	if err != nil {
		return res, err
	}
	if detach, _ := cmd.Flags().GetBool("detach"); detach {
		err := a.emit(map[string]int64{"job": id}, func(w io.Writer) {
			fmt.Fprintf(w, "job %d queued; follow it with: klipp jobs (cancel: klipp jobs cancel %d)\n", id, id)
		})
		if err != nil {
			return res, err
		}
		return res, errDetached
	}
	if ev == nil {
		ev = a.events()
		defer ev.done()
	}
	ev.Step(fmt.Sprintf("job %d queued", id))
	err = svc.WaitJob(ctx, id, ev, &res)
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(a.stderr, "klipp: job %d stays queued; follow it with: klipp jobs\n", id)
	}
	return res, err
}

func (a *cli) jobsCommand() *cobra.Command {
	var req app.JobListRequest
	cmd := &cobra.Command{
		Use:   "jobs [--case N] [--all]",
		Short: "Jobs on the shared store: state, progress, who asked and which worker runs them; jobs cancel ID",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			list, err := svc.Jobs(cmd.Context(), req)
			if err != nil {
				return err
			}
			if list == nil {
				list = []app.Job{}
			}
			return a.emit(list, func(w io.Writer) { a.printJobs(w, list, req.All) })
		},
	}
	cmd.Flags().StringVar(&req.Case, "case", "", "only this case's jobs")
	cmd.Flags().BoolVar(&req.All, "all", false, "finished jobs too (kept for a day)")
	cmd.AddCommand(&cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a job: a queued one never starts, a running one is stopped",
		Args:  exactArgs(1, "a job id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fault.Usagef("job id %q: give the number klipp jobs shows", args[0])
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			j, err := svc.CancelJob(cmd.Context(), id)
			if err != nil {
				return err
			}
			return a.emit(j, func(w io.Writer) { fmt.Fprintf(w, "job %d (%s): %s\n", j.ID, j.Kind, j.State) })
		},
	})
	return cmd
}

func (a *cli) printJobs(w io.Writer, list []app.Job, all bool) {
	if len(list) == 0 {
		if all {
			fmt.Fprintln(w, "no jobs")
		} else {
			fmt.Fprintln(w, "no unfinished jobs (klipp jobs --all shows finished ones)")
		}
		return
	}
	rows := [][]string{{"ID", "KIND", "CASE", "STATE", "PROGRESS", "WHO", "WORKER", "QUEUED"}}
	for _, j := range list {
		prog := ""
		if p := j.Progress; p != nil {
			prog = p.Label
			if p.Total > 0 {
				prog += fmt.Sprintf(" %d%%", p.Done*100/p.Total)
			}
			if p.Line != "" {
				prog += " · " + p.Line
			}
		}
		if j.Error != "" && j.State != "running" {
			prog = j.Error
		}
		rows = append(rows, []string{strconv.FormatInt(j.ID, 10), j.Kind, j.Case, j.State, prog, j.Who, j.Worker, a.show(j.Created.Round(time.Second))})
	}
	table(w, rows)
}

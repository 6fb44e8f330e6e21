package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
)

func (a *cli) workerCommand() *cobra.Command {
	var req app.WorkRequest
	cmd := &cobra.Command{
		Use:   "worker [--concurrency N] [--queue Q…]",
		Short: "Work jobs of the shared store on this machine (it must see the footage) until SIGTERM or Ctrl-C",
		Long: "Work the jobs klipp commands enqueue on the shared store: exports (queue export), archive pushes,\n" +
			"retries and preservations (archive), indexing (index) and transcoding cuts (media). Run any number\n" +
			"of workers on machines that see the footage. On SIGTERM or Ctrl-C the worker takes no new job and\n" +
			"lets running ones finish for 10 s; after that they are handed back to other workers.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req.Started = func(id string) {
				queues := "every queue"
				if len(req.Queues) > 0 {
					queues = strings.Join(req.Queues, ", ")
				}
				fmt.Fprintf(a.stderr, "worker %s: working %s (%d at a time each)\n", id, queues, max(req.Concurrency, 1))
			}
			if err := svc.Work(cmd.Context(), req); err != nil {
				return err
			}
			fmt.Fprintln(a.stderr, "worker stopped")
			return nil
		},
	}
	cmd.Flags().IntVar(&req.Concurrency, "concurrency", 1, "jobs worked at once per queue")
	cmd.Flags().StringSliceVar(&req.Queues, "queue", nil, "work only these queues (export, archive, index, media); repeatable")
	return cmd
}

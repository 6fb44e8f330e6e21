package main

import (
	"context"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// The results the archive commands print (names the tests and the UI use).
type (
	pushView   = app.PushResult
	archiveRow = app.ArchiveRow
)

func (a *cli) archiveCommand() *cobra.Command {
	c := &cobra.Command{Use: "archive", Short: "Store bundles write-once: push, ls, verify, hold, release, retry"}
	c.AddCommand(a.archivePush(), a.archiveLs(), a.archiveVerify(), a.archiveHold(true), a.archiveHold(false), a.archiveRetry())
	return c
}

func (a *cli) archivePush() *cobra.Command {
	var req app.PushRequest
	var maxRate string
	cmd := &cobra.Command{
		Use:   "push CASE|DIR [--delete-local]",
		Short: "Upload a bundle (a case's newest export, or a bundle directory), then re-read and verify every object",
		Args:  exactArgs(1, "a case number or a bundle directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			if fi, err := os.Stat(args[0]); err == nil && fi.IsDir() {
				req.Dir = args[0]
			} else {
				req.Case = args[0]
			}
			if req.MaxRate, err = parseRate(maxRate); err != nil {
				return err
			}
			ev := a.events()
			v, err := runJob(a, cmd, &app.PushJob{PushRequest: req}, ev, func() (app.PushResult, error) { return svc.Push(cmd.Context(), req, ev) })
			ev.done()
			if err == errDetached {
				return nil
			} else if err != nil {
				return err
			}
			return a.emit(v, func(w io.Writer) { a.printPush(w, v, req.DeleteLocal) })
		},
	}
	detachFlag(cmd)
	cmd.Flags().BoolVar(&req.DeleteLocal, "delete-local", false, "delete the local bundle once the archive has verified it")
	cmd.Flags().IntVar(&req.Jobs, "jobs", 4, "parallel uploads")
	cmd.Flags().StringVar(&maxRate, "max-rate", "", "limit the upload rate, e.g. 20MB/s (shared networks)")
	return cmd
}

// parseRate reads "20MB/s", "500kB/s" or a number of bytes per second.
func parseRate(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	t := strings.TrimSuffix(strings.TrimSpace(s), "/s")
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"KB", 1e3}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || f <= 0 {
		return 0, fault.Usagef("--max-rate %q: give a rate such as 20MB/s", s)
	}
	return int64(f * float64(mult)), nil
}

func (a *cli) archiveRetry() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retry",
		Short: "Push every queued or failed bundle again",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			ev := a.events()
			res, err := runJob(a, cmd, &app.RetryJob{}, ev, func() (app.RetryResult, error) { return svc.Retry(cmd.Context(), ev) })
			ev.done()
			if err == errDetached {
				return nil
			} else if err != nil {
				return err
			}
			return a.emit(res, func(w io.Writer) { printRetry(w, res) })
		},
	}
	detachFlag(cmd)
	return cmd
}

func (a *cli) archiveLs() *cobra.Command {
	return &cobra.Command{
		Use:   "ls [CASE]",
		Short: "Bundles in the archive and in the queue, with their state",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			var req app.ArchiveListRequest
			if len(args) == 1 {
				req.Case = args[0]
			}
			rows, err := svc.ArchiveList(cmd.Context(), req)
			if rows == nil {
				return err
			}
			// The queue is shown even when the archive cannot be reached;
			// the command then fails with the reason.
			if perr := a.emit(rows, func(w io.Writer) { a.printArchiveRows(w, rows) }); perr != nil {
				return perr
			}
			return err
		},
	}
}

// archiveTarget reads CASE/EXPORT-ID, or CASE for its newest archived bundle.
func archiveTarget(arg string) (app.ArchiveTarget, error) {
	if !strings.Contains(arg, "/") {
		return app.ArchiveTarget{Case: arg}, nil
	}
	ref, err := archive.ParseRef(arg)
	if err != nil {
		return app.ArchiveTarget{}, fault.Wrap(fault.Usage, err)
	}
	return app.ArchiveTarget{Case: ref.Case, ExportID: ref.ExportID}, nil
}

func (a *cli) archiveVerify() *cobra.Command {
	return &cobra.Command{
		Use:   "verify CASE[/EXPORT-ID]",
		Short: "Re-read and re-hash every object of an archived bundle and check its retention and legal hold",
		Args:  exactArgs(1, "an archive reference CASE/EXPORT-ID or a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.verifyArchived(cmd.Context(), args[0])
		},
	}
}

// verifyArchived verifies the archived bundle arg names (archive verify,
// and klipp verify CASE/EXPORT-ID).
func (a *cli) verifyArchived(ctx context.Context, arg string) error {
	t, err := archiveTarget(arg)
	if err != nil {
		return err
	}
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	ev := a.events()
	res, err := svc.ArchiveVerify(ctx, t, ev)
	ev.done()
	if err != nil {
		if res.Report != nil && a.jsonOut {
			a.emit(res.Report, nil)
		}
		return err
	}
	return a.emit(res.Report, func(w io.Writer) { printArchiveVerify(w, res) })
}

func (a *cli) archiveHold(on bool) *cobra.Command {
	use, short := "hold", "Place a legal hold on every object of an archived bundle"
	if !on {
		use, short = "release", "Lift the legal hold from an archived bundle"
	}
	return &cobra.Command{
		Use:   use + " CASE[/EXPORT-ID]",
		Short: short,
		Args:  exactArgs(1, "an archive reference CASE/EXPORT-ID or a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := archiveTarget(args[0])
			if err != nil {
				return err
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			hold := svc.Hold
			if !on {
				hold = svc.Release
			}
			res, err := hold(cmd.Context(), t)
			if err != nil {
				return err
			}
			return a.emit(res, func(w io.Writer) { printHold(w, res) })
		},
	}
}

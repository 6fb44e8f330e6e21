package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/export"
)

// exportEntry is one timeline entry as the bundle's timeline.json has it.
type exportEntry = export.Entry

func (a *cli) exportCommand() *cobra.Command {
	var req app.ExportRequest
	cmd := &cobra.Command{
		Use:   "export CASE [-o DIR]",
		Short: "Build the case's bundle: clips, stills, native sources, presentation, report, timeline, audit, manifest and SHA256SUMS",
		Long: "Build the case's bundle under DIR/<case>/<export-id>. The bundle is assembled under a hidden name and\n" +
			"renamed when complete. An interrupted export is resumed by running the command again: finished\n" +
			"clips, stills and the presentation are reused when their sources and hashes are unchanged.",
		Args: exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			req.Case = args[0]
			ev := a.events()
			res, err := svc.Export(cmd.Context(), req, ev)
			ev.end()
			if err != nil {
				return cliError(err)
			}
			return a.emit(res, func(w io.Writer) {
				fmt.Fprintf(w, "bundle %s: %d files for %d entries; check it with: klipp verify %s (or sha256sum -c SHA256SUMS there)\n", res.Dir, res.Files, res.Entries, res.Dir)
				fmt.Fprintf(w, "time by stage: %s\n", export.StageSummary(res.Stages))
			})
		},
	}
	cmd.Flags().StringVarP(&req.OutDir, "output", "o", "", "directory for bundles (default: <data_dir>/exports); the bundle is DIR/<case>/<export-id>")
	cmd.Flags().BoolVar(&req.Restart, "restart", false, "discard an unfinished export of the case instead of resuming it")
	return cmd
}

// say prints a progress line on stderr unless --quiet.
func (a *cli) say(format string, args ...any) {
	if !a.quiet {
		fmt.Fprintf(a.stderr, format+"\n", args...)
	}
}

// cliEvents shows a service operation's progress on stderr: steps as
// lines, progress as a bar on a terminal, warnings always.
type cliEvents struct {
	a      *cli
	mu     sync.Mutex
	label  string
	update func(done, total int64)
	finish func()
}

var _ app.Events = (*cliEvents)(nil)

// events returns Events for one operation; call end when it returns.
func (a *cli) events() *cliEvents { return &cliEvents{a: a} }

func (e *cliEvents) Progress(label string, done, total int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if label != e.label || e.finish == nil {
		e.endLocked()
		e.label = label
		e.update, e.finish = e.a.progress(label)
	}
	e.update(done, total)
	if total > 0 && done >= total {
		e.endLocked()
	}
}

func (e *cliEvents) Step(msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.endLocked()
	e.a.say("%s", msg)
}

func (e *cliEvents) Warn(msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.endLocked()
	fmt.Fprintf(e.a.stderr, "klipp: warning: %s\n", msg)
}

// end finishes a bar still drawn.
func (e *cliEvents) end() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.endLocked()
}

func (e *cliEvents) endLocked() {
	if e.finish != nil {
		e.finish()
	}
	e.finish, e.label = nil, ""
}

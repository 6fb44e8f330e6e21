package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/export"
)

// exportEntry is one timeline entry as the bundle's timeline.json has it.
type exportEntry = export.Entry

func (a *cli) exportCommand() *cobra.Command {
	var req app.ExportRequest
	var sheets bool
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
			if cmd.Flags().Changed("contact-sheets") {
				req.ContactSheets = &sheets
			}
			ev := a.events()
			res, err := runJob(a, cmd, &app.ExportJob{ExportRequest: req}, ev, func() (app.ExportResult, error) { return svc.Export(cmd.Context(), req, ev) })
			ev.done()
			if err == errDetached {
				return nil
			} else if err != nil {
				return cliError(err)
			}
			return a.emit(res, func(w io.Writer) {
				fmt.Fprintf(w, "bundle %s: %d files for %d entries; check it with: klipp verify %s (or sha256sum -c SHA256SUMS there)\n", res.Dir, res.Files, res.Entries, res.Dir)
				fmt.Fprintf(w, "time by stage: %s\n", export.StageSummary(res.Stages))
				if res.Signer != nil {
					fmt.Fprintf(w, "SHA256SUMS.sig: signed by %s, key %s\n", res.Signer.Identity, res.Signer.Fingerprint)
				} else {
					fmt.Fprintln(w, "unsigned: no signing.key in klipp.yaml, so the bundle has no SHA256SUMS.sig")
				}
			})
		},
	}
	cmd.Flags().StringVarP(&req.OutDir, "output", "o", "", "directory for bundles (default: <data_dir>/exports); the bundle is DIR/<case>/<export-id>")
	cmd.Flags().BoolVar(&req.Wait, "wait", false, "wait for a running export of the case to finish instead of refusing (exit 2)")
	detachFlag(cmd)
	cmd.Flags().BoolVar(&req.Restart, "restart", false, "discard an unfinished export of the case instead of resuming it")
	cmd.Flags().BoolVar(&sheets, "contact-sheets", true, "a contact sheet of each entry's clip range in the bundle and report.pdf (default: report.contact_sheets)")
	return cmd
}

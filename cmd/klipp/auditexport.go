package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *cli) auditExport() *cobra.Command {
	var req app.AuditExportRequest
	var out string
	cmd := &cobra.Command{
		Use:   "export [--case N] [-o FILE]",
		Short: "Write the audit chain's entries as JSONL (stdout, or FILE): from the store, as with a shared PostgreSQL store",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				res, err := svc.AuditExport(cmd.Context(), req, a.stdout)
				if err == nil && !a.quiet {
					fmt.Fprintf(a.stderr, "%d audit entries\n", res.Entries)
				}
				return err
			}
			f, err := atomicfile.Create(out)
			if err != nil {
				return fault.Usagef("-o %s: %v", out, err)
			}
			defer f.Abort()
			res, err := svc.AuditExport(cmd.Context(), req, f)
			if err != nil {
				return err
			}
			if err := f.Commit(); err != nil {
				return fault.Wrap(fault.Storage, err)
			}
			return a.emit(res, func(w io.Writer) { fmt.Fprintf(w, "%d audit entries written to %s\n", res.Entries, out) })
		},
	}
	cmd.Flags().StringVar(&req.Case, "case", "", "only this case's entries")
	cmd.Flags().StringVarP(&out, "output", "o", "", "the file to write (default: stdout)")
	return cmd
}

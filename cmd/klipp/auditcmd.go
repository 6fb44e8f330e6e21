package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/audit"
)

// auditPath is the audit log in the data directory.
func (a *cli) auditPath() (string, error) {
	cfg, err := a.config()
	if err != nil {
		return "", err
	}
	return filepath.Join(cfg.DataDir, "audit.jsonl"), nil
}

// record appends an action to the audit log, as the configured analyst.
func (a *cli) record(e audit.Entry) error {
	svc, err := a.service(context.Background())
	if err != nil {
		return err
	}
	return svc.Record(context.Background(), e)
}

func (a *cli) auditCommand() *cobra.Command {
	c := &cobra.Command{Use: "audit", Short: "The hash-chained audit log of every action on evidence"}
	c.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Check the audit chain and that the log is the store's; names the first changed, removed, added or reordered entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			rep, err := svc.AuditVerify(cmd.Context())
			if err != nil {
				return err
			}
			return a.emit(rep, func(w io.Writer) {
				fmt.Fprintf(w, "audit log %s: %d entries, chain intact, last hash %s; matches %d seals and %d bundle heads\n", rep.File, rep.Entries, rep.LastHash, rep.Seals, rep.Bundles)
				for _, u := range rep.Unreached {
					fmt.Fprintf(w, "not checked: %s\n", u)
				}
			})
		},
	})
	c.AddCommand(a.auditExport())
	c.AddCommand(&cobra.Command{
		Use:   "seal",
		Short: "Write the audit chain's head (seq, hash, time, who) to the archive under object lock; audit verify checks the chain against every seal",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			res, err := svc.AuditSeal(cmd.Context())
			if err != nil {
				return err
			}
			return a.emit(res, func(w io.Writer) {
				fmt.Fprintf(w, "sealed seq %d (%s) as %s in %s\n", res.Seq, res.Hash, res.Key, res.Store)
			})
		},
	})
	return c
}

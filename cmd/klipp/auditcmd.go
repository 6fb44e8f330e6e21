package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/fault"
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
		Short: "Check the audit chain; names the first changed, removed or reordered line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := a.auditPath()
			if err != nil {
				return err
			}
			n, last, err := audit.Verify(path)
			var ve *audit.VerifyError
			switch {
			case errors.Is(err, os.ErrNotExist):
				return fault.NotFoundf("no audit log at %s (nothing has been audited yet)", path)
			case errors.As(err, &ve):
				return fault.Storagef("audit log %s is broken at %v", path, err)
			case err != nil:
				return fault.Storagef("audit log %s: %v", path, err)
			}
			return a.emit(map[string]any{"file": path, "entries": n, "last_hash": last, "ok": true}, func(w io.Writer) {
				fmt.Fprintf(w, "audit log %s: %d entries, chain intact, last hash %s\n", path, n, last)
			})
		},
	})
	return c
}

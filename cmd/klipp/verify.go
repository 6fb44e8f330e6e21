package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *app) verifyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "verify DIR",
		Short: "Recompute every hash of an export bundle; names missing, changed and extra files",
		Args:  exactArgs(1, "a bundle directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := bundle.Verify(args[0])
			if err != nil {
				return fault.NotFoundf("%v", err)
			}
			if err := a.record(audit.Entry{Action: "verify", Detail: map[string]string{"dir": r.Dir, "ok": strconv.FormatBool(r.OK()),
				"checked": strconv.Itoa(r.Checked)}}); err != nil {
				return err
			}
			if err := a.emit(r, func(w io.Writer) {
				if r.OK() {
					fmt.Fprintf(w, "bundle %s: %d files, every hash matches\n", r.Dir, r.Checked)
				}
			}); err != nil {
				return err
			}
			if r.OK() {
				return nil
			}
			var problems []string
			for _, p := range []struct {
				what  string
				files []string
			}{{"changed", r.Changed}, {"missing", r.Missing}, {"not listed", r.Extra}, {"bad SHA256SUMS lines", r.Invalid}} {
				if len(p.files) > 0 {
					problems = append(problems, p.what+": "+strings.Join(p.files, ", "))
				}
			}
			return fault.Storagef("bundle %s fails verification: %s", r.Dir, strings.Join(problems, "; "))
		},
	}
}

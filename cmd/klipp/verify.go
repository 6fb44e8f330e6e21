package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *cli) verifyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "verify DIR|CASE/EXPORT-ID",
		Short: "Recompute every hash of an export bundle, or of an archived one; names missing, changed and extra files",
		Args:  exactArgs(1, "a bundle directory or an archive reference CASE/EXPORT-ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			fi, err := os.Stat(args[0])
			if err != nil {
				// Not on disk: CASE/EXPORT-ID names an archived bundle.
				if ref, perr := archive.ParseRef(args[0]); perr == nil && casefile.ValidNumber(ref.Case) == nil && !filepath.IsAbs(args[0]) {
					return a.verifyArchived(cmd.Context(), args[0])
				}
			} else if !fi.IsDir() {
				return fault.Usagef("%s is a file; give a bundle directory or an archive reference CASE/EXPORT-ID", args[0])
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			r, err := svc.VerifyBundle(cmd.Context(), args[0])
			if err != nil {
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
					shown := make([]string, len(p.files))
					for i, f := range p.files {
						shown[i] = showName(f)
					}
					problems = append(problems, p.what+": "+strings.Join(shown, ", "))
				}
			}
			return fault.Storagef("bundle %s fails verification: %s", r.Dir, strings.Join(problems, "; "))
		},
	}
}

// showName keeps a file name on one line: a name with a control character
// or a backslash is shown quoted, with Go escapes (\n, \\).
func showName(name string) string {
	if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return strconv.Quote(name)
	}
	return name
}

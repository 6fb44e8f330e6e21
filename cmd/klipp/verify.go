package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *cli) verifyCommand() *cobra.Command {
	var req app.VerifyRequest
	cmd := &cobra.Command{
		Use:   "verify DIR|CASE/EXPORT-ID",
		Short: "Recompute every hash of an export bundle, or of an archived one, and check its signature; names missing, changed and extra files and the signer",
		Long: "Recompute every hash of an export bundle and check SHA256SUMS.sig (OpenSSH, namespace klipp-bundle): a\n" +
			"signed bundle names its signer and key; a signature that does not verify fails (exit 5); an unsigned\n" +
			"bundle says so. With --allowed-signers the key and identity must be in that file, as ssh-keygen -Y verify\n" +
			"requires.",
		Args: exactArgs(1, "a bundle directory or an archive reference CASE/EXPORT-ID"),
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
			req.Dir = args[0]
			r, err := svc.Verify(cmd.Context(), req)
			if err != nil {
				return cliError(err)
			}
			if err := a.emit(r, func(w io.Writer) {
				if r.OK() {
					fmt.Fprintf(w, "bundle %s: %d files, every hash matches; %s\n", r.Dir, r.Checked, signatureLine(r.Signature))
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
			if !r.Signature.OK() {
				problems = append(problems, "signature: "+r.Signature.Problem)
			}
			return fault.Storagef("bundle %s fails verification: %s", r.Dir, strings.Join(problems, "; "))
		},
	}
	cmd.Flags().StringVar(&req.AllowedSigners, "allowed-signers", "", "an allowed_signers file (ssh-keygen's format): the bundle must be signed by a key it lists for the identity the manifest names")
	return cmd
}

// signatureLine says who signed a verified bundle, or that it is unsigned.
func signatureLine(s *bundle.SignatureReport) string {
	switch {
	case !s.Signed:
		return "UNSIGNED (no " + bundle.SignatureName + ")"
	case s.Trusted != nil:
		return fmt.Sprintf("signed by %s, key %s (listed in the allowed signers)", s.Identity, s.Fingerprint)
	default:
		return fmt.Sprintf("signed by %s, key %s (compare the key with your unit's allowed_signers, or use --allowed-signers)", s.Identity, s.Fingerprint)
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

package export_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/bundle"
)

// pdfText is the text pdftotext reads in a PDF.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

// With signing.key set, every export writes SHA256SUMS.sig, which OpenSSH
// verifies alone and klipp verify checks and names; the report names the
// signer and key. Changed SHA256SUMS: both refuse it.
func TestExportSigned(t *testing.T) {
	svc, out := fixture(t, "signed")
	ctx := context.Background()
	res, err := svc.Export(ctx, app.ExportRequest{Case: number, OutDir: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Signer == nil || res.Signer.Identity != signer || !strings.HasPrefix(res.Signer.Fingerprint, "SHA256:") {
		t.Fatalf("export result names no signer: %+v", res.Signer)
	}
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	os.WriteFile(allowed, []byte(res.Signer.AllowedSigners()+"\n"), 0o644)
	sshVerify := func() (bool, string) {
		sums, _ := os.Open(filepath.Join(res.Dir, bundle.SumsName))
		defer sums.Close()
		cmd := exec.Command("ssh-keygen", "-Y", "verify", "-f", allowed, "-I", signer, "-n", "klipp-bundle", "-s", filepath.Join(res.Dir, bundle.SignatureName))
		cmd.Stdin = sums
		b, err := cmd.CombinedOutput()
		return err == nil, string(b)
	}
	if ok, msg := sshVerify(); !ok {
		t.Fatalf("ssh-keygen -Y verify: %s", msg)
	}
	r, err := svc.Verify(ctx, app.VerifyRequest{Dir: res.Dir, AllowedSigners: allowed})
	if err != nil || !r.OK() || !r.Signature.Valid || r.Signature.Identity != signer || r.Signature.Fingerprint != res.Signer.Fingerprint {
		t.Fatalf("klipp verify: %+v %+v %v", r, r.Signature, err)
	}
	text := pdfText(t, filepath.Join(res.Dir, bundle.ReportName))
	if flat := strings.Join(strings.Fields(text), " "); !strings.Contains(flat, "signerad i SHA256SUMS.sig av "+signer+", nyckel "+res.Signer.Fingerprint) {
		t.Errorf("the report does not name the signer and key:\n%s", text)
	}
	p := filepath.Join(res.Dir, bundle.SumsName)
	os.Chmod(p, 0o644)
	data, _ := os.ReadFile(p)
	data[len(data)-2] ^= 1 // one byte of the last name
	os.WriteFile(p, data, 0o644)
	if ok, msg := sshVerify(); ok {
		t.Errorf("ssh-keygen accepts a changed SHA256SUMS: %s", msg)
	}
	if r, err := svc.VerifyBundle(ctx, res.Dir); err != nil || r.OK() || r.Signature.Valid {
		t.Errorf("klipp verify accepts a changed SHA256SUMS: %+v %v", r.Signature, err)
	}
}

// Without a key the bundle has no SHA256SUMS.sig and the report says
// plainly that it is unsigned.
func TestExportUnsigned(t *testing.T) {
	svc, out := fixture(t)
	res, err := svc.Export(context.Background(), app.ExportRequest{Case: number, OutDir: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(res.Dir, bundle.SignatureName)); !os.IsNotExist(err) || res.Signer != nil {
		t.Errorf("an unsigned export has a signature: %v %+v", err, res.Signer)
	}
	if text := strings.Join(strings.Fields(pdfText(t, filepath.Join(res.Dir, bundle.ReportName))), " "); !strings.Contains(text, "Osignerad: ingen signeringsnyckel") {
		t.Errorf("the report does not say unsigned:\n%s", text)
	}
}

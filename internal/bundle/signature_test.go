package bundle

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// newSigner makes an ed25519 key with ssh-keygen and reads it.
func newSigner(t *testing.T, identity string) (*Signer, string) {
	t.Helper()
	key := filepath.Join(t.TempDir(), "klipp-signing")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", identity, "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	s, err := LoadSigner(key, identity)
	if err != nil {
		t.Fatal(err)
	}
	return s, key
}

// sshVerify runs OpenSSH's own check of a bundle's signature.
func sshVerify(t *testing.T, dir, allowed, identity string) (bool, string) {
	t.Helper()
	sums, err := os.Open(filepath.Join(dir, SumsName))
	if err != nil {
		t.Fatal(err)
	}
	defer sums.Close()
	cmd := exec.Command("ssh-keygen", "-Y", "verify", "-f", allowed, "-I", identity, "-n", Namespace, "-s", filepath.Join(dir, SignatureName))
	cmd.Stdin = sums
	out, err := cmd.CombinedOutput()
	return err == nil, string(out)
}

// A signed bundle verifies with OpenSSH alone and with Verify, which names
// the signer; one changed byte of SHA256SUMS and both refuse it.
func TestSignatureOpenSSH(t *testing.T) {
	s, _ := newSigner(t, "bildanalys.malmo@polisen.se")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "report.pdf"), []byte("%PDF"), 0o644)
	size, sum, _ := HashFile(filepath.Join(dir, "report.pdf"))
	m := Manifest{Case: "5000-K1", ExportID: "x", Files: []File{{Path: "report.pdf", Size: size, SHA256: sum}}}
	if err := FinishSigned(dir, m, s); err != nil {
		t.Fatal(err)
	}
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	os.WriteFile(allowed, []byte(s.Info.AllowedSigners()+"\n"), 0o644)
	if ok, out := sshVerify(t, dir, allowed, s.Info.Identity); !ok || !strings.Contains(out, `Good "klipp-bundle" signature for bildanalys.malmo@polisen.se`) {
		t.Fatalf("ssh-keygen refuses klipp's signature: %s", out)
	}
	if ok, _ := sshVerify(t, dir, allowed, "someone.else@polisen.se"); ok {
		t.Error("ssh-keygen accepts the signature for another identity")
	}
	r, err := Verify(dir)
	if err != nil || !r.OK() || !r.Signature.Valid || r.Signature.Identity != s.Info.Identity || r.Signature.Fingerprint != s.Info.Fingerprint {
		t.Fatalf("verify: %+v %+v %v", r, r.Signature, err)
	}
	if err := r.Signature.CheckAllowedSigners(allowed); err != nil || !*r.Signature.Trusted || !r.OK() {
		t.Errorf("allowed signers: %+v %v", r.Signature, err)
	}
	other, _ := newSigner(t, "bildanalys.malmo@polisen.se")
	otherList := filepath.Join(t.TempDir(), "allowed_signers")
	os.WriteFile(otherList, []byte(other.Info.AllowedSigners()+"\n"), 0o644)
	r, _ = Verify(dir)
	if err := r.Signature.CheckAllowedSigners(otherList); err != nil || *r.Signature.Trusted || r.OK() {
		t.Errorf("a list without the key vouches for it: %+v", r.Signature)
	}

	// One byte of SHA256SUMS changed (the listed hash of report.pdf).
	p := filepath.Join(dir, SumsName)
	data, _ := os.ReadFile(p)
	data[0] ^= 1
	os.WriteFile(p, data, 0o644)
	if ok, out := sshVerify(t, dir, allowed, s.Info.Identity); ok {
		t.Errorf("ssh-keygen accepts a changed SHA256SUMS: %s", out)
	}
	r, err = Verify(dir)
	if err != nil || r.OK() || r.Signature.Valid || !strings.Contains(r.Signature.Problem, "does not match SHA256SUMS") {
		t.Errorf("changed SHA256SUMS: %+v %v", r.Signature, err)
	}
}

// Unsigned bundles say so; a signature removed from a bundle whose
// manifest names a signer, or made by another key, fails.
func TestSignatureMissingOrForeign(t *testing.T) {
	dir := makeBundle(t)
	r, err := Verify(dir)
	if err != nil || !r.OK() || r.Signature.Signed {
		t.Fatalf("unsigned: %+v %v", r.Signature, err)
	}
	s, _ := newSigner(t, "a@polisen.se")
	m := Manifest{Case: "K1", ExportID: "x"}
	signed := t.TempDir()
	if err := FinishSigned(signed, m, s); err != nil {
		t.Fatal(err)
	}
	mallory, _ := newSigner(t, "a@polisen.se")
	if err := SignSums(signed, mallory); err != nil {
		t.Fatal(err)
	}
	if r, _ := Verify(signed); r.OK() || !strings.Contains(r.Signature.Problem, "but the manifest names a@polisen.se ("+s.Info.Fingerprint+")") {
		t.Errorf("signed by another key: %+v", r.Signature)
	}
	os.Remove(filepath.Join(signed, SignatureName))
	if r, _ := Verify(signed); r.OK() || !strings.Contains(r.Signature.Problem, "SHA256SUMS.sig is missing") {
		t.Errorf("signature removed: %+v", r.Signature)
	}
	// Signing again without a key takes an old signature away.
	SignSums(signed, s)
	if err := Finish(signed, Manifest{Case: "K1", ExportID: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(signed, SignatureName)); !os.IsNotExist(err) {
		t.Errorf("an old signature stays: %v", err)
	}
}

// Signatures OpenSSH makes (ssh-keygen -Y sign) verify with klipp when
// their namespace is klipp-bundle, and not otherwise; damaged armor is
// refused with a reason.
func TestSignatureFromOpenSSH(t *testing.T) {
	s, key := newSigner(t, "a@polisen.se")
	dir := t.TempDir()
	if err := FinishSigned(dir, Manifest{Case: "K1", ExportID: "x"}, s); err != nil {
		t.Fatal(err)
	}
	sums, _ := os.ReadFile(filepath.Join(dir, SumsName))
	for _, ns := range []string{Namespace, "file"} {
		cmd := exec.Command("ssh-keygen", "-Y", "sign", "-q", "-f", key, "-n", ns)
		cmd.Stdin = strings.NewReader(string(sums))
		sig, err := cmd.Output()
		if err != nil {
			t.Fatalf("ssh-keygen -Y sign: %v", err)
		}
		pub, err := CheckSignature(sig, sums)
		switch {
		case ns == Namespace && (err != nil || pub == nil):
			t.Errorf("OpenSSH's signature: %v", err)
		case ns != Namespace && (err == nil || !strings.Contains(err.Error(), `namespace "file", want "klipp-bundle"`)):
			t.Errorf("namespace %s: %v", ns, err)
		}
	}
	for _, bad := range []string{"", "-----BEGIN SSH SIGNATURE-----\n!!!\n-----END SSH SIGNATURE-----\n",
		"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"} {
		if _, err := CheckSignature([]byte(bad), sums); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

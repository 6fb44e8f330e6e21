package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/bundle"
)

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("data_dir: data\n"), 0o644)
	b := filepath.Join(dir, "5000-K1", "20261121T080000Z")
	os.MkdirAll(filepath.Join(b, "stills"), 0o755)
	m := bundle.Manifest{Case: "5000-K1", ExportID: "20261121T080000Z", Created: time.Now().UTC()}
	for _, name := range []string{"timeline.json", "stills/01-stortorget-220820.000.png"} {
		os.WriteFile(filepath.Join(b, filepath.FromSlash(name)), []byte("content of "+name), 0o644)
		size, sum, _ := bundle.HashFile(filepath.Join(b, filepath.FromSlash(name)))
		m.Files = append(m.Files, bundle.File{Path: name, Size: size, SHA256: sum})
	}
	if err := bundle.Finish(b, m); err != nil {
		t.Fatal(err)
	}
	code, out, errs := klipp(t, "--config", conf, "verify", b)
	if code != 0 || !strings.Contains(out, "3 files, every hash matches") {
		t.Fatalf("intact: %d %s %s", code, out, errs)
	}
	still := filepath.Join(b, "stills", "01-stortorget-220820.000.png")
	data, _ := os.ReadFile(still)
	data[3] ^= 0x20 // one changed byte
	os.WriteFile(still, data, 0o644)
	code, _, errs = klipp(t, "--config", conf, "verify", b)
	if code != 5 || !strings.Contains(errs, "changed: stills/01-stortorget-220820.000.png") {
		t.Errorf("changed byte: %d %q", code, errs)
	}
	code, out, _ = klipp(t, "--config", conf, "--json", "verify", b)
	if code != 5 || !strings.Contains(out, `"changed": [`) {
		t.Errorf("json report: %d %s", code, out)
	}
	if code, _, errs := klipp(t, "--config", conf, "verify", filepath.Join(dir, "nowhere")); code != 3 || !strings.Contains(errs, "no SHA256SUMS") {
		t.Errorf("not a bundle: %d %q", code, errs)
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "data", "audit.jsonl")); strings.Count(string(log), `"action":"verify"`) != 3 {
		t.Errorf("verify not audited:\n%s", log)
	}
}

// klipp verify checks SHA256SUMS.sig and names the signer and key; with a
// changed SHA256SUMS it fails with exit 5 and says why; --allowed-signers
// must list the key for the identity.
func TestVerifySignature(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("data_dir: data\n"), 0o644)
	key := filepath.Join(dir, "key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	s, err := bundle.LoadSigner(key, "bildanalys@polisen.se")
	if err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(dir, "5000-K1", "20261121T080000Z")
	os.MkdirAll(b, 0o755)
	os.WriteFile(filepath.Join(b, "timeline.json"), []byte("[]\n"), 0o644)
	size, sum, _ := bundle.HashFile(filepath.Join(b, "timeline.json"))
	if err := bundle.FinishSigned(b, bundle.Manifest{Case: "5000-K1", ExportID: "20261121T080000Z", Files: []bundle.File{{Path: "timeline.json", Size: size, SHA256: sum}}}, s); err != nil {
		t.Fatal(err)
	}
	code, out, errs := klipp(t, "--config", conf, "verify", b)
	if code != 0 || !strings.Contains(out, "every hash matches; signed by bildanalys@polisen.se, key "+s.Info.Fingerprint) {
		t.Fatalf("signed: %d %s %s", code, out, errs)
	}
	allowed := filepath.Join(dir, "allowed_signers")
	os.WriteFile(allowed, []byte("# the unit's keys\n"+s.Info.AllowedSigners()+"\n"), 0o644)
	if code, out, errs := klipp(t, "--config", conf, "verify", "--allowed-signers", allowed, b); code != 0 || !strings.Contains(out, "(listed in the allowed signers)") {
		t.Errorf("allowed signers: %d %s %s", code, out, errs)
	}
	os.WriteFile(allowed, []byte("someone@polisen.se "+s.Info.PublicKey+"\n"), 0o644)
	if code, _, errs := klipp(t, "--config", conf, "verify", "--allowed-signers", allowed, b); code != 5 || !strings.Contains(errs, "does not list bildanalys@polisen.se") {
		t.Errorf("identity not in allowed signers: %d %s", code, errs)
	}
	p := filepath.Join(b, bundle.SumsName)
	data, _ := os.ReadFile(p)
	os.WriteFile(p, append(data, []byte(sum+"  timeline.json\n")...), 0o644) // a line added
	code, _, errs = klipp(t, "--config", conf, "verify", b)
	if code != 5 || !strings.Contains(errs, "signature: the signature does not match SHA256SUMS") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("changed SHA256SUMS: %d %q", code, errs)
	}
	// An unsigned bundle says so.
	u := filepath.Join(dir, "5000-K1", "20261121T090000Z")
	os.MkdirAll(u, 0o755)
	bundle.Finish(u, bundle.Manifest{Case: "5000-K1", ExportID: "20261121T090000Z"})
	if code, out, _ := klipp(t, "--config", conf, "verify", u); code != 0 || !strings.Contains(out, "UNSIGNED (no SHA256SUMS.sig)") {
		t.Errorf("unsigned: %d %s", code, out)
	}
}

package config

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sshKey makes an OpenSSH key with ssh-keygen (passphrase may be "").
func sshKey(t *testing.T, dir, name, kind, passphrase string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", kind, "-N", passphrase, "-C", "test", "-f", p).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	return p
}

// The signing key is read and checked when the configuration loads: a
// wrong key is an error naming the key and what to do, never its content.
func TestSigningKeys(t *testing.T) {
	dir := t.TempDir()
	sshKey(t, dir, "ok", "ed25519", "")
	sshKey(t, dir, "locked", "ed25519", "secret words")
	sshKey(t, dir, "rsa", "rsa", "")
	os.WriteFile(filepath.Join(dir, "junk"), []byte("not a key\n"), 0o600)
	f := filepath.Join(dir, "klipp.yaml")
	load := func(body string) (*Config, error) {
		t.Helper()
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return Load(f, nil)
	}
	c, err := load("signing: {key: ok, identity: bildanalys@polisen.se}\n")
	if err != nil || c.Signing.Key != filepath.Join(dir, "ok") || c.Signing.Identity != "bildanalys@polisen.se" {
		t.Fatalf("a good key: %+v %v", c, err)
	}
	if c, err := load("timezone: UTC\n"); err != nil || c.Signing.Key != "" {
		t.Fatalf("no key: %+v %v", c, err)
	}
	for _, tc := range []struct{ body, want string }{
		{"signing: {key: ok}\n", "signing.identity: an identity is needed"},
		{"signing: {identity: a@b}\n", "signing.identity: is set but signing.key is not"},
		{"signing: {key: ok, identity: 'two words'}\n", `signing.identity: identity "two words": no spaces`},
		{"signing: {key: missing, identity: a@b}\n", "signing.key: open " + filepath.Join(dir, "missing")},
		{"signing: {key: locked, identity: a@b}\n", "signing.key: " + filepath.Join(dir, "locked") + ": the key has a passphrase"},
		{"signing: {key: rsa, identity: a@b}\n", "klipp signs with ed25519 keys"},
		{"signing: {key: junk, identity: a@b}\n", "not an OpenSSH private key"},
		{"signing: {key: ok, identity: a@b, comment: x}\n", `unknown key "signing.comment"`},
	} {
		_, err := load(tc.body)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", strings.TrimSpace(tc.body), err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("the message shows the key: %v", err)
		}
	}
}

package bundle

// The signed manifest: SHA256SUMS.sig is an OpenSSH signature (the SSHSIG
// format of OpenSSH's PROTOCOL.sshsig, namespace klipp-bundle) of
// SHA256SUMS, so that anyone with OpenSSH checks a bundle's origin and
// integrity without klipp:
//
//	sha256sum -c SHA256SUMS
//	ssh-keygen -Y verify -f allowed_signers -I IDENTITY -n klipp-bundle -s SHA256SUMS.sig < SHA256SUMS

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
)

// Namespace is the SSHSIG namespace of a bundle's signature: a signature
// made for another purpose with the same key does not verify as one.
const Namespace = "klipp-bundle"

const (
	sigMagic   = "SSHSIG"
	sigVersion = 1
	sigHash    = "sha512"
	armorBegin = "-----BEGIN SSH SIGNATURE-----"
	armorEnd   = "-----END SSH SIGNATURE-----"
)

// SignerInfo names who signed a bundle; the manifest carries it, so the
// signature covers the claim too.
type SignerInfo struct {
	Identity    string `json:"identity"`    // the principal in allowed_signers
	Fingerprint string `json:"fingerprint"` // SHA256:… as ssh-keygen -l prints it
	PublicKey   string `json:"public_key"`  // authorized_keys form: ssh-ed25519 AAAA…
	Namespace   string `json:"namespace"`
}

// AllowedSigners is the allowed_signers line ssh-keygen -Y verify needs
// for this signer.
func (i SignerInfo) AllowedSigners() string {
	return i.Identity + ` namespaces="` + Namespace + `" ` + i.PublicKey
}

// Signer signs bundles with an OpenSSH ed25519 key.
type Signer struct {
	Info   SignerInfo
	signer ssh.Signer
}

// ParseSigner reads an unencrypted OpenSSH ed25519 private key. The error
// never shows the key's content.
func ParseSigner(pemBytes []byte, identity string) (*Signer, error) {
	if err := CheckIdentity(identity); err != nil {
		return nil, err
	}
	raw, err := ssh.ParseRawPrivateKey(pemBytes)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, errors.New("the key has a passphrase; klipp signs unattended and needs a key without one (keep it readable by klipp's user only)")
	case err != nil:
		return nil, fmt.Errorf("not an OpenSSH private key (%v)", err)
	}
	var key ed25519.PrivateKey
	switch k := raw.(type) {
	case *ed25519.PrivateKey:
		key = *k
	case ed25519.PrivateKey:
		key = k
	default:
		return nil, fmt.Errorf("a %T key: klipp signs with ed25519 keys (ssh-keygen -t ed25519)", raw)
	}
	s, err := ssh.NewSignerFromKey(key)
	if err != nil {
		return nil, err
	}
	pub := s.PublicKey()
	return &Signer{signer: s, Info: SignerInfo{Identity: identity, Fingerprint: ssh.FingerprintSHA256(pub),
		PublicKey: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))), Namespace: Namespace}}, nil
}

// LoadSigner reads the key file ParseSigner takes.
func LoadSigner(keyFile, identity string) (*Signer, error) {
	data, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	s, err := ParseSigner(data, identity)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyFile, err)
	}
	return s, nil
}

// CheckIdentity refuses an identity allowed_signers cannot name: empty,
// or with white space, a comma, a quote or a wildcard.
func CheckIdentity(identity string) error {
	if identity == "" {
		return errors.New("an identity is needed to sign (such as analys@polisen.se)")
	}
	if strings.ContainsAny(identity, " \t\r\n,\"'*?!") {
		return fmt.Errorf("identity %q: no spaces, commas, quotes or wildcards (allowed_signers names it as one principal)", identity)
	}
	return nil
}

// Sign returns the armored SSHSIG signature of message.
func (s *Signer) Sign(message []byte) ([]byte, error) {
	h := sha512.Sum512(message)
	sig, err := s.signer.Sign(rand.Reader, signedData(Namespace, h[:]))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(sigMagic)
	b.Write(ssh.Marshal(struct{ V uint32 }{sigVersion}))
	writeString(&b, s.signer.PublicKey().Marshal())
	writeString(&b, []byte(Namespace))
	writeString(&b, nil) // reserved
	writeString(&b, []byte(sigHash))
	writeString(&b, ssh.Marshal(sig))
	return armor(b.Bytes()), nil
}

// SignSums writes dir's SHA256SUMS.sig.
func SignSums(dir string, s *Signer) error {
	sums, err := os.ReadFile(filepath.Join(dir, SumsName))
	if err != nil {
		return err
	}
	sig, err := s.Sign(sums)
	if err != nil {
		return fmt.Errorf("sign %s: %w", SumsName, err)
	}
	return atomicfile.Write(filepath.Join(dir, SignatureName), sig)
}

// signedData is what an SSHSIG signature signs.
func signedData(namespace string, hash []byte) []byte {
	var b bytes.Buffer
	b.WriteString(sigMagic)
	writeString(&b, []byte(namespace))
	writeString(&b, nil)
	writeString(&b, []byte(sigHash))
	writeString(&b, hash)
	return b.Bytes()
}

func writeString(b *bytes.Buffer, s []byte) {
	b.Write(ssh.Marshal(struct{ S []byte }{s}))
}

func armor(blob []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(blob)
	var b strings.Builder
	b.WriteString(armorBegin + "\n")
	for len(enc) > 70 {
		b.WriteString(enc[:70] + "\n")
		enc = enc[70:]
	}
	b.WriteString(enc + "\n" + armorEnd + "\n")
	return []byte(b.String())
}

// sshsig is a parsed SSHSIG blob.
type sshsig struct {
	Magic     [6]byte
	Version   uint32
	PublicKey []byte
	Namespace string
	Reserved  string
	HashAlg   string
	Signature []byte
}

// CheckSignature verifies an armored SSHSIG signature of message in the
// klipp-bundle namespace and returns the key that made it.
func CheckSignature(armored, message []byte) (ssh.PublicKey, error) {
	text := strings.TrimSpace(string(armored))
	if !strings.HasPrefix(text, armorBegin) || !strings.HasSuffix(text, armorEnd) {
		return nil, errors.New("not an SSH signature (no BEGIN/END SSH SIGNATURE lines)")
	}
	body := strings.Join(strings.Fields(strings.TrimSuffix(strings.TrimPrefix(text, armorBegin), armorEnd)), "")
	blob, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("malformed SSH signature: %v", err)
	}
	var s sshsig
	if err := ssh.Unmarshal(blob, &s); err != nil || string(s.Magic[:]) != sigMagic {
		return nil, errors.New("malformed SSH signature")
	}
	if s.Version != sigVersion {
		return nil, fmt.Errorf("SSH signature version %d is not supported", s.Version)
	}
	if s.Namespace != Namespace {
		return nil, fmt.Errorf("signature namespace %q, want %q", s.Namespace, Namespace)
	}
	pub, err := ssh.ParsePublicKey(s.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("signature's public key: %v", err)
	}
	var sig ssh.Signature
	if err := ssh.Unmarshal(s.Signature, &sig); err != nil {
		return nil, errors.New("malformed SSH signature")
	}
	var h []byte
	switch s.HashAlg {
	case "sha512":
		x := sha512.Sum512(message)
		h = x[:]
	case "sha256":
		x := sha256.Sum256(message)
		h = x[:]
	default:
		return nil, fmt.Errorf("signature hash %q is not supported", s.HashAlg)
	}
	if err := pub.Verify(signedData(s.Namespace, h), &sig); err != nil {
		return pub, fmt.Errorf("the signature does not match %s (it was changed after signing, or signed by another key)", SumsName)
	}
	return pub, nil
}

// SignatureReport is what Verify found about SHA256SUMS.sig.
type SignatureReport struct {
	Signed      bool   `json:"signed"`                // a SHA256SUMS.sig is there, or the manifest names a signer
	Valid       bool   `json:"valid"`                 // it verifies, and by the key the manifest names
	Identity    string `json:"identity,omitempty"`    // as the manifest names the signer
	Fingerprint string `json:"fingerprint,omitempty"` // of the key that made the signature
	PublicKey   string `json:"public_key,omitempty"`
	Trusted     *bool  `json:"trusted,omitempty"` // with an allowed_signers file: the key and identity are in it
	Problem     string `json:"problem,omitempty"`
}

// OK is false for a signature that is there and does not verify, that
// the manifest promises and is missing, or that an allowed_signers file
// does not vouch for; an unsigned bundle is OK (and says so) unless an
// allowed_signers file was given.
func (s *SignatureReport) OK() bool {
	if s == nil || (!s.Signed && s.Trusted == nil) {
		return true
	}
	return s.Valid && (s.Trusted == nil || *s.Trusted)
}

// CheckBundleSignature checks dir's SHA256SUMS.sig against its
// SHA256SUMS and the signer its manifest names (signer may be nil).
func CheckBundleSignature(dir string, signer *SignerInfo) *SignatureReport {
	r := &SignatureReport{}
	if signer != nil {
		r.Signed, r.Identity = true, signer.Identity
	}
	sig, err := os.ReadFile(filepath.Join(dir, SignatureName))
	if os.IsNotExist(err) {
		if r.Signed {
			r.Problem = SignatureName + " is missing, but the manifest says the bundle was signed by " + signer.Identity
		}
		return r
	}
	r.Signed = true
	if err != nil {
		r.Problem = err.Error()
		return r
	}
	sums, err := os.ReadFile(filepath.Join(dir, SumsName))
	if err != nil {
		r.Problem = err.Error()
		return r
	}
	pub, err := CheckSignature(sig, sums)
	if pub != nil {
		r.Fingerprint = ssh.FingerprintSHA256(pub)
		r.PublicKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	}
	switch {
	case err != nil:
		r.Problem = err.Error()
	case signer == nil:
		r.Problem = "the manifest names no signer"
	case signer.Fingerprint != r.Fingerprint:
		r.Problem = fmt.Sprintf("signed by key %s, but the manifest names %s (%s)", r.Fingerprint, signer.Identity, signer.Fingerprint)
	default:
		r.Valid = true
	}
	return r
}

// CheckAllowedSigners sets r.Trusted: whether an allowed_signers file (the
// format ssh-keygen -Y verify reads) lists r's identity with its key for
// the klipp-bundle namespace.
func (r *SignatureReport) CheckAllowedSigners(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	trusted := false
	if !r.Signed {
		r.Trusted = &trusted
		r.Problem = "the bundle is unsigned, and " + file + " asks for a signature"
		return nil
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() && r.PublicKey != "" {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		principals, rest, _ := strings.Cut(line, " ")
		namespaces := ""
		// Options before the key: cert-authority, namespaces="…", valid-after=…
		for {
			rest = strings.TrimSpace(rest)
			if strings.HasPrefix(rest, "ssh-") || strings.HasPrefix(rest, "ecdsa-") || strings.HasPrefix(rest, "sk-") || rest == "" {
				break
			}
			opt, tail := splitOption(rest)
			if v, ok := strings.CutPrefix(opt, "namespaces="); ok {
				namespaces = strings.Trim(v, `"`)
			}
			rest = tail
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(rest))
		if err != nil || ssh.FingerprintSHA256(pub) != r.Fingerprint {
			continue
		}
		if namespaces != "" && !matchAny(strings.Split(namespaces, ","), Namespace) {
			continue
		}
		if matchAny(strings.Split(principals, ","), r.Identity) {
			trusted = true
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	r.Trusted = &trusted
	if !trusted && r.Problem == "" {
		r.Problem = fmt.Sprintf("%s does not list %s with key %s for %s", file, r.Identity, r.Fingerprint, Namespace)
	}
	return nil
}

// splitOption cuts the first option (which may hold a quoted value) off s.
func splitOption(s string) (opt, rest string) {
	quoted := false
	for i, c := range s {
		switch {
		case c == '"':
			quoted = !quoted
		case (c == ' ' || c == '\t') && !quoted:
			return s[:i], s[i+1:]
		case c == ',' && !quoted:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// matchAny reports whether name matches one of the patterns (* and ?
// wildcards, as allowed_signers has them).
func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(strings.TrimSpace(p), name); ok {
			return true
		}
	}
	return false
}

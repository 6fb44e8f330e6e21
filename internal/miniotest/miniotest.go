// Package miniotest runs a real MinIO server for tests: on a free loopback
// port, with its own temporary data directory, optionally with TLS from a
// certificate authority made for the test, stopped when the test ends.
// scripts/minio.sh installs the binary (go install, cached in GOPATH/bin).
package miniotest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Server is a running MinIO.
type Server struct {
	Endpoint  string // 127.0.0.1:port
	AccessKey string
	SecretKey string
	TLS       bool
	CAFile    string // with TLS: the PEM of the CA that signed the server's certificate

	bin, data, certs string
	cmd              *exec.Cmd
	done             chan struct{}
	log              *os.File
}

// Binary finds the minio binary: $KLIPP_MINIO, GOPATH/bin/minio, or PATH.
func Binary() (string, error) {
	if p := os.Getenv("KLIPP_MINIO"); p != "" {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		if p := filepath.Join(dir, "bin", "minio"); isExecutable(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("no minio binary: run scripts/minio.sh (make test does) or set KLIPP_MINIO")
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, withTLS bool) *Server {
	t.Helper()
	dir := t.TempDir()
	s, err := Run(dir, withTLS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Run starts a server with its data (and certificates) under dir, which
// must exist; the caller stops it.
func Run(dir string, withTLS bool) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	s := &Server{AccessKey: "klipptest", SecretKey: "klipptest-secret-0123", TLS: withTLS, bin: bin, data: filepath.Join(dir, "data")}
	if err := os.MkdirAll(s.data, 0o755); err != nil {
		return nil, err
	}
	if withTLS {
		s.certs = filepath.Join(dir, "certs")
		if err := os.MkdirAll(s.certs, 0o755); err != nil {
			return nil, err
		}
		if s.CAFile, err = writeCerts(s.certs); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s.Endpoint = fmt.Sprintf("127.0.0.1:%d", port)
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start() error {
	consolePort, err := freePort()
	if err != nil {
		return err
	}
	args := []string{"server", s.data, "--address", s.Endpoint, "--console-address", fmt.Sprintf("127.0.0.1:%d", consolePort), "--quiet"}
	if s.certs != "" {
		args = append(args, "--certs-dir", s.certs)
	}
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+s.AccessKey, "MINIO_ROOT_PASSWORD="+s.SecretKey, "MINIO_BROWSER=off",
		"MINIO_UPDATE=off", "HOME="+s.data)
	if s.log, err = os.Create(filepath.Join(filepath.Dir(s.data), "minio-"+filepath.Base(s.data)+".log")); err == nil {
		s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start minio: %w", err)
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	return s.waitLive(60 * time.Second)
}

func (s *Server) waitLive(limit time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	scheme := "http"
	if s.TLS {
		scheme = "https"
		pool := x509.NewCertPool()
		pem, _ := os.ReadFile(s.CAFile)
		pool.AppendCertsFromPEM(pem)
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			log, _ := os.ReadFile(s.log.Name())
			return fmt.Errorf("minio exited at start: %s", log)
		default:
		}
		// Live first; then ready, because a live server may still answer
		// 503 "not initialized" for a moment.
		base := scheme + "://" + s.Endpoint
		if status(client, base+"/minio/health/live") == http.StatusOK && status(client, base+"/minio/health/ready") == http.StatusOK {
			if api := status(client, base+"/"); api > 0 && api != http.StatusServiceUnavailable {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Stop()
	return fmt.Errorf("minio on %s not live after %s", s.Endpoint, limit)
}

// status is the HTTP status of a GET, or 0 when there is no answer. An
// anonymous S3 request is refused with 403 once MinIO's object layer is
// up, and 503 before.
func status(client *http.Client, url string) int {
	resp, err := client.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Stop kills the server (as an outage would) and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
	default:
		s.cmd.Process.Kill()
		<-s.done
	}
	if s.log != nil {
		s.log.Close()
	}
}

// Restart starts the server again on the same port with the same data.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
}

// writeCerts makes a CA and a certificate for 127.0.0.1 signed by it, as
// MinIO expects them in its certs directory, and returns the CA's PEM path.
func writeCerts(dir string) (string, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "klipp test CA"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(24 * time.Hour), IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", err
	}
	write := func(name, kind string, b []byte) error {
		return os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: b}), 0o600)
	}
	if err := write("public.crt", "CERTIFICATE", der); err != nil {
		return "", err
	}
	if err := write("private.key", "EC PRIVATE KEY", keyDER); err != nil {
		return "", err
	}
	caFile := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+"-ca.crt")
	return caFile, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644)
}

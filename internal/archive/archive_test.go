package archive

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/miniotest"
)

// makeBundle writes a bundle of n random files of the given size.
func makeBundle(t testing.TB, dir, number, id string, n, size int) string {
	t.Helper()
	b := filepath.Join(dir, number, id)
	os.MkdirAll(filepath.Join(b, "clips"), 0o755)
	m := bundle.Manifest{Case: number, ExportID: id, Created: time.Now().UTC(), Software: "test"}
	for i := range n {
		data := make([]byte, size+i)
		rand.Read(data)
		rel := fmt.Sprintf("clips/%02d.mp4", i+1)
		os.WriteFile(filepath.Join(b, filepath.FromSlash(rel)), data, 0o644)
		_, sum, _ := bundle.HashFile(filepath.Join(b, filepath.FromSlash(rel)))
		m.Files = append(m.Files, bundle.File{Path: rel, Size: int64(len(data)), SHA256: sum})
	}
	if err := bundle.Finish(b, m); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestS3ObjectLock checks what only S3 can show: a locked version cannot be
// deleted, and a new version written behind klipp's back fails verify.
func TestS3ObjectLock(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t, false)
	st, err := NewS3(ctx, S3Config{Endpoint: srv.Endpoint, Bucket: "locked", LockMode: Governance, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	dir := makeBundle(t, t.TempDir(), "K-2", "X1", 3, 10<<10)
	until := time.Now().Add(24 * time.Hour)
	if _, err := Push(ctx, st, dir, PushOptions{Mode: Governance, RetainUntil: until}); err != nil {
		t.Fatal(err)
	}
	key := "K-2/X1/clips/02.mp4"
	o, _ := st.Stat(ctx, key)
	err = st.Client().RemoveObject(ctx, "locked", key, minio.RemoveObjectOptions{VersionID: o.VersionID})
	if err == nil {
		t.Fatal("deleting a locked version succeeded")
	}
	// Someone writes a new version of one clip.
	if _, err := st.Client().PutObject(ctx, "locked", key, strings.NewReader("replaced"), 8, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(ctx, st, Ref{Case: "K-2", ExportID: "X1"}, VerifyOptions{Mode: Governance, Until: until.Add(-time.Minute)})
	if err != nil || rep.OK() || len(rep.Changed) != 1 || rep.Changed[0] != "clips/02.mp4" {
		t.Errorf("verify after a new version: %+v %v", rep, err)
	}
}

func TestS3BadInput(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t, false)
	cfg := S3Config{Endpoint: srv.Endpoint, Bucket: "evidence", LockMode: Governance, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}

	wrong := cfg
	wrong.SecretKey = "not-the-secret-at-all"
	_, err := NewS3(ctx, wrong)
	var auth *AuthError
	if !errors.As(err, &auth) || strings.Contains(err.Error(), wrong.SecretKey) || !strings.Contains(err.Error(), "authentication failed") {
		t.Errorf("wrong credentials: %v", err)
	}

	for _, ep := range []string{"http://127.0.0.1:9000", "127.0.0.1:9000/evidence", "", "a b:1"} {
		c := cfg
		c.Endpoint = ep
		var ce *ConfigError
		if _, err := NewS3(ctx, c); !errors.As(err, &ce) {
			t.Errorf("endpoint %q: %v", ep, err)
		}
	}

	// A bucket made without object lock.
	st, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Client().MakeBucket(ctx, "plain", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	plain := cfg
	plain.Bucket = "plain"
	var le *LockError
	if _, err := NewS3(ctx, plain); !errors.As(err, &le) || !strings.Contains(err.Error(), "object lock") {
		t.Errorf("bucket without lock: %v", err)
	}

	// Nothing listening.
	down := cfg
	port := srv.Endpoint[strings.LastIndex(srv.Endpoint, ":"):]
	srv.Stop()
	down.Endpoint = "127.0.0.1" + port
	var un *Unreachable
	if _, err := NewS3(ctx, down); !errors.As(err, &un) {
		t.Errorf("server down: %v", err)
	}
}

func TestS3TLS(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t, true)
	cfg := S3Config{Endpoint: srv.Endpoint, Bucket: "evidence", TLS: true, LockMode: Governance, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
	var te *TLSError
	if _, err := NewS3(ctx, cfg); !errors.As(err, &te) || !strings.Contains(err.Error(), "ca_file") {
		t.Errorf("unknown CA: %v", err)
	}
	cfg.CAFile = srv.CAFile
	st, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := makeBundle(t, t.TempDir(), "K-3", "T1", 2, 1000)
	if _, err := Push(ctx, st, dir, PushOptions{Mode: Governance, RetainUntil: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// A signed bundle's SHA256SUMS.sig and its index.html go to the archive
// with it, and archive verify counts them as the bundle's own.
func TestPushSignedBundle(t *testing.T) {
	ctx := context.Background()
	st, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := makeBundle(t, t.TempDir(), "K-3", "X1", 2, 1<<10)
	os.WriteFile(filepath.Join(dir, bundle.SignatureName), []byte("-----BEGIN SSH SIGNATURE-----\n"), 0o644)
	os.WriteFile(filepath.Join(dir, bundle.IndexName), []byte("<!doctype html>"), 0o644)
	m, _, _ := ReadBundle(dir)
	// A signature that does not verify fails the local check: nothing is pushed.
	if _, err := Push(ctx, st, dir, PushOptions{}); !errors.Is(err, ErrChecksum) {
		t.Fatalf("push with a bad signature: %v", err)
	}
	s := newTestSigner(t)
	if err := bundle.FinishSigned(dir, m, s); err != nil {
		t.Fatal(err)
	}
	res, err := Push(ctx, st, dir, PushOptions{})
	if err != nil || res.Objects != 6 {
		t.Fatalf("push: %+v %v", res, err)
	}
	for _, name := range []string{bundle.SignatureName, bundle.IndexName} {
		if _, err := st.Stat(ctx, "K-3/X1/"+name); err != nil {
			t.Errorf("%s is not archived: %v", name, err)
		}
	}
	rep, err := Verify(ctx, st, Ref{Case: "K-3", ExportID: "X1"}, VerifyOptions{})
	if err != nil || !rep.OK() || rep.Checked != 6 {
		t.Errorf("verify: %+v %v", rep, err)
	}
}

func newTestSigner(t *testing.T) *bundle.Signer {
	t.Helper()
	key := filepath.Join(t.TempDir(), "key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	s, err := bundle.LoadSigner(key, "a@polisen.se")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
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

type backend struct {
	name string
	open func(t *testing.T) Store
}

func backends() []backend {
	return []backend{
		{"local", func(t *testing.T) Store {
			st, err := NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
		{"s3", func(t *testing.T) Store {
			srv := miniotest.Start(t, false)
			st, err := NewS3(context.Background(), S3Config{Endpoint: srv.Endpoint, Bucket: "evidence", LockMode: Governance,
				AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, SinglePutLimit: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
	}
}

// TestConformance runs the same checks against every backend.
func TestConformance(t *testing.T) {
	ctx := context.Background()
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			st := be.open(t)
			until := time.Now().Add(48 * time.Hour).Truncate(time.Second)

			// Put, Stat, Get.
			data := []byte("evidence åäö")
			sum, _ := HashReader(bytes.NewReader(data))
			o, err := st.Put(ctx, "p/one.txt", bytes.NewReader(data), PutOptions{Size: int64(len(data)), SHA256: sum, Mode: Governance, RetainUntil: until})
			if err != nil {
				t.Fatal(err)
			}
			if o.SHA256 != sum || !o.ChecksumVerified || o.Size != int64(len(data)) {
				t.Errorf("put returned %+v", o)
			}
			o, err = st.Stat(ctx, "p/one.txt")
			if err != nil || o.SHA256 != sum || o.Mode != Governance || !o.RetainUntil.Equal(until.UTC()) || o.LegalHold {
				t.Errorf("stat: %+v %v (want retained until %s)", o, err, until.UTC())
			}
			rc, err := st.Get(ctx, "p/one.txt")
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := HashReader(rc); got != sum {
				t.Errorf("get hashed %s", got)
			}
			rc.Close()

			// Bytes that do not match their SHA-256 are refused and not stored.
			bad := strings.Repeat("0", 64)
			if _, err := st.Put(ctx, "p/bad.txt", bytes.NewReader(data), PutOptions{Size: int64(len(data)), SHA256: bad}); !errors.Is(err, ErrChecksum) {
				t.Errorf("mismatched put: %v", err)
			}
			if _, err := st.Stat(ctx, "p/bad.txt"); !errors.Is(err, ErrNotFound) {
				t.Errorf("mismatched put left an object: %v", err)
			}
			if _, err := st.Get(ctx, "p/none"); !errors.Is(err, ErrNotFound) {
				t.Errorf("get of nothing: %v", err)
			}

			// Legal hold.
			if err := st.SetLegalHold(ctx, "p/one.txt", true); err != nil {
				t.Fatal(err)
			}
			if o, _ := st.Stat(ctx, "p/one.txt"); !o.LegalHold {
				t.Error("hold not set")
			}
			if err := st.SetLegalHold(ctx, "p/one.txt", false); err != nil {
				t.Fatal(err)
			}
			if o, _ := st.Stat(ctx, "p/one.txt"); o.LegalHold {
				t.Error("hold not released")
			}

			// A bundle: pushed with manifest.json last, verified, pushed
			// again without uploading anything, listed as complete.
			dir := makeBundle(t, t.TempDir(), "K-1", "20261124T100000Z", 5, 300<<10)
			big := filepath.Join(dir, "clips", "big.mp4") // over the S3 single-PUT limit of this test: multipart and read back
			bigData := make([]byte, 3<<20)
			rand.Read(bigData)
			os.WriteFile(big, bigData, 0o644)
			m, _, _ := ReadBundle(dir)
			_, bigSum, _ := bundle.HashFile(big)
			m.Files = append(m.Files, bundle.File{Path: "clips/big.mp4", Size: int64(len(bigData)), SHA256: bigSum})
			bundle.Finish(dir, m)

			var last int64
			res, err := Push(ctx, st, dir, PushOptions{Prefix: "site", Mode: Governance, RetainUntil: until, Progress: func(d, total int64) { last = total - d }})
			if err != nil {
				t.Fatal(err)
			}
			if res.Objects != 8 || res.Uploaded != 8 || last != 0 {
				t.Errorf("push: %+v, %d bytes unreported", res, last)
			}
			ref := Ref{Case: "K-1", ExportID: "20261124T100000Z"}
			if o, err := st.Stat(ctx, "site/K-1/20261124T100000Z/clips/big.mp4"); err != nil || o.SHA256 != bigSum {
				t.Errorf("multipart object: %+v %v", o, err)
			}
			rep, err := Verify(ctx, st, ref, VerifyOptions{Prefix: "site", Mode: Governance, Until: until})
			if err != nil || !rep.OK() || rep.Checked != 8 {
				t.Errorf("verify: %+v %v", rep, err)
			}
			res, err = Push(ctx, st, dir, PushOptions{Prefix: "site", Mode: Governance, RetainUntil: until})
			if err != nil || res.Uploaded != 0 || res.Skipped != 8 {
				t.Errorf("second push: %+v %v", res, err)
			}
			list, err := List(ctx, st, "site", "")
			if err != nil || len(list) != 1 || !list[0].Complete || list[0].Objects != 8 {
				t.Errorf("list: %+v %v", list, err)
			}
			// Retention asked for longer than set, and a hold not placed.
			rep, _ = Verify(ctx, st, ref, VerifyOptions{Prefix: "site", Mode: Governance, Until: until.Add(time.Hour), Hold: true})
			if rep.OK() || len(rep.Unprotected) != 8 {
				t.Errorf("verify of too short a retention: %+v", rep)
			}
			if n, err := SetHold(ctx, st, "site", ref, true); err != nil || n != 8 {
				t.Fatalf("hold: %d %v", n, err)
			}
			if rep, _ := Verify(ctx, st, ref, VerifyOptions{Prefix: "site", Hold: true}); !rep.OK() {
				t.Errorf("verify after hold: %+v", rep)
			}
			// A bundle without its manifest is not complete.
			if _, err := Verify(ctx, st, Ref{Case: "K-1", ExportID: "nothing"}, VerifyOptions{Prefix: "site"}); !errors.Is(err, ErrIncomplete) {
				t.Errorf("verify of a missing bundle: %v", err)
			}
			// A local bundle that does not verify is not pushed.
			os.WriteFile(filepath.Join(dir, "clips", "01.mp4"), []byte("changed"), 0o644)
			if _, err := Push(ctx, st, dir, PushOptions{Prefix: "other"}); !errors.Is(err, ErrChecksum) {
				t.Errorf("push of a changed bundle: %v", err)
			}
		})
	}
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

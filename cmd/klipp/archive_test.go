package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/klipp-forensics/klipp/internal/archive/archivetest"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/miniotest"
)

// s3Config writes a klipp.yaml for the demo site with the S3 archive on srv
// and sets the credentials in the environment.
func s3Config(t *testing.T, siteConf string, srv *miniotest.Server, extra string) string {
	t.Helper()
	base, _ := os.ReadFile(siteConf)
	conf := filepath.Join(filepath.Dir(siteConf), fmt.Sprintf("klipp-s3-%d.yaml", time.Now().UnixNano()))
	body := string(base) + fmt.Sprintf("archive:\n  backend: s3\n  s3:\n    endpoint: %q\n    bucket: evidence\n    lock_mode: governance\n%s", srv.Endpoint, extra)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(conf) })
	t.Setenv("KLIPP_S3_ACCESS_KEY", srv.AccessKey)
	t.Setenv("KLIPP_S3_SECRET_KEY", srv.SecretKey)
	return conf
}

// awsCLI runs the AWS CLI (Debian's awscli) against srv, as an independent
// client, and decodes its JSON answer.
func awsCLI(t *testing.T, srv *miniotest.Server, out any, args ...string) error {
	t.Helper()
	bin := "/usr/bin/aws"
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("aws"); err != nil {
			t.Fatal("the AWS CLI is not installed (scripts/setup.sh installs awscli)")
		}
	}
	cmd := exec.Command(bin, append([]string{"--endpoint-url", "http://" + srv.Endpoint, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("aws %s: %v: %s", strings.Join(args, " "), err, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("aws %s: %v: %s", strings.Join(args, " "), err, b)
		}
	}
	return nil
}

func TestArchiveS3(t *testing.T) {
	_, siteConf, gt := indexedSite(t)
	t.Setenv("KLIPP_PRESENTATION_WIDTH", "640")
	t.Setenv("KLIPP_PRESENTATION_HEIGHT", "360")
	srv := miniotest.Start(t, false)
	conf := s3Config(t, siteConf, srv, "")
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	number := "K-ARCHIVE-1"
	if code, _, errs := k("case", "new", "--number", number, "--title", "Arkiv", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17"); code != 0 {
		t.Fatal(errs)
	}
	at := gt.Suspect.Visits[1].Enter.Add(2 * time.Second)
	if code, _, errs := k("timeline", "add", number, "--camera", "lilla-torg", "--at", at.Format(time.RFC3339Nano), "--text", "Misstänkt på Lilla Torg"); code != 0 {
		t.Fatal(errs)
	}
	exports := t.TempDir()
	code, stdout, errs := k("--json", "export", number, "-o", exports)
	if code != 0 {
		t.Fatal(errs)
	}
	var exp struct {
		Dir      string
		ExportID string `json:"export_id"`
	}
	json.Unmarshal([]byte(stdout), &exp)

	code, stdout, errs = k("--json", "archive", "push", exp.Dir)
	if code != 0 {
		t.Fatalf("push: %d %s", code, errs)
	}
	var pv pushView
	json.Unmarshal([]byte(stdout), &pv)
	if pv.State != "verified" || pv.Uploaded != pv.Objects || pv.LockMode != "governance" || pv.RetainUntil.Year() < time.Now().Year()+9 {
		t.Errorf("push: %+v", pv)
	}

	// The push sealed the audit chain: the seal object is locked on the
	// server, and audit verify checks the chain against it.
	if !strings.HasPrefix(pv.Seal, "_seals/") {
		t.Errorf("push wrote no seal: %+v", pv)
	} else {
		var ret struct {
			Retention struct{ Mode, RetainUntilDate string }
		}
		if err := awsCLI(t, srv, &ret, "s3api", "get-object-retention", "--bucket", "evidence", "--key", pv.Seal); err != nil {
			t.Fatal(err)
		}
		until, _ := time.Parse(time.RFC3339, ret.Retention.RetainUntilDate)
		if ret.Retention.Mode != "GOVERNANCE" || until.Before(pv.RetainUntil.Add(-time.Minute)) {
			t.Errorf("seal %s: retention %+v, want GOVERNANCE until at least %s", pv.Seal, ret.Retention, pv.RetainUntil)
		}
	}
	if code, out, errs := k("audit", "verify"); code != 0 || !strings.Contains(out, "matches 1 seals") {
		t.Errorf("audit verify with a seal: %d %s %s", code, out, errs)
	}

	// An independent client sees the documented keys, the retention and
	// each object's SHA-256; a locked version cannot be deleted.
	prefix := number + "/" + exp.ExportID + "/"
	var listing struct{ Contents []struct{ Key string } }
	if err := awsCLI(t, srv, &listing, "s3api", "list-objects-v2", "--bucket", "evidence", "--prefix", prefix); err != nil {
		t.Fatal(err)
	}
	var m bundle.Manifest
	data, _ := os.ReadFile(filepath.Join(exp.Dir, "manifest.json"))
	json.Unmarshal(data, &m)
	// The manifest's files, SHA256SUMS, manifest.json and the viewer page.
	if len(listing.Contents) != len(m.Files)+3 {
		t.Errorf("%d objects under %s, want %d", len(listing.Contents), prefix, len(m.Files)+3)
	}
	for _, f := range append(m.Files, bundle.File{Path: "SHA256SUMS"}, bundle.File{Path: "manifest.json"}, bundle.File{Path: bundle.IndexName}) {
		key := prefix + f.Path
		_, want, _ := bundle.HashFile(filepath.Join(exp.Dir, filepath.FromSlash(f.Path)))
		var head struct {
			ChecksumSHA256 string
			VersionId      string
			Metadata       map[string]string
		}
		if err := awsCLI(t, srv, &head, "s3api", "head-object", "--bucket", "evidence", "--key", key, "--checksum-mode", "ENABLED"); err != nil {
			t.Fatal(err)
		}
		sum, _ := base64.StdEncoding.DecodeString(head.ChecksumSHA256)
		if hex.EncodeToString(sum) != want || head.Metadata["sha256"] != want {
			t.Errorf("%s: stored SHA-256 %x (metadata %s), sha256sum %s", key, sum, head.Metadata["sha256"], want)
		}
		if !strings.HasPrefix(f.Path, "clips/") || !strings.HasSuffix(f.Path, ".mp4") {
			continue
		}
		var ret struct {
			Retention struct{ Mode, RetainUntilDate string }
		}
		if err := awsCLI(t, srv, &ret, "s3api", "get-object-retention", "--bucket", "evidence", "--key", key); err != nil {
			t.Fatal(err)
		}
		until, _ := time.Parse(time.RFC3339, ret.Retention.RetainUntilDate)
		if ret.Retention.Mode != "GOVERNANCE" || until.Sub(pv.RetainUntil).Abs() > time.Second {
			t.Errorf("%s: retention %+v, want GOVERNANCE until %s", key, ret.Retention, pv.RetainUntil)
		}
		if err := awsCLI(t, srv, nil, "s3api", "delete-object", "--bucket", "evidence", "--key", key, "--version-id", head.VersionId); err == nil ||
			!strings.Contains(err.Error(), "WORM protected") {
			t.Errorf("deleting a locked version of %s: %v", key, err)
		}
		if err := awsCLI(t, srv, &head, "s3api", "head-object", "--bucket", "evidence", "--key", key, "--version-id", head.VersionId); err != nil {
			t.Errorf("the locked version is gone: %v", err)
		}
	}

	// case show lists the export with its archive state.
	code, stdout, _ = k("--json", "case", "show", number)
	var shown caseView
	json.Unmarshal([]byte(stdout), &shown)
	if code != 0 || len(shown.Exports) != 1 || shown.Exports[0].ExportID != exp.ExportID || shown.Exports[0].Archive != "verified" {
		t.Errorf("case show: %s", stdout)
	}

	code, stdout, _ = k("--json", "archive", "ls", number)
	var rows []archiveRow
	json.Unmarshal([]byte(stdout), &rows)
	if code != 0 || len(rows) != 1 || rows[0].State != "archived" || rows[0].Objects != len(m.Files)+3 {
		t.Errorf("ls: %d %s", code, stdout)
	}
	if code, out, errs := k("archive", "verify", number); code != 0 || !strings.Contains(out, "every hash matches") {
		t.Errorf("verify: %d %s %s", code, out, errs)
	}
	if code, _, errs := k("archive", "hold", number); code != 0 {
		t.Fatal(errs)
	}
	var hold struct{ LegalHold struct{ Status string } }
	if err := awsCLI(t, srv, &hold, "s3api", "get-object-legal-hold", "--bucket", "evidence", "--key", prefix+"timeline.json"); err != nil || hold.LegalHold.Status != "ON" {
		t.Errorf("legal hold: %+v %v", hold, err)
	}
	if code, out, errs := k("verify", number+"/"+exp.ExportID); code != 0 || !strings.Contains(out, "legal hold on") {
		t.Errorf("klipp verify REF with hold: %d %s %s", code, out, errs)
	}
	if code, _, errs := k("archive", "release", number); code != 0 {
		t.Fatal(errs)
	}

	// Pushed again: nothing uploads; --delete-local removes the local
	// bundle only after the archive verified it.
	code, stdout, errs = k("--json", "archive", "push", exp.Dir, "--delete-local")
	json.Unmarshal([]byte(stdout), &pv)
	if code != 0 || pv.Uploaded != 0 || !pv.LocalDeleted {
		t.Errorf("second push: %d %+v %s", code, pv, errs)
	}
	if _, err := os.Stat(exp.Dir); !os.IsNotExist(err) {
		t.Errorf("local bundle still there: %v", err)
	}

	// Someone writes a new version of a clip through the S3 API: verify
	// fails naming it.
	mc, _ := minio.New(srv.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, "")})
	clip := ""
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "clips/") && strings.HasSuffix(f.Path, ".mp4") {
			clip = f.Path
		}
	}
	if _, err := mc.PutObject(context.Background(), "evidence", prefix+clip, strings.NewReader("tampered"), 8, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := k("archive", "verify", number); code != 5 || !strings.Contains(errs, "changed: "+clip) {
		t.Errorf("verify after a new version: %d %s", code, errs)
	}

	// Bad input.
	t.Setenv("KLIPP_S3_SECRET_KEY", "wrong-secret-value")
	if code, _, errs := k("archive", "ls"); code != 5 || !strings.Contains(errs, "authentication failed") || strings.Contains(errs, "wrong-secret-value") {
		t.Errorf("wrong credentials: %d %q", code, errs)
	}
	t.Setenv("KLIPP_S3_SECRET_KEY", srv.SecretKey)
	t.Setenv("KLIPP_ARCHIVE_S3_ENDPOINT", "http://"+srv.Endpoint+"/evidence")
	if code, _, errs := k("archive", "ls"); code != 2 || !strings.Contains(errs, "archive.s3.endpoint") {
		t.Errorf("malformed endpoint: %d %q", code, errs)
	}
	os.Unsetenv("KLIPP_ARCHIVE_S3_ENDPOINT")
	if err := mc.MakeBucket(context.Background(), "nolock", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KLIPP_ARCHIVE_S3_BUCKET", "nolock")
	if code, _, errs := k("archive", "ls"); code != 5 || !strings.Contains(errs, "no object lock") || !strings.Contains(errs, "archive.s3.bucket") {
		t.Errorf("bucket without object lock: %d %q", code, errs)
	}
}

// emptyConfig is a klipp.yaml with its own data directory and nothing else.
func emptyConfig(t *testing.T) string {
	dir := t.TempDir()
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("data_dir: data\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte("cameras: []\n"), 0o644)
	return conf
}

func TestArchiveUnknownCA(t *testing.T) {
	siteConf := emptyConfig(t)
	srv := miniotest.Start(t, true)
	conf := s3Config(t, siteConf, srv, "    tls: true\n")
	if code, _, errs := klipp(t, "--config", conf, "archive", "ls"); code != 5 || !strings.Contains(errs, "archive.s3.ca_file") {
		t.Errorf("unknown CA: %d %q", code, errs)
	}
	conf = s3Config(t, siteConf, srv, "    tls: true\n    ca_file: "+srv.CAFile+"\n")
	if code, _, errs := klipp(t, "--config", conf, "archive", "ls"); code != 0 {
		t.Errorf("with the CA: %d %q", code, errs)
	}
}

// TestArchiveOutage stops MinIO in the middle of a push: klipp exits 5 with
// one line and queues the bundle; the half-pushed bundle is never listed as
// archived; after MinIO is back, klipp archive retry completes it.
func TestArchiveOutage(t *testing.T) {
	siteConf := emptyConfig(t)
	srv := miniotest.Start(t, false)
	conf := s3Config(t, siteConf, srv, "")
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	// A bundle of 24 files of 400 kB, pushed at 2 MB/s: about 5 seconds.
	dir := filepath.Join(t.TempDir(), "K-OUT", "20261124T120000Z")
	os.MkdirAll(filepath.Join(dir, "native"), 0o755)
	m := bundle.Manifest{Case: "K-OUT", ExportID: "20261124T120000Z", Created: time.Now().UTC()}
	for i := range 24 {
		b := make([]byte, 400_000)
		rand.Read(b)
		rel := fmt.Sprintf("native/%02d.ts", i)
		os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), b, 0o644)
		_, sum, _ := bundle.HashFile(filepath.Join(dir, filepath.FromSlash(rel)))
		m.Files = append(m.Files, bundle.File{Path: rel, Size: int64(len(b)), SHA256: sum})
	}
	if err := bundle.Finish(dir, m); err != nil {
		t.Fatal(err)
	}
	push := exec.Command(os.Args[0], "--config", conf, "archive", "push", dir, "--max-rate", "2MB/s", "--jobs", "2")
	push.Env = append(os.Environ(), "KLIPP_TEST_AS_KLIPP=1")
	var stderr strings.Builder
	push.Stderr = &stderr
	if err := push.Start(); err != nil {
		t.Fatal(err)
	}
	mc, _ := minio.New(srv.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, "")})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n := 0
		for o := range mc.ListObjects(context.Background(), "evidence", minio.ListObjectsOptions{Prefix: "K-OUT/", Recursive: true}) {
			if o.Err == nil {
				n++
			}
		}
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the push never got going: %s", stderr.String())
		}
	}
	srv.Stop()
	err := push.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 5 {
		t.Fatalf("push during the outage: %v %s", err, stderr.String())
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "klipp archive retry") {
		t.Errorf("want one line naming the retry, got %q", stderr.String())
	}

	// While the archive is down, ls still shows the queue, and fails.
	code, stdout, errs := k("--json", "archive", "ls", "K-OUT")
	var down []archiveRow
	json.Unmarshal([]byte(stdout), &down)
	if code != 5 || len(down) != 1 || down[0].State != "queued" || !strings.Contains(errs, "unreachable") {
		t.Errorf("ls during the outage: %d %s %s", code, stdout, errs)
	}

	srv.Restart(t)
	code, stdout, errs = k("--json", "archive", "ls", "K-OUT")
	var rows []archiveRow
	json.Unmarshal([]byte(stdout), &rows)
	if code != 0 || len(rows) != 1 || rows[0].State != "queued" {
		t.Fatalf("ls after the outage: %d %s %s", code, stdout, errs)
	}
	if code, _, errs := k("archive", "verify", "K-OUT/20261124T120000Z"); code != 5 || !strings.Contains(errs, "not completely archived") {
		t.Errorf("verify of the half-pushed bundle: %d %s", code, errs)
	}
	if code, _, errs := k("archive", "retry"); code != 0 {
		t.Fatalf("retry: %s", errs)
	}
	code, stdout, _ = k("--json", "archive", "ls", "K-OUT")
	json.Unmarshal([]byte(stdout), &rows)
	if code != 0 || len(rows) != 1 || rows[0].State != "archived" || rows[0].Objects != 26 {
		t.Errorf("ls after retry: %s", stdout)
	}
	if code, _, errs := k("archive", "verify", "K-OUT"); code != 0 {
		t.Errorf("verify after retry: %s", errs)
	}
}

// TestPushHeldByAnotherProcess: while another process holds a bundle's
// push lock, klipp archive push exits 2 naming it; once it lets go, the
// push runs (issue 11 item 3).
func TestPushHeldByAnotherProcess(t *testing.T) {
	conf := emptyConfig(t)
	b := archivetest.MakeBundle(t, t.TempDir(), "K-LOCK", "20261121T080000Z", 2, 4<<10)
	locks := filepath.Join(filepath.Dir(conf), "data", "locks")
	os.MkdirAll(locks, 0o755)
	lock := filepath.Join(locks, "push-K-LOCK-20261121T080000Z.lock")
	os.WriteFile(lock, nil, 0o644)
	holder := exec.Command("flock", "-n", lock, "sh", "-c", "echo 'archive push of K-LOCK/20261121T080000Z by Other (pid '$$' on elsewhere)' > "+lock+"; sleep 60")
	holder.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the lock's fd is shared with sh and sleep: kill them all
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	kill := func() { syscall.Kill(-holder.Process.Pid, syscall.SIGKILL) }
	defer kill()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if data, _ := os.ReadFile(lock); strings.Contains(string(data), "by Other") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, _, errs := klipp(t, "--config", conf, "archive", "push", b)
	if code != 2 || !strings.Contains(errs, "K-LOCK/20261121T080000Z is being pushed by another klipp: archive push of K-LOCK/20261121T080000Z by Other") ||
		strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("push while held: %d %q", code, errs)
	}
	kill()
	holder.Wait()
	// The kernel lets go of the lock once the last of the group (sh,
	// sleep) has exited, which may come after flock's own exit.
	for deadline := time.Now().Add(5 * time.Second); exec.Command("flock", "-n", lock, "true").Run() != nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if code, _, errs := klipp(t, "--config", conf, "archive", "push", b); code != 0 {
		t.Errorf("push after the holder died: %d %s", code, errs)
	}
}

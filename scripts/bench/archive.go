package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/miniotest"
)

// archiveBench pushes a 1 GB bundle to a local MinIO with klipp (upload
// with server-checked SHA-256, then every object re-read and verified) and
// copies the same directory with `aws s3 cp --recursive`, alternating, best
// of two each.
func archiveBench(klipp string) error {
	dir, err := os.MkdirTemp("", "klipp-bench-archive-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// A bundle like an export's: eight 120 MB native segments and forty
	// 1 MB clips and stills, about 1 GB.
	b := filepath.Join(dir, "bundle", "K-BENCH", "20261124T000000Z")
	if err := os.MkdirAll(filepath.Join(b, "native"), 0o755); err != nil {
		return err
	}
	m := bundle.Manifest{Case: "K-BENCH", ExportID: "20261124T000000Z", Created: time.Now().UTC(), Software: "bench"}
	write := func(rel string, size int) error {
		data := make([]byte, size)
		rand.Read(data)
		p := filepath.Join(b, filepath.FromSlash(rel))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		_, sum, err := bundle.HashFile(p)
		m.Files = append(m.Files, bundle.File{Path: rel, Size: int64(size), SHA256: sum})
		return err
	}
	for i := range 8 {
		if err := write(fmt.Sprintf("native/%02d.mp4", i), 120<<20); err != nil {
			return err
		}
	}
	for i := range 40 {
		if err := write(fmt.Sprintf("native/clip-%02d.mp4", i), 1<<20); err != nil {
			return err
		}
	}
	if err := bundle.Finish(b, m); err != nil {
		return err
	}
	var total int64
	for _, f := range m.Files {
		total += f.Size
	}

	srv, err := miniotest.Run(filepath.Join(dir, "minio"), false)
	if err != nil {
		return err
	}
	defer srv.Stop()
	aws := "/usr/bin/aws"
	if _, err := os.Stat(aws); err != nil {
		if aws, err = exec.LookPath("aws"); err != nil {
			return fmt.Errorf("the AWS CLI is not installed (scripts/setup.sh installs awscli)")
		}
	}
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "KLIPP_S3_ACCESS_KEY="+srv.AccessKey, "KLIPP_S3_SECRET_KEY="+srv.SecretKey)
	runCmd := func(name string, args ...string) (time.Duration, error) {
		c := exec.Command(name, args...)
		c.Env = env
		start := time.Now()
		out, err := c.CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("%s: %v: %s", name, err, out)
		}
		return time.Since(start), nil
	}
	if _, err := runCmd(aws, "--endpoint-url", "http://"+srv.Endpoint, "s3", "mb", "s3://aws-copy"); err != nil {
		return err
	}
	fmt.Printf("bundle: %d files, %.2f GB; MinIO on %s (data on %s)\n", len(m.Files)+2, float64(total)/1e9, srv.Endpoint, dir)
	bestK, bestA := time.Duration(1<<62), time.Duration(1<<62)
	for round := 1; round <= 2; round++ {
		conf := filepath.Join(dir, fmt.Sprintf("klipp-%d.yaml", round))
		os.WriteFile(conf, []byte(fmt.Sprintf("data_dir: %s\narchive:\n  backend: s3\n  s3: {endpoint: %q, bucket: bench-%d, lock_mode: governance}\n",
			filepath.Join(dir, fmt.Sprintf("data-%d", round)), srv.Endpoint, round)), 0o644)
		k, err := runCmd(klipp, "--config", conf, "--quiet", "archive", "push", b)
		if err != nil {
			return err
		}
		a, err := runCmd(aws, "--endpoint-url", "http://"+srv.Endpoint, "s3", "cp", "--recursive", "--only-show-errors", b, fmt.Sprintf("s3://aws-copy/run-%d/", round))
		if err != nil {
			return err
		}
		fmt.Printf("round %d: klipp archive push %.1f s (%.0f MB/s, every object's SHA-256 checked by the server, retention read back), aws s3 cp --recursive %.1f s (%.0f MB/s)\n", round,
			k.Seconds(), float64(total)/1e6/k.Seconds(), a.Seconds(), float64(total)/1e6/a.Seconds())
		bestK, bestA = min(bestK, k), min(bestA, a)
	}
	fmt.Printf("best: klipp %.1f s, aws %.1f s: klipp's throughput is %.2f× aws's (goal ≥ 1.0×)\n", bestK.Seconds(), bestA.Seconds(), bestA.Seconds()/bestK.Seconds())
	return nil
}

package archive_test

import (
	"context"
	"testing"

	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/archive/archivetest"
	"github.com/klipp-forensics/klipp/internal/miniotest"
)

func openLocal(t *testing.T) archive.Store {
	st, err := archive.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestConformance runs the same suite on every backend, and on the
// fault-injecting wrapper with no fault set (it must be transparent).
func TestConformance(t *testing.T) {
	t.Run("local", func(t *testing.T) { archivetest.Conformance(t, openLocal) })
	t.Run("faulty-local", func(t *testing.T) {
		archivetest.Conformance(t, func(t *testing.T) archive.Store { return archivetest.Wrap(openLocal(t)) })
	})
	t.Run("s3", func(t *testing.T) {
		archivetest.Conformance(t, func(t *testing.T) archive.Store {
			srv := miniotest.Start(t, false)
			st, err := archive.NewS3(context.Background(), archive.S3Config{Endpoint: srv.Endpoint, Bucket: "evidence", LockMode: archive.Governance,
				AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, SinglePutLimit: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
}

package app

import (
	"os"
	"testing"

	"github.com/klipp-forensics/klipp/internal/pgtest"
)

// TestMain stops the package's shared PostgreSQL (pgtest.Shared), which
// the tests that make no roles of their own use, each in its own database.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

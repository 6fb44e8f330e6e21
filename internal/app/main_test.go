package app

import (
	"os"
	"testing"

	"github.com/klipp-forensics/klipp/internal/pgtest"
)

// TestMain stops the package's shared PostgreSQL (pgtest.Shared), which
// the tests that make no roles of their own use, each in its own database.
// The tests on PostgreSQL (a server of their own or a database of their
// own on the shared one, no environment, no package variable) call
// t.Parallel: they run side by side after the others, their servers'
// start-up and round trips overlapping.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

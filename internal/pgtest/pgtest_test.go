package pgtest

import (
	"strconv"
	"strings"
	"testing"
)

func TestServerAcceptsPasswordAndRefusesOthers(t *testing.T) {
	s := Start(t)
	out, err := s.Psql("-d", "postgres", "-tA", "-c", "SELECT current_user, inet_server_port()").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "klipp|"+strconv.Itoa(s.Port) {
		t.Fatalf("psql: %v %s", err, out)
	}
	bad := s.Psql("-d", "postgres", "-c", "SELECT 1")
	bad.Env = append(bad.Env, "PGPASSWORD=wrong")
	if out, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(out), "password authentication failed") {
		t.Errorf("a wrong password was accepted: %v %s", err, out)
	}
}

// Package pgtest runs a real PostgreSQL server for tests: Debian's
// postgresql binaries, initdb into a temporary directory, a free loopback
// port, password (SCRAM) authentication over TCP, run as an unprivileged OS
// user when the tests run as root, stopped and removed when the test ends.
// scripts/setup.sh installs the postgresql package.
package pgtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a running PostgreSQL.
type Server struct {
	Host     string // 127.0.0.1
	Port     int
	User     string // the superuser
	Password string

	dir  string
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

// BinDir finds the directory with initdb and postgres: $KLIPP_PG_BIN, the
// newest /usr/lib/postgresql/*/bin, or PATH.
func BinDir() (string, error) {
	if d := os.Getenv("KLIPP_PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no PostgreSQL server binaries: install Debian's postgresql package (make test does) or set KLIPP_PG_BIN")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

var shared struct {
	sync.Mutex
	srv *Server
	err error
	dbs int
}

// Shared is one server for all the tests of a test binary that use it,
// started by the first that asks (starting a server costs seconds of CPU).
// Tests on it must keep to databases of their own (Database) and to role
// names no other test on it uses. The package's TestMain calls StopShared
// after m.Run.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = Run()
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.srv
}

// StopShared stops the shared server, if one was started.
func StopShared() {
	shared.Lock()
	defer shared.Unlock()
	if shared.srv != nil {
		shared.srv.Stop()
		shared.srv = nil
	}
}

// Database creates a new, empty database owned by the superuser and
// returns its name (db1, db2, …; unique on a shared server).
func (s *Server) Database(t testing.TB) string {
	t.Helper()
	shared.Lock()
	shared.dbs++
	name := "db" + strconv.Itoa(shared.dbs)
	shared.Unlock()
	if out, err := s.Psql("-d", "postgres", "-c", "CREATE DATABASE "+name).CombinedOutput(); err != nil {
		t.Fatalf("create database %s: %v %s", name, err, out)
	}
	return name
}

// Run starts a server in a new temporary directory; Stop removes it.
func Run() (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "klipp-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", User: "klipp", Password: randomHex(12), dir: dir, done: make(chan struct{})}
	cred, err := runAs()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(s.Password+"\n"), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if cred != nil {
		// The server refuses to run as root: the directory belongs to the
		// unprivileged user it runs as.
		for _, p := range []string{dir, pwfile} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				os.RemoveAll(dir)
				return nil, err
			}
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", s.User, "--pwfile", pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	if s.Port, err = freePort(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.log, err = os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if cred != nil {
		os.Chown(s.log.Name(), int(cred.Uid), int(cred.Gid))
	}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(s.Port), "-h", s.Host, "-k", dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=100")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("postgres: %w", err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// URL is a connection URL for the superuser to database db.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", s.User, s.Password, s.Host, s.Port, db)
}

// URLAs is a URL for another login, whose password comes from elsewhere
// (PGPASSWORD, ~/.pgpass).
func (s *Server) URLAs(login, db string) string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", login, s.Host, s.Port, db)
}

// Psql runs psql as the superuser with the given arguments (for tests that
// check the server with an independent client).
func (s *Server) Psql(args ...string) *exec.Cmd {
	bin, _ := BinDir()
	cmd := exec.Command(filepath.Join(bin, "psql"), append([]string{"-X", "-v", "ON_ERROR_STOP=1", "-h", s.Host, "-p", strconv.Itoa(s.Port), "-U", s.User}, args...)...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+s.Password)
	return cmd
}

func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			log, _ := os.ReadFile(s.log.Name())
			return fmt.Errorf("postgres exited: %s", log)
		default:
		}
		if out, err := s.Psql("-d", "postgres", "-c", "SELECT 1").CombinedOutput(); err == nil {
			return nil
		} else if time.Now().Add(200 * time.Millisecond).After(deadline) {
			return fmt.Errorf("postgres on port %d did not answer: %s", s.Port, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("postgres on port %d did not start within %s", s.Port, limit)
}

// Stop stops the server (fast shutdown) and removes its directory.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
	}
	if s.log != nil {
		s.log.Close()
	}
	os.RemoveAll(s.dir)
}

// runAs is the unprivileged user the server runs as when we are root (nil:
// run as ourselves).
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("running as root and no unprivileged user (postgres or nobody) to run PostgreSQL as")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

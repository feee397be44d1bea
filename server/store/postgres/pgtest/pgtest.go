// Package pgtest starts a real, throwaway Postgres server for tests: one per
// test binary, started on first use, with a fresh database per test.
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		url := pgtest.URL(t) // postgres://…/t_N, empty and dropped after the test
//	}
//
// The server runs from initdb's data directory under os.TempDir(), on a
// free loopback port, tuned for speed over durability (fsync off), and dies
// with the test binary (SIGKILL on parent death) even if the binary is
// killed. Postgres refuses to run as root: as root the server runs as the
// "postgres" system user. Without Postgres installed a test is skipped with
// the reason, except under CI=true, where it fails.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BinDir is where initdb and postgres are: Debian's postgresql-15 by
// default, else the newest /usr/lib/postgresql/N/bin, else the PATH's.
var BinDir = "/usr/lib/postgresql/15/bin"

func binDir() string {
	if _, err := os.Stat(filepath.Join(BinDir, "postgres")); err == nil {
		return BinDir
	}
	if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres"); len(dirs) > 0 {
		sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
		return filepath.Dir(dirs[0])
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(p)
	}
	return BinDir
}

// pgVersion is N of /usr/lib/postgresql/N/bin/postgres.
func pgVersion(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

// Settings are the server settings (postgres -c NAME=VALUE) of servers
// started after they are set: tuned for a fast start, not durability. A
// benchmark may raise shared_buffers before its first URL call.
var Settings = []string{"fsync=off", "synchronous_commit=off", "full_page_writes=off", "shared_buffers=16MB",
	"max_connections=200", "max_wal_size=1GB", "log_min_messages=warning"}

// Server is one running Postgres.
type Server struct {
	dir  string // data directory (removed on Stop)
	port int
	cmd  *exec.Cmd
	done chan error
	n    atomic.Int64 // databases created
}

var (
	shared     *Server
	sharedErr  error
	sharedOnce sync.Once
)

// Main runs the tests of a package and stops the shared server (if a test
// started it) before exiting. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// StopShared stops the shared server if a test started it: for a TestMain
// that has more to do than Main.
func StopShared() {
	if shared != nil {
		shared.Stop()
	}
}

// URL returns the URL of a new, empty database on the shared server (started
// on first use), dropped when the test ends. Without Postgres it skips the
// test, or fails it under CI=true.
func URL(tb testing.TB) string {
	tb.Helper()
	sharedOnce.Do(func() { shared, sharedErr = Start() })
	if sharedErr != nil {
		if errors.Is(sharedErr, ErrNotInstalled) && os.Getenv("CI") != "true" {
			tb.Skipf("Postgres is not installed (%v): apt-get install postgresql, or make deps", sharedErr)
		}
		tb.Fatalf("starting Postgres: %v", sharedErr)
	}
	url, err := shared.CreateDatabase(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { shared.dropDatabase(url) })
	return url
}

// URLFrom is URL for a database that starts as a copy of a template: the
// first call for a key creates the template database and runs init on its
// URL (e.g. to apply migrations once per test binary instead of per test);
// init must close its connections before returning.
func URLFrom(tb testing.TB, key string, init func(url string) error) string {
	tb.Helper()
	URL(tb) // starts the server, or skips
	templatesMu.Lock()
	tmpl, ok := templates[key]
	if !ok {
		url, err := shared.CreateDatabase(context.Background())
		if err == nil {
			err = init(url)
		}
		if err != nil {
			templatesMu.Unlock()
			tb.Fatalf("template %s: %v", key, err)
		}
		tmpl = url[strings.LastIndex(url, "/")+1:]
		tmpl, _, _ = strings.Cut(tmpl, "?")
		templates[key] = tmpl
	}
	templatesMu.Unlock()
	url, err := shared.createDatabase(context.Background(), tmpl)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { shared.dropDatabase(url) })
	return url
}

var (
	templatesMu sync.Mutex
	templates   = map[string]string{} // key → database name
)

// ErrNotInstalled is returned by Start when there is no Postgres to start.
var ErrNotInstalled = errors.New("postgres not installed")

// Start runs initdb into a new directory and starts a server on a free
// loopback port.
func Start() (*Server, error) {
	bin := binDir()
	initdb := filepath.Join(bin, "initdb")
	postgres := filepath.Join(bin, "postgres")
	if _, err := os.Stat(postgres); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotInstalled, postgres)
	}
	tmp := os.TempDir()
	if os.Geteuid() == 0 {
		tmp = "/tmp" // the postgres user must reach it: not a root-only $TMPDIR
	}
	removeStale(tmp)
	dir, err := os.MkdirTemp(tmp, "meet-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, done: make(chan error, 1)}
	cred, err := runAs(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	init := exec.Command(initdb, "-D", data, "--auth=trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "-N")
	init.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := init.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		err := s.start(postgres, data, cred)
		if err == nil {
			return s, nil
		}
		if attempt == 3 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

// removeStale removes data directories that test binaries killed before
// they could clean up left behind: older than ten minutes, with no live
// server in them.
func removeStale(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, "meet-pgtest-*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || time.Since(fi.ModTime()) < 10*time.Minute {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
			if pid > 0 && syscall.Kill(pid, 0) == nil {
				continue // still running
			}
		}
		os.RemoveAll(dir)
	}
}

// runAs returns the credentials the server runs with: nil for a normal
// user, the postgres system user when we are root (Postgres refuses root).
// dir is handed to that user.
func runAs(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: running as root needs the postgres system user (%v)", ErrNotInstalled, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the server process on a free port and waits until it accepts
// connections.
func (s *Server) start(postgres, data string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(s.dir, "server.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	if cred != nil {
		os.Chown(log.Name(), int(cred.Uid), int(cred.Gid))
	}
	args := []string{"-D", data, "-p", strconv.Itoa(port), "-k", s.dir, "-c", "listen_addresses=127.0.0.1"}
	for _, kv := range Settings {
		args = append(args, "-c", kv)
	}
	cmd := exec.Command(postgres, args...)
	cmd.Stdout, cmd.Stderr = log, log
	// Dies with the test binary, whatever ends it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-done:
			out, _ := os.ReadFile(log.Name())
			return fmt.Errorf("postgres exited: %v\n%s", err, out)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port))
		cancel()
		if err == nil {
			c.Close(context.Background())
			s.port, s.cmd, s.done = port, cmd, done
			return nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("postgres did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Port is the server's TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// AdminURL is the URL of the server's "postgres" maintenance database.
func (s *Server) AdminURL() string { return s.dbURL("postgres") }

func (s *Server) dbURL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

// CreateDatabase creates a new empty database and returns its URL.
func (s *Server) CreateDatabase(ctx context.Context) (string, error) {
	return s.createDatabase(ctx, "template0")
}

func (s *Server) createDatabase(ctx context.Context, template string) (string, error) {
	name := fmt.Sprintf("t_%d", s.n.Add(1))
	c, err := pgx.Connect(ctx, s.AdminURL())
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, `CREATE DATABASE `+name+` TEMPLATE `+template+` ENCODING 'UTF8'`); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	return s.dbURL(name), nil
}

func (s *Server) dropDatabase(url string) {
	name := url[strings.LastIndex(url, "/")+1:]
	name, _, _ = strings.Cut(name, "?")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.AdminURL())
	if err != nil {
		return
	}
	defer c.Close(ctx)
	c.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
}

// Stop ends the server at once (what pg_ctl stop -m immediate does) and
// removes its data directory.
func (s *Server) Stop() error {
	if s.cmd != nil {
		s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
		s.cmd = nil
	}
	return os.RemoveAll(s.dir)
}

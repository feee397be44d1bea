// Package e2e drives the real binaries end to end on 127.0.0.1: meetd set up
// with `meetd admin` and run with `meetd serve`, callers from sipp and a
// simulated SIP phone, the headless `meet phone` operator, the `meet`
// command line, and the TUI in tmux.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/internal/simcaller"
	"github.com/meet-dev/meet/server/store/postgres/pgtest"
)

var bins struct{ meetd, meet string }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "meet-e2e-bin")
	if err != nil {
		panic(err)
	}
	root := repoRoot()
	for _, b := range []struct {
		out *string
		pkg string
	}{{&bins.meetd, "./cmd/meetd"}, {&bins.meet, "./cmd/meet"}} {
		*b.out = filepath.Join(dir, filepath.Base(b.pkg))
		cmd := exec.Command("go", "build", "-o", *b.out, b.pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", b.pkg, err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	pgtest.StopShared() // the cluster tests' Postgres
	os.RemoveAll(dir)
	os.Exit(code)
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// need finds an external tool: required under CI, else the test skips.
func need(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (make deps installs it)", tool)
		}
		t.Skipf("%s is not installed", tool)
	}
	return p
}

func freePort(t testing.TB, network string) int {
	t.Helper()
	switch network {
	case "udp":
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	default:
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
}

// freeSIPPort is free for both UDP and TCP (meetd listens on both), and
// so is TCP on the next port (baresip binds SIP over TLS there).
func freeSIPPort(t testing.TB) int {
	for range 50 {
		p := freePort(t, "udp")
		l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		// baresip also binds SIP over TLS on the next port.
		l2, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", p+1))
		l.Close()
		if err == nil {
			l2.Close()
			return p
		}
	}
	t.Fatal("no free SIP port")
	return 0
}

// run runs a binary to completion and returns its output.
func run(t testing.TB, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// proc is a background process ended by the test.
type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (p *proc) Write(b []byte) (int, error) { p.mu.Lock(); defer p.mu.Unlock(); return p.out.Write(b) }
func (p *proc) output() string              { p.mu.Lock(); defer p.mu.Unlock(); return p.out.String() }

func start(t testing.TB, bin string, args ...string) *proc {
	t.Helper()
	// A test binary that is killed takes its processes along (the kernel
	// kills each one when the test dies); each runs in its own process
	// group so stop reaches the children it forked.
	return startAttr(t, &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}, bin, args...)
}

// startAttr is start with the process attributes given.
func startAttr(t testing.TB, attr *syscall.SysProcAttr, bin string, args ...string) *proc {
	t.Helper()
	return startEnv(t, attr, nil, bin, args...)
}

// startEnv is startAttr with env added to the test's environment.
func startEnv(t testing.TB, attr *syscall.SysProcAttr, env []string, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.SysProcAttr = attr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop() })
	return p
}

func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) // whatever it forked and left behind
}

// meetd is one configured, running server.
type meetd struct {
	db, url, sip string
	proc         *proc
}

const (
	openNumber   = "+81500000010"
	closedNumber = "+81500000011"
	password     = "e2e-password"
)

// startMeetd sets a database up through `meetd admin` and serves it.
func startMeetd(t testing.TB, extra ...string) *meetd {
	t.Helper()
	m := &meetd{db: filepath.Join(t.TempDir(), "meetd.db")}
	admin := func(args ...string) string {
		return run(t, bins.meetd, append(append([]string{"admin"}, args...), "--db", m.db)...)
	}
	admin("channel", "add", "support", "--timezone", "Asia/Tokyo")
	admin("channel", "add", "night", "--timezone", "Asia/Tokyo")
	admin("number", "add", "--channel", "support", openNumber)
	admin("number", "add", "--channel", "night", closedNumber)
	admin("hours", "set", "--channel", "support", "--always-open")
	admin("hours", "set", "--channel", "night", "--closed")
	admin("channel", "set", "support", "--ring-timeout", "3s", "--max-wait", "3s")
	admin("team", "add", "--channel", "support", "desk")
	for _, s := range []struct{ email, role string }{{"op@e2e.test", "operator"}, {"op2@e2e.test", "operator"}, {"sv@e2e.test", "supervisor"}, {"admin@e2e.test", "admin"}} {
		args := []string{"staff", "add", "--email", s.email, "--password", password, "--role", s.role, "--channel", "support", "--channel", "night"}
		if s.role != "admin" {
			args = append(args, "--team", "desk")
		}
		admin(args...)
	}
	return serve(t, m.db, extra...)
}

// serve runs `meetd serve` on db with fresh ports and waits until it answers.
func serve(t testing.TB, db string, extra ...string) *meetd {
	t.Helper()
	httpPort, sipPort := freePort(t, "tcp"), freeSIPPort(t)
	m := &meetd{db: db, url: fmt.Sprintf("http://127.0.0.1:%d", httpPort), sip: fmt.Sprintf("127.0.0.1:%d", sipPort)}
	args := append([]string{"serve", "--db", m.db, "--http", fmt.Sprintf("127.0.0.1:%d", httpPort), "--sip", m.sip,
		"--trunk-allow", "127.0.0.0/8", "--ice-loopback", "--log-level", "debug"}, extra...)
	m.proc = start(t, bins.meetd, args...)
	c := client.New(m.url)
	deadline := time.Now().Add(20 * time.Second)
	for c.Healthz(context.Background()) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("meetd did not come up:\n%s", m.proc.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("meetd output (tail):\n%s", tail(m.proc.output(), 6000))
		}
	})
	return m
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (m *meetd) login(t testing.TB, email string) *client.Client {
	t.Helper()
	c := client.New(m.url)
	if _, err := c.Login(context.Background(), email, password); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitMissed waits until a missed chat with reason is listed and returns it.
func waitMissed(t *testing.T, c *client.Client, reason api.MissedReason, n int) []api.Chat {
	t.Helper()
	yes := true
	deadline := time.Now().Add(30 * time.Second)
	for {
		list, err := c.Chats(context.Background(), api.ChatQuery{Missed: &yes, Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Chats) >= n {
			return list.Chats
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d missed chats with reason %s, want %d", len(list.Chats), reason, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sipp runs a bounded sipp scenario against target.
func sipp(t *testing.T, target, scenario string, args ...string) string {
	t.Helper()
	bin := need(t, "sipp")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	sf, _ := filepath.Abs(filepath.Join("testdata", scenario))
	for attempt := 1; ; attempt++ {
		// The ports are free when picked but released before sipp binds them:
		// another test's process may take one in between. sipp then exits
		// before sending anything, and a second pair of ports is tried.
		base := []string{"-nostdin", "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-mp", fmt.Sprint(freePort(t, "udp")),
			"-timeout", "30s", "-timeout_error", "-sf", sf, "-m", "1"}
		if target != "" {
			base = append(base, target)
		}
		cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		if err != nil && attempt < 3 && strings.Contains(string(out), "Unable to bind") {
			t.Logf("sipp %s: a picked port was taken before sipp bound it; again with new ports", scenario)
			continue
		}
		if err != nil {
			t.Fatalf("sipp %s: %v\n%s", scenario, err, tail(string(out), 3000))
		}
		return string(out)
	}
}

// jsonLines reads a process's stdout lines that start with {.
func jsonLines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); strings.HasPrefix(l, "{") {
			out = append(out, l)
		}
	}
	return out
}

var execCommand = exec.CommandContext

// simPhone starts a simulated SIP phone for number on host (127.0.0.x),
// serving SIP over UDP until ctx ends, closed when the test ends; addr is
// where it listens.
func simPhone(tb testing.TB, ctx context.Context, host, number string) (p *simcaller.Phone, addr net.Addr) {
	tb.Helper()
	p, err := simcaller.New(host, number)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	if addr, err = p.ServeUDP(ctx, host+":0"); err != nil {
		tb.Fatal(err)
	}
	return p, addr
}

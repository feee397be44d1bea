package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/server/store/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Every admin command works against a real Postgres given as --db URL.
func TestAdminCommandsOnPostgres(t *testing.T) { testAdminCommands(t, pgtest.URL(t)) }

// A --db value that is neither a path nor a postgres:// URL is refused by
// every command, and nothing is created for it.
func TestDBFlagRefusesUnknownSchemes(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	for _, db := range []string{"foo://x/meet.db", "mysql://root@localhost/meet", "postgres:meet", "pg://localhost/meet"} {
		for _, args := range [][]string{
			{"admin", "channel", "list", "--db", db},
			{"admin", "channel", "add", "x", "--db", db},
			{"route", "simulate", "--channel", "x", "--db", db},
			{"serve", "--db", db, "--http", "127.0.0.1:0"},
			{"demo", "--db", db, "--data", filepath.Join(dir, "demo"), "--http", "127.0.0.1:0", "--sip", "127.0.0.1:0", "--no-caller"},
		} {
			out, err := run(t, args...)
			if err == nil || !strings.Contains(err.Error(), "--db") {
				t.Errorf("%v: err %v, want a --db error\n%s", args, err, out)
			}
		}
	}
	t.Setenv("MEETD_DB", "foo://from-env")
	if _, err := run(t, "admin", "channel", "list"); err == nil || !strings.Contains(err.Error(), "unknown database scheme") {
		t.Errorf("MEETD_DB=foo://…: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "demo" {
			t.Errorf("%s was created for a bad --db", e.Name())
		}
	}
}

// lines collects a command's output and tells when a line matches.
type lines struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) find(re *regexp.Regexp) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return re.FindStringSubmatch(l.buf.String())
}

// `meetd serve --db postgres://…` serves what `meetd admin --db postgres://…`
// set up, and a change made by admin while it runs reaches the API.
func TestServeOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	t.Setenv("MEETD_DB", url) // admin through the environment, serve through the flag
	for _, args := range [][]string{
		{"admin", "channel", "add", "support"},
		{"admin", "staff", "add", "--email", "boss@example.com", "--password", "password1", "--role", "admin"},
	} {
		if out, err := run(t, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := newRootCmd()
	var out lines
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"serve", "--db", url, "--http", "127.0.0.1:0", "--log-level", "warn"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	listening := regexp.MustCompile(`meetd listening on (\S+) \(database (\S+)\)`)
	var m []string
	for deadline := time.Now().Add(30 * time.Second); m == nil; {
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, out.buf.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never listened:\n%s", out.buf.String())
		}
		m = out.find(listening)
	}
	if !strings.HasPrefix(m[2], "postgres://") {
		t.Errorf("serve reports database %q", m[2])
	}
	c := client.New(m[1])
	if _, err := c.Login(ctx, "boss@example.com", "password1"); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "admin", "channel", "add", "sales"); err != nil {
		t.Fatalf("admin while serving: %v\n%s", err, out)
	}
	chs, err := c.Channels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, ch := range chs {
		names = append(names, ch.Name)
	}
	if strings.Join(names, ",") != "support,sales" {
		t.Errorf("channels served: %v", names)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// `meetd demo --db postgres://…` seeds its channel and accounts into Postgres.
func TestDemoOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo")
	}
	url := pgtest.URL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := runCtxArgs(ctx, t, "demo", "--db", url, "--data", t.TempDir(), "--http", "127.0.0.1:0", "--sip", "127.0.0.1:0", "--no-caller")
		done <- err
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := run(t, "admin", "staff", "list", "--db", url)
		if err == nil && strings.Contains(out, "operator@demo.local") && strings.Contains(out, "admin@demo.local") {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("demo ended: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo accounts never appeared in Postgres: %v\n%s", err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	out, err := run(t, "admin", "channel", "list", "--db", url)
	if err != nil || !strings.Contains(out, "demo") || !strings.Contains(out, "+81500000000") {
		t.Errorf("demo channel: %v\n%s", err, out)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("demo did not stop")
	}
}

func runCtxArgs(ctx context.Context, t *testing.T, args ...string) (string, error) {
	cmd := newRootCmd()
	var out lines
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return out.buf.String(), err
}

package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// meetd serve under systemd's Type=notify: READY=1 once it listens (the
// HTTP API answers by then), STOPPING=1 when it shuts down. A unixgram
// socket stands in for systemd's.
func TestServeTellsSystemdWhenReady(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	if out, err := run(t, "admin", "channel", "add", "support", "--db", db); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	sock := filepath.Join(dir, "notify.sock")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := newRootCmd()
	var out strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"serve", "--db", db, "--http", "127.0.0.1:0", "--sip", "127.0.0.1:0", "--metrics", "off", "--log-level", "warn"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	read := func() string {
		t.Helper()
		buf := make([]byte, 256)
		ln.SetReadDeadline(time.Now().Add(15 * time.Second))
		n, err := ln.Read(buf)
		if err != nil {
			t.Fatalf("no notification: %v", err)
		}
		return string(buf[:n])
	}
	if got := read(); got != "READY=1" {
		t.Fatalf("first notification %q", got)
	}
	cancel()
	if got := read(); got != "STOPPING=1" {
		t.Fatalf("second notification %q", got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("meetd serve did not stop")
	}
}

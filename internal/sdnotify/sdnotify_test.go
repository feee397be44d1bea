package sdnotify

import (
	"net"
	"path/filepath"
	"testing"
	"time"
)

// A real unixgram socket stands in for systemd.
func TestNotifySendsOneDatagram(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify.sock")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	t.Setenv("NOTIFY_SOCKET", path)
	sent, err := Notify(Ready)
	if err != nil || !sent {
		t.Fatalf("sent %v err %v", sent, err)
	}
	buf := make([]byte, 64)
	ln.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := ln.Read(buf)
	if err != nil || string(buf[:n]) != "READY=1" {
		t.Fatalf("got %q, %v", buf[:n], err)
	}
	t.Setenv("NOTIFY_SOCKET", "")
	if sent, err := Notify(Ready); sent || err != nil {
		t.Fatalf("without NOTIFY_SOCKET: sent %v err %v", sent, err)
	}
	if _, err := notify("relative.sock", Ready); err == nil {
		t.Fatal("a relative socket path accepted")
	}
}

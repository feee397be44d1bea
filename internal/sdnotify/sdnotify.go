// Package sdnotify tells systemd about the service's state (sd_notify(3)):
// READY=1 once meetd listens, STOPPING=1 when it shuts down. It speaks the
// protocol directly — one datagram to the unix socket named by
// $NOTIFY_SOCKET — so no dependency is needed. Without $NOTIFY_SOCKET (not
// started by systemd with Type=notify) it does nothing.
package sdnotify

import (
	"errors"
	"net"
	"os"
)

// States meetd sends.
const (
	Ready    = "READY=1"
	Stopping = "STOPPING=1"
)

// Notify sends state to systemd. sent is false when no notification socket
// is set; err reports a socket that is set but cannot be written.
func Notify(state string) (sent bool, err error) {
	return notify(os.Getenv("NOTIFY_SOCKET"), state)
}

func notify(socket, state string) (bool, error) {
	if socket == "" {
		return false, nil
	}
	if socket[0] != '/' && socket[0] != '@' {
		return false, errors.New("sdnotify: NOTIFY_SOCKET is neither a path nor an abstract socket (@name)")
	}
	addr := &net.UnixAddr{Name: socket, Net: "unixgram"}
	if socket[0] == '@' {
		addr.Name = "\x00" + socket[1:] // Linux abstract namespace
	}
	conn, err := net.DialUnix("unixgram", nil, addr)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return false, err
	}
	return true, nil
}

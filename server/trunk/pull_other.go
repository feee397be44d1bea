//go:build !(linux && (amd64 || arm64))

package trunk

import (
	"net"
	"net/netip"
	"time"
)

// puller is Linux's (pull_linux.go); elsewhere each session keeps a
// goroutine reading its socket.
type puller struct{}

func newPuller(*net.UDPConn) *puller { return nil }

func (*puller) read(func(pkt []byte, from netip.AddrPort, at time.Time)) {}

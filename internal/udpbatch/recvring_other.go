//go:build !linux

package udpbatch

import (
	"errors"
	"net"
)

// Without io_uring there is no RecvRing: NewRecvRing fails.
type recvSys struct{ dispatching *RecvSocket }

type recvSockState struct{}

func (*recvSockState) open(*net.UDPConn) error { return errUnsupported }
func (*recvSockState) closeFD()                {}

var errUnsupported = errors.New("udpbatch: no io_uring on this system")

func (r *RecvRing) inHandler(*RecvSocket) bool { return false }

// Failed counts the sockets the ring stopped reading after failures.
func (r *RecvRing) Failed() int64 { return 0 }

func (r *RecvRing) run(ready chan<- error) {
	close(r.done)
	ready <- errUnsupported
}

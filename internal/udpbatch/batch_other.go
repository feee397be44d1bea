//go:build !linux

package udpbatch

import (
	"net"
	"net/netip"
)

// Without io_uring a Batch sends each datagram at once.
type multiQueue struct{ lost uint64 }

type multiSocket struct{ detached bool }

func newMultiQueue(*Batch) *multiQueue                              { return nil }
func (q *multiQueue) add(*multiSocket, []byte, netip.AddrPort) bool { return false }
func (q *multiQueue) full() bool                                    { return false }
func (q *multiQueue) flush()                                        {}
func (q *multiQueue) close()                                        {}
func (q *multiQueue) forget(*multiSocket)                           {}
func (s *multiSocket) init(*net.UDPConn) error                      { return nil }

// No read-ahead without io_uring.
type readAhead struct{}

type raSocket struct{}

func newReadAhead(*Batch) *readAhead                   { return nil }
func (*readAhead) enable(*BatchSocket, Receiver) error { return ErrNoReadAhead }
func (*readAhead) read(*BatchSocket)                   {}
func (*readAhead) hold()                               {}
func (*readAhead) detach(*BatchSocket)                 {}
func (*readAhead) close()                              {}
func (*readAhead) stats() (uint64, uint64)             { return 0, 0 }

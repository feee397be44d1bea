//go:build !linux

package udpbatch

import (
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
func (s *multiSocket) initPolled(*polled)                           {}

//go:build !linux

package udpbatch

import (
	"net"
	"net/netip"
)

// queue sends each queued datagram on its own where sendmmsg is not to be
// had.
type queue struct {
	c     *net.UDPConn
	n     int
	bufs  [QueueLen][]byte
	addrs [QueueLen]netip.AddrPort
}

func (q *queue) init(c *net.UDPConn) error { q.c = c; return nil }

func (q *queue) add(b []byte, addr netip.AddrPort) {
	q.bufs[q.n] = append(q.bufs[q.n][:0], b...)
	q.addrs[q.n] = addr
	q.n++
}

func (q *queue) flush() {
	for i := range q.n {
		_, _ = q.c.WriteToUDPAddrPort(q.bufs[i], q.addrs[i])
	}
	q.n = 0
}

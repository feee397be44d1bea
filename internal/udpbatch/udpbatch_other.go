//go:build !linux

package udpbatch

import (
	"net"
	"net/netip"
)

// reader reads one datagram per call where recvmmsg is not to be had.
type reader struct {
	c   *net.UDPConn
	buf []byte
	out [1]Datagram
}

func newReader(c *net.UDPConn, _ int) (*reader, error) {
	return &reader{c: c, buf: make([]byte, MaxSize)}, nil
}

func (r *reader) release() {}

func (r *reader) serve(h func([]Datagram)) error {
	for {
		n, from, err := r.c.ReadFromUDPAddrPort(r.buf)
		if err != nil {
			return err
		}
		r.out[0] = Datagram{B: r.buf[:n], From: netip.AddrPortFrom(from.Addr().Unmap(), from.Port())}
		h(r.out[:])
	}
}

// Package udpbatch reads a UDP socket several datagrams per system call
// (recvmmsg on Linux) and, when a read returned fewer than it asked for,
// waits for the next datagram without first reading the empty socket; and
// it sends queued datagrams several per system call (Writer).
//
// Go's net package reads one datagram per call and finds out that the
// socket is empty by reading it once more (EAGAIN) before it parks the
// goroutine: two system calls per datagram where datagrams arrive one at a
// time (a call's RTP socket: one packet every 20 ms), and one per datagram
// in a burst (meetd's shared WebRTC socket: a packet from every operator
// each 20 ms). A read that fills fewer slots than it offered has emptied the
// queue, and any datagram queued after it raises a new readiness event (the
// runtime's poller is edge-triggered and Linux signals every datagram
// queued), so Serve waits for that event at once. It must not leave its
// wait loop for that: the runtime forgets a readiness event already
// received each time a read begins (internal/poll's prepareRead), so a
// reader that returned between batches and then waited without reading
// would sleep through a datagram that came meanwhile.
package udpbatch

import (
	"net"
	"net/netip"
)

// Datagram is one datagram read: B is valid until the handler returns.
type Datagram struct {
	B    []byte
	From netip.AddrPort // IPv4 sources unmapped
}

// MaxSize is the largest datagram a slot takes whole; a longer one comes
// back cut to MaxSize bytes, as from net.UDPConn's reads into a buffer of
// that size.
const MaxSize = 1500

// Reader reads one socket; it is for one goroutine.
type Reader struct{ r *reader }

// NewReader reads c up to n datagrams at a time (n < 1: 1).
func NewReader(c *net.UDPConn, n int) (*Reader, error) {
	if n < 1 {
		n = 1
	}
	r, err := newReader(c, n)
	if err != nil {
		return nil, err
	}
	return &Reader{r: r}, nil
}

// Serve reads the socket and hands h every batch of datagrams (at most n,
// at least one), on the calling goroutine, until reading fails: it returns
// the socket's error, as from net.UDPConn (net.ErrClosed once it is
// closed, a timeout past a read deadline). Serve may be called again after
// an error that is not final.
func (r *Reader) Serve(h func([]Datagram)) error { return r.r.serve(h) }

// Release gives the reader's buffers back for another socket's reader; the
// reader is not to be used after it. A reader never released is collected
// as garbage like any other.
func (r *Reader) Release() { r.r.release() }

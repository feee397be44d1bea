package udpbatch

import (
	"net/netip"
	"time"
)

// Polled is a UDP socket that nothing waits on: its owner reads it
// without waiting (Poll) when it has time anyway, instead of a goroutine
// parked on it being woken for every datagram. meetd reads each call's RTP
// socket this way at the room clock's tick, just before it takes the
// call's next frame from the jitter buffer: a call's packets come one
// every 20 ms, so a goroutine per socket meant a thread woken, a goroutine
// scheduled and parked again per packet, where the tick reads what came
// with one system call on a thread that is awake already. On Linux the
// socket is not registered with Go's poller at all (an edge-triggered
// registration would still wake the poller's thread for every datagram),
// and the kernel stamps each datagram's arrival (SO_TIMESTAMPNS), so a
// reader that comes late still knows when its datagrams arrived.
//
// A Polled is for one owner at a time: Poll, WriteToUDPAddrPort and Close
// must not run concurrently (meetd holds the call's lock); its descriptor
// is closed by Close and never again named after it.
type Polled struct{ p polled }

// ListenPolled opens a socket bound to addr (port 0: any), dual-stack
// when addr's IP is unspecified, as net.ListenUDP("udp", addr) would.
func ListenPolled(addr netip.AddrPort) (*Polled, error) {
	p := &Polled{}
	if err := p.p.listen(addr); err != nil {
		return nil, err
	}
	return p, nil
}

// LocalAddr is the address the socket is bound to.
func (p *Polled) LocalAddr() netip.AddrPort { return p.p.local }

// Poll reads the datagrams queued on the socket, up to max, without
// waiting, and hands each to h with the time it arrived (the kernel's
// stamp; when the kernel gives none, the time of the read). B is valid
// until h returns. It returns how many it read, and the socket's error
// when a read failed for another reason than an empty queue (net.ErrClosed
// after Close).
func (p *Polled) Poll(max int, h func(d Datagram, at time.Time)) (int, error) {
	return p.p.poll(max, h)
}

// WriteToUDPAddrPort sends b to addr without waiting: a datagram the
// socket's buffer has no room for is refused (an error), as a network
// would drop it.
func (p *Polled) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	return p.p.writeTo(b, addr)
}

// Close closes the socket; Poll and writes return net.ErrClosed after it.
func (p *Polled) Close() error { return p.p.close() }

//go:build !linux

package udpbatch

import (
	"net"
	"net/netip"
	"time"
)

// Where the socket cannot be read without Go's poller, a goroutine reads it
// into a bounded queue that Poll empties: the owner still reads at its
// tick, the wake-ups stay.
type polled struct {
	c     *net.UDPConn
	local netip.AddrPort
	q     chan arrival
	done  chan struct{}
}

type arrival struct {
	b    []byte
	from netip.AddrPort
	at   time.Time
}

// queued bounds what the reading goroutine holds for Poll (1.3 s of a
// call's packets); the rest is dropped, as a full socket buffer would.
const queued = 64

func (p *polled) listen(addr netip.AddrPort) error {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return err
	}
	a := c.LocalAddr().(*net.UDPAddr).AddrPort()
	p.c, p.local = c, netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	p.q, p.done = make(chan arrival, queued), make(chan struct{})
	go p.read()
	return nil
}

func (p *polled) read() {
	defer close(p.done)
	for {
		b := make([]byte, MaxSize)
		n, from, err := p.c.ReadFromUDPAddrPort(b)
		if err != nil {
			return
		}
		select {
		case p.q <- arrival{b[:n], netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), time.Now()}:
		default:
		}
	}
}

func (p *polled) poll(max int, h func(Datagram, time.Time)) (int, error) {
	if p.c == nil {
		return 0, net.ErrClosed
	}
	n := 0
	for n < max {
		select {
		case a := <-p.q:
			n++
			h(Datagram{B: a.b, From: a.from}, a.at)
		default:
			return n, nil
		}
	}
	return n, nil
}

func (p *polled) writeTo(b []byte, addr netip.AddrPort) (int, error) {
	if p.c == nil {
		return 0, net.ErrClosed
	}
	return p.c.WriteToUDPAddrPort(b, addr)
}

func (p *polled) close() error {
	if p.c == nil {
		return net.ErrClosed
	}
	err := p.c.Close()
	<-p.done
	p.c = nil
	return err
}

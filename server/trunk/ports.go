package trunk

import (
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/meet-dev/meet/internal/udpbatch"
)

// portAllocator hands out RTP/RTCP socket pairs: an even RTP port and the
// next one for RTCP (RFC 3550 §11), from a configured range or from the OS.
type portAllocator struct {
	ip       netip.Addr
	min, max int // 0,0: OS-assigned

	mu   sync.Mutex
	next int
}

func listenUDP(ip netip.Addr, port int) (*net.UDPConn, error) {
	return net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
}

// listenRTP opens an RTP socket, which the call's room reads at its tick
// (udpbatch.Polled; rtpSession.ReadFrame).
func listenRTP(ip netip.Addr, port int) (*udpbatch.Polled, error) {
	return udpbatch.ListenPolled(netip.AddrPortFrom(ip, uint16(port)))
}

// allocate returns an RTP socket and, unless mux, an RTCP socket. With
// OS-assigned ports RTCP prefers RTP+1 and otherwise takes any port (it is
// then announced with a=rtcp, RFC 3605).
func (a *portAllocator) allocate(mux bool) (rtpConn *udpbatch.Polled, rtcpConn *net.UDPConn, err error) {
	if a.min > 0 {
		return a.fromRange(mux)
	}
	for range 8 {
		c, err := listenRTP(a.ip, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("trunk: rtp socket: %w", err)
		}
		if mux {
			return c, nil, nil
		}
		port := int(c.LocalAddr().Port())
		if port < 65535 {
			if rc, err := listenUDP(a.ip, port+1); err == nil {
				return c, rc, nil
			}
		}
		c.Close()
	}
	c, err := listenRTP(a.ip, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("trunk: rtp socket: %w", err)
	}
	rc, err := listenUDP(a.ip, 0)
	if err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("trunk: rtcp socket: %w", err)
	}
	return c, rc, nil
}

func (a *portAllocator) fromRange(mux bool) (*udpbatch.Polled, *net.UDPConn, error) {
	lo := a.min + a.min%2 // even start
	n := (a.max - lo + 1) / 2
	if n <= 0 {
		return nil, nil, fmt.Errorf("trunk: empty RTP port range %d-%d", a.min, a.max)
	}
	a.mu.Lock()
	start := a.next
	a.next = (a.next + 1) % n
	a.mu.Unlock()
	for i := range n {
		port := lo + 2*((start+i)%n)
		c, err := listenRTP(a.ip, port)
		if err != nil {
			continue
		}
		if mux {
			a.advance(start + i + 1)
			return c, nil, nil
		}
		if port+1 > 65535 {
			c.Close()
			continue
		}
		rc, err := listenUDP(a.ip, port+1)
		if err != nil {
			c.Close()
			continue
		}
		a.advance(start + i + 1)
		return c, rc, nil
	}
	return nil, nil, fmt.Errorf("trunk: no free RTP port pair in %d-%d", a.min, a.max)
}

func (a *portAllocator) advance(next int) {
	n := (a.max - (a.min + a.min%2) + 1) / 2
	a.mu.Lock()
	a.next = next % n
	a.mu.Unlock()
}

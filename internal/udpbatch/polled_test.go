package udpbatch

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

func sender(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type polledDatagram struct {
	b    []byte
	from netip.AddrPort
	at   time.Time
}

func pollAll(t *testing.T, p *Polled, max int) []polledDatagram {
	t.Helper()
	var out []polledDatagram
	n, err := p.Poll(max, func(d Datagram, at time.Time) {
		out = append(out, polledDatagram{bytes.Clone(d.B), d.From, at})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(out) {
		t.Fatalf("Poll said %d, handed %d", n, len(out))
	}
	return out
}

// Poll reads what is queued, in order, up to its bound, without waiting,
// each datagram with the time it arrived rather than the time it was read.
func TestPolledReadsWhatCameWithArrivalTimes(t *testing.T) {
	p, err := ListenPolled(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := sender(t)
	to := net.UDPAddrFromAddrPort(p.LocalAddr())
	if got := pollAll(t, p, 16); len(got) != 0 {
		t.Fatalf("an empty socket gave %d datagrams", len(got))
	}
	// The kernel turns its receive stamps on a moment after the first
	// socket asks (a deferred work item); a datagram queued before comes
	// stamped with the time it is read.
	c.WriteToUDP([]byte{0}, to)
	time.Sleep(20 * time.Millisecond)
	if got := pollAll(t, p, 16); len(got) != 1 {
		t.Fatalf("the first datagram: got %d", len(got))
	}
	sent := time.Now()
	for i := range 11 {
		if _, err := c.WriteToUDP([]byte{byte(i)}, to); err != nil {
			t.Fatal(err)
		}
	}
	c.WriteToUDP(make([]byte, 2000), to) // longer than a slot
	time.Sleep(50 * time.Millisecond)
	read := time.Now()
	first := pollAll(t, p, 10) // more than one recvmmsg batch, less than queued
	rest := pollAll(t, p, 16)
	if len(first) != 10 || len(rest) != 2 {
		t.Fatalf("read %d then %d datagrams, want 10 then 2", len(first), len(rest))
	}
	from := c.LocalAddr().(*net.UDPAddr).AddrPort()
	for i, d := range append(first, rest[0]) {
		if len(d.b) != 1 || d.b[0] != byte(i) || d.from != from {
			t.Fatalf("datagram %d: %v from %v, want [%d] from %v", i, d.b, d.from, i, from)
		}
		if d.at.Before(sent.Add(-time.Millisecond)) || d.at.After(read.Add(-30*time.Millisecond)) {
			t.Fatalf("datagram %d arrived at %v: sent from %v, read at %v (50 ms later)", i, d.at, sent, read)
		}
	}
	if len(rest[1].b) != MaxSize {
		t.Fatalf("a 2000-byte datagram came back as %d bytes, want %d", len(rest[1].b), MaxSize)
	}
}

// Writes reach their address; after Close the socket's port is free and
// the Polled says it is closed.
func TestPolledWritesAndCloses(t *testing.T) {
	p, err := ListenPolled(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	c := sender(t)
	if _, err := p.WriteToUDPAddrPort([]byte("hello"), c.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 64)
	n, from, err := c.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != "hello" || from != p.LocalAddr() {
		t.Fatalf("got %q from %v (%v), want hello from %v", buf[:n], from, err, p.LocalAddr())
	}
	addr := p.LocalAddr()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Poll(1, func(Datagram, time.Time) {}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Poll after Close: %v", err)
	}
	if _, err := p.WriteToUDPAddrPort([]byte("x"), addr); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
	again, err := ListenPolled(addr)
	if err != nil {
		t.Fatalf("the port stayed taken after Close: %v", err)
	}
	again.Close()
}

// Bound to the unspecified address, a Polled takes IPv4 too, as
// net.ListenUDP's dual-stack socket does, and reports IPv4 peers unmapped.
func TestPolledDualStack(t *testing.T) {
	p, err := ListenPolled(netip.AddrPortFrom(netip.IPv4Unspecified(), 0))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := sender(t)
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(p.LocalAddr().Port())}
	c.WriteToUDP([]byte("v4"), to)
	time.Sleep(20 * time.Millisecond)
	got := pollAll(t, p, 4)
	if len(got) != 1 || got[0].from != c.LocalAddr().(*net.UDPAddr).AddrPort() {
		t.Fatalf("got %+v", got)
	}
	if _, err := p.WriteToUDPAddrPort([]byte("back"), got[0].from); err != nil {
		t.Fatalf("answering an IPv4 peer: %v", err)
	}
}

//go:build linux

package udpbatch

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"
)

// newTestRing is a ring with period, or a skip where the kernel refuses
// io_uring (callers then read a socket each, as the Reader tests cover).
func newTestRing(t *testing.T, period time.Duration) *RecvRing {
	t.Helper()
	r, err := NewRecvRing(period)
	if err != nil {
		t.Skipf("this kernel refuses a receive ring (%v): meetd reads each socket with a Reader", err)
	}
	t.Cleanup(r.Close)
	return r
}

func listenLoop(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// collector gathers what a handler got, safe to read from the test.
type collector struct {
	mu   sync.Mutex
	got  []string
	from []netip.AddrPort
}

func (c *collector) handle(ds []Datagram) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range ds {
		c.got = append(c.got, string(d.B))
		c.from = append(c.from, d.From)
	}
}

func (c *collector) snapshot() ([]string, []netip.AddrPort) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...), append([]netip.AddrPort(nil), c.from...)
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestRecvRingDeliversEachSocketsDatagramsInOrder(t *testing.T) {
	r := newTestRing(t, 2*time.Millisecond)
	src := listenLoop(t)
	const socks, each = 40, 5 // more sockets than the kernel runs deferred work for in one go (20)
	cols := make([]*collector, socks)
	conns := make([]*net.UDPConn, socks)
	for i := range socks {
		conns[i] = listenLoop(t)
		cols[i] = &collector{}
		if _, err := r.Add(conns[i], cols[i].handle); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(10 * time.Millisecond) // armed
	for n := range each {
		for i, c := range conns {
			if _, err := src.WriteToUDPAddrPort([]byte(fmt.Sprintf("s%d-%d", i, n)), c.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
				t.Fatal(err)
			}
		}
	}
	srcAddr := src.LocalAddr().(*net.UDPAddr).AddrPort()
	for i, col := range cols {
		waitFor(t, fmt.Sprintf("socket %d's datagrams", i), func() bool { g, _ := col.snapshot(); return len(g) >= each })
		got, from := col.snapshot()
		for n := range each {
			if want := fmt.Sprintf("s%d-%d", i, n); got[n] != want || from[n] != srcAddr {
				t.Fatalf("socket %d datagram %d: %q from %v, want %q from %v", i, n, got[n], from[n], want, srcAddr)
			}
		}
		if len(got) != each {
			t.Fatalf("socket %d got %d datagrams, want %d", i, len(got), each)
		}
	}
}

func TestRecvRingTakesMoreDatagramsThanItHasBuffers(t *testing.T) {
	// A long period lets more datagrams queue in the socket than the ring
	// has buffers: the request ends short of buffers (ENOBUFS) and must
	// be armed again, losing nothing.
	r := newTestRing(t, 100*time.Millisecond)
	dst := listenLoop(t)
	_ = dst.SetReadBuffer(4 << 20)
	col := &collector{}
	if _, err := r.Add(dst, col.handle); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	src := listenLoop(t)
	const n = recvBuffers + recvBuffers/2
	for i := range n {
		if _, err := src.WriteToUDPAddrPort([]byte(fmt.Sprint(i)), dst.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every datagram", func() bool { g, _ := col.snapshot(); return len(g) >= n })
	got, _ := col.snapshot()
	for i := range n {
		if got[i] != fmt.Sprint(i) {
			t.Fatalf("datagram %d is %q", i, got[i])
		}
	}
}

func TestRecvRingCutsALongDatagramToMaxSize(t *testing.T) {
	r := newTestRing(t, time.Millisecond)
	dst := listenLoop(t)
	col := &collector{}
	if _, err := r.Add(dst, col.handle); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	long := bytes.Repeat([]byte{'x'}, 3000)
	if _, err := listenLoop(t).WriteToUDPAddrPort(long, dst.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the datagram", func() bool { g, _ := col.snapshot(); return len(g) == 1 })
	if got, _ := col.snapshot(); got[0] != string(long[:MaxSize]) {
		t.Fatalf("got %d bytes, want the first %d", len(got[0]), MaxSize)
	}
}

func TestRecvSocketCloseStopsTheHandlerAndFreesThePort(t *testing.T) {
	r := newTestRing(t, time.Millisecond)
	dst := listenLoop(t)
	addr := dst.LocalAddr().(*net.UDPAddr).AddrPort()
	var mu sync.Mutex
	calls, afterClose := 0, false
	late := false
	s, err := r.Add(dst, func(ds []Datagram) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if afterClose {
			late = true
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	src := listenLoop(t)
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() { // keep datagrams coming across the Close
		defer close(sent)
		for {
			select {
			case <-stop:
				return
			default:
			}
			_, _ = src.WriteToUDPAddrPort([]byte("x"), addr)
			time.Sleep(200 * time.Microsecond)
		}
	}()
	waitFor(t, "a first datagram", func() bool { mu.Lock(); defer mu.Unlock(); return calls > 0 })
	s.Close()
	mu.Lock()
	afterClose = true
	mu.Unlock()
	dst.Close()
	time.Sleep(20 * time.Millisecond)
	close(stop)
	<-sent
	mu.Lock()
	if late {
		t.Fatal("the handler ran after Close returned")
	}
	mu.Unlock()
	// The ring lets go of its copy of the descriptor: the port is free.
	waitFor(t, "the port to be free", func() bool {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(addr))
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

func TestRecvSocketClosedFromItsOwnHandler(t *testing.T) {
	r := newTestRing(t, time.Millisecond)
	dst := listenLoop(t)
	col := &collector{}
	var s *RecvSocket
	ready := make(chan struct{})
	s, err := r.Add(dst, func(ds []Datagram) {
		<-ready
		col.handle(ds)
		s.Close() // must not wait for itself
	})
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	src := listenLoop(t)
	for range 3 {
		if _, err := src.WriteToUDPAddrPort([]byte("x"), dst.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the first datagram", func() bool { g, _ := col.snapshot(); return len(g) > 0 })
	// Another socket still works: the ring was not held up.
	other := listenLoop(t)
	col2 := &collector{}
	if _, err := r.Add(other, col2.handle); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := src.WriteToUDPAddrPort([]byte("y"), other.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the other socket's datagram", func() bool { g, _ := col2.snapshot(); return len(g) == 1 })
	if g, _ := col.snapshot(); len(g) != 1 {
		t.Fatalf("the closed socket's handler ran %d times, want once", len(g))
	}
}

func TestRecvRingCloseLetsGoOfEverything(t *testing.T) {
	listenLoop(t) // the runtime's poller opens its descriptors with the first socket
	before := openFDs(t)
	r, err := NewRecvRing(time.Millisecond)
	if err != nil {
		t.Skipf("this kernel refuses a receive ring (%v)", err)
	}
	var conns []*net.UDPConn
	for range 10 {
		c := listenLoop(t)
		conns = append(conns, c)
		if _, err := r.Add(c, func([]Datagram) {}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(10 * time.Millisecond)
	r.Close()
	if _, err := r.Add(conns[0], func([]Datagram) {}); err != ErrRecvRingClosed {
		t.Fatalf("Add after Close: %v", err)
	}
	for _, c := range conns {
		c.Close()
	}
	if after := openFDs(t); after > before {
		t.Fatalf("%d descriptors open after Close, %d before", after, before)
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

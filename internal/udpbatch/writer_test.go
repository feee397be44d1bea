package udpbatch

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// sink is a socket that hands over the payloads it receives, in order.
func sink(t *testing.T, network, ip string) (netip.AddrPort, <-chan string) {
	t.Helper()
	c := listen(t, network, ip)
	r, err := NewReader(c, 8)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 4096)
	go func() {
		defer close(ch)
		_ = r.Serve(func(ds []Datagram) {
			for _, d := range ds {
				ch <- string(d.B)
			}
		})
	}()
	return netip.MustParseAddrPort(c.LocalAddr().String()), ch
}

// newWriter writes from a new IPv4 loopback socket.
func newWriter(t *testing.T) *Writer {
	t.Helper()
	w, err := NewWriter(listen(t, "udp4", "127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func nothingWithin(t *testing.T, ch <-chan string, d time.Duration) {
	t.Helper()
	select {
	case s := <-ch:
		t.Fatalf("%q arrived while the writer was held", s)
	case <-time.After(d):
	}
}

func receive(t *testing.T, ch <-chan string, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case s := <-ch:
			if s != w {
				t.Fatalf("got %q, want %q", s, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%q did not arrive", w)
		}
	}
}

func TestWriterHoldsAndReleases(t *testing.T) {
	to, ch := sink(t, "udp4", "127.0.0.1")
	to2, ch2 := sink(t, "udp4", "127.0.0.1")
	w := newWriter(t)
	if err := w.WriteTo([]byte("now"), to); err != nil {
		t.Fatal(err)
	}
	receive(t, ch, "now")

	w.Hold()
	w.Hold() // a second worker
	for i := range 5 {
		dst := to
		if i%2 == 1 {
			dst = to2
		}
		if err := w.WriteTo(fmt.Appendf(nil, "held-%d", i), dst); err != nil {
			t.Fatal(err)
		}
	}
	nothingWithin(t, ch, 30*time.Millisecond)
	w.Release() // the first release sends everything queued
	receive(t, ch, "held-0", "held-2", "held-4")
	receive(t, ch2, "held-1", "held-3")
	if err := w.WriteTo([]byte("still held"), to); err != nil {
		t.Fatal(err)
	}
	nothingWithin(t, ch, 30*time.Millisecond)
	w.Release()
	receive(t, ch, "still held")
	if err := w.WriteTo([]byte("free"), to); err != nil {
		t.Fatal(err)
	}
	receive(t, ch, "free")
}

// TestWriterFullQueue: a held writer sends once QueueLen datagrams wait.
func TestWriterFullQueue(t *testing.T) {
	to, ch := sink(t, "udp4", "127.0.0.1")
	w := newWriter(t)
	w.Hold()
	var want []string
	for i := range QueueLen + 3 {
		p := fmt.Sprint("p", i)
		if i < QueueLen {
			want = append(want, p)
		}
		if err := w.WriteTo([]byte(p), to); err != nil {
			t.Fatal(err)
		}
	}
	receive(t, ch, want...)
	nothingWithin(t, ch, 30*time.Millisecond)
	w.Release()
	receive(t, ch, fmt.Sprint("p", QueueLen), fmt.Sprint("p", QueueLen+1), fmt.Sprint("p", QueueLen+2))
}

// TestWriterDualStack: an IPv6 socket reaches an IPv4 address through the
// mapped form, and an IPv4 socket drops an IPv6 destination without
// losing the rest of the queue.
func TestWriterDualStack(t *testing.T) {
	to, ch := sink(t, "udp4", "127.0.0.1")
	c6, err := net.ListenUDP("udp", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	defer c6.Close()
	w6, err := NewWriter(c6)
	if err != nil {
		t.Fatal(err)
	}
	w6.Hold()
	if err := w6.WriteTo([]byte("via six"), to); err != nil {
		t.Fatal(err)
	}
	w6.Release()
	receive(t, ch, "via six")

	w4 := newWriter(t)
	w4.Hold()
	_ = w4.WriteTo([]byte("lost"), netip.MustParseAddrPort("[::1]:9"))
	_ = w4.WriteTo([]byte("kept"), to)
	w4.Release()
	receive(t, ch, "kept")
}

// TestWriterConcurrent: writers, holds and releases from several goroutines
// lose nothing (run with -race).
func TestWriterConcurrent(t *testing.T) {
	to, ch := sink(t, "udp4", "127.0.0.1")
	w := newWriter(t)
	const goroutines, each = 4, 100
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				if i%10 == 0 {
					w.Hold()
				}
				if err := w.WriteTo(fmt.Appendf(nil, "%d-%d", g, i), to); err != nil {
					t.Error(err)
				}
				if i%10 == 9 {
					w.Release()
				}
				if i%25 == 0 {
					time.Sleep(time.Millisecond) // let the sink drain: loopback drops what overflows its buffer
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for len(seen) < goroutines*each {
		select {
		case s := <-ch:
			seen[s] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("%d of %d datagrams arrived", len(seen), goroutines*each)
		}
	}
}

// TestNoGarbagePerPacket: reading a datagram and sending a held one make
// no garbage (meetd does both hundreds of times per 20 ms).
func TestNoGarbagePerPacket(t *testing.T) {
	c := listen(t, "udp4", "127.0.0.1")
	r, err := NewReader(c, 4)
	if err != nil {
		t.Fatal(err)
	}
	w := newWriter(t)
	to := netip.MustParseAddrPort(c.LocalAddr().String())
	p := []byte("packet")
	got := make(chan struct{}, 1)
	go func() { _ = r.Serve(func(ds []Datagram) { got <- struct{}{} }) }()
	allocs := testing.AllocsPerRun(200, func() {
		w.Hold()
		if err := w.WriteTo(p, to); err != nil {
			t.Fatal(err)
		}
		w.Release()
		<-got
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per packet sent and read", allocs)
	}
}

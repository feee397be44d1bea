package udpbatch

import (
	"fmt"
	"net/netip"
	"sort"
	"testing"
	"time"
)

// batches runs f on a Batch with io_uring and on one without: the kernel
// may refuse io_uring (a container's seccomp profile), and a Batch must
// then send as a plain socket does.
func batches(t *testing.T, f func(t *testing.T, b *Batch)) {
	for _, uring := range []bool{true, false} {
		t.Run(fmt.Sprintf("uring=%v", uring), func(t *testing.T) {
			b := NewBatch(uring)
			t.Cleanup(b.Close)
			if uring && !b.Uring() {
				t.Skip("this kernel refuses io_uring (IORING_OP_SENDMSG): the Batch sends each datagram at once, as the uring=false case tests")
			}
			if !uring && b.Uring() {
				t.Fatal("a Batch asked not to use io_uring uses it")
			}
			f(t, b)
		})
	}
}

// batchSocket is a new socket on ip (the unspecified "::": dual-stack)
// written through b, as the trunk's RTP sockets are.
func batchSocket(t *testing.T, b *Batch, ip string) (*BatchSocket, netip.AddrPort) {
	t.Helper()
	p, err := ListenPolled(netip.AddrPortFrom(netip.MustParseAddr(ip), 0))
	if err != nil {
		t.Fatal(err)
	}
	s := b.PolledSocket(p)
	t.Cleanup(func() { s.Detach(); p.Close() })
	return s, p.LocalAddr()
}

// sinkFrom is a socket that hands over what it receives as "from|payload".
func sinkFrom(t *testing.T, network, ip string) (netip.AddrPort, <-chan string) {
	t.Helper()
	c := listen(t, network, ip)
	ch, _ := served(t, c, 8)
	return netip.MustParseAddrPort(c.LocalAddr().String()), ch
}

func collect(t *testing.T, ch <-chan string, n int) []string {
	t.Helper()
	var got []string
	for len(got) < n {
		select {
		case s := <-ch:
			got = append(got, s)
		case <-time.After(5 * time.Second):
			t.Fatalf("%d of %d datagrams arrived: %q", len(got), n, got)
		}
	}
	return got
}

func TestBatchSendsHeldDatagramsFromTheirOwnSockets(t *testing.T) {
	batches(t, func(t *testing.T, b *Batch) {
		to, ch := sinkFrom(t, "udp4", "127.0.0.1")
		var socks []*BatchSocket
		var from []netip.AddrPort
		for range 3 {
			s, a := batchSocket(t, b, "127.0.0.1")
			socks, from = append(socks, s), append(from, a)
		}
		b.Hold()
		var want []string
		for k := range 2 {
			for i, s := range socks {
				p := fmt.Sprintf("s%d-%d", i, k)
				if err := s.WriteTo([]byte(p), to); err != nil {
					t.Fatal(err)
				}
				want = append(want, from[i].String()+"|"+p)
			}
		}
		if b.Uring() {
			select {
			case s := <-ch:
				t.Fatalf("%q arrived while the batch was held", s)
			case <-time.After(50 * time.Millisecond):
			}
		}
		b.Release()
		got := collect(t, ch, len(want))
		// Each socket's datagrams in order, each from its own socket's
		// address (what a caller's symmetric RTP expects).
		for i := range socks {
			var mine []string
			for _, g := range got {
				if g[:len(from[i].String())+1] == from[i].String()+"|" {
					mine = append(mine, g)
				}
			}
			if len(mine) != 2 || mine[0] != want[i] || mine[1] != want[3+i] {
				t.Fatalf("socket %d: got %q in all %q", i, mine, got)
			}
		}
		// Unheld, a write goes at once.
		if err := socks[0].WriteTo([]byte("now"), to); err != nil {
			t.Fatal(err)
		}
		if g := collect(t, ch, 1)[0]; g != from[0].String()+"|now" {
			t.Fatalf("got %q", g)
		}
	})
}

func TestBatchDetachDropsTheSocketsQueue(t *testing.T) {
	batches(t, func(t *testing.T, b *Batch) {
		to, ch := sinkFrom(t, "udp4", "127.0.0.1")
		s1, a1 := batchSocket(t, b, "127.0.0.1")
		s2, a2 := batchSocket(t, b, "127.0.0.1")
		b.Hold()
		_ = s1.WriteTo([]byte("queued"), to)
		_ = s2.WriteTo([]byte("kept"), to)
		s1.Detach()
		// After Detach a write goes at once, held or not.
		_ = s1.WriteTo([]byte("after"), to)
		b.Release()
		want := []string{a1.String() + "|after", a2.String() + "|kept"}
		if !b.Uring() {
			// Nothing was queued: all went at once, in order.
			want = []string{a1.String() + "|queued", a2.String() + "|kept", a1.String() + "|after"}
		}
		got := collect(t, ch, len(want))
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("got %q, want %q", got, want)
			}
		}
		select {
		case g := <-ch:
			t.Fatalf("%q arrived after all", g)
		case <-time.After(50 * time.Millisecond):
		}
	})
}

func TestBatchFullQueueGoesWithoutRelease(t *testing.T) {
	batches(t, func(t *testing.T, b *Batch) {
		to, ch := sinkFrom(t, "udp4", "127.0.0.1")
		s, _ := batchSocket(t, b, "127.0.0.1")
		b.Hold()
		defer b.Release()
		for i := range BatchLen + 1 {
			if err := s.WriteTo([]byte(fmt.Sprint(i)), to); err != nil {
				t.Fatal(err)
			}
		}
		// The first BatchLen went when the queue filled; the last waits
		// for the release (with io_uring).
		got := collect(t, ch, BatchLen)
		for i, g := range got {
			if _, p, _ := cut(g); p != fmt.Sprint(i) {
				t.Fatalf("datagram %d is %q", i, g)
			}
		}
	})
}

func TestBatchIPv6AndMappedAddresses(t *testing.T) {
	batches(t, func(t *testing.T, b *Batch) {
		to6, ch6 := sinkFrom(t, "udp6", "::1")
		to4, ch4 := sinkFrom(t, "udp4", "127.0.0.1")
		s6, _ := batchSocket(t, b, "::")
		s4, _ := batchSocket(t, b, "127.0.0.1")
		b.Hold()
		_ = s6.WriteTo([]byte("six"), to6)
		_ = s6.WriteTo([]byte("mapped"), netip.AddrPortFrom(netip.AddrFrom16(to4.Addr().As16()), to4.Port()))
		// An IPv6 address on an IPv4 socket fails at once, as unbatched.
		if err := s4.WriteTo([]byte("x"), to6); err == nil {
			t.Fatal("an IPv4 socket wrote to an IPv6 address")
		}
		b.Release()
		if _, p, _ := cut(collect(t, ch6, 1)[0]); p != "six" {
			t.Fatalf("got %q", p)
		}
		if _, p, _ := cut(collect(t, ch4, 1)[0]); p != "mapped" {
			t.Fatalf("got %q", p)
		}
	})
}

// TestBatchConcurrentHolders has writers on many goroutines while two
// holders take turns, as the mixer's workers do: everything arrives once.
func TestBatchConcurrentHolders(t *testing.T) {
	batches(t, func(t *testing.T, b *Batch) {
		to, ch := sinkFrom(t, "udp4", "127.0.0.1")
		const writers, each = 8, 50
		done := make(chan struct{})
		go func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				b.Hold()
				time.Sleep(100 * time.Microsecond)
				b.Release()
			}
		}()
		errs := make(chan error, writers)
		for w := range writers {
			s, _ := batchSocket(t, b, "127.0.0.1")
			go func() {
				for i := range each {
					if err := s.WriteTo([]byte(fmt.Sprintf("%d-%d", w, i)), to); err != nil {
						errs <- err
						return
					}
					time.Sleep(50 * time.Microsecond)
				}
				errs <- nil
			}()
		}
		for range writers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		close(done)
		b.Hold()
		b.Release() // whatever the last hold left
		got := collect(t, ch, writers*each)
		var ps []string
		for _, g := range got {
			_, p, _ := cut(g)
			ps = append(ps, p)
		}
		sort.Strings(ps)
		for i := 1; i < len(ps); i++ {
			if ps[i] == ps[i-1] {
				t.Fatalf("%q arrived twice", ps[i])
			}
		}
	})
}

func cut(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '|' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

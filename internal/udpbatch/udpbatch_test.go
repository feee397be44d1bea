package udpbatch

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

func listen(t *testing.T, network, ip string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP(network, &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// serve runs r.Serve on its own goroutine, handing over every datagram as
// "from|payload"; the channel closes when Serve returns (its error on
// errc). slow makes the handler take that long per batch.
func serve(t *testing.T, r *Reader, slow time.Duration) (<-chan string, <-chan error) {
	ch := make(chan string, 4096)
	errc := make(chan error, 1)
	go func() {
		defer close(ch)
		errc <- r.Serve(func(ds []Datagram) {
			if len(ds) == 0 {
				t.Error("an empty batch")
			}
			for _, d := range ds {
				ch <- d.From.String() + "|" + string(d.B)
			}
			time.Sleep(slow)
		})
	}()
	return ch, errc
}

// served serves c with a reader of batch n and dials it from a new
// socket of the same family: the datagrams the sender writes come out of
// the channel.
func served(t *testing.T, c *net.UDPConn, n int) (<-chan string, *net.UDPConn) {
	t.Helper()
	r, err := NewReader(c, n)
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := serve(t, r, 0)
	s, err := net.DialUDP(c.LocalAddr().Network(), nil, c.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return ch, s
}

func expect(t *testing.T, ch <-chan string, want map[string]int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for left := len(want); left > 0; {
		select {
		case s := <-ch:
			if _, ok := want[s]; !ok {
				t.Fatalf("unexpected datagram %q", s)
			}
			want[s]--
			if want[s] < 0 {
				t.Fatalf("datagram %q twice", s)
			}
			if want[s] == 0 {
				left--
			}
		case <-deadline:
			var missing []string
			for s, n := range want {
				if n > 0 {
					missing = append(missing, s)
				}
			}
			t.Fatalf("not delivered within 5 s: %d datagrams, e.g. %q", len(missing), missing[0])
		}
	}
}

// TestEveryDatagramArrives sends single datagrams, bursts shorter and
// longer than the batch, and datagrams from several sources, with and
// without pauses, to a handler that is quick or slow (datagrams then come
// while it runs): each must come out without waiting for a later one (a
// wait begun wrongly would hold a datagram until the next arrives, and
// the last one for ever).
func TestEveryDatagramArrives(t *testing.T) {
	for _, n := range []int{1, 2, 8} {
		for _, slow := range []time.Duration{0, 2 * time.Millisecond} {
			t.Run(fmt.Sprintf("batch=%d/handler=%v", n, slow), func(t *testing.T) {
				c := listen(t, "udp4", "127.0.0.1")
				r, err := NewReader(c, n)
				if err != nil {
					t.Fatal(err)
				}
				ch, _ := serve(t, r, slow)
				var senders []*net.UDPConn
				for range 3 {
					s, err := net.DialUDP("udp4", nil, c.LocalAddr().(*net.UDPAddr))
					if err != nil {
						t.Fatal(err)
					}
					defer s.Close()
					senders = append(senders, s)
				}
				seq := 0
				for round, burst := range []int{1, 1, 2, 3, n - 1, n, n + 1, 2*n + 3, 1, 40, 1, 1, 1} {
					want := map[string]int{}
					for i := range burst {
						s := senders[(round+i)%len(senders)]
						p := fmt.Sprintf("r%d-%d", round, seq)
						seq++
						if _, err := s.Write([]byte(p)); err != nil {
							t.Fatal(err)
						}
						want[s.LocalAddr().String()+"|"+p] = 1
						if i%3 == 1 {
							time.Sleep(time.Duration(i%4) * time.Millisecond)
						}
					}
					expect(t, ch, want)
					if round%2 == 0 {
						time.Sleep(3 * time.Millisecond) // the reader waits between rounds
					}
				}
				c.Close()
				for range ch {
				}
			})
		}
	}
}

// TestOneAtATime: each datagram is sent only once the one before came out
// of the handler, the pattern of one RTP packet per 20 ms; the reader
// never sees a second datagram that would wake it for the first.
func TestOneAtATime(t *testing.T) {
	ch, s := served(t, listen(t, "udp4", "127.0.0.1"), 4)
	for i := range 300 {
		p := fmt.Sprint(i)
		if _, err := s.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		expect(t, ch, map[string]int{s.LocalAddr().String() + "|" + p: 1})
	}
}

// TestLongDatagram: a datagram longer than a slot comes out cut to
// MaxSize, as net.UDPConn's read into a MaxSize buffer cuts it.
func TestLongDatagram(t *testing.T) {
	ch, s := served(t, listen(t, "udp4", "127.0.0.1"), 4)
	long := bytes.Repeat([]byte{7}, MaxSize+100)
	if _, err := s.Write(long); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("next")); err != nil {
		t.Fatal(err)
	}
	from := s.LocalAddr().String() + "|"
	expect(t, ch, map[string]int{from + string(long[:MaxSize]): 1, from + "next": 1})
}

// TestIPv6Source: the source of an IPv6 datagram.
func TestIPv6Source(t *testing.T) {
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	}
	defer c.Close()
	ch, s := served(t, c, 4)
	if _, err := s.Write([]byte("six")); err != nil {
		t.Fatal(err)
	}
	want := netip.MustParseAddrPort(s.LocalAddr().String())
	expect(t, ch, map[string]int{want.String() + "|six": 1})
}

// TestMappedSourceUnmapped: an IPv4 sender to a dual-stack socket is
// reported as the IPv4 address, as the callers key their maps by it.
func TestMappedSourceUnmapped(t *testing.T) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.LocalAddr().(*net.UDPAddr).IP.To4() != nil {
		t.Skip("the wildcard socket is IPv4-only here")
	}
	r, err := NewReader(c, 2)
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := serve(t, r, 0)
	s, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: c.LocalAddr().(*net.UDPAddr).Port})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	expect(t, ch, map[string]int{s.LocalAddr().String() + "|x": 1})
}

// TestDeadlineAndClose: a read deadline and Close end a waiting Serve,
// also the wait that follows a read which emptied the socket, and Serve
// goes on after a timeout.
func TestDeadlineAndClose(t *testing.T) {
	c := listen(t, "udp4", "127.0.0.1")
	r, err := NewReader(c, 4)
	if err != nil {
		t.Fatal(err)
	}
	s, err := net.DialUDP("udp4", nil, c.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := make(chan string, 10)
	h := func(ds []Datagram) {
		for _, d := range ds {
			got <- string(d.B)
		}
	}
	if err := c.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := r.Serve(h); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("past the deadline: %v, want a timeout", err)
	}
	if s := <-got; s != "a" {
		t.Fatalf("got %q before the deadline", s)
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Serve(h) }()
	if _, err := s.Write([]byte("b")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "b" {
			t.Fatalf("got %q after the timeout", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing read after a timeout")
	}
	time.Sleep(20 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end a waiting Serve")
	}
}

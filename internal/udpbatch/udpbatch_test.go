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

// collector reads r on its own goroutine and hands every datagram over as
// "from|payload".
func collector(t *testing.T, r *Reader) <-chan string {
	ch := make(chan string, 4096)
	go func() {
		defer close(ch)
		for {
			ds, err := r.Read()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("read: %v", err)
				}
				return
			}
			if len(ds) == 0 {
				t.Error("Read returned no datagram and no error")
			}
			for _, d := range ds {
				ch <- d.From.String() + "|" + string(d.B)
			}
		}
	}()
	return ch
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
// longer than the batch, and datagrams from several sources with pauses
// between them: each must come out of Read without waiting for a later one
// (a wait skipped wrongly would hold a datagram until the next arrives).
func TestEveryDatagramArrives(t *testing.T) {
	for _, n := range []int{1, 2, 8} {
		t.Run(fmt.Sprint("batch=", n), func(t *testing.T) {
			c := listen(t, "udp4", "127.0.0.1")
			r, err := NewReader(c, n)
			if err != nil {
				t.Fatal(err)
			}
			ch := collector(t, r)
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
			for round, burst := range []int{1, 1, 2, 3, n - 1, n, n + 1, 2*n + 3, 1, 40, 1} {
				want := map[string]int{}
				for i := range burst {
					s := senders[(round+i)%len(senders)]
					p := fmt.Sprintf("r%d-%d", round, seq)
					seq++
					if _, err := s.Write([]byte(p)); err != nil {
						t.Fatal(err)
					}
					want[s.LocalAddr().String()+"|"+p] = 1
				}
				expect(t, ch, want)
				if round%2 == 0 {
					time.Sleep(3 * time.Millisecond) // the reader parks between rounds
				}
			}
			c.Close()
			for range ch {
			}
		})
	}
}

// TestLongDatagram: a datagram longer than a slot comes back cut to
// MaxSize, as net.UDPConn's read into a MaxSize buffer cuts it.
func TestLongDatagram(t *testing.T) {
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
	long := bytes.Repeat([]byte{7}, MaxSize+100)
	if _, err := s.Write(long); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("next")); err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	for len(got) < 2 {
		ds, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			got = append(got, append([]byte(nil), d.B...))
		}
	}
	if len(got[0]) != MaxSize || string(got[1]) != "next" {
		t.Errorf("read %d bytes then %q, want %d then \"next\"", len(got[0]), got[1], MaxSize)
	}
}

// TestIPv6Source: the source of an IPv6 datagram.
func TestIPv6Source(t *testing.T) {
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	}
	defer c.Close()
	r, err := NewReader(c, 4)
	if err != nil {
		t.Fatal(err)
	}
	s, err := net.DialUDP("udp6", nil, c.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Write([]byte("six")); err != nil {
		t.Fatal(err)
	}
	ds, err := r.Read()
	if err != nil || len(ds) != 1 {
		t.Fatalf("read %d datagrams, %v", len(ds), err)
	}
	if want := netip.MustParseAddrPort(s.LocalAddr().String()); ds[0].From != want || string(ds[0].B) != "six" {
		t.Errorf("%q from %v, want \"six\" from %v", ds[0].B, ds[0].From, want)
	}
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
	s, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: c.LocalAddr().(*net.UDPAddr).Port})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	ds, err := r.Read()
	if err != nil || len(ds) != 1 {
		t.Fatalf("read %d datagrams, %v", len(ds), err)
	}
	if !ds[0].From.Addr().Is4() || ds[0].From.String() != s.LocalAddr().String() {
		t.Errorf("from %v, want %v", ds[0].From, s.LocalAddr())
	}
}

// TestDeadlineAndClose: a read deadline and Close end a waiting Read, also
// the wait that follows a read which emptied the socket.
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
	if _, err := s.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if ds, err := r.Read(); err != nil || len(ds) != 1 {
		t.Fatalf("read %d, %v", len(ds), err)
	}
	if err := c.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("past the deadline: %v, want a timeout", err)
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := r.Read(); done <- err }()
	time.Sleep(20 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end a waiting Read")
	}
}

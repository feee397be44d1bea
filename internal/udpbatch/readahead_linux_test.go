//go:build linux

package udpbatch

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestReadAheadReadsTheSlotsSocketsAtHold(t *testing.T) {
	b := NewBatch(true)
	defer b.Close()
	if b.ra == nil {
		t.Skip("this kernel refuses io_uring: no read-ahead, sockets are read as before")
	}
	// The test's clock: real time moved to the start (+0.2 ms) of a 2 ms
	// slot, and on by whole periods, so Read and Hold meet in one slot
	// whatever the real time.
	var shift time.Duration
	b.ra.now = func() time.Time { return time.Now().Add(shift) }
	var slot0 int64 // the first slot's number
	atSlot := func(periods int) {
		n := time.Now().UnixNano()
		step := int64(readAheadSlot)
		if periods == 0 {
			slot0 = n/step + 1
		} else {
			slot0 += int64(periods * readAheadSlots)
		}
		shift = time.Duration(slot0*step + int64(200*time.Microsecond) - n)
	}
	c := listen(t, "udp4", "127.0.0.1")
	s, err := b.Socket(c)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := s.EnableReadAhead(func(p []byte, _ netip.AddrPort, _ time.Time) {
		got = append(got, string(p))
	}); err != nil {
		t.Fatal(err)
	}
	tx := listen(t, "udp4", "127.0.0.1")
	to := netip.MustParseAddrPort(c.LocalAddr().String())
	send := func(ps ...string) {
		for _, p := range ps {
			if _, err := tx.WriteToUDPAddrPort([]byte(p), to); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(2 * time.Millisecond) // queued at the socket
	}
	check := func(step string, want string, ahead, self uint64) {
		t.Helper()
		a, sf := b.ReadAheadStats()
		if strings.Join(got, "") != want || a != ahead || sf != self {
			t.Fatalf("%s: got %q, %d read ahead, %d read by Read; want %q, %d, %d", step, got, a, sf, want, ahead, self)
		}
	}
	// Each step sends first, then moves the clock: send waits 2 ms for the
	// datagrams to be queued, a whole slot.
	send("a", "b")
	atSlot(0)
	s.Read() // the slot's first Read: reads ahead for the slot, this socket now in it
	check("first Read", "ab", 2, 0)

	send("c")
	atSlot(1)
	b.Hold()
	check("Hold in the Read's slot a period on", "abc", 3, 0)
	b.Release()
	s.Read() // just read ahead: nothing to do
	check("Read after the read-ahead", "abc", 3, 0)

	send("d", "e", "f")
	atSlot(1)
	b.Hold() // two read ahead, the third read at once after them
	b.Hold() // a second hold in the slot reads nothing more
	check("a burst", "abcdef", 5, 1)
	b.Release()
	b.Release()

	// Moved to the next slot (its room ticks later now): that slot was
	// read ahead already, without it, so the Read reads it itself.
	atSlot(1)
	b.Hold() // its old slot, read ahead (nothing there)
	b.Release()
	send("x")
	slot0++
	shift = time.Duration(slot0*int64(readAheadSlot) + int64(time.Millisecond) - time.Now().UnixNano())
	b.Hold() // the next slot, read ahead without the socket
	b.Release()
	s.Read()
	check("Read in another slot", "abcdefx", 5, 2)

	send("g")
	atSlot(1) // the socket's new slot
	s.Detach()
	b.Hold()
	b.Release()
	s.Read()
	check("after Detach", "abcdefx", 5, 2)
}

// TestReadAheadTimestamps: a datagram carries the time the kernel queued
// it, not the time it was read.
func TestReadAheadTimestamps(t *testing.T) {
	b := NewBatch(true)
	defer b.Close()
	if b.ra == nil {
		t.Skip("this kernel refuses io_uring: no read-ahead")
	}
	c := listen(t, "udp4", "127.0.0.1")
	s, err := b.Socket(c)
	if err != nil {
		t.Fatal(err)
	}
	var at time.Time
	if err := s.EnableReadAhead(func(_ []byte, _ netip.AddrPort, a time.Time) { at = a }); err != nil {
		t.Fatal(err)
	}
	tx, err := net.DialUDP("udp4", nil, c.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	// Linux turns receive timestamps on for the whole system a little
	// after the first socket asks (a deferred static key); until then it
	// stamps a datagram when it is read. A first datagram waits that out.
	if _, err := tx.Write([]byte("w")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	s.Read()
	sent := time.Now()
	if _, err := tx.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	s.Read()
	if at.IsZero() {
		t.Fatal("nothing read")
	}
	if d := at.Sub(sent); d < -time.Millisecond || d > 10*time.Millisecond {
		t.Fatalf("arrival %v after the send (read 30 ms later): not the kernel's time", d)
	}
}

func TestReadAheadNeedsIOUring(t *testing.T) {
	b := NewBatch(false)
	s, err := b.Socket(listen(t, "udp4", "127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnableReadAhead(func([]byte, netip.AddrPort, time.Time) {}); err != ErrNoReadAhead {
		t.Fatalf("read-ahead without io_uring: %v", err)
	}
}

// TestReadAheadBurstsOnTwoSockets: two sockets each with more than two
// datagrams in one read-ahead: each gets all of its own, in order.
func TestReadAheadBurstsOnTwoSockets(t *testing.T) {
	b := NewBatch(true)
	defer b.Close()
	if b.ra == nil {
		t.Skip("this kernel refuses io_uring: no read-ahead")
	}
	var shift time.Duration
	b.ra.now = func() time.Time { return time.Now().Add(shift) }
	step := int64(readAheadSlot)
	n := time.Now().UnixNano()
	slot := n/step + 1
	shift = time.Duration(slot*step + int64(200*time.Microsecond) - n)
	tx := listen(t, "udp4", "127.0.0.1")
	got := map[int]string{}
	var socks []*BatchSocket
	var addrs []netip.AddrPort
	for k := range 3 {
		c := listen(t, "udp4", "127.0.0.1")
		s, err := b.Socket(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.EnableReadAhead(func(p []byte, _ netip.AddrPort, _ time.Time) { got[k] += string(p) }); err != nil {
			t.Fatal(err)
		}
		s.Read() // placed in the slot
		socks, addrs = append(socks, s), append(addrs, netip.MustParseAddrPort(c.LocalAddr().String()))
	}
	counts := []int{6, 3, 4} // the first socket's rest, read after, takes the next socket's slots
	for k, a := range addrs {
		for i := range counts[k] {
			if _, err := tx.WriteToUDPAddrPort([]byte{byte('a' + 8*k + i)}, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	time.Sleep(2 * time.Millisecond)
	n = time.Now().UnixNano()
	shift = time.Duration((slot+int64(readAheadSlots))*step + int64(200*time.Microsecond) - n)
	b.Hold()
	b.Release()
	want := map[int]string{0: "abcdef", 1: "ijk", 2: "qrst"}
	for k := range socks {
		if got[k] != want[k] {
			t.Fatalf("socket %d got %q, want %q (all: %v)", k, got[k], want[k], got)
		}
	}
}

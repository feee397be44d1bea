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
	var ats []time.Time
	if err := s.EnableReadAhead(func(p []byte, _ netip.AddrPort, at time.Time) {
		got = append(got, string(p))
		ats = append(ats, at)
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
	atSlot(0)
	send("a", "b")
	s.Read() // first Read: not placed yet, reads itself
	check("first Read", "ab", 0, 2)

	atSlot(1)
	send("c")
	b.Hold()
	check("Hold in the Read's slot a period on", "abc", 1, 2)
	b.Release()
	s.Read() // just read ahead: nothing to do
	check("Read after the read-ahead", "abc", 1, 2)

	atSlot(1)
	send("d", "e", "f")
	b.Hold() // two read ahead, the third read at once after them
	b.Hold() // a second hold in the slot reads nothing more
	check("a burst", "abcdef", 3, 3)
	b.Release()
	b.Release()

	atSlot(1)
	send("g")
	s.Detach()
	b.Hold()
	b.Release()
	s.Read()
	check("after Detach", "abcdef", 3, 3)
	for i := 1; i < len(ats); i++ {
		if ats[i].Before(ats[i-1]) {
			t.Fatalf("arrival %d before %d: %v", i, i-1, ats)
		}
	}
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

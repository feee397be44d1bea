package trunk

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/meet-dev/meet/internal/udpbatch"
)

// TestRTPSendsThroughTheSendBatch: with WithSendBatch a leg's RTP waits
// while the batch is held and leaves from the leg's own port on release;
// a leg closed while its packet waits sends nothing.
func TestRTPSendsThroughTheSendBatch(t *testing.T) {
	batch := udpbatch.NewBatch(true)
	defer batch.Close()
	s := startServer(t, newFakeHandler(), WithSendBatch(batch))
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	peerAddr := netip.MustParseAddrPort(peer.LocalAddr().String())
	read := func(within time.Duration) (netip.AddrPort, []byte, bool) {
		buf := make([]byte, 1500)
		_ = peer.SetReadDeadline(time.Now().Add(within))
		n, from, err := peer.ReadFromUDPAddrPort(buf)
		if err != nil {
			return netip.AddrPort{}, nil, false
		}
		return from, buf[:n], true
	}
	leg, err := s.NewRTPLeg(nil)
	if err != nil {
		t.Fatal(err)
	}
	leg.Connect(peerAddr)
	frame := make([]int16, frameSamples)
	for i := range frame {
		frame[i] = int16(i * 100)
	}
	batch.Hold()
	if err := leg.WriteFrame(frame); err != nil {
		t.Fatal(err)
	}
	if batch.Uring() {
		if _, _, ok := read(50 * time.Millisecond); ok {
			t.Fatal("a packet left while the batch was held")
		}
	} else {
		t.Log("this kernel refuses io_uring: the batch sends at once")
	}
	batch.Release()
	from, pkt, ok := read(5 * time.Second)
	if !ok {
		t.Fatal("the held packet never left")
	}
	if from.Port() != leg.LocalAddr().Port() {
		t.Fatalf("sent from port %d, the leg's is %d", from.Port(), leg.LocalAddr().Port())
	}
	if len(pkt) != 12+frameSamples || pkt[0] != 0x80 || pkt[1]&0x7f != 0 {
		t.Fatalf("not a PCMU RTP packet: % x", pkt[:12])
	}
	// Closed while its packet waits: the packet is dropped, never sent
	// from a descriptor number that may already be another socket's.
	batch.Hold()
	if err := leg.WriteFrame(frame); err != nil {
		t.Fatal(err)
	}
	leg.Close()
	batch.Release()
	if _, _, ok := read(100 * time.Millisecond); ok {
		t.Fatal("a closed leg's queued packet was sent")
	}
	if n := batch.Lost(); n != 0 {
		t.Fatalf("%d datagrams lost", n)
	}
}

// TestRTPReadAheadWhileTicked: a leg whose batch reads ahead is read by its
// own goroutine until a tick reads its frames, then by the batch at the
// tick, and by its goroutine again once the ticks stop.
func TestRTPReadAheadWhileTicked(t *testing.T) {
	batch := udpbatch.NewBatch(true)
	defer batch.Close()
	s := startServer(t, newFakeHandler(), WithSendBatch(batch))
	s.cfg.rtcpInterval = 100 * time.Millisecond // the monitor wakes every 50 ms
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	leg, err := s.NewRTPLeg(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	if !leg.s.ahead {
		t.Skip("this kernel refuses io_uring: no read-ahead, the leg's goroutine reads as before")
	}
	leg.Connect(netip.MustParseAddrPort(peer.LocalAddr().String()))
	to := net.UDPAddrFromAddrPort(leg.LocalAddr())
	seq := uint16(100)
	send := func(n int) {
		for range n {
			pkt := make([]byte, 12+frameSamples)
			pkt[0], pkt[1] = 0x80, 0
			putU16(pkt[2:], seq)
			putU32(pkt[4:], uint32(seq)*frameSamples)
			putU32(pkt[8:], 0x1234)
			for i := range frameSamples {
				pkt[12+i] = 0x20 // a loud μ-law value
			}
			seq++
			if _, err := peer.WriteToUDP(pkt, to); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitDepth := func(want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for leg.s.depth() < want {
			if time.Now().After(deadline) {
				t.Fatalf("jitter buffer depth %d, want %d: nobody read the socket", leg.s.depth(), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	running := func() bool {
		leg.s.tick.mu.Lock()
		defer leg.s.tick.mu.Unlock()
		return leg.s.tick.running
	}
	// Not ticked: the goroutine reads.
	send(3)
	waitDepth(3)
	// Ticked: the first ReadFrame stops the goroutine.
	frame := make([]int16, frameSamples)
	leg.ReadFrame(frame)
	deadline := time.Now().Add(5 * time.Second)
	for running() {
		if time.Now().After(deadline) {
			t.Fatal("the reader goroutine kept running under ticks")
		}
		leg.ReadFrame(frame)
		time.Sleep(5 * time.Millisecond)
	}
	ahead0, self0 := batch.ReadAheadStats()
	send(4)
	time.Sleep(20 * time.Millisecond)
	if d := leg.s.depth(); d > 3 {
		t.Fatalf("depth %d before the tick: the goroutine still reads", d)
	}
	heard := false
	for range 10 {
		if leg.ReadFrame(frame) && frame[0] != 0 {
			heard = true
		}
	}
	// No Hold here: the first ReadFrame of each 2 ms slot reads ahead for
	// the slot, or ReadFrame reads its socket itself.
	if ahead, self := batch.ReadAheadStats(); ahead+self < ahead0+self0+4 || !heard {
		t.Fatalf("the batch read %d datagrams for ReadFrame (want 4), audio heard: %v", ahead+self-ahead0-self0, heard)
	}
	// The ticks stop: the goroutine reads again.
	deadline = time.Now().Add(5 * time.Second)
	for !running() {
		if time.Now().After(deadline) {
			t.Fatal("the reader goroutine did not come back once the ticks stopped")
		}
		time.Sleep(10 * time.Millisecond)
	}
	before := leg.s.depth()
	send(2)
	waitDepth(before + 2)
}

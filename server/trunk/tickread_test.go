package trunk

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/meet-dev/meet/internal/udpbatch"
)

// tickedSession is a session on a fresh socket with telephone-event 101,
// started, and a phone socket sending to it.
func tickedSession(t *testing.T, onDTMF func(rune)) (*rtpSession, *rtpSender) {
	t.Helper()
	conn, err := udpbatch.ListenPolled(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	s := newRTPSession(conn, nil, sessionConfig{log: testLogger(), jbPrime: 2, jbMax: 10, onDTMF: onDTMF})
	phone, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.close(); phone.Close() })
	s.start(mediaParams{Codec: codecPCMU, DTMFPT: 101, RTCPMux: true, Remote: phone.LocalAddr().(*net.UDPAddr).AddrPort()}, dirSendRecv)
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: s.localPort()}
	return s, &rtpSender{conn: phone, to: to}
}

// sendKey sends one RFC 4733 event: a start packet and three end packets
// on one timestamp.
func (r *rtpSender) sendKey(event byte) {
	for i := range 4 {
		flags := byte(10) // volume
		if i > 0 {
			flags |= 0x80 // end
		}
		r.send([]byte{event, flags, 0, 160}, 101, i == 0, 0)
	}
	r.ts += 160
}

// The room's tick reads the socket and never runs a key's handler: a key
// whose handler is slow (meetd's writes the call's record) must not hold
// up the tick, and keys reach the handler in order.
func TestTickReadsSocketAndKeysLeaveTheTick(t *testing.T) {
	release := make(chan struct{})
	got := make(chan rune, 8)
	s, phone := tickedSession(t, func(d rune) { <-release; got <- d })
	released := false
	t.Cleanup(func() { // before the session closes (cleanups run last first)
		if !released {
			close(release)
		}
	})
	frame := make([]int16, frameSamples)
	played := false
	for i := range 40 {
		if i < 10 || i >= 14 {
			phone.sendPCM(tone(1000, i*frameSamples, frameSamples))
		} else if i == 10 {
			phone.sendKey(1)
			phone.sendKey(2)
		}
		time.Sleep(5 * time.Millisecond) // the packet arrives before the tick
		tick := make(chan bool, 1)
		go func() { tick <- s.ReadFrame(frame) && hasTone(frame, 1000) }()
		select {
		case ok := <-tick:
			played = played || ok
		case <-time.After(time.Second):
			t.Fatalf("tick %d waited for the key handler", i)
		}
		time.Sleep(15 * time.Millisecond)
	}
	if !played {
		t.Fatal("no frame of the phone's tone came out of ReadFrame")
	}
	close(release)
	released = true
	for _, want := range []rune{'1', '2'} {
		select {
		case d := <-got:
			if d != want {
				t.Fatalf("key %q, want %q", d, want)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("key %q never reached the handler", want)
		}
	}
}

// While no room reads the call, the monitor reads its socket: symmetric
// latching, keys and the RTP timeout's clock go on.
func TestUntickedSessionStillReadsItsSocket(t *testing.T) {
	got := make(chan rune, 8)
	s, phone := tickedSession(t, func(d rune) { got <- d })
	phone.sendPCM(tone(1000, 0, frameSamples))
	phone.sendKey(5)
	select {
	case d := <-got:
		if d != '5' {
			t.Fatalf("key %q, want 5", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a key sent while no room ticks was never read")
	}
	s.mu.Lock()
	latched, last := s.latched, s.lastRTP
	s.mu.Unlock()
	if !latched || last.IsZero() {
		t.Fatalf("latched %v, last RTP %v: the socket was not read", latched, last)
	}
}

// A room that stops reading hands the socket back to the monitor, and a
// flood is read at most pollMax datagrams a tick.
func TestTickReadIsBounded(t *testing.T) {
	s, phone := tickedSession(t, nil)
	frame := make([]int16, frameSamples)
	s.ReadFrame(frame) // the room reads: the monitor leaves the socket alone
	for i := range 3 * pollMax {
		phone.sendPCM(tone(1000, i*frameSamples, frameSamples))
	}
	time.Sleep(20 * time.Millisecond)
	s.mu.Lock()
	s.ticked = time.Now() // keep the monitor off while counting
	before := s.rx.seq.Received()
	s.pollLocked()
	after := s.rx.seq.Received()
	s.mu.Unlock()
	if n := after - before; n != pollMax {
		t.Fatalf("one read took %d datagrams, want the bound %d", n, pollMax)
	}
	// Left alone, the monitor reads the rest.
	deadline := time.Now().Add(2 * time.Second)
	for {
		s.mu.Lock()
		n := s.rx.seq.Received()
		s.mu.Unlock()
		if n == uint64(3*pollMax) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the monitor read %d of %d datagrams", n, 3*pollMax)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A socket quiet for quietAfter reads is read every quietEvery-th tick
// until a datagram comes; then every tick again.
func TestQuietSocketIsReadLessOften(t *testing.T) {
	s, phone := tickedSession(t, nil)
	frame := make([]int16, frameSamples)
	received := func() uint64 {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.rx.seq.Received()
	}
	s.ReadFrame(frame)
	time.Sleep(10 * time.Millisecond) // the monitor's first read, at start, is done
	s.mu.Lock()
	s.empty, s.skipped = 0, 0 // from here, only the ticks read
	s.mu.Unlock()
	for range quietAfter {
		s.ReadFrame(frame)
	}
	phone.sendPCM(tone(1000, 0, frameSamples))
	time.Sleep(20 * time.Millisecond)
	for i := 1; i < quietEvery; i++ {
		s.ReadFrame(frame)
		if received() != 0 {
			t.Fatalf("a quiet socket was read at the %d. tick after it went quiet", i)
		}
	}
	s.ReadFrame(frame)
	if received() != 1 {
		t.Fatalf("the %d. tick did not read the quiet socket", quietEvery)
	}
	for i := range 3 {
		phone.sendPCM(tone(1000, (i+1)*frameSamples, frameSamples))
		time.Sleep(5 * time.Millisecond)
		s.ReadFrame(frame)
		if got := received(); got != uint64(i+2) {
			t.Fatalf("after a datagram came, tick %d left the socket unread (%d received)", i, got)
		}
	}
}

// FuzzRTPDatagram feeds arbitrary datagrams to a session as its tick reads
// them (RTP, RFC 4733 keys, RTCP on the one port): nothing panics, and with
// nobody taking the keys (no monitor runs here) the tick never waits on
// their queue, and drops keys only once the queue is full.
func FuzzRTPDatagram(f *testing.F) {
	f.Add([]byte{0x80, 0x00, 0, 1, 0, 0, 0, 160, 0, 0, 0x12, 0x34, 0xff, 0xff})
	f.Add([]byte{0x80, 101, 0, 2, 0, 0, 1, 64, 0, 0, 0x12, 0x34, 1, 0x8a, 0, 160})
	f.Add([]byte{0x81, 200, 0, 6, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x80, 0x00, 0, 1})
	conn, err := udpbatch.ListenPolled(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		f.Fatal(err)
	}
	s := newRTPSession(conn, nil, sessionConfig{log: testLogger(), jbPrime: 2, jbMax: 10})
	s.applyLocked(mediaParams{Codec: codecPCMU, DTMFPT: 101, RTCPMux: true}, dirSendRecv)
	defer s.close()
	from := netip.MustParseAddrPort("127.0.0.1:4000")
	frame := make([]int16, frameSamples)
	f.Fuzz(func(t *testing.T, b []byte) {
		s.mu.Lock()
		s.packet(udpbatch.Datagram{B: b, From: from}, time.Now())
		s.mu.Unlock()
		s.ReadFrame(frame)
		s.mu.Lock()
		lost := s.keysLost
		s.mu.Unlock()
		if lost > 0 && len(s.keys) < keyQueue {
			t.Fatalf("%d keys dropped with %d of %d places taken", lost, len(s.keys), keyQueue)
		}
	})
}

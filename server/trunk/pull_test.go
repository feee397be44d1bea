package trunk

import (
	"encoding/binary"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// pullPair is a started session on 127.0.0.1 (PCMU, DTMF as payload type
// 101, RTCP muxed) and a socket that sends it RTP.
func pullPair(t *testing.T, onDTMF func(rune)) (*rtpSession, *net.UDPConn) {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := newRTPSession(conn, nil, sessionConfig{log: testLogger(), jbPrime: 2, jbMax: 10, onDTMF: onDTMF})
	if s.pull == nil && (runtime.GOOS == "linux" && (runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64")) {
		t.Fatal("no pull mode on linux")
	}
	if s.pull == nil {
		t.Skip("pull mode is linux's")
	}
	s.start(mediaParams{Codec: codecPCMU, DTMFPT: 101, RTCPMux: true}, dirSendRecv)
	t.Cleanup(s.close)
	peer, err := net.DialUDP("udp4", nil, conn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = peer.Close() })
	return s, peer
}

// rtpPacket is one RTP packet of payload type pt.
func rtpPacket(pt byte, seq uint16, ts uint32, payload []byte) []byte {
	b := make([]byte, 12+len(payload))
	b[0], b[1] = 0x80, pt
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], 0x1234)
	copy(b[12:], payload)
	return b
}

// ticking calls ReadFrame every 5 ms for 100 ms: the monitor sees a tick
// pull and stops reading the socket itself.
func ticking(s *rtpSession) {
	frame := make([]int16, frameSamples)
	for range 20 {
		s.ReadFrame(frame)
		time.Sleep(5 * time.Millisecond)
	}
}

func lastRTP(s *rtpSession) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastRTP
}

// TestPullReadsInTheTickWithArrivalTimes: while a room's tick pulls, no
// goroutine reads the RTP socket (a packet waits there until ReadFrame),
// and what ReadFrame takes keeps the time it arrived, not the time it was
// read: the jitter buffer's playout and the RTCP jitter depend on it.
func TestPullReadsInTheTickWithArrivalTimes(t *testing.T) {
	s, peer := pullPair(t, nil)
	ticking(s)
	frame := make([]int16, frameSamples)
	for seq := uint16(1); ; seq++ {
		s.ReadFrame(frame)
		pulled, before := time.Now(), lastRTP(s)
		sent := time.Now()
		if _, err := peer.Write(rtpPacket(0, seq, 160*uint32(seq), make([]byte, frameSamples))); err != nil {
			t.Fatal(err)
		}
		wrote := time.Now() // loopback delivers within the send
		time.Sleep(15 * time.Millisecond)
		if got := lastRTP(s); !got.Equal(before) {
			if time.Since(pulled) > 2*framePeriod && seq < 5 {
				continue // this test stalled past the monitor's fallback: it rightly read the socket
			}
			t.Fatalf("the packet was read %v after it was sent, before the next tick: a goroutine reads the socket", got.Sub(sent))
		}
		read := time.Now()
		s.ReadFrame(frame)
		got := lastRTP(s)
		if got.Equal(before) {
			t.Fatal("ReadFrame did not read the queued packet")
		}
		if got.Before(sent.Add(-time.Millisecond)) || got.After(wrote.Add(time.Millisecond)) {
			t.Fatalf("arrival %v after sending began, %v after it ended (read %v after): want the kernel's receive time",
				got.Sub(sent), got.Sub(wrote), read.Sub(sent))
		}
		return
	}
}

// TestPullWithoutTicks: before a room ticks (or once it stops), the
// session's monitor reads the socket every frame period itself.
func TestPullWithoutTicks(t *testing.T) {
	s, peer := pullPair(t, nil)
	if _, err := peer.Write(rtpPacket(0, 1, 160, make([]byte, frameSamples))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for lastRTP(s).IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("nothing read the packet while no tick pulls")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPullDTMFOutsideTheTick: digits read inside the room's tick reach
// the handler on another goroutine, so a handler that needs the room (held
// by the tick) does not deadlock it.
func TestPullDTMFOutsideTheTick(t *testing.T) {
	var room sync.Mutex
	got := make(chan rune, 4)
	s, peer := pullPair(t, func(d rune) {
		room.Lock()
		room.Unlock()
		got <- d
	})
	ticking(s)
	for i := range 3 { // RFC 4733: the end packet three times
		end := []byte{5, 0x80 | 10, 0x03, 0x20} // event 5, end, volume 10, 800 samples
		if _, err := peer.Write(rtpPacket(101, uint16(i+1), 8000, end)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(5 * time.Millisecond)
	room.Lock()
	done := make(chan struct{})
	go func() {
		s.ReadFrame(make([]int16, frameSamples))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the tick's ReadFrame waited for the DTMF handler")
	}
	room.Unlock()
	select {
	case d := <-got:
		if d != '5' {
			t.Fatalf("digit %q, want '5'", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no digit")
	}
}

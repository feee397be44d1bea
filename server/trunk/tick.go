package trunk

import (
	"net/netip"
	"sync"
	"time"
)

// A session whose send batch reads ahead (udpbatch) has two readers of its
// RTP socket, one at a time: its own goroutine (readLoop), while nothing
// reads its frames (ringing, guidance that plays without listening, a room
// gone), and, while a room's tick calls ReadFrame, the batch: ReadFrame
// stops the goroutine (a read deadline in the past wakes it) and has the
// batch hand over what came, read ahead for the slot of the tick or read
// then. When ReadFrame has not come for tickIdle, the monitor starts the
// goroutine again (within its period, 1 s at most): until then packets wait
// in the socket's buffer and DTMF is that late.
const tickIdle = 200 * time.Millisecond

type tickState struct {
	mu       sync.Mutex
	on       bool      // ReadFrame reads the socket
	running  bool      // readLoop runs on the RTP socket
	lastRead time.Time // the last ReadFrame
}

// enterTick is ReadFrame's: the goroutine stops reading.
func (s *rtpSession) enterTick() {
	now := time.Now()
	s.tick.mu.Lock()
	defer s.tick.mu.Unlock()
	s.tick.lastRead = now
	if !s.tick.on {
		s.tick.on = true
		_ = s.conn.SetReadDeadline(time.Unix(1, 0)) // wakes readLoop
	}
}

// readerStops is readLoop's, after a read returned an error: true when it
// is to end because ReadFrame reads the socket.
func (s *rtpSession) readerStops() bool {
	s.tick.mu.Lock()
	defer s.tick.mu.Unlock()
	if s.tick.on {
		s.tick.running = false
		return true
	}
	return false
}

// leaveTickIfIdle is the monitor's: the goroutine reads again once
// ReadFrame has not come for tickIdle.
func (s *rtpSession) leaveTickIfIdle(now time.Time) {
	s.tick.mu.Lock()
	if !s.tick.on || now.Sub(s.tick.lastRead) < tickIdle {
		s.tick.mu.Unlock()
		return
	}
	select {
	case <-s.done:
		s.tick.mu.Unlock()
		return
	default:
	}
	s.tick.on = false
	_ = s.conn.SetReadDeadline(time.Time{})
	if !s.tick.running {
		s.tick.running = true
		s.wg.Add(1) // the monitor's own count keeps the group above zero
		go s.readLoop(s.conn)
	}
	s.tick.mu.Unlock()
	s.flushDigits()
}

// receiveAhead takes a datagram the batch read for the session.
func (s *rtpSession) receiveAhead(b []byte, from netip.AddrPort, at time.Time) {
	if isRTCP(b) {
		s.handleRTCP(b, from)
		return
	}
	s.handleRTP(b, from, at, true)
}

// flushDigits hands on the DTMF digits read ahead.
func (s *rtpSession) flushDigits() {
	s.mu.Lock()
	if len(s.digits) == 0 {
		s.mu.Unlock()
		return
	}
	digits := s.digits
	s.digits = nil
	s.mu.Unlock()
	if s.onDTMF != nil {
		for _, d := range digits {
			s.onDTMF(d)
		}
	}
}

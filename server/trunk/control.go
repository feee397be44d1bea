package trunk

import (
	"time"
)

// The lifecycle drives calls through these methods (server/calls.Trunk).

const (
	actionWait     = 5 * time.Second  // how long Answer/EarlyMedia wait for the SIP side
	pendingTTL     = 10 * time.Second // how long an action for a not-yet-known call is kept
	maxPendingIDs  = 1024
	maxPendingEach = 4
)

// endedTTL is how long the IDs of ended calls are kept (see hasEnded).
// Late actions come from the lifecycle acting on a call while the trunk
// ends it; it hears of the end at once, so they come within actionWait or
// pendingTTL of it. An action later than this waits actionWait and then
// fails with ErrCallEnded all the same. It was 5 min: at 1,000 calls/s the
// list's 65,536 bound cut that to 65 s anyway, and its heap grew for all
// of that (~88 bytes an entry).
const endedTTL = 30 * time.Second

// EarlyMedia sends 183 Session Progress with our SDP answer, so guidance
// can play before the call is answered. It is a no-op once answered.
func (s *Server) EarlyMedia(callID int64) error {
	return s.act(callID, actEarly)
}

// Answer sends 200 OK with our SDP answer to the inbound INVITE.
func (s *Server) Answer(callID int64) error {
	return s.act(callID, actAnswer)
}

func (s *Server) act(callID int64, kind actionKind) error {
	if s.closed.Load() {
		return ErrClosed
	}
	a := pendingAction{kind: kind, done: make(chan error, 1), at: time.Now()}
	c := s.lookup(callID)
	if c == nil && s.hasEnded(callID) {
		return ErrCallEnded
	}
	if c == nil {
		// Inbound may not have returned this ID to us yet.
		if !s.queuePending(callID, a) {
			return ErrUnknownCall
		}
	} else {
		if c.outbound {
			return ErrWrongState
		}
		c.mu.Lock()
		st, ended := c.state, c.ended
		c.mu.Unlock()
		switch {
		case ended:
			return ErrCallEnded
		case st == stateAnswered:
			return nil
		case st == stateEarly && kind == actEarly:
			return nil
		}
		select {
		case c.actions <- a:
		default:
			return ErrWrongState // a flood of actions for one call
		}
	}
	select {
	case err := <-a.done:
		return err
	case <-time.After(actionWait):
		return ErrCallEnded
	}
}

func (s *Server) hasEnded(callID int64) bool {
	return s.ended.has(callID, time.Now())
}

// queuePending keeps an action for an ID that Handler.Inbound may be about
// to return. It refuses when no Inbound call is in progress.
func (s *Server) queuePending(callID int64, a pendingAction) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.calls[callID]; c != nil {
		// Registered meanwhile: hand it over directly.
		select {
		case c.actions <- a:
			return true
		default:
			return false
		}
	}
	if s.inflight == 0 {
		return false
	}
	now := time.Now()
	for id, acts := range s.pending {
		if len(acts) > 0 && now.Sub(acts[0].at) > pendingTTL {
			for _, old := range acts {
				old.reply(ErrUnknownCall)
			}
			delete(s.pending, id)
		}
	}
	if len(s.pending) >= maxPendingIDs || len(s.pending[callID]) >= maxPendingEach {
		return false
	}
	s.pending[callID] = append(s.pending[callID], a)
	return true
}

// deliver carries out an action that arrived before the call was registered.
func (s *Server) deliver(c *call, a pendingAction) {
	if a.kind == actHangup {
		s.hangup(c, a.detail, a.code)
		return
	}
	select {
	case c.actions <- a:
	default:
		a.reply(ErrWrongState)
	}
}

// Hangup ends a call whatever its state: a final response (480, or 486/603/
// 408 when detail says busy/declined/timeout) to an unanswered inbound
// INVITE, CANCEL for an unanswered outbound call, BYE once answered. The
// Handler is not told about an end it asked for.
func (s *Server) Hangup(callID int64, detail string) {
	c := s.lookup(callID)
	if c == nil {
		if !s.hasEnded(callID) {
			s.queuePending(callID, pendingAction{kind: actHangup, detail: detail, at: time.Now()})
		}
		return
	}
	s.hangup(c, detail, 0)
}

func (s *Server) hangup(c *call, detail string, code int) {
	prev, ok := c.end(detail)
	if !ok {
		return
	}
	switch {
	case c.outbound && prev < stateAnswered:
		if c.cancelDial != nil {
			c.cancelDial()
		}
	case prev == stateAnswered:
		s.byeAsync(c)
	default:
		// The INVITE goroutine owns the transaction: it sends the final response.
		a := pendingAction{kind: actHangup, code: code, detail: detail}
		if code == 0 {
			a.code, a.detail = hangupStatus(detail)
		} else {
			_, a.detail = hangupStatus(detail)
			if code == 503 {
				a.detail = "Service Unavailable"
			}
		}
		select {
		case c.actions <- a:
		default:
			go func() {
				select {
				case c.actions <- a:
				case <-c.in.Context().Done():
				case <-time.After(time.Minute):
				}
			}()
		}
	}
}

// mediaTimeout ends a call whose RTP stopped and tells the Handler.
func (s *Server) mediaTimeout(c *call) {
	prev, ok := c.end("rtp timeout")
	if !ok {
		return
	}
	c.log.Warn("rtp timeout", "after", s.cfg.rtpTimeout.String())
	switch {
	case c.outbound && prev < stateAnswered:
		if c.cancelDial != nil {
			c.cancelDial()
		}
	case prev == stateAnswered:
		s.byeAsync(c)
	default:
		select {
		case c.actions <- pendingAction{kind: actHangup, code: 408, detail: "Request Timeout"}:
		default:
		}
	}
	s.safeHandler(func() { s.h.MediaTimeout(c.id) })
}

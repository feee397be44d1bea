package trunk

import (
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/sdp/v3"
)

// callState is where a call's dialog is.
type callState int

const (
	stateSetup    callState = iota // INVITE received or sent, no final answer
	stateEarly                     // 183 with SDP sent: early media flowing
	stateAnswered                  // 200 OK sent or received
	stateEnded
)

func (s callState) String() string {
	switch s {
	case stateSetup:
		return "setup"
	case stateEarly:
		return "early"
	case stateAnswered:
		return "answered"
	case stateEnded:
		return "ended"
	}
	return "unknown"
}

type actionKind int

const (
	actEarly actionKind = iota + 1
	actAnswer
	actHangup
)

// pendingAction is a lifecycle request for an inbound call, carried out by
// the goroutine that owns the INVITE transaction.
type pendingAction struct {
	kind   actionKind
	code   int
	detail string
	done   chan error // buffered; nil when nobody waits
	at     time.Time
}

// call is one SIP dialog and its media.
type call struct {
	s         *Server
	id        int64
	sipCallID string
	outbound  bool
	log       *slog.Logger

	actions chan pendingAction // inbound, before answer

	in   *sipgo.DialogServerSession
	inTx sip.ServerTransaction // in's INVITE server transaction
	out  *sipgo.DialogClientSession

	offer      *sdp.SessionDescription // inbound: the caller's offer
	answer     []byte                  // our SDP (answer inbound, offer outbound)
	params     mediaParams
	sessID     uint64
	sdpVer     uint64
	cancelDial func()

	mu      sync.Mutex
	state   callState
	media   *rtpSession
	mediaOn bool // RTP session started
	ended   bool

	// SIP INFO keys reach the handler in the order they arrived, each after
	// its 200 went out (see onInfo): infoNext is the next arrival's turn,
	// infoDone the turn now due.
	infoMu   sync.Mutex
	infoTurn *sync.Cond
	infoNext uint64
	infoDone uint64
}

func newCall(s *Server, sipCallID string, outbound bool) *call {
	leg := "inbound"
	if outbound {
		leg = "outbound"
	}
	c := &call{
		s: s, sipCallID: sipCallID, outbound: outbound,
		log:     s.log.With("sip_call_id", sipCallID, "leg", leg),
		actions: make(chan pendingAction, 8),
		sessID:  rand.Uint64() >> 2,
		sdpVer:  1,
	}
	c.infoTurn = sync.NewCond(&c.infoMu)
	return c
}

// takeInfoTurn numbers a SIP INFO key as it arrives, before it is answered.
func (c *call) takeInfoTurn() uint64 {
	c.infoMu.Lock()
	defer c.infoMu.Unlock()
	t := c.infoNext
	c.infoNext++
	return t
}

// inInfoTurn runs fn once every key that arrived before turn has run.
func (c *call) inInfoTurn(turn uint64, fn func()) {
	c.infoMu.Lock()
	for c.infoDone != turn {
		c.infoTurn.Wait()
	}
	c.infoMu.Unlock()
	defer func() {
		c.infoMu.Lock()
		c.infoDone++
		c.infoMu.Unlock()
		c.infoTurn.Broadcast()
	}()
	fn()
}

func (c *call) setID(id int64) {
	c.id = id
	c.log = c.log.With("call_id", id)
}

func (c *call) mediaSession() *rtpSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.media
}

func (c *call) dialogs() (*sipgo.DialogServerSession, *sipgo.DialogClientSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.in, c.out
}

func (c *call) getState() callState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

func (c *call) setState(st callState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateEnded {
		c.state = st
	}
}

// finish is the one way a call ends: it marks it ended, stops its media and
// forgets it. It returns false when the call had already ended, so exactly
// one path reports the end to the Handler.
func (c *call) finish(reason string) bool {
	_, ok := c.end(reason)
	return ok
}

// end is finish that also tells the state the call was in, read in the same
// critical section that marks it ended.
func (c *call) end(reason string) (callState, bool) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return stateEnded, false
	}
	c.ended = true
	prev := c.state
	c.state = stateEnded
	m := c.media
	c.mu.Unlock()
	if m != nil {
		m.close()
	}
	c.s.unregister(c)
	branch := ""
	if c.in != nil {
		branch = viaBranch(c.in.InviteRequest)
	}
	c.s.recent.add(c.sipCallID, branch, time.Now())
	c.s.ended.add(c.id, time.Now())
	c.log.Info("call ended", "reason", reason, "state", prev.String())
	return prev, true
}

func (c *call) isEnded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// startMedia allocates the RTP endpoint (once) and returns our SDP side.
func (c *call) ensureMedia(mux bool) (*rtpSession, error) {
	c.mu.Lock()
	if c.media != nil {
		m := c.media
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	rc, rcc, err := c.s.ports.allocate(mux)
	if err != nil {
		return nil, err
	}
	cfg := sessionConfig{
		log: c.log, timeout: c.s.cfg.rtpTimeout, rtcp: c.s.cfg.rtcpInterval,
		jbPrime: c.s.cfg.jitterPrime, jbMax: c.s.cfg.jitterMax,
		batch:     c.s.cfg.sendBatch,
		onDTMF:    func(d rune) { c.s.safeHandler(func() { c.s.h.DTMF(c.id, d) }) },
		onTimeout: func() { go c.s.mediaTimeout(c) },
		totals:    &c.s.media,
	}
	m := newRTPSession(rc, rcc, cfg)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		go m.close()
		return nil, ErrCallEnded
	}
	c.media = m
	return m, nil
}

func (c *call) local(m *rtpSession) localMedia {
	c.sdpVer++
	return localMedia{IP: c.s.cfg.rtpIP, Port: m.localPort(), RTCPPort: m.localRTCPPort(), SessionID: c.sessID, Version: c.sdpVer}
}

// sanitizeNumber keeps a user part usable as an E.164-ish number or name.
func sanitizeNumber(user string) string {
	if len(user) > 64 {
		user = user[:64]
	}
	var b strings.Builder
	for _, r := range user {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', strings.ContainsRune("+*#._-", r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func sourceAddr(src string) netip.Addr {
	ap, err := netip.ParseAddrPort(src)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

package room

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/internal/litertc"
	"github.com/meet-dev/meet/internal/lossfec"
)

var (
	opusCap = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1"}
	pcmuCap = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}
)

// newEndpoint builds the media endpoint every softphone connection is
// answered from (internal/litertc: ICE-lite, DTLS-SRTP, one goroutine per
// socket), with the network configured.
func newEndpoint(c *config) (*litertc.Endpoint, error) {
	ep, err := litertc.NewEndpoint(litertc.Config{Loopback: c.loopback, PublicIPs: c.publicIPs,
		STUN: c.stun, PortMin: c.portMin, PortMax: c.portMax, Log: c.log})
	if err != nil {
		return nil, fmt.Errorf("room: %w", err)
	}
	return ep, nil
}

// answerCodecs are the codecs the answer accepts, payload types as the
// offer numbers them, what we send first: Opus, then PCMU.
func answerCodecs(pts map[uint8]codecKind, send codecKind) []litertc.Codec {
	var opus, pcmu []litertc.Codec
	for pt, k := range pts {
		switch k {
		case codecOpus:
			opus = append(opus, litertc.Codec{PT: pt, Name: "opus", ClockRate: opusCap.ClockRate,
				Channels: opusCap.Channels, Fmtp: opusCap.SDPFmtpLine})
		case codecPCMU:
			pcmu = append(pcmu, litertc.Codec{PT: pt, Name: "PCMU", ClockRate: pcmuCap.ClockRate})
		}
	}
	byPT := func(a, b litertc.Codec) int { return int(a.PT) - int(b.PT) }
	slices.SortFunc(opus, byPT)
	slices.SortFunc(pcmu, byPT)
	if send == codecPCMU {
		return append(pcmu, opus...)
	}
	return append(opus, pcmu...)
}

// Offer answers a softphone's complete SDP offer with a complete answer
// (ICE candidates gathered, no trickle). A new offer from the same staff
// member replaces their previous connection; a room it was attached to keeps
// the staff member and hears the new connection from the next tick.
func (m *Manager) Offer(ctx context.Context, staffID int64, offerSDP string) (string, error) {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return "", api.Errorf(api.CodeUnavailable, "media is shut down")
	}
	pts, err := offerCodecs(offerSDP)
	if err != nil {
		return "", api.Errorf(api.CodeBadRequest, "%v", err)
	}
	send := sendCodec(pts)
	p := &peer{pts: pts, send: send, jb: newJitter(m.cfg.jitter), lastN: 960,
		newDe: m.newDecoder, fec: lossfec.New(), hints: make(chan struct{})}
	newOpus := func(narrow bool) (encoder, error) { return m.newPeerOpusEncoder(narrow, p.fec) }
	if err = p.buildSends(newOpus); err != nil {
		return "", err
	}
	s := m.staffLeg(staffID)
	conn, answer, err := m.ep.Answer(ctx, offerSDP, litertc.Media{Codecs: answerCodecs(pts, send), CNAME: "meetd",
		Handler: litertc.Handler{
			RTP: func(pkt *rtp.Packet) { s.receive(p, pkt) },
			RTCP: func(pkts []rtcp.Packet) { // the loss the softphone reports sets our FEC
				if loss, ok := lossfec.FromReports(pkts, p.conn.SSRC()); ok {
					p.fec.Report(loss)
				}
			},
			State: func(st litertc.State) {
				if st == litertc.StateClosed || st == litertc.StateFailed {
					p.endHints()
				}
				m.presence(s, p)
			},
		}})
	if err != nil {
		if oe := (*litertc.OfferError)(nil); errors.As(err, &oe) {
			return "", api.Errorf(api.CodeBadRequest, "offer rejected: %v", oe.Err)
		}
		return "", fmt.Errorf("room: answer: %w", err)
	}
	p.conn, p.track, p.answer = conn, conn, answer
	s.mu.Lock()
	old := s.cur
	m.retire(old)
	s.cur = p
	s.mu.Unlock()
	if old != nil {
		old.endHints()
		go old.conn.Close() // tells the old softphone; not on the caller's time
	}
	go s.repeatBandHints(p)
	m.presence(s, p)
	s.log.Info("softphone connection negotiated", "codec", send.String())
	return answer, nil
}

// presence recomputes whether a staff member's softphone is connected and
// announces a change. p is the connection that changed (nil: replaced).
// Announcements for one staff member are delivered in order and without
// any lock held, so the callback may call back into the Manager.
func (m *Manager) presence(s *staffLeg, p *peer) {
	s.presenceMu.Lock()
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if p != nil && p != cur {
		s.presenceMu.Unlock()
		return // an old connection closing
	}
	online := cur != nil && cur.conn != nil && cur.conn.State() == litertc.StateConnected
	if online == s.online.Load() {
		s.presenceMu.Unlock()
		return
	}
	s.online.Store(online)
	s.log.Info("softphone presence", "online", online)
	listen := m.listener.Load()
	if listen == nil {
		s.presenceMu.Unlock()
		return
	}
	s.pending = append(s.pending, online)
	if s.delivering { // another goroutine is in the loop below and will deliver it
		s.presenceMu.Unlock()
		return
	}
	s.delivering = true
	for len(s.pending) > 0 {
		next := s.pending[0]
		s.pending = s.pending[1:]
		s.presenceMu.Unlock()
		listen.PresenceChanged(s.id, next)
		s.presenceMu.Lock()
	}
	s.delivering = false
	s.presenceMu.Unlock()
}

// Online reports whether the staff member's softphone connection is up.
func (m *Manager) Online(staffID int64) bool {
	m.mu.Lock()
	s := m.staff[staffID]
	m.mu.Unlock()
	return s != nil && s.online.Load()
}

// Disconnect closes a staff member's softphone connection (e.g. on logout);
// an attached room keeps the leg silent until a new offer arrives.
func (m *Manager) Disconnect(staffID int64) {
	m.mu.Lock()
	s := m.staff[staffID]
	m.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	old := s.cur
	m.retire(old)
	s.cur = nil
	s.mu.Unlock()
	if old != nil && old.conn != nil {
		_ = old.conn.Close()
	}
	m.presence(s, nil)
}

func isClosed(err error) bool {
	return err != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) ||
		strings.Contains(err.Error(), "closed"))
}

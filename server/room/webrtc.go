package room

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/internal/lossfec"
)

var (
	opusCap = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1"}
	pcmuCap = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}
)

// newAPI builds the pion API shared by every softphone connection: Opus
// (111) and PCMU (0), RTCP sender/receiver reports (over a header cache),
// ICE as configured.
func newAPI(c *config) (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	for _, pc := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: opusCap, PayloadType: 111},
		{RTPCodecCapability: pcmuCap, PayloadType: 0},
	} {
		if err := me.RegisterCodec(pc, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("room: register %s: %w", pc.MimeType, err)
		}
	}
	ir := &interceptor.Registry{}
	ir.Add(headerCacheFactory{}) // first: innermost, under the reports (headercache.go)
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, fmt.Errorf("room: rtcp reports: %w", err)
	}
	se := webrtc.SettingEngine{}
	if c.loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	if len(c.publicIPs) > 0 {
		se.SetNAT1To1IPs(c.publicIPs, webrtc.ICECandidateTypeHost)
	}
	for _, u := range c.stun {
		if _, err := ice.ParseURL(u); err != nil {
			return nil, fmt.Errorf("room: STUN server %q: %w", u, err)
		}
	}
	if c.portMin != 0 || c.portMax != 0 {
		if err := se.SetEphemeralUDPPortRange(c.portMin, c.portMax); err != nil {
			return nil, fmt.Errorf("room: port range %d-%d: %w", c.portMin, c.portMax, err)
		}
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(se)), nil
}

// Offer answers a softphone's complete SDP offer with a complete answer
// (ICE gathering finished, no trickle). A new offer from the same staff
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
	var conf webrtc.Configuration
	if len(m.cfg.stun) > 0 {
		conf.ICEServers = []webrtc.ICEServer{{URLs: m.cfg.stun}}
	}
	pc, err := m.api.NewPeerConnection(conf)
	if err != nil {
		return "", fmt.Errorf("room: new peer connection: %w", err)
	}
	p := &peer{pc: pc, pts: pts, send: send, jb: newJitter(m.cfg.jitter), lastN: 960,
		newDe: m.newDecoder, fec: lossfec.New(), hints: make(chan struct{})}
	s := m.staffLeg(staffID)
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateClosed || st == webrtc.PeerConnectionStateFailed {
			p.endHints()
		}
		m.presence(s, p)
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() == webrtc.RTPCodecTypeAudio {
			s.readLoop(p, tr)
		}
	})
	answer, err := m.negotiate(ctx, p, offerSDP)
	if err != nil {
		p.endHints()
		_ = pc.Close()
		return "", err
	}
	s.mu.Lock()
	old := s.cur
	s.cur = p
	s.mu.Unlock()
	if old != nil {
		old.endHints()
		go old.pc.Close() // may wait for DTLS close; not on the caller's time
	}
	go s.repeatBandHints(p)
	m.presence(s, p)
	s.log.Info("softphone connection negotiated", "codec", send.String())
	return answer, nil
}

// negotiate sets the offer, adds our send track and waits for ICE
// gathering so the answer carries every candidate.
func (m *Manager) negotiate(ctx context.Context, p *peer, offerSDP string) (string, error) {
	pc := p.pc
	err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerSDP})
	if err != nil {
		return "", api.Errorf(api.CodeBadRequest, "offer rejected: %v", err)
	}
	capab := opusCap
	if p.send == codecPCMU {
		capab = pcmuCap
	}
	p.track, err = newFrameTrack(capab, "audio", "meetd")
	if err != nil {
		return "", fmt.Errorf("room: track: %w", err)
	}
	sender, err := pc.AddTrack(p.track)
	if err != nil {
		return "", fmt.Errorf("room: add track: %w", err)
	}
	var ssrc webrtc.SSRC
	if enc := sender.GetParameters().Encodings; len(enc) > 0 {
		ssrc = enc[0].SSRC
	}
	go func() { // read RTCP: the interceptors see it, and the loss the softphone reports sets our FEC
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			if loss, ok := lossfec.FromReports(pkts, uint32(ssrc)); ok {
				p.fec.Report(loss)
			}
		}
	}()
	newOpus := func(narrow bool) (encoder, error) { return m.newPeerOpusEncoder(narrow, p.fec) }
	if err = p.buildSends(newOpus); err != nil {
		return "", err
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", api.Errorf(api.CodeBadRequest, "cannot answer the offer: %v", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("room: set local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("room: ICE gathering: %w", ctx.Err())
	}
	return pc.LocalDescription().SDP, nil
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
	online := cur != nil && cur.pc != nil && cur.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
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
	s.cur = nil
	s.mu.Unlock()
	if old != nil && old.pc != nil {
		_ = old.pc.Close()
	}
	m.presence(s, nil)
}

func isClosed(err error) bool {
	return err != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) ||
		strings.Contains(err.Error(), "closed"))
}

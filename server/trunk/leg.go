package trunk

import (
	"log/slog"
	"net/netip"
)

// RTPLeg is an RTP endpoint outside any SIP dialog: G.711 μ-law, 20 ms
// frames, RTCP multiplexed on the one port, the trunk's jitter buffer. It
// accepts packets from its peer's address only. Nodes of a meetd cluster
// bridge a call's room to a softphone connected elsewhere with a pair of
// them (server/cluster), so the leg reads and writes 8 kHz frames exactly
// as a caller's CallMedia does:
//
//	send:    WriteFrame(8000) -> PCMU(encode) -> RTP/UDP -> peer
//	receive: peer -> RTP/UDP -> Jitter -> PCMU(decode) -> ReadFrame(8000)
type RTPLeg struct {
	s  *rtpSession
	ip netip.Addr // the address announced to the peer
}

// NewRTPLeg opens a leg on the trunk's RTP address and port range. It
// receives nothing until Connect names the peer.
func (s *Server) NewRTPLeg(log *slog.Logger) (*RTPLeg, error) {
	if log == nil {
		log = s.log
	}
	rc, _, err := s.ports.allocate(true)
	if err != nil {
		return nil, err
	}
	m := newRTPSession(rc, nil, sessionConfig{log: log, rtcp: s.cfg.rtcpInterval,
		jbPrime: s.cfg.jitterPrime, jbMax: s.cfg.jitterMax, batch: s.cfg.sendBatch})
	m.latched = true // never latch onto whoever sends first: Connect names the peer
	m.start(mediaParams{Codec: codecPCMU, DTMFPT: -1, RTCPMux: true}, dirSendRecv)
	ip := s.cfg.rtpIP
	if ip.IsUnspecified() {
		if h, err := netip.ParseAddr(s.cfg.host); err == nil {
			ip = h // --external-host
		}
	}
	return &RTPLeg{s: m, ip: ip}, nil
}

// LocalAddr is where the leg receives RTP.
func (l *RTPLeg) LocalAddr() netip.AddrPort {
	return netip.AddrPortFrom(l.ip, uint16(l.s.localPort()))
}

// Connect sets the peer's address: frames go there, and only its packets
// are heard.
func (l *RTPLeg) Connect(peer netip.AddrPort) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.remote, l.s.rtcpTo = peer, peer
	l.s.params.Remote = peer
}

// ReadFrame reads the next jitter-buffered 160-sample frame (false: nothing flows).
func (l *RTPLeg) ReadFrame(dst []int16) bool { return l.s.ReadFrame(dst) }

// WriteFrame encodes and sends one frame to the peer (nothing before Connect).
func (l *RTPLeg) WriteFrame(src []int16) error { return l.s.WriteFrame(src) }

// ReceiveStats is what the leg's jitter buffer played, concealed and skipped.
func (l *RTPLeg) ReceiveStats() ReceiveStats {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.s.receiveStatsLocked()
}

// Close stops the leg and releases its port.
func (l *RTPLeg) Close() { l.s.close() }

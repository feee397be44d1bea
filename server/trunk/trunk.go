// Package trunk terminates a SIP trunk for meetd: inbound and outbound calls
// over UDP, TCP and TLS (emiago/sipgo), registration with a provider, digest
// and source-address admission, SDP offer/answer for G.711 (pion/sdp) and one
// RTP endpoint per call (pion/rtp, pion/rtcp) with symmetric latching, a
// jitter buffer, RFC 4733 events and an RTP timeout.
//
// The call lifecycle (server/calls) implements Handler and drives a call with
// EarlyMedia, Answer, Dial and Hangup; the room (server/room) reads and
// writes the caller's audio through Media(callID).
//
// Wiring (cmd/meetd):
//
//	tr, err := trunk.New(
//		trunk.WithListen(sipAddr),             // --sip, e.g. 0.0.0.0:5060
//		trunk.WithAllow(trunkAllow...),        // --trunk-allow CIDR (repeatable)
//		trunk.WithDigestUsers(users),          // optional: peers that authenticate
//		trunk.WithRTPIP(publicIP), trunk.WithRTPPorts(10000, 20000),
//		trunk.WithOutbound(trunk.OutboundConfig{Proxy: "sip.provider:5060", Username: u, Password: p, CallerID: "+4930123"}),
//		trunk.WithRegister(trunk.RegisterConfig{Registrar: "sip.provider:5060", Username: u, Password: p}),
//		trunk.WithLogger(log))
//	lifecycle := calls.New(st, tr, media) // *trunk.Server has EarlyMedia, Answer, Dial, Hangup
//	err = tr.Start(ctx, lifecycle)       // binds UDP+TCP (+TLS); calls reach the Handler from here on
//	defer tr.Close()
//	room.Attach(callID, tr.Media(callID)) // trunk.CallMedia: 8 kHz, 160-sample frames
//
// Without WithAllow and WithDigestUsers only loopback peers are admitted.
package trunk

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Handler is the call lifecycle as seen from the trunk. Methods are called
// from SIP and RTP goroutines, never while the trunk holds a lock, so they
// may call back into the Server.
type Handler interface {
	// Inbound is a new INVITE from `from` to number `to`; an *api.Error code
	// picks the SIP response (not_found→404, unavailable→503, forbidden→403).
	Inbound(ctx context.Context, from, to string) (callID int64, err error)
	CallerHungUp(callID int64, detail string) // BYE or CANCEL from the caller (or the remote party of a dialled call)
	MediaTimeout(callID int64)                // no RTP for the configured time; the trunk ends the call
	OutboundAnswered(callID int64)
	OutboundFailed(callID int64, detail string)
	DTMF(callID int64, digit rune)
}

// CallMedia is one call's decoded RTP audio: 8 kHz mono, 20 ms = 160-sample frames.
type CallMedia interface {
	ReadFrame(dst []int16) bool   // next jitter-buffered, loss-concealed frame; never blocks; false (dst zeroed) when nothing is flowing
	WriteFrame(src []int16) error // encode (PCMU/PCMA as negotiated) and send
}

var (
	// ErrUnknownCall is returned for a call ID the trunk does not know.
	ErrUnknownCall = errors.New("trunk: unknown call")
	// ErrCallEnded is returned when acting on a call that has ended.
	ErrCallEnded = errors.New("trunk: call has ended")
	// ErrWrongState is returned for an action that does not fit the call
	// (answering an outbound call, answering twice).
	ErrWrongState = errors.New("trunk: action does not fit the call state")
	// ErrNoOutbound is returned by Dial when no outbound trunk is configured.
	ErrNoOutbound = errors.New("trunk: no outbound trunk configured")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("trunk: server closed")
)

// Server is the SIP trunk endpoint.
type Server struct {
	h       Handler
	cfg     config
	log     *slog.Logger
	ports   *portAllocator
	auth    *authenticator
	invites *inviteGate
	gates   []*connGate

	ua        *sipgo.UserAgent
	sip       *sipgo.Server
	udpClient *sipgo.Client // sends from the UDP listener socket
	tcpClient *sipgo.Client // TCP/TLS: reuses or opens connections

	mu       sync.Mutex
	calls    map[int64]*call
	bySIP    map[string]*call
	pending  map[int64][]pendingAction // actions for IDs Inbound has not returned yet
	setup    map[string]string         // SIP Call-ID → Via branch of INVITEs not yet registered
	inflight int                       // INVITEs inside Handler.Inbound
	load     setupLoad                 // how long set-ups take: sheds INVITEs a starved server could not answer in time
	shed     atomic.Int64              // INVITEs answered 503 for load
	addrs    map[string]net.Addr
	started  bool
	closed   atomic.Bool

	reg      *registration
	media    mediaTotals  // receive counters of calls' RTP sessions since closed (MediaStats)
	ackWaits atomic.Int64 // replies waiting for their ACK (endAtAck)
	recent   *recentCalls // ended calls, against late INVITE retransmissions
	ended    endedCalls   // IDs of ended calls, so late actions fail fast

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	byes   sync.WaitGroup // BYEs in flight; Close lets them finish
}

// New builds a Server; Start binds its sockets and gives it the Handler of
// its calls (so the lifecycle, which drives the Server, can be built after it).
func New(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	listenHost, _, _ := splitHostPort(cfg.listen)
	if !cfg.rtpIP.IsValid() {
		cfg.rtpIP = defaultMediaIP(listenHost)
	}
	if cfg.host == "" {
		cfg.host = listenHost
		if a, err := netip.ParseAddr(listenHost); err != nil || a.IsUnspecified() {
			cfg.host = cfg.rtpIP.String()
		}
	}
	if len(cfg.allow) == 0 && len(cfg.users) == 0 {
		cfg.allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("trunk: nonce secret: %w", err)
	}
	s := &Server{
		cfg: cfg, log: cfg.log.With("component", "trunk"),
		ports:   &portAllocator{ip: cfg.rtpIP, min: cfg.rtpMin, max: cfg.rtpMax},
		auth:    &authenticator{realm: cfg.realm, users: cfg.users, allow: cfg.allow, secret: secret, now: time.Now},
		calls:   make(map[int64]*call),
		bySIP:   make(map[string]*call),
		pending: make(map[int64][]pendingAction),
		setup:   make(map[string]string),
		recent:  newRecentCalls(64*sip.T1, 1<<16),
		ended:   newEndedCalls(endedTTL, 1<<16),
		addrs:   make(map[string]net.Addr),
		invites: newInviteGate(cfg.maxCPS, cfg.sourceCPS),
		load:    setupLoad{limit: cfg.setupDelay, minBusy: cfg.setupMinBusy},
	}
	return s, nil
}

// defaultMediaIP picks the RTP address: the listen IP when specific,
// otherwise the first non-loopback IPv4 address, otherwise 127.0.0.1.
func defaultMediaIP(listenHost string) netip.Addr {
	if a, err := netip.ParseAddr(listenHost); err == nil && !a.IsUnspecified() {
		return a.Unmap()
	}
	if ifaces, err := net.InterfaceAddrs(); err == nil {
		for _, ia := range ifaces {
			if pn, ok := ia.(*net.IPNet); ok {
				if a, ok := netip.AddrFromSlice(pn.IP); ok {
					a = a.Unmap()
					if a.Is4() && !a.IsLoopback() && !a.IsLinkLocalUnicast() {
						return a
					}
				}
			}
		}
	}
	return netip.MustParseAddr("127.0.0.1")
}

func splitHostPort(addr string) (string, int, error) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", ps)
	}
	return host, port, nil
}

// Start binds the UDP and TCP (and TLS) listeners and starts serving h's
// calls and, when configured, registering. It returns once the sockets are bound.
func (s *Server) Start(ctx context.Context, h Handler) error {
	if h == nil {
		return errors.New("trunk: nil Handler")
	}
	s.mu.Lock()
	if s.started || s.closed.Load() {
		s.mu.Unlock()
		return errors.New("trunk: Start called twice or after Close")
	}
	s.started, s.h = true, h
	s.mu.Unlock()

	udpConn, tcpLn, err := listenPair(s.cfg.listen)
	if err != nil {
		return err
	}
	var tlsLn net.Listener
	var tlsConf *tls.Config
	if s.cfg.tlsListen != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.certFile, s.cfg.keyFile)
		if err != nil {
			udpConn.Close()
			tcpLn.Close()
			return fmt.Errorf("trunk: TLS certificate: %w", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		tlsLn, err = tls.Listen("tcp", s.cfg.tlsListen, tlsConf)
		if err != nil {
			udpConn.Close()
			tcpLn.Close()
			return fmt.Errorf("trunk: TLS listen: %w", err)
		}
	}
	tcpGate := newConnGate(tcpLn, "tcp", s.cfg.connLimits, s.admitConn, s.log)
	s.gates = append(s.gates, tcpGate)
	tcpLn = tcpGate
	if tlsLn != nil {
		tlsGate := newConnGate(tlsLn, "tls", s.cfg.connLimits, s.admitConn, s.log)
		s.gates = append(s.gates, tlsGate)
		tlsLn = tlsGate
	}
	uaOpts := []sipgo.UserAgentOption{sipgo.WithUserAgent(s.cfg.userAgent), sipgo.WithUserAgentHostname(s.cfg.host)}
	if tlsConf != nil {
		uaOpts = append(uaOpts, sipgo.WithUserAgenTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
	}
	ua, err := sipgo.NewUA(uaOpts...)
	if err == nil {
		s.ua = ua
		s.sip, err = sipgo.NewServer(ua, sipgo.WithServerLogger(s.log))
	}
	udpAddr := udpConn.LocalAddr().(*net.UDPAddr)
	if err == nil {
		s.udpClient, err = sipgo.NewClient(ua, sipgo.WithClientHostname(s.cfg.host),
			sipgo.WithClientConnectionAddr(udpAddr.String()), sipgo.WithClientLogger(s.log))
	}
	if err == nil {
		s.tcpClient, err = sipgo.NewClient(ua, sipgo.WithClientHostname(s.cfg.host), sipgo.WithClientLogger(s.log))
	}
	if err != nil {
		udpConn.Close()
		tcpLn.Close()
		if tlsLn != nil {
			tlsLn.Close()
		}
		return fmt.Errorf("trunk: sip stack: %w", err)
	}
	s.routes()

	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Lock()
	s.addrs["udp"] = udpAddr
	s.addrs["tcp"] = tcpLn.Addr()
	if tlsLn != nil {
		s.addrs["tls"] = tlsLn.Addr()
	}
	s.mu.Unlock()

	s.serve(func() error { return s.sip.ServeUDP(udpConn) }, udpConn)
	s.serve(func() error { return s.sip.ServeTCP(tcpLn) }, tcpLn)
	if tlsLn != nil {
		s.serve(func() error { return s.sip.ServeTLS(tlsLn) }, tlsLn)
	}
	if err := waitListening(ua, udpAddr.String()); err != nil {
		s.Close()
		return err
	}
	if s.cfg.register != nil {
		s.reg = newRegistration(s, *s.cfg.register)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.reg.run(s.ctx)
		}()
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.ctx.Done():
		}
	}()
	s.log.Info("sip trunk listening", "udp", udpAddr.String(), "tcp", tcpLn.Addr().String(),
		"tls", s.cfg.tlsListen, "rtp_ip", s.cfg.rtpIP.String())
	return nil
}

func (s *Server) serve(fn func() error, c interface{ Close() error }) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		done := make(chan struct{})
		go func() {
			select {
			case <-s.ctx.Done():
				c.Close()
			case <-done:
			}
		}()
		if err := fn(); err != nil && s.ctx.Err() == nil {
			s.log.Error("sip listener stopped", "error", err)
		}
		close(done)
	}()
}

// waitListening waits until the UDP listener is in sipgo's connection pool,
// so requests sent right after Start leave from it.
func waitListening(ua *sipgo.UserAgent, addr string) error {
	for range 500 {
		if c, err := ua.TransportLayer().GetConnection("udp", addr); err == nil && c != nil {
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("trunk: UDP listener %s did not start", addr)
}

// listenPair binds UDP and TCP on the same port (port 0: a free one).
func listenPair(addr string) (*net.UDPConn, net.Listener, error) {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("trunk: listen address %q: %w", addr, err)
	}
	for range 20 {
		uc, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return nil, nil, fmt.Errorf("trunk: listen udp %s: %w", addr, err)
		}
		p := uc.LocalAddr().(*net.UDPAddr).Port
		tl, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err == nil {
			u := uc.(*net.UDPConn)
			// Bursts of calls must not overflow the kernel queue (the OS caps
			// these at net.core.rmem_max / wmem_max).
			_ = u.SetReadBuffer(4 << 20)
			_ = u.SetWriteBuffer(4 << 20)
			return u, tl, nil
		}
		uc.Close()
		if port != 0 {
			return nil, nil, fmt.Errorf("trunk: listen tcp %s: %w", addr, err)
		}
	}
	return nil, nil, fmt.Errorf("trunk: no port free for both UDP and TCP on %s", host)
}

// admitConn says whether a TCP/TLS peer could ever be admitted: without
// digest users only sources in the allow-list can, so others are closed
// at once, silently.
func (s *Server) admitConn(ip netip.Addr) bool {
	return len(s.auth.users) > 0 || s.auth.allowed(ip)
}

// OpenConns is the number of open inbound SIP TCP and TLS connections.
func (s *Server) OpenConns() int {
	n := 0
	for _, g := range s.gates {
		n += g.Open()
	}
	return n
}

// Addr is the bound address for "udp", "tcp" or "tls" (nil when not listening).
func (s *Server) Addr(network string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrs[network]
}

// Close ends every call (BYE or 503), unregisters, and stops the listeners.
// The Handler is not notified of calls ended by Close.
func (s *Server) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.mu.Lock()
	calls := make([]*call, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, c)
	}
	started := s.started && s.ctx != nil
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.hangup(c, "shutdown", 503)
		}()
	}
	waitTimeout(&wg, 3*time.Second)
	waitTimeout(&s.byes, 3*time.Second)
	if !started {
		return nil
	}
	if s.reg != nil {
		s.reg.unregister()
	}
	s.cancel()
	if s.ua != nil {
		s.ua.Close()
	}
	waitTimeout(&s.wg, 5*time.Second)
	return nil
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// Media returns the call's audio. The handle may be taken before the call
// is answered; it reads silence (false) and refuses writes until media flows.
func (s *Server) Media(callID int64) CallMedia {
	return &mediaHandle{s: s, id: callID}
}

type mediaHandle struct {
	s  *Server
	id int64
}

func (m *mediaHandle) session() *rtpSession {
	m.s.mu.Lock()
	c := m.s.calls[m.id]
	m.s.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.mediaSession()
}

func (m *mediaHandle) ReadFrame(dst []int16) bool {
	if ss := m.session(); ss != nil {
		return ss.ReadFrame(dst)
	}
	clear(dst)
	return false
}

func (m *mediaHandle) WriteFrame(src []int16) error {
	if ss := m.session(); ss != nil {
		return ss.WriteFrame(src)
	}
	return ErrNoMedia
}

// lookup finds a live call by ID.
func (s *Server) lookup(id int64) *call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[id]
}

// register makes a call findable by ID and SIP Call-ID and returns the
// actions queued for its ID while Inbound was running.
func (s *Server) register(c *call) ([]pendingAction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.calls[c.id]; dup {
		return nil, fmt.Errorf("trunk: call %d already exists", c.id)
	}
	s.calls[c.id] = c
	s.bySIP[c.sipCallID] = c
	acts := s.pending[c.id]
	delete(s.pending, c.id)
	return acts, nil
}

func (s *Server) unregister(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls[c.id] == c {
		delete(s.calls, c.id)
	}
	if s.bySIP[c.sipCallID] == c {
		delete(s.bySIP, c.sipCallID)
	}
}

func (s *Server) bySIPCallID(req *sip.Request) *call {
	h := req.CallID()
	if h == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bySIP[h.Value()]
}

// Shed is the number of INVITEs refused with 503 + Retry-After for load
// (--max-calls, --max-cps, a full set-up queue).
func (s *Server) Shed() int64 { return s.shed.Load() }

// ActiveCalls is the number of calls the trunk is tracking.
func (s *Server) ActiveCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

package litertc

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/fingerprint"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/stun/v4"
	"github.com/pion/transport/v5/packetio"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/meet-dev/meet/internal/udpbatch"
)

// State is a connection's state, as RTCPeerConnectionState names them.
type State int

const (
	StateNew State = iota
	StateConnecting
	StateConnected
	StateDisconnected
	StateFailed
	StateClosed
)

func (s State) String() string {
	return [...]string{"new", "connecting", "connected", "disconnected", "failed", "closed"}[s]
}

// Timeouts by default, as pion's ICE defaults: no packet for
// disconnectAfter marks the connection disconnected, for failAfter failed;
// a connection not up within connectTimeout of the answer fails. The
// offering side checks the nominated pair every keepAlive.
const (
	disconnectAfter = 5 * time.Second
	failAfter       = 30 * time.Second
	keepAlive       = 2 * time.Second
	connectTimeout  = 30 * time.Second
	reportEvery     = time.Second // RTCP reports, as pion's report interceptors
	maxChecked      = 16          // remote addresses remembered as having passed a check
	mtu             = 1500
)

// Handler receives a connection's media and state.
type Handler struct {
	// RTP gets each authenticated packet from an address that passed a
	// check, on the socket's goroutine; pkt and its payload are valid
	// until it returns.
	RTP func(pkt *rtp.Packet)
	// RTCP gets each compound RTCP packet (after its reports are read).
	RTCP func(pkts []rtcp.Packet)
	// State gets each state change, in order, on a goroutine of its own.
	State func(State)
}

// Media is what a connection sends and accepts.
type Media struct {
	// Codecs in preference order, payload types as the offer numbers
	// them. Answering, those the offer has are accepted and the first is
	// what WriteSample sends; offering, they are offered and the answer's
	// first is sent.
	Codecs []Codec
	CNAME  string
	Handler
}

// OfferError is an offer we cannot answer: the peer's mistake.
type OfferError struct{ Err error }

func (e *OfferError) Error() string { return e.Err.Error() }
func (e *OfferError) Unwrap() error { return e.Err }

// Conn is one connection: an answered offer (Answer) or our offer
// (Offer, offer.go).
type Conn struct {
	ep     *Endpoint
	h      Handler
	epoch  time.Time
	ufrag  string // ours
	pwd    string
	rufrag string // theirs (set before checks can pass; the offering side sets it under mu, see remoteUfrag)
	rpwd   string // theirs: the offering side checks with it
	fps    []remoteFP

	// The offering side (offer.go).
	controlling bool
	tieBreaker  uint64
	offered     []Codec
	remote      []netip.AddrPort
	rtt         atomic.Int64
	cname       string
	ssrc        uint32
	send        Codec
	sendOK      bool
	clocks      map[uint8]uint32 // clock rate of each accepted payload type

	dtlsClient bool
	pipe       *dtlsPipe
	cands      []candidate
	wg         sync.WaitGroup
	ctx        context.Context // done when the connection is released
	cancel     context.CancelFunc
	closeOnce  sync.Once
	release1   sync.Once

	sel      atomic.Pointer[path]
	ready    atomic.Bool  // SRTP keys are in place
	lastRecv atomic.Int64 // since epoch, of the last packet from the peer

	mu         sync.Mutex       // guards the fields below
	addrs      []netip.AddrPort // remote addresses that passed a check (the endpoint routes them here)
	released   bool
	state      State
	pending    []State
	delivering bool
	dtlsConn   *dtls.Conn
	dtlsGo     bool

	dmu sync.Mutex // the receive side's SRTP context and statistics
	dec *srtp.Context
	rx  rxStats

	wmu   sync.Mutex // the send side
	enc   *srtp.Context
	seq   uint16
	ts    uint32
	hdr   rtp.Header
	plain [mtu]byte
	wbuf  [mtu + 64]byte
	tx    txStats
}

type path struct {
	s    *sock
	addr netip.AddrPort
}

type sock struct {
	ep    *Endpoint
	uc    *net.UDPConn
	rd    *udpbatch.Reader // uc's, for readLoop
	wr    *udpbatch.Writer // uc's, for media (Endpoint.Hold)
	local netip.AddrPort
}

// Answer answers an offer: the endpoint's sockets take the connection's
// checks from now, and the answer lists their candidates (no trickle).
func (e *Endpoint) Answer(ctx context.Context, offerSDP string, m Media) (*Conn, string, error) {
	o, err := parseOffer(offerSDP)
	if err != nil {
		return nil, "", &OfferError{err}
	}
	var codecs []Codec
	for _, cd := range m.Codecs {
		if o.pts[cd.PT] {
			codecs = append(codecs, cd)
		}
	}
	if len(codecs) == 0 {
		return nil, "", &OfferError{errors.New("the offer has no codec in common with ours")}
	}
	c := e.newConn(m, codecs[0])
	c.rufrag, c.fps, c.dtlsClient = o.ufrag, o.fps, o.setup == "passive"
	d := answerDirection(o.direction)
	c.sendOK = d == "sendrecv" || d == "sendonly"
	for _, cd := range codecs {
		c.clocks[cd.PT] = cd.ClockRate
	}
	if err := e.register(c); err != nil {
		return nil, "", err
	}
	c.gather(ctx)
	c.wg.Add(1)
	go c.watch()
	return c, c.answer(o, codecs), nil
}

// newConn is a connection with fresh credentials, SSRC, sequence number
// and timestamp, not yet reachable.
func (e *Endpoint) newConn(m Media, send Codec) *Conn {
	c := &Conn{ep: e, h: m.Handler, epoch: time.Now(), ufrag: iceString(16), pwd: iceString(32),
		cname: m.CNAME, ssrc: rand.Uint32(), send: send, clocks: map[uint8]uint32{}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if c.cname == "" {
		c.cname = "litertc"
	}
	c.seq = uint16(rand.N(1 << 15))
	c.ts = rand.Uint32()
	c.pipe = &dtlsPipe{c: c, buf: packetio.NewBuffer()}
	c.pipe.buf.SetLimitSize(64 * mtu)
	return c
}

// register makes c's checks reach it.
func (e *Endpoint) register(c *Conn) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errors.New("litertc: the endpoint is closed")
	}
	e.byUfrag[c.ufrag] = c
	return nil
}

// iceString is a random ICE ufrag or password (RFC 8445 ice-char).
func iceString(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[rand.N(len(chars))]
	}
	return string(b)
}

// State is the connection's state now.
func (c *Conn) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// SSRC is our stream's SSRC.
func (c *Conn) SSRC() uint32 { return c.ssrc }

// setState moves to st (nothing moves a closed connection) and delivers
// the change in order.
func (c *Conn) setState(st State) {
	c.mu.Lock()
	if c.state == st || c.state == StateClosed || c.state == StateFailed && st != StateClosed {
		c.mu.Unlock()
		return
	}
	c.state = st
	if c.h.State == nil {
		c.mu.Unlock()
		return
	}
	c.pending = append(c.pending, st)
	if c.delivering {
		c.mu.Unlock()
		return
	}
	c.delivering = true
	c.mu.Unlock()
	go func() {
		c.mu.Lock()
		for len(c.pending) > 0 {
			next := c.pending[0]
			c.pending = c.pending[1:]
			c.mu.Unlock()
			c.h.State(next)
			c.mu.Lock()
		}
		c.delivering = false
		c.mu.Unlock()
	}()
}

func (c *Conn) now() time.Duration { return time.Since(c.epoch) }

// readLoop reads the socket until it closes, up to readBatch datagrams per
// system call (internal/udpbatch): every packet is handled on this
// goroutine, STUN by its username, the rest by its source address.
func (s *sock) readLoop() {
	e := s.ep
	defer e.wg.Done()
	out := make([]byte, mtu)
	var pkt rtp.Packet
	handle := func(ds []udpbatch.Datagram) {
		for _, d := range ds {
			if len(d.B) > 0 {
				s.dispatch(d.B, d.From, out, &pkt)
			}
		}
	}
	for {
		if err := s.rd.Serve(handle); errors.Is(err, net.ErrClosed) {
			return
		}
	}
}

// readBatch is how many datagrams the read loop takes per system call: a
// meetd with hundreds of operators gets a packet from each every 20 ms on
// one socket.
const readBatch = 16

// dispatch handles one datagram by its first byte (RFC 7983).
func (s *sock) dispatch(b []byte, from netip.AddrPort, out []byte, pkt *rtp.Packet) {
	e := s.ep
	switch {
	case b[0] < 4:
		e.handleSTUN(s, b, from)
	case b[0] >= 20 && b[0] < 64:
		if c := e.route(from); c != nil {
			c.handleDTLS(b)
		}
	case b[0] >= 128 && b[0] < 192:
		if c := e.route(from); c != nil {
			c.handleSRTP(s, b, from, out, pkt)
		}
	}
}

// route is the connection whose peer proved the address with a check.
func (e *Endpoint) route(from netip.AddrPort) *Conn {
	e.mu.RLock()
	c := e.byAddr[from]
	e.mu.RUnlock()
	return c
}

// handleSTUN answers a connectivity check that carries a connection's
// credentials, and takes a STUN server's answer to gather.
func (e *Endpoint) handleSTUN(s *sock, b []byte, from netip.AddrPort) {
	m := &stun.Message{Raw: b}
	if err := m.Decode(); err != nil {
		return
	}
	if m.Type == stun.BindingSuccess {
		if e.checkAnswered(s, m, from) {
			return
		}
		e.mu.RLock()
		ch := e.stunWait[m.TransactionID]
		e.mu.RUnlock()
		var xa stun.XORMappedAddress
		if ch == nil || xa.GetFrom(m) != nil {
			return
		}
		if ip, ok := netip.AddrFromSlice(xa.IP); ok {
			select {
			case ch <- netip.AddrPortFrom(ip.Unmap(), uint16(xa.Port)):
			default:
			}
		}
		return
	}
	if m.Type != stun.BindingRequest {
		return
	}
	var u stun.Username
	if u.GetFrom(m) != nil {
		return
	}
	ours, theirs, _ := strings.Cut(string(u), ":")
	e.mu.RLock()
	c := e.byUfrag[ours]
	e.mu.RUnlock()
	if c == nil || theirs != c.remoteUfrag() {
		return
	}
	if stun.NewShortTermIntegrity(c.pwd).Check(m) != nil {
		return
	}
	if m.Contains(stun.AttrFingerprint) && stun.Fingerprint.Check(m) != nil {
		return
	}
	resp, err := stun.Build(stun.NewTransactionIDSetter(m.TransactionID), stun.BindingSuccess,
		&stun.XORMappedAddress{IP: from.Addr().AsSlice(), Port: int(from.Port())},
		stun.NewShortTermIntegrity(c.pwd), stun.Fingerprint)
	if err != nil {
		return
	}
	// Route the address before answering: a peer that has our answer may
	// send its DTLS hello at once, and that must not find no route.
	c.lastRecv.Store(int64(c.now()))
	if c.controlling { // our own checks choose the path
		c.admit(from)
	} else {
		c.passed(s, from, m.Contains(stun.AttrUseCandidate))
	}
	_, _ = s.uc.WriteToUDPAddrPort(resp.Raw, from) // lost: the peer checks again
}

// admit records a remote address that passed a check: the endpoint
// routes its packets here (a connection keeps maxChecked at most).
func (c *Conn) admit(from netip.AddrPort) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.admitLocked(from)
}

func (c *Conn) admitLocked(from netip.AddrPort) bool {
	if c.released {
		return false
	}
	if !slices.Contains(c.addrs, from) {
		if len(c.addrs) >= maxChecked {
			return false
		}
		c.addrs = append(c.addrs, from)
	}
	c.ep.mu.Lock()
	c.ep.byAddr[from] = c // the latest connection to prove an address gets its packets
	c.ep.mu.Unlock()
	return true
}

// passed records a remote address that passed a check; the nominated one
// (or the first, until one is nominated) carries the media, and the first
// selection starts DTLS.
func (c *Conn) passed(s *sock, from netip.AddrPort, nominated bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.admitLocked(from) {
		return
	}
	cur := c.sel.Load()
	if cur == nil || nominated && !c.controlling && (cur.addr != from || cur.s != s) {
		c.sel.Store(&path{s: s, addr: from})
	}
	if !c.dtlsGo {
		c.dtlsGo = true
		c.pipe.raddr = net.UDPAddrFromAddrPort(from)
		c.wg.Add(1)
		go c.runDTLS()
		if c.state == StateNew {
			c.mu.Unlock()
			c.setState(StateConnecting)
			c.mu.Lock()
		}
	}
}

// handleDTLS passes a DTLS record from a checked address to the handshake.
func (c *Conn) handleDTLS(b []byte) {
	c.lastRecv.Store(int64(c.now()))
	_, _ = c.pipe.buf.Write(b, nil) // full: dropped, as the network would
}

// handleSRTP decrypts an SRTP or SRTCP packet from an address that passed
// a check and hands it on.
func (c *Conn) handleSRTP(s *sock, b []byte, from netip.AddrPort, out []byte, pkt *rtp.Packet) {
	if !c.ready.Load() {
		return
	}
	now := c.now()
	if len(b) >= 2 && b[1] >= 192 && b[1] <= 223 { // RTCP (RFC 5761)
		c.handleSRTCP(s, b, out, from, now)
		return
	}
	c.dmu.Lock()
	plain, err := c.dec.DecryptRTP(out, b, &pkt.Header)
	if err == nil {
		c.rx.update(&pkt.Header, now, c.clocks[pkt.PayloadType])
	}
	c.dmu.Unlock()
	if err != nil {
		return
	}
	c.latch(s, from)
	c.lastRecv.Store(int64(now))
	if pkt.Unmarshal(plain) != nil || c.h.RTP == nil {
		return
	}
	c.h.RTP(pkt)
}

// latch sends to where the peer's authenticated media comes from: both
// sides then use the pair the other chose (with aggressive nomination the
// controlled side picks among several), and a NAT's new mapping is
// followed.
func (c *Conn) latch(s *sock, from netip.AddrPort) {
	if p := c.sel.Load(); p == nil || p.addr != from || p.s != s {
		c.sel.Store(&path{s: s, addr: from})
	}
}

func (c *Conn) handleSRTCP(s *sock, b, out []byte, from netip.AddrPort, now time.Duration) {
	c.dmu.Lock()
	plain, err := c.dec.DecryptRTCP(out, b, nil)
	c.dmu.Unlock()
	if err != nil {
		return
	}
	c.latch(s, from)
	c.lastRecv.Store(int64(now))
	pkts, err := rtcp.Unmarshal(plain)
	if err != nil {
		return
	}
	c.dmu.Lock()
	for _, pk := range pkts {
		if sr, ok := pk.(*rtcp.SenderReport); ok && sr.SSRC == c.rx.ssrc {
			c.rx.lastSR, c.rx.lastSRAt = uint32(sr.NTPTime>>16), now
		}
	}
	c.dmu.Unlock()
	if c.h.RTCP != nil {
		c.h.RTCP(pkts)
	}
}

// runDTLS does the handshake over the selected path, then sets up SRTP
// and waits for the peer to close.
func (c *Conn) runDTLS() {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(c.ctx, connectTimeout)
	defer cancel()
	opts := []dtls.Option{
		dtls.WithCertificates(c.ep.cert),
		dtls.WithSRTPProtectionProfiles(dtls.SRTP_AEAD_AES_128_GCM, dtls.SRTP_AES128_CM_HMAC_SHA1_80),
		dtls.WithExtendedMasterSecret(dtls.RequireExtendedMasterSecret),
		dtls.WithInsecureSkipVerify(true), // self-signed: the offer's fingerprint is the check
		dtls.WithVerifyPeerCertificate(c.verifyPeer),
	}
	var dc *dtls.Conn
	var err error
	if c.dtlsClient {
		copts := make([]dtls.ClientOption, len(opts))
		for i, o := range opts {
			copts[i] = o
		}
		dc, err = dtls.ClientWithOptions(c.pipe, c.pipe.raddr, copts...)
	} else {
		sopts := make([]dtls.ServerOption, 0, len(opts)+1)
		for _, o := range opts {
			sopts = append(sopts, o)
		}
		sopts = append(sopts, dtls.WithClientAuth(dtls.RequireAnyClientCert))
		dc, err = dtls.ServerWithOptions(c.pipe, c.pipe.raddr, sopts...)
	}
	if err == nil {
		err = dc.HandshakeContext(ctx)
	}
	if err == nil {
		err = c.startSRTP(dc)
	}
	if err != nil {
		if dc != nil {
			_ = dc.Close()
		}
		c.fail(fmt.Errorf("DTLS: %w", err))
		return
	}
	c.mu.Lock()
	closed := c.state == StateClosed || c.state == StateFailed
	if !closed {
		c.dtlsConn = dc
	}
	c.mu.Unlock()
	if closed {
		_ = dc.Close()
		return
	}
	c.lastRecv.Store(int64(c.now()))
	c.setState(StateConnected)
	buf := make([]byte, mtu)
	for { // no application data in a media-only connection: this ends on close_notify or close
		if _, err := dc.Read(buf); err != nil {
			if errors.Is(err, io.EOF) {
				c.ep.log.Debug("peer closed the connection")
				c.fail(nil)
			}
			return
		}
	}
}

// verifyPeer checks the peer's certificate against the offer's fingerprints.
func (c *Conn) verifyPeer(raw [][]byte, _ [][]*x509.Certificate) error {
	if len(raw) == 0 {
		return errors.New("no certificate")
	}
	cert, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return err
	}
	for _, f := range c.fps {
		v, err := fingerprint.Fingerprint(cert, f.hash)
		if err == nil && strings.EqualFold(v, f.value) {
			return nil
		}
	}
	return errors.New("the certificate does not match the offer's fingerprint")
}

// startSRTP keys both directions from the handshake (RFC 5764 §4.2).
func (c *Conn) startSRTP(dc *dtls.Conn) error {
	st, ok := dc.ConnectionState()
	if !ok {
		return errors.New("no connection state")
	}
	prof, ok := dc.SelectedSRTPProtectionProfile()
	if !ok {
		return errors.New("no SRTP profile agreed")
	}
	cfg := srtp.Config{Profile: srtp.ProtectionProfile(prof)}
	if err := cfg.ExtractSessionKeysFromDTLS(&st, c.dtlsClient); err != nil {
		return err
	}
	enc, err := srtp.CreateContext(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, cfg.Profile)
	if err != nil {
		return err
	}
	dec, err := srtp.CreateContext(cfg.Keys.RemoteMasterKey, cfg.Keys.RemoteMasterSalt, cfg.Profile,
		srtp.SRTPReplayProtection(64), srtp.SRTCPReplayProtection(64))
	if err != nil {
		return err
	}
	c.wmu.Lock()
	c.enc = enc
	c.wmu.Unlock()
	c.dmu.Lock()
	c.dec = dec
	c.dmu.Unlock()
	c.ready.Store(true)
	return nil
}

// watch moves the state on silence and sends the RTCP reports.
func (c *Conn) watch() {
	defer c.wg.Done()
	t := time.NewTicker(reportEvery)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		now := c.now()
		idle := now - time.Duration(c.lastRecv.Load())
		switch st := c.State(); st {
		case StateNew, StateConnecting:
			if now > connectTimeout {
				c.fail(errors.New("not connected in time"))
			}
		case StateConnected, StateDisconnected:
			switch {
			case idle > c.ep.failAfter:
				c.fail(errors.New("the peer went silent"))
				continue
			case idle > c.ep.disconnectAfter:
				c.setState(StateDisconnected)
			default:
				c.setState(StateConnected)
			}
			c.sendReports(now)
		}
	}
}

// fail ends the connection as failed (err nil: the peer closed it) and
// releases it.
func (c *Conn) fail(err error) {
	if err != nil && c.State() != StateClosed {
		c.ep.log.Info("media connection failed", "err", err)
	}
	if err == nil {
		c.setState(StateClosed)
	} else {
		c.setState(StateFailed)
	}
	c.release()
}

// release stops the connection's goroutines and routes its addresses
// nowhere.
func (c *Conn) release() {
	c.release1.Do(func() {
		c.cancel()
		_ = c.pipe.buf.Close()
		c.mu.Lock()
		c.released = true
		addrs := c.addrs
		c.mu.Unlock()
		e := c.ep
		e.mu.Lock()
		if e.byUfrag[c.ufrag] == c {
			delete(e.byUfrag, c.ufrag)
		}
		for _, a := range addrs {
			if e.byAddr[a] == c {
				delete(e.byAddr, a)
			}
		}
		e.mu.Unlock()
		e.pruneChecks(c, time.Now().Add(time.Hour))
	})
}

// Close ends the connection: the peer is told (DTLS close_notify) and its
// packets are dropped from now.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		dc := c.dtlsConn
		c.mu.Unlock()
		if dc != nil {
			_ = dc.Close()
		}
		c.setState(StateClosed)
		c.release()
		c.wg.Wait()
	})
	return nil
}

// WriteSample sends one frame as one RTP packet (the marker set, as pion's
// packetizer sets it on a sample's last packet); an empty frame only
// advances the timestamp. Before the connection is up, frames are dropped.
func (c *Conn) WriteSample(s media.Sample) error {
	ticks := uint32(int64(s.Duration) * int64(c.send.ClockRate) / int64(time.Second))
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if d := s.PrevDroppedPackets; d > 0 { // as pion's sample track: the lost packets' numbers and time pass
		c.seq += d
		c.ts += ticks * uint32(d)
	}
	if len(s.Data) == 0 {
		c.ts += ticks
		return nil
	}
	if len(s.Data) > mtu-64 {
		return fmt.Errorf("litertc: a %d-byte frame does not fit a packet", len(s.Data))
	}
	p := c.sel.Load()
	h := &c.hdr
	*h = rtp.Header{Version: 2, Marker: true, PayloadType: c.send.PT, SequenceNumber: c.seq, Timestamp: c.ts, SSRC: c.ssrc}
	c.seq++
	c.ts += ticks
	if c.enc == nil || p == nil || !c.sendOK {
		return nil
	}
	n, err := h.MarshalTo(c.plain[:])
	if err != nil {
		return err
	}
	n += copy(c.plain[n:], s.Data)
	out, err := c.enc.EncryptRTP(c.wbuf[:0], c.plain[:n], h)
	if err != nil {
		return err
	}
	if err := p.send(out); err != nil {
		return err
	}
	c.tx.sent(len(s.Data), h.Timestamp, c.now())
	return nil
}

// WriteRTCP sends a compound RTCP packet (dropped before the connection
// is up).
func (c *Conn) WriteRTCP(pkts []rtcp.Packet) error {
	raw, err := rtcp.Marshal(pkts)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeRTCPLocked(raw)
}

func (c *Conn) writeRTCPLocked(raw []byte) error {
	p := c.sel.Load()
	if c.enc == nil || p == nil {
		return nil
	}
	out, err := c.enc.EncryptRTCP(c.wbuf[:0], raw, nil)
	if err != nil {
		return err
	}
	return p.send(out)
}

// send writes one packet on the path (a closed socket: io.ErrClosedPipe,
// which callers take as the connection gone).
func (p *path) send(b []byte) error {
	if err := p.s.wr.WriteTo(b, p.addr); err != nil {
		if errors.Is(err, net.ErrClosed) {
			return io.ErrClosedPipe
		}
		return err
	}
	return nil
}

// dtlsPipe is the net.PacketConn pion/dtls runs over: it reads the DTLS
// records the socket's read loop queued and writes to the selected path.
type dtlsPipe struct {
	c     *Conn
	buf   *packetio.Buffer
	raddr *net.UDPAddr
}

func (p *dtlsPipe) ReadFrom(b []byte) (int, net.Addr, error) {
	n, _, err := p.buf.Read(b, nil)
	return n, p.raddr, err
}

func (p *dtlsPipe) WriteTo(b []byte, _ net.Addr) (int, error) {
	sel := p.c.sel.Load()
	if sel == nil {
		return 0, errors.New("litertc: no path selected")
	}
	return sel.s.uc.WriteToUDPAddrPort(b, sel.addr)
}

func (p *dtlsPipe) Close() error { return p.buf.Close() }

func (p *dtlsPipe) LocalAddr() net.Addr {
	if sel := p.c.sel.Load(); sel != nil {
		return net.UDPAddrFromAddrPort(sel.s.local)
	}
	return &net.UDPAddr{}
}

func (p *dtlsPipe) SetDeadline(t time.Time) error      { return p.buf.SetReadDeadline(t) }
func (p *dtlsPipe) SetReadDeadline(t time.Time) error  { return p.buf.SetReadDeadline(t) }
func (p *dtlsPipe) SetWriteDeadline(_ time.Time) error { return nil }

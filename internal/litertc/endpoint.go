// Package litertc answers a WebRTC offer for one audio stream the way a
// media server does: ICE-lite (RFC 8445 §2.5), DTLS-SRTP (RFC 5764) and
// RTP/RTCP multiplexed on one UDP socket per local address that every
// connection shares, with one goroutine per socket that reads a packet,
// decrypts it and hands it to the caller in place. pion's
// PeerConnection moves every received packet through four goroutines (the
// ICE candidate's reader, the mux, the SRTP session, the track reader) and
// every sent one through its interceptor chain; for a server carrying
// hundreds of calls that is most of its per-call time. The handshakes are
// pion's own packages: pion/stun for the connectivity checks, pion/dtls for
// the handshake and its exported keys, pion/srtp for the packets.
//
// The other side is a full ICE agent (a browser, or pion as in meet phone):
// it sends the checks and nominates the pair; a lite agent only answers
// them, from host (and, with STUN servers configured, server-reflexive)
// candidates.
package litertc

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/dtls/v3/pkg/crypto/fingerprint"
	"github.com/pion/dtls/v3/pkg/crypto/selfsign"
	"github.com/pion/stun/v4"

	"github.com/meet-dev/meet/internal/udpbatch"
)

// Config is an Endpoint's network set-up.
type Config struct {
	// Loopback binds 127.0.0.1 only (tests, a one-machine demo);
	// otherwise every up, non-loopback interface address is a candidate.
	Loopback bool
	// PublicIPs are announced instead of the bound addresses (1:1 NAT):
	// "203.0.113.7" replaces every address of its family, and
	// "203.0.113.7/10.0.0.5" replaces 10.0.0.5 only.
	PublicIPs []string
	// STUN servers ("stun:host:port") give server-reflexive candidates.
	STUN []string
	// PortMin and PortMax bound the UDP ports (0, 0: any).
	PortMin, PortMax uint16
	// DisconnectAfter and FailAfter are the silences that mark a
	// connection disconnected and failed; KeepAlive is how often the
	// offering side checks its pair (0: 5 s, 30 s, 2 s).
	DisconnectAfter, FailAfter, KeepAlive time.Duration
	Log                                   *slog.Logger
}

// Endpoint answers offers. All its connections share one UDP socket per
// local address (a server needs one port open, and one goroutine reads
// every peer's packets) and one DTLS certificate, whose fingerprint is in
// every answer. Packets are told apart by their source address, which a
// peer proves with a connectivity check carrying the connection's ICE
// credentials.
type Endpoint struct {
	cfg    Config
	log    *slog.Logger
	cert   tls.Certificate
	fp     string // "sha-256 AB:CD:..."
	stun   []string
	public []natMap
	socks  []*sock
	hosts  []candidate
	wg     sync.WaitGroup

	disconnectAfter, failAfter, keepAlive time.Duration

	srflxMu sync.Mutex // guards the two below (reflexiveCands)
	srflx   []candidate
	srflxAt time.Time

	mu       sync.RWMutex
	checks   map[[stun.TransactionIDSize]byte]*checkTx // the offering side's checks (offer.go)
	byUfrag  map[string]*Conn
	byAddr   map[netip.AddrPort]*Conn
	stunWait map[[stun.TransactionIDSize]byte]chan netip.AddrPort
	closed   bool
}

type natMap struct {
	public netip.Addr
	local  netip.Addr // invalid: every local address of public's family
}

// stunTimeout bounds the wait for a STUN server's answer while gathering.
const stunTimeout = 3 * time.Second

// NewEndpoint checks the configuration and makes the certificate.
func NewEndpoint(cfg Config) (*Endpoint, error) {
	e := &Endpoint{cfg: cfg, log: cfg.Log, byUfrag: map[string]*Conn{}, byAddr: map[netip.AddrPort]*Conn{},
		stunWait: map[[stun.TransactionIDSize]byte]chan netip.AddrPort{}, checks: map[[stun.TransactionIDSize]byte]*checkTx{},
		disconnectAfter: cmp.Or(cfg.DisconnectAfter, disconnectAfter), failAfter: cmp.Or(cfg.FailAfter, failAfter),
		keepAlive: cmp.Or(cfg.KeepAlive, keepAlive)}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if cfg.PortMin > cfg.PortMax {
		return nil, fmt.Errorf("litertc: port range %d-%d is empty", cfg.PortMin, cfg.PortMax)
	}
	for _, p := range cfg.PublicIPs {
		pub, local, hasLocal := strings.Cut(p, "/")
		m := natMap{}
		var err error
		if m.public, err = netip.ParseAddr(pub); err != nil {
			return nil, fmt.Errorf("litertc: public IP %q: %w", p, err)
		}
		if hasLocal {
			if m.local, err = netip.ParseAddr(local); err != nil {
				return nil, fmt.Errorf("litertc: public IP %q: %w", p, err)
			}
		}
		e.public = append(e.public, m)
	}
	for _, u := range cfg.STUN {
		uri, err := stun.ParseURI(u)
		if err != nil {
			return nil, fmt.Errorf("litertc: STUN server %q: %w", u, err)
		}
		if uri.Scheme != stun.SchemeTypeSTUN {
			return nil, fmt.Errorf("litertc: %q is not a stun: URL", u)
		}
		e.stun = append(e.stun, net.JoinHostPort(uri.Host, fmt.Sprint(uri.Port)))
	}
	cert, err := selfsign.GenerateSelfSigned()
	if err != nil {
		return nil, fmt.Errorf("litertc: certificate: %w", err)
	}
	x, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("litertc: certificate: %w", err)
	}
	fp, err := fingerprint.Fingerprint(x, fingerprintHash)
	if err != nil {
		return nil, fmt.Errorf("litertc: fingerprint: %w", err)
	}
	e.cert, e.fp = cert, "sha-256 "+strings.ToUpper(fp)
	ips, err := e.localAddrs()
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		uc, err := e.listen(ip)
		if err != nil {
			_ = e.Close()
			return nil, err
		}
		// Every connection's packets queue in this one socket while its
		// reader waits for a CPU: the kernel's default (about 200 kB,
		// some 250 packets at 50 a second per operator) holds under 30 ms
		// of a few hundred operators. Linux caps it at net.core.rmem_max.
		_ = uc.SetReadBuffer(sockBuffer)
		_ = uc.SetWriteBuffer(sockBuffer)
		rd, err := udpbatch.NewReader(uc, readBatch)
		var wr *udpbatch.Writer
		if err == nil {
			wr, err = udpbatch.NewWriter(uc)
		}
		if err != nil {
			_ = uc.Close()
			_ = e.Close()
			return nil, fmt.Errorf("litertc: %w", err)
		}
		s := &sock{ep: e, uc: uc, rd: rd, wr: wr, local: netip.AddrPortFrom(ip, uint16(uc.LocalAddr().(*net.UDPAddr).Port))}
		e.socks = append(e.socks, s)
		e.hosts = append(e.hosts, candidate{addr: netip.AddrPortFrom(e.announced(ip), s.local.Port()), typ: "host"})
	}
	for _, s := range e.socks {
		e.wg.Add(1)
		go s.readLoop()
	}
	return e, nil
}

// Close closes the sockets (every connection stops) and waits for their
// readers.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	for _, s := range e.socks {
		_ = s.uc.Close()
	}
	e.wg.Wait()
	return nil
}

// Hold queues the media the connections send (RTP and RTCP) until the
// matching Release, which sends the queue a few dozen packets per system
// call (internal/udpbatch.Writer): meetd's mixer holds the endpoint while
// it works through the rooms due together. Handshakes go out at once.
func (e *Endpoint) Hold() {
	for _, s := range e.socks {
		s.wr.Hold()
	}
}

// Release sends what Hold queued and ends that hold.
func (e *Endpoint) Release() {
	for _, s := range e.socks {
		s.wr.Release()
	}
}

// Ports are the UDP ports the endpoint listens on, one per local address.
func (e *Endpoint) Ports() []netip.AddrPort {
	out := make([]netip.AddrPort, len(e.socks))
	for i, s := range e.socks {
		out[i] = s.local
	}
	return out
}

// localAddrs are the addresses to bind one socket each on.
func (e *Endpoint) localAddrs() ([]netip.Addr, error) {
	if e.cfg.Loopback {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("litertc: interfaces: %w", err)
	}
	var out []netip.Addr
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			pfx, err := netip.ParsePrefix(a.String())
			if err != nil {
				continue
			}
			ip := pfx.Addr().Unmap()
			if ip.IsLinkLocalUnicast() || ip.IsLoopback() || !ip.IsGlobalUnicast() && !ip.IsPrivate() {
				continue
			}
			out = append(out, ip)
		}
	}
	if len(out) == 0 { // a container with loopback only: still usable by a peer on the same host
		e.log.Warn("no network interface address for WebRTC media: using 127.0.0.1 only")
		out = append(out, netip.MustParseAddr("127.0.0.1"))
	}
	return out, nil
}

// sockBuffer is the receive and send buffer asked for each shared socket.
const sockBuffer = 4 << 20

// listen binds a UDP socket on ip: the first free port of the range, so
// the port to open in a firewall is known.
func (e *Endpoint) listen(ip netip.Addr) (*net.UDPConn, error) {
	lo, hi := int(e.cfg.PortMin), int(e.cfg.PortMax)
	if lo == 0 && hi == 0 {
		return net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	}
	if lo == 0 {
		lo = 1
	}
	var err error
	for port := lo; port <= hi; port++ {
		var c *net.UDPConn
		c, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
		if err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("litertc: no free port in %d-%d on %s: %w", lo, hi, ip, err)
}

// announced is the address the candidate for local carries.
func (e *Endpoint) announced(local netip.Addr) netip.Addr {
	for _, m := range e.public {
		if m.local.IsValid() && m.local == local {
			return m.public
		}
	}
	for _, m := range e.public {
		if !m.local.IsValid() && m.public.Is4() == local.Is4() {
			return m.public
		}
	}
	return local
}

// candidate is one line of the answer's candidates.
type candidate struct {
	addr    netip.AddrPort
	typ     string         // "host" or "srflx"
	related netip.AddrPort // srflx: the socket's address
}

// gather lists the connection's candidates: the endpoint's host
// candidates and, with STUN servers configured, each socket's
// server-reflexive address.
func (c *Conn) gather(ctx context.Context) {
	c.cands = append(c.cands, c.ep.hosts...)
	c.cands = append(c.cands, c.ep.reflexiveCands(ctx)...)
}

// srflxTTL is how long the sockets' server-reflexive addresses are reused:
// every connection shares the sockets, so one STUN round trip serves them
// all, and an unreachable STUN server delays one answer in srflxTTL, not
// every one.
const srflxTTL = 5 * time.Minute

// reflexiveCands are the sockets' server-reflexive candidates, asked of the
// STUN servers at most once per srflxTTL (the answer arrives through the
// socket's read loop).
func (e *Endpoint) reflexiveCands(ctx context.Context) []candidate {
	if len(e.stun) == 0 {
		return nil
	}
	e.srflxMu.Lock()
	defer e.srflxMu.Unlock()
	if !e.srflxAt.IsZero() && time.Since(e.srflxAt) < srflxTTL {
		return e.srflx
	}
	var out []candidate
	for _, srv := range e.stun {
		for _, s := range e.socks {
			if a, err := e.reflexive(ctx, s, srv); err != nil {
				e.log.Warn("STUN server gave no address", "server", srv, "local", s.local, "err", err)
			} else if a != s.local && !slices.ContainsFunc(out, func(c candidate) bool { return c.addr == a }) {
				out = append(out, candidate{addr: a, typ: "srflx", related: s.local})
			}
		}
	}
	e.srflx, e.srflxAt = out, time.Now()
	return out
}

// reflexive asks a STUN server for s's address as the server sees it.
func (e *Endpoint) reflexive(ctx context.Context, s *sock, server string) (netip.AddrPort, error) {
	ua, err := net.ResolveUDPAddr("udp", server)
	if err != nil {
		return netip.AddrPort{}, err
	}
	dst := ua.AddrPort()
	if dst.Addr().Unmap().Is4() != s.local.Addr().Is4() {
		return netip.AddrPort{}, errors.New("other address family")
	}
	req := stun.MustBuild(stun.TransactionID, stun.BindingRequest, stun.Fingerprint)
	ch := make(chan netip.AddrPort, 1)
	e.mu.Lock()
	e.stunWait[req.TransactionID] = ch
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.stunWait, req.TransactionID)
		e.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(ctx, stunTimeout)
	defer cancel()
	retry := time.NewTicker(500 * time.Millisecond)
	defer retry.Stop()
	for {
		if _, err := s.uc.WriteToUDPAddrPort(req.Raw, dst); err != nil {
			return netip.AddrPort{}, err
		}
		select {
		case a := <-ch:
			return a, nil
		case <-retry.C:
		case <-ctx.Done():
			return netip.AddrPort{}, ctx.Err()
		}
	}
}

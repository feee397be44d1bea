package trunk

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
	"golang.org/x/time/rate"

	"github.com/meet-dev/meet/server/seclog"
)

// Admission of trunk peers: a source allow-list and/or digest auth. Nonces
// are stateless (timestamp + HMAC), so admission keeps no per-peer memory.

const nonceLifetime = 5 * time.Minute

// admission is the outcome of checking a request.
type admission int

const (
	admitted  admission = iota
	challenge           // 401 with a fresh nonce
	stale               // 401 with stale=true
	refused             // 403, same for unknown user and wrong password
)

type authenticator struct {
	realm  string
	users  map[string]string
	allow  []netip.Prefix
	secret []byte
	now    func() time.Time
}

func (a *authenticator) allowed(src netip.Addr) bool {
	src = src.Unmap()
	for _, p := range a.allow {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// check decides on a request from src carrying an optional Authorization.
func (a *authenticator) check(method string, src netip.Addr, authz string) admission {
	if src.IsValid() && a.allowed(src) {
		return admitted
	}
	if len(a.users) == 0 {
		return refused
	}
	if authz == "" {
		return challenge
	}
	cred, err := digest.ParseCredentials(authz)
	if err != nil || cred.Username == "" || cred.Response == "" {
		return refused
	}
	if !strings.EqualFold(cred.Realm, a.realm) {
		return refused
	}
	switch a.verifyNonce(cred.Nonce) {
	case nonceBad:
		return refused
	case nonceExpired:
		return stale
	}
	pass, known := a.users[cred.Username]
	if !known {
		pass = "\x00unknown" // compute anyway: same work, same answer
	}
	chal := &digest.Challenge{Realm: a.realm, Nonce: cred.Nonce, Algorithm: "MD5"}
	if cred.QOP != "" {
		if cred.QOP != "auth" {
			return refused
		}
		chal.QOP = []string{"auth"}
	}
	want, err := digest.Digest(chal, digest.Options{
		Method: method, URI: cred.URI, Username: cred.Username, Password: pass,
		Cnonce: cred.Cnonce, Count: cred.Nc,
	})
	if err != nil {
		return refused
	}
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(want.Response)), []byte(strings.ToLower(cred.Response))) != 1 || !known {
		return refused
	}
	return admitted
}

// challengeHeader builds a WWW-Authenticate header with a fresh nonce.
func (a *authenticator) challengeHeader(isStale bool) sip.Header {
	chal := digest.Challenge{Realm: a.realm, Nonce: a.nonce(), Algorithm: "MD5", QOP: []string{"auth"}, Stale: isStale}
	return sip.NewHeader("WWW-Authenticate", chal.String())
}

func (a *authenticator) mac(ts string) string {
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte(ts))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func (a *authenticator) nonce() string {
	ts := strconv.FormatInt(a.now().Unix(), 16)
	return ts + "." + a.mac(ts)
}

type nonceState int

const (
	nonceOK nonceState = iota
	nonceExpired
	nonceBad
)

func (a *authenticator) verifyNonce(n string) nonceState {
	ts, mac, ok := strings.Cut(n, ".")
	if !ok || len(ts) > 16 {
		return nonceBad
	}
	if !hmac.Equal([]byte(mac), []byte(a.mac(ts))) {
		return nonceBad
	}
	sec, err := strconv.ParseInt(ts, 16, 64)
	if err != nil {
		return nonceBad
	}
	age := a.now().Sub(time.Unix(sec, 0))
	if age < -time.Minute || age > nonceLifetime {
		return nonceExpired
	}
	return nonceOK
}

// Connection admission for SIP over TCP and TLS. sipgo reads a connection
// until the peer closes it, so the listener handed to sipgo is wrapped:
// peers that could never be admitted are closed at once and silently, each
// IP and the whole listener have a connection cap, and every connection
// has an idle timeout (between messages) and a message timeout (from the
// first byte of a message to its last), against slowloris.

// ConnLimits bounds SIP TCP/TLS connections (zero fields: defaults).
type ConnLimits struct {
	PerIP       int           // open connections per peer IP (default 32)
	Total       int           // open connections in all (default 1024)
	IdleTimeout time.Duration // no byte between messages for this long closes (default 2 min)
	MsgTimeout  time.Duration // a message (headers and body) must arrive within this (default 10 s)
	MaxHeader   int           // bytes of one message's headers (default 32 KiB)
	MaxBody     int           // Content-Length of one message (default 64 KiB)
}

func (l *ConnLimits) defaults() {
	if l.PerIP <= 0 {
		l.PerIP = 32
	}
	if l.Total <= 0 {
		l.Total = 1024
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 2 * time.Minute
	}
	if l.MsgTimeout <= 0 {
		l.MsgTimeout = 10 * time.Second
	}
	if l.MaxHeader <= 0 {
		l.MaxHeader = 32 << 10
	}
	if l.MaxBody <= 0 {
		l.MaxBody = 64 << 10
	}
}

// connGate is the wrapping listener.
type connGate struct {
	net.Listener
	lim     ConnLimits
	network string
	admit   func(netip.Addr) bool // false: close silently
	log     *slog.Logger
	now     func() time.Time

	mu    sync.Mutex
	perIP map[netip.Addr]int
	total int
}

func newConnGate(ln net.Listener, network string, lim ConnLimits, admit func(netip.Addr) bool, log *slog.Logger) *connGate {
	lim.defaults()
	return &connGate{Listener: ln, lim: lim, network: network, admit: admit, log: log, now: time.Now,
		perIP: map[netip.Addr]int{}}
}

// Accept returns the next admitted connection; refused ones are closed here.
func (g *connGate) Accept() (net.Conn, error) {
	for {
		c, err := g.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := addrOf(c.RemoteAddr())
		if reason := g.take(ip); reason != "" {
			c.Close()
			seclog.Refused(g.log, seclog.SIP, ip.String(), reason, g.network)
			continue
		}
		return &gatedConn{Conn: c, g: g, ip: ip, fr: framer{maxHeader: g.lim.MaxHeader, maxBody: g.lim.MaxBody}}, nil
	}
}

func addrOf(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap.Addr().Unmap()
}

// take counts a new connection from ip, or says why it is refused.
func (g *connGate) take(ip netip.Addr) string {
	if g.admit != nil && !g.admit(ip) {
		return seclog.NotAdmitted
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.total >= g.lim.Total || g.perIP[ip] >= g.lim.PerIP {
		return seclog.TooManyConns
	}
	g.total++
	g.perIP[ip]++
	return ""
}

func (g *connGate) put(ip netip.Addr) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.total--
	if g.perIP[ip]--; g.perIP[ip] <= 0 {
		delete(g.perIP, ip)
	}
}

// Open is the number of open gated connections.
func (g *connGate) Open() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.total
}

// gatedConn sets its own read deadline before every read from the framing
// state: idle timeout between messages, message timeout within one.
type gatedConn struct {
	net.Conn
	g      *connGate
	ip     netip.Addr
	closed atomic.Bool

	mu       sync.Mutex // Read is called by one goroutine; Close by any
	fr       framer
	msgStart time.Time
}

func (c *gatedConn) Read(b []byte) (int, error) {
	now := c.g.now()
	c.mu.Lock()
	var deadline time.Time
	if c.fr.idle() {
		deadline = now.Add(c.g.lim.IdleTimeout)
	} else {
		deadline = c.msgStart.Add(c.g.lim.MsgTimeout)
	}
	c.mu.Unlock()
	if err := c.Conn.SetReadDeadline(deadline); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mu.Lock()
		wasIdle := c.fr.idle()
		ferr := c.fr.feed(b[:n])
		if wasIdle && !c.fr.idle() {
			c.msgStart = now
		}
		c.mu.Unlock()
		if ferr != nil {
			seclog.Refused(c.g.log, seclog.SIP, c.ip.String(), seclog.Oversized, c.g.network, "error", ferr.Error())
			c.Close()
			return 0, net.ErrClosed
		}
	}
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() {
		c.mu.Lock()
		idle := c.fr.idle()
		c.mu.Unlock()
		reason := seclog.IdleTimeout
		if !idle {
			reason = seclog.SlowMessage
		}
		seclog.Refused(c.g.log, seclog.SIP, c.ip.String(), reason, c.g.network)
		c.Close()
		return n, net.ErrClosed // sipgo drops the connection quietly on ErrClosed
	}
	return n, err
}

func (c *gatedConn) Close() error {
	err := c.Conn.Close()
	if !c.closed.Swap(true) {
		c.g.put(c.ip)
	}
	return err
}

// framer follows SIP message boundaries on a stream (RFC 3261 §18.3:
// headers end at an empty line, the body is Content-Length bytes) just
// well enough to know whether a message is in progress.
type framer struct {
	maxHeader, maxBody int
	inMsg              bool
	line               []byte
	hdrBytes           int
	bodyLeft           int
	inBody             bool
	clen               int
}

var errOversized = errors.New("sip message too large")

func (f *framer) idle() bool { return !f.inMsg }

func (f *framer) feed(b []byte) error {
	for len(b) > 0 {
		switch {
		case f.inBody:
			n := min(f.bodyLeft, len(b))
			f.bodyLeft -= n
			b = b[n:]
			if f.bodyLeft == 0 {
				f.inBody, f.inMsg = false, false
			}
		case !f.inMsg:
			// Between messages: CRLF keep-alives (RFC 5626 §3.5.1).
			if b[0] == '\r' || b[0] == '\n' {
				b = b[1:]
				continue
			}
			f.inMsg, f.line, f.hdrBytes, f.clen = true, f.line[:0], 0, 0
		default:
			i := bytes.IndexByte(b, '\n')
			chunk := b
			if i >= 0 {
				chunk = b[:i]
			}
			f.hdrBytes += len(chunk) + 1
			if f.hdrBytes > f.maxHeader {
				return errOversized
			}
			if len(f.line) < 64 { // only the start of a line matters (Content-Length)
				f.line = append(f.line, chunk[:min(len(chunk), 64-len(f.line))]...)
			}
			if i < 0 {
				return nil
			}
			b = b[i+1:]
			line := bytes.TrimRight(f.line, "\r")
			f.line = f.line[:0]
			if len(line) == 0 {
				if f.clen > f.maxBody {
					return errOversized
				}
				f.bodyLeft = f.clen
				if f.bodyLeft > 0 {
					f.inBody = true
				} else {
					f.inMsg = false
				}
				continue
			}
			if name, val, ok := bytes.Cut(line, []byte(":")); ok {
				name = bytes.TrimSpace(name)
				if bytes.EqualFold(name, []byte("Content-Length")) || bytes.EqualFold(name, []byte("l")) {
					if n, err := strconv.Atoi(string(bytes.TrimSpace(val))); err == nil && n >= 0 {
						f.clen = n
					}
				}
			}
		}
	}
	return nil
}

// inviteGate limits new calls: a global calls-per-second bucket (--max-cps)
// and one bucket per source outside the allow-list. Refused INVITEs get
// 503 with Retry-After: load is shed with an answer, never with silence.
type inviteGate struct {
	global    *rate.Limiter // nil: unlimited
	sourceCPS rate.Limit    // 0: no per-source limit
	burst     int
	mu        sync.Mutex
	bySource  map[netip.Addr]*rate.Limiter
}

const maxTrackedSources = 10000

func newInviteGate(maxCPS, sourceCPS float64) *inviteGate {
	g := &inviteGate{sourceCPS: rate.Limit(sourceCPS), burst: max(int(sourceCPS*2), 1), bySource: map[netip.Addr]*rate.Limiter{}}
	if maxCPS > 0 {
		g.global = rate.NewLimiter(rate.Limit(maxCPS), max(int(maxCPS/10), 1)) // bursts of 100 ms
	}
	return g
}

// sourceOK takes a token from src's bucket; trusted sources (in the
// allow-list) have none.
func (g *inviteGate) sourceOK(src netip.Addr, trusted bool, now time.Time) bool {
	if trusted || g.sourceCPS <= 0 {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	lim := g.bySource[src]
	if lim == nil {
		if len(g.bySource) >= maxTrackedSources {
			for k, l := range g.bySource {
				if l.TokensAt(now) >= float64(g.burst) {
					delete(g.bySource, k)
				}
			}
		}
		if len(g.bySource) >= maxTrackedSources {
			return false
		}
		lim = rate.NewLimiter(g.sourceCPS, g.burst)
		g.bySource[src] = lim
	}
	return lim.AllowN(now, 1)
}

// globalOK takes a token from the --max-cps bucket.
func (g *inviteGate) globalOK(now time.Time) bool {
	return g.global == nil || g.global.AllowN(now, 1)
}

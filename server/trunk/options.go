package trunk

import (
	"github.com/meet-dev/meet/internal/udpbatch"

	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"
)

// Option configures a Server.
type Option func(*config) error

// OutboundConfig is the trunk that outbound calls go through.
type OutboundConfig struct {
	Proxy     string // host:port of the provider's SIP proxy
	Transport string // "udp" (default), "tcp" or "tls"
	Username  string // digest user for 401/407 challenges
	Password  string
	CallerID  string // From user part when Dial gets an empty from
	Domain    string // host part of From and Request-URI (default: Proxy's host)
}

// RegisterConfig makes the server register with a provider.
type RegisterConfig struct {
	Registrar string // host:port
	Transport string // "udp" (default), "tcp" or "tls"
	Domain    string // AOR host (default: Registrar's host)
	Username  string
	Password  string
	Expires   time.Duration // requested binding lifetime (default 1h)
}

type config struct {
	log          *slog.Logger
	listen       string
	tlsListen    string
	certFile     string
	keyFile      string
	host         string // host in Contact / Via
	rtpIP        netip.Addr
	rtpMin       int
	rtpMax       int
	allow        []netip.Prefix
	users        map[string]string
	realm        string
	outbound     *OutboundConfig
	register     *RegisterConfig
	dialTimeout  time.Duration
	rtpTimeout   time.Duration
	setupTimeout time.Duration
	rtcpInterval time.Duration // 0: 5 s (tests shorten it)
	maxCalls     int
	maxCPS       float64       // new calls per second over all sources (0: unlimited)
	sourceCPS    float64       // new calls per second per source outside the allow-list (0: unlimited)
	maxSetup     int           // INVITEs being set up at once (inside Handler.Inbound)
	setupDelay   time.Duration // smoothed set-up time above which INVITEs are shed (0: never)
	setupMinBusy int           // set-ups in flight below which setupDelay sheds nothing
	connLimits   ConnLimits
	jitterPrime  int
	jitterMax    int
	userAgent    string
	sendBatch    *udpbatch.Batch // nil: a sendto a packet
}

func defaultConfig() config {
	return config{
		log:          slog.Default(),
		listen:       "0.0.0.0:5060",
		realm:        "meetd",
		dialTimeout:  60 * time.Second,
		rtpTimeout:   30 * time.Second,
		setupTimeout: 10 * time.Minute,
		maxCalls:     5000,
		sourceCPS:    20,
		maxSetup:     512,
		setupDelay:   time.Second,
		setupMinBusy: defaultMinBusy,
		jitterPrime:  2,
		jitterMax:    10,
		userAgent:    "meetd",
	}
}

// WithLogger sets the structured logger (keys: call_id, sip_call_id, leg).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l != nil {
			c.log = l
		}
		return nil
	}
}

// WithListen sets the UDP and TCP listen address (default 0.0.0.0:5060;
// port 0 picks a free port, see Server.Addr).
func WithListen(addr string) Option {
	return func(c *config) error {
		if _, _, err := splitHostPort(addr); err != nil {
			return fmt.Errorf("trunk: listen address %q: %w", addr, err)
		}
		c.listen = addr
		return nil
	}
}

// WithTLS adds a SIP over TLS listener with a certificate and key in PEM files.
func WithTLS(addr, certFile, keyFile string) Option {
	return func(c *config) error {
		if certFile == "" || keyFile == "" {
			return fmt.Errorf("trunk: TLS needs both a certificate and a key file")
		}
		if _, _, err := splitHostPort(addr); err != nil {
			return fmt.Errorf("trunk: TLS listen address %q: %w", addr, err)
		}
		c.tlsListen, c.certFile, c.keyFile = addr, certFile, keyFile
		return nil
	}
}

// WithExternalHost sets the host put in Contact and Via headers (default:
// the listen IP, or the RTP IP when listening on all interfaces).
func WithExternalHost(host string) Option {
	return func(c *config) error {
		c.host = host
		return nil
	}
}

// WithRTPIP sets the IP RTP sockets bind to and SDP announces.
func WithRTPIP(ip string) Option {
	return func(c *config) error {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return fmt.Errorf("trunk: RTP IP %q: %w", ip, err)
		}
		c.rtpIP = a.Unmap()
		return nil
	}
}

// WithRTPPorts restricts RTP/RTCP ports to [min, max] (default: OS-assigned).
func WithRTPPorts(min, max int) Option {
	return func(c *config) error {
		if min < 1024 || max > 65535 || max-min < 1 {
			return fmt.Errorf("trunk: RTP port range %d-%d: need 1024 <= min < max <= 65535", min, max)
		}
		c.rtpMin, c.rtpMax = min, max
		return nil
	}
}

// WithAllow admits trunk peers whose source address is in one of the CIDRs
// (a bare IP means that one host). Without WithAllow and WithDigestUsers
// only loopback sources are admitted.
func WithAllow(cidrs ...string) Option {
	return func(c *config) error {
		for _, s := range cidrs {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if !strings.Contains(s, "/") {
				a, err := netip.ParseAddr(s)
				if err != nil {
					return fmt.Errorf("trunk: allow %q: %w", s, err)
				}
				c.allow = append(c.allow, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
				continue
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return fmt.Errorf("trunk: allow %q: %w", s, err)
			}
			c.allow = append(c.allow, p.Masked())
		}
		return nil
	}
}

// WithDigestUsers admits peers that authenticate with one of these
// user/password pairs (RFC 3261 §22 digest, MD5, qop=auth).
func WithDigestUsers(users map[string]string) Option {
	return func(c *config) error {
		c.users = make(map[string]string, len(users))
		for u, p := range users {
			if u == "" {
				return fmt.Errorf("trunk: digest user with empty name")
			}
			c.users[u] = p
		}
		return nil
	}
}

// WithRealm sets the digest realm (default "meetd").
func WithRealm(realm string) Option {
	return func(c *config) error {
		if realm == "" || strings.ContainsAny(realm, "\"\r\n") {
			return fmt.Errorf("trunk: invalid realm %q", realm)
		}
		c.realm = realm
		return nil
	}
}

// WithOutbound enables Dial through a provider's proxy.
func WithOutbound(o OutboundConfig) Option {
	return func(c *config) error {
		if _, _, err := splitHostPort(o.Proxy); err != nil {
			return fmt.Errorf("trunk: outbound proxy %q: %w", o.Proxy, err)
		}
		if err := checkTransport(o.Transport); err != nil {
			return err
		}
		c.outbound = &o
		return nil
	}
}

// WithRegister keeps a registration with a provider's registrar.
func WithRegister(r RegisterConfig) Option {
	return func(c *config) error {
		if _, _, err := splitHostPort(r.Registrar); err != nil {
			return fmt.Errorf("trunk: registrar %q: %w", r.Registrar, err)
		}
		if err := checkTransport(r.Transport); err != nil {
			return err
		}
		if r.Username == "" {
			return fmt.Errorf("trunk: registration needs a username")
		}
		if r.Expires <= 0 {
			r.Expires = time.Hour
		}
		if r.Expires < 10*time.Second {
			r.Expires = 10 * time.Second
		}
		c.register = &r
		return nil
	}
}

// WithDialTimeout bounds how long an outbound call may ring (default 60 s).
func WithDialTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("trunk: dial timeout must be positive")
		}
		c.dialTimeout = d
		return nil
	}
}

// WithRTPTimeout ends a call when no RTP arrives for d once media started
// (default 30 s; 0 disables).
func WithRTPTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("trunk: RTP timeout must not be negative")
		}
		c.rtpTimeout = d
		return nil
	}
}

// WithSetupTimeout bounds how long an inbound call may stay unanswered
// (default 10 min); then it is refused with 480 and reported as hung up.
func WithSetupTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("trunk: setup timeout must be positive")
		}
		c.setupTimeout = d
		return nil
	}
}

// WithMaxCalls bounds concurrent calls (default 5000); beyond it INVITEs get 503.
func WithMaxCalls(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("trunk: max calls must be positive")
		}
		c.maxCalls = n
		return nil
	}
}

// WithMaxSetupDelay sheds new INVITEs with 503 + Retry-After: 1 while
// set-ups (INVITE admitted → call registered with routing and the store)
// take longer than d on average, or none finished for d while several are
// under way: a starved server answers "try later" at once instead of
// admitting calls whose final response would come too late (default
// 1 s; 0 turns it off).
func WithMaxSetupDelay(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("trunk: max setup delay must not be negative")
		}
		c.setupDelay = d
		return nil
	}
}

// WithMaxCPS bounds new calls per second over all sources (0: unlimited);
// INVITEs over it get 503 with Retry-After: 1.
func WithMaxCPS(cps float64) Option {
	return func(c *config) error {
		if cps < 0 {
			return fmt.Errorf("trunk: max calls per second must not be negative")
		}
		c.maxCPS = cps
		return nil
	}
}

// WithSourceCPS bounds new calls per second from one source IP outside the
// allow-list (default 20, 0: unlimited); sources in WithAllow are trusted
// trunk peers and only bound by WithMaxCPS.
func WithSourceCPS(cps float64) Option {
	return func(c *config) error {
		if cps < 0 {
			return fmt.Errorf("trunk: per-source calls per second must not be negative")
		}
		c.sourceCPS = cps
		return nil
	}
}

// WithConnLimits bounds SIP TCP/TLS connections: caps per IP and in all,
// idle and message timeouts (zero fields: defaults, see ConnLimits).
func WithConnLimits(l ConnLimits) Option {
	return func(c *config) error {
		c.connLimits = l
		return nil
	}
}

// WithJitterBuffer sets the playout delay in 20 ms packets (prime, default 2
// = 40 ms) and the most it may grow to before it skips ahead (max, default 10).
func WithJitterBuffer(prime, max int) Option {
	return func(c *config) error {
		if prime < 1 || max < prime+2 || max > 100 {
			return fmt.Errorf("trunk: jitter buffer %d/%d: need 1 <= prime, prime+2 <= max <= 100", prime, max)
		}
		c.jitterPrime, c.jitterMax = prime, max
		return nil
	}
}

func checkTransport(t string) error {
	switch strings.ToLower(t) {
	case "", "udp", "tcp", "tls":
		return nil
	}
	return fmt.Errorf("trunk: unsupported transport %q (udp, tcp, tls)", t)
}

// WithSendBatch sends every call's RTP through b: while b is held (meetd's
// mixer holds it through the rooms due in one 2 ms slot) the packets of
// many calls leave in one system call (udpbatch.Batch). Without it each
// packet is a sendto of its own.
func WithSendBatch(b *udpbatch.Batch) Option {
	return func(c *config) error {
		c.sendBatch = b
		return nil
	}
}

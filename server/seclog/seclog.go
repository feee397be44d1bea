// Package seclog writes meetd's one security log line: every refused login
// and every refused SIP request or connection, in a single format that a
// fail2ban filter can match.
//
// With meetd's text log handler a line reads
//
//	time=… level=WARN msg=refused proto=http src=203.0.113.9 reason=wrong_password what="POST /v1/login"
//	time=… level=WARN msg=refused component=trunk proto=sip src=203.0.113.9 reason=not_admitted what=tcp
//
// and this fail2ban filter bans the source (deploy/fail2ban/meetd.conf):
//
//	failregex = level=WARN msg=refused .*\bsrc=<HOST> reason=
package seclog

import (
	"log/slog"
	"net"
	"net/netip"
)

// Protocols.
const (
	HTTP = "http"
	SIP  = "sip"
)

// Reasons (stable: filters may pick some and not others).
const (
	WrongPassword = "wrong_password" // a login with an unknown account or a wrong password
	LockedOut     = "locked_out"     // a login for an account in back-off after failures
	RateLimited   = "rate_limited"   // too many attempts from one source
	Busy          = "busy"           // too many concurrent password checks
	NotAdmitted   = "not_admitted"   // a SIP peer outside --trunk-allow without digest users
	TooManyConns  = "too_many_conns" // a SIP TCP/TLS connection over the per-IP or total cap
	IdleTimeout   = "idle_timeout"   // a SIP TCP/TLS connection closed for idling or a slow header
	SlowMessage   = "slow_message"   // a SIP TCP/TLS message not complete within the message timeout
	Oversized     = "oversized"      // a SIP TCP/TLS message over the header or body cap
	AuthFailed    = "auth_failed"    // a SIP request with wrong digest credentials
	InviteRate    = "invite_rate"    // INVITEs from one source over its rate limit
)

// Refused logs one refused request or connection from src ("ip" or
// "ip:port"). what names the request (method and path, SIP method or
// transport).
func Refused(log *slog.Logger, proto, src, reason, what string, attrs ...any) {
	args := append([]any{"proto", proto, "src", Host(src), "reason", reason, "what", what}, attrs...)
	log.Warn("refused", args...)
}

// Host is the IP of an "ip:port" or "ip" string (unchanged when neither).
func Host(src string) string {
	if ap, err := netip.ParseAddrPort(src); err == nil {
		return ap.Addr().Unmap().String()
	}
	if a, err := netip.ParseAddr(src); err == nil {
		return a.Unmap().String()
	}
	if h, _, err := net.SplitHostPort(src); err == nil {
		return h
	}
	return src
}

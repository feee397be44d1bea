package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/meet-dev/meet/server/automation"
	"github.com/meet-dev/meet/server/trunk"
)

// addFeatureFlags declares the phone, SMS and link flags of `meetd serve`.
// Each flag is also read from the config file and MEETD_* (e.g. MEETD_SIP,
// MEETD_TRUNK_ALLOW, MEETD_SMS_URL) through viper.
func addFeatureFlags(fs *pflag.FlagSet) {
	fs.String("sip", "", "SIP listen address for UDP and TCP, e.g. 0.0.0.0:5060 (empty: no trunk)")
	fs.String("sip-tls", "", "SIP over TLS listen address (needs --sip-cert and --sip-key)")
	fs.String("sip-cert", "", "PEM certificate for SIP over TLS")
	fs.String("sip-key", "", "PEM key for SIP over TLS")
	fs.String("sip-external-host", "", "host or IP announced in SIP Contact/Via and SDP (behind NAT)")
	fs.StringSlice("trunk-allow", nil, "CIDR of trunk peers admitted without digest auth (repeatable)")
	fs.StringSlice("trunk-user", nil, "digest credentials user:password a trunk peer may use (repeatable)")
	fs.Int("max-calls", 5000, "concurrent calls; beyond them INVITEs get 503 with Retry-After")
	fs.Float64("max-cps", 1000, "new calls per second over all sources; beyond it INVITEs get 503 with Retry-After (0: unlimited)")
	fs.Duration("max-setup-delay", time.Second, "while call set-up takes longer than this on average, new INVITEs get 503 with Retry-After (0: never)")
	fs.Float64("sip-source-cps", 20, "new calls per second from one source outside --trunk-allow (0: unlimited)")
	fs.Int("sip-max-conns", 1024, "open SIP TCP/TLS connections in all")
	fs.Int("sip-max-conns-per-ip", 32, "open SIP TCP/TLS connections per peer IP")
	fs.Duration("sip-idle-timeout", 2*time.Minute, "close a SIP TCP/TLS connection idle this long")
	fs.Duration("sip-msg-timeout", 10*time.Second, "close a SIP TCP/TLS connection whose message takes longer than this to arrive")
	fs.String("rtp-ip", "", "local IP for RTP sockets")
	fs.String("rtp-ports", "", "RTP port range min-max, e.g. 10000-20000")
	fs.Duration("rtp-timeout", 30*time.Second, "end a call when its RTP stops for this long")
	fs.Bool("io-uring", true, "send callers' RTP through io_uring, the packets of the rooms ticking together in one system call, where the kernel allows it (false, or a kernel or container profile that refuses io_uring: one sendto a packet)")
	fs.String("outbound-proxy", "", "provider SIP proxy host:port for outbound calls (callbacks)")
	fs.String("outbound-transport", "udp", "udp, tcp or tls")
	fs.String("outbound-user", "", "digest user for the outbound trunk")
	fs.String("outbound-password", "", "digest password for the outbound trunk")
	fs.String("outbound-caller-id", "", "caller ID (From user) of outbound calls")
	fs.Duration("dial-timeout", 60*time.Second, "give up on an unanswered outbound call after this long")
	fs.String("register", "", "registrar host:port to REGISTER with (uses --outbound-user/--outbound-password)")
	fs.Duration("register-expires", time.Hour, "requested registration lifetime")
	fs.Bool("ice-loopback", false, "WebRTC on loopback only (local demo and tests)")
	fs.StringSlice("ice-public-ip", nil, "public IP announced in ICE candidates (1:1 NAT)")
	fs.String("ice-ports", "", "UDP port range for WebRTC (the first free port in it, per server address, serves every operator), e.g. 20000-30000")
	fs.Duration("member-ring-timeout", 0, "per-member ring time under team auto-assignment (default 15s)")
	fs.String("sms-url", "", "SMS provider API base URL (empty: no SMS)")
	fs.String("sms-user", "", "SMS provider user (basic auth; empty uses a bearer token)")
	fs.String("sms-token", "", "SMS provider token or password")
	fs.String("sms-from", "", "SMS sender number")
	fs.Duration("sms-timeout", 10*time.Second, "give up on one SMS provider request after this long (then retry)")
	fs.Duration("sms-retry", 5*time.Second, "first retry delay of a failed SMS; it doubles up to 10 min, 12 attempts")
	fs.String("public-url", "", "base URL for chat links in SMS templates ({{chat_url}})")
	fs.String("survey-url", "", "survey link base for {{survey_url}}")
	fs.String("memory-limit", "", "soft limit of meetd's Go memory, e.g. 200MiB or 1GiB (runtime/debug.SetMemoryLimit): near it the garbage collector runs more often, at some CPU cost, instead of letting the heap grow to twice what is live; not a hard cap (empty: none, or GOMEMLIMIT)")
}

func portRange(s string) (int, int, error) {
	if s == "" {
		return 0, 0, nil
	}
	var lo, hi int
	if _, err := fmt.Sscanf(s, "%d-%d", &lo, &hi); err != nil || lo <= 0 || hi < lo || hi > 65535 {
		return 0, 0, fmt.Errorf("port range %q: want min-max, e.g. 10000-20000", s)
	}
	return lo, hi, nil
}

// featuresFromViper reads the flags declared by addFeatureFlags.
func featuresFromViper(v *viper.Viper) (features, error) {
	f := features{PublicURL: v.GetString("public-url"), SurveyURL: v.GetString("survey-url")}
	cl, err := clusterFromViper(v)
	if err != nil {
		return f, err
	}
	f.Cluster = cl
	f.Phone.Node = cl.Node
	p := &f.Phone
	p.SIPListen = v.GetString("sip")
	p.SIPTLSListen, p.SIPCert, p.SIPKey = v.GetString("sip-tls"), v.GetString("sip-cert"), v.GetString("sip-key")
	if p.SIPTLSListen != "" && (p.SIPCert == "" || p.SIPKey == "") {
		return f, fmt.Errorf("--sip-tls needs --sip-cert and --sip-key")
	}
	p.ExternalHost = v.GetString("sip-external-host")
	p.TrunkAllow = v.GetStringSlice("trunk-allow")
	for _, up := range v.GetStringSlice("trunk-user") {
		u, pw, ok := strings.Cut(up, ":")
		if !ok || u == "" || pw == "" {
			return f, fmt.Errorf("--trunk-user %q: want user:password", up)
		}
		if p.DigestUsers == nil {
			p.DigestUsers = map[string]string{}
		}
		p.DigestUsers[u] = pw
	}
	if n := v.GetInt("max-calls"); n <= 0 {
		return f, fmt.Errorf("--max-calls must be positive")
	}
	if v.GetFloat64("max-cps") < 0 || v.GetFloat64("sip-source-cps") < 0 {
		return f, fmt.Errorf("--max-cps and --sip-source-cps must not be negative")
	}
	if v.GetDuration("max-setup-delay") < 0 {
		return f, fmt.Errorf("--max-setup-delay must not be negative")
	}
	p.TrunkOptions = append(p.TrunkOptions, trunk.WithMaxCalls(v.GetInt("max-calls")), trunk.WithMaxSetupDelay(v.GetDuration("max-setup-delay")),
		trunk.WithMaxCPS(v.GetFloat64("max-cps")), trunk.WithSourceCPS(v.GetFloat64("sip-source-cps")),
		trunk.WithConnLimits(trunk.ConnLimits{PerIP: v.GetInt("sip-max-conns-per-ip"), Total: v.GetInt("sip-max-conns"),
			IdleTimeout: v.GetDuration("sip-idle-timeout"), MsgTimeout: v.GetDuration("sip-msg-timeout")}))
	p.RTPIP = v.GetString("rtp-ip")
	if p.RTPPortMin, p.RTPPortMax, err = portRange(v.GetString("rtp-ports")); err != nil {
		return f, err
	}
	p.RTPTimeout, p.DialTimeout = v.GetDuration("rtp-timeout"), v.GetDuration("dial-timeout")
	p.IOUring = v.GetBool("io-uring")
	if proxy := v.GetString("outbound-proxy"); proxy != "" {
		p.Outbound = &trunk.OutboundConfig{Proxy: proxy, Transport: v.GetString("outbound-transport"),
			Username: v.GetString("outbound-user"), Password: v.GetString("outbound-password"),
			CallerID: v.GetString("outbound-caller-id")}
	}
	if reg := v.GetString("register"); reg != "" {
		p.Register = &trunk.RegisterConfig{Registrar: reg, Transport: v.GetString("outbound-transport"),
			Username: v.GetString("outbound-user"), Password: v.GetString("outbound-password"),
			Expires: v.GetDuration("register-expires")}
	}
	p.ICELoopback = v.GetBool("ice-loopback")
	p.PublicIPs = v.GetStringSlice("ice-public-ip")
	lo, hi, err := portRange(v.GetString("ice-ports"))
	if err != nil {
		return f, err
	}
	p.ICEPortMin, p.ICEPortMax = uint16(lo), uint16(hi)
	p.MemberRingTO = v.GetDuration("member-ring-timeout")
	if url := v.GetString("sms-url"); url != "" {
		f.SMS = &automation.ProviderConfig{BaseURL: url, Username: v.GetString("sms-user"),
			Token: v.GetString("sms-token"), From: v.GetString("sms-from"), Timeout: v.GetDuration("sms-timeout")}
		f.SMSRetry = v.GetDuration("sms-retry")
		if f.SMS.From == "" {
			return f, fmt.Errorf("--sms-url needs --sms-from (the sender number)")
		}
	}
	return f, nil
}

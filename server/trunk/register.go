package trunk

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
)

// RegistrationStatus is where the provider registration stands.
type RegistrationStatus int

const (
	RegistrationDisabled    RegistrationStatus = iota // no WithRegister
	RegistrationRegistering                           // first attempt in flight
	RegistrationRegistered                            // binding valid until Expires
	RegistrationFailed                                // last attempt failed; retrying with back-off
)

func (r RegistrationStatus) String() string {
	switch r {
	case RegistrationRegistering:
		return "registering"
	case RegistrationRegistered:
		return "registered"
	case RegistrationFailed:
		return "failed"
	}
	return "disabled"
}

// RegistrationState is a snapshot of the registration.
type RegistrationState struct {
	Status    RegistrationStatus
	Expires   time.Time // binding end, when registered
	LastError string    // last failure, empty after a success
	Failures  int       // consecutive failures
	NextTry   time.Time // next refresh or retry
}

const (
	regMinBackoff = time.Second
	regMaxBackoff = 5 * time.Minute
	regAttempt    = 10 * time.Second
)

type registration struct {
	s      *Server
	cfg    RegisterConfig
	callID string
	tag    string
	cseq   uint32

	mu    sync.Mutex
	state RegistrationState
}

func newRegistration(s *Server, cfg RegisterConfig) *registration {
	r := &registration{s: s, cfg: cfg, callID: uuid.NewString(), tag: sip.GenerateTagN(16), cseq: 1}
	r.state.Status = RegistrationRegistering
	return r
}

// RegistrationState reports the provider registration.
func (s *Server) RegistrationState() RegistrationState {
	if s.reg == nil {
		return RegistrationState{}
	}
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	return s.reg.state
}

// refreshAfter schedules a refresh well before the binding expires.
func refreshAfter(exp time.Duration) time.Duration {
	switch {
	case exp <= 10*time.Second:
		return exp / 2
	case exp <= 2*time.Minute:
		return exp * 3 / 4
	}
	return exp - time.Minute
}

// nextBackoff doubles the retry delay up to regMaxBackoff.
func nextBackoff(d time.Duration) time.Duration {
	if d < regMinBackoff {
		return regMinBackoff
	}
	return min(2*d, regMaxBackoff)
}

func (r *registration) run(ctx context.Context) {
	backoff := regMinBackoff
	for {
		exp, err := r.once(ctx, r.cfg.Expires)
		var wait time.Duration
		now := time.Now()
		r.mu.Lock()
		if err != nil {
			r.state.Status = RegistrationFailed
			r.state.LastError = err.Error()
			r.state.Failures++
			wait = backoff
			backoff = nextBackoff(backoff)
			r.s.log.Warn("registration failed", "registrar", r.cfg.Registrar, "error", err, "retry_in", wait.String())
		} else {
			if r.state.Status != RegistrationRegistered {
				r.s.log.Info("registered", "registrar", r.cfg.Registrar, "expires", exp.String())
			}
			r.state = RegistrationState{Status: RegistrationRegistered, Expires: now.Add(exp)}
			wait = refreshAfter(exp)
			backoff = regMinBackoff
		}
		r.state.NextTry = now.Add(wait)
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func (r *registration) unregister() {
	r.mu.Lock()
	registered := r.state.Status == RegistrationRegistered
	r.mu.Unlock()
	if !registered {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := r.once(ctx, 0); err != nil {
		r.s.log.Debug("unregister failed", "error", err)
	}
	r.mu.Lock()
	r.state = RegistrationState{Status: RegistrationDisabled}
	r.mu.Unlock()
}

// once sends one REGISTER (answering a digest challenge) and returns the
// binding lifetime the registrar granted.
func (r *registration) once(ctx context.Context, expires time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, regAttempt)
	defer cancel()
	domain := r.cfg.Domain
	if domain == "" {
		domain, _, _ = splitHostPort(r.cfg.Registrar)
	}
	transport := transportName(r.cfg.Transport)
	network := strings.ToLower(transport)
	aor := sip.Uri{Scheme: "sip", User: r.cfg.Username, Host: domain}
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: domain})
	req.SetDestination(r.cfg.Registrar)
	req.SetTransport(transport)
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", r.tag)
	callID := sip.CallIDHeader(r.callID)
	r.cseq++
	cseq := &sip.CSeqHeader{SeqNo: r.cseq, MethodName: sip.REGISTER}
	contact := r.s.dialogUA(network).ContactHDR
	contact.Address.User = r.cfg.Username
	secs := int(expires / time.Second)
	exp := sip.ExpiresHeader(secs)
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor, Params: sip.NewParams()})
	req.AppendHeader(&callID)
	req.AppendHeader(cseq)
	req.AppendHeader(&contact)
	req.AppendHeader(&exp)

	client := r.s.udpClient
	if network != "udp" {
		client = r.s.tcpClient
	}
	res, err := client.Do(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("REGISTER: %w", err)
	}
	if res.StatusCode == sip.StatusUnauthorized || res.StatusCode == sip.StatusProxyAuthRequired {
		res, err = client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: r.cfg.Username, Password: r.cfg.Password})
		if c := req.CSeq(); c != nil {
			r.cseq = c.SeqNo
		}
		if err != nil {
			return 0, fmt.Errorf("REGISTER with credentials: %w", err)
		}
	}
	if res.StatusCode != sip.StatusOK {
		return 0, fmt.Errorf("REGISTER: %d %s", res.StatusCode, res.Reason)
	}
	return grantedExpiry(res, expires), nil
}

// grantedExpiry reads the lifetime from the Contact expires parameter or
// the Expires header, falling back to what was asked for.
func grantedExpiry(res *sip.Response, asked time.Duration) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		if ch, ok := h.(*sip.ContactHeader); ok && ch.Params != nil {
			if v, ok := ch.Params.Get("expires"); ok {
				if n, err := strconv.Atoi(v); err == nil && n > 0 {
					return time.Duration(n) * time.Second
				}
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	return asked
}

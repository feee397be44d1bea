package trunk

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// provider is a sipgo UAS standing in for a SIP provider: it answers
// INVITEs (optionally after a digest challenge) and REGISTERs.
type provider struct {
	*phone
	dsc       *sipgo.DialogServerCache
	user      string
	pass      string
	final     int          // final response to INVITE: 200, 486, or 0 to ring forever
	regCode   atomic.Int32 // response to an authenticated REGISTER
	regExpiry int          // Expires granted
	registers atomic.Int32 // REGISTERs seen (with credentials)
	events    chan string  // "invite", "auth-invite", "ack", "bye", "cancelled"
	mu        sync.Mutex
	lastFrom  string
	lastDlg   *sipgo.DialogServerSession
}

func newProvider(t *testing.T, user, pass string, final int) *provider {
	p := &provider{user: user, pass: pass, final: final, regExpiry: 2, events: make(chan string, 100)}
	p.regCode.Store(200)
	newPhoneWith(t, func(ph *phone) {
		p.phone = ph
		p.install()
	})
	return p
}

func (p *provider) install() {
	p.dsc = sipgo.NewDialogServerCache(p.client, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "provider", Host: "127.0.0.1", Port: p.addr.Port}})
	p.srv.OnInvite(p.onInvite)
	p.srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
		if p.dsc.ReadAck(req, tx) == nil {
			p.events <- "ack"
		}
	})
	p.srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := p.dsc.ReadBye(req, tx); err != nil {
			tx.Respond(sip.NewResponseFromRequest(req, 481, "No dialog", nil))
			return
		}
		p.events <- "bye"
	})
	p.srv.OnRegister(p.onRegister)
}

func (p *provider) authorized(req *sip.Request, method string) bool {
	if p.user == "" {
		return true
	}
	h := req.GetHeader("Authorization")
	if h == nil {
		return false
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Username != p.user {
		return false
	}
	chal := &digest.Challenge{Realm: "provider", Nonce: cred.Nonce, Algorithm: "MD5"}
	want, err := digest.Digest(chal, digest.Options{Method: method, URI: cred.URI, Username: p.user, Password: p.pass})
	return err == nil && want.Response == cred.Response
}

func (p *provider) challenge(req *sip.Request, tx sip.ServerTransaction) {
	chal := digest.Challenge{Realm: "provider", Nonce: fmt.Sprint(time.Now().UnixNano()), Algorithm: "MD5"}
	res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
	res.AppendHeader(sip.NewHeader("WWW-Authenticate", chal.String()))
	tx.Respond(res)
}

func (p *provider) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if !p.authorized(req, "INVITE") {
		p.events <- "invite"
		p.challenge(req, tx)
		return
	}
	p.events <- "auth-invite"
	p.mu.Lock()
	p.lastFrom = req.From().Address.User
	p.mu.Unlock()
	dlg, err := p.dsc.ReadInvite(req, tx)
	if err != nil {
		return
	}
	dlg.Respond(180, "Ringing", nil)
	switch p.final {
	case 0:
		<-dlg.Context().Done()
		p.events <- "cancelled"
	case 200:
		time.Sleep(50 * time.Millisecond)
		port := p.rtp.LocalAddr().(*net.UDPAddr).Port
		body := fmt.Sprintf("v=0\r\no=p 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n", port)
		if dlg.RespondSDP([]byte(body)) == nil {
			p.mu.Lock()
			p.lastDlg = dlg
			p.mu.Unlock()
		}
	default:
		dlg.Respond(p.final, "Busy Here", nil)
	}
}

func (p *provider) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	if !p.authorized(req, "REGISTER") {
		p.challenge(req, tx)
		return
	}
	p.registers.Add(1)
	code := int(p.regCode.Load())
	res := sip.NewResponseFromRequest(req, code, "Result", nil)
	if code == 200 {
		res.AppendHeader(sip.NewHeader("Expires", fmt.Sprint(p.regExpiry)))
	}
	tx.Respond(res)
}

func (p *provider) waitEvent(t *testing.T, want string, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-p.events:
			if ev == want {
				return
			}
		case <-deadline:
			t.Fatalf("provider saw no %q within %v", want, d)
		}
	}
}

func outboundTo(p *provider, user, pass string) Option {
	return WithOutbound(OutboundConfig{Proxy: p.addr.String(), Username: user, Password: pass, CallerID: "+4930100", Domain: "provider.test"})
}

func TestDialAnsweredWithDigestThenHangup(t *testing.T) {
	prov := newProvider(t, "meet", "trunkpw", 200)
	h := newFakeHandler()
	s := startServer(t, h, outboundTo(prov, "meet", "trunkpw"))
	if err := s.Dial(5, "", "+4930999"); err != nil {
		t.Fatal(err)
	}
	prov.waitEvent(t, "invite", 2*time.Second)      // challenged
	prov.waitEvent(t, "auth-invite", 2*time.Second) // retried with credentials
	if ev := h.wait(t, "answered", 3*time.Second); ev.id != 5 {
		t.Fatalf("answered %d", ev.id)
	}
	prov.waitEvent(t, "ack", 2*time.Second)
	prov.mu.Lock()
	from := prov.lastFrom
	prov.mu.Unlock()
	if from != "+4930100" {
		t.Fatalf("caller ID = %q", from)
	}
	// Media goes to the provider's RTP address as PCMA.
	if err := s.Media(5).WriteFrame(tone(500, 0, 160)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	prov.rtp.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := prov.rtp.Read(buf); err != nil || n != 172 || buf[1]&0x7f != 8 {
		t.Fatalf("rtp to provider: n=%d pt=%d err=%v", n, buf[1]&0x7f, err)
	}
	s.Hangup(5, "done")
	prov.waitEvent(t, "bye", 3*time.Second)
	waitNoCalls(t, s)
}

func TestDialRemoteHangsUp(t *testing.T) {
	prov := newProvider(t, "", "", 200)
	h := newFakeHandler()
	s := startServer(t, h, outboundTo(prov, "", ""))
	if err := s.Dial(6, "+4930555", "+4930999"); err != nil {
		t.Fatal(err)
	}
	h.wait(t, "answered", 3*time.Second)
	prov.waitEvent(t, "ack", 2*time.Second)
	var dlg *sipgo.DialogServerSession
	for i := 0; dlg == nil && i < 200; i++ {
		time.Sleep(5 * time.Millisecond)
		prov.mu.Lock()
		dlg = prov.lastDlg
		prov.mu.Unlock()
	}
	if dlg == nil {
		t.Fatal("provider dialog not confirmed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := dlg.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	if ev := h.wait(t, "hungup", 2*time.Second); ev.id != 6 || ev.detail != "bye" {
		t.Fatalf("got %+v", ev)
	}
	waitNoCalls(t, s)
}

func TestDialFailures(t *testing.T) {
	t.Run("busy", func(t *testing.T) {
		prov := newProvider(t, "", "", 486)
		h := newFakeHandler()
		s := startServer(t, h, outboundTo(prov, "", ""))
		if err := s.Dial(7, "", "123"); err != nil {
			t.Fatal(err)
		}
		ev := h.wait(t, "failed", 3*time.Second)
		if ev.id != 7 || !strings.HasPrefix(ev.detail, "486") {
			t.Fatalf("got %+v", ev)
		}
		waitNoCalls(t, s)
	})
	t.Run("wrong password", func(t *testing.T) {
		prov := newProvider(t, "meet", "right", 200)
		h := newFakeHandler()
		s := startServer(t, h, outboundTo(prov, "meet", "wrong"))
		if err := s.Dial(8, "", "123"); err != nil {
			t.Fatal(err)
		}
		if ev := h.wait(t, "failed", 3*time.Second); !strings.HasPrefix(ev.detail, "401") {
			t.Fatalf("got %+v", ev)
		}
	})
	t.Run("ring timeout", func(t *testing.T) {
		prov := newProvider(t, "", "", 0)
		h := newFakeHandler()
		s := startServer(t, h, outboundTo(prov, "", ""), WithDialTimeout(300*time.Millisecond))
		start := time.Now()
		if err := s.Dial(9, "", "123"); err != nil {
			t.Fatal(err)
		}
		if ev := h.wait(t, "failed", 3*time.Second); ev.detail != "ring timeout" {
			t.Fatalf("got %+v", ev)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("ring timeout reported after %v", el)
		}
		prov.waitEvent(t, "cancelled", 3*time.Second)
	})
	t.Run("hangup while ringing cancels", func(t *testing.T) {
		prov := newProvider(t, "", "", 0)
		h := newFakeHandler()
		s := startServer(t, h, outboundTo(prov, "", ""))
		if err := s.Dial(10, "", "123"); err != nil {
			t.Fatal(err)
		}
		prov.waitEvent(t, "auth-invite", 2*time.Second)
		time.Sleep(50 * time.Millisecond)
		s.Hangup(10, "operator gave up")
		prov.waitEvent(t, "cancelled", 3*time.Second)
		select {
		case ev := <-h.events:
			t.Fatalf("no handler event expected for an asked-for end, got %+v", ev)
		case <-time.After(100 * time.Millisecond):
		}
	})
	t.Run("no outbound configured", func(t *testing.T) {
		s := startServer(t, newFakeHandler())
		if err := s.Dial(11, "", "123"); err != ErrNoOutbound {
			t.Fatalf("got %v", err)
		}
	})
}

func TestRegisterRefreshAndBackoff(t *testing.T) {
	prov := newProvider(t, "meet", "regpw", 200)
	h := newFakeHandler()
	s := startServer(t, h, WithRegister(RegisterConfig{Registrar: prov.addr.String(), Username: "meet", Password: "regpw", Expires: 10 * time.Second}))
	deadline := time.Now().Add(5 * time.Second)
	for s.RegistrationState().Status != RegistrationRegistered {
		if time.Now().After(deadline) {
			t.Fatalf("not registered: %+v", s.RegistrationState())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The provider grants 2 s: a refresh follows after ~1 s.
	for prov.registers.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no refresh, %d REGISTERs", prov.registers.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	prov.regCode.Store(403)
	for s.RegistrationState().Status != RegistrationFailed {
		if time.Now().After(deadline.Add(3 * time.Second)) {
			t.Fatalf("failure not seen: %+v", s.RegistrationState())
		}
		time.Sleep(20 * time.Millisecond)
	}
	st := s.RegistrationState()
	if st.Failures < 1 || !strings.Contains(st.LastError, "403") || st.Status.String() != "failed" {
		t.Fatalf("state %+v", st)
	}
}

func TestBackoffAndRefreshSchedule(t *testing.T) {
	d := time.Duration(0)
	var seq []time.Duration
	for range 12 {
		d = nextBackoff(d)
		seq = append(seq, d)
	}
	if seq[0] != time.Second || seq[1] != 2*time.Second || seq[2] != 4*time.Second || seq[11] != regMaxBackoff {
		t.Fatalf("backoff %v", seq)
	}
	for exp, want := range map[time.Duration]time.Duration{
		4 * time.Second: 2 * time.Second, 60 * time.Second: 45 * time.Second, time.Hour: 59 * time.Minute,
	} {
		if got := refreshAfter(exp); got != want {
			t.Errorf("refreshAfter(%v) = %v want %v", exp, got, want)
		}
	}
}

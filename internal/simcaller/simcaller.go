// Package simcaller is a small simulated telephone on real SIP and RTP: it
// places calls into meetd the way a carrier trunk would (PCMU, 20 ms, speech
// from a buffer, everything heard recorded) and answers calls meetd places
// (callbacks). It drives the demo of `make run` and the end-to-end tests.
package simcaller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Phone is one simulated telephone with a SIP user agent on ip.
type Phone struct {
	ip     string
	number string
	log    *slog.Logger

	ua     *sipgo.UserAgent
	client *sipgo.Client
	server *sipgo.Server
	dialog *sipgo.DialogUA
	srvDlg *sipgo.DialogServerCache

	mu       sync.Mutex
	answerer func(from, to string) (AnswerPlan, bool)
	answered []Result
}

// Option configures a Phone.
type Option func(*Phone)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(p *Phone) { p.log = l } }

// New makes a phone with the given caller number, bound to ip (e.g. 127.0.0.1).
func New(ip, number string, opts ...Option) (*Phone, error) {
	p := &Phone{ip: ip, number: number, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(p)
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("meet-simcaller"), sipgo.WithUserAgentHostname(ip))
	if err != nil {
		return nil, err
	}
	p.ua = ua
	if p.client, err = sipgo.NewClient(ua, sipgo.WithClientHostname(ip)); err != nil {
		return nil, err
	}
	if p.server, err = sipgo.NewServer(ua); err != nil {
		return nil, err
	}
	p.server.OnInvite(p.onInvite)
	p.server.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = p.srvDlg.ReadAck(req, tx) })
	p.server.OnBye(p.onBye)
	p.server.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	return p, nil
}

// Close stops the user agent.
func (p *Phone) Close() error {
	_ = p.server.Close()
	return p.ua.Close()
}

// CallPlan says what an outgoing call does.
type CallPlan struct {
	Audio []int16 // 8 kHz speech, looped while the call lasts
	// HangupAfter ends the call this long after it starts (ringing or not): a caller who gives up.
	HangupAfter time.Duration
	// TalkFor ends the call this long after it is answered.
	TalkFor time.Duration
	// Keys are pressed as RFC 4733 telephone-events (payload type 101),
	// each At after the media starts (183 early media or the answer).
	Keys []Key
	// Heard, when set, is called with each received audio packet (8 kHz
	// PCM) and its arrival time, from the receiving goroutine: delay
	// measurements.
	Heard func(at time.Time, pcm []int16)
	// Spoken, when set, is called with each audio packet's samples and the
	// time it was sent, from the sending goroutine.
	Spoken func(at time.Time, pcm []int16)
}

// Key is one DTMF key press.
type Key struct {
	At    time.Duration
	Digit rune // 0-9, *, #, A-D
}

// Result is how a call went.
type Result struct {
	Status   int // final SIP status of the INVITE (200 when answered)
	Answered bool
	Early    bool // early media (183) was received
	// HungUpBy is "us" or "them".
	HungUpBy string
	Recorded []int16 // what we heard, 8 kHz
	Packets  int
	From, To string
	// KeysSent holds when each key's first end packet left, in Keys order.
	KeysSent []time.Time
}

// Call phones `to` at target (host:port, UDP) and plays the plan.
func (p *Phone) Call(ctx context.Context, target, to string, plan CallPlan) (Result, error) {
	res := Result{From: p.number, To: to}
	p.mu.Lock()
	dialog := p.dialog
	p.mu.Unlock()
	if dialog == nil {
		return res, errors.New("simcaller: ServeUDP must run before Call")
	}
	m, err := newMedia(p.ip)
	if err != nil {
		return res, err
	}
	m.heard, m.spoken = plan.Heard, plan.Spoken
	defer m.close()
	host, portS, err := net.SplitHostPort(target)
	if err != nil {
		return res, fmt.Errorf("target %q: %w", target, err)
	}
	port, _ := strconv.Atoi(portS)
	uri := sip.Uri{User: to, Host: host, Port: port}
	req := sip.NewRequest(sip.INVITE, uri)
	req.SetBody(m.sdp(p.ip))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	from := &sip.FromHeader{Address: sip.Uri{User: p.number, Host: p.ip}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(10))
	req.AppendHeader(from)

	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if plan.HangupAfter > 0 {
		callCtx, cancel = context.WithTimeout(callCtx, plan.HangupAfter)
		defer cancel()
	}
	sess, err := dialog.WriteInvite(callCtx, req)
	if err != nil {
		return res, fmt.Errorf("invite: %w", err)
	}
	defer sess.Close()

	mediaCtx, stopMedia := context.WithCancel(ctx)
	var mediaWG sync.WaitGroup
	startMedia := func(body []byte) {
		if mediaCtx.Err() != nil || len(body) == 0 {
			return
		}
		remote, err := remoteAddr(body)
		if err != nil {
			return
		}
		mediaWG.Add(1)
		go func() { defer mediaWG.Done(); m.run(mediaCtx, remote, plan.Audio, plan.Keys) }()
	}
	started := false
	err = sess.WaitAnswer(callCtx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
		if r.StatusCode == 183 && !started && len(r.Body()) > 0 {
			res.Early, started = true, true
			startMedia(r.Body())
		}
		return nil
	}})
	finish := func() (Result, error) {
		stopMedia()
		mediaWG.Wait()
		res.Recorded, res.Packets = m.result()
		res.KeysSent = m.keysSent()
		return res, nil
	}
	if err != nil {
		var de *sipgo.ErrDialogResponse
		switch {
		case errors.As(err, &de):
			res.Status, res.HungUpBy = de.Res.StatusCode, "them"
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			res.Status, res.HungUpBy = 487, "us"
		default:
			stopMedia()
			mediaWG.Wait()
			return res, err
		}
		return finish()
	}
	res.Status, res.Answered = 200, true
	if err := sess.Ack(ctx); err != nil {
		stopMedia()
		mediaWG.Wait()
		return res, fmt.Errorf("ack: %w", err)
	}
	if !started {
		startMedia(sess.InviteResponse.Body())
	}
	var talk <-chan time.Time
	if plan.TalkFor > 0 {
		t := time.NewTimer(plan.TalkFor)
		defer t.Stop()
		talk = t.C
	}
	select {
	case <-sess.Context().Done():
		res.HungUpBy = "them"
	case <-callCtx.Done():
		res.HungUpBy = "us"
	case <-talk:
		res.HungUpBy = "us"
	}
	if res.HungUpBy == "us" {
		byeCtx, c := context.WithTimeout(context.Background(), 5*time.Second)
		_ = sess.Bye(byeCtx)
		c()
	}
	return finish()
}

// ServeUDP listens on addr (host:port; port 0 picks one) until ctx ends,
// answering calls and sending our own requests from there. Call it before
// Call: the bound port goes into our Contact. It returns once listening.
func (p *Phone) ServeUDP(ctx context.Context, addr string) (net.Addr, error) {
	conn, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return nil, err
	}
	contact := sip.ContactHeader{Address: sip.Uri{User: p.number, Host: p.ip, Port: conn.LocalAddr().(*net.UDPAddr).Port}}
	p.mu.Lock()
	p.dialog = &sipgo.DialogUA{Client: p.client, ContactHDR: contact}
	p.srvDlg = sipgo.NewDialogServerCache(p.client, contact)
	p.mu.Unlock()
	go func() {
		<-ctx.Done()
		_ = conn.Close()
	}()
	go func() { _ = p.server.ServeUDP(conn) }()
	return conn.LocalAddr(), nil
}

// AnswerPlan says how an incoming call is answered.
type AnswerPlan struct {
	Delay   time.Duration // ring this long before answering
	Audio   []int16
	TalkFor time.Duration // then hang up; 0 waits for the other side
}

// OnCall decides for every incoming call whether and how to answer it;
// without it incoming calls are declined with 486 Busy Here.
func (p *Phone) OnCall(f func(from, to string) (AnswerPlan, bool)) {
	p.mu.Lock()
	p.answerer = f
	p.mu.Unlock()
}

// Answered returns the calls this phone has answered and finished.
func (p *Phone) Answered() []Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Result(nil), p.answered...)
}

func (p *Phone) onBye(req *sip.Request, tx sip.ServerTransaction) {
	if err := p.srvDlg.ReadBye(req, tx); err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
	}
}

func (p *Phone) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	p.mu.Lock()
	decide := p.answerer
	p.mu.Unlock()
	from, to := req.From().Address.User, req.To().Address.User
	plan, ok := AnswerPlan{}, false
	if decide != nil {
		plan, ok = decide(from, to)
	}
	if !ok {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 486, "Busy Here", nil))
		return
	}
	dlg, err := p.srvDlg.ReadInvite(req, tx)
	if err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 400, "Bad Request", nil))
		return
	}
	defer dlg.Close()
	remote, err := remoteAddr(req.Body())
	if err != nil {
		_ = dlg.Respond(488, "Not Acceptable Here", nil)
		return
	}
	m, err := newMedia(p.ip)
	if err != nil {
		_ = dlg.Respond(500, "Server Error", nil)
		return
	}
	defer m.close()
	_ = dlg.Respond(180, "Ringing", nil)
	select {
	case <-time.After(plan.Delay):
	case <-dlg.Context().Done():
		return
	}
	if err := dlg.Respond(200, "OK", m.sdp(p.ip), sip.NewHeader("Content-Type", "application/sdp")); err != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.run(ctx, remote, plan.Audio, nil); close(done) }()
	res := Result{Status: 200, Answered: true, From: from, To: to}
	var talk <-chan time.Time
	if plan.TalkFor > 0 {
		talk = time.After(plan.TalkFor)
	}
	select {
	case <-dlg.Context().Done():
		res.HungUpBy = "them"
	case <-talk:
		res.HungUpBy = "us"
		byeCtx, c := context.WithTimeout(context.Background(), 5*time.Second)
		_ = dlg.Bye(byeCtx)
		c()
	}
	cancel()
	<-done
	res.Recorded, res.Packets = m.result()
	p.mu.Lock()
	p.answered = append(p.answered, res)
	p.mu.Unlock()
}

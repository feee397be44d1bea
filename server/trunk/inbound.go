package trunk

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/seclog"
	"github.com/pion/sdp/v3"
)

// routes installs the SIP request handlers, each behind a recover.
func (s *Server) routes() {
	s.sip.OnInvite(s.guard(s.onInvite))
	s.sip.OnAck(s.guard(s.onAck))
	s.sip.OnBye(s.guard(s.onBye))
	s.sip.OnCancel(s.guard(s.onCancel))
	s.sip.OnOptions(s.guard(s.onOptions))
	s.sip.OnInfo(s.guard(s.onInfo))
	s.sip.OnNoRoute(s.guard(func(req *sip.Request, tx sip.ServerTransaction) {
		res := sip.NewResponseFromRequest(req, sip.StatusMethodNotAllowed, "Method Not Allowed", nil)
		res.AppendHeader(sip.NewHeader("Allow", allowMethods))
		s.respond(tx, res)
	}))
}

const allowMethods = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO"

// guard keeps a bad message from taking the server down.
func (s *Server) guard(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("panic in SIP handler", "panic", fmt.Sprint(r), "method", req.Method.String(), "stack", string(debug.Stack()))
				if !req.IsAck() && tx != nil {
					_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusInternalServerError, "Server Internal Error", nil))
				}
			}
		}()
		h(req, tx)
	}
}

func (s *Server) respond(tx sip.ServerTransaction, res *sip.Response) error {
	err := tx.Respond(res)
	if err != nil {
		s.log.Debug("sip respond failed", "status", res.StatusCode, "error", err)
	}
	return err
}

// reply answers req. A final non-2xx answer to an INVITE (a 503 that sheds
// load, a 401 challenge, a 404) then waits for the caller's ACK to end the
// transaction there, as refuse does for calls.
func (s *Server) reply(req *sip.Request, tx sip.ServerTransaction, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if s.respond(tx, res) == nil && req.IsInvite() && code >= 300 {
		// Bounded: beyond maxAckWaits at once (a flood of INVITEs that
		// never ACK) the transactions are left to their timers.
		if s.ackWaits.Add(1) <= maxAckWaits {
			endAtAck(tx)
		}
		s.ackWaits.Add(-1)
	}
}

// maxAckWaits bounds the goroutines endAtAck keeps waiting at once.
const maxAckWaits = 4096

// ackWait bounds how long endAtAck waits: the ACK of the first response or
// of two retransmissions (Timer G: T1, then 2·T1).
var ackWait = 4 * sip.T1

// endAtAck ends INVITE server transaction tx, which sent a final non-2xx
// response, when the ACK arrives (see refuse). Unread, each ACK also kept a
// goroutine of sipgo's waiting to hand it over until the transaction ended
// 5 s later: thousands of them while meetd sheds load with 503s. When no ACK
// comes within ackWait the transaction is left to its timers (Timer H ends
// it after 32 s), so a caller that never ACKs holds this goroutine for
// ackWait only.
func endAtAck(tx sip.ServerTransaction) {
	t := time.NewTimer(ackWait)
	defer t.Stop()
	select {
	case <-tx.Acks():
		tx.Terminate()
	case <-tx.Done():
	case <-t.C:
	}
}

// safeHandler calls into the Handler, containing its panics.
func (s *Server) safeHandler(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in trunk handler", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	fn()
}

func (s *Server) dialogUA(transport string) *sipgo.DialogUA {
	host := s.cfg.host
	network := strings.ToLower(transport)
	var port int
	client := s.udpClient
	if a := s.Addr(network); a != nil {
		_, port, _ = splitHostPort(a.String())
	}
	uri := sip.Uri{Scheme: "sip", User: "meetd", Host: host, Port: port}
	if network == "tcp" || network == "tls" {
		client = s.tcpClient
		uri.UriParams = sip.NewParams()
		uri.UriParams.Add("transport", network)
	}
	return &sipgo.DialogUA{Client: client, ContactHDR: sip.ContactHeader{Address: uri}, RewriteContact: true}
}

func (s *Server) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	s.reply(req, tx, sip.StatusOK, "OK",
		sip.NewHeader("Allow", allowMethods), sip.NewHeader("Accept", "application/sdp"))
}

func (s *Server) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	// A CANCEL matching a pending INVITE is handled by the transaction layer.
	s.reply(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
}

func (s *Server) onAck(req *sip.Request, tx sip.ServerTransaction) {
	c := s.bySIPCallID(req)
	if c == nil || c.in == nil {
		return // e.g. the ACK to a 401 over TCP: no dialog, nothing to do
	}
	if c.offer == nil && !c.isEnded() {
		s.ackAnswer(c, req.Body())
	}
	_ = c.in.ReadAck(req, tx)
}

// ackAnswer takes the caller's SDP answer from the ACK of a delayed-offer
// call and starts media; a missing or unusable answer ends the call.
func (s *Server) ackAnswer(c *call, body []byte) {
	c.mu.Lock()
	m, started := c.media, c.mediaOn
	c.mediaOn = true
	c.mu.Unlock()
	if started || m == nil {
		return
	}
	params, err := parseAnswer(body)
	if err != nil {
		if c.finish("bad SDP answer in ACK") {
			s.byeAsync(c)
			s.safeHandler(func() { s.h.CallerHungUp(c.id, "bad SDP answer in ACK: "+err.Error()) })
		}
		return
	}
	c.mu.Lock()
	c.params = params
	c.mu.Unlock()
	m.start(params, params.RemoteDir.reverse())
}

func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := s.bySIPCallID(req)
	if c == nil {
		s.reply(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	in, out := c.dialogs()
	var err error
	if in != nil {
		err = in.ReadBye(req, tx)
	} else if out != nil {
		err = out.ReadBye(req, tx)
	}
	if err != nil {
		s.reply(req, tx, sip.StatusOK, "OK")
	}
	if c.finish("bye") {
		s.safeHandler(func() { s.h.CallerHungUp(c.id, "bye") })
	}
}

// onInfo takes a DTMF key sent as SIP INFO (application/dtmf-relay or
// application/dtmf) within a call's dialog; other INFO bodies are
// answered 415, INFO outside a dialog 481.
func (s *Server) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	c := s.bySIPCallID(req)
	if c == nil || !hasToTag(req) {
		s.reply(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	d, ok := infoDigit(ct, req.Body())
	if !ok {
		s.reply(req, tx, sip.StatusUnsupportedMediaType, "Unsupported Media Type",
			sip.NewHeader("Accept", "application/dtmf-relay, application/dtmf"))
		return
	}
	// A phone sends its next INFO once this one is answered, and requests
	// run concurrently, so the key takes its turn before the 200 and reaches
	// the handler after it, in turn. Answered first, because what the key
	// does (a menu choice that answers the call) must not overtake the 200:
	// a caller may take the next 200 it sees for its INFO's.
	turn := c.takeInfoTurn()
	s.reply(req, tx, sip.StatusOK, "OK")
	c.inInfoTurn(turn, func() { s.safeHandler(func() { s.h.DTMF(c.id, d) }) })
}

func viaBranch(req *sip.Request) string {
	if v := req.Via(); v != nil && v.Params != nil {
		b, _ := v.Params.Get("branch")
		return b
	}
	return ""
}

func hasToTag(req *sip.Request) bool {
	to := req.To()
	if to == nil || to.Params == nil {
		return false
	}
	tag, ok := to.Params.Get("tag")
	return ok && tag != ""
}

func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if hasToTag(req) {
		s.onReInvite(req, tx)
		return
	}
	if s.closed.Load() {
		s.reply(req, tx, sip.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	if req.CallID() == nil || req.From() == nil || req.To() == nil || req.CSeq() == nil {
		s.reply(req, tx, sip.StatusBadRequest, "Bad Request")
		return
	}
	authz := ""
	if h := req.GetHeader("Authorization"); h != nil {
		authz = h.Value()
	}
	src := sourceAddr(req.Source())
	if !s.invites.sourceOK(src, s.auth.allowed(src), time.Now()) {
		seclog.Refused(s.log, seclog.SIP, req.Source(), seclog.InviteRate, "INVITE")
		s.reply(req, tx, sip.StatusServiceUnavailable, "Service Unavailable", sip.NewHeader("Retry-After", "1"))
		return
	}
	switch s.auth.check("INVITE", src, authz) {
	case challenge:
		s.reply(req, tx, sip.StatusUnauthorized, "Unauthorized", s.auth.challengeHeader(false))
		return
	case stale:
		s.reply(req, tx, sip.StatusUnauthorized, "Unauthorized", s.auth.challengeHeader(true))
		return
	case refused:
		reason := seclog.AuthFailed
		if authz == "" {
			reason = seclog.NotAdmitted
		}
		seclog.Refused(s.log, seclog.SIP, req.Source(), reason, "INVITE")
		s.reply(req, tx, sip.StatusForbidden, "Forbidden")
		return
	}
	if ct := req.ContentType(); ct != nil && !strings.HasPrefix(strings.ToLower(ct.Value()), "application/sdp") {
		s.reply(req, tx, sip.StatusUnsupportedMediaType, "Unsupported Media Type", sip.NewHeader("Accept", "application/sdp"))
		return
	}
	// An INVITE without SDP (delayed offer): we offer in the 200, the
	// caller answers in the ACK.
	var params mediaParams
	var offer *sdp.SessionDescription
	var err error
	if len(req.Body()) > 0 {
		params, offer, err = negotiateOffer(req.Body())
	}
	if err != nil {
		if errors.Is(err, ErrBadSDP) {
			s.reply(req, tx, sip.StatusBadRequest, "Bad SDP")
		} else {
			s.reply(req, tx, sip.StatusNotAcceptableHere, "Not Acceptable Here", sip.NewHeader("Warning", `304 meetd "PCMU or PCMA audio offer required"`))
		}
		return
	}
	to := sanitizeNumber(req.Recipient.User)
	if to == "" && req.To() != nil {
		to = sanitizeNumber(req.To().Address.User)
	}
	from := ""
	if f := req.From(); f != nil {
		from = sanitizeNumber(f.Address.User)
	}
	if to == "" {
		s.reply(req, tx, sip.StatusNotFound, "Not Found")
		return
	}
	sipCallID, branch := req.CallID().Value(), viaBranch(req)
	dup, retransmission := s.recent.lookup(sipCallID, branch, time.Now())
	s.mu.Lock()
	if b, settingUp := s.setup[sipCallID]; settingUp {
		dup, retransmission = true, b == branch
	}
	if c := s.bySIP[sipCallID]; c != nil {
		dupBranch := ""
		if c.in != nil {
			dupBranch = viaBranch(c.in.InviteRequest)
		}
		dup, retransmission = true, dupBranch == branch
	}
	now := time.Now()
	full := len(s.calls)+s.inflight >= s.cfg.maxCalls
	busy := s.inflight >= s.cfg.maxSetup
	slow := !dup && !full && !busy && s.load.overloaded(s.inflight, now)
	overRate := !dup && !full && !busy && !slow && !s.invites.globalOK(now)
	if !full && !busy && !slow && !overRate && !dup {
		s.load.started(s.inflight, now)
		s.inflight++
		s.setup[sipCallID] = branch
	}
	s.mu.Unlock()
	if dup {
		// Never a second call for one Call-ID: a late retransmission (same
		// branch) is absorbed, a merged request (RFC 3261 §8.2.2.2) gets 482.
		s.log.Debug("duplicate INVITE", "sip_call_id", sipCallID, "retransmission", retransmission)
		if !retransmission {
			s.reply(req, tx, sip.StatusLoopDetected, "Loop Detected")
		}
		return
	}
	if full || busy || slow || overRate {
		// Shed load with an answer: the caller's side retries elsewhere or later.
		retry, why := "1", "max_cps"
		switch {
		case full:
			retry, why = "5", "max_calls"
		case busy:
			why = "setup_queue"
		case slow:
			why = "setup_delay"
		}
		s.log.Debug("INVITE shed", "reason", why, "source", req.Source())
		s.shed.Add(1)
		s.reply(req, tx, sip.StatusServiceUnavailable, "Service Unavailable", sip.NewHeader("Retry-After", retry))
		return
	}
	c, ok := s.setupInbound(req, tx, from, to, params, offer, now)
	if ok {
		s.inviteLoop(c)
	}
}

// setupInbound asks the Handler about the call and registers it. It always
// releases the inflight slot taken by onInvite at admitted.
func (s *Server) setupInbound(req *sip.Request, tx sip.ServerTransaction, from, to string, params mediaParams, offer *sdp.SessionDescription, admitted time.Time) (*call, bool) {
	released := false
	release := func() {
		if !released {
			released = true
			now := time.Now()
			s.mu.Lock()
			s.load.done(admitted, now)
			s.inflight--
			delete(s.setup, req.CallID().Value())
			s.mu.Unlock()
		}
	}
	defer release()
	dlg, err := s.dialogUA(req.Transport()).ReadInvite(req, tx)
	if err != nil {
		s.reply(req, tx, sip.StatusBadRequest, "Bad Request")
		return nil, false
	}
	c := newCall(s, req.CallID().Value(), false)
	c.in, c.inTx, c.offer, c.params = dlg, tx, offer, params
	_ = dlg.Respond(sip.StatusTrying, "Trying", nil)

	var id int64
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("handler panic: %v", r)
				s.log.Error("panic in Handler.Inbound", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			}
		}()
		id, err = s.h.Inbound(dlg.Context(), from, to)
	}()
	if err != nil && dlg.Context().Err() != nil {
		// Cancelled while Inbound ran: the transaction layer has answered
		// 487 already, a second final response would be a 500 after it.
		c.log.Info("inbound call cancelled during setup", "from", from, "to", to, "error", err)
		return nil, false
	}
	if err != nil {
		code, reason := statusFor(err)
		c.log.Info("inbound call refused", "from", from, "to", to, "status", code, "error", err)
		// The set-up is over: a final response waits for its ACK (up to
		// 32 s when the sender never sends one), which must not count as a
		// set-up in flight or a flood of refused INVITEs sheds valid calls.
		release()
		refuse(dlg, tx, code, reason)
		return nil, false
	}
	c.setID(id)
	acts, err := s.register(c)
	release() // before any response: a final one waits for its ACK
	if err != nil {
		c.log.Error("inbound call not registered", "error", err)
		refuse(dlg, tx, sip.StatusInternalServerError, "Server Internal Error")
		return nil, false
	}
	c.log.Info("inbound call", "from", from, "to", to, "codec", params.Codec.Name)
	for _, a := range acts {
		s.deliver(c, a)
	}
	if c.getState() == stateSetup && !c.isEnded() {
		_ = dlg.Respond(sip.StatusRinging, "Ringing", nil)
	}
	return c, true
}

// statusFor maps a Handler.Inbound error to a SIP response.
func statusFor(err error) (int, string) {
	var ae *api.Error
	if errors.As(err, &ae) {
		switch ae.Code {
		case api.CodeNotFound:
			return sip.StatusNotFound, "Not Found"
		case api.CodeUnavailable, api.CodeStorageUnavailable, api.CodeReadOnly:
			return sip.StatusServiceUnavailable, "Service Unavailable"
		case api.CodeForbidden, api.CodeUnauthorized:
			return sip.StatusForbidden, "Forbidden"
		case api.CodeConflict, api.CodeInvalidTransition:
			return sip.StatusBusyHere, "Busy Here"
		}
	}
	return sip.StatusInternalServerError, "Server Internal Error"
}

// hangupStatus picks the final response for refusing an unanswered call.
func hangupStatus(detail string) (int, string) {
	d := strings.ToLower(detail)
	switch {
	case strings.Contains(d, "busy"):
		return sip.StatusBusyHere, "Busy Here"
	case strings.Contains(d, "declin"), strings.Contains(d, "reject"):
		return 603, "Decline"
	case strings.Contains(d, "timeout"):
		return sip.StatusRequestTimeout, "Request Timeout"
	case strings.Contains(d, "shutdown"):
		return sip.StatusServiceUnavailable, "Service Unavailable"
	}
	return sip.StatusTemporarilyUnavailable, "Temporarily Unavailable"
}

// inviteLoop owns the INVITE server transaction until the call is answered
// (and ACKed) or refused.
func (s *Server) inviteLoop(c *call) {
	dlg := c.in
	timer := time.NewTimer(s.cfg.setupTimeout)
	defer timer.Stop()
	for {
		select {
		case a := <-c.actions:
			switch a.kind {
			case actEarly:
				a.reply(s.sendEarly(c))
			case actAnswer:
				if s.answerInbound(c, a) {
					return
				}
			case actHangup:
				code, reason := a.code, a.detail
				if code == 0 {
					code, reason = hangupStatus(a.detail)
				}
				refuse(dlg, c.inTx, code, reason)
				a.reply(nil)
				return
			}
		case <-dlg.Context().Done():
			detail := "cancelled"
			if !errors.Is(context.Cause(dlg.Context()), sip.ErrTransactionCanceled) {
				detail = "transaction ended"
			}
			if c.finish(detail) {
				s.safeHandler(func() { s.h.CallerHungUp(c.id, detail) })
			}
			return
		case <-timer.C:
			if c.finish("setup timeout") {
				refuse(dlg, c.inTx, sip.StatusTemporarilyUnavailable, "Temporarily Unavailable")
				s.safeHandler(func() { s.h.CallerHungUp(c.id, "setup timeout") })
			}
			return
		}
	}
}

// refuse sends the final non-2xx response code to the INVITE of dlg,
// whose server transaction is tx, and waits for its ACK (sipgo's Respond
// does, up to Timer H, 32 s, when none comes); once the ACK came it ends the
// transaction.
//
// Over UDP, RFC 3261 17.2.1 keeps the transaction in the Confirmed state for
// T4 (5 s) after the ACK only to absorb further ACKs, which retransmissions
// of the response may have triggered; it sends nothing in that state. Ended
// at the ACK, such a late ACK reaches onAck instead, which ignores an ACK of
// no live call: the same on the wire (over TCP sipgo ends it at once anyway).
// Kept, each transaction held the INVITE, the ACK, the response and the
// dialog (6–7 KB) for those 5 s: at 1,000 refused calls/s (guidance, then
// 480) 30+ MB of live heap, twice that in RSS with Go's heap pacing. When
// Respond fails (the transaction ended, or sent another final response such
// as a 487 to a CANCEL that still waits for its ACK) it is left alone.
func refuse(dlg *sipgo.DialogServerSession, tx sip.ServerTransaction, code int, reason string) {
	if err := dlg.Respond(code, reason, nil); err == nil && tx != nil {
		tx.Terminate()
	}
}

func (a pendingAction) reply(err error) {
	if a.done != nil {
		a.done <- err
	}
}

// answerSDP builds (once) our answer to the caller's offer and starts media.
func (s *Server) answerSDP(c *call) ([]byte, error) {
	m, err := c.ensureMedia(c.params.RTCPMux)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	body := c.answer
	c.mu.Unlock()
	if body != nil {
		return body, nil
	}
	if c.offer == nil {
		body, err = buildOffer(c.local(m)) // delayed offer: media starts at the ACK
	} else {
		body, err = buildAnswer(c.offer, c.params, c.local(m), false)
	}
	if err != nil {
		return nil, fmt.Errorf("trunk: build SDP: %w", err)
	}
	c.mu.Lock()
	c.answer = body
	startNow := c.offer != nil
	c.mediaOn = c.mediaOn || startNow
	c.mu.Unlock()
	if startNow {
		m.start(c.params, c.params.RemoteDir.reverse())
	}
	return body, nil
}

func (s *Server) sendEarly(c *call) error {
	if st := c.getState(); st != stateSetup {
		return nil
	}
	if c.offer == nil {
		// Delayed offer: without reliable provisionals there is no early
		// media; the caller still learns the call is progressing.
		if err := c.in.Respond(sip.StatusSessionInProgress, "Session Progress", nil); err != nil {
			return fmt.Errorf("trunk: 183: %w", err)
		}
		c.setState(stateEarly)
		return nil
	}
	body, err := s.answerSDP(c)
	if err != nil {
		return err
	}
	res := sip.NewResponseFromRequest(c.in.InviteRequest, sip.StatusSessionInProgress, "Session Progress", body)
	res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	if err := c.in.WriteResponse(res); err != nil {
		return fmt.Errorf("trunk: 183: %w", err)
	}
	c.setState(stateEarly)
	return nil
}

// answerInbound sends 200 OK and waits for the ACK. It returns false when
// the call was ended meanwhile and the INVITE still needs its final response
// (which the queued hangup action carries).
func (s *Server) answerInbound(c *call, a pendingAction) bool {
	body, err := s.answerSDP(c)
	if err != nil {
		a.reply(err)
		if c.finish("answer failed") {
			_ = c.in.Respond(sip.StatusInternalServerError, "Server Internal Error", nil)
			s.safeHandler(func() { s.h.CallerHungUp(c.id, "answer failed: "+err.Error()) })
			return true
		}
		return false
	}
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		a.reply(ErrCallEnded)
		return false
	}
	c.state = stateAnswered
	m := c.media
	c.mu.Unlock()
	m.arm()
	a.reply(nil)
	err = c.in.WriteResponse(sip.NewSDPResponseFromRequest(c.in.InviteRequest, body))
	if err != nil {
		detail := "no ACK"
		if errors.Is(context.Cause(c.in.Context()), sip.ErrTransactionCanceled) {
			detail = "cancelled"
		}
		if c.finish(detail) {
			if detail == "no ACK" {
				s.byeAsync(c)
			}
			s.safeHandler(func() { s.h.CallerHungUp(c.id, detail) })
		}
		return true
	}
	c.log.Debug("inbound call confirmed")
	return true
}

func (s *Server) onReInvite(req *sip.Request, tx sip.ServerTransaction) {
	c := s.bySIPCallID(req)
	if c == nil || c.isEnded() {
		s.reply(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	m := c.mediaSession()
	if c.getState() != stateAnswered || m == nil {
		s.reply(req, tx, sip.StatusRequestPending, "Request Pending")
		return
	}
	if c.in != nil {
		_ = c.in.ReadRequest(req, tx)
	}
	var body []byte
	if len(req.Body()) == 0 {
		// Offer-less re-INVITE: offer our current session again.
		c.mu.Lock()
		body = c.answer
		c.mu.Unlock()
	} else {
		params, offer, err := negotiateOffer(req.Body())
		if err != nil {
			if errors.Is(err, ErrBadSDP) {
				s.reply(req, tx, sip.StatusBadRequest, "Bad SDP")
			} else {
				s.reply(req, tx, sip.StatusNotAcceptableHere, "Not Acceptable Here")
			}
			return
		}
		if params.RTCPMux != c.params.RTCPMux {
			params.RTCPMux = c.params.RTCPMux // sockets are already bound
		}
		body, err = buildAnswer(offer, params, c.local(m), false)
		if err != nil {
			s.reply(req, tx, sip.StatusInternalServerError, "Server Internal Error")
			return
		}
		m.update(params, params.RemoteDir.reverse())
		c.mu.Lock()
		c.params, c.answer = params, body
		c.mu.Unlock()
		c.log.Info("call re-negotiated", "remote_direction", params.RemoteDir.String())
	}
	res := sip.NewSDPResponseFromRequest(req, body)
	res.AppendHeader(&s.dialogUA(req.Transport()).ContactHDR)
	s.respond(tx, res)
}

// byeAsync sends BYE without blocking the caller. The ended call stays
// findable by SIP Call-ID meanwhile: the BYE may wait for the caller's ACK.
func (s *Server) byeAsync(c *call) {
	s.mu.Lock()
	if _, taken := s.bySIP[c.sipCallID]; !taken {
		s.bySIP[c.sipCallID] = c
	}
	s.mu.Unlock()
	s.byes.Add(1)
	go func() {
		defer s.byes.Done()
		defer func() {
			s.mu.Lock()
			if s.bySIP[c.sipCallID] == c {
				delete(s.bySIP, c.sipCallID)
			}
			s.mu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		in, out := c.dialogs()
		var err error
		switch {
		case in != nil:
			err = in.Bye(ctx)
		case out != nil:
			err = out.Bye(ctx)
		}
		if err != nil {
			c.log.Debug("BYE failed", "error", err)
		}
	}()
}

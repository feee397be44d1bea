package trunk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
)

// Dial places an outbound call through the configured trunk. It returns once
// the INVITE is on its way; the outcome arrives as Handler.OutboundAnswered
// or Handler.OutboundFailed. from is the caller ID user part (default
// OutboundConfig.CallerID), to the number to call.
func (s *Server) Dial(callID int64, from, to string) error {
	if s.closed.Load() || s.ctx == nil {
		return ErrClosed
	}
	ob := s.cfg.outbound
	if ob == nil {
		return ErrNoOutbound
	}
	to = sanitizeNumber(to)
	if to == "" {
		return fmt.Errorf("trunk: dial: empty or invalid number")
	}
	if from = sanitizeNumber(from); from == "" {
		from = sanitizeNumber(ob.CallerID)
	}
	if from == "" {
		from = "anonymous"
	}
	if s.lookup(callID) != nil {
		return fmt.Errorf("%w: call %d exists", ErrWrongState, callID)
	}
	s.mu.Lock()
	full := len(s.calls)+s.inflight >= s.cfg.maxCalls
	s.mu.Unlock()
	if full {
		return fmt.Errorf("trunk: dial: %d calls in progress", s.cfg.maxCalls)
	}

	c := newCall(s, uuid.NewString(), true)
	c.setID(callID)
	m, err := c.ensureMedia(false)
	if err != nil {
		return err
	}
	offer, err := buildOffer(c.local(m))
	if err != nil {
		m.close()
		return fmt.Errorf("trunk: dial: offer: %w", err)
	}
	c.answer = offer
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.dialTimeout)
	c.cancelDial = cancel
	if _, err := s.register(c); err != nil {
		cancel()
		m.close()
		return err
	}
	c.log.Info("dialing", "from", from, "to", to, "proxy", ob.Proxy)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		s.runDial(ctx, c, *ob, from, to, offer)
	}()
	return nil
}

func transportName(t string) string {
	switch strings.ToLower(t) {
	case "tcp":
		return "TCP"
	case "tls":
		return "TLS"
	}
	return "UDP"
}

func (s *Server) failDial(c *call, detail string) {
	if c.finish(detail) {
		s.safeHandler(func() { s.h.OutboundFailed(c.id, detail) })
	}
}

func (s *Server) runDial(ctx context.Context, c *call, ob OutboundConfig, from, to string, offer []byte) {
	domain := ob.Domain
	if domain == "" {
		domain, _, _ = splitHostPort(ob.Proxy)
	}
	transport := transportName(ob.Transport)
	recipient := sip.Uri{Scheme: "sip", User: to, Host: domain}
	req := sip.NewRequest(sip.INVITE, recipient)
	req.SetDestination(ob.Proxy)
	req.SetTransport(transport)
	fromHdr := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: from, Host: domain}, Params: sip.NewParams()}
	fromHdr.Params.Add("tag", sip.GenerateTagN(16))
	callIDHdr := sip.CallIDHeader(c.sipCallID)
	req.AppendHeader(fromHdr)
	req.AppendHeader(&sip.ToHeader{Address: recipient, Params: sip.NewParams()})
	req.AppendHeader(&callIDHdr)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.AppendHeader(sip.NewHeader("Allow", allowMethods))
	req.SetBody(offer)

	// A ring timeout is reported at once, while the CANCEL goes out.
	stop := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			s.failDial(c, "ring timeout")
		}
	})
	defer stop()

	dlg, err := s.dialogUA(strings.ToLower(transport)).WriteInvite(ctx, req)
	if err != nil {
		s.failDial(c, "invite failed: "+err.Error())
		return
	}
	c.mu.Lock()
	c.out = dlg
	c.mu.Unlock()
	err = dlg.WaitAnswer(ctx, sipgo.AnswerOptions{
		Username: ob.Username, Password: ob.Password,
		OnResponse: func(res *sip.Response) error {
			if res.IsProvisional() && res.StatusCode > 100 {
				c.log.Debug("outbound progress", "status", res.StatusCode)
			}
			return nil
		},
	})
	if err != nil {
		var rerr *sipgo.ErrDialogResponse
		detail := err.Error()
		switch {
		case errors.As(err, &rerr):
			detail = fmt.Sprintf("%d %s", rerr.Res.StatusCode, rerr.Res.Reason)
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			detail = "ring timeout"
		case ctx.Err() != nil:
			detail = "cancelled"
		}
		s.failDial(c, detail)
		dlg.Close()
		return
	}
	ackCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := dlg.Ack(ackCtx); err != nil {
		c.log.Warn("ACK failed", "error", err)
	}
	params, perr := parseAnswer(dlg.InviteResponse.Body())
	c.mu.Lock()
	ended := c.ended
	if !ended && perr == nil {
		c.state = stateAnswered
		c.params = params
	}
	m := c.media
	c.mu.Unlock()
	if ended || perr != nil {
		// Hung up or timed out while the 200 was on its way, or an answer
		// we cannot use: confirm and leave at once.
		_ = dlg.Bye(ackCtx)
		if perr != nil {
			s.failDial(c, "bad answer: "+perr.Error())
		}
		return
	}
	m.start(params, params.RemoteDir.reverse())
	m.arm()
	c.log.Info("outbound call answered", "codec", params.Codec.Name)
	s.safeHandler(func() { s.h.OutboundAnswered(c.id) })
}

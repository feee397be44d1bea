package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

const replayPage = 500

// serveWS streams events (replay after ?since=, then live) and carries
// WebRTC signalling. Without since the stream starts at the newest event.
func (a *API) serveWS(w http.ResponseWriter, r *http.Request, me *Me) {
	since := int64(-1)
	if s := r.URL.Query().Get("since"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "since=%q: want an event id", s))
			return
		}
		since = v
	}
	if err := checkUpgrade(w, r); err != nil {
		WriteError(w, a.log, err)
		return
	}
	a.wsWG.Add(1)
	defer a.wsWG.Done()
	if a.wsCtx.Err() != nil {
		WriteError(w, a.log, api.Errorf(api.CodeUnavailable, "server is shutting down"))
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(a.wsCtx, cancel)
	defer stop()
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		a.log.Warn("websocket accept", "err", err, "staff_id", me.ID())
		return
	}
	conn.SetReadLimit(1 << 20)
	a.metrics.wsClients.Inc()
	defer a.metrics.wsClients.Dec()
	s := &wsSession{a: a, me: me, conn: conn, out: make(chan api.WSMessage, 16)}
	err = s.run(ctx, since)
	switch {
	case err == nil, errors.Is(err, context.Canceled), websocket.CloseStatus(err) != -1:
		conn.Close(websocket.StatusNormalClosure, "")
	case api.CodeOf(err) == api.CodeUnauthorized:
		conn.Close(websocket.StatusPolicyViolation, "token expired or revoked")
	default:
		a.log.Info("websocket closed", "staff_id", me.ID(), "err", err)
		conn.Close(websocket.StatusInternalError, "server error")
	}
}

type wsSession struct {
	a    *API
	me   *Me
	conn *websocket.Conn
	out  chan api.WSMessage // replies produced off the main loop (rtc answers)
	last int64              // highest event id handled (sent or filtered)
}

func (s *wsSession) send(ctx context.Context, m api.WSMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return s.conn.Write(ctx, websocket.MessageText, b)
}

func (s *wsSession) sendEvent(ctx context.Context, e api.Event) error {
	if e.ID <= s.last {
		return nil
	}
	s.last = e.ID
	if !s.me.SeesEvent(e) {
		return nil
	}
	return s.send(ctx, api.WSMessage{Type: api.WSEvent, Event: &e})
}

// replay sends every stored event after s.last.
func (s *wsSession) replay(ctx context.Context) error {
	for {
		var evs []api.Event
		err := s.a.st.View(ctx, func(tx store.Tx) (err error) { evs, err = tx.EventsSince(s.last, replayPage); return })
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := s.sendEvent(ctx, e); err != nil {
				return err
			}
		}
		if len(evs) < replayPage {
			return nil
		}
	}
}

func (s *wsSession) run(ctx context.Context, since int64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Subscribe before reading the store: anything committed from here on
	// arrives on the channel; duplicates of the replay are skipped by id.
	events, unsubscribe := s.a.bus.Subscribe(s.a.wsBuffer)
	defer func() { unsubscribe() }()
	var newest int64
	if err := s.a.st.View(ctx, func(tx store.Tx) (err error) { newest, err = tx.LastEventID(); return }); err != nil {
		return err
	}
	if since < 0 || since > newest {
		since = newest
	}
	s.last = since
	if err := s.send(ctx, api.WSMessage{Type: api.WSHello, LastEventID: newest}); err != nil {
		return err
	}
	if err := s.replay(ctx); err != nil {
		return err
	}
	in := make(chan api.WSMessage)
	readErr := make(chan error, 1)
	go s.readLoop(ctx, in, readErr)
	ping := time.NewTicker(s.a.ping)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			return err
		case e, ok := <-events:
			if !ok { // fell behind: resubscribe and catch up from the store
				events, unsubscribe = s.a.bus.Subscribe(s.a.wsBuffer)
				if err := s.replay(ctx); err != nil {
					return err
				}
				continue
			}
			if e.ID > s.last+1 { // a gap: fill it from the store first
				if err := s.replay(ctx); err != nil {
					return err
				}
			}
			if err := s.sendEvent(ctx, e); err != nil {
				return err
			}
		case m := <-in:
			if err := s.handle(ctx, m); err != nil {
				return err
			}
		case m := <-s.out:
			if err := s.send(ctx, m); err != nil {
				return err
			}
		case <-ping.C:
			if err := s.keepAlive(ctx); err != nil {
				return err
			}
		}
	}
}

func (s *wsSession) readLoop(ctx context.Context, in chan<- api.WSMessage, errc chan<- error) {
	for {
		_, b, err := s.conn.Read(ctx)
		if err != nil {
			errc <- err
			return
		}
		var m api.WSMessage
		if err := decodeBytes(b, &m); err != nil {
			m = api.WSMessage{Type: "invalid", Error: wsErr(err).Error}
		}
		select {
		case in <- m:
		case <-ctx.Done():
			return
		}
	}
}

// keepAlive pings the peer and re-checks the token.
func (s *wsSession) keepAlive(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, s.a.ping)
	defer cancel()
	if err := s.conn.Ping(pctx); err != nil {
		return err
	}
	return s.a.st.View(ctx, func(tx store.Tx) error {
		_, err := tx.TokenStaff(s.me.tokenHash, s.a.now())
		return err
	})
}

func (s *wsSession) handle(ctx context.Context, m api.WSMessage) error {
	switch m.Type {
	case api.WSPing:
		return s.send(ctx, api.WSMessage{Type: api.WSPong})
	case api.WSPong:
		return nil
	case api.WSRTCOffer:
		if m.SDP == "" {
			return s.send(ctx, wsErr(api.Errorf(api.CodeBadRequest, "rtc.offer without sdp")))
		}
		if s.a.sig == nil {
			return s.send(ctx, wsErr(api.Errorf(api.CodeUnavailable, "media is not running on this server")))
		}
		go func() {
			octx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			answer, err := s.a.sig.Offer(octx, s.me.ID(), m.SDP)
			reply := api.WSMessage{Type: api.WSRTCAnswer, SDP: answer}
			if err != nil {
				s.a.log.Info("rtc offer failed", "staff_id", s.me.ID(), "err", err)
				reply = wsErr(err)
			}
			select {
			case s.out <- reply:
			case <-ctx.Done():
			}
		}()
		return nil
	case "invalid":
		return s.send(ctx, api.WSMessage{Type: api.WSError, Error: m.Error})
	}
	return s.send(ctx, wsErr(api.Errorf(api.CodeBadRequest, "unknown message type %q", m.Type)))
}

func wsErr(err error) api.WSMessage {
	var ae *api.Error
	if !errors.As(err, &ae) {
		ae = api.Errorf(api.CodeInternal, "%v", err)
	}
	return api.WSMessage{Type: api.WSError, Error: &api.Error{Code: ae.Code, Message: ae.Message}}
}

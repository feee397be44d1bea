package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/meet-dev/meet/api"
)

// State is where a Stream's connection is.
type State int

const (
	Connecting   State = iota + 1 // first dial
	Connected                     // hello received, events flow
	Reconnecting                  // lost; Err says why; dialing again after a back-off
	Closed                        // Close was called or the context ended
)

func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Reconnecting:
		return "reconnecting"
	case Closed:
		return "closed"
	}
	return "unknown"
}

// ConnState is one status change of a Stream.
type ConnState struct {
	State       State
	Err         error // why the connection was lost (Reconnecting)
	LastEventID int64 // the last event id seen so far
}

// Stream is a reconnecting event stream on GET /v1/ws. Events arrive in id
// order with nothing lost and no duplicates across reconnects: each dial
// resumes with since = the last id seen. It also carries WebRTC signalling
// (Offer), so a *Stream satisfies softphone.Signaller.
type Stream struct {
	c       *Client
	events  chan api.Event
	status  chan ConnState
	last    atomic.Int64
	cancel  context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	conn    *websocket.Conn
	offerMu sync.Mutex
	answers chan api.WSMessage
	ping    time.Duration
}

// Stream starts the event stream. sinceID > 0 replays every event after it
// first; sinceID ≤ 0 starts at the newest event (fetch lists after the first
// Connected status so nothing falls between).
func (c *Client) Stream(ctx context.Context, sinceID int64) *Stream {
	ctx, cancel := context.WithCancel(ctx)
	s := &Stream{c: c, events: make(chan api.Event, 256), status: make(chan ConnState, 16), cancel: cancel,
		done: make(chan struct{}), answers: make(chan api.WSMessage, 1), ping: 15 * time.Second}
	if sinceID < 0 {
		sinceID = 0
	}
	s.last.Store(sinceID)
	go s.run(ctx)
	return s
}

// Events delivers events; it is closed after Close.
func (s *Stream) Events() <-chan api.Event { return s.events }

// Status delivers connection changes (the newest win when nobody reads).
func (s *Stream) Status() <-chan ConnState { return s.status }

// LastEventID is the id of the last event delivered (or of the hello).
func (s *Stream) LastEventID() int64 { return s.last.Load() }

// Close stops the stream and waits for it.
func (s *Stream) Close() {
	s.cancel()
	<-s.done
}

func (s *Stream) setStatus(st ConnState) {
	st.LastEventID = s.last.Load()
	for {
		select {
		case s.status <- st:
			return
		default:
		}
		select { // full: drop the oldest
		case <-s.status:
		default:
		}
	}
}

func (s *Stream) run(ctx context.Context) {
	defer close(s.done)
	defer close(s.events)
	state := Connecting
	failures := 0
	for {
		s.setStatus(ConnState{State: state})
		connected, err := s.session(ctx)
		if ctx.Err() != nil {
			s.setStatus(ConnState{State: Closed})
			return
		}
		if connected {
			failures = 0
		}
		failures++
		state = Reconnecting
		s.setStatus(ConnState{State: Reconnecting, Err: err})
		backoff := min(200*time.Millisecond<<min(failures-1, 6), 10*time.Second)
		backoff += time.Duration(rand.Int64N(int64(backoff/4) + 1))
		select {
		case <-ctx.Done():
			s.setStatus(ConnState{State: Closed})
			return
		case <-time.After(backoff):
		}
	}
}

func (s *Stream) wsURL() string {
	u := *s.c.base
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	u.Path += "/v1/ws"
	q := url.Values{}
	if last := s.last.Load(); last > 0 {
		q.Set("since", strconv.FormatInt(last, 10))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// session runs one connection; connected reports whether hello arrived.
func (s *Stream) session(ctx context.Context) (connected bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+s.c.Token())
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	conn, resp, err := websocket.Dial(dctx, s.wsURL(), &websocket.DialOptions{HTTPClient: s.c.http, HTTPHeader: h})
	dcancel()
	if err != nil {
		if resp != nil && resp.StatusCode >= 300 {
			return false, readError(resp)
		}
		return false, err
	}
	conn.SetReadLimit(1 << 20)
	defer conn.CloseNow()
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.conn = nil
		s.mu.Unlock()
	}()
	go func() { // detect a dead server
		t := time.NewTicker(s.ping)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				pctx, pcancel := context.WithTimeout(ctx, s.ping)
				err := conn.Ping(pctx)
				pcancel()
				if err != nil {
					conn.CloseNow()
					return
				}
			}
		}
	}()
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return connected, err
		}
		var m api.WSMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return connected, fmt.Errorf("bad message from server: %w", err)
		}
		switch m.Type {
		case api.WSHello:
			// Start at the newest event on a live-only start, and after the
			// server's log was reset (it knows fewer events than we saw).
			if last := s.last.Load(); last == 0 || m.LastEventID < last {
				s.last.Store(m.LastEventID)
			}
			connected = true
			s.setStatus(ConnState{State: Connected})
		case api.WSEvent:
			if m.Event == nil || m.Event.ID <= s.last.Load() {
				continue
			}
			select {
			case s.events <- *m.Event:
				s.last.Store(m.Event.ID)
			case <-ctx.Done():
				return connected, ctx.Err()
			}
		case api.WSRTCAnswer, api.WSError:
			select {
			case s.answers <- m:
			default: // nobody waiting
			}
		case api.WSPing:
			s.write(ctx, api.WSMessage{Type: api.WSPong})
		}
	}
}

func (s *Stream) write(ctx context.Context, m api.WSMessage) error {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn == nil {
		return api.Errorf(api.CodeUnavailable, "event stream is not connected")
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return conn.Write(ctx, websocket.MessageText, b)
}

// Offer sends the softphone's SDP offer on the socket and waits for the
// server's answer.
func (s *Stream) Offer(ctx context.Context, sdp string) (string, error) {
	s.offerMu.Lock()
	defer s.offerMu.Unlock()
	select { // drop a stale answer
	case <-s.answers:
	default:
	}
	if err := s.write(ctx, api.WSMessage{Type: api.WSRTCOffer, SDP: sdp}); err != nil {
		return "", err
	}
	select {
	case m := <-s.answers:
		if m.Type == api.WSError {
			if m.Error != nil {
				return "", m.Error
			}
			return "", errors.New("rtc offer failed")
		}
		return m.SDP, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

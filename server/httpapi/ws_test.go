package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/store"
)

func (e *env) storedEvents(after int64) []api.Event {
	e.t.Helper()
	var evs []api.Event
	err := e.db.View(ctx, func(tx store.Tx) (err error) { evs, err = tx.EventsSince(after, 100000); return })
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func waitConnected(t *testing.T, s *client.Stream) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case st := <-s.Status():
			if st.State == client.Connected {
				return
			}
		case <-timeout:
			t.Fatal("stream did not connect")
		}
	}
}

func TestWSReconnectCatchesUpExactly(t *testing.T) {
	e := newEnv(t)
	c1 := e.chat(e.ch1.ID, "+4911", nil)
	c2 := e.chat(e.ch2.ID, "+4922", nil)
	for i := 0; i < 10; i++ {
		if _, err := e.cOp1.AddMemo(ctx, c1.ID, fmt.Sprintf("before %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	since := e.storedEvents(0)[8].ID // replay starts in the middle of the history
	p := newProxy(t, e.srv.Listener.Addr().String())
	cl := client.New(p.url(), client.WithToken(e.cOp1.Token()))
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := cl.Stream(sctx, since)
	defer s.Close()
	waitConnected(t, s)

	done := make(chan error, 1)
	var cuts atomic.Int64
	go func() {
		// Write at least 150 pairs, and on until the connection was cut 3 times.
		for i := 0; i < 150 || (cuts.Load() < 3 && i < 5000); i++ {
			if _, err := e.cOp1.AddMemo(ctx, c1.ID, fmt.Sprintf("live %d", i)); err != nil {
				done <- err
				return
			}
			if _, err := e.cOp2.AddMemo(ctx, c2.ID, fmt.Sprintf("other channel %d", i)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var got []api.Event
	ticker := time.NewTicker(25 * time.Millisecond)
	defer ticker.Stop()
	writing := true
	deadline := time.After(30 * time.Second)
	var want []api.Event
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			writing = false
			for _, ev := range e.storedEvents(since) {
				if ev.ChannelID == e.ch1.ID {
					want = append(want, ev)
				}
			}
		case <-ticker.C:
			if writing && p.cut() > 0 {
				cuts.Add(1)
			}
		case ev := <-s.Events():
			got = append(got, ev)
		case <-deadline:
			t.Fatalf("timed out with %d events, want %d", len(got), len(want))
		}
		if !writing && len(got) >= len(want) {
			break
		}
	}
	if cuts.Load() < 3 {
		t.Fatalf("only %d connection cuts happened", cuts.Load())
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Type != want[i].Type || got[i].ChannelID != e.ch1.ID {
			t.Fatalf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if s.LastEventID() != want[len(want)-1].ID {
		t.Fatalf("LastEventID %d, want %d", s.LastEventID(), want[len(want)-1].ID)
	}
	t.Logf("%d events across %d connection cuts", len(got), cuts.Load())
}

func TestWSLiveOnlyAndAdminSeesAll(t *testing.T) {
	e := newEnv(t)
	e.chat(e.ch1.ID, "+1", nil) // history that a live-only stream skips
	s := e.cAdm.Stream(ctx, 0)
	defer s.Close()
	waitConnected(t, s)
	start := s.LastEventID()
	c2 := e.chat(e.ch2.ID, "+2", nil)
	if _, err := e.cOp1.PutSettings(ctx, api.Settings{DND: true}); err != nil {
		t.Fatal(err)
	}
	var got []api.Event
	for len(got) < 2 {
		select {
		case ev := <-s.Events():
			got = append(got, ev)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %v", got)
		}
	}
	if got[0].ID <= start || got[0].ChatID != c2.ID || got[1].Type != api.EvSettingsUpdated {
		t.Fatalf("admin events = %+v", got)
	}
	// Someone else's settings never reach an operator.
	s2 := e.cOp2.Stream(ctx, start)
	defer s2.Close()
	select {
	case ev := <-s2.Events():
		if ev.Type == api.EvSettingsUpdated || ev.ChatID != c2.ID {
			t.Fatalf("op2 got %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("op2 got nothing")
	}
	select {
	case ev := <-s2.Events():
		t.Fatalf("op2 got extra %+v", ev)
	case <-time.After(200 * time.Millisecond):
	}
}

type fakeSignaller struct{}

func (fakeSignaller) Offer(_ context.Context, staffID int64, sdp string) (string, error) {
	if sdp == "bad" {
		return "", api.Errorf(api.CodeBadRequest, "cannot parse offer")
	}
	return fmt.Sprintf("answer for %d to %s", staffID, sdp), nil
}
func (fakeSignaller) Online(int64) bool { return true }

func TestWSSignalling(t *testing.T) {
	e := newEnv(t, httpapi.WithSignaller(fakeSignaller{}))
	s := e.cOp1.Stream(ctx, 0)
	defer s.Close()
	waitConnected(t, s)
	ans, err := s.Offer(ctx, "v=0 offer")
	if err != nil || ans != fmt.Sprintf("answer for %d to v=0 offer", e.op1.ID) {
		t.Fatalf("answer %q %v", ans, err)
	}
	_, err = s.Offer(ctx, "bad")
	wantCodeOnly(t, err, api.CodeBadRequest)
	if me, _ := e.cOp1.Me(ctx); !me.Online {
		t.Fatal("me.online not taken from the signaller")
	}

	e2 := newEnv(t) // no media: an error message, not a hang
	s2 := e2.cOp1.Stream(ctx, 0)
	defer s2.Close()
	waitConnected(t, s2)
	_, err = s2.Offer(ctx, "v=0")
	wantCodeOnly(t, err, api.CodeUnavailable)
}

func wantCodeOnly(t *testing.T, err error, code api.Code) {
	t.Helper()
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestWSRevokedTokenIsDisconnected(t *testing.T) {
	e := newEnv(t, httpapi.WithPingInterval(50*time.Millisecond))
	c := e.login("op1@example.com")
	s := c.Stream(ctx, 0)
	defer s.Close()
	waitConnected(t, s)
	if err := client.New(e.srv.URL, client.WithToken(c.Token())).Logout(ctx); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(5 * time.Second)
	for {
		select {
		case st := <-s.Status():
			if st.State == client.Reconnecting && st.Err != nil {
				// The next dial is refused with 401.
				for {
					select {
					case st := <-s.Status():
						if st.State == client.Reconnecting && api.CodeOf(st.Err) == api.CodeUnauthorized {
							return
						}
					case <-timeout:
						t.Fatal("no unauthorized reconnect")
					}
				}
			}
		case <-timeout:
			t.Fatal("stream kept a revoked token")
		}
	}
}

func TestWSBadSince(t *testing.T) {
	e := newEnv(t)
	status, eb := raw(t, e, e.cOp1, "GET", "/v1/ws?since=-5", "")
	if status != 400 || eb.Error.Code != api.CodeBadRequest {
		t.Fatalf("%d %+v", status, eb)
	}
	status, _ = raw(t, e, nil, "GET", "/v1/ws?token=forged", "")
	if status != 401 {
		t.Fatalf("forged ws token: %d", status)
	}
}

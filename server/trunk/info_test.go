package trunk

import (
	"context"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func TestInfoDigit(t *testing.T) {
	cases := []struct {
		ct, body string
		want     rune
		ok       bool
	}{
		{"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', true},
		{"Application/DTMF-Relay; charset=x", "signal = #\nDuration=100", '#', true},
		{"application/dtmf-relay", "Signal=11\r\n", '#', true},
		{"application/dtmf-relay", "Signal=10\r\n", '*', true},
		{"application/dtmf", "7", '7', true},
		{"application/dtmf", " b\r\n", 'B', true},
		{"application/dtmf", "77", 0, false},
		{"application/dtmf-relay", "Duration=160", 0, false},
		{"application/sdp", "5", 0, false},
		{"application/dtmf", string(make([]byte, 600)), 0, false},
	}
	for _, c := range cases {
		d, ok := infoDigit(c.ct, []byte(c.body))
		if d != c.want || ok != c.ok {
			t.Errorf("infoDigit(%q, %q) = %q %v, want %q %v", c.ct, c.body, d, ok, c.want, c.ok)
		}
	}
}

// TestDTMFBySIPInfo: keys sent as SIP INFO inside a real dialog reach the
// handler; a body that is not DTMF is refused with 415 and reports nothing.
func TestDTMFBySIPInfo(t *testing.T) {
	var s *Server
	h := answeringHandler(&s)
	s = startServer(t, h)
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dlg := p.answered(ctx, t, s, "udp", "1", "2", defaultOffer(p))
	ev := h.wait(t, "inbound", time.Second)
	info := func(ct, body string) int {
		req := sip.NewRequest(sip.INFO, dlg.InviteResponse.Contact().Address)
		req.AppendHeader(sip.NewHeader("Content-Type", ct))
		req.SetBody([]byte(body))
		res, err := dlg.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	if code := info("application/dtmf-relay", "Signal=3\r\nDuration=160\r\n"); code != 200 {
		t.Fatalf("INFO dtmf-relay: %d", code)
	}
	if code := info("application/json", "{}"); code != 415 {
		t.Fatalf("INFO json: %d, want 415", code)
	}
	if code := info("application/dtmf", "*"); code != 200 {
		t.Fatalf("INFO dtmf: %d", code)
	}
	for _, want := range []rune{'3', '*'} {
		if got := h.wait(t, "dtmf", 2*time.Second); got.digit != want || got.id != ev.id {
			t.Fatalf("dtmf = %+v, want %c", got, want)
		}
	}
	if err := dlg.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	h.wait(t, "hungup", 2*time.Second)
}

// gatedDTMF holds each key in the handler until the test lets it go.
type gatedDTMF struct {
	*fakeHandler
	entered chan rune
	gate    chan struct{}
}

func (h *gatedDTMF) DTMF(id int64, d rune) {
	h.entered <- d
	<-h.gate
	h.fakeHandler.DTMF(id, d)
}

// TestSIPInfoKeyAnsweredBeforeItActsInOrder: a key's INFO is answered
// before the handler acts on it (a menu choice that answers the call must
// not overtake the INFO's 200: sipp takes the next 200 it sees for the
// INFO's), and a second key answered while the first is still being
// handled waits for it.
func TestSIPInfoKeyAnsweredBeforeItActsInOrder(t *testing.T) {
	var s *Server
	h := &gatedDTMF{fakeHandler: answeringHandler(&s), entered: make(chan rune, 4), gate: make(chan struct{})}
	s = startServer(t, h)
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dlg := p.answered(ctx, t, s, "udp", "1", "2", defaultOffer(p))
	h.wait(t, "inbound", time.Second)
	for _, key := range []string{"1", "2"} {
		req := sip.NewRequest(sip.INFO, dlg.InviteResponse.Contact().Address)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/dtmf-relay"))
		req.SetBody([]byte("Signal=" + key + "\r\nDuration=160\r\n"))
		infoCtx, cancelInfo := context.WithTimeout(ctx, 2*time.Second)
		res, err := dlg.Do(infoCtx, req)
		cancelInfo()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("INFO %s while the handler holds the first key: %v %v", key, res, err)
		}
	}
	if d := <-h.entered; d != '1' {
		t.Fatalf("first key in the handler %c, want 1", d)
	}
	select {
	case d := <-h.entered:
		t.Fatalf("key %c reached the handler while 1 was still there", d)
	case <-time.After(200 * time.Millisecond):
	}
	close(h.gate)
	for _, want := range []rune{'1', '2'} {
		if got := h.wait(t, "dtmf", 2*time.Second); got.digit != want {
			t.Fatalf("dtmf %c, want %c", got.digit, want)
		}
	}
	if err := dlg.Bye(ctx); err != nil {
		t.Fatal(err)
	}
}

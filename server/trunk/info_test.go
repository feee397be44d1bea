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

package trunk

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

func TestSetupLoadPolicy(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	type step struct {
		op       string // "start", "done" (of a set-up started at at-dur), "ask"
		at       int    // ms
		dur      int    // ms, for done
		inflight int
		shed     bool // for ask
	}
	for _, tc := range []struct {
		name  string
		limit time.Duration
		steps []step
	}{
		{"off", 0, []step{{op: "start", at: 0}, {op: "ask", at: 5000, inflight: 100}}},
		{"few in flight always admitted", 100 * time.Millisecond, []step{
			{op: "start", at: 0}, {op: "done", at: 900, dur: 900}, {op: "ask", at: 900, inflight: 3}}},
		{"fast set-ups admitted", 100 * time.Millisecond, []step{
			{op: "start", at: 0}, {op: "done", at: 20, dur: 20}, {op: "done", at: 40, dur: 30},
			{op: "ask", at: 50, inflight: 50}}},
		{"slow set-ups shed", 100 * time.Millisecond, []step{
			{op: "start", at: 0}, {op: "done", at: 300, dur: 300}, {op: "ask", at: 300, inflight: 50, shed: true}}},
		{"a burst is admitted until the limit passes with nothing done", 100 * time.Millisecond, []step{
			{op: "start", at: 0, inflight: 0}, {op: "ask", at: 50, inflight: 40},
			{op: "ask", at: 150, inflight: 40, shed: true}}},
		{"the mean recovers with fast set-ups", 100 * time.Millisecond, []step{
			{op: "start", at: 0}, {op: "done", at: 200, dur: 200}, {op: "ask", at: 200, inflight: 20, shed: true},
			{op: "done", at: 210, dur: 10}, {op: "done", at: 220, dur: 10}, {op: "done", at: 230, dur: 10},
			{op: "done", at: 240, dur: 10}, {op: "done", at: 250, dur: 10}, {op: "done", at: 260, dur: 10},
			{op: "done", at: 270, dur: 10}, {op: "done", at: 280, dur: 10}, {op: "done", at: 290, dur: 10},
			{op: "done", at: 300, dur: 10}, {op: "done", at: 310, dur: 10}, {op: "done", at: 320, dur: 10},
			{op: "done", at: 330, dur: 10}, {op: "done", at: 340, dur: 10}, {op: "done", at: 350, dur: 10},
			{op: "ask", at: 355, inflight: 20}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := setupLoad{limit: tc.limit, minBusy: defaultMinBusy}
			for i, s := range tc.steps {
				switch s.op {
				case "start":
					l.started(s.inflight, ms(s.at))
				case "done":
					l.done(ms(s.at-s.dur), ms(s.at))
				case "ask":
					if got := l.overloaded(s.inflight, ms(s.at)); got != s.shed {
						t.Fatalf("step %d at %d ms (mean %s): shed %v, want %v", i, s.at, l.avg, got, s.shed)
					}
				}
			}
		})
	}
}

func withSetupMinBusy(n int) Option { return func(c *config) error { c.setupMinBusy = n; return nil } }

// A set-up that stalls (a store that does not answer) makes the INVITEs
// after it get 503 + Retry-After at once, while the queue is far from full.
func TestSlowSetupShedsWith503(t *testing.T) {
	h := newFakeHandler()
	release := make(chan struct{})
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return 0, fmt.Errorf("store unavailable")
	}
	s := startServer(t, h, WithMaxSetupDelay(100*time.Millisecond), withSetupMinBusy(2))
	defer close(release)
	c, local, dst := rawSIP(t, s)
	for i := range 3 {
		c.WriteTo([]byte(rawInvite(local, fmt.Sprintf("stall-%d", i), fmt.Sprintf("z9hG4bKst%d", i))), dst)
	}
	time.Sleep(250 * time.Millisecond) // past the limit with nothing finished
	sent := time.Now()
	c.WriteTo([]byte(rawInvite(local, "late", "z9hG4bKlate")), dst)
	var got []string
	for _, l := range statusLines(c, time.Second) {
		if strings.Contains(l, "late") {
			got = append(got, l)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "SIP/2.0 503") {
		t.Fatalf("late INVITE got %q; want one 503", got)
	}
	if took := time.Since(sent); took > 2*time.Second {
		t.Fatalf("503 took %s", took)
	}
	if s.Shed() != 1 {
		t.Fatalf("Shed() = %d, want 1", s.Shed())
	}
}

// TestRefusedInvitesFreeTheirSetupSlot: an INVITE refused by the handler
// whose sender never ACKs the final response (a flood of malformed or
// unknown-number INVITEs) no longer counts as a set-up in flight while
// its response waits for the ACK, so a valid INVITE after them is not shed.
func TestRefusedInvitesFreeTheirSetupSlot(t *testing.T) {
	h := newFakeHandler()
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) {
		return 0, api.Errorf(api.CodeNotFound, "no channel has number %s", to)
	}
	s := startServer(t, h, WithMaxSetupDelay(100*time.Millisecond), withSetupMinBusy(2))
	c, local, dst := rawSIP(t, s)
	for i := range 5 {
		c.WriteTo([]byte(rawInvite(local, fmt.Sprintf("refused-%d", i), fmt.Sprintf("z9hG4bKrf%d", i))), dst)
	}
	time.Sleep(300 * time.Millisecond) // past the limit; none of the 404s is ACKed
	c.WriteTo([]byte(rawInvite(local, "after", "z9hG4bKafter")), dst)
	var got []string
	for _, l := range statusLines(c, time.Second) {
		if strings.Contains(l, "after") {
			got = append(got, l)
		}
	}
	if len(got) == 0 || !strings.HasPrefix(got[len(got)-1], "SIP/2.0 404") {
		t.Fatalf("INVITE after unACKed refusals got %q; want its 404 (not a 503 shed)", got)
	}
	if s.Shed() != 0 {
		t.Fatalf("Shed() = %d, want 0", s.Shed())
	}
}

package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/internal/simcaller"
)

// BenchmarkIVRDecision is the DTMF-to-decision latency of an IVR menu over
// real sockets: each iteration is one SIP call (simcaller, RFC 4733) through
// a two-level menu (1, then 2 → a team); the latency runs from the moment
// the second key's first end packet leaves the caller to the time meetd
// stamps on call.menu_chosen (one machine, one clock). It includes the RTP
// hop, the wait for the call's next room tick (which reads the RTP socket:
// 0-20 ms, about 10 on average), the trunk's jitter-buffer-free event
// decoding, the lifecycle's lock and the policy step, not the store commit.
func BenchmarkIVRDecision(b *testing.B) {
	// sipgo logs through slog's default; a line written while the result
	// line is printed would split it.
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.DiscardHandler))
	m := startMeetd(b)
	admin := func(args ...string) { run(b, bins.meetd, append(append([]string{"admin"}, args...), "--db", m.db)...) }
	admin("team", "add", "sales", "--channel", "support")
	admin("menu", "set", "--channel", "support", "main: 1=menu:sales 0=everyone", "sales: 2=team:sales")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	caller, _ := simPhone(b, ctx, "127.0.0.1", "+819000000000")
	sv := m.login(b, "sv@e2e.test")
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		res, err := caller.Call(ctx, m.sip, openNumber, simcaller.CallPlan{
			Audio: audiotest.Tone(8000, 440, 0.3, 8000), HangupAfter: 1500 * time.Millisecond,
			Keys: []simcaller.Key{{At: 300 * time.Millisecond, Digit: '1'}, {At: 800 * time.Millisecond, Digit: '2'}},
		})
		if err != nil || len(res.KeysSent) != 2 {
			b.Fatalf("call %d: %v, %d keys sent", i, err, len(res.KeysSent))
		}
		var chosen *api.Event
		for deadline := time.Now().Add(10 * time.Second); chosen == nil; {
			list, err := sv.Chats(ctx, api.ChatQuery{Q: "+819000000000", Limit: 1})
			if err != nil {
				b.Fatal(err)
			}
			if len(list.Chats) > 0 {
				evs, err := sv.ChatEvents(ctx, list.Chats[0].ID)
				if err != nil {
					b.Fatal(err)
				}
				for j := range evs {
					if evs[j].Type == api.EvCallMenuChosen && evs[j].CallID == *list.Chats[0].LastCallID && evs[j].At.After(res.KeysSent[0]) {
						chosen = &evs[j]
					}
				}
			}
			if chosen == nil && time.Now().After(deadline) {
				b.Fatalf("call %d: no call.menu_chosen", i)
			}
			if chosen == nil {
				time.Sleep(50 * time.Millisecond)
			}
		}
		lat = append(lat, chosen.At.Sub(res.KeysSent[1]))
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.Logf("DTMF-to-decision over %d calls: %v", len(lat), fmt.Sprint(lat))
}

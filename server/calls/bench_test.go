package calls

import (
	"fmt"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// BenchmarkLifecycle measures whole inbound calls per second: greeting,
// routing (ring-all over N staff, each ring attempt stored), accept,
// hang-up, every state change written with its events. The figure to quote
// is calls/s.
func BenchmarkLifecycle(b *testing.B) {
	for _, bc := range []struct {
		backend string
		staff   int
	}{{"memory", 20}, {"sqlite", 3}, {"sqlite", 20}} {
		backend := bc.backend
		b.Run(fmt.Sprintf("%s/staff=%d", backend, bc.staff), func(b *testing.B) {
			var st store.Store = newMemStore()
			if backend == "sqlite" {
				st = openSQLite(b)
			}
			e := newEnv(b, st, "", nil)
			var staff []int64
			for i := range bc.staff {
				staff = append(staff, e.addStaff(b, fmt.Sprint("op", i), api.RoleOperator))
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				id, err := e.m.Inbound(e.ctx, fmt.Sprintf("+49151%05d", i%1000), e.ch.Numbers[0])
				if err != nil {
					b.Fatal(err)
				}
				e.drain()
				who := staff[i%len(staff)]
				if _, err := e.m.Accept(e.ctx, who, id); err != nil {
					b.Fatal(err)
				}
				e.clock.Advance(time.Second)
				if err := e.m.Hangup(e.ctx, who, id); err != nil {
					b.Fatal(err)
				}
				e.drain()
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
		})
	}
}

// BenchmarkRouteWaiting measures re-offering: 1,000 staff in the channel, a
// waiting call re-evaluated on every event (the worst case of HandleEvents).
func BenchmarkReevaluate1000Staff(b *testing.B) {
	e := newEnv(b, newMemStore(), "", nil)
	for i := range 1000 {
		id := e.addStaff(b, fmt.Sprint("op", i), api.RoleOperator)
		e.media.setOnline(id, false)
	}
	if _, err := e.m.Inbound(e.ctx, "+4915100", e.ch.Numbers[0]); err != nil {
		b.Fatal(err)
	}
	e.drain()
	b.ResetTimer()
	for b.Loop() {
		e.m.Reevaluate()
	}
}

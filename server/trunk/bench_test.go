package trunk

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// oneCall places INVITE → 200 → ACK → BYE against the trunk.
func oneCall(tb testing.TB, p *phone, s *Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dlg := p.answered(ctx, tb, s, "udp", "+4930111", "+4930222", defaultOffer(p))
	if err := dlg.Bye(ctx); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkInviteAnswerBye measures the SIP handling of a whole call
// (INVITE, 100, 180, 200 with SDP and an RTP socket pair, ACK, BYE, 200)
// with a sipgo caller in the same process.
func BenchmarkInviteAnswerBye(b *testing.B) {
	var s *Server
	h := answeringHandler(&s)
	s = startServer(b, h, WithRTPTimeout(0))
	go func() {
		for range h.events {
		}
	}()
	p := newPhone(b)
	b.Run("sequential", func(b *testing.B) {
		for range b.N {
			oneCall(b, p, s)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				oneCall(b, p, s)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		var s *Server
		h := answeringHandler(&s)
		srv, err := New(WithListen("127.0.0.1:0"), WithRTPIP("127.0.0.1"), WithLogger(testLogger()))
		if err != nil {
			t.Fatal(err)
		}
		s = srv
		if err := s.Start(context.Background(), h); err != nil {
			t.Fatal(err)
		}
		p := newPhone(t)
		for range 5 {
			oneCall(t, p, s)
		}
		// One call left up: Close must end it.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.answered(ctx, t, s, "udp", "1", "2", defaultOffer(p))
		s.Close()
		select {
		case <-p.byes:
		case <-ctx.Done():
			t.Fatal("Close did not BYE the open call")
		}
		p.ua.Close()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before+2 {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

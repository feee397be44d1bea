package telephony_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/internal/simcaller"
	"github.com/meet-dev/meet/softphone"
)

// firstTone is a speaker that notes when it first plays a frame carrying
// a tone (what the operator hears, at the moment the playout writes it).
// Only frames written after arm count: the end of the previous call may
// still be playing out.
type firstTone struct {
	rate  int
	freq  float64
	mu    sync.Mutex
	armed time.Time
	at    time.Time
}

func (f *firstTone) WriteSample(s audio.PCM16) error {
	now := time.Now()
	if audiotest.HasTone(s, f.rate, f.freq) {
		f.mu.Lock()
		if !f.armed.IsZero() && !now.Before(f.armed) && f.at.IsZero() {
			f.at = now
		}
		f.mu.Unlock()
	}
	return nil
}

func (f *firstTone) arm(t time.Time) {
	f.mu.Lock()
	f.armed, f.at = t, time.Time{}
	f.mu.Unlock()
}
func (f *firstTone) SampleRate() int { return f.rate }
func (f *firstTone) String() string  { return "FirstTone" }
func (f *firstTone) Close() error    { return nil }

func (f *firstTone) take() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	at := f.at
	f.armed, f.at = time.Time{}, time.Time{}
	return at
}

// quietLogs sends the default logger (softphone, sipgo, pion) nowhere while
// b runs: a log line in the middle of the benchmark's result line would
// hide the result from scripts/benchtable.
func quietLogs(b *testing.B) {
	old := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	b.Cleanup(func() { slog.SetDefault(old) })
}

// BenchmarkAcceptToTwoWayAudio times "accept → two-way audio" over real
// sockets: meetd in-process (SQLite, HTTP API, SIP trunk, rooms), a caller
// on SIP/RTP (PCMU, internal/simcaller) playing 440 Hz, and an operator's
// softphone (pion WebRTC, Opus, DTLS-SRTP over loopback, persistent peer
// connection, noise suppression off so the tone passes) playing 1000 Hz.
// For each call, the clock starts when the operator's HTTP accept is sent
// (POST /v1/calls/{id}/join, as `meet` does on the ringing event) and stops
// at the first 20 ms frame carrying the other side's tone: written to the
// operator's speaker by the playout, and arriving at the caller's RTP
// socket. Metrics (means over calls): "ms-op-hears", "ms-caller-hears",
// "ms-to-audio" (the later of the two, per call) and "max-ms-to-audio".
// Frame granularity: up to 20 ms of a frame may precede the tone's onset.
func BenchmarkAcceptToTwoWayAudio(b *testing.B) {
	quietLogs(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	st := startStack(b, ctx, seedOperator("op@example.com"))
	mic := filepath.Join(b.TempDir(), "mic.wav")
	writeTone(b, mic, 1000)
	c := client.New(st.url)
	me, err := c.Login(ctx, "op@example.com", "password-1")
	if err != nil {
		b.Fatal(err)
	}
	stream := c.Stream(ctx, 0)
	defer stream.Close()
	for s := range stream.Status() {
		if s.State == client.Connected {
			break
		}
	}
	spk := &firstTone{rate: 48000, freq: 440}
	phone, err := softphone.New(stream, softphone.WithLoopbackICE(), softphone.WithInputWAV(mic),
		softphone.WithSpeaker(spk), softphone.WithDenoise(false))
	if err != nil {
		b.Fatal(err)
	}
	if err := phone.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer phone.Close()
	for !st.tel.Rooms.Online(me.Staff.ID) {
		if ctx.Err() != nil {
			b.Fatal("softphone never came online")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The operator accepts whatever rings for them, as `meet` does.
	accepted := make(chan time.Time, 1)
	go func() {
		for ev := range stream.Events() {
			if ev.Type != api.EvCallRinging || ev.StaffID != me.Staff.ID {
				continue
			}
			t0 := time.Now()
			spk.arm(t0)
			res, err := c.Accept(ctx, ev.CallID)
			if err != nil {
				b.Errorf("accept: %v", err)
				return
			}
			phone.Joined(res)
			accepted <- t0
		}
	}()
	caller, err := simcaller.New("127.0.0.1", "+819011112222")
	if err != nil {
		b.Fatal(err)
	}
	defer caller.Close()
	if _, err := caller.ServeUDP(ctx, "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	var sumOp, sumCaller, sumBoth, worst time.Duration
	calls := 0
	b.ResetTimer()
	for range b.N {
		var mu sync.Mutex
		var callerAt time.Time
		heard := func(at time.Time, pcm []int16) {
			if !audiotest.HasTone(pcm, 8000, 1000) {
				return
			}
			mu.Lock()
			if callerAt.IsZero() {
				callerAt = at
			}
			mu.Unlock()
		}
		res, err := caller.Call(ctx, st.sip, number, simcaller.CallPlan{Audio: tone8k(440), TalkFor: 1500 * time.Millisecond, Heard: heard})
		if err != nil || !res.Answered {
			b.Fatalf("call: %v (status %d)", err, res.Status)
		}
		var t0 time.Time
		select {
		case t0 = <-accepted:
		case <-ctx.Done():
			b.Fatal("never rang")
		}
		phone.Left()
		opAt := spk.take()
		mu.Lock()
		cAt := callerAt
		mu.Unlock()
		if opAt.IsZero() || cAt.IsZero() {
			b.Fatalf("no two-way audio: operator heard the caller: %v, caller heard the operator: %v", !opAt.IsZero(), !cAt.IsZero())
		}
		op, cl := opAt.Sub(t0), cAt.Sub(t0)
		both := max(op, cl)
		sumOp, sumCaller, sumBoth, worst = sumOp+op, sumCaller+cl, sumBoth+both, max(worst, both)
		calls++
		b.Logf("call %d: accept (at %s) → operator hears %s, caller hears %s", calls, t0.UTC().Format("15:04:05.000"), op.Round(100*time.Microsecond), cl.Round(100*time.Microsecond))
		// The next call rings only when the operator is free again.
		for len(st.tel.Calls.LiveCalls()) > 0 {
			if ctx.Err() != nil {
				b.Fatal("the call never ended")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	b.StopTimer()
	mean := func(d time.Duration) float64 { return float64(d) / float64(calls) / float64(time.Millisecond) }
	b.ReportMetric(mean(sumOp), "ms-op-hears")
	b.ReportMetric(mean(sumCaller), "ms-caller-hears")
	b.ReportMetric(mean(sumBoth), "ms-to-audio")
	b.ReportMetric(float64(worst)/float64(time.Millisecond), "max-ms-to-audio")
}

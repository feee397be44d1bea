package room

import (
	"encoding/binary"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio/audiotest"
)

const guidanceTone = 700.0

func guidanceSource(t *testing.T, seconds float64) (GuidanceFunc, *atomic.Int64) {
	pcm := audiotest.Tone(48000, guidanceTone, toneAmp, int(seconds*48000))
	raw := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(raw[2*i:], uint16(s))
	}
	var reads atomic.Int64
	return func(ch int64, kind api.GuidanceKind) ([]byte, error) {
		reads.Add(1)
		switch {
		case ch == 1 && kind == api.GuidanceGreeting:
			return raw, nil
		case ch == 1 && kind == api.GuidanceHold:
			return raw, nil
		case ch == 2:
			return nil, errors.New("disk on fire")
		}
		return nil, api.Errorf(api.CodeNotFound, "no %s guidance for channel %d", kind, ch)
	}, &reads
}

func TestGuidance(t *testing.T) {
	checkGoroutines(t)
	src, reads := guidanceSource(t, 0.3)
	m := newTestManager(t, WithGuidance(src))
	op := newClient(t, m, 1, staffTone, clientOpus, clientPCMU)
	waitOnline(t, m, 1, true)
	caller := openWithCaller(t, m, 600, callerTone)
	if err := m.Attach(600, 1, api.ModeTalk); err != nil {
		t.Fatal(err)
	}
	expectTones(t, "caller", caller.rec, []float64{staffTone}, []float64{guidanceTone})

	// One play: heard by the caller only, done after about 300 ms.
	done := make(chan time.Time, 2)
	heard := caller.rec.arm(guidanceTone)
	t0 := time.Now()
	m.PlayGuidance(600, 1, api.GuidanceGreeting, false, func() { done <- time.Now() })
	waitHit(t, heard, "caller (guidance)")
	select {
	case at := <-done:
		// 15 ticks; a tick the ticker kept while we were busy may come early.
		if d := at.Sub(t0); d < 240*time.Millisecond || d > 2*time.Second {
			t.Fatalf("done after %v, want about 300 ms", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("done never called")
	}
	if a := amp(op.rec.last(time.Second), 48000, guidanceTone); a > 0.01 {
		t.Fatalf("operator heard guidance (amplitude %.3f)", a)
	}
	time.Sleep(100 * time.Millisecond)
	expectTones(t, "caller after guidance", caller.rec, []float64{staffTone}, []float64{guidanceTone})
	if len(done) != 0 {
		t.Fatal("done called twice")
	}

	// Loop (hold audio): keeps playing past its length until stopped, no done.
	m.PlayGuidance(600, 1, api.GuidanceHold, true, func() { done <- time.Now() })
	time.Sleep(700 * time.Millisecond)
	expectTones(t, "caller on hold", caller.rec, []float64{guidanceTone, staffTone}, nil)
	m.StopGuidance(600)
	time.Sleep(100 * time.Millisecond)
	expectTones(t, "caller after hold", caller.rec, []float64{staffTone}, []float64{guidanceTone})
	if len(done) != 0 {
		t.Fatal("done called for looped or stopped guidance")
	}
	if n := reads.Load(); n != 2 {
		t.Fatalf("store read %d times for two slots", n)
	}
	m.PlayGuidance(600, 1, api.GuidanceGreeting, false, func() {})
	m.StopGuidance(600)
	if n := reads.Load(); n != 2 {
		t.Fatalf("cached guidance read again from the store (%d reads)", n)
	}
	m.InvalidateGuidance(1, api.GuidanceGreeting)
	m.PlayGuidance(600, 1, api.GuidanceGreeting, false, nil)
	if n := reads.Load(); n != 3 {
		t.Fatalf("invalidated guidance not re-read (%d reads)", n)
	}

	// Nothing stored, store failing, unknown room: done at once.
	for name, play := range map[string]func(func()){
		"unset":        func(d func()) { m.PlayGuidance(600, 1, api.GuidanceWait, false, d) },
		"store error":  func(d func()) { m.PlayGuidance(600, 2, api.GuidanceWait, false, d) },
		"unknown call": func(d func()) { m.PlayGuidance(999, 1, api.GuidanceGreeting, false, d) },
	} {
		t0 := time.Now()
		play(func() { done <- time.Now() })
		select {
		case at := <-done:
			if d := at.Sub(t0); d > 500*time.Millisecond {
				t.Fatalf("%s: done after %v", name, d)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("%s: done never called", name)
		}
	}
}

// TestGuidanceWithoutCaller: guidance advances (and finishes) even before
// the caller's media is connected.
func TestGuidanceWithoutCaller(t *testing.T) {
	checkGoroutines(t)
	src, _ := guidanceSource(t, 0.1)
	m := newTestManager(t, WithGuidance(src))
	if err := m.OpenRoom(1); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	m.PlayGuidance(1, 1, api.GuidanceGreeting, false, func() { close(done) })
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("done never called")
	}
}

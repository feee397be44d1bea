package mixer

import (
	"sync/atomic"
	"testing"
	"time"
)

// pairSpy records the pairs it is offered and takes them over when take.
type pairSpy struct {
	take   bool
	offers [][2]string
}

func (p *pairSpy) fn(a, b *Leg) bool {
	p.offers = append(p.offers, [2]string{a.Name(), b.Name()})
	return p.take
}

func TestPairOfferedOnlyForTwoParties(t *testing.T) {
	spy := &pairSpy{take: true}
	m := newMixer(WithPair(spy.fn))
	prompt := &toneSource{freq: 700, amp: 3000, silent: true}
	m.Add("guidance", RolePrompt, prompt, nil)
	caller := &recorder{}
	m.Add("caller", RoleCaller, &toneSource{freq: 400, amp: 3000}, caller)
	op := m.Add("op", RoleTalk, &toneSource{freq: 1000, amp: 3000}, &recorder{})
	m.mixOnce()
	if len(spy.offers) != 1 || spy.offers[0] != [2]string{"caller", "op"} {
		t.Fatalf("offers = %v", spy.offers)
	}
	if caller.frames != 0 {
		t.Fatal("mixer wrote a sink of a tick the pair took over")
	}
	// A playing prompt: the caller must hear it, so no pair.
	prompt.silent = false
	m.mixOnce()
	if len(spy.offers) != 1 {
		t.Fatal("pair offered while a prompt plays")
	}
	if a := amplitude(caller.last, 700); a < 2900 {
		t.Fatalf("caller does not hear the prompt read for the pair check: %.0f", a)
	}
	prompt.silent = true
	// Every third party, whatever its role, ends the pair.
	for _, r := range []Role{RoleListen, RoleWhisper, RoleBarge, RoleTalk} {
		l := m.Add("third", r, &toneSource{freq: 1500, amp: 3000}, &recorder{})
		m.mixOnce()
		m.Remove(l)
		if len(spy.offers) != 1 {
			t.Fatalf("pair offered with a %s leg", r)
		}
	}
	// A listen-only operator is not a party either.
	m.SetRole(op, RoleListen)
	m.mixOnce()
	m.SetRole(op, RoleBarge)
	m.mixOnce()
	if len(spy.offers) != 2 {
		t.Fatalf("offers = %v", spy.offers)
	}
	if s := m.Stats(); s.Paired != 2 || s.Ticks != 8 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestPairDeclinedMixesAsUsual(t *testing.T) {
	spy := &pairSpy{}
	m := newMixer(WithPair(spy.fn))
	caller, op := &recorder{}, &recorder{}
	m.Add("caller", RoleCaller, &toneSource{freq: 400, amp: 3000}, caller)
	m.Add("op", RoleTalk, &toneSource{freq: 1000, amp: 3000}, op)
	m.mixOnce()
	if len(spy.offers) != 1 || m.Stats().Paired != 0 {
		t.Fatalf("offers = %v, stats %+v", spy.offers, m.Stats())
	}
	if a := amplitude(caller.last, 1000); a < 2900 {
		t.Fatalf("caller does not hear the operator: %.0f", a)
	}
	if a := amplitude(op.last, 400); a < 2900 {
		t.Fatalf("operator does not hear the caller: %.0f", a)
	}
}

func TestClockDrivesManyMixers(t *testing.T) {
	c := NewClock(2)
	defer c.Close()
	var ms []*Mixer
	var recs []*recorder
	for range 20 {
		rec := &recorder{}
		m := New(WithClock(c))
		m.Add("l", RoleListen, nil, rec)
		m.Add("c", RoleCaller, &toneSource{freq: 400, amp: 3000}, nil)
		ms = append(ms, m)
		recs = append(recs, rec)
	}
	deadline := time.Now().Add(3 * time.Second)
	for ms[19].Stats().Ticks < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for i, m := range ms {
		m.Close()
		m.Close()
		n := m.Stats().Ticks
		if n < 3 {
			t.Fatalf("mixer %d: %d ticks", i, n)
		}
		if a := amplitude(recs[i].last, 400); a < 2900 {
			t.Fatalf("mixer %d: listener hears %.0f", i, a)
		}
	}
	counts := make([]uint64, len(ms))
	for i, m := range ms {
		counts[i] = m.Stats().Ticks
	}
	time.Sleep(3 * Period)
	for i, m := range ms {
		if m.Stats().Ticks != counts[i] {
			t.Fatalf("mixer %d ticks after Close", i)
		}
	}
}

// A clock sleeps through empty slots: a mixer alone on it, in one slot,
// must still tick every period (a clock that counted slots modulo the
// period woke a whole period later in the same slot and skipped it), and
// so must one added later to an empty clock, and one added while another
// was removed.
func TestClockLoneMixerKeepsTicking(t *testing.T) {
	c := NewClock(1)
	defer c.Close()
	ticks := func(m *Mixer, d time.Duration) uint64 {
		n := m.Stats().Ticks
		time.Sleep(d)
		return m.Stats().Ticks - n
	}
	a := New(WithClock(c))
	if n := ticks(a, 400*time.Millisecond); n < 10 {
		t.Fatalf("lone mixer: %d ticks in 400 ms", n)
	}
	a.Close()
	time.Sleep(3 * Period) // the clock now has nothing to wake for
	b := New(WithClock(c))
	defer b.Close()
	if n := ticks(b, 400*time.Millisecond); n < 10 {
		t.Fatalf("mixer added to an idle clock: %d ticks in 400 ms", n)
	}
}

// The SoloFunc is offered the one leg that is not a prompt, whatever the
// prompts do, and never when a second leg is in the mixer; declined, the
// tick is mixed as usual.
func TestSoloOfferedOnlyForOneLeg(t *testing.T) {
	var offers []string
	take := true
	m := newMixer(WithSolo(func(l *Leg) bool { offers = append(offers, l.Name()); return take }),
		WithPair(func(a, b *Leg) bool { return false }))
	prompt := &toneSource{freq: 700, amp: 3000}
	m.Add("guidance", RolePrompt, prompt, nil)
	caller := &recorder{}
	m.Add("caller", RoleCaller, &toneSource{freq: 400, amp: 3000}, caller)
	m.mixOnce()
	if len(offers) != 1 || offers[0] != "caller" || caller.frames != 0 || prompt.n != 0 {
		t.Fatalf("offers %v, caller frames %d, prompt read %d", offers, caller.frames, prompt.n)
	}
	take = false
	m.mixOnce()
	if caller.frames != 1 || amplitude(caller.last, 700) < 2900 {
		t.Fatal("a declined solo tick is not mixed")
	}
	for _, r := range []Role{RoleListen, RoleWhisper, RoleBarge, RoleTalk} {
		l := m.Add("second", r, nil, &recorder{})
		m.mixOnce()
		m.Remove(l)
	}
	if len(offers) != 2 {
		t.Fatalf("solo offered with a second leg: %v", offers)
	}
	if s := m.Stats(); s.Solo != 1 || s.Ticks != 6 {
		t.Fatalf("stats = %+v", s)
	}
}

// heldSink checks that every frame is written while the clock's batch is
// held (WithBatch).
type heldSink struct {
	held   *atomic.Int32
	frames atomic.Int64
	bad    atomic.Int64
}

func (h *heldSink) WriteFrame([]int16) error {
	h.frames.Add(1)
	if h.held.Load() <= 0 {
		h.bad.Add(1)
	}
	return nil
}

// With WithBatch every mixer ticks between a hold and its release, on the
// workers and on the clock's own goroutine (a slot with one mixer), and
// every hold is released before its worker sleeps.
func TestClockBatchHoldsAroundTicks(t *testing.T) {
	var held, holds, releases atomic.Int32
	c := NewClock(2, WithBatch(func() { holds.Add(1); held.Add(1) }, func() { held.Add(-1); releases.Add(1) }))
	var sinks []*heldSink
	var ms []*Mixer
	for i := range 13 { // more mixers than slots: some slots hold two, some one
		s := &heldSink{held: &held}
		m := New(WithClock(c))
		m.Add("l", RoleListen, nil, s)
		m.Add("c", RoleCaller, &toneSource{freq: 400 + float64(i), amp: 3000}, nil)
		sinks, ms = append(sinks, s), append(ms, m)
	}
	time.Sleep(10 * Period)
	for _, m := range ms {
		m.Close()
	}
	c.Close()
	for i, s := range sinks {
		if s.frames.Load() < 3 || s.bad.Load() != 0 {
			t.Fatalf("mixer %d: %d frames, %d written outside a hold", i, s.frames.Load(), s.bad.Load())
		}
	}
	if h, r := holds.Load(), releases.Load(); h == 0 || h != r || held.Load() != 0 {
		t.Fatalf("%d holds, %d releases, %d still held", h, r, held.Load())
	}
}

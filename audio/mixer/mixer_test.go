package mixer

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// toneSource plays a continuous sine, phase-continuous across ticks.
type toneSource struct {
	freq, amp float64
	n         int
	silent    bool
}

func (s *toneSource) ReadFrame(dst []int16) bool {
	if s.silent {
		clear(dst)
		return false
	}
	for i := range dst {
		dst[i] = int16(s.amp * math.Sin(2*math.Pi*s.freq*float64(s.n)/Rate))
		s.n++
	}
	return true
}

// recorder keeps the last frame it was given.
type recorder struct {
	last   []int16
	frames int
}

func (r *recorder) WriteFrame(src []int16) error {
	r.last = append(r.last[:0], src...)
	r.frames++
	return nil
}

// amplitude estimates the amplitude of freq in s with the Goertzel algorithm.
func amplitude(s []int16, freq float64) float64 {
	k := 2 * math.Cos(2*math.Pi*freq/Rate)
	var s1, s2 float64
	for _, x := range s {
		s0 := float64(x) + k*s1 - s2
		s2, s1 = s1, s0
	}
	power := s1*s1 + s2*s2 - k*s1*s2
	return 2 * math.Sqrt(math.Max(power, 0)) / float64(len(s))
}

// hears is the specification of who hears whom, written out independently
// of the implementation: hears[listener][speaker].
var hears = map[Role]map[Role]bool{
	RoleCaller:  {RoleCaller: false, RoleTalk: true, RoleListen: false, RoleWhisper: false, RoleBarge: true, RolePrompt: true},
	RoleTalk:    {RoleCaller: true, RoleTalk: true, RoleListen: false, RoleWhisper: true, RoleBarge: true, RolePrompt: false},
	RoleListen:  {RoleCaller: true, RoleTalk: true, RoleListen: false, RoleWhisper: false, RoleBarge: true, RolePrompt: false},
	RoleWhisper: {RoleCaller: true, RoleTalk: true, RoleListen: false, RoleWhisper: false, RoleBarge: true, RolePrompt: false},
	RoleBarge:   {RoleCaller: true, RoleTalk: true, RoleListen: false, RoleWhisper: false, RoleBarge: true, RolePrompt: false},
	RolePrompt:  {},
}

type testLeg struct {
	role Role
	src  *toneSource
	rec  *recorder
	leg  *Leg
}

// combos lists every multiset of up to n staff roles.
func combos(n int) [][]Role {
	staff := []Role{RoleTalk, RoleListen, RoleWhisper, RoleBarge}
	var out [][]Role
	var rec func(start int, cur []Role)
	rec = func(start int, cur []Role) {
		out = append(out, append([]Role(nil), cur...))
		if len(cur) == n {
			return
		}
		for i := start; i < len(staff); i++ {
			rec(i, append(cur, staff[i]))
		}
	}
	rec(0, nil)
	return out
}

func TestMixMinusEveryCombination(t *testing.T) {
	const amp = 3000
	for _, staff := range combos(3) {
		for _, withPrompt := range []bool{false, true} {
			roles := append([]Role{RoleCaller}, staff...)
			if withPrompt {
				roles = append(roles, RolePrompt)
			}
			name := fmt.Sprint(roles)
			t.Run(name, func(t *testing.T) {
				m := newMixer()
				var legs []testLeg
				for i, r := range roles {
					tl := testLeg{role: r, src: &toneSource{freq: 400 + 300*float64(i), amp: amp}, rec: &recorder{}}
					tl.leg = m.Add(fmt.Sprintf("%s%d", r, i), r, tl.src, tl.rec)
					legs = append(legs, tl)
				}
				for range 3 {
					m.mixOnce()
				}
				for li, l := range legs {
					if l.role == RolePrompt {
						if l.rec.frames != 0 {
							t.Fatalf("prompt leg was written to")
						}
						continue
					}
					if l.rec.frames != 3 {
						t.Fatalf("%s: %d frames written, want 3", l.leg.Name(), l.rec.frames)
					}
					for si, s := range legs {
						got := amplitude(l.rec.last, s.src.freq)
						want := li != si && hears[l.role][s.role]
						if want && math.Abs(got-amp) > amp*0.02 {
							t.Errorf("%s should hear %s at %v, got amplitude %.0f", l.leg.Name(), s.leg.Name(), amp, got)
						}
						if !want && got > amp*0.01 {
							t.Errorf("%s must not hear %s, got amplitude %.0f", l.leg.Name(), s.leg.Name(), got)
						}
					}
				}
			})
		}
	}
}

func TestSetRoleAndRemove(t *testing.T) {
	m := newMixer()
	caller := &recorder{}
	m.Add("caller", RoleCaller, &toneSource{freq: 400, amp: 3000}, caller)
	sup := &toneSource{freq: 1000, amp: 3000}
	supRec := &recorder{}
	l := m.Add("sup", RoleListen, sup, supRec)
	m.mixOnce()
	if a := amplitude(caller.last, 1000); a > 30 {
		t.Fatalf("listen leg heard by caller: %.0f", a)
	}
	if a := amplitude(supRec.last, 400); a < 2900 {
		t.Fatalf("listener does not hear caller: %.0f", a)
	}
	m.SetRole(l, RoleBarge)
	if m.Role(l) != RoleBarge {
		t.Fatal("role not changed")
	}
	m.mixOnce()
	if a := amplitude(caller.last, 1000); a < 2900 {
		t.Fatalf("barge leg not heard by caller: %.0f", a)
	}
	m.Remove(l)
	m.mixOnce()
	if a := amplitude(caller.last, 1000); a > 30 {
		t.Fatalf("removed leg still heard: %.0f", a)
	}
	if n := supRec.frames; n != 2 {
		t.Fatalf("removed leg written after removal: %d frames", n)
	}
	if s := m.Stats(); s.Legs != 1 || s.Ticks != 3 {
		t.Fatalf("stats = %+v", s)
	}
}

// constSource returns the same sample every time.
type constSource int16

func (c constSource) ReadFrame(dst []int16) bool {
	for i := range dst {
		dst[i] = int16(c)
	}
	return true
}

func TestSaturates(t *testing.T) {
	m := newMixer()
	rec := &recorder{}
	m.Add("listener", RoleListen, nil, rec)
	m.Add("a", RoleTalk, constSource(30000), nil)
	m.Add("b", RoleBarge, constSource(30000), nil)
	m.Add("c", RoleCaller, constSource(30000), nil)
	m.mixOnce()
	if rec.last[0] != 32767 {
		t.Fatalf("positive overflow: got %d, want 32767", rec.last[0])
	}
	m2 := newMixer()
	rec2 := &recorder{}
	m2.Add("listener", RoleListen, nil, rec2)
	m2.Add("a", RoleTalk, constSource(-30000), nil)
	m2.Add("b", RoleTalk, constSource(-30000), nil)
	m2.mixOnce()
	if rec2.last[0] != -32768 {
		t.Fatalf("negative overflow: got %d, want -32768", rec2.last[0])
	}
	// The leg's own voice is removed before saturation: a talker alone with
	// a loud peer hears exactly the peer.
	m3 := newMixer()
	r3 := &recorder{}
	m3.Add("me", RoleTalk, constSource(30000), r3)
	m3.Add("peer", RoleTalk, constSource(20000), nil)
	m3.mixOnce()
	if r3.last[0] != 20000 {
		t.Fatalf("mix-minus before saturation: got %d, want 20000", r3.last[0])
	}
}

func TestSilentSourceNotSubtracted(t *testing.T) {
	m := newMixer()
	me := &toneSource{freq: 400, amp: 3000, silent: true}
	rec := &recorder{}
	m.Add("me", RoleTalk, me, rec)
	m.Add("peer", RoleCaller, &toneSource{freq: 1000, amp: 3000}, nil)
	m.mixOnce()
	if a := amplitude(rec.last, 1000); math.Abs(a-3000) > 60 {
		t.Fatalf("peer amplitude %.0f", a)
	}
	if a := amplitude(rec.last, 400); a > 30 {
		t.Fatalf("silent self leaked: %.0f", a)
	}
}

func TestLateTicks(t *testing.T) {
	m := newMixer(WithLateThreshold(5 * time.Millisecond))
	t0 := time.Unix(1000, 0)
	m.tick(t0)                                // first tick sets the schedule
	m.tick(t0.Add(Period + time.Millisecond)) // 1 ms late: fine
	m.tick(t0.Add(2*Period + 6*time.Millisecond))
	if s := m.Stats(); s.Late != 1 || s.Ticks != 3 || s.MaxLateness != 6*time.Millisecond {
		t.Fatalf("after one late tick: %+v", s)
	}
	// 50 ms behind: counted once, then the schedule re-aligns so the next
	// on-time tick is not late.
	m.tick(t0.Add(3*Period + 50*time.Millisecond))
	m.tick(t0.Add(4*Period + 50*time.Millisecond))
	if s := m.Stats(); s.Late != 2 || s.Ticks != 5 {
		t.Fatalf("after a stall: %+v", s)
	}
}

func TestRoleString(t *testing.T) {
	for r := RoleTalk; r <= RolePrompt; r++ {
		p, err := ParseRole(r.String())
		if err != nil || p != r {
			t.Fatalf("ParseRole(%q) = %v, %v", r, p, err)
		}
	}
	if _, err := ParseRole("shout"); err == nil {
		t.Fatal("ParseRole accepted an unknown role")
	}
	if RoleUnknown.String() != "unknown" || Role(99).String() != "Role(99)" {
		t.Fatal("String of unknown roles")
	}
}

func TestNewTicksAndCloses(t *testing.T) {
	m := New()
	rec := &recorder{}
	m.Add("l", RoleListen, nil, rec)
	deadline := time.Now().Add(2 * time.Second)
	for m.Stats().Ticks < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	m.Close()
	m.Close()
	n := m.Stats().Ticks
	if n < 3 {
		t.Fatalf("only %d ticks in 2 s", n)
	}
	time.Sleep(3 * Period)
	if m.Stats().Ticks != n {
		t.Fatal("ticking after Close")
	}
}

func TestMixAllocatesNothing(t *testing.T) {
	m := newMixer()
	for i := range 10 {
		m.Add(fmt.Sprint(i), RoleTalk, &toneSource{freq: 400, amp: 1000}, &recorder{last: make([]int16, 0, FrameSamples)})
	}
	m.Add("w", RoleWhisper, constSource(1), nil)
	if a := testing.AllocsPerRun(50, m.mixOnce); a != 0 {
		t.Fatalf("%v allocations per tick", a)
	}
}

type nopSink struct{}

func (nopSink) WriteFrame([]int16) error { return nil }

func benchRoom(b *testing.B, parties int) {
	m := newMixer()
	m.Add("caller", RoleCaller, constSource(100), nopSink{})
	for i := 1; i < parties; i++ {
		m.Add(fmt.Sprint(i), RoleTalk, constSource(int16(i)), nopSink{})
	}
	b.ReportAllocs()
	for b.Loop() {
		m.mixOnce()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(Period.Nanoseconds())*100, "%core/room")
}

func BenchmarkTick2Party(b *testing.B)  { benchRoom(b, 2) }
func BenchmarkTick10Party(b *testing.B) { benchRoom(b, 10) }

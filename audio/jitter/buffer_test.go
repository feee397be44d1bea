package jitter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// run plays a script against b and returns what the pops gave.
// Words: "+N" inserts sequence number N (RTP timestamp N×960, arriving at
// the script's clock), "@N" sets the clock to N ms, "p" pops ("N" nothing,
// "PN" packet N, "L" loss to conceal, "FN" loss with packet N for FEC),
// "pK" pops K times, "sK" skips K, "d" drains (DrainByFrame), "new" plays
// the newest (PlayNewest).
func run(t *testing.T, b *Buffer[byte], script string) string {
	t.Helper()
	t0 := time.Unix(1000, 0)
	now := t0
	var out []string
	for _, w := range strings.Fields(script) {
		switch {
		case w == "new":
			b.PlayNewest()
		case w == "d":
			b.Drain()
		case w[0] == '+' || w[0] == '@' || w[0] == 's' || w[0] == 'p':
			n := 1
			if len(w) > 1 {
				v, err := strconv.Atoi(w[1:])
				if err != nil {
					t.Fatalf("script word %q", w)
				}
				n = v
			}
			switch w[0] {
			case '+':
				seq := uint16(n)
				b.Insert(seq, uint32(seq)*960, now, []byte{byte(seq >> 8), byte(seq)})
			case '@':
				now = t0.Add(time.Duration(n) * time.Millisecond)
			case 's':
				b.Skip(n)
			case 'p':
				for range n {
					out = append(out, pop(b, now))
				}
			}
		default:
			t.Fatalf("script word %q", w)
		}
	}
	return strings.Join(out, " ")
}

func pop(b *Buffer[byte], now time.Time) string {
	k, s := b.Pop(now)
	switch {
	case k == Packet:
		return fmt.Sprintf("P%d", s.Seq)
	case k == Lost && s != nil:
		return fmt.Sprintf("F%d", s.Seq)
	case k == Lost:
		return "L"
	}
	return "N"
}

// TestPolicies drives each of the three policies through the same kinds
// of events: priming, reordering, a hole, an underrun, a stop, too much
// delay, wrap-around, late and duplicate packets.
func TestPolicies(t *testing.T) {
	primed, fixed, adaptive := Primed(2, 10), Fixed(2), Adaptive(20*time.Millisecond, 48000)
	for _, c := range []struct {
		name   string
		pol    Policy
		script string
		want   string
		check  func(t *testing.T, b *Buffer[byte])
	}{
		// Primed (trunk): starts at the insert that makes prime, from the earliest.
		{"primed: waits for prime", primed, "p +100 p +101 p p", "N N P100 P101", nil},
		{"primed: reorders", Primed(3, 10), "+12 +10 +11 p3", "P10 P11 P12", nil},
		{"primed: late and duplicate", primed, "+1 +2 p +1 +2 p", "P1 P2", func(t *testing.T, b *Buffer[byte]) {
			if st := b.Stats(); st.Late != 1 || st.Duplicate != 1 {
				t.Errorf("late %d duplicate %d", st.Late, st.Duplicate)
			}
		}},
		{"primed: a hole is concealed, FEC offered", primed, "+1 +3 p3", "P1 F3 P3", nil},
		{"primed: stream stops after 3 concealed", Primed(1, 10), "+1 p5 +50 p", "P1 L L L N P50", nil},
		{"primed: a long gap is jumped after 3", primed, "+1 +2 p2 +10 +11 p5", "P1 P2 L L L P10 P11", nil},
		{"primed: trims to max", Primed(2, 5), "+0 +1 +2 +3 +4 +5 +6 +7 p", "P3", func(t *testing.T, b *Buffer[byte]) {
			if b.Held() != 5-1 || b.Stats().Trimmed != 3 {
				t.Errorf("held %d trimmed %d", b.Held(), b.Stats().Trimmed)
			}
		}},
		{"primed: wraps", primed, "+65535 +0 +1 p3", "P65535 P0 P1", nil},
		{"primed: restarts far behind", primed, "+30000 +30001 p +100 +101 p", "P30000 P100", func(t *testing.T, b *Buffer[byte]) {
			if b.Stats().Restarts != 1 {
				t.Errorf("restarts %d", b.Stats().Restarts)
			}
		}},
		{"primed: restarts far ahead", primed, "+1 +2 p +100 +101 p", "P1 P100", nil},

		// Fixed (room): starts at a pop on the newest target packets.
		{"fixed: primes then plays", fixed, "+10 p +11 p2", "N P10 P11", nil},
		{"fixed: starts on the newest", fixed, "+10 +12 +11 +13 p2", "P12 P13", nil},
		{"fixed: hole with FEC", fixed, "+1 +2 p2 +4 +5 p3", "P1 P2 F4 P4 P5", nil},
		{"fixed: two holes", fixed, "+1 +2 p2 +5 +6 p4", "P1 P2 L F5 P5 P6", nil},
		{"fixed: underrun moves on, late dropped", fixed, "+1 +2 p3 +3 +4 +5 p2", "P1 P2 L P4 P5", nil},
		{"fixed: long underrun stops", fixed, "+1 +2 p8 +40 p +41 p", "P1 P2 L L L L L N N P40", nil},
		{"fixed: too deep jumps", fixed, "+1 +2 p +3 +4 +5 +6 +7 +8 +9 +10 p2", "P1 P9 P10", func(t *testing.T, b *Buffer[byte]) {
			if st := b.Stats(); st.Jumped != 7 || st.Dropped != 7 {
				t.Errorf("jumped %d dropped %d", st.Jumped, st.Dropped)
			}
		}},
		{"fixed: wraps", fixed, "+65534 +65535 +0 +1 p2", "P0 P1", nil},
		{"fixed: play newest", fixed, "+1 +2 +3 +4 +5 +6 +7 +8 new p3", "P7 P8 L", nil},

		// Adaptive (softphone): starts at a pop, from the earliest; an underrun waits.
		{"adaptive: reorders and conceals", adaptive, "+10 +12 +11 +14 p5", "P10 P11 P12 F14 P14", nil},
		{"adaptive: underrun waits for the late packet", adaptive, "+1 p @20 p +2 p", "P1 L P2", nil},
		{"adaptive: stops only when idle", adaptive, "+1 p @10 p6 @100 p", "P1 L L L L L L N", func(t *testing.T, b *Buffer[byte]) {
			if b.ad.boost != 1 {
				t.Errorf("boost %d after one underrun", b.ad.boost)
			}
		}},
		{"adaptive: trims to target+2", adaptive, "+0 @20 +1 @40 +2 @60 +3 @80 +4 @100 +5 @120 +6 @140 +7 p", "P5", func(t *testing.T, b *Buffer[byte]) {
			if b.Stats().Trimmed != 5 {
				t.Errorf("trimmed %d", b.Stats().Trimmed)
			}
		}},
		{"adaptive: skip", adaptive, "+0 +1 +2 p s3 +3 +4 p", "P0 P4", func(t *testing.T, b *Buffer[byte]) {
			if st := b.Stats(); st.Skipped != 2 || st.Late != 1 {
				t.Errorf("skipped %d late %d", st.Skipped, st.Late)
			}
		}},
		{"adaptive: wraps", adaptive, "+65535 p +0 @20 p +1 @40 p", "P65535 P0 P1", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := New[byte](c.pol)
			if got := run(t, b, c.script); got != c.want {
				t.Fatalf("%s\n got %s\nwant %s", c.script, got, c.want)
			}
			if c.check != nil {
				c.check(t, b)
			}
		})
	}
}

// A burst leaves packets queued; in steady flow a DrainByFrame buffer
// gives the delay back within a window or two, and drains nothing more.
func TestDrainByFrame(t *testing.T) {
	b := New[byte](Primed(2, 10))
	seq := uint16(100)
	push := func() { b.Insert(seq, 0, time.Time{}, []byte{1}); seq++ }
	for range 10 {
		push()
	}
	steady := func(n int) {
		for range n {
			if k, _ := b.Pop(time.Time{}); k != Packet {
				t.Fatalf("pop gave %v", k)
			}
			b.Drain()
			push()
		}
	}
	steady(3 * b.Policy().Window)
	if b.Held() > 3 || b.Stats().Drained == 0 || b.Stats().Lost != 0 {
		t.Fatalf("held %d drained %d lost %d", b.Held(), b.Stats().Drained, b.Stats().Lost)
	}
	before := b.Stats().Drained
	steady(3 * b.Policy().Window)
	if b.Stats().Drained != before {
		t.Fatal("drained in steady flow")
	}
}

// A new source (Reset) forgets the old stream's packets and primes again.
func TestReset(t *testing.T) {
	for _, pol := range []Policy{Primed(2, 10), Fixed(2), Adaptive(20*time.Millisecond, 48000)} {
		b := New[byte](pol)
		if got := run(t, b, "+1 @20 +2 @40 +3 p"); got != "P1" && got != "P2" {
			t.Fatalf("%v: %s", pol, got)
		}
		b.Reset()
		if b.Held() != 0 || b.Playing() {
			t.Fatalf("%v: held %d playing %v after Reset", pol, b.Held(), b.Playing())
		}
		if got := run(t, b, "@17980 +900 @18000 +901 p"); got != "P900" {
			t.Errorf("%v: after Reset %s, want P900", pol, got)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, p := range []Policy{Primed(0, 0), Primed(2, 10), Fixed(0), Fixed(2), Adaptive(20*time.Millisecond, 8000)} {
		if err := p.Validate(); err != nil {
			t.Errorf("%v: %v", p, err)
		}
	}
	bad := Adaptive(20*time.Millisecond, 8000)
	bad.Frame = 0
	for _, p := range []Policy{{}, {Start: StartOnPop, CatchUp: TrimOnPop, Loss: LossWait}, bad,
		func() Policy { p := Fixed(2); p.Drain = DrainByFrame; return p }()} {
		if err := p.Validate(); !errors.Is(err, ErrPolicy) {
			t.Errorf("%+v: %v, want ErrPolicy", p, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted an invalid policy")
		}
	}()
	New[byte](Policy{})
}

func TestNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{StartOnInsert.String(), "on-insert"}, {StartNewest.String(), "newest"}, {Start(9).String(), "Start(9)"},
		{TrimOnPop.String(), "trim-on-pop"}, {JumpOnPop.String(), "jump-on-pop"}, {CatchUp(9).String(), "CatchUp(9)"},
		{DrainByFrame.String(), "by-frame"}, {Drain(9).String(), "Drain(9)"},
		{LossWait.String(), "wait"}, {LossJump.String(), "jump"}, {Loss(9).String(), "Loss(9)"},
		{Lost.String(), "lost"}, {Restarted.String(), "restarted"},
		{Fixed(2).String(), "target 2 max 6 start newest catch-up jump-on-pop drain none/0 loss advance stop 5"},
		{Adaptive(20*time.Millisecond, 48000).String(),
			"target adaptive(20ms@48000) max 10 start on-pop catch-up trim-on-pop drain on-play/50 loss wait stop 3"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// A ticked buffer (the room's) starts from the packet that has waited its
// margin at the tick, so the first packet waits less than a period more
// than it must, whatever the tick's phase.
func TestTickedStart(t *testing.T) {
	ticked := Ticked(2, 20*time.Millisecond, 48000)
	primed := Primed(2, 10).WithTicks(20*time.Millisecond, 48000)
	for _, c := range []struct {
		name         string
		pol          Policy
		script, want string
	}{
		{"a packet that waited the margin plays at once", ticked, "@0 +1 @5 p @20 +2 @25 p", "P1 P2"},
		{"a fresh one waits a tick", ticked, "@0 +1 @2 p @20 +2 @22 p @40 +3 @42 p", "N P1 P2"},
		{"the newest that waited the margin", ticked, "@0 +1 @20 +2 @40 +3 @50 p", "P3"},
		{"played newest: the next tick chooses", ticked, "@0 +1 @20 +2 @40 +3 new @42 p @60 +4 @62 p", "P2 P3"},
		{"without a clock as Fixed", ticked, "+10 p +11 p2", "N P10 P11"},
		{"primed: the first packet, when it waited the margin", primed, "@0 +1 @5 p @20 +2 @25 p", "P1 P2"},
		{"primed: a fresh first packet waits for prime", primed, "@0 +1 @2 p @20 +2 @22 p @40 +3 @42 p", "N P1 P2"},
		{"primed: an underrun waits for the late packet", primed, "@0 +1 @5 p @25 p @27 +2 @45 p", "P1 L P2"},
		{"primed: without a clock as Primed", primed, "p +100 p +101 p p", "N N P100 P101"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := run(t, New[byte](c.pol), c.script); got != c.want {
				t.Fatalf("%s\n got %s\nwant %s", c.script, got, c.want)
			}
		})
	}
}

// After a missed tick every packet waits a period more than the margin;
// within two windows that period is given back (one packet dropped), and
// waits of the margin and a few ms are kept.
func TestTickedDrain(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := New[byte](Ticked(2, 20*time.Millisecond, 48000))
	win := b.Policy().Window
	insert := func(i int) time.Time {
		at := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		b.Insert(uint16(i), uint32(i)*960, at, []byte{byte(i)})
		return at
	}
	tick := func(i int, want uint16) { // the tick 7 ms after packet i
		t.Helper()
		if k, s := b.Pop(insert(i).Add(7 * time.Millisecond)); k != Packet || s.Seq != want {
			t.Fatalf("tick after packet %d: %v, want packet %d", i, k, want)
		}
	}
	for i := range 10 {
		tick(i, uint16(i)) // each waits 7 ms
	}
	insert(10) // the mixer missed this tick
	i := 11
	for ; b.Stats().Drained == 0; i++ {
		if i > 11+2*win {
			t.Fatal("27 ms waits for two windows, nothing drained")
		}
		tick(i, uint16(i-1))
	}
	for end := i + 3*win; i < end; i++ {
		tick(i, uint16(i))
	}
	if st := b.Stats(); st.Drained != 1 || st.Lost != 0 {
		t.Fatalf("drained %d lost %d, want 1 and 0", st.Drained, st.Lost)
	}
}

// Accelerated, the same drain drops nothing: it owes the period, PopOwed
// gives the next packet in the same tick, and every packet after plays
// a tick earlier, each once.
func TestTickedDrainAccelerate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := New[byte](Ticked(2, 20*time.Millisecond, 48000).Accelerated())
	win := b.Policy().Window
	insert := func(i int) time.Time {
		at := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		b.Insert(uint16(i), uint32(i)*960, at, []byte{byte(i)})
		return at
	}
	pop := func(i int, want uint16) time.Time {
		t.Helper()
		now := insert(i).Add(7 * time.Millisecond)
		if k, s := b.Pop(now); k != Packet || s.Seq != want {
			t.Fatalf("tick after packet %d: %v, want packet %d", i, k, want)
		}
		return now
	}
	for i := range 10 {
		pop(i, uint16(i))
		if k, _ := b.PopOwed(t0); k != None {
			t.Fatalf("PopOwed with nothing owed: %v", k)
		}
	}
	insert(10) // the mixer missed this tick
	i := 11
	for ; b.Owed() == 0; i++ {
		if i > 11+2*win {
			t.Fatal("27 ms waits for two windows, nothing owed")
		}
		pop(i, uint16(i-1))
	}
	if k, s := b.PopOwed(t0.Add(time.Duration(i-1)*20*time.Millisecond + 7*time.Millisecond)); k != Packet || s.Seq != uint16(i-1) {
		t.Fatalf("PopOwed after the drain: %v, want packet %d", k, i-1)
	}
	if b.Owed() != 0 {
		t.Fatalf("owed %d after PopOwed", b.Owed())
	}
	for end := i + 3*win; i < end; i++ {
		pop(i, uint16(i))
		b.PopOwed(t0) // nothing more is owed: packets wait 7 ms again
	}
	if st := b.Stats(); st.Drained != 0 || st.Dropped != 0 || st.Lost != 0 || st.Owed != 1 || st.Accelerated != 1 {
		t.Fatalf("drained %d dropped %d lost %d owed %d accelerated %d, want 0 0 0 1 1",
			st.Drained, st.Dropped, st.Lost, st.Owed, st.Accelerated)
	}
}

// A debt whose packet has not come is forgotten, and an underrun clears it.
func TestPopOwedWithoutPacket(t *testing.T) {
	b := New[byte](Ticked(2, 20*time.Millisecond, 48000).Accelerated())
	t0 := time.Unix(1000, 0)
	b.Insert(0, 0, t0, []byte{0})
	if k, _ := b.Pop(t0.Add(5 * time.Millisecond)); k != Packet {
		t.Fatalf("first pop %v", k)
	}
	b.owed = 1
	if k, _ := b.PopOwed(t0.Add(5 * time.Millisecond)); k != None || b.Owed() != 0 {
		t.Fatalf("PopOwed with packet 1 missing: %v, owed %d", k, b.Owed())
	}
	b.owed = 1
	b.Pop(t0.Add(25 * time.Millisecond)) // underrun: packet 1 is late
	if b.Owed() != 0 {
		t.Fatalf("owed %d after an underrun", b.Owed())
	}
}

// An underrun waits for the late packet (a period of delay) and raises
// the margin by a period for 150 packets, so the drain does not take the
// period straight back; then it does.
func TestTickedUnderrun(t *testing.T) {
	b := New[byte](Ticked(2, 20*time.Millisecond, 48000))
	got := run(t, b, "@0 +1 @5 p @25 p @27 +2 @45 p")
	if got != "P1 L P2" {
		t.Fatalf("got %s, want P1 L P2", got)
	}
	if b.tk.boost != 20*time.Millisecond || b.TickMargin() < 24*time.Millisecond {
		t.Fatalf("margin after an underrun %v (boost %v), want a period more than 4 ms and the jitter", b.TickMargin(), b.tk.boost)
	}
	// Packet 2 arrived at 27 and played at 45: every packet now waits 18 ms.
	t0 := time.Unix(1000, 0).Add(27 * time.Millisecond)
	for i := 3; i < 3+boostPops; i++ {
		at := t0.Add(time.Duration(i-2) * 20 * time.Millisecond)
		b.Insert(uint16(i), uint32(i)*960, at, []byte{byte(i)})
		if k, s := b.Pop(at.Add(18 * time.Millisecond)); k != Packet || s.Seq != uint16(i) {
			t.Fatalf("pop at packet %d gave %v", i, k)
		}
	}
	if b.tk.boost != 0 || b.TickMargin() > 6*time.Millisecond {
		t.Fatalf("margin after %d good packets %v (boost %v), want 4 ms and the jitter", boostPops, b.TickMargin(), b.tk.boost)
	}
	if b.Stats().Drained != 0 {
		t.Fatal("18 ms waits drained with a 4 ms margin")
	}
}

// The trunk's Primed ticked: an underrun waits for the late packet (a
// period more delay), and once the margin's boost has gone and a window
// of packets waited a period more than the margin, the period goes again.
func TestTickedPrimedGivesBackAnUnderrun(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := New[byte](Primed(2, 10).WithTicks(20*time.Millisecond, 8000))
	insert := func(i int, late time.Duration) time.Time {
		at := t0.Add(time.Duration(i)*20*time.Millisecond + late)
		b.Insert(uint16(i), uint32(i)*160, at, []byte{byte(i)})
		return at
	}
	tickAt := func(i int) time.Time { return t0.Add(time.Duration(i)*20*time.Millisecond + 7*time.Millisecond) }
	for i := range 10 {
		insert(i, 0)
		if k, s := b.Pop(tickAt(i)); k != Packet || s.Seq != uint16(i) {
			t.Fatalf("tick %d: %v", i, k)
		}
	}
	if k, _ := b.Pop(tickAt(10)); k != Lost {
		t.Fatalf("tick 10 before packet 10: %v, want a loss to conceal", k)
	}
	insert(10, 10*time.Millisecond) // 3 ms after its tick
	i := 11
	for ; b.Stats().Drained == 0; i++ {
		if i > 11+boostPops+2*b.Policy().Window {
			t.Fatal("the underrun's period never given back")
		}
		insert(i, 0)
		if k, s := b.Pop(tickAt(i)); k != Packet || s.Seq != uint16(i-1) {
			t.Fatalf("tick %d: %v, want packet %d", i, k, i-1)
		}
	}
	if i < 11+boostPops {
		t.Fatalf("given back at tick %d, while the margin was raised", i)
	}
	insert(i, 0)
	if k, s := b.Pop(tickAt(i)); k != Packet || s.Seq != uint16(i) {
		t.Fatalf("tick %d after the drain: %v, want packet %d", i, k, i)
	}
	if st := b.Stats(); st.Late != 0 || st.Lost != 1 || st.Drained != 1 {
		t.Fatalf("late %d lost %d drained %d, want 0 1 1", st.Late, st.Lost, st.Drained)
	}
}

// A softphone sends nothing while its operator is idle, its RTP clock
// running on. Attached after such a pause, the operator's stream does not
// start on the packets from before it (the end of the last call) when the
// first packet after it has not yet waited the margin: those go, and
// playout starts on the new packets.
func TestTickedPauseIsNotPlayed(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := New[byte](Ticked(2, 20*time.Millisecond, 48000))
	insert := func(seq uint16, frame int, ms int) {
		b.Insert(seq, uint32(frame)*960, t0.Add(time.Duration(ms)*time.Millisecond), []byte{byte(seq)})
	}
	popAt := func(ms int) string { return pop(b, t0.Add(time.Duration(ms)*time.Millisecond)) }
	for i := 1; i <= 3; i++ {
		insert(uint16(i), i, (i-1)*20)
	}
	b.PlayNewest() // attached to a room while idle: nothing was popped yet
	// Ten seconds later: the clock moved on 500 frames, the sequence by one.
	insert(4, 503, 10000)
	var got []string
	got = append(got, popAt(10002)) // packet 4 has waited 2 ms, less than the margin
	insert(5, 504, 10020)
	got = append(got, popAt(10022))
	insert(6, 505, 10040)
	got = append(got, popAt(10042))
	if s := strings.Join(got, " "); s != "N P4 P5" {
		t.Fatalf("got %s, want N P4 P5 (nothing from before the pause)", s)
	}
	if st := b.Stats(); st.Lost != 0 || st.Played != 2 {
		t.Fatalf("stats %+v: want 2 played, none lost", st)
	}
}

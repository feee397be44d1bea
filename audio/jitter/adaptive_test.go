package jitter

import (
	"testing"
	"time"
)

// The softphone's policy (Adaptive), tests moved here from softphone/ with
// the buffer: what they assert is unchanged.

const f20 = 20 * time.Millisecond

// shrinkWindow is how many pops in a row must find a spare frame before one
// is skipped (1 s of 20 ms frames).
var shrinkWindow = Adaptive(f20, 48000).Window

func newAdaptive() *Buffer[byte] { return New[byte](Adaptive(f20, 48000)) }

type step struct {
	status  Kind
	payload string
}

func pkt(seq uint16) []byte { return []byte{byte(seq >> 8), byte(seq)} }

// popOne pops as the softphone does: the payload of the packet, or of the
// FEC carrier.
func popOne(b *Buffer[byte], now time.Time) (Kind, []byte) {
	k, s := b.Pop(now)
	if s == nil {
		return k, nil
	}
	return k, s.Payload
}

// overflow and skipped are the softphone's late-packet and skip counts
// from the core's: packets the ring or the depth bound dropped, and
// spare ones drained or skipped.
func (b *Buffer[T]) overflow() uint64 { return b.st.Evicted + b.st.Trimmed }
func (b *Buffer[T]) skipped() uint64  { return b.st.Drained + b.st.Skipped }

func popAll(j *Buffer[byte], now time.Time, n int) []step {
	var out []step
	for i := 0; i < n; i++ {
		st, p := popOne(j, now)
		out = append(out, step{st, string(p)})
	}
	return out
}

func TestAdaptiveReordersAndConceals(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newAdaptive()
	// 10, 12, 11 arrive together (reordered), 13 is lost, 14 arrives.
	for _, s := range []uint16{10, 12, 11, 14} {
		j.Insert(s, uint32(s)*960, t0, pkt(s))
	}
	got := popAll(j, t0, 5)
	want := []step{
		{Packet, string(pkt(10))},
		{Packet, string(pkt(11))},
		{Packet, string(pkt(12))},
		{Lost, string(pkt(14))}, // 13 missing: FEC from 14
		{Packet, string(pkt(14))},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pop %d = %v %q, want %v %q", i, got[i].status, got[i].payload, want[i].status, want[i].payload)
		}
	}
	// 13 finally arrives: late, dropped.
	j.Insert(13, 13*960, t0, pkt(13))
	if j.st.Late != 1 {
		t.Fatalf("late = %d, want 1", j.st.Late)
	}
	if j.st.Lost != 1 || j.st.Played != 4 {
		t.Fatalf("concealed=%d played=%d, want 1 and 4", j.st.Lost, j.st.Played)
	}
	if lf := j.LossFraction(); lf != 0 {
		t.Fatalf("loss fraction %v after the late packet arrived, want 0", lf)
	}
}

func TestAdaptiveStreamStopRebuffers(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newAdaptive()
	j.Insert(1, 960, t0, pkt(1))
	if st, _ := popOne(j, t0); st != Packet {
		t.Fatalf("first pop %v, want frame", st)
	}
	// Catch-up pops right after a packet arrived conceal but keep playing.
	for i := 0; i < 6; i++ {
		if st, p := popOne(j, t0.Add(10*time.Millisecond)); st != Lost || p != nil {
			t.Fatalf("underrun pop %d = %v, want PLC", i, st)
		}
	}
	if st, _ := popOne(j, t0.Add(100*time.Millisecond)); st != None {
		t.Fatalf("100 ms without packets got %v, want silence (rebuffering)", st)
	}
	if j.ad.boost == 0 {
		t.Fatal("underruns did not deepen the buffer")
	}
	// The stream comes back far ahead: buffering restarts from the new packet.
	tg := j.Target()
	for s := uint16(500); s < 500+uint16(tg); s++ {
		j.Insert(s, uint32(s)*960, t0.Add(time.Duration(s)*f20), pkt(s))
	}
	if st, p := popOne(j, t0); st != Packet || p[1] != byte(500%256) {
		t.Fatalf("after rebuffer got %v %v, want frame 500", st, p)
	}
}

func TestAdaptiveAdaptsToJitter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	steady := newAdaptive()
	jumpy := newAdaptive()
	for i := 0; i < 200; i++ {
		s := uint16(i)
		steady.Insert(s, uint32(i)*960, t0.Add(time.Duration(i)*f20), pkt(s))
		var d time.Duration
		if i%2 == 1 {
			d = 30 * time.Millisecond // every other packet 30 ms late
		}
		jumpy.Insert(s, uint32(i)*960, t0.Add(time.Duration(i)*f20+d), pkt(s))
		popOne(steady, t0)
		popOne(jumpy, t0)
	}
	if got := steady.Target(); got != 1 {
		t.Errorf("steady target = %d frames, want 1", got)
	}
	if got := jumpy.Target(); got < 4 {
		t.Errorf("jumpy target = %d frames (jitter %v), want >= 4", got, jumpy.Jitter())
	}
	if jd := jumpy.Jitter(); jd < 20*time.Millisecond || jd > 40*time.Millisecond {
		t.Errorf("jitter estimate %v, want about 30 ms", jd)
	}
}

func TestAdaptiveTrimsExcess(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newAdaptive()
	for s := uint16(0); s < 8; s++ {
		j.Insert(s, uint32(s)*960, t0.Add(time.Duration(s)*f20), pkt(s))
	}
	st, p := popOne(j, t0)
	if st != Packet || p[1] != 5 { // target 1: keep at most 3 waiting, play from 5
		t.Fatalf("pop = %v %v, want frame 5", st, p)
	}
	if j.overflow() != 5 {
		t.Fatalf("overflow = %d, want 5", j.overflow())
	}
}

// Accelerated, the excess a pop finds is owed instead of trimmed: every
// packet plays, in order, two a pop while the debt lasts; past Max owed
// the rest is trimmed after all.
func TestAdaptiveOwesExcess(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, c := range []struct{ held, owed, trimmed int }{{8, 5, 0}, {14, 10, 1}} {
		j := New[byte](Adaptive(f20, 48000).Accelerated())
		for s := range c.held {
			j.Insert(uint16(s), uint32(s)*960, t0.Add(time.Duration(s)*f20), pkt(uint16(s)))
		}
		var order []uint16
		for range c.held {
			k, s := j.Pop(t0)
			if k != Packet {
				break
			}
			order = append(order, s.Seq)
			if k, s := j.PopOwed(t0); k == Packet {
				order = append(order, s.Seq)
			}
		}
		st := j.Stats()
		if int(st.Trimmed) != c.trimmed || int(st.Owed) != c.owed || len(order)+c.trimmed != c.held {
			t.Fatalf("%d held: trimmed %d owed %d played %v; want %d trimmed, %d owed, the rest played",
				c.held, st.Trimmed, st.Owed, order, c.trimmed, c.owed)
		}
		for i, seq := range order {
			if want := uint16(i + c.trimmed); seq != want {
				t.Fatalf("%d held: played %v, want %d.. in order", c.held, order, c.trimmed)
			}
		}
	}
}

func TestAdaptiveLossAcrossWrap(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newAdaptive()
	n := 0
	for s := uint16(65530); s != 10; s++ {
		if s == 2 || s == 65534 {
			continue // two lost
		}
		j.Insert(s, 0, t0, pkt(s))
		n++
	}
	want := 2.0 / 16.0
	if got := j.LossFraction(); got < want-1e-9 || got > want+1e-9 {
		t.Fatalf("loss = %v, want %v (%d received)", got, want, n)
	}
}

// steadyStream pushes packets from..to-1 arriving every 20 ms from t0 and
// pops each wait after its arrival; it returns what the pops gave.
func steadyStream(j *Buffer[byte], t0 time.Time, from, to int, wait time.Duration) []Kind {
	var out []Kind
	for i := from; i < to; i++ {
		at := t0.Add(time.Duration(i) * f20)
		j.Insert(uint16(i), uint32(i)*960, at, pkt(uint16(i)))
		st, _ := popOne(j, at.Add(wait))
		out = append(out, st)
	}
	return out
}

func TestAdaptiveReadyAndMargin(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newAdaptive()
	if j.Ready() {
		t.Fatal("empty buffer ready")
	}
	j.Insert(1, 960, t0, pkt(1))
	if !j.Ready() {
		t.Fatal("one packet with target 1 is not ready to start")
	}
	if m := j.Margin(); m != 2*time.Millisecond {
		t.Errorf("margin without jitter = %v, want 2ms", m)
	}
	if st, _ := popOne(j, t0); st != Packet || j.Ready() {
		t.Fatalf("pop %v, ready %v after the stream started", st, j.Ready())
	}
	j.ad.jitter = 48 * 2 // 2 ms
	if m := j.Margin(); m != 6*time.Millisecond {
		t.Errorf("margin with 2 ms jitter = %v, want 6ms", m)
	}
	j.ad.jitter = 48 * 50
	if m := j.Margin(); m != f20 {
		t.Errorf("margin with 50 ms jitter = %v, want capped at one frame", m)
	}
}

func TestAdaptiveBoostsOncePerUnderrun(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newAdaptive()
	steadyStream(j, t0, 0, 10, 0)
	for k := 0; k < 3; k++ { // one underrun three frames long
		if st, _ := popOne(j, t0.Add(200*time.Millisecond+time.Duration(k)*f20)); st != Lost {
			t.Fatalf("underrun pop %d = %v, want PLC", k, st)
		}
	}
	if j.ad.boost != 1 {
		t.Fatalf("boost = %d after one underrun, want 1", j.ad.boost)
	}
	// 3 s clean: the boost decays again.
	steadyStream(j, t0.Add(60*time.Millisecond), 10, 170, 3*time.Millisecond)
	if j.ad.boost != 0 {
		t.Fatalf("boost = %d after 3 s clean, want 0", j.ad.boost)
	}
}

// spareStream plays a second and more of frames into j, each popped 25 ms
// after it arrived: the next one always waits too, a spare frame the
// target (1) does not ask for. pop is each pop at now (frame i).
func spareStream(j *Buffer[byte], pop func(i int, now time.Time)) {
	t0 := time.Unix(1000, 0)
	for i := 0; i < shrinkWindow+5; i++ {
		at := t0.Add(time.Duration(i) * f20)
		j.Insert(uint16(i), uint32(i)*960, at, pkt(uint16(i)))
		if i > 0 {
			pop(i, at.Add(5*time.Millisecond))
		}
	}
}

func TestAdaptiveSkipsSpareFrame(t *testing.T) {
	j := newAdaptive()
	var sts []Kind
	spareStream(j, func(_ int, now time.Time) {
		st, _ := popOne(j, now)
		sts = append(sts, st)
	})
	if j.skipped() != 1 {
		t.Fatalf("skipped = %d after a second with a spare frame, want 1", j.skipped())
	}
	for i, st := range sts {
		if st != Packet {
			t.Fatalf("pop %d = %v: skipping must not conceal", i, st)
		}
	}
	if j.held != 0 {
		t.Fatalf("%d frames wait after the skip, want 0", j.held)
	}
}

// Accelerated, the spare frame is not skipped but owed: PopOwed gives it
// after the pop that found the window full, and every packet plays, once,
// in order.
func TestAdaptiveOwesSpareFrame(t *testing.T) {
	j := New[byte](Adaptive(f20, 48000).Accelerated())
	var order []uint16
	spareStream(j, func(i int, now time.Time) {
		k, s := j.Pop(now)
		if k != Packet {
			t.Fatalf("pop %d = %v: giving back delay must not conceal", i, k)
		}
		order = append(order, s.Seq)
		if k, s := j.PopOwed(now); k == Packet {
			order = append(order, s.Seq)
		} else if k != None {
			t.Fatalf("PopOwed %d = %v", i, k)
		}
	})
	for i, seq := range order {
		if seq != uint16(i) {
			t.Fatalf("played %v: not every packet once in order", order)
		}
	}
	if st := j.Stats(); st.Drained != 0 || st.Dropped != 0 || st.Owed != 1 || st.Accelerated != 1 || j.held != 0 {
		t.Fatalf("drained %d dropped %d owed %d accelerated %d held %d; want 0 0 1 1 0",
			st.Drained, st.Dropped, st.Owed, st.Accelerated, j.held)
	}
}

func TestAdaptiveEarly(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newAdaptive()
	steadyStream(j, t0, 0, shrinkWindow-1, 8*time.Millisecond)
	if d := j.Early(); d != 0 {
		t.Fatalf("early = %v before a whole window, want 0", d)
	}
	steadyStream(j, t0, shrinkWindow-1, shrinkWindow, 8*time.Millisecond)
	if d := j.Early(); d != 6*time.Millisecond {
		t.Fatalf("early = %v after frames waited 8 ms for a window (margin 2 ms), want 6ms", d)
	}
	if d := j.Early(); d != 0 {
		t.Fatalf("early = %v the second time, want 0 (once)", d)
	}
	steadyStream(j, t0, shrinkWindow, 3*shrinkWindow, 3*time.Millisecond)
	if d := j.Early(); d != 0 {
		t.Fatalf("early = %v with waits within 2 ms of the margin, want 0", d)
	}
}

func TestAdaptiveEarlyToleratesTwoLatePackets(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for late, want := range map[int]time.Duration{2: 8 * time.Millisecond, 3: 0} {
		j := newAdaptive()
		for i := 0; i < shrinkWindow; i++ {
			wait := 10 * time.Millisecond
			if i >= 10 && i < 10+late {
				wait = time.Millisecond // came late, played on arrival
			}
			steadyStream(j, t0, i, i+1, wait)
		}
		if d := j.Early(); d != want {
			t.Errorf("%d late packets in a window: early = %v, want %v", late, d, want)
		}
	}
}

func TestAdaptiveSkipDue(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newAdaptive()
	for s := uint16(0); s < 3; s++ {
		j.Insert(s, uint32(s)*960, t0, pkt(s))
	}
	popOne(j, t0) // plays 0
	j.Skip(3)     // 1 and 2 held, 3 not yet received: their time has passed
	if j.skipped() != 2 || j.held != 0 {
		t.Fatalf("skipped %d, %d still held; want 2 and 0", j.skipped(), j.held)
	}
	j.Insert(3, 3*960, t0, pkt(3))
	j.Insert(4, 4*960, t0, pkt(4))
	if j.st.Late != 1 {
		t.Fatalf("late = %d: the skipped slot's packet must count as late", j.st.Late)
	}
	if st, p := popOne(j, t0); st != Packet || p[1] != 4 {
		t.Fatalf("pop after skip = %v %v, want frame 4", st, p)
	}
}

// After a stall, frames stay spare through a whole window: all of them go
// at its end, not one a second (the burst raised the jitter estimate, so
// the target keeps one of the three).
func TestAdaptiveSkipsEverySpareFrame(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newAdaptive()
	for i := range 4 { // a burst: 4 frames at once
		j.Insert(uint16(i), uint32(i)*960, t0, pkt(uint16(i)))
	}
	for i := 4; i < 4+shrinkWindow+2; i++ {
		at := t0.Add(time.Duration(i-3) * f20)
		if st, _ := popOne(j, at); st != Packet {
			t.Fatalf("pop at frame %d = %v: skipping must not conceal", i, st)
		}
		j.Insert(uint16(i), uint32(i)*960, at.Add(time.Millisecond), pkt(uint16(i)))
	}
	if j.skipped() < 2 {
		t.Fatalf("skipped = %d after a second with three frames queued, want every spare one (2: the burst's jitter makes the target 2)", j.skipped())
	}
}

func TestAdaptiveNextHeld(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newAdaptive()
	j.Insert(1, 960, t0, pkt(1))
	if j.NextHeld() {
		t.Fatal("next held before playout started")
	}
	popOne(j, t0) // plays 1
	if j.NextHeld() {
		t.Fatal("next held with nothing queued")
	}
	j.Insert(3, 3*960, t0.Add(2*f20), pkt(3))
	if j.NextHeld() {
		t.Fatal("next held while 2, due next, is missing")
	}
	j.Insert(2, 2*960, t0.Add(2*f20), pkt(2))
	if !j.NextHeld() {
		t.Fatal("2 is due next and held, NextHeld false")
	}
}

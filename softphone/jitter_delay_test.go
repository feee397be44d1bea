package softphone

import (
	"log/slog"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
)

// steadyStream pushes packets from..to-1 arriving every 20 ms from t0 and
// pops each wait after its arrival; it returns what the pops gave.
func steadyStream(j *jitterBuffer, t0 time.Time, from, to int, wait time.Duration) []jbStatus {
	var out []jbStatus
	for i := from; i < to; i++ {
		at := t0.Add(time.Duration(i) * f20)
		j.push(uint16(i), uint32(i)*960, pkt(uint16(i)), at)
		st, _ := j.pop(at.Add(wait))
		out = append(out, st)
	}
	return out
}

func TestJitterBufferReadyAndMargin(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newJitterBuffer(f20, 48000)
	if j.ready() {
		t.Fatal("empty buffer ready")
	}
	j.push(1, 960, pkt(1), t0)
	if !j.ready() {
		t.Fatal("one packet with target 1 is not ready to start")
	}
	if m := j.margin(); m != 2*time.Millisecond {
		t.Errorf("margin without jitter = %v, want 2ms", m)
	}
	if st, _ := j.pop(t0); st != jbFrame || j.ready() {
		t.Fatalf("pop %v, ready %v after the stream started", st, j.ready())
	}
	j.jitter = 48 * 2 // 2 ms
	if m := j.margin(); m != 6*time.Millisecond {
		t.Errorf("margin with 2 ms jitter = %v, want 6ms", m)
	}
	j.jitter = 48 * 50
	if m := j.margin(); m != f20 {
		t.Errorf("margin with 50 ms jitter = %v, want capped at one frame", m)
	}
}

func TestJitterBufferBoostsOncePerUnderrun(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newJitterBuffer(f20, 48000)
	steadyStream(j, t0, 0, 10, 0)
	for k := 0; k < 3; k++ { // one underrun three frames long
		if st, _ := j.pop(t0.Add(200*time.Millisecond + time.Duration(k)*f20)); st != jbLost {
			t.Fatalf("underrun pop %d = %v, want PLC", k, st)
		}
	}
	if j.boost != 1 {
		t.Fatalf("boost = %d after one underrun, want 1", j.boost)
	}
	// 3 s clean: the boost decays again.
	steadyStream(j, t0.Add(60*time.Millisecond), 10, 170, 3*time.Millisecond)
	if j.boost != 0 {
		t.Fatalf("boost = %d after 3 s clean, want 0", j.boost)
	}
}

func TestJitterBufferSkipsSpareFrame(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newJitterBuffer(f20, 48000)
	// Every frame is played 25 ms after it arrived: the next one always
	// waits too, a spare frame the target (1) does not ask for.
	var sts []jbStatus
	for i := 0; i < shrinkWindow+5; i++ {
		at := t0.Add(time.Duration(i) * f20)
		j.push(uint16(i), uint32(i)*960, pkt(uint16(i)), at)
		if i == 0 {
			continue
		}
		st, _ := j.pop(at.Add(5 * time.Millisecond))
		sts = append(sts, st)
	}
	if j.skipped != 1 {
		t.Fatalf("skipped = %d after a second with a spare frame, want 1", j.skipped)
	}
	for i, st := range sts {
		if st != jbFrame {
			t.Fatalf("pop %d = %v: skipping must not conceal", i, st)
		}
	}
	if j.count != 0 {
		t.Fatalf("%d frames wait after the skip, want 0", j.count)
	}
}

func TestJitterBufferEarly(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newJitterBuffer(f20, 48000)
	steadyStream(j, t0, 0, shrinkWindow-1, 8*time.Millisecond)
	if d := j.early(); d != 0 {
		t.Fatalf("early = %v before a whole window, want 0", d)
	}
	steadyStream(j, t0, shrinkWindow-1, shrinkWindow, 8*time.Millisecond)
	if d := j.early(); d != 6*time.Millisecond {
		t.Fatalf("early = %v after frames waited 8 ms for a window (margin 2 ms), want 6ms", d)
	}
	if d := j.early(); d != 0 {
		t.Fatalf("early = %v the second time, want 0 (once)", d)
	}
	steadyStream(j, t0, shrinkWindow, 3*shrinkWindow, 3*time.Millisecond)
	if d := j.early(); d != 0 {
		t.Fatalf("early = %v with waits within 2 ms of the margin, want 0", d)
	}
}

// fakeCard is a sound card's queue as the receiver sees it.
type fakeCard struct {
	queued time.Duration
	writes int
}

func (f *fakeCard) WriteSample(audio.PCM16) error { f.writes++; return nil }
func (f *fakeCard) SampleRate() int               { return 48000 }
func (f *fakeCard) String() string                { return "Card(48000)" }
func (f *fakeCard) Close() error                  { return nil }
func (f *fakeCard) Buffered() time.Duration       { return f.queued }

func TestReceiverFeedsSoundCard(t *testing.T) {
	p := &Phone{log: slog.New(slog.DiscardHandler), events: make(chan Event, 16)}
	card := &fakeCard{}
	r, err := newReceiver(card, p)
	if err != nil {
		t.Fatal(err)
	}
	r.playOnce(time.Now())
	if card.writes != 0 {
		t.Fatal("silence was queued in a sound card while idle")
	}
	r.ring.set(true)
	r.playOnce(time.Now())
	if card.writes != 1 {
		t.Fatal("the ring tone was not played")
	}
	r.ring.set(false)
	if err := r.setCodec(CodecPCMU); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	play := func(i int) {
		r.mu.Lock()
		r.jb.push(uint16(i), uint32(i)*160, make([]byte, 160), t0)
		r.mu.Unlock()
		r.playOnce(t0)
	}
	play(0)
	if card.writes != 2 {
		t.Fatalf("a received frame was not played (%d writes)", card.writes)
	}
	card.queued = 30 * time.Millisecond // the card is behind
	play(1)
	if card.writes != 2 || r.skipped != 1 {
		t.Fatalf("with 30 ms queued: %d writes, %d skipped; want the frame dropped", card.writes, r.skipped)
	}
	card.queued = 10 * time.Millisecond // a device frame waits, for a second
	for i := 2; i < 2+aheadWrites; i++ {
		play(i)
	}
	if r.skipped != 2 || card.writes != 2+aheadWrites-1 {
		t.Fatalf("10 ms queued for %d writes: %d skipped, %d writes; want one more dropped", aheadWrites, r.skipped, card.writes)
	}
}

func TestJitterBufferEarlyToleratesTwoLatePackets(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for late, want := range map[int]time.Duration{2: 8 * time.Millisecond, 3: 0} {
		j := newJitterBuffer(f20, 48000)
		for i := 0; i < shrinkWindow; i++ {
			wait := 10 * time.Millisecond
			if i >= 10 && i < 10+late {
				wait = time.Millisecond // came late, played on arrival
			}
			steadyStream(j, t0, i, i+1, wait)
		}
		if d := j.early(); d != want {
			t.Errorf("%d late packets in a window: early = %v, want %v", late, d, want)
		}
	}
}

func TestJitterBufferSkipDue(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newJitterBuffer(f20, 48000)
	for s := uint16(0); s < 3; s++ {
		j.push(s, uint32(s)*960, pkt(s), t0)
	}
	j.pop(t0) // plays 0
	j.skip(3) // 1 and 2 held, 3 not yet received: their time has passed
	if j.skipped != 2 || j.count != 0 {
		t.Fatalf("skipped %d, %d still held; want 2 and 0", j.skipped, j.count)
	}
	j.push(3, 3*960, pkt(3), t0)
	j.push(4, 4*960, pkt(4), t0)
	if j.late != 1 {
		t.Fatalf("late = %d: the skipped slot's packet must count as late", j.late)
	}
	if st, p := j.pop(t0); st != jbFrame || p[1] != 4 {
		t.Fatalf("pop after skip = %v %v, want frame 4", st, p)
	}
}

// After a stall, frames stay spare through a whole window: all of them go
// at its end, not one a second (the burst raised the jitter estimate, so
// the target keeps one of the three).
func TestJitterBufferSkipsEverySpareFrame(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newJitterBuffer(f20, 48000)
	for i := range 4 { // a burst: 4 frames at once
		j.push(uint16(i), uint32(i)*960, pkt(uint16(i)), t0)
	}
	for i := 4; i < 4+shrinkWindow+2; i++ {
		at := t0.Add(time.Duration(i-3) * f20)
		if st, _ := j.pop(at); st != jbFrame {
			t.Fatalf("pop at frame %d = %v: skipping must not conceal", i, st)
		}
		j.push(uint16(i), uint32(i)*960, pkt(uint16(i)), at.Add(time.Millisecond))
	}
	if j.skipped < 2 {
		t.Fatalf("skipped = %d after a second with three frames queued, want every spare one (2: the burst's jitter makes the target 2)", j.skipped)
	}
}

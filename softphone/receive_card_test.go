package softphone

import (
	"log/slog"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
)

// The jitter buffer's own tests are audio/jitter's (adaptive_test.go).

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
	if card.writes != 2 || r.skipped != 0 || r.behind != 1 || r.sh.Owed() != 160 {
		t.Fatalf("with 30 ms queued: %d writes, %d skipped, %d owed (%d samples); want the frame owed to the fifo, not written",
			card.writes, r.skipped, r.behind, r.sh.Owed())
	}
	play(2)
	play(3) // more than maxBehindDebt frames owed: dropped
	if card.writes != 2 || r.skipped != 1 || r.behind != maxBehindDebt {
		t.Fatalf("still behind: %d writes, %d skipped, %d owed; want %d owed, then dropped", card.writes, r.skipped, r.behind, maxBehindDebt)
	}
	card.queued = 0
	next := 4
	for ; r.sh.Owed() > 0; next++ { // the debt goes, a little a frame
		if next > 50 {
			t.Fatalf("after %d frames %d samples still owed", next-4, r.sh.Owed())
		}
		play(next)
	}
	if card.writes != 2+next-4 || r.sh.Cut() != 2*160 {
		t.Fatalf("%d writes for %d frames, %d samples left out; want each written and 320 left out", card.writes-2, next-4, r.sh.Cut())
	}
	card.queued = 10 * time.Millisecond // a device frame waits, for a second
	writes := card.writes
	for i := next; i < next+aheadWrites; i++ {
		play(i)
	}
	if r.behind != maxBehindDebt+1 || card.writes != writes+aheadWrites-1 {
		t.Fatalf("10 ms queued for %d writes: %d owed, %d writes; want one more owed", aheadWrites, r.behind, card.writes-writes)
	}
	var st Stats
	r.stats(&st)
	if st.Skipped != 1 || st.Accelerated != maxBehindDebt+1 {
		t.Fatalf("Stats: skipped %d accelerated %d, want 1 and %d", st.Skipped, st.Accelerated, maxBehindDebt+1)
	}
}

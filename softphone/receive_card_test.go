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

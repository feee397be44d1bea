package softphone

import (
	"log/slog"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
)

// frameCount is a speaker that counts the frames written.
type frameCount struct{ n int }

func (f *frameCount) WriteSample(audio.PCM16) error { f.n++; return nil }
func (f *frameCount) SampleRate() int               { return 48000 }
func (f *frameCount) String() string                { return "Count(48000)" }
func (f *frameCount) Close() error                  { return nil }

// newClockedReceiver is a receiver whose playout clock runs, without its
// goroutine: the test calls tick for the timer.
func newClockedReceiver(t *testing.T, spk audio.Writer, start time.Time) (*receiver, *peer) {
	t.Helper()
	p := &Phone{log: slog.New(slog.DiscardHandler), events: make(chan Event, 16)}
	r, err := newReceiver(spk, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.setCodec(CodecPCMU); err != nil {
		t.Fatal(err)
	}
	pr := &peer{}
	r.owner = pr
	r.clk.fire = func(uint64) {} // the test ticks for the timer
	t.Cleanup(func() {
		if r.clk.t != nil {
			r.clk.t.Stop()
		}
	})
	r.clk.next = start.Add(frameDuration)
	return r, pr
}

// On a steady stream the packet that brings the frame due next plays it:
// the playout timer has nothing to do, and is pushed on past each frame.
func TestPacketPlaysTheFrameDueNext(t *testing.T) {
	t0 := time.Unix(1000, 0)
	spk := &frameCount{}
	r, pr := newClockedReceiver(t, spk, t0)
	pkt := make([]byte, 160)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * frameDuration) }

	r.receive(pr, 0, 0, pkt, at(0)) // starts the stream: the clock is set to its arrival plus the margin
	if spk.n != 0 || !r.clk.next.Equal(at(0).Add(2*time.Millisecond)) {
		t.Fatalf("stream start: %d frames played, next at %v, want none and %v", spk.n, r.clk.next.Sub(t0), 2*time.Millisecond)
	}
	r.tick(r.clk.next) // the timer plays the first frame
	if spk.n != 1 {
		t.Fatalf("first frame: %d played by the timer, want 1", spk.n)
	}
	for i := 1; i < 10; i++ {
		r.receive(pr, uint16(i), uint32(i*160), pkt, at(i))
		if spk.n != i+1 {
			t.Fatalf("packet %d, 2 ms before its time: %d frames played, want %d", i, spk.n, i+1)
		}
		if want := at(i + 1).Add(2 * time.Millisecond); !r.clk.next.Equal(want) {
			t.Fatalf("packet %d: next frame due at %v, want %v", i, r.clk.next.Sub(t0), want.Sub(t0))
		}
	}
	// A packet more than earlyPlay ahead of its time waits for the timer.
	r.receive(pr, 10, 1600, pkt, r.clk.next.Add(-earlyPlay-time.Millisecond))
	if spk.n != 10 {
		t.Fatalf("a packet %v early was played on arrival", earlyPlay+time.Millisecond)
	}
	r.tick(r.clk.next)
	if spk.n != 11 {
		t.Fatalf("the timer did not play the early packet: %d frames", spk.n)
	}
}

// A packet that is late is awaited (up to maxLateWait) and played by the
// goroutine that reads it, keeping the clock; one later than that is
// concealed by the timer.
func TestLatePacketPlaysOnArrival(t *testing.T) {
	t0 := time.Unix(1000, 0)
	spk := &frameCount{}
	r, pr := newClockedReceiver(t, spk, t0)
	pkt := make([]byte, 160)
	r.receive(pr, 0, 0, pkt, t0)
	r.tick(r.clk.next)
	due := r.clk.next
	r.tick(due) // packet 1 has not come
	if spk.n != 1 || r.clk.late.IsZero() {
		t.Fatalf("late packet: %d frames, awaiting %v; want 1 frame and awaiting", spk.n, !r.clk.late.IsZero())
	}
	r.receive(pr, 1, 160, pkt, due.Add(3*time.Millisecond))
	if spk.n != 2 || !r.clk.late.IsZero() || !r.clk.next.Equal(due.Add(frameDuration)) {
		t.Fatalf("late packet came: %d frames, awaiting %v, next %v; want 2, no, %v",
			spk.n, !r.clk.late.IsZero(), r.clk.next.Sub(t0), due.Add(frameDuration).Sub(t0))
	}
	due = r.clk.next
	r.tick(due) // packet 2 is late
	r.tick(due.Add(maxLateWait))
	if spk.n != 3 || !r.clk.late.IsZero() {
		t.Fatalf("a packet later than %v: %d frames, awaiting %v; want it concealed", maxLateWait, spk.n, !r.clk.late.IsZero())
	}
}

package softphone

import (
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
)

// pacedFrames records when a paced microphone wrote each frame and the
// time it said the frame's first sample was due; one write can be made to
// stall.
type pacedFrames struct {
	mu      sync.Mutex
	due     []time.Time
	written []time.Time
	stallAt int
	stall   time.Duration
}

func (p *pacedFrames) writeAt(at time.Time, _ audio.PCM16) error {
	now := time.Now()
	p.mu.Lock()
	p.due = append(p.due, at)
	p.written = append(p.written, now)
	n := len(p.due)
	p.mu.Unlock()
	if n == p.stallAt {
		time.Sleep(p.stall)
	}
	return nil
}

func (p *pacedFrames) WriteSample(s audio.PCM16) error { return p.writeAt(time.Now(), s) }
func (p *pacedFrames) SampleRate() int                 { return 48000 }
func (p *pacedFrames) String() string                  { return "pacedFrames" }
func (p *pacedFrames) Close() error                    { return nil }

func (p *pacedFrames) frames() ([]time.Time, []time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.due...), append([]time.Time(nil), p.written...)
}

// A paced file writes 20 ms frames on a steady grid, each once half of it
// is due and never earlier; after a stall of more than 200 ms it goes on
// from the present instead of writing the frames it missed, and keeps its
// new grid.
func TestWAVSourcePacing(t *testing.T) {
	const span = wavFrame * time.Second / 48000
	dst := &pacedFrames{stallAt: 5, stall: 300 * time.Millisecond}
	src := newSilenceSource()
	if err := src.start(dst, func(err error) { t.Error(err) }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if due, _ := dst.frames(); len(due) >= 15 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := src.close(); err != nil {
		t.Fatal(err)
	}
	due, written := dst.frames()
	if len(due) < 15 {
		t.Fatalf("%d frames in 20 s", len(due))
	}
	resumed := -1
	for i := range due {
		if written[i].Before(due[i].Add(span / 2)) {
			t.Errorf("frame %d written %v before half of it was due", i, due[i].Add(span/2).Sub(written[i]))
		}
		if i == 0 {
			continue
		}
		gap := due[i].Sub(due[i-1])
		switch {
		case gap == span:
		case gap > 200*time.Millisecond && resumed < 0:
			resumed = i
		default:
			t.Errorf("frame %d due %v after frame %d", i, gap, i-1)
		}
	}
	if resumed != dst.stallAt {
		t.Fatalf("after the %d. frame stalled 300 ms, the grid moved at frame %d", dst.stallAt, resumed)
	}
}

// Closing a paced file that never started, or twice, is harmless; a closed
// one does not start.
func TestWAVSourceCloseBeforeStart(t *testing.T) {
	src := newSilenceSource()
	if err := src.close(); err != nil {
		t.Fatal(err)
	}
	if err := src.close(); err != nil {
		t.Fatal(err)
	}
	if err := src.start(&pacedFrames{}, func(error) {}); err == nil {
		t.Fatal("a closed source started")
	}
}

// A file microphone loops its samples seamlessly across frames, or plays
// them once and then silence.
func TestWAVSourceSamples(t *testing.T) {
	const n = 1500 // not a multiple of the 960-sample frame
	samples := make(audio.PCM16, n)
	for i := range samples {
		samples[i] = int16(i + 1)
	}
	for _, loop := range []bool{true, false} {
		got := make(chan audio.PCM16, 8)
		dst := &collect{got: got}
		src := &wavSource{samples: samples, loop: loop, stop: make(chan struct{}), name: "test"}
		if err := src.start(dst, func(err error) { t.Error(err) }); err != nil {
			t.Fatal(err)
		}
		var all audio.PCM16
		for len(all) < 4*wavFrame {
			all = append(all, <-got...)
		}
		src.close()
		for i, v := range all[:4*wavFrame] {
			want := int16(0)
			switch {
			case loop:
				want = int16(i%n + 1)
			case i < n:
				want = int16(i + 1)
			}
			if v != want {
				t.Fatalf("loop=%v: sample %d is %d, want %d", loop, i, v, want)
			}
		}
	}
}

type collect struct{ got chan audio.PCM16 }

func (c *collect) WriteSample(s audio.PCM16) error {
	select {
	case c.got <- append(audio.PCM16(nil), s...):
	default:
	}
	return nil
}
func (c *collect) SampleRate() int { return 48000 }
func (c *collect) String() string  { return "collect" }
func (c *collect) Close() error    { return nil }

package trunk

import (
	"math/rand"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/jitter"
	"github.com/meet-dev/meet/audio/timescale"
)

// The trunk's policy: a gap is concealed for maxConcealPackets packets,
// delay is drained over drainWindow frames.
var (
	maxConcealPackets = jitter.Primed(2, 10).StopAfter
	drainWindow       = jitter.Primed(2, 10).Window
)

func frameOf(v int16) []int16 {
	f := make([]int16, frameSamples)
	for i := range f {
		f[i] = v
	}
	return f
}

func popValue(t *testing.T, j *jitterBuffer) (int16, bool) {
	t.Helper()
	dst := make([]int16, frameSamples)
	ok := j.Pop(dst)
	return dst[0], ok
}

func TestJitterPrimesThenPlays(t *testing.T) {
	j := newJitterBuffer(2, 10)
	if _, ok := popValue(t, j); ok {
		t.Fatal("empty buffer must not play")
	}
	j.Push(100, frameOf(1))
	if _, ok := popValue(t, j); ok {
		t.Fatal("must wait for prime depth")
	}
	j.Push(101, frameOf(2))
	for _, want := range []int16{1, 2} {
		if v, ok := popValue(t, j); !ok || v != want {
			t.Fatalf("got %d,%v want %d", v, ok, want)
		}
	}
}

func TestJitterReorders(t *testing.T) {
	j := newJitterBuffer(3, 10)
	j.Push(12, frameOf(3))
	j.Push(10, frameOf(1))
	j.Push(11, frameOf(2))
	for _, want := range []int16{1, 2, 3} {
		if v, ok := popValue(t, j); !ok || v != want {
			t.Fatalf("got %d,%v want %d", v, ok, want)
		}
	}
}

func TestJitterDropsLateAndDuplicate(t *testing.T) {
	j := newJitterBuffer(2, 10)
	j.Push(1, frameOf(1))
	j.Push(2, frameOf(2))
	popValue(t, j)
	j.Push(1, frameOf(9)) // late
	j.Push(2, frameOf(9)) // duplicate of a queued packet
	if late := j.core.Stats().Late; late != 1 || j.dropped() != 1 {
		t.Fatalf("late=%d dropped=%d", late, j.dropped())
	}
	if v, _ := popValue(t, j); v != 2 {
		t.Fatalf("got %d", v)
	}
}

func TestJitterConcealsLossWithFade(t *testing.T) {
	j := newJitterBuffer(2, 10)
	j.Push(1, frameOf(1000))
	j.Push(3, frameOf(3000))
	if v, _ := popValue(t, j); v != 1000 {
		t.Fatal(v)
	}
	v, ok := popValue(t, j) // seq 2 lost
	if !ok || v != 500 {
		t.Fatalf("concealed = %d,%v want 500 (last frame at -6 dB)", v, ok)
	}
	if v, _ := popValue(t, j); v != 3000 {
		t.Fatal(v)
	}
	if lost := j.core.Stats().Lost; lost != 1 {
		t.Fatalf("lost = %d", lost)
	}
}

func TestJitterGoesQuietWhenStreamStops(t *testing.T) {
	j := newJitterBuffer(1, 10)
	j.Push(1, frameOf(800))
	popValue(t, j)
	for i := 0; i < maxConcealPackets; i++ {
		if _, ok := popValue(t, j); !ok {
			t.Fatalf("conceal frame %d should play", i)
		}
	}
	dst := frameOf(5)
	if j.Pop(dst) || dst[0] != 0 {
		t.Fatal("after concealment the buffer must report nothing flowing, zeroed")
	}
	// A new packet primes again.
	j.Push(50, frameOf(7))
	if v, ok := popValue(t, j); !ok || v != 7 {
		t.Fatalf("restart: %d %v", v, ok)
	}
}

func TestJitterTrimsWhenTooDeep(t *testing.T) {
	j := newJitterBuffer(2, 5)
	for s := uint16(0); s < 20; s++ {
		j.Push(s, frameOf(int16(s)))
	}
	if j.Depth() > 5 {
		t.Fatalf("depth %d > max", j.Depth())
	}
	v, ok := popValue(t, j)
	if !ok || v < 14 {
		t.Fatalf("after trimming playout should be recent, got %d", v)
	}
}

func TestJitterSequenceWrap(t *testing.T) {
	j := newJitterBuffer(2, 10)
	j.Push(65535, frameOf(1))
	j.Push(0, frameOf(2))
	j.Push(1, frameOf(3))
	for _, want := range []int16{1, 2, 3} {
		if v, ok := popValue(t, j); !ok || v != want {
			t.Fatalf("got %d,%v want %d", v, ok, want)
		}
	}
}

func TestJitterOtherPacketSizes(t *testing.T) {
	j := newJitterBuffer(2, 10)
	// 30 ms packets (240 samples) still come out as 160-sample frames.
	for s := uint16(0); s < 4; s++ {
		p := make([]int16, 240)
		for i := range p {
			p[i] = int16(s + 1)
		}
		j.Push(s, p)
	}
	dst := make([]int16, frameSamples)
	total := 0
	for j.Pop(dst) && total < 6 {
		total++
	}
	if total < 6 {
		t.Fatalf("960 samples should give 6 frames, got %d", total)
	}
}

func TestDTMFDecoder(t *testing.T) {
	ev := func(code byte, end bool, dur uint16) []byte {
		b := []byte{code, 10, byte(dur >> 8), byte(dur)}
		if end {
			b[1] |= 0x80
		}
		return b
	}
	var d dtmfDecoder
	var got []rune
	feed := func(ts uint32, p []byte) { got = append(got, d.Decode(ts, p)...) }
	// '5': three progress packets, three end packets.
	for i := uint16(1); i <= 3; i++ {
		feed(1000, ev(5, false, i*160))
	}
	for range 3 {
		feed(1000, ev(5, true, 640))
	}
	// '#': end packets all lost, then '*' starts.
	feed(2000, ev(11, false, 160))
	feed(3000, ev(10, false, 160))
	feed(3000, ev(10, true, 320))
	// A late retransmission of an old event must not re-report.
	feed(1000, ev(5, true, 640))
	// 'A' and an unknown event code 16 (flash) which is not a key.
	feed(4000, ev(12, true, 160))
	feed(5000, ev(16, true, 160))
	if string(got) != "5#*A" {
		t.Fatalf("digits = %q, want 5#*A", string(got))
	}
	if d.Decode(6000, []byte{1, 2}) != nil {
		t.Fatal("short payload must be ignored")
	}
}

func TestJitterSequenceRestart(t *testing.T) {
	j := newJitterBuffer(2, 10)
	j.Push(30000, frameOf(1))
	j.Push(30001, frameOf(2))
	popValue(t, j)
	// The sender restarts far behind: it must be played, not dropped as late.
	j.Push(100, frameOf(7))
	j.Push(101, frameOf(8))
	if v, ok := popValue(t, j); !ok || v != 7 {
		t.Fatalf("after restart got %d,%v want 7", v, ok)
	}
}

// A burst (a stall upstream, then everything at once) leaves packets
// queued; in steady flow the buffer drains back to its priming depth
// within a window or two instead of keeping the delay for the whole call,
// by time compression: every packet plays, the caller's tone comes out
// shorter and unbroken.
func TestJitterDrainsDelayLeftByABurst(t *testing.T) {
	j := newJitterBuffer(2, 10)
	frame := make([]int16, frameSamples)
	seq := uint16(100)
	const tone = 300.0
	pos := 0
	push := func() {
		j.Push(seq, audiotest.ToneAt(8000, tone, 0.3, pos, frameSamples))
		seq++
		pos += frameSamples
	}
	var out []int16
	push()
	push()
	for range 8 { // 160 ms stall upstream
		push()
	}
	if j.Depth() != 10 {
		t.Fatalf("depth after the burst %d, want 10", j.Depth())
	}
	for i := range 3 * drainWindow {
		if !j.Pop(frame) {
			t.Fatalf("pop %d: nothing played", i)
		}
		out = append(out, frame...)
		push()
	}
	if d := j.Depth(); d > 3 {
		t.Fatalf("depth %d after %d steady pops, want back near prime (2)", d, 3*drainWindow)
	}
	st := j.core.Stats()
	if st.Accelerated == 0 || st.Dropped != 0 || st.Lost != 0 {
		t.Fatalf("accelerated %d, dropped %d, lost %d: want the delay given back, nothing dropped or lost", st.Accelerated, st.Dropped, st.Lost)
	}
	if cut, want := int(j.sh.Cut()), int(st.Accelerated)*frameSamples; cut > want || cut < want-8000/int(tone) {
		t.Fatalf("left out %d samples for %d packets", cut, st.Accelerated)
	}
	if got, own := maxStep(out), maxStep(audiotest.Tone(8000, tone, 0.3, 8000)); float64(got) > 1.1*float64(own) {
		t.Fatalf("largest step %d against the tone's %d: a click", got, own)
	}
	// Steady flow at the priming depth gives back nothing more.
	for range 3 * drainWindow {
		j.Pop(frame)
		push()
	}
	if after := j.core.Stats(); after.Accelerated != st.Accelerated || after.Dropped != 0 {
		t.Fatalf("accelerated %d more, dropped %d in steady flow", after.Accelerated-st.Accelerated, after.Dropped)
	}
}

// maxStep is the largest change between neighbouring samples of s.
func maxStep(s []int16) int {
	m := 0
	for i := 1; i < len(s); i++ {
		d := int(s[i]) - int(s[i-1])
		m = max(m, d, -d)
	}
	return m
}

// Push is PushAt with the arrival unknown.
func (j *jitterBuffer) Push(seq uint16, samples []int16) { j.PushAt(seq, 0, samples, time.Time{}) }

// Pop is PopAt untimed.
func (j *jitterBuffer) Pop(dst []int16) bool { return j.PopAt(dst, time.Time{}) }

// A caller sending noise at twice real time keeps the buffer owing delay
// faster than time compression gives it back (noise waits for its cuts):
// the debt stops at timescale.MaxDebt, so the samples pending stay
// bounded. (Before the bound they grew by 870 a second: 6.5 s of delay
// and 105 kB after a minute.)
func TestFastNoisyCallerKeepsPendingBounded(t *testing.T) {
	j := newJitterBuffer(2, 10)
	t0 := time.Unix(1000, 0)
	rng := rand.New(rand.NewSource(1))
	dst := make([]int16, frameSamples)
	p := make([]int16, frameSamples)
	most, seq := 0, uint16(0)
	for tick := range 3000 { // 60 s
		now := t0.Add(time.Duration(tick) * framePeriod)
		for k := range 2 {
			for i := range p {
				p[i] = int16(rng.Intn(20000) - 10000)
			}
			j.PushAt(seq, uint32(seq)*frameSamples, p, now.Add(time.Duration(k)*framePeriod/2))
			seq++
		}
		j.PopAt(dst, now.Add(15*time.Millisecond))
		most = max(most, len(j.pending))
	}
	if bound := 3*frameSamples + 8*timescale.MaxDebt; most > bound {
		t.Fatalf("up to %d samples pending (%d ms): more than %d", most, most/8, bound)
	}
	t.Logf("at most %d samples pending; %d dropped past the debt bound", most, j.sh.Stats().Dropped)
}

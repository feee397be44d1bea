package softphone

import (
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/internal/g711tab"
)

// pcmSink is a speaker that keeps every sample written.
type pcmSink struct{ s audio.PCM16 }

func (p *pcmSink) WriteSample(s audio.PCM16) error { p.s = append(p.s, s...); return nil }
func (p *pcmSink) SampleRate() int                 { return 48000 }
func (p *pcmSink) String() string                  { return "PCM(48000)" }
func (p *pcmSink) Close() error                    { return nil }

// tonePackets are n PCMU packets (20 ms) of a 430 Hz tone: 8.6 periods a
// packet, so a packet dropped unplayed breaks its phase.
func tonePackets(n int) [][]byte {
	tone := audiotest.Tone(8000, 430, 0.3, n*160)
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, 160)
		g711tab.EncodeUlaw(out[i], tone[i*160:(i+1)*160])
	}
	return out
}

// playStream runs a receiver's playout on a test clock, a millisecond at a
// time: packet i arrives at arrive(i), and the timer fires when the clock
// says, until the last packet has played. It returns what the speaker
// got.
func playStream(t *testing.T, pkts [][]byte, arrive func(i int) time.Duration) (*receiver, audio.PCM16) {
	t.Helper()
	t0 := time.Unix(1000, 0)
	spk := &pcmSink{}
	r, pr := newClockedReceiver(t, spk, t0)
	r.clk.next = time.Time{} // nothing plays before the stream starts
	next := 0
	end := arrive(len(pkts)-1) + 10*frameDuration
	for ms := time.Duration(0); ms <= end && r.jb.stats().Played < uint64(len(pkts)); ms += time.Millisecond {
		now := t0.Add(ms)
		for next < len(pkts) && arrive(next) <= ms {
			r.receive(pr, uint16(next), uint32(next*160), pkts[next], now)
			next++
		}
		due := r.clk.next
		if !r.clk.late.IsZero() {
			due = r.clk.late
		}
		if !due.IsZero() && !due.After(now) {
			r.tick(now)
		}
	}
	return r, spk.s
}

// A packet that always waits in the jitter buffer beside the one playing
// is delay the buffer gives back after a second: it plays early with the
// frame before it, and the next frames leave out its length a pitch
// period at a time. Nothing is dropped: every packet reaches the speaker,
// and the tone in them comes out without a step larger than its own.
// (Before, the spare packet was skipped: 20 ms of the tone lost, its
// phase broken.)
func TestSpareDelayGivenBackWithoutLoss(t *testing.T) {
	const n = 150
	pkts := tonePackets(n)
	// Packets 0 and 1 come together, then one every 20 ms: packet i+1
	// is always held while packet i plays.
	arrive := func(i int) time.Duration { return time.Duration(max(i-1, 0)) * frameDuration }
	r, out := playStream(t, pkts, arrive)
	steady := func(i int) time.Duration { return time.Duration(i) * frameDuration }
	_, ref := playStream(t, pkts, steady)

	var st Stats
	r.stats(&st)
	if st.Accelerated != 1 || st.Skipped != 0 || st.Concealed != 0 || st.LatePackets != 0 {
		t.Fatalf("accelerated %d skipped %d concealed %d late %d; want 1 0 0 0",
			st.Accelerated, st.Skipped, st.Concealed, st.LatePackets)
	}
	cut := int(r.sh.Cut())
	if cut == 0 || cut > 160 {
		t.Fatalf("time compression left out %d samples at 8 kHz, want 1 to 160", cut)
	}
	// At 48 kHz: every packet, less what was left out (pitch periods; a
	// remainder shorter than one stays as delay), and the same stream
	// played without the spare packet.
	if want := (n*160 - cut - len(r.fifo)) * 6; len(out) != want || len(ref) != n*960 {
		t.Fatalf("the speaker got %d samples (steady stream %d), want %d (%d)", len(out), len(ref), want, n*960)
	}
	got, own := maxStep(out), maxStep(ref)
	t.Logf("left out %d samples at 8 kHz (%d kept as delay); largest step %d, the tone's own %d", cut, len(r.fifo), got, own)
	if got > own+own/4 {
		t.Fatalf("largest step between samples %d, the tone's own %d: a click", got, own)
	}
	if ms := st.CompressedMs; ms != float64(cut)/8 {
		t.Fatalf("Stats.CompressedMs %v, want %v", ms, float64(cut)/8)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// maxStep is the largest change between neighbouring samples of s.
func maxStep(s audio.PCM16) int {
	m := 0
	for i := 1; i < len(s); i++ {
		m = max(m, abs(int(s[i])-int(s[i-1])))
	}
	return m
}

// A sender faster than real time (twice, here) keeps the jitter buffer
// owing: time compression gives back a few ms a frame, so past
// maxOwedFrames the owed packets are dropped, and the fifo and the delay
// stay bounded.
func TestFastSenderKeepsTheFifoBounded(t *testing.T) {
	const n = 400
	pkts := tonePackets(n)
	r, out := playStream(t, pkts, func(i int) time.Duration { return time.Duration(i) * frameDuration / 2 })
	var st Stats
	r.stats(&st)
	if st.Skipped == 0 || st.Accelerated == 0 {
		t.Fatalf("skipped %d accelerated %d: want packets both time-compressed and, past the bound, dropped", st.Skipped, st.Accelerated)
	}
	if most := (maxOwedFrames + 2) * 160; len(r.fifo) > most || r.sh.Owed() > most {
		t.Fatalf("fifo %d samples, %d owed: more than %d", len(r.fifo), r.sh.Owed(), most)
	}
	t.Logf("%d packets: %d to the speaker, %d time-compressed, %d dropped, %d late or trimmed; %.0f ms left out",
		n, len(out)/960, st.Accelerated, st.Skipped, st.LatePackets, st.CompressedMs)
}

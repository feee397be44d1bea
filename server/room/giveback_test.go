package room

import (
	"fmt"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/mixer"
	"github.com/meet-dev/meet/audio/opus"
)

// maxStep is the largest change between neighbouring samples of s.
func maxStep(s []int16) int {
	m := 0
	for i := 1; i < len(s); i++ {
		m = max(m, abs(int(s[i])-int(s[i-1])))
	}
	return m
}

// tickedLeg is an operator's leg with a real Opus decoder, its stream
// pushed with stamped arrivals and read on the test's own clock: 20 ms
// ticks 7 ms after each packet's arrival, at 48 kHz (the mix) or 8 kHz
// (the two-party fast path).
type tickedLeg struct {
	t      *testing.T
	s      *staffLeg
	enc    *opus.Encoder
	t0     time.Time
	now    time.Time
	narrow bool
	rate   int
	frame  []int16
	wide   []int16
}

func newTickedLeg(t *testing.T, narrow bool) *tickedLeg {
	m := newTestManager(t)
	enc, err := opus.NewEncoder(48000, 1)
	if err != nil {
		t.Fatal(err)
	}
	l := &tickedLeg{t: t, s: benchStaff(t, m, 1), enc: enc, t0: time.Unix(1000, 0), narrow: narrow, rate: mixer.Rate,
		wide: make([]int16, mixer.FrameSamples)}
	if narrow {
		l.rate = CallerRate
	}
	l.frame = make([]int16, l.rate/50)
	l.s.cur.clock = func() time.Time { return l.now }
	return l
}

// push codes 20 ms of pcm (48 kHz) as packet i, arrived at its time.
func (l *tickedLeg) push(i int, pcm []int16) {
	pkt, err := l.enc.Encode(pcm)
	if err != nil {
		l.t.Fatal(err)
	}
	l.s.mu.Lock()
	l.s.cur.jb.pushAt(uint16(i), uint32(i*960), codecOpus, pkt, l.t0.Add(time.Duration(i)*20*time.Millisecond))
	l.s.mu.Unlock()
}

// read is the tick 7 ms after packet i's arrival: a frame into l.frame,
// false when nothing played (at 8 kHz: silence).
func (l *tickedLeg) read(i int) bool {
	l.now = l.t0.Add(time.Duration(i)*20*time.Millisecond + 7*time.Millisecond)
	if !l.narrow {
		return l.s.ReadFrame(l.frame)
	}
	l.s.readNarrow(l.frame, l.wide)
	for _, v := range l.frame {
		if v != 0 {
			return true
		}
	}
	return false
}

// The room end to end, as the jitter buffer's own drain test runs
// (audio/jitter TestTickedDrain) on the mixer's clock: an operator's
// stream whose packets each waited 7 ms at their tick misses one tick (a
// stall), so every packet after waits 27 ms, a period more than the
// margin. After a window the period goes by time compression, at 48 kHz
// (the mix) and at 8 kHz (the two-party fast path): no packet skipped,
// none concealed, 20 ms of audio left out of the frames after (but for a
// remainder under the tone's period), the tone unbroken.
func TestOperatorDelayGivenBackWithoutLoss(t *testing.T) {
	for _, narrow := range []bool{false, true} {
		t.Run(fmt.Sprintf("narrow=%v", narrow), func(t *testing.T) {
			l := newTickedLeg(t, narrow)
			const tone = 350.0
			var out audio.PCM16
			for i := range 180 {
				l.push(i, audiotest.ToneAt(48000, tone, toneAmp, i*960, 960))
				if i == 10 {
					continue // the mixer missed this tick
				}
				if !l.read(i) {
					t.Fatalf("tick %d: nothing played", i)
				}
				out = append(out, l.frame...)
			}
			var st StaffStats
			l.s.cur.receiveStats(&st)
			if st.Accelerated != 1 || st.Skipped != 0 || st.Lost != 0 {
				t.Fatalf("accelerated %d, skipped %d, lost %d: want a period given back, nothing skipped or lost",
					st.Accelerated, st.Skipped, st.Lost)
			}
			if st.CutMs > 20 || st.CutMs < 20-1000/tone {
				t.Fatalf("left out %.2f ms for a period", st.CutMs)
			}
			// After the decoder's start, the tone plays on at its level
			// with no step larger than its own (and the codec's) allow.
			n := len(l.frame)
			if got, own := maxStep(out[5*n:]), maxStep(audiotest.Tone(l.rate, tone, toneAmp, l.rate)); float64(got) > 1.3*float64(own) {
				t.Fatalf("largest step %d against the tone's %d: a click", got, own)
			}
			for k := 5; k < len(out)/n; k++ {
				if a := amp(out[k*n:(k+1)*n], l.rate, tone); a < toneAmp*0.8 {
					t.Fatalf("frame %d: tone at %.3f of full scale, want %.2f", k, a, toneAmp)
				}
			}
		})
	}
}

// A stream that stops while its frames still owe samples (the operator
// muted or hung up just after a give-back) plays out what it holds and
// then nothing, at either rate. The mixer missed two ticks, so two
// periods are given back, and the audio is noise, so the debt waits for a
// cut (0.3 s) longer than the stream takes to stop (5 frames): when it
// stops, the fifo holds more than a frame.
func TestOperatorStreamStopsWhileOwing(t *testing.T) {
	for _, narrow := range []bool{false, true} {
		t.Run(fmt.Sprintf("narrow=%v", narrow), func(t *testing.T) {
			l := newTickedLeg(t, narrow)
			i := 0
			for ; ; i++ {
				l.push(i, audiotest.Noise(960, 0.1, uint64(i+1)))
				l.s.mu.Lock()
				rp := l.s.cur.recv
				owing := rp != nil && max(rp.wide.sh.Owed(), rp.narrow.sh.Owed()) > len(l.frame)
				l.s.mu.Unlock()
				if owing {
					break // the frames owe two periods: the stream stops here
				}
				if i > 200 {
					t.Fatal("no give-back in 200 ticks")
				}
				if i == 10 || i == 11 {
					continue // the mixer missed two ticks
				}
				l.read(i)
			}
			// What it held: the last packet, the two owed, up to five
			// frames concealed while the next is awaited (and at 8 kHz the
			// delay line's tail); then nothing.
			played, last := 0, 0
			for k := range 20 {
				if l.read(i + k) {
					played, last = played+1, k
				}
			}
			if played < 3 || last > 10 {
				t.Fatalf("%d frames played after the stream stopped, the last at tick %d: want what it held and then nothing", played, last)
			}
		})
	}
}

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
			m := newTestManager(t)
			s := benchStaff(t, m, 1)
			enc, err := opus.NewEncoder(48000, 1)
			if err != nil {
				t.Fatal(err)
			}
			const tone = 350.0
			t0 := time.Unix(1000, 0)
			var now time.Time
			s.cur.clock = func() time.Time { return now }
			rate := mixer.Rate
			if narrow {
				rate = CallerRate
			}
			frame, wide := make([]int16, rate/50), make([]int16, mixer.FrameSamples)
			var out audio.PCM16
			for i := range 180 {
				pkt, err := enc.Encode(audiotest.ToneAt(48000, tone, toneAmp, i*960, 960))
				if err != nil {
					t.Fatal(err)
				}
				at := t0.Add(time.Duration(i) * 20 * time.Millisecond)
				s.mu.Lock()
				s.cur.jb.pushAt(uint16(i), uint32(i*960), codecOpus, pkt, at)
				s.mu.Unlock()
				if i == 10 {
					continue // the mixer missed this tick
				}
				now = at.Add(7 * time.Millisecond)
				if narrow {
					s.readNarrow(frame, wide)
				} else if !s.ReadFrame(frame) {
					t.Fatalf("tick %d: nothing played", i)
				}
				out = append(out, frame...)
			}
			var st StaffStats
			s.cur.receiveStats(&st)
			if st.Accelerated != 1 || st.Skipped != 0 || st.Lost != 0 {
				t.Fatalf("accelerated %d, skipped %d, lost %d: want a period given back, nothing skipped or lost",
					st.Accelerated, st.Skipped, st.Lost)
			}
			if st.CutMs > 20 || st.CutMs < 20-1000/tone {
				t.Fatalf("left out %.2f ms for a period", st.CutMs)
			}
			// After the decoder's start, the tone plays on at its level
			// with no step larger than its own (and the codec's) allow.
			tail := out[5*len(frame):]
			if got, own := maxStep(tail), maxStep(audiotest.Tone(rate, tone, toneAmp, rate)); float64(got) > 1.3*float64(own) {
				t.Fatalf("largest step %d against the tone's %d: a click", got, own)
			}
			for k := 5; k < len(out)/len(frame); k++ {
				if a := amp(out[k*len(frame):(k+1)*len(frame)], rate, tone); a < toneAmp*0.8 {
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
			m := newTestManager(t)
			s := benchStaff(t, m, 1)
			enc, err := opus.NewEncoder(48000, 1)
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Unix(1000, 0)
			var now time.Time
			s.cur.clock = func() time.Time { return now }
			rate := mixer.Rate
			if narrow {
				rate = CallerRate
			}
			frame, wide := make([]int16, rate/50), make([]int16, mixer.FrameSamples)
			read := func() bool {
				if narrow {
					s.readNarrow(frame, wide)
					return !audiotestSilent(frame)
				}
				return s.ReadFrame(frame)
			}
			i := 0
			for ; ; i++ {
				pkt, err := enc.Encode(audiotest.Noise(960, 0.1, uint64(i+1)))
				if err != nil {
					t.Fatal(err)
				}
				at := t0.Add(time.Duration(i) * 20 * time.Millisecond)
				s.mu.Lock()
				s.cur.jb.pushAt(uint16(i), uint32(i*960), codecOpus, pkt, at)
				owing := s.cur.recv != nil && max(s.cur.recv.wide.sh.Owed(), s.cur.recv.narrow.sh.Owed()) > len(frame)
				s.mu.Unlock()
				if owing {
					break // the frames owe two periods: the stream stops here
				}
				if i > 200 {
					t.Fatal("no give-back in 200 ticks")
				}
				if i == 10 || i == 11 {
					continue // the mixer missed two ticks
				}
				now = at.Add(7 * time.Millisecond)
				read()
			}
			// What it held: the last packet, the two owed, up to five
			// frames concealed while the next is awaited (and at 8 kHz the
			// delay line's tail); then nothing.
			played, last := 0, 0
			for k := range 20 {
				now = t0.Add(time.Duration(i+k)*20*time.Millisecond + 7*time.Millisecond)
				if read() {
					played, last = played+1, k
				}
			}
			if played < 3 || last > 10 {
				t.Fatalf("%d frames played after the stream stopped, the last at tick %d: want what it held and then nothing", played, last)
			}
		})
	}
}

// audiotestSilent reports whether frame is all zeros.
func audiotestSilent(frame []int16) bool {
	for _, v := range frame {
		if v != 0 {
			return false
		}
	}
	return true
}

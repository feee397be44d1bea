package timescale

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

// voiced is a vowel-like test signal at rate: five harmonics of a pitch
// gliding from 110 to 150 Hz over n samples.
func voiced(rate, n int) audio.PCM16 {
	out := make(audio.PCM16, n)
	phase := 0.0
	for i := range out {
		f0 := 110 + 40*float64(i)/float64(n)
		phase += 2 * math.Pi * f0 / float64(rate)
		v := 0.0
		for h := 1; h <= 5; h++ {
			v += math.Sin(float64(h)*phase) / float64(h)
		}
		out[i] = int16(v * 5000)
	}
	return out
}

// maxStep is the largest change between neighbouring samples of s.
func maxStep(s []int16) int {
	m := 0
	for i := 1; i < len(s); i++ {
		m = max(m, abs(int(s[i])-int(s[i-1])))
	}
	return m
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// drive feeds sig into a fifo a frame per tick, with a whole frame more
// (owed) at tick early (and at the ticks more), and returns what the ticks took and the ticks it
// took to leave the owed samples out (-1: not within the ticks run).
func drive(rate int, sig audio.PCM16, early, ticks int, more ...int) (out audio.PCM16, cutTicks int, s *Shortener) {
	n := rate / 50
	s = &Shortener{Rate: rate}
	var fifo audio.PCM16
	pos, cutTicks := 0, -1
	frame := make([]int16, n)
	for k := range ticks {
		for len(fifo) < n+s.Owed() {
			fifo = append(fifo, sig[pos:pos+n]...)
			pos += n
		}
		if k == early || slices.Contains(more, k) {
			fifo = append(fifo, sig[pos:pos+n]...)
			pos += n
			s.Owe(n)
		}
		fifo = s.Take(frame, fifo)
		out = append(out, frame...)
		if k >= early && cutTicks < 0 && s.owe < rate*minPeriod/10000 {
			cutTicks = k - early + 1
		}
	}
	return out, cutTicks, s
}

// A frame owed of a tone or a voiced sound is left out within a few ticks,
// by whole periods, without a click (no step between samples larger than
// the signal's own), but for a remainder shorter than the signal's
// period, which stays as delay until the next debt takes it along.
func TestAccelerateVoiced(t *testing.T) {
	for _, rate := range []int{48000, 8000} {
		for _, c := range []struct {
			name   string
			sig    audio.PCM16
			period float64 // the longest, s
		}{
			{"tone 233 Hz", audiotest.Tone(rate, 233, 0.3, rate*2), 1.0 / 233},
			{"voiced", voiced(rate, rate*2), 1.0 / 110},
		} {
			t.Run(fmt.Sprintf("%s at %d", c.name, rate), func(t *testing.T) {
				out, _, s := drive(rate, c.sig, 20, 60)
				n, period := rate/50, int(c.period*float64(rate))+1
				if s.owe != 0 || s.spare >= period || int(s.Cut()) != n-s.spare {
					t.Fatalf("left out %d of %d samples owed, %d still owed, %d kept: want all but less than a period (%d) kept",
						s.Cut(), n, s.owe, s.spare, period)
				}
				if st := s.Stats(); st.Periodic != s.Cut() || st.Kept != uint64(s.spare) {
					t.Fatalf("stats %+v: want all %d samples cut by periods, %d kept", st, s.Cut(), s.spare)
				}
				if _, _, s4 := drive(rate, c.sig, 20, 24); s4.Cut() != s.Cut() {
					t.Fatalf("left out %d samples in 4 ticks, %d in 40", s4.Cut(), s.Cut())
				}
				// A second debt takes the first one's remainder along.
				_, _, s2 := drive(rate, c.sig, 20, 60, 40)
				if s2.owe != 0 || s2.spare >= period || int(s2.Cut()) != 2*n-s2.spare {
					t.Fatalf("two debts: left out %d of %d, %d kept", s2.Cut(), 2*n, s2.spare)
				}
				if got, own := maxStep(out), maxStep(c.sig); float64(got) > 1.1*float64(own) {
					t.Fatalf("largest step %d against the signal's %d: a click", got, own)
				}
			})
		}
	}
}

// Silence goes whole at once (a cut of any length is inaudible); noise,
// which never repeats, waits for a good cut and then goes anyway, so a
// debt never holds the delay for long.
func TestAccelerateSilenceAndNoise(t *testing.T) {
	for _, rate := range []int{48000, 8000} {
		_, ticks, s := drive(rate, make(audio.PCM16, rate*2), 20, 40)
		if ticks != 2 || s.owe != 0 || s.Stats().Quiet != uint64(rate/50) { // 15 ms, then the 5 left
			t.Fatalf("silence at %d: %d ticks, %d samples still owed, stats %+v", rate, ticks, s.owe, s.Stats())
		}
		_, ticks, s = drive(rate, audiotest.Noise(rate*2, 0.2, 7), 20, 60)
		if ticks < 15 || ticks > 20 || s.Stats().Forced == 0 || s.Stats().Periodic != 0 {
			t.Fatalf("noise at %d: left out after %d ticks (owe %d, stats %+v), want after the 15 ticks' wait", rate, ticks, s.owe, s.Stats())
		}
	}
}

// A debt that grows faster than time compression gives it back (noise
// owed a frame every tick: a sender at twice real time) stops at MaxDebt:
// the excess is dropped at once, and the fifo stays bounded.
func TestDebtBounded(t *testing.T) {
	for _, rate := range []int{8000, 48000} {
		n := rate / 50
		rng := rand.New(rand.NewSource(7))
		noise := make(audio.PCM16, n*2100)
		for i := range noise {
			noise[i] = int16(rng.Intn(20000) - 10000)
		}
		every := make([]int, 0, 1000)
		for k := 1; k < 1000; k++ {
			every = append(every, k)
		}
		_, _, s := drive(rate, noise, 0, 1000, every...)
		st := s.Stats()
		if lim := rate * MaxDebt / 1000; s.Owed() > lim || st.Dropped == 0 {
			t.Fatalf("%d Hz: owes %d samples (bound %d), dropped %d: want the debt held at the bound", rate, s.Owed(), lim, st.Dropped)
		}
		t.Logf("%d Hz: %d ms owed, %d ms left out by cuts, %d ms dropped past the bound",
			rate, s.Owed()*1000/rate, s.Cut()*1000/uint64(rate), st.Dropped*1000/uint64(rate))
	}
}

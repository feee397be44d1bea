// Package timescale shortens audio without dropping any of it: a jitter
// buffer giving back delay plays the next packet early, its samples go
// into the owner's fifo as a debt, and the frames taken from the fifo
// over the next ticks each leave out one pitch period of the debt. The two
// periods either side of the cut are crossfaded, so a voiced sound or a
// tone comes out a few ms shorter and unbroken (as WebRTC's NetEQ
// "accelerate" does); a stretch of silence may lose any length. Pure
// logic: no clock, no lock.
package timescale

import (
	"math"

	"github.com/meet-dev/meet/audio"
)

// Shortener is the debt of one fifo of samples at Rate: samples to leave
// out of the frames taken from it. The zero value (with Rate set) owes
// nothing.
type Shortener struct {
	Rate   int
	owe    int // samples of the fifo beyond the frame to leave out
	waited int // frames the debt has waited for a good cut
	spare  int // a remainder kept as delay until the next debt
	st     Stats
}

// Stats are a Shortener's samples left out, by how, and kept.
type Stats struct {
	Periodic uint64 // whole periods of a repeating signal (a voice, a tone)
	Quiet    uint64 // silence
	Forced   uint64 // after the fallback's wait: nothing repeated
	Kept     uint64 // remainders shorter than the signal's period kept as delay (each time one was)
	Dropped  uint64 // debt past MaxDebt, dropped at once (not in Cut: nothing was time-compressed)
}

// MaxDebt is the most a Shortener owes, in ms: a jitter buffer owes at
// most its Max of packets at a time (the trunk 160 ms, a room 120, the
// softphone bounds its own at 100), and time compression gives back up to
// a period a frame, so a debt past this comes from a sender faster than
// real time, or a caller's noise whose cuts wait (a hostile caller sending
// noise at twice real time grew the trunk's fifo by 870 samples a second,
// 6.5 s of delay after a minute). Take drops the excess at once, so the
// fifo and the delay stay bounded.
const MaxDebt = 250

// Stats are the samples left out so far, by how, and kept.
func (s *Shortener) Stats() Stats { return s.st }

// how is what cut found.
type how uint8

const (
	wait     how = iota // nothing repeats yet: wait for a better place
	keep                // the signal repeats with a period longer than the debt
	quietCut            // silence: any length goes
	periodic            // whole periods
	forced              // the fallback's cut
)

// Owe adds n samples (a packet played early, already in the fifo) to the
// debt, with any remainder an earlier one left. A new debt waits afresh
// for good cuts; once one has waited out the fallback, the rest of it
// goes at once.
func (s *Shortener) Owe(n int) {
	if s.owe == 0 {
		s.waited = 0
	}
	s.owe += n + s.spare
	s.spare = 0
}

// Owed is the debt, samples: what the fifo should hold beyond a frame.
func (s *Shortener) Owed() int { return s.owe }

// Cut is the samples left out so far.
func (s *Shortener) Cut() uint64 { return s.st.Periodic + s.st.Quiet + s.st.Forced }

// Forget drops the debt (the fifo was emptied). Cut is kept.
func (s *Shortener) Forget() { s.owe, s.waited, s.spare = 0, 0, 0 }

// Take moves one frame of len(dst) samples from fifo into dst and returns
// the rest of fifo (in place). While samples are owed, the frame leaves
// out a pitch period of them when one fits. A remainder shorter than the
// signal's period stays in the fifo as delay (less than a period: a few
// ms) until the next debt takes it along, rather than be searched for at
// every frame. fifo holds a frame at least.
func (s *Shortener) Take(dst []int16, fifo audio.PCM16) audio.PCM16 {
	n, used := len(dst), len(dst)
	s.owe = min(s.owe, max(0, len(fifo)-n))
	if d := s.owe - s.Rate*MaxDebt/1000; d > 0 { // past the bound: dropped at once
		fifo = fifo[:copy(fifo, fifo[d:])]
		s.owe -= d
		s.st.Dropped += uint64(d)
	}
	if s.owe > 0 {
		switch t, h := cut(fifo, s.Rate, s.owe, s.waited); h {
		case wait:
			s.waited++
		case keep:
			s.st.Kept += uint64(s.owe)
			s.spare, s.owe = s.spare+s.owe, 0
		default:
			cutPeriod(dst, fifo, t)
			s.owe -= t
			used = n + t
			switch h {
			case quietCut:
				s.st.Quiet += uint64(t)
			case periodic:
				s.st.Periodic += uint64(t)
			default:
				s.st.Forced += uint64(t)
			}
		}
	}
	if used == n {
		copy(dst, fifo)
	}
	return fifo[:copy(fifo, fifo[used:])]
}

// minPeriod and maxPeriod bound the period removed from one frame, in
// tenths of a ms: 2.5 ms (400 Hz) to 15 ms (67 Hz), the range of a
// speaking voice's pitch and its multiples.
const (
	minPeriod = 25  // tenths of a ms
	maxPeriod = 150 // tenths of a ms
)

// quietPower is the mean square (int16 units) under which a stretch is
// silence (about -50 dBFS) and any length of it may go.
const quietPower = 100 * 100

// threshold is the correlation a cut needs once a debt has waited that
// many frames for one that matches well: 0.9 at once, 0.7 after 5 frames,
// anything after 15 (0.3 s: the delay then goes even in noise,
// crossfaded).
func threshold(waited int) float64 {
	switch {
	case waited < 5:
		return 0.9
	case waited < waitedLong:
		return 0.7
	}
	return math.Inf(-1)
}

// waitedLong frames of waiting end in the fallback.
const waitedLong = 15

// cut is the period (samples at rate) to leave out of the frame
// starting at x[0], at most owe (> 0) samples (x holds a frame and owe
// more), and how it was found; none (keep) when the signal repeats with a
// period longer than owe (a remainder a cut would break), or (wait) when
// nothing repeats and fewer than the fallback's frames have been waited
// (the owner counts them). The search runs at 8 kHz resolution (a sample in rate/8000), the
// chosen period refined at the full rate; of the periods that match
// nearly as well as the best, the longest that fits goes.
func cut(x []int16, rate, owe, waited int) (int, how) {
	lo, hi := rate*minPeriod/10000, min(rate*maxPeriod/10000, len(x)/2)
	if c := min(owe, hi); c > 0 && quiet(x[:2*c]) {
		return c, quietCut
	}
	step := max(1, rate/8000)
	var corr [128]float64 // by lag at 8 kHz resolution: (15 - 2.5 ms) × 8 + 1 = 101
	best, n := math.Inf(-1), 0
	for t := lo; t <= hi && n < len(corr); t, n = t+step, n+1 {
		corr[n] = periodCorr(x, t, step)
		best = max(best, corr[n])
	}
	thr := threshold(waited)
	if best < thr {
		return 0, wait
	}
	bestT := 0
	for k := n - 1; k >= 0; k-- {
		if t := lo + k*step; t <= owe && corr[k] >= max(thr, best-0.05) {
			bestT = t
			break
		}
	}
	if bestT == 0 {
		if !math.IsInf(thr, -1) || owe < lo {
			return 0, keep
		}
		c := math.Inf(-1) // the fallback: the best-matching lag that fits
		for k := 0; k < n && lo+k*step <= owe; k++ {
			if corr[k] > c {
				c, bestT = corr[k], lo+k*step
			}
		}
		return bestT, forced
	}
	if step > 1 {
		c, r := math.Inf(-1), bestT
		for t := max(lo, bestT-step+1); t <= min(owe, hi, bestT+step-1); t++ {
			if v := periodCorr(x, t, 1); v > c {
				c, r = v, t
			}
		}
		bestT = r
	}
	if best < threshold(waitedLong-1) {
		return bestT, forced // nothing repeated: after the fallback's wait
	}
	return bestT, periodic
}

// quiet reports whether x is silence (mean square under quietPower).
func quiet(x []int16) bool {
	var e int64
	for _, v := range x {
		e += int64(v) * int64(v)
	}
	return e < int64(quietPower)*int64(len(x))
}

// periodCorr is the normalised correlation of x[0:t] with x[t:2t], every
// step-th sample: 1 when the signal repeats with period t.
func periodCorr(x []int16, t, step int) float64 {
	var xy, xx, yy float64
	for i := 0; i < t; i += step {
		a, b := float64(x[i]), float64(x[i+t])
		xy += a * b
		xx += a * a
		yy += b * b
	}
	if xx == 0 || yy == 0 {
		return 0
	}
	return xy / math.Sqrt(xx*yy)
}

// cutPeriod writes into dst (n samples) the n+t samples of x with the
// period x[t:2t] left out: x[0:t] fades into x[t:2t] over the first t
// samples, then x[2t:n+t] follows.
func cutPeriod(dst, x []int16, t int) {
	n := len(dst)
	for i := range t {
		w := int32(i + 1)
		dst[i] = int16((int32(x[i])*(int32(t)-w) + int32(x[i+t])*w) / int32(t))
	}
	copy(dst[t:], x[2*t:n+t])
}

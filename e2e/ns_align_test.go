package e2e

import (
	"math"
	"math/rand/v2"
	"testing"
)

// syllableLoop is a loop of 8 kHz "speech" as repetitive as espeak-ng's:
// 125 ms syllables, each one of four vowel-like harmonic sounds on one
// pitch, in a random order, with a short gap after every third.
func syllableLoop(rng *rand.Rand, seconds int) []float64 {
	const rate, syl = 8000, 1000
	var x []float64
	for len(x) < seconds*rate {
		k := rng.IntN(4)
		for i := range syl {
			t := float64(i) / rate
			env := math.Sin(math.Pi * float64(i) / syl)
			var v float64
			for h := 1; h <= 12; h++ {
				// The "vowel" weights the harmonics of one 120 Hz pitch.
				w := math.Exp(-math.Abs(float64(h-3*k-2)) / 2)
				v += w * math.Sin(2*math.Pi*120*float64(h)*t)
			}
			x = append(x, 0.1*env*v)
		}
		if len(x)%(3*syl) == 0 {
			x = append(x, make([]float64, 400)...)
		}
	}
	return x[:seconds*rate]
}

// TestAlignLoopFollowsTheTrueDelay: what "the caller heard" is the loop at
// one delay, then, a third of the way in, 37 ms later (a jitter buffer that
// grew), with a little noise; alignLoop must give back the loop at the
// delay each block was really heard at, apart from the blocks around the
// change, and STOI against it must be near 1, on a signal whose 250 ms
// blocks have good matches elsewhere in the loop.
func TestAlignLoopFollowsTheTrueDelay(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := syllableLoop(rng, 6)
	n := len(x)
	const d0, jump = 3100, 296
	y := make([]float64, 10*8000)
	change := len(y) / 3
	for i := range y {
		d := d0
		if i >= change {
			d += jump
		}
		y[i] = x[(i+d)%n] + 0.002*rng.NormFloat64()
	}
	ref, first := alignLoop(x, x, y, 2000)
	if first != d0 {
		t.Errorf("first shift %d, want %d", first, d0)
	}
	wrong := 0
	for off := 0; off+2000 <= len(y); off += 2000 {
		d := d0
		if off >= change {
			d += jump
		}
		if off <= change && change < off+2000+4000 {
			continue // the window straddles the change
		}
		for i := off; i < off+2000; i++ {
			if ref[i] != x[(i+d)%n] {
				wrong++
				t.Errorf("block at %d s: aligned at another delay than %d", off/8000, d)
				break
			}
		}
	}
	if wrong > 0 {
		t.Logf("%d blocks misaligned", wrong)
	}
}

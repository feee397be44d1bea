package nseval

import (
	"math"

	"github.com/meet-dev/meet/audio"
)

// Resample converts x from rate `from` to rate `to` with a Kaiser-windowed
// sinc interpolator (polyphase over the rational ratio). It is for
// evaluation, not real time.
func Resample(x []float64, from, to int) []float64 {
	if from == to {
		return append([]float64(nil), x...)
	}
	g := gcd(from, to)
	up, down := to/g, from/g
	// Cut-off at the lower Nyquist, slightly below.
	cut := 0.95 * math.Min(1, float64(to)/float64(from)) // relative to the input Nyquist
	const halfZeros = 16
	half := int(math.Ceil(halfZeros / cut)) // taps each side, in input samples
	beta := 8.0
	// Precompute one kernel per output phase.
	kern := make([][]float64, up)
	for ph := range up {
		frac := float64(ph*down%up) / float64(up) // fractional position of the output sample
		k := make([]float64, 2*half)
		for t := range k {
			d := float64(t-half+1) - frac // distance in input samples
			k[t] = cut * audio.Sinc(cut*d) * audio.Kaiser(d/float64(half), beta)
		}
		kern[ph] = k
	}
	n := int(int64(len(x)) * int64(up) / int64(down))
	out := make([]float64, n)
	for i := range out {
		pos := int64(i) * int64(down)
		base := int(pos / int64(up))
		k := kern[i%up]
		var acc float64
		for t, c := range k {
			j := base + t - half + 1
			if j >= 0 && j < len(x) {
				acc += c * x[j]
			}
		}
		out[i] = acc
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

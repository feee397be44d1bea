package audio

import "math"

// The windowed-sinc helpers every resampler here designs its filters with
// (this package's polyphase resampler, server/room's fixed ×6 one and the
// evaluation resampler of audio/denoise/nseval).

// Sinc is the normalised sinc, sin(πx)/(πx), 1 at 0.
func Sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// Bessel0 is the modified Bessel function of the first kind, order 0.
func Bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 64; k++ {
		term *= (x / 2) / float64(k)
		sum += term * term
		if term*term < sum*1e-17 {
			break
		}
	}
	return sum
}

// Kaiser is the Kaiser window of shape beta at r in [-1, 1] (0 outside).
func Kaiser(r, beta float64) float64 {
	if r < -1 || r > 1 {
		return 0
	}
	return Bessel0(beta*math.Sqrt(1-r*r)) / Bessel0(beta)
}

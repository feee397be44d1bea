// Package audiotest generates and detects tones for tests of audio paths:
// check that a tone made it through a pipeline (codec, network, mixer) by
// detecting it, not by comparing bytes.
package audiotest

import (
	"math"
	"math/cmplx"

	"github.com/meet-dev/meet/audio"
)

// Tone returns n samples of a sine at freqHz with peak amplitude (0..1 of
// full scale) at rate.
func Tone(rate int, freqHz, amplitude float64, n int) audio.PCM16 {
	return ToneAt(rate, freqHz, amplitude, 0, n)
}

// ToneAt is Tone starting at sample offset start, so consecutive calls join
// without a phase jump: ToneAt(r,f,a,0,n) followed by ToneAt(r,f,a,n,m).
func ToneAt(rate int, freqHz, amplitude float64, start, n int) audio.PCM16 {
	out := make(audio.PCM16, max(0, n))
	if rate <= 0 {
		return out
	}
	w := 2 * math.Pi * freqHz / float64(rate)
	for i := range out {
		out[i] = clip(amplitude * 32767 * math.Sin(w*float64(start+i)))
	}
	return out
}

// Mix adds signals sample by sample (saturating); the result is as long as the longest.
func Mix(ss ...audio.PCM16) audio.PCM16 {
	n := 0
	for _, s := range ss {
		n = max(n, len(s))
	}
	out := make(audio.PCM16, n)
	for i := range out {
		v := 0.0
		for _, s := range ss {
			if i < len(s) {
				v += float64(s[i])
			}
		}
		out[i] = clip(v)
	}
	return out
}

// Noise returns n samples of deterministic white noise with RMS rms (0..1 of full scale).
func Noise(n int, rms float64, seed uint64) audio.PCM16 {
	out := make(audio.PCM16, n)
	x := seed | 1
	for i := range out {
		// Sum of 4 uniforms ≈ Gaussian, variance 4/12.
		v := 0.0
		for k := 0; k < 4; k++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			v += float64(x>>11)/float64(1<<53) - 0.5
		}
		out[i] = clip(v / math.Sqrt(4.0/12) * rms * 32767)
	}
	return out
}

func clip(v float64) int16 {
	return int16(math.Max(-32768, math.Min(32767, math.Round(v))))
}

// Goertzel returns the power of s at freqHz, normalised so that a sine of
// peak amplitude A (in 0..1 of full scale) gives about A²/4 whatever len(s).
// It is the relative power in one DFT bin (the frequency need not be an
// integer bin). Returns 0 for empty input.
func Goertzel(s audio.PCM16, rate int, freqHz float64) float64 {
	if len(s) == 0 || rate <= 0 {
		return 0
	}
	w := 2 * math.Pi * freqHz / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range s {
		s0 := float64(v)/32768 + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	re := s1 - s2*math.Cos(w)
	im := s2 * math.Sin(w)
	n := float64(len(s))
	return (re*re + im*im) / (n * n)
}

// Power is the mean square of s relative to full scale (a sine of peak A gives A²/2).
func Power(s audio.PCM16) float64 {
	if len(s) == 0 {
		return 0
	}
	sum := 0.0
	for _, v := range s {
		x := float64(v) / 32768
		sum += x * x
	}
	return sum / float64(len(s))
}

// ToneRatio is the share of the signal's power at freqHz: about 1 for a
// clean tone, near 0 when the tone is absent or drowned.
func ToneRatio(s audio.PCM16, rate int, freqHz float64) float64 {
	p := Power(s)
	if p == 0 {
		return 0
	}
	return 2 * Goertzel(s, rate, freqHz) / p
}

// HasTone reports whether s carries a tone at freqHz: at least -40 dBFS and
// at least 30% of the signal's power in that bin. Pass at least 20 ms.
func HasTone(s audio.PCM16, rate int, freqHz float64) bool {
	return Goertzel(s, rate, freqHz) > 1e-4/4 && ToneRatio(s, rate, freqHz) > 0.3
}

// IsSilent reports whether s stays below thresholdDBFS RMS.
func IsSilent(s audio.PCM16, thresholdDBFS float64) bool {
	rms, _ := audio.Level(s)
	return rms < thresholdDBFS
}

// DominantFreq returns the frequency with most energy in s, found by an FFT
// over a Hann-windowed block (the first power of two ≤ len(s), at most 65536
// samples) refined by parabolic interpolation of the peak. Returns 0 for
// input shorter than 64 samples or silence.
func DominantFreq(s audio.PCM16, rate int) float64 {
	n := 1
	for n*2 <= len(s) && n < 65536 {
		n *= 2
	}
	if n < 64 || rate <= 0 {
		return 0
	}
	x := make([]complex128, n)
	for i := range x {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
		x[i] = complex(float64(s[i])*w, 0)
	}
	FFT(x)
	best, bestP := 0, 0.0
	mag := make([]float64, n/2)
	for k := 1; k < n/2; k++ {
		mag[k] = cmplx.Abs(x[k])
		if mag[k] > bestP {
			best, bestP = k, mag[k]
		}
	}
	if bestP == 0 {
		return 0
	}
	bin := float64(best)
	if best > 1 && best < n/2-1 {
		a, b, c := math.Log(mag[best-1]+1e-12), math.Log(mag[best]), math.Log(mag[best+1]+1e-12)
		if d := a - 2*b + c; d != 0 {
			bin += 0.5 * (a - c) / d
		}
	}
	return bin * float64(rate) / float64(n)
}

// FFT is an in-place radix-2 Cooley-Tukey FFT; len(x) must be a power of two.
// It serves test measurements (DominantFreq, the STOI metric), not the media path.
func FFT(x []complex128) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		step := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			w := complex(1, 0)
			for k := 0; k < size/2; k++ {
				a, b := x[start+k], x[start+k+size/2]*w
				x[start+k], x[start+k+size/2] = a+b, a-b
				w *= step
			}
		}
	}
}

// ToneWindows counts the 250 ms windows of s in which HasTone finds freqHz.
// Real-time paths under load drop and conceal packets, so a test asks for a
// tone in some windows (present) or in none (absent) rather than in the
// signal as a whole.
func ToneWindows(s audio.PCM16, rate int, freqHz float64) int {
	w := rate / 4
	if w <= 0 {
		return 0
	}
	n := 0
	for i := 0; i+w <= len(s); i += w {
		if HasTone(s[i:i+w], rate, freqHz) {
			n++
		}
	}
	return n
}

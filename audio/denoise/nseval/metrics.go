package nseval

import "math"

// SNR is the global signal-to-noise ratio in dB of est against the clean
// reference: 10·log10(Σ clean² / Σ (clean - est)²).
func SNR(clean, est []float64) float64 {
	var s, e float64
	for i := range clean {
		d := clean[i] - est[i]
		s += clean[i] * clean[i]
		e += d * d
	}
	return 10 * math.Log10((s+1e-20)/(e+1e-20))
}

// SegSNR is the segmental SNR in dB (Hansen & Pellom; Loizou, "Speech
// Enhancement", 2nd ed., §11.1): 30 ms Hann-windowed frames with 75 %
// overlap, each frame's SNR clamped to [-10, 35] dB, averaged over frames.
func SegSNR(clean, est []float64, rate int) float64 {
	n := rate * 30 / 1000
	hop := n / 4
	w := hanning(n)
	var sum float64
	var count int
	for s := 0; s+n <= len(clean); s += hop {
		var se, ee float64
		for i := range n {
			c := clean[s+i] * w[i]
			d := (clean[s+i] - est[s+i]) * w[i]
			se += c * c
			ee += d * d
		}
		v := 10 * math.Log10((se+1e-20)/(ee+1e-20))
		sum += math.Min(35, math.Max(-10, v))
		count++
	}
	if count == 0 {
		return 0
	}
	return sum / float64(count)
}

// Delay estimates by how many samples y lags x (0..maxLag) from the peak of
// their normalised cross-correlation.
func Delay(x, y []float64, maxLag int) int {
	best, bestLag := math.Inf(-1), 0
	for lag := 0; lag <= maxLag && lag < len(y); lag++ {
		var num, ex, ey float64
		for i := 0; i+lag < len(y) && i < len(x); i++ {
			num += x[i] * y[i+lag]
			ex += x[i] * x[i]
			ey += y[i+lag] * y[i+lag]
		}
		if ex == 0 || ey == 0 {
			continue
		}
		if c := num / math.Sqrt(ex*ey); c > best {
			best, bestLag = c, lag
		}
	}
	return bestLag
}

// Align shifts y left by delay samples, padding the end with zeros, so it
// lines up with the reference.
func Align(y []float64, delay int) []float64 {
	out := make([]float64, len(y))
	if delay < len(y) {
		copy(out, y[delay:])
	}
	return out
}

// ActiveLevel is the level in dB of x over the samples where ref is active
// (its 30 ms frames within 40 dB of ref's loudest frame).
func ActiveLevel(ref, x []float64, rate int) float64 {
	n := rate * 30 / 1000
	var maxE float64
	for s := 0; s+n <= len(ref); s += n {
		maxE = math.Max(maxE, Power(ref[s:s+n]))
	}
	var sum float64
	var count int
	for s := 0; s+n <= len(ref) && s+n <= len(x); s += n {
		if Power(ref[s:s+n]) > maxE*1e-4 {
			sum += Power(x[s : s+n])
			count++
		}
	}
	return 10 * math.Log10(sum/float64(max(count, 1))+1e-30)
}

// Package nseval measures noise suppressors: SNR improvement, segmental SNR
// and STOI (short-time objective intelligibility), all implemented here, on a
// corpus of espeak-ng speech mixed with generated noises, split into a tune
// set and a test set that share no speaker, sentence, talker or noise seed
// (see sets.go). Parameters are fitted on the tune set only (TestNSTune);
// figures are reported from the test set only.
//
// The comparison against libspeexdsp's preprocessor,
// webrtc-audio-processing's noise suppression (level high) and RNNoise (the
// npm registry's @jitsi/rnnoise-wasm under wazero) lives in files built only
// with the `nseval` tag (cgo, a small C++ shim for webrtc); `make bench-ns`
// runs it on the test set and prints one table per noise class, the overall
// averages, the clean-speech control, the aims and µs per 10 ms
// frame. NSEVAL_ALGOS=hybrid,rnnoise limits the run to some algorithms;
// NSEVAL_SET=tune runs the tune set instead. Every algorithm's delay is
// measured by cross-correlation and compensated before scoring.
//
// TestDefaultDoesNoHarm (no tag, part of make test) checks the default
// suppressor on a few test-set mixtures.
package nseval

import (
	"errors"
	"math"
	"math/cmplx"

	"github.com/meet-dev/meet/audio/audiotest"
)

// STOI constants from Taal et al., "An Algorithm for Intelligibility
// Prediction of Time-Frequency Weighted Noisy Speech", IEEE TASLP 2011.
const (
	stoiRate     = 10000 // Hz
	stoiFrame    = 256   // samples per frame (25.6 ms)
	stoiFFT      = 512
	stoiBands    = 15 // one-third octave bands
	stoiMinFreq  = 150.0
	stoiSegment  = 30   // frames per segment (384 ms)
	stoiBeta     = -15. // dB, lower signal-to-distortion bound
	stoiDynRange = 40.  // dB, silent frame removal
)

// ErrTooShort is returned when the signals hold less than one STOI segment
// of speech.
var ErrTooShort = errors.New("nseval: signal too short for STOI (needs > 384 ms of speech)")

// STOI returns the short-time objective intelligibility of processed with
// respect to clean, both at rate Hz and time-aligned. 1 means identical.
func STOI(clean, processed []float64, rate int) (float64, error) {
	if len(clean) != len(processed) {
		return 0, errors.New("nseval: STOI needs signals of equal length")
	}
	x := Resample(clean, rate, stoiRate)
	y := Resample(processed, rate, stoiRate)
	x, y = removeSilentFrames(x, y)
	X := thirdOctaveEnvelopes(x)
	Y := thirdOctaveEnvelopes(y)
	if len(X) < stoiSegment {
		return 0, ErrTooShort
	}
	c := math.Pow(10, -stoiBeta/20)
	var sum float64
	var count int
	xs := make([]float64, stoiSegment)
	ys := make([]float64, stoiSegment)
	for m := stoiSegment; m <= len(X); m++ {
		for j := range stoiBands {
			var ex, ey float64
			for t := range stoiSegment {
				xs[t] = X[m-stoiSegment+t][j]
				ys[t] = Y[m-stoiSegment+t][j]
				ex += xs[t] * xs[t]
				ey += ys[t] * ys[t]
			}
			alpha := 1.0
			if ey > 0 {
				alpha = math.Sqrt(ex / ey)
			}
			for t := range ys {
				ys[t] = math.Min(ys[t]*alpha, xs[t]*(1+c))
			}
			sum += correlation(xs, ys)
			count++
		}
	}
	return sum / float64(count), nil
}

func correlation(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var num, da, db float64
	for i := range a {
		x, y := a[i]-ma, b[i]-mb
		num += x * y
		da += x * x
		db += y * y
	}
	if da == 0 || db == 0 {
		return 0
	}
	return num / math.Sqrt(da*db)
}

// hanning is MATLAB's hanning(n): a Hann window without the zero end points.
func hanning(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 0.5 * (1 - math.Cos(2*math.Pi*float64(i+1)/float64(n+1)))
	}
	return w
}

// removeSilentFrames drops the frames whose clean energy is more than
// stoiDynRange below the loudest frame, from both signals, and rebuilds them
// by overlap-add.
func removeSilentFrames(x, y []float64) ([]float64, []float64) {
	const n, k = stoiFrame, stoiFrame / 2
	w := hanning(n)
	var starts []int
	for i := 0; i+n < len(x); i += k {
		starts = append(starts, i)
	}
	energy := make([]float64, len(starts))
	maxE := math.Inf(-1)
	for f, s := range starts {
		var e float64
		for i := range n {
			v := x[s+i] * w[i]
			e += v * v
		}
		energy[f] = 20 * math.Log10(math.Sqrt(e)/math.Sqrt(n)+1e-300)
		maxE = math.Max(maxE, energy[f])
	}
	var keep []int
	for f, s := range starts {
		if energy[f]-maxE+stoiDynRange > 0 {
			keep = append(keep, s)
		}
	}
	if len(keep) == 0 {
		return nil, nil
	}
	outLen := (len(keep)-1)*k + n
	xs := make([]float64, outLen)
	ys := make([]float64, outLen)
	for j, s := range keep {
		for i := range n {
			xs[j*k+i] += x[s+i] * w[i]
			ys[j*k+i] += y[s+i] * w[i]
		}
	}
	return xs, ys
}

// thirdOctaveEnvelopes returns, per frame, the 15 one-third octave band
// amplitudes of the short-time spectrum.
func thirdOctaveEnvelopes(x []float64) [][]float64 {
	const n, k = stoiFrame, stoiFrame / 2
	w := hanning(n)
	lo, hi := thirdOctaveBins()
	buf := make([]complex128, stoiFFT)
	var out [][]float64
	for s := 0; s+n < len(x); s += k {
		for i := range buf {
			buf[i] = 0
		}
		for i := range n {
			buf[i] = complex(x[s+i]*w[i], 0)
		}
		audiotest.FFT(buf)
		row := make([]float64, stoiBands)
		for j := range stoiBands {
			var e float64
			for b := lo[j]; b < hi[j]; b++ {
				a := cmplx.Abs(buf[b])
				e += a * a
			}
			row[j] = math.Sqrt(e)
		}
		out = append(out, row)
	}
	return out
}

// thirdOctaveBins returns, per band, the FFT bin range [lo, hi) as in the
// reference implementation: edges snap to the nearest bin.
func thirdOctaveBins() (lo, hi []int) {
	lo = make([]int, stoiBands)
	hi = make([]int, stoiBands)
	nearest := func(f float64) int {
		b := int(math.Round(f * stoiFFT / stoiRate))
		return min(max(b, 0), stoiFFT/2)
	}
	for j := range stoiBands {
		cf := math.Pow(2, float64(j)/3) * stoiMinFreq
		fl := math.Sqrt(cf * math.Pow(2, float64(j-1)/3) * stoiMinFreq)
		fr := math.Sqrt(cf * math.Pow(2, float64(j+1)/3) * stoiMinFreq)
		lo[j], hi[j] = nearest(fl), nearest(fr)
	}
	return lo, hi
}

// Package denoise is our own single-channel noise suppressor for the
// operator's microphone: 10 ms frames, 10 ms algorithmic delay.
//
// Signal path per frame (hop = 10 ms, window = 20 ms, sqrt-Hann analysis and
// synthesis windows, 50 % overlap-add, so the output lags the input by exactly
// one frame):
//
//  1. STFT of the last 20 ms (real FFT, 50 Hz bins at every sample rate),
//     grouped into cells: one bin below 4 kHz, two up to 8 kHz, four above.
//  2. Noise power per cell by speech-presence-probability tracking (an MMSE
//     estimate in the style of Gerkmann & Hendriks), which follows
//     non-stationary noise within a few hundred milliseconds and never
//     freezes, capped by the smoothed power so it falls at once in pauses.
//  3. Decision-directed a-priori SNR (Ephraim & Malah).
//  4. Speech presence probability from local and ERB-band averages of the
//     a-priori SNR (after Cohen's OM-LSA), and the OM-LSA gain: the
//     log-spectral-amplitude gain where speech is present, a -20 dB floor
//     where it is not. Gains are pulled toward their ERB band's mean (the
//     RNNoise idea of band gains) so isolated noise peaks do not pop out as
//     "musical noise", then interpolated back to the FFT bins.
//  5. Transient (keyboard click) suppression: a frame whose energy jumps at
//     once across most ERB bands above 1 kHz, with that energy bunched in a
//     few milliseconds, is treated as an impulse; its excess over the
//     spectral envelope from before is added to the noise power used by the
//     gain rule for that frame and the next.
//
// Tuning used the nseval corpus (espeak-ng speech in six noise types, STOI
// and segmental SNR); see audio/denoise/nseval and `make bench-ns`.
//
// Process works in place on []float32 in [-1, 1]; ProcessPCM16 on int16. It
// allocates nothing per frame. SetEnabled(false) switches to a bit-exact
// pass-through after a one-frame crossfade (no click), and back.
package denoise

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/meet-dev/meet/audio/denoise/internal/fft"
	"github.com/meet-dev/meet/audio/denoise/internal/vec"
)

// ErrFrameSize is returned when a frame is not a whole number of 10 ms frames.
var ErrFrameSize = errors.New("denoise: frame length must be a multiple of 10 ms")

// ErrRate is returned by New for an unsupported sample rate.
var ErrRate = errors.New("denoise: unsupported sample rate")

// Suppressor removes background noise from mono audio. It is not safe for
// concurrent Process calls; SetEnabled and Enabled may be called from any
// goroutine.
type Suppressor struct {
	rate, hop, n, bins int

	enabled atomic.Bool
	active  bool // enabled state applied to the previous frame
	warm    bool // a frame has been seen

	fft  *fft.Real
	win  []float32 // sqrt-Hann, length n
	ramp []float32 // crossfade ramp for bypass switches: win² over the first hop
	in   []float32 // last n input samples
	work []float32
	spec []complex64
	ola  []float32 // second half of the previous synthesis frame

	st state
}

// New returns a suppressor for rate Hz audio. 48000 is the native rate; any
// rate from 8000 to 48000 that is a multiple of 100 Hz works the same way
// (10 ms frames of rate/100 samples).
func New(rate int) (*Suppressor, error) {
	if rate < 8000 || rate > 48000 || rate%100 != 0 {
		return nil, fmt.Errorf("%w: %d Hz (want 8000..48000 in steps of 100 Hz, e.g. 48000, 16000 or 8000)", ErrRate, rate)
	}
	hop := rate / 100
	n := 2 * hop
	f, err := fft.NewReal(n)
	if err != nil {
		return nil, err
	}
	s := &Suppressor{
		rate: rate, hop: hop, n: n, bins: hop + 1,
		fft:  f,
		win:  make([]float32, n),
		ramp: make([]float32, hop),
		in:   make([]float32, n),
		work: make([]float32, n),
		spec: make([]complex64, hop+1),
		ola:  make([]float32, hop),
	}
	for i := range n {
		s.win[i] = float32(math.Sqrt(0.5 * (1 - math.Cos(2*math.Pi*float64(i)/float64(n)))))
	}
	for i := range hop {
		s.ramp[i] = s.win[i] * s.win[i]
	}
	s.st.init(rate, s.bins)
	s.enabled.Store(true)
	s.active = true
	return s, nil
}

// SampleRate is the rate the suppressor was built for.
func (s *Suppressor) SampleRate() int { return s.rate }

// FrameSize is the number of samples in one 10 ms frame.
func (s *Suppressor) FrameSize() int { return s.hop }

// Latency is the algorithmic delay the suppressor adds while enabled: one
// frame (10 ms). When disabled the signal passes through without delay.
func (s *Suppressor) Latency() time.Duration {
	return time.Duration(s.hop) * time.Second / time.Duration(s.rate)
}

// SetEnabled turns suppression on or off. The change takes effect on the next
// frame with a one-frame crossfade.
func (s *Suppressor) SetEnabled(on bool) { s.enabled.Store(on) }

// Enabled reports whether suppression is on.
func (s *Suppressor) Enabled() bool { return s.enabled.Load() }

// Reset drops the input history and the overlap-add tail; the noise
// estimates and gains are kept (see Denoiser).
func (s *Suppressor) Reset() {
	clear(s.in)
	clear(s.ola)
}

// Process denoises frame in place. Its length must be a multiple of
// FrameSize(); samples are expected in [-1, 1] and the output is kept there.
// NaN or infinite input samples are treated as silence.
func (s *Suppressor) Process(frame []float32) error {
	if len(frame)%s.hop != 0 {
		return fmt.Errorf("%w: got %d samples, frame is %d", ErrFrameSize, len(frame), s.hop)
	}
	for off := 0; off < len(frame); off += s.hop {
		s.processFrame(frame[off : off+s.hop])
	}
	return nil
}

// ProcessPCM16 denoises 16-bit samples in place; see Process.
func (s *Suppressor) ProcessPCM16(frame []int16) error {
	if len(frame)%s.hop != 0 {
		return fmt.Errorf("%w: got %d samples, frame is %d", ErrFrameSize, len(frame), s.hop)
	}
	var buf [480]float32
	for off := 0; off < len(frame); off += s.hop {
		f := frame[off : off+s.hop]
		b := buf[:s.hop]
		for i, v := range f {
			b[i] = float32(v) * (1.0 / 32768)
		}
		s.processFrame(b)
		for i, v := range b {
			f[i] = toInt16(v)
		}
	}
	return nil
}

func toInt16(v float32) int16 {
	v *= 32768
	switch {
	case v >= 32767:
		return 32767
	case v <= -32768:
		return -32768
	case v >= 0:
		return int16(v + 0.5)
	default:
		return int16(v - 0.5)
	}
}

func (s *Suppressor) processFrame(x []float32) {
	on := s.enabled.Load()
	hop, n := s.hop, s.n
	// Keep the input history current in every mode so switching on needs
	// no warm-up.
	copy(s.in, s.in[hop:])
	newIn := s.in[n-hop:]
	vec.Finite(newIn, x) // NaN, ±Inf (and beyond ±1e30) as silence
	if !s.warm {
		// Nothing processed yet: start in the requested mode at once.
		s.active = on
		s.warm = true
	}
	switch {
	case !on && !s.active:
		// Bypass: the caller's samples stay untouched (bit-exact).
		return
	case !on && s.active:
		// Switching off: the tail of the last processed frame fades out
		// (it is already shaped by the synthesis window) while the dry
		// input fades in.
		for i := range x {
			x[i] = vec.Clamp(s.ola[i] + s.ramp[i]*newIn[i])
		}
		s.active = false
		return
	case on && !s.active:
		// Switching on: no tail yet, the first processed half-frame
		// fades in by its window while the dry input fades out.
		clear(s.ola)
		s.analyse()
		for i := range x {
			x[i] = vec.Clamp(s.ola[i] + (1-s.ramp[i])*newIn[i] + s.work[i])
			s.ola[i] = s.work[hop+i]
		}
		s.active = true
		return
	}
	s.analyse()
	for i := range x {
		x[i] = vec.Clamp(s.ola[i] + s.work[i])
		s.ola[i] = s.work[hop+i]
	}
}

// analyse runs one STFT frame: window, FFT, gains, inverse FFT, window.
// The result is left in s.work.
func (s *Suppressor) analyse() {
	vec.MulTo(s.work, s.in, s.win)
	s.fft.Forward(s.spec, s.work)
	vec.MulBins(s.spec, s.st.binGains(s.spec, s.in[s.n-s.hop:]))
	s.fft.Inverse(s.work, s.spec)
	vec.Mul(s.work, s.win)
}

// crest measures how much the high-passed (first difference) energy of x
// bunches up in time: the largest energy of ten sub-blocks over their mean.
// A key click gives a high value; noise and most speech stay near 1-2.
func crest(x []float32) float32 {
	const blocks = 10
	size := len(x) / blocks
	var peak, total float32
	prev := x[0]
	for b := range blocks {
		var e float32
		for _, v := range x[b*size : (b+1)*size] {
			d := v - prev
			prev = v
			e += d * d
		}
		peak = max(peak, e)
		total += e
	}
	if total <= 0 {
		return 0
	}
	return peak * blocks / total
}

package denoise

import "math"

// Tuning. Time constants are per 10 ms frame.
const (
	noiseAlpha   = 0.95  // smoothing of the MMSE noise power estimate
	sppPriorSNR  = 31.62 // fixed a-priori SNR (15 dB) of the noise tracker's speech hypothesis
	noiseBias    = 1.25  // the tracker settles about 1 dB below the true noise power
	sppStuck     = 0.99  // cap that keeps the tracker from freezing
	ddAlpha      = 0.85  // decision-directed weight
	xiMin        = 0.003 // a-priori SNR floor (-25 dB)
	gainFloor    = 0.1   // residual noise level (-20 dB)
	zetaAlpha    = 0.7   // smoothing of the a-priori SNR for the presence estimate
	zetaMin      = 0.1   // -10 dB: below, speech surely absent
	zetaMax      = 0.316 // -5 dB: above, speech surely present
	qMax         = 0.99  // most probable speech absence
	smoothAlpha  = 0.7   // time smoothing of the power spectrum
	downCap      = 3.0   // noise estimate may not exceed this many times the smoothed power
	bandMix      = 0.3   // weight of the ERB band mean in the final gain
	initFrames   = 8     // frames averaged to start the noise estimate
	minNoisePow  = 1e-12 // floor of the noise power (keeps silence finite)
	transientLo  = 1000  // Hz: transient detection looks above this
	transientHi  = 16000 // Hz: ... and below this
	transientJmp = 10.0  // band power jump (10 dB) that counts a band as hit
	transientHit = 0.6   // share of bands hit for a frame to be a transient
	transientRun = 2     // frames the transient stays in force (onset + tail)
	envAlpha     = 0.6   // recent spectral envelope used as transient reference
)

// band is a range of FFT bins [lo, hi).
type band struct{ lo, hi int }

// state is the per-bin memory of the suppressor.
type state struct {
	bins   int
	frames int

	pow       []float32 // |Y|² of the current frame
	smooth    []float32 // time and frequency smoothed |Y|²
	noise     []float32 // tracked noise power
	sppAvg    []float32 // smoothed posterior speech presence (stagnation guard)
	prevClean []float32 // |Â|² of the previous frame for the decision-directed rule
	zeta      []float32 // smoothed a-priori SNR
	xi        []float32
	gamma     []float32
	gain      []float32
	env       []float32 // recent spectral envelope (frozen during transients)
	trNoise   []float32 // transient noise power for this frame
	local     []float32 // zeta averaged over neighbouring bins

	bands     []band // ERB-spaced bands over the whole spectrum
	bandOf    []int  // band index of each bin
	bandVal   []float32
	trBands   []int // indices of bands used for transient detection
	bandPow   []float32
	bandNoise []float32
	prevBand  []float32 // band powers of the previous frame

	transient int // frames left of the current transient
}

func (s *state) init(rate, bins int) {
	s.bins = bins
	mk := func() []float32 { return make([]float32, bins) }
	s.pow, s.smooth, s.noise, s.sppAvg, s.prevClean = mk(), mk(), mk(), mk(), mk()
	s.zeta, s.xi, s.gamma, s.gain, s.env, s.trNoise, s.local = mk(), mk(), mk(), mk(), mk(), mk(), mk()
	s.bands = erbBands(rate, bins)
	s.bandOf = make([]int, bins)
	for i, b := range s.bands {
		for k := b.lo; k < b.hi; k++ {
			s.bandOf[k] = i
		}
	}
	s.bandVal = make([]float32, len(s.bands))
	s.bandPow = make([]float32, len(s.bands))
	s.bandNoise = make([]float32, len(s.bands))
	s.prevBand = make([]float32, len(s.bands))
	binHz := float64(rate) / float64(2*(bins-1))
	for i, b := range s.bands {
		c := float64(b.lo+b.hi) / 2 * binHz
		if c >= transientLo && c <= transientHi {
			s.trBands = append(s.trBands, i)
		}
	}
	for k := range s.gain {
		s.gain[k] = 1
	}
}

// erbBands splits the bins into bands about 1.5 ERB wide (at least two bins).
func erbBands(rate, bins int) []band {
	binHz := float64(rate) / float64(2*(bins-1))
	erb := func(f float64) float64 { return 21.4 * math.Log10(1+0.00437*f) }
	var out []band
	lo := 0
	for lo < bins {
		start := erb(float64(lo) * binHz)
		hi := lo + 2
		for hi < bins && erb(float64(hi)*binHz)-start < 1.5 {
			hi++
		}
		if hi > bins || bins-hi < 2 {
			hi = bins
		}
		out = append(out, band{lo, hi})
		lo = hi
	}
	return out
}

// gains computes s.gain for the spectrum Y.
func (s *state) gains(Y []complex64) {
	for k, y := range Y {
		p := real(y)*real(y) + imag(y)*imag(y)
		s.pow[k] = p
	}
	s.frames++
	if s.frames <= initFrames {
		// Start the noise estimate from the mean of the first frames.
		w := 1 / float32(s.frames)
		for k, p := range s.pow {
			s.noise[k] += (p - s.noise[k]) * w
			s.env[k] = s.noise[k]
		}
	}
	s.smoothPower()
	s.trackNoise()
	s.detectTransient()
	s.omlsa()
}

// smoothPower updates the time and frequency smoothed power spectrum.
func (s *state) smoothPower() {
	last := s.bins - 1
	for k := range s.pow {
		f := 0.25*s.pow[max(k-1, 0)] + 0.5*s.pow[k] + 0.25*s.pow[min(k+1, last)]
		s.smooth[k] = smoothAlpha*s.smooth[k] + (1-smoothAlpha)*f
	}
}

// trackNoise updates the noise power with the MMSE estimate under a
// posterior speech presence probability computed with a fixed a-priori SNR.
func (s *state) trackNoise() {
	c := float32(sppPriorSNR / (1 + sppPriorSNR))
	for k, p := range s.pow {
		n := max(s.noise[k], minNoisePow)
		g := min(p/n, 80)
		spp := 1 / (1 + (1+sppPriorSNR)*fastExp(-g*c))
		s.sppAvg[k] = 0.9*s.sppAvg[k] + 0.1*spp
		if s.sppAvg[k] > sppStuck {
			spp = min(spp, sppStuck)
		}
		est := (1-spp)*p + spp*n
		// The estimate never stays far above the smoothed power itself: it
		// falls at once when the signal does (pauses, start-up).
		s.noise[k] = max(min(noiseAlpha*n+(1-noiseAlpha)*est, downCap*s.smooth[k]), minNoisePow)
	}
}

// detectTransient flags broadband impulses (key clicks) and sets trNoise to
// their excess power over the spectral envelope from before the impulse.
//
// A frame is an impulse onset when, in most bands between transientLo and
// transientHi, the power jumps by transientJmp over the previous frame and
// over the noise, and each such band carries a fair share of the frame's
// energy in that range (so spectral leakage of a loud tone is no hit). Voiced
// speech onsets fail the test: they rise more slowly and hardly reach the
// upper bands. The decision holds for transientRun frames, the onset and the
// tail of the 20 ms window.
func (s *state) detectTransient() {
	for i := range s.bandPow {
		s.bandPow[i], s.bandNoise[i] = 0, 0
	}
	for k, p := range s.pow {
		b := s.bandOf[k]
		s.bandPow[b] += p
		s.bandNoise[b] += s.noise[k]
	}
	var total float32
	width := 0
	for _, b := range s.trBands {
		total += s.bandPow[b]
		width += s.bands[b].hi - s.bands[b].lo
	}
	hits := 0
	for _, b := range s.trBands {
		p := s.bandPow[b]
		fair := 0.1 * total * float32(s.bands[b].hi-s.bands[b].lo) / float32(max(width, 1))
		if p > transientJmp*max(s.prevBand[b], s.bandNoise[b]) && p > fair {
			hits++
		}
	}
	copy(s.prevBand, s.bandPow)
	if len(s.trBands) > 0 && float32(hits) >= transientHit*float32(len(s.trBands)) && s.frames > initFrames {
		s.transient = transientRun
	}
	if s.transient > 0 {
		s.transient--
		for k, p := range s.pow {
			s.trNoise[k] = max(0, p-2*max(s.env[k], s.noise[k]))
		}
		return // the envelope stays frozen during the transient
	}
	for k, p := range s.pow {
		s.trNoise[k] = 0
		s.env[k] = envAlpha*s.env[k] + (1-envAlpha)*p
	}
}

// omlsa computes the a-priori SNR, the speech presence probability and the
// OM-LSA gain.
func (s *state) omlsa() {
	// Decision-directed a-priori SNR and the presence statistics.
	for k, p := range s.pow {
		n := noiseBias*s.noise[k] + s.trNoise[k]
		g := p / n
		xi := ddAlpha*s.prevClean[k]/n + (1-ddAlpha)*max(g-1, 0)
		xi = max(xi, xiMin)
		s.gamma[k], s.xi[k] = g, xi
		s.zeta[k] = zetaAlpha*s.zeta[k] + (1-zetaAlpha)*xi
	}
	// Local (3 bins) and band averages of zeta.
	last := s.bins - 1
	for k := range s.zeta {
		a := s.zeta[max(k-1, 0)] + s.zeta[k] + s.zeta[min(k+1, last)]
		s.local[k] = a / 3
	}
	for i, b := range s.bands {
		var a float32
		for k := b.lo; k < b.hi; k++ {
			a += s.zeta[k]
		}
		s.bandVal[i] = presence(a / float32(b.hi-b.lo))
	}
	lnFloor := float32(math.Log(gainFloor))
	for k := range s.pow {
		xi, g := s.xi[k], s.gamma[k]
		var pa float32
		if bv := s.bandVal[s.bandOf[k]]; bv > 0 {
			pa = presence(s.local[k]) * bv
		}
		r := xi / (1 + xi)
		v := min(r*g, 80)
		ev := fastExp(-v)
		// Log-spectral amplitude gain: ln G = ln r + E1(v)/2.
		lnG := min(fastLog(r)+0.5*expint(v, ev), 0)
		gh1 := fastExp(lnG)
		// Posterior speech presence probability under the a-priori
		// absence probability q.
		q := min(1-pa, qMax)
		ppres := (1 - q) / ((1 - q) + q*(1+xi)*ev)
		switch {
		case ppres > 0.995:
			s.gain[k] = gh1
		case ppres < 0.005:
			s.gain[k] = gainFloor
		default:
			s.gain[k] = fastExp(ppres*lnG + (1-ppres)*lnFloor)
		}
		s.prevClean[k] = gh1 * gh1 * s.pow[k]
	}
	s.smoothBands()
}

// smoothBands pulls each bin's gain toward the mean gain of its ERB band, so
// lone bins that noise pushed up (or down) do not stand out as musical
// tones; bins far above the band mean are capped.
func (s *state) smoothBands() {
	for _, b := range s.bands {
		var m float32
		for k := b.lo; k < b.hi; k++ {
			m += s.gain[k]
		}
		m /= float32(b.hi - b.lo)
		for k := b.lo; k < b.hi; k++ {
			g := bandMix*m + (1-bandMix)*s.gain[k]
			s.gain[k] = min(g, 1)
		}
	}
}

// presence maps a smoothed a-priori SNR to a speech presence likelihood
// between 0 (below zetaMin) and 1 (above zetaMax), log-linear in between.
func presence(z float32) float32 {
	switch {
	case z <= zetaMin:
		return 0
	case z >= zetaMax:
		return 1
	}
	return fastLog(z*(1/zetaMin)) * float32(1/math.Log(zetaMax/zetaMin))
}

// expint returns the exponential integral E1(v) given ev = exp(-v), with
// the Abramowitz & Stegun approximations (5.1.53 below 1, 5.1.56 above).
func expint(v, ev float32) float32 {
	switch {
	case v < 1:
		v = max(v, 1e-10)
		return -fastLog(v) + (-0.57721566 + v*(0.99999193+v*(-0.24991055+v*(0.05519968+v*(-0.00976004+v*0.00107857)))))
	case v < 40:
		return ev / v * (v*v + 2.334733*v + 0.250621) / (v*v + 3.330657*v + 1.681534)
	}
	return 0
}

package denoise

import "math"

// Tuning. Time constants are per 10 ms frame.
const (
	noiseAlpha   = 0.85  // smoothing of the MMSE noise power estimate
	sppPriorSNR  = 31.62 // fixed a-priori SNR (15 dB) of the noise tracker's speech hypothesis
	sppStuck     = 0.99  // cap that keeps the tracker from freezing
	ddAlpha      = 0.97  // decision-directed weight
	xiMin        = 0.003 // a-priori SNR floor (-25 dB)
	gainFloor    = 0.1   // residual noise level (-20 dB)
	zetaAlpha    = 0.7   // smoothing of the a-priori SNR for the presence estimate
	zetaMin      = 0.1   // -10 dB: below, speech surely absent
	zetaMax      = 0.316 // -5 dB: above, speech surely present
	qMax         = 0.95  // most probable speech absence
	initFrames   = 8     // frames averaged to start the noise estimate
	minNoisePow  = 1e-12 // floor of the noise power (keeps silence finite)
	transientLo  = 1000  // Hz: transient detection looks above this
	transientHi  = 16000 // Hz: ... and below this
	transientJmp = 8.0   // band power jump (9 dB) that counts a band as hit
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

	bands   []band // ERB-spaced bands over the whole spectrum
	bandOf  []int  // band index of each bin
	bandVal []float32
	trBands []int // indices of bands used for transient detection
	bandPow []float32
	bandEnv []float32

	transient int // frames left of the current transient
}

func (s *state) init(rate, bins int) {
	s.bins = bins
	mk := func() []float32 { return make([]float32, bins) }
	s.pow, s.noise, s.sppAvg, s.prevClean = mk(), mk(), mk(), mk()
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
	s.bandEnv = make([]float32, len(s.bands))
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
	s.trackNoise()
	s.detectTransient()
	s.omlsa()
}

// trackNoise updates the noise power with the MMSE estimate under a
// posterior speech presence probability computed with a fixed a-priori SNR.
func (s *state) trackNoise() {
	c := float32(sppPriorSNR / (1 + sppPriorSNR))
	for k, p := range s.pow {
		n := max(s.noise[k], minNoisePow)
		g := min(p/n, 80)
		spp := 1 / (1 + (1+sppPriorSNR)*float32(math.Exp(float64(-g*c))))
		s.sppAvg[k] = 0.9*s.sppAvg[k] + 0.1*spp
		if s.sppAvg[k] > sppStuck {
			spp = min(spp, sppStuck)
		}
		est := (1-spp)*p + spp*n
		s.noise[k] = max(noiseAlpha*n+(1-noiseAlpha)*est, minNoisePow)
	}
}

// detectTransient flags broadband impulses (key clicks) and sets trNoise to
// their excess power over the recent envelope.
func (s *state) detectTransient() {
	for i := range s.bandPow {
		s.bandPow[i], s.bandEnv[i] = 0, 0
	}
	for k, p := range s.pow {
		b := s.bandOf[k]
		s.bandPow[b] += p
		s.bandEnv[b] += max(s.env[k], s.noise[k])
	}
	hits := 0
	for _, b := range s.trBands {
		if s.bandPow[b] > transientJmp*s.bandEnv[b] {
			hits++
		}
	}
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
		n := s.noise[k] + s.trNoise[k]
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
		pa := presence(s.local[k]) * s.bandVal[s.bandOf[k]]
		q := min(1-pa, qMax)
		r := xi / (1 + xi)
		v := r * g
		gh1 := min(r*expint05(v), 1)
		// Posterior speech presence probability.
		var ppres float32 = 1
		if q > 0 {
			ppres = 1 / (1 + q/(1-q)*(1+xi)*float32(math.Exp(float64(-min(v, 80)))))
		}
		gain := float32(math.Exp(float64(ppres*float32(math.Log(float64(max(gh1, 1e-6)))) + (1-ppres)*lnFloor)))
		s.gain[k] = gain
		s.prevClean[k] = gh1 * gh1 * s.pow[k]
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
	return float32(math.Log(float64(z/zetaMin)) / math.Log(zetaMax/zetaMin))
}

// expint05 returns exp(E1(v)/2), the log-spectral-amplitude gain factor,
// with the Abramowitz & Stegun approximations of the exponential integral
// (5.1.53 below 1, 5.1.56 above).
func expint05(v float32) float32 {
	x := float64(max(v, 1e-8))
	var e1 float64
	switch {
	case x < 1:
		e1 = -math.Log(x) + (-0.57721566 + x*(0.99999193+x*(-0.24991055+x*(0.05519968+x*(-0.00976004+x*0.00107857)))))
	case x < 30:
		e1 = math.Exp(-x) / x * (x*x + 2.334733*x + 0.250621) / (x*x + 3.330657*x + 1.681534)
	default:
		return 1
	}
	return float32(math.Exp(0.5 * e1))
}

package denoise

import "math"

// Tuning. Time constants are per 10 ms frame.
const (
	noiseAlpha     = 0.95  // smoothing of the MMSE noise power estimate
	sppPriorSNR    = 31.62 // fixed a-priori SNR (15 dB) of the noise tracker's speech hypothesis
	noiseBias      = 1.25  // the tracker settles about 1 dB below the true noise power
	sppStuck       = 0.99  // cap that keeps the tracker from freezing
	ddAlpha        = 0.85  // decision-directed weight
	xiMin          = 0.003 // a-priori SNR floor (-25 dB)
	gainFloor      = 0.1   // residual noise level (-20 dB)
	zetaAlpha      = 0.7   // smoothing of the a-priori SNR for the presence estimate
	zetaMin        = 0.1   // -10 dB: below, speech surely absent
	zetaMax        = 0.316 // -5 dB: above, speech surely present
	qMax           = 0.99  // most probable speech absence
	smoothAlpha    = 0.7   // time smoothing of the power spectrum
	downCap        = 3.0   // noise estimate may not exceed this many times the smoothed power
	bandMix        = 0.3   // weight of the ERB band mean in the final gain
	initFrames     = 8     // frames averaged to start the noise estimate
	minNoisePow    = 1e-12 // floor of the noise power (keeps silence finite)
	transientLo    = 1000  // Hz: transient detection looks above this
	transientHi    = 16000 // Hz: ... and below this
	transientJmp   = 5.0   // band power jump (7 dB) that counts a band as hit
	transientHit   = 0.5   // share of bands hit for a frame to be a transient
	transientCrest = 2.5   // ... and the energy must bunch up in time (see crest)
	transientRun   = 2     // frames the transient stays in force (onset + tail)
	transientRef   = 4.0   // a transient is cut to this power relative to the envelope from before it (6 dB)
	envAlpha       = 0.6   // recent spectral envelope used as transient reference
)

// band is a range of cells [lo, hi) and its width in FFT bins.
type band struct{ lo, hi, bins int }

// state is the memory of the suppressor. It works on cells rather than FFT
// bins: one bin (50 Hz) per cell below 4 kHz, two up to 8 kHz, four above.
// That keeps full resolution where voiced speech has its harmonics, lowers
// the variance of the estimates higher up, and more than halves the work at
// 48 kHz.
type state struct {
	cells  int
	frames int

	cellLo  []int     // first bin of each cell; cellLo[cells] = number of bins
	cellInv []float32 // 1 / cell width
	interpA []int32   // per bin: the cell whose centre is at or below it
	interpW []float32 // per bin: weight of the next cell
	binGain []float32 // per-bin gain, interpolated from the cells

	pow       []float32 // mean |Y|² over each cell in the current frame
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
	local     []float32 // zeta averaged over neighbouring cells

	bands     []band    // ERB-spaced bands over the whole spectrum
	bandOf    []int     // band index of each cell
	cellBand  []float32 // bandVal of each cell's band
	bandVal   []float32
	trBands   []int // indices of bands used for transient detection
	bandPow   []float32
	bandNoise []float32
	prevBand  []float32 // band powers of the previous frame

	transient int     // frames left of the current transient
	crest     float32 // time-domain crest of the newest 10 ms (see crest)
}

func (s *state) init(rate, bins int) {
	binHz := float64(rate) / float64(2*(bins-1))
	for k := 0; k < bins; {
		w := 1
		switch f := float64(k) * binHz; {
		case f >= 8000:
			w = 4
		case f >= 4000:
			w = 2
		}
		w = min(w, bins-k)
		s.cellLo = append(s.cellLo, k)
		s.cellInv = append(s.cellInv, 1/float32(w))
		k += w
	}
	s.cells = len(s.cellLo)
	s.cellLo = append(s.cellLo, bins)
	center := func(i int) float64 { return float64(s.cellLo[i]+s.cellLo[i+1]-1) / 2 }
	s.interpA = make([]int32, bins)
	s.interpW = make([]float32, bins)
	i := 0
	for k := range bins {
		for i+1 < s.cells && center(i+1) <= float64(k) {
			i++
		}
		s.interpA[k] = int32(i)
		if i+1 < s.cells && float64(k) > center(i) {
			s.interpW[k] = float32((float64(k) - center(i)) / (center(i+1) - center(i)))
		}
	}
	s.binGain = make([]float32, bins)

	n := s.cells
	mk := func() []float32 { return make([]float32, n) }
	s.pow, s.smooth, s.noise, s.sppAvg, s.prevClean = mk(), mk(), mk(), mk(), mk()
	s.zeta, s.xi, s.gamma, s.gain, s.env, s.trNoise, s.local = mk(), mk(), mk(), mk(), mk(), mk(), mk()
	s.bands = erbBands(s.cellLo, binHz)
	s.bandOf = make([]int, n)
	s.cellBand = make([]float32, n)
	for i, b := range s.bands {
		for k := b.lo; k < b.hi; k++ {
			s.bandOf[k] = i
		}
	}
	s.bandVal = make([]float32, len(s.bands))
	s.bandPow = make([]float32, len(s.bands))
	s.bandNoise = make([]float32, len(s.bands))
	s.prevBand = make([]float32, len(s.bands))
	for i, b := range s.bands {
		c := float64(s.cellLo[b.lo]+s.cellLo[b.hi]) / 2 * binHz
		if c >= transientLo && c <= transientHi {
			s.trBands = append(s.trBands, i)
		}
	}
	for k := range s.gain {
		s.gain[k] = 1
	}
	for k := range s.binGain {
		s.binGain[k] = 1
	}
}

// erbBands groups cells into bands about 1.5 ERB wide (at least two cells).
func erbBands(cellLo []int, binHz float64) []band {
	erb := func(bin int) float64 { return 21.4 * math.Log10(1+0.00437*float64(bin)*binHz) }
	cells := len(cellLo) - 1
	var out []band
	lo := 0
	for lo < cells {
		start := erb(cellLo[lo])
		hi := lo + 2
		for hi < cells && erb(cellLo[hi])-start < 1.5 {
			hi++
		}
		if hi > cells || cells-hi < 2 {
			hi = cells
		}
		out = append(out, band{lo, hi, cellLo[hi] - cellLo[lo]})
		lo = hi
	}
	return out
}

// scalePower sets the scale of the spectra gains will see: their power
// times k is that of an unscaled transform of samples in [-1, 1] (k = 1
// for ours' own STFT), so the absolute floors (minNoisePow) mean the same
// whatever transform feeds the stage.
func (s *state) scalePower(k float32) {
	for c := range s.cellInv {
		s.cellInv[c] *= k
	}
}

// binGains is the gain stage on a given spectrum: Y, the windowed
// spectrum of the last two frames, and newest, the newest frame's samples
// (for the transient detector's crest; any scale). It returns the gain of
// each of Y's bins, valid until the next call.
func (s *state) binGains(Y []complex64, newest []float32) []float32 {
	s.crest = crest(newest)
	s.gains(Y)
	return s.binGain
}

// gains computes s.gain for the spectrum Y.
func (s *state) gains(Y []complex64) {
	for c := range s.cells {
		var p float32
		for _, y := range Y[s.cellLo[c]:s.cellLo[c+1]] {
			p += real(y)*real(y) + imag(y)*imag(y)
		}
		s.pow[c] = p * s.cellInv[c]
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
	s.smoothBands()
	s.interpolate()
}

// interpolate spreads the cell gains over the FFT bins, linearly between
// cell centres.
func (s *state) interpolate() {
	last := int32(s.cells - 1)
	for k := interpolateVec(s); k < len(s.interpA); k++ { // AVX2 first where it can (same bits)
		a := s.interpA[k]
		g := s.gain[a]
		if w := s.interpW[k]; w > 0 && a < last {
			g += w * (s.gain[a+1] - g)
		}
		s.binGain[k] = g
	}
}

// smoothPower updates the time and frequency smoothed power spectrum.
func (s *state) smoothPower() {
	last := s.cells - 1
	for k := range s.pow {
		f := 0.25*s.pow[max(k-1, 0)] + 0.5*s.pow[k] + 0.25*s.pow[min(k+1, last)]
		s.smooth[k] = smoothAlpha*s.smooth[k] + (1-smoothAlpha)*f
	}
}

// trackNoise updates the noise power with the MMSE estimate under a
// posterior speech presence probability computed with a fixed a-priori SNR.
func (s *state) trackNoise() {
	c := float32(sppPriorSNR / (1 + sppPriorSNR))
	// Eight cells a step by trackNoiseVec where the CPU has AVX2 (the
	// same bits), the rest here.
	for k := trackNoiseVec(s); k < s.cells; k++ {
		p := s.pow[k]
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
		// Sums over the bins of the band: cell means times widths.
		b := s.bandOf[k]
		w := float32(s.cellLo[k+1] - s.cellLo[k])
		s.bandPow[b] += p * w
		s.bandNoise[b] += s.noise[k] * w
	}
	var total float32
	width := 0
	for _, b := range s.trBands {
		total += s.bandPow[b]
		width += s.bands[b].bins
	}
	hits := 0
	for _, b := range s.trBands {
		p := s.bandPow[b]
		fair := 0.1 * total * float32(s.bands[b].bins) / float32(max(width, 1))
		if p > transientJmp*max(s.prevBand[b], s.bandNoise[b]) && p > fair {
			hits++
		}
	}
	copy(s.prevBand, s.bandPow)
	if len(s.trBands) > 0 && float32(hits) >= transientHit*float32(len(s.trBands)) && s.crest >= transientCrest && s.frames > initFrames {
		s.transient = transientRun
	}
	if s.transient > 0 {
		s.transient--
		for k, p := range s.pow {
			s.trNoise[k] = max(0, p-transientRef*max(s.env[k], s.noise[k]))
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
	for k := omlsaSNRVec(s); k < s.cells; k++ { // AVX2 first where it can (same bits)
		p := s.pow[k]
		n := noiseBias*s.noise[k] + s.trNoise[k]
		g := p / n
		xi := ddAlpha*s.prevClean[k]/n + (1-ddAlpha)*max(g-1, 0)
		xi = max(xi, xiMin)
		s.gamma[k], s.xi[k] = g, xi
		s.zeta[k] = zetaAlpha*s.zeta[k] + (1-zetaAlpha)*xi
	}
	// Local (3 cells) and band averages of zeta.
	last := s.cells - 1
	local := func(k int) {
		a := s.zeta[max(k-1, 0)] + s.zeta[k] + s.zeta[min(k+1, last)]
		s.local[k] = a / 3
	}
	local(0)
	for k := 1 + localVec(s); k < s.cells; k++ { // cells 1 … by AVX2 first where it can (same bits)
		local(k)
	}
	for i, b := range s.bands {
		var a float32
		for k := b.lo; k < b.hi; k++ {
			a += s.zeta[k]
		}
		s.bandVal[i] = presence(a / float32(b.hi-b.lo))
	}
	for k := range s.pow {
		s.cellBand[k] = s.bandVal[s.bandOf[k]]
	}
	// The gain rule per cell: by omlsaGainsVec (eight cells a step where
	// the CPU has AVX2, the same operations lane by lane, so the same
	// bits), the rest by omlsaGain.
	k := omlsaGainsVec(s)
	for ; k < s.cells; k++ {
		s.gain[k], s.prevClean[k] = omlsaGain(s.xi[k], s.gamma[k], s.cellBand[k], s.local[k], s.pow[k])
	}
}

// lnFloor is ln(gainFloor).
var lnFloor = float32(math.Log(gainFloor))

// omlsaGain is one cell's OM-LSA gain and |Â|² (for the next frame's
// decision-directed rule) from its a-priori SNR xi, a-posteriori SNR g,
// its band's speech presence bv, local smoothed a-priori SNR and power.
func omlsaGain(xi, g, bv, local, pow float32) (gain, clean float32) {
	var pa float32
	if bv > 0 {
		pa = presence(local) * bv
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
		gain = gh1
	case ppres < 0.005:
		gain = gainFloor
	default:
		gain = fastExp(ppres*lnG + (1-ppres)*lnFloor)
	}
	return gain, gh1 * gh1 * pow
}

// smoothBands pulls each bin's gain toward the mean gain of its ERB band, so
// lone cells that noise pushed up (or down) do not stand out as musical
// tones.
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

// presenceScale is 1/ln(zetaMax/zetaMin).
var presenceScale = float32(1 / math.Log(zetaMax/zetaMin))

// presence maps a smoothed a-priori SNR to a speech presence likelihood
// between 0 (below zetaMin) and 1 (above zetaMax), log-linear in between.
func presence(z float32) float32 {
	switch {
	case z <= zetaMin:
		return 0
	case z >= zetaMax:
		return 1
	}
	return fastLog(z*(1/zetaMin)) * presenceScale
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

package rnnoise

import (
	"fmt"
	"math"
	"math/cmplx"
	"os"
	"sync"

	"github.com/meet-dev/meet/audio/denoise/internal/fft"
	"github.com/meet-dev/meet/audio/denoise/internal/vec"
)

// NativeModel is RNNoise's network with its weights read from the npm
// package's rnnoise.wasm data (the same file Load runs under wazero), run
// by pure Go: the feature extraction, pitch filter and network follow the
// RNNoise paper and are checked frame by frame against the WebAssembly
// build (TestNativeMatchesWASM). It is safe for concurrent use; each
// NativeDenoiser has its own state.
type NativeModel struct {
	net  *network
	path string

	window   [windowSize]float32 // RNNoise's half window, then the same backwards
	dctTable [nbBands * nbBands]float32
}

const (
	frameSize  = FrameSize
	windowSize = 2 * frameSize
	freqSize   = frameSize + 1
	nbBands    = 22
	cepsMem    = 8
	nbDelta    = 6
	nbFeatures = nbBands + 3*nbDelta + 2 // 42
)

// eband5ms are the 22 band edges in units of 200 Hz (4 bins of 50 Hz).
var eband5ms = [nbBands]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 34, 40, 48, 60, 78, 100}

// bandFrac[k] is bin k's position in its band, j/size, for the triangular
// band weights (a table: the divisions cost more than the rest of a band
// pass).
var bandFrac = func() (f [freqSize]float32) {
	for i := range nbBands - 1 {
		lo := eband5ms[i] << 2
		size := (eband5ms[i+1] - eband5ms[i]) << 2
		for j := range size {
			f[lo+j] = float32(j) / float32(size)
		}
	}
	return f
}()

// interpBins is the bins interpBandGain interpolates (the rest get 0);
// every band is a whole number of groups of four bins.
const interpBins = 400

// bandOneMinusFrac[k] is 1 − bandFrac[k], as interpBandGain's float32
// expression computes it; groupBand[q] is the band of bins 4q … 4q+3.
var (
	bandOneMinusFrac [interpBins]float32
	groupBand        [interpBins / 4]int32
)

func init() {
	for k := range bandOneMinusFrac {
		bandOneMinusFrac[k] = 1 - bandFrac[k]
	}
	for i := range nbBands - 1 {
		for k := eband5ms[i] << 2; k < eband5ms[i+1]<<2; k += 4 {
			groupBand[k/4] = int32(i)
		}
	}
}

// LoadNative reads the model from the rnnoise.wasm at path.
func LoadNative(path string) (*NativeModel, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rnnoise: %w", err)
	}
	m, err := NewNativeModel(bin)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.path = path
	return m, nil
}

// NewNativeModel reads the model from the bytes of a rnnoise.wasm.
func NewNativeModel(wasm []byte) (*NativeModel, error) {
	mem, err := wasmMemory(wasm)
	if err != nil {
		return nil, err
	}
	net, err := parseNetwork(mem)
	if err != nil {
		return nil, err
	}
	m := &NativeModel{net: net}
	for i := range frameSize {
		s := math.Sin(.5 * math.Pi * (float64(i) + .5) / frameSize)
		w := float32(math.Sin(.5 * math.Pi * s * s))
		m.window[i], m.window[windowSize-1-i] = w, w
	}
	for i := range nbBands {
		for j := range nbBands {
			v := math.Cos((float64(i) + .5) * float64(j) * math.Pi / nbBands)
			if j == 0 {
				v *= math.Sqrt(.5)
			}
			m.dctTable[i*nbBands+j] = float32(v)
		}
	}
	return m, nil
}

var (
	nativeOnce  sync.Once
	nativeModel *NativeModel
	nativeErr   error
)

// DefaultNative returns the model read from Find's rnnoise.wasm, once per
// process.
func DefaultNative() (*NativeModel, error) {
	nativeOnce.Do(func() {
		p, err := Find()
		if err != nil {
			nativeErr = err
			return
		}
		nativeModel, nativeErr = LoadNative(p)
	})
	return nativeModel, nativeErr
}

// Path is the file the model was read from.
func (m *NativeModel) Path() string { return m.path }

// NativeDenoiser is one RNNoise state run in Go. It is not safe for
// concurrent use.
type NativeDenoiser struct {
	m   *NativeModel
	fft *fft.Real

	analysisMem  [frameSize]float32
	cepstralMem  [cepsMem][nbBands]float32
	memID        int
	synthesisMem [frameSize]float32
	pitchBuf     [pitchBufSize]float32
	lastGain     float32
	lastPeriod   int
	memHP        [2]float32
	lastG        [nbBands]float32
	noHold       bool // SetGainHold(false): the band gains fall as fast as the network says
	rnn          rnnState

	// scratch
	x, pw       [windowSize]float32
	X, P, dry   [freqSize]complex64
	ex, ep, exp [nbBands]float32
	features    [nbFeatures]float32
	g           [nbBands]float32
	gf          [freqSize]float32
	lp          [pitchBufSize/2 + 16]float32 // lp[:pitchBufSize/2], then room for pitchDownsample's xcorr
	ps          pitchScratch
	buf         [frameSize]float32
	spectra     Spectra
}

// New returns a fresh denoiser.
func (m *NativeModel) New() (*NativeDenoiser, error) {
	f, err := fft.NewReal(windowSize)
	if err != nil {
		return nil, err
	}
	return &NativeDenoiser{m: m, fft: f}, nil
}

// Reset drops the audio the state holds: the analysis and synthesis
// overlap, the pitch history and the pitch filter's memory, and the
// high-pass filter's. The network's recurrent state, the cepstral history
// and the last band gains (what it has learned of the noise) are kept.
func (d *NativeDenoiser) Reset() {
	clear(d.analysisMem[:])
	clear(d.synthesisMem[:])
	clear(d.pitchBuf[:])
	d.lastGain, d.lastPeriod = 0, 0
	d.memHP = [2]float32{}
}

// SetGainHold turns RNNoise's gain hold on (the default, as xiph/rnnoise
// and the npm package do it) or off. With the hold, a band's gain falls by
// at most 0.6 a frame (about 4.4 dB each 10 ms), so noise passes for a few
// frames after speech stops; without it each frame takes the gains the
// network gives. The hybrid turns it off (see denoise.Hybrid): its dry
// and our shares already carry the speech tails the hold protects.
func (d *NativeDenoiser) SetGainHold(on bool) { d.noHold = !on }

// Close does nothing; it is there so NativeDenoiser and Denoiser can stand
// for each other.
func (d *NativeDenoiser) Close() error { return nil }

// Process denoises one 480-sample frame in place (samples in [-1, 1]) and
// returns the voice activity probability, like Denoiser.Process. The
// output lags the input by one frame.
func (d *NativeDenoiser) Process(frame []float32) (vad float32, err error) {
	return d.ProcessWith(frame, nil)
}

// Spectra is one frame between RNNoise's analysis and its synthesis, as a
// Post stage sees it. Both spectra are of the last two frames (the
// high-passed input at 16-bit scale) under RNNoise's window, scaled by
// 1/960: Scale is the factor from a spectrum of the same samples in [-1, 1]
// (same window, unscaled transform) to these.
type Spectra struct {
	// In is the newest frame, high-passed, at 16-bit scale.
	In []float32
	// Dry is the analysed spectrum, before the pitch filter.
	Dry []complex64
	// Out is RNNoise's output (pitch-filtered, band gains applied; Dry's
	// values where the frame is silence). The stage may rewrite it: it is
	// what is synthesised.
	Out []complex64
	// VAD is the network's voice activity probability (0 in silence).
	VAD float32
}

// Scale is Spectra's amplitude scale over an unscaled transform of samples
// in [-1, 1]: 32768/960.
const Scale = 32768.0 / windowSize

// Post works on a frame's spectra between RNNoise's analysis and its
// synthesis (see ProcessWith).
type Post interface {
	PostSpectra(s *Spectra)
}

// ProcessWith is Process with post run on the frame's spectra before the
// synthesis, so a stage beside RNNoise can share its analysis and its
// inverse transform. A nil post is Process.
func (d *NativeDenoiser) ProcessWith(frame []float32, post Post) (vad float32, err error) {
	if len(frame) != FrameSize {
		return 0, fmt.Errorf("%w: got %d", ErrFrameSize, len(frame))
	}
	// RNNoise works on 16-bit sample values; a 2nd-order high-pass removes
	// DC and rumble first.
	const a0, a1, b0, b1 = hpA0, hpA1, hpB0, hpB1
	in := &d.buf
	m0, m1 := d.memHP[0], d.memHP[1]
	vec.Finite(in[:], frame) // NaN, ±Inf (and beyond ±1e30) as silence
	for i, v := range in {
		xi := v * 32768
		yi := xi + m0
		m0 = float32(float64(m1) + (float64(b0)*float64(xi) - float64(a0)*float64(yi)))
		m1 = float32(float64(b1)*float64(xi) - float64(a1)*float64(yi))
		in[i] = yi
	}
	d.memHP[0], d.memHP[1] = m0, m1

	X := &d.X
	silence := d.analyse(in[:])
	if post != nil {
		d.dry = *X
	}
	if !silence {
		vad = d.m.net.run(&d.rnn, d.g[:], d.features[:])
		d.pitchFilter()
		for i := range d.g {
			if !d.noHold {
				d.g[i] = max(d.g[i], .6*d.lastG[i])
			}
			d.lastG[i] = d.g[i]
		}
		interpBandGain(d.gf[:], d.g[:])
		// Not vec.MulBins: where both a bin and its gain are NaN (absurd
		// input), this loop as compiled keeps the gain's NaN in the
		// imaginary part, and the output keeps every bit only so.
		for i := range X {
			X[i] = complex(real(X[i])*d.gf[i], imag(X[i])*d.gf[i])
		}
	}
	if post != nil {
		d.spectra = Spectra{In: in[:], Dry: d.dry[:], Out: X[:], VAD: vad}
		post.PostSpectra(&d.spectra)
	}
	d.synthesis(frame)
	return vad, nil
}

// The high-pass RNNoise runs its input through: (1 + b0·z⁻¹ + b1·z⁻²) /
// (1 + a0·z⁻¹ + a1·z⁻²).
const (
	hpA0, hpA1 = float32(-1.99599), float32(0.99600)
	hpB0, hpB1 = float32(-2), float32(1)
)

// Unfilter is, for each of Spectra's bins, the inverse of the high-pass's
// frequency response (1 where the response is below 1/2, under about
// 20 Hz): Dry times it is the spectrum of the input as it was before the
// high-pass, whose phase shift is still 0.3 rad at 100 Hz and 0.15 at
// 200 Hz, enough to cost a mix with the dry input segmental SNR.
func Unfilter() []complex64 {
	c := make([]complex64, freqSize)
	for k := range c {
		z := cmplx.Exp(complex(0, -2*math.Pi*float64(k)/windowSize)) // z⁻¹
		h := (1 + complex(float64(hpB0), 0)*z + complex(float64(hpB1), 0)*z*z) /
			(1 + complex(float64(hpA0), 0)*z + complex(float64(hpA1), 0)*z*z)
		c[k] = 1
		if cmplx.Abs(h) >= 0.5 {
			c[k] = complex64(1 / h)
		}
	}
	return c
}

// transform windows x (two frames) in place and writes its spectrum,
// scaled by 1/960 as RNNoise's forward transform is, to X.
func (d *NativeDenoiser) transform(X *[freqSize]complex64, x *[windowSize]float32) {
	vec.Mul(x[:], d.m.window[:])
	d.fft.Forward(X[:], x[:])
	vec.ScaleBins(X[:], 1.0/windowSize)
}

func (d *NativeDenoiser) synthesis(out []float32) {
	x := &d.x
	X := &d.X
	vec.ScaleBins(X[:], windowSize)
	d.fft.Inverse(x[:], X[:])
	vec.Mul(x[:], d.m.window[:])
	// (x + the last frame's tail)/32768, limited to [−1, 1] with NaN kept.
	vec.AddScaleClamp(out[:frameSize], x[:frameSize], d.synthesisMem[:], 1.0/32768)
	copy(d.synthesisMem[:], x[frameSize:])
}

// bandCross is each band's sum of Re(X·conj(P)) (with P = X, its energy),
// every bin shared between the two nearest band centres by the triangular
// weights. The sums run in local variables (the same additions in the same
// order as into sum[i] and sum[i+1], without a store and reload per bin).
func bandCross(e []float32, X, P []complex64) {
	var sum [nbBands]float32
	var carry float32 // band i+1's share of band i's bins
	for i := range nbBands - 1 {
		lo := eband5ms[i] << 2
		size := (eband5ms[i+1] - eband5ms[i]) << 2
		acc, next := carry, float32(0)
		for j := range size {
			frac := bandFrac[lo+j]
			x, p := X[lo+j], P[lo+j]
			t := real(x) * real(p)
			t += imag(x) * imag(p)
			acc += (1 - frac) * t
			next += frac * t
		}
		sum[i], carry = acc, next
	}
	closeBands(e, &sum, carry)
}

// closeBands finishes a band-sum pass: the last band gets the share
// carried from the one before, the two edge bands (which have bins on one
// side only) count double, and the sums go to e.
func closeBands(e []float32, sum *[nbBands]float32, carry float32) {
	sum[nbBands-1] = carry
	sum[0] *= 2
	sum[nbBands-1] *= 2
	copy(e, sum[:])
}

// bandSums is bandCross(ex, X, X), bandCross(ep, P, P) and bandCross(exp,
// X, P) in one pass over the bins. Each band sum gets the same additions in
// the same order as bandCross's, so the results are the same bits; the
// three chains of dependent additions now overlap instead of running one
// after another (each bin's add waited on the last: latency, not work, set
// their time).
func bandSums(ex, ep, exp []float32, X, P []complex64) {
	var sx, sp, sxp [nbBands]float32
	var cx, cp, cxp float32 // band i+1's shares of band i's bins
	for i := range nbBands - 1 {
		lo := eband5ms[i] << 2
		size := (eband5ms[i+1] - eband5ms[i]) << 2
		ax, nx := cx, float32(0)
		ap, np := cp, float32(0)
		axp, nxp := cxp, float32(0)
		fr := bandFrac[lo : lo+size]
		xs, ps := X[lo:lo+size], P[lo:lo+size]
		for j := range fr {
			frac := fr[j]
			w := 1 - frac
			x, p := xs[j], ps[j]
			tx := real(x) * real(x)
			tx += imag(x) * imag(x)
			tp := real(p) * real(p)
			tp += imag(p) * imag(p)
			txp := real(x) * real(p)
			txp += imag(x) * imag(p)
			ax += w * tx
			nx += frac * tx
			ap += w * tp
			np += frac * tp
			axp += w * txp
			nxp += frac * txp
		}
		sx[i], cx = ax, nx
		sp[i], cp = ap, np
		sxp[i], cxp = axp, nxp
	}
	closeBands(ex, &sx, cx)
	closeBands(ep, &sp, cp)
	closeBands(exp, &sxp, cxp)
}

// interpBandGain spreads 22 band values over the 481 bins, linearly
// between band centres; bins from 20 kHz up get 0.
func interpBandGain(g []float32, band []float32) {
	if interpVec(g, band) {
		clear(g[eband5ms[nbBands-1]<<2:])
		return
	}
	interpBandGainGo(g, band)
}

// interpBandGainGo is interpBandGain one bin at a time.
func interpBandGainGo(g []float32, band []float32) {
	for i := range nbBands - 1 {
		lo := eband5ms[i] << 2
		size := (eband5ms[i+1] - eband5ms[i]) << 2
		for j := range size {
			frac := bandFrac[lo+j]
			g[lo+j] = (1-frac)*band[i] + frac*band[i+1]
		}
	}
	clear(g[eband5ms[nbBands-1]<<2:])
}

func (d *NativeDenoiser) dct(out, in []float32) {
	t := &d.m.dctTable
	for i := range nbBands {
		var s float32
		for j := range nbBands {
			s += in[j] * t[j*nbBands+i]
		}
		out[i] = float32(float64(s) * math.Sqrt(2./22))
	}
}

// analyse fills d.X, d.P, d.ex, d.ep, d.exp and d.features for one
// high-passed frame; it reports silence (no audio worth running the
// network on).
func (d *NativeDenoiser) analyse(in []float32) (silence bool) {
	x := &d.x
	copy(x[:frameSize], d.analysisMem[:])
	copy(x[frameSize:], in)
	copy(d.analysisMem[:], in)
	d.transform(&d.X, x)

	copy(d.pitchBuf[:], d.pitchBuf[frameSize:])
	copy(d.pitchBuf[pitchBufSize-frameSize:], in)
	lp := d.lp[:pitchBufSize/2]
	pitchDownsample(d.pitchBuf[:], lp)
	idx := pitchSearch(&d.ps, lp[pitchMaxPeriod>>1:], lp, pitchFrameSize, pitchMaxPeriod-3*pitchMinPeriod)
	idx = pitchMaxPeriod - idx
	idx, gain := removeDoubling(&d.ps, lp, pitchMaxPeriod, pitchMinPeriod, pitchFrameSize, idx, d.lastPeriod, d.lastGain)
	d.lastPeriod, d.lastGain = idx, gain

	p := &d.pw
	copy(p[:], d.pitchBuf[pitchBufSize-windowSize-idx:])
	d.transform(&d.P, p)
	bandSums(d.ex[:], d.ep[:], d.exp[:], d.X[:], d.P[:])
	for i := range d.exp {
		d.exp[i] = float32(float64(d.exp[i]) / math.Sqrt(.001+float64(d.ex[i]*d.ep[i])))
	}
	f := d.features[:]
	var tmp [nbBands]float32
	d.dct(tmp[:], d.exp[:])
	copy(f[nbBands+2*nbDelta:nbBands+3*nbDelta], tmp[:nbDelta])
	f[nbBands+2*nbDelta] = float32(float64(f[nbBands+2*nbDelta]) - 1.3)
	f[nbBands+2*nbDelta+1] = float32(float64(f[nbBands+2*nbDelta+1]) - 0.9)
	f[nbBands+3*nbDelta] = float32(.01 * float64(idx-300))

	var ly [nbBands]float32
	logMax, follow := float32(-2), float32(-2)
	var e float32
	for i := range nbBands {
		ly[i] = float32(math.Log10(1e-2 + float64(d.ex[i])))
		ly[i] = max(logMax-7, max(follow-1.5, ly[i]))
		logMax = max(logMax, ly[i])
		follow = max(follow-1.5, ly[i])
		e += d.ex[i]
	}
	if e < 0.04 { // no audio: leave the state alone
		clear(f)
		return true
	}
	d.dct(f[:nbBands], ly[:])
	f[0] -= 12
	f[1] -= 4
	c0 := &d.cepstralMem[d.memID]
	c1 := &d.cepstralMem[(d.memID+cepsMem-1)%cepsMem]
	c2 := &d.cepstralMem[(d.memID+cepsMem-2)%cepsMem]
	copy(c0[:], f[:nbBands])
	d.memID = (d.memID + 1) % cepsMem
	for i := range nbDelta {
		f[i] = c0[i] + c1[i] + c2[i]
		f[nbBands+i] = c0[i] - c2[i]
		f[nbBands+nbDelta+i] = c0[i] - 2*c1[i] + c2[i]
	}
	// Each pair's distance once (the square of c_j − c_i is that of
	// c_i − c_j), each frame's nearest other frame, summed in frame order.
	var minDist [cepsMem]float32
	for i := range minDist {
		minDist[i] = 1e15
	}
	for i := range cepsMem {
		ci := &d.cepstralMem[i]
		for j := i + 1; j < cepsMem; j++ {
			cj := &d.cepstralMem[j]
			var dist float32
			for k := range nbBands {
				t := ci[k] - cj[k]
				dist += t * t
			}
			minDist[i] = min(minDist[i], dist)
			minDist[j] = min(minDist[j], dist)
		}
	}
	var variability float32
	for _, v := range minDist {
		variability += v
	}
	f[nbBands+3*nbDelta+1] = float32(float64(variability)/cepsMem - 2.1)
	return false
}

// pitchFilter mixes the pitch-delayed spectrum P into X per band, as much
// as the network's gain says the band's harmonics were lost, then restores
// each band's energy.
func (d *NativeDenoiser) pitchFilter() {
	var r [nbBands]float32
	for i := range nbBands {
		e, g := d.exp[i], d.g[i]
		if e > g {
			r[i] = 1
		} else {
			r[i] = float32(float64(e*e*(1-g*g)) / (.001 + float64(g*g*(1-e*e))))
		}
		r[i] = float32(math.Sqrt(float64(min(1, max(0, r[i])))))
		r[i] *= float32(math.Sqrt(float64(d.ex[i]) / (1e-8 + float64(d.ep[i]))))
	}
	rf := d.gf[:]
	interpBandGain(rf, r[:])
	X, P := &d.X, &d.P
	for i := range X {
		X[i] = complex(real(X[i])+rf[i]*real(P[i]), imag(X[i])+rf[i]*imag(P[i]))
	}
	var newE, norm [nbBands]float32
	bandCross(newE[:], X[:], X[:]) // the energies
	for i := range nbBands {
		norm[i] = float32(math.Sqrt(float64(d.ex[i]) / (1e-8 + float64(newE[i]))))
	}
	interpBandGain(rf, norm[:])
	for i := range X { // not vec.MulBins: see Process
		X[i] = complex(real(X[i])*rf[i], imag(X[i])*rf[i])
	}
}

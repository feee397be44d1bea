package audio

import (
	"fmt"
	"math"
	"sync"
)

// The resampler is a polyphase windowed-sinc interpolator (Kaiser window).
// A rate pair from→to is reduced to up/down factors L/M; output sample n sits
// at input position n·M/L. Its integer part picks the input window, its
// fractional part (k/L) picks one of L precomputed filter phases. When L is
// large (rates without a useful common divisor) a table of maxPhases phases is
// used with linear interpolation between neighbouring phases.
//
// The low-pass cutoff (its -6 dB point) is at cutoff × the lower of the two
// Nyquist frequencies, so downsampling rejects what would alias and
// upsampling removes images. Two designs: the streaming stage is tuned for
// real time (8 kHz ↔ 48 kHz per call leg: ±0.1 dB to 0.8 × Nyquist, -1.5 dB at
// 3.4 kHz of 4, ≥ 85 dB stop-band from 1.04 × Nyquist); the whole-buffer
// Resample, used offline for guidance files, is longer (flat to 0.85 ×
// Nyquist, ≥ 80 dB stop-band from Nyquist).

type design struct {
	cutoff        float64 // of the lower Nyquist frequency
	zeroCrossings float64 // sinc zero crossings on each side of the centre
	beta          float64 // Kaiser window
}

var (
	realtime = design{cutoff: 0.90, zeroCrossings: 16, beta: 8}
	offline  = design{cutoff: 0.93, zeroCrossings: 40, beta: 10}
)

const maxPhases = 1024 // above this, interpolate between table phases

// filterBank holds the coefficients for one L/M pair. Read-only once built.
type filterBank struct {
	l, m   int       // up, down factors
	mq, mr int       // m / l, m % l: the input step per output
	phases int       // rows in coef (l, or maxPhases+1 when interpolating)
	interp bool      // linear interpolation between rows
	taps   int       // 2·half
	half   int       // input samples on each side
	coef   []float32 // phases × taps
	coefT  []float32 // taps × 6, for upsampling by exactly 6 (8k→48k)
}

type bankKey struct {
	l, m int
	d    design
}

var banks sync.Map // bankKey → *filterBank

func bankFor(l, m int, d design) *filterBank {
	key := bankKey{l, m, d}
	if b, ok := banks.Load(key); ok {
		return b.(*filterBank)
	}
	b, _ := banks.LoadOrStore(key, newFilterBank(l, m, d))
	return b.(*filterBank)
}

func newFilterBank(l, m int, d design) *filterBank {
	fc := d.cutoff * math.Min(1, float64(l)/float64(m)) // of the input Nyquist
	half := int(math.Ceil(d.zeroCrossings / fc))
	b := &filterBank{l: l, m: m, mq: m / l, mr: m % l, half: half, taps: 2 * half, phases: l}
	if l > maxPhases {
		b.interp = true
		b.phases = maxPhases + 1
	}
	b.coef = make([]float32, b.phases*b.taps)
	i0 := Bessel0(d.beta)
	div := l
	if b.interp {
		div = maxPhases
	}
	for p := 0; p < b.phases; p++ {
		frac := float64(p) / float64(div)
		row := b.coef[p*b.taps : (p+1)*b.taps]
		sum := 0.0
		for j := range row {
			// tap j multiplies input x[i-half+1+j]; distance from the output point:
			t := frac + float64(half-1-j)
			v := 0.0
			if r := t / float64(half); r > -1 && r < 1 {
				v = fc * Sinc(fc*t) * Bessel0(d.beta*math.Sqrt(1-r*r)) / i0
			}
			row[j] = float32(v)
			sum += v
		}
		for j := range row { // unity gain at DC for every phase
			row[j] = float32(float64(row[j]) / sum)
		}
	}
	if m == 1 && l == 6 {
		b.coefT = make([]float32, len(b.coef))
		for p := 0; p < l; p++ {
			for j := 0; j < b.taps; j++ {
				b.coefT[j*l+p] = b.coef[p*b.taps+j]
			}
		}
	}
	return b
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// polyphase is the rate converter state shared by the streaming Writer and Resample.
type polyphase struct {
	b    *filterBank
	buf  []float32 // input history; buf[pos] is the current input sample
	pos  int
	frac int // output position within the input sample, in 1/L steps
}

// newPolyphase starts with lead zeros of history before the first input.
func newPolyphase(from, to, lead int, d design) *polyphase {
	g := gcd(from, to)
	b := bankFor(to/g, from/g, d)
	p := &polyphase{b: b, buf: make([]float32, lead, lead+4096), pos: b.half - 1}
	return p
}

// push appends input samples.
func (p *polyphase) push(in PCM16) {
	for _, v := range in {
		p.buf = append(p.buf, float32(v))
	}
}

// pull appends every output sample computable from the history to out.
func (p *polyphase) pull(out PCM16) PCM16 {
	b := p.b
	if b.coefT != nil && p.frac == 0 && !slowPath {
		return p.pullUp6(out)
	}
	buf, pos, frac := p.buf, p.pos, p.frac
	half, taps, l, mq, mr := b.half, b.taps, b.l, b.mq, b.mr
	for pos+half < len(buf) {
		win := buf[pos-half+1 : pos+half+1]
		var acc float32
		if !b.interp {
			acc = dot(win, b.coef[frac*taps:frac*taps+taps])
		} else {
			x := float64(frac) * maxPhases / float64(l)
			k := int(x)
			a := float32(x - float64(k))
			r0 := b.coef[k*taps : k*taps+taps]
			r1 := b.coef[k*taps+taps : k*taps+2*taps]
			acc = (1-a)*dot(win, r0) + a*dot(win, r1)
		}
		out = append(out, round16(acc))
		// Advance by M/L input samples without dividing.
		pos += mq
		frac += mr
		if frac >= l {
			frac -= l
			pos++
		}
	}
	// Keep only the history the next output needs.
	if drop := pos - half + 1; drop > 0 {
		n := copy(buf, buf[drop:])
		buf = buf[:n]
		pos -= drop
	}
	p.buf, p.pos, p.frac = buf, pos, frac
	return out
}

// pullUp6 is pull for upsampling by 6 (8 kHz → 48 kHz, every telephone
// leg): each input position yields six outputs, computed in one pass over
// the window so each input sample is loaded once for six multiply-adds
// (about 1.6× faster than six separate dot products).
func (p *polyphase) pullUp6(out PCM16) PCM16 {
	b := p.b
	buf, pos := p.buf, p.pos
	half, coefT := b.half, b.coefT
	for pos+half < len(buf) {
		win := buf[pos-half+1 : pos+half+1]
		var a0, a1, a2, a3, a4, a5 float32
		c := coefT[:len(win)*6]
		for _, x := range win {
			r := c[:6:6]
			a0 += x * r[0]
			a1 += x * r[1]
			a2 += x * r[2]
			a3 += x * r[3]
			a4 += x * r[4]
			a5 += x * r[5]
			c = c[6:]
		}
		out = append(out, round16(a0), round16(a1), round16(a2), round16(a3), round16(a4), round16(a5))
		pos++
	}
	if drop := pos - half + 1; drop > 0 {
		n := copy(buf, buf[drop:])
		buf = buf[:n]
		pos -= drop
	}
	p.buf, p.pos = buf, pos
	return out
}

// slowPath disables pullUp6 (a test compares the two).
var slowPath = false

// round16 rounds to the nearest int16, saturating.
func round16(v float32) int16 {
	switch {
	case v >= 32767:
		return 32767
	case v <= -32768:
		return -32768
	case v < 0:
		return int16(v - 0.5)
	}
	return int16(v + 0.5)
}

func dot(a, b []float32) float32 {
	var s0, s1, s2, s3 float32
	for len(a) >= 4 && len(b) >= 4 {
		s0 += a[0] * b[0]
		s1 += a[1] * b[1]
		s2 += a[2] * b[2]
		s3 += a[3] * b[3]
		a, b = a[4:], b[4:]
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// Resample converts a whole buffer from one rate to another, time-aligned
// (no filter delay) and ending where the input ends: the output has
// ceil(len(in)·to/from) samples. Invalid rates yield nil.
func Resample(in PCM16, fromRate, toRate int) PCM16 {
	if !validRate(fromRate) || !validRate(toRate) {
		return nil
	}
	if fromRate == toRate {
		return append(PCM16(nil), in...)
	}
	p := newPolyphase(fromRate, toRate, 0, offline)
	p.buf = make([]float32, p.b.half-1, p.b.half-1+len(in)+p.b.half)
	p.push(in)
	p.buf = append(p.buf, make([]float32, p.b.half)...) // flush the tail
	n := (len(in)*p.b.l + p.b.m - 1) / p.b.m
	out := p.pull(make(PCM16, 0, n+1))
	return out[:min(n, len(out))]
}

// Resampler is a streaming Writer stage converting to dst's rate.
type Resampler struct {
	dst      Writer
	from, to int
	p        *polyphase
	out      PCM16
}

// NewResampler returns a stage that accepts samples at fromRate and writes
// them to dst at dst.SampleRate(). It keeps its filter state across frames,
// so frames of any size (even one sample) join without clicks. Output lags
// the input by a fixed filter delay (see Resampler.Delay) and, in steady
// state, every input frame of N samples yields N·to/from output samples
// (exactly, when N is a multiple of from/gcd(from,to)).
// When the rates are equal dst itself is returned.
func NewResampler(dst Writer, fromRate int) Writer {
	to := dst.SampleRate()
	if !validRate(fromRate) || !validRate(to) {
		return &errWriter{name: fmt.Sprintf("Resample(%d->%d)", fromRate, to), rate: fromRate,
			err: fmt.Errorf("%w: resample %d -> %d Hz", ErrInvalidRate, fromRate, to)}
	}
	if fromRate == to {
		return dst
	}
	r := &Resampler{dst: dst, from: fromRate, to: to}
	r.p = newPolyphase(fromRate, to, 0, realtime)
	r.p.buf = append(r.p.buf, make([]float32, 2*r.p.b.half-1)...)
	return r
}

// WriteSample resamples s and writes whatever output it completes to dst.
func (r *Resampler) WriteSample(s PCM16) error {
	r.p.push(s)
	r.out = r.p.pull(r.out[:0])
	if len(r.out) == 0 {
		return nil
	}
	return r.dst.WriteSample(r.out)
}

func (r *Resampler) SampleRate() int { return r.from }
func (r *Resampler) String() string {
	return fmt.Sprintf("Resample(%d->%d) -> %s", r.from, r.to, r.dst)
}
func (r *Resampler) Close() error { return r.dst.Close() }

// Delay is the stage's fixed latency in input samples.
func (r *Resampler) Delay() int { return r.p.b.half }

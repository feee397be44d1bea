package rnnoise

import (
	"math"

	"golang.org/x/sys/cpu"
)

// useAVX picks the AVX kernels (two blocks of neurons, 32 lags at a time),
// which give the same bits as the SSE2 ones: the same multiplies and adds
// per lane, only more lanes and more independent sums in flight.
var useAVX = cpu.X86.HasAVX

// useAVX2 picks tansigAVX2 for the network's tanh and sigmoid.
var useAVX2 = cpu.X86.HasAVX2

// tansigAVX2 is tansig (sig = 0) or sigmoid (sig = 1) of n values (a
// multiple of 8), eight a step: each lane does tansig's operations in its
// order, the table read by a gather (out-of-range lanes read entry 0 and
// take ±1 as tansig returns them), so the same bits.
//
//go:noescape
func tansigAVX2(out, in *float32, n int, table *[201]float32, sig int, k *[tansigNConst][8]float32)

// tansigNConst is the number of tansigAVX2's constants (tansigConsts).
const tansigNConst = 10

// tansigConsts are tansig's float32 constants and masks, each eight
// times, in the order of the offsets in matvec_amd64.s.
var tansigConsts = func() (k [tansigNConst][8]float32) {
	bits := math.Float32frombits
	v := [tansigNConst]float32{8, -8, .5, 25, .04, 1, -1, bits(0x80000000), bits(0x7fffffff), 0}
	for i, c := range v {
		for j := range k[i] {
			k[i][j] = c
		}
	}
	return k
}()

// activateVec applies tanh or sigmoid to the whole multiples of 8 of x by
// tansigAVX2 and returns how many it did (0 for ReLU or without AVX2).
func activateVec(net *network, a activation, x []float32) int {
	n := len(x) &^ 7
	if !useAVX2 || n == 0 || (a != actTanh && a != actSigmoid) {
		return 0
	}
	sig := 0
	if a == actSigmoid {
		sig = 1
	}
	tansigAVX2(&x[0], &x[0], n, &net.tanhTable, sig, &tansigConsts)
	return n
}

// matVec2AVX is matVecSSE for two blocks of rowBlock neurons, the second's
// weights stride bytes after the first's.
//
//go:noescape
func matVec2AVX(out, bias, w, x *float32, cols, stride int)

// matVec4AVX is matVec2AVX for four blocks.
//
//go:noescape
func matVec4AVX(out, bias, w, x *float32, cols, stride int)

// xcorr32AVX is xcorr16SSE for 32 lags.
//
//go:noescape
func xcorr32AVX(out, x, y *float32, n int)

// matVecSSE is matVecGeneric for one block of rowBlock neurons: out and
// bias hold 16 values, w cols×16, x cols. SSE2 (every amd64 CPU): four
// neurons a register, multiplied and added lane by lane, so each neuron
// rounds exactly as matVecGeneric's scalar sum does.
//
//go:noescape
func matVecSSE(out, bias, w, x *float32, cols int)

// matVec is matVecGeneric by SSE2, one block of neurons at a time.
func matVec(out []float32, m *matrix, x []float32) {
	const k = rowBlock
	x = x[:m.cols]
	if len(x) == 0 {
		matVecGeneric(out, m, x)
		return
	}
	stride := len(x) * k
	_ = out[len(m.bias)-1]
	_ = m.w[len(m.bias)/k*stride-1]
	b := 0
	if useAVX {
		for ; b+4*k <= len(m.bias); b += 4 * k {
			matVec4AVX(&out[b], &m.bias[b], &m.w[b/k*stride], &x[0], len(x), 4*stride)
		}
		for ; b+2*k <= len(m.bias); b += 2 * k {
			matVec2AVX(&out[b], &m.bias[b], &m.w[b/k*stride], &x[0], len(x), 4*stride)
		}
	}
	for ; b+k <= len(m.bias); b += k {
		matVecSSE(&out[b], &m.bias[b], &m.w[b/k*stride], &x[0], len(x))
	}
}

// xcorr16SSE and xcorr4SSE are xcorrGeneric for 16 and 4 lags: one SSE2
// lane per lag, each summing in order of j as xcorrGeneric does.
//
//go:noescape
func xcorr16SSE(out, x, y *float32, n int)

//go:noescape
func xcorr4SSE(out, x, y *float32, n int)

// xcorr2x8AVX is xcorr16SSE for 8 lags at each of y1 and y2 at once.
//
//go:noescape
func xcorr2x8AVX(out1, out2, x, y1, y2 *float32, n int)

// xcorrPair sets a[k] and b[k] to xcorrGeneric's Σ x[j]·y[lo+j+k] for the
// two places lo1 and lo2, k < 8, in one pass (AVX); false (nothing set)
// where it cannot.
func xcorrPair(a, b *[8]float32, x, y []float32, lo1, lo2 int) bool {
	n := len(x)
	if !useAVX || n == 0 || lo1 < 0 || lo2 < 0 || max(lo1, lo2)+n+7 > len(y) {
		return false
	}
	xcorr2x8AVX(&a[0], &b[0], &x[0], &y[lo1], &y[lo2], n)
	return true
}

// xcorrWide says 16 lags of xcorr cost about what 4 do (one pass of
// xcorr16SSE's independent sums).
const xcorrWide = true

// xcorr is xcorrGeneric by SSE2, 16 then 4 lags at a time.
func xcorr(out, x, y []float32) {
	n := len(x)
	if n == 0 || len(out) == 0 {
		xcorrGeneric(out, x, y)
		return
	}
	_ = y[n+len(out)-2] // every lag's window is inside y
	k := 0
	if useAVX {
		for ; k+32 <= len(out); k += 32 {
			xcorr32AVX(&out[k], &x[0], &y[k], n)
		}
	}
	for ; k+16 <= len(out); k += 16 {
		xcorr16SSE(&out[k], &x[0], &y[k], n)
	}
	if r := len(out) - k; r > 4 && k+n+15 <= len(y) {
		// 5-15 lags left (the fine pitch search's 5): one pass of 16
		// independent sums is quicker than two of 4 waiting on their adds.
		var sixteen [16]float32
		xcorr16SSE(&sixteen[0], &x[0], &y[k], n)
		copy(out[k:], sixteen[:])
		return
	}
	for ; k+4 <= len(out); k += 4 {
		xcorr4SSE(&out[k], &x[0], &y[k], n)
	}
	if k < len(out) && k+n+3 <= len(y) { // 1-3 lags left, and y reaches 4
		var four [4]float32
		xcorr4SSE(&four[0], &x[0], &y[k], n)
		copy(out[k:], four[:])
		return
	}
	xcorrGeneric(out[k:], x, y[k:])
}

// decimateSSE is pitchDownsample's [1/4 1/2 1/4] decimation for
// 4·groups outputs from lp[0] on, x at the input two samples before lp[0]'s
// centre: the odd and even samples split by SHUFPS, then each lane the Go
// code's operations in its order.
//
//go:noescape
func decimateSSE(lp, x *float32, groups int)

// decimateVec does pitchDownsample's lp[i] for i = 1 … 4·g (every group of
// four whose inputs lie inside x) and returns 4·g.
func decimateVec(lp, x []float32) int {
	n := len(lp)
	g := (n - 1) / 4
	if g == 0 || len(x) < 2*n {
		return 0
	}
	_ = lp[4*g]
	_ = x[2*(4*g)+1]
	decimateSSE(&lp[1], &x[0], g)
	return 4 * g
}

// whitenSSE is whitenAt for the len/4 groups of four outputs of g (g[0]
// at index ≥ 5 of its slice, and the five samples before it readable),
// from the top group down, in place.
//
//go:noescape
func whitenSSE(top *float32, num *[5]float32, groups int)

// whitenVec runs whitenSSE over g (a multiple of 4 long, at least 8
// samples after its slice's start) and reports that it did.
func whitenVec(g []float32, num *[5]float32) bool {
	if len(g) < 4 || len(g)%4 != 0 {
		return false
	}
	whitenSSE(&g[len(g)-4], num, len(g)/4)
	return true
}

// interpSSE is interpBandGain's bins below interpBins, four a step: per
// group q, band a = band[groupBand[q]] and the next b, each bin
// (1−frac)·a + frac·b with the tables' (1−frac) and frac, as the Go code.
//
//go:noescape
func interpSSE(gains, band, omf, frac *float32, grp *int32, groups int)

// interpVec runs interpSSE over the first interpBins bins of g and reports
// that it did.
func interpVec(g, band []float32) bool {
	_ = g[interpBins-1]
	_ = band[nbBands-1]
	interpSSE(&g[0], &band[0], &bandOneMinusFrac[0], &bandFrac[0], &groupBand[0], interpBins/4)
	return true
}

// dot4AVX is dot4 for n (a multiple of 8) samples, eight partial sums a
// lag.
//
//go:noescape
func dot4AVX(out *[4]float32, x, p0, p1, p2, p3 *float32, n int)

// dot4 sets out[i] to the dot product of x with p_i (each at least as
// long as x): by AVX where the CPU has it, the whole multiples of 8 in
// eight partial sums and the rest in order after them.
func dot4(out *[4]float32, x, p0, p1, p2, p3 []float32) {
	n := len(x)
	m := n &^ 7
	if !useAVX || m == 0 {
		dot4Go(out, x, p0, p1, p2, p3)
		return
	}
	_, _, _, _ = p0[n-1], p1[n-1], p2[n-1], p3[n-1]
	dot4AVX(out, &x[0], &p0[0], &p1[0], &p2[0], &p3[0], m)
	for j := m; j < n; j++ {
		v := x[j]
		out[0] += v * p0[j]
		out[1] += v * p1[j]
		out[2] += v * p2[j]
		out[3] += v * p3[j]
	}
}

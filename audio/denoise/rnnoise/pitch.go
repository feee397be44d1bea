package rnnoise

import "math"

// Pitch analysis as RNNoise does it (the paper's Sec. 3.2, which takes
// Opus's open-loop pitch search): a 2x-decimated, LPC-whitened copy of the
// last 36 ms, a coarse search at 4x decimation, a fine one at 2x around the
// two best candidates, then a check for period doubling against the
// previous frame's period. All float32.

const (
	pitchMinPeriod = 60
	pitchMaxPeriod = 768
	pitchFrameSize = 960
	pitchBufSize   = pitchMaxPeriod + pitchFrameSize // 1728
)

// pitchDownsample halves the rate of x (len(x) = 2·len(lp)) with a
// [1/4 1/2 1/4] filter and whitens it with a 4th-order LPC plus a zero.
func pitchDownsample(x, lp []float32) {
	n := len(lp)
	_ = x[2*n-1]
	for i := 1 + decimateVec(lp, x); i < n; i++ {
		lp[i] = .5 * (.5*(x[2*i-1]+x[2*i+1]) + x[2*i])
	}
	lp[0] = .5 * (.5*x[1] + x[0])

	var ac [5]float32
	const lag = 4
	fast := n - lag
	if xcorrWide && cap(lp) >= n+16 {
		// lp has room for xcorr16's window past its end: lags 0-4 in one
		// pass of independent sums (the lags past 4, read from the
		// scratch beyond n, are dropped; lags 0-4 read only lp[:n]).
		var sixteen [16]float32
		xcorr(sixteen[:], lp[:fast], lp[:fast+15])
		copy(ac[:], sixteen[:])
	} else {
		xcorr(ac[:], lp[:fast], lp)
	}
	for k := 0; k <= lag; k++ {
		var d float32
		for i := k + fast; i < n; i++ {
			d += lp[i] * lp[i-k]
		}
		ac[k] += d
	}
	ac[0] *= 1.0001           // noise floor at -40 dB
	for i := 1; i <= 4; i++ { // lag window
		f := .008 * float32(i)
		ac[i] -= ac[i] * f * f
	}
	var lpc [4]float32
	lpcFromAutocorr(lpc[:], ac[:])
	tmp := float32(1)
	for i := range lpc {
		tmp *= .9
		lpc[i] *= tmp
	}
	const c1 = .8
	num := [5]float32{lpc[0] + .8, lpc[1] + c1*lpc[0], lpc[2] + c1*lpc[1], lpc[3] + c1*lpc[2], c1 * lpc[3]}
	whiten(lp, &num)
}

// whiten filters lp in place by the FIR num: lp[i] + num[0]·lp[i-1] + …
// + num[4]·lp[i-5] of the unfiltered samples (zeros before lp[0]), each
// sum in that order. The first 8 outputs are kept aside while the rest
// are computed from the top down (so every input is read before it is
// overwritten), whitenVec's four at a time where it can.
func whiten(lp []float32, num *[5]float32) {
	const head = 8
	n := len(lp)
	if n < head+4 {
		whitenGo(lp, num)
		return
	}
	var first [head]float32 // the outputs whose taps reach before lp
	copy(first[:], lp[:head])
	whitenGo(first[:], num)
	groups := (n - head) / 4
	for i := n - 1; i >= head+4*groups; i-- { // above the groups
		lp[i] = whitenAt(lp, num, i)
	}
	if !whitenVec(lp[head:head+4*groups], num) {
		for i := head + 4*groups - 1; i >= head; i-- {
			lp[i] = whitenAt(lp, num, i)
		}
	}
	copy(lp, first[:])
}

// whitenAt is whiten's output i ≥ 5 from the unfiltered lp.
func whitenAt(lp []float32, num *[5]float32, i int) float32 {
	s := lp[i]
	s += num[0] * lp[i-1]
	s += num[1] * lp[i-2]
	s += num[2] * lp[i-3]
	s += num[3] * lp[i-4]
	s += num[4] * lp[i-5]
	return s
}

// whitenGo is whiten as one forward loop.
func whitenGo(lp []float32, num *[5]float32) {
	var m0, m1, m2, m3, m4 float32
	for i, v := range lp {
		s := v
		s += num[0] * m0
		s += num[1] * m1
		s += num[2] * m2
		s += num[3] * m3
		s += num[4] * m4
		m4, m3, m2, m1, m0 = m3, m2, m1, m0, v
		lp[i] = s
	}
}

// lpcFromAutocorr is the Levinson-Durbin recursion, stopping once the
// prediction gain reaches 30 dB.
func lpcFromAutocorr(lpc, ac []float32) {
	p := len(lpc)
	clear(lpc)
	errv := ac[0]
	if ac[0] == 0 {
		return
	}
	for i := range p {
		var rr float32
		for j := range i {
			rr += lpc[j] * ac[i-j]
		}
		rr += ac[i+1]
		r := -rr / errv
		lpc[i] = r
		for j := range (i + 1) >> 1 {
			t1, t2 := lpc[j], lpc[i-1-j]
			lpc[j] = t1 + r*t2
			lpc[i-1-j] = t2 + r*t1
		}
		errv -= r * r * errv
		if errv < .001*ac[0] {
			return
		}
	}
}

// findBestPitch keeps the two lags of xcorr with the highest normalised
// correlation against y's energy over a len-sample window.
func findBestPitch(xcorr, y []float32, n, maxPitch int, best *[2]int) {
	syy := float32(1)
	for j := range n {
		syy += y[j] * y[j]
	}
	bestNum := [2]float32{-1, -1}
	var bestDen [2]float32
	*best = [2]int{0, 1}
	for i := range maxPitch {
		if xcorr[i] > 0 {
			x16 := xcorr[i] * 1e-12
			num := x16 * x16
			if num*bestDen[1] > bestNum[1]*syy {
				if num*bestDen[0] > bestNum[0]*syy {
					bestNum[1], bestDen[1], best[1] = bestNum[0], bestDen[0], best[0]
					bestNum[0], bestDen[0], best[0] = num, syy, i
				} else {
					bestNum[1], bestDen[1], best[1] = num, syy, i
				}
			}
		}
		syy += y[i+n]*y[i+n] - y[i]*y[i]
		// max(1, syy) as a compare (NaN stays NaN as with max): Go's
		// float max is a chain of five instructions, and syy's update is
		// the loop's critical path.
		if syy < 1 {
			syy = 1
		}
	}
}

// pitchScratch holds pitchSearch's buffers.
type pitchScratch struct {
	x4    [pitchFrameSize >> 2]float32
	y4    [(pitchFrameSize + pitchMaxPeriod - 3*pitchMinPeriod) >> 2]float32
	xcorr [(pitchMaxPeriod - 3*pitchMinPeriod) >> 1]float32
	yy    [pitchMaxPeriod/2 + 1]float32
}

// pitchSearch returns the best lag (at the 2x-decimated rate's double,
// i.e. in full-rate samples, before doubling checks) of y against x.
func pitchSearch(sc *pitchScratch, x, y []float32, n, maxPitch int) int {
	lag := n + maxPitch
	x4, y4 := sc.x4[:n>>2], sc.y4[:lag>>2]
	for j := range x4 {
		x4[j] = x[2*j]
	}
	for j := range y4 {
		y4[j] = y[2*j]
	}
	xc := xcorr
	xcorr := sc.xcorr[:maxPitch>>1]
	xc(xcorr[:maxPitch>>2], x4, y4) // coarse, 4x decimation
	var best [2]int
	findBestPitch(xcorr, y4, n>>2, maxPitch>>2, &best)
	clear(xcorr) // fine, 2x decimation, near the two best
	var near [2][8]float32
	var lo, hi [2]int
	for i, b := range best {
		lo[i], hi[i] = max(0, 2*b-2), min(maxPitch>>1, 2*b+3)
	}
	if !xcorrPair(&near[0], &near[1], x[:n>>1], y, lo[0], lo[1]) {
		for i := range best {
			xc(near[i][:hi[i]-lo[i]], x[:n>>1], y[lo[i]:])
		}
	}
	for i := range best {
		for k, v := range near[i][:hi[i]-lo[i]] {
			xcorr[lo[i]+k] = max(-1, v)
		}
	}
	findBestPitch(xcorr, y, n>>1, maxPitch>>1, &best)
	offset := 0
	if b := best[0]; b > 0 && b < (maxPitch>>1)-1 { // pseudo-interpolation
		a, m, c := xcorr[b-1], xcorr[b], xcorr[b+1]
		switch {
		case c-a > .7*(m-a):
			offset = 1
		case a-c > .7*(m-c):
			offset = -1
		}
	}
	return 2*best[0] - offset
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

var secondCheck = [16]int{0, 0, 3, 2, 3, 2, 5, 2, 3, 2, 3, 2, 5, 2, 3, 2}

func pitchGain(xy, xx, yy float32) float32 {
	return xy / float32(math.Sqrt(float64(1+xx*yy)))
}

// removeDoubling checks whether a submultiple of the period t0 (full-rate
// samples) correlates about as well, favouring the previous frame's period,
// and returns the period chosen and its gain. x is the 2x-decimated signal,
// maxPeriod/2 samples of history then n/2 of the frame.
func removeDoubling(sc *pitchScratch, x []float32, maxPeriod, minPeriod, n, t0, prevPeriod int, prevGain float32) (int, float32) {
	minPeriod0 := minPeriod
	maxPeriod /= 2
	minPeriod /= 2
	t0 /= 2
	prevPeriod /= 2
	n /= 2
	if t0 >= maxPeriod {
		t0 = maxPeriod - 1
	}
	// at(i) is x[maxPeriod+i] of the C code's shifted pointer; i may be < 0.
	base := maxPeriod
	cur := x[base : base+n]
	past := func(t int) []float32 { return x[base-t : base-t+n] }

	t := t0
	var xs [4]float32 // xx, xy by dot4 (two lanes spare)
	dot4(&xs, cur, cur, past(t0), cur, cur)
	xx, xy := xs[0], xs[1]
	yyl := sc.yy[:maxPeriod+1]
	yyl[0] = xx
	yy := xx
	for i := 1; i <= maxPeriod; i++ {
		a, b := x[base-i], x[base+n-i]
		yy = yy + a*a - b*b
		v := yy
		if v <= 0 { // max(0, yy): −0 and negatives give +0, NaN stays
			v = 0
		}
		yyl[i] = v
	}
	yy = yyl[t0]
	bestXY, bestYY := xy, yy
	g0 := pitchGain(xy, xx, yy)
	g := g0
	// The candidate periods t1 (and t1b, where a second check looks) of
	// every k first, then all their correlations with cur in one pass:
	// four sums at a time instead of two, each still summed in order.
	var lags [32]int // t1, t1b for k = 2, 3, ...
	nk := 0
	for k := 2; k <= 15; k++ {
		t1 := (2*t0 + k) / (2 * k)
		if t1 < minPeriod {
			break
		}
		var t1b int
		if k == 2 {
			if t1+t0 > maxPeriod {
				t1b = t0
			} else {
				t1b = t0 + t1
			}
		} else {
			t1b = (2*secondCheck[k]*t0 + k) / (2 * k)
		}
		lags[2*nk], lags[2*nk+1] = t1, t1b
		nk++
	}
	var xys [32]float32
	for l := 0; l < 2*nk; l += 4 {
		l0, l1, l2, l3 := lags[l], lags[l+1], lags[min(l+2, 2*nk-1)], lags[min(l+3, 2*nk-1)]
		dot4((*[4]float32)(xys[l:l+4]), cur, past(l0), past(l1), past(l2), past(l3))
	}
	for kk := range nk {
		k := kk + 2
		t1, t1b := lags[2*kk], lags[2*kk+1]
		xy1, xy2 := xys[2*kk], xys[2*kk+1]
		kxy := .5 * (xy1 + xy2)
		kyy := .5 * (yyl[t1] + yyl[t1b])
		g1 := pitchGain(kxy, xx, kyy)
		var cont float32
		switch {
		case abs(t1-prevPeriod) <= 1:
			cont = prevGain
		case abs(t1-prevPeriod) <= 2 && 5*k*k < t0:
			cont = .5 * prevGain
		}
		thresh := max(.3, .7*g0-cont)
		if t1 < 3*minPeriod { // against very short periods
			thresh = max(.4, .85*g0-cont)
		}
		if g1 > thresh {
			bestXY, bestYY, t, g = kxy, kyy, t1, g1
		}
	}
	bestXY = max(0, bestXY)
	pg := float32(1)
	if bestYY > bestXY {
		pg = bestXY / (bestYY + 1)
	}
	var xc [3]float32 // at periods t-1, t, t+1
	xcorr(xc[:], cur, x[base-t-1:])
	xc[0], xc[2] = xc[2], xc[0]
	offset := 0
	switch {
	case xc[2]-xc[0] > .7*(xc[1]-xc[0]):
		offset = 1
	case xc[0]-xc[2] > .7*(xc[1]-xc[2]):
		offset = -1
	}
	pg = min(pg, g)
	period := 2*t + offset
	if period < minPeriod0 {
		period = minPeriod0
	}
	return period, pg
}

// xcorrGeneric is out[k] = Σ x[j]·y[j+k] over j < len(x), for every k <
// len(out), each summed in order of j as the C code's pitch_xcorr does;
// len(y) must be at least len(x)+len(out)-1. Four lags at a time share
// each load of x and keep four independent sums in flight.
func xcorrGeneric(out, x, y []float32) {
	n := len(x)
	if len(out) == 0 {
		return
	}
	y = y[:n+len(out)-1]
	k := 0
	for ; k+4 <= len(out); k += 4 {
		var s0, s1, s2, s3 float32
		yk := y[k : k+n+3]
		for j, v := range x {
			w := yk[j : j+4 : j+4]
			s0 += float32(v * w[0])
			s1 += float32(v * w[1])
			s2 += float32(v * w[2])
			s3 += float32(v * w[3])
		}
		out[k], out[k+1], out[k+2], out[k+3] = s0, s1, s2, s3
	}
	for ; k < len(out); k++ {
		var s float32
		for j, v := range x {
			s += float32(v * y[j+k])
		}
		out[k] = s
	}
}

// dot4Go is dot4 in Go, in the AVX kernel's order of additions, so every
// CPU gets the same sums: the whole multiples of 8 in eight partial sums
// (lane k takes j ≡ k mod 8), added pairwise as the kernel's reduction
// does, ((a0+a4)+(a1+a5))+((a2+a6)+(a3+a7)), then the tail in order. The
// float32 conversions keep compilers that fuse multiply-adds from fusing
// these (the kernel multiplies and adds apart).
func dot4Go(out *[4]float32, x, p0, p1, p2, p3 []float32) {
	n := len(x)
	m := n &^ 7
	for i, p := range [4][]float32{p0[:n], p1[:n], p2[:n], p3[:n]} {
		var a [8]float32
		for j := 0; j < m; j += 8 {
			for k := range a {
				a[k] += float32(x[j+k] * p[j+k])
			}
		}
		s := ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]))
		for j := m; j < n; j++ {
			s += float32(x[j] * p[j])
		}
		out[i] = s
	}
}

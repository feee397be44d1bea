// Package vec holds the suppressors' element-wise float32 loops (window,
// scale, per-bin gain) in SSE2 on amd64. Every element is one IEEE float32
// multiply, as in the plain Go loops (mulGo, scaleGo, mulBinsGo) that stand
// in elsewhere, so the results are the same bits on every path.
package vec

// Mul sets x[i] *= w[i] for i < len(x); len(w) must be at least len(x).
func Mul(x, w []float32) {
	n := len(x)
	if n == 0 {
		return
	}
	_ = w[n-1]
	k := mulVec(x, w)
	mulGo(x[k:], w[k:n])
}

// MulTo sets dst[i] = a[i]·b[i] for i < len(dst); a and b must be at
// least as long.
func MulTo(dst, a, b []float32) {
	n := len(dst)
	if n == 0 {
		return
	}
	_, _ = a[n-1], b[n-1]
	k := mulToVec(dst, a, b)
	for i := k; i < n; i++ {
		dst[i] = a[i] * b[i]
	}
}

// Scale sets x[i] *= s.
func Scale(x []float32, s float32) {
	k := scaleVec(x, s)
	scaleGo(x[k:], s)
}

// ScaleBins multiplies both parts of every X[k] by s, as
// complex(real(X[k])·s, imag(X[k])·s).
func ScaleBins(X []complex64, s float32) {
	k := scaleBinsVec(X, s)
	for i := k; i < len(X); i++ {
		X[i] = complex(real(X[i])*s, imag(X[i])*s)
	}
}

// ConjScale sets every X[k] to its conjugate times s, as
// complex(real(X[k])·s, −imag(X[k])·s).
func ConjScale(X []complex64, s float32) {
	k := conjScaleVec(X, s)
	for i := k; i < len(X); i++ {
		X[i] = complex(real(X[i])*s, -imag(X[i])*s)
	}
}

// MulBins multiplies both parts of X[k] by g[k] for k < len(X), as
// complex(real(X[k])·g[k], imag(X[k])·g[k]); len(g) must be at least
// len(X).
func MulBins(X []complex64, g []float32) {
	n := len(X)
	if n == 0 {
		return
	}
	_ = g[n-1]
	k := mulBinsVec(X, g)
	mulBinsGo(X[k:], g[k:n])
}

func mulGo(x, w []float32) {
	w = w[:len(x)]
	for i := range x {
		x[i] *= w[i]
	}
}

func scaleGo(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

func mulBinsGo(X []complex64, g []float32) {
	g = g[:len(X)]
	for i, v := range X {
		X[i] = complex(real(v)*g[i], imag(v)*g[i])
	}
}

// Finite sets dst[i] = src[i] where it is a number of magnitude at most
// 1e30, else 0 (NaN, ±Inf and absurd values become silence), as the
// suppressors' `if v != v || v > 1e30 || v < -1e30 { v = 0 }` does; len(src)
// must be at least len(dst). dst and src may be the same slice.
func Finite(dst, src []float32) {
	n := len(dst)
	if n == 0 {
		return
	}
	_ = src[n-1]
	k := finiteVec(dst, src)
	finiteGo(dst[k:], src[k:n])
}

func finiteGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		if v != v || v > 1e30 || v < -1e30 {
			v = 0
		}
		dst[i] = v
	}
}

// Clamp limits v to [−1, 1]; NaN stays NaN.
func Clamp(v float32) float32 {
	if v > 1 {
		return 1
	}
	if v < -1 {
		return -1
	}
	return v
}

// AddScaleClamp sets dst[i] to (a[i] + b[i])·s limited to [−1, 1] (NaN
// stays NaN); a and b must be at least as long as dst.
func AddScaleClamp(dst, a, b []float32, s float32) {
	n := len(dst)
	if n == 0 {
		return
	}
	_, _ = a[n-1], b[n-1]
	for i := addScaleClampVec(dst, a, b, s); i < n; i++ {
		dst[i] = Clamp((a[i] + b[i]) * s)
	}
}

// MixClamp sets out[i] to r[i] + b·(d[i] − r[i]) + mu·(o[i] − r[i]),
// limited to [−1, 1] (NaN stays NaN), each product and sum rounded in that
// order; r, d and o must be at least as long as out.
func MixClamp(out, r, d, o []float32, b, mu float32) {
	n := len(out)
	if n == 0 {
		return
	}
	_, _, _ = r[n-1], d[n-1], o[n-1]
	for i := mixClampVec(out, r, d, o, b, mu); i < n; i++ {
		v := r[i] + b*(d[i]-r[i])
		v += mu * (o[i] - r[i])
		out[i] = Clamp(v)
	}
}

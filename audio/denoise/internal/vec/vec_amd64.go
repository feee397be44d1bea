package vec

import "unsafe"

// The SSE2 kernels (every amd64 CPU) do n elements, a multiple of 8 (of 4
// for the bins), and the Go wrappers the rest.

//go:noescape
func mulSSE(dst, a, b *float32, n int)

//go:noescape
func scaleSSE(x *float32, s float32, n int)

//go:noescape
func mulBinsSSE(bins *complex64, gain *float32, n int)

//go:noescape
func conjScaleSSE(x *float32, s float32, n int)

func mulVec(x, w []float32) int {
	n := len(x) &^ 7
	if n > 0 {
		mulSSE(&x[0], &x[0], &w[0], n)
	}
	return n
}

func mulToVec(dst, a, b []float32) int {
	n := len(dst) &^ 7
	if n > 0 {
		mulSSE(&dst[0], &a[0], &b[0], n)
	}
	return n
}

func scaleVec(x []float32, s float32) int {
	n := len(x) &^ 7
	if n > 0 {
		scaleSSE(&x[0], s, n)
	}
	return n
}

func scaleBinsVec(X []complex64, s float32) int {
	n := len(X) &^ 3
	if n > 0 {
		scaleSSE((*float32)(unsafe.Pointer(&X[0])), s, 2*n) // the bins' floats, real and imaginary alike
	}
	return n
}

func conjScaleVec(X []complex64, s float32) int {
	n := len(X) &^ 3
	if n > 0 {
		conjScaleSSE((*float32)(unsafe.Pointer(&X[0])), s, 2*n)
	}
	return n
}

func mulBinsVec(X []complex64, g []float32) int {
	n := len(X) &^ 3
	if n > 0 {
		mulBinsSSE(&X[0], &g[0], n)
	}
	return n
}

//go:noescape
func finiteSSE(dst, src *float32, n int)

func finiteVec(dst, src []float32) int {
	n := len(dst) &^ 7
	if n > 0 {
		finiteSSE(&dst[0], &src[0], n)
	}
	return n
}

//go:noescape
func addScaleClampSSE(dst, a, b *float32, s float32, n int)

//go:noescape
func mixClampSSE(out, r, d, o *float32, b, mu float32, n int)

func addScaleClampVec(dst, a, b []float32, s float32) int {
	n := len(dst) &^ 3
	if n > 0 {
		addScaleClampSSE(&dst[0], &a[0], &b[0], s, n)
	}
	return n
}

func mixClampVec(out, r, d, o []float32, b, mu float32) int {
	n := len(out) &^ 3
	if n > 0 {
		mixClampSSE(&out[0], &r[0], &d[0], &o[0], b, mu, n)
	}
	return n
}

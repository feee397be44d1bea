package fft

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

func naiveDFT(x []complex128) []complex128 {
	n := len(x)
	out := make([]complex128, n)
	for k := range n {
		var acc complex128
		for j := range n {
			acc += x[j] * cmplx.Exp(complex(0, -2*math.Pi*float64(j*k)/float64(n)))
		}
		out[k] = acc
	}
	return out
}

func TestFFTMatchesDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 12, 15, 16, 40, 49, 80, 160, 240, 480} {
		f, err := New(n)
		if err != nil {
			t.Fatal(err)
		}
		in := make([]complex64, n)
		ref := make([]complex128, n)
		for i := range in {
			in[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
			ref[i] = complex128(in[i])
		}
		out := make([]complex64, n)
		f.Forward(out, in)
		want := naiveDFT(ref)
		for k := range want {
			if d := cmplx.Abs(complex128(out[k]) - want[k]); d > 1e-4*math.Sqrt(float64(n))*3 {
				t.Fatalf("n=%d bin %d: got %v want %v", n, k, out[k], want[k])
			}
		}
	}
}

func TestRealFFTRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{160, 320, 960} {
		r, err := NewReal(n)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, n)
		ref := make([]complex128, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
			ref[i] = complex(float64(x[i]), 0)
		}
		X := make([]complex64, n/2+1)
		r.Forward(X, x)
		want := naiveDFT(ref)
		for k := range X {
			if d := cmplx.Abs(complex128(X[k]) - want[k]); d > 1e-3 {
				t.Fatalf("n=%d bin %d: got %v want %v", n, k, X[k], want[k])
			}
		}
		y := make([]float32, n)
		r.Inverse(y, X)
		for i := range y {
			if math.Abs(float64(y[i]-x[i])) > 1e-4 {
				t.Fatalf("n=%d sample %d: got %v want %v", n, i, y[i], x[i])
			}
		}
	}
	if _, err := NewReal(7); err == nil {
		t.Fatal("odd real fft size accepted")
	}
}

// TestBfly4SSESameBits: where the radix-2, -3 and -4 butterflies run in
// SSE2 (pairs, the odd last one in Go), they give bfly2/3/4's bits
// exactly (the suppressors' outputs do not depend on the CPU).
func TestBfly4SSESameBits(t *testing.T) {
	if !hasSSE4 {
		t.Log("no SSE2 butterflies on this architecture")
		return
	}
	rng := rand.New(rand.NewPCG(7, 8))
	avxRan := false
	defer func() {
		if hasAVX4 && !avxRan {
			t.Error("the CPU has AVX but no radix-4 stage ran bfly4AVX")
		}
	}()
	for _, n := range []int{8, 12, 16, 30, 48, 90, 240, 480, 960, 1024, 4 * 4 * 7, 4 * 4 * 5 * 3} {
		f, err := New(n)
		if err != nil {
			t.Fatal(err)
		}
		fstride := 1
		for k := 0; k < len(f.factors); k += 2 {
			p, m := f.factors[k], f.factors[k+1]
			if tw := f.sse4[k/2]; tw != nil {
				x := make([]complex64, p*m)
				for i := range x {
					x[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
				}
				y := append([]complex64(nil), x...)
				switch p {
				case 2:
					f.bfly2(x, fstride, m, 0)
					bfly2SSE(&y[0], &tw[0], m)
					f.bfly2(y, fstride, m, m&^1)
				case 3:
					f.bfly3(x, fstride, m, 0)
					bfly3SSE(&y[0], &tw[0], m, imag(f.tw[fstride*m]))
					f.bfly3(y, fstride, m, m&^1)
				case 4:
					z := append([]complex64(nil), x...)
					f.bfly4(x, fstride, m, 0)
					bfly4SSE(&y[0], &tw[0], m, m>>1)
					f.bfly4(y, fstride, m, m&^1)
					// What Forward runs: AVX four at a time where the CPU
					// has it, then SSE2, then Go.
					f.bfly(z, 0, fstride, m, p, k/2)
					if f.avx4[k/2] != nil {
						avxRan = true
					}
					for i := range x {
						if math.Float32bits(real(x[i])) != math.Float32bits(real(z[i])) || math.Float32bits(imag(x[i])) != math.Float32bits(imag(z[i])) {
							t.Fatalf("n %d stage %d (radix 4, m %d) output %d: bfly4 %v, AVX %v", n, k/2, m, i, x[i], z[i])
						}
					}
				}
				for i := range x {
					if math.Float32bits(real(x[i])) != math.Float32bits(real(y[i])) || math.Float32bits(imag(x[i])) != math.Float32bits(imag(y[i])) {
						t.Fatalf("n %d stage %d (radix %d, m %d) output %d: bfly4 %v, SSE2 %v", n, k/2, p, m, i, x[i], y[i])
					}
				}
			}
			fstride *= p
		}
	}
}

// TestRealSSESameBits: Real's per-bin loops in SSE2 give the bits of the
// Go loops they stand in for.
func TestRealSSESameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{4, 6, 10, 20, 24, 28, 160, 320, 480, 960, 1000} {
		r, err := NewReal(n)
		if err != nil {
			t.Fatal(err)
		}
		if hasAVX4 && n >= 20 && (r.post4 == nil || r.pre4 == nil) {
			t.Fatalf("n %d: the CPU has AVX but the quads are not used", n)
		}
		g, sse := *r, *r
		g.post, g.pre, g.post4, g.pre4 = nil, nil, nil, nil // the Go loops only
		sse.post4, sse.pre4 = nil, nil                      // SSE2 pairs, then Go
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		want := make([]complex64, n/2+1)
		g.Forward(want, x)
		for _, v := range []struct {
			name string
			r    *Real
		}{{"AVX, SSE2 and Go", r}, {"SSE2 and Go", &sse}} {
			a := make([]complex64, n/2+1)
			v.r.Forward(a, x)
			for i := range a {
				if math.Float32bits(real(a[i])) != math.Float32bits(real(want[i])) || math.Float32bits(imag(a[i])) != math.Float32bits(imag(want[i])) {
					t.Fatalf("n %d forward (%s) bin %d: %v, Go loop %v", n, v.name, i, a[i], want[i])
				}
			}
			y, z := make([]float32, n), make([]float32, n)
			v.r.Inverse(y, want)
			g.Inverse(z, want)
			for i := range y {
				if math.Float32bits(y[i]) != math.Float32bits(z[i]) {
					t.Fatalf("n %d inverse (%s) sample %d: %v, Go loop %v", n, v.name, i, y[i], z[i])
				}
			}
		}
	}
}

// TestLeaf5SSESameBits: two radix-5 leaves in SSE2 give leaf's bits.
func TestLeaf5SSESameBits(t *testing.T) {
	if !hasSSE4 {
		t.Log("no SSE2 leaves on this architecture")
		return
	}
	rng := rand.New(rand.NewPCG(11, 12))
	f, err := New(480)
	if err != nil {
		t.Fatal(err)
	}
	const stride = 96 // the leaves' input stride in a 480-point transform
	in := make([]complex64, 480)
	for i := range in {
		in[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
	}
	for _, ab := range [][2]int{{0, 32}, {5, 37}, {91, 10}} {
		want := make([]complex64, 10)
		f.leaf(want[:5], in, ab[0], stride)
		f.leaf(want[5:], in, ab[1], stride)
		got := make([]complex64, 10)
		leaf5x2SSE(&got[0], &in[0], ab[0], ab[1], 8*stride, f.tw[stride], f.tw[2*stride])
		for i := range got {
			if math.Float32bits(real(got[i])) != math.Float32bits(real(want[i])) || math.Float32bits(imag(got[i])) != math.Float32bits(imag(want[i])) {
				t.Fatalf("leaves %v output %d: SSE2 %v, leaf %v", ab, i, got[i], want[i])
			}
		}
	}
}

// workRecursive is Forward as it was before the recursion was unrolled
// into f.leaves and f.bflys: the reference TestForwardSameBits holds the
// unrolled one to.
func (f *FFT) workRecursive(out []complex64, o int, in []complex64, i, fstride int, factors []int) {
	p, m := factors[0], factors[1]
	end := o + p*m
	if m == 1 && (p == 4 || p == 5) {
		f.leaf(out[o:end], in, i, fstride)
		return
	}
	if m == 1 {
		for j := o; j < end; j++ {
			out[j] = in[i]
			i += fstride
		}
	} else {
		j := o
		if hasSSE4 && m == 5 && factors[2] == 5 { // leaves of radix 5, two at a time
			cs := fstride * p
			ya, yb := f.tw[cs], f.tw[2*cs]
			for ; j+2*m <= end; j += 2 * m {
				_ = in[i+fstride+4*cs]
				leaf5x2SSE(&out[j], &in[0], i, i+fstride, 8*cs, ya, yb)
				i += 2 * fstride
			}
		}
		for ; j < end; j += m {
			f.workRecursive(out, j, in, i, fstride*p, factors[2:])
			i += fstride
		}
	}
	f.bfly(out, o, fstride, m, p, (len(f.factors)-len(factors))/2)
}

// TestForwardSameBits: Forward (unrolled) gives the recursion's bits.
func TestForwardSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 30))
	for _, n := range []int{2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 16, 20, 30, 40, 49, 60, 80, 120, 160, 240, 320, 480, 960} {
		f, err := New(n)
		if err != nil {
			t.Fatal(err)
		}
		in := make([]complex64, n)
		for i := range in {
			in[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
		}
		if hasSSE4 && (n == 480 || n == 960) {
			// The suppressors' sizes take the whole-stage and all-leaves
			// paths; the recursion below runs block by block.
			whole := 0
			for _, r := range f.runs {
				if r.calls == nil {
					whole++
				}
			}
			if whole < 1 || f.leaf5 == nil {
				t.Fatalf("n=%d: %d whole-stage runs, leaf run %v: the fast paths are not taken", n, whole, f.leaf5 != nil)
			}
		}
		got, want := make([]complex64, n), make([]complex64, n)
		f.Forward(got, in)
		f.workRecursive(want, 0, in, 0, 1, f.factors)
		for k := range want {
			if math.Float32bits(real(got[k])) != math.Float32bits(real(want[k])) || math.Float32bits(imag(got[k])) != math.Float32bits(imag(want[k])) {
				t.Fatalf("n=%d bin %d: %v, recursion %v", n, k, got[k], want[k])
			}
		}
	}
}

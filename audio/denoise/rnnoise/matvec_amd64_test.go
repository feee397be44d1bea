package rnnoise

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSSEKernelsSameBits runs the same-bits tests again on the SSE2
// kernels alone, which machines without AVX use.
func TestSSEKernelsSameBits(t *testing.T) {
	defer func(v bool) { useAVX = v }(useAVX)
	useAVX = false
	TestMatVecSameBits(t)
	TestXcorrSameBits(t)
}

// BenchmarkKernels compares the SSE2 and AVX kernels on the network's
// largest layer (the denoising GRU's gates, 192 × 210) and the coarse pitch
// search (147 lags of 240 samples).
func BenchmarkKernels(b *testing.B) {
	m := newMatrix(192, 210, func(i int) float32 { return .1 }, func(i, j int) float32 { return float32(i-j) / 256 })
	x, out := make([]float32, 210), make([]float32, 192)
	xs, ys, lags := make([]float32, 240), make([]float32, 240+147), make([]float32, 147)
	for _, avx := range []bool{false, true} {
		if avx && !useAVX {
			continue
		}
		name := map[bool]string{false: "sse2", true: "avx"}[avx]
		run := func(b *testing.B, f func()) {
			defer func(v bool) { useAVX = v }(useAVX)
			useAVX = avx
			for b.Loop() {
				f()
			}
		}
		b.Run("matvec/"+name, func(b *testing.B) { run(b, func() { matVec(out, &m, x) }) })
		b.Run("xcorr/"+name, func(b *testing.B) { run(b, func() { xcorr(lags, xs, ys) }) })
	}
}

// TestTansigAVX2SameBits: the AVX2 tanh and sigmoid give tansig's and
// sigmoid's bits over the range the table covers, its edges and beyond
// (±8, infinities, NaN, −0).
func TestTansigAVX2SameBits(t *testing.T) {
	if goFusesMulAdd {
		t.Skip("GOAMD64=v3 fuses multiply-adds in the Go code these bits come from")
	}
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	net := loadNative(t).net
	rng := rand.New(rand.NewPCG(16, 4))
	special := []float32{0, float32(math.Copysign(0, -1)), 8, -8, 7.9999995, -7.9999995, 16, -16, 0.02, -0.02, 0.06, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	const n = 1 << 16
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 6)
		if rng.IntN(8) == 0 {
			x[i] = special[rng.IntN(len(special))]
		}
	}
	for _, sig := range []int{0, 1} {
		out := make([]float32, n)
		tansigAVX2(&out[0], &x[0], n, &net.tanhTable, sig, &tansigConsts)
		for i, v := range x {
			want := net.tansig(v)
			if sig == 1 {
				want = net.sigmoid(v)
			}
			if math.Float32bits(out[i]) != math.Float32bits(want) {
				t.Fatalf("sig %d x %g: AVX2 %g, Go %g", sig, v, out[i], want)
			}
		}
	}
}

// TestDot4AVX checks dot4 (AVX, eight partial sums a lag) against float64
// sums over lengths with and without a tail, and bit for bit against
// dot4Go, which adds in the kernel's order so every CPU gets the same sums.
func TestDot4AVX(t *testing.T) {
	for _, n := range []int{1, 8, 13, 240, 480} {
		x := make([]float32, n)
		p := make([][]float32, 4)
		for i := range x {
			x[i] = float32(math.Sin(float64(i) * 0.37))
		}
		for k := range p {
			p[k] = make([]float32, n+3)
			for i := range p[k] {
				p[k][i] = float32(math.Cos(float64(i*(k+1)) * 0.11))
			}
		}
		var out, ref [4]float32
		dot4(&out, x, p[0], p[1], p[2], p[3])
		dot4Go(&ref, x, p[0], p[1], p[2], p[3])
		for k := range p {
			if math.Float32bits(out[k]) != math.Float32bits(ref[k]) {
				t.Errorf("n %d lag %d: dot4 %v, dot4Go %v: not the same order of additions", n, k, out[k], ref[k])
			}
			var want float64
			for i, v := range x {
				want += float64(v) * float64(p[k][i])
			}
			if d := math.Abs(float64(out[k]) - want); d > 1e-4*(1+math.Abs(want)) {
				t.Errorf("n %d lag %d: %v, want %v", n, k, out[k], want)
			}
		}
	}
}

// TestXcorrPairSameBits: the fine search's two places in one pass
// (xcorrPair) give xcorrGeneric's bits at each, with zeros, −0, huge
// values, infinities and NaN among the samples, and refuses windows that
// y does not hold.
func TestXcorrPairSameBits(t *testing.T) {
	if !useAVX {
		t.Skip("no AVX on this CPU")
	}
	rng := rand.New(rand.NewPCG(16, 9))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e38, -1e38, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for _, n := range []int{1, 7, 8, 240, 480} {
		for range 20 {
			x := make([]float32, n)
			y := make([]float32, n+300)
			for _, v := range [][]float32{x, y} {
				for i := range v {
					v[i] = float32(rng.NormFloat64())
					if rng.IntN(64) == 0 {
						v[i] = special[rng.IntN(len(special))]
					}
				}
			}
			lo1, lo2 := rng.IntN(294), rng.IntN(294)
			var a, b [8]float32
			if !xcorrPair(&a, &b, x, y, lo1, lo2) {
				t.Fatalf("n %d: refused lags %d and %d inside y", n, lo1, lo2)
			}
			for i, p := range []struct {
				got *[8]float32
				lo  int
			}{{&a, lo1}, {&b, lo2}} {
				var want [8]float32
				xcorrGeneric(want[:], x, y[p.lo:])
				for k := range want {
					if math.Float32bits(p.got[k]) != math.Float32bits(want[k]) {
						t.Fatalf("n %d place %d lag %d: pair %v, generic %v", n, i, p.lo+k, p.got[k], want[k])
					}
				}
			}
		}
		var a, b [8]float32
		if xcorrPair(&a, &b, make([]float32, n), make([]float32, n+6), 0, 0) {
			t.Fatalf("n %d: took a window y does not hold", n)
		}
	}
}

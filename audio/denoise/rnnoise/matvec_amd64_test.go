package rnnoise

import "testing"

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

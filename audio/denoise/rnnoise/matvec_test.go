package rnnoise

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatVecSameBits: matVec (SSE2 on amd64) and matVecGeneric give the
// same bits for every layer shape the network has and for odd ones, so
// the network's output does not depend on the architecture.
func TestMatVecSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	for _, sh := range [][2]int{{24, 42}, {48, 48}, {96, 138}, {192, 210}, {22, 96}, {1, 24}, {17, 1}, {5, 3}, {33, 7}} {
		rows, cols := sh[0], sh[1]
		m := newMatrix(rows, cols,
			func(i int) float32 { return float32(rng.IntN(256)-128) / 256 },
			func(i, j int) float32 { return float32(rng.IntN(256)-128) / 256 })
		x := make([]float32, cols)
		for j := range x {
			x[j] = float32(rng.NormFloat64())
		}
		n := len(m.bias)
		a, b := make([]float32, n), make([]float32, n)
		matVec(a, &m, x)
		matVecGeneric(b, &m, x)
		for i := range rows {
			want := m.bias[i]
			for j := range cols {
				want += float32(m.w[(i/rowBlock*cols+j)*rowBlock+i%rowBlock] * x[j])
			}
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) || math.Abs(float64(a[i]-want)) > 1e-5*(1+math.Abs(float64(want))) {
				t.Fatalf("%d×%d row %d: matVec %v, generic %v, in-order sum %v", rows, cols, i, a[i], b[i], want)
			}
		}
	}
}

// TestXcorrSameBits: xcorr (SSE2 on amd64) and xcorrGeneric give the same
// bits, for lag counts that use the 16-, 4- and 1-lag paths.
func TestXcorrSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// n, lags, and how far y reaches beyond the last lag's window (the
	// 16-lag pass for a few lags needs 15 more samples).
	for _, sh := range [][3]int{{240, 147, 0}, {480, 5, 0}, {480, 5, 11}, {480, 5, 20}, {480, 3, 3}, {480, 3, 0}, {864, 5, 0}, {7, 21, 0}, {1, 1, 0}, {0, 4, 0}} {
		n, lags := sh[0], sh[1]
		x := make([]float32, n)
		y := make([]float32, n+lags-1+sh[2])
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for i := range y {
			y[i] = float32(rng.NormFloat64())
		}
		a, b := make([]float32, lags), make([]float32, lags)
		xcorr(a, x, y)
		xcorrGeneric(b, x, y)
		for k := range lags {
			var want float64
			for j := range n {
				want += float64(x[j]) * float64(y[j+k])
			}
			if math.Float32bits(a[k]) != math.Float32bits(b[k]) || math.Abs(float64(a[k])-want) > 1e-4*(1+float64(n)) {
				t.Fatalf("n %d lag %d: xcorr %v, generic %v, float64 sum %v", n, k, a[k], b[k], want)
			}
		}
	}
}

// TestPitchDownsampleSameBits: the decimation (decimateVec, then the Go
// loop for the rest) and whiten (top-down, four at a time) give the plain
// forward loops' bits, on lengths with and without leftovers, with zeros,
// −0, huge values, infinities and NaN among the samples.
func TestPitchDownsampleSameBits(t *testing.T) {
	if goFusesMulAdd {
		t.Skip("GOAMD64=v3 fuses multiply-adds in the Go code these bits come from")
	}
	rng := rand.New(rand.NewPCG(16, 7))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e38, -1e38, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for _, n := range []int{1, 5, 11, 12, 13, 17, 100, 863, 864} {
		x := make([]float32, 2*n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 1000)
			if rng.IntN(32) == 0 {
				x[i] = special[rng.IntN(len(special))]
			}
		}
		got, want := make([]float32, n), make([]float32, n)
		for i := 1 + decimateVec(got, x); i < n; i++ {
			got[i] = .5 * (.5*(x[2*i-1]+x[2*i+1]) + x[2*i])
		}
		for i := 1; i < n; i++ {
			want[i] = .5 * (.5*(x[2*i-1]+x[2*i+1]) + x[2*i])
		}
		for i := 1; i < n; i++ {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n %d: decimated %d: %g, want %g", n, i, got[i], want[i])
			}
		}
		num := [5]float32{float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64()), -0.3}
		if n%3 == 0 {
			num[4] = 0
		}
		copy(got, x[:n])
		copy(want, x[:n])
		whiten(got, &num)
		whitenGo(want, &num)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n %d: whitened %d: %g, want %g", n, i, got[i], want[i])
			}
		}
	}
}

// TestInterpBandGainSameBits: interpBandGain (SSE2 on amd64) gives
// interpBandGainGo's bits over random band values with zeros, −0, huge
// values, infinities and NaN.
func TestInterpBandGainSameBits(t *testing.T) {
	if goFusesMulAdd {
		t.Skip("GOAMD64=v3 fuses multiply-adds in the Go code these bits come from")
	}
	rng := rand.New(rand.NewPCG(16, 8))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e38, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for range 200 {
		var band [nbBands]float32
		for i := range band {
			band[i] = rng.Float32()
			if rng.IntN(8) == 0 {
				band[i] = special[rng.IntN(len(special))]
			}
		}
		var got, want [freqSize]float32
		for i := range got {
			got[i], want[i] = 7, 7
		}
		interpBandGain(got[:], band[:])
		interpBandGainGo(want[:], band[:])
		for k := range want {
			if math.Float32bits(got[k]) != math.Float32bits(want[k]) {
				t.Fatalf("bin %d: %g, want %g (bands %v)", k, got[k], want[k], band)
			}
		}
	}
}

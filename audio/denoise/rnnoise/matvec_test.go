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

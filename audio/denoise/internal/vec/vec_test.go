package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randFloats(rng *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-45, 1e38, -1e38, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * math.Exp(rng.Float64()*20-10))
		if rng.IntN(16) == 0 {
			x[i] = special[rng.IntN(len(special))]
		}
	}
	return x
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d: %g, want %g", what, i, got[i], want[i])
		}
	}
}

// TestSameBits: every helper gives the plain Go loop's bits, for lengths
// with and without a tail, on values with zeros, subnormals, huge values,
// infinities and NaN.
func TestSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 6))
	for _, n := range []int{0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 480, 481, 960, 962} {
		x, w := randFloats(rng, n), randFloats(rng, n+3)
		s := float32(rng.NormFloat64())

		got, want := append([]float32{}, x...), append([]float32{}, x...)
		Mul(got, w)
		for i := range want {
			want[i] *= w[i]
		}
		sameBits(t, "Mul", got, want)

		got = make([]float32, n)
		MulTo(got, x, w)
		sameBits(t, "MulTo", got, want)

		got, want = append([]float32{}, x...), append([]float32{}, x...)
		Scale(got, s)
		for i := range want {
			want[i] *= s
		}
		sameBits(t, "Scale", got, want)

		got, want = make([]float32, n), make([]float32, n)
		y := append([]float32{}, x...)
		for i := range y {
			if rng.IntN(8) == 0 {
				y[i] = []float32{1e30, -1e30, math.Nextafter32(1e30, 2e30), -math.Nextafter32(1e30, 2e30)}[rng.IntN(4)]
			}
		}
		Finite(got, y)
		finiteGo(want, y)
		sameBits(t, "Finite", got, want)
		Finite(y, y) // in place
		sameBits(t, "Finite in place", y, want)

		X := make([]complex64, n/2)
		for i := range X {
			X[i] = complex(x[2*i], x[2*i+1])
		}
		Y := append([]complex64{}, X...)
		ScaleBins(Y, s)
		got, want = make([]float32, 0, n), make([]float32, 0, n)
		for i, v := range X {
			got = append(got, real(Y[i]), imag(Y[i]))
			want = append(want, real(v)*s, imag(v)*s)
		}
		sameBits(t, "ScaleBins", got, want)

		Y = append([]complex64{}, X...)
		MulBins(Y, w)
		got, want = got[:0], want[:0]
		for i, v := range X {
			got = append(got, real(Y[i]), imag(Y[i]))
			want = append(want, real(v)*w[i], imag(v)*w[i])
		}
		sameBits(t, "MulBins", got, want)

		Y = append([]complex64{}, X...)
		ConjScale(Y, s)
		got, want = got[:0], want[:0]
		for i, v := range X {
			got = append(got, real(Y[i]), imag(Y[i]))
			want = append(want, real(v)*s, -imag(v)*s)
		}
		sameBits(t, "ConjScale", got, want)

		a, b := randFloats(rng, n), randFloats(rng, n)
		got, want = make([]float32, n), make([]float32, n)
		AddScaleClamp(got, a, b, s)
		for i := range want {
			want[i] = Clamp((a[i] + b[i]) * s)
		}
		sameBits(t, "AddScaleClamp", got, want)

		o := randFloats(rng, n)
		mu := float32(rng.Float64())
		MixClamp(got, a, b, o, s, mu)
		for i := range want {
			v := (b[i]-a[i])*s + a[i] // the hybrid's compiled order
			v += (o[i] - a[i]) * mu
			want[i] = Clamp(v)
		}
		sameBits(t, "MixClamp", got, want)
		MixClamp(a, a, b, o, s, mu) // out aliasing r, as the hybrid calls it
		sameBits(t, "MixClamp in place", a, want)
	}
}

package denoise

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestOMLSAGainsAVX2SameBits: the AVX2 gain rule gives omlsaGain's bits,
// cell by cell, over the inputs a frame produces and beyond (every branch
// of expint, presence and the gain switch; zeros, huge values, NaN).
func TestOMLSAGainsAVX2SameBits(t *testing.T) {
	if goFusesMulAdd {
		t.Skip("GOAMD64=v3 fuses multiply-adds in the Go code these bits come from")
	}
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	rng := rand.New(rand.NewPCG(16, 2))
	logU := func(lo, hi float64) float32 {
		return float32(math.Exp(math.Log(lo) + rng.Float64()*(math.Log(hi)-math.Log(lo))))
	}
	special := []float32{float32(math.Inf(-1)), -1, 0, float32(math.Copysign(0, -1)), 1e-30, 1e-10, 0.1, 0.316, 1, 40, 80, 1e30, float32(math.Inf(1)), float32(math.NaN())}
	const n = 1 << 16
	in := make([][]float32, 5)
	for i := range in {
		in[i] = make([]float32, n)
	}
	for k := range n {
		in[0][k] = logU(xiMin, 1e4) // xi
		in[1][k] = logU(1e-3, 1e4)  // gamma
		in[2][k] = rng.Float32()    // bv
		in[3][k] = logU(1e-3, 10)   // local
		in[4][k] = logU(1e-12, 1e2) // pow
		if rng.IntN(4) == 0 {
			in[2][k] = 0
		}
		for i := range in {
			if rng.IntN(8) == 0 {
				in[i][k] = special[rng.IntN(len(special))]
			}
		}
	}
	gain, clean := make([]float32, n), make([]float32, n)
	omlsaGainsAVX2(&gain[0], &clean[0], &in[0][0], &in[1][0], &in[2][0], &in[3][0], &in[4][0], n, &omlsaConsts)
	bad := 0
	for k := range n {
		g, c := omlsaGain(in[0][k], in[1][k], in[2][k], in[3][k], in[4][k])
		if math.Float32bits(g) != math.Float32bits(gain[k]) || math.Float32bits(c) != math.Float32bits(clean[k]) {
			if bad++; bad <= 5 {
				t.Errorf("cell %d (xi %g, gamma %g, bv %g, local %g, pow %g): AVX2 %g, %g; Go %g, %g",
					k, in[0][k], in[1][k], in[2][k], in[3][k], in[4][k], gain[k], clean[k], g, c)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d cells differ", bad, n)
	}
}

// TestTrackNoiseAVX2SameBits: trackNoise with the AVX2 kernel gives the
// Go loop's noise and smoothed presence bits, over random states with
// zeros, huge values, infinities and NaN mixed in.
func TestTrackNoiseAVX2SameBits(t *testing.T) {
	if goFusesMulAdd {
		t.Skip("GOAMD64=v3 fuses multiply-adds in the Go code these bits come from")
	}
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	defer func() { useAVX2 = true }()
	rng := rand.New(rand.NewPCG(16, 3))
	special := []float32{float32(math.Inf(-1)), -1, 0, float32(math.Copysign(0, -1)), 1e-30, 1e-12, 0.99, 1, 80, 1e30, float32(math.Inf(1)), float32(math.NaN())}
	for round := range 200 {
		var a, b state
		a.init(48000, 481)
		b.init(48000, 481)
		for i, xs := range [][2][]float32{{a.pow, b.pow}, {a.noise, b.noise}, {a.sppAvg, b.sppAvg}, {a.smooth, b.smooth}} {
			for k := range xs[0] {
				v := float32(math.Exp(rng.Float64()*40 - 30))
				if i == 2 { // sppAvg: a probability, often near sppStuck
					v = rng.Float32()
					if rng.IntN(3) == 0 {
						v = 0.98 + 0.02*rng.Float32()
					}
				}
				if rng.IntN(10) == 0 {
					v = special[rng.IntN(len(special))]
				}
				xs[0][k], xs[1][k] = v, v
			}
		}
		useAVX2 = true
		a.trackNoise()
		useAVX2 = false
		b.trackNoise()
		for k := range a.noise {
			if math.Float32bits(a.noise[k]) != math.Float32bits(b.noise[k]) || math.Float32bits(a.sppAvg[k]) != math.Float32bits(b.sppAvg[k]) {
				t.Fatalf("round %d cell %d: AVX2 noise %g sppAvg %g, Go %g %g", round, k, a.noise[k], a.sppAvg[k], b.noise[k], b.sppAvg[k])
			}
		}
	}
}

// TestOMLSAAVX2SameBits: omlsa with the AVX2 kernels (its SNR loop and the
// gain rule) gives the Go loops' bits in every array it writes, over
// random states with zeros, infinities and NaN mixed in.
func TestOMLSAAVX2SameBits(t *testing.T) {
	if goFusesMulAdd {
		t.Skip("GOAMD64=v3 fuses multiply-adds in the Go code these bits come from")
	}
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	defer func() { useAVX2 = true }()
	rng := rand.New(rand.NewPCG(16, 5))
	special := []float32{float32(math.Inf(-1)), -1, 0, float32(math.Copysign(0, -1)), 1e-30, 1e-12, 0.003, 1, 80, 1e30, float32(math.Inf(1)), float32(math.NaN())}
	for round := range 200 {
		var a, b state
		a.init(48000, 481)
		b.init(48000, 481)
		for _, xs := range [][2][]float32{{a.pow, b.pow}, {a.noise, b.noise}, {a.trNoise, b.trNoise}, {a.prevClean, b.prevClean}, {a.zeta, b.zeta}} {
			for k := range xs[0] {
				v := float32(math.Exp(rng.Float64()*40 - 30))
				if rng.IntN(10) == 0 {
					v = special[rng.IntN(len(special))]
				}
				xs[0][k], xs[1][k] = v, v
			}
		}
		useAVX2 = true
		a.omlsa()
		useAVX2 = false
		b.omlsa()
		for i, xs := range [][2][]float32{{a.gamma, b.gamma}, {a.xi, b.xi}, {a.zeta, b.zeta}, {a.local, b.local}, {a.gain, b.gain}, {a.prevClean, b.prevClean}} {
			for k := range xs[0] {
				if math.Float32bits(xs[0][k]) != math.Float32bits(xs[1][k]) {
					t.Fatalf("round %d array %d cell %d: AVX2 %g, Go %g", round, i, k, xs[0][k], xs[1][k])
				}
			}
		}
	}
}

// TestInterpolateAVX2SameBits: interpolate with the AVX2 kernel gives the
// Go loop's bin gains at 48, 16 and 8 kHz, over random cell gains with
// zeros, −0, huge values, infinities and NaN.
func TestInterpolateAVX2SameBits(t *testing.T) {
	if goFusesMulAdd {
		t.Skip("GOAMD64=v3 fuses multiply-adds in the Go code these bits come from")
	}
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	defer func() { useAVX2 = true }()
	rng := rand.New(rand.NewPCG(16, 9))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e38, -1e38, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for _, rate := range []int{48000, 16000, 8000} {
		for range 100 {
			var a, b state
			a.init(rate, rate/100+1)
			b.init(rate, rate/100+1)
			for k := range a.gain {
				v := rng.Float32()
				if rng.IntN(8) == 0 {
					v = special[rng.IntN(len(special))]
				}
				a.gain[k], b.gain[k] = v, v
			}
			useAVX2 = true
			a.interpolate()
			useAVX2 = false
			b.interpolate()
			for k := range a.binGain {
				if math.Float32bits(a.binGain[k]) != math.Float32bits(b.binGain[k]) {
					t.Fatalf("rate %d bin %d: AVX2 %g, Go %g", rate, k, a.binGain[k], b.binGain[k])
				}
			}
		}
	}
}

package denoise

import (
	"math"

	"golang.org/x/sys/cpu"
)

// useAVX2 picks omlsaGainsAVX2 for the gain rule; without AVX2 omlsaGain
// does every cell.
var useAVX2 = cpu.X86.HasAVX2

// omlsaGainsAVX2 is omlsaGain for n cells (a multiple of 8), eight a step:
// each lane does omlsaGain's operations in the same order (fastExp,
// fastLog, expint and presence inline, every branch computed and the
// taken one selected; min and max with the constant as the first operand
// of MINPS/MAXPS, which keeps NaN and the sign of zero as Go's min and max
// do; no fused multiply-add), so it gives the same bits. k holds the
// constants, each repeated eight times (omlsaConsts).
//
//go:noescape
func omlsaGainsAVX2(gain, clean, xi, gamma, bv, local, pow *float32, n int, k *[omlsaNConst][8]float32)

// omlsaGainsVec runs omlsaGainsAVX2 over the whole multiples of 8 of the
// cells and returns how many it did.
func omlsaGainsVec(s *state) int {
	n := s.cells &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	_ = s.gain[n-1]
	_ = s.prevClean[n-1]
	_ = s.xi[n-1]
	_ = s.gamma[n-1]
	_ = s.cellBand[n-1]
	_ = s.local[n-1]
	_ = s.pow[n-1]
	omlsaGainsAVX2(&s.gain[0], &s.prevClean[0], &s.xi[0], &s.gamma[0], &s.cellBand[0], &s.local[0], &s.pow[0], n, &omlsaConsts)
	return n
}

// trackNoiseAVX2 is trackNoise's loop for n cells (a multiple of 8),
// eight a step, each lane the Go code's operations in its order (as
// omlsaGainsAVX2), so the same bits.
//
//go:noescape
func trackNoiseAVX2(pow, noise, sppAvg, smooth *float32, n int, k *[omlsaNConst][8]float32)

// trackNoiseVec runs trackNoiseAVX2 over the whole multiples of 8 of the
// cells and returns how many it did.
func trackNoiseVec(s *state) int {
	n := s.cells &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	_ = s.pow[n-1]
	_ = s.noise[n-1]
	_ = s.sppAvg[n-1]
	_ = s.smooth[n-1]
	trackNoiseAVX2(&s.pow[0], &s.noise[0], &s.sppAvg[0], &s.smooth[0], n, &omlsaConsts)
	return n
}

// omlsaSNRAVX2 is omlsa's first loop (a-priori and a-posteriori SNR, the
// smoothed a-priori SNR) for n cells (a multiple of 8), eight a step, the
// Go code's operations in its order in each lane, so the same bits.
//
//go:noescape
func omlsaSNRAVX2(pow, noise, trNoise, prevClean, gamma, xi, zeta *float32, n int, k *[omlsaNConst][8]float32)

// omlsaSNRVec runs omlsaSNRAVX2 over the whole multiples of 8 of the
// cells and returns how many it did.
func omlsaSNRVec(s *state) int {
	n := s.cells &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	for _, x := range [][]float32{s.pow, s.noise, s.trNoise, s.prevClean, s.gamma, s.xi, s.zeta} {
		_ = x[n-1]
	}
	omlsaSNRAVX2(&s.pow[0], &s.noise[0], &s.trNoise[0], &s.prevClean[0], &s.gamma[0], &s.xi[0], &s.zeta[0], n, &omlsaConsts)
	return n
}

// localAVX2 is omlsa's local average for cells 1 … n (n a multiple of 8,
// cell n+1 existing): (zeta[k-1] + zeta[k]) + zeta[k+1], divided by 3.
//
//go:noescape
func localAVX2(local, zeta *float32, n int, k *[omlsaNConst][8]float32)

// localVec runs localAVX2 over the cells from 1 that have both
// neighbours, in whole groups of eight, and returns how many it did.
func localVec(s *state) int {
	n := (s.cells - 2) &^ 7
	if !useAVX2 || n <= 0 {
		return 0
	}
	_ = s.zeta[n+1]
	_ = s.local[n]
	localAVX2(&s.local[1], &s.zeta[0], n, &omlsaConsts)
	return n
}

// interpolateAVX2 is interpolate for bins 0 … n-1 (n a multiple of 8):
// the cell gains gathered by interpA, and where interpW > 0 and the cell
// is not the last, g + w·(next − g), as the Go loop.
//
//go:noescape
func interpolateAVX2(bin, gain *float32, cell *int32, w *float32, n int, last int32)

// interpolateVec runs interpolateAVX2 over the whole multiples of 8 of
// the bins and returns how many it did.
func interpolateVec(s *state) int {
	n := len(s.interpA) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	_ = s.binGain[n-1]
	_ = s.interpW[n-1]
	interpolateAVX2(&s.binGain[0], &s.gain[0], &s.interpA[0], &s.interpW[0], n, int32(s.cells-1))
	return n
}

// omlsaNConst is the number of omlsaGainsAVX2's constants; the order is
// the one of the offsets in gain_amd64.s.
const omlsaNConst = 58

// omlsaConsts are the float32 constants of omlsaGain, omlsa's SNR loop
// and trackNoise (as Go rounds them
// in its float32 expressions) and a few bit patterns, each eight times.
var omlsaConsts = func() (k [omlsaNConst][8]float32) {
	bits := math.Float32frombits
	v := [omlsaNConst]float32{
		1, 80, 1.442695041, -125, 128, bits(128),
		0.6931472, 0.2402265, 0.05550411, 0.009618129, 0.001333355,
		1e-30, bits(0x007fffff), bits(0x3f800000), bits(127),
		2, 2.0 / 3, 2.0 / 5, 2.0 / 7, 0.5,
		1e-10, -0.57721566, 0.99999193, -0.24991055, 0.05519968, -0.00976004, 0.00107857,
		40, 2.334733, 0.250621, 3.330657, 1.681534,
		zetaMin, zetaMax, 1 / zetaMin, presenceScale, qMax, 0.005, 0.995, gainFloor, lnFloor,
		bits(0x80000000),
		sppPriorSNR / (1 + sppPriorSNR), 1 + sppPriorSNR, 0.9, 0.1, sppStuck,
		noiseAlpha, 1 - noiseAlpha, downCap, minNoisePow,
		noiseBias, ddAlpha, 1 - ddAlpha, xiMin, zetaAlpha, 1 - zetaAlpha, 3,
	}
	for i, c := range v {
		for j := range k[i] {
			k[i][j] = c
		}
	}
	return k
}()

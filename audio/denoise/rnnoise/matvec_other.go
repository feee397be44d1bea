//go:build !amd64

package rnnoise

func matVec(out []float32, m *matrix, x []float32) { matVecGeneric(out, m, x) }

func xcorr(out, x, y []float32) { xcorrGeneric(out, x, y) }

// xcorrPair does nothing here (false): pitchSearch runs xcorr per place.
func xcorrPair(a, b *[8]float32, x, y []float32, lo1, lo2 int) bool { return false }

// xcorrWide says xcorr of 16 lags costs about what 4 do (false: the
// generic code's cost grows with the lags).
const xcorrWide = false

// activateVec does nothing here: activateAll does every value.
func activateVec(*network, activation, []float32) int { return 0 }

// decimateVec does nothing here: pitchDownsample's loop does every sample.
func decimateVec(lp, x []float32) int { return 0 }

// whitenVec does nothing here (false): whiten's loop does every sample.
func whitenVec(g []float32, num *[5]float32) bool { return false }

// interpVec does nothing here (false): interpBandGainGo does every bin.
func interpVec(g, band []float32) bool { return false }

func dot4(out *[4]float32, x, p0, p1, p2, p3 []float32) { dot4Go(out, x, p0, p1, p2, p3) }

//go:build !amd64

package rnnoise

func matVec(out []float32, m *matrix, x []float32) { matVecGeneric(out, m, x) }

func xcorr(out, x, y []float32) { xcorrGeneric(out, x, y) }

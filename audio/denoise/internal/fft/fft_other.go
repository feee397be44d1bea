//go:build !amd64

package fft

const hasSSE4 = false

func bfly4SSE(x *complex64, tw *float32, m, pairs int) { panic("fft: no SSE") }

func bfly4AVX(x *complex64, tw *float32, m, quads int) { panic("fft: no AVX") }

var hasAVX4 = false

func realPostSSE(X, Z *complex64, w *float32, m, pairs int) { panic("fft: no SSE") }

func realPreSSE(Z, X *complex64, wc *float32, m, pairs int) { panic("fft: no SSE") }

func leaf5x2SSE(out, in *complex64, ia, ib, stride int, ya, yb complex64) { panic("fft: no SSE") }

func bfly2SSE(x *complex64, tw *float32, m int) { panic("fft: no SSE") }

func bfly3SSE(x *complex64, tw *float32, m int, epi float32) { panic("fft: no SSE") }

func bfly2StageSSE(x *complex64, tw *float32, m, blocks int) { panic("fft: no SSE") }

func bfly3StageSSE(x *complex64, tw *float32, m, blocks int, epi float32) { panic("fft: no SSE") }

func leaf5RunSSE(out, in *complex64, idx *int, pairs, stride int, ya, yb complex64) {
	panic("fft: no SSE")
}

func realPostAVX(X, Z *complex64, w *float32, m, quads int) { panic("fft: no AVX") }

func realPreAVX(Z, X *complex64, wc *float32, m, quads int) { panic("fft: no AVX") }

//go:build !amd64

package fft

const hasSSE4 = false

func bfly4SSE(x *complex64, tw *float32, m int) { panic("fft: no SSE") }
